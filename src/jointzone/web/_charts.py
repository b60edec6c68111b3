"""Charts as inline SVG: stacked bars (acts per month) and lines (people, a project's figures).

The renderers take plain data — a sequence of ``(x, {series: value})`` rows, ``x`` a month
``YYYY-MM`` or a report's period ``YYYY-MM-DD/YYYY-MM-DD`` — and every word and number shown
comes from the caller: the series' labels, the title, the empty-chart message, a formatter for
numbers (Babel's ``format_decimal`` for the reader's locale) and one for ``x`` (Babel's dates).
So the module needs no web framework and shows nothing in a language of its own.

Each chart also comes with its data as a :class:`Table` of the same formatted strings, for the
page to show as a ``<table>``: a chart is a picture, and a screen reader needs the figures.
Series are told apart by pattern (bars) or by dash and marker shape (lines) as well as by colour,
and values are never floats: integers and decimals stay exact up to the last rounding to SVG
units.

The ``*_per_month`` and :func:`indicators_over_time` functions compute those rows from the
record: from an :class:`~jointzone.acts.State` where its records carry times, and from the
log's committed entries (anything with ``time`` and ``act``, such as
:class:`~jointzone.consent.CommittedEntry`) for acts in general, whose times the state does not
keep.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Protocol

from jointzone import acts
from jointzone.acts._state import Figure
from jointzone.regime import Regime
from jointzone.web._map import SVG_NS, attr, check_id, num, text, text_width

Number = int | Decimal
Row = tuple[str, Mapping[str, Number]]
Format = Callable[[Decimal], str]

WIDTH = 640.0
HEIGHT = 320.0
PANEL_HEIGHT = 200.0

# Okabe-Ito: colours most colour-blind readers tell apart; patterns and shapes tell the rest.
_FILLS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
_LINES = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
_HATCH = 'stroke="#ffffff" stroke-width="1.6"'
_PATTERNS = (
    "",
    f'<path d="M-2 2l4-4M0 8l8-8M6 10l4-4" {_HATCH}/>',
    '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
    f'<path d="M0 4h8" {_HATCH}/>',
    '<path d="M0 0l8 8M8 0l-8 8" stroke="#ffffff" stroke-width="1"/>',
    f'<path d="M4 0v8" {_HATCH}/>',
    f'<path d="M0 0l8 8M-2 6l4 4M6-2l4 4" {_HATCH}/>',
    '<path d="M0 4h8M4 0v8" stroke="#ffffff" stroke-width="1"/>',
)
_DASHES = ("", ' stroke-dasharray="7 4"', ' stroke-dasharray="2 3"', ' stroke-dasharray="9 3 2 3"')
# Point markers centred on (0, 0): circle, square, triangle, diamond, triangle down, cross.
_SHAPES = (
    '<circle r="3.5"/>',
    '<path d="M-3.2-3.2h6.4v6.4h-6.4z"/>',
    '<path d="M0-4.2L3.8 3H-3.8z"/>',
    '<path d="M0-4.5L4.5 0L0 4.5L-4.5 0z"/>',
    '<path d="M0 4.2L3.8-3H-3.8z"/>',
    '<path d="M-4-1.4h2.6v-2.6h2.8v2.6h2.6v2.8h-2.6v2.6h-2.8v-2.6h-2.6z"/>',
)
_INK = "#222222"
_GRID = "#d9d9d9"
_FONT = 11.0


@dataclass(frozen=True, slots=True)
class Table:
    """A chart's data as text: the caption, the header row and one row per ``x``."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart as inline SVG, with the same data as a table for the page to show beside it."""

    svg: str
    table: Table


def plain(value: Decimal) -> str:
    """A number as written in the acts (``12.5``, never ``1.25E+1``): the default formatter."""
    return format(value.normalize(), "f") if value else "0"


