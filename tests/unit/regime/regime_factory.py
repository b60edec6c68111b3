"""Copies of the seed regime to break: the regime tests' one factory."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from jointzone.regime import Regime, RegimeFileError

SEED = Path(__file__).resolve().parents[3] / "regimes" / "seed"


def seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "regime"
    shutil.copytree(SEED, target)
    return target


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def load_error(path: Path) -> RegimeFileError:
    with pytest.raises(RegimeFileError) as caught:
        Regime.from_dir(path)
    return caught.value


def assert_problem(error: RegimeFileError, file: str, expected: str) -> None:
    """The error names ``file`` and has a problem starting with ``expected`` (key path first)."""
    assert Path(error.source).name == file, error
    assert any(p.startswith(expected) for p in error.problems), error.problems
    assert error.source in str(error)
