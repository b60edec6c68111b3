"""read_bytes and decode_utf8: regular files only, never blocking, never beyond the limit.

Reads that could block (a FIFO, a device) run in a thread joined with a timeout, so that a
regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import io
import os
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointzone.inputs import (
    ACT,
    InputLimitError,
    MissingInputError,
    NotUtf8Error,
    UnreadableInputError,
    decode_utf8,
    read_bytes,
    read_json,
    read_yaml,
)


def _in_thread(call: Callable[[], Any]) -> Any:
    """``call()``'s result, or the exception it raised; fails if it has not ended in 30 s."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as e:  # handed to the test thread
            outcome.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the read blocked"
    return outcome[0]


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "act.yaml"
    path.write_bytes(b"type: x\n")
    assert read_bytes(path, limit=8, what="an act file") == b"type: x\n"
    assert read_bytes(str(path), limit=100, what="an act file") == b"type: x\n"


def test_a_file_larger_than_the_limit_is_refused_with_both_sizes(tmp_path: Path) -> None:
    path = tmp_path / "act.yaml"
    path.write_bytes(b"x" * 2_100_000)
    with pytest.raises(InputLimitError) as caught:
        read_bytes(path, limit=1_000_000, what="an act file")
    assert str(caught.value) == (f"{path}: 2.1 MB is larger than the 1 MB limit for an act file")


def test_sizes_that_round_alike_are_given_exactly(tmp_path: Path) -> None:
    path = tmp_path / "act.yaml"
    path.write_bytes(b"x" * 1_000_001)
    with pytest.raises(InputLimitError, match="1,000,001 bytes is larger than the 1,000,000-byte"):
        read_bytes(path, limit=1_000_000, what="an act file")


def test_a_sparse_huge_file_is_refused_by_its_size_alone(tmp_path: Path) -> None:
    path = tmp_path / "act.yaml"
    with path.open("wb") as f:
        f.truncate(50 * 10**9)
    with pytest.raises(InputLimitError, match="50 GB is larger than the 1 MB limit"):
        read_bytes(path, limit=ACT.max_bytes, what=ACT.what)


def test_a_file_that_reports_no_size_is_still_bounded() -> None:
    # /proc files have st_size 0 and content: the bound is on what is read, not on st_size.
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc here")
    with pytest.raises(InputLimitError, match="larger than the 10 bytes limit"):
        read_bytes("/proc/self/status", limit=10, what="an act file")


def test_dev_zero_is_refused_without_reading() -> None:
    result = _in_thread(lambda: read_bytes("/dev/zero", limit=ACT.max_bytes, what=ACT.what))
    assert isinstance(result, UnreadableInputError)
    assert (
        str(result) == "/dev/zero: expected an act file, a regular file; found a character device"
    )


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "act.yaml"
    os.mkfifo(fifo)
    try:
        result = _in_thread(lambda: read_yaml(fifo, limits=ACT))
    finally:
        # Should the read have blocked in open(), a writer releases it.
        with pytest.raises(OSError):  # noqa: PT011 - ENXIO: no reader, as it should be
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert isinstance(result, UnreadableInputError)
    assert "found a named pipe (FIFO)" in str(result)


def test_a_symlink_to_a_device_is_judged_by_its_target(tmp_path: Path) -> None:
    link = tmp_path / "regime.yaml"
    link.symlink_to("/dev/zero")
    result = _in_thread(lambda: read_json(link, limits=ACT))
    assert isinstance(result, UnreadableInputError)
    assert "found a character device" in str(result)


def test_a_directory_and_a_socket_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="found a directory"):
        read_bytes(tmp_path, limit=10, what="an act file")
    # AF_UNIX paths are short; tmp_path may be long.
    path = Path(f"/tmp/jz-{os.getpid()}.sock")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(UnreadableInputError, match="found a socket"):
            read_bytes(path, limit=10, what="an act file")
    finally:
        server.close()
        path.unlink(missing_ok=True)


def test_missing_and_unpermitted_files(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match=r"act\.yaml: file not found$"):
        read_bytes(tmp_path / "act.yaml", limit=10, what="an act file")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnreadableInputError, match="cannot be read: Not a directory"):
        read_bytes(tmp_path / "file" / "act.yaml", limit=10, what="an act file")


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_is_read_with_the_same_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"type: x\n")
    assert read_bytes("-", limit=8, what="an act file") == b"type: x\n"
    _stdin(monkeypatch, b"x" * 200_000)
    with pytest.raises(InputLimitError) as caught:
        read_bytes("-", limit=100_000, what="an act file")
    assert str(caught.value) == "<stdin>: larger than the 100 kB limit for an act file"


def test_read_yaml_names_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"a: 1\na: 2\n")
    with pytest.raises(ValueError, match=r"^<stdin>: line 2, column 1: duplicate key 'a'"):
        read_yaml("-", limits=ACT)


# -- decode_utf8 ----------------------------------------------------------------------------------


def test_the_first_bad_byte_is_named_by_offset_line_and_column() -> None:
    with pytest.raises(NotUtf8Error) as caught:
        decode_utf8("ab\nкод: ".encode() + b"\xff", "act.yaml")
    e = caught.value
    assert (e.offset, e.line, e.column) == (11, 2, 6)
    assert str(e) == (
        "act.yaml: line 2, column 6 (byte offset 11): not UTF-8 text: invalid start byte "
        "(byte 0xff)"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"a\xe3\x81", "unexpected end of data"),  # cut inside a character
        (b"a\xed\xa0\x80", "invalid continuation byte"),  # a UTF-16 surrogate, UTF-8 encoded
        (b"a\xc0\xaf", "invalid start byte"),  # an overlong '/'
    ],
)
def test_every_way_of_not_being_utf8(data: bytes, reason: str) -> None:
    with pytest.raises(NotUtf8Error, match=f"byte offset 1\\): not UTF-8 text: {reason}"):
        decode_utf8(data, "act.yaml")


def test_a_byte_order_mark_is_dropped_and_offsets_still_count_it() -> None:
    assert decode_utf8(b"\xef\xbb\xbftype: x", "act.yaml") == "type: x"
    with pytest.raises(NotUtf8Error) as caught:
        decode_utf8(b"\xef\xbb\xbfab\xff", "act.yaml")
    assert (caught.value.offset, caught.value.line, caught.value.column) == (5, 1, 3)


@given(st.binary(max_size=200))
def test_decode_utf8_is_strict_utf8(data: bytes) -> None:
    try:
        expected = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(NotUtf8Error):
            decode_utf8(data, "x")
    else:
        assert decode_utf8(data, "x") == expected
