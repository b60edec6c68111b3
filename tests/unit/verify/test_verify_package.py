"""The verifier package: what it exports, and that it runs without the store or a node."""

from __future__ import annotations

import subprocess
import sys


def test_verify_loads_only_the_pure_log_package() -> None:
    code = "import sys, jointzone.verify\nprint('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = result.stdout.split()
    packages = {m.split(".")[1] for m in loaded if m.startswith("jointzone.")}
    # inputs: the bounded file reads; ed25519: the signature check tlog uses. Neither imports
    # anything of the project.
    assert packages == {"ed25519", "inputs", "tlog", "verify"}
    assert "sqlalchemy" not in loaded


def test_public_names() -> None:
    import jointzone.verify

    assert jointzone.verify.__all__ == [
        "CheckpointSignatureError",
        "EntryRefusedError",
        "HashMismatchError",
        "InconsistentCheckpointError",
        "Judge",
        "KeysAt",
        "MalformedFileError",
        "MissingFileError",
        "Progress",
        "Report",
        "RootMismatchError",
        "UsageError",
        "VerificationError",
        "VerifyError",
        "read_checkpoint",
        "read_first_entry",
        "verify_tiles",
    ]
