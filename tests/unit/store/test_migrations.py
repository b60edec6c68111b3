"""The log tables under Alembic: made at head, adopted from before migrations, refused when newer.

Each test runs on SQLite and on PostgreSQL. A database "from before migrations" is built with the
very CREATE TABLE statements the previous jointzone ran (``tests/data/migrations``), then filled
with the rows of a log made by the current store, as an old node's would be.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from contract import check_store, entries
from sqlalchemy import Engine, create_engine, inspect, text

from jointzone.store import CorruptionError, SchemaError, normalize_url, open_store
from jointzone.store._sql import _LOG_TABLES
from jointzone.store.migrations import Tables, _alembic
from jointzone.tlog import MemoryTree

DATA = Path(__file__).parents[2] / "data" / "migrations"
NOTE = b"jointzone.example/test\n300\nroot\n\n\xe2\x80\x94 japan sig\n"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


@pytest.fixture(params=["alembic", "replay"])
def made_by(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Whether the test's new databases are made by Alembic or by replaying what it ran."""
    monkeypatch.setattr(_alembic, "_made_new", {})
    return str(request.param)


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    """A plain engine on the test's database, for building and inspecting it behind the store."""
    engine = create_engine(normalize_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def run_sql_file(engine: Engine, path: Path) -> None:
    """Run the statements of ``path``: ``;``-terminated, with ``--`` comment lines."""
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")
    ]
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


def drop_all(engine: Engine) -> None:
    """Make the database new again: no log tables, no version table."""
    with engine.begin() as conn:
        for name in inspect(conn).get_table_names():
            conn.exec_driver_sql(f"DROP TABLE {name}")


def build_before_migrations(engine: Engine, dialect: str, size: int = 300) -> MemoryTree:
    """The log tables as the previous jointzone made them, holding a log of ``size`` entries."""
    run_sql_file(engine, DATA / f"log_before_alembic.{dialect}.sql")
    with open_store("sqlite://") as source, source.engine.connect() as conn:
        source.append(entries(0, size))
        source.add_checkpoint(size, NOTE)
        rows = {
            name: [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {name}"))]
            for name in ("log_head", "log_entries", "log_tiles", "log_checkpoints")
        }
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            columns = list(table_rows[0])
            conn.execute(
                text(
                    f"INSERT INTO {name} ({', '.join(columns)}) "
                    f"VALUES ({', '.join(':' + c for c in columns)})"
                ),
                table_rows,
            )
    return MemoryTree(entries(0, size))


# -- a new database --------------------------------------------------------------------------------


def test_head_is_the_newest_revision() -> None:
    assert ScriptDirectory(str(_LOG_TABLES.location)).get_heads() == [_LOG_TABLES.head]


def test_new_database_is_the_tables_of_the_code(url: str, engine: Engine, made_by: str) -> None:
    open_store(url).close()
    if made_by == "replay":
        drop_all(engine)
        open_store(url).close()
    assert schema_differences(engine, _LOG_TABLES) == []
    assert versions(engine, _LOG_TABLES) == [_LOG_TABLES.head]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, size, schema_version FROM log_head")).all() == [
            (1, 0, 1)
        ]
    with open_store(url) as store:
        store.append(entries(0, 300))
        check_store(store, MemoryTree(entries(0, 300)), sizes=[300])


@pytest.mark.postgres
def test_version_table_lives_in_the_given_schema(postgres_url: str) -> None:
    """Alembic works on the store's own connection, so its table lands where the log's do."""
    query = (
        "SELECT schemaname FROM pg_tables WHERE tablename = 'alembic_version_log' "
        "AND schemaname IN (current_schema(), 'public')"
    )
    with open_store(postgres_url) as store, store.engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        assert schema != "public"
        assert conn.execute(text(query)).all() == [(schema,)]


def test_a_current_database_opens_without_alembic(tmp_path: Path) -> None:
    """Opening a database at head reads one row: Alembic is not even imported."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    open_store(url).close()
    code = (
        "import sys\nfrom jointzone.store import open_store\n"
        f"open_store({url!r}).close()\nprint('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"


def test_first_opens_in_threads_at_once(url: str, engine: Engine, made_by: str) -> None:
    if made_by == "replay":
        open_store(url).close()
        drop_all(engine)
    barrier = threading.Barrier(6)
    failures: list[Exception] = []

    def first_open() -> None:
        barrier.wait()
        try:
            with open_store(url) as store:
                assert store.size() == 0
        except Exception as e:  # reported below, with the others
            failures.append(e)

    threads = [threading.Thread(target=first_open) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert versions(engine, _LOG_TABLES) == [_LOG_TABLES.head]
    assert schema_differences(engine, _LOG_TABLES) == []


_CHILD = """
import sys, time
from pathlib import Path
from jointzone.store import open_store
url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.002)
with open_store(url) as store:
    print(store.size())
