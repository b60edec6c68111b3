"""The standalone verifier: a published tlog-tiles directory in, a verdict out.

It imports only the pure :mod:`jointzone.tlog`, never the store or a node, because it must run
anywhere with nothing but the published files and the parties' verifier keys: that is what lets
either party check the whole record without trusting the other's servers.
"""

from jointzone.verify._report import Report
from jointzone.verify._tiles import Progress, read_first_entry, verify_tiles
from jointzone.verify.errors import (
    CheckpointSignatureError,
    HashMismatchError,
    InconsistentCheckpointError,
    MalformedFileError,
    MissingFileError,
    RootMismatchError,
    UsageError,
    VerificationError,
    VerifyError,
)

__all__ = [
    "CheckpointSignatureError",
    "HashMismatchError",
    "InconsistentCheckpointError",
    "MalformedFileError",
    "MissingFileError",
    "Progress",
    "Report",
    "RootMismatchError",
    "UsageError",
    "VerificationError",
    "VerifyError",
    "read_first_entry",
    "verify_tiles",
]
