"""Offline verification: the report line by line, every bad input's message, every byte changed."""

from __future__ import annotations

import dataclasses
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cert_factory import (
    DURING,
    EXPIRES,
    ISSUED_AT,
    JAPAN,
    NOT_BEFORE,
    OUTSIDER,
    RUSSIA,
    certificate,
    claims,
    signer,
    trust,
)

from jointzone.cose import CoseSignature, SignedMessage
from jointzone.credentials import (
    DEFAULT_CLOCK_SKEW,
    PREFIX,
    Certificate,
    CheckStatus,
    DecodeError,
    PartyKeys,
    Report,
    Revocation,
    TrustBundle,
    Verdict,
    b45decode,
    b45encode,
    revocation_hash,
    sign_certificate,
    verify_certificate,
    verify_certificate_image,
)
from jointzone.credentials._base45 import ALPHABET

GOOD = certificate()
TEXT = GOOD.to_text()
COSE = GOOD.to_cose()


def _verify(data: str | bytes, **kwargs: object) -> Report:
    bundle = kwargs.pop("bundle", trust())
    assert isinstance(bundle, TrustBundle)
    now = kwargs.pop("now", DURING)
    assert isinstance(now, datetime)
    return verify_certificate(data, bundle, now=now)


def _line(report: Report, name: str) -> str:
    (check,) = [c for c in report.checks if c.name == name]
    return check.line()


def test_valid_certificate_report() -> None:
    report = _verify(TEXT)
    assert report.valid
    assert report.verdict is Verdict.VALID
    assert report.certificate == GOOD
    assert report.lines() == (
        f"PASS decoding: JZ1: text of {len(TEXT)} characters → COSE_Sign of {len(COSE)} bytes "
        "with 2 signature(s); certificate id 0102030405060708",
        "PASS issuer: issued under 'jz-seed'",
        f"PASS signature of japan: valid Ed25519 signature by kid {JAPAN.kid.hex()}",
        f"PASS signature of russia: valid Ed25519 signature by kid {RUSSIA.kid.hex()}",
        "PASS validity: valid from 2019-10-27T00:00:00Z to 2019-11-03T00:00:00Z (UTC); "
        "now is 2019-10-30T12:00:00Z, clock skew 5 min",
        "PASS revocation: not on the revocation list (0 entries)",
        "INFO trust bundle: made 2019-10-27T12:00:00Z, 3 d 0 h old; 2 parties, 2 keys, "
        "0 revoked certificate(s)",
        "verdict: VALID",
    )
    assert str(report).endswith("verdict: VALID")
    assert report.failures() == ()


def test_cose_bytes_and_text_as_bytes_verify_too() -> None:
    report = _verify(COSE)
    assert report.valid
    assert _line(report, "decoding").startswith("PASS decoding: COSE bytes → COSE_Sign")
    report = _verify(TEXT.encode("ascii"))
    assert report.valid
    assert _line(report, "decoding").startswith(f"PASS decoding: JZ1: text of {len(TEXT)} char")
    _undecodable(_verify(b"JZ1:\xff"), "bad Base45: character '\ufffd' at position 0")


def _fails(report: Report, name: str, message: str) -> None:
    assert report.verdict is Verdict.INVALID
    line = _line(report, name)
    assert line.startswith(f"FAIL {name}: "), line
    assert message in line, line


def _undecodable(report: Report, message: str) -> None:
    _fails(report, "decoding", message)
    assert report.certificate is None
    skipped = [c.name for c in report.checks if c.status is CheckStatus.SKIP]
    assert skipped == [
        "issuer",
        "signature of japan",
        "signature of russia",
        "validity",
        "revocation",
    ]


BAD_INPUTS: list[tuple[str | bytes, str]] = [
    ("HC1:" + TEXT[4:], "wrong prefix: expected text starting with 'JZ1:', found 'HC1:'"),
    (
        TEXT[:10] + "a" + TEXT[11:],
        "bad Base45: character 'a' at position 6 is not in the Base45 alphabet",
    ),
    (PREFIX + b45encode(zlib.compress(COSE)[:-1]), "broken zlib: zlib stream of"),
    (
        PREFIX + b45encode(zlib.compress(b"\x1c")),
        "not CBOR: not a deterministic CBOR certificate: reserved additional information 28",
    ),
    (
        PREFIX + b45encode(zlib.compress(b"\xd2" + COSE[2:])),
        "wrong COSE structure: expected a COSE_Sign message (CBOR tag 98), found tag 18",
    ),
    (PREFIX + b45encode(zlib.compress(COSE[:2] + b"\x83" + COSE[3:])), "not CBOR:"),
    (b"\xd8\x62\x80", "wrong COSE structure: COSE_Sign: expected an array of 4 elements"),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUTS)
