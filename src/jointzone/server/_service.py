"""A served node: one party's node, its peers over HTTP, and the lock that keeps it consistent.

The node's use cases are synchronous and keep the replica in memory, so every call that
changes the node, or reads its replica, runs under one lock (:meth:`NodeService.locked`).
What a peer reads of the log itself (entries, proofs, checkpoints, tiles) goes to the store,
which is safe to read from any thread, and takes no lock: a peer that is catching up from
this node while this node waits on that peer's cosignature must not wait on this lock.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx

from jointzone.node import Descriptor, Node, Outbox, PeerContacts, StandaloneNode
from jointzone.server._client import PeerClient
from jointzone.server._peerauth import PeerSigner, PeerVerifier

T = TypeVar("T")

#: How long a peer's request waits for the node before it is answered 503.
PEER_WAIT_S = 10.0


class NodeBusyError(Exception):
    """The node stayed busy past a request's wait."""


#: Entries a sequencer sent ahead of its checkpoint are kept at most this long, and at most
#: this many batches, per witness: enough for one round in flight.
_STAGED_BATCHES = 4


class NodeService:
    """What the HTTP app and the driver share (see the module docstring)."""

    def __init__(
        self,
        standalone: StandaloneNode,
        *,
        transport: Callable[[Descriptor], httpx.BaseTransport | None] | None = None,
        tls_verify: bool | ssl.SSLContext = True,
    ) -> None:
        self.standalone = standalone
        self.node: Node = standalone.node
        self.party = standalone.config.party
        #: How this node checks its peers' TLS certificates.
        self.tls_verify = tls_verify
        self.outbox = Outbox(self.node.store)
        #: What each request of a peer found, for the node's health (see node._contact).
        self.contacts = PeerContacts(self.node.store)
        self._lock = threading.RLock()
        #: Set when a proposal, signature or rejection arrives: the driver looks for a round.
        self.dirty = True
        #: Wakes the driver at once (something arrived, or a message waits to go out) rather
        #: than at its next tick, so a signature becomes final in milliseconds, not a tick.
        self.wakeup = threading.Event()
        self._staged: dict[tuple[int, int], list[bytes]] = {}
        self.signer = PeerSigner(self.party, self.node.peer_key)
        self.clients: dict[str, PeerClient] = {}
        for party, descriptor in standalone.config.peers.items():
            self.clients[party] = PeerClient(
                descriptor,
                signer=self.signer,
                outbox=self.outbox,
                on_queued=self.wakeup.set,
                transport=transport(descriptor) if transport else None,
                verify=tls_verify,
                contacts=self.contacts,
            )
        self.node.peers = dict(self.clients)
        self.verifier = PeerVerifier(
            {p: d.verifier.public_key_bytes for p, d in standalone.config.peers.items()},
            # Requests are dated by the machines' real clocks, even on a demo node whose log
            # keeps simulated time: the replay window is about when a request was sent.
            origin=standalone.config.url,
            in_force=self.node.peer_public_keys,
        )

    @contextmanager
    def locked(self, timeout: float = -1) -> Iterator[Node]:
        """The node, for this thread alone. With a ``timeout``, NodeBusyError if another
        thread holds it that long: a peer's request is answered 503 rather than left waiting
        on a round that may itself be waiting on that peer."""
        if not self._lock.acquire(timeout=timeout):
            raise NodeBusyError(f"the node of {self.party!r} is busy with a round; try again")
        try:
            yield self.node
        finally:
            self._lock.release()

    def run(self, fn: Callable[[Node], T], *, timeout: float = -1) -> T:
        with self.locked(timeout) as node:
            result = fn(node)
        self.dirty = True
        self.wakeup.set()
        return result

    # -- entries a sequencer sends before its checkpoint ----------------------------------------

    def stage(self, start: int, entries: list[bytes]) -> None:
        with self._lock:
            self._staged[(start, len(entries))] = entries
            while len(self._staged) > _STAGED_BATCHES:
                self._staged.pop(next(iter(self._staged)))

    def staged(self, start: int, count: int) -> list[bytes] | None:
        with self._lock:
            return self._staged.get((start, count))

    def unstage(self, start: int, count: int) -> None:
        with self._lock:
            self._staged.pop((start, count), None)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        self.standalone.close()
