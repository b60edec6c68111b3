"""Two parties' nodes as processes on loopback: commit latency, acts/s, catch-up and memory.

    .venv/bin/python -m bench.bench_network [--acts 2000] [--latency-acts 200]
        [--clients 4] [--window 100] [--catch-up 100000] [--memory-entries 200000]

(About 6 minutes at these sizes on a two-core machine: the long logs are built, replayed by
the node that serves them as it starts, and caught up at about 1,800 entries/s.)

Each node is ``jointzone node serve`` in its own process, made as the network demo makes them
(cli/_network.py): ``StandaloneNode.init`` with demo keys and a simulated clock, pinned to the
other, its genesis signed with its root keys through the officials' API, then a registrar of
each party appointed. The clock stays at 2020-01-10, a month whose turn is japan's: japan is the
sequencer throughout. The officials' keys stay in this process; only COSE bytes reach a node.
Measured in one run, with the Ed25519-verify bound (bench/_bounds.py) and the in-process
figures beside them:

- Commit latency: an act proposed at japan, signed at russia (the last signature); from the
  answer to that sign call to the final checkpoint over it held by both nodes, seen by polling
  both nodes' ``/checkpoint``. Targets: p50 < 50 ms, p99 < 200 ms.
- Acts/s: ``--acts`` acts proposed at japan by a pool of clients, a ``--window`` at a time,
  each window signed at russia by another pool once japan's outbox has delivered it, while the
  next is proposed; from the first proposal to the final checkpoint over the last held by both
  nodes. That includes the clients making and signing the proposals, every request, each
  node's checks and storage, both outboxes, the rounds, and this process's polling. Beside it,
  bench_core's commit, timed from the first proposal too: the embedded deployment in this
  process proposes and signs every act (its nodes hold the officials' keys and pass proposals
  to each other by method calls: no HTTP, outbox or request signatures), then runs commit
  rounds until all are final. Target: >= 50% of the in-process rate. A request the node
  answers 500 (or drops) is sent again, as a client would, and counted.
- Catch-up: russia, holding only the genesis part, started beside japan holding ``--catch-up``
  entries more: entries judged per second (two signatures each, as in a round) until it holds
  the same final checkpoint. Then japan's log grows to ``--memory-entries`` and russia, started
  again, catches up the difference. Target: >= 10,000 entries/s.
- Memory: each node process's RSS after each catch-up and some reads (bundles, tiles, status),
  with its slope per entry between the two sizes and what that gives at 1,000,000 entries.
  Target: < 200 MB at 1,000,000.

The long logs are written straight into japan's database, as bench_core writes its own: acts
signed by the two registrars, a final checkpoint signed with both nodes' keys.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import httpx

from bench._bounds import measure
from bench.bench_core import _act, _seeded, registrations_extensions
from jointzone.cli._client import NodeApi
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.cli._network import _genesis, _Network, _wait
from jointzone.consent import Entry, Proposal
from jointzone.cose import CoseSigner
from jointzone.node import StandaloneNode, new_proposal, node_key_name
from jointzone.regime import Regime
from jointzone.tlog import (
    Checkpoint,
    Note,
    Signer,
    bundles_for_size,
    entries_path,
    sign_note,
    tile_path,
)

T = TypeVar("T")

ROOT = Path(__file__).parents[1]
REGIME = ROOT / "regimes" / "seed"
WORK = ROOT / "build" / "bench" / "network"
#: Every node's simulated time: a month whose turn is japan's (the rotation is monthly).
NOW = datetime(2020, 1, 10, tzinfo=UTC)
#: How often a waiting client looks again.
POLL_S = 0.005
#: How long a node may take to start (it replays its whole log as it opens) or to catch up.
SLOW_S = 1800.0
LATENCY_TARGETS = {"p50": 0.050, "p99": 0.200}
CATCH_UP_TARGET = 10_000
MEMORY_TARGET = 200 * 2**20
MEMORY_AT = 1_000_000
PARTIES = ("japan", "russia")
#: A process's resident set now and at its peak, in bytes.
Memory = tuple[int, int]
REGISTRARS = {"japan": "jp-registrar", "russia": "ru-registrar"}


class _Retrying(httpx.HTTPTransport):
    """Sends a request again when the node answers 500 or drops the connection after one, as
    a client would (submitting a proposal or a signature is idempotent), and counts how often
    it had to."""

    def __init__(self) -> None:
        super().__init__()
        self.retried: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(20):
            try:
                response = super().handle_request(request)
            except (httpx.ReadError, httpx.RemoteProtocolError):
                if attempt == 19:
                    raise
                self.retried.append("dropped")
                continue
            if response.status_code != 500:
                return response
            response.read()
            response.close()
            self.retried.append("500")
            time.sleep(POLL_S)
        return response


class _Nodes(_Network):
    """The network demo's nodes, each started and stopped on its own, keeping its API client."""

    def __init__(self, root: Path, regime: Regime, ports: dict[str, int]) -> None:
        super().__init__(root, regime, ports)
        self.transports = {p: _Retrying() for p in self.parties}
        for api in self.apis.values():
            api.close()
        self.apis = {p: NodeApi(u, transport=self.transports[p]) for p, u in self.urls.items()}
        #: The size of the log once the genesis and the registrars' appointments are final.
        self.genesis = 0

    def retried(self) -> str:
        """The requests answered 500 or dropped since the last call, and sent again."""
        said = [
            f"{t.retried.count(why)} {why} at {p}"
            for p, t in self.transports.items()
            for why in ("500", "dropped")
            if why in t.retried
        ]
        for t in self.transports.values():
            t.retried.clear()
        return f"; requests answered 500 or dropped, sent again: {', '.join(said)}" if said else ""

    def start_node(self, party: str, *, timeout: float = SLOW_S) -> float:
        """Start a node's process; the seconds until it answers ``/status``."""
        command = [sys.executable, "-m", "jointzone", "node", "serve", str(self.node_dir(party))]
        t0 = time.perf_counter()
        with (self.root / f"{party}.log").open("ab") as log:
            self.processes[party] = subprocess.Popen(
                [*command, "--demo-keys"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait(f"the node of {party} to start", functools.partial(self._up, party), timeout)
        return time.perf_counter() - t0

    def stop(self) -> None:
        """Stop every node that runs: SIGINT (a clean stop), then SIGKILL after a minute."""
        running = {p: proc for p, proc in self.processes.items() if proc.poll() is None}
        for process in running.values():
            process.send_signal(signal.SIGINT)
        for process in running.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def close(self) -> None:
        self.stop()
        for api in self.apis.values():
            api.close()

    def pid(self, party: str) -> int:
        return self.processes[party].pid

    def snapshot(self, to: Path) -> None:
        """Copy every (stopped) node's directory to ``to``."""
        shutil.rmtree(to, ignore_errors=True)
        for party in self.parties:
            shutil.copytree(self.node_dir(party), to / party)

    def restore(self, party: str, source: Path) -> None:
        shutil.rmtree(self.node_dir(party))
        shutil.copytree(source / party, self.node_dir(party))


@contextmanager
def _network() -> Iterator[_Nodes]:
    """Two nodes made, given their genesis and registrars, and stopped (with a snapshot of
    that state under WORK/genesis); every process stopped on the way out."""
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "nodes").mkdir(parents=True)
    regime = Regime.from_dir(REGIME)
    net = _Nodes(WORK / "nodes", regime, {p: _free_port() for p in regime.party_ids})
    try:
        net.make(REGIME)
        net.set_time(NOW)
        for party in net.parties:
            net.start_node(party)
        _genesis(net)
        for party in net.parties:
            official = REGISTRARS[party]
            act = {
                "type": "official.appoint",
                "party": party,
                "official": official,
                "display_name": f"Bench Registrar {party[0].upper()}",
                "roles": ["registrar"],
                "public_key": net.new_key(official, official),
            }
            roots = [net.root_signer(f"{party}-root-{i}", party) for i in (1, 2)]
            net.committed(party, net.apis[party].propose(act, roots, at=net.time).id)
        net.genesis = _size(net.apis[net.parties[0]].checkpoint())
        net.stop()
        net.snapshot(WORK / "genesis")
        yield net
    finally:
        net.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _poll(probe: Callable[[], T | None], *, every: float = POLL_S, timeout: float = 120.0) -> T:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s")
        time.sleep(every)
    return found


def _size(checkpoint: bytes) -> int:
    return Checkpoint.from_text(Note.from_bytes(checkpoint).text).size


def _all_final(apis: list[NodeApi], size: int) -> Callable[[], bool | None]:
    """A probe: True once every node's ``/checkpoint`` covers ``size``. A node found final is
    not asked again, so each look costs one request."""
    waiting = list(apis)

    def probe() -> bool | None:
        while waiting and _size(waiting[0].checkpoint()) >= size:
            waiting.pop(0)
        return None if waiting else True

    return probe


def _signers(net: _Nodes) -> tuple[CoseSigner, CoseSigner]:
    return net.signer(REGISTRARS["japan"], "japan"), net.signer(REGISTRARS["russia"], "russia")


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


# -- 1. commit latency ---------------------------------------------------------------------------


def bench_latency(net: _Nodes, n: int, first: int) -> None:
    """Commit latency over HTTP (see the module docstring), one act at a time."""
    japan, russia = net.apis["japan"], net.apis["russia"]
    jp, ru = _signers(net)
    apis = list(net.apis.values())
    size = _size(japan.checkpoint())
    latencies: list[float] = []
    arrivals: list[float] = []
    looks: list[float] = []
    for i in range(n):
        t0 = time.perf_counter()
        proposal = japan.propose(_act(first + i), [jp], at=net.time)
        # The official at russia signs once the proposal has reached their node.
        _poll(functools.partial(russia.status_or_none, proposal.id))
        t1 = time.perf_counter()
        russia.sign(proposal.id, [ru])
        t2 = time.perf_counter()
        size += 1
        _poll(_all_final(apis, size))
        latencies.append(time.perf_counter() - t2)
        arrivals.append(t1 - t0)
    for _ in range(50):
        t0 = time.perf_counter()
        japan.checkpoint()
        looks.append(time.perf_counter() - t0)
    look = statistics.median(looks)
    p50, p99 = _quantile(latencies, 0.50), _quantile(latencies, 0.99)
    print(
        f"commit latency over HTTP, {n} acts one at a time, from the answer to the last "
        f"signature (at russia) to the final checkpoint at both nodes: p50 {p50 * 1e3:.0f} ms "
        f"(target < {LATENCY_TARGETS['p50'] * 1e3:.0f} ms: {_met(p50 < LATENCY_TARGETS['p50'])}), "
        f"p99 {p99 * 1e3:.0f} ms (target < {LATENCY_TARGETS['p99'] * 1e3:.0f} ms: "
        f"{_met(p99 < LATENCY_TARGETS['p99'])}), max {max(latencies) * 1e3:.0f} ms"
    )
    print(
        f"  resolution: both nodes' /checkpoint polled every {POLL_S * 1e3:.0f} ms, a look "
        f"answered in {look * 1e3:.1f} ms (median): ~{(POLL_S + 2 * look) * 1e3:.0f} ms; "
        f"proposal at japan -> held at russia (japan's outbox): p50 "
        f"{_quantile(arrivals, 0.5) * 1e3:.0f} ms{net.retried()}"
    )


# -- 2. acts per second ----------------------------------------------------------------------------


def bench_throughput(net: _Nodes, n: int, first: int, clients: int, window: int) -> float:
    """Acts/s over HTTP (see the module docstring)."""
    japan, russia = net.apis["japan"], net.apis["russia"]
    jp, ru = _signers(net)
    # A client making many proposals reads the node's context once, not once each.
    regime = japan.regime()
    size = _size(japan.checkpoint())
    acts = [_act(first + i) for i in range(n)]

    def propose(act: dict[str, object]) -> Proposal:
        proposal = new_proposal(act, regime=regime, party="japan", signer=jp, now=NOW)
        japan.submit(proposal)
        return proposal

    def sign(proposal: Proposal) -> None:
        russia.submit(proposal.cosign(ru))

    def delivered() -> bool | None:
        """Whether japan's outbox has sent russia everything (it holds only proposals)."""
        return not japan.node_status()["outbox"].get("russia") or None

    pids = {p: net.pid(p) for p in net.parties}
    cpu0 = {p: _cpu(pid) for p, pid in pids.items()}
    here0 = time.process_time()
    t0 = time.perf_counter()
    # A window is proposed, then signed once it is at russia, while the next is proposed.
    with ThreadPoolExecutor(clients) as proposing, ThreadPoolExecutor(clients) as signing:
        signed = []
        for start in range(0, n, window):
            proposals = list(proposing.map(propose, acts[start : start + window]))
            _poll(delivered, every=2 * POLL_S, timeout=SLOW_S)
            signed += [signing.submit(sign, p) for p in proposals]
        for future in signed:
            future.result()
    t_signed = time.perf_counter()
    _poll(_all_final(list(net.apis.values()), size + n), every=2 * POLL_S, timeout=SLOW_S)
    dt = time.perf_counter() - t0
    cpu = {p: (_cpu(pid) - cpu0[p]) / n for p, pid in pids.items()}
    cpu["the clients"] = (time.process_time() - here0) / n
    rate = n / dt
    print(
        f"acts/s over HTTP: {n:,} acts in {dt:.2f} s = {rate:,.0f} acts/s, final at both "
        f"nodes (in windows of {window}: proposed by {clients} clients at japan, signed by "
        f"{clients} at russia once there; all signed by {t_signed - t0:.2f} s)"
        f"{net.retried()}"
    )
    print(
        "  CPU per act: "
        + ", ".join(f"{who} {seconds * 1e3:.1f} ms" for who, seconds in cpu.items())
        + f"; {sum(cpu.values()) * 1e3:.1f} ms in all"
    )
    return rate


def bench_in_process(n: int, bound: float) -> float:
    """bench_core's commit, with the proposing and signing timed too."""
    d, _ = _seeded(WORK / "embedded")
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    acts = [_act(i) for i in range(n)]
    here0 = time.process_time()
    t0 = time.perf_counter()
    for act in acts:
        p = japan.propose(act, official="jp-registrar")
        russia.sign(p.id, official="ru-registrar")
    t_signed = time.perf_counter()
    committed = 0
    while True:
        rnd = d.commit()
        if rnd is None or rnd.batch is None or not rnd.batch.entries:
            break
        committed += len(rnd.batch.committed)
    dt = time.perf_counter() - t0
    cpu = (time.process_time() - here0) / n
    d.close()
    assert committed == n, f"committed {committed} of {n}"
    rate = n / dt
    print(
        f"acts/s in process (embedded deployment): {n:,} acts in {dt:.2f} s = {rate:,.0f} "
        f"acts/s (propose and sign {t_signed - t0:.2f} s, commit rounds {dt - t_signed + t0:.2f}"
        f" s); {rate / (bound / 4):.0%} of the bound of {bound / 4:,.0f} acts/s; CPU per act "
        f"{cpu * 1e3:.1f} ms"
    )
    return rate


# -- 3 and 4. catch-up and memory --------------------------------------------------------------


def _extend(net: _Nodes, size: int) -> None:
    """Append two-party acts to japan's (stopped) log until it holds ``size`` entries, and keep
    a final checkpoint over it signed with both nodes' keys, as a round would have."""
    jp, ru = _signers(net)
    with (
        StandaloneNode.open(net.node_dir("japan"), passphrase=DEMO_PASSPHRASE) as japan,
        StandaloneNode.open(net.node_dir("russia"), passphrase=DEMO_PASSPHRASE) as russia,
    ):
        node = japan.node
        regime = node.replica.regime
        assert regime is not None
        store = node.store
        appended = store.size() < size
        batch: list[bytes] = []
        for i in range(store.size(), size):
            proposal = new_proposal(_act(i), regime=regime, party="japan", signer=jp, now=NOW)
            batch.append(Entry(time=NOW, proposal=proposal.cosign(ru)).encode())
            if len(batch) == 5000:
                store.append(batch)
                batch = []
        if batch:
            store.append(batch)
        finalise(japan, russia, NOW if appended else None)


def finalise(japan: StandaloneNode, russia: StandaloneNode, last: datetime | None) -> None:
    """Keep a final checkpoint over japan's whole log, signed with both nodes' keys as a round
    would have signed it, for registrations appended straight into the log (the last dated
    ``last``; None: none was)."""
    node = japan.node
    regime = node.replica.regime
    assert regime is not None
    store = node.store
    text = Checkpoint(
        origin=regime.origin,
        size=store.size(),
        root=store.root(),
        extensions=registrations_extensions(node.replica.state, store.size(), last),
    ).to_text()
    signers = [
        Signer.from_seed(
            node_key_name(regime.origin, s.config.party),
            s.node.keystore.private_key("node", "node").private_bytes_raw(),
        )
        for s in (japan, russia)
    ]
    node.accept_final(sign_note(text, signers).to_bytes())


def _read_some(url: str, size: int) -> int:
    """What readers and officials ask of a node: checkpoint, status, context, and a sample of
    entry bundles and hash tiles from across the log. Returns the requests made."""
    paths = ["/checkpoint", "/status", "/api/v1/context", "/api/v1/proposals?status=open"]
    bundles = list(bundles_for_size(size))
    step = max(1, len(bundles) // 100)
    for index, width in bundles[::step] + bundles[-5:]:
        paths += [f"/{entries_path(index, width)}", f"/{tile_path(0, index, width)}"]
    with httpx.Client(base_url=url, timeout=60) as client:
        for path in paths:
            client.get(path).raise_for_status()
    return len(paths)


def _cpu(pid: int) -> float:
    """The CPU seconds a process has used, user and system (/proc/PID/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> Memory:
    """A process's resident set now and at its peak (VmRSS, VmHWM), in bytes."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields["VmRSS"], fields["VmHWM"]


def bench_catch_up(net: _Nodes, appended: int, bound: float) -> tuple[int, dict[str, Memory]]:
    """japan's log grows to the genesis part and ``appended`` acts; russia, started beside it
    with the log it had, catches up. Returns the log's size and each node's memory after the
    catch-up and some reads."""
    japan, russia = net.apis["japan"], net.apis["russia"]
    with StandaloneNode.open(net.node_dir("russia"), passphrase=None) as r:
        held = r.node.log_size()
    t0 = time.perf_counter()
    _extend(net, net.genesis + appended)
    built = time.perf_counter() - t0
    up = net.start_node("japan")
    target = japan.checkpoint()
    size = _size(target)
    t0 = time.perf_counter()
    net.start_node("russia")
    t1 = time.perf_counter()
    # Entries judged after the node first answered, over the time since: the process's start
    # (an interpreter, imports) is printed apart.
    at_first = int(russia.node_status()["size"])
    _poll(lambda: russia.checkpoint() == target or None, every=0.02, timeout=SLOW_S)
    t2 = time.perf_counter()
    rate = (size - at_first) / (t2 - t1)
    print(
        f"catch-up over HTTP: {size - held:,} entries behind, every entry judged, "
        f"{rate:,.0f} entries/s (target >= {CATCH_UP_TARGET:,}: {_met(rate >= CATCH_UP_TARGET)}"
        f"); {rate / (bound / 2):.0%} of the bound of {bound / 2:,.0f} entries/s (2 "
        f"verifications each); {t2 - t0:.1f} s from starting the process "
        f"({at_first - held:,} entries in by its first answer, {t1 - t0:.1f} s)"
    )
    reads = sum(_read_some(net.urls[p], size) for p in net.parties)
    memory = {p: _memory(net.pid(p)) for p in net.parties}
    print(
        f"  log of {size:,} entries built in {built:.1f} s; japan up in {up:.1f} s (it replays "
        f"the log as it opens); then {reads} reads; RSS "
        + ", ".join(
            f"{p} {rss / 2**20:,.0f} MB (peak {peak / 2**20:,.0f} MB)"
            for p, (rss, peak) in memory.items()
        )
    )
    net.stop()
    return size, memory


def bench_memory(points: dict[int, dict[str, Memory]], entries: int) -> None:
    """RSS at the largest size measured, its slope per entry, and what it gives at 1M."""
    low, *_, top = sorted(points) * 2  # one size: no slope
    for party in PARTIES:
        rss, small = points[top][party][0], points[low][party][0]
        line = f"memory: {party} RSS {rss / 2**20:,.0f} MB serving {top:,} entries"
        at: float = rss
        verdict = _met(at < MEMORY_TARGET)
        if top < MEMORY_AT and low == top and rss < MEMORY_TARGET:
            verdict = f"unknown from one size below {MEMORY_AT:,}"
        if top < MEMORY_AT and low < top:
            slope = (rss - small) / (top - low)
            at = rss + slope * (MEMORY_AT - top)
            line += (
                f" ({small / 2**20:,.0f} MB at {low:,}: {slope:,.0f} bytes/entry), so "
                f"~{at / 2**20:,.0f} MB at {MEMORY_AT:,} if it stays linear"
            )
            verdict = _met(at < MEMORY_TARGET)
        print(f"{line} (target < {MEMORY_TARGET / 2**20:.0f} MB at {MEMORY_AT:,}: {verdict})")
    if entries < MEMORY_AT:
        print(f"  measured up to {entries:,}; --memory-entries {MEMORY_AT} measures 1M itself")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acts", type=int, default=2000, help="acts for the acts/s figure")
    parser.add_argument("--latency-acts", type=int, default=200)
    parser.add_argument(
        "--clients", type=int, default=4, help="clients proposing (and signing) at once"
    )
    parser.add_argument(
        "--window", type=int, default=100, help="acts proposed before they are signed"
    )
    parser.add_argument("--catch-up", type=int, default=100_000)
    parser.add_argument("--memory-entries", type=int, default=200_000)
    args = parser.parse_args()
    bounds = measure()
    print(bounds.describe())
    bound = bounds.ed25519_verify_per_s
    with _network() as net:
        for party in net.parties:
            net.start_node(party)
        bench_latency(net, args.latency_acts, 0)
        http = bench_throughput(net, args.acts, args.latency_acts, args.clients, args.window)
        net.stop()
        local = bench_in_process(args.acts, bound)
        print(
            f"acts/s over HTTP / in process: {http / local:.0%} (target >= 50%: "
            f"{_met(http >= local / 2)})"
        )
        # The long logs grow from the genesis part, without the acts above. russia starts
        # from it too, then catches up each step: at the first, --catch-up (or
        # --memory-entries) entries behind; at the next, by the difference.
        for party in net.parties:
            net.restore(party, WORK / "genesis")
        points: dict[int, dict[str, Memory]] = {}
        for appended in sorted({args.catch_up, args.memory_entries}):
            size, memory = bench_catch_up(net, appended, bound)
            points[size] = memory
        bench_memory(points, args.memory_entries)


if __name__ == "__main__":
    main()
