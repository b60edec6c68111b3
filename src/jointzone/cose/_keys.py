"""Header labels, the one algorithm we sign with, and the signer that holds a private key."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class HeaderLabel(enum.IntEnum):
    """COSE header parameter labels (RFC 9052 §3.1; ``TYP`` from RFC 9596)."""

    ALG = 1
    CRIT = 2
    CONTENT_TYPE = 3
    KID = 4
    TYP = 16


#: EdDSA (RFC 9053 §2.2), used here with Ed25519 only.
EDDSA = -8

#: Default length of the key ids :func:`key_id` makes: 8 bytes of a SHA-256, as the EU DCC uses.
KEY_ID_SIZE = 8


def key_id(public_key: Ed25519PublicKey, *, size: int = KEY_ID_SIZE) -> bytes:
    """A key id derived from the key itself, so every node names a key the same way.

    Where every byte counts (a certificate's QR code carries one kid per party) a shorter id
    does: a regime has a few dozen keys, and a clash is refused where keys are registered.
    """
    if not 1 <= size <= 32:
        raise ValueError(f"kid size: expected 1 to 32 bytes, found {size}")
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:size]


@dataclass(frozen=True)
class CoseSigner:
    """A private key and the ``kid`` its signatures carry in their protected header."""

    kid: bytes
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kid, bytes) or not self.kid:
            raise ValueError(f"kid must be non-empty bytes, found {self.kid!r}")
        if not isinstance(self.private_key, Ed25519PrivateKey):
            raise TypeError(
                f"private_key must be an Ed25519PrivateKey, found {type(self.private_key).__name__}"
            )

    @classmethod
    def from_private_key(
        cls, private_key: Ed25519PrivateKey, *, kid_size: int = KEY_ID_SIZE
    ) -> CoseSigner:
        """A signer whose kid is :func:`key_id` of its public key."""
        return cls(kid=key_id(private_key.public_key(), size=kid_size), private_key=private_key)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()
