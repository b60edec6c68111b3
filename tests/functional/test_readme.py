"""The README's tour names only commands and options the real CLI has, and runs, line by line,
on a fresh ``init``."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jointzone.cli import app

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(section: str) -> list[str]:
    """The indented command lines of the README section with this heading."""
    text = README.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [
        line.strip().split("  #")[0].strip()
        for line in text.splitlines()
        if line.startswith("    jointzone ")
    ]


LINES = _commands("A short tour")
# A node's commands name hosts of their own: they are checked against the CLI, not run (the
# networked tests run them on loopback).
NODE_LINES = _commands("One party's own node")


def test_the_tour_is_there() -> None:
    assert len(LINES) >= 10


def test_the_node_section_is_there() -> None:
    assert len(NODE_LINES) >= 5


@pytest.mark.parametrize("line", LINES + NODE_LINES)
def test_tour_command_exists_with_its_options(line: str) -> None:
    words = shlex.split(line)[1:]
    path = [w for w in words[:2] if re.fullmatch(r"[a-z][a-z-]*", w)]
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    if len(path) == 2:  # a group and its command: the group's help named the command
        assert path[1] in CliRunner().invoke(app, [path[0], "--help"]).output
    for option in (w for w in words if w.startswith("--")):
        assert option in result.output, f"{' '.join(path)} has no option {option}"


# -- the tour, run --------------------------------------------------------------------------------

PASSPHRASE = "a passphrase of the tour's own\n"
NOTES = "The joint committee met at Furukamappu/Yuzhno-Kurilsk on Kunashiri/Kunashir.\n"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README, re.DOTALL)


def _tour_files(here: Path) -> None:
    """The files the tour names, made from the README's own examples."""
    enterprise, appoint = _yaml_blocks()
    (here / "enterprise.yaml").write_text(enterprise, encoding="utf-8")
    (here / "enterprise-2.yaml").write_text(
        enterprise.replace("jp-demo-fish", "jp-demo-fish-2"), encoding="utf-8"
    )
    (here / "appoint-jp.yaml").write_text(appoint, encoding="utf-8")
    (here / "appoint-ru.yaml").write_text(
        appoint.replace("party: japan", "party: russia").replace("jp-clerk", "ru-clerk"),
        encoding="utf-8",
    )
    for name in ("jp.pass", "ru.pass"):
        (here / name).write_text(PASSPHRASE, encoding="utf-8")
    (here / "notes.txt").write_text(NOTES, encoding="utf-8")


def test_the_tour_runs_on_a_fresh_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _tour_files(tmp_path)
    runner = CliRunner()
    act_id = ""
    vkeys: dict[str, list[str]] = {}
    for line in LINES:
        words = shlex.split(line)[1:]
        if "ACT_ID" in words:
            words[words.index("ACT_ID")] = act_id
        if "VKEY" in words:
            deployment = "demo" if any(w.startswith("demo/") for w in words) else "zone"
            if deployment not in vkeys:
                shown = runner.invoke(app, ["keys", deployment, "--format", "json"])
                records = json.loads(shown.stdout)
                vkeys[deployment] = [r["key"] for r in records if r["kind"] == "node"]
            for vkey in vkeys[deployment]:
                words[words.index("VKEY")] = vkey
        result = runner.invoke(app, words)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        assert "Traceback" not in result.output
        found = re.search(r"act ([0-9a-f]{32})", result.stdout)
        if found is not None:
            act_id = found.group(1)
        made = re.search(r"public key:\s+(\S+)", result.stdout)
        if words[:2] == ["key", "generate"] and made is not None:  # the next appointment
            party = "jp" if "jp.key" in words else "ru"
            path = tmp_path / f"appoint-{party}.yaml"
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("PUBLIC_KEY", made.group(1)), encoding="utf-8")
        if words[:2] == ["cert", "verify"]:
            assert "verdict: VALID" in result.stdout
    listed = runner.invoke(app, ["registry", "zone", "enterprises", "--format", "json"])
    assert "jp-demo-fish" in listed.stdout
    assert "jp-demo-fish-2" not in listed.stdout  # the second one was rejected
