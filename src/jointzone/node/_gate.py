"""The neutrality gate: no act with a one-sided word is signed, and none is committed.

Every node runs the same checker — the regime's gazetteer and name order, and the lexicon the
regime binds by digest (``neutrality.yaml`` in the seed) — over an act's free-text fields before
any of its officials signs it, and again when the act is judged for the log, so an act that
slipped past one node's gate is still refused by every other node. Structured addresses need no
gate: the act schema admits only place refs of the gazetteer there, never text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from jointzone.neutrality import Checker, FieldFinding, Lexicon
from jointzone.node.errors import ProposalError
from jointzone.regime import Regime, read_bound_lexicon

Gate = Callable[[Mapping[str, str]], list[FieldFinding]]


def regime_checker(regime: Regime, regime_dir: Path) -> Checker:
    """The checker of a regime: its gazetteer and name order, and the lexicon it binds.

    The lexicon is read from ``regime_dir`` and must have the digest the regime carries: a node
    never gates with words the parties did not agree to.
    """
    data = read_bound_lexicon(regime, regime_dir)
    assert regime.neutrality is not None  # read_bound_lexicon refuses a regime without one
    source = str(regime_dir / regime.neutrality.lexicon)
    return Checker.for_regime(
        regime.gazetteer, Lexicon.from_data(data, source=source), regime.name_orders
    )


def regime_gate(regime: Regime, regime_dir: Path) -> Gate | None:
    """The gate of a regime that binds a lexicon; None for one that binds none."""
    if regime.neutrality is None:
        return None
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
