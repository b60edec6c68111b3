"""``jointzone log ...``: commands on a node's log store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jointzone.cli._console import progress_bar, say
from jointzone.cli.errors import CliError
from jointzone.publish import export_tiles
from jointzone.store import open_store

log_app = typer.Typer(help="The verifiable log: publish it as tiles.", no_args_is_help=True)


@log_app.command("export")
def export(
    store_url: Annotated[
        str,
        typer.Option(
            "--store",
            metavar="URL",
            help="The log store: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB.",
        ),
    ],
    directory: Annotated[
        Path,
        typer.Option("--dir", metavar="DIR", help="Where to write the tiles (created if missing)."),
    ],
) -> None:
    """Publish the store's latest checkpoint as C2SP tlog-tiles static files.

    Re-exporting a grown log writes only the new files; the checkpoint is written last.
    """
    with open_store(store_url) as store:
        note = store.checkpoint()
        if note is None:
            raise CliError(f"{store!r} holds no checkpoint yet: there is nothing to publish")
        with progress_bar("exporting") as progress:
            report = export_tiles(store, directory, checkpoint_note=note, progress=progress)
    say(
        f"exported {report.size:,} entries to {directory}: {report.written:,} files written, "
        f"{report.unchanged:,} already there"
    )
