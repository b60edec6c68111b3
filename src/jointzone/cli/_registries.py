"""The registries of the state as tables (:class:`~jointzone.cli._output.Rows`).

Values are what the state holds — ids, refs, statuses, log positions, dates and times in the
acts' canonical spelling — and each column says how the table shows them in the reader's
language: headers and statuses through the message catalogue, parties, categories and roles by
the names the regime gives them, and places only through the one renderer, with every party's
names in the regime's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rich.table import Table

from jointzone import acts
from jointzone.acts._state import Figure
from jointzone.acts._types import b64url, decimal_text, instant_text
from jointzone.cli._console import out
from jointzone.cli._i18n import NC_, Messages, messages
from jointzone.cli._output import Column, Rows, Value, plain_text, to_rich
from jointzone.cli.errors import CliError
from jointzone.neutrality import Audience, NameRenderer
from jointzone.node import ProposalStatus, fingerprint
from jointzone.regime import Regime, RegimeError
from jointzone.tlog import Verifier

# Words that reach the tables as data, marked so the catalogue has them. The context is the
# record they describe: other languages say "open" or "active" differently for each.
_WORDS = (
    NC_("official", "active"),
    NC_("official", "removed"),
    NC_("enterprise", "registered"),
    NC_("enterprise", "deregistered"),
    NC_("participant", "enrolled"),
    NC_("participant", "withdrawn"),
    NC_("project", "active"),
    NC_("project", "suspended"),
    NC_("project", "closed"),
    NC_("incident", "open"),
    NC_("incident", "resolved"),
    NC_("certificate", "valid"),
    NC_("certificate", "revoked"),
    NC_("movement", "record"),
    NC_("movement", "manifest"),
    NC_("movement", "in"),
    NC_("movement", "out"),
    NC_("registry", "officials"),
    NC_("registry", "enterprises"),
    NC_("registry", "participants"),
    NC_("registry", "projects"),
    NC_("registry", "reports"),
    NC_("registry", "decisions"),
    NC_("registry", "incidents"),
    NC_("registry", "certificates"),
    NC_("registry", "movements"),
    NC_("key", "node"),
    NC_("key", "root"),
    NC_("proposal", "open"),
    NC_("proposal", "committed"),
    NC_("proposal", "rejected"),
    NC_("proposal", "expired"),
    NC_("consent", "complete"),
    NC_("consent", "incomplete"),
)


class View:
    """How the tables of one regime show values to a reader of one of its languages."""

    def __init__(self, regime: Regime, language: str) -> None:
        if language not in regime.languages:
            raise CliError(
                f"language {language!r} is not one of the regime's: {list(regime.languages)}"
            )
        self.regime = regime
        self.language = language
        self.messages: Messages = messages(language)
        self._renderer = NameRenderer(regime.name_orders)
        self._audience = Audience(language)
        # Indicator ids are unique within a category; across them the first name serves.
        self._indicators: dict[str, str] = {}
        for c in regime.categories:
            for i in c.indicators:
                self._indicators.setdefault(i.id, i.names.get(language, i.id))

    def word(self, context: str) -> Callable[[Value], str]:
        """Shows a word marked with ``NC_(context, ...)``, or a list of them."""

        def show(value: Value) -> str:
            if isinstance(value, list):
                return ", ".join(show(v) for v in value)
            return self.messages.word(context, str(value))

        return show

    def _named(self, names: Callable[[str], Mapping[str, str]]) -> Callable[[Value], str]:
        def show(value: Value) -> str:
            if isinstance(value, list):
                return ", ".join(show(v) for v in value)
            try:
                return names(str(value)).get(self.language, str(value))
            except RegimeError:  # the id of something a later version of the regime dropped
                return str(value)

        return show

    def party(self) -> Callable[[Value], str]:
        """Shows a party id, or a list of them, by the regime's names."""
        return self._named(lambda p: self.regime.party(p).names)

    def category(self) -> Callable[[Value], str]:
        return self._named(lambda c: self.regime.category(c).names)

    def role(self) -> Callable[[Value], str]:
        return self._named(lambda r: self.regime.role(r).names)

    def place_name(self, ref: str) -> str:
        """A place by every party's names, in the regime's order for the reader's language."""
        try:
            place = self.regime.gazetteer.place(ref)
        except RegimeError:
            return ref
        return self._renderer.render(place, self._audience)

    def place(self) -> Callable[[Value], str]:
        """Shows a place ref, or a list of them, through the renderer."""

        def show(value: Value) -> str:
            if isinstance(value, list):
                return "; ".join(self.place_name(str(v)) for v in value)
            return self.place_name(str(value))

        return show

    def indicator(self, indicator_id: str) -> str | None:
        """An indicator's name in the reader's language; None for an id the regime lacks."""
        return self._indicators.get(indicator_id)

    def indicators(self, value: Value) -> str:
        """Shows a report's figures by the regime's names of its indicators."""
        if not isinstance(value, dict):
            return plain_text(value)
        return "; ".join(f"{self._indicators.get(k, k)}: {plain_text(v)}" for k, v in value.items())

    def text(self, texts: Mapping[str, str] | None) -> str | None:
        """A multilingual text in the reader's language, else the first one given, marked."""
        if not texts:
            return None
        if self.language in texts:
            return texts[self.language]
        lang, value = next(iter(texts.items()))
        return f"[{lang}] {value}"


