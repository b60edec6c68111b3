"""Charts: bars as tall as their values, stacks that add up, the caller's words and numbers only.

The SVG is parsed as XML and measured; the series are computed from a log the acts factory
builds, so they are the record's own figures.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import acts_factory
import pytest

from jointzone.consent import CommittedEntry
from jointzone.regime import Regime
from jointzone.web._charts import (
    Chart,
    Row,
    acts_per_month,
    indicator_labels,
    indicators_over_time,
    line_chart,
    nice_ticks,
    people_per_month,
    stacked_bar_chart,
)

SEED = Path(__file__).resolve().parents[3] / "regimes" / "seed"
NS = {"s": "http://www.w3.org/2000/svg"}
S = "{http://www.w3.org/2000/svg}"

ROWS: list[Row] = [
    ("2019-05", {"enterprise": 4, "project": 1}),
    ("2019-06", {"project": 2, "report": 3}),
    ("2019-07", {}),
    ("2019-08", {"report": 1, "certificate": 10}),
]
LABELS = {"enterprise": "企業", "project": "事業", "report": "報告", "certificate": "証明書"}


def bars(rows: list[Row] = ROWS, **kwargs: object) -> Chart:
    options: dict[str, object] = {
        "title": "月別の行為",
        "labels": LABELS,
        "x_heading": "月",
        "empty": "データなし",
        **kwargs,
    }
    return stacked_bar_chart(rows, **options)  # type: ignore[arg-type]


def segments(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//s:rect[@data-series]", NS)


def heights(root: ET.Element) -> dict[tuple[str, str], float]:
    """Each segment's height, by (x, series)."""
    out = {}
    for bar in root.iterfind(".//s:g[@data-total]", NS):
        for rect in bar.iterfind("s:rect", NS):
            out[(bar.get("data-x", ""), rect.get("data-series", ""))] = float(
                rect.get("height", "")
            )
    return out


# -- stacked bars ---------------------------------------------------------------------------------


def test_bar_heights_are_proportional_to_their_values() -> None:
    root = ET.fromstring(bars().svg)
    h = heights(root)
    assert len(h) == 6  # no segment for a zero
    per_unit = h[("2019-05", "enterprise")] / 4
    for (x, series), height in h.items():
        value = dict(ROWS)[x][series]
        assert height == pytest.approx(float(value) * per_unit, abs=0.11)
    # The axis reaches the largest total, not beyond a round tick above it.
    ticks = [float(t.get("data-tick", "")) for t in root.iterfind(".//s:text[@data-tick]", NS)]
    assert ticks == [0, 5, 10, 15]  # 1, 2 or 5 times a power of ten: at most 5 steps
    # And to the scale the axis shows: a gridline per tick, 15 units from 0 to the top.
    grid = [float(g.get("y1", "")) for g in root.iterfind(".//s:g[@data-axis='y']/s:line", NS)]
    assert per_unit == pytest.approx((grid[0] - grid[-1]) / 15, abs=0.01)


def test_stacks_add_up_to_their_totals() -> None:
    root = ET.fromstring(bars().svg)
    baseline = None
    for bar in root.iterfind(".//s:g[@data-total]", NS):
        rects = bar.findall("s:rect", NS)
        total = sum(int(r.get("data-value", "")) for r in rects)
        assert bar.get("data-total") == str(total)
        if not rects:
            assert bar.get("data-x") == "2019-07"
            continue
        # Each segment sits on the one below: the first on the baseline, none apart.
        bottom = float(rects[0].get("y", "")) + float(rects[0].get("height", ""))
        baseline = baseline or bottom
        assert bottom == pytest.approx(baseline, abs=0.11)
        for lower, upper in itertools.pairwise(rects):
            assert float(upper.get("y", "")) + float(upper.get("height", "")) == pytest.approx(
                float(lower.get("y", "")), abs=0.11
            )
        label = bar.find("s:text[@data-total-label]", NS)
        assert label is not None
        assert label.text == str(total)
    table = bars(total="計").table
    assert table.header == ("月", "企業", "事業", "報告", "証明書", "計")
    assert table.rows[1] == ("2019-06", "0", "2", "3", "0", "5")
    assert table.rows[2] == ("2019-07", "0", "0", "0", "0", "0")


def test_the_callers_formatters_write_every_number_and_month() -> None:
    chart = bars(number=lambda d: f"№{d}", x_label=lambda m: f"{m[5:]}月")
    root = ET.fromstring(chart.svg)
    ticks = [t.text or "" for t in root.iterfind(".//s:text[@data-tick]", NS)]
    assert ticks
    assert all(t.startswith("№") for t in ticks)
    totals = [t.text for t in root.iterfind(".//s:text[@data-total-label]", NS)]
    assert totals == ["№5", "№5", "№11"]
    months = [t.text for t in root.iterfind(".//s:g[@data-axis='x']/s:text", NS)]
    assert months == ["05月", "06月", "07月", "08月"]
    assert chart.table.rows[0] == ("05月", "№4", "№1", "№0", "№0")
    titles = [r.findtext("s:title", namespaces=NS) for r in segments(root)]
    assert "05月, 企業: №4" in titles


