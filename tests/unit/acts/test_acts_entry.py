"""What apply checks of the entry itself (position, time, id, signers); check() changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from acts_factory import (
    OFFICERS,
    START,
    Log,
    adopted,
    enterprise,
    incident,
    report,
    snapshot,
    world,
)

from jointzone.acts import ActRejected, EnterpriseRegister, Site, apply, check, parse_act


def _apply(log: Log, data: dict[str, object], **entry: object) -> None:
    args: dict[str, object] = {
        "position": log.state.size,
        "time": log.time,
        "signers": OFFICERS,
        "act_id": f"act-{log.state.size}",
    }
    args.update(entry)
    apply(log.state, parse_act(data), **args)  # type: ignore[arg-type]


def _rejects(log: Log, data: dict[str, object], match: str, **entry: object) -> None:
    before = snapshot(log.state)
    with pytest.raises(ActRejected, match=match):
        _apply(log, data, **entry)
    assert snapshot(log.state) == before


def test_position_must_be_the_next_one() -> None:
    log = adopted()
    _rejects(log, enterprise(), "position: expected 3 \\(the next entry\\), got 4", position=4)
    _rejects(log, enterprise(), "position: expected 3", position=2)


def test_time_never_goes_back() -> None:
    log = adopted()
    _rejects(
        log,
        enterprise(),
        "time: 2019-06-01T08:59:00\\+00:00 is before the previous entry's",
        time=START - timedelta(minutes=1),
    )


def test_time_must_be_aware_and_is_kept_in_utc() -> None:
    log = adopted()
    _rejects(log, enterprise(), "time: expected an aware time", time=datetime(2019, 6, 2))
    tokyo = timezone(timedelta(hours=9))
    _apply(log, enterprise(), time=datetime(2019, 6, 2, 9, 0, tzinfo=tokyo))
    assert log.state.last_time == datetime(2019, 6, 2, 0, 0, tzinfo=UTC)
    assert log.state.enterprises["jp-kelp"].history[0].time.tzinfo is UTC


def test_an_act_is_committed_once() -> None:
    log = adopted()
    _apply(log, enterprise(), act_id="same")
    assert log.state.act_position("same") == 3
    _rejects(
        log, enterprise("jp-other"), "act 'same' was already committed at position 3", act_id="same"
    )
    _rejects(log, enterprise("jp-other"), "act_id: expected a non-empty string", act_id="")


def test_signers_must_be_keys_of_their_party_valid_at_the_position() -> None:
    log = adopted()
    _rejects(
        log,
        enterprise(),
        "signers.japan: 'nobody' is no key that may sign",
        signers={"japan": ["nobody"]},
    )
    _rejects(
        log,
        enterprise(),
        "signers.japan: 'russia-officer' is a key of 'russia', not of 'japan'",
        signers={"japan": ["russia-officer"]},
    )
    _rejects(log, enterprise(), "signers.korea: 'korea' is not a party", signers={"korea": ["k"]})
    _rejects(log, enterprise(), "signers: expected at least one signer", signers={})
    _rejects(
        log,
        enterprise(),
        "signers.japan: expected a non-empty list",
        signers={"japan": "japan-officer"},
    )
    _rejects(
        log,
        enterprise(),
        "signers.japan: a key id is listed more than once",
        signers={"japan": ["japan-officer", "japan-officer"]},
    )


def test_an_officials_key_is_not_valid_at_its_own_appointment() -> None:
    log = adopted()
    # The officer was appointed at position 1: they cannot sign what is at position 1.
    assert not log.state.key_valid(
        "japan-officer", log.state.officials["japan-officer"].keys[0].public_key, 1
    )
    assert log.state.signer_at("japan-officer", 1) is None
    assert log.state.signer_at("japan-officer", 3) is not None


def test_check_changes_nothing() -> None:
    log = world()
    before = snapshot(log.state)
    check(log.state, parse_act(enterprise()), time=log.time)
    check(log.state, parse_act(incident()), time=log.time)
    log.apply(report())
    with pytest.raises(ActRejected, match="overlaps"):
        check(log.state, parse_act(report("r2")), time=log.time)
    before = snapshot(log.state)
    with pytest.raises(ActRejected, match="no key that may sign"):
        check(log.state, parse_act(enterprise()), time=log.time, signers={"japan": ["nobody"]})
    assert snapshot(log.state) == before


def test_every_node_derives_the_same_state() -> None:
    first = world()
    first.apply(report())
    first.apply(incident(), {"russia": OFFICERS["russia"]})
    second = Log()
    for data, signers, time, act_id in first.entries:
        apply(
            second.state,
            parse_act(data),
            position=second.state.size,
            time=time,
            signers=signers,
            act_id=act_id,
        )
    assert snapshot(second.state) == snapshot(first.state)


def test_acts_built_in_python_apply_like_parsed_ones() -> None:
    log = adopted()
    act = EnterpriseRegister(
        enterprise="jp-kelp",
        party="japan",
        names={"ja": "昆布株式会社", "en": "Kelp Co."},
        registered_address=Site(place="nemuro-port"),
        categories=("aquaculture",),
    )
    assert act.to_data() == parse_act(enterprise()).to_data()
    apply(log.state, act, position=3, time=log.time, signers=OFFICERS, act_id="x")
    assert log.state.enterprises["jp-kelp"].party == "japan"
