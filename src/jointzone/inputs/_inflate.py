"""Inflating a zlib stream (RFC 1950) within a stated size: a certificate's bytes, a bundle's
verifier table. A few hundred compressed bytes can announce gigabytes, so the inflater stops at
the limit instead of finding out afterwards."""

from __future__ import annotations

import zlib

from jointzone.inputs.errors import InputLimitError, MalformedInputError


def inflate(data: bytes, *, limit: int, source: str) -> bytes:
    """The bytes of the one complete zlib stream ``data`` holds, at most ``limit`` of them.

    Raises :class:`MalformedInputError` for a broken stream (a bad header or checksum, raw
    deflate or gzip framing), a truncated one, or bytes after its end, and
    :class:`InputLimitError` for a stream that inflates beyond ``limit``; ``source`` names the
    input in the message."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit)
    except zlib.error as e:
        raise MalformedInputError(source, f"broken zlib stream: {e}") from e
    if inflater.unconsumed_tail:
        raise InputLimitError(source, f"zlib stream inflates to more than {limit} bytes")
    if not inflater.eof:
        raise MalformedInputError(
            source,
            f"zlib stream of {len(data)} bytes is truncated: "
            "expected its final block and Adler-32 checksum",
        )
    if inflater.unused_data:
        raise MalformedInputError(
            source,
            f"{len(inflater.unused_data)} byte(s) after the end of the zlib stream; expected none",
        )
    return out
