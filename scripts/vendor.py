"""Vendor the third-party JavaScript the project serves or tests with, from npm, pinned.

    .venv/bin/python scripts/vendor.py            # install what vendor/package-lock.json pins,
                                                  # copy the files below, record their hashes
    .venv/bin/python scripts/vendor.py --check    # exit 1 if a copied file differs from its hash

To add or update a package: change ``vendor/package.json``, run ``npm install --package-lock-only
--ignore-scripts`` in ``vendor/``, add its files to :data:`FILES`, run this script, review the diff.

npm checks every package against the ``integrity`` (SHA-512) its lock file records, so the files
come from exactly the pinned tarballs; ``npm ci --ignore-scripts`` runs no package's install
script. Each copied file's SHA-384 is written to ``vendor/integrity.json`` in the Subresource
Integrity form (``sha384-<base64>``), which the pages that load it carry as their ``integrity``
attribute, and which the tests check against the files. Nothing is fetched at run time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "vendor"
MANIFEST = VENDOR / "integrity.json"

#: package -> (file in the package, where it goes in the repository)
FILES: dict[str, list[tuple[str, str]]] = {
    # The accessibility checker the browser tests run on every page.
    "axe-core": [("axe.min.js", "tests/functional/web/vendor/axe.min.js")],
    # The officer's verifier app reads QR codes with it (camera frames, image files): pure
    # JavaScript, so the app's content security policy needs no 'wasm-unsafe-eval'.
    "jsqr": [
        ("dist/jsQR.js", "src/jointzone/web/verifier/vendor/jsQR.js"),
        ("LICENSE", "src/jointzone/web/verifier/vendor/jsQR.LICENSE.txt"),
    ],
}


def sri(data: bytes) -> str:
    """The Subresource Integrity value of ``data`` (SHA-384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def _locked_versions() -> dict[str, str]:
    lock = json.loads((VENDOR / "package-lock.json").read_text(encoding="utf-8"))
    return {
        name.removeprefix("node_modules/"): meta["version"]
        for name, meta in lock["packages"].items()
        if name.startswith("node_modules/")
    }


def install() -> dict[str, dict[str, str]]:
    versions = _locked_versions()
    manifest: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(VENDOR / name, Path(tmp) / name)
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=tmp,
            check=True,
        )
        for package, files in FILES.items():
            for source, dest in files:
                data = (Path(tmp) / "node_modules" / package / source).read_bytes()
                target = ROOT / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                manifest[dest] = {
                    "package": package,
                    "version": versions[package],
                    "file": source,
                    "integrity": sri(data),
                }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def check() -> list[str]:
    """What differs between the vendored files, the manifest and the lock; empty when none."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    versions = _locked_versions()
    wanted = {dest for files in FILES.values() for _, dest in files}
    problems = [f"{d}: listed in FILES, not in {MANIFEST.name}" for d in wanted - set(manifest)]
    problems += [f"{d}: in {MANIFEST.name}, not in FILES" for d in set(manifest) - wanted]
    for dest, meta in sorted(manifest.items()):
        path = ROOT / dest
        if not path.is_file():
            problems.append(f"{dest}: missing")
        elif sri(path.read_bytes()) != meta["integrity"]:
            problems.append(f"{dest}: its hash is not {meta['integrity']}")
        if versions.get(meta["package"]) != meta["version"]:
            problems.append(
                f"{dest}: {meta['package']} {meta['version']} vendored, the lock pins "
                f"{versions.get(meta['package'])}"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="check, change nothing")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    for dest, meta in install().items():
        print(f"{dest}: {meta['package']} {meta['version']} {meta['integrity']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
