"""The trust bundle file: a checkpoint every party's node signed and vouched for, and the verifier
table it commits to.

One JSON file, as DCC trust lists are JSON, holding nothing of our own beyond the minimum:

    {
      "format": "jointzone-trust-bundle/3",
      "key_changes": [{"checkpoint": "<signed note>", "table": "<base64 zlib CBOR>"}, ...],
      "checkpoint": "<the C2SP signed note: every party's node signature and timestamp on it>",
      "table": "<base64 of zlib of the verifier table's deterministic CBOR>"
    }

The table (:mod:`jointzone.trust._table`) is everything the verifier reads: the parties and their
node keys, every certificate key and revocation, the names a certificate's codes stand for, the
regime's bundle age and skew, and the time of the checkpoint's last entry. The checkpoint's
``jointzone-verifier`` extension line commits to its SHA-256, and every node computes that line
from its own state and refuses to sign a checkpoint whose line differs from its own, so a table
that hashes to the line is the one every node holds: nothing can be left out, added or changed.
No log entry, and so no inclusion proof, travels: the seed's bundle is some 5 kB where format 1,
which carried the genesis (the whole regime, island outlines and all) and every key and
revocation entry with its proof, was 36 kB. Formats 1 and 2 (the latter without key changes)
are not read any more; nothing was deployed.

The node keys given must be exactly those the table names, one per party: that is what makes
"signed by every party's node" mean every party of the regime, not every key the verifier
happened to pass. A verifier holds the keys the genesis declares; when a node key has been
rotated since (``party.rotate-node-key``), and for each party that joined by amendment,
``key_changes`` carries, oldest first, the final
checkpoint of the size just after each rotation with the table it commits to. That checkpoint
lies in the rotation's overlap, so the keys the verifier holds open it, and it carries the new
key's signature too; its table names the new key. Following them leads from the genesis keys to
the keys of the bundle's checkpoint; a verifier that already holds those skips them.

The node keys' checkpoint signatures vouch that every node judged every entry
(signatures, consent policy, state transition), so the verifier judges nothing again: it reads
the table.

Each node also adds a C2SP tlog-cosignature/v1 timestamp when asked to vouch, saying "at this
time this was my latest state"; the bundle was made when the oldest of those timestamps says, so
a verifier can refuse a stale one.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BeforeValidator, Field, Strict, ValidationError

from jointzone import inputs
from jointzone.credentials import (
    Check,
    CheckStatus,
    PartyKeys,
    Revocation,
    TrustBundle,
)
from jointzone.regime._model import Frozen
from jointzone.regime._validation import problems
from jointzone.tlog import (
    Checkpoint,
    CosignatureVerifier,
    Note,
    TlogError,
    Verifier,
    open_checkpoint,
    verify_note,
)
from jointzone.trust._table import (
    MAX_TABLE_SIZE,
    VERIFIER_EXTENSION,
    VerifierTable,
    verifier_extension,
)
from jointzone.trust.errors import BundleError, TableError

FORMAT = "jointzone-trust-bundle/3"
#: Node-key changes a bundle may carry: a rotation a month for sixteen years.
MAX_KEY_CHANGES = 200


def _packed(table: bytes) -> str:
    return base64.b64encode(zlib.compress(table, 9)).decode("ascii")


def bundle_json(
    checkpoint: bytes, table: bytes, key_changes: Sequence[tuple[bytes, bytes]] = ()
) -> bytes:
    """The bundle file's bytes (UTF-8 JSON, keys in a fixed order, one trailing newline) for
    the signed note ``checkpoint`` and the table's encoded bytes ``table``, which it compresses
    (zlib level 9) and base64-encodes; ``key_changes`` are (checkpoint, table) pairs, the final
    checkpoint just after each node-key rotation, oldest first."""
    data = {
        "format": FORMAT,
        "key_changes": [
            {"checkpoint": note.decode("utf-8"), "table": _packed(raw)} for note, raw in key_changes
        ],
        "checkpoint": checkpoint.decode("utf-8"),
        "table": _packed(table),
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class OpenedBundle:
    """A bundle checked against the node keys: the trust it yields, one line per check, and the
    table, whose names of places, parties, categories and projects a verifier shows."""

    trust: TrustBundle
    checks: tuple[Check, ...]
    checkpoint: Checkpoint
    table: VerifierTable


def _b64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"expected base64 text, found {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"expected standard base64, found {value[:40]!r}: {e}") from None


# Standard base64 (RFC 4648 §4), every character of the alphabet: pydantic's own Base64Bytes
# skips characters outside it, and a bundle is refused rather than guessed at.
_Base64 = Annotated[bytes, BeforeValidator(_b64)]


class _KeyChange(Frozen):
    """A final checkpoint just after a node-key rotation, and the table it commits to."""

    checkpoint: str
    table: _Base64


class _BundleDoc(Frozen):
    """The bundle file as a whole (the module docstring shows it); no other key is allowed."""

    format: Literal["jointzone-trust-bundle/3"]  # FORMAT, spelt out: Literal takes no names
    key_changes: Annotated[tuple[_KeyChange, ...], Strict(False), Field(max_length=MAX_KEY_CHANGES)]
    checkpoint: str
    table: _Base64


def _document(data: bytes) -> _BundleDoc:
    """The bundle file's JSON, within the ``TRUST_BUNDLE`` limits, checked key by key."""
    try:
        raw = inputs.parse_json(data, "trust bundle", limits=inputs.TRUST_BUNDLE)
    except (inputs.InputLimitError, inputs.DuplicateKeyError) as e:
        raise BundleError(f"not a trust bundle: {e.detail}") from e
    except inputs.InputError as e:
        raise BundleError(f"not a trust bundle: expected UTF-8 JSON: {e.detail}") from e
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise BundleError(f"not a trust bundle: expected format {FORMAT!r}, found {found!r:.60}")
    try:
        return _BundleDoc.model_validate(raw)
    except ValidationError as e:
        raise BundleError("not a trust bundle: " + "; ".join(problems(e))) from None


