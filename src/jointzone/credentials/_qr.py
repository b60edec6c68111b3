"""Reading a certificate's QR code from an image, with zxing-cpp.

Pillow turns the image file (a PNG we printed, a JPEG from an officer's phone) into pixels;
zxing-cpp takes a Pillow image directly, so no numpy is needed. Both parse untrusted bytes in C,
so every failure becomes a :class:`QrReadError` with what was found, never an exception of theirs.
"""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image

from jointzone.credentials.errors import QrReadError

#: Image formats accepted: what cameras, scanners and our own QR PNGs produce. Fewer formats
#: means fewer of Pillow's parsers reachable from an untrusted file.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")
#: Largest image read (pixels): a phone photo is about 12 million; a decompression bomb is more.
MAX_PIXELS = 50_000_000
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _open(image: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow warns, not fails, on images above its own limit; we want a failure we report.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        picture = Image.open(io.BytesIO(image), formats=IMAGE_FORMATS)
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise QrReadError(
                f"image of {width}x{height} pixels: expected at most {MAX_PIXELS:,} pixels"
            )
        return picture.convert("L")


def read_qr(image: bytes) -> str:
    """The text of the one QR code in an image file's bytes; raises :class:`QrReadError`."""
    if not isinstance(image, bytes | bytearray | memoryview):
        raise QrReadError(f"expected the image file's bytes, found {type(image).__name__}")
    if not image:
        raise QrReadError("unreadable image: the file is empty")
    try:
        gray = _open(bytes(image))
    except QrReadError:
        raise
    except Exception as e:  # untrusted bytes into a C parser: any failure is the image's
        raise QrReadError(f"unreadable image: {type(e).__name__}: {e}") from e
    try:
        found = zxingcpp.read_barcodes(gray, formats=_QR_ONLY)
    except Exception as e:  # same reason: the QR reader is C++ fed untrusted pixels
        raise QrReadError(f"unreadable image: the QR reader failed: {e}") from e
    if not found:
        raise QrReadError(
            f"no QR code found in the image ({gray.width}x{gray.height} pixels); "
            "expected one certificate QR code"
        )
    if len(found) > 1:
        raise QrReadError(f"{len(found)} QR codes found in the image; expected exactly one")
    return found[0].text
