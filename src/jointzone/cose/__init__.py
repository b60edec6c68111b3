"""COSE_Sign (RFC 9052) with Ed25519, over deterministic CBOR (RFC 8949 §4.2.1).

Pure: bytes in, bytes out. Acts and participant certificates are signed with it; it knows nothing
of either.
"""

from jointzone.cose._cbor import (
    MAX_DEPTH,
    Encoded,
    Tag,
    decode,
    encode_deterministic,
    split_sequence,
)
from jointzone.cose._keys import EDDSA, KEY_ID_SIZE, CoseSigner, HeaderLabel, key_id
from jointzone.cose._message import (
    COSE_SIGN_TAG,
    CoseSignature,
    Label,
    SignatureCheck,
    SignatureStatus,
    SignedMessage,
    encode_header,
    sig_structure,
    sign,
    verify_signatures,
)
from jointzone.cose.errors import (
    CborEncodeError,
    CborError,
    CoseError,
    MalformedCoseError,
    NonDeterministicCborError,
    SigningError,
)

__all__ = [
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
    "sign",
    "split_sequence",
    "verify_signatures",
]
