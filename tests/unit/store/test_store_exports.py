"""The store's public names are a deliberate list: adding one is a decision, not an accident."""

import jointzone.store


def test_exported_members() -> None:
    assert set(jointzone.store.__all__) == {
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
    }
    for name in jointzone.store.__all__:
        assert getattr(jointzone.store, name) is not None
