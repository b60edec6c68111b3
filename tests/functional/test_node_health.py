"""Two parties' nodes as processes of their own: their health and readiness, their metrics,
``node status`` of a node that is well and of one whose peer has gone, and the JSON log each
writes, which never holds the passphrase or a byte of a key."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client.parser import text_string_to_metric_families

from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.node import Keystore, read_key_file, root_key_ids

from ._network import NodeProcess, appoint_key, genesis, pair, run_here, serving, wait_final


def scrape(node: NodeProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The node's metrics, by sample name and labels."""
    response = httpx.get(f"{node.direct}/metrics", timeout=5)
    assert response.status_code == 200, response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def health(node: NodeProcess) -> dict[str, Any]:
    response = httpx.get(f"{node.direct}/api/v1/health", timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def new_official_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def secrets(node: NodeProcess) -> dict[str, bytes]:
    """Everything secret a node directory holds, by name: its passphrase and every private key
    (keystore and root key files), each as the raw bytes it is."""
    keystore = Keystore.open(node.root / "keys", passphrase=DEMO_PASSPHRASE)
    found = {"passphrase": DEMO_PASSPHRASE}
    for entry in keystore.entries():
        key = keystore.private_key(entry.kind, entry.name)
        found[f"{entry.kind} key {entry.name}"] = key.private_bytes_raw()
    for key_id in root_key_ids(node.party):
        key = read_key_file(node.root / "root-keys" / f"{key_id}.pem", DEMO_PASSPHRASE)
        found[f"root key {key_id}"] = key.private_bytes_raw()
    return found


def forms(raw: bytes) -> Iterable[str]:
    """The ways a secret could be written into a log."""
    yield raw.hex()
    yield raw.hex().upper()
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        yield encoded.decode()
        yield encoded.rstrip(b"=").decode()
    if raw.isascii():
        yield raw.decode("ascii")


def until(what: str, condition: Any, nodes: Iterable[NodeProcess], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    logs = "\n".join(f"--- {n.party}\n{n.tail()}" for n in nodes)
    raise AssertionError(f"{what} did not happen:\n{logs}")


def test_health_metrics_status_and_logs_of_two_node_processes(tmp_path: Path) -> None:
    nodes = pair(tmp_path, runner=run_here)
    japan, russia = nodes["japan"], nodes["russia"]
    with serving(nodes):
        # Before the genesis the process is alive, but not ready, and says why.
        assert httpx.get(f"{japan.direct}/healthz").json() == {"status": "alive", "party": "japan"}
        not_ready = httpx.get(f"{japan.direct}/readyz")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert not_ready.json()["detail"].startswith("not ready: regime: ")

        genesis(nodes, runner=run_here)
        appoint_key(japan, "ja-registrar", "registrar", new_official_key(), runner=run_here)
        wait_final(nodes, 4)
        for n in nodes.values():
            ready = httpx.get(f"{n.direct}/readyz")
            assert ready.status_code == 200, ready.text
            assert {c["name"] for c in ready.json()["checks"] if c["ok"]} == {
                "database",
                "keystore",
                "regime",
                "caught-up",
            }

        # What each node last heard of the other's size, which a round's end brings up to date.
        behind = ("jointzone_peer_entries_behind", (("peer", "russia"),))
        metrics = until(
            "russia seen holding every entry",
            lambda: (m := scrape(japan))[behind] == 0 and m,
            nodes.values(),
        )
        assert metrics[("jointzone_log_size", ())] == 4
        assert metrics[("jointzone_log_final_size", ())] == 4
        assert 0 <= metrics[("jointzone_final_checkpoint_age_seconds", ())] < 120
        assert metrics[("jointzone_outbox_messages", (("peer", "russia"),))] == 0
        assert metrics[("jointzone_peer_unreachable_seconds", (("peer", "russia"),))] == 0
        assert metrics[("jointzone_acts_pending_age_seconds_count", ())] == 0
        # Russia's driver asks Japan's size every second: counted by its route, and answered.
        sized = (("method", "GET"), ("route", "/peer/v1/size"), ("status", "200"))
        assert metrics[("jointzone_http_requests_total", sized)] >= 1

        well = run_here("node", "status", "--node", japan.direct, check=False)
        assert well.returncode == 0, well.stdout
        assert well.stdout.splitlines()[0] == "node of japan: green"
        assert "entries in the log: 4, final: 4" in well.stdout
        assert "peer russia reached" in well.stdout
        read = run_here("node", "status", japan.root, "--json", check=False)
        report = json.loads(read.stdout)
        assert (read.returncode, report["level"]) == (0, "green"), read.stdout
        assert {f["check"] for f in report["findings"]} == {"log", "checkpoint", "peer", "acts"}

        # Russia's node goes; what Japan's officials do waits in its outbox.
        russia.stop()
        appoint_key(japan, "ja-clerk", "registrar", new_official_key(), runner=run_here)

        def russia_down() -> dict[str, Any] | None:
            report = health(japan)
            found = {f["check"]: f for f in report["findings"]}
            peer = found.get("peer", {})
            return (
                report if peer.get("template") == "peer {peer} unreachable for {duration}" else None
            )

        report = until("russia's node seen unreachable", russia_down, nodes.values())
        found = {f["check"]: f for f in report["findings"]}
        assert report["level"] == "yellow", report
        assert found["peer"]["level"] == "yellow"
        assert "unreachable" in found["peer"]["detail"]
        waiting = found["outbox"]["params"]["count"]
        assert waiting >= 1
        assert httpx.get(f"{japan.direct}/readyz").status_code == 200  # it still serves

        metrics = scrape(japan)
        assert metrics[("jointzone_outbox_messages", (("peer", "russia"),))] == waiting
        assert metrics[("jointzone_peer_unreachable_seconds", (("peer", "russia"),))] > 0

        down = run_here("node", "status", "--node", japan.direct, check=False)
        assert down.returncode == 2, down.stdout
        lines = down.stdout.splitlines()
        assert lines[0] == "node of japan: yellow"
        assert any(
            line.split()[:4] == ["yellow", "peer", "russia", "unreachable"] for line in lines
        )
        assert f"messages waiting in the outbox to russia: {waiting}" in down.stdout
        in_japanese = run_here(
            "node", "status", "--node", japan.direct, "--lang", "ja", check=False
        )
        assert in_japanese.stdout.splitlines()[0] == "japan のノード：黄"
        assert f"russia 宛ての送信待ちメッセージ：{waiting}" in in_japanese.stdout

    # Read from its directory once no process serves it, the node is red, and says so.
    stopped = run_here("node", "status", russia.root, check=False)
    assert stopped.returncode == 3, stopped.stdout
    assert any(
        line.split()[:4] == ["red", "no", "process", "serves"]
        for line in stopped.stdout.splitlines()
    ), stopped.stdout
    for args, error in (
        ((), "give the node's directory, or --node URL, but not both"),
        ((russia.root, "--node", japan.direct), "give the node's directory, or --node URL"),
        ((tmp_path / "nowhere",), f"no node at {tmp_path / 'nowhere'}"),
        (("--node", japan.direct), f"the node at {japan.direct} is unreachable"),
        ((russia.root, "--lang", "xx"), "--lang: expected one of en, ja, ru, not 'xx'"),
    ):
        bad = run_here("node", "status", *args, check=False)
        assert bad.returncode == 1, (args, bad.stdout)
        assert error in " ".join(bad.stderr.split()), (args, bad.stderr)
        assert "Traceback" not in bad.stdout + bad.stderr
    refused = run_here(
        "node", "serve", japan.root, "--demo-keys", "--log-format", "xml", check=False
    )
    assert refused.returncode == 1
    assert "--log-format must be one of json, text, not 'xml'" in refused.stderr

    routes: set[str] = set()
    for n in nodes.values():
        text = n.log.read_text(encoding="utf-8")
        records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        others = [line for line in text.splitlines() if not line.startswith("{")]
        # Only the command's own warning, before the log begins, is not a log record.
        assert all(line.startswith("warning: DEMO KEYS") for line in others), others
        for record in records:
            assert {"time", "level", "logger", "message"} <= set(record), record
            assert record["time"].endswith("Z")
        loggers = {r["logger"] for r in records}
        assert {"jointzone.access", "uvicorn.error"} <= loggers, loggers
        access = [r for r in records if r["logger"] == "jointzone.access"]
        assert {"method", "path", "route", "status", "duration_ms", "client"} <= set(access[0])
        routes |= {r["route"] for r in access}
        assert "/peer/v1/size" in {r["route"] for r in access}  # each asks the other's size
        for name, raw in secrets(n).items():
            for form in forms(raw):
                assert form not in text, f"{n.party}'s log holds its {name} ({form[:6]}...)"
    assert "/peer/v1/add-checkpoint" in routes  # the witness of the month's rounds answered
