"""The seed article, checked: what a careful editor would report, and nothing else.

Reported: "Etorofu" and "Kunashiri" alone in the list of islands (Russia's names are not given
there), and "seized by the Soviet Union", which judges how the islands changed hands — the
neutral wording is "came under Soviet control". Not reported: "Called the Northern Territories
in Japan and the Southern Kurils in Russia" (both sides' terms), "Etorofu, called Iturup by
Russia" (both names), "Shikotan" and "the Habomai islet group" (one name for both sides), and
"Hokkaido, Japan's northernmost main island" (undisputed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jointzone.neutrality import Checker

SEED_ARTICLE = Path(__file__).resolve().parents[4] / "shared" / "seed" / "000_b55a41451c196620.txt"


@pytest.fixture
def article() -> str:
    if not SEED_ARTICLE.exists():
        pytest.fail(f"the seed article is missing: expected it at {SEED_ARTICLE}")
    return SEED_ARTICLE.read_text(encoding="utf-8")


def test_seed_article(checker: Checker, article: str) -> None:
    found = [(f.rule.letter, f.words, f.suggestion) for f in checker.check(article)]
    assert found == [
        ("a", "Etorofu", "Etorofu/Iturup"),
        ("a", "Kunashiri", "Kunashiri/Kunashir"),
        ("e", "seized by the Soviet Union", "came under Soviet control at the end of World War II"),
    ]
    neutral = article.index("Called the Northern Territories")
    assert all(not (neutral <= f.start < neutral + 80) for f in checker.check(article))
