"""The log store contract on PostgreSQL (``postgres_url``: a fresh schema per test)."""

from __future__ import annotations

import pytest
from contract import LogStoreContract
from sqlalchemy import text

from jointzone.store import BackendError, open_store


@pytest.mark.postgres
class TestPostgresStore(LogStoreContract):
    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        return postgres_url


@pytest.mark.postgres
def test_tables_live_in_the_given_schema(postgres_url: str) -> None:
    with open_store(postgres_url) as store, store.engine.connect() as conn:
        names = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).all()
        # The log's tables, and the version table their migrations keep (Alembic).
        assert sorted(n for (n,) in names) == [
            "alembic_version_log",
            "log_checkpoints",
            "log_entries",
            "log_head",
            "log_tiles",
        ]


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(BackendError, match=r"creating the log tables failed: .*connect"):
        open_store("postgresql://nobody@127.0.0.1:1/nothing")
