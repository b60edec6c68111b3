"""Keystore unlocking, measured: what one guess at a passphrase costs, at both scrypt costs.

An unlock is one key file opened from scratch (``read_key_file``: scrypt, then AES-256-CBC and
the PKCS#8 parse), the work a node does once when it opens its keystore with a passphrase and the
work an attacker does for every guess. The production cost aims at about 0.5 s on this machine;
the demo cost, for keystores under the published demo passphrase, only at being quick. Then a
production keystore of several keys is opened and all its keys decrypted: its keys share one
salt, so that costs one unlock, not one per key.

    .venv/bin/python -m bench.bench_keystore [--rounds 3] [--demo-rounds 20] [--keys 4]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.node._keyfile import (
    DEMO_KDF,
    PRODUCTION_KDF,
    ScryptParams,
    read_key_file,
    write_key_file,
)
from jointzone.node._keystore import Keystore

PASSPHRASE = b"bench passphrase, long enough"
TARGET_S = 0.5


def _unlocks(directory: Path, kdf: ScryptParams, rounds: int) -> list[float]:
    path = directory / f"key-{kdf.n}.pem"
    write_key_file(path, Ed25519PrivateKey.generate(), PASSPHRASE, demo=kdf == DEMO_KDF)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        read_key_file(path, PASSPHRASE)
        times.append(time.perf_counter() - t0)
    return times


def bench_unlock(directory: Path, rounds: int, demo_rounds: int) -> float:
    production = 0.0
    for label, kdf, n in (
        ("production", PRODUCTION_KDF, rounds),
        ("demo", DEMO_KDF, demo_rounds),
    ):
        times = _unlocks(directory, kdf, n)
        median = statistics.median(times)
        line = (
            f"unlock, {label}: {kdf.describe()}: median {median * 1000:,.1f} ms, "
            f"best {min(times) * 1000:,.1f} ms over {n}"
        )
        if kdf == PRODUCTION_KDF:
            production = median
            line += f" -> {median / TARGET_S:.0%} of the {TARGET_S} s aimed at"
        print(line, flush=True)
    return production


def bench_keystore(directory: Path, keys: int, unlock: float) -> None:
    path = directory / "keystore"
    store = Keystore.create(path, party="japan", passphrase=PASSPHRASE)
    t0 = time.perf_counter()
    for i in range(keys):
        store.generate("official", f"official-{i}", party="japan")
    created = time.perf_counter() - t0
    t0 = time.perf_counter()
    opened = Keystore.open(path, passphrase=PASSPHRASE)
    for entry in opened.entries():
        opened.private_key(entry.kind, entry.name)
    dt = time.perf_counter() - t0
    print(
        f"keystore of {keys} keys, production cost: {keys} added in {created:.2f} s; opened and "
        f"all decrypted in {dt:.2f} s = {dt / unlock:.1f} unlocks (expected 1)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="production unlocks to time")
    parser.add_argument("--demo-rounds", type=int, default=20, help="demo unlocks to time")
    parser.add_argument("--keys", type=int, default=4, help="keys in the keystore timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jointzone-bench-keystore-") as tmp:
        unlock = bench_unlock(Path(tmp), args.rounds, args.demo_rounds)
        bench_keystore(Path(tmp), args.keys, unlock)


if __name__ == "__main__":
    main()
