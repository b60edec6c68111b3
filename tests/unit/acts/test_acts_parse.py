"""parse_act and to_data: typed, strict, canonical, with errors that name the key path."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from typing import Any

import cbor2
import pytest
from acts_factory import (
    adopt,
    amend,
    appoint,
    b64url,
    compromise,
    crossing,
    decision,
    enterprise,
    incident,
    issue,
    key_act,
    note_verifier,
    participant,
    project,
    public_key,
    report,
    rotate_node_key,
    rotate_root,
)
from hypothesis import given
from hypothesis import strategies as st

from jointzone.acts import (
    ACT_TYPES,
    ActSchemaError,
    EnterpriseRegister,
    IncidentReport,
    ProjectApprove,
    ReportSubmit,
    parse_act,
)
from jointzone.acts._types import decimal_text, to_decimal

# One canonical example of every act type: to_data() gives back exactly this.
EXAMPLES: list[dict[str, Any]] = [
    adopt(),
    amend(),
    appoint(),
    {
        "type": "official.rotate-key",
        "party": "japan",
        "official": "jo",
        "public_key": b64url(public_key("k2")),
    },
    {"type": "official.remove", "party": "japan", "official": "jo", "reason": {"en": "Retired."}},
    rotate_root(keys=("japan-root-2", "japan-root-3"), compromised=["japan-root-1"]),
    rotate_node_key(),
    {**enterprise(), "registered_address": {"place": "shikotan", "point": ["146.75", "43.8"]}},
    {
        "type": "enterprise.amend",
        "enterprise": "jp-kelp",
        "names": {"ja": "昆布", "en": "Kelp"},
        "registered_address": {"place": "nemuro-port", "point": None},
        "categories": ["aquaculture", "tourism"],
    },
    {"type": "enterprise.deregister", "enterprise": "jp-kelp", "reason": None},
    {**participant(), "party": "japan"},
    {"type": "participant.withdraw", "participant": "jp-diver", "reason": {"ja": "退職"}},
    project(),
    {**{k: v for k, v in project().items() if k != "category"}, "type": "project.amend"},
    {"type": "project.suspend", "project": "p", "reason": {"en": "Storm season."}},
    {"type": "project.resume", "project": "p", "reason": None},
    {"type": "project.close", "project": "p", "reason": {"ru": "Завершён."}},
    {**report(), "notes": {"en": "Good year."}},
    {**report(), "indicators": {"visitors": 33}, "notes": None},
    decision(),
    incident(),
    {"type": "incident.resolve", "incident": "i-1", "resolution": {"en": "Repaired jointly."}},
    key_act(),
    {**key_act(), "retire": True},
    {**key_act(), "retire": True, "compromised": True},
    compromise(),
    issue(),
    {"type": "certificate.revoke", "certificate": "c-1", "reason": {"en": "Lost."}},
    crossing("record"),
    crossing("manifest"),
]


def _canonical(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as parse_act(...).to_data() spells it: optional keys present, as None if absent."""
    return parse_act(data).to_data()


def test_every_act_type_has_an_example() -> None:
    assert {d["type"] for d in EXAMPLES} == set(ACT_TYPES)


@pytest.mark.parametrize("data", EXAMPLES, ids=lambda d: str(d["type"]))
def test_round_trip_is_exact(data: dict[str, Any]) -> None:
    canonical = _canonical(data)
    assert parse_act(canonical).to_data() == canonical
    assert parse_act(canonical) == parse_act(data)


@pytest.mark.parametrize(
    "data",
    [
        d
        for d in EXAMPLES
        if d["type"] in ("official.rotate-key", "enterprise.amend", "project.resume")
    ],
    ids=lambda d: str(d["type"]),
)
def test_canonical_data_is_a_fixed_point(data: dict[str, Any]) -> None:
    assert parse_act(data).to_data() == data


