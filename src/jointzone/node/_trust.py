"""What a node's checkpoints commit to for offline verifiers, and the trust bundle it exports.

Every checkpoint a node signs carries the ``jointzone-verifier`` line of the verifier table its
own state gives at the checkpoint's size (see :mod:`jointzone.trust`); a witness derives the same
text from its own state, so it signs no checkpoint whose table is not its own. The bundle is the
node's latest final checkpoint, vouched for now by every party's node, and that table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jointzone import acts
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
    vouched = Note.from_bytes(node.vouch(note))
    for peer in node.peers.values():
        vouched = vouched.with_signatures(*Note.from_bytes(peer.vouch(note)).signatures)
    return bundle_json(vouched.to_bytes(), table)
