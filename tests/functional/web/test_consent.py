"""Consent across the two nodes in the browser: Russia's registrar signs, in Russian, an act
Japan's node proposed, and a rejection with its reason shows at both nodes."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from jointzone.cli._deployment import DEMO_PASSPHRASE

from .._network import NodeProcess, run
from .conftest import Official

_serial = itertools.count()


def propose_at_japan(nodes: dict[str, NodeProcess], act: dict[str, Any]) -> str:
    """An act proposed at Japan's node by the demo's Japanese registrar, from its key file."""
    japan = nodes["japan"]
    demo = japan.root.parent
    path = demo / f"act-{next(_serial)}.json"
    path.write_text(json.dumps(act, ensure_ascii=False), encoding="utf-8")
    password = demo / "demo-passphrase"
    password.write_text(DEMO_PASSPHRASE.decode(), encoding="utf-8")
    out = run(
        "act", "propose", "--node", japan.direct, path, "--as", "jp-registrar",
        "--key-file", demo / "officials" / "jp-registrar.pem", "--passphrase-file", password,
    ).stdout  # fmt: skip
    return out.split()[2]


def enterprise(ref: str) -> dict[str, Any]:
    return {
        "type": "enterprise.register",
        "enterprise": ref,
        "party": "japan",
        "categories": ["aquaculture"],
        "names": {"ja": "試験水産株式会社", "ja-Latn": "Shiken Suisan K.K."},
        "registered_address": {"place": "shakotan-malokurilskoye"},
    }


def status_shows(text: str) -> Any:
    return lambda page: text in page.inner_text("#act-status")


def until(page: Page, url: str, ready: Any, timeout: float = 30) -> None:
    """Reload ``url`` until ``ready(page)`` holds: what another node sent arrives by itself."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if ready(page):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never showed what was awaited")
        time.sleep(0.5)


def status_at(node: NodeProcess, act_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{node.direct}/api/v1/proposals/{act_id}", timeout=10).json())


def test_russias_registrar_signs_in_russian_and_both_nodes_see_it_committed(
    registrars: dict[str, Official], nodes: dict[str, NodeProcess], artifacts: Path
) -> None:
    act_id = propose_at_japan(nodes, enterprise("jp-web-consent"))
    ru = registrars["russia"]
    inbox = f"{ru.node.direct}/inbox"
    until(ru.page, inbox, lambda p: p.locator(f'a[href="/acts/{act_id}"]').count() > 0)
    expect(ru.page.locator("#awaiting + table")).to_contain_text(act_id[:12])
    ru.page.screenshot(path=artifacts / "inbox-ru.png", full_page=True)

    ru.page.locator(f'a[href="/acts/{act_id}"]').first.click()
    ru.page.wait_for_url(f"**/acts/{act_id}")
    act = ru.page.locator("dl.act")
    # The place, by both parties' names in Russian, in the regime's order for Russian.
    expect(act).to_contain_text("Малокурильское")
    expect(act).to_contain_text("Сякотан")
    expect(act).to_contain_text("試験水産株式会社")
    ru.page.screenshot(path=artifacts / "act-ru.png", full_page=True)
    ru.page.get_by_role("button", name="Подписать").click()
    # The browser signs and the page reloads, saying so; consent is then final at both nodes.
    expect(ru.page.locator("p.done")).to_have_text("Вы подписали этот акт.")
    until(
        ru.page,
        f"{ru.node.direct}/acts/{act_id}",
        lambda p: "внесён" in p.inner_text("#act-status"),
    )
    ru.page.screenshot(path=artifacts / "act-committed-ru.png", full_page=True)

    jp = registrars["japan"]
    until(
        jp.page,
        f"{jp.node.direct}/acts/{act_id}",
        lambda p: "記録済み" in p.inner_text("#act-status"),
    )
    assert status_at(nodes["japan"], act_id)["status"] == "committed"


def test_a_rejection_and_its_reason_show_at_both_nodes(
    registrars: dict[str, Official], nodes: dict[str, NodeProcess], artifacts: Path
) -> None:
    act_id = propose_at_japan(nodes, enterprise("jp-web-rejected"))
    ru = registrars["russia"]
    reason = "Адрес регистрации требует уточнения"
    until(ru.page, f"{ru.node.direct}/acts/{act_id}", lambda p: p.locator("#reject").count() > 0)
    ru.page.get_by_label("Причина отклонения").fill(reason)
    ru.page.get_by_role("button", name="Отклонить").click()
    expect(ru.page.locator(".rejections")).to_be_visible()
    until(
        ru.page,
        f"{ru.node.direct}/acts/{act_id}",
        lambda p: "отклонён" in p.inner_text("#act-status"),
    )
    expect(ru.page.locator(".rejections")).to_contain_text(reason)

    jp = registrars["japan"]
    until(
        jp.page, f"{jp.node.direct}/acts/{act_id}", lambda p: "拒否" in p.inner_text("#act-status")
    )
    expect(jp.page.locator(".rejections")).to_contain_text(reason)
    jp.page.screenshot(path=artifacts / "act-rejected-ja.png", full_page=True)
    rejections = status_at(nodes["japan"], act_id)["rejections"]
    assert [(r["party"], r["official"], r["reason"]) for r in rejections] == [
        ("russia", ru.id, reason)
    ]


def test_a_signature_not_made_by_the_officials_key_is_refused(
    registrars: dict[str, Official], nodes: dict[str, NodeProcess]
) -> None:
    """The page's script is the official's only way to sign; a forged signature sent with a
    valid session is refused by the node's own check, and adds nothing."""
    act_id = propose_at_japan(nodes, enterprise("jp-web-forged"))
    ru = registrars["russia"]
    until(ru.page, f"{ru.node.direct}/acts/{act_id}", lambda p: p.locator("#sign").count() > 0)
    answer = ru.page.evaluate(
        """async (act) => {
            const r = await fetch(`/web/api/acts/${act}/signature`, {
                method: "POST",
                headers: {"content-type": "application/json",
                          "x-csrf-token": document.body.dataset.csrf},
                body: JSON.stringify({signature: btoa(String.fromCharCode(...new Uint8Array(64)))}),
            });
            return [r.status, await r.json()];
        }""",
        act_id,
    )
    assert answer[0] == 400, answer
    assert "signature" in answer[1]["detail"]
    assert ru.id not in status_at(nodes["russia"], act_id)["signers"]
