"""What an offline verifier trusts: each party's certificate-signing keys, when any of them was
retired or declared compromised, and the revocation list.

Only the values. Filling a bundle from the log, and carrying the checkpoint and proofs that let a
verifier check it against the parties' node keys, belong to the node and the verifier: this
package must verify a certificate without knowing where its trust came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jointzone.credentials._claims import REVOCATION_HASH_SIZE, revocation_hash


@dataclass(frozen=True)
class PartyKeys:
    """One party's certificate-signing keys, by kid (several while a key is being rotated).

    ``retired`` says, for the keys that were retired, when: a retired key's signature holds on
    a certificate issued no later than that (its certificates stay valid until they expire), and
    on none issued after. ``compromised`` says, for the keys declared compromised, when: their
    signature holds on no certificate at all. Both are keyed by kid, and name keys of ``keys``.
    """

    party: str
    keys: Mapping[bytes, Ed25519PublicKey]
    retired: Mapping[bytes, datetime] = field(default_factory=dict)
    compromised: Mapping[bytes, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.party, str) or not self.party:
            raise ValueError(f"party: expected a non-empty ref, found {self.party!r}")
        keys = dict(self.keys)
        if not keys:
            raise ValueError(f"party {self.party}: expected at least one key, found none")
        for kid, key in keys.items():
            if not isinstance(kid, bytes) or not kid:
                raise ValueError(f"party {self.party}: kid must be non-empty bytes, found {kid!r}")
            if not isinstance(key, Ed25519PublicKey):
                raise TypeError(
                    f"party {self.party}, kid {kid.hex()}: expected an Ed25519PublicKey, "
                    f"found {type(key).__name__}"
                )
        object.__setattr__(self, "keys", MappingProxyType(keys))
        for name in ("retired", "compromised"):
            times = dict(getattr(self, name))
            for kid, moment in times.items():
                if kid not in keys:
                    raise ValueError(
                        f"party {self.party}, {name}: kid {kid!r} is not one of its keys"
                    )
                if not isinstance(moment, datetime) or moment.tzinfo is None:
                    raise ValueError(
                        f"party {self.party}, {name}, kid {kid.hex()}: expected an aware "
                        f"datetime, found {moment!r}"
                    )
                times[kid] = moment.astimezone(UTC)
            object.__setattr__(self, name, MappingProxyType(times))


@dataclass(frozen=True)
class Revocation:
    """A revocation as the log records it: when it was committed, and the reason given."""

    revoked_at: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class TrustBundle:
    """The keys and revocations a verifier holds, as of ``issued_at`` (shown as the bundle's age).

    ``issuer`` is the regime's issuer name that certificates must carry in ``iss``: a party's
    key may sign for more than one regime, and a certificate of one must not pass in another.
    ``revoked`` holds :func:`revocation_hash` values, 16 bytes each; ``revocations`` says, for
    those the bundle's source recorded, when and why.
    """

    issuer: str
    parties: tuple[PartyKeys, ...]
    issued_at: datetime
    revoked: frozenset[bytes] = frozenset()
    revocations: Mapping[bytes, Revocation] = field(default_factory=dict)
    #: The oldest bundle a verifier accepts (the regime's), and how far ahead of the verifier's
    #: clock a bundle may be dated: older or later than that, it is STALE.
    max_age: timedelta = timedelta(days=7)
    skew: timedelta = timedelta(minutes=5)
    _party_of: Mapping[bytes, str] = field(init=False, repr=False, compare=False)
    _keys: Mapping[bytes, Ed25519PublicKey] = field(init=False, repr=False, compare=False)
    _retired: Mapping[bytes, datetime] = field(init=False, repr=False, compare=False)
    _compromised: Mapping[bytes, datetime] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer:
            raise ValueError(f"issuer: expected a non-empty name, found {self.issuer!r}")
        parties = tuple(self.parties)
        if not parties:
            raise ValueError("parties: expected at least one party, found none")
        names = [p.party for p in parties]
        if len(set(names)) != len(names):
            raise ValueError(f"parties: expected each party once, found {names}")
        party_of: dict[bytes, str] = {}
        keys: dict[bytes, Ed25519PublicKey] = {}
        retired: dict[bytes, datetime] = {}
        compromised: dict[bytes, datetime] = {}
        for p in parties:
            for kid, key in p.keys.items():
                if kid in party_of:
                    raise ValueError(
                        f"kid {kid.hex()} belongs to both {party_of[kid]} and {p.party}; "
                        "a kid must name one key of one party"
                    )
                party_of[kid] = p.party
                keys[kid] = key
            retired.update(p.retired)
            compromised.update(p.compromised)
        revoked = frozenset(self.revoked)
        for entry in revoked:
            if not isinstance(entry, bytes) or len(entry) != REVOCATION_HASH_SIZE:
                raise ValueError(
                    f"revoked: expected {REVOCATION_HASH_SIZE}-byte hashes, found {entry!r:.40}"
                )
        unknown = [h.hex() for h in self.revocations if h not in revoked]
        if unknown:
            raise ValueError(f"revocations: {unknown[0]} is not on the revocation list")
        if not isinstance(self.issued_at, datetime) or self.issued_at.tzinfo is None:
            raise ValueError(f"issued_at: expected an aware datetime, found {self.issued_at!r}")
        object.__setattr__(self, "parties", parties)
        object.__setattr__(self, "revoked", revoked)
        object.__setattr__(self, "revocations", MappingProxyType(dict(self.revocations)))
        object.__setattr__(self, "issued_at", self.issued_at.astimezone(UTC))
        object.__setattr__(self, "_party_of", MappingProxyType(party_of))
        object.__setattr__(self, "_keys", MappingProxyType(keys))
        object.__setattr__(self, "_retired", MappingProxyType(retired))
        object.__setattr__(self, "_compromised", MappingProxyType(compromised))

    @property
    def keys(self) -> Mapping[bytes, Ed25519PublicKey]:
        """Every party's keys by kid."""
        return self._keys

    def party_of(self, kid: bytes) -> str | None:
        return self._party_of.get(kid)

    def retired_at(self, kid: bytes) -> datetime | None:
        """When the key ``kid`` was retired, if it was."""
        return self._retired.get(kid)

    def compromised_at(self, kid: bytes) -> datetime | None:
        """When the key ``kid`` was declared compromised, if it was."""
        return self._compromised.get(kid)

    def is_revoked(self, certificate_id: bytes) -> bool:
        return revocation_hash(certificate_id) in self.revoked

    def age(self, now: datetime) -> timedelta:
        return now - self.issued_at
