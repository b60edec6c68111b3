"""Export the log as a C2SP tlog-tiles directory of static files.

The export streams the store's entries bundle by bundle, so its memory does not grow with the
log. It is incremental: tiles and bundles already present with the right bytes are left alone,
so re-exporting a grown log writes only what is new. The checkpoint goes last, after everything
it refers to is on disk, so a mirror copying the directory never holds a checkpoint ahead of its
tiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from jointzone.publish._writer import StaticWriter
from jointzone.publish.errors import CheckpointError, ConflictError
from jointzone.store import LogStore
from jointzone.tlog import (
    TILE_HEIGHT,
    Checkpoint,
    MalformedError,
    Note,
    bundles_for_size,
    encode_bundle,
    entries_path,
    tile_path,
    tiles_for_size,
)

CHECKPOINT_NAME = "checkpoint"
_MAX_CHECKPOINT_READ = 1 << 20

Progress = Callable[[int, int], None]
"""Called as ``progress(entries_exported, entries_total)`` while the bundles are written."""

_PROGRESS_EVERY = 64
"""Bundles between progress calls."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export did: the checkpoint it published and how many files it wrote or kept."""

    directory: Path
    size: int
    root: bytes
    written: int
    unchanged: int


def export_tiles(
    store: LogStore,
    directory: str | Path,
    *,
    checkpoint_note: bytes,
    progress: Progress | None = None,
) -> ExportReport:
    """Write ``checkpoint``, every hash tile and every entry bundle for the checkpoint's size.

    The checkpoint must be one of the store's log: its size within the store and its root the
    store's root at that size (signatures are the signers' business, not the publisher's). The
    directory may already hold an earlier export of the same log; it must not hold another
    log's tiles or a newer checkpoint.
    """
    root_dir = Path(directory)
    checkpoint = _parse(checkpoint_note)
    _check_against_store(store, checkpoint)
    writer = StaticWriter(root_dir)
    _check_against_published(writer, checkpoint, store)
    size = checkpoint.size
    entries = store.iter_entries(0, size)
    for index, width in bundles_for_size(size):
        writer.put_immutable(
            entries_path(index, width), encode_bundle(list(islice(entries, width)))
        )
        if progress is not None and index % _PROGRESS_EVERY == 0:
            progress(index << TILE_HEIGHT, size)
    for level, index, width in tiles_for_size(size):
        writer.put_immutable(
            tile_path(level, index, width), store.published_tile(level, index, width)
        )
    # The checkpoint must not reach the disk before the tiles it refers to.
    writer.sync()
    if writer.read(CHECKPOINT_NAME, limit=len(checkpoint_note) + 1) != checkpoint_note:
        writer.replace(CHECKPOINT_NAME, checkpoint_note, durable=True)
    if progress is not None:
        progress(size, size)
    return ExportReport(
        directory=root_dir,
        size=size,
        root=checkpoint.root,
        written=writer.written,
        unchanged=writer.unchanged,
    )


def _parse(note_bytes: bytes, where: str = "checkpoint to publish") -> Checkpoint:
    try:
        return Checkpoint.from_text(Note.from_bytes(note_bytes).text)
    except MalformedError as e:
        raise CheckpointError(f"{where}: {e}") from e


def _check_against_store(store: LogStore, checkpoint: Checkpoint) -> None:
    stored = store.size()
    if checkpoint.size > stored:
        raise CheckpointError(
            f"the checkpoint is for {checkpoint.size:,} entries, but the store holds {stored:,}"
        )
    root = store.root(checkpoint.size)
    if root != checkpoint.root:
        raise CheckpointError(
            f"the checkpoint signs root {checkpoint.root.hex()} for size {checkpoint.size:,}, "
            f"but the store's root at that size is {root.hex()}: it is another log's checkpoint"
        )


def _check_against_published(writer: StaticWriter, checkpoint: Checkpoint, store: LogStore) -> None:
    """Refuse to move a published checkpoint back, or onto another log.

    Checked before any file is written: a fork found half-way would leave the other log's new
    files behind, and they would block this log's own later exports.
    """
    data = writer.read(CHECKPOINT_NAME, limit=_MAX_CHECKPOINT_READ)
    if data is None:
        return
    where = f"{writer.root / CHECKPOINT_NAME}"
    try:
        published = _parse(data, where)
    except CheckpointError as e:
        raise ConflictError(f"{e}; move it away to publish here") from e
    if published.origin != checkpoint.origin:
        raise ConflictError(
            f"{where} is of the log {published.origin!r}, not {checkpoint.origin!r}: "
            "export into another directory"
        )
    if published.size > checkpoint.size:
        raise ConflictError(
            f"{where} is already at size {published.size:,}, newer than the {checkpoint.size:,} "
            "being exported: publishing it would move the log back"
        )
    ours = store.root(published.size)
    if published.root != ours:
        raise ConflictError(
            f"{where} signs root {published.root.hex()} at size {published.size:,}, but the "
            f"store's root at that size is {ours.hex()}: the directory holds another log under "
            "the same origin"
        )
