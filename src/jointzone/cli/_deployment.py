"""Opening an embedded deployment from the command line: where it is, and its passphrases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jointzone.cli._console import warn
from jointzone.node import DEPLOYMENT_FILE, Clock, EmbeddedDeployment, passphrase_from_env

DEFAULT_REGIME = Path("regimes/seed")
DEMO_PASSPHRASE = b"demo-passphrase-not-a-secret"
_warned: list[bool] = []  # warn once per process, however many deployments it opens


def regime_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("JOINTZONE_REGIME")
    return Path(env) if env else DEFAULT_REGIME


def passphrases(parties: list[str], *, demo: bool) -> dict[str, bytes | None]:
    """Each party's keystore passphrase: from the environment, or the demo one when asked."""
    if demo and not _warned:
        _warned.append(True)
        warn(
            "DEMO KEYS: every keystore of this deployment is encrypted with a published demo "
            "passphrase. Never use them for anything real."
        )
    if demo:
        return dict.fromkeys(parties, DEMO_PASSPHRASE)
    return {p: passphrase_from_env(p) for p in parties}


def parties_of(root: Path) -> list[str]:
    marker = root / DEPLOYMENT_FILE
    if not marker.exists():
        return []
    return [p for p in marker.read_text(encoding="utf-8").split("\n")[1:] if p]


@contextmanager
def opened(
    root: Path, *, regime: Path | None, demo: bool, clock: Clock | None = None
) -> Iterator[EmbeddedDeployment]:
    keys = passphrases(parties_of(root), demo=demo)
    kwargs = {} if clock is None else {"clock": clock}
    with EmbeddedDeployment.open(
        root, passphrases=keys, regime_dir=regime_dir(regime), **kwargs
    ) as deployment:
        yield deployment
