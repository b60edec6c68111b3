"""The verifier app's files: its strings in every language, its vendored QR reader and the
integrity hash the page loads it with, what its service worker keeps, the package data that
ships it, and ``jointzone verifier export``."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jointzone.cli import app as cli
from jointzone.web._verifier import APP_DIR, BUNDLE_FILE, CSP, app_files, policy, static_files

ROOT = Path(__file__).parents[3]
VECTORS = json.loads((ROOT / "tests/data/certificates/vectors.json").read_text(encoding="utf-8"))
LANGUAGES = ("en", "ja", "ru")
#: Latin-letter words a Japanese or Russian string may hold: names that are the same in every
#: language (formats, algorithms, the time zone, browsers).
LATIN_ALLOWED = {"UTC", "JZ1", "QR", "Base45", "zlib", "CBOR", "COSE", "Ed25519", "Chromium",
                 "Firefox", "Safari"}  # fmt: skip


def _strings(language: str) -> dict[str, str]:
    return json.loads((APP_DIR / "i18n" / f"{language}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_every_language_has_every_string_with_the_same_placeholders() -> None:
    english = _strings("en")
    for language in ("ja", "ru"):
        theirs = _strings(language)
        assert set(theirs) == set(english), set(theirs) ^ set(english)
        for key, text in english.items():
            assert set(re.findall(r"\{\w+\}", theirs[key])) == set(re.findall(r"\{\w+\}", text)), (
                key
            )


@pytest.mark.parametrize("language", ["ja", "ru"])
def test_no_english_is_left_in_japanese_or_russian(language: str) -> None:
    english = _strings("en")
    for key, text in _strings(language).items():
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", re.sub(r"\{\w+\}", "", text)))
        assert words <= LATIN_ALLOWED, f"{language} {key}: {text}"
        if len(text) > 3 and text not in {"JZ1:…", "UTC"}:
            assert text != english[key], f"{language} {key} is the English text"


def test_every_string_the_app_names_is_in_the_catalogue() -> None:
    english = set(_strings("en"))
    app = (APP_DIR / "app.js").read_text(encoding="utf-8")
    html = (APP_DIR / "index.html").read_text(encoding="utf-8")
    named = set(re.findall(r'\bt\("([\w.]+)"', app))
    named |= set(re.findall(r'data-i18n(?:-label|-placeholder)?="([\w.]+)"', html))
    assert named - english == set()
    # The keys made from a line's check, status and failure class: every line the
    # specification names (docs/certificate.md §4.4 and §5) can be said.
    lines: dict[str, list[tuple[str, str | None]]] = {
        "checkpoint": [("PASS", None)], "key_changes": [("PASS", None)], "table": [("PASS", None)],
        "parties": [("PASS", None)],
        "bundle_time": [("INFO", None)], "trust": [("INFO", None)],
        "node_keys": [("FAIL", "node keys")],
        "trust_bundle": [("INFO", None), ("STALE", "too old"), ("STALE", "dated in the future"),
                         *(("FAIL", step) for step in ("none", "not a trust bundle", "node keys",
                                                       "key changes", "checkpoint", "table",
                                                       "timestamps", "trust"))],
        "QR_image": [("PASS", None), *(("FAIL", c) for c in ("unreadable", "none", "many"))],
        "decoding": [("PASS", None), *(("FAIL", c) for c in ("wrong prefix", "bad Base45",
                     "broken zlib", "not CBOR", "wrong COSE structure", "bad claims"))],
        "issuer": [("PASS", None), ("FAIL", "wrong issuer")],
        "signature_of": [("PASS", None), *(("FAIL", c) for c in ("missing", "more than one",
                         "unsupported algorithm", "bad signature", "key compromised",
                         "key retired"))],
        "signature_n": [("FAIL", "unknown signer")],
        "validity": [("PASS", None), ("FAIL", "not yet valid"), ("FAIL", "expired")],
        "revocation": [("PASS", None), ("FAIL", "revoked"), ("FAIL", "revoked_plain")],
    }  # fmt: skip
    for check, outcomes in lines.items():
        assert f"check.{check}" in english
        for status, cls in outcomes:
            key = f"msg.{check}.{status}" + (f".{cls.replace(' ', '_')}" if cls else "")
            assert key in english, key
            if check == "trust_bundle" and status == "FAIL" and cls is not None:
                assert f"step.{cls.replace(' ', '_')}" in english, cls
    for reason in ("undecoded", "no_qr"):
        assert f"skip.{reason}" in english


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_the_qr_reader_is_the_vendored_one_loaded_with_its_integrity() -> None:
    manifest = json.loads((ROOT / "vendor/integrity.json").read_text(encoding="utf-8"))
    entry = manifest["src/jointzone/web/verifier/vendor/jsQR.js"]
    assert entry["package"] == "jsqr"
    assert _sri((APP_DIR / "vendor/jsQR.js").read_bytes()) == entry["integrity"]
    html = (APP_DIR / "index.html").read_text(encoding="utf-8")
    assert f'<script src="vendor/jsQR.js" integrity="{entry["integrity"]}" defer></script>' in html


def test_the_page_holds_no_inline_script_or_style_and_names_only_its_own_files() -> None:
    html = (APP_DIR / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"[a-z]+:", ref), ref  # nothing from elsewhere
        assert (APP_DIR / ref).is_file(), ref
    for module in APP_DIR.glob("*.js"):
        for imported in re.findall(r'from "\./([\w.]+)"', module.read_text(encoding="utf-8")):
            assert (APP_DIR / imported).is_file(), f"{module.name} imports {imported}"
        assert "http://" not in module.read_text()
        assert "https://" not in module.read_text()


def test_the_service_worker_keeps_every_other_file_and_changes_with_any() -> None:
    files = app_files(node_keys=["k"], bundle_urls=["/api/v1/trust-bundle"])
    worker = files["sw.js"].decode()
    listed = json.loads(re.search(r"const PRECACHE = (\[.*\]);", worker).group(1))  # type: ignore[union-attr]
    assert listed == sorted(set(files) - {"sw.js"})
    assert "config.json" in listed
    assert BUNDLE_FILE not in listed
    version = re.search(r'const VERSION = "(\w+)";', worker).group(1)  # type: ignore[union-attr]
    other = app_files(node_keys=["other"], bundle_urls=[], bundle=b"{}")["sw.js"].decode()
    assert f'"{version}"' not in other
    assert BUNDLE_FILE in other
    config = json.loads(files["config.json"])
    assert config == {
        "format": "jointzone-verifier-config/1",
        "node_keys": ["k"],
        "bundle_urls": ["/api/v1/trust-bundle"],
    }


def test_the_package_data_ships_every_file_of_the_app() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["jointzone"]
    on_disk = {p.relative_to(APP_DIR).as_posix() for p in APP_DIR.rglob("*") if p.is_file()}
    assert set(static_files()) == on_disk
    for name in on_disk:
        assert any(
            fnmatch(f"web/verifier/{name}", g) and g.count("/") == f"web/verifier/{name}".count("/")
            for g in globs
        ), name


# -- jointzone verifier export ------------------------------------------------------------------


def _bundle(name: str) -> dict[str, Any]:
    return next(b for b in VECTORS["bundles"] if b["name"] == name)


def _export(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["verifier", "export", str(tmp_path / "app"), *args])


def test_export_writes_the_app_with_the_bundle_beside_it(tmp_path: Path) -> None:
    valid = _bundle("file-valid")
    path = tmp_path / "bundle.json"
    path.write_text(valid["bundle"], encoding="utf-8")
    keys = [a for k in valid["node_keys"] for a in ("--key", k)]
    result = _export(tmp_path, "--bundle", str(path), *keys)
    assert result.exit_code == 0, result.output
    app = tmp_path / "app"
    assert (app / BUNDLE_FILE).read_text(encoding="utf-8") == valid["bundle"]
    config = json.loads((app / "config.json").read_text())
    assert config["node_keys"] == valid["node_keys"]
    assert config["bundle_urls"] == [BUNDLE_FILE]
    # The page is the app's own, with its policy in it: the server it is copied to may send none.
    page = (app / "index.html").read_text(encoding="utf-8")
    meta = f'<meta http-equiv="content-security-policy" content="{policy(in_page=True)}">\n'
    assert page == (APP_DIR / "index.html").read_text(encoding="utf-8").replace(
        '<meta charset="utf-8">\n', '<meta charset="utf-8">\n' + meta
    )
    assert "trust bundle beside it: made 2019-10-27T12:00:00Z" in result.output


def test_the_policy_in_the_page_is_the_nodes_but_what_a_meta_element_cannot_hold() -> None:
    assert policy() == CSP
    assert policy(in_page=True) == CSP.replace("frame-ancestors 'none'; ", "")
    connect = ["https://jp.example:8443/api/v1/trust-bundle", "http://127.0.0.1:8702/api/v1/x"]
    assert "; connect-src 'self' " + " ".join(connect) + ";" in policy(connect)


def test_export_fetches_fresh_bundles_from_the_nodes_named(tmp_path: Path) -> None:
    valid = _bundle("file-valid")
    path = tmp_path / "bundle.json"
    path.write_text(valid["bundle"], encoding="utf-8")
    keys = [a for k in valid["node_keys"] for a in ("--key", k)]
    nodes = ["https://jp.example:8443/", "http://127.0.0.1:8702", "https://jp.example:8443"]
    refresh = [a for url in nodes for a in ("--refresh-from", url)]
    result = _export(tmp_path, "--bundle", str(path), *keys, *refresh)
    assert result.exit_code == 0, result.output
    urls = [
        "https://jp.example:8443/api/v1/trust-bundle",
        "http://127.0.0.1:8702/api/v1/trust-bundle",
    ]
    config = json.loads((tmp_path / "app/config.json").read_text())
    assert config["bundle_urls"] == [BUNDLE_FILE, *urls]  # the file beside it first, each once
    page = (tmp_path / "app/index.html").read_text(encoding="utf-8")
    assert f'content="{policy(urls, in_page=True)}"' in page
    output = " ".join(result.output.split())
    for url in urls:
        assert f"when online it fetches fresh trust bundles from {url}" in output
    assert "plain http: a browser lets an app served over https fetch nothing from" in output
    assert f"must admit them as well: {policy(urls)}" in output
    # Without a bundle beside it, the nodes' are all it reads.
    result = _export(tmp_path / "bare", *keys, "--refresh-from", nodes[0])
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "bare/app/config.json").read_text())
    assert config["bundle_urls"] == [urls[0]]
    assert "no trust bundle beside it" not in result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("jp.example:8443", "is not a node URL"),
        ("ftp://jp.example", "is not a node URL"),
        ("https://jp.example:8443/api/v1/trust-bundle", "is not a node URL"),
        ("https://jp.example/?x=1", "is not a node URL"),
        ("https://jp.example; connect-src *", "is not a node URL"),
        ("https://user@jp.example", "is not a node URL"),
        ("http://[::1]:8701", "cannot name an IPv6 address"),
    ],
)
def test_export_refuses_what_it_cannot_fetch_from(tmp_path: Path, url: str, message: str) -> None:
    key = _bundle("file-valid")["node_keys"][0]
    result = _export(tmp_path, "--key", key, "--refresh-from", url)
    assert result.exit_code == 1
    assert "--refresh-from" in result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "app").exists()


def test_export_pins_the_keys_of_descriptors(tmp_path: Path) -> None:
    key = _bundle("file-valid")["node_keys"][0]
    descriptor = tmp_path / "japan.json"
    descriptor.write_text(
        json.dumps(
            {
                "format": "jointzone-node-descriptor/1",
                "party": "japan",
                "origin": "jointzone.example/vectors",
                "node_verifier": key,
                "url": "https://jp.example:8443",
                "root_keys": [{"id": "japan-root-1", "public_key": "A" * 43}],
                "threshold": 1,
            }
        )
    )
    result = _export(tmp_path, "--descriptor", str(descriptor))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "app/config.json").read_text())["node_keys"] == [key]
    assert not (tmp_path / "app" / BUNDLE_FILE).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give every party's node key to pin"),
        (["--key", "not-a-key"], "--key"),
        (["--node", "http://127.0.0.1:1", "--bundle", "x.json", "--key", "k"], "not both"),
    ],
)
def test_export_refuses_what_it_cannot_pin(tmp_path: Path, args: list[str], message: str) -> None:
    result = _export(tmp_path, *args)
    assert result.exit_code == 1
    assert message in result.output


def test_export_refuses_a_bundle_the_pinned_keys_do_not_open(tmp_path: Path) -> None:
    refused = _bundle("file-missing-node-signature")
    path = tmp_path / "bundle.json"
    path.write_text(refused["bundle"], encoding="utf-8")
    keys = [a for k in refused["node_keys"] for a in ("--key", k)]
    result = _export(tmp_path, "--bundle", str(path), *keys)
    assert result.exit_code == 1
    assert "does not open against the keys pinned: checkpoint" in result.output
    assert not (tmp_path / "app").exists()
