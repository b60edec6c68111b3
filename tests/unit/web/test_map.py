"""The zone map: every island and place drawn, named with every party's names, and nothing else.

The SVG is parsed as XML and read back: what the page gets is what is checked.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import acts_factory
import pytest

from jointzone.neutrality import RenderError
from jointzone.regime import Outline, Regime, UnknownRefError
from jointzone.web._map import (
    MIN_STEP,
    MapWords,
    Marker,
    Projection,
    markers_of,
    outline_path,
    zone_frame,
    zone_map,
)

SEED = Path(__file__).resolve().parents[3] / "regimes" / "seed"
NS = {"s": "http://www.w3.org/2000/svg"}
S = "{http://www.w3.org/2000/svg}"

# Every word the map may show besides the places' names, none of it English: a test below shows
# that no other word reaches the output.
WORDS = MapWords(
    title="題名",
    summary="概要。",
    islands="島々：%(names)s。",
    places="他の場所：%(names)s。",
    beyond="地図の外：%(names)s。",
    project_sites="事業地：%(names)s。",
    sea_crossings="海路の出入地点：%(names)s。",
    air_crossings="空路の出入地点：%(names)s。",
    legend="凡例",
    island="島",
    other_land="他の陸地",
    place="場所",
    direction="地図の外の場所の方向",
    project="事業地",
    sea="海路",
    air="空路",
    marker="%(kind)s：%(place)s",
    marker_label="%(kind)s：%(place)s（%(label)s）",
)


@functools.cache
def seed() -> Regime:
    return Regime.from_dir(SEED)


@functools.cache
def seed_markers() -> tuple[Marker, ...]:
    """The seed regime's crossing points and the acts factory's project on Shikotan."""
    return markers_of(seed(), acts_factory.world().state, "en")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def group(root: ET.Element, ref: str) -> ET.Element:
    found = root.findall(f".//s:g[@data-ref='{ref}']", NS)
    assert len(found) == 1, f"expected one group for {ref!r}, found {len(found)}"
    return found[0]


def label(root: ET.Element, ref: str) -> ET.Element:
    text = group(root, ref).find("s:text", NS)
    assert text is not None
    return text


def path_points(d: str) -> list[tuple[float, float]]:
    """Every point of a path's data as this module writes it (M, L, z)."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def translate(element: ET.Element) -> tuple[float, float]:
    m = re.fullmatch(r"translate\((\S+) (\S+)\)", element.get("transform", ""))
    assert m, element.get("transform")
    return (float(m.group(1)), float(m.group(2)))


# -- what is drawn --------------------------------------------------------------------------------


def test_every_island_is_drawn_by_its_ref_and_every_other_place_as_a_point() -> None:
    regime = seed()
    root = parse(zone_map(regime, "en", WORDS))
    islands = root.find("s:g[@data-layer='islands']", NS)
    places = root.find("s:g[@data-layer='places']", NS)
    assert islands is not None
    assert places is not None
    outlined = [o.ref for o in regime.gazetteer.outlines if o.kind == "island"]
    assert [g.get("data-ref") for g in islands.findall("s:g", NS)] == outlined
    for ref in outlined:
        path = group(islands, ref).find("s:path", NS)
        assert path is not None
        assert len(path_points(path.get("d", ""))) >= 3
    # Every place is drawn once: an outline, or in the places layer.
    others = [p.ref for p in regime.gazetteer if p.ref not in outlined]
    assert [g.get("data-ref") for g in places.findall("s:g", NS)] == others
    assert group(places, "akiyuri-anuchina").find("s:circle", NS) is not None  # no outline
    # Habomai is drawn by its islands: a label, no dot of its own.
    assert group(places, "habomai").find("s:circle", NS) is None
    context = root.find("s:g[@data-layer='context']/s:g[@data-ref='nemuro-peninsula']", NS)
    assert context is not None


