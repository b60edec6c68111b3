"""The labelled corpus as a regression guard: precision and recall per language stay >= 0.95.

The bench (bench/bench_neutrality.py) prints the full table; this only keeps it from sliding.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from jointzone.neutrality import Checker

CORPUS = Path(__file__).resolve().parents[2] / "data" / "neutrality"


@pytest.mark.parametrize("name", ["dev.jsonl", "heldout.jsonl"])
def test_corpus(checker: Checker, name: str) -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    rows = [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()]
    assert rows
    for row in rows:
        lang = row["language"]
        found = [f for f in checker.check(row["text"]) if f.blocking]
        for exp in row["expected"]:
            at = row["text"].find(exp["words"])
            hit = next(
                (
                    f
                    for f in found
                    if f.rule == exp["rule"] and f.start < at + len(exp["words"]) and at < f.end
                ),
                None,
            )
            if hit is None:
                fn[lang] += 1
            else:
                found.remove(hit)
                tp[lang] += 1
        fp[lang] += len(found)
    for lang in ("en", "ja", "ru"):
        assert sum(1 for r in rows if r["language"] == lang) >= 30
        assert tp[lang] / (tp[lang] + fp[lang]) >= 0.95, (lang, tp[lang], fp[lang])
        assert tp[lang] / (tp[lang] + fn[lang]) >= 0.95, (lang, tp[lang], fn[lang])


def test_corpus_size() -> None:
    rows = [
        json.loads(line)
        for name in ("dev.jsonl", "heldout.jsonl")
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()
    ]
    by_language = Counter(r["language"] for r in rows)
    assert len(rows) >= 300
    assert min(by_language.values()) >= 100
    assert {e["rule"] for r in rows for e in r["expected"]} == {
        "one-sided-name",
        "admin-attribution",
        "one-sided-term",
        "possessive-attribution",
        "claim-language",
    }
