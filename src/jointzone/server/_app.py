"""The HTTP face of one party's node: public log, peer API, officials' API.

- **Public**, unauthenticated: the log as C2SP tlog-tiles (``/checkpoint``, ``/tile/...``),
  ``/status``, and the node's health and metrics (see :mod:`._metrics`).
- **Peer** (``/peer/v1/...``): every request signed with the sending node's key (RFC 9421) and
  checked against the key pinned for it; the body is read within a bound first, and nothing is
  applied unless the signature holds. Cosigning follows C2SP tlog-witness ``add-checkpoint``
  (body, status codes, the state persisted before the answer). The sequencer sends a batch's
  entries first (``/peer/v1/entries``, while it signs the checkpoint over them); the witness
  judges every one before it cosigns, and the last witness asked keeps the checkpoint final
  before it answers (the others are sent it, ``/peer/v1/final``). An
  outbox sends the proposals that wait for a peer as one CBOR sequence (RFC 8742).
- **Officials** (``/api/v1/...``): what an official's own client needs to propose, sign and
  reject with a key the node never sees: the context to build a proposal in, the acts a
  genesis or a key declaration needs signed, the proposals, and their submission as COSE bytes.

Errors are RFC 9457 problem details. Times are ISO 8601 UTC.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from jointzone.consent import ConsentError, format_time, proposal_sequence
from jointzone.node import (
    DEFAULT_OVERLAP,
    MAX_OVERLAP,
    KeystoreError,
    Node,
    NodeError,
    ProposalStatus,
    SyncError,
    UnknownProposalError,
    WitnessError,
    export_trust_bundle,
    node_key_name,
)
from jointzone.server import _wire
from jointzone.server._cors import CrossOriginRoute
from jointzone.server._metrics import instrument
from jointzone.server._peerauth import MAX_PEER_BODY, PeerAuthError, authenticate
from jointzone.server._public import public_router
from jointzone.server._service import PEER_WAIT_S, NodeBusyError, NodeService
from jointzone.tlog import Checkpoint as CheckpointText
from jointzone.tlog import (
    MalformedError,
    Note,
    ProofError,
    SignatureError,
    decode_bundle,
    encode_bundle,
    verify_consistency,
    verify_note,
)

log = logging.getLogger("jointzone.node")

COSE = "application/cose"
CBOR_SEQ = "application/cbor-seq"
#: The most proposals one request from a peer may carry.
MAX_BUNDLE = 1000
TEXT = "text/plain; charset=utf-8"
#: The most entries one read returns (a tlog-tiles bundle's width).
MAX_READ = 256


class ProblemError(Exception):
    """An error answered as an RFC 9457 problem, with the headers it needs (409's size)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        body: bytes | None = None,
        media_type: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.body = body
        self.media_type = media_type


_TITLES = _wire.TITLES


def _problem_response(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        _wire.problem(status, title, detail), status_code=status, media_type=_wire.PROBLEM_TYPE
    )


def create_app(service: NodeService) -> FastAPI:
    """The app serving ``service``'s node."""
    node = service.node
    app = FastAPI(
        title=f"jointzone node of {service.party}",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(ProblemError)
    async def on_problem(_: Request, exc: ProblemError) -> Response:
        if exc.body is not None:
            # The type exactly as given: Starlette would add a charset to a text/* media type,
            # and tlog-witness clients compare text/x.tlog.size exactly.
            headers = {"content-type": exc.media_type or "application/octet-stream"}
            return Response(exc.body, status_code=exc.status, headers=headers)
        return _problem_response(exc.status, exc.title, exc.detail)

    @app.exception_handler(NodeBusyError)
    async def on_busy(_: Request, exc: NodeBusyError) -> Response:
        response = _problem_response(503, "Service Unavailable", str(exc))
        response.headers["retry-after"] = "1"
        return response

    @app.exception_handler(PeerAuthError)
    async def on_auth(_: Request, exc: PeerAuthError) -> Response:
        return _problem_response(exc.status, _TITLES.get(exc.status, "Error"), exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> Response:
        return _problem_response(exc.status_code, _TITLES.get(exc.status_code, "Error"), exc.detail)

    @app.exception_handler(Exception)
    async def on_bug(_: Request, exc: Exception) -> Response:
        log.exception("request failed", exc_info=exc)
        return _problem_response(500, "Internal Server Error", "the node failed; see its log")

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return _problem_response(400, "Bad Request", where or "invalid request")

    app.include_router(public_router(lambda: node.store))
    instrument(app, service)  # /healthz, /readyz, /metrics, /api/v1/health; request metrics

    # -- public status --------------------------------------------------------------------------

    @app.get("/status", tags=["public"])
    def status() -> dict[str, Any]:
        """Where this node stands: its log, how much is final, its peers' outbox depth."""
        state = node.state()
        regime = service.standalone.regime
        return {
            "party": service.party,
            "origin": regime.origin,
            "size": state.size,
            "final_size": state.final_size,
            "current": state.current,
            "locked": state.locked,
            "outbox": service.outbox.depth(),
            "time": format_time(node.now()),
        }

    # -- peer API -------------------------------------------------------------------------------

    async def peer(request: Request) -> tuple[str, bytes]:
        party, body = await authenticate(request, service.verifier)
        if service.outbox.may_wait(party):  # the peer is up: what waits for it goes now
            await run_in_threadpool(service.outbox.wake, party)
        return party, body

    async def in_thread(fn: Callable[[], Any]) -> Any:
        return await run_in_threadpool(fn)

    def refusing(fn: Callable[[], Any], *, conflict: tuple[type[Exception], ...] = ()) -> Any:
        """Run a node call; its refusal becomes a 400 (409 for ``conflict``) problem."""
        try:
            return fn()
        except conflict as e:
            raise ProblemError(409, str(e)) from e
        except UnknownProposalError as e:
            raise ProblemError(404, str(e)) from e
        except KeystoreError as e:
            raise ProblemError(503, f"the node of {service.party!r} cannot sign now: {e}") from e
        except (NodeError, ConsentError, MalformedError, ValueError) as e:
            raise ProblemError(400, str(e)) from e

    @app.post(
        "/peer/v1/proposals",
        status_code=204,
        responses={
            **_wire.problems(400, 401, 413, 503),
            200: {
                "description": "A sequence of proposals judged: those refused, each with why.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["refused"],
                            "properties": {
                                "refused": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["index", "detail"],
                                        "properties": {
                                            "index": {"type": "integer", "minimum": 0},
                                            "detail": {"type": "string"},
                                        },
                                    },
                                }
                            },
                        }
                    }
                },
            },
        },
        tags=["peer"],
    )
    async def peer_proposal(request: Request) -> Response:
        """A proposal, or more signatures on one, forwarded by a peer: every new signature is
        verified before anything is kept.

        As ``application/cose``, one proposal: refused with a problem. As
        ``application/cbor-seq`` (RFC 8742), a sequence of them, as an outbox delivers what
        waits: each is judged and kept on its own, in order, and the answer (200, JSON) lists
        those refused, ``{"refused": [{"index": i, "detail": ...}]}``."""
        _, body = await peer(request)
        if request.headers.get("content-type", "").split(";")[0].strip() != CBOR_SEQ:
            await in_thread(
                lambda: refusing(
                    lambda: service.run(lambda n: n.receive_proposal(body), timeout=PEER_WAIT_S)
                )
            )
            return Response(status_code=204)
        try:
            items = proposal_sequence(body, limit=MAX_BUNDLE)
        except ConsentError as e:
            raise ProblemError(400, str(e)) from e

        def receive_each(n: Node) -> list[dict[str, Any]]:
            refused = []
            for i, item in enumerate(items):
                try:
                    n.receive_proposal(item)
                except (NodeError, ConsentError, MalformedError, ValueError) as e:
                    refused.append({"index": i, "detail": str(e)})
            return refused

        refused = await in_thread(
            lambda: refusing(lambda: service.run(receive_each, timeout=PEER_WAIT_S))
        )
        return JSONResponse({"refused": refused})

    @app.post(
        "/peer/v1/rejections",
        status_code=204,
        responses=_wire.problems(400, 401, 413, 503),
        tags=["peer"],
    )
    async def peer_rejection(request: Request) -> Response:
        """A rejection signed by an official of the sending party."""
        _, body = await peer(request)

        def receive(n: Node) -> None:
            n.receive_rejection(body)

        await in_thread(lambda: refusing(lambda: service.run(receive, timeout=PEER_WAIT_S)))
        return Response(status_code=204)

    @app.post(
        "/peer/v1/entries", status_code=204, responses=_wire.problems(400, 401, 413), tags=["peer"]
    )
    async def peer_entries(
        request: Request, start: int = Query(ge=0), count: int = Query(ge=1, le=10_000)
    ) -> Response:
        """A batch's entries, sent before the checkpoint over them (``add-checkpoint``)."""
        _, body = await peer(request)
        try:
            entries = decode_bundle(body, count=count, where="entries")
        except MalformedError as e:
            raise ProblemError(400, str(e)) from e
        service.stage(start, entries)
        return Response(status_code=204)

    @app.post(
        "/peer/v1/add-checkpoint",
        responses=_wire.problems(400, 401, 403, 404, 409, 413, 422, 503),
        tags=["peer"],
    )
    async def add_checkpoint(request: Request) -> Response:
        """C2SP tlog-witness ``add-checkpoint``: judge the staged entries, cosign, persist."""
        sender, body = await peer(request)
        lines = await in_thread(lambda: _add_checkpoint(service, sender, body))
        return Response(lines, media_type=TEXT)

    @app.post(
        "/peer/v1/final",
        status_code=204,
        responses=_wire.problems(400, 401, 409, 413, 503),
        tags=["peer"],
    )
    async def peer_final(request: Request) -> Response:
        """A checkpoint every party's node signed, over this node's log."""
        sender, body = await peer(request)

        def accept() -> None:
            refusing(
                lambda: service.run(lambda n: n.accept_final(body), timeout=PEER_WAIT_S),
                conflict=(SyncError,),
            )
            # The sender holds what it made final (accept_final has read the note already).
            size = CheckpointText.from_text(Note.from_bytes(body).text).size
            service.contacts.holds(sender, size)

        await in_thread(accept)
        return Response(status_code=204)

    @app.post("/peer/v1/vouch", responses=_wire.problems(400, 401, 409, 413, 503), tags=["peer"])
    async def peer_vouch(request: Request) -> Response:
        """The checkpoint with this node's cosignature/v1 timestamp, if it is its latest."""
        _, body = await peer(request)
        out = await in_thread(
            lambda: refusing(
                lambda: service.run(lambda n: n.vouch(body), timeout=PEER_WAIT_S),
                conflict=(SyncError,),
            )
        )
        return Response(out, media_type=TEXT)

    @app.post(
        "/peer/v1/certificate-signature",
        responses=_wire.problems(400, 401, 413, 503),
        tags=["peer"],
    )
    async def peer_certificate_signature(request: Request) -> Response:
        """This party's signature on an issued certificate, for the asking node to assemble."""
        _, body = await peer(request)
        certificate = body.decode("ascii", "replace")
        out = await in_thread(
            lambda: refusing(
                lambda: service.run(
                    lambda n: n.certificate_signature(certificate), timeout=PEER_WAIT_S
                )
            )
        )
        return Response(out, media_type=COSE)

    @app.get("/peer/v1/size", responses=_wire.problems(401), tags=["peer"])
    async def peer_size(request: Request) -> Response:
        """This node's log size, final or not."""
        await peer(request)
        return Response(
            _wire.format_size(node.store.size()), headers={"content-type": _wire.SIZE_TYPE}
        )

    @app.get("/peer/v1/entries", responses=_wire.problems(400, 401), tags=["peer"])
    async def peer_read(
        request: Request, start: int = Query(ge=0), stop: int = Query(ge=0)
    ) -> Response:
        """Entries ``start`` to ``stop`` as a tlog-tiles bundle (at most 256)."""
        await peer(request)
        size = node.store.size()
        if not start <= stop <= size or stop - start > MAX_READ:
            raise ProblemError(
                400, f"entries {start}..{stop}: the log holds {size}, at most {MAX_READ} a read"
            )
        entries = await in_thread(lambda: node.store.read_entries(start, stop))
        return Response(encode_bundle(entries), media_type="application/octet-stream")

    @app.get("/peer/v1/consistency", responses=_wire.problems(400, 401), tags=["peer"])
    async def peer_consistency(
        request: Request,
        size1: int = Query(alias="from", ge=0),
        size2: int = Query(alias="to", ge=0),
    ) -> Response:
        """An RFC 6962 consistency proof between two sizes of this node's log."""
        await peer(request)
        size = node.store.size()
        if not 0 < size1 <= size2 <= size:
            raise ProblemError(
                400,
                f"consistency {size1}..{size2}: a proof is from a size above 0 to one no larger "
                f"than the log's, {size}",
            )
        proof = await in_thread(lambda: node.store.consistency_proof(size1, size2))
        return Response(_wire.hash_lines(proof), media_type=TEXT)

    # -- officials' API -------------------------------------------------------------------------

    @app.get("/api/v1/context", tags=["officials"])
    def context() -> dict[str, Any]:
        """What an official's client needs to make a proposal here: the log, the regime in
        force (or the one the genesis adopts), the node's clock and the default expiry."""
        with service.locked() as n:
            regime = service.standalone.regime
            return {
                "party": service.party,
                "origin": regime.origin,
                "regime": {"id": regime.id, "version": regime.version},
                "adopted": n.replica.regime is not None,
                "proposal_expiry_seconds": int(regime.proposal_expiry.total_seconds()),
                "time": format_time(n.now()),
                "size": n.log_size(),
            }

    @app.get("/api/v1/regime", tags=["officials"])
    def regime() -> dict[str, Any]:
        """The regime in force (or the one the genesis adopts), in its canonical form."""
        with service.locked():
            return service.standalone.regime.canonical()

    @app.get("/api/v1/genesis", responses=_wire.problems(400, 409), tags=["officials"])
    def genesis() -> dict[str, Any]:
        """The ``regime.adopt`` act for this party's root keys to sign (409 once adopted)."""
        with service.locked() as n:
            if n.replica.regime is not None:
                raise ProblemError(409, "the log has adopted its regime already")
            return refusing(service.standalone.genesis_act)  # type: ignore[no-any-return]

    @app.get("/api/v1/certificate-key", responses=_wire.problems(400), tags=["officials"])
    def certificate_key() -> dict[str, Any]:
        """The ``certificate.key`` act declaring this node's certificate key."""
        return refusing(service.standalone.certificate_key_act)  # type: ignore[no-any-return]

    @app.post("/api/v1/node-key", responses=_wire.problems(400, 503), tags=["officials"])
    def node_key(
        overlap: int = Query(
            DEFAULT_OVERLAP,
            ge=1,
            le=MAX_OVERLAP,
            description="Checkpoint sizes the old key still signs beside the new one.",
        ),
    ) -> dict[str, Any]:
        """The ``party.rotate-node-key`` act giving this node a new note key, made in its
        keystore, for the party's root keys to sign. Until the act is committed, every call
        names the same new key: the node holds at most one key the log does not know."""
        with service.locked() as n:
            return refusing(lambda: n.node_key_rotation(overlap))  # type: ignore[no-any-return]

    def trust_bundle() -> Response:
        """A trust bundle for officers' offline verifiers: this node's latest final checkpoint,
        every party's node vouching for it now, with the verifier table it commits to. Any
        origin may read it (CORS, no credentials): an exported verifier app fetches it."""
        with service.locked() as n:
            data = refusing(lambda: export_trust_bundle(n), conflict=(SyncError,))
        return Response(data, media_type="application/json")

    # Public data, which a verifier trusts only once it opens against the node keys it pins:
    # this route alone is cross-origin.
    app.router.add_api_route(
        "/api/v1/trust-bundle",
        trust_bundle,
        methods=["GET"],
        responses=_wire.problems(400, 409, 503),
        tags=["officials"],
        route_class_override=CrossOriginRoute,
    )

    @app.get(
        "/api/v1/certificates/{certificate}", responses=_wire.problems(404, 409), tags=["officials"]
    )
    def certificate(certificate: str) -> dict[str, Any]:
        """A participant certificate with every party's signature, as it is carried: its
        ``JZ1:`` text (what the QR code holds)."""
        with service.locked() as n:
            record = n.replica.state.certificates.get(certificate)
            document = None if record is None else n.certificate(certificate)
        if record is None:
            raise ProblemError(404, f"no certificate {certificate!r} in the log")
        if document is None:
            raise ProblemError(
                409, f"certificate {certificate!r} does not carry every party's signature yet"
            )
        return {
            "certificate": certificate,
            "valid_from": format_time(record.valid_from),
            "valid_to": format_time(record.valid_to),
            "text": document.to_text(),
        }

    @app.get("/api/v1/proposals", responses=_wire.problems(400), tags=["officials"])
    def list_proposals(status: str | None = None) -> list[dict[str, Any]]:
        """The proposals this node holds, oldest first; ``status`` filters."""
        if status not in (None, "open", "committed", "rejected", "expired"):
            raise ProblemError(
                400, f"status {status!r}: expected open, committed, rejected or expired"
            )
        with service.locked() as n:
            return [_proposal_json(s) for s in n.proposals(status)]

    @app.get("/api/v1/proposals/{act_id}", responses=_wire.problems(400, 404), tags=["officials"])
    def show_proposal(act_id: str) -> dict[str, Any]:
        """One proposal, with its COSE_Sign bytes (base64) for a client to add a signature."""
        with service.locked() as n:
            return _proposal_json(refusing(lambda: n.status(act_id)))

    @app.post("/api/v1/proposals", responses=_wire.problems(400), tags=["officials"])
    async def submit(request: Request) -> dict[str, Any]:
        """A proposal made, or signed, by an official of this party with their own key
        (a COSE_Sign); the node checks it as it would its own, keeps it and sends it on."""
        body = await _bounded_body(request)

        def run(n: Node) -> dict[str, Any]:
            signed = n.submit(body)
            return {"id": signed.proposal.id, "added": signed.added}

        return await in_thread(lambda: refusing(lambda: service.run(run)))  # type: ignore[no-any-return]

    @app.post(
        "/api/v1/rejections",
        status_code=204,
        responses=_wire.problems(400, 404, 413),
        tags=["officials"],
    )
    async def reject(request: Request) -> Response:
        """A rejection signed by an official of this party (a COSE_Sign), kept and sent on."""
        body = await _bounded_body(request)

        def run(n: Node) -> None:
            n.submit_rejection(body)

        await in_thread(lambda: refusing(lambda: service.run(run)))
        return Response(status_code=204)

    return app


