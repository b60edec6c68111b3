"""The neutrality lexicon: the regime-configurable words behind rules (b) to (e).

The gazetteer says what the places are called; the lexicon says what else in a text can take a
side — one party's administrative units and collective terms, possessive and adjectival
attribution, claim language — and how a quotation is attributed to a party. It is data, so a
regime with other parties brings its own file (``regimes/<regime>/neutrality.yaml``).

The file's shape is checked by frozen pydantic models that mirror it (``_File`` and below);
what the shape cannot say — that a term's party is a party, that ids are unique, that every
regime language has a zone phrase — is checked after, on the models. Either way every problem
is reported with the file and the key path ("admin_units[0].party: ..."). The checker then
works from plain frozen values (:class:`Lexicon`), shaped for the rules rather than the file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from jointzone.neutrality.errors import LexiconFileError

Scope = Literal["zone", "mixed", "chain"]
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MACRO = re.compile(r"\{[a-z0-9_-]+\}")


@dataclass(frozen=True)
class PartyWords:
    """How a text names one party in one language.

    ``nouns`` ("Japan") and ``adjectives`` ("Japanese") can attribute a place to the party;
    ``speakers`` ("the Japanese side") only say who is speaking, for attributing quotations.
    """

    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    speakers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    """An administrative unit or a collective term of one party, with its names per language."""

    id: str
    party: str
    scope: Scope
    names: Mapping[str, tuple[str, ...]]
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """A pattern of claim language; ``zone``: a claim only in a sentence about the zone."""

    id: str
    language: str
    pattern: str
    party: str | None
    suggest: str
    zone: bool


@dataclass(frozen=True)
class Lexicon:
    """Everything the rules need besides the gazetteer, per regime language."""

    source: str
    languages: tuple[str, ...]
    parties: Mapping[str, Mapping[str, PartyWords]]
    pairing_window: int
    ambiguous: Mapping[str, tuple[str, ...]]
    island_words: Mapping[str, tuple[str, ...]]
    admin_units: tuple[Term, ...]
    admin_links: Mapping[str, tuple[str, ...]]
    admin_topics: Mapping[str, tuple[str, ...]]
    admin_predicates: Mapping[str, tuple[str, ...]]
    collective_terms: tuple[Term, ...]
    chain_qualifiers: Mapping[str, tuple[str, ...]]
    chain_places: Mapping[str, tuple[str, ...]]
    zone_phrase: Mapping[str, str]
    place_nouns: Mapping[str, tuple[str, ...]]
    held_suffixes: Mapping[str, tuple[str, ...]]
    claims: tuple[Claim, ...]
    speech_verbs: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_data(cls, data: Any, *, source: str) -> Lexicon:
        """Validate a parsed lexicon; every problem names the file and the key."""
        try:
            file = _File.model_validate(data)
        except ValidationError as e:
            raise LexiconFileError(source, _problems(e)) from None
        problems = _cross_check(file)
        if problems:
            raise LexiconFileError(source, problems)
        return _lexicon(file, source)


def load_lexicon(path: str | Path) -> Lexicon:
    """Read and validate a lexicon file (YAML); errors name the file and the key."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise LexiconFileError(source, [f"(file): cannot read: {e.strerror or e}"]) from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"
        raise LexiconFileError(source, [f"{where}: not valid YAML: {e}"]) from e
    return Lexicon.from_data(data, source=source)


