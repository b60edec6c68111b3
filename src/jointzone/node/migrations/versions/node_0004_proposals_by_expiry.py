"""Proposals by when they expire: the officials' pages read the recent ones, and a node holds a
proposal for every act it ever committed."""

from __future__ import annotations

from alembic import op

revision = "node_0004"
down_revision = "node_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_node_proposals_expires_at", "node_proposals", ["expires_at"])


def downgrade() -> None:
    raise NotImplementedError("the node tables are never downgraded (jointzone.store.migrations)")
