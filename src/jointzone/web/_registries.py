"""The registries as pages: each a table to search, filter, sort and page through, or to take
away whole as CSV or JSON; each certificate with its QR code and its printable card.

The tables are the command line's (:func:`~jointzone.cli._registries.registry_rows`): the same
columns, headed in the same words from the same catalogue, statuses, parties and categories by
the same names, places only through the one renderer with every party's names in the regime's
order for the reader's language. This module only chooses which rows to show and how to lay
them out, from the query:

- ``q``: every word of it (at most :data:`MAX_QUERY` characters) found in some cell of the row,
  as the table shows it or as the log holds it, letter case and character width aside (NFKC,
  casefolded), so ``ｔｏｕｒ１９`` finds ``tour19``;
- a filter per column of a closed vocabulary (:attr:`~jointzone.cli._output.Column.term`:
  statuses, parties, categories, kinds, directions), named by the column's key and a value as
  the log holds it: ``?status=revoked``, ``?party=russia``, ``?category=tourism``;
- ``sort`` (a column's key) and ``order`` (``asc`` or ``desc``);
- ``page`` (from 1) and ``per`` (rows a page, :data:`DEFAULT_PER` unless given, at most
  :data:`MAX_PER`).

A page past the last shows no rows and says which page is the last. The exports take the same
query and give every row it matches, not one page: CSV for people (headers in the reader's
language, cells as the table shows them, UTF-8 with a byte order mark so spreadsheets read
Japanese and Cyrillic), JSON for programs (objects keyed by the columns' stable keys, values as
the log holds them, as ``jointzone registry --format json`` prints them).
"""

from __future__ import annotations

import csv
import io
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape as _escape
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from jointzone import acts, trust
from jointzone.cli._card import card_pdf, find_font
from jointzone.cli._certs import _pending as pending_movements
from jointzone.cli._output import Column, Rows, Value, plain_text, to_json
from jointzone.cli._registries import REGISTRIES, View, proposals_rows, registry_rows
from jointzone.cli.errors import CliError
from jointzone.credentials import Certificate
from jointzone.node import Node, NodeError
from jointzone.server import _heap
from jointzone.web import _pages
from jointzone.web._i18n import Language
from jointzone.web._labels import N_
from jointzone.web._render import ActView

if TYPE_CHECKING:
    from jointzone.web._pages import Pages

#: The longest search text taken.
MAX_QUERY = 200
#: Rows a page shows unless ``per`` says otherwise, and the most it may say.
DEFAULT_PER = 50
MAX_PER = 500
#: What the page offers for ``per``.
PER_CHOICES = (25, 50, 100, 200, 500)
#: The longest filter value taken (a value as the log holds it: an id or a word).
MAX_VALUE = 200
#: The query's own parameters, never a column's filter.
_RESERVED = frozenset({"q", "page", "per", "sort", "order", "lang"})
#: A list of ids a cell shows folded, under the table's own short form, beyond this many.
_FOLD = 3

#: Each registry's title and what it holds, in the order the index lists them.
TITLES: dict[str, tuple[str, str]] = {
    "officials": (
        N_("Officials"),
        N_("The officials each party appointed, with their roles."),
    ),
    "enterprises": (
        N_("Enterprises"),
        N_("The enterprises registered to take part, with their registered addresses."),
    ),
    "participants": (
        N_("Participants"),
        N_("The people enrolled to work on the joint activities, by enterprise."),
    ),
    "projects": (
        N_("Projects"),
        N_("The joint projects, by category, with their sites and each party's enterprises."),
    ),
    "reports": (
        N_("Reports"),
        N_("The projects' reports, with the figures of each indicator."),
    ),
    "decisions": (
        N_("Decisions"),
        N_("The joint committee's decisions, by meeting."),
    ),
    "incidents": (
        N_("Incidents"),
        N_("Incidents reported in the zone, and how they were resolved."),
    ),
    "certificates": (
        N_("Certificates"),
        N_("Participant certificates, each with its QR code and printable card."),
    ),
    "movements": (
        N_("Movements"),
        N_("Crossings into and out of the zone, and those still awaiting a party's signature."),
    ),
}
assert set(TITLES) == set(REGISTRIES), "every registry needs a title"

