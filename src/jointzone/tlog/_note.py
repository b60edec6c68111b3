"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, read as Go's note.Open does.

A signed note is a text ending in a newline, a blank line, then one or more signature lines
``— <key name> <base64(key ID || signature)>``. Each party's node signs the same text; a verifier
holds the keys it trusts and ignores every other signature, which is what lets witnesses and
cosigners add theirs without breaking anyone. The format is shared with Go's
``golang.org/x/mod/sumdb/note`` so that either party can check our checkpoints with a tool it did
not get from us.

We are stricter than Go in three places, each to make one note have exactly one byte form:
signatures must be canonical base64, every signature from a known key is checked (Go checks only
the first of several by the same key), and two different keys sharing a name and key ID are
refused rather than silently preferring one. Signatures are checked by libsodium, which also
refuses small-order and non-canonically encoded points that Go accepts; no honest signer makes
them (see :mod:`jointzone.ed25519`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, Self, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone import ed25519 as _ed25519
from jointzone.tlog.errors import MalformedError, SignatureError

MAX_NOTE_SIGNATURES = 100
"""Signature lines a note may carry: the spec asks for at least 16; Go refuses more than 100."""

ED25519_KEY_TYPE = 0x01
"""The signed-note signature type of plain Ed25519 note signatures."""

_ED25519_KEY_SIZE = 32
_KEY_ID_SIZE = 4
_SIG_PREFIX = "— "  # U+2014 EM DASH, then a space
_PRIVATE_PREFIX = "PRIVATE+KEY+"

# Unicode's White_Space property, which Go's unicode.IsSpace tests and the spec forbids in names.
# Python's str.isspace() differs (it also counts U+001C..U+001F), so the set is spelled out.
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


# -- text rules shared by notes, keys and checkpoints ------------------------------------------


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _show(s: str, limit: int = 60) -> str:
    """A found value quoted for an error message, cut short so a huge input stays readable."""
    return repr(s) if len(s) <= limit else repr(s[:limit]) + f"... ({len(s)} characters)"


def check_note_text(text: str, what: str = "note text") -> None:
    """Require valid UTF-8, no control character but newline, and a final newline.

    ``what`` names the text in the message ("note", "checkpoint"). Line numbers count from 1.
    """
    if m := _SURROGATE.search(text):
        raise MalformedError(
            f"{what}: line {_line_of(text, m.start())} contains the lone surrogate "
            f"U+{ord(m.group()):04X}, which is not valid UTF-8"
        )
    if m := _CONTROL.search(text):
        line = _line_of(text, m.start())
        if m.group() == "\r":
            raise MalformedError(
                f"{what}: line {line} contains a carriage return (U+000D): lines must end with "
                "LF alone, not CRLF"
            )
        raise MalformedError(
            f"{what}: line {line} contains the control character U+{ord(m.group()):04X}; "
            "newline (U+000A) is the only one allowed"
        )
    if not text:
        raise MalformedError(f"{what} is empty; expected text ending in a newline")
    if not text.endswith("\n"):
        raise MalformedError(
            f"{what} must end with a newline; line {_line_of(text, len(text))} has none"
        )


def check_key_name(name: str, where: str) -> None:
    """Key names are non-empty UTF-8 without Unicode spaces, '+' or control characters.

    Control characters are not in the spec's rule for names, but a name holding one could never
    appear in a note, so a key with such a name is refused when it is loaded, not when it fails.
    """
    if not name:
        raise MalformedError(f"{where}: key name is empty")
    for ch in name:
        if ch == "+":
            raise MalformedError(f"{where}: key name {_show(name)} must not contain '+'")
        if ch in _WHITE_SPACE:
            raise MalformedError(
                f"{where}: key name {_show(name)} must not contain a space (U+{ord(ch):04X})"
            )
        if ch < " ":
            raise MalformedError(
                f"{where}: key name {_show(name)} must not contain control character "
                f"U+{ord(ch):04X}"
            )
        if "\ud800" <= ch <= "\udfff":
            raise MalformedError(
                f"{where}: key name {_show(name)} is not valid UTF-8 "
                f"(lone surrogate U+{ord(ch):04X})"
            )


def decode_base64(text: str, where: str, *, what: str = "value") -> bytes:
    """Standard base64 with padding, and only its canonical form.

    Go's decoder tolerates non-zero padding bits; we refuse them so that no two encodings of the
    same signature, key or hash are both accepted.
    """
    if not text:
        raise MalformedError(f"{where}: {what} is empty; expected base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedError(
            f"{where}: {what} is not valid base64 (RFC 4648 standard alphabet, padded): "
            f"{_show(text)}"
        ) from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise MalformedError(f"{where}: {what} is not in canonical base64: {_show(text)}")
    return raw


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || type || public key)[:4] as a big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key)
    return int.from_bytes(digest.digest()[:_KEY_ID_SIZE], "big")


