"""Surface forms: every way a name or a lexicon word can be written in running text.

The checker matches on a *folded* copy of the (normalised, :mod:`._typography`) text: lower
case, ``ё`` read as ``е``, Hepburn macrons and circumflexes read as plain vowels, typographic
apostrophes as ``'``, a line break as a space. Folding maps each character to exactly one
character, so an offset in the folded text is the same offset in the text it was folded from,
and one folded form covers "Etorofu-tō", "Etorofu-to" and "ETOROFU-TŌ" alike.

Russian names decline, so their forms come from a morphological dictionary (pymorphy3 with the
OpenCorpora dictionary), not from a list of endings: "Итуруп" gives "Итурупе", "Итурупа"...;
in a name of several words the head noun and the adjectives that agree with it decline
("Южно-Курильский район" → "Южно-Курильском районе") while a complement keeps its form
("остров Танфильева" → "на острове Танфильева"). A word the dictionary does not know, or knows
only as indeclinable ("Эторофу", "Хабомаи"), is taken as indeclinable — which is what Russian
does with Japanese names.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import pymorphy3

# Characters folded to another single character before matching (after lower-casing).
_FOLD = str.maketrans(
    {
        "ё": "е",
        "ō": "o",
        "ô": "o",
        "ŏ": "o",
        "ū": "u",
        "û": "u",
        "ŭ": "u",
        "ā": "a",
        "â": "a",
        "ē": "e",
        "ê": "e",
        "ī": "i",
        "î": "i",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "‐": "-",
        "‑": "-",
        # Normalised text keeps a line break where a run of spaces had one, because it ends a
        # sentence; for matching it is a space like any other ("Northern\nTerritories").
        "\n": " ",
    }
)

_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct", "gen2", "loc2", "voct")


def fold(text: str) -> str:
    """Fold ``text`` for matching, keeping its length (so offsets stay valid)."""
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer (e.g. "İ"): keep it
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low.translate(_FOLD)


@functools.cache
def _analyzer() -> Any:
    # Loading the dictionary takes ~0.1 s and ~15 MB: once per process.
    return pymorphy3.MorphAnalyzer(lang="ru")


def _is_abbreviation(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _declinable_parses(token: str) -> list[Any]:
    """Readings of ``token`` as a nominative word that declines.

    A word the dictionary knows declines as the dictionary says. An unknown word declines only
    when it reads as an adjective ("Малокурильское": adjective endings are regular); an unknown
    noun (a Japanese name such as "Эторофу") is indeclinable, as Russian treats such names.
    """
    if _is_abbreviation(token) or not any(c.isalpha() for c in token):
        return []
    found = []
    for p in _analyzer().parse(token):
        tag = p.tag
        if "Fixd" in tag or "Abbr" in tag or tag.case != "nomn":
            continue
        known = tag.POS in ("NOUN", "ADJF", "PRTF") and p.is_known
        if known or tag.POS in ("NUMR", "ADJF"):
            found.append(p)
    return found


def _head_parse(parses: list[Any]) -> Any:
    """The likeliest reading of a name's head: a place noun before a person's name."""

    def rank(p: Any) -> int:
        tag = p.tag
        if "Geox" in tag:
            return 0
        if tag.POS == "NOUN" and tag.animacy == "inan":
            return 1
        if tag.POS == "NOUN" and not ({"Surn", "Name", "Patr"} & set(tag.grammemes)):
            return 2
        return 3

    return min(parses, key=rank)


def _recase(word: str, model: str) -> str:
    """Give ``word`` (lower case) the capitals of ``model``, part by hyphenated part."""
    if _is_abbreviation(model):
        return word.upper()
    parts, model_parts = word.split("-"), model.split("-")
    if len(parts) != len(model_parts):
        return word[:1].upper() + word[1:] if model[:1].isupper() else word
    return "-".join(
        p[:1].upper() + p[1:] if m[:1].isupper() else p
        for p, m in zip(parts, model_parts, strict=True)
    )


def _plain(form: Any) -> bool:
    # Comparative and superlative forms are in an adjective's lexeme but never in a name.
    return not ({"Supr", "Cmp2", "COMP"} & set(form.tag.grammemes))


def _agree(modifier: Any, case: str, head: Any) -> set[str]:
    """Forms of an adjective before the head that agree with the head in ``case``."""
    number, gender, animacy = head.tag.number, head.tag.gender, head.tag.animacy
    out = set()
    for form in modifier.lexeme:
        tag = form.tag
        if tag.POS != modifier.tag.POS or tag.case != case or tag.number != number:
            continue
        if not _plain(form):
            continue
        if number == "sing" and gender and tag.gender != gender:
            continue
        if case == "accs" and tag.animacy and tag.animacy != (animacy or "inan"):
            continue
        out.add(form.word)
    return out


def _find_head(parses: list[list[Any]]) -> int | None:
    """The head noun: the first noun that is not also an adjective agreeing with a later noun."""
    nouns = [i for i, ps in enumerate(parses) if any(p.tag.POS == "NOUN" for p in ps)]
    for i in nouns:
        adjectival = any(p.tag.POS in ("ADJF", "PRTF") for p in parses[i])
        if not adjectival or i == len(parses) - 1 or i + 1 not in nouns:
            return i
    return nouns[-1] if nouns else None


@functools.cache
def russian_forms(name: str) -> frozenset[str]:
    """Every case form of a Russian place name or term, capitals kept as in ``name``."""
    tokens = name.split()
    parses = [_declinable_parses(t) for t in tokens]
    head = _find_head(parses)
    if head is None:
        # A lone adjective used as a name ("Малокурильское") declines as the adjective.
        if len(tokens) == 1 and parses[0]:
            head = 0
        else:
            return frozenset({name})
    head_parse = _head_parse([p for p in parses[head] if p.tag.POS == "NOUN"] or parses[head])
    if any(p.tag.POS == "NUMR" for ps in parses[:head] for p in ps):
        # A numeral governs the case of what follows ("четырёх северных островов"): rather than
        # model that, every word up to the head may take any of its forms.
        forms = {name}
        for combo in _product([set(russian_word_forms(t)) for t in tokens[: head + 1]]):
            words = [_recase(w, tokens[i]) for i, w in enumerate(combo)]
            forms.add(" ".join([*words, *tokens[head + 1 :]]))
        return frozenset(forms)
    modifiers = [
        next((p for p in parses[i] if p.tag.POS in ("ADJF", "PRTF")), None) for i in range(head)
    ]
    tag = head_parse.tag
    forms = {name}
    for case in _CASES:
        head_words = {
            f.word
            for f in head_parse.lexeme
            if f.tag.case == case
            and f.tag.number == tag.number
            and f.tag.POS == tag.POS
            and _plain(f)
            and (tag.POS == "NOUN" or tag.number != "sing" or f.tag.gender == tag.gender)
        }
        if not head_words:
            continue
        before = [
            (_agree(m, case, head_parse) if m is not None else set()) or {tokens[i].lower()}
            for i, m in enumerate(modifiers)
        ]
        for combo in _product([*before, head_words]):
            words = [_recase(w, tokens[i]) for i, w in enumerate(combo)]
            forms.add(" ".join([*words, *tokens[head + 1 :]]))
    return frozenset(forms)


def _product(sets: list[set[str]]) -> Iterable[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for options in sets:
        out = [(*prefix, o) for prefix in out for o in sorted(options)]
    return out


@functools.cache
def russian_word_forms(word: str) -> frozenset[str]:
    """Every form of every dictionary reading of ``word`` (lower case), for lexicon macros."""
    forms = {word.lower()}
    for p in _analyzer().parse(word):
        if p.is_known and "Fixd" not in p.tag:
            forms.update(f.word for f in p.lexeme)
    return frozenset(forms)


# Japanese island suffixes as written in Hepburn: Etorofu-tō, Todo-jima, Habomai-guntō.
_EN_ISLAND_SUFFIXES = ("-to", "-tō", " Island", " island", "-jima", "-shima")


def english_forms(name: str, *, island: bool) -> frozenset[str]:
    """Romanised variants of an English name: with and without macrons, ``ou``/``oh`` spellings.

    Macrons need no variant of their own (folding reads "ō" as "o"); the long vowel written out
    ("Etorofu-tou", "Etorofu-toh") does. An island name also gets the Hepburn suffixes.
    """
    forms = {name}
    if island and " " not in name and "-" not in name:
        forms.update(name + s for s in _EN_ISLAND_SUFFIXES)
    for f in list(forms):
        if "ō" in f:
            forms.add(f.replace("ō", "ou"))
            forms.add(f.replace("ō", "oh"))
    return frozenset(forms)


def japanese_forms(name: str) -> frozenset[str]:
    """A katakana name is written with or without the middle dot between its words."""
    forms = {name}
    for dot in ("・", "･", "="):
        if dot in name:
            forms.add(name.replace(dot, ""))
    return frozenset(forms)
