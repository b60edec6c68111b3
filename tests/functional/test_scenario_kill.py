"""Kill the scenario at random points, restart it, and check: no acknowledged act lost, no fork.

An act is acknowledged when the scenario prints its log position, which it does only after the
commit round returned. The short form kills at least 20 times; JOINTZONE_SOAK sets how many.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from jointzone.node import EmbeddedDeployment, audit
from jointzone.store import open_store

ROOT = Path(__file__).parents[2]
REGIME = ROOT / "regimes" / "seed"
SCENARIO = ROOT / "scenarios" / "seed.yaml"

KILLS = max(20, int(os.environ.get("JOINTZONE_SOAK", "20")))
ACK = re.compile(r"#(\d+)\s+\S+.*\[([0-9a-f]{12}), ")
DEMO = {"japan": b"demo-passphrase-not-a-secret", "russia": b"demo-passphrase-not-a-secret"}


def _run(directory: Path, kill_after: float | None) -> tuple[bool, list[tuple[int, str]]]:
    """Run the scenario; SIGKILL it after ``kill_after`` seconds. Returns (finished, acks)."""
    cmd = [
        sys.executable,
        "-m",
        "jointzone",
        "scenario",
        str(directory),
        "--demo-keys",
        "--scenario",
        str(SCENARIO),
        "--regime",
        str(REGIME),
    ]
    acks: list[tuple[int, str]] = []
    lines: list[str] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        killed = _watch(proc, kill_after, acks, lines)
        stderr = proc.stderr.read() if proc.stderr else ""
    if not killed:
        assert proc.returncode == 0, f"scenario failed:\n{''.join(lines)}\n{stderr}"
    return not killed, acks


def _watch(
    proc: subprocess.Popen[str],
    kill_after: float | None,
    acks: list[tuple[int, str]],
    lines: list[str],
) -> bool:

    started = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            started.set()
            lines.append(line)
            if m := ACK.search(line):
                acks.append((int(m[1]), m[2]))
        started.set()  # ended without a line: nothing to wait for

    reader = threading.Thread(target=read)
    reader.start()
    try:
        # The moment is counted from the scenario's first line, not from the process's start:
        # on a loaded machine importing the CLI alone can take longer than the longest wait,
        # and a process killed before it acts tests nothing.
        if kill_after is not None:
            started.wait(timeout=120)
        proc.wait(timeout=kill_after)
        killed = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = True
    reader.join()
    return killed


def _check(directory: Path, acked: dict[int, str]) -> int:
    with EmbeddedDeployment.open(directory, passphrases=DEMO) as d:
        roots = {p: (n.log_size(), n.store.root()) for p, n in d.nodes.items()}
        assert len(set(roots.values())) == 1, f"fork: {roots}"
        node = d.nodes["japan"]
        for index, prefix in acked.items():
            entry_id = _act_id_at(node, index)
            assert entry_id.startswith(prefix), f"acknowledged act {prefix} lost at {index}"
        size = node.log_size()
    for party in ("japan", "russia"):
        with open_store(f"sqlite:///{directory / party / 'node.db'}") as store:
            report = audit(store)
            assert report.checkpoint_size == report.size == size
    return size


def _act_id_at(node: object, index: int) -> str:
    from jointzone.consent import Entry

    (data,) = node.store.read_entries(index, index + 1)  # type: ignore[attr-defined]
    return Entry.decode(data).proposal.id


def test_killed_scenario_loses_no_acknowledged_act_and_never_forks(tmp_path: Path) -> None:
    rng = random.Random(os.environ.get("JOINTZONE_SOAK_SEED", time.time_ns()))
    kills = 0
    cycle = 0
    while kills < KILLS:
        directory = tmp_path / f"zone-{cycle}"
        acked: dict[int, str] = {}
        finished = False
        while not finished:
            finished, acks = _run(directory, rng.uniform(0.5, 3.0))
            for index, prefix in acks:
                assert acked.setdefault(index, prefix) == prefix, f"position {index} changed"
            if not finished:
                kills += 1
        size = _check(directory, acked)
        assert size == 138
        cycle += 1
