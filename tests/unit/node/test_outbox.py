"""The outbox's retries: a message backed off after a failed delivery goes again at once when
its peer is heard from, and a peer with nothing backed off costs no read of the outbox."""

from __future__ import annotations

from pathlib import Path

from jointzone.node import Outbox
from jointzone.node.migrations import NODE_TABLES
from jointzone.store import open_store


def test_a_backed_off_message_goes_again_once_its_peer_is_heard_from(tmp_path: Path) -> None:
    now = [1000.0]
    with open_store(f"sqlite:///{tmp_path / 'node.db'}") as store:
        store.upgrade_tables(NODE_TABLES)
        outbox = Outbox(store, clock=lambda: now[0])
        outbox.put("russia", "proposal", b"first")
        outbox.put("russia", "proposal", b"second")
        assert outbox.may_wait("russia")  # nothing known yet: wake must look
        first = outbox.due("russia")[0]
        delay = outbox.failed(first, "connection refused")
        assert delay > 0
        assert outbox.due("russia") == []  # backed off, and the second waits behind it
        assert outbox.may_wait("russia")
        outbox.wake("russia")
        assert [m.data for m in outbox.due("russia")] == [b"first", b"second"]
        assert not outbox.may_wait("russia")  # found and reset: no need to look again
        # Another failure backs it off again, and wake looks again.
        outbox.failed(outbox.due("russia")[0], "connection reset")
        assert outbox.may_wait("russia")
        assert outbox.due("russia") == []
        outbox.wake("russia")
        assert len(outbox.due("russia")) == 2
        # Each peer apart: japan's failure does not make russia's outbox looked at again.
        outbox.put("japan", "proposal", b"other")
        outbox.failed(outbox.due("japan")[0], "timeout")
        assert not outbox.may_wait("russia")
        assert outbox.may_wait("japan")
