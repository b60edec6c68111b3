"""``jointzone network-demo``: the production shape on one machine, for a newcomer to watch.

Each party's node runs as its own process (``jointzone node serve``) on 127.0.0.1, with its own
SQLite database and keystore, and the nodes speak only HTTP to each other. The demonstration
then does what the parties' people would:

- each party's root-key holders sign the genesis at their own node, then the declaration of
  its certificate key;
- the scenario is played through the nodes' officials' APIs: every official's key is made and
  kept here, on "their own device", and only signed COSE bytes reach a node;
- the published log is verified over HTTP with nothing but the node keys, and a certificate
  from its QR image, as an officer would offline.

The scenario replays dated events, so the nodes are made with simulated clocks
(``node init --clock simulated``): their genesis says so, and this player sets each node's time
before each event. The nodes keep serving until Ctrl-C.
"""

from __future__ import annotations

import functools
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cli._client import NodeApi
from jointzone.cli._console import say
from jointzone.cli._deployment import DEMO_PASSPHRASE, default_path, warn_demo
from jointzone.cli._offline import holder_lines, verify_offline
from jointzone.cli.errors import CliError
from jointzone.consent import ConsentError, Rejection
from jointzone.cose import CoseSigner
from jointzone.credentials import Certificate, decode_text
from jointzone.node import (
    DEPLOYMENT_FILE,
    StandaloneNode,
    read_key_file,
    root_key_file,
    write_key_file,
)
from jointzone.node._standalone import b64url, set_clock
from jointzone.regime import Regime
from jointzone.scenario import Scenario, Step, step_nonce
from jointzone.tlog import Checkpoint, Note
from jointzone.verify import verify_tiles

T = TypeVar("T")
#: How long one event may take to travel, be signed and become final before the demo gives up.
STEP_TIMEOUT_S = 60.0
_POLL_S = 0.05
#: Marks a directory as a demo's, which the next demo may empty.
_MARKER = "network-demo.txt"


def _wait(what: str, probe: Callable[[], T | None], timeout: float = STEP_TIMEOUT_S) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise CliError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(_POLL_S)


