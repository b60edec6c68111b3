"""The regime amended on running nodes: each party's node a process of its own, on loopback.

A ``regime.amend`` carries the whole regime, version 2: a new place (Hanasaki port), a new
crossing point (the landing at Shakotan/Malokurilskoye) and a new policy for
``enterprise.register`` (any party's registrar, no longer every party's). Each party's root keys
sign it at their own node. Both nodes then judge by version 2: an act made under version 1 is
refused, an enterprise registered at the new port by Japan's registrar alone is committed, and
the log verifies, every entry judged, from the genesis keys.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone import acts
from jointzone.cli._client import NodeApi
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.cli.errors import CliError
from jointzone.consent import Proposal, ProposalContent
from jointzone.cose import CoseSigner
from jointzone.node import read_key_file

from ._network import NodeProcess, appoint, genesis, pair, run_here, serving, wait_final

LANDING = {"place": "shakotan-malokurilskoye", "kind": "sea"}
#: A port outside the zone that the seed gazetteer lacks, named alike by both parties.
HANASAKI = {
    "ref": "hanasaki-port",
    "kind": "port",
    "in_zone": False,
    "code": 20,
    "names": {
        party: {"ja": "花咲港", "en": "Hanasaki port", "ru": "порт Ханасаки"}
        for party in ("japan", "russia")
    },
    "aliases": {},
    "centre": ["145.57", "43.28"],
    "area_km2": {},
}


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, NodeProcess]]:
    with serving(pair(tmp_path, runner=run_here)) as made:
        yield made


def _regime(node: NodeProcess) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{node.url}/api/v1/regime", timeout=30).json()
    return data


def _root(node: NodeProcess, n: int, demo: Path) -> list[str | Path]:
    key = node.root / "root-keys" / f"{node.party}-root-{n}.pem"
    return ["--as", f"{node.party}-root-{n}", "--key-file", key, "--passphrase-file", demo]


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_regime_amendment_every_party_signs_governs_both_running_nodes(
    nodes: dict[str, NodeProcess], tmp_path: Path
) -> None:
    japan, russia = nodes["japan"], nodes["russia"]
    genesis(nodes, runner=run_here)
    wait_final(nodes, 3)
    demo = tmp_path / "demo-passphrase"
    demo.write_text(DEMO_PASSPHRASE.decode(), encoding="utf-8")

    # A registrar of japan, appointed under version 1.
    official = tmp_path / "official.pass"
    official.write_text("an official's own passphrase", encoding="utf-8")
    key = tmp_path / "ja-registrar.pem"
    appoint(japan, "ja-registrar", "registrar", key, official, runner=run_here)
    wait_final(nodes, 4)

    # Version 2: a place and a crossing point more, and enterprises registered by any party's
    # registrar.
    regime = _regime(japan)
    assert regime["version"] == 1
    assert LANDING not in regime["crossing_points"]
    regime["version"] = 2
    regime["crossing_points"].append(LANDING)
    regime["places"].append(HANASAKI)
    regime["act_types"]["enterprise.register"] = {
        "consent": "any-party", "threshold": {"japan": 1, "russia": 1}, "roles": ["registrar"],
    }  # fmt: skip
    amend = _write(tmp_path / "amend.json", {"type": "regime.amend", "regime": regime})
    out = run_here("act", "propose", "--node", japan.direct, amend, *_root(japan, 1, demo)).stdout
    act_id = out.split()[2]
    run_here("act", "sign", "--node", japan.direct, act_id, *_root(japan, 2, demo))
    # It travels to russia's node, where russia's root keys sign it.
    for n in (1, 2):
        run_here("act", "sign", "--node", russia.direct, act_id, *_root(russia, n, demo))
    wait_final(nodes, 5)
    for node in nodes.values():
        held = _regime(node)
        assert held["version"] == 2, node.party
        assert LANDING in held["crossing_points"]
        assert "hanasaki-port" in [p["ref"] for p in held["places"]]
        assert held["act_types"]["enterprise.register"]["consent"] == "any-party"

    # Japan's registrar alone registers an enterprise at the new port: one party's consent is
    # enough now.
    enterprise = {
        "type": "enterprise.register", "enterprise": "kaiyo-tourism", "party": "japan",
        "categories": ["tourism"], "names": {"en": "Kaiyo Tourism"},
        "registered_address": {"place": "hanasaki-port"},
    }  # fmt: skip
    run_here(
        "act", "propose", "--node", japan.direct, _write(tmp_path / "e.json", enterprise),
        "--as", "ja-registrar", "--key-file", key, "--passphrase-file", official,
    )  # fmt: skip
    final = wait_final(nodes, 6)
    for node in nodes.values():
        assert node.checkpoint() == final

    # A proposal still made under version 1 is refused by the node, which says why.
    stale = {
        "type": "official.appoint", "party": "japan", "official": "ja-late",
        "display_name": "Late", "roles": ["inspector"],
        "public_key": base64.urlsafe_b64encode(
            Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        ).rstrip(b"=").decode(),
    }  # fmt: skip
    now = datetime.now(UTC).replace(microsecond=0)
    content = ProposalContent.new(
        acts.parse_act(stale).to_data(),
        regime_id=regime["id"],
        regime_version=1,
        origin=regime["origin"],
        proposed_by="japan",
        proposed_at=now,
        expires_at=now + timedelta(days=1),
    )
    root_key = japan.root / "root-keys" / "japan-root-1.pem"
    signer = CoseSigner(b"japan-root-1", read_key_file(root_key, DEMO_PASSPHRASE))
    stale_version = r"regime 'seed' version 1; this node keeps .* version 2"
    with NodeApi(japan.direct) as api, pytest.raises(CliError, match=stale_version):
        api.submit(Proposal.create(content, signer))

    # The whole log, every entry judged by the regime version in force at it.
    genesis_keys = [a for n in nodes.values() for a in ("--key", n.verifier())]
    verified = run_here("verify-log", japan.url, *genesis_keys, "--judge").stdout
    assert "ok: 6 entries" in verified, verified