# -- the file, as models ---------------------------------------------------------------------
class _Frozen(BaseModel):
    """Base of the file's models: immutable, no unknown keys, no type coercion.

    The same settings as the regime's ``Frozen``; a twin, because this package is pure and
    imports nothing from outside it (the regime package included).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "expected a non-empty string")
    return value


def _an_id(value: str) -> str:
    if not _ID.match(value):
        raise PydanticCustomError(
            "id", "expected a lower-case-hyphenated id such as 'kuril-islands'"
        )
    return value


def _a_pattern(value: str) -> str:
    if unicodedata.normalize("NFKC", value) != value:
        # texts are matched as NFKC reads them (._typography): "（" in a pattern never matches
        raise PydanticCustomError(
            "nfkc", "expected a pattern in Unicode normal form NFKC, as texts are read"
        )
    try:
        re.compile(_MACRO.sub("x", value))
    except re.error as e:
        raise PydanticCustomError(
            "regex", "not a regular expression: {error}", {"error": str(e)}
        ) from None
    return value


_Text = Annotated[str, AfterValidator(_non_blank)]
# A list of words may be left empty in YAML ("speakers:"), which reads as null.
_Words = list[_Text] | None
_PerLanguage = dict[str, _Words] | None


class _PartyWords(_Frozen):
    nouns: _Words = None
    adjectives: _Words = None
    speakers: _Words = None


class _Names(_Frozen):
    pairing_window: Annotated[int, Field(gt=0)] = 80
    ambiguous: _PerLanguage = None
    island_words: _PerLanguage = None


class _Term(_Frozen):
    id: Annotated[str, AfterValidator(_an_id)]
    party: _Text
    names: _PerLanguage
    places: _Words = None


class _AdminUnit(_Term):
    scope: Literal["zone", "mixed"]


class _CollectiveTerm(_Term):
    scope: Literal["zone", "chain"]


class _Predicates(_Frozen):
    topics: _Words = None
    predicates: _Words = None


class _ChainContext(_Frozen):
    qualifiers: _PerLanguage = None
    places: _PerLanguage = None


class _Attribution(_Frozen):
    place_nouns: _PerLanguage = None
    held_suffixes: _PerLanguage = None


class _Claim(_Frozen):
    pattern: Annotated[str, AfterValidator(_non_blank), AfterValidator(_a_pattern)]
    party: str | None = None
    suggest: _Text
    zone: bool = False


class _Quotations(_Frozen):
    speech_verbs: _PerLanguage = None


class _File(_Frozen):
    version: Literal[1]
    parties: dict[str, dict[str, _PartyWords]]
    names: _Names
    admin_units: list[_AdminUnit]
    admin_links: _PerLanguage = None
    admin_predicates: dict[str, _Predicates] | None = None
    collective_terms: list[_CollectiveTerm]
    chain_context: _ChainContext | None = None
    zone_phrase: dict[str, _Text]
    attribution: _Attribution
    claims: dict[str, list[_Claim]]
    quotations: _Quotations


# -- what the shape cannot say --------------------------------------------------------------
def _cross_check(file: _File) -> list[str]:
    problems: list[str] = []
    parties = sorted(file.parties)
    if len(parties) < 2:
        problems.append(f"parties: expected at least two parties, got {parties}")
    for key, terms in (
        ("admin_units", file.admin_units),
        ("collective_terms", file.collective_terms),
    ):
        seen: set[str] = set()
        for i, term in enumerate(terms):
            at = f"{key}[{i}]"
            if term.id in seen:
                problems.append(f"{at}.id: {term.id!r} is used twice")
            seen.add(term.id)
            if term.party not in file.parties:
                problems.append(f"{at}.party: {term.party!r} is not a party ({parties})")
            if not any(_words(term.names or {}).values()):
                problems.append(f"{at}.names: expected at least one name")
    for lang, claims in file.claims.items():
        for i, claim in enumerate(claims):
            if claim.party is not None and claim.party not in file.parties:
                problems.append(
                    f"claims.{lang}[{i}].party: expected a party ({parties}) or null, "
                    f"got {claim.party!r}"
                )
    for lang in _languages(file):
        if lang not in file.zone_phrase:
            problems.append(f"zone_phrase.{lang}: missing (one per regime language)")
    return problems


def _languages(file: _File) -> tuple[str, ...]:
    return tuple(sorted({lang for langs in file.parties.values() for lang in langs}))


# -- from the file to the values the rules use -----------------------------------------------
def _words(per_language: Mapping[str, list[str] | None] | None) -> dict[str, tuple[str, ...]]:
    return {lang: tuple(words or ()) for lang, words in (per_language or {}).items()}


def _term(term: _Term, scope: Scope) -> Term:
    return Term(
        id=term.id,
        party=term.party,
        scope=scope,
        names=_words(term.names),
        places=tuple(term.places or ()),
    )


def _lexicon(file: _File, source: str) -> Lexicon:
    chain = file.chain_context or _ChainContext()
    predicates = file.admin_predicates or {}
    return Lexicon(
        source=source,
        languages=_languages(file),
        parties={
            party: {
                lang: PartyWords(
                    nouns=tuple(w.nouns or ()),
                    adjectives=tuple(w.adjectives or ()),
                    speakers=tuple(w.speakers or ()),
                )
                for lang, w in langs.items()
            }
            for party, langs in file.parties.items()
        },
        pairing_window=file.names.pairing_window,
        ambiguous=_words(file.names.ambiguous),
        island_words=_words(file.names.island_words),
        admin_units=tuple(_term(t, t.scope) for t in file.admin_units),
        admin_links=_words(file.admin_links),
        admin_topics={lang: tuple(p.topics or ()) for lang, p in predicates.items()},
        admin_predicates={lang: tuple(p.predicates or ()) for lang, p in predicates.items()},
        collective_terms=tuple(_term(t, t.scope) for t in file.collective_terms),
        chain_qualifiers=_words(chain.qualifiers),
        chain_places=_words(chain.places),
        zone_phrase=dict(file.zone_phrase),
        place_nouns=_words(file.attribution.place_nouns),
        held_suffixes=_words(file.attribution.held_suffixes),
        claims=tuple(
            Claim(
                id=f"{lang}-{i}",
                language=lang,
                pattern=c.pattern,
                party=c.party,
                suggest=c.suggest,
                zone=c.zone,
            )
            for lang, claims in file.claims.items()
            for i, c in enumerate(claims)
        ),
        speech_verbs=_words(file.quotations.speech_verbs),
    )


# -- pydantic's errors, as this package words them -----------------------------------------
_EXPECTED = {
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "list_type": "a list",
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
}


def _problems(error: ValidationError) -> list[str]:
    """One ``key.path: what was expected, what was found`` line per error."""
    out = []
    for e in error.errors():
        kind, found = e["type"], e.get("input")
        ctx = e.get("ctx") or {}
        if kind == "missing":
            msg = "missing"
        elif kind == "extra_forbidden":
            msg = "unknown key"
        elif kind in _EXPECTED:
            msg = f"expected {_EXPECTED[kind]}, got {_kind(found)}"
        elif kind == "literal_error":
            msg = f"expected {ctx['expected']}, got {found!r}"
        elif kind == "greater_than":
            msg = f"expected a number greater than {ctx['gt']}, got {found!r}"
        else:
            msg = f"{e['msg']}, got {found!r}"
        out.append(f"{_key_path(e['loc'])}: {msg}")
    return out


def _key_path(loc: Iterable[int | str]) -> str:
    """``('claims', 'en', 0, 'pattern')`` -> ``claims.en[0].pattern``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (a key)"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
