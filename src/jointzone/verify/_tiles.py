"""Verify a published tlog-tiles directory offline, streaming, in flat memory.

The verifier trusts nothing in the directory but the signatures of the keys it is given. It
reads the entry bundles in order, hashes every entry, and rebuilds the tree tile by tile: the
leaf hashes of bundle ``N`` must be level-0 tile ``N``, and the root of each full level-``L``
tile must be the next hash of level ``L+1``. Only the unfinished right edge of each level is
kept, at most 255 hashes a level, so memory is O(256 x levels) however long the log.

The root of any prefix the caller asks about (older checkpoints) is folded from that edge at
the moment the stream passes the prefix's size, so consistency costs no second pass.

What the entries say is not this module's to know. A caller that knows (``jointzone verify-log
--judge``, which replays the acts as a witness does) passes a :data:`Judge`, and every entry is
handed to it in log order once its bundle's hashes are checked: memory is then whatever the
judge keeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from jointzone.tlog import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    MalformedError,
    Node,
    Note,
    NoteVerifier,
    SignatureError,
    TilePath,
    decode_bundle,
    open_note,
    tiles_for_size,
    tree_root,
)
from jointzone.verify._files import CHECKPOINT_PATH, TileDirectory, read_checkpoint_file
from jointzone.verify._http import TileURL, is_url
from jointzone.verify._report import Report
from jointzone.verify.errors import (
    CheckpointSignatureError,
    EntryRefusedError,
    HashMismatchError,
    InconsistentCheckpointError,
    MalformedFileError,
    RootMismatchError,
    UsageError,
)

Progress = Callable[[int, int], None]
"""Called as ``progress(entries_verified, entries_total)`` while the entries stream."""

Judge = Callable[[int, bytes], None]
"""Called as ``judge(index, entry)`` for every entry, in log order from entry 0, once the
entry's bundle agrees with its hash tile; raises
:class:`~jointzone.verify.errors.EntryRefusedError` to refuse the entry. After a refusal it is
called no more."""

_PROGRESS_EVERY = 64
"""Bundles between progress calls: often enough for a smooth bar, rare enough to cost nothing."""

# hashlib called directly, not through tlog's node_hash: the inner loop runs once per entry and
# a Python function call per hash costs about a tenth of the throughput.
_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class _Older:
    """An older checkpoint to check against the stream, and how to name it in messages."""

    name: str
    checkpoint: Checkpoint
    data: bytes


KeysAt = Callable[[int], Sequence[NoteVerifier]]
"""Called as ``keys_at(size)`` once every entry is read: the node keys that sign a checkpoint of
that size, as the judged entries or the key changes followed declare them (see
:func:`verify_tiles`)."""


class TileSource(Protocol):
    """Where the published files are read from: a directory on disk, or a URL prefix.

    The verifier asks for files by their place in the layout, never by name, so each source
    decides how it reads one, and which file (a partial tile's full tile) stands in for a
    missing one. ``hash_tile`` returns the path read and exactly ``width`` hashes; ``bundle``
    the path read, its bytes, and whether more than ``width`` entries may follow (only when a
    full bundle stands in for a partial one). Each raises a
    :class:`~jointzone.verify.errors.VerifyError` for what it cannot read.
    """

    def read_checkpoint(self) -> bytes: ...

    def hash_tile(self, level: int, index: int, width: int) -> tuple[str, bytes]: ...

    def bundle(self, index: int, width: int) -> tuple[str, bytes, bool]: ...


@contextmanager
def _opened(source: str | Path | TileSource) -> Iterator[TileSource]:
    """``source`` as a :class:`TileSource`; a URL's connections are closed afterwards.

    Only a ``str`` can be a URL: a :class:`~pathlib.Path` is always a directory.
    """
    if isinstance(source, str) and is_url(source):
        with TileURL(source) as files:
            yield files
    elif isinstance(source, str | Path):
        yield TileDirectory(Path(source))
    else:
        yield source


def verify_tiles(
    source: str | Path | TileSource,
    verifiers: Sequence[NoteVerifier],
    *,
    older_checkpoints: Sequence[bytes | Path] = (),
    require: Literal["any", "all"] = "all",
    progress: Progress | None = None,
    judge: Judge | None = None,
    keys_at: KeysAt | None = None,
) -> Report:
    """Verify a published log against the keys given, or raise naming the first discrepancy.

    ``source`` is a tiles directory, the ``http://`` or ``https://`` URL prefix of a log
    served over HTTP (read with the same bounds as a directory), or a :class:`TileSource`.

    The checkpoint must carry a valid signature from every key in ``verifiers`` (a checkpoint is
    final only with every party node's signature; ``require="any"`` relaxes that). Every entry
    bundle and hash tile its size requires must be present and agree with the entries, and the
    entries' root must be the checkpoint's. Each older checkpoint (note bytes, or a file to read
    them from) must be signed the same way, be of the same origin and no larger, and its root
    must be the root of that many first entries. With ``judge``, every entry must also pass it
    (see :data:`Judge`); a refusal is raised once the tree has verified, so a damaged file is
    reported as that.

    With ``keys_at``, the checkpoints are opened only once every entry is read (and judged),
    with the keys ``keys_at`` gives for their sizes, not with ``verifiers``: so a log whose node
    keys were rotated since its genesis verifies from the genesis keys alone, each later key
    learnt from the judged entry that declared it, or from a key change already followed.

    Raises :class:`~jointzone.verify.errors.VerificationError` (a subclass names the kind) for
    the first discrepancy found and :class:`~jointzone.verify.errors.UsageError` when it cannot
    start.
    """
    if require not in ("any", "all"):
        raise UsageError(f"require must be 'any' or 'all', got {require!r}")
    if not verifiers:
        raise UsageError("no verifier keys given: a checkpoint cannot be trusted without one")
    # Opened now with the keys given, or (keys_at) read now and opened once judged.
    given = verifiers if keys_at is None else None
    with _opened(source) as files:
        data = files.read_checkpoint()
        checkpoint, signers = _open_checkpoint(
            data, given, require=require, name=CHECKPOINT_PATH, path=CHECKPOINT_PATH
        )
        olders = [_open_older(i, item, given, require) for i, item in enumerate(older_checkpoints)]
        for older in olders:
            _check_older_fits(older, checkpoint)
        rebuild = _Rebuild(files, checkpoint.size, olders, progress, judge)
        root = rebuild.run()
    if root != checkpoint.root:
        raise RootMismatchError(
            f"{CHECKPOINT_PATH}: the {checkpoint.size:,} entries and their tiles agree, but "
            f"their root is {root.hex()} while the checkpoint signs {checkpoint.root.hex()}",
            path=CHECKPOINT_PATH,
        )
    if rebuild.refused is not None:
        raise rebuild.refused
    if keys_at is not None:
        _, signers = _open_checkpoint(
            data,
            keys_at(checkpoint.size),
            require=require,
            name=CHECKPOINT_PATH,
            path=CHECKPOINT_PATH,
        )
        for older in olders:
            verifiers_then = keys_at(older.checkpoint.size)
            _open_checkpoint(
                older.data, verifiers_then, require=require, name=older.name, path=None
            )
    return Report(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=checkpoint.root,
        signers=tuple(v.name for v in signers),
        older=tuple(o.checkpoint.size for o in olders),
        hashes=rebuild.hashes,
        first_leaf=rebuild.first_leaf,
        judged=judge is not None,
    )


def open_note_text(data: bytes) -> str:
    return Note.from_bytes(data).text


def read_checkpoint(source: str | Path | TileSource) -> bytes:
    """The published checkpoint's bytes (``source`` as for :func:`verify_tiles`), unverified."""
    with _opened(source) as files:
        return files.read_checkpoint()


def read_first_entry(source: str | Path | TileSource) -> bytes:
    """Entry 0 of a published log (``source`` as for :func:`verify_tiles`), unverified: the
    genesis, which names the parties and their node keys. Tie it to a verification with
    :attr:`Report.first_leaf`."""
    with _opened(source) as files:
        try:
            size = Checkpoint.from_text(open_note_text(files.read_checkpoint())).size
        except MalformedError as e:
            raise MalformedFileError(f"{CHECKPOINT_PATH}: {e}", path=CHECKPOINT_PATH) from e
        if size == 0:
            raise MalformedFileError(f"{CHECKPOINT_PATH}: the log is empty", path=CHECKPOINT_PATH)
        path, data, _ = files.bundle(0, min(size, TILE_WIDTH))
    try:
        return decode_bundle(data, count=min(size, TILE_WIDTH), where=path)[0]
    except MalformedError as e:
        raise MalformedFileError(str(e), path=path) from e


# -- checkpoints ---------------------------------------------------------------------------------


def _open_checkpoint(
    data: bytes,
    verifiers: Sequence[NoteVerifier] | None,
    *,
    require: Literal["any", "all"],
    name: str,
    path: str | None,
) -> tuple[Checkpoint, tuple[NoteVerifier, ...]]:
    """Check the signatures first: a text no key vouches for is not worth parsing further.
    With ``verifiers`` None, only parse (the signatures are checked later, by the caller).

    ``name`` starts every message; ``path`` is the file in the tiles directory, if it is one.
    """
    signers: tuple[NoteVerifier, ...] = ()
    try:
        if verifiers is None:
            note = Note.from_bytes(data)
        else:
            note, signers = open_note(data, verifiers, require=require)
    except MalformedError as e:
        raise MalformedFileError(f"{name}: {e}", path=path) from e
    except SignatureError as e:
        raise CheckpointSignatureError(f"{name}: {e}", path=path) from e
    try:
        checkpoint = Checkpoint.from_text(note.text)
    except MalformedError as e:
        raise MalformedFileError(f"{name}: {e}", path=path) from e
    return checkpoint, signers


def _open_older(
    position: int,
    item: bytes | Path,
    verifiers: Sequence[NoteVerifier] | None,
    require: Literal["any", "all"],
) -> _Older:
    if isinstance(item, bytes):
        name, data = f"older checkpoint {position + 1}", item
    else:
        name = f"older checkpoint {item}"
        data = read_checkpoint_file(item, name)
    checkpoint, _ = _open_checkpoint(data, verifiers, require=require, name=name, path=None)
    return _Older(name=name, checkpoint=checkpoint, data=data)


def _check_older_fits(older: _Older, current: Checkpoint) -> None:
    old = older.checkpoint
    if old.origin != current.origin:
        raise InconsistentCheckpointError(
            f"{older.name}: is of the log {old.origin!r}, expected this log's origin "
            f"{current.origin!r}"
        )
    if old.size > current.size:
        raise InconsistentCheckpointError(
            f"{older.name}: has size {old.size:,}, larger than the published checkpoint's "
            f"{current.size:,}: the published log has gone back"
        )


# -- the streaming rebuild -----------------------------------------------------------------------


class _Rebuild:
    """One pass over the entries, checking every tile and folding roots of older sizes."""

    def __init__(
        self,
        files: TileSource,
        size: int,
        olders: Iterable[_Older],
        progress: Progress | None,
        judge: Judge | None = None,
    ) -> None:
        self.files = files
        self.size = size
        self.progress = progress
        self.judge = judge
        self.refused: EntryRefusedError | None = None
        self.hashes = 0
        self.first_leaf: bytes | None = None
        # rows[L]: the hashes of tree level 8L not yet gathered into a full level-L tile.
        # rows[0] stays empty while streaming: a full bundle's leaves go straight into a root.
        self.rows: list[list[bytes]] = [[]]
        self.full_tiles: list[int] = [0]
        self.olders_at: dict[int, list[_Older]] = {}
        for older in olders:
            self.olders_at.setdefault(older.checkpoint.size >> TILE_HEIGHT, []).append(older)

    def run(self) -> bytes:
        """Stream every bundle, check every tile; return the root of the whole log."""
        size, push = self.size, self._push
        full_bundles = size >> TILE_HEIGHT
        for index in range(full_bundles):
            leaves = self._bundle_leaves(index, TILE_WIDTH)
            if index in self.olders_at:
                self._check_olders(index, leaves)
            self.hashes += TILE_WIDTH - 1
            push(1, _subtree_root(leaves))
            if self.progress is not None and index % _PROGRESS_EVERY == 0:
                self.progress(index << TILE_HEIGHT, size)
        rest = size & (TILE_WIDTH - 1)
        leaves = self._bundle_leaves(full_bundles, rest) if rest else []
        self.rows[0] = leaves
        if full_bundles in self.olders_at:
            self._check_olders(full_bundles, leaves)
        self._check_partial_tiles()
        if self.progress is not None:
            self.progress(size, size)
        return self._root_at(size, leaves)

    def _bundle_leaves(self, index: int, width: int) -> list[bytes]:
        """The leaf hashes of bundle ``index``, checked against level-0 tile ``index``."""
        bundle_path, data, more_allowed = self.files.bundle(index, width)
        leaves = _leaf_hashes(
            data, width, first=index << TILE_HEIGHT, path=bundle_path, exact=not more_allowed
        )
        self.hashes += width
        if index == 0 and leaves:
            self.first_leaf = leaves[0]
        tile_path, tile = self.files.hash_tile(0, index, width)
        if b"".join(leaves) != tile:
            position = _first_difference(leaves, tile)
            entry = (index << TILE_HEIGHT) + position
            found = tile[position * HASH_SIZE : (position + 1) * HASH_SIZE]
            raise HashMismatchError(
                f"{tile_path}: hash {position} should be the leaf hash of entry {entry:,} "
                f"(in {bundle_path}), {leaves[position].hex()}, but the tile holds {found.hex()}",
                path=tile_path,
                entry=entry,
                expected=leaves[position],
                found=found,
            )
        if self.judge is not None and self.refused is None:
            self._judge(index << TILE_HEIGHT, data, width, bundle_path)
        return leaves

    def _judge(self, first: int, data: bytes, width: int, path: str) -> None:
        """Hand the bundle's ``width`` entries to the judge, in order, until one is refused
        (the bundle parsed already, so its lengths hold)."""
        assert self.judge is not None
        pos = 0
        for index in range(first, first + width):
            n = (data[pos] << 8) | data[pos + 1]
            pos += 2
            try:
                self.judge(index, data[pos : pos + n])
            except EntryRefusedError as e:
                if e.path is None:
                    e.path = path
                if e.entry is None:
                    e.entry = index
                self.refused = e
                return
            pos += n

    def _push(self, level: int, h: bytes) -> None:
        """Add a hash of tree level 8*level; check and climb when it completes a tile."""
        if level == len(self.rows):
            self.rows.append([])
            self.full_tiles.append(0)
        row = self.rows[level]
        row.append(h)
        if len(row) < TILE_WIDTH:
            return
        index = self.full_tiles[level]
        path, tile = self.files.hash_tile(level, index, TILE_WIDTH)
        self._compare_row(level, index, row, path, tile)
        self.full_tiles[level] = index + 1
        self.rows[level] = []
        self.hashes += TILE_WIDTH - 1
        self._push(level + 1, _subtree_root(row))

    def _compare_row(
        self, level: int, index: int, row: list[bytes], path: str, tile: bytes
    ) -> None:
        """A tile above level 0 must hold the roots of the full tiles below it."""
        if b"".join(row) == tile:
            return
        position = _first_difference(row, tile)
        below = (index << TILE_HEIGHT) + position
        span = 1 << (TILE_HEIGHT * level)
        first = below * span
        found = tile[position * HASH_SIZE : (position + 1) * HASH_SIZE]
        raise HashMismatchError(
            f"{path}: hash {position} (entries {first:,} to {first + span - 1:,}) should be the "
            f"root of {TilePath(level - 1, below, TILE_WIDTH)}, {row[position].hex()}, but the "
            f"tile holds {found.hex()}",
            path=path,
            entry=first,
            expected=row[position],
            found=found,
        )

    def _check_partial_tiles(self) -> None:
        """The right-edge tile of each level must hold what is left over on that level."""
        for level, index, width in tiles_for_size(self.size):
            # Level 0 was compared as its bundle was read; full tiles as they filled.
            if level == 0 or width == TILE_WIDTH:
                continue
            path, tile = self.files.hash_tile(level, index, width)
            self._compare_row(level, index, self.rows[level], path, tile)

    def _check_olders(self, bundle: int, leaves: list[bytes]) -> None:
        """Fold the root of every older size that ends within this bundle and compare it."""
        base = bundle << TILE_HEIGHT
        for older in self.olders_at[bundle]:
            old = older.checkpoint
            root = self._root_at(old.size, leaves[: old.size - base])
            if root != old.root:
                raise InconsistentCheckpointError(
                    f"{older.name}: signs root {old.root.hex()} for size {old.size:,}, but the "
                    f"first {old.size:,} entries of this log have root {root.hex()}: the two "
                    "are not the same log",
                    entry=old.size - 1 if old.size else None,
                )

    def _root_at(self, size: int, leaves: list[bytes]) -> bytes:
        """The root of the first ``size`` entries, from the right edge as the stream has it.

        ``leaves`` are the hashes of the entries past the last full bundle below ``size``;
        every level above holds the state of that same point.
        """
        reader = _EdgeReader(size, [leaves, *self.rows[1:]])
        root = tree_root(size, reader)
        self.hashes += reader.hashes
        return root


class _EdgeReader:
    """A :class:`~jointzone.tlog.HashReader` over the right edge of a tree of ``size``.

    The complete subtrees that make up a root all lie in the partial tiles at the right edge,
    one level's worth each, so each is hashed up from the row the rebuild still holds.
    """

    def __init__(self, size: int, rows: list[list[bytes]]) -> None:
        self.size = size
        self.rows = rows
        self.hashes = 0

    def read_hashes(self, nodes: Sequence[Node], /) -> list[bytes]:
        # The caller folds the nodes into the root: one more hash for each after the first.
        self.hashes += max(len(nodes) - 1, 0)
        out: list[bytes] = []
        for level, index in nodes:
            tile_level, sublevel = divmod(level, TILE_HEIGHT)
            row_start = (self.size >> (TILE_HEIGHT * tile_level)) & ~(TILE_WIDTH - 1)
            start = (index << sublevel) - row_start
            part = self.rows[tile_level][start : start + (1 << sublevel)]
            self.hashes += len(part) - 1
            out.append(_subtree_root(part))
        return out


# -- the hot loop --------------------------------------------------------------------------------


def _leaf_hashes(data: bytes, count: int, *, first: int, path: str, exact: bool) -> list[bytes]:
    """The RFC 6962 leaf hashes of a bundle's first ``count`` entries.

    The loop trusts the bytes and checks once at the end (an index past the end raises, a short
    slice leaves ``pos`` past the end); only a bad bundle pays for the careful second parse that
    names what is wrong.
    """
    sha = _sha256
    out: list[bytes] = []
    append = out.append
    pos = 0
    try:
        for _ in range(count):
            n = (data[pos] << 8) | data[pos + 1]
            pos += 2
            end = pos + n
            append(sha(b"\x00" + data[pos:end]).digest())
            pos = end
    except IndexError:
        pos = -1
    if pos < 0 or pos > len(data) or (exact and pos != len(data)):
        _explain_bundle(data, count, first=first, path=path, exact=exact)
    return out


def _explain_bundle(data: bytes, count: int, *, first: int, path: str, exact: bool) -> None:
    """Parse a bundle the fast loop rejected, and raise saying where it goes wrong."""
    pos, end = 0, len(data)
    for i in range(count):
        entry = first + i
        if pos == end:
            raise MalformedFileError(
                f"{path}: expected {count} entries, found {i}: the bundle ends before entry "
                f"{entry:,}",
                path=path,
                entry=entry,
            )
        if pos + 2 > end:
            raise MalformedFileError(
                f"{path}: entry {entry:,} is truncated: expected a 2-byte length, found 1 byte",
                path=path,
                entry=entry,
            )
        n = (data[pos] << 8) | data[pos + 1]
        pos += 2
        if pos + n > end:
            raise MalformedFileError(
                f"{path}: entry {entry:,} is truncated: its length says {n:,} bytes, "
                f"{end - pos:,} are left",
                path=path,
                entry=entry,
            )
        pos += n
    if exact and pos != end:
        raise MalformedFileError(
            f"{path}: expected {count} entries and nothing after them, found {end - pos:,} "
            f"more bytes after entry {first + count - 1:,}",
            path=path,
            entry=first + count - 1,
        )
    raise AssertionError(f"{path}: the bundle parses on a second look")  # pragma: no cover


def _subtree_root(row: list[bytes]) -> bytes:
    """The hash of the complete subtree whose bottom row is ``row`` (a power of two long)."""
    sha = _sha256
    while len(row) > 1:
        row = [sha(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row), 2)]
    return row[0]


def _first_difference(hashes: list[bytes], tile: bytes) -> int:
    for i, h in enumerate(hashes):
        if tile[i * HASH_SIZE : (i + 1) * HASH_SIZE] != h:
            return i
    raise AssertionError("the tile matches after all")  # pragma: no cover
