"""``jointzone check FILE|-``: the without-prejudice checker as a linter.

Prints one line per finding — ``file:line:col: rule: message (suggestion: ...)`` — and exits 1
when any finding blocks (attributed quotations do not), 0 when the text is neutral, 2 when the
file or the regime cannot be read. ``--format json`` prints every finding as JSON instead (a
list, written as the findings come).

The text streams: it is read in blocks, decoded as UTF-8 as it comes, and checked section by
section (:func:`jointzone.neutrality.sections` cuts where no sentence or quotation spans the
cut), so memory stays flat however long the file; lines and columns count in the whole file,
and ``start``/``end`` are character offsets in it. Only a regular file is read, or standard
input for ``-``: a FIFO would wait for a writer and /dev/zero never ends. Bytes that are not
UTF-8, or a NUL byte (binary data, not text), stop the check with an error naming the byte
offset (exit 2); the findings before it have been printed, and a JSON list is closed.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal, NoReturn

import typer

from jointzone.inputs import (
    InputError,
    NotUtf8Error,
    UnreadableInputError,
    open_regular,
    source_name,
)
from jointzone.neutrality import Checker, Finding, NeutralityError, sections
from jointzone.node import regime_checker
from jointzone.regime import Regime, RegimeError

_SEED = Path("regimes") / "seed"
_BLOCK = 1 << 20  # bytes read at a time
_STDIN = "-"


def _default_regime() -> Path:
    here = Path.cwd() / _SEED
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / _SEED


def load_checker(regime: Path) -> Checker:
    """The checker of the regime in directory ``regime``: the same one every node gates with."""
    return regime_checker(Regime.from_dir(regime), regime)


def _open(file: str) -> tuple[BinaryIO, str]:
    """The input as a byte stream, and its name for messages."""
    return open_regular(file, what="a text file"), source_name(file)


class _Reader:
    """The stream's text, block by block; a leading byte-order mark is dropped.

    At the first byte that is not text the reader stops, after the good text before it, and
    keeps the error in ``error``: what came before is still checked.
    """

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self.stream = stream
        self.name = name
        self.error: InputError | None = None

    def texts(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")()
        read = 0  # bytes before this block
        lines, column = 0, 0  # of the text decoded so far, for messages
        first = True
        while self.error is None:
            try:
                block = self.stream.read(_BLOCK)
            except OSError as e:
                raise UnreadableInputError(self.name, f"cannot be read: {e.strerror or e}") from e
            nul = block.find(b"\0")
            if nul >= 0:
                self.error = InputError(
                    self.name, "not text: a NUL byte (binary data)", offset=read + nul
                )
                block = block[:nul]
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(block, final=not block or self.error is not None)
            except UnicodeDecodeError as e:
                text = e.object[: e.start].decode("utf-8")
                newline = text.rfind("\n")
                self.error = NotUtf8Error(
                    self.name,
                    f"not UTF-8 text: {e.reason} (byte 0x{e.object[e.start]:02x})",
                    line=lines + text.count("\n") + 1,
                    column=len(text) - newline if newline >= 0 else column + len(text) + 1,
                    offset=read - pending + e.start,
                )
            read += len(block)
            if first and text:
                text = text.removeprefix("\ufeff")
                first = False
            if text:
                newline = text.rfind("\n")
                column = len(text) - newline - 1 if newline >= 0 else column + len(text)
                lines += text.count("\n")
                yield text
            if not block:
                return


def _located(
    checker: Checker, texts: Iterator[str], language: str | None
) -> Iterator[tuple[Finding, int, int, int]]:
    """Each finding with its line, its column and the offset of its section in the whole text."""
    offset = lines = column = 0  # where the section starts
    for section in sections(texts):
        found = checker.check(section, language=language)
        if found:
            starts = [0] + [i + 1 for i in _newlines(section)]
            for f in found:
                k = bisect.bisect_right(starts, f.start) - 1
                col = f.start - starts[k] + 1 + (column if k == 0 else 0)
                yield f, lines + k + 1, col, offset
        newline = section.rfind("\n")
        column = len(section) - newline - 1 if newline >= 0 else column + len(section)
        lines += section.count("\n")
        offset += len(section)


def _newlines(text: str) -> Iterator[int]:
    at = text.find("\n")
    while at >= 0:
        yield at
        at = text.find("\n", at + 1)


def _as_json(f: Finding, line: int, col: int, offset: int) -> dict[str, Any]:
    return {
        "rule": f.rule.value,
        "letter": f.rule.letter,
        "line": line,
        "column": col,
        "start": offset + f.start,
        "end": offset + f.end,
        "words": f.words,
        "message": f.message,
        "suggestion": f.suggestion,
        "language": f.language,
        "party": f.party,
        "attributed": f.attributed,
        "attributed_to": f.attributed_to,
    }


class _JsonList:
    """A JSON list written item by item, laid out as ``json.dumps(items, indent=2)`` would be."""

    def __init__(self) -> None:
        self.empty = True

    def add(self, item: dict[str, Any]) -> None:
        body = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        typer.echo(("[\n  " if self.empty else ",\n  ") + body, nl=False)
        self.empty = False

    def close(self) -> None:
        typer.echo("[]" if self.empty else "\n]")


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
        stream, name = _open(file)
    except (NeutralityError, RegimeError, InputError, OSError) as e:
        _fail(e, verbose)
    blocking = False
    listing = _JsonList() if output_format == "json" else None
    reader = _Reader(stream, name)
    try:
        # standard input is not ours to close
        with stream if file != _STDIN else contextlib.nullcontext(stream):
            for f, line, col, offset in _located(checker, reader.texts(), lang):
                blocking = blocking or f.blocking
                if listing is not None:
                    listing.add(_as_json(f, line, col, offset))
                elif show_attributed or not f.attributed:
                    note = f" [attributed to {f.attributed_to}: allowed]" if f.attributed else ""
                    typer.echo(
                        f"{name}:{line}:{col}: {f.rule.value}: {f.message} "
                        f"(suggestion: {f.suggestion}){note}"
                    )
            if reader.error is not None:
                raise reader.error
    except InputError as e:
        if listing is not None:
            listing.close()
        _fail(e, verbose)
    if listing is not None:
        listing.close()
    if blocking:
        raise typer.Exit(1)


def _fail(e: Exception, verbose: bool) -> NoReturn:
    if verbose:
        raise e
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(2) from None
