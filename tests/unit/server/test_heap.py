"""The served node's heap kept out of the collector's full passes, and given back at the end."""

from __future__ import annotations

import gc

from jointzone.server import _heap


def test_settle_freezes_what_is_alive_and_release_gives_it_back() -> None:
    gc.unfreeze()
    alive = [[i] for i in range(1000)]  # lists: objects the collector tracks
    _heap.settle()
    try:
        frozen = gc.get_freeze_count()
        assert frozen >= len(alive)
        # A full pass no longer walks them: what it collects is only what was made since.
        assert gc.collect() == 0
    finally:
        _heap.release()
    assert gc.get_freeze_count() == 0
    assert len(alive) == 1000
