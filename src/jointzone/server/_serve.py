"""``node serve``: one party's node as an ASGI app on uvicorn, with its driver beside it."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from jointzone.node import NodeError, StandaloneNode
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
) -> None:
    """Serve the node at ``root`` until interrupted (SIGINT or SIGTERM), then stop cleanly:
    the driver finishes its tick, the server its requests, and the database is closed.

    ``make_app`` makes the ASGI app over the node (the officials' pages add to the API's)."""
    if (tls_cert is None) != (tls_key is None):
        raise NodeError("--tls-cert and --tls-key go together")
    standalone = StandaloneNode.open(root, passphrase=passphrase)
    try:
        url = httpx.URL(standalone.config.url)
        verify = True if peer_ca is None else ssl.create_default_context(cafile=str(peer_ca))
        service = NodeService(standalone, tls_verify=verify)
    except BaseException:
        standalone.close()
        raise
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a request per peer per tick
    driver = Driver(service)
    config = uvicorn.Config(
        make_app(service),
        host=host or url.host or "127.0.0.1",
        port=port or url.port or (443 if url.scheme == "https" else 80),
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        access_log=False,
        lifespan="off",
        log_level="info",
    )
    listener = _listen(config.host, config.port)
    driver.start()
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()
        driver.stop()
        service.close()


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
