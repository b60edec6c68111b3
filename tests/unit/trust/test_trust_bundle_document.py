"""The bundle file's shape: JSON within the TRUST_BUNDLE limits, then a strict model of it.

Everything here fails before any checkpoint or table is looked at, so no log is needed: the
errors name the key or the line and column.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from jointzone.inputs import TRUST_BUNDLE
from jointzone.trust import FORMAT, BundleError, open_bundle


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "key_changes": [],
        "checkpoint": "jointzone.example/log\n1\nAAAA\n",
        "table": "AAEC",
    }
    doc.update(changes)
    return doc


def _refused(data: bytes) -> str:
    with pytest.raises(BundleError) as caught:
        open_bundle(data, [])
    return str(caught.value)


def test_a_well_formed_document_gets_as_far_as_the_node_keys() -> None:
    assert _refused(json.dumps(_doc()).encode()).startswith("node keys: none given")


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (_doc(colour="blue"), "not a trust bundle: colour: not a known key"),
        (_doc(table="not base64!"), "table: expected standard base64, found 'not base64!'"),
        (_doc(table=12), "table: expected base64 text, found int"),
        (_doc(checkpoint=["a"]), "checkpoint: Input should be a valid string"),
        ({"format": FORMAT, "key_changes": [], "checkpoint": "x"}, "table: missing (required)"),
        ({"format": FORMAT, "checkpoint": "x", "table": ""}, "key_changes: missing (required)"),
        (_doc(key_changes={}), "key_changes: Input should be a valid tuple"),
        (
            _doc(key_changes=[{"checkpoint": "x", "table": "AAA"}]),
            "key_changes[0].table: expected standard base64, found 'AAA'",
        ),
        (_doc(key_changes=[{"checkpoint": "x"}]), "key_changes[0].table: missing (required)"),
        (
            _doc(key_changes=[{"checkpoint": "x", "table": "", "note": 1}]),
            "key_changes[0].note: not a known key",
        ),
        (
            _doc(key_changes=[{"checkpoint": "x", "table": ""}] * 201),
            "key_changes: Tuple should have at most 200 items after validation, not 201",
        ),
        (
            {**_doc(), "entries": [], "latest": {}},
            "entries: not a known key; latest: not a known key",
        ),
    ],
)
def test_shape_errors_name_the_key(doc: dict[str, Any], expected: str) -> None:
    message = _refused(json.dumps(doc).encode())
    assert message.startswith("not a trust bundle: ")
    assert expected in message


@pytest.mark.parametrize("old", ["jointzone-trust-bundle/1", "jointzone-trust-bundle/2"])
def test_a_bundle_of_an_earlier_format_is_refused_by_its_format(old: str) -> None:
    message = _refused(json.dumps(_doc(format=old)).encode())
    assert message == (
        f"not a trust bundle: expected format 'jointzone-trust-bundle/3', found '{old}'"
    )


def test_every_shape_error_is_reported_at_once() -> None:
    message = _refused(json.dumps(_doc(colour="blue", table=12)).encode())
    assert "colour: not a known key" in message
    assert "table: expected base64 text, found int" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{"format": "' + FORMAT.encode() + b'", "format": "x"}',
            "not a trust bundle: line 1, column 40: duplicate key 'format'",
        ),
        (b"[" * 100 + b"]" * 100, "line 1, column 9: nesting deeper than 8 levels"),
        (
            b'{"format": "' + FORMAT.encode() + b'", "n": 100000000000000000000000000}',
            "integer 100000000000000000000000000 does not fit in 64 bits",
        ),
        (b'{"format": NaN}', "expected UTF-8 JSON: line 1, column 12: NaN is not a JSON number"),
        (b'{"format": "\xff"}', "expected UTF-8 JSON: line 1, column 13 (byte offset 12)"),
        (b'{"format": 1,}', "expected UTF-8 JSON: line 1, column 14: not valid JSON"),
    ],
)
def test_json_errors_name_line_and_column(data: bytes, expected: str) -> None:
    assert expected in _refused(data)


def test_a_bundle_larger_than_the_limit_is_refused_unparsed() -> None:
    data = b" " * (TRUST_BUNDLE.max_bytes + 1)
    assert f"expected at most {TRUST_BUNDLE.max_bytes:,}" in _refused(data)
