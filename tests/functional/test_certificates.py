"""Certificates made by the embedded deployment: every party's signature, gathered through the node
interface; trust bundles exported and checked offline; revocation; movements; interop (pycose)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pycose.headers import KID
from pycose.keys.okp import OKPKey
from pycose.messages.signmessage import SignMessage
from typer.testing import CliRunner

from jointzone.acts import certificate_key_id
from jointzone.cli import app
from jointzone.cose import CoseSigner
from jointzone.credentials import CERTIFICATE_AAD, Certificate, sign_certificate
from jointzone.node import EmbeddedDeployment, NodeError, export_trust_bundle
from jointzone.node._documents import assemble, claims_of
from jointzone.node._standalone import b64url
from jointzone.scenario import ScenarioClock
from jointzone.tlog import Checkpoint, Note
from jointzone.trust import (
    BundleError,
    VerifierTable,
    encode_verifier_table,
    open_bundle,
    verifier_extension,
    verifier_table,
)

from .conftest import KEYS

Seeded = tuple[EmbeddedDeployment, ScenarioClock]
DURING = datetime(2019, 10, 30, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def opened_seed(seeded_dir: Path) -> Any:
    """The seeded deployment, opened once for the read-only tests of this module."""
    with EmbeddedDeployment.open(seeded_dir, passphrases=KEYS) as d:
        yield d


def test_every_certificate_carries_every_partys_signature(opened_seed: EmbeddedDeployment) -> None:
    japan, russia = opened_seed.nodes["japan"], opened_seed.nodes["russia"]
    state = japan.replica.state
    assert len(state.certificates) == 44
    for cid, record in state.certificates.items():
        doc = japan.certificate(cid)
        assert doc is not None
        assert doc.to_cose() == russia.certificate(cid).to_cose()  # type: ignore[union-attr]
        kids = [
            bytes.fromhex(state.certificate_key_at(p, record.issued.position).key_id)  # type: ignore[union-attr]
            for p in ("japan", "russia")
        ]
        assert list(doc.message.kids()) == kids
        version = doc.qr().version
        assert isinstance(version, int)
        assert version <= 15


def test_a_node_signs_for_its_own_party_only(opened_seed: EmbeddedDeployment) -> None:
    japan = opened_seed.nodes["japan"]
    own = Certificate.from_cose(japan.certificate_signature("tour19-01"))
    key = japan.replica.state.certificate_key_at("japan", 10_000)
    assert key is not None
    assert own.message.kids() == (bytes.fromhex(key.key_id),)
    assert not japan.keystore.has("certificate", _russian_key_id(opened_seed))


def _russian_key_id(d: EmbeddedDeployment) -> str:
    key = d.nodes["russia"].replica.state.certificate_key_at("russia", 10_000)
    assert key is not None
    return key.key_id


class _Impostor:
    """A peer that answers for russia with a signature japan's node made (or a stranger's key)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.party = "russia"

    def certificate_signature(self, certificate: str) -> bytes:
        return self.data


def test_a_signature_by_another_partys_key_is_refused(opened_seed: EmbeddedDeployment) -> None:
    japan = opened_seed.nodes["japan"]
    by_japan = japan.certificate_signature("tour19-01")
    with pytest.raises(NodeError, match="expected one signature by 'russia'"):
        assemble(japan, "tour19-01", {"russia": _Impostor(by_japan)})  # type: ignore[dict-item]
    # A stranger's key under russia's kid: the kid matches, the signature does not.
    kid = bytes.fromhex(_russian_key_id(opened_seed))
    stranger = CoseSigner(kid=kid, private_key=Ed25519PrivateKey.generate())
    forged = sign_certificate(claims_of(japan.replica.state, "tour19-01"), [stranger]).to_cose()
    with pytest.raises(NodeError, match="does not verify"):
        assemble(japan, "tour19-01", {"russia": _Impostor(forged)})  # type: ignore[dict-item]


