"""Loading a lexicon: every problem names the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jointzone.neutrality import Lexicon, LexiconFileError, NeutralityError, load_lexicon

SEED = Path(__file__).resolve().parents[3] / "regimes" / "seed"


def _seed_data() -> Any:
    return yaml.safe_load((SEED / "neutrality.yaml").read_text(encoding="utf-8"))


def test_seed_lexicon_loads(lexicon: Lexicon) -> None:
    assert lexicon.languages == ("en", "ja", "ru")
    assert {u.id for u in lexicon.admin_units} >= {
        "sakhalin-oblast",
        "yuzhno-kurilsky",
        "tomari-mura",
    }
    assert {t.party for t in lexicon.collective_terms} == {"japan", "russia"}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["admin_units"][0].update(party="china"), "admin_units[0].party: 'china'"),
        (lambda d: d["admin_units"][1].update(scope="chain"), "admin_units[1].scope"),
        (lambda d: d["claims"]["en"][0].update(pattern="(unclosed"), "claims.en[0].pattern"),
        (lambda d: d["collective_terms"][0].update(colour="red"), "collective_terms[0].colour"),
        (lambda d: d["names"].update(pairing_window=-1), "names.pairing_window"),
        (lambda d: d["zone_phrase"].pop("ru"), "zone_phrase.ru: missing"),
        (lambda d: d.update(version=2), "version: expected 1, got 2"),
        (lambda d: d.update(parties=3), "parties: expected a mapping, got int"),
        (
            lambda d: d["parties"]["japan"]["en"].update(colour=[]),
            "parties.japan.en.colour: unknown",
        ),
        (lambda d: d["parties"]["japan"]["en"].update(nouns=[""]), "parties.japan.en.nouns[0]"),
        (lambda d: d["admin_units"][2].update(id="Bad Id"), "admin_units[2].id: expected a lower"),
        (
            lambda d: d["admin_units"][2].update(id="kurilsky"),
            "admin_units[2].id: 'kurilsky' is used",
        ),
        (
            lambda d: d["claims"]["en"][1].update(party="china"),
            "claims.en[1].party: expected a party",
        ),
        (
            lambda d: d["claims"]["ja"][0].update(pattern="日本（国）"),
            "claims.ja[0].pattern: expected",
        ),
        (lambda d: d["claims"]["en"][0].update(zone="yes"), "claims.en[0].zone: expected true or"),
        (lambda d: d.pop("quotations"), "quotations: missing"),
    ],
)
def test_bad_lexicon_names_the_key(tmp_path: Path, edit: Any, message: str) -> None:
    data = _seed_data()
    edit(data)
    path = tmp_path / "neutrality.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LexiconFileError) as info:
        load_lexicon(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert isinstance(info.value, NeutralityError)


def test_every_shape_problem_is_reported_at_once() -> None:
    data = _seed_data()
    data["names"]["pairing_window"] = "80"
    data["collective_terms"][1]["scope"] = "mixed"
    with pytest.raises(LexiconFileError) as info:
        Lexicon.from_data(data, source="neutrality.yaml")
    assert info.value.problems == [
        "names.pairing_window: expected an integer, got str",
        "collective_terms[1].scope: expected 'zone' or 'chain', got 'mixed'",
    ]


def test_a_lexicon_that_is_not_a_mapping() -> None:
    with pytest.raises(LexiconFileError, match=r"\(top level\): expected a mapping, got list"):
        Lexicon.from_data(["version", 1], source="neutrality.yaml")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(LexiconFileError, match="cannot read"):
        load_lexicon(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("parties: [unclosed\n", encoding="utf-8")
    with pytest.raises(LexiconFileError, match=r"line \d+, column \d+: not valid YAML"):
        load_lexicon(bad)
