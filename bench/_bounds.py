"""The machine's raw bounds, measured in the same run as the figure they are compared with.

Both are measured single-threaded from Python, the way the code under test uses them: the SHA-256
bound is hashlib over 65-byte inputs (an RFC 6962 node), the Ed25519 bound is ``cryptography``'s
verify of a 64-byte signature over a short message.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class Bounds:
    sha256_per_s: float
    ed25519_verify_per_s: float

    def describe(self) -> str:
        return (
            f"bounds: SHA-256 (65-byte input) {self.sha256_per_s:,.0f}/s, "
            f"Ed25519 verify {self.ed25519_verify_per_s:,.0f}/s (one core)"
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


def ed25519_verify_rate(seconds: float = 1.0) -> float:
    key = Ed25519PrivateKey.generate()
    msg = os.urandom(100)
    sig = key.sign(msg)
    pub = key.public_key()

    def run(n: int) -> None:
        for _ in range(n):
            pub.verify(sig, msg)

    return _rate(run, 2_000, seconds)


def measure(seconds: float = 1.0) -> Bounds:
    return Bounds(
        sha256_per_s=sha256_rate(seconds), ed25519_verify_per_s=ed25519_verify_rate(seconds)
    )


if __name__ == "__main__":
    print(measure().describe())
