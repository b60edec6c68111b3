"""Enterprises and participants: registered jointly, by place ref, never reused, never orphaned."""

from __future__ import annotations

from typing import Any

from acts_factory import adopted, enterprise, participant, project, world


def amend_enterprise(enterprise: str = "jp-aqua", **changes: Any) -> dict[str, Any]:
    return {
        "type": "enterprise.amend",
        "enterprise": enterprise,
        "names": {"ja": "根室水産", "en": "Nemuro Fisheries"},
        "registered_address": {"place": "nemuro-port"},
        "categories": ["aquaculture", "greenhouse"],
        **changes,
    }


def deregister(enterprise: str = "jp-tour") -> dict[str, Any]:
    return {"type": "enterprise.deregister", "enterprise": enterprise, "reason": {"en": "Merged."}}


def withdraw(participant: str = "jp-diver") -> dict[str, Any]:
    return {"type": "participant.withdraw", "participant": participant}


# -- enterprises ----------------------------------------------------------------------------------


def test_register_records_the_enterprise() -> None:
    log = adopted()
    log.apply(enterprise(registered_address={"place": "shikotan", "point": ["146.75", "43.8"]}))
    e = log.state.enterprises["jp-kelp"]
    assert (e.party, e.status, e.categories) == ("japan", "registered", ("aquaculture",))
    assert e.registered_address.place == "shikotan"
    assert [ev.act_type for ev in e.history] == ["enterprise.register"]


def test_register_twice_is_rejected() -> None:
    log = adopted()
    log.apply(enterprise())
    log.rejects(enterprise(), "enterprise: enterprise 'jp-kelp' already exists")


def test_register_for_an_unknown_party_is_rejected() -> None:
    adopted().rejects(
        enterprise(party="korea"), "party: 'korea' is not a party of regime 'seed' v1"
    )


def test_register_for_a_category_the_regime_lacks_is_rejected() -> None:
    adopted().rejects(
        enterprise(categories=["aquaculture", "mining"]),
        r"categories\[1\]: regime 'seed' v1 has no category 'mining'",
    )


def test_register_at_an_unknown_place_is_rejected() -> None:
    adopted().rejects(
        enterprise(registered_address={"place": "etorofu"}),
        "registered_address.place: 'etorofu' is not a place ref of regime 'seed' v1",
    )


def test_register_with_a_point_outside_the_place_is_rejected() -> None:
    adopted().rejects(
        enterprise(registered_address={"place": "shikotan", "point": ["147.84", "45.05"]}),
        r"registered_address.point: \[147.84, 45.05\] does not lie in 'shikotan'",
    )


def test_amend_replaces_names_address_categories() -> None:
    log = world()
    log.apply(amend_enterprise(categories=["aquaculture", "greenhouse", "tourism"]))
    e = log.state.enterprises["jp-aqua"]
    assert e.names["en"] == "Nemuro Fisheries"
    assert e.categories == ("aquaculture", "greenhouse", "tourism")
    assert [ev.act_type for ev in e.history] == ["enterprise.register", "enterprise.amend"]


def test_amend_an_unknown_enterprise_is_rejected() -> None:
    world().rejects(amend_enterprise("nobody"), "enterprise: no enterprise 'nobody' is registered")


def test_amend_cannot_drop_a_category_a_live_project_needs() -> None:
    world().rejects(
        amend_enterprise(categories=["greenhouse"]),
        "categories: 'aquaculture' is still needed by project 'shikotan-scallops'",
    )


def test_deregister_then_every_use_is_rejected() -> None:
    log = world()
    log.apply(deregister("jp-tour"))
    assert log.state.enterprises["jp-tour"].status == "deregistered"
    log.rejects(deregister("jp-tour"), "enterprise: enterprise 'jp-tour' was deregistered")
    log.rejects(amend_enterprise("jp-tour"), "enterprise 'jp-tour' was deregistered")
    log.rejects(
        participant("jp-guide", "jp-tour"), "enterprise: enterprise 'jp-tour' was deregistered"
    )
    log.rejects(enterprise("jp-tour"), "already exists \\(ids are never reused\\)")


def test_deregister_while_in_a_live_project_is_rejected() -> None:
    world().rejects(
        deregister("jp-aqua"),
        r"enterprise: 'jp-aqua' still takes part in projects not closed: \['shikotan-scallops'\]",
    )


def test_deregister_with_enrolled_participants_is_rejected() -> None:
    log = world()
    log.apply(participant("jp-guide", "jp-tour"))
    log.rejects(deregister("jp-tour"), r"'jp-tour' still has enrolled participants: \['jp-guide'\]")


# -- participants ---------------------------------------------------------------------------------


def test_enrol_records_names_as_given() -> None:
    log = world()
    log.apply(participant())
    p = log.state.participants["jp-diver"]
    assert dict(p.names) == {"ja": "佐藤花子", "ja-Latn": "Sato Hanako"}
    assert (p.party, p.enterprise, p.status) == ("japan", "jp-aqua", "enrolled")


def test_enrol_twice_is_rejected() -> None:
    log = world()
    log.apply(participant())
    log.rejects(participant(), "participant: participant 'jp-diver' already exists")


def test_enrol_with_an_unregistered_enterprise_is_rejected() -> None:
    world().rejects(
        participant(enterprise="jp-ghost"), "enterprise: no enterprise 'jp-ghost' is registered"
    )


def test_enrol_for_an_unknown_party_is_rejected() -> None:
    world().rejects(participant(party="korea"), "party: 'korea' is not a party")


def test_withdraw() -> None:
    log = world()
    log.apply(participant())
    log.apply(withdraw())
    assert log.state.participants["jp-diver"].status == "withdrawn"
    log.rejects(withdraw(), "participant: participant 'jp-diver' has withdrawn")
    log.rejects(
        project("p2", participants=["jp-diver"]),
        r"participants\[0\]: participant 'jp-diver' has withdrawn",
    )


def test_withdraw_unknown_is_rejected() -> None:
    world().rejects(withdraw("nobody"), "participant: no participant 'nobody' is enrolled")


def test_withdraw_while_listed_in_a_live_project_is_rejected() -> None:
    world().rejects(
        withdraw("jp-worker"),
        r"participant: 'jp-worker' is still listed in projects not closed: \['shikotan-scallops'\]",
    )


def test_withdrawn_participant_frees_the_enterprise() -> None:
    log = world()
    log.apply(participant("jp-guide", "jp-tour"))
    log.apply(withdraw("jp-guide"))
    log.apply(deregister("jp-tour"))
    assert log.state.enterprises["jp-tour"].status == "deregistered"
