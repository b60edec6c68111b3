"""Deterministic CBOR (RFC 8949 §4.2.1) for the small data model our signed payloads use.

Why our own codec: cbor2's ``canonical=True`` sorts map keys length-first (the "canonical CBOR" of
RFC 7049 §3.9), which differs from §4.2.1's bytewise lexicographic order of the encoded keys; e.g.
for keys ``-1`` (``20``) and ``24`` (``18 18``) cbor2 puts ``-1`` first, §4.2.1 puts ``24`` first.
Signatures cover exact bytes, so every node must produce the same ones; a codec of a hundred lines
whose every rule is visible is cheaper to trust than a configuration of a general one.

The data model: ``int`` (within major types 0 and 1, -2**64 .. 2**64-1), ``bytes``, ``str``,
``list``/``tuple`` (arrays), ``dict`` (maps whose keys are ints, text or byte strings), ``bool``,
``None`` and :class:`Tag` (and, to encode, :class:`Encoded`: an item encoded before). No floats,
no undefined, no other simple values, and no bignums (tags 2 and 3, RFC 8949 §3.4.3): nothing we
sign needs them, and each one we leave out is one less way for two encoders to disagree.

The decoder is bounded by its input, whatever a head announces: a string, array or map whose
announced length exceeds the bytes that remain is refused before anything is allocated (so a
head announcing a 2**63-byte string costs nothing), every element takes at least one input byte,
integers stop at 8-byte arguments, bignum tags are refused rather than turned into ints, and
nesting stops at :data:`MAX_DEPTH`. A decoded value thus holds at most one object per input
byte, and no call recurses more than ``MAX_DEPTH`` levels.

The decoder checks every §4.2.1 rule where it meets the bytes (shortest arguments, no indefinite
lengths, keys in bytewise order, no duplicate keys), so its error can name the offset. For our data
model those are all the rules, so a deterministic decode is equivalent to "decode, re-encode and
compare" without paying for the second encoding; a Hypothesis test holds the two equal. A lenient
read (``deterministic=False``, for a third party's COSE message) accepts those departures and
:func:`decode_noting` reports the first, so one pass says both what the bytes mean and whether
they were canonical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jointzone.cose.errors import CborEncodeError, CborError, NonDeterministicCborError

#: Deepest nesting of arrays, maps and tags accepted. Our structures nest four levels at most;
#: the limit keeps a hostile input from exhausting the Python stack.
MAX_DEPTH = 32

_UINT64_LIMIT = 1 << 64
_BIGNUM_TAGS = (2, 3)
_KEY_TYPES = (int, str, bytes)
_BREAK = 0xFF
# The least argument each additional information 0..25 may carry in the shortest form.
_SHORTEST = (0,) * 24 + (24, 0x100)
# No item decodes to it: what a map key is before it has been read.
_MISSING = object()


@dataclass(frozen=True)
class Tag:
    """A tagged data item (major type 6): tag number and content, e.g. ``Tag(98, [...])``."""

    tag: int
    value: Any


@dataclass(frozen=True)
class Encoded:
    """A data item already in deterministic encoding, written as it is (never decoded): how a
    caller reuses the bytes of a large value it encodes again and again. The caller vouches
    that ``data`` is exactly one deterministic item, as :func:`encode_deterministic` made it."""

    data: bytes


def head(major: int, value: int) -> bytes:
    """The initial byte and argument of an item, in the shortest form (§4.2.1, first rule)."""
    mt = major << 5
    if value < 24:
        return bytes((mt | value,))
    if value < 0x100:
        return bytes((mt | 24, value))
    if value < 0x10000:
        return bytes((mt | 25,)) + value.to_bytes(2, "big")
    if value < 0x100000000:
        return bytes((mt | 26,)) + value.to_bytes(4, "big")
    return bytes((mt | 27,)) + value.to_bytes(8, "big")


def _describe(obj: object) -> str:
    return type(obj).__name__


def _encode_key(key: object) -> bytes:
    # bool is an int subclass and True == 1 as a dict key; refusing it keeps keys unambiguous.
    if isinstance(key, bool) or not isinstance(key, int | str | bytes):
        raise CborEncodeError(
            f"map key must be an int, str or bytes; found {_describe(key)} {key!r:.40}"
        )
    out = bytearray()
    _encode(key, out, 0)
    return bytes(out)


def _encode(obj: object, out: bytearray, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CborEncodeError(f"value nests deeper than {MAX_DEPTH} levels")
    if obj is None:
        out.append(0xF6)
    elif obj is True:
        out.append(0xF5)
    elif obj is False:
        out.append(0xF4)
    elif isinstance(obj, int):
        if 0 <= obj < _UINT64_LIMIT:
            out += head(0, obj)
        elif -_UINT64_LIMIT <= obj < 0:
            out += head(1, -1 - obj)
        else:
            raise CborEncodeError(
                f"integer out of range: expected -2**64 .. 2**64-1 (no bignums), found {obj}"
            )
    elif isinstance(obj, bytes | bytearray | memoryview):
        raw = bytes(obj)
        out += head(2, len(raw))
        out += raw
    elif isinstance(obj, str):
        try:
            raw = obj.encode("utf-8")
        except UnicodeEncodeError as e:
            raise CborEncodeError(f"text is not encodable as UTF-8: {e}") from e
        out += head(3, len(raw))
        out += raw
    elif isinstance(obj, list | tuple):
        out += head(4, len(obj))
        for item in obj:
            _encode(item, out, depth + 1)
    elif isinstance(obj, Mapping):
        pairs = sorted(((_encode_key(k), v) for k, v in obj.items()), key=lambda p: p[0])
        out += head(5, len(pairs))
        previous = None
        for key, value in pairs:
            if key == previous:  # only reachable through a Mapping that repeats a key
                raise CborEncodeError(f"duplicate map key {key.hex()}")
            previous = key
            out += key
            _encode(value, out, depth + 1)
    elif isinstance(obj, Encoded):
        out += obj.data
    elif isinstance(obj, Tag):
        if not 0 <= obj.tag < _UINT64_LIMIT:
            raise CborEncodeError(
                f"tag number out of range: expected 0 .. 2**64-1, found {obj.tag}"
            )
        if obj.tag in _BIGNUM_TAGS:
            raise CborEncodeError(f"tag {obj.tag} is a bignum: integers here fit in 64 bits")
        out += head(6, obj.tag)
        _encode(obj.value, out, depth + 1)
    else:
        raise CborEncodeError(
            f"cannot encode {_describe(obj)}: expected int, bytes, str, list, tuple, dict, "
            "bool, None or Tag (no floats)"
        )


def encode_deterministic(obj: object) -> bytes:
    """Encode ``obj`` in RFC 8949 §4.2.1 deterministic CBOR; equal values give equal bytes."""
    out = bytearray()
    _encode(obj, out, 0)
    return bytes(out)


class _Decoder:
    """One pass over the input; ``pos`` is the offset of the next unread byte.

    A departure from deterministic encoding is raised at once when ``deterministic`` is set, and
    otherwise noted in ``irregular`` (the first one), so a lenient read can still tell whether
    its input was canonical without encoding it again.
    """

    __slots__ = ("data", "deterministic", "end", "irregular", "pos")

    def __init__(self, data: bytes, deterministic: bool) -> None:
        self.data = data
        self.end = len(data)
        self.pos = 0
        self.deterministic = deterministic
        self.irregular: str | None = None

    def _note(self, message: str) -> None:
        if self.deterministic:
            raise NonDeterministicCborError(message)
        if self.irregular is None:
            self.irregular = message

    def _short(self, n: int, what: str) -> CborError:
        return CborError(
            f"unexpected end of data at offset {self.pos}: expected {n} more byte(s) "
            f"for {what}, found {self.end - self.pos}"
        )

    def _argument(self, ai: int, start: int, major: int) -> int:
        """Read the argument that ``ai`` (24..27) announces, checking it is in shortest form."""
        if ai > 27:  # 28..30 reserved; 31 (indefinite) is handled by the caller
            raise CborError(
                f"reserved additional information {ai} at offset {start} (major type {major})"
            )
        size = 1 << (ai - 24)
        pos = self.pos
        if self.end - pos < size:
            raise self._short(size, "an argument")
        value = int.from_bytes(self.data[pos : pos + size], "big")
        self.pos = pos + size
        if value < (24 if size == 1 else 1 << (4 * size)):
            self._note(
                f"argument {value} at offset {start} is encoded in {size} byte(s); "
                "deterministic CBOR requires the shortest form"
            )
        return value

    def item(self, depth: int) -> Any:
        # Every item is read here, but arrays and maps read their short strings and small
        # integers themselves (``_array``, ``_map``): those are most of what we sign, and a call
        # per scalar was most of the cost. Anything else, and any scalar whose fast read fails
        # (truncated, not UTF-8), comes back here, so each error is raised in one place.
        if depth > MAX_DEPTH:
            raise CborError(f"nesting deeper than {MAX_DEPTH} levels at offset {self.pos}")
        start = self.pos
        if start >= self.end:
            raise self._short(1, "a data item")
        ib = self.data[start]
        pos = self.pos = start + 1
        major, ai = ib >> 5, ib & 0x1F
        if major == 7:
            return self._simple(ai, start)
        if ai < 24:
            value = ai
        elif ai == 24 and pos < self.end:
            value = self.data[pos]
            pos = self.pos = pos + 1
            if value < 24:
                self._note(
                    f"argument {value} at offset {start} is encoded in 1 byte(s); "
                    "deterministic CBOR requires the shortest form"
                )
        elif ai == 31:
            return self._indefinite(major, start, depth)
        else:
            value = self._argument(ai, start, major)
            pos = self.pos
        if major == 2 or major == 3:  # noqa: PLR1714 - ints compare faster than a tuple lookup
            end = pos + value
            if end > self.end:
                raise self._short(value, f"the string that starts at offset {start}")
            self.pos = end
            raw = self.data[pos:end]
            return raw if major == 2 else self._text(raw, start)
        if major == 0:
            return value
        if major == 1:
            return -1 - value
        if major == 5:
            return self._map(value, start, depth)
        if major == 4:
            return self._array(value, start, depth)
        if value in _BIGNUM_TAGS:
            raise CborError(f"bignum (tag {value}) at offset {start}: integers here fit in 64 bits")
        return Tag(value, self.item(depth + 1))  # major 6

    def _array(self, count: int, start: int, depth: int) -> list[Any]:
        data, end, pos = self.data, self.end, self.pos
        if count > end - pos:  # every element takes at least one byte
            raise CborError(
                f"array at offset {start} announces {count} elements; "
                f"only {end - pos} byte(s) follow"
            )
        if count and depth + 1 > MAX_DEPTH:  # as item() would say of the first element
            raise CborError(f"nesting deeper than {MAX_DEPTH} levels at offset {pos}")
        out: list[Any] = []
        append = out.append
        for _ in range(count):
            # The fast read of a scalar, as in _map.
            ib = data[pos] if pos < end else _BREAK
            if ib < 0x18:
                append(ib)
                pos += 1
                continue
            if ib == 0xA0:  # an empty map: every COSE header left unprotected
                append({})
                pos += 1
                continue
            if 0x40 <= ib <= 0x79 and (ai := ib & 0x1F) <= 25:
                if ai < 24:
                    first = pos + 1
                    length = ai
                elif ai == 24:
                    first = pos + 2
                    length = data[pos + 1] if first <= end else -1
                else:
                    first = pos + 3
                    length = int.from_bytes(data[pos + 1 : first], "big") if first <= end else -1
                stop = first + length
                # Not truncated, and in the shortest form (else item() says which it is not).
                if stop <= end and length >= _SHORTEST[ai]:
                    if ib < 0x60:
                        append(data[first:stop])
                        pos = stop
                        continue
                    try:
                        append(data[first:stop].decode("utf-8"))
                        pos = stop
                        continue
                    except UnicodeDecodeError:
                        pass
            self.pos = pos
            append(self.item(depth + 1))
            pos = self.pos
        self.pos = pos
        return out

    def _map(self, count: int, start: int, depth: int) -> dict[Any, Any]:
        data, end, pos = self.data, self.end, self.pos
        if 2 * count > end - pos:
            raise CborError(
                f"map at offset {start} announces {count} pairs; only {end - pos} byte(s) follow"
            )
        if count and depth + 1 > MAX_DEPTH:  # as item() would say of the first key
            raise CborError(f"nesting deeper than {MAX_DEPTH} levels at offset {pos}")
        result: dict[Any, Any] = {}
        previous = None
        for _ in range(count):
            key_start = pos
            # A key: read inline when it is a small uint or a text string of under 24 bytes.
            ib = data[pos] if pos < end else _BREAK
            key: Any = _MISSING
            if ib < 0x18:
                key = ib
                pos += 1
            elif 0x60 <= ib < 0x78 and (stop := pos + ib - 0x5F) <= end:
                try:
                    key = data[pos + 1 : stop].decode("utf-8")
                    pos = stop
                except UnicodeDecodeError:
                    pass
            if key is _MISSING:
                self.pos = pos
                key = self.item(depth + 1)
                pos = self.pos
                if type(key) not in _KEY_TYPES:  # exact types: we make no subclasses, no bool
                    raise CborError(
                        f"map key at offset {key_start} is {_describe(key)}; "
                        "expected an integer, text string or byte string"
                    )
            if key in result:
                raise CborError(f"duplicate map key {key!r:.40} at offset {key_start}")
            encoded = data[key_start:pos]
            if previous is not None and encoded < previous:
                self._note(
                    f"map key {key!r:.40} at offset {key_start} sorts before the key before "
                    "it; deterministic CBOR orders keys by their encoded bytes"
                )
            previous = encoded
            # Its value: a small uint, or a byte or text string whose length is in its head or
            # the byte after, read here; checked as item() checks them, which reads the rest.
            ib = data[pos] if pos < end else _BREAK
            if ib < 0x18:
                result[key] = ib
                pos += 1
                continue
            if 0x40 <= ib <= 0x79 and (ai := ib & 0x1F) <= 25:
                if ai < 24:
                    first = pos + 1
                    length = ai
                elif ai == 24:
                    first = pos + 2
                    length = data[pos + 1] if first <= end else -1
                else:
                    first = pos + 3
                    length = int.from_bytes(data[pos + 1 : first], "big") if first <= end else -1
                stop = first + length
                # Not truncated, and in the shortest form (else item() says which it is not).
                if stop <= end and length >= _SHORTEST[ai]:
                    if ib < 0x60:
                        result[key] = data[first:stop]
                        pos = stop
                        continue
                    try:
                        result[key] = data[first:stop].decode("utf-8")
                        pos = stop
                        continue
                    except UnicodeDecodeError:
                        pass
            self.pos = pos
            result[key] = self.item(depth + 1)
            pos = self.pos
        self.pos = pos
        return result

    def _simple(self, ai: int, start: int) -> Any:
        if ai == 20:
            return False
        if ai == 21:
            return True
        if ai == 22:
            return None
        if ai in (25, 26, 27):
            raise CborError(f"floating-point value at offset {start}: floats are not used here")
        if ai == 31:
            raise CborError(f"unexpected break (0xff) at offset {start} outside an indefinite item")
        raise CborError(
            f"simple value (additional information {ai}) at offset {start}: "
            "expected false, true or null"
        )

    def _bytes(self, length: int, start: int) -> bytes:
        pos = self.pos
        if self.end - pos < length:
            raise self._short(length, f"the string that starts at offset {start}")
        self.pos = pos + length
        return self.data[pos : pos + length]

    @staticmethod
    def _text(raw: bytes, start: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise CborError(f"text string at offset {start} is not valid UTF-8: {e.reason}") from e

    def _pair(self, result: dict[Any, Any], depth: int, previous: bytes | None) -> bytes:
        """Read one key and its value into ``result``; return the key's encoding."""
        key_start = self.pos
        key = self.item(depth + 1)
        if type(key) not in _KEY_TYPES:  # exact types: the decoder makes no subclasses, and no bool
            raise CborError(
                f"map key at offset {key_start} is {_describe(key)}; "
                "expected an integer, text string or byte string"
            )
        if key in result:
            raise CborError(f"duplicate map key {key!r:.40} at offset {key_start}")
        encoded = self.data[key_start : self.pos]
        if previous is not None and encoded < previous:
            self._note(
                f"map key {key!r:.40} at offset {key_start} sorts before the key before it; "
                "deterministic CBOR orders keys by their encoded bytes"
            )
        result[key] = self.item(depth + 1)
        return encoded

    def _indefinite(self, major: int, start: int, depth: int) -> Any:
        if major in (0, 1, 6):
            raise CborError(
                f"indefinite length is not allowed for major type {major} (offset {start})"
            )
        self._note(
            f"indefinite-length item at offset {start}; deterministic CBOR uses definite ones"
        )
        if major in (2, 3):
            chunks: list[bytes] = []
            while not self._at_break():
                chunk_start = self.pos
                ib = self.data[self.pos]
                self.pos += 1
                ai = ib & 0x1F
                if ib >> 5 != major or ai == 31:
                    raise CborError(
                        f"chunk at offset {chunk_start} of the indefinite string at {start} "
                        f"must be a definite string of major type {major}"
                    )
                length = ai if ai < 24 else self._argument(ai, chunk_start, major)
                chunks.append(self._bytes(length, start))
            raw = b"".join(chunks)
            return raw if major == 2 else self._text(raw, start)
        if major == 4:
            items = []
            while not self._at_break():
                items.append(self.item(depth + 1))
            return items
        result: dict[Any, Any] = {}
        previous = None
        while not self._at_break():
            previous = self._pair(result, depth, previous)
        return result

    def _at_break(self) -> bool:
        if self.pos >= self.end:
            raise self._short(1, "an item or a break")
        if self.data[self.pos] == _BREAK:
            self.pos += 1
            return True
        return False


