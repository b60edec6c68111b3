"""Playing a scenario: dated steps, each an act proposed at one party's node and signed at others.

A scenario is data (YAML): who proposes what, when, and who consents. Playing is resumable: every
proposal's nonce and times derive from the scenario and the step, so the same step proposes the
same act (the same act id) however often it is played, and a step whose act is already in the
log is passed over. A process killed at any point resumes where the log stands.

A step may stand for many: ``each: LIST`` with ``step: {...}`` plays the template once per item
of the scenario's ``lists: {LIST: [item, ...]}``. In the template's strings, ``{key}`` becomes the
item's value (text spliced in; a string that is exactly ``{key}`` takes the value as it is, a map
or a list included). An expanded step is numbered by its place in the file and the item's index,
and its nonce derives from both, so expanded steps resume like any other.

``pending: true`` proposes a step's act and leaves it open — signed by the proposing party only,
awaiting the others (a movement one party has recorded and the other has not yet completed).

A step may be an export instead of an act: ``export: trust`` with ``party: P`` has P's node
export a trust bundle at that moment, every node vouching for it then, as the officers who
check certificates receive theirs before a journey.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jointzone import inputs
from jointzone.node import EmbeddedDeployment, Node, NodeError, export_trust_bundle
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
    item: int | None = None  # the item's index, for a step expanded from ``each``
    pending: bool = False  # proposed and left open for the other parties
    export: str | None = None  # "trust": export a trust bundle instead of proposing an act

    @property
    def label(self) -> str:
        return f"{self.number}" if self.item is None else f"{self.number}.{self.item}"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    steps: tuple[Step, ...]
    officials: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path) -> Scenario:
        """The scenario in the YAML file at ``path``, read within the ``SCENARIO`` limits."""
        try:
            data = inputs.read_yaml(path, limits=inputs.SCENARIO)
        except inputs.InputError as e:
            raise ScenarioError(f"cannot read scenario {e}") from e
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            raise ScenarioError(f"{path}: expected a map with a list of 'steps'")
        lists = data.get("lists") or {}
        if not isinstance(lists, dict):
            raise ScenarioError(f"{path}: lists: expected a map of list names to lists")
        steps = []
        for i, raw in enumerate(data["steps"]):
            where = f"{path}: steps[{i}]"
            if isinstance(raw, dict) and "each" in raw:
                items = lists.get(raw["each"]) if isinstance(raw["each"], str) else None
                if not isinstance(items, list) or not isinstance(raw.get("step"), dict):
                    raise ScenarioError(
                        f"{where}: each: expected the name of a list under 'lists' and a "
                        f"'step' template, found each={raw['each']!r}"
                    )
                for j, item in enumerate(items):
                    if not isinstance(item, dict):
                        raise ScenarioError(f"{where}: lists.{raw['each']}[{j}]: expected a map")
                    expanded = _fill(raw["step"], item, f"{where} item {j}")
                    steps.append(_step(expanded, i, f"{where} item {j}", item=j))
            else:
                steps.append(_step(raw, i, where))
        return cls(
            name=str(data.get("name", path.stem)),
            description=str(data.get("description", "")),
            steps=tuple(steps),
        )


def _step(raw: Any, number: int, where: str, *, item: int | None = None) -> Step:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: expected a map (at, party, by, act...), found {raw!r:.40}")
    reject = raw.get("reject")
    if reject and (not isinstance(reject, list) or len(reject) != 3):
        raise ScenarioError(f"{where}: reject: expected [party, official, reason]")
    try:
        at = raw["at"]
        when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        if "export" in raw:
            if raw["export"] != "trust":
                raise ValueError(f"export: expected 'trust', found {raw['export']!r}")
            return Step(
                number=number,
                at=when.replace(tzinfo=when.tzinfo or UTC),
                party=str(raw["party"]),
                by="",
                act={},
                signers={},
                note=str(raw.get("note", "")),
                export="trust",
            )
        return Step(
            number=number,
            at=when.replace(tzinfo=when.tzinfo or UTC),
            party=str(raw["party"]),
            by=str(raw["by"]),
            act=dict(raw["act"]),
            signers={p: tuple(o) for p, o in (raw.get("sign") or {}).items()},
            note=str(raw.get("note", "")),
            reject=tuple(raw["reject"]) if raw.get("reject") else None,
            item=item,
            pending=bool(raw.get("pending", False)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ScenarioError(f"{where}: {type(e).__name__}: {e}") from e


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _fill(template: Any, item: Mapping[str, Any], where: str) -> Any:
    """The template with ``{key}`` replaced by the item's values (see the module docstring)."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole is not None and whole.group(1) in item:
            return item[whole.group(1)]

        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in item:
                raise ScenarioError(f"{where}: the template names {{{key}}}, the item has no {key}")
            return str(item[key])

        return _PLACEHOLDER.sub(one, template)
    if isinstance(template, dict):
        return {k: _fill(v, item, where) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, item, where) for v in template]
    if isinstance(template, datetime):
        return template
    return template


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    act_id: str
    index: int | None  # position in the log, None if refused
    status: str  # committed | already | rejected | pending | exported
    sequencer: str | None = None
    bundle: bytes | None = None  # an export step's trust bundle