def _committed(checkpoint: Checkpoint) -> str:
    """The checkpoint's one ``jointzone-verifier`` line."""
    lines = [e for e in checkpoint.extensions if e.split(" ", 1)[0] == VERIFIER_EXTENSION]
    if len(lines) != 1:
        raise BundleError(
            f"checkpoint: expected one '{VERIFIER_EXTENSION}' extension line committing to the "
            f"verifier table, found {len(lines)}"
        )
    return lines[0]


def _table(
    compressed: bytes, checkpoint: Checkpoint, committed: str
) -> tuple[VerifierTable, bytes]:
    """The table the checkpoint's line ``committed`` commits to: inflated, hashed against the
    line, and only then read."""
    try:
        data = inputs.inflate(compressed, limit=MAX_TABLE_SIZE, source="table")
    except inputs.InputError as e:
        raise BundleError(f"table: {e.problem}") from e
    given = verifier_extension(data)
    if given != committed:
        raise BundleError(
            f"table: the checkpoint commits to '{committed}', the table carried hashes to "
            f"'{given}': it is not the table every node holds (a key or revocation left out, "
            "added or changed, or the table of another checkpoint)"
        )
    try:
        table = VerifierTable.from_cbor(data)
    except TableError as e:
        raise BundleError(f"table: {e}") from e
    if (table.origin, table.size) != (checkpoint.origin, checkpoint.size):
        raise BundleError(
            f"table: made for log {table.origin!r} at size {table.size}, the checkpoint is of "
            f"{checkpoint.origin!r} at size {checkpoint.size}"
        )
    return table, data


def _parties(table: VerifierTable, node_keys: Sequence[Verifier]) -> None:
    """Refuse unless the node keys given are exactly those of every party the table names."""
    declared = {vkey: party for party, vkey in table.node_keys().items()}
    given = {v.vkey for v in node_keys}
    missing = [party for vkey, party in declared.items() if vkey not in given]
    unknown = sorted(given - set(declared))
    if missing or unknown:
        raise BundleError(
            f"node keys: expected exactly the node keys of every party the table names "
            f"({', '.join(declared.values())}); missing those of {missing}, "
            f"found {len(unknown)} key(s) of no party"
        )


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _vouched_at(note: Note, node_keys: Sequence[Verifier]) -> datetime:
    """When every party's node last vouched for the checkpoint: the oldest of their
    tlog-cosignature/v1 timestamps, each by the node's own key under signature type 0x04."""
    times = []
    message = note.text.encode("utf-8")
    for key in node_keys:
        cosigner = CosignatureVerifier(key.name, key.public_key_bytes)
        found = [
            s for s in note.signatures if (s.name, s.key_hash) == (cosigner.name, cosigner.key_hash)
        ]
        if not found:
            raise BundleError(
                f"timestamps: no timestamped cosignature by {key.name}: every party's node must "
                "vouch for a bundle (trust export asks each one)"
            )
        if not cosigner.verify(message, found[0].signature):
            raise BundleError(f"timestamps: the cosignature by {key.name} does not verify")
        times.append(CosignatureVerifier.timestamp(found[0]))
    return datetime.fromtimestamp(min(times), UTC)