def _plain(value: object) -> object:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def test_pycose_verifies_a_deployment_certificate(opened_seed: EmbeddedDeployment) -> None:
    japan = opened_seed.nodes["japan"]
    doc = japan.certificate("tour19-40")
    assert doc is not None
    state = japan.replica.state
    keys = {bytes.fromhex(k.key_id): k.public_key for k in state.certificate_keys.values()}
    tagged = cbor2.loads(doc.to_cose())
    message: Any = SignMessage.from_cose_obj(_plain(tagged.value), True)
    assert len(message.signers) == 2
    for theirs in message.signers:
        theirs.external_aad = CERTIFICATE_AAD
        theirs.key = OKPKey(crv="Ed25519", x=keys[theirs.phdr[KID]])
        assert theirs.verify_signature()


# -- trust bundles ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(seeded_dir: Path) -> bytes:
    """The bundle the tour's officers carried: exported, and vouched for, on 26 October."""
    return (seeded_dir / "trust-2019-10-26.json").read_bytes()


@pytest.fixture(scope="module")
def later_bundle(seeded_dir: Path) -> bytes:
    """The bundle for the return voyage, on 2 November: it knows the revocation."""
    return (seeded_dir / "trust-2019-11-02.json").read_bytes()


def _vkeys(d: EmbeddedDeployment) -> list[Any]:
    return d.nodes["japan"].replica.node_verifiers()


def test_bundle_round_trip_and_offline_verification(
    opened_seed: EmbeddedDeployment, bundle: bytes
) -> None:
    from jointzone.credentials import verify_certificate, verify_certificate_image

    opened = open_bundle(bundle, _vkeys(opened_seed))
    assert opened.trust.issuer == "seed"
    assert len(opened.trust.revoked) == 0  # the revocation came a week later
    assert opened.trust.issued_at == datetime(2019, 10, 26, 9, tzinfo=UTC)
    doc = opened_seed.nodes["japan"].certificate("tour19-01")
    assert doc is not None
    report = verify_certificate(doc.to_text(), opened.trust, now=DURING)
    assert report.valid, str(report)
    # The QR image round trip through zxing-cpp.
    image = verify_certificate_image(doc.qr_png(), opened.trust, now=DURING)
    assert image.valid, str(image)


def test_the_offline_verifier_sees_the_revocation(
    opened_seed: EmbeddedDeployment, later_bundle: bytes
) -> None:
    from jointzone.credentials import verify_certificate

    trust = open_bundle(later_bundle, _vkeys(opened_seed)).trust
    doc = opened_seed.nodes["japan"].certificate("tour19-12")
    assert doc is not None
    report = verify_certificate(doc.to_text(), trust, now=datetime(2019, 11, 2, 12, tzinfo=UTC))
    assert not report.valid
    assert [c.name for c in report.failures()] == ["revocation"]


def _table_of(data: bytes) -> VerifierTable:
    return VerifierTable.from_cbor(zlib.decompress(base64.b64decode(json.loads(data)["table"])))


def _with_table(data: bytes, table: bytes) -> bytes:
    """``data`` carrying ``table`` (encoded bytes) in place of its own, the checkpoint as it is."""
    raw = json.loads(data)
    raw["table"] = base64.b64encode(zlib.compress(table, 9)).decode()
    return json.dumps(raw).encode()


def _changed_table(change: Callable[[VerifierTable], dict[str, Any]]) -> Any:
    def tamper(data: bytes) -> bytes:
        table = _table_of(data)
        return _with_table(data, table.model_copy(update=change(table)).to_cbor())

    return tamper


def _tampered_table(data: bytes) -> bytes:
    raw = json.loads(data)
    compressed = bytearray(base64.b64decode(raw["table"]))
    compressed[-1] ^= 1  # the Adler-32 checksum
    raw["table"] = base64.b64encode(bytes(compressed)).decode()
    return json.dumps(raw).encode()


def _one_signature_only(data: bytes) -> bytes:
    raw = json.loads(data)
    lines = raw["checkpoint"].split("\n")
    kept = [line for line in lines if not line.startswith("— jointzone.example/seed-regime/russia")]
    assert len(kept) == len(lines) - 2  # its node signature and its timestamped cosignature
    raw["checkpoint"] = "\n".join(kept)
    return json.dumps(raw).encode()


