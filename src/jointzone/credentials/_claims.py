"""The certificate's CWT claims set (RFC 8392): registered claims plus one private claim.

Registered claims carry what CWT already names: ``iss`` (1) the issuing regime, ``sub`` (2) the
participant's registry ref if given, ``exp`` (4), ``nbf`` (5), ``iat`` (6) as NumericDates (whole
seconds, UTC), and ``cti`` (7) the certificate id. Everything else sits in one private claim,
``-65537`` (the first key of the CWT private-use range, below -65536, RFC 8392 §9.1), an array
whose positions are fixed by this format (``JZ1``):

    -65537: [
      {script: name, ...},   0 names: the participant's name in each script given, keyed by the
                               script's ISO 15924 number (215 Latn, 220 Cyrl, 413 Jpan...)
      party,                 1 party of origin (the regime's party ref)
      project,               2 the project's ref or number: the purpose of travel
      category,              3 the project's category ref or number
      [place, ...],          4 permitted places (gazetteer refs or numbers)
    ]

Sizes decide this layout. A QR code of version 15 at level Q holds 281 bytes after Base45. Two
signatures with their headers and the COSE frame take 164 (with 4-byte kids), and zlib adds up to
11 on data this incompressible, which leaves about 106 bytes for these claims. So: one private
claim, costing its 5-byte key once; an array rather than a map inside it (5 bytes fewer); scripts
by number (2-3 bytes, not 5); project, category and places as small numbers where the regime
numbers them (2-3 bytes each, against 27 for ``furukamappu-yuzhno-kurilsk``). A later format that
needs more fields is a new prefix, not an optional element: verifiers refuse what they do not
know, so that no verifier ignores a restriction its issuers meant.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from jointzone.credentials.errors import InvalidClaimsError

# CWT claim keys (RFC 8392 §3.1).
ISS, SUB, EXP, NBF, IAT, CTI = 1, 2, 4, 5, 6, 7
#: The private claim that holds the certificate's own fields.
JZ_CLAIM = -65537
#: Positions in the private claim's array.
NAMES, PARTY, PROJECT, CATEGORY, PLACES = 0, 1, 2, 3, 4
_FIELDS = ("names", "party", "project", "category", "places")

_REQUIRED = frozenset({ISS, EXP, NBF, IAT, CTI, JZ_CLAIM})
_ALLOWED = _REQUIRED | {SUB}
_CLAIM_NAMES = {ISS: "iss", SUB: "sub", EXP: "exp", NBF: "nbf", IAT: "iat", CTI: "cti"}

#: ISO 15924 scripts a name may be written in: four-letter code -> number (the number is what
#: the certificate carries). Extend as regimes need; both columns come from the standard.
SCRIPTS: Mapping[str, int] = MappingProxyType(
    {
        "Arab": 160,
        "Armn": 230,
        "Beng": 325,
        "Cyrl": 220,
        "Deva": 315,
        "Geor": 240,
        "Grek": 200,
        "Hang": 286,
        "Hani": 500,
        "Hans": 501,
        "Hant": 502,
        "Hebr": 125,
        "Hira": 410,
        "Hrkt": 412,
        "Jpan": 413,
        "Kana": 411,
        "Kore": 287,
        "Latn": 215,
        "Mong": 145,
        "Thai": 352,
    }
)
_SCRIPT_OF_NUMBER = {number: code for code, number in SCRIPTS.items()}
#: 9999-12-31T23:59:59Z: NumericDates past it do not fit a ``datetime``.
_MAX_NUMERIC_DATE = 253_402_300_799
_MAX_ID_SIZE = 64


#: Bytes of SHA-256 kept in a revocation list entry, as DCC revocation lists do.
REVOCATION_HASH_SIZE = 16


def revocation_hash(certificate_id: bytes) -> bytes:
    """The revocation-list entry for a certificate id: the first 16 bytes of its SHA-256.

    Hashed, so a published revocation list names no certificate and so no person.
    """
    return hashlib.sha256(certificate_id).digest()[:REVOCATION_HASH_SIZE]


@dataclass(frozen=True)
class ParticipantName:
    """A participant's name as written in one script (ISO 15924 code: Latn, Cyrl, Jpan, Kana...;
    see :data:`SCRIPTS`).

    Names must be in Unicode NFC, so that one name has one byte sequence: otherwise two
    certificates for the same person could differ invisibly.
    """

    script: str
    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.script, str) or self.script not in SCRIPTS:
            raise InvalidClaimsError(
                f"script: expected an ISO 15924 code of {', '.join(sorted(SCRIPTS))}; "
                f"found {self.script!r:.40}"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidClaimsError(
                f"name in {self.script}: expected non-empty text, found {self.name!r:.40}"
            )
        if not unicodedata.is_normalized("NFC", self.name):
            raise InvalidClaimsError(
                f"name in {self.script}: expected Unicode NFC, found {self.name!r:.40} "
                "(normalize with unicodedata.normalize('NFC', name))"
            )


def _ref(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise InvalidClaimsError(
            f"{what}: expected non-empty text without surrounding spaces, found {value!r:.40}"
        )
    return value


#: A reference to a regime object: its ref (text) or, where QR space is short, its number.
Ref = int | str
_MAX_NUMBER = 0xFFFFFFFF


def _ref_or_number(value: object, what: str) -> Ref:
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= _MAX_NUMBER:
            raise InvalidClaimsError(
                f"{what}: expected a number from 0 to {_MAX_NUMBER} or a ref, found {value}"
            )
        return value
    return _ref(value, what)


def _utc_seconds(value: object, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidClaimsError(f"{what}: expected a timezone-aware datetime, found {value!r:.60}")
    if value.microsecond:
        raise InvalidClaimsError(
            f"{what}: expected whole seconds (CWT NumericDate), found {value.isoformat()}"
        )
    return value.astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class CertificateClaims:
    """What a participant certificate says; every party signs these claims as one payload."""

    certificate_id: bytes
    issuer: str
    names: tuple[ParticipantName, ...]
    party: str
    project: Ref
    category: Ref
    places: tuple[Ref, ...]
    not_before: datetime
    expires: datetime
    issued_at: datetime
    subject: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.certificate_id, bytes) or not (
            0 < len(self.certificate_id) <= _MAX_ID_SIZE
        ):
            raise InvalidClaimsError(
                f"certificate id: expected 1 to {_MAX_ID_SIZE} bytes, "
                f"found {self.certificate_id!r:.40}"
            )
        _ref(self.issuer, "issuer")
        if self.subject is not None:
            _ref(self.subject, "subject")
        _ref(self.party, "party")
        _ref_or_number(self.project, "project")
        _ref_or_number(self.category, "category")
        names = tuple(self.names)
        if not names or not all(isinstance(n, ParticipantName) for n in names):
            raise InvalidClaimsError(
                f"names: expected at least one ParticipantName, found {self.names!r:.60}"
            )
        scripts = [n.script for n in names]
        if len(set(scripts)) != len(scripts):
            raise InvalidClaimsError(
                f"names: expected one name per script, found scripts {scripts}"
            )
        places = tuple(self.places)
        if not places:
            raise InvalidClaimsError("places: expected at least one permitted place, found none")
        for place in places:
            _ref_or_number(place, "place")
        if len(set(places)) != len(places):
            raise InvalidClaimsError(f"places: expected each place once, found {list(places)}")
        # The CWT map orders names by script (deterministic CBOR); holding them in that order
        # makes decoded claims equal to the claims that were encoded.
        names = tuple(sorted(names, key=lambda n: SCRIPTS[n.script]))
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "places", places)
        for attr in ("not_before", "expires", "issued_at"):
            object.__setattr__(self, attr, _utc_seconds(getattr(self, attr), attr))
        if self.not_before >= self.expires:
            raise InvalidClaimsError(
                f"validity: expected not_before before expires, found "
                f"{self.not_before.isoformat()} .. {self.expires.isoformat()}"
            )
        if self.issued_at > self.expires:
            raise InvalidClaimsError(
                f"issued_at: expected no later than expires {self.expires.isoformat()}, "
                f"found {self.issued_at.isoformat()}"
            )

    @property
    def revocation_hash(self) -> bytes:
        return revocation_hash(self.certificate_id)

    def to_cwt(self) -> dict[int, Any]:
        """The claims as the CWT map that the COSE payload encodes."""
        claims: dict[int, Any] = {
            ISS: self.issuer,
            EXP: int(self.expires.timestamp()),
            NBF: int(self.not_before.timestamp()),
            IAT: int(self.issued_at.timestamp()),
            CTI: self.certificate_id,
            JZ_CLAIM: [
                {SCRIPTS[n.script]: n.name for n in self.names},
                self.party,
                self.project,
                self.category,
                list(self.places),
            ],
        }
        if self.subject is not None:
            claims[SUB] = self.subject
        return claims

    @classmethod
    def from_cwt(cls, claims: object) -> CertificateClaims:
        """Read a decoded CWT map, naming the claim at fault; raises :class:`InvalidClaimsError`.

        Unknown claims are refused rather than ignored: a verifier that skipped a claim it does
        not know could accept a certificate whose issuers meant to restrict it.
        """
        if not isinstance(claims, dict):
            raise InvalidClaimsError(f"claims: expected a map, found {type(claims).__name__}")
        _exact_keys(claims, _REQUIRED, _ALLOWED, "claims")
        inner = claims[JZ_CLAIM]
        if not isinstance(inner, list) or len(inner) != len(_FIELDS):
            found = f"{len(inner)} elements" if isinstance(inner, list) else type(inner).__name__
            raise InvalidClaimsError(
                f"claim {JZ_CLAIM}: expected an array of {len(_FIELDS)} "
                f"[{', '.join(_FIELDS)}], found {found}"
            )
        raw_names = inner[NAMES]
        if not isinstance(raw_names, dict):
            raise InvalidClaimsError(
                f"claim {JZ_CLAIM}[{NAMES}] (names): expected a map of script to name, "
                f"found {type(raw_names).__name__}"
            )
        raw_places = inner[PLACES]
        if not isinstance(raw_places, list):
            raise InvalidClaimsError(
                f"claim {JZ_CLAIM}[{PLACES}] (places): expected an array of refs or numbers, "
                f"found {type(raw_places).__name__}"
            )
        cti = claims[CTI]
        if not isinstance(cti, bytes):
            raise InvalidClaimsError(f"claim 7 (cti): expected a bstr, found {type(cti).__name__}")
        return cls(
            certificate_id=cti,
            issuer=claims[ISS],
            subject=claims.get(SUB),
            names=tuple(
                ParticipantName(script=_script_of(number), name=name)
                for number, name in raw_names.items()
            ),
            party=inner[PARTY],
            project=inner[PROJECT],
            category=inner[CATEGORY],
            places=tuple(raw_places),
            not_before=_numeric_date(claims[NBF], NBF),
            expires=_numeric_date(claims[EXP], EXP),
            issued_at=_numeric_date(claims[IAT], IAT),
        )


def _exact_keys(
    claims: dict[Any, Any], required: frozenset[int], allowed: frozenset[int], where: str
) -> None:
    missing = required - claims.keys()
    if missing:
        names = [
            f"{k} ({_CLAIM_NAMES[k]})" if k in _CLAIM_NAMES else str(k) for k in sorted(missing)
        ]
        raise InvalidClaimsError(f"{where}: missing claim(s) {', '.join(names)}")
    unknown = claims.keys() - allowed
    if unknown:
        raise InvalidClaimsError(
            f"{where}: unknown claim(s) {sorted(map(repr, unknown))}; "
            f"expected only {sorted(allowed)}"
        )


def _script_of(number: object) -> str:
    if isinstance(number, int) and number in _SCRIPT_OF_NUMBER:
        return _SCRIPT_OF_NUMBER[number]
    raise InvalidClaimsError(
        f"claim {JZ_CLAIM}[{NAMES}] (names): expected ISO 15924 script numbers "
        f"{sorted(_SCRIPT_OF_NUMBER)}, found {number!r:.40}"
    )


def _numeric_date(value: object, key: int) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidClaimsError(
            f"claim {key} ({_CLAIM_NAMES[key]}): expected an integer NumericDate, "
            f"found {type(value).__name__}"
        )
    if not 0 <= value <= _MAX_NUMERIC_DATE:
        raise InvalidClaimsError(
            f"claim {key} ({_CLAIM_NAMES[key]}): expected seconds from 1970 to 9999, found {value}"
        )
    return datetime.fromtimestamp(value, UTC)
