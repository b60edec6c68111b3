"""The outbox: messages for peers, kept in the node's own database until each peer has them.

A proposal, signature or rejection made here is written to the outbox in the same process
step that keeps it, before the official is told it is done; the node's driver delivers the
outbox in order, one peer at a time, proposals in bundles of what has queued, and retries
with exponential backoff while a peer is down.
The receiver is idempotent (a signature it holds already changes nothing), so a message
delivered twice, because the process died between delivery and deletion, is harmless.
A message the peer refuses (4xx: it judged it and said no) is retried like a failure while
the peer holds fewer entries than this node, since it may lack what the message rests on (the
appointment of the official who signed it); refused by a peer that is not behind, it is
dropped and the refusal logged, since trying again would only be refused again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from jointzone.node import _tables as t
from jointzone.store import SqlLogStore

#: Backoff: the first retry after half a second, doubling to at most half a minute; a peer
#: heard from again is retried at once (:meth:`Outbox.wake`).
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 30.0


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    peer: str
    kind: str
    data: bytes
    attempts: int


class Outbox:
    """The outbox table of one node's database (see the module docstring)."""

    def __init__(self, store: SqlLogStore, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        #: Peers found with no message backed off since: :meth:`wake` need not look again
        #: until :meth:`failed`, the one writer of a backoff, backs one off.
        self._calm: set[str] = set()

    def put(self, peer: str, kind: str, data: bytes) -> None:
        with self._store.writing("the outbox") as conn:
            conn.execute(
                insert(t.outbox).values(
                    peer=peer, kind=kind, data=data, attempts=0, next_at=0.0, last_error=""
                )
            )

    def due(self, peer: str, *, limit: int = 100) -> list[Message]:
        """The peer's messages due now, oldest first; none after one that is waiting, so a
        peer receives its messages in the order they were made."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(t.outbox).where(t.outbox.c.peer == peer).order_by(t.outbox.c.id).limit(limit)
            ).all()
        now = self._clock()
        out = []
        for r in rows:
            if r.next_at > now:
                break
            out.append(Message(r.id, r.peer, r.kind, r.data, r.attempts))
        return out

    def delivered(self, messages: list[Message]) -> None:
        """The peer has ``messages``: they leave the outbox, in one transaction."""
        if not messages:
            return
        with self._store.writing("the outbox") as conn:
            conn.execute(delete(t.outbox).where(t.outbox.c.id.in_([m.id for m in messages])))

    def failed(self, message: Message, error: str) -> float:
        """Note a failed delivery; returns the seconds until the next attempt."""
        delay = min(MAX_RETRY_S, FIRST_RETRY_S * 2**message.attempts)
        delay *= 0.75 + random.random() / 2  # noqa: S311 - jitter, not a secret
        self._calm.discard(message.peer)
        with self._store.writing("the outbox") as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == message.id)
                .values(
                    attempts=message.attempts + 1,
                    next_at=self._clock() + delay,
                    last_error=error[:1000],
                )
            )
        return float(delay)

    def wake(self, peer: str) -> None:
        """The peer is up (it just made a signed request): retry its messages now. Called on
        every request a peer makes, so it writes only when a message of the peer's waits, and
        reads only when one may (see :meth:`may_wait`)."""
        if peer in self._calm:
            return
        with self._store.engine.connect() as conn:
            waiting = conn.execute(
                select(t.outbox.c.id)
                .where(t.outbox.c.peer == peer, t.outbox.c.next_at > 0)
                .limit(1)
            ).first()
        if waiting is not None:
            with self._store.writing("the outbox") as conn:
                conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.peer == peer, t.outbox.c.next_at > 0)
                    .values(next_at=0.0)
                )
        self._calm.add(peer)

    def may_wait(self, peer: str) -> bool:
        """Whether a message for ``peer`` may be backed off, for :meth:`wake` to retry now:
        False once it found none and no delivery to the peer has failed since."""
        return peer not in self._calm

    def depth(self) -> dict[str, int]:
        """Messages waiting, by peer."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(t.outbox.c.peer, func.count()).group_by(t.outbox.c.peer)
            ).all()
        return {str(peer): int(n) for peer, n in rows}
