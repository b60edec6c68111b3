"""Who sent a peer request: RFC 9421 HTTP Message Signatures by the sending node's Ed25519 key.

Parties pin each other's node keys out of band, so a node can tell which party a request comes
from without accounts or TLS client certificates: the sender signs the request and the receiver
checks the signature against the key pinned for the party the signature names (its ``keyid``).

What is signed, and why each part:

- ``@method`` and ``@target-uri``: a signature for ``POST /peer/signatures`` must not be
  replayed as ``POST /peer/rejections``, nor against another node (the URI names this node).
- ``content-digest`` (RFC 9530, SHA-256, also for an empty body): the body, through its digest,
  so that a signature cannot be moved onto other content.
- ``created`` and a random ``nonce``: a request is accepted once, and only within ``max_skew``
  seconds of this node's clock.
- ``tag="jointzone-peer"``: the application this signature is for, so the verifier picks our
  signature among any others (a proxy may add its own) and a signature the node key makes for
  some other HTTP purpose is never taken for a peer request.

A node signs with its node key in force by its log (the pinned one until the log rotates it),
and checks a peer's signature against that peer's node key in force by its own log, else the
pinned one: once a rotation is in the log, the old key authenticates nothing.

The signature base, the structured fields and the digest are the ``http-message-signatures``
library's. This module adds what the library leaves to its caller: the node's clock, the replay
window and nonce cache, the pinned keys, and the bound on bodies. The Ed25519 check itself goes
through :func:`jointzone.ed25519.verify` (libsodium), so every node judges a signature the same
way whatever it verifies.

Everything with legal weight inside a peer request is a COSE object an official signed and is
judged on its own; this signature says only which node sent the bytes, and that they are fresh.
"""

from __future__ import annotations

import heapq
import secrets
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    MappingKeyResolver,
)
from http_message_signatures.algorithms import ED25519
from starlette.requests import Request

from jointzone import ed25519

#: The largest peer request body a node reads. The biggest peer message is a batch of entries
#: for a witness; 8 MiB holds thousands of acts and keeps a hostile peer from filling memory.
MAX_PEER_BODY = 8 * 1024 * 1024

_LABEL = "jointzone"
_TAG = "jointzone-peer"
_COVERED = ("@method", "@target-uri", "content-digest")
_NONCE_BYTES = 16
# A nonce we make is 22 characters; the bound keeps a peer from filling the cache with long ones.
_MAX_NONCE_LENGTH = 64
_PUBLIC_KEY_SIZE = 32


def _system_clock() -> datetime:
    return datetime.now(UTC)


class PeerAuthError(Exception):
    """A peer request refused before its handler runs, with the HTTP status to answer.

    The app turns it into an RFC 9457 problem: ``status`` is the problem's status and ``detail``
    its detail, which says what was wrong with the request (never which keys are pinned).
    """

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _Ed25519(ED25519):
    """The library's Ed25519, verifying through libsodium against a raw pinned key.

    Signing stays the library's (``cryptography``); verification moves to the one Ed25519
    verifier the project has, so that a degenerate key or ``R`` that OpenSSL lets through is
    refused here exactly as it is for COSE and signed notes.
    """

    def __init__(
        self,
        public_key: bytes | tuple[bytes, ...] | None = None,
        private_key: Ed25519PrivateKey | None = None,
    ) -> None:
        # The library's __init__ is unannotated; it checks the private key's type.
        super().__init__(private_key=private_key)  # type: ignore[no-untyped-call]
        # One key, or the few a party's node may sign with while its log rotates the key.
        self._public_raw = (public_key,) if isinstance(public_key, bytes) else public_key or ()

    def verify(self, signature: bytes, message: bytes) -> None:
        if not any(ed25519.verify(key, signature, message) for key in self._public_raw):
            raise InvalidSignature(
                "the signature does not verify against the key pinned for its keyid: "
                "the request was changed after signing, or signed by another key"
            )


