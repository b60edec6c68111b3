"""An act as a reader sees it: each field under its label, each value in the reader's language.

Refs become names: a place by every party's names in the regime's order for the reader's
language (the renderer that keeps documents neutral), a party, category or role by the regime's
name for it, an enterprise or participant by its names in the log. Texts given in several
languages are all shown, each marked with its language, so nobody reads a translation as the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from jointzone import acts
from jointzone.cli._registries import View
from jointzone.consent import parse_time
from jointzone.web._i18n import Language
from jointzone.web._labels import LABELS, label

_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$")
_INSTANT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
_PARTIES = {"party", "parties", "origin_party", "reported_by"}
_CATEGORIES = {"category", "categories"}
_ROLES = {"roles", "role"}


@dataclass(frozen=True, slots=True)
class Shown:
    label: str
    value: Markup


def _code(text: object) -> Markup:
    return Markup('<code translate="no">{}</code>').format(text)


def _texts(texts: Mapping[str, Any]) -> Markup:
    items = Markup("").join(
        Markup('<li lang="{}"><span class="tag" translate="no">{}</span> {}</li>').format(
            lang, lang, value
        )
        for lang, value in texts.items()
    )
    return Markup('<ul class="texts">{}</ul>').format(items)


def _refs(value: object) -> bool:
    """A ref, or a list of refs: what the regime's names can show."""
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return isinstance(value, str)


def _is_texts(value: object) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and _LANGUAGE_TAG.match(k) for k in value)
        and all(isinstance(v, str) for v in value.values())
    )


class ActView:
    """Renders acts' values for one reader (``view`` is the registries' view of the regime)."""

    def __init__(self, view: View, lang: Language, state: acts.State) -> None:
        self.view = view
        self.lang = lang
        self.state = state

    def names_of(self, names: Mapping[str, str]) -> Markup:
        """Names in every script given, the reader's first."""
        ordered = sorted(
            names.items(), key=lambda kv: (not kv[0].startswith(self.lang.code), kv[0])
        )
        return Markup(" / ").join(
            Markup('<span lang="{}">{}</span>').format(k, v) for k, v in ordered
        )

    def value(self, key: str, value: Any) -> Markup:
        if value is None:
            return Markup('<span class="none">—</span>')
        if isinstance(value, dict) and "place" in value:
            shown = escape(self.view.place_name(str(value["place"])))
            point = value.get("point")
            if isinstance(point, list) and len(point) == 2:
                shown += Markup(' <span class="point" translate="no">({}, {})</span>').format(
                    *point
                )
            return shown
        if key == "regime" and isinstance(value, dict):
            return self.regime(value)
        if _refs(value):
            if key in _PARTIES:
                return escape(self.view.party()(value))
            if key in _CATEGORIES:
                return escape(self.view.category()(value))
            if key in _ROLES:
                return escape(self.view.role()(value))
        if key == "names" and _is_texts(value):
            return self.names_of(value)
        if _is_texts(value):
            return _texts(value)
        if key == "enterprise" and isinstance(value, str):
            e = self.state.enterprises.get(value)
            return self.names_of(e.names) + Markup(" ") + _code(value) if e else _code(value)
        if key == "participant" and isinstance(value, str):
            p = self.state.participants.get(value)
            return self.names_of(p.names) + Markup(" ") + _code(value) if p else _code(value)
        if isinstance(value, str) and _INSTANT.match(value):
            return escape(self.lang.time(parse_time(value, key)))
        if isinstance(value, bool):
            return escape(self.lang.gettext("yes") if value else self.lang.gettext("no"))
        if isinstance(value, int):
            return escape(self.lang.number(value))
        if isinstance(value, list):
            return Markup(", ").join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            rows = Markup("").join(
                Markup("<dt>{}</dt><dd>{}</dd>").format(self.key(k), self.value(k, v))
                for k, v in value.items()
            )
            return Markup('<dl class="nested">{}</dl>').format(rows)
        if isinstance(value, str) and " " not in value:
            return _code(value)
        return Markup('<span translate="no">{}</span>').format(value)

    def regime(self, regime: Mapping[str, Any]) -> Markup:
        """A regime an act adopts or amends: what it is, and the whole of it as the parties
        signed it (canonical JSON), folded."""
        parties = [p.get("id") for p in regime.get("parties", ()) if isinstance(p, dict)]
        # The catalogue's own text, with the regime's id as data beside it.
        summary = Markup(self.lang.gettext("Regime %(id)s, version %(version)s")) % {  # noqa: S704
            "id": Markup('<code translate="no">{}</code>').format(regime.get("id", "?")),
            "version": self.lang.number(int(regime.get("version", 0))),
        }
        if parties:
            summary += Markup(" · ") + escape(self.view.party()([str(p) for p in parties]))
        body = json.dumps(regime, ensure_ascii=False, indent=1, sort_keys=True)
        return Markup(
            '{}<details><summary>{}</summary><pre class="regime" translate="no">{}</pre></details>'
        ).format(summary, self.lang.gettext("The regime as signed"), body)

    def label(self, key: str) -> str:
        return label(key, self.lang)

    def key(self, key: str) -> Markup:
        """A key within a value: a field's label, a party's or an indicator's name, or else a
        ref of the record (a species, a crop) shown as the data it is."""
        if key in LABELS:
            return escape(self.label(key))
        if key in self.view.regime.party_ids:
            return escape(self.view.party()(key))
        name = self.view.indicator(key)
        if name is not None:
            return escape(name)
        return _code(key)

    def fields(self, act: Mapping[str, Any]) -> list[Shown]:
        return [Shown(self.label(k), self.value(k, v)) for k, v in act.items() if k != "type"]

    def time(self, t: datetime) -> str:
        return self.lang.time(t)
