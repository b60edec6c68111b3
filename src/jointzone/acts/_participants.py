"""Participant acts: enrolment and withdrawal of the people who travel to work in the zone.

Names are kept as the participant writes them, one per script they give (``ja``, ``ja-Latn``,
``ru``, ``en``), never transliterated by either side: a name rendered by one party's rules would
make the record that party's.
"""

from __future__ import annotations

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_languages,
    check_new_id,
    check_party,
    regime_of,
    rejected,
)
from jointzone.acts._enterprises import registered
from jointzone.acts._state import Participant, State
from jointzone.acts._types import Act, Ref, ScriptNames, Texts


class ParticipantEnrol(Act):
    """Enrol a person of ``party`` working for a registered ``enterprise``."""

    TYPE = "participant.enrol"
    TEXT_FIELDS = ("names",)

    participant: Ref
    party: Ref
    names: ScriptNames
    enterprise: Ref


class ParticipantWithdraw(Act):
    """Withdraw a participant; they must first be taken off every project not closed."""

    TYPE = "participant.withdraw"
    TEXT_FIELDS = ("reason",)

    participant: Ref
    reason: Texts | None = None


def enrolled(state: State, act: Act, participant_id: str, at: str) -> Participant:
    """The participant, if enrolled now; otherwise a rejection saying why not."""
    p = state._participants.get(participant_id)
    if p is None:
        raise rejected(act, f"{at}: no participant {participant_id!r} is enrolled")
    if p.status != "enrolled":
        raise rejected(act, f"{at}: participant {participant_id!r} has withdrawn")
    return p


def enrol(state: State, act: ParticipantEnrol, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._participants, act, "participant", act.participant, "participant")
    check_party(regime, act, act.party, "party")
    registered(state, act, act.enterprise)

    def commit() -> None:
        state._participants[act.participant] = Participant(
            id=act.participant,
            party=act.party,
            names=act.names,
            enterprise=act.enterprise,
            status="enrolled",
            history=(ctx.event,),
        )
        state._enrolled_of_enterprise.setdefault(act.enterprise, set()).add(act.participant)

    return commit


def withdraw(state: State, act: ParticipantWithdraw, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    p = enrolled(state, act, act.participant, "participant")
    check_languages(regime, act, act.reason, "reason")
    projects = sorted(state._live_projects_of_participant.get(p.id, ()))
    if projects:
        raise rejected(
            act,
            f"participant: {p.id!r} is still listed in projects not closed: {projects} "
            "(amend them first)",
        )

    def commit() -> None:
        state._participants[p.id] = Participant(
            id=p.id,
            party=p.party,
            names=p.names,
            enterprise=p.enterprise,
            status="withdrawn",
            history=(*p.history, ctx.event),
        )
        state._enrolled_of_enterprise[p.enterprise].discard(p.id)

    return commit


RULES: RuleTable = {ParticipantEnrol: enrol, ParticipantWithdraw: withdraw}
