"""The same thing takes the same shape in every act type: places, moments and calendar days.

These walk the models rather than example data, so a field added later in another shape fails
here before any act is written in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from types import NoneType
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel

from jointzone.acts import ACT_TYPES, PlaceRef, Site
from jointzone.acts._types import Day, Instant

# Words a field's name uses when it holds a place; and a place must be held under one of them.
PLACE_WORDS = ("place", "site", "address", "crossing")


@dataclass(frozen=True)
class Field:
    """A field of an act type or of one of its parts, wherever it sits."""

    path: str  # ``certificate.issue.places``, ``report.submit.period.start``
    name: str
    model: type[BaseModel]
    annotation: Any
    metadata: tuple[object, ...]


def fields(model: type[BaseModel], at: str) -> Iterator[Field]:
    for name, info in model.model_fields.items():
        path = f"{at}.{name}"
        f = Field(path, name, model, info.annotation, tuple(info.metadata))
        yield f
        for part in kinds(f):
            if isinstance(part, type) and issubclass(part, BaseModel):
                yield from fields(part, path)


def every_field() -> list[Field]:
    return [f for act_type, cls in ACT_TYPES.items() for f in fields(cls, act_type)]


def _leaves(
    annotation: Any, metadata: tuple[object, ...]
) -> Iterator[tuple[Any, tuple[object, ...]]]:
    """Each type a value may hold, through unions, containers and Annotated, with the metadata
    of the Annotated layers above it (so ``tuple[Instant, ...]`` gives datetime and Instant's)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        yield from _leaves(base, (*metadata, *extra))
    elif origin is Literal:
        yield str, metadata
    elif origin is not None:
        for arg in get_args(annotation):
            if arg is not Ellipsis and arg is not NoneType:
                yield from _leaves(arg, metadata)
    else:
        yield annotation, metadata


def kinds(f: Field) -> list[Any]:
    return [kind for kind, _ in _leaves(f.annotation, f.metadata)]


def _holds(f: Field, kind: type) -> bool:
    return any(isinstance(k, type) and issubclass(k, kind) for k in kinds(f))


def _declared_as(f: Field, kind: type, alias: Any) -> bool:
    """Whether every value of ``kind`` in ``f`` is declared with the type alias ``alias``: its
    own validators and serializer, not a lookalike's."""
    wanted = get_args(alias)[1:]
    return all(
        all(any(m is w for m in metadata) for w in wanted)
        for k, metadata in _leaves(f.annotation, f.metadata)
        if k is kind
    )


def _names_a_place(f: Field) -> bool:
    return any(word in f.name for word in PLACE_WORDS)


def _is_the_place_models_own_ref(f: Field) -> bool:
    """The one bare ref of a place there is: the ``place`` inside PlaceRef (and so Site)."""
    return issubclass(f.model, PlaceRef) and f.name == "place"


def test_every_act_type_names_places_in_one_form() -> None:
    assert issubclass(Site, PlaceRef)
    assert set(PlaceRef.model_fields) == {"place"}
    assert set(Site.model_fields) == {"place", "point"}
    assert "place" not in Site.__annotations__, "Site takes its place from PlaceRef"
    holding_places = []
    for f in every_field():
        if _is_the_place_models_own_ref(f):
            continue
        if _names_a_place(f):
            held = set(kinds(f))
            assert all(isinstance(k, type) and issubclass(k, PlaceRef) for k in held), (
                f"{f.path}: a place is named as {{place: REF}} (PlaceRef or Site), found {held}"
            )
        if _holds(f, PlaceRef):
            assert _names_a_place(f), f"{f.path} holds a place but its name does not say so"
            holding_places.append(f.path)
    assert sorted(holding_places) == [
        "certificate.issue.places",
        "enterprise.amend.registered_address",
        "enterprise.register.registered_address",
        "incident.report.place",
        "movement.manifest.crossing_point",
        "movement.record.crossing_point",
        "project.amend.sites",
        "project.approve.sites",
    ]


def test_every_time_is_a_moment_and_every_day_is_named_a_day() -> None:
    moments, days = [], []
    for f in every_field():
        if _holds(f, datetime):
            assert _declared_as(f, datetime, Instant), (
                f"{f.path}: a moment is an Instant, 'YYYY-MM-DDTHH:MM:SSZ'"
            )
            moments.append(f.path)
        if date in kinds(f):
            assert _declared_as(f, date, Day), f"{f.path}: a calendar day is a Day, 'YYYY-MM-DD'"
            assert f.name.endswith("_date") or f.path.split(".")[-2] == "period", (
                f"{f.path}: a day's name says it is a date, or a period's bound"
            )
            days.append(f.path)
    assert days == [
        "report.submit.period.start",
        "report.submit.period.end",
        "committee.decide.meeting_date",
    ]
    assert "incident.report.occurred_at" in moments
    assert "movement.record.time" in moments


def test_validity_is_always_a_moment() -> None:
    validity = [f for f in every_field() if f.name.startswith("valid_")]
    assert sorted(f.path for f in validity) == sorted(
        f"{act}.{bound}"
        for act in ("project.approve", "project.amend", "certificate.issue")
        for bound in ("valid_from", "valid_to")
    )
    for f in validity:
        assert kinds(f) == [datetime], f"{f.path}: validity is a moment, found {kinds(f)}"
        assert _declared_as(f, datetime, Instant), f"{f.path}: validity is an Instant"
