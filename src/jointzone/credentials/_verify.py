"""Offline verification of a participant certificate, one check per line, like DCC verifier apps.

Every check runs even after one fails, so an officer sees every reason at once; the verdict is
VALID only when nothing failed. A certificate without the signature of every party in the trust
bundle is never valid: consent is every party's, and one party's signature alone is one party's
act of authority, which is what the special system exists to avoid.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jointzone.cose import SignatureCheck, SignatureStatus, verify_signatures
from jointzone.credentials._certificate import (
    CERTIFICATE_AAD,
    PREFIX,
    Certificate,
    decode_text,
)
from jointzone.credentials._claims import revocation_hash
from jointzone.credentials._qr import read_qr
from jointzone.credentials._trust import TrustBundle
from jointzone.credentials.errors import (
    Base45Error,
    ClaimsError,
    CoseStructureError,
    DecodeError,
    NotCborError,
    PrefixError,
    QrReadError,
    ZlibError,
)

#: Tolerance for the verifier's clock against the issuers' when judging the validity period.
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)

_PREFIX_BYTES = PREFIX.encode("ascii")

_LAYER = {
    PrefixError: "wrong prefix",
    Base45Error: "bad Base45",
    ZlibError: "broken zlib",
    NotCborError: "not CBOR",
    CoseStructureError: "wrong COSE structure",
    ClaimsError: "bad claims",
}


class CheckStatus(enum.Enum):
    PASS = "PASS"  # noqa: S105 - a status word, not a password
    FAIL = "FAIL"
    SKIP = "SKIP"
    INFO = "INFO"
    STALE = "STALE"  # a trust bundle too old, or dated ahead: nothing verifies against it


@dataclass(frozen=True)
class Check:
    """One line of a report: what was checked, how it came out, and a sentence saying why."""

    name: str
    status: CheckStatus
    message: str

    def line(self) -> str:
        return f"{self.status.value} {self.name}: {self.message}"


class Verdict(enum.Enum):
    VALID = "VALID"
    INVALID = "INVALID"


@dataclass(frozen=True)
class Report:
    """The checks in order, the certificate if it decoded (to show its claims), and a verdict."""

    checks: tuple[Check, ...]
    certificate: Certificate | None

    @property
    def verdict(self) -> Verdict:
        if self.certificate is None or any(
            c.status in (CheckStatus.FAIL, CheckStatus.STALE) for c in self.checks
        ):
            return Verdict.INVALID
        return Verdict.VALID

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID

    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is CheckStatus.FAIL)

    def lines(self) -> tuple[str, ...]:
        return (*(c.line() for c in self.checks), f"verdict: {self.verdict.value}")

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _when(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second (``moment`` is UTC and whole seconds)."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _duration(span: timedelta) -> str:
    """A span at the precision an officer needs: "3 d 4 h", "2 h 5 min", "5 min", "12 s"."""
    seconds = int(abs(span).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


def _signature_name(party: str) -> str:
    return f"signature of {party}"


def _bundle_check(trust: TrustBundle, now: datetime) -> Check:
    """The bundle's age: STALE past its maximum age, or dated ahead of now beyond the skew."""
    age = trust.age(now)
    when = f"{_duration(age)} old" if age >= timedelta(0) else f"{_duration(age)} in the future"
    keys = len(trust.keys)
    made = (
        f"made {_when(trust.issued_at)}, {when}; {len(trust.parties)} parties, {keys} keys, "
        f"{len(trust.revoked)} revoked certificate(s)"
    )
    if age > trust.max_age:
        return Check(
            "trust bundle",
            CheckStatus.STALE,
            f"{made}: older than the {_duration(trust.max_age)} a bundle may be; get a fresh one",
        )
    if -age > trust.skew:
        return Check(
            "trust bundle",
            CheckStatus.STALE,
            f"{made}: dated after now by more than the {_duration(trust.skew)} clock skew; "
            "check this device's clock",
        )
    return Check("trust bundle", CheckStatus.INFO, made)


def _not_checked(trust: TrustBundle, now: datetime, why: str) -> tuple[Check, ...]:
    return (
        Check("issuer", CheckStatus.SKIP, why),
        *(Check(_signature_name(p.party), CheckStatus.SKIP, why) for p in trust.parties),
        Check("validity", CheckStatus.SKIP, why),
        Check("revocation", CheckStatus.SKIP, why),
        _bundle_check(trust, now),
    )


