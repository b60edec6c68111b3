"""The part of migrating that needs Alembic itself, imported only when a database is not at head."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, inspect
from sqlalchemy.engine.interfaces import DBAPIConnection

from jointzone.store.errors import SchemaError
from jointzone.store.migrations import Layout, Tables

_Statement = tuple[str, Any, bool]
"""What a cursor was given: the SQL, its parameters, and whether it was an executemany."""

_made_new: dict[tuple[object, ...], list[_Statement]] = {}
"""The statements Alembic ran to make each kind of new database, by environment and server;
used under :data:`~jointzone.store.migrations.ALEMBIC_LOCK`."""


def upgrade(
    conn: Connection, tables: Tables, found: list[str] | None, names: Collection[str]
) -> None:
    """:func:`jointzone.store.migrations.upgrade` in a database of the tables ``names``.

    ``found`` is what the version table says, None when there is no version table.
    """
    mine = [name for name in names if name.startswith(tables.prefix)]
    if found is None and not mine:
        _make_new(conn, tables)
        return
    config = _config(conn, tables)
    if found:
        if len(found) > 1:
            raise SchemaError(
                f"the {tables.name} record {len(found)} revisions at once "
                f"({', '.join(map(repr, found))}): expected one, {tables.head!r} or older"
            )
        known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
        if found[0] not in known:
            raise SchemaError(
                f"the {tables.name} are at revision {found[0]!r}, which this jointzone does "
                f"not have: expected {tables.head!r} or older. A newer jointzone has upgraded "
                "this database; open it with that one"
            )
    elif mine:
        command.stamp(config, _adopt(tables, _layout(conn, mine)))
    command.upgrade(config, "head")


def _make_new(conn: Connection, tables: Tables) -> None:
    """Make the tables of a database that has none, and no version table either.

    From nothing, a migration to head runs the same statements every time: Alembic's own checks
    find the same nothing, and the revisions read only what earlier ones wrote. So Alembic makes
    the first new database of each kind in a process, and the statements it ran are replayed on
    the driver's cursor for the others: tests make thousands of new databases, and Alembic's
    machinery would more than double what opening one costs. The statements are replayed exactly
    as the driver was given them, so a revision must not vary what it runs (no clock or random
    values, no looking at other layers' tables); the migration tests compare a replayed
    database with the tables.
    """
    dialect = conn.dialect
    kind = (tables.location, tables.head, dialect.name, dialect.driver, dialect.server_version_info)
    statements = _made_new.get(kind)
    if statements is None:
        ran: list[_Statement] = []

        def record(
            _conn: Connection,
            _cursor: object,
            statement: str,
            parameters: Any,
            _context: object,
            executemany: bool,
        ) -> None:
            ran.append((statement, parameters, executemany))

        event.listen(conn, "before_cursor_execute", record)
        try:
            command.upgrade(_config(conn, tables), "head")
        finally:
            event.remove(conn, "before_cursor_execute", record)
        _made_new[kind] = ran
        return
    cursor = cast(DBAPIConnection, conn.connection.dbapi_connection).cursor()
    try:
        for statement, parameters, executemany in statements:
            if executemany:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
    finally:
        cursor.close()


def _config(conn: Connection, tables: Tables) -> Config:
    """Alembic's configuration for ``tables``' environment, working on ``conn``."""
    config = Config()
    # A configparser value: a literal "%" in the path must be doubled.
    config.set_main_option("script_location", str(tables.location).replace("%", "%%"))
    config.attributes.update(connection=conn, tables=tables)
    return config


def _layout(conn: Connection, names: Collection[str]) -> dict[str, frozenset[str]]:
    """The tables ``names``, each with the names of its columns."""
    inspector = inspect(conn)
    return {name: frozenset(c["name"] for c in inspector.get_columns(name)) for name in names}


def _adopt(tables: Tables, present: Layout) -> str:
    """The revision that tables made before Alembic are at, if an earlier jointzone made them."""
    for revision, layout in tables.before_alembic.items():
        if present == layout:
            return revision
    expected = "; or ".join(_describe(layout) for layout in tables.before_alembic.values())
    raise SchemaError(
        f"the {tables.name} carry no revision and match no layout an earlier jointzone made: "
        f"expected {expected}; found {_describe(present)}"
    )


def _describe(layout: Layout) -> str:
    return ", ".join(f"{name}({', '.join(sorted(layout[name]))})" for name in sorted(layout))
