"""The camera path: Chromium's fake camera plays a video of a seeded certificate's QR code, made
here (a Y4M file: a one-line header, then raw I420 frames), and the app reads it from the
camera's frames, verifies it and shows the verdict, as an officer holding a phone to a card."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Playwright, expect

from .conftest import CHROMIUM, Seed, Served, new_page

WIDTH, HEIGHT = 640, 480


def y4m(frames: list[Image.Image], *, fps: int = 5) -> bytes:
    """A YUV4MPEG2 video of ``frames`` (each WIDTH x HEIGHT), 4:2:0, what Chromium's fake
    capture device reads."""
    out = bytearray(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
    for frame in frames:
        y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
        half = (WIDTH // 2, HEIGHT // 2)
        out += b"FRAME\n" + y.tobytes()
        out += cb.resize(half, Image.Resampling.BILINEAR).tobytes()
        out += cr.resize(half, Image.Resampling.BILINEAR).tobytes()
    return bytes(out)


def _frames(qr_png: bytes) -> list[Image.Image]:
    """A grey card drifting into view, the QR code on it: a few frames without it first, so
    the app must keep looking."""
    code = Image.open(io.BytesIO(qr_png)).convert("L")
    side = min(HEIGHT - 40, code.width)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frames = []
    for i in range(10):
        frame = Image.new("L", (WIDTH, HEIGHT), 90)
        if i >= 3:
            frame.paste(code, ((WIDTH - side) // 2 + (i - 6) * 4, (HEIGHT - side) // 2))
        frames.append(frame)
    return frames


@pytest.fixture(scope="module")
def video(seed: Seed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("camera") / "card.y4m"
    path.write_bytes(y4m(_frames(seed.qr_png["tour19-05"])))
    return path


@pytest.fixture(scope="module")
def camera_browser(playwright: Playwright, video: Path) -> Iterator[Browser]:
    b = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield b
    b.close()


def test_the_camera_reads_and_verifies_a_certificate(
    camera_browser: Browser, exported: Served, seed: Seed
) -> None:
    page = new_page(camera_browser, exported, language="ru")
    try:
        page.context.grant_permissions(["camera"], origin=exported.url)
        page.click("#camera-start")
        verdict = page.locator("#verdict[data-verdict]")
        expect(verdict).to_have_attribute("data-verdict", "VALID", timeout=30_000)
        lines = page.locator("#checks li")
        assert lines.nth(5).get_attribute("data-check") == "QR image"
        assert lines.nth(5).get_attribute("data-status") == "PASS"
        assert "tour19-05" in seed.certificates
        holder = page.locator("#holder").inner_text()
        assert holder.strip()
        # The camera is let go once a code is read.
        expect(page.locator("#camera-stop")).to_be_hidden()
        assert page.evaluate("document.getElementById('camera-video').srcObject") is None
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
