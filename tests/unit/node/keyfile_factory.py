"""What the key-file and keystore tests share: passphrases, an independent reading of the format,
and key files as the previous version and OpenSSL write them."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import core, keys, pem  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PASSPHRASE = b"correct horse battery staple"
DEMO_PASSPHRASE = b"demo-passphrase-not-a-secret"
OPENSSL = "/usr/bin/openssl"
PBES2_OID = "1.2.840.113549.1.5.13"
SCRYPT_OID = "1.3.6.1.4.1.11591.4.11"
AES256_CBC_OID = "2.16.840.1.101.3.4.1.42"


@dataclass(frozen=True)
class Pbes2Scrypt:
    """A key file's algorithm, read with asn1crypto's generic types, not the code under test."""

    scheme: str
    kdf: str
    cipher: str
    salt: bytes
    n: int
    r: int
    p: int
    key_length: int | None
    iv: bytes


def read_pbes2(data: bytes) -> Pbes2Scrypt:
    label, _, der = pem.unarmor(data)
    assert label == "ENCRYPTED PRIVATE KEY"
    info = keys.EncryptedPrivateKeyInfo.load(der, strict=True)
    algorithm = info["encryption_algorithm"]
    kdf = algorithm["parameters"]["key_derivation_func"]
    params = core.load(kdf["parameters"].dump())
    fields = [params[i].native for i in range(len(params))]
    assert len(fields) in (4, 5)
    scheme = algorithm["parameters"]["encryption_scheme"]
    return Pbes2Scrypt(
        scheme=algorithm["algorithm"].dotted,
        kdf=kdf["algorithm"].dotted,
        cipher=scheme["algorithm"].dotted,
        salt=fields[0],
        n=fields[1],
        r=fields[2],
        p=fields[3],
        key_length=fields[4] if len(fields) == 5 else None,
        iv=scheme["parameters"].native,
    )


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes_raw()


def pbkdf2_pem(key: Ed25519PrivateKey, passphrase: bytes) -> bytes:
    """A key as the previous version wrote it: cryptography's BestAvailableEncryption."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def openssl(*args: str, stdin: bytes = b"") -> bytes:
    done = subprocess.run(
        [OPENSSL, *args], input=stdin, capture_output=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def error_promptly(fn: Callable[[], object], seconds: float = 5.0) -> BaseException:
    """What ``fn()`` raised, failing the test if it returns or does not finish in ``seconds``.

    Run in a thread so that a call which blocks fails the test rather than hanging the run.
    """
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as e:
            outcome.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    assert outcome, "returned instead of raising"
    return outcome[0]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
