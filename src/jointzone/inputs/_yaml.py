"""YAML in the safe core schema, built from the parser's events so every limit is met first.

PyYAML's own loaders compose a whole node tree, recursively (in Python, or in Cython over
libyaml), and then construct it, recursively again: a document's depth and size are known only
once it has been built, and an alias makes one node count a billion times. Here the values are
built straight from the parser's events with an explicit stack: nesting, the number of values
and every scalar are checked as each event arrives, and the first anchor or alias stops the
read. The parsers themselves (libyaml's and PyYAML's pure one) keep their state on heap stacks,
so a document 100,000 levels deep costs one event per level up to the limit, and no recursion.

What a document may hold is what ``yaml.safe_load`` gives for it, less what no input of ours
uses: text, integers, finite floats, booleans (YAML 1.1's ``yes``/``no`` too), null, dates and
timestamps (``date`` and ``datetime``, as the act and scenario models accept), lists and
mappings with scalar keys. Refused: anchors and aliases, merge keys (``<<``), every tag outside
those (``!!python/object``, ``!!binary``, ``!!set``, local tags), NaN and infinities, a second
document in the stream, and a key given twice (PyYAML would keep the last silently, and the
file would say something nobody wrote).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

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
    AliasError,
    DuplicateKeyError,
    InputError,
    InputLimitError,
    MalformedInputError,
)

# libyaml's parser where PyYAML was built with it (several times faster), else the pure one.
try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_E = TypeVar("_E", bound=InputError)
_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_INT = _CORE + "int"
_FLOAT = _CORE + "float"
_SEQ = _CORE + "seq"
_MAP = _CORE + "map"
_MERGE = _CORE + "merge"
_PLAIN_DATA = "expected plain data: text, numbers, true/false, null, dates, lists and mappings"

# YAML 1.1's printable characters, as PyYAML's pure reader defines them. Checked before parsing,
# so that the error names the line and column whichever parser runs (libyaml names an offset).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


_FLOW_BRACKET = re.compile(r"[\[\]{}]")


def parse_yaml(text: str, source: str, *, limits: Limits) -> Any:
    """The one YAML document in ``text`` as plain data, read within ``limits``.

    See the module docstring for what is accepted. Every error is an :class:`InputError` naming
    ``source`` and the line and column: :class:`MalformedInputError` (syntax, tags),
    :class:`AliasError`, :class:`DuplicateKeyError` or :class:`InputLimitError`.
    """
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        raise MalformedInputError(
            source,
            f"character U+{ord(bad.group()):04X} is not allowed in YAML text",
            **line_column(text, bad.start()),
        )
    loader = _Loader(text)
    try:
        return _Builder(loader, source, limits).document()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if e.problem and "maximum nesting depth" in e.problem and mark is not None:
            # libyaml's scanner reads ahead through flow brackets and has a depth limit of its
            # own (1,000 levels, beyond ours): the same refusal, where ours was passed.
            deep = _flow_depth_passed(text, mark.index, limits.max_depth)
            where = line_column(text, deep) if deep is not None else _mark_where(mark)
            raise InputLimitError(source, depth_problem(limits), **where) from e
        raise MalformedInputError(
            source, f"not valid YAML: {e.problem or e.context}", **_mark_where(mark)
        ) from e
    except yaml.YAMLError as e:
        raise MalformedInputError(source, f"not valid YAML: {e}") from e
    finally:
        loader.dispose()


class _Open:
    """A list or mapping being built; for a mapping, the key waiting for its value."""

    __slots__ = ("container", "key", "want_key")

    def __init__(self, container: list[Any] | dict[Any, Any]) -> None:
        self.container = container
        self.want_key = isinstance(container, dict)
        self.key: Any = None


class _Builder:
    def __init__(self, loader: _Loader, source: str, limits: Limits) -> None:
        self.loader = loader
        self.source = source
        self.limits = limits
        self.nodes = 0
        self.scalars: dict[str, Callable[[ScalarNode], Any]] = {
            _CORE + "null": loader.construct_yaml_null,
            _CORE + "bool": loader.construct_yaml_bool,
            _INT: self._int,
            _FLOAT: self._float,
            _STR: loader.construct_yaml_str,
            _CORE + "timestamp": loader.construct_yaml_timestamp,
        }

    def _error(self, kind: type[_E], problem: str, event: Event | None) -> _E:
        mark = None if event is None else event.start_mark
        if mark is None:
            return kind(self.source, problem)
        return kind(self.source, problem, line=mark.line + 1, column=mark.column + 1)

    def document(self) -> Any:
        get = self.loader.get_event
        get()  # the stream's start
        if isinstance(get(), StreamEndEvent):
            return None  # an empty stream, as safe_load reads it
        value = self._value()
        get()  # the document's end
        after = get()
        if isinstance(after, DocumentStartEvent):
            raise self._error(
                MalformedInputError, "a second YAML document: expected exactly one", after
            )
        return value

    def _value(self) -> Any:
        """One whole node (the document's root), built without recursion."""
        get = self.loader.get_event
        limits = self.limits
        stack: list[_Open] = []
        while True:
            event = get()
            if isinstance(event, ScalarEvent):
                value = self._scalar(event)
            elif isinstance(event, SequenceStartEvent | MappingStartEvent):
                is_map = isinstance(event, MappingStartEvent)
                self._node(event, _MAP if is_map else _SEQ)
                if stack and stack[-1].want_key:
                    raise self._error(
                        MalformedInputError,
                        "a list or mapping as a mapping key: expected text, a number or a date",
                        event,
                    )
                if len(stack) >= limits.max_depth:
                    raise self._error(InputLimitError, depth_problem(limits), event)
                stack.append(_Open({} if is_map else []))
                continue
            elif isinstance(event, SequenceEndEvent | MappingEndEvent):
                value = stack.pop().container
            elif isinstance(event, AliasEvent):
                raise self._alias(event)
            else:  # pragma: no cover - the parser gives nothing else inside a document
                raise self._error(MalformedInputError, f"unexpected YAML event {event}", event)
            if not stack:
                return value
            top = stack[-1]
            if top.want_key:
                assert isinstance(top.container, dict)
                if value in top.container:
                    raise self._error(
                        DuplicateKeyError, f"duplicate key {value!r:.60} in this mapping", event
                    )
                top.key = value
                top.want_key = False
            elif isinstance(top.container, dict):
                top.container[top.key] = value
                top.want_key = True
            else:
                top.container.append(value)

    def _alias(self, event: Event) -> AliasError:
        return self._error(
            AliasError,
            "YAML anchors and aliases are not accepted: write each value out where it is used",
            event,
        )

    def _node(self, event: NodeEvent, core: str) -> None:
        """What every node is checked for: no anchor, no tag but its own, within the count."""
        if event.anchor is not None:
            raise self._alias(event)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in ("!", core):
            raise self._error(
                MalformedInputError, f"tag {_shown(tag)} is not accepted: {_PLAIN_DATA}", event
            )
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self._error(InputLimitError, values_problem(self.limits), event)

    def _scalar(self, event: ScalarEvent) -> Any:
        value = event.value
        if len(value) > self.limits.max_scalar:
            raise self._error(InputLimitError, scalar_problem(len(value), self.limits), event)
        tag = event.tag
        if tag is None or tag == "!":
            # types-PyYAML leaves the resolver untyped; it returns a tag.
            tag = str(self.loader.resolve(ScalarNode, value, event.implicit))  # type: ignore[no-untyped-call]
        self._node(event, tag)
        if tag == _MERGE:
            raise self._error(
                MalformedInputError,
                "merge keys (<<) are not accepted: write the keys out in each mapping",
                event,
            )
        construct = self.scalars.get(tag)
        if construct is None:
            raise self._error(
                MalformedInputError, f"tag {_shown(tag)} is not accepted: {_PLAIN_DATA}", event
            )
        # The constructors read the value and style only; marks are for their own errors.
        node = ScalarNode(tag, value, None, None, style=event.style)
        try:
            result = construct(node)
        except InputError as e:
            raise self._error(type(e), e.problem, event) from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as e:
            # An explicit tag on text it does not fit (!!int abc), or a date that does not
            # exist (2019-02-30): PyYAML lets Python's own exception through.
            reason = f": {e}" if isinstance(e, ValueError) else ""
            raise self._error(
                MalformedInputError, f"{value!r:.60} is not a valid {_shown(tag)}{reason}", event
            ) from e
        if tag == _STR and event.style == '"' and not value.isascii():
            # The pure parser turns "\ud800" into a lone surrogate; libyaml refuses it.
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise self._error(
                    MalformedInputError, "a lone surrogate escape: not Unicode text", event
                ) from None
        return result

    def _int(self, node: ScalarNode) -> int:
        literal = node.value.replace("_", "")
        bits = self.limits.int_bits
        if not int_literal_too_long(literal, bits):
            value = self.loader.construct_yaml_int(node)
            if int_fits(value, bits):
                return value
        raise InputLimitError(self.source, int_problem(node.value, bits))

    def _float(self, node: ScalarNode) -> float:
        value = self.loader.construct_yaml_float(node)
        if not math.isfinite(value):
            raise MalformedInputError(
                self.source,
                f"{node.value!r:.40} is not a finite number: NaN and infinities are not accepted",
            )
        return value


def _flow_depth_passed(text: str, end: int, most: int) -> int | None:
    """Where the flow brackets before ``end``, counted alone, first open level ``most + 1``.

    Quotes and block nesting are not counted: this only places an error libyaml has found, to
    within the block levels around the brackets.
    """
    depth = 0
    for m in _FLOW_BRACKET.finditer(text, 0, end):
        depth += 1 if m.group() in "[{" else -1
        if depth > most:
            return m.start()
    return None


def _mark_where(mark: yaml.Mark | None) -> dict[str, int]:
    return {} if mark is None else {"line": mark.line + 1, "column": mark.column + 1}


def _shown(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


def read_yaml(path: str | os.PathLike[str], *, limits: Limits) -> Any:
    """The YAML document in the file at ``path`` (``"-"``: standard input), within ``limits``:
    :func:`read_bytes`, :func:`decode_utf8` and :func:`parse_yaml` in turn."""
    source = source_name(path)
    data = read_bytes(path, limit=limits.max_bytes, what=limits.what)
    return parse_yaml(decode_utf8(data, source), source, limits=limits)
