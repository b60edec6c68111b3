"""The public routes serve the log exactly as a static export of the same store holds it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from jointzone.publish import export_tiles
from jointzone.server._public import public_router
from jointzone.store import LogStore, open_store
from jointzone.tlog import Checkpoint, Signer, entries_path, sign_note, tile_path

ORIGIN = "public.jointzone.example/log"
SIGNERS = (Signer.generate("one.node.example"), Signer.generate("two.node.example"))
BIG = 65_536 + 3 * 256 + 5
"""A full level-1 tile, full and partial tiles at levels 0 and 1, a partial level-2 tile."""

FULL = "public, max-age=31536000, immutable"


def entry(i: int) -> bytes:
    return f"act {i}".encode() * (i % 4)


def grow(store: LogStore, size: int) -> None:
    store.append([entry(i) for i in range(store.size(), size)])


def finalise(store: LogStore, size: int | None = None) -> bytes:
    """Sign and keep a checkpoint at ``size`` (default: the whole log), as a node does."""
    size = store.size() if size is None else size
    note = sign_note(Checkpoint(ORIGIN, size, store.root(size)).to_text(), SIGNERS).to_bytes()
    store.add_checkpoint(size, note)
    return note


class Served:
    """The public routes of one store, in an app of their own, asked over ASGI."""

    def __init__(self, store: Callable[[], LogStore]) -> None:
        self.app = FastAPI()
        self.app.include_router(public_router(store))

    def get(self, path: str, method: str = "GET") -> httpx.Response:
        return self.many([path], method)[0]

    def many(self, paths: Sequence[str], method: str = "GET") -> list[httpx.Response]:
        async def run() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://log") as client:
                return [await client.request(method, f"/{p}") for p in paths]

        return asyncio.run(run())


def served(store: LogStore) -> Served:
    return Served(lambda: store)


def files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LogStore, dict[str, bytes]]]:
    """A store with a final checkpoint at BIG and 40 more entries not yet final, and the
    export of that checkpoint."""
    with open_store("sqlite://") as store:
        grow(store, BIG)
        note = finalise(store)
        grow(store, BIG + 40)
        directory = tmp_path_factory.mktemp("export")
        export_tiles(store, directory, checkpoint_note=note)
        yield store, files(directory)


@pytest.fixture
def small() -> Iterator[LogStore]:
    with open_store("sqlite://") as store:
        yield store


def test_every_exported_file_is_served_byte_for_byte(
    big: tuple[LogStore, dict[str, bytes]],
) -> None:
    store, exported = big
    assert {"tile/1/000", "tile/1/001.p/3", "tile/2/000.p/1"} <= set(exported)
    names = list(exported)
    for name, response in zip(names, served(store).many(names), strict=True):
        assert response.status_code == 200, name
        assert response.content == exported[name], name


def test_headers_follow_tlog_tiles(big: tuple[LogStore, dict[str, bytes]]) -> None:
    store, exported = big
    names = list(exported)
    for name, response in zip(names, served(store).many(names), strict=True):
        cache = response.headers["cache-control"]
        if name == "checkpoint":
            assert response.headers["content-type"] == "text/plain; charset=utf-8"
            assert cache == "no-cache"
            continue
        assert response.headers["content-type"] == "application/octet-stream", name
        if ".p/" in name:
            assert cache.startswith("public, max-age="), name
            assert "immutable" not in cache, name
        else:
            assert cache == FULL, name


@pytest.mark.parametrize("name", ["checkpoint", "tile/0/000", "tile/1/001.p/3", "tile/entries/000"])
def test_head_answers_the_get_headers_without_a_body(
    big: tuple[LogStore, dict[str, bytes]], name: str
) -> None:
    store, exported = big
    log = served(store)
    get, head = log.get(name), log.get(name, "HEAD")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(exported[name]))
    for header in ("content-type", "cache-control"):
        assert head.headers[header] == get.headers[header]


def test_entries_beyond_the_final_checkpoint_are_never_served(
    big: tuple[LogStore, dict[str, bytes]],
) -> None:
    store, exported = big
    last, width = divmod(BIG, 256)
    assert store.size() == BIG + 40
    log = served(store)
    assert log.get("checkpoint").content == exported["checkpoint"]
    names = [
        tile_path(0, last, width + 1),
        entries_path(last, width + 1),
        tile_path(0, last, width + 40),
        tile_path(0, last),
        entries_path(last),
        tile_path(0, last + 1, 1),
        tile_path(1, 1),
        tile_path(3, 0, 1),
    ]
    for name, response in zip(names, log.many(names), strict=True):
        assert response.status_code == 404, name
        assert response.headers["cache-control"] == "no-store", name
        assert response.headers["content-type"] == "application/problem+json", name
        assert "latest final checkpoint" in response.json()["detail"], name


def test_narrower_partial_tiles_of_older_sizes_are_served(
    big: tuple[LogStore, dict[str, bytes]],
) -> None:
    """tlog-tiles: the partial tiles of every checkpointed size must stay available."""
    store, exported = big
    full = exported["tile/0/000"]
    log = served(store)
    for width in (1, 17, 255):
        response = log.get(tile_path(0, 0, width))
        assert response.status_code == 200
        assert response.content == full[: 32 * width]
        assert "immutable" not in response.headers["cache-control"]
    two = 2 + len(entry(0)) + 2 + len(entry(1))
    assert log.get(entries_path(0, 2)).content == exported["tile/entries/000"][:two]


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/0",
        "tile/0/00",
        "tile/0/0000",
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/-1/000",
        "tile/x/000",
        "tile/0/x000/000",
        "tile/0/001/000",
        "tile/0/x001",
        "tile/0/000/",
        "tile/0/000.p/0",
        "tile/0/000.p/01",
        "tile/0/000.p/256",
        "tile/0/000.p/",
        "tile/0/000.p/1/",
        "tile/0/000.P/1",
        "tile/entries/000.p/256",
        "tile/entries/x000/000",
        "tile/entries",
        "tile/",
        "tile/0",
    ],
)
def test_a_malformed_path_is_not_found(big: tuple[LogStore, dict[str, bytes]], path: str) -> None:
    store, _ = big
    response = served(store).get(path)
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"


def test_a_log_without_a_final_checkpoint_serves_nothing(small: LogStore) -> None:
    grow(small, 300)
    names = ["checkpoint", "tile/0/000", "tile/0/000.p/1", "tile/entries/000.p/1"]
    for name, response in zip(names, served(small).many(names), strict=True):
        assert response.status_code == 404, name
        assert response.headers["cache-control"] == "no-store", name


def test_the_served_log_grows_with_the_store(small: LogStore, tmp_path: Path) -> None:
    grow(small, 300)
    first = finalise(small)
    export_tiles(small, tmp_path / "first", checkpoint_note=first)
    log = served(small)
    assert log.get("checkpoint").content == first
    assert log.get("tile/0/001.p/44").status_code == 200
    assert log.get("tile/0/001").status_code == 404

    grow(small, 700)
    assert log.get("checkpoint").content == first
    assert log.get("tile/0/001").status_code == 404
    second = finalise(small)
    export_tiles(small, tmp_path / "second", checkpoint_note=second)

    assert log.get("checkpoint").content == second
    # The new export, and every tile of the old one: its partial tiles are still served.
    both = {**files(tmp_path / "first"), **files(tmp_path / "second")}
    del both["checkpoint"]
    names = list(both)
    for name, response in zip(names, log.many(names), strict=True):
        assert response.content == both[name], name


def test_the_store_is_asked_for_on_every_request(small: LogStore) -> None:
    grow(small, 10)
    note = finalise(small)
    asked: list[LogStore] = []

    def current() -> LogStore:
        asked.append(small)
        return small

    log = Served(current)
    assert log.get("checkpoint").content == note
    assert log.get("tile/0/000.p/10").status_code == 200
    assert len(asked) == 2
