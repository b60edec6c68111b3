"""The node tables as jointzone made them before it had migrations.

A database made then carries no revision; :func:`jointzone.store.migrations.upgrade` recognises
its tables and stamps it with this one instead of running it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "node_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node_proposals",
        sa.Column("act_id", sa.String(32), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("act_type", sa.String(64), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.String(20), nullable=False),
    )
    op.create_table(
        "node_rejections",
        sa.Column("act_id", sa.String(32), primary_key=True),
        sa.Column("party", sa.String(64), primary_key=True),
        sa.Column("official", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    # A lone integer key: SQLAlchemy made it SERIAL on PostgreSQL. Every insert gives the size,
    # so the sequence is never used, but the databases made before migrations have it.
    op.create_table(
        "node_cosigned",
        sa.Column("size", sa.Integer(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.String(20), nullable=False),
    )
    op.create_table(
        "node_conflicts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("signed", sa.Text(), nullable=False),
        sa.Column("offered", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "node_certificates",
        sa.Column("certificate", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the node tables are never downgraded (jointzone.store.migrations)")
