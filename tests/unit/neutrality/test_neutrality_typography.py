"""Seeing through typography, and pointing at the text as written."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointzone.neutrality import Checker, Finding, Rule
from jointzone.neutrality._typography import fold_lookalikes, normalize

A, B, C, D, E = list(Rule)
TYPOGRAPHY = Path(__file__).resolve().parents[2] / "data" / "neutrality" / "typography.jsonl"
PACKAGE = Path(__file__).resolve().parents[3] / "src" / "jointzone" / "neutrality"


def _only(checker: Checker, text: str) -> Finding:
    (f,) = [f for f in checker.check(text) if f.blocking]
    assert text[f.start : f.end] == f.words
    (gated,) = checker.gate({"summary": text})
    assert (gated.field, gated.finding) == ("summary", f)
    return f


# -- the tricks, one by one: in the checker and in the gate --------------------------------
def test_homoglyph_cyrillic_i_in_kuril_is_found(checker: Checker) -> None:
    f = _only(checker, "The Kur\u0456l Islands are cold.")
    assert (f.rule, f.start, f.end, f.words) == (C, 4, 17, "Kur\u0456l Islands")
    assert f.message.startswith("'Kuril Islands' is Russia's term")


def test_homoglyph_latin_k_and_p_in_russian_term_is_found(checker: Checker) -> None:
    text = "K\u0443p\u0438\u043b\u044c\u0441\u043a\u0438\u0435 острова покрыты снегом."
    f = _only(checker, text)
    assert (f.rule, f.words, f.language) == (C, text[:18], "ru")
    assert f.message.startswith("'Курильские острова' is Russia's term")


def test_no_break_space_inside_a_term_is_a_space(checker: Checker) -> None:
    f = _only(checker, "The Northern\u00a0Territories are disputed.")
    assert (f.rule, f.start, f.end) == (C, 4, 24)


@pytest.mark.parametrize("space", ["\u202f", "\u2007", "\u2009", "\t", "   ", " \u200b "])
def test_any_run_of_spaces_inside_a_term_is_one_space(checker: Checker, space: str) -> None:
    text = f"The Southern{space}Kurils are disputed."
    f = _only(checker, text)
    assert (f.rule, f.words) == (C, f"Southern{space}Kurils")


def test_zero_width_space_inside_a_term_is_ignored(checker: Checker) -> None:
    f = _only(checker, "The North\u200bern Territories are disputed.")
    assert (f.rule, f.start, f.end, f.words) == (C, 4, 25, "North\u200bern Territories")


@pytest.mark.parametrize("invisible", ["\u200c", "\u200d", "\u2060", "\ufeff", "\U000e0041"])
def test_other_invisible_characters_inside_a_name_are_ignored(
    checker: Checker, invisible: str
) -> None:
    f = _only(checker, f"The team landed on Itu{invisible}rup.")
    assert (f.rule, f.words) == (A, f"Itu{invisible}rup")


def test_soft_hyphen_inside_a_term_is_ignored(checker: Checker) -> None:
    f = _only(checker, "The Sou\u00adthern Kurils are disputed.")
    assert (f.rule, f.words) == (C, "Sou\u00adthern Kurils")


def test_fullwidth_term_is_found(checker: Checker) -> None:
    text = "The \uff2b\uff55\uff52\uff49\uff4c \uff29\uff53\uff4c\uff41\uff4e\uff44\uff53 are cold."
    f = _only(checker, text)
    assert (f.rule, f.start, f.end, f.words) == (C, 4, 17, text[4:17])


def test_mathematical_letters_are_read_as_letters(checker: Checker) -> None:
    text = "The \U0001d40a\U0001d42e\U0001d42b\U0001d422\U0001d425\U0001d42c are cold."
    f = _only(checker, text)
    assert (f.rule, f.start, f.end) == (C, 4, 10)


def test_zero_width_space_inside_a_japanese_term_is_ignored(checker: Checker) -> None:
    f = _only(checker, "北方\u200b領土は寒い。")
    assert (f.rule, f.start, f.end, f.words, f.language) == (C, 0, 5, "北方\u200b領土", "ja")


def test_halfwidth_katakana_name_is_found(checker: Checker) -> None:
    f = _only(checker, "\uff78\uff85\uff7c\uff99島で調査が行われた。")
    assert (f.rule, f.words, f.suggestion) == (A, "\uff78\uff85\uff7c\uff99島", "国後島/クナシル島")


def test_combining_accents_are_composed_before_matching(checker: Checker) -> None:
    # "й" written as "и" and a combining breve; "ō" as "o" and a combining macron
    text = "Южно-Курильскии\u0306 раи\u0306он создан давно."
    f = _only(checker, text)
    assert (f.rule, f.start, f.end, f.words) == (B, 0, 23, text[:23])
    g = _only(checker, "The delegation flew to Kunashiri-to\u0304.")
    assert (g.rule, g.words) == (A, "Kunashiri-to\u0304")


def test_line_break_inside_a_term_is_a_space(checker: Checker) -> None:
    f = _only(checker, "The Northern\nTerritories are disputed.")
    assert (f.rule, f.words) == (C, "Northern\nTerritories")
    assert f.message.startswith("'Northern Territories' is")


def test_line_break_inside_a_japanese_term_is_ignored(checker: Checker) -> None:
    f = _only(checker, "北方\n領土は寒い。")
    assert (f.rule, f.words) == (C, "北方\n領土")


def test_line_break_between_japanese_words_still_ends_the_sentence(checker: Checker) -> None:
    # each term alone in its sentence: neither pairs with the other
    found = [(f.rule, f.words) for f in checker.check("北方領土\n南クリル諸島")]
    assert found == [(C, "北方領土"), (C, "南クリル諸島")]


def test_line_break_still_ends_a_sentence(checker: Checker) -> None:
    found = [(f.rule, f.words) for f in checker.check("Northern Territories\nSouthern Kurils")]
    assert found == [(C, "Northern Territories"), (C, "Southern Kurils")]


def test_greek_capital_iota_in_iturup_is_found(checker: Checker) -> None:
    f = _only(checker, "The team landed on \u0399turup.")
    assert (f.rule, f.start, f.end, f.words) == (A, 19, 25, "\u0399turup")


def test_greek_omicron_in_etorofu_is_found(checker: Checker) -> None:
    f = _only(checker, "Greenhouses will be built on Etor\u03bffu.")
    assert (f.rule, f.words, f.suggestion) == (A, "Etor\u03bffu", "Etorofu/Iturup")


def test_greek_kappa_in_russian_name_is_found(checker: Checker) -> None:
    f = _only(checker, "На \u039aунашире построят порт.")
    assert (f.rule, f.words, f.suggestion) == (A, "\u039aунашире", "Кунашире/Кунасири")


def test_homoglyph_in_claim_language_is_found(checker: Checker) -> None:
    f = _only(checker, "The islands were illeg\u0430lly occupied.")
    assert (f.rule, f.words) == (E, "illeg\u0430lly occupied")


def test_homoglyphs_in_a_neutral_pair_keep_it_neutral(checker: Checker) -> None:
    assert checker.gate({"title": "Greenhouses on Et\u043erofu/\u0406turup"}) == []


# -- what folding must not break ---------------------------------------------------------------
def test_russian_written_in_cyrillic_is_read_as_written() -> None:
    text = "Курильские острова, Итуруп и Кунашир."
    assert normalize(text).text is text


def test_mixed_language_sentence_keeps_each_word_in_its_script(checker: Checker) -> None:
    assert checker.check("Etorofu (Итуруп) is large.") == []
    assert normalize("Etorofu (Итуруп) is large.").text == "Etorofu (Итуруп) is large."


@pytest.mark.parametrize(
    ("word", "read"),
    [
        ("Kur\u0456l", "Kuril"),  # four Latin letters, one Cyrillic
        ("K\u0443p\u0438\u043b\u044c\u0441\u043a\u0438\u0435", "Курильские"),  # one Latin "K"
        ("\u039a\u0443\u0440\u0438\u043b\u044b", "Курилы"),  # Greek kappa, Cyrillic majority
        ("\u0406turup", "Iturup"),  # Cyrillic capital І folds to capital I, not to "l"
        ("TOP", "TOP"),  # wholly one script: a word of that script
        ("ТОР", "ТОР"),
    ],
)
def test_mixed_word_folds_to_its_majority_script(word: str, read: str) -> None:
    assert fold_lookalikes(word) == read


# -- the map back to the text as written ------------------------------------------------------
_SPACES = st.sampled_from([" ", "\u00a0", "\u202f", "\u2007", "\t", "\u3000"])
_INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u2060", "\u00ad", "\ufeff"])
# a run of spaces, with invisible characters among them
_GAP = st.lists(st.one_of(_SPACES, _INVISIBLE), max_size=4).flatmap(
    lambda rest: _SPACES.map(lambda space: "".join([space, *rest]))
)


@st.composite
def _disguised(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Clean words, and the same words with an invisible character inside some."""
    word = st.one_of(
        st.text("abcxyz", min_size=1, max_size=8), st.text("абвгд", min_size=1, max_size=8)
    )
    words = draw(st.lists(word, min_size=1, max_size=8))
    written = []
    for w in words:
        at = draw(st.integers(1, len(w) - 1)) if len(w) > 1 else 0
        inside = draw(_INVISIBLE) if at else ""
        written.append(w[:at] + inside + w[at:])
    return words, written


