"""Certificate documents: each node signs its own party's signature, then they are put together.

After a ``certificate.issue`` entry is final, every node builds the certificate's claims from its
own replica of the state (:func:`jointzone.credentials.certificate_claims`: same entry, same
bytes on every node) and signs them with its own party's certificate key — the key that party
declared, valid at the entry's position, read from its own keystore. No node can sign for another
party: its keystore holds only its own party's keys, and a signature a peer sends is kept only if
it verifies under the key *that peer's party* declared in the log.

The assembled document orders the signatures by the regime's order of parties, so every node
holds the same bytes; it is stored only once every party's signature is in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import insert, select

from jointzone import acts
from jointzone.cose import CoseError, CoseSigner, SignedMessage, verify_signatures
from jointzone.credentials import (
    CERTIFICATE_AAD,
    Certificate,
    CertificateClaims,
    CredentialError,
    certificate_claims,
    sign_certificate,
)
from jointzone.node import _tables as t
from jointzone.node.errors import KeystoreError, NodeError

if TYPE_CHECKING:
    from jointzone.node._interface import NodeInterface
    from jointzone.node._node import Node


def claims_of(state: acts.State, certificate: str) -> CertificateClaims:
    """The claims of an issued certificate, from the state alone."""
    record = state.certificates.get(certificate)
    if record is None:
        raise NodeError(f"no certificate {certificate!r} has been issued in this log")
    return certificate_claims(
        state.regime_at(record.issued.position),
        certificate=record.id,
        names=record.names,
        party=record.party,
        project=record.project_number,
        category=record.category,
        places=record.places,
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        issued_at=record.issued_at,
    )


def _key_of(state: acts.State, party: str, certificate: str) -> acts.CertificateKey:
    record = state.certificates[certificate]
    key = state.certificate_key_at(party, record.issued.position)
    if key is None:  # certificate.issue refuses this; a log that says otherwise is broken
        raise NodeError(
            f"certificate {certificate!r}: party {party!r} has no certificate key valid at "
            f"position {record.issued.position}"
        )
    return key


def own_signature(node: Node, certificate: str) -> bytes:
    """The certificate signed by ``node``'s party only, as COSE_Sign bytes."""
    state = node.replica.state
    claims = claims_of(state, certificate)
    key = _key_of(state, node.party, certificate)
    if not node.keystore.has("certificate", key.key_id):
        raise KeystoreError(
            f"the node of {node.party!r} holds no certificate key {key.key_id!r}: a node signs "
            "certificates only with its own party's key"
        )
    signer = CoseSigner(
        kid=bytes.fromhex(key.key_id),
        private_key=node.keystore.private_key("certificate", key.key_id),
    )
    return sign_certificate(claims, [signer]).to_cose()


def _checked(
    state: acts.State, certificate: str, party: str, message: SignedMessage
) -> SignedMessage:
    """``message`` if it is ``party``'s one signature, under the key that party declared, on
    the claims this node builds from its own state; raises NodeError naming what is wrong."""
    claims = claims_of(state, certificate)
    try:
        theirs = Certificate(message).claims
    except CredentialError as e:
        raise NodeError(
            f"certificate {certificate!r}: {party!r}'s part is no certificate: {e}"
        ) from e
    if theirs != claims:
        raise NodeError(
            f"certificate {certificate!r}: {party!r} signed other claims than this node builds "
            "from the same entry"
        )
    key = _key_of(state, party, certificate)
    kid = bytes.fromhex(key.key_id)
    if message.kids() != (kid,):
        raise NodeError(
            f"certificate {certificate!r}: expected one signature by {party!r}'s key "
            f"{key.key_id}, found kids {[k.hex() if k else None for k in message.kids()]}"
        )
    public = Ed25519PublicKey.from_public_bytes(key.public_key)
    (check,) = verify_signatures(message, {kid: public}, external_aad=CERTIFICATE_AAD)
    if not check.valid:
        raise NodeError(
            f"certificate {certificate!r}: signature of {party!r} does not verify: {check.message}"
        )
    return message


def assemble(node: Node, certificate: str, peers: dict[str, NodeInterface]) -> Certificate:
    """Every party's signature on ``certificate``, asked of each peer, each checked against
    its party's key."""
    return assemble_from(node, certificate, ask(node, certificate, peers))


