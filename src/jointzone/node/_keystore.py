"""A node's keystore: its party's private keys, encrypted at rest, and nothing else.

One directory per node. Each private key is an encrypted PKCS#8 PEM file, PBES2 with scrypt and
AES-256-CBC (the format is described in :mod:`jointzone.node._keyfile`), at one of two costs:

- production: N=2^18, r=8, p=1, about 0.6 s per unlock;
- demo: N=2^12, r=8, p=1, a few milliseconds, for a keystore under the published demo passphrase
  (``Keystore.create(..., demo=True)``), which no cost would protect.

``keystore.json`` lists what is there — kind, name, public key — so that a node can say which
keys it holds without decrypting any of them, and states the cost new keys get and whether the
keystore is a demo one. Only the keystore's own party's keys are ever written into it: ``add``
refuses any other.

The keys of one keystore share one scrypt salt, recorded in ``keystore.json`` (and, as the format
requires, in every key file), so a process pays scrypt once to unlock all of them rather than
once per key. That costs nothing in strength: every key is under the same passphrase, so a guess
tried against one is tried against all anyway; what a salt is for — that work spent on one
keystore is no use against another — holds, each keystore drawing its own.

A keystore opened without its passphrase is *locked*: it lists its keys and their public halves,
and refuses only what needs a private key. Keystores of format ``jointzone-keystore/1`` (keys
under PBKDF2, no cost recorded) still open; keys added to one get the production cost, and its
index is rewritten in the current format.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from jointzone import inputs
from jointzone.node._keyfile import (
    DEMO_KDF,
    PRODUCTION_KDF,
    SALT_SIZE,
    Passphrase,
    ScryptParams,
    check_new_passphrase,
    fingerprint,
    write_atomically,
)
from jointzone.node.errors import KeystoreError

#: ``certificate``: the party's certificate-signing keys, named by their key id (see
#: :func:`jointzone.acts.certificate_key_id`).
KeyKind = Literal["node", "root", "official", "certificate"]
_INDEX = "keystore.json"
_FORMAT = "jointzone-keystore/2"
_FORMAT_V1 = "jointzone-keystore/1"
PASSPHRASE_ENV = "JOINTZONE_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
MAX_PASSPHRASE_FILE = 4096


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """What the index says of one key: never the private part."""

    kind: KeyKind
    name: str
    public_key: bytes

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.name}.pem"

    @property
    def fingerprint(self) -> str:
        """The public key's fingerprint (:func:`~jointzone.node._keyfile.fingerprint`)."""
        return fingerprint(self.public_key)


def passphrase_from_env(party: str) -> bytes | None:
    """``JOINTZONE_PASSPHRASE_<PARTY>`` if set, else ``JOINTZONE_PASSPHRASE``, else None."""
    value = os.environ.get(f"{PASSPHRASE_ENV}_{party.upper()}") or os.environ.get(PASSPHRASE_ENV)
    return value.encode() if value else None


