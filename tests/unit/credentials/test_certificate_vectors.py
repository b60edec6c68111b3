"""The certificate test vectors and the specification: the verifier agrees with every vector and
the bundle reader with every bundle file, the vectors file is what the script generates, the
trust-bundle schema agrees with the bundle reader, and the specification's tables of checks,
failure classes and bundle steps are the ones the vectors use."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft202012Validator

from jointzone.acts import certificate_key_id
from jointzone.cose import key_id
from jointzone.credentials import (
    CERTIFICATE_KID_SIZE,
    Certificate,
    Check,
    PartyKeys,
    TrustBundle,
    decode_text,
    verify_certificate,
)
from jointzone.node import EmbeddedDeployment, export_trust_bundle
from jointzone.tlog import Verifier
from jointzone.trust import FORMAT, BundleError, open_bundle

ROOT = Path(__file__).parents[3]
VECTORS_FILE = ROOT / "tests" / "data" / "certificates" / "vectors.json"
SCRIPT = ROOT / "scripts" / "certificate_vectors.py"
SPEC = ROOT / "docs" / "certificate.md"
SCHEMA = ROOT / "docs" / "trust-bundle.schema.json"
REGIME = ROOT / "regimes" / "seed"
KEYS = {"japan": b"test-japan-passphrase", "russia": b"test-russia-passphrase"}

_FILE: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
VECTORS: list[dict[str, Any]] = _FILE["vectors"]
BUNDLES: list[dict[str, Any]] = _FILE["bundles"]
_BY_NAME = {v["name"]: v for v in VECTORS}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("certificate_vectors", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def _time(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _trust(doc: dict[str, Any]) -> TrustBundle:
    """The verifier's TrustBundle from a vector's trust object (docs/certificate.md §6)."""
    return TrustBundle(
        issuer=doc["issuer"],
        parties=tuple(
            PartyKeys(
                p["party"],
                {
                    bytes.fromhex(k["kid"]): Ed25519PublicKey.from_public_bytes(
                        bytes.fromhex(k["public_key"])
                    )
                    for k in p["keys"]
                },
                retired={
                    bytes.fromhex(k["kid"]): _time(k["retired"])
                    for k in p["keys"]
                    if k["retired"] is not None
                },
                compromised={
                    bytes.fromhex(k["kid"]): _time(k["compromised"])
                    for k in p["keys"]
                    if k["compromised"] is not None
                },
            )
            for p in doc["parties"]
        ),
        issued_at=_time(doc["issued_at"]),
        revoked=frozenset(bytes.fromhex(h) for h in doc["revoked"]),
        max_age=timedelta(seconds=doc["max_age"]),
        skew=timedelta(seconds=doc["skew"]),
    )


_UNKNOWN_SIGNER = re.compile(r"signature [0-9]+")


def failure_class(check: Check) -> str:
    """The failure class of a check that did not pass, read from the start of its message."""
    name, message = check.name, check.message
    head = message.split(":", 1)[0]
    if name == "decoding":
        assert head in {
            "wrong prefix",
            "bad Base45",
            "broken zlib",
            "not CBOR",
            "wrong COSE structure",
            "bad claims",
        }, message
        return head
    if name == "issuer":
        assert message.startswith("expected issuer "), message
        return "wrong issuer"
    if name.startswith("signature of "):
        if message.startswith("expected one signature, found "):
            return "more than one"
        assert head in {
            "missing",
            "bad signature",
            "unsupported algorithm",
            "key compromised",
            "key retired",
        }, message
        return head
    if _UNKNOWN_SIGNER.fullmatch(name):
        assert head == "unknown signer", message
        return head
    if name == "validity":
        assert head in {"not yet valid", "expired"}, message
        return head
    if name == "revocation":
        assert message.startswith("revoked"), message
        return "revoked"
    if name == "trust bundle":
        if ": older than the " in message:
            return "too old"
        assert ": dated after now by more than the " in message, message
        return "dated in the future"
    raise AssertionError(f"no failure class for check {name!r}: {message}")


def _generic(check: str) -> str:
    """A check name as the specification's table writes it."""
    if check.startswith("signature of "):
        return "signature of <party>"
    if _UNKNOWN_SIGNER.fullmatch(check):
        return "signature <n>"
    return check


# -- the vectors ------------------------------------------------------------------------------


