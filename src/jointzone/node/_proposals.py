"""Proposals at a node: made, signed and rejected by this party's officials, received from peers.

Nothing a peer sends is kept on its word. A received proposal's signatures that this node does
not hold yet are each verified against the signer's key as of the next log position before any
is stored; a rejection is a COSE object the rejecting official signed (see
:class:`jointzone.consent.Rejection`), judged against that official's key and role the same
way. A message that fails is refused whole and changes nothing, so a forged signature under a
real official's kid cannot block that official from signing later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from jointzone import acts
from jointzone.consent import (
    ConsentError,
    Proposal,
    ProposalContent,
    Rejection,
    Verdict,
    format_time,
)
from jointzone.cose import CoseSigner
from jointzone.node import _tables as t
from jointzone.node._core import NodeCore
from jointzone.node._gate import NeutralityBlockedError
from jointzone.node.errors import ProposalError, UnknownProposalError
from jointzone.regime import Regime, RegimeError

_UNJUDGED = Verdict(False, ("not judged",))
#: Proposals read by id at once: well under every database's limit of bound parameters.
_READ_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ProposalStatus:
    """A proposal as this node sees it now."""

    proposal: Proposal
    status: str  # open | committed | rejected | expired
    verdict: Verdict
    rejections: tuple[Rejection, ...]
    index: int | None = None


@dataclass(frozen=True, slots=True)
class Signed:
    """What signing did: the proposal as now held, and whether a signature was added."""

    proposal: Proposal
    added: bool


def new_proposal(
    act: Mapping[str, Any],
    *,
    regime: Regime,
    party: str,
    signer: CoseSigner,
    now: datetime,
    expires_in: timedelta | None = None,
    nonce: bytes | None = None,
) -> Proposal:
    """A proposal of ``act`` under ``regime``, by ``party``, signed by its proposer: what a node
    makes for an official whose key it holds, and what an official's own client makes."""
    content = proposal_content(act, regime=regime, party=party, now=now, expires_in=expires_in)
    if nonce is not None:
        content = replace(content, nonce=nonce)
    return Proposal.create(content, signer)


def proposal_content(
    act: Mapping[str, Any],
    *,
    regime: Regime,
    party: str,
    now: datetime,
    expires_in: timedelta | None = None,
) -> ProposalContent:
    """What a new proposal of ``act`` by ``party`` signs, made ``now`` (a fresh nonce): for a
    signer at hand, :func:`new_proposal`; for an official's browser, the bytes it is sent."""
    # Proposals carry the act's canonical form only, so every node signs the same bytes.
    return ProposalContent.new(
        acts.parse_act(act).to_data(),
        regime_id=regime.id,
        regime_version=regime.version,
        origin=regime.origin,
        proposed_by=party,
        proposed_at=now,
        expires_at=now + (expires_in or regime.proposal_expiry),
    )


