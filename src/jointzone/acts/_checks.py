"""What every transition rule shares: its context, its shape, and the checks against the regime.

A rule is a function ``(state, act, context) -> commit``: it checks everything and raises
:class:`~jointzone.acts.ActRejected` without touching the state, then returns a ``commit`` closure
that makes the change and cannot fail. That split is what makes an invalid act leave the state
untouched without copying it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jointzone.acts._state import Event, State
from jointzone.acts._types import Act, PlaceRef, Site
from jointzone.acts.errors import ActRejected
from jointzone.regime import Regime

Commit = Callable[[], None]
Rule = Callable[[State, Any, "Context"], Commit]
RuleTable = dict[type[Act], Rule]


@dataclass(frozen=True, slots=True)
class Context:
    """What the entry adds to the act: position, time, signers (None when only checking)."""

    position: int
    time: datetime
    signers: Mapping[str, tuple[str, ...]] | None
    event: Event


def rejected(act: Act, reason: str) -> ActRejected:
    return ActRejected(act.TYPE, reason)


def regime_of(state: State, act: Act) -> Regime:
    """The regime in force, or a rejection: nothing but regime.adopt comes before one."""
    if not state._regimes:
        raise rejected(act, "no regime has been adopted yet: the log must start with regime.adopt")
    return state._regimes[-1].regime


def regime_label(regime: Regime) -> str:
    return f"regime {regime.id!r} v{regime.version}"


def check_party(regime: Regime, act: Act, party: str, at: str) -> None:
    if party in regime.party_ids:
        return
    raise rejected(
        act,
        f"{at}: {party!r} is not a party of {regime_label(regime)} (parties: "
        f"{list(regime.party_ids)})",
    )


def check_languages(
    regime: Regime, act: Act, texts: Mapping[str, str] | None, at: str, *, every: bool = False
) -> None:
    """Texts only in regime languages; with ``every``, in each of them (titles, decisions)."""
    if texts is None:
        return
    langs = regime.languages
    for lang in texts:
        if lang not in langs:
            raise rejected(
                act,
                f"{at}.{lang}: {lang!r} is not a language of {regime_label(regime)} (languages: "
                f"{list(langs)})",
            )
    if every and len(texts) != len(langs):
        missing = [lang for lang in langs if lang not in texts]
        raise rejected(act, f"{at}: expected a text in every regime language, missing {missing}")


def check_place(
    regime: Regime, act: Act, where: PlaceRef, at: str, *, in_zone: bool = False
) -> None:
    """The place exists (and is in the zone, if required) and a site's point, if any, lies in it."""
    gazetteer = regime.gazetteer
    if where.place not in gazetteer:
        raise rejected(
            act, f"{at}.place: {where.place!r} is not a place ref of {regime_label(regime)}"
        )
    if in_zone and not gazetteer.place(where.place).in_zone:
        raise rejected(act, f"{at}.place: {where.place!r} is outside the zone")
    if isinstance(where, Site) and where.point is not None:
        lon, lat = where.point
        if not gazetteer.contains(where.place, float(lon), float(lat)):
            raise rejected(
                act, f"{at}.point: [{lon}, {lat}] does not lie in {where.place!r} (nor near it)"
            )


def check_categories(regime: Regime, act: Act, categories: Iterable[str], at: str) -> None:
    for i, c in enumerate(categories):
        try:
            regime.category(c)
        except KeyError as e:
            raise rejected(act, f"{at}[{i}]: {e}") from None


def check_new_id(registry: Mapping[str, object], act: Act, key: str, value: str, what: str) -> None:
    """Ids are never reused, not even after a record is closed, so a ref always means one thing."""
    if value in registry:
        raise rejected(act, f"{key}: {what} {value!r} already exists (ids are never reused)")
