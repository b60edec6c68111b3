"""The zone map: the regime's outlines and places as one inline SVG, drawn on the node.

Nothing is fetched: no tiles, no scripts, no fonts (the generic ``sans-serif`` family), so the
page works on the islands offline. Every place is named only through the one renderer
(:class:`~jointzone.neutrality.NameRenderer`), with every party's names in the regime's order
for the reader's language, and every other word is the caller's (:class:`MapWords`, translated
by the page's catalogue), so the map says nothing in a language or a party's voice of its own.

Styling is presentation attributes, never a ``<style>`` element or ``style`` attribute: inline
SVG shares the page's CSS namespace, and a strict Content-Security-Policy blocks inline styles
but not presentation attributes.

The projection is equirectangular with longitude scaled by the cosine of the frame's middle
latitude: at these latitudes (43-47°N) its distortion is a few per cent, and a reader can check
every coordinate by hand. Output is deterministic: the same regime, markers and strings give the
same bytes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from jointzone import acts
from jointzone.neutrality import NameRenderer
from jointzone.regime import Outline, Place, Regime

MarkerKind = Literal["project", "crossing-sea", "crossing-air"]
Box = tuple[float, float, float, float]  # (x0, y0, x1, y1) in SVG units, or degrees W S E N

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 1000.0
MARGIN = 24.0
#: Points of an outline closer than this (SVG units, a pixel at the default width) to the last
#: point kept are dropped: they cannot be seen, and they are most of the bytes.
MIN_STEP = 1.0

_SEA = "#eaf2f7"
_LAND = ("#d4e4c4", "#56704a")  # fill, stroke
_CONTEXT = ("#e7e4de", "#aaa397")
_INK = "#222222"
_HALO = 'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
# Okabe-Ito colours, told apart by colour-blind readers; the shapes differ too.
_MARKER_STYLE: dict[str, str] = {
    "project": 'fill="#d55e00" stroke="#ffffff" stroke-width="1.2"',
    "crossing-sea": 'fill="#0072b2" stroke="#ffffff" stroke-width="1.2"',
    "crossing-air": 'fill="#6a3d9a" stroke="#ffffff" stroke-width="1.2"',
}
# Each marker's shape, centred on (0, 0): a square, a circle with a ring, a triangle.
_MARKER_SHAPE: dict[str, str] = {
    "project": '<path d="M-5-5h10v10h-10z"/>',
    "crossing-sea": '<circle r="6"/><circle r="2.2" fill="#ffffff" stroke="none"/>',
    "crossing-air": '<path d="M0-7L6.5 5H-6.5z"/>',
}
_MARKER_RADIUS = 7.0
_ARROW = "M10 0L2-7v4.5h-11v5h11v4.5z"  # points along +x; rotated towards the place beyond the map
_DOT_RADIUS = 3.0
_MARKER_SPACING = 15.0  # between markers drawn at the same point
_FONT = {"island": 14.0, "island-group": 12.0}
_POINT_FONT = 11.0
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# XML 1.0 refuses these code points outright; a hostile label must not make the page unparsable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# -- SVG text -------------------------------------------------------------------------------------


def text(value: str) -> str:
    """``value`` as SVG character data: escaped, and stripped of what XML cannot carry."""
    return escape(_NOT_XML.sub("\ufffd", value))


def attr(value: str) -> str:
    """``value`` as the inside of a double-quoted SVG attribute."""
    return escape(_NOT_XML.sub("\ufffd", value), {'"': "&quot;", "\n": "&#10;", "\t": "&#9;"})


def num(value: float) -> str:
    """A coordinate to one decimal of an SVG unit, as short as it can be written."""
    out = f"{value:.1f}"
    if out.endswith(".0"):
        out = out[:-2]
    return "0" if out == "-0" else out


def text_width(value: str, size: float) -> float:
    """An estimate of the width of ``value`` at font ``size``: enough to keep labels apart.

    No font is measured (none is shipped or fetched): wide East Asian characters count one em,
    others six tenths, which overestimates most sans-serif Latin and Cyrillic a little.
    """
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in value)
    return ems * size


def check_id(value: str) -> str:
    """An id prefix for the SVG's elements: ids share the page's namespace, so callers pick one."""
    if not _ID.match(value):
        raise ValueError(
            f"expected an id prefix of letters, digits, '-' and '_' starting with a letter, "
            f"got {value!r}"
        )
    return value


# -- projection -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projection:
    """Equirectangular, longitude scaled by ``cos`` of the middle latitude, fitted to a frame.

    ``scale`` is SVG units per degree of latitude; a degree of longitude is ``scale * cos_lat``.
    """

    west: float
    north: float
    scale: float
    cos_lat: float
    margin: float
    width: float
    height: float

    @classmethod
    def fit(cls, box: Box, *, width: float = WIDTH, margin: float = MARGIN) -> Projection:
        """The projection drawing ``box`` (west, south, east, north) ``width`` units wide."""
        west, south, east, north = box
        # A frame of one point (or a line) still needs an extent to scale to.
        if east - west < 0.01:
            west, east = west - 0.005, east + 0.005
        if north - south < 0.01:
            south, north = south - 0.005, north + 0.005
        cos_lat = math.cos(math.radians((south + north) / 2))
        scale = (width - 2 * margin) / ((east - west) * cos_lat)
        height = (north - south) * scale + 2 * margin
        return cls(west, north, scale, cos_lat, margin, width, height)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.margin + (lon - self.west) * self.cos_lat * self.scale
        y = self.margin + (self.north - lat) * self.scale
        return (x, y)


def _ring_path(ring: Sequence[tuple[float, float]], project: Projection) -> str:
    """One closed ring as path data, dropping points within :data:`MIN_STEP` of the last kept."""
    points: list[tuple[float, float]] = []
    for lon, lat in ring[:-1]:  # GeoJSON repeats the first position last; ``z`` closes it
        x, y = project(lon, lat)
        if points and math.hypot(x - points[-1][0], y - points[-1][1]) < MIN_STEP:
            continue
        points.append((x, y))
    # Keep the smallest islet visible rather than dropping it: three points at least.
    if len(points) < 3:
        points = [project(lon, lat) for lon, lat in ring[:-1]][:3]
    head, *rest = points
    return f"M{num(head[0])} {num(head[1])}" + "".join(f"L{num(x)} {num(y)}" for x, y in rest) + "z"


def outline_path(outline: Outline, project: Projection) -> str:
    """Every ring of ``outline`` as one path's data (drawn with ``fill-rule="evenodd"``)."""
    return "".join(_ring_path(ring, project) for poly in outline.polygons for ring in poly)


