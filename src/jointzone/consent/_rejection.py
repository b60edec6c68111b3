"""Rejections: an official's refusal of consent, signed like a signature and judged like one.

A rejection stops a proposal for good, so it carries as much weight as consent does and is never
taken on a node's word. It is a COSE_Sign with one signature, by the rejecting official, over the
deterministic CBOR of::

    {"rejects": <act id>, "origin": <log origin>, "party": <party>, "reason": <text>,
     "at": <ISO 8601 UTC time>}

The act id binds it to one proposal's payload, the origin to one log. Whether the signer may
speak for ``party`` on that act — its key valid at the log position, its roles those the act
type's policy counts — is the judge's, as for a signature (see
:meth:`jointzone.node.Replica.judge_rejection`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from jointzone.consent._proposal import format_time, parse_time
from jointzone.consent.errors import MalformedProposalError
from jointzone.cose import CoseError, CoseSigner, SignedMessage, decode, encode_deterministic, sign

MAX_REASON = 2000
_ACT_ID = re.compile(r"[0-9a-f]{32}")
_KEYS = {"rejects", "origin", "party", "reason", "at"}


@dataclass(frozen=True, slots=True)
class Rejection:
    """One party's signed refusal of one proposal."""

    message: SignedMessage
    act_id: str
    origin: str
    party: str
    reason: str
    at: datetime
    raw: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def kid(self) -> bytes:
        kid = self.message.signatures[0].kid
        assert kid is not None  # from_bytes and create both refuse a signature without one
        return kid

    @property
    def official(self) -> str:
        """The signer as the record knows it (official or root key id)."""
        return self.kid.decode("utf-8", "replace")

    @classmethod
    def create(
        cls,
        *,
        act_id: str,
        origin: str,
        party: str,
        reason: str,
        at: datetime,
        signer: CoseSigner,
    ) -> Rejection:
        payload = cls.payload(act_id=act_id, origin=origin, party=party, reason=reason, at=at)
        message = sign(payload, [signer])
        return cls(message, act_id, origin, party, reason, at)

    @staticmethod
    def payload(*, act_id: str, origin: str, party: str, reason: str, at: datetime) -> bytes:
        """The bytes a rejection's one signature covers (an official's own client signs them)."""
        _check_reason(reason)
        return encode_deterministic(
            {
                "rejects": act_id,
                "origin": origin,
                "party": party,
                "reason": reason,
                "at": format_time(at),
            }
        )

    def to_bytes(self) -> bytes:
        return self.raw if self.raw is not None else self.message.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Rejection:
        try:
            message = SignedMessage.from_bytes(data)
            body = decode(message.payload)
        except CoseError as e:
            raise MalformedProposalError(f"rejection: {e}") from e
        if len(message.signatures) != 1 or message.signatures[0].kid is None:
            raise MalformedProposalError(
                f"rejection: expected exactly one signature with a kid, found "
                f"{len(message.signatures)}"
            )
        if not isinstance(body, dict) or set(body) != _KEYS:
            found = sorted(map(str, body)) if isinstance(body, dict) else type(body).__name__
            raise MalformedProposalError(f"rejection: expected keys {sorted(_KEYS)}, found {found}")
        act_id, origin, party, reason = (body[k] for k in ("rejects", "origin", "party", "reason"))
        if not isinstance(act_id, str) or not _ACT_ID.fullmatch(act_id):
            raise MalformedProposalError(f"rejection.rejects: expected an act id, found {act_id!r}")
        for key, value in (("origin", origin), ("party", party), ("reason", reason)):
            if not isinstance(value, str):
                raise MalformedProposalError(
                    f"rejection.{key}: expected text, found {type(value).__name__}"
                )
        _check_reason(reason)
        return cls(
            message, act_id, origin, party, reason, parse_time(body["at"], "rejection.at"), data
        )


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise MalformedProposalError("a rejection must give its reason")
    if len(reason) > MAX_REASON:
        raise MalformedProposalError(
            f"a rejection's reason may be {MAX_REASON} characters long, found {len(reason)}"
        )
