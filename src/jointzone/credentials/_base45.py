"""Base45 (RFC 9285): bytes as text in the QR alphanumeric character set.

Written here from the RFC rather than taken from a package: it is thirty lines, and the decoder
must reject every malformed input with its own message, which general packages do not promise.
Each two bytes ``[a, b]`` make ``n = a*256 + b = c + d*45 + e*45**2``, written ``c d e``; a last
single byte makes ``c d``.
"""

from __future__ import annotations

from jointzone.credentials.errors import Base45Error

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

_INVALID = 0xFF
# byte value -> digit value; 0xFF marks a byte outside the alphabet. A translate table lets the
# decoder map all characters at C speed and find the first bad one with one search.
_DIGITS = bytes(ALPHABET.index(chr(b)) if chr(b) in ALPHABET else _INVALID for b in range(256))
_ENCODE_PAIRS = [ALPHABET[i % 45] + ALPHABET[i // 45] for i in range(45 * 45)]


def b45encode(data: bytes) -> str:
    """Encode bytes as Base45 text (RFC 9285 §4)."""
    out = []
    pairs = len(data) - len(data) % 2
    for i in range(0, pairs, 2):
        n = (data[i] << 8) | data[i + 1]
        out.append(_ENCODE_PAIRS[n % 2025])
        out.append(ALPHABET[n // 2025])
    if pairs != len(data):
        out.append(_ENCODE_PAIRS[data[-1]])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Decode Base45 text, rejecting characters outside the alphabet, a length that leaves one
    character over, and groups whose value does not fit their bytes (RFC 9285 §4.2 and §6)."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as e:
        raise Base45Error(
            f"character {text[e.start]!r} at position {e.start} is not in the Base45 alphabet"
        ) from None
    digits = raw.translate(_DIGITS)
    bad = digits.find(_INVALID)
    if bad >= 0:
        raise Base45Error(
            f"character {text[bad]!r} at position {bad} is not in the Base45 alphabet "
            "(0-9, A-Z, space, $ % * + - . / :)"
        )
    if len(digits) % 3 == 1:
        raise Base45Error(
            f"Base45 text of {len(digits)} characters: expected a length of 3k or 3k+2, "
            "one character is left over"
        )
    groups = len(digits) // 3
    full = 3 * groups
    out = bytearray(2 * groups)
    if groups:
        # All groups at once, in C: read the digits as one little-endian integer, pick out each
        # group's c, d and e with a mask, and combine them as c + 45d + 2025e. Each sum is below
        # 2**24, so no carry crosses into the next group's three bytes.
        number = int.from_bytes(digits[:full], "little")
        lows = int.from_bytes(b"\xff\x00\x00" * groups, "little")
        values = (number & lows) + 45 * ((number >> 8) & lows) + 2025 * ((number >> 16) & lows)
        packed = values.to_bytes(full, "little")
        overflow = packed[2::3]
        if overflow.count(0) != groups:
            g = next(k for k, byte in enumerate(overflow) if byte)
            value = int.from_bytes(packed[3 * g : 3 * g + 3], "little")
            raise Base45Error(
                f"group {text[3 * g : 3 * g + 3]!r} at position {3 * g} has value {value}; "
                "expected at most 65535 for two bytes"
            )
        out[0::2] = packed[1::3]
        out[1::2] = packed[0::3]
    if full != len(digits):
        n = digits[full] + digits[full + 1] * 45
        if n > 0xFF:
            raise Base45Error(
                f"final group {text[full:]!r} at position {full} has value {n}; "
                "expected at most 255 for one byte"
            )
        out.append(n)
    return bytes(out)
