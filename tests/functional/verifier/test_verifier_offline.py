"""Offline cold start: loaded once while online, the app (its service worker) starts again with
the network cut, in the same tab and in a new one, keeps the trust bundle it received (IndexedDB)
and verifies a pasted certificate; the app's files are the service worker's, none fetched."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from .conftest import Seed, Served, new_page

CONTROLLED = "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"


def test_the_app_starts_and_verifies_with_the_network_cut(
    browser: Browser, exported: Served, seed: Seed
) -> None:
    page = new_page(browser, exported, language="ja")
    context = page.context
    try:
        page.wait_for_function(CONTROLLED)
        expect(page.locator("#bundle-status")).to_have_class("good")
        context.set_offline(True)
        page.reload()
        page.evaluate("window.verifierReady")
        assert page.evaluate("navigator.onLine") is False
        assert page.evaluate("!!navigator.serviceWorker.controller")
        expect(page.locator("#bundle-status")).to_have_class("good")  # kept on the device
        page.fill("#paste-text", seed.certificates["tour19-07"])
        page.click("#paste-verify")
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "VALID")
        assert page.locator("#verdict").inner_text() == "有効"
        # A new tab, offline from the start: a cold start served by the service worker.
        cold = context.new_page()
        cold.goto(exported.url + "/")
        cold.evaluate("window.verifierReady")
        cold.fill("#paste-text", seed.certificates["tour19-08"])
        cold.click("#paste-verify")
        expect(cold.locator("#verdict")).to_have_attribute("data-verdict", "VALID")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        context.close()


def test_what_the_service_worker_keeps_is_every_file_of_the_app(
    browser: Browser, exported: Served
) -> None:
    page = new_page(browser, exported)
    try:
        page.wait_for_function(CONTROLLED)
        kept = page.evaluate(
            """async () => {
              const names = await caches.keys();
              const name = names.find((n) => n.startsWith('jointzone-verifier-'));
              const cache = await caches.open(name);
              return (await cache.keys()).map((r) => new URL(r.url).pathname.slice(1)).sort();
            }"""
        )
        files = sorted(
            p.relative_to(exported.directory).as_posix()
            for p in exported.directory.rglob("*")
            if p.is_file() and p.name != "sw.js"
        )
        assert kept == files
    finally:
        page.context.close()