NOT_COMMITTED = "table: the checkpoint commits to 'jointzone-verifier "


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        (_tampered_table, "table: broken zlib stream"),
        (_one_signature_only, "checkpoint: expected a signature of every party's node"),
        # A table that is not the one the checkpoint's line commits to, however small the change.
        (_changed_table(lambda t: {"keys": t.keys[1:]}), NOT_COMMITTED),  # a certificate key
        (_changed_table(lambda t: {"revoked": ()}), NOT_COMMITTED),  # the revocation
        (_changed_table(lambda t: {"skew": t.skew * 2}), NOT_COMMITTED),
        (_changed_table(lambda t: {"places": t.places[1:]}), NOT_COMMITTED),
        (lambda d: d[: len(d) // 2], "expected UTF-8 JSON"),
        (lambda d: b"", "expected UTF-8 JSON"),
        (lambda d: b'{"format": "other"}', "expected format"),
    ],
)
def test_bad_bundles_are_refused_with_a_message(
    opened_seed: EmbeddedDeployment, later_bundle: bytes, tamper: Any, match: str
) -> None:
    open_bundle(later_bundle, _vkeys(opened_seed))  # as exported, it opens
    with pytest.raises(BundleError, match=match):
        open_bundle(tamper(later_bundle), _vkeys(opened_seed))


def test_a_dropped_revocation_is_refused_and_the_message_says_where(
    opened_seed: EmbeddedDeployment, later_bundle: bytes
) -> None:
    """Drop the one revocation from the 2 November bundle's table: the table no longer hashes
    to the checkpoint's line, and the verifier trusts nothing rather than a certificate the
    log revoked."""
    table = _table_of(later_bundle)
    assert len(table.revoked) == 1
    dropped = table.model_copy(update={"revoked": ()}).to_cbor()
    with pytest.raises(BundleError) as caught:
        open_bundle(_with_table(later_bundle, dropped), _vkeys(opened_seed))
    message = str(caught.value)
    assert message.startswith(NOT_COMMITTED)
    assert verifier_extension(dropped) in message
    assert "a key or revocation left out" in message


def test_the_table_of_an_earlier_checkpoint_is_refused(
    opened_seed: EmbeddedDeployment, bundle: bytes, later_bundle: bytes
) -> None:
    """The 26 October table (before the revocation) with the 2 November checkpoint: each is
    genuine, together they are not."""
    earlier = _table_of(bundle).to_cbor()
    with pytest.raises(BundleError, match=NOT_COMMITTED):
        open_bundle(_with_table(later_bundle, earlier), _vkeys(opened_seed))


def test_the_seed_bundles_are_slim(bundle: bytes, later_bundle: bytes) -> None:
    """The trust bundles an officer carries on the tour fit in 8 kB: a checkpoint and the table,
    not the log's entries (format 1 was 36 kB, most of it the genesis's island outlines)."""
    assert len(bundle) <= 8_000
    assert len(later_bundle) <= 8_000


def test_every_node_computes_the_table_its_final_checkpoint_commits_to(
    opened_seed: EmbeddedDeployment, later_bundle: bytes
) -> None:
    for node in opened_seed.nodes.values():
        note = node.latest_checkpoint()
        assert note is not None
        cp = Checkpoint.from_text(Note.from_bytes(note).text)
        table = encode_verifier_table(node.replica.state)
        assert cp.extensions == (verifier_extension(table),)
        assert verifier_table(node.replica.state).to_cbor() == table
    opened = open_bundle(later_bundle, _vkeys(opened_seed))
    state = opened_seed.nodes["japan"].replica.state
    assert [k.kid.hex() for k in opened.table.keys] == list(state.certificate_keys)
    assert opened.table.issuer == "seed"
    assert [p.number for p in opened.table.projects] == sorted(
        p.number for p in state.projects.values()
    )


def test_every_partys_node_key_is_needed(opened_seed: EmbeddedDeployment, bundle: bytes) -> None:
    with pytest.raises(BundleError, match=r"missing those of \['russia'\]"):
        open_bundle(bundle, _vkeys(opened_seed)[:1])


def test_a_wrong_node_key_is_refused(opened_seed: EmbeddedDeployment, bundle: bytes) -> None:
    from jointzone.tlog import Signer

    wrong = Signer.generate("jointzone.example/seed-regime/russia").verifier
    japan = _vkeys(opened_seed)[0]
    with pytest.raises(BundleError, match="checkpoint"):
        open_bundle(bundle, [japan, wrong])


