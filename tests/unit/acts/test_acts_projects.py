"""Projects: joint by construction, in the zone, and through their life cycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from acts_factory import Log, enterprise, project, report, world


def amend(**changes: Any) -> dict[str, Any]:
    data = {k: v for k, v in project("shikotan-scallops").items() if k != "category"}
    return {**data, "type": "project.amend", **changes}


def lifecycle(kind: str, project: str = "shikotan-scallops", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"type": f"project.{kind}", "project": project}
    if kind == "suspend":
        data["reason"] = {"en": "Typhoon season."}
    return {**data, **changes}


def test_approve_records_the_project_and_its_links() -> None:
    log = world()
    p = log.state.projects["shikotan-scallops"]
    assert (p.category, p.status) == ("aquaculture", "active")
    assert dict(p.enterprises) == {"japan": ("jp-aqua",), "russia": ("ru-aqua",)}
    assert p.participants == ("jp-worker", "ru-worker")
    assert p.all_enterprises() == ("jp-aqua", "ru-aqua")
    assert (p.valid_from, p.valid_to) == (
        datetime(2018, 1, 1, tzinfo=UTC),
        datetime(2021, 1, 1, tzinfo=UTC),
    )


def test_approve_twice_is_rejected() -> None:
    world().rejects(
        project("shikotan-scallops"), "project: project 'shikotan-scallops' already exists"
    )


def test_approve_in_a_category_the_regime_lacks_is_rejected() -> None:
    world().rejects(
        project(category="mining"), "category: regime 'seed' v1 has no category 'mining'"
    )


def test_approve_needs_a_title_in_every_language() -> None:
    world().rejects(
        project(title={"ja": "昆布", "en": "Kelp"}),
        r"title: expected a text in every regime language, missing \['ru'\]",
    )
    world().rejects(
        project(title={"ja": "昆布", "en": "Kelp", "ru": "Ламинария", "de": "Seetang"}),
        "title.de: 'de' is not a language of regime 'seed' v1",
    )


def test_approve_with_an_unknown_site_is_rejected() -> None:
    world().rejects(
        project(sites=[{"place": "shikotan"}, {"place": "etorofu"}]),
        r"sites\[1\].place: 'etorofu' is not a place ref of regime 'seed' v1",
    )


def test_approve_with_a_site_outside_the_zone_is_rejected() -> None:
    world().rejects(
        project(sites=[{"place": "nemuro-port"}]),
        r"sites\[0\].place: 'nemuro-port' is outside the zone",
    )


def test_approve_with_a_point_outside_its_place_is_rejected() -> None:
    world().rejects(
        project(sites=[{"place": "shikotan", "point": ["145.9", "44.1"]}]),
        r"sites\[0\].point: \[145.9, 44.1\] does not lie in 'shikotan'",
    )


def test_points_in_sub_places_and_places_without_outlines_are_accepted() -> None:
    log = world()
    log.apply(
        project(
            "habomai-kelp",
            sites=[
                {"place": "habomai", "point": ["146.13", "43.5"]},  # on Shibotsu/Zelyony
                {"place": "akiyuri-anuchina", "point": ["146.01", "43.37"]},  # no outline
                {"place": "shakotan-malokurilskoye", "point": ["146.82", "43.86"]},
            ],
        )
    )


def test_approve_needs_an_enterprise_of_every_party() -> None:
    world().rejects(
        project(enterprises={"japan": ["jp-aqua"]}),
        r"enterprises.russia: missing \(a joint project needs an enterprise of every party\)",
    )


def test_approve_for_an_unregistered_enterprise_is_rejected() -> None:
    world().rejects(
        project(enterprises={"japan": ["jp-aqua", "jp-ghost"], "russia": ["ru-aqua"]}),
        r"enterprises.japan\[1\]: no enterprise 'jp-ghost' is registered",
    )


def test_approve_with_an_enterprise_of_another_party_is_rejected() -> None:
    world().rejects(
        project(enterprises={"japan": ["jp-aqua", "ru-aqua"], "russia": ["ru-aqua"]}),
        r"enterprises.japan\[1\]: enterprise 'ru-aqua' is of party 'russia', not 'japan'",
    )


def test_approve_with_an_enterprise_not_registered_for_the_category_is_rejected() -> None:
    world().rejects(
        project(enterprises={"japan": ["jp-tour"], "russia": ["ru-aqua"]}, participants=[]),
        r"enterprises.japan\[0\]: enterprise 'jp-tour' is not registered for category "
        "'aquaculture'",
    )


def test_approve_with_an_enterprise_of_no_party_is_rejected() -> None:
    world().rejects(
        project(enterprises={"japan": ["jp-aqua"], "russia": ["ru-aqua"], "korea": ["k"]}),
        "enterprises.korea: 'korea' is not a party",
    )


def test_approve_with_a_participant_of_another_enterprise_is_rejected() -> None:
    log = world()
    log.apply(enterprise("jp-aqua-2", categories=["aquaculture"]))
    log.rejects(
        project(enterprises={"japan": ["jp-aqua-2"], "russia": ["ru-aqua"]}),
        r"participants\[0\]: 'jp-worker' works for 'jp-aqua', "
        "which is not an enterprise of this project",
    )


def test_approve_with_an_unknown_participant_is_rejected() -> None:
    world().rejects(
        project(participants=["jp-worker", "nobody"]),
        r"participants\[1\]: no participant 'nobody' is enrolled",
    )


def test_amend_replaces_terms_and_links() -> None:
    log = world()
    log.apply(amend(participants=["ru-worker"], valid_to="2022-01-01T00:00:00Z"))
    p = log.state.projects["shikotan-scallops"]
    assert p.participants == ("ru-worker",)
    assert p.valid_to == datetime(2022, 1, 1, tzinfo=UTC)
    assert [e.act_type for e in p.history] == ["project.approve", "project.amend"]
    # jp-worker is free to withdraw now
    log.apply({"type": "participant.withdraw", "participant": "jp-worker"})


def test_amend_an_unknown_project_is_rejected() -> None:
    world().rejects(amend(project="nothing"), "project: no project 'nothing' has been approved")


def test_amend_a_closed_project_is_rejected() -> None:
    log = world()
    log.apply(lifecycle("close"))
    log.rejects(amend(), "project: 'shikotan-scallops' is closed")


def test_amend_must_keep_covering_submitted_reports() -> None:
    log = world()
    log.apply(report())
    log.rejects(
        amend(valid_from="2019-01-01T00:00:01Z"),
        "valid_from: report 'r-2019-q1' already covers 2019-01-01, which begins before "
        "2019-01-01T00:00:01Z",
    )
    # The report's last day runs to midnight, so a validity ending during it would cut it short.
    log.rejects(
        amend(valid_to="2019-03-31T23:59:59Z"),
        "valid_to: report 'r-2019-q1' already covers 2019-03-31, which ends after "
        "2019-03-31T23:59:59Z",
    )
    log.apply(amend(valid_from="2019-01-01T00:00:00Z", valid_to="2019-04-01T00:00:00Z"))


def _status(log: Log) -> str:
    return log.state.projects["shikotan-scallops"].status


def test_suspend_resume_close() -> None:
    log = world()
    log.apply(lifecycle("suspend"))
    assert _status(log) == "suspended"
    log.rejects(
        lifecycle("suspend"), "project: 'shikotan-scallops' is suspended; only an active project"
    )
    log.apply(lifecycle("resume"))
    assert _status(log) == "active"
    log.rejects(
        lifecycle("resume"), "project: 'shikotan-scallops' is active; only a suspended project"
    )
    log.apply(lifecycle("suspend"))
    log.apply(lifecycle("close"))
    p = log.state.projects["shikotan-scallops"]
    assert p.status == "closed"
    assert [e.act_type.removeprefix("project.") for e in p.history] == [
        "approve",
        "suspend",
        "resume",
        "suspend",
        "close",
    ]
    log.rejects(lifecycle("close"), "project: 'shikotan-scallops' is closed")
    log.rejects(lifecycle("resume"), "project: 'shikotan-scallops' is closed")


def test_closing_frees_enterprises_and_participants() -> None:
    log = world()
    log.apply(lifecycle("close"))
    log.apply({"type": "participant.withdraw", "participant": "jp-worker"})
    log.apply({"type": "enterprise.deregister", "enterprise": "jp-aqua"})


def test_lifecycle_of_an_unknown_project_is_rejected() -> None:
    world().rejects(
        lifecycle("suspend", "nothing"), "project: no project 'nothing' has been approved"
    )


def test_reasons_must_be_in_regime_languages() -> None:
    world().rejects(
        lifecycle("suspend", reason={"fr": "Tempête."}), "reason.fr: 'fr' is not a language"
    )
