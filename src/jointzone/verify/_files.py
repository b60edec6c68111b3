"""Reading a published tiles directory: bounded reads, paths named in every error.

Every read is capped at the largest size the file's format allows, so a hostile or damaged
directory (a 10 GB file where a tile should be) costs the verifier an error, not its memory:
the size is judged from the file's metadata before any of it is read. Reads go through
:func:`jointzone.inputs.read_bytes`, so a FIFO or a device where a file should be is refused
without being opened in a way that could block.
"""

from __future__ import annotations

import os
from pathlib import Path

from jointzone import inputs
from jointzone.tlog import HASH_SIZE, MAX_ENTRY_SIZE, TILE_WIDTH, entries_path, tile_path
from jointzone.verify.errors import MalformedFileError, MissingFileError, UsageError

CHECKPOINT_PATH = "checkpoint"
MAX_CHECKPOINT_SIZE = 1 << 20
"""A checkpoint note is a few lines and at most 100 signatures; a megabyte is far beyond that."""

FULL_TILE_SIZE = TILE_WIDTH * HASH_SIZE
_MAX_TILE_READ = 16 * FULL_TILE_SIZE
"""Tiles are read up to this size, so that a slightly wrong one gets the precise message."""
MAX_BUNDLE_SIZE = TILE_WIDTH * (2 + MAX_ENTRY_SIZE)
_TILE = "a hash tile"
_BUNDLE = "an entry bundle"


class TileDirectory:
    """The files of one tlog-tiles directory, read on demand and never cached.

    A partial tile or bundle that is missing is read from the full one at the same index when
    that exists: tlog-tiles lets a log delete partial tiles once the full tile is published and
    tells clients to fall back to it, so a mirror that pruned them is still a valid mirror.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = os.fspath(root)

    def read_checkpoint(self) -> bytes:
        data = self._read(CHECKPOINT_PATH, MAX_CHECKPOINT_SIZE, "a checkpoint")
        if data is None:
            if not self.root.is_dir():
                raise MissingFileError(
                    f"{self.root} is not a directory: expected a tlog-tiles directory "
                    "holding a checkpoint and tile/",
                    path=CHECKPOINT_PATH,
                )
            raise MissingFileError(
                f"{CHECKPOINT_PATH}: missing; a tlog-tiles directory starts with its checkpoint",
                path=CHECKPOINT_PATH,
            )
        return data

    def hash_tile(self, level: int, index: int, width: int) -> tuple[str, bytes]:
        """The path read and exactly ``width`` hashes of tile ``level/index``."""
        path = tile_path(level, index, width)
        data = self._read(path, _MAX_TILE_READ, _TILE)
        if data is None and width < TILE_WIDTH:
            full = tile_path(level, index)
            data = self._read(full, _MAX_TILE_READ, _TILE)
            if data is None:
                raise MissingFileError(
                    f"{path}: missing (and no full tile {full} to read its {width} hashes from)",
                    path=path,
                )
            _check_length(full, data, TILE_WIDTH)
            return full, data[: width * HASH_SIZE]
        if data is None:
            raise MissingFileError(f"{path}: missing", path=path)
        _check_length(path, data, width)
        return path, data

    def bundle(self, index: int, width: int) -> tuple[str, bytes, bool]:
        """The path read, its bytes, and whether more than ``width`` entries may follow.

        More may follow only when a partial bundle is read from the full one.
        """
        path = entries_path(index, width)
        data = self._read(path, MAX_BUNDLE_SIZE, _BUNDLE)
        if data is not None:
            return path, data, False
        if width < TILE_WIDTH:
            full = entries_path(index)
            data = self._read(full, MAX_BUNDLE_SIZE, _BUNDLE)
            if data is not None:
                return full, data, True
            raise MissingFileError(
                f"{path}: missing (and no full bundle {full} to read its {width} entries from)",
                path=path,
            )
        raise MissingFileError(f"{path}: missing", path=path)

    def _read(self, path: str, limit: int, what: str) -> bytes | None:
        """The file's bytes, None if it does not exist; refuses anything beyond ``limit``."""
        try:
            return inputs.read_bytes(os.path.join(self._root, path), limit=limit, what=what)
        except inputs.MissingInputError:
            return None
        except inputs.InputError as e:
            raise MalformedFileError(f"{path}: {e.problem}", path=path) from e


def read_checkpoint_file(path: Path, name: str) -> bytes:
    """The note in the checkpoint file at ``path`` (an older checkpoint the caller gives),
    bounded as a published one is; ``name`` names it in the :class:`UsageError` raised."""
    try:
        return inputs.read_bytes(path, limit=MAX_CHECKPOINT_SIZE, what="a checkpoint")
    except inputs.InputError as e:
        raise UsageError(f"{name}: cannot be read: {e.problem}") from e


def _check_length(path: str, data: bytes, width: int) -> None:
    if len(data) != width * HASH_SIZE:
        whole, rest = divmod(len(data), HASH_SIZE)
        found = f"{len(data):,} bytes" + (
            f" ({whole} hashes)" if not rest else f" ({whole} hashes and {rest} stray bytes)"
        )
        raise MalformedFileError(
            f"{path}: expected {width} hashes ({width * HASH_SIZE:,} bytes), found {found}",
            path=path,
        )