def _key_label(name: str, key_hash: int) -> str:
    """How a key is named in messages: the ``name+keyid`` head of its verifier key."""
    return f"{name}+{key_hash:08x}"


# -- signatures and notes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: the key's name and ID, and the signature bytes after the ID."""

    name: str
    key_hash: int
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name, "signature")
        if not 0 <= self.key_hash < 1 << 32:
            raise MalformedError(f"signature key ID must be a uint32, got {self.key_hash}")
        if not self.signature:
            raise MalformedError(f"signature by {self.name!r} is empty")

    def to_line(self) -> str:
        """``— <name> <base64(key ID || signature)>`` without the newline."""
        raw = self.key_hash.to_bytes(_KEY_ID_SIZE, "big") + self.signature
        return f"{_SIG_PREFIX}{self.name} {base64.b64encode(raw).decode('ascii')}"

    @property
    def key_label(self) -> str:
        return _key_label(self.name, self.key_hash)


def _order(sig: Signature) -> tuple[bytes, int, bytes]:
    return sig.name.encode("utf-8"), sig.key_hash, sig.signature


@dataclass(frozen=True, slots=True)
class Note:
    """A text and the signatures over it, verified or not.

    A ``Note`` with no signatures is allowed as a value (it is what signing starts from) but has
    no byte form: a signed note carries at least one signature.
    """

    text: str
    signatures: tuple[Signature, ...] = ()

    def __post_init__(self) -> None:
        check_note_text(self.text)
        if len(self.signatures) > MAX_NOTE_SIGNATURES:
            raise MalformedError(
                f"note has {len(self.signatures)} signatures; at most {MAX_NOTE_SIGNATURES} "
                "are allowed"
            )

    @classmethod
    def from_bytes(cls, data: bytes) -> Note:
        """Parse a signed note without verifying any signature. Raises :class:`MalformedError`.

        A node reads its latest checkpoint many times a round (its size, its signatures), so
        the notes parsed lately are kept: a note is immutable, and the same bytes give it."""
        if type(data) is bytes:
            return _parsed(data)
        return cls._parse(data)

    @classmethod
    def _parse(cls, data: bytes) -> Note:
        try:
            msg = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise MalformedError(
                f"note is not valid UTF-8: byte 0x{data[e.start]:02x} at offset {e.start} "
                f"(line {line})"
            ) from None
        check_note_text(msg, "note")
        split = msg.rfind("\n\n")
        if split < 0:
            raise MalformedError(
                "note has no blank line: expected the text, a blank line, then signature lines"
            )
        text, block = msg[: split + 1], msg[split + 2 :]
        first = text.count("\n") + 2  # the line number of the first signature line
        if not block:
            raise MalformedError(
                f"note ends with a blank line (line {first - 1}); expected signature lines after "
                "the last blank line"
            )
        lines = block[:-1].split("\n")
        if len(lines) > MAX_NOTE_SIGNATURES:
            raise MalformedError(
                f"note has {len(lines)} signature lines; at most {MAX_NOTE_SIGNATURES} are accepted"
            )
        sigs = tuple(_parse_signature_line(line, first + i) for i, line in enumerate(lines))
        return cls(text=text, signatures=sigs)

    def to_bytes(self) -> bytes:
        """The note as signed-note bytes, signature lines in the order held."""
        if not self.signatures:
            raise MalformedError("a signed note needs at least one signature; this one has none")
        lines = "".join(sig.to_line() + "\n" for sig in self.signatures)
        return (self.text + "\n" + lines).encode("utf-8")

    def with_signatures(self, *signatures: Signature) -> Note:
        """This note with ``signatures`` added, each replacing any earlier one by the same key.

        Signatures are sorted by key name and ID, so every party that adds the same signatures
        in any order gets the same bytes.
        """
        by_key = {(s.name, s.key_hash): s for s in self.signatures}
        for s in signatures:
            by_key[(s.name, s.key_hash)] = s
        return Note(text=self.text, signatures=tuple(sorted(by_key.values(), key=_order)))


