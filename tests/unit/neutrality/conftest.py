"""Shared fixtures: the seed regime's gazetteer, lexicon and checker, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jointzone.neutrality import Checker, Lexicon, load_lexicon
from jointzone.regime._gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "regimes" / "seed"
SEED_NAME_ORDER = {"ja": ["japan", "russia"], "ru": ["russia", "japan"], "en": ["japan", "russia"]}


@pytest.fixture(scope="session")
def name_order() -> dict[str, list[str]]:
    return SEED_NAME_ORDER


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return SEED


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    data = yaml.safe_load((SEED / "places.yaml").read_text(encoding="utf-8"))
    return Gazetteer.from_data(
        data, parties=["japan", "russia"], languages=["ja", "ru", "en"], source="places.yaml"
    )


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon(SEED / "neutrality.yaml")


@pytest.fixture(scope="session")
def checker(gazetteer: Gazetteer, lexicon: Lexicon) -> Checker:
    return Checker.for_regime(gazetteer, lexicon, SEED_NAME_ORDER)
