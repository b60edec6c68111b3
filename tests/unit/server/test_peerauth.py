"""Peer requests signed with RFC 9421 by one node's key and checked by another against the pin.

Each refusal is a test of its own and names the message it expects, so a refusal for the wrong
reason (a bad signature where a stale one was meant) fails. The RFC 9421 Appendix B.2.6 vector
shows that the library configuration used here signs and verifies as other implementations do.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from http_message_signatures import ContentDigest, HTTPMessageSigner, MappingKeyResolver

from jointzone.server._peerauth import (
    MAX_PEER_BODY,
    PeerAuthError,
    PeerSigner,
    PeerVerifier,
    _Ed25519,
    _Fields,
    _Message,
    _NonceCache,
    _outgoing,
    _PinnedKeys,
    _WindowVerifier,
    authenticate,
    read_bounded_body,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ORIGIN = "https://node-b.example:8443"
URL = f"{ORIGIN}/peer/proposals?round=3"
BODY = b'{"proposal": "0a1b"}'

KEY_A = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)
KEY_OTHER = Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32)


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


PINS = {"party-a": _raw(KEY_A)}


class Clock:
    """A clock the test sets, shared by signer and verifier where they must agree."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _verifier(clock: Clock | None = None, **options: Any) -> PeerVerifier:
    return PeerVerifier(PINS, origin=ORIGIN, clock=clock or Clock(), **options)


def _signed(
    *,
    party: str = "party-a",
    key: Ed25519PrivateKey = KEY_A,
    at: datetime = NOW,
    method: str = "POST",
    url: str = URL,
    body: bytes = BODY,
) -> httpx.Request:
    request = httpx.Request(method, url, content=body)
    PeerSigner(party, key, clock=lambda: at).sign(request)
    return request