def _parse_signature_line(line: str, number: int) -> Signature:
    where = f"note line {number}"
    if not line.startswith(_SIG_PREFIX):
        raise MalformedError(
            f"{where}: expected a signature line ('— ' (U+2014 em dash, space), key name, "
            f"space, base64 signature), found {_show(line)}"
        )
    name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not space:
        raise MalformedError(
            f"{where}: expected a space between the key name and the signature, found {_show(line)}"
        )
    check_key_name(name, where)
    raw = decode_base64(encoded, where, what=f"signature by {name!r}")
    if len(raw) <= _KEY_ID_SIZE:
        raise MalformedError(
            f"{where}: signature by {name!r} decodes to {len(raw)} bytes; expected a 4-byte "
            "key ID followed by the signature"
        )
    return Signature(
        name=name,
        key_hash=int.from_bytes(raw[:_KEY_ID_SIZE], "big"),
        signature=raw[_KEY_ID_SIZE:],
    )


@functools.lru_cache(maxsize=256)
def _parsed(data: bytes) -> Note:
    return Note._parse(data)


# -- keys --------------------------------------------------------------------------------------


class NoteVerifier(Protocol):
    """What :func:`open_note` needs of a key: its name, its ID and a way to check a signature."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) is this key's over ``message``."""
        ...


class NoteSigner(Protocol):
    """What :func:`sign_note` needs of a key: a way to sign a note text."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> int: ...

    def sign(self, text: str) -> Signature:
        """This key's signature over ``text``."""
        ...


def _parse_key(
    text: str, kind: str, key_type: int, type_name: str, *, secret: bool = False
) -> tuple[str, int, bytes]:
    """Split ``name+keyid+base64(type || key)`` and check every part; return name, ID, key.

    ``kind`` names the text in messages ("verifier key", "signer key"). With ``secret`` the
    messages quote nothing found in the text: base64 may contain '+', so any part of a garbled
    signer key may be a piece of the private seed.
    """

    def show(found: str) -> str:
        return "(not shown: signer keys are secret)" if secret else _show(found)

    name, plus, rest = text.partition("+")
    key_hex, plus2, encoded = rest.partition("+")
    if not plus or not plus2:
        raise MalformedError(
            f"{kind} must be <name>+<8 hex digits>+<base64 key>, found "
            f"{text.count('+') + 1} '+'-separated parts"
        )
    where = kind if secret else f"{kind} {name!r}"
    try:
        check_key_name(name, kind)
    except MalformedError:
        if secret:
            raise MalformedError(
                f"{kind}: key name is not valid (it must be non-empty, without spaces, "
                "'+' or control characters)"
            ) from None
        raise
    if not _HEX8.fullmatch(key_hex):
        raise MalformedError(f"{where}: key ID must be 8 hex digits, found {show(key_hex)}")
    try:
        raw = decode_base64(encoded, where, what="key")
    except MalformedError:
        if secret:
            raise MalformedError(f"{where}: key is not valid canonical base64") from None
        raise
    if raw[0] != key_type:
        raise MalformedError(
            f"{where}: key type is 0x{raw[0]:02x}; expected 0x{key_type:02x} ({type_name})"
        )
    if len(raw) - 1 != _ED25519_KEY_SIZE:
        raise MalformedError(
            f"{where}: Ed25519 key must be {_ED25519_KEY_SIZE} bytes after the type byte, "
            f"found {len(raw) - 1}"
        )
    return name, int(key_hex, 16), raw[1:]


