"""What every rule sees of one sentence: its text, language, and what the scanners found in it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from jointzone.neutrality._finding import Finding, Rule
from jointzone.neutrality._index import ClaimHit, Entry, FormIndex, Hit
from jointzone.neutrality._render import Audience, NameRenderer
from jointzone.neutrality._text import language_of


@dataclass(frozen=True)
class Sentence:
    index: FormIndex
    renderer: NameRenderer
    text: str
    folded: str
    start: int
    end: int
    hits: Sequence[Hit]
    claims: Sequence[ClaimHit]
    forced_language: str | None = None

    @cached_property
    def language(self) -> str:
        return self.forced_language or language_of(self.text[self.start : self.end])

    def words(self, start: int, end: int) -> str:
        """The words at ``start:end`` as a message quotes them: a line break read as a space."""
        return self.text[start:end].replace("\n", " ")

    def finding(
        self,
        rule: Rule,
        start: int,
        end: int,
        *,
        message: str,
        suggestion: str,
        party: str | None,
    ) -> Finding:
        return Finding(
            rule=rule,
            start=start,
            end=end,
            words=self.text[start:end],
            message=message,
            suggestion=suggestion,
            attributed=False,
            language=self.language,
            party=party,
        )

    @cached_property
    def place_hits(self) -> list[tuple[Hit, list[Entry]]]:
        """Mentions of zone places; an ambiguous name only where it reads as the place."""
        places = self.index.places
        found = []
        for hit in self.hits:
            entries = [e for e in hit.entries if e.kind == "place" and places[e.key].in_zone]
            if entries:
                found.append((hit, entries))
        return [
            (hit, entries)
            for i, (hit, entries) in enumerate(found)
            if not all(e.ambiguous for e in entries) or self._reads_as_place(found, i)
        ]

    def _reads_as_place(self, found: list[tuple[Hit, list[Entry]]], i: int) -> bool:
        hit = found[i][0]
        lang = hit.entries[0].language
        after = self.index.island_after.get(lang)
        if after is not None and after.match(self.folded, hit.end, self.end):
            return True
        # "Yuri Trutnev": a capitalised word right after a bare name makes it a person's name.
        rest = self.text[hit.end : min(self.end, hit.end + 2)]
        if lang != "ja" and len(rest) > 1 and rest[0] == " " and rest[1].isupper():
            return False
        # In a list of places ("水晶、秋勇留、勇留", "Polonsky Island and Shibotsu") it is a place.
        gap = self.index.list_gap.get(lang)
        if gap is None:
            return False
        for j in (i - 1, i + 1):
            if 0 <= j < len(found):
                other = found[j][0]
                lo, hi = (other.end, hit.start) if j < i else (hit.end, other.start)
                if gap.fullmatch(self.folded, lo, hi):
                    return True
        if lang == "ja":
            return False
        return any(
            j != i and not any(e.ambiguous for e in entries) for j, (_, entries) in enumerate(found)
        ) or any(e.kind == "term" for h in self.hits for e in h.entries)

    @cached_property
    def about_zone(self) -> bool:
        """Whether the sentence names a zone place, a unit or term, or speaks of islands."""
        if self.place_hits or any(
            e.kind in ("term", "admin") for h in self.hits for e in h.entries
        ):
            return True
        return bool(self.index.island_anywhere.search(self.folded, self.start, self.end))

    def audience(self, language: str) -> Audience:
        lang = language if language in self.renderer.languages else self.language
        return Audience(lang)

    def render_place(
        self, ref: str, language: str, replace: Mapping[str, str] | None = None
    ) -> str:
        return self.renderer.render(
            self.index.places[ref], self.audience(language), replace=replace
        )

    def party_name(self, party: str | None) -> str:
        return party.capitalize() if party else "one party"