def test_undecodable_inputs(data: str | bytes, message: str) -> None:
    _undecodable(_verify(data), message)


def test_neither_text_nor_bytes() -> None:
    report = verify_certificate(42, trust(), now=DURING)  # type: ignore[arg-type]
    _undecodable(report, "wrong prefix: expected JZ1: text or COSE bytes, found int")


def test_signer_with_unknown_kid() -> None:
    report = _verify(certificate(signers=(JAPAN, RUSSIA, OUTSIDER)).to_text())
    _fails(
        report,
        "signature 2",
        f"unknown signer: kid {OUTSIDER.kid.hex()} is not a certificate-signing key of any party",
    )
    assert _line(report, "signature of japan").startswith("PASS")


def test_missing_signature_is_never_valid() -> None:
    report = _verify(certificate(signers=(JAPAN,)).to_text())
    _fails(report, "signature of russia", "missing: no signature by a key of russia")
    assert [c.status for c in report.checks if c.status is CheckStatus.FAIL] == [CheckStatus.FAIL]


def test_two_signatures_of_one_party() -> None:
    second = signer(4)
    bundle = dataclasses.replace(
        trust(),
        parties=(
            PartyKeys("japan", {JAPAN.kid: JAPAN.public_key, second.kid: second.public_key}),
            PartyKeys("russia", {RUSSIA.kid: RUSSIA.public_key}),
        ),
    )
    report = _verify(certificate(signers=(JAPAN, second, RUSSIA)).to_text(), bundle=bundle)
    _fails(
        report,
        "signature of japan",
        f"expected one signature, found 2 ({JAPAN.kid.hex()}, {second.kid.hex()})",
    )


def _rotated(
    *, retired: datetime | None = None, compromised: datetime | None = None
) -> TrustBundle:
    """japan's key retired or declared compromised as given, beside a current key of japan's."""
    current = signer(4)
    return dataclasses.replace(
        trust(),
        parties=(
            PartyKeys(
                "japan",
                {JAPAN.kid: JAPAN.public_key, current.kid: current.public_key},
                retired={JAPAN.kid: retired} if retired else {},
                compromised={JAPAN.kid: compromised} if compromised else {},
            ),
            PartyKeys("russia", {RUSSIA.kid: RUSSIA.public_key}),
        ),
    )


def test_a_retired_keys_certificate_is_valid_until_it_expires() -> None:
    bundle = _rotated(retired=ISSUED_AT + timedelta(days=1))
    report = _verify(TEXT, bundle=bundle)
    assert report.valid, str(report)
    assert "the key was retired at 2019-10-21T09:30:00Z, after the certificate was issued" in (
        _line(report, "signature of japan")
    )
    assert _verify(TEXT, bundle=_rotated(retired=ISSUED_AT)).valid
    expired = _verify(TEXT, bundle=bundle, now=EXPIRES + timedelta(hours=1))
    _fails(expired, "validity", "expired")
    assert _line(expired, "signature of japan").startswith("PASS")


def test_a_retired_key_signs_no_new_certificate() -> None:
    report = _verify(TEXT, bundle=_rotated(retired=ISSUED_AT - timedelta(seconds=1)))
    _fails(
        report,
        "signature of japan",
        f"key retired: kid {JAPAN.kid.hex()} was retired at 2019-10-20T09:29:59Z, before the "
        "certificate was issued (2019-10-20T09:30:00Z)",
    )


def test_no_certificate_of_a_compromised_key_is_valid() -> None:
    # Declared compromised long after the certificate was issued, and retired too: refused.
    later = ISSUED_AT + timedelta(days=30)
    report = _verify(TEXT, bundle=_rotated(retired=later, compromised=later))
    _fails(
        report,
        "signature of japan",
        f"key compromised: kid {JAPAN.kid.hex()} was declared compromised at "
        "2019-11-19T09:30:00Z; no certificate it signed is valid",
    )
    assert [c.name for c in report.failures()] == ["signature of japan"]


def test_retirement_and_compromise_name_keys_of_the_party() -> None:
    when = datetime(2019, 10, 1, tzinfo=UTC)
    keys = {JAPAN.kid: JAPAN.public_key}
    with pytest.raises(ValueError, match=r"party japan, retired: kid .* is not one of its keys"):
        PartyKeys("japan", keys, retired={RUSSIA.kid: when})
    with pytest.raises(ValueError, match=r"party japan, compromised, kid .*: expected an aware"):
        PartyKeys("japan", keys, compromised={JAPAN.kid: datetime(2019, 10, 1)})
    bundle = _rotated(retired=when, compromised=when)
    assert bundle.retired_at(JAPAN.kid) == bundle.compromised_at(JAPAN.kid) == when
    assert bundle.retired_at(RUSSIA.kid) is None
    assert bundle.compromised_at(RUSSIA.kid) is None


