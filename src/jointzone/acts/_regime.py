"""Regime acts: adoption (the genesis of a log) and amendment.

Both carry the regime's whole canonical content, not a diff, so every entry that changes the
agreement shows the agreement it leads to, and a verifier needs nothing but the log to know
which rules governed which entry. The content must be exactly canonical: two spellings of one
regime would hash differently and let nodes disagree about what was signed.

An amendment may add parties, never remove one. A joining party comes with its root of trust
(``joining``), as the genesis declares every first party's: its root keys and threshold, and its
node's note key, with a signed note by that key (:func:`possession_text`) so that a key nobody
holds cannot be declared, for every later checkpoint needs its signature. Besides the amendment
policy's signatures (every current party's root keys), a threshold of the joining party's own
root keys must sign it, as a first root signs itself (the consent layer counts them,
:class:`jointzone.consent.RootRotation`). Its root keys sign from the amendment's own position,
its node key from the next checkpoint size: the first checkpoint that holds the amendment
carries the joining node's signature, and the batch that commits it ends with it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Strict

from jointzone import tlog
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


def possession_text(origin: str, party: str) -> str:
    """The text a new node key signs to show it is held: no checkpoint has this shape (its
    second line is not a size), so the signature cannot be taken for one."""
    return f"jointzone node key\n{origin}\n{party}\n"


#: A signed note of :func:`possession_text` (a few hundred bytes).
Possession = Annotated[str, Field(max_length=1000)]


def check_possession(
    act: Act, possession: str, key: tlog.Verifier, *, origin: str, party: str, at: str
) -> None:
    """Whether ``possession`` is a signed note of :func:`possession_text` by ``key``."""
    try:
        note = tlog.Note.from_bytes(possession.encode())
        tlog.verify_note(note, [key], require="all")
    except tlog.TlogError as e:
        raise rejected(act, f"{at}: not a signed note by the new key: {e}") from None
    expected = possession_text(origin, party)
    if note.text != expected:
        raise rejected(act, f"{at}: the note must read {expected!r}, it reads {note.text!r}")


class JoiningParty(PartyRoot):
    """A party joining by amendment: its root of trust, and the proof its node key is held."""

    #: A signed note of :func:`possession_text` by ``node_verifier``'s key.
    possession: Possession


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

    #: Parties the new version adds, listed after the current ones in its ``parties``, each with
    #: its root of trust. Empty for an amendment that adds none.
    joining: Annotated[dict[Ref, JoiningParty], Field(max_length=8)] = Field(default_factory=dict)

    def joining_key_ids(self) -> dict[str, str]:
        """The root key ids the joining parties declare, each with its party."""
        return {k.id: party for party, spec in self.joining.items() for k in spec.root_keys}


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


def _check_threshold(act: Act, spec: PartyRoot, at: str) -> None:
    if spec.threshold > len(spec.root_keys):
        raise rejected(
            act,
            f"{at}.threshold: {spec.threshold} exceeds the {len(spec.root_keys)} root key(s) given",
        )


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
        _check_threshold(act, spec, at)
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
    expected = (*current.party_ids, *act.joining)
    if new.party_ids != expected:
        raise rejected(
            act,
            f"regime.parties: expected {list(expected)} (the parties in force, in their order, "
            f"then each party in joining; no party leaves), got {list(new.party_ids)}",
        )
    _check_still_valid(state, act, new)
    _check_joining(state, act, new.origin)

    def commit() -> None:
        state._regimes.append(RegimeVersion(new.version, ctx.position + 1, new, ctx.event))
        for party, spec in act.joining.items():
            roots = tuple(
                RootKey(k.id, party, KeyPeriod(k.public_key, ctx.position)) for k in spec.root_keys
            )
            for r in roots:
                state._root_keys[r.id] = r
                state._key_owner[r.key.public_key] = r.id
            node_key = NodeKey(spec.node_verifier, ctx.position + 1, None, ctx.event)
            state._parties[party] = PartyKeys(party, roots, spec.threshold, (node_key,))

    return commit


def node_keys_held(state: State) -> tuple[dict[str, str], dict[bytes, str]]:
    """Every node key the log has declared, by name and by raw public key, each with its party:
    a node key is never reused, nor its name taken by another party."""
    names: dict[str, str] = {}
    used: dict[bytes, str] = {}
    for party, held in state._parties.items():
        for k in held.node_keys:
            verifier = tlog.Verifier.from_vkey(k.verifier)
            names[verifier.name] = party
            used[verifier.public_key_bytes] = party
    return names, used


def _check_joining(state: State, act: RegimeAmend, origin: str) -> None:
    """Each joining party's root keys and node key are new to the log, as the genesis's are to
    each other, and its node key is held."""
    key_ids: dict[str, str] = {}
    keys: dict[bytes, str] = {}
    names, used = node_keys_held(state)
    for party, spec in act.joining.items():
        at = f"joining.{party}"
        _check_threshold(act, spec, at)
        for i, k in enumerate(spec.root_keys):
            where = f"{at}.root_keys[{i}]"
            if k.id in key_ids or k.id in state._root_keys or k.id in state._officials:
                first = key_ids.get(k.id, "a key of the record")
                raise rejected(
                    act, f"{where}.id: {k.id!r} is already used by {first} (ids are never reused)"
                )
            owner = keys.get(k.public_key) or state._key_owner.get(k.public_key)
            if owner is not None:
                raise rejected(
                    act,
                    f"{where}.public_key: this key is already used by {owner!r} (keys are "
                    "never reused)",
                )
            key_ids[k.id] = where
            keys[k.public_key] = where
        node = tlog.Verifier.from_vkey(spec.node_verifier)
        if node.name in names:
            raise rejected(
                act, f"{at}.node_verifier: name {node.name!r} is already {names[node.name]}'s"
            )
        if node.public_key_bytes in used:
            raise rejected(
                act,
                f"{at}.node_verifier: this key is already a node key of "
                f"{used[node.public_key_bytes]!r} (node keys are never reused)",
            )
        names[node.name] = party
        used[node.public_key_bytes] = party
        check_possession(
            act, spec.possession, node, origin=origin, party=party, at=f"{at}.possession"
        )


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
