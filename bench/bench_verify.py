"""Full verification of a tiles export: throughput against the SHA-256 bound, and peak memory.

    .venv/bin/python -m bench.bench_verify [--entries 1000000] [--entry-size 64] [--rounds 3]

The export is built once under ``build/bench/`` (in a child process, so that building it does
not count towards the verifier's memory) and reused by later runs. Entries default to 64 bytes,
so every hash the verifier computes, leaf (0x00 || entry) and node (0x01 || left || right)
alike, has the 65-byte input the bound is measured on: the ratio then measures the verifier's
overhead, not the entry size. ``--entry-size`` shows what longer entries cost.

Peak memory is the process's peak resident set (``ru_maxrss``), interpreter included: the
figure an operator would see. Targets (issue 2): at least 40% of the bound, under 150 MB.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench._bounds import sha256_rate
from jointzone.tlog import Verifier
from jointzone.verify import verify_tiles

TARGET_RATIO = 0.40
TARGET_PEAK_MB = 150.0


def _workdir(entries: int, entry_size: int) -> Path:
    return Path("build") / "bench" / f"verify-{entries}x{entry_size}"


def _ready(work: Path, entries: int) -> bool:
    checkpoint = work / "tiles" / "checkpoint"
    keys = work / "keys.txt"
    if not (checkpoint.exists() and keys.exists()):
        return False
    lines = checkpoint.read_text(encoding="utf-8").split("\n")
    return len(lines) > 1 and lines[1] == str(entries)


def _rss_mb() -> float:
    """The resident set now, from /proc (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--entry-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="verifications; the best is kept")
    parser.add_argument("--rebuild", action="store_true", help="build the export again")
    args = parser.parse_args(argv)

    work = _workdir(args.entries, args.entry_size)
    if args.rebuild or not _ready(work, args.entries):
        cmd = [sys.executable, "-m", "bench._tiles_export", str(work)]
        subprocess.run([*cmd, str(args.entries), str(args.entry_size)], check=True)
    else:
        print(f"reusing the export in {work}")

    verifiers = [Verifier.from_vkey(k) for k in (work / "keys.txt").read_text().split()]
    bound = sha256_rate()
    rss_before = _rss_mb()
    best = float("inf")
    report = None
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        report = verify_tiles(work / "tiles", verifiers)
        best = min(best, time.perf_counter() - t0)
    assert report is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    entries_per_s = report.size / best
    hashes_per_s = report.hashes / best
    ratio = hashes_per_s / bound
    data_mb = sum(f.stat().st_size for f in (work / "tiles").rglob("*") if f.is_file()) / 1e6

    print(f"bound: SHA-256 of 65-byte inputs {bound:,.0f}/s (one core, this run)")
    print(f"verify: {report.summary()}")
    print(
        f"verify: {report.size:,} entries of {args.entry_size} bytes ({data_mb:,.1f} MB of files) "
        f"in {best:.2f} s (best of {args.rounds})"
    )
    print(
        f"  {entries_per_s:,.0f} entries/s, {hashes_per_s:,.0f} hashes/s "
        f"({report.hashes / report.size if report.size else 0:.3f} hashes per entry)"
    )
    print(
        f"  ratio to the SHA-256 bound: {ratio:.1%} "
        f"(target >= {TARGET_RATIO:.0%}: {'met' if ratio >= TARGET_RATIO else 'NOT MET'})"
    )
    print(
        f"  peak RSS {peak_mb:,.1f} MB (process, interpreter included; {rss_before:,.1f} MB "
        f"before verifying) (target < {TARGET_PEAK_MB:.0f} MB: "
        f"{'met' if peak_mb < TARGET_PEAK_MB else 'NOT MET'})"
    )


if __name__ == "__main__":
    main()
