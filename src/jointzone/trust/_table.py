"""The verifier table: everything an offline verifier reads of the log, as of one checkpoint.

An officer's verifier needs the parties and their node keys, every certificate key and
revocation, the names of the places, categories and projects a certificate carries as codes,
and the regime's bundle age and clock skew. Each node computes that table from its own state
(:func:`verifier_table`), and every checkpoint it signs carries one extension line (C2SP
tlog-checkpoint allows them) committing to the table's SHA-256 (:func:`encode_verifier_table`,
:func:`verifier_extension`)::

    jointzone-verifier <hex SHA-256 of the table's bytes>

A witness signs no checkpoint whose text differs from the one its own log and state give, so the
line is as trustworthy as the checkpoint: a bundle carrying the table in place of the log's
entries is checked by hashing it, and an exporter cannot leave out a key or a revocation, or
rename a place, without the hash failing. The table holds every ``certificate.key`` (declared
and, when retired, retired; when declared compromised, by ``certificate.compromise`` or the
``certificate.key`` that retired it, compromised) and every ``certificate.revoke``, each with its
log position, so it says all that the positions line of ``jointzone-trust-bundle/1`` committed
to, and that line is gone. A retired key's certificates stay valid until they expire, so the
table keeps it, with when it was retired; a compromised key's are valid no more.

**Encoding: deterministic CBOR (RFC 8949 §4.2.1), not RFC 8785 JSON.** A verifier already
decodes CBOR, since the certificate it checks is a COSE_Sign in it; the project signs every act
with one encoder whose every rule is visible (:func:`jointzone.cose.encode_deterministic`); keys,
kids and revocation hashes stay byte strings; and JCS would bring a second canonical form, with
its UTF-16 key order and ECMAScript number formatting, to implement and keep in agreement in
Python and in the browser. The verifier never re-encodes: it hashes the bytes it was given, and
only then decodes them, strictly (a departure from §4.2.1 is refused). In the bundle file the
table travels zlib-compressed (RFC 1950, as the certificate's own bytes do) and base64-encoded;
the digest is of the uncompressed table, since deflate output differs between zlib builds.

The table, in CDDL (RFC 8610); every key is required, arrays keep the order given::

    VerifierTable = {
      "format": "jointzone-verifier-table/2",
      "origin": tstr,                 ; the log's origin, as the checkpoint's first line
      "size": uint,                   ; the checkpoint's tree size
      "time": NumericDate,            ; the time of the entry at size - 1
      "issuer": ref,                  ; the regime's id: a certificate's iss
      "languages": [+ language],      ; the regime's languages, in its order
      "name_order": {+ language => [+ ref]},   ; parties in the order their names are written
      "max_age": uint,                ; seconds: the oldest bundle a verifier accepts
      "skew": uint,                   ; seconds: how far ahead of its clock a bundle may be dated
      "parties": [+ Party],           ; in the regime's order
      "keys": [* Key],                ; every certificate key ever declared, in declaration order
      "revoked": [* Revocation],      ; every revocation, in log order
      "places": [* Place],            ; the gazetteer, in its order
      "categories": [+ Category],     ; in the regime's order
      "projects": [* Project],        ; every project approved, by number
    }
    Party = {"id": ref, "names": Names, "node_key": tstr}   ; node_key: a C2SP note verifier key
    Key = {"kid": bstr .size 4, "party": ref, "public_key": bstr .size 32,
           "declared": Event, "retired": Event / null,
           "compromised": Event / null}          ; a compromised key is retired too
    Revocation = {"hash": bstr .size 16, "revoked": Event, "reason": Names}
    Place = {"ref": ref, "code": uint / null, "parent": ref / null,
             "names": {+ ref => Names}, "aliases": {* ref => {* language => [* tstr]}}}
    Category = {"id": ref, "code": uint / null, "names": Names}
    Project = {"number": uint, "id": ref, "category": ref, "title": Names}
    Event = {"position": uint, "time": NumericDate}     ; the log entry that made the change
    Names = {* language => tstr}
    NumericDate = uint                                   ; whole seconds since 1970, UTC

``hash`` is ``SHA-256(UTF-8 certificate id)[0:16]``, as a certificate's revocation is checked: the
table names no certificate, and so no person. A place's ``names`` and ``aliases`` are keyed by
party, then by language, as the gazetteer's are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, ValidationError, model_validator

from jointzone import acts
from jointzone.cose import CborError, Encoded, decode, encode_deterministic
from jointzone.credentials import CERTIFICATE_KID_SIZE, REVOCATION_HASH_SIZE, revocation_hash
from jointzone.regime import Regime
from jointzone.regime._model import Frozen, Language, Ref
from jointzone.regime._validation import ProblemsError, problems
from jointzone.trust.errors import TableError

TABLE_FORMAT = "jointzone-verifier-table/2"
VERIFIER_EXTENSION = "jointzone-verifier"
#: The largest table a reader inflates: far beyond any zone's gazetteer and revocation list,
#: and a bound on what a zlib bomb can cost.
MAX_TABLE_SIZE = 16_000_000
_ED25519_KEY_SIZE = 32
_MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z, as the certificate's NumericDate

_Text = Annotated[str, Field(min_length=1)]
_Names = dict[Language, _Text]
_Date = Annotated[int, Field(ge=0, le=_MAX_NUMERIC_DATE)]
_Count = Annotated[int, Field(ge=0, lt=2**63)]


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


class TableEvent(Frozen):
    """Where in the log, and when, a key was declared or retired or a certificate revoked."""

    position: _Count
    time: _Date

    @property
    def moment(self) -> datetime:
        return _instant(self.time)


class TableParty(Frozen):
    """A party: its names, and its node's C2SP note verifier key, which a verifier pins."""

    id: Ref
    names: _Names
    node_key: _Text


