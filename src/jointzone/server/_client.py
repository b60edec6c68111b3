"""The node interface over HTTP: how one node speaks to a peer it has pinned.

Every request is signed with this node's key (RFC 9421, see :mod:`._peerauth`). What the peer
returns is never taken on its word either: entries are judged and checked against checkpoints
every party's node signed, cosignatures are verified against the pinned key before they count.

Proposals and rejections do not go straight out: they are written to the node's outbox, in
its own database, and the outbox is delivered (and retried with backoff) by the node's driver.
So what an official is told is done survives a crash or a peer that is down, and a node can
take proposals while a peer is away. The peer's receiver is idempotent, so delivering twice
is harmless. The round's calls (witness, final, vouch) are made at once: a round that cannot
reach every witness fails whole, and is tried again.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from jointzone.node import (
    Descriptor,
    Outbox,
    PeerContacts,
    SyncError,
    UnreachableError,
    WitnessError,
)
from jointzone.server import _wire
from jointzone.server._peerauth import PeerSigner
from jointzone.tlog import (
    TILE_WIDTH,
    Checkpoint,
    MalformedError,
    Note,
    decode_bundle,
    encode_bundle,
    entries_path,
)

#: Per request: a round's witness call judges a whole batch, which takes seconds at 1,000 acts.
TIMEOUT = httpx.Timeout(60.0, connect=5.0)
#: The most entries asked of a peer's API at once, beyond its tiles (a bundle's width).
READ_CHUNK = TILE_WIDTH


@dataclass(frozen=True, slots=True)
class Reply:
    """A peer's answer, read whole within the bound."""

    status: int
    content_type: str
    content: bytes

    def detail(self) -> str:
        return _wire.problem_detail(self.content_type, self.content)


class PeerUnavailableError(UnreachableError):
    """The peer could not be reached, or answered with a server error: try again later."""


