"""Forms for proposing acts, made from the act models: a widget for every field of every act type.

Nothing here is written per act type. A form is walked out of the act's pydantic model — its
fields, their annotations and constraints — the way ``jointzone act schema`` walks the same
models into JSON Schema, so a field added to a model has its widget the day it is written (and
a test fails for a field of a shape no widget knows):

- a ref that names something of the regime or the record is a picker, never free text: places
  from the gazetteer (each labelled with every party's names, in the regime's order for the
  reader; in the zone first, then outside it), crossing points, parties, categories, roles, and
  the enterprises, projects, participants, certificates, movements, incidents and officials the
  node's state holds; a list of refs is a multiple choice. Which registry a ref names is read
  from the field's name, as :mod:`jointzone.web._render` reads it; the one ref of an act that
  names the record the act creates (``enterprise`` in ``enterprise.register``) is typed in as a
  new id instead, which :data:`ACT_TYPE_TEXTS` says;
- texts (names, titles, free text) get one input per regime language, and names also one per
  Latin transcription a non-Latin language needs (``ja-Latn``, ``ru-Latn``), each marked with its
  language and checked for neutrality as it is typed (``static/app.js``, ``liveCheck``);
- days and moments are date and date-time inputs, in UTC, sent as the act's canonical
  ``YYYY-MM-DD`` and ``YYYY-MM-DDTHH:MM:SSZ``; decimals are text (``inputmode=decimal``), counts
  are numbers, a point is a longitude and latitude pair;
- parts of an act (a period, a purpose) are fieldsets, and lists of parts (sites, conditions, a
  report's figures broken down by species) are fieldsets of rows.

:func:`parse_form` turns a posted form back into act data and says what is wrong beside the field
it concerns: our own conversion messages in the reader's language; pydantic's and the rules'
messages, which are English, behind a translated lead-in (:class:`FieldError`); and the
neutrality gate's findings, in the reader's language.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from types import NoneType, UnionType
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

from babel import Locale
from babel.core import get_global
from babel.numbers import get_decimal_symbol
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from jointzone import acts
from jointzone.acts import _reports, _types
from jointzone.cli._registries import View
from jointzone.regime import Regime
from jointzone.regime._model import REF_PATTERN
from jointzone.regime._validation import ProblemsError
from jointzone.web._i18n import Language
from jointzone.web._labels import LABELS, N_, label

# -- what each act type is called ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActTypeText:
    """An act type as the pages name it: a title and a line saying what it does (catalogue
    messages: the models' docstrings are English), and the field naming the record it creates."""

    title: str
    summary: str
    creates: str | None = None


ACT_TYPE_TEXTS: Mapping[str, ActTypeText] = {
    "regime.adopt": ActTypeText(
        N_("Adopt the regime"),
        N_("The first act of the log: the regime's content and every party's root keys."),
    ),
    "regime.amend": ActTypeText(
        N_("Amend the regime"), N_("A new version of the regime, set out in full.")
    ),
    "official.appoint": ActTypeText(
        N_("Appoint an official"),
        N_("Appoint an official of a party, with roles and a signing key."),
        creates="official",
    ),
    "official.rotate-key": ActTypeText(
        N_("Replace an official's key"),
        N_("The old key signs up to this act, the new one after it."),
    ),
    "official.remove": ActTypeText(
        N_("Remove an official"), N_("The official's key signs nothing after this act.")
    ),
    "party.rotate-root": ActTypeText(
        N_("Replace a party's root keys"),
        N_(
            "A threshold of the old root keys and of the new ones sign; a key removed signs "
            "nothing after this act."
        ),
    ),
    "party.rotate-node-key": ActTypeText(
        N_("Replace a party's node key"),
        N_(
            "The party's root keys sign; checkpoints carry the old and the new node key's "
            "signatures for the stated overlap, then the new key's alone."
        ),
    ),
    "enterprise.register": ActTypeText(
        N_("Register an enterprise"),
        N_("Register an enterprise of a party for one or more categories of activity."),
        creates="enterprise",
    ),
    "enterprise.amend": ActTypeText(
        N_("Amend an enterprise"),
        N_("Replace a registered enterprise's names, address and categories."),
    ),
    "enterprise.deregister": ActTypeText(
        N_("Deregister an enterprise"),
        N_("Remove an enterprise from the register once it has left every project."),
    ),
    "participant.enrol": ActTypeText(
        N_("Enrol a participant"),
        N_("Enrol a person who works for a registered enterprise."),
        creates="participant",
    ),
    "participant.withdraw": ActTypeText(
        N_("Withdraw a participant"),
        N_("Withdraw a participant who is no longer listed in any open project."),
    ),
    "project.approve": ActTypeText(
        N_("Approve a project"),
        N_("Approve a joint project with enterprises of every party."),
        creates="project",
    ),
    "project.amend": ActTypeText(
        N_("Amend a project"), N_("Replace a project's terms, all but its category.")
    ),
    "project.suspend": ActTypeText(
        N_("Suspend a project"), N_("Suspend an active project: no reports until it resumes.")
    ),
    "project.resume": ActTypeText(N_("Resume a project"), N_("Resume a suspended project.")),
    "project.close": ActTypeText(N_("Close a project"), N_("Close a project for good.")),
    "report.submit": ActTypeText(
        N_("Submit a report"),
        N_("A project's figures for one period, in the indicators of its category."),
        creates="report",
    ),
    "committee.decide": ActTypeText(
        N_("Record a committee decision"),
        N_("Record a decision of the joint committee, with its minutes."),
        creates="decision",
    ),
    "incident.report": ActTypeText(
        N_("Report an incident"),
        N_("Report an incident at a place in the zone or at a crossing point outside it."),
        creates="incident",
    ),
    "incident.resolve": ActTypeText(
        N_("Resolve an incident"), N_("Record the parties' joint resolution of an open incident.")
    ),
    "certificate.key": ActTypeText(
        N_("Declare a certificate key"), N_("Declare or retire a party's certificate-signing key.")
    ),
    "certificate.compromise": ActTypeText(
        N_("Declare a certificate key compromised"),
        N_("Every party declares it; no certificate the key signed is valid any more."),
    ),
    "certificate.issue": ActTypeText(
        N_("Issue a certificate"),
        N_("Issue a participant's certificate, which every party signs."),
        creates="certificate",
    ),
    "certificate.revoke": ActTypeText(
        N_("Revoke a certificate"), N_("Revoke a certificate, with the reason; any one party may.")
    ),
    "movement.record": ActTypeText(
        N_("Record a movement"),
        N_("Record one participant's crossing into or out of the zone."),
        creates="movement",
    ),
    "movement.manifest": ActTypeText(
        N_("Record a crossing manifest"),
        N_("Record every passenger of one crossing in a single act."),
        creates="manifest",
    ),
}

#: What a literal value is called in a choice; values that are field names take their labels.
CHOICES: Mapping[str, str] = {
    "in": N_("into the zone"),
    "out": N_("out of the zone"),
    "system": N_("every node's own clock"),
    "simulated": N_("simulated (a scenario playing past dates)"),
}

# -- the form's parts ---------------------------------------------------------------------------

Widget = Literal[
    "text",  # one line of free text, or an id
    "textarea",  # paragraphs of free text, or JSON content
    "number",  # a whole number
    "decimal",  # a decimal number, typed as text
    "date",  # a calendar day
    "datetime",  # a moment, in UTC
    "select",  # one of a list
    "multiselect",  # several of a list
    "group",  # a fieldset of the fields of a part (a place, a period, one text per language)
    "rows",  # a fieldset of repeated groups (sites, conditions, a breakdown)
]

_INPUT_TYPES = {"number": "number", "date": "date", "datetime": "datetime-local"}

#: A list of parts shows at least this many rows, and always one empty row more than it has
#: filled; "add a row" adds another. No script adds rows: the form works without one.
ROWS = 3

#: The key of an error that concerns the act as a whole rather than one field.
WHOLE_ACT = ""


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class OptionGroup:
    """Options under a heading (``<optgroup>``); ``label`` None for a list without headings."""

    label: str | None
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class FieldError:
    """What is wrong with a field. ``message`` is in the reader's language; ``detail``, when
    given, is the English text of pydantic or of the act rules, shown after it marked as English;
    ``finding`` marks a neutrality finding, shown in the field's findings list."""

    message: str
    detail: str | None = None
    finding: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """One control of a form, or a fieldset of them (``children``)."""

    #: The element's id, unique in the page (``f-names-ja``).
    id: str
    #: The form key its value is posted under (``names.ja``, ``sites.0.place``).
    name: str
    #: Where its value sits in the act's data (``('names', 'ja')``), for errors to find it;
    #: None where the data has no place for it (an empty row).
    path: tuple[str | int, ...] | None
    label: str
    widget: Widget
    required: bool = False
    #: Its label with those of the fieldsets around it, for the list of errors.
    caption: str = ""
    help: str | None = None
    #: The language of the text typed in (a BCP 47 tag), and the regime language it is checked
    #: for neutrality in as it is typed (``data-check-lang``).
    lang: str | None = None
    check_lang: str | None = None
    #: Free text: the neutrality gate reads it, and a findings list follows it.
    free_text: bool = False
    groups: tuple[OptionGroup, ...] = ()
    value: tuple[str, ...] = ()
    errors: tuple[FieldError, ...] = ()
    children: tuple[Field, ...] = ()
    #: Further HTML attributes of the control (``maxlength``, ``pattern``, ``inputmode``...).
    attrs: tuple[tuple[str, str], ...] = ()
    #: For rows: whether another row can be added.
    more: bool = False

    @property
    def text(self) -> str:
        """The current value of a single-valued control."""
        return self.value[0] if self.value else ""

    @property
    def described_by(self) -> str:
        """The ids of what describes the control: its help, its errors, its findings."""
        ids = []
        if self.help:
            ids.append(f"{self.id}-help")
        if any(not e.finding for e in self.errors):
            ids.append(f"{self.id}-error")
        if self.free_text:
            ids.append(f"{self.id}-findings")
        return " ".join(ids)

    @property
    def problems(self) -> tuple[FieldError, ...]:
        """The errors shown beside the field (findings go into its findings list)."""
        return tuple(e for e in self.errors if not e.finding)

    @property
    def findings(self) -> tuple[FieldError, ...]:
        return tuple(e for e in self.errors if e.finding)

    @property
    def invalid(self) -> bool:
        return bool(self.errors)

    @property
    def input_type(self) -> str:
        """The ``type`` of the ``<input>`` a single-line control is."""
        return _INPUT_TYPES.get(self.widget, "text")

    @property
    def option_count(self) -> int:
        return sum(len(g.options) for g in self.groups)

    @property
    def list_size(self) -> int:
        """How many lines a multiple choice shows (its options and their headings, up to 10)."""
        headings = sum(1 for g in self.groups if g.label)
        return max(2, min(10, self.option_count + headings))

    def walk(self) -> Iterator[Field]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True, slots=True)
