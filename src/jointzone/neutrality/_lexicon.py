"""The neutrality lexicon: the regime-configurable words behind rules (b) to (e).

The gazetteer says what the places are called; the lexicon says what else in a text can take a
side — one party's administrative units and collective terms, possessive and adjectival
attribution, claim language — and how a quotation is attributed to a party. It is data, so a
regime with other parties brings its own file (``regimes/<regime>/neutrality.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from jointzone.neutrality.errors import LexiconFileError

Scope = Literal["zone", "mixed", "chain"]
_SCOPES: tuple[Scope, ...] = ("zone", "mixed", "chain")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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
        return _Reader(data, source).lexicon()


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


class _Reader:
    """Walks the parsed YAML, collecting every problem before raising one error."""

    def __init__(self, data: Any, source: str) -> None:
        self.data = data
        self.source = source
        self.problems: list[str] = []

    # -- small typed getters, each reporting by key path ---------------------------------
    def _map(self, value: Any, at: str, *, required: bool = True) -> Mapping[str, Any]:
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(f"{at}: expected a mapping, got {_kind(value)}")
            return {}
        for k in value:
            if not isinstance(k, str):
                self.problems.append(f"{at}: key {k!r} is not a string")
        return value

    def _strings(self, value: Any, at: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problems.append(f"{at}: expected a list of strings, got {_kind(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                out.append(item)
            else:
                self.problems.append(f"{at}[{i}]: expected a non-empty string, got {item!r}")
        return tuple(out)

    def _str(self, value: Any, at: str) -> str:
        if isinstance(value, str) and value.strip():
            return value
        self.problems.append(f"{at}: expected a non-empty string, got {_kind(value)}")
        return ""

    def _per_language(self, value: Any, at: str) -> dict[str, tuple[str, ...]]:
        out = {}
        for lang, words in self._map(value, at, required=False).items():
            out[str(lang)] = self._strings(words, f"{at}.{lang}")
        return out

    # -- the sections --------------------------------------------------------------------
    def lexicon(self) -> Lexicon:
        top = self._map(self.data, "(top level)")
        if top and top.get("version") != 1:
            self.problems.append(f"version: expected 1, got {top.get('version')!r}")
        parties = self._parties(top.get("parties"))
        names = self._map(top.get("names"), "names")
        window = names.get("pairing_window", 80)
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            self.problems.append(
                f"names.pairing_window: expected a positive integer, got {window!r}"
            )
            window = 80
        languages = tuple(sorted({lang for p in parties.values() for lang in p}))
        admin = self._terms(top.get("admin_units"), "admin_units", parties, ("zone", "mixed"))
        terms = self._terms(
            top.get("collective_terms"), "collective_terms", parties, ("zone", "chain")
        )
        chain = self._map(top.get("chain_context"), "chain_context", required=False)
        attribution = self._map(top.get("attribution"), "attribution")
        quotations = self._map(top.get("quotations"), "quotations")
        zone_phrase = {
            str(k): self._str(v, f"zone_phrase.{k}")
            for k, v in self._map(top.get("zone_phrase"), "zone_phrase").items()
        }
        claims = self._claims(top.get("claims"), parties)
        lexicon = Lexicon(
            source=self.source,
            languages=languages,
            parties=parties,
            pairing_window=window,
            ambiguous=self._per_language(names.get("ambiguous"), "names.ambiguous"),
            island_words=self._per_language(names.get("island_words"), "names.island_words"),
            admin_units=admin,
            admin_links=self._per_language(top.get("admin_links"), "admin_links"),
            admin_topics=self._predicates(top.get("admin_predicates"), "topics"),
            admin_predicates=self._predicates(top.get("admin_predicates"), "predicates"),
            collective_terms=terms,
            chain_qualifiers=self._per_language(
                chain.get("qualifiers"), "chain_context.qualifiers"
            ),
            chain_places=self._per_language(chain.get("places"), "chain_context.places"),
            zone_phrase=zone_phrase,
            place_nouns=self._per_language(
                attribution.get("place_nouns"), "attribution.place_nouns"
            ),
            held_suffixes=self._per_language(
                attribution.get("held_suffixes"), "attribution.held_suffixes"
            ),
            claims=claims,
            speech_verbs=self._per_language(
                quotations.get("speech_verbs"), "quotations.speech_verbs"
            ),
        )
        for lang in languages:
            if lang not in zone_phrase:
                self.problems.append(f"zone_phrase.{lang}: missing (one per regime language)")
        if self.problems:
            raise LexiconFileError(self.source, self.problems)
        return lexicon

    def _predicates(self, value: Any, key: str) -> dict[str, tuple[str, ...]]:
        out = {}
        for lang, entry in self._map(value, "admin_predicates", required=False).items():
            m = self._map(entry, f"admin_predicates.{lang}")
            if key == "topics":
                for k in sorted(set(m) - {"topics", "predicates"}):
                    self.problems.append(f"admin_predicates.{lang}.{k}: unknown key")
            out[str(lang)] = self._strings(m.get(key), f"admin_predicates.{lang}.{key}")
        return out

    def _parties(self, value: Any) -> dict[str, dict[str, PartyWords]]:
        out: dict[str, dict[str, PartyWords]] = {}
        for party, langs in self._map(value, "parties").items():
            at = f"parties.{party}"
            out[str(party)] = {}
            for lang, words in self._map(langs, at).items():
                w = self._map(words, f"{at}.{lang}")
                unknown = set(w) - {"nouns", "adjectives", "speakers"}
                for key in sorted(unknown):
                    self.problems.append(f"{at}.{lang}.{key}: unknown key")
                out[str(party)][str(lang)] = PartyWords(
                    nouns=self._strings(w.get("nouns"), f"{at}.{lang}.nouns"),
                    adjectives=self._strings(w.get("adjectives"), f"{at}.{lang}.adjectives"),
                    speakers=self._strings(w.get("speakers"), f"{at}.{lang}.speakers"),
                )
        if value is not None and len(out) < 2:
            self.problems.append("parties: expected at least two parties")
        return out

    def _terms(
        self, value: Any, key: str, parties: Mapping[str, Any], scopes: Sequence[Scope]
    ) -> tuple[Term, ...]:
        if not isinstance(value, list):
            self.problems.append(f"{key}: expected a list, got {_kind(value)}")
            return ()
        out = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            at = f"{key}[{i}]"
            m = self._map(item, at)
            if not m:
                continue
            term_id = self._str(m.get("id"), f"{at}.id")
            if term_id and not _ID.match(term_id):
                self.problems.append(f"{at}.id: {term_id!r} is not a lower-case-hyphenated id")
            if term_id in seen:
                self.problems.append(f"{at}.id: {term_id!r} is used twice")
            seen.add(term_id)
            party = self._str(m.get("party"), f"{at}.party")
            if party and parties and party not in parties:
                self.problems.append(f"{at}.party: {party!r} is not a party ({sorted(parties)})")
            scope = m.get("scope")
            if scope not in scopes:
                self.problems.append(f"{at}.scope: expected one of {list(scopes)}, got {scope!r}")
                scope = scopes[0]
            names = self._per_language(m.get("names"), f"{at}.names")
            if not any(names.values()):
                self.problems.append(f"{at}.names: expected at least one name")
            for k in sorted(set(m) - {"id", "party", "scope", "names", "places"}):
                self.problems.append(f"{at}.{k}: unknown key")
            out.append(
                Term(
                    id=term_id,
                    party=party,
                    scope=_scope(scope),
                    names=names,
                    places=self._strings(m.get("places"), f"{at}.places"),
                )
            )
        return tuple(out)

    def _claims(self, value: Any, parties: Mapping[str, Any]) -> tuple[Claim, ...]:
        out = []
        for lang, entries in self._map(value, "claims").items():
            if not isinstance(entries, list):
                self.problems.append(f"claims.{lang}: expected a list, got {_kind(entries)}")
                continue
            for i, item in enumerate(entries):
                at = f"claims.{lang}[{i}]"
                m = self._map(item, at)
                if not m:
                    continue
                pattern = self._str(m.get("pattern"), f"{at}.pattern")
                try:
                    re.compile(pattern.replace("{japan}", "x").replace("{russia}", "x"))
                except re.error as e:
                    self.problems.append(f"{at}.pattern: not a regular expression: {e}")
                party = m.get("party")
                if party is not None and (not isinstance(party, str) or party not in parties):
                    self.problems.append(f"{at}.party: expected a party or null, got {party!r}")
                    party = None
                zone = m.get("zone", False)
                if not isinstance(zone, bool):
                    self.problems.append(f"{at}.zone: expected true or false, got {zone!r}")
                    zone = False
                for k in sorted(set(m) - {"pattern", "party", "suggest", "zone"}):
                    self.problems.append(f"{at}.{k}: unknown key")
                out.append(
                    Claim(
                        id=f"{lang}-{i}",
                        language=str(lang),
                        pattern=pattern,
                        party=party,
                        suggest=self._str(m.get("suggest"), f"{at}.suggest"),
                        zone=zone,
                    )
                )
        return tuple(out)


def _scope(value: Any) -> Scope:
    for s in _SCOPES:
        if value == s:
            return s
    return "zone"


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
