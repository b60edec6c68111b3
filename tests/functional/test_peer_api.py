"""A hostile peer, or anyone who can reach a node, changes nothing at it.

Two parties' nodes are served over real HTTP in this process (see ``_inprocess``); the attacker
is the node of russia turned hostile — it holds its own pinned node key and can sign requests
with it — or someone on the network with no pinned key at all. Every request is made against
the node of japan, and each refusal is checked three ways: its status, its RFC 9457 problem
body saying what was wrong, and the node's state (log, final checkpoint, what it signed,
proposals, outbox) left exactly as it was.

The pair is served once for the module: each test compares the node's state after its request
with the state just before, so the tests that change it on purpose (a replay's first, valid
request; an official's own proposal, to be forged on; entries staged) do not disturb the others.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cose import CoseSigner
from jointzone.node import node_key_name
from jointzone.server._peerauth import MAX_PEER_BODY, PeerSigner
from jointzone.server._wire import parse_hash_lines
from jointzone.tlog import (
    Checkpoint,
    Note,
    Signer,
    decode_bundle,
    encode_bundle,
    leaf_hashes,
    verify_consistency,
)

from ._inprocess import ServedNode, adopted_template, proposal_of, serve_copy

PROBLEM = "application/problem+json"
COSE = {"content-type": "application/cose"}
SIGNATURE_HEADERS = ("content-digest", "signature-input", "signature")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServedNode]]:
    template = adopted_template(tmp_path_factory)
    with serve_copy(template, tmp_path_factory.mktemp("peer-api")) as served:
        yield served


@pytest.fixture(scope="module")
def japan(nodes: dict[str, ServedNode]) -> ServedNode:
    return nodes["japan"]


@pytest.fixture(scope="module")
def russia(nodes: dict[str, ServedNode]) -> ServedNode:
    return nodes["russia"]


# -- the attacker's tools --------------------------------------------------------------------------


def node_key(node: ServedNode) -> Ed25519PrivateKey:
    return node.service.node.keystore.private_key("node", "node")


def signed(
    target: ServedNode,
    signer: ServedNode,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    params: dict[str, int] | None = None,
    party: str | None = None,
    key: Ed25519PrivateKey | None = None,
    at: datetime | None = None,
    content_type: str = "application/cose",
) -> httpx.Request:
    """A request to ``target`` signed as the node of ``signer`` signs it (or with ``party``,
    ``key`` and ``at`` in place of its party, key and clock)."""
    headers = {"content-type": content_type} if method == "POST" else {}
    request = httpx.Request(
        method, f"{target.url}{path}", content=body, params=params, headers=headers
    )
    when = at or datetime.now(UTC)
    PeerSigner(party or signer.party, key or node_key(signer), clock=lambda: when).sign(request)
    return request


def send(target: ServedNode, request: httpx.Request) -> httpx.Response:
    return target.http.send(request)


def resent(request: httpx.Request, body: bytes) -> httpx.Request:
    """``request``'s signature headers on another body."""
    headers = {k: v for k, v in request.headers.items() if k in SIGNATURE_HEADERS}
    return httpx.Request(request.method, request.url, content=body, headers={**COSE, **headers})


def assert_problem(response: httpx.Response, status: int, *says: str) -> dict[str, Any]:
    """An RFC 9457 problem of ``status`` whose detail says each of ``says``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM, response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status, problem
    assert problem["type"] == "about:blank", problem
    assert isinstance(problem["title"], str), problem
    assert problem["title"], problem
    for words in says:
        assert words in problem["detail"], problem
    return problem


def state(node: ServedNode) -> dict[str, object]:
    """Everything a request could change at ``node``."""
    with node.service.locked() as n:
        size = n.log_size()
        return {
            "size": size,
            "final": n.store.checkpoint(),
            "signed state": n.signed_state(),
            # A witness remembers what it cosigned before it signs: nothing new may be there.
            "cosigned": [n.signed_text(s) for s in range(size + 1, size + 8)],
            "conflicts": n.conflicts(),
            "proposals": {
                s.proposal.id: (s.status, s.proposal.kids, len(s.rejections)) for s in n.proposals()
            },
            "outbox": node.service.outbox.depth(),
            "replica": (n.replica.size, n.replica.state.adopted),
        }


def held(node: ServedNode) -> dict[str, tuple[bytes, ...]]:
    """The proposals ``node`` holds, with their signers' kids."""
    with node.service.locked() as n:
        return {s.proposal.id: s.proposal.kids for s in n.proposals()}


