"""``jointzone node``: one party's own node — made, pinned to its peers, and served.

    jointzone node init DIR --party japan --regime regimes/seed --url http://127.0.0.1:8701
    jointzone node peer add DIR russia-descriptor.json
    jointzone node serve DIR
    jointzone node genesis --node URL --root-key FILE --root-key FILE --passphrase-file FILE
    jointzone node join-act DIR --out join.json       (a party joining an existing log)

``node init`` prints the descriptor to hand the other parties; the root keys it writes are for
offline media. ``node genesis`` is run by each party's root-key holders against their own node:
the first proposes the ``regime.adopt`` act, the others add their signatures, and it travels
between the nodes as any proposal does. It then declares the node's certificate key the same way.
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import Annotated

import typer

from jointzone import acts, inputs
from jointzone.cli._client import NodeApi
from jointzone.cli._console import say
from jointzone.cli._deployment import DEMO_PASSPHRASE, DemoOpt, warn_demo
from jointzone.cli.errors import CliError
from jointzone.cose import CoseSigner
from jointzone.node import (
    DEFAULT_OVERLAP,
    MAX_OVERLAP,
    Descriptor,
    NodeConfig,
    StandaloneNode,
    hold_directory,
    join_act,
    passphrase_from_env,
    passphrase_from_file,
    read_key_file,
)

NodeUrlOpt = Annotated[str, typer.Option("--node", metavar="URL", help="Your party's node.")]
RootKeysOpt = Annotated[
    list[Path],
    typer.Option("--root-key", metavar="FILE", help="A root key file (as many as needed)."),
]
RootPassphraseOpt = Annotated[
    Path | None,
    typer.Option("--passphrase-file", metavar="FILE", help="The root keys' passphrase."),
]

node_app = typer.Typer(
    help="One party's own node: init, peers, serve, genesis, key rotation.", no_args_is_help=True
)
peer_app = typer.Typer(
    help="The peers a node trusts, pinned from their descriptors.", no_args_is_help=True
)
node_app.add_typer(peer_app, name="peer")

NodeDir = Annotated[Path, typer.Argument(metavar="DIR", help="The node's directory.")]
PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        metavar="FILE",
        help="The keystore's passphrase (else JOINTZONE_PASSPHRASE_<PARTY>).",
    ),
]


def _passphrase(party: str, path: Path | None, *, demo: bool = False) -> bytes:
    if demo:
        warn_demo()
        return DEMO_PASSPHRASE
    if path is not None:
        return passphrase_from_file(path)
    found = passphrase_from_env(party)
    if not found:
        raise CliError(
            f"the node's keys need a passphrase: --passphrase-file, or "
            f"JOINTZONE_PASSPHRASE_{party.upper()}"
        )
    return found


@node_app.command("init")
def init_node(
    directory: NodeDir,
    party: Annotated[str, typer.Option("--party", help="The party whose node this is.")],
    regime: Annotated[Path, typer.Option("--regime", metavar="DIR", help="The regime files.")],
    url: Annotated[
        str, typer.Option("--url", help="The URL the peers reach this node at (no path).")
    ],
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="URL", help="The database (default: SQLite in DIR)."),
    ] = None,
    passphrase_file: PassphraseFile = None,
    descriptor_out: Annotated[
        Path | None,
        typer.Option("--descriptor", metavar="FILE", help="Also write the descriptor here."),
    ] = None,
    demo_keys: DemoOpt = False,
    clock: Annotated[
        str,
        typer.Option(
            "--clock",
            help="system (real time), or simulated: read from DIR/clock, for demonstrations "
            "that replay dated events (the genesis says so).",
        ),
    ] = "system",
) -> None:
    """Make one party's node: its keystore (node and certificate keys), its root keys as
    files for offline media, and its database. Prints the descriptor for the other parties."""
    descriptor = StandaloneNode.init(
        directory,
        party=party,
        regime_dir=regime,
        url=url,
        passphrase=_passphrase(party, passphrase_file, demo=demo_keys),
        db=db,
        demo=demo_keys,
        clock=clock,
    )
    text = json.dumps(descriptor.to_json(), indent=2, ensure_ascii=False) + "\n"
    if descriptor_out is not None:
        descriptor_out.write_text(text, encoding="utf-8")
    say(f"made the node of {party} in {directory}")
    say(f"node key fingerprint: {descriptor.fingerprint()}")
    say(f"root keys, to move to offline media: {directory / 'root-keys'}")
    say("descriptor, for the other parties to pin:")
    typer.echo(text, nl=False)


@node_app.command("descriptor")
def show_descriptor(directory: NodeDir) -> None:
    """Print this node's descriptor (party, node key, URL, root keys) for the other parties."""
    with StandaloneNode.open(directory, passphrase=None) as node:
        typer.echo(json.dumps(node.descriptor().to_json(), indent=2, ensure_ascii=False))


