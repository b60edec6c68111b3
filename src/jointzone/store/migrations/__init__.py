"""Schema migrations by Alembic, for the log tables and for any layer that keeps tables beside them.

Each layer ships its own Alembic environment inside its package, described by a :class:`Tables`:
``env.py``, which hands over to :func:`run_environment`, and ``versions/``, one module a revision.
Revisions spell their tables out with ``op`` rather than reuse the SQLAlchemy tables, so a later
change to those tables is a database change only once a new revision says so. Each layer has a
version table of its own, so the log and the node migrate independently, in either order.

Nothing reads an ``alembic.ini``: the configuration is built here, and the connection Alembic
works on is the store's, already in the transaction that holds the database's schema lock.
:meth:`jointzone.store.SqlLogStore.upgrade_tables` checks the revision with one query and calls
:func:`upgrade` only when it is not the head, so Alembic is not even imported to open a database
that is up to date. A new database gets its tables from Alembic once in a process; the ones after
it get the statements Alembic ran then, replayed (see ``_alembic._make_new``).

To change a layer's tables: change its SQLAlchemy tables, add a revision to ``versions/`` whose
``down_revision`` is the old head, and make it the ``head`` of the layer's :class:`Tables`. A
revision must run the same statements on every new database (no clock or random values, no
looking at another layer's tables), or the replay would repeat the first database's. The
migration tests compare a freshly migrated database with the SQLAlchemy tables and fail until the
two agree. There are no downgrades: an older jointzone refuses a database a newer one upgraded,
rather than drop what it does not know.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, MetaData, String, column, inspect, select, table
from sqlalchemy.sql.expression import TableClause

from jointzone.store.errors import SchemaError

Layout = Mapping[str, frozenset[str]]
"""A layer's tables by name, each with the names of its columns."""

ALEMBIC_LOCK = threading.Lock()
"""Held while a thread migrates: Alembic keeps its running context in module globals, and the
statements recorded for replay are shared by every thread.

Take it before the database's schema lock, never while holding that, so that two threads waiting
for both always take them in the same order.
"""


@dataclass(frozen=True, kw_only=True)
class Tables:
    """One layer's tables as Alembic migrates them.

    ``head`` repeats the newest revision of ``versions/`` so that a database at head is known as
    such without loading the scripts; a test keeps the two equal. ``before_alembic`` names, by
    the revision to stamp, each layout an earlier jointzone made with ``create_all`` and recorded
    no revision for: the tables starting with ``prefix`` must match one exactly to be adopted.
    """

    name: str
    location: Path
    version_table: str
    head: str
    prefix: str
    metadata: MetaData
    before_alembic: Mapping[str, Layout]

    @property
    def versions(self) -> TableClause:
        """The version table, as much of it as a query needs."""
        return table(self.version_table, column("version_num", String(32)))


def upgrade(conn: Connection, tables: Tables) -> None:
    """Bring ``tables`` to their head in ``conn``'s transaction, which holds the schema lock.

    The caller holds :data:`ALEMBIC_LOCK` too. A database with none of the tables gets them all.
    One with the tables of an earlier jointzone but no revision is stamped with the revision they
    match, then upgraded. One at a revision this code does not have (a newer jointzone's) is
    refused with :class:`SchemaError`, as are tables that match no layout: guessing could lose
    the record.
    """
    names = set(inspect(conn).get_table_names())
    found = None
    if tables.version_table in names:
        found = sorted(conn.execute(select(tables.versions.c.version_num)).scalars())
        if found == [tables.head]:
            return  # another process upgraded them while this one waited for the lock
    # Imported here, not above: Alembic takes longer to import than a store takes to open, and
    # only a database that is new or behind needs it.
    from jointzone.store.migrations import _alembic  # noqa: PLC0415

    _alembic.upgrade(conn, tables, found, names)


def run_environment() -> None:
    """What every ``env.py`` runs: the revisions Alembic chose, on the store's connection."""
    # Alembic has loaded this by the time its env.py calls here; see upgrade for why not above.
    from alembic import context  # noqa: PLC0415

    conn = context.config.attributes.get("connection")
    tables = context.config.attributes.get("tables")
    if not isinstance(conn, Connection) or not isinstance(tables, Tables):
        raise SchemaError(
            "jointzone's tables are migrated by opening the store (open_store) or the node, "
            "which pass Alembic their connection; there is no alembic.ini to run it from"
        )
    context.configure(
        connection=conn,
        target_metadata=tables.metadata,
        version_table=tables.version_table,
        # SQLite alters a table only by copying it; batch mode lets revisions say ALTER anyway.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
