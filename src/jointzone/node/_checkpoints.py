"""Checkpoints a node signs, keeps final, and vouches for.

A node signs the checkpoint its own log and state give at a size, and never a second, different
one at that size: each signature is remembered, with the time it was made, before it leaves the
node. What it last signed and last held final is also kept beside its keystore, out of reach of
a database restore, so an audit can tell a log rolled back below what this node vouched for
(see :mod:`._audit`), and so that the node itself signs nothing until its log extends both
again: a node restored from an old backup lacks the record, kept in its database, of what it
signed since, and would otherwise sign a second checkpoint of a size it signed before. A restore
(see :mod:`._backup`) also leaves a mark beside the keystore: until the node has caught up with
every peer's final checkpoint (``Witnessing.rejoin``), it signs nothing at all, which
covers a node restored on a new machine, where the record beside the keystore is the archive's.

Vouching is how a trust bundle stays fresh: asked to, a node adds a C2SP tlog-cosignature/v1
timestamp to its latest final checkpoint, saying "at this time this was my latest state". It
refuses when it holds more than that checkpoint covers, so a bundle every party vouched for is
current as of the oldest of their timestamps. The cosignature key is the node's Ed25519 key
under signature type 0x04; a cosigned message starts ``cosignature/v1\\ntime``, which no
checkpoint text can (its second line is a tree size), so the two kinds of signature by one key
cannot be confused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select

from jointzone import inputs
from jointzone.consent import format_time
from jointzone.node import _tables as t
from jointzone.node._core import NodeCore
from jointzone.node._trust import checkpoint_extensions
from jointzone.node.errors import SyncError, WitnessError
from jointzone.store import ConflictError
from jointzone.tlog import (
    Checkpoint,
    CosignatureSigner,
    MalformedError,
    Note,
    SignatureError,
    open_checkpoint,
    sign_note,
)

SIGNED_STATE_FILE = "signed-state.json"
#: Left beside the keystore by a restore, removed once the node has caught up with its peers.
RESTORED_FILE = "restored.json"


def read_signed_state(path: Path) -> dict[str, bytes]:
    """What a node kept beside its keystore, where a database restore cannot reach: the last
    checkpoint it signed (``signed``) and the last it held final (``final``), as note bytes."""
    try:
        data = inputs.read_json(path, limits=inputs.NODE_FILE)
    except inputs.MissingInputError:
        return {}
    except inputs.InputError as e:
        raise SyncError(f"unreadable record of what this node signed: {e}") from e
    if not isinstance(data, dict):
        raise SyncError(f"{path}: expected a JSON object")
    return {
        k: v.encode("utf-8")
        for k, v in data.items()
        if k in ("signed", "final") and isinstance(v, str)
    }


class Checkpoints(NodeCore):
    """Signing, remembering and keeping checkpoints (see the module docstring)."""

    #: The file of :meth:`signed_state` as last read or written: its identity and contents.
    _signed_kept: tuple[tuple[int, int, int], dict[str, bytes]] | None = None

    #: The last checkpoint text derived, with its size and root: a witness derives the text
    #: once to judge the offered one and again as it signs. The log's root at a size fixes
    #: its entries, so the state they give, so the text.
    _derived: tuple[int, bytes, str] | None = None

    def _checkpoint_text(self, size: int, root: bytes) -> str:
        if self._replica.size != size:
            raise WitnessError(
                f"checkpoint of size {size}, but this node's state is at {self._replica.size}"
            )
        derived = self._derived
        if derived is not None and derived[0] == size and derived[1] == root:
            return derived[2]
        text = Checkpoint(
            origin=self._replica.origin,
            size=size,
            root=root,
            extensions=checkpoint_extensions(self._replica.state),
        ).to_text()
        self._derived = (size, root, text)
        return text

    def _sign_checkpoint(self, size: int, root: bytes, existing: Note | None = None) -> bytes:
        """Sign the checkpoint this node's own log and state give at ``size``.

        Its extension line commits to the verifier table (see :mod:`jointzone.trust`), computed
        from this node's state; a checkpoint offered with any other text is refused.
        """
        text = self._checkpoint_text(size, root)
        if existing is not None and existing.text != text:
            raise WitnessError(
                f"checkpoint text differs from the one the node of {self._party!r} derives "
                f"from its own log: offered {existing.text!r}, derived {text!r}"
            )
        # A locked keystore, or a node key in force that it lacks, stops here, before anything
        # is kept.
        signers = self._node_signers(size)
        held = self._store.size()
        self.check_extends_kept(
            size, lambda at: root if at == size else self._store.root(at) if at <= held else None
        )
        self._remember_cosigned(size, text)
        return sign_note(text, signers, existing=existing).to_bytes()

    def _remember_cosigned(self, size: int, text: str, offered: bytes | None = None) -> None:
        """Refuse to sign a second, different checkpoint at a size; keep the evidence."""
        with self._store.writing("keeping a cosigned checkpoint") as conn:
            row = conn.execute(select(t.cosigned.c.text).where(t.cosigned.c.size == size)).first()
            if row is None:
                conn.execute(
                    insert(t.cosigned).values(
                        size=size, text=text, signed_at=format_time(self.now())
                    )
                )
                return
            if row.text == text:
                return
            conn.execute(
                insert(t.conflicts).values(
                    size=size, signed=row.text, offered=offered or text.encode()
                )
            )
        raise WitnessError(
            f"the node of {self._party!r} already signed a different checkpoint of size {size}; "
            "refusing to sign two (evidence kept)"
        )

    def signed_text(self, size: int) -> str | None:
        """The text of the checkpoint this node signed at ``size``, if it signed one."""
        with self._store.engine.connect() as conn:
            text = conn.execute(select(t.cosigned.c.text).where(t.cosigned.c.size == size)).scalar()
        return None if text is None else str(text)

    def conflicts(self) -> list[tuple[int, str, bytes]]:
        with self._store.engine.connect() as conn:
            return [(r.size, r.signed, r.offered) for r in conn.execute(select(t.conflicts))]

    # -- final checkpoints ----------------------------------------------------------------------

    def final_size(self) -> int:
        """The size of the latest checkpoint every party's node signed that this node holds."""
        note = self._store.checkpoint()
        return 0 if note is None else Checkpoint.from_text(Note.from_bytes(note).text).size

    def accept_final(self, checkpoint: bytes, *, signed: bool = False) -> None:
        """Keep a checkpoint that every party's node signed, over this node's own log.
        ``signed``: this node signed it too, as the sequencer of its batch (one write of what
        is kept beside the keystore says both)."""
        try:
            size = Checkpoint.from_text(Note.from_bytes(checkpoint).text).size
            cp, _ = open_checkpoint(
                checkpoint,
                self._replica.node_verifiers(size),
                origin=self._replica.origin,
                require="all",
            )
        except (MalformedError, SignatureError) as e:
            raise WitnessError(f"final checkpoint refused: {e}") from e
        if cp.size > self._store.size() or self._store.root(cp.size) != cp.root:
            raise SyncError(
                f"final checkpoint of size {cp.size} does not match the log of {self._party!r}"
            )
        try:
            self._store.add_checkpoint(cp.size, checkpoint)
        except ConflictError as e:
            raise SyncError(str(e)) from e
        if cp.size >= self.final_size():
            self._save_signed_state(final=checkpoint, signed=checkpoint if signed else None)
        elif signed:
            self._save_signed_state(signed=checkpoint)

    def check_extends_kept(self, size: int, root_at: Callable[[int], bytes | None]) -> None:
        """Refuse to sign a tree of ``size`` (whose root at each smaller size ``root_at``
        gives; None: not known here) unless this node has rejoined its peers since a restore,
        and the tree extends every checkpoint it signed or held final as kept beside its
        keystore (see the module docstring)."""
        if self.restored:
            raise WitnessError(
                f"the node of {self._party!r} was restored from a backup and signs nothing "
                "until it has caught up with every peer's final checkpoint"
            )
        for what, note in self.signed_state().items():
            kept = Checkpoint.from_text(Note.from_bytes(note).text)
            who = "signed" if what == "signed" else "held final"
            if kept.size > size:
                raise WitnessError(
                    f"rolled back: the node of {self._party!r} {who} a checkpoint of size "
                    f"{kept.size:,} (kept beside its keystore) and is asked to sign one of size "
                    f"{size:,}; it catches up from its peers first"
                )
            root = root_at(kept.size)
            if root is None:
                raise WitnessError(
                    f"the node of {self._party!r} {who} a checkpoint of size {kept.size:,} beyond "
                    f"the {self._store.size():,} entries it holds; it catches up from its peers "
                    "first"
                )
            if root != kept.root:
                raise WitnessError(
                    f"refusing to sign a fork: the tree offered has another root at size "
                    f"{kept.size:,} than the checkpoint the node of {self._party!r} {who} there"
                )

    @property
    def restored(self) -> bool:
        """Restored from a backup and not yet caught up with its peers (see ``rejoin``)."""
        return (self._keys.path / RESTORED_FILE).exists()

    def vouch(self, checkpoint: bytes) -> bytes:
        """``checkpoint`` with this node's cosignature/v1 timestamp, if it is this node's latest
        final checkpoint and this node holds nothing beyond it (see the module docstring)."""
        latest = self._store.checkpoint()
        if latest is None:
            raise SyncError(f"the node of {self._party!r} holds no final checkpoint yet")
        mine = Note.from_bytes(latest)
        try:
            theirs = Note.from_bytes(checkpoint)
            cp = Checkpoint.from_text(theirs.text)
        except MalformedError as e:
            raise WitnessError(f"checkpoint to vouch for refused: {e}") from e
        size = self._store.size()
        if theirs.text != mine.text or cp.size != size:
            held = Checkpoint.from_text(mine.text).size
            raise SyncError(
                f"the node of {self._party!r} vouches only for its latest state: it holds "
                f"{size} entries, final up to {held}; the checkpoint offered is of size {cp.size}"
            )
        self.check_extends_kept(size, self._store.root)
        now = int(self.now().timestamp())
        stamps = [
            CosignatureSigner(name, key).sign(cp, timestamp=now)
            for name, key in self._node_keys(size)
        ]
        return theirs.with_signatures(*stamps).to_bytes()

    # -- what this node vouched for, kept outside its database ----------------------------------

    def _state_path(self) -> Path:
        return self._keys.path / SIGNED_STATE_FILE

    def signed_state(self) -> dict[str, bytes]:
        """The last checkpoint this node signed and the last it held final (see
        :func:`read_signed_state`).

        Read at every checkpoint the node signs, so the file's contents are kept with its
        identity (inode, size, modification time): this node's own writes replace the kept
        copy, and a file replaced by anyone else is read again."""
        path = self._state_path()
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return {}
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        kept = self._signed_kept
        if kept is not None and kept[0] == stamp:
            return dict(kept[1])
        state = read_signed_state(path)
        self._signed_kept = (stamp, state)
        return dict(state)

    def _save_signed_state(
        self, *, signed: bytes | None = None, final: bytes | None = None
    ) -> None:
        state = self.signed_state()
        for key, note in (("signed", signed), ("final", final)):
            if note is None:
                continue
            new = Checkpoint.from_text(Note.from_bytes(note).text).size
            old = state.get(key)
            if old is None or Checkpoint.from_text(Note.from_bytes(old).text).size <= new:
                state[key] = note
        path = self._state_path()
        tmp = path.with_suffix(".tmp")
        text = json.dumps({k: v.decode("utf-8") for k, v in state.items()}, indent=2) + "\n"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
            st = os.fstat(f.fileno())
        os.replace(tmp, path)
        self._signed_kept = ((st.st_ino, st.st_size, st.st_mtime_ns), dict(state))
