"""``jointzone verify-log``: check a published tiles directory offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jointzone.cli._console import progress_bar, say
from jointzone.tlog import Verifier
from jointzone.verify import verify_tiles


def verify_log(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="The tiles directory (checkpoint, tile/...).")
    ],
    keys: Annotated[
        list[str],
        typer.Option(
            "--key",
            metavar="VKEY",
            help="A party node's verifier key (name+hex+base64); repeat for every party.",
        ),
    ],
    older: Annotated[
        list[Path] | None,
        typer.Option(
            "--older",
            metavar="FILE",
            help="An older signed checkpoint this log must be consistent with; repeatable.",
        ),
    ] = None,
) -> None:
    """Verify a tiles directory: signatures, every entry and tile, the root, older checkpoints.

    Exits 0 with a one-line summary, or 1 naming the first discrepancy found.
    """
    verifiers = [Verifier.from_vkey(k) for k in keys]
    with progress_bar("verifying") as progress:
        report = verify_tiles(
            directory, verifiers, older_checkpoints=older or (), progress=progress
        )
    say(report.summary())