@contextmanager
def unchanged(node: ServedNode) -> Iterator[None]:
    before = state(node)
    yield
    assert state(node) == before


# -- what the attacker sends -----------------------------------------------------------------------


def forger(kid: str) -> CoseSigner:
    """A signer that claims a real official's kid with a key of its own."""
    return CoseSigner(kid=kid.encode(), private_key=Ed25519PrivateKey.generate())


def note_signer(node: ServedNode, key: Ed25519PrivateKey | None = None) -> Signer:
    """A signed-note signer under ``node``'s node key name (with ``node``'s key, or ``key``)."""
    origin = node.service.standalone.regime.origin
    raw = (key or node_key(node)).private_bytes_raw()
    return Signer.from_seed(node_key_name(origin, node.party), raw)


def checkpoint(node: ServedNode, *, size: int, origin: str | None = None) -> Checkpoint:
    """A checkpoint of ``node``'s log at ``size`` with a made-up root."""
    final = node.service.node.store.checkpoint()
    assert final is not None
    base = Checkpoint.from_text(Note.from_bytes(final).text)
    return dataclasses.replace(base, size=size, root=os.urandom(32), origin=origin or base.origin)


def add_checkpoint_body(old: int, note: Note, proof: bytes = b"") -> bytes:
    return f"old {old}\n".encode() + proof + b"\n" + note.to_bytes()


# -- who sent it -----------------------------------------------------------------------------------

PEER_ROUTES = [
    ("POST", "/peer/v1/proposals", None),
    ("POST", "/peer/v1/rejections", None),
    ("POST", "/peer/v1/entries", {"start": 3, "count": 1}),
    ("POST", "/peer/v1/add-checkpoint", None),
    ("POST", "/peer/v1/final", None),
    ("POST", "/peer/v1/vouch", None),
    ("POST", "/peer/v1/certificate-signature", None),
    ("GET", "/peer/v1/size", None),
    ("GET", "/peer/v1/entries", {"start": 0, "stop": 1}),
    ("GET", "/peer/v1/consistency", {"from": 1, "to": 2}),
]


@pytest.mark.parametrize(("method", "path", "params"), PEER_ROUTES)
def test_an_unsigned_request_is_refused_on_every_peer_route(
    japan: ServedNode,
    russia: ServedNode,
    method: str,
    path: str,
    params: dict[str, int] | None,
) -> None:
    body = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes() if method == "POST" else b""
    with unchanged(japan):
        response = japan.http.request(method, path, content=body, params=params, headers=COSE)
    assert_problem(response, 401, "not signed", "no Signature-Input or Signature header")


@pytest.mark.parametrize(
    ("party", "says"),
    [
        # The keyid of a pinned peer, and a key of the attacker's own.
        ("russia", "does not verify against the key pinned for its keyid"),
        # A party that has no node pinned here at all.
        ("china", "unknown keyid 'china'"),
        # The node's own party: a node pins its peers, never itself.
        ("japan", "unknown keyid 'japan'"),
    ],
)
def test_a_request_signed_by_a_key_not_pinned_for_its_keyid_is_refused(
    japan: ServedNode, russia: ServedNode, party: str, says: str
) -> None:
    body = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()
    request = signed(
        japan,
        russia,
        "POST",
        "/peer/v1/proposals",
        body,
        party=party,
        key=Ed25519PrivateKey.generate(),
    )
    with unchanged(japan):
        assert_problem(send(japan, request), 401, says)


