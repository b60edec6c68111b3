"""Enterprise acts: registration, amendment, deregistration.

An enterprise is registered jointly with its party of incorporation, which never changes, and an
address that is a place ref (inside the zone or outside it), never free text: an address written
out would have to name a place in one party's words.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_categories,
    check_languages,
    check_new_id,
    check_party,
    check_place,
    regime_of,
    rejected,
)
from jointzone.acts._state import Enterprise, State
from jointzone.acts._types import Act, Ref, Refs, ScriptNames, Site, Texts


class EnterpriseRegister(Act):
    """Register an enterprise of ``party`` for one or more of the regime's categories."""

    TYPE = "enterprise.register"
    TEXT_FIELDS = ("names",)

    enterprise: Ref
    party: Ref
    names: ScriptNames
    registered_address: Site
    categories: Annotated[Refs, Field(min_length=1)]


class EnterpriseAmend(Act):
    """Replace a registered enterprise's names, address and categories (not its party)."""

    TYPE = "enterprise.amend"
    TEXT_FIELDS = ("names",)

    enterprise: Ref
    names: ScriptNames
    registered_address: Site
    categories: Annotated[Refs, Field(min_length=1)]


class EnterpriseDeregister(Act):
    """Remove an enterprise from the register; it must have left every project first."""

    TYPE = "enterprise.deregister"
    TEXT_FIELDS = ("reason",)

    enterprise: Ref
    reason: Texts | None = None


def registered(state: State, act: Act, enterprise_id: str, at: str = "enterprise") -> Enterprise:
    """The enterprise, if registered now; otherwise a rejection saying why not."""
    e = state._enterprises.get(enterprise_id)
    if e is None:
        raise rejected(act, f"{at}: no enterprise {enterprise_id!r} is registered")
    if e.status != "registered":
        raise rejected(act, f"{at}: enterprise {enterprise_id!r} was deregistered")
    return e


def register(state: State, act: EnterpriseRegister, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._enterprises, act, "enterprise", act.enterprise, "enterprise")
    check_party(regime, act, act.party, "party")
    check_place(regime, act, act.registered_address, "registered_address")
    check_categories(regime, act, act.categories, "categories")

    def commit() -> None:
        state._enterprises[act.enterprise] = Enterprise(
            id=act.enterprise,
            party=act.party,
            names=act.names,
            registered_address=act.registered_address,
            categories=act.categories,
            status="registered",
            history=(ctx.event,),
        )

    return commit


def amend(state: State, act: EnterpriseAmend, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    e = registered(state, act, act.enterprise)
    check_place(regime, act, act.registered_address, "registered_address")
    check_categories(regime, act, act.categories, "categories")
    dropped = set(e.categories) - set(act.categories)
    if dropped:
        for pid in sorted(state._live_projects_of_enterprise.get(e.id, ())):
            category = state._projects[pid].category
            if category in dropped:
                raise rejected(
                    act,
                    f"categories: {category!r} is still needed by project {pid!r}, "
                    "in which the enterprise takes part",
                )

    def commit() -> None:
        state._enterprises[e.id] = Enterprise(
            id=e.id,
            party=e.party,
            names=act.names,
            registered_address=act.registered_address,
            categories=act.categories,
            status=e.status,
            history=(*e.history, ctx.event),
        )

    return commit


def deregister(state: State, act: EnterpriseDeregister, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    e = registered(state, act, act.enterprise)
    check_languages(regime, act, act.reason, "reason")
    projects = sorted(state._live_projects_of_enterprise.get(e.id, ()))
    if projects:
        raise rejected(
            act, f"enterprise: {e.id!r} still takes part in projects not closed: {projects}"
        )
    enrolled = sorted(state._enrolled_of_enterprise.get(e.id, ()))
    if enrolled:
        raise rejected(
            act, f"enterprise: {e.id!r} still has enrolled participants: {enrolled[:10]}"
        )

    def commit() -> None:
        state._enterprises[e.id] = Enterprise(
            id=e.id,
            party=e.party,
            names=e.names,
            registered_address=e.registered_address,
            categories=e.categories,
            status="deregistered",
            history=(*e.history, ctx.event),
        )

    return commit


RULES: RuleTable = {
    EnterpriseRegister: register,
    EnterpriseAmend: amend,
    EnterpriseDeregister: deregister,
}
