"""Committee decisions and incidents: raised by one party, resolved jointly."""

from __future__ import annotations

from typing import Any

from acts_factory import OFFICERS, decision, incident, world

from jointzone.acts import parse_act


def resolve(incident: str = "i-1", **changes: Any) -> dict[str, Any]:
    return {
        "type": "incident.resolve",
        "incident": incident,
        "resolution": {
            "ja": "共同で修理した。",
            "ru": "Отремонтировано совместно.",
            "en": "Repaired jointly.",
        },
        **changes,
    }


def test_decide_records_the_decision() -> None:
    log = world()
    log.apply(decision())
    d = log.state.decisions["d-1"]
    assert d.concerns == (("project", "shikotan-scallops"),)
    assert d.text["ru"] == "Текст решения"


def test_decide_twice_is_rejected() -> None:
    log = world()
    log.apply(decision())
    log.rejects(decision(), "decision: decision 'd-1' already exists")


def test_decision_text_in_every_language() -> None:
    world().rejects(
        decision(text={"en": "Decision text"}),
        r"text: expected a text in every regime language, missing \['ja', 'ru'\]",
    )
    world().rejects(
        decision(subject={"ja": "議題"}), r"subject: expected a text in every regime language"
    )


def test_decision_about_an_unknown_record_is_rejected() -> None:
    world().rejects(
        decision(
            concerns=[{"kind": "enterprise", "id": "jp-aqua"}, {"kind": "incident", "id": "i-9"}]
        ),
        r"concerns\[1\]: there is no incident 'i-9'",
    )


def test_decision_meeting_after_recording_is_rejected() -> None:
    world().rejects(
        decision(meeting_date="2019-06-02"),
        "meeting_date: 2019-06-02 is after the day of recording \\(2019-06-01\\)",
    )


def test_incident_raised_by_one_party_resolved_by_both() -> None:
    log = world()
    log.apply(incident())
    i = log.state.incidents["i-1"]
    assert (i.status, i.reported_by, i.project) == ("open", "russia", "shikotan-scallops")
    log.apply(resolve())
    i = log.state.incidents["i-1"]
    assert i.status == "resolved"
    assert i.resolution is not None
    assert i.resolution["en"] == "Repaired jointly."
    assert [e.act_type for e in i.history] == ["incident.report", "incident.resolve"]


def test_incident_reported_twice_is_rejected() -> None:
    log = world()
    log.apply(incident())
    log.rejects(
        incident(), "incident: incident 'i-1' already exists", {"russia": OFFICERS["russia"]}
    )


def test_reporting_party_must_have_signed() -> None:
    world().rejects(
        incident(reported_by="japan"),
        r"reported_by: 'japan' did not sign this act \(signed by \['russia'\]\)",
        {"russia": OFFICERS["russia"]},
    )


def test_incident_at_an_unknown_place_is_rejected() -> None:
    world().rejects(
        incident(place={"place": "kuril-islands"}),
        "place.place: 'kuril-islands' is not a place ref",
        {"russia": OFFICERS["russia"]},
    )


def test_incident_in_the_future_is_rejected() -> None:
    world().rejects(
        incident(occurred_at="2019-06-01T23:30:00Z"),
        "occurred_at: 2019-06-01T23:30:00Z is after the act's time",
        {"russia": OFFICERS["russia"]},
    )


def test_incident_for_an_unknown_project_is_rejected() -> None:
    world().rejects(
        incident(project="nothing"),
        "project: no project 'nothing' has been approved",
        {"russia": OFFICERS["russia"]},
    )


def test_resolving_unknown_or_resolved_incidents_is_rejected() -> None:
    log = world()
    log.rejects(resolve("i-9"), "incident: no incident 'i-9' has been reported")
    log.apply(incident())
    log.apply(resolve())
    log.rejects(resolve(), "incident: 'i-1' is already resolved")


def test_incident_without_a_project() -> None:
    log = world()
    act = parse_act(incident(project=None))
    log.apply(act.to_data())
    assert log.state.incidents["i-1"].project is None
