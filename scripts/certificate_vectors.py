"""Write the participant-certificate test vectors, ``tests/data/certificates/vectors.json``.

    .venv/bin/python scripts/certificate_vectors.py           # (re)write the file
    .venv/bin/python scripts/certificate_vectors.py --check   # exit 1 if the file is not current

Each vector is a ``JZ1:`` text, a verification time, the trust a verifier holds (the
``TrustBundle`` values, not a bundle file) and the outcome docs/certificate.md prescribes. The
outcome is written here from the specification, not read back from the verifier: the tests run
the verifier on every vector and compare.

Each bundle vector is a trust bundle file (docs/certificate.md §4), the node keys a verifier
pins, and whether it opens (with the trust it yields) or the step that refuses it. The log behind
it is not needed: a bundle carries a checkpoint and the verifier table it commits to, and the
checkpoint and table of each node-key change, all made here from fixed data and signed with fixed
node keys.

Keys come from fixed Ed25519 seeds and Ed25519 signatures are deterministic, so rerunning this
script gives the same bytes; only public keys go into the file. The compressed bytes are those of
this interpreter's zlib at level 9 (deflate output is not standardised across zlib builds).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import re
import sys
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cose import (
    EDDSA,
    CborError,
    CoseSignature,
    CoseSigner,
    HeaderLabel,
    Label,
    SignedMessage,
    Tag,
    decode,
    encode_deterministic,
    encode_header,
    sig_structure,
)
from jointzone.credentials import (
    CERTIFICATE_AAD,
    CERTIFICATE_KID_SIZE,
    MAX_TEXT_LENGTH,
    PREFIX,
    QR_ERROR_LEVEL,
    CertificateClaims,
    ParticipantName,
    b45encode,
    decode_text,
    encode_text,
    revocation_hash,
)
from jointzone.node import node_key_name
from jointzone.tlog import Checkpoint, CosignatureSigner, Signer, sign_note
from jointzone.trust import TABLE_FORMAT, VerifierTable, bundle_json, verifier_extension

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "certificates" / "vectors.json"
FORMAT = "jointzone-certificate-vectors/4"


def _signer(seed: int) -> CoseSigner:
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return CoseSigner.from_private_key(key, kid_size=CERTIFICATE_KID_SIZE)


JAPAN = _signer(1)
RUSSIA = _signer(2)
OUTSIDER = _signer(3)  # a key of no party
JAPAN_NEXT = _signer(4)  # japan's next key, declared while the first is still in use
RETIRED = _signer(7)  # a key of japan's, retired: its certificates stay valid until they expire
COMPROMISED = _signer(9)  # a key of japan's, declared compromised: none of its certificates holds
THIRD = _signer(11)  # the certificate key of a third party, declared once it joined

ISSUER = "jz-seed"
NOT_BEFORE = datetime(2019, 10, 27, tzinfo=UTC)
EXPIRES = datetime(2019, 11, 3, tzinfo=UTC)
ISSUED_AT = datetime(2019, 10, 20, 9, 30, tzinfo=UTC)
NOW = datetime(2019, 10, 30, 12, tzinfo=UTC)
BUNDLE_AT = datetime(2019, 10, 27, 12, tzinfo=UTC)
MAX_AGE = timedelta(days=7)
SKEW = timedelta(minutes=5)
#: The verifier's tolerance when judging the validity period (the implementation's default).
CLOCK_SKEW = timedelta(minutes=5)
SECOND = timedelta(seconds=1)

JAPANESE_NAMES = (ParticipantName("Latn", "SATO Hanako"), ParticipantName("Jpan", "佐藤 花子"))
RUSSIAN_NAMES = (
    ParticipantName("Cyrl", "Иванова Мария"),
    ParticipantName("Latn", "IVANOVA Mariia"),
)


def _claims(**changes: Any) -> CertificateClaims:
    fields: dict[str, Any] = {
        "certificate_id": b"tour19-01",
        "issuer": ISSUER,
        "names": JAPANESE_NAMES,
        "party": "japan",
        "project": 17,
        "category": 3,
        "places": (2, 1, 11),
        "not_before": NOT_BEFORE,
        "expires": EXPIRES,
        "issued_at": ISSUED_AT,
    }
    fields.update(changes)
    return CertificateClaims(**fields)


RUSSIAN = {"certificate_id": b"tour19-12", "names": RUSSIAN_NAMES, "party": "russia"}


# -- building COSE_Sign messages, well formed or not ------------------------------------------


def _signature(
    signer: CoseSigner,
    payload: bytes,
    *,
    aad: bytes = CERTIFICATE_AAD,
    header: dict[Label, Any] | None = None,
    unprotected: dict[Label, Any] | None = None,
    body: bytes = b"",
) -> CoseSignature:
    protected = encode_header(
        header if header is not None else {HeaderLabel.ALG: EDDSA, HeaderLabel.KID: signer.kid}
    )
    data = sig_structure(body, protected, aad, payload)
    return CoseSignature(
        protected=protected,
        unprotected=unprotected or {},
        signature=signer.private_key.sign(data),
    )


def _message(
    payload: bytes, signatures: Sequence[CoseSignature], *, body: bytes = b""
) -> SignedMessage:
    return SignedMessage(
        protected=body, unprotected={}, payload=payload, signatures=tuple(signatures)
    )


def _signed(
    payload: bytes, signers: Sequence[CoseSigner] = (JAPAN, RUSSIA), **kwargs: Any
) -> bytes:
    return _message(payload, [_signature(s, payload, **kwargs) for s in signers]).to_bytes()


def _cose(claims: CertificateClaims, signers: Sequence[CoseSigner] = (JAPAN, RUSSIA)) -> bytes:
    return _signed(encode_deterministic(claims.to_cwt()), signers)


def _raw_claims(cwt: dict[int, Any]) -> bytes:
    """A COSE_Sign over an arbitrary claims map, signed correctly by both parties."""
    return _signed(encode_deterministic(cwt))


# -- the vectors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A key in a trust, with when it was retired or declared compromised, if it was."""

    signer: CoseSigner
    retired: datetime | None = None
    compromised: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.signer.kid.hex(),
            "public_key": self.signer.public_key.public_bytes_raw().hex(),
            "retired": None if self.retired is None else _when(self.retired),
            "compromised": None if self.compromised is None else _when(self.compromised),
        }


