"""Errors of the transparency-log package.

    TlogError                    every error this package raises
    ├── MalformedError           input that does not parse: a note, checkpoint, key, tile, bundle
    ├── ProofError               a proof that does not verify, or cannot be built
    └── SignatureError           a note whose signatures do not satisfy the verifiers given

Each message says what was expected and what was found.
"""


class TlogError(Exception):
    """Base class of every error raised by :mod:`jointzone.tlog`."""


class MalformedError(TlogError, ValueError):
    """Input does not follow the format it claims to be in."""


class ProofError(TlogError):
    """A Merkle proof is wrong: wrong length, wrong index or size, or wrong root."""


class SignatureError(TlogError):
    """A signed note lacks a signature it must carry, or carries one that fails."""
