"""Errors of the regime package.

RegimeError              every error this package raises
├── RegimeFileError      a regime file that does not parse or validate (names the file and key)
└── UnknownRefError      a reference to a place, party, category ... the regime does not have
"""


class RegimeError(Exception):
    """Base class of every error raised by :mod:`jointzone.regime`."""


class RegimeFileError(RegimeError, ValueError):
    """A regime file is malformed; the message names the file and the key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        detail = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{detail}")


class UnknownRefError(RegimeError, KeyError):
    """A reference names nothing the regime defines."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown reference"
