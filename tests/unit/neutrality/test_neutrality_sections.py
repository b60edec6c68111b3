"""Sections: a long text cut where checking it piece by piece finds what checking it whole does."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from jointzone.neutrality import Checker, sections

CORPUS = Path(__file__).resolve().parents[2] / "data" / "neutrality"
_TEXT = st.text(st.sampled_from(list("ab .\n“”«»「」„[quote=x]/")), max_size=400)


def _pieces(text: str, step: int) -> list[str]:
    return [text[i : i + step] for i in range(0, len(text), step)]


@given(text=_TEXT, step=st.integers(1, 50), size=st.integers(1, 60))
@settings(max_examples=300)
def test_sections_join_to_the_text_and_stay_bounded(text: str, step: int, size: int) -> None:
    out = list(sections(_pieces(text, step), size=size))
    assert "".join(out) == text
    assert all(out)
    assert all(len(s) <= 4 * size + step for s in out)


@given(
    sentences=st.lists(
        st.sampled_from(["One.", "Two two.", "«Say.\nit.»", "“Aa.\nBb.” Cc.", "「い。\nろ」。"]),
        max_size=40,
    ),
    size=st.integers(20, 60),
)
@settings(max_examples=300)
def test_no_cut_falls_inside_a_quotation(sentences: list[str], size: int) -> None:
    text = "\n".join(sentences) + "\n"
    # every sentence is short beside ``size``: there is always a safe place, no cut is forced
    for section in sections(_pieces(text, 7), size=size):
        for opening, closing in ("«»", "“”", "「」"):
            assert section.count(opening) == section.count(closing), section


def test_no_cut_after_a_one_letter_abbreviation() -> None:
    text = "x" * 20 + " на о.\nИтуруп есть порт.\n" + "y" * 10
    first = next(iter(sections([text], size=20)))
    assert first.endswith("порт.\n")


def test_endless_line_is_cut_all_the_same() -> None:
    out = list(sections(["word " * 1000], size=100))
    assert len(out) > 1
    assert all(len(s) <= 400 for s in out)
    assert all(s.endswith(" ") for s in out[:-1])  # at a space, not inside a word


def test_checking_section_by_section_finds_what_checking_whole_finds(checker: Checker) -> None:
    rows = [
        json.loads(line)["text"]
        for name in ("dev.jsonl", "heldout.jsonl", "typography.jsonl")
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()
    ]
    text = "\n".join(rows) + "\n"
    whole = [(f.start, f.end, f.rule, f.words) for f in checker.check(text)]
    by_section = []
    offset = 0
    parts = list(sections(_pieces(text, 300), size=1000))
    assert len(parts) > 10
    for part in parts:
        by_section += [
            (f.start + offset, f.end + offset, f.rule, f.words) for f in checker.check(part)
        ]
        offset += len(part)
    assert by_section == whole
    assert len(whole) > 200
