"""Reading regime files: the package's only I/O, kept here so everything else stays pure.

YAML is read with the safe loader and with duplicate keys refused: PyYAML would otherwise keep the
last of two ``threshold:`` lines silently, and the agreement would say something nobody wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from jointzone.regime.errors import RegimeFileError

# libyaml's parser where PyYAML was built with it (several times faster), else the pure one; the
# safe constructors, and the duplicate check below, are the same Python code in both.
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _StrictLoader(_SafeLoader):
    """The safe loader, refusing a mapping with the same key twice."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str | int | bool) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegimeFileError(str(path), ["file not found"]) from None
    except UnicodeDecodeError as e:
        raise RegimeFileError(str(path), [f"not UTF-8 text: {e.reason} at byte {e.start}"]) from e
    except OSError as e:
        raise RegimeFileError(str(path), [f"cannot be read: {e.strerror or e}"]) from e


def read_yaml(path: Path) -> Any:
    """The parsed YAML document at ``path``; syntax errors name the line and column."""
    text = _read_text(path)
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise RegimeFileError(str(path), [f"{where}{e.problem or e.context}"]) from e
    except yaml.YAMLError as e:
        raise RegimeFileError(str(path), [f"not valid YAML: {e}"]) from e


def read_json(path: Path) -> Any:
    """The parsed JSON document at ``path``; syntax errors name the line and column."""
    text = _read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise RegimeFileError(
            str(path), [f"line {e.lineno}, column {e.colno}: not valid JSON: {e.msg}"]
        ) from e
