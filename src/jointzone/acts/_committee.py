"""Joint committee decisions, with their text in every regime language and the minutes.

A decision's text is in every language because none is the original; the minutes may be in one
or more. ``concerns`` ties a decision to the records it is about, checked to exist, so a registry
view can show the decisions on a project without parsing prose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, Strict

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_languages,
    check_new_id,
    regime_of,
    rejected,
)
from jointzone.acts._state import Decision, State
from jointzone.acts._types import Act, ActModel, Day, Ref, Texts, Titles

ConcernKind = Literal[
    "enterprise", "participant", "project", "report", "decision", "incident", "official"
]


class Concern(ActModel):
    """A record a decision is about: its registry and its id."""

    kind: ConcernKind
    id: Ref


class CommitteeDecide(Act):
    """Record a decision of the joint committee."""

    TYPE = "committee.decide"
    TEXT_FIELDS = ("subject", "text", "minutes")

    decision: Ref
    meeting_date: Day
    subject: Titles
    concerns: Annotated[tuple[Concern, ...], Strict(False), Field(max_length=100)] = ()
    text: Texts
    minutes: Texts


def _registry(state: State, kind: ConcernKind) -> Mapping[str, object]:
    registries: dict[str, Mapping[str, object]] = {
        "enterprise": state._enterprises,
        "participant": state._participants,
        "project": state._projects,
        "report": state._reports,
        "decision": state._decisions,
        "incident": state._incidents,
        "official": state._officials,
    }
    return registries[kind]


def decide(state: State, act: CommitteeDecide, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._decisions, act, "decision", act.decision, "decision")
    today = ctx.time.date()
    if act.meeting_date > today:
        raise rejected(
            act, f"meeting_date: {act.meeting_date} is after the day of recording ({today})"
        )
    check_languages(regime, act, act.subject, "subject", every=True)
    check_languages(regime, act, act.text, "text", every=True)
    check_languages(regime, act, act.minutes, "minutes")
    for i, c in enumerate(act.concerns):
        if c.id not in _registry(state, c.kind):
            raise rejected(act, f"concerns[{i}]: there is no {c.kind} {c.id!r}")

    def commit() -> None:
        state._decisions[act.decision] = Decision(
            id=act.decision,
            meeting_date=act.meeting_date,
            subject=act.subject,
            concerns=tuple((c.kind, c.id) for c in act.concerns),
            text=act.text,
            minutes=act.minutes,
            decided=ctx.event,
        )

    return commit


RULES: RuleTable = {CommitteeDecide: decide}
