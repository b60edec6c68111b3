"""The node interface: everything one party's node says to another, as bytes and plain values.

The embedded deployment calls it in-process; a networked deployment puts HTTP under the same
calls. Nothing in it can carry a private key: a node asks a peer to *add its own* signature to a
checkpoint, never to accept one made elsewhere on its behalf.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class NodeInterface(Protocol):
    @property
    def party(self) -> str: ...

    def log_size(self) -> int:
        """The number of entries in this node's log."""
        ...

    def read_entries(self, start: int, stop: int) -> list[bytes]: ...

    def latest_checkpoint(self) -> bytes | None:
        """The latest checkpoint note this node holds final (signed by every party's node)."""
        ...

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]: ...

    def receive_proposal(self, proposal: bytes) -> None:
        """A proposal, or new signatures on one, made at another node."""
        ...

    def receive_rejection(self, rejection: bytes) -> None:
        """A rejection signed by an official of another party (a COSE_Sign)."""
        ...

    def witness(
        self, *, old_size: int, entries: list[bytes], checkpoint: bytes, proof: list[bytes]
    ) -> bytes:
        """Check and append ``entries``, then return ``checkpoint`` with this node's signature."""
        ...

    def accept_final(self, checkpoint: bytes) -> None:
        """Keep a checkpoint every party's node has signed."""
        ...

    def vouch(self, checkpoint: bytes) -> bytes:
        """``checkpoint`` with this node's timestamped cosignature, if it is this node's latest
        state; refused otherwise (see :mod:`jointzone.node._checkpoints`)."""
        ...

    def certificate_signature(self, certificate: str) -> bytes:
        """The issued certificate ``certificate`` signed by this node's own party only
        (COSE_Sign bytes with one COSE_Signature), for the asking node to check and assemble."""
        ...


@runtime_checkable
class RemoteNode(NodeInterface, Protocol):
    """A peer reached over a network, whose calls may run beside this node's own work: a
    sequencer sends it a batch while it signs the checkpoint, and tells it of the final
    checkpoint while it keeps the batch itself (see ``Witnessing.finalise``)."""

    def stage(self, old_size: int, entries: list[bytes]) -> None:
        """Send a batch's entries ahead of :meth:`witness` with the checkpoint over them."""
        ...
