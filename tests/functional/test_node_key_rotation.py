"""Node keys rotate without breaking verifiers, on a seeded deployment.

Japan gives its node a new note key by a ``party.rotate-node-key`` its root keys sign, with an
overlap of two checkpoint sizes. The checkpoints of the overlap carry the old and the new key's
signatures, later ones the new key's alone; a checkpoint signed by the old key alone after the
overlap is refused. The log audits, verifies with ``verify-log`` from the genesis keys alone,
and Go's ``note.Open`` opens every final checkpoint with the keys in force at its size.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interop._go import accepted, build_opennote, run_go
from jointzone.cli import app
from jointzone.cli._registries import keys_rows
from jointzone.consent import Entry
from jointzone.node import (
    EmbeddedDeployment,
    KeystoreError,
    WitnessError,
    audit,
    export_trust_bundle,
)
from jointzone.publish import export_tiles
from jointzone.scenario import ScenarioClock
from jointzone.tlog import Checkpoint, Note, Signer, Verifier, leaf_hashes, sign_note
from jointzone.trust import BundleError, open_bundle

from .conftest import KEYS, appoint_act, commit_act, key_label, signature_labels

runner = CliRunner()
#: March 2020, Japan's month to sequence.
MARCH = datetime(2020, 3, 10, 9, 0, tzinfo=UTC)
OVERLAP = 2
ROOTS = ("japan-root-1", "japan-root-2")


@pytest.fixture(scope="module")
def rotated_dir(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded deployment with japan's node key rotated and four acts after it, each in a
    round of its own; ``position.txt`` holds the rotation's position."""
    root = tmp_path_factory.mktemp("node-key") / "zone"
    shutil.copytree(seeded_dir, root)
    clock = ScenarioClock(MARCH)
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock) as d:
        japan = d.nodes["japan"]
        at = commit_act(d, japan, japan.node_key_rotation(overlap=OVERLAP), *ROOTS)
        for i in range(4):
            clock.set(MARCH + timedelta(minutes=10 * (i + 1)))
            commit_act(d, japan, appoint_act(f"jp-after-{i}"), *ROOTS)
    (root / "position.txt").write_text(f"{at}\n")
    return root


@pytest.fixture
def rotated(rotated_dir: Path, tmp_path: Path) -> Iterator[tuple[EmbeddedDeployment, int]]:
    root = tmp_path / "zone"
    shutil.copytree(rotated_dir, root)
    at = int((root / "position.txt").read_text())
    clock = ScenarioClock(MARCH + timedelta(hours=1))
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=clock) as d:
        yield d, at


def test_the_overlap_carries_both_keys_and_then_the_new_one_alone(
    rotated: tuple[EmbeddedDeployment, int],
) -> None:
    d, at = rotated
    japan = d.nodes["japan"]
    old, new = (k.verifier for k in japan.replica.state.parties["japan"].node_keys)
    russia = d.nodes["russia"].replica.state.parties["russia"].node_verifier
    assert signature_labels(japan.store.checkpoint(at) or b"") == {
        key_label(old),
        key_label(russia),
    }
    for size in range(at + 1, at + 1 + OVERLAP):
        note = japan.store.checkpoint(size)
        assert note is not None, f"no final checkpoint of size {size}"
        assert signature_labels(note) == {key_label(old), key_label(new), key_label(russia)}, size
    after = japan.store.checkpoint(at + 1 + OVERLAP)
    assert after is not None
    assert signature_labels(after) == {key_label(new), key_label(russia)}
    # Both nodes hold the same key history, and the same final checkpoints.
    assert d.nodes["russia"].replica.state.parties["japan"].node_keys == (
        japan.replica.state.parties["japan"].node_keys
    )
    assert d.nodes["russia"].store.checkpoint() == japan.store.checkpoint()


