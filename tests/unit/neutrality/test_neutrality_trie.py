"""The trie pattern and the first characters a scanner filters on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointzone.neutrality import Checker, Rule
from jointzone.neutrality._trie import first_chars, trie_pattern

# Letters, and the characters a regular expression treats specially or re.escape escapes.
_ALPHABET = st.sampled_from(list("abcиру島 -.'()[]{}?*+|^$\\/«—\t"))
_WORDS = st.sets(st.text(_ALPHABET, min_size=1, max_size=6), min_size=1, max_size=12)


@given(words=_WORDS)
@settings(max_examples=300)
def test_trie_matches_exactly_its_words(words: set[str]) -> None:
    pattern = re.compile(trie_pattern(words))
    for w in words:
        assert pattern.fullmatch(w)
    assert not pattern.fullmatch("".join(sorted(words)) + "\x00")


@given(words=_WORDS)
@settings(max_examples=300)
def test_first_chars_of_a_trie_are_its_words_first_characters(words: set[str]) -> None:
    assert first_chars(trie_pattern(words)) == frozenset(w[0] for w in words)


@given(words=_WORDS, text=st.text(_ALPHABET, max_size=40))
@settings(max_examples=300)
def test_every_match_starts_with_a_first_char(words: set[str], text: str) -> None:
    pattern = trie_pattern(words)
    starts = first_chars(pattern)
    assert starts is not None
    for m in re.finditer(pattern, text + " " + " ".join(sorted(words))):
        assert m.group()[:1] in starts


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # escapes at the start: re.escape'd punctuation, spaces, hex
        (r"\.x|\-y", {".", "-"}),
        (re.escape("the kremlin") + "|" + re.escape("-ish"), {"t", "-"}),
        (re.escape("(a)") + "|" + re.escape("[b]"), {"(", "["}),
        (r"\x41b|\u0416", {"A", "Ж"}),
        (r"\(|\)|\\", {"(", ")", "\\"}),
        # what may come first: optional items, empty alternatives, zero-width items
        ("a?b", {"a", "b"}),
        ("(?:a|)b", {"a", "b"}),
        ("a{0,2}b", {"a", "b"}),
        ("a{2}b", {"a"}),
        (r"\bfoo|(?=b)bar|(?<!x)baz", {"f", "b"}),
        ("(?P<c0>ab)|(?P<c1>cd)", {"a", "c"}),
        # classes
        ("[a-c]x", {"a", "b", "c"}),
        (r"[\-.]|[]q]", {"-", ".", "]", "q"}),
        # what stands for many characters only matters where it may come first
        (r"illegal(?:ly)?[ -](?:occup\w*|seiz\w*)", {"i"}),
        (r"(?:—|–|-) (?:это )?x", {"—", "–", "-"}),
        ("x[^a]", {"x"}),
        ("x.", {"x"}),
    ],
)
def test_first_chars(pattern: str, expected: set[str]) -> None:
    assert first_chars(pattern) == frozenset(expected)


@pytest.mark.parametrize(
    "pattern", [r"\w", ".x", "[^a]", r"\w?a", "a*", "a|", "(?i)a", "(?:a)?", r"[\d]x"]
)
def test_first_chars_cannot_tell(pattern: str) -> None:
    assert first_chars(pattern) is None


def test_claim_starting_with_a_dash_is_found_whole(checker: Checker) -> None:
    # "(?:—|–|-) (?:это )?российская земля" starts with a dash: a filter on letters lost it
    (f,) = checker.check("Шикотан — российская земля.")
    assert (f.rule, f.words) == (Rule.CLAIM_LANGUAGE, "— российская земля")
