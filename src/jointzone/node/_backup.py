"""Backing up one party's node while it serves, and restoring it: a consistent, encrypted and
signed archive.

The archive is an age file (:mod:`._age`: the passphrase's scrypt stanza, ChaCha20-Poly1305 in
64 KiB chunks) holding a POSIX tar (pax) archive of, in this order:

    manifest          a C2SP signed note by the node key: the JSON text below
    node.json         the node's configuration and the peers it pinned
    clock             a demo node's simulated time, if it has one
    keys/...          the keystore (index, encrypted key files) and what the node signed
    regime/...        the regime files
    database.sqlite   the node's tables (log and node's own), as one SQLite database

The manifest says whose node it is (party, log origin, node verifier key), when and from which
backend it was taken, the log size and final size it holds, and each file's path, size and
SHA-256, in the order the tar holds them. Restore reads the manifest first, checks its signature
against the node key it expects, then each file against it as it comes; the age layer has by
then refused any byte changed, any chunk moved or dropped, an archive cut short or extended, and
a wrong passphrase. The root keys (``root-keys/``) are never archived: they belong on offline
media, and a restore leaves in place any still in the directory.

**Consistency.** The database is copied in one read transaction while the node serves, so it is
a state the node had, never a torn write: SQLite's ``VACUUM INTO`` (a compacted copy, made in a
read transaction that does not block the node's writes in WAL mode), PostgreSQL's tables read in
one ``REPEATABLE READ READ ONLY`` transaction (one snapshot) into a SQLite file of the same
schema. The files are read after it: each is replaced whole when it changes (written to a
temporary name and renamed), and a key is always in the keystore before anything the log says
of it, so the keystore read then holds every key the copied log needs.

**Restore** builds the node directory beside ``DIR``, checks it whole (the node key, party and
origin against ``DIR``'s own or a pinned key), and only then moves ``DIR`` aside and the new one
into its place: nothing is half-applied. A PostgreSQL node's tables are replaced in one
transaction just before. Two things are not taken from the archive:

- what the node signed and held final, kept beside its keystore (``keys/signed-state.json``):
  ``DIR``'s record is kept wherever it is newer, so the restored node knows what it signed after
  the backup was taken, and signs nothing that does not extend it
  (:mod:`._checkpoints`);
- a mark (``keys/restored.json``) is left, by which the restored node signs nothing until it has
  caught up with every peer's final checkpoint, which covers a node restored onto a new machine,
  whose record of what it signed is the archive's.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from sqlalchemy import Connection, MetaData, create_engine, delete, func, insert, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from jointzone import inputs
from jointzone.node._age import (
    DEMO_WORK_FACTOR,
    PRODUCTION_WORK_FACTOR,
    Decrypting,
    Encrypting,
)
from jointzone.node._checkpoints import RESTORED_FILE, SIGNED_STATE_FILE, read_signed_state
from jointzone.node._core import node_key_name
from jointzone.node._keyfile import write_atomically
from jointzone.node._keystore import Keystore
from jointzone.node._standalone import NODE_FILE, NodeConfig, database_url
from jointzone.node.errors import BackupError, NodeError, SyncError
from jointzone.node.migrations import NODE_TABLES
from jointzone.regime import Regime, RegimeError
from jointzone.store import StoreError, normalize_url, open_store
from jointzone.tlog import (
    Checkpoint,
    MalformedError,
    Note,
    SignatureError,
    Signer,
    TlogError,
    Verifier,
    open_note,
    sign_note,
)

ARCHIVE_FORMAT = "jointzone-backup/1"
MANIFEST = "manifest"
DATABASE = "database.sqlite"
_REGIME = "regime"
_KEYS = "keys"
_ROOT_KEYS = "root-keys"
_CLOCK = "clock"
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_COPY_ROWS = 5000
_READ = 1 << 20
_MAX_MANIFEST = 1_000_000


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ArchiveManifest:
    """What an archive says of itself (see the module docstring), signed by the node key."""

    party: str
    origin: str
    node_verifier: str
    made_at: str
    backend: str
    log_size: int
    final_size: int
    files: tuple[ArchivedFile, ...]

    def to_text(self) -> str:
        data = {
            "format": ARCHIVE_FORMAT,
            "party": self.party,
            "origin": self.origin,
            "node_verifier": self.node_verifier,
            "made_at": self.made_at,
            "backend": self.backend,
            "log_size": self.log_size,
            "final_size": self.final_size,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }
        # One field a line: a note's text has no blank line, and a checkpoint's second line is
        # a tree size, which no manifest's is, so neither can pass for the other.
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_text(cls, text: str, where: str) -> ArchiveManifest:
        data = inputs.parse_json(text, where, limits=inputs.NODE_FILE)
        if not isinstance(data, dict) or data.get("format") != ARCHIVE_FORMAT:
            raise BackupError(f"{where}: not a manifest of format {ARCHIVE_FORMAT!r}")
        strings = ("party", "origin", "node_verifier", "made_at", "backend")
        numbers = ("log_size", "final_size")
        if not all(isinstance(data.get(k), str) for k in strings) or not all(
            type(data.get(k)) is int and data[k] >= 0 for k in numbers
        ):
            raise BackupError(f"{where}: {', '.join(strings + numbers)} are missing or malformed")
        files = data.get("files")
        if not isinstance(files, list):
            raise BackupError(f"{where}: files must be a list")
        listed = []
        for i, f in enumerate(files):
            if (
                not isinstance(f, dict)
                or set(f) != {"path", "size", "sha256"}
                or not isinstance(f["path"], str)
                or type(f["size"]) is not int
                or f["size"] < 0
                or not isinstance(f["sha256"], str)
                or not re.fullmatch(r"[0-9a-f]{64}", f["sha256"])
            ):
                raise BackupError(f"{where}: files[{i}] must be {{path, size, sha256}}")
            listed.append(ArchivedFile(_checked_path(f["path"], where), f["size"], f["sha256"]))
        paths = [f.path for f in listed]
        if len(set(paths)) != len(paths) or DATABASE not in paths or NODE_FILE not in paths:
            raise BackupError(f"{where}: files repeat a path, or lack {NODE_FILE} or {DATABASE}")
        return cls(
            party=data["party"],
            origin=data["origin"],
            node_verifier=data["node_verifier"],
            made_at=data["made_at"],
            backend=data["backend"],
            log_size=data["log_size"],
            final_size=data["final_size"],
            files=tuple(listed),
        )


def _checked_path(path: str, where: str) -> str:
    """A path an archive may hold: relative, plain names, under a directory a node has."""
    parts = path.split("/")
    top = parts[0]
    allowed = top in (NODE_FILE, _CLOCK, DATABASE) and len(parts) == 1
    allowed |= top in (_KEYS, _REGIME) and len(parts) > 1
    if not allowed or not all(_PART.fullmatch(p) for p in parts):
        raise BackupError(f"{where}: {path!r} is not a path a node's archive holds")
    return path


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore did: the archive's manifest, what the node had signed (kept beside its
    keystore: the newer of the directory's and the archive's), and where the directory that
    was replaced now is (None: there was none)."""

    manifest: ArchiveManifest
    signed_size: int
    final_size: int
    replaced: Path | None


