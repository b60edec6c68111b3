"""How a served node is doing, for the machines and people who watch it.

- ``/healthz`` (public): the process answers. It reads nothing and takes no lock, so it answers
  while a round holds the node.
- ``/readyz`` (public): ready to serve: the database answers, the keystore is unlocked, the
  regime is adopted, and the node is not catching up (see ``node._health.readiness``). 503 with
  an RFC 9457 problem otherwise, its ``checks`` saying which failed and why. No lock either.
- ``/api/v1/health`` (officials): the node's health report, green, yellow or red, each finding
  with its reason (``node._health``), which ``node status --node URL`` prints.
- ``/metrics`` (public): Prometheus metrics. The node's are read from it at each scrape (log
  and final size, age of the last final checkpoint, each peer's entries behind, contact and
  outbox, open acts by age, the readiness checks) by :class:`NodeCollector`, so nothing is
  counted twice; requests are counted as they are answered, by route template (never by raw
  path, so a scanner cannot grow the series) and method.

Every app has a registry of its own, so that several nodes served in one process (the tests do)
keep their metrics apart. Every answered request is also written to the ``jointzone.access``
log, with its method, path, route, status, duration and client as fields of the record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jointzone.node import NodeError, final_checkpoint_time, health_report, readiness
from jointzone.server import _wire
from jointzone.server._service import PEER_WAIT_S, NodeBusyError, NodeService
from jointzone.store import StoreError

access_log = logging.getLogger("jointzone.access")

#: Open acts are counted by age into these buckets (seconds): 1 h, 6 h, 1 d, 3 d, 7 d, 30 d.
PENDING_BUCKETS = (3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)
#: Request durations (seconds): a tile read takes milliseconds, a witness's round seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
#: How long a scrape waits for the node's lock to count open acts (they are in its replica):
#: past it, the scrape reports the last count rather than wait on a round.
PENDING_WAIT_S = 1.0
#: The route label of a request no route matched.
UNMATCHED = "unmatched"
_PATH_CHARS = 300


class NodeCollector(Collector):
    """The node's metrics, read from it at each scrape (see the module docstring)."""

    def __init__(self, service: NodeService) -> None:
        self._service = service
        #: The open acts' ages as last counted, for a scrape that finds the node busy.
        self._pending: list[float] | None = None

    def collect(self) -> Iterator[Metric]:
        service = self._service
        node = service.node
        peers = sorted(service.clients)
        contacts = service.contacts.all()
        ready = GaugeMetricFamily(
            "jointzone_ready",
            "Whether each condition of serving holds (1) or not (0); see /readyz.",
            labels=["check"],
        )
        checks = readiness(node, contacts)
        for check in checks:
            ready.add_metric([check.name], 1 if check.ok else 0)
        yield ready
        if not next(c.ok for c in checks if c.name == "database"):
            return  # nothing else is known
        try:
            size, final = node.log_size(), node.final_size()
            outbox = service.outbox.depth()
        except StoreError:
            return
        yield GaugeMetricFamily("jointzone_log_size", "Entries in this node's log.", value=size)
        yield GaugeMetricFamily(
            "jointzone_log_final_size",
            "Entries covered by the last checkpoint every party's node signed.",
            value=final,
        )
        yield from self._final_age(final)
        behind = GaugeMetricFamily(
            "jointzone_peer_entries_behind",
            "Entries of this node's log the peer did not hold when it last said its size.",
            labels=["peer"],
        )
        down = GaugeMetricFamily(
            "jointzone_peer_unreachable_seconds",
            "How long the peer has failed every request (0 while it answers).",
            labels=["peer"],
        )
        reached = GaugeMetricFamily(
            "jointzone_peer_last_reached_timestamp_seconds",
            "When the peer last answered a request of this node (Unix time).",
            labels=["peer"],
        )
        waiting = GaugeMetricFamily(
            "jointzone_outbox_messages",
            "Proposals, signatures and rejections waiting in the outbox for the peer.",
            labels=["peer"],
        )
        now = time.time()
        for peer in peers:
            c = contacts.get(peer)
            waiting.add_metric([peer], outbox.get(peer, 0))
            if c is None:
                continue
            if c.log_size is not None:
                behind.add_metric([peer], max(0, size - c.log_size))
            down.add_metric([peer], c.unreachable_for(now) or 0.0)
            if c.reached_at is not None:
                reached.add_metric([peer], c.reached_at)
        yield from (behind, down, reached, waiting)
        yield from self._open_acts()

    def _final_age(self, final: int) -> Iterator[Metric]:
        node = self._service.node
        try:
            at = final_checkpoint_time(node, final)
            now = node.now()
        except (NodeError, StoreError):
            return
        if at is not None:
            yield GaugeMetricFamily(
                "jointzone_final_checkpoint_age_seconds",
                "Seconds since the entries of the last final checkpoint were committed.",
                value=max(0.0, (now - at).total_seconds()),
            )

    def _open_acts(self) -> Iterator[Metric]:
        try:
            with self._service.locked(PENDING_WAIT_S) as node:
                now = node.now()
                self._pending = [
                    (now - s.proposal.content.proposed_at).total_seconds()
                    for s in node.proposals("open", judged=False)
                ]
        except NodeBusyError:
            pass  # a round holds the node: the last count stands
        except (NodeError, StoreError):
            self._pending = None
        if self._pending is None:
            return
        ages = self._pending
        yield HistogramMetricFamily(
            "jointzone_acts_pending_age_seconds",
            "Open proposals (neither committed, rejected nor expired), by age.",
            buckets=[
                *((str(float(b)), sum(1 for a in ages if a <= b)) for b in PENDING_BUCKETS),
                ("+Inf", len(ages)),
            ],
            sum_value=sum(ages),
        )


