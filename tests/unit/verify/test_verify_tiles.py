"""The offline verifier against tiles written by an independent writer (``tiles_factory``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiles_factory import (
    ORIGIN,
    SIGNERS,
    VERIFIERS,
    entries_of,
    write_tiles_from_tree,
)

from jointzone.tlog import (
    Checkpoint,
    MemoryTree,
    Signer,
    entries_path,
    leaf_hash,
    sign_note,
    tile_path,
)
from jointzone.verify import (
    CheckpointSignatureError,
    EntryRefusedError,
    HashMismatchError,
    InconsistentCheckpointError,
    MalformedFileError,
    MissingFileError,
    Report,
    RootMismatchError,
    UsageError,
    VerificationError,
    verify_tiles,
)

BIG = 65_536 + 300
"""Large enough for a full level-1 tile, a partial level-1 and a partial level-2 tile."""


def signed(
    size: int, root: bytes, signers: tuple[Signer, ...] = SIGNERS, origin: str = ORIGIN
) -> bytes:
    return sign_note(Checkpoint(origin, size, root).to_text(), signers).to_bytes()


def checkpoint_for(entries: list[bytes], size: int) -> bytes:
    return signed(size, MemoryTree(entries[:size]).root())


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    directory = tmp_path_factory.mktemp("big")
    entries = entries_of(BIG)
    write_tiles_from_tree(directory, entries)
    return directory, entries


@pytest.fixture
def big(big_log: tuple[Path, list[bytes]], tmp_path: Path) -> Path:
    """A private copy of the big log, free to damage."""
    copy = tmp_path / "tiles"
    shutil.copytree(big_log[0], copy)
    return copy


@pytest.fixture
def small(tmp_path: Path) -> Path:
    directory = tmp_path / "small"
    write_tiles_from_tree(directory, entries_of(600))
    return directory


# -- logs that verify ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2, 255, 256, 257, 511, 512, 513, 600])
def test_logs_of_edge_sizes_verify(tmp_path: Path, size: int) -> None:
    entries = entries_of(size)
    write_tiles_from_tree(tmp_path, entries)
    report = verify_tiles(tmp_path, VERIFIERS)
    assert report == Report(
        origin=ORIGIN,
        size=size,
        root=MemoryTree(entries).root(),
        signers=("alpha.node.example", "beta.node.example"),
        hashes=report.hashes,
        first_leaf=leaf_hash(entries[0]) if entries else None,
    )


def test_big_log_verifies_and_counts_its_hashes(big_log: tuple[Path, list[bytes]]) -> None:
    directory, entries = big_log
    report = verify_tiles(directory, VERIFIERS)
    assert report.root == MemoryTree(entries).root()
    # Every leaf once and every inner node of the tree once: no hash is computed twice.
    assert report.hashes == 2 * BIG - 1


def test_older_checkpoints_at_every_kind_of_boundary_are_consistent(
    big_log: tuple[Path, list[bytes]],
) -> None:
    directory, entries = big_log
    sizes = [0, 1, 255, 256, 257, 65_535, 65_536, 65_537, BIG - 1, BIG]
    olders = [checkpoint_for(entries, s) for s in sizes]
    report = verify_tiles(directory, VERIFIERS, older_checkpoints=olders)
    assert report.older == tuple(sizes)
    assert report.summary().endswith("; consistent with 10 older checkpoints")


def test_older_checkpoint_may_be_given_as_a_file(small: Path, tmp_path: Path) -> None:
    older = tmp_path / "older"
    older.write_bytes(checkpoint_for(entries_of(600), 100))
    assert verify_tiles(small, VERIFIERS, older_checkpoints=[older]).older == (100,)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), size=st.integers(min_value=0, max_value=1_400))
def test_any_size_verifies_with_any_older_size(data: st.DataObject, size: int) -> None:
    entries = entries_of(size, salt="h")
    olders = data.draw(st.lists(st.integers(min_value=0, max_value=size), max_size=3))
    with tempfile.TemporaryDirectory() as d:
        write_tiles_from_tree(Path(d), entries)
        report = verify_tiles(
            d, VERIFIERS, older_checkpoints=[checkpoint_for(entries, s) for s in olders]
        )
    assert report.root == MemoryTree(entries).root()
    assert report.older == tuple(olders)


def test_summary_is_one_line() -> None:
    report = Report(origin="o", size=1, root=bytes(32), signers=("a", "b"), older=(0,))
    assert report.summary() == (
        "ok: 1 entry, root AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, signed by a, b; "
        "consistent with 1 older checkpoint"
    )


def test_progress_reaches_the_end(small: Path) -> None:
    seen: list[tuple[int, int]] = []
    verify_tiles(small, VERIFIERS, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 600)
    assert seen[-1] == (600, 600)


def test_a_pruned_partial_tile_is_read_from_the_full_one(tmp_path: Path) -> None:
    # tlog-tiles lets a log delete partial tiles once the full one exists.
    entries = entries_of(512)
    write_tiles_from_tree(tmp_path, entries[:300])
    write_tiles_from_tree(tmp_path, entries)
    (tmp_path / "checkpoint").write_bytes(checkpoint_for(entries, 300))
    (tmp_path / tile_path(0, 1, 44)).unlink()
    (tmp_path / entries_path(1, 44)).unlink()
    assert verify_tiles(tmp_path, VERIFIERS).size == 300


def test_memory_stays_flat_as_the_log_grows(big_log: tuple[Path, list[bytes]]) -> None:
    directory = big_log[0]
    tracemalloc.start()
    try:
        verify_tiles(directory, VERIFIERS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One bundle, its hashes and 255 pending hashes a level: tens of kilobytes, not megabytes.
    assert peak < 512 * 1024


# -- a judge of the entries ---------------------------------------------------------------------


def test_a_judge_sees_every_entry_once_in_order(tmp_path: Path) -> None:
    entries = entries_of(600)
    write_tiles_from_tree(tmp_path, entries)
    seen: list[tuple[int, bytes]] = []
    report = verify_tiles(tmp_path, VERIFIERS, judge=lambda i, e: seen.append((i, e)))
    assert seen == list(enumerate(entries))
    assert report.judged
    assert report.summary().endswith("; every entry judged: signatures, consent, state transitions")
    assert not verify_tiles(tmp_path, VERIFIERS).judged


def test_an_entry_the_judge_refuses_is_named_and_judging_stops(tmp_path: Path) -> None:
    write_tiles_from_tree(tmp_path, entries_of(600))
    seen: list[int] = []

    def judge(index: int, entry: bytes) -> None:
        seen.append(index)
        if index == 300:
            raise EntryRefusedError(f"entry {index}: signed by a removed key")

    with pytest.raises(EntryRefusedError, match=r"^entry 300: signed by a removed key$") as e:
        verify_tiles(tmp_path, VERIFIERS, judge=judge)
    assert (e.value.entry, e.value.path) == (300, "tile/entries/001")
    assert seen == list(range(301))


def test_a_damaged_tree_is_reported_before_a_refused_entry(small: Path) -> None:
    flip(small / entries_path(2, 600 - 512), 10)

    def judge(index: int, entry: bytes) -> None:
        raise EntryRefusedError("refused")

    with pytest.raises(HashMismatchError):
        verify_tiles(small, VERIFIERS, judge=judge)


# -- entries and tiles that do not match ---------------------------------------------------------


def test_flipped_byte_in_an_entry_names_the_entry(big: Path) -> None:
    bundle = big / entries_path(3)
    data = bundle.read_bytes()
    # Entry 768 + 5: skip five entries, then two length bytes and one of content.
    pos = 0
    for _ in range(5):
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
    flip(bundle, pos + 2)
    with pytest.raises(HashMismatchError) as e:
        verify_tiles(big, VERIFIERS)
    assert e.value.entry == 773
    assert e.value.path == "tile/0/003"
    assert "entry 773 (in tile/entries/003)" in str(e.value)
    assert e.value.expected.hex() in str(e.value)
    assert e.value.found.hex() in str(e.value)


def test_flipped_byte_in_a_level_0_tile_names_hash_and_entry(big: Path) -> None:
    flip(big / tile_path(0, 200), 32 * 17 + 5)
    with pytest.raises(
        HashMismatchError,
        match=r"^tile/0/200: hash 17 should be the leaf hash "
        r"of entry 51,217",
    ) as e:
        verify_tiles(big, VERIFIERS)
    assert e.value.entry == 200 * 256 + 17


def test_flipped_byte_in_a_full_level_1_tile(big: Path) -> None:
    flip(big / tile_path(1, 0), 32 * 9)
    with pytest.raises(
        HashMismatchError,
        match=r"^tile/1/000: hash 9 \(entries 2,304 to 2,559\) should be the root of tile/0/009",
    ) as e:
        verify_tiles(big, VERIFIERS)
    assert e.value.entry == 2_304


def test_flipped_byte_in_a_partial_level_1_tile(big: Path) -> None:
    flip(big / tile_path(1, 1, 1), 0)
    with pytest.raises(HashMismatchError, match=r"^tile/1/001\.p/1: hash 0 "):
        verify_tiles(big, VERIFIERS)


def test_flipped_byte_in_a_level_2_tile(big: Path) -> None:
    flip(big / tile_path(2, 0, 1), 31)
    with pytest.raises(
        HashMismatchError, match=r"^tile/2/000\.p/1: hash 0 \(entries 0 to 65,535\)"
    ):
        verify_tiles(big, VERIFIERS)


def test_flipped_byte_in_the_last_partial_bundle(small: Path) -> None:
    flip(small / entries_path(2, 88), 40)
    with pytest.raises(HashMismatchError, match=r"^tile/0/002\.p/88: hash \d+ should be"):
        verify_tiles(small, VERIFIERS)


# -- malformed and missing files -----------------------------------------------------------------


def test_truncated_bundle_names_the_entry(small: Path) -> None:
    bundle = small / entries_path(1)
    bundle.write_bytes(bundle.read_bytes()[:-10])
    with pytest.raises(MalformedFileError, match=r"^tile/entries/001: entry 511 is truncated") as e:
        verify_tiles(small, VERIFIERS)
    assert e.value.entry == 511


def test_bundle_cut_at_an_entry_boundary_says_how_many_entries_it_has(small: Path) -> None:
    bundle = small / entries_path(0)
    data = bundle.read_bytes()
    pos = 0
    for _ in range(100):
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
    bundle.write_bytes(data[:pos])
    with pytest.raises(MalformedFileError, match="expected 256 entries, found 100"):
        verify_tiles(small, VERIFIERS)


def test_bundle_cut_inside_a_length_prefix(small: Path) -> None:
    bundle = small / entries_path(0)
    data = bundle.read_bytes()
    bundle.write_bytes(data[:1])
    with pytest.raises(MalformedFileError, match="entry 0 is truncated: expected a 2-byte length"):
        verify_tiles(small, VERIFIERS)


def test_bundle_with_extra_bytes(small: Path) -> None:
    bundle = small / entries_path(0)
    bundle.write_bytes(bundle.read_bytes() + b"\x00\x01z")
    with pytest.raises(MalformedFileError, match="found 3 more bytes after entry 255"):
        verify_tiles(small, VERIFIERS)


def test_overlong_bundle_is_refused_without_reading_it_all(small: Path) -> None:
    (small / entries_path(0)).write_bytes(b"\x00" * (256 * 65_537 + 1))
    with pytest.raises(
        MalformedFileError,
        match="16,777,473 bytes is larger than the 16,777,472-byte limit for an entry bundle",
    ):
        verify_tiles(small, VERIFIERS)


def test_huge_hash_tile_is_refused_by_its_size_before_any_read(small: Path) -> None:
    # A sparse 10 GB file: reading it would take minutes; its size alone refuses it.
    tile = small / tile_path(0, 0)
    os.truncate(tile, 10**10)
    with pytest.raises(MalformedFileError, match=r"^tile/0/000: 10 GB is larger than the"):
        verify_tiles(small, VERIFIERS)


def _verify_in_thread(directory: Path, **options: Any) -> BaseException | None:
    """The error verifying ``directory`` raised, run so that a read that blocks fails the test."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            verify_tiles(directory, VERIFIERS, **options)
        except BaseException as e:  # handed to the test thread
            caught.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "verify_tiles blocked on a file that is not a regular file"
    return caught[0] if caught else None