#: Where a column's ids lead, by column key.
_LINKS = {
    "certificate": "/registries/certificates/{}",
    "certificates": "/registries/certificates/{}",
    "act": "/acts/{}",
}
#: What a pending movement's proposal has not yet: a log position, complete consent.
_NOT_PENDING = frozenset({"position", "consent"})
_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _refuse(status: int, message: str) -> NoReturn:
    # PageError lives with the app that answers it, which imports this module first.
    raise _pages.PageError(status, message)


def fold(text: str) -> str:
    """``text`` as search compares it: NFKC, casefolded."""
    return unicodedata.normalize("NFKC", text).casefold()


# -- the query ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """What the reader asked of one registry (see the module docstring)."""

    text: str
    filters: Mapping[str, str]
    sort: str | None
    descending: bool
    page: int
    per: int

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(fold(self.text).split())

    @property
    def narrowed(self) -> bool:
        return bool(self.words or self.filters)

    def params(
        self, *, page: int | None = None, sort: str | None = None, paged: bool = True
    ) -> list[tuple[str, str]]:
        """The query string's pairs, with ``page`` or ``sort`` changed; without ``page`` and
        ``per`` unless ``paged``. Sorting by a column again reverses it, and starts at page 1."""
        out = [("q", self.text)] if self.text else []
        out += sorted(self.filters.items())
        if sort is not None:
            descending = sort == self.sort and not self.descending
            out += [("sort", sort), ("order", "desc" if descending else "asc")]
            page = 1
        elif self.sort is not None:
            out += [("sort", self.sort), ("order", "desc" if self.descending else "asc")]
        if paged:
            if self.per != DEFAULT_PER:
                out.append(("per", str(self.per)))
            page = self.page if page is None else page
            if page != 1:
                out.append(("page", str(page)))
        return out

    def href(self, path: str, *, page: int | None = None, sort: str | None = None) -> str:
        """``path`` with this query, ``page`` or ``sort`` changed (see :meth:`params`)."""
        query = urlencode(self.params(page=page, sort=sort))
        return f"{path}?{query}" if query else path


def _number(params: Mapping[str, str], name: str, default: int, lang: Language) -> int:
    given = params.get(name)
    if given is None or given == "":
        return default
    if not (given.isascii() and given.isdigit() and len(given) <= 9) or int(given) < 1:
        _refuse(
            400,
            lang.gettext(N_("%(name)s: expected a whole number from 1, got “%(given)s”."))
            % {"name": name, "given": given[:40]},
        )
    return int(given)


def read_query(params: Mapping[str, str], rows: Rows, lang: Language) -> Query:
    """The query of ``params`` for ``rows``, every part checked (400 for what is out of bounds)."""
    text = params.get("q", "")
    if len(text) > MAX_QUERY:
        _refuse(
            400,
            lang.gettext(
                N_("The search text is too long: at most %(most)s characters, got %(got)s.")
            )
            % {"most": lang.number(MAX_QUERY), "got": lang.number(len(text))},
        )
    filters = {}
    for column in rows.columns:
        filtering = column.term and column.key not in _RESERVED
        value = params.get(column.key, "") if filtering else ""
        if len(value) > MAX_VALUE:
            _refuse(
                400,
                lang.gettext(N_("%(name)s: a filter's value has at most %(most)s characters."))
                % {"name": column.header, "most": lang.number(MAX_VALUE)},
            )
        if value:
            filters[column.key] = value
    sort = params.get("sort") or None
    keys = [c.key for c in rows.columns]
    if sort is not None and sort not in keys:
        _refuse(
            400,
            lang.gettext(N_("sort: expected one of the columns %(keys)s, got “%(given)s”."))
            % {"keys": ", ".join(keys), "given": sort[:40]},
        )
    order = params.get("order") or "asc"
    if order not in ("asc", "desc"):
        _refuse(400, lang.gettext(N_("order: expected asc or desc.")))
    per = min(_number(params, "per", DEFAULT_PER, lang), MAX_PER)
    page = _number(params, "page", 1, lang)
    return Query(text.strip(), filters, sort, order == "desc", page, per)


# -- choosing the rows ----------------------------------------------------------------------------


