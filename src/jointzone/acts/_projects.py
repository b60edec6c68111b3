"""Project acts: approval, amendment, suspension, resumption, closure.

A project is a joint activity: it needs at least one registered enterprise of every party, each
registered for the project's category, and its sites are places of the zone (by ref, optionally
with a point). Its title is in every regime language, since no party's language is the original.
It is valid from one moment (included) to another (excluded), as its certificates are, so theirs
must lie within its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from pydantic import Field, Strict, model_validator

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
from jointzone.acts._enterprises import registered
from jointzone.acts._participants import enrolled
from jointzone.acts._state import Project, State
from jointzone.acts._types import (
    Act,
    Ref,
    Refs,
    Site,
    Texts,
    Titles,
    ValidFrom,
    ValidTo,
    check_validity,
    days_as_moments,
    instant_text,
)
from jointzone.regime import Regime


class _ProjectAct(Act):
    project: Ref


class _ProjectTerms(_ProjectAct):
    TEXT_FIELDS = ("title", "conditions")

    title: Titles
    sites: Annotated[tuple[Site, ...], Strict(False), Field(min_length=1, max_length=100)]
    enterprises: Annotated[
        dict[Ref, Annotated[Refs, Field(min_length=1)]],
        Field(
            min_length=1,
            description="Party -> the enterprises of that party taking part (each "
            "incorporated in that party).",
        ),
    ]
    participants: Annotated[Refs, Field(max_length=2000)] = ()
    conditions: Annotated[tuple[Texts, ...], Strict(False), Field(max_length=100)] = ()
    valid_from: ValidFrom
    valid_to: ValidTo

    @model_validator(mode="after")
    def _validity(self) -> _ProjectTerms:
        check_validity(self.valid_from, self.valid_to)
        return self


class ProjectApprove(_ProjectTerms):
    """Approve a joint project in one of the regime's categories."""

    TYPE = "project.approve"

    category: Ref


class ProjectAmend(_ProjectTerms):
    """Replace a project's terms (everything but its category); not once it is closed."""

    TYPE = "project.amend"


class ProjectSuspend(_ProjectAct):
    """Suspend an active project: no reports until it is resumed."""

    TYPE = "project.suspend"
    TEXT_FIELDS = ("reason",)

    reason: Texts


class ProjectResume(_ProjectAct):
    """Resume a suspended project."""

    TYPE = "project.resume"
    TEXT_FIELDS = ("reason",)

    reason: Texts | None = None


class ProjectClose(_ProjectAct):
    """Close a project for good; its enterprises and participants are free to leave."""

    TYPE = "project.close"
    TEXT_FIELDS = ("reason",)

    reason: Texts | None = None


def _check_terms(state: State, regime: Regime, act: _ProjectTerms, category: str) -> None:
    check_languages(regime, act, act.title, "title", every=True)
    for i, site in enumerate(act.sites):
        check_place(regime, act, site, f"sites[{i}]", in_zone=True)
    for party in act.enterprises:
        check_party(regime, act, party, f"enterprises.{party}")
    for party in regime.party_ids:
        if party not in act.enterprises:
            raise rejected(
                act,
                f"enterprises.{party}: missing (a joint project needs an enterprise of every "
                "party)",
            )
    taking_part: set[str] = set()
    for party, ids in act.enterprises.items():
        for j, eid in enumerate(ids):
            at = f"enterprises.{party}[{j}]"
            e = registered(state, act, eid, at)
            if e.party != party:
                raise rejected(
                    act, f"{at}: enterprise {eid!r} is of party {e.party!r}, not {party!r}"
                )
            if category not in e.categories:
                raise rejected(
                    act,
                    f"{at}: enterprise {eid!r} is not registered for category {category!r} "
                    f"(its categories: {list(e.categories)})",
                )
            taking_part.add(eid)
    for i, pid in enumerate(act.participants):
        p = enrolled(state, act, pid, f"participants[{i}]")
        if p.enterprise not in taking_part:
            raise rejected(
                act,
                f"participants[{i}]: {pid!r} works for {p.enterprise!r}, "
                "which is not an enterprise of this project",
            )
    for i, condition in enumerate(act.conditions):
        check_languages(regime, act, condition, f"conditions[{i}]")


