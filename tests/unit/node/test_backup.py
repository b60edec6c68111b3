"""Backup and restore of one node: the archive round-trips, every alteration of it is refused
with DIR untouched, and a node restored from an old backup signs nothing that conflicts with
what it signed after the backup was taken."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import sqlite3
import tarfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.consent import Entry, Proposal
from jointzone.node import (
    BackupError,
    EmbeddedDeployment,
    Node,
    NodeError,
    StandaloneNode,
    WitnessError,
    backup,
    hold_directory,
    restore,
)
from jointzone.node._age import Decrypting, Encrypting
from jointzone.node._backup import DATABASE, _snapshot_sqlite
from jointzone.node._checkpoints import RESTORED_FILE, SIGNED_STATE_FILE, read_signed_state
from jointzone.node._keystore import Keystore
from jointzone.node.migrations import NODE_TABLES
from jointzone.regime import Regime
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, CompactRange, Note, Signer, Verifier, leaf_hashes, sign_note

ROOT = Path(__file__).parents[3]
REGIME = ROOT / "regimes" / "seed"
PASSPHRASE = b"a node passphrase"
ARCHIVE = b"an archive passphrase"
KEYS = {"japan": PASSPHRASE, "russia": PASSPHRASE}


def _node(path: Path, *, db: str | None = None) -> str:
    """A node directory with a log of 40 (unjudged) entries; its verifier key."""
    descriptor = StandaloneNode.init(
        path,
        party="japan",
        regime_dir=REGIME,
        url="http://127.0.0.1:8701",
        passphrase=PASSPHRASE,
        db=db,
        demo=True,
    )
    with open_store(db or f"sqlite:///{path / 'node.db'}") as store:
        store.append([b"entry %d" % i for i in range(40)])
    return descriptor.node_verifier


def _backup(root: Path, out: Path) -> None:
    backup(root, out, passphrase=PASSPHRASE, archive_passphrase=ARCHIVE, work_factor=2)


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` and its SHA-256: to show a directory was not touched."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _entries(url: str) -> list[bytes]:
    with open_store(url) as store:
        return store.read_entries(0, store.size())


def test_an_archive_restores_the_node_whole_into_a_new_directory(tmp_path: Path) -> None:
    vkey = _node(tmp_path / "node")
    _backup(tmp_path / "node", tmp_path / "a.jzb")
    done = restore(tmp_path / "a.jzb", tmp_path / "again", archive_passphrase=ARCHIVE, pin=vkey)
    assert done.manifest.log_size == 40
    assert done.replaced is None
    assert _entries(f"sqlite:///{tmp_path / 'again' / 'node.db'}") == [
        b"entry %d" % i for i in range(40)
    ]
    before, after = _tree(tmp_path / "node"), _tree(tmp_path / "again")
    for name in ("node.json", "keys/keystore.json", "keys/node-node.pem", "regime/regime.yaml"):
        assert after[name] == before[name], name
    assert not any(name.startswith("root-keys/") for name in after), "root keys were archived"
    assert (tmp_path / "again" / "keys" / RESTORED_FILE).is_file()
    keystore = Keystore.open(tmp_path / "again" / "keys", passphrase=PASSPHRASE)
    assert keystore.private_key("node", "node").public_key().public_bytes_raw() == (
        Verifier.from_vkey(vkey).public_key_bytes
    )


def test_restoring_over_the_node_keeps_its_root_keys_and_the_newer_record(tmp_path: Path) -> None:
    root = tmp_path / "node"
    _node(root)
    origin = Regime.from_dir(REGIME).origin
    signer = Signer.generate(f"{origin}/japan")

    def note(size: int) -> str:
        text = Checkpoint(origin=origin, size=size, root=bytes(32)).to_text()
        return sign_note(text, [signer]).to_bytes().decode()

    state = root / "keys" / SIGNED_STATE_FILE
    state.write_text(f'{{"signed": {note(40)!r}, "final": {note(40)!r}}}'.replace("'", '"'))
    _backup(root, tmp_path / "a.jzb")
    # After the backup the node signed more: its record says so, the archive's does not.
    state.write_text(f'{{"signed": {note(57)!r}, "final": {note(55)!r}}}'.replace("'", '"'))
    done = restore(tmp_path / "a.jzb", root, archive_passphrase=ARCHIVE)
    assert (done.signed_size, done.final_size) == (57, 55)
    kept = read_signed_state(state)
    assert Checkpoint.from_text(Note.from_bytes(kept["signed"]).text).size == 57
    assert (root / "root-keys" / "japan-root-1.pem").is_file()
    assert done.replaced is not None
    assert done.replaced.is_dir()


def _flipped(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x40
    return bytes(out)


def test_an_altered_archive_is_refused_and_the_directory_is_untouched(tmp_path: Path) -> None:
    root = tmp_path / "node"
    vkey = _node(root)
    _backup(root, tmp_path / "a.jzb")
    good = (tmp_path / "a.jzb").read_bytes()
    other = tmp_path / "other"
    other_key = _node(other)  # the same party, another node key
    _backup(other, tmp_path / "other.jzb")
    before = _tree(root)
    cases = {
        "a byte of the header's salt": (_flipped(good, 40), "passphrase|header"),
        "a byte of the header's MAC": (_flipped(good, 120), "MAC|header"),
        "a byte in the middle": (_flipped(good, len(good) // 2), "payload"),
        "the last byte": (_flipped(good, len(good) - 1), "payload"),
        "cut short": (good[: len(good) - 100], "payload|truncated"),
        "extended": (good + b"\0" * 10, "payload"),
        "another node's": ((tmp_path / "other.jzb").read_bytes(), "not this node's archive"),
        "not an archive": (b"\x1f\x8b gzip, perhaps", "not an age file"),
    }
    for name, (data, says) in cases.items():
        (tmp_path / "bad.jzb").write_bytes(data)
        with pytest.raises(BackupError, match=says) as refused:
            restore(tmp_path / "bad.jzb", root, archive_passphrase=ARCHIVE)
        assert str(tmp_path / "bad.jzb") in str(refused.value), name
        assert _tree(root) == before, f"{name}: the directory changed"
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore(tmp_path / "a.jzb", root, archive_passphrase=b"not the passphrase")
    with pytest.raises(BackupError, match="no such file"):
        restore(tmp_path / "missing.jzb", root, archive_passphrase=ARCHIVE)
    with pytest.raises(BackupError, match="is not the node key"):
        restore(
            tmp_path / "a.jzb",
            root,
            archive_passphrase=ARCHIVE,
            pin=other_key,
        )
    with pytest.raises(BackupError, match="--key"):
        restore(tmp_path / "a.jzb", tmp_path / "new", archive_passphrase=ARCHIVE)
    assert _tree(root) == before
    assert not (tmp_path / "new").exists()
    leftovers = [p.name for p in tmp_path.iterdir() if ".restoring." in p.name]
    assert not leftovers, leftovers
    restore(tmp_path / "a.jzb", tmp_path / "new", archive_passphrase=ARCHIVE, pin=vkey)


def _repacked(archive: Path, change: dict[str, bytes], out: Path) -> None:
    """The archive decrypted, one file replaced, and encrypted again under the same passphrase:
    what someone who knows the passphrase but not the node key could make."""
    with archive.open("rb") as f:
        plain = Decrypting(f, ARCHIVE).read()
    buffer = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(plain)) as source,
        tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as target,
    ):
        for member in source.getmembers():
            data = source.extractfile(member)
            assert data is not None
            content = change.get(member.name, data.read())
            member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    with out.open("wb") as f:
        sealing = Encrypting(f, ARCHIVE, work_factor=2)
        sealing.write(buffer.getvalue())
        sealing.finish()


def test_a_file_changed_under_the_passphrase_breaks_the_manifest(tmp_path: Path) -> None:
    root = tmp_path / "node"
    _node(root)
    _backup(root, tmp_path / "a.jzb")
    before = _tree(root)
    node_json = (root / "node.json").read_bytes()
    _repacked(
        tmp_path / "a.jzb", {"node.json": node_json.replace(b"8701", b"8702")}, tmp_path / "b"
    )
    with pytest.raises(BackupError, match="does not have the SHA-256"):
        restore(tmp_path / "b", root, archive_passphrase=ARCHIVE)
    forged = sign_note("{}\n", [Signer.generate("someone/japan")]).to_bytes()
    _repacked(tmp_path / "a.jzb", {"manifest": forged}, tmp_path / "c")
    with pytest.raises(BackupError, match="not signed by the node key"):
        restore(tmp_path / "c", root, archive_passphrase=ARCHIVE)
    assert _tree(root) == before


def test_a_serving_node_is_not_restored(tmp_path: Path) -> None:
    root = tmp_path / "node"
    _node(root)
    _backup(root, tmp_path / "a.jzb")
    with hold_directory(root, "serving it"), pytest.raises(NodeError, match="in use"):
        restore(tmp_path / "a.jzb", root, archive_passphrase=ARCHIVE)
    with pytest.raises(BackupError, match="already exists"):
        _backup(root, tmp_path / "a.jzb")


def test_the_database_copy_is_a_state_the_node_had(tmp_path: Path) -> None:
    """Copied while a writer appends batches of 7: always whole batches, and the stored tree
    over them is theirs."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    stop = threading.Event()

    def write() -> None:
        with open_store(url) as store:
            n = 0
            while not stop.is_set():
                store.append([b"batch %d item %d" % (n, i) + b"x" * 500 for i in range(7)])
                n += 1

    open_store(url).close()
    writer = threading.Thread(target=write)
    writer.start()
    try:
        sizes = []
        for i in range(5):
            copy = tmp_path / f"copy-{i}.db"
            _snapshot_sqlite(str(tmp_path / "log.db"), copy)
            with open_store(f"sqlite:///{copy}") as store:
                size = store.size()
                entries = store.read_entries(0, size)
                assert size % 7 == 0, f"copy {i} holds {size} entries: a batch torn"
                tree = Checkpoint(origin="o", size=size, root=store.root(size))
                assert tree.root == _root(entries)
            sizes.append(size)
    finally:
        stop.set()
        writer.join()
    assert sizes[-1] > 0