def _values(value: Value) -> list[str]:
    """The words a cell holds, one each: a list's items, or the value itself."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _haystack(rows: Rows, row: Sequence[Value]) -> str:
    """A row's cells as the table shows them and as the log holds them, folded for search."""
    parts = []
    for column, value in zip(rows.columns, row, strict=True):
        parts += [column.text(value), plain_text(value)]
    return fold("\n".join(parts))


def _sort_key(column: Column, value: Value) -> tuple[int, int, str]:
    """Empty cells last; numbers (log positions) by number; the rest by what the table shows."""
    if value is None or value in ("", []):
        return (1, 0, "")
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value, "")
    return (0, 0, fold(column.text(value)))


def matching(rows: Rows, query: Query) -> Rows:
    """The rows that every word of the query and every filter find, sorted as asked."""
    words = query.words
    if not words and not query.filters and query.sort is None:
        return rows  # a registry as it opens: every row, in the log's order
    index = {c.key: i for i, c in enumerate(rows.columns)}
    kept = []
    for row in rows.rows:
        if any(query.filters[k] not in _values(row[index[k]]) for k in query.filters):
            continue
        if words:
            haystack = _haystack(rows, row)
            if not all(w in haystack for w in words):
                continue
        kept.append(row)
    if query.sort is not None:
        i = index[query.sort]
        column = rows.columns[i]
        kept.sort(key=lambda r: _sort_key(column, r[i]), reverse=query.descending)
        if query.descending:  # empty cells stay last either way
            kept.sort(key=lambda r: r[i] is None or r[i] in ("", []))
    return Rows(rows.columns, tuple(kept), rows.title)


# -- what the page shows --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filter:
    """A ``<select>`` of the form: a column of a closed vocabulary and the values it holds."""

    key: str
    label: str
    options: tuple[tuple[str, str], ...]  # (as the log holds it, as the reader reads it)
    chosen: str


def filters(rows: Rows, query: Query, regime_order: Mapping[str, Sequence[str]]) -> list[Filter]:
    """A filter per term column (but one named as a query parameter), offering the values the
    registry holds: parties and categories in the regime's order (for parties, the order for
    the reader's language), the rest by the words the reader reads."""
    out = []
    values = _held(rows)
    for i, column in enumerate(rows.columns):
        if not column.term or column.key in _RESERVED:
            continue
        held = values[i]
        for known in regime_order.values():
            if held and held <= set(known):
                ranked = [v for v in known if v in held]
                break
        else:
            ranked = sorted(held, key=lambda v: fold(column.text(v)))
        options = tuple((v, column.text(v)) for v in ranked)
        out.append(Filter(column.key, column.header, options, query.filters.get(column.key, "")))
    return out


#: The values each filtered column of a registry holds, by its rows (kept beside them, so an
#: id names one object): every page of a registry offers them, and they change only with the log.
_HELD: dict[int, tuple[Rows, tuple[frozenset[str], ...]]] = {}
_HELD_MAX = 16


