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
    """The characters a match of ``pattern`` can start with, or None where that is not plain.

    Understands what the lexicon's patterns start with — literals, groups and alternations of
    them — and gives up (None) on anything else (classes, escapes, optional first items). A
    scanner puts the answer in a lookahead, so that most positions fail on one character test.
    """
    out: set[str] = set()
    for alt in _split_top(pattern):
        chars = _first_of(alt)
        if chars is None:
            return None
        out |= chars
    return frozenset(out)


def _split_top(pattern: str) -> list[str]:
    parts, depth, cur, i = [], 0, [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            j = pattern.index("]", i + 2)
            cur.append(pattern[i : j + 1])
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _first_of(alt: str) -> frozenset[str] | None:
    if not alt or alt[0] in "\\[.^$*+?{)":
        return None
    if alt[0] == "(":
        if alt.startswith(("(?=", "(?!", "(?<")) and not alt.startswith("(?P<"):
            return None
        depth, i = 0, 0
        for i, ch in enumerate(alt):  # noqa: B007 - i is used after the loop
            if ch == "\\":
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
        if i + 1 < len(alt) and alt[i + 1] in "?*{":
            return None
        head = alt[: i + 1]
        if head.startswith("(?P<"):
            inner = head[head.index(">") + 1 : -1]
        elif head.startswith("(?:"):
            inner = head[3:-1]
        else:
            inner = head[1:-1]
        return first_chars(inner)
    if len(alt) > 1 and alt[1] in "?*{":
        return None
    return frozenset({alt[0]})
