"""The stated limits of every input, and the few helpers their messages share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """How large one kind of input may be; see the package docstring for each preset's figures.

    ``what`` names the kind in messages ("an act file"). ``max_bytes`` bounds the file;
    ``max_depth`` the nesting of lists and mappings (the top-level one is depth 1);
    ``max_nodes`` the values in the document, mapping keys included; ``int_bits`` the integers,
    which must lie in ``-2**int_bits .. 2**int_bits - 1``; ``max_scalar`` the characters of one
    string (or other scalar); ``max_pixels`` the pixels of an image (None: not an image). Only
    ``what`` and ``max_bytes`` apply to plain text and images.
    """

    what: str
    max_bytes: int
    max_depth: int = 32
    max_nodes: int = 100_000
    int_bits: int = 64
    max_scalar: int = 100_000
    max_pixels: int | None = None


MB = 1_000_000

# 64-bit integers everywhere: every act and regime is encoded as CBOR, whose integers (major
# types 0 and 1) stop at 2**64, and nothing the parties administer counts beyond that.
ACT = Limits("an act file", max_bytes=1 * MB, max_depth=32, max_nodes=100_000)
"""An act is at most one 64 KB log entry once encoded; 1 MB of YAML is far beyond that."""

REGIME = Limits("a regime file", max_bytes=4 * MB, max_depth=32, max_nodes=1_000_000)
"""regime.yaml, the places and lexicon files and the outlines' GeoJSON: the seed's largest is
35 kB; GeoJSON nests 8 deep (feature collection to coordinate pair)."""

SCENARIO = Limits("a scenario file", max_bytes=4 * MB, max_depth=32, max_nodes=1_000_000)
"""Scenarios are demo and test data: the seed scenario is 32 kB."""

TRUST_BUNDLE = Limits(
    "a trust bundle",
    max_bytes=16 * MB,
    max_depth=8,
    max_nodes=1_000_000,
    max_scalar=16 * MB,
)
"""A bundle is a few kilobytes and one JSON object of three strings; the longest is the verifier
table (base64 of its zlib stream), which a zone's revocation list could one day take into
megabytes, so a string may be as long as the file."""

NODE_FILE = Limits("a node's own file", max_bytes=1 * MB, max_depth=8, max_nodes=100_000)
"""A node's keystore index, its record of what it signed: a few kilobytes, 4 deep at most."""

CHECK = Limits("a text to check", max_bytes=10 * MB)
"""Text for the neutrality checker: only its size is bounded here; 10 MB is a long book."""

IMAGE = Limits("an image", max_bytes=20 * MB, max_pixels=50_000_000)
"""A QR image: a phone photo is about 12 million pixels and a few MB. Decoding costs up to four
bytes a pixel; the pixel limit, checked on the header before any pixel is decoded, keeps that
under about 200 MB."""


def size_text(found: int, limit: int) -> tuple[str, str]:
    """Two sizes for one message, rounded, unless rounding would make them look equal."""
    shown = size_of(found), size_of(limit)
    if shown[0] == shown[1]:
        return f"{found:,} bytes", f"{limit:,}-byte"
    return shown


def size_of(n: int) -> str:
    """``n`` bytes, rounded for a message: ``10 GB``, ``2.1 MB``, ``8.2 kB``, ``512 bytes``."""
    for unit, size in (("GB", 1000 * MB), ("MB", MB), ("kB", 1000)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n:,} bytes"


def int_literal_too_long(literal: str, bits: int) -> bool:
    """Whether ``literal`` is too long to be an integer in range, judged before ``int()`` runs.

    So a literal of a million digits costs nothing, and never meets Python's own limit on
    int-string conversion (a ValueError of its own). The longest literal in range is a binary
    one: a sign, "0b" and ``bits`` digits.
    """
    return len(literal) > bits + 3


def int_fits(value: int, bits: int) -> bool:
    return -(1 << bits) <= value < 1 << bits


def int_problem(literal: str, bits: int) -> str:
    shown = literal if len(literal) <= 30 else f"{literal[:24]}... ({len(literal):,} characters)"
    return f"integer {shown} does not fit in {bits} bits (-2**{bits} .. 2**{bits}-1)"


def line_column(text: str, index: int) -> dict[str, int]:
    """``line`` and ``column`` (from 1, in characters) of the character at ``index``."""
    line_start = text.rfind("\n", 0, index) + 1
    return {"line": text.count("\n", 0, index) + 1, "column": index - line_start + 1}


def depth_problem(limits: Limits) -> str:
    return f"nesting deeper than {limits.max_depth} levels, the limit for {limits.what}"


def values_problem(limits: Limits) -> str:
    return f"more than {limits.max_nodes:,} values, the limit for {limits.what}"


def scalar_problem(length: int, limits: Limits) -> str:
    return (
        f"a value of {length:,} characters, longer than the {limits.max_scalar:,} allowed in "
        f"{limits.what}"
    )
