"""Reading an input's bytes, bounded, and decoding them as UTF-8 with the first bad byte named."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from typing import BinaryIO

from jointzone.inputs._limits import size_of, size_text
from jointzone.inputs.errors import (
    InputLimitError,
    MissingInputError,
    NotUtf8Error,
    UnreadableInputError,
)

STDIN = "-"
STDIN_SOURCE = "<stdin>"
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16
# O_NONBLOCK: should the path become a FIFO between stat and open, opening it must not wait for
# a writer. It changes nothing for a regular file. Absent on Windows, where FIFOs are not files.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_bytes(path: str | os.PathLike[str], *, limit: int, what: str) -> bytes:
    """The bytes of the regular file at ``path`` (``"-"``: standard input), at most ``limit``.

    Anything but a regular file is refused before it is opened in a way that could block: a
    FIFO would wait for a writer, /dev/zero never ends. The kind is checked on the path and
    again on the open file (it may have been replaced meanwhile), a size beyond ``limit`` is
    refused unread, and at most ``limit + 1`` bytes are ever read, so a file that grows, or
    reports no size (/proc), is bounded too.
    Standard input is read with the same bound. ``what`` names the input in messages ("an act
    file"). Raises :class:`UnreadableInputError` (:class:`MissingInputError` for no file) or
    :class:`InputLimitError`.
    """
    source = os.fspath(path)
    if source == STDIN:
        return _read_stdin(limit, what)
    fd = _open_regular(source, what)
    try:
        info = os.fstat(fd)
        if info.st_size > limit:
            found, most = size_text(info.st_size, limit)
            raise InputLimitError(source, f"{found} is larger than the {most} limit for {what}")
        data = _read_fd(fd, info.st_size, limit)
    except OSError as e:
        raise UnreadableInputError(source, f"cannot be read: {e.strerror or e}") from e
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputLimitError(source, _larger(limit, what))
    return data


def _open_regular(source: str, what: str) -> int:
    """A descriptor of the regular file ``source``, opened without blocking, checked twice."""
    try:
        _check_file(source, os.stat(source).st_mode, what)
        fd = os.open(source, _OPEN_FLAGS)
    except FileNotFoundError:
        raise MissingInputError(source, "file not found") from None
    except OSError as e:
        raise UnreadableInputError(source, f"cannot be read: {e.strerror or e}") from e
    try:
        _check_file(source, os.fstat(fd).st_mode, what)  # it may have been replaced since
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular(path: str | os.PathLike[str], *, what: str) -> BinaryIO:
    """A regular file (``"-"``: standard input) as a byte stream, for input read in pieces
    (text to check): refused, without blocking, if it is a FIFO, a device or a directory."""
    source = os.fspath(path)
    if source == STDIN:
        stream: BinaryIO | None = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise UnreadableInputError(STDIN_SOURCE, "no standard input to read")
        return stream
    return os.fdopen(_open_regular(source, what), "rb")


def source_name(path: str | os.PathLike[str]) -> str:
    """How messages name the input at ``path``: the path itself, or ``<stdin>`` for ``"-"``."""
    source = os.fspath(path)
    return STDIN_SOURCE if source == STDIN else source


def _check_file(source: str, mode: int, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise UnreadableInputError(source, f"expected {what}, a regular file; found {kind}")


def _read_fd(fd: int, size: int, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes; the first read sized by ``size`` so small files cost one."""
    chunks = []
    total = 0
    want = min(size, limit) + 1
    while total <= limit:
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = min(_CHUNK, limit + 1 - total)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_stdin(limit: int, what: str) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UnreadableInputError(STDIN_SOURCE, "no standard input to read")
    chunks = []
    total = 0
    try:
        while total <= limit:
            chunk = stream.read(min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as e:
        raise UnreadableInputError(STDIN_SOURCE, f"cannot be read: {e.strerror or e}") from e
    if total > limit:
        raise InputLimitError(STDIN_SOURCE, _larger(limit, what))
    return b"".join(chunks)


def _larger(limit: int, what: str) -> str:
    return f"larger than the {size_of(limit)} limit for {what}"


def decode_utf8(data: bytes, source: str) -> str:
    """``data`` as text; a leading UTF-8 byte-order mark is accepted and dropped.

    Editors on Windows write one, and it is no part of the content. Any byte that is not UTF-8
    (surrogates and overlong forms included) raises :class:`NotUtf8Error` naming its offset in
    ``data`` and its line and column.
    """
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = skip + e.start
        line_start = data.rfind(b"\n", 0, offset) + 1
        column = len(data[max(line_start, skip) : offset].decode("utf-8")) + 1
        raise NotUtf8Error(
            source,
            f"not UTF-8 text: {e.reason} (byte 0x{data[offset]:02x})",
            line=data.count(b"\n", 0, offset) + 1,
            column=column,
            offset=offset,
        ) from None
