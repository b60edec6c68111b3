"""The embedded deployment: every party's node in one directory, each with its own database file,
keystore and copy of the neutrality lexicon, talking to the others only through
:class:`~jointzone.node.NodeInterface`.

It is what a new user runs first, and what the tests run: the same node code a networked
deployment runs, with method calls where HTTP would be. The regime comes from the log; the
regime files are read once, by :meth:`EmbeddedDeployment.create`.

A node whose passphrase is not given is opened locked, as a peer that is down: it receives
proposals, signatures and rejections, and judges entries, but signs nothing, so a round that
needs its signature waits until a command is given its passphrase (finality needs every party's
node, by design). One party can therefore act with its own passphrase alone.

Commands on one deployment serialise on a lock file in its directory, so parallel commands
never interleave their rounds.
"""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone import inputs
from jointzone.acts import certificate_key_id
from jointzone.node._core import Clock, node_key_name
from jointzone.node._gate import regime_gate
from jointzone.node._keystore import Keystore
from jointzone.node._node import Node
from jointzone.node._sequencer import Batch
from jointzone.node._standalone import ROOT_THRESHOLD, b64url, root_key_ids
from jointzone.node.errors import KeystoreError, NodeError, SyncError
from jointzone.regime import Regime
from jointzone.store import open_store
from jointzone.tlog import Verifier

DEPLOYMENT_FILE = "deployment.txt"
LOCK_FILE = ".lock"
LOCK_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class Round:
    """One commit round: the sequencer's batch (None if no round could run), and why not."""

    sequencer: str
    batch: Batch | None
    waiting: str | None = None  # why no round ran (a locked node, say)

    @property
    def final(self) -> bytes | None:
        """The final checkpoint over the batch, if anything was committed."""
        return None if self.batch is None else self.batch.final


def deployment_parties(root: Path) -> list[str]:
    """The parties of the deployment at ``root``, in its own order; NodeError if there is none."""
    marker = root / DEPLOYMENT_FILE
    try:
        data = inputs.read_bytes(marker, limit=64_000, what="a deployment marker")
        lines = inputs.decode_utf8(data, str(marker)).split("\n")
    except inputs.MissingInputError:
        raise NodeError(f"no deployment at {root} ({DEPLOYMENT_FILE} is missing)") from None
    except inputs.InputError as e:
        raise NodeError(f"not a deployment: {e}") from e
    if not lines or lines[0] != "jointzone embedded deployment":
        raise NodeError(f"{marker}: not a jointzone deployment")
    return [p for p in lines[1:] if p]


