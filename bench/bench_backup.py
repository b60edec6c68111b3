"""Backup and restore of one node: time and size at a long log, and catch-up after a restore.

    .venv/bin/python -m bench.bench_backup [--entries 1000000] [--behind 10000]

The nodes are bench_network's (its working directory, build/bench/network): two ``node serve``
processes made, pinned, given their genesis and registrars, then stopped. Measured in one run:

- Catch-up after a restore: russia is backed up (``node backup``'s code, in this process) at
  the genesis part; japan's log then grows by ``--behind`` acts, written into its database
  with a final checkpoint signed by both nodes' keys, as a round would have left it; russia is
  restored from the archive, both are served, and russia, marked restored, catches up before
  it signs: entries judged per second, from its first answer to holding japan's final
  checkpoint. Beside it, the bound of two Ed25519 verifications per entry, and the target
  bench_network sets for catch-up (>= 10,000 entries/s).
- Backup and restore at ``--entries``: japan's log grown to that size, then the archive made
  (a read-transaction copy of the database, SHA-256 of every file, tar, age with scrypt at the
  production cost) and the node restored from it over its own directory. Beside each, a plain
  copy of the database file (``shutil.copyfile``), the machine's bound for moving those bytes
  once; and the archive's size against the database's.

No figure is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from bench._bounds import measure
from bench.bench_network import (
    CATCH_UP_TARGET,
    SLOW_S,
    WORK,
    _extend,
    _met,
    _network,
    _poll,
    _size,
)
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.node import backup, restore
from jointzone.node._age import PRODUCTION_WORK_FACTOR

ARCHIVE_PASSPHRASE = b"bench archive passphrase"


def _backup(node: Path, out: Path) -> float:
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    backup(
        node,
        out,
        passphrase=DEMO_PASSPHRASE,
        archive_passphrase=ARCHIVE_PASSPHRASE,
        work_factor=PRODUCTION_WORK_FACTOR,
    )
    return time.perf_counter() - t0


def _restore(archive: Path, node: Path) -> float:
    t0 = time.perf_counter()
    done = restore(archive, node, archive_passphrase=ARCHIVE_PASSPHRASE)
    dt = time.perf_counter() - t0
    if done.replaced is not None:
        shutil.rmtree(done.replaced)
    return dt


def bench_catch_up(behind: int, bound: float) -> None:
    with _network() as net:
        russia, japan = net.node_dir("russia"), net.node_dir("japan")
        archive = WORK / "russia.jzbackup"
        _backup(russia, archive)
        _extend(net, net.genesis + behind)
        _restore(archive, russia)
        net.start_node("japan")
        target = net.apis["japan"].checkpoint()
        size = _size(target)
        t0 = time.perf_counter()
        net.start_node("russia")
        t1 = time.perf_counter()
        at_first = int(net.apis["russia"].node_status()["size"])
        _poll(lambda: net.apis["russia"].checkpoint() == target or None, timeout=SLOW_S)
        t2 = time.perf_counter()
        net.stop()
        rate = (size - at_first) / (t2 - t1)
        print(
            f"catch-up after a restore from a backup {behind:,} entries old: {rate:,.0f} "
            f"entries/s, every entry judged (target >= {CATCH_UP_TARGET:,}: "
            f"{_met(rate >= CATCH_UP_TARGET)}); {rate / (bound / 2):.0%} of the bound of "
            f"{bound / 2:,.0f} entries/s (2 verifications each); {t2 - t0:.1f} s from starting "
            f"the process, which judged {at_first - net.genesis:,} of them before it answered"
        )
        assert (japan / "node.db").exists()


def bench_backup_restore(entries: int) -> None:
    with _network() as net:
        japan = net.node_dir("japan")
        t0 = time.perf_counter()
        _extend(net, entries)
        built = time.perf_counter() - t0
        db = japan / "node.db"
        db_size = db.stat().st_size
        t0 = time.perf_counter()
        shutil.copyfile(db, WORK / "copy.db")
        copy = time.perf_counter() - t0
        (WORK / "copy.db").unlink()
        archive = WORK / "japan.jzbackup"
        took = _backup(japan, archive)
        size = archive.stat().st_size
        back = _restore(archive, japan)
        mb = db_size / 1e6
        print(
            f"log of {entries:,} entries (built in {built:.0f} s): database {mb:,.0f} MB; a "
            f"plain copy of it {copy:.1f} s ({mb / copy:,.0f} MB/s)"
        )
        print(
            f"backup: {took:.1f} s ({mb / took:,.0f} MB/s of database, {took / copy:.1f}x a "
            f"plain copy); archive {size / 1e6:,.0f} MB, {size / db_size:.2f}x the database "
            f"(a compacted copy, then tar and age's 16 bytes per 64 KiB)"
        )
        print(
            f"restore over the node's directory: {back:.1f} s ({mb / back:,.0f} MB/s, "
            f"{back / copy:.1f}x a plain copy), checked whole before the directory is replaced"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--behind", type=int, default=10_000)
    args = parser.parse_args()
    bounds = measure()
    print(bounds.describe())
    bench_catch_up(args.behind, bounds.ed25519_verify_per_s)
    bench_backup_restore(args.entries)


if __name__ == "__main__":
    main()
