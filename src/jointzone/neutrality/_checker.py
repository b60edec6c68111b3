"""The without-prejudice checker: text in, findings out.

The text is first normalised (:mod:`._typography`: NFKC, spaces, invisible characters,
lookalike letters); everything below reads the normalised text, and every finding is mapped back
at the end, so that its offsets and words are those of the text as written. Its message and
suggestion quote the words as read ("'Kuril Islands' is Russia's term..." for "Kurіl Islands").

One pass finds every name, unit and term (one trie-shaped pattern over the folded text) and
every piece of claim language (one alternation); the text is cut into sentences; only sentences
with something in them are judged, rule by rule. Findings inside a quotation attributed to a
party are kept, marked attributed. A one-sided name or term inside an attribution (rules b, d)
is reported once, as the attribution.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from jointzone.neutrality._finding import FieldFinding, Finding, Rule
from jointzone.neutrality._forms import fold
from jointzone.neutrality._index import ClaimHit, FormIndex, Hit, IndexedPlace
from jointzone.neutrality._lexicon import Lexicon
from jointzone.neutrality._render import NameRenderer
from jointzone.neutrality._rules import _admin, _claims, _names, _possessive, _terms
from jointzone.neutrality._rules._context import Sentence
from jointzone.neutrality._text import Quote, language_of, quotations, sentence_bounds
from jointzone.neutrality._typography import Normalized, normalize

_RULES = (_names.check, _admin.check, _terms.check, _possessive.check, _claims.check)
_ABSORBING = {Rule.ADMIN_ATTRIBUTION, Rule.POSSESSIVE_ATTRIBUTION}
_ABSORBED = {Rule.ONE_SIDED_NAME, Rule.ONE_SIDED_TERM}
_CONTEXT = 150

_cache: dict[tuple[object, ...], tuple[FormIndex, Lexicon]] = {}
#: The most answers :meth:`Checker.gate` keeps, and the longest fields it keeps one for.
_GATED_MAX = 4096
_GATED_CHARS = 4096


class Checker:
    """Checks texts against one regime's gazetteer, lexicon and name order."""

    def __init__(self, index: FormIndex, renderer: NameRenderer) -> None:
        self._index = index
        self._renderer = renderer
        #: What :meth:`gate` found for the fields it was given (see there).
        self._gated: dict[tuple[tuple[str, str], ...], tuple[FieldFinding, ...]] = {}

    @classmethod
    def for_regime(
        cls,
        gazetteer: Iterable[IndexedPlace],
        lexicon: Lexicon,
        name_order: Mapping[str, Sequence[str]],
    ) -> Checker:
        """A checker for a regime; the form index is built once per gazetteer and lexicon."""
        places = list(gazetteer)
        key = (
            tuple(
                (
                    p.ref,
                    p.kind,
                    p.in_zone,
                    repr(sorted(p.names.items())),
                    repr(
                        [
                            p.all_names(party, lang)
                            for party in sorted(p.names)
                            for lang in sorted(p.names[party])
                        ]
                    ),
                )
                for p in places
            ),
            id(lexicon),
        )
        cached = _cache.get(key)
        if cached is None:
            # the lexicon is kept with the index so that its id is not reused while cached
            cached = (FormIndex(places, lexicon), lexicon)
            _cache[key] = cached
        return cls(cached[0], NameRenderer(name_order))

    @property
    def renderer(self) -> NameRenderer:
        return self._renderer

    def check(self, text: str, *, language: str | None = None) -> list[Finding]:
        """Every finding in ``text``, in order; ``language`` forces one language for all of it."""
        read = normalize(text)
        findings = self._check(read.text, language, read.breaks)
        if read.text is text:
            return findings
        return [_as_written(f, read) for f in findings]

    def _check(self, text: str, language: str | None, breaks: Sequence[int] = ()) -> list[Finding]:
        folded = fold(text)
        index = self._index
        hits = index.scan(text, folded)
        claims = index.scan_claims(folded)
        if not hits and not claims:
            return []
        quotes = quotations(text)
        quote_starts = [q.start for q in quotes]
        protected = [(h.start, h.end) for h in hits] + [(q.start, q.end) for q in quotes]
        starts = sentence_bounds(text, protected, breaks)
        per_sentence: dict[int, tuple[list[Hit], list[ClaimHit]]] = {}
        for h in hits:
            per_sentence.setdefault(bisect.bisect_right(starts, h.start) - 1, ([], []))[0].append(h)
        for c in claims:
            per_sentence.setdefault(bisect.bisect_right(starts, c.start) - 1, ([], []))[1].append(c)
        findings: list[Finding] = []
        for i in sorted(per_sentence):
            start = starts[i]
            end = starts[i + 1] if i + 1 < len(starts) else len(text)
            s_hits, s_claims = per_sentence[i]
            sentence = Sentence(
                index=index,
                renderer=self._renderer,
                text=text,
                folded=folded,
                start=start,
                end=end,
                hits=s_hits,
                claims=s_claims,
                forced_language=language,
            )
            found: list[Finding] = []
            for rule in _RULES:
                found.extend(rule(sentence))
            found = _absorb(found)
            if quotes:
                found = [self._attribute(f, quotes, quote_starts, sentence) for f in found]
            findings.extend(found)
        findings.sort(key=lambda f: (f.start, f.end, f.rule.letter))
        return findings

    def check_fields(
        self, fields: Mapping[str, str], *, language: str | None = None
    ) -> list[FieldFinding]:
        """Check several named free-text fields at once; each finding names its field."""
        return [
            FieldFinding(name, f)
            for name, value in fields.items()
            for f in self.check(value, language=language)
        ]

    def gate(self, fields: Mapping[str, str]) -> list[FieldFinding]:
        """The findings that stop an act or document from being signed; empty means it may pass.

        Attributed quotations do not block; everything else does.

        The answer for the same fields is kept (the checker's index and rules never change):
        a node gates an act when it is proposed or signed there and again when it commits it,
        and the check was a tenth of a commit's time. Answers are kept for fields of at most
        :data:`_GATED_CHARS` characters in all, and for :data:`_GATED_MAX` of them.
        """
        key = tuple(fields.items())
        found = self._gated.get(key)
        if found is None:
            found = tuple(f for f in self.check_fields(fields) if f.blocking)
            if sum(len(k) + len(v) for k, v in key) <= _GATED_CHARS:
                if len(self._gated) >= _GATED_MAX:
                    self._gated.clear()
                self._gated[key] = found
        return list(found)

    def _attribute(
        self, f: Finding, quotes: list[Quote], quote_starts: list[int], s: Sentence
    ) -> Finding:
        i = bisect.bisect_right(quote_starts, f.start) - 1
        if i < 0 or f.end > quotes[i].end:
            return f
        party = self._speaker(quotes[i], s.text, s.folded, s.start, s.end)
        if party is None:
            return f
        return replace(f, attributed=True, attributed_to=party)

    def _speaker(self, q: Quote, text: str, folded: str, start: int, end: int) -> str | None:
        index = self._index
        if q.marked_party is not None:
            return q.marked_party if q.marked_party in index.parties else None
        lo, hi = max(start, q.start - _CONTEXT), min(end, q.end + _CONTEXT)
        before, after = folded[lo : q.start], folded[q.end : hi]
        lang = language_of(text[lo : q.start] + text[q.end : hi])
        verbs, speakers = index.speech.get(lang), index.speakers.get(lang)
        if verbs is None or speakers is None:
            return None
        if not (verbs.search(before) or verbs.search(after)):
            return None
        named = [m for m in speakers.finditer(before) if m.lastgroup]
        if not named:
            named = [m for m in speakers.finditer(after) if m.lastgroup][:1]
        if not named or named[-1].lastgroup is None:
            return None
        return index.party_of_group[int(named[-1].lastgroup[1:])]


def _as_written(f: Finding, read: Normalized) -> Finding:
    start, end = read.span(f.start, f.end)
    words = read.original[start:end]
    if (start, end, words) == (f.start, f.end, f.words):
        return f  # most findings: nothing around them was rewritten
    return replace(f, start=start, end=end, words=words)


def _absorb(found: list[Finding]) -> list[Finding]:
    wide = [f for f in found if f.rule in _ABSORBING]
    return [
        f
        for f in found
        if f.rule not in _ABSORBED or not any(w.start <= f.start and f.end <= w.end for w in wide)
    ]
