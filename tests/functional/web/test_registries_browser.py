"""An official of Russia's node searches and filters a registry with the keyboard alone."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from .._network import NodeProcess, appoint_key, wait_final
from .conftest import enrol, official_context, sign_in

OFFICIAL = "ru-reg-viewer"
#: The most Tab presses it may take to reach a control.
MAX_TABS = 80


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element ``selector`` names has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with {MAX_TABS} presses of Tab")


def choose(page: Page, selector: str, value: str) -> None:
    """With the focus on the select ``selector``, move to the option ``value`` with the arrow
    keys, as a keyboard user does."""
    select = page.locator(selector)
    for _ in range(10):
        if select.input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {value!r} in {selector} by the arrow keys")


def test_an_official_searches_and_filters_a_registry_by_keyboard(
    browser: Browser, nodes: dict[str, NodeProcess], artifacts: Path
) -> None:
    russia = nodes["russia"]
    with official_context(browser, "ru") as context:
        page = context.new_page()
        public_key = enrol(page, russia, OFFICIAL)
        size = russia.status()["size"]
        appoint_key(russia, OFFICIAL, "registrar", public_key)
        wait_final(nodes, size + 1)
        sign_in(page, russia, OFFICIAL)

        # From the inbox to the registries, to the certificates, by Tab and Enter alone.
        tab_to(page, 'header nav a[href="/registries"]')
        page.keyboard.press("Enter")
        page.wait_for_url(f"{russia.direct}/registries")
        tab_to(page, 'main a[href="/registries/certificates"]')
        page.keyboard.press("Enter")
        page.wait_for_url(f"{russia.direct}/registries/certificates")
        expect(page.locator("h1")).to_have_text("Удостоверения")

        tab_to(page, "#q")
        page.keyboard.type("tour19-1")
        tab_to(page, "#filter-status")
        choose(page, "#filter-status", "revoked")
        tab_to(page, "form.registry-query button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/registries/certificates\?q=tour19-1&.*status=revoked.*"))

        rows = page.locator("table.registry tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td").first).to_have_text("tour19-12")
        expect(page.locator("#summary")).to_contain_text("Найдено записей: 1 из 44.")
        expect(page.locator("#q")).to_have_value("tour19-1")
        expect(page.locator("#filter-status")).to_have_value("revoked")
        page.screenshot(path=artifacts / "registry-certificates-ru.png", full_page=True)

        # On to the certificate itself: its QR code, drawn in the page.
        tab_to(page, 'table.registry a[href="/registries/certificates/tour19-12"]')
        page.keyboard.press("Enter")
        page.wait_for_url(f"{russia.direct}/registries/certificates/tour19-12")
        expect(page.locator("figure.qr svg")).to_be_visible()
        expect(page.locator("p.error[role=alert]")).to_contain_text("отозвано")
        page.screenshot(path=artifacts / "certificate-ru.png", full_page=True)
