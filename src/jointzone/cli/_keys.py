"""Keys people compare and carry: ``keys`` (a deployment's node and root keys, to exchange out of
band) and ``key generate`` (an official's own key, made on the official's side)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cli._console import say
from jointzone.cli._deployment import DemoOpt, SourceArg, opened
from jointzone.cli._output import FormatOpt, emit
from jointzone.cli._registries import keys_rows
from jointzone.cli._remote import is_node_url, published_replica
from jointzone.cli.errors import CliError
from jointzone.node import fingerprint, passphrase_from_file, write_key_file
from jointzone.node._standalone import b64url

key_app = typer.Typer(help="An official's own signing key.", no_args_is_help=True)


@key_app.command("generate")
def generate(
    out_file: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Where to write the new key (0600).")
    ],
    passphrase_file: Annotated[
        Path,
        typer.Option(
            "--passphrase-file",
            metavar="FILE",
            help="The passphrase that encrypts the key (at least 12 characters).",
        ),
    ],
) -> None:
    """Make an official's Ed25519 key on the official's own machine, encrypted with scrypt.

    Prints the public key, for the party's root-key holders to appoint (official.appoint takes
    it as public_key), and its fingerprint, to compare out of band. The private key never
    leaves the file."""
    key = Ed25519PrivateKey.generate()
    write_key_file(out_file, key, passphrase_from_file(passphrase_file))
    public = key.public_key().public_bytes_raw()
    say(f"wrote a new key to {out_file}")
    say(f"public key:  {b64url(public)}")
    say(f"fingerprint: {fingerprint(public)}")


def keys(
    directory: SourceArg,
    language: Annotated[str, typer.Option("--lang", help="Language of the headers.")] = "en",
    output_format: FormatOpt = "table",
    demo_keys: DemoOpt = False,
) -> None:
    """Print each party's node verifier key and root keys, with fingerprints, as the log
    declares them: what the parties exchange and compare out of band."""
    if is_node_url(directory):
        state = published_replica(directory).state
    else:
        with opened(Path(directory), demo=demo_keys, read_only=True) as d:
            state = next(iter(d.nodes.values())).replica.state
    if not state.adopted:
        raise CliError("the log is empty: no keys have been declared yet")
    emit(keys_rows(state, language), output_format)
