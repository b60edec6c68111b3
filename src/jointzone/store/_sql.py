"""The log store on SQLAlchemy Core: one implementation for SQLite and PostgreSQL (psycopg 3).

Tables (prefixed ``log_`` so a node can keep its own tables in the same database):

    log_head         one row: the log size and the schema version; the append lock
    log_entries      (idx, data): one row per entry
    log_tiles        (level, idx, data): expanded tiles, the right-edge partial ones rewritten
    log_checkpoints  (size, note): one signed checkpoint note per size

The tables are made and upgraded by Alembic (see :mod:`jointzone.store.migrations`), their
revision kept in ``alembic_version_log``. Opening a store reads that revision and the head row in
one query, and runs Alembic only for a database that is new, older, or made before migrations.

An append is one transaction that takes the write lock first (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL ``SELECT ... FOR UPDATE`` on the head row), so concurrent writers queue rather than
interleave, and a process killed at any moment leaves the last committed batch. The two dialects
differ only in the small :class:`_Dialect` strategies: how to connect and begin, and two fast
paths (bulk insert of entries, the read of tiles).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias, cast

import psycopg
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    false,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled

from jointzone.store import migrations
from jointzone.store._base import LogStore, expanded_length, tile_width
from jointzone.store.errors import (
    BackendError,
    ConflictError,
    CorruptionError,
    EntryTooLargeError,
    OutOfRangeError,
    SchemaError,
    StoreError,
)
from jointzone.tlog import (
    HASH_SIZE,
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileKey,
    grow_expanded_tiles,
    leaf_hashes,
)

SCHEMA_VERSION = 1
"""The version in ``log_head``, which a store refuses to open unless it is this one.

Alembic's revision now follows every change of the tables; this number stays because a jointzone
from before migrations checks it and nothing else. A revision that changes what such a jointzone
would misread raises it, along with this constant, so that the older code refuses the database.
"""

_HEAD_ID = 1
_SQLITE_BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another's lock: a 1M-entry batch holds it for several seconds."""

_metadata = MetaData()

# SQLite makes a column a rowid alias (no separate index, the fastest key) only when it is declared
# exactly INTEGER; BIGINT would cost a second B-tree. PostgreSQL needs BIGINT for logs past 2**31.
_Position = BigInteger().with_variant(Integer(), "sqlite")

