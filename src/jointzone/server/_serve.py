"""``node serve``: one party's node as an ASGI app on uvicorn, with its driver beside it.

Its log goes to standard error, as JSON lines by default (:class:`JsonLogFormatter`): one
object per record, with its time (ISO 8601 UTC), level, logger and message, and the fields an
access log record carries (see :mod:`._metrics`); ``text`` writes the same as plain lines.
Uvicorn's own records go the same way.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from jointzone.node import NodeError, StandaloneNode
from jointzone.server import _heap
from jointzone.server._app import create_app
from jointzone.server._driver import Driver
from jointzone.server._service import NodeService


def serve(
    root: Path,
    *,
    passphrase: bytes,
    host: str | None = None,
    port: int | None = None,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    peer_ca: Path | None = None,
    make_app: Callable[[NodeService], FastAPI] = create_app,
    log_format: str = "json",
) -> None:
    """Serve the node at ``root`` until interrupted (SIGINT or SIGTERM), then stop cleanly:
    the driver finishes its tick, the server its requests, and the database is closed.

    ``make_app`` makes the ASGI app over the node (the officials' pages add to the API's);
    ``log_format`` is ``json`` or ``text`` (see the module docstring)."""
    if (tls_cert is None) != (tls_key is None):
        raise NodeError("--tls-cert and --tls-key go together")
    if log_format not in LOG_FORMATS:
        raise NodeError(f"--log-format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    standalone = StandaloneNode.open(root, passphrase=passphrase)
    try:
        url = httpx.URL(standalone.config.url)
        verify = True if peer_ca is None else ssl.create_default_context(cafile=str(peer_ca))
        service = NodeService(standalone, tls_verify=verify)
    except BaseException:
        standalone.close()
        raise
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLogFormatter() if log_format == "json" else logging.Formatter(_TEXT_FORMAT)
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a request per peer per tick
    driver = Driver(service)
    config = uvicorn.Config(
        make_app(service),
        host=host or url.host or "127.0.0.1",
        port=port or url.port or (443 if url.scheme == "https" else 80),
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        access_log=False,  # the app writes its own, with the route (see _metrics)
        log_config=None,  # uvicorn's records go to the handler above, in the same format
        lifespan="off",
        log_level="info",
        # The C HTTP parser and event loop rather than the pure-Python ones (h11, asyncio's own
        # loop): both are dependencies of the project, so uvicorn is told, not left to look.
        http="httptools",
        loop="uvloop",
    )
    listener = _listen(config.host, config.port)
    _heap.settle()  # the replayed log, before the first request
    driver.start()
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()
        driver.stop()
        service.close()
        _heap.release()


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, with Nagle's algorithm off for every connection it accepts.

    A peer's request and its answer are each a few small writes; with Nagle on, a kept-alive
    connection waits for the delayed ACK (40 ms on Linux) on every exchange, which would make
    every round and every tile read that much slower.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise NodeError(f"cannot listen on {host}:{port}: {e.strerror}") from e
    sock.set_inheritable(True)
    return sock


LOG_FORMATS = ("json", "text")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
#: What every log record has, and so is not one of its extra fields.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record, on one line: ``time`` (ISO 8601 UTC, to the millisecond),
    ``level``, ``logger``, ``message``, the record's extra fields (an access log's method,
    path, route, status, duration and client), and a traceback as ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        out: dict[str, Any] = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in out:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)
