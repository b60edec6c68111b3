"""The Alembic environment of the node tables, which the node brings to head as it starts.

They migrate apart from the log tables, with a version table of their own, in the way
:mod:`jointzone.store.migrations` describes.
"""

from __future__ import annotations

from pathlib import Path

from jointzone.node import _tables
from jointzone.store.migrations import Tables

_BEFORE_OUTBOX = {
    "node_proposals": frozenset(
        {"act_id", "data", "act_type", "proposed_by", "proposed_at", "expires_at"}
    ),
    "node_rejections": frozenset({"act_id", "party", "official", "reason", "data"}),
    "node_cosigned": frozenset({"size", "text", "signed_at"}),
    "node_conflicts": frozenset({"id", "size", "signed", "offered"}),
    "node_certificates": frozenset({"certificate", "data"}),
}

NODE_TABLES = Tables(
    name="node tables",
    location=Path(__file__).parent,
    version_table="alembic_version_node",
    head="node_0005",
    prefix="node_",
    metadata=_tables.metadata,
    before_alembic={
        "node_0001": _BEFORE_OUTBOX,
        # Made by create_all in the builds that had the outbox before they had migrations.
        "node_0002": {
            **_BEFORE_OUTBOX,
            "node_outbox": frozenset(
                {"id", "peer", "kind", "data", "attempts", "next_at", "last_error"}
            ),
        },
    },
)
