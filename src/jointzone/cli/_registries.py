"""The registries of the state as tables. Places are named only through the one renderer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from rich.table import Table

from jointzone import acts
from jointzone.cli.errors import CliError
from jointzone.neutrality import Audience, NameRenderer


def _text(texts: Mapping[str, str] | None, language: str) -> str:
    """A multilingual text in the reader's language, else the first one given (marked)."""
    if not texts:
        return ""
    if language in texts:
        return texts[language]
    lang, value = next(iter(texts.items()))
    return f"[{lang}] {value}"


def _officials(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("official", "party", "name", "roles", "since", "status")
    for o in state.officials.values():
        status = "active" if o.removed_at is None else f"removed at {o.removed_at}"
        t.add_row(o.id, o.party, o.display_name, ", ".join(o.roles), f"#{o.appointed_at}", status)
    return t


def _enterprises(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("enterprise", "party", "names", "address", "categories", "status")
    for e in state.enterprises.values():
        t.add_row(
            e.id,
            e.party,
            " / ".join(e.names.values()),
            place(e.registered_address.place),
            ", ".join(e.categories),
            e.status,
        )
    return t


def _participants(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("participant", "party", "names", "enterprise", "status")
    for p in state.participants.values():
        t.add_row(p.id, p.party, " / ".join(p.names.values()), p.enterprise, p.status)
    return t


def _projects(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("project", "category", "title", "sites", "enterprises", "valid", "status")
    for p in state.projects.values():
        t.add_row(
            p.id,
            p.category,
            _text(p.title, language),
            "; ".join(place(s.place) for s in p.sites),
            "; ".join(f"{party}: {', '.join(es)}" for party, es in p.enterprises.items()),
            f"{p.valid_from} – {p.valid_to}",
            p.status,
        )
    return t


def _reports(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("report", "project", "period", "indicators")
    for r in state.reports.values():
        t.add_row(
            r.id,
            r.project,
            f"{r.start} – {r.end}",
            "; ".join(f"{k}: {v}" for k, v in r.indicators.items()),
        )
    return t


def _decisions(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("decision", "meeting", "subject", "decision text")
    for d in state.decisions.values():
        t.add_row(d.id, str(d.meeting_date), _text(d.subject, language), _text(d.text, language))
    return t


def _incidents(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("incident", "reported by", "place", "occurred", "status", "description")
    for i in state.incidents.values():
        t.add_row(
            i.id,
            i.reported_by,
            place(i.place.place),
            f"{i.occurred_at:%Y-%m-%d %H:%M}Z",
            i.status,
            _text(i.description, language),
        )
    return t


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _certificates(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("certificate", "participant", "party", "project", "places", "valid", "status")
    for c in state.certificates.values():
        status = "valid" if c.revoked is None else f"revoked at #{c.revoked.position}"
        t.add_row(
            c.id,
            c.participant,
            c.party,
            c.project,
            "; ".join(place(p) for p in c.places),
            f"{_time(c.valid_from)} – {_time(c.valid_to)}",
            status,
        )
    return t


def _movements(state: acts.State, language: str, place: Callable[[str], str]) -> Table:
    t = Table("movement", "kind", "certificates", "crossing point", "direction", "time", "vessel")
    for m in state.movements.values():
        t.add_row(
            m.id,
            m.kind,
            str(len(m.certificates)),
            place(m.crossing_point),
            m.direction,
            _time(m.time),
            m.vessel,
        )
    return t


REGISTRIES: dict[str, Callable[[acts.State, str, Callable[[str], str]], Table]] = {
    "officials": _officials,
    "enterprises": _enterprises,
    "participants": _participants,
    "projects": _projects,
    "reports": _reports,
    "decisions": _decisions,
    "incidents": _incidents,
    "certificates": _certificates,
    "movements": _movements,
}


def registry_table(state: acts.State, kind: str, language: str) -> Table:
    try:
        build = REGISTRIES[kind]
    except KeyError:
        raise CliError(f"no registry {kind!r}; choose one of {', '.join(REGISTRIES)}") from None
    regime = state.regime
    if regime is None:
        raise CliError("the log is empty: no regime has been adopted yet")
    if language not in regime.languages:
        raise CliError(
            f"language {language!r} is not one of the regime's: {list(regime.languages)}"
        )
    renderer = NameRenderer(regime.name_orders)
    audience = Audience(language)

    def place(ref: str) -> str:
        return renderer.render(regime.gazetteer.place(ref), audience)

    table = build(state, language, place)
    table.title = f"{kind} ({regime.id} v{regime.version})"
    return table
