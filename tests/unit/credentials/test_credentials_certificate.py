"""Certificates: layout, transport round trips, QR codes read back by a real reader, bad input."""

from __future__ import annotations

import io
import os
import re
import zlib
from collections.abc import Callable
from typing import Any

import pytest
import segno
from cert_factory import JAPAN, RUSSIA, certificate, claims, russian_certificate
from PIL import Image

from jointzone.cose import (
    EDDSA,
    CoseSignature,
    Label,
    SignedMessage,
    Tag,
    decode,
    encode_deterministic,
    encode_header,
    sign,
)
from jointzone.credentials import (
    CERTIFICATE_AAD,
    MAX_TEXT_LENGTH,
    PREFIX,
    Base45Error,
    Certificate,
    ClaimsError,
    CoseStructureError,
    DecodeError,
    InvalidClaimsError,
    NotCborError,
    PrefixError,
    QrReadError,
    ZlibError,
    b45encode,
    decode_text,
    encode_text,
    read_qr,
    sign_certificate,
)

#: The issue's bound: the seed's certificates fit QR version 15 at level Q.
MAX_QR_VERSION = 15


def test_layout() -> None:
    cert = certificate()
    cose = cert.to_cose()
    assert cose[:5] == bytes.fromhex("d862 84 40 a0")  # tag 98, 4 elements, no body headers
    assert [decode(s.protected) for s in cert.message.signatures] == [
        {1: EDDSA, 4: JAPAN.kid},
        {1: EDDSA, 4: RUSSIA.kid},
    ]
    assert cert.to_text().startswith(PREFIX)
    assert CERTIFICATE_AAD == b"JZ1:"


def test_text_and_cose_round_trips() -> None:
    cert = certificate()
    assert Certificate.from_text(cert.to_text()) == cert
    assert Certificate.from_cose(cert.to_cose()).claims == claims()
    assert decode_text(encode_text(b"anything")) == b"anything"


def test_each_party_signs_in_turn() -> None:
    first = sign_certificate(claims(), [JAPAN])
    both = sign_certificate(claims(), [RUSSIA], existing=first)
    assert both == certificate()
    with pytest.raises(
        InvalidClaimsError, match="claims differ from the certificate being cosigned"
    ):
        sign_certificate(claims(certificate_id=b"other"), [RUSSIA], existing=first)


#: zlib's worst case: a stored block (5 bytes) inside its header (2) and Adler-32 (4). How much
#: zlib saves depends on the signatures' random bytes; this bound does not.
ZLIB_WORST_CASE = 11


@pytest.mark.parametrize("make", [certificate, russian_certificate], ids=["japanese", "russian"])
def test_realistic_certificates_fit_qr_version_15_at_level_q(
    make: Callable[[], Certificate],
) -> None:
    cert = make()
    qr = cert.qr()
    assert qr.error == "Q"
    assert qr.mode == "alphanumeric"
    assert isinstance(qr.version, int)
    assert qr.version <= MAX_QR_VERSION, (
        f"{len(cert.to_text())} characters need version {qr.version}"
    )
    # Whatever the signatures' bytes, zlib output no longer than this still fits.
    worst = PREFIX + b45encode(os.urandom(len(cert.to_cose()) + ZLIB_WORST_CASE))
    version = segno.make(worst, error="q", micro=False, boost_error=False).version
    assert isinstance(version, int)
    assert version <= MAX_QR_VERSION, f"worst case needs version {version}"


def test_qr_png_round_trip_through_zxing() -> None:
    cert = russian_certificate()
    png = cert.qr_png(scale=3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert read_qr(png) == cert.to_text()


def test_qr_read_from_a_jpeg_photo_sized_copy() -> None:
    # What an officer's phone gives: a larger, lossy, greyish picture.
    picture = Image.open(io.BytesIO(certificate().qr_png(scale=2))).convert("L")
    picture = picture.resize((picture.width * 3, picture.height * 3)).point(lambda v: 40 + v * 0.7)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=60)
    assert read_qr(out.getvalue()) == certificate().to_text()


