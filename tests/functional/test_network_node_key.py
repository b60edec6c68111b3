"""A node key rotated on running nodes: each party's node a process of its own, on loopback.

Japan's node makes a new note key and its root keys sign the ``party.rotate-node-key``
(``jointzone node rotate-key``). The nodes go on committing: the checkpoints of the overlap carry
both of japan's keys, later ones the new key's alone. The log published over HTTP verifies with
the genesis keys alone, and so does a trust bundle the node exports. Peer requests signed with
the old key are refused once the rotation is in the log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.node import Keystore
from jointzone.server._peerauth import PeerSigner
from jointzone.tlog import Checkpoint, Note, Verifier
from jointzone.trust import open_bundle

from ._network import NodeProcess, appoint_key, genesis, pair, run_here, serving, wait_final
from .conftest import key_label, signature_labels

OVERLAP = 2


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, NodeProcess]]:
    with serving(pair(tmp_path, runner=run_here)) as made:
        yield made


def _appoint(node: NodeProcess, n: int) -> None:
    """An inspector of ``node``'s party appointed by its root keys: one more act."""
    public = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    encoded = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
    appoint_key(node, f"{node.party[:2]}-inspector-{n}", "inspector", encoded, runner=run_here)


def _peer_size(node: NodeProcess, sender: NodeProcess, key: str) -> int:
    """The status of ``GET /peer/v1/size`` at ``node``, signed as ``sender`` with its node key
    named ``key`` in its keystore."""
    keystore = Keystore.open(sender.root / "keys", passphrase=DEMO_PASSPHRASE)
    signer = PeerSigner(sender.party, keystore.private_key("node", key))
    with httpx.Client(auth=signer, timeout=30) as client:
        return client.get(f"{node.url}/peer/v1/size").status_code


def test_a_node_key_rotates_on_running_nodes_and_verifiers_follow(
    nodes: dict[str, NodeProcess],
) -> None:
    japan = nodes["japan"]
    genesis(nodes, runner=run_here)
    wait_final(nodes, 3)
    assert _peer_size(nodes["russia"], japan, "node") == 200
    old = japan.verifier()
    roots = japan.root / "root-keys"
    out = run_here(
        "node", "rotate-key", "--node", japan.direct, "--overlap", str(OVERLAP), "--demo-keys",
        "--root-key", roots / "japan-root-1.pem", "--root-key", roots / "japan-root-2.pem",
    ).stdout  # fmt: skip
    new = next(line.split()[-1] for line in out.splitlines() if line.startswith("new node key"))
    assert "node key rotation proposed: act" in out
    assert new != old
    final = wait_final(nodes, 4)  # the rotation, at position 3, alone in its batch
    # Peer requests are authenticated with the key in force: the old one, leaked perhaps,
    # no longer opens russia's peer API, while japan's node, signing with its new key, goes on.
    assert _peer_size(nodes["russia"], japan, "node") == 401
    assert _peer_size(nodes["russia"], japan, "node-2") == 200
    russia = nodes["russia"].verifier()
    assert signature_labels(final) == {key_label(old), key_label(new), key_label(russia)}
    # A second rotation waits until the first one's overlap has ended.
    again = run_here(
        "node", "rotate-key", "--node", japan.direct, "--demo-keys",
        "--root-key", roots / "japan-root-1.pem", "--root-key", roots / "japan-root-2.pem",
        check=False,
    )  # fmt: skip
    assert again.returncode == 1
    assert "one rotation at a time" in again.stderr + again.stdout
    for n in range(3):
        _appoint(japan, n)
        wait_final(nodes, 5 + n)
    latest = wait_final(nodes, 7)
    assert Checkpoint.from_text(Note.from_bytes(latest).text).size == 7
    assert signature_labels(latest) == {key_label(new), key_label(russia)}
    for node in nodes.values():
        assert node.checkpoint() == latest

    # The published log, over HTTP, from the genesis keys alone.
    verified = run_here("verify-log", japan.url, "--key", old, "--key", russia).stdout
    assert "following them through the log" in verified
    assert "ok: 7 entries" in verified, verified

    # A trust bundle the node hands out opens with the genesis keys.
    data = httpx.get(f"{japan.url}/api/v1/trust-bundle", timeout=30).raise_for_status().content
    doc = json.loads(data)
    assert len(doc["key_changes"]) == 1
    opened = open_bundle(data, [Verifier.from_vkey(old), Verifier.from_vkey(russia)])
    assert [c.name for c in opened.checks][:2] == ["checkpoint", "key changes"]
    assert opened.checkpoint.size == 7
