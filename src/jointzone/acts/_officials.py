"""Official acts: a party's root keys appoint its officials, rotate their keys and remove them.

An official id is never reused and a public key is never used twice, by anyone: a signature's
``kid`` then names one person for the whole life of the log, which is what lets a verifier judge
an old entry by the keys valid at its position.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_languages,
    check_party,
    regime_of,
    rejected,
)
from jointzone.acts._state import KeyPeriod, Official, State
from jointzone.acts._types import Act, Line, PublicKey, Ref, Refs, Texts


class _OfficialAct(Act):
    party: Ref
    official: Ref

    @property
    def own_party(self) -> str | None:
        return self.party


class OfficialAppoint(_OfficialAct):
    """Appoint an official of ``party`` with roles and an Ed25519 key, valid from the next entry."""

    TYPE = "official.appoint"
    TEXT_FIELDS = ("display_name",)

    display_name: Line
    roles: Annotated[Refs, Field(min_length=1)]
    public_key: PublicKey


class OfficialRotateKey(_OfficialAct):
    """Replace an official's key: the old one signs up to this entry, the new one after it."""

    TYPE = "official.rotate-key"

    public_key: PublicKey


class OfficialRemove(_OfficialAct):
    """Remove an official: their key signs nothing after this entry."""

    TYPE = "official.remove"
    TEXT_FIELDS = ("reason",)

    reason: Texts | None = None


def _check_key_unused(state: State, act: Act, key: bytes) -> None:
    owner = state._key_owner.get(key)
    if owner is not None:
        raise rejected(
            act, f"public_key: this key is already used by {owner!r} (keys are never reused)"
        )


def _existing(state: State, act: _OfficialAct) -> Official:
    official = state._officials.get(act.official)
    if official is None:
        raise rejected(act, f"official: no official {act.official!r} has been appointed")
    if official.party != act.party:
        raise rejected(
            act,
            f"official: {act.official!r} is an official of {official.party!r}, not of "
            f"{act.party!r}",
        )
    if official.removed_at is not None:
        raise rejected(
            act, f"official: {act.official!r} was removed at position {official.removed_at}"
        )
    return official


def appoint(state: State, act: OfficialAppoint, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_party(regime, act, act.party, "party")
    if act.official in state._officials:
        raise rejected(
            act, f"official: {act.official!r} was already appointed (ids are never reused)"
        )
    if act.official in state._root_keys:
        raise rejected(act, f"official: {act.official!r} is a root key id")
    for i, role in enumerate(act.roles):
        try:
            regime.role(role)
        except KeyError as e:
            raise rejected(act, f"roles[{i}]: {e}") from None
    _check_key_unused(state, act, act.public_key)

    def commit() -> None:
        state._officials[act.official] = Official(
            id=act.official,
            party=act.party,
            display_name=act.display_name,
            roles=act.roles,
            keys=(KeyPeriod(act.public_key, ctx.position + 1),),
            appointed_at=ctx.position,
        )
        state._key_owner[act.public_key] = act.official

    return commit


def _close_current(official: Official, position: int) -> tuple[KeyPeriod, ...]:
    last = official.keys[-1]
    closed = KeyPeriod(last.public_key, last.valid_from, position + 1)
    return (*official.keys[:-1], closed)


def rotate_key(state: State, act: OfficialRotateKey, ctx: Context) -> Commit:
    regime_of(state, act)
    official = _existing(state, act)
    _check_key_unused(state, act, act.public_key)

    def commit() -> None:
        keys = (
            *_close_current(official, ctx.position),
            KeyPeriod(act.public_key, ctx.position + 1),
        )
        state._officials[act.official] = Official(
            official.id,
            official.party,
            official.display_name,
            official.roles,
            keys,
            official.appointed_at,
        )
        state._key_owner[act.public_key] = act.official

    return commit


def remove(state: State, act: OfficialRemove, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    official = _existing(state, act)
    check_languages(regime, act, act.reason, "reason")

    def commit() -> None:
        state._officials[act.official] = Official(
            official.id,
            official.party,
            official.display_name,
            official.roles,
            _close_current(official, ctx.position),
            official.appointed_at,
            removed_at=ctx.position,
        )

    return commit


RULES: RuleTable = {OfficialAppoint: appoint, OfficialRotateKey: rotate_key, OfficialRemove: remove}
