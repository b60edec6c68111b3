"""Inputs for the differential test of the browser's verifier against the Python one: the test
vectors, the seeded certificates in every state of the tour (valid, revoked, expired, not yet
valid, with a stale bundle or one dated ahead), and mutations of them at every layer, one
tampering class after another, then at random.

Each case is what an officer's verifier is given: the ``JZ1:`` text, the trust (a bundle file's
text and the pinned node keys, or a vector's trust object), the time, and for some the place
where the officer stands (``cert verify --at``) and the reader's language. :func:`python_result`
is what the Python verifier says of it, in the form the app's ``window.verifyText`` answers.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jointzone.cli._offline import holder_lines, verify_offline
from jointzone.cose import Tag, decode, encode_deterministic
from jointzone.credentials import (
    Check,
    CheckStatus,
    PartyKeys,
    TrustBundle,
    b45encode,
    decode_text,
    encode_text,
    verify_certificate,
)
from jointzone.tlog import Signer

from .conftest import BUNDLE_DAY, LATER_DAY, Seed

DURING = "2019-10-30T12:00:00Z"  # the first voyage, the 26 October bundle fresh
RETURN = "2019-11-02T12:00:00Z"  # the return voyage, the 2 November bundle fresh


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    now: str
    bundle: str | None = None  # a trust bundle file's text, opened against ``keys``
    keys: list[str] = field(default_factory=list)
    trust: dict[str, Any] | None = None  # or a vector's trust object, used as it is
    clock_skew: int = 300
    at: str | None = None  # where the officer stands, as cert verify --at names it
    language: str = "en"  # of the place line and the holder

    def to_js(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "now": self.now,
            "bundle": self.bundle if self.bundle is not None else self.trust,
            "options": {
                "keys": self.keys,
                "clockSkew": self.clock_skew,
                "at": self.at,
                "language": self.language,
            },
        }


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _trust(doc: dict[str, Any]) -> TrustBundle:
    return TrustBundle(
        issuer=doc["issuer"],
        parties=tuple(
            PartyKeys(
                p["party"],
                {
                    bytes.fromhex(k["kid"]): Ed25519PublicKey.from_public_bytes(
                        bytes.fromhex(k["public_key"])
                    )
                    for k in p["keys"]
                },
                retired={
                    bytes.fromhex(k["kid"]): _time(k["retired"])
                    for k in p["keys"]
                    if k["retired"] is not None
                },
                compromised={
                    bytes.fromhex(k["kid"]): _time(k["compromised"])
                    for k in p["keys"]
                    if k["compromised"] is not None
                },
            )
            for p in doc["parties"]
        ),
        issued_at=_time(doc["issued_at"]),
        revoked=frozenset(bytes.fromhex(h) for h in doc["revoked"]),
        max_age=timedelta(seconds=doc["max_age"]),
        skew=timedelta(seconds=doc["skew"]),
    )


def failure_class(check: Check) -> str | None:
    """The failure class of a line that failed (docs/certificate.md §4.4 and §5), read from the
    start of its message as the specification's tables name them; None for the others."""
    if check.status not in (CheckStatus.FAIL, CheckStatus.STALE):
        return None
    name, message = check.name, check.message
    head = message.split(":", 1)[0]
    if name == "issuer":
        return "wrong issuer"
    if name.startswith("signature of ") and message.startswith("expected one signature"):
        return "more than one"
    if name == "revocation":
        return "revoked"
    if name == "trust bundle" and check.status is CheckStatus.STALE:
        return "too old" if ": older than the " in message else "dated in the future"
    if name == "node keys":
        return "node keys"
    if name == "place":
        return "not permitted"
    return head


def _line(check: Check) -> list[Any]:
    """[check, status, failure class]; a place line with its message too, which names the place
    by every party's names in the case's language (as the officer reads it)."""
    line = [check.name, check.status.value, failure_class(check)]
    return [*line, check.message] if check.name == "place" else line


