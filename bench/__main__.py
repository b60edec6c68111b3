"""``python -m bench`` (``make bench``): every benchmark in turn, each with its default sizes.

Each prints its own figures and their ratios to the bounds it measures alongside; run one alone
(``python -m bench.bench_log --sizes 1000000,10000000``) for other sizes.
"""

from __future__ import annotations

import subprocess
import sys

BENCHES = [
    "bench.bench_log",
    "bench.bench_verify",
    "bench.bench_core",
    "bench.bench_replay",
    "bench.bench_neutrality",
    "bench.bench_credentials",
    "bench.bench_inputs",
    "bench.bench_keystore",
    "bench.bench_network",
    "bench.bench_backup",
    "bench.bench_node_keys",
    "bench.bench_verifier",
]


def main() -> int:
    failed = []
    for name in BENCHES:
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, "-m", name], check=False).returncode:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
