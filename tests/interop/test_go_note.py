"""Our checkpoints, checked by Go's golang.org/x/mod/sumdb/note and sumdb/tlog.

Either party must be able to verify the log with tools it did not get from us (DESIGN.md,
principle 3). Go's note.Open and tlog.TreeHash are the reference: the program in
``go/opennote`` opens our signed checkpoint with the node verifier keys and recomputes the tree
root from the entries, and these tests compare its verdict with ours.

It builds offline against Debian's golang-go and golang-golang-x-mod-dev. Where they are missing
the tests fail (never skip) and say how to install them.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from jointzone.tlog import (
    Checkpoint,
    MemoryTree,
    Signature,
    SignatureError,
    Signer,
    open_checkpoint,
    sign_note,
)

from ._go import accepted, build_opennote, run_go

ORIGIN = "jointzone.example/log"

JAPAN = Signer.from_seed("japan.node.example", hashlib.sha256(b"japan node").digest())
RUSSIA = Signer.from_seed("russia.node.example", hashlib.sha256(b"russia node").digest())


def label(s: Signer | Signature) -> str:
    return f"{s.name}+{s.key_hash:08x}"


@pytest.fixture(scope="module")
def opennote(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go program, built once, offline."""
    return build_opennote(tmp_path_factory.mktemp("go"))


def make_log(size: int) -> tuple[list[bytes], Checkpoint]:
    # Entries of varied length, the empty entry among them.
    entries = [f"act {i} ".encode() * (i % 5) for i in range(size)]
    tree = MemoryTree(entries)
    return entries, Checkpoint(origin=ORIGIN, size=size, root=tree.root())


@pytest.mark.parametrize("size", [1, 2, 7, 256, 257, 300])
def test_go_opens_our_checkpoint_and_agrees_on_the_root(
    opennote: Path, tmp_path: Path, size: int
) -> None:
    entries, cp = make_log(size)
    note = sign_note(cp.to_text(), [JAPAN, RUSSIA]).to_bytes()
    # Our own verdict first, with the same keys Go gets.
    assert open_checkpoint(note, [JAPAN.verifier, RUSSIA.verifier], origin=ORIGIN)[0] == cp

    got = accepted(run_go(opennote, tmp_path, note, entries, [JAPAN.vkey, RUSSIA.vkey]))
    assert sorted(got["verified"]) == [label(JAPAN), label(RUSSIA)]
    assert got["unverified"] == []
    assert (got["origin"], got["size"], got["entries"]) == (ORIGIN, size, size)
    assert got["root"] == base64.b64encode(cp.root).decode()
    assert got["tree_hash"] == got["root"], "Go's tlog.TreeHash differs from our root"


def test_go_rejects_a_flipped_signature_byte(opennote: Path, tmp_path: Path) -> None:
    entries, cp = make_log(300)
    note = sign_note(cp.to_text(), [JAPAN, RUSSIA])
    russia = next(s for s in note.signatures if s.name == RUSSIA.name)
    flipped = bytearray(russia.signature)
    flipped[17] ^= 0x04
    bad = note.with_signatures(
        Signature(name=russia.name, key_hash=russia.key_hash, signature=bytes(flipped))
    ).to_bytes()

    proc = run_go(opennote, tmp_path, bad, entries, [JAPAN.vkey, RUSSIA.vkey])
    assert proc.returncode == 1
    assert f"invalid signature for key {label(RUSSIA)}" in proc.stderr
    with pytest.raises(SignatureError, match=label(RUSSIA).replace("+", r"\+")):
        open_checkpoint(bad, [JAPAN.verifier, RUSSIA.verifier])


def test_go_ignores_the_signatures_of_unknown_keys(opennote: Path, tmp_path: Path) -> None:
    entries, cp = make_log(300)
    strangers = [Signer.from_seed(f"witness{i}.example", bytes([i]) * 32) for i in range(16)]
    note = sign_note(cp.to_text(), [JAPAN, RUSSIA, *strangers]).to_bytes()

    got = accepted(run_go(opennote, tmp_path, note, entries, [JAPAN.vkey, RUSSIA.vkey]))
    assert sorted(got["verified"]) == [label(JAPAN), label(RUSSIA)]
    assert sorted(got["unverified"]) == sorted(label(s) for s in strangers)
    _, opened = open_checkpoint(note, [JAPAN.verifier, RUSSIA.verifier])
    assert len(opened.signatures) == 18


def test_go_and_we_refuse_a_note_signed_by_no_known_key(opennote: Path, tmp_path: Path) -> None:
    entries, cp = make_log(3)
    note = sign_note(cp.to_text(), [RUSSIA]).to_bytes()
    proc = run_go(opennote, tmp_path, note, entries, [JAPAN.vkey])
    assert proc.returncode == 1
    assert "note has no verifiable signatures" in proc.stderr
    with pytest.raises(SignatureError, match="no signature from a known key"):
        open_checkpoint(note, [JAPAN.verifier])
