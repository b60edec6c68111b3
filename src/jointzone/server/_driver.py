"""The node's driver: what a served node does on its own, a tick at a time.

Each tick, in order:

1. **Deliver the outbox** to each peer, oldest first, with backoff for a peer that is down.
2. **Catch up.** A peer that holds more entries is asked for them up to its final checkpoint,
   each judged as in a round (:meth:`~jointzone.node.Node.catch_up`). A node restored from a
   backup catches up with every peer before it signs again (:meth:`~jointzone.node.Node.rejoin`).
3. **Finish a round cut short.** Entries this node has held beyond its final checkpoint for a
   few seconds (a round whose sequencer, or a witness, died midway) are offered to every peer
   again and made final (:meth:`~jointzone.node.Node.finalise`).
4. **Sequence**, if the regime's rotation rule gives this node the turn now and something
   could be committed: a round with every witness's cosignature, or nothing.
5. **Gather certificates** issued by what became final: each peer's party's signature, asked
   without the node's lock held, so two nodes asking each other at once do not wait on each
   other's lock.

The turn is the rotation rule read at the node's clock, and nothing else: at the boundary of a
period the next sequencer takes over on its first tick past it, whether or not the last one is
up, and a returning node whose period has ended does not sequence again. Entries are dated in
the sequencer's period, and witnesses refuse any that are not (see ``node._witness``), so two
nodes whose clocks straddle the boundary cannot both have a batch accepted for one time. A
round still needs every party's node to become final, by design: while a peer is down the
sequencer keeps the batch out of its log and tries again.

Errors end the tick, are logged, and the next tick comes after a backoff; the driver never
dies of a peer's failure.
"""

from __future__ import annotations

import logging
import random
import threading
import time

from jointzone.node import KeystoreError, Message, Node, NodeError
from jointzone.server import _heap
from jointzone.server._client import PeerClient, PeerUnavailableError
from jointzone.server._service import NodeService
from jointzone.tlog import Checkpoint, Note

log = logging.getLogger("jointzone.node")

TICK_S = 0.2
#: The most proposals sent to a peer in one request.
BUNDLE = 100
MAX_BACKOFF_S = 5.0
#: Entries beyond the final checkpoint this long are a round cut short, to finish (see
#: :meth:`Driver._cut_short`); a round in progress makes them final well within it.
RECOVER_AFTER_S = 3.0
#: How long the peers' log sizes asked are taken to hold (see :meth:`Driver._peer_sizes`).
SIZES_FRESH_S = 1.0
#: Even with nothing received, look for committable acts this often (an expiry, a turn).
IDLE_ROUND_S = 5.0


