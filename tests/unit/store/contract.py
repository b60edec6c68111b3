"""The contract every log store keeps, as one suite that each backend's test module subclasses.

A subclass provides the ``url`` fixture (where a fresh, empty store lives) and inherits every test,
so SQLite and PostgreSQL pass exactly the same ones. The suite checks the store against
:class:`~jointzone.tlog.MemoryTree`, an independent in-memory tree, and every proof with the RFC
9162 verifiers. A plain module, not a conftest: pytest puts this directory on ``sys.path``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from jointzone.store import (
    BackendError,
    ConflictError,
    CorruptionError,
    EntryTooLargeError,
    LogStore,
    OutOfRangeError,
    SchemaError,
    SqlLogStore,
    StoreError,
    open_store,
)
from jointzone.tlog import (
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    MemoryTree,
    expand_tile,
    inclusion_proof,
    leaf_hash,
    tiles_for_size,
    verify_consistency,
    verify_inclusion,
)


def entry(i: int) -> bytes:
    """A distinct entry per index, of varying length, so misplaced entries change the root."""
    return b"entry %d " % i + b"." * (i % 37)


def entries(start: int, stop: int) -> list[bytes]:
    return [entry(i) for i in range(start, stop)]


def tile_bottom(tree: MemoryTree, level: int, index: int, width: int) -> list[bytes]:
    """The bottom hashes of tile ``level/index`` as the independent tree has them."""
    first = index << TILE_HEIGHT
    return tree.read_hashes([(TILE_HEIGHT * level, first + i) for i in range(width)])


def check_store(store: LogStore, tree: MemoryTree, *, sizes: list[int] | None = None) -> None:
    """The store agrees with the tree: size, roots, every stored tile, proofs at ``sizes``."""
    size = tree.size
    assert store.size() == size
    assert store.root() == tree.root()
    for level, index, width in tiles_for_size(size):
        want = tile_bottom(tree, level, index, width)
        assert store.published_tile(level, index, width) == b"".join(want)
        assert store.read_tiles([(level, index)]) == {(level, index): expand_tile(want)}
    for n in sizes or []:
        check_proofs(store, tree, n)


def check_proofs(store: LogStore, tree: MemoryTree, n: int) -> None:
    """Root, some inclusion proofs and some consistency proofs at size ``n`` all verify."""
    root = store.root(n)
    assert root == tree.root(n), f"root at size {n}"
    for i in {0, n // 2, n - 1, (n * 7) // 9}:
        proof = store.inclusion_proof(i, n)
        verify_inclusion(leaf_hash=leaf_hash(entry(i)), index=i, size=n, proof=proof, root=root)
    for m in {1, n // 3 or 1, n - 1 or 1, n}:
        proof = store.consistency_proof(m, n)
        verify_consistency(size1=m, size2=n, root1=tree.root(m), root2=root, proof=proof)


class LogStoreContract:
    """Inherit this and provide ``url``: a store URL that opens an empty log."""

    @pytest.fixture
    def url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def store(self, url: str) -> Iterator[SqlLogStore]:
        with open_store(url) as store:
            yield store

    @contextmanager
    def fail_on(self, store: SqlLogStore, statement_prefix: str) -> Iterator[None]:
        """Make the next statement that starts with ``statement_prefix`` fail, as a crash would."""

        def boom(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().upper().startswith(statement_prefix.upper()):
                raise RuntimeError(f"injected failure before {statement_prefix!r}")

        event.listen(store.engine, "before_cursor_execute", boom)
        try:
            yield
        finally:
            event.remove(store.engine, "before_cursor_execute", boom)

    def tamper(self, store: SqlLogStore, sql: str, **params: Any) -> None:
        """Change the stored rows behind the store's back, as damage or an intruder would."""
        with store.engine.begin() as conn:
            conn.execute(text(sql), params)

    # -- the empty store ------------------------------------------------------------------------

    def test_empty_store(self, store: SqlLogStore) -> None:
        assert store.size() == 0
        assert store.root() == EMPTY_ROOT
        assert store.root(0) == EMPTY_ROOT
        assert store.read_entries(0, 0) == []
        assert list(store.iter_entries()) == []
        assert store.read_tiles([]) == {}
        assert store.checkpoint() is None
        assert store.checkpoint(0) is None
        with pytest.raises(OutOfRangeError, match="beyond the log"):
            store.root(1)
        with pytest.raises(OutOfRangeError):
            store.inclusion_proof(0, 0)
        with pytest.raises(OutOfRangeError):
            store.read_entries(0, 1)
        with pytest.raises(OutOfRangeError, match="beyond the log of size 0"):
            store.read_tiles([(0, 0)])
        with pytest.raises(OutOfRangeError):
            store.published_tile(0, 0, 1)

    def test_append_of_nothing_changes_nothing(self, store: SqlLogStore) -> None:
        assert store.append([]) == 0
        assert store.append([b"a"]) == 1
        assert store.append([], expected_size=1) == 1
        assert store.root() == MemoryTree([b"a"]).root()

    def test_empty_entry_is_an_entry(self, store: SqlLogStore) -> None:
        store.append([b"", b"x", b""])
        assert store.read_entries(0, 3) == [b"", b"x", b""]
        assert store.root() == MemoryTree([b"", b"x", b""]).root()

    # -- growth across tile boundaries ----------------------------------------------------------

    def test_batches_across_tile_boundaries(self, store: SqlLogStore) -> None:
        """Batches of 1, 255, 256, 257 ... up past 65536 leaves, the first level-2 tile."""
        tree = MemoryTree()
        size = 0
        boundaries = []
        for batch in (1, 255, 256, 257, 1, 2, 253, 511, 768, 65536 - 2540 + 3, 700, 1):
            new = entries(size, size + batch)
            assert store.append(new, expected_size=size) == size + batch
            for e in new:
                tree.append_hash(leaf_hash(e))
            size += batch
            boundaries.append(size)
            assert store.root() == tree.root(), f"root after a batch of {batch} at {size}"
        assert size > 1 << 16
        # Every size a batch ended at, every size around the tile edges, and a random sample.
        rng = random.Random(size)
        around = {e + d for e in (256, 512, 65536) for d in (-2, -1, 0, 1, 2)}
        sample = (
            set(boundaries)
            | around
            | set(range(1, 600))
            | {rng.randrange(1, size) for _ in range(60)}
        )
        for n in sorted(sample):
            assert store.root(n) == tree.root(n), f"root at size {n}"
        for n in sorted(set(boundaries) | around)[::2]:
            check_proofs(store, tree, n)
        check_store(store, tree)
        assert store.read_entries(size - 3, size) == entries(size - 3, size)

    def test_any_batches_give_the_same_tree(self, store: SqlLogStore) -> None:
        """One store grows across all examples; after each, it agrees with an independent tree.

        The property is defined inside the test so that each backend's subclass runs its own
        Hypothesis test over its own store.
        """

        @settings(max_examples=25, deadline=None, database=None)
        @given(batches=st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=6))
        def grows_consistently(batches: list[int]) -> None:
            size = store.size()
            for batch in batches:
                assert store.append(entries(size, size + batch)) == size + batch
                size += batch
            tree = MemoryTree(store.iter_entries(chunk_size=97))
            assert tree.size == size
            if size:
                check_proofs(store, tree, size)
                check_proofs(store, tree, (size * 5) // 7 or 1)

        grows_consistently()

    def test_every_proof_at_small_sizes(self, store: SqlLogStore) -> None:
        """Exhaustively for sizes to 40: every inclusion and consistency proof verifies."""
        store.append(entries(0, 40))
        tree = MemoryTree(entries(0, 40))
        for n in range(1, 41):
            root = store.root(n)
            for i in range(n):
                verify_inclusion(
                    leaf_hash=leaf_hash(entry(i)),
                    index=i,
                    size=n,
                    proof=store.inclusion_proof(i, n),
                    root=root,
                )
            for m in range(1, n + 1):
                verify_consistency(
                    size1=m,
                    size2=n,
                    root1=tree.root(m),
                    root2=root,
                    proof=store.consistency_proof(m, n),
                )

    def test_published_tiles_equal_the_tree(self, store: SqlLogStore) -> None:
        size = 256 * 3 + 17
        store.append(entries(0, size))
        tree = MemoryTree(entries(0, size))
        check_store(store, tree)
        # A full tile is also served at the smaller widths older checkpoints published.
        for width in (1, 17, 255):
            assert store.published_tile(0, 1, width) == b"".join(tile_bottom(tree, 0, 1, width))
        assert store.published_tile(1, 0, 3) == b"".join(tile_bottom(tree, 1, 0, 3))
        with pytest.raises(OutOfRangeError):
            store.published_tile(0, 3, 18)
        with pytest.raises(OutOfRangeError):
            store.published_tile(1, 0, 4)
        with pytest.raises(OutOfRangeError, match="width"):
            store.published_tile(0, 0, 0)

    def test_hash_reader_serves_tlog(self, store: SqlLogStore) -> None:
        store.append(entries(0, 300))
        tree = MemoryTree(entries(0, 300))
        reader = store.hash_reader()
        assert reader.read_hashes([(8, 0), (0, 299), (3, 36)]) == tree.read_hashes(
            [(8, 0), (0, 299), (3, 36)]
        )
        assert inclusion_proof(7, 300, reader) == inclusion_proof(7, 300, tree)

    # -- streaming ------------------------------------------------------------------------------

    def test_iter_entries_in_chunks(self, store: SqlLogStore) -> None:
        store.append(entries(0, 100))
        assert list(store.iter_entries(chunk_size=7)) == entries(0, 100)
        assert list(store.iter_entries(10, 31, chunk_size=4)) == entries(10, 31)
        assert list(store.iter_entries(100)) == []
        with pytest.raises(OutOfRangeError):
            store.iter_entries(0, 101)
        with pytest.raises(OutOfRangeError):
            store.iter_entries(5, 4)

    # -- concurrency ----------------------------------------------------------------------------

    def test_expected_size_conflict(self, url: str, store: SqlLogStore) -> None:
        assert store.append([b"a"], expected_size=0) == 1
        with open_store(url) as other:
            assert other.append([b"b"], expected_size=1) == 2
            with pytest.raises(ConflictError, match="expected the log at size 1, found 2"):
                store.append([b"c"], expected_size=1)
            with pytest.raises(ConflictError):
                store.append([], expected_size=7)
        assert store.size() == 2
        assert store.read_entries(0, 2) == [b"a", b"b"]

    def test_concurrent_writers_queue(self, url: str, store: SqlLogStore) -> None:
        """Writers in threads, each on its own store: every batch lands whole, none interleave."""
        errors: list[BaseException] = []

        def write(tag: int) -> None:
            try:
                with open_store(url) as mine:
                    for j in range(6):
                        mine.append([b"w%d-%d-%d" % (tag, j, k) for k in range(40)])
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        got = store.read_entries(0, store.size())
        assert len(got) == 4 * 6 * 40
        for start in range(0, len(got), 40):  # each batch contiguous
            assert len({e.rsplit(b"-", 1)[0] for e in got[start : start + 40]}) == 1
        assert store.root() == MemoryTree(got).root()

    # -- checkpoints ----------------------------------------------------------------------------

    def test_checkpoints_one_per_size(self, store: SqlLogStore) -> None:
        store.append(entries(0, 3))
        store.add_checkpoint(0, b"note at 0\n")
        store.add_checkpoint(2, b"note at 2\n")
        store.add_checkpoint(2, b"note at 2\n")  # the same bytes again: nothing happens
        assert store.checkpoint(2) == b"note at 2\n"
        assert store.checkpoint() == b"note at 2\n"
        with pytest.raises(ConflictError, match="different checkpoint of size 2"):
            store.add_checkpoint(2, b"another note at 2\n")
        assert store.checkpoint(2) == b"note at 2\n"
        store.add_checkpoint(3, b"note at 3\n")
        assert store.checkpoint() == b"note at 3\n"
        assert store.checkpoint(0) == b"note at 0\n"
        assert store.checkpoint(1) is None
        with pytest.raises(OutOfRangeError, match="beyond the log"):
            store.add_checkpoint(4, b"note at 4\n")

    # -- persistence ----------------------------------------------------------------------------

    def test_reopening_keeps_everything(self, url: str) -> None:
        with open_store(url) as store:
            store.append(entries(0, 300))
            store.add_checkpoint(300, b"cp 300\n")
            root = store.root()
        with open_store(url) as store:
            assert store.size() == 300
            assert store.root() == root
            assert store.checkpoint() == b"cp 300\n"
            assert store.read_entries(0, 300) == entries(0, 300)
            store.append(entries(300, 301))
            check_store(store, MemoryTree(entries(0, 301)))

    def test_closed_store_refuses_work(self, url: str) -> None:
        store = open_store(url)
        store.close()
        store.close()
        with pytest.raises(StoreError, match="closed"):
            store.size()

    # -- refused input --------------------------------------------------------------------------

    def test_entry_too_large_is_refused_whole(self, store: SqlLogStore) -> None:
        store.append([b"first"])
        batch = [b"ok", b"x" * (MAX_ENTRY_SIZE + 1), b"ok"]
        with pytest.raises(EntryTooLargeError, match=r"entry 1 of the batch is 65536 bytes.*65535"):
            store.append(batch)
        assert store.size() == 1
        assert store.append([b"y" * MAX_ENTRY_SIZE]) == 2
        assert store.read_entries(1, 2) == [b"y" * MAX_ENTRY_SIZE]

    def test_ranges_are_checked(self, store: SqlLogStore) -> None:
        store.append(entries(0, 10))
        with pytest.raises(OutOfRangeError, match="not within the log of size 10"):
            store.read_entries(5, 11)
        with pytest.raises(OutOfRangeError):
            store.read_entries(-1, 3)
        with pytest.raises(OutOfRangeError, match="entry index 10"):
            store.inclusion_proof(10, 10)
        with pytest.raises(OutOfRangeError, match="beyond the log"):
            store.inclusion_proof(0, 11)
        with pytest.raises(OutOfRangeError, match="no consistency proof from size 0"):
            store.consistency_proof(0, 5)
        with pytest.raises(OutOfRangeError, match="no consistency proof from size 6 to size 5"):
            store.consistency_proof(6, 5)
        with pytest.raises(OutOfRangeError, match="must not be negative"):
            store.root(-1)
        with pytest.raises(OutOfRangeError, match="negative coordinate"):
            store.read_tiles([(0, -1)])
        assert store.consistency_proof(4, 4) == []

    # -- atomicity ------------------------------------------------------------------------------

    @pytest.mark.parametrize("where", ["UPDATE log_head", "INSERT INTO log_tiles"])
    def test_failed_append_leaves_nothing(self, store: SqlLogStore, where: str) -> None:
        store.append(entries(0, 300))
        tiles_before = store.read_tiles([(0, 0), (0, 1), (1, 0)])
        with self.fail_on(store, where), pytest.raises(RuntimeError, match="injected"):
            store.append(entries(300, 1000))
        assert store.size() == 300
        assert store.read_tiles([(0, 0), (0, 1), (1, 0)]) == tiles_before
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM log_entries")).scalar() == 300
            assert conn.execute(text("SELECT count(*) FROM log_tiles")).scalar() == 3
        store.append(entries(300, 1000))
        check_store(store, MemoryTree(entries(0, 1000)), sizes=[300, 1000])

    # -- integrity on read ----------------------------------------------------------------------

    def test_short_tile_is_corruption(self, store: SqlLogStore) -> None:
        store.append(entries(0, 600))
        self.tamper(
            store,
            "UPDATE log_tiles SET data = :d WHERE level = 0 AND idx = 1",
            d=b"\x00" * HASH_SIZE * 3,
        )
        with pytest.raises(CorruptionError, match=r"tile 0/1 is 96 bytes, expected 16320"):
            store.read_tiles([(0, 1)])
        with pytest.raises(CorruptionError, match="tile 0/1"):
            store.inclusion_proof(300, 600)
        with pytest.raises(CorruptionError, match="tile 0/1"):
            store.root(300)

    def test_missing_tile_is_corruption(self, store: SqlLogStore) -> None:
        store.append(entries(0, 600))
        self.tamper(store, "DELETE FROM log_tiles WHERE level = 0 AND idx = 2")
        with pytest.raises(CorruptionError, match="tile 0/2 is missing"):
            store.root()
        with pytest.raises(CorruptionError, match="partial tile 0/2 at the right edge is missing"):
            store.append([b"more"])
        assert store.size() == 600

    def test_missing_entry_is_corruption(self, store: SqlLogStore) -> None:
        store.append(entries(0, 50))
        self.tamper(store, "DELETE FROM log_entries WHERE idx = 17")
        with pytest.raises(CorruptionError, match="entry 17 is missing"):
            store.read_entries(10, 20)
        with pytest.raises(CorruptionError, match="entry 17 is missing"):
            list(store.iter_entries(chunk_size=8))
        assert store.read_entries(0, 17) == entries(0, 17)

    def test_missing_head_is_corruption(self, store: SqlLogStore) -> None:
        store.append(entries(0, 5))
        self.tamper(store, "DELETE FROM log_head")
        with pytest.raises(CorruptionError, match="head row is missing"):
            store.size()
        with pytest.raises(CorruptionError, match="head row is missing"):
            store.read_entries(0, 1)
        with pytest.raises(CorruptionError, match="head row is missing"):
            store.append([b"x"])

    def test_other_schema_version_is_refused(self, url: str, store: SqlLogStore) -> None:
        self.tamper(store, "UPDATE log_head SET schema_version = 99")
        with pytest.raises(SchemaError, match="schema version 99; this code reads version 1"):
            open_store(url)

    def test_head_beyond_the_entries_is_not_silently_served(self, store: SqlLogStore) -> None:
        store.append(entries(0, 5))
        self.tamper(store, "UPDATE log_head SET size = 6")
        with pytest.raises(CorruptionError, match="entry 5 is missing"):
            store.read_entries(0, 6)
        with pytest.raises(CorruptionError):
            store.root(6)

    def test_driver_errors_are_translated(self, store: SqlLogStore) -> None:
        self.tamper(store, "DROP TABLE log_checkpoints")
        with pytest.raises(BackendError, match="reading a checkpoint failed") as info:
            store.checkpoint()
        assert info.value.__cause__ is not None
