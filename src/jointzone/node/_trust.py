"""Exporting a trust bundle from a node: what its final checkpoint says of certificate trust.

The bundle (see :mod:`jointzone.trust`) carries the node's latest final checkpoint, the genesis,
every ``certificate.key`` and ``certificate.revoke`` entry up to it and the checkpoint's last
entry, each with its inclusion proof read from this node's store. The positions come from the
node's replica of the state, which records where each key was declared or retired and each
revocation made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jointzone import acts
from jointzone.node.errors import NodeError
from jointzone.tlog import Note
from jointzone.trust import ProvedEntry, bundle_json

if TYPE_CHECKING:
    from jointzone.node._node import Node


def _proved(node: Node, index: int, size: int) -> ProvedEntry:
    (entry,) = node.store.read_entries(index, index + 1)
    return ProvedEntry(index, entry, tuple(node.store.inclusion_proof(index, size)))


def trust_positions(state: acts.State) -> list[int]:
    """Where every ``certificate.key`` (declared or retired) and ``certificate.revoke`` is."""
    positions: set[int] = set()
    for key in state.certificate_keys.values():
        positions.add(key.declared.position)
        if key.retired is not None:
            positions.add(key.retired.position)
    for certificate in state.revoked:
        revoked = state.certificates[certificate].revoked
        assert revoked is not None
        positions.add(revoked.position)
    return sorted(positions)


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
    if not where.current:
        raise NodeError(
            f"the node of {node.party!r} holds {where.size} entries, final only up to "
            f"{where.final_size}: it exports a bundle once its log is final (run a commit round)"
        )
    size = where.final_size
    vouched = Note.from_bytes(node.vouch(note))
    for peer in node.peers.values():
        vouched = vouched.with_signatures(*Note.from_bytes(peer.vouch(note)).signatures)
    note = vouched.to_bytes()
    # The genesis names the parties and their node keys; the rest the checkpoint commits to.
    positions = {0, *trust_positions(node.replica.state)}
    entries = [_proved(node, i, size) for i in sorted(p for p in positions if p < size)]
    return bundle_json(note, entries, _proved(node, size - 1, size))
