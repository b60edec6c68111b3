"""The one renderer: every party's name in the agreed order; one name where they agree."""

from __future__ import annotations

import pytest

from jointzone.neutrality import Audience, NameRenderer, RenderError, render_name
from jointzone.regime._gazetteer import Gazetteer

NAME_ORDER = {"ja": ["japan", "russia"], "ru": ["russia", "japan"], "en": ["japan", "russia"]}


@pytest.mark.parametrize(
    ("ref", "language", "expected"),
    [
        ("etorofu-iturup", "en", "Etorofu/Iturup"),
        ("etorofu-iturup", "ru", "Итуруп/Эторофу"),
        ("etorofu-iturup", "ja", "択捉島/イトゥルップ島"),
        ("kunashiri-kunashir", "en", "Kunashiri/Kunashir"),
        ("furukamappu-yuzhno-kurilsk", "ru", "Южно-Курильск/Фурукамаппу"),
        ("shikotan", "en", "Shikotan"),
        ("shikotan", "ja", "色丹島"),
        ("habomai", "ru", "острова Хабомаи"),
    ],
)
def test_render(gazetteer: Gazetteer, ref: str, language: str, expected: str) -> None:
    renderer = NameRenderer(NAME_ORDER)
    assert renderer.render(gazetteer.place(ref), Audience(language, "japan")) == expected
    assert renderer.render(gazetteer.place(ref), Audience(language, "russia")) == expected
    assert render_name(gazetteer.place(ref), language, NAME_ORDER) == expected


def test_order_is_data(gazetteer: Gazetteer) -> None:
    reversed_order = {"en": ["russia", "japan"]}
    assert render_name(gazetteer.place("etorofu-iturup"), "en", reversed_order) == "Iturup/Etorofu"


def test_replace_keeps_a_declined_form(gazetteer: Gazetteer) -> None:
    renderer = NameRenderer(NAME_ORDER)
    place = gazetteer.place("etorofu-iturup")
    assert renderer.render(place, "ru", replace={"russia": "Итурупе"}) == "Итурупе/Эторофу"


def test_unknown_language_or_party_is_an_error(gazetteer: Gazetteer) -> None:
    renderer = NameRenderer(NAME_ORDER)
    place = gazetteer.place("etorofu-iturup")
    with pytest.raises(RenderError, match="no name order for language 'de'"):
        renderer.render(place, "de")
    with pytest.raises(RenderError, match="reader's party 'china'"):
        renderer.render(place, Audience("en", "china"))
    with pytest.raises(RenderError, match="every party once"):
        NameRenderer({"en": ["japan", "japan"]})


def test_terms_in_order() -> None:
    renderer = NameRenderer(NAME_ORDER)
    terms = {"japan": "Northern Territories", "russia": "Southern Kurils"}
    assert renderer.render_terms(terms, "en") == "Northern Territories/Southern Kurils"
    assert renderer.render_terms(terms, "ru") == "Southern Kurils/Northern Territories"
