"""A seeded embedded deployment, made once per session and copied for each test that changes it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jointzone.consent import Entry, Proposal
from jointzone.node import EmbeddedDeployment, Node
from jointzone.scenario import Scenario, ScenarioClock, play
from jointzone.tlog import leaf_hashes

ROOT = Path(__file__).parents[2]
REGIME = ROOT / "regimes" / "seed"
SCENARIO = ROOT / "scenarios" / "seed.yaml"
# Test keystores are demo keystores (cheap scrypt), with passphrases of the minimum length anyway.
KEYS = {"japan": b"test-japan-passphrase", "russia": b"test-russia-passphrase"}


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployment with the whole seed scenario played into it."""
    root = tmp_path_factory.mktemp("seeded") / "zone"
    scenario = Scenario.from_file(SCENARIO)
    clock = ScenarioClock(scenario.steps[0].at)
    with EmbeddedDeployment.create(
        root, regime_dir=REGIME, passphrases=KEYS, clock=clock, demo=True
    ) as d:
        for result in play(d, scenario, clock):
            if result.bundle is not None:  # what the officers carried, by day
                (root / f"trust-{result.step.at:%Y-%m-%d}.json").write_bytes(result.bundle)
    return root


@pytest.fixture
def seeded(seeded_dir: Path, tmp_path: Path) -> Iterator[tuple[EmbeddedDeployment, ScenarioClock]]:
    """A private copy of the seeded deployment, open, with a clock after the scenario's end."""
    root = tmp_path / "zone"
    shutil.copytree(seeded_dir, root)
    clock = ScenarioClock(datetime(2020, 1, 15, tzinfo=UTC))
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock) as d:
        yield d, clock


def offered_batch(
    sequencer: Node, proposal: Proposal, time: datetime
) -> tuple[int, list[bytes], bytes, list[bytes]]:
    """What a sequencer offers a witness for one entry dated ``time``, under its own signed
    checkpoint, made without any of the checks an honest sequencer makes of itself (a test's
    attacker, or a round cut short): old size, entries, checkpoint, proof."""
    old = sequencer.log_size()
    entry = Entry(time=time, proposal=proposal)
    sequencer.replica.admit(entry, old)
    edge = sequencer._edge(old)
    edge.extend(leaf_hashes([entry.encode()]))
    checkpoint = sequencer._sign_checkpoint(old + 1, edge.root())
    sequencer._replica = sequencer._replay()
    return old, [entry.encode()], checkpoint, []
