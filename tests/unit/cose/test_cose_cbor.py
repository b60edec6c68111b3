"""Deterministic CBOR: RFC 8949 Appendix A vectors, §4.2.1 key order, and every rejection."""

from __future__ import annotations

import tracemalloc
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointzone.cose import (
    MAX_DEPTH,
    CborEncodeError,
    CborError,
    Encoded,
    NonDeterministicCborError,
    Tag,
    decode,
    encode_deterministic,
    split_sequence,
)

# RFC 8949 Appendix A, the examples inside our data model (no floats, no simple values).
APPENDIX_A: list[tuple[Any, str]] = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ('"\\', "62225c"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ("\U00010151", "64f0908591"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (
        list(range(1, 26)),
        "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
    ),
    ({}, "a0"),
    ({1: 2, 3: 4}, "a201020304"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    (
        {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
        "a56161614161626142616361436164614461656145",
    ),
    (Tag(1, 1363896240), "c11a514b67b0"),
    (Tag(23, b"\x01\x02\x03\x04"), "d74401020304"),
    (
        Tag(32, "http://www.example.com"),
        "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
    ),
]


@pytest.mark.parametrize(("value", "hex_"), APPENDIX_A)
def test_appendix_a_vectors(value: Any, hex_: str) -> None:
    assert encode_deterministic(value).hex() == hex_
    assert decode(bytes.fromhex(hex_)) == value


# Appendix A's indefinite-length examples: well-formed, so a lenient read accepts them, but not
# deterministic.
INDEFINITE = [
    ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"),
    ("7f657374726561646d696e67ff", "streaming"),
    ("9fff", []),
    ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
    ("83018202039f0405ff", [1, [2, 3], [4, 5]]),
    ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}),
    ("826161bf61626163ff", ["a", {"b": "c"}]),
]


@pytest.mark.parametrize(("hex_", "value"), INDEFINITE)
def test_indefinite_lengths_are_read_leniently_and_refused_strictly(hex_: str, value: Any) -> None:
    data = bytes.fromhex(hex_)
    assert decode(data, deterministic=False) == value
    with pytest.raises(NonDeterministicCborError, match="indefinite-length item at offset"):
        decode(data)


def test_map_keys_in_bytewise_order_of_their_encodings_unlike_cbor2_canonical() -> None:
    # §4.2.1 sorts 0x1818 (24) before 0x20 (-1); RFC 7049 "canonical" (cbor2) sorts shorter first.
    value = {b"\x00\x00": 1, 100: 2, -1: 3, "a": 4, 24: 5}
    ours = encode_deterministic(value)
    assert ours.hex() == "a5" + "181805" + "186402" + "2003" + "42000001" + "616104"
    assert cbor2.dumps(value, canonical=True) != ours
    assert decode(ours) == value


# -- rejections ------------------------------------------------------------------------------

REJECTED: list[tuple[str, type[CborError], str]] = [
    ("", CborError, "unexpected end of data at offset 0"),
    ("1817", NonDeterministicCborError, "argument 23 at offset 0 is encoded in 1 byte"),
    ("190017", NonDeterministicCborError, "argument 23 at offset 0 is encoded in 2 byte"),
    ("1a000000ff", NonDeterministicCborError, "argument 255 at offset 0 is encoded in 4"),
    ("1b00000000ffffffff", NonDeterministicCborError, "encoded in 8 byte"),
    ("5801ff", NonDeterministicCborError, "argument 1 at offset 0"),
    ("a2020001 00", NonDeterministicCborError, "sorts before the key before it"),
    ("a2010001 00", CborError, "duplicate map key 1 at offset 3"),
    ("f93c00", CborError, "floating-point value at offset 0"),
    ("fb3ff0000000000000", CborError, "floating-point value"),
    ("f7", CborError, "simple value (additional information 23)"),
    ("f0", CborError, "simple value (additional information 16)"),
    ("f820", CborError, "simple value (additional information 24)"),
    ("0000", CborError, "1 trailing byte(s) after the data item that ends at offset 1"),
    ("1c", CborError, "reserved additional information 28 at offset 0"),
    ("5d", CborError, "reserved additional information 29"),
    ("1f", CborError, "indefinite length is not allowed for major type 0"),
    ("ff", CborError, "unexpected break (0xff) at offset 0"),
    ("62c328", CborError, "text string at offset 0 is not valid UTF-8"),
    ("a1f500", CborError, "map key at offset 1 is bool"),
    ("a18000", CborError, "map key at offset 1 is list"),
    ("a1c10100", CborError, "map key at offset 1 is Tag"),
    ("9bffffffffffffffff", CborError, "announces 18446744073709551615 elements"),
    ("bb0000000100000000", CborError, "announces 4294967296 pairs"),
    ("5affffffff", CborError, "expected 4294967295 more byte(s) for the string"),
    ("19", CborError, "expected 2 more byte(s) for an argument, found 0"),
    ("83 01 18", CborError, "array at offset 0 announces 3 elements; only 2 byte(s) follow"),
    ("82 19 00", CborError, "expected 2 more byte(s) for an argument, found 1"),
]


@pytest.mark.parametrize(("hex_", "error", "message"), REJECTED)
def test_rejected(hex_: str, error: type[CborError], message: str) -> None:
    with pytest.raises(error) as caught:
        decode(bytes.fromhex(hex_))
    assert message in str(caught.value)
    if error is CborError:  # not a determinism rule: a lenient read refuses it too
        with pytest.raises(CborError):
            decode(bytes.fromhex(hex_), deterministic=False)


def test_lenient_read_accepts_non_shortest_and_unsorted_but_not_duplicates() -> None:
    assert decode(bytes.fromhex("190017"), deterministic=False) == 23
    assert decode(bytes.fromhex("a2020001 00"), deterministic=False) == {1: 0, 2: 0}
    with pytest.raises(CborError, match="duplicate map key 1"):
        decode(bytes.fromhex("a2 1801 00 01 00"), deterministic=False)
    with pytest.raises(CborError, match="duplicate map key 'a'"):
        decode(bytes.fromhex("bf 6161 00 6161 01 ff"), deterministic=False)


def test_lenient_indefinite_string_with_a_chunk_of_the_wrong_type() -> None:
    with pytest.raises(CborError, match="chunk at offset 1 of the indefinite string at 0"):
        decode(bytes.fromhex("5f 6161 ff"), deterministic=False)
    with pytest.raises(CborError, match="expected 1 more byte"):
        decode(bytes.fromhex("9f 01"), deterministic=False)


def test_nesting_deeper_than_the_limit_is_an_error_not_a_crash() -> None:
    deep = bytes.fromhex("81") * (MAX_DEPTH + 1) + b"\x00"
    with pytest.raises(CborError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        decode(deep)
    assert decode(bytes.fromhex("81") * MAX_DEPTH + b"\x00") is not None
    with pytest.raises(CborError, match="nesting deeper"):
        decode(bytes.fromhex("d862") * 100_000 + b"\x00")


# -- scalars inside arrays and maps: read by the containers themselves, held to the same rules --

_LENGTHS = [0, 1, 23, 24, 25, 255, 256, 300]


@pytest.mark.parametrize("n", _LENGTHS)
def test_strings_of_every_head_size_inside_containers(n: int) -> None:
    text, raw = "x" * n, b"\x07" * n
    for value in ([text, raw, 0, 23, {}], {"a": text, "b": raw, "c": 23, "d": {}, text: 1}):
        assert decode(encode_deterministic(value)) == value


INSIDE = [
    # A head in a longer form than it needs, as an element, a value and a key.
    ("81 5817" + "00" * 23, NonDeterministicCborError, "argument 23 at offset 1"),
    ("81 7817" + "61" * 23, NonDeterministicCborError, "argument 23 at offset 1"),
    ("a1 6161 7817" + "61" * 23, NonDeterministicCborError, "argument 23 at offset 3"),
    ("a1 6161 5900ff" + "00" * 255, NonDeterministicCborError, "argument 255 at offset 3"),
    ("a1 7801" + "61" + "00", NonDeterministicCborError, "argument 1 at offset 1"),
    # Truncated, or not UTF-8.
    ("82 6361 61", CborError, "expected 3 more byte(s) for the string that starts at offset 1"),
    ("a1 6161 5818 00", CborError, "expected 24 more byte(s) for the string"),
    ("a1 6161 5901", CborError, "expected 2 more byte(s) for an argument, found 1"),
    ("81 78", CborError, "expected 1 more byte(s) for an argument, found 0"),
    ("81 62c328", CborError, "text string at offset 1 is not valid UTF-8"),
    ("a1 62c328 00", CborError, "text string at offset 1 is not valid UTF-8"),
    ("a1 6161 62c328", CborError, "text string at offset 3 is not valid UTF-8"),
    # Keys out of order, or twice.
    ("a2 6162 00 6161 00", NonDeterministicCborError, "map key 'a' at offset 4 sorts before"),
    ("a2 6161 00 6161 00", CborError, "duplicate map key 'a' at offset 4"),
    ("a2 01 00 01 00", CborError, "duplicate map key 1 at offset 3"),
    # A scalar one level too deep, and an empty map, as the first element.
    ("81" * (MAX_DEPTH + 1) + "60", CborError, f"nesting deeper than {MAX_DEPTH} levels"),
    ("81" * (MAX_DEPTH + 1) + "a0", CborError, f"nesting deeper than {MAX_DEPTH} levels"),
]


@pytest.mark.parametrize(("hex_", "error", "message"), INSIDE)
def test_scalars_inside_containers_are_refused_as_on_their_own(
    hex_: str, error: type[CborError], message: str
) -> None:
    with pytest.raises(error) as caught:
        decode(bytes.fromhex(hex_))
    assert message in str(caught.value)


# -- hostile heads: what a head announces never allocates more than the input holds ----------

HOSTILE = [
    ("5b 8000000000000000", "expected 9223372036854775808 more byte(s) for the string"),
    ("7b 7fffffffffffffff 61", "expected 9223372036854775807 more byte(s) for the string"),
    ("9b 8000000000000000 00", "announces 9223372036854775808 elements; only 1 byte(s) follow"),
    ("bb 8000000000000000 0000", "announces 9223372036854775808 pairs; only 2 byte(s) follow"),
    ("c2 49 010000000000000000", "bignum (tag 2) at offset 0: integers here fit in 64 bits"),
    ("82 00 c3 41 01", "bignum (tag 3) at offset 2"),
    ("81" * 40 + "00", f"nesting deeper than {MAX_DEPTH} levels at offset {MAX_DEPTH + 1}"),
]


@pytest.mark.parametrize(("hex_", "message"), HOSTILE)
def test_hostile_heads_are_refused_without_allocating(hex_: str, message: str) -> None:
    tracemalloc.start()
    try:
        for deterministic in (True, False):
            with pytest.raises(CborError) as caught:
                decode(bytes.fromhex(hex_), deterministic=deterministic)
            assert message in str(caught.value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000, f"refusing {hex_} took {peak:,} bytes"


def test_lenient_indefinite_items_are_bounded_too() -> None:
    with pytest.raises(CborError, match="expected 9223372036854775808 more byte"):
        decode(bytes.fromhex("5f 5b8000000000000000 ff"), deterministic=False)
    with pytest.raises(CborError, match="nesting deeper"):
        decode(bytes.fromhex("9f" * 100_000), deterministic=False)


def test_bignums_are_refused() -> None:
    with pytest.raises(CborEncodeError, match="tag 2 is a bignum"):
        encode_deterministic(Tag(2, b"\x01" + bytes(8)))
    with pytest.raises(CborError, match="bignum"):
        decode(bytes.fromhex("c3 40"), deterministic=False)


def test_decode_wants_bytes() -> None:
    with pytest.raises(CborError, match="expected bytes to decode, found str"):
        decode("a0")  # type: ignore[arg-type]


UNENCODABLE: list[tuple[object, str]] = [
    (1.5, "cannot encode float"),
    ({1, 2}, "cannot encode set"),
    (2**64, "integer out of range"),
    (-(2**64) - 1, "integer out of range"),
    ({True: 1}, "map key must be an int, str or bytes; found bool"),
    ({(1, 2): 1}, "found tuple"),
    ({1.0: 1}, "found float"),
    (Tag(-1, 0), "tag number out of range"),
    ("\ud800", "not encodable as UTF-8"),
]


@pytest.mark.parametrize(("value", "message"), UNENCODABLE)
def test_unencodable(value: object, message: str) -> None:
    with pytest.raises(CborEncodeError, match=message.replace("(", r"\(")):
        encode_deterministic(value)


def test_encoder_refuses_cycles_by_depth() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(CborEncodeError, match="nests deeper"):
        encode_deterministic(loop)


def test_tuples_and_bytearrays_encode_as_arrays_and_byte_strings() -> None:
    assert encode_deterministic((1, bytearray(b"\x01"))) == encode_deterministic([1, b"\x01"])


# -- properties -------------------------------------------------------------------------------


def _not_bignum(tag: int) -> bool:
    return tag not in (2, 3)


KEYS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64 - 1), st.text(max_size=6), st.binary(max_size=6)
)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
    st.binary(max_size=20),
    st.text(max_size=20),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(KEYS, inner, max_size=5),
        # Tags 2 and 3 are bignums, outside the data model (see test_bignums_are_refused).
        st.builds(Tag, st.integers(min_value=0, max_value=2**64 - 1).filter(_not_bignum), inner),
    ),
    max_leaves=25,
)


