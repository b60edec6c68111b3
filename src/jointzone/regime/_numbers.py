"""Numbers in a regime's canonical content: decimal strings, never floats.

The canonical content is signed as deterministic CBOR and shown as JSON; a float does not survive
both the same way (CBOR may shorten it to half or single precision, JSON printers differ), so every
coordinate and area travels as the shortest decimal string that reads back as the same float.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

_CANONICAL = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?$")


def float_text(value: float) -> str:
    """The canonical decimal string of ``value``: shortest round trip, no exponent, no '.0'."""
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def parse_float_text(text: object) -> float:
    """Read a canonical decimal string back; anything else (a float, '1.50', '1e3') is refused."""
    if not isinstance(text, str):
        raise ValueError(f"expected a decimal string such as '145.86', got {text!r}")
    if not _CANONICAL.match(text):
        raise ValueError(f"expected a canonical decimal string such as '145.86', got {text!r}")
    value = float(text)
    if float_text(value) != text:
        raise ValueError(
            f"{text!r} does not read back as the same number; write {float_text(value)!r}"
        )
    return value