# -- words ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MapWords:
    """Every word the map shows that is not a place's name, already in the reader's language.

    The page builds it with its catalogue (``title=_("Map of the zone")`` and so on), so the
    messages live, are extracted and are translated with the page's. Sentences take
    ``%(names)s`` (a list, written by ``zone_map``'s ``join``); marker titles ``%(kind)s`` (one
    of the marker words), ``%(place)s`` and ``%(label)s``. In English::

        title="Map of the zone"
        summary="A map of the islands of the zone and the places around them."
        islands="Islands: %(names)s."           places="Other places: %(names)s."
        beyond="Beyond the map: %(names)s."     project_sites="Project sites: %(names)s."
        sea_crossings="Crossing points by sea: %(names)s."
        air_crossings="Crossing points by air: %(names)s."
        legend="Legend"     island="Island"     other_land="Other land"     place="Place"
        direction="Direction of a place beyond the map"
        project="Project site"  sea="Crossing point by sea"  air="Crossing point by air"
        marker="%(kind)s: %(place)s"            marker_label="%(kind)s: %(place)s (%(label)s)"
    """

    title: str
    summary: str
    islands: str
    places: str
    beyond: str
    project_sites: str
    sea_crossings: str
    air_crossings: str
    legend: str
    island: str
    other_land: str
    place: str
    direction: str
    project: str
    sea: str
    air: str
    marker: str
    marker_label: str

    def kind(self, kind: str) -> str:
        """The word for a marker's kind."""
        return {"project": self.project, "crossing-sea": self.sea}.get(kind, self.air)


# -- markers --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Marker:
    """Something drawn at a place: a project site or a crossing point.

    ``point`` is ``(longitude, latitude)`` where the act gave one (a project's site); otherwise
    the marker is drawn at the place's centre. ``label`` (already in the reader's language) is
    added to the marker's title, e.g. the project's title.
    """

    place: str
    kind: MarkerKind
    label: str | None = None
    point: tuple[float, float] | None = None