class _NamedKey:
    """What a signer and its verifier share: a name, a key ID and the public key."""

    KEY_TYPE: ClassVar[int]
    __slots__ = ("_key_hash", "_name", "_public")
    _name: str
    _key_hash: int
    _public: bytes

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_hash(self) -> int:
        return self._key_hash

    @property
    def public_key_bytes(self) -> bytes:
        """The 32-byte Ed25519 public key, without the type byte."""
        return self._public

    @property
    def vkey(self) -> str:
        """The verifier key text, as Go's ``note.NewVerifier`` reads it."""
        encoded = base64.b64encode(bytes([self.KEY_TYPE]) + self._public).decode("ascii")
        return f"{self._name}+{self._key_hash:08x}+{encoded}"


class _PublicKey(_NamedKey):
    """An Ed25519 public key with a name, for one signature type; the verifiers' shared half."""

    TYPE_NAME: ClassVar[str]
    __slots__ = ()

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name, "verifier key")
        if len(public_key) != _ED25519_KEY_SIZE:
            raise MalformedError(
                f"Ed25519 public key of {name!r} must be {_ED25519_KEY_SIZE} bytes, "
                f"got {len(public_key)}"
            )
        self._name = name
        self._public = bytes(public_key)
        self._key_hash = key_id(name, self.KEY_TYPE, self._public)

    @classmethod
    def from_vkey(cls, text: str) -> Self:
        """Parse ``<name>+<hex key ID>+<base64(type || public key)>``; the key ID must match."""
        name, key_hash, raw = _parse_key(text, "verifier key", cls.KEY_TYPE, cls.TYPE_NAME)
        key = cls(name, raw)
        if key.key_hash != key_hash:
            raise MalformedError(
                f"verifier key {name!r}: key ID {key_hash:08x} does not match the key, "
                f"which has ID {key.key_hash:08x}"
            )
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's over ``message``; each signature type says how."""
        raise NotImplementedError

    def _verify_raw(self, message: bytes, signature: bytes) -> bool:
        return _ed25519.verify(self._public, signature, message)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _PublicKey) or type(other) is not type(self):
            return NotImplemented
        return (self._name, self._public) == (other._name, other._public)

    def __hash__(self) -> int:
        return hash((type(self), self._name, self._public))

    def __repr__(self) -> str:
        return f"{type(self).__name__}.from_vkey({self.vkey!r})"


class _PrivateKey(_NamedKey):
    """An Ed25519 private key with a name, for one signature type; the signers' shared half."""

    __slots__ = ("_key",)

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name, "signer key")
        self._name = name
        self._key = private_key
        self._public = private_key.public_key().public_bytes_raw()
        self._key_hash = key_id(name, self.KEY_TYPE, self._public)

    @classmethod
    def generate(cls, name: str) -> Self:
        """A new key from the operating system's randomness."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Self:
        """The key whose RFC 8032 private seed is ``seed`` (32 bytes)."""
        if len(seed) != _ED25519_KEY_SIZE:
            raise MalformedError(
                f"Ed25519 seed for {name!r} must be {_ED25519_KEY_SIZE} bytes, got {len(seed)}"
            )
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    def __repr__(self) -> str:
        # Never the seed: a repr ends up in logs and tracebacks.
        return f"<{type(self).__name__} {_key_label(self._name, self._key_hash)}>"


class Verifier(_PublicKey):
    """An Ed25519 signed-note verifier key (signature type 0x01)."""

    KEY_TYPE = ED25519_KEY_TYPE
    TYPE_NAME = "Ed25519 signed-note key"
    __slots__ = ()

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature over ``message``."""
        return self._verify_raw(message, signature)