log_head = Table(
    "log_head",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", _Position, nullable=False),
    Column("schema_version", Integer, nullable=False),
    CheckConstraint(f"id = {_HEAD_ID}", name="log_head_one_row"),
)
log_entries = Table(
    "log_entries",
    _metadata,
    Column("idx", _Position, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)
log_tiles = Table(
    "log_tiles",
    _metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)
log_checkpoints = Table(
    "log_checkpoints",
    _metadata,
    Column("size", _Position, primary_key=True, autoincrement=False),
    Column("note", LargeBinary, nullable=False),
)

_LOG_TABLES = migrations.Tables(
    name="log tables",
    location=Path(__file__).with_name("migrations"),
    version_table="alembic_version_log",
    head="log_0001",
    prefix="log_",
    metadata=_metadata,
    before_alembic={
        "log_0001": {
            "log_head": frozenset({"id", "size", "schema_version"}),
            "log_entries": frozenset({"idx", "data"}),
            "log_tiles": frozenset({"level", "idx", "data"}),
            "log_checkpoints": frozenset({"size", "note"}),
        },
    },
)

# What opening a store checks: the revision and the head row, as one statement. The head row is
# joined, not required, so that a missing one reads as damage rather than as an old database.
_log_versions = _LOG_TABLES.versions
_select_opening = select(
    _log_versions.c.version_num, log_head.c.schema_version, log_head.c.size
).select_from(_log_versions.outerjoin(log_head, log_head.c.id == _HEAD_ID))

# Every read is one statement, and so one snapshot, in both databases: a statement that reads the
# head alongside the rows it checks against it needs no transaction and costs one round trip. The
# LEFT JOIN from the head row returns the size even when no row matches.
_select_size = select(log_head.c.size).where(log_head.c.id == _HEAD_ID)
_lock_size = _select_size.with_for_update()
_select_entries = (
    select(log_head.c.size, log_entries.c.idx, log_entries.c.data)
    .select_from(
        log_head.outerjoin(
            log_entries,
            (log_entries.c.idx >= bindparam("start")) & (log_entries.c.idx < bindparam("stop")),
        )
    )
    .where(log_head.c.id == _HEAD_ID)
    .order_by(log_entries.c.idx)
)


_TileQuery: TypeAlias = "Select[int, int | None, int | None, bytes | None]"
"""The head size, then each matching tile's level, index and bytes (None: no tile matched)."""


@functools.cache
def _select_tiles(count: int) -> _TileQuery:
    """The head size and ``count`` tiles by key, as ``(l AND i) OR ...``.

    Written out as OR-ed equalities because SQLite answers ``(level, idx) IN (VALUES ...)`` with a
    scan of the whole table; for OR-ed equalities both SQLite and PostgreSQL use the primary key.
    """
    t = log_tiles.c
    match = or_(
        false(),
        *(
            (t.level == bindparam(f"l{i}", type_=Integer))
            & (t.idx == bindparam(f"i{i}", type_=BigInteger))
            for i in range(count)
        ),
    )
    return (
        select(log_head.c.size, t.level, t.idx, t.data)
        .select_from(log_head.outerjoin(log_tiles, match))
        .where(log_head.c.id == _HEAD_ID)
    )


_advance_head = (
    update(log_head)
    .where(log_head.c.id == _HEAD_ID, log_head.c.size == bindparam("old"))
    .values(size=bindparam("new"))
)


# -- URLs ----------------------------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """The SQLAlchemy URL for ``url``, accepting libpq's ``postgresql://`` and ``postgres://``.

    Both PostgreSQL forms mean psycopg 3 here, the driver this package is built and tested on.
    """
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError as e:
        raise BackendError(f"not a database URL: {url!r}") from e
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
        raise BackendError(
            f"unsupported database URL scheme {parsed.drivername!r}: "
            "expected sqlite:///PATH or postgresql+psycopg://..."
        )
    return parsed.render_as_string(hide_password=False)


def open_store(url: str) -> SqlLogStore:
    """Open the log store at ``url``, making or upgrading its tables as needed.

    ``sqlite:///path/to/log.db`` (the directory must exist), ``sqlite://`` for a private
    in-memory store (tests and tools; one connection, one thread), or
    ``postgresql+psycopg://user@host/db`` (libpq's ``postgresql://`` is accepted too).
    """
    parsed = make_url(normalize_url(url))
    dialect: _Dialect = _Postgres() if parsed.get_backend_name() == "postgresql" else _Sqlite()
    return SqlLogStore(engine=dialect.create_engine(parsed), dialect=dialect)


# -- dialects -------------------------------------------------------------------------------------


class _Dialect:
    """What differs between databases: connecting, beginning, bulk insert, driver errors."""

    name = ""
    read_options: Mapping[str, Any] = {}
    write_options: Mapping[str, Any] = {}
    driver_errors: tuple[type[Exception], ...] = ()
    integrity_errors: tuple[type[Exception], ...] = (sa_exc.IntegrityError,)

    def create_engine(self, url: URL) -> Engine:
        raise NotImplementedError

    def lock_schema(self, conn: Connection) -> None:
        """Serialise migrations between processes opening a database at once.

        SQLite needs nothing more: a write transaction begins with the database's write lock.
        """

    def insert_or_replace(self, table: Table, key: Sequence[Column[Any]]) -> Executable:
        """``INSERT ... ON CONFLICT (key) DO UPDATE`` every other column: same SQL, two builders."""
        raise NotImplementedError

    def insert_or_keep(self, table: Table) -> Executable:
        """``INSERT ... ON CONFLICT DO NOTHING``."""
        raise NotImplementedError

    def insert_entries(self, conn: Connection, start: int, entries: Sequence[bytes]) -> None:
        raise NotImplementedError

    def fetch_tiles(
        self, conn: Connection, stmt: _TileQuery, params: Mapping[str, int]
    ) -> Sequence[Sequence[Any]]:
        """The rows of a tile query: the hot read path of every proof."""
        return conn.execute(stmt, params).all()


_BEGIN_OPTION = "jointzone_sqlite_begin"


class _Sqlite(_Dialect):
    """SQLite in WAL mode with ``synchronous=FULL``: an acknowledged append survives a crash.

    sqlite3's legacy transaction handling would begin a write only at its first INSERT, with a
    deferred BEGIN, and run DDL outside any transaction. SQLAlchemy's documented recipe takes
    BEGIN over instead: an append says ``BEGIN IMMEDIATE`` and holds the write lock before it
    reads the head, table creation is one transaction, and a read (one statement) needs none.
    """

    name = "sqlite"
    read_options: Mapping[str, Any] = {_BEGIN_OPTION: ""}
    write_options: Mapping[str, Any] = {_BEGIN_OPTION: "BEGIN IMMEDIATE"}
    driver_errors = (sqlite3.Error,)
    integrity_errors = (sa_exc.IntegrityError, sqlite3.IntegrityError)

    def create_engine(self, url: URL) -> Engine:
        memory = url.database in (None, "", ":memory:")
        if memory:
            # One shared connection, or every checkout would see its own empty database.
            engine = create_engine(
                url, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            try:
                if not memory:
                    mode = _enter_wal(cur)
                    if mode is None or str(mode[0]).lower() != "wal":
                        raise BackendError(
                            f"SQLite refused WAL mode for {url.database}: journal mode is {mode}"
                        )
                cur.execute("PRAGMA synchronous=FULL")
                cur.execute("PRAGMA cache_size=-65536")
            finally:
                cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            begin = conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN")
            if begin:  # "" for reads: one statement is atomic on its own
                conn.exec_driver_sql(begin)

        return engine

    def insert_or_replace(self, table: Table, key: Sequence[Column[Any]]) -> Executable:
        stmt = sqlite_dialect.insert(table)
        rest = {c.name: stmt.excluded[c.name] for c in table.c if c not in key}
        return stmt.on_conflict_do_update(index_elements=list(key), set_=rest)

    def insert_or_keep(self, table: Table) -> Executable:
        return sqlite_dialect.insert(table).on_conflict_do_nothing()

    def insert_entries(self, conn: Connection, start: int, entries: Sequence[bytes]) -> None:
        # The driver's executemany over plain tuples: SQLAlchemy's per-row parameter handling
        # would cost more than SQLite's own insert.
        conn.exec_driver_sql(
            "INSERT INTO log_entries (idx, data) VALUES (?, ?)",
            list(zip(range(start, start + len(entries)), entries, strict=True)),
        )


def _enter_wal(cur: sqlite3.Cursor) -> Any:
    """``PRAGMA journal_mode=WAL``, waiting out another process that is switching the file too.

    On a new file SQLite answers "database is locked" at once, without its busy handler, while
    another connection holds the lock that the switch to WAL needs: processes that open a new
    database together would fail where they should wait. So the pragma is tried again, with a
    growing pause, for as long as a writer would wait for a lock.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT_S
    pause = 0.001
    while True:
        try:
            return cur.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError as e:
            if e.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


class _Postgres(_Dialect):
    """PostgreSQL through psycopg 3: appends lock the head row, reads run in autocommit.

    An append runs under READ COMMITTED, so a writer that waited for the head row's lock reads
    the size the other committed. A read is one statement, a snapshot of its own, so it needs no
    transaction and costs one round trip.
    """

    name = "postgresql"
    read_options: Mapping[str, Any] = {"isolation_level": "AUTOCOMMIT"}
    _SCHEMA_LOCK = 0x6A7A_6C6F_6701  # any constant; names the advisory lock for migrations

    driver_errors = (psycopg.Error,)
    integrity_errors = (sa_exc.IntegrityError, psycopg.IntegrityError)

    def __init__(self) -> None:
        self._compiled: dict[_TileQuery, Compiled] = {}

    def create_engine(self, url: URL) -> Engine:
        # No pool_pre_ping: it would double the round trips of a proof. A connection the server
        # dropped fails one call with BackendError; SQLAlchemy then discards the stale pool.
        return create_engine(url)

    def lock_schema(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._SCHEMA_LOCK})

    def insert_or_replace(self, table: Table, key: Sequence[Column[Any]]) -> Executable:
        stmt = pg_dialect.insert(table)
        rest = {c.name: stmt.excluded[c.name] for c in table.c if c not in key}
        return stmt.on_conflict_do_update(index_elements=list(key), set_=rest)

    def insert_or_keep(self, table: Table) -> Executable:
        return pg_dialect.insert(table).on_conflict_do_nothing()

    def insert_entries(self, conn: Connection, start: int, entries: Sequence[bytes]) -> None:
        # COPY is PostgreSQL's bulk path, several times faster than any INSERT form; it runs on
        # the same driver connection, hence inside the append's transaction.
        raw = cast(psycopg.Connection[Any], conn.connection.dbapi_connection)
        with (
            raw.cursor() as cur,
            cur.copy("COPY log_entries (idx, data) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(["int8", "bytea"])
            for row in zip(range(start, start + len(entries)), entries, strict=True):
                copy.write_row(row)

    def fetch_tiles(
        self, conn: Connection, stmt: _TileQuery, params: Mapping[str, int]
    ) -> Sequence[Sequence[Any]]:
        # Tiles are 16 KB of incompressible hashes. In psycopg's default text format they travel
        # hex-encoded, twice the bytes plus a decode; the binary format halves a proof's latency.
        # SQLAlchemy has no per-statement switch for it, so this one query goes to the driver.
        compiled = self._compiled.get(stmt)
        if compiled is None:
            compiled = self._compiled[stmt] = stmt.compile(dialect=conn.dialect)
        raw = cast(psycopg.Connection[Any], conn.connection.dbapi_connection)
        with raw.cursor(binary=True) as cur:
            cur.execute(str(compiled), compiled.construct_params(params))
            return cur.fetchall()


# -- the store -------------------------------------------------------------------------------------


class SqlLogStore(LogStore):
    """A :class:`LogStore` in a SQL database; made by :func:`open_store`."""

    def __init__(self, *, engine: Engine, dialect: _Dialect) -> None:
        super().__init__()
        self._engine = engine
        self._dialect = dialect
        self._upsert_tiles = dialect.insert_or_replace(
            log_tiles, [log_tiles.c.level, log_tiles.c.idx]
        )
        self._insert_checkpoint = dialect.insert_or_keep(log_checkpoints)
        self._closed = False
        #: The transaction of :meth:`writing` each thread has open on this store, if any.
        self._open = threading.local()
        self._caught: tuple[type[Exception], ...] = (sa_exc.SQLAlchemyError, *dialect.driver_errors)
        try:
            self._upgrade(_LOG_TABLES, _select_opening, self._check_opening)
        except BaseException:
            engine.dispose()
            raise

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for a node that keeps its own tables in the same database."""
        return self._engine

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=False)

    def __repr__(self) -> str:
        return f"SqlLogStore({self._engine.url.render_as_string(hide_password=True)!r})"

    # -- transactions and error translation ----------------------------------------------------

    @contextmanager
    def _translating(self, doing: str) -> Iterator[None]:
        """Turn driver and SQLAlchemy errors into this package's, saying what was being done."""
        if self._closed:
            raise StoreError(f"{doing}: the store is closed")
        try:
            yield
        except StoreError:
            raise
        except self._caught as e:
            if isinstance(e, self._dialect.integrity_errors):
                raise ConflictError(
                    f"{doing}: another writer stored the same rows first ({_detail(e)})"
                ) from e
            raise BackendError(f"{doing} failed: {_detail(e)}") from e

    @contextmanager
    def _reading(self, doing: str) -> Iterator[Connection]:
        """A connection for single-statement reads, each its own snapshot, with no transaction."""
        with self._translating(doing), self._engine.connect() as conn:
            conn.execution_options(**self._dialect.read_options)
            yield conn

    @contextmanager
    def writing(self, doing: str) -> Iterator[Connection]:
        """A transaction on this database that holds its write lock from its first statement,
        for a layer's own tables beside the log (``doing`` names it in errors).

        SQLite's default transaction takes the lock only at its first write, and one that read
        before another connection committed then fails at once ("database is locked") whatever
        the busy timeout; one that begins with the lock waits its turn instead.

        A call made while the same thread is inside one on this store joins it: its statements
        commit or roll back with the outer transaction's (so that one step keeping rows of two
        tables syncs the disk once, and keeps both or neither). Reads on another connection
        do not see what a transaction has written until it commits.
        """
        joined: Connection | None = getattr(self._open, "conn", None)
        if joined is not None:
            with self._translating(doing):
                yield joined
            return
        with self._writing(doing) as conn:
            self._open.conn = conn
            try:
                yield conn
            finally:
                self._open.conn = None

    @contextmanager
    def _writing(self, doing: str) -> Iterator[Connection]:
        """A transaction that holds the database's write lock from its first statement."""
        if getattr(self._open, "conn", None) is not None:
            # SQLite would wait on its own lock until the busy timeout: say what went wrong.
            raise BackendError(
                f"{doing}: the log's own writes take a transaction of their own, not one of "
                "another layer's tables that this thread has open"
            )
        with self._translating(doing), self._engine.connect() as conn:
            conn.execution_options(**self._dialect.write_options)
            with conn.begin():
                yield conn

    # -- schema ----------------------------------------------------------------------------------

    def upgrade_tables(self, tables: migrations.Tables) -> None:
        """Bring ``tables``, a layer's own tables in this database, to their head revision.

        The node's tables migrate this way, under the same locks as the log's. Raises
        :class:`SchemaError` for tables at a revision this code does not have, or made before
        migrations in a layout it does not know.
        """
        self._upgrade(tables, select(tables.versions.c.version_num), lambda _row: None)

    def _upgrade(
        self,
        tables: migrations.Tables,
        probe: Select[Any],
        check: Callable[[Sequence[Any]], None],
    ) -> None:
        """Migrate ``tables`` unless ``probe``, whose first column is the revision, finds head.

        ``check`` judges the one row the probe returns at head. After a migration it runs inside
        the migrating transaction, so that a refusal undoes the migration too.
        """
        doing = f"creating the {tables.name}"
        with self._reading(doing) as conn:
            try:
                rows = conn.execute(probe).all()
            except sa_exc.DBAPIError:
                rows = []  # no version table: a new database, or one made before migrations
        if len(rows) == 1 and rows[0][0] == tables.head:
            check(rows[0])
            return
        with migrations.ALEMBIC_LOCK, self._writing(doing) as conn:
            self._dialect.lock_schema(conn)
            migrations.upgrade(conn, tables)
            check(conn.execute(probe).one())

    def _check_opening(self, row: Sequence[Any]) -> None:
        _, version, size = row
        if version is None:
            raise CorruptionError("the log head row is missing: the log size is unknown")
        if version != SCHEMA_VERSION:
            raise SchemaError(
                f"the log tables have schema version {version}; "
                f"this code reads version {SCHEMA_VERSION}"
            )
        self._saw_size(size)

    @staticmethod
    def _head(conn: Connection, *, lock: bool = False) -> int:
        size = conn.execute(_lock_size if lock else _select_size).scalar()
        if size is None:
            raise CorruptionError("the log head row is missing: the log size is unknown")
        return int(size)

    # -- reads ---------------------------------------------------------------------------------

    def size(self) -> int:
        with self._reading("reading the log size") as conn:
            return self._saw_size(self._head(conn))

    def read_entries(self, start: int, stop: int) -> list[bytes]:
        if not 0 <= start <= stop:
            raise OutOfRangeError(f"entry range [{start}, {stop}) is not a valid range")
        with self._reading(f"reading entries [{start}, {stop})") as conn:
            rows = conn.execute(_select_entries, {"start": start, "stop": stop}).all()
        size = self._saw_size(_size_of(rows))
        if stop > size:
            raise OutOfRangeError(
                f"entry range [{start}, {stop}) is not within the log of size {size}"
            )
        out: list[bytes] = []
        for want, (_, idx, data) in enumerate(rows, start):
            if idx != want:
                break
            out.append(bytes(data))
        if len(out) != stop - start:
            raise CorruptionError(
                f"entry {start + len(out)} is missing from the store (log size {size})"
            )
        return out

    def read_tiles(self, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
        wanted = list(dict.fromkeys(keys))
        with self._reading("reading tiles") as conn:
            size, tiles = self._fetch_tiles(conn, wanted)
        self._saw_size(size)
        for key in wanted:
            if key not in tiles:
                raise CorruptionError(
                    f"tile {_name(key)} is missing from the store (log size {size})"
                )
        return tiles

    def _fetch_tiles(
        self, conn: Connection, keys: list[TileKey]
    ) -> tuple[int, dict[TileKey, bytes]]:
        """The log size and the tiles ``keys``, each checked for the length that size implies.

        A tile not stored is left out; a tile beyond the log is an error.
        """
        params: dict[str, int] = {}
        for i, key in enumerate(keys):
            params[f"l{i}"], params[f"i{i}"] = key
        rows = self._dialect.fetch_tiles(conn, _select_tiles(len(keys)), params)
        size = _size_of(rows)
        widths: dict[TileKey, int] = {}
        for key in keys:
            if key[0] < 0 or key[1] < 0:
                raise OutOfRangeError(f"tile {_name(key)} has a negative coordinate")
            width = tile_width(size, key)
            if width == 0:
                raise OutOfRangeError(f"tile {_name(key)} is beyond the log of size {size}")
            widths[key] = width
        out: dict[TileKey, bytes] = {}
        for _, level, index, data in rows:
            if level is None or index is None or data is None:
                continue  # the head row alone: no tile matched
            key = (level, index)
            want = expanded_length(widths[key])
            if len(data) != want:
                raise CorruptionError(
                    f"tile {_name(key)} is {len(data)} bytes, expected {want} "
                    f"(an expanded tile of width {widths[key]} at log size {size})"
                )
            out[key] = bytes(data)
        return size, out

    def checkpoint(self, size: int | None = None) -> bytes | None:
        notes = log_checkpoints.c.note
        if size is None:
            query = select(notes).order_by(log_checkpoints.c.size.desc()).limit(1)
        else:
            query = select(notes).where(log_checkpoints.c.size == size)
        with self._reading("reading a checkpoint") as conn:
            note = conn.execute(query).scalar()
        return None if note is None else bytes(note)

    def recent_checkpoints(self, below: int, limit: int) -> list[bytes]:
        """The checkpoints of sizes below ``below``, newest first, at most ``limit``."""
        c = log_checkpoints.c
        query = select(c.note).where(c.size < below).order_by(c.size.desc()).limit(limit)
        with self._reading("reading checkpoints") as conn:
            return [bytes(note) for note in conn.execute(query).scalars()]

    # -- writes --------------------------------------------------------------------------------

    def append(self, entries: Sequence[bytes], *, expected_size: int | None = None) -> int:
        count = len(entries)
        if count and max(map(len, entries)) > MAX_ENTRY_SIZE:
            i, big = next((i, e) for i, e in enumerate(entries) if len(e) > MAX_ENTRY_SIZE)
            raise EntryTooLargeError(
                f"entry {i} of the batch is {len(big)} bytes; a tlog-tiles entry bundle holds "
                f"entries of at most {MAX_ENTRY_SIZE} bytes, so the batch was refused"
            )
        # Hash before taking the lock: it is the costliest step and needs nothing stored.
        hashes = leaf_hashes(entries)
        with self._writing(f"appending {count} entries") as conn:
            size = self._head(conn, lock=True)
            if expected_size is not None and expected_size != size:
                raise ConflictError(
                    f"expected the log at size {expected_size}, found {size}: "
                    "another writer appended first; nothing was written"
                )
            if not count:
                return self._saw_size(size)
            edges = self._right_edges(conn, size)
            grown = grow_expanded_tiles(size, hashes, edges.__getitem__)
            self._dialect.insert_entries(conn, size, entries)
            conn.execute(
                self._upsert_tiles,
                [
                    {"level": level, "idx": idx, "data": expanded}
                    for (level, idx), expanded in grown.items()
                ],
            )
            moved = conn.execute(_advance_head, {"old": size, "new": size + count}).rowcount
            if moved != 1:
                raise ConflictError(f"the log head moved from size {size} during the append")
        return self._saw_size(size + count)

    def _right_edges(self, conn: Connection, size: int) -> dict[int, list[bytes]]:
        """The bottom hashes of the partial tile at the right edge of each level, by level."""
        keys: list[TileKey] = []
        level = 0
        while count := size >> (TILE_HEIGHT * level):
            if count % TILE_WIDTH:
                keys.append((level, count // TILE_WIDTH))
            level += 1
        _, tiles = self._fetch_tiles(conn, keys)
        edges: dict[int, list[bytes]] = {}
        for key in keys:
            blob = tiles.get(key)
            if blob is None:
                raise CorruptionError(
                    f"partial tile {_name(key)} at the right edge is missing (log size {size})"
                )
            width = tile_width(size, key)
            edges[key[0]] = [
                blob[i : i + HASH_SIZE] for i in range(0, width * HASH_SIZE, HASH_SIZE)
            ]
        return edges

    def add_checkpoint(self, size: int, note: bytes) -> None:
        self._require_size(size, "checkpoint size")
        if not note:
            raise ValueError("a checkpoint note must not be empty")
        with self._writing(f"storing the checkpoint of size {size}") as conn:
            conn.execute(self._insert_checkpoint, {"size": size, "note": note})
            stored = conn.execute(
                select(log_checkpoints.c.note).where(log_checkpoints.c.size == size)
            ).scalar()
        if stored is None or bytes(stored) != note:
            raise ConflictError(
                f"a different checkpoint of size {size} is already stored; "
                "a log never has two checkpoints of one size"
            )

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._engine.dispose()


def _size_of(rows: Sequence[Any]) -> int:
    """The head size a read returned in its first column; every read joins the head row."""
    if not rows or rows[0][0] is None:
        raise CorruptionError("the log head row is missing: the log size is unknown")
    return int(rows[0][0])


def _name(key: TileKey) -> str:
    return f"{key[0]}/{key[1]}"


def _detail(e: Exception) -> str:
    """The driver's own first line, without SQLAlchemy's statement dump and links."""
    orig = e.orig if isinstance(e, sa_exc.DBAPIError) and e.orig is not None else e
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__
