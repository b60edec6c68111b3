"""The log store contract on SQLite, plus what only SQLite has: pragmas, files, URLs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from contract import LogStoreContract, entries
from sqlalchemy import text

from jointzone.store import BackendError, SqlLogStore, normalize_url, open_store
from jointzone.store._sql import _enter_wal


class TestSQLiteStore(LogStoreContract):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'log.db'}"


def test_durability_pragmas(tmp_path: Path) -> None:
    """WAL and synchronous=FULL on every connection: an acknowledged append survives a crash."""
    with open_store(f"sqlite:///{tmp_path / 'log.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


class _Cursor:
    """A cursor whose ``PRAGMA journal_mode=WAL`` fails with ``errors`` before it answers."""

    def __init__(self, *errors: sqlite3.OperationalError) -> None:
        self.errors = list(errors)
        self.tries = 0

    def execute(self, _sql: str) -> _Cursor:
        self.tries += 1
        if self.errors:
            raise self.errors.pop(0)
        return self

    def fetchone(self) -> Any:
        return ("wal",)


def _error(message: str, code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


def test_switch_to_wal_waits_out_a_busy_file() -> None:
    """SQLite answers a new file's switch to WAL with "locked" at once while another process
    makes the same switch, ignoring the busy timeout: the switch is tried again."""
    busy = [_error("database is locked", sqlite3.SQLITE_BUSY) for _ in range(3)]
    cur = _Cursor(*busy, _error("database is locked", 261))  # SQLITE_BUSY_RECOVERY
    assert _enter_wal(cur) == ("wal",)  # type: ignore[arg-type]
    assert cur.tries == 5


def test_switch_to_wal_raises_what_is_not_busy() -> None:
    cur = _Cursor(_error("disk I/O error", sqlite3.SQLITE_IOERR))
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        _enter_wal(cur)  # type: ignore[arg-type]
    assert cur.tries == 1


def test_entry_positions_are_the_rowid(tmp_path: Path) -> None:
    """``idx INTEGER PRIMARY KEY`` aliases the rowid: no second B-tree for the biggest table."""
    with open_store(f"sqlite:///{tmp_path / 'log.db'}") as store, store.engine.connect() as conn:
        indexes = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
            {"t": "log_entries"},
        ).all()
        assert indexes == []


def test_tables_are_prefixed_or_keep_their_version(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'log.db'}") as store, store.engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).all()
        # The log's tables, and the version table their migrations keep (Alembic).
        assert sorted(n for (n,) in names) == [
            "alembic_version_log",
            "log_checkpoints",
            "log_entries",
            "log_head",
            "log_tiles",
        ]


def test_in_memory_store() -> None:
    with open_store("sqlite://") as store:
        store.append(entries(0, 300))
        assert store.read_entries(299, 300) == entries(299, 300)


def test_store_exposes_its_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with open_store(url) as store:
        assert isinstance(store, SqlLogStore)
        assert store.url == url
        assert str(tmp_path) in repr(store)


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="creating the log tables failed: unable to open"):
        open_store(f"sqlite:///{tmp_path / 'nowhere' / 'log.db'}")


@pytest.mark.parametrize(
    ("given", "want"),
    [
        ("sqlite:///a/b.db", "sqlite:///a/b.db"),
        ("postgresql://u:p@h:5/d", "postgresql+psycopg://u:p@h:5/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d?host=/run/x", "postgresql+psycopg://u@h/d?host=%2Frun%2Fx"),
    ],
)
def test_normalize_url(given: str, want: str) -> None:
    assert normalize_url(given) == want


@pytest.mark.parametrize("bad", ["mysql://u@h/d", "not a url", "postgresql+asyncpg://u@h/d"])
def test_unsupported_url(bad: str) -> None:
    with pytest.raises(BackendError):
        open_store(bad)
