"""A writer for the kill test: appends batches until killed, printing each size once committed.

Run as ``python _store_writer.py URL``, it is a fork server: for each seed read from stdin it forks
a writer, prints ``pid <pid>``, and once that writer is dead prints ``exit <status>``. A fork of a
process that has already imported everything starts in milliseconds, where a fresh interpreter
takes half a second, so a soak of hundreds of kills stays short. The writer is still a process
of its own that dies by SIGKILL in the middle of whatever it is doing.

Every entry says which batch it belongs to, ``b"<start>+<count>#<position>;"``, so a reader can tell
from the entries alone whether the log ends on a batch boundary and whether a batch is torn.
"""

from __future__ import annotations

import os
import random
import sys
import traceback

from jointzone.store import open_store

BATCH_SIZES = (1, 2, 255, 256, 257, 700, 2000, 5000)


def batch(start: int, count: int) -> list[bytes]:
    return [b"%d+%d#%d;" % (start, count, j) + b"x" * (j % 50) for j in range(count)]


def say(line: str) -> None:
    """One line in one write(2): a kill can never leave half of it in the pipe."""
    os.write(1, line.encode() + b"\n")


def write(url: str, seed: int) -> None:
    """Append until killed; print each size only after its commit: an acknowledgement."""
    rng = random.Random(seed)
    with open_store(url) as store:
        size = store.size()
        say(f"ready {size}")
        while True:
            count = rng.choice(BATCH_SIZES)
            size = store.append(batch(size, count), expected_size=size)
            say(str(size))


def serve(url: str) -> None:
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                write(url, int(line))
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
            os._exit(1)  # never return into the server's loop
        say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exit {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    serve(sys.argv[1])