def _verify(
    verifier: PeerVerifier,
    request: httpx.Request,
    *,
    method: str | None = None,
    url: str | None = None,
    headers: Iterable[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> str:
    return verifier.verify(
        request.method if method is None else method,
        str(request.url) if url is None else url,
        request.headers.multi_items() if headers is None else headers,
        request.content if body is None else body,
    )


def _without(request: httpx.Request, *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.headers.multi_items() if k.lower() not in names]


def _refused(verifier: PeerVerifier, request: httpx.Request, **changes: Any) -> PeerAuthError:
    with pytest.raises(PeerAuthError) as caught:
        _verify(verifier, request, **changes)
    return caught.value


def _signed_with(
    components: Sequence[str],
    *,
    nonce: str | None = "n-0123456789abcdef",
    tag: str | None = "jointzone-peer",
    with_body: bool = True,
) -> httpx.Request:
    """A request signed by the library directly, to make what PeerSigner never would."""
    request = httpx.Request("POST", URL, content=BODY)
    signer = HTTPMessageSigner(
        signature_algorithm=_Ed25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={"party-a": KEY_A}),
    )
    signer.sign(
        _outgoing(request),
        key_id="party-a",
        created=NOW,
        nonce=nonce,
        label="jointzone",
        tag=tag,
        covered_component_ids=tuple(components),
        body=BODY if with_body else None,
    )
    return request


# --- what is signed --------------------------------------------------------------------------


def test_a_signed_request_verifies_as_its_party() -> None:
    assert _verify(_verifier(), _signed()) == "party-a"


def test_the_signature_covers_method_target_digest_created_and_a_nonce() -> None:
    request = _signed()
    created = int(NOW.timestamp())
    match = re.fullmatch(
        r'jointzone=\("@method" "@target-uri" "content-digest"\);created=(\d+);'
        r'keyid="party-a";alg="ed25519";nonce="([A-Za-z0-9_-]+)";tag="jointzone-peer"',
        request.headers["signature-input"],
    )
    assert match is not None
    assert int(match[1]) == created
    # 16 random bytes, base64url without padding.
    assert len(base64.urlsafe_b64decode(match[2] + "==")) == 16
    ContentDigest.verify(request.headers["content-digest"], BODY)


def test_every_request_gets_its_own_nonce() -> None:
    first, second = _signed(), _signed()
    assert first.headers["signature-input"] != second.headers["signature-input"]


def test_an_empty_body_is_digested_too() -> None:
    request = _signed(method="GET", body=b"")
    # RFC 9530: SHA-256 of no bytes.
    empty = "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    assert request.headers["content-digest"] == empty
    assert _verify(_verifier(), request) == "party-a"


def test_signing_again_replaces_the_digest_and_signature() -> None:
    request = _signed()
    request.headers["content-digest"] = "sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
    PeerSigner("party-a", KEY_A, clock=lambda: NOW).sign(request)
    assert len(request.headers.get_list("content-digest")) == 1
    assert len(request.headers.get_list("signature")) == 1
    assert _verify(_verifier(), request) == "party-a"


# --- refusals, one each ----------------------------------------------------------------------


def test_an_unsigned_request_is_refused() -> None:
    error = _refused(
        _verifier(), _signed(), headers=_without(_signed(), "signature", "signature-input")
    )
    assert error.status == 401
    assert error.detail == (
        "the request is not signed: it has no Signature-Input or Signature header"
    )


def test_a_signature_input_without_its_signature_is_refused() -> None:
    request = _signed()
    error = _refused(_verifier(), request, headers=_without(request, "signature"))
    assert error.status == 401
    assert error.detail == 'Expected "Signature" header field to be present'


def test_a_tampered_body_is_refused() -> None:
    error = _refused(_verifier(), _signed(), body=b'{"proposal": "ffff"}')
    assert error.status == 401
    assert error.detail == "Content-Digest does not match the message body"


BAD_SIGNATURE = "the signature does not verify against the key pinned for its keyid"


def test_a_tampered_method_is_refused() -> None:
    error = _refused(_verifier(), _signed(), method="PUT")
    assert error.status == 401
    assert error.detail.startswith(BAD_SIGNATURE)


@pytest.mark.parametrize(
    "url",
    [f"{ORIGIN}/peer/rejections?round=3", f"{ORIGIN}/peer/proposals?round=4"],
    ids=["path", "query"],
)
def test_a_tampered_target_is_refused(url: str) -> None:
    error = _refused(_verifier(), _signed(), url=url)
    assert error.status == 401
    assert error.detail.startswith(BAD_SIGNATURE)


def test_a_request_for_another_node_is_refused() -> None:
    request = _signed(url="https://node-c.example/peer/proposals")
    error = _refused(_verifier(), request)
    assert error.status == 401
    assert error.detail == (
        "the request is addressed to https://node-c.example, this node is " + ORIGIN
    )


def test_a_signature_by_another_key_for_the_keyid_is_refused() -> None:
    error = _refused(_verifier(), _signed(key=KEY_OTHER))
    assert error.status == 401
    assert error.detail.startswith(BAD_SIGNATURE)


def test_an_unknown_keyid_is_refused() -> None:
    error = _refused(_verifier(), _signed(party="party-z", key=KEY_OTHER))
    assert error.status == 401
    assert error.detail == "unknown keyid 'party-z': no node key is pinned for that party"


def test_a_signature_created_ten_minutes_ago_is_refused() -> None:
    error = _refused(_verifier(), _signed(at=NOW - timedelta(minutes=10)))
    assert error.status == 401
    assert error.detail == (
        "the signature was created 600 s ago (2026-05-01T11:50:00+00:00); "
        "this node accepts signatures at most 300 s old"
    )


def test_a_signature_created_in_the_future_is_refused() -> None:
    error = _refused(_verifier(), _signed(at=NOW + timedelta(minutes=10)))
    assert error.status == 401
    assert error.detail == (
        "the signature was created 600 s in the future (2026-05-01T12:10:00+00:00); "
        "clocks may differ by at most 300 s"
    )


@pytest.mark.parametrize(
    ("created", "detail"),
    [
        # The largest Structured Field Integers, far beyond any datetime.
        (10**15 - 1, "the signature was created 999998222363199 s in the future (999999999999999)"),
        (-(10**15 - 1), "the signature was created 1000001777636799 s ago (-999999999999999)"),
    ],
    ids=["far-future", "far-past"],
)
def test_an_absurd_created_time_is_refused_not_an_error(created: int, detail: str) -> None:
    headers = [
        (
            "Signature-Input",
            f'jointzone=("@method");created={created};keyid="party-a";'
            'nonce="n";tag="jointzone-peer"',
        ),
        ("Signature", "jointzone=:AAAA:"),
    ]
    error = _refused(_verifier(), _signed(), headers=headers)
    assert error.status == 401
    assert error.detail.startswith(detail)


def test_signatures_within_the_skew_are_accepted() -> None:
    verifier = _verifier()
    assert _verify(verifier, _signed(at=NOW - timedelta(seconds=300))) == "party-a"
    assert _verify(verifier, _signed(at=NOW + timedelta(seconds=300))) == "party-a"


def test_a_replayed_request_is_refused() -> None:
    verifier, request = _verifier(), _signed()
    assert _verify(verifier, request) == "party-a"
    error = _refused(verifier, request)
    assert error.status == 401
    assert re.fullmatch(
        r"nonce '[A-Za-z0-9_-]{22}' from 'party-a' was already used within the last 300 s: "
        r"the request is a replay",
        error.detail,
    )


def test_a_missing_content_digest_field_is_refused() -> None:
    request = _signed()
    error = _refused(_verifier(), request, headers=_without(request, "content-digest"))
    assert error.status == 401
    assert error.detail == 'Covered header field "content-digest" not found in the message'


def test_a_signature_not_covering_the_content_digest_is_refused() -> None:
    request = _signed_with(("@method", "@target-uri"), with_body=False)
    error = _refused(_verifier(), request)
    assert error.status == 401
    assert error.detail == 'Required component "content-digest" was not covered by the signature'


def test_a_signature_not_covering_the_target_uri_is_refused() -> None:
    request = _signed_with(("@method", "content-digest"))
    error = _refused(_verifier(), request)
    assert error.status == 401
    assert error.detail == 'Required component "@target-uri" was not covered by the signature'


def test_a_signature_without_a_nonce_is_refused() -> None:
    request = _signed_with(("@method", "@target-uri", "content-digest"), nonce=None)
    error = _refused(_verifier(), request)
    assert error.status == 401
    assert error.detail == "the signature has no nonce, so a replay could not be seen"


def test_a_signature_for_another_application_is_refused() -> None:
    request = _signed_with(("@method", "@target-uri", "content-digest"), tag="elsewhere")
    error = _refused(_verifier(), request)
    assert error.status == 401
    assert error.detail == "No signatures found matching the expected tag or label"


def test_a_forgery_does_not_burn_the_nonce_of_the_genuine_request() -> None:
    verifier, genuine = _verifier(), _signed()
    # Same headers, so same nonce, but sent as another method: the signature fails.
    _refused(verifier, genuine, method="DELETE")
    assert _verify(verifier, genuine) == "party-a"


# --- the nonce cache -------------------------------------------------------------------------


def test_nonces_older_than_the_window_are_dropped() -> None:
    cache = _NonceCache(window=300, capacity=10)
    start = int(NOW.timestamp())
    cache.admit("party-a", "n1", start, start)
    cache.admit("party-a", "n2", start + 100, start + 100)
    assert len(cache) == 2
    cache.admit("party-a", "n3", start + 350, start + 350)
    assert len(cache) == 2  # n1 (created 350 s before) went; n2 (250 s) stays
    cache.admit("party-a", "n1", start + 350, start + 350)  # n1 is forgotten, so is new again


def test_the_cache_is_capped_and_eviction_never_reopens_a_replay() -> None:
    cache = _NonceCache(window=300, capacity=3)
    start = int(NOW.timestamp())
    for i in range(4):
        cache.admit("party-a", f"n{i}", start + i, start + 10)
    assert len(cache) == 3
    assert cache.floor == start  # n0 was evicted
    with pytest.raises(PeerAuthError) as caught:
        cache.admit("party-a", "n0", start, start + 10)
    assert caught.value.status == 401
    assert caught.value.detail == (
        f"the signature was created at {start}, not after {start}, the newest time among the "
        "nonces this node had to forget when its cache of 3 filled; it cannot tell this from a "
        "replay, sign it again"
    )
    # A request created after the floor is judged on its nonce as usual.
    with pytest.raises(PeerAuthError, match="already used"):
        cache.admit("party-a", "n3", start + 3, start + 10)
    cache.admit("party-a", "n4", start + 1, start + 10)
    assert cache.floor == start + 1


def test_the_verifier_refuses_a_replay_whose_nonce_it_evicted() -> None:
    verifier = _verifier(max_nonces=2)
    requests = [_signed(at=NOW - timedelta(seconds=s)) for s in (2, 1, 0)]
    for request in requests:
        assert _verify(verifier, request) == "party-a"
    error = _refused(verifier, requests[0])
    assert "nonces this node had to forget when its cache of 2 filled" in error.detail
    assert "already used" in _refused(verifier, requests[2]).detail


def test_a_replay_after_the_window_is_refused_by_its_age() -> None:
    clock = Clock()
    verifier, request = _verifier(clock), _signed()
    assert _verify(verifier, request) == "party-a"
    clock.advance(301)
    assert "created 301 s ago" in _refused(verifier, request).detail


def test_a_bad_pin_is_refused_when_the_verifier_is_made() -> None:
    with pytest.raises(ValueError, match="expected 32 bytes, got 31"):
        PeerVerifier({"party-a": bytes(31)}, origin=ORIGIN)
    with pytest.raises(ValueError, match="origin must be"):
        PeerVerifier(PINS, origin=f"{ORIGIN}/peer")


# --- RFC 9421 Appendix B.2.6 ---------------------------------------------------------------

# RFC 9421 Appendix B.1.4 (test-key-ed25519, as a JWK) and B.2.6, which signs parts of the
# Appendix B.2 test-request.
RFC_SEED = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
RFC_PUBLIC = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
RFC_CREATED = 1618884473
RFC_BODY = b'{"hello": "world"}'
RFC_HEADERS = [
    ("Host", "example.com"),
    ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
    ("Content-Type", "application/json"),
    (
        "Content-Digest",
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    ),
    ("Content-Length", "18"),
]
RFC_SIGNATURE_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
RFC_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1"
    "u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
)
RFC_URL = "https://example.com/foo?param=Value&Pet=dog"


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_rfc9421_seed_gives_the_published_public_key() -> None:
    # A mistyped seed would show up below as a signature mismatch, blamed on the wrong thing.
    assert _raw(Ed25519PrivateKey.from_private_bytes(_b64url(RFC_SEED))) == _b64url(RFC_PUBLIC)


