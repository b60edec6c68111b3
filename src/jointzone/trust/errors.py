"""Errors of the trust-bundle package.

    TrustError          every error this package raises
    ├── TableError      a verifier table that cannot be made (an empty log) or read (not
    │                   deterministic CBOR, or not of the table's shape)
    └── BundleError     a bundle that cannot be trusted: not JSON, a checkpoint not signed by
                        every party's node, a table the checkpoint does not commit to

Each message says what was expected and what was found; a bundle's starts with the step of the
check that failed (docs/certificate.md §4.3).
"""


class TrustError(Exception):
    """Base class of every error raised by :mod:`jointzone.trust`."""


class TableError(TrustError, ValueError):
    """A verifier table that cannot be made from a state or read from bytes."""


class BundleError(TrustError, ValueError):
    """A trust bundle that does not check out against the node keys given; nothing is trusted."""
