"""Hostile inputs, measured: how long refusing each takes, and the peak memory it costs.

Each case is a file written once under ``build/bench/inputs/`` and read the way a command reads
its input (``jointzone.inputs.read_yaml`` or ``read_json``: bounded read, UTF-8, parse), in a
child process of its own, so that its peak resident set (``VmHWM``, interpreter included, the
figure an operator would see) is its own. Targets (issue 8): a billion-laughs YAML and a
1 MB deep-nesting JSON are each refused in under 1 s and under 100 MB. Two well-formed files
are read too, with the ratio of their time to the plain parser's (``yaml`` with libyaml,
``json``): the price of the limits on input that is accepted.

    .venv/bin/python -m bench.bench_inputs [--rounds 5]
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jointzone.inputs import ACT, SCENARIO, TRUST_BUNDLE, InputError, Limits, read_json, read_yaml

WORK = Path("build") / "bench" / "inputs"
SEED_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "seed.yaml"
TARGET_SECONDS = 1.0
TARGET_PEAK_MB = 100.0


def _billion_laughs() -> str:
    """Ten levels of ten aliases: 10**9 'lol's from under a kilobyte."""
    lines = [f"a: &a [{', '.join(['lol'] * 10)}]"]
    for i in range(1, 10):
        this, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{this}: &{this} [{', '.join([f'*{prev}'] * 10)}]")
    return "\n".join(lines) + "\n"


def _bundle_shaped(size: int) -> str:
    """A trust-bundle-shaped JSON document of about ``size`` bytes: a checkpoint and a table
    (base64) that is nearly all of it, as a zone with a long revocation list would give."""
    doc = {
        "format": "jointzone-trust-bundle/3",
        "key_changes": [],
        "checkpoint": "jointzone.example/log\n1\n" + "A" * 44 + "\n",
        "table": base64.b64encode(bytes(size * 3 // 4 - 100)).decode(),
    }
    return json.dumps(doc, indent=None)


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    text: Callable[[], str]
    limits: Limits
    refused: bool
    """Refusal cases have the targets; accepted ones are compared with the plain parser."""


CASES = [
    Case("billion-laughs YAML", "laughs.yaml", _billion_laughs, ACT, refused=True),
    Case(
        "1 MB deep-nesting JSON",
        "deep.json",
        lambda: "[" * 500_000 + "]" * 500_000,
        ACT,
        refused=True,
    ),
    Case("1 MB deep-nesting YAML (flow)", "deep-flow.yaml", lambda: "[" * 1_000_000, ACT, True),
    Case("1 MB deep-nesting YAML (block)", "deep-block.yaml", lambda: "- " * 500_000, ACT, True),
    Case(
        "1 MB of empty JSON lists",
        "lists.json",
        lambda: "[" + "[]," * 333_000 + "1]",
        ACT,
        refused=True,
    ),
    Case(
        "16 MB of empty JSON lists, as a trust bundle",
        "lists-16mb.json",
        lambda: "[" + "[]," * 5_333_000 + "1]",
        TRUST_BUNDLE,
        refused=True,
    ),
    Case(
        "1 MB of empty YAML lists",
        "lists.yaml",
        lambda: "[" + "[]," * 333_000 + "1]",
        ACT,
        refused=True,
    ),
    Case(
        "1 MB JSON integer of 999,990 digits",
        "integer.json",
        lambda: '{"n": ' + "9" * 999_990 + "}",
        ACT,
        refused=True,
    ),
    Case(
        "15 MB trust-bundle-shaped JSON",
        "bundle.json",
        lambda: _bundle_shaped(15_000_000),
        TRUST_BUNDLE,
        refused=False,
    ),
    Case(
        "seed scenario YAML (32 kB)",
        "seed.yaml",
        lambda: SEED_SCENARIO.read_text(encoding="utf-8"),
        SCENARIO,
        refused=False,
    ),
]


def _prepare() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        path = WORK / case.file
        if not path.exists():
            path.write_text(case.text(), encoding="utf-8")


def _read(case: Case) -> Callable[[], Any]:
    path = WORK / case.file
    reader = read_yaml if case.file.endswith(".yaml") else read_json
    return lambda: reader(path, limits=case.limits)


def _plain(case: Case) -> Callable[[], Any]:
    path = WORK / case.file
    if case.file.endswith(".yaml"):
        return lambda: yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return lambda: json.loads(path.read_bytes())


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc (0 where there is none), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report the
    # parent's peak at fork; the high-water mark starts afresh with the program.
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best(call: Callable[[], Any], rounds: int) -> tuple[float, str]:
    best = float("inf")
    outcome = ""
    for _ in range(rounds):
        t0 = time.perf_counter()
        try:
            call()
            outcome = "accepted"
        except InputError as e:
            outcome = f"{type(e).__name__}: {e.detail}"
        best = min(best, time.perf_counter() - t0)
    return best, outcome


def run_case(index: int, rounds: int) -> None:
    """One case in this (child) process: one line of figures."""
    case = CASES[index]
    before = _status_mb("VmRSS")
    seconds, outcome = _best(_read(case), rounds)
    peak = _peak_mb()
    size = (WORK / case.file).stat().st_size
    print(f"{case.name} ({size:,} bytes)")
    print(f"  {outcome[:110]}")
    line = f"  {seconds * 1000:,.2f} ms (best of {rounds}), peak RSS {peak:,.1f} MB "
    line += f"({before:,.1f} MB before reading)"
    if case.refused:
        met = seconds < TARGET_SECONDS and peak < TARGET_PEAK_MB
        line += f"; target < {TARGET_SECONDS:.0f} s, < {TARGET_PEAK_MB:.0f} MB: "
        line += "met" if met else "NOT MET"
    else:
        plain, _ = _best(_plain(case), rounds)
        line += f"; plain parser {plain * 1000:,.1f} ms, ratio {seconds / plain:.2f}"
    print(line, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case is not None:
        run_case(args.case, args.rounds)
        return
    _prepare()
    for index in range(len(CASES)):
        cmd = [sys.executable, "-m", "bench.bench_inputs", "--case", str(index)]
        subprocess.run([*cmd, "--rounds", str(args.rounds)], check=True)


if __name__ == "__main__":
    main()
