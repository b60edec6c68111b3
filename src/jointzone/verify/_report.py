"""What a successful verification established, and its one-line summary."""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Report:
    """A tiles directory that verified: the checkpoint it proved and who signed it.

    ``older`` holds the sizes of the older checkpoints found consistent with this one, in the
    order given; ``hashes`` counts the SHA-256 computations the verification made (benchmarks
    compare it with the machine's bound).
    """

    origin: str
    size: int
    root: bytes
    signers: tuple[str, ...]
    older: tuple[int, ...] = ()
    hashes: int = 0
    #: The leaf hash of entry 0, so a caller that read the genesis can tie it to what verified.
    first_leaf: bytes | None = None
    #: Whether every entry was also judged (by the judge the caller gave) and passed.
    judged: bool = False

    def summary(self) -> str:
        """``ok: 1,000 entries, root <b64>, signed by a, b; consistent with 1 older checkpoint``."""
        noun = "entry" if self.size == 1 else "entries"
        line = (
            f"ok: {self.size:,} {noun}, root {base64.b64encode(self.root).decode('ascii')}, "
            f"signed by {', '.join(self.signers)}"
        )
        if self.older:
            count = len(self.older)
            line += f"; consistent with {count} older checkpoint{'s' * (count != 1)}"
        if self.judged:
            line += "; every entry judged: signatures, consent, state transitions"
        return line
