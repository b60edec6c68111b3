"""Errors of the inputs package.

    InputError                  every error this package raises: names the input, what was wrong
    │                           and, where it can, the line and column (and byte offset)
    ├── UnreadableInputError    the input cannot be read: not permitted, not a regular file (a
    │   │                       directory, a FIFO, a device such as /dev/zero, a socket)
    │   └── MissingInputError   no file at that path
    ├── NotUtf8Error            bytes that are not UTF-8 text
    ├── MalformedInputError     not valid YAML or JSON, or a construct refused: a tag outside the
    │   │                       core schema, a merge key, NaN or Infinity, a second YAML document
    │   ├── AliasError          a YAML anchor or alias (how a small file expands to billions)
    │   └── DuplicateKeyError   a mapping or object with the same key twice
    └── InputLimitError         beyond a stated limit (see :class:`~jointzone.inputs.Limits`):
                                bytes, nesting depth, values, integer size, string length

Every message reads ``SOURCE: line L, column C: PROBLEM``; ``detail`` is the part after the
source, for packages whose own errors name the file separately.
"""

from __future__ import annotations


class InputError(ValueError):
    """Base class of every error raised by :mod:`jointzone.inputs`.

    ``source`` names the input (a path, or ``<stdin>``); ``line`` and ``column`` count from 1
    and ``offset`` is a byte offset into the input, each None where it does not apply.
    """

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.source = source
        self.problem = problem
        self.line = line
        self.column = column
        self.offset = offset
        super().__init__(f"{source}: {self.detail}")

    @property
    def where(self) -> str:
        """``line 3, column 7`` (with ``(byte offset 41)`` when known), or ``''``."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}, column {self.column}")
        if self.offset is not None:
            parts.append(f"(byte offset {self.offset})" if parts else f"byte offset {self.offset}")
        return " ".join(parts)

    @property
    def detail(self) -> str:
        """The message without the source: ``line 3, column 7: duplicate key 'version'``."""
        return f"{self.where}: {self.problem}" if self.where else self.problem


class UnreadableInputError(InputError):
    """The input cannot be read, or is not a regular file (and so may never end)."""


class MissingInputError(UnreadableInputError):
    """There is no file at the path given."""


class NotUtf8Error(InputError):
    """The input's bytes are not UTF-8; the message names the first bad byte's offset."""


class MalformedInputError(InputError):
    """The text is not valid YAML or JSON, or uses a construct we refuse."""


class AliasError(MalformedInputError):
    """A YAML anchor (``&name``) or alias (``*name``): refused outright."""


class DuplicateKeyError(MalformedInputError):
    """A mapping (YAML) or object (JSON) gives the same key twice."""


class InputLimitError(InputError):
    """The input is beyond one of its stated limits; the message names the limit."""
