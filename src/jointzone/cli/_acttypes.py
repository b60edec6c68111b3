"""``jointzone act types``, ``act template TYPE`` and ``act schema TYPE``: what acts there are and
how to write one, so that one party's officer can draft an act with nothing but the command line.

Both the schema and the template come from the act's pydantic model, never from text written per
type: the schema is pydantic's JSON Schema (draft 2020-12) with the ``type`` member the act's
data carries, and the template is that schema as YAML to fill in, every field listed with what
it must be. A new act type, or a new field, has both the day it is written.

Whose signatures an act needs is not the act's but the regime's (``act_types`` in
``regime.yaml``), so these commands, which read no regime, do not say.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from jointzone.acts import ACT_TYPES, Act
from jointzone.cli._output import Column, FormatOpt, Rows, emit
from jointzone.cli.errors import CliError
from jointzone.regime._model import LANGUAGE_PATTERN, REF_PATTERN
from jointzone.regime._validation import PATTERN_NAMES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE = "https://jointzone.example/schemas/acts/"
_WIDTH = 99
# Short names for the patterns fields use most, explained once in a template's glossary.
_TERMS = {REF_PATTERN: "ref", LANGUAGE_PATTERN: "language tag"}
_FORMATS = {
    "date": "a date YYYY-MM-DD",
    "date-time": "a time in UTC, YYYY-MM-DDTHH:MM:SSZ",
}

TypeArg = Annotated[str, typer.Argument(metavar="TYPE", help="An act type, e.g. project.approve.")]


def act_class(act_type: str) -> type[Act]:
    try:
        return ACT_TYPES[act_type]
    except KeyError:
        raise CliError(
            f"no act type {act_type!r}; `jointzone act types` lists them: {', '.join(ACT_TYPES)}"
        ) from None


def summary(cls: type[Act]) -> str:
    """The first line of an act type's docstring: what the act does."""
    return (cls.__doc__ or "").strip().split("\n", 1)[0]


def act_types_rows() -> Rows:
    columns = (Column("type", "type", identifier=True), Column("description", "description"))
    rows = tuple((name, summary(cls)) for name, cls in ACT_TYPES.items())
    return Rows(columns, rows)


def _array_keywords(node: Any) -> Any:
    """``node`` with the length keywords of arrays named as JSON Schema names them.

    pydantic writes a length constraint placed after a validator (``Refs`` with
    ``Field(min_length=1)``) as ``minLength``, which JSON Schema defines for strings only, so a
    validator would let an empty list through.
    """
    if isinstance(node, list):
        return [_array_keywords(v) for v in node]
    if not isinstance(node, dict):
        return node
    fixed = {k: _array_keywords(v) for k, v in node.items()}
    if fixed.get("type") == "array":
        for string_word, array_word in (("minLength", "minItems"), ("maxLength", "maxItems")):
            if string_word in fixed:
                fixed[array_word] = fixed.pop(string_word)
    return fixed


