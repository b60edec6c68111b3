"""Every command, fed hostile files and directories: a clear error, never a traceback, never a hang.

Each command of the CLI has a line in ``COMMANDS`` naming where its inputs go (``{FILE}`` for a
file it reads, ``{DIR}`` for a deployment, ``{TILES}`` for a tiles directory); a test keeps the
table complete, so a new command is fuzzed from the day it is added. Each hostile input is
tried in each place, with everything else valid, and must end with exit status 1 or 2 and a
message, within a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
import typer
from typer.testing import CliRunner

from jointzone.cli import app
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.node import StandaloneNode

from .conftest import REGIME

# One invocation per command; {FILE}, {DIR} and {TILES} are where hostile inputs go.
COMMANDS: dict[str, list[str]] = {
    "init": ["init", "{DIR}", "--regime", "{REGIME}", "--demo-keys"],
    "scenario": ["scenario", "{NEWDIR}", "--scenario", "{FILE}", "--demo-keys"],
    "act propose": [
        "act",
        "propose",
        "{DIR}",
        "{FILE}",
        "--party",
        "japan",
        "--as",
        "jp-registrar",
        "--demo-keys",
    ],
    "act sign": [
        "act",
        "sign",
        "{DIR}",
        "0123456789abcdef",
        "--party",
        "japan",
        "--as",
        "jp-registrar",
        "--key-file",
        "{FILE}",
        "--passphrase-file",
        "{FILE}",
    ],
    "act reject": [
        "act",
        "reject",
        "{DIR}",
        "0123456789abcdef",
        "--party",
        "russia",
        "--as",
        "ru-registrar",
        "--reason",
        "r",
        "--demo-keys",
    ],
    "act show": ["act", "show", "{DIR}", "0123456789abcdef"],
    "act list": ["act", "list", "{DIR}"],
    "act types": ["act", "types"],
    "act template": ["act", "template", "{WORD}"],
    "act schema": ["act", "schema", "{WORD}"],
    "commit": ["commit", "{DIR}", "--demo-keys"],
    "registry": ["registry", "{DIR}", "{WORD}"],
    "log export": ["log", "export", "{DIR}", "--out", "{OUT}"],
    "log demo": ["log", "demo", "--dir", "{DIR}", "--entries", "3"],
    "verify-log": ["verify-log", "{TILES}", "--key", "{VKEY}", "--older", "{FILE}"],
    "audit": ["audit", "{DIR}", "--party", "japan"],
    "check": ["check", "{FILE}"],
    "cert show": ["cert", "show", "{DIR}", "tour19-01"],
    "cert print": ["cert", "print", "{DIR}", "tour19-01", "--out", "{OUT}", "--font", "{FILE}"],
    "cert verify": ["cert", "verify", "--image", "{FILE}", "--trust", "{FILE}", "--key", "{VKEY}"],
    "trust export": ["trust", "export", "{DIR}", "--out", "{OUT}", "--demo-keys"],
    "movements": ["movements", "{DIR}"],
    "keys": ["keys", "{DIR}"],
    "key generate": ["key", "generate", "--out", "{OUT}", "--passphrase-file", "{FILE}"],
    "places": ["places", "{DIR}"],
    # One party's own node: {DIR} is a node's directory for these.
    "node init": [
        "node", "init", "{NEWDIR}", "--party", "japan", "--regime", "{FILE}",
        "--url", "http://127.0.0.1:9", "--demo-keys",
    ],
    "node descriptor": ["node", "descriptor", "{DIR}"],
    "node peer add": ["node", "peer", "add", "{DIR}", "{FILE}", "--joining"],
    "node peer list": ["node", "peer", "list", "{DIR}"],
    "node join-act": ["node", "join-act", "{DIR}", "--out", "{OUT}", "--passphrase-file", "{FILE}"],
    "node serve": ["node", "serve", "{DIR}", "--demo-keys", "--port", "9"],
    "node genesis": [
        "node", "genesis", "--node", "http://127.0.0.1:9", "--root-key", "{FILE}",
        "--passphrase-file", "{FILE}",
    ],
    "node rotate-key": [
        "node", "rotate-key", "--node", "http://127.0.0.1:9", "--root-key", "{FILE}",
        "--passphrase-file", "{FILE}",
    ],
    "node backup": [
        "node", "backup", "{DIR}", "--out", "{OUT}", "--archive-passphrase-file", "{FILE}",
        "--demo-keys",
    ],
    "node status": ["node", "status", "{DIR}"],
    "node restore": ["node", "restore", "{FILE}", "{DIR}", "--demo-keys"],
    "network-demo": [
        "network-demo", "{NEWDIR}", "--scenario", "{FILE}", "--no-serve", "--base-port", "9"
    ],
    "verifier export": [
        "verifier", "export", "{NEWDIR}", "--bundle", "{FILE}", "--descriptor", "{FILE}"
    ],
}  # fmt: skip

VKEY = "jointzone.example/seed-regime/japan+00000000+AQ" + "A" * 42 + "="
DEMO = {"JOINTZONE_PASSPHRASE_JAPAN": "", "JOINTZONE_PASSPHRASE_RUSSIA": ""}


def _walk(group: object, prefix: str = "") -> Iterator[str]:
    commands = getattr(group, "commands", {})
    for name, command in commands.items():
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _walk(command, full + " ")
        else:
            yield full


def test_every_command_is_fuzzed() -> None:
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    assert set(_walk(root)) == set(COMMANDS)


def _hostile_files(base: Path) -> dict[str, Path]:
    base.mkdir()
    files = {
        "missing": base / "missing.yaml",
        "directory": base / "a-directory",
        "empty": base / "empty.yaml",
        "garbage": base / "garbage.bin",
        "not utf-8": base / "latin1.yaml",
        "billion laughs": base / "laughs.yaml",
        "deep json": base / "deep.json",
        "huge integer": base / "huge.yaml",
        "duplicate keys": base / "dupes.yaml",
        "oversized": base / "big.yaml",
        "fifo": base / "fifo",
        "device": Path("/dev/zero"),
    }
    files["directory"].mkdir()
    files["empty"].write_bytes(b"")
    files["garbage"].write_bytes(bytes(range(256)) * 64)
    files["not utf-8"].write_bytes(
        "type: enterprise.register\nnames: {en: Café}\n".encode("latin-1")
    )
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    files["billion laughs"].write_text("\n".join(laughs) + "\n", encoding="utf-8")
    files["deep json"].write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    files["huge integer"].write_text(
        "type: enterprise.register\nvalue: " + "9" * 50_000 + "\n", encoding="utf-8"
    )
    files["duplicate keys"].write_text(
        "type: enterprise.register\ntype: project.approve\n", encoding="utf-8"
    )
    with open(files["oversized"], "wb") as f:
        f.truncate(60_000_000)  # sparse: no disk used, but larger than every limit
    os.mkfifo(files["fifo"])
    return files


def _hostile_dirs(base: Path) -> dict[str, Path]:
    base.mkdir()
    dirs = {
        "missing": base / "nowhere",
        "a file": base / "file",
        "empty": base / "empty",
        "bogus marker": base / "bogus",
        "garbage database": base / "garbage-db",
        "garbage keystore": base / "garbage-keys",
    }
    dirs["a file"].write_text("not a directory\n", encoding="utf-8")
    dirs["empty"].mkdir()
    dirs["bogus marker"].mkdir()
    (dirs["bogus marker"] / "deployment.txt").write_bytes(b"\xff\xfe not a deployment\n")
    for name in ("garbage database", "garbage keystore"):
        d = dirs[name]
        (d / "japan" / "keys").mkdir(parents=True)
        (d / "deployment.txt").write_text(
            "jointzone embedded deployment\njapan\n", encoding="utf-8"
        )
    (dirs["garbage database"] / "japan" / "node.db").write_bytes(
        b"SQLite format 3\x00" + b"\x07" * 4096
    )
    (dirs["garbage database"] / "japan" / "keys" / "keystore.json").write_text(
        json.dumps({"format": "jointzone-keystore/2", "party": "japan", "keys": []}),
        encoding="utf-8",
    )
    (dirs["garbage keystore"] / "japan" / "keys" / "keystore.json").write_text(
        '{"format": "jointzone-keystore/2", "party": ' + "[" * 50_000, encoding="utf-8"
    )
    return dirs


class _HangError(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _HangError


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory, seeded_dir: Path) -> dict[str, object]:
    base = tmp_path_factory.mktemp("hostile")
    zone = base / "zone"
    shutil.copytree(seeded_dir, zone)
    node = base / "node"
    StandaloneNode.init(
        node,
        party="japan",
        regime_dir=REGIME,
        url="http://127.0.0.1:9",
        passphrase=DEMO_PASSPHRASE,
        demo=True,
    )
    return {
        "node": node,
        "files": _hostile_files(base / "files"),
        "dirs": _hostile_dirs(base / "dirs"),
        "zone": zone,
        "base": base,
    }


def _invoke(args: list[str]) -> tuple[int, str]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        result = CliRunner().invoke(app, args, env=DEMO)
    except _HangError:
        pytest.fail(f"hangs: jointzone {' '.join(args)}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"jointzone {' '.join(args)} raised") from result.exception
    return result.exit_code, result.stdout + result.stderr


def _fill(template: list[str], **values: str) -> list[str]:
    return [part.format(**values) if "{" in part else part for part in template]


def _check(args: list[str]) -> None:
    """No traceback and no hang; a failure says why. (Some hostile-looking inputs are fine: an
    empty text to check is neutral, any bytes may be a passphrase.)"""
    code, output = _invoke(args)
    assert "Traceback" not in output, f"jointzone {' '.join(args)}\n{output}"
    assert code in (0, 1, 2), f"jointzone {' '.join(args)} exited {code}\n{output}"
    if code:
        assert output.strip(), f"jointzone {' '.join(args)} failed without a word"


@pytest.mark.parametrize(
    "command", sorted(c for c, t in COMMANDS.items() if "{FILE}" in " ".join(t))
)
def test_hostile_files(command: str, places: dict[str, object]) -> None:
    files = places["files"]
    assert isinstance(files, dict)
    base = places["base"]
    assert isinstance(base, Path)
    for name, path in files.items():
        out = base / f"out-{command.replace(' ', '-')}-{name.replace(' ', '-')}"
        args = _fill(
            COMMANDS[command],
            FILE=str(path),
            DIR=str(places["node"] if command.startswith("node ") else places["zone"]),
            NEWDIR=str(out),
            TILES=str(base),
            OUT=str(out),
            REGIME=str(path),
            VKEY=VKEY,
            WORD="x",
        )
        _check(args)


@pytest.mark.parametrize(
    "command", sorted(c for c, t in COMMANDS.items() if "{DIR}" in " ".join(t) and c != "init")
)
def test_hostile_deployment_directories(command: str, places: dict[str, object]) -> None:
    dirs = places["dirs"]
    files = places["files"]
    assert isinstance(dirs, dict)
    assert isinstance(files, dict)
    base = places["base"]
    assert isinstance(base, Path)
    for name, path in dirs.items():
        if command == "log demo" and name == "empty":
            continue  # an empty directory is where a demo may be made
        args = _fill(
            COMMANDS[command],
            DIR=str(path),
            FILE=str(files["empty"]),
            OUT=str(base / f"out-{name}"),
            VKEY=VKEY,
            WORD="enterprises",
        )
        _check(args)


def test_hostile_words(places: dict[str, object]) -> None:
    for command in ("act template", "act schema", "registry"):
        for word in ("", "no-such-thing", "\x00", "../../etc/passwd", "é" * 10_000):
            _check(_fill(COMMANDS[command], DIR=str(places["zone"]), WORD=word))


def test_hostile_tiles_and_keys(places: dict[str, object]) -> None:
    dirs = places["dirs"]
    assert isinstance(dirs, dict)
    for path in dirs.values():
        _check(["verify-log", str(path), "--key", VKEY])
    for key in (
        "",
        "x",
        "a+b+c",
        VKEY.replace("AQ", "Ag"),
        "+" * 1000,
        "name+00000000+" + "A" * 100_000,
    ):
        _check(["verify-log", str(places["zone"]), "--key", key])
        _check(["audit", str(places["zone"]), "--party", "japan", "--key", key])
