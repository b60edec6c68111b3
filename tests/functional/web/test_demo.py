"""A demonstration's node signs for its demo officials, and for nothing and nobody else; every
page says that it does. (A real node is served without ``--demo-officials`` and holds no
official's key: the other web tests sign in their browsers.)"""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from jointzone import ed25519
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.consent import Proposal
from jointzone.node import EmbeddedDeployment, Node, write_key_file
from jointzone.scenario import ScenarioClock
from jointzone.web._signing import cosigning

from ..conftest import KEYS
from .conftest import run_async, serve_in_process

PARTY = "russia"
DEMO = "ru-registrar"


@dataclass
class Browser:
    """A client of the app in process, keeping its cookies as a browser does."""

    app: FastAPI
    cookies: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def run() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app),
                base_url="https://testserver",
                cookies=self.cookies,
            ) as client:
                response = await client.request(method, path, **kwargs)
                self.cookies.update(dict(client.cookies))
                return response

        return run_async(run)


@dataclass
class Demo:
    app: FastAPI
    node: Node


@pytest.fixture(scope="module")
def demo(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo") / "zone"
    shutil.copytree(seeded_dir, root)
    officials = root / "officials"
    officials.mkdir()
    with EmbeddedDeployment.open(
        root, passphrases=KEYS, clock=ScenarioClock(datetime(2020, 1, 15, tzinfo=UTC))
    ) as d:
        node = d.nodes[PARTY]
        # The demo officials' key files: Russia's registrar, and one of Japan's (another party's
        # official, whom Russia's node must never sign for), and a file that is no key at all.
        for party, official in ((PARTY, DEMO), ("japan", "jp-registrar")):
            key = d.nodes[party].keystore.private_key("official", official)
            write_key_file(officials / f"{official}.pem", key, DEMO_PASSPHRASE, demo=True)
        (officials / "ru-projects.pem").write_text("not a key\n", encoding="utf-8")
        app, _ = serve_in_process(d, PARTY, demo_officials=officials)
        yield Demo(app, node)


def _csrf(html: str) -> str:
    found = re.search(r'data-csrf="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def test_the_login_page_offers_only_this_partys_demo_officials_with_a_key_file(
    demo: Demo,
) -> None:
    html = Browser(demo.app).call("GET", "/login").text
    offered = re.findall(r'<option value="([^"]+)">', html.split('id="demo-login"')[1])
    assert offered == [DEMO]
    assert "the demo officials' keys are kept on this node" in html


def test_a_demo_official_signs_in_and_the_node_signs_an_act_for_them(demo: Demo) -> None:
    browser = Browser(demo.app)
    refused = browser.call("POST", "/web/api/demo/login", json={"official": "jp-registrar"})
    assert refused.status_code == 401, refused.text
    signed_in = browser.call("POST", "/web/api/demo/login", json={"official": DEMO})
    assert signed_in.status_code == 200, signed_in.text
    inbox = browser.call("GET", "/inbox")
    assert inbox.status_code == 200
    assert "the demo officials' keys are kept on this node" in inbox.text
    headers = {"x-csrf-token": _csrf(inbox.text)}

    proposal = Proposal.from_bytes(_any_proposal(demo))
    data = cosigning(proposal, DEMO).data
    answer = browser.call(
        "POST",
        "/web/api/demo/sign",
        json={"data": base64.b64encode(data).decode()},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    signature = base64.b64decode(answer.json()["signature"])
    official = demo.node.replica.state.officials[DEMO]
    key = official.key_at(demo.node.log_size())
    assert key is not None
    assert ed25519.verify(key, signature, data)

    # Nothing but an act's Sig_structure: a login challenge, say, is not signed for anyone.
    challenge = b"jointzone web login\nhttps://testserver\n" + DEMO.encode() + b"\n00\n"
    login = browser.call(
        "POST",
        "/web/api/demo/sign",
        json={"data": base64.b64encode(challenge).decode()},
        headers=headers,
    )
    assert login.status_code == 400
    # ... and nothing without the session's CSRF token.
    bare = browser.call(
        "POST", "/web/api/demo/sign", json={"data": base64.b64encode(data).decode()}
    )
    assert bare.status_code == 403


def _any_proposal(demo: Demo) -> bytes:
    held = demo.node.proposals()
    assert held, "the seeded node holds no proposal"
    return held[-1].proposal.to_bytes()
