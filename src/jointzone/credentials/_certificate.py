"""A participant certificate: CWT claims in a COSE_Sign that every party signs, carried as
``JZ1:`` + Base45(zlib(COSE_Sign)) — the EU Digital COVID Certificate's transport, with one
COSE_Signature per party instead of one issuer's COSE_Sign1.

Choices, each to keep one certificate one string of bytes, and small: a QR code of version 15 at
level Q holds 281 bytes of Base45, and two Ed25519 signatures with their headers take 164 of them.
- The body's protected header is empty (a zero-length bstr) and every signature carries
  ``external_aad = b"JZ1:"``: the format is bound into each signature at no cost in the QR code,
  so a signature its key made over the same bytes for another purpose does not verify here. (An
  RFC 9596 ``typ`` header would say the same in 4 more bytes.)
- Each signer's protected header is ``{1 (alg): -8, 4 (kid): bstr}`` and nothing else; every
  unprotected header is empty: nothing in a certificate is unsigned.
- No CWT tag 61 around the COSE tag 98: the ``JZ1:`` prefix already says what the bytes are, and
  a second accepted form would give one certificate two encodings. A tag-61 wrapped certificate
  is refused with a message that says so.
- The whole COSE_Sign must be deterministic CBOR, so any byte changed is a change seen.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import segno

from jointzone.cose import (
    CborError,
    CoseSigner,
    HeaderLabel,
    MalformedCoseError,
    SignedMessage,
    decode,
    encode_deterministic,
    sign,
)
from jointzone.credentials._base45 import b45decode, b45encode
from jointzone.credentials._claims import CertificateClaims
from jointzone.credentials.errors import (
    ClaimsError,
    CoseStructureError,
    InvalidClaimsError,
    NotCborError,
    PrefixError,
    ZlibError,
)
from jointzone.inputs import InputError, inflate

PREFIX = "JZ1:"
#: Suggested kid length of certificate-signing keys (see :func:`jointzone.cose.key_id`): each
#: party's kid is in the QR code, and 4 bytes name the few keys of a regime without a clash.
CERTIFICATE_KID_SIZE = 4
#: The external_aad of every certificate signature (RFC 9052 §4.3): the format's prefix.
CERTIFICATE_AAD = PREFIX.encode("ascii")
CWT_TAG = 61
_CWT_TAG_HEAD = bytes((0xD8, CWT_TAG))  # tag 61 in deterministic CBOR
#: The most characters a QR code can hold (version 40, level L, alphanumeric): longer text
#: cannot have come from a certificate's QR code.
MAX_TEXT_LENGTH = 4296
#: Decompression stops here: a certificate is a few hundred bytes, a zlib bomb is not.
MAX_COSE_SIZE = 16384
#: Error-correction level of the QR code: Q restores up to 25% of damaged codewords, enough for
#: a creased or scuffed printout. At Q, version 15 holds a certificate whose names take up to
#: about 40 bytes of UTF-8 (see ``_claims``).
QR_ERROR_LEVEL = "q"

_SIGNER_LABELS = frozenset({HeaderLabel.ALG, HeaderLabel.KID})


def _check_structure(message: SignedMessage) -> None:
    if message.protected:
        raise CoseStructureError(
            "COSE_Sign protected header: expected a zero-length bstr (the format is bound "
            f"through external_aad), found {message.protected.hex()}"
        )
    if message.unprotected:
        raise CoseStructureError(
            "COSE_Sign unprotected header: expected an empty map (nothing unsigned), "
            f"found labels {sorted(map(str, message.unprotected))}"
        )
    seen: dict[bytes, int] = {}
    for i, sig in enumerate(message.signatures):
        labels = set(sig.protected_header)
        if labels != _SIGNER_LABELS:
            raise CoseStructureError(
                f"COSE_Signature {i} protected header: expected exactly alg (1) and kid (4), "
                f"found labels {sorted(map(str, labels))}"
            )
        if sig.unprotected:
            raise CoseStructureError(
                f"COSE_Signature {i} unprotected header: expected an empty map, "
                f"found labels {sorted(map(str, sig.unprotected))}"
            )
        kid = sig.kid
        if kid is None:
            raise CoseStructureError(f"COSE_Signature {i}: expected kid (4) to be a bstr")
        if kid in seen:
            raise CoseStructureError(
                f"COSE_Signature {i}: kid {kid.hex()} already signed as COSE_Signature {seen[kid]}"
            )
        seen[kid] = i


def _parse_claims(payload: bytes) -> CertificateClaims:
    try:
        cwt = decode(payload)
    except CborError as e:
        raise ClaimsError(f"COSE payload is not deterministic CBOR: {e}") from e
    try:
        return CertificateClaims.from_cwt(cwt)
    except InvalidClaimsError as e:
        raise ClaimsError(str(e)) from e


@dataclass(frozen=True)
class Certificate:
    """A signed participant certificate. ``claims`` is read from the signed payload, never given
    separately, so what is shown is always what was signed. Decoding checks the shape only;
    :func:`verify_certificate` checks the signatures and dates."""

    message: SignedMessage
    claims: CertificateClaims = field(init=False)

    def __post_init__(self) -> None:
        _check_structure(self.message)
        object.__setattr__(self, "claims", _parse_claims(self.message.payload))

    @classmethod
    def from_cose(cls, data: bytes) -> Certificate:
        """Parse COSE_Sign bytes; raises :class:`NotCborError`, :class:`CoseStructureError` or
        :class:`ClaimsError`."""
        if data[:2] == _CWT_TAG_HEAD:
            raise CoseStructureError(
                f"certificate is wrapped in CWT tag {CWT_TAG}; expected the bare COSE_Sign tag 98"
            )
        try:
            message = SignedMessage.from_bytes(data)
        except CborError as e:
            raise NotCborError(f"not a deterministic CBOR certificate: {e}") from e
        except MalformedCoseError as e:
            raise CoseStructureError(str(e)) from e
        return cls(message)

    @classmethod
    def from_text(cls, text: str) -> Certificate:
        """Parse ``JZ1:`` text; raises a :class:`~jointzone.credentials.errors.DecodeError`
        subclass naming the layer at fault."""
        return cls.from_cose(decode_text(text))

    def to_cose(self) -> bytes:
        return self.message.to_bytes()

    def to_text(self) -> str:
        return encode_text(self.to_cose())

    def qr(self) -> segno.QRCode:
        """The QR code at error level Q, alphanumeric mode (Base45 is that mode's alphabet)."""
        return segno.make(self.to_text(), error=QR_ERROR_LEVEL, micro=False, boost_error=False)

    def qr_png(self, *, scale: int = 4, border: int = 4) -> bytes:
        """PNG bytes of the QR code; ``border`` is the quiet zone in modules (4 per ISO 18004)."""
        out = io.BytesIO()
        self.qr().save(out, kind="png", scale=scale, border=border)
        return out.getvalue()

    def qr_svg(self, *, scale: int = 4, border: int = 4) -> str:
        out = io.BytesIO()
        self.qr().save(out, kind="svg", scale=scale, border=border)
        return out.getvalue().decode("utf-8")


def sign_certificate(
    claims: CertificateClaims,
    signers: Iterable[CoseSigner],
    *,
    existing: Certificate | None = None,
) -> Certificate:
    """Sign ``claims`` with each signer (one per party), or add signatures to ``existing``.

    Each party's node adds its own signature: pass the certificate it received as ``existing``.
    """
    payload = encode_deterministic(claims.to_cwt())
    if existing is not None and existing.claims != claims:
        raise InvalidClaimsError(
            "claims differ from the certificate being cosigned: "
            f"expected certificate id {existing.claims.certificate_id.hex()} with the same claims"
        )
    message = sign(
        payload,
        signers,
        external_aad=CERTIFICATE_AAD,
        existing=existing.message if existing else None,
    )
    return Certificate(message)


def encode_text(cose: bytes) -> str:
    """``JZ1:`` + Base45(zlib(cose)), compressed at level 9: every byte saved is QR area."""
    return PREFIX + b45encode(zlib.compress(cose, 9))


def decode_text(text: str) -> bytes:
    """The COSE bytes inside ``JZ1:`` text; raises :class:`PrefixError`, :class:`Base45Error`
    or :class:`ZlibError`."""
    if not isinstance(text, str):
        raise PrefixError(f"expected text starting with {PREFIX!r}, found {type(text).__name__}")
    if not text.startswith(PREFIX):
        raise PrefixError(f"expected text starting with {PREFIX!r}, found {text[:4]!r}")
    if len(text) > MAX_TEXT_LENGTH:
        raise PrefixError(
            f"text of {len(text)} characters: expected at most {MAX_TEXT_LENGTH}, "
            "the most a QR code holds"
        )
    compressed = b45decode(text[len(PREFIX) :])
    try:
        cose = inflate(compressed, limit=MAX_COSE_SIZE, source="certificate")
    except InputError as e:
        raise ZlibError(e.problem) from e
    return cose
