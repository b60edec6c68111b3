"""C2SP tlog-tiles: tile coordinates and paths, entry bundles, and tiles as the store keeps them.

A tile at level ``L`` and index ``N`` holds up to 256 consecutive hashes of tree level ``8L``; a
partial tile of width ``W`` holds the first ``W``. The store keeps each tile *expanded*: the 256
bottom hashes followed by the complete nodes of its seven inner levels (128, 64, ... 2), so that any
complete subtree's hash is one lookup and a proof costs a handful of tile reads, not rehashing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from jointzone.tlog._hashing import HASH_SIZE, node_hash
from jointzone.tlog._tree import Node
from jointzone.tlog.errors import MalformedError, ProofError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY_SIZE = 0xFFFF

TileKey = tuple[int, int]
"""A tile: ``(level, index)``."""


# -- paths -----------------------------------------------------------------------------------


def encode_index(n: int) -> str:
    """The tlog-tiles index path: 3-digit groups, all but the last prefixed 'x' (x001/x234/067)."""
    if n < 0:
        raise ValueError(f"tile index must not be negative, got {n}")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``."""
    _check_width(width)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(index)}{suffix}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``."""
    _check_width(width)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{encode_index(index)}{suffix}"


_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]{0,2})/"
    r"(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


@dataclass(frozen=True, slots=True)
class TilePath:
    """A parsed tile path; ``level`` is None for an entry bundle."""

    level: int | None
    index: int
    width: int

    @classmethod
    def from_text(cls, path: str) -> TilePath:
        m = _PATH.fullmatch(path)
        if not m:
            raise MalformedError(f"{path!r} is not a tlog-tiles path")
        groups = m["index"].split("/")
        if len(groups) > 1 and groups[0] == "x000":
            raise MalformedError(f"{path!r}: tile index has a leading zero group")
        index = int("".join(g.lstrip("x") for g in groups))
        width = int(m["width"]) if m["width"] else TILE_WIDTH
        if m["width"] and width >= TILE_WIDTH:
            raise MalformedError(f"{path!r}: partial width must be below {TILE_WIDTH}")
        level = None if m["level"] == "entries" else int(m["level"])
        return cls(level=level, index=index, width=width)

    def __str__(self) -> str:
        if self.level is None:
            return entries_path(self.index, self.width)
        return tile_path(self.level, self.index, self.width)


def _check_width(width: int) -> None:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width must be 1..{TILE_WIDTH}, got {width}")


def tiles_for_size(size: int) -> Iterator[tuple[int, int, int]]:
    """Every hash tile ``(level, index, width)`` that a tree of ``size`` leaves publishes."""
    level = 0
    while (count := size >> (TILE_HEIGHT * level)) > 0:
        for index in range(count >> TILE_HEIGHT):
            yield level, index, TILE_WIDTH
        if rest := count & (TILE_WIDTH - 1):
            yield level, count >> TILE_HEIGHT, rest
        level += 1


def bundles_for_size(size: int) -> Iterator[tuple[int, int]]:
    """Every entry bundle ``(index, width)`` that a log of ``size`` entries publishes."""
    for index in range(size >> TILE_HEIGHT):
        yield index, TILE_WIDTH
    if rest := size & (TILE_WIDTH - 1):
        yield size >> TILE_HEIGHT, rest


# -- entry bundles -----------------------------------------------------------------------------


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries as a bundle: each a big-endian uint16 length followed by its bytes."""
    out = bytearray()
    for i, e in enumerate(entries):
        if len(e) > MAX_ENTRY_SIZE:
            raise MalformedError(f"entry {i} is {len(e)} bytes; a bundle holds at most 65535")
        out += len(e).to_bytes(2, "big")
        out += e
    return bytes(out)


def decode_bundle(data: bytes, *, count: int, where: str = "bundle") -> list[bytes]:
    """Split a bundle into exactly ``count`` entries, or say where it goes wrong."""
    entries: list[bytes] = []
    pos, end = 0, len(data)
    mv = memoryview(data)
    while pos < end:
        if len(entries) == count:
            raise MalformedError(
                f"{where}: {end - pos} bytes left over after the expected {count} entries"
            )
        if pos + 2 > end:
            raise MalformedError(f"{where}: truncated length prefix of entry {len(entries)}")
        n = (data[pos] << 8) | data[pos + 1]
        pos += 2
        if pos + n > end:
            raise MalformedError(
                f"{where}: entry {len(entries)} is truncated: needs {n} bytes, {end - pos} left"
            )
        entries.append(bytes(mv[pos : pos + n]))
        pos += n
    if len(entries) != count:
        raise MalformedError(f"{where}: expected {count} entries, found {len(entries)}")
    return entries


# -- hash tiles --------------------------------------------------------------------------------


