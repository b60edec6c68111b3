"""The CLI as one party's officials use it: from any directory, with their own passphrase only,
with an official's own key file, and with commands that run at the same time.

Each test runs the real ``jointzone`` command in a subprocess, in a working directory that holds
no regime, with only the environment the test gives it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import KEYS

JAPAN = {"JOINTZONE_PASSPHRASE_JAPAN": KEYS["japan"].decode()}
RUSSIA = {"JOINTZONE_PASSPHRASE_RUSSIA": KEYS["russia"].decode()}


def run(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("JOINTZONE_PASSPHRASE")}
    return subprocess.run(
        [sys.executable, "-m", "jointzone", *map(str, args)],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=300,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def fails(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr


@pytest.fixture
def zone(seeded_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "zone"
    shutil.copytree(seeded_dir, root)
    return root


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory with no regime and no scenario in it."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


def _act(path: Path, name: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "enterprise.register",
                "enterprise": name,
                "party": "japan",
                "categories": ["tourism"],
                "names": {"ja": "一党試験株式会社", "en": "One Party Trial Co."},
                "registered_address": {"place": "nemuro-port"},
            }
        ),
        encoding="utf-8",
    )
    return path


def propose(zone: Path, act: Path, env: dict[str, str], cwd: Path | None = None) -> str:
    """Propose ``act`` at Japan's node as its registrar; the new act's id."""
    out = ok(
        run(
            "act",
            "propose",
            zone,
            act,
            "--party",
            "japan",
            "--as",
            "jp-registrar",
            env=env,
            cwd=cwd,
        )
    )
    return _act_id(out)


def _act_id(output: str) -> str:
    match = re.search(r"act ([0-9a-f]{32})", output)
    assert match is not None, output
    return match.group(1)


def test_read_only_commands_need_no_passphrase_and_no_regime_files(
    zone: Path, elsewhere: Path
) -> None:
    registry = ok(run("registry", zone, "enterprises", cwd=elsewhere))
    assert "jp-" in registry
    ok(run("act", "list", zone, "--status", "rejected", cwd=elsewhere))
    keys = json.loads(ok(run("keys", zone, "--format", "json", cwd=elsewhere)))
    node_keys = [k for k in keys if k["kind"] == "node"]
    assert [k["party"] for k in node_keys] == ["japan", "russia"]
    assert node_keys[0]["key"].startswith("jointzone.example/seed-regime/japan+")
    assert all(len(k["fingerprint"].split()) == 8 for k in keys)


def test_acting_for_japan_needs_japans_passphrase_alone(zone: Path, elsewhere: Path) -> None:
    act = _act(elsewhere / "act.json", "jp-one-party")
    act_id = propose(zone, act, JAPAN, cwd=elsewhere)
    # Russia signs with Russia's passphrase alone: consent is complete, but Japan's node (the
    # sequencer this month) is locked, so the answer says why nothing was committed.
    signed = ok(
        run(
            "act",
            "sign",
            zone,
            act_id,
            "--party",
            "russia",
            "--as",
            "ru-registrar",
            env=RUSSIA,
            cwd=elsewhere,
        )
    )
    assert "consent complete" in signed
    assert "has consent but was not committed" in signed
    assert "japan is locked" in signed
    # A command with every node's key commits it.
    committed = ok(run("commit", zone, env={**JAPAN, **RUSSIA}, cwd=elsewhere))
    assert "sequenced 1 act(s)" in committed


def test_acting_for_japan_without_its_passphrase_says_which_is_missing(zone: Path) -> None:
    act = _act(zone.parent / "act.json", "jp-no-key")
    message = fails(
        run("act", "propose", zone, act, "--party", "japan", "--as", "jp-registrar", env=RUSSIA)
    )
    assert "keystore of party japan" in message
    assert "locked" in message
    assert "JOINTZONE_PASSPHRASE_JAPAN" in message


def test_passphrase_file_opens_the_acting_partys_keystore(zone: Path, tmp_path: Path) -> None:
    secret = tmp_path / "japan.pass"
    secret.write_text(KEYS["japan"].decode() + "\n", encoding="utf-8")
    act = _act(tmp_path / "act.json", "jp-from-file")
    out = ok(
        run(
            "act",
            "propose",
            zone,
            act,
            "--party",
            "japan",
            "--as",
            "jp-registrar",
            "--passphrase-file",
            secret,
        )
    )
    assert "proposed act" in out


def test_signing_twice_says_nothing_was_added(zone: Path, tmp_path: Path) -> None:
    act = _act(tmp_path / "act.json", "jp-twice")
    act_id = propose(zone, act, JAPAN)
    again = ok(
        run("act", "sign", zone, act_id, "--party", "japan", "--as", "jp-registrar", env=JAPAN)
    )
    assert "nothing added" in again
    assert "signed act" not in again


def test_an_official_is_added_end_to_end_with_a_key_of_their_own(
    zone: Path, tmp_path: Path
) -> None:
    passphrase = tmp_path / "official.pass"
    passphrase.write_text("a long passphrase of my own\n", encoding="utf-8")
    key = tmp_path / "jp-new.key"
    made = ok(run("key", "generate", "--out", key, "--passphrase-file", passphrase))
    public = re.search(r"public key:\s+(\S+)", made)
    assert public is not None
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    appoint = tmp_path / "appoint.json"
    appoint.write_text(
        json.dumps(
            {
                "type": "official.appoint",
                "party": "japan",
                "official": "jp-new",
                "display_name": "Demo Registrar J9",
                "roles": ["registrar"],
                "public_key": public.group(1),
            }
        ),
        encoding="utf-8",
    )
    both = {**JAPAN, **RUSSIA}
    act_id = _act_id(
        ok(
            run(
                "act",
                "propose",
                zone,
                appoint,
                "--party",
                "japan",
                "--as",
                "japan-root-1",
                env=both,
            )
        )
    )
    assert "committed act" in ok(
        run("act", "sign", zone, act_id, "--party", "japan", "--as", "japan-root-2", env=both)
    )
    # The new official signs with the key file; the node holds no key of theirs.
    act = _act(tmp_path / "act.json", "jp-by-new-official")
    proposed = ok(
        run(
            "act",
            "propose",
            zone,
            act,
            "--party",
            "japan",
            "--as",
            "jp-new",
            "--key-file",
            key,
            "--passphrase-file",
            passphrase,
        )
    )
    assert "russia: 0 of 1" in proposed
    assert not (zone / "japan" / "keys" / "official-jp-new.pem").exists()


def test_eight_parallel_signs_and_commits_all_land(zone: Path, tmp_path: Path) -> None:
    both = {**JAPAN, **RUSSIA}
    ids = [
        propose(zone, _act(tmp_path / f"act{i}.json", f"jp-parallel-{i}"), JAPAN) for i in range(4)
    ]
    commands: list[tuple[str | Path, ...]] = [
        ("act", "sign", zone, i, "--party", "russia", "--as", "ru-registrar") for i in ids
    ]
    commands += [("commit", zone)] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda c: run(*c, env=both), commands))
    for result in results:
        ok(result)
    listed = json.loads(ok(run("act", "list", zone, "--status", "committed", "--format", "json")))
    committed = {r["act"] for r in listed}
    assert set(ids) <= committed
    for party in ("japan", "russia"):
        audit = ok(run("audit", zone, "--party", party))
        assert audit.startswith(f"ok: node {party}")


# -- audit ------------------------------------------------------------------------------------


def _vkeys(zone: Path) -> list[str]:
    keys = json.loads(ok(run("keys", zone, "--format", "json")))
    return [k["key"] for k in keys if k["kind"] == "node"]


def test_audit_prints_the_fingerprints_and_root_as_verify_log_does(
    zone: Path, tmp_path: Path
) -> None:
    japan, russia = _vkeys(zone)
    out = ok(run("audit", zone, "--party", "russia", "--key", japan, "--key", russia))
    root = re.search(r"root (\S+),", out)
    assert root is not None
    tiles = tmp_path / "tiles"
    ok(run("log", "export", zone, "--party", "russia", "--out", tiles))
    verified = ok(run("verify-log", tiles, "--key", japan, "--key", russia))
    assert f"root {root.group(1)}," in verified
    assert f"node key of japan: {japan}" in out
    assert "(pinned)" in out


def test_audit_refuses_pins_the_genesis_does_not_declare(zone: Path) -> None:
    japan, _ = _vkeys(zone)
    stranger = "jointzone.example/seed-regime/russia+00000000+AQ" + "A" * 42 + "="
    message = fails(run("audit", zone, "--party", "japan", "--key", japan, "--key", stranger))
    assert "--key" in message


def test_audit_catches_a_rollback_below_the_last_checkpoint_the_node_signed(
    zone: Path, seeded_dir: Path, tmp_path: Path
) -> None:
    # Last night's backup of Russia's database, then a round, then the backup restored.
    backup = tmp_path / "russia-node.db"
    shutil.copyfile(zone / "russia" / "node.db", backup)
    act = _act(tmp_path / "act.json", "jp-after-backup")
    both = {**JAPAN, **RUSSIA}
    act_id = propose(zone, act, both)
    ok(run("act", "sign", zone, act_id, "--party", "russia", "--as", "ru-registrar", env=both))
    shutil.copyfile(backup, zone / "russia" / "node.db")
    message = fails(run("audit", zone, "--party", "russia"))
    assert "rolled back" in message


def test_audit_catches_an_emptied_checkpoint_table(zone: Path) -> None:
    con = sqlite3.connect(zone / "japan" / "node.db")
    with con:
        con.execute("DELETE FROM log_checkpoints")
    con.close()
    message = fails(run("audit", zone, "--party", "japan"))
    assert "emptied" in message or "rolled back" in message
