"""Go's golang.org/x/mod/sumdb/note and sumdb/tlog, as a program our tests run: the reference
our checkpoints are checked against (DESIGN.md, principle 3).

The program in ``go/opennote`` opens a signed checkpoint with the node verifier keys and
recomputes the tree root from the entries. It builds offline against Debian's golang-go and
golang-golang-x-mod-dev; where they are missing the tests fail (never skip) and say how to
install them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jointzone.tlog import encode_bundle

GOPATH = Path("/usr/share/gocode")
X_MOD = GOPATH / "src/golang.org/x/mod"
PROGRAM = Path(__file__).parent / "go" / "opennote"
INSTALL = (
    "install the Debian packages golang-go and golang-golang-x-mod-dev "
    "(`make debian-deps` does, as root)"
)


def build_opennote(work: Path) -> Path:
    """The Go program, built offline into ``work``, in GOPATH mode against Debian's x/mod
    sources; fails the test (never skips) where Go or x/mod is missing."""
    go = shutil.which("go")
    if go is None:
        pytest.fail(f"the Go interoperability test needs `go` on PATH: {INSTALL}")
    for package in ("sumdb/note", "sumdb/tlog"):
        if not (X_MOD / package).is_dir():
            pytest.fail(f"the Go interoperability test needs {X_MOD / package}: {INSTALL}")
    # Drop the caller's Go settings (GOFLAGS in particular): the build must not reach a module
    # proxy or depend on the environment it happens to run in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env |= {
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(work / "cache"),
        "GOENV": "off",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    binary = work / "opennote"
    proc = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=PROGRAM,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"building {PROGRAM} failed ({INSTALL} if missing):\n{proc.stderr}")
    return binary


def run_go(
    binary: Path, tmp_path: Path, note: bytes, entries: list[bytes], keys: list[str]
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "note").write_bytes(note)
    (tmp_path / "entries").write_bytes(encode_bundle(entries))
    args = [str(binary), "-note", str(tmp_path / "note"), "-entries", str(tmp_path / "entries")]
    for k in keys:
        args += ["-key", k]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def accepted(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, f"Go refused the checkpoint: {proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result