class Form:
    """A form for one act type, with the values given and each error beside its field."""

    act_type: str
    title: str
    summary: str
    fields: tuple[Field, ...]
    #: Errors about the act as a whole (no field to put them beside).
    general: tuple[FieldError, ...] = ()

    def walk(self) -> Iterator[Field]:
        for f in self.fields:
            yield from f.walk()

    def field(self, field_id: str) -> Field:
        for f in self.walk():
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    @property
    def rows(self) -> list[Field]:
        """The lists of parts that can take another row."""
        return [f for f in self.walk() if f.widget == "rows" and f.more]

    @property
    def invalid(self) -> list[Field]:
        """The fields with errors, in the form's order."""
        return [f for f in self.walk() if f.errors]

    def locate(self, loc: Sequence[str | int]) -> str:
        """The id of the field an error at ``loc`` (a path in the act's data) concerns: the one
        whose path is the longest prefix of it, or :data:`WHOLE_ACT`."""
        best, length = WHOLE_ACT, -1
        for f in self.walk():
            p = f.path
            if p is not None and len(p) > length and tuple(loc[: len(p)]) == p:
                best, length = f.id, len(p)
        return best

    def with_errors(self, errors: Mapping[str, Sequence[FieldError]]) -> Form:
        def put(f: Field) -> Field:
            return replace(
                f, errors=tuple(errors.get(f.id, ())), children=tuple(put(c) for c in f.children)
            )

        return replace(
            self,
            fields=tuple(put(f) for f in self.fields),
            general=tuple(errors.get(WHOLE_ACT, ())),
        )


@dataclass(frozen=True, slots=True)
class FormContext:
    """Whom a form is for and what it offers: the regime, the node's state, the reader."""

    regime: Regime
    state: acts.State
    lang: Language
    view: View

    @classmethod
    def of(cls, regime: Regime, state: acts.State, lang: Language) -> FormContext:
        return cls(regime, state, lang, View(regime, lang.code))

    def _(self, message: str, **values: Any) -> str:
        text = self.lang.gettext(message)
        return text % values if values else text