def test_the_old_key_alone_is_refused_after_the_overlap(
    rotated: tuple[EmbeddedDeployment, int],
) -> None:
    d, _ = rotated
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = japan.propose(appoint_act("jp-late"), official=ROOTS[0])
    japan.sign(p.id, official=ROOTS[1])
    old_size = japan.log_size()
    entry = Entry(time=japan.now(), proposal=japan.status(p.id).proposal)
    entries = [entry.encode()]
    edge = japan._edge(old_size)
    edge.extend(leaf_hashes(entries))
    japan.replica.admit(entry, old_size)
    text = japan._checkpoint_text(old_size + 1, edge.root())
    japan._replica = japan._replay()
    # The old key's private half still sits in the keystore: sign with it alone.
    old_key = japan.keystore.private_key("node", "node")
    name = Verifier.from_vkey(japan.replica.state.parties["japan"].node_verifier).name
    note = sign_note(text, [Signer(name, old_key)]).to_bytes()
    with pytest.raises(WitnessError, match=r"does not carry 'japan'.s node signature"):
        russia.witness(old_size=old_size, entries=entries, checkpoint=note, proof=[])
    assert russia.log_size() == old_size


def test_a_node_without_the_new_key_signs_nothing(
    rotated: tuple[EmbeddedDeployment, int],
) -> None:
    d, _ = rotated
    japan = d.nodes["japan"]
    (new,) = japan.replica.state.parties["japan"].node_verifiers_at(japan.log_size() + 1)
    held = {e.public_key: e.name for e in japan.keystore.entries("node")}
    assert Verifier.from_vkey(new).public_key_bytes in held
    japan.keystore._entries.pop(("node", held[Verifier.from_vkey(new).public_key_bytes]))
    with pytest.raises(KeystoreError, match="holds no private key of its node key"):
        japan._node_signers(japan.log_size() + 1)


def test_the_log_audits_and_verifies_from_the_genesis_keys(
    rotated: tuple[EmbeddedDeployment, int], tmp_path: Path
) -> None:
    d, at = rotated
    japan = d.nodes["japan"]
    keys = japan.replica.state.parties
    genesis = [k.node_keys[0].verifier for k in keys.values()]
    report = audit(japan.store, pins=genesis)
    assert report.size == japan.log_size()
    assert dict(report.node_keys) == dict(zip(keys, genesis, strict=True))
    assert report.rotated_keys == (("japan", keys["japan"].node_verifier, at + 1),)
    note = japan.store.checkpoint()
    assert note is not None
    export_tiles(japan.store, tmp_path / "tiles", checkpoint_note=note)
    pins = [a for v in genesis for a in ("--key", v)]
    result = runner.invoke(app, ["verify-log", str(tmp_path / "tiles"), *pins])
    assert result.exit_code == 0, result.output
    assert "following them through the log" in result.output
    assert f"{japan.log_size():,}" in result.output
    # The new key alone, or a stranger in its place, is no pin: the genesis declares the old.
    new = keys["japan"].node_verifier
    other = [a for v in (new, genesis[1]) for a in ("--key", v)]
    refused = runner.invoke(app, ["verify-log", str(tmp_path / "tiles"), *other])
    assert refused.exit_code == 1
    assert "japan" in refused.output


def test_a_forged_rotation_does_not_verify(
    rotated: tuple[EmbeddedDeployment, int], tmp_path: Path
) -> None:
    """A log whose checkpoint is signed by a key of japan's name that no entry declares: what
    verify-log must not take for a rotation."""
    d, _ = rotated
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    size = japan.log_size()
    note = japan.store.checkpoint()
    assert note is not None
    cp = Checkpoint.from_text(Note.from_bytes(note).text)
    name = Verifier.from_vkey(japan.replica.state.parties["japan"].node_verifier).name
    forged = sign_note(
        cp.to_text(), [Signer.generate(name), *russia._node_signers(size)]
    ).to_bytes()
    export_tiles(japan.store, tmp_path / "tiles", checkpoint_note=forged)
    genesis = [k.node_keys[0].verifier for k in japan.replica.state.parties.values()]
    pins = [a for v in genesis for a in ("--key", v)]
    result = runner.invoke(app, ["verify-log", str(tmp_path / "tiles"), *pins])
    assert result.exit_code == 1
    assert "lacks a signature by" in result.output