def test_the_vectors_file_is_what_the_script_generates() -> None:
    assert _script().render() == VECTORS_FILE.read_bytes(), (
        "tests/data/certificates/vectors.json is not current: "
        "run .venv/bin/python scripts/certificate_vectors.py"
    )


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_verifier_agrees_with_the_vector(vector: dict[str, Any]) -> None:
    report = verify_certificate(
        vector["text"],
        _trust(vector["trust"]),
        now=_time(vector["now"]),
        clock_skew=timedelta(seconds=vector["clock_skew"]),
    )
    expected = vector["expected"]
    assert report.verdict.value == expected["verdict"], str(report)
    assert [[c.name, c.status.value] for c in report.checks] == expected["report"], str(report)
    failing = [c for c in report.checks if c.status.value in ("FAIL", "STALE")]
    assert [
        {"check": c.name, "status": c.status.value, "class": failure_class(c)} for c in failing
    ] == expected["failures"], str(report)
    assert (report.certificate is None) == any(c.name == "decoding" for c in failing)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_intermediate_forms_are_those_of_the_text(vector: dict[str, Any]) -> None:
    if "cose" in vector:
        assert decode_text(vector["text"]).hex() == vector["cose"]
    else:  # only a vector whose text fails below the COSE layer lacks it
        assert vector["expected"]["failures"][0]["class"] in {
            "wrong prefix",
            "bad Base45",
            "broken zlib",
        }
    if vector["expected"]["verdict"] == "VALID":
        assert "claims_diag" in vector
        assert "cose_diag" in vector


VALID = [v for v in VECTORS if v["expected"]["verdict"] == "VALID"]


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_a_valid_vector_re_encodes_to_its_text_and_its_qr_code(vector: dict[str, Any]) -> None:
    certificate = Certificate.from_text(vector["text"])
    assert certificate.to_text() == vector["text"]
    assert certificate.to_cose().hex() == vector["cose"]
    code = certificate.qr()
    assert {"version": code.version, "error": code.error, "mode": code.mode} == vector["qr"]


def test_every_kid_is_derived_from_its_key() -> None:
    seen = 0
    for vector in VECTORS:
        for party in vector["trust"]["parties"]:
            for key in party["keys"]:
                raw = bytes.fromhex(key["public_key"])
                public = Ed25519PublicKey.from_public_bytes(raw)
                assert key_id(public, size=CERTIFICATE_KID_SIZE).hex() == key["kid"]
                assert certificate_key_id(raw) == key["kid"]
                seen += 1
    assert seen >= 2 * len(VECTORS)


def test_the_vectors_cover_valid_holders_of_both_parties() -> None:
    parties = {Certificate.from_text(v["text"]).claims.party for v in VALID}
    assert parties == {"japan", "russia"}
    assert len(VALID) >= 2


# -- the specification's table of checks ------------------------------------------------------

_ROW = re.compile(
    r"^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|\s*(FAIL|STALE)\s*\|\s*`([^`]+)`\s*\|", re.MULTILINE
)


def _spec_rows() -> list[tuple[int, str, str, str]]:
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("\n## 5. ", 1)[1].split("\n## ", 1)[0]
    rows = [(int(n), check, status, cls) for n, check, status, cls in _ROW.findall(section)]
    assert len(rows) >= 15, "the verification table of docs/certificate.md §5 was not found"
    return rows


def test_every_failure_class_of_the_specification_has_a_vector_and_no_other() -> None:
    documented = {(check, status, cls) for _, check, status, cls in _spec_rows()}
    in_vectors = {
        (_generic(f["check"]), f["status"], f["class"])
        for v in VECTORS
        for f in v["expected"]["failures"]
    }
    assert documented - in_vectors == set(), "documented but in no vector"
    assert in_vectors - documented == set(), "in a vector but not documented"


def test_every_report_runs_the_checks_in_the_specifications_order() -> None:
    order: list[str] = []
    for _step, check, _, _ in sorted(_spec_rows()):
        if check not in order:
            order.append(check)
    assert order[0] == "decoding"
    assert order[-1] == "trust bundle"
    for vector in VECTORS:
        positions = [order.index(_generic(name)) for name, _ in vector["expected"]["report"]]
        assert positions == sorted(positions), vector["name"]


def test_the_specification_names_every_vector() -> None:
    text = SPEC.read_text(encoding="utf-8")
    missing = [v["name"] for v in VECTORS if f"`{v['name']}`" not in text]
    assert missing == []


# -- the bundle files --------------------------------------------------------------------------


