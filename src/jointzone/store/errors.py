"""Errors of the storage package.

    StoreError                   every error this package raises
    ├── ConflictError            the log is not in the state the caller expected: another writer
    │                            appended first (``expected_size``), or a different checkpoint
    │                            note is already stored for that size
    ├── CorruptionError          stored data fails an integrity check on read: a tile of the wrong
    │                            length, an entry missing from a range, a missing head row
    ├── OutOfRangeError          a size, index or tile beyond the stored log
    ├── EntryTooLargeError       an entry a tlog-tiles bundle cannot hold (more than 65535 bytes)
    ├── SchemaError              the database holds tables of another schema version
    └── BackendError             the database failed, refused or is unreachable (locked, gone,
                                 disk full, unsupported URL); the driver's error is ``__cause__``

Driver errors never leave the package: they are translated at the boundary with ``raise ... from``.
Each message says what was expected and what was found.
"""


class StoreError(Exception):
    """Base class of every error raised by :mod:`jointzone.store`."""


class ConflictError(StoreError):
    """The write would contradict what is stored; nothing was written."""


class CorruptionError(StoreError):
    """Stored data fails an integrity check; returning it would hand out garbage."""


class OutOfRangeError(StoreError, IndexError):
    """A size, index or tile the stored log does not (yet) have."""


class EntryTooLargeError(StoreError, ValueError):
    """An entry longer than a tlog-tiles entry bundle can carry; the batch was refused whole."""


class SchemaError(StoreError):
    """The database holds log tables this code does not understand."""


class BackendError(StoreError):
    """The database itself failed or could not be reached."""
