"""The officer's verifier as an officer uses it: a certificate pasted, or a picture of its QR code
chosen, verified against the trust bundle beside the exported app, in Japanese, Russian and
English; the place where the officer checks, chosen once and kept; a newer bundle loaded from a
file; a bundle made after a node key rotated, opened from the genesis's keys; what the page shows
and in which language."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from typer.testing import CliRunner

from jointzone.cli import app as cli
from jointzone.neutrality import NameRenderer
from jointzone.tlog import Verifier
from jointzone.trust import open_bundle

from .conftest import BUNDLE_DAY, LATER_DAY, Seed, Served, new_page, serve_folder, vectors

ARTIFACTS_DIR = "build/test-artifacts/verifier"
#: Words that may stand in Latin letters on a Japanese or Russian page: names of things that
#: are the same in every language (formats, algorithms, time zone, the language buttons).
LATIN_ALLOWED = {"UTC", "JZ1", "QR", "Base45", "zlib", "CBOR", "COSE", "Ed25519", "English"}


def _verify(page: Page, text: str) -> str:
    page.fill("#paste-text", text)
    page.click("#paste-verify")
    verdict = page.locator("#verdict[data-verdict]")
    expect(verdict).to_be_visible()
    return verdict.get_attribute("data-verdict") or ""


def _lines(page: Page) -> list[tuple[str, str, str]]:
    return [
        (
            li.get_attribute("data-check") or "",
            li.get_attribute("data-status") or "",
            li.get_attribute("data-class") or "",
        )
        for li in page.locator("#checks li").all()
    ]


def _latin_words(text: str, allowed: set[str]) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z][A-Za-z0-9]+", text) if w not in allowed}


@pytest.mark.parametrize("language", ["ja", "ru", "en"])
def test_a_pasted_certificate_is_verified_and_its_holder_shown(
    browser: Browser, exported: Served, seed: Seed, language: str
) -> None:
    page = new_page(browser, exported, language=language)
    try:
        assert page.locator("html").get_attribute("lang") == language
        expect(page.locator("#bundle-status")).to_have_class("good")
        assert _verify(page, seed.certificates["tour19-01"]) == "VALID"
        lines = _lines(page)
        assert [name for name, _, _ in lines] == [
            "checkpoint", "table", "parties", "bundle time", "trust", "decoding", "issuer",
            "signature of japan", "signature of russia", "validity", "revocation", "trust bundle",
        ]  # fmt: skip
        assert {status for _, status, _ in lines} <= {"PASS", "INFO"}
        holder = page.locator("#holder").inner_text()
        assert (
            "SATO" in holder or "AOKI" in holder or any("\u3040" <= ch <= "\u9fff" for ch in holder)
        )
        page.screenshot(path=f"{ARTIFACTS_DIR}/pasted-{language}.png", full_page=True)
        text = page.locator("body").inner_text()
        assert not re.search(r"\b(msg|check|status|holder|bundle|step|skip)\.[a-z_]", text), text
        if language != "en":
            # Nothing in English but what the certificate and the regime's refs spell so: the
            # holder's Latin name, the party, category and project refs, key ids, the issuer.
            own = set(re.findall(r"[A-Za-z][A-Za-z0-9]+", page.locator("#holder").inner_text())) | {
                "seed"
            }
            without_kids = re.sub(r"\b[0-9a-f]{8}\b", "", text)
            left = _latin_words(without_kids, LATIN_ALLOWED | own)
            assert not left, f"English left on the {language} page: {sorted(left)}"
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.context.close()


def test_the_paste_path_reports_every_failure_by_name(
    browser: Browser, exported: Served, seed: Seed
) -> None:
    page = new_page(browser, exported)
    try:
        text = seed.certificates["tour19-02"]
        assert _verify(page, "  " + text + "\n") == "VALID"  # a paste's stray spaces and newline
        assert _verify(page, text.replace("JZ1:", "jz1:")) == "INVALID"
        assert ("decoding", "FAIL", "wrong prefix") in _lines(page)
        assert ("issuer", "SKIP", "") in _lines(page)
        assert _verify(page, text[:-3]) == "INVALID"
        assert _lines(page)[5][0:2] == ("decoding", "FAIL")
    finally:
        page.context.close()


def _place_name(seed: Seed, ref: str, language: str) -> str:
    """Every party's name for the place ``ref`` in ``language``, as ``cert verify`` writes it,
    from the table of the bundle beside the app."""
    table = open_bundle(seed.bundles[BUNDLE_DAY], [Verifier.from_vkey(k) for k in seed.keys]).table
    place = table.place(ref)
    assert place is not None
    return NameRenderer(table.name_order).render(place, language)


@pytest.mark.parametrize("language", ["ja", "ru", "en"])
def test_the_place_chosen_is_checked_on_every_certificate_and_kept(
    browser: Browser, exported: Served, seed: Seed, tmp_path: Path, language: str
) -> None:
    page = new_page(browser, exported, language=language)
    try:
        picker = page.locator("#place-select")
        expect(picker).to_be_enabled()
        assert picker.input_value() == ""
        # No place chosen: nothing changes.
        assert _verify(page, seed.certificates["tour19-01"]) == "VALID"
        assert "place" not in [name for name, _, _ in _lines(page)]
        # A place it permits: the verdict on the page is made again with one more line.
        picker.select_option("furukamappu-yuzhno-kurilsk")
        line = page.locator("#checks li[data-check='place']")
        expect(line).to_have_attribute("data-status", "PASS")
        assert page.locator("#verdict").get_attribute("data-verdict") == "VALID"
        name = _place_name(seed, "furukamappu-yuzhno-kurilsk", language)
        assert "/" in name  # both parties' names, in the reader's order
        assert name in line.inner_text()
        # One it does not permit: INVALID, never the green verdict.
        picker.select_option("nemuro-port")
        expect(line).to_have_attribute("data-status", "FAIL")
        assert _lines(page)[-1] == ("place", "FAIL", "not permitted")
        assert page.locator("#verdict").get_attribute("data-verdict") == "INVALID"
        assert page.locator("#verdict").get_attribute("class") == "invalid"
        assert _place_name(seed, "nemuro-port", language) in line.inner_text()
        page.screenshot(path=f"{ARTIFACTS_DIR}/place-{language}.png", full_page=True)
        # Kept on the device.
        page.reload()
        page.evaluate("window.verifierReady")
        expect(picker).to_have_value("nemuro-port")
        assert _verify(page, seed.certificates["tour19-02"]) == "INVALID"
        assert _lines(page)[-1] == ("place", "FAIL", "not permitted")
        assert _verify(page, "JZ1:" + seed.certificates["tour19-02"][4:-3]) == "INVALID"
        assert _lines(page)[-1] == ("place", "SKIP", "")
        blank = tmp_path / "blank.png"
        blank.write_bytes(_png(Image.new("L", (300, 300), 255)))
        page.set_input_files("#image-file", str(blank))
        expect(page.locator("#checks li[data-check='QR image']")).to_have_attribute(
            "data-class", "none"
        )
        assert _lines(page)[-1] == ("place", "SKIP", "")
        text = page.locator("body").inner_text()
        assert not re.search(r"\b(msg|check|status|holder|bundle|step|skip|place)\.[a-z_]", text)
        if language != "en":
            left = _latin_words(page.locator("main").inner_text(), LATIN_ALLOWED)
            assert not left, f"English left on the {language} page: {sorted(left)}"
        # Not chosen again: the place line goes, from the verdict shown too.
        picker.select_option("")
        expect(page.locator("#checks li[data-check='place']")).to_have_count(0)
        assert _verify(page, seed.certificates["tour19-02"]) == "VALID"
        # A place kept from before that the bundle does not name is not checked, and the
        # officer is told.
        page.evaluate("localStorage.setItem('jz-verifier-place', 'atlantis')")
        page.reload()
        page.evaluate("window.verifierReady")
        expect(page.locator("#place-notice")).to_be_visible()
        expect(picker).to_have_value("")
        assert _verify(page, seed.certificates["tour19-02"]) == "VALID"
        assert "place" not in [name for name, _, _ in _lines(page)]
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.context.close()


def test_a_newer_bundle_file_is_loaded_and_knows_the_revocation(
    browser: Browser, exported: Served, seed: Seed, tmp_path: Path
) -> None:
    page = new_page(browser, exported, now="2019-11-02T12:00:00Z")
    try:
        # The bundle beside the app (26 October) is stale by now: nothing verifies against it.
        assert _verify(page, seed.certificates["tour19-12"]) == "INVALID"
        assert ("trust bundle", "STALE", "too old") in _lines(page)
        bundle = tmp_path / "later.json"
        bundle.write_bytes(seed.bundles[LATER_DAY])
        page.set_input_files("#bundle-file", str(bundle))
        expect(page.locator("#bundle-status")).to_have_class("good")
        assert _verify(page, seed.certificates["tour19-12"]) == "INVALID"
        assert ("revocation", "FAIL", "revoked") in _lines(page)
        assert _verify(page, seed.certificates["tour19-13"]) == "VALID"
        # A file that is not a bundle is refused, and the bundle held is kept.
        junk = tmp_path / "junk.json"
        junk.write_text('{"format": "jointzone-trust-bundle/3"}')
        page.set_input_files("#bundle-file", str(junk))
        expect(page.locator("#bundle-notice")).to_be_visible()
        assert _verify(page, seed.certificates["tour19-13"]) == "VALID"
    finally:
        page.context.close()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_picture_of_the_qr_code_is_read(
    browser: Browser, exported: Served, seed: Seed, tmp_path: Path
) -> None:
    page = new_page(browser, exported)
    try:
        one = tmp_path / "one.png"
        one.write_bytes(seed.qr_png["tour19-03"])
        page.set_input_files("#image-file", str(one))
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "VALID")
        assert _lines(page)[5] == ("QR image", "PASS", "")
        # Two certificates in one picture: the verifier must find exactly one (§3.4).
        a = Image.open(io.BytesIO(seed.qr_png["tour19-03"]))
        b = Image.open(io.BytesIO(seed.qr_png["tour19-04"]))
        both = Image.new("L", (a.width + b.width + 40, max(a.height, b.height)), 255)
        both.paste(a, (0, 0))
        both.paste(b, (a.width + 40, 0))
        two = tmp_path / "two.png"
        two.write_bytes(_png(both))
        page.set_input_files("#image-file", str(two))
        # jsQR, confused by six finder patterns, may find none; either way no certificate is
        # read from a picture of two, and none verifies.
        expect(page.locator("#checks li[data-check='QR image']")).to_have_attribute(
            "data-status", "FAIL"
        )
        assert page.locator("#checks li[data-check='QR image']").get_attribute("data-class") in (
            "many",
            "none",
        )
        assert ("decoding", "SKIP", "") in _lines(page)
        assert page.locator("#verdict").get_attribute("data-verdict") == "INVALID"
        blank = tmp_path / "blank.png"
        blank.write_bytes(_png(Image.new("L", (300, 300), 255)))
        page.set_input_files("#image-file", str(blank))
        expect(page.locator("#checks li[data-check='QR image']")).to_have_attribute(
            "data-class", "none"
        )
        assert page.locator("#verdict").get_attribute("data-verdict") == "INVALID"
    finally:
        page.context.close()


AXE = Path(__file__).parents[1] / "web" / "vendor" / "axe.min.js"


@pytest.mark.parametrize("language", ["ja", "ru", "en"])
def test_the_page_has_no_accessibility_violations(
    browser: Browser, exported: Served, seed: Seed, language: str
) -> None:
    """axe-core's WCAG 2 A and AA findings, with a verdict and the holder on the page. The
    checker is served as if from the app's origin: the app's policy runs no other script."""
    page = new_page(browser, exported, language=language)
    try:
        _verify(page, seed.certificates["tour19-01"])
        page.route(f"{exported.url}/axe.min.js", lambda r: r.fulfill(path=AXE))
        page.add_script_tag(url="/axe.min.js")
        found = page.evaluate(
            """async () => {
              const only = {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}};
              const r = await axe.run(document, only);
              return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`);
            }"""
        )
        assert found == []
    finally:
        page.context.close()


# -- a bundle after a node-key rotation -----------------------------------------------------------


def _vector_bundle(name: str) -> dict[str, Any]:
    return next(b for b in vectors()["bundles"] if b["name"] == name)


@pytest.fixture(scope="module")
def rotated_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app exported with the vectors' genesis node keys pinned and, beside it, the vectors'
    bundle made after japan's node key rotated, which carries the key change."""
    rotated = _vector_bundle("file-valid-after-node-key-change")
    work = tmp_path_factory.mktemp("rotated")
    (work / "bundle.json").write_text(rotated["bundle"], encoding="utf-8")
    keys = [a for k in rotated["node_keys"] for a in ("--key", k)]
    args = ["verifier", "export", str(work / "app"), "--bundle", str(work / "bundle.json"), *keys]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    served = serve_folder(work / "app")
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.mark.parametrize("language", ["ja", "ru", "en"])
def test_the_app_follows_a_node_key_change_from_the_pinned_keys(
    browser: Browser, rotated_app: Served, tmp_path: Path, language: str
) -> None:
    page = new_page(browser, rotated_app, language=language)
    try:
        expect(page.locator("#bundle-status")).to_have_class("good")
        change = page.locator("#bundle-checks li[data-check='key changes']")
        expect(change).to_have_attribute("data-status", "PASS")
        assert "36" in (change.text_content() or "")
        japanese = next(v for v in vectors()["vectors"] if v["name"] == "valid-japanese-holder")
        assert _verify(page, japanese["text"]) == "VALID"
        assert [name for name, _, _ in _lines(page)][:3] == ["checkpoint", "key changes", "table"]
        # A change the old key did not sign is refused, and the bundle held is kept.
        forged = tmp_path / "forged.json"
        forged.write_text(
            _vector_bundle("file-key-change-not-signed-by-old-key")["bundle"], encoding="utf-8"
        )
        page.set_input_files("#bundle-file", str(forged))
        expect(page.locator("#bundle-notice")).to_be_visible()
        text = page.locator("body").inner_text()
        assert not re.search(r"\b(msg|check|status|holder|bundle|step|skip)\.[a-z_]", text), text
        if language != "en":
            left = _latin_words(page.locator("#bundle").inner_text(), LATIN_ALLOWED)
            assert not left, f"English left on the {language} page: {sorted(left)}"
        assert _verify(page, japanese["text"]) == "VALID"
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
