"""What every use case of a node stands on: its party, log store, keystore, clock and replica.

A node signs with nothing but its own party's keys — the node key that signs checkpoints and,
in a demo or for root keys kept on it, keys of its own officials, read from its own keystore.
Everything another party contributes arrives as bytes through
:class:`~jointzone.node.NodeInterface` and is judged before it is kept.

The use cases live one module each and meet in :class:`jointzone.node.Node`: proposals
(``_proposals``), checkpoints (``_checkpoints``), sequencing (``_sequencer``) and witnessing
(``_witness``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone import acts
from jointzone.consent import ConsentError, Proposal
from jointzone.cose import CoseSigner
from jointzone.node._gate import Gate
from jointzone.node._interface import NodeInterface
from jointzone.node._keystore import KeyKind, Keystore
from jointzone.node._replica import Replica, _verifier
from jointzone.node.errors import KeystoreError, NodeError
from jointzone.node.migrations import NODE_TABLES
from jointzone.regime import RegimeError
from jointzone.store import SqlLogStore
from jointzone.tlog import Signer, Verifier, sign_note

Clock = Callable[[], datetime]

# What judging an entry raises when the entry must not be committed: refusals, not bugs.
REFUSALS: tuple[type[Exception], ...] = (ConsentError, acts.ActError, RegimeError, ValueError)


def system_time() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


#: Checkpoint sizes a rotated-out node key still signs beside the new one, unless asked otherwise,
#: and at most.
DEFAULT_OVERLAP = 100
MAX_OVERLAP = acts.PartyRotateNodeKey.MAX_OVERLAP


def node_key_name(origin: str, party: str) -> str:
    """The signed-note key name of a party's node: the log origin and the party."""
    return f"{origin}/{party}"