async def _bounded_body(request: Request) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_PEER_BODY:
            raise ProblemError(413, f"the body is larger than {MAX_PEER_BODY} bytes")
    return bytes(data)


def _proposal_json(s: ProposalStatus) -> dict[str, Any]:
    c = s.proposal.content
    return {
        "id": s.proposal.id,
        "type": s.proposal.act_type,
        "status": s.status,
        "proposed_by": c.proposed_by,
        "proposed_at": format_time(c.proposed_at),
        "expires_at": format_time(c.expires_at),
        "signers": [k.decode("utf-8", "replace") for k in s.proposal.kids],
        "consent": s.verdict.satisfied,
        "awaiting": list(s.verdict.missing),
        "rejections": [
            {
                "party": r.party,
                "official": r.official,
                "reason": r.reason,
                "at": format_time(r.at),
                "cose": _b64(r.to_bytes()),
            }
            for r in s.rejections
        ],
        "index": s.index,
        "act": dict(c.act),
        "cose": _b64(s.proposal.to_bytes()),
    }


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _add_checkpoint(service: NodeService, sender: str, body: bytes) -> bytes:
    """tlog-witness ``add-checkpoint`` against this node (see the module docstring)."""
    try:
        old, proof, note_bytes = _wire.parse_add_checkpoint(body)
        note = Note.from_bytes(note_bytes)
        cp = CheckpointText.from_text(note.text)
    except MalformedError as e:
        raise ProblemError(400, f"add-checkpoint: {e}") from e
    regime = service.standalone.regime
    if cp.origin != regime.origin:
        raise ProblemError(404, f"this node witnesses {regime.origin!r}, not {cp.origin!r}")
    if old > cp.size:
        raise ProblemError(400, f"old size {old} is beyond the checkpoint's size {cp.size}")
    peers = service.standalone.config.peers
    with service.locked(PEER_WAIT_S) as n:
        # A peer's pinned key, or any key of the peer's node that signs at this size by the
        # log (a node key rotated since the descriptor was pinned).
        trusted = [d.verifier for d in peers.values()]
        if n.replica.state.adopted:
            in_force = n.replica.node_verifiers_by_party(cp.size)
            trusted += [v for party in peers for v in in_force.get(party, [])]
        try:
            verify_note(note, trusted, require="any")
        except SignatureError as e:
            raise ProblemError(
                403, f"no signature on the checkpoint is a pinned peer's: {e}"
            ) from e
        size = n.log_size()
        if old != size:
            raise ProblemError(
                409,
                f"this node holds {size} entries, not {old}",
                body=_wire.format_size(size),
                media_type=_wire.SIZE_TYPE,
            )
        count = cp.size - old
        entries = service.staged(old, count) if count else []
        if entries is None:
            raise ProblemError(
                422, f"no entries {old}..{cp.size} were sent before this checkpoint (entries)"
            )
        if proof:
            try:
                verify_consistency(
                    size1=old, size2=cp.size, root1=n.store.root(old), root2=cp.root, proof=proof
                )
            except ProofError as e:
                raise ProblemError(422, f"the consistency proof does not verify: {e}") from e
        try:
            signed = n.witness(old_size=old, entries=entries, checkpoint=note_bytes, proof=proof)
        except WitnessError as e:
            raise ProblemError(422, str(e)) from e
        except KeystoreError as e:
            raise ProblemError(503, f"the node of {service.party!r} cannot sign now: {e}") from e
        except (NodeError, ConsentError, ValueError) as e:
            raise ProblemError(422, str(e)) from e
        service.unstage(old, count)
    own = node_key_name(regime.origin, service.party)
    return _wire.signature_lines(Note.from_bytes(signed), {own})


Handler = Callable[[Request], Awaitable[Response]]
