"""Surface forms: Russian declension through the morphology dictionary, folding, romanisation."""

from __future__ import annotations

import pytest

from jointzone.neutrality import fold, russian_forms
from jointzone.neutrality._forms import english_forms, japanese_forms


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Итуруп", "Итурупе"),
        ("Итуруп", "Итурупа"),
        ("Кунашир", "Кунашира"),
        ("Шикотан", "Шикотане"),
        ("Южно-Курильск", "Южно-Курильске"),
        ("Курилы", "Курилах"),
        # multiword: the head declines, a genitive complement keeps its form
        ("остров Танфильева", "острове Танфильева"),
        ("острова Хабомаи", "островах Хабомаи"),
        ("Южно-Курильский район", "Южно-Курильском районе"),
        ("Южно-Курильский городской округ", "Южно-Курильского городского округа"),
        ("Сахалинская область", "Сахалинской области"),
        ("Малая Курильская гряда", "Малой Курильской гряды"),
        ("Горячие Ключи", "Горячих Ключах"),
        # an adjective used as a name, unknown to the dictionary, declines as an adjective
        ("Малокурильское", "Малокурильском"),
        # a numeral governs what follows
        ("четыре северных острова", "четырёх северных островов"),
    ],
)
def test_russian_names_decline(name: str, form: str) -> None:
    assert form in russian_forms(name)


@pytest.mark.parametrize("name", ["Эторофу", "Кунасири", "Хабомаи", "ТОР «Курилы»"])
def test_japanese_names_and_abbreviations_do_not_decline(name: str) -> None:
    assert russian_forms(name) == frozenset({name})


def test_no_wrong_forms_of_a_multiword_name() -> None:
    forms = russian_forms("Малая Курильская гряда")
    assert not any(f.startswith(("Малейш", "Меньш")) for f in forms)  # no comparatives
    assert "Танфильевой" not in " ".join(russian_forms("остров Танфильева"))


def test_capitals_kept_per_hyphenated_part() -> None:
    assert all(f.startswith("Южно-Курильск") for f in russian_forms("Южно-Курильск"))


def test_fold_keeps_length_and_reads_macrons_and_yo_plainly() -> None:
    text = "Etorofu-tō, Зелёный, ETOROFU’s"
    assert len(fold(text)) == len(text)
    assert fold(text) == "etorofu-to, зеленый, etorofu's"


def test_english_forms_add_hepburn_variants() -> None:
    forms = english_forms("Etorofu", island=True)
    assert {"Etorofu-tō", "Etorofu-to", "Etorofu Island", "Etorofu-jima"} <= forms
    assert "Etorofu-tou" in english_forms("Etorofu-tō", island=False)


def test_japanese_forms_with_and_without_middle_dot() -> None:
    assert japanese_forms("ゴリャーチエ・クリューチ") == {
        "ゴリャーチエ・クリューチ",
        "ゴリャーチエクリューチ",
    }
