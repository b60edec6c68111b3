"""The field types acts are made of, and the base class every act type derives from.

Acts are signed as deterministic CBOR and shown as JSON, so ``to_data()`` gives only str, int,
bool, None, list and dict with str keys, in one canonical spelling per value:

- a moment is always ``'YYYY-MM-DDTHH:MM:SSZ'`` (:data:`Instant`: UTC, whole seconds); a calendar
  day (a report's period, a meeting date) is ``'YYYY-MM-DD'`` (:data:`Day`); validity is always
  moments, ``valid_from`` included and ``valid_to`` excluded, so a validity ending at midnight
  needs no "last day" and a certificate's validity compares with its project's directly;
- a place is always a mapping ``{place: REF}`` naming a place of the gazetteer (:class:`PlaceRef`),
  and where a point within it means something, ``{place: REF, point: [lon, lat]}`` (:class:`Site`),
  so one reader serves every act that names a place;
- no floats: coordinates and decimal quantities are decimal strings (``'146.75'``, no exponent, no
  trailing zeros), counts are integers;
- Ed25519 public keys are the raw 32 bytes in unpadded base64url (RFC 4648 §5), as in JWK ``x``;
- every field is present, an absent optional one as None.

Parsing accepts a few other spellings of the same value (``'146.750'``, a ``date`` object) and
``to_data()`` writes the canonical one, so ``parse_act(d).to_data() == d`` exactly when ``d`` is
canonical: a verifier can use that to refuse a payload written any other way.

Text is refused unless NFC-normalised and free of control, zero-width and bidirectional-override
characters: two spellings of one word would defeat both the CBOR hash and the neutrality checker.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar

from nacl.bindings import crypto_core_ed25519_is_valid_point
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    WithJsonSchema,
)

from jointzone.regime._model import LANGUAGE_PATTERN, REF_PATTERN
from jointzone.regime._validation import ProblemsError, short

# -- text -----------------------------------------------------------------------------------------

# C0/C1 controls, zero-width characters, bidirectional embeddings/overrides/isolates, BOM.
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029"
_NOT_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_NOT_IN_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")


def _normalised(value: str) -> None:
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError("expected NFC-normalised text (one spelling per word)")
    if value != value.strip():
        raise ValueError(f"expected text without leading or trailing space, got {short(value)}")


def _line(value: str) -> str:
    _normalised(value)
    bad = _NOT_IN_LINE.search(value)
    if bad:
        raise ValueError(f"expected one line of visible text, found U+{ord(bad.group()):04X}")
    return value


def _paragraphs(value: str) -> str:
    _normalised(value)
    bad = _NOT_IN_TEXT.search(value)
    if bad:
        raise ValueError(
            f"expected visible text (newlines and tabs allowed), found U+{ord(bad.group()):04X}"
        )
    return value


Ref = Annotated[str, Field(pattern=REF_PATTERN, max_length=64)]
Language = Annotated[str, Field(pattern=LANGUAGE_PATTERN)]
# The descriptions are documentation and the JSON Schema's (``jointzone act schema``, the act
# templates) at once, so the two cannot drift apart.
Line = Annotated[
    str,
    Field(min_length=1, max_length=200, description="A name or label: one line."),
    AfterValidator(_line),
]
Title = Annotated[
    str,
    Field(min_length=1, max_length=300, description="A title: one line."),
    AfterValidator(_line),
]
Paragraphs = Annotated[
    str,
    Field(min_length=1, max_length=8000, description="Free text: paragraphs."),
    AfterValidator(_paragraphs),
]
ScriptNames = Annotated[
    dict[Language, Line],
    Field(
        min_length=1,
        description="Names as written in each script given: BCP 47 tag (ja, ja-Latn, ru) -> name.",
        examples=[{"ja": "例", "en": "Example"}],
    ),
]
Titles = Annotated[
    dict[Language, Title],
    Field(
        min_length=1,
        description="A title in each regime language (which languages, the regime decides).",
        examples=[{"ja": "例", "ru": "Пример", "en": "Example"}],
    ),
]
Texts = Annotated[
    dict[Language, Paragraphs],
    Field(
        min_length=1,
        description="Free text in one or more regime languages.",
        examples=[{"ja": "例", "ru": "Пример", "en": "Example"}],
    ),
]


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{v!r} is listed more than once")
        seen.add(v)
    return values


Refs = Annotated[
    tuple[Ref, ...],
    Strict(False),
    AfterValidator(_unique),
    Field(description="Distinct refs, in the order given."),
]

# -- dates and times ------------------------------------------------------------------------------

_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INSTANT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


def _day(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"expected a date, got a date and time {value.isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date 'YYYY-MM-DD', got {short(value)}")


def instant(value: object) -> datetime:
    """An aware datetime in UTC with whole seconds, from itself or 'YYYY-MM-DDTHH:MM:SSZ'."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"expected an aware time, got naive {value.isoformat()}")
        if value.microsecond:
            raise ValueError(f"expected whole seconds, got {value.isoformat()}")
        return value.astimezone(UTC)
    if isinstance(value, str) and _INSTANT.match(value):
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            pass
    raise ValueError(f"expected a UTC time 'YYYY-MM-DDTHH:MM:SSZ', got {short(value)}")


