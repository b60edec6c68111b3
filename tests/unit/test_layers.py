"""The layers of DESIGN.md, kept true: dependencies point inward, and nothing else.

inputs                                                      <- bounded reading of untrusted
                                                               files; imports nothing of ours
regime, acts, consent, neutrality, tlog, cose, credentials, trust  <- pure: no I/O layers
store                                                       <- SQLAlchemy; imports tlog only
node, publish, scenario                                     <- use cases
cli, server                                                 <- interfaces
web                                                         <- pages over a served node
verify                                                      <- standalone: the published log in
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "jointzone"
PURE = {
    "ed25519",
    "inputs",
    "regime",
    "acts",
    "consent",
    "neutrality",
    "tlog",
    "cose",
    "credentials",
    "trust",
}
OUTER = {"store", "node", "publish", "scenario", "cli", "server", "web", "verify"}
INFRASTRUCTURE = {"sqlalchemy", "psycopg", "typer", "rich"}

# What each package may import from the project (besides itself).
ALLOWED: dict[str, set[str]] = {
    # Below everything: the bounded reading of files from outside, needing nothing of ours.
    "inputs": set(),
    # The one Ed25519 verifier (libsodium), beneath every package that checks a signature.
    "ed25519": set(),
    "tlog": {"ed25519"},
    "cose": {"ed25519"},
    "regime": {"inputs"},
    "neutrality": {"regime"},
    # tlog for signed notes: a new node key shows it is held by one (party.rotate-node-key).
    "acts": {"regime", "tlog"},
    "consent": {"cose", "tlog"},
    "credentials": {"cose", "tlog", "regime", "inputs"},
    # Trust bundles: a checkpoint and proved entries in, the credentials' trust out.
    "trust": {"tlog", "cose", "consent", "acts", "regime", "credentials", "inputs"},
    "store": {"tlog"},
    "verify": {"tlog", "inputs"},
    "publish": {"tlog", "store"},
    "node": {
        "tlog",
        "store",
        "cose",
        "consent",
        "acts",
        "regime",
        "neutrality",
        "credentials",
        "trust",
        "inputs",
    },
    "scenario": {"node", "consent", "acts", "regime", "inputs"},
    # A node over HTTP: the node's use cases, and the log formats it serves and reads.
    "server": {"node", "tlog", "consent", "ed25519", "store"},
    # The officials' pages over a served node. They show registries as the command line's
    # tables do, in the same words (cli's registries and catalogue), and sign nothing themselves.
    "web": {
        "server",
        "node",
        "acts",
        "consent",
        "cose",
        "ed25519",
        "regime",
        "neutrality",
        "credentials",
        "trust",
        "tlog",
        "cli",
    },
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "jointzone":
                names.update(f"jointzone.{a.name}" for a in node.names)
    return names


def _packages() -> list[str]:
    return sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())


def test_every_package_has_a_rule() -> None:
    unknown = set(_packages()) - set(ALLOWED) - {"cli"}
    assert not unknown, f"packages without a layer rule: {unknown}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_inward(package: str) -> None:
    if not (SRC / package).exists():
        pytest.fail(f"package {package} is listed but missing")
    bad = []
    for path in sorted((SRC / package).rglob("*.py")):
        for name in _imports(path):
            top, _, rest = name.partition(".")
            if top == "jointzone" and rest:
                target = rest.split(".")[0]
                if target != package and target not in ALLOWED[package]:
                    bad.append(f"{path.relative_to(SRC)} imports jointzone.{target}")
            elif package in PURE and top in INFRASTRUCTURE:
                bad.append(f"{path.relative_to(SRC)} (pure) imports {top}")
            elif package == "verify" and top in INFRASTRUCTURE - {"rich"}:
                bad.append(f"{path.relative_to(SRC)} (standalone verifier) imports {top}")
    assert not bad, "\n".join(bad)
