"""A node's own tables, kept in the same database as its log.

Proposals in progress and rejections are the node's working memory, not the record: the record is
the log, and whether a proposal was committed is read from the state the log derives, never from
a status column that could disagree with it.

Alembic makes and upgrades these tables (the revisions are in :mod:`jointzone.node.migrations`),
so a change here reaches a database only with a new revision there.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

proposals = Table(
    "node_proposals",
    metadata,
    Column("act_id", String(32), primary_key=True),
    Column("data", LargeBinary, nullable=False),  # the COSE_Sign with every signature known here
    Column("act_type", String(64), nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("proposed_at", String(20), nullable=False),
    Column("expires_at", String(20), nullable=False),
)
# The officials' pages read what is recent (expiring after a time), not every act ever committed,
# and an official's latest proposals newest first, reading no further than they show.
Index("ix_node_proposals_expires_at", proposals.c.expires_at)
Index(
    "ix_node_proposals_by",
    proposals.c.proposed_by,
    proposals.c.proposed_at,
    proposals.c.act_id,
    proposals.c.expires_at,
)

# Each party's signed rejection (a COSE_Sign by the rejecting official), judged before it is kept.
rejections = Table(
    "node_rejections",
    metadata,
    Column("act_id", String(32), primary_key=True),
    Column("party", String(64), primary_key=True),
    Column("official", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# The checkpoint this node signed at each size: it never signs a second, different one. When it
# first signed is what bounds how early a later entry may be dated (see _witness).
cosigned = Table(
    "node_cosigned",
    metadata,
    Column("size", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("signed_at", String(20), nullable=False),
)

# Evidence of equivocation: a checkpoint offered for a size at which this node signed another.
conflicts = Table(
    "node_conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", Integer, nullable=False),
    Column("signed", Text, nullable=False),
    Column("offered", LargeBinary, nullable=False),
)

# Participant certificates as assembled here: the COSE_Sign with every party's signature, kept
# once complete (a partial one is never stored, so nothing here is a document missing a party).
certificates = Table(
    "node_certificates",
    metadata,
    Column("certificate", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# Messages for peers not yet delivered (see _outbox): kept until the peer has them.
outbox = Table(
    "node_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("peer", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", Float, nullable=False),
    Column("last_error", Text, nullable=False),
)

# When this node last reached each peer, since when it has failed to, and the log size the peer
# last said it held (see _contact): what its health is judged by, kept across restarts.
peer_contact = Table(
    "node_peer_contact",
    metadata,
    Column("peer", String(64), primary_key=True),
    Column("reached_at", Float, nullable=True),
    Column("failing_since", Float, nullable=True),
    Column("error", Text, nullable=False),
    Column("log_size", Integer, nullable=True),
)