def test_series_differ_by_pattern_as_well_as_colour_and_the_legend_names_them() -> None:
    root = ET.fromstring(bars(id_prefix="acts").svg)
    patterns = root.findall("s:defs/s:pattern", NS)
    assert [p.get("id") for p in patterns] == ["acts-s0", "acts-s1", "acts-s2", "acts-s3"]
    overlays = {ET.tostring(p[1]) if len(p) > 1 else b"" for p in patterns}
    assert len(overlays) == 4  # one solid, three hatched differently
    fills = {r.get("data-series"): r.get("fill") for r in segments(root)}
    assert fills == {
        "enterprise": "url(#acts-s0)",
        "project": "url(#acts-s1)",
        "report": "url(#acts-s2)",
        "certificate": "url(#acts-s3)",
    }
    legend = [t.text for t in root.iterfind(".//s:g[@data-legend]//s:text", NS)]
    assert legend == ["企業", "事業", "報告", "証明書"]


def test_an_empty_chart_says_so() -> None:
    nothing: list[list[Row]] = [[], [("2019-07", {})]]
    for rows in nothing:
        chart = bars(rows)
        root = ET.fromstring(chart.svg)
        assert root.get("data-empty") == "true"
        assert not segments(root)
        assert root.findtext("s:text[@data-message='empty']", namespaces=NS) == "データなし"
        assert root.findtext("s:title", namespaces=NS) == "月別の行為"
    assert bars([]).table.rows == ()
    empty_lines = line_chart([], title="t", labels={}, x_heading="x", empty="なし")
    assert ET.fromstring(empty_lines.svg).get("data-empty") == "true"


def test_stacked_bars_refuse_negative_values() -> None:
    with pytest.raises(ValueError, match="2019-05 project is -1"):
        bars([("2019-05", {"project": -1})])


def test_many_months_thin_the_labels_not_the_bars() -> None:
    rows: list[Row] = [(f"{2017 + i // 12}-{i % 12 + 1:02d}", {"project": i}) for i in range(36)]
    root = ET.fromstring(bars(rows, x_label=lambda m: f"{m} long label").svg)
    assert len(root.findall(".//s:g[@data-total]", NS)) == 36
    shown = root.findall(".//s:g[@data-axis='x']/s:text", NS)
    assert 1 < len(shown) < 36
    assert shown[0].get("data-x") == "2017-01"


# -- lines ----------------------------------------------------------------------------------------


def test_lines_of_different_units_get_an_axis_each_and_gaps_stay_gaps() -> None:
    rows: list[Row] = [
        ("2019-01-01/2019-03-31", {"area": Decimal("120.5"), "yield": Decimal("3.125")}),
        ("2019-04-01/2019-06-30", {"area": Decimal(130)}),
        ("2019-07-01/2019-09-30", {"area": Decimal(150), "yield": Decimal("4.5")}),
    ]
    chart = line_chart(
        rows,
        title="温室",
        labels={"area": "面積", "yield": "収穫量"},
        units={"area": "m²", "yield": "t"},
        x_heading="期間",
        empty="なし",
    )
    root = ET.fromstring(chart.svg)
    panels = root.findall("s:g[@data-panel]", NS)
    assert [p.get("data-panel") for p in panels] == ["m²", "t"]
    assert [p.findtext("s:text[@data-unit]", namespaces=NS) for p in panels] == ["m²", "t"]
    line = root.find(".//s:g[@data-series='yield']/s:path", NS)
    assert line is not None
    assert line.get("d", "").count("M") == 2  # broken where the second report gave no yield
    points = root.findall(".//s:g[@data-series='yield']/s:g", NS)
    assert [p.get("data-value") for p in points] == ["3.125", "4.5"]
    assert chart.table.header == ("期間", "面積 (m²)", "収穫量 (t)")
    assert chart.table.rows[1] == ("2019-04-01/2019-06-30", "130", "")
    # Told apart by dash and marker shape, not colour alone.
    area = root.find(".//s:g[@data-series='area']/s:path", NS)
    assert area is not None
    assert area.get("stroke-dasharray") != line.get("stroke-dasharray")
    assert ET.tostring(points[0][1]) != ET.tostring(
        root.findall(".//s:g[@data-series='area']/s:g", NS)[0][1]
    )


