"""``jointzone verify-log``: check a published log, a tiles directory or its URL, pinning the
parties."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jointzone import inputs
from jointzone.cli._console import progress_bar, say
from jointzone.cli.errors import CliError
from jointzone.node import AuditError, EntryJudge, genesis_node_keys, pinned_verifiers
from jointzone.tlog import Note, Verifier, leaf_hash
from jointzone.trust import BundleError, KeyChange, bundle_key_changes, keys_in_force
from jointzone.verify import (
    CheckpointSignatureError,
    EntryRefusedError,
    Judge,
    KeysAt,
    Report,
    read_checkpoint,
    read_first_entry,
    verify_tiles,
)


def verify_log(
    location: Annotated[
        str,
        typer.Argument(
            metavar="DIR|URL",
            help="The tiles directory (checkpoint, tile/...), or the http:// or https:// URL "
            "prefix the log is served under.",
        ),
    ],
    keys: Annotated[
        list[str],
        typer.Option(
            "--key",
            metavar="VKEY",
            help="A party node's verifier key (name+hash+base64), given out of band; repeat for "
            "every party the log's genesis names.",
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
    judge: Annotated[
        bool,
        typer.Option(
            "--judge",
            help="Also judge every entry as a witness does: each signature against the keys "
            "valid at its position, the consent its act type needs, its state transition.",
        ),
    ] = False,
    trust: Annotated[
        Path | None,
        typer.Option(
            "--trust",
            metavar="BUNDLE",
            help="A trust bundle of this log: the node-key changes it carries are followed from "
            "the keys given, so a log whose node keys rotated verifies without judging every "
            "entry to learn them.",
        ),
    ] = None,
) -> None:
    """Verify a published log: signatures, every entry and tile, the root, older checkpoints.

    The log is read from a tiles directory or fetched from the URL prefix it is served under;
    over HTTP every file is bounded as on disk and a redirect to another origin is refused.

    The checkpoint must carry a valid signature from every party the log's genesis names, made
    with the node key the genesis declares, and those keys must be the ones given with --key.
    With --judge, every entry must also be an act its signers could make at its position: an
    entry signed by a key removed or declared compromised before it is refused, while entries
    signed before the key went keep verifying. Exits 0 with a one-line summary, or 1 naming the
    first discrepancy found.
    """
    genesis = read_first_entry(location)
    verifiers = pinned_verifiers(genesis_node_keys(genesis), keys)
    changes = [] if trust is None else _key_changes(trust, verifiers)

    def run(entries: EntryJudge | None, keys_at: KeysAt | None = None) -> Report:
        with progress_bar("verifying") as progress:
            return verify_tiles(
                location,
                verifiers,
                older_checkpoints=[*(older or ()), *(c.checkpoint for c in changes)],
                progress=progress,
                judge=None if entries is None else _judge(entries),
                keys_at=keys_at,
            )

    entries = EntryJudge() if judge else None
    if changes:
        # Each change's checkpoint is of this log (an older checkpoint the tree must hold), and
        # from its size on its keys sign.
        report = run(entries, keys_at=keys_in_force(changes, verifiers))
    else:
        try:
            report = run(entries)
        except CheckpointSignatureError as e:
            if not _signed_under_pinned_names(location, verifiers):
                raise
            # The genesis keys no longer sign: follow the node keys from the genesis through
            # the log, each new key from the entry that declares it, judging every entry.
            say(
                f"{e}: the node keys changed since the genesis; following them through the "
                "log (--trust BUNDLE follows a bundle's key changes instead)"
            )
            entries = EntryJudge()
            report = run(entries, keys_at=entries.replica.node_verifiers)
    if report.first_leaf != leaf_hash(genesis):
        raise CliError(f"{location}: entry 0 changed while it was being verified")
    say(report.summary())


def _key_changes(path: Path, verifiers: list[Verifier]) -> list[KeyChange]:
    try:
        data = inputs.read_bytes(path, limit=inputs.TRUST_BUNDLE.max_bytes, what="trust bundle")
        return bundle_key_changes(data, verifiers)
    except inputs.InputError as e:
        raise CliError(f"--trust: {e}") from e
    except BundleError as e:
        raise CliError(f"--trust {path}: {e}") from e


def _signed_under_pinned_names(location: str, verifiers: list[Verifier]) -> bool:
    """Whether the checkpoint carries a signature under a pinned key's name with another key:
    a node key rotated since the genesis, which only the entries can vouch for."""
    note = Note.from_bytes(read_checkpoint(location))
    pinned = {(v.name, v.key_hash) for v in verifiers}
    names = {v.name for v in verifiers}
    return any(s.name in names and (s.name, s.key_hash) not in pinned for s in note.signatures)


def _judge(entries: EntryJudge) -> Judge:
    """Each entry judged in turn by a replica of the log built from the entries before it."""

    def judge(index: int, data: bytes) -> None:
        try:
            entries(index, data)
        except AuditError as e:
            raise EntryRefusedError(f"{e} (judged at its position in the log)", entry=index) from e

    return judge
