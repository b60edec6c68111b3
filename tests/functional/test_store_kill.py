"""A writer SIGKILLed at random moments leaves the store at a whole batch, never half of one.

A subprocess (``_store_writer.py``) appends batches of varying size and prints each size after its
commit. The test kills it at a random moment, reopens the store and checks that the size is at a
batch boundary and at least the last acknowledged size, that every entry is where its batch says,
that the root equals the root recomputed from the stored entries, and that every tile the round
touched is consistent with the entries and with the tiles below it. 20 kills by default;
``JOINTZONE_SOAK=200`` for a soak. Memory stays flat: the recomputed tree is a compact range.
"""

from __future__ import annotations

import os
import random
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jointzone.store import LogStore, open_store
from jointzone.tlog import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    CompactRange,
    expand_tile,
    leaf_hashes,
    node_hash,
)

WRITER = Path(__file__).with_name("_store_writer.py")
KILLS = int(os.environ.get("JOINTZONE_SOAK", "20"))
ENTRY = re.compile(rb"(\d+)\+(\d+)#(\d+);x*")


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


class Writers:
    """The fork server of ``_store_writer.py``: each :meth:`run_and_kill` is one writer's life."""

    def __init__(self, url: str) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(WRITER), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._stdin = self._proc.stdin
        self._stdout = self._proc.stdout
        self._pending = b""

    def close(self) -> None:
        self._stdin.close()  # the server's loop ends at end of input
        self._proc.wait(timeout=30)
        self._stdout.close()

    def _lines(self, until: float) -> list[bytes]:
        """Lines that arrive before the monotonic time ``until`` (at least a poll's worth)."""
        ready, _, _ = select.select([self._stdout], [], [], max(0.0, until - time.monotonic()))
        if not ready:
            return []
        chunk = os.read(self._stdout.fileno(), 65536)
        if not chunk:
            pytest.fail("the writer server died")
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        return lines

    def run_and_kill(self, seed: int, delay: float) -> int:
        """Start a writer, SIGKILL it ``delay`` s after it is ready; its last acknowledged size."""
        self._stdin.write(b"%d\n" % seed)
        pid, acked, exit_code = 0, -1, None
        kill_at: float | None = None
        give_up = time.monotonic() + 60
        while exit_code is None:
            now = time.monotonic()
            if now > give_up:
                pytest.fail("the writer neither got going nor died")
            # The writer may say "ready" before its server says "pid": kill only a known pid,
            # because os.kill(0, ...) would kill this test's whole process group.
            if kill_at is not None and pid > 0 and now >= kill_at:
                os.kill(pid, signal.SIGKILL)
                kill_at = None
            until = kill_at if kill_at is not None and pid > 0 else now + 1.0
            for line in self._lines(until):
                word, _, value = line.partition(b" ")
                if word == b"pid":
                    pid = int(value)
                elif word == b"ready":
                    acked = int(value)
                    kill_at = time.monotonic() + delay
                elif word == b"exit":
                    exit_code = int(value)
                else:
                    acked = int(word)  # sizes printed before the kill landed count too
        assert exit_code == -signal.SIGKILL, f"the writer ended by itself ({exit_code})"
        return acked


def check_entries(start: int, got: list[bytes]) -> None:
    """Each entry sits where its batch says, and the last one ends its batch."""
    if not got:
        return
    pos = count = first = 0
    for i, data in enumerate(got, start):
        m = ENTRY.fullmatch(data)
        assert m, f"entry {i} is not a writer's entry: {data[:40]!r}"
        first, count, pos = (int(g) for g in m.groups())
        assert first + pos == i, f"entry {i} claims position {pos} of the batch at {first}"
        assert pos < count
    assert pos == count - 1, f"the log ends inside the batch at {first}: {pos + 1} of {count}"


def check_tiles(store: LogStore, start: int, size: int, hashes: list[bytes]) -> None:
    """Every tile holding positions ``start`` (tile-aligned) to ``size`` matches what is below it.

    ``hashes`` are the leaf hashes of the entries from ``start``. A touched tile's inner levels
    must expand its bottom row; its bottom row must be the leaf hashes (level 0) or the roots of
    the tiles below, each the hash of that tile's two top inner nodes (checked when it was
    touched).
    """
    level = 0
    while (count := size >> (TILE_HEIGHT * level)) > 0:
        first = (start >> (TILE_HEIGHT * level)) // TILE_WIDTH
        keys = [(level, i) for i in range(first, (count + TILE_WIDTH - 1) // TILE_WIDTH)]
        tiles = store.read_tiles(keys)
        if level:
            below = store.read_tiles([(level - 1, c) for k in keys for c in _positions(k, count)])
        for key in keys:
            positions = _positions(key, count)
            blob = tiles[key]
            bottom = [blob[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(len(positions))]
            assert blob == expand_tile(bottom), f"tile {key}: inner levels do not expand its bottom"
            if level == 0:
                want = hashes[positions.start - start : positions.stop - start]
            else:
                want = [node_hash(*_top_pair(below[(level - 1, c)])) for c in positions]
            assert bottom == want, f"tile {key} disagrees with what lies below it"
        level += 1


def _positions(key: tuple[int, int], count: int) -> range:
    """The positions, at the tile's own tree level, of tile ``key``'s bottom hashes."""
    first = key[1] * TILE_WIDTH
    return range(first, min(first + TILE_WIDTH, count))


def _top_pair(expanded: bytes) -> tuple[bytes, bytes]:
    """The two nodes of a full expanded tile's top inner level: their hash is the tile's root."""
    return expanded[-2 * HASH_SIZE : -HASH_SIZE], expanded[-HASH_SIZE:]


@pytest.mark.slow
def test_killed_writer_leaves_whole_batches(url: str) -> None:
    rng = random.Random(os.environ.get("JOINTZONE_SEED", "kill"))
    tree = CompactRange()
    verified = 0
    writers = Writers(url)
    try:
        for round_ in range(KILLS):
            acked = writers.run_and_kill(seed=round_, delay=rng.uniform(0.0, 0.2))
            with open_store(url) as store:
                # An empty append waits for the write lock: a PostgreSQL backend may still be
                # finishing the killed writer's transaction (a COMMIT sent just before the kill
                # still lands).
                size = store.append([])
                assert size >= acked, f"round {round_}: acknowledged {acked}, store has {size}"
                start = verified - verified % TILE_WIDTH  # the tile the last round left partial
                got = store.read_entries(start, size)
                check_entries(start, got)
                hashes = leaf_hashes(got)
                tree.extend(hashes[verified - start :])
                assert store.root(size) == tree.root(), f"round {round_}: root is not the entries'"
                check_tiles(store, start, size, hashes)
            verified = size
    finally:
        writers.close()
    assert verified > 0
