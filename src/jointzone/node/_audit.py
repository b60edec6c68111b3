"""Auditing a node's database from scratch: every entry judged again, every stored hash recomputed.

A node's state and tiles are derived data; an audit derives them once more from the entries alone
and compares. A byte changed anywhere in the database — an entry, a tile, a checkpoint — is caught
and named: the entry index, the tile, or the checkpoint size.

What a database cannot show about itself is checked against what lies outside it: the node keys
its genesis declares against the keys pinned out of band, the last checkpoint the node signed and
held final (kept beside its keystore, where a database restore does not reach) and a peer's
final checkpoint. A log rolled back below what the node vouched for, a fork, and an emptied
checkpoint table all fail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from jointzone.consent import Entry
from jointzone.node._core import REFUSALS
from jointzone.node._pins import genesis_node_keys, pinned_verifiers
from jointzone.node._replica import Replica
from jointzone.node._trust import checkpoint_extensions
from jointzone.node.errors import AuditError
from jointzone.store import LogStore, StoreError
from jointzone.tlog import (
    TILE_WIDTH,
    Checkpoint,
    CompactRange,
    MalformedError,
    Note,
    SignatureError,
    decode_hash_tile,
    leaf_hash,
    open_checkpoint,
)


class EntryJudge:
    """A log's entries judged again, fed one by one in log order from entry 0, as the log's
    witnesses judged them: each signature against the keys valid at its position, the consent
    its act type needs, its state transition. What an audit does to a node's database and
    ``jointzone verify-log --judge`` to a published log; ``replica`` is the state so far."""

    def __init__(self) -> None:
        self.replica = Replica()

    def __call__(self, index: int, data: bytes) -> None:
        """Judge and apply entry ``index``; :class:`AuditError` naming it if it is refused."""
        try:
            self.replica.admit(Entry.decode(data, index=index), index)
        except REFUSALS as e:
            raise AuditError(f"entry {index}: {e}") from e


@dataclass(frozen=True, slots=True)
class AuditReport:
    size: int
    root: bytes
    checkpoint_size: int
    signed_by: tuple[str, ...]
    #: Each party's node verifier key as the genesis declares it (C2SP vkey), in regime order.
    node_keys: tuple[tuple[str, str], ...] = ()
    #: Each node key a ``party.rotate-node-key``, or a ``regime.amend`` by which a party joined,
    #: added since: party, vkey, first size it signs.
    rotated_keys: tuple[tuple[str, str, int], ...] = ()


def audit(
    store: LogStore,
    *,
    pins: Sequence[str] = (),
    signed_state: Mapping[str, bytes] | None = None,
    peer_checkpoints: Mapping[str, bytes | None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    """Judge every entry again and recompute the tree; :class:`AuditError` at the first fault.

    ``pins`` are node verifier keys given out of band: the genesis must declare exactly these.
    ``signed_state`` is what the node kept outside its database (``signed``, ``final``: notes);
    ``peer_checkpoints`` the latest final checkpoint of each peer. Either shows a rollback.
    """
    size = store.size()
    if size:
        (genesis,) = store.read_entries(0, 1)
        declared = genesis_node_keys(genesis)
        if pins:
            pinned_verifiers(declared, pins)
    judge = EntryJudge()
    replica = judge.replica
    edge = CompactRange()
    stored: list[bytes] = []
    for i, data in enumerate(store.iter_entries(0, size)):
        if i % TILE_WIDTH == 0:
            width = min(TILE_WIDTH, size - i)
            try:
                stored = decode_hash_tile(
                    store.published_tile(0, i // TILE_WIDTH, width), width=width
                )
            except (StoreError, MalformedError) as e:
                raise AuditError(f"tile 0/{i // TILE_WIDTH}: {e}") from e
        h = leaf_hash(data)
        if stored[i % TILE_WIDTH] != h:
            raise AuditError(
                f"entry {i}: its bytes do not hash to the leaf hash stored for it "
                f"(stored {stored[i % TILE_WIDTH].hex()[:16]}..., entry gives {h.hex()[:16]}...)"
            )
        judge(i, data)
        edge.append_hash(h)
        if progress is not None and i % 1024 == 0:
            progress(i, size)
    root = edge.root()
    try:
        stored_root = store.root(size)
    except StoreError as e:
        raise AuditError(f"stored tree: {e}") from e
    if stored_root != root:
        raise AuditError(
            f"stored tree hashes give root {stored_root.hex()}, the entries give {root.hex()}"
        )
    _check_outside(store, size, replica, signed_state or {}, peer_checkpoints or {})
    note = store.checkpoint()
    if note is None:
        if size:
            raise AuditError(
                f"the log holds {size:,} entries but no final checkpoint: the checkpoint table "
                "was emptied"
            )
        return AuditReport(size, root, 0, ())
    try:
        cp, _ = _open_final(note, replica)
    except (MalformedError, SignatureError) as e:
        raise AuditError(f"latest checkpoint: {e}") from e
    if cp.size > size or store.root(cp.size) != cp.root:
        raise AuditError(f"checkpoint of size {cp.size} does not match the entries")
    expected = checkpoint_extensions(replica.state)
    if cp.size == size and cp.extensions != expected:
        raise AuditError(
            f"checkpoint of size {cp.size} carries extension lines {list(cp.extensions)}; the "
            f"entries give {list(expected)}"
        )
    names = tuple(v.name for v in replica.node_verifiers(cp.size))
    parties = replica.state.parties.values()
    keys = tuple(replica.state.genesis_node_verifiers().items())
    rotated = tuple(
        (k.party, n.verifier, n.from_size) for k in parties for n in k.node_keys if n.event
    )
    return AuditReport(size, root, cp.size, names, keys, rotated)


def _open_final(
    note: bytes, replica: Replica, *, require: Literal["any", "all"] = "all"
) -> tuple[Checkpoint, Note]:
    """Open a checkpoint with the node keys in force at its size (two of a party's in a
    rotation's overlap), as the replica's whole history gives them."""
    size = Checkpoint.from_text(Note.from_bytes(note).text).size
    verifiers = replica.node_verifiers(size)
    return open_checkpoint(note, verifiers, origin=replica.origin, require=require)


def _check_outside(
    store: LogStore,
    size: int,
    replica: Replica,
    signed_state: Mapping[str, bytes],
    peers: Mapping[str, bytes | None],
) -> None:
    """The log against what this node signed and held final, and against its peers' logs."""
    if not size:
        if signed_state:
            raise AuditError(
                "the log is empty, but this node signed checkpoints of it: the database was "
                "emptied or replaced"
            )
        return
    for what, note in signed_state.items():
        try:
            cp, _ = _open_final(note, replica, require="any")
        except (MalformedError, SignatureError) as e:
            raise AuditError(f"the {what} checkpoint kept beside the keystore: {e}") from e
        _check_against(
            store, size, cp, f"this node {'signed' if what == 'signed' else 'held final'}"
        )
        if what == "final" and _final_size(store) < cp.size:
            raise AuditError(
                f"this node held a final checkpoint of size {cp.size}, but its checkpoint table "
                f"goes only to {_final_size(store)}: the table was rolled back or emptied"
            )
    for party, peer_note in peers.items():
        if peer_note is None:
            continue
        try:
            cp, _ = _open_final(peer_note, replica)
        except (MalformedError, SignatureError) as e:
            raise AuditError(f"the final checkpoint of {party!r}: {e}") from e
        _check_against(store, size, cp, f"{party!r} holds final")


def _check_against(store: LogStore, size: int, cp: Checkpoint, who: str) -> None:
    if cp.size > size:
        raise AuditError(
            f"rolled back: {who} a checkpoint of size {cp.size:,}, but the log holds only "
            f"{size:,} entries"
        )
    if store.root(cp.size) != cp.root:
        raise AuditError(
            f"fork: {who} a checkpoint of size {cp.size:,} whose root is not this log's at "
            "that size"
        )


def _final_size(store: LogStore) -> int:
    note = store.checkpoint()
    return 0 if note is None else Checkpoint.from_text(Note.from_bytes(note).text).size
