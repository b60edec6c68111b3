"""The verifier table as bytes: deterministic CBOR in and out, every rule that keeps a lookup to
one answer, and the checkpoint line that commits to it."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from jointzone.cose import encode_deterministic
from jointzone.trust import TABLE_FORMAT, TableError, VerifierTable, verifier_extension

KEY = bytes(range(32))
KID = hashlib.sha256(KEY).digest()[:4]


def _names(en: str) -> dict[str, str]:
    return {"en": en, "ja": en + "（日）"}


def _table(**changes: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "format": TABLE_FORMAT,
        "origin": "jointzone.example/test",
        "size": 7,
        "time": 1_570_000_000,
        "issuer": "test",
        "languages": ["ja", "en"],
        "name_order": {"ja": ["a", "b"], "en": ["b", "a"]},
        "max_age": 604_800,
        "skew": 300,
        "parties": [
            {"id": "a", "names": _names("A"), "node_key": "jointzone.example/test/a+0+x"},
            {"id": "b", "names": _names("B"), "node_key": "jointzone.example/test/b+0+y"},
        ],
        "keys": [
            {
                "kid": KID,
                "party": "a",
                "public_key": KEY,
                "declared": {"position": 1, "time": 1_560_000_000},
                "retired": None,
                "compromised": None,
            }
        ],
        "revoked": [
            {
                "hash": bytes(16),
                "revoked": {"position": 6, "time": 1_569_000_000},
                "reason": {"en": "lost"},
            }
        ],
        "places": [
            {
                "ref": "island",
                "code": 1,
                "parent": None,
                "names": {"a": _names("Isle"), "b": _names("Island")},
                "aliases": {"b": {"en": ["The Island"]}},
            },
            {
                "ref": "port",
                "code": None,
                "parent": "island",
                "names": {"a": _names("Port"), "b": _names("Port")},
                "aliases": {},
            },
        ],
        "categories": [{"id": "tourism", "code": 3, "names": _names("tourism")}],
        "projects": [
            {"number": 1, "id": "tour", "category": "tourism", "title": _names("The tour")}
        ],
    }
    table.update(changes)
    return table


def _refused(data: bytes) -> str:
    with pytest.raises(TableError) as caught:
        VerifierTable.from_cbor(data)
    return str(caught.value)


def test_a_table_reads_back_to_its_own_bytes() -> None:
    data = encode_deterministic(_table())
    table = VerifierTable.from_cbor(data)
    assert table.to_cbor() == data
    assert VerifierTable.from_cbor(table.to_cbor()) == table


def test_the_checkpoint_line_is_the_sha256_of_the_bytes() -> None:
    data = encode_deterministic(_table())
    line = verifier_extension(data)
    assert line == "jointzone-verifier " + hashlib.sha256(data).hexdigest()
    assert re.fullmatch("jointzone-verifier [0-9a-f]{64}", line)


def test_what_a_verifier_looks_up() -> None:
    table = VerifierTable.from_cbor(encode_deterministic(_table()))
    island = table.place(1)
    assert island is not None
    assert island.ref == "island"
    assert table.place("port") is not None
    assert table.place(2) is None
    assert table.place("nowhere") is None
    assert table.is_within("port", "island")
    assert table.is_within("island", "island")
    assert not table.is_within("island", "port")
    assert island.name("b", "en") == "Island"
    assert "The Island" in set(island.spellings())
    assert "1" in set(island.spellings())
    category = table.category(3)
    assert category is not None
    assert category is table.category("tourism")
    project = table.project(1)
    assert project is not None
    assert project is table.project("tour")
    assert table.project(2) is None
    assert table.node_keys() == {
        "a": "jointzone.example/test/a+0+x",
        "b": "jointzone.example/test/b+0+y",
    }
    assert table.moment.isoformat() == "2019-10-02T07:06:40+00:00"


def test_bytes_that_are_not_deterministic_cbor_are_refused_with_the_offset() -> None:
    data = encode_deterministic(_table())
    loose = data.replace(b"dsize\x07", b"dsize\x18\x07")  # 7 in two bytes
    assert loose != data
    message = _refused(loose)
    assert message.startswith("expected deterministic CBOR: ")
    assert "shortest form" in message
    assert "trailing" in _refused(data + b"\x00")


def test_another_format_is_refused_by_name() -> None:
    assert _refused(encode_deterministic([1])) == (
        f"expected format {TABLE_FORMAT!r}, found 'list'"
    )
    assert _refused(encode_deterministic(_table(format="x/2"))) == (
        f"expected format {TABLE_FORMAT!r}, found 'x/2'"
    )


def _place(**changes: Any) -> list[dict[str, Any]]:
    first, second = _table()["places"]
    return [first, {**second, **changes}]


def _key(**changes: Any) -> list[dict[str, Any]]:
    return [{**_table()["keys"][0], **changes}]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "blue"}, "colour: not a known key"),
        ({"size": 0}, "size: Input should be greater than or equal to 1"),
        ({"keys": _key(kid=b"\x00" * 4)}, "keys[0].kid: 00000000 is not the kid of its public key"),
        ({"keys": _key(party="c")}, "keys[0].party: expected one of ['a', 'b'], found 'c'"),
        ({"keys": _key(public_key=b"\x01")}, "keys[0].public_key: "),
        ({"keys": _key(retired=7)}, "keys[0].retired: "),
        (
            {"keys": _key(compromised={"position": 5, "time": 1_565_000_000})},
            "keys[0].retired: expected the retirement of a compromised key",
        ),
        ({"keys": [{k: v for k, v in _key()[0].items() if k != "compromised"}]}, "compromised"),
        ({"keys": _key() * 2}, "keys[1].kid: expected each once"),
        ({"places": _place(code=1)}, "places[1].code: expected each once, found 1 again"),
        ({"places": _place(parent="sea")}, "places[1].parent: no place 'sea' in the table"),
        (
            {"places": _place(names={"a": _names("Port"), "b": {"en": "Port"}})},
            "places[1].names.b: expected a name in every language, missing ['ja']",
        ),
        ({"name_order": {"ja": ["a", "b"]}}, "name_order.en: expected every party once"),
        (
            {"projects": [{"number": 1, "id": "t", "category": "x", "title": {}}]},
            "projects[0].category: no category 'x' in the table",
        ),
        ({"revoked": [{"hash": b"", "revoked": {}, "reason": {}}]}, "revoked[0].hash: "),
    ],
)
def test_a_table_breaking_a_rule_is_refused_with_the_key_path(
    changes: dict[str, Any], expected: str
) -> None:
    assert expected in _refused(encode_deterministic(_table(**changes)))
