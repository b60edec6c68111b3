"""What a round asks of a witness over HTTP: the batch's entries once, sent ahead of the
checkpoint, then the checkpoint alone (C2SP tlog-witness ``add-checkpoint``); and, from the
last witness asked, whose cosignature completes the checkpoint, nothing more, because it keeps
the checkpoint final before it answers. And what a round no longer reads again each time: the
record kept beside the keystore, still read again once anything else replaces it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jointzone.node._checkpoints import SIGNED_STATE_FILE
from jointzone.server._client import PeerClient

from ._inprocess import ADOPTED_SIZE, adopted_template, proposal_of, serve_copy, settle


def test_a_round_sends_the_entries_once_and_no_final_checkpoint_to_the_last_witness(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = adopted_template(tmp_path_factory)
    with serve_copy(template, tmp_path) as nodes:
        japan = nodes["japan"]
        held = {p: n.service.node for p, n in nodes.items()}
        sequencer = japan.service.standalone.regime.sequencer_for(held["japan"].now())
        (witness,) = set(nodes) - {sequencer}
        asked: list[str] = []
        finals_at_answer: list[int] = []
        call = PeerClient._call

        def recording(client: PeerClient, method: str, path: str, **kw: Any) -> Any:
            reply = call(client, method, path, **kw)
            if client.party == witness and path.startswith("/peer/v1/") and method == "POST":
                asked.append(path)
                if path == "/peer/v1/add-checkpoint":
                    finals_at_answer.append(held[witness].final_size())
            return reply

        monkeypatch.setattr(PeerClient, "_call", recording)
        one, two = japan.root_signers(1, 2)
        proposal = proposal_of(japan, one, two)
        with japan.api() as api:
            api.submit(proposal)
        settle(nodes, lambda: final_sizes_are(held, ADOPTED_SIZE + 1))

    rounds = [p for p in asked if p in ("/peer/v1/entries", "/peer/v1/add-checkpoint")]
    assert rounds == ["/peer/v1/entries", "/peer/v1/add-checkpoint"], asked
    assert "/peer/v1/final" not in asked, asked
    # The witness held the checkpoint final when its answer left.
    assert finals_at_answer == [ADOPTED_SIZE + 1]


def final_sizes_are(held: dict[str, Any], size: int) -> bool:
    return {n.final_size() for n in held.values()} == {size}


def test_what_a_node_keeps_beside_its_keystore_is_read_again_once_replaced(
    seeded: tuple[Any, Any],
) -> None:
    # The node keeps the file's contents between reads; a file put in its place by anything
    # else (a restore, an operator) is what it goes by from then on.
    d, _ = seeded
    node = d.nodes["japan"]
    kept = node.signed_state()
    assert set(kept) == {"signed", "final"}
    path = node.keystore.path / SIGNED_STATE_FILE
    older = {"signed": kept["signed"].decode()}
    replacement = path.with_suffix(".other")
    replacement.write_text(json.dumps(older))
    os.replace(replacement, path)
    assert node.signed_state() == {"signed": kept["signed"]}
    path.unlink()
    assert node.signed_state() == {}
