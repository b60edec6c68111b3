"""A node's replica of the state: derived only by replaying its log, and the judge of new entries.

Replaying applies what the log holds, in order. Admitting a new entry judges it first — its
regime and origin, its expiry, that it was not committed before, every signature against the
keys valid at its position, the consent its act type needs — and then applies its transition,
which checks the act itself; the state changes only if all of that holds.

A signature's COSE ``kid`` is the signer's key id as the record knows it: an official id or a
root key id. The state says which public key that id has at a position, so a rotated or removed
key signs nothing after its rotation or removal. Two acts are also signed by keys they declare
themselves: the genesis, by every party's first root keys; a ``party.rotate-root``, by the
party's new root keys beside a threshold of its old ones; and a ``regime.amend`` by which a
party joins, by the joining party's root keys beside every current party's.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jointzone import acts
from jointzone.consent import (
    ConsentError,
    Entry,
    InvalidSignatureError,
    KeyDirectory,
    MalformedProposalError,
    PartyConsent,
    Proposal,
    Rejection,
    Requirement,
    RootRotation,
    SignerKey,
    ValidSigner,
    Verdict,
    claimed_signers,
    consent_verdict,
    counts_for,
    judge,
    party_consent,
    read_committed,
)
from jointzone.cose import verify_signatures
from jointzone.regime import Regime, RegimeError
from jointzone.tlog import Verifier


class _GenesisKeys:
    """The root keys a regime.adopt act declares: the only keys that can sign it (as TUF's root)."""

    def __init__(self, act: acts.RegimeAdopt) -> None:
        self._keys: dict[str, SignerKey] = {}
        self._thresholds: dict[str, int] = {}
        for party, spec in act.parties.items():
            self._thresholds[party] = spec.threshold
            for k in spec.root_keys:
                pk = Ed25519PublicKey.from_public_bytes(k.public_key)
                self._keys[k.id] = SignerKey(party, "root", k.id, frozenset(), pk)

    def signer_key(self, kid: bytes, position: int) -> SignerKey | None:
        return self._keys.get(kid.decode("utf-8", "replace"))

    def root_threshold(self, party: str) -> int:
        return self._thresholds.get(party, 1)

    def refusal(self, kid: bytes, position: int) -> str:
        return "not a root key the genesis declares"


class _StateKeys:
    """The keys of the record, as the state knows them at a position."""

    def __init__(self, state: acts.State) -> None:
        self._state = state
        # What the state answers is asked for again and again, for the same few signers: each
        # answer's SignerKey is made once. Keyed by the whole answer (id, party, roles, public
        # key, kind), so a key rotated, a role changed or a signer removed is a new answer.
        self._cache: dict[acts.Signer, SignerKey] = {}

    def signer_key(self, kid: bytes, position: int) -> SignerKey | None:
        try:
            key_id = kid.decode("utf-8")
        except UnicodeDecodeError:
            return None
        found = self._state.signer_at(key_id, position)
        if found is None:
            return None
        key = self._cache.get(found)
        if key is None:
            key = self._cache[found] = SignerKey(
                party=found.party,
                kind="root" if found.root else "official",
                signer=key_id,
                roles=frozenset(found.roles),
                public_key=Ed25519PublicKey.from_public_bytes(found.public_key),
            )
        return key

    def root_threshold(self, party: str) -> int:
        return self._state.party_keys(party).threshold

    def refusal(self, kid: bytes, position: int) -> str:
        try:
            return self._state.signer_refusal(kid.decode("utf-8"), position)
        except UnicodeDecodeError:
            return "unknown"


class _DeclaredKeys:
    """The keys of the record, and root keys an act declares itself: a ``party.rotate-root``'s
    new set, or the root keys of a party joining by ``regime.amend``. They sign the act that
    declares them, as TUF's new root signs its own rotation. A key of the record keeps its
    kind; a declared one is a ``new-root``, which counts only towards the declared set."""

    def __init__(self, keys: _StateKeys, declared: Mapping[str, tuple[str, bytes]]) -> None:
        self._keys = keys
        self._declared = declared  # key id -> (party, public key)

    @classmethod
    def of_rotation(cls, keys: _StateKeys, act: acts.PartyRotateRoot) -> _DeclaredKeys:
        return cls(keys, {k.id: (act.party, k.public_key) for k in act.root_keys})

    @classmethod
    def of_joining(cls, keys: _StateKeys, act: acts.RegimeAmend) -> _DeclaredKeys:
        return cls(
            keys,
            {
                k.id: (party, k.public_key)
                for party, spec in act.joining.items()
                for k in spec.root_keys
            },
        )

    def signer_key(self, kid: bytes, position: int) -> SignerKey | None:
        found = self._keys.signer_key(kid, position)
        if found is not None:
            return found
        try:
            key_id = kid.decode("utf-8")
        except UnicodeDecodeError:
            return None
        declared = self._declared.get(key_id)
        if declared is None:
            return None
        party, public = declared
        return SignerKey(
            party=party,
            kind="new-root",
            signer=key_id,
            roles=frozenset(),
            public_key=Ed25519PublicKey.from_public_bytes(public),
        )

    def root_threshold(self, party: str) -> int:
        return self._keys.root_threshold(party)

    def refusal(self, kid: bytes, position: int) -> str:
        return self._keys.refusal(kid, position)


#: How many parsed acts of open proposals a replica keeps (see ``Replica._parsed``).
_PARSED_MAX = 10_000


class Replica:
    """See the module docstring."""

    def __init__(self) -> None:
        self.state = acts.State()
        self._keys = _StateKeys(self.state)
        # Judging a new entry runs the neutrality gate too, when the node has one.
        self.gate: Callable[[Mapping[str, str]], list[Any]] | None = None
        # Each open proposal's act, parsed once: the sequencer judges every open proposal in
        # every round. An act id is the hash of the proposal's payload, so it names one act.
        self._parsed: dict[str, acts.Act] = {}
        # Each act type's consent requirement under ``_policies_of``, the regime object in force
        # when they were read: a regime is frozen, and an amendment puts a new one in force.
        self._policies_of: Regime | None = None
        self._policies: dict[str, Requirement] = {}

    @classmethod
    def replay(cls, entries: Iterable[bytes]) -> Replica:
        """The state of a log, from its entries alone (they were judged when admitted).

        The cyclic garbage collector is paused meanwhile: replay makes a long-lived object or
        two per entry and no reference cycles, so every collection would scan a growing state
        for nothing (measured: 21,100 acts/s with it running, 29,300 paused, bench_core).
        """
        paused = gc.isenabled()
        gc.disable()
        try:
            return cls._replay(entries)
        finally:
            if paused:
                gc.enable()

    @classmethod
    def _replay(cls, entries: Iterable[bytes]) -> Replica:
        replica = cls()
        state = replica.state
        for i, data in enumerate(entries):
            entry = read_committed(data, index=i)
            act = acts.parse_act(entry.act)
            by_party: dict[str, list[str]] = {}
            if isinstance(act, acts.RegimeAdopt):
                genesis = _GenesisKeys(act)
                for kid in entry.kids:
                    if key := genesis.signer_key(kid, i):
                        by_party.setdefault(key.party, []).append(key.signer)
            else:
                # Only who signed is needed here: the signatures were checked on admission.
                for kid in entry.kids:
                    key_id = kid.decode("utf-8", "replace")
                    if signer := state.signer_at(key_id, i):
                        by_party.setdefault(signer.party, []).append(key_id)
            acts.apply(
                state, act, position=i, time=entry.time, signers=by_party, act_id=entry.act_id
            )
        return replica

    # -- what the state says --------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.state.size

    @property
    def last_time(self) -> datetime | None:
        return self.state.last_time

    @property
    def regime(self) -> Regime | None:
        return self.state.regime

    @property
    def origin(self) -> str:
        regime = self.state.regime
        if regime is None:
            raise ConsentError("no regime has been adopted yet: the log is empty")
        return regime.origin

    def node_verifiers(self, size: int | None = None) -> list[Verifier]:
        """Every node key that signs a checkpoint of ``size`` (default: this replica's size),
        in regime order: each party's one, or both of a party's keys in a rotation's overlap.
        A final checkpoint carries a signature by every one of them."""
        return [v for keys in self.node_verifiers_by_party(size).values() for v in keys]

    def node_verifiers_by_party(self, size: int | None = None) -> dict[str, list[Verifier]]:
        """The node keys that sign a checkpoint of ``size`` (default: this replica's size), by
        party, as the genesis and any ``party.rotate-node-key`` up to this replica's size
        declare them (a rotation beyond it is not known yet)."""
        at = self.size if size is None else size
        return {
            p: [_verifier(v) for v in vkeys]
            for p, vkeys in self.state.node_verifiers_at(at).items()
        }

    def committed_index(self, act_id: str) -> int | None:
        return self.state.act_position(act_id)

    def regime_for(self, act: Mapping[str, Any]) -> Regime:
        """The regime a proposal is made and judged under: the one in force, or the one adopted."""
        if self.state.regime is not None:
            return self.state.regime
        if act.get("type") != "regime.adopt":
            raise ConsentError("the first act of a log must adopt the regime (regime.adopt)")
        try:
            return Regime.from_canonical(act.get("regime") or {})
        except RegimeError as e:
            raise MalformedProposalError(f"regime.adopt carries an invalid regime: {e}") from e

    def check_act(self, act: Mapping[str, Any], *, time: datetime) -> acts.Act:
        """Parse an act and check it would apply now (all but its signatures)."""
        parsed = acts.parse_act(act)
        acts.check(self.state, parsed, time=time)
        return parsed

    # -- judging --------------------------------------------------------------------------------

    def _requirement(
        self, proposal: Proposal
    ) -> tuple[Requirement, Sequence[str], str | None, KeyDirectory, acts.Act]:
        act = self._parsed.get(proposal.id)
        if act is None:
            act = acts.parse_act(proposal.content.act)
            if len(self._parsed) >= _PARSED_MAX:
                self._parsed.clear()
            self._parsed[proposal.id] = act
        regime = self.regime_for(proposal.content.act)
        if regime is not self._policies_of:
            self._policies_of, self._policies = regime, {}
        req = self._policies.get(act.TYPE)
        if req is None:
            policy = regime.policy(act.TYPE)
            req = self._policies[act.TYPE] = Requirement(
                consent=policy.consent,
                thresholds=dict(policy.threshold),
                roles=frozenset(policy.roles),
            )
        keys: KeyDirectory = self._keys
        if isinstance(act, acts.RegimeAdopt):
            keys = _GenesisKeys(act)
        elif isinstance(act, acts.PartyRotateRoot):
            keys = _DeclaredKeys.of_rotation(self._keys, act)
            rotation = RootRotation(
                act.party, act.new_key_ids(), act.threshold, frozenset(act.compromised)
            )
            req = replace(req, rotation=rotation)
        elif isinstance(act, acts.RegimeAmend) and act.joining:
            keys = _DeclaredKeys.of_joining(self._keys, act)
            joining = tuple(
                RootRotation(party, frozenset(k.id for k in spec.root_keys), spec.threshold)
                for party, spec in act.joining.items()
            )
            req = replace(req, joining=joining)
        return req, regime.party_ids, act.own_party, keys, act

    def verdict(self, proposal: Proposal) -> Verdict:
        """How far a proposal's consent has come, counted at the next position from the keys
        its signatures name: each was verified as it arrived (:meth:`check_signatures`), and
        all are verified again when the act is judged for the log (:meth:`admit`)."""
        try:
            req, parties, subject, keys, _ = self._requirement(proposal)
            signers = claimed_signers(proposal, keys, self.size)
        except (ConsentError, acts.ActError, RegimeError) as e:
            return Verdict(False, (str(e),))
        return consent_verdict(req, signers, parties=parties, keys=keys, subject_party=subject)

    def standing(self, proposal: Proposal) -> tuple[PartyConsent, ...]:
        """Each party's standing on ``proposal``, in the regime's order, counted as
        :meth:`verdict` counts; empty where the proposal cannot be judged at all."""
        try:
            req, parties, subject, keys, _ = self._requirement(proposal)
            signers = claimed_signers(proposal, keys, self.size)
        except (ConsentError, acts.ActError, RegimeError):
            return ()
        roots = {p: keys.root_threshold(p) for p in parties}
        return party_consent(
            req, signers, parties=parties, subject_party=subject, root_thresholds=roots
        )

    def check_signatures(
        self, proposal: Proposal, kids: Sequence[bytes], *, party: str | None = None
    ) -> None:
        """Verify the signatures of ``kids`` on ``proposal`` as of the next position, each by a
        key the record knows (of ``party``, when given); raises naming the first that fails.

        Only those signatures: the others were checked when they arrived, and the verdict judges
        them all again."""
        _, _, _, keys, _ = self._requirement(proposal)
        lookup = {}
        for kid in kids:
            key = keys.signer_key(kid, self.size)
            if key is None:
                raise InvalidSignatureError(
                    f"key {kid.decode('utf-8', 'replace')!r} is not a key of the record valid at "
                    f"position {self.size} ({keys.refusal(kid, self.size)})"
                )
            if party is not None and key.party != party:
                raise InvalidSignatureError(
                    f"key {key.signer!r} is {key.party!r}'s; a node of {party!r} signs only for "
                    "its own party"
                )
            lookup[kid] = key.public_key
        wanted = set(kids)
        for check in verify_signatures(proposal.message, lookup):
            if check.kid in wanted and not check.valid:
                raise InvalidSignatureError(f"signature {check.index}: {check.message}")

    def judge_rejection(self, rejection: Rejection, proposal: Proposal) -> ValidSigner:
        """The signer of a rejection, if it may refuse ``proposal`` for its party: a key valid at
        the next position, of that party, whose signature would count towards its consent."""
        if rejection.act_id != proposal.id:
            raise ConsentError(f"the rejection is of act {rejection.act_id}, not {proposal.id}")
        if rejection.origin != proposal.content.origin:
            raise ConsentError(
                f"the rejection was made for log {rejection.origin!r}, the act for "
                f"{proposal.content.origin!r}"
            )
        req, parties, _, keys, _ = self._requirement(proposal)
        if rejection.party not in parties:
            raise ConsentError(f"{rejection.party!r} is not a party of the regime")
        key = keys.signer_key(rejection.kid, self.size)
        if key is None:
            raise InvalidSignatureError(
                f"key {rejection.official!r} is not a key of the record valid at position "
                f"{self.size} ({keys.refusal(rejection.kid, self.size)})"
            )
        if key.party != rejection.party:
            raise InvalidSignatureError(
                f"key {key.signer!r} is {key.party!r}'s; it cannot reject for {rejection.party!r}"
            )
        (check,) = verify_signatures(rejection.message, {rejection.kid: key.public_key})
        if not check.valid:
            raise InvalidSignatureError(f"rejection by {key.signer!r}: {check.message}")
        signer = ValidSigner(key.party, key.kind, key.signer, key.roles)
        if not counts_for(req, signer):
            raise ConsentError(
                f"{key.signer!r} may not speak for {key.party!r} on {proposal.act_type}: "
                f"its signature would not count towards consent ("
                + (
                    "root keys decide it"
                    if req.consent.endswith("root")
                    else f"roles {sorted(req.roles)} decide it"
                )
                + ")"
            )
        return signer

    def admit(self, entry: Entry, position: int) -> None:
        """Judge an entry at ``position`` and apply it; nothing changes if it fails."""
        if position != self.size:
            raise ConsentError(f"entry for position {position}, but the replica is at {self.size}")
        p = entry.proposal
        c = p.content
        regime = self.regime_for(c.act)
        if c.origin != regime.origin:
            raise ConsentError(
                f"act {p.id} was made for log {c.origin!r}; this log is {regime.origin!r}"
            )
        if (c.regime_id, c.regime_version) != (regime.id, regime.version):
            raise ConsentError(
                f"act {p.id} was made under regime {c.regime_id} v{c.regime_version}; "
                f"the regime in force is {regime.id} v{regime.version}"
            )
        if entry.time > c.expires_at:
            raise ConsentError(f"act {p.id} expired at {c.expires_at:%Y-%m-%dT%H:%M:%SZ}")
        req, parties, subject, keys, act = self._requirement(p)
        signers = judge(
            p, requirement=req, parties=parties, keys=keys, position=position, subject_party=subject
        )
        if self.gate is not None and (findings := self.gate(act.free_text())):
            raise ConsentError(
                f"act {p.id} ({act.TYPE}) has {len(findings)} neutrality finding(s), first "
                f"{findings[0].field}: {findings[0].finding.message}"
            )
        self._apply(entry.time, p.id, act, position, signers)
        self._parsed.pop(p.id, None)

    def _apply(
        self,
        time: datetime,
        act_id: str,
        act: acts.Act,
        position: int,
        signers: Sequence[ValidSigner],
    ) -> None:
        by_party: dict[str, list[str]] = {}
        for s in signers:
            by_party.setdefault(s.party, []).append(s.signer)
        acts.apply(
            self.state,
            act,
            position=position,
            time=time,
            signers=by_party,
            act_id=act_id,
        )


def signers_of(entry: Entry, replica: Replica, position: int) -> list[ValidSigner]:
    """Who signed an entry, as the record names them (for display)."""
    _, _, _, keys, _ = replica._requirement(entry.proposal)
    out = []
    for kid in entry.proposal.kids:
        k = keys.signer_key(kid, position)
        if k is not None:
            out.append(ValidSigner(k.party, k.kind, k.signer, k.roles))
    return out


@functools.lru_cache(maxsize=256)
def _verifier(vkey: str) -> Verifier:
    """A node key's verifier, parsed once: every checkpoint check asks for the same few."""
    return Verifier.from_vkey(vkey)
