"""COSE_Sign (RFC 9052 §4.1, CBOR tag 98): one payload, one COSE_Signature per signer.

COSE_Sign rather than COSE_Sign1 because consent is plural: every party signs the same bytes, each
with its own key, and a message gathers signatures as it travels from node to node (``existing``).
Each signature covers the body's protected header, its own protected header (``alg`` and ``kid``),
the caller's external_aad and the payload, through the Sig_structure of RFC 9052 §4.4.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jointzone import ed25519 as _ed25519
from jointzone.cose._cbor import Tag, decode, decode_noting, encode_deterministic
from jointzone.cose._cbor import head as _head
from jointzone.cose._keys import EDDSA, CoseSigner, HeaderLabel
from jointzone.cose.errors import (
    CborEncodeError,
    CborError,
    MalformedCoseError,
    NonDeterministicCborError,
    SigningError,
)

#: CBOR tag of a COSE_Sign message (RFC 9052 §2).
COSE_SIGN_TAG = 98

#: A header label: an integer, or a text string for private labels (RFC 9052 §3).
Label = int | str

_SIGNATURE_CONTEXT = "Signature"
# Labels this package acts on; a ``crit`` naming any other one must be understood by the caller.
_UNDERSTOOD: frozenset[Label] = frozenset(
    {HeaderLabel.ALG, HeaderLabel.CRIT, HeaderLabel.CONTENT_TYPE, HeaderLabel.KID}
)
_EMPTY_HEADER: Mapping[Label, Any] = MappingProxyType({})


def _decode_header(raw: bytes, where: str) -> tuple[Mapping[Label, Any], str | None]:
    """The map inside a protected-header bstr (a zero-length bstr is the empty map, §3), and the
    first way its encoding departs from ours, if any."""
    try:
        return _decode_header_cached(raw)
    except MalformedCoseError as e:
        raise MalformedCoseError(f"{where} {e}") from e


@functools.lru_cache(maxsize=1024)
def _decode_header_cached(raw: bytes) -> tuple[Mapping[Label, Any], str | None]:
    # Cached: every certificate of a party carries the same signer header ({alg, kid}), and a
    # verifier reads thousands. The map is returned read-only, since instances share it.
    if raw == b"":
        return _EMPTY_HEADER, None
    try:
        header, irregular = decode_noting(raw)
    except CborError as e:
        raise MalformedCoseError(f"protected header is not a CBOR map: {e}") from e
    header = _check_header(header, "protected header")
    if not header and irregular is None:
        irregular = f"an empty map is sent as a zero-length bstr (RFC 9052 §3), found {raw.hex()}"
    return MappingProxyType(header), irregular


def _check_header(header: object, where: str) -> dict[Label, Any]:
    if not header and type(header) is dict:  # what nearly every unprotected header is
        return {}
    if not isinstance(header, Mapping):
        raise MalformedCoseError(f"{where}: expected a map, found {type(header).__name__}")
    for label in header:
        if not isinstance(label, int | str):
            raise MalformedCoseError(
                f"{where}: label {label!r:.40} is {type(label).__name__}; "
                "expected an integer or text string"
            )
    return dict(header)


def encode_header(header: Mapping[Label, Any]) -> bytes:
    """Serialize a protected header: deterministic CBOR, or a zero-length bstr when empty (§3)."""
    if not header:
        return b""
    for label in header:
        if isinstance(label, bool) or not isinstance(label, int | str):
            raise CborEncodeError(
                f"header label must be an int or str, found {type(label).__name__} {label!r:.40}"
            )
    return encode_deterministic(header)


def _check_disjoint(
    protected: Mapping[Label, Any], unprotected: Mapping[Label, Any], where: str
) -> None:
    if unprotected:  # nearly always empty: nothing to compare then
        both = protected.keys() & unprotected.keys()
        if both:
            raise MalformedCoseError(
                f"{where}: label(s) {sorted(map(str, both))} in both the protected and the "
                "unprotected header; RFC 9052 §3 requires each label in one of them only"
            )
        if HeaderLabel.CRIT in unprotected:
            raise MalformedCoseError(
                f"{where}: crit (2) must be in the protected header, found unprotected"
            )
    crit = protected.get(HeaderLabel.CRIT)
    if crit is None:
        return
    if not isinstance(crit, list) or not crit:
        raise MalformedCoseError(
            f"{where}: crit (2) must be a non-empty array of labels, found {crit!r:.40}"
        )
    for label in crit:
        if isinstance(label, bool) or not isinstance(label, int | str) or label not in protected:
            raise MalformedCoseError(
                f"{where}: crit (2) lists {label!r:.40}, "
                "which is not a label of the protected header"
            )


def _bstr_head(length: int) -> bytes:
    return _head(2, length)


# An array of 5, then "Signature": the part of every Sig_structure that never changes.
_SIG_STRUCTURE_HEAD = _head(4, 5) + encode_deterministic(_SIGNATURE_CONTEXT)


def sig_structure(
    body_protected: bytes, sign_protected: bytes, external_aad: bytes, payload: bytes
) -> bytes:
    """The bytes a COSE_Signature signs (RFC 9052 §4.4), context "Signature".

    Built by hand rather than by :func:`encode_deterministic`: it is made once per signature
    verified, and the array's first two items never change. A test holds the two equal.
    """
    return b"".join(
        (
            _SIG_STRUCTURE_HEAD,
            _bstr_head(len(body_protected)),
            body_protected,
            _bstr_head(len(sign_protected)),
            sign_protected,
            _bstr_head(len(external_aad)),
            external_aad,
            _bstr_head(len(payload)),
            payload,
        )
    )


@dataclass(frozen=True)
class CoseSignature:
    """One signer's COSE_Signature: ``[protected: bstr, unprotected: map, signature: bstr]``.

    ``protected`` is kept as the exact bytes received: the signature covers those bytes, and a
    third party's encoding of the same map may differ from ours.
    """

    protected: bytes
    unprotected: Mapping[Label, Any]
    signature: bytes
    protected_header: Mapping[Label, Any] = field(init=False, repr=False, compare=False)
    #: The kid (4) bstr, protected header first; None where there is none.
    kid: bytes | None = field(init=False, repr=False, compare=False)
    #: The algorithm, read from the protected header only: an unprotected one is not signed.
    alg: Any = field(init=False, repr=False, compare=False)
    _irregular: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        header, irregular = _decode_header(self.protected, "signature")
        object.__setattr__(self, "_irregular", irregular)
        _check_disjoint(
            header, _check_header(self.unprotected, "signature unprotected header"), "signature"
        )
        object.__setattr__(self, "protected_header", header)
        # Read once: every judge of a message asks each signature for both, several times.
        kid = self.header(HeaderLabel.KID)
        object.__setattr__(self, "kid", kid if isinstance(kid, bytes) else None)
        object.__setattr__(self, "alg", header.get(HeaderLabel.ALG))

    def header(self, label: Label) -> Any:
        """A header value, protected first; None where absent."""
        if label in self.protected_header:
            return self.protected_header[label]
        return self.unprotected.get(label)

    def to_cbor(self) -> list[Any]:
        return [self.protected, dict(self.unprotected), self.signature]


@dataclass(frozen=True)
class SignedMessage:
    """A COSE_Sign message: ``98([protected, unprotected, payload, [+ COSE_Signature]])``."""

    protected: bytes
    unprotected: Mapping[Label, Any]
    payload: bytes
    signatures: tuple[CoseSignature, ...]
    protected_header: Mapping[Label, Any] = field(init=False, repr=False, compare=False)
    _irregular: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        header, irregular = _decode_header(self.protected, "body")
        object.__setattr__(self, "_irregular", irregular)
        _check_disjoint(header, _check_header(self.unprotected, "body unprotected header"), "body")
        object.__setattr__(self, "protected_header", header)

    @classmethod
    def from_bytes(cls, data: bytes, *, deterministic: bool = True) -> SignedMessage:
        """Parse a tagged COSE_Sign, checking its shape element by element.

        With ``deterministic`` (the default) the message, and the maps inside its protected
        headers, must be in deterministic CBOR: then one message has one encoding, and any byte
        changed is a change someone can see. Pass False to read a third party's message.
        Raises :class:`CborError` for bytes that are not CBOR, else :class:`MalformedCoseError`.
        """
        item = decode(data, deterministic=deterministic)
        if not isinstance(item, Tag):
            raise MalformedCoseError(
                f"expected a COSE_Sign message (CBOR tag {COSE_SIGN_TAG}), "
                f"found an untagged {type(item).__name__}"
            )
        if item.tag != COSE_SIGN_TAG:
            raise MalformedCoseError(
                f"expected a COSE_Sign message (CBOR tag {COSE_SIGN_TAG}), found tag {item.tag}"
            )
        body = item.value
        if not isinstance(body, list) or len(body) != 4:
            raise MalformedCoseError(
                "COSE_Sign: expected an array of 4 elements [protected, unprotected, payload, "
                f"signatures], found {_shape(body)}"
            )
        protected, unprotected, payload, signatures = body
        if not isinstance(protected, bytes):
            raise MalformedCoseError(
                f"COSE_Sign protected header: expected a bstr, found {_shape(protected)}"
            )
        if payload is None:
            raise MalformedCoseError(
                "COSE_Sign payload is nil (detached); detached payloads are not supported"
            )
        if not isinstance(payload, bytes):
            raise MalformedCoseError(f"COSE_Sign payload: expected a bstr, found {_shape(payload)}")
        if not isinstance(signatures, list) or not signatures:
            raise MalformedCoseError(
                f"COSE_Sign signatures: expected a non-empty array, found {_shape(signatures)}"
            )
        parsed = []
        for i, sig in enumerate(signatures):
            where = f"COSE_Signature {i}"
            if not isinstance(sig, list) or len(sig) != 3:
                raise MalformedCoseError(
                    f"{where}: expected an array of 3 elements [protected, unprotected, "
                    f"signature], found {_shape(sig)}"
                )
            if not isinstance(sig[0], bytes):
                raise MalformedCoseError(
                    f"{where} protected header: expected a bstr, found {_shape(sig[0])}"
                )
            if not isinstance(sig[2], bytes):
                raise MalformedCoseError(
                    f"{where} signature: expected a bstr, found {_shape(sig[2])}"
                )
            try:
                parsed.append(CoseSignature(protected=sig[0], unprotected=sig[1], signature=sig[2]))
            except MalformedCoseError as e:
                raise MalformedCoseError(f"{where}: {e}") from e
        message = cls(
            protected=protected, unprotected=unprotected, payload=payload, signatures=tuple(parsed)
        )
        if deterministic:
            irregular = [("COSE_Sign", message._irregular)]
            irregular += [(f"COSE_Signature {i}", sig._irregular) for i, sig in enumerate(parsed)]
            for where, found in irregular:
                if found is not None:
                    raise NonDeterministicCborError(
                        f"{where} protected header is not in deterministic CBOR: {found}"
                    )
        return message

    def to_bytes(self) -> bytes:
        """The tagged COSE_Sign in deterministic CBOR."""
        return encode_deterministic(
            Tag(
                COSE_SIGN_TAG,
                [
                    self.protected,
                    dict(self.unprotected),
                    self.payload,
                    [sig.to_cbor() for sig in self.signatures],
                ],
            )
        )

    def kids(self) -> tuple[bytes | None, ...]:
        """Each signature's kid, in order; None where a signature has no bstr kid."""
        return tuple(sig.kid for sig in self.signatures)


