"""Errors of the consent package.

ConsentError             every error this package raises
├── MalformedProposalError    bytes that are not a proposal or entry of ours (names what and where)
├── InvalidSignatureError     a signature that fails, or by a key not valid at the position
└── ConsentMissingError    valid signatures that do not add up to the consent the act type needs
"""


class ConsentError(Exception):
    """Base class of every error raised by :mod:`jointzone.consent`."""


class MalformedProposalError(ConsentError, ValueError):
    """A proposal, signature or entry does not decode."""


class InvalidSignatureError(ConsentError):
    """A signature fails, or its key was not valid at the log position judged."""


class ConsentMissingError(ConsentError):
    """The signatures present do not satisfy the act type's consent policy."""