def test_labels_carry_every_partys_names_in_the_regimes_order_and_one_where_they_agree() -> None:
    regime = seed()
    expected = {
        "en": {"etorofu-iturup": "Etorofu/Iturup", "shikotan": "Shikotan"},
        "ja": {"etorofu-iturup": "択捉島/イトゥルップ島", "shikotan": "色丹島"},
        "ru": {"etorofu-iturup": "Итуруп/Эторофу", "shikotan": "Шикотан"},
    }
    for language, names in expected.items():
        root = parse(zone_map(regime, language, WORDS))
        assert root.get("lang") == language
        for ref, name in names.items():
            text = label(root, ref)
            assert text.text == name
            assert text.get("lang") == language
            assert group(root, ref).findtext("s:title", namespaces=NS) == name
        # A settlement too, and a place outside the zone that both name alike.
        assert label(root, "nemuro-port").text == regime.gazetteer.place("nemuro-port").name(
            "japan", language
        )
    root = parse(zone_map(regime, "en", WORDS))
    assert label(root, "furukamappu-yuzhno-kurilsk").text == "Furukamappu/Yuzhno-Kurilsk"


def test_no_word_reaches_the_map_but_the_callers_and_the_places_names() -> None:
    root = parse(zone_map(seed(), "ja", WORDS, markers=seed_markers()))
    texts = [e.text or "" for e in root.iter() if e.tag in (f"{S}text", f"{S}title", f"{S}desc")]
    assert texts
    # In Japanese every place name is Japanese, so any Latin word would be the map's own.
    latin = [t for t in texts if re.search(r"[A-Za-z]{2,}", t.replace("Kelp farming", ""))]
    assert not latin, latin
    legend = root.find("s:g[@data-layer='legend']", NS)
    assert legend is not None
    assert [t.text for t in legend.iter(f"{S}text")] == [
        "島",
        "他の陸地",
        "場所",
        "地図の外の場所の方向",
        "事業地",
        "海路",
        "空路",
    ]


# -- where it is drawn ----------------------------------------------------------------------------


def _centre(root: ET.Element, ref: str) -> tuple[float, float]:
    path = group(root, ref).find("s:path", NS)
    assert path is not None
    points = path_points(path.get("d", ""))
    return (sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points))


def test_the_projection_keeps_etorofu_north_east_of_shikotan_and_kunashiri_west() -> None:
    root = parse(zone_map(seed(), "en", WORDS))
    etorofu, shikotan = _centre(root, "etorofu-iturup"), _centre(root, "shikotan")
    kunashiri = _centre(root, "kunashiri-kunashir")
    assert etorofu[0] > shikotan[0]
    assert etorofu[1] < shikotan[1]  # SVG's y grows southward
    assert kunashiri[0] < shikotan[0]
    assert kunashiri[1] < shikotan[1]


def test_a_degree_of_longitude_is_cos_latitude_of_a_degree_of_latitude() -> None:
    p = Projection.fit((145.0, 43.0, 149.0, 47.0), width=1000, margin=20)
    x0, y0 = p(145.0, 45.0)
    x1, _ = p(146.0, 45.0)
    _, y1 = p(145.0, 44.0)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(math.cos(math.radians(45.0)))
    assert p(145.0, 47.0) == pytest.approx((20, 20))  # the frame's north-west corner
    assert p(149.0, 43.0)[0] == pytest.approx(980)


def test_the_frame_fits_the_zone_and_the_viewbox_contains_it() -> None:
    regime = seed()
    root = parse(zone_map(regime, "en", WORDS))
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    for g in root.findall(".//s:g[@data-layer='islands']/s:g", NS):
        path = g.find("s:path", NS)
        assert path is not None
        for x, y in path_points(path.get("d", "")):
            assert 0 <= x <= width
            assert 0 <= y <= height
    # Korsakov, on Sakhalin, lies beyond: an arrow at the edge, pointing north-west.
    korsakov = group(root, "korsakov")
    assert korsakov.get("data-beyond") == "true"
    arrow = korsakov.find("s:path", NS)
    assert arrow is not None
    m = re.fullmatch(r"translate\((\S+) (\S+)\) rotate\((\S+)\)", arrow.get("transform", ""))
    assert m
    x, y, angle = (float(v) for v in m.groups())
    assert 0 <= x <= width
    assert 0 <= y <= height
    assert -180 < angle < -90  # up and to the left
    west, south, east, north = zone_frame(regime)
    assert not (west <= 142.78 <= east and south <= 46.63 <= north)


