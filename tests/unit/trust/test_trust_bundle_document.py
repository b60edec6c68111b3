"""The bundle file's shape: JSON within the TRUST_BUNDLE limits, then a strict model of it.

Everything here fails before any checkpoint or proof is looked at, so no log is needed: the
errors name the key path (``entries[1].proof[0]``) or the line and column.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from jointzone.inputs import TRUST_BUNDLE
from jointzone.trust import FORMAT, BundleError, open_bundle

HASH = base64.b64encode(bytes(32)).decode()


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "checkpoint": "jointzone.example/log\n1\nAAAA\n",
        "entries": [{"index": 0, "entry": "AAEC", "proof": [HASH]}],
        "latest": {"index": 0, "entry": "AAEC", "proof": []},
    }
    doc.update(changes)
    return doc


def _refused(data: bytes) -> str:
    with pytest.raises(BundleError) as caught:
        open_bundle(data, [])
    return str(caught.value)


def test_a_well_formed_document_gets_as_far_as_the_node_keys() -> None:
    assert "no node keys given" in _refused(json.dumps(_doc()).encode())


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (_doc(colour="blue"), "trust bundle: colour: not a known key"),
        (
            _doc(entries=[{"index": -1, "entry": "AAEC", "proof": []}]),
            "entries[0].index: Input should be greater than or equal to 0",
        ),
        (
            _doc(entries=[{"index": "3", "entry": "AAEC", "proof": []}]),
            "entries[0].index: Input should be a valid integer",
        ),
        (
            _doc(entries=[{"index": True, "entry": "AAEC", "proof": []}]),
            "entries[0].index: Input should be a valid integer",
        ),
        (
            _doc(entries=[{"index": 0, "entry": "AAEC", "proof": [HASH, "not base64!"]}]),
            "entries[0].proof[1]: expected standard base64, found 'not base64!'",
        ),
        (
            _doc(latest={"index": 0, "entry": 12, "proof": []}),
            "latest.entry: expected base64 text, found int",
        ),
        (
            _doc(latest={"index": 0, "entry": "AAEC"}),
            "latest.proof: missing (required)",
        ),
        (_doc(entries={"0": {}}), "entries: Input should be a valid"),
        (_doc(checkpoint=["a"]), "checkpoint: Input should be a valid string"),
    ],
)
def test_shape_errors_name_the_key_path(doc: dict[str, Any], expected: str) -> None:
    assert expected in _refused(json.dumps(doc).encode())


def test_every_shape_error_is_reported_at_once() -> None:
    doc = _doc(colour="blue", latest={"index": -1, "entry": "AAEC", "proof": []})
    message = _refused(json.dumps(doc).encode())
    assert "colour: not a known key" in message
    assert "latest.index: Input should be greater than or equal to 0" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{"format": "' + FORMAT.encode() + b'", "format": "x"}',
            "not a trust bundle: line 1, column 40: duplicate key 'format'",
        ),
        (b"[" * 100 + b"]" * 100, "line 1, column 9: nesting deeper than 8 levels"),
        (
            json.dumps(_doc(latest={"index": 10**25, "entry": "", "proof": []})).encode(),
            "integer 10000000000000000000000000 does not fit in 64 bits",
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
