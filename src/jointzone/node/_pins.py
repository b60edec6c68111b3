"""Pinning the parties: the node keys a log's genesis declares, against the keys a verifier was
given out of band.

A log is the parties' only if its checkpoint carries a signature from every party its genesis
names, made with the node key the genesis declares for it, and those keys are the ones the
verifier pinned. Checking the signatures against whatever keys the caller happened to pass would
let a log signed by one party, with a genesis naming a key of its own making for the other, pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jointzone import acts
from jointzone.consent import ConsentError, read_committed
from jointzone.node.errors import AuditError
from jointzone.tlog import TlogError, Verifier


def genesis_node_keys(entry: bytes) -> dict[str, str]:
    """Each party's node verifier key (C2SP vkey), as the genesis entry declares it."""
    try:
        act = acts.parse_act(read_committed(entry, index=0).act)
    except (ConsentError, acts.ActError) as e:
        raise AuditError(f"entry 0: not a genesis: {e}") from e
    if not isinstance(act, acts.RegimeAdopt):
        raise AuditError(f"entry 0 is {act.TYPE}, not the genesis (regime.adopt)")
    return {party: spec.node_verifier for party, spec in act.parties.items()}


def pinned_verifiers(genesis: Mapping[str, str], pins: Sequence[str]) -> list[Verifier]:
    """The genesis keys, in its order, once every party's is pinned and no pin is a stranger.

    Raises :class:`AuditError` naming each party left unpinned (with the key its genesis
    declares, to compare out of band) and each pin the genesis does not declare.
    """
    try:
        given = [Verifier.from_vkey(p) for p in pins]
    except TlogError as e:
        raise AuditError(f"--key: {e}") from e
    declared = {party: Verifier.from_vkey(vkey) for party, vkey in genesis.items()}
    problems = [
        f"--key {v.vkey} is not a node key this log's genesis declares"
        for v in given
        if v not in declared.values()
    ]
    problems += [
        f"no --key pins {party}'s node key (its genesis declares {v.vkey})"
        for party, v in declared.items()
        if v not in given
    ]
    if problems:
        raise AuditError(f"the log's genesis names {', '.join(declared)}; " + "; ".join(problems))
    return list(declared.values())