def instant_text(value: datetime) -> str:
    """'YYYY-MM-DDTHH:MM:SSZ' (strftime's %Y is not zero-padded on every platform)."""
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def days_as_moments(first: date, last: date) -> tuple[datetime, datetime]:
    """The moments the days ``first`` to ``last`` (both included) cover, end excluded, as a
    validity is: calendar days are UTC days, so they compare with validity like with like."""
    begins = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return begins, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)


# pydantic would describe these by their Python types; the schemas say what the data holds.
Day = Annotated[
    date,
    BeforeValidator(_day),
    PlainSerializer(date.isoformat, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": _DAY.pattern,
            "examples": ["2019-10-01", "2019-12-31"],
        }
    ),
]
Instant = Annotated[
    datetime,
    BeforeValidator(instant),
    PlainSerializer(instant_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": _INSTANT.pattern,
            "description": "A time in UTC, in whole seconds.",
            "examples": ["2019-10-27T00:00:00Z", "2019-11-03T00:00:00Z"],
        }
    ),
]

# Validity is half-open, so one validity ending where the next begins leaves no gap and no
# overlap, and "valid through the 2nd" is "valid to the 3rd at midnight".
ValidFrom = Annotated[Instant, Field(description="The moment validity begins (included).")]
ValidTo = Annotated[Instant, Field(description="The moment validity ends (excluded).")]


def check_validity(valid_from: datetime, valid_to: datetime) -> None:
    """Refuse a validity that ends before it begins, or as it begins (it would hold no moment)."""
    if valid_to <= valid_from:
        raise ProblemsError(
            [
                f"valid_to: expected after valid_from {instant_text(valid_from)}, "
                f"found {instant_text(valid_to)}"
            ]
        )


# -- decimals and points --------------------------------------------------------------------------

_DECIMAL = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$")


def decimal_text(value: Decimal) -> str:
    """The canonical decimal string: no exponent, no trailing zeros, no '-0'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_decimal(value: object) -> Decimal:
    """A finite Decimal from a decimal string (the data form) or a Decimal; never a float."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"expected a finite decimal, got {value}")
        return value
    if isinstance(value, str) and _DECIMAL.match(value) and len(value) <= 40:
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
            pass
    if isinstance(value, float):
        raise ValueError(f"expected a decimal string such as '12.5', got the float {value!r}")
    raise ValueError(f"expected a decimal string such as '12.5', got {short(value)}")