def step_nonce(scenario: Scenario, step: Step) -> bytes:
    """The nonce of a step's proposal: the same step proposes the same act id however often
    it is played."""
    label = f"{scenario.name}\x00{step.number}"
    if step.item is not None:
        label += f"\x00{step.item}"
    return hashlib.sha256(label.encode()).digest()[:16]


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


def _node_of(deployment: EmbeddedDeployment, party: str, step: Step) -> Node:
    node = deployment.nodes.get(party)
    if node is None:
        raise ScenarioError(
            f"step {step.label}: no node of party {party!r} (parties: {list(deployment.nodes)})"
        )
    return node


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
        if step.export is not None:
            last = node.replica.last_time
            if last is not None and last > step.at:
                # Played before this run resumed: a bundle is vouched for at its own moment.
                results.append(StepResult(step, "", None, "already"))
                continue
            try:
                bundle = export_trust_bundle(node)
            except NodeError as e:
                raise ScenarioError(f"step {step.label} (export {step.export}): {e}") from e
            result = StepResult(step, "", None, "exported", bundle=bundle)
            results.append(result)
            if on_step is not None:
                on_step(result)
            continue
        act = _fill_keys(node, step.act)
        try:
            proposal = node.propose(act, official=step.by, nonce=step_nonce(scenario, step))
        except NodeError as e:
            raise ScenarioError(f"step {step.label} ({act.get('type')}): {e}") from e
        index = node.replica.committed_index(proposal.id)
        if index is not None:
            result = StepResult(step, proposal.id, index, "already")
        elif step.pending:
            result = StepResult(step, proposal.id, None, "pending")
        elif step.reject is not None:
            party, official, reason = step.reject
            _node_of(deployment, party, step).reject(proposal.id, official=official, reason=reason)
            result = StepResult(step, proposal.id, None, "rejected")
        else:
            for party, officials in step.signers.items():
                for official in officials:
                    _node_of(deployment, party, step).sign(proposal.id, official=official)
            rnd = deployment.commit()
            index = node.replica.committed_index(proposal.id)
            if index is None:
                status = node.status(proposal.id)
                why = dict(rnd.batch.refused if rnd.batch else []).get(proposal.id)
                raise ScenarioError(
                    f"step {step.label} ({act.get('type')}) was not committed: "
                    + (why or rnd.waiting or status.verdict.explain())
                )
            result = StepResult(step, proposal.id, index, "committed", rnd.sequencer)
        results.append(result)
        if on_step is not None:
            on_step(result)
    return results