def _signature_of_japan(d: EmbeddedDeployment, certificate: str) -> tuple[str, list[str]]:
    """How a bundle exported now judges japan's signature on ``certificate``, and which lines
    fail."""
    from jointzone.credentials import verify_certificate

    japan = d.nodes["japan"]
    trust = open_bundle(export_trust_bundle(japan), _vkeys(d)).trust
    doc = japan.certificate(certificate)
    assert doc is not None
    report = verify_certificate(doc.to_text(), trust, now=japan.now())
    (line,) = [c.line() for c in report.checks if c.name == "signature of japan"]
    return line, [c.name for c in report.failures()]


def test_a_rotated_keys_certificates_verify_until_the_key_is_declared_compromised(
    seeded: Seeded, tmp_path: Path
) -> None:
    d, _ = seeded
    japan = d.nodes["japan"]
    old = japan.replica.state.certificate_key_at("japan", japan.log_size())
    assert old is not None
    private = Ed25519PrivateKey.generate()
    key_id = certificate_key_id(private.public_key().public_bytes_raw())
    japan.keystore.add("certificate", key_id, private, party="japan")
    declare = {
        "type": "certificate.key",
        "party": "japan",
        "key_id": key_id,
        "public_key": b64url(private.public_key().public_bytes_raw()),
    }
    retire = {
        "type": "certificate.key",
        "party": "japan",
        "key_id": old.key_id,
        "public_key": b64url(old.public_key),
        "retire": True,
    }
    for act in (declare, retire):
        p = japan.propose(act, official="japan-root-1")
        japan.sign(p.id, official="japan-root-2")
        assert d.commit().final is not None
        assert japan.replica.committed_index(p.id) is not None
    # tour19-01 was issued under the old key: its signature holds (the certificate itself has
    # long expired by now, which is all that fails).
    line, failing = _signature_of_japan(d, "tour19-01")
    assert line.startswith("PASS signature of japan: "), line
    assert "after the certificate was issued: it stays valid until it expires" in line
    assert failing == ["validity"]
    assert japan.replica.state.certificate_key_at("japan", japan.log_size()).key_id == key_id  # type: ignore[union-attr]
    # Every party declares the old key compromised: none of its certificates holds any more.
    compromise = {
        "type": "certificate.compromise",
        "party": "japan",
        "key_id": old.key_id,
        "reason": {"en": "The signing device was stolen."},
    }
    p = japan.propose(compromise, official="jp-certs")
    d.nodes["russia"].sign(p.id, official="ru-certs")
    assert d.commit().final is not None
    line, failing = _signature_of_japan(d, "tour19-01")
    assert line.startswith(f"FAIL signature of japan: key compromised: kid {old.key_id}"), line
    assert failing == ["signature of japan", "validity"]
    # Nor is a card of it printed.
    zone = tmp_path / "copy"
    shutil.copytree(d.root, zone)
    pdf = tmp_path / "card.pdf"
    result = CliRunner().invoke(app, ["cert", "print", str(zone), "tour19-01", "--out", str(pdf)])
    assert result.exit_code == 1, result.output
    assert f"signed by japan's key {old.key_id}, declared compromised at" in result.output
    assert not pdf.exists()


def test_a_revoked_certificate_is_not_printed(seeded_dir: Path, tmp_path: Path) -> None:
    zone = tmp_path / "zone"
    shutil.copytree(seeded_dir, zone)
    pdf = tmp_path / "card.pdf"
    result = CliRunner().invoke(app, ["cert", "print", str(zone), "tour19-12", "--out", str(pdf)])
    assert result.exit_code == 1, result.output
    assert "certificate 'tour19-12' was revoked at 2019-" in result.output
    assert not pdf.exists()


# -- movements --------------------------------------------------------------------------------


