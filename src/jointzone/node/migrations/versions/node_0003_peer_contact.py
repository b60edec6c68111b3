"""What a node knows of reaching each peer, for judging its health."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "node_0003"
down_revision = "node_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node_peer_contact",
        sa.Column("peer", sa.String(64), primary_key=True),
        sa.Column("reached_at", sa.Float(), nullable=True),
        sa.Column("failing_since", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("log_size", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    raise NotImplementedError("the node tables are never downgraded (jointzone.store.migrations)")