def test_rfc9421_b26_signature_verifies_with_our_configuration() -> None:
    lines = [*RFC_HEADERS, ("Signature-Input", RFC_SIGNATURE_INPUT), ("Signature", RFC_SIGNATURE)]
    verifier = _WindowVerifier(
        now=RFC_CREATED + 1,
        max_skew=300,
        key_resolver=_PinnedKeys({"test-key-ed25519": _b64url(RFC_PUBLIC)}),
    )
    (result,) = verifier.verify(_Message("POST", RFC_URL, _Fields(lambda: lines)), max_age=None)
    assert result.label == "sig-b26"
    assert result.parameters == {"created": RFC_CREATED, "keyid": "test-key-ed25519"}
    # The test-request's own Content-Digest matches its body (not covered by B.2.6).
    ContentDigest.verify(dict(RFC_HEADERS)["Content-Digest"], RFC_BODY)


def test_rfc9421_b26_tampered_is_refused() -> None:
    lines = [
        *RFC_HEADERS[:2],
        ("Content-Type", "text/plain"),
        *RFC_HEADERS[3:],
        ("Signature-Input", RFC_SIGNATURE_INPUT),
        ("Signature", RFC_SIGNATURE),
    ]
    verifier = _WindowVerifier(
        now=RFC_CREATED,
        max_skew=300,
        key_resolver=_PinnedKeys({"test-key-ed25519": _b64url(RFC_PUBLIC)}),
    )
    with pytest.raises(Exception, match=BAD_SIGNATURE):
        verifier.verify(_Message("POST", RFC_URL, _Fields(lambda: lines)), max_age=None)


