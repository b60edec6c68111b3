"""A party's node over HTTP: the public log as tlog-tiles, the peer API, the officials' API.

Every peer request is signed by the sending node's key (RFC 9421) and checked against the key
pinned for that peer; everything with legal weight inside it is a COSE object an official
signed, judged on its own by the node whichever peer forwarded it.
"""

from jointzone.server._app import create_app
from jointzone.server._client import PeerClient, PeerUnavailableError
from jointzone.server._driver import Driver
from jointzone.server._serve import serve
from jointzone.server._service import NodeService

__all__ = ["Driver", "NodeService", "PeerClient", "PeerUnavailableError", "create_app", "serve"]
