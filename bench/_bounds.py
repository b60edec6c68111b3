"""The machine's raw bounds, measured in the same run as the figure they are compared with.

Both are measured single-threaded from Python, the way the code under test uses them: the SHA-256
bound is hashlib over 65-byte inputs (an RFC 6962 node), the Ed25519 bound is the fastest verifier
available here checking a 64-byte signature over a short message. That is libsodium through
PyNaCl, which the code verifies with; ``cryptography`` (OpenSSL), which it used to, is measured in
the same run and printed beside it, and would be the bound if it were ever the faster.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.bindings import crypto_sign_open

LIBSODIUM = "libsodium (PyNaCl)"
OPENSSL = "cryptography (OpenSSL)"


@dataclass(frozen=True)
class Bounds:
    sha256_per_s: float
    #: Ed25519 verifications per second by each verifier, fastest first.
    ed25519_verifiers: tuple[tuple[str, float], ...]

    @property
    def ed25519_verify_per_s(self) -> float:
        """The Ed25519 bound: the fastest verifier's rate."""
        return self.ed25519_verifiers[0][1]

    def describe(self) -> str:
        (fastest, rate), *others = self.ed25519_verifiers
        beside = "".join(f"; {name} {r:,.0f}/s ({rate / r:.2f}x slower)" for name, r in others)
        return (
            f"bounds: SHA-256 (65-byte input) {self.sha256_per_s:,.0f}/s, "
            f"Ed25519 verify {rate:,.0f}/s by {fastest}, the fastest here{beside} (one core)"
        )


def _rate(fn: object, n: int, seconds: float) -> float:
    """Best of a few rounds of ``n`` calls, as calls per second."""
    assert callable(fn)
    best = 0.0
    deadline = time.perf_counter() + seconds
    while True:
        t0 = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t0
        best = max(best, n / dt)
        if time.perf_counter() > deadline:
            return best


def sha256_rate(seconds: float = 1.0) -> float:
    data = os.urandom(65)
    sha = hashlib.sha256

    def run(n: int) -> None:
        for _ in range(n):
            sha(data).digest()

    return _rate(run, 200_000, seconds)


def libsodium_ed25519_verify_rate(seconds: float = 1.0) -> float:
    """libsodium's verify, with nothing around it (not even our wrapper)."""
    key = Ed25519PrivateKey.generate()
    msg = os.urandom(100)
    # PyNaCl binds only combined-mode verification: signature and message in one buffer.
    signed = key.sign(msg) + msg
    pub = key.public_key().public_bytes_raw()

    def run(n: int) -> None:
        for _ in range(n):
            crypto_sign_open(signed, pub)

    return _rate(run, 2_000, seconds)


def openssl_ed25519_verify_rate(seconds: float = 1.0) -> float:
    """``cryptography``'s Ed25519 verify, the verifier the code used before libsodium."""
    key = Ed25519PrivateKey.generate()
    msg = os.urandom(100)
    sig = key.sign(msg)
    pub = key.public_key()

    def run(n: int) -> None:
        for _ in range(n):
            pub.verify(sig, msg)

    return _rate(run, 2_000, seconds)


def ed25519_verify_rates(seconds: float = 1.0, *, rounds: int = 4) -> tuple[tuple[str, float], ...]:
    """Each Ed25519 verifier's best rate in ``seconds`` apiece, fastest first: the first is the
    bound. The verifiers take turns, so a neighbour's burst of load slows both, not one alone."""
    verifiers = ((LIBSODIUM, libsodium_ed25519_verify_rate), (OPENSSL, openssl_ed25519_verify_rate))
    best = dict.fromkeys((name for name, _ in verifiers), 0.0)
    for _ in range(rounds):
        for name, rate in verifiers:
            best[name] = max(best[name], rate(seconds / rounds))
    return tuple(sorted(best.items(), key=lambda rate: -rate[1]))


def measure(seconds: float = 1.0) -> Bounds:
    return Bounds(
        sha256_per_s=sha256_rate(seconds), ed25519_verifiers=ed25519_verify_rates(seconds)
    )


if __name__ == "__main__":
    print(measure().describe())