def test_a_point_stands_at_its_value() -> None:
    rows: list[Row] = [("2019-09", {"n": 40}), ("2019-10", {"n": 10}), ("2019-11", {"n": 0})]
    root = ET.fromstring(
        line_chart(rows, title="t", labels={"n": "人"}, x_heading="月", empty="なし").svg
    )
    ys = [
        float(re.findall(r"[-\d.]+", g.get("transform", ""))[1])
        for g in root.findall(".//s:g[@data-series='n']/s:g", NS)
    ]
    zero, forty = ys[2], ys[0]
    assert ys[1] == pytest.approx(zero + (forty - zero) / 4, abs=0.11)


def test_hostile_labels_are_escaped() -> None:
    chart = bars(labels={"project": "<script>x</script>"}, title="a & b")
    root = ET.fromstring(chart.svg)
    assert "<script" not in chart.svg
    assert root.findtext("s:title", namespaces=NS) == "a & b"
    assert "<script>x</script>" in [
        t.text for t in root.iterfind(".//s:g[@data-legend]//s:text", NS)
    ]


def test_charts_are_deterministic_and_ids_are_checked() -> None:
    assert bars().svg == bars().svg
    with pytest.raises(ValueError, match="id prefix"):
        bars(id_prefix="1 bad")


def test_nice_ticks() -> None:
    assert nice_ticks(Decimal(0), Decimal("3.125")) == [Decimal(n) for n in range(5)]
    assert nice_ticks(Decimal(0), Decimal("0.3")) == [Decimal(n) / 10 for n in range(4)]
    assert nice_ticks(Decimal(0), Decimal(3), integer=True) == [Decimal(n) for n in range(4)]
    assert nice_ticks(Decimal(0), Decimal("0.3"), integer=True) == [Decimal(0), Decimal(1)]
    assert nice_ticks(Decimal(-3), Decimal(8)) == [Decimal(n) for n in (-5, 0, 5, 10)]
    assert nice_ticks(Decimal(-3), Decimal(7)) == [Decimal(n) for n in range(-4, 10, 2)]
    assert nice_ticks(Decimal(0), Decimal(0)) == [Decimal(n) / 5 for n in range(6)]


# -- series from the record -----------------------------------------------------------------------


def test_acts_per_month_counts_each_months_acts_by_family() -> None:
    factory = acts_factory
    log = factory.adopted()  # regime.adopt and two official.appoint in June 2019
    log.time = datetime(2019, 8, 31, 23, 59, tzinfo=UTC)
    log.apply(factory.enterprise("jp-aqua", "japan"))
    log.time = datetime(2019, 9, 1, 0, 0, tzinfo=UTC)
    log.apply(factory.enterprise("ru-aqua", "russia"))
    entries = [
        CommittedEntry(time=time, act=data, act_id=act_id, kids=())
        for data, _signers, time, act_id in log.entries
    ]
    assert acts_per_month(entries) == [
        ("2019-06", {"regime": 1, "official": 2}),
        ("2019-07", {}),
        ("2019-08", {"enterprise": 1}),
        ("2019-09", {"enterprise": 1}),
    ]
    assert acts_per_month([]) == []


def test_people_per_month_counts_enrolments_and_the_people_who_crossed() -> None:
    factory = acts_factory
    log = factory.world()  # two participants enrolled in June 2019
    log.apply(factory.key_act("japan", "cert-japan"))
    log.apply(factory.key_act("russia", "cert-russia"))
    log.apply(factory.issue("c-1"))
    log.apply(factory.issue("c-2", participant="ru-worker"))
    log.time = datetime(2019, 6, 28, tzinfo=UTC)  # crossings are recorded after they happen
    log.apply(factory.crossing("manifest", time="2019-06-20T08:00:00Z"))
    log.apply(factory.crossing("record", time="2019-06-25T08:00:00Z"))
    rows = people_per_month(log.state)
    assert rows == [("2019-06", {"participants": 2, "movements": 3})]
    chart = line_chart(rows, title="t", labels={}, x_heading="月", empty="なし")
    assert [h for h in chart.table.header] == ["月", "participants", "movements"]


def test_a_projects_indicators_over_time_total_their_breakdowns() -> None:
    factory = acts_factory
    log = factory.world()
    log.apply(factory.report("r1"))
    log.apply(
        factory.report(
            "r2",
            period={"start": "2019-04-01", "end": "2019-04-30"},
            indicators={"harvest": {"scallop": "20"}},
        )
    )
    assert indicators_over_time(log.state, "shikotan-scallops") == [
        ("2019-01-01/2019-03-31", {"harvest": Decimal("15.625")}),
        ("2019-04-01/2019-04-30", {"harvest": Decimal(20)}),
    ]
    names, units = indicator_labels(Regime.from_dir(SEED), "greenhouse", "ja", unit=str.upper)
    assert names == {"area": "栽培面積", "yield": "収穫量"}
    assert units == {"area": "M2", "yield": "T"}
