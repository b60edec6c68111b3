"""Storage of the log: entries, expanded tiles and checkpoint notes, in SQLite or PostgreSQL.

Open a store with :func:`open_store`; everything it does is in :class:`LogStore`. Errors are
drawn in :mod:`jointzone.store.errors`.
"""

from jointzone.store._base import LogStore
from jointzone.store._sql import SCHEMA_VERSION, SqlLogStore, normalize_url, open_store
from jointzone.store.errors import (
    BackendError,
    ConflictError,
    CorruptionError,
    EntryTooLargeError,
    OutOfRangeError,
    SchemaError,
    StoreError,
)

__all__ = [
    "SCHEMA_VERSION",
    "BackendError",
    "ConflictError",
    "CorruptionError",
    "EntryTooLargeError",
    "LogStore",
    "OutOfRangeError",
    "SchemaError",
    "SqlLogStore",
    "StoreError",
    "normalize_url",
    "open_store",
]
