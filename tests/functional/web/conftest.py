"""The officials' web app in a real browser: Debian's Chromium driven by Playwright, against two
parties' nodes running as processes on loopback.

Chromium is the system's (``/usr/bin/chromium``; ``make test`` installs it where it can): no
browser is downloaded. Screenshots go to ``build/test-artifacts/web`` and are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from jointzone.cli._network import network_demo
from jointzone.node import EmbeddedDeployment, NodeConfig, StandaloneNode
from jointzone.node._standalone import set_clock
from jointzone.regime import Regime
from jointzone.server import NodeService, create_app
from jointzone.web import Pages, mount

from .._network import REGIME, ROOT, NodeProcess, appoint_key, free_port, serving, wait_final

CHROMIUM = os.environ.get("JOINTZONE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "build" / "test-artifacts" / "web"
SCENARIO = ROOT / "scenarios" / "seed.yaml"
T = TypeVar("T")


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, for this package's tests only: while it runs, this thread has an
    event loop running (so ``asyncio.run`` here needs :func:`run_async`), and it stops with the
    package, before any other test runs."""
    with sync_playwright() as p:
        yield p


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end in a thread of its own, beside the browser's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"no Chromium at {CHROMIUM}: the web tests drive Debian's chromium package "
            "(`make test` installs it when run as root; or set JOINTZONE_CHROMIUM)"
        )
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield b
    b.close()


@pytest.fixture(scope="package")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, NodeProcess]]:
    """Japan's and Russia's nodes with the seed scenario played through their APIs (as
    ``make run`` plays it), serving again: every registry, chart and page has something in it.

    One pair for every web test: each test enrols officials of its own, so none depends on
    another's acts."""
    root = tmp_path_factory.mktemp("web") / "demo"
    regime = Regime.from_dir(REGIME)
    ports = [free_port() for _ in regime.party_ids]
    with contextlib.redirect_stdout(io.StringIO()):
        network_demo(root, regime_dir=REGIME, scenario_path=SCENARIO, ports=ports, serve=False)
    made = {
        party: NodeProcess(party, root / party, port)
        for party, port in zip(regime.party_ids, ports, strict=True)
    }
    # The scenario ran on the nodes' simulated clocks, 2017 to 2019. From here on the officials
    # act now, by this machine's clock (the browser's and the command line's), so the nodes'
    # clocks follow it, set every second as a demo's player would.
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            for node in made.values():
                set_clock(node.root, datetime.now(UTC))
            stop.wait(1.0)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        with serving(made):
            yield made
    finally:
        stop.set()
        ticker.join()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def official_context(browser: Browser, language: str) -> BrowserContext:
    """A browser profile of its own (its own IndexedDB: its own keys), reading ``language``."""
    locale = {"ja": "ja-JP", "ru": "ru-RU", "en": "en-GB"}[language]
    context = browser.new_context(locale=locale)
    context.set_default_timeout(15_000)
    return context


def enrol(page: Page, node: NodeProcess, official: str) -> str:
    """Make ``official``'s key in this browser; the public key the page shows."""
    page.goto(f"{node.direct}/enrol")
    page.get_by_role("textbox").fill(official)
    page.locator("#enrol button[type=submit]").click()
    key = page.locator("#enrolled-key")
    expect(key).not_to_be_empty()
    return key.inner_text()


def sign_in(page: Page, node: NodeProcess, official: str) -> None:
    page.goto(f"{node.direct}/login")
    page.locator("#login-official").select_option(official)
    page.locator("#login button[type=submit]").click()
    page.wait_for_url(f"{node.direct}/inbox")


@dataclass
class Official:
    id: str
    page: Page
    node: NodeProcess


@pytest.fixture(scope="package")
def registrars(browser: Browser, nodes: dict[str, NodeProcess]) -> Iterator[dict[str, Official]]:
    """A registrar of each party, each with the key their own browser made, appointed and
    signed in at their own node: Japan's reads Japanese, Russia's Russian."""
    contexts: list[BrowserContext] = []
    out = {}
    for party, official, language in (
        ("japan", "jp-consent-registrar", "ja"),
        ("russia", "ru-consent-registrar", "ru"),
    ):
        context = official_context(browser, language)
        contexts.append(context)
        page = context.new_page()
        node = nodes[party]
        key = enrol(page, node, official)
        appoint_key(node, official, "registrar", key)
        out[party] = Official(official, page, node)
    wait_final(nodes, max(n.status()["size"] for n in nodes.values()))
    for o in out.values():
        sign_in(o.page, o.node, o.id)
    yield out
    for context in contexts:
        context.close()


def serve_in_process(
    deployment: EmbeddedDeployment, party: str, *, demo_officials: Path | None = None
) -> tuple[FastAPI, Pages]:
    """``party``'s node of an embedded deployment served in this process as ``node serve``
    serves it (API and pages), with no HTTP server: an ASGI app to call."""
    node = deployment.nodes[party]
    regime = node.replica.regime
    assert regime is not None
    root = deployment.root / party
    if not (root / "regime").exists():  # the neutrality lexicon, as a node directory holds it
        shutil.copytree(REGIME, root / "regime")
    config = NodeConfig(
        party=party,
        url="https://testserver",
        db=f"sqlite:///{root / 'node.db'}",
        root_keys=(),
        threshold=2,
        clock="simulated",
    )
    service = NodeService(StandaloneNode(root, config, node, regime))
    app = create_app(service)
    return app, mount(app, service, demo_officials=demo_officials)