def test_a_movement_is_pending_until_the_other_party_signs(seeded: Seeded) -> None:
    d, _ = seeded
    act = {
        "type": "movement.record",
        "movement": "tour19-01-late",
        "certificate": "tour19-01",
        "crossing_point": {"place": "nemuro-port"},
        "direction": "out",
        "time": "2019-11-01T12:30:00Z",
        "vessel": "Etopirika",
    }
    proposal = d.nodes["russia"].propose(act, official="ru-border")
    d.commit()
    assert "tour19-01-late" not in d.nodes["japan"].replica.state.movements
    pending = [s.proposal.id for s in d.nodes["japan"].proposals("open")]
    assert proposal.id in pending
    d.nodes["japan"].sign(proposal.id, official="jp-border")
    d.commit()
    movement = d.nodes["japan"].replica.state.movements["tour19-01-late"]
    assert movement.direction == "out"
    assert proposal.id not in [s.proposal.id for s in d.nodes["japan"].proposals("open")]


def test_the_seed_tour_crossed_three_times(opened_seed: EmbeddedDeployment) -> None:
    state = opened_seed.nodes["japan"].replica.state
    manifests = [m for m in state.movements.values() if m.kind == "manifest"]
    assert [(m.crossing_point, m.direction, len(m.certificates)) for m in manifests] == [
        ("furukamappu-yuzhno-kurilsk", "in", 43),
        ("shana-kurilsk", "in", 44),
        ("nemuro-port", "out", 44),
    ]
    assert state.revoked == ("tour19-12",)


# -- the offline verifier's command line ------------------------------------------------------