def test_rfc9421_b26_signing_reproduces_the_published_signature() -> None:
    # Ed25519 is deterministic: the same base and key give the same bytes.
    request = httpx.Request("POST", RFC_URL, headers=RFC_HEADERS, content=RFC_BODY)
    signer = HTTPMessageSigner(
        signature_algorithm=_Ed25519,
        key_resolver=MappingKeyResolver(
            public_keys={},
            private_keys={
                "test-key-ed25519": Ed25519PrivateKey.from_private_bytes(_b64url(RFC_SEED))
            },
        ),
    )
    signer.sign(
        _outgoing(request),
        key_id="test-key-ed25519",
        created=datetime.fromtimestamp(RFC_CREATED, UTC),
        label="sig-b26",
        include_alg=False,
        # The test-request carries a Content-Digest; the library signs only if told to keep it.
        use_existing_digest=True,
        covered_component_ids=(
            "date",
            "@method",
            "@path",
            "@authority",
            "content-type",
            "content-length",
        ),
    )
    assert request.headers["signature-input"] == RFC_SIGNATURE_INPUT
    assert request.headers["signature"] == RFC_SIGNATURE


def test_a_peer_verifier_refuses_the_rfc_vector_for_what_it_lacks() -> None:
    """The vector is a valid signature, but not a peer request: no tag, nonce or target."""
    lines = [*RFC_HEADERS, ("Signature-Input", RFC_SIGNATURE_INPUT), ("Signature", RFC_SIGNATURE)]
    verifier = PeerVerifier(
        {"test-key-ed25519": _b64url(RFC_PUBLIC)},
        origin="https://example.com",
        clock=lambda: datetime.fromtimestamp(RFC_CREATED, UTC),
    )
    with pytest.raises(PeerAuthError, match="No signatures found matching the expected tag"):
        verifier.verify("POST", RFC_URL, lines, RFC_BODY)