# -- the node directory's lock -------------------------------------------------------------------


@contextmanager
def hold_directory(root: Path, doing: str) -> Iterator[None]:
    """An exclusive lock on a node directory (flock on the directory itself, released when
    the process ends) for as long as ``doing`` lasts: ``node serve`` holds it while it
    serves, and a restore refuses a directory whose node is serving."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        raise NodeError(f"no node at {root}") from None
    except NotADirectoryError:
        raise NodeError(f"{root} is not a node directory") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NodeError(
                f"the node at {root} is in use (it is serving, or being restored): stop it "
                f"before {doing}"
            ) from None
        yield
    finally:
        os.close(fd)


# -- backup --------------------------------------------------------------------------------------


def backup(
    root: Path,
    out: Path,
    *,
    passphrase: bytes,
    archive_passphrase: bytes,
    work_factor: int | None = None,
) -> ArchiveManifest:
    """Write the archive of the node at ``root`` to ``out`` (a new file), while it serves.

    ``passphrase`` unlocks the keystore, whose node key signs the manifest;
    ``archive_passphrase`` encrypts the archive (scrypt at the keystore's cost unless
    ``work_factor`` says otherwise).
    """
    config = NodeConfig.read(root)
    keystore = Keystore.open(root / _KEYS, passphrase=passphrase)
    origin = _origin(root / _REGIME)
    signer = Signer.from_seed(
        node_key_name(origin, config.party),
        keystore.private_key("node", "node").private_bytes_raw(),
    )
    if work_factor is None:
        work_factor = DEMO_WORK_FACTOR if keystore.demo else PRODUCTION_WORK_FACTOR
    if out.exists() or out.is_symlink():
        raise BackupError(f"{out} already exists: an archive is never overwritten")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a directory to write the archive in")
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        snapshot = work / DATABASE
        url = database_url(root, config.db)
        backend = _snapshot(url, snapshot)
        log_size, final_size = _sizes(snapshot)
        # Read after the snapshot: a key enters the keystore before the log can name it.
        files = _node_files(root)
        listed = [ArchivedFile(p, len(data), hashlib.sha256(data).hexdigest()) for p, data in files]
        listed.append(ArchivedFile(DATABASE, snapshot.stat().st_size, _sha256_of(snapshot)))
        manifest = ArchiveManifest(
            party=config.party,
            origin=origin,
            node_verifier=signer.verifier.vkey,
            made_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            backend=backend,
            log_size=log_size,
            final_size=final_size,
            files=tuple(listed),
        )
        note = sign_note(manifest.to_text(), [signer]).to_bytes()
        partial = work / "archive.partial"
        try:
            with partial.open("wb") as sink:
                encrypting = Encrypting(sink, archive_passphrase, work_factor=work_factor)
                with tarfile.open(  # type: ignore[call-overload]  # write() is all it needs
                    fileobj=encrypting,
                    mode="w|",
                    format=tarfile.PAX_FORMAT,
                ) as tar:
                    stamp = int(datetime.now(UTC).timestamp())
                    _add(tar, MANIFEST, len(note), _bytes_reader(note), stamp)
                    for path, data in files:
                        _add(tar, path, len(data), _bytes_reader(data), stamp)
                    with snapshot.open("rb") as db:
                        _add(tar, DATABASE, snapshot.stat().st_size, db, stamp)
                encrypting.finish()
                sink.flush()
                os.fsync(sink.fileno())
            os.link(partial, out)  # never replaces a file that appeared meanwhile
        except FileExistsError:
            raise BackupError(f"{out} already exists: an archive is never overwritten") from None
        except OSError as e:
            raise BackupError(f"writing the archive {out}: {e.strerror or e}") from e
        _fsync_dir(out.parent)
    return manifest


def _origin(regime_dir: Path) -> str:
    try:
        return Regime.from_dir(regime_dir).origin
    except RegimeError as e:
        raise BackupError(f"{regime_dir}: {e}") from e


def _snapshot(url: str, target: Path) -> str:
    """Copy the node's database to the SQLite file ``target`` in one read transaction; the
    backend's name."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        _snapshot_sqlite(parsed.database or "", target)
        return "sqlite"
    _schema(target)
    _snapshot_postgres(parsed, target)
    return "postgresql"


