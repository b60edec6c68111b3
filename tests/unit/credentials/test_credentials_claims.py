"""Certificate claims: the CWT layout, the rules a certificate's claims follow, strict reading."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cert_factory import JAPANESE_NAMES, claims

from jointzone.cose import decode, encode_deterministic
from jointzone.credentials import (
    JZ_CLAIM,
    REVOCATION_HASH_SIZE,
    SCRIPTS,
    CertificateClaims,
    InvalidClaimsError,
    ParticipantName,
    revocation_hash,
)


def test_cwt_layout() -> None:
    cwt = claims().to_cwt()
    assert cwt == {
        1: "jz-seed",
        4: 1572739200,
        5: 1572134400,
        6: 1571563800,
        7: b"\x01\x02\x03\x04\x05\x06\x07\x08",
        -65537: [{215: "SATO Hanako", 413: "佐藤 花子"}, "japan", 17, 3, [2, 1, 11]],
    }
    assert JZ_CLAIM == -65537


def test_round_trip_through_cbor_keeps_names_in_canonical_order() -> None:
    given = claims(
        names=(ParticipantName("Jpan", "佐藤 花子"), ParticipantName("Latn", "SATO Hanako"))
    )
    assert [n.script for n in given.names] == ["Latn", "Jpan"]  # by ISO 15924 number
    decoded = CertificateClaims.from_cwt(decode(encode_deterministic(given.to_cwt())))
    assert decoded == given


def test_subject_and_text_refs_are_allowed() -> None:
    given = dataclasses.replace(
        claims(), subject="participant-0042", places=("kunashiri-kunashir", 3), project="p-17"
    )
    assert given.to_cwt()[2] == "participant-0042"
    assert CertificateClaims.from_cwt(decode(encode_deterministic(given.to_cwt()))) == given


def test_times_are_kept_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    given = claims(not_before=datetime(2019, 10, 27, 9, tzinfo=tokyo))
    assert given.not_before == datetime(2019, 10, 27, tzinfo=UTC)
    assert given.not_before.tzinfo is UTC


def test_revocation_hash_is_16_bytes_of_sha256() -> None:
    digest = revocation_hash(b"\x01\x02\x03\x04\x05\x06\x07\x08")
    assert len(digest) == REVOCATION_HASH_SIZE == 16
    assert digest.hex() == "66840dda154e8a113c31dd0ad32f7f3a"
    assert claims().revocation_hash == digest


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"certificate_id": b""}, "certificate id: expected 1 to 64 bytes"),
    ({"certificate_id": b"x" * 65}, "certificate id: expected 1 to 64 bytes"),
    ({"issuer": ""}, "issuer: expected non-empty text"),
    ({"issuer": " jz"}, "issuer: expected non-empty text without surrounding spaces"),
    ({"party": 7}, "party: expected non-empty text"),
    ({"subject": ""}, "subject: expected non-empty text"),
    ({"project": -1}, "project: expected a number from 0 to 4294967295 or a ref, found -1"),
    ({"category": True}, "category: expected non-empty text"),
    ({"names": ()}, "names: expected at least one ParticipantName"),
    (
        {"names": (*JAPANESE_NAMES, ParticipantName("Latn", "Hanako SATO"))},
        "expected one name per script",
    ),
    ({"places": ()}, "places: expected at least one permitted place"),
    ({"places": (1, 1)}, "places: expected each place once, found [1, 1]"),
    ({"places": ("",)}, "place: expected non-empty text"),
    (
        {"not_before": datetime(2019, 11, 3, tzinfo=UTC)},
        "validity: expected not_before before expires",
    ),
    ({"expires": datetime(2019, 10, 1, tzinfo=UTC)}, "expected not_before before expires"),
    ({"issued_at": datetime(2019, 12, 1, tzinfo=UTC)}, "issued_at: expected no later than expires"),
    ({"issued_at": datetime(2019, 10, 1)}, "issued_at: expected a timezone-aware datetime"),
    ({"issued_at": datetime(2019, 10, 1, 0, 0, 0, 5, tzinfo=UTC)}, "expected whole seconds"),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_invalid_claims(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidClaimsError) as caught:
        dataclasses.replace(claims(), **change)
    assert message in str(caught.value)


NAMES: list[tuple[str, str, str]] = [
    ("Latin", "SATO", "script: expected an ISO 15924 code of"),
    ("Xxxx", "SATO", "found 'Xxxx'"),
    ("Latn", "  ", "name in Latn: expected non-empty text"),
    ("Jpan", unicodedata.normalize("NFD", "ガ"), "name in Jpan: expected Unicode NFC"),
]


@pytest.mark.parametrize(("script", "name", "message"), NAMES)
def test_invalid_names(script: str, name: str, message: str) -> None:
    with pytest.raises(InvalidClaimsError, match=message):
        ParticipantName(script, name)


def test_script_table_is_iso_15924() -> None:
    assert (SCRIPTS["Latn"], SCRIPTS["Cyrl"], SCRIPTS["Jpan"], SCRIPTS["Hira"]) == (
        215,
        220,
        413,
        410,
    )
    assert len(set(SCRIPTS.values())) == len(SCRIPTS)


DROP = object()


def _cwt(top: dict[int, Any] | None = None, inner: dict[int, Any] | None = None) -> dict[int, Any]:
    """The factory's CWT map with claims (or private-claim elements) replaced, or removed where
    the new value is DROP."""
    cwt: dict[int, Any] = claims().to_cwt()
    private = list(cwt[JZ_CLAIM])
    for index, value in sorted((inner or {}).items(), reverse=True):
        if value is DROP:
            del private[index]
        else:
            private[index] = value
    cwt[JZ_CLAIM] = private
    for key, value in (top or {}).items():
        if value is DROP:
            del cwt[key]
        else:
            cwt[key] = value
    return cwt


MALFORMED: list[tuple[Any, str]] = [
    ([], "claims: expected a map, found list"),
    (_cwt({4: DROP}), "claims: missing claim(s) 4 (exp)"),
    (_cwt({7: DROP, 1: DROP}), "missing claim(s) 1 (iss), 7 (cti)"),
    (_cwt({8: b"x"}), "claims: unknown claim(s) ['8']; expected only"),
    (_cwt({JZ_CLAIM: DROP}), "missing claim(s) -65537"),
    (
        _cwt({JZ_CLAIM: {1: 2}}),
        "claim -65537: expected an array of 5 [names, party, project, category, places], "
        "found dict",
    ),
    (_cwt({JZ_CLAIM: [1]}), "found 1 elements"),
    (_cwt(inner={4: DROP}), "claim -65537: expected an array of 5"),
    (_cwt(inner={0: [[215, "SATO"]]}), "claim -65537[0] (names): expected a map of script to name"),
    (_cwt(inner={0: {999: "SATO"}}), "expected ISO 15924 script numbers"),
    (_cwt(inner={0: {"Latn": "SATO"}}), "found 'Latn'"),
    (
        _cwt(inner={4: 7}),
        "claim -65537[4] (places): expected an array of refs or numbers, found int",
    ),
    (_cwt(inner={1: None}), "party: expected non-empty text"),
    (_cwt({7: "id"}), "claim 7 (cti): expected a bstr, found str"),
    (_cwt({4: "2019"}), "claim 4 (exp): expected an integer NumericDate, found str"),
    (_cwt({5: -1}), "claim 5 (nbf): expected seconds from 1970 to 9999, found -1"),
    (_cwt({6: 2**40}), "claim 6 (iat): expected seconds from 1970 to 9999"),
    (_cwt({6: True}), "claim 6 (iat): expected an integer NumericDate, found bool"),
    (_cwt({1: 5}), "issuer: expected non-empty text"),
]


@pytest.mark.parametrize(("cwt", "message"), MALFORMED)
def test_malformed_cwt(cwt: Any, message: str) -> None:
    with pytest.raises(InvalidClaimsError) as caught:
        CertificateClaims.from_cwt(cwt)
    assert message in str(caught.value)
