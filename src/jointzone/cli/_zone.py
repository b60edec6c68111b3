"""Commands on an embedded deployment: create it, play a scenario, make, sign and reject acts,
commit, show the registries, audit a node.

Every command after ``init`` reads the regime from the deployment's log, so it works from any
directory; ``--regime`` is for creating a deployment only.
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from jointzone.cli import _remote as remote
from jointzone.cli._client import NodeApi
from jointzone.cli._console import progress_bar, say
from jointzone.cli._deployment import (
    DemoOpt,
    DirArg,
    KeyFileOpt,
    PassphraseFileOpt,
    default_path,
    node_of,
    opened,
    passphrases,
    signer,
)
from jointzone.cli._offline import verify_offline
from jointzone.cli._output import FormatOpt, emit
from jointzone.cli._registries import REGISTRIES, proposals_rows, registry_rows
from jointzone.cli._remote import (
    NodeOpt,
    TargetArg,
    is_node_url,
    own_key,
    published_replica,
    remote_target,
    required,
)
from jointzone.cli.errors import CliError
from jointzone.inputs import ACT, read_yaml
from jointzone.node import (
    EmbeddedDeployment,
    Round,
    audit,
    deployment_parties,
)
from jointzone.node._checkpoints import SIGNED_STATE_FILE, read_signed_state
from jointzone.node._keyfile import fingerprint
from jointzone.publish import export_tiles
from jointzone.regime import Regime
from jointzone.scenario import Scenario, ScenarioClock, StepResult, play
from jointzone.store import open_store
from jointzone.tlog import Note, Verifier
from jointzone.verify import verify_tiles

RegimeOpt = Annotated[
    Path | None,
    typer.Option(
        "--regime",
        metavar="DIR",
        help="The regime's directory, read when the deployment is created (default: the seed).",
    ),
]
PartyOpt = Annotated[str | None, typer.Option("--party", help="The party whose node acts.")]
AsOpt = Annotated[
    str, typer.Option("--as", help="The official (or root key id) who signs, of that party.")
]


def trust_file(when: datetime) -> str:
    """The file a scenario's trust bundle export writes, by its day."""
    return f"trust-{when:%Y-%m-%d}.json"


ReadPartyOpt = Annotated[str | None, typer.Option("--party", help="Which party's node to ask.")]


def _regime_dir(given: Path | None) -> Path:
    return given if given is not None else default_path("regimes/seed")


def init(directory: DirArg, regime: RegimeOpt = None, demo_keys: DemoOpt = False) -> None:
    """Create an embedded deployment: a node per party, and the regime adopted by all."""
    source = _regime_dir(regime)
    r = Regime.from_dir(source)
    keys = passphrases(list(r.party_ids), demo=demo_keys)
    with EmbeddedDeployment.create(directory, regime_dir=source, passphrases=keys, demo=demo_keys):
        pass
    say(
        f"created a deployment of regime {r.id} v{r.version} in {directory}: "
        f"nodes of {', '.join(r.party_ids)}; its log keeps real time"
    )


