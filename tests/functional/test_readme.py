"""The README's tour names only commands and options the real CLI has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jointzone.cli import app

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
LINES = [
    line.strip().split("  #")[0].strip()
    for line in README.splitlines()
    if line.startswith("    jointzone ")  # the tour's indented command lines
]


def test_the_tour_is_there() -> None:
    assert len(LINES) >= 10


@pytest.mark.parametrize("line", LINES)
def test_tour_command_exists_with_its_options(line: str) -> None:
    words = shlex.split(line)[1:]
    path = [w for w in words[:2] if re.fullmatch(r"[a-z][a-z-]*", w)]
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    if len(path) == 2:  # a group and its command: the group's help named the command
        assert path[1] in CliRunner().invoke(app, [path[0], "--help"]).output
    for option in (w for w in words if w.startswith("--")):
        assert option in result.output, f"{' '.join(path)} has no option {option}"
