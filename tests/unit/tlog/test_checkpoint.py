"""C2SP tlog-checkpoint: parsing, the every-party rule for opening, and cosignatures."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from jointzone.tlog import (
    MAX_TREE_SIZE,
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    MalformedError,
    MemoryTree,
    Note,
    Signature,
    SignatureError,
    Signer,
    TlogError,
    Verifier,
    open_checkpoint,
    sign_note,
)

# The example in the C2SP tlog-checkpoint spec.
SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT_B64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
ORIGIN = "jointzone.example/log"


JAPAN = Signer.from_seed("japan.node.example", hashlib.sha256(b"japan").digest())
RUSSIA = Signer.from_seed("russia.node.example", hashlib.sha256(b"russia").digest())
WITNESS = CosignatureSigner.from_seed("witness.example", hashlib.sha256(b"witness").digest())


def checkpoint(size: int = 5) -> Checkpoint:
    tree = MemoryTree(f"entry {i}".encode() for i in range(size))
    return Checkpoint(origin=ORIGIN, size=size, root=tree.root())


# -- text ----------------------------------------------------------------------------------


def test_spec_example_parses() -> None:
    cp = Checkpoint.from_text(SPEC_TEXT)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root == base64.b64decode(ROOT_B64)
    assert cp.extensions == ()
    assert cp.to_text() == SPEC_TEXT


def test_extension_lines_are_kept() -> None:
    text = SPEC_TEXT + "ext one\n— ext two\n"
    cp = Checkpoint.from_text(text)
    assert cp.extensions == ("ext one", "— ext two")
    assert cp.to_text() == text


line_chars = st.characters(min_codepoint=0x20, exclude_categories=["Cs"])
lines = st.text(alphabet=line_chars, min_size=1, max_size=30)


@given(
    lines,
    st.integers(0, MAX_TREE_SIZE),
    st.binary(min_size=32, max_size=32),
    st.lists(lines, max_size=3),
)
def test_checkpoint_text_round_trip(origin: str, size: int, root: bytes, ext: list[str]) -> None:
    cp = Checkpoint(origin=origin, size=size, root=root, extensions=tuple(ext))
    assert Checkpoint.from_text(cp.to_text()) == cp


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "checkpoint is empty"),
        (SPEC_TEXT[:-1], "checkpoint must end with a newline; line 3 has none"),
        (SPEC_TEXT.replace("\n", "\r\n"), "checkpoint: line 1 contains a carriage return"),
        ("example.com/log\n5\n", "checkpoint has 2 lines; expected at least 3: origin, tree size"),
        ("example.com/log\n", "checkpoint has 1 line; expected at least 3"),
        ("\n5\n" + ROOT_B64 + "\n", "checkpoint line 1: origin must not be empty"),
        (f"o\n05\n{ROOT_B64}\n", "checkpoint line 2: expected the tree size in decimal digits, "),
        (f"o\n+5\n{ROOT_B64}\n", "line 2: .* found '[+]5'"),
        (f"o\n-5\n{ROOT_B64}\n", "line 2: .* found '-5'"),
        (f"o\n 5\n{ROOT_B64}\n", "line 2: .* found ' 5'"),
        (f"o\n5 \n{ROOT_B64}\n", "line 2: .* found '5 '"),
        (f"o\n1_000\n{ROOT_B64}\n", "line 2: .* found '1_000'"),
        (f"o\n\u0665\n{ROOT_B64}\n", "line 2: expected the tree size in decimal digits"),
        (f"o\n0x10\n{ROOT_B64}\n", "line 2: .* found '0x10'"),
        (f"o\n\n{ROOT_B64}\n", "line 2: .* found ''"),
        (f"o\n{2**63}\n{ROOT_B64}\n", "line 2: tree size '9223372036854775808' is larger than"),
        (f"o\n{'9' * 5000}\n{ROOT_B64}\n", "line 2: tree size '9999.* is larger than"),
        ("o\n5\nAAAA\n", "checkpoint line 3: root hash must be 32 bytes, found 3"),
        (f"o\n5\n{ROOT_B64[:-1]}\n", "checkpoint line 3: root hash is not valid base64"),
        (f"o\n5\n{ROOT_B64.replace('/', '_')}\n", "line 3: root hash is not valid base64"),
        ("o\n5\n" + ROOT_B64[:-2] + "J=\n", "line 3: root hash is not in canonical base64"),
        (f"o\n5\n{ROOT_B64}AAAA\n", "line 3: root hash"),
        (f"o\n5\n\n{ROOT_B64}\n", "line 3: root hash is empty"),
        (SPEC_TEXT + "\n", "checkpoint line 4: extension lines must not be empty"),
        (SPEC_TEXT + "ext\n\n", "checkpoint line 5: extension lines must not be empty"),
        (SPEC_TEXT + "a\tb\n", "checkpoint: line 4 contains the control character U[+]0009"),
        ("o\ud800\n5\n" + ROOT_B64 + "\n", "checkpoint: line 1 contains the lone surrogate"),
    ],
)
def test_malformed_checkpoint_text_is_rejected(text: str, message: str) -> None:
    with pytest.raises(MalformedError, match=message):
        Checkpoint.from_text(text)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origin": ""}, "origin must not be empty"),
        ({"origin": "a\nb"}, "origin 'a\\\\nb' must be a single line"),
        ({"size": -1}, "tree size must be an integer from 0 to 9223372036854775807, got -1"),
        ({"size": 2**63}, "got 9223372036854775808"),
        ({"root": bytes(31)}, "root hash must be 32 bytes, got 31"),
        ({"extensions": ("",)}, "extension line must not be empty"),
        ({"extensions": ("a\rb",)}, "carriage return"),
    ],
)
def test_invalid_checkpoint_values_are_refused(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"origin": "o", "size": 1, "root": bytes(32)}
    with pytest.raises(MalformedError, match=message):
        Checkpoint(**{**base, **kwargs})  # type: ignore[arg-type]


# -- opening -------------------------------------------------------------------------------


def test_a_checkpoint_signed_by_every_party_opens() -> None:
    cp = checkpoint()
    data = sign_note(cp.to_text(), [JAPAN, RUSSIA]).to_bytes()
    opened, note = open_checkpoint(data, [JAPAN.verifier, RUSSIA.verifier], origin=ORIGIN)
    assert opened == cp
    assert [s.name for s in note.signatures] == ["japan.node.example", "russia.node.example"]


def test_a_checkpoint_lacking_a_party_is_not_final() -> None:
    data = sign_note(checkpoint().to_text(), [JAPAN]).to_bytes()
    with pytest.raises(
        SignatureError, match=rf"lacks a signature by russia\.node\.example\+{RUSSIA.key_hash:08x}"
    ):
        open_checkpoint(data, [JAPAN.verifier, RUSSIA.verifier])
    # A node watching progress can still read it.
    cp, _ = open_checkpoint(data, [JAPAN.verifier, RUSSIA.verifier], require="any")
    assert cp == checkpoint()


def test_a_checkpoint_of_another_log_is_refused() -> None:
    data = sign_note(checkpoint().to_text(), [JAPAN, RUSSIA]).to_bytes()
    with pytest.raises(
        SignatureError,
        match=re.escape(
            "checkpoint is from origin 'jointzone.example/log', expected 'other.example/log'"
        ),
    ):
        open_checkpoint(data, [JAPAN.verifier, RUSSIA.verifier], origin="other.example/log")


def test_a_tampered_checkpoint_is_refused() -> None:
    data = sign_note(checkpoint(5).to_text(), [JAPAN, RUSSIA]).to_bytes()
    forged = data.replace(b"\n5\n", b"\n6\n", 1)
    with pytest.raises(SignatureError, match=r"japan\.node\.example\+.* does not verify"):
        open_checkpoint(forged, [JAPAN.verifier, RUSSIA.verifier])


def test_a_malformed_checkpoint_is_reported_before_signatures() -> None:
    note = sign_note("jointzone.example/log\n007\n" + ROOT_B64 + "\n", [JAPAN, RUSSIA])
    with pytest.raises(MalformedError, match=r"checkpoint line 2: .* found '007'"):
        open_checkpoint(note.to_bytes(), [JAPAN.verifier, RUSSIA.verifier])


@given(st.binary(max_size=300))
def test_fuzz_open_checkpoint(data: bytes) -> None:
    with contextlib.suppress(MalformedError, SignatureError):
        open_checkpoint(data, [JAPAN.verifier])


@given(st.text(max_size=200))
def test_fuzz_checkpoint_text(text: str) -> None:
    try:
        cp = Checkpoint.from_text(text)
    except MalformedError:
        return
    assert cp.to_text() == text


@given(
    st.lists(
        st.tuples(st.integers(0, len(SPEC_TEXT)), st.integers(0, 2), st.text(max_size=3)),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_edits_of_checkpoint_text(edits: list[tuple[int, int, str]]) -> None:
    text = SPEC_TEXT
    for pos, cut, insert in edits:
        text = text[:pos] + insert + text[pos + cut :]
    try:
        cp = Checkpoint.from_text(text)
    except MalformedError:
        return
    assert cp.to_text() == text


# -- cosignatures --------------------------------------------------------------------------


def test_cosignature_signs_the_spec_message() -> None:
    cp = checkpoint()
    sig = WITNESS.sign(cp, timestamp=1679315147)
    assert sig.name == "witness.example"
    assert len(sig.signature) == 72
    assert sig.signature[:8] == (1679315147).to_bytes(8, "big")
    # Checked here with the message built by hand from the spec, not with our verifier.
    message = b"cosignature/v1\ntime 1679315147\n" + cp.to_text().encode()
    Ed25519PublicKey.from_public_bytes(WITNESS.public_key_bytes).verify(sig.signature[8:], message)
    digest = hashlib.sha256(b"witness.example\n\x04" + WITNESS.public_key_bytes).digest()
    assert sig.key_hash == int.from_bytes(digest[:4], "big")
    assert CosignatureVerifier.timestamp(sig) == 1679315147


def test_cosignature_key_is_type_4() -> None:
    v = CosignatureVerifier.from_vkey(WITNESS.vkey)
    assert v == WITNESS.verifier
    assert base64.b64decode(WITNESS.vkey.split("+", 2)[2])[0] == 0x04
    plain = Verifier("witness.example", WITNESS.public_key_bytes)
    assert plain.key_hash != v.key_hash
    with pytest.raises(MalformedError, match="key type is 0x04; expected 0x01"):
        Verifier.from_vkey(WITNESS.vkey)
    with pytest.raises(MalformedError, match=re.escape("key type is 0x01; expected 0x04")):
        CosignatureVerifier.from_vkey(plain.vkey)


def test_checkpoint_with_parties_and_a_witness_opens() -> None:
    cp = checkpoint()
    note = sign_note(cp.to_text(), [JAPAN, RUSSIA]).with_signatures(WITNESS.sign(cp, timestamp=7))
    keys = [JAPAN.verifier, RUSSIA.verifier, WITNESS.verifier]
    opened, got = open_checkpoint(note.to_bytes(), keys)
    assert opened == cp
    assert len(got.signatures) == 3
    # Node keys alone ignore the witness's signature.
    open_checkpoint(note.to_bytes(), keys[:2])


def test_a_cosignature_with_an_altered_timestamp_fails() -> None:
    cp = checkpoint()
    sig = WITNESS.sign(cp, timestamp=100)
    altered = Signature(
        name=sig.name,
        key_hash=sig.key_hash,
        signature=(101).to_bytes(8, "big") + sig.signature[8:],
    )
    note = sign_note(cp.to_text(), [JAPAN]).with_signatures(altered)
    with pytest.raises(SignatureError, match=r"witness\.example\+[0-9a-f]{8} .* does not verify"):
        open_checkpoint(note.to_bytes(), [JAPAN.verifier, WITNESS.verifier])


def test_cosignature_verifier_refuses_bad_shapes() -> None:
    v = WITNESS.verifier
    body = checkpoint().to_text().encode()
    good = WITNESS.sign(checkpoint(), timestamp=5).signature
    assert v.verify(body, good)
    assert not v.verify(body, good[:-1])
    assert not v.verify(body, b"\xff" + good[1:])  # timestamp above 2**63 - 1
    with pytest.raises(MalformedError, match="must be 72 bytes, got 3"):
        CosignatureVerifier.timestamp(Signature(name="w", key_hash=1, signature=b"abc"))
    with pytest.raises(MalformedError, match="timestamp must be from 0 to"):
        WITNESS.sign(checkpoint(), timestamp=-1)


def test_signed_checkpoint_is_a_valid_note() -> None:
    data = sign_note(checkpoint().to_text(), [JAPAN, RUSSIA]).to_bytes()
    assert Note.from_bytes(data).to_bytes() == data


def test_nothing_but_tlog_errors() -> None:
    for bad in ("", "\n", "a\n\n\n", "a\nb\nc\n"):
        with pytest.raises(TlogError):
            Checkpoint.from_text(bad)
