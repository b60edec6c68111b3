"""Judging a proposal at a log position: are its signatures valid, and do they amount to consent?

The sequencer judges before it appends; every witness judges again before it cosigns; the
verifier judges once more from the published log. All three call this one function with the keys
valid at the entry's position, so a rotated or removed key counts for what it signed before its
rotation and for nothing after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jointzone.consent._policy import Requirement, SignerKind, ValidSigner, Verdict, evaluate
from jointzone.consent._proposal import Proposal
from jointzone.consent.errors import ConsentMissingError, InvalidSignatureError
from jointzone.cose import verify_signatures


@dataclass(frozen=True, slots=True)
class SignerKey:
    """A key as the record knows it at some position: whose, of what kind, with which roles."""

    party: str
    kind: SignerKind
    signer: str
    roles: frozenset[str]
    public_key: Ed25519PublicKey


class KeyDirectory(Protocol):
    """The keys valid at a position, as the state derived from the log knows them."""

    def signer_key(self, kid: bytes, position: int) -> SignerKey | None:
        """The key with ``kid`` if it is valid at ``position``."""
        ...

    def root_threshold(self, party: str) -> int:
        """How many of ``party``'s root keys must sign its own-party root acts."""
        ...

    def refusal(self, kid: bytes, position: int) -> str:
        """Why the key with ``kid`` is not valid at ``position``, in a few words (unknown,
        removed, declared compromised...), for the message refusing its signature."""
        ...


def _signer_keys(proposal: Proposal, keys: KeyDirectory, position: int) -> dict[bytes, SignerKey]:
    """Each signature's key as the record knows it at ``position``, or
    :class:`InvalidSignatureError` naming the first kid that is no key of the record there."""
    lookup: dict[bytes, SignerKey] = {}
    for kid in proposal.kids:
        key = keys.signer_key(kid, position)
        if key is None:
            raise InvalidSignatureError(
                f"act {proposal.id}: key {kid.hex()} is not a key of the record valid at "
                f"position {position} ({keys.refusal(kid, position)})"
            )
        lookup[kid] = key
    return lookup


def _claimed(proposal: Proposal, lookup: dict[bytes, SignerKey]) -> list[ValidSigner]:
    out = []
    for kid in proposal.kids:
        k = lookup[kid]
        out.append(ValidSigner(party=k.party, kind=k.kind, signer=k.signer, roles=k.roles))
    return out


def _verify(proposal: Proposal, lookup: dict[bytes, SignerKey]) -> None:
    checks = verify_signatures(proposal.message, {kid: k.public_key for kid, k in lookup.items()})
    for check in checks:
        if not check.valid:
            raise InvalidSignatureError(
                f"act {proposal.id}: signature {check.index}: {check.message}"
            )


def claimed_signers(proposal: Proposal, keys: KeyDirectory, position: int) -> list[ValidSigner]:
    """The signer each signature names, from its kid alone, no signature checked; or
    :class:`InvalidSignatureError` for a kid that is no key of the record at ``position``.

    For telling how far consent has come on a proposal a node holds, whose signatures it
    verified as each arrived; never for judging an entry (:func:`judge` verifies them all)."""
    return _claimed(proposal, _signer_keys(proposal, keys, position))


def valid_signers(proposal: Proposal, keys: KeyDirectory, position: int) -> list[ValidSigner]:
    """Every signature's signer, or :class:`InvalidSignatureError` naming the first that fails."""
    lookup = _signer_keys(proposal, keys, position)
    _verify(proposal, lookup)
    return _claimed(proposal, lookup)


def judge(
    proposal: Proposal,
    *,
    requirement: Requirement,
    parties: Sequence[str],
    keys: KeyDirectory,
    position: int,
    subject_party: str | None = None,
) -> list[ValidSigner]:
    """The valid signers of a proposal whose consent is complete; raises otherwise.

    Consent is counted from the keys the signatures name before any signature is checked:
    a proposal still gathering signatures, which the sequencer meets in every round, costs
    no cryptography. The signatures are then all verified, so what is returned is consent
    only if every one of them holds.
    """
    lookup = _signer_keys(proposal, keys, position)
    signers = _claimed(proposal, lookup)
    verdict = consent_verdict(
        requirement, signers, parties=parties, keys=keys, subject_party=subject_party
    )
    if not verdict.satisfied:
        raise ConsentMissingError(
            f"act {proposal.id} ({proposal.act_type}) lacks consent: {verdict.explain()}"
        )
    _verify(proposal, lookup)
    return signers


def consent_verdict(
    requirement: Requirement,
    signers: Sequence[ValidSigner],
    *,
    parties: Sequence[str],
    keys: KeyDirectory,
    subject_party: str | None = None,
) -> Verdict:
    return evaluate(
        requirement,
        signers,
        parties=parties,
        subject_party=subject_party,
        root_thresholds={p: keys.root_threshold(p) for p in parties},
    )
