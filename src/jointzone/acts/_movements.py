"""Movement acts: crossings into and out of the zone, recorded jointly.

A movement is a joint record, not one side's border control (facts/ZONE.md): its policy needs a
border officer of every party. One party may record a crossing first; until the other signs, the
record is simply an open proposal — pending — and it takes effect when the other party completes
it. ``movement.manifest`` records every passenger of one crossing in one act that each party
signs once (a voyage of 44 people is one act, not 44).

Every certificate named must be issued, not revoked, and valid at the movement's time, which may
not lie after the entry's time (a crossing is recorded after it happens).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_new_id,
    regime_of,
    rejected,
)
from jointzone.acts._state import Movement, State
from jointzone.acts._types import Act, Instant, Line, PlaceRef, Ref, Refs, instant_text
from jointzone.regime import Regime

Direction = Literal["in", "out"]


class _Crossing(Act):
    # A vessel's name is free text: the neutrality gate reads it like any other.
    TEXT_FIELDS = ("vessel",)

    crossing_point: Annotated[
        PlaceRef, Field(description="Where the zone was entered or left: a crossing point.")
    ]
    direction: Direction
    time: Instant
    vessel: Annotated[Line, Field(description="The vessel's name or the flight's number.")]


class MovementRecord(_Crossing):
    """One participant's crossing, on one certificate."""

    TYPE = "movement.record"

    movement: Ref
    certificate: Ref


class MovementManifest(_Crossing):
    """Every passenger of one crossing, by certificate."""

    TYPE = "movement.manifest"

    manifest: Ref
    certificates: Annotated[Refs, Field(min_length=1, max_length=500)]


def _check_crossing(regime: Regime, state: State, act: _Crossing, ctx: Context) -> None:
    try:
        regime.crossing_point(act.crossing_point.place)
    except KeyError as e:
        raise rejected(act, f"crossing_point.place: {e}") from None
    if act.time > ctx.time:
        raise rejected(
            act,
            f"time: expected no later than the entry's time {instant_text(ctx.time)}, found "
            f"{instant_text(act.time)} (a crossing is recorded after it happens)",
        )


def _check_certificate(state: State, act: _Crossing, certificate: str, at: str) -> None:
    record = state._certificates.get(certificate)
    if record is None:
        raise rejected(act, f"{at}: no certificate {certificate!r} has been issued")
    if record.revoked is not None:
        raise rejected(
            act,
            f"{at}: certificate {certificate!r} was revoked at position {record.revoked.position}",
        )
    if not record.valid_at(act.time):
        raise rejected(
            act,
            f"{at}: certificate {certificate!r} is valid {instant_text(record.valid_from)} to "
            f"{instant_text(record.valid_to)}, not at {instant_text(act.time)}",
        )


def _commit(state: State, movement: Movement) -> Commit:
    def commit() -> None:
        state._movements[movement.id] = movement
        for c in movement.certificates:
            state._movements_of_certificate.setdefault(c, []).append(movement.id)

    return commit


def record(state: State, act: MovementRecord, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._movements, act, "movement", act.movement, "movement or manifest")
    _check_crossing(regime, state, act, ctx)
    _check_certificate(state, act, act.certificate, "certificate")
    return _commit(
        state,
        Movement(
            act.movement,
            "record",
            (act.certificate,),
            act.crossing_point.place,
            act.direction,
            act.time,
            act.vessel,
            ctx.event,
        ),
    )


def manifest(state: State, act: MovementManifest, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._movements, act, "manifest", act.manifest, "movement or manifest")
    _check_crossing(regime, state, act, ctx)
    for i, c in enumerate(act.certificates):
        _check_certificate(state, act, c, f"certificates[{i}]")
    return _commit(
        state,
        Movement(
            act.manifest,
            "manifest",
            act.certificates,
            act.crossing_point.place,
            act.direction,
            act.time,
            act.vessel,
            ctx.event,
        ),
    )


RULES: RuleTable = {MovementRecord: record, MovementManifest: manifest}
