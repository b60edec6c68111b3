"""Rule (e): claim language — words that assert one side's position on sovereignty.

"Illegally occupied", "inherent territory", "исконно российские", "固有の領土", "return of the
islands", and words that judge how the islands changed hands ("seized by the Soviet Union",
"освобождение Курил"). Some words are claims only when the sentence is about the zone ("Russian
territory", "返還"): the lexicon marks them, and the rule wants a zone place, a term or the word
"islands" in the sentence before it reports them.
"""

from __future__ import annotations

from jointzone.neutrality._finding import Finding, Rule
from jointzone.neutrality._rules._context import Sentence


def check(s: Sentence) -> list[Finding]:
    out = []
    for c in s.claims:
        if c.claim.zone and not s.about_zone:
            continue
        words = s.words(c.start, c.end)
        side = f"{s.party_name(c.claim.party)}'s" if c.claim.party else "one party's"
        out.append(
            s.finding(
                Rule.CLAIM_LANGUAGE,
                c.start,
                c.end,
                message=(
                    f"{words!r} asserts {side} position on the islands; describe without "
                    "judging title, or quote the party and attribute it"
                ),
                suggestion=c.claim.suggest,
                party=c.claim.party,
            )
        )
    return out
