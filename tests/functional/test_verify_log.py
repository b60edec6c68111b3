"""The ``jointzone`` command end to end: demo, export, verify-log, and every kind of tampering.

No mocks: a real SQLite log built by ``jointzone log demo``, exported by ``jointzone log export``,
edited on disk the way an attacker or a broken mirror would, and checked by ``jointzone
verify-log``. The log has 70,000 entries, so it has full and partial tiles at levels 0 and 1
and a partial tile at level 2.
"""

from __future__ import annotations

import base64
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from jointzone.cli import app
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, MemoryTree, Note, Signer, entries_path, sign_note, tile_path

SIZE = 70_000
NODES = ("japan.node.example", "russia.node.example")
ORIGIN = "demo.jointzone.example/log"

runner = CliRunner()


def jointzone(*args: str | Path | int) -> Result:
    return runner.invoke(app, [str(a) for a in args])


class Demo:
    """The demo's directory: its store, its node keys, and its published tiles."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tiles = root / "tiles"
        self.store_url = f"sqlite:///{root / 'log.db'}"
        self.signers = [
            Signer.from_skey((root / "keys" / f"{n}.skey").read_text().strip()) for n in NODES
        ]
        self.vkeys = [(root / "keys" / f"{n}.vkey").read_text().strip() for n in NODES]

    def key_args(self) -> list[str]:
        return [arg for vkey in self.vkeys for arg in ("--key", vkey)]

    def sign(self, size: int, root: bytes, signers: list[Signer] | None = None) -> bytes:
        text = Checkpoint(ORIGIN, size, root).to_text()
        return sign_note(text, signers if signers is not None else self.signers).to_bytes()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("demo")
    result = jointzone("log", "demo", "--dir", root, "--fresh", "--entries", SIZE)
    assert result.exit_code == 0, result.output
    return Demo(root)


@pytest.fixture
def tiles(demo: Demo, tmp_path: Path) -> Path:
    """A private copy of the demo's published tiles, free to damage."""
    copy = tmp_path / "tiles"
    shutil.copytree(demo.tiles, copy)
    return copy


def verify(demo: Demo, directory: Path, *extra: str | Path) -> Result:
    return jointzone("verify-log", directory, *demo.key_args(), *extra)


