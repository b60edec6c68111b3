"""QR images within the IMAGE limits: bombs and oversized files are refused before decoding."""

from __future__ import annotations

import struct
import tracemalloc
import zlib

import pytest
from PIL import Image

from jointzone.credentials import QrReadError, read_qr
from jointzone.inputs import IMAGE


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, idat: bytes) -> bytes:
    """A 1-bit greyscale PNG declaring ``width`` x ``height``, with ``idat`` as its pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def _bomb(side: int) -> bytes:
    """A real decompression bomb: every row of a ``side``-square 1-bit image, all zeros."""
    row = b"\x00" * (1 + (side + 7) // 8)
    squeeze = zlib.compressobj(9)
    idat = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    return _png(side, side, idat)


def test_a_decompression_bomb_is_refused_before_any_pixel_is_decoded() -> None:
    bomb = _bomb(12_000)  # 144 million pixels in about 20 kB
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(QrReadError, match="refused before decoding: expected at most"):
            read_qr(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"refusing the bomb took {peak:,} bytes"


@pytest.mark.parametrize(
    ("side", "pillow"),
    [
        (8_000, "below Pillow's warning: ours refuses"),
        (10_000, "above Pillow's warning, which must not escape as a warning"),
        (30_000, "above Pillow's error"),
    ],
)
def test_too_many_pixels_is_a_qr_read_error_at_every_size(side: int, pillow: str) -> None:
    with pytest.raises(QrReadError, match=f"expected at most {IMAGE.max_pixels:,} pixels"):
        read_qr(_png(side, side, zlib.compress(b"")))


def test_our_pixel_limit_holds_when_pillows_is_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(QrReadError, match="image of 30000x30000 pixels: expected at most"):
        read_qr(_png(30_000, 30_000, zlib.compress(b"")))


def test_an_image_file_larger_than_the_limit_is_refused_unopened() -> None:
    with pytest.raises(QrReadError, match=f"expected at most {IMAGE.max_bytes:,}"):
        read_qr(b"\x89PNG\r\n\x1a\n" + bytes(IMAGE.max_bytes))
