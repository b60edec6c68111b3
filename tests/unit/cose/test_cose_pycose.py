"""Interoperability with pycose, an independent COSE implementation, in both directions.

pycose 1.1 cannot decode a tagged message under cbor2 6 (which hands tag contents over as tuples
and frozendicts, where pycose checks for list and dict), so the test decodes the tag with cbor2
itself and gives pycose the untagged array, the way ``CoseMessage.decode`` would have. pycose still
parses the headers, builds the Sig_structure and checks each signature on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys.okp import OKPKey
from pycose.messages.signer import CoseSignature as PycoseSignature
from pycose.messages.signmessage import SignMessage

from jointzone.cose import (
    CoseSigner,
    SignatureStatus,
    SignedMessage,
    encode_deterministic,
    sign,
    verify_signatures,
)
from jointzone.credentials import (
    CERTIFICATE_AAD,
    CertificateClaims,
    ParticipantName,
    sign_certificate,
)

ALICE = CoseSigner.from_private_key(Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
BOB = CoseSigner.from_private_key(Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _plain(value: object) -> object:
    """cbor2 6's tuples and frozendicts as the lists and dicts pycose expects."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _pycose_verifies(data: bytes, signers: list[CoseSigner], external_aad: bytes) -> list[bool]:
    tagged = cbor2.loads(data)
    assert tagged.tag == 98
    # Any: pycose's annotations (read-only properties it does set) do not type-check as used.
    message: Any = SignMessage.from_cose_obj(_plain(tagged.value), True)
    results = []
    for theirs, ours in zip(message.signers, signers, strict=True):
        assert theirs.phdr[KID] == ours.kid
        assert theirs.phdr[Algorithm] is EdDSA
        theirs.external_aad = external_aad
        theirs.key = OKPKey(crv="Ed25519", x=_raw(ours.public_key))
        results.append(bool(theirs.verify_signature()))
    return results


def test_pycose_verifies_our_cose_sign() -> None:
    payload = encode_deterministic({"act": "approve", "project": 17})
    message = sign(payload, [ALICE], protected={3: "application/cbor"}, external_aad=b"origin")
    message = sign(payload, [BOB], existing=message, external_aad=b"origin")
    assert _pycose_verifies(message.to_bytes(), [ALICE, BOB], b"origin") == [True, True]
    # The same check fails where it must: pycose is not just saying yes.
    assert _pycose_verifies(message.to_bytes(), [ALICE, BOB], b"other") == [False, False]


def test_pycose_verifies_our_certificate() -> None:
    claims = CertificateClaims(
        certificate_id=b"\x00\x01\x02\x03\x04\x05\x06\x07",
        issuer="jz-seed",
        names=(ParticipantName("Latn", "SATO Hanako"), ParticipantName("Jpan", "佐藤 花子")),
        party="japan",
        project=17,
        category=3,
        places=(2, 1, 11),
        not_before=datetime(2019, 10, 27, tzinfo=UTC),
        expires=datetime(2019, 11, 3, tzinfo=UTC),
        issued_at=datetime(2019, 10, 20, tzinfo=UTC),
    )
    certificate = sign_certificate(claims, [ALICE, BOB])
    assert _pycose_verifies(certificate.to_cose(), [ALICE, BOB], CERTIFICATE_AAD) == [True, True]


def _pycose_key(signer: CoseSigner) -> OKPKey:
    private = signer.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return OKPKey(crv="Ed25519", d=private, x=_raw(signer.public_key))


def test_we_verify_a_message_pycose_made() -> None:
    made: Any = SignMessage(
        phdr={},
        payload=b"made by pycose",
        signers=[
            PycoseSignature(phdr={Algorithm: EdDSA, KID: ALICE.kid}, key=_pycose_key(ALICE)),
            # kid unprotected, as RFC 9052 allows: we read it from either header.
            PycoseSignature(phdr={Algorithm: EdDSA}, uhdr={KID: BOB.kid}, key=_pycose_key(BOB)),
        ],
    )
    made.external_aad = b"aad"
    for signer in made.signers:
        signer.external_aad = b"aad"
    data = made.encode()
    message = SignedMessage.from_bytes(data, deterministic=False)
    assert message.payload == b"made by pycose"
    keys = {ALICE.kid: ALICE.public_key, BOB.kid: BOB.public_key}
    checks = verify_signatures(message, keys, external_aad=b"aad")
    assert [c.status for c in checks] == [SignatureStatus.VALID, SignatureStatus.VALID]
    checks = verify_signatures(message, keys, external_aad=b"")
    assert [c.status for c in checks] == [SignatureStatus.BAD_SIGNATURE] * 2
