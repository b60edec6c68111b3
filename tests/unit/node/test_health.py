"""A node's health: the judgement and its thresholds on facts made here, its report's JSON both
ways, the peers' contact record it is fed by, and the readiness checks."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from jointzone.cli._i18n import messages
from jointzone.cli._status import TEMPLATES as SHOWN_TEMPLATES
from jointzone.cli._status import message
from jointzone.node import Finding, HealthReport, NodeError, PeerContact, PeerContacts
from jointzone.node import _health as h
from jointzone.node import _tables as t
from jointzone.node.migrations import NODE_TABLES
from jointzone.store import SqlLogStore, open_store

NOW = datetime(2031, 4, 1, 9, 0, tzinfo=UTC)
T = NOW.timestamp()
MIN, HOUR, DAY = 60.0, 3600.0, 86400.0


def facts(**changes: Any) -> h.NodeFacts:
    """A node in good health, with one peer that answered a second ago; ``changes`` replace."""
    base = h.NodeFacts(
        party="japan",
        time=NOW,
        size=12,
        final_size=12,
        final_age_s=5 * HOUR,
        adopted=True,
        restored=False,
        peers=(h.PeerFacts("russia", PeerContact("russia", reached_at=T - 1, log_size=12), 0),),
        keystore_locked=False,
    )
    return replace(base, **changes)


def peer(contact: PeerContact | None = None, outbox: int = 0) -> tuple[h.PeerFacts, ...]:
    return (h.PeerFacts("russia", contact, outbox),)


def found(report: HealthReport, check: str) -> Finding:
    (finding,) = [f for f in report.findings if f.check == check]
    return finding


def pending(
    n: int, *, age: float = HOUR, expires_in: float = 20 * DAY, consented: bool = False
) -> tuple[h.PendingAct, ...]:
    return tuple(h.PendingAct(f"{i:032x}", age, expires_in, consented) for i in range(n))


# -- the judgement ---------------------------------------------------------------------------------


def test_a_healthy_node_is_green_with_what_it_looked_at() -> None:
    report = h.judge(facts())
    assert report.level == "green"
    assert [f.message for f in report.findings] == [
        "entries in the log: 12, final: 12",
        "last final checkpoint 5 h old; nothing waits to become final",
        "peer russia reached 1 s ago",
        "no acts pending",
    ]


@pytest.mark.parametrize(
    ("down_for", "level", "text"),
    [
        (30, "yellow", "peer russia unreachable for 30 s"),
        (h.PEER_RED_S - 1, "yellow", "peer russia unreachable for 14 min"),
        (h.PEER_RED_S, "red", "peer russia unreachable for 15 min"),
        (2 * HOUR, "red", "peer russia unreachable for 2 h"),
    ],
)
def test_a_peer_unreachable_now_is_yellow_and_red_after_15_minutes(
    down_for: float, level: str, text: str
) -> None:
    contact = PeerContact("russia", T - 3 * HOUR, T - down_for, "connection refused", 12)
    finding = found(h.judge(facts(peers=peer(contact))), "peer")
    assert (finding.level, finding.message, finding.detail) == (level, text, "connection refused")


def test_a_peer_never_reached_or_silent_is_yellow() -> None:
    assert found(h.judge(facts(peers=peer(None))), "peer").message == "peer russia not reached yet"
    failing = PeerContact("russia", None, T - 20 * MIN, "refused")
    assert found(h.judge(facts(peers=peer(failing))), "peer").level == "red"
    silent = PeerContact("russia", reached_at=T - h.PEER_SILENT_S, log_size=12)
    finding = found(h.judge(facts(peers=peer(silent))), "peer")
    assert (finding.level, finding.message) == ("yellow", "no contact with peer russia for 2 min")
    recent = PeerContact("russia", reached_at=T - h.PEER_SILENT_S + 1, log_size=12)
    assert found(h.judge(facts(peers=peer(recent))), "peer").level == "green"


@pytest.mark.parametrize(
    ("messages_", "level"),
    [
        (1, "green"),
        (h.OUTBOX_YELLOW - 1, "green"),
        (h.OUTBOX_YELLOW, "yellow"),
        (40, "yellow"),
        (h.OUTBOX_RED - 1, "yellow"),
        (h.OUTBOX_RED, "red"),
    ],
)
def test_an_outbox_is_yellow_from_10_messages_and_red_from_100(messages_: int, level: str) -> None:
    contact = PeerContact("russia", reached_at=T - 1, log_size=12)
    finding = found(h.judge(facts(peers=peer(contact, messages_))), "outbox")
    assert finding.level == level
    assert finding.message == f"messages waiting in the outbox to russia: {messages_}"


def test_an_empty_outbox_is_no_finding() -> None:
    assert not [f for f in h.judge(facts()).findings if f.check == "outbox"]


@pytest.mark.parametrize(
    ("age", "level"),
    [(h.FINAL_YELLOW_S - 1, "green"), (h.FINAL_YELLOW_S, "yellow"), (h.FINAL_RED_S, "red")],
)
def test_an_old_final_checkpoint_counts_only_while_something_waits(age: float, level: str) -> None:
    beyond = found(h.judge(facts(size=14, final_age_s=age)), "checkpoint")
    assert beyond.level == level
    assert beyond.template == h.CHECKPOINT_WAITING
    consented = found(
        h.judge(facts(final_age_s=age, pending=pending(1, consented=True))), "checkpoint"
    )
    assert consented.level == level
    # Open acts still gathering signatures do not wait on a checkpoint.
    idle = found(h.judge(facts(final_age_s=age, pending=pending(3))), "checkpoint")
    assert (idle.level, idle.template) == ("green", h.CHECKPOINT_IDLE)


def test_three_hours_old_while_entries_wait_is_red() -> None:
    finding = found(h.judge(facts(size=13, final_age_s=3 * HOUR)), "checkpoint")
    assert (finding.level, finding.message) == (
        "red",
        "last final checkpoint 3 h old, while acts wait to become final",
    )


def test_acts_expiring_within_three_days_are_yellow() -> None:
    acts = pending(12, age=2 * DAY, expires_in=3 * DAY) + pending(5, expires_in=3 * DAY + 1)
    report = h.judge(facts(pending=acts))
    expiring = found(report, "acts-expiring")
    assert (expiring.level, expiring.message) == ("yellow", "acts that expire within 3 d: 12")
    assert found(report, "acts").message == "acts pending: 17, the oldest 2 d old"
    assert report.level == "yellow"
    assert not [
        f for f in h.judge(facts(pending=pending(5))).findings if f.check == "acts-expiring"
    ]


def test_catching_up_either_way_is_yellow() -> None:
    behind = PeerContact("russia", reached_at=T - 1, log_size=9)
    finding = found(h.judge(facts(peers=peer(behind))), "peer-behind")
    assert (finding.level, finding.message) == (
        "yellow",
        "peer russia is catching up, final entries it lacks: 3",
    )
    ahead = PeerContact("russia", reached_at=T - 1, log_size=20)
    finding = found(h.judge(facts(peers=peer(ahead))), "node-behind")
    assert finding.message == "this node is catching up with peer russia, entries it lacks: 8"
    # A peer that holds what is not final yet (a round under way) lacks nothing final.
    in_round = PeerContact("russia", reached_at=T - 1, log_size=12)
    assert h.judge(facts(size=14, final_age_s=1.0, peers=peer(in_round))).level == "green"
    # The size of a peer that no longer answers is not judged: it may hold more by now.
    gone = PeerContact("russia", T - 9, T - 5, "refused", 3)
    assert not [f for f in h.judge(facts(peers=peer(gone))).findings if "behind" in f.check]


def test_the_node_itself() -> None:
    assert found(h.judge(facts(keystore_locked=True)), "keystore").level == "red"
    assert not [f for f in h.judge(facts(keystore_locked=None)).findings if f.check == "keystore"]
    assert found(h.judge(facts(serving=False)), "serving").level == "red"
    assert not [f for f in h.judge(facts(serving=True)).findings if f.check == "serving"]
    report = h.judge(facts(adopted=False, size=0, final_size=0, final_age_s=None))
    assert found(report, "regime").level == "yellow"
    assert found(report, "checkpoint").message == "no final checkpoint yet"
    assert report.level == "yellow"
    assert found(h.judge(facts(restored=True)), "restored").level == "yellow"
    down = h.database_down("japan", NOW, "disk I/O error")
    assert (down.level, down.findings[0].detail) == ("red", "disk I/O error")


def test_the_worst_finding_is_the_report_s_level() -> None:
    contact = PeerContact("russia", T - HOUR, T - HOUR, "refused", 12)
    report = h.judge(facts(peers=peer(contact, 3), adopted=False))
    assert report.level == "red"
    assert {f.level for f in report.findings} == {"green", "yellow", "red"}


@pytest.mark.parametrize(
    ("seconds", "parts"),
    [
        (0, (0, "s")),
        (1.9, (1, "s")),
        (119, (119, "s")),
        (120, (2, "min")),
        (7199, (119, "min")),
        (7200, (2, "h")),
        (3 * HOUR - 1, (2, "h")),
        (47 * HOUR, (47, "h")),
        (3 * DAY, (3, "d")),
        (-5, (0, "s")),
    ],
)
def test_a_duration_is_written_in_its_largest_unit_of_at_least_two(
    seconds: float, parts: tuple[int, str]
) -> None:
    assert h.duration_parts(seconds) == parts


# -- the report as JSON ----------------------------------------------------------------------------

_names = st.text(string.ascii_lowercase, min_size=1, max_size=8)
_values = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.integers(min_value=0, max_value=10**9).map(lambda s: timedelta(seconds=s)),
)


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    params = draw(st.dictionaries(_names, _values, max_size=4))
    pieces = [draw(st.text(st.characters(blacklist_characters="{}"), max_size=10))]
    for name in draw(st.lists(st.sampled_from(sorted(params)), max_size=3)) if params else []:
        pieces.append("{" + name + "}")
    return Finding(
        check=draw(_names),
        level=draw(st.sampled_from(h.LEVELS)),
        template="".join(pieces),
        params=params,
        detail=draw(st.text(max_size=30)),
    )


@given(st.lists(findings(), max_size=5), _names)
def test_a_report_reads_back_from_its_json(found_: list[Finding], party: str) -> None:
    report = HealthReport(party, NOW, tuple(found_))
    data = report.to_json()
    assert HealthReport.from_json(data, "report") == report
    assert data["level"] == report.level
    assert [f["message"] for f in data["findings"]] == [f.message for f in found_]


def _report(**finding: Any) -> dict[str, Any]:
    base = {"check": "peer", "level": "yellow", "template": "peer {peer}", "params": {"peer": "r"}}
    return {
        "party": "japan",
        "level": "yellow",
        "time": "2031-04-01T09:00:00Z",
        "findings": [base | finding],
    }


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ([], "report: a health report is a JSON object"),
        ({**_report(), "party": ""}, "report: party must be a non-empty string"),
        ({**_report(), "time": "yesterday"}, "report: time"),
        (
            {**_report(), "level": "green"},
            "report: level is 'green', but its findings make it 'yellow'",
        ),
        (_report(level="blue"), r"report: findings\[0\]: level must be one of green, yellow, red"),
        (_report(template="peer {peer.__class__}"), r"findings\[0\]: template .* has a field"),
        (_report(template="peer {peer:>999999999}"), r"findings\[0\]: template .* has a field"),
        (_report(template="peer {0}"), r"findings\[0\]: template .* has a field \{0\}"),
        (
            _report(template="peer {other}"),
            r"has a field \{other\} that is not one of its params \(peer\)",
        ),
        (_report(template="peer {peer"), r"findings\[0\]: template 'peer \{peer' is malformed"),
        (_report(params={"peer": {"seconds": -1}}), r"params.peer.seconds must be a whole number"),
        (_report(params={"peer": [1]}), "params.peer must be a string, a number or a duration"),
        (_report(check=3), r"findings\[0\]: check must be a string"),
    ],
)
def test_a_malformed_report_is_refused_saying_where(data: object, error: str) -> None:
    with pytest.raises(NodeError, match=error):
        HealthReport.from_json(data, "report")


# -- what the command line shows -------------------------------------------------------------------


def test_the_command_line_marks_every_template_the_node_makes() -> None:
    assert sorted(SHOWN_TEMPLATES) == sorted(h.TEMPLATES)


def test_a_finding_is_shown_in_the_reader_s_language() -> None:
    finding = Finding(
        "peer", "red", h.PEER_UNREACHABLE, {"peer": "russia", "duration": timedelta(hours=2)}
    )
    assert message(finding, messages("en")) == "peer russia unreachable for 2 h"
    assert message(finding, messages("ja")) == "相手方ノード russia に2時間接続できていません"
    assert message(finding, messages("ru")) == "узел стороны russia недоступен уже 2 ч"
    # A template this command line does not know (a newer node's) is shown in English.
    newer = Finding("new", "yellow", "a new finding about {peer}", {"peer": "russia"})
    assert message(newer, messages("ja")) == "a new finding about russia"


# -- the contact record ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> SqlLogStore:
    s = open_store(f"sqlite:///{tmp_path / 'node.db'}")
    s.upgrade_tables(NODE_TABLES)
    return s


def kept(store: SqlLogStore) -> dict[str, tuple[Any, ...]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.peer_contact)).all()
    return {r.peer: (r.reached_at, r.failing_since, r.error, r.log_size) for r in rows}


def test_a_failure_is_kept_at_once_and_survives_a_restart(store: SqlLogStore) -> None:
    clock = Clock()
    contacts = PeerContacts(store, clock=clock)
    contacts.reached("russia", log_size=7)
    clock.now += 10
    contacts.failed("russia", "the node of 'russia' is unreachable: refused\nmore")
    clock.now += 10
    contacts.failed("russia", "still refused")
    assert kept(store) == {"russia": (T, T + 10, "the node of 'russia' is unreachable: refused", 7)}
    again = PeerContacts(store, clock=clock).all()["russia"]
    assert again.unreachable_for(T + 3600) == 3600 - 10
    store.close()


def test_a_contact_that_changes_nothing_is_written_at_most_every_15_s(store: SqlLogStore) -> None:
    clock = Clock()
    contacts = PeerContacts(store, clock=clock)
    contacts.reached("russia", log_size=1)
    clock.now += 14
    contacts.reached("russia", log_size=2)
    assert kept(store)["russia"] == (T, None, "", 1)
    assert contacts.all()["russia"].log_size == 2  # the process's own view is current
    clock.now += 1
    contacts.reached("russia", log_size=3)
    assert kept(store)["russia"] == (T + 15, None, "", 3)
    clock.now += 1
    contacts.failed("russia", "refused")  # a change: written at once
    clock.now += 1
    contacts.reached("russia")  # and back
    assert kept(store)["russia"] == (T + 17, None, "", 3)
    store.close()


# -- readiness -------------------------------------------------------------------------------------


def test_readiness_names_each_check_that_fails_and_why() -> None:
    ok = h.ready_checks(
        party="japan", size=5, keystore_locked=False, adopted=True, restored=False, peer_sizes={}
    )
    assert all(c.ok for c in ok)
    assert [c.name for c in ok] == ["database", "keystore", "regime", "caught-up"]
    failing = h.ready_checks(
        party="japan",
        size="disk I/O error",
        keystore_locked=True,
        adopted=False,
        restored=False,
        peer_sizes={"russia": 9},
    )
    assert [(c.name, c.ok) for c in failing] == [
        ("database", False),
        ("keystore", False),
        ("regime", False),
        ("caught-up", False),
    ]
    assert failing[0].detail == "the database of 'japan' cannot be read: disk I/O error"
    behind = h.ready_checks(
        party="japan",
        size=5,
        keystore_locked=False,
        adopted=True,
        restored=False,
        peer_sizes={"russia": 9, "china": None},
    )
    assert behind[-1].detail == "catching up with its peers: russia holds 4 more"
    restored = h.ready_checks(
        party="japan", size=5, keystore_locked=False, adopted=True, restored=True, peer_sizes={}
    )
    assert restored[-1] == h.ReadyCheck(
        "caught-up", False, "restored from a backup: catching up with every peer"
    )


def test_a_peer_known_to_hold_more_than_it_last_said_is_not_behind(store: SqlLogStore) -> None:
    contacts = PeerContacts(store, clock=Clock())
    contacts.holds("russia", 5)  # nothing known of the peer yet: nothing to raise
    assert contacts.all() == {}
    contacts.reached("russia", log_size=3)
    contacts.holds("russia", 5)  # it cosigned up to 5
    contacts.holds("russia", 4)  # never lowered by what is known to be less
    assert contacts.all()["russia"].log_size == 5
    store.close()
