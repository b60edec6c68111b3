"""One Ed25519 private key in one file, encrypted with a passphrase that resists guessing.

The file is the standard one, so that OpenSSL and ``cryptography`` read it too: a PEM
``ENCRYPTED PRIVATE KEY``, i.e. a PKCS#8 EncryptedPrivateKeyInfo (RFC 5958) whose algorithm is
PBES2 (RFC 8018) with scrypt as the key derivation function (RFC 7914 §7, OID
1.3.6.1.4.1.11591.4.11) and AES-256-CBC as the cipher. Every file states its own salt and cost,
and the reader follows the file.

Costs (r is scrypt's block size, p its parallelism; memory is 128·r·N bytes):

- production: scrypt N=2^18, r=8, p=1 — 256 MiB, about 0.6 s per unlock on the machine it was
  chosen on (2 cores; ``python -m bench.bench_keystore`` measures it). N is a power of two: 2^17
  took 0.3 s there, and 2^18 is the nearer to the half second aimed at.
- demo: scrypt N=2^12, r=8, p=1 — 4 MiB, about 10 ms. Only for keys under the published demo
  passphrase, which no cost protects; it keeps demos and tests fast.

Keys written before scrypt (PBES2 with PBKDF2, ``cryptography``'s BestAvailableEncryption) still
open: whatever is not scrypt is handed to ``cryptography``'s own reader.

New passphrases need at least 12 characters (demo ones aside); reading never refuses a short one,
since the file it opens was made by whoever chose it.

This module also holds the files of officials' own keys, which live on their own machines and
never on a node (:func:`write_key_file`, :func:`read_key_file`), and :func:`fingerprint`, for
people comparing a public key out of band.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from asn1crypto import core, keys, pem  # type: ignore[import-untyped]
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from jointzone.node.errors import KeystoreError

SCRYPT_OID = "1.3.6.1.4.1.11591.4.11"
MIN_PASSPHRASE_LENGTH = 12
SALT_SIZE = 16
#: What a reader agrees to spend on one file it did not write: four times production's memory.
#: A file asking for more is refused rather than left to exhaust the machine.
MAX_SCRYPT_MEMORY = 1 << 30
MAX_SCRYPT_P = 16
_PEM_LABEL = "ENCRYPTED PRIVATE KEY"
_AES_BLOCK = 16
_AES_CBC = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32}
#: A PEM file of an Ed25519 key is a few hundred bytes; anything this large is not one.
_MAX_KEY_FILE = 64 * 1024


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt's cost (RFC 7914 §2): ``n`` a power of two, block size ``r``, parallelism ``p``."""

    n: int
    r: int
    p: int

    @property
    def memory(self) -> int:
        """Bytes scrypt needs: 128·r·N."""
        return 128 * self.r * self.n

    def describe(self) -> str:
        return (
            f"scrypt N=2^{self.n.bit_length() - 1}, r={self.r}, p={self.p} "
            f"({self.memory >> 20} MiB)"
        )

    def problem(self) -> str | None:
        """Why this reader refuses these parameters, or None when it accepts them."""
        if self.n < 2 or self.n & (self.n - 1):
            return f"N must be a power of two >= 2, got {self.n}"
        if self.r < 1 or not 1 <= self.p <= MAX_SCRYPT_P:
            return f"expected r >= 1 and 1 <= p <= {MAX_SCRYPT_P}, got r={self.r}, p={self.p}"
        if self.memory > MAX_SCRYPT_MEMORY:
            return (
                f"N={self.n}, r={self.r} need {self.memory >> 20} MiB, more than the "
                f"{MAX_SCRYPT_MEMORY >> 20} MiB this version spends on one key"
            )
        return None

    def to_data(self) -> dict[str, object]:
        return {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_data(cls, data: object, *, where: str) -> ScryptParams:
        """Parameters as :meth:`to_data` gives them; ``where`` names their file in errors."""
        if not isinstance(data, dict) or data.get("name") != "scrypt":
            raise KeystoreError(f"{where}: expected kdf {{'name': 'scrypt', ...}}, got {data!r}")
        n, r, p = (data.get(k) for k in ("n", "r", "p"))
        if not (_is_int(n) and _is_int(r) and _is_int(p)):
            raise KeystoreError(f"{where}: scrypt n, r and p must be integers, got {n}, {r}, {p}")
        params = cls(n=n, r=r, p=p)
        if (problem := params.problem()) is not None:
            raise KeystoreError(f"{where}: unusable scrypt parameters: {problem}")
        return params


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


PRODUCTION_KDF = ScryptParams(n=1 << 18, r=8, p=1)
DEMO_KDF = ScryptParams(n=1 << 12, r=8, p=1)


class _ScryptParamsDer(core.Sequence):  # type: ignore[misc]
    """scrypt-params (RFC 7914 §7.1); asn1crypto knows PBKDF2's parameters but not these."""

    _fields = [  # noqa: RUF012 - asn1crypto's declaration format
        ("salt", core.OctetString),
        ("cost_parameter", core.Integer),
        ("block_size", core.Integer),
        ("parallelization_parameter", core.Integer),
        ("key_length", core.Integer, {"optional": True}),
    ]


def check_new_passphrase(passphrase: bytes, *, demo: bool, what: str) -> None:
    """Refuse a passphrase too short to protect ``what`` (a phrase naming the file or keystore)."""
    if demo:
        return  # the demo passphrase is published: its length protects nothing
    # Characters, not bytes: six Cyrillic letters are twelve bytes of UTF-8 and no stronger.
    if len(passphrase.decode("utf-8", "surrogateescape")) < MIN_PASSPHRASE_LENGTH:
        raise KeystoreError(
            f"{what}: the passphrase is shorter than {MIN_PASSPHRASE_LENGTH} characters; "
            f"choose one of at least {MIN_PASSPHRASE_LENGTH}"
        )


class Passphrase:
    """A passphrase, and the wrapping keys scrypt derived from it: each salt and cost once.

    A process that opens many files made with one salt (a keystore's) pays scrypt once.
    The secret never appears in ``repr`` or in any error.
    """

    __slots__ = ("_derived", "_secret")

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._derived: dict[tuple[bytes, ScryptParams, int], bytes] = {}

    def __repr__(self) -> str:
        return "Passphrase(<hidden>)"

    def seal(self, key: Ed25519PrivateKey, *, kdf: ScryptParams, salt: bytes) -> bytes:
        """``key`` as an encrypted PKCS#8 PEM: PBES2, scrypt with ``kdf`` and ``salt``, AES-256."""
        plain = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        iv = os.urandom(_AES_BLOCK)
        padder = padding.PKCS7(_AES_BLOCK * 8).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = Cipher(
            algorithms.AES(self._derive(salt, kdf, _AES_CBC["aes256_cbc"])), modes.CBC(iv)
        ).encryptor()
        info = keys.EncryptedPrivateKeyInfo(
            {
                "encryption_algorithm": {
                    "algorithm": "pbes2",
                    "parameters": {
                        "key_derivation_func": {
                            "algorithm": SCRYPT_OID,
                            # No keyLength: the cipher implies it, and OpenSSL leaves it out too.
                            "parameters": _ScryptParamsDer(
                                {
                                    "salt": salt,
                                    "cost_parameter": kdf.n,
                                    "block_size": kdf.r,
                                    "parallelization_parameter": kdf.p,
                                }
                            ),
                        },
                        "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                    },
                },
                "encrypted_data": encryptor.update(padded) + encryptor.finalize(),
            }
        )
        armored: bytes = pem.armor(_PEM_LABEL, info.dump())
        return armored

    def unseal(self, data: bytes, *, where: Path) -> Ed25519PrivateKey:
        """The key in an encrypted PKCS#8 PEM, scrypt or not; ``where`` names it in errors."""
        if not pem.detect(data):
            raise KeystoreError(
                f"{where}: not a PEM key file (expected -----BEGIN {_PEM_LABEL}-----)"
            )
        scrypt = _scrypt_info(data, where=where)
        if scrypt is None:
            try:
                key = serialization.load_pem_private_key(data, password=self._secret)
            except TypeError as e:  # raised for an unencrypted key given a password
                raise KeystoreError(f"{where}: expected an encrypted key file: {e}") from e
            except (ValueError, UnsupportedAlgorithm) as e:
                raise KeystoreError(f"{where}: cannot decrypt (wrong passphrase?): {e}") from e
        else:
            key = self._unseal_scrypt(scrypt, where=where)
        if not isinstance(key, Ed25519PrivateKey):
            raise KeystoreError(f"{where}: expected an Ed25519 key, found {type(key).__name__}")
        return key

    def _unseal_scrypt(self, info: _ScryptInfo, *, where: Path) -> PrivateKeyTypes:
        decryptor = Cipher(
            algorithms.AES(self._derive(info.salt, info.kdf, info.key_length)),
            modes.CBC(info.iv),
        ).decryptor()
        try:
            padded = decryptor.update(info.ciphertext) + decryptor.finalize()
            unpadder = padding.PKCS7(_AES_BLOCK * 8).unpadder()
            plain = unpadder.update(padded) + unpadder.finalize()
            # A wrong wrapping key leaves valid padding one time in 256; the DER then fails.
            return serialization.load_der_private_key(plain, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise KeystoreError(f"{where}: cannot decrypt (wrong passphrase?)") from None

    def _derive(self, salt: bytes, kdf: ScryptParams, length: int) -> bytes:
        slot = (salt, kdf, length)
        derived = self._derived.get(slot)
        if derived is None:
            derived = Scrypt(salt=salt, length=length, n=kdf.n, r=kdf.r, p=kdf.p).derive(
                self._secret
            )
            self._derived[slot] = derived
        return derived


@dataclass(frozen=True, slots=True)
class _ScryptInfo:
    """What decrypting a PBES2-scrypt file needs, checked."""

    kdf: ScryptParams
    salt: bytes
    key_length: int
    iv: bytes
    ciphertext: bytes


def _scrypt_info(data: bytes, *, where: Path) -> _ScryptInfo | None:
    """The scrypt parameters and ciphertext of a PBES2-scrypt PEM; None for any other file."""
    try:
        label, _, der = pem.unarmor(data)
    except ValueError:
        return None  # not one PEM block: cryptography's reader says what it is instead
    if label != _PEM_LABEL:
        return None
    try:
        info = keys.EncryptedPrivateKeyInfo.load(der, strict=True)
        algorithm = info["encryption_algorithm"]
        if algorithm["algorithm"].native != "pbes2":
            return None
        kdf = algorithm["parameters"]["key_derivation_func"]
        if kdf["algorithm"].dotted != SCRYPT_OID:
            return None
        params = kdf["parameters"].parse(_ScryptParamsDer)
        scheme = algorithm["parameters"]["encryption_scheme"]
        cipher = scheme["algorithm"].native
        iv = scheme["parameters"].native
        ciphertext = info["encrypted_data"].native
        salt = params["salt"].native
        cost = ScryptParams(
            n=params["cost_parameter"].native,
            r=params["block_size"].native,
            p=params["parallelization_parameter"].native,
        )
        stated_length = params["key_length"].native
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise KeystoreError(f"{where}: malformed PBES2-scrypt key file: {e}") from e
    if cipher not in _AES_CBC:
        raise KeystoreError(
            f"{where}: PBES2 cipher {cipher!r} is not supported: expected AES-CBC "
            f"({', '.join(_AES_CBC)})"
        )
    key_length = _AES_CBC[cipher]
    if stated_length is not None and stated_length != key_length:
        raise KeystoreError(
            f"{where}: scrypt keyLength {stated_length} does not fit {cipher} "
            f"(expected {key_length})"
        )
    if (problem := cost.problem()) is not None:
        raise KeystoreError(f"{where}: refusing scrypt parameters: {problem}")
    if not isinstance(iv, bytes) or len(iv) != _AES_BLOCK:
        raise KeystoreError(f"{where}: expected a {_AES_BLOCK}-byte AES-CBC IV")
    if not ciphertext or len(ciphertext) % _AES_BLOCK:
        raise KeystoreError(f"{where}: ciphertext is not whole AES blocks")
    return _ScryptInfo(kdf=cost, salt=salt, key_length=key_length, iv=iv, ciphertext=ciphertext)


def write_atomically(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` with mode 0600, all or nothing, surviving a crash once done.

    With ``overwrite=False`` an existing ``path`` is never replaced, even one created by another
    process meanwhile (the file is linked into place, which fails if the name is taken).
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp makes it 0600
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise KeystoreError(
                    f"{path} already exists: a key file is never overwritten; "
                    f"choose another path or move the old file away"
                ) from None
            tmp.unlink()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the new name, not just the bytes, must survive a crash
    finally:
        os.close(dir_fd)


def write_key_file(
    path: Path, key: Ed25519PrivateKey, passphrase: bytes, *, demo: bool = False
) -> None:
    """Write an official's own key to ``path`` (a new file, mode 0600) under ``passphrase``.

    The production cost unless ``demo``; a passphrase shorter than
    :data:`MIN_PASSPHRASE_LENGTH` characters is refused (demo aside). An existing file is never
    overwritten.
    """
    check_new_passphrase(passphrase, demo=demo, what=f"key file {path}")
    if path.exists() or path.is_symlink():
        # Checked before scrypt's half second too, not only when linking into place.
        raise KeystoreError(
            f"{path} already exists: a key file is never overwritten; "
            f"choose another path or move the old file away"
        )
    sealed = Passphrase(passphrase).seal(
        key, kdf=DEMO_KDF if demo else PRODUCTION_KDF, salt=os.urandom(SALT_SIZE)
    )
    try:
        write_atomically(path, sealed, overwrite=False)
    except OSError as e:
        raise KeystoreError(f"{path}: cannot write the key file: {e.strerror}") from e


def read_key_file(path: Path, passphrase: bytes) -> Ed25519PrivateKey:
    """The Ed25519 key in an encrypted PKCS#8 PEM file, as :func:`write_key_file` writes it.

    Files of either cost, and files of other software in the same standard format (OpenSSL's
    ``pkcs8 -topk8 -scrypt``, or PBKDF2), open alike.
    """
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_KEY_FILE + 1)
    except FileNotFoundError:
        raise KeystoreError(f"{path}: no key file there") from None
    except OSError as e:
        raise KeystoreError(f"{path}: cannot read the key file: {e.strerror}") from e
    if len(data) > _MAX_KEY_FILE:
        raise KeystoreError(f"{path}: larger than {_MAX_KEY_FILE >> 10} KiB, not a key file")
    return Passphrase(passphrase).unseal(data, where=path)


def fingerprint(public_key: bytes) -> str:
    """A public key's fingerprint, for people to compare out of band (read aloud, on paper).

    The first 16 bytes of SHA-256 over the raw 32-byte Ed25519 public key, as 8 groups of 4
    lowercase hex digits separated by spaces. RFC 8032's first test key (``d75a9801…511a``)
    has ``21fe 31df a154 a261 626b f854 046f d227``. 128 bits: making a second key with the
    same fingerprint is far out of reach.
    """
    if len(public_key) != 32:
        raise KeystoreError(
            f"a fingerprint is of a raw 32-byte Ed25519 public key, got {len(public_key)} bytes"
        )
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))
