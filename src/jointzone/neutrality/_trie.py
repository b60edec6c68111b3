"""A regular expression that matches any of many literal strings, built as a trie.

A plain alternation of a thousand names makes the regex engine try each name in turn at every
position of the text; sharing prefixes ("итуруп", "итурупа", "итурупе" → "итуруп(?:а|е|ом)?")
lets it reject a position after one or two characters. Longer continuations are tried first,
so the longest name that fits wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeAlias

_Node: TypeAlias = "dict[str, _Node]"
_END = ""


def trie_pattern(words: Iterable[str]) -> str:
    """A pattern (without groups) matching exactly the given non-empty strings, longest first."""
    root: _Node = {}
    for word in words:
        if not word:
            continue
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _build(root) if root else "(?!)"


def _build(node: _Node) -> str:
    ends = _END in node
    branches = [re.escape(ch) + _build(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    if len(branches) == 1:
        body = branches[0]
        atom = len(body) == 1 or (len(body) == 2 and body[0] == "\\")
    else:
        body = "(?:" + "|".join(branches) + ")"
        atom = True
    if not ends:
        return body
    return f"{body}?" if atom else f"(?:{body})?"


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with, or None where they cannot be told.

    A scanner puts the answer in a lookahead, so that most positions of a text fail on one
    character test. The answer is never too small: a match always starts with one of them.
    It reads literals and escapes (``\\.``, ``\\-``, ``\\x41``: whatever ``re.escape`` writes),
    groups, alternations, character classes, optional items (``a?b`` may start with ``a`` or
    ``b``) and zero-width items (anchors, look-arounds, which it steps over). It cannot tell
    (None) where a match may start with what stands for many characters (``.``, ``\\w``, a
    negated class), and gives up on inline flags and on a pattern that can match the empty
    string. Patterns are taken as compiled without ``re.IGNORECASE``.
    """
    try:
        first, nullable, end = _Parser(pattern).alternation(0)
    except _OutsideSubsetError:
        return None
    if end != len(pattern) or nullable:
        return None
    return first


class _OutsideSubsetError(Exception):
    """Raised where the parser cannot go on: syntax outside the subset it reads."""


_QUANTIFIER = re.compile(r"[?*+]|\{(\d*)(,\d*)?\}")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_ZERO_WIDTH_ESCAPES = frozenset("AZbB")
_MAX_RANGE = 512

# The characters a match of an item can start with (None: cannot be told), whether it can
# match nothing, and where the item ends in the pattern.
_Result: TypeAlias = "tuple[frozenset[str] | None, bool, int]"


class _Parser:
    """Recursive descent over the subset of ``re`` syntax the scanners are built from."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern

    def alternation(self, i: int) -> _Result:
        first: set[str] | None = set()
        nullable = False
        while True:
            f, n, i = self.sequence(i)
            first = None if first is None or f is None else first | f
            nullable = nullable or n
            if i < len(self.p) and self.p[i] == "|":
                i += 1
                continue
            return (None if first is None else frozenset(first)), nullable, i

    def sequence(self, i: int) -> _Result:
        first: set[str] | None = set()
        open_prefix = True  # every item so far can match nothing
        while i < len(self.p) and self.p[i] not in "|)":
            f, n, i = self.item(i)
            if open_prefix:
                first = None if first is None or f is None else first | f
                open_prefix = n
        return (None if first is None else frozenset(first)), open_prefix, i

    def item(self, i: int) -> _Result:
        first, nullable, i = self.atom(i)
        m = _QUANTIFIER.match(self.p, i)
        if m is None:
            return first, nullable, i
        quantifier = m.group()
        if quantifier in "?*" or (quantifier[0] == "{" and m.group(1) in ("", "0")):
            nullable = True
        i = m.end()
        if i < len(self.p) and self.p[i] in "?+":  # lazy or possessive
            i += 1
        return first, nullable, i

    def atom(self, i: int) -> _Result:
        ch = self.p[i]
        if ch == "(":
            return self.group(i)
        if ch == "[":
            return self.char_class(i)
        if ch == "\\":
            return self.escape(i)
        if ch in "^$":
            return frozenset(), True, i + 1
        if ch == ".":
            return None, False, i + 1
        return frozenset(ch), False, i + 1

    def group(self, i: int) -> _Result:
        p = self.p
        zero_width = False
        if p.startswith(("(?=", "(?!"), i):
            body, zero_width = i + 3, True
        elif p.startswith(("(?<=", "(?<!"), i):
            body, zero_width = i + 4, True
        elif p.startswith("(?:", i):
            body = i + 3
        elif p.startswith("(?P<", i):
            body = p.index(">", i) + 1
        elif p.startswith("(?#", i):
            return frozenset(), True, p.index(")", i) + 1
        elif p.startswith("(?", i):
            raise _OutsideSubsetError  # inline flags, back-references by name, conditionals
        else:
            body = i + 1
        first, nullable, end = self.alternation(body)
        if end >= len(p) or p[end] != ")":
            raise _OutsideSubsetError
        if zero_width:
            return frozenset(), True, end + 1
        return first, nullable, end + 1

    def escape(self, i: int) -> _Result:
        ch, end = self.escaped(i)
        if ch is not None:
            return frozenset(ch), False, end
        if self.p[i + 1] in _ZERO_WIDTH_ESCAPES:
            return frozenset(), True, end
        return None, False, end

    def escaped(self, i: int) -> tuple[str | None, int]:
        """What the escape at ``i`` stands for (None: a class or an anchor), and its end."""
        if i + 1 >= len(self.p):
            raise _OutsideSubsetError
        ch = self.p[i + 1]
        if ch in _HEX_ESCAPES:
            digits = self.p[i + 2 : i + 2 + _HEX_ESCAPES[ch]]
            if len(digits) != _HEX_ESCAPES[ch]:
                raise _OutsideSubsetError
            return chr(int(digits, 16)), i + 2 + len(digits)
        if ch in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[ch], i + 2
        if ch.isascii() and ch.isalnum():
            # \d \w \s, a back-reference, an anchor, octal: not one plain character (a
            # back-reference or octal escape of several digits ends later; what follows it
            # is read as literals, which only ever widens the answer)
            return None, i + 2
        return ch, i + 2

    def char_class(self, i: int) -> _Result:
        p = self.p
        i += 1
        negated = i < len(p) and p[i] == "^"
        if negated:
            i += 1
        chars: set[str] | None = set()
        start = i
        while True:
            if i >= len(p):
                raise _OutsideSubsetError
            if p[i] == "]" and i > start:
                return (None if negated or chars is None else frozenset(chars)), False, i + 1
            lo, i = self.class_char(i)
            if i + 1 < len(p) and p[i] == "-" and p[i + 1] != "]":
                hi, i = self.class_char(i + 1)
                if chars is not None and lo is not None and hi is not None:
                    if ord(hi) - ord(lo) > _MAX_RANGE:
                        chars = None
                    else:
                        chars.update(chr(c) for c in range(ord(lo), ord(hi) + 1))
                else:
                    chars = None
            elif chars is not None and lo is not None:
                chars.add(lo)
            else:
                chars = None

    def class_char(self, i: int) -> tuple[str | None, int]:
        if self.p[i] != "\\":
            return self.p[i], i + 1
        return self.escaped(i)
