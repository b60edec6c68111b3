"""The verifier reading a log over HTTP: the same verdicts as from a directory, bounded reads,
and every way a server can fail named, with its URL, instead of a traceback.

Two real servers on loopback: the node's public router (uvicorn) serving a store, and a plain
static file server over a directory, which a test can damage or make misbehave.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from tiles_factory import ORIGIN, SIGNERS, VERIFIERS, entries_of, write_tiles_from_tree

from jointzone.publish import export_tiles
from jointzone.server._public import public_router
from jointzone.store import LogStore, open_store
from jointzone.tlog import Checkpoint, MemoryTree, entries_path, sign_note, tile_path
from jointzone.verify import (
    HashMismatchError,
    MalformedFileError,
    MissingFileError,
    UsageError,
    VerificationError,
    VerifyError,
    read_first_entry,
    verify_tiles,
)
from jointzone.verify._http import TileURL

SIZE = 65_536 + 2 * 256 + 9
"""Full and partial tiles at levels 0 and 1, and a partial level-2 tile."""

SMALL = 600

Rule = Callable[["_Handler"], None]


# -- the node's router on loopback ---------------------------------------------------------------


@pytest.fixture(scope="module")
def node_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, bytes]]:
    """The URL of a store's log served by the public router under ``/log``, the directory its
    export went to, and an older checkpoint of it."""
    with open_store("sqlite://") as store:
        store.append(entries_of(SIZE))
        older = _finalise(store, 1_000)
        note = _finalise(store, SIZE)
        directory = tmp_path_factory.mktemp("export")
        export_tiles(store, directory, checkpoint_note=note)
        app = FastAPI()
        app.include_router(public_router(lambda: store), prefix="/log")
        with _uvicorn(app) as base:
            yield f"{base}/log", directory, older


def _finalise(store: LogStore, size: int) -> bytes:
    note = sign_note(Checkpoint(ORIGIN, size, store.root(size)).to_text(), SIGNERS).to_bytes()
    store.add_checkpoint(size, note)
    return note


class _Uvicorn(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        """A server in a test's thread leaves the test runner's signals alone."""


@contextmanager
def _uvicorn(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn in a thread, on a loopback port of its own; its base URL."""
    sock = socket.socket()
    # Accepted connections inherit it. Without it this uvicorn answers a kept-alive connection
    # in two writes that wait on the client's delayed ACK: 40 ms a file, 25 s for this log.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Uvicorn(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_a_log_served_by_a_node_verifies_as_its_export_does(
    node_log: tuple[str, Path, bytes],
) -> None:
    url, directory, older = node_log
    over_http = verify_tiles(url, VERIFIERS, older_checkpoints=[older])
    on_disk = verify_tiles(directory, VERIFIERS, older_checkpoints=[older])
    assert over_http == on_disk
    assert (over_http.size, over_http.older) == (SIZE, (1_000,))
    assert read_first_entry(url) == read_first_entry(directory) == entries_of(1)[0]


def test_a_trailing_slash_on_the_prefix_changes_nothing(node_log: tuple[str, Path, bytes]) -> None:
    url, _, _ = node_log
    with TileURL(url) as bare, TileURL(f"{url}/") as slashed:
        assert bare.read_checkpoint() == slashed.read_checkpoint()
        assert bare.hash_tile(1, 0, 256) == slashed.hash_tile(1, 0, 256)
    assert slashed.url == bare.url
    assert str(bare.url) == f"{url}/"


# -- a plain static server on loopback -----------------------------------------------------------