def decode(data: bytes, *, deterministic: bool = True) -> Any:
    """Decode exactly one CBOR data item; with ``deterministic`` (the default) reject any
    encoding other than the RFC 8949 §4.2.1 one, so that equal values always had equal bytes.

    Returns ints, bytes, str, lists, dicts, bools, None and :class:`Tag`. Raises
    :class:`CborError` (or its subclass :class:`NonDeterministicCborError`) naming the offset.
    """
    value, _ = decode_noting(data, deterministic=deterministic)
    return value


def decode_noting(data: bytes, *, deterministic: bool = False) -> tuple[Any, str | None]:
    """Decode like :func:`decode`, and also return the first departure from deterministic
    encoding found (None if there was none): one pass tells a lenient reader both."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CborError(f"expected bytes to decode, found {_describe(data)}")
    decoder = _Decoder(bytes(data), deterministic)
    value = decoder.item(0)
    if decoder.pos != decoder.end:
        raise CborError(
            f"{decoder.end - decoder.pos} trailing byte(s) after the data item "
            f"that ends at offset {decoder.pos}"
        )
    return value, decoder.irregular


def split_sequence(data: bytes, *, limit: int) -> list[bytes]:
    """The data items of a CBOR sequence (RFC 8742, ``application/cbor-seq``), each as the
    bytes it spans, for the reader of each to decode strictly on its own. Raises
    :class:`CborError` naming the offset of a truncated or malformed item, or when there are
    more than ``limit`` items."""
    decoder = _Decoder(bytes(data), False)
    items: list[bytes] = []
    while decoder.pos < decoder.end:
        if len(items) == limit:
            raise CborError(f"more than {limit} data items in the sequence")
        start = decoder.pos
        decoder.item(0)
        items.append(decoder.data[start : decoder.pos])
    return items
