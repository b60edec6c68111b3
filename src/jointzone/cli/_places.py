"""``jointzone places``: the regime's gazetteer, each place with every party's names.

One row per place: its neutral ref, its kind, whether it lies in the zone, the place it is part
of, its code, and whether (by sea or by air) people enter and leave the zone there. Then every
party's names for it in every script the gazetteer gives, the parties in the regime's order for
the reader's language. The ``name`` column is the one a document shows: every party's names,
written by the one renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jointzone.cli._check import _default_regime
from jointzone.cli._deployment import opened
from jointzone.cli._i18n import NC_
from jointzone.cli._output import Column, FormatOpt, Rows, Value, emit, plain_text
from jointzone.cli._registries import View
from jointzone.cli._remote import is_node_url, published_replica
from jointzone.cli.errors import CliError
from jointzone.regime import Regime

_WORDS = (
    NC_("place", "island"),
    NC_("place", "island-group"),
    NC_("place", "settlement"),
    NC_("place", "airfield"),
    NC_("place", "port"),
    NC_("crossing", "sea"),
    NC_("crossing", "air"),
)


def places_rows(regime: Regime, language: str) -> Rows:
    """The gazetteer of ``regime`` as a table for a reader of ``language``.

    Column ``names.<party>`` holds that party's names of the place by script (``{"ja": ...,
    "ru": ...}``), the regime's languages first; the table shows them one a line, the reader's
    script first.
    """
    view = View(regime, language)
    _ = view.messages
    scripts = list(regime.languages)
    for place in regime.places:
        for names in place.names.values():
            scripts += [s for s in names if s not in scripts]
    party_name = view.party()

    def lines(value: Value) -> str:
        if not isinstance(value, dict):
            return plain_text(value)
        first = [plain_text(value[language])] if language in value else []
        return "\n".join([*first, *(plain_text(v) for s, v in value.items() if s != language)])

    columns = [
        Column("ref", _("ref"), identifier=True),
        Column("name", _("name")),
        Column("kind", _("kind"), term=True, show=view.word("place")),
        Column("in_zone", _("in the zone")),
        Column("parent", _("part of"), show=view.place()),
        Column("code", _("code")),
        Column("crossing_point", _("crossing point"), term=True, show=view.word("crossing")),
        *(
            Column(f"names.{p}", _("names used by {party}").format(party=party_name(p)), show=lines)
            for p in regime.name_order(language)
        ),
    ]
    crossings = {c.place: c.kind for c in regime.crossing_points}
    records: list[dict[str, Value]] = []
    for place in regime.gazetteer:
        record: dict[str, Value] = {
            "ref": place.ref,
            "name": view.place_name(place.ref),
            "kind": place.kind,
            "in_zone": place.in_zone,
            "parent": place.parent,
            "code": place.code,
            "crossing_point": crossings.get(place.ref),
        }
        for p, names in place.names.items():
            record[f"names.{p}"] = {s: names[s] for s in scripts if s in names}
        records.append(record)
    title = _("places (regime {regime}, version {version})").format(
        regime=regime.id, version=regime.version
    )
    return Rows.of(columns, records, title=title)


def places(
    directory: Annotated[
        str | None,
        typer.Argument(
            metavar="[DIR|URL]",
            help="A deployment, or a node's URL: the regime its log adopted (default: the seed's).",
        ),
    ] = None,
    regime: Annotated[
        Path | None,
        typer.Option("--regime", metavar="DIR", help="Or a regime's directory of files."),
    ] = None,
    language: Annotated[
        str, typer.Option("--lang", help="Language of the headers, words and names.")
    ] = "en",
    output_format: FormatOpt = "table",
) -> None:
    """List the places of the gazetteer, with every party's names, and the crossing points."""
    if directory is not None:
        if is_node_url(directory):
            in_force = published_replica(directory).regime
        else:
            with opened(Path(directory), demo=False, read_only=True) as d:
                in_force = next(iter(d.nodes.values())).replica.regime
        if in_force is None:
            raise CliError("the log is empty: no regime has been adopted yet")
        emit(places_rows(in_force, language), output_format)
        return
    emit(places_rows(Regime.from_dir(regime or _default_regime()), language), output_format)
