"""Cutting a long text into sections that can be checked one at a time.

A checker holds a text, its normalised and folded copies and what it found in memory at once;
for a text of hundreds of megabytes that is too much. :func:`sections` cuts a stream of text
into sections of about ``size`` characters, each cut at a line break that ends a sentence (or
at a blank line) and lies outside every quotation, so that no sentence and no quotation spans a
cut: the rules judge a mention within its sentence and a quotation as a whole, so checking the
sections one by one finds what checking the whole text would.

A text that gives no such place within ``4 * size`` characters (one endless line, a quotation
left open) is cut there all the same — at the last line break, else the last space, else
anywhere — so that memory stays bounded whatever the input; findings next to such a cut may
then differ from those in the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

SECTION = 1 << 18  # characters

# A line break after the end of a sentence (not after a one-letter abbreviation such as the
# "о." of "о. Итуруп"), or a blank line.
_SAFE = re.compile(
    r"(?<![\s.][A-Za-zА-Яа-яЁё])[.!?。！？][\"'”’»」』)）]*[^\S\n]*\n"
    r"|\n[^\S\n]*\n"
)
_MARKS = re.compile(r"\[quote=|\[/quote\]|[“”„«»「」『』]")
_OPENER = {"”": "“", "»": "«", "」": "「", "』": "『", "[/quote]": "[quote="}
_SPACE = re.compile(r"\s(?=\S*\Z)")


def sections(pieces: Iterable[str], *, size: int = SECTION) -> Iterator[str]:
    """The text made of ``pieces``, in sections of about ``size`` characters (see above).

    Joined, the sections are the text. At most ``4 * size`` characters, and a piece, are held.
    """
    most = 4 * size
    held = ""
    for piece in pieces:
        held = held + piece if held else piece
        while len(held) >= size:
            cut = _cut(held, size, most)
            if cut is None:
                break
            yield held[:cut]
            held = held[cut:]
    if held:
        yield held


def _cut(text: str, size: int, most: int) -> int | None:
    """Where to end the section that starts ``text``; None to wait for more text."""
    quotes = _Quotes()
    marks = _MARKS.finditer(text, 0, most)
    mark = next(marks, None)
    for m in _SAFE.finditer(text, size, most):
        while mark is not None and mark.end() <= m.end():
            quotes.take(mark.group())
            mark = next(marks, None)
        if not quotes.open:
            return m.end()
    if len(text) < most:
        return None
    line = text.rfind("\n", size, most)
    if line >= 0:
        return line + 1
    space = _SPACE.search(text, size, most)
    return space.end() if space is not None else most


class _Quotes:
    """Which quotations are open, read mark by mark (as the checker's quotation pattern pairs
    them: „ closes with “ or ”; 「」 nest)."""

    def __init__(self) -> None:
        self.depth = {"“": 0, "„": 0, "«": 0, "「": 0, "『": 0, "[quote=": 0}

    @property
    def open(self) -> bool:
        return any(self.depth.values())

    def take(self, mark: str) -> None:
        d = self.depth
        if mark in "“”" and d["„"]:
            d["„"] -= 1
        elif mark in d:
            d[mark] += 1
        else:
            opener = _OPENER[mark]
            d[opener] = max(0, d[opener] - 1)
