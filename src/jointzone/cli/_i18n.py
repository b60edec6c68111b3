"""The command line's one message catalogue: every word a table shows, in the reader's language.

English is the source language; ``locale/<lang>/LC_MESSAGES/jointzone.po`` holds each other
language's translations. Code marks a message where it uses it — ``_("status")`` for a word it
shows, :func:`N_` and :func:`NC_` for words that reach a table as data (a record's status, a
place's kind), which are translated later through :meth:`Messages.word` — so Babel's extractor
finds every message, and a test fails when one has no translation. To add messages, mark them,
then add them to every ``.po`` file (``pybabel extract`` with :data:`KEYWORDS`, then
``pybabel update``), and translate them.

Only the ``.po`` files are kept. They are compiled in memory the first time a language is asked
for (milliseconds), so there is no build step, and no compiled ``.mo`` in the repository that
could say something other than the ``.po`` beside it.

Names of categories, roles and parties are not messages: the regime gives them in every
language, and the regime is what the parties agreed.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "jointzone"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
#: The marks Babel's extractor looks for, in its ``keywords`` form.
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "N_": None,
    "NC_": ((1, "c"), 2),
}


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name, which tools know
    """Mark ``message`` for the catalogue without translating it yet."""
    return message


def NC_(context: str, message: str) -> str:  # noqa: N802 - as N_
    """Mark ``message``, in ``context``, for the catalogue without translating it yet.

    A context tells apart one English word that other languages say differently: an incident
    that is ``open`` is unresolved, a proposal that is ``open`` still gathers signatures.
    """
    return message


class Messages:
    """The catalogue in one language; call it as ``_`` on a message to translate it."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def __call__(self, message: str) -> str:
        return self._translations.gettext(message)

    def word(self, context: str, message: str) -> str:
        """A word marked with :func:`NC_` in ``context`` (a status, a kind), translated."""
        return self._translations.pgettext(context, message)


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def messages(language: str) -> Messages:
    """The catalogue for ``language``; English (the source) for a language it has no file for."""
    path = catalogue_path(language)
    if language == SOURCE_LANGUAGE or not path.is_file():
        return Messages(language, gettext.NullTranslations())
    with path.open("rb") as f:
        catalog = read_po(f, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries left out, as msgfmt does
    compiled.seek(0)
    return Messages(language, gettext.GNUTranslations(compiled))