def _snapshot_sqlite(source: str, target: Path) -> None:
    if not source or source == ":memory:" or not Path(source).is_file():
        raise BackupError(f"the node's database {source!r} is not a SQLite file")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=60)
        try:
            # VACUUM INTO reads in one transaction: a consistent copy, compacted.
            conn.execute("VACUUM INTO ?", (str(target),))
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise BackupError(f"copying the database {source}: {e}") from e


def _snapshot_postgres(url: URL, target: Path) -> None:
    engine = create_engine(url)
    copy = create_engine(f"sqlite:///{target}")
    try:
        tables = MetaData()
        tables.reflect(copy)
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
            conn.begin(),
        ):
            conn.execute(text("SET TRANSACTION READ ONLY"))
            source = MetaData()
            source.reflect(conn, only=list(tables.tables))
            with copy.begin() as out:
                for name, table in tables.tables.items():
                    out.execute(delete(table))
                    _copy_rows(conn, source.tables[name], out, table)
    except sa_exc.SQLAlchemyError as e:
        raise BackupError(f"copying the node's PostgreSQL tables: {_first_line(e)}") from e
    finally:
        engine.dispose()
        copy.dispose()


def _schema(target: Path) -> None:
    """An empty SQLite database with the node's tables at this version's head."""
    try:
        store = open_store(f"sqlite:///{target}")
        try:
            store.upgrade_tables(NODE_TABLES)
        finally:
            store.close()
    except StoreError as e:
        raise BackupError(f"making the copy's tables: {e}") from e