def python_result(case: Case) -> dict[str, Any]:
    """What the Python verifier says of ``case``: the verdict, each line as [check, status,
    failure class], and the holder lines ``cert verify`` prints (en) when it shows them."""
    now = _time(case.now)
    if case.trust is not None:
        report = verify_certificate(
            case.text, _trust(case.trust), now=now, clock_skew=timedelta(seconds=case.clock_skew)
        )
        table = None
    else:
        assert case.bundle is not None
        offline = verify_offline(
            case.text,
            None,
            case.bundle.encode("utf-8"),
            case.keys,
            now,
            at=case.at,
            language=case.language,
        )
        report, table = offline.report, offline.table
    holder = (
        holder_lines(report.certificate, table, case.language)
        if report.certificate is not None and table is not None
        else None
    )
    return {
        "verdict": report.verdict.value,
        "checks": [_line(c) for c in report.checks],
        "holder": holder,
    }


def js_form(result: dict[str, Any]) -> dict[str, Any]:
    """The app's answer in :func:`python_result`'s form."""
    return {
        "verdict": result["verdict"],
        "checks": [
            [c["name"], c["status"], c["cls"], *([c["message"]] if c["name"] == "place" else [])]
            for c in result["checks"]
        ],
        "holder": result["holder"],
    }


# -- the vectors --------------------------------------------------------------------------------


def vector_cases(vectors: dict[str, Any]) -> Iterator[Case]:
    for v in vectors["vectors"]:
        yield Case(
            f"vector {v['name']}", v["text"], v["now"], trust=v["trust"], clock_skew=v["clock_skew"]
        )
    japanese = next(v for v in vectors["vectors"] if v["name"] == "valid-japanese-holder")
    for b in vectors["bundles"]:
        yield Case(
            f"bundle vector {b['name']}",
            japanese["text"],
            japanese["now"],
            bundle=b["bundle"],
            keys=b["node_keys"],
        )


# -- the seeded certificates in every state of the tour ----------------------------------------


def tour_cases(seed: Seed) -> Iterator[Case]:
    first, later = (seed.bundles[d].decode("utf-8") for d in (BUNDLE_DAY, LATER_DAY))
    keys = seed.keys
    for cid, text in sorted(seed.certificates.items()):
        yield Case(f"{cid} during the first voyage", text, DURING, first, keys)
        yield Case(f"{cid} on the return voyage", text, RETURN, later, keys)  # tour19-12 revoked
    some = sorted(seed.certificates)[::6]
    for cid in some:
        text = seed.certificates[cid]
        yield Case(f"{cid} expired", text, "2019-11-03T00:06:00Z", later, keys)
        yield Case(f"{cid} just within the skew", text, "2019-11-03T00:04:59Z", later, keys)
        yield Case(f"{cid} not yet valid", text, "2019-10-26T12:00:00Z", first, keys)
        yield Case(f"{cid} stale bundle", text, "2019-11-02T10:00:00Z", first, keys)
        yield Case(f"{cid} bundle dated ahead", text, "2019-10-26T08:00:00Z", first, keys)
        yield Case(f"{cid} far future", text, "2031-01-01T00:00:00Z", later, keys)


# -- tampering ----------------------------------------------------------------------------------


def _zlib(cose: bytes) -> str:
    return encode_text(cose)


def _raw_text(compressed: bytes) -> str:
    return "JZ1:" + b45encode(compressed)


def _structure(cose: bytes) -> list[Any]:
    item = decode(cose)
    assert isinstance(item, Tag)
    return list(item.value)


def _cose(body: list[Any], tag: int = 98) -> bytes:
    return encode_deterministic(Tag(tag, body))


def _with_signatures(cose: bytes, change: Callable[[list[list[Any]]], list[Any]]) -> str:
    body = _structure(cose)
    body[3] = change([list(s) for s in body[3]])
    return _zlib(_cose(body))


def _with_payload(cose: bytes, change: Callable[[dict[Any, Any]], Any]) -> str:
    body = _structure(cose)
    claims = decode(body[2])
    body[2] = encode_deterministic(change(claims))
    return _zlib(_cose(body))


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def _header(alg: Any, kid: bytes) -> bytes:
    return encode_deterministic({1: alg, 4: kid})


