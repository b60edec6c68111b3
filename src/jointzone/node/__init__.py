"""A party's node: the use cases of the special system, over a log store and a keystore.

Layer: node imports the pure packages and the store; interfaces (cli, api, sync) import node.
"""

from jointzone.node._audit import AuditReport, audit
from jointzone.node._embedded import DEPLOYMENT_FILE, EmbeddedDeployment, Round
from jointzone.node._gate import Gate, NeutralityBlockedError, regime_checker, regime_gate
from jointzone.node._interface import NodeInterface
from jointzone.node._keystore import KeyEntry, Keystore, passphrase_from_env
from jointzone.node._node import Batch, Clock, Node, ProposalStatus, node_key_name
from jointzone.node._replica import Replica
from jointzone.node._trust import export_trust_bundle, trust_positions
from jointzone.node.errors import (
    AuditError,
    KeystoreError,
    NodeError,
    ProposalError,
    SyncError,
    WitnessError,
)

__all__ = [
    "DEPLOYMENT_FILE",
    "AuditError",
    "AuditReport",
    "Batch",
    "Clock",
    "EmbeddedDeployment",
    "Gate",
    "KeyEntry",
    "Keystore",
    "KeystoreError",
    "NeutralityBlockedError",
    "Node",
    "NodeError",
    "NodeInterface",
    "ProposalError",
    "ProposalStatus",
    "Replica",
    "Round",
    "SyncError",
    "WitnessError",
    "audit",
    "export_trust_bundle",
    "node_key_name",
    "passphrase_from_env",
    "regime_checker",
    "regime_gate",
    "trust_positions",
]
