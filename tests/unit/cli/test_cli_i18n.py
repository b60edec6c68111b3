"""The message catalogue: every message the command line marks has a Japanese and a Russian
translation, and nothing else is in the catalogues."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from jointzone.acts import Enterprise, Incident, Movement, Participant, Project
from jointzone.cli._i18n import KEYWORDS, catalogue_path, messages
from jointzone.regime import CrossingPoint, Place

CLI = Path(__file__).parents[3] / "src" / "jointzone" / "cli"
LANGUAGES = ("ja", "ru")

# Words a record holds as data, and the context the tables translate them in.
VOCABULARIES: list[tuple[type[Any], str, str]] = [
    (Enterprise, "status", "enterprise"),
    (Participant, "status", "participant"),
    (Project, "status", "project"),
    (Incident, "status", "incident"),
    (Movement, "kind", "movement"),
    (Movement, "direction", "movement"),
    (Place, "kind", "place"),
    (CrossingPoint, "kind", "crossing"),
]


def used() -> dict[tuple[str | None, str], str]:
    """Every message the code marks, by (context, msgid), with where it is first used."""
    found: dict[tuple[str | None, str], str] = {}
    for name, line, message, _comments, context in extract_from_dir(
        CLI, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        assert isinstance(message, str), f"{name}:{line}: plural messages are not used here"
        found.setdefault((context, message), f"{name}:{line}")
    return found


def catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as f:
        return read_po(f, locale=language, abort_invalid=True)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_code_marks_messages() -> None:
    # The extractor finds what it should: were the keywords wrong, every check below would pass.
    messages_ = used()
    assert len(messages_) > 50
    assert (None, "status") in messages_
    assert ("incident", "open") in messages_


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_used_has_a_translation(language: str) -> None:
    cat = catalogue(language)
    missing = []
    for (context, msgid), where in used().items():
        entry = cat.get(msgid, context=context)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"{where}: {msgid!r} (context {context!r})")
    assert not missing, f"untranslated in {catalogue_path(language)}:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_only_messages_in_use(language: str) -> None:
    in_use = set(used())
    stale = [
        (m.context, m.id) for m in catalogue(language) if m.id and (m.context, m.id) not in in_use
    ]
    assert not stale, f"{catalogue_path(language)} translates messages no code uses: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    wrong = [
        f"{m.id!r} -> {m.string!r}"
        for m in catalogue(language)
        if m.id and isinstance(m.id, str) and isinstance(m.string, str)
        if fields(m.id) != fields(m.string)
    ]
    assert not wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_are_in_the_language_not_english(language: str) -> None:
    latin = [
        f"{m.id!r} -> {m.string!r}"
        for m in catalogue(language)
        if m.id and isinstance(m.string, str)
        if re.search("[A-Za-z]", re.sub(r"\{[a-z]+\}", "", m.string))
    ]
    assert not latin


@pytest.mark.parametrize(("record", "field", "context"), VOCABULARIES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_word_a_record_can_hold_is_translated(
    record: type[Any], field: str, context: str, language: str
) -> None:
    words = get_args(get_type_hints(record)[field])
    assert words, f"{record.__name__}.{field} is no longer a Literal: list its words another way"
    untranslated = [w for w in words if messages(language).word(context, w) == w]
    assert not untranslated, f"{record.__name__}.{field}: {untranslated} ({context!r})"


def test_contexts_tell_one_english_word_apart() -> None:
    ja = messages("ja")
    assert ja.word("incident", "open") != ja.word("proposal", "open")
    assert ja("status") == "状態"


def test_english_and_languages_without_a_catalogue_are_the_source_text() -> None:
    for language in ("en", "ko"):
        m = messages(language)
        assert m("status") == "status"
        assert m.word("incident", "open") == "open"