def nice_ticks(
    low: Decimal, high: Decimal, *, integer: bool = False, most: int = 5
) -> list[Decimal]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering ``low..high`` and 0.

    With ``integer``, never closer than 1 apart: counts have no half people.
    """
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = low + 1
    raw = (high - low) / most
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integer and step < 1:
        step = Decimal(1)
    first = (low / step).to_integral_value(ROUND_FLOOR) * step
    last = (high / step).to_integral_value(ROUND_CEILING) * step
    count = int((last - first) / step)
    # Written as plainly as they can be (1, not 1.0): ticks reach the formatter and the page.
    return [Decimal(plain(first + k * step)) for k in range(count + 1)]


def _series(rows: Sequence[Row], labels: Mapping[str, str]) -> list[str]:
    """The series shown: those ``labels`` names, in its order, then any others as they come."""
    present = {k for _x, values in rows for k in values}
    out = [k for k in labels if k in present]
    for _x, values in rows:
        out += [k for k in values if k not in out]
    return out


def _svg_open(
    prefix: str, width: float, height: float, title: str, desc: str | None, *, empty: bool
) -> list[str]:
    ids = f"{prefix}-title" + (f" {prefix}-desc" if desc else "")
    parts = [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {num(width)} {num(height)}" role="img" '
        f'aria-labelledby="{ids}" font-family="sans-serif" font-size="{num(_FONT)}"'
        + (' data-empty="true"' if empty else "")
        + ">",
        f'<title id="{prefix}-title">{text(title)}</title>',
    ]
    if desc:
        parts.append(f'<desc id="{prefix}-desc">{text(desc)}</desc>')
    return parts


@dataclass(frozen=True, slots=True)
class _Axis:
    """A value axis: ticks, and the plot's top and bottom in SVG units."""

    ticks: tuple[Decimal, ...]
    top: float
    bottom: float

    def y(self, value: Decimal) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.bottom - float((value - low) / (high - low)) * (self.bottom - self.top)


def _left_margin(ticks: Sequence[Decimal], number: Format) -> float:
    return max(text_width(number(t), _FONT) for t in ticks) + 14


def _y_axis(axis: _Axis, left: float, right: float, number: Format) -> list[str]:
    parts = [f'<g data-axis="y" fill="{_INK}" text-anchor="end">']
    for t in axis.ticks:
        y = num(axis.y(t))
        parts.append(
            f'<line x1="{num(left)}" x2="{num(right)}" y1="{y}" y2="{y}" stroke="{_GRID}"/>'
            f'<text x="{num(left - 6)}" y="{num(axis.y(t) + 4)}" data-tick="{attr(plain(t))}">'
            f"{text(number(t))}</text>"
        )
    parts.append("</g>")
    return parts


def _x_axis(
    keys: Sequence[str], left: float, band: float, y: float, x_label: Callable[[str], str]
) -> list[str]:
    """Labels under each band, thinned to every k-th so none runs into the next."""
    shown = [x_label(k) for k in keys]
    widest = max((text_width(s, _FONT) for s in shown), default=0.0)
    every = max(1, math.ceil((widest + 8) / band)) if band > 0 else 1
    parts = [f'<g data-axis="x" fill="{_INK}" text-anchor="middle">']
    for i, (key, label) in enumerate(zip(keys, shown, strict=True)):
        cx = left + band * (i + 0.5)
        parts.append(
            f'<line x1="{num(cx)}" x2="{num(cx)}" y1="{num(y)}" y2="{num(y + 4)}" stroke="{_INK}"/>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{num(cx)}" y="{num(y + 16)}" data-x="{attr(key)}">{text(label)}</text>'
            )
    parts.append("</g>")
    return parts


_LEGEND_ROW = 18.0


def _legend_places(labels: Sequence[str], left: float, width: float) -> list[tuple[float, int]]:
    """Where each legend entry goes, ``(x, row)``: left to right, wrapping before the edge."""
    out = []
    x, row = left, 0
    for label in labels:
        w = 28 + text_width(label, _FONT) + 16
        if x + w > width - 8 and x > left:
            x, row = left, row + 1
        out.append((x, row))
        x += w
    return out


def _legend_rows(labels: Sequence[str], left: float, width: float) -> int:
    return 1 + max((row for _x, row in _legend_places(labels, left, width)), default=0)


def _legend(entries: Sequence[tuple[str, str]], left: float, top: float, width: float) -> list[str]:
    """Swatch-and-label entries in rows from ``top`` (see :func:`_legend_rows` for the height)."""
    places = _legend_places([label for _symbol, label in entries], left, width)
    parts = ['<g data-legend="true">']
    for (symbol, label), (x, row) in zip(entries, places, strict=True):
        y = top + (row + 0.5) * _LEGEND_ROW
        parts.append(
            f'<g transform="translate({num(x)} {num(y)})">{symbol}'
            f'<text x="28" y="4" fill="{_INK}">{text(label)}</text></g>'
        )
    parts.append("</g>")
    return parts


def _empty(
    prefix: str, title: str, desc: str | None, message: str, *, width: float, height: float
) -> str:
    parts = _svg_open(prefix, width, height, title, desc, empty=True)
    parts.append(
        f'<rect x="0.5" y="0.5" width="{num(width - 1)}" height="{num(height - 1)}" '
        f'fill="none" stroke="{_GRID}"/>'
        f'<text x="{num(width / 2)}" y="{num(height / 2)}" text-anchor="middle" '
        f'font-size="14" fill="{_INK}" data-message="empty">{text(message)}</text></svg>'
    )
    return "".join(parts)