def passphrase_from_file(path: Path) -> bytes:
    """The passphrase a file holds: its UTF-8 text less one trailing newline (``\\n``, ``\\r\\n``).

    Refused, each with a :class:`KeystoreError` naming the file: anything but a regular file (a
    FIFO or a device could block forever or never end, so it is not even read), an empty file,
    one of more than 4 KiB, and text that is not UTF-8.
    """
    try:
        # stat first, so that a FIFO or a device is not even opened; opening without blocking
        # and checking again covers a file swapped for one in between.
        _check_passphrase_file(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise KeystoreError(f"passphrase file {path} does not exist") from None
    except OSError as e:
        raise KeystoreError(f"passphrase file {path}: cannot read it: {e.strerror}") from e
    with os.fdopen(fd, "rb") as f:
        _check_passphrase_file(path, os.fstat(fd))
        data = f.read(MAX_PASSPHRASE_FILE + 1)
    if len(data) > MAX_PASSPHRASE_FILE:  # it grew since fstat
        raise _too_large(path)
    if data.endswith(b"\n"):
        data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
    if not data:
        raise KeystoreError(f"passphrase file {path} is empty: write the passphrase in it")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeystoreError(f"passphrase file {path} is not UTF-8 text") from None
    return data


def _check_passphrase_file(path: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise KeystoreError(
            f"passphrase file {path} is not a regular file (a FIFO, device or directory): "
            f"give a file that holds the passphrase"
        )
    if st.st_size > MAX_PASSPHRASE_FILE:
        raise _too_large(path)


def _too_large(path: Path) -> KeystoreError:
    return KeystoreError(
        f"passphrase file {path} is larger than {MAX_PASSPHRASE_FILE} bytes: it should hold the "
        f"passphrase only"
    )


class Keystore:
    """The encrypted keys of one party's node."""

    def __init__(
        self,
        path: Path,
        *,
        party: str,
        passphrase: bytes | None,
        entries: list[KeyEntry],
        kdf: ScryptParams,
        salt: bytes,
        demo: bool,
    ) -> None:
        self._path = path
        self._party = party
        self._passphrase = Passphrase(passphrase) if passphrase else None
        self._entries = {(e.kind, e.name): e for e in entries}
        self._cache: dict[tuple[str, str], Ed25519PrivateKey] = {}
        self._kdf = kdf
        self._salt = salt
        self._demo = demo

    def __repr__(self) -> str:
        state = "locked" if self.locked else "unlocked"
        demo = ", demo" if self._demo else ""
        return f"<Keystore of {self._party!r} at {self._path}: {state}{demo}>"

    @property
    def party(self) -> str:
        return self._party

    @property
    def path(self) -> Path:
        return self._path

    @property
    def locked(self) -> bool:
        """Opened without a passphrase: public keys only."""
        return self._passphrase is None

    @property
    def demo(self) -> bool:
        """A demo keystore: the published passphrase, and the cheap cost that is all it merits."""
        return self._demo

    @property
    def kdf(self) -> ScryptParams:
        """The scrypt cost of keys added to this keystore (each file states its own)."""
        return self._kdf

    @classmethod
    def create(
        cls, path: Path, *, party: str, passphrase: bytes | None, demo: bool = False
    ) -> Keystore:
        """A new, empty keystore; ``demo`` for one under the published demo passphrase."""
        if not passphrase:
            raise KeystoreError(
                f"creating keystore {path} needs a passphrase: set {PASSPHRASE_ENV}_"
                f"{party.upper()} or {PASSPHRASE_ENV}, or pass --passphrase-file"
            )
        check_new_passphrase(passphrase, demo=demo, what=f"creating keystore {path}")
        if (path / _INDEX).exists():
            raise KeystoreError(f"{path} already holds a keystore")
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
        store = cls(
            path,
            party=party,
            passphrase=passphrase,
            entries=[],
            kdf=DEMO_KDF if demo else PRODUCTION_KDF,
            salt=os.urandom(SALT_SIZE),
            demo=demo,
        )
        store._write_index()
        return store

    @classmethod
    def open(cls, path: Path, *, passphrase: bytes | None = None) -> Keystore:
        """The keystore at ``path``: locked without ``passphrase``, else checked against it.

        Given a passphrase, one key is decrypted to refuse a wrong one now rather than at the
        first signature; one, because each costs scrypt's half second (keys sharing the
        keystore's salt then cost nothing more).
        """
        index = path / _INDEX
        try:
            data = inputs.read_json(index, limits=inputs.NODE_FILE)
        except inputs.MissingInputError:
            raise KeystoreError(f"no keystore at {path} ({_INDEX} is missing)") from None
        except inputs.InputError as e:
            raise KeystoreError(f"unreadable keystore index: {e}") from e
        if not isinstance(data, dict) or data.get("format") not in (_FORMAT, _FORMAT_V1):
            raise KeystoreError(f"{index}: expected format {_FORMAT!r} (or {_FORMAT_V1!r})")
        party = data.get("party")
        if not isinstance(party, str):
            raise KeystoreError(f"{index}: 'party' must be a string")
        try:
            entries = [
                KeyEntry(kind=k["kind"], name=k["name"], public_key=bytes.fromhex(k["public_key"]))
                for k in data["keys"]
            ]
        except (KeyError, TypeError, ValueError) as e:
            raise KeystoreError(f"{index}: malformed key list: {e}") from e
        if data["format"] == _FORMAT:
            kdf, salt, demo = _cost_of(data, where=index)
        else:
            kdf, salt, demo = PRODUCTION_KDF, os.urandom(SALT_SIZE), False
        store = cls(
            path,
            party=party,
            passphrase=passphrase,
            entries=entries,
            kdf=kdf,
            salt=salt,
            demo=demo,
        )
        if passphrase and entries:
            store.private_key(entries[0].kind, entries[0].name)
        return store

    def _write_index(self) -> None:
        data = {
            "format": _FORMAT,
            "party": self._party,
            "demo": self._demo,
            "kdf": {**self._kdf.to_data(), "salt": self._salt.hex()},
            "keys": [
                {"kind": e.kind, "name": e.name, "public_key": e.public_key.hex()}
                for e in sorted(self._entries.values(), key=lambda e: (e.kind, e.name))
            ],
        }
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        write_atomically(self._path / _INDEX, text.encode("utf-8"), overwrite=True)

    def add(self, kind: KeyKind, name: str, key: Ed25519PrivateKey, *, party: str) -> KeyEntry:
        """Store a key of this keystore's party; a key of any other party is refused."""
        if party != self._party:
            raise KeystoreError(
                f"keystore of party {self._party!r} cannot hold a key of party {party!r}"
            )
        if (kind, name) in self._entries:
            raise KeystoreError(f"keystore already holds a {kind} key named {name!r}")
        sealed = self._unlocked().seal(key, kdf=self._kdf, salt=self._salt)
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        entry = KeyEntry(kind=kind, name=name, public_key=public)
        # A key file the index does not list is left by a process killed while adding it;
        # nothing was ever signed with it (the index is written before the key is used), so it
        # is replaced.
        write_atomically(self._path / entry.filename, sealed, overwrite=True)
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
        passphrase = self._unlocked()
        path = self._path / entry.filename
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KeystoreError(f"{path}: key file is missing") from None
        except OSError as e:
            raise KeystoreError(f"{path}: cannot read the key file: {e.strerror}") from e
        key = passphrase.unseal(data, where=path)
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if public != entry.public_key:
            raise KeystoreError(f"{path}: key does not match the public key in {_INDEX}")
        self._cache[(kind, name)] = key
        return key

    def _unlocked(self) -> Passphrase:
        if self._passphrase is None:
            raise KeystoreError(
                f"keystore of party {self._party} at {self._path} is locked: give its "
                f"passphrase ({PASSPHRASE_ENV}_{self._party.upper()}, or --passphrase-file)"
            )
        return self._passphrase

    def _entry(self, kind: KeyKind, name: str) -> KeyEntry:
        try:
            return self._entries[(kind, name)]
        except KeyError:
            raise KeystoreError(
                f"keystore of party {self._party!r} holds no {kind} key named {name!r}"
            ) from None


def _cost_of(data: dict[str, object], *, where: Path) -> tuple[ScryptParams, bytes, bool]:
    """The scrypt cost, salt and demo flag an index of the current format states."""
    kdf, demo = data.get("kdf"), data.get("demo")
    if not isinstance(demo, bool):
        raise KeystoreError(f"{where}: 'demo' must be true or false")
    if not isinstance(kdf, dict):
        raise KeystoreError(f"{where}: 'kdf' must be an object")
    params = ScryptParams.from_data({k: v for k, v in kdf.items() if k != "salt"}, where=str(where))
    try:
        salt = bytes.fromhex(kdf["salt"])
    except (KeyError, TypeError, ValueError):
        raise KeystoreError(f"{where}: 'kdf' needs a 'salt' in hex") from None
    if len(salt) < SALT_SIZE:
        raise KeystoreError(f"{where}: the kdf salt must have at least {SALT_SIZE} bytes")
    return params, salt, demo


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)
