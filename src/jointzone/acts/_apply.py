"""Decoding acts and applying them: ``parse_act``, ``apply`` and ``check``.

``apply`` is the state transition every node runs for every entry, in log order. It depends on
nothing but the state, the act and the entry's position, time and signers — no clock, no
randomness, no iteration over anything whose order came from outside — so every node derives the
same state from the same log. It validates everything before changing anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from jointzone.acts import (
    _certificates,
    _committee,
    _enterprises,
    _incidents,
    _movements,
    _officials,
    _participants,
    _projects,
    _regime,
    _reports,
    _roots,
)
from jointzone.acts._checks import Context, Rule, regime_of, rejected
from jointzone.acts._regime import RegimeAdopt, RegimeAmend
from jointzone.acts._roots import PartyRotateRoot
from jointzone.acts._state import Event, State
from jointzone.acts._types import Act
from jointzone.acts.errors import ActRejected, ActSchemaError
from jointzone.regime._validation import problems, short

_RULES: dict[type[Act], Rule] = {
    **_regime.RULES,
    **_officials.RULES,
    **_roots.RULES,
    **_enterprises.RULES,
    **_participants.RULES,
    **_projects.RULES,
    **_reports.RULES,
    **_committee.RULES,
    **_incidents.RULES,
    **_certificates.RULES,
    **_movements.RULES,
}

#: Every act type this version knows, by its ``type`` string.
ACT_TYPES: Mapping[str, type[Act]] = MappingProxyType({cls.TYPE: cls for cls in _RULES})

# Named in the design but not built yet.
_PLANNED: tuple[str, ...] = ()


def parse_act(data: Mapping[str, Any]) -> Act:
    """The act that ``data`` (plain data, e.g. decoded CBOR) describes, dispatched on ``type``.

    Raises :class:`ActSchemaError` listing every problem by key path. Checks needing a regime or
    a state (does the place exist, is the enterprise registered) are :func:`apply`'s.
    """
    if not isinstance(data, Mapping):
        raise ActSchemaError(None, [f"(top level): expected a mapping, got {short(data)}"])
    if "type" not in data:
        raise ActSchemaError(None, ["type: missing (required)"])
    act_type = data["type"]
    cls = ACT_TYPES.get(act_type) if isinstance(act_type, str) else None
    if cls is None:
        hint = " (not built yet)" if act_type in _PLANNED else ""
        raise ActSchemaError(
            None, [f"type: expected one of {sorted(ACT_TYPES)}, got {short(act_type)}{hint}"]
        )
    try:
        return cls.model_validate({k: v for k, v in data.items() if k != "type"})
    except ValidationError as e:
        raise ActSchemaError(act_type, problems(e)) from None


def apply(
    state: State,
    act: Act,
    *,
    position: int,
    time: datetime,
    signers: Mapping[str, Sequence[str]],
    act_id: str,
) -> None:
    """Apply the entry at ``position`` to ``state``, or raise :class:`ActRejected` changing nothing.

    ``position`` must be ``state.size`` (entries are applied in order, none skipped); ``time`` is
    the entry's (aware; never before the previous entry's); ``signers`` maps each signing party to
    the key ids that signed — official ids, or root key ids — whose signatures the consent layer
    has verified; ``act_id`` is the consent layer's id for the act (unique in the log).
    """
    rule, ctx = _prepare(state, act, position=position, time=time, signers=signers, act_id=act_id)
    commit = rule(state, act, ctx)
    _check_signers(state, act, position, signers)
    commit()
    state._acts[act_id] = position
    state._size += 1
    state._last_time = ctx.time


def check(
    state: State,
    act: Act,
    *,
    time: datetime,
    signers: Mapping[str, Sequence[str]] | None = None,
    position: int | None = None,
    act_id: str | None = None,
) -> None:
    """Whether ``act`` would be accepted next (raise :class:`ActRejected` if not); changes nothing.

    For proposals: the checks of :func:`apply`, with the signers and id left out until known.
    """
    at = state.size if position is None else position
    rule, ctx = _prepare(state, act, position=at, time=time, signers=signers, act_id=act_id)
    rule(state, act, ctx)
    if signers is not None:
        _check_signers(state, act, at, signers)


def _prepare(
    state: State,
    act: Act,
    *,
    position: int,
    time: datetime,
    signers: Mapping[str, Sequence[str]] | None,
    act_id: str | None,
) -> tuple[Rule, Context]:
    rule = _RULES.get(type(act))
    if rule is None:
        raise ActRejected(
            getattr(act, "TYPE", type(act).__name__), "not an act type this version knows"
        )
    if position != state._size:
        raise rejected(act, f"position: expected {state._size} (the next entry), got {position}")
    if time.tzinfo is UTC:
        utc = time
    elif time.tzinfo is None or time.utcoffset() is None:
        raise rejected(act, f"time: expected an aware time, got naive {time.isoformat()}")
    else:
        utc = time.astimezone(UTC)
    if state._last_time is not None and utc < state._last_time:
        raise rejected(
            act,
            f"time: {utc.isoformat()} is before the previous entry's {state._last_time.isoformat()}"
            " (times never go back)",
        )
    if act_id is not None:
        if not isinstance(act_id, str) or not act_id:
            raise rejected(act, f"act_id: expected a non-empty string, got {short(act_id)}")
        seen = state._acts.get(act_id)
        if seen is not None:
            raise rejected(act, f"act {act_id!r} was already committed at position {seen}")
    # Only normalised here; checked after the act's own rule, so content problems come first.
    normalized = (
        None
        if signers is None
        else {
            party: (ids,) if isinstance(ids, str) else tuple(ids) for party, ids in signers.items()
        }
    )
    if not isinstance(act, RegimeAdopt):
        regime = regime_of(state, act)
        policy = regime.act_types.get(act.TYPE)
        if policy is None:
            raise rejected(
                act, f"regime {regime.id!r} v{regime.version} has no consent policy for {act.TYPE}"
            )
        if policy.consent == "own-party-root" and act.own_party is None:
            raise rejected(act, "policy own-party-root needs an act that concerns one party")
    event = Event(position, utc, act.TYPE, act_id or "")
    return rule, Context(position, utc, normalized, event)


def _check_signers(
    state: State, act: Act, position: int, signers: Mapping[str, Sequence[str]]
) -> None:
    """Each signer is a key of the party it signed for, valid at ``position``.

    Whether they are enough is the consent layer's policy check; this only keeps the state
    from recording an act under parties or keys that do not exist.
    """
    genesis = isinstance(act, RegimeAdopt)
    # Root keys an act declares sign the act itself: the genesis's, a rotation's new ones, and
    # those of a party joining by amendment.
    declared: dict[str, str] = {}
    joining: tuple[str, ...] = ()
    if isinstance(act, RegimeAdopt):
        declared = {k.id: party for party, spec in act.parties.items() for k in spec.root_keys}
    elif isinstance(act, PartyRotateRoot):
        declared = {key_id: act.party for key_id in act.new_key_ids()}
    elif isinstance(act, RegimeAmend):
        declared = act.joining_key_ids()
        joining = tuple(act.joining)
    parties = () if genesis else (*regime_of(state, act).party_ids, *joining)
    for party, ids in signers.items():
        at = f"signers.{party}"
        if isinstance(ids, str) or not ids:
            raise rejected(act, f"{at}: expected a non-empty list of key ids, got {short(ids)}")
        if len(ids) > 1 and len(set(ids)) != len(ids):
            raise rejected(act, f"{at}: a key id is listed more than once: {list(ids)}")
        if not genesis and party not in parties:
            raise rejected(act, f"{at}: {party!r} is not a party (parties: {list(parties)})")
        for key_id in ids:
            owner = declared.get(key_id) if genesis else state._key_party(key_id, position)
            if owner is None and genesis:
                raise rejected(act, f"{at}: {key_id!r} is not a root key this act declares")
            if owner is None:
                owner = declared.get(key_id)
            if owner is None:
                raise rejected(
                    act, f"{at}: {key_id!r} is no key that may sign at position {position}"
                )
            if owner != party:
                raise rejected(act, f"{at}: {key_id!r} is a key of {owner!r}, not of {party!r}")
    if not signers:
        raise rejected(act, "signers: expected at least one signer")