def test_tampered_signature() -> None:
    sig = GOOD.message.signatures[1]
    broken = CoseSignature(protected=sig.protected, unprotected={}, signature=bytes(64))
    message = dataclasses.replace(GOOD.message, signatures=(GOOD.message.signatures[0], broken))
    report = _verify(message.to_bytes())
    _fails(
        report,
        "signature of russia",
        f"bad signature: Ed25519 signature by kid {RUSSIA.kid.hex()} does not verify",
    )


def test_tampered_claim_byte() -> None:
    payload = GOOD.message.payload.replace(b"SATO", b"SAT0")
    message = SignedMessage(
        protected=b"", unprotected={}, payload=payload, signatures=GOOD.message.signatures
    )
    report = _verify(message.to_bytes())
    _fails(report, "signature of japan", "bad signature")
    _fails(report, "signature of russia", "bad signature")


def test_wrong_issuer() -> None:
    report = _verify(certificate(claims(issuer="jz-other")).to_text())
    _fails(report, "issuer", "expected issuer 'jz-seed', found 'jz-other'")


def test_revoked() -> None:
    digest = revocation_hash(GOOD.claims.certificate_id)
    report = _verify(TEXT, bundle=trust(revoked=frozenset({digest})))
    _fails(
        report,
        "revocation",
        f"revoked (hash {digest.hex()} of the certificate id is on the revocation list)",
    )


def test_revoked_with_what_the_log_recorded() -> None:
    """An officer sees when and why a certificate was revoked, where the bundle recorded it."""
    digest = revocation_hash(GOOD.claims.certificate_id)
    recorded = Revocation(datetime(2019, 10, 2, 9, 30, tzinfo=UTC), "en: lost; ru: утерян")
    bundle = dataclasses.replace(trust(revoked=frozenset({digest})), revocations={digest: recorded})
    _fails(
        _verify(TEXT, bundle=bundle),
        "revocation",
        "revoked since 2019-10-02T09:30:00Z, reason: en: lost; ru: утерян (hash",
    )


def test_revocation_details_only_for_revoked_certificates() -> None:
    with pytest.raises(ValueError, match="not on the revocation list"):
        dataclasses.replace(
            trust(),
            revocations={b"\x01" * 16: Revocation(datetime(2019, 1, 1, tzinfo=UTC), "lost")},
        )


SKEW = DEFAULT_CLOCK_SKEW
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "outcome"),
    [
        (
            NOT_BEFORE - SKEW - SECOND,
            "FAIL validity: not yet valid: valid from 2019-10-27T00:00:00Z",
        ),
        (NOT_BEFORE - SKEW, "PASS validity"),
        (EXPIRES + SKEW - SECOND, "PASS validity"),
        (EXPIRES + SKEW, "FAIL validity: expired: valid from"),
    ],
    ids=["before skew", "at nbf minus skew", "just inside exp plus skew", "at exp plus skew"],
)
def test_validity_with_clock_skew(now: datetime, outcome: str) -> None:
    assert _line(_verify(TEXT, now=now), "validity").startswith(outcome)


def test_expired_and_not_yet_valid_messages() -> None:
    late = _line(_verify(TEXT, now=EXPIRES + timedelta(days=2, hours=1)), "validity")
    assert "now is 2019-11-05T01:00:00Z, 2 d 1 h late, beyond the 5 min clock skew" in late
    early = _line(_verify(TEXT, now=NOT_BEFORE - timedelta(minutes=7, seconds=30)), "validity")
    assert "not yet valid" in early
    assert "7 min 30 s early" in early


def test_now_in_another_zone_is_reported_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    line = _line(_verify(TEXT, now=DURING.astimezone(tokyo)), "validity")
    assert "now is 2019-10-30T12:00:00Z" in line


def test_caller_mistakes_raise() -> None:
    with pytest.raises(ValueError, match="now: expected a timezone-aware datetime"):
        verify_certificate(TEXT, trust(), now=datetime(2019, 10, 30))
    with pytest.raises(ValueError, match="clock_skew: expected zero or more"):
        verify_certificate(TEXT, trust(), now=DURING, clock_skew=-SECOND)


def test_qr_image_verification() -> None:
    report = verify_certificate_image(GOOD.qr_png(), trust(), now=DURING)
    assert report.valid
    assert report.lines()[0] == f"PASS QR image: one QR code read, {len(TEXT)} characters"


