"""A node's keystore: its party's private keys, encrypted at rest, and nothing else.

One directory per node. Each private key is an encrypted PKCS#8 PEM file (PBES2: the best
encryption ``cryptography`` offers for PKCS#8); ``keystore.json`` lists what is there — kind,
name, public key — so that a node can say which keys it holds without decrypting any of them.
Only the keystore's own party's keys are ever written into it: ``add`` refuses any other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from jointzone.node.errors import KeystoreError

#: ``certificate``: the party's certificate-signing keys, named by their key id (see
#: :func:`jointzone.acts.certificate_key_id`).
KeyKind = Literal["node", "root", "official", "certificate"]
_INDEX = "keystore.json"
_FORMAT = "jointzone-keystore/1"
PASSPHRASE_ENV = "JOINTZONE_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """What the index says of one key: never the private part."""

    kind: KeyKind
    name: str
    public_key: bytes

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.name}.pem"


def passphrase_from_env(party: str) -> bytes | None:
    """``JOINTZONE_PASSPHRASE_<PARTY>`` if set, else ``JOINTZONE_PASSPHRASE``, else None."""
    value = os.environ.get(f"{PASSPHRASE_ENV}_{party.upper()}") or os.environ.get(PASSPHRASE_ENV)
    return value.encode() if value else None


class Keystore:
    """The encrypted keys of one party's node."""

    def __init__(self, path: Path, party: str, passphrase: bytes, entries: list[KeyEntry]) -> None:
        self._path = path
        self._party = party
        self._passphrase = passphrase
        self._entries = {(e.kind, e.name): e for e in entries}
        self._cache: dict[tuple[str, str], Ed25519PrivateKey] = {}

    @property
    def party(self) -> str:
        return self._party

    @property
    def path(self) -> Path:
        return self._path

    @classmethod
    def create(cls, path: Path, *, party: str, passphrase: bytes | None) -> Keystore:
        if not passphrase:
            raise KeystoreError(
                f"creating keystore {path} needs a passphrase: set {PASSPHRASE_ENV}_"
                f"{party.upper()} or {PASSPHRASE_ENV}, or pass --passphrase-file"
            )
        if (path / _INDEX).exists():
            raise KeystoreError(f"{path} already holds a keystore")
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
        store = cls(path, party, passphrase, [])
        store._write_index()
        return store

    @classmethod
    def open(cls, path: Path, *, passphrase: bytes | None) -> Keystore:
        index = path / _INDEX
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeystoreError(f"no keystore at {path} ({_INDEX} is missing)") from None
        except (OSError, ValueError) as e:
            raise KeystoreError(f"{index}: unreadable keystore index: {e}") from e
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise KeystoreError(f"{index}: expected format {_FORMAT!r}")
        party = data.get("party")
        if not isinstance(party, str):
            raise KeystoreError(f"{index}: 'party' must be a string")
        if not passphrase:
            raise KeystoreError(
                f"keystore {path} of party {party!r} is encrypted: set {PASSPHRASE_ENV}_"
                f"{party.upper()} or {PASSPHRASE_ENV}, or pass --passphrase-file"
            )
        try:
            entries = [
                KeyEntry(kind=k["kind"], name=k["name"], public_key=bytes.fromhex(k["public_key"]))
                for k in data["keys"]
            ]
        except (KeyError, TypeError, ValueError) as e:
            raise KeystoreError(f"{index}: malformed key list: {e}") from e
        store = cls(path, party, passphrase, entries)
        if entries:
            store.private_key(entries[0].kind, entries[0].name)  # fail early on a wrong passphrase
        return store

    def _write_index(self) -> None:
        data = {
            "format": _FORMAT,
            "party": self._party,
            "keys": [
                {"kind": e.kind, "name": e.name, "public_key": e.public_key.hex()}
                for e in sorted(self._entries.values(), key=lambda e: (e.kind, e.name))
            ],
        }
        tmp = self._path / (_INDEX + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self._path / _INDEX)

    def add(self, kind: KeyKind, name: str, key: Ed25519PrivateKey, *, party: str) -> KeyEntry:
        """Store a key of this keystore's party; a key of any other party is refused."""
        if party != self._party:
            raise KeystoreError(
                f"keystore of party {self._party!r} cannot hold a key of party {party!r}"
            )
        if (kind, name) in self._entries:
            raise KeystoreError(f"keystore already holds a {kind} key named {name!r}")
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        entry = KeyEntry(kind=kind, name=name, public_key=public)
        target = self._path / entry.filename
        # A key file the index does not list is left by a process killed while adding it;
        # nothing was ever signed with it (the index is written before the key is used).
        tmp = target.with_suffix(".pem.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        self._entries[(kind, name)] = entry
        self._cache[(kind, name)] = key
        self._write_index()
        return entry

    def generate(self, kind: KeyKind, name: str, *, party: str) -> KeyEntry:
        return self.add(kind, name, Ed25519PrivateKey.generate(), party=party)

    def entries(self, kind: KeyKind | None = None) -> Iterator[KeyEntry]:
        for e in sorted(self._entries.values(), key=lambda e: (e.kind, e.name)):
            if kind is None or e.kind == kind:
                yield e

    def has(self, kind: KeyKind, name: str) -> bool:
        return (kind, name) in self._entries

    def public_key(self, kind: KeyKind, name: str) -> bytes:
        return self._entry(kind, name).public_key

    def private_key(self, kind: KeyKind, name: str) -> Ed25519PrivateKey:
        """Decrypt one key (once per process)."""
        cached = self._cache.get((kind, name))
        if cached is not None:
            return cached
        entry = self._entry(kind, name)
        path = self._path / entry.filename
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=self._passphrase)
        except FileNotFoundError:
            raise KeystoreError(f"{path}: key file is missing") from None
        except (ValueError, TypeError) as e:
            raise KeystoreError(f"{path}: cannot decrypt (wrong passphrase?): {e}") from e
        if not isinstance(key, Ed25519PrivateKey):
            raise KeystoreError(f"{path}: expected an Ed25519 key")
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if public != entry.public_key:
            raise KeystoreError(f"{path}: key does not match the public key in {_INDEX}")
        self._cache[(kind, name)] = key
        return key

    def _entry(self, kind: KeyKind, name: str) -> KeyEntry:
        try:
            return self._entries[(kind, name)]
        except KeyError:
            raise KeystoreError(
                f"keystore of party {self._party!r} holds no {kind} key named {name!r}"
            ) from None


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)
