"""Reading regime files: the package's only I/O, kept here so everything else stays pure.

Every file (regime.yaml, the places and lexicon files, the outlines' GeoJSON) is read through
:mod:`jointzone.inputs` with its ``REGIME`` limits: a regular file of at most 4 MB, UTF-8,
YAML in the safe core schema with no anchors or aliases, and no key given twice (PyYAML would
otherwise keep the last of two ``threshold:`` lines silently, and the agreement would say
something nobody wrote). Its errors become :class:`RegimeFileError`, naming the file, line and
column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jointzone import inputs
from jointzone.regime.errors import RegimeFileError


def read_yaml(path: Path) -> Any:
    """The parsed YAML document at ``path``; every error names the line and column."""
    try:
        return inputs.read_yaml(path, limits=inputs.REGIME)
    except inputs.InputError as e:
        raise RegimeFileError(str(path), [e.detail]) from e


def read_json(path: Path) -> Any:
    """The parsed JSON document at ``path``; every error names the line and column."""
    try:
        return inputs.read_json(path, limits=inputs.REGIME)
    except inputs.InputError as e:
        raise RegimeFileError(str(path), [e.detail]) from e
