"""The standalone verifier: a published tlog-tiles log in, a verdict out.

The log is read from a directory, or over HTTP(S) from the URL prefix it is served under, with
the same bounds either way. It imports only the pure :mod:`jointzone.tlog` (and httpx to fetch),
never the store or a node, because it must run anywhere with nothing but the published files
and the parties' verifier keys: that is what lets either party check the whole record without
trusting the other's servers.
"""

from jointzone.verify._report import Report
from jointzone.verify._tiles import (
    Judge,
    KeysAt,
    Progress,
    read_checkpoint,
    read_first_entry,
    verify_tiles,
)
from jointzone.verify.errors import (
    CheckpointSignatureError,
    EntryRefusedError,
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
