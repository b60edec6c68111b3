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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BeforeValidator, Field, Strict, ValidationError

from jointzone import acts, inputs
from jointzone.consent import ConsentError, Entry
from jointzone.credentials import (
    Check,
    CheckStatus,
    PartyKeys,
    Revocation,
    TrustBundle,
    revocation_hash,
)
from jointzone.regime import Regime, RegimeError
from jointzone.regime._model import Frozen
from jointzone.regime._validation import problems
from jointzone.tlog import (
    Checkpoint,
    CosignatureVerifier,
    Note,
    TlogError,
    Verifier,
    leaf_hash,
    open_checkpoint,
    verify_inclusion,
)
from jointzone.trust.errors import BundleError

FORMAT = "jointzone-trust-bundle/1"
TRUST_EXTENSION = "jointzone-trust"
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
    #: The regime the genesis adopted: the names of places, parties and categories that a
    #: certificate carries as codes.
    regime: Regime


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


class _ProvedDoc(Frozen):
    """One ``{"index": N, "entry": "...", "proof": [...]}`` object of the bundle file."""

    index: Annotated[int, Field(ge=0)]
    entry: _Base64
    proof: Annotated[tuple[_Base64, ...], Strict(False)]

    def proved(self) -> ProvedEntry:
        return ProvedEntry(self.index, self.entry, self.proof)


class _BundleDoc(Frozen):
    """The bundle file as a whole (the module docstring shows it); no other key is allowed."""

    format: Literal["jointzone-trust-bundle/1"]  # FORMAT, spelt out: Literal takes no names
    checkpoint: str
    entries: Annotated[tuple[_ProvedDoc, ...], Strict(False)]
    latest: _ProvedDoc


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
        raise BundleError("trust bundle: " + "; ".join(problems(e))) from None


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
                f"checkpoint: no timestamped cosignature by {key.name}: every party's node must "
                "vouch for a bundle (trust export asks each one)"
            )
        if not cosigner.verify(message, found[0].signature):
            raise BundleError(f"checkpoint: the cosignature by {key.name} does not verify")
        times.append(CosignatureVerifier.timestamp(found[0]))
    return datetime.fromtimestamp(min(times), UTC)


def _genesis_regime(proved: Sequence[ProvedEntry], checkpoint: Checkpoint) -> Regime:
    """The regime the genesis adopted: its bundle age and clock skew, and its names."""
    genesis = next(p for p in proved if p.index == 0)
    _, act = _entry_act(genesis, checkpoint.origin)
    assert isinstance(act, acts.RegimeAdopt)  # _genesis_parties refused anything else
    try:
        return Regime.from_canonical(act.regime)
    except RegimeError as e:
        raise BundleError(f"entry 0: the regime it adopts is not valid: {e}") from e


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
    limit = inputs.TRUST_BUNDLE.max_bytes
    if len(data) > limit:
        raise BundleError(f"bundle of {len(data):,} bytes: expected at most {limit:,}")
    doc = _document(data)
    if not node_keys:
        raise BundleError("no node keys given: expected every party's node verifier key")
    try:
        checkpoint, note = open_checkpoint(doc.checkpoint.encode("utf-8"), node_keys, require="all")
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
    proved = [e.proved() for e in doc.entries]
    latest = doc.latest.proved()
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
    made = _vouched_at(note, node_keys)
    regime = _genesis_regime(proved, checkpoint)
    max_age, skew = regime.trust_bundle_max_age, regime.clock_skew
    if made < latest_entry.time - skew:
        raise BundleError(
            f"checkpoint: the nodes vouched for it at {_stamp(made)}, before its last entry was "
            f"made ({_stamp(latest_entry.time)}): the timestamps cannot be right"
        )
    trust = replace(
        _derive([p for p in proved if p.index != 0], checkpoint, parties, made),
        max_age=max_age,
        skew=skew,
    )
    checks.append(
        Check(
            "bundle time",
            CheckStatus.INFO,
            f"made {_stamp(made)}: every party's node vouched then that the checkpoint was its "
            f"latest (the oldest of {len(node_keys)} timestamped cosignatures); its last entry "
            f"is of {_stamp(latest_entry.time)}",
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
    return OpenedBundle(trust=trust, checks=tuple(checks), checkpoint=checkpoint, regime=regime)


def _derive(
    proved: Sequence[ProvedEntry],
    checkpoint: Checkpoint,
    parties: Sequence[str],
    issued_at: datetime,
) -> TrustBundle:
    keys: dict[str, dict[bytes, bytes]] = {party: {} for party in parties}
    revoked: dict[bytes, Revocation] = {}
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
            reason = "; ".join(f"{lang}: {text}" for lang, text in act.reason.items())
            revoked[revocation_hash(act.certificate.encode("utf-8"))] = Revocation(
                entry.time, reason
            )
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
        revocations=revoked,
    )
