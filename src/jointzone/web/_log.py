"""The log page: where this node's log stands, where each peer's does, and whether it audits.

It shows the latest final checkpoint with every party's node signature on it, the checkpoints
before it, each peer as this node last saw it (reachable or not, how many entries behind, what
waits in the outbox for it) and, on request, the audit: every entry judged again and the tree
recomputed, as ``jointzone audit`` does. The audit reads the whole log, so it runs when an
official asks, not on every view, and its last result is shown with when it ran.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from jointzone.node import AuditError, audit, node_key_name
from jointzone.tlog import Checkpoint, MalformedError, Note

if TYPE_CHECKING:
    from jointzone.web._pages import Pages

#: How long a peer's status may take before it is shown unreachable.
PEER_TIMEOUT_S = 2.0
#: Checkpoints listed before the latest.
HISTORY = 10


@dataclass(frozen=True, slots=True)
class Signed:
    """One checkpoint: its size, root and the parties whose node signed it."""

    size: int
    root: str
    parties: tuple[str, ...]
    others: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Peer:
    party: str
    url: str
    reachable: bool
    size: int | None
    final_size: int | None
    behind: int | None
    outbox: int
    problem: str | None


@dataclass(frozen=True, slots=True)
class Audited:
    ok: bool
    at: datetime
    seconds: float
    size: int
    root: str
    detail: str


def _signed(note_bytes: bytes, origin: str, parties: tuple[str, ...]) -> Signed | None:
    try:
        note = Note.from_bytes(note_bytes)
        cp = Checkpoint.from_text(note.text)
    except MalformedError:
        return None
    names = {s.name for s in note.signatures}
    by = tuple(p for p in parties if node_key_name(origin, p) in names)
    known = {node_key_name(origin, p) for p in parties}
    return Signed(cp.size, base64.b64encode(cp.root).decode(), by, tuple(sorted(names - known)))


def add_log_routes(router: APIRouter, pages: Pages) -> None:
    service = pages.service
    last_audit: list[Audited] = []
    auditing = threading.Lock()

    def peers() -> list[Peer]:
        with service.locked() as n:
            mine = n.log_size()
        depth = service.outbox.depth()
        out = []
        for party, client in service.clients.items():
            url = client.url
            try:
                with httpx.Client(timeout=PEER_TIMEOUT_S, verify=service.tls_verify) as http:
                    status = http.get(f"{url}/status").raise_for_status().json()
                size, final = int(status["size"]), int(status["final_size"])
                out.append(
                    Peer(
                        party,
                        url,
                        True,
                        size,
                        final,
                        max(mine - size, 0),
                        depth.get(party, 0),
                        None,
                    )
                )
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as e:
                out.append(Peer(party, url, False, None, None, None, depth.get(party, 0), str(e)))
        return out

    @router.get("/log", response_class=HTMLResponse)
    def log_page(request: Request) -> Response:
        pages.signed_in(request)
        with service.locked() as n:
            regime = service.standalone.regime
            parties = tuple(regime.party_ids)
            latest = n.latest_checkpoint()
            state = n.state()
            history = []
            if latest is not None:
                size = Checkpoint.from_text(Note.from_bytes(latest).text).size
                for older in n.store.recent_checkpoints(size, HISTORY):
                    shown = _signed(older, regime.origin, parties)
                    if shown is not None:
                        history.append(shown)
            last_time = n.replica.state.last_time
        final = None if latest is None else _signed(latest, regime.origin, parties)
        return pages.render(
            request,
            "log.html",
            final=final,
            history=history,
            state=state,
            last_time=last_time,
            peers=peers(),
            audited=last_audit[-1] if last_audit else None,
            origin=regime.origin,
        )

    @router.post("/log/audit")
    async def run_audit(request: Request) -> Response:
        session = pages.signed_in(request)
        form = await request.form()
        csrf = form.get("csrf")
        pages.check_csrf(request, session, csrf if isinstance(csrf, str) else None)

        def run() -> Audited:
            with auditing:
                started = time.monotonic()
                with service.locked() as n:
                    signed = n.signed_state()
                try:
                    report = audit(service.node.store, signed_state=signed)
                except AuditError as e:
                    return Audited(
                        False, datetime.now(UTC), time.monotonic() - started, 0, "", str(e)
                    )
                root = base64.b64encode(report.root).decode()
                return Audited(
                    True, datetime.now(UTC), time.monotonic() - started, report.size, root, ""
                )

        last_audit[:] = [await run_in_threadpool(run)]
        return RedirectResponse("/log#audit", status_code=303)