def _open(vector: dict[str, Any]) -> Any:
    return open_bundle(
        vector["bundle"].encode("utf-8"), [Verifier.from_vkey(k) for k in vector["node_keys"]]
    )


def _same_trust(found: TrustBundle, expected: TrustBundle) -> None:
    raw = {
        p.party: {kid: key.public_bytes_raw() for kid, key in p.keys.items()} for p in found.parties
    }
    assert raw == {
        p.party: {kid: key.public_bytes_raw() for kid, key in p.keys.items()}
        for p in expected.parties
    }
    assert [p.party for p in found.parties] == [p.party for p in expected.parties]
    for mine, theirs in zip(found.parties, expected.parties, strict=True):
        assert list(mine.keys) == list(theirs.keys), mine.party
        assert dict(mine.retired) == dict(theirs.retired), mine.party
        assert dict(mine.compromised) == dict(theirs.compromised), mine.party
    assert (found.issuer, found.issued_at, found.revoked, found.max_age, found.skew) == (
        expected.issuer,
        expected.issued_at,
        expected.revoked,
        expected.max_age,
        expected.skew,
    )


@pytest.mark.parametrize("vector", BUNDLES, ids=[b["name"] for b in BUNDLES])
def test_the_bundle_reader_agrees_with_the_bundle_file(vector: dict[str, Any]) -> None:
    expected = vector["expected"]
    if expected["result"] == "OPEN":
        _same_trust(_open(vector).trust, _trust(expected["trust"]))
        return
    assert expected["result"] == "REFUSED"
    with pytest.raises(BundleError) as caught:
        _open(vector)
    assert str(caught.value).startswith(expected["step"] + ": "), str(caught.value)


def test_the_valid_bundle_file_names_what_the_certificate_vectors_carry() -> None:
    """The one bundle file that opens serves the certificate vectors: its table names their
    places, category and project, and the trust holds their keys."""
    (valid,) = [b for b in BUNDLES if b["name"] == "file-valid"]
    table = _open(valid).table
    claims = Certificate.from_text(_BY_NAME["valid-japanese-holder"]["text"]).claims
    assert all(table.place(code) is not None for code in claims.places)
    assert table.category(claims.category) is not None
    assert table.project(claims.project) is not None
    assert (
        _open(valid).trust.keys.keys()
        >= _trust(_BY_NAME["valid-key-rotation"]["trust"]).keys.keys()
    )


_STEP = re.compile(r"^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|", re.MULTILINE)


def _spec_steps() -> list[tuple[int, str]]:
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("\n### 4.4 ", 1)[1].split("\n## ", 1)[0]
    rows = [(int(n), name) for n, name in _STEP.findall(section)]
    assert len(rows) >= 6, "the table of bundle steps of docs/certificate.md §4.4 was not found"
    return rows


def _step_name(step: str) -> str:
    """The specification's name of a step: one for every key change, key_changes[i]."""
    return re.sub(r"^key_changes\[\d+\]$", "key_changes[i]", step)


def test_every_bundle_step_of_the_specification_has_a_bundle_file_and_no_other() -> None:
    documented = {name for _, name in _spec_steps()}
    refused = {
        _step_name(b["expected"]["step"]) for b in BUNDLES if b["expected"]["result"] == "REFUSED"
    }
    # "node keys" at step 1 (none given) needs no file: every file comes with its keys.
    assert documented - refused == set(), "documented but in no bundle file"
    assert refused - documented == set(), "in a bundle file but not documented"


def test_the_specification_names_every_bundle_file() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert [b["name"] for b in BUNDLES if f"`{b['name']}`" not in text] == []


# -- the trust-bundle schema ------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[bytes, list[Any]]]:
    """A bundle exported by a new deployment's node, and the node keys that open it."""
    root = tmp_path_factory.mktemp("bundle") / "zone"
    with EmbeddedDeployment.create(root, regime_dir=REGIME, passphrases=KEYS, demo=True) as d:
        yield export_trust_bundle(d.nodes["japan"]), d.nodes["japan"].replica.node_verifiers()


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _shape_refused(data: bytes) -> bool:
    """Whether the bundle reader refuses the document for its shape (before any key is needed)."""
    with pytest.raises(BundleError) as caught:
        open_bundle(data, [])
    return "node keys: none given" not in str(caught.value)