class Driver:
    """Runs :meth:`tick` on a thread until stopped (see the module docstring)."""

    def __init__(self, service: NodeService, *, tick: float = TICK_S) -> None:
        self._service = service
        self._tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_round = 0.0
        self._seen_final = -1
        self._unfinal: tuple[tuple[int, int], float] | None = None
        #: The peers' log sizes, and when they were asked (see :meth:`_peer_sizes`).
        self._sizes: tuple[float, dict[str, int]] | None = None
        self.errors = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jointzone-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._service.wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=90)

    def _run(self) -> None:
        backoff = self._tick
        while not self._stop.is_set():
            self._service.wakeup.clear()
            try:
                self.tick()
                backoff = self._tick
            except (PeerUnavailableError, NodeError, KeystoreError) as e:
                self._sizes = None  # what went wrong may be a size out of date: ask again
                self.errors += 1
                log.warning("tick: %s", e)
                backoff = min(MAX_BACKOFF_S, backoff * (1.5 + random.random()))  # noqa: S311
            except Exception:  # a bug must not stop the node from serving
                self._sizes = None
                self.errors += 1
                log.exception("tick failed")
                backoff = min(MAX_BACKOFF_S, backoff * (1.5 + random.random()))  # noqa: S311
            # Until the next tick, or sooner if something arrived or queued during this one.
            self._service.wakeup.wait(backoff)

    # -- one tick -------------------------------------------------------------------------------

    def tick(self) -> None:
        service = self._service
        for client in service.clients.values():
            self._deliver(client)
        peers = list(service.clients.values())
        with service.locked() as node:
            # A node pinned for a party yet to join signs nothing: while it is down, the
            # parties' nodes go on without it.
            if node.replica.state.adopted:
                needed = {peer.party for peer in node.party_peers(peers)}
            else:  # the founding parties, whose nodes commit the genesis
                needed = set(service.standalone.bootstrap.party_ids)
        held = self._peer_sizes(peers, needed)
        with service.locked() as node:
            if node.keystore.locked:
                return
            ahead = self._ahead(node, peers, held)
            if ahead is not None:
                self._sizes = None
                node.catch_up(ahead)
                _heap.settle()
            if node.restored:  # from a backup: it signs nothing until it has caught up
                node.rejoin(node.party_peers(peers))
                log.info("restored from a backup: caught up with every peer, signing again")
            if self._cut_short(node):
                self._sizes = None
                node.finalise(peers)
            elif self._should_sequence(node):
                self._last_round = time.monotonic()
                service.dirty = False
                # A peer's log grows only by a round this node runs, so the sizes asked
                # lately still hold; one that is out of date makes the witness refuse, and
                # the round fail unchanged (and the sizes are asked again).
                batch = node.sequence(peers, held=None if ahead else held)
                for act_id, why in batch.refused:
                    log.info("act %s has consent but was not committed: %s", act_id, why)
                if batch.committed:
                    log.info("committed %d act(s) up to %d", len(batch.committed), node.log_size())
                    # Every witness appended the batch.
                    fresh = {p.party: node.log_size() for p in peers}
                    self._sizes = (time.monotonic(), fresh)
            final = node.final_size()
            wanted = node.certificates_to_gather() if final != self._seen_final else {}
        # The peers are asked without this node's lock held: a peer answering takes its own,
        # and may be asking this node the same at the same moment.
        for certificate, parties in wanted.items():
            missing = [p for p in parties if p not in service.clients]
            if missing:
                raise NodeError(f"certificate {certificate!r}: no peer of {missing} to ask")
            signatures = {p: service.clients[p].certificate_signature(certificate) for p in parties}
            with service.locked() as node:
                node.keep_certificate(certificate, signatures)
        self._seen_final = final  # only once every document is kept: a failure is tried again

    def _deliver(self, client: PeerClient) -> None:
        """Send the peer what waits for it, in order: proposals in bundles of whatever has
        queued (one request for many), a rejection on its own."""
        outbox = self._service.outbox
        due = outbox.due(client.party)
        while due:
            n = 1
            if due[0].kind == "proposal":
                while n < len(due) and due[n].kind == "proposal" and n < BUNDLE:
                    n += 1
            bundle, due = due[:n], due[n:]
            try:
                if n == 1:
                    refused = self._send_one(client, bundle[0])
                else:
                    refused = client.deliver_proposals([m.data for m in bundle])
            except PeerUnavailableError as e:
                delay = outbox.failed(bundle[0], str(e))
                log.info("peer %s: %s (next try in %.1f s)", client.party, e, delay)
                return  # keep the peer's messages in order
            first = min(refused, default=n)
            outbox.delivered(bundle[:first])
            if first == n:
                continue
            message, why = bundle[first], refused[first]
            if self._behind(client):
                # A peer with fewer entries than this node may lack what the message rests
                # on (the appointment of the official who signed it): it is kept, in order,
                # until the peer has caught up, with what came after it.
                delay = outbox.failed(message, why)
                log.info(
                    "peer %s is behind and refused a %s (next try in %.1f s): %s",
                    client.party,
                    message.kind,
                    delay,
                    why,
                )
                return
            # Refused by a peer that holds all this node does: trying again would be refused
            # again. The rest of the bundle is judged as it was received.
            for i, m in enumerate(bundle[first:], first):
                if i in refused:
                    log.warning("peer %s refused a %s: %s", client.party, m.kind, refused[i])
            outbox.delivered(bundle[first:])

    @staticmethod
    def _send_one(client: PeerClient, message: Message) -> dict[int, str]:
        """One message, as a bundle of one: its refusal, if the peer judged it and said no."""
        try:
            client.deliver(message.kind, message.data)
        except PeerUnavailableError:
            raise  # an unreachable peer is a NodeError too, but not a refusal
        except NodeError as e:
            return {0: str(e)}
        return {}

    def _behind(self, client: PeerClient) -> bool:
        with self._service.locked() as node:
            mine = node.final_size()
        try:
            return client.log_size() < mine
        except PeerUnavailableError:
            return True

    def _peer_sizes(self, peers: list[PeerClient], needed: set[str]) -> dict[str, int]:
        """Each peer's log size: asked at most every :data:`SIZES_FRESH_S` seconds, before the
        lock is taken (a peer's answer may take a while, and the node keeps answering its
        officials and peers meanwhile). A signed request each, so a peer that was down learns
        from it that this node is up. A peer whose party is not ``needed`` (it has yet to
        join) and cannot be reached is left out; any other that cannot be reached ends the
        tick."""
        now = time.monotonic()
        if self._sizes is not None and now - self._sizes[0] < SIZES_FRESH_S:
            return dict(self._sizes[1])
        self._sizes = None
        held: dict[str, int] = {}
        for peer in peers:
            try:
                held[peer.party] = peer.log_size()
            except PeerUnavailableError:
                if peer.party in needed:
                    raise
        self._sizes = (now, held)
        return dict(held)

    def _ahead(
        self, node: Node, peers: list[PeerClient], held: dict[str, int]
    ) -> PeerClient | None:
        """The peer with the longest final log beyond this node's, if any, given each peer's
        log size (``held``)."""
        size = node.log_size()
        best: tuple[int, PeerClient] | None = None
        for peer in peers:
            if held.get(peer.party, 0) <= size:
                continue
            checkpoint = peer.latest_checkpoint()
            if checkpoint is None:
                continue
            final = _size(checkpoint)
            if final > size and (best is None or final > best[0]):
                best = (final, peer)
        return None if best is None else best[1]

    def _cut_short(self, node: Node) -> bool:
        """Whether this node has held entries beyond its final checkpoint for a while: a
        round that a crash cut short. A witness holds them for a moment in every round, until
        the sequencer's final checkpoint comes; finishing that round itself would only
        contend with the sequencer for the locks of both nodes."""
        state = (node.log_size(), node.final_size())
        if state[0] == state[1]:
            self._unfinal = None
            return False
        if self._unfinal is None or self._unfinal[0] != state:
            self._unfinal = (state, time.monotonic())
            return False
        return time.monotonic() - self._unfinal[1] > RECOVER_AFTER_S

    def _should_sequence(self, node: Node) -> bool:
        regime = node.replica.regime or self._service.standalone.bootstrap
        if node.party not in regime.party_ids:
            return False  # a node whose party is to join by amendment: it catches up only
        if regime.sequencer_for(node.now()) != node.party:
            return False
        due = time.monotonic() - self._last_round > IDLE_ROUND_S
        return self._service.dirty or due


def _size(checkpoint: bytes) -> int:
    return Checkpoint.from_text(Note.from_bytes(checkpoint).text).size
