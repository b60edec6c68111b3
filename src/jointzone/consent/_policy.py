"""Consent policies: which signatures an act needs before it takes effect.

A policy is data in the regime (per act type): whose signatures count, from which roles, and how
many per party. Evaluation is a pure function of the policy, the parties, and the signers already
judged valid at the act's log position, so every node and every verifier reaches the same verdict.

Kinds:
    every-party        each party: its threshold of its officials holding one of ``roles``
    any-party          at least one party does so (reporting an incident, revoking a certificate)
    own-party-root     the subject party's root keys, to its root threshold (its officials)
    every-party-root   each party's root keys, to each party's root threshold (the regime itself)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

ConsentKind = Literal["every-party", "any-party", "own-party-root", "every-party-root"]
SignerKind = Literal["official", "root"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """What one act type needs: the policy as the consent layer reads it."""

    consent: ConsentKind
    thresholds: Mapping[str, int] = field(default_factory=dict)  # per party; 1 where absent
    roles: frozenset[str] = field(default_factory=frozenset)

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
    officials, under ``own-party-root``). ``signers`` are those whose signatures count."""

    party: str
    kind: SignerKind
    have: int
    need: int
    signers: tuple[str, ...]

    @property
    def done(self) -> bool:
        return self.have >= self.need


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
    out = []
    for party in parties:
        # One signer counts once however many times it signed.
        counted = sorted(
            {
                s.signer
                for s in signers
                if s.party == party
                and s.kind == kind
                and (kind == "root" or not req.roles or s.roles & req.roles)
            }
        )
        need = roots.get(party, 1) if kind == "root" else req.threshold_for(party)
        if req.consent == "own-party-root" and party != subject_party:
            need = 0
        out.append(PartyConsent(party, kind, len(counted), need, tuple(counted)))
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

    def short(p: PartyConsent) -> str:
        who = (
            "root keys"
            if p.kind == "root"
            else "officials" + (f" with role {'/'.join(sorted(req.roles))}" if req.roles else "")
        )
        return f"{p.party}: {p.have} of {p.need} signatures of its {who}"

    if req.consent == "own-party-root" and subject_party and subject_party not in parties:
        need = (root_thresholds or {}).get(subject_party, 1)
        missing = [f"{subject_party}: 0 of {need} signatures of its root keys"]
    else:
        missing = [short(p) for p in standing if not p.done]
    if req.consent == "any-party" and missing:
        missing = [] if any(p.done for p in standing) else ["any one party: " + "; ".join(missing)]
    return Verdict(not missing, tuple(missing))
