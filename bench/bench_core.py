"""The special system's core: commit throughput, state rebuild by replay, full verification.

    .venv/bin/python -m bench.bench_core [--commit-acts 2000] [--verify-acts 100000]

Measured in one run, with the Ed25519-verify bound measured alongside (bench/_bounds.py): the
fastest verifier here, libsodium, with ``cryptography``'s rate printed beside it.

- Commit throughput: acts with two party signatures each (an enterprise registration signed by
  a registrar of each party), committed by the sequencer, witnessed by the other node, and final
  (the checkpoint carries both nodes' signatures and every node keeps it). In the embedded
  deployment each act costs four Ed25519 verifications — the sequencer and the witness each
  check both signatures — so the bound is ``ed25519_bound / 4`` acts/s. Target: >= 50%.
- Replay: the state rebuilt from a node's entries (already in memory). Target: >= 20,000 acts/s.
  It checks no signature (they were checked on admission), so its ratio to the audit's bound
  says how far it stays out of the audit's way rather than how close it comes to a ceiling.
- Verification: a node's database of N acts audited from scratch — every signature checked
  against the keys valid at its position, every leaf hash and tile recomputed, the checkpoint
  checked — against the bound of two verifications per act. Target: >= 50%.
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._bounds import measure
from jointzone import acts
from jointzone.consent import Entry, Proposal, ProposalContent
from jointzone.cose import CoseSigner
from jointzone.node import EmbeddedDeployment, Replica, audit, node_key_name
from jointzone.scenario import Scenario, ScenarioClock, play
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, Signer, sign_note
from jointzone.trust import verifier_extension, verifier_table

ROOT = Path(__file__).parents[1]
REGIME = ROOT / "regimes" / "seed"
SCENARIO = ROOT / "scenarios" / "seed.yaml"
# Twelve characters at least, as the keystore asks of a passphrase that is not the demo one.
KEYS = {"japan": b"bench-passphrase", "russia": b"bench-passphrase"}
WORK = ROOT / "build" / "bench" / "core"


def _act(i: int) -> dict[str, object]:
    return acts.parse_act(
        {
            "type": "enterprise.register",
            "enterprise": f"bench-{i}",
            "party": "japan" if i % 2 else "russia",
            "categories": ["tourism"],
            "names": {"en": f"Bench Enterprise {i}"},
            "registered_address": {"place": "nemuro-port"},
        }
    ).to_data()


def registrations_extensions(
    state: acts.State, size: int, last: datetime | None
) -> tuple[str, ...]:
    """The checkpoint extension lines a node would derive at ``size`` had it applied the
    registrations appended after ``state``, the last of them dated ``last`` (None: none was):
    they touch nothing the verifier table holds, so only its size and time change. A bench log
    is built by appending entries to the store, not by replaying them, so its checkpoint is
    made this way."""
    table = verifier_table(state)
    if last is not None:
        table = table.model_copy(update={"size": size, "time": int(last.timestamp())})
    return (verifier_extension(table.to_cbor()),)


def _seeded(path: Path) -> tuple[EmbeddedDeployment, ScenarioClock]:
    """A deployment with the seed scenario played: officials appointed, registries filled."""
    if path.exists():
        shutil.rmtree(path)
    scenario = Scenario.from_file(SCENARIO)
    clock = ScenarioClock(scenario.steps[0].at)
    d = EmbeddedDeployment.create(path, regime_dir=REGIME, passphrases=KEYS, clock=clock)
    play(d, scenario, clock)
    clock.set(datetime(2020, 1, 10, tzinfo=UTC))
    return d, clock


def bench_commit(n: int, bound: float) -> None:
    d, _ = _seeded(WORK / "commit")
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    for i in range(n):
        p = japan.propose(_act(i), official="jp-registrar")
        russia.sign(p.id, official="ru-registrar")
    t0 = time.perf_counter()
    committed = 0
    while True:
        rnd = d.commit()
        # A round with nothing left to commit: no round at all, or one with an empty batch.
        if rnd is None or rnd.batch is None or not rnd.batch.entries:
            break
        committed += len(rnd.batch.committed)
    dt = time.perf_counter() - t0
    assert committed == n, f"committed {committed} of {n}"
    rate = n / dt
    ceiling = bound / 4
    print(
        f"commit: {n:,} acts in {dt:.2f} s = {rate:,.0f} acts/s, final checkpoints; "
        f"bound {ceiling:,.0f} acts/s (4 verifications each) -> {rate / ceiling:.0%} "
        f"(target >= 50%)"
    )
    d.close()


def _build_log(n: int) -> Path:
    """A node database of the seed scenario plus ``n`` two-party acts, signed with its keys."""
    d, clock = _seeded(WORK / "verify")
    japan = d.nodes["japan"]
    regime = japan.replica.regime
    assert regime is not None
    jp = CoseSigner(b"jp-registrar", japan.keystore.private_key("official", "jp-registrar"))
    ru = CoseSigner(
        b"ru-registrar", d.nodes["russia"].keystore.private_key("official", "ru-registrar")
    )
    store = japan.store
    start = clock()
    batch: list[bytes] = []
    for i in range(n):
        when = start + timedelta(seconds=i)
        content = ProposalContent.new(
            _act(i),
            regime_id=regime.id,
            regime_version=regime.version,
            origin=regime.origin,
            proposed_by="japan",
            proposed_at=when,
            expires_at=when + timedelta(days=30),
        )
        proposal = Proposal.create(content, jp).cosign(ru)
        batch.append(Entry(time=when, proposal=proposal).encode())
        if len(batch) == 5000:
            store.append(batch)
            batch = []
    if batch:
        store.append(batch)
    # A final checkpoint over the whole log, as the nodes would sign it.
    text = Checkpoint(
        origin=regime.origin,
        size=store.size(),
        root=store.root(),
        extensions=registrations_extensions(
            japan.replica.state, store.size(), start + timedelta(seconds=n - 1) if n else None
        ),
    ).to_text()
    signers = [
        Signer.from_seed(
            node_key_name(regime.origin, p),
            n.keystore.private_key("node", "node").private_bytes_raw(),
        )
        for p, n in d.nodes.items()
    ]
    store.add_checkpoint(store.size(), sign_note(text, signers).to_bytes())
    path = Path(store.url.removeprefix("sqlite:///"))
    d.close()
    return path


def bench_replay_and_verify(n: int, bound: float) -> None:
    db = _build_log(n)
    with open_store(f"sqlite:///{db}") as store:
        entries = list(store.iter_entries())
        t0 = time.perf_counter()
        replica = Replica.replay(entries)
        dt = time.perf_counter() - t0
        ceiling = bound / 2
        rate = len(entries) / dt
        print(
            f"replay: {len(entries):,} acts in {dt:.2f} s = {rate:,.0f} acts/s "
            f"(target >= 20,000); no signatures checked: {rate / ceiling:.1f}x the audit bound "
            f"of {ceiling:,.0f} acts/s"
        )
        assert replica.size == len(entries)
        t0 = time.perf_counter()
        report = audit(store)
        dt = time.perf_counter() - t0
    rate = report.size / dt
    print(
        f"verify: {report.size:,} acts audited in {dt:.2f} s = {rate:,.0f} acts/s; bound "
        f"{ceiling:,.0f} acts/s (2 verifications each) -> {rate / ceiling:.0%} (target >= 50%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commit-acts", type=int, default=2000)
    parser.add_argument("--verify-acts", type=int, default=100_000)
    args = parser.parse_args()
    bounds = measure()
    print(bounds.describe())
    bench_commit(args.commit_acts, bounds.ed25519_verify_per_s)
    bench_replay_and_verify(args.verify_acts, bounds.ed25519_verify_per_s)


if __name__ == "__main__":
    main()