def decimal_places(value: Decimal) -> int:
    """Digits after the point, not counting trailing zeros."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


COORDINATE_PLACES = 7  # about a centimetre; more would be noise, and every digit is signed


def _point(value: object) -> tuple[Decimal, Decimal]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"expected [longitude, latitude] as decimal strings, got {short(value)}")
    lon, lat = (to_decimal(v) for v in value)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"[{lon}, {lat}] is not a [longitude, latitude] pair")
    if max(decimal_places(lon), decimal_places(lat)) > COORDINATE_PLACES:
        raise ValueError(f"expected at most {COORDINATE_PLACES} decimal places, got {short(value)}")
    return (lon, lat)


def _point_data(value: tuple[Decimal, Decimal]) -> list[str]:
    return [decimal_text(value[0]), decimal_text(value[1])]


Point = Annotated[
    tuple[Decimal, Decimal],
    BeforeValidator(_point),
    PlainSerializer(_point_data, return_type=list[str]),
    WithJsonSchema(
        {
            "type": "array",
            "prefixItems": [
                {
                    "type": "string",
                    "pattern": _DECIMAL.pattern,
                    "description": "a decimal string such as '146.75'",
                }
            ]
            * 2,
            "items": False,
            "minItems": 2,
            "description": "(longitude, latitude) in degrees (WGS 84, GeoJSON order), as two "
            f"decimal strings with at most {COORDINATE_PLACES} digits after the point.",
            "examples": [["146.75", "43.8"]],
        }
    ),
]

# -- keys -----------------------------------------------------------------------------------------

_B64URL_KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _usable_point(raw: bytes) -> bytes:
    """``raw`` if it is a key someone can hold: a canonical point of the curve's main subgroup.

    A small-order or off-curve "key" is one nobody holds the secret of; some verifiers (OpenSSL,
    Go) accept signatures anyone can forge for it, and libsodium, which ours use, none: either
    way it has no place in the record.
    """
    if not crypto_core_ed25519_is_valid_point(raw):
        raise ValueError(
            "not a usable Ed25519 public key: of small order, off the curve, or not canonical"
        )
    return raw


def _public_key(value: object) -> bytes:
    if isinstance(value, bytes):
        if len(value) != 32:
            raise ValueError(f"expected a 32-byte Ed25519 public key, got {len(value)} bytes")
        return _usable_point(value)
    if isinstance(value, str) and _B64URL_KEY.match(value):
        raw = base64.urlsafe_b64decode(value + "=")
        if b64url(raw) == value:
            return _usable_point(raw)
    raise ValueError(
        f"expected an Ed25519 public key as 43 characters of unpadded base64url, got {short(value)}"
    )


PublicKey = Annotated[
    bytes,
    BeforeValidator(_public_key),
    PlainSerializer(b64url, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _B64URL_KEY.pattern,
            "contentEncoding": "base64url",
            "description": "A raw Ed25519 public key: its 32 bytes in unpadded base64url.",
            "examples": ["A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"],
        }
    ),
]

_NOTE_HASH = re.compile(r"^[0-9a-f]{8}$")


def _note_verifier(value: str) -> str:
    """A C2SP signed-note verifier key ``<name>+<hash>+<keydata>`` for an Ed25519 key."""
    parts = value.split("+", 2)  # base64 key data may itself contain '+'
    if len(parts) != 3:
        raise ValueError(f"expected '<name>+<hash>+<key>', got {short(value)}")
    name, key_hash, key_b64 = parts
    if not name or any(c.isspace() for c in name) or not name.isprintable():
        raise ValueError(f"verifier name must be printable without spaces, got {short(name)}")
    if not _NOTE_HASH.match(key_hash):
        raise ValueError(
            f"verifier key hash must be 8 lower-case hex digits, got {short(key_hash)}"
        )
    try:
        key = base64.b64decode(key_b64, validate=True)
    except binascii.Error:
        raise ValueError(f"verifier key data is not standard base64: {short(key_b64)}") from None
    if len(key) != 33 or key[0] != 0x01:
        raise ValueError("verifier key data must be 0x01 (Ed25519) followed by 32 key bytes")
    expected = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex()
    if key_hash != expected:
        raise ValueError(
            f"verifier key hash {key_hash} does not match its name and key ({expected})"
        )
    _usable_point(key[1:])
    return value


# For schemas only: the key whose Ed25519 seed is the bytes 00..1f, which anyone can derive.
_EXAMPLE_VERIFIER = (
    "jointzone.example/seed-regime/japan+d3ee844c+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
)
NoteVerifier = Annotated[
    str,
    Field(
        max_length=300,
        description="A C2SP signed-note verifier key for Ed25519: <name>+<hash>+<base64 key>.",
        examples=[_EXAMPLE_VERIFIER],
    ),
    AfterValidator(_note_verifier),
]

# -- plain data -----------------------------------------------------------------------------------

_MAX_DEPTH = 16


def _plain_problems(value: object, at: str, depth: int, found: list[str]) -> None:
    if len(found) >= 10:
        return
    if isinstance(value, str | bool | int):
        return
    if depth > _MAX_DEPTH:
        found.append(f"{at}: nested deeper than {_MAX_DEPTH} levels")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _plain_problems(v, f"{at}[{i}]", depth + 1, found)
    elif isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                found.append(f"{at}: expected str keys, got {short(k)}")
            else:
                _plain_problems(v, f"{at}.{k}" if at else k, depth + 1, found)
    else:
        kind = "a float" if isinstance(value, float) else type(value).__name__
        found.append(f"{at}: expected str, int, bool, list or dict, got {kind} {short(value)}")


def _plain(value: object) -> object:
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping, got {short(value)}")
    found: list[str] = []
    _plain_problems(value, "", 0, found)
    if found:
        raise ProblemsError(found)
    # A copy: the act is frozen, and must not change when the caller's data does.
    return copy.deepcopy(value)


PlainData = Annotated[
    dict[str, Any],
    BeforeValidator(_plain),
    Field(
        description="Content such as a regime's: str, int, bool, list and str-keyed dict only, "
        "no floats, no None."
    ),
]

# -- models ---------------------------------------------------------------------------------------


class ActModel(BaseModel):
    """Base of acts and their parts: immutable, no unknown keys, no type coercion."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class PlaceRef(ActModel):
    """A place of the gazetteer, by ref: the one form every act names a place in."""

    place: Ref


