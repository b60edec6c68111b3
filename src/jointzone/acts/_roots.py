"""Root acts: a party replaces its root keys and their threshold, as TUF rotates a root, or
its node's note key.

``party.rotate-root`` names the party's whole new set of root keys (keys kept from the old set
are named again, with the same id and public key) and the new threshold. It takes effect only
when a threshold of the old keys — the party's root threshold in force, under the regime's
root policy for the act — *and* the new threshold of the new keys have signed it: the old keys
hand over, and the new keys prove that someone holds them by signing the very act that declares
them (the consent layer counts both, :class:`jointzone.consent.RootRotation`).

A lost key needs nothing of its own: while a threshold of the other keys remains, they rotate
it out. A compromised key is removed and named in ``compromised``: it signs nothing after the
rotation, as any removed key, its signature does not count towards the rotation that removes
it, and the record says why it went. Every entry signed before the rotation keeps being judged
by the keys valid at its position, so the log's history verifies as it did.

Ids and public keys are never reused, by anyone: a kid names one key for the life of the log.

``party.rotate-node-key`` gives a party's node a new C2SP note key, signed by the party's root
keys. Checkpoints of sizes ``p + 1 .. p + overlap`` (the act at position ``p``) carry the old
and the new key's signatures, so a verifier that knows only the old key opens them and learns
the new key from them; later checkpoints carry the new key's alone. The act carries a signed
note by the new key (:func:`possession_text`), so a key nobody holds cannot be declared: the
log would never be final again. One rotation at a time: a second waits until the first's overlap
has ended.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, Strict

from jointzone import tlog
from jointzone.acts._checks import Commit, Context, RuleTable, check_party, regime_of, rejected
from jointzone.acts._regime import Possession, RootKeySpec, check_possession, node_keys_held
from jointzone.acts._state import KeyPeriod, NodeKey, PartyKeys, RootKey, State
from jointzone.acts._types import Act, NoteVerifier, Ref, Refs
from jointzone.regime import Regime


class PartyRotateRoot(Act):
    """Replace a party's root keys and threshold; a threshold of the old keys and of the new
    ones sign it."""

    TYPE = "party.rotate-root"

    party: Ref
    #: The party's whole new set: kept keys with their id and public key, and the new ones.
    root_keys: Annotated[tuple[RootKeySpec, ...], Strict(False), Field(min_length=1, max_length=16)]
    threshold: Annotated[int, Field(ge=1)]
    #: Ids of old root keys this act removes because they are compromised.
    compromised: Refs = ()

    @property
    def own_party(self) -> str | None:
        return self.party

    def new_key_ids(self) -> frozenset[str]:
        return frozenset(k.id for k in self.root_keys)


def _by_root(state: State, act: PartyRotateRoot | PartyRotateNodeKey, what: str) -> Regime:
    """The regime in force, once it gives ``act`` a policy of root keys: only root keys may
    replace ``what``."""
    regime = regime_of(state, act)
    check_party(regime, act, act.party, "party")
    if not regime.policy(act.TYPE).by_root:
        raise rejected(
            act,
            f"regime {regime.id!r} v{regime.version} gives {act.TYPE} a policy of officials; "
            f"only root keys may replace {what} (expected own-party-root or every-party-root)",
        )
    return regime


def rotate_root(state: State, act: PartyRotateRoot, ctx: Context) -> Commit:
    _by_root(state, act, "root keys")
    if act.threshold > len(act.root_keys):
        raise rejected(
            act,
            f"threshold: {act.threshold} exceeds the {len(act.root_keys)} root key(s) given",
        )
    current = state.root_keys_at(act.party, ctx.position)
    seen_ids: dict[str, int] = {}
    seen_keys: dict[bytes, int] = {}
    for i, k in enumerate(act.root_keys):
        at = f"root_keys[{i}]"
        if k.id in seen_ids:
            raise rejected(act, f"{at}.id: {k.id!r} is already root_keys[{seen_ids[k.id]}]")
        if k.public_key in seen_keys:
            raise rejected(
                act,
                f"{at}.public_key: the same key is already root_keys[{seen_keys[k.public_key]}]",
            )
        seen_ids[k.id] = i
        seen_keys[k.public_key] = i
        kept = current.get(k.id)
        if kept is not None:
            if kept.public_key != k.public_key:
                raise rejected(
                    act,
                    f"{at}.public_key: {k.id!r} is a root key of {act.party!r} with another "
                    "public key (a key id names one key for the life of the log)",
                )
            continue
        if k.id in state._root_keys or k.id in state._officials:
            raise rejected(act, f"{at}.id: {k.id!r} is already used (ids are never reused)")
        owner = state._key_owner.get(k.public_key)
        if owner is not None:
            raise rejected(
                act,
                f"{at}.public_key: this key is already used by {owner!r} (keys are never reused)",
            )
    new_ids = act.new_key_ids()
    for i, key_id in enumerate(act.compromised):
        if key_id not in current:
            raise rejected(
                act,
                f"compromised[{i}]: {key_id!r} is not a root key of {act.party!r} valid at "
                f"position {ctx.position}",
            )
        if key_id in new_ids:
            raise rejected(
                act,
                f"compromised[{i}]: {key_id!r} is among the new root keys; a compromised key "
                "is removed, not kept",
            )
    if new_ids == set(current) and act.threshold == state.root_threshold(act.party):
        raise rejected(
            act,
            f"root_keys, threshold: the keys and threshold {act.threshold} in force already; "
            "the act would change nothing",
        )

    def commit() -> None:
        old = state._parties[act.party]
        compromised = set(act.compromised)
        kept: list[RootKey] = []
        for r in old.root_keys:
            if r.id not in current or r.id in new_ids:
                kept.append(r)  # removed earlier, or kept now
                continue
            period = KeyPeriod(r.key.public_key, r.key.valid_from, ctx.position + 1)
            closed = RootKey(
                r.id, r.party, period, compromised=ctx.event if r.id in compromised else None
            )
            kept.append(closed)
            state._root_keys[r.id] = closed
        added = [
            RootKey(k.id, act.party, KeyPeriod(k.public_key, ctx.position))
            for k in act.root_keys
            if k.id not in current
        ]
        for r in added:
            state._root_keys[r.id] = r
            state._key_owner[r.key.public_key] = r.id
        state._parties[act.party] = PartyKeys(
            act.party, (*kept, *added), act.threshold, old.node_keys
        )

    return commit


#: The largest overlap an act may state, in entries: long enough for months of a busy log.
MAX_OVERLAP = 1_000_000


class PartyRotateNodeKey(Act):
    """Give a party's node a new note key; its root keys sign. Checkpoints of the next
    ``overlap`` sizes carry the old and the new key's signatures."""

    TYPE = "party.rotate-node-key"
    #: The largest ``overlap`` an act may state.
    MAX_OVERLAP: ClassVar[int] = MAX_OVERLAP

    party: Ref
    #: The new C2SP signed-note verifier key; its name is the party's node key name.
    node_verifier: NoteVerifier
    #: How many checkpoint sizes after this act the old key still signs beside the new one.
    overlap: Annotated[int, Field(ge=1, le=MAX_OVERLAP)]
    #: A signed note of :func:`possession_text` by the new key.
    possession: Possession

    @property
    def own_party(self) -> str | None:
        return self.party


