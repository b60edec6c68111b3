"""The verifier served by a node at /verifier/: the app's files with its content security policy,
the node keys of its regime's parties pinned from the node's own log, and a fresh trust bundle
from the node's /api/v1/trust-bundle, which every party's node vouches for, opened in the
browser against those keys. An exported app, served from an origin of its own, fetches fresh
bundles from the nodes it names: that route alone lets another origin read it."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from typer.testing import CliRunner

from jointzone.cli import app as cli
from jointzone.node import NodeConfig, StandaloneNode
from jointzone.server import NodeService
from jointzone.web import create_app_with_pages
from jointzone.web._verifier import CSP, NODE_BUNDLE_URL, policy

from .._inprocess import PASSPHRASE, _listening_socket, _url, _uvicorn, adopted_template
from .conftest import Served, new_page, serve_folder, vectors


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


# -- other origins --------------------------------------------------------------------------------

#: An exported verifier app's origin, which is not the node's.
ELSEWHERE = "http://127.0.0.1:8000"


def _cross_origin_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def test_only_the_trust_bundle_can_be_read_from_another_origin(node_urls: dict[str, str]) -> None:
    with httpx.Client(base_url=node_urls["japan"], timeout=30) as http:
        bundle = http.get(NODE_BUNDLE_URL, headers={"origin": ELSEWHERE})
        assert bundle.status_code == 200
        assert bundle.json()["format"] == "jointzone-trust-bundle/3"
        assert _cross_origin_headers(bundle) == {"access-control-allow-origin": "*"}
        # A browser asks before a request it may not simply send, e.g. with a header of its own.
        asked = {"origin": ELSEWHERE, "access-control-request-method": "GET"}
        preflight = http.options(
            NODE_BUNDLE_URL, headers={**asked, "access-control-request-headers": "accept"}
        )
        assert preflight.status_code == 200
        found = _cross_origin_headers(preflight)
        assert found["access-control-allow-origin"] == "*"
        assert found["access-control-allow-methods"] == "GET"
        assert "access-control-allow-credentials" not in found  # no cookies, ever
        post = http.options(
            NODE_BUNDLE_URL, headers={**asked, "access-control-request-method": "POST"}
        )
        assert (post.status_code, post.text) == (400, "Disallowed CORS method")
        # An OPTIONS that is no preflight is what it was: a method the route does not serve.
        assert http.options(NODE_BUNDLE_URL).status_code == 405
        # Nothing else: the officials' API, the public log, the pages and their session API.
        for method, path in [
            ("GET", "/api/v1/context"),
            ("GET", "/api/v1/regime"),
            ("GET", "/api/v1/proposals"),
            ("POST", "/api/v1/proposals"),
            ("GET", "/api/v1/certificate-key"),
            ("POST", "/api/v1/node-key"),
            ("GET", "/status"),
            ("GET", "/checkpoint"),
            ("GET", "/login"),
            ("GET", "/inbox"),
            ("POST", "/web/api/login/challenge"),
            ("POST", "/web/api/login"),
            ("POST", "/logout"),
            ("GET", "/verifier/config.json"),
        ]:
            answer = http.request(method, path, headers={"origin": ELSEWHERE})
            assert _cross_origin_headers(answer) == {}, (method, path, answer.headers)
            asked_for = {**asked, "access-control-request-method": method}
            preflight = http.options(path, headers=asked_for)
            assert preflight.status_code >= 400, (method, path, preflight.status_code)
            assert _cross_origin_headers(preflight) == {}, (method, path, preflight.headers)


def test_an_exported_app_fetches_fresh_bundles_from_the_nodes_it_names(
    browser: Browser, node_urls: dict[str, str], tmp_path: Path
) -> None:
    japan, russia = node_urls["japan"], node_urls["russia"]
    with httpx.Client(timeout=30) as http:
        keys = http.get(f"{japan}/verifier/config.json").json()["node_keys"]
        places = len(http.get(f"{japan}/api/v1/regime").json()["places"])
    gone = _listening_socket()  # a node that is down: bound, never listening
    down = _url(gone)
    app = tmp_path / "app"
    args = ["verifier", "export", str(app), *(a for k in keys for a in ("--key", k))]
    for url in (down, japan, russia + "/"):
        args += ["--refresh-from", url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "no trust bundle beside it" not in result.output
    urls = [f"{u}{NODE_BUNDLE_URL}" for u in (down, japan, russia)]
    assert json.loads((app / "config.json").read_text())["bundle_urls"] == urls
    # The policy goes with the folder, since a plain web server sends none: those URLs only.
    meta = f'content="{policy(urls, in_page=True)}"'
    assert meta in (app / "index.html").read_text(encoding="utf-8")
    served = serve_folder(app, plain=True)
    page = new_page(browser, served, now=None, reachable=[japan, russia, down])
    try:
        # No bundle beside it: what it shows is a node's, opened against the pinned keys.
        status = page.locator("#bundle-status")
        expect(status).to_have_class("good")
        russia_host = russia.removeprefix("http://")
        expect(status).to_contain_text(f"the node at {russia_host}")
        assert re.search(r"Made .+, \d+ s old; from the node at ", status.inner_text())
        checks = page.locator("#bundle-checks li")
        assert [c.get_attribute("data-check") for c in checks.all()] == [
            "checkpoint", "table", "parties", "bundle time", "trust", "trust bundle",
        ]  # fmt: skip
        assert page.locator("#place-select option").count() == places + 1  # and "not chosen"
        stored = page.evaluate(
            """() => new Promise((resolve, reject) => {
              const open = indexedDB.open("jointzone-verifier", 1);
              open.onerror = () => reject(open.error);
              open.onsuccess = () => {
                const store = open.result.transaction("bundles").objectStore("bundles");
                const get = store.get("current");
                get.onsuccess = () => resolve({source: get.result.source, url: get.result.url});
              };
            })"""
        )
        assert stored == {"source": "remote", "url": urls[2]}
        # Fetched again on request, by CORS from the app's origin, without credentials.
        with page.expect_response(urls[1]) as fetched:
            page.click("#bundle-refresh")
        response = fetched.value
        assert response.ok
        assert response.request.headers["origin"] == served.url
        assert response.headers["access-control-allow-origin"] == "*"
        assert "cookie" not in response.request.headers
        # Anything else of the nodes, the policy refuses.
        refused = page.evaluate(
            "url => fetch(url).then(() => 'fetched', () => 'refused')", f"{japan}/status"
        )
        assert refused == "refused"
        errors: list[str] = page.errors  # type: ignore[attr-defined]
        unexpected = [
            e for e in errors if "ERR_CONNECTION_REFUSED" not in e and f"{japan}/status" not in e
        ]
        assert unexpected == []
        assert any("Content Security Policy" in e for e in errors)
    finally:
        page.context.close()
        served.server.shutdown()
        served.server.server_close()
        gone.close()
