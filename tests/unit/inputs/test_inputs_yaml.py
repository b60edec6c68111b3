"""parse_yaml: what yaml.safe_load gives, less anchors, odd tags and duplicates, within limits.

Every refusal names the line and column. How fast and how small the refusals are is measured in
``bench/bench_inputs.py``, not asserted here.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from jointzone.inputs import (
    ACT,
    SCENARIO,
    AliasError,
    DuplicateKeyError,
    InputError,
    InputLimitError,
    Limits,
    MalformedInputError,
    decode_utf8,
    parse_yaml,
)
from jointzone.inputs import _yaml as yaml_module

ROOT = Path(__file__).resolve().parents[3]
TINY = Limits("a test file", max_bytes=1000, max_depth=3, max_nodes=10, max_scalar=8)


def _refused(text: str, limits: Limits = ACT) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "act.yaml", limits=limits)
    return caught.value


def billion_laughs(levels: int = 9) -> str:
    """The classic: nine levels of nine aliases each, 9**9 'lol's from under a kilobyte."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        this, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{this}: &{this} [{','.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_its_first_anchor() -> None:
    error = _refused(billion_laughs())
    assert isinstance(error, AliasError)
    assert str(error) == (
        "act.yaml: line 1, column 4: YAML anchors and aliases are not accepted: write each "
        "value out where it is used"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: &x 1\n", (1, 4)),
        ("- &x [1]\n", (1, 3)),
        ("x: 1\ny: *x\n", (2, 4)),  # an alias of nothing is refused as an alias too
    ],
)
def test_anchors_and_aliases_are_refused(text: str, where: tuple[int, int]) -> None:
    error = _refused(text)
    assert isinstance(error, AliasError)
    assert (error.line, error.column) == where


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # flow style
        "".join("  " * i + "-\n" for i in range(2_000)),  # block style
        "".join("  " * i + f"k{i}:\n" for i in range(2_000)),  # block mappings
    ],
)
def test_deep_nesting_is_refused_at_the_limit(text: str) -> None:
    error = _refused(text)
    assert isinstance(error, InputLimitError)
    assert "nesting deeper than 32 levels, the limit for an act file" in str(error)


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert parse_yaml("[" * 32 + "]" * 32, "act.yaml", limits=ACT) is not None
    assert parse_yaml("a: [[1]]", "t", limits=TINY) == {"a": [[1]]}
    assert "nesting deeper than 3" in str(_refused("a: [[[1]]]", TINY))


def test_values_are_counted_keys_included() -> None:
    assert parse_yaml("{a: 1, b: 2, c: 3, d: [5]}", "t", limits=TINY) is not None  # 10
    error = _refused("{a: 1, b: 2, c: 3, d: [5, 6]}", TINY)
    assert isinstance(error, InputLimitError)
    assert error.detail == "line 1, column 27: more than 10 values, the limit for a test file"


def test_a_long_scalar_is_refused() -> None:
    assert parse_yaml("a: 12345678", "t", limits=TINY) == {"a": 12345678}
    error = _refused("a: |\n  123456789\n", TINY)
    assert isinstance(error, InputLimitError)
    assert "a value of 10 characters, longer than the 8 allowed" in str(error)


@pytest.mark.parametrize(
    "literal",
    [
        "1" * 5000,
        "1" * 100_000,
        "18446744073709551616",
        "-18446744073709551617",
        "0x1" + "0" * 16,
        "0b1" + "0" * 64,
        "1:" + ":".join(["59"] * 20),  # YAML 1.1 base 60
        "1_000_000_000_000_000_000_000",
    ],
)
def test_integers_beyond_64_bits_are_refused_before_int_runs(literal: str) -> None:
    # 10**5000 would be Python's own ValueError (int-string conversion limit), not ours.
    error = _refused(f"n: {literal}\n")
    assert isinstance(error, InputLimitError)
    assert error.detail.startswith("line 1, column 4: integer ")
    assert "does not fit in 64 bits" in error.detail