@dataclass(frozen=True, kw_only=True)
class Trust:
    """The verifier's TrustBundle values, as a vector states them."""

    parties: tuple[tuple[str, tuple[CoseSigner | Held, ...]], ...] = (
        ("japan", (JAPAN,)),
        ("russia", (RUSSIA,)),
    )
    issuer: str = ISSUER
    issued_at: datetime = BUNDLE_AT
    revoked: tuple[bytes, ...] = ()
    max_age: timedelta = MAX_AGE
    skew: timedelta = SKEW

    def to_json(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "parties": [
                {
                    "party": party,
                    "keys": [(k if isinstance(k, Held) else Held(k)).to_json() for k in signers],
                }
                for party, signers in self.parties
            ],
            "issued_at": _when(self.issued_at),
            "max_age": int(self.max_age.total_seconds()),
            "skew": int(self.skew.total_seconds()),
            "revoked": [h.hex() for h in sorted(self.revoked)],
        }


@dataclass(frozen=True, kw_only=True)
class Vector:
    name: str
    description: str
    text: str
    now: datetime = NOW
    trust: Trust = field(default_factory=Trust)
    #: (check, status, class) of every check that does not pass, in report order.
    failures: tuple[tuple[str, str, str], ...] = ()
    #: Whether the certificate decodes (every decode-layer vector sets False).
    decoded: bool = True


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _fail(check: str, cls: str) -> tuple[tuple[str, str, str], ...]:
    return ((check, "FAIL", cls),)


def _decoding(cls: str) -> dict[str, Any]:
    return {"failures": _fail("decoding", cls), "decoded": False}


JP = encode_text(_cose(_claims()))
_JP_BODY = JP[len(PREFIX) :]
_JP_ZLIB = zlib.compress(_cose(_claims()), 9)


def _with_zlib(data: bytes) -> str:
    return PREFIX + b45encode(data)


def _retired(at: datetime) -> Trust:
    """japan's RETIRED key, retired ``at``, beside its current key; russia's key."""
    return Trust(parties=(("japan", (Held(RETIRED, retired=at), JAPAN)), ("russia", (RUSSIA,))))


def _compromised() -> Trust:
    """japan's COMPROMISED key, declared compromised two days after the certificates' iat."""
    when = ISSUED_AT + timedelta(days=2)
    held = Held(COMPROMISED, retired=when, compromised=when)
    return Trust(parties=(("japan", (held, JAPAN)), ("russia", (RUSSIA,))))


def _valid() -> list[Vector]:
    refs = _claims(
        certificate_id=b"pilot19-0042",
        subject="p-0042",
        project="pilot-tour-2019",
        category="tourism",
        places=("nemuro", "furukamappu-yuzhno-kurilsk"),
    )
    return [
        Vector(
            name="valid-japanese-holder",
            description="A participant from Japan, names in Latin and Japanese script (215, 413); "
            "project, category and places as numbers; signed by japan then russia.",
            text=JP,
        ),
        Vector(
            name="valid-russian-holder",
            description="A participant from Russia, names in Cyrillic and Latin script (220, 215).",
            text=encode_text(_cose(_claims(**RUSSIAN))),
        ),
        Vector(
            name="valid-refs-and-subject",
            description="Project, category and places as refs (text), and a sub claim: the "
            "verifier accepts refs wherever it accepts numbers.",
            text=encode_text(_cose(refs)),
        ),
        Vector(
            name="valid-signatures-in-other-order",
            description="russia's signature first: a verifier accepts the signatures in any order.",
            text=encode_text(_cose(_claims(), (RUSSIA, JAPAN))),
        ),
        Vector(
            name="valid-key-rotation",
            description="japan has two certificate keys in the trust (one being rotated in) and "
            "signs with the new one.",
            text=encode_text(_cose(_claims(), (JAPAN_NEXT, RUSSIA))),
            trust=Trust(parties=(("japan", (JAPAN, JAPAN_NEXT)), ("russia", (RUSSIA,)))),
        ),
        Vector(
            name="valid-retired-key",
            description="japan signed with a key that was retired two days after the "
            "certificate was issued: a retired key's certificates stay valid until they expire.",
            text=encode_text(_cose(_claims(), (RETIRED, RUSSIA))),
            trust=_retired(ISSUED_AT + timedelta(days=2)),
        ),
        Vector(
            name="valid-key-retired-as-issued",
            description="japan's key was retired at the very second the certificate was "
            "issued (iat): still the key's certificate.",
            text=encode_text(_cose(_claims(), (RETIRED, RUSSIA))),
            trust=_retired(ISSUED_AT),
        ),
        Vector(
            name="valid-at-earliest",
            description="now is nbf minus the clock skew exactly: still valid.",
            text=JP,
            now=NOT_BEFORE - CLOCK_SKEW,
            trust=Trust(issued_at=NOT_BEFORE - timedelta(days=1)),
        ),
        Vector(
            name="valid-at-latest",
            description="now is one second before exp plus the clock skew: still valid.",
            text=JP,
            now=EXPIRES + CLOCK_SKEW - SECOND,
        ),
        Vector(
            name="valid-bundle-at-max-age",
            description="The bundle is exactly max_age old: still fresh.",
            text=JP,
            trust=Trust(issued_at=NOW - MAX_AGE),
        ),
        Vector(
            name="valid-bundle-ahead-within-skew",
            description="The bundle is dated after now by exactly the skew: accepted.",
            text=JP,
            trust=Trust(issued_at=NOW + SKEW),
        ),
    ]