def tampered_texts(text: str) -> Iterator[tuple[str, str]]:
    """(what, text): ``text`` changed in every way docs/certificate.md names, layer by layer."""
    cose = decode_text(text)
    compressed = zlib.compress(cose, 9)
    body = text[4:]
    # prefix and length
    yield "lower-case prefix", "jz1:" + body
    yield "another prefix", "HC1:" + body
    yield "no prefix", body
    yield "empty", ""
    yield "too long", text + "0" * 4300
    # Base45
    yield (
        "lower-case letter",
        text[:10] + text[10].lower() + text[11:]
        if text[10].isalpha()
        else text[:10] + "a" + text[11:],
    )
    yield "line break at the end", text + "\n"
    yield "one character over", text + "0"
    yield "group too large", text[:4] + "GGW" + text[7:]
    yield "final pair too large", text + "Z:"
    yield "a character missing", text[:-1]
    yield "non-ASCII", text[:20] + "É" + text[21:]
    # zlib
    yield "checksum flipped", _raw_text(_flip(compressed, len(compressed) - 1))
    yield "truncated stream", _raw_text(compressed[:-5])
    yield "raw deflate", _raw_text(compressed[2:-4])
    yield "gzip", _raw_text(gzip.compress(cose))
    yield "trailing byte after the stream", _raw_text(compressed + b"\x00")
    yield "stored, not compressed", _raw_text(zlib.compress(cose, 0))
    yield "another window size", _raw_text(_deflate(cose, wbits=9))
    dictionary = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict=b"tour")
    yield "preset dictionary", _raw_text(dictionary.compress(cose) + dictionary.flush())
    yield "inflates too far", _raw_text(zlib.compress(cose + bytes(17000), 9))
    # CBOR
    yield "trailing byte", _zlib(cose + b"\x00")
    yield "truncated", _zlib(cose[:-3])
    yield "tag with a long argument", _zlib(b"\xd9\x00\x62" + cose[2:])
    yield "float", _zlib(cose[:2] + b"\x85" + cose[3:] + b"\xf9\x3c\x00")
    yield "indefinite array", _zlib(cose[:2] + b"\x9f" + cose[3:] + b"\xff")
    yield "undefined", _zlib(b"\xf7")
    yield "nested deep", _zlib(b"\x81" * 40 + b"\x00")
    # COSE structure
    yield "wrapped in CWT tag 61", _zlib(b"\xd8\x3d" + cose)
    parts = _structure(cose)
    yield "COSE_Sign1 tag", _zlib(_cose(parts, tag=18))
    yield "untagged", _zlib(encode_deterministic(parts))
    yield "three elements", _zlib(_cose(parts[:3]))
    yield "body header a0", _zlib(_cose([b"\xa0", *parts[1:]]))
    yield "body header with alg", _zlib(_cose([encode_deterministic({1: -8}), *parts[1:]]))
    yield "body unprotected header", _zlib(_cose([parts[0], {4: b"x"}, *parts[2:]]))
    yield "nil payload", _zlib(_cose([*parts[:2], None, parts[3]]))
    yield "no signatures", _zlib(_cose([*parts[:3], []]))
    yield "signatures not an array", _zlib(_cose([*parts[:3], {}]))
    kid0 = decode(parts[3][0][0])[4]
    yield (
        "kid unprotected",
        _with_signatures(
            cose, lambda s: [[encode_deterministic({1: -8}), {4: kid0}, s[0][2]], *s[1:]]
        ),
    )
    yield "duplicate kid", _with_signatures(cose, lambda s: [s[0], s[0], *s[1:]])
    yield (
        "signer header with crit",
        _with_signatures(
            cose, lambda s: [[encode_deterministic({1: -8, 2: [4], 4: kid0}), {}, s[0][2]], *s[1:]]
        ),
    )
    yield (
        "signer header not deterministic",
        _with_signatures(
            cose,
            lambda s: [
                [b"\xa2\x04" + encode_deterministic(kid0) + b"\x01\x27", {}, s[0][2]],
                *s[1:],
            ],
        ),
    )
    yield "signer header a0", _with_signatures(cose, lambda s: [[b"\xa0", {}, s[0][2]], *s[1:]])
    yield (
        "signer header not a map",
        _with_signatures(cose, lambda s: [[b"\x01", {}, s[0][2]], *s[1:]]),
    )
    yield (
        "signer header not CBOR",
        _with_signatures(cose, lambda s: [[b"\xff", {}, s[0][2]], *s[1:]]),
    )
    yield (
        "kid a text string",
        _with_signatures(
            cose, lambda s: [[encode_deterministic({1: -8, 4: "kid"}), {}, s[0][2]], *s[1:]]
        ),
    )
    yield "signature of two elements", _with_signatures(cose, lambda s: [s[0][:2], *s[1:]])
    yield (
        "signature a text string",
        _with_signatures(cose, lambda s: [[s[0][0], {}, "sig"], *s[1:]]),
    )
    # claims
    yield "claims not CBOR", _zlib(_cose([*parts[:2], b"\xff", parts[3]]))
    yield "claims not deterministic", _zlib(_cose([*parts[:2], b"\xb8\x00", parts[3]]))
    yield "unknown claim", _with_payload(cose, lambda c: {**c, 3: "audience"})
    yield "missing claim", _with_payload(cose, lambda c: {k: v for k, v in c.items() if k != 6})
    yield (
        "unknown script",
        _with_payload(cose, lambda c: {**c, -65537: [{999: "X"}, *c[-65537][1:]]}),
    )
    yield (
        "name not NFC",
        _with_payload(cose, lambda c: {**c, -65537: [{215: "Cafe\u0301"}, *c[-65537][1:]]}),
    )
    yield (
        "blank name",
        _with_payload(cose, lambda c: {**c, -65537: [{215: "\u3000"}, *c[-65537][1:]]}),
    )
    yield "no names", _with_payload(cose, lambda c: {**c, -65537: [{}, *c[-65537][1:]]})
    yield (
        "party with spaces",
        _with_payload(cose, lambda c: {**c, -65537: [c[-65537][0], " japan", *c[-65537][2:]]}),
    )
    yield "place twice", _with_payload(cose, lambda c: {**c, -65537: [*c[-65537][:4], [1, 1]]})
    yield "no places", _with_payload(cose, lambda c: {**c, -65537: [*c[-65537][:4], []]})
    yield (
        "project too large",
        _with_payload(cose, lambda c: {**c, -65537: [*c[-65537][:2], 2**32, *c[-65537][3:]]}),
    )
    yield (
        "category a boolean",
        _with_payload(cose, lambda c: {**c, -65537: [*c[-65537][:3], True, c[-65537][4]]}),
    )
    yield "four fields", _with_payload(cose, lambda c: {**c, -65537: c[-65537][:4]})
    yield "nbf after exp", _with_payload(cose, lambda c: {**c, 5: c[4] + 1})
    yield "iat after exp", _with_payload(cose, lambda c: {**c, 6: c[4] + 1})
    yield "exp beyond 9999", _with_payload(cose, lambda c: {**c, 4: 253402300800})
    yield "cti empty", _with_payload(cose, lambda c: {**c, 7: b""})
    yield "cti text", _with_payload(cose, lambda c: {**c, 7: "tour"})
    yield "subject null", _with_payload(cose, lambda c: {**c, 2: None})
    yield "subject given", _with_payload(cose, lambda c: {**c, 2: "participant-1"})
    yield (
        "places as refs",
        _with_payload(cose, lambda c: {**c, -65537: [*c[-65537][:4], ["shikotan", 1]]}),
    )
    yield "claims an array", _with_payload(cose, lambda c: [1, 2])
    # signatures, issuer, dates (decoding passes)
    yield "issuer changed", _with_payload(cose, lambda c: {**c, 1: "other-regime"})
    yield "validity extended", _with_payload(cose, lambda c: {**c, 4: c[4] + 86400 * 365})
    yield (
        "signature flipped",
        _with_signatures(cose, lambda s: [[s[0][0], {}, _flip(s[0][2], 5)], *s[1:]]),
    )
    yield (
        "second signature flipped",
        _with_signatures(cose, lambda s: [s[0], [s[1][0], {}, _flip(s[1][2], 63)]]),
    )
    yield (
        "signature too short",
        _with_signatures(cose, lambda s: [[s[0][0], {}, s[0][2][:63]], *s[1:]]),
    )
    yield "a signature dropped", _with_signatures(cose, lambda s: s[1:])
    yield "signatures swapped", _with_signatures(cose, lambda s: [*s[1:], s[0]])
    yield (
        "unknown signer added",
        _with_signatures(cose, lambda s: [*s, [_header(-8, b"\x01\x02\x03\x04"), {}, bytes(64)]]),
    )
    yield (
        "kid of no party",
        _with_signatures(cose, lambda s: [[_header(-8, b"\xaa\xbb\xcc\xdd"), {}, s[0][2]], *s[1:]]),
    )
    yield (
        "ES256 header",
        _with_signatures(cose, lambda s: [[_header(-7, kid0), {}, s[0][2]], *s[1:]]),
    )
    yield (
        "alg as text",
        _with_signatures(cose, lambda s: [[_header("EdDSA", kid0), {}, s[0][2]], *s[1:]]),
    )
    yield (
        "unknown kid and alg",
        _with_signatures(cose, lambda s: [[_header(-7, b"\x00\x00\x00\x00"), {}, s[0][2]], *s[1:]]),
    )
    yield (
        "signature of the identity",
        _with_signatures(
            cose, lambda s: [[s[0][0], {}, (1).to_bytes(32, "little") + bytes(32)], *s[1:]]
        ),
    )
    yield (
        "S not reduced",
        _with_signatures(cose, lambda s: [[s[0][0], {}, s[0][2][:32] + b"\xff" * 32], *s[1:]]),
    )


