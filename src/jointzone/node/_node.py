"""One party's node: its log, its replica of the state, its proposals, and its own keys only.

A node signs with nothing but its own party's keys — the node key that cosigns checkpoints and the
keys of its own officials, read from its own keystore. Everything another party contributes
arrives as bytes through :class:`~jointzone.node.NodeInterface` and is judged before it is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from jointzone import acts
from jointzone.consent import (
    ConsentError,
    ConsentMissingError,
    Entry,
    Proposal,
    ProposalContent,
    Verdict,
    format_time,
)
from jointzone.cose import CoseSigner
from jointzone.credentials import Certificate
from jointzone.node import _documents
from jointzone.node import _tables as t
from jointzone.node._gate import Gate, NeutralityBlockedError
from jointzone.node._interface import NodeInterface
from jointzone.node._keystore import KeyKind, Keystore
from jointzone.node._replica import Replica
from jointzone.node._trust import trust_positions
from jointzone.node.errors import KeystoreError, ProposalError, SyncError, WitnessError
from jointzone.regime import RegimeError
from jointzone.store import ConflictError, SqlLogStore
from jointzone.tlog import (
    Checkpoint,
    CompactRange,
    MalformedError,
    Note,
    ProofError,
    SignatureError,
    Signer,
    leaf_hashes,
    open_checkpoint,
    sign_note,
    verify_consistency,
    verify_note,
)
from jointzone.tlog._tree import root_nodes
from jointzone.trust import trust_extension

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class ProposalStatus:
    """A proposal as this node sees it now."""

    proposal: Proposal
    status: str  # open | committed | rejected | expired
    verdict: Verdict
    rejections: tuple[tuple[str, str, str], ...]  # (party, official, reason)
    index: int | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """What the sequencer appended in one round, and the checkpoint it signed over it."""

    old_size: int
    entries: list[bytes]
    checkpoint: bytes
    committed: list[str]
    refused: list[tuple[str, str]]  # (act id, why)


_UNJUDGED = Verdict(False, ("not judged",))

# What judging an entry raises when the entry must not be committed: refusals, not bugs.
REFUSALS: tuple[type[Exception], ...] = (ConsentError, acts.ActError, RegimeError, ValueError)


def node_key_name(origin: str, party: str) -> str:
    """The signed-note key name of a party's node: the log origin and the party."""
    return f"{origin}/{party}"


