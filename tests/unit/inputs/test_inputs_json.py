"""parse_json: the standard decoder's JSON, less duplicates, NaN and huge numbers, within limits.

Every refusal names the line and column of the first offending place.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointzone.inputs import (
    ACT,
    TRUST_BUNDLE,
    DuplicateKeyError,
    InputError,
    InputLimitError,
    Limits,
    MalformedInputError,
    NotUtf8Error,
    parse_json,
)

TINY = Limits("a test file", max_bytes=1000, max_depth=3, max_nodes=10, max_scalar=8)


def _refused(data: str | bytes, limits: Limits = ACT) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_json(data, "bundle.json", limits=limits)
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "[" * 500_000 + "]" * 500_000,  # 1 MB: far past the decoder's own recursion limit
        "[" * 5_000,  # unterminated: the decoder's recursion limit comes before the end
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        "[" * 40 + "]" * 40,  # well-formed, short of the decoder's limit: the walk finds it
        # As many brackets as the value limit, so the values are counted exactly: the count
        # once rescanned the closing run from each of its positions (minutes, not milliseconds).
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_deep_nesting_is_refused_with_its_position(text: str) -> None:
    error = _refused(text)
    assert isinstance(error, InputLimitError)
    assert error.problem == "nesting deeper than 32 levels, the limit for an act file"
    assert error.line == 1
    assert error.column in (33, 1 + 5 * 32)


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert parse_json("[" * 32 + "]" * 32, "t", limits=ACT) is not None
    assert parse_json('{"a": [[1]]}', "t", limits=TINY) == {"a": [[1]]}


@pytest.mark.parametrize(
    ("text", "key", "where"),
    [
        ('{"a": 1, "a": 2}', "'a'", (1, 10)),
        ('{"a": 1,\n "b": {"c": 2, "c": 3}}', "'c'", (2, 16)),
        ('[{"x": 1}, {"x": 1, "y": 2, "x": 3}]', "'x'", (1, 29)),
        ('{"\\u0061": 1, "a": 2}', "'a'", (1, 15)),  # equal once the escapes are read
    ],
)
def test_duplicate_keys_are_refused(text: str, key: str, where: tuple[int, int]) -> None:
    error = _refused(text)
    assert isinstance(error, DuplicateKeyError)
    assert error.problem == f"duplicate key {key} in this object"
    assert (error.line, error.column) == where


@pytest.mark.parametrize(
    "literal",
    ["1" * 5000, "9" * 1_000_000, "18446744073709551616", "-18446744073709551617"],
)
def test_integers_beyond_64_bits_are_refused_before_int_runs(literal: str) -> None:
    error = _refused(f'{{"n": [0, {literal}]}}', TRUST_BUNDLE)
    assert isinstance(error, InputLimitError)
    assert error.detail.startswith("line 1, column 11: integer ")
    assert "does not fit in 64 bits" in error.detail


def test_integers_at_the_edges_of_64_bits() -> None:
    assert parse_json("[18446744073709551615, -18446744073709551616]", "t", limits=ACT) == [
        2**64 - 1,
        -(2**64),
    ]


@pytest.mark.parametrize(
    ("text", "expected", "column"),
    [
        ('{"a": NaN}', "NaN is not a JSON number", 7),
        ('{"a": [1, Infinity]}', "Infinity is not a JSON number", 11),
        ('{"a": -Infinity}', "-Infinity is not a JSON number", 7),
        ('{"a": 1e999}', "1e999 is too large for a finite number", 7),
        ('{"a": "\\ud800"}', "a lone surrogate escape: not Unicode text", 7),
        ('["ok", "\\udfff\\ud800"]', "a lone surrogate escape: not Unicode text", 8),
        ('{"a": 1,}', "not valid JSON: Expecting property name enclosed in double quotes", 9),
        ("", "not valid JSON: Expecting value", 1),
    ],
)
def test_refused_values_are_named(text: str, expected: str, column: int) -> None:
    error = _refused(text)
    assert isinstance(error, MalformedInputError)
    assert error.problem == expected
    assert (error.line, error.column) == (1, column)


def test_surrogate_pairs_are_one_character() -> None:
    assert parse_json('["\\ud83d\\ude00"]', "t", limits=ACT) == ["\U0001f600"]


def test_values_are_counted_keys_included() -> None:
    assert parse_json('{"a": 1, "b": 2, "c": 3, "d": [5]}', "t", limits=TINY) is not None
    error = _refused('{"a": 1, "b": 2, "c": 3, "d": [5, 6]}', TINY)
    assert isinstance(error, InputLimitError)
    assert error.detail == "line 1, column 35: more than 10 values, the limit for a test file"


def test_many_values_are_refused_before_they_are_built() -> None:
    # 400,000 empty lists in 1.2 MB: refused by counting, with the position of the first extra.
    error = _refused("[" + "[]," * 400_000 + "1]")
    assert isinstance(error, InputLimitError)
    assert (
        error.detail == "line 1, column 299999: more than 100,000 values, the limit for an act file"
    )


def test_counting_ignores_what_is_inside_strings() -> None:
    # Well within the limit, though its strings hold thousands of brackets and commas.
    text = json.dumps(["[,:{" * 2000, "]}" * 2000])
    assert len(text) > TINY.max_nodes
    limits = Limits("a test file", max_bytes=10**6, max_nodes=3, max_scalar=10**5)
    assert parse_json(text, "t", limits=limits) == ["[,:{" * 2000, "]}" * 2000]


def test_a_long_string_is_refused() -> None:
    assert parse_json('{"a": "12345678"}', "t", limits=TINY) == {"a": "12345678"}
    error = _refused('{"a": ["12345678", "123456789"]}', TINY)
    assert isinstance(error, InputLimitError)
    assert error.detail.startswith("line 1, column 20: a value of 9 characters, longer than")
    assert "longer than the 8" in str(_refused('{"123456789": 1}', TINY))


def test_bytes_are_decoded_with_the_bad_byte_named() -> None:
    error = _refused(b'{"a":\n "\xff"}')
    assert isinstance(error, NotUtf8Error)
    assert (
        error.detail
        == "line 2, column 3 (byte offset 8): not UTF-8 text: invalid start byte (byte 0xff)"
    )
    assert parse_json(b'\xef\xbb\xbf{"a": 1}', "t", limits=ACT) == {"a": 1}


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**64), max_value=2**64 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


@given(JSON, st.sampled_from([None, 1]))
def test_valid_json_within_the_limits_reads_as_json_reads_it(
    value: Any, indent: int | None
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    assert parse_json(text, "t", limits=ACT) == json.loads(text)


JSONISH = st.text(alphabet='[]{}:,"\\ -0123456789eE.+tfnaulsrINfiy\n', max_size=80)


# So small that most texts break several limits at once, and every way to an error is taken.
STRICT = Limits("a test file", max_bytes=1000, max_depth=1, max_nodes=2, int_bits=8, max_scalar=2)


@given(st.one_of(JSONISH, st.text(max_size=60)), st.sampled_from([TINY, STRICT]))
def test_any_text_gives_a_value_or_an_input_error(text: str, limits: Limits) -> None:
    with contextlib.suppress(InputError):
        parse_json(text, "t", limits=limits)


@given(st.binary(max_size=100))
def test_any_bytes_give_a_value_or_an_input_error(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_json(data, "t", limits=TINY)


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("[" * 20 + "1" + "]" * 20, 4),
        ("[" * 20 + '"[,]"' + "]" * 20, 4),
        ('[{"a": ' * 10 + "1" + "}]" * 10, 9),
    ],
)
def test_a_deep_document_with_too_many_values_is_refused_for_its_depth(
    text: str, column: int
) -> None:
    # Both limits are broken; the depth is broken first, so that is what the error names.
    error = _refused(text, TINY)
    assert isinstance(error, InputLimitError)
    assert error.problem == "nesting deeper than 3 levels, the limit for a test file"
    assert error.column == column
