"""The map and the charts pages: pictures drawn on the node as inline SVG, each with its data as
a table beside it for readers who cannot see it.

Both are drawn from the node's own record (the regime's outlines and places, the state, the
committed entries) in the reader's language, and cached by log size: a picture changes only when
the log grows.
"""

from __future__ import annotations

import functools
import threading
from datetime import date
from typing import TYPE_CHECKING, Any

from babel.dates import format_skeleton
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from jointzone.consent import read_committed
from jointzone.web import _charts, _map
from jointzone.web._i18n import Language
from jointzone.web._labels import N_

if TYPE_CHECKING:
    from jointzone.acts import Project
    from jointzone.node import Node
    from jointzone.web._pages import Pages

#: The kinds of act the charts count, by their family (the part of the type before the dot).
FAMILIES = {
    "regime": N_("Regime"),
    "official": N_("Officials"),
    "enterprise": N_("Enterprises"),
    "participant": N_("Participants"),
    "project": N_("Projects"),
    "certificate": N_("Certificates"),
    "movement": N_("Movements"),
    "report": N_("Reports"),
    "committee": N_("Committee"),
    "incident": N_("Incidents"),
}
#: The regime's unit symbols as a reader's language writes them.
UNITS = {"t": N_("t"), "m2": N_("m²"), "m3": N_("m³"), "kWh": N_("kWh"), "persons": N_("persons")}
#: Entries read at once when counting acts for a chart.
_CHUNK = 1000


def map_words(lang: Language) -> _map.MapWords:
    _ = lang.gettext
    return _map.MapWords(
        title=_("Map of the zone"),
        summary=_("A map of the islands of the zone and the places around them."),
        islands=_("Islands: %(names)s."),
        places=_("Other places: %(names)s."),
        beyond=_("Beyond the map: %(names)s."),
        project_sites=_("Project sites: %(names)s."),
        sea_crossings=_("Crossing points by sea: %(names)s."),
        air_crossings=_("Crossing points by air: %(names)s."),
        legend=_("Legend"),
        island=_("Island"),
        other_land=_("Other land"),
        place=_("Place"),
        direction=_("Direction of a place beyond the map"),
        project=_("Project site"),
        sea=_("Crossing point by sea"),
        air=_("Crossing point by air"),
        marker=_("%(kind)s: %(place)s"),
        marker_label=_("%(kind)s: %(place)s (%(label)s)"),
    )


def title_of(project: Project, lang: Language) -> str:
    """A project's title in the reader's language, else in the first language it has."""
    return project.title.get(lang.code) or next(iter(project.title.values()), project.id)


def _month(lang: Language) -> Any:
    def show(month: str) -> str:
        year, number = month.split("-")
        return format_skeleton("yMMM", date(int(year), int(number), 1), locale=lang.code)

    return show


def _period(lang: Language) -> Any:
    def show(period: str) -> str:
        start, _, end = period.partition("/")
        fmt = functools.partial(format_skeleton, "yMMMd", locale=lang.code)
        return f"{fmt(date.fromisoformat(start))} – {fmt(date.fromisoformat(end))}"

    return show


class _Cache:
    """Pictures by (what, language, log size): drawn once per size of the log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, int], Any] = {}

    def get(self, key: tuple[str, str, int], make: Any) -> Any:
        with self._lock:
            if key in self._items:
                return self._items[key]
        value = make()
        with self._lock:
            if len(self._items) > 64:
                self._items.clear()
            self._items[key] = value
        return value


def _entries(n: Node) -> list[Any]:
    out = []
    size = n.log_size()
    for start in range(0, size, _CHUNK):
        for i, data in enumerate(n.read_entries(start, min(start + _CHUNK, size))):
            out.append(read_committed(data, index=start + i))
    return out


def add_picture_routes(router: APIRouter, pages: Pages) -> None:
    service = pages.service
    cache = _Cache()

    @router.get("/map", response_class=HTMLResponse)
    def map_page(request: Request) -> Response:
        pages.signed_in(request)
        lang = pages.language(request)
        with service.locked() as n:
            regime = n.replica.regime or service.standalone.regime
            state = n.replica.state
            size = n.log_size()

            def draw() -> str:
                markers = _map.markers_of(regime, state, lang.code)
                return _map.zone_map(regime, lang.code, map_words(lang), markers=markers)

            svg = cache.get(("map", lang.code, size), draw)
            places = regime.gazetteer.in_zone()
        return pages.render(request, "map.html", svg=Markup(svg), places=places)  # noqa: S704 - drawn here, every text escaped

    @router.get("/charts", response_class=HTMLResponse)
    def charts_page(request: Request) -> Response:
        pages.signed_in(request)
        lang = pages.language(request)
        _ = lang.gettext
        chosen = request.query_params.get("project")
        with service.locked() as n:
            regime = n.replica.regime or service.standalone.regime
            state = n.replica.state
            size = n.log_size()
            projects = sorted(state.projects.values(), key=lambda p: p.id)
            entries = cache.get(("entries", "", size), lambda: _entries(n))
            people = _charts.people_per_month(state)
            project = state.projects.get(chosen) if chosen else None
            if project is None and projects:
                project = next((p for p in projects if state.reports_of(p.id)), projects[0])
            figures = [] if project is None else _charts.indicators_over_time(state, project.id)
        month = _month(lang)
        acts = cache.get(
            ("acts", lang.code, size),
            lambda: _charts.stacked_bar_chart(
                _charts.acts_per_month(entries),
                title=_("Acts committed per month, by kind"),
                labels={k: _(v) for k, v in FAMILIES.items()},
                x_heading=_("Month"),
                empty=_("No act is committed yet."),
                number=lang.number,
                x_label=month,
                total=_("Total"),
                id_prefix="acts",
            ),
        )
        people_chart = _charts.stacked_bar_chart(
            people,
            title=_("Participants enrolled and people who crossed, per month"),
            labels={
                "participants": _("Participants enrolled"),
                "movements": _("People who crossed"),
            },
            x_heading=_("Month"),
            empty=_("No participant or movement yet."),
            number=lang.number,
            x_label=month,
            id_prefix="people",
        )
        indicator_chart = None
        if project is not None:
            names, units = _charts.indicator_labels(
                regime, project.category, lang.code, unit=lambda u: _(UNITS[u]) if u in UNITS else u
            )
            indicator_chart = _charts.line_chart(
                figures,
                title=_("Reported indicators: %(project)s") % {"project": title_of(project, lang)},
                labels=names,
                units=units,
                x_heading=_("Reporting period"),
                empty=_("This project has reported nothing yet."),
                number=lang.number,
                x_label=_period(lang),
                id_prefix="indicators",
            )
        return pages.render(
            request,
            "charts.html",
            charts=[c for c in (acts, people_chart, indicator_chart) if c is not None],
            svg=lambda c: Markup(c.svg),  # noqa: S704 - drawn here, every text escaped
            projects=[(p, title_of(p, lang)) for p in projects],
            project=project,
        )