# --- httpx clients ---------------------------------------------------------------------------


def test_a_sync_client_signs_through_the_auth_flow() -> None:
    verifier = _verifier()

    def peer(request: httpx.Request) -> httpx.Response:
        try:
            party = _verify(verifier, request)
        except PeerAuthError as e:
            return httpx.Response(e.status, text=e.detail)
        return httpx.Response(200, text=party)

    signer = PeerSigner("party-a", KEY_A, clock=lambda: NOW)
    with httpx.Client(transport=httpx.MockTransport(peer), auth=signer) as client:
        assert client.post(URL, content=BODY).text == "party-a"
        assert client.get(f"{ORIGIN}/peer/status").text == "party-a"
        streamed = client.post(URL, content=iter([b'{"proposal": ', b'"0a1b"}']))
        assert streamed.text == "party-a"


# --- a real app, end to end ------------------------------------------------------------------


def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PeerAuthError)
    return JSONResponse(
        {"type": "about:blank", "status": exc.status, "detail": exc.detail},
        status_code=exc.status,
        media_type="application/problem+json",
    )


def _app(verifier: PeerVerifier, *, limit: int = MAX_PEER_BODY) -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(PeerAuthError, _problem)

    @app.post("/peer/proposals")
    async def proposals(request: Request) -> dict[str, object]:
        party, body = await authenticate(request, verifier, limit=limit)
        return {"party": party, "body": body.decode()}

    @app.post("/peer/items/{name}")
    async def items(request: Request, name: str) -> dict[str, object]:
        party, _ = await authenticate(request, verifier, limit=limit)
        return {"party": party, "name": name, "query": request.url.query}

    return app


