"""COSE_Sign: signing, cosigning, strict parsing (one message per fault), per-signature results."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from jointzone.cose import (
    COSE_SIGN_TAG,
    EDDSA,
    CborError,
    CoseSignature,
    CoseSigner,
    HeaderLabel,
    MalformedCoseError,
    NonDeterministicCborError,
    SignatureStatus,
    SignedMessage,
    SigningError,
    Tag,
    encode_deterministic,
    encode_header,
    key_id,
    sig_structure,
    sign,
    verify_signatures,
)


def _signer(seed: int) -> CoseSigner:
    return CoseSigner.from_private_key(Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


ALICE, BOB, CAROL = _signer(1), _signer(2), _signer(3)
KEYS = {s.kid: s.public_key for s in (ALICE, BOB)}
PAYLOAD = encode_deterministic({"act": "approve", "project": 17})


def test_sign_then_cosign_then_verify() -> None:
    first = sign(PAYLOAD, [ALICE], protected={HeaderLabel.CONTENT_TYPE: "application/cbor"})
    both = sign(PAYLOAD, [BOB], existing=first)
    assert both.kids() == (ALICE.kid, BOB.kid)
    assert both.protected_header == {HeaderLabel.CONTENT_TYPE: "application/cbor"}
    assert both.signatures[0] == first.signatures[0]
    checks = verify_signatures(both, KEYS)
    assert [c.status for c in checks] == [SignatureStatus.VALID, SignatureStatus.VALID]
    assert checks[1].message == f"valid Ed25519 signature by kid {BOB.kid.hex()}"


def test_signature_covers_the_sig_structure_of_rfc_9052() -> None:
    message = sign(PAYLOAD, [ALICE], external_aad=b"regime v3")
    sig = message.signatures[0]
    assert sig.protected == encode_deterministic({1: EDDSA, 4: ALICE.kid})
    assert sig.alg == EDDSA
    expected = encode_deterministic(["Signature", b"", sig.protected, b"regime v3", PAYLOAD])
    assert sig_structure(b"", sig.protected, b"regime v3", PAYLOAD) == expected
    ALICE.public_key.verify(sig.signature, expected)


@pytest.mark.parametrize("size", [0, 23, 24, 255, 256, 65535, 65536])
def test_sig_structure_is_the_deterministic_encoding_at_every_length_form(size: int) -> None:
    payload = bytes(size)
    expected = encode_deterministic(["Signature", b"\xa0" * 3, b"", b"x" * 30, payload])
    assert sig_structure(b"\xa0" * 3, b"", b"x" * 30, payload) == expected


def test_bytes_round_trip_and_layout() -> None:
    message = sign(PAYLOAD, [ALICE, BOB])
    data = message.to_bytes()
    assert data[:2] == bytes.fromhex("d862")  # tag 98
    assert data[2] == 0x84  # array of 4
    assert data[3] == 0x40  # empty protected header: zero-length bstr (RFC 9052 §3)
    assert SignedMessage.from_bytes(data) == message


def test_external_aad_must_match() -> None:
    message = sign(PAYLOAD, [ALICE], external_aad=b"origin A")
    (check,) = verify_signatures(message, KEYS, external_aad=b"origin B")
    assert check.status is SignatureStatus.BAD_SIGNATURE
    assert check.message == f"Ed25519 signature by kid {ALICE.kid.hex()} does not verify"
    assert not check.valid


def test_unknown_kid_and_tampered_signature_are_reported_per_signature() -> None:
    message = sign(PAYLOAD, [ALICE, CAROL, BOB])
    bad = bytearray(message.signatures[2].signature)
    bad[0] ^= 1
    tampered = SignedMessage(
        protected=message.protected,
        unprotected={},
        payload=message.payload,
        signatures=(
            *message.signatures[:2],
            CoseSignature(
                protected=message.signatures[2].protected, unprotected={}, signature=bytes(bad)
            ),
        ),
    )
    valid, unknown, broken = verify_signatures(tampered, KEYS)
    assert valid.status is SignatureStatus.VALID
    assert unknown.status is SignatureStatus.UNKNOWN_KID
    assert unknown.message == f"kid {CAROL.kid.hex()} is not among the keys given"
    assert broken.status is SignatureStatus.BAD_SIGNATURE
    assert (broken.index, broken.kid) == (2, BOB.kid)


def _with_signer_header(
    header: dict[Any, Any], unprotected: dict[Any, Any] | None = None
) -> SignedMessage:
    protected = encode_header(header)
    signature = ALICE.private_key.sign(sig_structure(b"", protected, b"", PAYLOAD))
    return SignedMessage(
        protected=b"",
        unprotected={},
        payload=PAYLOAD,
        signatures=(
            CoseSignature(protected=protected, unprotected=unprotected or {}, signature=signature),
        ),
    )


def test_other_algorithm_is_unsupported() -> None:
    (check,) = verify_signatures(_with_signer_header({1: -7, 4: ALICE.kid}), KEYS)
    assert check.status is SignatureStatus.UNSUPPORTED_ALGORITHM
    assert check.message == "expected alg -8 (EdDSA) in the protected header, found -7"


def test_alg_only_unprotected_is_not_accepted() -> None:
    (check,) = verify_signatures(_with_signer_header({4: ALICE.kid}, {1: EDDSA}), KEYS)
    assert check.status is SignatureStatus.UNSUPPORTED_ALGORITHM
    assert check.message.endswith("found none")


def test_missing_kid() -> None:
    (check,) = verify_signatures(_with_signer_header({1: EDDSA}), KEYS)
    assert check.status is SignatureStatus.MISSING_KID
    assert check.message == "expected a kid (4) bstr, found none"


def test_kid_in_the_unprotected_header_is_read_too() -> None:
    (check,) = verify_signatures(_with_signer_header({1: EDDSA}, {4: ALICE.kid}), KEYS)
    assert check.status is SignatureStatus.VALID


def test_critical_headers_must_be_understood() -> None:
    message = sign(PAYLOAD, [ALICE], protected={2: [-70000], -70000: "v3"})
    (check,) = verify_signatures(message, KEYS)
    assert check.status is SignatureStatus.UNKNOWN_CRITICAL
    assert "label(s) [-70000] critical" in check.message
    (check,) = verify_signatures(message, KEYS, understood=[-70000])
    assert check.valid


def test_signing_errors() -> None:
    message = sign(PAYLOAD, [ALICE])
    with pytest.raises(SigningError, match=f"kid {ALICE.kid.hex()} has already signed"):
        sign(PAYLOAD, [ALICE], existing=message)
    with pytest.raises(SigningError, match=f"kid {BOB.kid.hex()} has already signed"):
        sign(PAYLOAD, [BOB, BOB])
    with pytest.raises(SigningError, match="payload differs from the message being cosigned"):
        sign(PAYLOAD + b"\x00", [BOB], existing=message)
    with pytest.raises(SigningError, match="protected body header differs"):
        sign(PAYLOAD, [BOB], protected={3: 0}, existing=message)
    with pytest.raises(SigningError, match="no signers"):
        sign(PAYLOAD, [])


def test_signer_checks_its_arguments_and_hides_its_key() -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError, match="kid must be non-empty bytes"):
        CoseSigner(kid=b"", private_key=key)
    with pytest.raises(TypeError, match="private_key must be an Ed25519PrivateKey, found str"):
        CoseSigner(kid=b"k", private_key="secret")  # type: ignore[arg-type]
    assert "private_key" not in repr(CoseSigner(kid=b"k", private_key=key))
    assert len(key_id(key.public_key())) == 8
    assert key_id(key.public_key(), size=4) == key_id(key.public_key())[:4]
    with pytest.raises(ValueError, match="kid size"):
        key_id(key.public_key(), size=0)


# -- strict parsing: one message per fault --------------------------------------------------

GOOD_SIG = [encode_header({1: EDDSA, 4: b"k"}), {}, b"\x00" * 64]


def _cose(body: Any) -> bytes:
    return encode_deterministic(Tag(COSE_SIGN_TAG, body))


MALFORMED: list[tuple[bytes, str]] = [
    (encode_deterministic([b"", {}, b"", [GOOD_SIG]]), "found an untagged list"),
    (
        encode_deterministic(Tag(18, [b"", {}, b"", b""])),
        "expected a COSE_Sign message (CBOR tag 98), found tag 18",
    ),
    (
        _cose({}),
        "expected an array of 4 elements [protected, unprotected, payload, signatures], found dict",
    ),
    (_cose([b"", {}, b""]), "found an array of 3 element(s)"),
    (_cose([{}, {}, b"", [GOOD_SIG]]), "COSE_Sign protected header: expected a bstr, found dict"),
    (_cose([b"", [], b"", [GOOD_SIG]]), "body unprotected header: expected a map, found list"),
    (
        _cose([b"", {}, None, [GOOD_SIG]]),
        "payload is nil (detached); detached payloads are not supported",
    ),
    (_cose([b"", {}, "text", [GOOD_SIG]]), "COSE_Sign payload: expected a bstr, found str"),
    (_cose([b"", {}, b"", []]), "signatures: expected a non-empty array, found an array of 0"),
    (_cose([b"", {}, b"", GOOD_SIG]), "COSE_Signature 0: expected an array of 3 elements"),
    (
        _cose([b"", {}, b"", [GOOD_SIG, [b"", {}]]]),
        "COSE_Signature 1: expected an array of 3 elements",
    ),
    (_cose([b"", {}, b"", [[{}, {}, b""]]]), "COSE_Signature 0 protected header: expected a bstr"),
    (
        _cose([b"", {}, b"", [[GOOD_SIG[0], {}, None]]]),
        "COSE_Signature 0 signature: expected a bstr, found nil",
    ),
    (_cose([b"\xff", {}, b"", [GOOD_SIG]]), "body protected header is not a CBOR map"),
    (
        _cose([encode_deterministic([1]), {}, b"", [GOOD_SIG]]),
        "body protected header: expected a map, found list",
    ),
    (_cose([encode_deterministic({b"x": 1}), {}, b"", [GOOD_SIG]]), "label b'x' is bytes"),
    (
        _cose([encode_header({3: 0}), {3: 1}, b"", [GOOD_SIG]]),
        "label(s) ['3'] in both the protected and the unprotected",
    ),
    (_cose([b"", {2: [3]}, b"", [GOOD_SIG]]), "crit (2) must be in the protected header"),
    (_cose([encode_header({2: []}), {}, b"", [GOOD_SIG]]), "crit (2) must be a non-empty array"),
    (
        _cose([encode_header({2: [3]}), {}, b"", [GOOD_SIG]]),
        "crit (2) lists 3, which is not a label of the protected",
    ),
    (
        _cose([b"", {}, b"", [[GOOD_SIG[0], {4: b"k"}, b""]]]),
        "COSE_Signature 0: signature: label(s) ['4'] in both",
    ),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_malformed(data: bytes, message: str) -> None:
    with pytest.raises(MalformedCoseError) as caught:
        SignedMessage.from_bytes(data)
    assert message in str(caught.value)


def test_not_cbor_is_a_cbor_error() -> None:
    with pytest.raises(CborError, match="unexpected end of data"):
        SignedMessage.from_bytes(bytes.fromhex("d862"))


def test_non_deterministic_messages_are_refused_strictly_and_read_leniently() -> None:
    message = sign(PAYLOAD, [ALICE])
    sig = message.signatures[0]
    # Protected header as an encoded empty map (0xa0) rather than a zero-length bstr.
    a0_body = _cose([b"\xa0", {}, PAYLOAD, [sig.to_cbor()]])
    with pytest.raises(
        NonDeterministicCborError, match="an empty map is sent as a zero-length bstr"
    ):
        SignedMessage.from_bytes(a0_body)
    assert SignedMessage.from_bytes(a0_body, deterministic=False).protected_header == {}
    # Signer header with its keys out of order.
    unsorted = bytes.fromhex("a2 04 41 6b 01 27")
    with pytest.raises(NonDeterministicCborError, match="COSE_Signature 0 protected header"):
        SignedMessage.from_bytes(_cose([b"", {}, PAYLOAD, [[unsorted, {}, b""]]]))
    # A length in two bytes where one would do.
    loose = bytearray(sign(b"x" * 30, [ALICE]).to_bytes())
    assert loose[5] == 0x58  # payload length, after d862 84 40 a0
    lenient = bytes(loose[:5]) + bytes([0x59, 0x00]) + bytes(loose[6:])
    with pytest.raises(NonDeterministicCborError, match="shortest form"):
        SignedMessage.from_bytes(lenient)
    read = SignedMessage.from_bytes(lenient, deterministic=False)
    assert verify_signatures(read, KEYS)[0].valid


@settings(max_examples=60)
@given(st.data())
def test_every_byte_change_is_refused_or_fails_verification(data: st.DataObject) -> None:
    encoded = bytearray(sign(PAYLOAD, [ALICE, BOB]).to_bytes())
    position = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    encoded[position] ^= data.draw(st.integers(min_value=1, max_value=255))
    try:
        message = SignedMessage.from_bytes(bytes(encoded))
    except (CborError, MalformedCoseError):
        return
    checks = verify_signatures(message, KEYS)
    assert not all(c.valid for c in checks)
