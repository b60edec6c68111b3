"""Opening an embedded deployment from the command line: where it is, and whose keys unlock.

Each party's keystore opens with that party's passphrase only: ``--demo-keys`` (every keystore,
with the published demo passphrase), ``--passphrase-file`` (the acting party's), or
``JOINTZONE_PASSPHRASE_<PARTY>`` / ``JOINTZONE_PASSPHRASE`` from the environment. A party with
none is opened locked: it reads, receives and judges, but signs nothing. So a read-only command
needs no passphrase, and a command acting for one party needs that party's alone.

An official who keeps their own key (``jointzone key generate``) signs with ``--key-file``; its
passphrase comes from ``--passphrase-file`` or ``JOINTZONE_KEY_PASSPHRASE``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from jointzone.cli._console import warn
from jointzone.cli.errors import CliError
from jointzone.cose import CoseSigner
from jointzone.node import (
    Clock,
    EmbeddedDeployment,
    Node,
    deployment_parties,
    passphrase_from_env,
)
from jointzone.node._keyfile import read_key_file
from jointzone.node._keystore import passphrase_from_file

DEMO_PASSPHRASE = b"demo-passphrase-not-a-secret"
KEY_PASSPHRASE_ENV = "JOINTZONE_KEY_PASSPHRASE"  # noqa: S105 - a variable's name, not a secret
_SOURCE = Path(__file__).resolve().parents[3]
_warned: list[bool] = []  # warn once per process, however many deployments it opens

DirArg = Annotated[Path, typer.Argument(metavar="DIR", help="The deployment's directory.")]
SourceArg = Annotated[
    str, typer.Argument(metavar="DIR|URL", help="The deployment's directory, or a node's URL.")
]
DemoOpt = Annotated[
    bool,
    typer.Option(
        "--demo-keys", help="Use the published demo passphrase for every keystore (demo only)."
    ),
]
PassphraseFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        metavar="FILE",
        help="Read the passphrase of the key that signs (the acting party's keystore, or the "
        "--key-file) from FILE instead of the environment.",
    ),
]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        metavar="FILE",
        help="Sign with the official's own key file (jointzone key generate) instead of a key "
        "the node holds.",
    ),
]


def default_path(relative: str) -> Path:
    """A file of the project (the seed regime, the seed scenario): here if the working directory
    has it, else the one beside the installed source."""
    here = Path(relative)
    return here if here.exists() else _SOURCE / relative


def warn_demo() -> None:
    if not _warned:
        _warned.append(True)
        warn(
            "DEMO KEYS: every keystore of this deployment is encrypted with a published demo "
            "passphrase. Never use them for anything real."
        )


def passphrases(
    parties: list[str], *, demo: bool, acting: str | None = None, file: Path | None = None
) -> dict[str, bytes | None]:
    """Each party's keystore passphrase, where one is given (see the module docstring)."""
    if demo:
        warn_demo()
        return dict.fromkeys(parties, DEMO_PASSPHRASE)
    found = {p: passphrase_from_env(p) for p in parties}
    if file is not None:
        if acting is None:
            raise CliError("--passphrase-file needs --party: whose keystore does it open?")
        found[acting] = passphrase_from_file(file)
    return found


@contextmanager
def opened(
    root: Path,
    *,
    demo: bool,
    acting: str | None = None,
    passphrase_file: Path | None = None,
    clock: Clock | None = None,
    read_only: bool = False,
) -> Iterator[EmbeddedDeployment]:
    """The deployment at ``root``, with the keystores the given passphrases unlock.

    ``read_only``: a command that only reads opens every keystore locked, whatever passphrases
    are about, and does not recover (a reader changes nothing)."""
    parties = deployment_parties(root)
    if read_only:
        keys: dict[str, bytes | None] = dict.fromkeys(parties)
    else:
        keys = passphrases(parties, demo=demo, acting=acting, file=passphrase_file)
    with EmbeddedDeployment.open(root, passphrases=keys, clock=clock, recover=not read_only) as d:
        yield d


def node_of(deployment: EmbeddedDeployment, party: str | None) -> Node:
    """The node of ``party``, or the first party's when none is named."""
    if party is None:
        return next(iter(deployment.nodes.values()))
    try:
        return deployment.nodes[party]
    except KeyError:
        raise CliError(
            f"no node of party {party!r} (parties: {', '.join(deployment.nodes)})"
        ) from None


def signer(official: str, key_file: Path | None, passphrase_file: Path | None) -> str | CoseSigner:
    """Who signs: a key the node holds (by id), or the official's own key file."""
    if key_file is None:
        return official
    if passphrase_file is not None:
        secret: bytes | None = passphrase_from_file(passphrase_file)
    else:
        value = os.environ.get(KEY_PASSPHRASE_ENV)
        secret = value.encode() if value else None
    if not secret:
        raise CliError(
            f"{key_file} is encrypted: give its passphrase with --passphrase-file or "
            f"{KEY_PASSPHRASE_ENV}"
        )
    return CoseSigner(kid=official.encode("utf-8"), private_key=read_key_file(key_file, secret))