class Node:
    """One party's node (see the module docstring)."""

    def __init__(
        self,
        *,
        party: str,
        store: SqlLogStore,
        keystore: Keystore,
        clock: Clock = _utcnow,
        gate: Gate | None = None,
    ) -> None:
        if keystore.party != party:
            raise KeystoreError(f"node of party {party!r} given the keystore of {keystore.party!r}")
        self._party = party
        self._store = store
        self._keys = keystore
        self._clock = clock
        self.peers: dict[str, NodeInterface] = {}
        t.metadata.create_all(store.engine)
        self._gate = gate
        self._proposal_cache: dict[str, tuple[bytes, Proposal]] = {}
        self._replica = self._replay()

    def _replay(self) -> Replica:
        replica = Replica.replay(self._store.iter_entries())
        replica.gate = self._gate
        return replica

    def _check_neutral(self, act: Mapping[str, Any]) -> None:
        """Refuse to sign an act whose free text takes a side (see :mod:`._gate`)."""
        if self._gate is None:
            return
        parsed = acts.parse_act(act)
        findings = self._gate(parsed.free_text())
        if findings:
            raise NeutralityBlockedError(parsed.TYPE, findings)

    # -- identity -------------------------------------------------------------------------------

    @property
    def party(self) -> str:
        return self._party

    @property
    def replica(self) -> Replica:
        return self._replica

    @property
    def store(self) -> SqlLogStore:
        return self._store

    @property
    def keystore(self) -> Keystore:
        return self._keys

    def now(self) -> datetime:
        return self._clock()

    def _node_signer(self) -> Signer:
        origin = self._replica.origin
        key = self._keys.private_key("node", "node")
        return Signer.from_seed(node_key_name(origin, self._party), key.private_bytes_raw())

    def _official_signer(self, official: str) -> CoseSigner:
        """A signer for one of this party's officials, from this node's keystore only."""
        kind: KeyKind = "root" if self._keys.has("root", official) else "official"
        if not self._keys.has(kind, official):
            raise KeystoreError(
                f"the node of {self._party!r} holds no key of {official!r}: a node signs only "
                f"for its own party's officials and root keys"
            )
        # The kid is the key id the record knows the signer by (official or root key id).
        return CoseSigner(
            kid=official.encode("utf-8"), private_key=self._keys.private_key(kind, official)
        )

    # -- NodeInterface --------------------------------------------------------------------------

    def log_size(self) -> int:
        return self._store.size()

    def read_entries(self, start: int, stop: int) -> list[bytes]:
        return self._store.read_entries(start, stop)

    def latest_checkpoint(self) -> bytes | None:
        return self._store.checkpoint()

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return self._store.consistency_proof(size1, size2)

    def receive_proposal(self, proposal: bytes) -> None:
        self._keep(Proposal.from_bytes(proposal))

    def receive_rejection(self, act_id: str, party: str, official: str, reason: str) -> None:
        with self._store.engine.begin() as conn:
            conn.execute(
                delete(t.rejections).where(
                    t.rejections.c.act_id == act_id, t.rejections.c.party == party
                )
            )
            conn.execute(
                insert(t.rejections).values(
                    act_id=act_id, party=party, official=official, reason=reason
                )
            )

    def certificate_signature(self, certificate: str) -> bytes:
        return _documents.own_signature(self, certificate)

    # -- certificate documents ------------------------------------------------------------------

    def certificate(self, certificate: str) -> Certificate | None:
        """The assembled certificate document (every party's signature), if gathered yet."""
        return _documents.stored(self, certificate)

    def gather_certificates(self) -> list[str]:
        """Ask every peer for its party's signature on each certificate this node has no
        document of yet, check each, and keep the assembled documents; returns their ids."""
        return _documents.gather(self, self.peers)

    # -- proposals ------------------------------------------------------------------------------

    def propose(
        self,
        act: Mapping[str, Any],
        *,
        official: str,
        expires_in: timedelta | None = None,
        nonce: bytes | None = None,
    ) -> Proposal:
        """Make a proposal signed by one of this party's officials, and send it to every peer."""
        # Proposals carry the act's canonical form only, so every node signs the same bytes.
        act = acts.parse_act(act).to_data()
        regime = self._replica.regime_for(act)
        now = self.now()
        content = ProposalContent.new(
            act,
            regime_id=regime.id,
            regime_version=regime.version,
            origin=regime.origin,
            proposed_by=self._party,
            proposed_at=now,
            expires_at=now + (expires_in or regime.proposal_expiry),
        )
        if nonce is not None:
            content = replace(content, nonce=nonce)
        proposal = Proposal.create(content, self._official_signer(official))
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
        self._keep(proposal)
        self._broadcast(proposal)
        return proposal

    def sign(self, act_id: str, *, official: str) -> Proposal:
        """Add an official's signature to an open proposal, and send it on."""
        act_id = self.resolve(act_id)
        status = self.status(act_id)
        if status.status != "open":
            raise ProposalError(f"act {act_id} is {status.status}; only an open one can be signed")
        signer = self._official_signer(official)
        self._check_neutral(status.proposal.content.act)
        if signer.kid in status.proposal.kids:
            self._broadcast(status.proposal)  # idempotent: a peer may have missed it
            return status.proposal
        proposal = status.proposal.cosign(signer)
        self._keep(proposal)
        self._broadcast(proposal)
        return proposal

    def reject(self, act_id: str, *, official: str, reason: str) -> None:
        """Refuse consent, with a reason every node keeps."""
        if not reason.strip():
            raise ProposalError("a rejection must give its reason")
        act_id = self.resolve(act_id)
        status = self.status(act_id)
        # Rejecting again (a process that died before telling every peer) sends it on again.
        already = any(p == self._party for p, _, _ in status.rejections)
        if status.status != "open" and not already:
            raise ProposalError(
                f"act {act_id} is {status.status}; only an open one can be rejected"
            )
        self._official_signer(official)  # only this party's officials may speak for it
        self.receive_rejection(act_id, self._party, official, reason)
        for peer in self.peers.values():
            peer.receive_rejection(act_id, self._party, official, reason)

    def _broadcast(self, proposal: Proposal) -> None:
        data = proposal.to_bytes()
        for peer in self.peers.values():
            peer.receive_proposal(data)

    def _keep(self, proposal: Proposal) -> None:
        """Store a proposal, merging its signatures with those already known here."""
        with self._store.engine.begin() as conn:
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
                self._proposal_cache[proposal.id] = (data, merged)
                return
            c = proposal.content
            data = proposal.to_bytes()
            self._proposal_cache[proposal.id] = (data, proposal)
            conn.execute(
                insert(t.proposals).values(
                    act_id=proposal.id,
                    data=data,
                    act_type=proposal.act_type,
                    proposed_by=c.proposed_by,
                    proposed_at=format_time(c.proposed_at),
                    expires_at=format_time(c.expires_at),
                )
            )

    def _decoded(self, act_id: str, data: bytes) -> Proposal:
        """A stored proposal, decoded once: every round lists the open ones again."""
        cached = self._proposal_cache.get(act_id)
        if cached is not None and cached[0] == data:
            return cached[1]
        proposal = Proposal.from_bytes(data)
        self._proposal_cache[act_id] = (data, proposal)
        return proposal

    def _known(self, act_id: str) -> bool:
        with self._store.engine.connect() as conn:
            row = conn.execute(
                select(t.proposals.c.act_id).where(t.proposals.c.act_id == act_id)
            ).first()
        return row is not None

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
        if len(rows) != 1:
            found = "no proposal" if not rows else f"{len(rows)} proposals"
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
            rej = conn.execute(select(t.rejections).where(t.rejections.c.act_id == act_id)).all()
        if row is None:
            raise ProposalError(f"no proposal {act_id!r} at the node of {self._party!r}")
        return self._status(
            self._decoded(act_id, row.data), tuple((r.party, r.official, r.reason) for r in rej)
        )

    def _status(
        self,
        proposal: Proposal,
        rejections: tuple[tuple[str, str, str], ...],
        *,
        judged: bool = True,
    ) -> ProposalStatus:
        index = self._replica.committed_index(proposal.id)
        # Judging checks every signature; the sequencer leaves it to admit(), which judges anyway.
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

    def proposals(self, status: str | None = None, *, judged: bool = True) -> list[ProposalStatus]:
        """Proposals known here, oldest first; ``status`` filters (open, committed, ...)."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(t.proposals.c.act_id, t.proposals.c.data).order_by(
                    t.proposals.c.proposed_at, t.proposals.c.act_id
                )
            ).all()
            rej = conn.execute(select(t.rejections)).all()
        by_act: dict[str, list[tuple[str, str, str]]] = {}
        for r in rej:
            by_act.setdefault(r.act_id, []).append((r.party, r.official, r.reason))
        out = []
        for row in rows:
            if (
                status not in (None, "committed")
                and self._replica.committed_index(row.act_id) is not None
            ):
                continue  # the common case, decided without decoding the proposal
            p = self._decoded(row.act_id, row.data)
            s = self._status(p, tuple(by_act.get(p.id, ())), judged=judged)
            if status is None or s.status == status:
                out.append(s)
        return out

    # -- sequencing -----------------------------------------------------------------------------

    def sequence(self, *, limit: int = 1000) -> Batch | None:
        """Commit every open proposal whose consent is complete, and sign the new checkpoint.

        Each candidate is judged and applied in order; one that fails (its act no longer valid)
        is left out with the reason, and the others go on. The batch is appended atomically.
        """
        old_size = self._store.size()
        entries: list[bytes] = []
        committed: list[str] = []
        refused: list[tuple[str, str]] = []
        now = self.now()
        position = old_size
        candidates = self.proposals("open", judged=False)
        try:
            for s in candidates:
                if len(entries) == limit:
                    break
                entry = Entry(time=max(now, self._replica.last_time or now), proposal=s.proposal)
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
            if not entries:
                return Batch(old_size, [], b"", [], refused) if refused else None
            self._store.append(entries, expected_size=old_size)
            for act_id in committed:
                self._proposal_cache.pop(act_id, None)
        except BaseException:
            # The replica ran ahead of the log: derive it again from what was kept.
            self._replica = self._replay()
            raise
        checkpoint = self._sign_checkpoint(self._store.size(), self._store.root())
        return Batch(old_size, entries, checkpoint, committed, refused)

    def _sign_checkpoint(self, size: int, root: bytes, existing: Note | None = None) -> bytes:
        """Sign the checkpoint this node's own log and state give at ``size``.

        Its extension line commits to where the trust entries are (see :mod:`jointzone.trust`),
        computed from this node's state; a checkpoint offered with any other text is refused.
        """
        text = self._checkpoint_text(size, root)
        if existing is not None and existing.text != text:
            raise WitnessError(
                f"checkpoint text differs from the one the node of {self._party!r} derives "
                f"from its own log: offered {existing.text!r}, derived {text!r}"
            )
        self._remember_cosigned(size, text)
        return sign_note(text, [self._node_signer()], existing=existing).to_bytes()

    def _checkpoint_text(self, size: int, root: bytes) -> str:
        if self._replica.size != size:
            raise WitnessError(
                f"checkpoint of size {size}, but this node's state is at {self._replica.size}"
            )
        extension = trust_extension(trust_positions(self._replica.state))
        return Checkpoint(
            origin=self._replica.origin, size=size, root=root, extensions=(extension,)
        ).to_text()

    def _remember_cosigned(self, size: int, text: str, offered: bytes | None = None) -> None:
        """Refuse to sign a second, different checkpoint at a size; keep the evidence."""
        with self._store.engine.begin() as conn:
            row = conn.execute(select(t.cosigned.c.text).where(t.cosigned.c.size == size)).first()
            if row is None:
                conn.execute(insert(t.cosigned).values(size=size, text=text))
                return
            if row.text == text:
                return
            conn.execute(
                insert(t.conflicts).values(
                    size=size, signed=row.text, offered=offered or text.encode()
                )
            )
        raise WitnessError(
            f"the node of {self._party!r} already signed a different checkpoint of size {size}; "
            "refusing to sign two (evidence kept)"
        )

    def conflicts(self) -> list[tuple[int, str, bytes]]:
        with self._store.engine.connect() as conn:
            return [(r.size, r.signed, r.offered) for r in conn.execute(select(t.conflicts))]

    # -- witnessing -----------------------------------------------------------------------------

    def witness(
        self, *, old_size: int, entries: list[bytes], checkpoint: bytes, proof: list[bytes]
    ) -> bytes:
        """Judge new entries, check the checkpoint over them, append, and cosign.

        The checkpoint must carry the sequencer's node signature, extend this node's log (the
        consistency proof from this node's size), and have the root that this node computes
        for its own log plus the entries. Only then are the entries appended and the checkpoint
        signed — and never a second checkpoint of the same size.
        """
        size = self._store.size()
        if old_size != size:
            raise WitnessError(
                f"the node of {self._party!r} holds {size} entries; the batch starts at {old_size}"
            )
        try:
            note = Note.from_bytes(checkpoint)
            cp = Checkpoint.from_text(note.text)
        except MalformedError as e:
            raise WitnessError(f"checkpoint refused: {e}") from e
        if cp.size != old_size + len(entries):
            raise WitnessError(
                f"checkpoint size {cp.size} does not match {old_size} + {len(entries)} entries"
            )
        if old_size:
            try:
                verify_consistency(
                    size1=old_size,
                    size2=cp.size,
                    root1=self._store.root(old_size),
                    root2=cp.root,
                    proof=proof,
                )
            except ProofError as e:
                raise WitnessError(f"checkpoint does not extend this node's log: {e}") from e
        edge = self._edge(old_size)
        edge.extend(leaf_hashes(entries))
        if edge.root() != cp.root:
            raise WitnessError(
                f"checkpoint root {cp.root.hex()} is not the root of these entries "
                f"({edge.root().hex()})"
            )
        # Judge the entries first: the genesis entry is what names the node keys to check.
        self._admit_all(old_size, entries, before_append=lambda: self._check_sequencer(note, cp))
        return self._sign_checkpoint(cp.size, cp.root, existing=note)

    def _check_sequencer(self, note: Note, cp: Checkpoint) -> None:
        if cp.origin != self._replica.origin:
            raise WitnessError(
                f"checkpoint is for origin {cp.origin!r}, this log is {self._replica.origin!r}"
            )
        try:
            verify_note(note, self._replica.node_verifiers(), require="any")
        except SignatureError as e:
            raise WitnessError(f"checkpoint refused: {e}") from e
        # The replica now holds the new entries: the text must be the one it derives.
        derived = self._checkpoint_text(cp.size, cp.root)
        if note.text != derived:
            raise WitnessError(
                f"checkpoint text differs from the one the node of {self._party!r} derives "
                f"from its own log: offered {note.text!r}, derived {derived!r}"
            )

    def _edge(self, size: int) -> CompactRange:
        if not size:
            return CompactRange()
        hashes = self._store.hash_reader().read_hashes(root_nodes(size))
        return CompactRange.from_nodes(size, hashes)

    def _admit_all(
        self,
        old_size: int,
        entries: Sequence[bytes],
        before_append: Callable[[], None] | None = None,
    ) -> None:
        if not entries:
            if before_append is not None:
                before_append()
            return
        try:
            for i, data in enumerate(entries):
                self._replica.admit(Entry.decode(data, index=old_size + i), old_size + i)
            if before_append is not None:
                before_append()
            self._store.append(entries, expected_size=old_size)
        except REFUSALS as e:
            self._replica = self._replay()
            raise WitnessError(f"entry refused: {e}") from e
        except BaseException:
            self._replica = self._replay()
            raise

    def accept_final(self, checkpoint: bytes) -> None:
        """Keep a checkpoint that every party's node signed, over this node's own log."""
        try:
            cp, _ = open_checkpoint(
                checkpoint,
                self._replica.node_verifiers(),
                origin=self._replica.origin,
                require="all",
            )
        except (MalformedError, SignatureError) as e:
            raise WitnessError(f"final checkpoint refused: {e}") from e
        if cp.size > self._store.size() or self._store.root(cp.size) != cp.root:
            raise SyncError(
                f"final checkpoint of size {cp.size} does not match the log of {self._party!r}"
            )
        try:
            self._store.add_checkpoint(cp.size, checkpoint)
        except ConflictError as e:
            raise SyncError(str(e)) from e

    # -- catching up ----------------------------------------------------------------------------

    def catch_up(self, source: NodeInterface, *, chunk: int = 1000) -> int:
        """Fetch, judge and append the entries ``source`` has and this node lacks.

        Used after a restart: entries a sequencer appended before the process died reach the
        other nodes here, checked exactly as a witness checks them.
        """
        added = 0
        while (size := self._store.size()) < (target := source.log_size()):
            stop = min(target, size + chunk)
            entries = source.read_entries(size, stop)
            if size:
                mine = self._store.root(size)
                proof = source.consistency_proof(size, stop)
                edge = self._edge(size)
                edge.extend(leaf_hashes(entries))
                try:
                    verify_consistency(
                        size1=size, size2=stop, root1=mine, root2=edge.root(), proof=proof
                    )
                except ProofError as e:
                    raise SyncError(
                        f"the log of {source.party!r} is not an extension of the log of "
                        f"{self._party!r} at size {size}: {e}"
                    ) from e
            self._admit_all(size, entries)
            added += len(entries)
        return added

    def finalise(self, note_bytes: bytes, peers: Iterable[NodeInterface]) -> bytes:
        """Gather every peer's signature on a checkpoint this node signed; keep it when final."""
        note = Note.from_bytes(note_bytes)
        cp = Checkpoint.from_text(note.text)
        for peer in peers:
            signed = Note.from_bytes(
                peer.witness(old_size=cp.size, entries=[], checkpoint=note.to_bytes(), proof=[])
            )
            note = note.with_signatures(*signed.signatures)
        final = note.to_bytes()
        self.accept_final(final)
        return final
