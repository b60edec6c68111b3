"""The node tables under Alembic, beside the log's and apart from them: made at head as the node
starts, adopted from before migrations, refused when newer.

Each test runs on SQLite and on PostgreSQL. A node's database "from before migrations" is built
with the very CREATE TABLE statements the previous jointzone ran (``tests/data/migrations``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from keyfile_factory import DEMO_PASSPHRASE
from sqlalchemy import Engine, create_engine, inspect, text

from jointzone.node import Keystore, Node
from jointzone.node import _tables as t
from jointzone.node.migrations import NODE_TABLES
from jointzone.store import SchemaError, SqlLogStore, normalize_url, open_store
from jointzone.store._sql import _LOG_TABLES
from jointzone.store.migrations import Tables, _alembic

DATA = Path(__file__).parents[2] / "data" / "migrations"
PROPOSAL = {
    "act_id": "a" * 32,
    "data": b"\x84proposal",
    "act_type": "enterprise.register",
    "proposed_by": "japan",
    "proposed_at": "2031-04-01T09:00:00Z",
    "expires_at": "2031-04-08T09:00:00Z",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    """A plain engine on the test's database, for building and inspecting it behind the node."""
    engine = create_engine(normalize_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def run_sql_file(engine: Engine, path: Path) -> None:
    """Run the statements of ``path``: ``;``-terminated, with ``--`` comment lines."""
    text_ = path.read_text(encoding="utf-8")
    lines = [line for line in text_.splitlines() if not line.startswith("--")]
    with engine.begin() as conn:
        for statement in "\n".join(lines).split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)


def schema_differences(engine: Engine, tables: Tables) -> list[Any]:
    """What autogenerate would change to make the layer's tables in the database its metadata."""

    def mine(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or (name or "").startswith(tables.prefix)

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": tables.version_table, "include_name": mine}
        )
        return list(compare_metadata(context, tables.metadata))


