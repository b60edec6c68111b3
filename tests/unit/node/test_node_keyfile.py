"""Key files: PKCS#8 PBES2 with scrypt, as OpenSSL and cryptography read them; passphrases."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import pytest
from asn1crypto import keys, pem  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyfile_factory import (
    AES256_CBC_OID,
    DEMO_PASSPHRASE,
    PASSPHRASE,
    PBES2_OID,
    SCRYPT_OID,
    error_promptly,
    openssl,
    pbkdf2_pem,
    raw,
    read_pbes2,
    write,
)

from jointzone.node import KeystoreError, _keyfile, _keystore
from jointzone.node._keyfile import (
    DEMO_KDF,
    MIN_PASSPHRASE_LENGTH,
    PRODUCTION_KDF,
    Passphrase,
    ScryptParams,
    fingerprint,
    read_key_file,
    write_key_file,
)
from jointzone.node._keystore import passphrase_from_file

# -- the format -----------------------------------------------------------------------------------


def test_round_trip(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    write_key_file(tmp_path / "me.pem", key, PASSPHRASE, demo=True)
    assert raw(read_key_file(tmp_path / "me.pem", PASSPHRASE)) == raw(key)


def test_wrong_passphrase(tmp_path: Path) -> None:
    write_key_file(tmp_path / "me.pem", Ed25519PrivateKey.generate(), PASSPHRASE, demo=True)
    with pytest.raises(KeystoreError, match=r"me\.pem: cannot decrypt \(wrong passphrase\?\)"):
        read_key_file(tmp_path / "me.pem", b"not the passphrase at all")


def test_file_is_pbes2_scrypt_aes256_with_the_stated_parameters(tmp_path: Path) -> None:
    write_key_file(tmp_path / "me.pem", Ed25519PrivateKey.generate(), PASSPHRASE, demo=True)
    data = (tmp_path / "me.pem").read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    found = read_pbes2(data)
    assert (found.scheme, found.kdf, found.cipher) == (PBES2_OID, SCRYPT_OID, AES256_CBC_OID)
    assert (found.n, found.r, found.p) == (DEMO_KDF.n, DEMO_KDF.r, DEMO_KDF.p) == (1 << 12, 8, 1)
    assert found.key_length is None
    assert len(found.salt) == 16
    assert len(found.iv) == 16


def test_production_parameters_and_cryptography_reads_them(tmp_path: Path) -> None:
    """The one test at the production cost: cryptography's own loader accepts N=2^18."""
    assert (PRODUCTION_KDF.n, PRODUCTION_KDF.r, PRODUCTION_KDF.p) == (1 << 18, 8, 1)
    key = Ed25519PrivateKey.generate()
    write_key_file(tmp_path / "me.pem", key, PASSPHRASE)
    data = (tmp_path / "me.pem").read_bytes()
    found = read_pbes2(data)
    assert (found.kdf, found.n, found.r, found.p) == (SCRYPT_OID, 1 << 18, 8, 1)
    loaded = serialization.load_pem_private_key(data, password=PASSPHRASE)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert raw(loaded) == raw(key)


def test_docstrings_state_the_parameters() -> None:
    for kdf in (PRODUCTION_KDF, DEMO_KDF):
        stated = f"N=2^{kdf.n.bit_length() - 1}, r={kdf.r}, p={kdf.p}"
        assert stated in (_keyfile.__doc__ or "")
        assert stated in (_keystore.__doc__ or "")
        assert kdf.describe().startswith(f"scrypt {stated}")


