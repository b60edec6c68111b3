"""Witnessing: judging another node's entries before cosigning, catching up, and finalising.

A witness cosigns a checkpoint only after it holds every entry the checkpoint covers and has
judged each one: signatures against the keys valid at its position, the consent policy, the
state transition, the neutrality gate, and its time. The sequencer does not set time alone:

- an entry is never dated before the previous entry (the state transition refuses that);
- nor more than the regime's clock skew ahead of, or behind, the witness's own clock: a batch
  reaches every witness before the sequencer appends it (see :mod:`._sequencer`), so an honest
  entry is never older than the skew, while a backdated one is;
- and it must fall in the rotation period of the node that signed the offered checkpoint: the
  offered checkpoint must carry the signature of the node whose turn it was at each entry's time.

Entries already covered by a checkpoint every party's node signed were judged by this node when
it signed; a node that is behind (restored, or down for a while) takes those from a peer with
:meth:`Witnessing.catch_up`, checking them against that final checkpoint, and judges their
signatures and transitions again, but not their time.

:meth:`Witnessing.finalise` is the one path that gathers cosignatures: it brings every peer up to
this node's log, collects each one's signature, and hands the final checkpoint to all; the last
witness asked in a round, whose signature completes the checkpoint, keeps it final as it signs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import delete

from jointzone import acts
from jointzone.consent import Entry
from jointzone.node import _tables as t
from jointzone.node._checkpoints import RESTORED_FILE, Checkpoints
from jointzone.node._core import REFUSALS
from jointzone.node._interface import NodeInterface, RemoteNode
from jointzone.node.errors import SyncError, UnreachableError, WitnessError
from jointzone.tlog import (
    Checkpoint,
    CompactRange,
    MalformedError,
    Note,
    ProofError,
    SignatureError,
    leaf_hashes,
    open_checkpoint,
    verify_consistency,
    verify_note,
)
from jointzone.tlog._tree import root_nodes

NODE_KEY_ROTATION = acts.PartyRotateNodeKey.TYPE
#: Act types that end their batch: a node-key rotation, so that a checkpoint of the size just
#: after it carries both keys; and a regime amendment, so that every entry of a batch is judged
#: under one regime, and a party that joins by it signs the checkpoint just after it.
ENDS_BATCH = frozenset({NODE_KEY_ROTATION, acts.RegimeAmend.TYPE})


def _stamp(t: datetime) -> str:
    return f"{t:%Y-%m-%dT%H:%M:%SZ}"


class Witnessing(Checkpoints):
    """The witness's use cases (see the module docstring)."""

    def witness(
        self, *, old_size: int, entries: list[bytes], checkpoint: bytes, proof: list[bytes]
    ) -> bytes:
        """Judge new entries, check the checkpoint over them, append, and cosign.

        The checkpoint must carry the signature of the node whose turn it was and have the root
        this node computes for its own log plus the entries (so it extends this node's log;
        ``proof`` is not needed for that and may be empty). Only then are the entries appended
        and the checkpoint signed — and never a second checkpoint of the same size.
        """
        self._require_node_key()  # a locked keystore refuses before judging anything
        try:
            note = Note.from_bytes(checkpoint)
            cp = Checkpoint.from_text(note.text)
        except MalformedError as e:
            raise WitnessError(f"checkpoint refused: {e}") from e
        size = self._store.size()
        if old_size > size:
            source = self._source_of(note)
            if source is None:
                raise WitnessError(
                    f"the node of {self._party!r} holds {size} entries; the batch starts at "
                    f"{old_size} and no peer that signed it can be asked for the rest"
                )
            self.catch_up(source)
            size = self._store.size()
        if old_size != size:
            raise WitnessError(
                f"the node of {self._party!r} holds {size} entries; the batch starts at {old_size}"
            )
        if cp.size != old_size + len(entries):
            raise WitnessError(
                f"checkpoint size {cp.size} does not match {old_size} + {len(entries)} entries"
            )
        # No consistency proof is needed: this node holds the tree at ``old_size`` and rebuilds
        # the new root from it and the entries, which proves the checkpoint extends its log.
        edge = self._edge(old_size)
        edge.extend(leaf_hashes(entries))
        if edge.root() != cp.root:
            raise WitnessError(
                f"checkpoint root {cp.root.hex()} is not the root of these entries "
                f"({edge.root().hex()})"
            )
        # Before anything is appended: a node restored from a backup takes no fork of what it
        # signed since, even one whose entries it would judge sound.
        self.check_extends_kept(cp.size, lambda at: self._root_with(old_size, entries, at))
        # An entry's time and turn were judged already if this node signed this very checkpoint
        # before (a round cut short after it signed, offered again on recovery).
        judged = self.signed_text(cp.size) == note.text
        # Judge the entries first: the genesis entry is what names the node keys to check.
        self._admit_all(
            old_size,
            entries,
            before_append=lambda decoded: self._check_batch(note, cp, decoded, judged=judged),
        )
        signed = self._sign_checkpoint(cp.size, cp.root, existing=note)
        if self._complete(signed, cp.size):
            # The last witness asked adds the last party's signature: the checkpoint is final
            # as it leaves, and this node keeps it so before it answers; the sequencer tells
            # only the other witnesses (see :meth:`finalise`).
            self.accept_final(signed, signed=True)
        else:
            self._save_signed_state(signed=signed)
        return signed

    def _complete(self, note: bytes, size: int) -> bool:
        """Whether ``note`` carries a valid signature of every party's node in force at
        ``size``: a final checkpoint."""
        try:
            open_checkpoint(
                note, self._replica.node_verifiers(size), origin=self._replica.origin, require="all"
            )
        except (MalformedError, SignatureError):
            return False
        return True

    def _check_batch(
        self, note: Note, cp: Checkpoint, entries: Sequence[Entry], *, judged: bool
    ) -> None:
        """Everything about an offered batch that needs the state with its entries applied."""
        if cp.origin != self._replica.origin:
            raise WitnessError(
                f"checkpoint is for origin {cp.origin!r}, this log is {self._replica.origin!r}"
            )
        state = self._replica.state
        first = cp.size - len(entries)
        now = self.now()
        turns = set()
        for i, entry in enumerate(entries):
            where = f"entry {first + i} ({entry.proposal.act_type})"
            regime = state.regime_at(first + i)  # an amendment's own entry: the one before it
            skew = regime.clock_skew
            if not judged and entry.time > now + skew:
                raise WitnessError(
                    f"{where} is dated {_stamp(entry.time)}, more than {skew} ahead of this "
                    f"witness's clock ({_stamp(now)})"
                )
            if not judged and entry.time < now - skew:
                raise WitnessError(
                    f"{where} is dated {_stamp(entry.time)}, backdated: more than {skew} before "
                    f"this witness's clock ({_stamp(now)})"
                )
            if not judged:
                turns.add(regime.sequencer_for(entry.time))
        verifiers = self._replica.node_verifiers_by_party(cp.size)
        if len(turns) > 1:
            raise WitnessError(
                f"the batch's entries fall in the rotation periods of {sorted(turns)}: one "
                "sequencer's batch lies in its own period"
            )
        for i, entry in enumerate(entries[:-1]):
            if entry.proposal.act_type in ENDS_BATCH:
                raise WitnessError(
                    f"entry {first + i} ({entry.proposal.act_type}) is not the last of its "
                    "batch: a node-key rotation or a regime amendment ends its batch, so that "
                    "the checkpoint of the size just after it is signed by the keys it puts in "
                    "force"
                )
        parties = list(turns) if turns else list(verifiers)
        wanted = [v for p in parties for v in verifiers[p]]
        try:
            verify_note(note, wanted, require="any")
        except SignatureError as e:
            if turns:
                (party,) = turns
                raise WitnessError(
                    f"out of turn: the entries are dated in {party!r}'s rotation period, but "
                    f"the checkpoint does not carry {party!r}'s node signature ({e})"
                ) from e
            raise WitnessError(f"checkpoint refused: {e}") from e
        # The replica now holds the new entries: the text must be the one it derives.
        derived = self._checkpoint_text(cp.size, cp.root)
        if note.text != derived:
            raise WitnessError(
                f"checkpoint text differs from the one the node of {self._party!r} derives "
                f"from its own log: offered {note.text!r}, derived {derived!r}"
            )

    def _source_of(self, note: Note) -> NodeInterface | None:
        """A peer whose node signature is on ``note``: the one to catch up from."""
        signed = {(s.name, s.key_hash) for s in note.signatures}
        if not self._replica.state.adopted:
            return next(iter(self.peers.values()), None)
        for party, keys in self._replica.node_verifiers_by_party().items():
            if any((v.name, v.key_hash) in signed for v in keys) and party in self.peers:
                return self.peers[party]
        return None

    def _root_with(self, size: int, entries: Sequence[bytes], at: int) -> bytes:
        """The root at ``at`` of this node's log of ``size`` followed by ``entries``."""
        if at <= size:
            return self._store.root(at)
        edge = self._edge(size)
        edge.extend(leaf_hashes(entries[: at - size]))
        return edge.root()

    def _edge(self, size: int) -> CompactRange:
        if not size:
            return CompactRange()
        hashes = self._store.hash_reader().read_hashes(root_nodes(size))
        return CompactRange.from_nodes(size, hashes)

    def _admit_all(
        self,
        old_size: int,
        entries: Sequence[bytes],
        before_append: Callable[[list[Entry]], None] | None = None,
    ) -> None:
        decoded: list[Entry] = []
        try:
            for i, data in enumerate(entries):
                entry = Entry.decode(data, index=old_size + i)
                self._replica.admit(entry, old_size + i)
                decoded.append(entry)
            if before_append is not None:
                before_append(decoded)
            if entries:
                self._store.append(entries, expected_size=old_size)
        except REFUSALS as e:
            self._replica = self._replay()
            raise WitnessError(f"entry refused: {e}") from e
        except BaseException:
            self._replica = self._replay()
            raise

    # -- catching up ----------------------------------------------------------------------------

    def catch_up(self, source: NodeInterface, *, chunk: int = 1000) -> int:
        """Fetch, judge and append the entries ``source`` holds final and this node lacks, then
        keep that final checkpoint: a node that was behind is current only with it."""
        final = source.latest_checkpoint()
        if final is None:
            return 0
        try:
            target = Checkpoint.from_text(Note.from_bytes(final).text)
        except MalformedError as e:
            raise SyncError(f"the final checkpoint of {source.party!r} is malformed: {e}") from e
        added = 0
        while (size := self._store.size()) < target.size:
            stop = min(target.size, size + chunk)
            entries = source.read_entries(size, stop)
            if len(entries) != stop - size:
                raise SyncError(
                    f"{source.party!r} sent {len(entries)} entries for {size}..{stop - 1}"
                )
            edge = self._edge(size)
            edge.extend(leaf_hashes(entries))
            if size:
                proof = source.consistency_proof(size, stop)
                try:
                    verify_consistency(
                        size1=size,
                        size2=stop,
                        root1=self._store.root(size),
                        root2=edge.root(),
                        proof=proof,
                    )
                except ProofError as e:
                    raise SyncError(
                        f"the log of {source.party!r} is not an extension of the log of "
                        f"{self._party!r} at size {size}: {e}"
                    ) from e
            last = stop == target.size

            def check_final(_: list[Entry], edge: CompactRange = edge, last: bool = last) -> None:
                if last:
                    self._check_final(final, target, edge.root())

            self._admit_all(size, entries, before_append=check_final)
            added += len(entries)
        if target.size <= self._store.size():
            self.accept_final(final)
        return added

    def rejoin(self, peers: Iterable[NodeInterface]) -> None:
        """After a restore: catch up with each peer's final checkpoint and check that this
        node's log holds it, then sign again. Every peer must answer: one that is down leaves
        the node restored (and signing nothing) until it can be asked."""
        for peer in peers:
            final = peer.latest_checkpoint()
            if final is None:
                continue
            try:
                cp = Checkpoint.from_text(Note.from_bytes(final).text)
            except MalformedError as e:
                raise SyncError(f"the final checkpoint of {peer.party!r} is malformed: {e}") from e
            if cp.size > self._store.size():
                self.catch_up(peer)
            if cp.size > self._store.size() or self._store.root(cp.size) != cp.root:
                raise SyncError(
                    f"after a restore, the log of {self._party!r} does not hold the final "
                    f"checkpoint of size {cp.size:,} of {peer.party!r}: a fork"
                )
        (self._keys.path / RESTORED_FILE).unlink(missing_ok=True)

    def _check_final(self, final: bytes, target: Checkpoint, root: bytes) -> None:
        if root != target.root:
            raise SyncError(
                f"the entries received do not have the root of the final checkpoint of size "
                f"{target.size}"
            )
        try:
            open_checkpoint(
                final,
                self._replica.node_verifiers(target.size),
                origin=self._replica.origin,
                require="all",
            )
        except (MalformedError, SignatureError) as e:
            raise SyncError(f"final checkpoint refused: {e}") from e

    # -- finalising -----------------------------------------------------------------------------

    def finalise(
        self,
        peers: Iterable[NodeInterface],
        *,
        batch: list[bytes] | None = None,
        held: Mapping[str, int] | None = None,
    ) -> bytes | None:
        """Gather every peer's signature on this node's checkpoint, then keep the final
        checkpoint here and at every peer. Returns it (None: an empty log). Only the peers of
        parties whose node keys sign the checkpoint take part: a node pinned for a party that
        has yet to join is left out until the batch that makes it join.

        The one witness-gathering path. With ``batch`` (a sequencer's round) the checkpoint
        covers this node's log plus those entries, which it appends only once every peer has
        cosigned; if the first peer refuses, its own signature is withdrawn (nobody holds it).
        Without, it covers this node's log as it is (a restart's recovery, a peer's return),
        and each peer is sent what it lacks. A peer that holds more than this node is a fork
        or a node ahead: refused. ``held`` is each peer's log size if the caller has just
        asked (a size out of date only makes the peer refuse, and the round fail, unchanged).
        """
        size = self._store.size()
        # The replica holds the batch already: these are the nodes that sign its checkpoint.
        peers = self.party_peers(peers)
        # A party that joins by this batch was not asked before: it is now.
        known = held or {}
        held = {
            peer.party: known[peer.party] if peer.party in known else peer.log_size()
            for peer in peers
        }
        for peer in peers:
            if held[peer.party] > size:
                raise SyncError(
                    f"the node of {peer.party!r} holds {held[peer.party]} entries, "
                    f"{self._party!r} only {size}: catch up from it first"
                )
        final = self.final_size()
        new = batch or []
        target = size + len(new)
        if not target:
            return None
        if new:
            # Peers over a network are sent the batch while this node signs its checkpoint:
            # each keeps it aside until the checkpoint comes (see PeerClient.stage). One that
            # could not be sent it now is sent it again with the checkpoint.
            with _alongside(peers, lambda p: p.stage(size, new)):
                edge = self._edge(size)
                edge.extend(leaf_hashes(new))
                note = Note.from_bytes(self._sign_checkpoint(target, edge.root()))
            asking = peers
        elif final == size:
            latest = self._store.checkpoint()
            assert latest is not None
            note = Note.from_bytes(latest)
            asking = [p for p in peers if held[p.party] < size]
        else:
            note = Note.from_bytes(self._sign_checkpoint(size, self._store.root()))
            asking = peers
        took = 0
        try:
            for peer in asking:
                start = size if new else max(held[peer.party], final)
                entries = new or (self._store.read_entries(start, size) if start < size else [])
                signed = peer.witness(
                    old_size=start, entries=entries, checkpoint=note.to_bytes(), proof=[]
                )
                note = note.with_signatures(*Note.from_bytes(signed).signatures)
                took += 1
        except BaseException as e:
            # A witness that refused judged the batch and holds none of it: the signature goes.
            # One whose answer was lost may hold it, cosigned: the signature stays, so either
            # side can finish the round (withdraw_unheld drops it once no peer holds the batch).
            if new and not took and not isinstance(e, UnreachableError):
                self._withdraw(target)
            raise
        final_bytes = note.to_bytes()
        # A witness that just cosigned the batch holds it beyond its final checkpoint, but for
        # the last one asked: its signature was the last the checkpoint needed, and it kept
        # the checkpoint final as it answered (see :meth:`witness`).
        holder = asking[-1] if new and asking else None
        told = [
            p
            for p in peers
            if p is not holder
            and ((new and p in asking) or _size_of(p.latest_checkpoint()) < target)
        ]
        # Peers over a network are told while this node keeps the batch and the checkpoint
        # itself: each holds the batch already, so none has to wait for this node's disk.
        # Should keeping them here fail, the peers hold a final checkpoint this node lacks,
        # as when its process dies at this point, and it catches up from them.
        with _alongside(told, lambda p: p.accept_final(final_bytes)) as telling:
            if new:
                self._store.append(new, expected_size=size)
            if final < target:
                self.accept_final(final_bytes, signed=True)
            for peer in told:
                if not isinstance(peer, RemoteNode):
                    peer.accept_final(final_bytes)
            for future in telling:
                future.result()
        return final_bytes

    def _withdraw(self, size: int) -> None:
        """Forget this node's signature on a checkpoint of ``size`` that no peer took."""
        with self._store.writing("withdrawing a signature") as conn:
            conn.execute(delete(t.cosigned).where(t.cosigned.c.size == size))


@contextmanager
def _alongside(
    peers: Iterable[NodeInterface], call: Callable[[RemoteNode], object]
) -> Iterator[list[Future[object]]]:
    """``call`` for each of ``peers`` reached over a network, on threads of its own while the
    body runs; the futures, which the way out waits for. Peers in this process are left to
    the caller."""
    remote = [p for p in peers if isinstance(p, RemoteNode)]
    if not remote:
        yield []
        return
    with ThreadPoolExecutor(max_workers=len(remote)) as pool:
        yield [pool.submit(call, p) for p in remote]


def _size_of(checkpoint: bytes | None) -> int:
    return 0 if checkpoint is None else Checkpoint.from_text(Note.from_bytes(checkpoint).text).size
