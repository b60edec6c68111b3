"""Certificate acts: each party's certificate-signing keys, issuing and revoking certificates.

A certificate is issued by one act that every party's certificate issuer signs; the document a
participant carries is then built from the committed entry and the state alone, and each party's
node signs it with its own party's certificate key (see :mod:`jointzone.credentials`). So the log
holds everything a document says, and the document can say nothing the log does not.

- ``certificate.key`` declares (or retires) a party's signing key, under that party's root keys:
  which key speaks for a party is the party's own business, as with its officials. The key id is
  the hex of the key's COSE kid — the first 4 bytes of SHA-256 of the raw public key, as
  :func:`jointzone.cose.key_id` computes with ``size=4`` — so a kid read from a QR code names one
  declared key, and a clash between two keys is refused here rather than discovered at a border.
  A key is rotated by declaring the next one and retiring the old: the old key signs the
  certificates of entries up to its retirement, and those stay valid until they expire. Retired
  with ``compromised``, it is declared compromised instead: none of its certificates is valid
  any more, whenever it was issued.
- ``certificate.compromise`` declares a key compromised by an act every party signs (the
  regime's policy says whose signatures), retiring it too if it was not retired yet: a key that
  was retired in the ordinary way and later found compromised, or one whose party's root keys
  are out of reach when it must stop.
- ``certificate.issue`` takes the participant's names and party of origin from the participant
  registry, and its issue time is the entry's. Permitted places must be places of the zone that
  are one of the project's sites or lie under one (by the gazetteer's ``parent`` links), and each
  must have a gazetteer ``code``: the QR code carries codes, not refs.
- ``certificate.revoke`` may be signed by any one party alone (its policy says so): each party
  keeps the power to protect its own security.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from pydantic import Field, model_validator

from jointzone.acts._checks import (
    Commit,
    Context,
    RuleTable,
    check_languages,
    check_new_id,
    check_party,
    check_place,
    regime_of,
    rejected,
)
from jointzone.acts._participants import enrolled
from jointzone.acts._state import CertificateKey, CertificateRecord, KeyPeriod, State
from jointzone.acts._types import (
    Act,
    ActModel,
    PlaceRefs,
    PublicKey,
    Ref,
    Texts,
    ValidFrom,
    ValidTo,
    check_validity,
    instant_text,
)
from jointzone.regime._validation import ProblemsError

#: Bytes of the key's SHA-256 that make its kid (see the module docstring).
CERTIFICATE_KID_SIZE = 4


def certificate_key_id(public_key: bytes) -> str:
    """The key id of a certificate-signing key: hex of its 4-byte kid."""
    return hashlib.sha256(public_key).digest()[:CERTIFICATE_KID_SIZE].hex()


class CertificateKeyAct(Act):
    """Declare a party's certificate-signing key (valid from the next entry), or retire it."""

    TYPE = "certificate.key"

    party: Ref
    key_id: Ref
    public_key: PublicKey
    retire: bool = False
    #: With ``retire``: the key is retired because it is compromised, and every certificate it
    #: signed stops being valid (retired without it, they stay valid until they expire).
    compromised: bool = False

    @property
    def own_party(self) -> str | None:
        return self.party

    @model_validator(mode="after")
    def _compromise_retires(self) -> CertificateKeyAct:
        if self.compromised and not self.retire:
            raise ProblemsError(
                ["compromised: expected retire: true with it (a compromised key is retired)"]
            )
        return self


class CertificateCompromise(Act):
    """Declare a party's certificate key compromised: none of its certificates is valid any
    more."""

    TYPE = "certificate.compromise"
    TEXT_FIELDS = ("reason",)

    party: Ref
    key_id: Ref
    reason: Texts

    @property
    def own_party(self) -> str | None:
        return self.party


class Purpose(ActModel):
    """Why the participant travels: a project and its category."""

    project: Ref
    category: Ref


class CertificateIssue(Act):
    """Issue a participant's certificate; every party's certificate issuer signs."""

    TYPE = "certificate.issue"

    certificate: Ref
    participant: Ref
    purpose: Purpose
    places: Annotated[PlaceRefs, Field(min_length=1, max_length=16)]
    valid_from: ValidFrom
    valid_to: ValidTo

    @model_validator(mode="after")
    def _validity(self) -> CertificateIssue:
        check_validity(self.valid_from, self.valid_to)
        return self


class CertificateRevoke(Act):
    """Revoke a certificate, with the reason; any one party may."""

    TYPE = "certificate.revoke"
    TEXT_FIELDS = ("reason",)

    certificate: Ref
    reason: Texts


