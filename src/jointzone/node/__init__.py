"""A party's node: the use cases of the special system, over a log store and a keystore.

Layer: node imports the pure packages and the store; interfaces (cli, api, sync) import node.
"""

from jointzone.node._audit import AuditReport, EntryJudge, audit
from jointzone.node._backup import ArchiveManifest, Restored, backup, hold_directory, restore
from jointzone.node._contact import PeerContact, PeerContacts
from jointzone.node._core import DEFAULT_OVERLAP, MAX_OVERLAP, Clock, node_key_name
from jointzone.node._documents import verify_document as check_certificate
from jointzone.node._embedded import (
    DEPLOYMENT_FILE,
    EmbeddedDeployment,
    Round,
    deployment_parties,
)
from jointzone.node._gate import Gate, NeutralityBlockedError, regime_checker, regime_gate
from jointzone.node._health import (
    Finding,
    HealthReport,
    ReadyCheck,
    directory_health,
    duration_parts,
    final_checkpoint_time,
    health_report,
    readiness,
)
from jointzone.node._interface import NodeInterface
from jointzone.node._keyfile import fingerprint, read_key_file, write_key_file
from jointzone.node._keystore import KeyEntry, Keystore, passphrase_from_env, passphrase_from_file
from jointzone.node._node import Node, NodeState
from jointzone.node._outbox import Message, Outbox
from jointzone.node._pins import genesis_node_keys, pinned_verifiers
from jointzone.node._proposals import ProposalStatus, Signed, new_proposal, proposal_content
from jointzone.node._replica import Replica
from jointzone.node._sequencer import Batch
from jointzone.node._standalone import (
    Descriptor,
    NodeConfig,
    StandaloneNode,
    check_url,
    join_act,
    root_key_file,
    root_key_ids,
)
from jointzone.node._trust import checkpoint_extensions, export_trust_bundle
from jointzone.node.errors import (
    AuditError,
    BackupError,
    KeystoreError,
    NodeError,
    ProposalError,
    SyncError,
    UnknownProposalError,
    UnreachableError,
    WitnessError,
)

__all__ = [
    "DEFAULT_OVERLAP",
    "DEPLOYMENT_FILE",
    "MAX_OVERLAP",
    "ArchiveManifest",
    "AuditError",
    "AuditReport",
    "BackupError",
    "Batch",
    "Clock",
    "Descriptor",
    "EmbeddedDeployment",
    "EntryJudge",
    "Finding",
    "Gate",
    "HealthReport",
    "KeyEntry",
    "Keystore",
    "KeystoreError",
    "Message",
    "NeutralityBlockedError",
    "Node",
    "NodeConfig",
    "NodeError",
    "NodeInterface",
    "NodeState",
    "Outbox",
    "PeerContact",
    "PeerContacts",
    "ProposalError",
    "ProposalStatus",
    "ReadyCheck",
    "Replica",
    "Restored",
    "Round",
    "Signed",
    "StandaloneNode",
    "SyncError",
    "UnknownProposalError",
    "UnreachableError",
    "WitnessError",
    "audit",
    "backup",
    "check_certificate",
    "check_url",
    "checkpoint_extensions",
    "deployment_parties",
    "directory_health",
    "duration_parts",
    "export_trust_bundle",
    "final_checkpoint_time",
    "fingerprint",
    "genesis_node_keys",
    "health_report",
    "hold_directory",
    "join_act",
    "new_proposal",
    "node_key_name",
    "passphrase_from_env",
    "passphrase_from_file",
    "pinned_verifiers",
    "proposal_content",
    "read_key_file",
    "readiness",
    "regime_checker",
    "regime_gate",
    "restore",
    "root_key_file",
    "root_key_ids",
    "write_key_file",
]
