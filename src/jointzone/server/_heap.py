"""The served node's heap, kept out of the cyclic garbage collector's full passes.

A node holds its whole replica in memory: at 100,000 acts some 600,000 objects, and a full
(generation 2) collection walks every one of them, 0.3 s on this machine, during which no
request is answered; at 1,000,000 entries it would be seconds. Those objects live as long as
the node: the replayed state, the regime, the caches. :func:`settle` moves every object alive
to the collector's permanent generation (:func:`gc.freeze`), so that later passes walk only
what was made since; a node calls it once its log is replayed and after each catch-up, the two
moments it makes objects by the hundred thousand. Each call collects first, and walks only the
objects made since the last. Reference counting frees objects as before: only a reference cycle
frozen while alive and dropped later is never freed.

:func:`release` undoes it before the process ends, so that the interpreter tears the heap down
as usual (without it, extension modules report the frozen objects as leaked).
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what is garbage now, then freeze what is left (see the module docstring)."""
    gc.collect()
    gc.freeze()


def release() -> None:
    """Return the frozen objects to the collector (see the module docstring)."""
    gc.unfreeze()
