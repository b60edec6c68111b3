"""RFC 6962 hashing and proofs: the published vectors, and properties over generated trees."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointzone.tlog import (
    EMPTY_ROOT,
    CompactRange,
    MemoryTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parents[2] / "data" / "rfc6962"
ROOTS = json.loads((VECTORS / "roots.json").read_text())
LEAVES = [bytes.fromhex(x) for x in ROOTS["leaves_hex"]]


def _cases(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found"
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS))) for f in files]


def _b(value: str | None) -> bytes:
    return base64.b64decode(value or "")


@pytest.mark.parametrize("size", range(9))
def test_roots_of_published_tree(size: int) -> None:
    assert MemoryTree(LEAVES[:size]).root().hex() == ROOTS["roots_hex_by_size"][str(size)]


def test_empty_root_is_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == ROOTS["roots_hex_by_size"]["0"]


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_vector(case: dict[str, Any]) -> None:
    def run() -> None:
        verify_inclusion(
            leaf_hash=_b(case["leafHash"]),
            index=case["leafIdx"],
            size=case["treeSize"],
            proof=[_b(p) for p in case["proof"] or []],
            root=_b(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_vector(case: dict[str, Any]) -> None:
    def run() -> None:
        verify_consistency(
            size1=case["size1"],
            size2=case["size2"],
            root1=_b(case["root1"]),
            root2=_b(case["root2"]),
            proof=[_b(p) for p in case["proof"] or []],
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()


def test_generated_proofs_match_published_happy_paths() -> None:
    tree = MemoryTree(LEAVES)
    for case in (c.values[0] for c in _cases("inclusion")):
        if not case["wantErr"] and case["treeSize"] <= 8 and case["desc"] == "happy path":
            got = inclusion_proof(case["leafIdx"], case["treeSize"], tree)
            assert got == [_b(p) for p in case["proof"] or []]
    for case in (c.values[0] for c in _cases("consistency")):
        if not case["wantErr"] and case["desc"] == "happy path" and case["size1"] > 0:
            got = consistency_proof(case["size1"], case["size2"], tree)
            assert got == [_b(p) for p in case["proof"] or []]


def test_messages_name_what_is_wrong() -> None:
    tree = MemoryTree(LEAVES)
    proof = inclusion_proof(2, 8, tree)
    kwargs = {"leaf_hash": leaf_hash(LEAVES[2]), "index": 2, "size": 8, "root": tree.root()}
    with pytest.raises(ProofError, match=r"expected 3 hashes .* got 4"):
        verify_inclusion(proof=[*proof, proof[0]], **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ProofError, match=r"expected 3 hashes .* got 2"):
        verify_inclusion(proof=proof[:2], **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ProofError, match="leaf index 9 is not below tree size 8"):
        verify_inclusion(
            leaf_hash=leaf_hash(LEAVES[2]), index=9, size=8, proof=proof, root=tree.root()
        )
    with pytest.raises(ProofError, match="does not lead to the root"):
        verify_inclusion(
            leaf_hash=leaf_hash(LEAVES[3]), index=2, size=8, proof=proof, root=tree.root()
        )
    with pytest.raises(ProofError, match="old tree size 5 is larger than new tree size 3"):
        verify_consistency(size1=5, size2=3, root1=tree.root(5), root2=tree.root(3), proof=[])


sizes = st.integers(min_value=1, max_value=300)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[MemoryTree, int, int]:
    size = draw(sizes)
    index = draw(st.integers(min_value=0, max_value=size - 1))
    return MemoryTree(i.to_bytes(4, "big") for i in range(size)), index, size


@given(tree_and_index(), st.data())
def test_every_inclusion_proof_verifies_and_any_change_fails(
    case: tuple[MemoryTree, int, int], data: st.DataObject
) -> None:
    tree, index, size = case
    proof = inclusion_proof(index, size, tree)
    args = {"leaf_hash": leaf_hash(index.to_bytes(4, "big")), "index": index, "size": size}
    verify_inclusion(proof=proof, root=tree.root(), **args)  # type: ignore[arg-type]
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        flipped = bytearray(proof[i])
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(ProofError):
            verify_inclusion(
                proof=[*proof[:i], bytes(flipped), *proof[i + 1 :]],
                root=tree.root(),
                **args,  # type: ignore[arg-type]
            )
        with pytest.raises(ProofError):
            verify_inclusion(proof=proof[:-1], root=tree.root(), **args)  # type: ignore[arg-type]
    with pytest.raises(ProofError):
        verify_inclusion(proof=[*proof, bytes(32)], root=tree.root(), **args)  # type: ignore[arg-type]


@given(sizes, st.data())
def test_every_consistency_proof_verifies_and_any_change_fails(
    size2: int, data: st.DataObject
) -> None:
    size1 = data.draw(st.integers(1, size2))
    tree = MemoryTree(i.to_bytes(4, "big") for i in range(size2))
    proof = consistency_proof(size1, size2, tree)
    roots = {"root1": tree.root(size1), "root2": tree.root(size2)}
    verify_consistency(size1=size1, size2=size2, proof=proof, **roots)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        flipped = bytearray(proof[i])
        flipped[data.draw(st.integers(0, 31))] ^= 0x80
        with pytest.raises(ProofError):
            verify_consistency(
                size1=size1,
                size2=size2,
                proof=[*proof[:i], bytes(flipped), *proof[i + 1 :]],
                **roots,
            )
        with pytest.raises(ProofError):
            verify_consistency(size1=size1, size2=size2, proof=proof[1:], **roots)
    with pytest.raises(ProofError):
        verify_consistency(size1=size1, size2=size2, proof=[*proof, bytes(32)], **roots)


@given(st.lists(st.binary(max_size=40), max_size=300))
def test_compact_range_agrees_with_full_tree(entries: list[bytes]) -> None:
    cr = CompactRange()
    cr.extend(leaf_hash(e) for e in entries)
    assert cr.root() == MemoryTree(entries).root()
