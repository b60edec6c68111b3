"""Inclusion and consistency proofs: built from stored hashes, verified per RFC 9162 §2.1.3–4."""

from __future__ import annotations

from collections.abc import Sequence

from jointzone.tlog._hashing import HASH_SIZE, node_hash
from jointzone.tlog._tree import HashReader, Node, fold, range_nodes
from jointzone.tlog.errors import ProofError


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make up PATH(index, D[0:size]), leaf end first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    out: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    out.reverse()
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make up PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1)."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    out: list[tuple[int, int]] = []
    start, end, m, complete = 0, size2, size1, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        out.append((start, end))
    out.reverse()
    return out


def _resolve(ranges: list[tuple[int, int]], reader: HashReader) -> list[bytes]:
    """Read every node the ranges need in one call, then fold each range."""
    per_range = [range_nodes(a, b) for a, b in ranges]
    flat: list[Node] = [n for nodes in per_range for n in nodes]
    hashes = reader.read_hashes(flat)
    out: list[bytes] = []
    i = 0
    for nodes in per_range:
        out.append(fold(hashes[i : i + len(nodes)]))
        i += len(nodes)
    return out


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    return _resolve(inclusion_ranges(index, size), reader)


def consistency_proof(size1: int, size2: int, reader: HashReader) -> list[bytes]:
    """The proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2``."""
    if size1 == size2:
        return []
    return _resolve(consistency_ranges(size1, size2), reader)


def _check_hash(what: str, h: bytes) -> None:
    if len(h) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(h)}")


def _inclusion_length(index: int, size: int) -> int:
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border


def verify_inclusion(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Follows RFC 9162 §2.1.3.2 step by step. Raises :class:`ProofError` naming what is wrong.
    """
    if index < 0 or size < 0:
        raise ProofError(f"negative leaf index {index} or tree size {size}")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root hash", root)
    want = _inclusion_length(index, size)
    if len(proof) != want:
        raise ProofError(
            f"inclusion proof has wrong size: expected {want} hashes for leaf {index} "
            f"of a tree of size {size}, got {len(proof)}"
        )
    fn, sn, r = index, size - 1, leaf_hash
    for i, p in enumerate(proof):
        _check_hash(f"inclusion proof hash {i}", p)
        if sn == 0:
            raise ProofError(f"inclusion proof has an extra hash at position {i}")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is missing hashes")
    if r != root:
        raise ProofError(
            f"inclusion proof does not lead to the root: computed {r.hex()}, expected {root.hex()}"
        )


def _consistency_length(size1: int, size2: int) -> int:
    return len(consistency_ranges(size1, size2))


def verify_consistency(
    *, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of ``size2`` with ``root2``.

    Follows RFC 9162 §2.1.4.2 step by step. A consistency proof from the empty tree proves
    nothing and is refused. Raises :class:`ProofError` naming what is wrong.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"negative tree size {size1} or {size2}")
    if size1 > size2:
        raise ProofError(f"old tree size {size1} is larger than new tree size {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError(
                f"consistency proof between equal sizes must be empty, got {len(proof)} hashes"
            )
        if root1 != root2:
            raise ProofError(f"trees of equal size {size1} have different roots")
        return
    _check_hash("old root hash", root1)
    _check_hash("new root hash", root2)
    want = _consistency_length(size1, size2)
    if len(proof) != want:
        raise ProofError(
            f"consistency proof has wrong size: expected {want} hashes from size {size1} "
            f"to size {size2}, got {len(proof)}"
        )
    for i, p in enumerate(proof):
        _check_hash(f"consistency proof hash {i}", p)
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof has an extra hash")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is missing hashes")
    if fr != root1:
        raise ProofError(
            f"consistency proof does not lead to the old root: computed {fr.hex()}, "
            f"expected {root1.hex()}"
        )
    if sr != root2:
        raise ProofError(
            f"consistency proof does not lead to the new root: computed {sr.hex()}, "
            f"expected {root2.hex()}"
        )