@peer_app.command("add")
def add_peer(
    directory: NodeDir,
    descriptor_file: Annotated[
        Path, typer.Argument(metavar="DESCRIPTOR", help="The peer's descriptor (JSON).")
    ],
    joining: Annotated[
        bool,
        typer.Option(
            "--joining",
            help="The peer's party is not in the regime yet: it is to join by amendment "
            "(node join-act), catching up from this node meanwhile.",
        ),
    ] = False,
) -> None:
    """Pin a peer's node key and URL from the descriptor its party gave out of band.
    Compare the fingerprint printed here with the one the party reads out to you. A node
    that serves pins the new peer when it is started again."""
    data = inputs.read_json(descriptor_file, limits=inputs.NODE_FILE)
    descriptor = Descriptor.from_json(data, str(descriptor_file))
    with StandaloneNode.open(directory, passphrase=None) as node:
        node.add_peer(descriptor, joining=joining)
    say(f"pinned the node of {descriptor.party} at {descriptor.url}")
    say(f"node key fingerprint: {descriptor.fingerprint()}")
    if joining:
        say(
            f"{descriptor.party} joins once every party's root keys, and its own, have signed "
            "the regime.amend its node writes (jointzone node join-act)"
        )


@node_app.command("join-act")
def write_join_act(
    directory: NodeDir,
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Where to write the act (JSON).")
    ],
    passphrase_file: PassphraseFile = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Write the regime.amend act by which this node's party joins the log: the new regime
    version in this node's directory, and this party's root keys, threshold and node key
    (with a note the node key signs, showing it is held). A current party's root keys
    propose it at their node; every party's root keys sign it, this one's at this node."""
    config = NodeConfig.read(directory)
    act = join_act(directory, passphrase=_passphrase(config.party, passphrase_file, demo=demo_keys))
    regime = act["regime"]
    text = json.dumps(act, indent=1, ensure_ascii=False) + "\n"
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise CliError(f"cannot write {out}: {e.strerror or e}") from e
    say(
        f"wrote the regime.amend to version {regime['version']} of {regime['id']!r} by which "
        f"{config.party} joins, to {out}"
    )
    say(f"node key {act['joining'][config.party]['node_verifier']}")


@peer_app.command("list")
def list_peers(directory: NodeDir) -> None:
    """The peers this node trusts: party, URL and node key fingerprint."""
    with StandaloneNode.open(directory, passphrase=None) as node:
        for party, d in sorted(node.config.peers.items()):
            typer.echo(f"{party}\t{d.url}\t{d.fingerprint()}")


@node_app.command("serve")
def serve_node(
    directory: NodeDir,
    passphrase_file: PassphraseFile = None,
    host: Annotated[str | None, typer.Option("--host", help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Listen port.")] = None,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", metavar="FILE", help="Serve HTTPS: certificate.")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", metavar="FILE", help="Serve HTTPS: private key.")
    ] = None,
    peer_ca: Annotated[
        Path | None,
        typer.Option("--peer-ca", metavar="FILE", help="CA bundle for peers' HTTPS certificates."),
    ] = None,
    demo_keys: DemoOpt = False,
    demo_officials: Annotated[
        Path | None,
        typer.Option(
            "--demo-officials",
            metavar="DIR",
            help="A demonstration only (with --demo-keys): the demo officials' key files, which "
            "the web app then signs with for them, saying so on every page.",
        ),
    ] = None,
    log_format: Annotated[
        str,
        typer.Option("--log-format", help="The log on stderr: json (an object a line) or text."),
    ] = "json",
) -> None:
    """Serve the node: the public log, the peer API, the officials' API and their web app,
    while it drives its own rounds, delivers its outbox and catches up. Stops on Ctrl-C."""
    # The web stack loads for this command alone: every other command starts without it.
    from jointzone.server import serve  # noqa: PLC0415
    from jointzone.web import create_app_with_pages  # noqa: PLC0415

    if demo_officials is not None and not demo_keys:
        raise CliError("--demo-officials is for a demonstration: it needs --demo-keys")
    if demo_officials is not None and not demo_officials.is_dir():
        raise CliError(f"--demo-officials {demo_officials}: not a directory")
    party = NodeConfig.read(directory).party
    with hold_directory(directory, "serving it again"):  # a restore waits for it to stop
        serve(
            directory,
            passphrase=_passphrase(party, passphrase_file, demo=demo_keys),
            host=host,
            port=port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            peer_ca=peer_ca,
            make_app=functools.partial(create_app_with_pages, demo_officials=demo_officials),
            log_format=log_format,
        )


@node_app.command("rotate-key")
def rotate_key(
    node_url: NodeUrlOpt,
    root_keys: RootKeysOpt,
    overlap: Annotated[
        int,
        typer.Option(
            "--overlap",
            metavar="N",
            min=1,
            max=MAX_OVERLAP,
            help="Checkpoint sizes after the rotation that the old key still signs beside the "
            "new one, so that verifiers holding only the old key can follow.",
        ),
    ] = DEFAULT_OVERLAP,
    passphrase_file: RootPassphraseOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Give your party's node a new note key: the node makes it, and your root keys sign the
    party.rotate-node-key act that declares it (with as many root keys as your threshold asks,
    in one call or several). Verifiers keep the genesis keys: they follow the rotation."""
    signers = _root_signers(root_keys, passphrase_file, demo=demo_keys)
    with NodeApi(node_url) as api:
        act = api.node_key_rotation(overlap)
        say(f"new node key {act['node_verifier']}")
        say(f"node key rotation {api.sign_act(act, acts.PartyRotateNodeKey.TYPE, signers)}")