def _decimal(value: Number) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"expected an int or a Decimal, got {value!r}")
    return Decimal(value)


# -- stacked bars ---------------------------------------------------------------------------------


def stacked_bar_chart(
    rows: Sequence[Row],
    *,
    title: str,
    labels: Mapping[str, str],
    x_heading: str,
    empty: str,
    number: Format = plain,
    x_label: Callable[[str], str] = str,
    total: str | None = None,
    desc: str | None = None,
    id_prefix: str = "chart",
    width: float = WIDTH,
    height: float = HEIGHT,
) -> Chart:
    """One bar per row, stacked by series, its total written above it.

    ``labels`` names the series (a series it lacks is shown by its key); ``number`` writes every
    figure and tick, ``x_label`` every row's ``x``. ``total`` heads a totals column in the
    table. Values must be zero or more; with no rows, or only empty ones, the chart says
    ``empty``.
    """
    prefix = check_id(id_prefix)
    series = _series(rows, labels)
    names = [labels.get(s, s) for s in series]
    values = [[_decimal(v.get(s, 0)) for s in series] for _x, v in rows]
    for (x, _v), row in zip(rows, values, strict=True):
        for s, v in zip(series, row, strict=True):
            if v < 0:
                raise ValueError(f"stacked bars need values of 0 or more; {x} {s} is {v}")
    totals = [sum(row, Decimal(0)) for row in values]
    header = (x_heading, *names, *((total,) if total is not None else ()))
    table = Table(
        title,
        header,
        tuple(
            (
                x_label(x),
                *(number(v) for v in row),
                *((number(t),) if total is not None else ()),
            )
            for (x, _v), row, t in zip(rows, values, totals, strict=True)
        ),
    )
    if not rows or not series:
        return Chart(_empty(prefix, title, desc, empty, width=width, height=height), table)

    integer = all(isinstance(v.get(s, 0), int) for _x, v in rows for s in series)
    ticks = nice_ticks(Decimal(0), max(totals), integer=integer)
    left = _left_margin(ticks, number)
    right = width - 12
    legend_top = height - 8 - _LEGEND_ROW * _legend_rows(names, left, width)
    axis = _Axis(tuple(ticks), 16.0, legend_top - 30)
    band = (right - left) / len(rows)
    bar = band * 0.7

    parts = _svg_open(prefix, width, height, title, desc, empty=False)
    parts.append("<defs>")
    for i in range(len(series)):
        parts.append(
            f'<pattern id="{prefix}-s{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{_FILLS[i % len(_FILLS)]}"/>'
            f"{_PATTERNS[(i + i // len(_FILLS)) % len(_PATTERNS)]}</pattern>"
        )
    parts.append("</defs>")
    parts += _y_axis(axis, left, right, number)
    parts.append('<g data-bars="true" stroke="#ffffff" stroke-width="0.8">')
    for i, ((x, _v), row, t) in enumerate(zip(rows, values, totals, strict=True)):
        x0 = left + band * i + (band - bar) / 2
        parts.append(f'<g data-x="{attr(x)}" data-total="{attr(str(t))}">')
        done = Decimal(0)
        for k, (s, v) in enumerate(zip(series, row, strict=True)):
            if v == 0:
                continue
            top, bottom = axis.y(done + v), axis.y(done)
            done += v
            parts.append(
                f'<rect x="{num(x0)}" y="{num(top)}" width="{num(bar)}" '
                f'height="{num(bottom - top)}" fill="url(#{prefix}-s{k})" '
                f'data-series="{attr(s)}" data-value="{attr(str(v))}">'
                f"<title>{text(f'{x_label(x)}, {names[k]}: {number(v)}')}</title></rect>"
            )
        if t > 0:
            parts.append(
                f'<text x="{num(x0 + bar / 2)}" y="{num(axis.y(t) - 4)}" text-anchor="middle" '
                f'stroke="none" fill="{_INK}" data-total-label="true">{text(number(t))}</text>'
            )
        parts.append("</g>")
    parts.append("</g>")
    parts.append(
        f'<line x1="{num(left)}" x2="{num(right)}" y1="{num(axis.y(Decimal(0)))}" '
        f'y2="{num(axis.y(Decimal(0)))}" stroke="{_INK}"/>'
    )
    parts += _x_axis([x for x, _v in rows], left, band, axis.bottom, x_label)
    swatches = [
        (
            f'<rect x="0" y="-7" width="20" height="14" fill="url(#{prefix}-s{i})" stroke="{_INK}" '
            'stroke-width="0.5"/>',
            name,
        )
        for i, name in enumerate(names)
    ]
    parts += _legend(swatches, left, legend_top, width)
    parts.append("</svg>")
    return Chart("".join(parts), table)


