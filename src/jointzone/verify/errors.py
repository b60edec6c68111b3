"""Errors of the standalone verifier.

    VerifyError                        every error this package raises
    ├── UsageError                     the verifier was asked something it cannot do: no keys, an
    │                                  unreadable older-checkpoint file, a bad ``require``
    └── VerificationError              the published log does not verify; names the first
        │                              discrepancy: file, entry index, key, expected vs found
        ├── MissingFileError           a checkpoint, hash tile or entry bundle is absent
        ├── MalformedFileError         a file does not parse: truncated, overlong, wrong length,
        │                              bad checkpoint text or base64
        ├── CheckpointSignatureError   a checkpoint lacks a signature from a given key, or one fails
        ├── HashMismatchError          a hash tile disagrees with what the entries imply
        ├── RootMismatchError          the entries' root is not the checkpoint's root
        ├── InconsistentCheckpointError  an older checkpoint is not a prefix of this log
        └── EntryRefusedError          an entry the caller's judge refuses (a signature by a key
                                       not valid at its position, consent missing, an act the
                                       state refuses), though the tree holds it

A verifier's answer is a verdict, so every way a directory can be wrong is a
:class:`VerificationError`; an error in how the verifier was called is not. Each message says
what was expected and what was found.
"""

from __future__ import annotations


class VerifyError(Exception):
    """Base class of every error raised by :mod:`jointzone.verify`."""


class UsageError(VerifyError, ValueError):
    """The verifier cannot start: the request itself is wrong, not the published log."""


class VerificationError(VerifyError):
    """The published log does not verify.

    ``path`` is the file (relative to the tiles directory) where the discrepancy was found and
    ``entry`` the index of the first entry it concerns, when there is one.
    """

    def __init__(self, message: str, *, path: str | None = None, entry: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.entry = entry


class MissingFileError(VerificationError):
    """A file the checkpoint's size requires is not in the directory."""


class MalformedFileError(VerificationError):
    """A file is there but does not follow its format."""


class CheckpointSignatureError(VerificationError):
    """A checkpoint (the current one or an older one) does not carry the signatures required."""


class HashMismatchError(VerificationError):
    """A hash read from a tile is not the hash the entries imply.

    ``expected`` is the hash computed from the entries (and the tiles below), ``found`` the hash
    the tile holds.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str,
        entry: int | None,
        expected: bytes,
        found: bytes,
    ) -> None:
        super().__init__(message, path=path, entry=entry)
        self.expected = expected
        self.found = found


class RootMismatchError(VerificationError):
    """Every tile agrees with the entries, but their root is not the one the checkpoint signs."""


class InconsistentCheckpointError(VerificationError):
    """An older checkpoint's root is not the root of the log's first entries: a fork."""


class EntryRefusedError(VerificationError):
    """An entry that is in the tree but that the judge given to the verifier refuses.

    The verifier reads entries as bytes and judges nothing of what they say; a caller that
    knows what they are (``jointzone verify-log --judge``) passes a judge, which raises this
    for the first entry it refuses. It is reported only once the tree itself has verified, so a
    damaged file is named as such rather than as an entry refused.
    """
