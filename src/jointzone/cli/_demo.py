"""``jointzone log demo``: a synthetic log, signed with two demo node keys, published, verified.

Its entries are synthetic, not acts (``make run`` plays real ones), after a genesis naming the
demo node keys, as every log's first entry names its parties' keys: it shows the record itself at
any size — an append-only log whose checkpoint only counts with every party's signature,
published as static tiles and verified from those files alone — and makes large logs to try
export and verification on.

The node keys it uses are demo keys, generated on the spot and kept unencrypted next to the log.
It says so every time it runs.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointzone.cli._console import out, progress_bar, say, warn
from jointzone.cli._deployment import default_path
from jointzone.cli.errors import CliError
from jointzone.consent import Entry, Proposal, ProposalContent
from jointzone.cose import CoseSigner
from jointzone.node._standalone import b64url
from jointzone.publish import export_tiles
from jointzone.regime import Regime
from jointzone.store import LogStore, open_store
from jointzone.tlog import Checkpoint, Note, Signer, TlogError, sign_note
from jointzone.verify import verify_tiles

DEMO_ORIGIN = "demo.jointzone.example/log"
DEMO_NODES = ("japan.node.example", "russia.node.example")
"""One node per party of the seed regime, in the regime's order of parties."""

_BATCH = 10_000
_MARKER = ".jointzone-demo"
_MADE = ("log.db", "log.db-wal", "log.db-shm", "log.db-journal", "keys", "tiles")


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", metavar="DIR", help="Where the demo keeps its log and files.")
    ],
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh", help="Start over: remove the demo's log, keys and tiles in DIR first."
        ),
    ] = False,
    entries: Annotated[
        int, typer.Option("--entries", min=0, metavar="N", help="How many entries to append.")
    ] = 1000,
) -> None:
    """Build a small log, sign a checkpoint with both parties' demo node keys, export, verify.

    Run again without --fresh to grow the same log: the export then writes only the new tiles,
    and the previous checkpoint is checked for consistency with the new one.
    """
    log_db, keys_dir, tiles_dir = directory / "log.db", directory / "keys", directory / "tiles"
    if fresh:
        _remove_demo_files(directory)
    _check_made_by_demo(directory, "use")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / _MARKER).write_text(
            "made by `jointzone log demo`; --fresh deletes its files\n"
        )
    except OSError as e:
        raise CliError(f"cannot create {directory}: {e.strerror or e}") from e
    with open_store(f"sqlite:///{log_db}") as store:
        signers = _demo_signers(keys_dir, log_has_entries=store.size() > 0)
        previous = store.checkpoint()
        start = store.size()
        _append_synthetic(store, start, entries, signers)
        say(f"log: appended {entries:,} entries to {log_db}, which now holds {store.size():,}")
        note = _sign_checkpoint(store, signers)
        with progress_bar("exporting") as progress:
            exported = export_tiles(store, tiles_dir, checkpoint_note=note, progress=progress)
    say(
        f"published: exported the checkpoint's tiles to {tiles_dir}: {exported.written:,} files "
        f"written, {exported.unchanged:,} already there"
    )
    verifiers = [s.verifier for s in signers]
    with progress_bar("verifying") as progress:
        report = verify_tiles(
            tiles_dir,
            verifiers,
            older_checkpoints=[previous] if previous is not None else [],
            progress=progress,
        )
    say(f"verified: from the published files alone: {report.summary()}")
    say("verify it yourself:")
    keys = " ".join(f"--key {v.vkey}" for v in verifiers)
    say(f"  jointzone verify-log {tiles_dir} {keys}")
    out.print()
    out.print("[bold]checkpoint[/] (note text, blank line, one signature per party's node):")
    say(note.decode("utf-8").rstrip("\n"))


def _remove_demo_files(directory: Path) -> None:
    """Remove what an earlier demo made, and only that: ``--dir`` may point anywhere.

    The marker file says the demo made the directory's log, keys and tiles; without it,
    files of those names are someone else's and are left alone.
    """
    _check_made_by_demo(directory, "delete")
    try:
        for path in (directory / name for name in _MADE):
            if not path.exists():
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    except OSError as e:
        raise CliError(f"cannot remove the previous demo in {directory}: {e.strerror or e}") from e


def _check_made_by_demo(directory: Path, verb: str) -> None:
    """Refuse to touch a log, keys or tiles in ``directory`` unless the demo made them."""
    if (directory / _MARKER).exists():
        return
    found = [name for name in _MADE if (directory / name).exists()]
    if found:
        raise CliError(
            f"{directory} holds {', '.join(found)} that `jointzone log demo` did not make (there "
            f"is no {_MARKER}); refusing to {verb} them: choose another --dir"
        )