class PeerClient:
    """:class:`~jointzone.node.NodeInterface` for one pinned peer, over HTTP: a
    ``RemoteNode``, whose calls may run beside the node's own work."""

    def __init__(
        self,
        descriptor: Descriptor,
        *,
        signer: PeerSigner,
        outbox: Outbox,
        on_queued: Callable[[], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: bool | ssl.SSLContext = True,
        contacts: PeerContacts | None = None,
    ) -> None:
        """``contacts``: where every request's outcome is noted, for the node's health."""
        self._descriptor = descriptor
        self._outbox = outbox
        #: The batch last sent ahead of its checkpoint (see :meth:`stage`).
        self._staged: tuple[int, list[bytes]] | None = None
        self._contacts = contacts
        self._on_queued = on_queued or (lambda: None)
        self._http = httpx.Client(
            base_url=descriptor.url,
            auth=signer,
            timeout=TIMEOUT,
            transport=transport,
            verify=verify,
            follow_redirects=False,
        )

    @property
    def party(self) -> str:
        return self._descriptor.party

    @property
    def url(self) -> str:
        return self._descriptor.url

    def close(self) -> None:
        self._http.close()

    # -- plumbing -------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: dict[str, int] | None = None,
        content_type: str = "application/octet-stream",
        ok: tuple[int, ...] = (200, 204),
        limit: int = _wire.MAX_RESPONSE,
    ) -> Reply:
        headers = {"content-type": content_type} if body is not None else {}
        try:
            with self._http.stream(
                method, path, content=body, params=params, headers=headers
            ) as response:
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise SyncError(
                            f"the node of {self.party!r} sent more than {limit} bytes for "
                            f"{method} {path}"
                        )
        except httpx.HTTPError as e:
            unavailable = PeerUnavailableError(
                f"the node of {self.party!r} at {self.url} is unreachable: {e}"
            )
            self._noted(unavailable)
            raise unavailable from e
        reply = Reply(response.status_code, response.headers.get("content-type", ""), bytes(data))
        if reply.status < 500:
            self._noted(None)
        if reply.status in ok:
            return reply
        detail = reply.detail()
        if reply.status >= 500:
            failed = PeerUnavailableError(
                f"the node of {self.party!r} failed {method} {path}: {reply.status} {detail}"
            )
            self._noted(failed)
            raise failed
        error = WitnessError if path.endswith("add-checkpoint") else SyncError
        raise error(f"the node of {self.party!r} refused {method} {path}: {reply.status} {detail}")

    def _noted(self, failure: PeerUnavailableError | None, *, log_size: int | None = None) -> None:
        if self._contacts is None:
            return
        if failure is None:
            self._contacts.reached(self.party, log_size=log_size)
        else:
            self._contacts.failed(self.party, str(failure))

    # -- reads ----------------------------------------------------------------------------------

    def log_size(self) -> int:
        size = _wire.parse_size(self._call("GET", "/peer/v1/size").content, self.party)
        self._noted(None, log_size=size)
        return size

    def read_entries(self, start: int, stop: int) -> list[bytes]:
        """Entries ``start`` to ``stop``: from the peer's published tiles (``tile/entries``)
        as far as its final checkpoint reaches, the way any mirror would read them, and from
        the peer API beyond it. Whatever comes back is judged by the caller, and checked
        against a checkpoint every party's node signed, before it is kept."""
        out: list[bytes] = []
        final = _checkpoint_size(self.latest_checkpoint()) if stop > start else 0
        while start + len(out) < stop:
            first = start + len(out)
            bundle, offset = divmod(first, TILE_WIDTH)
            if first < final:
                width = min(TILE_WIDTH, final - bundle * TILE_WIDTH)
                data = self._call("GET", "/" + entries_path(bundle, width)).content
                where = f"tile/entries/{bundle} from {self.party}"
                chunk = self._bundle(data, width, where)[offset:]
            else:
                last = min(stop, first + READ_CHUNK)
                data = self._call(
                    "GET", "/peer/v1/entries", params={"start": first, "stop": last}
                ).content
                chunk = self._bundle(data, last - first, f"entries from {self.party}")
            out += chunk[: stop - first]
        return out

    @staticmethod
    def _bundle(data: bytes, count: int, where: str) -> list[bytes]:
        try:
            return decode_bundle(data, count=count, where=where)
        except MalformedError as e:
            raise SyncError(str(e)) from e

    def latest_checkpoint(self) -> bytes | None:
        response = self._call("GET", "/checkpoint", ok=(200, 404))
        return None if response.status == 404 else response.content

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        data = self._call(
            "GET", "/peer/v1/consistency", params={"from": size1, "to": size2}
        ).content
        return _wire.parse_hash_lines(data, f"consistency proof from {self.party}")

    # -- messages that go through the outbox ----------------------------------------------------

    def receive_proposal(self, proposal: bytes) -> None:
        self._outbox.put(self.party, "proposal", proposal)
        self._on_queued()

    def receive_rejection(self, rejection: bytes) -> None:
        self._outbox.put(self.party, "rejection", rejection)
        self._on_queued()

    def deliver(self, kind: str, data: bytes) -> None:
        """Send one outbox message now (the driver's call); raises if it did not arrive."""
        path = {"proposal": "/peer/v1/proposals", "rejection": "/peer/v1/rejections"}[kind]
        self._call("POST", path, body=data, content_type="application/cose")

    def deliver_proposals(self, proposals: list[bytes]) -> dict[int, str]:
        """Send several proposals in one request, a CBOR sequence (RFC 8742) of COSE_Sign
        objects; returns those the peer refused, by index, with its reason. Raises if the
        request as a whole did not arrive, or was refused."""
        reply = self._call(
            "POST",
            "/peer/v1/proposals",
            body=b"".join(proposals),
            content_type="application/cbor-seq",
            ok=(200,),
        )
        try:
            refused = json.loads(reply.content)["refused"]
            out = {int(r["index"]): str(r["detail"]) for r in refused}
        except (ValueError, KeyError, TypeError) as e:
            raise SyncError(
                f"the node of {self.party!r} answered a bundle of proposals with no list of "
                f"refusals: {e}"
            ) from e
        if any(not 0 <= i < len(proposals) for i in out):
            raise SyncError(f"the node of {self.party!r} refused proposals it was not sent")
        return out

    # -- a round's calls ------------------------------------------------------------------------

    def witness(
        self, *, old_size: int, entries: list[bytes], checkpoint: bytes, proof: list[bytes]
    ) -> bytes:
        """Send the batch's entries, then ask for a cosignature as C2SP tlog-witness's
        ``add-checkpoint`` does; returns the checkpoint with the peer's signature added."""
        staged, self._staged = self._staged, None
        if entries and (staged is None or staged[0] != old_size or staged[1] is not entries):
            self._send_entries(old_size, entries)
        body = _wire.add_checkpoint_body(old_size, proof, checkpoint)
        response = self._call(
            "POST", "/peer/v1/add-checkpoint", body=body, content_type="text/plain"
        )
        try:
            note = Note.from_bytes(checkpoint)
            lines = _wire.parse_signature_lines(response.content, self.party)
        except MalformedError as e:
            raise WitnessError(f"the cosignature of {self.party!r} is malformed: {e}") from e
        if self._contacts is not None:  # a witness keeps what it cosigns
            self._contacts.holds(self.party, old_size + len(entries))
        return note.with_signatures(*lines).to_bytes()

    def stage(self, old_size: int, entries: list[bytes]) -> None:
        """Send a batch's entries ahead of the checkpoint over them: the next :meth:`witness`
        of the same list sends only the checkpoint. The peer keeps them aside, unjudged,
        until the checkpoint comes."""
        self._send_entries(old_size, entries)
        self._staged = (old_size, entries)

    def _send_entries(self, old_size: int, entries: list[bytes]) -> None:
        self._call(
            "POST",
            "/peer/v1/entries",
            body=encode_bundle(entries),
            params={"start": old_size, "count": len(entries)},
        )

    def accept_final(self, checkpoint: bytes) -> None:
        self._call("POST", "/peer/v1/final", body=checkpoint, content_type="text/plain")

    def vouch(self, checkpoint: bytes) -> bytes:
        return self._call(
            "POST", "/peer/v1/vouch", body=checkpoint, content_type="text/plain"
        ).content

    def certificate_signature(self, certificate: str) -> bytes:
        return self._call(
            "POST",
            "/peer/v1/certificate-signature",
            body=certificate.encode("ascii", "replace"),
            content_type="text/plain",
        ).content


def _checkpoint_size(note: bytes | None) -> int:
    if note is None:
        return 0
    try:
        return Checkpoint.from_text(Note.from_bytes(note).text).size
    except MalformedError as e:
        raise SyncError(f"a peer's checkpoint is malformed: {e}") from e
