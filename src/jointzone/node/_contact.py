"""What a node knows of reaching each peer: when it last did, since when it has failed to, and
the log size the peer last said it held.

A served node's peer client notes every request it makes of a peer (:meth:`PeerContacts.reached`,
:meth:`PeerContacts.failed`); its health is judged by what is noted (see :mod:`._health`). The
record is kept in the node's database so that "unreachable for 2 h" survives a restart of the
node, and so that ``node status DIR`` can read it while the node serves, or after it stopped.
Times are the machine's real clock (seconds since the epoch), even on a demo node whose log keeps
simulated time: reaching a peer happens in real time.

A node asks each peer its size every second, so writing every contact would be a write a second
per peer: a contact is written when it changes whether the peer is reachable, and otherwise at
most every :data:`KEEP_EVERY_S` seconds. What is read from the database is that much behind at
most; the served node's own view (:meth:`PeerContacts.all`) is current.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from jointzone.node import _tables as t
from jointzone.store import SqlLogStore, StoreError

log = logging.getLogger("jointzone.node")

#: A contact that changes nothing but its time is written at most this often.
KEEP_EVERY_S = 15.0
#: The most of a peer's error kept (its first line).
_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class PeerContact:
    """One peer, as this node last found it."""

    peer: str
    #: When this node last reached the peer (it answered, not with a server error).
    reached_at: float | None = None
    #: When the failures since the last success began; None while the peer answers.
    failing_since: float | None = None
    #: Why the last request failed.
    error: str = ""
    #: The log size the peer last said it held.
    log_size: int | None = None

    def unreachable_for(self, now: float) -> float | None:
        """Seconds the peer has been unreachable, or None if it answered last."""
        return None if self.failing_since is None else max(0.0, now - self.failing_since)


class PeerContacts:
    """The contact record of one node's peers (see the module docstring)."""

    def __init__(
        self,
        store: SqlLogStore,
        *,
        clock: Callable[[], float] = time.time,
        keep_every: float = KEEP_EVERY_S,
    ) -> None:
        self._store = store
        self._clock = clock
        self._keep_every = keep_every
        self._lock = threading.Lock()
        self._contacts = read_contacts(store)
        #: When each peer's contact was last written, by this process.
        self._kept: dict[str, float] = {}

    def reached(self, peer: str, *, log_size: int | None = None) -> None:
        """The peer answered a request (and, for a size asked, said it holds ``log_size``)."""
        now = self._clock()
        with self._lock:
            old = self._contacts.get(peer) or PeerContact(peer)
            new = replace(
                old,
                reached_at=now,
                failing_since=None,
                error="",
                log_size=old.log_size if log_size is None else log_size,
            )
            self._note(old, new, changed=old.reached_at is None or old.failing_since is not None)

    def failed(self, peer: str, error: str) -> None:
        """A request of the peer failed: it could not be reached, or answered a server error."""
        now = self._clock()
        first_line = (error.splitlines() or [""])[0][:_ERROR_CHARS]
        with self._lock:
            old = self._contacts.get(peer) or PeerContact(peer)
            since = old.failing_since if old.failing_since is not None else now
            new = replace(old, failing_since=since, error=first_line)
            self._note(old, new, changed=old.failing_since is None)

    def holds(self, peer: str, at_least: int) -> None:
        """The peer is known to hold ``at_least`` entries now, without being asked: it cosigned
        a batch up to there, or sent a final checkpoint of that size. Its size as last asked
        would otherwise lag a round behind, and it would seem to lack what it has."""
        with self._lock:
            old = self._contacts.get(peer)
            if old is None or (old.log_size is not None and old.log_size >= at_least):
                return
            self._note(old, replace(old, log_size=at_least), changed=False)

    def all(self) -> dict[str, PeerContact]:
        """Every peer's contact as this process knows it."""
        with self._lock:
            return dict(self._contacts)

    def _note(self, old: PeerContact, new: PeerContact, *, changed: bool) -> None:
        self._contacts[new.peer] = new
        now = self._clock()
        if not changed and now - self._kept.get(new.peer, float("-inf")) < self._keep_every:
            return
        try:
            _write(self._store, new)
        except StoreError as e:
            # The record is for judging health; a peer call must not fail because of it. It is
            # written again at the next contact.
            log.warning("keeping the contact with peer %s: %s", new.peer, e)
            return
        self._kept[new.peer] = now


def read_contacts(store: SqlLogStore) -> dict[str, PeerContact]:
    """The contacts kept in a node's database, by peer."""
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(t.peer_contact)).all()
    except SQLAlchemyError as e:
        raise StoreError(f"reading the peers' contact record: {e}") from e
    return {
        str(r.peer): PeerContact(
            peer=str(r.peer),
            reached_at=r.reached_at,
            failing_since=r.failing_since,
            error=str(r.error),
            log_size=r.log_size,
        )
        for r in rows
    }


def _write(store: SqlLogStore, contact: PeerContact) -> None:
    values = {
        "reached_at": contact.reached_at,
        "failing_since": contact.failing_since,
        "error": contact.error,
        "log_size": contact.log_size,
    }
    with store.writing("keeping a peer's contact") as conn:
        done = conn.execute(
            update(t.peer_contact).where(t.peer_contact.c.peer == contact.peer).values(**values)
        )
        if done.rowcount == 0:
            conn.execute(insert(t.peer_contact).values(peer=contact.peer, **values))
