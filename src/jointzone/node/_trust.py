"""What a node's checkpoints commit to for offline verifiers, and the trust bundle it exports.

Every checkpoint a node signs carries the ``jointzone-verifier`` line of the verifier table its
own state gives at the checkpoint's size (see :mod:`jointzone.trust`); a witness derives the same
text from its own state, so it signs no checkpoint whose table is not its own. The bundle is the
node's latest final checkpoint, vouched for now by every party's node, and that table; with, for
each node-key rotation in the log, the final checkpoint just after it and the table it commits
to, so a verifier holding the genesis keys can follow the keys to the latest checkpoint's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jointzone import acts
from jointzone.node._replica import Replica
from jointzone.node.errors import NodeError
from jointzone.tlog import Checkpoint, Note
from jointzone.trust import bundle_json, encode_verifier_table, verifier_extension

if TYPE_CHECKING:
    from jointzone.node._node import Node


def checkpoint_extensions(state: acts.State) -> tuple[str, ...]:
    """The extension lines of the checkpoint at ``state.size``: the verifier table's line."""
    return (verifier_extension(encode_verifier_table(state)),)


def export_trust_bundle(node: Node) -> bytes:
    """The trust bundle as of ``node``'s latest final checkpoint (JSON bytes), fresh.

    Only a node that holds nothing beyond its latest final checkpoint exports one (a node that
    caught up is current only once it has that checkpoint), and every party's node, this one
    included, vouches for the checkpoint with a timestamped cosignature: each says it is its
    latest state, so the bundle is as fresh as the oldest of those timestamps, and a verifier
    can refuse a stale one.
    """
    note = node.latest_checkpoint()
    if note is None:
        raise NodeError(f"the node of {node.party!r} holds no final checkpoint to export")
    where = node.state()
    state = node.replica.state
    if not where.current or state.size != where.final_size:
        raise NodeError(
            f"the node of {node.party!r} holds {where.size} entries, final only up to "
            f"{where.final_size}: it exports a bundle once its log is final (run a commit round)"
        )
    table = encode_verifier_table(state)
    committed = Checkpoint.from_text(Note.from_bytes(note).text).extensions
    if verifier_extension(table) not in committed:
        raise NodeError(
            f"the final checkpoint of {node.party!r} does not commit to the verifier table its "
            f"state gives ({verifier_extension(table)!r}; it carries {list(committed)})"
        )
    changes = key_changes(node)
    vouched = Note.from_bytes(node.vouch(note))
    for peer in node.party_peers(node.peers.values()):
        vouched = vouched.with_signatures(*Note.from_bytes(peer.vouch(note)).signatures)
    return bundle_json(vouched.to_bytes(), table, changes)


#: The verifier tables of the sizes just after node-key rotations, by database and size: the
#: state at such a size is gone once the log grows, and replaying to it costs a pass over the
#: log, so it is made once per process.
_CHANGE_TABLES: dict[tuple[str, int], bytes] = {}


def key_changes(node: Node) -> list[tuple[bytes, bytes]]:
    """For each node-key rotation in the log, oldest first: the final checkpoint of the size
    just after it, which carries the old and the new key's signatures, and its verifier
    table."""
    sizes = sorted(
        k.from_size
        for keys in node.replica.state.parties.values()
        for k in keys.node_keys
        if k.event is not None
    )
    changes = []
    for size in sizes:
        note = node.store.checkpoint(size)
        if note is None:
            raise NodeError(
                f"the node of {node.party!r} holds no final checkpoint of size {size}, the one "
                "just after a node-key rotation that a bundle carries"
            )
        committed = Checkpoint.from_text(Note.from_bytes(note).text).extensions
        cached = (node.store.url, size)
        table = _CHANGE_TABLES.get(cached)
        if table is None or verifier_extension(table) not in committed:
            state = Replica.replay(node.store.iter_entries(0, size)).state
            table = _CHANGE_TABLES[cached] = encode_verifier_table(state)
        if verifier_extension(table) not in committed:
            raise NodeError(
                f"the final checkpoint of size {size} of {node.party!r} does not commit to the "
                "verifier table its entries give"
            )
        changes.append((note, table))
    return changes
