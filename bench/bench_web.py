"""The officials' web app on a node with the seed's officials plus 100,000 acts, on loopback.

    .venv/bin/python -m bench.bench_web [--acts 100000] [--rate 200] [--seconds 10]

(About 4 minutes at these sizes on a two-core machine, most of it building the log and the
node replaying it as it starts.)

Two nodes are made as bench_network makes them (genesis, a registrar each). Then ``--acts``
enterprise registrations, signed by both registrars, are written straight into japan's log,
dated one after another across the three years after the genesis, each with its proposal kept
as the node keeps the proposals it committed; and a final checkpoint over them is signed with
both nodes' keys. Japan's node is then started alone (its pages need no peer) and its registrar
signs in with a signed challenge, as a browser does.

- Latency: for the inbox, the enterprises registry (its first page, as it opens) and the map,
  ``--rate`` requests per second for ``--seconds``, sent on schedule whatever the answers'
  pace (an open loop: a slow answer delays none of the next requests, and each latency counts
  from when its request was due). p50 and p99 of each. Target: p99 < 50 ms.
- Transfer: the first load of the inbox in Chromium (Playwright), every request it makes, their
  bytes on the wire, and whether any goes to another origin. Target: < 300 KB, none external.

The client runs on the same two cores as the node: the figures include its share of them,
printed beside each. It is asyncio over plain keep-alive HTTP/1.1 connections (see
:func:`load`): a pool of 32 httpx threads, as before, spent 2.5 ms of CPU a request against
0.43 ms, more than the map page itself, and left the node so little that the map's p99 at
200 req/s was 631 ms against 5 ms (measured one after the other against one node).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from bench._bounds import measure
from bench.bench_core import _act
from bench.bench_network import (
    NOW,
    REGISTRARS,
    _met,
    _network,
    _Nodes,
    _quantile,
    _signers,
    finalise,
)
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.consent import Entry, format_time
from jointzone.node import StandaloneNode, new_proposal
from jointzone.node import _tables as tables
from jointzone.web._pages import SESSION_COOKIE

P99_TARGET = 0.050
TRANSFER_TARGET = 300 * 1024
#: The span the acts are spread over, from the genesis on; the clock is then set past its end.
SPAN = timedelta(days=3 * 365)
CHROMIUM = "/usr/bin/chromium"
#: A request not answered within this counts as failed.
TIMEOUT_S = 10.0
#: Requests one client sends one after another, for the time a page takes with no queue.
SEQUENTIAL = 30


def build(net: _Nodes, acts: int) -> None:
    """Append ``acts`` registrations to japan's (stopped) log and keep their proposals."""
    jp, ru = _signers(net)
    with (
        StandaloneNode.open(net.node_dir("japan"), passphrase=DEMO_PASSPHRASE) as japan,
        StandaloneNode.open(net.node_dir("russia"), passphrase=DEMO_PASSPHRASE) as russia,
    ):
        node = japan.node
        regime = node.replica.regime
        assert regime is not None
        store = node.store
        first = store.size()
        start = NOW + timedelta(hours=1)
        step = SPAN / max(acts, 1)
        entries: list[bytes] = []
        rows: list[dict[str, object]] = []
        last = start
        for i in range(acts):
            at = (start + step * i).replace(microsecond=0)
            proposal = new_proposal(
                _act(first + i), regime=regime, party="japan", signer=jp, now=at
            )
            signed = proposal.cosign(ru)
            entries.append(Entry(time=at, proposal=signed).encode())
            c = signed.content
            rows.append(
                {
                    "act_id": signed.id,
                    "data": signed.to_bytes(),
                    "act_type": signed.act_type,
                    "proposed_by": c.proposed_by,
                    "proposed_at": format_time(c.proposed_at),
                    "expires_at": format_time(c.expires_at),
                }
            )
            last = at
            if len(entries) == 5000:
                store.append(entries)
                with store.engine.begin() as conn:
                    conn.execute(insert(tables.proposals), rows)
                entries, rows = [], []
        if entries:
            store.append(entries)
            with store.engine.begin() as conn:
                conn.execute(insert(tables.proposals), rows)
        finalise(japan, russia, last)


def sign_in(net: _Nodes, url: str) -> str:
    """A session of japan's registrar, by the signed challenge the login page's script makes."""
    signer = net.signer(REGISTRARS["japan"], "japan")
    with httpx.Client(base_url=url, timeout=30) as http:
        c = http.post("/web/api/login/challenge", json={"official": REGISTRARS["japan"]})
        c.raise_for_status()
        challenge = base64.b64decode(c.json()["challenge"])
        signature = base64.b64encode(signer.private_key.sign(challenge)).decode()
        r = http.post("/web/api/login", json={"nonce": c.json()["nonce"], "signature": signature})
        r.raise_for_status()
        return str(r.cookies[SESSION_COOKIE])