def _signature_checks(certificate: Certificate, trust: TrustBundle) -> list[Check]:
    results = verify_signatures(certificate.message, trust.keys, external_aad=CERTIFICATE_AAD)
    by_party: dict[str, list[SignatureCheck]] = {}
    checks = []
    for result in results:
        party = trust.party_of(result.kid) if result.kid is not None else None
        if party is None:
            kid = result.kid.hex() if result.kid is not None else "(none)"
            checks.append(
                Check(
                    f"signature {result.index}",
                    CheckStatus.FAIL,
                    f"unknown signer: kid {kid} is not a certificate-signing key of any party "
                    "in the trust bundle",
                )
            )
        else:
            by_party.setdefault(party, []).append(result)
    party_checks = []
    for p in trust.parties:
        mine = by_party.get(p.party, [])
        name = _signature_name(p.party)
        if not mine:
            party_checks.append(
                Check(
                    name,
                    CheckStatus.FAIL,
                    f"missing: no signature by a key of {p.party}; a certificate is valid only "
                    "with every party's signature",
                )
            )
        elif len(mine) > 1:
            kids = ", ".join(r.kid.hex() for r in mine if r.kid is not None)
            party_checks.append(
                Check(name, CheckStatus.FAIL, f"expected one signature, found {len(mine)} ({kids})")
            )
        else:
            party_checks.append(_one_signature(name, mine[0], certificate, trust))
    return party_checks + checks


def _one_signature(
    name: str, result: SignatureCheck, certificate: Certificate, trust: TrustBundle
) -> Check:
    """A party's one signature: its algorithm, then whether its key was declared compromised
    (then no certificate it signed is valid), the signature, and whether the key was retired
    before the certificate was issued (a retired key's certificates stay valid until they
    expire, and it signs no new one)."""
    kid = result.kid
    assert kid is not None  # a signature of a party names one of its kids
    if result.status is SignatureStatus.UNSUPPORTED_ALGORITHM:
        return Check(name, CheckStatus.FAIL, f"{result.status.value}: {result.message}")
    compromised = trust.compromised_at(kid)
    if compromised is not None:
        return Check(
            name,
            CheckStatus.FAIL,
            f"key compromised: kid {kid.hex()} was declared compromised at "
            f"{_when(compromised)}; no certificate it signed is valid",
        )
    if not result.valid:
        return Check(name, CheckStatus.FAIL, f"{result.status.value}: {result.message}")
    retired = trust.retired_at(kid)
    issued = certificate.claims.issued_at
    if retired is None:
        return Check(name, CheckStatus.PASS, result.message)
    if issued > retired:
        return Check(
            name,
            CheckStatus.FAIL,
            f"key retired: kid {kid.hex()} was retired at {_when(retired)}, before the "
            f"certificate was issued ({_when(issued)}); a retired key signs no new certificate",
        )
    return Check(
        name,
        CheckStatus.PASS,
        f"{result.message}; the key was retired at {_when(retired)}, after the certificate was "
        "issued: it stays valid until it expires",
    )


def _validity_check(certificate: Certificate, now: datetime, skew: timedelta) -> Check:
    claims = certificate.claims
    span = f"{_when(claims.not_before)} to {_when(claims.expires)} (UTC)"
    if now < claims.not_before - skew:
        return Check(
            "validity",
            CheckStatus.FAIL,
            f"not yet valid: valid from {span}; now is {_when(now)}, "
            f"{_duration(claims.not_before - now)} early, beyond the {_duration(skew)} clock skew",
        )
    if now >= claims.expires + skew:
        return Check(
            "validity",
            CheckStatus.FAIL,
            f"expired: valid from {span}; now is {_when(now)}, "
            f"{_duration(now - claims.expires)} late, beyond the {_duration(skew)} clock skew",
        )
    return Check(
        "validity",
        CheckStatus.PASS,
        f"valid from {span}; now is {_when(now)}, clock skew {_duration(skew)}",
    )


