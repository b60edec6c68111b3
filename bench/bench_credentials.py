"""Participant certificates, measured: offline verifications per second, and sizes.

Verification is ``verify_certificate`` on the ``JZ1:`` text, single-threaded: prefix, Base45,
zlib, the COSE_Sign and its claims parsed strictly, both parties' Ed25519 signatures checked,
validity, revocation, and the report built. Its bound is the machine's Ed25519-verify rate by
the fastest verifier here (libsodium; ``cryptography``'s is printed beside it), measured in the
same run, divided by the two signatures each certificate carries; the target is 60% of that
bound. Reading the QR image (zxing-cpp) is timed too, for scale, with no target.

Sizes are given for sample certificates like the seed's: payload (CWT claims) bytes, COSE_Sign
bytes, ``JZ1:`` text characters, and the QR version at level Q (the bound is version 15). Then
for the seed's own certificates, as an embedded deployment issues them when it plays
``scenarios/seed.yaml`` (every party's node signing its own party's signature), with the
verification rate of one of them against a trust bundle exported from a node; and the size of
each trust bundle the scenario exports (format 2: checkpoint and verifier table), beside what
format 1 carried for the same checkpoint (the genesis, every key and revocation entry and the
last entry, each with its inclusion proof), rebuilt here from the node's store for comparison.
No target: an officer's phone holds either, but the slim one is what a verifier in a browser
fetches over a poor connection.

    .venv/bin/python -m bench.bench_credentials [--seconds 4] [--no-seed]
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench._bounds import ed25519_verify_rates
from jointzone.cose import CoseSigner
from jointzone.credentials import (
    CERTIFICATE_KID_SIZE,
    Certificate,
    CertificateClaims,
    ParticipantName,
    PartyKeys,
    TrustBundle,
    sign_certificate,
    verify_certificate,
    verify_certificate_image,
)
from jointzone.node import EmbeddedDeployment, Node
from jointzone.scenario import Scenario, ScenarioClock, play
from jointzone.trust import VerifierTable, open_bundle

TARGET_RATIO = 0.60
MAX_QR_VERSION = 15
SIGNATURES_PER_CERTIFICATE = 2
ROUNDS = 8
NOW = datetime(2019, 10, 30, 12, tzinfo=UTC)

P = ParticipantName
SAMPLES: dict[str, tuple[ParticipantName, ...]] = {
    "Japanese, Latin + kanji": (P("Latn", "SATO Hanako"), P("Jpan", "佐藤 花子")),
    "Russian, Cyrillic + Latin": (P("Cyrl", "Иванова Мария"), P("Latn", "IVANOVA Mariia")),
    "Japanese, Latin + kanji + kana": (
        P("Latn", "SATO Hanako"),
        P("Jpan", "佐藤 花子"),
        P("Hira", "さとう はなこ"),
    ),
    "Russian, with patronymic": (
        P("Cyrl", "Иванова Мария Сергеевна"),
        P("Latn", "IVANOVA Mariia Sergeevna"),
    ),
}


def _signers() -> tuple[CoseSigner, CoseSigner]:
    japan, russia = (
        CoseSigner.from_private_key(Ed25519PrivateKey.generate(), kid_size=CERTIFICATE_KID_SIZE)
        for _ in range(2)
    )
    return japan, russia


def _certificate(
    names: tuple[ParticipantName, ...], signers: tuple[CoseSigner, ...]
) -> Certificate:
    claims = CertificateClaims(
        certificate_id=bytes(range(8)),
        issuer="jz-seed",
        names=names,
        party="japan" if names[0].script == "Latn" else "russia",
        project=17,
        category=3,
        places=(2, 1, 11),  # 3 places as gazetteer numbers
        not_before=datetime(2019, 10, 27, tzinfo=UTC),
        expires=datetime(2019, 11, 3, tzinfo=UTC),
        issued_at=datetime(2019, 10, 20, tzinfo=UTC),
    )
    return sign_certificate(claims, signers)


def _best_rate(run: Callable[[int], None], n: int, seconds: float) -> float:
    best = 0.0
    deadline = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        run(n)
        best = max(best, n / (time.perf_counter() - start))
        if time.perf_counter() > deadline:
            return best


ROOT = Path(__file__).parents[1]


def _format_1_size(node: Node, table: VerifierTable, checkpoint: str) -> int:
    """The bytes format 1 took for the same checkpoint: the genesis, every key and revocation
    entry up to it and its last entry, each with its inclusion proof, laid out as it was."""
    size = table.size
    positions = {
        0,
        *(k.declared.position for k in table.keys),
        *(k.retired.position for k in table.keys if k.retired is not None),
        *(r.revoked.position for r in table.revoked),
    }

    def proved(index: int) -> dict[str, object]:
        (entry,) = node.store.read_entries(index, index + 1)
        proof = node.store.inclusion_proof(index, size)
        return {
            "index": index,
            "entry": base64.b64encode(entry).decode("ascii"),
            "proof": [base64.b64encode(h).decode("ascii") for h in proof],
        }

    data = {
        "format": "jointzone-trust-bundle/1",
        "checkpoint": checkpoint,
        "entries": [proved(i) for i in sorted(positions)],
        "latest": proved(size - 1),
    }
    return len((json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


def bundle_sizes(node: Node, bundles: list[bytes]) -> None:
    """Each exported bundle's size, its parts, and what format 1 took for the same checkpoint."""
    print("the seed's trust bundles, as the scenario exports them (format 2 vs format 1):")
    for data in bundles:
        opened = open_bundle(data, node.replica.node_verifiers())
        doc = json.loads(data)
        table = opened.table.to_cbor()
        full = _format_1_size(node, opened.table, doc["checkpoint"])
        print(
            f"  made {opened.trust.issued_at:%Y-%m-%d}, size {opened.table.size}: {len(data):,} B "
            f"(checkpoint note {len(doc['checkpoint'].encode()):,} B, table {len(table):,} B of "
            f"CBOR, {len(base64.b64decode(doc['table'])):,} B compressed); format 1: {full:,} B "
            f"({full / len(data):.1f}x)"
        )


