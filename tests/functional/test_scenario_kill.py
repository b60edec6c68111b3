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
import time
from pathlib import Path

from jointzone.node import EmbeddedDeployment, audit
from jointzone.store import open_store

from ._network import _Forked

ROOT = Path(__file__).parents[2]
REGIME = ROOT / "regimes" / "seed"
SCENARIO = ROOT / "scenarios" / "seed.yaml"

KILLS = max(20, int(os.environ.get("JOINTZONE_SOAK", "20")))
ACK = re.compile(r"#(\d+)\s+\S+.*\[([0-9a-f]{12}), ")
STARTED_S = 120.0
DEMO = {"japan": b"demo-passphrase-not-a-secret", "russia": b"demo-passphrase-not-a-secret"}


def _run(
    directory: Path, kill_after: float | None, log: Path
) -> tuple[bool, list[tuple[int, str]]]:
    """Run the scenario; SIGKILL it ``kill_after`` seconds after its first line. Returns
    (finished, acks).

    The process is forked from an interpreter that has imported the CLI already: the same
    command as ``python -m jointzone scenario``, without the seconds of imports each of the
    twenty-odd restarts would spend before its first act.
    """
    argv = [
        "scenario",
        str(directory),
        "--demo-keys",
        "--scenario",
        str(SCENARIO),
        "--regime",
        str(REGIME),
    ]
    log.write_bytes(b"")
    proc = _Forked(argv, log)
    killed = _watch(proc, kill_after, log)
    text = log.read_text(encoding="utf-8", errors="replace")
    if not killed:
        assert proc.poll() == 0, f"scenario failed:\n{text}"
    acks = [(int(m[1]), m[2]) for line in text.splitlines() if (m := ACK.search(line))]
    return not killed, acks


def _watch(proc: _Forked, kill_after: float | None, log: Path) -> bool:
    """Wait for the process to end, or kill it ``kill_after`` seconds after its first line.

    The moment is counted from the scenario's first line, not from the process's start: on a
    loaded machine starting can take longer than the longest wait, and a process killed before
    it acts tests nothing."""
    if kill_after is None:
        proc.wait(timeout=STARTED_S * 4)
        return False
    deadline = time.monotonic() + STARTED_S
    while log.stat().st_size == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        proc.wait(timeout=kill_after)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=STARTED_S)
        return True


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
            finished, acks = _run(directory, rng.uniform(0.5, 3.0), tmp_path / "scenario.log")
            for index, prefix in acks:
                assert acked.setdefault(index, prefix) == prefix, f"position {index} changed"
            if not finished:
                kills += 1
        size = _check(directory, acked)
        assert size == 138
        cycle += 1
