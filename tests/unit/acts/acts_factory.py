"""Builders for act data and a small log that applies them in order: the acts tests' one factory.

Act data is built as plain dicts (what a node decodes from CBOR), each builder taking keyword
overrides, so a test states only what it is about. Keys are SHA-256 of a label: ``apply`` checks
no signatures, and deterministic keys keep failures reproducible.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.acts import (
    Act,
    ActRejected,
    State,
    apply,
    certificate_key_id,
    parse_act,
    possession_text,
)
from jointzone.regime import Regime
from jointzone.tlog import Signer, sign_note

SEED = Path(__file__).resolve().parents[3] / "regimes" / "seed"
PARTIES = ("japan", "russia")
START = datetime(2019, 6, 1, 9, 0, tzinfo=UTC)
ROOTS: dict[str, list[str]] = {p: [f"{p}-root-1"] for p in PARTIES}
OFFICERS: dict[str, list[str]] = {p: [f"{p}-officer"] for p in PARTIES}

Data = dict[str, Any]


@functools.cache
def seed_regime() -> Regime:
    return Regime.from_dir(SEED)


def public_key(label: str) -> bytes:
    """A real Ed25519 public key, the same for the same label: the record refuses points no
    one can hold a key for."""
    seed = hashlib.sha256(label.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def note_verifier(name: str) -> str:
    key = b"\x01" + public_key("node " + name)
    key_hash = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex()
    return f"{name}+{key_hash}+{base64.b64encode(key).decode()}"


def rotate_node_key(
    party: str = "japan", label: str = "2", overlap: int = 3, **changes: Any
) -> Data:
    """A party.rotate-node-key to the node key of ``label`` (the same for the same label), with
    the signed note by it that shows it is held."""
    name = f"{party}.jointzone.example"
    seed = hashlib.sha256(f"node {name} {label}".encode()).digest()
    signer = Signer.from_seed(name, seed)
    possession = sign_note(possession_text(seed_regime().origin, party), [signer])
    return {
        "type": "party.rotate-node-key",
        "party": party,
        "node_verifier": signer.verifier.vkey,
        "overlap": overlap,
        "possession": possession.to_bytes().decode(),
        **changes,
    }


def adopt(regime: Regime | None = None, **changes: Any) -> Data:
    data: Data = {
        "type": "regime.adopt",
        "regime": (regime or seed_regime()).canonical(),
        "parties": {
            p: {
                "root_keys": [root_key(f"{p}-root-1")],
                "threshold": 1,
                "node_verifier": note_verifier(f"{p}.jointzone.example"),
            }
            for p in PARTIES
        },
    }
    return {**data, **changes}


def amend(version: int = 2, **changes: Any) -> Data:
    content = seed_regime().canonical()
    content["version"] = version
    content.update(changes)
    return {"type": "regime.amend", "regime": content}


#: A party that joins the seed regime by amendment in these tests, named alike in every language.
JOINER = "third"
JOINER_NAMES = {"ja": "第三当事国", "ru": "Третья сторона", "en": "Third party"}


def with_joiner(content: Data, party: str = JOINER) -> Data:
    """Regime content with ``party`` added after the others: its names, a place name of its
    own for every place (both current parties' names side by side), and its turn last in
    the sequencer's order and every name order. Canonical, as an amendment must carry it."""
    content = {**content, "parties": [*content["parties"], {"id": party, "names": JOINER_NAMES}]}
    content["name_order"] = {lang: [*order, party] for lang, order in content["name_order"].items()}
    content["sequencer"] = {
        **content["sequencer"],
        "order": [*content["sequencer"]["order"], party],
    }
    places = []
    for place in content["places"]:
        names = place["names"]
        own = {
            lang: " / ".join(dict.fromkeys(names[p][lang] for p in PARTIES))
            for lang in names[PARTIES[0]]
        }
        places.append({**place, "names": {**names, party: own}})
    content["places"] = places
    return Regime.from_canonical(content).canonical()


def join(party: str = JOINER, version: int = 2, label: str = "1", **changes: Any) -> Data:
    """A regime.amend by which ``party`` joins, with one root key ``<party>-root-1`` and a node
    key of ``label`` that signs the note showing it is held."""
    origin = seed_regime().origin
    name = f"{party}.jointzone.example"
    signer = Signer.from_seed(name, hashlib.sha256(f"node {name} {label}".encode()).digest())
    spec = {
        "root_keys": [root_key(f"{party}-root-1")],
        "threshold": 1,
        "node_verifier": signer.verifier.vkey,
        "possession": sign_note(possession_text(origin, party), [signer]).to_bytes().decode(),
    }
    content = {**with_joiner(seed_regime().canonical(), party), "version": version}
    return {"type": "regime.amend", "regime": content, "joining": {party: spec}, **changes}


def appoint(party: str = "japan", official: str = "japan-inspector-2", **changes: Any) -> Data:
    return {
        "type": "official.appoint",
        "party": party,
        "official": official,
        "display_name": f"Official {official}",
        "roles": ["inspector"],
        "public_key": b64url(public_key(official)),
        **changes,
    }


def enterprise(enterprise: str = "jp-kelp", party: str = "japan", **changes: Any) -> Data:
    return {
        "type": "enterprise.register",
        "enterprise": enterprise,
        "party": party,
        "names": {"ja": "昆布株式会社", "en": "Kelp Co."},
        "registered_address": {"place": "nemuro-port"},
        "categories": ["aquaculture"],
        **changes,
    }


def participant(participant: str = "jp-diver", enterprise: str = "jp-aqua", **changes: Any) -> Data:
    return {
        "type": "participant.enrol",
        "participant": participant,
        "party": "japan",
        "names": {"ja": "佐藤花子", "ja-Latn": "Sato Hanako"},
        "enterprise": enterprise,
        **changes,
    }


def project(project: str = "shikotan-kelp", **changes: Any) -> Data:
    return {
        "type": "project.approve",
        "project": project,
        "category": "aquaculture",
        "title": {"ja": "昆布養殖", "ru": "Выращивание ламинарии", "en": "Kelp farming"},
        "sites": [{"place": "shikotan", "point": ["146.75", "43.8"]}],
        "enterprises": {"japan": ["jp-aqua"], "russia": ["ru-aqua"]},
        "participants": ["jp-worker", "ru-worker"],
        "conditions": [{"en": "Joint inspection each quarter.", "ru": "Совместная проверка."}],
        "valid_from": "2018-01-01T00:00:00Z",
        "valid_to": "2021-01-01T00:00:00Z",
        **changes,
    }


def report(report: str = "r-2019-q1", project: str = "shikotan-scallops", **changes: Any) -> Data:
    return {
        "type": "report.submit",
        "report": report,
        "project": project,
        "period": {"start": "2019-01-01", "end": "2019-03-31"},
        "indicators": {"harvest": {"scallop": "12.5", "kelp": "3.125"}},
        **changes,
    }


def decision(decision: str = "d-1", **changes: Any) -> Data:
    return {
        "type": "committee.decide",
        "decision": decision,
        "meeting_date": "2019-05-20",
        "subject": {"ja": "議題", "ru": "Тема", "en": "Subject"},
        "concerns": [{"kind": "project", "id": "shikotan-scallops"}],
        "text": {"ja": "決定文", "ru": "Текст решения", "en": "Decision text"},
        "minutes": {"en": "Minutes of the meeting."},
        **changes,
    }


def incident(incident: str = "i-1", **changes: Any) -> Data:
    return {
        "type": "incident.report",
        "incident": incident,
        "reported_by": "russia",
        "place": {"place": "furukamappu-yuzhno-kurilsk"},
        "occurred_at": "2019-05-31T22:00:00Z",
        "description": {"ru": "Повреждение причала.", "en": "A damaged pier."},
        "project": "shikotan-scallops",
        **changes,
    }


def key_act(party: str = "japan", label: str = "cert-japan", **changes: Any) -> dict[str, Any]:
    pk = public_key(label)
    return {
        "type": "certificate.key",
        "party": party,
        "key_id": certificate_key_id(pk),
        "public_key": b64url(pk),
        "retire": False,
        "compromised": False,
        **changes,
    }


def compromise(party: str = "japan", label: str = "cert-japan", **changes: Any) -> Data:
    return {
        "type": "certificate.compromise",
        "party": party,
        "key_id": certificate_key_id(public_key(label)),
        "reason": {"en": "The key's device was lost at sea."},
        **changes,
    }


def root_key(key_id: str) -> Data:
    """A root key as regime.adopt and party.rotate-root declare it; the key is the label's."""
    party = key_id.split("-root-", maxsplit=1)[0]
    return {"id": key_id, "public_key": b64url(public_key(f"{party} root {key_id[-1]}"))}


def rotate_root(
    party: str = "japan",
    keys: Sequence[str] = ("japan-root-2",),
    threshold: int = 1,
    **changes: Any,
) -> Data:
    """A party.rotate-root to the root keys ``keys`` (``<party>-root-<n>``: :func:`root_key`)."""
    return {
        "type": "party.rotate-root",
        "party": party,
        "root_keys": [root_key(k) for k in keys],
        "threshold": threshold,
        "compromised": [],
        **changes,
    }


def issue(certificate: str = "c-1", **changes: Any) -> dict[str, Any]:
    return {
        "type": "certificate.issue",
        "certificate": certificate,
        "participant": "jp-worker",
        "purpose": {"project": "shikotan-scallops", "category": "aquaculture"},
        "places": [{"place": "shikotan"}, {"place": "shakotan-malokurilskoye"}],
        "valid_from": "2019-06-01T00:00:00Z",
        "valid_to": "2019-07-01T00:00:00Z",
        **changes,
    }


def crossing(kind: str = "record", **changes: Any) -> dict[str, Any]:
    common = {
        "crossing_point": {"place": "furukamappu-yuzhno-kurilsk"},
        "direction": "in",
        "time": "2019-06-01T08:00:00Z",
        "vessel": "Etopirika",
    }
    if kind == "record":
        return {
            "type": "movement.record",
            "movement": "m-1",
            "certificate": "c-1",
            **common,
            **changes,
        }
    return {
        "type": "movement.manifest",
        "manifest": "v-1",
        "certificates": ["c-1", "c-2"],
        **common,
        **changes,
    }


def default_signers(act: Act) -> dict[str, list[str]]:
    """Who signs ``act`` in these tests: roots for root policies, one officer per party else."""
    if act.TYPE in ("regime.adopt", "regime.amend"):
        return ROOTS
    if act.own_party is not None:
        return {act.own_party: ROOTS[act.own_party]}
    if act.TYPE == "incident.report":
        party = act.to_data()["reported_by"]
        return {party: OFFICERS[party]}
    return OFFICERS


def snapshot(state: State) -> tuple[Any, ...]:
    """Everything a state holds, comparable: to show a rejected act changed nothing."""
    indexes = (
        state._live_projects_of_enterprise,
        state._live_projects_of_participant,
        state._enrolled_of_enterprise,
    )
    return (
        state.size,
        state.last_time,
        state.regime_history,
        dict(state.parties),
        dict(state.officials),
        dict(state.public_keys),
        dict(state.enterprises),
        dict(state.participants),
        dict(state.projects),
        dict(state.reports),
        dict(state.decisions),
        dict(state.incidents),
        dict(state.act_ids),
        tuple({k: frozenset(v) for k, v in index.items()} for index in indexes),
        {k: tuple(v) for k, v in state._periods.items()},
        dict(state.certificate_keys),
        dict(state.certificates),
        state.revoked,
        dict(state.movements),
        {k: tuple(v) for k, v in state._movements_of_certificate.items()},
    )


class Log:
    """A State and the next position, time and act id: apply act data as a log would."""

    def __init__(self) -> None:
        self.state = State()
        self.time = START
        #: What was applied: (data, signers, time, act id), for replaying elsewhere.
        self.entries: list[tuple[Data, Mapping[str, Sequence[str]], datetime, str]] = []

    def apply(
        self, data: Mapping[str, Any], signers: Mapping[str, Sequence[str]] | None = None
    ) -> Act:
        act = parse_act(data)
        signers = default_signers(act) if signers is None else signers
        act_id = f"act-{self.state.size}"
        apply(
            self.state,
            act,
            position=self.state.size,
            time=self.time,
            signers=signers,
            act_id=act_id,
        )
        self.entries.append((act.to_data(), signers, self.time, act_id))
        self.time += timedelta(minutes=1)
        return act

    def rejects(
        self,
        data: Mapping[str, Any],
        match: str,
        signers: Mapping[str, Sequence[str]] | None = None,
    ) -> ActRejected:
        """Apply ``data``, expecting a rejection whose message matches; the state is unchanged."""
        before = snapshot(self.state)
        with pytest.raises(ActRejected, match=match) as caught:
            self.apply(data, signers)
        assert snapshot(self.state) == before
        return caught.value


def adopted() -> Log:
    """A log with the seed regime adopted and one officer per party holding every role."""
    log = Log()
    log.apply(adopt())
    roles = [r.id for r in seed_regime().roles]
    for p in PARTIES:
        log.apply(appoint(p, f"{p}-officer", roles=roles, display_name=f"Officer of {p}"))
    return log


def world() -> Log:
    """:func:`adopted`, plus enterprises, participants and an aquaculture project on Shikotan.

    ``jp-aqua`` and ``ru-aqua`` (aquaculture, greenhouse), ``jp-tour`` and ``ru-tour`` (tourism);
    ``jp-worker`` and ``ru-worker``, enrolled with the aquaculture pair; project
    ``shikotan-scallops``, valid from 2018-01-01T00:00:00Z to 2021-01-01T00:00:00Z (excluded),
    with all four of those.
    """
    log = adopted()
    for p, prefix in (("japan", "jp"), ("russia", "ru")):
        log.apply(enterprise(f"{prefix}-aqua", p, categories=["aquaculture", "greenhouse"]))
        log.apply(enterprise(f"{prefix}-tour", p, categories=["tourism"]))
    log.apply(participant("jp-worker", "jp-aqua"))
    log.apply(
        participant(
            "ru-worker", "ru-aqua", party="russia", names={"ru": "Иван Петров", "en": "Ivan Petrov"}
        )
    )
    log.apply(project("shikotan-scallops"))
    return log
