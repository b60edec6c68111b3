"""Reports: the category's indicators, for an active project, within its validity, no overlaps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from acts_factory import project, report, world


def period(start: str, end: str) -> dict[str, str]:
    return {"start": start, "end": end}


def test_submit_records_the_figures() -> None:
    log = world()
    log.apply(report())
    r = log.state.reports["r-2019-q1"]
    assert r.indicators == {"harvest": {"scallop": Decimal("12.5"), "kelp": Decimal("3.125")}}
    assert (str(r.start), str(r.end), r.project) == (
        "2019-01-01",
        "2019-03-31",
        "shikotan-scallops",
    )
    assert log.state.reports_of("shikotan-scallops") == (r,)


def test_reports_of_a_project_are_in_period_order() -> None:
    log = world()
    log.apply(report("r2", period=period("2019-04-01", "2019-04-30")))
    log.apply(report("r1", period=period("2019-01-01", "2019-03-31")))
    assert [r.id for r in log.state.reports_of("shikotan-scallops")] == ["r1", "r2"]


def test_submit_twice_is_rejected() -> None:
    log = world()
    log.apply(report())
    log.rejects(
        report(period=period("2019-04-01", "2019-04-30")),
        "report: report 'r-2019-q1' already exists",
    )


def test_overlapping_periods_are_rejected() -> None:
    log = world()
    log.apply(report("r1", period=period("2019-01-01", "2019-01-31")))
    log.apply(report("r3", period=period("2019-03-01", "2019-03-31")))
    log.rejects(
        report("r2", period=period("2019-01-31", "2019-02-10")),
        r"period: 2019-01-31..2019-02-10 overlaps report 'r1' \(2019-01-01..2019-01-31\)",
    )
    log.rejects(report("r2", period=period("2019-02-10", "2019-03-01")), "overlaps report 'r3'")
    log.rejects(report("r2", period=period("2018-12-01", "2019-04-30")), "overlaps report")
    log.apply(report("r2", period=period("2019-02-01", "2019-02-28")))


def test_report_for_an_unknown_project_is_rejected() -> None:
    world().rejects(report(project="nothing"), "project: no project 'nothing' has been approved")


def test_report_for_a_suspended_project_is_rejected() -> None:
    log = world()
    log.apply(
        {"type": "project.suspend", "project": "shikotan-scallops", "reason": {"en": "Storm."}}
    )
    log.rejects(
        report(),
        "project: 'shikotan-scallops' is suspended; reports are accepted only for an active",
    )


def test_report_for_a_closed_project_is_rejected() -> None:
    log = world()
    log.apply({"type": "project.close", "project": "shikotan-scallops"})
    log.rejects(
        report(), "project: 'shikotan-scallops' is closed; reports are accepted only for an active"
    )


def test_report_period_outside_validity_is_rejected() -> None:
    world().rejects(
        report(period=period("2017-12-01", "2018-01-31")),
        r"period: 2017-12-01..2018-01-31 is outside the project's validity "
        r"2018-01-01T00:00:00Z..2021-01-01T00:00:00Z",
    )


def test_report_period_covers_its_days_whole() -> None:
    log = world()
    log.apply(
        project(
            "midday-kelp",
            valid_from="2019-01-01T12:00:00Z",
            valid_to="2019-03-31T12:00:00Z",
            participants=[],
        )
    )
    # A period's first and last days are whole days, half of each outside this validity.
    log.rejects(
        report("r1", project="midday-kelp", period=period("2019-01-01", "2019-01-31")),
        "outside the project's validity 2019-01-01T12:00:00Z",
    )
    log.rejects(
        report("r1", project="midday-kelp", period=period("2019-03-01", "2019-03-31")),
        "outside the project's validity",
    )
    log.apply(report("r1", project="midday-kelp", period=period("2019-01-02", "2019-03-30")))


def test_report_period_after_submission_is_rejected() -> None:
    world().rejects(
        report(period=period("2019-05-01", "2019-06-30")),
        "period.end: 2019-06-30 is after the day the report is submitted \\(2019-06-01\\)",
    )


def _tourism_world() -> Any:
    log = world()
    log.apply(
        project(
            "pilot-tour",
            category="tourism",
            enterprises={"japan": ["jp-tour"], "russia": ["ru-tour"]},
            participants=[],
            sites=[{"place": "furukamappu-yuzhno-kurilsk"}, {"place": "etorofu-iturup"}],
        )
    )
    return log


def test_integer_indicator() -> None:
    log = _tourism_world()
    log.apply(report("tour-1", "pilot-tour", indicators={"visitors": 33}))
    assert log.state.reports["tour-1"].indicators == {"visitors": 33}
    log.rejects(
        report(
            "tour-2",
            "pilot-tour",
            period=period("2019-04-01", "2019-04-30"),
            indicators={"visitors": "33"},
        ),
        "indicators.visitors: expected an integer number of persons, got the decimal string '33'",
    )


def test_indicator_of_another_category_is_rejected() -> None:
    world().rejects(
        report(indicators={"harvest": {"scallop": "1"}, "visitors": 3}),
        r"indicators.visitors: not an indicator of category 'aquaculture' "
        r"\(its indicators: \['harvest'\]\)",
    )


def test_missing_indicator_is_rejected() -> None:
    world().rejects(
        report(indicators={}),
        r"indicators.harvest: missing \(category 'aquaculture' reports it, in t\)",
    )


def test_breakdown_expected() -> None:
    world().rejects(
        report(indicators={"harvest": "12.5"}),
        r"indicators.harvest: expected figures by species \(a mapping\), got one figure",
    )


def test_decimal_indicator_refuses_integers_and_too_many_places() -> None:
    log = world()
    log.rejects(
        report(indicators={"harvest": {"scallop": 12}}),
        "indicators.harvest.scallop: expected t as a decimal string such as '12.5', got the "
        "integer 12",
    )
    log.rejects(
        report(indicators={"harvest": {"scallop": "12.5001"}}),
        "indicators.harvest.scallop: expected at most 3 decimal places of t, got '12.5001'",
    )


def test_greenhouse_has_area_and_yield_by_crop() -> None:
    log = world()
    log.apply(
        project(
            "greenhouse",
            category="greenhouse",
            sites=[{"place": "furukamappu-yuzhno-kurilsk"}],
        )
    )
    log.apply(
        report(
            "gh-1",
            "greenhouse",
            indicators={
                "area": {"tomato": "1200.5", "cucumber": "800"},
                "yield": {"tomato": "3.2"},
            },
        )
    )
    log.rejects(
        report(
            "gh-2", "greenhouse", period=period("2019-04-01", "2019-04-30"), indicators={"area": {}}
        ),
        "indicators.yield: missing",
    )