def test_markers_stand_at_their_places_coordinates() -> None:
    regime = seed()
    markers = seed_markers()
    kinds = [(m.place, m.kind) for m in markers]
    assert kinds == [
        ("nemuro-port", "crossing-sea"),
        ("furukamappu-yuzhno-kurilsk", "crossing-sea"),
        ("shana-kurilsk", "crossing-sea"),
        ("tennei-burevestnik", "crossing-air"),
        ("shikotan", "project"),
    ]
    root = parse(zone_map(regime, "en", WORDS, markers=markers))
    project = Projection.fit(zone_frame(regime, markers))
    for ref in ("nemuro-port", "shana-kurilsk", "tennei-burevestnik"):
        (marker,) = group(root, ref).findall("s:g[@data-marker]", NS)
        assert translate(marker) == pytest.approx(
            project(*regime.gazetteer.place(ref).centre), abs=0.051
        )
        dot = group(root, ref).find("s:circle", NS)
        assert dot is not None
        assert (float(dot.get("cx", "")), float(dot.get("cy", ""))) == pytest.approx(
            translate(marker), abs=0.11
        )
    # The project's site is the point its act gives, on Shikotan.
    (site,) = group(root, "shikotan").findall("s:g[@data-marker='project']", NS)
    assert translate(site) == pytest.approx(project(146.75, 43.8), abs=0.051)
    assert site.findtext("s:title", namespaces=NS) == "事業地：Shikotan（Kelp farming）"
    shapes = {
        m.get("data-marker"): ET.tostring(m[1]) for m in root.iterfind(".//s:g[@data-marker]", NS)
    }
    assert len(set(shapes.values())) == 3  # three kinds, three shapes: not colour alone


def test_markers_at_one_point_are_spread_so_none_hides_another() -> None:
    markers = (
        Marker("nemuro-port", "crossing-sea"),
        Marker("nemuro-port", "project", "A"),
    )
    root = parse(zone_map(seed(), "en", WORDS, markers=markers))
    first, second = (translate(m) for m in group(root, "nemuro-port").findall("s:g", NS))
    assert second[1] == first[1]
    assert second[0] - first[0] >= 12


def test_a_closed_project_has_no_marker() -> None:
    factory = acts_factory
    log = factory.world()
    log.apply({"type": "project.close", "project": "shikotan-scallops", "reason": None})
    assert [m.kind for m in markers_of(seed(), log.state, "en")].count("project") == 0


# -- text, size, determinism ----------------------------------------------------------------------


def test_hostile_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & \x01'
    words = dataclasses.replace(WORDS, title=hostile)
    svg = zone_map(seed(), "en", words, markers=[Marker("shikotan", "project", hostile)])
    assert "<script" not in svg
    root = parse(svg)
    assert not list(root.iter("script"))
    assert not list(root.iter(f"{S}script"))
    assert root.findtext("s:title", namespaces=NS) == '<script>alert("x")</script> & \ufffd'
    (site,) = group(root, "shikotan").findall("s:g[@data-marker]", NS)
    assert "<script>" in (site.findtext("s:title", namespaces=NS) or "")