def _held(rows: Rows) -> tuple[frozenset[str], ...]:
    """The distinct values of each column of ``rows`` a filter is offered for (empty for the
    others), worked out once for these rows."""
    with _ROWS_LOCK:
        found = _HELD.get(id(rows))
    if found is not None and found[0] is rows:
        return found[1]
    held = tuple(
        frozenset(v for row in rows.rows for v in _values(row[i]))
        if column.term and column.key not in _RESERVED
        else frozenset()
        for i, column in enumerate(rows.columns)
    )
    with _ROWS_LOCK:
        if len(_HELD) >= _HELD_MAX:
            _HELD.clear()
        _HELD[id(rows)] = (rows, held)
    return held


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str | None


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: its text as the table shows it and, where a list reads better as one, its
    items; ids (``ids``) each with the page it leads to, if any, folded when there are many."""

    text: str
    term: bool = False
    ids: tuple[Link, ...] = ()
    items: tuple[str, ...] = ()
    folded: bool = False


def cell(column: Column, value: Value) -> Cell:
    text = column.text(value)
    if value is None or value in ("", []):
        return Cell("", column.term)
    if column.identifier or column.key in _LINKS:
        link = _LINKS.get(column.key)
        ids = tuple(Link(v, link.format(v) if link else None) for v in _values(value))
        return Cell(text, column.term, ids=ids, folded=len(ids) > _FOLD)
    if isinstance(value, dict):  # a report's figures: one line per indicator
        return Cell(text, column.term, items=tuple(column.text({k: v}) for k, v in value.items()))
    if isinstance(value, list) and not column.term and column.key != "names" and len(value) > 1:
        return Cell(text, column.term, items=tuple(column.text(v) for v in value))
    return Cell(text, column.term)


@dataclass(frozen=True, slots=True)
class Header:
    key: str
    text: str
    href: str
    sorted: str | None  # "ascending", "descending" (for aria-sort), or None


@dataclass(frozen=True, slots=True)
class Table:
    """A table as the page lays it out."""

    caption: str
    headers: tuple[Header, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def body(self) -> Markup:
        """The table's rows as HTML: ``<tr>`` by ``<tr>``, each cell a ``<td>`` (marked
        ``translate="no"`` unless it holds a term of the page's language), laid out by
        :func:`cell_html`.

        Written here rather than by a template macro per cell: a page of 50 rows has some 400
        cells, and the macros took two thirds of the registry page's time (4 of 6 ms)."""
        out = []
        for row in self.rows:
            out.append("<tr>")
            for c in row:
                out.append("<td>" if c.term else '<td translate="no">')
                out.append(cell_html(c))
                out.append("</td>")
            out.append("</tr>\n")
        return Markup("".join(out))  # noqa: S704 - laid out here, every text escaped


def cell_html(c: Cell) -> str:
    """One cell's content as HTML, every text escaped: its ids as links (folded under its text
    when there are many), its items as a list, or its text.

    Escaped by the standard library's ``html.escape`` (quotes too), which returns a plain
    string: markupsafe's ``escape`` makes a ``Markup`` object of every cell, a fifth of the
    page's time."""
    if c.ids:
        links = ", ".join(
            f'<a href="{_escape(link.href)}"><code translate="no">{_escape(link.text)}</code></a>'
            if link.href
            else f'<code translate="no">{_escape(link.text)}</code>'
            for link in c.ids
        )
        if c.folded:
            return f"<details><summary>{_escape(c.text)}</summary>{links}</details>"
        return links
    if c.items:
        items = "".join(f"<li>{_escape(i)}</li>" for i in c.items)
        return f'<ul class="cell-items">{items}</ul>'
    return _escape(c.text)


def table(rows: Rows, *, caption: str, query: Query | None = None, path: str = "") -> Table:
    headers = []
    for c in rows.columns:
        state = None
        if query is not None and query.sort == c.key:
            state = "descending" if query.descending else "ascending"
        href = query.href(path, sort=c.key) if query is not None else ""
        headers.append(Header(c.key, c.header, href, state))
    cells = tuple(
        tuple(cell(c, v) for c, v in zip(rows.columns, row, strict=True)) for row in rows.rows
    )
    return Table(caption, tuple(headers), cells)


@dataclass(frozen=True, slots=True)
class Paging:
    total: int
    page: int
    pages: int
    first: int  # the first row shown, from 1 (0 when none is)
    last: int
    previous: str | None
    next: str | None
    past_end: bool
    last_href: str


