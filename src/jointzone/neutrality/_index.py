"""The form index: every surface form of every name and lexicon term, compiled once per regime.

Checking a text is then a few scans of the whole (folded) text with precompiled patterns —
names and terms through one trie-shaped pattern, claim language through one alternation — and
local look-arounds only where something was found. Building the index (declining every Russian
name, compiling the tries) takes a fraction of a second; :meth:`Checker.for_regime` caches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from jointzone.neutrality._forms import (
    english_forms,
    fold,
    japanese_forms,
    russian_forms,
    russian_word_forms,
)
from jointzone.neutrality._lexicon import Claim, Lexicon, Term
from jointzone.neutrality._trie import first_chars, trie_pattern
from jointzone.neutrality._typography import normal_form

EntryKind = Literal["place", "admin", "term", "chain"]

# Letters and digits of the scripts that write words with spaces between them (folded text is
# lower case). A name in these scripts must not be part of a longer word; a hyphen before it
# also counts ("Северо-Курильск" is not "Курильск").
_LETTERS = "0-9a-zа-я\u00c0-\u024f"
LEFT = f"(?<![{_LETTERS}\\-])"
RIGHT = f"(?![{_LETTERS}])"
_WORDLIKE = re.compile(f"[{_LETTERS}]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_MACRO = re.compile(r"~([0-9a-zа-яё\-]+)|\{([a-z0-9_-]+)\}")


class IndexedPlace(Protocol):
    """What the index needs of a gazetteer place (the regime's ``Place`` is one)."""

    @property
    def ref(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def in_zone(self) -> bool: ...
    @property
    def names(self) -> Mapping[str, Mapping[str, str]]: ...

    def name(self, party: str, language: str) -> str: ...
    def all_names(self, party: str, language: str) -> tuple[str, ...]: ...
    def names_differ(self, language: str) -> bool: ...


@dataclass(frozen=True)
class Entry:
    """One way of writing one thing: a place's name, a unit, a term, or a chain place."""

    kind: EntryKind
    key: str
    party: str | None
    language: str
    form: str
    caps: tuple[int, ...]
    ambiguous: bool = False
    canonical: bool = False


@dataclass(frozen=True)
class Hit:
    """Where the text has a form of one or more entries (several when parties share a name)."""

    start: int
    end: int
    entries: tuple[Entry, ...]

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(e.kind for e in self.entries)


@dataclass(frozen=True)
class ClaimHit:
    start: int
    end: int
    claim: Claim


def script_language(form: str) -> str:
    if _CJK.search(form):
        return "ja"
    return "ru" if re.search("[а-яёА-ЯЁ]", form) else "en"


def _caps(form: str) -> tuple[int, ...]:
    return tuple(i for i, c in enumerate(form) if c.isupper() and c.lower() != c)


def _key(word: str) -> str:
    """A lexicon word as the scanners see text: normalised as texts are, then folded."""
    return fold(normal_form(word))


def _words_pattern(words: Iterable[str]) -> str:
    return trie_pattern({_key(w) for w in words})


class FormIndex:
    """Compiled scanners for one regime: its places, its lexicon, its parties and languages."""

    def __init__(self, places: Sequence[IndexedPlace], lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.places = {p.ref: p for p in places}
        self.parties: tuple[str, ...] = tuple(lexicon.parties)
        self._entries: dict[str, list[Entry]] = {}
        for place in places:
            self._add_place(place)
        for unit in lexicon.admin_units:
            self._add_term("admin", unit)
        for term in lexicon.collective_terms:
            self._add_term("term", term)
        for lang, names in lexicon.chain_places.items():
            for name in names:
                for form in self._forms(name, lang):
                    self._add(Entry("chain", name, None, lang, form, _caps(form)))
        bounded = [f for f in self._entries if _bounded(f)]
        free = [f for f in self._entries if not _bounded(f)]
        self.scanner = re.compile(
            f"{LEFT}(?:{trie_pattern(bounded)}){RIGHT}|(?:{trie_pattern(free)})"
        )
        self.entries = {k: tuple(v) for k, v in self._entries.items()}
        self._claims = lexicon.claims
        self.claim_scanners = self._compile_claims(lexicon.claims)
        self.languages = tuple(sorted(set(lexicon.languages) | {"en", "ja", "ru"}))
        self._compile_context()

    # -- building ------------------------------------------------------------------------
    def _forms(
        self, name: str, language: str, *, island: bool = False, hepburn: bool = False
    ) -> frozenset[str]:
        """Every form of ``name``, normalised as texts are (so that capitals fall in place)."""
        if language == "ru":
            forms = set(russian_forms(name))
        elif language == "ja":
            forms = set(japanese_forms(name))
        else:
            forms = set(english_forms(name, island=island))
            if island and not hepburn:
                forms = {f for f in forms if not f.endswith(("-to", "-tō", "-jima", "-shima"))}
        return frozenset(normal_form(f) for f in forms)

    def _add(self, entry: Entry) -> None:
        key = fold(entry.form)
        bucket = self._entries.setdefault(key, [])
        if entry not in bucket:
            bucket.append(entry)

    def _add_place(self, place: IndexedPlace) -> None:
        island = place.kind in ("island", "island-group")
        for party, langs in place.names.items():
            for lang in langs:
                main = place.name(party, lang)
                ambiguous_words = set(self.lexicon.ambiguous.get(lang, ()))
                for written in place.all_names(party, lang):
                    forms = self._forms(
                        written,
                        lang,
                        island=island and " " not in written,
                        hepburn=party == "japan",
                    )
                    for form in forms:
                        self._add(
                            Entry(
                                "place",
                                place.ref,
                                party,
                                lang,
                                form,
                                _caps(form),
                                ambiguous=written in ambiguous_words,
                                canonical=written == main,
                            )
                        )

    def _add_term(self, kind: EntryKind, term: Term) -> None:
        for lang, names in term.names.items():
            for name in names:
                for form in self._forms(name, lang):
                    self._add(Entry(kind, term.id, term.party, lang, form, _caps(form)))

    def _macro(self, pattern: str) -> str:
        def expand(m: re.Match[str]) -> str:
            if m.group(1):
                return f"(?:{_words_pattern(russian_word_forms(m.group(1)))})"
            party = m.group(2)
            words = [
                w
                for lang in self.lexicon.parties.get(party, {})
                for w in self.party_words(party, lang)
            ]
            return f"(?:{_words_pattern(words)})"

        return _MACRO.sub(expand, pattern)

    def _compile_claims(self, claims: Sequence[Claim]) -> tuple[re.Pattern[str], ...]:
        # One alternation per kind of script, behind a lookahead for the characters a claim can
        # start with: most positions of a text fail that one test instead of trying every claim.
        # For the spaced scripts the word-start test also comes once, before the alternation.
        spaced: list[str] = []
        unspaced: list[str] = []
        for i, claim in enumerate(claims):
            body = self._macro(claim.pattern)
            (unspaced if claim.language == "ja" else spaced).append(f"(?P<c{i}>{body})")
        out = []
        for bodies, left, right in ((spaced, LEFT, RIGHT), (unspaced, "", "")):
            if not bodies:
                continue
            alternation = "|".join(bodies)
            starts = first_chars(alternation)
            # Where the first characters cannot be told there is no filter: a guess (such as
            # "a letter") would drop the claims that start otherwise ("— российская земля").
            ahead = ""
            if starts is not None:
                ahead = "(?=[" + "".join(re.escape(c) for c in sorted(starts)) + "])"
            out.append(re.compile(f"{left}{ahead}(?:{alternation}){right}"))
        return tuple(out)

    def party_words(self, party: str, language: str, *, speakers: bool = False) -> list[str]:
        """Every form of the words naming ``party`` in ``language`` (Russian ones declined)."""
        words = self.lexicon.parties.get(party, {}).get(language)
        if words is None:
            return []
        base = [*words.nouns, *words.adjectives, *(words.speakers if speakers else ())]
        out: list[str] = []
        for w in base:
            out.extend(self._forms(w, language) if language == "ru" else [w])
            if language == "ru" and " " not in w:
                out.extend(russian_word_forms(w))
        if language == "en":
            out.extend(f"{n}'s" for n in words.nouns)
        return out

    def _compile_context(self) -> None:
        lex = self.lexicon
        self.possessive_before: dict[str, re.Pattern[str]] = {}
        self.possessive_after: dict[str, re.Pattern[str]] = {}
        self.joint_guard: dict[str, re.Pattern[str]] = {}
        self.admin_gap: dict[str, re.Pattern[str]] = {}
        self.chain_qualifier: dict[str, re.Pattern[str]] = {}
        self.island_after: dict[str, re.Pattern[str]] = {}
        self.island_anywhere: re.Pattern[str]
        self.admin_topic: dict[str, re.Pattern[str]] = {}
        self.admin_predicate: dict[str, re.Pattern[str]] = {}
        self.list_gap: dict[str, re.Pattern[str]] = {}
        self.speakers: dict[str, re.Pattern[str]] = {}
        self.speech: dict[str, re.Pattern[str]] = {}
        self.party_of_group = dict(enumerate(self.parties))
        island_all: list[str] = []
        for lang in self.languages:
            ru = lang == "ru"
            nouns = {
                p: [_key(w) for w in self._declined(lex.parties[p].get(lang), "nouns", ru)]
                for p in self.parties
            }
            adjs = {
                p: [_key(w) for w in self._declined(lex.parties[p].get(lang), "adjectives", ru)]
                for p in self.parties
            }
            place_nouns = self._all_forms(lex.place_nouns.get(lang, ()), ru)
            suffixes = [_key(s) for s in lex.held_suffixes.get(lang, ())]
            groups = []
            for i, p in enumerate(self.parties):
                alts = []
                if lang == "en":
                    poss = [f"{n}'s" for n in nouns[p]]
                    alts.append(trie_pattern(poss))
                    if suffixes:
                        alts.append(
                            f"(?:{trie_pattern(nouns[p] + adjs[p])})"
                            f"[- ](?:{trie_pattern(suffixes)})"
                        )
                    if adjs[p]:
                        alts.append(trie_pattern(adjs[p]))
                elif lang == "ja":
                    alts.append(f"(?:{trie_pattern(nouns[p])})(?:の|・)?")
                elif adjs[p]:
                    alts.append(trie_pattern(adjs[p]))
                alts = [a for a in alts if a != "(?!)"]
                if alts:
                    groups.append(f"(?P<p{i}>{LEFT}(?:{'|'.join(alts)}))")
            if not groups:
                continue
            desig = "|".join(groups)
            if lang == "ja":
                between = f"(?:{trie_pattern(place_nouns)})?" if place_nouns else ""
                self.possessive_before[lang] = re.compile(f"(?:{desig}){between}\\Z")
            else:
                nouns_pat = trie_pattern(place_nouns) if place_nouns else "(?!)"
                connector = "(?:of|called|named|known as)\\s+" if lang == "en" else ""
                self.possessive_before[lang] = re.compile(
                    f"(?:{desig})\\s+(?:(?:[a-zа-я]+\\s+)?(?:{nouns_pat})\\s+(?:{connector})?)?\\Z"
                )
            all_nouns = [w for p in self.parties for w in nouns[p]]
            all_adjs = [w for p in self.parties for w in adjs[p]]
            after_groups = "|".join(
                f"(?P<p{i}>{trie_pattern(nouns[p])})"
                for i, p in enumerate(self.parties)
                if nouns[p]
            )
            if lang == "ja":
                self.possessive_after[lang] = re.compile(f"[（(](?:{after_groups})[）)]")
            else:
                # "Iturup, Russia." / "Etorofu (Japan)"; not "On Kunashir, Russia built ..."
                tail = "(?=\\s*(?:[.;:!?)]|$|,(?!\\s*(?:and|or|и|или)\\b)|'s))"
                lead = "\\s*,\\s*|\\s*\\(\\s*"
                self.possessive_after[lang] = re.compile(
                    f"(?:{lead})(?:{after_groups}){RIGHT}\\s*\\)?{tail}"
                )
            joiners = "and|or|&|/|-|–|—|,|и|と|・|及び|および"
            self.joint_guard[lang] = re.compile(
                f"(?:{trie_pattern(all_nouns + all_adjs)})\\s*(?:{joiners})\\s*\\Z"
            )
            links = self._all_forms(lex.admin_links.get(lang, ()), ru)
            link_pat = trie_pattern(links) if links else "(?!)"
            word_end = "" if lang == "ja" else RIGHT
            self.admin_gap[lang] = re.compile(
                f"(?:[\\s,.:;()（）「」、・'\"«»—–\\-]|(?:{link_pat}){word_end})*"
            )
            topics = lex.admin_topics.get(lang, ())
            predicates = lex.admin_predicates.get(lang, ())
            if topics and predicates:
                self.admin_topic[lang] = re.compile(f"\\s*(?:{_words_pattern(topics)})\\s*")
                self.admin_predicate[lang] = re.compile(f"\\s*(?:{_words_pattern(predicates)})")
            separators = "(?:[\\s,、，・/／]|and|or|と|や|及び|および|и|или)*"
            self.list_gap[lang] = re.compile(separators)
            quals = self._all_forms(lex.chain_qualifiers.get(lang, ()), ru)
            if quals:
                self.chain_qualifier[lang] = re.compile(f"(?:{trie_pattern(quals)})\\s*\\Z")
            islands = self._all_forms(lex.island_words.get(lang, ()), ru)
            island_all.extend(islands)
            if islands:
                self.island_after[lang] = re.compile(f"\\s*(?:{trie_pattern(islands)})")
            left = "" if lang == "ja" else LEFT
            speaker_groups = []
            for i, p in enumerate(self.parties):
                words = self.party_words(p, lang, speakers=True)
                if words:
                    speaker_groups.append(f"(?P<p{i}>{left}(?:{_words_pattern(words)}))")
            self.speakers[lang] = re.compile("|".join(speaker_groups) or "(?!)")
            verbs = self._all_forms(lex.speech_verbs.get(lang, ()), ru)
            self.speech[lang] = re.compile(
                f"{'' if lang == 'ja' else LEFT}(?:{trie_pattern(verbs) if verbs else '(?!)'})"
            )
        island_words = sorted({w for w in island_all})
        self.island_anywhere = re.compile(trie_pattern(island_words) if island_words else "(?!)")

    def _declined(self, words: object, attr: str, ru: bool) -> list[str]:
        if words is None:
            return []
        base: tuple[str, ...] = getattr(words, attr)
        if not ru:
            return list(base)
        out: list[str] = []
        for w in base:
            out.extend(russian_forms(w))
            if " " not in w:
                out.extend(russian_word_forms(w))
        return out

    def _all_forms(self, words: Iterable[str], ru: bool) -> list[str]:
        out: set[str] = set()
        for w in words:
            out.add(_key(w))
            if ru:
                out.update(_key(f) for f in russian_forms(w))
                if " " not in w:
                    out.update(_key(f) for f in russian_word_forms(w))
        return sorted(out)

    # -- scanning ------------------------------------------------------------------------
    def scan(self, text: str, folded: str) -> list[Hit]:
        """Every name or term in ``text`` (normalised) whose capitals fit; ``folded`` is
        ``fold(text)``."""
        hits = []
        entries = self.entries
        for m in self.scanner.finditer(folded):
            start = m.start()
            fitting = tuple(
                e for e in entries[m.group()] if all(text[start + i].isupper() for i in e.caps)
            )
            if fitting:
                hits.append(Hit(start, m.end(), fitting))
        return hits

    def scan_claims(self, folded: str) -> list[ClaimHit]:
        out = []
        claims = self._claims
        for scanner in self.claim_scanners:
            for m in scanner.finditer(folded):
                name = m.lastgroup
                if name is not None:
                    out.append(ClaimHit(m.start(), m.end(), claims[int(name[1:])]))
        out.sort(key=lambda c: c.start)
        return out


def _bounded(form: str) -> bool:
    return bool(_WORDLIKE.match(form[:1]) and _WORDLIKE.match(form[-1:]))