def _decode_failures() -> list[Vector]:
    payload = encode_deterministic(_claims().to_cwt())
    good = _cose(_claims())
    cwt = _claims().to_cwt()
    unknown_claim = {**cwt, 3: "jz-verifiers"}  # aud
    missing_claim = {k: v for k, v in cwt.items() if k != 5}
    unknown_script = {**cwt, -65537: [{999: "SATO Hanako"}, *cwt[-65537][1:]]}
    typ_body = encode_header({HeaderLabel.TYP: "application/jz1"})
    sign1 = encode_deterministic(
        Tag(
            18,
            [encode_header({1: EDDSA, 4: JAPAN.kid}), {}, payload, bytes(64)],
        )
    )
    # The COSE_Sign tag 98 written with a 2-byte argument where 1 byte does (d9 0062, not d8 62).
    long_tag = b"\xd9\x00\x62" + good[2:]
    assert good[:2] == b"\xd8\x62"
    kid_unprotected = _message(
        payload,
        [
            _signature(JAPAN, payload, header={HeaderLabel.ALG: EDDSA}, unprotected={4: JAPAN.kid}),
            _signature(RUSSIA, payload),
        ],
    ).to_bytes()
    return [
        Vector(
            name="wrong-prefix",
            description="The EU DCC prefix HC1: before a valid body.",
            text="HC1:" + _JP_BODY,
            **_decoding("wrong prefix"),
        ),
        Vector(
            name="wrong-prefix-lowercase",
            description="The prefix is case-sensitive: jz1: is not JZ1:.",
            text="jz1:" + _JP_BODY,
            **_decoding("wrong prefix"),
        ),
        Vector(
            name="text-too-long",
            description=f"More than {MAX_TEXT_LENGTH} characters, the most a QR code holds: "
            "refused before Base45 decoding, in the prefix layer.",
            text=JP + "0" * (MAX_TEXT_LENGTH + 1 - len(JP)),
            **_decoding("wrong prefix"),
        ),
        Vector(
            name="bad-base45-character",
            description="A lowercase letter, outside the Base45 alphabet.",
            text=PREFIX + "a" + _JP_BODY[1:],
            **_decoding("bad Base45"),
        ),
        Vector(
            name="bad-base45-length",
            description="One character left over (a length of 3k+1).",
            text=JP + "0",
            **_decoding("bad Base45"),
        ),
        Vector(
            name="bad-base45-group-value",
            description="The triple GGW has the value 65536, more than two bytes hold.",
            text=PREFIX + "GGW" + _JP_BODY[3:],
            **_decoding("bad Base45"),
        ),
        Vector(
            name="broken-zlib-checksum",
            description="The zlib stream's Adler-32 checksum changed.",
            text=_with_zlib(_JP_ZLIB[:-1] + bytes([_JP_ZLIB[-1] ^ 0x01])),
            **_decoding("broken zlib"),
        ),
        Vector(
            name="broken-zlib-truncated",
            description="The zlib stream without its last 4 bytes (the checksum).",
            text=_with_zlib(_JP_ZLIB[:-4]),
            **_decoding("broken zlib"),
        ),
        Vector(
            name="broken-zlib-raw-deflate",
            description="Raw deflate without the zlib header and checksum (RFC 1951, not 1950).",
            text=_with_zlib(_JP_ZLIB[2:-4]),
            **_decoding("broken zlib"),
        ),
        Vector(
            name="broken-zlib-trailing-bytes",
            description="A byte after the end of the zlib stream.",
            text=_with_zlib(_JP_ZLIB + b"\x00"),
            **_decoding("broken zlib"),
        ),
        Vector(
            name="not-cbor-trailing-byte",
            description="A valid COSE_Sign followed by one more byte.",
            text=encode_text(good + b"\x00"),
            **_decoding("not CBOR"),
        ),
        Vector(
            name="not-cbor-truncated",
            description="The COSE_Sign bytes cut short by one byte.",
            text=encode_text(good[:-1]),
            **_decoding("not CBOR"),
        ),
        Vector(
            name="not-cbor-not-deterministic",
            description="Tag 98 encoded with a longer argument than needed (d9 0062): "
            "well-formed CBOR but not deterministic.",
            text=encode_text(long_tag),
            **_decoding("not CBOR"),
        ),
        Vector(
            name="wrong-cose-cwt-tag",
            description="The COSE_Sign wrapped in CWT tag 61: one certificate has one encoding.",
            text=encode_text(encode_deterministic(Tag(61, decode(good)))),
            **_decoding("wrong COSE structure"),
        ),
        Vector(
            name="wrong-cose-sign1",
            description="A COSE_Sign1 (tag 18) instead of a COSE_Sign (tag 98).",
            text=encode_text(sign1),
            **_decoding("wrong COSE structure"),
        ),
        Vector(
            name="wrong-cose-body-protected-header",
            description="A typ header in the body's protected header, which must be empty; both "
            "signatures are made over it and would verify.",
            text=encode_text(
                _message(
                    payload,
                    [_signature(s, payload, body=typ_body) for s in (JAPAN, RUSSIA)],
                    body=typ_body,
                ).to_bytes()
            ),
            **_decoding("wrong COSE structure"),
        ),
        Vector(
            name="wrong-cose-kid-unprotected",
            description="japan's kid in the unprotected header instead of the protected one.",
            text=encode_text(kid_unprotected),
            **_decoding("wrong COSE structure"),
        ),
        Vector(
            name="wrong-cose-duplicate-kid",
            description="Two COSE_Signatures with the same kid (japan's, signed twice).",
            text=encode_text(
                _message(
                    payload, [_signature(s, payload) for s in (JAPAN, JAPAN, RUSSIA)]
                ).to_bytes()
            ),
            **_decoding("wrong COSE structure"),
        ),
        Vector(
            name="bad-claims-unknown-claim",
            description="An aud (3) claim, which the format does not have: refused, not ignored.",
            text=encode_text(_raw_claims(unknown_claim)),
            **_decoding("bad claims"),
        ),
        Vector(
            name="bad-claims-missing-claim",
            description="No nbf (5) claim.",
            text=encode_text(_raw_claims(missing_claim)),
            **_decoding("bad claims"),
        ),
        Vector(
            name="bad-claims-unknown-script",
            description="A name keyed by 999, which is not a script number of the format.",
            text=encode_text(_raw_claims(unknown_script)),
            **_decoding("bad claims"),
        ),
    ]


