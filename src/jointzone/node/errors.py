"""Errors of a party's node.

NodeError                every error this package raises
├── KeystoreError        a keystore that is missing, locked, or asked for a key it must not hold
├── ProposalError        a proposal that cannot be made, signed, rejected or committed
├── WitnessError         a witness refusing to cosign: bad entries, inconsistency, equivocation
├── SyncError            nodes whose logs disagree (a fork) or cannot be reconciled
└── BackupError          a backup that cannot be made, or an archive refused on restore
"""


class NodeError(Exception):
    """Base class of every error raised by :mod:`jointzone.node`."""


class KeystoreError(NodeError):
    """A keystore problem; the message names the path and what to do."""


class ProposalError(NodeError):
    """A proposal cannot move to the state asked of it."""


class WitnessError(NodeError):
    """A witness will not cosign a checkpoint; the message says why."""


class SyncError(NodeError):
    """Two nodes' logs disagree, or one cannot catch up with another."""


class BackupError(NodeError):
    """A backup cannot be made, or an archive is refused (not this node's, altered, or under
    another passphrase); the message names the archive and what was wrong."""


class AuditError(NodeError):
    """An audit found a fault; the message names the entry, tile or checkpoint."""


class UnknownProposalError(ProposalError):
    """No proposal of that id at this node (yet)."""


class UnreachableError(SyncError):
    """A peer did not answer: whether it acted on the request is not known."""