def failure(result: Result) -> str:
    """The one error line of a failed command."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x20
    path.write_bytes(bytes(data))


# -- what works ------------------------------------------------------------------------------


def test_demo_says_what_it_did_and_ends_with_the_signed_checkpoint(tmp_path: Path) -> None:
    result = jointzone("log", "demo", "--dir", tmp_path, "--fresh", "--entries", 300)
    assert result.exit_code == 0, result.output
    assert "DEMO KEYS" in result.stderr
    assert "never use them to sign a real log" in result.stderr
    out = result.stdout
    assert "signed: the checkpoint of size 300" in out
    assert "ok: 300 entries, root " in out
    lines = out.rstrip("\n").splitlines()
    assert lines[-6:-3] == [ORIGIN, "300", lines[-4]]
    assert lines[-3] == ""
    assert lines[-2].startswith("— japan.node.example ")
    assert lines[-1].startswith("— russia.node.example ")
    for name in NODES:
        mode = stat.S_IMODE((tmp_path / "keys" / f"{name}.skey").stat().st_mode)
        assert mode == 0o600


def test_demo_grows_its_log_and_checks_the_previous_checkpoint(tmp_path: Path) -> None:
    assert jointzone("log", "demo", "--dir", tmp_path, "--fresh", "--entries", 300).exit_code == 0
    result = jointzone("log", "demo", "--dir", tmp_path, "--entries", 200)
    assert result.exit_code == 0, result.output
    assert "ok: 500 entries" in result.stdout
    assert "consistent with 1 older checkpoint" in result.stdout
    # Bundle 0, tile 0/000 and tile 1/000.p/1 were already right at 300 entries.
    assert "files written, 3 already there" in result.stdout


def test_demo_leaves_unrelated_files_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert jointzone("log", "demo", "--dir", tmp_path, "--fresh", "--entries", 1).exit_code == 0
    assert jointzone("log", "demo", "--dir", tmp_path, "--fresh", "--entries", 1).exit_code == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_demo_fresh_refuses_to_delete_what_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "precious").write_text("mine")
    result = jointzone("log", "demo", "--dir", tmp_path, "--fresh")
    assert "refusing to delete them" in failure(result)
    assert (tmp_path / "keys" / "precious").read_text() == "mine"


def test_verify_log_prints_one_line(demo: Demo) -> None:
    result = verify(demo, demo.tiles)
    assert result.exit_code == 0, result.output
    root = Note.from_bytes((demo.tiles / "checkpoint").read_bytes()).text.split("\n")[2]
    assert result.stdout == (
        f"ok: 70,000 entries, root {root}, signed by japan.node.example, russia.node.example\n"
    )


def test_log_export_publishes_the_stores_latest_checkpoint(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "mirror"
    result = jointzone("log", "export", "--store", demo.store_url, "--out", out)
    assert result.exit_code == 0, result.output
    assert "exported 70,000 entries" in result.stdout
    assert verify(demo, out).exit_code == 0
    again = jointzone("log", "export", "--store", demo.store_url, "--out", out)
    assert "0 files written" in again.stdout
    assert (out / "checkpoint").read_bytes() == (demo.tiles / "checkpoint").read_bytes()


def test_log_export_of_a_store_without_checkpoint(tmp_path: Path) -> None:
    result = jointzone(
        "log", "export", "--store", f"sqlite:///{tmp_path / 'empty.db'}", "--out", tmp_path / "t"
    )
    assert "holds no checkpoint yet" in failure(result)


def first_entries(demo: Demo, count: int) -> list[bytes]:
    with open_store(demo.store_url) as store:
        return store.read_entries(0, count)


def test_consistent_older_checkpoint(demo: Demo, tmp_path: Path) -> None:
    older = tmp_path / "older"
    older.write_bytes(demo.sign(1000, MemoryTree(first_entries(demo, 1000)).root()))
    result = verify(demo, demo.tiles, "--older", older)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("; consistent with 1 older checkpoint\n")


# -- every kind of tampering, caught and named ----------------------------------------------------


def test_flipped_byte_in_an_entry_bundle_names_the_entry(demo: Demo, tiles: Path) -> None:
    bundle = tiles / entries_path(123)
    data = bundle.read_bytes()
    length = int.from_bytes(data[:2], "big")
    flip(bundle, 2 + length + 2 + 5)  # a byte of the second entry's content
    message = failure(verify(demo, tiles))
    assert message.startswith("verification failed: tile/0/123: hash 1 should be the leaf hash")
    assert "entry 31,489 (in tile/entries/123)" in message


def test_flipped_byte_in_a_level_0_tile(demo: Demo, tiles: Path) -> None:
    flip(tiles / tile_path(0, 7), 32 * 200 + 3)
    message = failure(verify(demo, tiles))
    assert "tile/0/007: hash 200 should be the leaf hash of entry 1,992" in message


def test_flipped_byte_in_a_full_level_1_tile(demo: Demo, tiles: Path) -> None:
    flip(tiles / tile_path(1, 0), 32 * 42)
    message = failure(verify(demo, tiles))
    assert (
        "tile/1/000: hash 42 (entries 10,752 to 11,007) should be the root of tile/0/042" in message
    )


def test_flipped_byte_in_a_partial_level_1_tile(demo: Demo, tiles: Path) -> None:
    flip(tiles / tile_path(1, 1, 17), 32 * 16)
    message = failure(verify(demo, tiles))
    assert "tile/1/001.p/17: hash 16 (entries 69,632 to 69,887) should be the root" in message


def test_truncated_bundle(demo: Demo, tiles: Path) -> None:
    bundle = tiles / entries_path(5)
    bundle.write_bytes(bundle.read_bytes()[:-3])
    message = failure(verify(demo, tiles))
    assert "tile/entries/005: entry 1,535 is truncated" in message


def test_bundle_with_extra_bytes(demo: Demo, tiles: Path) -> None:
    bundle = tiles / entries_path(273, 112)
    bundle.write_bytes(bundle.read_bytes() + b"\x00")
    message = failure(verify(demo, tiles))
    assert "tile/entries/273.p/112: expected 112 entries and nothing after them" in message


def test_missing_tile(demo: Demo, tiles: Path) -> None:
    (tiles / tile_path(0, 99)).unlink()
    assert failure(verify(demo, tiles)) == "verification failed: tile/0/099: missing"


def test_deleted_entry_bundle(demo: Demo, tiles: Path) -> None:
    (tiles / entries_path(200)).unlink()
    assert failure(verify(demo, tiles)) == "verification failed: tile/entries/200: missing"


def test_checkpoint_signed_by_one_party_only(demo: Demo, tiles: Path) -> None:
    note = Note.from_bytes((tiles / "checkpoint").read_bytes())
    one = Note(text=note.text, signatures=note.signatures[:1])
    (tiles / "checkpoint").write_bytes(one.to_bytes())
    message = failure(verify(demo, tiles))
    assert "checkpoint: note lacks a signature by russia.node.example+" in message


def test_checkpoint_with_the_wrong_root(demo: Demo, tiles: Path) -> None:
    (tiles / "checkpoint").write_bytes(demo.sign(SIZE, b"\x01" * 32))
    message = failure(verify(demo, tiles))
    assert "the 70,000 entries and their tiles agree, but their root is" in message
    assert "while the checkpoint signs " + "01" * 32 in message


def test_checkpoint_edited_without_signing(demo: Demo, tiles: Path) -> None:
    path = tiles / "checkpoint"
    lines = path.read_text().split("\n")
    lines[2] = base64.b64encode(b"\x01" * 32).decode()
    path.write_text("\n".join(lines))
    assert "does not verify" in failure(verify(demo, tiles))


def test_wrong_key_given(demo: Demo) -> None:
    stranger = Signer.generate("japan.node.example")
    result = jointzone("verify-log", demo.tiles, "--key", stranger.vkey, "--key", demo.vkeys[1])
    message = failure(result)
    assert f"--key {stranger.vkey} is not a node key this log's genesis declares" in message
    assert f"no --key pins japan's node key (its genesis declares {demo.vkeys[0]})" in message


def test_verify_log_needs_a_pin_for_every_party_the_genesis_names(demo: Demo) -> None:
    message = failure(jointzone("verify-log", demo.tiles, "--key", demo.vkeys[0]))
    assert "the log's genesis names japan, russia" in message
    assert f"no --key pins russia's node key (its genesis declares {demo.vkeys[1]})" in message


def test_older_checkpoint_of_another_log(demo: Demo, tmp_path: Path) -> None:
    other = [b"forged " + e for e in first_entries(demo, 1000)]
    older = tmp_path / "older"
    older.write_bytes(demo.sign(1000, MemoryTree(other).root()))
    message = failure(verify(demo, demo.tiles, "--older", older))
    assert f"older checkpoint {older}: signs root " in message
    assert "for size 1,000, but the first 1,000 entries of this log have root" in message


def test_bad_base64_in_the_checkpoint(demo: Demo, tiles: Path) -> None:
    path = tiles / "checkpoint"
    lines = path.read_bytes().split(b"\n")
    name, _, signature = lines[4].rpartition(b" ")
    lines[4] = name + b" @" + signature[1:]
    path.write_bytes(b"\n".join(lines))
    message = failure(verify(demo, tiles))
    assert (
        "checkpoint: note line 5: signature by 'japan.node.example' is not valid base64" in message
    )


def test_crlf_line_endings(demo: Demo, tiles: Path) -> None:
    path = tiles / "checkpoint"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    message = failure(verify(demo, tiles))
    assert "checkpoint: note: line 1 contains a carriage return" in message


# -- how errors are shown --------------------------------------------------------------------------


def test_verbose_shows_the_traceback(demo: Demo, tiles: Path) -> None:
    (tiles / tile_path(0, 99)).unlink()
    result = jointzone("-v", "verify-log", tiles, *demo.key_args())
    assert result.exit_code == 1
    assert "MissingFileError" in result.stderr
    assert result.stderr.rstrip().endswith("verification failed: tile/0/099: missing")


def test_malformed_key_is_an_error_not_a_crash(demo: Demo) -> None:
    message = failure(jointzone("verify-log", demo.tiles, "--key", "not-a-key"))
    assert message.startswith(
        "error: --key: verifier key must be <name>+<8 hex digits>+<base64 key>"
    )


def test_missing_directory(demo: Demo, tmp_path: Path) -> None:
    message = failure(verify(demo, tmp_path / "nowhere"))
    assert "is not a directory" in message
