"""Exporting a store as tlog-tiles: the bytes, incremental re-exports, and what it refuses."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointzone.publish import (
    CheckpointError,
    ConflictError,
    ExportReport,
    WriteError,
    export_tiles,
)
from jointzone.store import LogStore, open_store
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
from jointzone.verify import verify_tiles

ORIGIN = "publish.jointzone.example/log"
SIGNERS = (Signer.generate("one.node.example"), Signer.generate("two.node.example"))
VERIFIERS = [s.verifier for s in SIGNERS]


def entry(i: int) -> bytes:
    return f"act {i}".encode() * (i % 5)


def grow(store: LogStore, size: int) -> None:
    store.append([entry(i) for i in range(store.size(), size)])


def checkpoint(store: LogStore, size: int | None = None, origin: str = ORIGIN) -> bytes:
    size = store.size() if size is None else size
    text = Checkpoint(origin, size, store.root(size)).to_text()
    return sign_note(text, SIGNERS).to_bytes()


def files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def store() -> Iterator[LogStore]:
    with open_store("sqlite://") as s:
        yield s


def test_export_writes_exactly_the_tlog_tiles_layout(store: LogStore, tmp_path: Path) -> None:
    grow(store, 600)
    note = checkpoint(store)
    report = export_tiles(store, tmp_path, checkpoint_note=note)

    entries = [entry(i) for i in range(600)]
    tree = MemoryTree(entries)
    want = {"checkpoint": note}
    for index, width in bundles_for_size(600):
        first = index << TILE_HEIGHT
        want[entries_path(index, width)] = encode_bundle(entries[first : first + width])
    for level, index, width in tiles_for_size(600):
        first = index << TILE_HEIGHT
        nodes = [(TILE_HEIGHT * level, first + i) for i in range(width)]
        want[tile_path(level, index, width)] = b"".join(tree.read_hashes(nodes))
    assert files(tmp_path) == want
    assert report == ExportReport(
        directory=tmp_path, size=600, root=tree.root(), written=len(want) - 1, unchanged=0
    )


def test_files_are_world_readable_and_no_temporary_file_is_left(
    store: LogStore, tmp_path: Path
) -> None:
    grow(store, 300)
    old_umask = os.umask(0o022)
    try:
        export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))
    finally:
        os.umask(old_umask)
    for p in tmp_path.rglob("*"):
        assert not p.name.startswith("."), p
        if p.is_file():
            assert stat.S_IMODE(p.stat().st_mode) == 0o644, p


def test_reexport_of_a_grown_log_writes_only_what_is_new(store: LogStore, tmp_path: Path) -> None:
    grow(store, 300)
    first = checkpoint(store)
    export_tiles(store, tmp_path, checkpoint_note=first)
    before = files(tmp_path)

    grow(store, 1000)
    report = export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))
    # Kept: bundle 0 and tile 0/0, full at 300 already. Old partial tiles stay for old readers.
    assert report.unchanged == 2
    after = files(tmp_path)
    assert {k: v for k, v in after.items() if k in before and k != "checkpoint"} == {
        k: v for k, v in before.items() if k != "checkpoint"
    }
    assert report.written == len(after) - len(before)
    result = verify_tiles(tmp_path, VERIFIERS, older_checkpoints=[first])
    assert (result.size, result.older) == (1000, (300,))

    again = export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))
    assert (again.written, again.unchanged) == (0, report.written + report.unchanged)


def test_the_checkpoint_goes_last_so_a_failed_export_publishes_nothing_new(
    store: LogStore, tmp_path: Path
) -> None:
    grow(store, 300)
    first = checkpoint(store)
    export_tiles(store, tmp_path, checkpoint_note=first)
    grow(store, 600)
    # Something in the way of the last bundle the export will write.
    (tmp_path / entries_path(2, 88)).mkdir(parents=True)
    with pytest.raises(WriteError, match=r"tile/entries/002\.p/88"):
        export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))
    assert (tmp_path / "checkpoint").read_bytes() == first
    assert verify_tiles(tmp_path, VERIFIERS).size == 300


def test_an_older_checkpoint_can_be_exported_from_a_grown_store(
    store: LogStore, tmp_path: Path
) -> None:
    grow(store, 700)
    report = export_tiles(store, tmp_path, checkpoint_note=checkpoint(store, 257))
    assert report.size == 257
    assert verify_tiles(tmp_path, VERIFIERS).size == 257


def test_empty_log(store: LogStore, tmp_path: Path) -> None:
    export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))
    assert list(files(tmp_path)) == ["checkpoint"]
    assert verify_tiles(tmp_path, VERIFIERS).size == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=3))
def test_export_then_verify_round_trip(
    sizes: list[int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = tmp_path_factory.mktemp("tiles")
    published: list[bytes] = []
    with open_store("sqlite://") as store:
        for size in sorted(sizes):
            grow(store, size)
            note = checkpoint(store)
            export_tiles(store, directory, checkpoint_note=note)
            report = verify_tiles(directory, VERIFIERS, older_checkpoints=published)
            assert report.size == size
            assert report.root == store.root()
            published.append(note)


# -- what an export refuses ----------------------------------------------------------------------


def test_checkpoint_of_another_root(store: LogStore, tmp_path: Path) -> None:
    grow(store, 10)
    note = sign_note(Checkpoint(ORIGIN, 10, bytes(32)).to_text(), SIGNERS).to_bytes()
    with pytest.raises(CheckpointError, match="the store's root at that size is"):
        export_tiles(store, tmp_path, checkpoint_note=note)
    assert not tmp_path.joinpath("checkpoint").exists()


def test_checkpoint_beyond_the_store(store: LogStore, tmp_path: Path) -> None:
    grow(store, 10)
    note = sign_note(Checkpoint(ORIGIN, 11, bytes(32)).to_text(), SIGNERS).to_bytes()
    with pytest.raises(CheckpointError, match="for 11 entries, but the store holds 10"):
        export_tiles(store, tmp_path, checkpoint_note=note)


def test_malformed_checkpoint(store: LogStore, tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="checkpoint to publish: note"):
        export_tiles(store, tmp_path, checkpoint_note=b"not a note")


def test_moving_the_published_checkpoint_back(store: LogStore, tmp_path: Path) -> None:
    grow(store, 500)
    export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))
    with pytest.raises(ConflictError, match="already at size 500, newer than the 400"):
        export_tiles(store, tmp_path, checkpoint_note=checkpoint(store, 400))


def test_directory_of_another_log(store: LogStore, tmp_path: Path) -> None:
    grow(store, 300)
    export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))
    with open_store("sqlite://") as other:
        other.append([b"another " + entry(i) for i in range(400)])
        with pytest.raises(ConflictError, match="holds another log under the same origin"):
            export_tiles(other, tmp_path, checkpoint_note=checkpoint(other))
        with pytest.raises(ConflictError, match=r"is of the log 'publish\.jointzone\.example/log'"):
            export_tiles(other, tmp_path, checkpoint_note=checkpoint(other, origin="b.example"))
        # Without a checkpoint to tell, the tiles themselves conflict; none is overwritten.
        (tmp_path / "checkpoint").unlink()
        with pytest.raises(ConflictError, match=r"tile/entries/000 already exists with other"):
            export_tiles(other, tmp_path, checkpoint_note=checkpoint(other))
    (tmp_path / "checkpoint").write_bytes(checkpoint(store))
    assert verify_tiles(tmp_path, VERIFIERS).size == 300


def test_unreadable_published_checkpoint(store: LogStore, tmp_path: Path) -> None:
    (tmp_path / "checkpoint").write_bytes(b"garbage")
    with pytest.raises(ConflictError, match="move it away"):
        export_tiles(store, tmp_path, checkpoint_note=checkpoint(store))


def test_public_names() -> None:
    import jointzone.publish

    assert jointzone.publish.__all__ == [
        "CheckpointError",
        "ConflictError",
        "ExportReport",
        "Progress",
        "PublishError",
        "WriteError",
        "export_tiles",
    ]
