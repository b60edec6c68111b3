"""Sequencing: the node whose turn it is commits every open proposal with complete consent.

One node sequences at a time, by the regime's rotation rule read at the entries' time. A round
has two phases. The sequencer judges the candidates, signs the checkpoint its log would have
with them, and offers the batch to every witness; each witness judges every entry (its time
within the skew of the witness's own clock among the rest, see :mod:`._witness`), appends it and
cosigns. The last witness asked adds the last signature the checkpoint needs, so it holds the
checkpoint final as it answers. Only when every witness has cosigned does the sequencer append
the batch itself and hand the final checkpoint to the other witnesses (over a network, while it
appends). If a witness refuses, or cannot sign (its node is down or
locked), the sequencer appends nothing: the proposals stay open, with their consent, and the
next round dates them afresh. So no entry waits in a log for a witness that would then find it
stale, and a refused batch leaves no trace but its reason.

The sequencer's own signature on a batch no witness took is a proposal nobody holds: it is
withdrawn, and a later round may sign another checkpoint of that size. What a node never does is
sign two checkpoints of one size that another node holds — and with every party's signature
needed for finality, no size can have two final checkpoints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select

from jointzone.consent import ConsentMissingError, Entry
from jointzone.node import _tables as t
from jointzone.node._core import REFUSALS
from jointzone.node._interface import NodeInterface
from jointzone.node._proposals import Proposals
from jointzone.node._witness import ENDS_BATCH, Witnessing
from jointzone.node.errors import NodeError, ProposalError


@dataclass(frozen=True, slots=True)
class Batch:
    """What the sequencer committed in one round, and the final checkpoint over it.

    ``refused`` names each act with consent that was judged and left out, with the reason;
    ``final`` is None when nothing was committed.
    """

    old_size: int
    entries: list[bytes]
    final: bytes | None
    committed: list[str]
    refused: list[tuple[str, str]]  # (act id, why)


class Sequencing(Witnessing, Proposals):
    """The sequencer's use case (see the module docstring)."""

    def sequence(
        self,
        peers: Iterable[NodeInterface],
        *,
        limit: int = 1000,
        held: Mapping[str, int] | None = None,
    ) -> Batch:
        """Run one round: commit every open proposal whose consent is complete, with every
        peer's cosignature, or nothing. Raises the first witness's refusal (nothing appended).
        ``held``: each peer's log size, if the caller has just asked (see :meth:`finalise`)."""
        peers = list(peers)
        self._require_node_key()  # a locked keystore stops the round before any work
        old_size = self._store.size()
        if old_size != self.final_size():
            raise ProposalError(
                f"the node of {self._party!r} holds {old_size} entries, final only up to "
                f"{self.final_size()}: the last round must be final before the next begins"
            )
        if held is None:
            held = {peer.party: peer.log_size() for peer in peers}
        self.withdraw_unheld(peers, held=held)
        now = self.now()
        time = max(now, self._replica.last_time or now)
        regime = self._replica.regime
        if regime is not None and self._party not in regime.party_ids:
            raise ProposalError(
                f"{self._party!r} is not a party of the log this node holds yet (it joins by "
                "amendment): its node sequences nothing until then"
            )
        if regime is not None and regime.sequencer_for(time) != self._party:
            raise ProposalError(
                f"the node of {self._party!r} may not sequence at {time:%Y-%m-%dT%H:%M:%SZ}: "
                f"it is the turn of {regime.sequencer_for(time)!r} by the regime's rotation rule"
            )
        entries: list[bytes] = []
        committed: list[str] = []
        refused: list[tuple[str, str]] = []
        position = old_size
        try:
            for s in self.proposals("open", judged=False):
                if len(entries) == limit:
                    break
                entry = Entry(time=time, proposal=s.proposal)
                try:
                    self._replica.admit(entry, position)
                except ConsentMissingError:
                    continue  # still gathering signatures
                except REFUSALS as e:
                    refused.append((s.proposal.id, str(e)))
                    continue
                entries.append(entry.encode())
                committed.append(s.proposal.id)
                position += 1
                if entry.proposal.act_type in ENDS_BATCH:
                    break  # the checkpoint just after it is signed by the keys it puts in force
            if not entries:
                return Batch(old_size, [], None, [], refused)
            if self._party not in self._replica.state.parties:
                # A genesis that does not name this node's party: a joining node whose log is
                # still empty. The founding parties' nodes commit it.
                raise ProposalError(
                    f"the genesis does not name {self._party!r}: its node does not commit it"
                )
            final = self.finalise(peers, batch=entries, held=held)
        except BaseException:
            # The replica ran ahead of the log: derive it again from what was kept.
            self._replica = self._replay()
            raise
        self._forget(committed)
        return Batch(old_size, entries, final, committed, refused)

    def withdraw_unheld(
        self, peers: Iterable[NodeInterface], *, held: Mapping[str, int] | None = None
    ) -> None:
        """Withdraw this node's signatures on checkpoints beyond its log that no peer holds
        (a round cut short by a crash before any witness took it)."""
        size = self._store.size()
        sizes = held.values() if held is not None else [p.log_size() for p in peers]
        reach = max(sizes, default=0)
        if reach > size:
            raise NodeError(
                f"a peer holds {reach} entries, the node of {self._party!r} {size}: it catches "
                "up before it sequences"
            )
        beyond = t.cosigned.c.size > size
        with self._store.engine.connect() as conn:  # most rounds find none: no write to sync
            if conn.execute(select(t.cosigned.c.size).where(beyond).limit(1)).first() is None:
                return
        with self._store.writing("withdrawing unheld signatures") as conn:
            conn.execute(delete(t.cosigned).where(beyond))
