"""``jointzone node status``: how one party's node is doing, for a person to read.

    jointzone node status DIR              read from the node's directory, serving or not
    jointzone node status --node URL       asked of the running node (its /api/v1/health)

It prints the node's level, green, yellow or red, then each finding with its reason (and, where
there is one, the technical detail under it), in ``--lang``; ``--json`` prints the report as the
node made it. The judgement and its thresholds are the node's (``jointzone.node._health``): this
module only shows it. Read from a directory, the node's keystore is not judged (that needs its
passphrase), and a node that no process serves is red.

The exit status says the level, for scripts and monitors: 0 green, 2 yellow, 3 red; 1 is an
error, as for every command.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jointzone.cli._client import NodeApi
from jointzone.cli._console import out
from jointzone.cli._i18n import (
    LOCALE_DIR,
    N_,
    NC_,
    SOURCE_LANGUAGE,
    Messages,
    catalogue_path,
    messages,
)
from jointzone.cli.errors import CliError
from jointzone.node import Finding, HealthReport, directory_health, duration_parts

#: The exit status of each level.
EXIT_STATUS = {"green": 0, "yellow": 2, "red": 3}

# The node's templates (jointzone.node._health.TEMPLATES), marked here for the catalogue: a
# report is translated by its English template, so one this list lacks (a newer node's) is shown
# in English. A test keeps the two lists equal.
TEMPLATES = (
    N_("no process serves this node"),
    N_("the database cannot be read"),
    N_("the keystore is locked: this node cannot sign"),
    N_("the regime is not adopted yet: the genesis awaits its signatures"),
    N_("restored from a backup: this node signs nothing until it has caught up with its peers"),
    N_("entries in the log: {size}, final: {final}"),
    N_("no final checkpoint yet"),
    N_("last final checkpoint {age} old, while acts wait to become final"),
    N_("last final checkpoint {age} old; nothing waits to become final"),
    N_("peer {peer} unreachable for {duration}"),
    N_("peer {peer} not reached yet"),
    N_("no contact with peer {peer} for {duration}"),
    N_("peer {peer} reached {duration} ago"),
    N_("peer {peer} is catching up, final entries it lacks: {count}"),
    N_("this node is catching up with peer {peer}, entries it lacks: {count}"),
    N_("messages waiting in the outbox to {peer}: {count}"),
    N_("acts that expire within {duration}: {count}"),
    N_("acts pending: {count}, the oldest {age} old"),
    N_("no acts pending"),
)
LEVEL_WORDS = {
    "green": NC_("health", "green"),
    "yellow": NC_("health", "yellow"),
    "red": NC_("health", "red"),
}
UNIT_WORDS = {"s": N_("{n} s"), "min": N_("{n} min"), "h": N_("{n} h"), "d": N_("{n} d")}


def node_status(
    directory: Annotated[
        Path | None,
        typer.Argument(metavar="DIR", help="The node's directory (or give --node)."),
    ] = None,
    node_url: Annotated[
        str | None, typer.Option("--node", metavar="URL", help="A running node to ask.")
    ] = None,
    language: Annotated[str, typer.Option("--lang", help="Language of the report.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """How a node is doing: green, yellow or red, and each finding with its reason. Exit
    status 0 green, 2 yellow, 3 red."""
    if (directory is None) == (node_url is None):
        raise CliError("give the node's directory, or --node URL, but not both")
    languages = _languages()
    if language not in languages:
        raise CliError(f"--lang: expected one of {', '.join(languages)}, not {language!r}")
    if node_url is not None:
        with NodeApi(node_url) as api:
            report = _asked(api)
    else:
        assert directory is not None
        report = directory_health(directory)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        show(report, messages(language))
    raise typer.Exit(EXIT_STATUS[report.level])


def _asked(api: NodeApi) -> HealthReport:
    return HealthReport.from_json(api.health(), f"the health report of the node at {api.url}")


def show(report: HealthReport, _: Messages) -> None:
    """Print ``report`` in the language of ``_``."""
    level = _.word("health", LEVEL_WORDS[report.level])
    out.print(
        f"[bold {report.level}]"  # the levels are named as their colours
        + escape(_("node of {party}: {level}").format(party=report.party, level=level))
        + "[/]",
        soft_wrap=True,
    )
    width = max(len(_.word("health", w)) for w in LEVEL_WORDS.values())
    for finding in report.findings:
        word = _.word("health", LEVEL_WORDS[finding.level]).ljust(width)
        text = escape(message(finding, _))
        out.print(f"  [{finding.level}]{escape(word)}[/]  {text}", soft_wrap=True)
        if finding.detail:
            out.print(f"  {' ' * width}    [dim]{escape(finding.detail)}[/]", soft_wrap=True)


def message(finding: Finding, _: Messages) -> str:
    """A finding's text in the language of ``_``."""
    values = {
        k: duration(v, _) if isinstance(v, timedelta) else v for k, v in finding.params.items()
    }
    template = _(finding.template)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        # A translation that does not fit the node's values: the node's own English does.
        return finding.template.format(**values)


def duration(value: timedelta, _: Messages) -> str:
    n, unit = duration_parts(value.total_seconds())
    return _(UNIT_WORDS[unit]).format(n=n)


def _languages() -> list[str]:
    found = [p.name for p in sorted(LOCALE_DIR.iterdir()) if catalogue_path(p.name).is_file()]
    return [SOURCE_LANGUAGE, *found]
