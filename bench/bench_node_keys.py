"""What node-key rotations cost a verifier: a log with 10 rotations against the same log with none.

    .venv/bin/python -m bench.bench_node_keys [--acts 20000] [--rotations 10]

Two deployments are built alike from the seed scenario, then ``--acts`` two-party registrations
are committed into each in rounds of 1,000; into the second, ``--rotations`` node-key rotations
(``party.rotate-node-key``, overlap 1, the parties in turn) are committed between the rounds.
Both logs hold the same acts; the second has ``--rotations`` more entries. Measured on each,
the best of three runs (of ten for the bundle):

- ``audit``: every entry judged again and every tree hash recomputed, the checkpoint opened
  with the keys in force at its size;
- ``verify-log``: the published tiles verified from the genesis keys. A log with no rotation
  takes the fast path (hashes and signatures only); one with rotations cannot, since only its
  entries say which keys sign its checkpoint, so every entry is judged on the way, as
  ``verify-log --judge`` does for any log. ``--judge`` on the log without rotations is printed
  beside it, so the ratio that is the rotations' own cost is the one of like to like; and
  ``verify-log --trust BUNDLE``, which follows the bundle's key changes instead of judging;
- a trust bundle: its size, and the time to open it from the genesis keys (following every key
  change) and from the current keys (following none).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_core import WORK, _act, _seeded
from jointzone.node import EmbeddedDeployment, EntryJudge, audit, export_trust_bundle
from jointzone.publish import export_tiles
from jointzone.tlog import Verifier
from jointzone.trust import bundle_key_changes, keys_in_force, open_bundle
from jointzone.verify import verify_tiles

ROOTS = {"japan": ("japan-root-1", "japan-root-2"), "russia": ("russia-root-1", "russia-root-2")}
ROUND = 1000


def _build(path: Path, acts: int, rotations: int) -> EmbeddedDeployment:
    d, _ = _seeded(path)
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    rounds = max(1, acts // ROUND)
    every = max(1, rounds // max(rotations, 1))
    done = 0
    for r in range(rounds):
        for i in range(r * ROUND, min(acts, (r + 1) * ROUND)):
            p = japan.propose(_act(i), official="jp-registrar")
            russia.sign(p.id, official="ru-registrar")
        _commit_all(d)
        if done < rotations and (r + 1) % every == 0:
            node = (japan, russia)[done % 2]
            first, second = ROOTS[node.party]
            p = node.propose(node.node_key_rotation(overlap=1), official=first)
            node.sign(p.id, official=second)
            _commit_all(d)
            done += 1
    while done < rotations:  # fewer rounds than rotations: the rest at the end
        node = (japan, russia)[done % 2]
        first, second = ROOTS[node.party]
        p = node.propose(node.node_key_rotation(overlap=1), official=first)
        node.sign(p.id, official=second)
        _commit_all(d)
        _commit_all(d)
        done += 1
    return d


def _commit_all(d: EmbeddedDeployment) -> None:
    while True:
        rnd = d.commit()
        if rnd is None or rnd.batch is None or not rnd.batch.entries:
            return


def _timed(fn: Callable[[], object], rounds: int = 3) -> float:
    """The best of ``rounds`` runs, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _measure(d: EmbeddedDeployment, tiles: Path) -> dict[str, float]:
    japan = d.nodes["japan"]
    state = japan.replica.state
    genesis = [Verifier.from_vkey(v) for v in state.genesis_node_verifiers().values()]
    current = [Verifier.from_vkey(v) for v in state.node_verifiers().values()]
    note = japan.store.checkpoint()
    assert note is not None
    if tiles.exists():
        shutil.rmtree(tiles)
    export_tiles(japan.store, tiles, checkpoint_note=note)
    rotated = any(len(k.node_keys) > 1 for k in state.parties.values())

    def verify_log() -> None:
        judge = EntryJudge()
        if rotated:
            verify_tiles(tiles, genesis, judge=judge, keys_at=judge.replica.node_verifiers)
        else:
            verify_tiles(tiles, genesis)

    bundle = export_trust_bundle(japan)

    def verify_trusted() -> None:
        changes = bundle_key_changes(bundle, genesis)
        olders = [c.checkpoint for c in changes]
        verify_tiles(
            tiles, genesis, older_checkpoints=olders, keys_at=keys_in_force(changes, genesis)
        )

    def verify_judged() -> None:
        judge = EntryJudge()
        verify_tiles(tiles, genesis, judge=judge, keys_at=judge.replica.node_verifiers)

    return {
        "entries": japan.log_size(),
        "audit": _timed(lambda: audit(japan.store)),
        "verify": _timed(verify_log),
        "judged": _timed(verify_judged),
        "trusted": _timed(verify_trusted),
        "bundle_bytes": len(bundle),
        "changes": len(json.loads(bundle)["key_changes"]),
        "open_genesis": _timed(lambda: open_bundle(bundle, genesis), 10),
        "open_current": _timed(lambda: open_bundle(bundle, current), 10),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acts", type=int, default=20_000)
    parser.add_argument("--rotations", type=int, default=10)
    args = parser.parse_args()
    work = WORK.parent / "node-keys"
    figures = {}
    for name, rotations in (("none", 0), ("rotated", args.rotations)):
        d = _build(work / name, args.acts, rotations)
        try:
            figures[name] = _measure(d, work / f"{name}-tiles")
        finally:
            d.close()
    plain, rotated = figures["none"], figures["rotated"]
    print(
        f"logs: {int(plain['entries']):,} entries with no node-key rotation, "
        f"{int(rotated['entries']):,} with {int(rotated['changes'])} rotations"
    )
    for what, label in (("audit", "audit"), ("judged", "verify-log --judge")):
        print(
            f"{label}: {plain[what]:.2f} s without rotations, {rotated[what]:.2f} s with "
            f"-> {rotated[what] / plain[what]:.2f}x"
        )
    print(
        f"verify-log from the genesis keys: {plain['verify']:.2f} s without rotations (hashes "
        f"and signatures only), {rotated['verify']:.2f} s with (every entry judged to learn the "
        f"keys) -> {rotated['verify'] / plain['verify']:.1f}x; like for like (--judge on both) "
        f"{rotated['verify'] / plain['judged']:.2f}x; following a trust bundle's key changes "
        f"(--trust) {rotated['trusted']:.2f} s -> {rotated['trusted'] / plain['verify']:.1f}x"
    )
    print(
        f"trust bundle: {int(plain['bundle_bytes']):,} B without rotations, "
        f"{int(rotated['bundle_bytes']):,} B with {int(rotated['changes'])} key changes "
        f"(+{(rotated['bundle_bytes'] - plain['bundle_bytes']) / max(rotated['changes'], 1):,.0f}"
        f" B each); opened from the genesis keys in {rotated['open_genesis'] * 1000:.1f} ms, "
        f"from the current keys in {rotated['open_current'] * 1000:.1f} ms, without rotations "
        f"{plain['open_genesis'] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