def seed_certificates(seconds: float, cert_bound: float) -> None:
    """Sizes of the seed's certificates as the deployment issues them, and one's verify rate."""
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Scenario.from_file(ROOT / "scenarios" / "seed.yaml")
        clock = ScenarioClock(scenario.steps[0].at)
        keys: dict[str, bytes | None] = {
            "japan": b"bench-passphrase",
            "russia": b"bench-passphrase",
        }
        with EmbeddedDeployment.create(
            Path(tmp) / "zone", regime_dir=ROOT / "regimes" / "seed", passphrases=keys, clock=clock
        ) as deployment:
            # The bundle the officers carried on the tour: the scenario's export before it.
            bundles = [r.bundle for r in play(deployment, scenario, clock) if r.bundle]
            node = deployment.nodes["japan"]
            documents = [node.certificate(c) for c in node.replica.state.certificates]
            trust = open_bundle(bundles[0], node.replica.node_verifiers()).trust
            bundle_sizes(node, bundles)
    certs = [d for d in documents if d is not None]
    payload = sorted(len(c.message.payload) for c in certs)
    cose = sorted(len(c.to_cose()) for c in certs)
    text = sorted(len(c.to_text()) for c in certs)
    versions = collections.Counter(c.qr().version for c in certs)
    print(f"the seed's {len(certs)} certificates, as the deployment issued them (min/median/max):")
    print(f"  payload {payload[0]}/{statistics.median(payload):.0f}/{payload[-1]} B")
    print(f"  COSE    {cose[0]}/{statistics.median(cose):.0f}/{cose[-1]} B")
    print(f"  text    {text[0]}/{statistics.median(text):.0f}/{text[-1]} chars")
    print(
        "  QR versions at level Q: "
        + ", ".join(f"{v}: {n}" for v, n in sorted(versions.items(), key=lambda x: str(x[0])))
        + f" (bound {MAX_QR_VERSION})"
    )
    sample = certs[0].to_text()
    assert verify_certificate(sample, trust, now=NOW).valid

    def run(n: int) -> None:
        for _ in range(n):
            verify_certificate(sample, trust, now=NOW)

    rate = _best_rate(run, 100, seconds)
    print(
        f"  verify one with the exported trust bundle: {rate:,.0f} certificates/s per core, "
        f"{rate / cert_bound:.1%} of the bound"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="time for bound and figure")
    parser.add_argument("--no-seed", action="store_true", help="skip the seed's certificates")
    args = parser.parse_args(argv)

    signers = _signers()
    trust = TrustBundle(
        issuer="jz-seed",
        parties=(
            PartyKeys("japan", {signers[0].kid: signers[0].public_key}),
            PartyKeys("russia", {signers[1].kid: signers[1].public_key}),
        ),
        issued_at=NOW - timedelta(days=3),
    )

    print(f"sizes (kid {CERTIFICATE_KID_SIZE} bytes, certificate id 8 bytes, QR level Q):")
    for label, names in SAMPLES.items():
        cert = _certificate(names, signers)
        version = cert.qr().version
        fits = "fits" if isinstance(version, int) and version <= MAX_QR_VERSION else "OVER"
        print(
            f"  {label:<32} payload {len(cert.message.payload):>3} B, "
            f"COSE {len(cert.to_cose()):>3} B, text {len(cert.to_text()):>3} chars, "
            f"QR version {version} ({fits} <= {MAX_QR_VERSION})"
        )

    cert = _certificate(next(iter(SAMPLES.values())), signers)
    text = cert.to_text()
    assert verify_certificate(text, trust, now=NOW).valid
    png = cert.qr_png()
    assert verify_certificate_image(png, trust, now=NOW).valid

    def verify_text(n: int) -> None:
        for _ in range(n):
            verify_certificate(text, trust, now=NOW)

    def verify_image(n: int) -> None:
        for _ in range(n):
            verify_certificate_image(png, trust, now=NOW)

    # Bound and figure in adjacent short rounds, each ratio from one pair: a neighbour's load
    # then slows both sides of a ratio alike. The ratio quoted is the median round's.
    verifiers: dict[str, float] = {}
    figures, ratios = [], []
    for _ in range(ROUNDS):
        # Every verifier is measured, so the bound is the fastest one's; they share half the round.
        # One turn each: the rounds here already take turns with the figure.
        rates = ed25519_verify_rates(args.seconds / ROUNDS / 4, rounds=1)
        figure_k = _best_rate(verify_text, 100, args.seconds / ROUNDS / 2)
        for name, rate in rates:
            verifiers[name] = max(verifiers.get(name, 0.0), rate)
        figures.append(figure_k)
        ratios.append(figure_k / (rates[0][1] / SIGNATURES_PER_CERTIFICATE))
    image_rate = _best_rate(verify_image, 10, args.seconds / 2)
    (fastest, bound), *others = sorted(verifiers.items(), key=lambda v: -v[1])
    figure, ratio = max(figures), statistics.median(ratios)
    cert_bound = bound / SIGNATURES_PER_CERTIFICATE

    print(
        f"bound: Ed25519 verify {bound:,.0f}/s by {fastest}, the fastest here (one core, this run)"
    )
    for name, rate in others:
        print(f"       (beside it: {name} {rate:,.0f}/s, {bound / rate:.2f}x slower)")
    print(f"       / {SIGNATURES_PER_CERTIFICATE} signatures = {cert_bound:,.0f} certificates/s")
    print(f"verify JZ1: text: {figure:,.0f} certificates/s per core ({1e6 / figure:,.0f} us each)")
    print(
        f"  ratio to the bound: {ratio:.1%}, median of {ROUNDS} paired rounds "
        f"({min(ratios):.1%} .. {max(ratios):.1%}) "
        f"(target >= {TARGET_RATIO:.0%}: {'met' if ratio >= TARGET_RATIO else 'NOT MET'})"
    )
    print(
        f"verify QR PNG ({len(png):,} bytes, zxing-cpp): {image_rate:,.0f} certificates/s "
        "per core (no target: the image decoding dominates)"
    )
    if not args.no_seed:
        seed_certificates(args.seconds / 4, cert_bound)


if __name__ == "__main__":
    main()