def test_a_fifo_where_a_tile_should_be_is_refused_without_blocking(small: Path) -> None:
    tile = small / tile_path(0, 0)
    tile.unlink()
    os.mkfifo(tile)
    error = _verify_in_thread(small)
    assert isinstance(error, MalformedFileError), error
    assert (
        str(error) == "tile/0/000: expected a hash tile, a regular file; found a named pipe (FIFO)"
    )


def test_dev_zero_where_a_checkpoint_should_be_is_refused(small: Path) -> None:
    (small / "checkpoint").unlink()
    (small / "checkpoint").symlink_to("/dev/zero")
    error = _verify_in_thread(small)
    assert isinstance(error, MalformedFileError), error
    assert "found a character device" in str(error)


@pytest.mark.parametrize("change", [-1, +1, -32])
def test_hash_tile_of_the_wrong_length(small: Path, change: int) -> None:
    tile = small / tile_path(0, 1)
    data = tile.read_bytes()
    tile.write_bytes(data[:change] if change < 0 else data + b"\x00" * change)
    with pytest.raises(MalformedFileError, match=r"^tile/0/001: expected 256 hashes \(8,192"):
        verify_tiles(small, VERIFIERS)


@pytest.mark.parametrize(
    "path", [tile_path(0, 1), tile_path(1, 0, 2), entries_path(0), entries_path(2, 88)]
)
def test_missing_file_is_named(small: Path, path: str) -> None:
    (small / path).unlink()
    with pytest.raises(MissingFileError, match=rf"^{path.replace('.', '[.]')}: missing") as e:
        verify_tiles(small, VERIFIERS)
    assert e.value.path == path


