"""``jointzone check``, driven as a user would: real files, standard input, real regime files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jointzone.cli._check import check

ROOT = Path(__file__).resolve().parents[2]
SEED_ARTICLE = ROOT.parent / "shared" / "seed" / "000_b55a41451c196620.txt"


def _app() -> typer.Typer:
    # The command as `jointzone check` registers it (src/jointzone/cli/__init__.py).
    app = typer.Typer()
    app.command(name="check")(check)

    @app.callback()
    def main() -> None:
        """jointzone"""

    return app


@pytest.fixture
def regime(tmp_path: Path) -> Path:
    """A copy of the seed regime's directory, free to be broken by a test."""
    return Path(shutil.copytree(ROOT / "regimes" / "seed", tmp_path / "seed"))


def test_seed_article_like_a_linter(regime: Path) -> None:
    result = CliRunner().invoke(_app(), ["check", str(SEED_ARTICLE), "--regime", str(regime)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{SEED_ARTICLE}:25:92: one-sided-name: 'Etorofu' is Japan's name")
    assert lines[0].endswith("(suggestion: Etorofu/Iturup)")
    assert ": claim-language: 'seized by the Soviet Union'" in lines[2]


def test_neutral_text_exits_zero(regime: Path, tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("Greenhouses on Etorofu/Iturup yielded 4 t.\n", encoding="utf-8")
    result = CliRunner().invoke(_app(), ["check", str(path), "--regime", str(regime)])
    assert result.exit_code == 0, result.output
    assert result.output == ""


def test_stdin_json_and_lines(regime: Path) -> None:
    text = "Проект одобрен.\nНа Итурупе построят теплицы.\n"
    result = CliRunner().invoke(
        _app(), ["check", "-", "--format", "json", "--regime", str(regime)], input=text
    )
    assert result.exit_code == 1
    (row,) = json.loads(result.output)
    assert (row["rule"], row["line"], row["column"], row["words"]) == (
        "one-sided-name",
        2,
        4,
        "Итурупе",
    )
    assert row["suggestion"] == "Итурупе/Эторофу"
    assert row["attributed"] is False


def test_lang_forces_the_language(regime: Path) -> None:
    result = CliRunner().invoke(
        _app(),
        ["check", "-", "--format", "json", "--lang", "ja", "--regime", str(regime)],
        input="Kunashir.",
    )
    assert json.loads(result.output)[0]["language"] == "ja"


def test_attributed_quotations_pass_and_can_be_shown(regime: Path) -> None:
    text = 'The Russian delegation said: "The Southern Kurils are Russian territory."\n'
    plain = CliRunner().invoke(_app(), ["check", "-", "--regime", str(regime)], input=text)
    assert (plain.exit_code, plain.output) == (0, "")
    shown = CliRunner().invoke(
        _app(), ["check", "-", "--show-attributed", "--regime", str(regime)], input=text
    )
    assert shown.exit_code == 0
    assert "[attributed to russia: allowed]" in shown.output


def test_bad_regime_and_missing_file_exit_two(regime: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["check", str(tmp_path / "missing.txt"), "--regime", str(regime)]
    )
    assert result.exit_code == 2
    (regime / "neutrality.yaml").write_text("version: 1\nparties: 3\n", encoding="utf-8")
    result = CliRunner().invoke(_app(), ["check", "-", "--regime", str(regime)], input="x")
    assert result.exit_code == 2
    assert "neutrality.yaml" in result.output
    assert "parties: expected a mapping" in result.output
