"""The zone gazetteer: every place by a neutral ref, with every party's name in every language.

The gazetteer is what lets documents name places without choosing a side: a place is recorded by
its ref, never by a name, and shown with every party's names by the one renderer. Outlines (from
``zone.geojson``) let an act's point be checked against the place it claims to be in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jointzone.regime._validation import problems
from jointzone.regime.errors import RegimeFileError, UnknownRefError

PlaceKind = Literal["island", "island-group", "settlement", "airfield", "port"]
OutlineKind = Literal["island", "context"]

# Where a point counts as "in" a place. Outlines are generalised (Natural Earth 1:10m), so a
# harbour or a shore site can fall just outside its island's polygon: a place's extent is its
# outline's bounding box widened by a margin, or, without an outline, a box around its centre sized
# by its kind, and in either case grown to cover its sub-places (an island group covers its
# islands, an island its settlements). Only additions, subtractions, min, max and comparisons of
# floats: exact, so identical on every node.
OUTLINE_MARGIN_DEG = 0.02
CENTRE_BOX_DEG: dict[str, float] = {
    "island": 0.05,
    "island-group": 0.05,
    "settlement": 0.1,
    "airfield": 0.05,
    "port": 0.05,
}

Box = tuple[float, float, float, float]

Position = tuple[float, float]
Ring = tuple[Position, ...]
Polygon = tuple[Ring, ...]

_REF = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Place(_Frozen):
    """One place: a neutral ref, its names as each party writes them, and where it is."""

    ref: str = Field(pattern=_REF)
    kind: PlaceKind
    in_zone: bool
    parent: str | None = Field(default=None, pattern=_REF)
    #: A small number, unique in the gazetteer, standing for the place where bytes are scarce:
    #: a certificate's QR code carries its permitted places as codes (one CBOR byte up to 23),
    #: not refs of up to 27 bytes. Never reused for another place, like the ref itself.
    code: int | None = Field(default=None, ge=0, le=65535)
    centre: tuple[float, float]
    area_km2: dict[str, float] = Field(default_factory=dict)
    names: dict[str, dict[str, str]]
    aliases: dict[str, dict[str, tuple[str, ...]]] = Field(default_factory=dict)

    @field_validator("centre", mode="before")
    @classmethod
    def _centre(cls, value: Any) -> Any:
        # YAML gives a list; GeoJSON order is [longitude, latitude].
        if isinstance(value, list) and len(value) == 2:
            lon, lat = (float(v) if isinstance(v, int) else v for v in value)
            if not (isinstance(lon, float) and isinstance(lat, float)):
                raise ValueError("expected [longitude, latitude] as numbers")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(f"[{lon}, {lat}] is not a [longitude, latitude] pair")
            return (lon, lat)
        raise ValueError(f"expected [longitude, latitude], got {value!r}")

    @field_validator("area_km2", mode="before")
    @classmethod
    def _areas(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: float(v) if isinstance(v, int) else v for k, v in value.items()}
        return value

    @field_validator("aliases", mode="before")
    @classmethod
    def _alias_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                party: {lang: tuple(v) if isinstance(v, list) else v for lang, v in langs.items()}
                if isinstance(langs, dict)
                else langs
                for party, langs in value.items()
            }
        return value

    def name(self, party: str, language: str) -> str:
        """``party``'s name for this place, written in ``language``."""
        try:
            return self.names[party][language]
        except KeyError:
            raise UnknownRefError(
                f"place {self.ref!r} has no name of party {party!r} in language {language!r}"
            ) from None

    def names_differ(self, language: str) -> bool:
        """Whether the parties' names for this place, in ``language``, are not all the same."""
        return len({langs[language] for langs in self.names.values()}) > 1

    def all_names(self, party: str, language: str) -> tuple[str, ...]:
        """The name and every alias ``party`` uses for this place in ``language``."""
        extra = self.aliases.get(party, {}).get(language, ())
        return (self.name(party, language), *extra)