@given(VALUES)
def test_round_trip(value: Any) -> None:
    encoded = encode_deterministic(value)
    decoded = decode(encoded)
    assert decoded == value
    assert encode_deterministic(decoded) == encoded


@given(VALUES)
def test_an_item_encoded_before_is_written_as_it_is(value: Any) -> None:
    encoded = encode_deterministic(value)
    assert encode_deterministic(Encoded(encoded)) == encoded
    assert encode_deterministic({"a": Encoded(encoded), "b": [Encoded(encoded)]}) == (
        encode_deterministic({"a": value, "b": [value]})
    )


def _strict_equals_reencode(data: bytes) -> None:
    """A strict decode accepts exactly the bytes that a lenient decode and re-encode reproduce."""
    try:
        lenient = decode(data, deterministic=False)
    except CborError:
        with pytest.raises(CborError):
            decode(data)
        return
    if encode_deterministic(lenient) == data:
        assert decode(data) == lenient
    else:
        with pytest.raises(NonDeterministicCborError):
            decode(data)


@given(VALUES, st.data())
def test_strict_decode_is_decode_reencode_compare_on_mutations(
    value: Any, data: st.DataObject
) -> None:
    encoded = bytearray(encode_deterministic(value))
    position = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    encoded[position] = data.draw(st.integers(min_value=0, max_value=255))
    _strict_equals_reencode(bytes(encoded))


@given(st.binary(max_size=40))
def test_strict_decode_is_decode_reencode_compare_on_arbitrary_bytes(data: bytes) -> None:
    _strict_equals_reencode(data)


_SMALL = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.lists(st.recursive(_SMALL | st.binary() | st.text(), st.lists), max_size=20))
def test_a_cbor_sequence_splits_into_the_items_it_joins(values: list[Any]) -> None:
    items = [encode_deterministic(v) for v in values]
    assert split_sequence(b"".join(items), limit=len(items)) == items


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x01\x18", "offset"),  # a truncated second item
        (b"\x01\x02\x03", "more than 2"),
    ],
)
def test_a_cbor_sequence_that_is_truncated_or_too_long_is_refused(data: bytes, says: str) -> None:
    with pytest.raises(CborError, match=says):
        split_sequence(data, limit=2)