class TableKey(Frozen):
    """A certificate-signing key as the log declared it, and retired it and declared it
    compromised if it did."""

    kid: Annotated[bytes, Field(min_length=CERTIFICATE_KID_SIZE, max_length=CERTIFICATE_KID_SIZE)]
    party: Ref
    public_key: Annotated[bytes, Field(min_length=_ED25519_KEY_SIZE, max_length=_ED25519_KEY_SIZE)]
    declared: TableEvent
    retired: TableEvent | None
    compromised: TableEvent | None


class TableRevocation(Frozen):
    """A revoked certificate, by its revocation hash, with when and why."""

    hash: Annotated[bytes, Field(min_length=REVOCATION_HASH_SIZE, max_length=REVOCATION_HASH_SIZE)]
    revoked: TableEvent
    reason: _Names


class TablePlace(Frozen):
    """A place of the gazetteer as a verifier shows it and looks it up: by ref, code, name or
    alias, and within which place it lies."""

    ref: Ref
    code: Annotated[int, Field(ge=0, lt=2**32)] | None
    parent: Ref | None
    names: dict[Ref, _Names]
    aliases: dict[Ref, dict[Language, Annotated[tuple[_Text, ...], Strict(False)]]]

    def name(self, party: str, language: str) -> str:
        """``party``'s name for the place in ``language`` (the table holds every one)."""
        return self.names.get(party, {}).get(language, self.ref)

    def spellings(self) -> Iterable[str]:
        """Every way a person may name the place: ref, code, each party's names and aliases."""
        yield self.ref
        if self.code is not None:
            yield str(self.code)
        for by_language in self.names.values():
            yield from by_language.values()
        for forms_by_language in self.aliases.values():
            for forms in forms_by_language.values():
                yield from forms


class TableCategory(Frozen):
    id: Ref
    code: Annotated[int, Field(ge=0, lt=2**32)] | None
    names: _Names


class TableProject(Frozen):
    number: _Count
    id: Ref
    category: Ref
    title: _Names


