"""Acts: the typed administrative acts of the special system and the state they build.

Pure: data in, data out, no I/O. ``parse_act`` turns plain data into a typed act; ``apply`` runs
an entry's state transition; ``check`` asks whether an act would be accepted next. Signatures and
policies are the consent layer's; this package trusts the signers it is given to have been
verified, and checks only that they are keys of the parties they signed for.
"""

from jointzone.acts._apply import ACT_TYPES, apply, check, parse_act
from jointzone.acts._certificates import (
    CertificateCompromise,
    CertificateIssue,
    CertificateKeyAct,
    CertificateRevoke,
    Purpose,
    certificate_key_id,
)
from jointzone.acts._committee import CommitteeDecide, Concern
from jointzone.acts._enterprises import EnterpriseAmend, EnterpriseDeregister, EnterpriseRegister
from jointzone.acts._incidents import IncidentReport, IncidentResolve
from jointzone.acts._movements import MovementManifest, MovementRecord
from jointzone.acts._officials import OfficialAppoint, OfficialRemove, OfficialRotateKey
from jointzone.acts._participants import ParticipantEnrol, ParticipantWithdraw
from jointzone.acts._projects import (
    ProjectAmend,
    ProjectApprove,
    ProjectClose,
    ProjectResume,
    ProjectSuspend,
)
from jointzone.acts._regime import (
    JoiningParty,
    PartyRoot,
    RegimeAdopt,
    RegimeAmend,
    RootKeySpec,
    possession_text,
)
from jointzone.acts._reports import Period, ReportSubmit
from jointzone.acts._roots import PartyRotateNodeKey, PartyRotateRoot
from jointzone.acts._state import (
    CertificateKey,
    CertificateRecord,
    Decision,
    Enterprise,
    Event,
    Incident,
    KeyPeriod,
    Movement,
    NodeKey,
    Official,
    Participant,
    PartyKeys,
    Project,
    RegimeVersion,
    Report,
    RootKey,
    Signer,
    State,
)
from jointzone.acts._types import Act, PlaceRef, Site
from jointzone.acts.errors import ActError, ActRejected, ActSchemaError, NotAdoptedError

__all__ = [
    "ACT_TYPES",
    "Act",
    "ActError",
    "ActRejected",
    "ActSchemaError",
    "CertificateCompromise",
    "CertificateIssue",
    "CertificateKey",
    "CertificateKeyAct",
    "CertificateRecord",
    "CertificateRevoke",
    "CommitteeDecide",
    "Concern",
    "Decision",
    "Enterprise",
    "EnterpriseAmend",
    "EnterpriseDeregister",
    "EnterpriseRegister",
    "Event",
    "Incident",
    "IncidentReport",
    "IncidentResolve",
    "JoiningParty",
    "KeyPeriod",
    "Movement",
    "MovementManifest",
    "MovementRecord",
    "NodeKey",
    "NotAdoptedError",
    "Official",
    "OfficialAppoint",
    "OfficialRemove",
    "OfficialRotateKey",
    "Participant",
    "ParticipantEnrol",
    "ParticipantWithdraw",
    "PartyKeys",
    "PartyRoot",
    "PartyRotateNodeKey",
    "PartyRotateRoot",
    "Period",
    "PlaceRef",
    "Project",
    "ProjectAmend",
    "ProjectApprove",
    "ProjectClose",
    "ProjectResume",
    "ProjectSuspend",
    "Purpose",
    "RegimeAdopt",
    "RegimeAmend",
    "RegimeVersion",
    "Report",
    "ReportSubmit",
    "RootKey",
    "RootKeySpec",
    "Signer",
    "Site",
    "State",
    "apply",
    "certificate_key_id",
    "check",
    "parse_act",
    "possession_text",
]
