"""Demo officials: a demonstration deployment's officials whose keys the node holds.

A real deployment never holds an official's key, and this app never needs one: an official's
browser makes and keeps it. A demonstration (``make run``) has no officials with browsers of their
own, so ``node serve --demo-officials DIR`` lets the node sign *for* the demo officials whose key
files are in ``DIR`` (made by ``network-demo``, encrypted with the published demo passphrase):
the login page offers them, and the page's script asks the node to sign where a browser would
sign itself. Every page then says so (see ``base.html``). The node signs only for an official of
its own party whose key in the log is the key in the file, and only the bytes a signed-in
session of that official asks for: the same bytes the browser would have signed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.node import KeystoreError, Node, read_key_file


class DemoOfficials:
    """The key files of ``directory``, one per official (``<official id>.pem``)."""

    def __init__(self, directory: Path, party: str) -> None:
        self.directory = directory
        self.party = party
        self._lock = threading.Lock()
        self._keys: dict[str, Ed25519PrivateKey] = {}

    def _key(self, official: str) -> Ed25519PrivateKey | None:
        with self._lock:
            if official in self._keys:
                return self._keys[official]
        path = self.directory / f"{official}.pem"
        if "/" in official or not path.is_file():
            return None
        try:
            key = read_key_file(path, DEMO_PASSPHRASE)
        except (KeystoreError, ValueError, OSError):
            return None
        with self._lock:
            self._keys[official] = key
        return key

    def usable(self, n: Node) -> list[str]:
        """The officials of this party the node may sign for now, in appointment order."""
        position = n.log_size()
        out = []
        for official in n.replica.state.officials.values():
            if official.party != self.party or official.key_at(position) is None:
                continue
            if self.key_for(n, official.id) is not None:
                out.append(official.id)
        return out

    def key_for(self, n: Node, official: str) -> Ed25519PrivateKey | None:
        """``official``'s demo key, if it is the key the log gives them now."""
        record = n.replica.state.officials.get(official)
        if record is None or record.party != self.party:
            return None
        current = record.key_at(n.log_size())
        key = self._key(official)
        if key is None or current is None or key.public_key().public_bytes_raw() != current:
            return None
        return key