def test_the_schema_accepts_an_exported_bundle(
    exported: tuple[bytes, list[Any]], validator: Draft202012Validator
) -> None:
    data, node_keys = exported
    opened = open_bundle(data, node_keys)
    assert len(opened.trust.parties) == 2
    doc = json.loads(data)
    assert list(validator.iter_errors(doc)) == []
    assert doc["format"] == FORMAT
    assert len(re.findall(r"\njointzone-verifier [0-9a-f]{64}\n", doc["checkpoint"])) == 1
    assert list(doc) == ["format", "key_changes", "checkpoint", "table"]
    assert doc["key_changes"] == []  # no node key has rotated


@pytest.mark.parametrize("vector", BUNDLES, ids=[b["name"] for b in BUNDLES])
def test_the_schema_accepts_every_bundle_file_the_reader_reads_beyond_its_shape(
    vector: dict[str, Any], validator: Draft202012Validator
) -> None:
    doc = json.loads(vector["bundle"])
    shape_refused = vector["expected"].get("step") == "not a trust bundle"
    assert (list(validator.iter_errors(doc)) != []) is shape_refused
    assert _shape_refused(vector["bundle"].encode("utf-8")) is shape_refused


def _minimal() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "key_changes": [],
        "checkpoint": "jointzone.example/log\n1\nAAAA\n",
        "table": "AAEC",
    }


_CHANGE = {"checkpoint": "jointzone.example/log\n1\nAAAA\n", "table": "AAEC"}


def test_the_schema_accepts_what_the_reader_accepts_in_shape(
    validator: Draft202012Validator,
) -> None:
    for doc in (
        _minimal(),
        {**_minimal(), "table": ""},
        {**_minimal(), "key_changes": [_CHANGE, {**_CHANGE, "table": ""}]},
        {**_minimal(), "key_changes": [_CHANGE] * 200},
    ):
        assert list(validator.iter_errors(doc)) == []
        assert not _shape_refused(json.dumps(doc).encode())


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc[key] = value

    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        del doc[key]

    return change


MALFORMED = {
    "no checkpoint": _delete("checkpoint"),
    "no table": _delete("table"),
    "no format": _delete("format"),
    "format 1": _set("format", "jointzone-trust-bundle/1"),
    "format 2": _set("format", "jointzone-trust-bundle/2"),
    "another format": _set("format", "jointzone-trust-bundle/4"),
    "no key changes": _delete("key_changes"),
    "key changes as an object": _set("key_changes", {}),
    "key changes as null": _set("key_changes", None),
    "more than 200 key changes": _set("key_changes", [_CHANGE] * 201),
    "a key change as text": _set("key_changes", ["x"]),
    "a key change without its table": _set("key_changes", [{"checkpoint": "x"}]),
    "a key change with an extra key": _set("key_changes", [{**_CHANGE, "colour": "blue"}]),
    "a key change's table not base64": _set("key_changes", [{**_CHANGE, "table": "AAA"}]),
    "a key change's checkpoint as a number": _set("key_changes", [{**_CHANGE, "checkpoint": 1}]),
    "an extra key": _set("colour", "blue"),
    "format 1's entries": _set("entries", []),
    "a table that is not base64": _set("table", "not base64!"),
    "base64 without its padding": _set("table", "AAA"),
    "a table as a number": _set("table", 12),
    "a table as an object": _set("table", {"keys": []}),
    "a checkpoint as a list": _set("checkpoint", ["a"]),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=list(MALFORMED))
def test_the_schema_and_the_reader_refuse_a_malformed_bundle(
    change: Callable[[dict[str, Any]], None],
    exported: tuple[bytes, list[Any]],
    validator: Draft202012Validator,
) -> None:
    doc = copy.deepcopy(json.loads(exported[0]))
    change(doc)
    assert list(validator.iter_errors(doc)) != []
    assert _shape_refused(json.dumps(doc).encode())


def test_the_schema_base64_is_the_readers() -> None:
    pattern = re.compile(
        json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["base64"]["pattern"]
    )
    for text, accepted in [
        *((t, True) for t in ("", "AAEC", "AAA=", "AB==", "AAAAAAAA", "+/+/")),
        *((t, False) for t in ("AAA", "AAAAA", "A===", "AA=A", "AA AA", "AA-_")),
    ]:
        doc = {**_minimal(), "table": text}
        assert bool(pattern.search(text)) is accepted, text
        assert _shape_refused(json.dumps(doc).encode()) is not accepted, text