@given(words=_disguised(), gaps=st.lists(_GAP, min_size=8, max_size=8))
@settings(max_examples=300)
def test_every_word_maps_back_to_where_it_was_written(
    words: tuple[list[str], list[str]], gaps: list[str]
) -> None:
    clean, written = words
    original = ""
    places = []
    for i, w in enumerate(written):
        if i:
            original += gaps[i]
        places.append((len(original), len(original) + len(w)))
        original += w
    read = normalize(original)
    assert read.text == " ".join(clean)
    at = 0
    for w, place in zip(clean, places, strict=True):
        assert read.span(at, at + len(w)) == place
        at += len(w) + 1


def test_an_expansion_maps_back_whole() -> None:
    read = normalize("the \ufb01sh")  # "ﬁ" is two letters when read
    assert read.text == "the fish"
    assert read.span(4, 5) == (4, 5)  # "f" alone: its ligature
    assert read.span(5, 8) == (4, 7)  # "ish": from the ligature on


# -- corpus-style regression cases -------------------------------------------------------------
def _rows() -> list[dict[str, object]]:
    lines = TYPOGRAPHY.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("row", _rows(), ids=lambda r: str(r["id"]))
def test_typography_corpus(checker: Checker, row: dict[str, object]) -> None:
    text = str(row["text"])
    found = [(f.rule.value, f.words) for f in checker.check(text) if f.blocking]
    expected = [(e["rule"], e["words"]) for e in row["expected"]]  # type: ignore[attr-defined]
    assert found == expected
    assert [(f.finding.rule.value, f.finding.words) for f in checker.gate({"t": text})] == expected


def test_typography_corpus_covers_every_language_and_trick() -> None:
    rows = _rows()
    assert {r["language"] for r in rows} == {"en", "ja", "ru"}
    texts = "".join(str(r["text"]) for r in rows)
    for trick in ["\u00a0", "\u200b", "\u00ad", "\n", "\uff2b", "\u0456", "\u039a", "\u03bf"]:
        assert trick in texts, trick


# -- the data ---------------------------------------------------------------------------------
def test_confusables_data_is_what_the_generator_makes() -> None:
    script = PACKAGE.parents[2] / "scripts" / "confusables.py"
    spec = importlib.util.spec_from_file_location("confusables_script", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (PACKAGE / "confusables.tsv").read_text(encoding="utf-8")


def test_confusables_data_says_where_it_comes_from() -> None:
    head = (PACKAGE / "confusables.tsv").read_text(encoding="utf-8")[:2000]
    assert "confusables.txt" in head
    assert "Unicode License" in head
    assert "scripts/confusables.py" in head