def test_go_opens_every_final_checkpoint_with_the_keys_in_force_at_its_size(
    rotated: tuple[EmbeddedDeployment, int], tmp_path: Path
) -> None:
    d, at = rotated
    japan = d.nodes["japan"]
    opennote = build_opennote(tmp_path / "go")
    entries = japan.store.read_entries(0, japan.log_size())
    state = japan.replica.state
    sizes = [s for s in range(at - 1, japan.log_size() + 1) if japan.store.checkpoint(s)]
    assert len(sizes) >= 4
    for size in sizes:
        note = japan.store.checkpoint(size)
        assert note is not None
        keys = [v for vkeys in state.node_verifiers_at(size).values() for v in vkeys]
        got = accepted(run_go(opennote, tmp_path, note, entries[:size], keys))
        assert sorted(got["verified"]) == sorted(key_label(k) for k in keys), size
        assert got["tree_hash"] == got["root"]


def test_a_trust_bundle_leads_from_the_genesis_keys_to_the_new_ones(
    rotated: tuple[EmbeddedDeployment, int],
) -> None:
    d, at = rotated
    japan = d.nodes["japan"]
    data = export_trust_bundle(japan)
    doc = json.loads(data)
    assert doc["format"] == "jointzone-trust-bundle/3"
    (change,) = doc["key_changes"]
    assert Checkpoint.from_text(Note.from_bytes(change["checkpoint"].encode()).text).size == at + 1
    state = japan.replica.state
    genesis = [Verifier.from_vkey(v) for v in state.genesis_node_verifiers().values()]
    opened = open_bundle(data, genesis)
    assert [c.name for c in opened.checks][:2] == ["checkpoint", "key changes"]
    assert f"at size(s) {at + 1}" in opened.checks[1].message
    # A verifier that holds the current keys needs no change.
    current = [Verifier.from_vkey(v) for v in state.node_verifiers().values()]
    assert "key changes" not in [c.name for c in open_bundle(data, current).checks]
    # Without the change, the genesis keys open nothing.
    with pytest.raises(BundleError, match="checkpoint: expected a signature of every party"):
        open_bundle(json.dumps({**doc, "key_changes": []}).encode(), genesis)
    # A change whose table is another size's does not commit to what its checkpoint signs.
    swapped = {**change, "table": doc["table"]}
    with pytest.raises(BundleError, match="table: the checkpoint commits to"):
        open_bundle(json.dumps({**doc, "key_changes": [swapped]}).encode(), genesis)


def test_a_key_change_signed_by_the_new_key_alone_is_refused(
    rotated: tuple[EmbeddedDeployment, int],
) -> None:
    """What an attacker holding a new key of its own making offers: a change's checkpoint that
    the old keys never signed."""
    d, _ = rotated
    japan = d.nodes["japan"]
    doc = json.loads(export_trust_bundle(japan))
    note = Note.from_bytes(doc["key_changes"][0]["checkpoint"].encode())
    old = Verifier.from_vkey(japan.replica.state.parties["japan"].node_keys[0].verifier)
    stripped = Note(
        note.text, tuple(s for s in note.signatures if s.key_hash != old.key_hash)
    ).to_bytes()
    forged = {**doc, "key_changes": [{**doc["key_changes"][0], "checkpoint": stripped.decode()}]}
    genesis = [Verifier.from_vkey(v) for v in japan.replica.state.genesis_node_verifiers().values()]
    with pytest.raises(BundleError, match=r"key_changes\[0\]: expected a signature by every"):
        open_bundle(json.dumps(forged).encode(), genesis)


