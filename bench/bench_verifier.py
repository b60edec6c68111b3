"""The officer's verifier app, measured in Debian's Chromium: certificates verified per second in
the browser against the Python verifier's rate in the same run, the time from a cold offline
start to the first verdict, and the sizes of what an officer's device holds.

The certificates are the seed scenario's, as an embedded deployment issues them, and the trust
bundle the one its nodes vouched for on 26 October; the app is exported as
``jointzone verifier export`` writes it and served from loopback. In the browser, a rate is of
the app's own modules (``verifyWithBundle``: Base45, zlib, strict CBOR, COSE_Sign and claims,
both Ed25519 signatures in WebCrypto, validity, revocation), the bundle opened once, one
certificate after another (each awaited, as an officer scans them); in Python, of
``verify_certificate`` with the trust the same bundle opens to. Opening the bundle is timed on
both sides too. The cold start is a new tab with the network cut, the app loaded once before:
from navigation to the verdict of a pasted certificate on screen. No targets: printed figures.

    .venv/bin/python -m bench.bench_verifier [--seconds 3] [--starts 5]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from jointzone.credentials import verify_certificate
from jointzone.node import EmbeddedDeployment
from jointzone.scenario import Scenario, ScenarioClock, play
from jointzone.tlog import Verifier
from jointzone.trust import open_bundle
from jointzone.web._verifier import CSP, app_files, content_type, write_app

ROOT = Path(__file__).parents[1]
CHROMIUM = "/usr/bin/chromium"
KEYS = {"japan": b"bench-japan-passphrase", "russia": b"bench-russia-passphrase"}
NOW = datetime(2019, 10, 30, 12, tzinfo=UTC)
NOW_TEXT = "2019-10-30T12:00:00Z"

BROWSER_RATE = f"""async ([texts, bundle, keys, seconds]) => {{
  const m = await import('./verifier.js');
  let t0 = performance.now();
  const opens = [];
  for (let i = 0; i < 20; i++) {{
    const s = performance.now();
    await m.openedBundle(bundle, keys);
    opens.push(performance.now() - s);
  }}
  const {{ opened }} = await m.openedBundle(bundle, keys);
  const now = Date.parse('{NOW_TEXT}') / 1000;
  let n = 0, valid = 0;
  t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {{
    const r = await m.verifyWithBundle(texts[n % texts.length], opened, now);
    if (m.verdict(r) === 'VALID') valid++;
    n++;
  }}
  const elapsed = (performance.now() - t0) / 1000;
  opens.sort((a, b) => a - b);
  return {{ rate: n / elapsed, n, valid, openMs: opens[opens.length >> 1] }};
}}"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return content_type(str(path))

    def end_headers(self) -> None:
        self.send_header("content-security-policy", CSP)
        self.send_header("cache-control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _seed(root: Path) -> tuple[list[str], list[str], bytes]:
    scenario = Scenario.from_file(ROOT / "scenarios" / "seed.yaml")
    clock = ScenarioClock(scenario.steps[0].at)
    bundle = b""
    with EmbeddedDeployment.create(
        root, regime_dir=ROOT / "regimes" / "seed", passphrases=KEYS, clock=clock, demo=True
    ) as d:
        for result in play(d, scenario, clock):
            if result.bundle is not None and not bundle:
                bundle = result.bundle  # 26 October, before the voyage
        japan = d.nodes["japan"]
        keys = [v.vkey for v in japan.replica.node_verifiers()]
        texts = []
        for cid in japan.replica.state.certificates:
            doc = japan.certificate(cid)
            if doc is not None:
                texts.append(doc.to_text())
    return keys, texts, bundle


def _python_rate(
    texts: list[str], bundle: bytes, keys: list[str], seconds: float
) -> tuple[float, float]:
    verifiers = [Verifier.from_vkey(k) for k in keys]
    started = time.perf_counter()
    opens = 0
    while time.perf_counter() - started < 1.0:
        trust = open_bundle(bundle, verifiers).trust
        opens += 1
    open_ms = (time.perf_counter() - started) / opens * 1000
    n = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        verify_certificate(texts[n % len(texts)], trust, now=NOW)
        n += 1
    return n / (time.perf_counter() - started), open_ms


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        keys, texts, bundle = _seed(Path(tmp) / "zone")
        files = app_files(node_keys=keys, bundle_urls=["trust-bundle.json"], bundle=bundle)
        app = Path(tmp) / "app"
        write_app(app, files)
        own = {
            n: d
            for n, d in files.items()
            if not n.startswith("vendor/") and n != "trust-bundle.json"
        }
        vendored = {n: d for n, d in files.items() if n.startswith("vendor/")}
        shortest, longest = min(map(len, texts)), max(map(len, texts))
        print(f"certificates: {len(texts)} of the seed scenario, {shortest}-{longest} characters")
        print(f"trust bundle: {len(bundle):,} bytes, {_gz(bundle):,} gzipped")
        for label, group in (("app (own files)", own), ("vendored (jsQR)", vendored)):
            total, packed = sum(map(len, group.values())), sum(map(_gz, group.values()))
            print(f"{label}: {len(group)} files, {total:,} bytes, {packed:,} gzipped file by file")
        app_total = sum(len(d) for n, d in files.items() if n != "trust-bundle.json")
        app_gz = sum(_gz(d) for n, d in files.items() if n != "trust-bundle.json")
        print(
            "app in all (what the service worker keeps, bundle aside): "
            f"{app_total:,} bytes, {app_gz:,} gzipped"
        )

        py_rate, py_open = _python_rate(texts, bundle, keys, args.seconds)

        handler = functools.partial(_Handler, directory=str(app))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                context = browser.new_context()
                page = context.new_page()
                page.clock.set_fixed_time(NOW_TEXT)
                page.goto(url)
                page.evaluate("window.verifierReady")
                measured = page.evaluate(BROWSER_RATE, [texts, bundle.decode(), keys, args.seconds])
                page.wait_for_function(
                    "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
                )
                context.set_offline(True)
                starts = []
                for i in range(args.starts):
                    cold = context.new_page()
                    cold.clock.set_fixed_time(NOW_TEXT)
                    began = time.perf_counter()
                    cold.goto(url)
                    cold.fill("#paste-text", texts[i % len(texts)])
                    cold.evaluate("window.verifierReady")
                    cold.click("#paste-verify")
                    cold.wait_for_selector("#verdict[data-verdict='VALID']")
                    starts.append((time.perf_counter() - began) * 1000)
                    cold.close()
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    rate = measured["rate"]
    assert measured["valid"] == measured["n"], measured
    print(
        f"browser (Chromium, WebCrypto Ed25519): {rate:,.0f} certificates/s "
        f"({measured['n']:,} in {args.seconds:g} s); bundle opened in {measured['openMs']:.1f} ms"
    )
    print(f"python (libsodium): {py_rate:,.0f} certificates/s; bundle opened in {py_open:.1f} ms")
    print(f"ratio browser/python: {rate / py_rate:.2f}")
    starts.sort()
    print(
        f"cold offline start to first verdict: median {starts[len(starts) // 2]:.0f} ms, "
        f"best {starts[0]:.0f} ms, worst {starts[-1]:.0f} ms ({len(starts)} new tabs, network cut)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
