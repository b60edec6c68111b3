"""Incidents: reported by one party (its policy may allow that), resolved by all jointly.

``reported_by`` is part of the signed content and must be one of the parties that signed, so the
record says who raised the matter without the consent layer's help. Resolution is one act carrying
the agreed text; its policy (every party, by default) is what makes it joint.
"""

from __future__ import annotations

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_languages,
    check_new_id,
    check_party,
    check_place,
    regime_of,
    rejected,
)
from jointzone.acts._state import Incident, State
from jointzone.acts._types import Act, Instant, Ref, Site, Texts, instant_text


class IncidentReport(Act):
    """Report an incident at a place (inside the zone or at a crossing outside it)."""

    TYPE = "incident.report"
    TEXT_FIELDS = ("description",)

    incident: Ref
    reported_by: Ref
    place: Site
    occurred_at: Instant
    description: Texts
    project: Ref | None = None


class IncidentResolve(Act):
    """Record the parties' joint resolution of an open incident."""

    TYPE = "incident.resolve"
    TEXT_FIELDS = ("resolution",)

    incident: Ref
    resolution: Texts


def report(state: State, act: IncidentReport, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._incidents, act, "incident", act.incident, "incident")
    check_party(regime, act, act.reported_by, "reported_by")
    if ctx.signers is not None and act.reported_by not in ctx.signers:
        raise rejected(
            act,
            f"reported_by: {act.reported_by!r} did not sign this act (signed by "
            f"{sorted(ctx.signers)})",
        )
    check_place(regime, act, act.place, "place")
    if act.occurred_at > ctx.time:
        raise rejected(
            act,
            f"occurred_at: {instant_text(act.occurred_at)} is after the act's time "
            f"{instant_text(ctx.time)}",
        )
    if act.project is not None and act.project not in state._projects:
        raise rejected(act, f"project: no project {act.project!r} has been approved")
    check_languages(regime, act, act.description, "description")

    def commit() -> None:
        state._incidents[act.incident] = Incident(
            id=act.incident,
            reported_by=act.reported_by,
            place=act.place,
            occurred_at=act.occurred_at,
            description=act.description,
            project=act.project,
            status="open",
            resolution=None,
            history=(ctx.event,),
        )

    return commit


def resolve(state: State, act: IncidentResolve, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    i = state._incidents.get(act.incident)
    if i is None:
        raise rejected(act, f"incident: no incident {act.incident!r} has been reported")
    if i.status != "open":
        raise rejected(act, f"incident: {act.incident!r} is already resolved")
    check_languages(regime, act, act.resolution, "resolution")

    def commit() -> None:
        state._incidents[i.id] = Incident(
            id=i.id,
            reported_by=i.reported_by,
            place=i.place,
            occurred_at=i.occurred_at,
            description=i.description,
            project=i.project,
            status="resolved",
            resolution=act.resolution,
            history=(*i.history, ctx.event),
        )

    return commit


RULES: RuleTable = {IncidentReport: report, IncidentResolve: resolve}