def scenario(
    directory: DirArg,
    file: Annotated[
        Path | None,
        typer.Option("--scenario", metavar="FILE", help="The scenario to play (default: seed)."),
    ] = None,
    regime: RegimeOpt = None,
    demo_keys: DemoOpt = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Start from an empty directory.")] = False,
    publish: Annotated[
        Path | None,
        typer.Option(
            "--publish",
            metavar="DIR",
            help="Then export the log as tlog-tiles to DIR and verify the export offline.",
        ),
    ] = None,
) -> None:
    """Play a scenario into a deployment (created if missing); a rerun resumes where it stopped.

    A scenario plays historical dates, so a deployment it creates declares simulated time in
    its genesis; a deployment made by init keeps real time and refuses a scenario's clock.
    """
    sc = Scenario.from_file(file or default_path("scenarios/seed.yaml"))
    if fresh and directory.exists():
        shutil.rmtree(directory)
    clock = ScenarioClock(sc.steps[0].at if sc.steps else datetime.now(UTC))
    if not (directory / "deployment.txt").exists():
        source = _regime_dir(regime)
        r = Regime.from_dir(source)
        keys = passphrases(list(r.party_ids), demo=demo_keys)
        EmbeddedDeployment.create(
            directory, regime_dir=source, passphrases=keys, clock=clock, demo=demo_keys
        ).close()
        say(f"created a deployment of regime {r.id} v{r.version} in {directory} (simulated time)")
    say(f"playing scenario {sc.name!r}: {sc.description}")

    def show(res: StepResult) -> None:
        act = res.step.act
        label = f"{act.get('type')} {_subject(act)}".strip()
        if res.step.export is not None:
            if res.bundle is not None:
                path = directory / trust_file(res.step.at)
                path.write_bytes(res.bundle)
                say(
                    f"  {res.step.at:%Y-%m-%d}  exported  a trust bundle from {res.step.party}'s "
                    f"node, vouched for by every node: {path}"
                )
        elif res.status == "rejected":
            party, official, reason = res.step.reject or ("", "", "")
            say(f"  {res.step.at:%Y-%m-%d}  refused   {label} — {party} ({official}): {reason}")
        elif res.status == "pending":
            say(
                f"  {res.step.at:%Y-%m-%d}  pending   {label}  [{res.act_id[:12]}, signed by "
                f"{res.step.party} only, awaiting the others]"
            )
        else:
            by = f"sequenced by {res.sequencer}" if res.sequencer else "already in the log"
            say(f"  {res.step.at:%Y-%m-%d}  #{res.index:<4} {label}  [{res.act_id[:12]}, {by}]")
        sys.stdout.flush()

    with opened(directory, demo=demo_keys, clock=clock) as deployment:
        play(deployment, sc, clock, on_step=show)
        if publish is not None:
            _publish(deployment, publish)
            _show_certificate(deployment, directory)
        _final(deployment)


def _publish(deployment: EmbeddedDeployment, target: Path) -> None:
    """Export one node's log as tiles, then verify the export with nothing but the node keys."""
    party, node = next(iter(deployment.nodes.items()))
    note = node.latest_checkpoint()
    if note is None:
        raise CliError("the deployment holds no checkpoint yet: there is nothing to publish")
    exported = export_tiles(node.store, target, checkpoint_note=note)
    say(
        f"published the log of {party}'s node as tlog-tiles in {target}: "
        f"{exported.written:,} files written"
    )
    keys = node.replica.node_verifiers()
    report = verify_tiles(target, keys)
    say(
        f"verified the published log offline with the node keys ({' '.join(k.vkey for k in keys)}):"
    )
    say(f"  {report.summary()}")


def _show_certificate(deployment: EmbeddedDeployment, directory: Path) -> None:
    """One certificate of the log as a participant carries it, verified offline as an officer
    would during the journey: its JZ1 text and QR code, the trust bundle the scenario exported
    before it, and the node keys."""
    node = next(iter(deployment.nodes.values()))
    certificates = node.replica.state.certificates
    if not certificates:
        return
    record = next(iter(certificates.values()))
    document = node.certificate(record.id)
    if document is None:
        raise CliError(f"certificate {record.id!r} has no document with every party's signature")
    moment = record.valid_from + (record.valid_to - record.valid_from) / 2
    bundles = sorted(directory.glob("trust-*.json"))
    png, svg = directory / f"{record.id}.png", directory / f"{record.id}.svg"
    png.write_bytes(document.qr_png())
    svg.write_text(document.qr_svg(), encoding="utf-8")
    if not bundles:
        raise CliError(f"the scenario exported no trust bundle into {directory}")
    # The latest bundle made before the moment: what the officer would carry then.
    bundle = next((b for b in reversed(bundles) if b.name <= trust_file(moment)), bundles[0])
    data = bundle.read_bytes()
    say(
        f"certificate {record.id} (QR version {document.qr().version}, level Q), written as "
        f"{png} and {svg}:"
    )
    sys.stdout.write(document.to_text() + "\n")
    keys = [v.vkey for v in node.replica.node_verifiers()]
    say(
        f"verified offline from the QR image with the trust bundle {bundle} and the node keys, "
        f"as an officer would at {moment:%Y-%m-%dT%H:%M:%SZ}:"
    )
    report = verify_offline(None, png.read_bytes(), data, keys, moment).report
    for line in report.lines():
        say(f"  {line}")
    if not report.valid:
        raise CliError(f"certificate {record.id} did not verify")


