"""Rule (a): one side's name alone for a place whose names differ.

A name is neutral when another party's name for the same place is written close to it in the
same sentence — "Etorofu/Iturup", "Etorofu (Iturup)", "Etorofu, called Iturup by Russia",
"択捉島（イトゥルップ島）" — in any of the regime's languages. Where the parties' names are the same
in the language of the mention ("Shikotan", "色丹島") there is nothing to pair.
"""

from __future__ import annotations

from jointzone.neutrality._finding import Finding, Rule
from jointzone.neutrality._rules._context import Sentence


def check(s: Sentence) -> list[Finding]:
    out = []
    window = s.index.lexicon.pairing_window
    mentions = s.place_hits
    for hit, entries in mentions:
        by_ref: dict[str, set[str]] = {}
        for e in entries:
            if e.party is not None:
                by_ref.setdefault(e.key, set()).add(e.party)
        for ref, parties in by_ref.items():
            place = s.index.places[ref]
            entry = next(e for e in entries if e.key == ref)
            lang = entry.language
            if len(parties) > 1 or not place.names_differ(lang):
                continue
            (party,) = parties
            others = {
                p
                for p in place.names
                if p != party and place.name(p, lang) != place.name(party, lang)
            }
            paired = any(
                other is not hit
                and (other.start - hit.end <= window and hit.start - other.end <= window)
                and any(e.key == ref and e.party in others for e in other_entries)
                for other, other_entries in mentions
            )
            if paired:
                continue
            replace = (
                {party: s.words(hit.start, hit.end)} if entry.canonical and lang == "ru" else None
            )
            suggestion = s.render_place(ref, lang, replace)
            missing = ", ".join(
                f"{s.party_name(p)}'s {place.name(p, lang)!r}" for p in sorted(others)
            )
            out.append(
                s.finding(
                    Rule.ONE_SIDED_NAME,
                    hit.start,
                    hit.end,
                    message=(
                        f"{s.words(hit.start, hit.end)!r} is {s.party_name(party)}'s name alone; "
                        f"give {missing} alongside it"
                    ),
                    suggestion=suggestion,
                    party=party,
                )
            )
    return out