def _revocation_check(certificate: Certificate, trust: TrustBundle) -> Check:
    digest = revocation_hash(certificate.claims.certificate_id)
    if digest in trust.revoked:
        recorded = trust.revocations.get(digest)
        why = (
            f" since {_when(recorded.revoked_at)}, reason: {recorded.reason}"
            if recorded is not None
            else ""
        )
        return Check(
            "revocation",
            CheckStatus.FAIL,
            f"revoked{why} (hash {digest.hex()} of the certificate id is on the revocation list)",
        )
    return Check(
        "revocation",
        CheckStatus.PASS,
        f"not on the revocation list ({len(trust.revoked)} entries)",
    )


def _check_arguments(now: datetime, clock_skew: timedelta) -> datetime:
    """``now`` in UTC, which every line of the report speaks."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValueError(f"now: expected a timezone-aware datetime, found {now!r}")
    if clock_skew < timedelta(0):
        raise ValueError(f"clock_skew: expected zero or more, found {clock_skew}")
    return now.astimezone(UTC)


def verify_certificate(
    certificate: str | bytes,
    trust: TrustBundle,
    *,
    now: datetime,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> Report:
    """Verify a certificate offline: ``JZ1:`` text (as read from its QR code, as str or bytes),
    or the COSE_Sign bytes themselves.

    Never raises for a bad certificate: every decoding failure is the report's first line. It
    raises ValueError only for a naive ``now`` or a negative ``clock_skew``, which are the
    caller's mistakes, not the certificate's.
    """
    now = _check_arguments(now, clock_skew)
    try:
        if isinstance(certificate, str):
            cose = decode_text(certificate)
            source = f"{PREFIX} text of {len(certificate)} characters"
        elif isinstance(certificate, bytes | bytearray | memoryview):
            raw = bytes(certificate)
            if raw.startswith(_PREFIX_BYTES):  # a QR payload read as bytes: JZ1 text all the same
                cose = decode_text(raw.decode("ascii", errors="replace"))
                source = f"{PREFIX} text of {len(raw)} characters"
            else:
                cose = raw
                source = "COSE bytes"
        else:
            raise PrefixError(
                f"expected {PREFIX} text or COSE bytes, found {type(certificate).__name__}"
            )
        decoded = Certificate.from_cose(cose)
    except DecodeError as e:
        layer = _LAYER.get(type(e), "undecodable")
        return Report(
            checks=(
                Check("decoding", CheckStatus.FAIL, f"{layer}: {e}"),
                *_not_checked(trust, now, "not checked: the certificate did not decode"),
            ),
            certificate=None,
        )
    claims = decoded.claims
    checks = [
        Check(
            "decoding",
            CheckStatus.PASS,
            f"{source} → COSE_Sign of {len(cose)} bytes with "
            f"{len(decoded.message.signatures)} signature(s); certificate id "
            f"{claims.certificate_id.hex()}",
        ),
        (
            Check("issuer", CheckStatus.PASS, f"issued under {claims.issuer!r}")
            if claims.issuer == trust.issuer
            else Check(
                "issuer",
                CheckStatus.FAIL,
                f"expected issuer {trust.issuer!r}, found {claims.issuer!r}",
            )
        ),
        *_signature_checks(decoded, trust),
        _validity_check(decoded, now, clock_skew),
        _revocation_check(decoded, trust),
        _bundle_check(trust, now),
    ]
    return Report(checks=tuple(checks), certificate=decoded)


def verify_certificate_image(
    image: bytes,
    trust: TrustBundle,
    *,
    now: datetime,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> Report:
    """Verify the certificate in a QR image file's bytes (PNG, JPEG...); see
    :func:`verify_certificate`. An unreadable image is the report's first line."""
    now = _check_arguments(now, clock_skew)
    try:
        text = read_qr(image)
    except QrReadError as e:
        return Report(
            checks=(
                Check("QR image", CheckStatus.FAIL, str(e)),
                Check("decoding", CheckStatus.SKIP, "not checked: no QR code was read"),
                *_not_checked(trust, now, "not checked: no QR code was read"),
            ),
            certificate=None,
        )
    report = verify_certificate(text, trust, now=now, clock_skew=clock_skew)
    qr = Check("QR image", CheckStatus.PASS, f"one QR code read, {len(text)} characters")
    return Report(checks=(qr, *report.checks), certificate=report.certificate)
