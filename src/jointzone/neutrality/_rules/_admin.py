"""Rule (b): the zone or a place in it attributed to one party's administrative units.

A unit that exists only for the zone (Russia's Yuzhno-Kurilsky District, Japan's Shikotan-mura)
attributes the zone wherever it is named. A unit that also covers undisputed land (Sakhalin
Oblast, Hokkaido, Nemuro City, and Tomari village — a name a village on Hokkaido proper shares)
attributes the zone only where the sentence puts a zone place in it: nothing but linking words
between them ("Kunashir, Sakhalin Oblast", "Iturup, which is part of Sakhalin Oblast",
"根室振興局管内の色丹島"). "The governor of Sakhalin Oblast visited Iturup" reports a visit, and
"ships left Nemuro port" names an undisputed place: neither is flagged.
"""

from __future__ import annotations

from jointzone.neutrality._finding import Finding, Rule
from jointzone.neutrality._index import Entry, Hit
from jointzone.neutrality._rules._context import Sentence

_MAX_GAP = 60


def check(s: Sentence) -> list[Finding]:
    out = []
    units = {u.id: u for u in s.index.lexicon.admin_units}
    for hit in s.hits:
        entry = next((e for e in hit.entries if e.kind == "admin"), None)
        if entry is None:
            continue
        unit = units[entry.key]
        words = s.words(hit.start, hit.end)
        who = s.party_name(unit.party)
        if unit.scope == "zone":
            names = [
                s.render_place(ref, entry.language) for ref in unit.places if ref in s.index.places
            ]
            out.append(
                s.finding(
                    Rule.ADMIN_ATTRIBUTION,
                    hit.start,
                    hit.end,
                    message=(
                        f"{words!r} is {who}'s administrative unit for the zone; "
                        "name the places by every party's names instead"
                    ),
                    suggestion=", ".join(names),
                    party=unit.party,
                )
            )
            continue
        linked = _linked_place(s, hit, entry)
        if linked is None:
            continue
        place_hit, ref = linked
        start, end = min(hit.start, place_hit.start), max(hit.end, place_hit.end)
        out.append(
            s.finding(
                Rule.ADMIN_ATTRIBUTION,
                start,
                end,
                message=(
                    f"{words!r} puts {s.words(place_hit.start, place_hit.end)!r} in {who}'s "
                    "administrative unit; name the place alone, by every party's names"
                ),
                suggestion=s.render_place(ref, entry.language),
                party=unit.party,
            )
        )
    return out


def _linked_place(s: Sentence, unit: Hit, entry: Entry) -> tuple[Hit, str] | None:
    """The zone place the sentence puts in ``unit``, if any, and its ref."""
    lang = entry.language
    gap_pattern = s.index.admin_gap.get(lang)
    if gap_pattern is None:
        return None
    zone_units = {u.id: u for u in s.index.lexicon.admin_units if u.scope == "zone"}
    candidates = []
    for hit, entries in s.place_hits:
        plain = [e for e in entries if not e.ambiguous]
        if plain:
            candidates.append((hit, plain[0].key))
    for hit in s.hits:
        # a zone-only unit next to a mixed one ties it too ("国後郡泊村")
        zone_unit = next((zone_units[e.key] for e in hit.entries if e.key in zone_units), None)
        if zone_unit is not None and zone_unit.places:
            candidates.append((hit, zone_unit.places[0]))

    def distance(c: tuple[Hit, str]) -> int:
        hit = c[0]
        return hit.start - unit.end if hit.start >= unit.end else unit.start - hit.end

    for hit, ref in sorted(candidates, key=distance):
        if not 0 <= distance((hit, ref)) <= _MAX_GAP:
            continue
        lo, hi = (unit.end, hit.start) if hit.start >= unit.end else (hit.end, unit.start)
        gap = list(s.folded[lo:hi])
        # other units in between chain on ("北海道根室振興局管内の…"): blank them out
        for other in s.hits:
            if (
                other is not unit
                and lo <= other.start
                and other.end <= hi
                and "admin" in other.kinds
            ):
                gap[other.start - lo : other.end - lo] = " " * (other.end - other.start)
        text = "".join(gap)
        if gap_pattern.fullmatch(text):
            return hit, ref
        # "色丹島はサハリン州に属する": place, topic particle, unit, predicate of belonging
        topic, predicate = s.index.admin_topic.get(lang), s.index.admin_predicate.get(lang)
        if (
            topic is not None
            and predicate is not None
            and hit.end <= unit.start
            and topic.fullmatch(text)
            and predicate.match(s.folded, unit.end, s.end)
        ):
            return hit, ref
    return None