def _link(state: State, p: Project) -> None:
    for e in p.all_enterprises():
        state._live_projects_of_enterprise.setdefault(e, set()).add(p.id)
    for x in p.participants:
        state._live_projects_of_participant.setdefault(x, set()).add(p.id)


def _unlink(state: State, p: Project) -> None:
    for e in p.all_enterprises():
        state._live_projects_of_enterprise[e].discard(p.id)
    for x in p.participants:
        state._live_projects_of_participant[x].discard(p.id)


def _live(state: State, act: _ProjectAct) -> Project:
    p = state._projects.get(act.project)
    if p is None:
        raise rejected(act, f"project: no project {act.project!r} has been approved")
    if p.status == "closed":
        raise rejected(act, f"project: {act.project!r} is closed")
    return p


def _with(p: Project, ctx: Context, **changes: Any) -> Project:
    return replace(p, **changes, history=(*p.history, ctx.event))


def approve(state: State, act: ProjectApprove, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._projects, act, "project", act.project, "project")
    try:
        regime.category(act.category)
    except KeyError as e:
        raise rejected(act, f"category: {e}") from None
    _check_terms(state, regime, act, act.category)

    def commit() -> None:
        p = Project(
            id=act.project,
            category=act.category,
            title=act.title,
            sites=act.sites,
            enterprises=act.enterprises,
            participants=act.participants,
            conditions=act.conditions,
            valid_from=act.valid_from,
            valid_to=act.valid_to,
            status="active",
            history=(ctx.event,),
            number=len(state._projects) + 1,
        )
        state._projects[p.id] = p
        _link(state, p)

    return commit


def amend(state: State, act: ProjectAmend, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    p = _live(state, act)
    _check_terms(state, regime, act, p.category)
    periods = state._periods.get(p.id)
    if periods:
        first, last = periods[0], periods[-1]
        if days_as_moments(first[0], first[1])[0] < act.valid_from:
            raise rejected(
                act,
                f"valid_from: report {first[2]!r} already covers {first[0]}, which begins before "
                f"{instant_text(act.valid_from)}",
            )
        # Periods never overlap, so the last to start is also the last to end.
        if days_as_moments(last[0], last[1])[1] > act.valid_to:
            raise rejected(
                act,
                f"valid_to: report {last[2]!r} already covers {last[1]}, which ends after "
                f"{instant_text(act.valid_to)}",
            )

    def commit() -> None:
        new = _with(
            p,
            ctx,
            title=act.title,
            sites=act.sites,
            enterprises=act.enterprises,
            participants=act.participants,
            conditions=act.conditions,
            valid_from=act.valid_from,
            valid_to=act.valid_to,
        )
        _unlink(state, p)
        state._projects[p.id] = new
        _link(state, new)

    return commit


def suspend(state: State, act: ProjectSuspend, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    p = _live(state, act)
    if p.status != "active":
        raise rejected(
            act, f"project: {p.id!r} is {p.status}; only an active project can be suspended"
        )
    check_languages(regime, act, act.reason, "reason")

    def commit() -> None:
        state._projects[p.id] = _with(p, ctx, status="suspended")

    return commit


def resume(state: State, act: ProjectResume, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    p = _live(state, act)
    if p.status != "suspended":
        raise rejected(
            act, f"project: {p.id!r} is {p.status}; only a suspended project can be resumed"
        )
    check_languages(regime, act, act.reason, "reason")

    def commit() -> None:
        state._projects[p.id] = _with(p, ctx, status="active")

    return commit


def close(state: State, act: ProjectClose, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    p = _live(state, act)
    check_languages(regime, act, act.reason, "reason")

    def commit() -> None:
        state._projects[p.id] = _with(p, ctx, status="closed")
        _unlink(state, p)

    return commit


RULES: RuleTable = {
    ProjectApprove: approve,
    ProjectAmend: amend,
    ProjectSuspend: suspend,
    ProjectResume: resume,
    ProjectClose: close,
}