def test_the_seed_map_is_small() -> None:
    svg = zone_map(seed(), "ru", WORDS, markers=seed_markers())
    assert len(svg.encode()) < 40_000
    root = parse(svg)
    outlines = root.findall("s:g[@data-layer='islands']/s:g/s:path", NS)
    outlines += root.findall("s:g[@data-layer='context']/s:g/s:path", NS)
    assert len(outlines) == 8
    numbers = re.findall(r"-?[\d.]+", " ".join(p.get("d", "") for p in outlines))
    assert all(re.fullmatch(r"-?\d+(\.\d)?", n) for n in numbers)  # one decimal at most
    # Drawn smaller, the outlines lose the points no one could see.
    assert _outline_points(zone_map(seed(), "ru", WORDS, width=300)) < 0.8 * _outline_points(svg)


def _outline_points(svg: str) -> int:
    paths = parse(svg).findall("s:g[@data-layer='islands']/s:g/s:path", NS)
    return sum(len(path_points(p.get("d", ""))) for p in paths)


def test_points_within_a_unit_of_the_last_kept_are_dropped() -> None:
    # A square of side 1 degree, its sides walked in steps of 0.002 degree (0.2-0.3 units).
    side = [i / 500 for i in range(500)]
    ring = (
        [(145 + t, 44.0) for t in side]
        + [(146.0, 44 + t) for t in side]
        + [(146 - t, 45.0) for t in side]
        + [(145.0, 45 - t) for t in side]
        + [(145.0, 44.0)]
    )
    outline = Outline(ref="square", kind="context", polygons=((tuple(ring),),))
    project = Projection.fit((145.0, 44.0, 146.0, 45.0), width=120, margin=10)
    points = path_points(outline_path(outline, project))
    assert len(points) < len(ring) / 3
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        assert math.hypot(x1 - x0, y1 - y0) >= MIN_STEP - 0.15  # less the rounding to 0.1
    # Corners survive, give or take a unit: the shape is the same.
    for corner in ((145.0, 44.0), (146.0, 44.0), (146.0, 45.0), (145.0, 45.0)):
        x, y = project(*corner)
        assert min(math.hypot(x - px, y - py) for px, py in points) <= MIN_STEP


def test_the_map_is_deterministic() -> None:
    first = zone_map(seed(), "ja", WORDS, markers=seed_markers())
    again = zone_map(Regime.from_dir(SEED), "ja", WORDS, markers=list(seed_markers()))
    assert first == again


def test_the_map_is_an_accessible_image() -> None:
    root = parse(zone_map(seed(), "en", WORDS, markers=seed_markers(), id_prefix="m1"))
    assert root.get("role") == "img"
    assert root[0].tag == f"{S}title"
    assert root.get("aria-labelledby") == "m1-title m1-desc"
    assert root[0].get("id") == "m1-title"
    assert root[1].get("id") == "m1-desc"
    desc = root[1].text or ""
    assert desc.startswith("概要。 島々：Etorofu/Iturup; Kunashiri/Kunashir; Shikotan;")
    assert "海路の出入地点：Nemuro port; Furukamappu/Yuzhno-Kurilsk; Shana/Kurilsk。" in desc
    # Every place and marker has a title of its own.
    for g in root.iterfind(".//s:g[@data-ref]", NS):
        assert g.findtext("s:title", namespaces=NS)
    # No style sheet, no script, nothing fetched.
    assert not [e for e in root.iter() if e.tag in (f"{S}style", f"{S}script", f"{S}image")]
    assert not [e for e in root.iter() if "style" in e.attrib]
    assert "http" not in ET.tostring(root, encoding="unicode").replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_the_description_lists_names_with_the_callers_join() -> None:
    svg = zone_map(seed(), "ja", WORDS, join="、".join)
    desc = parse(svg)[1].text or ""
    assert "島々：択捉島/イトゥルップ島、国後島/クナシル島、色丹島、" in desc


def test_refusals() -> None:
    with pytest.raises(UnknownRefError, match="atlantis"):
        zone_map(seed(), "en", WORDS, markers=[Marker("atlantis", "project")])
    with pytest.raises(RenderError, match="'fr'"):
        zone_map(seed(), "fr", WORDS)
    with pytest.raises(ValueError, match="id prefix"):
        zone_map(seed(), "en", WORDS, id_prefix='x" onload="')
