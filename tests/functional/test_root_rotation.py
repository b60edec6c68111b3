"""Root keys rotate as TUF roots do, on a seeded deployment (each party's root keys 2 of 3).

Japan loses ``japan-root-1`` and rotates it out with the two keys it still holds; later it finds
``japan-root-3`` compromised and rotates again, declaring it so. Each rotation is signed by a
threshold of the old keys and of the new. The log with both rotations in its middle audits,
replays and verifies offline, entries signed by the old keys before they went included; an act
signed by the compromised key after its removal is refused by the gate, by a witness and by the
standalone verifier.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from jointzone.cli import app
from jointzone.consent import Entry, Proposal, ProposalContent
from jointzone.node import (
    EmbeddedDeployment,
    Node,
    ProposalError,
    Replica,
    WitnessError,
    audit,
)
from jointzone.node._standalone import b64url
from jointzone.publish import export_tiles
from jointzone.scenario import ScenarioClock
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, leaf_hashes, sign_note

from .conftest import KEYS, appoint_act, commit_act

runner = CliRunner()
#: March 2020, Japan's month to sequence: the rotations' time.
MARCH = datetime(2020, 3, 10, 9, 0, tzinfo=UTC)


def _root_spec(node: Node, key_id: str) -> dict[str, str]:
    if not node.keystore.has("root", key_id):
        node.keystore.generate("root", key_id, party=node.party)
    return {"id": key_id, "public_key": b64url(node.keystore.public_key("root", key_id))}


def _rotation(
    node: Node, keys: list[str], threshold: int, compromised: list[str]
) -> dict[str, Any]:
    return {
        "type": "party.rotate-root",
        "party": node.party,
        "root_keys": [_root_spec(node, k) for k in keys],
        "threshold": threshold,
        "compromised": compromised,
    }


@pytest.fixture(scope="module")
def rotated_dir(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded deployment with japan's two rotations and an act signed by japan-root-3 before
    the second; ``positions.txt`` holds the three positions."""
    root = tmp_path_factory.mktemp("rotated") / "zone"
    shutil.copytree(seeded_dir, root)
    clock = ScenarioClock(MARCH)
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock) as d:
        japan = d.nodes["japan"]
        # japan-root-1 is lost: japan-root-2 and japan-root-3 are 2 of 3, the new set is 2 of 3
        # and the new key japan-root-4 signs beside the kept japan-root-2.
        lost = _rotation(japan, ["japan-root-2", "japan-root-3", "japan-root-4"], 2, [])
        first = commit_act(d, japan, lost, "japan-root-2", "japan-root-3", "japan-root-4")
        clock.set(MARCH + timedelta(hours=1))
        before = commit_act(d, japan, appoint_act("jp-before"), "japan-root-3", "japan-root-4")
        clock.set(MARCH + timedelta(hours=2))
        # japan-root-3 is compromised: removed and declared so, by 2 of the others.
        bad = _rotation(
            japan, ["japan-root-2", "japan-root-4", "japan-root-5"], 2, ["japan-root-3"]
        )
        second = commit_act(d, japan, bad, "japan-root-2", "japan-root-4", "japan-root-5")
    (root / "positions.txt").write_text(f"{first} {before} {second}\n")
    return root


@pytest.fixture
def rotated(rotated_dir: Path, tmp_path: Path) -> Iterator[tuple[EmbeddedDeployment, list[int]]]:
    root = tmp_path / "zone"
    shutil.copytree(rotated_dir, root)
    positions = [int(n) for n in (root / "positions.txt").read_text().split()]
    clock = ScenarioClock(MARCH + timedelta(hours=3))
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock) as d:
        yield d, positions


def test_each_rotation_takes_effect_at_its_position(
    rotated: tuple[EmbeddedDeployment, list[int]],
) -> None:
    d, (first, before, second) = rotated
    for node in d.nodes.values():
        state = node.replica.state
        assert list(state.root_keys_at("japan", first - 1)) == [
            "japan-root-1",
            "japan-root-2",
            "japan-root-3",
        ]
        assert list(state.root_keys_at("japan", first + 1)) == [
            "japan-root-2",
            "japan-root-3",
            "japan-root-4",
        ]
        assert list(state.root_keys_at("japan", second + 1)) == [
            "japan-root-2",
            "japan-root-4",
            "japan-root-5",
        ]
        keys = {k.id: k for k in state.parties["japan"].root_keys}
        assert keys["japan-root-1"].compromised is None
        compromised = keys["japan-root-3"].compromised
        assert compromised is not None
        assert compromised.position == second
        assert state.root_threshold("japan") == 2
        assert list(state.root_keys_at("russia", second + 1)) == [
            "russia-root-1",
            "russia-root-2",
            "russia-root-3",
        ]
        assert state.officials["jp-before"].appointed_at == before


def test_a_rotation_without_the_new_keys_consent_is_not_committed(
    rotated: tuple[EmbeddedDeployment, list[int]],
) -> None:
    d, _ = rotated
    japan = d.nodes["japan"]
    act = _rotation(japan, ["japan-root-6", "japan-root-7", "japan-root-8"], 2, [])
    p = japan.propose(act, official="japan-root-2")
    japan.sign(p.id, official="japan-root-4")
    japan.sign(p.id, official="japan-root-6")
    assert japan.status(p.id).verdict.missing == ("japan: 1 of 2 signatures of its new root keys",)
    d.commit()
    assert japan.replica.committed_index(p.id) is None
    # The new keys alone are no threshold of the old ones.
    only_new = japan.propose(act, official="japan-root-6", nonce=b"\x02" * 16)
    japan.sign(only_new.id, official="japan-root-7")
    assert "japan: 0 of 2 signatures of its root keys" in japan.status(only_new.id).verdict.missing
    japan.sign(p.id, official="japan-root-7")
    d.commit()
    assert japan.replica.committed_index(p.id) is not None