@pytest.mark.parametrize("moved", ["to-another-route", "to-another-node"])
def test_a_signature_moved_to_another_target_is_refused(
    japan: ServedNode, russia: ServedNode, moved: str
) -> None:
    """The signature covers the method and the target URI, this node's own origin included: a
    signature made for another route, or for another node (russia's own URL stands for one),
    does not hold here."""
    body = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()
    target = japan if moved == "to-another-route" else russia
    path = "/peer/v1/rejections" if moved == "to-another-route" else "/peer/v1/proposals"
    request = signed(target, russia, "POST", path, body)
    headers = {k: v for k, v in request.headers.items() if k in SIGNATURE_HEADERS}
    replayed = httpx.Request(
        "POST", f"{japan.url}/peer/v1/proposals", content=body, headers={**COSE, **headers}
    )
    with unchanged(japan):
        assert_problem(send(japan, replayed), 401, "does not verify")


def test_a_request_whose_body_was_changed_after_signing_is_refused(
    japan: ServedNode, russia: ServedNode
) -> None:
    honest = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()
    other = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()
    request = signed(japan, russia, "POST", "/peer/v1/proposals", honest)
    with unchanged(japan):
        assert_problem(
            send(japan, resent(request, other)),
            401,
            "Content-Digest does not match the message body",
        )


def test_a_replayed_request_is_refused_after_the_first_is_accepted(
    japan: ServedNode, russia: ServedNode
) -> None:
    proposal = proposal_of(russia, *russia.root_signers(1, 2))
    captured = signed(japan, russia, "POST", "/peer/v1/proposals", proposal.to_bytes())
    first = send(japan, captured)
    assert first.status_code == 204, first.text
    assert proposal.id in held(japan)
    with unchanged(japan):
        assert_problem(send(japan, captured), 401, "replay")


@pytest.mark.parametrize(("minutes", "says"), [(-10, "s ago"), (10, "in the future")])
def test_a_request_signed_ten_minutes_away_from_the_nodes_clock_is_refused(
    japan: ServedNode, russia: ServedNode, minutes: int, says: str
) -> None:
    body = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()
    at = japan.service.node.now() + timedelta(minutes=minutes)
    request = signed(japan, russia, "POST", "/peer/v1/proposals", body, at=at)
    with unchanged(japan):
        assert_problem(send(japan, request), 401, says, "at most 300 s")


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    japan: ServedNode, russia: ServedNode
) -> None:
    request = signed(japan, russia, "POST", "/peer/v1/proposals", b"\0" * (MAX_PEER_BODY + 1))
    with unchanged(japan):
        assert_problem(
            send(japan, request), 413, "too large", f"declared {MAX_PEER_BODY + 1} bytes"
        )


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(
    japan: ServedNode, russia: ServedNode
) -> None:
    body = b"\0" * (MAX_PEER_BODY + 1)
    request = signed(japan, russia, "POST", "/peer/v1/proposals", body)
    headers = {k: v for k, v in request.headers.items() if k in SIGNATURE_HEADERS}

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 1 << 20):
            yield body[i : i + (1 << 20)]

    streamed = httpx.Request("POST", request.url, content=chunks(), headers=headers)
    assert "content-length" not in streamed.headers
    with unchanged(japan):
        assert_problem(send(japan, streamed), 413, "too large", f"more than {MAX_PEER_BODY} bytes")


# -- what it carries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"", b"not cbor at all", b"\xa1\x01\x02", b"\x84\x40\xa0\xf6\x80"],
    ids=["empty", "not-cbor", "a-cbor-map", "a-cose-shape-with-no-signatures"],
)
def test_a_signed_but_malformed_proposal_is_refused(
    japan: ServedNode, russia: ServedNode, body: bytes
) -> None:
    request = signed(japan, russia, "POST", "/peer/v1/proposals", body)
    with unchanged(japan):
        assert_problem(send(japan, request), 400, "proposal refused")


def test_a_truncated_proposal_is_refused(japan: ServedNode, russia: ServedNode) -> None:
    whole = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()
    request = signed(japan, russia, "POST", "/peer/v1/proposals", whole[:-7])
    with unchanged(japan):
        assert_problem(send(japan, request), 400, "proposal refused")