def test_a_directory_where_a_file_should_be(small: Path) -> None:
    (small / tile_path(0, 0)).unlink()
    (small / tile_path(0, 0)).mkdir()
    with pytest.raises(MalformedFileError, match=r"^tile/0/000: "):
        verify_tiles(small, VERIFIERS)


def test_no_directory_at_all(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="is not a directory"):
        verify_tiles(tmp_path / "nowhere", VERIFIERS)


def test_no_checkpoint(small: Path) -> None:
    (small / "checkpoint").unlink()
    with pytest.raises(MissingFileError, match=r"^checkpoint: missing"):
        verify_tiles(small, VERIFIERS)


# -- checkpoints ---------------------------------------------------------------------------------


def test_checkpoint_signed_by_one_party_only(small: Path) -> None:
    entries = entries_of(600)
    (small / "checkpoint").write_bytes(signed(600, MemoryTree(entries).root(), SIGNERS[:1]))
    with pytest.raises(
        CheckpointSignatureError, match=r"lacks a signature by beta\.node\.example\+"
    ):
        verify_tiles(small, VERIFIERS)
    # A node watching progress may accept one signature; a final checkpoint needs both.
    assert verify_tiles(small, VERIFIERS, require="any").signers == ("alpha.node.example",)


def test_checkpoint_not_signed_by_the_key_given(small: Path) -> None:
    stranger = Signer.generate("gamma.node.example")
    with pytest.raises(CheckpointSignatureError, match=r"gamma\.node\.example"):
        verify_tiles(small, [*VERIFIERS, stranger.verifier])


