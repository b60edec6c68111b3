"""The node's OpenAPI document: OpenAPI 3.1, and every operation in it fuzzed, none answering 5xx.

Schemathesis generates each operation's inputs from the document and calls the app of a node
whose genesis is adopted (in process, over ASGI; its peer, which the trust bundle asks, is served
over HTTP). Every answer is checked with Schemathesis's checks except three the document cannot
pass yet, named in ``NOT_YET``. The document declares no request bodies (the COSE and text bodies
are read raw), so the bodies are fuzzed here too: random and mutated ones, to the officials' API
unsigned and to every peer route signed by the pinned peer's own key, so that they get past the
signature check to the parsers behind it.

``OPERATIONS`` lists what the document holds, so a new route is fuzzed from the day it is added
(a test keeps the two equal). Schemathesis's lazy pytest fixture loader does not run on pytest 9
(it sets ``Function._nodeid``, which pytest 9 no longer has), so each operation's test draws its
cases with Hypothesis from :meth:`APIOperation.as_strategy`, which is the same generation.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from jointzone.server._peerauth import PeerSigner

from ._inprocess import ServedNode, adopted_template, proposal_of, serve_copy

#: Every operation of the document, as (method, path).
OPERATIONS = [
    ("GET", "/checkpoint"),
    ("HEAD", "/checkpoint"),
    ("GET", "/tile/{path}"),
    ("HEAD", "/tile/{path}"),
    ("GET", "/status"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/peer/v1/proposals"),
    ("POST", "/peer/v1/rejections"),
    ("POST", "/peer/v1/entries"),
    ("GET", "/peer/v1/entries"),
    ("POST", "/peer/v1/add-checkpoint"),
    ("POST", "/peer/v1/final"),
    ("POST", "/peer/v1/vouch"),
    ("POST", "/peer/v1/certificate-signature"),
    ("GET", "/peer/v1/size"),
    ("GET", "/peer/v1/consistency"),
    ("GET", "/api/v1/context"),
    ("GET", "/api/v1/regime"),
    ("GET", "/api/v1/genesis"),
    ("GET", "/api/v1/certificate-key"),
    ("POST", "/api/v1/node-key"),
    ("GET", "/api/v1/trust-bundle"),
    ("GET", "/api/v1/certificates/{certificate}"),
    ("GET", "/api/v1/proposals"),
    ("POST", "/api/v1/proposals"),
    ("GET", "/api/v1/proposals/{act_id}"),
    ("POST", "/api/v1/rejections"),
    ("GET", "/api/v1/health"),
]

#: The operations with query parameters: the ones with inputs that can be made invalid (a path
#: parameter is any string, and the document declares no bodies).
QUERYING = [
    ("POST", "/peer/v1/entries"),
    ("GET", "/peer/v1/entries"),
    ("GET", "/peer/v1/consistency"),
    ("POST", "/api/v1/node-key"),
    ("GET", "/api/v1/proposals"),
]
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in QUERYING
]

#: Checks the document still fails: FastAPI documents JSON for the few routes that answer text
#: or COSE bytes, and accepts any string where only a few are meaningful (GET /api/v1/proposals'
#: status, an act id), and no POST documents its request body. Status codes are checked.
NOT_YET = [
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.positive_data_acceptance,
]

FUZZ = settings(
    max_examples=12,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServedNode]]:
    template = adopted_template(tmp_path_factory)
    with serve_copy(template, tmp_path_factory.mktemp("openapi")) as served:
        yield served


@pytest.fixture(scope="module")
def japan(nodes: dict[str, ServedNode]) -> ServedNode:
    return nodes["japan"]


@pytest.fixture(scope="module")
def building_warnings(japan: ServedNode) -> list[str]:
    """What FastAPI warned while it built the document, which it does once and keeps.

    Built here so that a warning (turned into an error by this suite) cannot make the first
    ``GET /openapi.json`` a 500 and hide every other finding; the warnings themselves fail
    :func:`test_operation_ids_are_unique`.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        japan.app.openapi()
    return [str(w.message) for w in caught]