def paging(total: int, query: Query, path: str) -> tuple[Paging, slice]:
    pages = max(1, -(-total // query.per))
    page = query.page
    start = (page - 1) * query.per
    shown = slice(start, min(start + query.per, total))
    past_end = page > pages
    return (
        Paging(
            total=total,
            page=page,
            pages=pages,
            first=0 if past_end or total == 0 else start + 1,
            last=0 if past_end else shown.stop,
            previous=query.href(path, page=min(page, pages + 1) - 1) if page > 1 else None,
            next=query.href(path, page=page + 1) if page < pages else None,
            past_end=past_end,
            last_href=query.href(path, page=pages),
        ),
        shown,
    )


# -- reading the node -----------------------------------------------------------------------------


def rows_of(state: acts.State, kind: str, lang: Language) -> Rows:
    """Registry ``kind`` for ``lang``'s reader; a 404 page for a registry there is not."""
    if kind not in REGISTRIES:
        _refuse(
            404,
            lang.gettext(N_("There is no registry “%(kind)s”; the registries are: %(kinds)s."))
            % {"kind": kind[:60], "kinds": ", ".join(REGISTRIES)},
        )
    if state.regime is None:
        _refuse(404, lang.gettext(N_("Nothing is recorded yet: the log has adopted no regime.")))
    return _rows(state, kind, lang.code)


#: Registries as rows, by (state, its size, kind, language): made once per size of the log, as
#: a registry changes only when an entry is added, and shown a page at a time.
_ROWS: dict[tuple[int, int, str, str], Rows] = {}
_ROWS_LOCK = threading.Lock()
_ROWS_MAX = 64


def _rows(state: acts.State, kind: str, language: str) -> Rows:
    key = (id(state), state.size, kind, language)
    with _ROWS_LOCK:
        found = _ROWS.get(key)
    if found is not None:
        return found
    made = registry_rows(state, kind, language)
    with _ROWS_LOCK:
        if len(_ROWS) >= _ROWS_MAX:
            _ROWS.clear()
        _ROWS[key] = made
    # A registry of 100,000 entries is some 300,000 lists and tuples, which every full pass of
    # the collector would walk as long as they are kept: 90 ms every few seconds, during which
    # no page answers. Made once per size of the log, they join the heap the collector leaves
    # alone (see jointzone.server._heap), for 90 ms now.
    _heap.settle()
    return made


def _name_orders(state: acts.State, language: str) -> dict[str, Sequence[str]]:
    regime = state.regime
    assert regime is not None  # rows_of has said so
    return {
        "parties": regime.name_order(language),
        "categories": [c.id for c in regime.categories],
    }


@dataclass(frozen=True, slots=True)
class Part:
    """A line under a registry in the index: some of its rows, and where they are listed."""

    label: str
    count: int
    href: str


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    title: str
    description: str
    count: int
    parts: tuple[Part, ...]


def index(n: Node, lang: Language) -> list[Entry]:
    state = n.replica.state
    if state.regime is None:
        return []
    view = View(state.regime, lang.code)
    out = []
    for kind, (title, description) in TITLES.items():
        count = len(_rows(state, kind, lang.code).rows)
        parts: list[Part] = []
        if kind == "projects":
            category = view.category()
            parts = [
                Part(
                    category(c.id),
                    sum(1 for p in state.projects.values() if p.category == c.id),
                    f"/registries/projects?{urlencode({'category': c.id})}",
                )
                for c in state.regime.categories
            ]
        elif kind == "certificates":
            revoked = len(state.revoked)
            parts = [
                Part(
                    lang.gettext(N_("revoked")), revoked, "/registries/certificates?status=revoked"
                )
            ]
        elif kind == "movements":
            waiting = len(pending_movements(n.uncommitted()))
            parts = [
                Part(
                    lang.gettext(N_("awaiting a signature")),
                    waiting,
                    "/registries/movements#pending",
                )
            ]
        out.append(Entry(kind, lang.gettext(title), lang.gettext(description), count, tuple(parts)))
    return out


# -- certificates ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Crossing:
    movement: str
    direction: str
    place: str
    time: str


@dataclass(frozen=True, slots=True)
class CertificatePage:
    """What a certificate's page shows; ``document`` is None until every party has signed."""

    record: acts.CertificateRecord
    names: Markup
    party: str
    project: str
    project_title: str | None
    category: str
    places: tuple[str, ...]
    valid_from: str
    valid_to: str
    issued: str
    status: str
    now: str | None  # "valid", "not-yet" or "expired" at this node's time; None if it has none
    revoked: str | None
    reason: Markup | None
    crossings: tuple[Crossing, ...]
    text: str | None
    qr: Markup | None


def certificate_page(n: Node, certificate: str, lang: Language) -> CertificatePage:
    state = n.replica.state
    record = state.certificates.get(certificate)
    if record is None or state.regime is None:
        _refuse(
            404,
            lang.gettext(N_("The log has issued no certificate “%(id)s”."))
            % {"id": certificate[:60]},
        )
    view = View(state.regime, lang.code)
    shown = ActView(view, lang, state)
    project = state.projects.get(record.project)
    document = n.certificate(certificate)
    try:
        moment: datetime | None = n.now()
    except NodeError:  # a demonstration node whose clock is not set
        moment = None
    now = None
    if moment is not None and record.revoked is None:
        now = "not-yet" if moment < record.valid_from else None
        now = now or ("expired" if moment >= record.valid_to else "valid")
    movement_word = view.word("movement")
    crossings = tuple(
        Crossing(
            m.id, movement_word(m.direction), view.place_name(m.crossing_point), lang.time(m.time)
        )
        for m in state.movements_of(certificate)
    )
    return CertificatePage(
        record=record,
        names=shown.names_of(record.names),
        party=view.party()(record.party),
        project=record.project,
        project_title=None if project is None else view.text(project.title),
        category=view.category()(record.category),
        places=tuple(view.place_name(p) for p in record.places),
        valid_from=lang.time(record.valid_from),
        valid_to=lang.time(record.valid_to),
        issued=lang.time(record.issued.time),
        status=view.word("certificate")("valid" if record.revoked is None else "revoked"),
        now=now,
        revoked=None if record.revoked is None else lang.time(record.revoked.time),
        reason=None
        if not record.revocation_reason
        else shown.value("reason", dict(record.revocation_reason)),
        crossings=crossings,
        text=None if document is None else document.to_text(),
        qr=None if document is None else qr_svg(document, lang),
    )


def qr_svg(document: Certificate, lang: Language) -> Markup:
    """The certificate's QR code as inline SVG: segno's own drawing of the same code the
    ``cert show --svg`` file holds, four modules of quiet zone around it, titled."""
    title = lang.gettext(N_("QR code of this certificate"))
    # segno escapes the title; the rest is its own path data.
    return Markup(  # noqa: S704
        document.qr().svg_inline(scale=4, border=4, title=title, svgclass="qr", lineclass=None)
    )


def card(n: Node, certificate: str, lang: Language) -> bytes:
    """The certificate's A6 card in ``lang``, as ``cert print`` makes it."""
    state = n.replica.state
    record = state.certificates.get(certificate)
    if record is None:
        _refuse(
            404,
            lang.gettext(N_("The log has issued no certificate “%(id)s”."))
            % {"id": certificate[:60]},
        )
    document = n.certificate(certificate)
    if document is None:
        _refuse(
            409, lang.gettext(N_("This certificate does not carry every party's signature yet."))
        )
    signers = {}
    for party in state.parties:
        key = state.certificate_key_at(party, record.issued.position)
        if key is not None:
            signers[party] = key.key_id
    try:
        font = find_font(None)
        return card_pdf(document, trust.verifier_table(state), lang.code, font, signers)
    except CliError as e:
        _refuse(
            503,
            lang.gettext(
                N_(
                    "This node cannot print the card: it needs a TrueType font with Latin, "
                    "Cyrillic and Japanese (Debian's fonts-ipafont-gothic, or one named by "
                    "JOINTZONE_CARD_FONT). %(detail)s"
                )
            )
            % {"detail": str(e)},
        )


# -- exports --------------------------------------------------------------------------------------


def to_csv(rows: Rows) -> bytes:
    """RFC 4180 (CRLF, quoted where needed), the headers in the reader's language and every cell
    as the table shows it, lists whole; UTF-8 with a byte order mark for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in rows.columns])
    for row in rows.rows:
        # A list of ids is shown short on the page (a manifest's certificates) and linked there;
        # a spreadsheet has neither links nor room to unfold, so it gets the list whole.
        writer.writerow(
            [
                plain_text(v) if c.key in _LINKS else c.text(v)
                for c, v in zip(rows.columns, row, strict=True)
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _without(rows: Rows, keys: frozenset[str]) -> Rows:
    """``rows`` without the columns ``keys``."""
    kept = [i for i, c in enumerate(rows.columns) if c.key not in keys]
    return Rows(
        tuple(rows.columns[i] for i in kept),
        tuple(tuple(row[i] for i in kept) for row in rows.rows),
        rows.title,
    )


def _attachment(kind: str, lang: Language, extension: str) -> dict[str, str]:
    name = _FILE_NAME.sub("_", f"{kind}-{lang.code}.{extension}")
    return {"content-disposition": f'attachment; filename="{name}"'}


# -- the routes -----------------------------------------------------------------------------------


def add_registry_routes(router: APIRouter, pages: Pages) -> None:
    """``/registries``, ``/registries/{kind}`` (``.csv``, ``.json``) and the certificates'
    pages and cards (see the module docstring)."""
    service = pages.service

    def chosen(request: Request, kind: str) -> tuple[Language, Rows, Query, Rows]:
        lang = pages.language(request)
        with service.locked() as n:
            rows = rows_of(n.replica.state, kind, lang)
        query = read_query(request.query_params, rows, lang)
        return lang, rows, query, matching(rows, query)

    @router.get("/registries", response_class=HTMLResponse)
    def registries(request: Request) -> Response:
        pages.signed_in(request)
        lang = pages.language(request)
        with service.locked() as n:
            entries = index(n, lang)
        return pages.render(request, "registries.html", entries=entries)

    # The exports and the certificates' routes come before /registries/{kind}, which would
    # take "officials.csv" for a kind.
    @router.get("/registries/{kind}.csv")
    def export_csv(request: Request, kind: str) -> Response:
        pages.signed_in(request)
        lang, _, _, found = chosen(request, kind)
        return Response(
            to_csv(found),
            media_type="text/csv; charset=utf-8; header=present",
            headers=_attachment(kind, lang, "csv"),
        )

    @router.get("/registries/{kind}.json")
    def export_json(request: Request, kind: str) -> Response:
        pages.signed_in(request)
        lang, _, _, found = chosen(request, kind)
        return Response(
            to_json(found) + "\n",
            media_type="application/json",
            headers=_attachment(kind, lang, "json"),
        )

    @router.get("/registries/certificates/{certificate}.pdf")
    def certificate_card(request: Request, certificate: str) -> Response:
        pages.signed_in(request)
        lang = pages.language(request)
        with service.locked() as n:
            data = card(n, certificate, lang)
        name = _FILE_NAME.sub("_", f"certificate-{certificate}-{lang.code}.pdf")
        return Response(
            data,
            media_type="application/pdf",
            headers={"content-disposition": f'inline; filename="{name}"'},
        )

    @router.get("/registries/certificates/{certificate}", response_class=HTMLResponse)
    def certificate_view(request: Request, certificate: str) -> Response:
        pages.signed_in(request)
        lang = pages.language(request)
        with service.locked() as n:
            shown = certificate_page(n, certificate, lang)
        return pages.render(request, "certificate.html", c=shown)

    @router.get("/registries/{kind}", response_class=HTMLResponse)
    def registry(request: Request, kind: str) -> Response:
        pages.signed_in(request)
        lang = pages.language(request)
        path = f"/registries/{kind}"
        with service.locked() as n:
            state = n.replica.state
            rows = rows_of(state, kind, lang)
            query = read_query(request.query_params, rows, lang)
            offered = filters(rows, query, _name_orders(state, lang.code))
            waiting = None
            if kind == "movements" and state.regime is not None:
                waiting = table(
                    _without(
                        proposals_rows(pending_movements(n.uncommitted()), state.regime, lang.code),
                        _NOT_PENDING,
                    ),
                    caption=lang.gettext(
                        N_("Movements one party has recorded that another has not yet signed")
                    ),
                )
        found = matching(rows, query)
        pager, shown = paging(len(found.rows), query, path)
        page_rows = Rows(found.columns, found.rows[shown], found.title)
        title, description = TITLES[kind]
        exports = urlencode(query.params(paged=False))
        return pages.render(
            request,
            "registry.html",
            kind=kind,
            title=lang.gettext(title),
            description=lang.gettext(description),
            query=query,
            max_query=MAX_QUERY,
            filters=offered,
            per_choices=sorted({*PER_CHOICES, query.per}),
            table=table(page_rows, caption=found.title or "", query=query, path=path),
            paging=pager,
            all_rows=len(rows.rows),
            csv_href=f"{path}.csv" + (f"?{exports}" if exports else ""),
            json_href=f"{path}.json" + (f"?{exports}" if exports else ""),
            pending=waiting,
        )


__all__ = ["add_registry_routes"]