def _subject(act: dict[str, Any] | Any) -> str:
    for key in (
        "movement",
        "manifest",
        "certificate",
        "official",
        "participant",
        "enterprise",
        "project",
        "report",
        "decision",
        "incident",
    ):
        if key in act:
            return str(act[key])
    return ""


def _final(deployment: EmbeddedDeployment) -> None:
    node = next(iter(deployment.nodes.values()))
    note = node.latest_checkpoint()
    if note is None:
        raise CliError("the deployment holds no checkpoint yet")
    sizes = {p: n.log_size() for p, n in deployment.nodes.items()}
    say(
        f"every node holds {max(sizes.values())} entries ("
        + ", ".join(f"{p}: {s}" for p, s in sizes.items())
        + ")"
    )
    say("final checkpoint, signed by every party's node:")
    # Written as is: a checkpoint is a signed text, and wrapping its lines would break it.
    sys.stdout.write(Note.from_bytes(note).to_bytes().decode("utf-8"))
    sys.stdout.flush()


act_app = typer.Typer(help="Propose, sign, reject and show acts.", no_args_is_help=True)


def load_act(source: str) -> dict[str, Any]:
    """An act file (JSON or YAML, or - for standard input), read within the act file limits."""
    data = read_yaml(source, limits=ACT)
    if not isinstance(data, dict):
        name = "<stdin>" if source == "-" else source
        raise CliError(f"{name}: expected an act as a JSON or YAML object with a 'type'")
    return data


def _explain_round(rnd: Round, act_id: str, index: int | None) -> str:
    """What a commit round did with one act, in a sentence: never without the reason."""
    if index is not None and rnd.final is not None:
        return f"committed act {act_id} at position {index}, sequenced by {rnd.sequencer}"
    if index is not None:
        return (
            f"act {act_id} is in the log of {rnd.sequencer} at position {index} but not final "
            f"yet: {rnd.waiting or 'a node has not cosigned'}"
        )
    refused = dict(rnd.batch.refused) if rnd.batch is not None else {}
    if act_id in refused:
        return f"act {act_id} was not committed: {refused[act_id]}"
    if rnd.waiting:
        return (
            f"act {act_id} has consent but was not committed: {rnd.waiting}. It is committed at "
            f"the next round of {rnd.sequencer}'s node (jointzone commit)"
        )
    return f"act {act_id} was not committed"


@act_app.command("propose")
def propose(
    directory: TargetArg,
    source: Annotated[
        str | None, typer.Argument(metavar="FILE|-", help="The act, JSON or YAML.")
    ] = None,
    party: PartyOpt = None,
    official: AsOpt = "",
    key_file: KeyFileOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    demo_keys: DemoOpt = False,
    node_url: NodeOpt = None,
) -> None:
    """Propose an act at a party's node, signed by one of its officials, and send it to the
    other parties' nodes. At a running node (``--node URL``) the official signs with their
    own key file, here; the node never sees the key."""
    target, (source,) = remote_target(directory, node_url, [source])
    act = load_act(required(source, "FILE"))
    who = signer(required(official, "--as"), key_file, passphrase_file)
    if isinstance(target, str):
        with NodeApi(target) as api:
            say(remote.propose(api, act, own_key(who)))
        return
    root = target
    party = required(party, "--party")
    keystore_file = None if key_file is not None else passphrase_file
    with opened(root, demo=demo_keys, acting=party, passphrase_file=keystore_file) as d:
        node = node_of(d, party)
        p = node.propose(act, official=who)
        status = node.status(p.id)
        say(f"proposed act {p.id} ({p.act_type}): {status.verdict.explain()}")