def _shape(value: object) -> str:
    if isinstance(value, list):
        return f"an array of {len(value)} element(s)"
    if isinstance(value, Tag):
        return f"tag {value.tag}"
    return "nil" if value is None else type(value).__name__


def sign(
    payload: bytes,
    signers: Iterable[CoseSigner],
    *,
    external_aad: bytes = b"",
    protected: Mapping[Label, Any] | None = None,
    existing: SignedMessage | None = None,
) -> SignedMessage:
    """Sign ``payload`` with each signer, or add their signatures to ``existing``.

    Each signer's protected header is ``{1: -8 (EdDSA), 4: kid}``. ``protected`` is the body's
    protected header (e.g. content type); it is fixed by the first signer, so a cosigner passes
    ``existing`` and no ``protected``. A kid may sign a message once.
    """
    signers = tuple(signers)
    if existing is not None:
        if payload != existing.payload:
            raise SigningError(
                "payload differs from the message being cosigned: expected the same "
                f"{len(existing.payload)} bytes, found {len(payload)} bytes that differ"
            )
        if protected is not None and encode_header(protected) != existing.protected:
            raise SigningError(
                "protected body header differs from the message being cosigned: expected "
                f"{existing.protected.hex()}, found {encode_header(protected).hex()}"
            )
        body, unprotected, previous = existing.protected, existing.unprotected, existing.signatures
    else:
        body, unprotected, previous = encode_header(protected or {}), {}, ()
    if not previous and not signers:
        raise SigningError("no signers: a COSE_Sign carries at least one signature")
    seen = {kid for kid in (sig.kid for sig in previous) if kid is not None}
    added = []
    for signer in signers:
        if signer.kid in seen:
            raise SigningError(f"kid {signer.kid.hex()} has already signed this message")
        seen.add(signer.kid)
        sign_protected = encode_header({HeaderLabel.ALG: EDDSA, HeaderLabel.KID: signer.kid})
        data = sig_structure(body, sign_protected, external_aad, payload)
        added.append(
            CoseSignature(
                protected=sign_protected, unprotected={}, signature=signer.private_key.sign(data)
            )
        )
    return SignedMessage(
        protected=body, unprotected=unprotected, payload=payload, signatures=(*previous, *added)
    )


