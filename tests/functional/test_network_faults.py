"""Node processes on loopback under faults: killed at random moments, cut off from each other by
a proxy, and three of them at once. After each, every node holds the same final checkpoint over
the same entries, the log verifies from its URL, and each node's database passes an audit.

Officials act through :class:`~jointzone.cli._client.NodeApi` in this process, the HTTP API
``act propose/sign --node`` uses, with their own key files, and the setup commands (``node
init``, ``node genesis``...) run in this process too: a new interpreter per command would spend
seconds importing the CLI. Each node is still a process of its own, running ``node serve``,
forked from an interpreter that has imported it already (``NodeProcess(warm=True)``).
"""

from __future__ import annotations

import functools
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from jointzone.cli._client import NodeApi
from jointzone.cli._deployment import signer
from jointzone.cli._remote import own_key
from jointzone.cli.errors import CliError
from jointzone.consent import Entry
from jointzone.cose import CoseSigner
from jointzone.node import ProposalStatus, audit
from jointzone.node._checkpoints import SIGNED_STATE_FILE, read_signed_state
from jointzone.regime import Regime
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, Note, Verifier, open_checkpoint

from ._network import (
    REGIME,
    NodeProcess,
    appoint,
    connect,
    free_port,
    genesis,
    run_here,
    start_all,
    wait_final,
)
from ._proxy import Proxy

T = TypeVar("T")

#: Entries before the first enterprise: the adoption, two certificate keys, two registrars.
SETUP_ENTRIES = 5
SOAK = int(os.environ.get("JOINTZONE_SOAK", "1"))
PASSWORD = "an official's own passphrase"