def _verify_cli(args: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    from jointzone.cli import app

    result = CliRunner().invoke(app, ["cert", "verify", *args])
    return result.exit_code, result.output


def _verify_inputs(
    opened_seed: EmbeddedDeployment, bundle: bytes, tmp_path: Path, certificate: str
) -> tuple[Path, list[str], Certificate]:
    """What an officer's ``cert verify`` is given: the bundle as a file, every party's node key
    as ``--key`` options, and the seeded certificate."""
    trust = tmp_path / "trust.json"
    trust.write_bytes(bundle)
    keys = [a for v in _vkeys(opened_seed) for a in ("--key", v.vkey)]
    doc = opened_seed.nodes["japan"].certificate(certificate)
    assert doc is not None
    return trust, keys, doc


def test_cert_verify_command(
    opened_seed: EmbeddedDeployment, bundle: bytes, tmp_path: Path
) -> None:
    trust, keys, doc = _verify_inputs(opened_seed, bundle, tmp_path, "tour19-01")
    png = tmp_path / "c.png"
    png.write_bytes(doc.qr_png())
    now = ["--now", "2019-10-30T12:00:00Z"]
    code, output = _verify_cli(["--image", str(png), "--trust", str(trust), *keys, *now])
    assert code == 0, output
    assert "PASS signature of russia" in output
    assert output.rstrip().endswith("verdict: VALID")
    code, output = _verify_cli([doc.to_text(), "--trust", str(trust), *keys])  # now: expired
    assert code == 1
    assert "FAIL validity: expired" in output
    trust.write_bytes(bundle[:100])
    code, output = _verify_cli([doc.to_text(), "--trust", str(trust), *keys, *now])
    assert code == 1
    assert "FAIL trust bundle: not a trust bundle: expected UTF-8 JSON" in output
    assert "Traceback" not in output


def test_cert_verify_refuses_a_stale_bundle_with_a_stale_line(
    opened_seed: EmbeddedDeployment, bundle: bytes, tmp_path: Path
) -> None:
    trust, keys, doc = _verify_inputs(opened_seed, bundle, tmp_path, "tour19-01")
    # Made 26 October; the regime's maximum age is 7 days: on 2 November 10:00 it is stale.
    code, output = _verify_cli(
        [doc.to_text(), "--trust", str(trust), *keys, "--now", "2019-11-02T10:00:00Z"]
    )
    assert code == 1
    assert "STALE trust bundle: made 2019-10-26T09:00:00Z" in output
    assert "older than the 7 d 0 h a bundle may be" in output
    assert "verdict: VALID" not in output
    # --max-age overrides the regime's: ten days, and the same bundle serves.
    code, output = _verify_cli(
        [
            doc.to_text(),
            "--trust",
            str(trust),
            *keys,
            "--now",
            "2019-11-02T10:00:00Z",
            "--max-age",
            "10d",
        ]
    )
    assert code == 0, output
    # Dated after now beyond the skew: a clock set back, or a bundle from the future.
    code, output = _verify_cli(
        [doc.to_text(), "--trust", str(trust), *keys, "--now", "2019-10-26T08:00:00Z"]
    )
    assert code == 1
    assert "dated after now by more than the 5 min clock skew" in output


def test_a_bundle_without_every_partys_timestamp_is_refused(
    opened_seed: EmbeddedDeployment, bundle: bytes
) -> None:
    raw = json.loads(bundle)
    lines = raw["checkpoint"].split("\n")
    # Russia's node signature and its timestamped cosignature: either one missing, refused.
    russia = [
        i
        for i, line in enumerate(lines)
        if line.startswith("— jointzone.example/seed-regime/russia")
    ]
    assert len(russia) == 2
    for i in russia:
        note = "\n".join([*lines[:i], *lines[i + 1 :]])
        with pytest.raises(BundleError, match="russia"):
            open_bundle(json.dumps({**raw, "checkpoint": note}).encode(), _vkeys(opened_seed))


def test_export_refuses_a_node_that_is_not_final_and_asks_every_node(seeded: Any) -> None:
    d, _ = seeded
    japan = d.nodes["japan"]
    data = export_trust_bundle(japan)
    opened = open_bundle(data, japan.replica.node_verifiers())
    assert opened.trust.issued_at == japan.now()

    # A peer that cannot vouch (down, or behind) means no bundle: freshness needs every party.
    class Down:
        party = "russia"

        def vouch(self, checkpoint: bytes) -> bytes:
            raise ConnectionError("russia is unreachable")

    japan.peers = {"russia": Down()}
    with pytest.raises(ConnectionError):
        export_trust_bundle(japan)


def test_cert_verify_shows_the_holder_and_where_they_may_go(
    opened_seed: EmbeddedDeployment, bundle: bytes, tmp_path: Path
) -> None:
    """The officer sees whom the certificate is for, in every script it gives, and the places
    it permits with every party's names; ``--at`` says whether this place is one of them."""
    trust, keys, doc = _verify_inputs(opened_seed, bundle, tmp_path, "tour19-01")
    args = [doc.to_text(), "--trust", str(trust), *keys, "--now", "2019-10-30T12:00:00Z"]
    code, output = _verify_cli([*args, "--lang", "ru"])
    assert code == 0, output
    assert [n.script for n in doc.claims.names] == ["Latn", "Jpan"]
    for name in doc.claims.names:
        assert f"holder ({name.script}): {name.name}\n" in output
    assert "party of origin: Япония (japan)\n" in output
    project = opened_seed.nodes["japan"].replica.state.projects["pilot-tour-2019"]
    assert doc.claims.project == project.number
    title = project.title.get("ru", project.id)
    assert f"project: number {project.number}, {title} (pilot-tour-2019)\n" in output
    assert "category: пакетные туристические туры (tourism)\n" in output
    # Each party's name, Russia's first for a Russian reader, as the regime's name order says.
    assert "permitted place: Южно-Курильск/Фурукамаппу\n" in output
    assert "permitted place: Курильск/Сяна\n" in output
    assert "valid: 2019-10-27T00:00:00Z to 2019-11-03T00:00:00Z (UTC)" in output
    assert output.index("holder (") < output.index("verdict: VALID")

    code, output = _verify_cli([*args, "--at", "Yuzhno-Kurilsk"])
    assert code == 0, output
    assert "PASS place: Furukamappu/Yuzhno-Kurilsk is permitted\n" in output
    assert "permitted place: Furukamappu/Yuzhno-Kurilsk\n" in output
    code, output = _verify_cli([*args, "--at", "nemuro-port"])
    assert code == 1, output
    assert "FAIL place: Nemuro port is not among the places this certificate permits" in output
    assert output.rstrip().endswith("verdict: INVALID")
    code, output = _verify_cli([*args, "--at", "Atlantis"])
    assert code == 1, output
    assert "--at: no place 'Atlantis' in the regime's gazetteer" in output
    code, output = _verify_cli([*args, "--at", "shikotan", "--lang", "fr"])
    assert code == 1, output
    assert "--lang: expected one of the regime's languages" in output
    assert "Traceback" not in output


def test_cert_verify_shows_when_and_why_a_certificate_was_revoked(
    opened_seed: EmbeddedDeployment, later_bundle: bytes, tmp_path: Path
) -> None:
    trust, keys, doc = _verify_inputs(opened_seed, later_bundle, tmp_path, "tour19-12")
    code, output = _verify_cli(
        [doc.to_text(), "--trust", str(trust), *keys, "--now", "2019-11-02T12:00:00Z"]
    )
    assert code == 1, output
    record = opened_seed.nodes["japan"].replica.state.certificates["tour19-12"]
    assert record.revoked is not None
    assert record.revocation_reason is not None
    # Every language the reason was given in, in the regime's order of languages.
    regime = opened_seed.nodes["japan"].replica.regime
    assert regime is not None
    given = record.revocation_reason
    reason = "; ".join(f"{lang}: {given[lang]}" for lang in regime.languages if lang in given)
    when = record.revoked.time.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"FAIL revocation: revoked since {when}, reason: {reason} (hash" in output
    assert "holder (Latn): SHIMIZU Takuya\n" in output


# -- the printed card -------------------------------------------------------------------------


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} is missing: the card test renders the PDF with poppler-utils, which "
            "`make test` installs from Debian when run as root"
        )
    return path


