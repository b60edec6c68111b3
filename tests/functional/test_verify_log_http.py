"""``jointzone verify-log URL``: a published log checked where a web server serves it.

No mocks: the demo's tiles directory served by Python's own static file server, in a process
of its own on loopback, and verified by URL as it is by path.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from jointzone.cli import app
from jointzone.tlog import tile_path

from ._network import free_port

NODES = ("japan.node.example", "russia.node.example")


def jointzone(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The demo's root, served, and its node keys as ``--key`` arguments."""
    root = tmp_path_factory.mktemp("demo")
    result = jointzone("log", "demo", "--dir", root, "--fresh", "--entries", "70000")
    assert result.exit_code == 0, result.output
    keys = [(root / "keys" / f"{n}.vkey").read_text().strip() for n in NODES]
    return root, [arg for key in keys for arg in ("--key", key)]


@pytest.fixture(scope="module")
def site(demo: tuple[Path, list[str]]) -> Iterator[str]:
    """The base URL of a static file server over the demo's root (its tiles under /tiles)."""
    root, _ = demo
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(root)]
    server = subprocess.Popen(
        [*command, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/tiles/checkpoint", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the static server did not start"
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def failure(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_served_log_verifies_by_url_as_by_path(demo: tuple[Path, list[str]], site: str) -> None:
    root, keys = demo
    by_path = jointzone("verify-log", root / "tiles", *keys)
    by_url = jointzone("verify-log", f"{site}/tiles", *keys)
    assert by_url.exit_code == 0, by_url.output
    assert by_url.stdout == by_path.stdout
    assert by_url.stdout.startswith("ok: 70,000 entries, root ")


def test_a_tampered_served_tile_is_the_same_verdict(
    demo: tuple[Path, list[str]], site: str
) -> None:
    root, keys = demo
    tile = root / "tiles" / tile_path(1, 0)
    good = tile.read_bytes()
    tile.write_bytes(good[:100] + bytes([good[100] ^ 1]) + good[101:])
    try:
        by_url = failure(jointzone("verify-log", f"{site}/tiles", *keys))
        by_path = failure(jointzone("verify-log", root / "tiles", *keys))
    finally:
        tile.write_bytes(good)
    assert by_url == by_path
    assert by_url.startswith("verification failed: tile/1/000: hash 3 ")


def test_a_url_with_no_log_says_so(demo: tuple[Path, list[str]], site: str) -> None:
    _, keys = demo
    message = failure(jointzone("verify-log", f"{site}/keys", *keys))
    assert message == (
        f"verification failed: {site}/keys/checkpoint: not found; a tlog-tiles log starts with "
        "its checkpoint: is this the log's URL prefix?"
    )


def test_a_server_that_is_not_there_is_an_error_not_a_verdict(
    demo: tuple[Path, list[str]],
) -> None:
    _, keys = demo
    url = f"http://127.0.0.1:{free_port()}/tiles"
    message = failure(jointzone("verify-log", url, *keys))
    assert message.startswith(f"error: {url}/checkpoint: cannot be fetched: ")