def markers_of(regime: Regime, state: acts.State, language: str) -> tuple[Marker, ...]:
    """The regime's crossing points, then the sites of every project not closed, in log order.

    A project's title is given in the reader's language where it has one, else in the first
    language it has, marked with that language's tag as the registries show it.
    """
    out = [
        Marker(cp.place, "crossing-sea" if cp.kind == "sea" else "crossing-air")
        for cp in regime.crossing_points
    ]
    for project in state.projects.values():
        if not project.live:
            continue
        title = project.title.get(language)
        if title is None and project.title:
            lang, first = next(iter(project.title.items()))
            title = f"[{lang}] {first}"
        for site in project.sites:
            point = None if site.point is None else (float(site.point[0]), float(site.point[1]))
            out.append(Marker(site.place, "project", title, point))
    return tuple(out)


# -- labels ---------------------------------------------------------------------------------------

Anchor = Literal["start", "middle", "end"]


@dataclass(frozen=True, slots=True)
class _Label:
    x: float
    y: float  # the baseline
    anchor: Anchor
    size: float
    box: Box


def _label(x: float, baseline: float, anchor: Anchor, w: float, size: float) -> _Label:
    x0 = x if anchor == "start" else x - w / 2 if anchor == "middle" else x - w
    return _Label(
        x, baseline, anchor, size, (x0, baseline - 0.9 * size, x0 + w, baseline + 0.25 * size)
    )


def _on_area(x: float, y: float, w: float, size: float) -> list[_Label]:
    """Label spots on an area: its centre, then a line and two lines above and below."""
    base, step = y + 0.3 * size, 1.2 * size
    return [_label(x, base + k * step, "middle", w, size) for k in (0, -1, 1, -2, 2)]


def _beside(x: float, y: float, *, hx: float, hy: float, w: float, size: float) -> list[_Label]:
    """Label spots around an object of half-extents ``hx``, ``hy``: right, left, above, below,
    then the corners."""
    gap = 3.0
    mid = y + 0.3 * size
    top, bottom = y - hy - gap - 0.25 * size, y + hy + gap + 0.9 * size
    right, left = x + hx + gap, x - hx - gap
    return [
        _label(right, mid, "start", w, size),
        _label(left, mid, "end", w, size),
        _label(x, top, "middle", w, size),
        _label(x, bottom, "middle", w, size),
        _label(right, top, "start", w, size),
        _label(right, bottom, "start", w, size),
        _label(left, bottom, "end", w, size),
        _label(left, top, "end", w, size),
    ]


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _choose(options: Sequence[_Label], taken: Sequence[Box], frame: Box) -> _Label:
    """The first option clear of everything placed and inside the frame, else the least bad.

    Greedy and in a fixed order, so deterministic; a dense cluster may still overlap a little,
    and every place keeps its name in its ``<title>`` whatever the label does.
    """
    best, best_cost = options[0], math.inf
    for option in options:
        b = option.box
        outside = (
            max(0.0, frame[0] - b[0])
            + max(0.0, b[2] - frame[2])
            + max(0.0, frame[1] - b[1])
            + max(0.0, b[3] - frame[3])
        )
        cost = outside * 1000 + sum(_overlap(b, t) for t in taken)
        if cost == 0:
            return option
        if cost < best_cost:
            best, best_cost = option, cost
    return best


# -- the map --------------------------------------------------------------------------------------

Shape = Literal["outline", "dot", "beyond", "none"]


@dataclass(frozen=True, slots=True)
class _Drawn:
    place: Place
    name: str
    shape: Shape
    at: tuple[float, float]  # the place's centre, or where its arrow points from the edge
    outline: Outline | None = None
    angle: float = 0.0  # of a place beyond the map: the direction it lies in, in degrees
    markers: tuple[tuple[Marker, tuple[float, float]], ...] = ()


def zone_frame(regime: Regime, markers: Sequence[Marker] = ()) -> Box:
    """``(west, south, east, north)`` the map fits: every outline, every place in the zone and
    every marker. Places outside it (Korsakov, on Sakhalin) are shown by an arrow at the edge:
    fitting them would leave the zone a corner of a map of empty sea."""
    g = regime.gazetteer
    lons: list[float] = []
    lats: list[float] = []
    for o in g.outlines:
        w, s, e, n = o.bbox
        lons += [w, e]
        lats += [s, n]
    points = [p.centre for p in g if p.in_zone]
    points += [m.point or g.place(m.place).centre for m in markers]
    lons += [lon for lon, _lat in points]
    lats += [lat for _lon, lat in points]
    return (min(lons), min(lats), max(lons), max(lats))