def test_a_forged_official_signature_is_refused_and_the_official_can_still_sign(
    japan: ServedNode, russia: ServedNode
) -> None:
    with japan.api() as api:
        (root1,) = japan.root_signers(1)
        proposal = proposal_of(japan, root1)
        api.submit(proposal)
        # The hostile peer adds a signature under japan-root-2's kid, made with its own key.
        forged = proposal.cosign(forger("japan-root-2"))
        request = signed(japan, russia, "POST", "/peer/v1/proposals", forged.to_bytes())
        with unchanged(japan):
            assert_problem(send(japan, request), 400, "signature refused", proposal.id)

        (root2,) = japan.root_signers(2)
        _, added = api.sign(proposal.id, [root2])
        assert added
        status = api.status(proposal.id)
    assert status.proposal.kids == (b"japan-root-1", b"japan-root-2")
    assert status.verdict.satisfied, status.verdict


def test_a_forged_signature_of_another_partys_official_is_refused(
    japan: ServedNode, russia: ServedNode
) -> None:
    forged = proposal_of(russia, forger("russia-root-1"), *russia.root_signers(2))
    request = signed(japan, russia, "POST", "/peer/v1/proposals", forged.to_bytes())
    with unchanged(japan):
        assert_problem(send(japan, request), 400, "signature refused")


def test_a_bundle_of_proposals_keeps_each_genuine_one_and_names_each_refused(
    japan: ServedNode, russia: ServedNode
) -> None:
    genuine = [proposal_of(russia, *russia.root_signers(1, 2)) for _ in range(2)]
    forged = proposal_of(russia, forger("russia-root-1"), *russia.root_signers(2))
    bundle = [genuine[0], forged, genuine[1]]
    request = signed(
        japan,
        russia,
        "POST",
        "/peer/v1/proposals",
        b"".join(p.to_bytes() for p in bundle),
        content_type="application/cbor-seq",
    )
    response = send(japan, request)
    assert response.status_code == 200, response.text
    (refused,) = response.json()["refused"]
    assert refused["index"] == 1
    assert "signature refused" in refused["detail"], refused
    kept = held(japan)
    assert {p.id for p in genuine} <= kept.keys()
    assert forged.id not in kept


@pytest.mark.parametrize("tail", [b"\x84\x40", b"\xff"], ids=["a-truncated-item", "a-stray-break"])
def test_a_malformed_bundle_of_proposals_is_refused_whole(
    japan: ServedNode, russia: ServedNode, tail: bytes
) -> None:
    whole = proposal_of(russia, *russia.root_signers(1, 2)).to_bytes()
    request = signed(
        japan,
        russia,
        "POST",
        "/peer/v1/proposals",
        whole + tail,
        content_type="application/cbor-seq",
    )
    with unchanged(japan):
        assert_problem(send(japan, request), 400, "CBOR sequence is malformed")


# -- what it reads ---------------------------------------------------------------------------------


def test_a_peer_reading_any_consistency_proof_gets_one_or_a_problem(
    japan: ServedNode, russia: ServedNode
) -> None:
    """Every pair of sizes up to one past the log: a proof that verifies, or a 400 problem.

    From size 0 there is no proof to give (RFC 6962 defines one for 0 < m <= n): an empty
    answer or a 400 will do, a server error will not.
    """
    store = japan.service.node.store
    size = store.size()
    with unchanged(japan):
        for a, b in itertools.product(range(size + 2), repeat=2):
            params = {"from": a, "to": b}
            response = send(
                japan, signed(japan, russia, "GET", "/peer/v1/consistency", params=params)
            )
            where = f"from={a} to={b}: {response.status_code} {response.text[:200]}"
            if 0 < a <= b <= size:
                assert response.status_code == 200, where
                proof = parse_hash_lines(response.content, "proof")
                verify_consistency(
                    size1=a, size2=b, root1=store.root(a), root2=store.root(b), proof=proof
                )
            elif a == 0 and b <= size and response.status_code == 200:
                assert response.content == b"", where
            else:
                assert response.status_code == 400, where
                assert_problem(response, 400, f"consistency {a}..{b}")