@pytest.mark.parametrize("language", ["ja", "ru"])
def test_a_printed_card_carries_the_holder_and_a_qr_code_that_reads_back(
    seeded_dir: Path, opened_seed: EmbeddedDeployment, tmp_path: Path, language: str
) -> None:
    """The A6 card, rendered as a printer would, shows the holder in every script, both
    parties' names for each place, each party's signature statement, and a QR code that reads
    back as the certificate itself; its font is embedded."""
    from typer.testing import CliRunner

    from jointzone.cli import app
    from jointzone.credentials import read_qr

    zone = tmp_path / "zone"  # a copy: the module's open deployment holds the seeded one
    shutil.copytree(seeded_dir, zone)
    pdf = tmp_path / f"card-{language}.pdf"
    result = CliRunner().invoke(
        app, ["cert", "print", str(zone), "tour19-01", "--out", str(pdf), "--lang", language]
    )
    assert result.exit_code == 0, result.output
    fonts = subprocess.run(
        [_poppler("pdffonts"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts, "no font in the card"
    assert all(" yes yes " in f for f in fonts), fonts  # embedded, subset
    text = subprocess.run(
        [_poppler("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    doc = opened_seed.nodes["japan"].certificate("tour19-01")
    assert doc is not None
    for name in doc.claims.names:
        assert name.name in text
    both = {"ja": "古釜布/ユジノクリリスク", "ru": "Южно-Курильск/Фурукамаппу"}[language]
    assert both in text.replace("\n", "")
    assert "(pilot-tour-2019)" in text.replace("\n", "")  # the project's title and ref
    statements = {
        "ja": ("日本のために", "ロシアのために"),
        "ru": ("Подписан за сторону Россия", "Подписан за сторону Япония"),
    }
    first, second = statements[language]
    assert text.index(first) < text.index(second), "parties in the regime's order"
    assert "Participant" not in text  # the labels are the card's language
    subprocess.run(
        [_poppler("pdftoppm"), "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    (page,) = tmp_path.glob("page*.png")
    assert read_qr(page.read_bytes()) == doc.to_text()


def test_a_card_is_not_printed_with_a_font_that_lacks_its_script(
    seeded_dir: Path, tmp_path: Path
) -> None:
    """A font without kanji would print empty boxes for a Japanese name: refused, nothing
    written."""
    import reportlab
    from typer.testing import CliRunner

    from jointzone.cli import app

    latin_only = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # ReportLab's own
    zone = tmp_path / "zone"
    shutil.copytree(seeded_dir, zone)
    pdf = tmp_path / "card.pdf"
    args = ["cert", "print", str(zone), "tour19-01", "--out", str(pdf), "--font", str(latin_only)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "the card's font has no glyph for" in result.output
    assert not pdf.exists()
