"""The vendored JavaScript is what the lock file pins, byte for byte (scripts/vendor.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]


def _vendor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_script", ROOT / "scripts" / "vendor.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_vendored_file_matches_its_recorded_hash_and_the_lock() -> None:
    assert _vendor().check() == []


def test_a_changed_file_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vendor = _vendor()
    copy = tmp_path / "repo"
    dests = [d for files in vendor.FILES.values() for _, d in files]
    for dest in dests:
        (copy / dest).parent.mkdir(parents=True, exist_ok=True)
        (copy / dest).write_bytes((ROOT / dest).read_bytes())
    changed = dests[0]
    original = (ROOT / changed).read_bytes()
    (copy / changed).write_bytes(original + b"\n// changed")
    (copy / "vendor").mkdir()
    for name in ("package-lock.json", "integrity.json"):
        (copy / "vendor" / name).write_bytes((ROOT / "vendor" / name).read_bytes())
    monkeypatch.setattr(vendor, "ROOT", copy)
    monkeypatch.setattr(vendor, "VENDOR", copy / "vendor")
    monkeypatch.setattr(vendor, "MANIFEST", copy / "vendor" / "integrity.json")
    assert vendor.check() == [f"{changed}: its hash is not {vendor.sri(original)}"]
