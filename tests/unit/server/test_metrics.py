"""A served node's health and metrics: /healthz, /readyz, /api/v1/health and /metrics, asked of
its app in this process, and the access log and JSON lines its requests and records make."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from jointzone.cose import CoseSigner
from jointzone.node import (
    Keystore,
    Node,
    NodeConfig,
    StandaloneNode,
    new_proposal,
    read_key_file,
    root_key_file,
)
from jointzone.regime import Regime
from jointzone.server import NodeService, PeerUnavailableError, create_app
from jointzone.server._serve import JsonLogFormatter
from jointzone.store import open_store

ROOT = Path(__file__).parents[3]
REGIME = ROOT / "regimes" / "seed"
PASSPHRASE = b"demo-passphrase-not-a-secret"


def _free_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two parties' node directories, pinned to each other; nothing listens at their URLs."""
    base = tmp_path_factory.mktemp("metrics")
    roots = {p: base / p for p in ("japan", "russia")}
    descriptors = {
        p: StandaloneNode.init(
            r, party=p, regime_dir=REGIME, url=_free_url(), passphrase=PASSPHRASE, demo=True
        )
        for p, r in roots.items()
    }
    for p, r in roots.items():  # pinned as node peer add pins, less the gate it builds
        config = NodeConfig.read(r)
        config.peers.update({o: d for o, d in descriptors.items() if o != p})
        config.write(r)
    return roots


@contextmanager
def served(root: Path, copy: Path) -> Iterator[NodeService]:
    """The node at ``root`` served in this process, from a copy of its directory at ``copy``."""
    shutil.copytree(root, copy)
    # As StandaloneNode.open opens it, less the neutrality gate (seconds to build, and what
    # is measured here never needs it).
    config = NodeConfig.read(copy)
    node = Node(
        party=config.party,
        store=open_store(f"sqlite:///{copy / 'node.db'}"),
        keystore=Keystore.open(copy / "keys", passphrase=PASSPHRASE),
    )
    service = NodeService(StandaloneNode(copy, config, node, Regime.from_dir(REGIME)))
    try:
        yield service
    finally:
        service.close()


@pytest.fixture
def japan(made: dict[str, Path], tmp_path: Path) -> Iterator[NodeService]:
    with served(made["japan"], tmp_path / "japan") as service:
        yield service


class Client:
    """An app asked over ASGI in this process, one request at a time."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
                return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

        return asyncio.run(run())

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("POST", path, **kwargs)


def metrics(client: Client) -> dict[str, list[tuple[dict[str, str], float]]]:
    """The samples of every metric scraped, by sample name."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def value(
    scraped: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> float:
    found = [
        v for got, v in scraped.get(name, []) if all(got.get(k) == x for k, x in labels.items())
    ]
    assert len(found) == 1, (name, labels, scraped.get(name))
    return found[0]


def genesis_proposal(service: NodeService, *, expires_in: timedelta | None = None) -> bytes:
    """The genesis, proposed with one of the party's root keys (it needs two): an open act."""
    party = service.party
    key_id = f"{party}-root-1"
    signer = CoseSigner(
        kid=key_id.encode(),
        private_key=read_key_file(root_key_file(service.standalone.root, key_id), PASSPHRASE),
    )
    return new_proposal(
        service.standalone.genesis_act(),
        regime=service.standalone.regime,
        party=party,
        signer=signer,
        now=datetime.now(UTC).replace(microsecond=0),
        expires_in=expires_in,
    ).to_bytes()


