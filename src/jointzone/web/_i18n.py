"""The web app's languages: which one a request is answered in, its catalogue, its formats.

English is the source language; ``locale/<lang>/LC_MESSAGES/*.po`` hold Japanese and Russian, a
file per part of the app, read together as one catalogue.
As for the command line, only the ``.po`` files are kept and each is compiled in memory the
first time it is asked for, so no compiled catalogue can drift from its source.

The language of a request is, in order: a ``lang`` query parameter (the switcher's links, which
also set the cookie), the ``jz-lang`` cookie, the browser's ``Accept-Language``, then English.
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

DOMAIN = "web"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ja", "ru", "en")
SOURCE = "en"
COOKIE = "jz-lang"


@dataclass(frozen=True, slots=True)
class Language:
    """One language's catalogue and formats, as a page's template uses them."""

    code: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def time(self, t: datetime) -> str:
        """A moment in this locale's medium format, in UTC, saying so."""
        return _time(t, t.utcoffset(), self.code)

    def number(self, n: int | Decimal | float) -> str:
        return _number(n, type(n).__name__, self.code)

    @property
    def name(self) -> str:
        """The language's own name for itself (日本語, русский, English)."""
        return _name(self.code)


@functools.lru_cache(maxsize=4096)
def _number(n: int | Decimal | float, kind: str, code: str) -> str:
    # As _time: a registry page formats a number in most of its rows. The type is part of the
    # key, as 1, 1.0 and Decimal("1.0") are equal keys that need not print alike.
    return format_decimal(n, locale=code)


@functools.cache
def _name(code: str) -> str:
    return Locale.parse(code).get_display_name(code) or code


@functools.lru_cache(maxsize=4096)
def _time(t: datetime, offset: timedelta | None, code: str) -> str:
    # Babel's formatting takes tens of microseconds, and a page shows the same few moments
    # (when each act was proposed, when it expires) request after request. Equal moments of
    # other offsets are equal datetimes: the offset is part of the key.
    return f"{format_datetime(t, 'medium', tzinfo=t.tzinfo, locale=code)} UTC"


def catalogue_files(code: str) -> list[Path]:
    """The ``.po`` files of ``code``: one per part of the app, read as one catalogue."""
    return sorted((LOCALE_DIR / code / "LC_MESSAGES").glob("*.po"))


@functools.cache
def language(code: str) -> Language:
    """The catalogue for ``code`` (one of :data:`LANGUAGES`)."""
    if code not in LANGUAGES:
        raise ValueError(f"language {code!r}: expected one of {', '.join(LANGUAGES)}")
    if code == SOURCE:
        return Language(code, gettext.NullTranslations())
    catalog = Catalog(locale=code, domain=DOMAIN)
    for path in catalogue_files(code):
        with path.open("rb") as f:
            for message in read_po(f, locale=code, domain=DOMAIN):
                if message.id:
                    catalog[message.id] = message
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Language(code, gettext.GNUTranslations(compiled))


def negotiate(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language to answer in (see the module docstring)."""
    for chosen in (query, cookie):
        if chosen in LANGUAGES:
            return chosen
    for tag in _accepted(accept or ""):
        primary = tag.split("-", 1)[0].lower()
        if primary in LANGUAGES:
            return primary
    return SOURCE


def _accepted(header: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (RFC 9110 §12.5.4)."""
    weighted: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, i, tag))
    return [tag for _, _, tag in sorted(weighted)]
