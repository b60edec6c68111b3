"""Sentences, their languages, and quotations attributed to a party.

The checker judges a mention within its sentence: a name is paired with the other side's name
in the same sentence, a unit is tied to a place in the same sentence. Sentences end at ``.``,
``!``, ``?`` followed by a capital (not after a one-letter abbreviation such as "о." or "U.S."),
at ``。！？`` and at line breaks; never inside a quotation or inside a name.

Each sentence's language is read from its script: any kana or kanji makes it Japanese; else
more Cyrillic than Latin letters makes it Russian; else English. A mixed sentence such as
"Etorofu (Итуруп)" is English with a Russian name in it.

Quotations, by the convention the checker documents (see :mod:`jointzone.neutrality`): text in
quotation marks (“…”, "…", «…», „…“, 「…」, 『…』) or between ``[quote=<party>]`` and ``[/quote]``.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass

_BOUNDARY = re.compile(
    r"(?<![\s.][A-Za-zА-Яа-яЁё])[.!?]+[\"'”’»」』)]*(?=\s+[\"“«„(「『A-ZА-ЯЁ0-9])"
    r"|[。！？]+[」』）)]*"
    r"|(?<=[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff])[!?]+[」』）)]*"
    r"|\n"
)
_QUOTES = re.compile(
    r"\[quote=(?P<party>[a-z0-9_-]+)\](?P<marked>.*?)\[/quote\]"
    r"|“[^“”]*”|„[^“”]*[“”]|«[^«»]*»|「[^「」]*(?:「[^「」]*」[^「」]*)*」|『[^『』]*』"
    r'|"[^"\n]*"',
    re.DOTALL,
)
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Quote:
    """A quotation: its span (marks included), and the party it is marked as, if explicit."""

    start: int
    end: int
    marked_party: str | None


def quotations(text: str) -> list[Quote]:
    return [Quote(m.start(), m.end(), m.group("party")) for m in _QUOTES.finditer(text)]


def sentence_bounds(
    text: str, protected: list[tuple[int, int]], breaks: Sequence[int] = ()
) -> list[int]:
    """Offsets where sentences start (0 first), never inside a ``protected`` span.

    ``breaks`` are more places a sentence may end (line breaks the text no longer has).
    """
    starts = [0]
    spans = sorted(protected)
    k, n = 0, len(spans)
    reach = -1  # the furthest end of the spans that start before the cut
    cuts = (m.end() for m in _BOUNDARY.finditer(text))
    for cut in heapq.merge(cuts, breaks) if breaks else cuts:
        if cut <= starts[-1]:
            continue
        while k < n and spans[k][0] < cut:
            reach = max(reach, spans[k][1])
            k += 1
        if cut < reach:
            continue
        starts.append(cut)
    return starts


def language_of(sentence: str) -> str:
    if _JA.search(sentence):
        return "ja"
    cyr = len(_CYRILLIC.findall(sentence))
    return "ru" if cyr > len(_LATIN.findall(sentence)) else "en"