def test_checkpoint_with_a_bad_signature(small: Path) -> None:
    path = small / "checkpoint"
    text = path.read_text()
    head, _, sigs = text.partition("\n\n")
    first, rest = sigs.split("\n", 1)
    name, _, b64 = first.rpartition(" ")
    bad = b64[:10] + ("A" if b64[10] != "A" else "B") + b64[11:]
    path.write_text(f"{head}\n\n{name} {bad}\n{rest}")
    with pytest.raises(CheckpointSignatureError, match="does not verify"):
        verify_tiles(small, VERIFIERS)


def test_checkpoint_edited_after_signing(small: Path) -> None:
    path = small / "checkpoint"
    path.write_text(path.read_text().replace("\n600\n", "\n599\n", 1))
    with pytest.raises(CheckpointSignatureError):
        verify_tiles(small, VERIFIERS)


def test_signed_checkpoint_with_the_wrong_root(small: Path) -> None:
    (small / "checkpoint").write_bytes(signed(600, b"\x07" * 32))
    with pytest.raises(
        RootMismatchError, match=r"but their root is [0-9a-f]{64} while the checkpoint signs 0707"
    ):
        verify_tiles(small, VERIFIERS)


def test_signed_checkpoint_with_a_size_beyond_the_tiles(small: Path) -> None:
    (small / "checkpoint").write_bytes(signed(700, b"\x07" * 32))
    with pytest.raises(MissingFileError, match=r"^tile/entries/002\.p/188: missing"):
        verify_tiles(small, VERIFIERS)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda b: b.replace(b"\n", b"\r\n"), "carriage return"),
        (lambda b: b.replace(b"\n\n", b"\n"), "no blank line"),
        (lambda b: b[:-1], "must end with a newline"),
        (lambda b: b"\xff" + b, "not valid UTF-8"),
        (
            lambda b: b.replace(
                b"\n\xe2\x80\x94 alpha.node.example ", b"\n\xe2\x80\x94 alpha.node.example !"
            ),
            "not valid base64",
        ),
        (lambda b: b"", "empty"),
    ],
)
def test_malformed_checkpoint_note(
    small: Path, edit: Callable[[bytes], bytes], message: str
) -> None:
    path = small / "checkpoint"
    path.write_bytes(edit(path.read_bytes()))
    with pytest.raises(MalformedFileError, match=f"^checkpoint: .*{message}"):
        verify_tiles(small, VERIFIERS)


