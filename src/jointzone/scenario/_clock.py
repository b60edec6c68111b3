"""A settable clock: scenarios replay dated events, and every node reads time from one clock."""

from __future__ import annotations

from datetime import UTC, datetime


class ScenarioClock:
    """Time as the scenario says it is; it never goes backwards."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2017, 1, 1, tzinfo=UTC)).astimezone(UTC)

    def __call__(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = max(self._now, when.astimezone(UTC))