def _root(entries: list[bytes]) -> bytes:
    edge = CompactRange()
    edge.extend(leaf_hashes(entries))
    return edge.root()


@pytest.mark.postgres
def test_a_postgresql_node_is_backed_up_and_restored_in_one_transaction(
    tmp_path: Path, postgres_url: str
) -> None:
    root = tmp_path / "node"
    vkey = _node(root, db=postgres_url)
    with open_store(postgres_url) as store:
        store.upgrade_tables(NODE_TABLES)  # the node's own tables, as opening the node makes
    _backup(root, tmp_path / "a.jzb")
    with open_store(postgres_url) as store:
        store.append([b"after the backup"])
    done = restore(tmp_path / "a.jzb", root, archive_passphrase=ARCHIVE, pin=vkey)
    assert done.manifest.backend == "postgresql"
    assert _entries(postgres_url) == [b"entry %d" % i for i in range(40)]
    assert not (root / DATABASE).exists()


# -- a node restored from an old backup --------------------------------------------------------


def _appoint(node: Node, name: str) -> Proposal:
    key = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    act = {
        "type": "official.appoint",
        "party": node.party,
        "official": name,
        "display_name": f"Official {name}",
        "roles": ["inspector"],
        "public_key": base64.urlsafe_b64encode(key).rstrip(b"=").decode(),
    }
    first, second = f"{node.party}-root-1", f"{node.party}-root-2"
    proposal = node.propose(act, official=first)
    return node.sign(proposal.id, official=second).proposal


