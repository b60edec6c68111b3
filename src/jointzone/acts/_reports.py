"""Activity reports: a project's figures for a period, in its category's indicators.

Figures are integers or decimal strings as the regime's indicator says (tonnes to three places,
visitors as a count), never floats; a figure broken down by a dimension is a mapping of
lower-case ids (``scallop``, ``tomato``) to figures. Periods of one project's reports never
overlap, so figures can be summed without double counting.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema, field_serializer, model_validator

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_languages,
    check_new_id,
    regime_of,
    rejected,
)
from jointzone.acts._state import Report, State
from jointzone.acts._types import (
    Act,
    ActModel,
    Day,
    Ref,
    Texts,
    days_as_moments,
    decimal_text,
    instant_text,
    to_decimal,
)
from jointzone.regime import Indicator, Regime
from jointzone.regime._model import REF_PATTERN
from jointzone.regime._validation import ProblemsError, short

MAX_FIGURE = 10**15  # beyond any real figure, and inside the integers JSON carries exactly

Number = int | Decimal


def _figure(value: object, at: str, found: list[str]) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        found.append(f"{at}: expected an integer or a decimal string, got {short(value)}")
        return 0
    if isinstance(value, int):
        if not 0 <= value <= MAX_FIGURE:
            found.append(f"{at}: expected a figure from 0 to {MAX_FIGURE}, got {value}")
        return value
    try:
        d = to_decimal(value)
    except ValueError as e:
        found.append(f"{at}: {e}")
        return 0
    if not 0 <= d <= MAX_FIGURE:
        found.append(f"{at}: expected a figure from 0 to {MAX_FIGURE}, got {short(value)}")
    return Decimal(decimal_text(d))


def _figures(value: object) -> object:
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of indicator ids to figures, got {short(value)}")
    found: list[str] = []
    out: dict[object, object] = {}
    for k, v in value.items():
        if isinstance(v, dict):
            out[k] = {k2: _figure(v2, f"{k}.{k2}", found) for k2, v2 in v.items()}
        else:
            out[k] = _figure(v, str(k), found)
    if found:
        raise ProblemsError(found)
    return out


def _figure_data(value: Number) -> int | str:
    return value if isinstance(value, int) else decimal_text(value)


_FIGURE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": MAX_FIGURE},
        {
            "type": "string",
            "pattern": r"^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$",
            "description": "a decimal string such as '12.5'",
        },
    ]
}
Figures = Annotated[
    dict[Ref, Number | dict[Ref, Number]],
    BeforeValidator(_figures),
    # pydantic would allow floats for the decimals; the data holds decimal strings only.
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": REF_PATTERN, "maxLength": 64},
            "additionalProperties": {
                "anyOf": [
                    _FIGURE_SCHEMA,
                    {
                        "type": "object",
                        "propertyNames": {"pattern": REF_PATTERN, "maxLength": 64},
                        "additionalProperties": _FIGURE_SCHEMA,
                    },
                ]
            },
            "description": "Indicator id -> its figure (an integer, or a decimal string as "
            "the regime's indicator says), or a breakdown by a dimension: id -> figure.",
            "examples": [{"visitors": 44}],
        }
    ),
]


class Period(ActModel):
    """First and last day a report covers, both included."""

    start: Day
    end: Day

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.end < self.start:
            raise ProblemsError([f"end: {self.end} is before start {self.start}"])
        return self


class ReportSubmit(Act):
    """A project's figures for one period, in the indicators of its category."""

    TYPE = "report.submit"
    TEXT_FIELDS = ("notes",)

    report: Ref
    project: Ref
    period: Period
    indicators: Figures
    notes: Texts | None = None

    @field_serializer("indicators")
    def _indicators_data(self, value: dict[str, Any]) -> dict[str, Any]:
        return {
            k: {k2: _figure_data(v2) for k2, v2 in v.items()}
            if isinstance(v, dict)
            else _figure_data(v)
            for k, v in value.items()
        }

    def free_text(self) -> dict[str, str]:
        """The notes, and the breakdown ids too: ``species`` ids are words someone chose."""
        out = super().free_text()
        for k, v in self.indicators.items():
            if isinstance(v, dict):
                out.update({f"indicators.{k}.{k2}": k2 for k2 in v})
        return out


