"""Rule (d): a place or the zone attributed to a party by a possessive or an adjective.

Before the name: "Russia's Kunashir", "the Japanese island of Etorofu", "Russian-held Iturup",
"российский остров Итуруп", "日本の択捉島". After it: "Iturup, Russia", "Etorofu (Japan)",
"Кунашир (Россия)", "択捉島（日本）". Both parties together ("Japanese-Russian", "日本とロシアの")
attribute nothing. A one-sided name inside the attribution is not reported again under rule (a):
the rewrite of the whole attribution fixes both.
"""

from __future__ import annotations

import re

from jointzone.neutrality._finding import Finding, Rule
from jointzone.neutrality._index import Hit
from jointzone.neutrality._rules._context import Sentence
from jointzone.neutrality._rules._terms import suggest_term

_LOOK_BACK = 60
_PAIR_GAP = re.compile(r"\s*[/／(（]\s*")


def check(s: Sentence) -> list[Finding]:
    out = []
    targets: list[tuple[Hit, str, str, str]] = [
        (hit, "place", entries[0].key, entries[0].language) for hit, entries in s.place_hits
    ]
    targets += [
        (hit, "term", e.key, e.language)
        for hit in s.hits
        for e in hit.entries[:1]
        if e.kind == "term"
    ]
    for hit, kind, key, lang in targets:
        found = _before(s, _pair(s, hit, key, +1), lang) or _after(s, _pair(s, hit, key, -1), lang)
        if found is None:
            continue
        start, end, party = found
        name = s.words(hit.start, hit.end)
        if kind == "place":
            suggestion = s.render_place(key, lang)
        else:
            suggestion = suggest_term(s, key, name, lang)
        out.append(
            s.finding(
                Rule.POSSESSIVE_ATTRIBUTION,
                start,
                end,
                message=(
                    f"{s.words(start, end)!r} attributes {name!r} to {s.party_name(party)}; "
                    "name it without a party, by every party's names"
                ),
                suggestion=suggestion,
                party=party,
            )
        )
    return out


def _pair(s: Sentence, hit: Hit, key: str, direction: int) -> Hit:
    """``hit`` widened over the other names given with it ("Iturup/Etorofu", "Etorofu (Iturup)")."""
    start, end = hit.start, hit.end
    ordered = s.hits if direction > 0 else list(reversed(s.hits))
    for other in ordered:
        if not any(e.key == key for e in other.entries):
            continue
        lo, hi = (end, other.start) if direction > 0 else (other.end, start)
        if lo <= hi and _PAIR_GAP.fullmatch(s.folded, lo, hi):
            if direction > 0:
                closing = s.folded[other.end : other.end + 1]
                end = other.end + (1 if closing and closing in ")）" else 0)
            else:
                start = other.start
    return Hit(start, end, hit.entries) if (start, end) != (hit.start, hit.end) else hit


def _before(s: Sentence, hit: Hit, lang: str) -> tuple[int, int, str] | None:
    pattern = s.index.possessive_before.get(lang)
    if pattern is None:
        return None
    m = pattern.search(s.folded, max(s.start, hit.start - _LOOK_BACK), hit.start)
    if m is None or m.lastgroup is None:
        return None
    guard = s.index.joint_guard.get(lang)
    if guard is not None and guard.search(s.folded, max(s.start, m.start() - 40), m.start()):
        return None
    party = s.index.party_of_group[int(m.lastgroup[1:])]
    return m.start(), hit.end, party


def _after(s: Sentence, hit: Hit, lang: str) -> tuple[int, int, str] | None:
    pattern = s.index.possessive_after.get(lang)
    if pattern is None:
        return None
    m = pattern.match(s.folded, hit.end, s.end)
    if m is None or m.lastgroup is None:
        return None
    return hit.start, m.end(), s.index.party_of_group[int(m.lastgroup[1:])]
