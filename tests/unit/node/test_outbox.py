"""The outbox's retries: a message backed off after a failed delivery goes again at once when
its peer is heard from, and a peer with nothing backed off costs no read of the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from jointzone.node import Outbox
from jointzone.node.migrations import NODE_TABLES
from jointzone.store import BackendError, open_store


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


def test_messages_queued_inside_another_write_commit_or_roll_back_with_it(
    tmp_path: Path,
) -> None:
    with open_store(f"sqlite:///{tmp_path / 'node.db'}") as store:
        store.upgrade_tables(NODE_TABLES)
        outbox = Outbox(store)
        with store.writing("a step that keeps and queues"):
            outbox.put("russia", "proposal", b"kept")
            assert outbox.due("russia") == []  # another connection: not committed yet
        assert [m.data for m in outbox.due("russia")] == [b"kept"]

        def fails_after_queueing() -> None:
            with store.writing("a step that fails"):
                outbox.put("russia", "proposal", b"lost")
                raise RuntimeError("the step fails after queueing")

        with pytest.raises(RuntimeError):
            fails_after_queueing()
        assert [m.data for m in outbox.due("russia")] == [b"kept"]
        # The log's own writes never join: refused at once, where SQLite would wait on its own
        # lock until the busy timeout.
        with (
            pytest.raises(BackendError, match="take a transaction of their own"),
            store.writing("a step that appends"),
        ):
            store.append([b"entry"])
        assert store.size() == 0
