"""The embedded deployment: every party's node in one process, each with its own database file
and keystore, talking to the others only through :class:`~jointzone.node.NodeInterface`.

It is what a new user runs first, and what the tests run: the same node code a networked
deployment runs, with method calls where HTTP would be.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.acts import certificate_key_id
from jointzone.node._gate import regime_gate
from jointzone.node._keystore import Keystore
from jointzone.node._node import Batch, Clock, Node, _utcnow, node_key_name
from jointzone.node.errors import NodeError, SyncError
from jointzone.regime import Regime
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, Note, Verifier

ROOT_KEYS = 3
ROOT_THRESHOLD = 2
DEPLOYMENT_FILE = "deployment.txt"


def root_key_ids(party: str) -> list[str]:
    """The ids of a party's root keys in a new deployment: ``<party>-root-1`` ..."""
    return [f"{party}-root-{i}" for i in range(1, ROOT_KEYS + 1)]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Round:
    """One commit round: the sequencer's batch and the final checkpoint every node now holds."""

    sequencer: str
    batch: Batch
    final: bytes


class EmbeddedDeployment:
    """Every party's node of one regime, in one process (see the module docstring)."""

    def __init__(self, root: Path, nodes: Mapping[str, Node], regime: Regime) -> None:
        self.root = root
        self.nodes = dict(nodes)
        self._bootstrap_regime = regime
        for party, node in self.nodes.items():
            node.peers = {p: n for p, n in self.nodes.items() if p != party}

    # -- making and opening ---------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        root: Path,
        *,
        regime_dir: Path,
        passphrases: Mapping[str, bytes | None],
        clock: Clock = _utcnow,
    ) -> EmbeddedDeployment:
        """A new deployment: a keystore and database per party, then the regime adopted by all."""
        regime = Regime.from_dir(regime_dir)
        if root.exists() and any(root.iterdir()):
            raise NodeError(f"{root} is not empty; a new deployment needs an empty directory")
        # Built aside and renamed into place when the regime is adopted, so a process killed
        # while creating leaves either nothing or a whole deployment.
        building = root.with_name(root.name + ".creating")
        if building.exists():
            shutil.rmtree(building)
        building.mkdir(parents=True)
        gate = regime_gate(regime, regime_dir)
        nodes: dict[str, Node] = {}
        genesis_parties: dict[str, Any] = {}
        try:
            for party in regime.party_ids:
                keystore = Keystore.create(
                    building / party / "keys", party=party, passphrase=passphrases.get(party)
                )
                node_key = keystore.generate("node", "node", party=party)
                roots = [
                    {
                        "id": key_id,
                        "public_key": b64url(
                            keystore.generate("root", key_id, party=party).public_key
                        ),
                    }
                    for key_id in root_key_ids(party)
                ]
                vkey = Verifier(node_key_name(regime.origin, party), node_key.public_key).vkey
                genesis_parties[party] = {
                    "root_keys": roots,
                    "threshold": ROOT_THRESHOLD,
                    "node_verifier": vkey,
                }
                store = open_store(f"sqlite:///{building / party / 'node.db'}")
                nodes[party] = Node(
                    party=party, store=store, keystore=keystore, clock=clock, gate=gate
                )
            (building / DEPLOYMENT_FILE).write_text(
                "jointzone embedded deployment\n" + "".join(f"{p}\n" for p in regime.party_ids),
                encoding="utf-8",
            )
            deployment = cls(building, nodes, regime)
            adopt = {
                "type": "regime.adopt",
                "regime": regime.canonical(),
                "parties": genesis_parties,
            }
            first, *others = regime.party_ids
            proposal = nodes[first].propose(adopt, official=root_key_ids(first)[0])
            for party in [first, *others]:
                for key_id in root_key_ids(party)[:ROOT_THRESHOLD]:
                    nodes[party].sign(proposal.id, official=key_id)
            deployment.commit()
            deployment._declare_certificate_keys()
        finally:
            for node in nodes.values():
                node.store.close()
        if root.exists():
            root.rmdir()
        building.rename(root)
        return cls.open(root, passphrases=passphrases, regime_dir=regime_dir, clock=clock)

    @classmethod
    def open(
        cls,
        root: Path,
        *,
        passphrases: Mapping[str, bytes | None],
        regime_dir: Path,
        clock: Clock = _utcnow,
    ) -> EmbeddedDeployment:
        marker = root / DEPLOYMENT_FILE
        if not marker.exists():
            raise NodeError(f"no deployment at {root} ({DEPLOYMENT_FILE} is missing)")
        parties = marker.read_text(encoding="utf-8").split("\n")[1:]
        regime = Regime.from_dir(regime_dir)
        gate = regime_gate(regime, regime_dir)
        nodes = {}
        for party in filter(None, parties):
            keystore = Keystore.open(root / party / "keys", passphrase=passphrases.get(party))
            store = open_store(f"sqlite:///{root / party / 'node.db'}")
            nodes[party] = Node(party=party, store=store, keystore=keystore, clock=clock, gate=gate)
        for party, node in nodes.items():
            in_force = node.replica.regime
            if in_force is not None and in_force.neutrality != regime.neutrality:
                raise NodeError(
                    f"the regime files in {regime_dir} bind lexicon {regime.neutrality}, the log "
                    f"of {party!r} binds {in_force.neutrality}: open it with the regime it uses"
                )
        deployment = cls(root, nodes, regime)
        deployment.recover()
        return deployment

    def close(self) -> None:
        for node in self.nodes.values():
            node.store.close()

    def __enter__(self) -> EmbeddedDeployment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _declare_certificate_keys(self) -> None:
        """Each party's certificate-signing key, made in its own keystore and declared in the
        log by a ``certificate.key`` act its own root keys sign (right after the adoption)."""
        for party, node in self.nodes.items():
            private = Ed25519PrivateKey.generate()
            key_id = certificate_key_id(private.public_key().public_bytes_raw())
            entry = node.keystore.add("certificate", key_id, private, party=party)
            act = {
                "type": "certificate.key",
                "party": party,
                "key_id": key_id,
                "public_key": b64url(entry.public_key),
                "retire": False,
            }
            first, *rest = root_key_ids(party)[:ROOT_THRESHOLD]
            proposal = node.propose(act, official=first)
            for key in rest:
                node.sign(proposal.id, official=key)
        self.commit()

    # -- rounds ---------------------------------------------------------------------------------

    def sequencer(self) -> Node:
        """The node whose turn it is to sequence, by the regime's rotation rule."""
        any_node = next(iter(self.nodes.values()))
        regime = any_node.replica.regime or self._bootstrap_regime
        return self.nodes[regime.sequencer_for(any_node.now())]

    def commit(self) -> Round | None:
        """One round: the sequencer commits what has consent, the others witness and cosign."""
        seq = self.sequencer()
        batch = seq.sequence()
        if batch is None or not batch.entries:
            return None
        note = Note.from_bytes(batch.checkpoint)
        new_size = batch.old_size + len(batch.entries)
        proof = seq.consistency_proof(batch.old_size, new_size) if batch.old_size else []
        for party, peer in self.nodes.items():
            if party == seq.party:
                continue
            signed = peer.witness(
                old_size=batch.old_size,
                entries=batch.entries,
                checkpoint=batch.checkpoint,
                proof=proof,
            )
            note = note.with_signatures(*Note.from_bytes(signed).signatures)
        final = note.to_bytes()
        for node in self.nodes.values():
            node.accept_final(final)
        self.gather_certificates()
        return Round(seq.party, batch, final)

    def gather_certificates(self) -> None:
        """After a final checkpoint: each node assembles the documents of newly issued
        certificates, asking every peer for its own party's signature."""
        for node in self.nodes.values():
            node.gather_certificates()

    def recover(self) -> None:
        """After a restart: bring every node to the longest log, then make its checkpoint final.

        Entries a sequencer appended before the process died are judged by every other node
        exactly as in a round; a fork (two logs that are not prefixes of each other) stops here.
        """
        longest = max(self.nodes.values(), key=lambda n: n.log_size())
        for node in self.nodes.values():
            if node is not longest:
                node.catch_up(longest)
        size = longest.log_size()
        roots = {p: n.store.root() for p, n in self.nodes.items()}
        if len(set(roots.values())) != 1:
            raise SyncError(f"the nodes' logs disagree at size {size}: a fork")
        latest = longest.latest_checkpoint()
        if size == 0 or (
            latest is not None and Checkpoint.from_text(Note.from_bytes(latest).text).size == size
        ):
            if size:
                self.gather_certificates()
            return
        note = Note.from_bytes(longest._sign_checkpoint(size, longest.store.root()))
        for party, peer in self.nodes.items():
            if party != longest.party:
                signed = peer.witness(
                    old_size=size, entries=[], checkpoint=note.to_bytes(), proof=[]
                )
                note = note.with_signatures(*Note.from_bytes(signed).signatures)
        for node in self.nodes.values():
            node.accept_final(note.to_bytes())
        self.gather_certificates()
