"""The checker's rules, one by one, on sentences that show each subtlety."""

from __future__ import annotations

import dataclasses

import pytest

from jointzone.neutrality import Checker, FieldFinding, Finding, Rule

A, B, C, D, E = list(Rule)


def rules(checker: Checker, text: str) -> list[tuple[str, str]]:
    return [(f.rule.letter, f.words) for f in checker.check(text) if f.blocking]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # (a) one side's name alone — and the ways of giving the other alongside
        ("The team landed on Iturup.", [("a", "Iturup")]),
        ("The team landed on Etorofu/Iturup.", []),
        ("The team landed on Etorofu (Iturup).", []),
        ("The airport on the island of Etorofu, called Iturup by Russia.", []),
        ("Shikotan has a cannery.", []),  # the same name for both
        ("Делегация прибыла на Итуруп.", [("a", "Итуруп")]),
        ("Проект на Итурупе одобрен.", [("a", "Итурупе")]),
        ("Проект на Итурупе/Эторофу одобрен.", []),
        ("Эторофу посетили туристы.", [("a", "Эторофу")]),
        ("На острове Танфильева есть маяк.", [("a", "острове Танфильева")]),
        ("択捉島で調査が行われた。", [("a", "択捉島")]),
        ("択捉島（イトゥルップ島）で調査が行われた。", []),
        ("The delegation flew to Kunashiri-tō.", [("a", "Kunashiri-tō")]),
        ("The delegation flew to Kunashiri-to/Kunashir.", []),
        # ambiguous names: a person, a common word, a list
        ("Yuri Trutnev met officials on Kunashiri/Kunashir.", []),
        ("水晶のネックレスを買った。", []),
        (
            "水晶、勇留、志発の各島は歯舞群島に属する。",
            [("a", "水晶"), ("a", "勇留"), ("a", "志発")],
        ),
        # not part of a longer name
        ("Severo-Kurilsk is on Paramushir.", []),
        # (b) administrative units
        (
            "Greenhouses will be built in the Yuzhno-Kurilsky District.",
            [("b", "Yuzhno-Kurilsky District")],
        ),
        ("В Южно-Курильском районе построят теплицы.", [("b", "Южно-Курильском районе")]),
        ("Shikotan, Sakhalin Oblast, has a cannery.", [("b", "Shikotan, Sakhalin Oblast")]),
        ("The governor of Sakhalin Oblast visited Shikotan.", []),
        ("泊村には原子力発電所がある。", []),
        ("国後島の泊村に墓地がある。", [("b", "国後島の泊村")]),
        ("色丹島はサハリン州に属する。", [("b", "色丹島はサハリン州")]),
        ("The ship left Nemuro port for Kunashiri/Kunashir.", []),
        ("Nemuro Subprefecture promotes dairy farming.", []),
        ("根室振興局管内の色丹島で事業が行われる。", [("b", "根室振興局管内の色丹島")]),
        # (c) collective terms
        ("The Northern Territories are disputed.", [("c", "Northern Territories")]),
        (
            "Called the Northern Territories in Japan and the Southern Kurils in Russia, "
            "the islands are disputed.",
            [],
        ),
        ("Australia's Northern Territory is hot.", []),
        ("На Курилах прошли учения.", [("c", "Курилах")]),
        ("Северные Курилы не входят в зону.", []),
        ("Paramushir is in the Kuril Islands.", []),
        # (d) possessive and adjectival attribution
        ("Russia's Kunashir has a port.", [("d", "Russia's Kunashir")]),
        (
            "The Japanese island of Etorofu/Iturup is large.",
            [("d", "Japanese island of Etorofu/Iturup")],
        ),
        ("Российский остров Итуруп привлекает туристов.", [("d", "Российский остров Итуруп")]),
        ("日本の択捉島には空港がある。", [("d", "日本の択捉島")]),
        ("Iturup/Etorofu, Russia, has an airport.", [("d", "Iturup/Etorofu, Russia")]),
        ("A Japanese-Russian survey of Shikotan was held.", []),
        ("Russian officials on Kunashiri/Kunashir met the visitors.", []),
        ("On Shikotan, Russia and Japan agreed to farm sea urchins.", []),
        # (e) claim language
        ("The islands are illegally occupied.", [("e", "illegally occupied")]),
        ("北方四島は日本固有の領土だ。", [("c", "北方四島"), ("e", "日本固有の")]),
        ("Курилы — исконно российские земли.", [("c", "Курилы"), ("e", "исконно российские")]),
        ("Japan seeks the return of the islands.", [("e", "the return of the islands")]),
        ("Russian territory begins at the border post in Kamchatka.", []),
        ("Japan's northernmost main island is Hokkaido.", []),
    ],
)
def test_rules(checker: Checker, text: str, expected: list[tuple[str, str]]) -> None:
    assert rules(checker, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        'The Russian delegation said: "The Southern Kurils are Russian territory."',
        '"The islands were liberated in 1945," the Russian co-chair stated.',
        "ロシア側は「南クリル諸島はロシアの領土だ」と述べた。",
        "Российская делегация заявила: «Южные Курилы — исконно российская земля».",
        "[quote=japan]北方四島の返還を求める。[/quote]",
    ],
)
def test_attributed_quotations_do_not_block(checker: Checker, text: str) -> None:
    findings = checker.check(text)
    assert findings
    assert all(f.attributed and f.attributed_to is not None for f in findings)
    assert not [f for f in findings if f.blocking]