@dataclass(frozen=True)
class KeyChange:
    """A node-key change followed: the size of its checkpoint, the checkpoint (note bytes),
    and the node keys in force from that size on, one per party."""

    size: int
    checkpoint: bytes
    keys: tuple[Verifier, ...]


def _follow_key_changes(
    doc: _BundleDoc, node_keys: Sequence[Verifier]
) -> tuple[list[Verifier], list[int]] | None:
    """The node keys of the bundle's checkpoint, learnt from ``node_keys`` through the key
    changes, and the sizes of the changes; None when the keys given already sign it and it
    carries no signature under a key name they lack (a party that joined since)."""
    try:
        note = Note.from_bytes(doc.checkpoint.encode("utf-8"))
        verify_note(note, node_keys, require="all")
    except TlogError:
        pass
    else:
        names = {v.name for v in node_keys}
        if all(s.name in names for s in note.signatures):
            return None
    if not doc.key_changes:
        return None  # opening the checkpoint says what is wrong
    changes = _walk_key_changes(doc, node_keys)
    return list(changes[-1].keys), [c.size for c in changes]


def _walk_key_changes(doc: _BundleDoc, node_keys: Sequence[Verifier]) -> list[KeyChange]:
    """Each of the bundle's key changes, followed in turn from ``node_keys`` (docs/
    certificate.md §4.4, step 2)."""
    keys, changes, origin = list(node_keys), list[KeyChange](), None
    for i, change in enumerate(doc.key_changes):
        at = f"key_changes[{i}]"
        data = change.checkpoint.encode("utf-8")
        try:
            cp, note = open_checkpoint(data, keys, require="all")
        except TlogError as e:
            raise BundleError(
                f"{at}: expected a signature by every node key held before it ({len(keys)}): {e}"
            ) from e
        if origin is not None and cp.origin != origin:
            raise BundleError(f"{at}: of log {cp.origin!r}, the changes before it of {origin!r}")
        if changes and cp.size <= changes[-1].size:
            raise BundleError(f"{at}: of size {cp.size}, not after the change before it")
        origin = cp.origin
        table, _ = _table(change.table, cp, _committed(cp))
        try:
            new = [Verifier.from_vkey(v) for v in table.node_keys().values()]
            verify_note(note, new, require="all")
        except TlogError as e:
            raise BundleError(
                f"{at}: its table names node keys that did not all sign it (a change's "
                f"checkpoint carries the old and the new key's signatures): {e}"
            ) from e
        keys = new
        changes.append(KeyChange(cp.size, data, tuple(new)))
    return changes


def keys_in_force(
    changes: Sequence[KeyChange], genesis: Sequence[Verifier]
) -> Callable[[int], list[Verifier]]:
    """The node keys that sign a checkpoint of a size, by the changes followed: those of the
    last change at or before it, the genesis keys before the first."""

    def at(size: int) -> list[Verifier]:
        keys: Sequence[Verifier] = genesis
        for change in changes:
            if change.size <= size:
                keys = change.keys
        return list(keys)

    return at


def bundle_key_changes(data: bytes, node_keys: Sequence[Verifier]) -> list[KeyChange]:
    """The node-key changes a trust bundle carries, each followed from ``node_keys`` (the
    genesis keys): what lets a verifier of the whole log (``verify-log --trust``) open a
    checkpoint made after a rotation without judging every entry to learn the new keys. The
    bundle's own checkpoint and table are not read; :class:`BundleError` names what fails."""
    limit = inputs.TRUST_BUNDLE.max_bytes
    if len(data) > limit:
        raise BundleError(f"not a trust bundle: {len(data):,} bytes, expected at most {limit:,}")
    if not node_keys:
        raise BundleError("node keys: none given: expected every party's node verifier key")
    return _walk_key_changes(_document(data), node_keys)


