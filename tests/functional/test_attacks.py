"""Regression tests for what an adversarial review found: nothing from another node is taken on
trust, and the sequencer does not set time alone. Each test is named after the behaviour it
keeps; each plays the attacker against a seeded deployment's honest nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.consent import Proposal, ProposalContent, Rejection
from jointzone.cose import CoseSigner, sign
from jointzone.node import EmbeddedDeployment, Node, NodeError, ProposalError, WitnessError
from jointzone.scenario import ScenarioClock
from jointzone.store import open_store

from .conftest import KEYS, REGIME, offered_batch

Seeded = tuple[EmbeddedDeployment, ScenarioClock]

ENTERPRISE = {
    "type": "enterprise.register",
    "enterprise": "jp-attack-test",
    "party": "japan",
    "categories": ["tourism"],
    "names": {"ja": "試験観光株式会社", "en": "Trial Travel Co."},
    "registered_address": {"place": "nemuro-port"},
}


def _forger(kid: str) -> CoseSigner:
    """A key nobody appointed, claiming to be ``kid``."""
    return CoseSigner(kid=kid.encode(), private_key=Ed25519PrivateKey.generate())


# -- rejections -----------------------------------------------------------------------------------


def test_unsigned_rejection_is_refused_and_changes_nothing(seeded: Seeded) -> None:
    d, _ = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    for junk in (b"", b"not cose", sign(b"\xa0", [_forger("ru-registrar")]).to_bytes()):
        with pytest.raises(ProposalError, match="rejection refused"):
            japan.receive_rejection(junk)
    assert japan.status(p.id).status == "open"
    assert russia.status(p.id).status == "open"


def test_forged_rejection_under_a_real_officials_kid_is_refused(seeded: Seeded) -> None:
    d, clock = seeded
    japan = d.nodes["japan"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    forged = Rejection.create(
        act_id=p.id,
        origin=p.content.origin,
        party="russia",
        reason="forged",
        at=clock(),
        signer=_forger("ru-registrar"),
    )
    with pytest.raises(ProposalError, match="does not verify"):
        japan.receive_rejection(forged.to_bytes())
    assert japan.status(p.id).status == "open"
    assert japan.status(p.id).rejections == ()


def test_rejection_by_an_official_without_the_role_is_refused(seeded: Seeded) -> None:
    d, clock = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    # A real Russian official with a real key, but no registrar: it cannot refuse a registration.
    wrong = Rejection.create(
        act_id=p.id,
        origin=p.content.origin,
        party="russia",
        reason="not mine to refuse",
        at=clock(),
        signer=russia.official_signer("ru-border"),
    )
    with pytest.raises(ProposalError, match="may not speak for 'russia'"):
        japan.receive_rejection(wrong.to_bytes())
    with pytest.raises(ProposalError, match="may not speak for 'russia'"):
        russia.reject(p.id, official="ru-border", reason="not mine to refuse")
    assert japan.status(p.id).status == "open"


def test_rejection_claiming_the_other_party_is_refused(seeded: Seeded) -> None:
    d, clock = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    posing = Rejection.create(
        act_id=p.id,
        origin=p.content.origin,
        party="russia",
        reason="japan speaking for russia",
        at=clock(),
        signer=japan.official_signer("jp-registrar"),
    )
    with pytest.raises(ProposalError, match="cannot reject for 'russia'"):
        russia.receive_rejection(posing.to_bytes())
    assert russia.status(p.id).status == "open"


def test_signed_rejection_travels_and_every_node_keeps_it(seeded: Seeded) -> None:
    d, _ = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    russia.reject(p.id, official="ru-registrar", reason="the address is not yet agreed")
    for node in (japan, russia):
        (r,) = node.status(p.id).rejections
        assert (r.party, r.official, r.reason) == (
            "russia",
            "ru-registrar",
            "the address is not yet agreed",
        )
        assert node.status(p.id).status == "rejected"


# -- signatures -----------------------------------------------------------------------------------


def test_bogus_signature_under_a_real_kid_is_refused_and_the_official_can_still_sign(
    seeded: Seeded,
) -> None:
    d, _ = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    bogus = p.cosign(_forger("ru-registrar"))
    with pytest.raises(ProposalError, match="signature refused"):
        japan.receive_proposal(bogus.to_bytes())
    assert japan.status(p.id).proposal.kids == (b"jp-registrar",)
    signed = russia.sign(p.id, official="ru-registrar")
    assert signed.added
    rnd = d.commit()
    assert rnd.final is not None
    assert japan.replica.committed_index(p.id) is not None


def test_signature_by_an_unknown_key_is_refused(seeded: Seeded) -> None:
    d, _ = seeded
    japan = d.nodes["japan"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    with pytest.raises(ProposalError, match="not a key of the record"):
        japan.receive_proposal(p.cosign(_forger("ru-nobody")).to_bytes())


def test_a_proposal_of_no_act_from_a_peer_is_refused_and_not_kept(seeded: Seeded) -> None:
    d, clock = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    regime = japan.replica.regime
    assert regime is not None
    content = ProposalContent.new(
        {"type": "no.such-act"},
        regime_id=regime.id,
        regime_version=regime.version,
        origin=regime.origin,
        proposed_by="japan",
        proposed_at=clock(),
        expires_at=clock() + timedelta(days=1),
    )
    junk = Proposal.create(content, japan.official_signer("jp-registrar"))
    with pytest.raises(ProposalError, match="signature refused"):
        russia.receive_proposal(junk.to_bytes())
    with pytest.raises(ProposalError, match="no proposal"):
        russia.status(junk.id)


def test_signing_twice_adds_nothing_and_says_so(seeded: Seeded) -> None:
    d, _ = seeded
    japan = d.nodes["japan"]
    p = japan.propose(ENTERPRISE, official="jp-registrar")
    again = japan.sign(p.id, official="jp-registrar")
    assert not again.added
    assert again.proposal.kids == (b"jp-registrar",)


def test_commit_gives_the_reason_an_act_with_consent_was_not_committed(seeded: Seeded) -> None:
    d, _ = seeded
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    first = japan.propose(ENTERPRISE, official="jp-registrar")
    second = japan.propose(ENTERPRISE, official="jp-registrar", nonce=b"\x01" * 16)
    for p in (first, second):
        russia.sign(p.id, official="ru-registrar")
    rnd = d.commit()
    assert rnd.batch is not None
    (committed,) = rnd.batch.committed
    ((refused, why),) = rnd.batch.refused
    assert {committed, refused} == {first.id, second.id}
    assert "jp-attack-test" in why
    assert "already" in why


# -- time -----------------------------------------------------------------------------------------


def _honest_round_at(d: EmbeddedDeployment, clock: ScenarioClock, when: datetime) -> None:
    clock.set(when)
    p = d.nodes["japan"].propose(
        {**ENTERPRISE, "enterprise": f"jp-{when:%m%d}"}, official="jp-registrar"
    )
    d.nodes["russia"].sign(p.id, official="ru-registrar")
    rnd = d.commit()
    assert rnd.final is not None


def _consented(d: EmbeddedDeployment, name: str) -> Proposal:
    p = d.nodes["japan"].propose({**ENTERPRISE, "enterprise": name}, official="jp-registrar")
    return d.nodes["russia"].sign(p.id, official="ru-registrar").proposal


def test_witness_refuses_a_backdated_entry_and_never_cosigns_it(seeded: Seeded) -> None:
    d, clock = seeded
    # An honest round in March 2020 (Japan's month): Russia's node signs at that time.
    _honest_round_at(d, clock, datetime(2020, 3, 10, 9, 0, tzinfo=UTC))
    clock.set(datetime(2020, 3, 20, 9, 0, tzinfo=UTC))
    p = _consented(d, "jp-backdated")
    # Japan dates the entry ten days back, still in its own month and after the previous
    # entry: only Russia's own clock shows it is backdated.
    batch = offered_batch(d.nodes["japan"], p, datetime(2020, 3, 10, 10, 0, tzinfo=UTC))
    russia = d.nodes["russia"]
    size = russia.log_size()
    with pytest.raises(WitnessError, match="backdated"):
        russia.witness(old_size=batch[0], entries=batch[1], checkpoint=batch[2], proof=batch[3])
    assert russia.log_size() == size
    assert russia.replica.committed_index(p.id) is None


def test_witness_refuses_an_entry_dated_ahead_of_its_clock(seeded: Seeded) -> None:
    d, clock = seeded
    _honest_round_at(d, clock, datetime(2020, 3, 10, 9, 0, tzinfo=UTC))
    p = _consented(d, "jp-ahead")
    batch = offered_batch(d.nodes["japan"], p, datetime(2020, 3, 11, 9, 0, tzinfo=UTC))
    with pytest.raises(WitnessError, match="ahead of this witness's clock"):
        d.nodes["russia"].witness(
            old_size=batch[0], entries=batch[1], checkpoint=batch[2], proof=batch[3]
        )


def test_witness_refuses_an_out_of_turn_entry(seeded: Seeded) -> None:
    d, clock = seeded
    _honest_round_at(d, clock, datetime(2020, 3, 10, 9, 0, tzinfo=UTC))
    # April is Russia's month: Japan sequencing then, honestly dated, is out of turn.
    clock.set(datetime(2020, 4, 2, 9, 0, tzinfo=UTC))
    p = _consented(d, "jp-out-of-turn")
    japan = d.nodes["japan"]
    with pytest.raises(ProposalError, match="it is the turn of 'russia'"):
        japan.sequence([d.nodes["russia"]])
    batch = offered_batch(japan, p, clock())
    with pytest.raises(WitnessError, match="out of turn"):
        d.nodes["russia"].witness(
            old_size=batch[0], entries=batch[1], checkpoint=batch[2], proof=batch[3]
        )


def test_a_production_log_refuses_a_simulated_clock(tmp_path: Path) -> None:
    root = tmp_path / "zone"
    EmbeddedDeployment.create(root, regime_dir=REGIME, passphrases=KEYS, demo=True).close()
    with pytest.raises(NodeError, match="keeps real time"):
        EmbeddedDeployment.open(
            root, passphrases=KEYS, clock=ScenarioClock(datetime(2017, 6, 27, tzinfo=UTC))
        )
    with open_store(f"sqlite:///{root / 'japan' / 'node.db'}") as store:
        assert store.size() == 3  # the genesis and the two certificate keys, nothing played


def test_a_scenario_log_declares_simulated_time(seeded: Seeded) -> None:
    d, _ = seeded
    assert all(n.simulated_log for n in d.nodes.values())


def test_a_refused_batch_leaves_nothing_and_the_act_waits_open(seeded: Seeded) -> None:
    d, clock = seeded
    clock.set(datetime(2020, 3, 10, 9, 0, tzinfo=UTC))
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = _consented(d, "jp-waits")
    size = japan.log_size()
    # Russia's node goes down: every call to it fails.
    with pytest.raises(ConnectionError):
        japan.sequence([_Down(russia)])  # type: ignore[list-item]
    assert (japan.log_size(), russia.log_size()) == (size, size)
    assert japan.status(p.id).status == "open"
    # Back up an hour later: the act is dated afresh, within every witness's skew.
    clock.set(datetime(2020, 3, 10, 10, 0, tzinfo=UTC))
    rnd = d.commit()
    assert rnd.final is not None
    assert rnd.batch is not None
    assert rnd.batch.committed == [p.id]


def test_a_batch_a_witness_took_before_the_sequencer_died_becomes_final(seeded: Seeded) -> None:
    d, clock = seeded
    clock.set(datetime(2020, 3, 10, 9, 0, tzinfo=UTC))
    japan, russia = d.nodes["japan"], d.nodes["russia"]
    p = _consented(d, "jp-half-done")
    old, entries, checkpoint, proof = offered_batch(japan, p, clock())
    russia.witness(old_size=old, entries=entries, checkpoint=checkpoint, proof=proof)
    assert (japan.log_size(), russia.log_size()) == (old, old + 1)
    # An hour later, past the skew: Japan signed this very checkpoint, so it takes it.
    clock.set(datetime(2020, 3, 10, 10, 0, tzinfo=UTC))
    d.recover()
    assert japan.log_size() == russia.log_size() == japan.final_size() == old + 1
    assert japan.replica.committed_index(p.id) == old


class _Down:
    """A peer that is unreachable."""

    def __init__(self, node: Node) -> None:
        self.party = node.party

    def __getattr__(self, name: str) -> object:
        raise ConnectionError(f"the node of {self.party} is unreachable")


def test_skew_window_is_the_regimes(seeded: Seeded) -> None:
    d, _ = seeded
    regime = d.nodes["japan"].replica.regime
    assert regime is not None
    assert regime.clock_skew == timedelta(minutes=5)
    assert regime.trust_bundle_max_age == timedelta(days=7)
