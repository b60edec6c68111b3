"""The embedded deployment end to end: the seed scenario, consent at every step, witnesses that
refuse what they must, and audits that name what was tampered with."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.consent import Proposal, ProposalContent
from jointzone.cose import CoseSigner
from jointzone.node import (
    AuditError,
    EmbeddedDeployment,
    Keystore,
    KeystoreError,
    NeutralityBlockedError,
    ProposalError,
    WitnessError,
    audit,
)
from jointzone.regime import RegimeError
from jointzone.scenario import ScenarioClock
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, Note, open_checkpoint
from jointzone.trust import verifier_extension, verifier_table

from .conftest import KEYS, offered_batch

Seeded = tuple[EmbeddedDeployment, ScenarioClock]

ENTERPRISE = {
    "type": "enterprise.register",
    "enterprise": "jp-extra",
    "party": "japan",
    "categories": ["tourism"],
    "names": {"ja": "テスト観光株式会社", "en": "Test Travel Co."},
    "registered_address": {"place": "nemuro-port"},
}


def test_seed_scenario_leaves_every_node_with_the_same_final_log(seeded_dir: Path) -> None:
    reports = {}
    for party in ("japan", "russia"):
        with open_store(f"sqlite:///{seeded_dir / party / 'node.db'}") as store:
            reports[party] = audit(store)
            note = store.checkpoint()
            assert note is not None
            cp = Checkpoint.from_text(Note.from_bytes(note).text)
            assert (cp.origin, cp.size, cp.root) == (
                "jointzone.example/seed-regime",
                store.size(),
                store.root(),
            )
            # It commits to the verifier table of the log's state: keys, revocation, names.
            (extension,) = cp.extensions
            assert re.fullmatch("jointzone-verifier [0-9a-f]{64}", extension)
    assert reports["japan"].root == reports["russia"].root
    assert reports["japan"].size == reports["japan"].checkpoint_size == 138
    assert len(reports["japan"].signed_by) == 2


def test_seed_state(seeded: Seeded) -> None:
    d, _ = seeded
    states = [n.replica.state for n in d.nodes.values()]
    for state in states:
        assert len(state.enterprises) == 10
        assert {p.id: p.status for p in state.projects.values()} == {
            "aqua-shikotan": "active",
            "greenhouse-etorofu-iturup": "active",
            "wind-etorofu-iturup": "active",
            "waste-pilot-2019": "closed",
            "pilot-tour-2019": "active",
        }
        assert state.incidents["tour-weather-2019-11-01"].status == "resolved"
        assert len(state.reports) == 3
        assert len(state.decisions) == 4
    # The refused amendment is kept, with its reason, at both nodes, and never committed.
    for node in d.nodes.values():
        refused = node.proposals("rejected")
        assert [s.proposal.act_type for s in refused] == ["project.amend"]
        assert refused[0].rejections[0].party == "russia"
        assert "not been surveyed" in refused[0].rejections[0].reason


def test_state_is_derived_by_replay(seeded: Seeded) -> None:
    d, _ = seeded
    from jointzone.node import Replica

    japan = d.nodes["japan"]
    replayed = Replica.replay(d.nodes["russia"].store.iter_entries())
    assert replayed.state.act_ids == japan.replica.state.act_ids
    assert replayed.state.projects == japan.replica.state.projects


def test_missing_party_means_no_commit(seeded: Seeded) -> None:
    d, _ = seeded
    p = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar")
    status = d.nodes["russia"].status(p.id)
    assert not status.verdict.satisfied
    assert "russia: 0 of 1" in status.verdict.explain()
    assert d.commit().final is None
    d.nodes["russia"].sign(p.id, official="ru-registrar")
    rnd = d.commit()
    assert rnd.batch is not None
    assert rnd.final is not None
    assert rnd.batch.committed == [p.id]
    assert "jp-extra" in d.nodes["russia"].replica.state.enterprises


def test_a_node_cannot_sign_for_another_party(seeded: Seeded) -> None:
    d, _ = seeded
    p = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar")
    with pytest.raises(KeystoreError, match="holds no key of 'ru-registrar'"):
        d.nodes["japan"].sign(p.id, official="ru-registrar")
    with pytest.raises(KeystoreError, match="cannot hold a key of party 'russia'"):
        d.nodes["japan"].keystore.add(
            "official", "ru-registrar-2", Ed25519PrivateKey.generate(), party="russia"
        )


def test_a_signature_under_another_officials_kid_fails(seeded: Seeded) -> None:
    d, _ = seeded
    japan = d.nodes["japan"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    forged = p.cosign(CoseSigner(kid=b"ru-registrar", private_key=Ed25519PrivateKey.generate()))
    with pytest.raises(ProposalError, match="does not verify"):
        d.nodes["russia"].receive_proposal(forged.to_bytes())
    status = d.nodes["russia"].status(p.id)
    assert not status.verdict.satisfied
    assert d.commit().final is None


def _remove_official(d: EmbeddedDeployment, party: str, official: str) -> None:
    act = {"type": "official.remove", "party": party, "official": official}
    node = d.nodes[party]
    p = node.propose(act, official=f"{party}-root-1")
    node.sign(p.id, official=f"{party}-root-2")
    assert d.commit().final is not None


def test_a_removed_official_signs_nothing(seeded: Seeded) -> None:
    d, clock = seeded
    _remove_official(d, "russia", "ru-registrar")
    clock.set(clock() + timedelta(hours=1))
    p = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar")
    # The node still holds the removed official's key; the signature is refused as it is made.
    with pytest.raises(ProposalError, match="not a key of the record valid at position"):
        d.nodes["russia"].sign(p.id, official="ru-registrar")
    assert not d.nodes["japan"].status(p.id).verdict.satisfied
    assert d.commit().final is None


def test_a_rotated_key_signs_nothing_after_its_rotation(seeded: Seeded) -> None:
    d, clock = seeded
    japan = d.nodes["japan"]
    new_key = Ed25519PrivateKey.generate()
    from jointzone.node._standalone import b64url

    raw = new_key.public_key().public_bytes_raw()
    act = {
        "type": "official.rotate-key",
        "party": "japan",
        "official": "jp-registrar",
        "public_key": b64url(raw),
    }
    p = japan.propose(act, official="japan-root-1")
    japan.sign(p.id, official="japan-root-3")
    assert d.commit().final is not None
    clock.set(clock() + timedelta(hours=1))
    # The keystore still holds the old key: a proposal it signs is refused as it is made.
    with pytest.raises(ProposalError, match="does not verify"):
        japan.propose(ENTERPRISE, official="jp-registrar")
    # The same act signed with the new key counts.
    fresh = japan.propose(ENTERPRISE, official=CoseSigner(kid=b"jp-registrar", private_key=new_key))
    d.nodes["russia"].sign(fresh.id, official="ru-registrar")
    assert d.nodes["russia"].status(fresh.id).verdict.satisfied
    assert d.commit().final is not None


def test_an_expired_proposal_is_never_committed(seeded: Seeded) -> None:
    d, clock = seeded
    p = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar", expires_in=timedelta(days=1))
    clock.set(clock() + timedelta(days=2))
    d.nodes["russia"].receive_proposal(p.to_bytes())
    assert d.nodes["russia"].status(p.id).status == "expired"
    assert d.commit().final is None


def test_the_same_act_is_not_committed_twice(seeded: Seeded) -> None:
    d, _ = seeded
    p = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar")
    d.nodes["russia"].sign(p.id, official="ru-registrar")
    assert d.commit().final is not None
    for node in d.nodes.values():
        node.receive_proposal(d.nodes["russia"].status(p.id).proposal.to_bytes())
    assert d.commit().final is None
    assert d.nodes["japan"].status(p.id).status == "committed"


def test_witness_refuses_a_wrong_root_and_never_signs_two_checkpoints_of_a_size(
    seeded: Seeded,
) -> None:
    d, clock = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    russia.sign(p.id, official="ru-registrar")
    seq = d.sequencer()
    other = russia if seq is japan else japan
    old, entries, checkpoint, proof = offered_batch(seq, other.status(p.id).proposal, clock())
    cp = Checkpoint.from_text(Note.from_bytes(checkpoint).text)
    bad = Checkpoint(origin=cp.origin, size=cp.size, root=bytes(32)).to_text()
    from jointzone.tlog import Signer, sign_note

    forged = sign_note(bad, [Signer.generate("nobody")]).to_bytes()
    with pytest.raises(WitnessError, match="is not the root of these entries"):
        other.witness(old_size=old, entries=entries, checkpoint=forged, proof=proof)
    assert other.log_size() == old  # nothing half-applied
    signed = other.witness(old_size=old, entries=entries, checkpoint=checkpoint, proof=proof)
    open_checkpoint(signed, other.replica.node_verifiers(), require="all")
    # A second, different checkpoint of the same size: refused, with the evidence kept.
    with pytest.raises(WitnessError, match="already signed a different checkpoint"):
        other._remember_cosigned(cp.size, bad, forged)
    assert other.conflicts()[0][0] == cp.size


def test_keystore_without_passphrase_is_a_clear_error(seeded_dir: Path) -> None:
    locked = Keystore.open(seeded_dir / "japan" / "keys", passphrase=None)
    with pytest.raises(KeystoreError, match="is locked: give its passphrase"):
        locked.private_key("node", "node")
    with pytest.raises(KeystoreError, match="wrong passphrase"):
        Keystore.open(seeded_dir / "japan" / "keys", passphrase=b"not it")


@pytest.mark.parametrize(
    ("table", "column", "where", "expected"),
    [
        ("log_entries", "data", "idx = 17", "entry 17: its bytes do not hash"),
        ("log_tiles", "data", "level = 0 AND idx = 0", "entry 0: its bytes do not hash"),
        ("log_checkpoints", "note", "size = 138", "latest checkpoint: "),
    ],
)
def test_a_byte_edited_in_a_node_database_is_caught_and_named(
    seeded_dir: Path, tmp_path: Path, table: str, column: str, where: str, expected: str
) -> None:
    db = tmp_path / "node.db"
    db.write_bytes((seeded_dir / "russia" / "node.db").read_bytes())
    con = sqlite3.connect(db)
    (blob,) = con.execute(f"SELECT {column} FROM {table} WHERE {where}").fetchone()
    edited = bytearray(blob)
    edited[5] ^= 0x01
    con.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (bytes(edited),))
    con.commit()
    con.close()
    with open_store(f"sqlite:///{db}") as store, pytest.raises(AuditError, match=expected):
        audit(store)


def test_a_forged_entry_with_matching_hashes_is_caught_by_its_signatures(
    seeded_dir: Path, tmp_path: Path
) -> None:
    """Rewriting an entry *and* its tree hashes still fails: the signatures no longer verify."""
    with open_store(f"sqlite:///{seeded_dir / 'japan' / 'node.db'}") as src:
        entries = list(src.iter_entries())
    target = entries[17]
    i = target.find(b"Demo")
    forged = target[:i] + b"Xemo" + target[i + 4 :]
    with open_store(f"sqlite:///{tmp_path / 'forged.db'}") as store:
        store.append([*entries[:17], forged, *entries[18:]])
        with pytest.raises(AuditError, match=r"entry 17: .*does not verify"):
            audit(store)


def test_an_act_the_state_refuses_is_left_out_with_its_reason(seeded: Seeded) -> None:
    d, clock = seeded
    first = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar")
    clock.set(clock() + timedelta(minutes=1))
    again = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar")  # same id: a new act
    assert again.id != first.id
    for p in (first, again):
        d.nodes["russia"].sign(p.id, official="ru-registrar")
    rnd = d.commit()
    assert rnd.batch is not None
    assert rnd.batch.committed == [first.id]
    assert [act for act, _ in rnd.batch.refused] == [again.id]
    assert "jp-extra" in rnd.batch.refused[0][1]


def test_an_act_that_takes_a_side_cannot_be_signed_or_committed(seeded: Seeded) -> None:
    d, clock = seeded
    act = {
        "type": "incident.report",
        "incident": "test-incident",
        "reported_by": "russia",
        "place": {"place": "kunashiri-kunashir"},
        "occurred_at": "2020-01-14T10:00:00Z",
        "description": {"en": "A storm damaged the pier on Russia's Kunashir."},
    }
    with pytest.raises(NeutralityBlockedError, match="possessive-attribution"):
        d.nodes["russia"].propose(act, official="ru-inspector")
    # Made without the gate, the act still cannot be committed: every node judges it again.
    regime = d.nodes["russia"].replica.regime
    assert regime is not None
    content = ProposalContent.new(
        act,
        regime_id=regime.id,
        regime_version=regime.version,
        origin=regime.origin,
        proposed_by="russia",
        proposed_at=clock(),
        expires_at=clock() + timedelta(days=1),
    )
    key = d.nodes["russia"].keystore.private_key("official", "ru-inspector")
    p = Proposal.create(content, CoseSigner(kid=b"ru-inspector", private_key=key))
    for node in d.nodes.values():
        node.receive_proposal(p.to_bytes())
    rnd = d.commit()
    assert rnd.batch is not None
    assert rnd.final is None
    assert rnd.batch.committed == []
    assert "neutrality finding" in rnd.batch.refused[0][1]
    assert d.nodes["japan"].replica.committed_index(p.id) is None


def test_the_gate_uses_only_the_lexicon_the_regime_binds(seeded_dir: Path, tmp_path: Path) -> None:
    zone = tmp_path / "zone"
    shutil.copytree(seeded_dir, zone)
    # Each node keeps its own copy of the lexicon; the log binds its digest.
    lexicon = zone / "japan" / "neutrality.yaml"
    original = lexicon.read_text(encoding="utf-8")
    # A comment is not content: the digest the regime binds still matches.
    lexicon.write_text(original + "\n# a comment changes nothing\n", encoding="utf-8")
    with EmbeddedDeployment.open(zone, passphrases=KEYS):
        pass
    # A word more is content: the log's regime binds the lexicon without it.
    data = yaml.safe_load(original)
    data["claims"]["en"].append(
        {"pattern": "rightfully ours", "party": None, "suggest": "quote the party instead"}
    )
    lexicon.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegimeError, match="binds"):
        EmbeddedDeployment.open(zone, passphrases=KEYS)


LIES: dict[str, Any] = {
    "a revocation dropped": lambda t: verifier_extension(
        t.model_copy(update={"revoked": ()}).to_cbor()
    ),
    "a certificate key dropped": lambda t: verifier_extension(
        t.model_copy(update={"keys": t.keys[:-1]}).to_cbor()
    ),
    "the table before the batch": lambda t: verifier_extension(
        t.model_copy(update={"size": t.size - 1}).to_cbor()
    ),
    "a line of zeros": lambda t: "jointzone-verifier " + "0" * 64,
    "no line": lambda t: None,
}


@pytest.mark.parametrize("lie", LIES.values(), ids=list(LIES))
def test_a_witness_refuses_a_checkpoint_whose_verifier_line_is_not_its_own(
    seeded: Seeded, lie: Any
) -> None:
    """A sequencer signs a checkpoint whose jointzone-verifier line commits to a table that is
    not the log's (one that hides a revocation, say): the witness derives its own line and
    cosigns nothing, so no bundle can ever carry that table."""
    from jointzone.consent import Entry
    from jointzone.node import node_key_name
    from jointzone.tlog import Signer, sign_note

    d, clock = seeded
    p = d.nodes["japan"].propose(ENTERPRISE, official="jp-registrar")
    d.nodes["russia"].sign(p.id, official="ru-registrar")
    seq = d.sequencer()
    other = next(n for n in d.nodes.values() if n is not seq)
    old, entries, checkpoint, proof = offered_batch(seq, other.status(p.id).proposal, clock())
    cp = Checkpoint.from_text(Note.from_bytes(checkpoint).text)
    # The honest table at the new size, as the sequencer's own state gives it.
    seq.replica.admit(Entry.decode(entries[0], index=old), old)
    honest = verifier_table(seq.replica.state)
    seq._replica = seq._replay()
    assert cp.extensions == (verifier_extension(honest.to_cbor()),)
    assert honest.revoked  # the seed revoked a certificate
    assert honest.keys
    line = lie(honest)
    lying = Checkpoint(
        origin=cp.origin, size=cp.size, root=cp.root, extensions=() if line is None else (line,)
    )
    seed = seq.keystore.private_key("node", "node").private_bytes_raw()
    signer = Signer.from_seed(node_key_name(cp.origin, seq.party), seed)
    forged = sign_note(lying.to_text(), [signer]).to_bytes()
    with pytest.raises(WitnessError, match="checkpoint text differs"):
        other.witness(old_size=old, entries=entries, checkpoint=forged, proof=proof)
    assert other.log_size() == old