def _copy_rows(source: Connection, table: Any, target: Connection, into: Any) -> None:
    columns = [c.name for c in into.columns]
    rows = source.execution_options(stream_results=True, yield_per=_COPY_ROWS).execute(
        select(*(table.c[c] for c in columns))
    )
    for batch in rows.partitions(_COPY_ROWS):
        target.execute(insert(into), [dict(zip(columns, row, strict=True)) for row in batch])


def _sizes(snapshot: Path) -> tuple[int, int]:
    """The log size and final size the copied database holds."""
    try:
        conn = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
        try:
            (size,) = conn.execute("SELECT size FROM log_head").fetchone() or (None,)
            row = conn.execute("SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1")
            note = row.fetchone()
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise BackupError(f"the database copy is not a node's: {e}") from e
    if not isinstance(size, int):
        raise BackupError("the database copy has no log head: it is not a node's database")
    return size, _note_size(bytes(note[0])) if note else 0


def _note_size(note: bytes) -> int:
    return Checkpoint.from_text(Note.from_bytes(note).text).size


def _node_files(root: Path) -> list[tuple[str, bytes]]:
    """The files of a node directory that an archive holds, with their bytes."""
    files: list[tuple[str, bytes]] = [(NODE_FILE, _read(root / NODE_FILE))]
    if (root / _CLOCK).is_file():
        files.append((_CLOCK, _read(root / _CLOCK)))
    index = _read(root / _KEYS / "keystore.json")
    files.append((f"{_KEYS}/keystore.json", index))
    try:
        keys = json.loads(index)["keys"]
        names = sorted({f"{k['kind']}-{k['name']}.pem" for k in keys})
    except (ValueError, KeyError, TypeError) as e:
        raise BackupError(f"{root / _KEYS / 'keystore.json'}: malformed key list: {e}") from e
    files += [(f"{_KEYS}/{name}", _read(root / _KEYS / name)) for name in names]
    if (root / _KEYS / SIGNED_STATE_FILE).is_file():
        files.append((f"{_KEYS}/{SIGNED_STATE_FILE}", _read(root / _KEYS / SIGNED_STATE_FILE)))
    for path in sorted((root / _REGIME).rglob("*")):
        if path.is_file() and not path.is_symlink():
            files.append((path.relative_to(root).as_posix(), _read(path)))
    for name, _ in files:
        _checked_path(name, f"the node at {root}")
    return files


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BackupError(f"{path} is missing: it is not a whole node directory") from None
    except OSError as e:
        raise BackupError(f"{path}: cannot read it: {e.strerror}") from e


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_READ):
            digest.update(block)
    return digest.hexdigest()


def _bytes_reader(data: bytes) -> BinaryIO:
    return io.BytesIO(data)