@pytest.mark.parametrize("data", EXAMPLES, ids=lambda d: str(d["type"]))
def test_to_data_is_plain_and_encodes_deterministically(data: dict[str, Any]) -> None:
    out = parse_act(data).to_data()

    def walk(v: object) -> None:
        assert v is None or isinstance(v, str | int | bool | list | dict), v
        assert not isinstance(v, float)
        if isinstance(v, dict):
            assert all(isinstance(k, str) for k in v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(out)
    encoded = cbor2.dumps(out, canonical=True)
    assert cbor2.loads(encoded) == out
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out
    # Key order of the input does not matter to the signed bytes.
    reordered = dict(reversed(list(data.items())))
    assert cbor2.dumps(parse_act(reordered).to_data(), canonical=True) == encoded


def test_other_spellings_are_normalised() -> None:
    act = parse_act(report(indicators={"harvest": {"scallop": "12.50", "kelp": "3.000"}}))
    assert act.to_data()["indicators"] == {"harvest": {"scallop": "12.5", "kelp": "3"}}
    site = parse_act(
        enterprise(registered_address={"place": "shikotan", "point": ["146.750", "43.80"]})
    )
    assert site.to_data()["registered_address"]["point"] == ["146.75", "43.8"]


def test_times_are_utc_with_z() -> None:
    act = parse_act(incident(occurred_at="2019-05-31T22:00:00Z"))
    assert isinstance(act, IncidentReport)
    assert act.to_data()["occurred_at"] == "2019-05-31T22:00:00Z"
    assert act.occurred_at.tzinfo is not None


def test_free_text_lists_every_text_by_key_path() -> None:
    assert parse_act(project()).free_text() == {
        "title.ja": "昆布養殖",
        "title.ru": "Выращивание ламинарии",
        "title.en": "Kelp farming",
        "conditions[0].en": "Joint inspection each quarter.",
        "conditions[0].ru": "Совместная проверка.",
    }
    assert parse_act(enterprise()).free_text() == {
        "names.ja": "昆布株式会社",
        "names.en": "Kelp Co.",
    }
    assert parse_act(report()).free_text() == {
        "indicators.harvest.scallop": "scallop",
        "indicators.harvest.kelp": "kelp",
    }
    assert parse_act(appoint()).free_text() == {"display_name": "Official japan-inspector-2"}
    assert parse_act(adopt()).free_text() == {}


def test_own_party_is_the_official_acts_party() -> None:
    assert parse_act(appoint(party="russia", official="ru-x")).own_party == "russia"
    assert parse_act(enterprise()).own_party is None


def test_typed_fields() -> None:
    act = parse_act(project())
    assert isinstance(act, ProjectApprove)
    assert act.sites[0].point == (Decimal("146.75"), Decimal("43.8"))
    assert isinstance(parse_act(enterprise()), EnterpriseRegister)
    r = parse_act(report())
    assert isinstance(r, ReportSubmit)
    assert r.indicators["harvest"] == {"scallop": Decimal("12.5"), "kelp": Decimal("3.125")}


# -- errors ---------------------------------------------------------------------------------------


def _problems(data: Any) -> list[str]:
    with pytest.raises(ActSchemaError) as caught:
        parse_act(data)
    return caught.value.problems


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "(top level): expected a mapping, got []"),
        ({"project": "p"}, "type: missing (required)"),
        ({"type": "project.launch"}, "type: expected one of"),
        ({"type": 7}, "type: expected one of"),
        ({"type": "certificate.issue"}, "certificate: missing"),
    ],
)
def test_unknown_or_missing_type(data: Any, expected: str) -> None:
    assert expected in _problems(data)[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            project(sites=[{"place": "shikotan"}, {"place": "Etorofu"}]),
            "sites[1].place: expected a lower-case ref",
        ),
        (
            project(sites=[{"place": "shikotan", "point": [146.75, 43.8]}]),
            "sites[0].point: expected a decimal string such as '12.5', got the float 146.75",
        ),
        (
            project(sites=[{"place": "shikotan", "point": ["200", "43.8"]}]),
            "sites[0].point: [200, 43.8] is not a [longitude, latitude] pair",
        ),
        (
            project(sites=[{"place": "shikotan", "point": ["146.12345678", "43.8"]}]),
            "sites[0].point: expected at most 7 decimal places",
        ),
        (project(sites=[]), "sites: Tuple should have at least 1 item"),
        (
            project(valid_from="2019-02-01T00:00:00Z", valid_to="2019-01-31T00:00:00Z"),
            "valid_to: expected after valid_from 2019-02-01T00:00:00Z, found 2019-01-31T00:00:00Z",
        ),
        (
            project(valid_from="2019-02-01T00:00:00Z", valid_to="2019-02-01T00:00:00Z"),
            "valid_to: expected after valid_from 2019-02-01T00:00:00Z",
        ),
        # Validity is moments: a day alone does not say when on it validity begins.
        (
            project(valid_from="2019-02-01"),
            "valid_from: expected a UTC time 'YYYY-MM-DDTHH:MM:SSZ', got '2019-02-01'",
        ),
        (
            project(valid_to="2019-02-30T00:00:00Z"),
            "valid_to: expected a UTC time 'YYYY-MM-DDTHH:MM:SSZ', got '2019-02-30T00:00:00Z'",
        ),
        (
            decision(meeting_date="2019-05-20T00:00:00Z"),
            "meeting_date: expected a date 'YYYY-MM-DD', got '2019-05-20T00:00:00Z'",
        ),
        (
            report(period={"start": "2019-2-1", "end": "2019-03-31"}),
            "period.start: expected a date 'YYYY-MM-DD', got '2019-2-1'",
        ),
        # A place is named as {place: REF} everywhere, never as a bare ref.
        (
            issue(places=["shikotan"]),
            "places[0]: Input should be a valid dictionary or instance of",
        ),
        (
            issue(places=[{"place": "shikotan"}, {"place": "shikotan"}]),
            "places: 'shikotan' is listed more than once",
        ),
        (
            issue(places=[{"place": "shikotan", "point": ["146.75", "43.8"]}]),
            "places[0].point: not a known key",
        ),
        (
            crossing(crossing_point="nemuro-port"),
            "crossing_point: Input should be a valid dictionary",
        ),
        (
            crossing(crossing_point={"place": "nemuro-port", "point": ["145.58", "43.33"]}),
            "crossing_point.point: not a known key",
        ),
        (incident(place="shikotan"), "place: Input should be a valid dictionary"),
        (project(participants=["a", "a"]), "participants: 'a' is listed more than once"),
        (project(extra=1), "extra: not a known key"),
        (
            project(title={"en": " Kelp"}),
            "title.en: expected text without leading or trailing space",
        ),
        (
            project(title={"en": "Ke\u200blp"}),
            "title.en: expected one line of visible text, found U+200B",
        ),
        (project(title={"en": "Cafe\u0301"}), "title.en: expected NFC-normalised text"),
        (project(title={"EN": "Kelp"}), "title.EN.[key]: expected a BCP 47 language tag"),
        (
            incident(occurred_at="2019-05-31T22:00:00"),
            "occurred_at: expected a UTC time 'YYYY-MM-DDTHH:MM:SSZ'",
        ),
        (incident(occurred_at="2019-05-31T22:00:00.5Z"), "occurred_at: expected a UTC time"),
        (appoint(public_key="AAAA"), "public_key: expected an Ed25519 public key as 43 characters"),
        (appoint(public_key=public_key("x").hex()), "public_key: expected an Ed25519 public key"),
        (appoint(roles=[]), "roles: Value should have at least 1 item"),
        (
            report(indicators={"harvest": {"scallop": "-1"}}),
            "indicators.harvest.scallop: expected a figure from 0",
        ),
        (
            report(indicators={"harvest": {"scallop": 1.5}}),
            "indicators.harvest.scallop: expected an integer or a decimal string, got 1.5",
        ),
        (
            report(indicators={"visitors": True}),
            "indicators.visitors: expected an integer or a decimal string, got True",
        ),
        (
            report(period={"start": "2019-02-01", "end": "2019-01-01"}),
            "period.end: 2019-01-01 is before start 2019-02-01",
        ),
        (decision(concerns=[{"kind": "treaty", "id": "x"}]), "concerns[0].kind: Input should be"),
        (enterprise(version="2"), "version: not a known key"),
    ],
)
def test_errors_name_the_key_path(data: dict[str, Any], expected: str) -> None:
    problems = _problems(data)
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems({"type": "project.approve", "project": "X"})
    assert problems[0].startswith("project: expected a lower-case ref")
    assert {p.split(":")[0] for p in problems[1:]} == {
        "title",
        "sites",
        "enterprises",
        "valid_from",
        "valid_to",
        "category",
    }


