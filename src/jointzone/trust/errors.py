"""Errors of the trust-bundle package.

    TrustError          every error this package raises
    └── BundleError     a bundle that cannot be trusted: not JSON, a checkpoint not signed by
                        every party's node, a failing inclusion proof, an entry that is not one

Each message says what was expected and what was found.
"""


class TrustError(Exception):
    """Base class of every error raised by :mod:`jointzone.trust`."""


class BundleError(TrustError, ValueError):
    """A trust bundle that does not check out against the node keys given; nothing is trusted."""