class _Handler(SimpleHTTPRequestHandler):
    """Serves the server's directory, except where a rule for the request's path says otherwise."""

    server: _StaticServer

    def do_GET(self) -> None:
        rule = self.server.rules.get(self.path)
        if rule is None:
            super().do_GET()
        else:
            rule(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output is its assertions."""


class _StaticServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        self.rules: dict[str, Rule] = {}
        super().__init__(
            ("127.0.0.1", 0),
            lambda *a: _Handler(*a, directory=str(root)),
        )

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up on an oversized answer is what the test wants, not an error."""


@pytest.fixture
def static(tmp_path: Path) -> Iterator[tuple[_StaticServer, str, Path]]:
    """A static server over a fresh copy of a 600-entry log, the log's URL and its directory."""
    directory = tmp_path / "site" / "tiles"
    write_tiles_from_tree(directory, entries_of(SMALL))
    server = _StaticServer(tmp_path / "site")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/tiles", directory
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def status(code: int) -> Rule:
    return lambda handler: handler.send_error(code)


def redirect(location: str, code: int = 302) -> Rule:
    def rule(handler: _Handler) -> None:
        handler.send_response(code)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return rule


def body(size: int, *, announce: bool) -> Rule:
    def rule(handler: _Handler) -> None:
        handler.send_response(200)
        if announce:
            handler.send_header("Content-Length", str(size))
        handler.end_headers()
        handler.wfile.write(b"\0" * size)

    return rule


def slow(seconds: float) -> Rule:
    def rule(handler: _Handler) -> None:
        time.sleep(seconds)
        status(404)(handler)

    return rule


def errors_of(source: str | Path | TileURL) -> VerifyError:
    with pytest.raises(VerifyError) as info:
        verify_tiles(source, VERIFIERS)
    return info.value


def test_a_static_site_verifies_as_its_directory_does(
    static: tuple[_StaticServer, str, Path],
) -> None:
    _, url, directory = static
    report = verify_tiles(url, VERIFIERS)
    assert report == verify_tiles(directory, VERIFIERS)
    assert report.root == MemoryTree(entries_of(SMALL)).root()


def test_a_tampered_tile_is_reported_as_from_a_directory(
    static: tuple[_StaticServer, str, Path],
) -> None:
    _, url, directory = static
    tile = directory / tile_path(0, 1)
    data = bytearray(tile.read_bytes())
    data[40] ^= 1
    tile.write_bytes(bytes(data))
    over_http, on_disk = errors_of(url), errors_of(directory)
    assert isinstance(over_http, HashMismatchError)
    assert isinstance(on_disk, HashMismatchError)
    assert (type(over_http), str(over_http), over_http.path, over_http.entry) == (
        type(on_disk),
        str(on_disk),
        on_disk.path,
        on_disk.entry,
    )
    assert over_http.path == "tile/0/001"


def test_a_pruned_partial_tile_is_read_from_the_full_one(
    static: tuple[_StaticServer, str, Path],
) -> None:
    """The log published at 300 entries, then at 600, then set back to its checkpoint of 300
    with the partial tile and bundle 300 needs deleted, as tlog-tiles lets a log do once the
    full ones are out: both are read from the full ones, over HTTP as from the directory."""
    _, url, directory = static
    write_tiles_from_tree(directory, entries_of(300))
    (directory / tile_path(0, 1, 44)).unlink()
    (directory / entries_path(1, 44)).unlink()
    assert verify_tiles(url, VERIFIERS) == verify_tiles(directory, VERIFIERS)
    assert verify_tiles(url, VERIFIERS).size == 300


def test_a_missing_tile_is_a_missing_file(static: tuple[_StaticServer, str, Path]) -> None:
    _, url, directory = static
    (directory / tile_path(1, 0, 2)).unlink()
    error = errors_of(url)
    assert isinstance(error, MissingFileError)
    assert error.path == "tile/1/000.p/2"


def test_no_checkpoint_names_the_url(static: tuple[_StaticServer, str, Path]) -> None:
    _, url, directory = static
    (directory / "checkpoint").unlink()
    error = errors_of(url)
    assert isinstance(error, MissingFileError)
    assert str(error).startswith(f"{url}/checkpoint: not found")


def test_a_server_error_is_an_error_naming_url_and_status_not_a_verdict(
    static: tuple[_StaticServer, str, Path],
) -> None:
    server, url, _ = static
    server.rules["/tiles/tile/0/002.p/88"] = status(500)
    error = errors_of(url)
    assert not isinstance(error, VerificationError)
    assert str(error) == (
        f"{url}/tile/0/002.p/88: the server answered HTTP 500 Internal Server Error, "
        "expected 200 with a hash tile"
    )


def test_a_server_error_is_not_taken_for_a_pruned_partial_tile(
    static: tuple[_StaticServer, str, Path],
) -> None:
    server, url, _ = static
    server.rules["/tiles/tile/entries/002.p/88"] = status(503)
    error = errors_of(url)
    assert "HTTP 503" in str(error)
    assert "tile/entries/002.p/88" in str(error)


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "unannounced"])
def test_an_oversized_answer_is_refused(
    static: tuple[_StaticServer, str, Path], announce: bool
) -> None:
    server, url, _ = static
    server.rules["/tiles/tile/0/000"] = body(300_000, announce=announce)
    error = errors_of(url)
    assert isinstance(error, MalformedFileError)
    assert error.path == "tile/0/000"
    found = "announces 300,000 bytes" if announce else "sends more"
    assert str(error) == (
        f"{url}/tile/0/000: expected a hash tile, at most 131,072 bytes; the server {found}"
    )


