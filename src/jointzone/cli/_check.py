"""``jointzone check FILE|-``: the without-prejudice checker as a linter.

Prints one line per finding — ``file:line:col: rule: message (suggestion: ...)`` — and exits 1
when any finding blocks (attributed quotations do not), 0 when the text is neutral, 2 when the
file or the regime cannot be read. ``--format json`` prints every finding as JSON instead.
"""

from __future__ import annotations

import bisect
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from jointzone.neutrality import Checker, Finding, NeutralityError
from jointzone.node import regime_checker
from jointzone.regime import Regime, RegimeError

_SEED = Path("regimes") / "seed"


def _default_regime() -> Path:
    here = Path.cwd() / _SEED
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / _SEED


def load_checker(regime: Path) -> Checker:
    """The checker of the regime in directory ``regime``: the same one every node gates with."""
    return regime_checker(Regime.from_dir(regime), regime)


def _position(text: str, line_starts: list[int], offset: int) -> tuple[int, int]:
    line = bisect.bisect_right(line_starts, offset) - 1
    return line + 1, offset - line_starts[line] + 1


def _as_json(f: Finding, line: int, col: int) -> dict[str, Any]:
    return {
        "rule": f.rule.value,
        "letter": f.rule.letter,
        "line": line,
        "column": col,
        "start": f.start,
        "end": f.end,
        "words": f.words,
        "message": f.message,
        "suggestion": f.suggestion,
        "language": f.language,
        "party": f.party,
        "attributed": f.attributed,
        "attributed_to": f.attributed_to,
    }


def check(
    file: Annotated[str, typer.Argument(help="The text to check, or - for standard input.")],
    *,
    output_format: Annotated[
        Literal["text", "json"],
        typer.Option("--format", help="text: one line per finding; json: a list of findings."),
    ] = "text",
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Read the whole text as this language (en, ja, ru)."),
    ] = None,
    regime: Annotated[
        Path | None,
        typer.Option("--regime", help="Regime directory (default: regimes/seed)."),
    ] = None,
    show_attributed: Annotated[
        bool,
        typer.Option("--show-attributed", help="Also list findings in attributed quotations."),
    ] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show tracebacks.")] = False,
) -> None:
    """Check a text for words that take a side: one-sided names, units, terms, claims."""
    try:
        checker = load_checker(regime or _default_regime())
        if file == "-":
            text, name = sys.stdin.read(), "<stdin>"
        else:
            text, name = Path(file).read_text(encoding="utf-8"), file
    except (NeutralityError, RegimeError, OSError, UnicodeDecodeError) as e:
        if verbose:
            raise
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    findings = checker.check(text, language=lang)
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    if output_format == "json":
        rows = [_as_json(f, *_position(text, line_starts, f.start)) for f in findings]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for f in findings:
            if f.attributed and not show_attributed:
                continue
            line, col = _position(text, line_starts, f.start)
            note = f" [attributed to {f.attributed_to}: allowed]" if f.attributed else ""
            typer.echo(
                f"{name}:{line}:{col}: {f.rule.value}: {f.message} "
                f"(suggestion: {f.suggestion}){note}"
            )
    if any(f.blocking for f in findings):
        raise typer.Exit(1)