@pytest.fixture(scope="module")
def document(japan: ServedNode, building_warnings: list[str]) -> dict[str, Any]:
    response = japan.http.get("/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture(scope="module")
def api_schema(japan: ServedNode, building_warnings: list[str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", japan.app)


def test_the_document_is_openapi_3_1(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"]), document["openapi"]
    assert document["info"]["title"] == "jointzone node of japan"


def test_operations_lists_every_operation_of_the_document(document: dict[str, Any]) -> None:
    held = [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert sorted((m, p) for m, p, _ in held) == sorted(OPERATIONS)
    querying = [
        (m, p) for m, p, op in held if any(q["in"] == "query" for q in op.get("parameters", []))
    ]
    assert sorted(querying) == sorted(QUERYING)


def test_operation_ids_are_unique(document: dict[str, Any], building_warnings: list[str]) -> None:
    """OpenAPI: "The id MUST be unique among all operations described in the API"."""
    ids = Counter(op["operationId"] for item in document["paths"].values() for op in item.values())
    assert [i for i, n in ids.items() if n > 1] == [], building_warnings
    assert building_warnings == []


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{mode.value} {m} {p}" for m, p, mode in CASES]
)
def test_every_operation_answers_generated_inputs_without_a_server_error(
    nodes: dict[str, ServedNode], api_schema: Any, method: str, path: str, mode: GenerationMode
) -> None:
    """Officials' and public operations are called in process; a peer operation is signed by the
    pinned peer and sent over HTTP, so that its inputs reach the handler past the signature."""
    operation = api_schema[path][method]
    japan, russia = nodes["japan"], nodes["russia"]
    signer = PeerSigner("russia", russia.service.node.keystore.private_key("node", "node"))

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers(case: schemathesis.Case[Any]) -> None:
        if not path.startswith("/peer/"):
            case.call_and_validate(excluded_checks=NOT_YET)
            return
        sent = case.as_transport_kwargs(base_url=japan.url)
        request = japan.http.build_request(
            sent["method"], sent["url"], params=sent["params"], headers=sent["headers"]
        )
        signer.sign(request)
        response = japan.http.send(request)
        assert response.status_code != 401, response.text  # the handler was reached
        case.validate_response(response, excluded_checks=NOT_YET)

    answers()


# -- bodies, which the document does not describe --------------------------------------------------


def bodies(valid: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, and a valid proposal truncated, extended or with one byte changed."""

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        kind = draw(st.sampled_from(["truncate", "change", "append"]))
        if kind == "truncate":
            return valid[: draw(st.integers(0, len(valid) - 1))]
        if kind == "append":
            return valid + draw(st.binary(min_size=1, max_size=16))
        at = draw(st.integers(0, len(valid) - 1))
        byte = draw(st.integers(0, 255).filter(lambda b: b != valid[at]))
        return valid[:at] + bytes([byte]) + valid[at + 1 :]

    return st.one_of(st.binary(max_size=256), mutated())


OFFICIALS_POSTS = ["/api/v1/proposals", "/api/v1/rejections"]
PEER_POSTS: list[tuple[str, dict[str, int] | None]] = [
    ("/peer/v1/proposals", None),
    ("/peer/v1/rejections", None),
    ("/peer/v1/entries", {"start": 3, "count": 1}),
    ("/peer/v1/add-checkpoint", None),
    ("/peer/v1/final", None),
    ("/peer/v1/vouch", None),
    ("/peer/v1/certificate-signature", None),
]


def assert_not_server_error(response: httpx.Response, body: bytes) -> None:
    assert response.status_code < 500, (body, response.status_code, response.text)
    assert response.status_code in (200, 204) or response.headers["content-type"] in (
        "application/problem+json",
        "text/x.tlog.size",
    ), response.headers


@pytest.mark.parametrize("path", OFFICIALS_POSTS)
def test_officials_api_bodies_never_cause_a_server_error(japan: ServedNode, path: str) -> None:
    valid = proposal_of(japan, *japan.root_signers(1)).to_bytes()

    @FUZZ
    @given(body=bodies(valid))
    def answers(body: bytes) -> None:
        response = japan.http.post(path, content=body, headers={"content-type": "application/cose"})
        assert_not_server_error(response, body)

    answers()


@pytest.mark.parametrize(("path", "params"), PEER_POSTS, ids=[p for p, _ in PEER_POSTS])
def test_signed_peer_bodies_never_cause_a_server_error(
    nodes: dict[str, ServedNode], path: str, params: dict[str, int] | None
) -> None:
    japan, russia = nodes["japan"], nodes["russia"]
    key: Ed25519PrivateKey = russia.service.node.keystore.private_key("node", "node")
    signer = PeerSigner("russia", key)
    valid = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()

    @FUZZ
    @given(body=bodies(valid))
    def answers(body: bytes) -> None:
        request = japan.http.build_request("POST", path, content=body, params=params)
        signer.sign(request)
        response = japan.http.send(request)
        assert response.status_code != 401, response.text  # the parsers were reached
        assert_not_server_error(response, body)

    answers()