def _check_failures() -> list[Vector]:
    payload = encode_deterministic(_claims().to_cwt())
    tampered = bytearray(_cose(_claims()))
    tampered[-1] ^= 0x01  # the last byte of the last signature (russia's)
    longer = encode_deterministic(_claims(expires=datetime(2020, 11, 3, tzinfo=UTC)).to_cwt())
    signed = _message(payload, [_signature(s, payload) for s in (JAPAN, RUSSIA)])
    relabelled = _message(longer, signed.signatures).to_bytes()
    es256 = _message(
        payload,
        [
            _signature(JAPAN, payload),
            _signature(RUSSIA, payload, header={HeaderLabel.ALG: -7, HeaderLabel.KID: RUSSIA.kid}),
        ],
    ).to_bytes()
    rotating = Trust(parties=(("japan", (JAPAN, JAPAN_NEXT)), ("russia", (RUSSIA,))))
    by_compromised = _signature(COMPROMISED, payload)
    flipped = CoseSignature(
        protected=by_compromised.protected,
        unprotected={},
        signature=bytes([by_compromised.signature[0] ^ 0x01]) + by_compromised.signature[1:],
    )
    compromised_tampered = _message(payload, [flipped, _signature(RUSSIA, payload)]).to_bytes()
    return [
        Vector(
            name="missing-signature",
            description="Signed by japan only: a certificate needs every party's signature.",
            text=encode_text(_cose(_claims(), (JAPAN,))),
            failures=_fail("signature of russia", "missing"),
        ),
        Vector(
            name="unknown-signer",
            description="Signed by both parties and by a key of no party (the third signature).",
            text=encode_text(_cose(_claims(), (JAPAN, RUSSIA, OUTSIDER))),
            failures=_fail("signature 2", "unknown signer"),
        ),
        Vector(
            name="bad-signature",
            description="One bit of russia's signature flipped.",
            text=encode_text(bytes(tampered)),
            failures=_fail("signature of russia", "bad signature"),
        ),
        Vector(
            name="bad-signature-no-external-aad",
            description="Both signatures made with an empty external_aad instead of JZ1:.",
            text=encode_text(_signed(payload, aad=b"")),
            failures=(
                ("signature of japan", "FAIL", "bad signature"),
                ("signature of russia", "FAIL", "bad signature"),
            ),
        ),
        Vector(
            name="bad-signature-tampered-claims",
            description="The signatures of the certificate with exp moved a year later: the "
            "claims decode, neither signature verifies.",
            text=encode_text(relabelled),
            failures=(
                ("signature of japan", "FAIL", "bad signature"),
                ("signature of russia", "FAIL", "bad signature"),
            ),
        ),
        Vector(
            name="two-signatures-one-party",
            description="Signed by both of japan's keys and by russia's: one signature per party.",
            text=encode_text(_cose(_claims(), (JAPAN, JAPAN_NEXT, RUSSIA))),
            trust=rotating,
            failures=_fail("signature of japan", "more than one"),
        ),
        Vector(
            name="key-retired-before-issue",
            description="japan signed with a key retired one second before the certificate was "
            "issued: a retired key signs no new certificate.",
            text=encode_text(_cose(_claims(), (RETIRED, RUSSIA))),
            trust=_retired(ISSUED_AT - SECOND),
            failures=_fail("signature of japan", "key retired"),
        ),
        Vector(
            name="key-compromised",
            description="japan signed with a key declared compromised (and so retired) two days "
            "after the certificate was issued: none of the key's certificates is valid, "
            "whenever it was issued.",
            text=encode_text(_cose(_claims(), (COMPROMISED, RUSSIA))),
            trust=_compromised(),
            failures=_fail("signature of japan", "key compromised"),
        ),
        Vector(
            name="key-compromised-bad-signature",
            description="As key-compromised, with one bit of that signature flipped too: a "
            "compromised key is reported as such before its signature is checked.",
            text=encode_text(compromised_tampered),
            trust=_compromised(),
            failures=_fail("signature of japan", "key compromised"),
        ),
        Vector(
            name="unsupported-algorithm",
            description="russia's signature header says alg -7 (ES256); only -8 (EdDSA) is "
            "accepted.",
            text=encode_text(es256),
            failures=_fail("signature of russia", "unsupported algorithm"),
        ),
        Vector(
            name="wrong-issuer",
            description="Issued under another regime's issuer name, signed by the same keys.",
            text=encode_text(_cose(_claims(issuer="jz-other"))),
            failures=_fail("issuer", "wrong issuer"),
        ),
        Vector(
            name="not-yet-valid",
            description="now is one second earlier than nbf minus the clock skew.",
            text=JP,
            now=NOT_BEFORE - CLOCK_SKEW - SECOND,
            trust=Trust(issued_at=NOT_BEFORE - timedelta(days=1)),
            failures=_fail("validity", "not yet valid"),
        ),
        Vector(
            name="expired",
            description="now is exp plus the clock skew exactly.",
            text=JP,
            now=EXPIRES + CLOCK_SKEW,
            failures=_fail("validity", "expired"),
        ),
        Vector(
            name="revoked",
            description="The hash of the certificate id (tour19-01) is on the revocation list.",
            text=JP,
            trust=Trust(revoked=(revocation_hash(b"tour19-01"), revocation_hash(b"tour19-07"))),
            failures=_fail("revocation", "revoked"),
        ),
        Vector(
            name="stale-bundle",
            description="The bundle is one second older than max_age.",
            text=JP,
            trust=Trust(issued_at=NOW - MAX_AGE - SECOND),
            failures=(("trust bundle", "STALE", "too old"),),
        ),
        Vector(
            name="bundle-in-future",
            description="The bundle is dated after now by one second more than the skew.",
            text=JP,
            trust=Trust(issued_at=NOW + SKEW + SECOND),
            failures=(("trust bundle", "STALE", "dated in the future"),),
        ),
        Vector(
            name="stale-bundle-undecodable-certificate",
            description="A stale bundle is reported even when the certificate does not decode.",
            text="HC1:" + _JP_BODY,
            trust=Trust(issued_at=NOW - MAX_AGE - SECOND),
            failures=(
                ("decoding", "FAIL", "wrong prefix"),
                ("trust bundle", "STALE", "too old"),
            ),
            decoded=False,
        ),
    ]


_UNKNOWN_SIGNER = re.compile(r"signature [0-9]+")


def _report(vector: Vector) -> list[list[str]]:
    """Every line of the report the specification prescribes: (check name, status)."""
    status = {check: st for check, st, _ in vector.failures}
    parties = [party for party, _ in vector.trust.parties]
    bundle = ["trust bundle", status.get("trust bundle", "INFO")]
    if not vector.decoded:
        return [
            ["decoding", "FAIL"],
            ["issuer", "SKIP"],
            *([f"signature of {p}", "SKIP"] for p in parties),
            ["validity", "SKIP"],
            ["revocation", "SKIP"],
            bundle,
        ]
    unknown = [check for check, _, _ in vector.failures if _UNKNOWN_SIGNER.fullmatch(check)]
    return [
        ["decoding", "PASS"],
        ["issuer", status.get("issuer", "PASS")],
        *([f"signature of {p}", status.get(f"signature of {p}", "PASS")] for p in parties),
        *([check, "FAIL"] for check in unknown),
        ["validity", status.get("validity", "PASS")],
        ["revocation", status.get("revocation", "PASS")],
        bundle,
    ]


def _diag(value: object) -> str:
    """CBOR diagnostic notation (RFC 8949 §8) of a decoded item."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return f"h'{value.hex()}'"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_diag(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_diag(k)}: {_diag(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Tag):
        return f"{value.tag}({_diag(value.value)})"
    raise TypeError(f"no diagnostic notation for {type(value).__name__}")


def _inside(text: str) -> dict[str, Any]:
    """The intermediate forms of a vector's text, as far as each layer decodes (informative)."""
    out: dict[str, Any] = {}
    try:
        cose = decode_text(text)
    except ValueError:
        return out
    out["cose"] = cose.hex()
    try:
        item = decode(cose)
    except CborError:
        return out
    out["cose_diag"] = _diag(item)
    body = item.value if isinstance(item, Tag) else None
    if isinstance(body, Tag):  # CWT tag 61 around the COSE_Sign
        body = body.value
    if isinstance(body, list) and len(body) == 4 and isinstance(body[2], bytes):
        with contextlib.suppress(CborError):  # a payload that is not CBOR has no notation
            out["claims_diag"] = _diag(decode(body[2]))
    return out