class Signer(_PrivateKey):
    """An Ed25519 signed-note signer key (signature type 0x01). Keep it secret."""

    KEY_TYPE = ED25519_KEY_TYPE
    __slots__ = ()

    @classmethod
    def from_skey(cls, text: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`` as Go writes it."""
        if not text.startswith(_PRIVATE_PREFIX):
            raise MalformedError("signer key must start with 'PRIVATE+KEY+'")
        name, key_hash, seed = _parse_key(
            text[len(_PRIVATE_PREFIX) :],
            "signer key",
            cls.KEY_TYPE,
            "Ed25519 signed-note key",
            secret=True,
        )
        signer = cls.from_seed(name, seed)
        if signer.key_hash != key_hash:
            raise MalformedError(
                f"signer key {name!r}: key ID {key_hash:08x} does not match the key, "
                f"which has ID {signer.key_hash:08x}"
            )
        return signer

    @property
    def skey(self) -> str:
        """The secret signer key text, as Go's ``note.NewSigner`` reads it."""
        seed = self._key.private_bytes_raw()
        encoded = base64.b64encode(bytes([self.KEY_TYPE]) + seed).decode("ascii")
        return f"{_PRIVATE_PREFIX}{self._name}+{self._key_hash:08x}+{encoded}"

    @property
    def verifier(self) -> Verifier:
        return Verifier(self._name, self._public)

    def sign(self, text: str) -> Signature:
        """This key's signature over a note text (which must be valid note text)."""
        check_note_text(text)
        return Signature(
            name=self._name,
            key_hash=self._key_hash,
            signature=self._key.sign(text.encode("utf-8")),
        )


# -- signing and opening -----------------------------------------------------------------------


def sign_note(text: str, signers: Iterable[NoteSigner], *, existing: Note | None = None) -> Note:
    """``text`` signed by every signer, keeping the signatures ``existing`` already carries.

    A signer's new signature replaces an existing one by the same key. The result's signatures
    are sorted by key, so the bytes do not depend on which party signed first.
    """
    if existing is not None and existing.text != text:
        raise SignatureError(
            "cannot add signatures to an existing note over a different text: its signatures "
            "would not cover the new text"
        )
    base = existing if existing is not None else Note(text=text)
    return base.with_signatures(*(s.sign(text) for s in signers))


V = TypeVar("V", bound=NoteVerifier)


def verify_note(
    note: Note, verifiers: Iterable[V], *, require: Literal["any", "all"] = "any"
) -> tuple[V, ...]:
    """Check a parsed note's signatures; return the verifiers whose signature holds.

    Signatures from keys not among ``verifiers`` are ignored (they may be witnesses or keys
    being rotated in). Every signature from a known key must verify. With ``require="any"``
    at least one known key must have signed; with ``"all"``, every one. The result follows the
    order of ``verifiers``.
    """
    if require not in ("any", "all"):
        raise ValueError(f"require must be 'any' or 'all', got {require!r}")
    known: dict[tuple[str, int], V] = {}
    for v in verifiers:
        k = (v.name, v.key_hash)
        if k in known and known[k] != v:
            raise SignatureError(
                f"two different verifier keys share the name and key ID "
                f"{_key_label(*k)}; refusing to guess which one is meant"
            )
        known.setdefault(k, v)
    if not known:
        raise SignatureError("no verifier keys given: a note cannot be trusted without one")
    message = note.text.encode("utf-8")
    first_line = note.text.count("\n") + 2
    verified: set[tuple[str, int]] = set()
    for i, sig in enumerate(note.signatures):
        k = (sig.name, sig.key_hash)
        verifier = known.get(k)
        if verifier is None:
            continue
        if not verifier.verify(message, sig.signature):
            raise SignatureError(
                f"signature by key {sig.key_label} (note line {first_line + i}) does not verify"
            )
        verified.add(k)
    if not verified:
        signed_by = ", ".join(s.key_label for s in note.signatures) or "nobody"
        raise SignatureError(
            f"note has no signature from a known key: expected one of "
            f"{', '.join(_key_label(*k) for k in known)}; signed by {signed_by}"
        )
    if require == "all":
        missing = [_key_label(*k) for k in known if k not in verified]
        if missing:
            raise SignatureError(f"note lacks a signature by {', '.join(missing)}")
    return tuple(v for k, v in known.items() if k in verified)


def open_note(
    data: bytes, verifiers: Iterable[V], *, require: Literal["any", "all"] = "any"
) -> tuple[Note, tuple[V, ...]]:
    """Parse a signed note and check it against the keys we trust, as Go's ``note.Open`` does.

    Returns the note and the verifiers whose signatures it carries. Raises
    :class:`MalformedError` if it does not parse, :class:`SignatureError` if a known key's
    signature fails, if no known key signed, or (``require="all"``) if any known key did not.
    """
    note = Note.from_bytes(data)
    return note, verify_note(note, verifiers, require=require)