class Proposals(NodeCore):
    """The proposal use cases (see the module docstring)."""

    def _check_neutral(self, act: Mapping[str, Any]) -> None:
        """Refuse to sign an act whose free text takes a side (see :mod:`._gate`)."""
        if self._gate is None:
            return
        parsed = acts.parse_act(act)
        findings = self._gate(parsed.free_text())
        if findings:
            raise NeutralityBlockedError(parsed.TYPE, findings)

    # -- made here ------------------------------------------------------------------------------

    def propose(
        self,
        act: Mapping[str, Any],
        *,
        official: str | CoseSigner,
        expires_in: timedelta | None = None,
        nonce: bytes | None = None,
    ) -> Proposal:
        """Make a proposal signed by one of this party's officials, and send it to every peer.

        ``official`` is a key id this node's keystore holds, or the official's own signer.
        """
        act = acts.parse_act(act).to_data()
        regime = self._replica.regime_for(act)
        now = self.now()
        proposal = new_proposal(
            act,
            regime=regime,
            party=self._party,
            signer=self._signer(official),
            now=now,
            expires_in=expires_in,
            nonce=nonce,
        )
        if self._replica.committed_index(proposal.id) is not None:
            return proposal  # proposing a committed act again changes nothing
        if self._known(proposal.id):
            # Proposed before (perhaps by a process that died before telling every peer):
            # send on what this node holds, which is idempotent for the peers.
            self._broadcast(self.status(proposal.id).proposal)
            return proposal
        if self._replica.regime is not None:
            self._replica.check_act(act, time=now)
        self._check_neutral(act)
        self._check_signers(proposal, proposal.kids, speaking_for=self._party)
        self._keep(proposal)
        self._broadcast(proposal)
        return proposal

    def sign(self, act_id: str, *, official: str | CoseSigner) -> Signed:
        """Add an official's signature to an open proposal, and send it on."""
        act_id = self.resolve(act_id)
        status = self.status(act_id)
        if status.status != "open":
            raise ProposalError(f"act {act_id} is {status.status}; only an open one can be signed")
        signer = self._signer(official)
        self._check_neutral(status.proposal.content.act)
        if signer.kid in status.proposal.kids:
            self._broadcast(status.proposal)  # idempotent: a peer may have missed it
            return Signed(status.proposal, added=False)
        proposal = status.proposal.cosign(signer)
        self._check_signers(proposal, (signer.kid,), speaking_for=self._party)
        self._keep(proposal)
        self._broadcast(proposal)
        return Signed(proposal, added=True)

    def reject(self, act_id: str, *, official: str | CoseSigner, reason: str) -> Rejection:
        """Refuse consent, with a reason every node keeps, signed by the refusing official."""
        if not reason.strip():
            raise ProposalError("a rejection must give its reason")
        act_id = self.resolve(act_id)
        status = self.status(act_id)
        # Rejecting again (a process that died before telling every peer) sends it on again.
        mine = next((r for r in status.rejections if r.party == self._party), None)
        if mine is not None:
            self._broadcast_rejection(mine)
            return mine
        if status.status != "open":
            raise ProposalError(
                f"act {act_id} is {status.status}; only an open one can be rejected"
            )
        try:
            rejection = Rejection.create(
                act_id=act_id,
                origin=status.proposal.content.origin,
                party=self._party,
                reason=reason,
                at=self.now(),
                signer=self._signer(official),
            )
        except ConsentError as e:
            raise ProposalError(str(e)) from e
        self.receive_rejection(rejection.to_bytes())
        self._broadcast_rejection(rejection)
        return rejection

    def submit(self, proposal: bytes) -> Signed:
        """A proposal made, or signed, by this party's officials on their own devices (a key
        file, the browser): the checks :meth:`propose` and :meth:`sign` make, on the bytes the
        official signed, then kept and sent to every peer. The node holds no key of theirs.

        A new proposal must be this party's, for this log and regime, dated within the
        regime's clock skew of this node's clock; every signature new here must be by this
        party's officials (another party's come through its own node, as peers' messages).
        """
        try:
            received = Proposal.from_bytes(proposal)
        except ConsentError as e:
            raise ProposalError(f"proposal refused: {e}") from e
        if self._replica.committed_index(received.id) is not None:
            raise ProposalError(f"act {received.id} is committed already")
        held = self._held(received.id)
        if held is None:
            self._check_new_content(received)
        else:
            status = self.status(received.id)
            if status.status != "open":
                raise ProposalError(
                    f"act {received.id} is {status.status}; only an open one can be signed"
                )
        new = tuple(k for k in received.kids if held is None or k not in held.kids)
        if not new:
            assert held is not None  # a new proposal has its proposer's signature
            self._broadcast(held)
            return Signed(held, added=False)
        self._check_neutral(received.content.act)
        self._check_signers(received, new, speaking_for=self._party)
        # Kept and queued for every peer in one transaction: one sync of the disk, and the
        # proposal is never kept without its messages (or queued without being kept).
        with self._store.writing("keeping a proposal and queueing it for the peers"):
            merged = self._keep(received)
            self._broadcast(merged)
        return Signed(merged, added=True)

    def submit_rejection(self, rejection: bytes) -> Rejection:
        """A rejection signed by an official of this party on their own device: judged and
        kept as a peer's would be, then sent to every peer."""
        try:
            r = Rejection.from_bytes(rejection)
        except ConsentError as e:
            raise ProposalError(f"rejection refused: {e}") from e
        if r.party != self._party:
            raise ProposalError(
                f"rejection refused: it is by {r.party!r}; the officials of {self._party!r} "
                "reject here, another party's rejections come through its node"
            )
        status = self.status(r.act_id)
        if status.status != "open":
            raise ProposalError(
                f"act {r.act_id} is {status.status}; only an open one can be rejected"
            )
        self.receive_rejection(rejection)
        self._broadcast_rejection(r)
        return r

    def _check_new_content(self, proposal: Proposal) -> None:
        c = proposal.content
        try:
            act = acts.parse_act(c.act).to_data()
        except acts.ActError as e:
            raise ProposalError(f"proposal refused: {e}") from e
        if act != c.act:
            raise ProposalError("proposal refused: its act is not in canonical form")
        try:
            regime = self._replica.regime_for(act)
        except ConsentError as e:
            raise ProposalError(f"proposal refused: {e}") from e
        if (c.origin, c.regime_id, c.regime_version) != (
            regime.origin,
            regime.id,
            regime.version,
        ):
            raise ProposalError(
                f"proposal refused: it is for log {c.origin!r}, regime {c.regime_id!r} version "
                f"{c.regime_version}; this node keeps {regime.origin!r}, {regime.id!r} version "
                f"{regime.version}"
            )
        if c.proposed_by != self._party:
            raise ProposalError(
                f"proposal refused: proposed by {c.proposed_by!r}; the officials of "
                f"{self._party!r} propose here, another party's proposals come through its node"
            )
        now = self.now()
        if abs(c.proposed_at - now) > regime.clock_skew:
            raise ProposalError(
                f"proposal refused: dated {format_time(c.proposed_at)}, more than "
                f"{regime.clock_skew.total_seconds():.0f} s from this node's clock "
                f"({format_time(now)})"
            )
        if c.expires_at <= now:
            raise ProposalError(f"proposal refused: it expired at {format_time(c.expires_at)}")
        if self._replica.regime is not None:
            try:
                self._replica.check_act(act, time=now)
            except (acts.ActError, RegimeError, ValueError) as e:
                raise ProposalError(f"proposal refused: {e}") from e

    # -- received from peers --------------------------------------------------------------------

    def receive_proposal(self, proposal: bytes) -> None:
        """A proposal, or new signatures on one, made at another node: each new signature is
        verified before anything is kept."""
        try:
            received = Proposal.from_bytes(proposal)
        except ConsentError as e:
            raise ProposalError(f"proposal refused: {e}") from e
        held = self._held(received.id)
        new = tuple(k for k in received.kids if held is None or k not in held.kids)
        if not new:
            return
        self._check_signers(received, new)
        self._keep(received)

    def receive_rejection(self, rejection: bytes) -> None:
        """A signed rejection: kept only if its official may speak for its party on the act."""
        try:
            r = Rejection.from_bytes(rejection)
        except ConsentError as e:
            raise ProposalError(f"rejection refused: {e}") from e
        held = self._held(r.act_id)
        if held is None:
            raise ProposalError(f"rejection refused: no proposal {r.act_id} at {self._party!r}")
        if self._replica.committed_index(r.act_id) is not None:
            raise ProposalError(f"rejection refused: act {r.act_id} is already committed")
        try:
            self._replica.judge_rejection(r, held)
        except ConsentError as e:
            raise ProposalError(f"rejection refused: {e}") from e
        with self._store.writing("keeping a rejection") as conn:
            conn.execute(
                delete(t.rejections).where(
                    t.rejections.c.act_id == r.act_id, t.rejections.c.party == r.party
                )
            )
            conn.execute(
                insert(t.rejections).values(
                    act_id=r.act_id,
                    party=r.party,
                    official=r.official,
                    reason=r.reason,
                    data=r.to_bytes(),
                )
            )

    def _check_signers(
        self, proposal: Proposal, kids: tuple[bytes, ...], *, speaking_for: str | None = None
    ) -> None:
        try:
            self._replica.check_signatures(proposal, kids, party=speaking_for)
        except (ConsentError, acts.ActError, RegimeError) as e:
            raise ProposalError(f"act {proposal.id}: signature refused: {e}") from e

    # -- sending --------------------------------------------------------------------------------

    def _broadcast(self, proposal: Proposal) -> None:
        data = proposal.to_bytes()
        for peer in self.peers.values():
            peer.receive_proposal(data)

    def _broadcast_rejection(self, rejection: Rejection) -> None:
        data = rejection.to_bytes()
        for peer in self.peers.values():
            peer.receive_rejection(data)

    # -- kept here ------------------------------------------------------------------------------

    def _keep(self, proposal: Proposal) -> Proposal:
        """Store a proposal, merging its signatures with those already known here; the
        proposal as now stored."""
        with self._store.writing("keeping a proposal") as conn:
            row = conn.execute(
                select(t.proposals.c.data).where(t.proposals.c.act_id == proposal.id)
            ).first()
            if row is not None:
                merged = self._decoded(proposal.id, row.data).merge(proposal)
                data = merged.to_bytes()
                if data != row.data:
                    conn.execute(
                        t.proposals.update()
                        .where(t.proposals.c.act_id == proposal.id)
                        .values(data=data)
                    )
                # Safe whatever the transaction's fate: a cached pair is only used for equal bytes.
                # It keeps its bytes, so committing it does not encode it again.
                kept = replace(merged, raw=data)
                self._proposal_cache[proposal.id] = (data, kept)
                return kept
            c = proposal.content
            data = proposal.to_bytes()
            kept = replace(proposal, raw=data)
            self._proposal_cache[proposal.id] = (data, kept)
            times = (format_time(c.proposed_at), format_time(c.expires_at))
            conn.execute(
                insert(t.proposals).values(
                    act_id=proposal.id,
                    data=data,
                    act_type=proposal.act_type,
                    proposed_by=c.proposed_by,
                    proposed_at=times[0],
                    expires_at=times[1],
                )
            )
        if self._uncommitted is not None:  # an id the table lacks if it rolls back: skipped
            self._uncommitted[proposal.id] = times
        return kept

    def _pending(self, since: str | None) -> list[str]:
        """The ids of the proposals held here that the log has not committed (and that expire
        at or after ``since``), in the order they were proposed.

        Worked out from the table once, then kept as proposals are stored: a node holds a
        proposal for every act it ever committed, and a page or a round that read them all to
        find the few still open would cost more as the log grows (2,560 ids read for every
        inbox on a log of 100,000 acts over three years). This node's process is the one
        writer of its proposals (``node serve`` holds its directory; every other command that
        opens one reads its descriptor and peers alone), so what it keeps here is what the
        table holds. An id leaves once the log it has stored commits it: a batch the replica
        has admitted but the log does not hold yet may still fail."""
        committed = self._replica.committed_index
        if self._uncommitted is None:
            columns = (t.proposals.c.act_id, t.proposals.c.proposed_at, t.proposals.c.expires_at)
            with self._store.engine.connect() as conn:
                found = conn.execute(select(*columns)).all()
            self._uncommitted = {
                act_id: (at, expires) for act_id, at, expires in found if committed(act_id) is None
            }
        wanted: list[tuple[str, str]] = []
        done: list[tuple[str, int]] = []
        for act_id, (at, expires) in self._uncommitted.items():
            position = committed(act_id)
            if position is not None:
                done.append((act_id, position))
            elif since is None or expires >= since:
                wanted.append((at, act_id))
        if done:
            held = self._store.size()
            for act_id, position in done:
                if position < held:
                    del self._uncommitted[act_id]
        return [act_id for _, act_id in sorted(wanted)]

    def proposals_by(
        self, official: str, *, party: str, since: datetime, limit: int
    ) -> list[ProposalStatus]:
        """The newest ``limit`` proposals ``official`` of ``party`` made (its first signer),
        of those expiring at or after ``since``, oldest first; read newest first, and no
        further than need be."""
        query = (
            select(t.proposals.c.act_id, t.proposals.c.data)
            .where(t.proposals.c.proposed_by == party)
            .where(t.proposals.c.expires_at >= format_time(since))
            .order_by(t.proposals.c.proposed_at.desc(), t.proposals.c.act_id.desc())
        )
        kid = official.encode("utf-8")
        found: list[Proposal] = []
        with self._store.engine.connect() as conn:
            for row in conn.execute(query):
                p = self._decoded(row.act_id, row.data)
                if p.kids[:1] == (kid,):
                    found.append(p)
                    if len(found) == limit:
                        break
            ids = [p.id for p in found]
            rej = conn.execute(
                select(t.rejections.c.act_id, t.rejections.c.data).where(
                    t.rejections.c.act_id.in_(ids)
                )
            ).all()
        by_act: dict[str, list[Rejection]] = {}
        for r in rej:
            by_act.setdefault(r.act_id, []).append(Rejection.from_bytes(r.data))
        return [self._status(p, tuple(by_act.get(p.id, ())), judged=False) for p in reversed(found)]

    def _decoded(self, act_id: str, data: bytes) -> Proposal:
        """A stored proposal, decoded once: every round lists the open ones again."""
        cached = self._proposal_cache.get(act_id)
        if cached is not None and cached[0] == data:
            return cached[1]
        proposal = Proposal.from_bytes(data)
        self._proposal_cache[act_id] = (data, proposal)
        return proposal

    def _forget(self, act_ids: list[str]) -> None:
        for act_id in act_ids:
            self._proposal_cache.pop(act_id, None)

    def _held(self, act_id: str) -> Proposal | None:
        with self._store.engine.connect() as conn:
            row = conn.execute(
                select(t.proposals.c.data).where(t.proposals.c.act_id == act_id)
            ).first()
        return None if row is None else self._decoded(act_id, row.data)

    def _known(self, act_id: str) -> bool:
        return self._held(act_id) is not None

    def resolve(self, act_id: str) -> str:
        """The full id of a proposal given by its id or a unique prefix of at least 8 digits."""
        if len(act_id) == 32:
            return act_id
        if len(act_id) < 8 or any(c not in "0123456789abcdef" for c in act_id):
            raise ProposalError(f"{act_id!r} is not an act id (32 hex digits, or 8 or more)")
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(t.proposals.c.act_id).where(t.proposals.c.act_id.startswith(act_id))
            ).all()
        if not rows:
            raise UnknownProposalError(
                f"no proposal at the node of {self._party!r} has an id starting {act_id}"
            )
        if len(rows) != 1:
            found = f"{len(rows)} proposals"
            raise ProposalError(
                f"{found} at the node of {self._party!r} has an id starting {act_id}"
            )
        return str(rows[0].act_id)

    def status(self, act_id: str) -> ProposalStatus:
        act_id = self.resolve(act_id)
        with self._store.engine.connect() as conn:
            row = conn.execute(
                select(t.proposals.c.data).where(t.proposals.c.act_id == act_id)
            ).first()
            rej = conn.execute(
                select(t.rejections.c.data).where(t.rejections.c.act_id == act_id)
            ).all()
        if row is None:
            raise UnknownProposalError(f"no proposal {act_id!r} at the node of {self._party!r}")
        return self._status(
            self._decoded(act_id, row.data), tuple(Rejection.from_bytes(r.data) for r in rej)
        )

    def _status(
        self,
        proposal: Proposal,
        rejections: tuple[Rejection, ...],
        *,
        judged: bool = True,
    ) -> ProposalStatus:
        index = self._replica.committed_index(proposal.id)
        # The sequencer leaves the verdict to admit(), which judges anyway.
        verdict = self._replica.verdict(proposal) if judged else _UNJUDGED
        if index is not None:
            status = "committed"
        elif rejections:
            status = "rejected"
        elif proposal.content.expires_at < self.now():
            status = "expired"
        else:
            status = "open"
        return ProposalStatus(proposal, status, verdict, rejections, index)

    def proposals(
        self, status: str | None = None, *, judged: bool = True, since: datetime | None = None
    ) -> list[ProposalStatus]:
        """Proposals known here, oldest first; ``status`` filters (open, committed, ...), and
        ``since`` keeps those that expire at or after it (an open one has not expired: the
        officials' pages ask for what is recent, not for every act the log ever took)."""
        if status not in (None, "committed"):
            # The common case: most proposals a node holds are committed, and only those it
            # has not are read, let alone decoded (see _pending).
            return [s for s in self.uncommitted(judged=judged, since=since) if s.status == status]
        order = (t.proposals.c.proposed_at, t.proposals.c.act_id)
        recent = [] if since is None else [t.proposals.c.expires_at >= format_time(since)]
        with self._store.engine.connect() as conn:
            query = select(t.proposals.c.act_id, t.proposals.c.data).where(*recent)
            rows = conn.execute(query.order_by(*order)).all()
            rejections = self._rejections(conn)
        out = [self._read_status(row, rejections, judged) for row in rows]
        return [s for s in out if status is None or s.status == status]

    def uncommitted(
        self, *, judged: bool = True, since: datetime | None = None
    ) -> list[ProposalStatus]:
        """The proposals held here that the log has not committed, oldest first: open,
        rejected or expired; ``since`` as for :meth:`proposals`."""
        wanted = self._pending(None if since is None else format_time(since))
        if not wanted:
            return []
        with self._store.engine.connect() as conn:
            rows: list[Any] = []
            for chunk in range(0, len(wanted), _READ_CHUNK):
                part = wanted[chunk : chunk + _READ_CHUNK]
                query = select(t.proposals.c.act_id, t.proposals.c.data)
                rows += conn.execute(query.where(t.proposals.c.act_id.in_(part))).all()
            rejections = self._rejections(conn, [r.act_id for r in rows]) if rows else {}
        place = {act_id: i for i, act_id in enumerate(wanted)}
        rows.sort(key=lambda r: place[r.act_id])
        return [self._read_status(row, rejections, judged) for row in rows]

    @staticmethod
    def _rejections(
        conn: Connection, act_ids: Sequence[str] | None = None
    ) -> dict[str, tuple[Rejection, ...]]:
        """The rejections kept here, by act: of ``act_ids`` only, if given (a round reads
        those of the few open proposals, not every rejection the node ever kept)."""
        query = select(t.rejections.c.act_id, t.rejections.c.data)
        rows: list[Any] = []
        if act_ids is None:
            rows = list(conn.execute(query))
        else:
            for chunk in range(0, len(act_ids), _READ_CHUNK):
                part = act_ids[chunk : chunk + _READ_CHUNK]
                rows += conn.execute(query.where(t.rejections.c.act_id.in_(part))).all()
        by_act: dict[str, list[Rejection]] = {}
        for r in rows:
            by_act.setdefault(r.act_id, []).append(Rejection.from_bytes(r.data))
        return {act_id: tuple(found) for act_id, found in by_act.items()}

    def _read_status(
        self, row: Any, rejections: Mapping[str, tuple[Rejection, ...]], judged: bool
    ) -> ProposalStatus:
        p = self._decoded(row.act_id, row.data)
        return self._status(p, rejections.get(p.id, ()), judged=judged)
