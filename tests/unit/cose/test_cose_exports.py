"""The COSE package's public names are a deliberate list: adding one is a decision."""

import jointzone.cose


def test_exported_members() -> None:
    assert set(jointzone.cose.__all__) == {
        "COSE_SIGN_TAG",
        "EDDSA",
        "KEY_ID_SIZE",
        "MAX_DEPTH",
        "CborEncodeError",
        "CborError",
        "CoseError",
        "CoseSignature",
        "CoseSigner",
        "Encoded",
        "HeaderLabel",
        "Label",
        "MalformedCoseError",
        "NonDeterministicCborError",
        "SignatureCheck",
        "SignatureStatus",
        "SignedMessage",
        "SigningError",
        "Tag",
        "decode",
        "encode_deterministic",
        "encode_header",
        "key_id",
        "sig_structure",
        "split_sequence",
        "sign",
        "verify_signatures",
    }
    for name in jointzone.cose.__all__:
        assert getattr(jointzone.cose, name) is not None
