"""A news report, checked: what a careful editor would report, and nothing else.

The report (``tests/data/neutrality/article_en.txt``, written for these tests) has the patterns
of real coverage of the islands. Reported: "Etorofu" and "Kunashiri" alone in the list of
islands (Russia's names are not given there), and "seized by the Soviet Union", which judges how
the islands changed hands — the neutral wording is "came under Soviet control". Not reported:
"Called the Northern Territories in Japan and the Southern Kurils in Russia" (both sides' terms),
"Etorofu, called Iturup by Russia" and "Kunashiri/Kunashir" (both names), "Shikotan" and "the
Habomai islet group" (one name for both sides), "Hokkaido, Japan's northernmost main island"
and "Nemuro City" (undisputed), and a Japanese negotiator's quotation (it takes no side).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jointzone.neutrality import Checker

ARTICLE = Path(__file__).resolve().parents[2] / "data" / "neutrality" / "article_en.txt"


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def test_article_findings_are_the_one_sided_names_and_the_claim(
    checker: Checker, article: str
) -> None:
    found = [(f.rule.letter, f.words, f.suggestion, f.blocking) for f in checker.check(article)]
    assert found == [
        ("a", "Etorofu", "Etorofu/Iturup", True),
        ("a", "Kunashiri", "Kunashiri/Kunashir", True),
        (
            "e",
            "seized by the Soviet Union",
            "came under Soviet control at the end of World War II",
            True,
        ),
    ]


@pytest.mark.parametrize(
    "neutral",
    [
        "Called the Northern Territories in Japan and the Southern Kurils in Russia",
        "Etorofu, called Iturup by Russia",
        "Kunashiri/Kunashir and Shikotan",
        "Hokkaido, Japan's northernmost main island",
        "Nemuro City",
    ],
)
def test_article_neutral_passages_are_not_reported(
    checker: Checker, article: str, neutral: str
) -> None:
    at = article.index(neutral)
    assert [f for f in checker.check(article) if at <= f.start < at + len(neutral)] == []


def test_article_offsets_point_into_the_text(checker: Checker, article: str) -> None:
    for f in checker.check(article):
        assert article[f.start : f.end] == f.words