def test_adopt_checks_plain_content_and_keys() -> None:
    content = adopt()["regime"]
    content["places"][0]["centre"] = [147.84, 45.05]
    assert (
        "regime.places[0].centre[0]: expected str, int, bool, list or dict, got a float 147.84"
        in (_problems({**adopt(), "regime": content}))
    )
    bad = adopt()
    bad["parties"]["japan"]["node_verifier"] = note_verifier("japan.example")[:-4] + "AAAA"
    assert any("does not match its name and key" in p for p in _problems(bad))
    bad = adopt()
    bad["parties"]["japan"]["threshold"] = 0
    assert any(p.startswith("parties.japan.threshold:") for p in _problems(bad))


def test_naive_datetime_is_refused_when_building_in_python() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="expected an aware time"):
        IncidentReport.model_validate({**incident(), "occurred_at": datetime(2019, 1, 1)})


# -- decimals -------------------------------------------------------------------------------------


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=7, min_value=-1000, max_value=1000)
)
def test_decimal_text_round_trips(value: Decimal) -> None:
    text = decimal_text(value)
    assert to_decimal(text) == value
    assert decimal_text(to_decimal(text)) == text
    assert "E" not in text
    assert "e" not in text
    assert text == "0" or not (text.endswith("0") and "." in text)


# -- keys nobody can hold -------------------------------------------------------------------------

# The identity point, a point of order 2, and the identity written with its sign bit set
# (non-canonical): keys no one holds a secret for, under which some verifiers accept forgeries.
_UNUSABLE_KEYS = (
    bytes([1]) + bytes(31),
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    bytes([1]) + bytes(30) + bytes([0x80]),
)


@pytest.mark.parametrize("raw", _UNUSABLE_KEYS)
def test_an_official_cannot_be_appointed_with_a_small_order_key(raw: bytes) -> None:
    act = appoint(official="jp-odd", public_key=b64url(raw))
    assert any(p.startswith("public_key: not a usable Ed25519 public key") for p in _problems(act))


@pytest.mark.parametrize("raw", _UNUSABLE_KEYS)
def test_a_genesis_cannot_declare_a_small_order_node_key(raw: bytes) -> None:
    bad = adopt()
    key = b"\x01" + raw
    name = "japan.example"
    key_hash = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex()
    bad["parties"]["japan"]["node_verifier"] = f"{name}+{key_hash}+{base64.b64encode(key).decode()}"
    assert any("not a usable Ed25519 public key" in p for p in _problems(bad))
