"""One party's node on its own: a directory a government runs on its own machine.

    DIR/node.json        party, public URL, database, and the peers pinned from their descriptors
    DIR/keys/            the keystore: this node's node key and certificate key, nothing else
    DIR/root-keys/       this party's root keys, one encrypted key file each, for offline media
    DIR/regime/          the regime files the genesis adopts (and the lexicon the gate reads)
    DIR/node.db          the log and the node's tables (SQLite), unless ``--db`` names another
    DIR/clock            a demo node's simulated time (ISO 8601 UTC), set by whoever drives it

A node keeps real time unless it was made with a simulated clock (``node init --clock
simulated``, for demonstrations that replay dated events): its genesis then declares simulated
time, so no production log can be driven by such a clock, and the node reads its time from
``DIR/clock``, which the demonstration's player writes before each event.

The root keys are made here because the genesis needs their public halves, and written as
files meant to be moved to offline media at once: the node never needs them, and ``node serve``
never reads them. A party hands the others its *descriptor* (party, node verifier key, URL, and
the root keys' public halves with their threshold, which the genesis act names) out of band,
and pins each of theirs with ``node peer add``; every peer request is then checked against the
pinned key.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone import inputs
from jointzone.acts import certificate_key_id, possession_text
from jointzone.node._core import node_key_name
from jointzone.node._gate import regime_gate
from jointzone.node._keyfile import fingerprint, write_atomically, write_key_file
from jointzone.node._keystore import Keystore
from jointzone.node._node import Node
from jointzone.node.errors import NodeError
from jointzone.regime import Regime, RegimeError
from jointzone.store import open_store
from jointzone.tlog import MalformedError, Signer, Verifier, sign_note

NODE_FILE = "node.json"
NODE_FORMAT = "jointzone-node/1"
DESCRIPTOR_FORMAT = "jointzone-node-descriptor/1"
ROOT_KEYS = 3
ROOT_THRESHOLD = 2
_REGIME_DIR = "regime"
_ROOT_DIR = "root-keys"
_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+/?")


def root_key_ids(party: str) -> list[str]:
    """The ids of a party's root keys in a new node or deployment: ``<party>-root-1`` ..."""
    return [f"{party}-root-{i}" for i in range(1, ROOT_KEYS + 1)]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def check_url(url: str, where: str) -> str:
    """A node's base URL: http(s) and a host with an optional port, no path (peers sign
    requests for it, see ``server._peerauth``); kept without a final /."""
    if not isinstance(url, str) or not _URL.fullmatch(url):
        raise NodeError(f"{where}: {url!r} is not a node URL (http://host:port or https://...)")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class Descriptor:
    """What a party gives the others out of band so they can pin its node and name it in the
    genesis: its party, log origin, node verifier key, URL, and root keys' public halves."""

    party: str
    origin: str
    node_verifier: str
    url: str
    root_keys: tuple[tuple[str, str], ...]  # (key id, base64url public key)
    threshold: int

    @property
    def verifier(self) -> Verifier:
        return Verifier.from_vkey(self.node_verifier)

    def fingerprint(self) -> str:
        return fingerprint(self.verifier.public_key_bytes)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": DESCRIPTOR_FORMAT,
            "party": self.party,
            "origin": self.origin,
            "node_verifier": self.node_verifier,
            "url": self.url,
            "root_keys": [{"id": i, "public_key": k} for i, k in self.root_keys],
            "threshold": self.threshold,
        }

    def genesis_entry(self) -> dict[str, Any]:
        """This party's part of the ``regime.adopt`` act."""
        return {
            "root_keys": [{"id": i, "public_key": k} for i, k in self.root_keys],
            "threshold": self.threshold,
            "node_verifier": self.node_verifier,
        }

    @classmethod
    def from_json(cls, data: object, where: str) -> Descriptor:
        """A descriptor read from a peer: every field checked, the key parsed, or NodeError."""
        if not isinstance(data, dict):
            raise NodeError(f"{where}: a node descriptor is a JSON object")
        if data.get("format") != DESCRIPTOR_FORMAT:
            raise NodeError(
                f"{where}: format is {data.get('format')!r}, expected {DESCRIPTOR_FORMAT!r}"
            )
        extra = set(data) - {
            "format", "party", "origin", "node_verifier", "url", "root_keys", "threshold"
        }  # fmt: skip
        if extra:
            raise NodeError(f"{where}: unknown field(s) {sorted(extra)}")
        party, origin, vkey = data.get("party"), data.get("origin"), data.get("node_verifier")
        for name, value in (("party", party), ("origin", origin), ("node_verifier", vkey)):
            if not isinstance(value, str) or not value:
                raise NodeError(f"{where}: {name} must be a non-empty string")
        assert isinstance(party, str)
        assert isinstance(origin, str)
        assert isinstance(vkey, str)
        url = check_url(data.get("url"), f"{where}: url")  # type: ignore[arg-type]
        try:
            verifier = Verifier.from_vkey(vkey)
        except MalformedError as e:
            raise NodeError(f"{where}: node_verifier: {e}") from e
        if verifier.name != node_key_name(origin, party):
            raise NodeError(
                f"{where}: node_verifier is named {verifier.name!r}; the node of {party!r} "
                f"in log {origin!r} signs as {node_key_name(origin, party)!r}"
            )
        keys, threshold = _root_keys(data, where)
        return cls(party, origin, vkey, url, keys, threshold)


