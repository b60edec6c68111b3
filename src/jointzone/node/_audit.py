"""Auditing a node's database from scratch: every entry judged again, every stored hash recomputed.

A node's state and tiles are derived data; an audit derives them once more from the entries alone
and compares. A byte changed anywhere in the database — an entry, a tile, a checkpoint — is caught
and named: the entry index, the tile, or the checkpoint size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jointzone.consent import Entry
from jointzone.node._node import REFUSALS
from jointzone.node._replica import Replica
from jointzone.node._trust import trust_positions
from jointzone.node.errors import AuditError
from jointzone.store import LogStore, StoreError
from jointzone.tlog import (
    TILE_WIDTH,
    CompactRange,
    MalformedError,
    SignatureError,
    decode_hash_tile,
    leaf_hash,
    open_checkpoint,
)
from jointzone.trust import trust_extension


@dataclass(frozen=True, slots=True)
class AuditReport:
    size: int
    root: bytes
    checkpoint_size: int
    signed_by: tuple[str, ...]


def audit(store: LogStore, *, progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Judge every entry again and recompute the tree; :class:`AuditError` at the first fault."""
    size = store.size()
    replica = Replica()
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
        try:
            replica.admit(Entry.decode(data, index=i), i)
        except REFUSALS as e:
            raise AuditError(f"entry {i}: {e}") from e
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
    note = store.checkpoint()
    if note is None:
        return AuditReport(size, root, 0, ())
    try:
        cp, _ = open_checkpoint(note, replica.node_verifiers(), origin=replica.origin)
    except (MalformedError, SignatureError) as e:
        raise AuditError(f"latest checkpoint: {e}") from e
    if cp.size > size or store.root(cp.size) != cp.root:
        raise AuditError(f"checkpoint of size {cp.size} does not match the entries")
    expected = trust_extension(trust_positions(replica.state))
    if cp.size == size and cp.extensions != (expected,):
        raise AuditError(
            f"checkpoint of size {cp.size} carries extension lines {list(cp.extensions)}; the "
            f"entries give [{expected!r}]"
        )
    names = tuple(v.name for v in replica.node_verifiers())
    return AuditReport(size, root, cp.size, names)
