"""A tiles directory written straight from :class:`~jointzone.tlog.MemoryTree`.

It shares no code with :mod:`jointzone.publish`, so the verifier is tested against an independent
writer of the same format: the tree's own hashes at levels 0, 8, 16..., cut into tiles. A plain
module, not a conftest: pytest puts this directory on ``sys.path`` for its tests, and a second
``conftest`` module would collide with others under mypy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jointzone.tlog import (
    TILE_HEIGHT,
    Checkpoint,
    MemoryTree,
    Signer,
    bundles_for_size,
    encode_bundle,
    entries_path,
    sign_note,
    tile_path,
    tiles_for_size,
)

ORIGIN = "test.jointzone.example/log"
SIGNERS = (Signer.generate("alpha.node.example"), Signer.generate("beta.node.example"))
VERIFIERS = tuple(s.verifier for s in SIGNERS)


def entries_of(size: int, salt: str = "") -> list[bytes]:
    """``size`` entries of varied lengths, some empty, different for each salt."""
    return [
        b"" if i % 50 == 7 else f"{salt}entry {i}:".encode() + b"x" * (i * 7 % 301)
        for i in range(size)
    ]


def write_tiles_from_tree(
    directory: Path,
    entries: Sequence[bytes],
    signers: Sequence[Signer] = SIGNERS,
    *,
    origin: str = ORIGIN,
) -> bytes:
    """Write checkpoint, hash tiles and bundles for ``entries``; return the checkpoint note."""
    tree = MemoryTree(entries)
    size = tree.size
    for level, index, width in tiles_for_size(size):
        first = index << TILE_HEIGHT
        nodes = [(TILE_HEIGHT * level, first + i) for i in range(width)]
        _write(directory / tile_path(level, index, width), b"".join(tree.read_hashes(nodes)))
    for index, width in bundles_for_size(size):
        first = index << TILE_HEIGHT
        _write(
            directory / entries_path(index, width), encode_bundle(entries[first : first + width])
        )
    note = sign_note(Checkpoint(origin, size, tree.root()).to_text(), signers).to_bytes()
    _write(directory / "checkpoint", note)
    return note


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