def _root_keys(data: Mapping[str, Any], where: str) -> tuple[tuple[tuple[str, str], ...], int]:
    roots = data.get("root_keys")
    if not isinstance(roots, list) or not roots:
        raise NodeError(f"{where}: root_keys must be a non-empty list")
    keys: list[tuple[str, str]] = []
    for i, r in enumerate(roots):
        if (
            not isinstance(r, dict)
            or set(r) != {"id", "public_key"}
            or not all(isinstance(v, str) for v in r.values())
        ):
            raise NodeError(f"{where}: root_keys[{i}] must be {{id, public_key}} strings")
        keys.append((r["id"], r["public_key"]))
    threshold = data.get("threshold")
    if type(threshold) is not int or not 1 <= threshold <= len(keys):
        raise NodeError(f"{where}: threshold must be an integer from 1 to {len(keys)}")
    return tuple(keys), threshold


@dataclass
class NodeConfig:
    """``node.json``: what a node is and whom it trusts. Written whole, atomically."""

    party: str
    url: str
    db: str
    #: This party's root keys' public halves and threshold, for the genesis: the private
    #: halves are on offline media, not here.
    root_keys: tuple[tuple[str, str], ...]
    threshold: int
    peers: dict[str, Descriptor] = field(default_factory=dict)
    clock: str = "system"  # or "simulated": read from DIR/clock (see the module docstring)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": NODE_FORMAT,
            "party": self.party,
            "url": self.url,
            "db": self.db,
            "clock": self.clock,
            "root_keys": [{"id": i, "public_key": k} for i, k in self.root_keys],
            "threshold": self.threshold,
            "peers": {p: d.to_json() for p, d in sorted(self.peers.items())},
        }

    @classmethod
    def read(cls, root: Path) -> NodeConfig:
        path = root / NODE_FILE
        try:
            data = inputs.read_json(path, limits=inputs.NODE_FILE)
        except inputs.MissingInputError:
            raise NodeError(f"no node at {root} ({NODE_FILE} is missing)") from None
        except inputs.InputError as e:
            raise NodeError(str(e)) from e
        where = str(path)
        if not isinstance(data, dict) or data.get("format") != NODE_FORMAT:
            raise NodeError(f"{where}: not a jointzone node file (format {NODE_FORMAT!r})")
        party, url, db, peers = (data.get(k) for k in ("party", "url", "db", "peers"))
        if not isinstance(party, str) or not isinstance(db, str) or not isinstance(peers, dict):
            raise NodeError(f"{where}: party and db must be strings, peers an object")
        keys, threshold = _root_keys(data, where)
        pinned = {
            p: Descriptor.from_json(d, f"{where}: peers.{p}") for p, d in sorted(peers.items())
        }
        for p, d in pinned.items():
            if d.party != p:
                raise NodeError(f"{where}: peers.{p} describes the node of {d.party!r}")
        url = check_url(url, f"{where}: url")  # type: ignore[arg-type]
        clock = data.get("clock", "system")
        if clock not in ("system", "simulated"):
            raise NodeError(f"{where}: clock must be 'system' or 'simulated', found {clock!r}")
        return cls(party, url, db, keys, threshold, pinned, clock)

    def write(self, root: Path) -> None:
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        write_atomically(root / NODE_FILE, text.encode("utf-8"), overwrite=True)