def test_unreadable_image() -> None:
    report = verify_certificate_image(b"\x89PNG\r\n\x1a\nnot really", trust(), now=DURING)
    assert report.verdict is Verdict.INVALID
    assert report.lines()[0].startswith("FAIL QR image: unreadable image:")
    assert report.checks[1].line() == "SKIP decoding: not checked: no QR code was read"


def test_bundle_age_in_the_future_is_shown() -> None:
    report = _verify(TEXT, bundle=trust(issued_at=DURING + timedelta(hours=2)))
    assert "2 h 0 min in the future" in _line(report, "trust bundle")


def test_trust_bundle_rules() -> None:
    japan = PartyKeys("japan", {JAPAN.kid: JAPAN.public_key})
    when = datetime(2019, 10, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="expected each party once"):
        TrustBundle(issuer="jz", parties=(japan, japan), issued_at=when)
    with pytest.raises(ValueError, match=f"kid {JAPAN.kid.hex()} belongs to both japan and russia"):
        TrustBundle(
            issuer="jz",
            parties=(japan, PartyKeys("russia", {JAPAN.kid: RUSSIA.public_key})),
            issued_at=when,
        )
    with pytest.raises(ValueError, match="revoked: expected 16-byte hashes"):
        TrustBundle(issuer="jz", parties=(japan,), issued_at=when, revoked=frozenset({b"short"}))
    with pytest.raises(ValueError, match="issued_at: expected an aware datetime"):
        TrustBundle(issuer="jz", parties=(japan,), issued_at=datetime(2019, 10, 1))
    with pytest.raises(ValueError, match="parties: expected at least one party"):
        TrustBundle(issuer="jz", parties=(), issued_at=when)
    with pytest.raises(ValueError, match="party japan: expected at least one key"):
        PartyKeys("japan", {})
    with pytest.raises(TypeError, match="expected an Ed25519PublicKey, found bytes"):
        PartyKeys("japan", {b"k": b"not a key"})  # type: ignore[dict-item]
    bundle = trust()
    assert bundle.party_of(RUSSIA.kid) == "russia"
    assert bundle.party_of(OUTSIDER.kid) is None
    assert not bundle.is_revoked(GOOD.claims.certificate_id)


# -- every single-byte change fails ---------------------------------------------------------


def _signed_content(message: SignedMessage) -> tuple[bytes, ...]:
    """What the signatures cover and are: the payload, and each signature's header and bytes."""
    parts = [message.protected, message.payload]
    for sig in message.signatures:
        parts += [sig.protected, sig.signature]
    return tuple(parts)


def test_every_single_byte_change_of_the_cose_bytes_is_refused_or_changes_what_is_signed() -> None:
    # All 255 other values at every position. A change that still decodes must change something
    # a signature covers, or a signature itself: then Ed25519 fails it (checked fully below).
    # Deterministic CBOR and empty unprotected headers leave no other byte to change.
    original = _signed_content(GOOD.message)
    mutated = bytearray(COSE)
    for position in range(len(COSE)):
        for value in range(256):
            if value == COSE[position]:
                continue
            mutated[position] = value
            try:
                decoded = Certificate.from_cose(bytes(mutated))
            except DecodeError:
                continue
            assert _signed_content(decoded.message) != original, (position, value)
        mutated[position] = COSE[position]


@pytest.mark.parametrize("bit", range(8))
def test_every_byte_of_the_cose_bytes_with_a_bit_flipped_fails_verification(bit: int) -> None:
    # The full verifier at every position; all 255 values at every position would take 30 s.
    bundle = trust()
    for position in range(len(COSE)):
        mutated = bytearray(COSE)
        mutated[position] ^= 1 << bit
        report = verify_certificate(bytes(mutated), bundle, now=DURING)
        assert not report.valid, f"byte {position} with bit {bit} flipped still verifies"


def test_every_single_character_change_of_the_text_fails() -> None:
    bundle = trust()
    for position in range(len(PREFIX), len(TEXT)):
        for character in ALPHABET:
            if character == TEXT[position]:
                continue
            changed = TEXT[:position] + character + TEXT[position + 1 :]
            report = verify_certificate(changed, bundle, now=DURING)
            assert not report.valid, f"character {position} set to {character!r} still verifies"


def test_sign_certificate_round_trip_through_the_text_layers() -> None:
    raw = zlib.decompress(b45decode(TEXT[len(PREFIX) :]))
    assert raw == COSE
    assert sign_certificate(claims(), [JAPAN, RUSSIA]).to_text() == TEXT