class _Network:
    """The nodes of the demonstration, their processes and the officials' keys."""

    def __init__(self, root: Path, regime: Regime, ports: dict[str, int]) -> None:
        self.root = root
        self.regime = regime
        self.parties = list(regime.party_ids)
        self.urls = {p: f"http://127.0.0.1:{ports[p]}" for p in self.parties}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.apis = {p: NodeApi(u) for p, u in self.urls.items()}
        self._keys: dict[str, CoseSigner] = {}
        self.time: datetime | None = None
        (root / "officials").mkdir(parents=True, exist_ok=True)

    def node_dir(self, party: str) -> Path:
        return self.root / party

    # -- making and starting --------------------------------------------------------------------

    def make(self, regime_dir: Path, dbs: dict[str, str] | None = None) -> None:
        """Each party's node, with SQLite in its directory unless ``dbs`` gives its database."""
        descriptors = {}
        for party in self.parties:
            descriptors[party] = StandaloneNode.init(
                self.node_dir(party),
                party=party,
                regime_dir=regime_dir,
                url=self.urls[party],
                db=(dbs or {}).get(party),
                passphrase=DEMO_PASSPHRASE,
                demo=True,
                clock="simulated",
            )
        for party in self.parties:
            with StandaloneNode.open(self.node_dir(party), passphrase=None) as node:
                for other, descriptor in descriptors.items():
                    if other != party:
                        node.add_peer(descriptor)

    def set_time(self, when: datetime) -> None:
        self.time = when
        for party in self.parties:
            set_clock(self.node_dir(party), when)

    def start(self) -> None:
        # The officials' key files: their devices, and the demo officials the web app offers.
        (self.root / "officials").mkdir(exist_ok=True)
        for party in self.parties:
            log = (self.root / f"{party}.log").open("ab")
            command = [sys.executable, "-m", "jointzone", "node", "serve"]
            demo = ["--demo-keys", "--demo-officials", str(self.root / "officials")]
            self.processes[party] = subprocess.Popen(
                [*command, str(self.node_dir(party)), *demo],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
        for party in self.parties:
            _wait(f"the node of {party} to start", functools.partial(self._up, party))

    def _up(self, party: str) -> bool | None:
        if self.processes[party].poll() is not None:
            raise CliError(f"the node of {party} stopped; see {self.root / f'{party}.log'}")
        try:
            return httpx.get(f"{self.urls[party]}/status", timeout=1).status_code == 200 or None
        except httpx.HTTPError:
            return None

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for api in self.apis.values():
            api.close()

    # -- keys -----------------------------------------------------------------------------------

    def root_signer(self, key_id: str, party: str) -> CoseSigner:
        path = root_key_file(self.node_dir(party), key_id)
        return CoseSigner(kid=key_id.encode(), private_key=read_key_file(path, DEMO_PASSPHRASE))

    def signer(self, name: str, party: str) -> CoseSigner:
        """An official's key (made by :meth:`new_key`), or one of the party's root keys."""
        if name in self._keys:
            return self._keys[name]
        if name.startswith(f"{party}-root-"):
            return self.root_signer(name, party)
        raise CliError(f"no key of {name!r}: the scenario uses it before appointing it")

    def new_key(self, name: str, official: str) -> str:
        """Make an official's key on their own device (a key file here); its public key."""
        path = self.root / "officials" / f"{name}.pem"
        key = Ed25519PrivateKey.generate()
        write_key_file(path, key, DEMO_PASSPHRASE, demo=True)
        self._keys[name] = CoseSigner(kid=official.encode(), private_key=key)
        return b64url(key.public_key().public_bytes_raw())

    # -- waiting on the nodes -------------------------------------------------------------------

    def arrived(self, party: str, act_id: str) -> None:
        api = self.apis[party]
        _wait(f"act {act_id} to reach the node of {party}", lambda: api.status_or_none(act_id))

    def committed(self, party: str, act_id: str) -> int:
        api = self.apis[party]

        def index() -> int | None:
            s = api.status_or_none(act_id)
            if s is not None and s.status not in ("open", "committed"):
                raise CliError(f"act {act_id} is {s.status}: {s.verdict.explain()}")
            return None if s is None or s.index is None else s.index

        at = _wait(f"act {act_id} to be committed", index)
        self.final(at + 1)
        return at

    def final(self, size: int) -> None:
        def everywhere() -> bool | None:
            return all(a.node_status()["final_size"] >= size for a in self.apis.values()) or None

        _wait(f"every node to hold a final checkpoint of size {size}", everywhere)


def _genesis(net: _Network) -> None:
    """Each party's root-key holders sign the genesis at their own node, then declare its
    certificate key."""
    for party in net.parties:
        signers = [net.root_signer(f"{party}-root-{i}", party) for i in (1, 2)]
        net.apis[party].sign_genesis(signers, at=net.time)
    net.final(1)
    for party in net.parties:
        signers = [net.root_signer(f"{party}-root-{i}", party) for i in (1, 2)]
        api = net.apis[party]
        api.sign_act(api.certificate_key(), "certificate.key", signers, at=net.time)
    net.final(1 + len(net.parties))


def _fill_keys(net: _Network, act: dict[str, Any]) -> dict[str, Any]:
    out = dict(act)
    if out.get("public_key") == "generate":
        official = str(out["official"])
        name = (
            f"{official}@{out.get('key_name', 'next')}"
            if out.get("type") == "official.rotate-key"
            else official
        )
        out["public_key"] = net.new_key(name, official)
    return out


def _play_step(net: _Network, scenario: Scenario, step: Step) -> str:
    """One event, through the nodes' APIs; a line saying what became of it."""
    api = net.apis[step.party]
    if step.export is not None:
        data = api.trust_bundle()
        path = net.root / f"trust-{step.at:%Y-%m-%d}.json"
        path.write_bytes(data)
        return f"trust bundle exported by {step.party} to {path}"
    act = _fill_keys(net, dict(step.act))
    signer = net.signer(step.by, step.party)
    proposal = api.propose(act, [signer], at=step.at, nonce=step_nonce(scenario, step))
    label = f"{proposal.act_type} [{proposal.id[:12]}]"
    if step.pending:
        return f"{label}: proposed by {step.party}, left open for the others"
    if step.reject is not None:
        party, official, reason = step.reject
        net.arrived(party, proposal.id)
        try:
            rejection = Rejection.create(
                act_id=proposal.id,
                origin=proposal.content.origin,
                party=party,
                reason=reason,
                at=step.at,
                signer=net.signer(official, party),
            )
        except ConsentError as e:
            raise CliError(f"step {step.label}: {e}") from e
        net.apis[party].reject(rejection)
        return f"{label}: rejected by {party} ({reason})"
    for party, officials in step.signers.items():
        net.arrived(party, proposal.id)
        net.apis[party].sign(proposal.id, [net.signer(o, party) for o in officials])
    index = net.committed(step.party, proposal.id)
    return f"#{index:<4} {label}"


def _verify(net: _Network) -> None:
    """The published log over HTTP with the node keys alone, then a certificate from its QR."""
    first = net.parties[0]
    with StandaloneNode.open(net.node_dir(first), passphrase=None) as node:
        keys = node.node.replica.node_verifiers()
        certificates = list(node.node.replica.state.certificates.values())
    report = verify_tiles(net.urls[first], keys)
    say(f"verified the log published at {net.urls[first]} with the node keys alone:")
    say(f"  {report.summary()}")
    if not certificates:
        return
    record = certificates[0]
    text = net.apis[first].certificate_text(record.id)
    document = Certificate.from_cose(decode_text(text))
    png = net.root / f"{record.id}.png"
    png.write_bytes(document.qr_png())
    moment = record.valid_from + (record.valid_to - record.valid_from) / 2
    bundles = sorted(net.root.glob("trust-*.json"))
    if not bundles:
        raise CliError("the scenario exported no trust bundle")
    bundle = next(
        (b for b in reversed(bundles) if b.name <= f"trust-{moment:%Y-%m-%d}.json"), bundles[0]
    )
    say(f"certificate {record.id}, its QR code written as {png}, checked with {bundle.name}")
    offline = verify_offline(
        None, png.read_bytes(), bundle.read_bytes(), [k.vkey for k in keys], moment
    )
    checked = offline.report
    *checks, verdict = checked.lines()
    if checked.certificate is not None and offline.table is not None:
        checks += holder_lines(checked.certificate, offline.table, "en")
    for line in (*checks, verdict):
        say(f"  {line}")
    if not checked.valid:
        raise CliError(f"certificate {record.id} did not verify")


@contextmanager
def _running(net: _Network) -> Iterator[None]:
    try:
        net.start()
        yield
    finally:
        net.stop()


def network_demo(
    root: Path,
    *,
    regime_dir: Path,
    scenario_path: Path,
    ports: list[int],
    serve: bool = True,
    dbs: dict[str, str] | None = None,
) -> None:
    """Make, start and drive the demonstration (see the module docstring); ``dbs`` gives a
    party's node a database URL other than SQLite in its directory."""
    scenario = Scenario.from_file(scenario_path)
    regime = Regime.from_dir(regime_dir)
    if len(ports) < len(regime.party_ids):
        raise CliError(f"give a port for each of the {len(regime.party_ids)} parties")
    if root.exists() and any(root.iterdir()):
        # An embedded demo (what ``make run`` made before) may go too: --fresh replaced it.
        if not (root / _MARKER).exists() and not (root / DEPLOYMENT_FILE).exists():
            raise CliError(
                f"{root} is not empty and is not a network demo's directory: choose another"
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / _MARKER).write_text("jointzone network demo\n", encoding="utf-8")
    net = _Network(root, regime, dict(zip(regime.party_ids, ports, strict=False)))
    net.make(regime_dir, dbs)
    net.set_time(scenario.steps[0].at)
    with _running(net):
        for party, url in net.urls.items():
            say(f"node of {party}: {url} (log: {root / f'{party}.log'})")
        _genesis(net)
        say(f"genesis: the regime adopted at every node; {len(scenario.steps)} events to play")
        for step in scenario.steps:
            net.set_time(step.at)
            say(f"  {step.at:%Y-%m-%d}  {_play_step(net, scenario, step)}")
            sys.stdout.flush()
        _verify(net)
        checkpoint = net.apis[net.parties[0]].checkpoint()
        size = Checkpoint.from_text(Note.from_bytes(checkpoint).text).size
        say(f"final checkpoint ({size} entries), signed by every party's node:")
        sys.stdout.write(checkpoint.decode("utf-8"))
        if not serve:
            return
        say("the nodes keep serving; Ctrl-C stops them:")
        for party, url in net.urls.items():
            say(f"  {party}: {url}/status  {url}/checkpoint  {url}/openapi.json")
        say("the officials' web app of each node, in ja/ru/en (a demo: the node holds the demo")
        say("officials' keys and signs for them; a real node never holds an official's key):")
        for party, url in net.urls.items():
            say(f"  {party}: {url}/login")
        say("the officers' offline verifier (reads a certificate's QR code in the browser):")
        for party, url in net.urls.items():
            say(f"  {party}: {url}/verifier/")
        try:
            while all(p.poll() is None for p in net.processes.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            say("stopping the nodes")


def network_demo_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where the nodes are made.")],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", metavar="FILE", help="The scenario to play (default: seed)."),
    ] = None,
    regime: Annotated[
        Path | None,
        typer.Option("--regime", metavar="DIR", help="The regime (default: the seed)."),
    ] = None,
    base_port: Annotated[
        int, typer.Option("--base-port", help="The first party's port; the next ones follow.")
    ] = 8701,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Keep serving until Ctrl-C when done.")
    ] = True,
) -> None:
    """Run each party's node as its own process on 127.0.0.1 and play a scenario through their
    HTTP APIs, as the parties' officials would; then verify the published log and a
    certificate, and keep serving. DIR is emptied first if an earlier demo made it. Demo keys
    only."""
    warn_demo()
    regime_dir = regime or default_path("regimes/seed")
    parties = len(Regime.from_dir(regime_dir).party_ids)
    network_demo(
        directory,
        regime_dir=regime_dir,
        scenario_path=scenario or default_path("scenarios/seed.yaml"),
        ports=[base_port + i for i in range(parties)],
        serve=serve,
    )