def open_bundle(data: bytes, node_keys: Sequence[Verifier]) -> OpenedBundle:
    """Check a bundle against every party's node key and derive the trust it carries.

    Raises :class:`BundleError` naming the step that failed (docs/certificate.md §4.4): the
    JSON, the checkpoint's signatures (every party's node must have signed), the table against
    the checkpoint's line, the node keys against the table's, the timestamps, the trust.
    """
    limit = inputs.TRUST_BUNDLE.max_bytes
    if len(data) > limit:
        raise BundleError(f"not a trust bundle: {len(data):,} bytes, expected at most {limit:,}")
    doc = _document(data)
    if not node_keys:
        raise BundleError("node keys: none given: expected every party's node verifier key")
    checks: list[Check] = []
    followed = _follow_key_changes(doc, node_keys)
    if followed is not None:
        node_keys, sizes = followed
        checks.append(
            Check(
                "key changes",
                CheckStatus.PASS,
                f"followed {len(sizes)} node-key change(s) from the keys given, at size(s) "
                f"{', '.join(str(s) for s in sizes)}: each signed by every node key held before "
                "it and by the new one",
            )
        )
    try:
        checkpoint, note = open_checkpoint(doc.checkpoint.encode("utf-8"), node_keys, require="all")
    except TlogError as e:
        raise BundleError(
            f"checkpoint: expected a signature of every party's node given ({len(node_keys)} "
            f"keys): {e}"
        ) from e
    if followed is not None and checkpoint.size < followed[1][-1]:
        raise BundleError(
            f"checkpoint: of size {checkpoint.size}, older than the last key change "
            f"({followed[1][-1]})"
        )
    committed = _committed(checkpoint)
    checks.insert(
        0,
        Check(
            "checkpoint",
            CheckStatus.PASS,
            f"size {checkpoint.size}, signed by each of the {len(node_keys)} node keys given",
        ),
    )
    table, raw = _table(doc.table, checkpoint, committed)
    checks.append(
        Check(
            "table",
            CheckStatus.PASS,
            f"the verifier table ({len(raw):,} bytes) is the one the checkpoint commits to: "
            f"every certificate key and revocation the nodes hold at size {table.size}",
        )
    )
    _parties(table, node_keys)
    checks.append(
        Check(
            "parties",
            CheckStatus.PASS,
            f"the node keys given are those of every party the table names "
            f"({', '.join(p.id for p in table.parties)})",
        )
    )
    made = _vouched_at(note, node_keys)
    skew = timedelta(seconds=table.skew)
    if made < table.moment - skew:
        raise BundleError(
            f"timestamps: the nodes vouched for the checkpoint at {_stamp(made)}, before its "
            f"last entry was made ({_stamp(table.moment)}): the timestamps cannot be right"
        )
    trust = _trust(table, made)
    checks.append(
        Check(
            "bundle time",
            CheckStatus.INFO,
            f"made {_stamp(made)}: every party's node vouched then that the checkpoint was its "
            f"latest (the oldest of {len(node_keys)} timestamped cosignatures); its last entry "
            f"is of {_stamp(table.moment)}",
        )
    )
    checks.append(
        Check(
            "trust",
            CheckStatus.INFO,
            f"{sum(len(p.keys) for p in trust.parties)} certificate key(s) of "
            f"{len(trust.parties)} parties ({sum(len(p.retired) for p in trust.parties)} "
            f"retired, {sum(len(p.compromised) for p in trust.parties)} declared compromised), "
            f"{len(trust.revoked)} revoked certificate(s)",
        )
    )
    return OpenedBundle(trust=trust, checks=tuple(checks), checkpoint=checkpoint, table=table)


def _reason(texts: Mapping[str, str], languages: Sequence[str]) -> str:
    """A revocation's reason in every language given, in the regime's order of languages."""
    order = [*(lang for lang in languages if lang in texts), *sorted(set(texts) - set(languages))]
    return "; ".join(f"{lang}: {texts[lang]}" for lang in order)


def _trust(table: VerifierTable, issued_at: datetime) -> TrustBundle:
    """What the verifier holds: each party's keys with when any was retired or declared
    compromised, and the revocation list."""
    keys: dict[str, dict[bytes, Ed25519PublicKey]] = {p.id: {} for p in table.parties}
    retired: dict[str, dict[bytes, datetime]] = {p.id: {} for p in table.parties}
    compromised: dict[str, dict[bytes, datetime]] = {p.id: {} for p in table.parties}
    for k in table.keys:
        keys[k.party][k.kid] = Ed25519PublicKey.from_public_bytes(k.public_key)
        if k.retired is not None:
            retired[k.party][k.kid] = k.retired.moment
        if k.compromised is not None:
            compromised[k.party][k.kid] = k.compromised.moment
    missing = [party for party, held in keys.items() if not set(held) - set(compromised[party])]
    if missing:
        raise BundleError(
            f"trust: no certificate key of {missing} in the table that is not declared "
            "compromised: expected every party's, since a certificate is valid only with every "
            "party's signature"
        )
    revocations = {
        r.hash: Revocation(r.revoked.moment, _reason(r.reason, table.languages))
        for r in table.revoked
    }
    return TrustBundle(
        issuer=table.issuer,
        parties=tuple(
            PartyKeys(party, held, retired[party], compromised[party])
            for party, held in keys.items()
        ),
        issued_at=issued_at,
        revoked=frozenset(revocations),
        revocations=revocations,
        max_age=timedelta(seconds=table.max_age),
        skew=timedelta(seconds=table.skew),
    )