def _qr(vector: Vector) -> dict[str, Any]:
    code = segno.make(vector.text, error=QR_ERROR_LEVEL, micro=False, boost_error=False)
    return {"version": code.version, "error": str(code.error), "mode": code.mode}


def vectors() -> list[Vector]:
    return [*_valid(), *_decode_failures(), *_check_failures()]


# -- trust bundle files -----------------------------------------------------------------------

ORIGIN = "jointzone.example/vectors"
BUNDLE_SIZE = 42
LAST_ENTRY = BUNDLE_AT - timedelta(hours=3)
NODE_SEEDS = {"japan": 5, "russia": 6}
OTHER_NODE_SEED = 8  # a node key that no table names
#: japan's node key after its rotation (party.rotate-node-key at position ROTATED_AT).
JAPAN_NODE_NEXT_SEED = 10
ROTATED_AT = 35
#: The node keys of the vectors' log after the rotation; the bundle's checkpoint is signed by
#: these, and the change's (of size ROTATED_AT + 1, in the overlap) by both of japan's too.
ROTATED = {"japan": (JAPAN_NODE_NEXT_SEED,), "russia": (NODE_SEEDS["russia"],)}
OVERLAP = {"japan": (NODE_SEEDS["japan"], JAPAN_NODE_NEXT_SEED), "russia": ROTATED["russia"]}
#: A third party's node key; the party joins by regime.amend at position JOINED_AT.
THIRD_NODE_SEED = 12
JOINED_AT = 38
#: The node keys of the vectors' log after the third party joined.
JOINED = {**{p: (n,) for p, n in NODE_SEEDS.items()}, "third": (THIRD_NODE_SEED,)}


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _event(position: int, moment: datetime) -> dict[str, int]:
    return {"position": position, "time": _seconds(moment)}


def _key(
    party: str,
    signer: CoseSigner,
    declared: int,
    retired: int | None = None,
    *,
    compromised: int | None = None,
) -> Any:
    day = LAST_ENTRY - timedelta(days=90)

    def at(position: int | None) -> dict[str, int] | None:
        return None if position is None else _event(position, day + timedelta(days=position))

    return {
        "kid": signer.kid,
        "party": party,
        "public_key": signer.public_key.public_bytes_raw(),
        "declared": at(declared),
        "retired": at(retired),
        "compromised": at(compromised),
    }


def _node_key(party: str, seed: int) -> str:
    return Signer.from_seed(node_key_name(ORIGIN, party), bytes([seed]) * 32).verifier.vkey


def _names(ja: str, ru: str, en: str) -> dict[str, str]:
    return {"ja": ja, "ru": ru, "en": en}


def _table(**changes: Any) -> dict[str, Any]:
    """The verifier table of the vectors' log at size 42: japan's retired key, its current one,
    one declared compromised and the next, russia's key, one revocation; the places, category
    and project the certificate vectors carry as codes (2, 1, 11; 3; 17)."""
    same = _names("色丹島", "Шикотан", "Shikotan")
    table: dict[str, Any] = {
        "format": TABLE_FORMAT,
        "origin": ORIGIN,
        "size": BUNDLE_SIZE,
        "time": _seconds(LAST_ENTRY),
        "issuer": ISSUER,
        "languages": ["ja", "ru", "en"],
        "name_order": {
            "ja": ["japan", "russia"],
            "ru": ["russia", "japan"],
            "en": ["japan", "russia"],
        },
        "max_age": int(MAX_AGE.total_seconds()),
        "skew": int(SKEW.total_seconds()),
        "parties": [
            {"id": party, "names": names, "node_key": _node_key(party, NODE_SEEDS[party])}
            for party, names in (
                ("japan", _names("日本", "Япония", "Japan")),
                ("russia", _names("ロシア", "Россия", "Russia")),
            )
        ],
        "keys": [
            _key("japan", RETIRED, 2, retired=5),
            _key("japan", JAPAN, 3),
            _key("russia", RUSSIA, 4),
            _key("japan", COMPROMISED, 6, retired=20, compromised=20),
            _key("japan", JAPAN_NEXT, 30),
        ],
        "revoked": [
            {
                "hash": revocation_hash(b"tour19-07"),
                "revoked": _event(40, LAST_ENTRY - timedelta(days=1)),
                "reason": {"en": "Left the project.", "ja": "事業から離脱した。"},
            }
        ],
        "places": [
            {
                "ref": "etorofu-iturup",
                "code": 1,
                "parent": None,
                "names": {
                    "japan": _names("択捉島", "Эторофу", "Etorofu"),
                    "russia": _names("イトゥルップ島", "Итуруп", "Iturup"),
                },
                "aliases": {"russia": {"en": ["Iturup Island"]}},
            },
            {
                "ref": "kunashiri-kunashir",
                "code": 2,
                "parent": None,
                "names": {
                    "japan": _names("国後島", "Кунасири", "Kunashiri"),
                    "russia": _names("クナシル島", "Кунашир", "Kunashir"),
                },
                "aliases": {},
            },
            {
                "ref": "furukamappu-yuzhno-kurilsk",
                "code": 11,
                "parent": "kunashiri-kunashir",
                "names": {
                    "japan": _names("古釜布", "Фурукамаппу", "Furukamappu"),
                    "russia": _names("ユジノクリリスク", "Южно-Курильск", "Yuzhno-Kurilsk"),
                },
                "aliases": {},
            },
            {
                "ref": "shikotan",
                "code": None,
                "parent": None,
                "names": {"japan": same, "russia": same},
                "aliases": {},
            },
        ],
        "categories": [
            {"id": "tourism", "code": 3, "names": _names("観光", "туризм", "tourism")},
        ],
        "projects": [
            {
                "number": 17,
                "id": "pilot-tour-2019",
                "category": "tourism",
                "title": _names("試行ツアー", "пилотный тур", "Pilot tour 2019"),
            }
        ],
    }
    table.update(changes)
    return table


def _table_bytes(**changes: Any) -> bytes:
    """The table encoded, checked against the reader's own model first."""
    return VerifierTable.model_validate(_table(**changes)).to_cbor()