def test_a_node_names_one_new_key_until_the_log_declares_it(
    rotated: tuple[EmbeddedDeployment, int],
) -> None:
    d, _ = rotated
    japan = d.nodes["japan"]
    first = japan.node_key_rotation(overlap=5)
    second = japan.node_key_rotation(overlap=7)
    assert first["node_verifier"] == second["node_verifier"]
    assert second["overlap"] == 7
    declared = [k.verifier for k in japan.replica.state.parties["japan"].node_keys]
    assert first["node_verifier"] not in declared
    assert sum(1 for _ in japan.keystore.entries("node")) == 3


def test_the_keys_listing_shows_each_node_key_and_the_entries_it_signs_for(
    rotated: tuple[EmbeddedDeployment, int],
) -> None:
    d, at = rotated
    rows = keys_rows(d.nodes["japan"].replica.state)
    node = [r for r in rows.records() if r["party"] == "japan" and r["kind"] == "node"]
    assert [(r["valid_from"], r["valid_until"]) for r in node] == [(0, at + OVERLAP), (at, None)]


def test_verify_log_follows_a_bundles_key_changes_without_judging(
    rotated: tuple[EmbeddedDeployment, int], tmp_path: Path
) -> None:
    d, _ = rotated
    japan = d.nodes["japan"]
    note = japan.store.checkpoint()
    assert note is not None
    export_tiles(japan.store, tmp_path / "tiles", checkpoint_note=note)
    bundle = tmp_path / "trust.json"
    bundle.write_bytes(export_trust_bundle(japan))
    genesis = japan.replica.state.genesis_node_verifiers().values()
    pins = [a for v in genesis for a in ("--key", v)]
    args = ["verify-log", str(tmp_path / "tiles"), *pins, "--trust", str(bundle)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "following them through the log" not in result.output
    assert f"ok: {japan.log_size():,} entries" in result.output
    assert "consistent with 1 older checkpoint" in result.output  # the change's, in this log
    # A bundle whose change the old keys did not sign leads nowhere.
    doc = json.loads(bundle.read_bytes())
    change = Note.from_bytes(doc["key_changes"][0]["checkpoint"].encode())
    old = Verifier.from_vkey(japan.replica.state.parties["japan"].node_keys[0].verifier)
    kept = tuple(s for s in change.signatures if s.key_hash != old.key_hash)
    doc["key_changes"][0]["checkpoint"] = Note(change.text, kept).to_bytes().decode()
    bundle.write_text(json.dumps(doc))
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "--trust" in refused.output
    assert "key_changes[0]: expected a signature by every node key held before it" in (
        refused.output
    )


def test_a_witness_refuses_a_batch_that_goes_on_after_a_rotation(
    seeded_dir: Path, tmp_path: Path
) -> None:
    """A sequencer that puts an act after a node-key rotation in one batch leaves no checkpoint
    of the size just after the rotation, which verifiers follow the new key by."""
    root = tmp_path / "zone"
    shutil.copytree(seeded_dir, root)
    with EmbeddedDeployment.open(root, passphrases=KEYS, clock=ScenarioClock(MARCH)) as d:
        japan, russia = d.nodes["japan"], d.nodes["russia"]
        batch = []
        for act in (japan.node_key_rotation(overlap=OVERLAP), appoint_act("jp-next")):
            p = japan.propose(act, official=ROOTS[0])
            japan.sign(p.id, official=ROOTS[1])
            batch.append(Entry(time=japan.now(), proposal=japan.status(p.id).proposal))
        old = japan.log_size()
        for i, entry in enumerate(batch):
            japan.replica.admit(entry, old + i)
        entries = [e.encode() for e in batch]
        edge = japan._edge(old)
        edge.extend(leaf_hashes(entries))
        note = japan._sign_checkpoint(old + 2, edge.root())
        japan._replica = japan._replay()
        with pytest.raises(WitnessError, match="is not the last of its batch"):
            russia.witness(old_size=old, entries=entries, checkpoint=note, proof=[])
        assert russia.log_size() == old
