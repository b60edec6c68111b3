"""RFC 6962 / RFC 9162 hashing: leaves are prefixed 0x00, interior nodes 0x01."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """Leaf hashes of many entries at once (the hot path of appends and verification)."""
    sha = _sha256
    return [sha(b"\x00" + e).digest() for e in entries]
