"""One party's node: its log, its replica of the state, its proposals, and its own keys only.

The use cases are one module each (see :mod:`._core`); this class is where they meet, with the
certificate documents and what the node can say of itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jointzone.credentials import Certificate
from jointzone.node import _documents
from jointzone.node._sequencer import Sequencing
from jointzone.node._witness import Witnessing


@dataclass(frozen=True, slots=True)
class NodeState:
    """Where a node stands: its log, how much of it is final, and whether it can sign."""

    party: str
    size: int
    final_size: int
    locked: bool

    @property
    def current(self) -> bool:
        """Everything this node holds is final (a node that caught up is current only then)."""
        return self.size == self.final_size


class Node(Sequencing, Witnessing):
    """One party's node (see the module docstring and :mod:`._core`)."""

    def state(self) -> NodeState:
        return NodeState(self._party, self._store.size(), self.final_size(), self._keys.locked)

    # -- certificate documents ------------------------------------------------------------------

    def certificate_signature(self, certificate: str) -> bytes:
        return _documents.own_signature(self, certificate)

    def certificate(self, certificate: str) -> Certificate | None:
        """The assembled certificate document (every party's signature), if gathered yet.

        The stored document is checked against this node's state and every party's declared
        key before it is returned: the table is derived data, never trusted blindly.
        """
        return _documents.stored(self, certificate)

    def gather_certificates(self) -> list[str]:
        """Ask every peer for its party's signature on each certificate this node has no
        document of yet, check each, and keep the assembled documents; returns their ids."""
        return _documents.gather(self, self.peers)

    def certificates_to_gather(self) -> dict[str, list[str]]:
        """The issued certificates this node has no document of yet, each with the other
        parties whose signatures it needs."""
        return _documents.missing(self)

    def keep_certificate(self, certificate: str, signatures: Mapping[str, bytes]) -> None:
        """Check the other parties' ``signatures`` on ``certificate`` (as their nodes sent
        them), add this node's own, and keep the document; for a caller that asked the peers
        itself (:meth:`gather_certificates` asks them as it goes)."""
        _documents.keep(self, certificate, _documents.assemble_from(self, certificate, signatures))