def _note(
    extensions: Sequence[str],
    *,
    signed_by: Sequence[str] = ("japan", "russia"),
    stamped_by: Sequence[str] = ("japan", "russia"),
    stamped_at: datetime = BUNDLE_AT,
    size: int = BUNDLE_SIZE,
    node_seeds: Mapping[str, Sequence[int]] | None = None,
) -> bytes:
    """A checkpoint of the vectors' log at ``size``, signed by the node keys (``node_seeds``, by
    default the genesis's, one a party) of ``signed_by`` and timestamped by the last key of
    each of ``stamped_by`` (japan at ``stamped_at``, russia 90 s later)."""
    seeds = node_seeds or {party: (n,) for party, n in NODE_SEEDS.items()}
    checkpoint = Checkpoint(
        origin=ORIGIN,
        size=size,
        root=hashlib.sha256(
            b"the vectors' log" if size == BUNDLE_SIZE else f"the vectors' log at {size}".encode()
        ).digest(),
        extensions=tuple(extensions),
    )
    name = {party: node_key_name(ORIGIN, party) for party in seeds}
    note = sign_note(
        checkpoint.to_text(),
        [Signer.from_seed(name[p], bytes([n]) * 32) for p in signed_by for n in seeds[p]],
    )
    stamps = [
        CosignatureSigner.from_seed(name[p], bytes([seeds[p][-1]]) * 32).sign(
            checkpoint, timestamp=_seconds(stamped_at) + 90 * i
        )
        for i, p in enumerate(stamped_by)
    ]
    return note.with_signatures(*stamps).to_bytes()


def _bundle(
    table: bytes, note: bytes | None = None, key_changes: Sequence[tuple[bytes, bytes]] = ()
) -> str:
    """The bundle file of ``table`` with ``note`` (by default one committing to ``table``)."""
    return bundle_json(note or _note([verifier_extension(table)]), table, key_changes).decode(
        "utf-8"
    )


def _rotated_parties(japan_seed: int = JAPAN_NODE_NEXT_SEED) -> list[dict[str, Any]]:
    """The table's parties with japan's node key that of ``japan_seed``."""
    return [
        {**p, "node_key": _node_key("japan", japan_seed)} if p["id"] == "japan" else p
        for p in _table()["parties"]
    ]


def _change(position: int, seeds: Mapping[str, Sequence[int]], **table: Any) -> tuple[bytes, bytes]:
    """A key change: the final checkpoint of size ``position + 1`` (the change's entry at
    ``position``), signed by the node keys of ``seeds``, and its table with ``table``'s values.
    Every certificate key of the bundle's table is declared by then; the revocation comes later."""
    size = position + 1
    day = LAST_ENTRY - timedelta(days=90)
    encoded = _table_bytes(
        size=size, time=_seconds(day + timedelta(days=position)), revoked=[], **table
    )
    note = _note(
        [verifier_extension(encoded)],
        size=size,
        signed_by=tuple(seeds),
        stamped_by=(),
        node_seeds=seeds,
    )
    return note, encoded


def _key_change(
    *, signed_by: Mapping[str, Sequence[int]] = OVERLAP, japan_seed: int = JAPAN_NODE_NEXT_SEED
) -> tuple[bytes, bytes]:
    """The key change of japan's node-key rotation at ROTATED_AT, signed by the keys of
    ``signed_by``; its table names japan's node key of ``japan_seed``."""
    return _change(ROTATED_AT, signed_by, parties=_rotated_parties(japan_seed))


def _after_rotation(
    key_changes: Sequence[tuple[bytes, bytes]] = (), *, size: int = BUNDLE_SIZE
) -> str:
    """The bundle at ``size`` after japan's node-key rotation: signed and timestamped by the new
    keys alone, its table naming them, with ``key_changes``."""
    table = _table_bytes(parties=_rotated_parties())
    note = _note([verifier_extension(table)], size=size, node_seeds=ROTATED)
    return _bundle(table, note, key_changes)


def _joined_parts(*, declared: bool = True) -> dict[str, Any]:
    """The table's parties, name orders and places with the third party after the others: its
    node key, names, and a name for every place (the founding parties' side by side); and, if
    ``declared``, its certificate key (declared at JOINED_AT + 1)."""
    table = _table()
    names = _names("第三当事国", "Третья сторона", "Third party")
    places = [
        {
            **place,
            "names": {
                **place["names"],
                "third": {
                    lang: " / ".join(dict.fromkeys(n[lang] for n in place["names"].values()))
                    for lang in ("ja", "ru", "en")
                },
            },
        }
        for place in table["places"]
    ]
    return {
        "parties": [
            *table["parties"],
            {"id": "third", "names": names, "node_key": _node_key("third", THIRD_NODE_SEED)},
        ],
        "name_order": {lang: [*order, "third"] for lang, order in table["name_order"].items()},
        "places": places,
        "keys": [*table["keys"], *([_key("third", THIRD, JOINED_AT + 1)] if declared else [])],
    }


def _join_change(*, seeds: Mapping[str, Sequence[int]] = JOINED) -> tuple[bytes, bytes]:
    """The key change of the third party's joining at JOINED_AT, signed by the node keys of
    ``seeds``; its table names the third party's key."""
    return _change(JOINED_AT, seeds, **_joined_parts(declared=False))


def _after_join(key_changes: Sequence[tuple[bytes, bytes]] = ()) -> str:
    """The bundle after the third party joined: signed and timestamped by all three nodes, its
    table naming them, with ``key_changes``."""
    table = _table_bytes(**_joined_parts())
    parties = tuple(JOINED)
    note = _note(
        [verifier_extension(table)], signed_by=parties, stamped_by=parties, node_seeds=JOINED
    )
    return _bundle(table, note, key_changes)


def _replaced(bundle: str, **values: Any) -> str:
    """``bundle`` with some of its values replaced, written as bundle_json writes."""
    doc = {**json.loads(bundle), **values}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


@dataclass(frozen=True, kw_only=True)
class BundleVector:
    name: str
    description: str
    bundle: str
    node_keys: tuple[str, ...] = tuple(_node_key(p, n) for p, n in NODE_SEEDS.items())
    #: The step that refuses the bundle (docs/certificate.md §4.4); None: it opens.
    refused: str | None = None
    #: What an opened bundle yields.
    trust: Trust | None = None

    def to_json(self) -> dict[str, Any]:
        expected: dict[str, Any] = (
            {"result": "REFUSED", "step": self.refused}
            if self.refused is not None
            else {"result": "OPEN", "trust": self.trust.to_json() if self.trust else None}
        )
        return {
            "name": self.name,
            "description": self.description,
            "bundle": self.bundle,
            "node_keys": list(self.node_keys),
            "expected": expected,
        }