#: The neutrality gate as a form asks it: the blocking findings in an act's free text, each as
#: the key path of its field (``names.ja``) and the message to show beside it.
Gate = Callable[[acts.Act], Iterable[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Parsed:
    """A posted form read back: the act's canonical data if it may be proposed, else the errors
    by field id; and the form again, with the values kept and the errors beside their fields."""

    act: dict[str, Any] | None
    errors: Mapping[str, tuple[FieldError, ...]]
    form: Form


# -- reading the models ---------------------------------------------------------------------------

_MISSING: Final = object()
Values = Mapping[str, Sequence[str]]

# Which registry a ref names, by the name of its field (as _render reads it).
_SOURCES: Mapping[str, str] = {
    "party": "party",
    "parties": "party",
    "reported_by": "party",
    "origin_party": "party",
    "category": "category",
    "categories": "category",
    "role": "role",
    "roles": "role",
    "enterprise": "enterprise",
    "enterprises": "enterprise",
    "project": "project",
    "participant": "participant",
    "participants": "participant",
    "certificate": "certificate",
    "certificates": "certificate",
    "movement": "movement",
    "incident": "incident",
    "official": "official",
    "place": "place",
    "compromised": "root-key",
}
# Registries of the record, whose options are names as written and ids: shown untranslated.
_RECORDS = {
    "enterprise", "participant", "project", "certificate", "movement", "incident", "official",
    "report", "decision", "root-key",
}  # fmt: skip
# A place under these is a crossing point; under these, a place of the zone (the rules say so).
_CROSSINGS = {"crossing_point"}
_IN_ZONE = {"sites", "places"}
# Refs the act itself pre-fills from the official's session.
PREFILLED_PARTY = ("party", "reported_by")
_FIGURES_BY = "project"  # the field whose record's category says which figures a report holds

_ID_HELP = N_("An id: lower-case letters and digits, joined by single hyphens.")
_NEW_ID_HELP = N_(
    "A new id, never used before: lower-case letters and digits, joined by single hyphens."
)
_ID_EXPECTED = N_("Expected an id: lower-case letters and digits, joined by single hyphens.")
_POINT_HELP = N_(
    "Optional: a point within the place, as longitude and latitude in decimal degrees."
)
_TEXTS_HELP = N_("The same text in each language; the rules say which are needed.")

_REF = re.compile(REF_PATTERN)
_WHOLE = re.compile(r"^-?[0-9]+$")
_DECIMAL = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_LOCAL_TIME = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2})(:[0-9]{2})?$")
_KEY_PATH = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")
_LOCATED = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_-]+|\[[0-9]+\])*): (.+)$", re.DOTALL)


def _meta_of(alias: Any) -> tuple[object, ...]:
    return tuple(get_args(alias)[1:])


# The field types of acts/_types.py that are not what their Python type says, known by the
# validators they carry.
_DAY_META = _meta_of(_types.Day)
_INSTANT_META = _meta_of(_types.Instant)
_POINT_META = _meta_of(_types.Point)
_KEY_META = _meta_of(_types.PublicKey)
_PLAIN_META = _meta_of(_types.PlainData)
_FIGURES_META = _meta_of(_reports.Figures)
_SCRIPT_NAMES = get_args(_types.ScriptNames)[0]
_TEXTS = get_args(_types.Texts)[0]


def _has(meta: Sequence[object], alias_meta: tuple[object, ...]) -> bool:
    return any(m is alias_meta[0] for m in meta)


def _unwrap(annotation: Any) -> tuple[Any, list[object], bool]:
    """The type under ``Annotated`` and ``X | None``, its metadata, and whether None is allowed."""
    meta: list[object] = []
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *extra = get_args(annotation)
            for m in extra:
                meta.append(m)
                if isinstance(m, FieldInfo):
                    meta.extend(m.metadata)
            annotation = base
        elif origin in (Union, UnionType) and NoneType in get_args(annotation):
            others = [a for a in get_args(annotation) if a is not NoneType]
            if len(others) != 1:
                return annotation, meta, optional
            optional = True
            annotation = others[0]
        else:
            return annotation, meta, optional


def _constraint(meta: Sequence[object], name: str) -> Any:
    for m in meta:
        value = getattr(m, name, None)
        if value is not None and not isinstance(m, FieldInfo):
            return value
    return None


def _model_hint(info: FieldInfo) -> Any:
    """A model field's annotation with the metadata pydantic took off it put back."""
    if info.metadata:
        return Annotated[(info.annotation, *info.metadata)]
    return info.annotation


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def key_path(text: str) -> tuple[str | int, ...]:
    """``conditions[0].ru`` -> ``('conditions', 0, 'ru')``."""
    return tuple(
        int(index) if index else name for name, index in _KEY_PATH.findall(text) if name or index
    )


def _id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _latin(language: str) -> bool:
    """Whether ``language`` is written in Latin letters (Babel's likely script for it)."""
    likely = get_global("likely_subtags").get(language, "")
    return "_Latn" in str(likely)


def name_languages(regime: Regime) -> list[str]:
    """The scripts a name is written in: each regime language, and after each one not written
    in Latin letters its Latin transcription (``ja``, ``ja-Latn``, ``ru``, ``ru-Latn``, ``en``),
    as participants' and enterprises' names are kept."""
    out: list[str] = []
    for language in regime.languages:
        out.append(language)
        if not _latin(language):
            out.append(f"{language}-Latn")
    return out


# -- building a form -------------------------------------------------------------------------------


