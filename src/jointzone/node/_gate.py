"""The neutrality gate: no act with a one-sided word is signed, and none is committed.

Every node runs the same checker — the regime's gazetteer and name order, and the lexicon that
ships beside the regime (``neutrality.yaml``) — over an act's free-text fields before any of its
officials signs it, and again when the act is judged for the log, so an act that slipped past one
node's gate is still refused by every other node. Structured addresses need no gate: the act
schema admits only place refs of the gazetteer there, never text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from jointzone.neutrality import Checker, FieldFinding, load_lexicon
from jointzone.node.errors import ProposalError
from jointzone.regime import Regime

Gate = Callable[[Mapping[str, str]], list[FieldFinding]]
LEXICON_FILE = "neutrality.yaml"


def regime_checker(regime: Regime, regime_dir: Path) -> Checker:
    """The checker of a regime: its gazetteer and name order, and the lexicon beside it."""
    return Checker.for_regime(
        regime.gazetteer, load_lexicon(regime_dir / LEXICON_FILE), regime.name_orders
    )


def regime_gate(regime: Regime, regime_dir: Path) -> Gate:
    return regime_checker(regime, regime_dir).gate


def describe(findings: list[FieldFinding]) -> str:
    """One line per finding: field, rule, the words, and what to write instead."""
    return "\n".join(
        f"  {f.field}: {f.finding.rule}: {f.finding.message}"
        + (f" (suggestion: {f.finding.suggestion})" if f.finding.suggestion else "")
        for f in findings
    )


class NeutralityBlockedError(ProposalError):
    """An act whose text takes a side: it cannot be signed or committed until rewritten."""

    def __init__(self, act_type: str, findings: list[FieldFinding]) -> None:
        self.findings = findings
        super().__init__(
            f"{act_type} cannot be signed: {len(findings)} neutrality finding(s):\n"
            + describe(findings)
        )