def test_signed_checkpoint_text_that_is_not_a_checkpoint(small: Path) -> None:
    text = f"{ORIGIN}\n600\nnot base64!\n"
    (small / "checkpoint").write_bytes(sign_note(text, SIGNERS).to_bytes())
    with pytest.raises(MalformedFileError, match=r"^checkpoint: checkpoint line 3: root hash"):
        verify_tiles(small, VERIFIERS)


# -- older checkpoints ---------------------------------------------------------------------------


def test_older_checkpoint_of_another_log(small: Path) -> None:
    other = entries_of(600, salt="other ")
    with pytest.raises(
        InconsistentCheckpointError,
        match=r"^older checkpoint 1: signs root [0-9a-f]{64} for size 300, but the first 300 "
        r"entries of this log have root [0-9a-f]{64}",
    ):
        verify_tiles(small, VERIFIERS, older_checkpoints=[checkpoint_for(other, 300)])


def test_older_checkpoint_larger_than_the_published_one(small: Path) -> None:
    older = checkpoint_for(entries_of(700), 700)
    with pytest.raises(InconsistentCheckpointError, match=r"size 700, larger than .* 600"):
        verify_tiles(small, VERIFIERS, older_checkpoints=[older])


def test_older_checkpoint_of_another_origin(small: Path) -> None:
    older = signed(10, MemoryTree(entries_of(10)).root(), origin="elsewhere.example/log")
    with pytest.raises(InconsistentCheckpointError, match=r"'elsewhere\.example/log'"):
        verify_tiles(small, VERIFIERS, older_checkpoints=[older])


def test_older_checkpoint_must_be_signed_too(small: Path) -> None:
    older = signed(10, MemoryTree(entries_of(10)).root(), SIGNERS[1:])
    with pytest.raises(CheckpointSignatureError, match=r"^older checkpoint 1: .*alpha\.node"):
        verify_tiles(small, VERIFIERS, older_checkpoints=[older])


def test_unreadable_older_checkpoint_file(small: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot be read"):
        verify_tiles(small, VERIFIERS, older_checkpoints=[tmp_path / "absent"])


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_an_older_checkpoint_that_never_ends_is_refused(
    small: Path, tmp_path: Path, kind: str
) -> None:
    older = tmp_path / "older"
    if kind == "fifo":
        os.mkfifo(older)
    else:
        older.symlink_to(kind)
    error = _verify_in_thread(small, older_checkpoints=[older])
    assert isinstance(error, UsageError), error
    assert "cannot be read: expected a checkpoint, a regular file; found a" in str(error)


# -- how it is called ----------------------------------------------------------------------------


def test_no_keys_is_a_usage_error(small: Path) -> None:
    with pytest.raises(UsageError, match="no verifier keys"):
        verify_tiles(small, [])


def test_every_verification_error_is_one_family() -> None:
    for cls in (
        CheckpointSignatureError,
        HashMismatchError,
        InconsistentCheckpointError,
        MalformedFileError,
        MissingFileError,
        RootMismatchError,
    ):
        assert issubclass(cls, VerificationError)
    assert not issubclass(UsageError, VerificationError)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(min_value=0),
    where=st.integers(min_value=0),
    edit=st.sampled_from(["flip", "cut", "grow", "garbage"]),
    garbage=st.binary(max_size=40),
)
def test_any_damage_is_a_verification_error_or_harmless(
    which: int, where: int, edit: str, garbage: bytes
) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        write_tiles_from_tree(root, entries_of(300))
        paths = sorted(p for p in root.rglob("*") if p.is_file())
        path = paths[which % len(paths)]
        data = bytearray(path.read_bytes())
        at = where % (len(data) + 1)
        if edit == "flip" and data:
            data[at % len(data)] ^= 1 << (where % 8)
        elif edit == "cut":
            del data[at:]
        elif edit == "grow":
            data[at:at] = garbage or b"\x00"
        else:
            data[at : at + len(garbage)] = garbage
        path.write_bytes(bytes(data))
        # Anything but a VerificationError escapes and fails the test.
        with contextlib.suppress(VerificationError):
            verify_tiles(root, VERIFIERS)