def ask(node: Node, certificate: str, peers: Mapping[str, NodeInterface]) -> dict[str, bytes]:
    """Each other party's signature on ``certificate``, as its node sends it (unchecked)."""
    out = {}
    for party in other_parties(node, certificate):
        if party not in peers:
            raise NodeError(f"certificate {certificate!r}: no peer of party {party!r} to ask")
        out[party] = peers[party].certificate_signature(certificate)
    return out


def assemble_from(node: Node, certificate: str, signatures: Mapping[str, bytes]) -> Certificate:
    """The document of ``certificate`` from this node's own signature and the other parties'
    ``signatures`` (COSE_Sign bytes as their nodes sent them), each checked against its
    party's key."""
    state = node.replica.state
    regime = state.regime_at(state.certificates[certificate].issued.position)
    parts = []
    for party in regime.party_ids:
        if party == node.party:
            data = own_signature(node, certificate)
        elif party in signatures:
            data = signatures[party]
        else:
            raise NodeError(f"certificate {certificate!r}: no signature of party {party!r}")
        try:
            message = SignedMessage.from_bytes(data)
        except CoseError as e:
            raise NodeError(
                f"certificate {certificate!r}: the node of {party!r} sent no certificate: {e}"
            ) from e
        parts.append(_checked(state, certificate, party, message))
    first = parts[0]
    return Certificate(
        SignedMessage(
            protected=first.protected,
            unprotected=first.unprotected,
            payload=first.payload,
            signatures=tuple(p.signatures[0] for p in parts),
        )
    )


def verify_document(state: acts.State, certificate: str, document: Certificate) -> None:
    """Check an assembled document: every party's signature, in the regime's order, each on
    the claims this state gives and under that party's declared key."""
    regime = state.regime_at(state.certificates[certificate].issued.position)
    message = document.message
    if len(message.signatures) != len(regime.party_ids):
        raise NodeError(
            f"certificate {certificate!r}: the stored document has {len(message.signatures)} "
            f"signatures, the regime {len(regime.party_ids)} parties"
        )
    for party, signature in zip(regime.party_ids, message.signatures, strict=True):
        _checked(
            state,
            certificate,
            party,
            SignedMessage(
                protected=message.protected,
                unprotected=message.unprotected,
                payload=message.payload,
                signatures=(signature,),
            ),
        )


def stored(node: Node, certificate: str) -> Certificate | None:
    """The stored document of ``certificate``, checked against the state (it is derived data)."""
    with node.store.engine.connect() as conn:
        row = conn.execute(
            select(t.certificates.c.data).where(t.certificates.c.certificate == certificate)
        ).first()
    if row is None:
        return None
    try:
        document = Certificate.from_cose(row.data)
    except CredentialError as e:
        raise NodeError(
            f"certificate {certificate!r}: the stored document is malformed: {e}"
        ) from e
    if certificate not in node.replica.state.certificates:
        raise NodeError(f"certificate {certificate!r} is stored, but the log never issued it")
    verify_document(node.replica.state, certificate, document)
    return document


def other_parties(node: Node, certificate: str) -> list[str]:
    """The other parties whose signatures ``certificate`` needs."""
    state = node.replica.state
    regime = state.regime_at(state.certificates[certificate].issued.position)
    return [p for p in regime.party_ids if p != node.party]


def missing(node: Node) -> dict[str, list[str]]:
    """The issued certificates this node has no document of yet, each with the other parties
    whose signatures it needs."""
    with node.store.engine.connect() as conn:
        have = {r.certificate for r in conn.execute(select(t.certificates.c.certificate))}
    return {c: other_parties(node, c) for c in node.replica.state.certificates if c not in have}


def keep(node: Node, certificate: str, document: Certificate) -> None:
    with node.store.writing("keeping a certificate") as conn:
        if conn.execute(
            select(t.certificates.c.certificate).where(t.certificates.c.certificate == certificate)
        ).first():
            return  # gathered meanwhile
        row = {"certificate": certificate, "data": document.to_cose()}
        conn.execute(insert(t.certificates).values(**row))


def gather(node: Node, peers: dict[str, NodeInterface]) -> list[str]:
    """Assemble and keep every issued certificate this node has no document of yet."""
    made = list(missing(node))
    for certificate in made:
        keep(node, certificate, assemble(node, certificate, peers))
    return made