class _Fields:
    """Header field lines, in order and repeated as received, as the library reads them.

    The library's own adapters are private to it, and httpx's ``Headers.items()`` joins repeated
    fields, so this view reads the raw lines. ``writable`` lets the signer add its headers.
    """

    def __init__(
        self,
        lines: Callable[[], Iterable[tuple[str, str]]],
        *,
        writable: httpx.Headers | None = None,
    ) -> None:
        self._lines = lines
        self._writable = writable

    def items(self) -> Iterable[tuple[str, str]]:
        return self._lines()

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._lines()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(
            field.lower() == name.lower() for field, _ in self._lines()
        )

    def __setitem__(self, name: str, value: str) -> None:
        if self._writable is None:
            raise TypeError("a received request's headers are read-only")
        self._writable[name] = value

    def __delitem__(self, name: str) -> None:
        if self._writable is None:
            raise TypeError("a received request's headers are read-only")
        del self._writable[name]


class _Message:
    """A request as the library's component resolver reads it: method, URL and fields."""

    def __init__(self, method: str, url: str, headers: _Fields) -> None:
        self.method = method
        self.url = url
        self.headers = headers


def _outgoing(request: httpx.Request) -> _Message:
    """A live, writable view of an httpx request, so the signer's headers land on the request."""
    headers = request.headers
    return _Message(
        request.method,
        str(request.url),
        _Fields(
            lambda: [(k.decode("ascii"), v.decode("latin-1")) for k, v in headers.raw],
            writable=headers,
        ),
    )


