"""``jointzone check``, driven as a user would: real files, standard input, real regime files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from jointzone.cli._check import check
from jointzone.neutrality._sections import SECTION

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "tests" / "data" / "neutrality" / "article_en.txt"
NEUTRAL_LINE = (
    "The committee met again on Tuesday and agreed on a calendar for the next meetings.\n"
)


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


def _json(path: Path | str, regime: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(
        _app(), ["check", str(path), "--format", "json", "--regime", str(regime), *extra]
    )
    return result.exit_code, json.loads(result.stdout)


def test_article_like_a_linter(regime: Path) -> None:
    result = CliRunner().invoke(_app(), ["check", str(ARTICLE), "--regime", str(regime)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{ARTICLE}:20:99: one-sided-name: 'Etorofu' is Japan's name")
    assert lines[0].endswith("(suggestion: Etorofu/Iturup)")
    assert lines[1].startswith(f"{ARTICLE}:20:108: one-sided-name: 'Kunashiri'")
    assert lines[2].startswith(f"{ARTICLE}:20:174: claim-language: 'seized by the Soviet Union'")


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
    assert (row["start"], row["end"]) == (19, 26)
    assert row["suggestion"] == "Итурупе/Эторофу"
    assert row["attributed"] is False


def test_neutral_json_is_an_empty_list(regime: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["check", "-", "--format", "json", "--regime", str(regime)], input="Hello.\n"
    )
    assert (result.exit_code, json.loads(result.output)) == (0, [])


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
    assert "missing.txt: file not found" in result.output
    (regime / "neutrality.yaml").write_text("version: 1\nparties: 3\n", encoding="utf-8")
    result = CliRunner().invoke(_app(), ["check", "-", "--regime", str(regime)], input="x")
    assert result.exit_code == 2
    assert "neutrality.yaml" in result.output
    assert "parties: expected a mapping" in result.output


# -- typography: line and column of the text as written -----------------------------------
@pytest.mark.parametrize(
    ("written", "rule"),
    [
        ("Kur\u0456l Islands", "one-sided-term"),
        ("K\u0443p\u0438\u043b\u044c\u0441\u043a\u0438\u0435 острова", "one-sided-term"),
        ("Northern\u00a0Territories", "one-sided-term"),
        ("North\u200bern Territories", "one-sided-term"),
        ("Sou\u00adthern Kurils", "one-sided-term"),
        (
            "\uff2b\uff55\uff52\uff49\uff4c \uff29\uff53\uff4c\uff41\uff4e\uff44\uff53",
            "one-sided-term",
        ),
        ("北方\u200b領土", "one-sided-term"),
        ("Northern\nTerritories", "one-sided-term"),
        ("\u0399turup", "one-sided-name"),
    ],
)
def test_typography_is_seen_through_and_reported_where_written(
    regime: Path, tmp_path: Path, written: str, rule: str
) -> None:
    # an invisible character and a no-break space before it, so that columns would drift
    path = tmp_path / "minutes.txt"
    path.write_text(f"Minutes.\n\u200bItem\u00a0two: {written} again.\n", encoding="utf-8")
    code, rows = _json(path, regime)
    assert code == 1
    (row,) = rows
    assert (row["rule"], row["words"], row["line"], row["column"]) == (rule, written, 2, 12)
    text = path.read_text(encoding="utf-8")
    assert text[row["start"] : row["end"]] == written


# -- streaming --------------------------------------------------------------------------------
def test_long_text_is_checked_in_sections_with_whole_file_positions(
    regime: Path, tmp_path: Path
) -> None:
    lines = [NEUTRAL_LINE] * 10 + ["The team landed on Iturup.\n"]
    while sum(map(len, lines)) + len(NEUTRAL_LINE) < SECTION - 20:
        lines.append(NEUTRAL_LINE)
    lines.append("-" * (SECTION - 10 - sum(map(len, lines)) - 2) + ".\n")
    # A quotation over two lines where the first section would end: cut inside it, neither
    # section would see it whole, and its second sentence would not read as about the islands.
    at = len(lines)
    lines += ["«The Northern Territories are far.\n", "They are Japanese land», he wrote.\n"]
    lines += [NEUTRAL_LINE] * (2 * SECTION // len(NEUTRAL_LINE))
    lines += ["Russia's Kunashir has a port.\n", NEUTRAL_LINE]
    text = "".join(lines)
    assert len(text) > 3 * SECTION
    assert text.index("«") < SECTION < text.index("far.\n")
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    code, rows = _json(path, regime)
    assert code == 1
    assert [(r["words"], r["line"], r["column"]) for r in rows] == [
        ("Iturup", 11, 20),
        ("Northern Territories", at + 1, 6),
        ("are Japanese land", at + 2, 6),
        ("Russia's Kunashir", len(lines) - 1, 1),
    ]
    for r in rows:
        assert text[r["start"] : r["end"]] == r["words"]


def test_non_utf8_input_names_the_file_and_byte(regime: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("The team landed on Iturup.\nCaf\u00e9 ".encode() + b"\xff\xfe.\n")
    result = CliRunner().invoke(_app(), ["check", str(path), "--regime", str(regime)])
    assert result.exit_code == 2
    assert f"error: {path}: line 2, column 6 (byte offset 33): not UTF-8 text" in result.output
    assert "Traceback" not in result.output
    # what came before the bad byte was checked
    assert f"{path}:1:20: one-sided-name" in result.output


def test_non_utf8_input_still_closes_the_json_list(regime: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"Kunashir.\n\x80")
    result = CliRunner().invoke(
        _app(), ["check", str(path), "--format", "json", "--regime", str(regime)]
    )
    assert result.exit_code == 2
    assert [r["words"] for r in json.loads(result.stdout)] == ["Kunashir"]
    assert "byte offset 10" in result.stderr


def test_nul_byte_on_stdin_is_refused_as_binary(regime: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["check", "-", "--regime", str(regime)], input=b"text\x00\x00\x00"
    )
    assert result.exit_code == 2
    assert "error: <stdin>: byte offset 4: not text: a NUL byte" in result.output


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), (".", "a directory")]
)
def test_non_regular_files_are_refused(regime: Path, path: str, kind: str) -> None:
    result = CliRunner().invoke(_app(), ["check", path, "--regime", str(regime)])
    assert result.exit_code == 2
    assert f"error: {path}: expected a text file, a regular file; found {kind}" in result.output


def test_fifo_is_refused_without_waiting_for_a_writer(regime: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done: list[Result] = []
    thread = threading.Thread(
        target=lambda: done.append(
            CliRunner().invoke(_app(), ["check", str(fifo), "--regime", str(regime)])
        ),
        daemon=True,
    )
    thread.start()
    thread.join(timeout=60)
    if thread.is_alive():  # unblock the reader before failing, or the run hangs here
        with open(fifo, "wb"):
            pass
        pytest.fail("check waited on a FIFO")
    (result,) = done
    assert result.exit_code == 2
    assert "found a named pipe (FIFO)" in result.output


_PEAK = """
import resource, sys
import typer
from jointzone.cli._check import check
app = typer.Typer()
app.command()(check)
try:
    app([sys.argv[1], "--regime", sys.argv[2]], standalone_mode=False)
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kib(path: Path, regime: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path), str(regime)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return int(out.stdout.splitlines()[-1])


def test_memory_stays_flat_however_long_the_text(regime: Path, tmp_path: Path) -> None:
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text(NEUTRAL_LINE * (1_000_000 // len(NEUTRAL_LINE)), encoding="utf-8")
    large.write_text(NEUTRAL_LINE * (12_000_000 // len(NEUTRAL_LINE)), encoding="utf-8")
    # twelve times the text; read whole, it alone (and its folded copy) would take 24 MB more
    assert _peak_rss_kib(large, regime) - _peak_rss_kib(small, regime) < 12_000