def position(value: Value) -> str:
    """A log position as the table shows it."""
    return f"#{value}"


def slashed(value: Value) -> str:
    """Names of one thing in several scripts, as one line."""
    return (
        " / ".join(plain_text(v) for v in value) if isinstance(value, list) else plain_text(value)
    )


def _figure(value: Figure) -> Value:
    """A report figure as data: integers stay numbers, decimals are their canonical strings."""
    if isinstance(value, dict):
        return {k: _figure(v) for k, v in value.items()}
    return value if isinstance(value, int) else decimal_text(value)


def _officials(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("official", _("official"), identifier=True),
        Column("party", _("party"), term=True, show=v.party()),
        Column("name", _("name")),
        Column("roles", _("roles"), term=True, show=v.role()),
        Column("appointed_at", _("appointed at"), show=position),
        Column("status", _("status"), term=True, show=v.word("official")),
        Column("removed_at", _("removed at"), show=position),
    ]
    records: list[dict[str, Value]] = [
        {
            "official": o.id,
            "party": o.party,
            "name": o.display_name,
            "roles": list(o.roles),
            "appointed_at": o.appointed_at,
            "status": "active" if o.removed_at is None else "removed",
            "removed_at": o.removed_at,
        }
        for o in state.officials.values()
    ]
    return Rows.of(columns, records)


def _enterprises(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("enterprise", _("enterprise"), identifier=True),
        Column("party", _("party"), term=True, show=v.party()),
        Column("names", _("names"), show=slashed),
        Column("address", _("registered address"), show=v.place()),
        Column("categories", _("categories"), term=True, show=v.category()),
        Column("status", _("status"), term=True, show=v.word("enterprise")),
    ]
    records: list[dict[str, Value]] = [
        {
            "enterprise": e.id,
            "party": e.party,
            "names": list(e.names.values()),
            "address": e.registered_address.place,
            "categories": list(e.categories),
            "status": e.status,
        }
        for e in state.enterprises.values()
    ]
    return Rows.of(columns, records)


def _participants(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("participant", _("participant"), identifier=True),
        Column("party", _("party"), term=True, show=v.party()),
        Column("names", _("names"), show=slashed),
        Column("enterprise", _("enterprise"), identifier=True),
        Column("status", _("status"), term=True, show=v.word("participant")),
    ]
    records: list[dict[str, Value]] = [
        {
            "participant": p.id,
            "party": p.party,
            "names": list(p.names.values()),
            "enterprise": p.enterprise,
            "status": p.status,
        }
        for p in state.participants.values()
    ]
    return Rows.of(columns, records)


def _projects(state: acts.State, v: View) -> Rows:
    _ = v.messages
    parties = v.regime.party_ids
    party_name = v.party()
    columns = [
        Column("project", _("project"), identifier=True),
        Column("category", _("category"), term=True, show=v.category()),
        Column("title", _("title")),
        Column("sites", _("sites"), show=v.place()),
        # A column per party: which enterprises of each take part is the point of a project.
        *(
            Column(
                f"enterprises.{p}",
                _("enterprises: {party}").format(party=party_name(p)),
                identifier=True,
            )
            for p in parties
        ),
        Column("valid_from", _("valid from")),
        Column("valid_to", _("valid to")),
        Column("status", _("status"), term=True, show=v.word("project")),
    ]
    records: list[dict[str, Value]] = []
    for p in state.projects.values():
        record: dict[str, Value] = {
            "project": p.id,
            "category": p.category,
            "title": v.text(p.title),
            "sites": [s.place for s in p.sites],
            "valid_from": instant_text(p.valid_from),
            "valid_to": instant_text(p.valid_to),
            "status": p.status,
        }
        for party in parties:
            record[f"enterprises.{party}"] = list(p.enterprises.get(party, ()))
        records.append(record)
    return Rows.of(columns, records)