class _Observed:
    """ASGI middleware: each request's latency and count by route template, and its access
    log record."""

    def __init__(self, app: ASGIApp, *, latency: Histogram, requests: Counter) -> None:
        self._app = app
        self._latency = latency
        self._requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # unless the app answers: an exception it let through becomes a 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            self._observe(scope, status, time.perf_counter() - start)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or UNMATCHED
        method = str(scope.get("method", ""))
        self._latency.labels(route, method).observe(seconds)
        self._requests.labels(route, method, str(status)).inc()
        path = str(scope.get("path", ""))[:_PATH_CHARS]
        client = scope.get("client")
        access_log.info(
            "%s %s %d %.1f ms",
            method,
            path,
            status,
            seconds * 1000,
            extra={
                "method": method,
                "path": path,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "client": f"{client[0]}:{client[1]}" if client else "",
            },
        )


def instrument(app: FastAPI, service: NodeService) -> CollectorRegistry:
    """Add the routes of the module docstring to ``app``, and measure every request it
    answers; returns the app's own registry."""
    registry = CollectorRegistry()
    registry.register(NodeCollector(service))
    latency = Histogram(
        "jointzone_http_request_duration_seconds",
        "Time to answer a request, by route template and method.",
        ["route", "method"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    requests = Counter(
        "jointzone_http_requests",
        "Requests answered, by route template, method and status.",
        ["route", "method", "status"],
        registry=registry,
    )
    app.add_middleware(_Observed, latency=latency, requests=requests)
    app.include_router(_router(service, registry))
    return registry


_CHECKS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "ok", "detail"],
        "properties": {
            "name": {"type": "string"},
            "ok": {"type": "boolean"},
            "detail": {"type": "string"},
        },
    },
}


def _router(service: NodeService, registry: CollectorRegistry) -> APIRouter:
    router = APIRouter()
    node = service.node

    @router.get("/healthz", tags=["public"])
    async def healthz() -> dict[str, str]:
        """The process is alive and answering (it reads nothing of the node)."""
        return {"status": "alive", "party": service.party}

    @router.get(
        "/readyz",
        tags=["public"],
        responses={
            503: {
                "description": "Not ready: an RFC 9457 problem whose checks say which failed",
                "content": {
                    _wire.PROBLEM_TYPE: {
                        "schema": {
                            "type": "object",
                            "required": ["type", "title", "status", "detail", "checks"],
                            "properties": {
                                "type": {"type": "string"},
                                "title": {"type": "string"},
                                "status": {"type": "integer"},
                                "detail": {"type": "string"},
                                "checks": _CHECKS_SCHEMA,
                            },
                        }
                    }
                },
            }
        },
    )
    def readyz() -> Response:
        """Ready to serve: the database answers, the keystore is unlocked, the regime is
        adopted and the node has caught up with its peers; each check with why."""
        checks = readiness(node, service.contacts.all())
        body: dict[str, Any] = {"checks": [c.to_json() for c in checks]}
        failed = [c for c in checks if not c.ok]
        if not failed:
            return JSONResponse({"status": "ready", **body})
        detail = "not ready: " + "; ".join(f"{c.name}: {c.detail}" for c in failed)
        problem = _wire.problem(503, _wire.TITLES[503], detail)
        return JSONResponse({**problem, **body}, status_code=503, media_type=_wire.PROBLEM_TYPE)

    @router.get("/api/v1/health", responses=_wire.problems(503), tags=["officials"])
    def health() -> dict[str, Any]:
        """The node's health: green, yellow or red, and each finding with its reason (a
        template in English with its values, so a client can show it in its own language)."""
        with service.locked(PEER_WAIT_S) as n:
            report = health_report(
                n,
                contacts=service.contacts.all(),
                outbox=service.outbox,
                peers=service.clients,
                keystore_locked=n.keystore.locked,
            )
        return report.to_json()

    @router.get(
        "/metrics",
        tags=["public"],
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
    )
    def metrics() -> Response:
        """Prometheus metrics, in its text exposition format."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
