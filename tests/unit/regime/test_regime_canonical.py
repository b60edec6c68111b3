"""canonical(): the regime as plain, deterministic content that round-trips exactly."""

from __future__ import annotations

import copy
import json
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from regime_factory import SEED

from jointzone.regime import Regime, RegimeFileError
from jointzone.regime._numbers import float_text, parse_float_text


@pytest.fixture(scope="module")
def seed() -> Regime:
    return Regime.from_dir(SEED)


def _walk(value: Any, at: str = "") -> None:
    assert isinstance(value, str | int | list | dict), f"{at}: {type(value).__name__}"
    assert not isinstance(value, float), at
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), at
            _walk(v, f"{at}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{at}[{i}]")


def test_canonical_is_plain(seed: Regime) -> None:
    _walk(seed.canonical())


def test_canonical_is_deterministic(seed: Regime) -> None:
    again = Regime.from_dir(SEED)
    assert cbor2.dumps(seed.canonical(), canonical=True) == cbor2.dumps(
        again.canonical(), canonical=True
    )
    assert json.dumps(seed.canonical(), sort_keys=True) == json.dumps(
        again.canonical(), sort_keys=True
    )


def test_round_trip(seed: Regime) -> None:
    content = seed.canonical()
    back = Regime.from_canonical(content)
    assert back == seed
    assert back.canonical() == content
    decoded = cbor2.loads(cbor2.dumps(content, canonical=True))
    assert Regime.from_canonical(decoded).canonical() == content


def test_defaults_are_spelt_out(seed: Regime) -> None:
    content = seed.canonical()
    assert content["act_types"]["enterprise.register"] == {
        "consent": "every-party",
        "threshold": {"japan": 1, "russia": 1},
        "roles": ["registrar"],
    }
    assert content["act_types"]["regime.amend"] == {
        "consent": "every-party-root",
        "threshold": {},
        "roles": [],
    }
    assert content["places"][0]["centre"] == ["147.84", "45.05"]
    assert content["places"][0]["area_km2"] == {"japan": "3166.6", "russia": "3139"}
    assert "gazetteer" not in content
    assert {"places", "outlines"} <= content.keys()


def test_canonical_returns_a_fresh_copy(seed: Regime) -> None:
    content = seed.canonical()
    content["version"] = 99
    content["parties"][0]["names"]["en"] = "changed"
    assert seed.canonical()["version"] == 1
    assert seed.party("japan").names["en"] == "Japan"


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("places", 0, "centre"),
            [147.84, 45.05],
            "places[0].centre: expected a decimal string such as '145.86', got 147.84",
        ),
        (
            ("places", 0, "centre"),
            ["147.840", "45.05"],
            "places[0].centre: expected a canonical decimal string",
        ),
        (
            ("places", 0, "area_km2", "japan"),
            "3166.60",
            "places[0].area_km2.japan: expected a canonical decimal string",
        ),
        (
            ("outlines", 0, "polygons", 0, 0, 0),
            [148.8167, 45.3335],
            "outlines[0].polygons[0][0][0]: expected a decimal string",
        ),
        (("outlines", 0, "ref"), "atlantis", "outlines[0].ref: no place has ref 'atlantis'"),
        (("version",), "1", "version: Input should be a valid integer, got '1'"),
        (("gazetteer",), {"places": "places.yaml"}, "gazetteer: not a known key"),
    ],
)
def test_from_canonical_errors_name_the_key(
    seed: Regime, path: tuple[Any, ...], value: Any, expected: str
) -> None:
    content = copy.deepcopy(seed.canonical())
    target = content
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(RegimeFileError) as caught:
        Regime.from_canonical(content)
    assert caught.value.source == "canonical regime"
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_from_canonical_needs_places_and_outlines(seed: Regime) -> None:
    content = seed.canonical()
    del content["outlines"]
    with pytest.raises(RegimeFileError, match="outlines: missing"):
        Regime.from_canonical(content)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_text_round_trips(value: float) -> None:
    text = float_text(value)
    assert parse_float_text(text) == value
    assert "e" not in text
    assert "E" not in text
    assert float_text(parse_float_text(text)) == text