def versions(engine: Engine, tables: Tables) -> list[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table(tables.version_table):
            return []
        return [v for (v,) in conn.execute(text(f"SELECT version_num FROM {tables.version_table}"))]


def start_node(store: SqlLogStore, tmp_path: Path) -> Node:
    keys = Keystore.create(tmp_path / "keys", party="japan", passphrase=DEMO_PASSPHRASE, demo=True)
    return Node(party="japan", store=store, keystore=keys)


def build_before_migrations(engine: Engine) -> None:
    """A node's database as the previous jointzone left it: both layers' tables, some rows."""
    dialect = engine.dialect.name
    run_sql_file(engine, DATA / f"log_before_alembic.{dialect}.sql")
    run_sql_file(engine, DATA / f"node_before_alembic.{dialect}.sql")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO log_head (id, size, schema_version) VALUES (1, 0, 1)"))
        conn.execute(t.proposals.insert().values(**PROPOSAL))
        conn.execute(
            t.cosigned.insert().values(size=7, text="checkpoint", signed_at="2031-04-01T09:00:00Z")
        )
        conn.execute(t.conflicts.insert().values(size=7, signed="mine", offered=b"theirs"))


# -- a new database --------------------------------------------------------------------------------


def test_head_is_the_newest_revision() -> None:
    assert ScriptDirectory(str(NODE_TABLES.location)).get_heads() == [NODE_TABLES.head]


@pytest.mark.parametrize("made_by", ["alembic", "replay"])
def test_new_node_makes_the_tables_of_the_code(
    url: str, engine: Engine, tmp_path: Path, made_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_alembic, "_made_new", {})
    if made_by == "replay":
        with open_store(url) as store:
            store.upgrade_tables(NODE_TABLES)
        with engine.begin() as conn:
            for name in inspect(conn).get_table_names():
                conn.exec_driver_sql(f"DROP TABLE {name}")
    with open_store(url) as store:
        start_node(store, tmp_path)
    assert schema_differences(engine, NODE_TABLES) == []
    assert schema_differences(engine, _LOG_TABLES) == []
    assert versions(engine, NODE_TABLES) == [NODE_TABLES.head]
    assert versions(engine, _LOG_TABLES) == [_LOG_TABLES.head]


def test_the_layers_migrate_apart(url: str, engine: Engine) -> None:
    """Each layer has its own version table: the node's tables come and go without the log's."""
    with open_store(url) as store:
        store.upgrade_tables(NODE_TABLES)
    with engine.begin() as conn:
        for name in [*t.metadata.tables, NODE_TABLES.version_table]:
            conn.exec_driver_sql(f"DROP TABLE {name}")
    assert versions(engine, _LOG_TABLES) == [_LOG_TABLES.head]
    with open_store(url) as store:
        store.upgrade_tables(NODE_TABLES)
    assert schema_differences(engine, NODE_TABLES) == []


# -- a database from before migrations -------------------------------------------------------------


def test_node_from_before_migrations_is_adopted(url: str, engine: Engine, tmp_path: Path) -> None:
    build_before_migrations(engine)
    with open_store(url) as store:
        start_node(store, tmp_path)
    assert versions(engine, NODE_TABLES) == [NODE_TABLES.head]
    assert versions(engine, _LOG_TABLES) == [_LOG_TABLES.head]
    assert schema_differences(engine, NODE_TABLES) == []
    with engine.connect() as conn:
        assert [dict(r._mapping) for r in conn.execute(t.proposals.select())] == [PROPOSAL]
        assert conn.execute(t.cosigned.select()).all() == [
            (7, "checkpoint", "2031-04-01T09:00:00Z")
        ]
        assert conn.execute(t.conflicts.select()).all() == [(1, 7, "mine", b"theirs")]
        assert conn.execute(t.outbox.select()).all() == []


def test_node_from_before_migrations_with_an_outbox_is_adopted(url: str, engine: Engine) -> None:
    """Builds that had the outbox before migrations made it with create_all: it is kept as is."""
    build_before_migrations(engine)
    with engine.begin() as conn:
        t.outbox.create(conn)
        conn.execute(
            t.outbox.insert().values(
                peer="russia", kind="proposal", data=b"x", attempts=2, next_at=1.5, last_error=""
            )
        )
    with open_store(url) as store:
        store.upgrade_tables(NODE_TABLES)
    assert versions(engine, NODE_TABLES) == [NODE_TABLES.head]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT peer, attempts FROM node_outbox")).all() == [("russia", 2)]


def test_earlier_revision_is_upgraded(url: str, engine: Engine) -> None:
    with open_store(url) as store:
        store.upgrade_tables(NODE_TABLES)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE node_outbox")
        conn.exec_driver_sql("DROP TABLE node_peer_contact")
        conn.exec_driver_sql("DROP INDEX ix_node_proposals_expires_at")
        conn.exec_driver_sql("DROP INDEX ix_node_proposals_by")
        conn.exec_driver_sql("UPDATE alembic_version_node SET version_num = 'node_0001'")
    with open_store(url) as store:
        store.upgrade_tables(NODE_TABLES)
    assert versions(engine, NODE_TABLES) == [NODE_TABLES.head]
    assert schema_differences(engine, NODE_TABLES) == []


def test_node_tables_of_no_known_layout_are_refused(url: str, engine: Engine) -> None:
    build_before_migrations(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE node_certificates")
    with open_store(url) as store:
        with pytest.raises(SchemaError, match="the node tables carry no revision") as info:
            store.upgrade_tables(NODE_TABLES)
        assert "; found node_conflicts(id, offered, signed, size), node_cosigned" in str(info.value)
    assert versions(engine, NODE_TABLES) == []


# -- a database of another revision ----------------------------------------------------------------


def test_unknown_node_revision_is_refused(url: str, engine: Engine, tmp_path: Path) -> None:
    with open_store(url) as store:
        store.upgrade_tables(NODE_TABLES)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version_node SET version_num = 'node_9999'")
    with (
        open_store(url) as store,
        pytest.raises(
            SchemaError,
            match=(
                r"the node tables are at revision 'node_9999', which this jointzone does not "
                rf"have: expected '{NODE_TABLES.head}' or older"
            ),
        ),
    ):
        start_node(store, tmp_path)
