"""The trust bundle file: certificate keys and revocations as of a final checkpoint, with proofs.

One JSON file, as DCC trust lists are JSON, holding nothing of our own beyond the minimum:

    {
      "format": "jointzone-trust-bundle/1",
      "checkpoint": "<the C2SP signed note, every party's node signature on it>",
      "entries": [{"index": N, "entry": "<base64 entry bytes>", "proof": ["<base64 hash>", ...]}],
      "latest": {"index": size - 1, "entry": "...", "proof": [...]}
    }

``entries`` holds the log's genesis (entry 0, ``regime.adopt``: it names the parties and their node
keys) and every ``certificate.key`` and every ``certificate.revoke`` entry up to the checkpoint,
each with its RFC 6962 inclusion proof against the checkpoint's root. The genesis is what makes
"signed by every party's node" mean every party of the regime, not every key the verifier happened
to pass: the node keys given must be exactly those the genesis declares. (A regime amendment that
changed the parties or their node keys would need its entry too; none does yet, and a bundle whose
checkpoint those keys did not sign fails.) ``latest`` is the
checkpoint's last entry, proved the same way: its time is the bundle's time, so the age a verifier
shows rests on a signed entry, not on the exporter's word.

Inclusion proofs alone show that each entry given *is* in the log, not that none was *left
out*: an exporter could drop a revocation. So every checkpoint the nodes sign carries one
extension line (C2SP tlog-checkpoint allows them) committing to the positions of every
``certificate.key`` and ``certificate.revoke`` entry up to its size::

    jointzone-trust <count> <hex SHA-256 of the positions, each 8 bytes big-endian, ascending>

Each node computes the line from its own state and a witness signs no checkpoint whose line
differs from its own, so the line is as trustworthy as the checkpoint. A bundle must carry exactly
the entries the line commits to: one dropped (or added) entry and the bundle is refused.

The node keys' checkpoint signature vouches that every node judged every entry (signatures,
consent policy, state transition), so the verifier does not judge the entries' consent again: it
reads what they say.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jointzone import acts
from jointzone.consent import ConsentError, Entry
from jointzone.credentials import Check, CheckStatus, PartyKeys, TrustBundle, revocation_hash
from jointzone.tlog import (
    Checkpoint,
    TlogError,
    Verifier,
    leaf_hash,
    open_checkpoint,
    verify_inclusion,
)
from jointzone.trust.errors import BundleError

FORMAT = "jointzone-trust-bundle/1"
TRUST_EXTENSION = "jointzone-trust"
#: A bundle is a few kilobytes; anything this large is not one.
MAX_BUNDLE_SIZE = 16 * 1024 * 1024
_TRUST_TYPES = ("certificate.key", "certificate.revoke")


def trust_extension(positions: Iterable[int]) -> str:
    """The checkpoint extension line committing to the positions of the trust entries."""
    ordered = sorted(set(positions))
    digest = hashlib.sha256(b"".join(p.to_bytes(8, "big") for p in ordered)).hexdigest()
    return f"{TRUST_EXTENSION} {len(ordered)} {digest}"


def _committed(checkpoint: Checkpoint) -> str:
    lines = [e for e in checkpoint.extensions if e.split(" ", 1)[0] == TRUST_EXTENSION]
    if len(lines) != 1:
        raise BundleError(
            f"checkpoint: expected one '{TRUST_EXTENSION}' extension line committing to the "
            f"trust entries, found {len(lines)}"
        )
    return lines[0]


@dataclass(frozen=True, slots=True)
class ProvedEntry:
    """One log entry with its inclusion proof against the bundle's checkpoint."""

    index: int
    entry: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "entry": base64.b64encode(self.entry).decode("ascii"),
            "proof": [base64.b64encode(h).decode("ascii") for h in self.proof],
        }