def test_quotation_without_a_speaker_is_not_attributed(checker: Checker) -> None:
    findings = checker.check('The so-called "Northern Territories" dispute is old.')
    assert [(f.rule, f.attributed) for f in findings] == [(C, False)]


def test_a_finding_says_what_and_what_instead(checker: Checker) -> None:
    (f,) = checker.check("Проект на Итурупе одобрен.")
    assert f == Finding(
        rule=A,
        start=10,
        end=17,
        words="Итурупе",
        message="'Итурупе' is Russia's name alone; give Japan's 'Эторофу' alongside it",
        suggestion="Итурупе/Эторофу",
        attributed=False,
        language="ru",
        party="russia",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.start = 0  # type: ignore[misc]


def test_offsets_and_language_in_mixed_text(checker: Checker) -> None:
    text = "Etorofu (Итуруп) is large. 国後島は近い。 На Кунашире тоже."
    found = checker.check(text)
    assert [(text[f.start : f.end], f.language) for f in found] == [
        ("国後島", "ja"),
        ("Кунашире", "ru"),
    ]
    assert found[0].suggestion == "国後島/クナシル島"


def test_forced_language(checker: Checker) -> None:
    (f,) = checker.check("Etorofu.", language="ru")
    assert f.language == "ru"


def test_check_fields_and_gate(checker: Checker) -> None:
    fields = {
        "title": "Greenhouse project on Etorofu/Iturup",
        "site": "Yuzhno-Kurilsky District",
        "minutes": 'The Japanese side said: "The Northern Territories are Japan\'s."',
    }
    found = checker.check_fields(fields)
    assert [(ff.field, ff.finding.rule, ff.blocking) for ff in found] == [
        ("site", B, True),
        ("minutes", C, False),
    ]
    assert checker.gate(fields) == [ff for ff in found if ff.blocking]
    assert isinstance(found[0], FieldFinding)
    assert checker.gate({"title": "Greenhouse project on Etorofu/Iturup"}) == []


def test_gate_gives_the_same_findings_again_each_caller_its_own_list(checker: Checker) -> None:
    fields = {"site": "Yuzhno-Kurilsky District"}
    first = checker.gate(fields)
    assert [(ff.field, ff.finding.rule) for ff in first] == [("site", B)]
    first.clear()  # a caller's list is its own: the answer kept is not changed by it
    again = checker.gate(dict(fields))
    assert [(ff.field, ff.finding.rule) for ff in again] == [("site", B)]
    assert again == checker.check_fields(fields)
    # Fields too long to keep an answer for are checked each time, alike.
    long = {"minutes": "Yuzhno-Kurilsky District. " + "Greenhouses. " * 400}
    assert [ff.finding.rule for ff in checker.gate(long)] == [B]
    assert [ff.finding.rule for ff in checker.gate(long)] == [B]


def test_index_is_built_once(checker: Checker, gazetteer: object, lexicon: object) -> None:
    again = Checker.for_regime(gazetteer, lexicon, {"en": ["japan", "russia"]})  # type: ignore[arg-type]
    assert again._index is checker._index