def _root_signers(
    paths: list[Path], passphrase_file: Path | None, *, demo: bool
) -> list[CoseSigner]:
    """A COSE signer for each root key file, whose name (its stem) is the key's id."""
    if demo:
        warn_demo()
        passphrase = DEMO_PASSPHRASE
    elif passphrase_file is not None:
        passphrase = passphrase_from_file(passphrase_file)
    else:
        raise CliError("the root keys need their passphrase: --passphrase-file")
    return [
        CoseSigner(kid=path.stem.encode("utf-8"), private_key=read_key_file(path, passphrase))
        for path in paths
    ]


@node_app.command("genesis")
def genesis(
    node_url: NodeUrlOpt,
    root_keys: RootKeysOpt,
    passphrase_file: RootPassphraseOpt = None,
    demo_keys: DemoOpt = False,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for the genesis to be adopted.")
    ] = 0.0,
) -> None:
    """Sign the genesis (the regime's adoption) at your party's node with your root keys, and
    then the declaration of its certificate key. Run by each party, in any order."""
    signers = _root_signers(root_keys, passphrase_file, demo=demo_keys)
    with NodeApi(node_url) as api:
        if not api.context()["adopted"]:
            try:
                say(f"genesis {api.sign_genesis(signers, wait=max(wait, 60.0))}")
            except CliError:
                # Adopted between the question and the signature: the other parties' round
                # was under way.
                if not api.context()["adopted"]:
                    raise
                say("genesis committed already")
            deadline = time.monotonic() + wait
            while not api.context()["adopted"]:
                if time.monotonic() > deadline:
                    say(
                        "the genesis awaits the other parties' signatures; once it is adopted, "
                        "run this again to declare the node's certificate key"
                    )
                    return
                time.sleep(0.2)
        say(f"certificate key {api.sign_act(api.certificate_key(), 'certificate.key', signers)}")