# -- lines ----------------------------------------------------------------------------------------


def line_chart(
    rows: Sequence[Row],
    *,
    title: str,
    labels: Mapping[str, str],
    x_heading: str,
    empty: str,
    units: Mapping[str, str] | None = None,
    number: Format = plain,
    x_label: Callable[[str], str] = str,
    desc: str | None = None,
    id_prefix: str = "chart",
    width: float = WIDTH,
) -> Chart:
    """One line per series, with a point per row that has a value; a missing value breaks it.

    Series of different ``units`` (``{series: unit as shown}``) never share an axis: each unit
    gets a panel of its own, one above the other, with the unit written over its axis. A row
    lacking a series leaves a gap in its line and an empty cell in the table.
    """
    prefix = check_id(id_prefix)
    units = units or {}
    series = _series(rows, labels)
    names = [labels.get(s, s) for s in series]
    header = (
        x_heading,
        *(f"{n} ({units[s]})" if units.get(s) else n for s, n in zip(series, names, strict=True)),
    )
    table = Table(
        title,
        header,
        tuple(
            (x_label(x), *(number(_decimal(v[s])) if s in v else "" for s in series))
            for x, v in rows
        ),
    )
    if not rows or not series:
        return Chart(_empty(prefix, title, desc, empty, width=width, height=PANEL_HEIGHT), table)

    panels: dict[str, list[int]] = {}
    for i, s in enumerate(series):
        panels.setdefault(units.get(s, ""), []).append(i)
    keys = [x for x, _v in rows]
    all_ticks = []
    for members in panels.values():
        found = [_decimal(v[series[i]]) for _x, v in rows for i in members if series[i] in v]
        integer = all(
            isinstance(v[series[i]], int) for _x, v in rows for i in members if series[i] in v
        )
        all_ticks.append(nice_ticks(min(found), max(found), integer=integer))
    left = max(_left_margin(t, number) for t in all_ticks)
    right = width - 12
    band = (right - left) / len(rows)
    legend_rows = _legend_rows(names, left, width)
    height = PANEL_HEIGHT * len(panels) + _LEGEND_ROW * legend_rows + 8

    parts = _svg_open(prefix, width, height, title, desc, empty=False)
    for p, ((unit, members), ticks) in enumerate(zip(panels.items(), all_ticks, strict=True)):
        top = p * PANEL_HEIGHT
        axis = _Axis(tuple(ticks), top + 24, top + PANEL_HEIGHT - 30)
        parts.append(f'<g data-panel="{attr(unit)}">')
        if unit:
            parts.append(
                f'<text x="{num(left)}" y="{num(top + 12)}" fill="{_INK}" font-weight="bold" '
                f'data-unit="true">{text(unit)}</text>'
            )
        parts += _y_axis(axis, left, right, number)
        parts.append(
            f'<line x1="{num(left)}" x2="{num(right)}" y1="{num(axis.bottom)}" '
            f'y2="{num(axis.bottom)}" stroke="{_INK}"/>'
        )
        parts += _x_axis(keys, left, band, axis.bottom, x_label)
        for i in members:
            parts += _line(
                i,
                series[i],
                name=names[i],
                rows=rows,
                axis=axis,
                left=left,
                band=band,
                number=number,
                x_label=x_label,
            )
        parts.append("</g>")
    entries = [(_line_symbol(i), name) for i, name in enumerate(names)]
    parts += _legend(entries, left, PANEL_HEIGHT * len(panels), width)
    parts.append("</svg>")
    return Chart("".join(parts), table)


def _line_symbol(i: int) -> str:
    colour = _LINES[i % len(_LINES)]
    return (
        f'<path d="M0 0h20" stroke="{colour}" stroke-width="2"{_DASHES[i % len(_DASHES)]}/>'
        f'<g transform="translate(10 0)" fill="{colour}">{_SHAPES[i % len(_SHAPES)]}</g>'
    )


