"""Certificates, trust bundles and movements: ``cert show``, ``cert verify``, ``trust export``,
``movements``.

``cert verify`` is the offline verifier an officer runs: a certificate (``JZ1:`` text or a QR
image), a trust bundle file and the parties' node keys in; one line per check out, like DCC
verifier apps, and one verdict. It reads no deployment and no network.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jointzone.cli._card import card_pdf, find_font
from jointzone.cli._client import NodeApi
from jointzone.cli._console import out, say
from jointzone.cli._deployment import DemoOpt, DirArg, SourceArg, node_of, opened
from jointzone.cli._offline import check_language, holder_lines, parse_duration, verify_offline
from jointzone.cli._output import FormatOpt, emit
from jointzone.cli._registries import proposals_rows, registry_rows
from jointzone.cli._remote import is_node_url, published_replica
from jointzone.cli.errors import CliError
from jointzone.credentials import Certificate, CredentialError, decode_text
from jointzone.inputs import IMAGE, TRUST_BUNDLE, read_bytes
from jointzone.node import NodeError, ProposalStatus, check_certificate, export_trust_bundle
from jointzone.trust import verifier_table

cert_app = typer.Typer(help="Show and verify participant certificates.", no_args_is_help=True)
trust_app = typer.Typer(help="Export trust bundles for offline verifiers.", no_args_is_help=True)

PartyOpt = Annotated[str | None, typer.Option("--party", help="Which node to ask.")]
_MOVEMENT_TYPES = ("movement.record", "movement.manifest")


@cert_app.command("show")
def cert_show(
    directory: SourceArg,
    certificate: Annotated[str, typer.Argument(metavar="CERTIFICATE", help="Certificate id.")],
    party: PartyOpt = None,
    png: Annotated[
        Path | None, typer.Option("--png", metavar="FILE", help="Write its QR code as PNG.")
    ] = None,
    svg: Annotated[
        Path | None, typer.Option("--svg", metavar="FILE", help="Write its QR code as SVG.")
    ] = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Print a certificate's JZ1 text (every party's signature in it); optionally its QR code.

    The stored document is checked against the log and every party's declared key first (at
    a node's URL, against the log it publishes)."""
    if is_node_url(directory):
        document = _published_certificate(directory, certificate)
    else:
        with opened(Path(directory), demo=demo_keys, read_only=True) as deployment:
            document = node_of(deployment, party).certificate(certificate)
    if document is None:
        raise CliError(f"no certificate {certificate!r} with every party's signature at this node")
    say(
        f"certificate {certificate}: QR version {document.qr().version} at level Q, "
        f"{len(document.to_cose())} bytes of COSE"
    )
    sys.stdout.write(document.to_text() + "\n")
    try:
        if png is not None:
            png.write_bytes(document.qr_png())
            say(f"wrote {png}")
        if svg is not None:
            svg.write_text(document.qr_svg(), encoding="utf-8")
            say(f"wrote {svg}")
    except OSError as e:
        raise CliError(f"cannot write the QR code: {e}") from e


