"""Proposing an act through the form made from its model: the pages served in process on the
seeded deployment (what is offered, what comes back, what is given to sign), then a Japanese
registrar in Chromium, from the form to the signed proposal."""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, Route, expect

from jointzone.consent import ProposalContent
from jointzone.node import EmbeddedDeployment
from jointzone.regime import Regime
from jointzone.scenario import ScenarioClock
from jointzone.web import _i18n, _propose, _signing
from jointzone.web._pages import SESSION_COOKIE

from .._network import REGIME, NodeProcess, appoint_key, wait_final
from ..conftest import KEYS
from .conftest import Official, enrol, official_context, run_async, serve_in_process, sign_in
from .test_consent import status_shows, until

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def ja(message: str, **values: Any) -> str:
    text = _i18n.language("ja").gettext(message)
    assert text != message, f"no Japanese for {message!r}"
    return text % values if values else text


# -- the pages, served in process ---------------------------------------------------------------


@dataclass
class Served:
    """Japan's node of the seeded deployment served in process, its registrar signed in."""

    app: FastAPI
    token: str
    csrf: str
    official: str

    def request(
        self, method: str, path: str, data: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            cookies = {SESSION_COOKIE: self.token, "jz-lang": "ja"}
            async with httpx.AsyncClient(
                transport=transport, base_url="https://testserver", cookies=cookies
            ) as client:
                return await client.request(method, path, data=data)

        return run_async(run)

    def post(self, act_type: str, filled: Mapping[str, Any], **extra: str) -> httpx.Response:
        form = {"csrf": self.csrf, **filled, **extra}
        return self.request("POST", f"/propose/{act_type}", form)


@pytest.fixture(scope="module")
def served(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("propose") / "zone"
    shutil.copytree(seeded_dir, root)
    clock = ScenarioClock(datetime(2020, 1, 15, tzinfo=UTC))
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock, recover=False) as d:
        app, pages = serve_in_process(d, "japan")
        token, session = pages.sessions.open("jp-registrar", "japan")
        yield Served(app, token, session.csrf, "jp-registrar")


class _Elements(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: dict[str, dict[str, str | None]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.found[str(a["id"])] = a


def element(html: str, element_id: str) -> dict[str, str | None]:
    return _Elements(html).found[element_id]


def inside(html: str, element_id: str, end: str) -> str:
    """The markup of the element ``element_id`` up to its first ``end``."""
    return html.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]


ENTERPRISE = {
    "enterprise": "jp-form-kelp",
    "party": "japan",
    "names.ja": "デモ昆布株式会社",
    "names.en": "Demo Kelp Co.",
    "registered_address.place": "nemuro-port",
    "categories": ["aquaculture"],
}


def test_the_list_offers_what_the_officials_roles_may_propose(served: Served) -> None:
    html = served.request("GET", "/propose").text
    offered = re.findall(r'href="/propose/([^"]+)"', html)
    assert offered == _propose.proposable(Regime.from_dir(REGIME), ["registrar"])
    assert offered[0] == "enterprise.register"
    assert ja("Register an enterprise") in html
    assert served.request("GET", "/propose/project.approve").status_code == 403
    assert served.request("GET", "/propose/official.appoint").status_code == 403
    assert served.request("GET", "/propose/no.such-act").status_code == 404
    form = served.request("GET", "/propose/enterprise.register")
    assert form.status_code == 200
    assert 'name="csrf"' in form.text
    assert '<option value="japan" selected>' in form.text, "the official's own party, chosen"


def test_a_post_without_the_forms_token_is_refused(served: Served) -> None:
    response = served.request("POST", "/propose/enterprise.register", {"enterprise": "x"})
    assert response.status_code == 403


def test_errors_come_back_beside_their_fields_with_the_values_kept(served: Served) -> None:
    response = served.post("enterprise.register", {**ENTERPRISE, "names.ja": "択捉島昆布"})
    assert response.status_code == 422
    html = response.text
    name = element(html, "f-names-ja")
    assert name["value"] == "択捉島昆布"
    assert name["aria-invalid"] == "true"
    assert "f-names-ja-findings" in str(name["aria-describedby"]).split()
    assert "択捉島" in inside(html, "f-names-ja-findings", "</ul>")
    assert element(html, "error-summary")["role"] == "alert"
    assert 'href="#f-names-ja"' in html
    assert element(html, "f-categories") is not None
    assert '<option value="aquaculture" selected>' in html
    taken = served.post("enterprise.register", {**ENTERPRISE, "enterprise": "jp-aqua"})
    assert taken.status_code == 422
    error = inside(taken.text, "f-enterprise-error", "</p>")
    assert ja("The rules refuse this:") in error
    assert '<span lang="en">' in error


def test_a_valid_form_is_shown_exactly_as_it_will_be_signed(served: Served) -> None:
    response = served.post("enterprise.register", ENTERPRISE)
    assert response.status_code == 200
    html = response.text
    button = element(html, "propose-sign")
    payload = base64.b64decode(str(button["data-payload"]))
    to_sign = base64.b64decode(str(button["data-to-sign"]))
    assert to_sign == _signing.ToSign.by(served.official, payload).data
    content = ProposalContent.decode(payload)
    assert content.proposed_by == "japan"
    assert dict(content.act) == {
        "type": "enterprise.register",
        "enterprise": "jp-form-kelp",
        "party": "japan",
        "names": {"ja": "デモ昆布株式会社", "en": "Demo Kelp Co."},
        "registered_address": {"place": "nemuro-port", "point": None},
        "categories": ["aquaculture"],
    }
    assert "デモ昆布株式会社" in inside(html, "what", "</section>")
    again = served.post("enterprise.register", ENTERPRISE, edit="1")
    assert again.status_code == 200
    assert element(again.text, "f-names-ja")["value"] == "デモ昆布株式会社"


def accessibility_violations(page: Page, node: NodeProcess, selector: str) -> list[str]:
    """axe-core's WCAG 2 A and AA findings within ``selector``. The script is served as if from
    the node (the page's policy runs scripts of its own origin only), never from the node."""

    def serve(route: Route) -> None:
        route.fulfill(path=AXE, content_type="text/javascript")

    page.route(f"{node.direct}/static/axe.min.js", serve)
    page.add_script_tag(url="/static/axe.min.js")
    found: list[str] = page.evaluate(
        """async (selector) => {
          const only = {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}};
          const r = await axe.run(selector, only);
          return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`);
        }""",
        selector,
    )
    return found


def test_a_registrar_proposes_an_enterprise_through_the_form(
    browser: Browser,
    nodes: dict[str, NodeProcess],
    registrars: dict[str, Official],
    artifacts: Path,
) -> None:
    """Japan's registrar proposes in Japanese at Japan's node; Russia's registrar signs it in
    Russian at Russia's; both see it committed."""
    japan = nodes["japan"]
    with official_context(browser, "ja") as context:
        page = context.new_page()
        public_key = enrol(page, japan, "jp-form-registrar")
        size = japan.status()["size"]
        appoint_key(japan, "jp-form-registrar", "registrar", public_key)
        wait_final(nodes, size + 1)
        sign_in(page, japan, "jp-form-registrar")

        page.get_by_role("link", name=ja("Propose"), exact=True).click()
        page.get_by_role("link", name=ja("Register an enterprise"), exact=True).click()
        expect(page.locator("h1")).to_have_text(ja("Register an enterprise"))
        expect(page.locator("#f-party")).to_have_value("japan")
        page.locator("#f-enterprise").fill("jp-form-fish")

        # Japan's name alone for Etorofu/Iturup: the live check says so beside the field.
        name = page.locator("#f-names-ja")
        findings = page.locator("#f-names-ja-findings li")
        name.fill("択捉島水産株式会社")
        expect(findings).to_have_count(1)
        expect(findings).to_contain_text("択捉島")
        expect(findings).to_contain_text("イトゥルップ島")
        expect(name).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=artifacts / "propose-finding-ja.png", full_page=True)
        name.fill("デモ水産株式会社")
        expect(page.locator("#f-names-ja-findings")).to_have_attribute("data-checked", "0")
        expect(findings).to_have_count(0)

        page.locator("#f-names-ja-Latn").fill("Demo Suisan K.K.")
        page.locator("#f-names-en").fill("Demo Fisheries Co.")
        page.locator("#f-registered_address-place").select_option("nemuro-port")
        page.locator("#f-categories").select_option(["aquaculture"])
        assert accessibility_violations(page, japan, "#propose-form") == []
        page.get_by_role("button", name=ja("Check and review")).click()

        expect(page.locator("h1")).to_have_text(
            ja("Review and sign: %(title)s", title=ja("Register an enterprise"))
        )
        signed = page.locator("dl.act")
        expect(signed).to_contain_text("デモ水産株式会社")
        expect(signed).to_contain_text("jp-form-fish")
        page.screenshot(path=artifacts / "propose-review-ja.png", full_page=True)
        page.locator("#propose-sign").click()

        page.wait_for_url(re.compile(r"/acts/[^/]+$"))
        expect(page.locator("#act-status")).to_contain_text(ja("open"))
        expect(page.locator("ul.standing li.done")).to_contain_text("日本")
        expect(page.locator("ul.standing li.done")).to_contain_text(ja("consented"))
        expect(page.locator("ul.standing li.waiting")).to_contain_text("ロシア")
        expect(page.locator("dl.act")).to_contain_text("デモ水産株式会社")

        # Russia's registrar, at Russia's node, in Russian: the act arrives, and is signed.
        act_id = page.url.rsplit("/", 1)[1]
        ru = registrars["russia"]
        at_russia = f"{ru.node.direct}/acts/{act_id}"
        until(ru.page, at_russia, lambda p: p.locator("#sign").count() > 0)
        expect(ru.page.locator("dl.act")).to_contain_text("デモ水産株式会社")
        expect(ru.page.locator("dl.act")).to_contain_text("порт Нэмуро")
        ru.page.get_by_role("button", name="Подписать").click()
        expect(ru.page.locator("p.done")).to_have_text("Вы подписали этот акт.")
        until(ru.page, at_russia, status_shows("внесён"))
        until(page, f"{japan.direct}/acts/{act_id}", status_shows(ja("committed")))
        page.screenshot(path=artifacts / "propose-committed-ja.png", full_page=True)
