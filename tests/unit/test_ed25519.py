"""libsodium (our verifier) against OpenSSL (``cryptography``, the one it replaced), on Ed25519.

Two claims, each a test below: every signature our signers make verifies the same under both
(and every tampering of one fails under both), and the signatures on which the two disagree are
ones our signers never make. The disagreements are degenerate points, which OpenSSL (and Go)
accept and libsodium refuses: a public key of small order, an ``R`` of small order, a key not in
its canonical encoding. Both refuse a non-canonical ``S``.

The small-order points are worked out here from the curve equation rather than copied from a
list, so the test says where they come from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from jointzone.cose import (
    CoseSignature,
    CoseSigner,
    SignatureStatus,
    SignedMessage,
    sig_structure,
    sign,
    verify_signatures,
)
from jointzone.ed25519 import verify as libsodium_verify
from jointzone.tlog import (
    Checkpoint,
    CosignatureSigner,
    Note,
    Signature,
    SignatureError,
    Signer,
    Verifier,
    verify_note,
)

Verify = Callable[[bytes, bytes, bytes], bool]
VERIFIERS = pytest.mark.parametrize("verify", [libsodium_verify], ids=["libsodium"])

# edwards25519: -x² + y² = 1 + d·x²·y² over GF(p), base point of prime order L (RFC 8032 §5.1).
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (1).to_bytes(32, "little")


def _sqrt(u: int) -> int | None:
    """A square root mod p, or None (p ≡ 5 mod 8, RFC 8032 §5.1.3)."""
    u %= P
    r = pow(u, (P + 3) // 8, P)
    for candidate in (r, r * SQRT_M1 % P):
        if candidate * candidate % P == u:
            return candidate
    return None


def _small_order_points() -> list[tuple[int, int]]:
    """The eight points of order dividing 8: the identity, (0, -1), (±√-1, 0), and four of
    order 8, whose doubles are (±√-1, 0), so y² = -x² on the curve: d·y⁴ + 2y² - 1 = 0."""
    ys = [1, P - 1, 0]
    root = _sqrt(1 + D)
    assert root is not None
    for t in (root, P - root):
        y = _sqrt((t - 1) * pow(D, -1, P))
        if y is not None:
            ys += [y, P - y]
    points = []
    for y in ys:
        x = _sqrt((y * y - 1) * pow(D * y * y + 1, -1, P))
        assert x is not None
        points += [(x, y), (-x % P, y)] if x else [(0, y)]
    for x, y in points:
        assert (-x * x + y * y - 1 - D * x * x * y * y) % P == 0
    assert len(set(points)) == 8
    return points


# Each small-order point with either sign bit: for x = 0 the set bit is a non-canonical encoding.
SMALL_ORDER = frozenset(
    (y | sign << 255).to_bytes(32, "little") for _, y in _small_order_points() for sign in (0, 1)
)


def _canonical(encoded: bytes) -> bool:
    return int.from_bytes(encoded, "little") & ~(1 << 255) < P


def _openssl(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _challenge(r: bytes, public_raw: bytes, message: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + public_raw + message).digest(), "little") % L


def _secret_scalar(seed: bytes) -> int:
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] = (h[31] & 127) | 64
    return int.from_bytes(h, "little")


def _our_signatures(seed: bytes, message: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """(public key, signature, signed bytes) from each of our signers, through its own API."""
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes_raw()
    cose = sign(message, [CoseSigner.from_private_key(private)], external_aad=b"aad")
    body = cose.signatures[0]
    text = message.hex() + "\n"
    note = Signer.from_seed("node.example", seed).sign(text)
    checkpoint = Checkpoint(origin="zone.example", size=len(message), root=bytes(32))
    witness = CosignatureSigner.from_seed("witness.example", seed)
    cosignature = witness.sign(checkpoint, timestamp=1_700_000_000).signature
    # tlog-cosignature/v1 signs a header, the timestamp and the checkpoint.
    cosigned = b"cosignature/v1\ntime 1700000000\n" + checkpoint.to_text().encode()
    return [
        (public, body.signature, sig_structure(cose.protected, body.protected, b"aad", message)),
        (public, note.signature, text.encode()),
        (public, cosignature[8:], cosigned),
    ]


@VERIFIERS
@settings(max_examples=60, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=600))
def test_our_signatures_verify_alike_and_are_never_degenerate(
    verify: Verify, seed: bytes, message: bytes
) -> None:
    for public, signature, signed in _our_signatures(seed, message):
        assert verify(public, signature, signed)
        assert _openssl(public, signature, signed)
        r, s = signature[:32], int.from_bytes(signature[32:], "little")
        # Outside every class on which the two libraries disagree:
        assert public not in SMALL_ORDER
        assert r not in SMALL_ORDER
        assert _canonical(public)
        assert _canonical(r)
        assert s < L


@VERIFIERS
@settings(max_examples=60, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    message=st.binary(max_size=200),
    bit=st.integers(min_value=0, max_value=64 * 8 - 1),
)
def test_tampered_signatures_fail_under_both(
    verify: Verify, seed: bytes, message: bytes, bit: int
) -> None:
    for public, signature, signed in _our_signatures(seed, message):
        flipped = bytearray(signature)
        flipped[bit // 8] ^= 1 << bit % 8
        assert not verify(public, bytes(flipped), signed)
        assert not _openssl(public, bytes(flipped), signed)
        assert not verify(public, signature, signed + b"\n")
        assert not _openssl(public, signature, signed + b"\n")


@VERIFIERS
@pytest.mark.parametrize("public", sorted(SMALL_ORDER), ids=lambda b: b.hex()[:8] + b.hex()[-2:])
def test_small_order_key_forgery_passes_openssl_only(verify: Verify, public: bytes) -> None:
    # R = identity, S = 0 holds [S]B = R + [k]A whenever k·A is the identity, which for a key of
    # order dividing 8 is one message in eight: anyone can "sign" for such a key.
    forged = IDENTITY + bytes(32)
    message = next(
        m for m in (b"act %d" % i for i in range(1000)) if _challenge(IDENTITY, public, m) % 8 == 0
    )
    assert _openssl(public, forged, message)
    assert not verify(public, forged, message)


@VERIFIERS
def test_non_canonical_key_passes_openssl_only(verify: Verify) -> None:
    public = (P + 1).to_bytes(32, "little")  # y = p + 1: the identity, encoded past p
    assert not _canonical(public)
    forged = IDENTITY + bytes(32)
    assert _openssl(public, forged, b"act")
    assert not verify(public, forged, b"act")


@VERIFIERS
def test_small_order_r_from_the_key_holder_passes_openssl_only(verify: Verify) -> None:
    # Only the key's holder can make this one (S = k·a), but it is a second signature of the
    # same message that one library accepts and the other refuses: nodes must not mix them.
    seed = bytes(range(32))
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    message = b"enterprise.register"
    s = _challenge(IDENTITY, public, message) * _secret_scalar(seed) % L
    crafted = IDENTITY + s.to_bytes(32, "little")
    assert _openssl(public, crafted, message)
    assert not verify(public, crafted, message)


@VERIFIERS
def test_non_canonical_s_fails_under_both(verify: Verify) -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes(32))
    public = private.public_key().public_bytes_raw()
    signature = private.sign(b"act")
    s = int.from_bytes(signature[32:], "little") + L
    malleated = signature[:32] + s.to_bytes(32, "little")
    assert not _openssl(public, malleated, b"act")
    assert not verify(public, malleated, b"act")


@VERIFIERS
@pytest.mark.parametrize(("key_size", "signature_size"), [(31, 64), (33, 64), (32, 63), (32, 65)])
def test_wrong_lengths_are_refused_not_read_past(
    verify: Verify, key_size: int, signature_size: int
) -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes(32))
    public = private.public_key().public_bytes_raw()
    signature = private.sign(b"act")
    assert not verify((public * 2)[:key_size], (signature * 2)[:signature_size], b"act")


def test_cose_refuses_a_forgery_for_the_identity_key() -> None:
    # A kid registered with the identity as its key: OpenSSL took (identity, 0) for any message.
    honest = sign(b"payload", [CoseSigner(kid=b"kid", private_key=Ed25519PrivateKey.generate())])
    forged = CoseSignature(
        protected=honest.signatures[0].protected, unprotected={}, signature=IDENTITY + bytes(32)
    )
    message = SignedMessage(
        protected=honest.protected, unprotected={}, payload=b"payload", signatures=(forged,)
    )
    signed = sig_structure(message.protected, forged.protected, b"", message.payload)
    assert _openssl(IDENTITY, forged.signature, signed)
    (check,) = verify_signatures(message, {b"kid": Ed25519PublicKey.from_public_bytes(IDENTITY)})
    assert check.status is SignatureStatus.BAD_SIGNATURE


def test_signed_note_refuses_a_forgery_for_the_identity_key() -> None:
    verifier = Verifier("node.example", IDENTITY)
    forged = Signature(
        name=verifier.name, key_hash=verifier.key_hash, signature=IDENTITY + bytes(32)
    )
    note = Note(text="zone.example\n0\n", signatures=(forged,))
    assert _openssl(IDENTITY, forged.signature, note.text.encode())
    with pytest.raises(SignatureError, match="does not verify"):
        verify_note(note, [verifier])