class NodeCore:
    """A party's node, as every use case sees it (see the module docstring).

    ``clock`` is None for the system clock. Any other clock is a simulated one, which only a log
    whose genesis declared simulated time accepts (see :class:`jointzone.acts.RegimeAdopt`).
    """

    def __init__(
        self,
        *,
        party: str,
        store: SqlLogStore,
        keystore: Keystore,
        clock: Clock | None = None,
        gate: Gate | None = None,
    ) -> None:
        if keystore.party != party:
            raise KeystoreError(f"node of party {party!r} given the keystore of {keystore.party!r}")
        self._party = party
        self._store = store
        self._keys = keystore
        self._simulated = clock is not None
        self._clock: Clock = clock or system_time
        self.peers: dict[str, NodeInterface] = {}
        store.upgrade_tables(NODE_TABLES)
        self._gate = gate
        # Stored proposals, decoded once: every round lists the open ones again.
        self._proposal_cache: dict[str, tuple[bytes, Proposal]] = {}
        # Stored proposals the log had not committed when last looked (see Proposals._pending).
        self._uncommitted: dict[str, tuple[str, str]] | None = None
        self._replica = self._replay()
        if self._replica.state.adopted and self._simulated and not self.simulated_log:
            raise NodeError(
                f"the log of {party!r} keeps real time (its genesis says so): a simulated clock "
                "cannot drive it, so no scenario can backdate a production log"
            )

    def use_gate(self, gate: Gate | None) -> None:
        """Gate acts with ``gate`` from now on: the checker of the regime in force, which the
        node can build only once its log names the regime."""
        self._gate = gate
        self._replica.gate = gate

    def _replay(self) -> Replica:
        replica = Replica.replay(self._store.iter_entries())
        replica.gate = self._gate
        return replica

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

    @property
    def simulated_log(self) -> bool:
        """Whether this log's genesis declared its times simulated."""
        return self._replica.state.simulated_time

    def now(self) -> datetime:
        return self._clock()

    def _require_node_key(self) -> None:
        """Fail now, before any work, if this node cannot sign (its keystore is locked)."""
        self._keys.private_key("node", "node")

    def _node_keys(self, size: int) -> list[tuple[str, Ed25519PrivateKey]]:
        """Each of this node's keys that sign a checkpoint of ``size``, with its note key name:
        one, or the old and the new in a rotation's overlap (see ``party.rotate-node-key``)."""
        if not self._replica.state.adopted:
            name = node_key_name(self._replica.origin, self._party)
            return [(name, self._keys.private_key("node", "node"))]
        held = {e.public_key: e.name for e in self._keys.entries("node")}
        keys = []
        for vkey in self._replica.state.party_keys(self._party).node_verifiers_at(size):
            verifier = Verifier.from_vkey(vkey)
            held_as = held.get(verifier.public_key_bytes)
            if held_as is None:
                raise KeystoreError(
                    f"the keystore of {self._party!r} holds no private key of its node key "
                    f"{vkey}, which signs checkpoints of size {size:,}"
                )
            keys.append((verifier.name, self._keys.private_key("node", held_as)))
        return keys

    def _node_signers(self, size: int) -> list[Signer]:
        return [Signer(name, key) for name, key in self._node_keys(size)]

    def peer_key(self) -> Ed25519PrivateKey:
        """The key this node signs its requests to peers with (RFC 9421): its newest node key
        in force in the log it holds, which its peers check them against; until the log names
        this party, the key its descriptor gave them."""
        vkey = self._newest_node_key(self._party, self._store.size)
        if vkey is not None:
            public = _verifier(vkey).public_key_bytes
            for entry in self._keys.entries("node"):
                if entry.public_key == public:
                    return self._keys.private_key("node", entry.name)
        return self._keys.private_key("node", "node")

    def peer_public_keys(self, party: str) -> tuple[bytes, ...] | None:
        """The node keys a peer party's requests may be signed with, by this node's log: the
        newest in force in the log it holds, and the newest its replica knows (a round may
        hold a rotation its peers have appended already). None where the log names none: its
        pinned key then. An older key, rotated away, authenticates nothing."""
        keys = {
            _verifier(vkey).public_key_bytes
            for vkey in (
                self._newest_node_key(party, self._store.size),
                self._newest_node_key(party, lambda: self._replica.size),
            )
            if vkey is not None
        }
        return tuple(sorted(keys)) or None

    def _newest_node_key(self, party: str, size: Callable[[], int]) -> str | None:
        """The newest of ``party``'s node keys in force at ``size()``; the log's only key of a
        party whose key never rotated, without asking the size (every request asks this)."""
        keys = self._replica.state.parties.get(party)
        if keys is None:
            return None
        if len(keys.node_keys) == 1:
            return keys.node_keys[0].verifier
        at = max(size(), 1)
        return next((k.verifier for k in reversed(keys.node_keys) if k.from_size <= at), None)

    def node_key_rotation(self, overlap: int = DEFAULT_OVERLAP) -> dict[str, Any]:
        """The ``party.rotate-node-key`` act giving this node a new note key, for the party's
        root keys to sign; the key is made in this node's keystore, with the signed note that
        shows it is held. Asked again before the act is committed, it names the same key: a
        node holds at most one key the log does not know yet."""
        state = self._replica.state
        if not state.adopted:
            raise NodeError("the log has no genesis yet: the node key is the one it declares")
        declared = {
            Verifier.from_vkey(k.verifier).public_key_bytes: k
            for k in state.party_keys(self._party).node_keys
        }
        entries = list(self._keys.entries("node"))
        pending = [e for e in entries if e.public_key not in declared]
        if pending:
            entry = pending[0]
        else:
            entry = self._keys.generate("node", f"node-{len(entries) + 1}", party=self._party)
        name = node_key_name(self._replica.origin, self._party)
        signer = Signer(name, self._keys.private_key("node", entry.name))
        text = acts.possession_text(self._replica.origin, self._party)
        return {
            "type": acts.PartyRotateNodeKey.TYPE,
            "party": self._party,
            "node_verifier": signer.verifier.vkey,
            "overlap": overlap,
            "possession": sign_note(text, [signer]).to_bytes().decode("utf-8"),
        }

    def official_signer(self, official: str) -> CoseSigner:
        """A signer for one of this party's officials or root keys held in this node's keystore.

        In production officials keep their keys on their own devices (a key file, or the
        browser) and pass a :class:`~jointzone.cose.CoseSigner` of their own instead.
        """
        kind: KeyKind = "root" if self._keys.has("root", official) else "official"
        if not self._keys.has(kind, official):
            raise KeystoreError(
                f"the node of {self._party!r} holds no key of {official!r}: a node signs only "
                f"for its own party's officials and root keys (give the official's own key file)"
            )
        # The kid is the key id the record knows the signer by (official or root key id).
        return CoseSigner(
            kid=official.encode("utf-8"), private_key=self._keys.private_key(kind, official)
        )

    def _signer(self, official: str | CoseSigner) -> CoseSigner:
        return official if isinstance(official, CoseSigner) else self.official_signer(official)

    def party_peers(
        self, peers: Iterable[NodeInterface], size: int | None = None
    ) -> list[NodeInterface]:
        """Those of ``peers`` whose party's node signs a checkpoint of ``size`` (default: this
        node's replica's): a node pinned for a party that has yet to join the log, and is
        catching up to it, is asked to sign nothing before its party's node key is in force."""
        if not self._replica.state.adopted:
            return list(peers)
        signing = {
            party for party, keys in self._replica.node_verifiers_by_party(size).items() if keys
        }
        return [peer for peer in peers if peer.party in signing]

    # -- what every peer may read ---------------------------------------------------------------

    def log_size(self) -> int:
        return self._store.size()

    def read_entries(self, start: int, stop: int) -> list[bytes]:
        return self._store.read_entries(start, stop)

    def latest_checkpoint(self) -> bytes | None:
        return self._store.checkpoint()

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return self._store.consistency_proof(size1, size2)