def decode_hash_tile(data: bytes, *, width: int, where: str = "tile") -> list[bytes]:
    """The ``width`` hashes of a published hash tile."""
    if len(data) != width * HASH_SIZE:
        raise MalformedError(
            f"{where}: expected {width} hashes ({width * HASH_SIZE} bytes), got {len(data)} bytes"
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def expand_tile(bottom: Sequence[bytes]) -> bytes:
    """A tile's bottom hashes followed by every complete node of its inner levels."""
    out = bytearray(b"".join(bottom))
    row = list(bottom)
    for _ in range(1, TILE_HEIGHT):
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        out += b"".join(row)
    return bytes(out)


def tile_root(bottom: Sequence[bytes]) -> bytes:
    """The hash of a full tile's whole subtree: one hash of the tree level 8(L+1)."""
    if len(bottom) != TILE_WIDTH:
        raise ProofError(f"only a full tile has a root; this one has {len(bottom)} hashes")
    row = list(bottom)
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
    return row[0]


# The expanded length grows strictly with the width, so it identifies the width.
_WIDTH_OF_LENGTH = {
    sum(w >> s for s in range(TILE_HEIGHT)) * HASH_SIZE: w for w in range(1, TILE_WIDTH + 1)
}


def expanded_width(expanded: bytes) -> int:
    """The bottom width of an expanded tile, from its length."""
    try:
        return _WIDTH_OF_LENGTH[len(expanded)]
    except KeyError:
        raise MalformedError(
            f"{len(expanded)} bytes is not the length of an expanded tile"
        ) from None


def _offset(width: int, sublevel: int) -> int:
    return sum(width >> s for s in range(sublevel))


def tile_of(node: Node) -> tuple[TileKey, int, int]:
    """Which tile holds a node: ``((level, index), sublevel, position)``."""
    level, index = node
    tile_level, sub = divmod(level, TILE_HEIGHT)
    per_tile = TILE_WIDTH >> sub
    return (tile_level, index // per_tile), sub, index % per_tile


def node_in_tile(expanded: bytes, width: int, sublevel: int, position: int) -> bytes | None:
    """The hash at ``(sublevel, position)`` of an expanded tile, or None if not yet complete."""
    if position >= width >> sublevel:
        return None
    at = (_offset(width, sublevel) + position) * HASH_SIZE
    return expanded[at : at + HASH_SIZE]


class TileHashReader:
    """A :class:`~jointzone.tlog.HashReader` over expanded tiles fetched by ``fetch``.

    ``fetch`` receives the distinct tiles a request needs and returns their expanded bytes; it is
    called once per request, so a proof costs one round trip to storage.
    """

    def __init__(self, fetch: Callable[[Sequence[TileKey]], Mapping[TileKey, bytes]]) -> None:
        self._fetch = fetch

    def read_hashes(self, nodes: Sequence[Node], /) -> list[bytes]:
        where = [tile_of(n) for n in nodes]
        keys = list(dict.fromkeys(key for key, _, _ in where))
        tiles = self._fetch(keys)
        out: list[bytes] = []
        for node, (key, sub, pos) in zip(nodes, where, strict=True):
            blob = tiles.get(key)
            h = None if blob is None else node_in_tile(blob, expanded_width(blob), sub, pos)
            if h is None:
                raise ProofError(f"node {node} is not stored (tile {key} missing or incomplete)")
            out.append(h)
        return out


def grow_expanded_tiles(
    size: int,
    new_leaf_hashes: Sequence[bytes],
    right_edge: Callable[[int], Sequence[bytes]],
) -> dict[TileKey, bytes]:
    """Every tile that appending ``new_leaf_hashes`` at ``size`` touches, expanded.

    ``right_edge(level)`` returns the bottom hashes of the partial tile at the right edge of
    ``level`` (called only where one exists). Each touched tile maps to its expanded bytes (see
    :func:`expand_tile`), ready to store; a tile completed at one level feeds its root — the hash
    of its two top inner nodes, already computed by the expansion — to the level above.
    """
    out: dict[TileKey, bytes] = {}
    carry = list(new_leaf_hashes)
    level = 0
    while carry:
        before = size >> (TILE_HEIGHT * level)
        index, used = divmod(before, TILE_WIDTH)
        row = list(right_edge(level)) if used else []
        if len(row) != used:
            raise ProofError(
                f"partial tile {level}/{index} should hold {used} hashes, holds {len(row)}"
            )
        row += carry
        carry = []
        for start in range(0, len(row), TILE_WIDTH):
            bottom = row[start : start + TILE_WIDTH]
            expanded = expand_tile(bottom)
            out[(level, index)] = expanded
            if len(bottom) == TILE_WIDTH:
                top = len(expanded) - 2 * HASH_SIZE
                carry.append(
                    node_hash(expanded[top : top + HASH_SIZE], expanded[top + HASH_SIZE :])
                )
            index += 1
        level += 1
    return out


def grow_tiles(
    size: int,
    new_leaf_hashes: Sequence[bytes],
    right_edge: Callable[[int], Sequence[bytes]],
) -> dict[TileKey, list[bytes]]:
    """Like :func:`grow_expanded_tiles`, giving each touched tile's bottom hashes only."""
    out: dict[TileKey, list[bytes]] = {}
    for key, expanded in grow_expanded_tiles(size, new_leaf_hashes, right_edge).items():
        width = expanded_width(expanded)
        out[key] = decode_hash_tile(expanded[: width * HASH_SIZE], width=width)
    return out
