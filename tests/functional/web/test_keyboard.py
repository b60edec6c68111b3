"""Keyboard only: an official enrols, signs in and signs an act without touching a mouse."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from .._network import NodeProcess, appoint_key, wait_final
from .conftest import official_context
from .test_consent import enterprise, propose_at_japan, until
from .test_registries_browser import tab_to

OFFICIAL = "ru-keyboard-registrar"


def test_enrol_sign_in_and_sign_by_keyboard(
    browser: Browser, nodes: dict[str, NodeProcess], artifacts: Path
) -> None:
    russia = nodes["russia"]
    with official_context(browser, "ru") as context:
        page = context.new_page()
        page.goto(f"{russia.direct}/enrol")
        tab_to(page, "#enrol-official")
        page.keyboard.type(OFFICIAL)
        page.keyboard.press("Enter")
        key = page.locator("#enrolled-key")
        expect(key).not_to_be_empty()
        appoint_key(russia, OFFICIAL, "registrar", key.inner_text())
        wait_final(nodes, russia.status()["size"])

        page.goto(f"{russia.direct}/login")
        tab_to(page, "#login-official")
        tab_to(page, "#login button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{russia.direct}/inbox")

        act_id = propose_at_japan(nodes, enterprise("jp-web-keyboard"))
        until(
            page, f"{russia.direct}/inbox", lambda p: p.locator(f'a[href="/acts/{act_id}"]').count()
        )
        tab_to(page, f'#awaiting + table a[href="/acts/{act_id}"]')
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/acts/{act_id}")
        tab_to(page, "#sign")
        page.screenshot(path=artifacts / "keyboard-sign-focus-ru.png", full_page=True)
        page.keyboard.press("Enter")
        expect(page.locator("p.done")).to_have_text("Вы подписали этот акт.")