def bundle_vectors() -> list[BundleVector]:
    table = _table_bytes()
    good = _bundle(table)
    everything = _table()
    keys, places = everything["keys"], everything["places"]
    iturup = {**places[0]["names"], "russia": _names("イトゥルップ島", "Итуруп", "Iturup Island")}
    compressed = zlib.compress(table, 9)
    broken = compressed[:-1] + bytes([compressed[-1] ^ 1])  # the Adler-32 checksum
    loose = table.replace(b"dsize\x18\x2a", b"dsize\x19\x00\x2a")  # 42 in two bytes
    assert loose != table
    other_node = [
        {**p, "node_key": _node_key("russia", OTHER_NODE_SEED)} if p["id"] == "russia" else p
        for p in everything["parties"]
    ]
    russia_compromised = [
        {**k, "retired": _event(41, LAST_ENTRY), "compromised": _event(41, LAST_ENTRY)}
        if k["party"] == "russia"
        else k
        for k in keys
    ]
    compromise_dropped = [
        {**k, "compromised": None} if k["kid"] == COMPROMISED.kid else k for k in keys
    ]
    # A table breaking the rule that a compromised key is retired too, committed to as it is.
    unretired = encode_deterministic(
        _table(keys=[{**k, "retired": None} if k["kid"] == COMPROMISED.kid else k for k in keys])
    )
    day = LAST_ENTRY - timedelta(days=90)
    trust = Trust(
        parties=(
            (
                "japan",
                (
                    Held(RETIRED, retired=day + timedelta(days=5)),
                    JAPAN,
                    Held(
                        COMPROMISED,
                        retired=day + timedelta(days=20),
                        compromised=day + timedelta(days=20),
                    ),
                    JAPAN_NEXT,
                ),
            ),
            ("russia", (RUSSIA,)),
        ),
        revoked=(revocation_hash(b"tour19-07"),),
    )
    change = _key_change()
    unsigned_by_old = _key_change(signed_by=ROTATED)
    # The change's checkpoint as the genesis keys sign it, its table naming japan's new key.
    unsigned_by_new = _key_change(signed_by={p: (n,) for p, n in NODE_SEEDS.items()})
    after = json.loads(_after_rotation([change]))
    return [
        BundleVector(
            name="file-valid",
            description="A bundle that opens: japan's first key (retired: its certificates "
            "stay valid until they expire), its current key, a key declared compromised and "
            "its next key; russia's key; one revocation; made when the older of the two nodes' "
            "timestamps says.",
            bundle=good,
            trust=trust,
        ),
        BundleVector(
            name="file-valid-after-node-key-change",
            description=f"japan's node key rotated at position {ROTATED_AT}: the checkpoint is "
            "signed and timestamped by japan's new node key and russia's, and the bundle carries "
            f"the change, the final checkpoint of size {ROTATED_AT + 1} (signed by japan's old "
            "and new node keys and russia's) with its table, which names the new key. Opened "
            "with the genesis node keys; the trust is file-valid's.",
            bundle=_after_rotation([change]),
            trust=trust,
        ),
        BundleVector(
            name="file-valid-current-node-keys-pinned",
            description="file-valid-after-node-key-change opened with the node keys after the "
            "rotation: they sign the checkpoint, so the key change is not needed, nor read.",
            bundle=_after_rotation([change]),
            node_keys=(
                _node_key("japan", JAPAN_NODE_NEXT_SEED),
                _node_key("russia", NODE_SEEDS["russia"]),
            ),
            trust=trust,
        ),
        BundleVector(
            name="file-compromise-dropped",
            description="The compromise of japan's compromised key left out of the table "
            "(compromised null), the checkpoint as signed.",
            bundle=_bundle(
                _table_bytes(keys=compromise_dropped), _note([verifier_extension(table)])
            ),
            refused="table",
        ),
        BundleVector(
            name="file-compromised-key-not-retired",
            description="A table, committed to by the checkpoint, in which a key declared "
            "compromised is not retired: every compromised key is retired too.",
            bundle=_bundle(unretired),
            refused="table",
        ),
        BundleVector(
            name="file-table-not-committed",
            description="One name of a place changed in the table: it no longer hashes to the "
            "checkpoint's jointzone-verifier line.",
            bundle=_bundle(
                _table_bytes(places=[{**places[0], "names": iturup}, *places[1:]]),
                _note([verifier_extension(table)]),
            ),
            refused="table",
        ),
        BundleVector(
            name="file-revocation-dropped",
            description="The revocation left out of the table, the checkpoint as signed.",
            bundle=_bundle(_table_bytes(revoked=[]), _note([verifier_extension(table)])),
            refused="table",
        ),
        BundleVector(
            name="file-key-dropped",
            description="japan's retired key left out of the table, the checkpoint as signed.",
            bundle=_bundle(_table_bytes(keys=keys[1:]), _note([verifier_extension(table)])),
            refused="table",
        ),
        BundleVector(
            name="file-table-of-earlier-checkpoint",
            description="The table of size 41 (before the revocation) with the checkpoint of "
            "size 42.",
            bundle=_bundle(
                _table_bytes(size=41, revoked=[], time=_seconds(LAST_ENTRY - timedelta(days=1))),
                _note([verifier_extension(table)]),
            ),
            refused="table",
        ),
        BundleVector(
            name="file-table-not-deterministic",
            description="The table with its size written in two bytes (0x19 0x00 0x2a), and a "
            "checkpoint committing to exactly those bytes: a reader decodes only deterministic "
            "CBOR.",
            bundle=_bundle(loose),
            refused="table",
        ),
        BundleVector(
            name="file-table-broken-zlib",
            description="The compressed table's Adler-32 checksum is wrong.",
            bundle=_replaced(good, table=base64.b64encode(broken).decode("ascii")),
            refused="table",
        ),
        BundleVector(
            name="file-table-other-log",
            description="A table made for another origin, committed to by the checkpoint.",
            bundle=_bundle(_table_bytes(origin="jointzone.example/other")),
            refused="table",
        ),
        BundleVector(
            name="file-no-verifier-line",
            description="A checkpoint signed by both nodes without a jointzone-verifier line.",
            bundle=_bundle(table, _note([])),
            refused="checkpoint",
        ),
        BundleVector(
            name="file-two-verifier-lines",
            description="A checkpoint with two jointzone-verifier lines, one of them the table's.",
            bundle=_bundle(
                table,
                _note([verifier_extension(table), verifier_extension(_table_bytes(revoked=[]))]),
            ),
            refused="checkpoint",
        ),
        BundleVector(
            name="file-missing-node-signature",
            description="The checkpoint carries japan's node signature only (both timestamps).",
            bundle=_bundle(table, _note([verifier_extension(table)], signed_by=("japan",))),
            refused="checkpoint",
        ),
        BundleVector(
            name="file-node-keys-not-the-tables",
            description="The table names another node key for russia than the one that signed "
            "(and that the verifier pins).",
            bundle=_bundle(_table_bytes(parties=other_node)),
            refused="node keys",
        ),
        BundleVector(
            name="file-missing-timestamp",
            description="Only japan's node timestamped the checkpoint: freshness needs every "
            "party's.",
            bundle=_bundle(table, _note([verifier_extension(table)], stamped_by=("japan",))),
            refused="timestamps",
        ),
        BundleVector(
            name="file-timestamps-before-last-entry",
            description="The nodes' timestamps are earlier than the table's time (the last "
            "entry's) by more than the skew.",
            bundle=_bundle(
                table,
                _note([verifier_extension(table)], stamped_at=LAST_ENTRY - SKEW - SECOND),
            ),
            refused="timestamps",
        ),
        BundleVector(
            name="file-party-without-key",
            description="russia's only key was declared compromised: no certificate can carry "
            "every party's signature, so the bundle trusts nothing.",
            bundle=_bundle(_table_bytes(keys=russia_compromised)),
            refused="trust",
        ),
        BundleVector(
            name="file-key-change-missing",
            description="file-valid-after-node-key-change without its key change: the genesis "
            "node keys do not open the checkpoint.",
            bundle=_after_rotation(),
            refused="checkpoint",
        ),
        BundleVector(
            name="file-checkpoint-before-key-change",
            description=f"A checkpoint of size {ROTATED_AT}, signed by the node keys after the "
            f"rotation, with the change of size {ROTATED_AT + 1}: older than the keys it is "
            "signed by.",
            bundle=_after_rotation([change], size=ROTATED_AT),
            refused="checkpoint",
        ),
        BundleVector(
            name="file-key-change-not-signed-by-old-key",
            description="The key change's checkpoint lacks the signature of japan's old node key "
            "(signed by its new key and russia's): what a forger holding a key of its own making "
            "offers.",
            bundle=_after_rotation([unsigned_by_old]),
            refused="key_changes[0]",
        ),
        BundleVector(
            name="file-key-change-table-names-unsigned-key",
            description="The key change's checkpoint is signed by the genesis node keys alone, and "
            "its table names japan's new node key, which did not sign it.",
            bundle=_after_rotation([unsigned_by_new]),
            refused="key_changes[0]",
        ),
        BundleVector(
            name="file-key-change-repeated",
            description="The key change twice: the second is not of a later size than the first.",
            bundle=_after_rotation([change, change]),
            refused="key_changes[1]",
        ),
        BundleVector(
            name="file-key-change-table-of-the-checkpoint",
            description="The key change carries the bundle checkpoint's table, not its own: it "
            "does not hash to the change's jointzone-verifier line.",
            bundle=_replaced(
                _after_rotation([change]),
                key_changes=[{**after["key_changes"][0], "table": after["table"]}],
            ),
            refused="table",
        ),
        BundleVector(
            name="file-valid-after-party-joined",
            description=f"A third party joined by regime.amend at position {JOINED_AT}: the "
            "checkpoint is signed and timestamped by the three parties' nodes, and the bundle "
            f"carries the change, the final checkpoint of size {JOINED_AT + 1} (signed by the "
            "three) with its table, which names the third party. Opened with the founding "
            "parties' node keys, whose signatures alone open the checkpoint: the signature under "
            "a name they lack sends the reader to the key changes.",
            bundle=_after_join([_join_change()]),
            trust=replace(trust, parties=(*trust.parties, ("third", (THIRD,)))),
        ),
        BundleVector(
            name="file-party-joined-key-change-missing",
            description="file-valid-after-party-joined without its key change: the founding "
            "parties' node keys open the checkpoint, but the table names a third party whose "
            "key was given nowhere.",
            bundle=_after_join(),
            refused="node keys",
        ),
        BundleVector(
            name="file-party-joined-without-a-founding-party",
            description="The join's checkpoint is signed by japan's node and the third party's, "
            "not russia's: a party joins only with every node it joins beside.",
            bundle=_after_join(
                [_join_change(seeds={"japan": JOINED["japan"], "third": JOINED["third"]})]
            ),
            refused="key_changes[0]",
        ),
        BundleVector(
            name="file-format-2",
            description="A bundle of format jointzone-trust-bundle/2 (no key_changes), no longer "
            "read.",
            bundle=_replaced(
                json.dumps({k: v for k, v in json.loads(good).items() if k != "key_changes"}),
                format="jointzone-trust-bundle/2",
            ),
            refused="not a trust bundle",
        ),
        BundleVector(
            name="file-format-1",
            description="A bundle of format jointzone-trust-bundle/1, no longer read.",
            bundle=_replaced(good, format="jointzone-trust-bundle/1"),
            refused="not a trust bundle",
        ),
    ]


