"""Ed25519 verification through libsodium (PyNaCl), the hot path of commit, audit and certificates.

Why libsodium: on the machine the benchmarks run on it verifies about 1.6x as many signatures per
second as ``cryptography`` (OpenSSL) does from Python (``python -m bench._bounds`` prints both),
and every act committed or audited costs two or four verifications. Keys still travel as
``cryptography``'s ``Ed25519PublicKey``; only the check itself moves. Signing stays with
``cryptography``: libsodium signs only about 1.3x faster, and signing is not on a hot path (an act
is signed once per official, a checkpoint once per round), where verification repeats at every
node and every audit.

libsodium accepts fewer signatures than OpenSSL. Both refuse a non-canonical ``S`` (``S >= L``)
and both check the cofactorless equation against the exact ``R`` bytes, but libsodium also
refuses a public key or an ``R`` of small order, and a public key whose encoding is not
canonical, all of which OpenSSL lets through. Our signer never makes any of these (its key is a
clamped scalar times the base point, its ``R`` a multiple of the base point, its ``S`` reduced
mod L), so every signature we make verifies under both. What only OpenSSL accepts is a
signature forged, by anyone, for a degenerate key, or one crafted by a key's own holder with the
identity as ``R``: ``tests/unit/test_ed25519.py`` shows each. The second is why every node must
verify with the same library: a node still on OpenSSL would admit an act the others refuse.

PyNaCl binds combined-mode ``crypto_sign_open`` but not ``crypto_sign_verify_detached``;
libsodium's ``crypto_sign_open`` is that same check on ``signature || message``, and the copy it
costs is not measurable beside the scalar multiplications.

One function for every package that verifies (COSE in :mod:`jointzone.cose`, signed notes and
cosignatures in :mod:`jointzone.tlog`): this package imports nothing of ours, so the lowest
layers can use it. For signed notes the difference above means a checkpoint Go's ``note.Open``
accepts may still be refused here, never the reverse, and only when it is signed for a
degenerate key or with a degenerate ``R``.
"""

from __future__ import annotations

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

_PUBLIC_KEY_SIZE = 32
_SIGNATURE_SIZE = 64


def verify(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``message`` by the raw 32-byte key."""
    # libsodium reads 32 bytes of key and takes the first 64 bytes it is given as the signature:
    # other lengths would read past the key or split the message in the wrong place.
    if len(public_raw) != _PUBLIC_KEY_SIZE or len(signature) != _SIGNATURE_SIZE:
        return False
    try:
        crypto_sign_open(signature + message, public_raw)
    except BadSignatureError:
        return False
    return True


__all__ = ["verify"]
