"""Rule (c): one side's collective term alone.

"Northern Territories" and "Southern Kurils" are each one side's way of naming the zone. A term
is neutral when a term of another party stands in the same sentence ("Called the Northern
Territories in Japan and the Southern Kurils in Russia"). A chain-wide term ("Kuril Islands",
"千島列島") names the zone as part of one side's chain unless the sentence is plainly about
another part of the chain ("the northern Kuril Islands", "Paramushir in the Kurils").
"""

from __future__ import annotations

from jointzone.neutrality._finding import Finding, Rule
from jointzone.neutrality._rules._context import Sentence


def check(s: Sentence) -> list[Finding]:
    out = []
    terms = {t.id: t for t in s.index.lexicon.collective_terms}
    term_hits = [(h, e) for h in s.hits for e in h.entries[:1] if e.kind == "term"]
    for hit, entry in term_hits:
        if any(e.party != entry.party for other, e in term_hits if other is not hit):
            continue
        term = terms[entry.key]
        if term.scope == "chain" and _about_the_chain(s, hit.start, entry.language):
            continue
        words = s.words(hit.start, hit.end)
        out.append(
            s.finding(
                Rule.ONE_SIDED_TERM,
                hit.start,
                hit.end,
                message=(
                    f"{words!r} is {s.party_name(entry.party)}'s term for the islands; "
                    "give the other party's term alongside it, or use a neutral phrase"
                ),
                suggestion=suggest_term(s, entry.key, words, entry.language),
                party=entry.party,
            )
        )
    return out


def suggest_term(s: Sentence, term_id: str, words: str, language: str) -> str:
    """The term paired with another party's zone term, in the agreed order; else a neutral one."""
    lex = s.index.lexicon
    term = next(t for t in lex.collective_terms if t.id == term_id)
    phrase = lex.zone_phrase.get(language, lex.zone_phrase.get(s.language, ""))
    if term.scope != "zone":
        return phrase
    pair = {term.party: words}
    for other in lex.collective_terms:
        if other.party not in pair and other.scope == "zone" and other.names.get(language):
            pair[other.party] = other.names[language][0]
    if len(pair) < 2:
        return phrase
    return f"{s.renderer.render_terms(pair, s.audience(language))} (or: {phrase})"


def _about_the_chain(s: Sentence, start: int, language: str) -> bool:
    qualifier = s.index.chain_qualifier.get(language)
    if qualifier is not None and qualifier.search(s.folded, max(s.start, start - 40), start):
        return True
    return any("chain" in h.kinds for h in s.hits)
