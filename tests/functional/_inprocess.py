"""Two parties' nodes in this process, each served by uvicorn on a loopback port of its own.

A node's HTTP app, its service and its peer clients are the real ones and talk real HTTP to
each other; only the processes are saved, and the driver is not started: a test moves the
nodes on by calling :meth:`Driver.tick` itself, so every round happens when the test says.

Making a pair and adopting its genesis takes seconds (key files, rounds), so it is done once
per session (:func:`adopted_template`), and each test module serves a copy of it
(:func:`serve_copy`) on fresh ports, written into the copies' ``node.json``.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from jointzone.cli._client import NodeApi
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.consent import Proposal
from jointzone.cose import CoseSigner
from jointzone.node import NodeConfig, StandaloneNode, new_proposal, read_key_file, root_key_file
from jointzone.server import Driver, NodeService, create_app

from ._network import REGIME

PARTIES = ("japan", "russia")
PASSPHRASE = DEMO_PASSPHRASE
#: Entries after the genesis: the regime's adoption and each party's certificate key.
ADOPTED_SIZE = 3


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()
    return f"http://{host}:{port}"


@dataclass
class ServedNode:
    """One party's node, open and served (see the module docstring)."""

    party: str
    root: Path
    service: NodeService
    app: FastAPI
    driver: Driver
    #: A plain client of this node, unsigned: what anyone on the network can send.
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.service.standalone.config.url

    def api(self) -> NodeApi:
        """A client of this node's officials' API, as the CLI uses it."""
        return NodeApi(self.url)

    def root_signers(self, *numbers: int) -> list[CoseSigner]:
        """Root keys ``<party>-root-<number>``, from the files ``node init`` wrote."""
        signers = []
        for i in numbers:
            key_id = f"{self.party}-root-{i}"
            key = read_key_file(root_key_file(self.root, key_id), PASSPHRASE)
            signers.append(CoseSigner(kid=key_id.encode(), private_key=key))
        return signers


def appointment(party: str) -> dict[str, Any]:
    """A new ``official.appoint`` act for ``party``: its root keys alone consent to it."""
    key = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    return {
        "type": "official.appoint",
        "party": party,
        "official": f"{party[:2]}-registrar-{os.urandom(3).hex()}",
        "display_name": f"Registrar of {party}",
        "roles": ["registrar"],
        "public_key": base64.urlsafe_b64encode(key).rstrip(b"=").decode(),
    }


def proposal_of(node: ServedNode, *signers: CoseSigner) -> Proposal:
    """A new proposal of an appointment for ``node``'s party, made as its officials make one
    on their own devices, and signed by each of ``signers``."""
    first, *rest = signers
    proposal = new_proposal(
        appointment(node.party),
        regime=node.service.standalone.regime,
        party=node.party,
        signer=first,
        now=datetime.now(UTC).replace(microsecond=0),
    )
    for signer in rest:
        proposal = proposal.cosign(signer)
    return proposal


@contextmanager
def _uvicorn(app: FastAPI, sock: socket.socket) -> Iterator[None]:
    config = uvicorn.Config(
        app, lifespan="off", log_config=None, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError(f"uvicorn did not start on {_url(sock)}")
            time.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def serve(roots: dict[str, Path]) -> Iterator[dict[str, ServedNode]]:
    """Serve the node directories ``roots`` (by party), each on a fresh loopback port.

    Each ``node.json`` is rewritten first with the new URLs, its own and its peers', so a copied
    directory is served without clashing with the one it was copied from.
    """
    sockets = {party: _listening_socket() for party in roots}
    for party, root in roots.items():
        config = NodeConfig.read(root)
        config.url = _url(sockets[party])
        config.peers = {
            p: dataclasses.replace(d, url=_url(sockets[p])) for p, d in config.peers.items()
        }
        config.write(root)
    with ExitStack() as stack:
        for sock in sockets.values():
            stack.callback(sock.close)
        nodes: dict[str, ServedNode] = {}
        for party, root in roots.items():
            standalone = StandaloneNode.open(root, passphrase=PASSPHRASE)
            try:
                service = NodeService(standalone)
            except BaseException:
                standalone.close()
                raise
            stack.callback(service.close)  # which closes the node too
            app = create_app(service)
            # A new connection for each request, so that one the server closes (as uvicorn does
            # after a 500) cannot fail the next request, and the next test, with it.
            http = stack.enter_context(
                httpx.Client(
                    base_url=_url(sockets[party]),
                    timeout=60,
                    limits=httpx.Limits(max_keepalive_connections=0),
                )
            )
            nodes[party] = ServedNode(party, root, service, app, Driver(service), http)
        for party, node in nodes.items():
            stack.enter_context(_uvicorn(node.app, sockets[party]))
        yield nodes


def settle(nodes: dict[str, ServedNode], until: Callable[[], bool], *, ticks: int = 10) -> None:
    """Tick every node's driver in turn until ``until()`` holds; fail after ``ticks`` rounds."""
    for _ in range(ticks):
        for node in nodes.values():
            node.driver.tick()
        if until():
            return
    raise AssertionError(f"the nodes did not settle in {ticks} ticks each")


def final_sizes(nodes: dict[str, ServedNode]) -> set[int]:
    return {n.service.node.final_size() for n in nodes.values()}


def make_pair(directory: Path) -> dict[str, Path]:
    """Two parties' node directories, pinned to each other, before their genesis."""
    roots = {party: directory / party for party in PARTIES}
    descriptors = {
        party: StandaloneNode.init(
            root,
            party=party,
            regime_dir=REGIME,
            url="http://127.0.0.1:1",  # replaced by serve() with the port it listens on
            passphrase=PASSPHRASE,
            demo=True,
        )
        for party, root in roots.items()
    }
    for party, root in roots.items():
        with StandaloneNode.open(root, passphrase=None) as node:
            for other, descriptor in descriptors.items():
                if other != party:
                    node.add_peer(descriptor)
    return roots


def adopt(nodes: dict[str, ServedNode]) -> None:
    """The genesis as ``node genesis`` makes it: each party's root keys sign the adoption at
    their own node, then the declaration of its certificate key."""
    for node in nodes.values():
        with node.api() as api:
            api.sign_act(api.genesis(), "regime.adopt", node.root_signers(1, 2))
        settle(nodes, lambda: True, ticks=1)  # deliver it to the other node
    settle(nodes, lambda: all(n.service.node.replica.regime for n in nodes.values()))
    for node in nodes.values():
        with node.api() as api:
            api.sign_act(api.certificate_key(), "certificate.key", node.root_signers(1, 2))
    settle(nodes, lambda: final_sizes(nodes) == {ADOPTED_SIZE})


_templates: dict[Path, dict[str, Path]] = {}


def adopted_template(factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A pair whose genesis is adopted and final at both nodes, made once per session."""
    key = factory.getbasetemp()
    if key not in _templates:
        roots = make_pair(factory.mktemp("adopted-pair"))
        with serve(roots) as nodes:
            adopt(nodes)
        _templates[key] = roots
    return _templates[key]


@contextmanager
def serve_copy(template: dict[str, Path], directory: Path) -> Iterator[dict[str, ServedNode]]:
    """A private copy of ``template``, served."""
    roots = {}
    for party, root in template.items():
        roots[party] = directory / party
        shutil.copytree(root, roots[party])
    with serve(roots) as nodes:
        yield nodes
