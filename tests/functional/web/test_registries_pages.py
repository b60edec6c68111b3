"""The registries' pages over a node with the seed scenario played: search, filters, sorting,
paging and its bounds, the exports, the certificates' pages (QR code, card) and who may see them.

Russia's node of the seeded embedded deployment is served in process, as ``node serve`` serves a
node: its API app with the officials' pages mounted. Nobody signs in through a browser here: a
session is opened on the node and its cookie sent, over https so the ``__Host-`` cookie holds.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from jointzone.cli._registries import REGISTRIES, registry_rows
from jointzone.credentials import read_qr
from jointzone.node import EmbeddedDeployment, Node
from jointzone.scenario import ScenarioClock
from jointzone.web import Pages
from jointzone.web._pages import SESSION_COOKIE
from jointzone.web._registries import MAX_PER, MAX_QUERY

from ..conftest import KEYS
from .conftest import run_async, serve_in_process

PARTY = "russia"
#: After the scenario: every certificate's validity has ended.
AFTER = datetime(2020, 1, 15, tzinfo=UTC)


@dataclass
class Served:
    """Russia's node served in process, and a signed-in official's session on it."""

    app: FastAPI
    pages: Pages
    node: Node
    token: str

    def get(self, path: str, *, signed_in: bool = True, lang: str = "en") -> httpx.Response:
        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            cookies = {SESSION_COOKIE: self.token, "jz-lang": lang} if signed_in else {}
            async with httpx.AsyncClient(
                transport=transport, base_url="https://testserver", cookies=cookies
            ) as client:
                return await client.get(path)

        return run_async(run)


@pytest.fixture(scope="module")
def served(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("registries") / "zone"
    shutil.copytree(seeded_dir, root)
    clock = ScenarioClock(AFTER)
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock, recover=False) as d:
        node = d.nodes[PARTY]
        app, pages = serve_in_process(d, PARTY)
        official = next(o.id for o in node.replica.state.officials.values() if o.party == PARTY)
        token, _ = pages.sessions.open(official, PARTY)
        yield Served(app, pages, node, token)


# -- reading the pages ----------------------------------------------------------------------------


@dataclass
class Table:
    caption: str = ""
    classes: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class Page(HTMLParser):
    """What the tests read of a page: its tables, selects, links and its inline SVG."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.selects: dict[str, list[tuple[str, bool, str]]] = {}
        self.links: list[tuple[dict[str, str], str]] = []
        self._tables: list[Table] = []
        self._head = False
        self._text: dict[str, list[str]] = {}  # the text so far of each element being read
        self._select = ""
        self._option: tuple[str, bool] = ("", False)
        self._link: dict[str, str] = {}
        self.feed(html)
        self.close()
        svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S)
        self.svg = svg.group(0) if svg else ""

    def _read(self, what: str) -> str:
        return " ".join("".join(self._text.pop(what, [])).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("p", "li", "div", "br"):  # where the text breaks, a space
            self.handle_data(" ")
        if tag == "table":
            self._tables.append(Table(classes=a.get("class", "")))
        elif tag in ("thead", "tbody"):
            self._head = tag == "thead"
        elif tag == "tr" and self._tables and not self._head:
            self._tables[-1].rows.append([])
        elif tag in ("caption", "th", "td"):
            self._text["cell"] = []
        elif tag == "select":
            self._select = a["name"]
            self.selects[self._select] = []
        elif tag == "option":
            self._option = (a.get("value", ""), "selected" in a)
            self._text["option"] = []
        elif tag == "a":
            self._link = a
            self._text["a"] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.tables.append(self._tables.pop())
        elif tag == "caption":
            self._tables[-1].caption = self._read("cell")
        elif tag in ("th", "td") and self._tables:
            table = self._tables[-1]
            (table.headers if self._head else table.rows[-1]).append(self._read("cell"))
        elif tag == "option":
            self.selects[self._select].append((*self._option, self._read("option")))
        elif tag == "a":
            self.links.append((self._link, self._read("a")))

    def handle_data(self, data: str) -> None:
        for text in self._text.values():
            text.append(data)

    def registry(self) -> Table:
        """The registry's own table (the first of its kind on the page)."""
        return next(t for t in self.tables if "registry" in t.classes.split())

    def ids(self) -> list[str]:
        """The first cell of every row of the registry's table."""
        return [row[0] for row in self.registry().rows if len(row) > 1]

    def rel(self, rel: str) -> str | None:
        return next((a["href"] for a, _ in self.links if a.get("rel") == rel), None)

    def link(self, text: str) -> str:
        """The address of the first link that says ``text``."""
        return next(a["href"] for a, said in self.links if said == text)


def page(served: Served, path: str, *, lang: str = "en") -> Page:
    response = served.get(path, lang=lang)
    assert response.status_code == 200, (path, response.status_code, response.text[-2000:])
    return Page(response.text)


def refused(served: Served, path: str) -> httpx.Response:
    response = served.get(path)
    assert response.status_code >= 400, (path, response.status_code)
    assert "The request was refused" in response.text
    return response


# -- the index and access -------------------------------------------------------------------------


def test_the_index_lists_every_registry_with_its_count(served: Served) -> None:
    state = served.node.replica.state
    shown = page(served, "/registries")
    (index,) = shown.tables
    # Each row: the registry (its title, then what it holds), its count, and some of its rows.
    counts = {row[0].split()[0]: row[1] for row in index.rows}
    assert counts["Certificates"] == str(len(state.certificates)) == "44"
    assert counts["Participants"] == str(len(state.participants))
    assert counts["Movements"] == str(len(state.movements))
    # Projects per category, each linked to the filtered registry.
    tourism = shown.link("tours suited to the islands' features")
    assert tourism == "/registries/projects?category=tourism"
    assert page(served, tourism).ids() == ["pilot-tour-2019"]


def test_numbers_follow_the_readers_locale(served: Served) -> None:
    shown = served.get("/registries/certificates?per=1", lang="ru").text
    assert "Найдено записей" not in shown  # nothing narrowed: every entry is shown
    assert "Записей: 44." in shown
    assert "Страница 1 из 44" in shown


def test_every_registry_renders_in_every_language(served: Served) -> None:
    for lang in ("ja", "ru", "en"):
        for kind in REGISTRIES:
            shown = page(served, f"/registries/{kind}", lang=lang)
            table = shown.registry()
            headers = [
                c.header for c in registry_rows(served.node.replica.state, kind, lang).columns
            ]
            assert table.headers == headers, (lang, kind)


def test_without_a_session_every_route_sends_the_reader_to_sign_in(served: Served) -> None:
    for path in (
        "/registries",
        "/registries/officials",
        "/registries/officials.csv",
        "/registries/officials.json",
        "/registries/certificates/tour19-01",
        "/registries/certificates/tour19-01.pdf",
    ):
        response = served.get(path, signed_in=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"


def test_an_unknown_registry_is_not_found(served: Served) -> None:
    for path in ("/registries/keys", "/registries/keys.csv", "/registries/keys.json"):
        response = refused(served, path)
        assert response.status_code == 404
        assert "There is no registry “keys”" in response.text
    assert refused(served, "/registries/certificates/nobody").status_code == 404
    assert refused(served, "/registries/certificates/nobody.pdf").status_code == 404


def test_pages_need_no_inline_script_or_style(served: Served) -> None:
    for path in ("/registries", "/registries/movements", "/registries/certificates/tour19-12"):
        html = served.get(path).text
        assert not re.search(r"\sstyle=|\son[a-z]+=|<style", html), path
        assert all("src=" in s for s in re.findall(r"<script[^>]*>", html)), path


# -- search, filters, sorting ---------------------------------------------------------------------


def test_search_narrows_the_rows_to_those_with_every_word(served: Served) -> None:
    everyone = page(served, "/registries/participants?per=500").ids()
    assert len(everyone) == 50
    tour = page(served, "/registries/participants?q=tour19&per=500").ids()
    assert len(tour) == 44
    assert all(p.startswith("p-tour19-") for p in tour)
    # Case and width aside (NFKC): full-width letters and digits find the same rows.
    assert page(served, "/registries/participants?q=ＴＯＵＲ１９－０１").ids() == ["p-tour19-01"]
    # Every word must be found, each in any cell: the id in one, the party's name in another.
    both = page(served, "/registries/officials?q=registrar+Russia").ids()
    assert both == ["ru-registrar"]
    # What the table shows is searched too: a place by any party's name for it.
    assert page(served, "/registries/certificates?q=Kurilsk&per=500").ids() == sorted(
        served.node.replica.state.certificates
    )
    shown = page(served, "/registries/participants?q=nobody-at-all")
    assert shown.ids() == []
    assert "No entry matches the search and filters." in shown.registry().rows[0][0]


def test_filters_offer_what_the_registry_holds_and_narrow_by_it(served: Served) -> None:
    shown = page(served, "/registries/certificates?status=revoked")
    assert shown.ids() == ["tour19-12"]
    status = shown.selects["status"]
    assert [(v, chosen) for v, chosen, _ in status] == [
        ("", False),
        ("revoked", True),
        ("valid", False),
    ]
    # Parties in the regime's order for the reader's language.
    ru = page(served, "/registries/officials", lang="ru").selects["party"]
    en = page(served, "/registries/officials", lang="en").selects["party"]
    regime = served.node.replica.regime
    assert regime is not None
    assert [v for v, _, _ in ru[1:]] == list(regime.name_order("ru"))
    assert [v for v, _, _ in en[1:]] == list(regime.name_order("en"))
    # A filter by a value a list holds (roles), and filters with a search.
    officers = page(served, "/registries/officials?roles=border-officer").ids()
    assert officers
    assert all("border" in o for o in officers)
    russian = page(served, "/registries/officials?party=russia&q=registrar").ids()
    assert russian == ["ru-registrar"]
    assert page(served, "/registries/projects?category=aquaculture").ids() == ["aqua-shikotan"]
    # Movements have their kind and direction to filter by.
    movements = page(served, "/registries/movements?direction=out")
    assert movements.ids() == ["tour19-return-nemuro"]
    assert set(movements.selects) >= {"kind", "direction"}


def test_a_column_heading_sorts_and_sorting_again_reverses(served: Served) -> None:
    shown = page(served, "/registries/certificates?per=500")
    heading = shown.link("certificate")
    assert heading == "/registries/certificates?sort=certificate&order=asc&per=500"
    ascending = page(served, heading)
    assert ascending.ids()[0] == "tour19-01"
    again = ascending.link("certificate")
    assert again == "/registries/certificates?sort=certificate&order=desc&per=500"
    assert page(served, again).ids()[0] == "tour19-44"
    # Log positions by number, empty cells last either way.
    revoked = page(served, "/registries/certificates?sort=revoked_at&order=desc").ids()
    assert revoked[0] == "tour19-12"
    assert page(served, "/registries/certificates?sort=revoked_at").ids()[0] == "tour19-12"


def test_what_is_out_of_bounds_is_refused_in_the_readers_words(served: Served) -> None:
    assert page(served, "/registries/officials?q=" + "x" * MAX_QUERY).ids() == []
    response = refused(served, "/registries/officials?q=" + "x" * (MAX_QUERY + 1))
    assert response.status_code == 400
    assert "at most 200 characters" in response.text
    for bad in ("per=0", "per=-1", "per=ten", "page=0", "page=1e3", "page=" + "9" * 50):
        assert refused(served, f"/registries/officials?{bad}").status_code == 400, bad
    assert refused(served, "/registries/officials?sort=salary").status_code == 400
    assert refused(served, "/registries/officials?order=up").status_code == 400
    ja = served.get("/registries/officials?per=0", lang="ja")
    assert ja.status_code == 400
    assert "1以上の整数" in ja.text


# -- paging ---------------------------------------------------------------------------------------


def test_pages_follow_each_other_and_say_where_they_are(served: Served) -> None:
    first = page(served, "/registries/certificates?per=10")
    assert first.ids() == [f"tour19-{i:02}" for i in range(1, 11)]
    assert first.rel("prev") is None
    assert first.rel("next") == "/registries/certificates?per=10&page=2"
    last = page(served, "/registries/certificates?per=10&page=5")
    assert last.ids() == [f"tour19-{i:02}" for i in range(41, 45)]
    assert last.rel("next") is None
    assert last.rel("prev") == "/registries/certificates?per=10&page=4"
    # Paging keeps the search, the filters and the order.
    sorted_page = page(
        served, "/registries/certificates?q=tour19&status=valid&sort=certificate&order=desc&per=5"
    )
    assert sorted_page.rel("next") == (
        "/registries/certificates?q=tour19&status=valid&sort=certificate&order=desc&per=5&page=2"
    )


def test_the_default_page_and_the_largest(served: Served) -> None:
    shown = page(served, "/registries/participants")
    assert len(shown.ids()) == 50  # the default
    assert shown.rel("next") is None
    fewer = page(served, "/registries/participants?per=49")
    assert len(fewer.ids()) == 49
    assert fewer.rel("next") == "/registries/participants?per=49&page=2"
    most = page(served, f"/registries/participants?per={MAX_PER * 10}")
    assert len(most.ids()) == 50
    assert [v for v, chosen, _ in most.selects["per"] if chosen] == [str(MAX_PER)]


def test_a_page_past_the_end_is_empty_and_says_which_is_last(served: Served) -> None:
    response = served.get("/registries/certificates?per=10&page=9")
    assert response.status_code == 200
    shown = Page(response.text)
    assert shown.ids() == []
    assert "Page 9 is past the end: the last page is 5." in response.text
    back = shown.link("Go to the last page")
    assert back == "/registries/certificates?per=10&page=5"
    assert shown.rel("prev") == back


# -- the registries' own content -----------------------------------------------------------------


def test_movements_awaiting_a_signature_are_shown_apart(served: Served) -> None:
    shown = page(served, "/registries/movements")
    recorded, waiting = (t for t in shown.tables if "registry" in t.classes.split())
    assert [row[0] for row in recorded.rows] == list(served.node.replica.state.movements)
    assert "not yet signed" in waiting.caption
    assert len(waiting.rows) == 1
    assert "movement.record" in waiting.rows[0]
    act = waiting.rows[0][0]
    assert any(a["href"] == f"/acts/{act}" for a, _ in shown.links)
    # A manifest's long list of certificates is folded under the table's short form, each one
    # linked to its certificate.
    assert any(a["href"] == "/registries/certificates/tour19-44" for a, _ in shown.links)


def test_reports_show_each_indicator_by_the_regimes_name(served: Served) -> None:
    ja = page(served, "/registries/reports", lang="ja").registry()
    regime = served.node.replica.regime
    assert regime is not None
    names = {i.id: i.names["ja"] for c in regime.categories for i in c.indicators}
    figures = " ".join(row[-1] for row in ja.rows)
    assert names["visitors"] in figures
    assert "33" in figures


# -- exports --------------------------------------------------------------------------------------


def test_csv_has_the_readers_headers_and_every_matching_row(served: Served) -> None:
    response = served.get("/registries/certificates.csv?status=valid&per=5&page=2", lang="ja")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert response.headers["content-disposition"] == ('attachment; filename="certificates-ja.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets look for
    assert b"\r\n" in response.content
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = registry_rows(served.node.replica.state, "certificates", "ja").columns
    assert header == [c.header for c in expected]
    assert header[0] == "証明書"
    assert len(rows) == 43  # every valid certificate, not one page of them
    assert {row[header.index("状態")] for row in rows} == {"有効"}
    places = rows[0][header.index("場所")]
    assert "Shana" not in places  # places by the renderer, in Japanese
    assert "紗那" in places


def test_json_is_keyed_by_the_columns_keys_with_the_logs_values(served: Served) -> None:
    ja = served.get("/registries/certificates.json?status=revoked", lang="ja")
    en = served.get("/registries/certificates.json?status=revoked", lang="en")
    assert ja.headers["content-type"] == "application/json"
    assert ja.headers["content-disposition"].startswith("attachment; filename=")
    (record,) = json.loads(ja.text)
    assert json.loads(en.text) == [record]  # the keys and values are the same in any language
    assert list(record) == [
        "certificate",
        "participant",
        "party",
        "project",
        "places",
        "valid_from",
        "valid_to",
        "status",
        "revoked_at",
    ]
    assert record["status"] == "revoked"
    assert record["party"] == "japan"
    assert record["places"] == ["furukamappu-yuzhno-kurilsk", "shana-kurilsk"]
    assert isinstance(record["revoked_at"], int)
    everyone = json.loads(served.get("/registries/participants.json?per=1").text)
    assert len(everyone) == 50


# -- certificates ---------------------------------------------------------------------------------


def _rasterised(svg: str) -> bytes:
    """The PNG of segno's SVG path: each ``h`` stroke a row of dark modules (the path is
    ``M x y`` then relative ``m dx dy`` and ``h n``, drawn one module high at y + 0.5)."""
    size = int(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))  # type: ignore[union-attr]
    path = re.search(r' d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    modules = size // scale
    image = Image.new("L", (modules, modules), 255)
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for col in range(int(x), int(x + float(a))):
                image.putpixel((col, int(y)), 0)
            x += float(a)
    out = io.BytesIO()
    image.resize((modules * 4, modules * 4), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


def test_a_certificate_page_shows_its_holder_and_a_qr_code_that_reads_back(served: Served) -> None:
    document = served.node.certificate("tour19-01")
    assert document is not None
    response = served.get("/registries/certificates/tour19-01")
    assert response.status_code == 200
    shown = Page(response.text)
    assert shown.svg.startswith('<svg width="')
    # The code in the page is the certificate's own, as segno draws it, and it reads back.
    assert shown.svg == document.qr().svg_inline(
        scale=4, border=4, title="QR code of this certificate", svgclass="qr", lineclass=None
    )
    assert read_qr(_rasterised(shown.svg)) == document.to_text()
    assert document.to_text() in response.text
    record = served.node.replica.state.certificates["tour19-01"]
    for name in record.names.values():
        assert name in response.text
    assert "Furukamappu/Yuzhno-Kurilsk" in response.text  # every party's name, in order
    assert "its validity period has ended at this node's time" in response.text
    assert any(a["href"] == "/registries/certificates/tour19-01.pdf" for a, _ in shown.links)
    assert "revoked" not in response.text.split("<main", 1)[1].lower()


def test_a_revoked_certificate_says_when_and_why(served: Served) -> None:
    record = served.node.replica.state.certificates["tour19-12"]
    assert record.revoked is not None
    assert record.revocation_reason
    html = served.get("/registries/certificates/tour19-12").text
    assert "This certificate was revoked on Nov 2, 2019" in html
    for reason in record.revocation_reason.values():
        assert reason in html
    ja = served.get("/registries/certificates/tour19-12", lang="ja").text
    assert "取消の理由" in ja
    assert "2019/11/02" in ja


def test_the_certificates_card_is_a_pdf(served: Served) -> None:
    response = served.get("/registries/certificates/tour19-01.pdf", lang="ru")
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'inline; filename="certificate-tour19-01-ru.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_without_a_font_the_card_is_refused_and_says_why(
    served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JOINTZONE_CARD_FONT", str(tmp_path / "no-such-font.ttf"))
    response = refused(served, "/registries/certificates/tour19-01.pdf")
    assert response.status_code == 503
    assert "fonts-ipafont-gothic" in response.text
