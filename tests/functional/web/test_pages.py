"""Every page in every language: no English left on a Japanese or Russian page, no serious
accessibility violation (axe-core, vendored), and a screenshot of each kept as an artifact.

The pages are walked on the seed scenario's nodes, so each registry, chart and act page shows
real records, not empty tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from .._network import NodeProcess, appoint_key, wait_final
from .conftest import enrol, sign_in

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
LANGUAGES = ("ja", "ru", "en")
#: The languages every page is also checked for accessibility in: the pages' structure is the
#: same in each, and these two carry the scripts and the names in the other party's language.
AXE_LANGUAGES = ("ja", "ru")
#: Latin letters a Japanese or Russian page may show outside data: the time zone of every time,
#: names of formats and keys as both languages write them, and the regime's id (``seed``), which a
#: table's caption names as the command line's does.
ALLOWED_LATIN = {"UTC", "QR", "CSV", "JSON", "PDF", "WGS", "Ctrl", "Mac", "seed"}
#: One committed act of each of these types is shown, each by the act page's renderer.
ACT_TYPES = (
    "regime.adopt",
    "official.appoint",
    "enterprise.register",
    "project.approve",
    "participant.enrol",
    "certificate.issue",
    "movement.manifest",
    "report.submit",
    "incident.report",
    "committee.decide",
)
#: Visible text outside data: text nodes not inside an element marked translate="no", nor in
#: another language than the page's (names as written, texts as given), nor code.
VISIBLE_TEXT = """() => {
  const page = document.documentElement.lang;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('[translate="no"], code, script, style, template, [hidden]')) continue;
    const tagged = el.closest('[lang]');
    if (tagged && tagged.lang !== page) continue;
    if (el.closest('option') && el.closest('select')?.getAttribute('translate') === 'no') continue;
    out.push(node.textContent.trim());
  }
  return out;
}"""
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.help} at ` +
              v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


@pytest.fixture(scope="module")
def walker(browser: Browser, nodes: dict[str, NodeProcess]) -> Iterator[tuple[BrowserContext, str]]:
    """A Japanese registrar signed in at Japan's node, in a context where the test may inject
    the accessibility checker (the pages' own policy admits no script but theirs)."""
    japan = nodes["japan"]
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    key = enrol(page, japan, "jp-page-walker")
    appoint_key(japan, "jp-page-walker", "registrar", key)
    wait_final(nodes, japan.status()["size"])
    sign_in(page, japan, "jp-page-walker")
    page.close()
    yield context, japan.direct
    context.close()


def _pages(base: str) -> list[str]:
    """Every page of the app: each list, and one of each kind of record."""
    proposals = httpx.get(f"{base}/api/v1/proposals", params={"status": "committed"}, timeout=10)
    first: dict[str, str] = {}
    for p in proposals.json():
        first.setdefault(p["type"], p["id"])
    missing = [t for t in ACT_TYPES if t not in first]
    assert not missing, f"the scenario commits no {missing}: {sorted(first)}"
    paths = ["/inbox", "/propose", "/propose/enterprise.register"]
    paths += [f"/acts/{first[t]}" for t in ACT_TYPES]
    paths += ["/map", "/charts", "/log", "/registries", "/acts/not-an-act"]
    return paths


def _registry_paths(page: Page, base: str) -> list[str]:
    page.goto(f"{base}/registries")
    links = page.eval_on_selector_all(
        'main a[href^="/registries/"]', "els => els.map(e => e.getAttribute('href'))"
    )
    paths = {h.split("#")[0] for h in links}
    return sorted(p for p in paths if not p.split("?")[0].endswith((".csv", ".json", ".pdf")))


def _english(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        words = {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_LATIN}
        if words:
            found.append(text)
    return found


def check_page(page: Page, path: str, language: str, artifacts: Path) -> list[str]:
    """What is wrong with the page now shown: English left, accessibility; its screenshot kept."""
    assert page.evaluate("document.documentElement.lang") == language, path
    name = re.sub(r"[^a-z0-9]+", "-", path.strip("/")).strip("-") or "home"
    page.screenshot(path=artifacts / f"page-{name}-{language}.png", full_page=True)
    problems = []
    if language != "en":
        english = _english(page.evaluate(VISIBLE_TEXT))
        problems += [f"{path} ({language}): English left: {t!r}" for t in english]
    if language in AXE_LANGUAGES:
        page.add_script_tag(path=str(AXE))
        problems += [f"{path} ({language}): {v}" for v in page.evaluate(AXE_RUN)]
    return problems


def test_every_page_in_every_language(walker: tuple[BrowserContext, str], artifacts: Path) -> None:
    context, base = walker
    page = context.new_page()
    paths = _pages(base) + _registry_paths(page, base)
    page.goto(f"{base}/registries/certificates")
    certificate = page.locator('main table a[href^="/registries/certificates/"]').first
    assert certificate.count(), "no certificate in the registry"
    paths.append(certificate.get_attribute("href") or "")
    assert len(paths) >= 15, paths
    problems: list[str] = []
    for language in LANGUAGES:
        page.goto(f"{base}/inbox?lang={language}")
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response is not None, f"{path}: no response"
            expected = 404 if path == "/acts/not-an-act" else 200
            assert response.status == expected, f"{path} ({language}): {response.status}"
            problems += check_page(page, path, language, artifacts)
    assert not problems, "\n".join(problems)


def test_signed_out_pages_in_every_language(
    browser: Browser, nodes: dict[str, NodeProcess], artifacts: Path
) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    problems: list[str] = []
    for language in LANGUAGES:
        for path in ("/login", "/enrol"):
            page.goto(f"{nodes['russia'].direct}{path}?lang={language}")
            problems += check_page(page, path, language, artifacts)
    context.close()
    assert not problems, "\n".join(problems)