class _Walk:
    """One walk over an act model: the form's fields, the act data the values make, and the
    values' own conversion errors (by field id)."""

    def __init__(self, ctx: FormContext, act_type: str, values: Values) -> None:
        self.ctx = ctx
        self.act_type = act_type
        self.cls = acts.ACT_TYPES[act_type]
        text = ACT_TYPE_TEXTS.get(act_type)
        self.creates = text.creates if text else None
        self.values = values
        self.errors: dict[str, list[FieldError]] = {}
        self._options: dict[tuple[str, str | None, str | None], tuple[OptionGroup, ...]] = {}

    # -- values -----------------------------------------------------------------------------------

    def given(self, name: str) -> list[str]:
        return [v for v in self.values.get(name, ()) if v.strip()]

    def one(self, name: str) -> str:
        given = self.given(name)
        return given[0].strip() if given else ""

    def error(self, field_id: str, message: str, detail: str | None = None) -> None:
        self.errors.setdefault(field_id, []).append(FieldError(message, detail))

    def _(self, message: str, **values: Any) -> str:
        return self.ctx._(message, **values)

    def reader_language(self) -> str | None:
        """What a text of no stated language is checked in as it is typed: the reader's, if it
        is the regime's (the gate itself reads each sentence's language from its script)."""
        code = self.ctx.lang.code
        return code if code in self.ctx.regime.languages else None

    def filled_under(self, prefix: str) -> bool:
        start = prefix + "."
        return any(k.startswith(start) and self.given(k) for k in self.values)

    # -- the act -----------------------------------------------------------------------------------

    def act(self) -> tuple[tuple[Field, ...], dict[str, Any]]:
        fields, data = self.model(self.cls, "", (), caption="", parent=None, top=True)
        return tuple(fields), {"type": self.act_type, **data}

    def model(
        self,
        cls: type[BaseModel],
        prefix: str,
        path: tuple[str | int, ...],
        *,
        caption: str,
        parent: str | None,
        top: bool = False,
        required: bool = True,
    ) -> tuple[list[Field], dict[str, Any]]:
        fields: list[Field] = []
        data: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            f, value = self.field(
                name,
                f"{prefix}.{name}" if prefix else name,
                (*path, name),
                _model_hint(info),
                required=required and info.is_required(),
                caption=caption,
                parent=parent,
                top=top,
            )
            fields.append(f)
            if value is not _MISSING:
                data[name] = value
        return fields, data

    def field(
        self,
        name: str,
        form_name: str,
        path: tuple[str | int, ...],
        hint: Any,
        *,
        required: bool,
        caption: str,
        parent: str | None,
        top: bool = False,
        title: str | None = None,
    ) -> tuple[Field, object]:
        base, meta, optional = _unwrap(hint)
        required = required and not optional
        shown = title if title is not None else label(name, self.ctx.lang)
        f = Field(
            id=_id(form_name),
            name=form_name,
            path=path,
            label=shown,
            widget="text",
            required=required,
            caption=f"{caption} › {shown}" if caption else shown,
        )
        origin = get_origin(base)
        if _has(meta, _DAY_META):
            return self.day(f)
        if _has(meta, _INSTANT_META):
            return self.moment(f)
        if _has(meta, _POINT_META):
            return self.point(f)
        if _has(meta, _KEY_META):
            # The key's own pattern, with the hyphen escaped as a browser's pattern (v flag) needs.
            return self.line(f, meta, pattern=r"[A-Za-z0-9_\-]{43}", code=True)
        if _has(meta, _PLAIN_META):
            return self.json(f)
        if _has(meta, _FIGURES_META):
            return self.figures(f)
        if origin is dict:
            key, value = get_args(base)
            if _constraint(_unwrap(key)[1], "pattern") == _REF.pattern:
                return self.by_party(f, name, value)
            return self.texts(f, base, top=top, name=name)
        if origin is tuple:
            return self.many(f, name, get_args(base)[0], meta)
        if origin is Literal:
            return self.choice(f, get_args(base))
        if base is bool:
            return self.yes_no(f)
        if base is int:
            return self.number(f, meta)
        if _is_model(base):
            return self.group(f, base, name)
        if base is str:
            if _constraint(meta, "pattern") == _REF.pattern:
                source = _SOURCES.get(name)
                if source is not None and not (top and name == self.creates):
                    return self.pick_from(f, source, parent)
                return self.ref(f, meta, new=top and name == self.creates)
            free = top and name in self.cls.TEXT_FIELDS
            return self.line(f, meta, free=free)
        raise TypeError(f"{self.act_type}: no widget for {form_name} ({hint!r})")

    # -- single values -----------------------------------------------------------------------------

    def line(
        self,
        f: Field,
        meta: Sequence[object],
        *,
        free: bool = False,
        pattern: str | None = None,
        code: bool = False,
    ) -> tuple[Field, object]:
        attrs = [("autocomplete", "off")]
        longest = _constraint(meta, "max_length")
        if longest is not None:
            attrs.append(("maxlength", str(longest)))
        if pattern is not None:
            attrs.append(("pattern", pattern))
        if code:
            attrs += [("spellcheck", "false"), ("translate", "no")]
        check = self.reader_language() if free else None
        f = replace(
            f,
            widget="text",
            value=tuple(self.given(f.name)[:1]),
            attrs=tuple(attrs),
            free_text=free,
            check_lang=check,
        )
        value = _text(self.one(f.name)) if free else self.one(f.name)
        return f, value or _MISSING

    def ref(self, f: Field, meta: Sequence[object], *, new: bool) -> tuple[Field, object]:
        help_text = self._(_NEW_ID_HELP if new else _ID_HELP)
        longest = _constraint(meta, "max_length")
        f = replace(
            f,
            widget="text",
            value=tuple(self.given(f.name)[:1]),
            help=help_text,
            attrs=(
                ("autocomplete", "off"),
                ("maxlength", str(longest or 64)),
                ("pattern", REF_PATTERN.strip("^$")),
                ("spellcheck", "false"),
                ("translate", "no"),
            ),
        )
        return f, self.one(f.name) or _MISSING

    def day(self, f: Field) -> tuple[Field, object]:
        value = self.one(f.name)
        f = replace(f, widget="date", value=(value,) if value else ())
        if not value:
            return f, _MISSING
        try:
            if not _DAY.match(value):
                raise ValueError(value)
            date.fromisoformat(value)
        except ValueError:
            self.error(f.id, self._(N_("Expected a date (year, month and day).")))
            return f, _MISSING
        return f, value

    def moment(self, f: Field) -> tuple[Field, object]:
        value = self.one(f.name)
        f = replace(
            f,
            widget="datetime",
            value=(value,) if value else (),
            help=self._(N_("In UTC, to the second.")),
            attrs=(("step", "1"),),
        )
        if not value:
            return f, _MISSING
        m = _LOCAL_TIME.match(value.removesuffix("Z"))
        if m is None:
            self.error(f.id, self._(N_("Expected a date and a time of day (UTC).")))
            return f, _MISSING
        return f, f"{m.group(1)}T{m.group(2)}{m.group(3) or ':00'}Z"

    def decimal(self, f: Field, name: str, *, label_text: str) -> tuple[Field, object]:
        value = self.one(name)
        d = replace(
            f,
            id=_id(name),
            name=name,
            label=label_text,
            widget="decimal",
            value=(value,) if value else (),
            attrs=(("inputmode", "decimal"), ("autocomplete", "off")),
        )
        if not value:
            return d, _MISSING
        number = _decimal(value, self.ctx.lang.code)
        if number is None:
            self.error(d.id, self._(N_("Expected a decimal number such as 12.5.")))
            return d, _MISSING
        return d, number

    def number(self, f: Field, meta: Sequence[object]) -> tuple[Field, object]:
        value = self.one(f.name)
        attrs = [("step", "1")]
        for bound, attr in (("ge", "min"), ("le", "max")):
            limit = _constraint(meta, bound)
            if limit is not None:
                attrs.append((attr, str(limit)))
        f = replace(f, widget="number", value=(value,) if value else (), attrs=tuple(attrs))
        if not value:
            return f, _MISSING
        if not _WHOLE.match(value):
            self.error(f.id, self._(N_("Expected a whole number.")))
            return f, _MISSING
        return f, int(value)

    def yes_no(self, f: Field) -> tuple[Field, object]:
        # A choice rather than a checkbox: the pages' style sizes every input alike.
        no, yes = Option("no", self._("no")), Option("yes", self._("yes"))
        chosen = self.one(f.name) or "no"
        f = replace(f, widget="select", groups=(OptionGroup(None, (no, yes)),), value=(chosen,))
        if chosen not in ("no", "yes"):
            self.error(f.id, self._(N_("Choose from the list.")), chosen)
            return f, _MISSING
        return f, chosen == "yes"

    def choice(self, f: Field, values: tuple[Any, ...]) -> tuple[Field, object]:
        options = tuple(Option(str(v), self.choice_label(str(v))) for v in values)
        return self.pick(f, (OptionGroup(None, options),))

    def choice_label(self, value: str) -> str:
        message = CHOICES.get(value) or LABELS.get(value)
        return self._(message) if message else value

    def json(self, f: Field) -> tuple[Field, object]:
        value = self.one(f.name)
        f = replace(
            f,
            widget="textarea",
            value=(value,) if value else (),
            help=self._(N_("The content as JSON.")),
            attrs=(("rows", "12"), ("spellcheck", "false"), ("translate", "no")),
        )
        if not value:
            return f, _MISSING
        try:
            return f, json.loads(value)
        except ValueError as e:
            self.error(f.id, self._(N_("Not valid JSON:")), str(e))
            return f, _MISSING

    # -- pickers ----------------------------------------------------------------------------------

    def pick_from(
        self,
        f: Field,
        source: str,
        parent: str | None,
        *,
        owner: str | None = None,
        many: bool = False,
    ) -> tuple[Field, object]:
        return self.pick(
            f, self.source(source, parent, owner), many=many, record=source in _RECORDS
        )

    def pick(
        self,
        f: Field,
        groups: tuple[OptionGroup, ...],
        *,
        many: bool = False,
        record: bool = False,
    ) -> tuple[Field, object]:
        """A choice among ``groups``; of records (their names as written, their ids), shown as
        they are, untranslated."""
        known = {o.value for g in groups for o in g.options}
        chosen = [v.strip() for v in self.given(f.name)]
        if not many:
            chosen = chosen[:1]
        f = replace(
            f,
            widget="multiselect" if many else "select",
            groups=groups,
            value=tuple(chosen),
            help=self.several() if many else None,
            attrs=(("translate", "no"),) if record else (),
        )
        unknown = [v for v in chosen if v not in known]
        if unknown:
            self.error(f.id, self._(N_("Choose from the list.")), ", ".join(unknown))
            return f, _MISSING
        if many:
            return f, chosen
        return f, chosen[0] if chosen else _MISSING

    def several(self) -> str:
        """How to choose several options: with a key whose name is the keyboard's, not a word."""
        keys = {
            k: Markup('<kbd translate="no">{}</kbd>').format(v)
            for k, v in (("ctrl", "Ctrl"), ("command", "⌘"))
        }
        # The catalogue's own text, written by us: markup in it is ours.
        message = Markup(self._(N_("Hold %(ctrl)s or %(command)s to choose more than one.")))  # noqa: S704
        return message % keys

    def source(
        self, source: str, parent: str | None, owner: str | None = None
    ) -> tuple[OptionGroup, ...]:
        key = (source, parent if source == "place" else None, owner)
        if key not in self._options:
            self._options[key] = _options(self.ctx, source, parent, owner)
        return self._options[key]

    # -- parts -------------------------------------------------------------------------------------

    def group(self, f: Field, cls: type[BaseModel], name: str) -> tuple[Field, object]:
        if cls is _types.PlaceRef:
            # A place and nothing more (a crossing point): the one choice, under the field's name.
            picked, place = self.pick_from(f, "place", name)
            return picked, _MISSING if place is _MISSING else {"place": place}
        children, data = self.model(
            cls, f.name, f.path or (), caption=f.caption, parent=name, required=f.required
        )
        f = replace(f, widget="group", children=tuple(children))
        return f, data if data else _MISSING

    def point(self, f: Field) -> tuple[Field, object]:
        lon, lon_value = self.decimal(f, f"{f.name}.lon", label_text=self._(N_("Longitude")))
        lat, lat_value = self.decimal(f, f"{f.name}.lat", label_text=self._(N_("Latitude")))
        lon = replace(lon, caption=f"{f.caption} › {lon.label}", required=False)
        lat = replace(lat, caption=f"{f.caption} › {lat.label}", required=False)
        f = replace(
            f,
            widget="group",
            children=(lon, lat),
            help=self._(_POINT_HELP),
        )
        if lon_value is _MISSING and lat_value is _MISSING:
            return f, _MISSING
        if lon_value is _MISSING or lat_value is _MISSING:
            if not (self.errors.get(lon.id) or self.errors.get(lat.id)):
                self.error(f.id, self._(N_("Give both the longitude and the latitude.")))
            return f, _MISSING
        return f, [lon_value, lat_value]

    def texts(self, f: Field, base: Any, *, top: bool, name: str) -> tuple[Field, object]:
        regime = self.ctx.regime
        languages = name_languages(regime) if base == _SCRIPT_NAMES else list(regime.languages)
        multiline = base == _TEXTS
        longest = _constraint(_unwrap(get_args(base)[1])[1], "max_length")
        free = name in self.cls.TEXT_FIELDS or not top
        children: list[Field] = []
        data: dict[str, str] = {}
        for tag in languages:
            primary = tag.split("-", 1)[0]
            form_name = f"{f.name}.{tag}"
            value = self.values.get(form_name, ())
            shown = self.language_name(tag)
            attrs: list[tuple[str, str]] = []
            if longest is not None:
                attrs.append(("maxlength", str(longest)))
            if multiline:
                attrs.append(("rows", "3"))
            children.append(
                Field(
                    id=_id(form_name),
                    name=form_name,
                    path=(*(f.path or ()), tag),
                    label=shown,
                    widget="textarea" if multiline else "text",
                    caption=f"{f.caption} › {shown}",
                    lang=tag,
                    check_lang=primary if primary in regime.languages else None,
                    free_text=free,
                    value=tuple(value[:1]),
                    attrs=tuple(attrs),
                )
            )
            text = _text(value[0]) if value else ""
            if text:
                data[tag] = text
        if base == _SCRIPT_NAMES:
            help_text = self._(N_("As written in each script given; fill in at least one."))
        else:
            help_text = self._(_TEXTS_HELP)
        f = replace(f, widget="group", children=tuple(children), help=help_text)
        return f, data if data else _MISSING

    def language_name(self, tag: str) -> str:
        reader = Locale.parse(self.ctx.lang.code)
        primary, _, script = tag.partition("-")
        known = str(reader.languages.get(primary, primary))
        # Babel's names are as they stand in a sentence (русский); a label begins a line.
        language = known[:1].upper() + known[1:]
        if not script:
            return language
        return self._(
            N_("%(language)s (%(script)s)"),
            language=language,
            script=reader.scripts.get(script, script),
        )

    def by_party(self, f: Field, name: str, value_hint: Any) -> tuple[Field, object]:
        """A mapping keyed by party (a project's enterprises, the genesis's root keys): one part
        per party of the regime."""
        children: list[Field] = []
        data: dict[str, Any] = {}
        party_name = self.ctx.view.party()
        for party in self.ctx.regime.party_ids:
            vbase = _unwrap(value_hint)[0]
            form_name = f"{f.name}.{party}"
            shown = party_name(party)
            child = Field(
                id=_id(form_name),
                name=form_name,
                path=(*(f.path or ()), party),
                label=shown,
                widget="text",
                caption=f"{f.caption} › {shown}",
            )
            if get_origin(vbase) is tuple and _SOURCES.get(name) is not None:
                c, v = self.pick_from(child, _SOURCES[name], name, owner=party, many=True)
                if v == []:
                    v = _MISSING
            else:
                c, v = self.field(
                    name,
                    form_name,
                    child.path or (),
                    value_hint,
                    required=False,
                    caption=f.caption,
                    parent=name,
                    title=shown,
                )
            children.append(c)
            if v is not _MISSING:
                data[party] = v
        f = replace(f, widget="group", children=tuple(children))
        return f, data if data else _MISSING

    def many(self, f: Field, name: str, item: Any, meta: Sequence[object]) -> tuple[Field, object]:
        ibase = _unwrap(item)[0]
        if _is_model(ibase):
            fields = ibase.model_fields
            if ibase is _types.PlaceRef:
                return self.picked_parts(f, self.source("place", name), lambda v: {"place": v})
            if set(fields) == {"kind", "id"}:
                return self.picked_parts(f, self.records(ibase), _record, record=True)
            return self.rows(f, meta, lambda row: self.group(row, ibase, name))
        if get_origin(ibase) is dict:
            return self.rows(f, meta, lambda row: self.texts(row, ibase, top=False, name=name))
        source = _SOURCES.get(name)
        if source is None:
            raise TypeError(f"{self.act_type}: no widget for the list {f.name} ({item!r})")
        picked, value = self.pick_from(f, source, name, many=True)
        return picked, value

    def picked_parts(
        self,
        f: Field,
        groups: tuple[OptionGroup, ...],
        part: Callable[[str], object],
        *,
        record: bool = False,
    ) -> tuple[Field, object]:
        """A list of parts that are each one choice (places; a decision's concerns)."""
        picked, chosen = self.pick(f, groups, many=True, record=record)
        if chosen is _MISSING:
            return picked, _MISSING
        assert isinstance(chosen, list)
        return picked, [part(v) for v in chosen]

    def records(self, cls: type[BaseModel]) -> tuple[OptionGroup, ...]:
        """Every record a ``{kind, id}`` part may name, grouped by kind."""
        kinds = get_args(_unwrap(cls.model_fields["kind"].annotation)[0])
        groups = []
        for kind in kinds:
            options = next(iter(self.source(str(kind), None)), OptionGroup(None, ())).options
            groups.append(
                OptionGroup(
                    self.choice_label(str(kind)),
                    tuple(Option(f"{kind}:{o.value}", o.label) for o in options),
                )
            )
        return tuple(groups)

    def rows(
        self,
        f: Field,
        meta: Sequence[object],
        make: Callable[[Field], tuple[Field, object]],
    ) -> tuple[Field, object]:
        most = _constraint(meta, "max_length")
        count = self.row_count(f.name, most)
        children: list[Field] = []
        items: list[object] = []
        for i in range(count):
            shown = self._(N_("%(label)s, no. %(number)s"), label=f.label, number=i + 1)
            row = Field(
                id=_id(f"{f.name}.{i}"),
                name=f"{f.name}.{i}",
                path=(*(f.path or ()), len(items)),
                label=shown,
                widget="group",
                caption=f"{f.caption} › {self.ctx.lang.number(i + 1)}",
            )
            built, value = make(row)
            if value is _MISSING:
                built = _unmapped(built)
            else:
                items.append(value)
            children.append(replace(built, label=shown, required=False))
        f = replace(
            f,
            widget="rows",
            children=tuple(children),
            more=most is None or count < most,
        )
        if not items and not f.required:
            return f, _MISSING
        return f, items

    def row_count(self, name: str, most: int | None) -> int:
        last = -1
        start = name + "."
        for k in self.values:
            if k.startswith(start) and self.given(k):
                head = k[len(start) :].split(".", 1)[0]
                if head.isdigit():
                    last = max(last, int(head))
        count = max(ROWS, last + 2)
        if name in self.values.get("more", ()):
            count += 1
        return count if most is None else min(count, most)

    # -- a report's figures ------------------------------------------------------------------------

    def figures(self, f: Field) -> tuple[Field, object]:
        """Figures by the indicators of a category: one part per category of the regime, of
        which the one of the project chosen is read (the rules check they are all there)."""
        regime = self.ctx.regime
        active = self.figures_category()
        children: list[Field] = []
        data: dict[str, Any] = {}
        category_name = self.ctx.view.category()
        for category in regime.categories:
            name = f"{f.name}.{category.id}"
            shown = category_name(category.id)
            indicators: list[Field] = []
            for ind in category.indicators:
                ind_name = f"{name}.{ind.id}"
                ind_label = f"{ind.names.get(self.ctx.lang.code, ind.id)} ({ind.unit})"
                path = (*(f.path or ()), ind.id) if category.id == active else None
                cell = Field(
                    id=_id(ind_name),
                    name=ind_name,
                    path=path,
                    label=ind_label,
                    widget="text",
                    caption=f"{f.caption} › {shown} › {ind_label}",
                )
                if ind.by is None:
                    built, value = self.figure(cell, ind.value)
                else:
                    built, value = self.breakdown(cell, ind.value, ind.by.names, ind.by.id)
                indicators.append(built if path is not None else _unmapped(built))
                if category.id == active and value is not _MISSING:
                    data[ind.id] = value
            children.append(
                Field(
                    id=_id(name),
                    name=name,
                    path=None,
                    label=shown,
                    widget="group",
                    caption=f"{f.caption} › {shown}",
                    children=tuple(indicators),
                )
            )
        f = replace(
            f,
            widget="group",
            children=tuple(children),
            help=self._(N_("Fill in the figures of the project's category only.")),
        )
        return f, data if active is not None else _MISSING

    def figures_category(self) -> str | None:
        project = self.ctx.state.projects.get(self.one(_FIGURES_BY))
        if project is not None:
            return project.category
        filled = [
            c.id for c in self.ctx.regime.categories if self.filled_under(f"indicators.{c.id}")
        ]
        return filled[0] if len(filled) == 1 else None

    def figure(self, f: Field, kind: str) -> tuple[Field, object]:
        if kind == "integer":
            built, value = self.number(f, ())
            return replace(built, attrs=(("step", "1"), ("min", "0"))), value
        return self.decimal(f, f.name, label_text=f.label)

    def breakdown(
        self, f: Field, kind: str, names: Mapping[str, str], dimension: str
    ) -> tuple[Field, object]:
        """A figure broken down by a dimension (tonnes by species): rows of an id and a figure."""
        dimension_name = names.get(self.ctx.lang.code, dimension)

        def row(r: Field) -> tuple[Field, object]:
            key_field = Field(
                id=_id(f"{r.name}.key"),
                name=f"{r.name}.key",
                path=None,
                label=dimension_name,
                widget="text",
                caption=f"{r.caption} › {dimension_name}",
                value=tuple(self.given(f"{r.name}.key")[:1]),
                free_text=True,
                check_lang=self.reader_language(),
                help=self._(_ID_HELP),
                attrs=(("autocomplete", "off"), ("maxlength", "64"), ("spellcheck", "false")),
            )
            value_label = self._(N_("Figure"))
            cell = replace(r, id=_id(f"{r.name}.value"), name=f"{r.name}.value", label=value_label)
            value_field, value = self.figure(cell, kind)
            value_field = replace(
                value_field, label=value_label, caption=f"{r.caption} › {value_label}"
            )
            key = self.one(key_field.name)
            r = replace(r, children=(key_field, value_field))
            if not key and value is _MISSING:
                return r, _MISSING
            if not key:
                self.error(key_field.id, self._(N_("Required.")))
                return r, _MISSING
            if value is _MISSING:
                if not self.errors.get(value_field.id):
                    self.error(value_field.id, self._(N_("Required.")))
                return r, _MISSING
            return r, (key, value)

        built, rows = self.rows(f, (), row)
        if rows is _MISSING or not rows:
            return replace(built, required=False), _MISSING
        assert isinstance(rows, list)
        out: dict[str, object] = {}
        for k, v in rows:
            if k in out:
                self.error(built.id, self._(N_("“%(id)s” is given twice."), id=k))
            out[k] = v
        return replace(built, required=False), out