def test_qr_svg() -> None:
    cert = certificate()
    svg = cert.qr_svg(scale=2, border=4)
    modules = 17 + 4 * int(cert.qr().version)
    size = (modules + 8) * 2
    assert "<svg" in svg
    assert re.search(rf'width="{size}"\s+height="{size}"', svg)


QR_FAILURES: list[tuple[bytes, str]] = [
    (b"", "unreadable image: the file is empty"),
    (b"\x89PNG\r\n\x1a\n broken", "unreadable image:"),
    (b"GIF89a", "unreadable image:"),
    (b"not an image at all", "unreadable image: UnidentifiedImageError"),
]


@pytest.mark.parametrize(("image", "message"), QR_FAILURES)
def test_unreadable_images(image: bytes, message: str) -> None:
    with pytest.raises(QrReadError, match=re.escape(message)):
        read_qr(image)


def _png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def test_image_without_a_qr_code() -> None:
    with pytest.raises(QrReadError, match=r"no QR code found in the image \(64x32 pixels\)"):
        read_qr(_png(Image.new("L", (64, 32), 255)))


def test_image_with_two_qr_codes() -> None:
    one = Image.open(io.BytesIO(certificate().qr_png(scale=2)))
    two = Image.new("L", (one.width * 2 + 20, one.height), 255)
    two.paste(one, (0, 0))
    two.paste(one, (one.width + 20, 0))
    with pytest.raises(QrReadError, match="2 QR codes found in the image; expected exactly one"):
        read_qr(_png(two))


def test_image_too_large_is_refused_before_decoding() -> None:
    with pytest.raises(QrReadError, match="image of 10000x6000 pixels: expected at most"):
        read_qr(_png(Image.new("1", (10000, 6000), 1)))


def test_read_qr_wants_bytes() -> None:
    with pytest.raises(QrReadError, match="expected the image file's bytes, found str"):
        read_qr("qr.png")  # type: ignore[arg-type]


# -- decoding errors, one per layer -----------------------------------------------------------


def _text(cose: bytes) -> str:
    return PREFIX + b45encode(zlib.compress(cose, 9))


def _reencode(message: SignedMessage) -> str:
    return _text(message.to_bytes())


def _signed(payload: bytes) -> SignedMessage:
    return sign(payload, [JAPAN, RUSSIA], external_aad=CERTIFICATE_AAD)


GOOD = certificate()
GOOD_TEXT = GOOD.to_text()
COMPRESSED = zlib.compress(GOOD.to_cose(), 9)


def _with_signature_headers(protected: dict[Label, Any], unprotected: dict[Label, Any]) -> str:
    sig = GOOD.message.signatures[0]
    changed = CoseSignature(
        protected=encode_header(protected), unprotected=unprotected, signature=sig.signature
    )
    return _reencode(
        SignedMessage(
            protected=b"",
            unprotected={},
            payload=GOOD.message.payload,
            signatures=(changed, GOOD.message.signatures[1]),
        )
    )