@act_app.command("sign")
def sign(
    directory: TargetArg,
    act_id: Annotated[str | None, typer.Argument(metavar="ACT_ID")] = None,
    party: PartyOpt = None,
    official: AsOpt = "",
    key_file: KeyFileOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    demo_keys: DemoOpt = False,
    commit: Annotated[
        bool,
        typer.Option("--commit/--no-commit", help="Run a commit round once consent is complete."),
    ] = True,
    node_url: NodeOpt = None,
) -> None:
    """Add an official's signature to an open act; commit it once consent is complete (a
    running node commits on its own)."""
    target, (act_id,) = remote_target(directory, node_url, [act_id])
    act_id = required(act_id, "ACT_ID")
    who = signer(required(official, "--as"), key_file, passphrase_file)
    if isinstance(target, str):
        with NodeApi(target) as api:
            say(remote.sign(api, act_id, own_key(who)))
        return
    root = target
    party = required(party, "--party")
    keystore_file = None if key_file is not None else passphrase_file
    with opened(root, demo=demo_keys, acting=party, passphrase_file=keystore_file) as d:
        node = node_of(d, party)
        signed = node.sign(act_id, official=who)
        p = signed.proposal
        status = node.status(p.id)
        if signed.added:
            say(f"signed act {p.id} as {official} ({party}): {status.verdict.explain()}")
        else:
            say(
                f"act {p.id} already carries {official}'s signature: nothing added "
                f"({status.verdict.explain()})"
            )
        if commit and status.verdict.satisfied:
            rnd = d.commit()
            say(_explain_round(rnd, p.id, node.replica.committed_index(p.id)))


@act_app.command("reject")
def reject(
    directory: TargetArg,
    act_id: Annotated[str | None, typer.Argument(metavar="ACT_ID")] = None,
    party: PartyOpt = None,
    official: AsOpt = "",
    reason: Annotated[str, typer.Option("--reason", help="Why: every node keeps it.")] = "",
    key_file: KeyFileOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    demo_keys: DemoOpt = False,
    node_url: NodeOpt = None,
) -> None:
    """Refuse an open act, with a reason, signed by the refusing official."""
    target, (act_id,) = remote_target(directory, node_url, [act_id])
    act_id = required(act_id, "ACT_ID")
    reason = required(reason, "--reason")
    who = signer(required(official, "--as"), key_file, passphrase_file)
    if isinstance(target, str):
        with NodeApi(target) as api:
            say(remote.reject(api, act_id, own_key(who), reason))
        return
    root = target
    party = required(party, "--party")
    keystore_file = None if key_file is not None else passphrase_file
    with opened(root, demo=demo_keys, acting=party, passphrase_file=keystore_file) as d:
        rejection = node_of(d, party).reject(act_id, official=who, reason=reason)
        say(f"rejected act {rejection.act_id} for {party} ({official}): {reason}")


@act_app.command("show")
def show(
    directory: TargetArg,
    act_id: Annotated[str | None, typer.Argument(metavar="ACT_ID")] = None,
    party: ReadPartyOpt = None,
    demo_keys: DemoOpt = False,
    node_url: NodeOpt = None,
) -> None:
    """Show an act: its content, signatures, consent and status."""
    target, (act_id,) = remote_target(directory, node_url, [act_id])
    act_id = required(act_id, "ACT_ID")
    if isinstance(target, str):
        with NodeApi(target) as api:
            s = api.status(act_id)
    else:
        with opened(target, demo=demo_keys, read_only=True) as d:
            s = node_of(d, party).status(act_id)
    c = s.proposal.content
    say(
        f"act {s.proposal.id}: {s.proposal.act_type}, {s.status}"
        + (f" at position {s.index}" if s.index is not None else "")
    )
    say(
        f"proposed by {c.proposed_by} at {c.proposed_at:%Y-%m-%dT%H:%M:%SZ}, "
        f"expires {c.expires_at:%Y-%m-%dT%H:%M:%SZ}, regime {c.regime_id} v{c.regime_version}"
    )
    say("signed by: " + ", ".join(k.decode("utf-8", "replace") for k in s.proposal.kids))
    say(f"consent: {s.verdict.explain()}")
    for r in s.rejections:
        say(f"rejected by {r.party} ({r.official}) at {r.at:%Y-%m-%dT%H:%M:%SZ}: {r.reason}")
    say(json.dumps(dict(c.act), ensure_ascii=False, indent=2))


