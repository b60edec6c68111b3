"""The neutrality checker, measured: precision and recall per rule and language, and throughput.

Precision and recall come from the labelled corpus in ``tests/data/neutrality``: ``dev.jsonl``
(the sentences the rules were tuned on) and ``heldout.jsonl`` (written before tuning, and read
only to measure). A finding counts as right when its rule is the expected one and its span
overlaps the expected words; attributed findings (quotations marked as a party's) do not count,
because they do not block.

Throughput is single-threaded CPU time (MB of UTF-8 per CPU-second), over a text of several MB
made by shuffling corpus sentences, so that it is as dense in names, terms and claims as the
corpus (far denser than real documents); and over the same text in typographic disguise (no-break
spaces, lookalike letters, invisible characters), which the checker has to undo first.

    .venv/bin/python -m bench.bench_neutrality [--verbose]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jointzone.neutrality import Checker, Finding, load_lexicon
from jointzone.regime._gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parents[1]
REGIME = ROOT / "regimes" / "seed"
CORPUS = ROOT / "tests" / "data" / "neutrality"
# The seed regime's name-order rule (regime.yaml carries it once the regime package lands).
SEED_NAME_ORDER = {"ja": ["japan", "russia"], "ru": ["russia", "japan"], "en": ["japan", "russia"]}


@dataclass(frozen=True)
class Example:
    id: str
    language: str
    text: str
    expected: tuple[tuple[str, str], ...]


def seed_checker() -> Checker:
    places = yaml.safe_load((REGIME / "places.yaml").read_text(encoding="utf-8"))
    gazetteer = Gazetteer.from_data(
        places, parties=["japan", "russia"], languages=["ja", "ru", "en"], source="places.yaml"
    )
    lexicon = load_lexicon(REGIME / "neutrality.yaml")
    name_order = _name_order()
    return Checker.for_regime(gazetteer, lexicon, name_order)


def _name_order() -> Mapping[str, Sequence[str]]:
    regime = REGIME / "regime.yaml"
    if regime.exists():
        data = yaml.safe_load(regime.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("name_order"), dict):
            return data["name_order"]  # type: ignore[no-any-return]
    return SEED_NAME_ORDER


def load_corpus(path: Path) -> list[Example]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row: dict[str, Any] = json.loads(line)
            expected = tuple((e["rule"], e["words"]) for e in row["expected"])
            out.append(Example(row["id"], row["language"], row["text"], expected))
    return out


@dataclass
class Tally:
    tp: Counter[tuple[str, str]]
    fp: Counter[tuple[str, str]]
    fn: Counter[tuple[str, str]]
    misses: list[str]


def score(checker: Checker, examples: Iterable[Example]) -> Tally:
    tally = Tally(Counter(), Counter(), Counter(), [])
    for ex in examples:
        found = [f for f in checker.check(ex.text) if f.blocking]
        unmatched: list[Finding] = list(found)
        for rule, words in sorted(ex.expected, key=lambda e: -len(e[1])):
            spans = _occurrences(ex.text, words)
            candidates = [
                f
                for f in unmatched
                if f.rule == rule and any(f.start < hi and lo < f.end for lo, hi in spans)
            ]
            # the finding whose words are exactly the expected ones, else the one that covers most
            match = max(
                candidates,
                key=lambda f: (
                    f.words == words,
                    max(min(f.end, hi) - max(f.start, lo) for lo, hi in spans),
                ),
                default=None,
            )
            if match is None:
                tally.fn[(ex.language, rule)] += 1
                tally.misses.append(f"{ex.id} missed {rule} {words!r}: {ex.text}")
            else:
                unmatched.remove(match)
                tally.tp[(ex.language, rule)] += 1
        for f in unmatched:
            tally.fp[(ex.language, f.rule.value)] += 1
            tally.misses.append(f"{ex.id} extra {f.rule.value} {f.words!r}: {ex.text}")
    return tally


def _occurrences(text: str, words: str) -> list[tuple[int, int]]:
    out, at = [], text.find(words)
    while at >= 0:
        out.append((at, at + len(words)))
        at = text.find(words, at + 1)
    return out


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "  -  "


def report(name: str, tally: Tally, *, verbose: bool) -> None:
    keys = sorted(set(tally.tp) | set(tally.fp) | set(tally.fn))
    print(f"\n{name}")
    print(f"  {'':28} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")

    def line(label: str, sel: list[tuple[str, str]]) -> None:
        tp = sum(tally.tp[k] for k in sel)
        fp = sum(tally.fp[k] for k in sel)
        fn = sum(tally.fn[k] for k in sel)
        print(
            f"  {label:28} {_ratio(tp, tp + fp):>9} {_ratio(tp, tp + fn):>7} {tp:4} {fp:4} {fn:4}"
        )

    for lang in sorted({k[0] for k in keys}):
        line(f"language {lang}", [k for k in keys if k[0] == lang])
    for rule in sorted({k[1] for k in keys}):
        line(f"rule {rule}", [k for k in keys if k[1] == rule])
    line("all", keys)
    if verbose:
        for m in tally.misses:
            print("   ", m)


def throughput(checker: Checker, examples: Sequence[Example], megabytes: float = 4.0) -> None:
    rng = random.Random(7)
    texts = [ex.text for ex in examples]
    parts: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        t = rng.choice(texts)
        parts.append(t)
        size += len(t.encode("utf-8")) + 1
    big = "\n".join(parts)
    nbytes = len(big.encode("utf-8"))
    checker.check(big[:10_000])  # warm the caches
    # CPU time of this process: "per core", and steady when other work shares the machine.
    best = 0.0
    for _ in range(3):
        t0 = time.process_time()
        findings = checker.check(big)
        best = max(best, nbytes / (time.process_time() - t0))
    print(
        f"\nthroughput, one text of {nbytes / 1e6:.1f} MB ({len(big):,} characters, "
        f"{len(findings):,} findings): {best / 1e6:.2f} MB/s per core (target >= 1, "
        f"ratio {best / 1e6:.2f}x)"
    )
    disguised = _disguised(big)
    dbytes = len(disguised.encode("utf-8"))
    dbest = 0.0
    for _ in range(3):
        t0 = time.process_time()
        dfound = checker.check(disguised)
        dbest = max(dbest, dbytes / (time.process_time() - t0))
    print(
        f"throughput, the same text in disguise ({len(dfound):,} findings): "
        f"{dbest / 1e6:.2f} MB/s per core (ratio to plain {dbest / best:.2f}x)"
    )
    small = parts[:20_000]
    nbytes = sum(len(t.encode("utf-8")) for t in small)
    t0 = time.process_time()
    for t in small:
        checker.check(t)
    dt = time.process_time() - t0
    print(
        f"throughput, {len(small):,} sentences checked one by one: {nbytes / dt / 1e6:.2f} MB/s "
        f"per core, {len(small) / dt:,.0f} sentences/s"
    )


def _disguised(text: str) -> str:
    """``text`` with the typographic tricks the checker sees through, as often as it has the words:
    no-break spaces, a lookalike Cyrillic "і" and Latin "p", zero-width spaces, soft hyphens."""
    return (
        text.replace(" the ", " the\u00a0")
        .replace("Kuril", "Kur\u0456l")
        .replace("Итуруп", "Иту\u0070уп")
        .replace("領土", "領\u200b土")
        .replace("Southern", "Sou\u00adthern")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--verbose", action="store_true", help="list every miss and extra")
    parser.add_argument("--dev-only", action="store_true", help="skip the held-out corpus")
    args = parser.parse_args()
    t0 = time.perf_counter()
    checker = seed_checker()
    print(f"form index built in {time.perf_counter() - t0:.2f} s")
    dev = load_corpus(CORPUS / "dev.jsonl")
    report(f"dev corpus ({len(dev)} sentences)", score(checker, dev), verbose=args.verbose)
    examples = dev
    if not args.dev_only:
        held = load_corpus(CORPUS / "heldout.jsonl")
        report(
            f"held-out corpus ({len(held)} sentences)", score(checker, held), verbose=args.verbose
        )
        examples = dev + held
    throughput(checker, examples)


if __name__ == "__main__":
    main()