class PeerSigner(httpx.Auth):
    """Signs every request an httpx client sends, as this party's node.

    ``httpx.Client(auth=PeerSigner(party, key))`` or the same with ``httpx.AsyncClient``: httpx
    reads the body before the flow runs (``requires_request_body``), so one flow serves both.
    Each request gets a fresh nonce and creation time, so a retry is a new request, never a
    replay. Any ``Content-Digest`` or signature already on the request is dropped and made
    again from the body about to be sent, because only a digest of those bytes means anything.
    """

    requires_request_body = True

    def __init__(
        self,
        party: str,
        private_key: Ed25519PrivateKey | Callable[[], Ed25519PrivateKey],
        *,
        clock: Callable[[], datetime] = _system_clock,
    ) -> None:
        self.party = party
        self._clock = clock
        resolver = (
            _OwnKey(party, private_key)
            if callable(private_key)
            else MappingKeyResolver(public_keys={}, private_keys={party: private_key})
        )
        self._signer = HTTPMessageSigner(signature_algorithm=_Ed25519, key_resolver=resolver)

    def sign(self, request: httpx.Request) -> None:
        """Add ``Content-Digest``, ``Signature-Input`` and ``Signature`` to ``request``.

        For a request built by hand rather than sent through a client's ``auth``, its body must
        already be read (``content=`` bytes are), since the digest is of those bytes.
        """
        for name in ("content-digest", "signature-input", "signature"):
            request.headers.pop(name, None)
        self._signer.sign(
            _outgoing(request),
            key_id=self.party,
            created=self._clock(),
            nonce=secrets.token_urlsafe(_NONCE_BYTES),
            label=_LABEL,
            tag=_TAG,
            covered_component_ids=_COVERED,
            body=request.content,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request


class _OwnKey(HTTPSignatureKeyResolver):
    """This node's own signing key, asked for at each request: the node key in force changes
    when the log rotates it."""

    def __init__(self, party: str, key: Callable[[], Ed25519PrivateKey]) -> None:
        self._party = party
        self._key = key

    def resolve_public_key(self, key_id: str) -> bytes:
        raise HTTPMessageSignaturesException("a signer resolves no public keys")

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if key_id != self._party:
            raise HTTPMessageSignaturesException(f"this node signs as {self._party!r} only")
        return self._key()


class _PinnedKeys(HTTPSignatureKeyResolver):
    """The pinned node keys, by party; an unknown party is refused with its name. ``in_force``,
    if given, names a pinned party's node keys as the log has them now, which replace the
    pinned one: after a ``party.rotate-node-key`` the old key authenticates nothing."""

    def __init__(
        self,
        keys: Mapping[str, bytes],
        in_force: Callable[[str], tuple[bytes, ...] | None] | None = None,
    ) -> None:
        self._keys = dict(keys)
        self._in_force = in_force

    def resolve_public_key(self, key_id: str) -> bytes | tuple[bytes, ...]:
        try:
            pinned = self._keys[key_id]
        except KeyError:
            raise InvalidSignature(
                f"unknown keyid {key_id!r}: no node key is pinned for that party"
            ) from None
        current = self._in_force(key_id) if self._in_force is not None else None
        return pinned if current is None else current

    def resolve_private_key(self, key_id: str) -> bytes:
        raise HTTPMessageSignaturesException("the pinned keys are public keys; they sign nothing")


def _instant(timestamp: int) -> str:
    """A signed time for a message; the integer itself if no datetime can hold it.

    The library calls the time check outside the block that turns errors into refusals, so an
    absurd ``created`` must not raise here, or the peer would get a 500 instead of a 401.
    """
    try:
        return datetime.fromtimestamp(timestamp, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return str(timestamp)


class _WindowVerifier(HTTPMessageVerifier):
    """The library's verifier, judging ``created`` by our clock and our window.

    The library reads the system clock and allows five seconds of skew; nodes on islands that
    may be offline need a wider, configurable skew, and tests need a clock they can set. It
    is made for one request, holding that request's ``now``, so no state is shared between
    requests verified at once.
    """

    def __init__(self, *, now: float, max_skew: float, key_resolver: _PinnedKeys) -> None:
        super().__init__(signature_algorithm=_Ed25519, key_resolver=key_resolver)
        self._now = now
        self._max_skew = max_skew

    def validate_created_and_expires(
        self, sig_input: Any, max_age: timedelta | None = None
    ) -> None:
        params = sig_input.params
        if "created" not in params:
            raise InvalidSignature('the signature has no "created" time')
        created = params["created"]
        age = self._now - created
        when = _instant(created)
        if age > self._max_skew:
            raise InvalidSignature(
                f"the signature was created {age:.0f} s ago ({when}); "
                f"this node accepts signatures at most {self._max_skew:g} s old"
            )
        if -age > self._max_skew:
            raise InvalidSignature(
                f"the signature was created {-age:.0f} s in the future ({when}); "
                f"clocks may differ by at most {self._max_skew:g} s"
            )
        if "expires" in params and params["expires"] < self._now:
            raise InvalidSignature(f"the signature expired at {_instant(params['expires'])}")


class _NonceCache:
    """The nonces seen within the window, so each signed request is accepted once.

    A nonce must be remembered as long as its request could still be accepted, that is while
    its ``created`` time is inside the window; older entries are dropped as requests arrive.
    A hard cap bounds memory even if peers send faster than the window drains. When the cap
    forces the oldest entries out, the newest ``created`` among them becomes a floor: a request
    created at or before it is refused, because its nonce may be one we forgot, so forgetting
    never reopens a replay. An honest sender that meets the floor just signs again, with a
    fresh ``created``.
    """

    def __init__(self, *, window: float, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"the nonce cache needs room for at least one nonce, got {capacity}")
        self._window = window
        self._capacity = capacity
        self._by_created: list[tuple[int, str, str]] = []
        self._seen: set[tuple[str, str]] = set()
        self._floor: int | None = None
        # Handlers may run in a thread pool: the check and the record must be one step.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    @property
    def floor(self) -> int | None:
        """The newest ``created`` time among evicted nonces, or None if none was evicted."""
        return self._floor

    def admit(self, party: str, nonce: str, created: int, now: float) -> None:
        """Record ``nonce`` of ``party``, or raise if it was seen or may have been forgotten."""
        with self._lock:
            horizon = now - self._window
            while self._by_created and self._by_created[0][0] < horizon:
                _, old_party, old_nonce = heapq.heappop(self._by_created)
                self._seen.discard((old_party, old_nonce))
            if self._floor is not None and created <= self._floor:
                raise PeerAuthError(
                    401,
                    f"the signature was created at {created}, not after {self._floor}, the newest "
                    f"time among the nonces this node had to forget when its cache of "
                    f"{self._capacity} filled; it cannot tell this from a replay, sign it again",
                )
            if (party, nonce) in self._seen:
                raise PeerAuthError(
                    401,
                    f"nonce {nonce!r} from {party!r} was already used within the last "
                    f"{self._window:g} s: the request is a replay",
                )
            heapq.heappush(self._by_created, (created, party, nonce))
            self._seen.add((party, nonce))
            while len(self._by_created) > self._capacity:
                evicted, old_party, old_nonce = heapq.heappop(self._by_created)
                self._seen.discard((old_party, old_nonce))
                self._floor = evicted if self._floor is None else max(self._floor, evicted)


def _origin_of(url: str) -> str:
    """``scheme://host[:port]`` as httpx spells it (lower case, default port dropped)."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


class PeerVerifier:
    """Checks that a request was signed by the node key pinned for a peer, once and recently.

    ``keys`` maps each peer party to its node's raw 32-byte Ed25519 public key. ``origin`` is
    this node's own URL as its descriptor gives it to peers (``https://node-a.example:8443``):
    a request is checked against that, never against its ``Host`` header, so a signature made
    for another node cannot be replayed here, and a proxy in front of the node changes nothing.
    ``max_skew`` is how far, in seconds, a signature's ``created`` time may be from this node's
    clock either way; ``max_nonces`` caps the nonce cache (see :class:`_NonceCache`).
    ``in_force`` gives a peer party's node keys as this node's log declares them now, if the
    log declares any, in place of the pinned key (see :class:`_PinnedKeys`).
    """

    def __init__(
        self,
        keys: Mapping[str, bytes],
        *,
        origin: str,
        in_force: Callable[[str], tuple[bytes, ...] | None] | None = None,
        clock: Callable[[], datetime] = _system_clock,
        max_skew: float = 300,
        max_nonces: int = 100_000,
    ) -> None:
        for party, key in keys.items():
            if len(key) != _PUBLIC_KEY_SIZE:
                raise ValueError(
                    f"node key pinned for {party!r} has wrong size: "
                    f"expected {_PUBLIC_KEY_SIZE} bytes, got {len(key)}"
                )
        parsed = httpx.URL(origin)
        if not parsed.is_absolute_url or parsed.path not in ("", "/") or parsed.query:
            raise ValueError(f"origin must be scheme://host[:port], got {origin!r}")
        if max_skew <= 0:
            raise ValueError(f"max_skew must be positive, got {max_skew}")
        self.origin = _origin_of(origin)
        self.max_skew = max_skew
        self._keys = _PinnedKeys(keys, in_force)
        self._clock = clock
        self._nonces = _NonceCache(window=max_skew, capacity=max_nonces)

    def verify(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
    ) -> str:
        """The party whose node signed this request, or :class:`PeerAuthError` (401) saying why not.

        ``headers`` should keep repeated fields as separate lines (Starlette's
        ``Headers.items()`` does; for httpx use ``Headers.multi_items()``). The nonce is recorded
        only once the signature has verified, so a forger cannot fill the cache or burn the
        nonce of a request still on its way.
        """
        now = self._clock()
        if now.utcoffset() is None:
            raise TypeError("the verifier's clock must return an aware datetime")
        try:
            addressed = _origin_of(url)
        except httpx.InvalidURL as e:
            raise PeerAuthError(401, f"the request's URL is not valid: {e}") from e
        if addressed != self.origin:
            raise PeerAuthError(
                401, f"the request is addressed to {addressed}, this node is {self.origin}"
            )
        lines = list(headers.items() if isinstance(headers, Mapping) else headers)
        names = {name.lower() for name, _ in lines}
        if "signature" not in names and "signature-input" not in names:
            raise PeerAuthError(
                401, "the request is not signed: it has no Signature-Input or Signature header"
            )
        verifier = _WindowVerifier(
            now=now.timestamp(), max_skew=self.max_skew, key_resolver=self._keys
        )
        try:
            results = verifier.verify(
                _Message(method, url, _Fields(lambda: lines)),
                max_age=None,
                expect_tag=_TAG,
                require_components=_COVERED,
                body=body,
            )
        except HTTPMessageSignaturesException as e:
            raise PeerAuthError(401, str(e)) from e
        if len(results) != 1:
            raise PeerAuthError(
                401, f"expected one signature tagged {_TAG!r}, found {len(results)}"
            )
        (result,) = results
        party = result.parameters["keyid"]
        created = result.parameters["created"]
        nonce = result.nonce
        # The library checked the types of these parameters before it verified anything.
        assert isinstance(party, str)
        assert isinstance(created, int)
        if nonce is None:
            raise PeerAuthError(401, "the signature has no nonce, so a replay could not be seen")
        if not 0 < len(nonce) <= _MAX_NONCE_LENGTH:
            raise PeerAuthError(
                401,
                f"the signature's nonce has wrong length: expected 1 to {_MAX_NONCE_LENGTH} "
                f"characters, got {len(nonce)}",
            )
        self._nonces.admit(party, nonce, created, now.timestamp())
        return party


async def read_bounded_body(request: Request, *, limit: int = MAX_PEER_BODY) -> bytes:
    """The request's body, read as it arrives and refused (413) as soon as it passes ``limit``.

    A declared ``Content-Length`` over the limit is refused before a byte is read; a body sent
    without one (chunked) is refused at the chunk that crosses the limit, so a peer cannot make
    the node buffer more than ``limit`` bytes before the signature is even looked at.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PeerAuthError(
            413, f"request body too large: declared {declared} bytes, the limit is {limit}"
        )
    chunks: list[bytes] = []
    size = 0
    async with aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                raise PeerAuthError(
                    413, f"request body too large: more than {limit} bytes, the limit"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _received_url(request: Request, origin: str) -> str:
    """The URL the sender signed: this node's origin, then the path and query as sent.

    The path is the raw one (``raw_path``), still percent-encoded as the sender's httpx encoded
    it; Starlette's ``url.path`` is decoded, and a decoded path is not what was signed.
    """
    raw_path = request.scope.get("raw_path")
    if isinstance(raw_path, bytes) and raw_path:
        path = raw_path.decode("ascii", errors="replace")
    else:
        path = httpx.URL(path=request.scope["path"]).raw_path.decode("ascii")
    query: bytes = request.scope.get("query_string", b"")
    return f"{origin}{path}?{query.decode('latin-1')}" if query else f"{origin}{path}"


async def authenticate(
    request: Request, verifier: PeerVerifier, *, limit: int = MAX_PEER_BODY
) -> tuple[str, bytes]:
    """The sending party and the body, for a peer route; :class:`PeerAuthError` if refused.

    The body is read here, bounded, and handed back: a peer route must take it from this
    function rather than declare a body parameter, which would have FastAPI read the whole
    body first, unbounded.
    """
    body = await read_bounded_body(request, limit=limit)
    party = verifier.verify(
        request.method,
        _received_url(request, verifier.origin),
        request.headers.items(),
        body,
    )
    return party, body


__all__ = [
    "MAX_PEER_BODY",
    "PeerAuthError",
    "PeerSigner",
    "PeerVerifier",
    "authenticate",
    "read_bounded_body",
]
