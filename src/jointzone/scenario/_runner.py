"""Playing a scenario: dated steps, each an act proposed at one party's node and signed at others.

A scenario is data (YAML): who proposes what, when, and who consents. Playing is resumable: every
proposal's nonce and times derive from the scenario and the step, so the same step proposes the
same act (the same act id) however often it is played, and a step whose act is already in the
log is passed over. A process killed at any point resumes where the log stands.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from jointzone.node import EmbeddedDeployment, Node, NodeError
from jointzone.scenario._clock import ScenarioClock
from jointzone.scenario.errors import ScenarioError


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    at: datetime
    party: str
    by: str
    act: Mapping[str, Any]
    signers: Mapping[str, tuple[str, ...]]
    note: str = ""
    reject: tuple[str, str, str] | None = None  # (party, official, reason): a step that is refused


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    steps: tuple[Step, ...]
    officials: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path) -> Scenario:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise ScenarioError(f"{path}: cannot read scenario: {e}") from e
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            raise ScenarioError(f"{path}: expected a map with a list of 'steps'")
        steps = []
        for i, raw in enumerate(data["steps"]):
            where = f"{path}: steps[{i}]"
            try:
                at = raw["at"]
                when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
                steps.append(
                    Step(
                        number=i,
                        at=when.replace(tzinfo=when.tzinfo or UTC),
                        party=str(raw["party"]),
                        by=str(raw["by"]),
                        act=dict(raw["act"]),
                        signers={p: tuple(o) for p, o in (raw.get("sign") or {}).items()},
                        note=str(raw.get("note", "")),
                        reject=tuple(raw["reject"]) if raw.get("reject") else None,
                    )
                )
            except (KeyError, TypeError, ValueError) as e:
                raise ScenarioError(f"{where}: {type(e).__name__}: {e}") from e
        return cls(
            name=str(data.get("name", path.stem)),
            description=str(data.get("description", "")),
            steps=tuple(steps),
        )


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    act_id: str
    index: int | None  # position in the log, None if refused
    status: str  # committed | already | rejected
    sequencer: str | None = None


def _nonce(scenario: Scenario, step: Step) -> bytes:
    return hashlib.sha256(f"{scenario.name}\x00{step.number}".encode()).digest()[:16]


def _fill_keys(node: Node, act: Mapping[str, Any]) -> dict[str, Any]:
    """An appointment or rotation names a key to create: create it in that party's keystore."""
    out = dict(act)
    if out.get("public_key") == "generate":
        official = str(out["official"])
        name = (
            official
            if "type" not in out or out["type"] != "official.rotate-key"
            else (f"{official}@{out.get('key_name', 'next')}")
        )
        ks = node.keystore
        entry = (
            next(e for e in ks.entries("official") if e.name == name)
            if ks.has("official", name)
            else ks.generate("official", name, party=node.party)
        )
        out["public_key"] = _b64url(entry.public_key)
    return out


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def play(
    deployment: EmbeddedDeployment,
    scenario: Scenario,
    clock: ScenarioClock,
    *,
    on_step: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    results = []
    for step in scenario.steps:
        clock.set(step.at)
        node = deployment.nodes.get(step.party)
        if node is None:
            raise ScenarioError(f"step {step.number}: no node of party {step.party!r}")
        act = _fill_keys(node, step.act)
        try:
            proposal = node.propose(act, official=step.by, nonce=_nonce(scenario, step))
        except NodeError as e:
            raise ScenarioError(f"step {step.number} ({act.get('type')}): {e}") from e
        index = node.replica.committed_index(proposal.id)
        if index is not None:
            result = StepResult(step, proposal.id, index, "already")
        elif step.reject is not None:
            party, official, reason = step.reject
            deployment.nodes[party].reject(proposal.id, official=official, reason=reason)
            result = StepResult(step, proposal.id, None, "rejected")
        else:
            for party, officials in step.signers.items():
                for official in officials:
                    deployment.nodes[party].sign(proposal.id, official=official)
            rnd = deployment.commit()
            index = node.replica.committed_index(proposal.id)
            if index is None:
                status = node.status(proposal.id)
                raise ScenarioError(
                    f"step {step.number} ({act.get('type')}) was not committed: "
                    f"{status.verdict.explain()}"
                )
            result = StepResult(
                step, proposal.id, index, "committed", rnd.sequencer if rnd else None
            )
        results.append(result)
        if on_step is not None:
            on_step(result)
    return results