def test_previous_pbkdf2_key_still_opens(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = write(tmp_path / "old.pem", pbkdf2_pem(key, b"short"))
    assert raw(read_key_file(path, b"short")) == raw(key)
    with pytest.raises(KeystoreError, match="wrong passphrase"):
        read_key_file(path, b"other")


def test_unencrypted_key_is_refused(tmp_path: Path) -> None:
    plain = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(KeystoreError, match="expected an encrypted key file"):
        read_key_file(write(tmp_path / "plain.pem", plain), PASSPHRASE)


def test_derivations_are_cached_per_salt_and_cost() -> None:
    passphrase = Passphrase(PASSPHRASE)
    keys_ = [Ed25519PrivateKey.generate() for _ in range(3)]
    sealed = [passphrase.seal(k, kdf=DEMO_KDF, salt=b"s" * 16) for k in keys_]
    assert len({read_pbes2(s).iv for s in sealed}) == 3, "each file has its own IV"
    assert [raw(passphrase.unseal(s, where=Path("x"))) for s in sealed] == [raw(k) for k in keys_]
    assert len(passphrase._derived) == 1
    assert "correct" not in repr(passphrase)


def _with_cost(data: bytes, n: int) -> bytes:
    """``data`` claiming scrypt cost ``n``: what a hostile or corrupt file could say."""
    label, _, der = pem.unarmor(data)
    info = keys.EncryptedPrivateKeyInfo.load(der)
    kdf = info["encryption_algorithm"]["parameters"]["key_derivation_func"]
    params = kdf["parameters"].parse(_keyfile._ScryptParamsDer)
    params["cost_parameter"] = n
    kdf["parameters"] = params
    return bytes(pem.armor(label, info.dump()))


@pytest.mark.parametrize(
    ("n", "message"), [(1 << 30, "more than the 1024 MiB"), (3000, "power of two")]
)
def test_unreasonable_scrypt_parameters_are_refused(tmp_path: Path, n: int, message: str) -> None:
    write_key_file(tmp_path / "me.pem", Ed25519PrivateKey.generate(), PASSPHRASE, demo=True)
    path = write(tmp_path / "big.pem", _with_cost((tmp_path / "me.pem").read_bytes(), n))
    assert read_pbes2(path.read_bytes()).n == n
    with pytest.raises(KeystoreError, match=rf"big\.pem: refusing scrypt parameters: .*{message}"):
        read_key_file(path, PASSPHRASE)


def test_scrypt_params_from_data_checks_them() -> None:
    assert ScryptParams.from_data(DEMO_KDF.to_data(), where="x") == DEMO_KDF
    for bad in ({"name": "pbkdf2"}, {"name": "scrypt", "n": True, "r": 8, "p": 1}):
        with pytest.raises(KeystoreError, match=r"^x: "):
            ScryptParams.from_data(bad, where="x")


# -- OpenSSL reads ours, we read OpenSSL's (demo cost: OpenSSL's memory limit is 32 MiB) ---------


def test_openssl_decrypts_a_file_we_wrote(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    write_key_file(tmp_path / "me.pem", key, PASSPHRASE, demo=True)
    out = openssl(
        "pkcs8", "-in", str(tmp_path / "me.pem"), "-passin", f"pass:{PASSPHRASE.decode()}"
    )
    plain = serialization.load_pem_private_key(out, password=None)
    assert isinstance(plain, Ed25519PrivateKey)
    assert raw(plain) == raw(key)


def test_we_read_a_file_openssl_wrote(tmp_path: Path) -> None:
    plain = openssl("genpkey", "-algorithm", "ed25519")
    encrypted = openssl(
        "pkcs8", "-topk8", "-scrypt", "-scrypt_N", "4096", "-scrypt_r", "8", "-scrypt_p", "1",
        "-passout", f"pass:{PASSPHRASE.decode()}",
        stdin=plain,
    )  # fmt: skip
    found = read_pbes2(encrypted)
    assert (found.kdf, found.n, found.r, found.p) == (SCRYPT_OID, 4096, 8, 1)
    key = read_key_file(write(tmp_path / "openssl.pem", encrypted), PASSPHRASE)
    expected = serialization.load_pem_private_key(plain, password=None)
    assert isinstance(expected, Ed25519PrivateKey)
    assert raw(key) == raw(expected)


# -- officials' key files -----------------------------------------------------------------------


def test_key_file_is_0600_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "me.pem"
    write_key_file(path, Ed25519PrivateKey.generate(), PASSPHRASE, demo=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(KeystoreError, match=r"me\.pem already exists: .*never overwritten"):
        write_key_file(path, Ed25519PrivateKey.generate(), PASSPHRASE, demo=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.pem"], "no temporary left behind"


def test_key_file_refuses_a_short_passphrase_unless_demo(tmp_path: Path) -> None:
    short = b"x" * (MIN_PASSPHRASE_LENGTH - 1)
    with pytest.raises(KeystoreError, match=f"shorter than {MIN_PASSPHRASE_LENGTH} characters"):
        write_key_file(tmp_path / "me.pem", Ed25519PrivateKey.generate(), short)
    assert not (tmp_path / "me.pem").exists()
    write_key_file(tmp_path / "me.pem", Ed25519PrivateKey.generate(), short, demo=True)
    read_key_file(tmp_path / "me.pem", short)  # reading never judges the length


def test_passphrase_length_is_in_characters(tmp_path: Path) -> None:
    six_letters = "пароль".encode()  # 12 bytes of UTF-8
    with pytest.raises(KeystoreError, match="shorter than 12 characters"):
        write_key_file(tmp_path / "me.pem", Ed25519PrivateKey.generate(), six_letters)


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match=r"nothing\.pem: no key file there"):
        read_key_file(tmp_path / "nothing.pem", PASSPHRASE)


def test_fingerprint() -> None:
    rfc8032_test_1 = bytes.fromhex(
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert fingerprint(rfc8032_test_1) == "21fe 31df a154 a261 626b f854 046f d227"
    with pytest.raises(KeystoreError, match="32-byte Ed25519 public key, got 31 bytes"):
        fingerprint(rfc8032_test_1[:31])


# -- passphrase files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PASSPHRASE, PASSPHRASE),
        (PASSPHRASE + b"\n", PASSPHRASE),
        (PASSPHRASE + b"\r\n", PASSPHRASE),
        (PASSPHRASE + b"\n\n", PASSPHRASE + b"\n"),
        (b" " + PASSPHRASE + b" \n", b" " + PASSPHRASE + b" "),
        ("пароль-из-файла\n".encode(), "пароль-из-файла".encode()),
    ],
)
def test_passphrase_from_file(tmp_path: Path, content: bytes, expected: bytes) -> None:
    assert passphrase_from_file(write(tmp_path / "pass", content)) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n", "is empty"),
        (b"x" * 4097, "is larger than 4096 bytes"),
        (b"\xff\xfe secret", "is not UTF-8 text"),
    ],
)
def test_passphrase_file_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path / "pass", content)
    expected = f"passphrase file {re.escape(str(path))} {message}"
    with pytest.raises(KeystoreError, match=expected) as e:
        passphrase_from_file(path)
    assert "secret" not in str(e.value)


def test_passphrase_file_of_4_kib_is_fine(tmp_path: Path) -> None:
    assert passphrase_from_file(write(tmp_path / "pass", b"x" * 4096)) == b"x" * 4096


def test_passphrase_file_that_is_a_fifo_fails_promptly(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    error = error_promptly(lambda: passphrase_from_file(fifo))
    assert isinstance(error, KeystoreError)
    assert str(error).startswith(f"passphrase file {fifo} is not a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_passphrase_file_that_is_a_device_fails_promptly(device: str) -> None:
    started = time.monotonic()
    error = error_promptly(lambda: passphrase_from_file(Path(device)))
    assert isinstance(error, KeystoreError)
    assert str(error).startswith(f"passphrase file {device} is not a regular file")
    assert time.monotonic() - started < 5


def test_passphrase_file_missing_or_a_directory(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match=r"passphrase file .*/nothing does not exist"):
        passphrase_from_file(tmp_path / "nothing")
    with pytest.raises(KeystoreError, match="is not a regular file"):
        passphrase_from_file(tmp_path)


def test_demo_passphrase_is_long_enough_anyway() -> None:
    assert len(DEMO_PASSPHRASE) >= MIN_PASSPHRASE_LENGTH