def test_integers_at_the_edges_of_64_bits() -> None:
    doc = parse_yaml(
        "a: 18446744073709551615\nb: -18446744073709551616\nc: 0x1f\nd: 0b11\n", "t", limits=ACT
    )
    assert doc == {"a": 2**64 - 1, "b": -(2**64), "c": 31, "d": 3}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!python/object:os.system x", "tag !!python/object:os.system is not accepted"),
        ("a: !!python/object/apply:os.system [ls]", "tag !!python/object/apply:os.system"),
        ("a: !!binary aGVsbG8=", "tag !!binary is not accepted"),
        ("a: !!set {x}", "tag !!set is not accepted"),
        ("a: !!omap [x: 1]", "tag !!omap is not accepted"),
        ("a: !local x", "tag !local is not accepted"),
        ("%TAG ! tag:yaml.org,2002:python/\n--- !object:os.system x", "tag !!python/object"),
        ("<<: {a: 1}", "merge keys (<<) are not accepted"),
        ("a: .inf", "'.inf' is not a finite number"),
        ("a: -.inf", "is not a finite number"),
        ("a: .NaN", "is not a finite number"),
        ("a: 1.0e+999", "is not a finite number"),
        ("a: 2019-02-30", "'2019-02-30' is not a valid !!timestamp: day is out of range"),
        ("a: !!int abc", "'abc' is not a valid !!int"),
        ("a: !!timestamp abc", "'abc' is not a valid !!timestamp"),
        ("a: !!bool maybe", "'maybe' is not a valid !!bool"),
        ("? [a]\n: 1", "a list or mapping as a mapping key"),
        ("a\n---\nb\n", "a second YAML document: expected exactly one"),
        ("a: \x00", "character U+0000 is not allowed in YAML text"),
        ("a: [1\n", "not valid YAML: did not find expected ',' or ']'"),
        ('a: "\\ud800"', "not valid YAML"),
    ],
)
def test_refused_constructs_are_named(text: str, expected: str) -> None:
    error = _refused(text)
    assert isinstance(error, MalformedInputError)
    assert expected in str(error)
    assert error.line is not None


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("id: seed\nversion: 1\nversion: 2\n", "'version'", 3),
        ("a: {b: 1, b: 2}\n", "'b'", 1),
        ("1: a\ntrue: b\n", "True", 2),  # equal keys: a dict would merge them
        ("2019-01-01: a\n2019-01-01: b\n", "datetime.date(2019, 1, 1)", 2),
    ],
)
def test_duplicate_keys_are_refused(text: str, key: str, line: int) -> None:
    error = _refused(text)
    assert isinstance(error, DuplicateKeyError)
    assert error.problem == f"duplicate key {key} in this mapping"
    assert error.line == line


def test_dates_and_times_are_what_acts_and_scenarios_expect() -> None:
    doc = parse_yaml(
        "day: 2019-10-30\nat: 2019-10-30T12:00:00Z\nlocal: 2019-10-30 12:00:00\n"
        "quoted: '2019-10-30'\n",
        "act.yaml",
        limits=ACT,
    )
    assert doc == {
        "day": date(2019, 10, 30),
        "at": datetime(2019, 10, 30, 12, tzinfo=UTC),
        "local": datetime(2019, 10, 30, 12),  # naive, as safe_load gives it
        "quoted": "2019-10-30",
    }


def test_empty_documents_are_none() -> None:
    assert parse_yaml("", "t", limits=ACT) is None
    assert parse_yaml("# only a comment\n", "t", limits=ACT) is None
    assert parse_yaml("---\n...\n", "t", limits=ACT) is None


@pytest.mark.parametrize(
    "path",
    [
        "scenarios/seed.yaml",
        "regimes/seed/regime.yaml",
        "regimes/seed/places.yaml",
        "regimes/seed/neutrality.yaml",
    ],
)
def test_the_seed_files_read_as_safe_load_reads_them(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert parse_yaml(text, path, limits=ACT) == yaml.safe_load(text)


SCALARS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
    st.text(max_size=20),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.integers(min_value=-(2**64), max_value=2**64 - 1)),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=20,
)


@given(DATA, st.booleans())
def test_plain_data_round_trips_as_safe_load_reads_it(value: Any, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    assert parse_yaml(text, "t", limits=ACT) == yaml.safe_load(text)


YAMLISH = st.text(alphabet="[]{}:,-?&*!|>'\"%@`#\n\t ab01.~<=\\x", max_size=60)


@given(st.one_of(YAMLISH, st.text(max_size=60)))
def test_any_text_gives_a_value_or_an_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_yaml(text, "t", limits=TINY)


@given(st.binary(max_size=100))
def test_any_bytes_give_a_value_or_an_input_error(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_yaml(decode_utf8(data, "t"), "t", limits=TINY)


@pytest.fixture(params=["libyaml", "pure"])
def either_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs with libyaml's parser and again with PyYAML's pure one (its fallback)."""
    if request.param == "pure":
        monkeypatch.setattr(yaml_module, "_Loader", yaml.SafeLoader)


@pytest.mark.usefixtures("either_parser")
@pytest.mark.parametrize(
    ("text", "kind", "where"),
    [
        ("[" * 100_000, InputLimitError, None),
        ("- " * 100_000, InputLimitError, (1, 65)),
        (billion_laughs(), AliasError, (1, 4)),
        ("a: 1\na: 2\n", DuplicateKeyError, (2, 1)),
        ("a: !!python/object:os.system x", MalformedInputError, (1, 4)),
        ('a: "\\ud800"', MalformedInputError, None),
        ("a: " + "9" * 5000, InputLimitError, (1, 4)),
    ],
)
def test_both_parsers_refuse_alike(text: str, kind: type[InputError], where: Any) -> None:
    error = _refused(text)
    assert type(error) is kind
    if where is not None:
        assert (error.line, error.column) == where


@pytest.mark.usefixtures("either_parser")
def test_both_parsers_read_the_seed_scenario_alike() -> None:
    text = (ROOT / "scenarios" / "seed.yaml").read_text(encoding="utf-8")
    assert parse_yaml(text, "seed.yaml", limits=SCENARIO) == yaml.safe_load(text)
