"""Act schemas and templates, for every act type: made from the models, and true to them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jointzone.acts import ACT_TYPES, ActSchemaError, parse_act
from jointzone.cli._acttypes import act_types_rows, json_schema, template
from jointzone.cli.errors import CliError
from jointzone.inputs import ACT, read_yaml

TYPES = sorted(ACT_TYPES)
# Keys that match both a ref and a language tag, for mappings keyed by either.
KEYS = ("aa", "ab", "ac", "ad")


class Examples:
    """Builds a value for a schema from its own ``examples``, as a person filling it in would.

    The n-th field of one mapping that takes its value from a list of examples gets the n-th
    example where there are several, so ``valid_from`` comes before ``valid_to``.
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.defs = schema.get("$defs", {})

    def resolve(self, node: Any) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            return {}
        ref = node.get("$ref")
        return self.defs[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else node

    def value(self, node: Any, used: dict[str, int]) -> Any:
        node = self.resolve(node)
        if "examples" in node:
            key = repr(node["examples"])
            n = used.get(key, 0)
            used[key] = n + 1
            return node["examples"][min(n, len(node["examples"]) - 1)]
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return node["enum"][0]
        if "anyOf" in node:
            return self.value(next(o for o in node["anyOf"] if o.get("type") != "null"), used)
        kind = node.get("type")
        if kind == "string":
            pattern = node.get("pattern")
            if pattern is None:
                return "Example"
            for candidate in ("example", *KEYS):
                if re.search(pattern, candidate):
                    return candidate
            pytest.fail(f"no example matches {pattern}: give the schema examples")
        if kind == "integer":
            return max(node.get("minimum", 1), 1)
        if kind == "boolean":
            return False
        if kind == "array":
            if "prefixItems" in node:
                return [self.value(p, {}) for p in node["prefixItems"]]
            return [
                self.value(node.get("items"), {}) for _ in range(max(node.get("minItems", 1), 1))
            ]
        if kind == "object":
            return self.mapping(node)
        pytest.fail(f"no example for {node}")

    def mapping(self, node: Mapping[str, Any]) -> dict[str, Any]:
        if "properties" in node:
            used: dict[str, int] = {}
            return {
                k: self.value(v, used)
                for k, v in node["properties"].items()
                if k in node.get("required", ())
            }
        keyed = node.get("patternProperties") or {}
        if not keyed:
            return {}
        pattern, value = next(iter(keyed.items()))
        keys = [k for k in KEYS if re.search(pattern, k)]
        return {k: self.value(value, {}) for k in keys[: max(node.get("minProperties", 1), 1)]}

    def fill(self, node: Any, data: Any) -> Any:
        """``data`` (a parsed template) with every required field left empty given a value."""
        node = self.resolve(node)
        if not isinstance(data, dict) or "properties" not in node:
            return data
        used: dict[str, int] = {}
        filled = dict(data)
        for name in node.get("required", ()):
            field = node["properties"][name]
            if filled.get(name) is None:
                filled[name] = self.value(field, used)
                continue
            inner = self.resolve(field)
            items = self.resolve(inner.get("items"))
            if isinstance(filled[name], list) and "properties" in items:
                filled[name] = [self.fill(items, x) for x in filled[name]]
            else:
                filled[name] = self.fill(inner, filled[name])
        return filled


def nodes(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for v in node.values():
            yield from nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from nodes(v)


def parsed_template(act_type: str, tmp_path: Path) -> Any:
    """The template read back as ``act propose`` reads an act file."""
    path = tmp_path / "act.yaml"
    path.write_text(template(act_type), encoding="utf-8")
    return read_yaml(path, limits=ACT)


@pytest.mark.parametrize("act_type", TYPES)
def test_schema_is_a_draft_2020_12_schema_of_the_act(act_type: str) -> None:
    schema = json_schema(act_type)
    jsonschema.Draft202012Validator.check_schema(schema)
    model = ACT_TYPES[act_type].model_fields
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{act_type}.json")
    assert schema["title"] == act_type
    assert schema["properties"]["type"] == {"const": act_type, "description": "The act type."}
    assert set(schema["properties"]) == {"type", *model}
    assert schema["required"] == ["type", *(n for n, f in model.items() if f.is_required())]
    assert schema["additionalProperties"] is False
    # Lengths of lists are counted in items: minLength would let an empty list through.
    for node in nodes(schema):
        if node.get("type") == "array":
            assert not {"minLength", "maxLength"} & set(node), node


@pytest.mark.parametrize("act_type", TYPES)
def test_the_schema_and_the_model_agree_on_an_example(act_type: str) -> None:
    schema = json_schema(act_type)
    data = Examples(schema).mapping(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    act = parse_act(data)
    # What the act signs, its canonical data, is what the schema describes too.
    jsonschema.validate(act.to_data(), schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(
    ("act_type", "change"),
    [
        # Floats are refused: a coordinate is a decimal string.
        ("incident.report", {"place": {"place": "shikotan", "point": [146.75, 43.8]}}),
        # A list with a minimum length (Refs with Field(min_length=1)).
        ("official.appoint", {"roles": []}),
        ("movement.manifest", {"certificates": []}),
        # A time in UTC with whole seconds, written with Z.
        ("movement.record", {"time": "2019-10-30T12:00:00+09:00"}),
        # Keys of the data are known ones only.
        ("project.close", {"unknown": 1}),
    ],
)
def test_the_schema_refuses_what_the_model_refuses(act_type: str, change: dict[str, Any]) -> None:
    schema = json_schema(act_type)
    data = {**Examples(schema).mapping(schema), **change}
    with pytest.raises(ActSchemaError):
        parse_act(data)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("act_type", TYPES)
def test_template_lists_every_field_of_the_act_and_its_parts(act_type: str) -> None:
    text = template(act_type)
    schema = json_schema(act_type)
    wanted = set(ACT_TYPES[act_type].model_fields)
    for part in schema.get("$defs", {}).values():
        wanted |= set(part.get("properties", {}))
    listed = set(re.findall(r"^[ #]*([a-z_]+):", text, flags=re.MULTILINE))
    assert wanted <= listed, f"not in the template: {sorted(wanted - listed)}"
    assert text.startswith(f"# {act_type}: ")


@pytest.mark.parametrize("act_type", TYPES)
def test_filled_template_is_a_valid_act(act_type: str, tmp_path: Path) -> None:
    data = parsed_template(act_type, tmp_path)
    model = ACT_TYPES[act_type].model_fields
    assert data["type"] == act_type
    # Required fields are there to fill in; optional ones are commented out.
    assert set(data) == {"type", *(n for n, f in model.items() if f.is_required())}
    with pytest.raises(ActSchemaError):
        parse_act(data)
    schema = json_schema(act_type)
    filled = Examples(schema).fill(schema, data)
    jsonschema.validate(filled, schema, cls=jsonschema.Draft202012Validator)
    assert act_type == parse_act(filled).TYPE


def test_template_explains_refs_once() -> None:
    text = template("project.approve")
    assert "# ref: a lower-case ref of letters, digits and single hyphens" in text
    assert "# Required: a ref (at most 64 characters)." in text
    assert "# Required: a time in UTC, YYYY-MM-DDTHH:MM:SSZ." in text


def test_act_types_are_listed_with_what_they_do() -> None:
    rows = act_types_rows()
    assert rows.values("type") == list(ACT_TYPES)
    described = dict(zip(rows.values("type"), rows.values("description"), strict=True))
    assert described["project.approve"] == (
        "Approve a joint project in one of the regime's categories."
    )
    assert all(described.values())


def test_an_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(CliError, match=r"no act type 'project\.aprove'.*project\.approve"):
        json_schema("project.aprove")