@act_app.command("list")
def list_acts(
    directory: TargetArg = None,
    status: Annotated[
        str | None, typer.Option("--status", help="open, committed, rejected or expired.")
    ] = None,
    party: ReadPartyOpt = None,
    language: Annotated[str, typer.Option("--lang", help="Language of the headers.")] = "en",
    output_format: FormatOpt = "table",
    demo_keys: DemoOpt = False,
    node_url: NodeOpt = None,
) -> None:
    """List proposals known to a node, with whole act ids."""
    target, _ = remote_target(directory, node_url, [])
    regime: Regime | None
    if isinstance(target, str):
        with NodeApi(target) as api:
            statuses = api.statuses(status)
            regime = api.regime()
    else:
        with opened(target, demo=demo_keys, read_only=True) as d:
            node = node_of(d, party)
            statuses = node.proposals(status)
            regime = node.replica.regime
    if regime is None:
        raise CliError("the log is empty: no regime has been adopted yet")
    emit(proposals_rows(statuses, regime, language), output_format)


def commit(directory: DirArg, demo_keys: DemoOpt = False) -> None:
    """Run one commit round: the sequencer commits what has consent; every node cosigns.

    It needs the passphrase of every party's node: finality needs every party."""
    with opened(directory, demo=demo_keys) as d:
        rnd = d.commit()
        if rnd.batch is None:
            raise CliError(f"no round was run: {rnd.waiting}")
        if not rnd.batch.entries and not rnd.batch.refused:
            say("nothing to commit: no open act has complete consent")
            return
        say(
            f"{rnd.sequencer} sequenced {len(rnd.batch.committed)} act(s); "
            f"refused {len(rnd.batch.refused)}"
        )
        for act_id, why in rnd.batch.refused:
            say(f"  refused {act_id}: {why}")
        if rnd.batch.entries and rnd.final is None:
            say(f"not final yet: {rnd.waiting}")
            return
        if rnd.batch.entries:
            _final(d)


def registry(
    directory: Annotated[
        str, typer.Argument(metavar="DIR|URL", help="The deployment's directory, or a node's URL.")
    ],
    kind: Annotated[str, typer.Argument(metavar="KIND", help=", ".join(REGISTRIES))],
    language: Annotated[str, typer.Option("--lang", help="Language of names and titles.")] = "en",
    party: ReadPartyOpt = None,
    output_format: FormatOpt = "table",
    demo_keys: DemoOpt = False,
) -> None:
    """Print a registry of the state, derived again from the log at every command (at a node's
    URL, from the log it publishes, checked against its final checkpoint)."""
    if is_node_url(directory):
        rows = registry_rows(published_replica(directory).state, kind, language)
    else:
        with opened(Path(directory), demo=demo_keys, read_only=True) as d:
            rows = registry_rows(node_of(d, party).replica.state, kind, language)
    emit(rows, output_format)


def audit_node(
    directory: DirArg,
    party: PartyOpt,
    keys: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            metavar="VKEY",
            help="A party node's verifier key, given out of band; repeat for every party. The "
            "log's genesis must declare exactly these.",
        ),
    ] = None,
) -> None:
    """Audit one node's database: judge every entry again, recompute every hash, and check it
    against what the node signed, its peers' final checkpoints and the pinned keys."""
    parties = deployment_parties(directory)
    if party not in parties:
        raise CliError(f"no node of party {party!r} in {directory} (parties: {', '.join(parties)})")
    db = directory / party / "node.db"
    if not db.exists():
        raise CliError(f"no node database at {db}")
    signed = read_signed_state(directory / party / "keys" / SIGNED_STATE_FILE)
    peers: dict[str, bytes | None] = {}
    for other in parties:
        if other != party and (directory / other / "node.db").exists():
            with open_store(f"sqlite:///{directory / other / 'node.db'}") as peer:
                peers[other] = peer.checkpoint()
    with open_store(f"sqlite:///{db}") as store, progress_bar("auditing") as progress:
        report = audit(
            store, pins=keys or (), signed_state=signed, peer_checkpoints=peers, progress=progress
        )
    root = base64.b64encode(report.root).decode("ascii")
    say(
        f"ok: node {party}: {report.size:,} entries judged again, root {root}, final "
        f"checkpoint of size {report.checkpoint_size} signed by every party's node"
    )
    for p, vkey in report.node_keys:
        pinned = " (pinned)" if keys and vkey in keys else ""
        say(f"  node key of {p}: {vkey}  fingerprint {_fingerprint(vkey)}{pinned}")


def _fingerprint(vkey: str) -> str:
    return fingerprint(Verifier.from_vkey(vkey).public_key_bytes)