def service_time(url: str, path: str, token: str) -> float:
    """The median time of :data:`SEQUENTIAL` requests sent one after another (after one to warm
    the node's caches): what a page costs when nothing waits in front of it."""
    with httpx.Client(base_url=url, cookies={SESSION_COOKIE: token}, timeout=120) as http:
        http.get(path).raise_for_status()
        times = []
        for _ in range(SEQUENTIAL):
            t = time.perf_counter()
            http.get(path).raise_for_status()
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def load(
    url: str, path: str, token: str, rate: float, seconds: float
) -> tuple[list[float], int, float]:
    """Latencies of ``rate`` requests/s to ``path`` for ``seconds``, open loop; failures; and
    this process's CPU seconds per request.

    The client is asyncio over plain HTTP/1.1 keep-alive connections, opened as the requests
    outrun them: a request due finds a free connection or opens one, so none waits for an
    answer to another (see the module docstring for why not httpx)."""
    target = httpx.URL(url)
    host, port = target.host, target.port or 80
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {SESSION_COOKIE}={token}\r\n\r\n"
    ).encode()
    count = int(rate * seconds)
    latencies: list[float] = []
    failures = 0

    async def answer(reader: asyncio.StreamReader) -> int:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return status

    async def run() -> None:
        nonlocal failures
        free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        t0 = time.perf_counter() + 0.2

        async def one(i: int) -> None:
            nonlocal failures
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                try:
                    if not free:
                        raise ConnectionResetError
                    stream = free.pop()
                    stream[1].write(request)
                    status = await asyncio.wait_for(answer(stream[0]), TIMEOUT_S)
                except (ConnectionError, asyncio.IncompleteReadError):
                    # None free, or one the node closed while it was idle (uvicorn keeps an
                    # idle connection 5 s): a new one, as every HTTP client does.
                    stream = await asyncio.open_connection(host, port)
                    stream[1].write(request)
                    status = await asyncio.wait_for(answer(stream[0]), TIMEOUT_S)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                failures += 1  # a timeout under overload: counted, not waited for
                return
            took = time.perf_counter() - due
            free.append(stream)
            if status == 200:
                latencies.append(took)
            else:
                failures += 1

        await asyncio.gather(*(one(i) for i in range(count)))
        for _, writer in free:
            writer.close()

    cpu = time.process_time()
    asyncio.run(run())
    return latencies, failures, (time.process_time() - cpu) / max(count, 1)


def transfer(net: _Nodes, url: str) -> tuple[int, int, set[str]]:
    """The first load of the inbox in Chromium, signed in as the login page's script signs in
    (the challenge signed here, with the registrar's key): requests, bytes on the wire,
    origins other than the node's."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this figure needs it

    signer = net.signer(REGISTRARS["japan"], "japan")
    host = httpx.URL(url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_context().new_page()
        page.goto(f"{url}/login")
        challenge = page.evaluate(
            """async (official) => (await fetch("/web/api/login/challenge", {method: "POST",
                 headers: {"content-type": "application/json"},
                 body: JSON.stringify({official})})).json()""",
            REGISTRARS["japan"],
        )
        signature = signer.private_key.sign(base64.b64decode(challenge["challenge"]))
        page.evaluate(
            """async (body) => { await fetch("/web/api/login", {method: "POST",
                 headers: {"content-type": "application/json"}, body: JSON.stringify(body)}); }""",
            {"nonce": challenge["nonce"], "signature": base64.b64encode(signature).decode()},
        )
        fresh = browser.new_context(storage_state=page.context.storage_state()).new_page()
        seen: list[tuple[str, int]] = []
        fresh.on("requestfinished", lambda r: seen.append((r.url, _wire_size(r))))
        fresh.goto(f"{url}/inbox", wait_until="networkidle")
        browser.close()
    origins = {f"{httpx.URL(u).scheme}://{httpx.URL(u).netloc.decode()}" for u, _ in seen}
    origins.discard(f"{host.scheme}://{host.netloc.decode()}")
    return len(seen), sum(size for _, size in seen), origins


def _wire_size(request: object) -> int:
    sizes = request.sizes()  # type: ignore[attr-defined]
    return int(sizes["responseBodySize"] + sizes["responseHeadersSize"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acts", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    # The machine's pace in this run (a shared machine's varies by half from hour to hour),
    # for comparing the figures below with another run's.
    print(measure().describe())
    with _network() as net:
        t = time.perf_counter()
        build(net, args.acts)
        net.set_time(NOW + SPAN + timedelta(days=1))
        print(f"log: {args.acts:,} acts appended in {time.perf_counter() - t:.0f} s")
        started = net.start_node("japan")
        print(f"japan's node started (its log replayed) in {started:.0f} s")
        url = net.urls["japan"]
        token = sign_in(net, url)
        for name, path in (
            ("inbox", "/inbox"),
            ("registry", "/registries/enterprises"),
            ("map", "/map"),
        ):
            alone = service_time(url, path, token)
            print(f"{name} ({path}), one request at a time: median {alone * 1000:.1f} ms")
            # Run whatever that says: slower than the requests arrive, the queue grows for as
            # long as they come, and the figures show by how much.
            latencies, failures, cpu = load(url, path, token, args.rate, args.seconds)
            if not latencies:
                print(f"{name}: every request failed ({failures})")
                continue
            p50, p99 = statistics.median(latencies), _quantile(latencies, 0.99)
            print(
                f"{name} ({path}) at {args.rate:.0f} req/s for {args.seconds:.0f} s: "
                f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
                f"(target p99 < {P99_TARGET * 1000:.0f} ms: {_met(p99 < P99_TARGET)}); "
                f"client CPU {cpu * 1000:.2f} ms a request"
                + (f"; {failures} failed" if failures else "")
            )
        if Path(CHROMIUM).exists():
            requests, size, external = transfer(net, url)
            print(
                f"first load of the inbox: {requests} requests, {size / 1024:.1f} KB on the wire, "
                f"{len(external)} to another origin (target < {TRANSFER_TARGET // 1024} KB, "
                f"none external: {_met(size < TRANSFER_TARGET and not external)})"
            )
        else:
            print(f"first load of the inbox: not measured (no Chromium at {CHROMIUM})")


if __name__ == "__main__":
    main()
