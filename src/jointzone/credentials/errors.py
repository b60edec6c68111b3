"""Errors of the participant-certificate package.

    CredentialError                 every error this package raises
    ├── DecodeError                 a certificate that does not decode, by the layer that failed:
    │   ├── PrefixError             text that does not start with "JZ1:"
    │   ├── Base45Error             a character outside Base45, a bad length, a group out of range
    │   ├── ZlibError               a broken, truncated or oversized zlib stream
    │   ├── NotCborError            decompressed bytes that are not deterministic CBOR
    │   ├── CoseStructureError      CBOR that is not a certificate's COSE_Sign (tag, shape, headers)
    │   └── ClaimsError             a COSE payload that is not a certificate's CWT claims
    ├── QrReadError                 an image with no readable QR code in it
    └── InvalidClaimsError          claims that cannot be issued (empty name, nbf after exp...)

A certificate that decodes but fails a check (a signature, its validity period, revocation) is not
an exception: :func:`verify_certificate` reports each check on its own line, as DCC verifier apps
do, and the officer sees every reason at once.

Each message says what was expected and what was found.
"""


class CredentialError(Exception):
    """Base class of every error raised by :mod:`jointzone.credentials`."""


class DecodeError(CredentialError, ValueError):
    """A certificate's text or bytes do not decode; the subclass names the layer that failed."""


class PrefixError(DecodeError):
    """The text does not start with the ``JZ1:`` prefix."""


class Base45Error(DecodeError):
    """The text after the prefix is not valid Base45 (RFC 9285)."""


class ZlibError(DecodeError):
    """The Base45-decoded bytes are not one complete zlib stream of a sane size."""


class NotCborError(DecodeError):
    """The decompressed bytes are not one deterministic CBOR data item."""


class CoseStructureError(DecodeError):
    """The CBOR is not a COSE_Sign certificate: wrong tag, shape or headers."""


class ClaimsError(DecodeError):
    """The COSE payload is not the CWT claims set of a certificate."""


class QrReadError(CredentialError, ValueError):
    """An image could not be read, or holds no QR code, or more than one."""


class InvalidClaimsError(CredentialError, ValueError):
    """Claims given to build a certificate break a rule (a field empty, a date out of order)."""