class VerifierTable(Frozen):
    """The table the module docstring sets out; read it with :func:`verifier_table` or
    :meth:`from_cbor`, and encode it with :meth:`to_cbor` (which gives the bytes read)."""

    format: Literal["jointzone-verifier-table/2"]  # TABLE_FORMAT, spelt out for Literal
    origin: _Text
    size: Annotated[int, Field(ge=1, lt=2**63)]
    time: _Date
    issuer: Ref
    languages: Annotated[tuple[Language, ...], Strict(False)]
    name_order: dict[Language, Annotated[tuple[Ref, ...], Strict(False)]]
    max_age: Annotated[int, Field(ge=1)]
    skew: Annotated[int, Field(ge=1)]
    parties: Annotated[tuple[TableParty, ...], Strict(False)]
    keys: Annotated[tuple[TableKey, ...], Strict(False)]
    revoked: Annotated[tuple[TableRevocation, ...], Strict(False)]
    places: Annotated[tuple[TablePlace, ...], Strict(False)]
    categories: Annotated[tuple[TableCategory, ...], Strict(False)]
    projects: Annotated[tuple[TableProject, ...], Strict(False)]

    @model_validator(mode="after")
    def _consistent(self) -> VerifierTable:
        found = _cross_check(self)
        if found:
            raise ProblemsError(found)
        return self

    # -- bytes ----------------------------------------------------------------------------------

    def to_cbor(self) -> bytes:
        """The table's bytes: deterministic CBOR, what the checkpoint line hashes."""
        return encode_deterministic(self.model_dump())

    @classmethod
    def from_cbor(cls, data: bytes) -> VerifierTable:
        """The table in ``data``, which must be deterministic CBOR of the documented shape;
        raises :class:`TableError` naming the offset or the key path."""
        try:
            raw = decode(data)
        except CborError as e:
            raise TableError(f"expected deterministic CBOR: {e}") from e
        if not isinstance(raw, dict) or raw.get("format") != TABLE_FORMAT:
            found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
            raise TableError(f"expected format {TABLE_FORMAT!r}, found {found!r:.60}")
        try:
            return cls.model_validate(raw)
        except ValidationError as e:
            raise TableError("; ".join(problems(e))) from None

    # -- what a verifier looks up ---------------------------------------------------------------

    @property
    def moment(self) -> datetime:
        """The time of the checkpoint's last entry."""
        return _instant(self.time)

    @cached_property
    def _places(self) -> dict[str, TablePlace]:
        return {p.ref: p for p in self.places}

    @cached_property
    def _codes(self) -> dict[int, TablePlace]:
        return {p.code: p for p in self.places if p.code is not None}

    def place(self, carried: int | str) -> TablePlace | None:
        """The place a certificate carries as a code (a number) or a ref, if the table has it."""
        return self._codes.get(carried) if isinstance(carried, int) else self._places.get(carried)

    def is_within(self, ref: str, ancestor: str) -> bool:
        """Whether ``ref`` is ``ancestor`` or lies under it by ``parent`` links."""
        seen: set[str] = set()
        at: str | None = ref
        while at is not None and at not in seen:
            if at == ancestor:
                return True
            seen.add(at)
            place = self._places.get(at)
            at = None if place is None else place.parent
        return False

    def party(self, party: str) -> TableParty | None:
        return next((p for p in self.parties if p.id == party), None)

    def category(self, carried: int | str) -> TableCategory | None:
        """The category a certificate carries as its code or its id."""
        return next((c for c in self.categories if carried in (c.code, c.id)), None)

    def project(self, carried: int | str) -> TableProject | None:
        """The project a certificate carries as its number or its id."""
        return next((p for p in self.projects if carried in (p.number, p.id)), None)

    def node_keys(self) -> dict[str, str]:
        """Each party's node verifier key, by party, in the regime's order."""
        return {p.id: p.node_key for p in self.parties}


def verifier_extension(table: bytes) -> str:
    """The checkpoint extension line committing to ``table`` (its encoded bytes)."""
    return f"{VERIFIER_EXTENSION} {hashlib.sha256(table).hexdigest()}"


def encode_verifier_table(state: acts.State) -> bytes:
    """The encoded table of ``state``: the regime in force and what the log holds at
    ``state.size``; what every checkpoint's line hashes, so every node computes the same bytes
    from the same log.

    A node makes one at every checkpoint it signs or witnesses, so the regime's part (most of
    the bytes: the gazetteer) is encoded once per regime and reused. Raises
    :class:`TableError` for a log with no regime adopted yet."""
    regime = state.regime
    if regime is None or state.last_time is None:
        raise TableError("the log is empty: no regime adopted, so no table to make")
    certificates = state.certificates

    def event(e: acts.Event) -> dict[str, int]:
        return {"position": e.position, "time": _seconds(e.time)}

    def revocation(certificate: str) -> dict[str, Any]:
        record = certificates[certificate]
        assert record.revoked is not None  # state.revoked lists revoked certificates only
        return {
            "hash": revocation_hash(certificate.encode("utf-8")),
            "revoked": event(record.revoked),
            "reason": dict(record.revocation_reason or {}),
        }

    data = {
        **_regime_part(regime, tuple(state.node_verifiers().items())),
        "size": state.size,
        "time": _seconds(state.last_time),
        "keys": [
            {
                "kid": bytes.fromhex(k.key_id),
                "party": k.party,
                "public_key": k.public_key,
                "declared": event(k.declared),
                "retired": None if k.retired is None else event(k.retired),
                "compromised": None if k.compromised is None else event(k.compromised),
            }
            for k in state.certificate_keys.values()
        ],
        "revoked": [revocation(c) for c in state.revoked],
        "projects": [
            {"number": p.number, "id": p.id, "category": p.category, "title": dict(p.title)}
            for p in sorted(state.projects.values(), key=lambda p: p.number)
        ],
    }
    return encode_deterministic(data)


#: The regime parts made lately, by the regime object's identity (comparing two regimes field
#: by field costs as much as encoding one): the regime, the node keys, the part.
_REGIME_PARTS: dict[int, tuple[Regime, tuple[tuple[str, str], ...], dict[str, Encoded]]] = {}
_KEPT_REGIME_PARTS = 8