def test_an_oversized_checkpoint_is_refused(static: tuple[_StaticServer, str, Path]) -> None:
    server, url, _ = static
    server.rules["/tiles/checkpoint"] = body((1 << 20) + 1, announce=False)
    error = errors_of(url)
    assert isinstance(error, MalformedFileError)
    assert "expected a checkpoint, at most 1,048,576 bytes" in str(error)


def test_a_same_origin_redirect_is_followed(static: tuple[_StaticServer, str, Path]) -> None:
    server, url, directory = static
    moved = directory.parent / "moved"
    moved.mkdir()
    shutil.move(directory / tile_path(0, 0), moved / "000")
    server.rules["/tiles/tile/0/000"] = redirect("/moved/000", 301)
    assert verify_tiles(url, VERIFIERS).size == SMALL


def test_a_redirect_to_another_origin_is_refused(
    static: tuple[_StaticServer, str, Path],
) -> None:
    server, url, _ = static
    port = server.server_address[1]
    for target in (
        "https://mirror.example/tiles/tile/0/000",
        f"http://localhost:{port}/tiles/tile/0/000",
        f"https://127.0.0.1:{port}/tiles/tile/0/000",
        f"http://127.0.0.1:{port + 1}/tiles/tile/0/000",
    ):
        server.rules["/tiles/tile/0/000"] = redirect(target)
        error = errors_of(url)
        assert not isinstance(error, VerificationError)
        assert str(error).startswith(f"{url}/tile/0/000: the server redirects (HTTP 302) to ")
        assert str(error).endswith(f"outside the log's origin http://127.0.0.1:{port}; refused")


def test_a_redirect_loop_ends(static: tuple[_StaticServer, str, Path]) -> None:
    server, url, _ = static
    server.rules["/tiles/tile/0/000"] = redirect("/tiles/tile/0/000")
    assert str(errors_of(url)) == f"{url}/tile/0/000: more than 5 redirects"


def test_a_server_that_does_not_answer_times_out(
    static: tuple[_StaticServer, str, Path],
) -> None:
    server, url, _ = static
    server.rules["/tiles/tile/entries/000"] = slow(2)
    with TileURL(url, timeout=0.2) as source:
        error = errors_of(source)
    assert str(error) == f"{url}/tile/entries/000: no answer within 0.2 s"


def test_a_server_that_is_not_there_is_an_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    error = errors_of(f"http://127.0.0.1:{port}/log")
    assert not isinstance(error, VerificationError)
    assert str(error).startswith(f"http://127.0.0.1:{port}/log/checkpoint: cannot be fetched: ")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://", "expected an http:// or https:// URL with a host"),
        ("https://log.example/tiles?size=3", "without a query or fragment"),
        ("https://log.example/tiles#top", "without a query or fragment"),
    ],
)
def test_a_url_that_cannot_be_a_log_prefix_is_a_usage_error(url: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        verify_tiles(url, VERIFIERS)


def test_a_path_is_always_a_directory(tmp_path: Path) -> None:
    """Only a str is read as a URL: a Path that happens to start with "http:" is a directory."""
    directory = tmp_path / "http:" / "log.example"
    write_tiles_from_tree(directory, entries_of(3))
    assert verify_tiles(directory, VERIFIERS).size == 3
