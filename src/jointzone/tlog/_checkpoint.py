"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) and tlog-cosignature/v1 timestamps.

A checkpoint is the note text ``<origin>\\n<size>\\n<base64 root>\\n`` plus optional extension
lines. In jointzone it is final only when every party's node has signed it, so opening one
requires every given key by default; a node that wants to see progress (one party has signed,
the other not yet) asks for ``require="any"``.

Cosignatures (signature type 0x04) carry the time at which a witness saw the checkpoint. Their
verifier fits :func:`open_checkpoint` like any other key, so a witness's timestamp can be
required alongside the parties' signatures.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from jointzone.tlog._hashing import HASH_SIZE
from jointzone.tlog._note import (
    Note,
    Signature,
    V,
    _PrivateKey,
    _PublicKey,
    _show,
    check_note_text,
    decode_base64,
    verify_note,
)
from jointzone.tlog.errors import MalformedError, SignatureError

MAX_TREE_SIZE = (1 << 63) - 1
"""The largest tree size a checkpoint may state: Go's tlog keeps sizes in an int64."""

COSIGNATURE_KEY_TYPE = 0x04
"""The signed-note signature type of timestamped Ed25519 cosignatures (tlog-cosignature/v1)."""

_SIZE = re.compile(r"0|[1-9][0-9]*")
_MAX_SIZE_DIGITS = len(str(MAX_TREE_SIZE))
_COSIGNATURE_HEADER = b"cosignature/v1\ntime "
_TIMESTAMP_SIZE = 8
_MAX_TIMESTAMP = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's origin, tree size and root hash: the text every party's node signs."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lines = [("origin", self.origin), *(("extension line", e) for e in self.extensions)]
        for what, line in lines:
            if not line:
                raise MalformedError(f"checkpoint {what} must not be empty")
            if "\n" in line:
                raise MalformedError(f"checkpoint {what} {_show(line)} must be a single line")
            check_note_text(line + "\n", f"checkpoint {what}")
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedError(
                f"checkpoint tree size must be an integer from 0 to {MAX_TREE_SIZE}, "
                f"got {self.size!r}"
            )
        if len(self.root) != HASH_SIZE:
            raise MalformedError(
                f"checkpoint root hash must be {HASH_SIZE} bytes, got {len(self.root)}"
            )

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's note text. Messages name the line (counted from 1).

        The texts parsed lately are kept (see :meth:`Note.from_bytes`)."""
        if type(text) is str:
            return _parsed(text)
        return cls._parse(text)

    @classmethod
    def _parse(cls, text: str) -> Checkpoint:
        check_note_text(text, "checkpoint")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedError(
                f"checkpoint has {len(lines)} line{'s' * (len(lines) != 1)}; expected at least "
                "3: origin, tree size, root hash"
            )
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise MalformedError("checkpoint line 1: origin must not be empty")
        if not _SIZE.fullmatch(size_text):
            raise MalformedError(
                "checkpoint line 2: expected the tree size in decimal digits, with no sign, "
                f"spaces or leading zeros; found {_show(size_text)}"
            )
        # Checked before int(): Python refuses to convert very long digit strings at all.
        if len(size_text) > _MAX_SIZE_DIGITS or int(size_text) > MAX_TREE_SIZE:
            raise MalformedError(
                f"checkpoint line 2: tree size {_show(size_text)} is larger than the "
                f"largest allowed, {MAX_TREE_SIZE}"
            )
        root = decode_base64(root_text, "checkpoint line 3", what="root hash")
        if len(root) != HASH_SIZE:
            raise MalformedError(
                f"checkpoint line 3: root hash must be {HASH_SIZE} bytes, found {len(root)}"
            )
        for i, ext in enumerate(extensions, start=4):
            if not ext:
                raise MalformedError(
                    f"checkpoint line {i}: extension lines must not be empty (a checkpoint "
                    "ends at its last non-empty line)"
                )
        return cls(origin=origin, size=int(size_text), root=root, extensions=tuple(extensions))

    def to_text(self) -> str:
        """The note text: origin, size, base64 root and any extension lines, each ending in LF."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "".join(line + "\n" for line in [*lines, *self.extensions])


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> Checkpoint:
    return Checkpoint._parse(text)