def test_a_peer_reading_any_range_of_entries_gets_them_or_a_problem(
    japan: ServedNode, russia: ServedNode
) -> None:
    store = japan.service.node.store
    size = store.size()
    with unchanged(japan):
        for a, b in itertools.product(range(size + 2), repeat=2):
            params = {"start": a, "stop": b}
            response = send(japan, signed(japan, russia, "GET", "/peer/v1/entries", params=params))
            if a <= b <= size:
                assert response.status_code == 200, (a, b, response.text)
                entries = decode_bundle(response.content, count=b - a, where="entries")
                assert entries == store.read_entries(a, b)
            else:
                assert response.status_code == 400, (a, b, response.text)
                assert_problem(response, 400, f"entries {a}..{b}")


# -- add-checkpoint (C2SP tlog-witness) ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 3\n",
        b"new 3\n\n",
        b"old 03\n\n",
        b"old three\n\n",
        b"old 3\nnot base64!\n\n",
        b"old 3\n\nnot a signed note\n",
        b"old 3\n\n\xff\xfe\n\n",
    ],
    ids=[
        "empty",
        "no-blank-line",
        "no-old-line",
        "leading-zero",
        "not-a-number",
        "proof-not-base64",
        "not-a-note",
        "not-utf8",
    ],
)
def test_a_malformed_add_checkpoint_is_refused(
    japan: ServedNode, russia: ServedNode, body: bytes
) -> None:
    request = signed(japan, russia, "POST", "/peer/v1/add-checkpoint", body)
    with unchanged(japan):
        assert_problem(send(japan, request), 400, "add-checkpoint:")


def test_a_checkpoint_that_is_not_a_checkpoint_is_refused(
    japan: ServedNode, russia: ServedNode
) -> None:
    note = Note("hello\n").with_signatures(note_signer(russia).sign("hello\n"))
    body = add_checkpoint_body(3, note)
    request = signed(japan, russia, "POST", "/peer/v1/add-checkpoint", body)
    with unchanged(japan):
        assert_problem(send(japan, request), 400, "add-checkpoint:")


def test_add_checkpoint_for_another_log_is_not_found(japan: ServedNode, russia: ServedNode) -> None:
    size = japan.service.node.log_size()
    cp = checkpoint(japan, size=size + 1, origin="elsewhere.example/log")
    note = Note(cp.to_text()).with_signatures(note_signer(russia).sign(cp.to_text()))
    request = signed(
        japan, russia, "POST", "/peer/v1/add-checkpoint", add_checkpoint_body(size, note)
    )
    with unchanged(japan):
        assert_problem(send(japan, request), 404, "'elsewhere.example/log'")


@pytest.mark.parametrize("offset", [-1, 1, 100])
def test_add_checkpoint_with_a_wrong_old_size_answers_the_witness_size(
    japan: ServedNode, russia: ServedNode, offset: int
) -> None:
    size = japan.service.node.log_size()
    old = size + offset
    cp = checkpoint(japan, size=old + 2)
    note = Note(cp.to_text()).with_signatures(note_signer(russia).sign(cp.to_text()))
    request = signed(
        japan, russia, "POST", "/peer/v1/add-checkpoint", add_checkpoint_body(old, note)
    )
    with unchanged(japan):
        response = send(japan, request)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert response.content == f"{size}\n".encode()


@pytest.mark.parametrize("who", ["impostor", "itself"])
def test_add_checkpoint_signed_by_no_pinned_peer_is_forbidden(
    japan: ServedNode, russia: ServedNode, who: str
) -> None:
    size = japan.service.node.log_size()
    cp = checkpoint(japan, size=size + 1)
    # Under russia's node key name with another key; or by the witness's own node key.
    by = note_signer(russia, Ed25519PrivateKey.generate()) if who == "impostor" else None
    note_by = by or note_signer(japan)
    note = Note(cp.to_text()).with_signatures(note_by.sign(cp.to_text()))
    request = signed(
        japan, russia, "POST", "/peer/v1/add-checkpoint", add_checkpoint_body(size, note)
    )
    with unchanged(japan):
        assert_problem(send(japan, request), 403, "pinned peer")