class _DirectoryLock:
    """An exclusive lock on a deployment for one command's lifetime (flock: released by the
    kernel when the process dies, so a killed command never leaves it held)."""

    def __init__(self, root: Path) -> None:
        self._file: IO[bytes] | None = None
        path = root / LOCK_FILE
        handle = open(path, "ab")  # noqa: SIM115 - held for the deployment's lifetime
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise NodeError(
                        f"another jointzone command has held {root} for {LOCK_TIMEOUT_S:.0f} s"
                    ) from None
                time.sleep(0.05)
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class EmbeddedDeployment:
    """Every party's node of one regime, in one directory (see the module docstring)."""

    def __init__(
        self,
        root: Path,
        nodes: Mapping[str, Node],
        *,
        bootstrap: Regime | None = None,
        lock: _DirectoryLock | None = None,
    ) -> None:
        self.root = root
        self.nodes = dict(nodes)
        self._bootstrap_regime = bootstrap
        self._lock = lock
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
        clock: Clock | None = None,
        demo: bool = False,
    ) -> EmbeddedDeployment:
        """A new deployment: a keystore and database per party, then the regime adopted by all.

        With a ``clock`` (a scenario's), the genesis declares the log's times simulated.
        """
        regime = Regime.from_dir(regime_dir)
        if root.exists() and any(root.iterdir()):
            raise NodeError(f"{root} is not empty; a new deployment needs an empty directory")
        missing = [p for p in regime.party_ids if not passphrases.get(p)]
        if missing:
            raise KeystoreError(
                f"creating a deployment needs every party's passphrase; none for "
                f"{', '.join(missing)} (JOINTZONE_PASSPHRASE_<PARTY>, or --demo-keys)"
            )
        # Built aside and renamed into place when the regime is adopted, so a process killed
        # while creating leaves either nothing or a whole deployment.
        building = root.with_name(root.name + ".creating")
        if building.exists():
            shutil.rmtree(building)
        building.mkdir(parents=True)
        nodes: dict[str, Node] = {}
        genesis_parties: dict[str, Any] = {}
        try:
            for party in regime.party_ids:
                keystore = Keystore.create(
                    building / party / "keys",
                    party=party,
                    passphrase=passphrases.get(party),
                    demo=demo,
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
                if regime.neutrality is not None:
                    # Each node keeps the lexicon its regime binds; the log holds its digest.
                    shutil.copyfile(
                        regime_dir / regime.neutrality.lexicon,
                        building / party / regime.neutrality.lexicon,
                    )
                store = open_store(f"sqlite:///{building / party / 'node.db'}")
                nodes[party] = Node(party=party, store=store, keystore=keystore, clock=clock)
                nodes[party].use_gate(regime_gate(regime, building / party))
            (building / DEPLOYMENT_FILE).write_text(
                "jointzone embedded deployment\n" + "".join(f"{p}\n" for p in regime.party_ids),
                encoding="utf-8",
            )
            deployment = cls(building, nodes, bootstrap=regime)
            adopt = {
                "type": "regime.adopt",
                "regime": regime.canonical(),
                "parties": genesis_parties,
                "clock": "system" if clock is None else "simulated",
            }
            first, *others = regime.party_ids
            proposal = nodes[first].propose(adopt, official=root_key_ids(first)[0])
            for party in [first, *others]:
                for key_id in root_key_ids(party)[:ROOT_THRESHOLD]:
                    nodes[party].sign(proposal.id, official=key_id)
            deployment._round()
            deployment._declare_certificate_keys()
        finally:
            for node in nodes.values():
                node.store.close()
        if root.exists():
            root.rmdir()
        building.rename(root)
        return cls.open(root, passphrases=passphrases, clock=clock)

    @classmethod
    def open(
        cls,
        root: Path,
        *,
        passphrases: Mapping[str, bytes | None],
        clock: Clock | None = None,
        recover: bool = True,
    ) -> EmbeddedDeployment:
        """Open a deployment; a party without a passphrase has its node opened locked.

        ``recover`` first brings every node to the longest log and makes it final where the
        keys given allow (what a command that acts wants; a reader can leave it off).
        """
        parties = deployment_parties(root)
        lock = _DirectoryLock(root)
        nodes: dict[str, Node] = {}
        try:
            for party in parties:
                keystore = Keystore.open(root / party / "keys", passphrase=passphrases.get(party))
                store = open_store(f"sqlite:///{root / party / 'node.db'}")
                try:
                    node = Node(party=party, store=store, keystore=keystore, clock=clock)
                    regime = node.replica.regime
                    if regime is not None:
                        node.use_gate(regime_gate(regime, root / party))
                except BaseException:
                    store.close()
                    raise
                nodes[party] = node
            deployment = cls(root, nodes, lock=lock)
            if recover:
                deployment.recover()
        except BaseException:
            for node in nodes.values():
                node.store.close()
            lock.release()
            raise
        return deployment

    def close(self) -> None:
        for node in self.nodes.values():
            node.store.close()
        if self._lock is not None:
            self._lock.release()

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
        self._round()

    # -- rounds ---------------------------------------------------------------------------------

    def sequencer(self) -> Node:
        """The node whose turn it is to sequence, by the regime's rotation rule."""
        any_node = next(iter(self.nodes.values()))
        regime = any_node.replica.regime or self._bootstrap_regime
        if regime is None:
            raise NodeError("the log is empty and no regime was given")
        return self.nodes[regime.sequencer_for(any_node.now())]

    def _peers(self, node: Node) -> list[Node]:
        return [n for n in self.nodes.values() if n is not node]

    def _round(self) -> Round:
        seq = self.sequencer()
        return Round(seq.party, seq.sequence(self._peers(seq)))

    def commit(self) -> Round:
        """One round: the sequencer commits what has consent, the others witness and cosign.

        Finality needs every party's node: with a node locked (its passphrase not given) no
        round runs, and what has consent is committed at the next command that can.
        """
        seq = self.sequencer()
        locked = [p for p, n in self.nodes.items() if n.keystore.locked]
        if locked:
            return Round(
                seq.party,
                None,
                waiting=f"the node of {', '.join(locked)} is locked (no passphrase given), and "
                "a round needs every party's node",
            )
        self.recover()
        rnd = self._round()
        if rnd.final is not None:
            self.gather_certificates()
        return rnd

    def gather_certificates(self) -> None:
        """After a final checkpoint: each node assembles the documents of newly issued
        certificates, asking every peer for its own party's signature (once every node can)."""
        if any(n.keystore.locked for n in self.nodes.values()):
            return
        for node in self.nodes.values():
            node.gather_certificates()

    def recover(self) -> None:
        """Bring every node to the longest log, then make its checkpoint final.

        Entries a witness took before the sequencer's process died reach the sequencer here,
        judged as in a round; a fork (two logs that are not prefixes of each other) stops here.
        A locked node leaves the rest for a command that has its passphrase.
        """
        longest = max(self.nodes.values(), key=lambda n: n.log_size())
        if not longest.log_size():
            return
        try:
            longest.finalise(self._peers(longest))
        except KeystoreError:
            return
        roots = {p: n.store.root() for p, n in self.nodes.items()}
        if len(set(roots.values())) != 1:
            raise SyncError(f"the nodes' logs disagree at size {longest.log_size()}: a fork")
        self.gather_certificates()
