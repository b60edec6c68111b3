"""The seed scenario played over HTTP between two node processes, one on PostgreSQL and one on
SQLite, as ``make run`` plays it: every act it acknowledges is in one log that both nodes hold
final, that audits clean at each, and whose published tiles and certificate verify.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jointzone.cli._client import NodeApi
from jointzone.cli._network import network_demo
from jointzone.node import NodeConfig, Replica, audit
from jointzone.node._checkpoints import SIGNED_STATE_FILE, read_signed_state
from jointzone.node._standalone import database_url
from jointzone.scenario import Scenario
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, Note

from ._network import REGIME, ROOT, NodeProcess, free_port, run_here, serving

SCENARIO = ROOT / "scenarios" / "seed.yaml"
#: A line the demo prints for each act once it is final at every node: its log position.
ACKNOWLEDGED = re.compile(r"^\s+\d{4}-\d\d-\d\d\s+#(\d+)\s", re.MULTILINE)


def test_the_seed_scenario_plays_over_http_between_a_postgresql_and_a_sqlite_node(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "demo"
    ports = [free_port(), free_port()]
    network_demo(
        root,
        regime_dir=REGIME,
        scenario_path=SCENARIO,
        ports=ports,
        serve=False,
        dbs={"japan": postgres_url},
    )
    out = capsys.readouterr().out
    # The demo verified the published log and a certificate itself, or it would have raised.
    assert "verified the log published at" in out
    assert re.search(r"^\s+verdict: VALID$", out, re.MULTILINE), out
    # ... and showed whom it is for and where they may go, both parties' names for each place.
    assert re.search(r"^\s+holder \(Latn\): \S", out, re.MULTILINE), out
    assert re.search(r"^\s+permitted place: \S+/\S+", out, re.MULTILINE), out

    # No request waited out a peer's lock: two nodes gathering a certificate's signatures from
    # each other at once, each holding its own lock, once stalled every round by the wait.
    for party in ("japan", "russia"):
        log = (root / f"{party}.log").read_text(encoding="utf-8")
        assert "is busy" not in log, log

    steps = Scenario.from_file(SCENARIO).steps
    acts = [s for s in steps if s.export is None and not s.pending and s.reject is None]
    positions = [int(i) for i in ACKNOWLEDGED.findall(out)]
    genesis = 3  # the adoption and each party's certificate key
    assert positions == list(range(genesis, genesis + len(acts))), out

    configs = {p: NodeConfig.read(root / p) for p in ("japan", "russia")}
    dbs = {p: database_url(root / p, c.db) for p, c in configs.items()}
    assert dbs["japan"] == postgres_url
    assert dbs["russia"].startswith("sqlite")
    # Each node's key as the other pinned it, out of band.
    pins = [configs["russia"].peers["japan"].node_verifier]
    pins.append(configs["japan"].peers["russia"].node_verifier)
    logs, finals = {}, {}
    for party, db in dbs.items():
        with open_store(db) as store:
            logs[party] = list(store.iter_entries())
            finals[party] = store.checkpoint()
    assert logs["japan"] == logs["russia"], "the nodes' logs differ: a fork"
    assert finals["japan"] == finals["russia"]
    final = finals["japan"]
    assert final is not None
    assert Checkpoint.from_text(Note.from_bytes(final).text).size == len(logs["japan"])
    assert len(logs["japan"]) == genesis + len(acts)
    for party, db in dbs.items():
        signed = read_signed_state(root / party / "keys" / SIGNED_STATE_FILE)
        other = {p: final for p in configs if p != party}
        with open_store(db) as store:
            report = audit(store, pins=pins, signed_state=signed, peer_checkpoints=other)
        assert report.size == report.checkpoint_size == len(logs[party]), report

    # The registry commands read a running node's URL as they read a directory.
    state = Replica.replay(logs["japan"]).state
    nodes = {p: NodeProcess(p, root / p, port) for p, port in zip(configs, ports, strict=True)}
    with serving(nodes):
        url = nodes["russia"].direct
        keys = json.loads(run_here("keys", url, "--format", "json").stdout)
        assert {k["key"] for k in keys if k["kind"] == "node"} == set(pins)
        places = run_here("places", url, "--format", "json").stdout
        assert places == run_here("places", "--regime", REGIME, "--format", "json").stdout
        moved = json.loads(run_here("movements", url, "--format", "json").stdout)
        assert moved == json.loads(
            run_here("registry", url, "movements", "--format", "json").stdout
        )
        assert len(moved) == len(state.movements) > 0
        assert isinstance(
            json.loads(run_here("movements", url, "--pending", "--format", "json").stdout), list
        )
        certificate = next(iter(state.certificates))
        shown = run_here("cert", "show", url, certificate).stdout
        with NodeApi(url) as api:
            assert api.certificate_text(certificate) in shown
