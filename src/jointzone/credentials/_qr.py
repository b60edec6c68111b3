"""Reading a certificate's QR code from an image, with zxing-cpp.

Pillow turns the image file (a PNG we printed, a JPEG from an officer's phone) into pixels;
zxing-cpp takes a Pillow image directly, so no numpy is needed. Both parse untrusted bytes in C,
so every failure becomes a :class:`QrReadError` with what was found, never an exception of theirs.

The image is bounded by :data:`jointzone.inputs.IMAGE`: its bytes, and its pixels, judged on
the size its header declares before a single pixel is decoded (a decompression bomb is a few
kilobytes of PNG declaring a billion pixels). Pillow has a bomb check of its own, a warning
above ``Image.MAX_IMAGE_PIXELS`` and an error above twice that; that limit is process-wide
state any library may change, so ours is checked here on every read, and Pillow's warning is
made an error while we open the image, so that neither can be missed nor escape as a warning
(which the tests, run with warnings as errors, would see as a crash).

zxing-cpp is imported by the first read, not with this module: a process that imports it and
ends without freeing every object of its bindings (a server stopped by a signal) has
nanobind report them as leaked on standard error, and most processes never read an image.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from jointzone import inputs
from jointzone.credentials.errors import QrReadError

#: Image formats accepted: what cameras, scanners and our own QR PNGs produce. Fewer formats
#: means fewer of Pillow's parsers reachable from an untrusted file.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")


def _open(image: bytes) -> Image.Image:
    most = inputs.IMAGE.max_pixels
    assert most is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(image), formats=IMAGE_FORMATS)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
            raise QrReadError(
                f"image refused before decoding: expected at most {most:,} pixels; {e}"
            ) from e
        # Image.open has read the header only: the pixels are decoded by convert() below.
        width, height = picture.size
        if width * height > most:
            raise QrReadError(f"image of {width}x{height} pixels: expected at most {most:,} pixels")
        return picture.convert("L")


def read_qr(image: bytes) -> str:
    """The text of the one QR code in an image file's bytes; raises :class:`QrReadError`."""
    if not isinstance(image, bytes | bytearray | memoryview):
        raise QrReadError(f"expected the image file's bytes, found {type(image).__name__}")
    if not image:
        raise QrReadError("unreadable image: the file is empty")
    if len(image) > inputs.IMAGE.max_bytes:
        raise QrReadError(
            f"image of {len(image):,} bytes: expected at most {inputs.IMAGE.max_bytes:,}"
        )
    try:
        gray = _open(bytes(image))
    except QrReadError:
        raise
    except Exception as e:  # untrusted bytes into a C parser: any failure is the image's
        raise QrReadError(f"unreadable image: {type(e).__name__}: {e}") from e
    import zxingcpp  # noqa: PLC0415 - see the module docstring

    try:
        found = zxingcpp.read_barcodes(
            gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
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
