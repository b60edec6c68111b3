"""Errors of the neutrality package.

    NeutralityError          every error this package raises
    ├── LexiconFileError     a lexicon that does not parse or validate (names the file and key)
    └── RenderError          a name that cannot be rendered: no agreed order for the language,
                             or a party the order does not know

Each message says what was expected and what was found.
"""


class NeutralityError(Exception):
    """Base class of every error raised by :mod:`jointzone.neutrality`."""


class LexiconFileError(NeutralityError, ValueError):
    """A lexicon file is malformed; the message names the file and every bad key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        detail = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{detail}")


class RenderError(NeutralityError, KeyError):
    """The regime's name order cannot render a place for the audience asked for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot render the name"