def _wait(what: str, probe: Callable[[], T | None], timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"gave up after {timeout:.0f} s waiting for {what}"
        time.sleep(0.2)


def _enterprise(name: str) -> dict[str, Any]:
    return {
        "type": "enterprise.register",
        "enterprise": name,
        "party": "japan",
        "categories": ["tourism"],
        "names": {"en": f"Kaiyo Tourism {name}"},
        "registered_address": {"place": "nemuro-port"},
    }


def _registrars(nodes: dict[str, NodeProcess], tmp: Path) -> dict[str, CoseSigner]:
    """A registrar appointed at each party's node with a key file of their own; their signers."""
    password = tmp / "official-passphrase"
    password.write_text(PASSWORD, encoding="utf-8")
    found = {}
    for party, node in nodes.items():
        official, key = f"{party[:2]}-registrar", tmp / f"{party}-registrar.pem"
        appoint(node, official, "registrar", key, password, runner=run_here)
        found[party] = own_key(signer(official, key, password))
    return found


def _ready(nodes: dict[str, NodeProcess], tmp: Path) -> dict[str, CoseSigner]:
    """Start the nodes, sign the genesis at each, appoint a registrar of each party, and wait
    until every node holds all of it final; the registrars' signers."""
    start_all(nodes)
    genesis(nodes, runner=run_here)
    registrars = _registrars(nodes, tmp)
    wait_final(nodes, 1 + 2 * len(nodes))  # the adoption, each certificate key and registrar
    return registrars


def _held(api: NodeApi, act_id: str) -> ProposalStatus | None:
    """The proposal as the node holds it; None if it does not, or cannot be reached."""
    try:
        return api.status(act_id)
    except CliError:
        return None


def _committed(node: NodeProcess) -> set[str]:
    """The acts ``node`` holds committed; none while it cannot be reached."""
    try:
        with NodeApi(node.direct) as api:
            return {p["id"] for p in api.proposals("committed")}
    except CliError:
        return set()


def _wait_committed(nodes: dict[str, NodeProcess], acts: set[str], timeout: float = 120) -> None:
    try:
        _wait(
            f"{len(acts)} act(s) committed at every node",
            lambda: all(acts <= _committed(n) for n in nodes.values()) or None,
            timeout,
        )
    except AssertionError as e:
        lost = {p: sorted(acts - _committed(n)) for p, n in nodes.items()}
        logs = "\n".join(f"--- {p}\n{n.tail(60)}" for p, n in nodes.items())
        raise AssertionError(f"{e}; not committed: {lost}\n{logs}") from None


def _log_acts(entries: list[bytes]) -> list[str]:
    return [Entry.decode(data, index=i).proposal.id for i, data in enumerate(entries)]


def _assert_one_log(nodes: dict[str, NodeProcess], size: int) -> bytes:
    """Every node holds the same final checkpoint of exactly ``size``, signed by every node,
    over the same entries, and the log verifies from its URL alone with the node keys."""
    final = wait_final(nodes, size, timeout=120)
    verifiers = [Verifier.from_vkey(n.verifier()) for n in nodes.values()]
    checkpoint, note = open_checkpoint(final, verifiers, require="all")
    assert checkpoint.size == size, checkpoint
    assert len(note.signatures) == len(nodes), note.signatures
    logs = {p: n.entries() for p, n in nodes.items()}
    first = next(iter(logs.values()))
    assert len(first) == size
    assert all(entries == first for entries in logs.values()), "the nodes' logs differ: a fork"
    keys = [arg for n in nodes.values() for arg in ("--key", n.verifier())]
    for n in nodes.values():
        run_here("verify-log", n.direct, *keys)
    _wait(
        "every outbox to empty",
        lambda: all(not n.status()["outbox"] for n in nodes.values()) or None,
        timeout=60,
    )
    return final


def _audit(nodes: dict[str, NodeProcess], final: bytes) -> None:
    """Each stopped node's database, judged again from its entries, against the node keys and
    what the node kept beside its keystore (the ``jointzone audit`` checks, in this process:
    that command reads an embedded deployment's directory, not a node's)."""
    pins = [n.verifier() for n in nodes.values()]
    for party, node in nodes.items():
        node.stop()
        signed = read_signed_state(node.root / "keys" / SIGNED_STATE_FILE)
        peers: dict[str, bytes | None] = {p: final for p in nodes if p != party}
        with open_store(node.database) as store:
            report = audit(store, pins=pins, signed_state=signed, peer_checkpoints=peers)
        assert report.size == report.checkpoint_size == _size(final), report


def _size(checkpoint: bytes) -> int:
    return Checkpoint.from_text(Note.from_bytes(checkpoint).text).size


@pytest.fixture
def running() -> Iterator[list[NodeProcess]]:
    """The nodes a test starts, stopped whatever happens to it."""
    started: list[NodeProcess] = []
    try:
        yield started
    finally:
        for n in started:
            n.stop()


# -- SIGKILL at random moments ------------------------------------------------------------------


class _Timeline:
    """What happened when, from both of the test's threads, to stdout: pytest shows it when
    the test fails, beside the nodes' logs."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def __call__(self, event: str) -> None:
        print(f"{time.monotonic() - self._start:7.2f}  {event}")


class _Killer(threading.Thread):
    """Kills a random node a random moment after an acknowledged act, and starts it again,
    ``kills`` times. The other node keeps serving meanwhile, and the test keeps acting."""

    def __init__(
        self, nodes: list[NodeProcess], rng: random.Random, kills: int, timeline: _Timeline
    ) -> None:
        super().__init__(name="killer", daemon=True)
        self._nodes = nodes
        self._rng = rng
        self._kills = kills
        self._timeline = timeline
        self.acted = threading.Event()
        self.done = threading.Event()
        self.killed: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for _ in range(self._kills):
                self.acted.wait(timeout=120)
                self.acted.clear()
                time.sleep(self._rng.uniform(0, 1.5))
                victim = self._rng.choice(self._nodes)
                victim.kill()
                self.killed.append(victim.party)
                self._timeline(f"killed {victim.party}")
                victim.start()
                self._timeline(f"{victim.party} is up again")
        except BaseException as e:  # re-raised in the test's thread
            self.error = e
        finally:
            self.done.set()


@pytest.mark.slow
@pytest.mark.postgres
def test_nodes_killed_at_random_moments_lose_no_acknowledged_act_and_never_fork(
    tmp_path: Path, postgres_url: str, running: list[NodeProcess]
) -> None:
    seed = int(os.environ.get("JOINTZONE_KILL_SEED", str(time.time_ns())))
    rng = random.Random(seed)
    kills = 20 * SOAK
    nodes = connect(
        [
            NodeProcess("japan", tmp_path / "japan", free_port(), db=postgres_url, warm=True),
            NodeProcess("russia", tmp_path / "russia", free_port(), warm=True),
        ],
        runner=run_here,
    )
    japan, russia = nodes["japan"], nodes["russia"]
    running += nodes.values()
    registrars = _ready(nodes, tmp_path)

    timeline = _Timeline()
    print(f"JOINTZONE_KILL_SEED={seed}")  # shown when the test fails: to run it again
    proposed: list[str] = []  # acknowledged by japan's node
    unsigned: list[str] = []  # acknowledged, russia's signature not yet
    refused: list[str] = []
    killer = _Killer([japan, russia], rng, kills, timeline)
    killer.start()
    with NodeApi(japan.direct) as at_japan, NodeApi(russia.direct) as at_russia:

        def propose(n: int) -> None:
            try:
                proposal = at_japan.propose(_enterprise(f"kill-{n:04d}"), [registrars["japan"]])
            except CliError as e:
                timeline(f"proposal {n} not acknowledged: {e}")
                if "unreachable" not in str(e):
                    refused.append(str(e))
                return
            timeline(f"proposal {n} acknowledged: {proposal.id}")
            proposed.append(proposal.id)
            unsigned.append(proposal.id)
            killer.acted.set()

        def sign_arrived() -> bool | None:
            """Russia's signature on every proposal that reached it; True once all have it."""
            for act_id in list(unsigned):
                try:
                    at_russia.sign(act_id, [registrars["russia"]])
                except CliError as e:  # down, or the proposal is still on its way from japan's
                    if "committed already" in str(e):
                        # Russia's node kept the signature and died before it answered: the
                        # act has every party's consent and is in the log.
                        timeline(f"{act_id} committed with a signature never acknowledged")
                        unsigned.remove(act_id)
                        continue
                    if "unreachable" not in str(e) and "no proposal" not in str(e):
                        timeline(f"signature on {act_id} not acknowledged: {e}")
                    continue
                timeline(f"signature on {act_id} acknowledged")
                unsigned.remove(act_id)
                killer.acted.set()
            return not unsigned or None

        n = 0
        while not killer.done.is_set():
            propose(n)
            n += 1
            sign_arrived()
            time.sleep(rng.uniform(0.2, 1.0))
        if killer.error is not None:
            raise killer.error
        timeline("no more kills")
        try:
            _wait("every acknowledged proposal signed at russia's node", sign_arrived, timeout=90)
        except AssertionError as e:
            logs = "\n".join(f"--- {p}\n{n.tail(60)}" for p, n in nodes.items())
            raise AssertionError(
                f"{e}: {unsigned} never reached russia (seed {seed})\n{logs}"
            ) from None

    context = f"seed {seed}, {len(killer.killed)} kills, {n} proposals, {len(proposed)} acked"
    assert not refused, f"{context}: a node refused a proposal: {refused}"
    assert len(proposed) >= kills // 2, context
    _wait_committed(nodes, set(proposed))
    final = _assert_one_log(nodes, SETUP_ENTRIES + len(proposed))
    # Exactly the acknowledged acts, each once: none lost, none committed twice.
    assert sorted(_log_acts(japan.entries())[SETUP_ENTRIES:]) == sorted(proposed), context
    _audit(nodes, final)


# -- a partition between the nodes ----------------------------------------------------------------


def test_an_act_proposed_during_a_partition_commits_after_it_heals(
    tmp_path: Path, running: list[NodeProcess]
) -> None:
    # Each node is known by its proxy's address: it is the URL the other pins and signs its
    # requests for, and the one the node checks them against; it listens on a port behind it.
    real = {p: free_port() for p in ("japan", "russia")}
    with Proxy(real["japan"]) as to_japan, Proxy(real["russia"]) as to_russia:
        proxies = {"japan": to_japan, "russia": to_russia}
        nodes = connect(
            (
                NodeProcess(p, tmp_path / p, proxies[p].port, listen=real[p], warm=True)
                for p in real
            ),
            runner=run_here,
        )
        japan, russia = nodes["japan"], nodes["russia"]
        running += nodes.values()
        registrars = _ready(nodes, tmp_path)

        # The round's worst moment to lose the link: the witness has judged the batch, appended
        # it and cosigned (the checkpoint is final there: its signature was the last needed),
        # and its answer is on the wire, so the sequencer has not appended the batch. A slow
        # link to the witness holds the answer there for a second; the link goes down both
        # ways while it does.
        sequencer = Regime.from_dir(REGIME).sequencer_for(datetime.now(UTC))
        (witness,) = set(nodes) - {sequencer}
        with NodeApi(japan.direct) as at_japan, NodeApi(russia.direct) as at_russia:
            before = at_japan.propose(_enterprise("before-the-cut"), [registrars["japan"]]).id
            _wait("the proposal to reach russia", functools.partial(_held, at_russia, before))
            proxies[witness].delay = 1.0
            at_russia.sign(before, [registrars["russia"]])
            _wait(
                f"the witness {witness} to hold the batch it cosigned",
                lambda: nodes[witness].status()["size"] > nodes[sequencer].status()["size"] or None,
                timeout=30,
            )
            for p in proxies.values():
                p.partition()
            during = at_japan.propose(_enterprise("during-the-cut"), [registrars["japan"]]).id
            _wait(
                "japan's node to keep the proposal for russia",
                lambda: japan.status()["outbox"].get("russia") or None,
            )
            time.sleep(3)
            assert _held(at_russia, during) is None, "the partition leaked"
            for p in proxies.values():
                p.heal()
            _wait("the proposal to reach russia", functools.partial(_held, at_russia, during))
            at_russia.sign(during, [registrars["russia"]])

        _wait_committed(nodes, {before, during}, timeout=60)
        final = _assert_one_log(nodes, SETUP_ENTRIES + 2)
        assert _log_acts(japan.entries())[SETUP_ENTRIES:] in ([before, during], [during, before])
        _audit(nodes, final)


# -- three parties ------------------------------------------------------------------------------


def _three_party_regime(tmp: Path) -> Path:
    """The seed regime with a third party, Korea: it names every place as Japan does, takes the
    third turn as sequencer, and signs as every party does. No such regime is in the repository."""
    target = tmp / "regime"
    for source in REGIME.iterdir():
        (target / source.name).parent.mkdir(exist_ok=True)
        (target / source.name).write_bytes(source.read_bytes())
    regime = yaml.safe_load((target / "regime.yaml").read_text(encoding="utf-8"))
    regime["id"] = "seed-three"
    regime["origin"] = "jointzone.example/seed-three-parties"
    regime["parties"].append({"id": "korea", "names": {"ja": "韓国", "ru": "Корея", "en": "Korea"}})
    for order in regime["name_order"].values():
        order.append("korea")
    regime["sequencer"]["order"].append("korea")
    places = yaml.safe_load((target / "places.yaml").read_text(encoding="utf-8"))
    for place in places["places"]:
        place["names"]["korea"] = dict(place["names"]["japan"])
    for name, data in (("regime.yaml", regime), ("places.yaml", places)):
        (target / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def test_three_parties_nodes_commit_an_act_every_party_signs(
    tmp_path: Path, running: list[NodeProcess]
) -> None:
    regime = _three_party_regime(tmp_path)
    nodes = connect(
        (
            NodeProcess(p, tmp_path / p, free_port(), regime=regime, warm=True)
            for p in ("japan", "russia", "korea")
        ),
        runner=run_here,
    )
    running += nodes.values()
    registrars = _ready(nodes, tmp_path)  # the adoption, signed by every party's root keys
    setup = 1 + 2 * len(nodes)  # the adoption, three certificate keys, three registrars

    with NodeApi(nodes["japan"].direct) as at_japan:
        act_id = at_japan.propose(_enterprise("three-way"), [registrars["japan"]]).id
    for party in ("russia", "korea"):
        with NodeApi(nodes[party].direct) as api:
            _wait(f"the proposal to reach {party}", functools.partial(_held, api, act_id))
            api.sign(act_id, [registrars[party]])

    _wait_committed(nodes, {act_id}, timeout=60)
    final = _assert_one_log(nodes, setup + 1)
    (last,) = _log_acts(nodes["korea"].entries())[setup:]
    assert last == act_id
    for node in nodes.values():
        with NodeApi(node.direct) as api:
            s = api.status(act_id)
        assert s.status == "committed", s
        assert s.index == setup
        assert {k.decode() for k in s.proposal.kids} == {
            "ja-registrar", "ru-registrar", "ko-registrar"
        }  # fmt: skip
    _audit(nodes, final)
