"""Consent: proposals signed with COSE_Sign, entries of the log, and the policies they must meet.

Pure: data in, data out, no I/O.
"""

from jointzone.consent._judge import (
    KeyDirectory,
    SignerKey,
    claimed_signers,
    consent_verdict,
    judge,
    valid_signers,
)
from jointzone.consent._policy import (
    ConsentKind,
    PartyConsent,
    Requirement,
    RootRotation,
    SignerKind,
    ValidSigner,
    Verdict,
    counts_for,
    evaluate,
    party_consent,
)
from jointzone.consent._proposal import (
    CommittedEntry,
    Entry,
    Proposal,
    ProposalContent,
    act_id_of,
    format_time,
    parse_time,
    proposal_sequence,
    read_committed,
)
from jointzone.consent._rejection import Rejection
from jointzone.consent.errors import (
    ConsentError,
    ConsentMissingError,
    InvalidSignatureError,
    MalformedProposalError,
)

__all__ = [
    "CommittedEntry",
    "ConsentError",
    "ConsentKind",
    "ConsentMissingError",
    "Entry",
    "InvalidSignatureError",
    "KeyDirectory",
    "MalformedProposalError",
    "PartyConsent",
    "Proposal",
    "ProposalContent",
    "Rejection",
    "Requirement",
    "RootRotation",
    "SignerKey",
    "SignerKind",
    "ValidSigner",
    "Verdict",
    "act_id_of",
    "claimed_signers",
    "consent_verdict",
    "counts_for",
    "evaluate",
    "format_time",
    "judge",
    "parse_time",
    "party_consent",
    "proposal_sequence",
    "read_committed",
    "valid_signers",
]
