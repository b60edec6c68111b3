"""Proposals and entries: an act, what it binds, and the signatures of those who consent to it.

A proposal's payload is the deterministic CBOR of the act together with the regime (id and
version) and the log origin it is made under, the proposing party, when it was made and when it
expires, and a nonce. Each consenting official adds a COSE_Signature to one COSE_Sign over that
payload, so a signature made under one regime version or for one log can never count under
another. The act id is the hash of the payload: the same act cannot be committed twice.

An entry, one leaf of the log, is the committed proposal with the sequencer's commit time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import cbor2

from jointzone.consent.errors import MalformedProposalError
from jointzone.cose import (
    CoseError,
    CoseSigner,
    SignedMessage,
    decode,
    encode_deterministic,
    sign,
    split_sequence,
)

ENTRY_VERSION = 1
NONCE_SIZE = 16
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@functools.lru_cache(maxsize=64)
def format_time(t: datetime) -> str:
    """ISO 8601 UTC to the second, the one time format every signed payload uses.

    Kept for the last few times: a sequencer's round dates each of its entries the same."""
    if t.tzinfo is None:
        raise ValueError(f"time {t} has no time zone; signed times are UTC")
    return t.astimezone(UTC).strftime(_TIME_FORMAT)


_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def parse_time(text: object, where: str) -> datetime:
    if isinstance(text, str) and _TIME.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise MalformedProposalError(
        f"{where}: expected an ISO 8601 UTC time like 2019-10-27T09:00:00Z, found {text!r}"
    )


