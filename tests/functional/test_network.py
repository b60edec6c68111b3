"""Each party's node as its own process, speaking HTTP to the other on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jointzone.tlog import Checkpoint, Note

from ._network import (
    NodeProcess,
    appoint,
    genesis,
    pair,
    run,
    run_here,
    serving,
    wait_final,
)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, NodeProcess]]:
    # Made in this process (the same commands, without an interpreter each); the nodes serve
    # as processes of their own.
    with serving(pair(tmp_path, runner=run_here)) as made:
        yield made


def test_genesis_travels_between_two_node_processes_and_both_hold_the_final_log(
    nodes: dict[str, NodeProcess],
) -> None:
    genesis(nodes)
    # The adoption and each party's certificate key: three entries, final at both nodes.
    final = wait_final(nodes, 3)
    cp = Checkpoint.from_text(Note.from_bytes(final).text)
    assert cp.size == 3
    assert len(Note.from_bytes(final).signatures) >= 2
    for n in nodes.values():
        status = n.status()
        assert status["size"] == status["final_size"] == 3, status
        assert status["outbox"] == {}, status


def test_an_act_proposed_while_its_peer_is_down_commits_when_the_peer_returns(
    nodes: dict[str, NodeProcess], tmp_path: Path
) -> None:
    japan, russia = nodes["japan"], nodes["russia"]
    genesis(nodes, runner=run_here)
    wait_final(nodes, 3)
    password = tmp_path / "official-passphrase"
    password.write_text("an official's own passphrase", encoding="utf-8")
    keys = {p: tmp_path / f"{p}-registrar.pem" for p in nodes}
    for party, node in nodes.items():
        appoint(node, f"{party[:2]}-registrar", "registrar", keys[party], password, runner=run_here)
    wait_final(nodes, 5)

    russia.kill()
    act = tmp_path / "enterprise.json"
    act.write_text(
        json.dumps(
            {
                "type": "enterprise.register",
                "enterprise": "kaiyo-tourism",
                "party": "japan",
                "categories": ["tourism"],
                "names": {"en": "Kaiyo Tourism"},
                "registered_address": {"place": "nemuro-port"},
            }
        ),
        encoding="utf-8",
    )
    out = run(
        "act", "propose", "--node", japan.url, act, "--as", "ja-registrar",
        "--key-file", keys["japan"], "--passphrase-file", password,
    ).stdout  # fmt: skip
    act_id = out.split()[2]
    # Acknowledged while the peer is down: kept in japan's outbox until russia has it.
    assert japan.status()["outbox"].get("russia", 0) >= 1

    russia.start()
    deadline = time.monotonic() + 60
    while run_here("act", "show", "--node", russia.url, act_id, check=False).returncode:
        assert time.monotonic() < deadline, japan.tail() + russia.tail()
        time.sleep(0.3)
    run(
        "act", "sign", "--node", russia.url, act_id, "--as", "ru-registrar",
        "--key-file", keys["russia"], "--passphrase-file", password,
    )  # fmt: skip
    final = wait_final(nodes, 6)
    assert Checkpoint.from_text(Note.from_bytes(final).text).size == 6
    shown = run_here("act", "show", "--node", japan.url, act_id).stdout
    assert "committed at position 5" in shown, shown
    assert japan.status()["outbox"] == {}
    assert russia.status()["outbox"] == {}
    # What a node publishes, read by anyone with the node keys: the log, and registries
    # derived from it.
    vkeys = [
        json.loads(run_here("node", "descriptor", n.root).stdout)["node_verifier"]
        for n in (japan, russia)
    ]
    verified = run_here("verify-log", russia.url, "--key", vkeys[0], "--key", vkeys[1]).stdout
    assert "ok: 6 entries" in verified, verified
    listed = run_here("registry", japan.url, "enterprises", "--format", "json").stdout
    assert "kaiyo-tourism" in listed, listed