def _add(tar: tarfile.TarFile, name: str, size: int, data: IO[bytes], mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = mtime
    tar.addfile(info, data)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _first_line(e: Exception) -> str:
    orig = e.orig if isinstance(e, sa_exc.DBAPIError) and e.orig is not None else e
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


# -- restore -------------------------------------------------------------------------------------


def restore(
    archive: Path, root: Path, *, archive_passphrase: bytes, pin: str | None = None
) -> Restored:
    """Restore the node at ``root`` from ``archive`` (see the module docstring).

    The archive must be signed by the node key of ``root``'s own node, or of ``pin`` (the
    node's verifier key, from its descriptor) for a directory that holds no node yet; both
    when both are there.
    """
    if root.exists() and not root.is_dir():
        raise BackupError(f"{root} is not a directory to restore the node in")
    existing = root.exists() and any(root.iterdir())
    expected = _expected(root, pin, existing)
    if not root.parent.is_dir():
        raise BackupError(f"{root.parent} is not a directory to restore the node in")
    with ExitStack() as stack:
        if existing:
            stack.enter_context(hold_directory(root, "restoring it"))
        staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.restoring."))
        stack.callback(shutil.rmtree, staging, ignore_errors=True)
        manifest = _unpack(archive, staging, expected, archive_passphrase)
        config = _check_staged(staging, manifest, expected)
        signed, final = _keep_newer_record(root if existing else None, staging)
        if existing and (root / _ROOT_KEYS).is_dir():
            shutil.copytree(root / _ROOT_KEYS, staging / _ROOT_KEYS)
        if existing and (root / _CLOCK).is_file():
            shutil.copy2(root / _CLOCK, staging / _CLOCK)  # the demo's player keeps time
        mark = {
            "format": "jointzone-restored/1",
            "archive": str(archive),
            "made_at": manifest.made_at,
            "log_size": manifest.log_size,
            "restored_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        write_atomically(
            staging / _KEYS / RESTORED_FILE,
            (json.dumps(mark, indent=2) + "\n").encode(),
            overwrite=True,
        )
        place = _place_database(staging, root, config.db)
        replaced = _swap(staging, root, existing, place)
    return Restored(manifest, signed, final, replaced)


def _expected(root: Path, pin: str | None, existing: bool) -> Verifier:
    """The node key the archive must be signed by."""
    pinned = None
    if pin is not None:
        try:
            pinned = Verifier.from_vkey(pin)
        except TlogError as e:
            raise BackupError(f"--key: {e}") from e
    if not existing:
        if pinned is None:
            raise BackupError(
                f"{root} holds no node to check the archive against: give the node's verifier "
                "key (node_verifier in its descriptor) with --key"
            )
        return pinned
    try:
        config = NodeConfig.read(root)
        keystore = Keystore.open(root / _KEYS, passphrase=None)
        own = Verifier(
            node_key_name(_origin(root / _REGIME), config.party),
            keystore.public_key("node", "node"),
        )
    except NodeError as e:
        raise BackupError(
            f"{root} is not empty and holds no node a restore can check the archive against "
            f"({e}); restore into a new directory with --key"
        ) from e
    if pinned is not None and pinned != own:
        raise BackupError(
            f"--key {pinned.vkey} is not the node key of the node at {root} ({own.vkey})"
        )
    return own


def _unpack(archive: Path, staging: Path, expected: Verifier, passphrase: bytes) -> ArchiveManifest:
    """Decrypt and check ``archive`` into ``staging``; its manifest. Everything is checked,
    the age stream to its authenticated end, before this returns."""
    where = f"archive {archive}"
    try:
        source = inputs.open_regular(archive, what="a backup archive")
    except inputs.MissingInputError:
        raise BackupError(f"{where}: no such file") from None
    except inputs.InputError as e:
        raise BackupError(str(e)) from e
    with source:
        try:
            plain = Decrypting(source, passphrase)
            with tarfile.open(fileobj=plain, mode="r|") as tar:  # type: ignore[call-overload]
                manifest = _read_manifest(tar, where, expected)
                for listed in manifest.files:
                    _unpack_file(tar, listed, staging, where)
                if tar.next() is not None:
                    raise BackupError(f"{where}: it holds files its manifest does not list")
            while plain.read(_READ):  # the tar's padding, to the age file's authenticated end
                pass
            if not plain.finished:
                raise BackupError(f"{where}: the age file ends early")
        except BackupError as e:
            if str(e).startswith("archive "):
                raise
            raise BackupError(f"{where}: {e}") from e
        except tarfile.TarError as e:
            raise BackupError(f"{where}: not a node's archive (its tar is malformed: {e})") from e
        except OSError as e:
            raise BackupError(f"{where}: cannot read it: {e.strerror or e}") from e
    return manifest


def _read_manifest(tar: tarfile.TarFile, where: str, expected: Verifier) -> ArchiveManifest:
    member = tar.next()
    if member is None or member.name != MANIFEST or not member.isreg():
        raise BackupError(f"{where}: it does not start with a manifest: not a node's archive")
    if member.size > _MAX_MANIFEST:
        raise BackupError(f"{where}: its manifest is larger than {_MAX_MANIFEST:,} bytes")
    extracted = tar.extractfile(member)
    assert extracted is not None
    data = extracted.read()
    try:
        note, _ = open_note(data, [expected])
    except MalformedError as e:
        raise BackupError(f"{where}: its manifest is not a signed note: {e}") from e
    except SignatureError as e:
        raise BackupError(
            f"{where}: not this node's archive: its manifest is not signed by the node key "
            f"{expected.vkey} ({e})"
        ) from e
    manifest = ArchiveManifest.from_text(note.text, f"{where}: manifest")
    if manifest.node_verifier != expected.vkey:
        raise BackupError(
            f"{where}: not this node's archive: it is of node {manifest.node_verifier}, "
            f"expected {expected.vkey}"
        )
    if node_key_name(manifest.origin, manifest.party) != expected.name:
        raise BackupError(
            f"{where}: the manifest names party {manifest.party!r} of log {manifest.origin!r}; "
            f"the node key is {expected.name!r}'s"
        )
    return manifest


def _unpack_file(tar: tarfile.TarFile, listed: ArchivedFile, staging: Path, where: str) -> None:
    member = tar.next()
    if member is None:
        raise BackupError(f"{where}: {listed.path} is missing")
    if member.name != listed.path or not member.isreg():
        raise BackupError(
            f"{where}: found {member.name!r} where the manifest lists {listed.path!r} "
            "(files reordered, replaced or not regular)"
        )
    if member.size != listed.size:
        raise BackupError(
            f"{where}: {listed.path} is {member.size:,} bytes, the manifest says {listed.size:,}"
        )
    target = staging / listed.path
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = tar.extractfile(member)
    assert data is not None
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        while block := data.read(_READ):
            digest.update(block)
            f.write(block)
        f.flush()
        os.fsync(f.fileno())
    if digest.hexdigest() != listed.sha256:
        raise BackupError(f"{where}: {listed.path} does not have the SHA-256 its manifest lists")


def _check_staged(staging: Path, manifest: ArchiveManifest, expected: Verifier) -> NodeConfig:
    """The unpacked node is the one the manifest and the node key say."""
    try:
        config = NodeConfig.read(staging)
        keystore = Keystore.open(staging / _KEYS, passphrase=None)
        node_key = keystore.public_key("node", "node")
    except NodeError as e:
        raise BackupError(f"the archive's node directory is not whole: {e}") from e
    if config.party != manifest.party or keystore.party != manifest.party:
        raise BackupError(
            f"the archive's node.json and keystore are of {config.party!r} and "
            f"{keystore.party!r}, its manifest of {manifest.party!r}"
        )
    if node_key != expected.public_key_bytes:
        raise BackupError("the archive's keystore holds another node key than its manifest's")
    if _origin(staging / _REGIME) != manifest.origin:
        raise BackupError(f"the archive's regime is not of log {manifest.origin!r}")
    size, _ = _sizes(staging / DATABASE)
    if size != manifest.log_size:
        raise BackupError(
            f"the archive's database holds {size:,} entries, its manifest says "
            f"{manifest.log_size:,}"
        )
    return config


def _keep_newer_record(root: Path | None, staging: Path) -> tuple[int, int]:
    """Keep in ``staging`` the newer of the two records of what the node signed and held
    final (``root``'s, if there is one, and the archive's); their sizes."""
    path = staging / _KEYS / SIGNED_STATE_FILE
    try:
        record = read_signed_state(path)
        if root is not None:
            for key, note in read_signed_state(root / _KEYS / SIGNED_STATE_FILE).items():
                if key not in record or _note_size(record[key]) < _note_size(note):
                    record[key] = note
    except (SyncError, MalformedError) as e:
        raise BackupError(
            f"the record of what this node signed is unreadable: {e}; a restore keeps the "
            "newer one, so it needs it readable"
        ) from e
    if record:
        text = json.dumps({k: v.decode("utf-8") for k, v in record.items()}, indent=2) + "\n"
        write_atomically(path, text.encode("utf-8"), overwrite=True)
    sizes = {k: _note_size(v) for k, v in record.items()}
    return sizes.get("signed", 0), sizes.get("final", 0)


@dataclass(frozen=True, slots=True)
class _Placement:
    """Where the database goes: in the node directory, at a path of its own, or PostgreSQL."""

    kind: str  # "inside", "file" or "postgresql"
    target: Path | None = None
    url: str = ""


def _place_database(staging: Path, root: Path, db: str) -> _Placement:
    """Move the copied database where the node's config says, as far as can be done before
    the directory is swapped in: within it, beside its own file, or into PostgreSQL."""
    url = database_url(root, db)
    parsed = make_url(normalize_url(url))
    snapshot = staging / DATABASE
    if parsed.get_backend_name() != "sqlite":
        _load_postgres(snapshot, url)
        snapshot.unlink()
        return _Placement("postgresql", url=url)
    target = Path(parsed.database or "")
    if not target.is_absolute():
        raise BackupError(f"the node's database {db!r} is not a file path")
    try:
        inside = target.resolve().relative_to(root.resolve())
    except ValueError:
        if not target.parent.is_dir():
            raise BackupError(
                f"{target.parent} does not exist to restore the database in"
            ) from None
        beside = target.with_name(f".{target.name}.restoring")
        shutil.move(snapshot, beside)
        return _Placement("file", target=target)
    (staging / inside).parent.mkdir(parents=True, exist_ok=True)
    snapshot.rename(staging / inside)
    return _Placement("inside")


def _load_postgres(snapshot: Path, url: str) -> None:
    """Replace the node's PostgreSQL tables with the copy's, in one transaction."""
    try:
        store = open_store(url)  # the tables at this version's head, made if need be
        try:
            store.upgrade_tables(NODE_TABLES)
        finally:
            store.close()
    except StoreError as e:
        raise BackupError(f"the node's PostgreSQL database: {e}") from e
    copy = create_engine(f"sqlite:///{snapshot}")
    engine = create_engine(make_url(normalize_url(url)))
    try:
        tables = MetaData()
        tables.reflect(copy)
        with copy.connect() as source, engine.begin() as target:
            into = MetaData()
            into.reflect(target, only=list(tables.tables))
            versions = [n for n in tables.tables if n.startswith("alembic_version")]
            for name in versions:
                theirs = set(source.execute(select(tables.tables[name])).scalars())
                ours = set(target.execute(select(into.tables[name])).scalars())
                if theirs != ours:
                    raise BackupError(
                        f"the archive's tables are at revision {sorted(theirs)} of {name}, this "
                        f"version's at {sorted(ours)}: restore it with the version that made it"
                    )
            for name, table in into.tables.items():
                target.execute(delete(table))
                _copy_rows(source, tables.tables[name], target, table)
                _reset_sequences(target, table)
    except sa_exc.SQLAlchemyError as e:
        raise BackupError(f"loading the node's PostgreSQL tables: {_first_line(e)}") from e
    finally:
        copy.dispose()
        engine.dispose()


def _reset_sequences(conn: Connection, table: Any) -> None:
    """Serial columns continue after the rows just loaded."""
    for column in table.columns:
        default = column.server_default
        if default is not None and "nextval(" in str(getattr(default, "arg", "")):
            highest = conn.execute(select(func.max(column))).scalar()
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
                {
                    "t": table.name,
                    "c": column.name,
                    "v": highest or 1,
                    "called": highest is not None,
                },
            )


def _swap(staging: Path, root: Path, existing: bool, place: _Placement) -> Path | None:
    """Put the staged directory (and a database file of its own) in place of the old."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = root.with_name(f"{root.name}.before-restore-{stamp}")
    try:
        if existing:
            root.rename(aside)
            try:
                staging.rename(root)
            except OSError:
                aside.rename(root)
                raise
        else:
            if root.exists():
                root.rmdir()
            staging.rename(root)
        if place.kind == "file":
            assert place.target is not None
            target = place.target
            for suffix in ("", "-wal", "-shm"):
                old = Path(f"{target}{suffix}")
                if old.exists():
                    old.rename(f"{target}.before-restore-{stamp}{suffix}")
            target.with_name(f".{target.name}.restoring").rename(target)
    except OSError as e:
        raise BackupError(f"putting the restored node in place at {root}: {e}") from e
    _fsync_dir(root.parent)
    return aside if existing else None