class Site(PlaceRef):
    """A place, and optionally a point that lies in it: where something is or happened."""

    point: Point | None = None


def _distinct_places(values: tuple[PlaceRef, ...]) -> tuple[PlaceRef, ...]:
    _unique(tuple(v.place for v in values))
    return values


PlaceRefs = Annotated[
    tuple[PlaceRef, ...],
    Strict(False),
    AfterValidator(_distinct_places),
    Field(description="Distinct places, in the order given."),
]


class Act(ActModel):
    """One administrative act. Subclasses set ``TYPE`` and list their free-text fields.

    An act is pure content: who signed it, when and at which log position are the entry's, and
    :func:`~jointzone.acts.apply` takes them separately.
    """

    TYPE: ClassVar[str]
    #: Fields whose strings are free text, for the neutrality gate (see :meth:`free_text`).
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ()

    def to_data(self) -> dict[str, Any]:
        """The act as plain, canonical data (see the module docstring), ``type`` included."""
        return {"type": self.TYPE, **self.model_dump(mode="json")}

    def free_text(self) -> dict[str, str]:
        """Every free-text string by key path (``title.ja``, ``conditions[0].ru``)."""
        out: dict[str, str] = {}
        for name in self.TEXT_FIELDS:
            out.update(_flatten(getattr(self, name), name))
        return out

    @property
    def own_party(self) -> str | None:
        """The party whose root keys consent under an ``own-party-root`` policy, if any."""
        return None


def _flatten(value: object, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{at}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{at}[{i}]")
