"""``verifier export``: the officer's verifier web app as a folder, to serve from any web server
(or a laptop on localhost) where no node is reachable.

The folder is the app every node serves at ``/verifier/`` (see :mod:`jointzone.web._verifier`),
with its ``config.json`` pinning the node keys given here (``--key``, or the ``node_verifier`` of
each party's descriptor), and, with ``--node URL`` or ``--bundle FILE``, a trust bundle beside it
as ``trust-bundle.json``, checked against those keys before anything is written. With
``--refresh-from URL`` the app also fetches fresh bundles from those nodes whenever it is online
(a node lets any origin read its ``/api/v1/trust-bundle``), and opens each against the same
keys; its content security policy, in ``index.html`` too, admits those URLs and no other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from jointzone import inputs
from jointzone.cli._client import NodeApi
from jointzone.cli._console import say
from jointzone.cli.errors import CliError
from jointzone.node import Descriptor, NodeError, check_url
from jointzone.tlog import TlogError, Verifier
from jointzone.trust import BundleError, open_bundle

verifier_app = typer.Typer(help="The officer's offline verifier web app.", no_args_is_help=True)


def _pinned(keys: list[str], descriptors: list[Path]) -> list[Verifier]:
    texts = list(keys)
    for path in descriptors:
        try:
            data = inputs.read_json(path, limits=inputs.NODE_FILE)
            texts.append(Descriptor.from_json(data, str(path)).node_verifier)
        except (inputs.InputError, NodeError) as e:
            raise CliError(f"--descriptor {path}: {e}") from e
    if not texts:
        raise CliError(
            "give every party's node key to pin, as --key VKEY (jointzone keys prints them) or "
            "--descriptor FILE (the descriptor each party handed out): the app trusts a bundle "
            "only if those keys signed it"
        )
    try:
        pinned = [Verifier.from_vkey(text) for text in texts]
    except TlogError as e:
        raise CliError(f"--key: {e}") from e
    return list(dict.fromkeys(pinned))  # the same key given twice is pinned once


def _refresh_url(url: str) -> str:
    """The trust-bundle URL of the node at ``url`` (a node URL, as ``--node`` takes it)."""
    from jointzone.web._verifier import NODE_BUNDLE_URL  # noqa: PLC0415

    try:
        base = check_url(url, "--refresh-from")
    except NodeError as e:
        raise CliError(str(e)) from e
    if "[" in base:
        # A policy's host source is a name or an IPv4 address: a browser drops an IPv6 one,
        # and the app could fetch nothing from it.
        raise CliError(
            f"--refresh-from: {url!r}: a content security policy cannot name an IPv6 address; "
            "give the node's host name"
        )
    return base + NODE_BUNDLE_URL


@verifier_app.command("export")
def verifier_export(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Where to write the app (made if missing).")
    ],
    node: Annotated[
        str | None,
        typer.Option(
            "--node", metavar="URL", help="Put a fresh trust bundle from this node beside it."
        ),
    ] = None,
    bundle: Annotated[
        Path | None,
        typer.Option("--bundle", metavar="FILE", help="Put this trust bundle file beside it."),
    ] = None,
    keys: Annotated[
        list[str] | None,
        typer.Option("--key", metavar="VKEY", help="A party node's verifier key to pin; repeat."),
    ] = None,
    descriptors: Annotated[
        list[Path] | None,
        typer.Option(
            "--descriptor", metavar="FILE", help="Pin the node key of this party's descriptor."
        ),
    ] = None,
    refresh_from: Annotated[
        list[str] | None,
        typer.Option(
            "--refresh-from",
            metavar="URL",
            help="A node to fetch fresh trust bundles from when online; repeat for more.",
        ),
    ] = None,
) -> None:
    """Write the verifier web app as a folder: the same app a node serves at /verifier/, pinning
    the node keys given, with a trust bundle beside it if asked, and fetching fresh ones from the
    nodes of --refresh-from when online. Serve the folder over https, or on localhost (e.g.
    python -m http.server -d DIR): service workers and the camera need a secure context, and ES
    modules do not load from file://."""
    from jointzone.web._verifier import app_files, policy, remote_urls, write_app  # noqa: PLC0415

    if node is not None and bundle is not None:
        raise CliError("give --node URL or --bundle FILE, not both")
    refresh = list(dict.fromkeys(_refresh_url(url) for url in refresh_from or []))
    pinned = _pinned(keys or [], descriptors or [])
    data: bytes | None = None
    if node is not None:
        with NodeApi(node) as api:
            data = api.trust_bundle()
    elif bundle is not None:
        data = inputs.read_bytes(
            bundle, limit=inputs.TRUST_BUNDLE.max_bytes, what=inputs.TRUST_BUNDLE.what
        )
    made = None
    if data is not None:
        try:
            made = open_bundle(data, pinned).trust.issued_at
        except BundleError as e:
            raise CliError(f"the trust bundle does not open against the keys pinned: {e}") from e
    # The bundle beside the app first, then the nodes': the app keeps the freshest that opens.
    urls = [*(["trust-bundle.json"] if data is not None else []), *refresh]
    files = app_files(
        node_keys=[v.vkey for v in pinned], bundle_urls=urls, bundle=data, policy_in_page=True
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        total = write_app(directory, files)
    except OSError as e:
        raise CliError(f"cannot write {directory}: {e.strerror or e}") from e
    say(f"wrote the verifier app to {directory}: {len(files)} files, {total:,} bytes")
    say(f"it pins {len(pinned)} node key(s): {', '.join(v.name for v in pinned)}")
    if made is not None:
        age = datetime.now(UTC) - made
        say(
            f"trust bundle beside it: made {made:%Y-%m-%dT%H:%M:%SZ} "
            f"({age.days} day(s) ago); the app also loads bundle files"
        )
    elif not refresh:
        say("no trust bundle beside it: the officer loads a bundle file into the app")
    for url in refresh:
        say(f"when online it fetches fresh trust bundles from {url}")
        if url.startswith("http://"):
            say(f"  (plain http: a browser lets an app served over https fetch nothing from {url})")
    if refresh:
        say(
            "its content security policy, in index.html too, admits those URLs; a web server "
            f"sending a policy of its own must admit them as well: {policy(remote_urls(urls))}"
        )
