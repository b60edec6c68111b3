"""The one output layer for every table the command line prints: a table is data first.

A :class:`Rows` is columns (a key, a header already in the reader's language) and rows of plain
values — str, int, bool, None, and lists and str-keyed dicts of them. It is printed one of three
ways, chosen with ``--format`` (:data:`FormatOpt`):

- ``table``: a Rich table for people. Each column may say how it shows a value in words
  (:attr:`Column.show`: a status in the reader's language, a place by every party's names).
  Nothing is cut off with an ellipsis: long text folds, and ids stay whole on one line wherever
  the terminal is wide enough for them (see :func:`to_rich`).
- ``json``: a list of objects keyed by column key, values as they are (numbers stay numbers).
- ``csv``: RFC 4180 through the ``csv`` module, a header row of column keys, CRLF line ends;
  a list or dict value is written as JSON in its cell, so no separator can be mistaken for data.

JSON and CSV are for programs, so they carry the values, not the words: a status is ``active``
and a place in a registry is its ref whatever ``--lang`` says. What a language changes there is
only what is written in it: free text chosen by language (a project's title), or a name the
renderer writes for it.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

import typer
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from jointzone.cli._console import out

Value = str | int | bool | None | list["Value"] | dict[str, "Value"]
Format = Literal["table", "json", "csv"]
FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        help="table: for people; json or csv: for programs (ids and codes, not words).",
    ),
]

# Room a column that wraps needs at the least to stay legible while ids keep their line.
_ROOM = 10
# Columns this narrow are kept on one line too where there is room: a word cut across lines
# ("урегулирова / но") is harder to read than a longer table.
_SHORT = 20


def plain_text(value: Value) -> str:
    """How a value is shown when its column says nothing else."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, list):
        return ", ".join(plain_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain_text(v)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key (JSON and CSV), its header (the table) and how the table shows it.

    ``identifier``: its values are ids, keys or fingerprints that someone copies or compares, so
    the table never cuts them. ``term``: its values are words of a closed vocabulary (statuses,
    kinds, categories), which ``show`` puts in the reader's language.
    """

    key: str
    header: str
    identifier: bool = False
    term: bool = False
    show: Callable[[Value], str] | None = None

    def text(self, value: Value) -> str:
        """The value as the table shows it."""
        if value is None:
            return ""
        return self.show(value) if self.show is not None else plain_text(value)


@dataclass(frozen=True, slots=True)
class Rows:
    """A table as data: its columns and its rows of plain values, one per column each."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...] = ()
    title: str | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"expected distinct column keys, got {keys}")
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"row {i}: expected {len(self.columns)} values (one per column), got {len(row)}"
                )
        object.__setattr__(self, "_index", {k: i for i, k in enumerate(keys)})

    @classmethod
    def of(
        cls,
        columns: Sequence[Column],
        records: Sequence[Mapping[str, Value]],
        *,
        title: str | None = None,
    ) -> Rows:
        """Rows from records keyed by column key; a key a record lacks is None there."""
        known = {c.key for c in columns}
        for record in records:
            extra = set(record) - known
            if extra:
                raise ValueError(f"record has keys no column has: {sorted(extra)}")
        rows = tuple(tuple(r.get(c.key) for c in columns) for r in records)
        return cls(tuple(columns), rows, title)

    def column(self, key: str) -> Column:
        return self.columns[self._index[key]]

    def values(self, key: str) -> list[Value]:
        """Every row's value in column ``key``."""
        i = self._index[key]
        return [row[i] for row in self.rows]

    def records(self) -> list[dict[str, Value]]:
        """Each row as an object keyed by column key: what JSON prints."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


def to_rich(rows: Rows, *, width: int) -> Table:
    """A Rich table for a console ``width`` cells wide; every cell is text, never markup.

    Where the columns cannot all stand side by side with every id whole on its line, each row
    is shown as a block of ``header  value`` lines instead (as psql's expanded display), so an
    id is cut across lines only when it is wider than the terminal itself.
    """
    texts = [[c.text(v) for c, v in zip(rows.columns, row, strict=True)] for row in rows.rows]
    # Terminal cells, not characters: a kanji takes two.
    widths = [
        max([cell_len(c.header), *(cell_len(line) for r in texts for line in r[i].splitlines())])
        for i, c in enumerate(rows.columns)
    ]
    # What the columns' text may fill: each column costs its padding and a rule, the table a rule.
    budget = width - 1 - 3 * len(rows.columns)
    whole = {i for i, c in enumerate(rows.columns) if c.identifier}
    spent = sum(widths[i] for i in whole)

    def rest(but: int | None = None) -> int:
        """The room the columns not kept whole need at the least, to wrap in legibly."""
        return sum(min(w, _ROOM) for j, w in enumerate(widths) if j not in whole and j != but)

    title = Text(rows.title) if rows.title else None
    if spent + rest() <= budget:
        # Then short columns (a status, a date, a time) whole too, the shortest first.
        for i in sorted(set(range(len(widths))) - whole, key=lambda i: widths[i]):
            if widths[i] <= _SHORT and spent + widths[i] + rest(but=i) <= budget:
                whole.add(i)
                spent += widths[i]
        table = Table(title=title)
        for i, c in enumerate(rows.columns):
            # Folding, never an ellipsis: a cut word or id would silently say something else.
            table.add_column(Text(c.header), overflow="fold", no_wrap=i in whole)
        for row_texts in texts:
            table.add_row(*(Text(t) for t in row_texts))
        return table
    headers = max((cell_len(c.header) for c in rows.columns), default=0)
    room = width - min(headers, width // 2) - 7
    table = Table(title=title, show_header=False)
    table.add_column(overflow="fold", style="bold")
    table.add_column(overflow="fold")
    for row_texts in texts:
        for c, t in zip(rows.columns, row_texts, strict=True):
            # A fingerprint's groups stay on one line where they fit, like any id.
            one_line = c.identifier and all(cell_len(line) <= room for line in t.splitlines())
            table.add_row(Text(c.header), Text(t, no_wrap=one_line or None))
        table.add_section()
    return table


def to_json(rows: Rows) -> str:
    return json.dumps(rows.records(), ensure_ascii=False, indent=2)


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def to_csv(rows: Rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.key for c in rows.columns])
    writer.writerows([_cell(v) for v in row] for row in rows.rows)
    return buffer.getvalue()


def emit(rows: Rows, output_format: Format) -> None:
    """Print ``rows`` to standard output in ``output_format``."""
    if output_format == "table":
        out.print(to_rich(rows, width=out.width))
    elif output_format == "json":
        sys.stdout.write(to_json(rows) + "\n")
    else:
        sys.stdout.write(to_csv(rows))
    sys.stdout.flush()
