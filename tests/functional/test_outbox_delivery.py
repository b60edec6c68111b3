"""How a node's outbox meets a peer's refusal: what a peer that is behind refuses is kept until
it has caught up, and what a peer that holds everything refuses is dropped, alone or in a bundle.

The nodes are served in this process and moved on by ticking their drivers (see
``_inprocess``), so each delivery happens when the test says.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cose import CoseSigner

from ._inprocess import ADOPTED_SIZE, ServedNode, adopted_template, proposal_of, serve, settle


def _held_at(node: ServedNode, act_id: str) -> bool:
    with node.api() as api:
        return api.status_or_none(act_id) is not None


def _appoint_registrar(nodes: dict[str, ServedNode]) -> CoseSigner:
    """A registrar of japan appointed by its root keys and final at both nodes; their signer."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    act = {
        "type": "official.appoint",
        "party": "japan",
        "official": "jp-registrar-new",
        "display_name": "A new registrar of Japan",
        "roles": ["registrar"],
        "public_key": base64.urlsafe_b64encode(public).rstrip(b"=").decode(),
    }
    with nodes["japan"].api() as api:
        api.propose(act, nodes["japan"].root_signers(1, 2))
    settle(nodes, lambda: {n.service.node.final_size() for n in nodes.values()} == {4})
    return CoseSigner(kid=b"jp-registrar-new", private_key=key)


ENTERPRISE = {
    "type": "enterprise.register",
    "enterprise": "outbox-test",
    "party": "japan",
    "categories": ["tourism"],
    "names": {"en": "Outbox Test Enterprise"},
    "registered_address": {"place": "nemuro-port"},
}


def test_a_proposal_a_peer_behind_refuses_is_kept_and_delivered_once_it_has_caught_up(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    template = adopted_template(tmp_path_factory)
    # Japan's node one entry ahead of russia's: the appointment of a registrar, made while
    # russia's node was what the template holds (as a node restored from an older copy is).
    ahead = {p: tmp_path / "ahead" / p for p in template}
    for party, root in template.items():
        shutil.copytree(root, ahead[party])
    with serve(ahead) as nodes:
        registrar = _appoint_registrar(nodes)
    roots = {"japan": ahead["japan"], "russia": tmp_path / "behind" / "russia"}
    shutil.copytree(template["russia"], roots["russia"])

    with serve(roots) as nodes:
        japan, russia = nodes["japan"], nodes["russia"]
        assert russia.service.node.log_size() == ADOPTED_SIZE
        with japan.api() as api:
            proposal = api.propose(ENTERPRISE, [registrar])
        outbox = japan.service.outbox

        # Russia's node does not know the registrar yet, so it refuses; japan keeps it.
        japan.driver.tick()
        assert outbox.depth() == {"russia": 1}
        assert not _held_at(russia, proposal.id)

        # Russia's node catches up from japan's, and its requests tell japan it is back.
        russia.driver.tick()
        assert russia.service.node.log_size() == ADOPTED_SIZE + 1
        japan.driver.tick()
        assert outbox.depth() == {}
        assert _held_at(russia, proposal.id)


def test_proposals_a_peer_that_is_not_behind_refuses_are_dropped_and_the_rest_delivered(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    template = adopted_template(tmp_path_factory)
    roots = {p: tmp_path / p for p in template}
    for party, root in template.items():
        shutil.copytree(root, roots[party])
    with serve(roots) as nodes:
        japan, russia = nodes["japan"], nodes["russia"]
        genuine = [proposal_of(japan, *japan.root_signers(1, 2)) for _ in range(2)]
        # A signature under japan-root-1's kid made with another key: what a corrupted
        # outbox, or a bug, would send.
        forger = CoseSigner(kid=b"japan-root-1", private_key=Ed25519PrivateKey.generate())
        forged = proposal_of(japan, forger, *japan.root_signers(2))
        outbox = japan.service.outbox
        for p in (genuine[0], forged, genuine[1]):
            outbox.put("russia", "proposal", p.to_bytes())  # one bundle of three

        japan.driver.tick()
        assert outbox.depth() == {}
        assert [_held_at(russia, p.id) for p in genuine] == [True, True]
        assert not _held_at(russia, forged.id)
