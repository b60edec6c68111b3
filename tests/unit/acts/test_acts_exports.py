"""The acts and regime packages' public names are deliberate lists, and both stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import jointzone.acts
import jointzone.regime

SRC = Path(jointzone.acts.__file__).resolve().parents[1]
# What a pure package may not import: storage, nodes and interfaces (DESIGN.md, "Layers").
IMPURE = (
    "jointzone.store",
    "jointzone.node",
    "jointzone.cli",
    "jointzone.api",
    "jointzone.web",
    "jointzone.sync",
)


def test_acts_exported_members() -> None:
    assert set(jointzone.acts.__all__) == {
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
        "NodeKey",
        "PartyRotateNodeKey",
        "possession_text",
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
    }
    assert jointzone.acts.__all__ == sorted(jointzone.acts.__all__)


def test_regime_exported_members() -> None:
    assert set(jointzone.regime.__all__) == {
        "Category",
        "ConsentRule",
        "CrossingPoint",
        "Dimension",
        "Gazetteer",
        "Indicator",
        "Neutrality",
        "Outline",
        "Party",
        "Place",
        "Policy",
        "Regime",
        "RegimeError",
        "RegimeFileError",
        "Role",
        "SequencerRule",
        "UnknownRefError",
        "lexicon_digest",
        "read_bound_lexicon",
    }


def test_every_act_type_has_a_type_string() -> None:
    for name, cls in jointzone.acts.ACT_TYPES.items():
        assert name == cls.TYPE
        assert issubclass(cls, jointzone.acts.Act)


@pytest.mark.parametrize("package", ["regime", "acts"])
def test_pure_packages_import_nothing_impure(package: str) -> None:
    for path in sorted((SRC / package).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(IMPURE), f"{path.name} imports {name}"
