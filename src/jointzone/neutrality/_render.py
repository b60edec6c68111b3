"""The one renderer of place names: every party's name, in the regime's agreed order.

A document never chooses a name for a place: it names the place by its neutral ref and asks
this renderer, which writes every party's name in the order the regime agreed for the
document's language ("Etorofu/Iturup", "Итуруп/Эторофу", "択捉島/イトゥルップ島"), and one name
where the parties' names are the same ("Shikotan").

The order depends on the language only, never on who reads: two officers of different parties
reading the same document in the same language see the same words. The reader's party is part
of the audience all the same, so that a caller states who the document is for and a party the
regime does not know is caught here rather than printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from jointzone.neutrality.errors import RenderError

SEPARATOR = "/"


class NamedPlace(Protocol):
    """What the renderer needs of a place (the regime gazetteer's ``Place`` is one)."""

    @property
    def ref(self) -> str: ...

    def name(self, party: str, language: str) -> str: ...


@dataclass(frozen=True)
class Audience:
    """Who a text is for: its language and, when known, the reader's party."""

    language: str
    party: str | None = None


class NameRenderer:
    """Renders places by the regime's name-order rule (``{language: [party, ...]}``)."""

    def __init__(self, name_order: Mapping[str, Sequence[str]], *, separator: str = SEPARATOR):
        self._order = {lang: tuple(parties) for lang, parties in name_order.items()}
        self._separator = separator
        for lang, parties in self._order.items():
            if not parties or len(set(parties)) != len(parties):
                raise RenderError(
                    f"name order for {lang!r}: expected every party once, got {list(parties)}"
                )

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._order)

    def order(self, audience: Audience | str) -> tuple[str, ...]:
        """The parties in the order their names are written for ``audience``."""
        aud = Audience(audience) if isinstance(audience, str) else audience
        try:
            parties = self._order[aud.language]
        except KeyError:
            raise RenderError(
                f"the regime has no name order for language {aud.language!r} "
                f"(it has {sorted(self._order)})"
            ) from None
        if aud.party is not None and aud.party not in parties:
            raise RenderError(
                f"reader's party {aud.party!r} is not in the name order for {aud.language!r} "
                f"({list(parties)})"
            )
        return parties

    def render(
        self,
        place: NamedPlace,
        audience: Audience | str,
        *,
        replace: Mapping[str, str] | None = None,
    ) -> str:
        """Every party's name for ``place``, in order; one name where they are all the same.

        ``replace`` puts a given form in a party's slot — the checker uses it to keep the form a
        text already has ("на Итурупе" → "на Итурупе/Эторофу").
        """
        parties = self.order(audience)
        language = audience if isinstance(audience, str) else audience.language
        names = {p: place.name(p, language) for p in parties}
        if len(set(names.values())) == 1:
            return next(iter(names.values()))
        written: list[str] = []
        for p in parties:
            name = (replace or {}).get(p, names[p])
            if name not in written:
                written.append(name)
        return self._separator.join(written)

    def render_terms(self, terms: Mapping[str, str], audience: Audience | str) -> str:
        """Each party's own word for one thing (a collective term), in the agreed order."""
        written: list[str] = []
        for p in self.order(audience):
            if p in terms and terms[p] not in written:
                written.append(terms[p])
        return self._separator.join(written)


def render_name(
    place: NamedPlace,
    audience: Audience | str,
    name_order: Mapping[str, Sequence[str]],
) -> str:
    """Shorthand for ``NameRenderer(name_order).render(place, audience)``."""
    return NameRenderer(name_order).render(place, audience)