def _line(
    i: int,
    key: str,
    *,
    name: str,
    rows: Sequence[Row],
    axis: _Axis,
    left: float,
    band: float,
    number: Format,
    x_label: Callable[[str], str],
) -> list[str]:
    colour = _LINES[i % len(_LINES)]
    points: list[tuple[int, float, float, Decimal]] = []
    for k, (_x, v) in enumerate(rows):
        if key in v:
            value = _decimal(v[key])
            points.append((k, left + band * (k + 0.5), axis.y(value), value))
    d = []
    for j, (k, x, y, _value) in enumerate(points):
        joined = j > 0 and points[j - 1][0] == k - 1
        d.append(f"{'L' if joined else 'M'}{num(x)} {num(y)}")
    parts = [
        f'<g data-series="{attr(key)}" fill="{colour}">'
        f'<path d="{"".join(d)}" fill="none" stroke="{colour}" stroke-width="2" '
        f'stroke-linejoin="round"{_DASHES[i % len(_DASHES)]}/>'
    ]
    for k, x, y, value in points:
        x_key = rows[k][0]
        parts.append(
            f'<g transform="translate({num(x)} {num(y)})" data-x="{attr(x_key)}" '
            f'data-value="{attr(str(value))}"><title>'
            f"{text(f'{x_label(x_key)}, {name}: {number(value)}')}</title>"
            f"{_SHAPES[i % len(_SHAPES)]}</g>"
        )
    parts.append("</g>")
    return parts


# -- series from the record -----------------------------------------------------------------------


class Timed(Protocol):
    """A committed entry as far as charts need it: when, and the act's plain data."""

    @property
    def time(self) -> datetime: ...

    @property
    def act(self) -> Mapping[str, Any]: ...


def month_of(moment: datetime) -> str:
    """``YYYY-MM`` of ``moment`` in UTC, the calendar the log's times and sequencer use."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}"


def _months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, so a quiet month shows as one, not as nothing."""
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _by_month(counts: Mapping[str, Mapping[str, int]], series: Sequence[str] = ()) -> list[Row]:
    if not counts:
        return []
    months = _months(min(counts), max(counts))
    return [(month, {**dict.fromkeys(series, 0), **counts.get(month, {})}) for month in months]


def act_family(act_type: str) -> str:
    """What an act is about: ``project`` for ``project.approve``, ``movement`` for manifests."""
    return act_type.split(".", 1)[0]


def acts_per_month(entries: Iterable[Timed]) -> list[Row]:
    """How many acts the log committed each month, by :func:`act_family`, from the first month
    to the last (months with none included, as empty rows)."""
    counts: dict[str, dict[str, int]] = {}
    for e in entries:
        month = counts.setdefault(month_of(e.time), {})
        family = act_family(str(e.act["type"]))
        month[family] = month.get(family, 0) + 1
    return _by_month(counts)


def people_per_month(state: acts.State) -> list[Row]:
    """Per month: ``participants`` enrolled (when the log enrolled them) and ``movements``, the
    people who crossed (a manifest of 44 counts 44), by when they crossed."""
    counts: dict[str, dict[str, int]] = {}
    for p in state.participants.values():
        for event in p.history:
            if event.act_type == "participant.enrol":
                month = counts.setdefault(month_of(event.time), {})
                month["participants"] = month.get("participants", 0) + 1
    for m in state.movements.values():
        month = counts.setdefault(month_of(m.time), {})
        month["movements"] = month.get("movements", 0) + len(m.certificates)
    return _by_month(counts, ("participants", "movements"))


def _total(figure: Figure) -> Number:
    if isinstance(figure, dict):
        return sum((_decimal(v) for v in figure.values()), Decimal(0))
    return _decimal(figure)


def indicators_over_time(state: acts.State, project: str) -> list[Row]:
    """A project's reported figures, one row per report in period order, ``x`` its period as
    ``start/end`` (ISO 8601). A figure broken down (tonnes by species) counts as its total."""
    return [
        (
            f"{r.start.isoformat()}/{r.end.isoformat()}",
            {k: _total(f) for k, f in r.indicators.items()},
        )
        for r in state.reports_of(project)
    ]


def indicator_labels(
    regime: Regime,
    category: str,
    language: str,
    *,
    unit: Callable[[str], str] = str,
) -> tuple[dict[str, str], dict[str, str]]:
    """The category's indicators' names in ``language`` and their units, for :func:`line_chart`.

    Units are the regime's symbols (``t``, ``m2``, ``persons``); ``unit`` shows one as the
    reader's language writes it (through the caller's catalogue, say).
    """
    indicators = regime.category(category).indicators
    return (
        {i.id: i.names.get(language, i.id) for i in indicators},
        {i.id: unit(i.unit) for i in indicators},
    )
