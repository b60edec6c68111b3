"""The log tables as jointzone made them before it had migrations, with their one head row.

A database made then carries no revision; :func:`jointzone.store.migrations.upgrade` recognises
its tables and stamps it with this one instead of running it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "log_0001"
down_revision = None
branch_labels = None
depends_on = None

# A log position: INTEGER on SQLite, where only that spelling makes the key the rowid (no second
# B-tree); BIGINT on PostgreSQL, for logs past 2**31 entries.
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    head = op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("size", _POSITION, nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="log_head_one_row"),
    )
    op.create_table(
        "log_entries",
        sa.Column("idx", _POSITION, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "log_tiles",
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("size", _POSITION, primary_key=True, autoincrement=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
    )
    # The empty log. schema_version 1 is what a jointzone from before migrations checks for, so
    # such a jointzone still opens this database, and refuses it once a revision raises it.
    op.bulk_insert(head, [{"id": 1, "size": 0, "schema_version": 1}])


def downgrade() -> None:
    raise NotImplementedError("the log tables are never downgraded: that would drop the log")