def to_json(vector: Vector) -> dict[str, Any]:
    valid = not vector.failures
    out: dict[str, Any] = {
        "name": vector.name,
        "description": vector.description,
        "text": vector.text,
        "now": _when(vector.now),
        "clock_skew": int(CLOCK_SKEW.total_seconds()),
        "trust": vector.trust.to_json(),
        "expected": {
            "verdict": "VALID" if valid else "INVALID",
            "failures": [
                {"check": check, "status": status, "class": cls}
                for check, status, cls in vector.failures
            ],
            "report": _report(vector),
        },
        **_inside(vector.text),
    }
    if valid:
        out["qr"] = _qr(vector)
    return out


def render() -> bytes:
    """The vectors file's bytes."""
    found = vectors()
    names = [v.name for v in found]
    if len(set(names)) != len(names):
        raise ValueError(f"vector names repeat: {sorted(n for n in names if names.count(n) > 1)}")
    bundles = bundle_vectors()
    names += [b.name for b in bundles]
    if len(set(names)) != len(names):
        raise ValueError(f"vector names repeat: {sorted(n for n in names if names.count(n) > 1)}")
    data = {
        "format": FORMAT,
        "specification": "docs/certificate.md",
        "vectors": [to_json(v) for v in found],
        "bundles": [b.to_json() for b in bundles],
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs from what is generated"
    )
    args = parser.parse_args(argv)
    data = render()
    if args.check:
        current = OUT.read_bytes() if OUT.exists() else b""
        if current != data:
            print(f"{OUT} is not current: run scripts/certificate_vectors.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(vectors())} vectors, {len(bundle_vectors())} bundle files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
