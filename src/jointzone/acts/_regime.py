"""Regime acts: adoption (the genesis of a log) and amendment.

Both carry the regime's whole canonical content, not a diff, so every entry that changes the
agreement shows the agreement it leads to, and a verifier needs nothing but the log to know
which rules governed which entry. The content must be exactly canonical: two spellings of one
regime would hash differently and let nodes disagree about what was signed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Strict

from jointzone.acts._checks import Commit, Context, RuleTable, regime_label, regime_of, rejected
from jointzone.acts._state import KeyPeriod, NodeKey, PartyKeys, RegimeVersion, RootKey, State
from jointzone.acts._types import Act, ActModel, NoteVerifier, PlainData, PublicKey, Ref
from jointzone.regime import Regime, RegimeFileError
from jointzone.regime._validation import short

# Act types a regime must give a root policy for, or it could never be amended.
_REQUIRED_POLICIES = ("regime.adopt", "regime.amend")


class RootKeySpec(ActModel):
    """A root key as declared in regime.adopt: an id (the COSE ``kid``) and the raw public key."""

    id: Ref
    public_key: PublicKey


class PartyRoot(ActModel):
    """A party's root of trust: its root keys, how many must sign, and its node's note key."""

    root_keys: Annotated[tuple[RootKeySpec, ...], Strict(False), Field(min_length=1, max_length=16)]
    threshold: Annotated[int, Field(ge=1)]
    #: The party node's C2SP signed-note verifier key, ``<name>+<hash>+<base64 key>``.
    node_verifier: NoteVerifier


class _CarriesRegime(Act):
    regime: PlainData

    def parsed_regime(self) -> Regime:
        """The regime this act carries; raises RegimeFileError if it is invalid."""
        return Regime.from_canonical(self.regime)


class RegimeAdopt(_CarriesRegime):
    """The genesis: the regime's canonical content and every party's root keys.

    Signed by the root keys it declares (``every-party-root``), so the consent layer judges it
    against this act's own keys, as TUF judges a first root.
    """

    TYPE = "regime.adopt"

    parties: Annotated[dict[Ref, PartyRoot], Field(min_length=2)]
    #: Whose clock the log's times are: ``system`` (every node's own clock, which every witness
    #: checks each entry's time against) or ``simulated`` (a scenario playing historical dates).
    #: Declared here, in the genesis every party signs, so no production log can be backdated
    #: by driving it with a simulated clock.
    clock: Literal["system", "simulated"] = "system"


class RegimeAmend(_CarriesRegime):
    """A new version of the regime: its whole canonical content, with ``version`` one higher."""

    TYPE = "regime.amend"


def _parse(act: _CarriesRegime) -> Regime:
    try:
        regime = act.parsed_regime()
    except RegimeFileError as e:
        raise rejected(act, "regime: " + "; ".join(e.problems)) from None
    canonical = regime.canonical()
    if canonical != act.regime:
        where = _first_difference(act.regime, canonical, "regime")
        raise rejected(act, f"{where} (the content must be exactly the regime's canonical form)")
    for name in _REQUIRED_POLICIES:
        if name not in regime.act_types or not regime.act_types[name].by_root:
            raise rejected(
                act,
                f"regime.act_types.{name}: expected a root policy, so the regime can be amended",
            )
    return regime


def _first_difference(given: Any, canonical: Any, at: str) -> str:
    """Where ``given`` first departs from ``canonical``, as a message."""
    if isinstance(given, dict) and isinstance(canonical, dict):
        for k in canonical:
            if k not in given:
                return f"{at}.{k}: missing (canonical content spells out every default)"
        for k in given:
            if k not in canonical:
                return f"{at}.{k}: not part of the canonical content"
            if given[k] != canonical[k]:
                return _first_difference(given[k], canonical[k], f"{at}.{k}")
    elif isinstance(given, list) and isinstance(canonical, list) and len(given) == len(canonical):
        for i, (g, c) in enumerate(zip(given, canonical, strict=True)):
            if g != c:
                return _first_difference(g, c, f"{at}[{i}]")
    return f"{at}: expected {short(canonical)}, got {short(given)}"


def adopt(state: State, act: RegimeAdopt, ctx: Context) -> Commit:
    if state._regimes:
        first = state._regimes[0]
        raise rejected(
            act,
            f"{regime_label(first.regime)} was already adopted at position {first.valid_from}; "
            "a log has one genesis (change the regime with regime.amend)",
        )
    regime = _parse(act)
    parties = regime.party_ids
    if set(act.parties) != set(parties):
        raise rejected(
            act, f"parties: expected root keys for exactly {list(parties)}, got {list(act.parties)}"
        )
    key_ids: dict[str, str] = {}
    keys: dict[bytes, str] = {}
    verifier_names: dict[str, str] = {}
    verifier_keys: dict[str, str] = {}
    for party in parties:
        spec = act.parties[party]
        at = f"parties.{party}"
        if spec.threshold > len(spec.root_keys):
            raise rejected(
                act,
                f"{at}.threshold: {spec.threshold} exceeds the {len(spec.root_keys)} root key(s) "
                "given",
            )
        for i, k in enumerate(spec.root_keys):
            if k.id in key_ids:
                raise rejected(
                    act, f"{at}.root_keys[{i}].id: {k.id!r} is already used in {key_ids[k.id]}"
                )
            if k.public_key in keys:
                raise rejected(
                    act,
                    f"{at}.root_keys[{i}].public_key: the same key is already {keys[k.public_key]}",
                )
            key_ids[k.id] = f"{at}.root_keys[{i}]"
            keys[k.public_key] = f"{at}.root_keys[{i}]"
        name, _, key = spec.node_verifier.split("+", 2)
        if name in verifier_names:
            raise rejected(
                act, f"{at}.node_verifier: name {name!r} is already {verifier_names[name]}'s"
            )
        if key in verifier_keys:
            raise rejected(
                act, f"{at}.node_verifier: the same key is already {verifier_keys[key]}'s"
            )
        verifier_names[name] = party
        verifier_keys[key] = party

    def commit() -> None:
        state._regimes.append(RegimeVersion(regime.version, ctx.position, regime, ctx.event))
        for party in parties:
            spec = act.parties[party]
            roots = tuple(
                RootKey(k.id, party, KeyPeriod(k.public_key, ctx.position)) for k in spec.root_keys
            )
            for r in roots:
                state._root_keys[r.id] = r
                state._key_owner[r.key.public_key] = r.id
            node_key = NodeKey(spec.node_verifier, ctx.position + 1)
            state._parties[party] = PartyKeys(party, roots, spec.threshold, (node_key,))
        state._clock = act.clock

    return commit


def amend(state: State, act: RegimeAmend, ctx: Context) -> Commit:
    current = regime_of(state, act)
    new = _parse(act)
    if new.version != current.version + 1:
        raise rejected(
            act,
            f"regime.version: expected {current.version + 1} (the version in force is "
            f"{current.version}), got {new.version}",
        )
    for field, what in (("id", "regime id"), ("origin", "log origin")):
        if getattr(new, field) != getattr(current, field):
            raise rejected(
                act,
                f"regime.{field}: the {what} cannot change by amendment "
                f"(expected {getattr(current, field)!r}, got {getattr(new, field)!r})",
            )
    if new.party_ids != current.party_ids:
        raise rejected(
            act,
            f"regime.parties: the parties cannot change by amendment "
            f"(expected {list(current.party_ids)}, got {list(new.party_ids)})",
        )
    _check_still_valid(state, act, new)

    def commit() -> None:
        state._regimes.append(RegimeVersion(new.version, ctx.position + 1, new, ctx.event))

    return commit


def _check_still_valid(state: State, act: RegimeAmend, new: Regime) -> None:
    """What the registries refer to must survive the amendment, or records would dangle."""
    categories = {c.id for c in new.categories}
    places = new.gazetteer
    for p in state._projects.values():
        if not p.live:
            continue
        if p.category not in categories:
            raise rejected(
                act,
                f"regime.categories: project {p.id!r} ({p.status}) uses category {p.category!r}",
            )
        for s in p.sites:
            if s.place not in places:
                raise rejected(
                    act, f"regime.places: project {p.id!r} ({p.status}) has a site at {s.place!r}"
                )
    for e in state._enterprises.values():
        if e.status != "registered":
            continue
        if e.registered_address.place not in places:
            raise rejected(
                act,
                f"regime.places: enterprise {e.id!r} is registered at "
                f"{e.registered_address.place!r}",
            )
        for c in e.categories:
            if c not in categories:
                raise rejected(
                    act, f"regime.categories: enterprise {e.id!r} is registered for {c!r}"
                )
    for i in state._incidents.values():
        if i.status == "open" and i.place.place not in places:
            raise rejected(act, f"regime.places: open incident {i.id!r} is at {i.place.place!r}")


RULES: RuleTable = {RegimeAdopt: adopt, RegimeAmend: amend}