def declare_key(state: State, act: CertificateKeyAct, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_party(regime, act, act.party, "party")
    expected = certificate_key_id(act.public_key)
    if act.key_id != expected:
        raise rejected(
            act,
            f"key_id: expected {expected!r} (hex of the first {CERTIFICATE_KID_SIZE} bytes of "
            f"SHA-256 of the public key), found {act.key_id!r}",
        )
    existing = state._certificate_keys.get(act.key_id)
    if act.retire:
        if existing is None:
            raise rejected(act, f"key_id: no certificate key {act.key_id!r} has been declared")
        if existing.party != act.party:
            raise rejected(
                act, f"key_id: {act.key_id!r} is a key of {existing.party!r}, not of {act.party!r}"
            )
        if existing.retired is not None:
            hint = " (certificate.compromise declares a retired key compromised)"
            raise rejected(
                act,
                f"key_id: {act.key_id!r} was retired at position {existing.retired.position}"
                + (hint if act.compromised else ""),
            )

        if existing.public_key != act.public_key:
            raise rejected(act, f"public_key: expected the public key declared for {act.key_id!r}")

        def retire() -> None:
            period = KeyPeriod(existing.public_key, existing.period.valid_from, ctx.position + 1)
            state._certificate_keys[act.key_id] = CertificateKey(
                existing.key_id,
                existing.party,
                existing.public_key,
                period,
                existing.declared,
                retired=ctx.event,
                compromised=ctx.event if act.compromised else None,
            )

        return retire
    if existing is not None:
        raise rejected(
            act, f"key_id: certificate key {act.key_id!r} was already declared (never reused)"
        )
    owner = state._key_owner.get(act.public_key)
    if owner is not None:
        raise rejected(
            act, f"public_key: this key is already used by {owner!r} (keys are never reused)"
        )

    def declare() -> None:
        state._certificate_keys[act.key_id] = CertificateKey(
            act.key_id,
            act.party,
            act.public_key,
            KeyPeriod(act.public_key, ctx.position + 1),
            ctx.event,
        )
        state._key_owner[act.public_key] = act.key_id

    return declare


def compromise(state: State, act: CertificateCompromise, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_party(regime, act, act.party, "party")
    existing = state._certificate_keys.get(act.key_id)
    if existing is None:
        raise rejected(act, f"key_id: no certificate key {act.key_id!r} has been declared")
    if existing.party != act.party:
        raise rejected(
            act, f"key_id: {act.key_id!r} is a key of {existing.party!r}, not of {act.party!r}"
        )
    if existing.compromised is not None:
        raise rejected(
            act,
            f"key_id: {act.key_id!r} was declared compromised at position "
            f"{existing.compromised.position}",
        )
    check_languages(regime, act, act.reason, "reason")

    def commit() -> None:
        period = existing.period
        if existing.retired is None:
            period = KeyPeriod(existing.public_key, period.valid_from, ctx.position + 1)
        state._certificate_keys[act.key_id] = CertificateKey(
            existing.key_id,
            existing.party,
            existing.public_key,
            period,
            existing.declared,
            retired=existing.retired or ctx.event,
            compromised=ctx.event,
        )

    return commit


def issue(state: State, act: CertificateIssue, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    check_new_id(state._certificates, act, "certificate", act.certificate, "certificate")
    participant = enrolled(state, act, act.participant, "participant")
    project = state._projects.get(act.purpose.project)
    if project is None:
        raise rejected(
            act, f"purpose.project: no project {act.purpose.project!r} has been approved"
        )
    if project.status != "active":
        raise rejected(
            act,
            f"purpose.project: expected an active project, found {project.id!r} {project.status}",
        )
    if act.purpose.category != project.category:
        raise rejected(
            act,
            f"purpose.category: expected {project.category!r} (the category of {project.id!r}), "
            f"found {act.purpose.category!r}",
        )
    gazetteer = regime.gazetteer
    sites = [s.place for s in project.sites]
    for i, where in enumerate(act.places):
        at = f"places[{i}]"
        check_place(regime, act, where, at, in_zone=True)
        ref = where.place
        if not any(gazetteer.is_within(ref, site) for site in sites):
            raise rejected(
                act,
                f"{at}.place: expected one of the project's sites {sites} or a place within one, "
                f"found {ref!r}",
            )
        if gazetteer.place(ref).code is None:
            raise rejected(
                act,
                f"{at}.place: {ref!r} has no code in the gazetteer; a certificate carries codes",
            )
    if regime.category(project.category).code is None:
        raise rejected(
            act,
            f"purpose.category: {project.category!r} has no code in the regime; a certificate "
            "carries codes",
        )
    if act.valid_from < project.valid_from or act.valid_to > project.valid_to:
        raise rejected(
            act,
            f"valid_from..valid_to: expected within the project's validity "
            f"{instant_text(project.valid_from)}..{instant_text(project.valid_to)}, found "
            f"{instant_text(act.valid_from)}..{instant_text(act.valid_to)}",
        )
    if ctx.time >= act.valid_to:
        raise rejected(
            act,
            f"valid_to: {instant_text(act.valid_to)} is not after the issue time "
            f"{instant_text(ctx.time)}",
        )
    for party in regime.party_ids:
        if state.certificate_key_at(party, ctx.position) is None:
            raise rejected(
                act,
                f"party {party!r} has no certificate key valid at position {ctx.position}; "
                "a certificate needs every party's signature",
            )

    def commit() -> None:
        state._certificates[act.certificate] = CertificateRecord(
            id=act.certificate,
            participant=participant.id,
            party=participant.party,
            names=participant.names,
            project=project.id,
            category=project.category,
            places=tuple(p.place for p in act.places),
            valid_from=act.valid_from,
            valid_to=act.valid_to,
            issued=ctx.event,
            project_number=project.number,
        )

    return commit


def revoke(state: State, act: CertificateRevoke, ctx: Context) -> Commit:
    regime = regime_of(state, act)
    record = state._certificates.get(act.certificate)
    if record is None:
        raise rejected(act, f"certificate: no certificate {act.certificate!r} has been issued")
    if record.revoked is not None:
        raise rejected(
            act,
            f"certificate: {act.certificate!r} was already revoked at position "
            f"{record.revoked.position}",
        )
    check_languages(regime, act, act.reason, "reason")

    def commit() -> None:
        state._certificates[record.id] = CertificateRecord(
            id=record.id,
            participant=record.participant,
            party=record.party,
            names=record.names,
            project=record.project,
            category=record.category,
            places=record.places,
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            issued=record.issued,
            project_number=record.project_number,
            revoked=ctx.event,
            revocation_reason=act.reason,
        )
        state._revoked.append(record.id)

    return commit


RULES: RuleTable = {
    CertificateKeyAct: declare_key,
    CertificateCompromise: compromise,
    CertificateIssue: issue,
    CertificateRevoke: revoke,
}