DECODE_FAILURES: list[tuple[object, type[DecodeError], str]] = [
    ("HC1:" + GOOD_TEXT[4:], PrefixError, "expected text starting with 'JZ1:', found 'HC1:'"),
    ("jz1:" + GOOD_TEXT[4:], PrefixError, "found 'jz1:'"),
    ("", PrefixError, "found ''"),
    (b"JZ1:", PrefixError, "expected text starting with 'JZ1:', found bytes"),
    (
        PREFIX + "0" * MAX_TEXT_LENGTH,
        PrefixError,
        "expected at most 4296, the most a QR code holds",
    ),
    (GOOD_TEXT + "a", Base45Error, f"character 'a' at position {len(GOOD_TEXT) - 4}"),
    (PREFIX + "BB8A", Base45Error, "Base45 text of 4 characters: expected a length of 3k or 3k+2"),
    (PREFIX + "GGW", Base45Error, "group 'GGW' at position 0 has value 65536"),
    (
        PREFIX + b45encode(b"\x78\xda\x07\x00\x00\x00"),
        ZlibError,
        "broken zlib stream: Error -3 while decompressing data: invalid block type",
    ),
    (PREFIX + b45encode(COMPRESSED[:-6]), ZlibError, "is truncated: expected its final block"),
    (
        PREFIX + b45encode(COMPRESSED + b"\x00"),
        ZlibError,
        "1 byte(s) after the end of the zlib stream",
    ),
    (
        PREFIX + b45encode(zlib.compress(b"\x00" * 20000)),
        ZlibError,
        "inflates to more than 16384 bytes",
    ),
    (
        PREFIX + b45encode(GOOD.to_cose()),
        ZlibError,
        "broken zlib stream: Error -3 while decompressing data: incorrect header check",
    ),
    (
        _text(b"\xff"),
        NotCborError,
        "not a deterministic CBOR certificate: unexpected break (0xff) at offset 0",
    ),
    (_text(GOOD.to_cose() + b"\x00"), NotCborError, "1 trailing byte(s)"),
    (
        _text(encode_deterministic(Tag(18, [b"", {}, b"", b""]))),
        CoseStructureError,
        "expected a COSE_Sign message (CBOR tag 98), found tag 18",
    ),
    (_text(encode_deterministic([1, 2])), CoseStructureError, "found an untagged list"),
    (
        _text(encode_deterministic(Tag(61, Tag(98, [])))),
        CoseStructureError,
        "wrapped in CWT tag 61; expected the bare COSE_Sign tag 98",
    ),
    (
        _text(encode_deterministic(Tag(98, [b"", {}, b""]))),
        CoseStructureError,
        "expected an array of 4 elements",
    ),
    (
        _reencode(sign(GOOD.message.payload, [JAPAN], protected={3: 0})),
        CoseStructureError,
        "COSE_Sign protected header: expected a zero-length bstr",
    ),
    (
        _reencode(
            SignedMessage(
                protected=b"",
                unprotected={3: 0},
                payload=GOOD.message.payload,
                signatures=GOOD.message.signatures,
            )
        ),
        CoseStructureError,
        "COSE_Sign unprotected header: expected an empty map",
    ),
    (
        _with_signature_headers({1: EDDSA, 4: JAPAN.kid, 3: 0}, {}),
        CoseStructureError,
        "COSE_Signature 0 protected header: expected exactly alg (1) and kid (4)",
    ),
    (
        _with_signature_headers({1: EDDSA}, {4: JAPAN.kid}),
        CoseStructureError,
        "expected exactly alg (1) and kid (4), found labels ['1']",
    ),
    (
        _with_signature_headers({1: EDDSA, 4: JAPAN.kid}, {5: b""}),
        CoseStructureError,
        "COSE_Signature 0 unprotected header: expected an empty map",
    ),
    (
        _with_signature_headers({1: EDDSA, 4: "kid"}, {}),
        CoseStructureError,
        "COSE_Signature 0: expected kid (4) to be a bstr",
    ),
    (
        _with_signature_headers({1: EDDSA, 4: RUSSIA.kid}, {}),
        CoseStructureError,
        "COSE_Signature 1: kid",
    ),
    (_reencode(_signed(b"\xff")), ClaimsError, "COSE payload is not deterministic CBOR"),
    (
        _reencode(_signed(encode_deterministic({1: "jz-seed"}))),
        ClaimsError,
        "claims: missing claim(s) -65537, 4 (exp), 5 (nbf), 6 (iat), 7 (cti)",
    ),
]


@pytest.mark.parametrize(("text", "error", "message"), DECODE_FAILURES)
def test_decoding_failures(text: object, error: type[DecodeError], message: str) -> None:
    with pytest.raises(error) as caught:
        Certificate.from_text(text)  # type: ignore[arg-type]
    assert message in str(caught.value)
