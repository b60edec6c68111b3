"""The age reader and writer against C2SP CCTV's published vectors, and round trips."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointzone.node import BackupError
from jointzone.node._age import CHUNK, Decrypting, Encrypting

VECTORS = Path(__file__).parents[2] / "data" / "age"
FAILURES = ("header failure", "no match", "HMAC failure", "payload failure")
# What each kind of failure says, so that a lower-level error is not masked by a higher one.
SAYS = {
    "header failure": ("header", "not an age file", "truncated"),
    "no match": ("passphrase",),
    "HMAC failure": ("MAC",),
    "payload failure": ("payload", "truncated"),
}


def _vector(path: Path) -> tuple[dict[str, list[str]], bytes]:
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n\n")
    fields: dict[str, list[str]] = {}
    for line in head.decode().splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    if fields.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)
    return fields, body


def _released(fields: dict[str, list[str]], body: bytes) -> tuple[bytes, BackupError | None]:
    """The plaintext a reader released, and the error it stopped at (if it did)."""
    out = bytearray()
    try:
        if "passphrase" in fields:
            stream = Decrypting(io.BytesIO(body), fields["passphrase"][0].encode())
        else:
            key = bytes.fromhex(fields["file key"][0])
            stream = Decrypting.with_file_key(io.BytesIO(body), key)
        while part := stream.read(10_000):
            out += part
        assert stream.finished
    except BackupError as e:
        return bytes(out), e
    return bytes(out), None


VECTOR_FILES = sorted(p for p in VECTORS.iterdir() if p.name != "README.md")


def test_the_vectors_are_there() -> None:
    names = {p.name for p in VECTOR_FILES}
    assert len(names) > 70
    assert {"scrypt", "stream_two_chunks", "hmac_bad", "scrypt_work_factor_23"} <= names


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_cctv_vector(path: Path) -> None:
    fields, body = _vector(path)
    (expect,) = fields["expect"]
    released, error = _released(fields, body)
    if expect == "success":
        assert error is None, f"{path.name}: {error}"
    else:
        assert expect in FAILURES
        assert error is not None, f"{path.name} decrypted; expected {expect}"
        assert any(word in str(error) for word in SAYS[expect]), (expect, str(error))
    if "payload" in fields:
        # Whatever was released, even before a failure, is the vector's payload.
        assert hashlib.sha256(released).hexdigest() == fields["payload"][0], path.name


def _encrypt(plain: bytes, passphrase: bytes = b"pass") -> bytes:
    out = io.BytesIO()
    writer = Encrypting(out, passphrase, work_factor=2)
    for i in range(0, len(plain), 7_777):
        writer.write(plain[i : i + 7_777])
    writer.finish()
    return out.getvalue()


def _decrypt(data: bytes, passphrase: bytes = b"pass") -> bytes:
    return Decrypting(io.BytesIO(data), passphrase).read()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
def test_round_trip_at_chunk_boundaries(size: int) -> None:
    plain = bytes(i % 251 for i in range(size))
    data = _encrypt(plain)
    assert data.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert _decrypt(data) == plain


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3 * CHUNK), st.data())
def test_any_flipped_byte_is_refused(plain: bytes, data: st.DataObject) -> None:
    sealed = bytearray(_encrypt(plain))
    at = data.draw(st.integers(0, len(sealed) - 1))
    sealed[at] ^= data.draw(st.integers(1, 255))
    with pytest.raises(BackupError):
        _decrypt(bytes(sealed))


def test_truncated_extended_reordered_and_wrong_passphrase_are_refused() -> None:
    plain = bytes(range(256)) * (3 * CHUNK // 256)
    sealed = _encrypt(plain)
    header = len(sealed) - 3 * (CHUNK + 16)  # three chunks, the last one full
    first = header
    second = header + CHUNK + 16
    for name, bad in {
        "cut at the last chunk": sealed[:-(CHUNK + 16)],
        "cut by a byte": sealed[:-1],
        "extended": sealed + b"\0",
        "two chunks swapped": sealed[:first] + sealed[second : second + CHUNK + 16]
        + sealed[first:second] + sealed[second + CHUNK + 16 :],
    }.items():  # fmt: skip
        with pytest.raises(BackupError, match=r"payload|truncated") as refused:
            _decrypt(bad)
        assert refused.value, name
    with pytest.raises(BackupError, match="wrong passphrase"):
        _decrypt(sealed, b"another")
    with pytest.raises(BackupError, match="not an age file"):
        _decrypt(b"PK\x03\x04 a zip file")