def _client(app: FastAPI, *, base_url: str = ORIGIN, signed: bool = True) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=base_url,
        auth=PeerSigner("party-a", KEY_A, clock=lambda: NOW) if signed else None,
    )


def test_a_fastapi_app_authenticates_a_peer_end_to_end() -> None:
    async def run() -> None:
        app = _app(_verifier())
        async with _client(app) as client:
            answer = await client.post("/peer/proposals?round=3", content=BODY)
            assert answer.status_code == 200
            assert answer.json() == {"party": "party-a", "body": BODY.decode()}
            # Percent-encoded path and query: checked as sent, not as Starlette decodes them.
            answer = await client.post("/peer/items/a%20b?note=x%2Fy%20z", content=b"")
            assert answer.status_code == 200
            assert answer.json() == {"party": "party-a", "name": "a b", "query": "note=x%2Fy%20z"}

    asyncio.run(run())


def test_a_fastapi_app_refuses_unsigned_replayed_and_misdirected_requests() -> None:
    async def run() -> None:
        app = _app(_verifier())
        async with _client(app, signed=False) as client:
            answer = await client.post("/peer/proposals", content=BODY)
            assert answer.status_code == 401
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["detail"].startswith("the request is not signed")

            request = client.build_request("POST", "/peer/proposals", content=BODY)
            PeerSigner("party-a", KEY_A, clock=lambda: NOW).sign(request)
            assert (await client.send(request)).status_code == 200
            replay = await client.send(request)
            assert replay.status_code == 401
            assert replay.json()["detail"].endswith("the request is a replay")

        # Signed for node C but delivered to B (Host: node-c): B checks its own origin.
        async with _client(app, base_url="https://node-c.example") as client:
            answer = await client.post("/peer/proposals", content=BODY)
            assert answer.status_code == 401
            assert answer.json()["detail"].startswith(BAD_SIGNATURE)

    asyncio.run(run())


def test_a_fastapi_app_refuses_a_body_over_the_limit() -> None:
    async def run() -> None:
        app = _app(_verifier(), limit=len(BODY) - 1)
        async with _client(app) as client:
            answer = await client.post("/peer/proposals", content=BODY)
            assert answer.status_code == 413
            assert answer.json()["detail"] == (
                f"request body too large: declared {len(BODY)} bytes, the limit is {len(BODY) - 1}"
            )

    asyncio.run(run())


# --- reading bounded bodies ------------------------------------------------------------------


def _streaming(
    chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[Request, list[int]]:
    received: list[int] = []

    async def receive() -> dict[str, Any]:
        index = len(received)
        received.append(index)
        return {
            "type": "http.request",
            "body": chunks[index],
            "more_body": index < len(chunks) - 1,
        }

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/peer/proposals",
        "query_string": b"",
        "headers": headers or [],
    }
    return Request(scope, receive), received


def test_a_chunked_body_is_refused_at_the_chunk_that_crosses_the_limit() -> None:
    request, received = _streaming([b"abcd"] * 5)
    with pytest.raises(PeerAuthError) as caught:
        asyncio.run(read_bounded_body(request, limit=10))
    assert caught.value.status == 413
    assert caught.value.detail == "request body too large: more than 10 bytes, the limit"
    assert len(received) == 3  # 12 bytes read, then no more


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    request, received = _streaming([b"x" * 11], [(b"content-length", b"11")])
    with pytest.raises(PeerAuthError, match="declared 11 bytes, the limit is 10"):
        asyncio.run(read_bounded_body(request, limit=10))
    assert received == []


def test_a_body_within_the_limit_is_read_whole() -> None:
    request, _ = _streaming([b"abcd", b"", b"efgh"])
    assert asyncio.run(read_bounded_body(request, limit=8)) == b"abcdefgh"


def test_the_default_limit_is_eight_mebibytes() -> None:
    assert MAX_PEER_BODY == 8 * 1024 * 1024