def _demo_signers(keys_dir: Path, *, log_has_entries: bool) -> list[Signer]:
    """Load the demo node keys, or make them for a new log; warn loudly either way."""
    paths = [keys_dir / f"{name}.skey" for name in DEMO_NODES]
    present = [p.exists() for p in paths]
    if all(present):
        signers = [_load_signer(p) for p in paths]
        made = False
    elif not any(present) and not log_has_entries:
        signers = [Signer.generate(name) for name in DEMO_NODES]
        _save_signers(keys_dir, signers)
        made = True
    else:
        raise CliError(
            f"{keys_dir} does not hold the demo keys that signed the log next to it; "
            "run with --fresh to start over"
        )
    warn(
        f"DEMO KEYS — the node keys in {keys_dir} were {'made' if made else 'made earlier'} by "
        "`jointzone log demo` for this demonstration and are stored unencrypted. They stand for no "
        "party: never use them to sign a real log."
    )
    return signers


def _load_signer(path: Path) -> Signer:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise CliError(f"cannot read the demo key {path}: {e}") from e
    if mode & 0o077:
        warn(f"{path} is readable by others (mode {mode:04o}); a signer key should be 0600")
    try:
        return Signer.from_skey(text)
    except TlogError as e:
        raise CliError(f"{path}: {e}") from e


def _save_signers(keys_dir: Path, signers: Sequence[Signer]) -> None:
    try:
        keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for signer in signers:
            skey = keys_dir / f"{signer.name}.skey"
            fd = os.open(skey, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(signer.skey + "\n")
            (keys_dir / f"{signer.name}.vkey").write_text(signer.vkey + "\n", encoding="utf-8")
    except OSError as e:
        raise CliError(f"cannot write the demo keys to {keys_dir}: {e.strerror or e}") from e


def _genesis(signers: Sequence[Signer]) -> bytes:
    """Entry 0: a genesis naming the demo node keys, so that verify-log can pin the parties.

    It adopts the seed regime with a throwaway root key per party, made, used once and
    forgotten here: the log is synthetic, and the genesis says only whose node keys sign it.
    """
    regime = Regime.from_dir(default_path("regimes/seed"))
    parties: dict[str, object] = {}
    roots = []
    for party, signer in zip(regime.party_ids, signers, strict=True):
        root = Ed25519PrivateKey.generate()
        key_id = f"{party}-demo-root"
        parties[party] = {
            "root_keys": [
                {"id": key_id, "public_key": b64url(root.public_key().public_bytes_raw())}
            ],
            "threshold": 1,
            "node_verifier": signer.vkey,
        }
        roots.append(CoseSigner(kid=key_id.encode(), private_key=root))
    act = {
        "type": "regime.adopt",
        "regime": regime.canonical(),
        "parties": parties,
        "clock": "simulated",
    }
    now = datetime.now(UTC).replace(microsecond=0)
    content = ProposalContent.new(
        act,
        regime_id=regime.id,
        regime_version=regime.version,
        origin=DEMO_ORIGIN,
        proposed_by=regime.party_ids[0],
        proposed_at=now,
        expires_at=now,
    )
    proposal = Proposal.create(content, roots[0])
    for root_signer in roots[1:]:
        proposal = proposal.cosign(root_signer)
    return Entry(time=now, proposal=proposal).encode()


def _append_synthetic(store: LogStore, start: int, count: int, signers: Sequence[Signer]) -> None:
    """Synthetic entries, plainly not acts, after a genesis that names the node keys."""
    if start == 0 and count:
        store.append([_genesis(signers)], expected_size=0)
        start, count = 1, count - 1
    with progress_bar("appending") as progress:
        for at in range(start, start + count, _BATCH):
            stop = min(at + _BATCH, start + count)
            store.append(
                [
                    json.dumps({"demo": i, "note": "synthetic entry"}).encode()
                    for i in range(at, stop)
                ],
                expected_size=at,
            )
            progress(stop - start, count)


def _sign_checkpoint(store: LogStore, signers: Sequence[Signer]) -> bytes:
    """Each party's node signs the same checkpoint text in turn; it is final with both."""
    text = Checkpoint(DEMO_ORIGIN, store.size(), store.root()).to_text()
    note = Note(text=text)
    for signer in signers:
        note = sign_note(text, [signer], existing=note)
    say(
        f"signed: the checkpoint of size {store.size():,} by each party's node in turn: "
        f"{', then '.join(s.name for s in signers)}"
    )
    data = note.to_bytes()
    store.add_checkpoint(store.size(), data)
    return data
