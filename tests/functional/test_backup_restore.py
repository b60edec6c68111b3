"""A node backed up while it serves under load, stopped, restored from that backup and started
again: it catches up, loses nothing anyone was told was done, and the two logs agree.

Two node processes on loopback (``node serve``); officials propose at japan's node and sign at
russia's as fast as the nodes take them, while ``node backup`` copies the witness. Once every
acknowledged act is committed, the witness is stopped and ``node restore`` puts the archive
back, dozens of entries behind what it had signed. Started again, it catches up from its peer
before it signs anything, and the log goes on growing through it.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from jointzone.cli._client import NodeApi
from jointzone.cli.errors import CliError
from jointzone.cose import CoseSigner
from jointzone.node._checkpoints import SIGNED_STATE_FILE, read_signed_state
from jointzone.regime import Regime
from jointzone.tlog import Checkpoint, Note

from ._network import REGIME, NodeProcess, connect, free_port, run_here
from .test_network_faults import (
    SETUP_ENTRIES,
    _assert_one_log,
    _audit,
    _enterprise,
    _log_acts,
    _ready,
    _wait,
    _wait_committed,
)

ACTS = 30
BACKUP_AFTER = 10


class _Load(threading.Thread):
    """Officials acting at both nodes: each act proposed at japan, then signed at russia once
    it has arrived there; ``acked`` holds every act whose last signature was acknowledged."""

    def __init__(self, japan: NodeProcess, russia: NodeProcess, signers: dict[str, CoseSigner]):
        super().__init__(name="load", daemon=True)
        self._japan, self._russia, self._signers = japan, russia, signers
        self.acked: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with NodeApi(self._japan.direct) as at_japan, NodeApi(self._russia.direct) as at_ru:
                unsigned: list[str] = []
                for n in range(ACTS):
                    act = _enterprise(f"backup-{n:03d}")
                    unsigned.append(at_japan.propose(act, [self._signers["japan"]]).id)
                    self._sign(at_ru, unsigned)
                deadline = time.monotonic() + 60
                while unsigned and time.monotonic() < deadline:
                    self._sign(at_ru, unsigned)
                    time.sleep(0.05)
        except BaseException as e:  # re-raised in the test's thread
            self.error = e

    def _sign(self, api: NodeApi, unsigned: list[str]) -> None:
        for act_id in list(unsigned):
            try:
                api.sign(act_id, [self._signers["russia"]])
            except CliError as e:
                if "no proposal" in str(e):
                    continue  # still in japan's outbox
                raise
            unsigned.remove(act_id)
            self.acked.append(act_id)


def _size(checkpoint: bytes) -> int:
    return Checkpoint.from_text(Note.from_bytes(checkpoint).text).size


def test_a_witness_restored_from_a_backup_taken_under_load_catches_up_and_never_forks(
    tmp_path: Path,
) -> None:
    nodes = connect(
        [NodeProcess(p, tmp_path / p, free_port(), warm=True) for p in ("japan", "russia")],
        runner=run_here,
    )
    sequencer = Regime.from_dir(REGIME).sequencer_for(datetime.now(UTC))
    (witness,) = [n for p, n in nodes.items() if p != sequencer]
    try:
        signers = _ready(nodes, tmp_path)
        load = _Load(nodes["japan"], nodes["russia"], signers)
        load.start()
        _wait("acts to be acknowledged", lambda: len(load.acked) >= BACKUP_AFTER or None)
        archive = tmp_path / "witness.jzb"
        out = run_here("node", "backup", witness.root, "--out", archive, "--demo-keys").stdout
        assert "backed up the node of" in out, out
        load.join(timeout=120)
        assert load.error is None, load.error
        assert len(load.acked) == ACTS
        _wait_committed(nodes, set(load.acked))
        _assert_one_log(nodes, SETUP_ENTRIES + ACTS)
        before = nodes["japan"].entries()

        # The witness goes down and comes back from the backup, well behind what it signed.
        witness.stop()
        signed = read_signed_state(witness.root / "keys" / SIGNED_STATE_FILE)["signed"]
        result = run_here("node", "restore", archive, witness.root, "--demo-keys")
        assert "restored the node of" in result.stdout, result.stdout
        restored_size = int(
            result.stdout.split(" entries, ")[0].rsplit(": ", 1)[1].replace(",", "")
        )
        assert restored_size < _size(signed), "the backup is no older than what was signed"
        assert "entries behind it" in result.stdout, result.stdout
        witness.start()
        with NodeApi(nodes["japan"].direct) as at_japan:
            after = [at_japan.propose(_enterprise("after-restore"), [signers["japan"]]).id]
        with NodeApi(nodes["russia"].direct) as at_russia:
            _wait(
                "the act proposed after the restore to reach russia",
                lambda: _signed(at_russia, after[0], signers["russia"]),
            )
        # The restored node's own working memory (its proposals table) is the backup's; the
        # record is the log, which it caught up.
        final = _assert_one_log(nodes, SETUP_ENTRIES + ACTS + 1)
        # The log went on from the one both held before: nothing lost, nothing rewritten.
        entries = nodes["japan"].entries()
        assert entries == nodes["russia"].entries()
        assert entries[: len(before)] == before
        assert sorted(_log_acts(before)[SETUP_ENTRIES:]) == sorted(load.acked)
        assert _log_acts(entries)[len(before) :] == after
        assert "restored from a backup: caught up with every peer" in witness.tail(400)
        assert not (witness.root / "keys" / "restored.json").exists()
        _audit(nodes, final)
    finally:
        for n in nodes.values():
            n.stop()


def _signed(api: NodeApi, act_id: str, signer: CoseSigner) -> bool | None:
    try:
        api.sign(act_id, [signer])
    except CliError as e:
        if "no proposal" in str(e):
            return None
        raise
    return True
