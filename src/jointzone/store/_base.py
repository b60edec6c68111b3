"""The storage interface: an append-only log of entries plus the expanded tiles of its tree.

A backend implements a handful of primitives (size, append, entries, tiles, checkpoints); the
base class builds everything else on them once: roots at any past size, inclusion and consistency
proofs, published tiles and streaming reads. Proofs come from stored tiles through
:class:`~jointzone.tlog.TileHashReader`, so a proof costs one query for a handful of tiles (one per
tile level it touches, plus the right edge) and never rehashes the log.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from jointzone.store.errors import CorruptionError, OutOfRangeError
from jointzone.tlog import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    HashReader,
    ProofError,
    TileHashReader,
    TileKey,
    consistency_proof,
    inclusion_proof,
    tree_root,
)

DEFAULT_CHUNK = 4096
"""Entries per read when streaming: large enough to amortise a query, small enough to stay flat."""


def tile_width(size: int, key: TileKey) -> int:
    """How many bottom hashes tile ``key`` holds in a tree of ``size`` leaves (0: not there yet)."""
    level, index = key
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


_EXPANDED_LENGTH = [
    HASH_SIZE * sum(w >> s for s in range(TILE_HEIGHT)) for w in range(TILE_WIDTH + 1)
]


def expanded_length(width: int) -> int:
    """The length in bytes of an expanded tile (bottom hashes plus inner levels) of ``width``."""
    return _EXPANDED_LENGTH[width]


class LogStore(abc.ABC):
    """An append-only log of entries, its tree hashes kept as expanded tiles, and its checkpoints.

    Sizes only grow, so any size once seen stays valid: the store remembers the largest it has
    seen and checks requested sizes against it without a round trip to the database. For the
    same reason the root at a size never changes, and the roots asked lately are kept.
    """

    #: How many roots :meth:`root` keeps (a node asks for the same few sizes each round).
    KEPT_ROOTS = 64

    def __init__(self) -> None:
        self._seen_size = 0
        self._roots: dict[int, bytes] = {}

    # -- primitives a backend provides ------------------------------------------------------

    @property
    @abc.abstractmethod
    def url(self) -> str:
        """Where the store lives, as a URL that :func:`~jointzone.store.open_store` accepts."""

    @abc.abstractmethod
    def size(self) -> int:
        """The number of entries in the log."""

    @abc.abstractmethod
    def append(self, entries: Sequence[bytes], *, expected_size: int | None = None) -> int:
        """Append ``entries`` as one atomic batch and return the new size.

        With ``expected_size``, the batch goes in only if the log still has that size; otherwise
        :class:`~jointzone.store.errors.ConflictError` is raised and nothing is written. This is
        how a sequencer guards against a concurrent writer.
        """

    @abc.abstractmethod
    def read_entries(self, start: int, stop: int) -> list[bytes]:
        """Entries ``start`` (inclusive) to ``stop`` (exclusive); every one must be there."""

    @abc.abstractmethod
    def read_tiles(self, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
        """The expanded tiles ``keys`` (see :func:`~jointzone.tlog.expand_tile`), as of now."""

    @abc.abstractmethod
    def add_checkpoint(self, size: int, note: bytes) -> None:
        """Keep the signed checkpoint note for ``size``: one note per size, never replaced."""

    @abc.abstractmethod
    def checkpoint(self, size: int | None = None) -> bytes | None:
        """The note stored for ``size``, or the note of the largest size; None if there is none."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""

    # -- built on the primitives ------------------------------------------------------------

    def _saw_size(self, size: int) -> int:
        self._seen_size = max(self._seen_size, size)
        return size

    def _require_size(self, size: int, what: str = "tree size") -> None:
        """Refuse a size the log does not have, reading the head only when the cache is short."""
        if size < 0:
            raise OutOfRangeError(f"{what} must not be negative, got {size}")
        if size > self._seen_size and size > self.size():
            raise OutOfRangeError(f"{what} {size} is beyond the log, which has {self._seen_size}")

    def iter_entries(
        self, start: int = 0, stop: int | None = None, *, chunk_size: int = DEFAULT_CHUNK
    ) -> Iterator[bytes]:
        """Stream entries ``start`` to ``stop`` (default: the size now) in chunks, in flat memory.

        The range is checked at the call, not at the first ``next``, so a bad range fails where it
        was asked for.
        """
        end = self.size() if stop is None else stop
        if not 0 <= start <= end:
            raise OutOfRangeError(f"entry range [{start}, {end}) is not a valid range")
        self._require_size(end, "entry range end")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        return self._iter_chunks(start, end, chunk_size)

    def _iter_chunks(self, start: int, end: int, chunk_size: int) -> Iterator[bytes]:
        for at in range(start, end, chunk_size):
            yield from self.read_entries(at, min(at + chunk_size, end))

    def hash_reader(self) -> HashReader:
        """A reader of stored subtree hashes, for :mod:`jointzone.tlog`'s proof functions.

        Each ``read_hashes`` call is one :meth:`read_tiles` call. Asking it for a node the log
        has not completed raises :class:`~jointzone.tlog.ProofError`.
        """
        return TileHashReader(self.read_tiles)

    def root(self, size: int | None = None) -> bytes:
        """The root hash at ``size`` (default: now), from stored hashes only."""
        if size is None:
            size = self.size()
        kept = self._roots.get(size)
        if kept is not None:
            return kept
        self._require_size(size)
        with _stored_hashes_must_serve(f"the root at size {size}"):
            root = tree_root(size, self.hash_reader())
        if len(self._roots) >= self.KEPT_ROOTS:
            self._roots.clear()  # one call: safe beside another thread's lookups
        self._roots[size] = root
        return root

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of entry ``index`` in the tree of ``size`` entries."""
        self._require_size(size)
        if not 0 <= index < size:
            raise OutOfRangeError(f"entry index {index} is not in a tree of size {size}")
        with _stored_hashes_must_serve(f"the inclusion proof of {index} at size {size}"):
            return inclusion_proof(index, size, self.hash_reader())

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """The proof that the tree of ``size1`` entries is a prefix of the tree of ``size2``."""
        self._require_size(size2)
        if not 0 < size1 <= size2:
            raise OutOfRangeError(
                f"no consistency proof from size {size1} to size {size2}: "
                "expected 0 < size1 <= size2"
            )
        with _stored_hashes_must_serve(f"the consistency proof from {size1} to {size2}"):
            return consistency_proof(size1, size2, self.hash_reader())

    def published_tile(self, level: int, index: int, width: int) -> bytes:
        """The tlog-tiles hash tile ``tile/<L>/<N>[.p/<W>]``: its first ``width`` hashes.

        A full tile may be served at a smaller width, as an older checkpoint publishes it.
        """
        if not 1 <= width <= TILE_WIDTH:
            raise OutOfRangeError(f"tile width must be 1..{TILE_WIDTH}, got {width}")
        if level < 0 or index < 0:
            raise OutOfRangeError(f"tile {level}/{index} has a negative coordinate")
        key = (level, index)
        self._require_size(((index * TILE_WIDTH) + width) << (TILE_HEIGHT * level), "tile end")
        blob = self.read_tiles([key])[key]
        return blob[: width * HASH_SIZE]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def _stored_hashes_must_serve(what: str) -> Iterator[None]:
    """Turn a proof error raised after the arguments were checked into a corruption error.

    Once sizes and indexes are known to be in the log, every node a proof needs must be stored;
    a missing or short tile at that point is damage, not a bad request.
    """
    try:
        yield
    except ProofError as e:
        raise CorruptionError(f"stored hashes cannot serve {what}: {e}") from e