def _reports(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("report", _("report"), identifier=True),
        Column("project", _("project"), identifier=True),
        Column("start", _("from")),
        Column("end", _("to")),
        Column("indicators", _("figures"), show=v.indicators),
    ]
    records: list[dict[str, Value]] = [
        {
            "report": r.id,
            "project": r.project,
            "start": r.start.isoformat(),
            "end": r.end.isoformat(),
            "indicators": {k: _figure(f) for k, f in r.indicators.items()},
        }
        for r in state.reports.values()
    ]
    return Rows.of(columns, records)


def _decisions(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("decision", _("decision"), identifier=True),
        Column("meeting_date", _("meeting")),
        Column("subject", _("subject")),
        Column("text", _("decision text")),
    ]
    records: list[dict[str, Value]] = [
        {
            "decision": d.id,
            "meeting_date": d.meeting_date.isoformat(),
            "subject": v.text(d.subject),
            "text": v.text(d.text),
        }
        for d in state.decisions.values()
    ]
    return Rows.of(columns, records)


def _incidents(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("incident", _("incident"), identifier=True),
        Column("reported_by", _("reported by"), term=True, show=v.party()),
        Column("place", _("place"), show=v.place()),
        Column("occurred_at", _("occurred")),
        Column("status", _("status"), term=True, show=v.word("incident")),
        Column("description", _("description")),
    ]
    records: list[dict[str, Value]] = [
        {
            "incident": i.id,
            "reported_by": i.reported_by,
            "place": i.place.place,
            "occurred_at": instant_text(i.occurred_at),
            "status": i.status,
            "description": v.text(i.description),
        }
        for i in state.incidents.values()
    ]
    return Rows.of(columns, records)


def _certificates(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("certificate", _("certificate"), identifier=True),
        Column("participant", _("participant"), identifier=True),
        Column("party", _("party"), term=True, show=v.party()),
        Column("project", _("project"), identifier=True),
        Column("places", _("places"), show=v.place()),
        Column("valid_from", _("valid from")),
        Column("valid_to", _("valid to")),
        Column("status", _("status"), term=True, show=v.word("certificate")),
        Column("revoked_at", _("revoked at"), show=position),
    ]
    records: list[dict[str, Value]] = [
        {
            "certificate": c.id,
            "participant": c.participant,
            "party": c.party,
            "project": c.project,
            "places": list(c.places),
            "valid_from": instant_text(c.valid_from),
            "valid_to": instant_text(c.valid_to),
            "status": "valid" if c.revoked is None else "revoked",
            "revoked_at": None if c.revoked is None else c.revoked.position,
        }
        for c in state.certificates.values()
    ]
    return Rows.of(columns, records)


def _few(value: Value) -> str:
    """A list of ids, the first three of a long one and how many there are in all."""
    if not isinstance(value, list) or len(value) <= 3:
        return plain_text(value)
    return f"{plain_text(value[:3])} … ({len(value)})"


def _movements(state: acts.State, v: View) -> Rows:
    _ = v.messages
    columns = [
        Column("movement", _("movement"), identifier=True),
        Column("kind", _("kind"), term=True, show=v.word("movement")),
        Column("certificates", _("certificates"), show=_few),
        Column("crossing_point", _("crossing point"), show=v.place()),
        Column("direction", _("direction"), term=True, show=v.word("movement")),
        Column("time", _("time")),
        Column("vessel", _("vessel")),
    ]
    records: list[dict[str, Value]] = [
        {
            "movement": m.id,
            "kind": m.kind,
            "certificates": list(m.certificates),
            "crossing_point": m.crossing_point,
            "direction": m.direction,
            "time": instant_text(m.time),
            "vessel": m.vessel,
        }
        for m in state.movements.values()
    ]
    return Rows.of(columns, records)