def _field(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise MalformedProposalError(
            f"{where}.{key}: expected {kind.__name__}, found {type(value).__name__}"
        )
    return value


@dataclass(frozen=True, slots=True)
class ProposalContent:
    """What the signatures of a proposal cover."""

    act: Mapping[str, Any]
    regime_id: str
    regime_version: int
    origin: str
    proposed_by: str
    proposed_at: datetime
    expires_at: datetime
    nonce: bytes

    @classmethod
    def new(
        cls,
        act: Mapping[str, Any],
        *,
        regime_id: str,
        regime_version: int,
        origin: str,
        proposed_by: str,
        proposed_at: datetime,
        expires_at: datetime,
    ) -> ProposalContent:
        return cls(
            act=act,
            regime_id=regime_id,
            regime_version=regime_version,
            origin=origin,
            proposed_by=proposed_by,
            proposed_at=proposed_at,
            expires_at=expires_at,
            nonce=os.urandom(NONCE_SIZE),
        )

    def encode(self) -> bytes:
        return encode_deterministic(
            {
                "act": dict(self.act),
                "regime": {"id": self.regime_id, "version": self.regime_version},
                "origin": self.origin,
                "by": self.proposed_by,
                "at": format_time(self.proposed_at),
                "expires": format_time(self.expires_at),
                "nonce": self.nonce,
            }
        )

    @classmethod
    def decode(cls, payload: bytes) -> ProposalContent:
        try:
            data = decode(payload)
        except CoseError as e:
            raise MalformedProposalError(f"proposal payload: {e}") from e
        where = "proposal"
        if not isinstance(data, dict):
            raise MalformedProposalError(f"{where}: expected a map, found {type(data).__name__}")
        expected = {"act", "regime", "origin", "by", "at", "expires", "nonce"}
        if set(data) != expected:
            extra, missing = set(data) - expected, expected - set(data)
            raise MalformedProposalError(
                f"{where}: unexpected keys {sorted(map(str, extra))}, "
                f"missing keys {sorted(missing)}"
            )
        regime = _field(data, "regime", dict, where)
        nonce = _field(data, "nonce", bytes, where)
        if len(nonce) != NONCE_SIZE:
            raise MalformedProposalError(
                f"{where}.nonce: expected {NONCE_SIZE} bytes, found {len(nonce)}"
            )
        return cls(
            act=_field(data, "act", dict, where),
            regime_id=_field(regime, "id", str, f"{where}.regime"),
            regime_version=_field(regime, "version", int, f"{where}.regime"),
            origin=_field(data, "origin", str, where),
            proposed_by=_field(data, "by", str, where),
            proposed_at=parse_time(data["at"], f"{where}.at"),
            expires_at=parse_time(data["expires"], f"{where}.expires"),
            nonce=nonce,
        )


def proposal_sequence(data: bytes, *, limit: int) -> list[bytes]:
    """The proposals a CBOR sequence (RFC 8742) of COSE_Sign objects carries, each as its own
    bytes, to be judged one by one; :class:`MalformedProposalError` naming the offset where
    the sequence breaks, or when it carries more than ``limit``."""
    try:
        return split_sequence(data, limit=limit)
    except CoseError as e:
        raise MalformedProposalError(f"the proposals' CBOR sequence is malformed: {e}") from e


def act_id_of(payload: bytes) -> str:
    """The id of the act a payload proposes: the first 16 bytes of its SHA-256, in hex."""
    return hashlib.sha256(payload).digest()[:16].hex()


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal with the signatures gathered so far: one COSE_Sign."""

    message: SignedMessage
    content: ProposalContent
    # The bytes it was decoded from: a strict decode means they are what to_bytes() would give.
    raw: bytes | None = field(default=None, repr=False, compare=False)
    #: The act id (:func:`act_id_of` its payload).
    id: str = field(init=False, repr=False, compare=False)
    #: Each signature's kid, in order (those without a bstr kid left out).
    kids: tuple[bytes, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Both are asked for again and again while a proposal is judged: worked out once.
        object.__setattr__(self, "id", act_id_of(self.message.payload))
        object.__setattr__(self, "kids", tuple(k for k in self.message.kids() if k is not None))

    @property
    def act_type(self) -> str:
        kind = self.content.act.get("type")
        return kind if isinstance(kind, str) else "?"

    @classmethod
    def create(cls, content: ProposalContent, signer: CoseSigner) -> Proposal:
        return cls(message=sign(content.encode(), [signer]), content=content)

    def cosign(self, signer: CoseSigner) -> Proposal:
        return Proposal(
            message=sign(self.message.payload, [signer], existing=self.message),
            content=self.content,
        )

    def merge(self, other: Proposal) -> Proposal:
        """This proposal with the signatures of ``other`` (same payload) that it lacks."""
        if other.message.payload != self.message.payload:
            raise MalformedProposalError(f"cannot merge proposal {other.id} into {self.id}")
        have = set(self.kids)
        extra = tuple(s for s in other.message.signatures if s.kid not in have)
        if not extra:
            return self
        merged = SignedMessage(
            protected=self.message.protected,
            unprotected=self.message.unprotected,
            payload=self.message.payload,
            signatures=(*self.message.signatures, *extra),
        )
        return Proposal(message=merged, content=self.content)

    def to_bytes(self) -> bytes:
        return self.raw if self.raw is not None else self.message.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Proposal:
        try:
            message = SignedMessage.from_bytes(data)
        except CoseError as e:
            raise MalformedProposalError(f"proposal: {e}") from e
        return cls(message=message, content=ProposalContent.decode(message.payload), raw=data)


@dataclass(frozen=True, slots=True)
class Entry:
    """One leaf of the log: a committed proposal and the time the sequencer committed it."""

    time: datetime
    proposal: Proposal

    def encode(self) -> bytes:
        return encode_deterministic(
            {
                "v": ENTRY_VERSION,
                "time": format_time(self.time),
                "proposal": self.proposal.to_bytes(),
            }
        )

    @classmethod
    def decode(cls, data: bytes, *, index: int | None = None) -> Entry:
        where = "entry" if index is None else f"entry {index}"
        try:
            raw = decode(data)
        except CoseError as e:
            raise MalformedProposalError(f"{where}: {e}") from e
        if not isinstance(raw, dict) or set(raw) != {"v", "time", "proposal"}:
            raise MalformedProposalError(f"{where}: expected a map with keys v, time, proposal")
        if raw["v"] != ENTRY_VERSION:
            raise MalformedProposalError(
                f"{where}: expected version {ENTRY_VERSION}, found {raw['v']!r}"
            )
        blob = raw["proposal"]
        if not isinstance(blob, bytes):
            raise MalformedProposalError(f"{where}.proposal: expected a byte string")
        try:
            proposal = Proposal.from_bytes(blob)
        except MalformedProposalError as e:
            raise MalformedProposalError(f"{where}: {e}") from e
        return cls(time=parse_time(raw["time"], f"{where}.time"), proposal=proposal)


@dataclass(frozen=True, slots=True)
class CommittedEntry:
    """What replaying needs of an entry already judged: its time, act, id and signers' kids."""

    time: datetime
    act: Mapping[str, Any]
    act_id: str
    kids: tuple[bytes, ...]


def read_committed(data: bytes, *, index: int) -> CommittedEntry:
    """Read an entry of a node's own log, judged when it was admitted, on the fast path.

    Replaying a log must be fast, and its entries were judged, strictly decoded and checked to
    be deterministic CBOR when they were admitted; so this reads them with the C decoder and
    checks only their shape. Anything unexpected raises :class:`MalformedProposalError`, never
    silently skipped: an audit (which judges everything again) names the fault.
    """
    try:
        raw = cbor2.loads(data)
        message = cbor2.loads(raw["proposal"])
        body = message.value
        content = cbor2.loads(body[2])
        kids = tuple(cbor2.loads(sig[0])[4] for sig in body[3])
        return CommittedEntry(
            time=parse_time(raw["time"], f"entry {index}.time"),
            act=content["act"],
            act_id=act_id_of(body[2]),
            kids=kids,
        )
    except MalformedProposalError:
        raise
    except (cbor2.CBORDecodeError, KeyError, IndexError, TypeError, AttributeError) as e:
        raise MalformedProposalError(f"entry {index}: not an entry of this log: {e!r}") from e
