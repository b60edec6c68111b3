"""Participant certificates: signed by every party, carried as a QR code, verified offline.

CWT claims (RFC 8392) in a COSE_Sign (RFC 9052) with one Ed25519 signature per party, deterministic
CBOR, zlib, Base45 (RFC 9285), a ``JZ1:`` prefix and a QR code at error level Q — the EU Digital
COVID Certificate's pattern, with every party signing. Pure: data in, data out, no I/O.
"""

from jointzone.credentials._base45 import b45decode, b45encode
from jointzone.credentials._certificate import (
    CERTIFICATE_AAD,
    CERTIFICATE_KID_SIZE,
    MAX_TEXT_LENGTH,
    PREFIX,
    QR_ERROR_LEVEL,
    Certificate,
    decode_text,
    encode_text,
    sign_certificate,
)
from jointzone.credentials._claims import (
    JZ_CLAIM,
    REVOCATION_HASH_SIZE,
    SCRIPTS,
    CertificateClaims,
    ParticipantName,
    revocation_hash,
)
from jointzone.credentials._issue import certificate_claims, names_by_script, script_of
from jointzone.credentials._qr import read_qr
from jointzone.credentials._trust import PartyKeys, Revocation, TrustBundle
from jointzone.credentials._verify import (
    DEFAULT_CLOCK_SKEW,
    Check,
    CheckStatus,
    Report,
    Verdict,
    verify_certificate,
    verify_certificate_image,
)
from jointzone.credentials.errors import (
    Base45Error,
    ClaimsError,
    CoseStructureError,
    CredentialError,
    DecodeError,
    InvalidClaimsError,
    NotCborError,
    PrefixError,
    QrReadError,
    ZlibError,
)

__all__ = [
    "CERTIFICATE_AAD",
    "CERTIFICATE_KID_SIZE",
    "DEFAULT_CLOCK_SKEW",
    "JZ_CLAIM",
    "MAX_TEXT_LENGTH",
    "PREFIX",
    "QR_ERROR_LEVEL",
    "REVOCATION_HASH_SIZE",
    "SCRIPTS",
    "Base45Error",
    "Certificate",
    "CertificateClaims",
    "Check",
    "CheckStatus",
    "ClaimsError",
    "CoseStructureError",
    "CredentialError",
    "DecodeError",
    "InvalidClaimsError",
    "NotCborError",
    "ParticipantName",
    "PartyKeys",
    "PrefixError",
    "QrReadError",
    "Report",
    "Revocation",
    "TrustBundle",
    "Verdict",
    "ZlibError",
    "b45decode",
    "b45encode",
    "certificate_claims",
    "decode_text",
    "encode_text",
    "names_by_script",
    "read_qr",
    "revocation_hash",
    "script_of",
    "sign_certificate",
    "verify_certificate",
    "verify_certificate_image",
]