@cert_app.command("print")
def cert_print(
    directory: SourceArg,
    certificate: Annotated[str, typer.Argument(metavar="CERTIFICATE", help="Certificate id.")],
    pdf: Annotated[
        Path, typer.Option("--out", metavar="FILE.pdf", help="Where to write the A6 card.")
    ],
    language: Annotated[str, typer.Option("--lang", help="The card's language.")] = "en",
    font: Annotated[
        Path | None,
        typer.Option(
            "--font", metavar="TTF", help="A TrueType font with Latin, Cyrillic and Japanese."
        ),
    ] = None,
    party: PartyOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Print a certificate as an A6 card (PDF): the holder's names in every script, purpose,
    permitted places with every party's names, validity, id and QR code, and each party's
    signature statement alike, in the regime's order for the card's language."""
    typeface = find_font(font)
    if is_node_url(directory):
        state = published_replica(directory).state
        document = _published_certificate(directory, certificate)
    else:
        with opened(Path(directory), demo=demo_keys, read_only=True) as deployment:
            node = node_of(deployment, party)
            state = node.replica.state
            document = node.certificate(certificate)
    if document is None:
        raise CliError(f"no certificate {certificate!r} with every party's signature at this node")
    # The names an officer's verifier shows, from the table this state's checkpoint commits to.
    table = verifier_table(state)
    check_language(table, language)
    record = state.certificates[certificate]
    if record.revoked is not None:
        raise CliError(
            f"certificate {certificate!r} was revoked at {record.revoked.time:%Y-%m-%dT%H:%M:%SZ}"
            f" (entry {record.revoked.position}): a card of it would be refused at every check"
        )
    signers = {}
    for p in table.parties:
        key = state.certificate_key_at(p.id, record.issued.position)
        if key is None:
            continue
        if key.compromised is not None:
            raise CliError(
                f"certificate {certificate!r} is signed by {p.id}'s key {key.key_id}, declared "
                f"compromised at {key.compromised.time:%Y-%m-%dT%H:%M:%SZ} (entry "
                f"{key.compromised.position}): no certificate it signed is valid, so none is "
                "printed; issue the holder a new one"
            )
        signers[p.id] = key.key_id
    data = card_pdf(document, table, language, typeface, signers)
    try:
        pdf.write_bytes(data)
    except OSError as e:
        raise CliError(f"cannot write the card: {e}") from e
    say(f"wrote {pdf}: an A6 card of certificate {certificate} in {language}, {len(data):,} bytes")


def _published_certificate(url: str, certificate: str) -> Certificate | None:
    """A node's document of ``certificate``, checked against the log it publishes."""
    state = published_replica(url).state
    if certificate not in state.certificates:
        raise CliError(f"the log published at {url} issued no certificate {certificate!r}")
    with NodeApi(url) as api:
        text = api.certificate_text_or_none(certificate)
    if text is None:
        return None
    try:
        document = Certificate.from_cose(decode_text(text))
        check_certificate(state, certificate, document)
    except (CredentialError, NodeError) as e:
        raise CliError(f"the node at {url} sent certificate {certificate!r} as: {e}") from e
    return document


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as e:
        raise CliError(f"--now: expected an ISO 8601 time such as 2019-10-30T12:00:00Z: {e}") from e
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@cert_app.command("verify")
def cert_verify(
    text: Annotated[
        str | None, typer.Argument(metavar="JZ1-TEXT", help="The certificate's JZ1: text.")
    ] = None,
    image: Annotated[
        Path | None,
        typer.Option("--image", metavar="PNG", help="Read the certificate from a QR image."),
    ] = None,
    trust: Annotated[
        str,
        typer.Option(
            "--trust",
            metavar="FILE|URL",
            help="A trust bundle (trust export), or a node's URL to fetch a fresh one from.",
        ),
    ] = "trust.json",
    keys: Annotated[
        list[str] | None,
        typer.Option(
            "--key", metavar="VKEY", help="A party node's verifier key; repeat for every party."
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option("--now", metavar="ISO", help="Judge validity at this time (default: now)."),
    ] = None,
    max_age: Annotated[
        str | None,
        typer.Option(
            "--max-age",
            metavar="AGE",
            help="The oldest trust bundle to accept, e.g. 7d, 36h, P7D (default: the regime's).",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="PLACE",
            help="Check that the certificate permits this place: its ref, code or any name.",
        ),
    ] = None,
    language: Annotated[
        str, typer.Option("--lang", help="Language of the holder's places, party and category.")
    ] = "en",
) -> None:
    """Verify a certificate offline: the trust bundle against the node keys and its age, then
    each check of the certificate on its own line, and one verdict. Exits 1 unless VALID.

    A bundle the nodes vouched for longer ago than the maximum age, or dated ahead of now by
    more than the clock skew, is STALE: no certificate verifies against it. The holder follows
    the checks: names in every script given, party of origin, project and category, the
    permitted places with every party's names, and the validity period."""
    if (text is None) == (image is None):
        raise CliError("give the certificate's JZ1: text or --image PNG (one of them)")
    if trust.startswith(("http://", "https://")):
        # Fresh from a node, when the officer is online: checked exactly as a carried one.
        with NodeApi(trust) as api:
            bundle = api.trust_bundle()
    else:
        bundle = read_bytes(Path(trust), limit=TRUST_BUNDLE.max_bytes, what=TRUST_BUNDLE.what)
    picture = (
        read_bytes(image, limit=IMAGE.max_bytes, what=IMAGE.what) if image is not None else None
    )
    age = parse_duration(max_age, "--max-age") if max_age is not None else None
    checked = verify_offline(
        text, picture, bundle, keys or [], _now(now), max_age=age, at=at, language=language
    )
    report, table = checked.report, checked.table
    *checks, verdict = report.lines()
    for line in checks:
        colour = "green" if line.startswith("PASS") else "red"
        colour = "default" if line.startswith(("INFO", "SKIP")) else colour
        out.print(f"[{colour}]{escape(line)}[/]", soft_wrap=True)
    if report.certificate is not None and table is not None:
        for line in holder_lines(report.certificate, table, language):
            out.print(escape(line), soft_wrap=True)
    out.print(f"[{'green' if report.valid else 'red'}]{escape(verdict)}[/]", soft_wrap=True)
    if not report.valid:
        raise typer.Exit(1)


@trust_app.command("export")
def trust_export(
    directory: DirArg,
    out_file: Annotated[Path, typer.Option("--out", metavar="FILE", help="Where to write it.")],
    party: PartyOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Write the trust bundle of a node's latest final checkpoint: the verifier table it commits
    to (certificate keys, revocations, the names of places, categories and projects), vouched
    for just now by every party's node (so every party's passphrase is needed: each node signs
    its own timestamp)."""
    with opened(directory, demo=demo_keys) as deployment:
        node = node_of(deployment, party)
        data = export_trust_bundle(node)
        keys = " ".join(f"--key {v}" for v in node.replica.state.genesis_node_verifiers().values())
    try:
        out_file.write_bytes(data)
    except OSError as e:
        raise CliError(f"cannot write {out_file}: {e.strerror or e}") from e
    say(f"wrote the trust bundle of {node.party}'s node to {out_file} ({len(data):,} bytes)")
    say(f"verify certificates with it: jointzone cert verify JZ1:... --trust {out_file} {keys}")


def movements(
    directory: SourceArg,
    pending: Annotated[
        bool, typer.Option("--pending", help="Only movements awaiting another party's signature.")
    ] = False,
    party: PartyOpt = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of headers and names.")] = "en",
    output_format: FormatOpt = "table",
    demo_keys: DemoOpt = False,
) -> None:
    """List recorded movements and manifests, or (--pending) those one party has recorded and
    the others have not yet signed (act show gives each one whole)."""
    if is_node_url(directory):
        state = published_replica(directory).state
        if state.regime is None:
            raise CliError("the log is empty: no regime has been adopted yet")
        if pending:
            with NodeApi(directory) as api:
                rows = proposals_rows(_pending(api.statuses()), state.regime, lang)
        else:
            rows = registry_rows(state, "movements", lang)
        emit(rows, output_format)
        return
    with opened(Path(directory), demo=demo_keys, read_only=True) as deployment:
        node = node_of(deployment, party)
        regime = node.replica.regime
        if regime is None:
            raise CliError("the log is empty: no regime has been adopted yet")
        if pending:
            rows = proposals_rows(_pending(node.proposals()), regime, lang)
        else:
            rows = registry_rows(node.replica.state, "movements", lang)
    emit(rows, output_format)


def _pending(statuses: list[ProposalStatus]) -> list[ProposalStatus]:
    return [
        s
        for s in statuses
        if s.proposal.act_type in _MOVEMENT_TYPES and s.status in ("open", "expired")
    ]
