"""The sequencer rotation: a pure function of the time, the same on every node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from regime_factory import SEED

from jointzone.regime import Regime, SequencerRule


def test_seed_alternates_by_calendar_month() -> None:
    seed = Regime.from_dir(SEED)
    months = [seed.sequencer_for(datetime(2019, m, 15, tzinfo=UTC)) for m in range(1, 13)]
    assert months == ["japan", "russia"] * 6
    assert seed.sequencer_for(datetime(2018, 12, 31, 23, 59, 59, tzinfo=UTC)) == "russia"
    assert seed.sequencer_for(datetime(2019, 1, 1, tzinfo=UTC)) == "japan"


def test_month_is_judged_in_utc() -> None:
    rule = SequencerRule(rotation="calendar-month", order=("japan", "russia"))
    tokyo = timezone(timedelta(hours=9))
    # 1 Feb 08:00 in Tokyo is still 31 Jan in UTC.
    assert rule.party_for(datetime(2019, 2, 1, 8, 0, tzinfo=tokyo)) == "japan"
    assert rule.party_for(datetime(2019, 2, 1, 9, 0, tzinfo=tokyo)) == "russia"


def test_naive_time_is_refused() -> None:
    rule = SequencerRule(rotation="calendar-month", order=("japan", "russia"))
    with pytest.raises(ValueError, match="expected an aware datetime"):
        rule.party_for(datetime(2019, 2, 1))


def test_three_parties_by_year() -> None:
    rule = SequencerRule(rotation="calendar-year", order=("a", "b", "c"))
    years = [rule.party_for(datetime(y, 6, 1, tzinfo=UTC)) for y in range(2020, 2026)]
    assert years == [years[0], years[1], years[2]] * 2
    assert len(set(years)) == 3
