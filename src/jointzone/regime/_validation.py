"""Turning pydantic's validation errors into messages that name the file and the key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

# Error types whose pydantic message already says everything, or whose input is the whole parent
# object (a missing key's "input" is the mapping it is missing from): no "got ..." for these.
#: What a pattern means, for messages: "expected a ref such as ...", not the regular expression.
PATTERN_NAMES: dict[str, str] = {}

_NO_INPUT = frozenset({"missing", "extra_forbidden", "value_error", "assertion_error"})


class ProblemsError(ValueError):
    """Several problems found by one validator, each already ``key.path: what is wrong``.

    Raised inside pydantic validators so that a cross-check can report every problem it found
    with its own key path; :func:`problems` unpacks it again.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def key_path(loc: Iterable[int | str]) -> str:
    """``('places', 3, 'names', 'russia')`` -> ``places[3].names.russia``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _join(path: str, rest: str) -> str:
    return f"{path}{rest}" if rest.startswith("[") else f"{path}.{rest}"


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so a message stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def problems(exc: ValidationError, *, prefix: Iterable[int | str] = ()) -> list[str]:
    """One ``key.path: message`` line per error, each saying what was found where it helps."""
    base = tuple(prefix)
    out: list[str] = []
    for e in exc.errors():
        ctx = e.get("ctx") or {}
        inner = ctx.get("error")
        at = base + tuple(e["loc"])
        if isinstance(inner, ProblemsError):
            # A cross-check's own lines already carry their key paths below ``at``.
            out += [_join(key_path(at), p) if at else p for p in inner.problems]
            continue
        kind = e["type"]
        if kind == "missing":
            msg = "missing (required)"
        elif kind == "extra_forbidden":
            msg = "not a known key"
        elif kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_NAMES:
            msg = f"expected {PATTERN_NAMES[ctx['pattern']]}"
        else:
            msg = e["msg"].removeprefix("Value error, ")
        if kind not in _NO_INPUT:
            msg += f", got {short(e.get('input'))}"
        out.append(f"{key_path(at)}: {msg}")
    return out
