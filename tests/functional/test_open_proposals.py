"""The proposals a node lists as open, from the ids it keeps of those the log has not committed
(``Proposals._pending``): a proposal stored after that list was first made is in it, and one
the log commits leaves it, at the proposing node and at its peer alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._inprocess import ADOPTED_SIZE, adopted_template, proposal_of, serve_copy, settle


def test_a_proposal_is_open_until_committed_and_then_only_committed(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    template = adopted_template(tmp_path_factory)
    with serve_copy(template, tmp_path) as nodes:
        japan = nodes["japan"]
        held = {p: n.service.node for p, n in nodes.items()}
        # Both lists made before the proposal exists: it must join them as it is stored.
        assert [s.status for s in held["japan"].proposals("open")] == []
        assert held["russia"].uncommitted() == []
        one, two = japan.root_signers(1, 2)
        proposal = proposal_of(japan, one)  # one root key of two: consent is not complete
        with japan.api() as api:
            api.submit(proposal)
        settle(nodes, lambda: held["russia"].uncommitted() != [])
        for node in held.values():
            assert [s.proposal.id for s in node.proposals("open")] == [proposal.id]
            assert [s.status for s in node.uncommitted()] == ["open"]
        with japan.api() as api:
            api.sign(proposal.id, [two])
        settle(nodes, lambda: {n.final_size() for n in held.values()} == {ADOPTED_SIZE + 1})
        for node in held.values():
            assert node.proposals("open") == []
            assert node.uncommitted() == []
            committed = [s.proposal.id for s in node.proposals("committed")]
            assert committed[-1] == proposal.id
            assert node.status(proposal.id).status == "committed"
