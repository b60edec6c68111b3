"""C2SP signed notes: published vectors, round trips, verification rules and malformed input."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointzone.tlog import (
    MAX_NOTE_SIGNATURES,
    MalformedError,
    Note,
    NoteVerifier,
    Signature,
    SignatureError,
    Signer,
    TlogError,
    Verifier,
    open_note,
    sign_note,
)

# The C2SP signed-note spec's example (also in /work/shared/vectors/README.md).
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_SIG_B64 = (
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
)
SPEC_NOTE = f"This is an example message.\n\n— example.com/foo {SPEC_SIG_B64}\n".encode()

# The example in the documentation of Go's golang.org/x/mod/sumdb/note: a signer key, its
# verifier key and the exact note it signs (Ed25519 is deterministic, so we must match byte
# for byte).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgK"
    "vqfqdngotpRZb6KE6RyyBwJnAM=\n"
).encode()


def signer(name: str, n: int = 0) -> Signer:
    """A deterministic signer, so that failures reproduce."""
    return Signer.from_seed(name, hashlib.sha256(f"{name}/{n}".encode()).digest())


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# -- strategies ----------------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(
        exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="+"
    ),
    min_size=1,
    max_size=24,
)
line_chars = st.characters(min_codepoint=0x20, exclude_categories=["Cs"])
texts = st.lists(st.text(alphabet=line_chars, max_size=40), min_size=1, max_size=6).map(
    lambda lines: "\n".join(lines) + "\n"
)
signatures = st.builds(
    Signature,
    name=names,
    key_hash=st.integers(0, 2**32 - 1),
    signature=st.binary(min_size=1, max_size=80),
)


# -- published vectors ---------------------------------------------------------------------


def test_spec_example_verifier_key() -> None:
    v = Verifier.from_vkey(SPEC_VKEY)
    assert v.name == "example.com/foo"
    assert v.key_hash == 0x530D903A
    assert (
        v.public_key_bytes == base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")[1:]
    )
    assert v.vkey == SPEC_VKEY


def test_spec_example_note_opens() -> None:
    v = Verifier.from_vkey(SPEC_VKEY)
    note, verified = open_note(SPEC_NOTE, [v])
    assert note.text == "This is an example message.\n"
    assert verified == (v,)
    assert note.signatures[0].name == "example.com/foo"
    assert note.signatures[0].key_hash == 0x530D903A
    assert note.to_bytes() == SPEC_NOTE


def test_go_documentation_example_signs_byte_for_byte() -> None:
    s = Signer.from_skey(GO_SKEY)
    assert s.vkey == GO_VKEY
    assert s.skey == GO_SKEY
    assert s.verifier == Verifier.from_vkey(GO_VKEY)
    assert sign_note(GO_TEXT, [s]).to_bytes() == GO_NOTE
    note, verified = open_note(GO_NOTE, [Verifier.from_vkey(GO_VKEY)])
    assert note.text == GO_TEXT
    assert [v.name for v in verified] == ["PeterNeumann"]


# -- round trips ---------------------------------------------------------------------------


@given(texts, st.lists(signatures, min_size=1, max_size=5))
def test_note_bytes_round_trip(text: str, sigs: list[Signature]) -> None:
    note = Note(text=text, signatures=tuple(sigs))
    assert Note.from_bytes(note.to_bytes()) == note


@given(names, st.binary(min_size=32, max_size=32))
def test_keys_round_trip(name: str, seed: bytes) -> None:
    s = Signer.from_seed(name, seed)
    again = Signer.from_skey(s.skey)
    assert (again.name, again.key_hash, again.vkey) == (s.name, s.key_hash, s.vkey)
    v = Verifier.from_vkey(s.vkey)
    assert v == s.verifier
    assert v.vkey == s.vkey
    digest = hashlib.sha256(name.encode() + b"\n\x01" + v.public_key_bytes).digest()
    assert v.key_hash == int.from_bytes(digest[:4], "big")


@given(texts, st.lists(st.integers(0, 5), min_size=1, max_size=4, unique=True))
def test_signed_notes_open(text: str, who: list[int]) -> None:
    signers = [signer("node.example", i) for i in who]
    data = sign_note(text, signers).to_bytes()
    note, verified = open_note(data, [s.verifier for s in signers], require="all")
    assert note.text == text
    assert verified == tuple(s.verifier for s in signers)


# -- verification rules --------------------------------------------------------------------


def test_accepts_sixteen_signatures_all_required() -> None:
    signers = [signer(f"witness{i}.example") for i in range(16)]
    data = sign_note("checkpoint\n", signers).to_bytes()
    _, verified = open_note(data, [s.verifier for s in signers], require="all")
    assert len(verified) == 16


def test_accepts_the_maximum_number_of_signatures() -> None:
    known = signer("known.example")
    others = [
        Signature(name=f"other{i}.example", key_hash=i, signature=bytes(64))
        for i in range(MAX_NOTE_SIGNATURES - 1)
    ]
    note = sign_note("text\n", [known], existing=Note(text="text\n", signatures=tuple(others)))
    assert len(note.signatures) == MAX_NOTE_SIGNATURES
    _, verified = open_note(note.to_bytes(), [known.verifier])
    assert verified == (known.verifier,)


def test_refuses_more_than_the_maximum_number_of_signatures() -> None:
    line = f"— other.example {b64(bytes(68))}\n"
    data = ("text\n\n" + line * (MAX_NOTE_SIGNATURES + 1)).encode()
    with pytest.raises(MalformedError, match="note has 101 signature lines; at most 100"):
        Note.from_bytes(data)


def test_unknown_keys_are_ignored_even_sharing_a_name_or_id() -> None:
    known = signer("japan.node.example")
    same_name_other_key = signer("japan.node.example", 1)
    same_id_other_name = Signature(
        name="impostor.example", key_hash=known.key_hash, signature=bytes(64)
    )
    witness = signer("witness.example")
    note = sign_note("text\n", [known, same_name_other_key, witness])
    note = note.with_signatures(same_id_other_name)
    assert len(note.signatures) == 4
    _, verified = open_note(note.to_bytes(), [known.verifier])
    assert verified == (known.verifier,)


def test_known_key_with_bad_signature_is_rejected_naming_the_key() -> None:
    raw = bytearray(base64.b64decode(SPEC_SIG_B64))
    raw[10] ^= 0x01
    data = SPEC_NOTE.replace(SPEC_SIG_B64.encode(), b64(bytes(raw)).encode())
    with pytest.raises(
        SignatureError,
        match=r"signature by key example\.com/foo\+530d903a \(note line 3\) does not verify",
    ):
        open_note(data, [Verifier.from_vkey(SPEC_VKEY)])


def test_a_bad_signature_from_a_known_key_fails_even_beside_a_good_one() -> None:
    # Go's note.Open checks only the first signature by a key; we check them all.
    s = signer("russia.node.example")
    good = s.sign("text\n")
    bad = Signature(name=good.name, key_hash=good.key_hash, signature=bytes(64))
    data = b"text\n\n" + f"{good.to_line()}\n{bad.to_line()}\n".encode()
    with pytest.raises(SignatureError, match=r"russia\.node\.example\+[0-9a-f]{8} \(note line 4\)"):
        open_note(data, [s.verifier])
    _, verified = open_note(b"text\n\n" + f"{good.to_line()}\n".encode() * 2, [s.verifier])
    assert verified == (s.verifier,)


def test_wrong_length_signature_from_a_known_key_fails() -> None:
    s = signer("japan.node.example")
    overlong = Signature(name=s.name, key_hash=s.key_hash, signature=s.sign("t\n").signature + b"!")
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(Note(text="t\n", signatures=(overlong,)).to_bytes(), [s.verifier])


def test_note_with_no_known_signature_is_rejected() -> None:
    data = sign_note("text\n", [signer("stranger.example")]).to_bytes()
    with pytest.raises(
        SignatureError,
        match=r"no signature from a known key: expected one of example\.com/foo\+530d903a; "
        r"signed by stranger\.example\+",
    ):
        open_note(data, [Verifier.from_vkey(SPEC_VKEY)])


def test_require_all_names_every_missing_key() -> None:
    japan, russia, third = (signer(n) for n in ("japan.n", "russia.n", "third.n"))
    data = sign_note("text\n", [japan]).to_bytes()
    verifiers = [japan.verifier, russia.verifier, third.verifier]
    with pytest.raises(
        SignatureError,
        match=rf"lacks a signature by russia\.n\+{russia.key_hash:08x}, "
        rf"third\.n\+{third.key_hash:08x}$",
    ):
        open_note(data, verifiers, require="all")
    _, verified = open_note(data, verifiers, require="any")
    assert verified == (japan.verifier,)


def test_verifiers_must_be_given_and_unambiguous() -> None:
    s = signer("japan.node.example")
    data = sign_note("text\n", [s]).to_bytes()
    with pytest.raises(SignatureError, match="no verifier keys given"):
        open_note(data, [])
    # The same key twice is harmless; two keys with one name and ID are not.
    assert open_note(data, [s.verifier, Verifier.from_vkey(s.vkey)])[1] == (s.verifier,)

    class Lookalike:
        name = s.name
        key_hash = s.key_hash

        def verify(self, message: bytes, signature: bytes) -> bool:
            return True

    keys: list[NoteVerifier] = [s.verifier, Lookalike()]
    with pytest.raises(SignatureError, match="two different verifier keys share"):
        open_note(data, keys)


# -- signing -------------------------------------------------------------------------------


def test_sign_note_keeps_existing_signatures_sorted_and_unique() -> None:
    japan, russia, witness = (signer(n) for n in ("japan.n", "russia.n", "witness.n"))
    a = sign_note("text\n", [russia])
    a = sign_note("text\n", [japan, witness], existing=a)
    b = sign_note("text\n", [witness, japan])
    b = sign_note("text\n", [russia, japan], existing=b)
    assert a.to_bytes() == b.to_bytes()
    assert [s.name for s in a.signatures] == ["japan.n", "russia.n", "witness.n"]


def test_sign_note_replaces_a_signature_by_the_same_key() -> None:
    s = signer("japan.n")
    stale = Signature(name=s.name, key_hash=s.key_hash, signature=bytes(64))
    note = sign_note("text\n", [s], existing=Note(text="text\n", signatures=(stale,)))
    assert note.signatures == (s.sign("text\n"),)


def test_sign_note_refuses_an_existing_note_over_another_text() -> None:
    existing = sign_note("old\n", [signer("a")])
    with pytest.raises(SignatureError, match="different text"):
        sign_note("new\n", [signer("b")], existing=existing)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "note text is empty"),
        ("no newline", "must end with a newline; line 1 has none"),
        ("a\r\nb\n", "line 1 contains a carriage return"),
        ("a\nb\x00\n", "line 2 contains the control character U+0000"),
        ("a\ud800\n", "lone surrogate U+D800"),
    ],
)
def test_signing_refuses_invalid_text(text: str, message: str) -> None:
    with pytest.raises(MalformedError, match=re.escape(message)):
        signer("a").sign(text)


def test_an_unsigned_note_has_no_byte_form() -> None:
    with pytest.raises(MalformedError, match="needs at least one signature"):
        Note(text="text\n").to_bytes()


def test_signer_never_shows_its_secret() -> None:
    s = Signer.from_skey(GO_SKEY)
    secret = GO_SKEY.split("+", 4)[4]
    assert repr(s) == "<Signer PeterNeumann+c74f20a3>"
    garbled = [
        GO_SKEY[:-1],
        GO_SKEY.replace("PeterNeumann+c74f20a3+", ""),
        GO_SKEY.replace("c74f20a3", "c74f20a"),
        GO_SKEY.replace("PeterNeumann", "Peter Neumann"),
    ]
    for text in garbled:
        with pytest.raises(MalformedError) as info:
            Signer.from_skey(text)
        assert secret[:12] not in str(info.value)
        assert "AYEKFALV" not in str(info.value)


# -- malformed notes -----------------------------------------------------------------------

SPEC_TEXT = b"This is an example message.\n"
SIG_LINE = f"— example.com/foo {SPEC_SIG_B64}\n".encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            SPEC_NOTE[:-1], "note must end with a newline; line 3 has none", id="truncated"
        ),
        pytest.param(
            SPEC_NOTE[:-20] + b"\n",
            r"note line 3: signature by 'example.com/foo' is not valid base64",
            id="truncated-signature",
        ),
        pytest.param(
            SPEC_NOTE[:-1] + b"AAAA\n",
            "note line 3: signature by 'example.com/foo' is not (valid|in canonical) base64",
            id="overlong-base64",
        ),
        pytest.param(
            SPEC_NOTE.replace(b"Uw2Q", b"Uw*Q"),
            r"note line 3: signature by 'example.com/foo' is not valid base64 .*'Uw\*Q",
            id="wrong-base64-alphabet",
        ),
        pytest.param(
            GO_NOTE.replace(b"/Z", b"_Z"),
            "not valid base64",
            id="url-safe-base64",
        ),
        pytest.param(
            SPEC_NOTE.replace(b"aQM=", b"aQN="),
            "note line 3: signature by 'example.com/foo' is not in canonical base64",
            id="non-canonical-base64",
        ),
        pytest.param(
            SPEC_NOTE.replace(b"\n", b"\r\n"),
            r"note: line 1 contains a carriage return \(U\+000D\): lines must end with LF alone, "
            "not CRLF",
            id="crlf",
        ),
        pytest.param(
            b"This is \xff example.\n\n" + SIG_LINE,
            "note is not valid UTF-8: byte 0xff at offset 8 [(]line 1[)]",
            id="non-utf8",
        ),
        pytest.param(
            b"a\nb\xed\xa0\x80\n\n" + SIG_LINE,
            "note is not valid UTF-8: byte 0xed at offset 3 [(]line 2[)]",
            id="utf8-encoded-surrogate",
        ),
        pytest.param(
            b"tab\there\n\n" + SIG_LINE,
            "note: line 1 contains the control character U[+]0009",
            id="control-character",
        ),
        pytest.param(
            SPEC_NOTE + b"trailing words\n",
            "note line 4: expected a signature line .* found 'trailing words'",
            id="extra-line",
        ),
        pytest.param(
            SPEC_TEXT + SIG_LINE,
            "note has no blank line: expected the text, a blank line, then signature lines",
            id="missing-blank-line",
        ),
        pytest.param(
            SPEC_TEXT + b"\n",
            "note ends with a blank line [(]line 2[)]; expected signature lines after the last "
            "blank line",
            id="no-signatures",
        ),
        pytest.param(
            SPEC_NOTE + b"\n",
            "note ends with a blank line [(]line 4[)]; expected signature lines after",
            id="trailing-blank-line",
        ),
        pytest.param(
            SPEC_NOTE.replace("—".encode(), b"--"),
            "note line 3: expected a signature line",
            id="ascii-dash",
        ),
        pytest.param(
            SPEC_NOTE.replace("—".encode(), "–".encode()),
            "note line 3: expected a signature line",
            id="en-dash",
        ),
        pytest.param(
            SPEC_TEXT + b"\n" + "— example.com/foo\n".encode(),
            "note line 3: expected a space between the key name and the signature",
            id="no-space",
        ),
        pytest.param(
            SPEC_NOTE.replace(b"example.com/foo ", b" "),
            "note line 3: key name is empty",
            id="empty-name",
        ),
        pytest.param(
            SPEC_NOTE.replace(b"example.com/foo", b"example.com+foo"),
            "note line 3: key name 'example.com[+]foo' must not contain '[+]'",
            id="plus-in-name",
        ),
        pytest.param(
            SPEC_NOTE.replace(b"example.com/foo", "example.com\u00a0foo".encode()),
            "note line 3: key name .* must not contain a space [(]U[+]00A0[)]",
            id="nbsp-in-name",
        ),
        pytest.param(
            SPEC_TEXT + b"\n" + f"— example.com/foo {b64(bytes(4))}\n".encode(),
            "note line 3: signature by 'example.com/foo' decodes to 4 bytes; expected a 4-byte "
            "key ID followed by the signature",
            id="short-signature",
        ),
        pytest.param(
            SPEC_TEXT + b"\n" + "— example.com/foo \n".encode(),
            "note line 3: signature by 'example.com/foo' is empty",
            id="empty-signature",
        ),
        pytest.param(b"", "note is empty", id="empty"),
    ],
)
def test_malformed_note_is_rejected(data: bytes, message: str) -> None:
    with pytest.raises(MalformedError, match=message):
        Note.from_bytes(data)
    with pytest.raises(MalformedError, match=message):
        open_note(data, [Verifier.from_vkey(SPEC_VKEY)])


# -- malformed keys ------------------------------------------------------------------------

SPEC_KEY = base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")[1:]
TYPE_2_KEY = b64(bytes([2]) + SPEC_KEY)
TYPE_4_KEY = b64(bytes([4]) + SPEC_KEY)
SHORT_KEY = b64(bytes([1]) + SPEC_KEY[:31])
LONG_KEY = b64(bytes([1]) + SPEC_KEY + bytes(1))


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("example.com/foo", "verifier key must be <name>[+]<8 hex digits>[+]<base64 key>"),
        (
            "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "verifier key: key name is empty",
        ),
        (
            "example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "key name 'example com' must not contain a space",
        ),
        (
            "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "verifier key 'example.com/foo': key ID must be 8 hex digits, found '530d903'",
        ),
        (
            "example.com/foo+530d903g+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "key ID must be 8 hex digits, found '530d903g'",
        ),
        (
            "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "verifier key 'example.com/foo': key ID 530d903b does not match the key, which has "
            "ID 530d903a",
        ),
        (
            "example.com/foo+530d903a+" + TYPE_2_KEY,
            "verifier key 'example.com/foo': key type is 0x02; expected 0x01 "
            "[(]Ed25519 signed-note key[)]",
        ),
        (
            "example.com/foo+530d903a+" + TYPE_4_KEY,
            "key type is 0x04; expected 0x01",
        ),
        (
            "example.com/foo+530d903a+" + SHORT_KEY,
            "Ed25519 key must be 32 bytes after the type byte, found 31",
        ),
        (
            "example.com/foo+530d903a+" + LONG_KEY,
            "Ed25519 key must be 32 bytes after the type byte, found 33",
        ),
        ("example.com/foo+530d903a+", "verifier key 'example.com/foo': key is empty"),
        (
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",
            "key is not valid base64",
        ),
        (SPEC_VKEY + "\n", "key is not valid base64"),
    ],
)
def test_malformed_verifier_key_is_rejected(vkey: str, message: str) -> None:
    with pytest.raises(MalformedError, match=message):
        Verifier.from_vkey(vkey)


@pytest.mark.parametrize(
    ("skey", "message"),
    [
        (GO_VKEY, "signer key must start with 'PRIVATE[+]KEY[+]'"),
        (
            GO_SKEY.replace("c74f20a3", "c74f20a4"),
            "signer key 'PeterNeumann': key ID c74f20a4 does not match the key, which has ID "
            "c74f20a3",
        ),
        (
            "PRIVATE+KEY+PeterNeumann+c74f20a3+" + b64(b"\x04" + bytes(32)),
            "key type is 0x04; expected 0x01",
        ),
        (
            "PRIVATE+KEY+PeterNeumann+c74f20a3+" + b64(b"\x01" + bytes(31)),
            "Ed25519 key must be 32 bytes after the type byte, found 31",
        ),
        (GO_SKEY[:-1], "signer key: key is not valid canonical base64"),
        (GO_SKEY.replace("c74f20a3", "xyz"), "key ID must be 8 hex digits"),
    ],
)
def test_malformed_signer_key_is_rejected(skey: str, message: str) -> None:
    with pytest.raises(MalformedError, match=message):
        Signer.from_skey(skey)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "key name is empty"),
        ("a+b", "must not contain '[+]'"),
        ("a b", "must not contain a space [(]U[+]0020[)]"),
        ("a\u3000b", "must not contain a space [(]U[+]3000[)]"),
        ("a\x1fb", "must not contain control character U[+]001F"),
        ("a\udc80", "is not valid UTF-8"),
    ],
)
def test_invalid_key_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(MalformedError, match=message):
        Signer.from_seed(name, bytes(32))
    with pytest.raises(MalformedError, match=message):
        Verifier(name, SPEC_KEY)


def test_seed_and_public_key_sizes_are_checked() -> None:
    with pytest.raises(MalformedError, match="seed for 'a' must be 32 bytes, got 31"):
        Signer.from_seed("a", bytes(31))
    with pytest.raises(MalformedError, match="public key of 'a' must be 32 bytes, got 33"):
        Verifier("a", bytes(33))


# -- nothing but our errors on any input ---------------------------------------------------


@given(st.binary(max_size=300))
def test_fuzz_note_bytes(data: bytes) -> None:
    try:
        note = Note.from_bytes(data)
    except MalformedError:
        return
    # Whatever parses has exactly one byte form: the one it was read from.
    assert note.to_bytes() == data


@given(
    st.lists(
        st.tuples(st.integers(0, len(GO_NOTE)), st.integers(0, 2), st.binary(max_size=3)),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_edits_of_a_signed_note_are_caught(edits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(GO_NOTE)
    for pos, cut, insert in edits:
        data[pos : pos + cut] = insert
    verifier = Verifier.from_vkey(GO_VKEY)
    try:
        note, _ = open_note(bytes(data), [verifier])
    except (MalformedError, SignatureError):
        return
    assert bytes(data) == GO_NOTE
    assert note.text == GO_TEXT


@given(st.text(max_size=120))
def test_fuzz_verifier_key_text(text: str) -> None:
    with contextlib.suppress(MalformedError):
        Verifier.from_vkey(text)


@given(st.integers(0, len(SPEC_VKEY)), st.integers(0, 3), st.text(max_size=3))
def test_fuzz_edits_of_a_verifier_key(pos: int, cut: int, insert: str) -> None:
    text = SPEC_VKEY[:pos] + insert + SPEC_VKEY[pos + cut :]
    try:
        v = Verifier.from_vkey(text)
    except MalformedError:
        return
    assert v.public_key_bytes == SPEC_KEY


@given(st.text(max_size=120))
def test_fuzz_signer_key_text(text: str) -> None:
    for candidate in (text, "PRIVATE+KEY+" + text):
        with contextlib.suppress(MalformedError):
            Signer.from_skey(candidate)


@given(st.integers(0, len(GO_SKEY)), st.integers(0, 3), st.text(max_size=3))
def test_fuzz_edits_of_a_signer_key(pos: int, cut: int, insert: str) -> None:
    text = GO_SKEY[:pos] + insert + GO_SKEY[pos + cut :]
    try:
        s = Signer.from_skey(text)
    except TlogError:
        return
    assert s.vkey == GO_VKEY