def _deflate(data: bytes, *, wbits: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def tamper_cases(seed: Seed) -> Iterator[Case]:
    later = seed.bundles[LATER_DAY].decode("utf-8")
    for cid in ("tour19-01", "tour19-30"):
        for what, text in tampered_texts(seed.certificates[cid]):
            yield Case(f"{cid}: {what}", text, RETURN, later, seed.keys)


def random_cases(seed: Seed, count: int) -> Iterator[Case]:
    """Single bytes of the COSE bytes, or of the compressed bytes, or characters of the text,
    changed at random (a fixed seed): whatever layer each lands in."""
    rng = random.Random(11)
    later = seed.bundles[LATER_DAY].decode("utf-8")
    texts = sorted(seed.certificates.items())
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    for i in range(count):
        cid, text = texts[rng.randrange(len(texts))]
        cose = decode_text(text)
        kind = i % 3
        if kind == 0:
            at = rng.randrange(len(cose))
            changed = bytearray(cose)
            changed[at] = rng.randrange(256)
            yield Case(
                f"{cid}: COSE byte {at} changed", _zlib(bytes(changed)), RETURN, later, seed.keys
            )
        elif kind == 1:
            compressed = bytearray(zlib.compress(cose, 9))
            at = rng.randrange(len(compressed))
            compressed[at] = rng.randrange(256)
            yield Case(
                f"{cid}: zlib byte {at} changed",
                _raw_text(bytes(compressed)),
                RETURN,
                later,
                seed.keys,
            )
        else:
            at = rng.randrange(4, len(text))
            changed_text = text[:at] + rng.choice(alphabet) + text[at + 1 :]
            yield Case(f"{cid}: character {at} changed", changed_text, RETURN, later, seed.keys)


# -- bundles ------------------------------------------------------------------------------------


def _doc(bundle: str) -> dict[str, str]:
    return json.loads(bundle)  # type: ignore[no-any-return]


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1)


