"""The Alembic environment of the log tables: see :mod:`jointzone.store.migrations`."""

from jointzone.store.migrations import run_environment

run_environment()
