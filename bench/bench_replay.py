"""State rebuild by replay: how many acts per second ``apply`` gets through (target ≥ 20,000).

Builds a log of plain act data shaped like a busy deployment of the seed regime — officials,
enterprises, participants, projects, then mostly reports, with incidents, decisions and
suspensions mixed in — and replays it into a fresh State twice: ``apply`` alone on parsed acts,
and ``parse_act`` + ``apply`` from the data, which is what a node rebuilding from its log does
(minus CBOR decoding and signature checks, which are the consent layer's).

    .venv/bin/python -m bench.bench_replay [--acts 100000]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.acts import Act, State, apply, parse_act
from jointzone.regime import Regime

SEED = Path(__file__).resolve().parent.parent / "regimes" / "seed"
PARTIES = ("japan", "russia")
TARGET = 20_000


def _raw_key(label: str) -> bytes:
    # Replay checks no signatures, but the record takes only keys someone could hold.
    seed = hashlib.sha256(label.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def _key(label: str) -> str:
    return base64.urlsafe_b64encode(_raw_key(label)).rstrip(b"=").decode()


def _verifier(name: str) -> str:
    key = b"\x01" + _raw_key("node " + name)
    key_hash = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex()
    return f"{name}+{key_hash}+{base64.b64encode(key).decode()}"


Entry = tuple[dict[str, Any], dict[str, list[str]]]


def build_log(regime: Regime, n_acts: int) -> list[Entry]:
    """``n_acts`` entries of (act data, signers), valid in order."""
    roots = {p: [f"{p}-root"] for p in PARTIES}
    officers = {p: [f"{p}-officer"] for p in PARTIES}
    log: list[Entry] = [
        (
            {
                "type": "regime.adopt",
                "regime": regime.canonical(),
                "parties": {
                    p: {
                        "root_keys": [{"id": f"{p}-root", "public_key": _key(p + " root")}],
                        "threshold": 1,
                        "node_verifier": _verifier(f"{p}.jointzone.example"),
                    }
                    for p in PARTIES
                },
            },
            roots,
        )
    ]
    roles = ["registrar", "project-officer", "inspector", "committee-member"]
    log += [
        (
            {
                "type": "official.appoint",
                "party": p,
                "official": f"{p}-officer",
                "display_name": f"Officer of {p}",
                "roles": roles,
                "public_key": _key(p + " officer"),
            },
            {p: roots[p]},
        )
        for p in PARTIES
    ]
    n_enterprises, n_projects = 100, 500
    for i in range(n_enterprises):
        for p in PARTIES:
            log.append(
                (
                    {
                        "type": "enterprise.register",
                        "enterprise": f"{p}-e{i}",
                        "party": p,
                        "names": {"en": f"Enterprise {i} of {p}"},
                        "registered_address": {"place": "shikotan", "point": ["146.75", "43.8"]},
                        "categories": ["aquaculture", "tourism"],
                    },
                    officers,
                )
            )
            log.append(
                (
                    {
                        "type": "participant.enrol",
                        "participant": f"{p}-w{i}",
                        "party": p,
                        "names": {"en": f"Worker {i}", "ja-Latn": f"Worker {i}"},
                        "enterprise": f"{p}-e{i}",
                    },
                    officers,
                )
            )
    for j in range(n_projects):
        i = j % n_enterprises
        log.append(
            (
                {
                    "type": "project.approve",
                    "project": f"project-{j}",
                    "category": "aquaculture",
                    "title": {"ja": f"事業{j}", "ru": f"Проект {j}", "en": f"Project {j}"},
                    "sites": [{"place": "shikotan", "point": ["146.75", "43.8"]}],
                    "enterprises": {p: [f"{p}-e{i}"] for p in PARTIES},
                    "participants": [f"{p}-w{i}" for p in PARTIES],
                    "conditions": [{"en": "Joint inspection every quarter."}],
                    "valid_from": "1900-01-01T00:00:00Z",
                    "valid_to": "2100-01-01T00:00:00Z",
                },
                officers,
            )
        )
    day = [date(1900, 1, 1)] * n_projects
    k = 0
    while len(log) < n_acts:
        j = k % n_projects
        kind = k % 20
        if kind == 0:
            log.append(_incident(k, j, officers))
            log.append(
                (
                    {
                        "type": "incident.resolve",
                        "incident": f"i{k}",
                        "resolution": {"en": "Done."},
                    },
                    officers,
                )
            )
        elif kind == 1:
            log.append(
                (
                    {
                        "type": "committee.decide",
                        "decision": f"d{k}",
                        "meeting_date": "2099-01-01",
                        "subject": {"ja": "件名", "ru": "Тема", "en": "Subject"},
                        "concerns": [{"kind": "project", "id": f"project-{j}"}],
                        "text": {"ja": "決定", "ru": "Решение", "en": "Decision"},
                        "minutes": {"en": "Minutes."},
                    },
                    officers,
                )
            )
        elif kind == 2:
            log.append(
                (
                    {
                        "type": "project.suspend",
                        "project": f"project-{j}",
                        "reason": {"en": "Storm."},
                    },
                    officers,
                )
            )
            log.append(({"type": "project.resume", "project": f"project-{j}"}, officers))
        else:
            start = day[j]
            day[j] = start + timedelta(days=7)
            log.append(
                (
                    {
                        "type": "report.submit",
                        "report": f"r{k}",
                        "project": f"project-{j}",
                        "period": {
                            "start": start.isoformat(),
                            "end": (start + timedelta(days=6)).isoformat(),
                        },
                        "indicators": {
                            "harvest": {"scallop": f"{k % 97}.125", "kelp": str(k % 13)}
                        },
                        "notes": None,
                    },
                    officers,
                )
            )
        k += 1
    return log[:n_acts]


def _incident(k: int, j: int, signers: dict[str, list[str]]) -> Entry:
    return (
        {
            "type": "incident.report",
            "incident": f"i{k}",
            "reported_by": "japan",
            "place": {"place": "nemuro-port"},
            "occurred_at": "2099-01-01T00:00:00Z",
            "description": {"en": "A minor incident."},
            "project": f"project-{j}",
        },
        signers,
    )


def _times(start: datetime) -> Iterator[datetime]:
    t = start
    step = timedelta(seconds=1)
    while True:
        yield t
        t += step


def replay(entries: list[tuple[Act, dict[str, list[str]]]]) -> State:
    state = State()
    times = _times(datetime(2100, 1, 1, tzinfo=UTC))
    for position, (act, signers) in enumerate(entries):
        apply(
            state,
            act,
            position=position,
            time=next(times),
            signers=signers,
            act_id=f"act-{position}",
        )
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acts", type=int, default=100_000)
    args = parser.parse_args()

    regime = Regime.from_dir(SEED)
    log = build_log(regime, args.acts)

    t0 = time.perf_counter()
    acts = [(parse_act(data), signers) for data, signers in log]
    parse_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    state = replay(acts)
    apply_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    replay([(parse_act(data), signers) for data, signers in log])
    both_s = time.perf_counter() - t0

    n = len(log)
    print(
        f"replay of {n:,} acts ({len(state.reports):,} reports, {len(state.projects):,} projects)"
    )
    for label, seconds in (
        ("parse_act", parse_s),
        ("apply", apply_s),
        ("parse_act + apply", both_s),
    ):
        rate = n / seconds
        print(
            f"  {label:<18} {rate:>10,.0f} acts/s   ({rate / TARGET:.1f}x the {TARGET:,}/s target)"
        )


if __name__ == "__main__":
    main()
