"""Base45 against RFC 9285's examples, every malformed input, and a round-trip property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointzone.credentials import Base45Error, b45decode, b45encode

# RFC 9285 §4.3 and §4.4.
RFC_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("raw", "text"), RFC_EXAMPLES)
def test_rfc_9285_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


def test_edges() -> None:
    assert b45encode(b"") == ""
    assert b45decode("") == b""
    assert b45encode(b"\xff\xff") == "FGW"  # 65535 = 30 + 26*45 + 32*2025
    assert b45encode(b"\xff") == "U5"  # 255 = 30 + 5*45
    assert b45decode("FGW") == b"\xff\xff"


BAD = [
    ("GGW", "group 'GGW' at position 0 has value 65536; expected at most 65535"),
    ("000:::", "group ':::' at position 3 has value 91124"),
    ("BB8V6", "final group 'V6' at position 3 has value 301; expected at most 255"),
    ("BB8A", "Base45 text of 4 characters: expected a length of 3k or 3k+2"),
    ("A", "text of 1 characters"),
    ("BB8a", "character 'a' at position 3 is not in the Base45 alphabet"),
    ("BB#", "character '#' at position 2 is not in the Base45 alphabet"),
    ("BB\n", "character '\\n' at position 2"),
    ("BBé", "character 'é' at position 2 is not in the Base45 alphabet"),
    ("水B8", "character '水' at position 0"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_rejected(text: str, message: str) -> None:
    with pytest.raises(Base45Error) as caught:
        b45decode(text)
    assert message in str(caught.value)


@given(st.binary(max_size=300))
def test_round_trip(raw: bytes) -> None:
    text = b45encode(raw)
    assert len(text) == len(raw) // 2 * 3 + len(raw) % 2 * 2
    assert b45decode(text) == raw


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=60))
def test_any_alphabet_text_decodes_or_is_refused_cleanly(text: str) -> None:
    try:
        raw = b45decode(text)
    except Base45Error:
        return
    assert b45encode(raw) == text  # decoding is one-to-one: no two texts give the same bytes
