"""JSON within stated limits, parsed by the standard library's C decoder.

The decoder does the work; what it does not bound is bounded around it:

* values: counted before parsing from the structural characters outside strings (every value
  after the first is introduced by ``[``, ``{``, ``,`` or ``:``), in C, so 16 MB of
  ``[[],[],...`` is refused before millions of lists are built (for its depth, should it nest
  too deep before the value beyond the limit);
* nesting: the decoder recurses, and stops with a RecursionError near Python's recursion limit;
  below that, a walk of the result checks the stated depth (and the length of every string);
* integers, NaN and infinities: refused by the decoder's hooks before ``int()`` sees a long
  literal (Python's int-string limit would otherwise raise a ValueError of its own);
* duplicate keys: refused by the object hook (``json`` keeps the last one silently).

The hooks and the walk know that something is wrong but not where, so on any refusal one
tokenizing pass over the text finds the first offending place, and the error names its line
and column. That pass runs only on the way to an error.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jointzone.inputs._limits import (
    Limits,
    depth_problem,
    int_fits,
    int_literal_too_long,
    int_problem,
    line_column,
    scalar_problem,
    values_problem,
)
from jointzone.inputs._read import decode_utf8, read_bytes, source_name
from jointzone.inputs.errors import (
    DuplicateKeyError,
    InputError,
    InputLimitError,
    MalformedInputError,
)

# Every pattern here runs on text not yet known to be JSON, so each is linear on any text: its
# strings are possessive (no backtracking) and their closing quote optional (they always match).

# What introduces a value: "[", "{", "," or ":" outside strings, less the "[" or "{" of an
# empty list or object. One match is everything up to and including one introducer.
# A string, an empty container, or (group 1) a character that introduces a value. Every
# alternative starts with a character of its own, so a failed match costs one step and the scan
# stays linear; a pattern that consumed the text between tokens would rescan it from every
# position of a long run without one (a hundred thousand closing brackets took 35 s).
_INTRODUCER = re.compile(
    r'"(?:[^"\\]++|\\.)*+"?|\[[ \t\n\r]*+\]|\{[ \t\n\r]*+\}|([\[{,:])',
    re.DOTALL,
)
_SPACE = re.compile(r"[ \t\n\r]*+")
_BRACKET_OR_STRING = re.compile(r'[\[\]{}]|"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_GROUP = operator.methodcaller("group")
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}
_NOT_BRACKET_BYTES = bytes(b for b in range(256) if b not in b"[]{}")
_BYTE_DEPTH_CHANGE = tuple(_DEPTH_CHANGE.get(chr(b), 0) for b in range(256))
_TOKEN = re.compile(
    r"""
    [ \t\n\r]++
    | (?P<string>"(?:[^"\\]++|\\.)*+"?)
    | (?P<number>-?[0-9]++(?P<fraction>(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?))
    | (?P<word>-?[A-Za-z]++)
    | (?P<mark>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# An escape that may decode to half a surrogate pair: only then are strings checked for one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _RefusedError(Exception):
    """A hook's signal that the text breaks a rule; :func:`_located` says which and where."""


def parse_json(data: bytes | str, source: str, *, limits: Limits) -> Any:
    """The JSON document in ``data`` (UTF-8 bytes, or text) as plain data, within ``limits``.

    Every error is an :class:`InputError` naming ``source`` and, but for a few fallbacks, the
    line and column: :class:`NotUtf8Error`, :class:`MalformedInputError` (syntax, NaN or
    Infinity, a lone surrogate), :class:`DuplicateKeyError` or :class:`InputLimitError`.
    """
    text = data if isinstance(data, str) else decode_utf8(data, source)
    extra = _first_value_beyond(text, limits.max_nodes)
    if extra is not None:
        if _deeper_than(text[:extra], limits.max_depth):
            raise _located(text, source, limits, depth_problem(limits))  # it comes first
        raise InputLimitError(source, values_problem(limits), **line_column(text, extra))

    def integer(literal: str) -> int:
        if int_literal_too_long(literal, limits.int_bits):
            raise _RefusedError
        value = int(literal)
        if not int_fits(value, limits.int_bits):
            raise _RefusedError
        return value

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise _RefusedError
        return value

    def constant(literal: str) -> Any:
        raise _RefusedError

    def mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise _RefusedError
        return result

    beyond = f"a value beyond the limits for {limits.what}"
    try:
        value = json.loads(
            text,
            object_pairs_hook=mapping,
            parse_int=integer,
            parse_float=number,
            parse_constant=constant,
        )
    except json.JSONDecodeError as e:
        raise MalformedInputError(
            source, f"not valid JSON: {e.msg}", line=e.lineno, column=e.colno
        ) from e
    except RecursionError:
        raise _located(text, source, limits, depth_problem(limits)) from None
    except _RefusedError:
        raise _located(text, source, limits, beyond) from None
    if not _within(value, limits, surrogates=_SURROGATE_ESCAPE.search(text) is not None):
        raise _located(text, source, limits, beyond)
    return value


def _first_value_beyond(text: str, most: int) -> int | None:
    """Where value ``most + 1`` of ``text`` (object keys included) starts, if it has one.

    Cheapest test first: each value takes a character at least; and counting the structural
    characters (strings may hold them too) gives an upper bound in four passes of
    ``str.count``. Only above the limit is the text read for the exact count: each match of
    ``_INTRODUCER``'s group 1 introduces one value.
    """
    if len(text) <= most or 1 + sum(text.count(c) for c in "[{,:") <= most:
        return None
    # The first value (the document) needs no introducer: match number ``most - 1`` (from 0)
    # introduces value ``most + 1``.
    introducers = (m for m in _INTRODUCER.finditer(text) if m.group(1) is not None)
    match = next(itertools.islice(introducers, most - 1, None), None)
    if match is None:
        return None
    return _SPACE.match(text, match.end()).end()  # type: ignore[union-attr] # always matches


def _deeper_than(text: str, most: int) -> bool:
    """Whether the brackets in ``text`` (outside strings) nest deeper than ``most``.

    Streamed through iterators in C, so that it costs no memory per bracket: this runs on the
    text of a document already known to hold too many values.
    """
    changes: Iterable[int]
    if '"' not in text:
        brackets = text.encode("ascii", "ignore").translate(None, _NOT_BRACKET_BYTES)
        changes = map(_BYTE_DEPTH_CHANGE.__getitem__, brackets)
    else:
        tokens = map(_GROUP, _BRACKET_OR_STRING.finditer(text))
        changes = map(_DEPTH_CHANGE.get, tokens, itertools.repeat(0))
    return max(itertools.accumulate(changes), default=0) > most


def _within(value: Any, limits: Limits, *, surrogates: bool) -> bool:
    """Whether ``value`` nests no deeper than the limit and holds no string too long."""
    longest = limits.max_scalar

    def fits(text: str) -> bool:
        return len(text) <= longest and (not surrogates or _is_unicode(text))

    if isinstance(value, str):
        return fits(value)
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, list | dict) else []
    while stack:
        item, depth = stack.pop()
        if depth > limits.max_depth:
            return False
        if isinstance(item, dict):
            if not all(map(fits, item)):
                return False
            item = item.values()
        for child in item:
            if isinstance(child, str):
                if not fits(child):
                    return False
            elif isinstance(child, list | dict):
                stack.append((child, depth + 1))
    return True


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _located(text: str, source: str, limits: Limits, fallback: str) -> InputError:
    """The error for the first place in ``text`` that breaks a rule, with its line and column."""
    first = next(_problems(text, limits), None)
    if first is None:
        # Only if the hooks and the scan disagree, which would be a bug here; still an error.
        return InputLimitError(source, fallback)
    kind, problem, index = first
    return kind(source, problem, **line_column(text, index))


class _Container:
    __slots__ = ("is_object", "keys", "want_key")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.want_key = is_object
        self.keys: set[str] = set()


def _problems(text: str, limits: Limits) -> Iterator[tuple[type[InputError], str, int]]:
    """Every rule broken in ``text``, in order, as (error class, problem, character index).

    Reads the lexemes of valid JSON as ``json`` does; on invalid JSON it stays linear and may
    report nothing (``json`` reports that text's syntax error first anyway).
    """
    stack: list[_Container] = []
    values = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind is None:
            continue
        start = m.start()
        lexeme = m.group()
        if kind == "mark":
            if lexeme in "]}" and stack:
                stack.pop()
            elif lexeme == ":" and stack:
                stack[-1].want_key = False
            elif lexeme == "," and stack and stack[-1].is_object:
                stack[-1].want_key = True
            if lexeme not in "[{":
                continue
        values += 1
        if values > limits.max_nodes:
            yield InputLimitError, values_problem(limits), start
            return
        top = stack[-1] if stack else None
        if kind == "mark":
            if len(stack) >= limits.max_depth:
                yield InputLimitError, depth_problem(limits), start
                return
            stack.append(_Container(lexeme == "{"))
        elif kind == "string":
            yield from _string_problems(lexeme, start, top, limits)
        elif kind == "number" and not m.group("fraction"):
            if int_literal_too_long(lexeme, limits.int_bits) or not int_fits(
                int(lexeme), limits.int_bits
            ):
                yield InputLimitError, int_problem(lexeme, limits.int_bits), start
        elif kind == "number":
            if not math.isfinite(float(lexeme)):
                yield MalformedInputError, f"{lexeme:.40} is too large for a finite number", start
        elif lexeme in ("NaN", "Infinity", "-Infinity"):
            yield MalformedInputError, f"{lexeme} is not a JSON number", start


def _string_problems(
    lexeme: str, start: int, top: _Container | None, limits: Limits
) -> Iterator[tuple[type[InputError], str, int]]:
    try:
        value = json.loads(lexeme)
    except ValueError:
        return  # not a string json accepts: its syntax error comes first
    if len(value) > limits.max_scalar:
        yield InputLimitError, scalar_problem(len(value), limits), start
    if not _is_unicode(value):
        yield MalformedInputError, "a lone surrogate escape: not Unicode text", start
    if top is not None and top.want_key:
        if value in top.keys:
            yield DuplicateKeyError, f"duplicate key {value!r:.60} in this object", start
        top.keys.add(value)


def read_json(path: str | os.PathLike[str], *, limits: Limits) -> Any:
    """The JSON document in the file at ``path`` (``"-"``: standard input), within ``limits``:
    :func:`read_bytes` and :func:`parse_json` in turn."""
    source = source_name(path)
    return parse_json(
        read_bytes(path, limit=limits.max_bytes, what=limits.what), source, limits=limits
    )
