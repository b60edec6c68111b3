"""The ``jointzone`` command: the root Typer app and the one place errors become exit codes.

Commands raise their packages' errors; the root group catches exactly the project's base errors,
prints the message (and with ``-v`` the traceback) and exits with status 1. Anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from jointzone.acts import ActError
from jointzone.cli._console import err
from jointzone.cli.errors import CliError
from jointzone.consent import ConsentError
from jointzone.cose import CoseError
from jointzone.credentials import CredentialError
from jointzone.inputs import InputError
from jointzone.neutrality import NeutralityError
from jointzone.node import NodeError
from jointzone.publish import PublishError
from jointzone.regime import RegimeError
from jointzone.scenario import ScenarioError
from jointzone.store import StoreError
from jointzone.tlog import TlogError
from jointzone.trust import TrustError
from jointzone.verify import VerificationError, VerifyError

HANDLED_ERRORS: tuple[type[Exception], ...] = (
    ActError,
    CliError,
    ConsentError,
    CoseError,
    CredentialError,
    InputError,
    NeutralityError,
    NodeError,
    RegimeError,
    ScenarioError,
    PublishError,
    StoreError,
    TlogError,
    TrustError,
    VerifyError,
)
"""The base error of every package a command calls; add a package's when a command uses it."""


class _Root(TyperGroup):
    """The root group: runs a command and turns the project's errors into a message."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HANDLED_ERRORS as e:
            if ctx.params.get("verbose"):
                err.print_exception(show_locals=False)
            label = "verification failed" if isinstance(e, VerificationError) else "error"
            err.print(f"[bold red]{label}:[/] {escape(str(e))}", soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Root,
    name="jointzone",
    help="The special system for joint economic activities in a zone of disputed sovereignty.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's locals may hold a signer key; never print them.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="On an error, show its traceback too.")
    ] = False,
) -> None:
    """jointzone: every act signed by every party, recorded in a log each party can verify."""