def test_add_checkpoint_over_entries_never_sent_is_refused(
    japan: ServedNode, russia: ServedNode
) -> None:
    size = japan.service.node.log_size()
    cp = checkpoint(japan, size=size + 1)
    note = Note(cp.to_text()).with_signatures(note_signer(russia).sign(cp.to_text()))
    request = signed(
        japan, russia, "POST", "/peer/v1/add-checkpoint", add_checkpoint_body(size, note)
    )
    with unchanged(japan):
        assert_problem(send(japan, request), 422, f"no entries {size}..{size + 1}")


def test_add_checkpoint_over_a_staged_entry_that_is_not_an_entry_is_refused(
    japan: ServedNode, russia: ServedNode
) -> None:
    """The root is right for the bytes staged, so only judging the entry can refuse them."""
    size = japan.service.node.log_size()
    garbage = b"not an entry"
    # The node's own compact range at ``size`` (as conftest.offered_batch builds a batch).
    edge = japan.service.node._edge(size)
    edge.extend(leaf_hashes([garbage]))
    cp = dataclasses.replace(checkpoint(japan, size=size + 1), root=edge.root())
    note = Note(cp.to_text()).with_signatures(note_signer(russia).sign(cp.to_text()))
    stage = signed(
        japan,
        russia,
        "POST",
        "/peer/v1/entries",
        encode_bundle([garbage]),
        params={"start": size, "count": 1},
    )
    assert send(japan, stage).status_code == 204
    request = signed(
        japan, russia, "POST", "/peer/v1/add-checkpoint", add_checkpoint_body(size, note)
    )
    with unchanged(japan):
        assert_problem(send(japan, request), 422, "entry refused")


# -- final checkpoints -----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["japan", "russia"])
def test_a_final_checkpoint_missing_a_partys_signature_is_refused(
    japan: ServedNode, russia: ServedNode, missing: str
) -> None:
    final = japan.service.node.store.checkpoint()
    assert final is not None
    note = Note.from_bytes(final)
    origin = japan.service.standalone.regime.origin
    kept = [s for s in note.signatures if s.name != node_key_name(origin, missing)]
    assert 0 < len(kept) < len(note.signatures)
    partial = Note(note.text, tuple(kept)).to_bytes()
    request = signed(japan, russia, "POST", "/peer/v1/final", partial)
    with unchanged(japan):
        assert_problem(send(japan, request), 400, "final checkpoint refused")


# -- the officials' API ----------------------------------------------------------------------------


def test_a_proposal_by_another_partys_official_is_refused_by_the_officials_api(
    japan: ServedNode, russia: ServedNode
) -> None:
    theirs = proposal_of(russia, *russia.root_signers(1, 2))
    with unchanged(japan):
        response = japan.http.post("/api/v1/proposals", content=theirs.to_bytes(), headers=COSE)
    assert_problem(response, 400, "proposed by 'russia'")
    assert theirs.id not in held(japan)


def test_another_partys_signature_on_this_partys_proposal_is_refused_by_the_officials_api(
    japan: ServedNode, russia: ServedNode
) -> None:
    (root1,) = japan.root_signers(1)
    (foreign,) = russia.root_signers(1)
    with japan.api() as api:
        proposal = proposal_of(japan, root1)
        api.submit(proposal)
    # Russia's root key on japan's open proposal, and on a new one of japan's.
    new = proposal_of(japan, root1, foreign)
    for offered in (proposal.cosign(foreign), new):
        with unchanged(japan):
            response = japan.http.post(
                "/api/v1/proposals", content=offered.to_bytes(), headers=COSE
            )
        assert_problem(response, 400, "signature refused", "'russia'")
    assert held(japan)[proposal.id] == (b"japan-root-1",)
    assert new.id not in held(japan)


def test_an_unknown_proposal_is_not_found_and_a_malformed_id_is_a_bad_request(
    japan: ServedNode,
) -> None:
    assert_problem(japan.http.get(f"/api/v1/proposals/{'0' * 32}"), 404, "no proposal")
    assert_problem(japan.http.get("/api/v1/proposals/zz"), 400, "is not an act id")