def test_healthz_answers_and_readyz_says_which_check_fails(japan: NodeService) -> None:
    client = Client(create_app(japan))
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.json() == {"status": "alive", "party": "japan"}

    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    body = ready.json()
    assert body["status"] == 503
    assert body["title"] == "Service Unavailable"
    assert body["detail"].startswith("not ready: regime: the regime is not adopted yet")
    checks = {c["name"]: c["ok"] for c in body["checks"]}
    assert checks == {"database": True, "keystore": True, "regime": False, "caught-up": True}

    # A peer known to hold entries this node lacks: not caught up either, and it says whose.
    japan.contacts.reached("russia", log_size=4)
    body = client.get("/readyz").json()
    failed = [c for c in body["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["regime", "caught-up"]
    assert failed[1]["detail"] == "catching up with its peers: russia holds 4 more"


def test_metrics_are_read_from_the_node_at_each_scrape(japan: NodeService) -> None:
    client = Client(create_app(japan))
    before = metrics(client)
    assert value(before, "jointzone_log_size") == 0
    assert value(before, "jointzone_log_final_size") == 0
    assert value(before, "jointzone_outbox_messages", peer="russia") == 0
    assert value(before, "jointzone_ready", check="regime") == 0
    assert value(before, "jointzone_ready", check="database") == 1
    assert "jointzone_final_checkpoint_age_seconds" not in before  # no final checkpoint yet
    assert "jointzone_peer_unreachable_seconds" not in before  # never asked yet
    assert value(before, "jointzone_acts_pending_age_seconds_count") == 0

    # An open act, sent on to the peer through the outbox, and a peer that cannot be reached.
    client.post(
        "/api/v1/proposals",
        content=genesis_proposal(japan),
        headers={"content-type": "application/cose"},
    ).raise_for_status()
    with pytest.raises(PeerUnavailableError):
        japan.clients["russia"].log_size()
    after = metrics(client)
    assert value(after, "jointzone_outbox_messages", peer="russia") == 1
    assert value(after, "jointzone_peer_unreachable_seconds", peer="russia") >= 0
    assert "jointzone_peer_last_reached_timestamp_seconds" not in after
    assert value(after, "jointzone_acts_pending_age_seconds_count") == 1
    assert value(after, "jointzone_acts_pending_age_seconds_bucket", le="3600.0") == 1

    japan.contacts.reached("russia", log_size=0)
    reached = metrics(client)
    assert value(reached, "jointzone_peer_unreachable_seconds", peer="russia") == 0
    assert value(reached, "jointzone_peer_entries_behind", peer="russia") == 0
    assert value(reached, "jointzone_peer_last_reached_timestamp_seconds", peer="russia") > 0


def test_latency_is_labelled_by_route_template_not_by_path(japan: NodeService) -> None:
    client = Client(create_app(japan))
    for act in ("0" * 32, "1" * 32, "2" * 32):
        assert client.get(f"/api/v1/proposals/{act}").status_code == 404
    assert client.get("/no/such/path/42").status_code == 404
    assert client.get("/status").status_code == 200
    scraped = metrics(client)
    route = "/api/v1/proposals/{act_id}"
    assert (
        value(scraped, "jointzone_http_request_duration_seconds_count", route=route, method="GET")
        == 3
    )
    assert value(scraped, "jointzone_http_requests_total", route=route, status="404") == 3
    assert value(scraped, "jointzone_http_requests_total", route="unmatched", status="404") == 1
    assert value(scraped, "jointzone_http_requests_total", route="/status", status="200") == 1
    routes = {labels["route"] for labels, _ in scraped["jointzone_http_requests_total"]}
    assert not any("0000" in r or "42" in r for r in routes), routes


def test_each_app_has_a_registry_of_its_own(
    japan: NodeService, made: dict[str, Path], tmp_path: Path
) -> None:
    """Two nodes served in one process: neither's metrics collide with, or show, the other's."""
    with served(made["russia"], tmp_path / "russia") as russia_service:
        clients = {"japan": Client(create_app(japan)), "russia": Client(create_app(russia_service))}
        clients["japan"].get("/status")
        clients["japan"].get("/status")
        metrics(clients["russia"])
        ours, theirs = metrics(clients["japan"]), metrics(clients["russia"])
    assert value(ours, "jointzone_outbox_messages", peer="russia") == 0
    assert value(theirs, "jointzone_outbox_messages", peer="japan") == 0
    assert value(ours, "jointzone_http_requests_total", route="/status", status="200") == 2
    # Russia's app counted its own first scrape, and none of Japan's requests.
    assert theirs["jointzone_http_requests_total"] == [
        ({"route": "/metrics", "method": "GET", "status": "200"}, 1.0)
    ]


def test_the_health_report_says_what_is_wrong_and_why(japan: NodeService) -> None:
    client = Client(create_app(japan))
    client.post(
        "/api/v1/proposals",
        content=genesis_proposal(japan, expires_in=timedelta(days=1)),
        headers={"content-type": "application/cose"},
    ).raise_for_status()
    with pytest.raises(PeerUnavailableError):
        japan.clients["russia"].log_size()
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    report = response.json()
    assert report["party"] == "japan"
    assert report["level"] == "yellow"
    found = {f["check"]: f for f in report["findings"]}
    assert found["regime"]["level"] == "yellow"
    peer = found["peer"]
    assert (peer["level"], peer["message"]) == ("yellow", "peer russia not reached yet")
    assert "is unreachable" in peer["detail"]
    assert found["outbox"]["message"] == "messages waiting in the outbox to russia: 1"
    assert found["acts-expiring"]["message"] == "acts that expire within 3 d: 1"
    assert found["acts-expiring"]["params"] == {"duration": {"seconds": 259200}, "count": 1}
    assert found["log"]["message"] == "entries in the log: 0, final: 0"


def test_every_request_is_in_the_access_log_with_its_fields(
    japan: NodeService, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(create_app(japan))
    with caplog.at_level(logging.INFO, logger="jointzone.access"):
        client.get("/api/v1/proposals/" + "0" * 32)
    (record,) = [r for r in caplog.records if r.name == "jointzone.access"]
    assert record.getMessage().startswith("GET /api/v1/proposals/" + "0" * 32 + " 404 ")
    assert record.__dict__["route"] == "/api/v1/proposals/{act_id}"
    assert record.__dict__["status"] == 404
    assert record.__dict__["method"] == "GET"
    assert record.__dict__["duration_ms"] >= 0


def test_json_log_lines_carry_time_level_logger_message_and_fields() -> None:
    formatter = JsonLogFormatter()
    record = logging.LogRecord(
        "jointzone.access", logging.INFO, __file__, 1, "GET %s %d", ("/status", 200), None
    )
    record.__dict__.update({"route": "/status", "status": 200})
    line = formatter.format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "info"
    assert data["logger"] == "jointzone.access"
    assert data["message"] == "GET /status 200"
    assert (data["route"], data["status"]) == ("/status", 200)
    assert datetime.strptime(data["time"], "%Y-%m-%dT%H:%M:%S.%fZ")  # ISO 8601, UTC
    assert not {"args", "msg", "exc_info"} & set(data)

    try:
        raise ValueError("a bug\nover two lines")
    except ValueError:
        failed = logging.LogRecord(
            "jointzone.node", logging.ERROR, __file__, 1, "tick failed", None, sys.exc_info()
        )
    data = json.loads(formatter.format(failed))
    assert data["level"] == "error"
    assert "ValueError: a bug\nover two lines" in data["exception"]
