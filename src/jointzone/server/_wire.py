"""The small text formats on the wire between nodes, each read as strictly as it is written.

- ``add-checkpoint`` bodies and answers follow C2SP tlog-witness: an ``old N`` line, the
  consistency proof's hashes one per line in base64, a blank line, the checkpoint note; the
  answer is note signature lines; a 409 carries the witness's size as ``text/x.tlog.size``.
- Sizes are ASCII decimals with no leading zeroes, a newline after.
- Errors are RFC 9457 problem details (``application/problem+json``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from jointzone.tlog import HASH_SIZE, MalformedError, Note, Signature

#: A peer's answer is read up to this many bytes, whatever it announces: the largest is a
#: bundle of 256 entries of at most 64 KiB each.
MAX_RESPONSE = 17 * 1024 * 1024
#: tlog-witness: a client sends at most 63 consistency proof lines.
MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"
PROBLEM_TYPE = "application/problem+json"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")


def format_size(size: int) -> bytes:
    return f"{size}\n".encode("ascii")


def parse_decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise MalformedError(f"{what}: {text[:40]!r} is not a decimal with no leading zeroes")
    return int(text)


def parse_size(data: bytes, party: str) -> int:
    try:
        text = data.decode("ascii")
        if not text.endswith("\n"):
            raise MalformedError("a size ends with a newline")
        return parse_decimal(text[:-1], f"size from {party}")
    except (UnicodeDecodeError, MalformedError) as e:
        raise MalformedError(f"the node of {party!r} sent a malformed size: {e}") from e


def hash_lines(hashes: list[bytes]) -> bytes:
    return b"".join(base64.b64encode(h) + b"\n" for h in hashes)


def parse_hash_lines(data: bytes, where: str) -> list[bytes]:
    """Hashes one per line in standard base64, each line ending in a newline."""
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise MalformedError(f"{where}: the last line has no newline")
    out = []
    for n, line in enumerate(data[:-1].split(b"\n"), 1):
        try:
            h = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedError(f"{where}: line {n} is not base64") from None
        if len(h) != HASH_SIZE or base64.b64encode(h) != line:
            raise MalformedError(f"{where}: line {n} is not one {HASH_SIZE}-byte hash")
        out.append(h)
    return out


def add_checkpoint_body(old_size: int, proof: list[bytes], checkpoint: bytes) -> bytes:
    return b"old " + format_size(old_size) + hash_lines(proof) + b"\n" + checkpoint


def parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], bytes]:
    """(old size, consistency proof, checkpoint note bytes) from a tlog-witness request."""
    head, sep, note = body.partition(b"\n\n")
    if not sep:
        raise MalformedError("expected an old size line, proof lines, a blank line, a checkpoint")
    lines = head.split(b"\n")
    first = lines[0].decode("ascii", "replace")
    if not first.startswith("old "):
        raise MalformedError(f"the first line must be 'old <size>', found {first[:40]!r}")
    old = parse_decimal(first[4:], "old size")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise MalformedError(f"{len(proof_lines)} proof lines; at most {MAX_PROOF_LINES}")
    proof = parse_hash_lines(b"".join(p + b"\n" for p in proof_lines), "consistency proof")
    return old, proof, note


def signature_lines(note: Note, names: set[str]) -> bytes:
    """The signature lines of ``note`` by keys named in ``names``: a cosigner's answer."""
    return "".join(s.to_line() + "\n" for s in note.signatures if s.name in names).encode()


def parse_signature_lines(data: bytes, party: str) -> tuple[Signature, ...]:
    """Note signature lines (each '— name base64' and a newline), as a witness answers."""
    if not data.endswith(b"\n"):
        raise MalformedError(f"the answer of {party!r} does not end with a newline")
    # Parsed as the signature block of a note, so the one parser of signature lines applies.
    return Note.from_bytes(b"x\n\n" + data).signatures


def problem(
    status: int, title: str, detail: str, *, kind: str = "about:blank"
) -> dict[str, object]:
    """An RFC 9457 problem details object."""
    return {"type": kind, "title": title, "status": status, "detail": detail}


def problem_detail(content_type: str, content: bytes) -> str:
    """What a peer's error said: a problem's detail, or the start of a plain body."""
    body = content[:2000]
    if content_type.startswith(PROBLEM_TYPE):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("detail"), str):
            return str(data["detail"])[:500]
    return body.decode("utf-8", "replace").strip()[:500]


TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for the OpenAPI document: each an RFC 9457 problem."""
    return {
        code: {
            "description": TITLES.get(code, "Error"),
            "content": {PROBLEM_TYPE: {"schema": _PROBLEM_SCHEMA}},
        }
        for code in codes
    }
