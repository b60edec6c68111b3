"""The public log over HTTP: C2SP tlog-tiles, byte for byte what a static export would hold.

A node serves its log straight from the store instead of from an exported directory, so a
reader sees each new final checkpoint the moment the node keeps it. Every answer is bounded by
the size of the latest *final* checkpoint (the one every party's node signed): entries the node
holds beyond it are not yet part of the record and are never served, not even as a hash.

Which partial tiles are served follows tlog-tiles: a log must serve the partial tiles of every
size it produced a checkpoint for, and may drop them once the full tile is out. A partial tile
of width ``W`` is only the first ``W`` hashes of its tile, which never change once they exist,
so every width the final size covers is served; that includes every older checkpoint's partial
tiles without looking the older checkpoints up. Paths are parsed as strictly as the spec writes
them (no leading zeroes, no ``x000`` group, no ``.p/256``), so one resource has one URL and a
cache never holds two copies of it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from jointzone.server import _wire
from jointzone.store import LogStore
from jointzone.tlog import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    MalformedError,
    Note,
    TilePath,
    encode_bundle,
)

CHECKPOINT_TYPE = "text/plain; charset=utf-8"
TILE_TYPE = "application/octet-stream"

#: A full tile or bundle never changes: caches may keep it for a year without asking again.
FULL_CACHE = "public, max-age=31536000, immutable"
#: A partial tile's bytes never change either, but the log may delete it once the full tile is
#: out, so caches are not told it lives forever.
PARTIAL_CACHE = "public, max-age=60"
#: The checkpoint moves with every round; a cache must ask each time.
CHECKPOINT_CACHE = "no-cache"
#: A tile missing now may exist after the next checkpoint: no cache may remember the 404.
MISSING_CACHE = "no-store"

#: tlog-tiles levels are 0 to 63: 64 levels of 8 bits span every 64-bit tree size.
_MAX_LEVEL = 63


#: Tiles and bundles are bytes, documented as such (FastAPI would say JSON).
_OCTETS: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The tile or bundle",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def public_router(store: Callable[[], LogStore]) -> APIRouter:
    """The unauthenticated routes ``/checkpoint`` and ``/tile/...``, read from ``store()``.

    ``store`` is called on every request, not once, so the routes serve whatever store the
    node holds at that moment; the final size is read afresh each time, so a growing log is
    served at its new size without a restart. GET and HEAD are answered alike.
    """
    router = APIRouter(tags=["public"])

    # GET and HEAD as two operations, each with its own operationId in the OpenAPI document.
    @router.get("/checkpoint", responses=_wire.problems(404), response_class=PlainTextResponse)
    @router.head(
        "/checkpoint",
        operation_id="head_checkpoint",
        responses=_wire.problems(404),
        response_class=PlainTextResponse,
    )
    def checkpoint() -> Response:
        """The latest checkpoint every party's node signed (C2SP tlog-checkpoint)."""
        note = store().checkpoint()
        if note is None:
            return _not_found("this node holds no final checkpoint yet")
        return Response(
            note, media_type=CHECKPOINT_TYPE, headers={"Cache-Control": CHECKPOINT_CACHE}
        )

    @router.get("/tile/{path:path}", responses={**_wire.problems(404), **_OCTETS})
    @router.head("/tile/{path:path}", operation_id="head_tile", responses=_wire.problems(404))
    def tile(path: str) -> Response:
        """A hash tile ``tile/<L>/<N>[.p/<W>]`` or an entry bundle ``tile/entries/<N>[.p/<W>]``."""
        try:
            where = TilePath.from_text(f"tile/{path}")
        except MalformedError as e:
            return _not_found(str(e))
        if where.level is not None and where.level > _MAX_LEVEL:
            return _not_found(f"tile level {where.level} is beyond the highest, {_MAX_LEVEL}")
        log = store()
        size = _final_size(log)
        level = 0 if where.level is None else where.level
        end = (where.index * TILE_WIDTH + where.width) << (TILE_HEIGHT * level)
        if end > size:
            return _not_found(
                f"{where} needs a log of {end:,} entries; the latest final checkpoint has {size:,}"
            )
        if where.level is None:
            first = where.index * TILE_WIDTH
            body = encode_bundle(log.read_entries(first, first + where.width))
        else:
            body = log.published_tile(where.level, where.index, where.width)
        cache = FULL_CACHE if where.width == TILE_WIDTH else PARTIAL_CACHE
        return Response(body, media_type=TILE_TYPE, headers={"Cache-Control": cache})

    return router


def _final_size(store: LogStore) -> int:
    """The size of the store's latest final checkpoint; 0 when it has none."""
    note = store.checkpoint()
    if note is None:
        return 0
    return Checkpoint.from_text(Note.from_bytes(note).text).size


def _not_found(detail: str) -> Response:
    """An RFC 9457 404 that no cache keeps, whether or not the app around it handles errors."""
    return JSONResponse(
        _wire.problem(404, "Not Found", detail),
        status_code=404,
        media_type=_wire.PROBLEM_TYPE,
        headers={"Cache-Control": MISSING_CACHE},
    )
