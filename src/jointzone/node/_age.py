"""Passphrase encryption in the age format (age-encryption.org/v1, https://c2sp.org/age), streamed.

A backup archive is an age file with one ``scrypt`` recipient stanza, so that any age
implementation (``age -d``, rage, the Go library) decrypts it given the passphrase, and so that
its construction is one that has been reviewed rather than one made here:

- a random 16-byte *file key*, wrapped by ChaCha20-Poly1305 under
  ``scrypt(N=2^w, r=8, p=1, S="age-encryption.org/v1/scrypt" || salt, P=passphrase)``;
- a header MAC, HMAC-SHA-256 keyed with ``HKDF-SHA-256(file key, salt="", info="header")``,
  over the header up to its ``---``;
- the payload: a 16-byte nonce, then STREAM: 64 KiB chunks, each sealed by ChaCha20-Poly1305
  under ``HKDF-SHA-256(file key, salt=nonce, info="payload")`` with the nonce
  ``counter (11 bytes, big endian) || last (0x01 for the final chunk, else 0x00)``.

Any byte flipped, a chunk dropped, moved or added, the file cut short or extended, or a wrong
passphrase: each fails authentication, and no plaintext is released before the chunk holding
it has been authenticated. Only what this node needs is here: the scrypt recipient, binary (not
armored) files. The reader is strict as the specification asks (canonical base64, LF line ends,
an scrypt stanza alone in its header) and spends at most what :mod:`._keyfile` spends on one key
file on scrypt: a work factor above 2^20 (1 GiB) is refused before any is spent. The published
test vectors (C2SP CCTV's age testkit) are in ``tests/data/age``.

Why not the ``pyrage`` binding of rage: its passphrase mode (``pyrage.passphrase``, 1.4.0)
encrypts and decrypts one byte string in memory, and its streaming ``encrypt_io`` and
``encrypt_file`` take public-key recipients only. A backup of a database of 1,000,000 entries
(651 MB) would then be held whole in memory, plaintext and ciphertext at once, where this
module holds one 64 KiB chunk; and rage picks the scrypt work factor itself (2^17 here, 1.3 s a
call), where a node's is its keystore's, which tests set low. The primitives are
``cryptography``'s; only the framing above is written here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from jointzone.node._keyfile import MAX_SCRYPT_MEMORY
from jointzone.node.errors import BackupError

VERSION_LINE = b"age-encryption.org/v1\n"
_SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
CHUNK = 64 * 1024
_TAG = 16
_FILE_KEY = 16
_NONCE = 16
_COLUMNS = 64
#: scrypt's block size in age; memory is 128·r·2^w bytes.
_R = 8
#: The work factors this node writes: the keystore's production and demo costs.
PRODUCTION_WORK_FACTOR = 18
DEMO_WORK_FACTOR = 12
MAX_WORK_FACTOR = (MAX_SCRYPT_MEMORY // (128 * _R)).bit_length() - 1
#: A header of one scrypt stanza is about 150 bytes; anything far longer is not one of ours.
_MAX_HEADER = 16 * 1024
_ARGUMENT = re.compile(rb"[\x21-\x7e]+")
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*")
_WORK_FACTOR = re.compile(rb"[1-9][0-9]*")


def _b64encode(raw: bytes) -> bytes:
    return base64.b64encode(raw).rstrip(b"=")


def _b64decode(text: bytes, what: str) -> bytes:
    """Canonical unpadded base64 (RFC 4648 §3.5), or BackupError naming ``what``."""
    if not _BASE64.fullmatch(text) or len(text) % 4 == 1:
        raise _header(f"{what} is not unpadded base64")
    try:
        raw = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error as e:
        raise _header(f"{what} is not base64: {e}") from None
    if _b64encode(raw) != text:
        raise _header(f"{what} is not canonical base64")
    return raw


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def _scrypt(passphrase: bytes, salt: bytes, work_factor: int) -> bytes:
    kdf = Scrypt(salt=_SCRYPT_LABEL + salt, length=32, n=1 << work_factor, r=_R, p=1)
    return kdf.derive(passphrase)


def _header(why: str) -> BackupError:
    return BackupError(f"not a readable age file: its header is malformed: {why}")


def _chunk_nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# -- writing ---------------------------------------------------------------------------------------


class Encrypting:
    """A writable stream that encrypts to ``out`` as an age file under ``passphrase``.

    Write to it, then :meth:`finish` (which seals the final chunk): a file never finished ends
    without a final chunk, and every reader refuses it as truncated.
    """

    def __init__(self, out: BinaryIO, passphrase: bytes, *, work_factor: int) -> None:
        if not 1 <= work_factor <= MAX_WORK_FACTOR:
            raise ValueError(f"scrypt work factor must be 1..{MAX_WORK_FACTOR}, not {work_factor}")
        file_key = os.urandom(_FILE_KEY)
        salt = os.urandom(16)
        wrapped = ChaCha20Poly1305(_scrypt(passphrase, salt, work_factor)).encrypt(
            bytes(12), file_key, None
        )
        head = (
            VERSION_LINE
            + b"-> scrypt "
            + _b64encode(salt)
            + b" %d\n" % work_factor
            + _b64encode(wrapped)  # 32 bytes: 43 characters, one short line
            + b"\n---"
        )
        mac = hmac.new(_hkdf(file_key, b"", b"header"), head, hashlib.sha256).digest()
        nonce = os.urandom(_NONCE)
        out.write(head + b" " + _b64encode(mac) + b"\n" + nonce)
        self._out = out
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._buffer = bytearray()
        self._counter = 0
        self._finished = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._finished:
            raise ValueError("write to a finished age stream")
        self._buffer += data
        # A full chunk is held back until more follows: only then is it known not to be last.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def finish(self) -> None:
        if not self._finished:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._finished = True

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = _chunk_nonce(self._counter, last)
        self._out.write(self._aead.encrypt(nonce, plain, None))
        self._counter += 1


# -- reading ---------------------------------------------------------------------------------------


class Header:
    """An age header as read: its stanzas, MAC, and the bytes the MAC covers."""

    def __init__(self, stanzas: list[tuple[list[bytes], bytes]], mac: bytes, covered: bytes):
        self.stanzas = stanzas
        self.mac = mac
        self.covered = covered

    @classmethod
    def read(cls, source: BinaryIO) -> Header:
        """The header at the start of ``source``, which is left at the payload's nonce."""
        lines: list[bytes] = []
        total = 0
        while True:
            line = source.readline(_MAX_HEADER - total + 1)
            total += len(line)
            if not lines and not line:
                raise BackupError("not an age file: it is empty")
            if not lines and not line.startswith(VERSION_LINE[:19]):
                raise BackupError("not an age file (it does not start with age-encryption.org/v1)")
            if total > _MAX_HEADER:
                raise _header(f"longer than {_MAX_HEADER} bytes")
            if not line.endswith(b"\n"):
                raise _header("it ends before its MAC line")
            lines.append(line)
            if line.startswith(b"---"):
                break
        if lines[0] != VERSION_LINE:
            raise _header(f"version {lines[0][19:-1]!r} is not v1")
        stanzas: list[tuple[list[bytes], bytes]] = []
        i = 1
        while not lines[i].startswith(b"---"):
            if not lines[i].startswith(b"-> "):
                raise _header(f"line {i + 1} starts neither a stanza (->) nor the MAC (---)")
            args = lines[i][3:-1].split(b" ")
            if not all(_ARGUMENT.fullmatch(a) for a in args):
                raise _header(f"line {i + 1}: a stanza argument is empty or not printable ASCII")
            i += 1
            body = b""
            while True:
                if lines[i].startswith(b"---"):
                    raise _header(f"line {i + 1}: the stanza's body has no final short line")
                text = lines[i][:-1]
                if len(text) > _COLUMNS:
                    raise _header(f"line {i + 1}: a body line is longer than {_COLUMNS} columns")
                body += text
                i += 1
                if len(text) < _COLUMNS:
                    break
            stanzas.append((args, _b64decode(body, f"the body of stanza {len(stanzas) + 1}")))
        if not stanzas:
            raise _header("no recipient stanza")
        end = lines[i]
        if not end.startswith(b"--- ") or len(end) != 4 + 43 + 1:
            raise _header("the MAC line is not '--- ' and 43 base64 characters")
        mac = _b64decode(end[4:-1], "the header MAC")
        covered = b"".join(lines[:i]) + b"---"
        return cls(stanzas, mac, covered)

    def unwrap(self, passphrase: bytes) -> bytes:
        """The file key, unwrapped from the header's scrypt stanza with ``passphrase``."""
        scrypt = [s for s in self.stanzas if s[0][0] == b"scrypt"]
        if not scrypt:
            raise BackupError(
                "the age file is not encrypted with a passphrase (it has no scrypt stanza)"
            )
        if len(self.stanzas) != 1:
            raise _header("an scrypt stanza must be the only stanza in the header")
        ((args, body),) = scrypt
        if len(args) != 3:
            raise _header(f"the scrypt stanza has {len(args) - 1} arguments, expected 2")
        salt = _b64decode(args[1], "the scrypt salt")
        if len(salt) != 16:
            raise _header(f"the scrypt salt is {len(salt)} bytes, expected 16")
        if not _WORK_FACTOR.fullmatch(args[2]):
            raise _header(f"the scrypt work factor {args[2]!r} is not a decimal number")
        work_factor = int(args[2])
        if work_factor > MAX_WORK_FACTOR:
            raise _header(
                f"the scrypt work factor 2^{work_factor} is above 2^{MAX_WORK_FACTOR}, the most "
                f"this reader spends ({MAX_SCRYPT_MEMORY >> 20} MiB)"
            )
        if len(body) != _FILE_KEY + _TAG:
            raise _header(f"the scrypt stanza's body is {len(body)} bytes, expected 32")
        try:
            return ChaCha20Poly1305(_scrypt(passphrase, salt, work_factor)).decrypt(
                bytes(12), body, None
            )
        except InvalidTag:
            raise BackupError(
                "wrong passphrase (or an altered header): it does not decrypt the file key"
            ) from None

    def check_mac(self, file_key: bytes) -> None:
        mac = hmac.new(_hkdf(file_key, b"", b"header"), self.covered, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, self.mac):
            raise BackupError("the age header's MAC does not verify: the header was altered")


