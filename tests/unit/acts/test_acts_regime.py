"""regime.adopt and regime.amend: one genesis, amendments version by version."""

from __future__ import annotations

from acts_factory import (
    ROOTS,
    Log,
    adopt,
    adopted,
    amend,
    b64url,
    enterprise,
    incident,
    public_key,
    seed_regime,
    world,
)


def test_adopt_sets_the_regime_and_root_keys() -> None:
    log = Log()
    assert not log.state.adopted
    assert log.state.regime is None
    log.apply(adopt())
    state = log.state
    assert state.regime == seed_regime()
    assert state.regime_at(0) == seed_regime()
    assert [v.version for v in state.regime_history] == [1]
    assert state.root_threshold("japan") == 1
    assert [k.id for k in state.party_keys("russia").root_keys] == ["russia-root-1"]
    assert set(state.node_verifiers()) == {"japan", "russia"}
    # The genesis is signed by the keys it declares, so they are valid at its own position.
    assert state.key_valid("japan-root-1", public_key("japan root 1"), 0)
    signer = state.signer_at("russia-root-1", 5)
    assert signer is not None
    assert signer.root
    assert signer.party == "russia"
    assert state.root_keys_at("japan", 0).keys() == {"japan-root-1"}


def test_nothing_comes_before_adoption() -> None:
    Log().rejects(
        enterprise(), "no regime has been adopted yet: the log must start with regime.adopt"
    )


def test_a_second_adoption_is_rejected() -> None:
    log = adopted()
    log.rejects(adopt(), "'seed' v1 was already adopted at position 0; a log has one genesis")


def test_adopt_needs_canonical_content() -> None:
    data = adopt()
    data["regime"]["places"][0]["centre"] = ["147.840", "45.05"]
    Log().rejects(
        data,
        r"regime: places\[0\].centre: expected a canonical decimal string such as '145.86', "
        "got '147.840'",
    )
    data = adopt()
    del data["regime"]["act_types"]["project.approve"]["threshold"]
    Log().rejects(
        data, r"regime.act_types.project.approve.threshold: missing \(canonical content spells out"
    )


def test_adopt_needs_a_valid_regime() -> None:
    data = adopt()
    data["regime"]["crossing_points"][0]["place"] = "atlantis"
    Log().rejects(data, r"regime: crossing_points\[0\].place: no place has ref 'atlantis'")


def test_adopt_needs_root_keys_for_exactly_the_parties() -> None:
    data = adopt()
    data["parties"]["china"] = data["parties"]["japan"]
    Log().rejects(data, r"parties: expected root keys for exactly \['japan', 'russia'\]")


def test_adopt_threshold_cannot_exceed_the_keys() -> None:
    data = adopt()
    data["parties"]["japan"]["threshold"] = 2
    Log().rejects(data, "parties.japan.threshold: 2 exceeds the 1 root key")


def test_adopt_root_key_ids_and_keys_are_distinct() -> None:
    data = adopt()
    data["parties"]["russia"]["root_keys"][0]["id"] = "japan-root-1"
    Log().rejects(
        data,
        r"parties.russia.root_keys\[0\].id: 'japan-root-1' is already used",
        {"japan": ["japan-root-1"]},
    )
    data = adopt()
    data["parties"]["russia"]["root_keys"][0]["public_key"] = b64url(public_key("japan root 1"))
    Log().rejects(data, r"parties.russia.root_keys\[0\].public_key: the same key is already")


def test_adopt_node_verifiers_are_distinct() -> None:
    data = adopt()
    data["parties"]["russia"]["node_verifier"] = data["parties"]["japan"]["node_verifier"]
    Log().rejects(data, "parties.russia.node_verifier: name 'japan.jointzone.example' is already")


def test_adopt_signers_are_the_declared_root_keys() -> None:
    Log().rejects(
        adopt(),
        "signers.japan: 'russia-root-1' is a key of 'russia', not of 'japan'",
        {"japan": ["russia-root-1"]},
    )
    Log().rejects(
        adopt(),
        "signers.japan: 'japan-root-9' is not a root key this act declares",
        {"japan": ["japan-root-9"]},
    )


def test_amend_adds_a_version_governing_after_itself() -> None:
    log = adopted()
    at = log.state.size
    log.apply(amend(2, proposal_expiry_days=14))
    state = log.state
    assert state.regime is not None
    assert state.regime.version == 2
    assert state.regime.proposal_expiry_days == 14
    assert state.regime_at(at).version == 1
    assert state.regime_at(at + 1).version == 2
    assert [(v.version, v.valid_from) for v in state.regime_history] == [(1, 0), (2, at + 1)]


def test_amend_version_must_be_current_plus_one() -> None:
    log = adopted()
    log.rejects(amend(3), "regime.version: expected 2 \\(the version in force is 1\\), got 3")
    log.rejects(amend(1), "regime.version: expected 2")


def test_amend_cannot_change_origin_id_or_parties() -> None:
    log = adopted()
    log.rejects(
        amend(2, origin="elsewhere.example/log"), "regime.origin: the log origin cannot change"
    )
    log.rejects(amend(2, id="other"), "regime.id: the regime id cannot change")


def test_amend_cannot_drop_a_category_in_use() -> None:
    log = world()
    categories = [c for c in seed_regime().canonical()["categories"] if c["id"] != "aquaculture"]
    log.rejects(
        amend(2, categories=categories),
        "regime.categories: project 'shikotan-scallops' \\(active\\) uses category 'aquaculture'",
    )


def test_amend_cannot_drop_a_place_in_use() -> None:
    log = world()
    content = seed_regime().canonical()
    places = [p for p in content["places"] if p["ref"] not in ("nemuro-port",)]
    crossings = [c for c in content["crossing_points"] if c["place"] != "nemuro-port"]
    log.rejects(
        amend(2, places=places, crossing_points=crossings),
        "regime.places: enterprise 'jp-aqua' is registered at 'nemuro-port'",
    )


def test_amend_must_keep_root_policies_for_the_regime() -> None:
    log = adopted()
    act_types = dict(seed_regime().canonical()["act_types"])
    del act_types["regime.amend"]
    log.rejects(
        amend(2, act_types=act_types), "regime.act_types.regime.amend: expected a root policy"
    )


def test_an_act_type_the_regime_has_no_policy_for_is_rejected() -> None:
    log = world()
    act_types = dict(seed_regime().canonical()["act_types"])
    del act_types["incident.report"]
    log.apply(amend(2, act_types=act_types))
    log.rejects(incident(), "regime 'seed' v2 has no consent policy for incident.report")


def test_amend_signers_are_root_keys_or_officials_of_their_party() -> None:
    log = adopted()
    log.rejects(amend(2), "signers.japan: 'nobody' is no key that may sign", {"japan": ["nobody"]})
    log.rejects(
        amend(2), "signers.japan: 'russia-root-1' is a key of 'russia'", {"japan": ROOTS["russia"]}
    )