def _regime_part(regime: Regime, node_keys: tuple[tuple[str, str], ...]) -> dict[str, Encoded]:
    """The table's items that only the regime in force and the node keys decide, encoded."""
    kept = _REGIME_PARTS.get(id(regime))
    if kept is not None and kept[0] is regime and kept[1] == node_keys:
        return kept[2]
    part = _encode_regime_part(regime, node_keys)
    if len(_REGIME_PARTS) >= _KEPT_REGIME_PARTS:
        _REGIME_PARTS.clear()  # one call: safe beside another thread's lookups
    # Held with the regime itself, so that its id is not reused while it is kept.
    _REGIME_PARTS[id(regime)] = (regime, node_keys, part)
    return part


def _encode_regime_part(
    regime: Regime, node_keys: tuple[tuple[str, str], ...]
) -> dict[str, Encoded]:
    keys = dict(node_keys)
    data = {
        "format": TABLE_FORMAT,
        "origin": regime.origin,
        "issuer": regime.id,
        "languages": regime.languages,
        "name_order": regime.name_orders,
        "max_age": int(regime.trust_bundle_max_age.total_seconds()),
        "skew": regime.clock_skew_seconds,
        "parties": [{"id": p.id, "names": p.names, "node_key": keys[p.id]} for p in regime.parties],
        "places": [
            {
                "ref": p.ref,
                "code": p.code,
                "parent": p.parent,
                "names": p.names,
                "aliases": p.aliases,
            }
            for p in regime.places
        ],
        "categories": [{"id": c.id, "code": c.code, "names": c.names} for c in regime.categories],
    }
    return {k: Encoded(encode_deterministic(v)) for k, v in data.items()}


def verifier_table(state: acts.State) -> VerifierTable:
    """The table of ``state``, read back from :func:`encode_verifier_table`'s bytes as a verifier
    reads it, so what a node shows from its own state is what an officer's verifier shows."""
    return VerifierTable.from_cbor(encode_verifier_table(state))


# -- cross-checks --------------------------------------------------------------------------------


def _repeated(values: Iterable[object], at: str) -> list[str]:
    """A line for each value (None aside) seen before, at its ``at.format(index)``."""
    seen: set[object] = set()
    found = []
    for i, v in enumerate(values):
        if v is None:
            continue
        if v in seen:
            found.append(f"{at.format(i)}: expected each once, found {v!r:.60} again")
        seen.add(v)
    return found


def _complete(names: Mapping[str, str], languages: Iterable[str], at: str) -> list[str]:
    missing = [lang for lang in languages if lang not in names]
    return [f"{at}: expected a name in every language, missing {missing}"] if missing else []


def _cross_check(t: VerifierTable) -> list[str]:
    """Every rule tying one part of the table to another, so that a lookup has one answer."""
    parties = [p.id for p in t.parties]
    found = _repeated(t.languages, "languages[{}]")
    found += _repeated(parties, "parties[{}].id")
    for lang in t.languages:
        order = t.name_order.get(lang)
        if order is None or sorted(order) != sorted(parties):
            found.append(f"name_order.{lang}: expected every party once, found {order}")
    for i, p in enumerate(t.parties):
        found += _complete(p.names, t.languages, f"parties[{i}].names")
    found += _repeated((k.kid for k in t.keys), "keys[{}].kid")
    for i, k in enumerate(t.keys):
        if k.party not in parties:
            found.append(f"keys[{i}].party: expected one of {parties}, found {k.party!r}")
        if hashlib.sha256(k.public_key).digest()[:CERTIFICATE_KID_SIZE] != k.kid:
            found.append(f"keys[{i}].kid: {k.kid.hex()} is not the kid of its public key")
        if k.compromised is not None and k.retired is None:
            found.append(f"keys[{i}].retired: expected the retirement of a compromised key")
    found += _repeated((r.hash for r in t.revoked), "revoked[{}].hash")
    refs = [p.ref for p in t.places]
    found += _repeated(refs, "places[{}].ref")
    found += _repeated((p.code for p in t.places), "places[{}].code")
    for i, place in enumerate(t.places):
        if place.parent is not None and place.parent not in refs:
            found.append(f"places[{i}].parent: no place {place.parent!r} in the table")
        for party in parties:
            names = place.names.get(party, {})
            found += _complete(names, t.languages, f"places[{i}].names.{party}")
    found += _repeated((c.id for c in t.categories), "categories[{}].id")
    found += _repeated((c.code for c in t.categories), "categories[{}].code")
    for i, c in enumerate(t.categories):
        found += _complete(c.names, t.languages, f"categories[{i}].names")
    found += _repeated((p.number for p in t.projects), "projects[{}].number")
    found += _repeated((p.id for p in t.projects), "projects[{}].id")
    categories = [c.id for c in t.categories]
    found += [
        f"projects[{i}].category: no category {project.category!r} in the table"
        for i, project in enumerate(t.projects)
        if project.category not in categories
    ]
    return found
