"""Broken regime files: every error names the file and the key, and says what was found."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from regime_factory import assert_problem, edit_json, edit_yaml, load_error, seed_copy

from jointzone.inputs import REGIME
from jointzone.regime import RegimeFileError

Change = Callable[[Any], None]


def _set(*args: Any) -> Change:
    """``_set("a", 0, "b", value)``: set ``data["a"][0]["b"] = value``."""
    path, value = args[:-1], args[-1]

    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _delete(*path: str | int) -> Change:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("version", "2"), "version: Input should be a valid integer, got '2'"),
        (_set("version", 0), "version: Input should be greater than or equal to 1, got 0"),
        (_delete("origin"), "origin: missing (required)"),
        (_set("origin", "jointzone example"), "origin: String should match pattern"),
        (_set("colour", "blue"), "colour: not a known key"),
        (_set("languages", ["ja", "RU", "en"]), "languages[1]: expected a BCP 47 language tag"),
        (_set("languages", ["ja", "ru", "en", "ja"]), "languages[3]: 'ja' is used more than once"),
        (
            _set("parties", 0, "names", "ja", None),
            "parties[0].names.ja: Input should be a valid string",
        ),
        (
            _delete("parties", 1, "names", "en"),
            "parties[1].names.en: missing (a name in every regime language)",
        ),
        (_set("parties", 1, "id", "japan"), "parties[1].id: 'japan' is used more than once"),
        (_delete("categories", 2, "names", "ru"), "categories[2].names.ru: missing"),
        (
            _set("categories", 0, "indicators", 0, "value", "float"),
            "categories[0].indicators[0].value: Input should be 'integer' or 'decimal', got "
            "'float'",
        ),
        (
            _set("categories", 2, "indicators", 0, "scale", 2),
            "categories[2].indicators[0].scale: an integer indicator has scale 0, got 2",
        ),
        (
            _set("categories", 1, "code", 1),
            "categories[1].code: expected a code no other category has, found 1",
        ),
        (
            _set("categories", 0, "indicators", []),
            "categories[0].indicators: Tuple should have at least 1 item",
        ),
        (
            _set("act_types", "enterprise.register", "roles", ["registrar", "clerk"]),
            "act_types.enterprise.register.roles: 'clerk' is not a role of this regime",
        ),
        (
            _set("act_types", "enterprise.register", "consent", "some-party"),
            "act_types.enterprise.register.consent: Input should be",
        ),
        (
            _set("act_types", "enterprise.register", "threshold", {"china": 1}),
            "act_types.enterprise.register.threshold.china: not a party of this regime",
        ),
        (
            _set("act_types", "enterprise.register", "threshold", {"japan": 0}),
            "act_types.enterprise.register.threshold.japan: Input should be greater than or "
            "equal to 1",
        ),
        (
            _set("act_types", "official.appoint", "roles", ["registrar"]),
            "act_types.official.appoint: consent 'own-party-root' is given by root keys",
        ),
        (
            _set("act_types", "incident.report", "roles", []),
            "act_types.incident.report.roles: expected at least one role",
        ),
        (
            _set("act_types", "Project", {"consent": "every-party", "roles": ["registrar"]}),
            "act_types.Project.[key]: expected an act type such as 'project.approve'",
        ),
        (_set("name_order", "ru", ["russia"]), "name_order.ru: expected each party exactly once"),
        (
            _delete("name_order", "en"),
            "name_order.en: missing (every regime language has a name order)",
        ),
        (
            _set("sequencer", "order", ["japan", "japan"]),
            "sequencer.order: expected each party exactly once",
        ),
        (
            _set("sequencer", "rotation", "fortnightly"),
            "sequencer.rotation: Input should be 'calendar-month' or 'calendar-year'",
        ),
        (
            _set("crossing_points", 1, "place", "atlantis"),
            "crossing_points[1].place: no place has ref 'atlantis'",
        ),
        (
            _set("crossing_points", 1, "kind", "rail"),
            "crossing_points[1].kind: Input should be 'sea' or 'air', got 'rail'",
        ),
        (
            _set("proposal_expiry_days", 30.0),
            "proposal_expiry_days: Input should be a valid integer, got 30.0",
        ),
        (
            _set("gazetteer", "places", "../places.yaml"),
            "gazetteer.places: expected a file name beside regime.yaml",
        ),
        (_delete("gazetteer"), "gazetteer: expected a mapping of places and outlines file names"),
    ],
)
def test_regime_yaml_errors(tmp_path: Path, change: Change, expected: str) -> None:
    root = seed_copy(tmp_path)
    edit_yaml(root / "regime.yaml", change)
    assert_problem(load_error(root), "regime.yaml", expected)


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)

    def change(data: Any) -> None:
        data["version"] = "2"
        del data["origin"]

    edit_yaml(root / "regime.yaml", change)
    error = load_error(root)
    assert [p.split(":")[0] for p in error.problems] == ["version", "origin"]
    assert "2 problem(s)" in str(error)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _delete("places", 0, "names", "russia", "ja"),
            "places[0].names.russia.ja: missing (every name in every regime language)",
        ),
        (_set("places", 2, "parent", "atlantis"), "places[2].parent: no place has ref 'atlantis'"),
        (
            _set("places", 1, "ref", "etorofu-iturup"),
            "places[1].ref: 'etorofu-iturup' is used by more than one place",
        ),
        (_set("places", 0, "centre", [147.84]), "places[0].centre: expected [longitude, latitude]"),
        (_set("places", 0, "kind", "peninsula"), "places[0].kind: Input should be"),
        (
            _set("places", 5, "code", 1),
            "places[5].code: expected a code no other place has, found 1 (already the code of "
            "'etorofu-iturup')",
        ),
        (_set("places", 0, "code", -1), "places[0].code: Input should be greater than"),
        (
            _set("places", 4, "parent", "yuri"),
            "places[4].parent: 'habomai' leads into a loop of parents",
        ),
    ],
)
def test_places_yaml_errors(tmp_path: Path, change: Change, expected: str) -> None:
    root = seed_copy(tmp_path)
    if "loop" in expected:
        # habomai -> yuri -> habomai
        edit_yaml(root / "places.yaml", _set("places", 3, "parent", "yuri"))
        edit_yaml(root / "places.yaml", _set("places", 6, "parent", "habomai"))
        expected = "places[3].parent: 'habomai' leads into a loop of parents"
    else:
        edit_yaml(root / "places.yaml", change)
    assert_problem(load_error(root), "places.yaml", expected)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _set("features", 2, "properties", "ref", "atlantis"),
            "features[2].properties.ref: no place has ref 'atlantis'",
        ),
        (
            _set("features", 2, "properties", "kind", "continent"),
            "features[2].properties.kind: expected one of ['island', 'context']",
        ),
        (
            _set("features", 2, "properties", "name", "Shikotan"),
            "features[2].properties: unexpected keys ['name']",
        ),
        (
            _set("features", 2, "geometry", "type", "Point"),
            "features[2].geometry: expected a Polygon or a non-empty MultiPolygon",
        ),
        (
            _set("features", 2, "geometry", "coordinates", 0, 3, ["146.7", 43.8]),
            "features[2].geometry.coordinates[0][3]: expected a number, got '146.7'",
        ),
        (
            _set("features", 2, "geometry", "coordinates", 0, 3, [246.7, 43.8]),
            "features[2].geometry.coordinates[0][3]: [246.7, 43.8] is not a [longitude, "
            "latitude] pair",
        ),
        (
            _set("features", 2, "geometry", "coordinates", 0, 0, [146.0, 43.0]),
            "features[2].geometry.coordinates[0]: ring is not closed",
        ),
        (
            _set("features", 1, "properties", "ref", "etorofu-iturup"),
            "features[1].properties.ref: 'etorofu-iturup' has more than one outline",
        ),
        (_set("type", "Feature"), "type: expected 'FeatureCollection'"),
    ],
)
def test_zone_geojson_errors(tmp_path: Path, change: Change, expected: str) -> None:
    root = seed_copy(tmp_path)
    edit_json(root / "zone.geojson", change)
    assert_problem(load_error(root), "zone.geojson", expected)


def test_context_outlines_need_no_place(tmp_path: Path) -> None:
    # nemuro-peninsula is context (a clipped coast for maps), not a place of the gazetteer.
    from jointzone.regime import Regime

    regime = Regime.from_dir(seed_copy(tmp_path))
    assert "nemuro-peninsula" not in regime.gazetteer
    assert regime.gazetteer.outline("nemuro-peninsula") is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: seed\nversion: 1\nversion: 2\n", "line 3, column 1: duplicate key 'version'"),
        ("id: seed\n  version: [1\n", "line 2, column"),
        ("- just\n- a list\n", "(top level): expected a mapping"),
    ],
)
def test_yaml_syntax_errors_name_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    root = seed_copy(tmp_path)
    (root / "regime.yaml").write_text(text, encoding="utf-8")
    assert_problem(load_error(root), "regime.yaml", expected)


def test_json_syntax_errors_name_line_and_column(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    (root / "zone.geojson").write_text(
        '{"type": "FeatureCollection",\n "features": [}', encoding="utf-8"
    )
    assert_problem(load_error(root), "zone.geojson", "line 2, column 15: not valid JSON")


def test_missing_files(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    (root / "places.yaml").unlink()
    assert_problem(load_error(root), "places.yaml", "file not found")
    assert_problem(load_error(tmp_path / "nowhere"), "regime.yaml", "file not found")


def test_not_utf8(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    (root / "regime.yaml").write_bytes(b"id: \xff\n")
    assert_problem(
        load_error(root), "regime.yaml", "line 1, column 5 (byte offset 4): not UTF-8 text"
    )


# -- bounded input: every regime file is read with the REGIME limits of jointzone.inputs -------


def test_anchors_and_aliases_are_refused(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    text = (root / "regime.yaml").read_text(encoding="utf-8")
    (root / "regime.yaml").write_text("x-roles: &roles [registrar]\n" + text, encoding="utf-8")
    assert_problem(
        load_error(root), "regime.yaml", "line 1, column 10: YAML anchors and aliases are not"
    )


def test_duplicate_keys_in_the_outlines_are_refused(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    (root / "zone.geojson").write_text(
        '{"type": "FeatureCollection",\n "features": [], "type": "x"}', encoding="utf-8"
    )
    assert_problem(
        load_error(root), "zone.geojson", "line 2, column 18: duplicate key 'type' in this object"
    )


def test_a_fifo_for_the_places_file_is_refused_without_blocking(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    (root / "places.yaml").unlink()
    os.mkfifo(root / "places.yaml")
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: errors.append(load_error(root)), daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "Regime.from_dir blocked on a FIFO"
    error = errors[0]
    assert isinstance(error, RegimeFileError)
    assert_problem(error, "places.yaml", "expected a regime file, a regular file; found a named")


def test_an_oversized_outlines_file_is_refused(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    with (root / "zone.geojson").open("ab") as f:
        f.truncate(REGIME.max_bytes + 1)
    assert_problem(load_error(root), "zone.geojson", "4,000,001 bytes is larger than the")


def test_a_huge_integer_is_refused_not_a_traceback(tmp_path: Path) -> None:
    root = seed_copy(tmp_path)
    edit_yaml(root / "regime.yaml", _set("version", 1))
    text = (root / "regime.yaml").read_text(encoding="utf-8")
    (root / "regime.yaml").write_text(
        text.replace("version: 1\n", "version: " + "9" * 5000 + "\n", 1), encoding="utf-8"
    )
    assert_problem(load_error(root), "regime.yaml", "line 2, column 10: integer 9999")