def bundle_json(checkpoint: bytes, entries: Sequence[ProvedEntry], latest: ProvedEntry) -> bytes:
    """The bundle file's bytes (UTF-8 JSON, keys in a fixed order, one trailing newline)."""
    data = {
        "format": FORMAT,
        "checkpoint": checkpoint.decode("utf-8"),
        "entries": [e.to_json() for e in sorted(entries, key=lambda e: e.index)],
        "latest": latest.to_json(),
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class OpenedBundle:
    """A bundle checked against the node keys: the trust it yields and one line per check."""

    trust: TrustBundle
    checks: tuple[Check, ...]
    checkpoint: Checkpoint


def _b64(value: object, where: str) -> bytes:
    if not isinstance(value, str):
        raise BundleError(f"{where}: expected base64 text, found {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise BundleError(f"{where}: expected standard base64, found {value[:40]!r}: {e}") from e


def _proved(value: object, where: str) -> ProvedEntry:
    if not isinstance(value, Mapping) or set(value) != {"index", "entry", "proof"}:
        raise BundleError(f"{where}: expected an object with index, entry and proof")
    index = value["index"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise BundleError(f"{where}.index: expected a non-negative integer, found {index!r:.40}")
    proof = value["proof"]
    if not isinstance(proof, list):
        raise BundleError(f"{where}.proof: expected a list of base64 hashes")
    return ProvedEntry(
        index,
        _b64(value["entry"], f"{where}.entry"),
        tuple(_b64(h, f"{where}.proof[{i}]") for i, h in enumerate(proof)),
    )


def _genesis_parties(
    proved: Sequence[ProvedEntry], checkpoint: Checkpoint, node_keys: Sequence[Verifier]
) -> list[str]:
    """The parties the genesis names, once the node keys given are exactly theirs."""
    genesis = next((p for p in proved if p.index == 0), None)
    if genesis is None:
        raise BundleError("entries: expected the log's genesis (entry 0, regime.adopt); missing")
    _, act = _entry_act(genesis, checkpoint.origin)
    if not isinstance(act, acts.RegimeAdopt):
        raise BundleError(f"entry 0: expected regime.adopt, found {act.TYPE}")
    declared = {spec.node_verifier: party for party, spec in act.parties.items()}
    given = {v.vkey for v in node_keys}
    missing = [party for vkey, party in declared.items() if vkey not in given]
    unknown = sorted(given - set(declared))
    if missing or unknown:
        raise BundleError(
            f"node keys: expected exactly the node keys of every party the genesis names "
            f"({', '.join(declared.values())}); missing those of {missing}, "
            f"found {len(unknown)} key(s) of no party"
        )
    return list(act.parties)


def _entry_act(proved: ProvedEntry, origin: str) -> tuple[Entry, acts.Act]:
    where = f"entry {proved.index}"
    try:
        entry = Entry.decode(proved.entry, index=proved.index)
        act = acts.parse_act(entry.proposal.content.act)
    except (ConsentError, acts.ActError) as e:
        raise BundleError(f"{where}: not an entry of a jointzone log: {e}") from e
    if entry.proposal.content.origin != origin:
        raise BundleError(
            f"{where}: made for log {entry.proposal.content.origin!r}, expected {origin!r}"
        )
    return entry, act


def open_bundle(data: bytes, node_keys: Sequence[Verifier]) -> OpenedBundle:
    """Check a bundle against every party's node key and derive the trust it carries.

    Raises :class:`BundleError` naming what is wrong: the JSON, the checkpoint's signatures (every
    party's node must have signed), an inclusion proof, an entry.
    """
    if len(data) > MAX_BUNDLE_SIZE:
        raise BundleError(f"bundle of {len(data)} bytes: expected at most {MAX_BUNDLE_SIZE}")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BundleError(f"not a trust bundle: expected UTF-8 JSON: {e}") from e
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise BundleError(f"not a trust bundle: expected format {FORMAT!r}, found {found!r:.60}")
    if set(raw) != {"format", "checkpoint", "entries", "latest"}:
        raise BundleError(
            f"trust bundle: expected keys checkpoint, entries, format, latest; found {sorted(raw)}"
        )
    if not isinstance(raw["checkpoint"], str) or not isinstance(raw["entries"], list):
        raise BundleError("trust bundle: expected checkpoint text and a list of entries")
    if not node_keys:
        raise BundleError("no node keys given: expected every party's node verifier key")
    try:
        checkpoint, _ = open_checkpoint(raw["checkpoint"].encode("utf-8"), node_keys, require="all")
    except TlogError as e:
        raise BundleError(
            f"checkpoint: expected a signature of every party's node given ({len(node_keys)} "
            f"keys): {e}"
        ) from e
    checks = [
        Check(
            "checkpoint",
            CheckStatus.PASS,
            f"size {checkpoint.size}, signed by each of the {len(node_keys)} node keys given",
        )
    ]
    proved = [_proved(e, f"entries[{i}]") for i, e in enumerate(raw["entries"])]
    latest = _proved(raw["latest"], "latest")
    if latest.index != checkpoint.size - 1:
        raise BundleError(
            f"latest.index: expected {checkpoint.size - 1} (the checkpoint's last entry), "
            f"found {latest.index}"
        )
    for p in [*proved, latest]:
        try:
            verify_inclusion(
                leaf_hash=leaf_hash(p.entry),
                index=p.index,
                size=checkpoint.size,
                proof=p.proof,
                root=checkpoint.root,
            )
        except TlogError as e:
            raise BundleError(f"entry {p.index}: inclusion proof fails: {e}") from e
    checks.append(
        Check(
            "inclusion proofs",
            CheckStatus.PASS,
            f"{len(proved) + 1} entries proved in the checkpoint's tree",
        )
    )
    parties = _genesis_parties(proved, checkpoint, node_keys)
    checks.append(
        Check(
            "parties",
            CheckStatus.PASS,
            f"the node keys given are those of every party the log's genesis names "
            f"({', '.join(parties)})",
        )
    )
    committed = _committed(checkpoint)
    given = trust_extension(p.index for p in proved if p.index != 0)
    if given != committed:
        raise BundleError(
            f"entries: the checkpoint commits to trust entries '{committed}', the bundle carries "
            f"'{given}': an entry was left out or added"
        )
    checks.append(
        Check(
            "complete",
            CheckStatus.PASS,
            f"the bundle carries every key and revocation entry the checkpoint commits to "
            f"({committed.split(' ')[1]})",
        )
    )
    latest_entry, _ = _entry_act(latest, checkpoint.origin)
    trust = _derive([p for p in proved if p.index != 0], checkpoint, parties, latest_entry.time)
    checks.append(
        Check(
            "bundle time",
            CheckStatus.INFO,
            f"{latest_entry.time.strftime('%Y-%m-%dT%H:%M:%SZ')}, the time of the checkpoint's "
            f"last entry ({latest.index}, proved above)",
        )
    )
    checks.append(
        Check(
            "trust",
            CheckStatus.INFO,
            f"{sum(len(p.keys) for p in trust.parties)} certificate key(s) of "
            f"{len(trust.parties)} parties, {len(trust.revoked)} revoked certificate(s)",
        )
    )
    return OpenedBundle(trust=trust, checks=tuple(checks), checkpoint=checkpoint)


def _derive(
    proved: Sequence[ProvedEntry],
    checkpoint: Checkpoint,
    parties: Sequence[str],
    issued_at: datetime,
) -> TrustBundle:
    keys: dict[str, dict[bytes, bytes]] = {party: {} for party in parties}
    revoked: set[bytes] = set()
    issuers: set[str] = set()
    seen: set[int] = set()
    for p in sorted(proved, key=lambda e: e.index):
        if p.index in seen:
            raise BundleError(f"entry {p.index}: given more than once")
        seen.add(p.index)
        entry, act = _entry_act(p, checkpoint.origin)
        issuers.add(entry.proposal.content.regime_id)
        if isinstance(act, acts.CertificateKeyAct):
            if act.party not in keys:
                raise BundleError(
                    f"entry {p.index}: a certificate key of {act.party!r}, which is not a party "
                    f"the genesis names ({sorted(keys)})"
                )
            if acts.certificate_key_id(act.public_key) != act.key_id:
                raise BundleError(f"entry {p.index}: key id {act.key_id} does not match its key")
            kid = bytes.fromhex(act.key_id)
            if act.retire:
                keys[act.party].pop(kid, None)
            else:
                keys[act.party][kid] = act.public_key
        elif isinstance(act, acts.CertificateRevoke):
            revoked.add(revocation_hash(act.certificate.encode("utf-8")))
        else:
            raise BundleError(
                f"entry {p.index}: expected one of {list(_TRUST_TYPES)}, found {act.TYPE}"
            )
    missing = [party for party, k in keys.items() if not k]
    if missing:
        raise BundleError(
            f"no certificate key of {missing} in the bundle: expected every party's, since a "
            "certificate is valid only with every party's signature"
        )
    if len(issuers) != 1:
        raise BundleError(f"entries of {len(issuers)} regimes ({sorted(issuers)}); expected one")
    return TrustBundle(
        issuer=issuers.pop(),
        parties=tuple(
            PartyKeys(party, {kid: Ed25519PublicKey.from_public_bytes(pk) for kid, pk in k.items()})
            for party, k in keys.items()
        ),
        issued_at=issued_at,
        revoked=frozenset(revoked),
    )
