"""The browser's verifier against the Python one, on the same inputs: the test vectors, every
seeded certificate in every state of the tour, every tampering class docs/certificate.md names
and random damage at every layer, and trust bundles changed or pinned wrongly, their node-key
changes included, and certificates checked at places they permit and places they do not
(``cert verify --at``). For each, the verdict, every line (check, status, failure class; the
place line's text too, every party's names for the place in the reader's language) and the
holder the officer is shown must be the Python verifier's (``verify_offline``, which
``jointzone cert verify`` runs).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from playwright.sync_api import Browser

from ._cases import Case, all_cases, js_form, python_result
from .conftest import Seed, Served, new_page, vectors

VERIFY_ALL = """async (cases) => {
  const out = [];
  for (const c of cases) out.push(await window.verifyText(c.text, c.bundle, c.now, c.options));
  return out;
}"""


def _run(browser: Browser, served: Served, cases: list[Case]) -> list[dict[str, Any]]:
    page = new_page(browser, served)
    try:
        results: list[dict[str, Any]] = page.evaluate(VERIFY_ALL, [c.to_js() for c in cases])
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
    return results


def test_the_browser_agrees_with_the_python_verifier(
    browser: Browser, exported: Served, seed: Seed
) -> None:
    cases = all_cases(seed, vectors())
    assert len(cases) >= 200
    browser_results = _run(browser, exported, cases)
    disagreements = []
    classes: Counter[str] = Counter()
    for case, theirs in zip(cases, browser_results, strict=True):
        ours = python_result(case)
        if js_form(theirs) != ours:
            disagreements.append(
                f"{case.name}:\n  python:  {json.dumps(ours, ensure_ascii=False)}\n"
                f"  browser: {json.dumps(js_form(theirs), ensure_ascii=False)}"
            )
        for name, status, cls, *message in ours["checks"]:
            if cls is not None:
                classes[f"{status} {cls}"] += 1
            if name == "place":
                within = ", within " in message[0]
                classes[f"place {status}{' within' if within else ''} {ours['verdict']}"] += 1
        classes[ours["verdict"]] += 1
    print(
        f"{len(cases) - len(disagreements)}/{len(cases)} cases agree; classes seen: {dict(classes)}"
    )
    assert not disagreements, f"{len(disagreements)} of {len(cases)} disagree:\n" + "\n".join(
        disagreements[:20]
    )
    # Every failure class of docs/certificate.md §4.4 and §5 was among the inputs.
    expected = {
        "FAIL wrong prefix", "FAIL bad Base45", "FAIL broken zlib", "FAIL not CBOR",
        "FAIL wrong COSE structure", "FAIL bad claims", "FAIL wrong issuer", "FAIL missing",
        "FAIL more than one", "FAIL unsupported algorithm", "FAIL bad signature",
        "FAIL key compromised", "FAIL key retired",
        "FAIL unknown signer", "FAIL not yet valid", "FAIL expired", "FAIL revoked",
        "STALE too old", "STALE dated in the future", "FAIL not a trust bundle",
        "FAIL node keys", "FAIL checkpoint", "FAIL table", "FAIL timestamps", "FAIL trust",
        "FAIL key_changes[0]", "FAIL key_changes[1]", "FAIL not permitted",
        "VALID", "INVALID",
    }  # fmt: skip
    assert expected <= set(classes), expected - set(classes)
    # A place permitted (itself, or within a place the certificate names) leaves the verdict to
    # the other checks; one not permitted makes it INVALID, as cert verify --at does.
    places = {
        "place PASS VALID", "place PASS within VALID", "place PASS INVALID",
        "place PASS within INVALID", "place FAIL INVALID", "place SKIP INVALID",
    }  # fmt: skip
    assert places <= set(classes), places - set(classes)
    assert "place FAIL VALID" not in classes