def _note_lines(bundle: str, keep: Callable[[str], bool]) -> str:
    doc = _doc(bundle)
    doc["checkpoint"] = "\n".join(line for line in doc["checkpoint"].split("\n") if keep(line))
    return _json(doc)


def _table_bytes(bundle: str) -> bytes:
    return zlib.decompress(base64.b64decode(_doc(bundle)["table"]))


def _with_table(bundle: str, table: bytes, *, level: int = 9) -> str:
    doc = _doc(bundle)
    doc["table"] = base64.b64encode(zlib.compress(table, level)).decode()
    return _json(doc)


def bundle_variants(seed: Seed) -> Iterator[tuple[str, str, list[str]]]:
    """(what, bundle text, pinned keys): the 2 November bundle, changed or pinned wrongly."""
    later = seed.bundles[LATER_DAY].decode("utf-8")
    first = seed.bundles[BUNDLE_DAY].decode("utf-8")
    keys = seed.keys
    doc = _doc(later)
    yield "as exported", later, keys
    yield "with a byte-order mark", "\ufeff" + later, keys
    yield "keys in the other order", later, list(reversed(keys))
    yield "a key given twice", later, [*keys, keys[0]]
    upper = re.sub(r"\+([0-9a-f]{8})\+", lambda m: "+" + m.group(1).upper() + "+", keys[0])
    yield "a key ID in upper case", later, [upper, keys[1]]
    yield "no keys", later, []
    yield "one party's key only", later, keys[:1]
    stranger = Signer.generate("jointzone.example/seed-regime/russia").verifier.vkey
    yield "a stranger's key for russia", later, [keys[0], stranger]
    yield "a third key", later, [*keys, Signer.generate("jointzone.example/other").verifier.vkey]
    yield "a key that does not parse", later, [keys[0], "not-a-key"]
    yield (
        "a key with a wrong key ID",
        later,
        [keys[0], re.sub(r"\+[0-9a-f]{8}\+", "+00000000+", keys[1])],
    )
    yield "empty file", "", keys
    yield "truncated file", later[: len(later) // 2], keys
    yield "not an object", "[]", keys
    yield "format 1", _json({**doc, "format": "jointzone-trust-bundle/1"}), keys
    yield "extra key", _json({**doc, "note": "x"}), keys
    yield "no table", _json({k: v for k, v in doc.items() if k != "table"}), keys
    yield "table a number", _json({**doc, "table": 7}), keys
    yield "duplicate key", later.replace('"format"', '"table": "", "format"', 1), keys
    yield "NaN", later.replace('"format"', '"n": NaN, "format"', 1), keys
    lone = _json(doc).replace('"checkpoint": "', '"checkpoint": "\\ud800', 1)
    yield "lone surrogate", lone, keys
    paired = _json(doc).replace('"checkpoint": "', '"checkpoint": "\\ud83d\\ude00', 1)
    yield "surrogate pair", paired, keys
    yield "escaped slash", later.replace("/", "\\/"), keys
    table = doc["table"]
    yield (
        "table base64 with a line break",
        _json({**doc, "table": table[:40] + "\n" + table[40:]}),
        keys,
    )
    yield "table base64 unpadded", _json({**doc, "table": table.rstrip("=")}), keys
    yield "table base64 with '=' after a whole group", _json({**doc, "table": table + "="}), keys
    yield (
        "table base64 url-safe",
        _json({**doc, "table": table.replace("+", "-").replace("/", "_")}),
        keys,
    )
    yield "table base64 leading '='", _json({**doc, "table": "=" + table}), keys
    raw = base64.b64decode(table)
    yield (
        "table zlib checksum",
        _json({**doc, "table": base64.b64encode(_flip(raw, len(raw) - 1)).decode()}),
        keys,
    )
    yield (
        "table zlib trailing byte",
        _json({**doc, "table": base64.b64encode(raw + b"\x00").decode()}),
        keys,
    )
    yield "table recompressed", _with_table(later, _table_bytes(later), level=1), keys
    yield "table of the earlier checkpoint", _with_table(later, _table_bytes(first)), keys
    yield "table with a byte changed", _with_table(later, _flip(_table_bytes(later), 100)), keys
    yield (
        "russia's node signature dropped",
        _note_lines(
            later,
            lambda line: (
                not line.startswith("— jointzone.example/seed-regime/russia")
                or _is_cosignature(line, "russia", keys)
            ),
        ),
        keys,
    )
    yield (
        "russia's timestamp dropped",
        _note_lines(later, lambda line: not _is_cosignature(line, "russia", keys)),
        keys,
    )
    yield (
        "a signature line garbled",
        later.replace(
            "\n— jointzone.example/seed-regime/japan ",
            "\n— jointzone.example/seed-regime/japan  ",
            1,
        ),
        keys,
    )
    yield "CRLF lines", _json({**doc, "checkpoint": doc["checkpoint"].replace("\n", "\r\n")}), keys
    yield (
        "verifier line changed",
        _json(
            {
                **doc,
                "checkpoint": doc["checkpoint"].replace(
                    "jointzone-verifier ", "jointzone-verifier  ", 1
                ),
            }
        ),
        keys,
    )
    yield (
        "checkpoint without signatures",
        _json({**doc, "checkpoint": doc["checkpoint"].split("\n\n")[0] + "\n"}),
        keys,
    )
    signatures = doc["checkpoint"].split("\n\n", 1)[1]
    yield (
        "signature lines twice",
        _json({**doc, "checkpoint": doc["checkpoint"] + signatures}),
        keys,
    )


def _is_cosignature(line: str, party: str, keys: list[str], log: str = "seed-regime") -> bool:
    """Whether ``line`` is ``party``'s node's timestamped cosignature (signature type 0x04) in
    the log ``jointzone.example/<log>``, told from its node signature by the 72 bytes after the
    key ID."""
    if not line.startswith(f"— jointzone.example/{log}/{party} "):
        return False
    return len(base64.b64decode(line.rsplit(" ", 1)[1])) == 4 + 8 + 64


def bundle_cases(seed: Seed) -> Iterator[Case]:
    text = seed.certificates["tour19-01"]
    for what, bundle, keys in bundle_variants(seed):
        yield Case(f"bundle {what}", text, RETURN, bundle, keys)


def key_change_variants(vectors: dict[str, Any]) -> Iterator[tuple[str, str, list[str]]]:
    """(what, bundle text, pinned keys): the vectors' bundle after japan's node-key rotation,
    its key change changed, or pinned with other keys."""
    bundles = {b["name"]: b for b in vectors["bundles"]}
    rotated = bundles["file-valid-after-node-key-change"]
    bundle, genesis = rotated["bundle"], rotated["node_keys"]
    current = bundles["file-valid-current-node-keys-pinned"]["node_keys"]
    doc: dict[str, Any] = json.loads(bundle)
    (change,) = doc["key_changes"]

    def changed(**values: Any) -> str:
        return _json({**doc, "key_changes": [{**change, **values}]})

    note = change["checkpoint"]
    yield "as made", bundle, genesis
    yield "genesis keys in the other order", bundle, list(reversed(genesis))
    yield "a genesis key given twice", bundle, [*genesis, genesis[0]]
    stranger = Signer.generate("jointzone.example/vectors/japan").verifier.vkey
    yield "a stranger's key for japan", bundle, [stranger, genesis[1]]
    yield "the current keys and the genesis's", bundle, [*genesis, *current]
    yield (
        "the change's signature lines twice",
        changed(checkpoint=note + note.split("\n\n")[1]),
        genesis,
    )
    yield "the change's lines in CRLF", changed(checkpoint=note.replace("\n", "\r\n")), genesis
    yield (
        "the change's first signature line garbled",
        changed(checkpoint=note.replace("\n\n— ", "\n\n—  ", 1)),
        genesis,
    )
    yield "the change without signatures", changed(checkpoint=note.split("\n\n")[0] + "\n"), genesis
    raw = base64.b64decode(change["table"])
    flipped = base64.b64encode(_flip(raw, len(raw) - 1)).decode()
    yield "the change's table zlib checksum", changed(table=flipped), genesis
    yield "the change's table unpadded", changed(table=change["table"].rstrip("=")), genesis
    yield "the change with an extra key", changed(note="x"), genesis
    yield (
        "the change without its table",
        _json({**doc, "key_changes": [{"checkpoint": note}]}),
        genesis,
    )
    yield "the change as text", _json({**doc, "key_changes": [note]}), genesis
    yield "key changes an object", _json({**doc, "key_changes": change}), genesis
    yield "no key changes key", _json({k: v for k, v in doc.items() if k != "key_changes"}), genesis
    yield "200 key changes", _json({**doc, "key_changes": [change] * 200}), genesis
    yield "201 key changes", _json({**doc, "key_changes": [change] * 201}), genesis
    # Pinned with the keys that sign the checkpoint, the changes are not read, broken or not.
    yield "current keys pinned, the change broken", changed(table=flipped), current
    yield (
        "current keys pinned, the change twice",
        _json({**doc, "key_changes": [change] * 2}),
        current,
    )
    yield (
        "the bundle's checkpoint in CRLF after the change",
        _json({**doc, "checkpoint": doc["checkpoint"].replace("\n", "\r\n")}),
        genesis,
    )
    yield (
        "the bundle's timestamp by japan's new key dropped",
        _note_lines(bundle, lambda line: not _is_cosignature(line, "japan", [], "vectors")),
        genesis,
    )


def key_change_cases(vectors: dict[str, Any]) -> Iterator[Case]:
    japanese = next(v for v in vectors["vectors"] if v["name"] == "valid-japanese-holder")
    for what, bundle, keys in key_change_variants(vectors):
        yield Case(f"key change {what}", japanese["text"], japanese["now"], bundle, keys)


# -- the place where the officer stands --------------------------------------------------------

#: (how the officer names the place, in which language), as ``cert verify --at`` takes it: the
#: tour's certificates permit Furukamappu/Yuzhno-Kurilsk and Shana/Kurilsk, not the others.
SEED_PLACES = [
    ("furukamappu-yuzhno-kurilsk", "en"),
    ("Kurilsk", "ru"),  # Russia's English name for Shana/Kurilsk
    ("紗那", "ja"),  # Japan's Japanese name for it
    ("yuzhno kurilsk", "ja"),  # an alias, in other letter case
    (" 12 ", "en"),  # Shana/Kurilsk's code
    ("nemuro-port", "ru"),  # the voyage's port, outside the zone: not permitted
    ("kunashiri-kunashir", "en"),  # the island Yuzhno-Kurilsk lies on: not permitted by it
    ("Шикотан", "ja"),
    ("17", "ja"),  # Nemuro port's code
]


def place_cases(seed: Seed, vectors: dict[str, Any]) -> Iterator[Case]:
    """Certificates and places, permitted and not, as ``cert verify --at`` checks them: the
    place line and the verdict it makes, whatever else the certificate fails."""
    first, later = (seed.bundles[d].decode("utf-8") for d in (BUNDLE_DAY, LATER_DAY))
    keys = seed.keys
    for i, cid in enumerate(sorted(seed.certificates)[::5]):
        text = seed.certificates[cid]
        for at, language in SEED_PLACES[i % 3 :: 3]:
            yield Case(
                f"{cid} at {at!r} ({language})", text, RETURN, later, keys, at=at, language=language
            )
    revoked = seed.certificates["tour19-12"]  # revoked before the return voyage
    yield Case("revoked, at a place it permits", revoked, RETURN, later, keys, at="shana-kurilsk")
    yield Case("stale bundle, at a place", revoked, RETURN, first, keys, at="Yuzhno-Kurilsk")
    yield Case("undecodable, at a place", revoked[:-3], RETURN, later, keys, at="nemuro-port")
    yield Case("a bundle refused, at a place", revoked, RETURN, later, keys[:1], at="12")
    # Places as refs, one of them an island: a place on it is permitted within it (the
    # certificate's signatures no longer hold, and the place line says so all the same).
    tampered = dict(tampered_texts(seed.certificates["tour19-30"]))
    for at in ("shakotan-malokurilskoye", "Iturup", "habomai"):
        yield Case(
            f"places as refs, at {at}",
            tampered["places as refs"],
            RETURN,
            later,
            keys,
            at=at,
            language="ru",
        )
    # The vectors' certificate permits Kunashiri/Kunashir, Etorofu/Iturup and Yuzhno-Kurilsk
    # on Kunashir, in that order: the first that holds the place is the one the line names.
    japanese = next(v for v in vectors["vectors"] if v["name"] == "valid-japanese-holder")
    valid = next(b for b in vectors["bundles"] if b["name"] == "file-valid")
    for at, language in [
        ("furukamappu-yuzhno-kurilsk", "ja"),
        ("ETOROFU-ITURUP", "en"),
        ("shikotan", "ru"),
        ("2", "en"),
    ]:
        yield Case(
            f"vector at {at} ({language})",
            japanese["text"],
            japanese["now"],
            valid["bundle"],
            valid["node_keys"],
            at=at,
            language=language,
        )


def all_cases(seed: Seed, vectors: dict[str, Any]) -> list[Case]:
    return [
        *vector_cases(vectors),
        *key_change_cases(vectors),
        *tour_cases(seed),
        *tamper_cases(seed),
        *random_cases(seed, 90),
        *bundle_cases(seed),
        *place_cases(seed, vectors),
    ]