def rotate_node_key(state: State, act: PartyRotateNodeKey, ctx: Context) -> Commit:
    regime = _by_root(state, act, "a node key")
    held = state._parties[act.party]
    # The keys that sign the first checkpoint holding this act, were it not for this act.
    if len(held.node_verifiers_at(ctx.position + 1)) > 1:
        ending = held.node_keys[-2].until_size or 0
        raise rejected(
            act,
            f"party {act.party!r}: the overlap of its last node-key rotation runs until size "
            f"{ending:,}; one rotation at a time",
        )
    new = tlog.Verifier.from_vkey(act.node_verifier)
    old = tlog.Verifier.from_vkey(held.node_verifier)
    if new.name != old.name:
        raise rejected(
            act,
            f"node_verifier: named {new.name!r}; the node key of {act.party!r} is named "
            f"{old.name!r}",
        )
    _, used = node_keys_held(state)
    if new.public_key_bytes in used:
        raise rejected(
            act,
            f"node_verifier: this key is already a node key of {used[new.public_key_bytes]!r} "
            "(node keys are never reused)",
        )
    check_possession(
        act, act.possession, new, origin=regime.origin, party=act.party, at="possession"
    )

    def commit() -> None:
        first = ctx.position + 1
        last = held.node_keys[-1]
        ended = NodeKey(last.verifier, last.from_size, first + act.overlap, last.event)
        added = NodeKey(act.node_verifier, first, None, ctx.event)
        state._parties[act.party] = PartyKeys(
            act.party, held.root_keys, held.threshold, (*held.node_keys[:-1], ended, added)
        )

    return commit


RULES: RuleTable = {PartyRotateRoot: rotate_root, PartyRotateNodeKey: rotate_node_key}