def _outlined_within(regime: Regime, place: Place) -> bool:
    """Whether an island within ``place`` has an outline: then the group is drawn by its islands."""
    g = regime.gazetteer
    return any(
        o.kind == "island" and o.ref != place.ref and g.is_within(o.ref, place.ref)
        for o in g.outlines
    )


def _edge(x: float, y: float, width: float, height: float) -> tuple[float, float, float]:
    """Where the ray from the map's centre to ``(x, y)`` leaves the map (inset), and its angle."""
    inset = 12.0
    cx, cy = width / 2, height / 2
    dx, dy = x - cx, y - cy
    t = min(
        (width / 2 - inset) / abs(dx) if dx else math.inf,
        (height / 2 - inset) / abs(dy) if dy else math.inf,
    )
    return (cx + dx * t, cy + dy * t, math.degrees(math.atan2(dy, dx)))


def zone_map(
    regime: Regime,
    language: str,
    words: MapWords,
    *,
    markers: Sequence[Marker] = (),
    join: Callable[[Sequence[str]], str] = "; ".join,
    id_prefix: str = "zone-map",
    width: float = WIDTH,
) -> str:
    """The zone as inline SVG for a reader of ``language``.

    Draws the islands' outlines, context outlines (other land, muted), every place without an
    outline as a dot (an island group whose islands are outlined gets its label only; a place
    beyond :func:`zone_frame` an arrow at the edge pointing its way) and ``markers`` (see
    :func:`markers_of`). Each place is a ``<g data-ref=REF data-kind=KIND>`` with its own
    ``<title>`` and a label with every party's names; each marker a ``<g data-marker=KIND>``
    within its place's, translated to where it stands.

    ``words`` are the map's own words (title, description, legend); ``join`` writes a list of
    names in the description (Babel's ``format_list`` for the locale, say). Raises the
    regime's ``UnknownRefError`` for a marker at a place the gazetteer lacks, and the renderer's
    ``RenderError`` for a language the regime has no name order for.
    """
    prefix = check_id(id_prefix)
    renderer = NameRenderer(regime.name_orders)
    renderer.order(language)  # refuse an unknown language before drawing anything
    g = regime.gazetteer
    for m in markers:
        g.place(m.place)
    project = Projection.fit(zone_frame(regime, markers), width=width)
    map_h = project.height

    # Markers at one point are spread along a row, so none hides another.
    by_place: dict[str, list[tuple[Marker, tuple[float, float]]]] = {}
    at_point: dict[tuple[float, float], int] = {}
    for m in markers:
        x, y = project(*(m.point or g.place(m.place).centre))
        key = (round(x, 1), round(y, 1))
        k = at_point.get(key, 0)
        at_point[key] = k + 1
        by_place.setdefault(m.place, []).append((m, (x + k * _MARKER_SPACING, y)))

    drawn: list[_Drawn] = []
    for p in g:
        name = renderer.render(p, language)
        x, y = project(*p.centre)
        outline = g.outline(p.ref)
        here = tuple(by_place.get(p.ref, ()))
        if outline is not None and outline.kind == "island":
            drawn.append(_Drawn(p, name, "outline", (x, y), outline, markers=here))
        elif p.kind == "island-group" and _outlined_within(regime, p):
            drawn.append(_Drawn(p, name, "none", (x, y), markers=here))
        elif not (0 <= x <= width and 0 <= y <= map_h):
            ex, ey, angle = _edge(x, y, width, map_h)
            drawn.append(_Drawn(p, name, "beyond", (ex, ey), angle=angle))
        else:
            drawn.append(_Drawn(p, name, "dot", (x, y), markers=here))
    labels = _labels(drawn, project, width, map_h)

    contexts = [o for o in g.outlines if o.kind == "context"]
    kinds = {m.kind for m in markers}
    beyond = any(d.shape == "beyond" for d in drawn)
    legend, legend_h = _legend(
        kinds,
        context=bool(contexts),
        beyond=beyond,
        width=width,
        top=map_h,
        language=language,
        words=words,
    )

    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    out = [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {num(width)} {num(map_h + legend_h)}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" lang="{attr(language)}" '
        'font-family="sans-serif" data-map="zone">',
        f'<title id="{title_id}">{text(words.title)}</title>',
        f'<desc id="{desc_id}">{text(_description(drawn, markers, words, join))}</desc>',
        f'<rect width="{num(width)}" height="{num(map_h)}" fill="{_SEA}"/>',
    ]
    if contexts:
        out.append(
            f'<g data-layer="context" fill="{_CONTEXT[0]}" stroke="{_CONTEXT[1]}" '
            'stroke-width="0.8" stroke-linejoin="round">'
        )
        out += [
            f'<g data-ref="{attr(o.ref)}" data-kind="context">'
            f"<title>{text(words.other_land)}</title>"
            f'<path fill-rule="evenodd" d="{outline_path(o, project)}"/></g>'
            for o in contexts
        ]
        out.append("</g>")
    out.append(
        f'<g data-layer="islands" fill="{_LAND[0]}" stroke="{_LAND[1]}" stroke-width="1" '
        'stroke-linejoin="round">'
    )
    out += [
        _place_group(d, labels[d.place.ref], project, language, words) for d in drawn if d.outline
    ]
    out.append(f'</g><g data-layer="places" fill="{_INK}">')
    out += [
        _place_group(d, labels[d.place.ref], project, language, words)
        for d in drawn
        if not d.outline
    ]
    out += ["</g>", legend, "</svg>"]
    return "".join(out)


