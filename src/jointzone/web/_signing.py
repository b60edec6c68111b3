"""What an official's browser signs, and the COSE messages made of its signatures.

The node never holds an official's key. For each act the browser is sent the exact bytes its
signature covers — the COSE Sig_structure (RFC 9052 §4.4) of the proposal's payload with the
official's own protected header, ``{alg: EdDSA, kid: official id}`` — signs them with WebCrypto,
and sends back the 64-byte signature. The node builds the COSE_Sign with it and hands that to
:meth:`jointzone.node.Node.submit`, which checks the signature against the official's key in the
log as it checks any client's. A signature made over anything else fails there, so nothing the
page shows or sends can make the node keep a signature the official did not make.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jointzone.consent import Proposal, Rejection
from jointzone.cose import (
    EDDSA,
    CoseSignature,
    HeaderLabel,
    SignedMessage,
    encode_header,
    sig_structure,
)
from jointzone.node import proposal_content
from jointzone.regime import Regime

SIGNATURE_SIZE = 64


class SigningError(ValueError):
    """What a browser sent cannot be a signature of what it was asked to sign."""


def signer_header(official: str) -> bytes:
    """An official's protected header on their signature, as every client encodes it."""
    return encode_header({HeaderLabel.ALG: EDDSA, HeaderLabel.KID: official.encode("utf-8")})


@dataclass(frozen=True, slots=True)
class ToSign:
    """A message awaiting one official's signature: its payload and the bytes to sign."""

    payload: bytes
    body_protected: bytes
    signer_protected: bytes

    @classmethod
    def by(cls, official: str, payload: bytes) -> ToSign:
        """A new message of ``payload`` (a proposal, a rejection) for ``official`` to sign."""
        return cls(payload, encode_header({}), signer_header(official))

    @property
    def data(self) -> bytes:
        """The Sig_structure: exactly what the browser signs."""
        return sig_structure(self.body_protected, self.signer_protected, b"", self.payload)

    def signature(self, raw: bytes) -> CoseSignature:
        if len(raw) != SIGNATURE_SIZE:
            raise SigningError(f"an Ed25519 signature is {SIGNATURE_SIZE} bytes, got {len(raw)}")
        return CoseSignature(protected=self.signer_protected, unprotected={}, signature=raw)


def new_proposal(
    act: Mapping[str, Any], *, regime: Regime, party: str, official: str, now: datetime
) -> ToSign:
    """A new proposal of ``act`` by ``official`` of ``party``, made now, for them to sign.

    The act is parsed, so only its canonical form is ever offered for signature."""
    content = proposal_content(act, regime=regime, party=party, now=now.replace(microsecond=0))
    return ToSign.by(official, content.encode())


def proposed(to_sign: ToSign, signature: bytes) -> bytes:
    """The new proposal's COSE_Sign, its proposer's signature on it."""
    message = SignedMessage(
        protected=to_sign.body_protected,
        unprotected={},
        payload=to_sign.payload,
        signatures=(to_sign.signature(signature),),
    )
    return message.to_bytes()


def cosigning(proposal: Proposal, official: str) -> ToSign:
    """What ``official`` signs to add their consent to ``proposal``."""
    m = proposal.message
    return ToSign(m.payload, m.protected, signer_header(official))


def cosigned(proposal: Proposal, official: str, signature: bytes) -> bytes:
    """``proposal`` with ``official``'s signature added."""
    to_sign = cosigning(proposal, official)
    m = proposal.message
    message = SignedMessage(
        protected=m.protected,
        unprotected=m.unprotected,
        payload=m.payload,
        signatures=(*m.signatures, to_sign.signature(signature)),
    )
    return message.to_bytes()


def rejecting(
    proposal: Proposal, *, official: str, party: str, reason: str, at: datetime
) -> ToSign:
    """What ``official`` of ``party`` signs to reject ``proposal`` for ``reason``."""
    payload = Rejection.payload(
        act_id=proposal.id,
        origin=proposal.content.origin,
        party=party,
        reason=reason,
        at=at.replace(microsecond=0),
    )
    return ToSign.by(official, payload)


def rejected(to_sign: ToSign, signature: bytes) -> bytes:
    """The rejection's COSE_Sign."""
    return proposed(to_sign, signature)


def expiring_within(proposal: Proposal, now: datetime, window: timedelta) -> bool:
    return now <= proposal.content.expires_at <= now + window
