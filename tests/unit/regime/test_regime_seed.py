"""The seed regime as shipped: the facts of facts/ZONE.md, as data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from regime_factory import SEED

from jointzone.regime import Regime, UnknownRefError


@pytest.fixture(scope="module")
def seed() -> Regime:
    return Regime.from_dir(SEED)


def test_identity(seed: Regime) -> None:
    assert (seed.id, seed.version, seed.origin) == ("seed", 1, "jointzone.example/seed-regime")
    assert seed.languages == ("ja", "ru", "en")
    assert seed.party_ids == ("japan", "russia")
    assert seed.party("japan").names == {"ja": "日本", "ru": "Япония", "en": "Japan"}
    assert seed.party("russia").names["ru"] == "Россия"
    assert seed.proposal_expiry == timedelta(days=30)


def test_categories_with_their_indicators(seed: Regime) -> None:
    assert [c.id for c in seed.categories] == [
        "aquaculture",
        "greenhouse",
        "tourism",
        "wind-power",
        "waste-reduction",
    ]
    assert seed.category("aquaculture").names["ja"] == "海産物の共同増養殖"
    assert seed.category("waste-reduction").names["ru"] == "утилизация мусора"
    units = {
        c.id: [(i.id, i.unit, i.value, i.by.id if i.by else None) for i in c.indicators]
        for c in seed.categories
    }
    assert units == {
        "aquaculture": [("harvest", "t", "decimal", "species")],
        "greenhouse": [("area", "m2", "decimal", "crop"), ("yield", "t", "decimal", "crop")],
        "tourism": [("visitors", "persons", "integer", None)],
        "wind-power": [("energy", "kWh", "integer", None)],
        "waste-reduction": [("volume-reduced", "m3", "decimal", None)],
    }
    with pytest.raises(UnknownRefError, match="has no category 'mining'"):
        seed.category("mining")


def test_roles_and_policies(seed: Regime) -> None:
    assert [r.id for r in seed.roles] == [
        "registrar",
        "project-officer",
        "inspector",
        "committee-member",
        "border-officer",
        "certificate-issuer",
    ]
    approve = seed.policy("project.approve")
    assert (approve.consent, approve.threshold, approve.roles) == (
        "every-party",
        {"japan": 1, "russia": 1},
        ("project-officer",),
    )
    assert seed.policy("incident.report").consent == "any-party"
    assert seed.policy("official.appoint").by_root
    assert seed.policy("regime.amend").consent == "every-party-root"
    with pytest.raises(UnknownRefError, match=r"no policy for act type 'project\.launch'"):
        seed.policy("project.launch")


def test_crossing_points(seed: Regime) -> None:
    assert [(c.place, c.kind) for c in seed.crossing_points] == [
        ("nemuro-port", "sea"),
        ("furukamappu-yuzhno-kurilsk", "sea"),
        ("shana-kurilsk", "sea"),
        ("tennei-burevestnik", "air"),
    ]
    assert seed.crossing_point("tennei-burevestnik").kind == "air"
    with pytest.raises(UnknownRefError):
        seed.crossing_point("shikotan")


def test_name_order(seed: Regime) -> None:
    assert seed.name_order("ja") == ("japan", "russia")
    assert seed.name_order("ru") == ("russia", "japan")
    assert seed.name_order("en") == ("japan", "russia")
    with pytest.raises(UnknownRefError, match="no name order for language 'fr'"):
        seed.name_order("fr")


def test_gazetteer_and_outlines(seed: Regime) -> None:
    g = seed.gazetteer
    assert "etorofu-iturup" in g
    assert "nemuro-port" in g
    assert g.place("kunashiri-kunashir").name("russia", "en") == "Kunashir"
    outlined = {o.ref for o in g.outlines}
    assert {"etorofu-iturup", "kunashiri-kunashir", "shikotan", "nemuro-peninsula"} <= outlined
    assert g.outline("akiyuri-anuchina") is None
    assert next(o for o in g.outlines if o.ref == "nemuro-peninsula").kind == "context"
    west, south, east, north = g.outline("shikotan").bbox  # type: ignore[union-attr]
    assert west < 146.75 < east
    assert south < 43.8 < north


@pytest.mark.parametrize(
    ("ref", "lon", "lat", "inside"),
    [
        ("shikotan", 146.75, 43.80, True),
        ("shikotan", 145.96, 44.17, False),  # Kunashiri/Kunashir's centre
        ("habomai", 146.13, 43.50, True),  # on Shibotsu/Zelyony, a sub-place
        ("habomai", 146.75, 43.80, False),
        ("akiyuri-anuchina", 146.00, 43.37, True),  # no outline: near its centre
        ("akiyuri-anuchina", 146.10, 43.37, False),
        ("furukamappu-yuzhno-kurilsk", 145.86, 44.03, True),
        ("kunashiri-kunashir", 145.86, 44.03, True),
        ("etorofu-iturup", 147.84, 45.05, True),
    ],
)
def test_contains(seed: Regime, ref: str, lon: float, lat: float, inside: bool) -> None:
    assert seed.gazetteer.contains(ref, lon, lat) is inside


def test_every_settlement_lies_in_its_parent(seed: Regime) -> None:
    for place in seed.gazetteer:
        if place.parent is not None:
            assert seed.gazetteer.contains(place.parent, *place.centre), place.ref