def _labels(
    drawn: Sequence[_Drawn], project: Projection, width: float, height: float
) -> dict[str, _Label]:
    """Where each place's label goes: around the symbols, islands first, largest first."""
    taken: list[Box] = []
    for d in drawn:
        x, y = d.at
        r = {"dot": _DOT_RADIUS + 1, "beyond": 7.0}.get(d.shape)
        if r is not None:
            taken.append((x - r, y - r, x + r, y + r))
        for _m, (mx, my) in d.markers:
            taken.append(
                (mx - _MARKER_RADIUS, my - _MARKER_RADIUS, mx + _MARKER_RADIUS, my + _MARKER_RADIUS)
            )

    def priority(d: _Drawn) -> tuple[int, float]:
        if d.outline is not None:
            w, s, e, n = d.outline.bbox
            return (0, -(e - w) * (n - s))
        return ({"none": 1, "dot": 2, "beyond": 3}[d.shape] - (1 if d.markers else 0), 0.0)

    frame: Box = (2.0, 2.0, width - 2, height - 2)
    labels: dict[str, _Label] = {}
    for d in sorted(drawn, key=priority):  # stable: ties keep the gazetteer's order
        x, y = d.at
        if d.outline is not None:
            x0, y0 = project(d.outline.bbox[0], d.outline.bbox[3])
            x1, y1 = project(d.outline.bbox[2], d.outline.bbox[1])
            size = _FONT["island"]
            w = text_width(d.name, size)
            if x1 - x0 >= w:
                options = _on_area(x, y, w, size)
            else:  # an islet: its name beside it, smaller
                size = _FONT["island-group"]
                w = text_width(d.name, size)
                options = _beside(
                    x, y, hx=max(x - x0, x1 - x), hy=max(y - y0, y1 - y), w=w, size=size
                )
        elif d.shape == "none" and not d.markers:
            size = _FONT["island-group"]
            options = _on_area(x, y, text_width(d.name, size), size)
        else:
            size = _POINT_FONT
            r = 7.0 if d.shape == "beyond" else _DOT_RADIUS + 1
            options = _beside(x, y, hx=r, hy=r, w=text_width(d.name, size), size=size)
        label = _choose(options, taken, frame)
        labels[d.place.ref] = label
        taken.append(label.box)
    return labels