def _check_value(act: Act, ind: Indicator, value: object, at: str) -> None:
    if isinstance(value, dict):
        raise rejected(act, f"{at}: expected one figure in {ind.unit}, got a breakdown")
    if isinstance(value, int):
        if ind.value != "integer":
            raise rejected(
                act,
                f"{at}: expected {ind.unit} as a decimal string such as '12.5', "
                f"got the integer {value}",
            )
        return
    assert isinstance(value, Decimal)
    if ind.value == "integer":
        raise rejected(
            act,
            f"{at}: expected an integer number of {ind.unit}, "
            f"got the decimal string {decimal_text(value)!r}",
        )
    # Figures are stored normalised (see _figure), so the exponent counts the places.
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > ind.scale:
        raise rejected(
            act,
            f"{at}: expected at most {ind.scale} decimal places of {ind.unit}, "
            f"got {decimal_text(value)!r}",
        )


def check_figures(regime: Regime, act: ReportSubmit, category_id: str) -> None:
    """The figures are exactly the category's indicators, each written as its indicator says."""
    category = regime.category(category_id)
    figures = act.indicators
    for ind in category.indicators:
        at = f"indicators.{ind.id}"
        value = figures.get(ind.id)
        if value is None:
            raise rejected(
                act, f"{at}: missing (category {category_id!r} reports it, in {ind.unit})"
            )
        if ind.by is None:
            _check_value(act, ind, value, at)
        elif not isinstance(value, dict):
            raise rejected(
                act, f"{at}: expected figures by {ind.by.id} (a mapping), got one figure"
            )
        else:
            for k, v in value.items():
                _check_value(act, ind, v, f"{at}.{k}")
    if len(figures) != len(category.indicators):
        known = [ind.id for ind in category.indicators]
        extra = next(k for k in figures if k not in known)
        raise rejected(
            act,
            f"indicators.{extra}: not an indicator of category {category_id!r} "
            f"(its indicators: {known})",
        )


def submit(state: State, act: ReportSubmit, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._reports, act, "report", act.report, "report")
    p = state._projects.get(act.project)
    if p is None:
        raise rejected(act, f"project: no project {act.project!r} has been approved")
    if p.status != "active":
        raise rejected(
            act, f"project: {p.id!r} is {p.status}; reports are accepted only for an active project"
        )
    start, end = act.period.start, act.period.end
    # Figures cover their days whole, so every moment of them must lie in the validity.
    begins, ends = days_as_moments(start, end)
    if begins < p.valid_from or ends > p.valid_to:
        raise rejected(
            act,
            f"period: {start}..{end} is outside the project's validity "
            f"{instant_text(p.valid_from)}..{instant_text(p.valid_to)}",
        )
    today = ctx.time.date()
    if end > today:
        raise rejected(act, f"period.end: {end} is after the day the report is submitted ({today})")
    periods = state._periods.get(p.id, [])
    i = bisect_left(periods, start, key=lambda t: t[0])
    for neighbour in periods[max(0, i - 1) : i + 1]:
        if neighbour[0] <= end and start <= neighbour[1]:
            raise rejected(
                act,
                f"period: {start}..{end} overlaps report {neighbour[2]!r} "
                f"({neighbour[0]}..{neighbour[1]}) of the same project",
            )
    check_figures(regime, act, p.category)
    check_languages(regime, act, act.notes, "notes")

    def commit() -> None:
        state._reports[act.report] = Report(
            id=act.report,
            project=p.id,
            start=start,
            end=end,
            indicators=act.indicators,
            notes=act.notes,
            submitted=ctx.event,
        )
        insort(state._periods.setdefault(p.id, []), (start, end, act.report))

    return commit


RULES: RuleTable = {ReportSubmit: submit}
