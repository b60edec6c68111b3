"""Build a tiles export for the verification benchmark: ``python -m bench._tiles_export DIR N S``.

A module of its own, run in a child process, so that the process measuring the verifier never
loads the store, its database drivers or the export's buffers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from jointzone.publish import export_tiles
from jointzone.store import open_store
from jointzone.tlog import Checkpoint, Signer, sign_note

ORIGIN = "bench.jointzone.example/log"
_BATCH = 50_000


def build(work: Path, entries: int, entry_size: int) -> None:
    """Append ``entries`` entries to a SQLite store, sign a checkpoint with two keys, export.

    The verifier keys go to ``work/keys.txt``, the tiles to ``work/tiles``.
    """
    work.mkdir(parents=True, exist_ok=True)
    (work / "log.db").unlink(missing_ok=True)
    signers = [Signer.generate("alpha.bench.example"), Signer.generate("beta.bench.example")]
    pad = b"\xa5" * entry_size
    t0 = time.perf_counter()
    with open_store(f"sqlite:///{work / 'log.db'}") as store:
        for at in range(0, entries, _BATCH):
            stop = min(at + _BATCH, entries)
            store.append([(i.to_bytes(8, "big") + pad)[:entry_size] for i in range(at, stop)])
        t1 = time.perf_counter()
        text = Checkpoint(ORIGIN, store.size(), store.root()).to_text()
        note = sign_note(text, signers).to_bytes()
        store.add_checkpoint(store.size(), note)
        export_tiles(store, work / "tiles", checkpoint_note=note)
    t2 = time.perf_counter()
    (work / "keys.txt").write_text("".join(s.vkey + "\n" for s in signers))
    print(
        f"built {entries:,} entries of {entry_size} bytes in {work}: "
        f"append {entries / (t1 - t0):,.0f} entries/s, export {entries / (t2 - t1):,.0f} entries/s"
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
