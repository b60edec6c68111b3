"""Errors of the publishing package.

    PublishError            every error this package raises
    ├── CheckpointError     the checkpoint given does not describe the store's log: it does not
    │                       parse, is beyond the store's size, or signs another root
    ├── ConflictError       the directory already holds something this export must not overwrite:
    │                       a different immutable tile, or a newer or different checkpoint
    └── WriteError          the file system refused a read or a write; the OSError is ``__cause__``

Store errors (:class:`~jointzone.store.errors.StoreError`) pass through unchanged: they already
say what went wrong with the store. Each message says what was expected and what was found.
"""

from __future__ import annotations


class PublishError(Exception):
    """Base class of every error raised by :mod:`jointzone.publish`."""


class CheckpointError(PublishError):
    """The checkpoint to publish is not a checkpoint of the store's log."""


class ConflictError(PublishError):
    """Publishing would overwrite what a mirror may already hold; nothing was overwritten."""


class WriteError(PublishError):
    """Reading or writing a file in the directory failed."""
