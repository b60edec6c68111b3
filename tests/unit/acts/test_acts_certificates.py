"""Certificate keys, certificates, revocations and movements: each rule, valid and rejected."""

from __future__ import annotations

from typing import Any

import pytest
from acts_factory import (
    OFFICERS,
    Log,
    compromise,
    crossing,
    issue,
    key_act,
    public_key,
    world,
)

from jointzone.acts import ActSchemaError, certificate_key_id, parse_act


def keyed() -> Log:
    log = world()
    log.apply(key_act("japan", "cert-japan"))
    log.apply(key_act("russia", "cert-russia"))
    return log


def issued() -> Log:
    log = keyed()
    log.apply(issue("c-1"))
    log.apply(issue("c-2", participant="ru-worker"))
    log.time = log.time.replace(hour=12)
    return log


# -- certificate.key --------------------------------------------------------------------------


def test_key_is_declared_from_the_next_position_and_retired() -> None:
    log = world()
    log.apply(key_act())
    at = log.state.size - 1
    assert log.state.certificate_key_at("japan", at) is None
    key = log.state.certificate_key_at("japan", at + 1)
    assert key is not None
    assert key.public_key == public_key("cert-japan")
    log.apply(key_act(retire=True))
    assert log.state.certificate_key_at("japan", log.state.size) is None
    assert log.state.certificate_keys[key.key_id].retired is not None


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"key_id": "00000000"}, "key_id: expected"),
        ({"party": "france"}, "not a party"),
    ],
)
def test_key_rejections(change: dict[str, Any], match: str) -> None:
    log = world()
    log.rejects(key_act(**change), match, signers={"japan": ["japan-root-1", "japan-root-2"]})


def test_key_is_never_reused_nor_retired_twice() -> None:
    log = world()
    log.apply(key_act())
    log.rejects(key_act(), "already declared")
    log.rejects(key_act("russia", "cert-russia", retire=True), "no certificate key")
    log.apply(key_act(retire=True))
    log.rejects(key_act(retire=True), "was retired")


def test_key_of_another_party_cannot_be_retired() -> None:
    log = keyed()
    data = key_act("japan", "cert-russia", retire=True)
    log.rejects(data, "is a key of 'russia'")


def test_a_key_retired_as_compromised_is_recorded_so() -> None:
    log = keyed()
    log.apply(key_act(retire=True, compromised=True))
    key = log.state.certificate_keys[certificate_key_id(public_key("cert-japan"))]
    assert key.retired is not None
    assert key.compromised == key.retired
    with pytest.raises(ActSchemaError, match="compromised: expected retire: true"):
        parse_act(key_act(compromised=True))


def test_compromise_by_every_party_retires_a_key_in_force() -> None:
    log = keyed()
    at = log.state.size
    log.apply(compromise(), signers=OFFICERS)
    key = log.state.certificate_keys[certificate_key_id(public_key("cert-japan"))]
    assert key.compromised is not None
    assert key.compromised.position == at
    assert key.retired == key.compromised
    assert key.period.valid_until == at + 1
    assert log.state.certificate_key_at("japan", at + 1) is None
    log.rejects(issue(), "party 'japan' has no certificate key valid")


def test_compromise_of_a_retired_key_keeps_its_retirement() -> None:
    log = keyed()
    log.apply(key_act("japan", "cert-japan-2"))
    retired_at = log.state.size
    log.apply(key_act(retire=True))
    log.rejects(key_act(retire=True, compromised=True), "certificate.compromise declares")
    log.apply(compromise(), signers=OFFICERS)
    key = log.state.certificate_keys[certificate_key_id(public_key("cert-japan"))]
    assert key.retired is not None
    assert key.retired.position == retired_at
    assert key.period.valid_until == retired_at + 1
    assert key.compromised is not None
    assert key.compromised.position == retired_at + 1
    # The next key signs on.
    assert log.state.certificate_key_at("japan", log.state.size) is not None


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"key_id": "00000000"}, "no certificate key '00000000'"),
        ({"party": "russia"}, "is a key of 'japan', not of 'russia'"),
        ({"party": "france"}, "not a party"),
        ({"reason": {"fr": "Perdue."}}, r"reason.fr: 'fr' is not a language"),
    ],
)
def test_compromise_rejections(change: dict[str, Any], match: str) -> None:
    keyed().rejects(compromise(**change), match, signers=OFFICERS)


def test_a_key_is_declared_compromised_once() -> None:
    log = keyed()
    log.apply(compromise(), signers=OFFICERS)
    log.rejects(compromise(), "was declared compromised at position", signers=OFFICERS)


# -- certificate.issue ------------------------------------------------------------------------


