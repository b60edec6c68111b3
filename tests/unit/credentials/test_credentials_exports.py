"""The credentials package's public names are a deliberate list, and it stays pure."""

import subprocess
import sys

import jointzone.credentials


def test_exported_members() -> None:
    assert set(jointzone.credentials.__all__) == {
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
    }
    for name in jointzone.credentials.__all__:
        assert getattr(jointzone.credentials, name) is not None


def test_cose_and_credentials_import_no_other_jointzone_package() -> None:
    # Pure packages: data in, data out. A fresh interpreter shows what importing them pulls in.
    code = (
        "import sys, jointzone.credentials, jointzone.cose; "
        "print(' '.join(sorted({m.split('.')[1] for m in sys.modules "
        "if m.startswith('jointzone.')})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # inputs holds the image limits, ed25519 the one signature check; neither imports anything
    # of the project.
    assert out.stdout.split() == ["cose", "credentials", "ed25519", "inputs"]
