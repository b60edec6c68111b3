"""Errors of the COSE package.

    CoseError                         every error this package raises
    ├── CborError                     bytes that are not one well-formed CBOR item of our model
    │   └── NonDeterministicCborError well-formed CBOR, not in the deterministic encoding required
    ├── CborEncodeError               a value outside the data model handed to the encoder
    ├── MalformedCoseError            CBOR that is not a COSE_Sign message of the shape we require
    └── SigningError                  a signature that cannot be added (payload differs, kid signed)

A signature that does not verify is not an exception: :func:`verify_signatures` reports one
result per signature, so a caller can say which signer failed and why.

Each message says what was expected and what was found, and where (a byte offset) for CBOR.
"""


class CoseError(Exception):
    """Base class of every error raised by :mod:`jointzone.cose`."""


class CborError(CoseError, ValueError):
    """Input is not one well-formed CBOR data item made of the types we use."""


class NonDeterministicCborError(CborError):
    """Input is well-formed CBOR but breaks a rule of RFC 8949 §4.2.1 deterministic encoding.

    Distinct from :class:`CborError` because a caller reading a third party's COSE message may
    choose to accept it (``deterministic=False``), while our own signed data must be canonical.
    """


class CborEncodeError(CoseError, TypeError):
    """A value handed to the encoder is outside the data model (a float, a set, a huge int...)."""


class MalformedCoseError(CoseError, ValueError):
    """Well-formed CBOR that is not a COSE_Sign message (RFC 9052 §4.1) as we require it."""


class SigningError(CoseError, ValueError):
    """A signature cannot be added: the payload differs from the message, or the kid signed it."""