def test_the_log_audits_replays_and_verifies_with_the_rotations_in_its_middle(
    rotated: tuple[EmbeddedDeployment, list[int]], tmp_path: Path
) -> None:
    d, (first, _, second) = rotated
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    # Entries signed by the keys that went, before they went.
    signed_by = [
        set(Entry.decode(e).proposal.kids) for e in japan.store.read_entries(0, japan.log_size())
    ]
    assert any(b"japan-root-1" in kids for kids in signed_by[:first])
    assert any(b"japan-root-3" in kids for kids in signed_by[first + 1 : second])
    for node in (japan, russia):
        report = audit(node.store)
        assert report.size == node.log_size()
        replayed = Replica.replay(node.store.iter_entries()).state
        assert replayed.parties == node.replica.state.parties
        assert dict(replayed.act_ids) == dict(node.replica.state.act_ids)
    tiles = tmp_path / "tiles"
    note = japan.latest_checkpoint()
    assert note is not None
    export_tiles(japan.store, tiles, checkpoint_note=note)
    result = _verify_log(japan, tiles, "--judge")
    assert result.exit_code == 0, result.output
    assert "every entry judged" in result.stdout


def test_the_gate_refuses_the_compromised_key_after_its_removal(
    rotated: tuple[EmbeddedDeployment, list[int]],
) -> None:
    d, (_, _, second) = rotated
    japan = d.nodes["japan"]
    why = (
        r"'japan-root-3' is not a key .* \(root key 'japan-root-3' was declared compromised at "
        rf"position {second}\)"
    )
    with pytest.raises(ProposalError, match=why):
        japan.propose(appoint_act("jp-after"), official="japan-root-3")
    p = japan.propose(appoint_act("jp-after"), official="japan-root-2")
    with pytest.raises(ProposalError, match=why):
        japan.sign(p.id, official="japan-root-3")
    # The lost key, had it been found, signs nothing after its removal either.
    with pytest.raises(ProposalError, match="'japan-root-1' was removed at position"):
        japan.sign(p.id, official="japan-root-1")
    assert japan.status(p.id).proposal.kids == (b"japan-root-2",)


def _forged(node: Node, act: dict[str, Any], *signers: str) -> Proposal:
    """An act signed with keys the keystore holds, whatever the record says of them: what an
    attacker holding a compromised key, or a broken sequencer, would send."""
    regime = node.replica.regime
    assert regime is not None
    now = node.now()
    content = ProposalContent.new(
        act,
        regime_id=regime.id,
        regime_version=regime.version,
        origin=regime.origin,
        proposed_by=node.party,
        proposed_at=now,
        expires_at=now + timedelta(days=1),
    )
    first, *rest = signers
    proposal = Proposal.create(content, node.official_signer(first))
    for key in rest:
        proposal = proposal.cosign(node.official_signer(key))
    return proposal


def test_a_witness_refuses_an_entry_by_the_compromised_key(
    rotated: tuple[EmbeddedDeployment, list[int]],
) -> None:
    d, _ = rotated
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    proposal = _forged(japan, appoint_act("jp-forged"), "japan-root-3", "japan-root-2")
    old = japan.log_size()
    entry = Entry(time=japan.now(), proposal=proposal).encode()
    edge = japan._edge(old)
    edge.extend(leaf_hashes([entry]))
    origin = japan.replica.origin
    note = sign_note(
        Checkpoint(origin, old + 1, edge.root()).to_text(), japan._node_signers(old + 1)
    )
    with pytest.raises(WitnessError, match=r"entry refused: .*declared compromised"):
        russia.witness(old_size=old, entries=[entry], checkpoint=note.to_bytes(), proof=[])
    assert russia.log_size() == old
    assert "jp-forged" not in russia.replica.state.officials


def test_the_standalone_verifier_refuses_an_entry_by_the_compromised_key(
    rotated: tuple[EmbeddedDeployment, list[int]], tmp_path: Path
) -> None:
    d, _ = rotated
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    # A log whose every node signed a checkpoint over a forged entry: what the standalone
    # verifier must not take on the nodes' word when it judges the entries.
    proposal = _forged(japan, appoint_act("jp-forged"), "japan-root-3", "japan-root-2")
    shutil.copy(d.root / "japan" / "node.db", tmp_path / "forged.db")
    with open_store(f"sqlite:///{tmp_path / 'forged.db'}") as store:
        size = store.size()
        store.append([Entry(time=japan.now(), proposal=proposal).encode()], expected_size=size)
        text = Checkpoint(japan.replica.origin, size + 1, store.root()).to_text()
        note = sign_note(
            text, [*japan._node_signers(size + 1), *russia._node_signers(size + 1)]
        ).to_bytes()
        export_tiles(store, tmp_path / "tiles", checkpoint_note=note)
    assert _verify_log(japan, tmp_path / "tiles").exit_code == 0  # the tree alone is sound
    result = _verify_log(japan, tmp_path / "tiles", "--judge")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"entry {size}:" in result.stderr
    assert "root key 'japan-root-3' was declared compromised" in result.stderr


def _verify_log(node: Node, tiles: Path, *extra: str) -> Result:
    keys = [a for v in node.replica.node_verifiers() for a in ("--key", v.vkey)]
    return runner.invoke(app, ["verify-log", str(tiles), *keys, *extra])