def _offered(sequencer: Node, proposal: Proposal) -> tuple[int, list[bytes], bytes]:
    """A batch of one entry at the sequencer's size, under its own signed checkpoint."""
    old = sequencer.log_size()
    entry = Entry(time=sequencer.now(), proposal=proposal)
    sequencer.replica.admit(entry, old)
    edge = sequencer._edge(old)
    edge.extend(leaf_hashes([entry.encode()]))
    checkpoint = sequencer._sign_checkpoint(old + 1, edge.root())
    sequencer._replica = sequencer._replay()
    return old, [entry.encode()], checkpoint


def _roll_back(d: Path, party: str, copy: Path, *, keep_record: bool) -> None:
    """Put the old copy of a stopped node's database back, as a restore of it would."""
    for suffix in ("-wal", "-shm"):
        Path(f"{d / party / 'node.db'}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, d / party / "node.db")
    if not keep_record:
        (d / party / "keys" / SIGNED_STATE_FILE).unlink()


@pytest.mark.parametrize("keep_record", [True, False])
def test_a_witness_restored_from_an_old_backup_cosigns_no_second_checkpoint_of_a_size(
    tmp_path: Path, keep_record: bool
) -> None:
    zone = tmp_path / "zone"
    with EmbeddedDeployment.create(zone, regime_dir=REGIME, passphrases=KEYS, demo=True) as d:
        sequencer = d.nodes[_turn()]
        (witness,) = [n for n in d.nodes.values() if n is not sequencer]
        w, s = witness.party, sequencer.party
        old = witness.log_size()
        for party in (w, s):
            _snapshot_sqlite(str(zone / party / "node.db"), tmp_path / f"{party}-old.db")
        _appoint(sequencer, "after-backup-1")
        d.commit()
        signed = witness.signed_text(old + 1)
        assert signed is not None
        assert witness.log_size() == old + 1
    # Both restored from the backup; the sequencer, an attacker now, forgets what it signed.
    _roll_back(zone, w, tmp_path / f"{w}-old.db", keep_record=keep_record)
    _roll_back(zone, s, tmp_path / f"{s}-old.db", keep_record=False)
    with EmbeddedDeployment.open(zone, passphrases=KEYS) as d:
        witness, sequencer = d.nodes[w], d.nodes[s]
        assert witness.log_size() == old
        assert witness.signed_text(old + 1) is None  # the database forgot it
        batch = _offered(sequencer, _appoint(sequencer, "another-act"))
        offered = Checkpoint.from_text(Note.from_bytes(batch[2]).text)
        assert offered.size == old + 1
        assert offered.to_text() != signed, "the attacker's checkpoint is a different one"
        if keep_record:
            with pytest.raises(WitnessError, match="refusing to sign a fork"):
                witness.witness(old_size=batch[0], entries=batch[1], checkpoint=batch[2], proof=[])
            assert witness.log_size() == old, "the refused batch was appended"
        else:
            # Without the record kept outside the database, nothing could tell: which is why a
            # restore keeps it, and marks the node to rejoin its peers before it signs.
            witness.witness(old_size=batch[0], entries=batch[1], checkpoint=batch[2], proof=[])
            assert witness.log_size() == old + 1


def _turn() -> str:
    """The party whose node sequences now."""
    return Regime.from_dir(REGIME).sequencer_for(datetime.now(UTC))


def test_a_restored_node_signs_nothing_until_it_has_rejoined_its_peers(tmp_path: Path) -> None:
    zone = tmp_path / "zone"
    with EmbeddedDeployment.create(zone, regime_dir=REGIME, passphrases=KEYS, demo=True) as d:
        sequencer = d.nodes[_turn()]
        (witness,) = [n for n in d.nodes.values() if n is not sequencer]
        w = witness.party
        _snapshot_sqlite(str(zone / w / "node.db"), tmp_path / "old.db")
        _appoint(sequencer, "after-backup-1")
        d.commit()
        final = sequencer.latest_checkpoint()
    # Restored on a new machine: the archive's record only, and the restore's mark.
    _roll_back(zone, w, tmp_path / "old.db", keep_record=False)
    with EmbeddedDeployment.open(zone, passphrases=KEYS) as d:
        witness, sequencer = d.nodes[w], d.nodes[_turn()]
        (zone / w / "keys" / RESTORED_FILE).write_text("{}\n", encoding="utf-8")
        batch = _offered(sequencer, _appoint(sequencer, "next"))
        with pytest.raises(WitnessError, match="restored from a backup"):
            witness.witness(old_size=batch[0], entries=batch[1], checkpoint=batch[2], proof=[])
        with pytest.raises(WitnessError, match="restored from a backup"):
            witness.vouch(witness.latest_checkpoint() or b"")
        witness.rejoin([sequencer])
        assert not witness.restored
        assert witness.latest_checkpoint() == final
        assert not (zone / w / "keys" / RESTORED_FILE).exists()
        witness.witness(old_size=batch[0], entries=batch[1], checkpoint=batch[2], proof=[])
        assert witness.log_size() == batch[0] + 1


def test_the_copy_is_made_with_sqlite_s_own_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(100)])
    _snapshot_sqlite(str(db), tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (100,)
    with pytest.raises(BackupError, match="not a SQLite file"):
        _snapshot_sqlite(str(tmp_path / "missing.db"), tmp_path / "copy2.db")
