"""Errors of the command-line interface.

    CliError        a command cannot do what was asked, for a reason outside any other package:
                    nothing to export, a demo directory in an unexpected state, a file the
                    command itself reads or writes

Every other package's base error is caught the same way (see ``_app.HANDLED_ERRORS``): the
message is printed and the command exits with status 1.
"""

from __future__ import annotations


class CliError(Exception):
    """Base class of every error raised by :mod:`jointzone.cli` itself."""
