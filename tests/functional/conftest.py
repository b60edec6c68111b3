"""A seeded embedded deployment, made once per session and copied for each test that changes it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.consent import Entry, Proposal
from jointzone.node import EmbeddedDeployment, Node
from jointzone.node._standalone import b64url
from jointzone.scenario import Scenario, ScenarioClock, play
from jointzone.tlog import Note, Verifier, leaf_hashes

ROOT = Path(__file__).parents[2]
REGIME = ROOT / "regimes" / "seed"
SCENARIO = ROOT / "scenarios" / "seed.yaml"
# Test keystores are demo keystores (cheap scrypt), with passphrases of the minimum length anyway.
KEYS = {"japan": b"test-japan-passphrase", "russia": b"test-russia-passphrase"}


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployment with the whole seed scenario played into it."""
    root = tmp_path_factory.mktemp("seeded") / "zone"
    scenario = Scenario.from_file(SCENARIO)
    clock = ScenarioClock(scenario.steps[0].at)
    with EmbeddedDeployment.create(
        root, regime_dir=REGIME, passphrases=KEYS, clock=clock, demo=True
    ) as d:
        for result in play(d, scenario, clock):
            if result.bundle is not None:  # what the officers carried, by day
                (root / f"trust-{result.step.at:%Y-%m-%d}.json").write_bytes(result.bundle)
    return root


@pytest.fixture
def seeded(seeded_dir: Path, tmp_path: Path) -> Iterator[tuple[EmbeddedDeployment, ScenarioClock]]:
    """A private copy of the seeded deployment, open, with a clock after the scenario's end."""
    root = tmp_path / "zone"
    shutil.copytree(seeded_dir, root)
    clock = ScenarioClock(datetime(2020, 1, 15, tzinfo=UTC))
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock) as d:
        yield d, clock


def offered_batch(
    sequencer: Node, proposal: Proposal, time: datetime
) -> tuple[int, list[bytes], bytes, list[bytes]]:
    """What a sequencer offers a witness for one entry dated ``time``, under its own signed
    checkpoint, made without any of the checks an honest sequencer makes of itself (a test's
    attacker, or a round cut short): old size, entries, checkpoint, proof."""
    old = sequencer.log_size()
    entry = Entry(time=time, proposal=proposal)
    sequencer.replica.admit(entry, old)
    edge = sequencer._edge(old)
    edge.extend(leaf_hashes([entry.encode()]))
    checkpoint = sequencer._sign_checkpoint(old + 1, edge.root())
    sequencer._replica = sequencer._replay()
    return old, [entry.encode()], checkpoint, []


def appoint_act(official: str, party: str = "japan") -> dict[str, Any]:
    """An ``official.appoint`` of an inspector of ``party`` with a fresh key: one more act."""
    return {
        "type": "official.appoint",
        "party": party,
        "official": official,
        "display_name": f"Officer {official}",
        "roles": ["inspector"],
        "public_key": b64url(Ed25519PrivateKey.generate().public_key().public_bytes_raw()),
    }


def commit_act(d: EmbeddedDeployment, node: Node, act: dict[str, Any], *signers: str) -> int:
    """Propose ``act`` at ``node`` signed by ``signers`` and commit it in a round; its position."""
    first, *rest = signers
    p = node.propose(act, official=first)
    for key in rest:
        node.sign(p.id, official=key)
    rnd = d.commit()
    assert rnd.final is not None, rnd
    index = node.replica.committed_index(p.id)
    assert index is not None, node.status(p.id).verdict.explain()
    return index


def signature_labels(note: bytes) -> set[str]:
    """``name+hash`` of every signature on a signed note."""
    return {f"{s.name}+{s.key_hash:08x}" for s in Note.from_bytes(note).signatures}


def key_label(vkey: str) -> str:
    """``name+hash`` of a verifier key, as its signatures are labelled."""
    v = Verifier.from_vkey(vkey)
    return f"{v.name}+{v.key_hash:08x}"
