"""Publishing the log: the C2SP tlog-tiles layout as static files any web server can serve.

A mirror copies the directory; a party or an outsider checks it with :mod:`jointzone.verify`,
which needs nothing but these files and the parties' verifier keys.
"""

from jointzone.publish._tiles import ExportReport, Progress, export_tiles
from jointzone.publish.errors import CheckpointError, ConflictError, PublishError, WriteError

__all__ = [
    "CheckpointError",
    "ConflictError",
    "ExportReport",
    "Progress",
    "PublishError",
    "WriteError",
    "export_tiles",
]
