"""The keystore: keys under scrypt, its cost and demo flag on record, locked without passphrase."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from keyfile_factory import DEMO_PASSPHRASE, PASSPHRASE, SCRYPT_OID, pbkdf2_pem, raw, read_pbes2

from jointzone.node import Keystore, KeystoreError, _keyfile, _keystore
from jointzone.node._keyfile import DEMO_KDF, PRODUCTION_KDF

LOCKED = (
    "keystore of party japan at {path} is locked: give its passphrase "
    "(JOINTZONE_PASSPHRASE_JAPAN, or --passphrase-file)"
)


def _demo(path: Path, passphrase: bytes = DEMO_PASSPHRASE) -> Keystore:
    return Keystore.create(path, party="japan", passphrase=passphrase, demo=True)


def _index(path: Path) -> dict[str, object]:
    data = json.loads((path / "keystore.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


class _CountingScrypt:
    """Stands in for cryptography's Scrypt, counting derivations: each is scrypt's full cost."""

    calls = 0

    def __init__(self, *, salt: bytes, length: int, n: int, r: int, p: int) -> None:
        self._kdf = Scrypt(salt=salt, length=length, n=n, r=r, p=p)

    def derive(self, secret: bytes) -> bytes:
        type(self).calls += 1
        return self._kdf.derive(secret)


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> type[_CountingScrypt]:
    monkeypatch.setattr(_CountingScrypt, "calls", 0)
    monkeypatch.setattr(_keyfile, "Scrypt", _CountingScrypt)
    return _CountingScrypt


def test_round_trip(tmp_path: Path) -> None:
    store = _demo(tmp_path / "keys")
    entry = store.generate("official", "jp-registrar", party="japan")
    key = store.private_key("official", "jp-registrar")
    opened = Keystore.open(tmp_path / "keys", passphrase=DEMO_PASSPHRASE)
    assert not opened.locked
    assert list(opened.entries()) == [entry]
    assert raw(opened.private_key("official", "jp-registrar")) == raw(key)
    assert stat.S_IMODE((tmp_path / "keys" / entry.filename).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_demo_keystore_says_so(tmp_path: Path) -> None:
    _demo(tmp_path / "keys").generate("node", "node", party="japan")
    index = _index(tmp_path / "keys")
    assert index["format"] == "jointzone-keystore/2"
    assert index["demo"] is True
    kdf = index["kdf"]
    assert isinstance(kdf, dict)
    assert {k: kdf[k] for k in ("name", "n", "r", "p")} == {
        "name": "scrypt",
        "n": 4096,
        "r": 8,
        "p": 1,
    }
    opened = Keystore.open(tmp_path / "keys")
    assert opened.demo
    assert opened.kdf == DEMO_KDF
    assert "demo" in repr(opened)
    found = read_pbes2((tmp_path / "keys" / "node-node.pem").read_bytes())
    assert (found.kdf, found.n, found.r, found.p) == (SCRYPT_OID, 4096, 8, 1)
    assert found.salt.hex() == kdf["salt"]


def test_production_keystore_records_the_production_cost(tmp_path: Path) -> None:
    # No key added, so no scrypt run: the cost of one is test_node_keyfile's to pay.
    store = Keystore.create(tmp_path / "keys", party="japan", passphrase=PASSPHRASE)
    assert not store.demo
    assert store.kdf == PRODUCTION_KDF
    index = _index(tmp_path / "keys")
    assert index["demo"] is False
    assert index["kdf"] == {
        "name": "scrypt",
        "n": 1 << 18,
        "r": 8,
        "p": 1,
        "salt": index["kdf"]["salt"],  # type: ignore[index]
    }


def test_wrong_passphrase_fails_at_open(tmp_path: Path) -> None:
    _demo(tmp_path / "keys").generate("node", "node", party="japan")
    with pytest.raises(KeystoreError, match=r"node-node\.pem: cannot decrypt \(wrong passphrase"):
        Keystore.open(tmp_path / "keys", passphrase=b"not the passphrase")


def test_short_passphrase_refused_at_create(tmp_path: Path) -> None:
    with pytest.raises(
        KeystoreError,
        match=r"creating keystore .*: the passphrase is shorter than 12 characters; choose one "
        r"of at least 12",
    ):
        Keystore.create(tmp_path / "keys", party="japan", passphrase=b"eleven-char")
    assert not (tmp_path / "keys").exists()
    Keystore.create(tmp_path / "keys", party="japan", passphrase=b"twelve-chars")


def test_short_passphrase_is_fine_for_a_demo_keystore_and_at_open(tmp_path: Path) -> None:
    _demo(tmp_path / "keys", passphrase=b"demo").generate("node", "node", party="japan")
    Keystore.open(tmp_path / "keys", passphrase=b"demo").private_key("node", "node")


def test_create_without_passphrase(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="needs a passphrase: set JOINTZONE_PASSPHRASE_JAPAN"):
        Keystore.create(tmp_path / "keys", party="japan", passphrase=None, demo=True)


def test_locked_keystore(tmp_path: Path) -> None:
    entry = _demo(tmp_path / "keys").generate("official", "jp-registrar", party="japan")
    store = Keystore.open(tmp_path / "keys")
    assert store.locked
    assert "locked" in repr(store)
    assert store.has("official", "jp-registrar")
    assert store.public_key("official", "jp-registrar") == entry.public_key
    assert [e.fingerprint for e in store.entries()] == [_keyfile.fingerprint(entry.public_key)]
    locked = re.escape(LOCKED.format(path=tmp_path / "keys"))
    with pytest.raises(KeystoreError, match=f"^{locked}$"):
        store.private_key("official", "jp-registrar")
    with pytest.raises(KeystoreError, match=locked):
        store.generate("official", "jp-inspector", party="japan")
    assert not store.has("official", "jp-inspector")
    assert Keystore.open(tmp_path / "keys", passphrase=None).locked


def test_open_decrypts_one_key_and_one_scrypt_unlocks_them_all(
    tmp_path: Path, scrypt_calls: type[_CountingScrypt]
) -> None:
    store = _demo(tmp_path / "keys")
    for name in ("a", "b", "c"):
        store.generate("official", name, party="japan")
    assert scrypt_calls.calls == 1
    salts = {read_pbes2(p.read_bytes()).salt for p in (tmp_path / "keys").glob("*.pem")}
    assert len(salts) == 1
    scrypt_calls.calls = 0
    Keystore.open(tmp_path / "keys")
    assert scrypt_calls.calls == 0, "a locked open decrypts nothing"
    opened = Keystore.open(tmp_path / "keys", passphrase=DEMO_PASSPHRASE)
    assert scrypt_calls.calls == 1
    for name in ("a", "b", "c"):
        opened.private_key("official", name)
    assert scrypt_calls.calls == 1


def _old_keystore(path: Path, key: Ed25519PrivateKey, passphrase: bytes) -> None:
    """A keystore as the previous version wrote it: format 1, PBKDF2 key files."""
    path.mkdir()
    (path / "node-node.pem").write_bytes(pbkdf2_pem(key, passphrase))
    public = key.public_key().public_bytes_raw().hex()
    index = {
        "format": "jointzone-keystore/1",
        "party": "japan",
        "keys": [{"kind": "node", "name": "node", "public_key": public}],
    }
    (path / "keystore.json").write_text(json.dumps(index), encoding="utf-8")


def test_old_format_keystore_still_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    _old_keystore(tmp_path / "keys", key, b"old-test-pw")
    with pytest.raises(KeystoreError, match="wrong passphrase"):
        Keystore.open(tmp_path / "keys", passphrase=b"not it")
    store = Keystore.open(tmp_path / "keys", passphrase=b"old-test-pw")
    assert raw(store.private_key("node", "node")) == raw(key)
    assert not store.demo
    assert store.kdf == PRODUCTION_KDF
    # What the upgrade writes, at the demo cost so that the test stays fast.
    monkeypatch.setattr(_keystore, "PRODUCTION_KDF", DEMO_KDF)
    store = Keystore.open(tmp_path / "keys", passphrase=b"old-test-pw")
    store.generate("official", "jp-registrar", party="japan")
    assert _index(tmp_path / "keys")["format"] == "jointzone-keystore/2"
    reopened = Keystore.open(tmp_path / "keys", passphrase=b"old-test-pw")
    assert raw(reopened.private_key("node", "node")) == raw(key)
    reopened.private_key("official", "jp-registrar")
    assert read_pbes2((tmp_path / "keys" / "official-jp-registrar.pem").read_bytes()).n == 4096


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"demo": "yes"}, "'demo' must be true or false"),
        ({"kdf": {"name": "pbkdf2"}}, "expected kdf"),
        ({"kdf": {"name": "scrypt", "n": 1 << 31, "r": 8, "p": 1, "salt": "00" * 16}}, "MiB"),
        ({"kdf": {"name": "scrypt", "n": 4096, "r": 8, "p": 1}}, "needs a 'salt' in hex"),
        ({"format": "jointzone-keystore/3"}, "expected format 'jointzone-keystore/2'"),
    ],
)
def test_malformed_index(tmp_path: Path, change: dict[str, object], message: str) -> None:
    _demo(tmp_path / "keys")
    index = {**_index(tmp_path / "keys"), **change}
    (tmp_path / "keys" / "keystore.json").write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(KeystoreError, match=f"keystore.json: .*{re.escape(message)}"):
        Keystore.open(tmp_path / "keys")


def test_index_and_errors_hold_no_secret(tmp_path: Path) -> None:
    store = _demo(tmp_path / "keys", passphrase=PASSPHRASE)
    store.generate("node", "node", party="japan")
    text = (tmp_path / "keys" / "keystore.json").read_text(encoding="utf-8")
    assert PASSPHRASE.decode() not in text
    assert store.private_key("node", "node").private_bytes_raw().hex() not in text
    with pytest.raises(KeystoreError) as e:
        Keystore.open(tmp_path / "keys", passphrase=b"wrong " + PASSPHRASE)
    assert PASSPHRASE.decode() not in str(e.value)
