"""Consent policies: which signatures an act needs before it takes effect.

A policy is data in the regime (per act type): whose signatures count, from which roles, and how
many per party. Evaluation is a pure function of the policy, the parties, and the signers already
judged valid at the act's log position, so every node and every verifier reaches the same verdict.

Kinds:
    every-party        each party: its threshold of its officials holding one of ``roles``
    any-party          at least one party does so (reporting an incident, revoking a certificate)
    own-party-root     the subject party's root keys, to its root threshold (its officials)
    every-party-root   each party's root keys, to each party's root threshold (the regime itself)

A root rotation (``party.rotate-root``) asks for more than its policy, whatever the regime says:
the party's new root keys must sign too, to the new threshold (:class:`RootRotation`), as TUF
asks of a new root; and a key the rotation declares compromised counts for nothing. So does an
amendment by which a party joins (``regime.amend`` with ``joining``): the joining party's root
keys, which it declares, must sign it to its threshold, as the genesis is signed by the keys it
declares; its standing comes after the parties in force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

ConsentKind = Literal["every-party", "any-party", "own-party-root", "every-party-root"]
#: ``new-root``: a root key that the act being judged declares, not yet one of the record.
SignerKind = Literal["official", "root", "new-root"]


@dataclass(frozen=True, slots=True)
class RootRotation:
    """A party's root keys being replaced: besides its policy, the act needs ``threshold`` of
    the new set ``keys`` (kept keys count for both sets), and the keys it declares
    ``compromised`` count towards nothing."""

    party: str
    keys: frozenset[str]
    threshold: int
    compromised: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Requirement:
    """What one act needs: its type's policy as the consent layer reads it, and for a root
    rotation what the act itself asks besides."""

    consent: ConsentKind
    thresholds: Mapping[str, int] = field(default_factory=dict)  # per party; 1 where absent
    roles: frozenset[str] = field(default_factory=frozenset)
    rotation: RootRotation | None = None
    #: Parties joining by the act: each one's declared root keys and threshold.
    joining: tuple[RootRotation, ...] = ()

    def threshold_for(self, party: str) -> int:
        return self.thresholds.get(party, 1)


@dataclass(frozen=True, slots=True)
class ValidSigner:
    """A signature already checked: whose key, for which party, with which roles."""

    party: str
    kind: SignerKind
    signer: str  # official id, or the root key's id
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Verdict:
    satisfied: bool
    missing: tuple[str, ...] = ()  # one plain sentence per party still short of consent

    def explain(self) -> str:
        return "consent complete" if self.satisfied else "; ".join(self.missing)


def counts_for(req: Requirement, signer: ValidSigner) -> bool:
    """Whether ``signer`` may speak for its party on an act with this requirement: the same
    keys and roles whose signatures count towards consent (a rejection is judged by it)."""
    if req.consent in ("own-party-root", "every-party-root"):
        return signer.kind == "root"
    return signer.kind == "official" and (not req.roles or bool(signer.roles & req.roles))


@dataclass(frozen=True, slots=True)
class PartyConsent:
    """Where one party stands on one act: who of it signed, and whether that is enough.

    ``need`` is 0 for a party whose signatures the act does not ask for (another party's
    officials, under ``own-party-root``). ``signers`` are those whose signatures count. For the
    party whose root keys a rotation replaces, ``new_have`` of ``new_need`` counts its new keys.
    """

    party: str
    kind: SignerKind
    have: int
    need: int
    signers: tuple[str, ...]
    new_have: int = 0
    new_need: int = 0

    @property
    def done(self) -> bool:
        return self.have >= self.need and self.new_have >= self.new_need


def party_consent(
    req: Requirement,
    signers: Sequence[ValidSigner],
    *,
    parties: Sequence[str],
    subject_party: str | None = None,
    root_thresholds: Mapping[str, int] | None = None,
) -> tuple[PartyConsent, ...]:
    """Each party's standing on an act with requirement ``req``, in ``parties``' order."""
    roots = root_thresholds or {}
    kind: SignerKind = (
        "root" if req.consent in ("own-party-root", "every-party-root") else "official"
    )
    rotation = req.rotation
    out = []
    for party in parties:
        rotating = rotation is not None and rotation.party == party
        barred = rotation.compromised if rotation is not None and rotating else frozenset()
        # One signer counts once however many times it signed.
        counted = sorted(
            {
                s.signer
                for s in signers
                if s.party == party
                and s.kind == kind
                and (kind == "root" or not req.roles or s.roles & req.roles)
                and s.signer not in barred
            }
        )
        need = roots.get(party, 1) if kind == "root" else req.threshold_for(party)
        if req.consent == "own-party-root" and party != subject_party:
            need = 0
        standing = PartyConsent(party, kind, len(counted), need, tuple(counted))
        if rotation is not None and rotating:
            fresh = {
                s.signer
                for s in signers
                if s.party == party
                and s.kind in ("root", "new-root")
                and s.signer in rotation.keys
                and s.signer not in barred
            }
            standing = replace(standing, new_have=len(fresh), new_need=rotation.threshold)
        out.append(standing)
    for joiner in req.joining:
        fresh = {
            s.signer
            for s in signers
            if s.party == joiner.party and s.kind == "new-root" and s.signer in joiner.keys
        }
        out.append(
            PartyConsent(
                joiner.party,
                "new-root",
                0,
                0,
                tuple(sorted(fresh)),
                new_have=len(fresh),
                new_need=joiner.threshold,
            )
        )
    return tuple(out)


def evaluate(
    req: Requirement,
    signers: Sequence[ValidSigner],
    *,
    parties: Sequence[str],
    subject_party: str | None = None,
    root_thresholds: Mapping[str, int] | None = None,
) -> Verdict:
    """Whether ``signers`` give the consent ``req`` asks for."""
    if req.consent == "own-party-root" and subject_party is None:
        return Verdict(False, ("the act names no party whose root keys must sign",))
    standing = party_consent(
        req, signers, parties=parties, subject_party=subject_party, root_thresholds=root_thresholds
    )

    def short(p: PartyConsent) -> list[str]:
        who = (
            "root keys"
            if p.kind == "root"
            else "officials" + (f" with role {'/'.join(sorted(req.roles))}" if req.roles else "")
        )
        lines = [f"{p.party}: {p.have} of {p.need} signatures of its {who}"]
        if p.new_have < p.new_need:
            lines.append(f"{p.party}: {p.new_have} of {p.new_need} signatures of its new root keys")
        return lines if p.have < p.need else lines[1:]

    # A joining party's standing follows the others'; it counts whatever the policy's kind.
    joining = standing[len(standing) - len(req.joining) :] if req.joining else ()
    standing = standing[: len(standing) - len(joining)]
    if req.consent == "own-party-root" and subject_party and subject_party not in parties:
        need = (root_thresholds or {}).get(subject_party, 1)
        missing = [f"{subject_party}: 0 of {need} signatures of its root keys"]
    else:
        missing = [line for p in standing if not p.done for line in short(p)]
    if req.consent == "any-party" and missing:
        missing = [] if any(p.done for p in standing) else ["any one party: " + "; ".join(missing)]
    missing += [
        f"{p.party}: {p.new_have} of {p.new_need} signatures of the root keys it joins with"
        for p in joining
        if not p.done
    ]
    return Verdict(not missing, tuple(missing))
