"""The verifier served by a node at /verifier/: the app's files with its content security policy,
the node keys of its regime's parties pinned from the node's own log, and a fresh trust bundle
from the node's /api/v1/trust-bundle, which every party's node vouches for, opened in the
browser against those keys."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from jointzone.node import NodeConfig, StandaloneNode
from jointzone.server import NodeService
from jointzone.web import create_app_with_pages
from jointzone.web._verifier import CSP

from .._inprocess import PASSPHRASE, _listening_socket, _url, _uvicorn, adopted_template
from .conftest import Served, new_page, vectors


@contextmanager
def _serve_with_pages(roots: dict[str, Path]) -> Iterator[dict[str, str]]:
    """The node directories served on loopback, each as ``node serve`` serves it: the API, the
    officials' pages and the verifier; each party's URL."""
    sockets = {party: _listening_socket() for party in roots}
    for party, root in roots.items():
        config = NodeConfig.read(root)
        config.url = _url(sockets[party])
        config.peers = {
            p: dataclasses.replace(d, url=_url(sockets[p])) for p, d in config.peers.items()
        }
        config.write(root)
    with ExitStack() as stack:
        for sock in sockets.values():
            stack.callback(sock.close)
        for party, root in roots.items():
            service = NodeService(StandaloneNode.open(root, passphrase=PASSPHRASE))
            stack.callback(service.close)
            stack.enter_context(_uvicorn(create_app_with_pages(service), sockets[party]))
        yield {party: _url(sock) for party, sock in sockets.items()}


@pytest.fixture(scope="module")
def node_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    template = adopted_template(tmp_path_factory)
    directory = tmp_path_factory.mktemp("verifier-nodes")
    roots = {}
    for party, root in template.items():
        roots[party] = directory / party
        shutil.copytree(root, roots[party])
    with _serve_with_pages(roots) as urls:
        yield urls


def test_a_node_serves_the_app_with_its_own_policy_and_pinned_keys(
    node_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = node_urls["japan"]
    with httpx.Client(base_url=url, timeout=30) as http:
        redirect = http.get("/verifier")
        assert redirect.status_code == 308
        assert redirect.headers["location"] == "/verifier/"
        index = http.get("/verifier/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert index.headers["content-security-policy"] == CSP
        assert http.get("/verifier/index.html").content == index.content
        config = http.get("/verifier/config.json").json()
        worker = http.get("/verifier/sw.js")
        assert worker.headers["content-type"].startswith("text/javascript")
        assert "/* files */" not in worker.text
        assert http.get("/verifier/nothing.js").status_code == 404
        assert http.get("/verifier/../node.json").status_code == 404
        assert http.get("/login").headers["content-security-policy"] != CSP  # the pages' own
    template = adopted_template(tmp_path_factory)
    with StandaloneNode.open(template["japan"], passphrase=None) as node:
        expected = [v.vkey for v in node.node.replica.node_verifiers()]
    assert config == {
        "format": "jointzone-verifier-config/1",
        "node_keys": expected,
        "bundle_urls": ["/api/v1/trust-bundle"],
    }


def test_the_app_a_node_serves_opens_the_nodes_fresh_bundle(
    browser: Browser, node_urls: dict[str, str]
) -> None:
    url = node_urls["russia"]
    served = Served(url, Path("."), None)  # type: ignore[arg-type]
    page = new_page(browser, served, language="ru", now=None, path="/verifier/")
    try:
        expect(page.locator("#bundle-status")).to_have_class("good")
        checks = page.locator("#bundle-checks li")
        assert [c.get_attribute("data-check") for c in checks.all()] == [
            "checkpoint", "table", "parties", "bundle time", "trust", "trust bundle",
        ]  # fmt: skip
        # A test vector's certificate: another issuer's, signed by keys of no party here, long
        # expired.
        vector = next(v for v in vectors()["vectors"] if v["name"] == "valid-japanese-holder")
        page.fill("#paste-text", vector["text"])
        page.click("#paste-verify")
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "INVALID")
        failing = page.locator("#checks li[data-status='FAIL']")
        assert {c.get_attribute("data-class") for c in failing.all()} == {
            "wrong issuer", "missing", "unknown signer", "expired",
        }  # fmt: skip
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
