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
        (lambda d: d.update(version=2), "version: expected 1"),
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


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(LexiconFileError, match="cannot read"):
        load_lexicon(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("parties: [unclosed\n", encoding="utf-8")
    with pytest.raises(LexiconFileError, match=r"line \d+, column \d+: not valid YAML"):
        load_lexicon(bad)
