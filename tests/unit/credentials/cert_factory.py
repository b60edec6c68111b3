"""Certificates for the credentials tests: two parties' keys, realistic participants, a bundle.

Keys come from fixed seeds so a failing test shows the same bytes every run. Place, project and
category are numbers, as the QR budget asks (see ``jointzone.credentials._claims``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cose import CoseSigner
from jointzone.credentials import (
    CERTIFICATE_KID_SIZE,
    Certificate,
    CertificateClaims,
    ParticipantName,
    PartyKeys,
    TrustBundle,
    sign_certificate,
)

ISSUER = "jz-seed"
NOT_BEFORE = datetime(2019, 10, 27, tzinfo=UTC)
EXPIRES = datetime(2019, 11, 3, tzinfo=UTC)
ISSUED_AT = datetime(2019, 10, 20, 9, 30, tzinfo=UTC)
DURING = datetime(2019, 10, 30, 12, tzinfo=UTC)


def signer(seed: int) -> CoseSigner:
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return CoseSigner.from_private_key(key, kid_size=CERTIFICATE_KID_SIZE)


JAPAN = signer(1)
RUSSIA = signer(2)
OUTSIDER = signer(3)

JAPANESE_NAMES = (ParticipantName("Latn", "SATO Hanako"), ParticipantName("Jpan", "佐藤 花子"))
RUSSIAN_NAMES = (
    ParticipantName("Cyrl", "Иванова Мария"),
    ParticipantName("Latn", "IVANOVA Mariia"),
)
# Nemuro -> Furukamappu/Yuzhno-Kurilsk -> Etorofu/Iturup, as numbers of the seed gazetteer.
PLACES = (2, 1, 11)
PROJECT = 17
CATEGORY = 3  # tours suited to the islands' features


def claims(
    *,
    names: tuple[ParticipantName, ...] = JAPANESE_NAMES,
    party: str = "japan",
    certificate_id: bytes = b"\x01\x02\x03\x04\x05\x06\x07\x08",
    issuer: str = ISSUER,
    not_before: datetime = NOT_BEFORE,
    expires: datetime = EXPIRES,
) -> CertificateClaims:
    return CertificateClaims(
        certificate_id=certificate_id,
        issuer=issuer,
        names=names,
        party=party,
        project=PROJECT,
        category=CATEGORY,
        places=PLACES,
        not_before=not_before,
        expires=expires,
        issued_at=ISSUED_AT,
    )


def certificate(
    the_claims: CertificateClaims | None = None,
    signers: tuple[CoseSigner, ...] = (JAPAN, RUSSIA),
) -> Certificate:
    return sign_certificate(the_claims or claims(), signers)


def russian_certificate() -> Certificate:
    return certificate(claims(names=RUSSIAN_NAMES, party="russia", certificate_id=b"\x09" * 8))


def trust(
    *, revoked: frozenset[bytes] = frozenset(), issued_at: datetime | None = None
) -> TrustBundle:
    return TrustBundle(
        issuer=ISSUER,
        parties=(
            PartyKeys("japan", {JAPAN.kid: JAPAN.public_key}),
            PartyKeys("russia", {RUSSIA.kid: RUSSIA.public_key}),
        ),
        issued_at=issued_at or DURING - timedelta(days=3),
        revoked=revoked,
    )
