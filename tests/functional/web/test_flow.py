"""Officials of both parties work through their own nodes' pages, each key in its own browser."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from .._network import NodeProcess, appoint_key, wait_final
from .conftest import enrol, official_context, sign_in


def test_registrar_enrols_and_signs_in(
    browser: Browser, nodes: dict[str, NodeProcess], artifacts: Path
) -> None:
    japan = nodes["japan"]
    with official_context(browser, "ja") as context:
        page = context.new_page()
        public_key = enrol(page, japan, "jp-web-registrar")
        page.screenshot(path=artifacts / "enrol-ja.png", full_page=True)
        size = japan.status()["size"]
        appoint_key(japan, "jp-web-registrar", "registrar", public_key)
        wait_final(nodes, size + 1)
        sign_in(page, japan, "jp-web-registrar")
        expect(page.locator("h1")).to_have_text("受信箱")
        page.screenshot(path=artifacts / "inbox-ja.png", full_page=True)
