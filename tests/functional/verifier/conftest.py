"""The officer's verifier app in Debian's Chromium, driven by Playwright, against the seeded
deployment's certificates and trust bundles.

The app is exported as a folder (``jointzone verifier export``) with the 26 October bundle beside
it and the seeded nodes' keys pinned, and served from loopback by a static server that sends the
app's content security policy, as a node would. Nothing else is reachable: every page's requests
to any other origin are refused (:func:`guarded`), but to the nodes a test names.

Playwright runs once per process (its sync API cannot be started twice), so this package holds
its own instance for its own tests only, and stops it when the package's tests are done, before
the officials' web tests start theirs.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright
from typer.testing import CliRunner

from jointzone.cli import app as cli
from jointzone.node import EmbeddedDeployment
from jointzone.web._verifier import CSP, content_type

from ..conftest import KEYS

CHROMIUM = "/usr/bin/chromium"
BUNDLE_DAY = "2019-10-26"
LATER_DAY = "2019-11-02"


@dataclass(frozen=True)
class Seed:
    """What the seeded deployment gives an officer: the parties' node keys, every certificate's
    JZ1 text and QR image, and the trust bundles exported during the tour."""

    keys: list[str]
    certificates: dict[str, str]
    qr_png: dict[str, bytes]
    bundles: dict[str, bytes]


@pytest.fixture(scope="package")
def seed(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Seed:
    root = tmp_path_factory.mktemp("verifier-seed") / "zone"
    shutil.copytree(seeded_dir, root)  # test_certificates holds seeded_dir open
    with EmbeddedDeployment.open(root, passphrases=KEYS) as d:
        japan = d.nodes["japan"]
        keys = [v.vkey for v in japan.replica.node_verifiers()]
        documents = {cid: japan.certificate(cid) for cid in japan.replica.state.certificates}
    certificates = {cid: doc.to_text() for cid, doc in documents.items() if doc is not None}
    qr = {cid: doc.qr_png(scale=6) for cid, doc in documents.items() if doc is not None}
    bundles = {day: (root / f"trust-{day}.json").read_bytes() for day in (BUNDLE_DAY, LATER_DAY)}
    return Seed(keys=keys, certificates=certificates, qr_png=qr, bundles=bundles)


def export(seed: Seed, directory: Path, *, bundle: str | None = BUNDLE_DAY) -> Path:
    """``jointzone verifier export DIR``, pinning the seeded nodes' keys."""
    args = ["verifier", "export", str(directory), *(a for k in seed.keys for a in ("--key", k))]
    if bundle is not None:
        path = directory.parent / f"trust-{bundle}.json"
        path.write_bytes(seed.bundles[bundle])
        args += ["--bundle", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return directory


class _Handler(http.server.SimpleHTTPRequestHandler):
    policy: str | None = CSP

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return content_type(str(path))

    def end_headers(self) -> None:
        if self.policy is not None:
            self.send_header("content-security-policy", self.policy)
        self.send_header("cache-control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _PlainHandler(_Handler):
    policy = None


@dataclass
class Served:
    url: str
    directory: Path
    server: http.server.ThreadingHTTPServer


def serve_folder(directory: Path, *, plain: bool = False) -> Served:
    """``directory`` served on a loopback port of its own, as a web server would serve an
    exported app: the files, their types and the app's content security policy (``plain``:
    without it, as ``python -m http.server`` serves them)."""
    handler = functools.partial(_PlainHandler if plain else _Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="verifier-http").start()
    return Served(f"http://127.0.0.1:{server.server_address[1]}", directory, server)


@pytest.fixture(scope="package")
def exported(seed: Seed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = serve_folder(export(seed, tmp_path_factory.mktemp("exported") / "verifier"))
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield b
    b.close()


def guarded(context: BrowserContext, origin: str, *others: str) -> BrowserContext:
    """Refuse every request the context makes to anywhere but ``origin`` (and the ``others``):
    the islands are offline, and the app must fetch nothing from elsewhere."""

    def route(r: Route) -> None:
        if r.request.url.startswith(tuple(o + "/" for o in (origin, *others))):
            r.fallback()
        else:
            r.abort("blockedbyclient")

    context.route("**/*", route)
    return context


def new_page(
    browser: Browser,
    served: Served,
    *,
    language: str = "en",
    now: str | None = "2019-10-30T12:00:00Z",
    path: str = "/",
    reachable: Sequence[str] = (),
) -> Page:
    """A fresh profile (its own storage and service worker) reading ``language``, its clock at
    ``now`` (by default 30 October 2019, during the first voyage; None: this machine's), on the
    app at ``path``; of other origins, only those ``reachable`` can be reached."""
    locale = {"ja": "ja-JP", "ru": "ru-RU", "en": "en-GB"}[language]
    context = guarded(browser.new_context(locale=locale), served.url, *reachable)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    if now is not None:
        page.clock.set_fixed_time(now)
    page.goto(served.url + path)
    page.evaluate("window.verifierReady")
    return page


def vectors() -> dict[str, Any]:
    path = Path(__file__).parents[2] / "data" / "certificates" / "vectors.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