def test_issue_takes_names_and_party_from_the_registry() -> None:
    log = keyed()
    entry_time = log.time
    log.apply(issue())
    record = log.state.certificates["c-1"]
    assert record.party == "japan"
    assert dict(record.names) == {"ja": "佐藤花子", "ja-Latn": "Sato Hanako"}
    assert record.issued_at == entry_time
    assert record.project_number == 1


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"participant": "nobody"}, "no participant 'nobody'"),
        ({"purpose": {"project": "nothing", "category": "aquaculture"}}, "no project"),
        (
            {"purpose": {"project": "shikotan-scallops", "category": "tourism"}},
            "expected 'aquaculture'",
        ),
        ({"places": [{"place": "etorofu-iturup"}]}, r"places\[0\].place: expected one of"),
        ({"places": [{"place": "nemuro-port"}]}, r"places\[0\].place: .* outside the zone"),
        ({"places": [{"place": "atlantis"}]}, r"places\[0\].place: 'atlantis' is not a place"),
        ({"valid_to": "2021-01-01T00:00:01Z"}, "within the project's validity"),
        ({"valid_from": "2017-12-31T00:00:00Z"}, "within the project's validity"),
        (
            {"valid_from": "2019-05-01T00:00:00Z", "valid_to": "2019-06-01T08:00:00Z"},
            "not after the issue time",
        ),
    ],
)
def test_issue_rejections(change: dict[str, Any], match: str) -> None:
    keyed().rejects(issue(**change), match)


def test_issue_may_last_exactly_as_long_as_its_project() -> None:
    log = keyed()
    log.apply(issue(valid_from="2018-01-01T00:00:00Z", valid_to="2021-01-01T00:00:00Z"))
    record = log.state.certificates["c-1"]
    assert (record.valid_from, record.valid_to) == (
        log.state.projects["shikotan-scallops"].valid_from,
        log.state.projects["shikotan-scallops"].valid_to,
    )
    assert record.places == ("shikotan", "shakotan-malokurilskoye")


def test_issue_needs_every_partys_key() -> None:
    log = world()
    log.apply(key_act("japan"))
    log.rejects(issue(), "party 'russia' has no certificate key")


def test_issue_twice_is_rejected() -> None:
    log = keyed()
    log.apply(issue())
    log.rejects(issue(), "certificate 'c-1' already exists")


# -- certificate.revoke -----------------------------------------------------------------------


def revoke(certificate: str = "c-1") -> dict[str, Any]:
    return {
        "type": "certificate.revoke",
        "certificate": certificate,
        "reason": {"en": "Reported lost."},
    }


def test_one_party_alone_revokes() -> None:
    log = issued()
    log.apply(revoke(), signers={"russia": OFFICERS["russia"]})
    assert log.state.revoked == ("c-1",)
    assert log.state.certificates["c-1"].revoked is not None


def test_revoke_rejections() -> None:
    log = issued()
    log.rejects(revoke("c-9"), "no certificate 'c-9'")
    log.apply(revoke())
    log.rejects(revoke(), "already revoked")


# -- movements --------------------------------------------------------------------------------


def test_record_and_manifest() -> None:
    log = issued()
    log.apply(crossing("record"))
    log.apply(crossing("manifest"))
    assert log.state.movements["v-1"].certificates == ("c-1", "c-2")
    assert log.state.movements["m-1"].crossing_point == "furukamappu-yuzhno-kurilsk"
    assert [m.id for m in log.state.movements_of("c-1")] == ["m-1", "v-1"]


@pytest.mark.parametrize(
    ("kind", "change", "match"),
    [
        (
            "record",
            {"crossing_point": {"place": "shikotan"}},
            r"crossing_point.place: place 'shikotan' is not a crossing point",
        ),
        ("record", {"certificate": "c-9"}, "no certificate 'c-9'"),
        ("record", {"time": "2019-08-01T00:00:00Z"}, "no later than the entry's time"),
        ("record", {"time": "2019-05-31T00:00:00Z"}, "not at 2019-05-31"),
        ("manifest", {"certificates": ["c-1", "c-9"]}, r"certificates\[1\]: no certificate"),
    ],
)
def test_movement_rejections(kind: str, change: dict[str, Any], match: str) -> None:
    issued().rejects(crossing(kind, **change), match)


def test_revoked_certificate_cannot_cross() -> None:
    log = issued()
    log.apply(revoke())
    log.rejects(crossing("manifest"), "was revoked")


def test_movement_ids_are_never_reused() -> None:
    log = issued()
    log.apply(crossing("record"))
    log.rejects(crossing("record"), "already exists")
    log.rejects(crossing("manifest", manifest="m-1"), "already exists")


def test_key_id_is_the_cose_kid_of_a_certificate() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from jointzone.acts import certificate_key_id
    from jointzone.cose import key_id
    from jointzone.credentials import CERTIFICATE_KID_SIZE

    pk = public_key("cert-japan")
    kid = key_id(Ed25519PublicKey.from_public_bytes(pk), size=CERTIFICATE_KID_SIZE)
    assert certificate_key_id(pk) == kid.hex()
