"""Ed25519 verification of note signatures through libsodium (PyNaCl).

The twin of :mod:`jointzone.cose._ed25519`, whose docstring gives the measured reason for
libsodium and where its acceptance differs from OpenSSL's: tlog may import no other package of
ours (``tests/unit/test_layers.py``), and ``tests/unit/test_ed25519.py`` holds the two equal.
For signed notes the difference means a checkpoint Go's ``note.Open`` accepts may still be refused
here, never the reverse, and only when it is signed for a degenerate key or with a degenerate
``R``: Go, like OpenSSL, lets small-order points through.
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