class Outline(_Frozen):
    """The outline of a place (``kind: island``) or of context shown on maps (``kind: context``).

    Polygons follow GeoJSON (RFC 7946): each is an outer ring then holes, each ring closed, each
    position ``(longitude, latitude)``. A GeoJSON Polygon becomes one polygon here, a MultiPolygon
    several, so there is one shape to handle.
    """

    ref: str = Field(pattern=_REF)
    kind: OutlineKind
    polygons: tuple[Polygon, ...]

    @cached_property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` over every ring."""
        lons = [p[0] for poly in self.polygons for ring in poly for p in ring]
        lats = [p[1] for poly in self.polygons for ring in poly for p in ring]
        return (min(lons), min(lats), max(lons), max(lats))


class Gazetteer:
    """Every place of a regime, by ref, checked to name every place for every party and language."""

    def __init__(self, places: Sequence[Place], outlines: Sequence[Outline] = ()) -> None:
        self._places = {p.ref: p for p in places}
        self._outlines = {o.ref: o for o in outlines}
        self._children: dict[str, list[Place]] = {}
        self._extents: dict[str, Box] = {}
        for p in places:
            if p.parent is not None:
                self._children.setdefault(p.parent, []).append(p)

    @classmethod
    def from_data(
        cls,
        data: Mapping[str, Any],
        *,
        parties: Sequence[str],
        languages: Sequence[str],
        source: str,
        outline_refs: Sequence[str] = (),
    ) -> Gazetteer:
        """Validate a parsed ``places.yaml``; every problem names the file and the key."""
        found: list[str] = []
        raw = data.get("places") if isinstance(data, Mapping) else None
        if not isinstance(raw, list):
            raise RegimeFileError(source, ["places: expected a list of places"])
        places: list[Place] = []
        indices: list[int] = []  # position in the file of each valid place, for messages
        for i, item in enumerate(raw):
            try:
                place = Place.model_validate(item)
            except ValidationError as e:
                found += problems(e, prefix=("places", i))
                continue
            found += _check_coverage(place, i, parties, languages)
            places.append(place)
            indices.append(i)
        refs = [p.ref for p in places]
        codes: dict[int, str] = {}
        for i, p in zip(indices, places, strict=True):
            if p.code is None:
                continue
            if p.code in codes:
                found.append(
                    f"places[{i}].code: expected a code no other place has, found {p.code} "
                    f"(already the code of {codes[p.code]!r})"
                )
            else:
                codes[p.code] = p.ref
        for k, (i, p) in enumerate(zip(indices, places, strict=True)):
            if refs.index(p.ref) != k:
                found.append(f"places[{i}].ref: {p.ref!r} is used by more than one place")
            if p.parent is not None and p.parent not in refs:
                found.append(f"places[{i}].parent: no place has ref {p.parent!r}")
        if not found:
            found += parent_cycles(places)
        for ref in outline_refs:
            if ref not in refs:
                found.append(f"outline for {ref!r}: no place has that ref")
        if found:
            raise RegimeFileError(source, found)
        return cls(places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, ref: object) -> bool:
        return ref in self._places

    def place(self, ref: str) -> Place:
        try:
            return self._places[ref]
        except KeyError:
            raise UnknownRefError(f"the gazetteer has no place {ref!r}") from None

    def by_code(self, code: int) -> Place:
        """The place whose :attr:`Place.code` is ``code``."""
        for p in self._places.values():
            if p.code == code:
                return p
        raise UnknownRefError(f"the gazetteer has no place with code {code}")

    def is_within(self, ref: str, ancestor: str) -> bool:
        """Whether ``ref`` is ``ancestor`` or lies under it by ``parent`` links."""
        seen: set[str] = set()
        at: str | None = ref
        while at is not None and at not in seen:
            if at == ancestor:
                return True
            seen.add(at)
            at = self._places[at].parent if at in self._places else None
        return False

    def in_zone(self) -> list[Place]:
        return [p for p in self._places.values() if p.in_zone]

    @property
    def outlines(self) -> tuple[Outline, ...]:
        """Every outline, places' and context, in file order."""
        return tuple(self._outlines.values())

    def outline(self, ref: str) -> Outline | None:
        """The outline drawn for ``ref``, or None where the place is shown as a point."""
        return self._outlines.get(ref)

    def contains(self, ref: str, lon: float, lat: float) -> bool:
        """Whether the point ``(lon, lat)`` lies within the extent of place ``ref``.

        The extent (see :meth:`extent`) is a box, deliberately generous: a point helps find a
        site; it is not a claim about where a coast runs.
        """
        west, south, east, north = self.extent(ref)
        return west <= lon <= east and south <= lat <= north

    def extent(self, ref: str) -> Box:
        """``(west, south, east, north)`` of ``ref`` and its sub-places (see OUTLINE_MARGIN_DEG)."""
        box = self._extents.get(ref)
        if box is None:
            box = self._extent(ref, frozenset())
        return box

    def _extent(self, ref: str, seen: frozenset[str]) -> Box:
        place = self.place(ref)
        outline = self._outlines.get(ref)
        if outline is not None:
            m = OUTLINE_MARGIN_DEG
            w, s, e, n = outline.bbox
            box = (w - m, s - m, e + m, n + m)
        else:
            r = CENTRE_BOX_DEG[place.kind]
            lon, lat = place.centre
            box = (lon - r, lat - r, lon + r, lat + r)
        for child in self._children.get(ref, ()):
            if child.ref in seen:  # a loop of parents; from_data refuses them
                continue
            w, s, e, n = self._extent(child.ref, seen | {ref})
            box = (min(box[0], w), min(box[1], s), max(box[2], e), max(box[3], n))
        self._extents[ref] = box
        return box


def _check_coverage(
    place: Place, index: int, parties: Sequence[str], languages: Sequence[str]
) -> list[str]:
    found = []
    at = f"places[{index}]"
    for party in parties:
        names = place.names.get(party)
        if names is None:
            found.append(f"{at}.names.{party}: missing (every party names every place)")
            continue
        found += [
            f"{at}.names.{party}.{lang}: missing (every name in every regime language)"
            for lang in languages
            if not names.get(lang, "").strip()
        ]
    for party in place.names:
        if party not in parties:
            found.append(f"{at}.names.{party}: not a party of this regime")
    return found


def parent_cycles(places: Sequence[Place]) -> list[str]:
    """Places that are their own ancestors: a loop would make containment never end."""
    parent = {p.ref: p.parent for p in places}
    found: list[str] = []
    for i, p in enumerate(places):
        seen = {p.ref}
        up = p.parent
        while up is not None and up in parent:
            if up in seen:
                found.append(f"places[{i}].parent: {p.ref!r} leads into a loop of parents")
                break
            seen.add(up)
            up = parent[up]
    return found
