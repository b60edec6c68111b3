"""``jointzone node backup`` and ``node restore``: one node's archive, made while it serves, and
the node restored from it.

    jointzone node backup DIR --out japan-2024-05-01.jzbackup
    jointzone node restore japan-2024-05-01.jzbackup DIR

The archive is encrypted under a passphrase: ``--archive-passphrase-file``, else
``JOINTZONE_BACKUP_PASSPHRASE``, else the node's own passphrase. See ``docs/operations.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from jointzone.cli._console import say
from jointzone.cli._deployment import DEMO_PASSPHRASE, DemoOpt
from jointzone.cli._node import NodeDir, PassphraseFile, _passphrase
from jointzone.node import (
    NodeConfig,
    NodeError,
    backup,
    passphrase_from_env,
    passphrase_from_file,
    restore,
)
from jointzone.tlog import TlogError, Verifier

BACKUP_PASSPHRASE_ENV = "JOINTZONE_BACKUP_PASSPHRASE"  # noqa: S105 - a variable's name

ArchivePassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--archive-passphrase-file",
        metavar="FILE",
        help=f"The archive's passphrase (else {BACKUP_PASSPHRASE_ENV}, else the node's).",
    ),
]


def _archive_passphrase(path: Path | None, node: bytes | None) -> bytes:
    if path is not None:
        return passphrase_from_file(path)
    found = os.environ.get(BACKUP_PASSPHRASE_ENV)
    if found:
        return found.encode()
    if node is None:
        raise NodeError(
            f"the archive needs a passphrase: --archive-passphrase-file, {BACKUP_PASSPHRASE_ENV}, "
            "or the node's own (--passphrase-file, JOINTZONE_PASSPHRASE_<PARTY>)"
        )
    return node


def backup_node(
    directory: NodeDir,
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="The archive to write (a new file).")
    ],
    passphrase_file: PassphraseFile = None,
    archive_passphrase_file: ArchivePassphraseFile = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Write an encrypted archive of the node, signed with its node key, while it serves:
    its database as of one moment, its keystore, configuration and regime."""
    party = NodeConfig.read(directory).party
    node = _passphrase(party, passphrase_file, demo=demo_keys)
    manifest = backup(
        directory,
        out,
        passphrase=node,
        archive_passphrase=_archive_passphrase(archive_passphrase_file, node),
    )
    say(
        f"backed up the node of {manifest.party} to {out}: {manifest.log_size:,} entries "
        f"({manifest.final_size:,} final), {manifest.backend} database, "
        f"{out.stat().st_size:,} bytes"
    )


def restore_node(
    archive: Annotated[Path, typer.Argument(metavar="FILE", help="The archive.")],
    directory: NodeDir,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            metavar="VKEY",
            help="The node's verifier key (node_verifier in its descriptor): needed when DIR "
            "holds no node to check the archive against.",
        ),
    ] = None,
    passphrase_file: PassphraseFile = None,
    archive_passphrase_file: ArchivePassphraseFile = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Restore the node in DIR from an archive of it, checked whole before DIR is touched.
    The node then catches up with its peers before it signs anything."""
    if demo_keys:
        node: bytes | None = DEMO_PASSPHRASE
    elif passphrase_file is not None:
        node = passphrase_from_file(passphrase_file)
    else:
        node = passphrase_from_env(_party(directory, key))
    done = restore(
        archive,
        directory,
        archive_passphrase=_archive_passphrase(archive_passphrase_file, node),
        pin=key,
    )
    m = done.manifest
    say(
        f"restored the node of {m.party} in {directory} from {archive} (taken {m.made_at}: "
        f"{m.log_size:,} entries, {m.final_size:,} final)"
    )
    if done.signed_size > m.log_size:
        say(
            f"this node had signed a checkpoint of size {done.signed_size:,}: the archive is "
            f"{done.signed_size - m.log_size:,} entries behind it"
        )
    say("when served, the node catches up with every peer before it signs anything")
    if done.replaced is not None:
        say(f"the directory it replaced is at {done.replaced}: remove it once caught up")


def _party(directory: Path, key: str | None) -> str:
    """The node's party, to find its passphrase in the environment: DIR's, else the key's."""
    try:
        return NodeConfig.read(directory).party
    except NodeError:
        pass
    if key is not None:
        try:
            return Verifier.from_vkey(key).name.rpartition("/")[2]
        except TlogError:
            pass
    return ""
