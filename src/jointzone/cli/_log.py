"""``jointzone log ...``: commands on a node's log store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jointzone.cli._console import progress_bar, say
from jointzone.cli._deployment import DemoOpt, node_of, opened
from jointzone.cli.errors import CliError
from jointzone.publish import export_tiles
from jointzone.store import LogStore, open_store

log_app = typer.Typer(help="The verifiable log: publish it as tiles.", no_args_is_help=True)


@log_app.command("export")
def export(
    directory: Annotated[
        Path | None,
        typer.Argument(metavar="[DIR]", help="The deployment whose node's log to publish."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Where to write the tiles (created if missing)."),
    ] = None,
    party: Annotated[
        str | None, typer.Option("--party", help="Whose node's log (default: the first party's).")
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="URL",
            help="Or a log store itself, instead of a deployment: sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB.",
        ),
    ] = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Publish a node's latest final checkpoint and its log as C2SP tlog-tiles static files.

    Re-exporting a grown log writes only the new files; the checkpoint is written last.
    """
    if out_dir is None:
        raise CliError("give --out DIR: where to write the tiles")
    if (directory is None) == (store_url is None):
        raise CliError("give the deployment's DIR or --store URL (one of them)")
    if store_url is not None:
        with open_store(store_url) as store:
            _export(store, out_dir, f"{store!r}")
        return
    assert directory is not None
    with opened(directory, demo=demo_keys, read_only=True) as d:
        node = node_of(d, party)
        _export(node.store, out_dir, f"{node.party}'s node")


def _export(store: LogStore, out_dir: Path, whose: str) -> None:
    note = store.checkpoint()
    if note is None:
        raise CliError(f"{whose} holds no checkpoint yet: there is nothing to publish")
    with progress_bar("exporting") as progress:
        report = export_tiles(store, out_dir, checkpoint_note=note, progress=progress)
    say(
        f"exported {report.size:,} entries of {whose} to {out_dir}: "
        f"{report.written:,} files written, {report.unchanged:,} already there"
    )