class StandaloneNode:
    """One party's node directory (see the module docstring), opened."""

    def __init__(self, root: Path, config: NodeConfig, node: Node, regime: Regime) -> None:
        self.root = root
        self.config = config
        self.node = node
        #: The regime the genesis adopts: the log's own once adopted.
        self.bootstrap = regime

    # -- making ---------------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        root: Path,
        *,
        party: str,
        regime_dir: Path,
        url: str,
        passphrase: bytes,
        db: str | None = None,
        demo: bool = False,
        clock: str = "system",
    ) -> Descriptor:
        """Make a new node directory; returns the descriptor to give the other parties."""
        try:
            regime = Regime.from_dir(regime_dir)
        except RegimeError as e:
            raise NodeError(f"regime {regime_dir}: {e}") from e
        if party not in regime.party_ids:
            raise NodeError(
                f"{party!r} is not a party of regime {regime.id!r} "
                f"(parties: {', '.join(regime.party_ids)})"
            )
        url = check_url(url, "--url")
        if clock not in ("system", "simulated"):
            raise NodeError(f"--clock must be 'system' or 'simulated', not {clock!r}")
        if root.exists() and any(root.iterdir()):
            raise NodeError(f"{root} is not empty; a new node needs an empty directory")
        building = root.with_name(root.name + ".creating")
        if building.exists():
            shutil.rmtree(building)
        building.mkdir(parents=True)
        try:
            keystore = Keystore.create(
                building / "keys", party=party, passphrase=passphrase, demo=demo
            )
            node_key = keystore.generate("node", "node", party=party)
            private = Ed25519PrivateKey.generate()
            keystore.add(
                "certificate",
                certificate_key_id(private.public_key().public_bytes_raw()),
                private,
                party=party,
            )
            (building / _ROOT_DIR).mkdir(mode=0o700)
            roots: list[tuple[str, str]] = []
            for key_id in root_key_ids(party):
                key = Ed25519PrivateKey.generate()
                write_key_file(building / _ROOT_DIR / f"{key_id}.pem", key, passphrase, demo=demo)
                roots.append((key_id, b64url(key.public_key().public_bytes_raw())))
            shutil.copytree(regime_dir, building / _REGIME_DIR)
            config = NodeConfig(
                party, url, db or f"sqlite:///{NODE_DB}", tuple(roots), ROOT_THRESHOLD, clock=clock
            )
            config.write(building)
            vkey = Verifier(node_key_name(regime.origin, party), node_key.public_key).vkey
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        if root.exists():
            root.rmdir()
        building.rename(root)
        return Descriptor(party, regime.origin, vkey, url, tuple(roots), ROOT_THRESHOLD)

    # -- opening --------------------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path, *, passphrase: bytes | None) -> StandaloneNode:
        config = NodeConfig.read(root)
        clock = FileClock(root / CLOCK_FILE) if config.clock == "simulated" else None
        try:
            regime = Regime.from_dir(root / _REGIME_DIR)
        except RegimeError as e:
            raise NodeError(f"{root / _REGIME_DIR}: {e}") from e
        keystore = Keystore.open(root / "keys", passphrase=passphrase)
        store = open_store(database_url(root, config.db))
        try:
            node = Node(party=config.party, store=store, keystore=keystore, clock=clock)
            node.use_gate(regime_gate(node.replica.regime or regime, root / _REGIME_DIR))
        except BaseException:
            store.close()
            raise
        return cls(root, config, node, regime)

    def close(self) -> None:
        self.node.store.close()

    def __enter__(self) -> StandaloneNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- who is who -----------------------------------------------------------------------------

    @property
    def regime(self) -> Regime:
        return self.node.replica.regime or self.bootstrap

    def descriptor(self) -> Descriptor:
        keys = self.node.keystore
        node_key = keys.public_key("node", "node")
        vkey = Verifier(node_key_name(self.bootstrap.origin, self.config.party), node_key).vkey
        c = self.config
        return Descriptor(c.party, self.bootstrap.origin, vkey, c.url, c.root_keys, c.threshold)

    def add_peer(self, descriptor: Descriptor, *, joining: bool = False) -> None:
        """Pin a peer's node key (and URL) from its descriptor. With ``joining``, the peer's
        party is not one of the regime in force: it is to join by amendment (see
        :func:`join_act`), and its node catches up from this one meanwhile. It is asked to
        sign nothing until the amendment that names it is in the log."""
        regime = self.regime
        if descriptor.party == self.config.party:
            raise NodeError(f"the descriptor is of this node's own party {descriptor.party!r}")
        member = descriptor.party in regime.party_ids
        if joining and member:
            raise NodeError(
                f"{descriptor.party!r} is a party of regime {regime.id!r} already; pin it "
                "without --joining"
            )
        if not joining and not member:
            raise NodeError(
                f"{descriptor.party!r} is not a party of regime {regime.id!r} "
                f"(parties: {', '.join(regime.party_ids)}); a party that is to join by "
                "amendment is pinned with --joining"
            )
        if descriptor.origin != regime.origin:
            raise NodeError(
                f"the descriptor is for log {descriptor.origin!r}; "
                f"this node keeps {regime.origin!r}"
            )
        self.config.peers[descriptor.party] = descriptor
        self.config.write(self.root)

    def genesis_act(self) -> dict[str, Any]:
        """The ``regime.adopt`` act this node's regime and every pinned descriptor make, in the
        regime's party order; NodeError if a party's descriptor is still missing."""
        descriptors: Mapping[str, Descriptor] = {
            **self.config.peers,
            self.config.party: self.descriptor(),
        }
        missing = [p for p in self.bootstrap.party_ids if p not in descriptors]
        if missing:
            raise NodeError(
                f"the genesis names every party's keys; pin the descriptor of "
                f"{', '.join(missing)} first (jointzone node peer add)"
            )
        return {
            "type": "regime.adopt",
            "regime": self.bootstrap.canonical(),
            "parties": {p: descriptors[p].genesis_entry() for p in self.bootstrap.party_ids},
            "clock": self.config.clock,
        }

    def certificate_key_act(self) -> dict[str, Any]:
        """The ``certificate.key`` act declaring this node's certificate key, for the party's
        root keys to sign."""
        entries = [e for e in self.node.keystore.entries() if e.kind == "certificate"]
        if not entries:
            raise NodeError(f"the keystore of {self.config.party!r} holds no certificate key")
        entry = entries[-1]
        return {
            "type": "certificate.key",
            "party": self.config.party,
            "key_id": entry.name,
            "public_key": b64url(entry.public_key),
            "retire": False,
        }


