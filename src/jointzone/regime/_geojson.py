"""Outlines: read from a GeoJSON FeatureCollection (RFC 7946) or from a regime's canonical content.

Both readers check the same things (closed rings of [longitude, latitude] positions in range) and
report every problem with its key path, so a bad vertex is found by its index, not by bisecting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jointzone.regime._gazetteer import Outline, Polygon, Position, Ring
from jointzone.regime._numbers import float_text, parse_float_text
from jointzone.regime._validation import short

_OUTLINE_KINDS = ("island", "context")


def _json_number(value: object) -> float:
    # bool is an int in Python, and True is no coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {short(value)}")
    return float(value)


def _position(
    value: object, at: str, number: Callable[[object], float], found: list[str]
) -> Position:
    if not isinstance(value, list) or len(value) != 2:
        found.append(f"{at}: expected [longitude, latitude], got {short(value)}")
        return (0.0, 0.0)
    try:
        lon, lat = number(value[0]), number(value[1])
    except ValueError as e:
        found.append(f"{at}: {e}")
        return (0.0, 0.0)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        found.append(f"{at}: [{lon}, {lat}] is not a [longitude, latitude] pair")
    return (lon, lat)


def _polygon(
    value: object, at: str, number: Callable[[object], float], found: list[str]
) -> Polygon:
    if not isinstance(value, list) or not value:
        found.append(f"{at}: expected a list of linear rings, got {short(value)}")
        return ()
    rings: list[Ring] = []
    for r, raw in enumerate(value):
        ring_at = f"{at}[{r}]"
        if not isinstance(raw, list) or len(raw) < 4:
            found.append(
                f"{ring_at}: expected a closed ring of at least 4 positions, got {short(raw)}"
            )
            continue
        ring = tuple(_position(p, f"{ring_at}[{i}]", number, found) for i, p in enumerate(raw))
        if ring[0] != ring[-1]:
            found.append(f"{ring_at}: ring is not closed (first {ring[0]} != last {ring[-1]})")
        rings.append(ring)
    return tuple(rings)


def _kind_and_ref(props: object, at: str, found: list[str]) -> tuple[str, str] | None:
    if not isinstance(props, Mapping):
        found.append(f"{at}: expected a mapping with kind and ref, got {short(props)}")
        return None
    kind, ref = props.get("kind"), props.get("ref")
    ok = True
    if kind not in _OUTLINE_KINDS:
        found.append(f"{at}.kind: expected one of {list(_OUTLINE_KINDS)}, got {short(kind)}")
        ok = False
    if not isinstance(ref, str) or not ref:
        found.append(f"{at}.ref: expected a place ref, got {short(ref)}")
        ok = False
    extra = sorted(set(props) - {"kind", "ref"})
    if extra:
        found.append(f"{at}: unexpected keys {extra} (an outline carries only kind and ref)")
        ok = False
    return (str(kind), str(ref)) if ok else None


def _outline(
    ref: str, kind: str, polygons: tuple[Polygon, ...], at: str, found: list[str]
) -> Outline | None:
    try:
        return Outline.model_validate({"ref": ref, "kind": kind, "polygons": polygons})
    except ValueError as e:
        found.append(f"{at}: {e}")
        return None


def outlines_from_geojson(data: Any, found: list[str]) -> list[Outline]:
    """Outlines of a parsed ``zone.geojson``; problems are appended to ``found``."""
    features = data.get("features") if isinstance(data, Mapping) else None
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        found.append("type: expected 'FeatureCollection'")
        return []
    if not isinstance(features, list):
        found.append(f"features: expected a list, got {short(features)}")
        return []
    out: list[Outline] = []
    for i, feature in enumerate(features):
        at = f"features[{i}]"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            found.append(f"{at}: expected a GeoJSON Feature, got {short(feature)}")
            continue
        names = _kind_and_ref(feature.get("properties"), f"{at}.properties", found)
        geometry = feature.get("geometry")
        gtype = geometry.get("type") if isinstance(geometry, Mapping) else None
        coords = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
        polygons: tuple[Polygon, ...]
        if gtype == "Polygon":
            polygons = (_polygon(coords, f"{at}.geometry.coordinates", _json_number, found),)
        elif gtype == "MultiPolygon" and isinstance(coords, list) and coords:
            polygons = tuple(
                _polygon(c, f"{at}.geometry.coordinates[{j}]", _json_number, found)
                for j, c in enumerate(coords)
            )
        else:
            found.append(
                f"{at}.geometry: expected a Polygon or a non-empty MultiPolygon, got {short(gtype)}"
            )
            continue
        if names is not None:
            outline = _outline(names[1], names[0], polygons, at, found)
            if outline is not None:
                out.append(outline)
    return out


def outlines_from_canonical(data: Any, found: list[str]) -> list[Outline]:
    """Outlines of a regime's canonical ``outlines`` list; problems are appended to ``found``."""
    if not isinstance(data, list):
        found.append(f"outlines: expected a list, got {short(data)}")
        return []
    out: list[Outline] = []
    for i, item in enumerate(data):
        at = f"outlines[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"ref", "kind", "polygons"}:
            found.append(
                f"{at}: expected a mapping of exactly ref, kind, polygons, got {short(item)}"
            )
            continue
        names = _kind_and_ref({"kind": item["kind"], "ref": item["ref"]}, at, found)
        raw = item["polygons"]
        if not isinstance(raw, list) or not raw:
            found.append(f"{at}.polygons: expected a non-empty list, got {short(raw)}")
            continue
        polygons = tuple(
            _polygon(p, f"{at}.polygons[{j}]", parse_float_text, found) for j, p in enumerate(raw)
        )
        if names is not None:
            outline = _outline(names[1], names[0], polygons, at, found)
            if outline is not None:
                out.append(outline)
    return out


def outline_to_canonical(outline: Outline) -> dict[str, Any]:
    """The canonical form: decimal strings for every coordinate, one shape for every outline."""
    return {
        "ref": outline.ref,
        "kind": outline.kind,
        "polygons": [
            [[[float_text(lon), float_text(lat)] for lon, lat in ring] for ring in poly]
            for poly in outline.polygons
        ],
    }