class Decrypting:
    """A readable stream of the plaintext of the age file ``source``, each chunk released only
    once authenticated; the end of the plaintext only once the final chunk is."""

    def __init__(self, source: BinaryIO, passphrase: bytes) -> None:
        header = Header.read(source)
        file_key = header.unwrap(passphrase)
        self._start(source, header, file_key)

    @classmethod
    def with_file_key(cls, source: BinaryIO, file_key: bytes) -> Decrypting:
        """For test vectors that give the file key rather than a passphrase."""
        self = cls.__new__(cls)
        self._start(source, Header.read(source), file_key)
        return self

    def _start(self, source: BinaryIO, header: Header, file_key: bytes) -> None:
        header.check_mac(file_key)
        nonce = source.read(_NONCE)
        if len(nonce) != _NONCE:
            raise BackupError("the age file is truncated: its payload nonce is missing")
        self._source = source
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._counter = 0
        self._done = False
        self._plain = b""
        self._pos = 0
        self._ahead = b""
        self._cut = ""

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = [self._plain[self._pos :]]
            self._plain, self._pos = b"", 0
            while self._next():
                parts.append(self._plain)
                self._plain = b""
            return b"".join(parts)
        while self._pos == len(self._plain) and self._next():
            pass
        out = self._plain[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def _next(self) -> bool:
        """Authenticate the next chunk into the buffer; False at the end of the plaintext."""
        if self._done:
            return False
        if self._cut:
            raise BackupError(self._cut)
        want = CHUNK + _TAG + 1
        data = self._ahead + self._read(want - len(self._ahead))
        last = len(data) < want
        sealed, self._ahead = (data, b"") if last else (data[:-1], data[-1:])
        where = f"chunk {self._counter}"
        if last and not sealed:
            raise BackupError(
                f"the age file is truncated: it ends before its final chunk ({where})"
            )
        if len(sealed) < _TAG:
            raise BackupError(f"the age file is truncated inside {where}")
        opened: bytes | None
        try:
            opened = self._aead.decrypt(_chunk_nonce(self._counter, last), sealed, None)
        except InvalidTag:
            opened = self._other_flag(sealed, last)
            if opened is None:
                state = "truncated, extended or altered" if last else "altered or reordered"
                raise BackupError(
                    f"the age payload does not authenticate at {where} (byte "
                    f"{self._counter * (CHUNK + _TAG):,} of the payload): it was {state}"
                ) from None
            # A whole chunk sealed as the other kind: not the final one at the end of the file,
            # or the final one with more after it. It is released, and the next read fails.
            self._cut = (
                f"the age file is truncated: it ends after chunk {self._counter}, which is "
                "not the final one"
                if last
                else f"the age payload was extended: data follows its final chunk ({where})"
            )
            last = False
        plain = opened
        if last and not plain and self._counter:
            raise BackupError(f"the age payload ends with an empty final chunk ({where})")
        self._counter += 1
        self._done = last
        self._plain, self._pos = plain, 0
        return bool(plain) or not last

    def _other_flag(self, sealed: bytes, last: bool) -> bytes | None:
        """A whole chunk opened as the other kind (final or not) than its place says."""
        if len(sealed) != CHUNK + _TAG:
            return None
        try:
            return self._aead.decrypt(_chunk_nonce(self._counter, not last), sealed, None)
        except InvalidTag:
            return None

    def _read(self, n: int) -> bytes:
        parts = []
        while n:
            part = self._source.read(n)
            if not part:
                break
            parts.append(part)
            n -= len(part)
        return b"".join(parts)

    @property
    def finished(self) -> bool:
        """Whether the final chunk has been authenticated and all of it read."""
        return self._done and self._pos == len(self._plain)