def open_checkpoint(
    data: bytes,
    verifiers: Iterable[V],
    *,
    origin: str | None = None,
    require: Literal["any", "all"] = "all",
) -> tuple[Checkpoint, Note]:
    """Parse a signed checkpoint and check its signatures; by default every verifier's is needed.

    A checkpoint is final only with a signature from every party's node, so ``require="all"``
    is the default. With ``origin`` given, a checkpoint of another log is refused before any
    signature is checked. Raises :class:`MalformedError` or :class:`SignatureError`.
    """
    note = Note.from_bytes(data)
    checkpoint = Checkpoint.from_text(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise SignatureError(
            f"checkpoint is from origin {_show(checkpoint.origin)}, expected {_show(origin)}"
        )
    verify_note(note, verifiers, require=require)
    return checkpoint, note


# -- tlog-cosignature/v1 -----------------------------------------------------------------------


def _cosigned_message(body: bytes, timestamp: int) -> bytes:
    return _COSIGNATURE_HEADER + str(timestamp).encode("ascii") + b"\n" + body


class CosignatureVerifier(_PublicKey):
    """A witness's Ed25519 cosignature key (signature type 0x04, tlog-cosignature/v1).

    Its ``verify`` takes the note text and the note signature (8-byte timestamp, then the
    Ed25519 signature), so it can be passed to :func:`open_checkpoint` with the node keys.
    """

    KEY_TYPE = COSIGNATURE_KEY_TYPE
    TYPE_NAME = "Ed25519 cosignature/v1 key"
    __slots__ = ()

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's cosignature of the checkpoint body ``message``."""
        if len(signature) != _TIMESTAMP_SIZE + 64:
            return False
        timestamp = int.from_bytes(signature[:_TIMESTAMP_SIZE], "big")
        if timestamp > _MAX_TIMESTAMP:
            return False
        return self._verify_raw(_cosigned_message(message, timestamp), signature[_TIMESTAMP_SIZE:])

    @staticmethod
    def timestamp(signature: Signature) -> int:
        """The POSIX time a cosignature states (check it with :meth:`verify` first)."""
        if len(signature.signature) != _TIMESTAMP_SIZE + 64:
            raise MalformedError(
                f"cosignature by {signature.key_label} must be {_TIMESTAMP_SIZE + 64} bytes, "
                f"got {len(signature.signature)}"
            )
        return int.from_bytes(signature.signature[:_TIMESTAMP_SIZE], "big")


class CosignatureSigner(_PrivateKey):
    """A witness's Ed25519 cosignature key (signature type 0x04). Keep it secret.

    tlog-cosignature defines no text form for the private key, so there is no ``skey``: keep the
    32-byte seed and load it with :meth:`from_seed`.
    """

    KEY_TYPE = COSIGNATURE_KEY_TYPE
    __slots__ = ()

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self._name, self._public)

    def sign(self, checkpoint: Checkpoint, *, timestamp: int) -> Signature:
        """A cosignature stating that at ``timestamp`` (POSIX seconds) we saw ``checkpoint``."""
        if isinstance(timestamp, bool) or not 0 <= timestamp <= _MAX_TIMESTAMP:
            raise MalformedError(
                f"cosignature timestamp must be from 0 to {_MAX_TIMESTAMP}, got {timestamp!r}"
            )
        body = checkpoint.to_text().encode("utf-8")
        sig = self._key.sign(_cosigned_message(body, timestamp))
        return Signature(
            name=self._name,
            key_hash=self._key_hash,
            signature=timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + sig,
        )