def _unmapped(f: Field) -> Field:
    """``f`` with no place in the act's data: an empty row, a category not reported on."""
    return replace(f, path=None, children=tuple(_unmapped(c) for c in f.children))


def _record(value: str) -> dict[str, str]:
    kind, _, ref = value.partition(":")
    return {"kind": kind, "id": ref}


def _text(value: str) -> str:
    """Free text as acts keep it: one spelling per word (NFC), no space around it, and line
    breaks as LF (browsers send a textarea's as CRLF)."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _decimal(value: str, language: str) -> str | None:
    """A decimal number as typed (with the reader's decimal comma, spaces between digit groups)
    in its canonical spelling; None if it is none."""
    text = re.sub(r"[\s\u00a0\u202f]", "", value)
    if get_decimal_symbol(language) == "," and "," in text and "." not in text:
        text = text.replace(",", ".")
    if not _DECIMAL.match(text):
        return None
    try:
        return _types.decimal_text(Decimal(text))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return None


# -- what a picker offers --------------------------------------------------------------------------


def _names(names: Mapping[str, str], lang: str) -> str:
    """Names in every script given, the reader's first (as the act page shows them)."""
    ordered = sorted(names.items(), key=lambda kv: (not kv[0].startswith(lang), kv[0]))
    return " / ".join(v for _, v in ordered)


def _options(
    ctx: FormContext, source: str, parent: str | None, owner: str | None
) -> tuple[OptionGroup, ...]:
    regime, state, view, code = ctx.regime, ctx.state, ctx.view, ctx.lang.code

    def flat(items: Iterable[tuple[str, str]]) -> tuple[OptionGroup, ...]:
        return (OptionGroup(None, tuple(Option(v, text) for v, text in items)),)

    if source == "place":
        gazetteer = regime.gazetteer
        if parent in _CROSSINGS:
            refs = [c.place for c in regime.crossing_points]
        else:
            refs = [p.ref for p in gazetteer]
        inside = [r for r in refs if gazetteer.place(r).in_zone]
        outside = [] if parent in _IN_ZONE else [r for r in refs if not gazetteer.place(r).in_zone]
        groups = [
            (ctx._(N_("In the zone")), inside),
            (ctx._(N_("Outside the zone")), outside),
        ]
        return tuple(
            OptionGroup(heading, tuple(Option(r, view.place_name(r)) for r in group))
            for heading, group in groups
            if group
        )
    if source == "party":
        return flat((p, view.party()(p)) for p in regime.party_ids)
    if source == "root-key":
        return flat(
            (key_id, key_id)
            for party in regime.party_ids
            if owner is None or party == owner
            for key_id in state.root_keys_at(party, state.size)
        )
    if source == "category":
        return flat((c.id, view.category()(c.id)) for c in regime.categories)
    if source == "role":
        return flat((r.id, view.role()(r.id)) for r in regime.roles)
    if source == "enterprise":
        return flat(
            (e.id, f"{_names(e.names, code)} ({e.id})")
            for e in state.enterprises.values()
            if e.status == "registered" and (owner is None or e.party == owner)
        )
    if source == "participant":
        return flat(
            (p.id, f"{_names(p.names, code)} ({p.id})")
            for p in state.participants.values()
            if p.status == "enrolled"
        )
    if source == "project":
        return flat(
            (p.id, f"{view.text(p.title)} ({p.id})")
            for p in state.projects.values()
            if p.status != "closed"
        )
    if source == "certificate":
        return flat(
            (c.id, f"{c.id} — {_names(c.names, code)}")
            for c in state.certificates.values()
            if c.revoked is None
        )
    if source == "movement":
        return flat(
            (m.id, f"{m.id} — {view.place_name(m.crossing_point)}")
            for m in state.movements.values()
        )
    if source == "incident":
        return flat(
            (i.id, f"{i.id} — {view.place_name(i.place.place)}")
            for i in state.incidents.values()
            if i.status == "open"
        )
    if source == "official":
        return flat(
            (o.id, f"{o.display_name} ({o.id})") for o in state.officials.values() if o.active
        )
    if source == "report":
        return flat((r.id, r.id) for r in state.reports.values())
    if source == "decision":
        return flat((d.id, f"{view.text(d.subject)} ({d.id})") for d in state.decisions.values())
    raise ValueError(f"no options for {source!r}")


# -- the two things a page asks --------------------------------------------------------------------


def form_for(act_type: str, ctx: FormContext, values: Values | None = None) -> Form:
    """The form of ``act_type``, filled with ``values`` (form keys to values), errors unshown."""
    text = ACT_TYPE_TEXTS.get(act_type)
    walk = _Walk(ctx, act_type, values or {})
    fields, _ = walk.act()
    return Form(
        act_type,
        ctx._(text.title) if text else act_type,
        ctx._(text.summary) if text else "",
        fields,
    )


def parse_form(
    act_type: str,
    form: Values,
    *,
    ctx: FormContext,
    time: Any = None,
    gate: Gate | None = None,
) -> Parsed:
    """Read a posted form into act data of ``act_type``, checked as far as a proposal is.

    In order: the values' own conversion (a date that is none), the act model (pydantic), the
    rules against the node's state at ``time`` (:func:`jointzone.acts.check`; skipped if
    ``time`` is None), and the neutrality ``gate``. Each stage runs only if the one before found
    nothing, as a node's proposal path refuses at the first; every error is put beside the field
    its location names.
    """
    walk = _Walk(ctx, act_type, form)
    fields, data = walk.act()
    text = ACT_TYPE_TEXTS.get(act_type)
    shell = Form(
        act_type,
        ctx._(text.title) if text else act_type,
        ctx._(text.summary) if text else "",
        fields,
    )
    errors: dict[str, list[FieldError]] = {k: list(v) for k, v in walk.errors.items()}
    act: acts.Act | None = None
    try:
        act = walk.cls.model_validate({k: v for k, v in data.items() if k != "type"})
    except ValidationError as e:
        for loc, error in _schema_errors(e, ctx):
            where = shell.locate(loc)
            # A value our conversion refused is missing to the model: say it once.
            if where in walk.errors:
                continue
            errors.setdefault(where, []).append(error)
    if act is not None and not errors and time is not None and ctx.state.regime is not None:
        try:
            acts.check(ctx.state, act, time=time)
        except acts.ActRejected as e:
            loc, detail = _located(e.reason)
            errors.setdefault(shell.locate(loc), []).append(
                FieldError(ctx._(N_("The rules refuse this:")), detail)
            )
    if act is not None and not errors and gate is not None:
        for path, message in gate(act):
            errors.setdefault(shell.locate(key_path(path)), []).append(
                FieldError(message, finding=True)
            )
    frozen = {k: tuple(v) for k, v in errors.items()}
    return Parsed(
        act.to_data() if act is not None and not frozen else None,
        frozen,
        shell.with_errors(frozen),
    )


def _located(reason: str) -> tuple[tuple[str | int, ...], str]:
    """A rule's reason (``registered_address.place: 'x' is not a place ref``) split into where
    and what; a reason that names no field concerns the whole act."""
    m = _LOCATED.match(reason)
    if m is None:
        return (), reason
    return key_path(m.group(1)), m.group(2)


# pydantic's error types we say in our own words; any other is shown as pydantic says it.
_SCHEMA_MESSAGES: Mapping[str, str] = {
    "missing": N_("Required."),
    "literal_error": N_("Choose from the list."),
    "int_type": N_("Expected a whole number."),
    "int_parsing": N_("Expected a whole number."),
    "bool_type": N_("Expected yes or no."),
}


def _schema_errors(
    exc: ValidationError, ctx: FormContext
) -> Iterator[tuple[tuple[str | int, ...], FieldError]]:
    for e in exc.errors():
        loc = tuple(e["loc"])
        kind = e["type"]
        raw = e.get("ctx") or {}
        inner = raw.get("error")
        if isinstance(inner, ProblemsError):
            # A cross-check (valid_to after valid_from) names the fields below ``loc`` itself.
            for problem in inner.problems:
                where, detail = _located(problem)
                yield (*loc, *where), FieldError(ctx._(N_("Invalid value:")), detail)
            continue
        if kind in _SCHEMA_MESSAGES:
            yield loc, FieldError(ctx._(_SCHEMA_MESSAGES[kind]))
        elif kind == "string_too_short" and raw.get("min_length") == 1:
            yield loc, FieldError(ctx._(N_("Required.")))
        elif kind == "string_too_long":
            n = ctx.lang.number(int(raw.get("max_length", 0)))
            yield loc, FieldError(ctx._(N_("At most %(count)s characters."), count=n))
        elif kind == "too_short":
            n = ctx.lang.number(int(raw.get("min_length", 0)))
            yield loc, FieldError(ctx._(N_("Choose at least %(count)s."), count=n))
        elif kind == "too_long":
            n = ctx.lang.number(int(raw.get("max_length", 0)))
            yield loc, FieldError(ctx._(N_("Choose at most %(count)s."), count=n))
        elif kind == "string_pattern_mismatch" and raw.get("pattern") == REF_PATTERN:
            yield loc, FieldError(ctx._(_ID_EXPECTED))
        else:
            detail = str(e["msg"]).removeprefix("Value error, ")
            yield loc, FieldError(ctx._(N_("Invalid value:")), detail)


__all__ = [
    "ACT_TYPE_TEXTS",
    "CHOICES",
    "WHOLE_ACT",
    "ActTypeText",
    "Field",
    "FieldError",
    "Form",
    "FormContext",
    "Gate",
    "Option",
    "OptionGroup",
    "Parsed",
    "form_for",
    "key_path",
    "name_languages",
    "parse_form",
]