class SignatureStatus(enum.Enum):
    """Outcome of checking one COSE_Signature."""

    VALID = "valid"
    BAD_SIGNATURE = "bad signature"
    UNKNOWN_KID = "unknown kid"
    MISSING_KID = "missing kid"
    UNSUPPORTED_ALGORITHM = "unsupported algorithm"
    UNKNOWN_CRITICAL = "unknown critical header"


@dataclass(frozen=True)
class SignatureCheck:
    """The result for one signature: its position, its kid, the status and a sentence why."""

    index: int
    kid: bytes | None
    status: SignatureStatus
    message: str

    @property
    def valid(self) -> bool:
        return self.status is SignatureStatus.VALID


def _check_one(
    *,
    index: int,
    sig: CoseSignature,
    message: SignedMessage,
    keys: Mapping[bytes, Ed25519PublicKey],
    external_aad: bytes,
    understood: frozenset[Label],
) -> SignatureCheck:
    kid = sig.kid
    for where, header in (("body", message.protected_header), ("signature", sig.protected_header)):
        crit = header.get(HeaderLabel.CRIT)
        unknown = [label for label in crit if label not in understood] if crit else None
        if unknown:
            return SignatureCheck(
                index,
                kid,
                SignatureStatus.UNKNOWN_CRITICAL,
                f"{where} header marks label(s) {unknown} critical; "
                "this verifier does not know them",
            )
    if sig.alg != EDDSA:
        found = "none" if sig.alg is None else repr(sig.alg)
        return SignatureCheck(
            index,
            kid,
            SignatureStatus.UNSUPPORTED_ALGORITHM,
            f"expected alg {EDDSA} (EdDSA) in the protected header, found {found}",
        )
    if kid is None:
        return SignatureCheck(
            index, None, SignatureStatus.MISSING_KID, "expected a kid (4) bstr, found none"
        )
    key = keys.get(kid)
    if key is None:
        return SignatureCheck(
            index, kid, SignatureStatus.UNKNOWN_KID, f"kid {kid.hex()} is not among the keys given"
        )
    data = sig_structure(message.protected, sig.protected, external_aad, message.payload)
    # Not cached per key: the keys are neither hashable nor weakly referable, and taking the raw
    # bytes costs about 1% of the verification itself.
    if not _ed25519.verify(key.public_bytes_raw(), sig.signature, data):
        return SignatureCheck(
            index,
            kid,
            SignatureStatus.BAD_SIGNATURE,
            f"Ed25519 signature by kid {kid.hex()} does not verify",
        )
    return SignatureCheck(
        index, kid, SignatureStatus.VALID, f"valid Ed25519 signature by kid {kid.hex()}"
    )


def verify_signatures(
    message: SignedMessage,
    keys: Mapping[bytes, Ed25519PublicKey],
    *,
    external_aad: bytes = b"",
    understood: Iterable[Label] = (),
) -> tuple[SignatureCheck, ...]:
    """Check every signature of ``message`` against ``keys`` (kid → Ed25519 public key).

    Returns one :class:`SignatureCheck` per signature, in order; never raises for a bad
    signature, because the caller's policy (who must sign) decides what a failure means.
    ``understood`` names private header labels the caller handles, for ``crit`` (RFC 9052 §3.1).
    """
    known = _UNDERSTOOD | frozenset(understood) if understood else _UNDERSTOOD
    return tuple(
        _check_one(
            index=i,
            sig=sig,
            message=message,
            keys=keys,
            external_aad=external_aad,
            understood=known,
        )
        for i, sig in enumerate(message.signatures)
    )