REGISTRIES: dict[str, Callable[[acts.State, View], Rows]] = {
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


def view_of(state: acts.State, language: str) -> View:
    """The view of the regime in force, for a reader of ``language``."""
    regime = state.regime
    if regime is None:
        raise CliError("the log is empty: no regime has been adopted yet")
    return View(regime, language)


def registry_rows(state: acts.State, kind: str, language: str) -> Rows:
    """Registry ``kind`` (a key of :data:`REGISTRIES`) of ``state`` for a reader of ``language``."""
    try:
        build = REGISTRIES[kind]
    except KeyError:
        raise CliError(f"no registry {kind!r}; choose one of {', '.join(REGISTRIES)}") from None
    view = view_of(state, language)
    rows = build(state, view)
    _ = view.messages
    title = _("{registry} (regime {regime}, version {version})").format(
        registry=_.word("registry", kind),
        regime=view.regime.id,
        version=view.regime.version,
    )
    return Rows(rows.columns, rows.rows, title)


def registry_table(
    state: acts.State, kind: str, language: str, *, width: int | None = None
) -> Table:
    """The registry as a Rich table for the standard output's width (or ``width``).

    For callers that print it themselves; :func:`registry_rows` with
    :func:`~jointzone.cli._output.emit` gives JSON and CSV too.
    """
    return to_rich(registry_rows(state, kind, language), width=width or out.width)


def keys_rows(state: acts.State, language: str = "en") -> Rows:
    """Each party's node verifier key and root keys with their fingerprints, as the log declares
    them: what the parties exchange and compare out of band.

    A node key is its C2SP verifier key (``<name>+<hash>+<key>``), a root key the unpadded
    base64url of its 32 bytes; either's fingerprint is of the raw 32-byte public key. Root keys
    sign from position ``valid_from`` until (not including) ``valid_until``; a node key signs
    the checkpoints whose last entry lies there (a rotated-out key overlaps its successor).
    ``compromised`` is the position of the act that removed a root key as compromised.
    """
    view = view_of(state, language)
    _ = view.messages
    columns = [
        Column("party", _("party"), term=True, show=view.party()),
        Column("kind", _("key"), term=True, show=view.word("key")),
        Column("id", _("key id"), identifier=True),
        Column("key", _("public key"), identifier=True),
        Column("fingerprint", _("fingerprint"), identifier=True),
        Column("valid_from", _("valid from"), show=position),
        Column("valid_until", _("valid until"), show=position),
        Column("compromised", _("compromised"), show=position),
    ]
    records: list[dict[str, Value]] = []
    for party, held in state.parties.items():
        for key in held.node_keys:
            node_key = Verifier.from_vkey(key.verifier)
            records.append(
                {
                    "party": party,
                    "kind": "node",
                    "id": node_key.name,
                    "key": key.verifier,
                    "fingerprint": fingerprint(node_key.public_key_bytes),
                    "valid_from": key.from_size - 1,
                    "valid_until": None if key.until_size is None else key.until_size - 1,
                }
            )
        records += [
            {
                "party": party,
                "kind": "root",
                "id": root.id,
                "key": b64url(root.key.public_key),
                "fingerprint": fingerprint(root.key.public_key),
                "valid_from": root.key.valid_from,
                "valid_until": root.key.valid_until,
                "compromised": None if root.compromised is None else root.compromised.position,
            }
            for root in held.root_keys
        ]
    title = _("keys (regime {regime}, version {version})").format(
        regime=view.regime.id, version=view.regime.version
    )
    return Rows.of(columns, records, title=title)


def proposals_rows(
    statuses: Iterable[ProposalStatus], regime: Regime, language: str = "en"
) -> Rows:
    """Proposals as a node sees them (``Node.proposals()``), whole act ids and all.

    ``missing`` is the consent layer's own account of who has yet to sign, in English.
    """
    view = View(regime, language)
    _ = view.messages
    columns = [
        Column("act", _("act"), identifier=True),
        Column("type", _("act type"), identifier=True),
        Column("proposed_by", _("proposed by"), term=True, show=view.party()),
        Column("proposed_at", _("proposed")),
        Column("expires_at", _("expires")),
        Column("status", _("status"), term=True, show=view.word("proposal")),
        Column("position", _("position"), show=position),
        Column("signed_by", _("signed by"), identifier=True),
        Column("consent", _("consent"), term=True, show=view.word("consent")),
        Column("missing", _("awaiting")),
    ]
    records: list[dict[str, Value]] = [
        {
            "act": s.proposal.id,
            "type": s.proposal.act_type,
            "proposed_by": s.proposal.content.proposed_by,
            "proposed_at": instant_text(s.proposal.content.proposed_at),
            "expires_at": instant_text(s.proposal.content.expires_at),
            "status": s.status,
            "position": s.index,
            "signed_by": [k.decode("utf-8", "replace") for k in s.proposal.kids],
            "consent": "complete" if s.verdict.satisfied else "incomplete",
            "missing": list(s.verdict.missing),
        }
        for s in statuses
    ]
    return Rows.of(columns, records)
