"""Every message the web app shows has its Japanese and Russian translation, said once."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from jointzone.web import _i18n

WEB = Path(_i18n.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        WEB, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_app_has_messages_to_translate() -> None:
    messages = _messages()
    assert "Inbox" in messages
    assert "Awaiting my signature" in messages
    assert len(messages) > 100


@pytest.mark.parametrize("code", ["ja", "ru"])
def test_every_message_is_translated(code: str) -> None:
    translations = {}
    for path in _i18n.catalogue_files(code):
        with path.open("rb") as f:
            for m in read_po(f, locale=code):
                if m.id:
                    msgid = str(m.id[0] if isinstance(m.id, (tuple, list)) else m.id)
                    assert msgid not in translations, f"{msgid!r} is translated twice ({path.name})"
                    assert not m.fuzzy, f"{path.name}: {msgid!r} is marked fuzzy"
                    translations[msgid] = m.string[0] if isinstance(m.string, tuple) else m.string
    missing = sorted(m for m in _messages() if not translations.get(m))
    assert not missing, f"{code}: {len(missing)} messages without a translation: {missing[:20]}"
    # Placeholders survive translation: a lost %(name)s would show the wrong figure or none.
    for msgid, text in translations.items():
        for name in {p for p in msgid.split("%(")[1:]}:
            key = "%(" + name.split(")")[0] + ")"
            assert key in str(text), f"{code}: {msgid!r} lost {key}"


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("ru", "ja", "en", "ru"),
        (None, "ja", "ru", "ja"),
        (None, None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, None, "fr-FR, ja;q=0.5, en;q=0.4", "ja"),
        (None, None, "en;q=0.1, ja;q=0", "en"),
        ("xx", "yy", "de", "en"),
        (None, None, None, "en"),
    ],
)
def test_language_negotiation(
    query: str | None, cookie: str | None, accept: str | None, expected: str
) -> None:
    assert _i18n.negotiate(query, cookie, accept) == expected


def test_formats_follow_the_locale() -> None:
    assert _i18n.language("ru").number(1234567) == "1\xa0234\xa0567"
    assert _i18n.language("ja").number(1234567) == "1,234,567"
    assert _i18n.language("ja").gettext("Inbox") == "受信箱"
