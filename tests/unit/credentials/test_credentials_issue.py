"""Claims from the log's record: one pure function, the same bytes on every node."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jointzone.cose import encode_deterministic
from jointzone.credentials import (
    InvalidClaimsError,
    ParticipantName,
    certificate_claims,
    names_by_script,
    script_of,
)
from jointzone.regime import Regime

REGIME = Regime.from_dir(Path(__file__).parents[3] / "regimes" / "seed")


@pytest.mark.parametrize(
    ("tag", "script"),
    [("ja", "Jpan"), ("ja-Latn", "Latn"), ("ru", "Cyrl"), ("ru-Latn", "Latn"), ("en", "Latn")],
)
def test_script_of_a_tag(tag: str, script: str) -> None:
    assert script_of(tag) == script


def test_unknown_language_or_script_is_refused() -> None:
    with pytest.raises(InvalidClaimsError, match="expected a script subtag or a language"):
        script_of("xx")
    with pytest.raises(InvalidClaimsError, match="expected a script of"):
        script_of("ja-Zzzz")


def test_a_tag_naming_its_script_wins_whatever_the_order() -> None:
    names = {"en": "Demo Name", "ja-Latn": "DEMO Name", "ja": "デモ"}
    expected = (ParticipantName("Latn", "DEMO Name"), ParticipantName("Jpan", "デモ"))
    assert names_by_script(names) == expected
    assert names_by_script(dict(reversed(names.items()))) == expected


def _claims(**names: str) -> bytes:
    claims = certificate_claims(
        REGIME,
        certificate="tour19-01",
        names=names or {"ja": "青木 晴美", "ja-Latn": "AOKI Harumi"},
        party="japan",
        project=4,
        category="tourism",
        places=["furukamappu-yuzhno-kurilsk", "shana-kurilsk"],
        valid_from=datetime(2019, 10, 27, tzinfo=UTC),
        valid_to=datetime(2019, 11, 3, tzinfo=UTC),
        issued_at=datetime(2019, 10, 20, 1, 1, tzinfo=UTC),
    )
    assert claims.places == (11, 12)
    assert claims.category == 3
    assert claims.issuer == "seed"
    return encode_deterministic(claims.to_cwt())


def test_same_record_same_bytes() -> None:
    assert _claims() == _claims()
    assert _claims(ja="青木 晴美", **{"ja-Latn": "AOKI Harumi"}) == _claims(
        **{"ja-Latn": "AOKI Harumi"}, ja="青木 晴美"
    )
