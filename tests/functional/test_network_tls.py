"""Nodes over HTTPS: ``node serve --tls-cert/--tls-key``, peers checked with ``--peer-ca``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jointzone.cli._client import NodeApi
from jointzone.cli._deployment import DEMO_PASSPHRASE
from jointzone.cose import CoseSigner
from jointzone.node import read_key_file

from ._network import REGIME, free_port, run_here


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, its own CA, as a test's stand-in for a real one."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_two_nodes_reach_a_final_genesis_over_https(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    ca = ssl.create_default_context(cafile=str(cert))
    ports = {"japan": free_port(), "russia": free_port()}
    urls = {p: f"https://127.0.0.1:{port}" for p, port in ports.items()}
    for party, url in urls.items():
        run_here(
            "node", "init", tmp_path / party, "--party", party, "--regime", REGIME,
            "--url", url, "--demo-keys", "--descriptor", tmp_path / f"{party}.json",
        )  # fmt: skip
    for party in urls:
        other = "russia" if party == "japan" else "japan"
        run_here("node", "peer", "add", tmp_path / party, tmp_path / f"{other}.json")
    logs = [(tmp_path / f"{party}.log").open("wb") for party in urls]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jointzone",
                "node",
                "serve",
                str(tmp_path / party),
                "--demo-keys",
                "--tls-cert",
                str(cert),
                "--tls-key",
                str(key),
                "--peer-ca",
                str(cert),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for party, log in zip(urls, logs, strict=True)
    ]
    for log in logs:
        log.close()
    try:
        for url in urls.values():
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/status", verify=ca, timeout=1).is_success:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "a node did not come up over HTTPS"
                time.sleep(0.1)
        # Plain HTTP is not served on an HTTPS node's port.
        plain = urls["japan"].replace("https://", "http://")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{plain}/status", timeout=5).raise_for_status()
        for party, url in urls.items():
            signers = [
                CoseSigner(
                    kid=f"{party}-root-{i}".encode(),
                    private_key=read_key_file(
                        tmp_path / party / "root-keys" / f"{party}-root-{i}.pem", DEMO_PASSPHRASE
                    ),
                )
                for i in (1, 2)
            ]
            with NodeApi(url, verify=ca) as api:
                api.sign_genesis(signers)
        deadline = time.monotonic() + 60
        while True:
            sizes = [
                httpx.get(f"{u}/status", verify=ca, timeout=5).json()["final_size"]
                for u in urls.values()
            ]
            if sizes == [1, 1]:
                break
            assert time.monotonic() < deadline, sizes
            time.sleep(0.2)
    finally:
        for p in processes:
            p.terminate()
            p.wait(timeout=30)
