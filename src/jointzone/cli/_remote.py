"""Act commands against a running node: the target is a directory or a node's URL.

``jointzone act propose --node URL FILE`` and ``jointzone act propose URL FILE`` are the same
command. At a node the official always signs with their own key file (``--key-file``), on this
machine: the node never holds an official's key, and takes only the signed COSE bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from jointzone.cli._client import NodeApi
from jointzone.cli.errors import CliError
from jointzone.consent import ConsentError, Rejection
from jointzone.cose import CoseSigner
from jointzone.node import Replica
from jointzone.tlog import (
    Checkpoint,
    CompactRange,
    MalformedError,
    Note,
    SignatureError,
    bundles_for_size,
    decode_bundle,
    entries_path,
    leaf_hashes,
    open_checkpoint,
)

T = TypeVar("T")

TargetArg = Annotated[
    str | None,
    typer.Argument(metavar="DIR|URL", help="The deployment's directory, or a node's URL."),
]
NodeOpt = Annotated[
    str | None,
    typer.Option("--node", metavar="URL", help="Act at the running node at URL."),
]


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def remote_target(
    directory: str | None, node: str | None, rest: list[str | None]
) -> tuple[str | Path, list[str | None]]:
    """The target (a node URL, or a directory as a Path) and the other positionals.

    With ``--node`` the positionals shift left: what Typer read as the directory is the first
    of the others."""
    if node is not None:
        if not _is_url(node):
            raise CliError(f"--node {node!r}: expected the node's http:// or https:// URL")
        shifted = [directory, *rest]
        return node, shifted[: len(rest)] if rest else []
    if directory is None:
        raise CliError("give the deployment's directory or a node's URL (or --node URL)")
    if _is_url(directory):
        return directory, rest
    return Path(directory), rest


def required(value: T | None, name: str) -> T:
    if value is None or value == "":
        raise CliError(f"missing {name}")
    return value


def own_key(who: str | CoseSigner) -> CoseSigner:
    if isinstance(who, str):
        raise CliError(
            f"a node never holds an official's key: give {who}'s own key file (--key-file)"
        )
    return who


def propose(api: NodeApi, act: dict[str, Any], signer: CoseSigner) -> str:
    proposal = api.propose(act, [signer])
    s = api.status(proposal.id)
    return f"proposed act {proposal.id} ({proposal.act_type}): {s.verdict.explain()}"


def sign(api: NodeApi, act_id: str, signer: CoseSigner) -> str:
    proposal, added = api.sign(api.resolve(act_id), [signer])
    s = api.status(proposal.id)
    who = signer.kid.decode("utf-8", "replace")
    if not added:
        return f"act {proposal.id} already carries {who}'s signature: nothing added"
    return f"signed act {proposal.id} as {who}: {s.verdict.explain()}"


def reject(api: NodeApi, act_id: str, signer: CoseSigner, reason: str) -> str:
    if not reason.strip():
        raise CliError("a rejection must give its reason")
    context = api.context()
    s = api.status(api.resolve(act_id))
    try:
        rejection = Rejection.create(
            act_id=s.proposal.id,
            origin=s.proposal.content.origin,
            party=context["party"],
            reason=reason,
            at=datetime.now(UTC).replace(microsecond=0),
            signer=signer,
        )
    except ConsentError as e:
        raise CliError(str(e)) from e
    api.reject(rejection)
    return f"rejected act {rejection.act_id} for {rejection.party} ({rejection.official}): {reason}"


def is_node_url(text: str) -> bool:
    """Whether a command's DIR|URL argument names a running node rather than a directory."""
    return text.startswith(("http://", "https://"))


def published_replica(url: str) -> Replica:
    """The state of the log a node publishes at ``url``, derived here from its tiles.

    Nothing the node says about its state is taken: the entries are read from its public
    ``tile/entries`` bundles, their tree must have the root of its latest final checkpoint,
    and that checkpoint must carry the signature of every party's node the log's own genesis
    names. (Pin the keys with ``verify-log URL --key ...`` to check those, too.)
    """
    with NodeApi(url) as api:
        note = api.checkpoint()
        try:
            cp = Checkpoint.from_text(Note.from_bytes(note).text)
        except MalformedError as e:
            raise CliError(f"{url}/checkpoint: {e}") from e
        entries: list[bytes] = []
        for index, width in bundles_for_size(cp.size):
            data = api.tile(entries_path(index, width))
            try:
                entries += decode_bundle(data, count=width, where=entries_path(index, width))
            except MalformedError as e:
                raise CliError(f"{url}: {e}") from e
    tree = CompactRange()
    tree.extend(leaf_hashes(entries))
    if tree.root() != cp.root:
        raise CliError(f"{url}: the published entries do not have the checkpoint's root")
    replica = Replica.replay(entries)
    try:
        open_checkpoint(note, replica.node_verifiers(), origin=replica.origin, require="all")
    except (MalformedError, SignatureError) as e:
        raise CliError(f"{url}/checkpoint: {e}") from e
    return replica
