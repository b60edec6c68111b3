"""The sequencer's turn between node processes: at a period's boundary the next sequencer takes
over on its own, whether or not the last one is up, and the last one does not sequence again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cli._client import NodeApi
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.consent import Entry
from jointzone.cose import CoseSigner
from jointzone.node import read_key_file
from jointzone.node._standalone import b64url, set_clock
from jointzone.regime import Regime
from jointzone.tlog import decode_bundle, entries_path

from ._network import REGIME, NodeProcess, free_port, run_here, serving, wait_final

# The seed regime rotates by calendar month: January 2020 is one party's, February the other's.
JANUARY = datetime(2020, 1, 31, 23, 50, tzinfo=UTC)
FEBRUARY = datetime(2020, 2, 1, 0, 5, tzinfo=UTC)


def _roots(node: NodeProcess) -> list[CoseSigner]:
    return [
        CoseSigner(
            kid=f"{node.party}-root-{i}".encode(),
            private_key=read_key_file(
                node.root / "root-keys" / f"{node.party}-root-{i}.pem", DEMO_PASSPHRASE
            ),
        )
        for i in (1, 2)
    ]


def _set_time(nodes: dict[str, NodeProcess], when: datetime) -> None:
    for n in nodes.values():
        set_clock(n.root, when)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, NodeProcess]]:
    made = {p: NodeProcess(p, tmp_path / p, free_port()) for p in ("japan", "russia")}
    for n in made.values():
        run_here(
            "node", "init", n.root, "--party", n.party, "--regime", REGIME, "--url", n.url,
            "--demo-keys", "--clock", "simulated",
            "--descriptor", tmp_path / f"{n.party}.json",
        )  # fmt: skip
    for n in made.values():
        for other in made:
            if other != n.party:
                run_here("node", "peer", "add", n.root, tmp_path / f"{other}.json")
    _set_time(made, JANUARY)
    with serving(made):
        yield made


def test_the_next_sequencer_takes_over_at_the_boundary_while_the_last_is_down(
    nodes: dict[str, NodeProcess],
) -> None:
    regime = Regime.from_dir(REGIME)
    first, second = regime.sequencer_for(JANUARY), regime.sequencer_for(FEBRUARY)
    assert first != second
    apis = {p: NodeApi(n.url) for p, n in nodes.items()}
    try:
        _take_over(nodes, apis, regime, first, second)
    finally:
        for a in apis.values():
            a.close()


def _take_over(
    nodes: dict[str, NodeProcess],
    apis: dict[str, NodeApi],
    regime: Regime,
    first: str,
    second: str,
) -> None:
    for party in regime.party_ids:  # the genesis, in the regime's order
        apis[party].sign_genesis(_roots(nodes[party]), at=JANUARY)
    wait_final(nodes, 1)

    nodes[first].kill()  # January's sequencer is down as February begins
    _set_time(nodes, FEBRUARY)
    act = {
        "type": "official.appoint",
        "party": second,
        "official": f"{second}-clerk",
        "display_name": "Clerk",
        "roles": ["registrar"],
        "public_key": b64url(Ed25519PrivateKey.generate().public_key().public_bytes_raw()),
    }
    api = apis[second]
    proposal = api.propose(act, _roots(nodes[second]), at=FEBRUARY)
    # Only its own party's root keys are needed: its consent is complete at once, and it is
    # February's sequencer's turn, but a round needs every party's node.
    time.sleep(2)
    assert api.status(proposal.id).status == "open"

    nodes[first].start()
    final = wait_final(nodes, 2)
    entries = nodes[second].checkpoint()
    assert entries == final
    status = api.status(proposal.id)
    assert status.status == "committed"
    assert status.index == 1
    # The entry is dated in February's period, so it was sequenced in the second party's turn.
    bundle = apis[first].tile(entries_path(0, 2))
    entry = Entry.decode(decode_bundle(bundle, count=2)[1])
    assert entry.time >= FEBRUARY
    assert regime.sequencer_for(entry.time) == second