def _place_group(
    d: _Drawn, label: _Label, project: Projection, language: str, words: MapWords
) -> str:
    p = d.place
    parts = [f'<g data-ref="{attr(p.ref)}" data-kind="{attr(p.kind)}"']
    if d.shape == "beyond":
        parts.append(' data-beyond="true"')
    parts.append(f"><title>{text(d.name)}</title>")
    x, y = d.at
    if d.outline is not None:
        parts.append(f'<path fill-rule="evenodd" d="{outline_path(d.outline, project)}"/>')
    elif d.shape == "dot":
        parts.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(_DOT_RADIUS)}"/>')
    elif d.shape == "beyond":
        parts.append(
            f'<path transform="translate({num(x)} {num(y)}) rotate({num(d.angle)})" d="{_ARROW}"/>'
        )
    for m, (mx, my) in d.markers:
        values = {"kind": words.kind(m.kind), "place": d.name, "label": m.label}
        title = (words.marker if m.label is None else words.marker_label) % values
        parts.append(
            f'<g data-marker="{m.kind}" transform="translate({num(mx)} {num(my)})" '
            f"{_MARKER_STYLE[m.kind]}><title>{text(title)}</title>{_MARKER_SHAPE[m.kind]}</g>"
        )
    weight = ' font-weight="bold"' if d.outline is not None else ""
    style = ' font-style="italic"' if p.kind == "island-group" else ""
    parts.append(
        f'<text x="{num(label.x)}" y="{num(label.y)}" text-anchor="{label.anchor}" '
        f'font-size="{num(label.size)}"{weight}{style} lang="{attr(language)}" fill="{_INK}" '
        f"{_HALO}>{text(d.name)}</text></g>"
    )
    return "".join(parts)


def _description(
    drawn: Sequence[_Drawn],
    markers: Sequence[Marker],
    words: MapWords,
    join: Callable[[Sequence[str]], str],
) -> str:
    """What the map shows, in words: ``role="img"`` hides its parts from assistive technology."""
    names = {d.place.ref: d.name for d in drawn}
    parts = [
        words.summary,
        words.islands % {"names": join([d.name for d in drawn if d.outline])},
    ]
    others = [d.name for d in drawn if d.shape in ("dot", "none")]
    if others:
        parts.append(words.places % {"names": join(others)})
    beyond = [d.name for d in drawn if d.shape == "beyond"]
    if beyond:
        parts.append(words.beyond % {"names": join(beyond)})
    for kind, sentence in (
        ("project", words.project_sites),
        ("crossing-sea", words.sea_crossings),
        ("crossing-air", words.air_crossings),
    ):
        refs = list(dict.fromkeys(m.place for m in markers if m.kind == kind))
        if refs:
            parts.append(sentence % {"names": join([names[r] for r in refs])})
    return " ".join(parts)


def _legend(
    kinds: Collection[str],
    *,
    context: bool,
    beyond: bool,
    width: float,
    top: float,
    language: str,
    words: MapWords,
) -> tuple[str, float]:
    """The legend, in rows below the map, and its height."""
    swatch = 'x="-7" y="-6" width="14" height="12"'
    entries = [(f'<rect {swatch} fill="{_LAND[0]}" stroke="{_LAND[1]}"/>', words.island)]
    if context:
        entries.append(
            (f'<rect {swatch} fill="{_CONTEXT[0]}" stroke="{_CONTEXT[1]}"/>', words.other_land)
        )
    entries.append((f'<circle r="{num(_DOT_RADIUS)}" fill="{_INK}"/>', words.place))
    if beyond:
        entries.append((f'<path d="{_ARROW}" fill="{_INK}"/>', words.direction))
    entries += [
        (f"<g {_MARKER_STYLE[kind]}>{_MARKER_SHAPE[kind]}</g>", words.kind(kind))
        for kind in ("project", "crossing-sea", "crossing-air")
        if kind in kinds
    ]
    size, row_h = 12.0, 24.0
    parts = [f'<g data-layer="legend"><title>{text(words.legend)}</title>']
    x, row = MARGIN, 0
    for symbol, label in entries:
        w = 14 + 6 + text_width(label, size) + 18
        if x + w > width - MARGIN and x > MARGIN:
            x, row = MARGIN, row + 1
        y = top + row_h * (row + 0.5) + 4
        parts.append(
            f'<g transform="translate({num(x + 7)} {num(y)})">{symbol}'
            f'<text x="13" y="4" font-size="{num(size)}" lang="{attr(language)}" '
            f'fill="{_INK}">{text(label)}</text></g>'
        )
        x += w
    parts.append("</g>")
    return "".join(parts), row_h * (row + 1) + 8
