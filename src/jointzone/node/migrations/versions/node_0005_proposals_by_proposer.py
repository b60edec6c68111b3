"""An official's latest proposals, read newest first: by the party that proposed them and when,
with each one's expiry, so that the inbox reads from the newest and stops at the number it
shows, where it used to sort every proposal of the last days first."""

from __future__ import annotations

from alembic import op

revision = "node_0005"
down_revision = "node_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_node_proposals_by",
        "node_proposals",
        ["proposed_by", "proposed_at", "act_id", "expires_at"],
    )


def downgrade() -> None:
    raise NotImplementedError("the node tables are never downgraded (jointzone.store.migrations)")