"""


def test_first_opens_in_processes_at_once(url: str, engine: Engine, tmp_path: Path) -> None:
    """Processes that find the database new at the same moment make its tables once."""
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(6)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, url, str(path), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in ready
    ]
    try:
        for path, child in zip(ready, children, strict=True):
            while not path.exists():
                if child.poll() is not None:
                    pytest.fail(f"a child exited before it was ready: {child.communicate()[1]}")
                time.sleep(0.01)
        go.touch()
        results = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            child.kill()
    outcomes = [
        (child.returncode, out.strip()) for child, (out, _) in zip(children, results, strict=True)
    ]
    assert outcomes == [(0, "0")] * len(children), [err for _, err in results]
    assert versions(engine, _LOG_TABLES) == [_LOG_TABLES.head]
    assert schema_differences(engine, _LOG_TABLES) == []


# -- a database from before migrations -------------------------------------------------------------


def test_database_from_before_migrations_is_adopted(url: str, engine: Engine) -> None:
    tree = build_before_migrations(engine, engine.dialect.name)
    assert versions(engine, _LOG_TABLES) == []
    with open_store(url) as store:
        check_store(store, tree, sizes=[1, 256, 300])
        assert store.checkpoint() == NOTE
        assert store.checkpoint(300) == NOTE
        store.append(entries(300, 700))
        check_store(store, MemoryTree(entries(0, 700)), sizes=[300, 700])
    assert versions(engine, _LOG_TABLES) == [_LOG_TABLES.head]
    assert schema_differences(engine, _LOG_TABLES) == []


def test_adopting_checks_the_schema_version_first(url: str, engine: Engine) -> None:
    """An old database whose head says another version is refused, and left unstamped."""
    build_before_migrations(engine, engine.dialect.name, size=5)
    with engine.begin() as conn:
        conn.execute(text("UPDATE log_head SET schema_version = 2"))
    with pytest.raises(SchemaError, match="schema version 2; this code reads version 1"):
        open_store(url)
    assert versions(engine, _LOG_TABLES) == []


@pytest.mark.parametrize(
    ("damage", "found"),
    [
        ("DROP TABLE log_checkpoints", r"; found log_entries\(data, idx\), log_head"),
        (
            "ALTER TABLE log_tiles ADD COLUMN extra INTEGER",
            r"; found .*log_tiles\(data, extra, idx, level\)",
        ),
        ("CREATE TABLE log_other (x INTEGER)", r"; found .*log_other\(x\)"),
    ],
)
def test_tables_of_no_known_layout_are_refused(
    url: str, engine: Engine, damage: str, found: str
) -> None:
    build_before_migrations(engine, engine.dialect.name, size=5)
    with engine.begin() as conn:
        conn.exec_driver_sql(damage)
    with pytest.raises(SchemaError, match="carry no revision and match no layout") as info:
        open_store(url)
    assert "expected log_checkpoints(note, size), log_entries(data, idx)" in str(info.value)
    assert info.match(found)
    assert versions(engine, _LOG_TABLES) == []


# -- a database of another revision ----------------------------------------------------------------


def test_unknown_revision_is_refused(url: str, engine: Engine) -> None:
    with open_store(url) as store:
        store.append(entries(0, 3))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version_log SET version_num = 'log_9999'"))
    with pytest.raises(
        SchemaError,
        match=(
            r"the log tables are at revision 'log_9999', which this jointzone does not have: "
            r"expected 'log_0001' or older\. A newer jointzone has upgraded this database"
        ),
    ):
        open_store(url)


def test_two_revisions_at_once_are_refused(url: str, engine: Engine) -> None:
    open_store(url).close()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version_log (version_num) VALUES ('log_0000')"))
    with pytest.raises(
        SchemaError,
        match=r"record 2 revisions at once \('log_0000', 'log_0001'\): expected one",
    ):
        open_store(url)


def test_missing_head_row_is_corruption_not_a_new_log(url: str, engine: Engine) -> None:
    """A database at head without its head row is damaged; making a new empty log would hide it."""
    with open_store(url) as store:
        store.append(entries(0, 3))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM log_head"))
    with pytest.raises(CorruptionError, match="head row is missing"):
        open_store(url)


def test_alembic_run_on_its_own_says_how_to_migrate(tmp_path: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(_LOG_TABLES.location))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'log.db'}")
    with pytest.raises(SchemaError, match="migrated by opening the store"):
        command.upgrade(config, "head")