def json_schema(act_type: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of act data of ``act_type``, ``type`` member included."""
    cls = act_class(act_type)
    body = _array_keywords(cls.model_json_schema(mode="validation"))
    properties = {
        "type": {"const": act_type, "description": "The act type."},
        **body.pop("properties"),
    }
    required = ["type", *body.pop("required", [])]
    defs = body.pop("$defs", None)
    body.pop("title", None)
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": f"{SCHEMA_BASE}{act_type}.json",
        "title": act_type,
        "description": body.pop("description", summary(cls)),
        **body,
        "properties": properties,
        "required": required,
    }
    if defs is not None:
        schema["$defs"] = defs
    return schema


# -- the template ---------------------------------------------------------------------------------


class _Template:
    """Writes a schema's fields as YAML lines, each preceded by comments on what it must be."""

    def __init__(self, defs: Mapping[str, Any]) -> None:
        self._defs = defs
        self.lines: list[str] = []
        #: The named patterns the fields use, for the template's glossary.
        self.terms: dict[str, str] = {}

    def resolve(self, node: object) -> Mapping[str, Any]:
        """The schema ``node`` refers to; ``{}`` (anything) for a boolean schema."""
        if not isinstance(node, Mapping):
            return {}
        ref = node.get("$ref")
        if isinstance(ref, str):
            resolved: Mapping[str, Any] = self._defs[ref.rsplit("/", 1)[-1]]
            return resolved
        return node

    def non_null(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """The schema a value has when it is not null (an optional field's ``X | None``)."""
        node = self.resolve(node)
        others = [o for o in node.get("anyOf", ()) if o.get("type") != "null"]
        return self.resolve(others[0]) if len(others) == 1 else node

    def describe(self, node: Mapping[str, Any]) -> str:
        """What a value of schema ``node`` must be, in a few words."""
        node = self.resolve(node)
        if "anyOf" in node:
            parts = [self.describe(o) for o in node["anyOf"] if o.get("type") != "null"]
            nullable = any(o.get("type") == "null" for o in node["anyOf"])
            return " or ".join(parts) + (", or null" if nullable else "")
        if "const" in node:
            return f"exactly {json.dumps(node['const'], ensure_ascii=False)}"
        if "enum" in node:
            return "one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in node["enum"])
        kind = node.get("type")
        if kind == "string":
            return self._string(node)
        if kind == "integer":
            return "an integer" + _range(node.get("minimum"), node.get("maximum"), "")
        if kind == "boolean":
            return "true or false"
        if kind == "array":
            return self._array(node)
        if kind == "object":
            return self._mapping(node)
        return "any value"

    def _string(self, node: Mapping[str, Any]) -> str:
        if node.get("format") in _FORMATS:
            return _FORMATS[node["format"]]
        pattern = node.get("pattern")
        if pattern in _TERMS:
            self.terms.setdefault(_TERMS[pattern], PATTERN_NAMES[pattern])
            text = f"a {_TERMS[pattern]}"
        elif node.get("contentEncoding"):
            text = f"{node['contentEncoding']} text"
        elif pattern is not None:
            # Where a pattern has a name, the schema gives it; else the pattern is the name.
            text = node.get("description") or f"text matching {pattern}"
        else:
            text = "text"
        return text + _range(node.get("minLength"), node.get("maxLength"), "character")

    def _array(self, node: Mapping[str, Any]) -> str:
        if "prefixItems" in node:
            parts = ", ".join(self.describe(p) for p in node["prefixItems"])
            return f"a list of {len(node['prefixItems'])}: {parts}"
        items = self.resolve(node.get("items"))
        counted = _range(node.get("minItems"), node.get("maxItems"), "item")
        if "properties" in items:
            return f"a list{counted} of {items.get('title', 'object')} mappings"
        return f"a list{counted}, each {self.describe(items)}"

    def _mapping(self, node: Mapping[str, Any]) -> str:
        if "properties" in node:
            return f"a mapping ({node.get('title', 'object')})"
        keyed = node.get("patternProperties") or {}
        if keyed:
            pattern, value = next(iter(keyed.items()))
            key = self._string({"type": "string", "pattern": pattern})
        elif isinstance(node.get("additionalProperties"), Mapping):
            key = self._string({"type": "string", **node.get("propertyNames", {})})
            value = node["additionalProperties"]
        else:
            return "a mapping"
        value = self.resolve(value)
        what = value.get("title") if "properties" in value else self.describe(value)
        counted = _range(node.get("minProperties"), node.get("maxProperties"), "entry")
        return f"a mapping{counted} from {key} to {what}"

    # -- lines ------------------------------------------------------------------------------------

    def comment(self, text: str, indent: int) -> None:
        prefix = " " * indent + "# "
        for i, paragraph in enumerate(text.split("\n\n")):
            if i:
                self.lines.append(prefix.rstrip())
            self.lines += textwrap.wrap(
                " ".join(paragraph.split()),
                _WIDTH,
                initial_indent=prefix,
                subsequent_indent=prefix,
                break_on_hyphens=False,
            ) or [prefix.rstrip()]

    def fields(self, node: Mapping[str, Any], indent: int, skip: tuple[str, ...] = ()) -> None:
        node = self.resolve(node)
        required = set(node.get("required", ()))
        for name, field in node.get("properties", {}).items():
            if name not in skip:
                self.field(name, field, indent, required=name in required)

    def field(self, name: str, node: Mapping[str, Any], indent: int, *, required: bool) -> None:
        value = self.non_null(node)
        if required:
            status = "Required"
        else:
            default = json.dumps(node.get("default"), ensure_ascii=False)
            status = f"Optional (default {default})"
        self.comment(f"{status}: {self.describe(node)}.", indent)
        description = node.get("description") or value.get("description")
        if description:
            self.comment(description, indent)
        examples = node.get("examples") or value.get("examples")
        if examples:
            self.comment("e.g. " + json.dumps(examples[0], ensure_ascii=False), indent)
        start = len(self.lines)
        self.lines.append(" " * indent + f"{name}:")
        self.body(value, indent)
        if not required:
            # Left out, the field takes its default; the lines stay, to show what it holds.
            self.lines[start:] = [_commented(line, indent) for line in self.lines[start:]]

    def body(self, value: Mapping[str, Any], indent: int) -> None:
        """What goes below ``name:`` for a value: the fields of a mapping, or of a list item."""
        if "properties" in value:
            self.fields(value, indent + 2)
            return
        items = self.resolve(value.get("items", {})) if value.get("type") == "array" else {}
        if "properties" in items:
            self.lines.append(" " * (indent + 2) + "-")
            self.fields(items, indent + 4)
            return
        keyed = value.get("patternProperties") or {}
        entry = self.resolve(next(iter(keyed.values()))) if keyed else {}
        if "properties" in entry:
            # One entry, commented: its key is the caller's to choose.
            start = len(self.lines)
            self.lines.append(" " * (indent + 2) + "<key>:")
            self.fields(entry, indent + 4)
            self.lines[start:] = [_commented(line, indent + 2) for line in self.lines[start:]]


def _commented(line: str, indent: int) -> str:
    return line[:indent] + "# " + line[indent:] if line.strip() else line


def _range(low: int | None, high: int | None, unit: str) -> str:
    """`` (1 to 200 characters)``; with no ``unit``, `` from 1 to 200``."""

    def counted(n: int) -> str:
        return f"{n} {unit}" + ("" if n == 1 else "ies" if unit.endswith("y") else "s")

    if not unit:
        return {
            (False, False): f" from {low} to {high}",
            (False, True): f" of at least {low}",
            (True, False): f" of at most {high}",
            (True, True): "",
        }[(low is None, high is None)]
    if low is not None and high is not None:
        return f" ({low} to {counted(high)})"
    if low is not None:
        return f" (at least {counted(low)})"
    if high is not None:
        return f" (at most {counted(high)})"
    return ""


def template(act_type: str) -> str:
    """A commented YAML template of an act of ``act_type``: every field, with what it must be.

    Required fields are left empty to fill in; optional ones are commented out with their
    defaults. It is YAML as ``act propose`` reads it.
    """
    schema = json_schema(act_type)
    writer = _Template(schema.get("$defs", {}))
    writer.comment(f"{act_type}: {schema['description']}", 0)
    writer.lines.append("#")
    writer.comment(
        "Fill in every required field. Optional fields are commented out, with their defaults; "
        "uncomment one to give it. Then: jointzone act propose DIR FILE --party PARTY --as "
        f"OFFICIAL. The act's JSON Schema: jointzone act schema {act_type}.",
        0,
    )
    head = len(writer.lines)
    writer.lines += ["", f"type: {act_type}"]
    writer.fields(schema, 0, skip=("type",))
    glossary = _Template({})
    if writer.terms:
        glossary.lines.append("#")
    for term, meaning in writer.terms.items():
        glossary.comment(f"{term}: {meaning}.", 0)
    writer.lines[head:head] = glossary.lines
    return "\n".join(writer.lines) + "\n"


# -- commands -------------------------------------------------------------------------------------


def act_types(output_format: FormatOpt = "table") -> None:
    """List every act type, with what it does."""
    emit(act_types_rows(), output_format)


def act_template(act_type: TypeArg) -> None:
    """Print a YAML template of an act to fill in: every field, commented with what it must be."""
    sys.stdout.write(template(act_type))


def act_schema(act_type: TypeArg) -> None:
    """Print the JSON Schema (draft 2020-12) of an act type's data."""
    sys.stdout.write(json.dumps(json_schema(act_type), ensure_ascii=False, indent=2) + "\n")
