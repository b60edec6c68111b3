"""A third party joins two running nodes: each party's node a process of its own, on loopback.

The joining party makes its node with the new version of the regime, which names it, and pins
the founding parties' nodes; they pin it as joining (``node peer add --joining``). Its node
catches up from theirs and signs nothing. ``node join-act`` writes the ``regime.amend`` that
declares its root keys and node key; the founding parties' root keys sign it at their nodes,
and the joining party's root keys at its own. From the checkpoint just after the amendment,
every final checkpoint carries all three nodes' signatures; the joined party's own root keys
appoint its official and declare its certificate key; and a verifier given only the founding
parties' node keys follows the join, in the log and in a trust bundle.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.tlog import Note, Verifier
from jointzone.trust import open_bundle

from ._network import (
    REGIME,
    NodeProcess,
    appoint,
    free_port,
    genesis,
    pair,
    run_here,
    serving,
    wait_final,
)

THIRD = "third"
NAMES = {"ja": "第三当事国", "ru": "Третья сторона", "en": "Third party"}


def _regime_with_third(target: Path) -> Path:
    """The seed regime's files as version 2, with the third party after the founding ones:
    its names, its turn last in the sequencer's order, and its name for every place (the two
    founding parties' names side by side)."""
    shutil.copytree(REGIME, target)
    terms = yaml.safe_load((target / "regime.yaml").read_text(encoding="utf-8"))
    terms["version"] = 2
    terms["parties"].append({"id": THIRD, "names": NAMES})
    terms["sequencer"]["order"].append(THIRD)
    terms["name_order"] = {lang: [*order, THIRD] for lang, order in terms["name_order"].items()}
    (target / "regime.yaml").write_text(yaml.safe_dump(terms, allow_unicode=True), "utf-8")
    places = yaml.safe_load((target / "places.yaml").read_text(encoding="utf-8"))
    for place in places["places"]:
        names = place["names"]
        place["names"][THIRD] = {
            lang: " / ".join(dict.fromkeys(names[p][lang] for p in ("japan", "russia")))
            for lang in names["japan"]
        }
    (target / "places.yaml").write_text(yaml.safe_dump(places, allow_unicode=True), "utf-8")
    return target


def _root(node: NodeProcess, n: int, demo: Path) -> list[str | Path]:
    key = node.root / "root-keys" / f"{node.party}-root-{n}.pem"
    return ["--as", f"{node.party}-root-{n}", "--key-file", key, "--passphrase-file", demo]


def _regime(node: NodeProcess) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{node.direct}/api/v1/regime", timeout=30).json()
    return data


def _caught_up(node: NodeProcess, size: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.status()["final_size"] >= size:
            return
        time.sleep(0.2)
    raise AssertionError(f"the node of {node.party} did not catch up to {size}:\n{node.tail()}")


def test_a_third_party_joins_two_running_nodes(tmp_path: Path) -> None:
    demo = tmp_path / "demo-passphrase"
    demo.write_text(DEMO_PASSPHRASE.decode(), encoding="utf-8")
    nodes = pair(tmp_path, runner=run_here)
    japan, russia = nodes["japan"], nodes["russia"]
    third = NodeProcess(
        THIRD, tmp_path / THIRD, free_port(), regime=_regime_with_third(tmp_path / "v2")
    )
    third.init(runner=run_here)
    refused = run_here("node", "peer", "add", japan.root, third.descriptor, check=False)
    assert refused.returncode != 0
    assert "is pinned with --joining" in refused.stdout + refused.stderr
    for node in nodes.values():
        run_here("node", "peer", "add", node.root, third.descriptor, "--joining")
        run_here("node", "peer", "add", third.root, node.descriptor)
    genesis_keys = [Verifier.from_vkey(n.verifier()) for n in nodes.values()]

    with serving(nodes):
        genesis(nodes, runner=run_here)
        wait_final(nodes, 3)
        third.start()
        try:
            # The joining node catches up from the founding ones, which ask it to sign nothing.
            _caught_up(third, 3)
            assert _regime(third)["version"] == 1
            before = Note.from_bytes(japan.checkpoint() or b"")
            assert {s.name for s in before.signatures} == {v.name for v in genesis_keys}

            act = tmp_path / "join.json"
            run_here("node", "join-act", third.root, "--out", act, "--demo-keys")
            joining = json.loads(act.read_text(encoding="utf-8"))["joining"][THIRD]
            assert joining["node_verifier"] == third.verifier()
            out = run_here("act", "propose", "--node", japan.direct, act, *_root(japan, 1, demo))
            act_id = out.stdout.split()[2]
            run_here("act", "sign", "--node", japan.direct, act_id, *_root(japan, 2, demo))
            for n in (1, 2):
                run_here("act", "sign", "--node", russia.direct, act_id, *_root(russia, n, demo))
            # The founding parties' consent is not enough: the joining party's roots sign too,
            # at its own node, to which the proposal travelled.
            time.sleep(1.5)
            assert japan.status()["final_size"] == 3
            for n in (1, 2):
                run_here("act", "sign", "--node", third.direct, act_id, *_root(third, n, demo))
            every = {**nodes, THIRD: third}
            joined = Note.from_bytes(wait_final(every, 4))
            assert {s.name for s in joined.signatures} == {
                *(v.name for v in genesis_keys),
                Verifier.from_vkey(third.verifier()).name,
            }
            for node in every.values():
                held = _regime(node)
                assert held["version"] == 2, node.party
                assert [p["id"] for p in held["parties"]] == ["japan", "russia", THIRD]

            # The joined party acts for itself: its roots appoint its registrar and declare its
            # certificate key at its own node; each entry needs all three nodes to be final.
            password = tmp_path / "official.pass"
            password.write_text("an official's own passphrase", encoding="utf-8")
            appoint(
                third, "third-registrar", "registrar", tmp_path / "t.pem", password, runner=run_here
            )
            keys = [third.root / "root-keys" / f"{THIRD}-root-{i}.pem" for i in (1, 2)]
            declared = run_here(
                "node", "genesis", "--node", third.direct, "--demo-keys",
                "--root-key", keys[0], "--root-key", keys[1],
            ).stdout  # fmt: skip
            assert "certificate key" in declared
            final = wait_final(every, 6)
            assert len(Note.from_bytes(final).signatures) == 3

            # A verifier holding only the founding parties' keys follows the join.
            pins = [a for v in genesis_keys for a in ("--key", v.vkey)]
            for how in ([], ["--judge"]):
                verified = run_here("verify-log", japan.url, *pins, *how).stdout
                assert "ok: 6 entries" in verified, (how, verified)
            bundle = httpx.get(f"{third.direct}/api/v1/trust-bundle", timeout=60)
            assert bundle.status_code == 200, bundle.text
            opened = open_bundle(bundle.content, genesis_keys)
            assert opened.checkpoint.size == 6
            assert THIRD in opened.table.node_keys()
        finally:
            third.stop()