def join_act(root: Path, *, passphrase: bytes) -> dict[str, Any]:
    """The ``regime.amend`` act by which the party of the node at ``root`` joins the log its
    peers keep: the regime its directory holds (the new version, naming this party, which the
    parties agreed on) and, in ``joining``, this party's root keys' public halves, threshold and
    node key, with a signed note by the node key showing it is held.

    It reads the node's files only, so it can be run while the node serves; the root keys of
    every party, this one's included, then sign it (see :mod:`jointzone.acts._regime`)."""
    config = NodeConfig.read(root)
    try:
        regime = Regime.from_dir(root / _REGIME_DIR)
    except RegimeError as e:
        raise NodeError(f"{root / _REGIME_DIR}: {e}") from e
    keystore = Keystore.open(root / "keys", passphrase=passphrase)
    party = config.party
    signer = Signer(node_key_name(regime.origin, party), keystore.private_key("node", "node"))
    possession = sign_note(possession_text(regime.origin, party), [signer])
    return {
        "type": "regime.amend",
        "regime": regime.canonical(),
        "joining": {
            party: {
                "root_keys": [{"id": i, "public_key": k} for i, k in config.root_keys],
                "threshold": config.threshold,
                "node_verifier": signer.verifier.vkey,
                "possession": possession.to_bytes().decode("utf-8"),
            }
        },
    }


NODE_DB = "node.db"
CLOCK_FILE = "clock"


class FileClock:
    """A demo node's simulated time, read from a file someone else writes (see the module
    docstring). It never goes backwards; until the file is written, the node has no time and
    says so."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: tuple[int, datetime] | None = None

    def __call__(self) -> datetime:
        try:
            stamp = self._path.stat().st_mtime_ns
        except FileNotFoundError:
            raise NodeError(
                f"{self._path}: a node with a simulated clock has no time set"
            ) from None
        if self._seen is not None and self._seen[0] == stamp:
            return self._seen[1]
        try:
            data = inputs.read_bytes(self._path, limit=64, what="a clock file")
            when = datetime.fromisoformat(inputs.decode_utf8(data, str(self._path)).strip())
        except (inputs.InputError, ValueError) as e:
            raise NodeError(f"{self._path}: not an ISO 8601 time: {e}") from e
        if when.tzinfo is None:
            raise NodeError(f"{self._path}: the time must say its zone (Z for UTC)")
        when = when.astimezone(UTC).replace(microsecond=0)
        if self._seen is not None and when < self._seen[1]:
            when = self._seen[1]
        self._seen = (stamp, when)
        return when


def set_clock(root: Path, when: datetime) -> None:
    """Set a demo node's simulated time (see :class:`FileClock`)."""
    text = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "\n"
    write_atomically(root / CLOCK_FILE, text.encode("ascii"), overwrite=True)


def database_url(root: Path, db: str) -> str:
    """The database URL of a node, with a relative SQLite path taken from the node directory."""
    prefix = "sqlite:///"
    if db.startswith(prefix) and not db[len(prefix) :].startswith("/"):
        return f"{prefix}{(root / db[len(prefix) :]).resolve()}"
    return db


def root_key_file(root: Path, key_id: str) -> Path:
    """Where ``node init`` wrote a root key (until someone moves it to offline media)."""
    return root / _ROOT_DIR / f"{key_id}.pem"
