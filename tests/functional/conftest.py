"""A seeded embedded deployment, made once per session and copied for each test that changes it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jointzone.node import EmbeddedDeployment
from jointzone.scenario import Scenario, ScenarioClock, play

ROOT = Path(__file__).parents[2]
REGIME = ROOT / "regimes" / "seed"
SCENARIO = ROOT / "scenarios" / "seed.yaml"
KEYS = {"japan": b"test-japan", "russia": b"test-russia"}


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployment with the whole seed scenario played into it."""
    root = tmp_path_factory.mktemp("seeded") / "zone"
    scenario = Scenario.from_file(SCENARIO)
    clock = ScenarioClock(scenario.steps[0].at)
    with EmbeddedDeployment.create(root, regime_dir=REGIME, passphrases=KEYS, clock=clock) as d:
        play(d, scenario, clock)
    return root


@pytest.fixture
def seeded(seeded_dir: Path, tmp_path: Path) -> Iterator[tuple[EmbeddedDeployment, ScenarioClock]]:
    """A private copy of the seeded deployment, open, with a clock after the scenario's end."""
    root = tmp_path / "zone"
    shutil.copytree(seeded_dir, root)
    clock = ScenarioClock(datetime(2020, 1, 15, tzinfo=UTC))
    with EmbeddedDeployment.open(root, passphrases=KEYS, regime_dir=REGIME, clock=clock) as d:
        yield d, clock
