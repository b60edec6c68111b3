"""The shape of the tree: which complete subtrees make up a range, and how to hash them.

A node is addressed as ``(level, index)``: the complete subtree of ``2**level`` leaves that starts
at leaf ``index << level``. Only complete subtrees are ever stored; the hash of any other range
``[start, end)`` of the log is folded from the complete subtrees that tile it, exactly as RFC 9162
§2.1.1 splits a list at the largest power of two smaller than its length.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from jointzone.tlog._hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from jointzone.tlog.errors import ProofError

Node = tuple[int, int]
"""A complete subtree: ``(level, index)``."""


class HashReader(Protocol):
    """Anything that can return the stored hashes of complete subtrees."""

    def read_hashes(self, nodes: Sequence[Node], /) -> list[bytes]:
        """Return the hash of each node, in the order asked."""
        ...


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees whose hashes, folded right to left, give MTH(D[start:end]).

    ``start`` must be aligned as RFC 9162's recursion aligns it: a multiple of the largest power
    of two not larger than ``end - start``. Every range that occurs in a proof or a root is.
    """
    nodes: list[Node] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        if start & ((1 << level) - 1):
            raise ProofError(f"range [{start}, {end}) is not aligned to a subtree boundary")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Fold the hashes of a range's complete subtrees, right to left, into the range's hash."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_nodes(size: int) -> list[Node]:
    """The complete subtrees of a tree of ``size`` leaves, largest first."""
    return range_nodes(0, size)


def tree_root(size: int, reader: HashReader) -> bytes:
    """The root hash of the first ``size`` leaves, from stored complete-subtree hashes."""
    if size == 0:
        return EMPTY_ROOT
    return fold(reader.read_hashes(root_nodes(size)))


class CompactRange:
    """The right edge of a growing tree: one hash per complete subtree of the current size.

    Appending a leaf costs amortised one node hash, and memory stays at O(log n) however long
    the log grows, which is what lets a verifier stream a log of any size. ``on_node`` (if given)
    is called with every complete subtree as it is completed, leaves included.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_nodes(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Resume at ``size`` from the hashes of :func:`root_nodes` ``(size)``, largest first.

        This is how a witness computes the root a batch of new entries would give its log
        without writing anything: read the right edge, extend, compare.
        """
        want = len(root_nodes(size))
        if len(hashes) != want:
            raise ProofError(f"a tree of size {size} has {want} edge hashes, got {len(hashes)}")
        cr = cls()
        cr._size = size
        cr._hashes = list(hashes)
        return cr

    @property
    def size(self) -> int:
        return self._size

    def append_hash(self, h: bytes) -> None:
        """Append one leaf hash."""
        hashes = self._hashes
        size = self._size
        while size & 1:
            h = node_hash(hashes.pop(), h)
            size >>= 1
        hashes.append(h)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append_hash(h)

    def root(self) -> bytes:
        """The root hash of everything appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        return fold(self._hashes)


class MemoryTree:
    """A whole tree held in memory, every level of it: for tests, tools and small logs."""

    def __init__(self, entries: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for e in entries:
            self.append_hash(leaf_hash(e))

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append_hash(self, h: bytes) -> None:
        if len(h) != HASH_SIZE:
            raise ProofError(f"leaf hash must be {HASH_SIZE} bytes, got {len(h)}")
        level = 0
        self._levels[0].append(h)
        while len(self._levels[level]) % 2 == 0:
            row = self._levels[level]
            if level + 1 == len(self._levels):
                self._levels.append([])
            self._levels[level + 1].append(node_hash(row[-2], row[-1]))
            level += 1

    def read_hashes(self, nodes: Sequence[Node], /) -> list[bytes]:
        try:
            return [self._levels[level][index] for level, index in nodes]
        except IndexError:
            raise ProofError(f"tree of size {self.size} lacks a node among {list(nodes)}") from None

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self.size if size is None else size, self)
