"""Commands on an embedded deployment: create it, play the seed scenario, make and sign acts,
commit, show the registries, audit a node.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from jointzone.cli._console import out, progress_bar, say
from jointzone.cli._deployment import opened, passphrases, regime_dir
from jointzone.cli._offline import verify_report
from jointzone.cli._registries import REGISTRIES, registry_table
from jointzone.cli.errors import CliError
from jointzone.node import EmbeddedDeployment, Node, audit, export_trust_bundle
from jointzone.publish import export_tiles
from jointzone.regime import Regime
from jointzone.scenario import Scenario, ScenarioClock, StepResult, play
from jointzone.store import open_store
from jointzone.tlog import Note
from jointzone.verify import verify_tiles

DirArg = Annotated[Path, typer.Argument(metavar="DIR", help="The deployment's directory.")]
RegimeOpt = Annotated[
    Path | None,
    typer.Option("--regime", metavar="DIR", help="The regime's directory (default regimes/seed)."),
]
DemoOpt = Annotated[
    bool,
    typer.Option(
        "--demo-keys", help="Use the published demo passphrase for every keystore (demo only)."
    ),
]
PartyOpt = Annotated[str, typer.Option("--party", help="The party whose node acts.")]
AsOpt = Annotated[
    str, typer.Option("--as", help="The official (or root key id) who signs, of that party.")
]


def init(directory: DirArg, regime: RegimeOpt = None, demo_keys: DemoOpt = False) -> None:
    """Create an embedded deployment: a node per party, and the regime adopted by all."""
    r = Regime.from_dir(regime_dir(regime))
    keys = passphrases(list(r.party_ids), demo=demo_keys)
    with EmbeddedDeployment.create(directory, regime_dir=regime_dir(regime), passphrases=keys):
        pass
    say(
        f"created a deployment of regime {r.id} v{r.version} in {directory}: "
        f"nodes of {', '.join(r.party_ids)}"
    )


def scenario(
    directory: DirArg,
    file: Annotated[
        Path, typer.Option("--scenario", metavar="FILE", help="The scenario to play.")
    ] = Path("scenarios/seed.yaml"),
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
    """Play a scenario into a deployment (created if missing); a rerun resumes where it stopped."""
    sc = Scenario.from_file(file)
    if fresh and directory.exists():
        shutil.rmtree(directory)
    start = sc.steps[0].at if sc.steps else datetime.now(UTC)
    clock = ScenarioClock(start)
    r = Regime.from_dir(regime_dir(regime))
    if not (directory / "deployment.txt").exists():
        keys = passphrases(list(r.party_ids), demo=demo_keys)
        EmbeddedDeployment.create(
            directory, regime_dir=regime_dir(regime), passphrases=keys, clock=clock
        ).close()
        say(f"created a deployment of regime {r.id} v{r.version} in {directory}")
    say(f"playing scenario {sc.name!r}: {sc.description}")

    def show(res: StepResult) -> None:
        act = res.step.act
        label = f"{act.get('type')} {_subject(act)}".strip()
        if res.status == "rejected":
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

    with opened(directory, regime=regime, demo=demo_keys, clock=clock) as deployment:
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
    would: its JZ1 text and QR code, a trust bundle exported from a node, and the node keys."""
    node = next(iter(deployment.nodes.values()))
    certificates = node.replica.state.certificates
    if not certificates:
        return
    record = next(iter(certificates.values()))
    document = node.certificate(record.id)
    if document is None:
        raise CliError(f"certificate {record.id!r} has no document with every party's signature")
    png, svg, bundle = (
        directory / f"{record.id}.png",
        directory / f"{record.id}.svg",
        directory / "trust.json",
    )
    png.write_bytes(document.qr_png())
    svg.write_text(document.qr_svg(), encoding="utf-8")
    data = export_trust_bundle(node)
    bundle.write_bytes(data)
    say(
        f"certificate {record.id} (QR version {document.qr().version}, level Q), written as "
        f"{png} and {svg}:"
    )
    sys.stdout.write(document.to_text() + "\n")
    keys = [v.vkey for v in node.replica.node_verifiers()]
    moment = record.valid_from + (record.valid_to - record.valid_from) / 2
    say(
        f"verified offline from the QR image with the trust bundle {bundle} (as of the log's "
        f"end) and the node keys, as an officer would at {moment:%Y-%m-%dT%H:%M:%SZ}:"
    )
    report = verify_report(None, png.read_bytes(), data, keys, moment)
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


def _load_act(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as e:
        raise CliError(f"{source}: {e}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise CliError(f"{source}: not JSON or YAML: {e}") from e
    if not isinstance(data, dict):
        raise CliError(f"{source}: expected an act as a JSON or YAML object with a 'type'")
    return data


@act_app.command("propose")
def propose(
    directory: DirArg,
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="The act, JSON or YAML.")],
    party: PartyOpt,
    official: AsOpt,
    regime: RegimeOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Propose an act at a party's node, signed by one of its officials."""
    act = _load_act(source)
    with opened(directory, regime=regime, demo=demo_keys) as deployment:
        node = _node(deployment, party)
        p = node.propose(act, official=official)
        status = node.status(p.id)
        say(f"proposed act {p.id} ({p.act_type}): {status.verdict.explain()}")


@act_app.command("sign")
def sign(
    directory: DirArg,
    act_id: Annotated[str, typer.Argument(metavar="ACT_ID")],
    party: PartyOpt,
    official: AsOpt,
    regime: RegimeOpt = None,
    demo_keys: DemoOpt = False,
    commit: Annotated[
        bool, typer.Option("--commit/--no-commit", help="Run a commit round.")
    ] = True,
) -> None:
    """Add an official's signature to an open act; commit it once consent is complete."""
    with opened(directory, regime=regime, demo=demo_keys) as deployment:
        node = _node(deployment, party)
        p = node.sign(act_id, official=official)
        status = node.status(p.id)
        say(f"signed act {p.id} as {official} ({party}): {status.verdict.explain()}")
        if commit and status.verdict.satisfied:
            rnd = deployment.commit()
            index = node.replica.committed_index(p.id)
            if rnd is not None and index is not None:
                say(f"committed act {p.id} at position {index}, sequenced by {rnd.sequencer}")


@act_app.command("reject")
def reject(
    directory: DirArg,
    act_id: Annotated[str, typer.Argument(metavar="ACT_ID")],
    party: PartyOpt,
    official: AsOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why: every node keeps it.")],
    regime: RegimeOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Refuse an open act, with a reason."""
    with opened(directory, regime=regime, demo=demo_keys) as deployment:
        _node(deployment, party).reject(act_id, official=official, reason=reason)
        say(f"rejected act {act_id} for {party} ({official}): {reason}")


@act_app.command("show")
def show(
    directory: DirArg,
    act_id: Annotated[str, typer.Argument(metavar="ACT_ID")],
    party: Annotated[str | None, typer.Option("--party", help="Which node to ask.")] = None,
    regime: RegimeOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Show an act: its content, signatures, consent and status."""
    with opened(directory, regime=regime, demo=demo_keys) as deployment:
        node = _node(deployment, party or next(iter(deployment.nodes)))
        s = node.status(act_id)
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
        for p, o, reason in s.rejections:
            say(f"rejected by {p} ({o}): {reason}")
        say(json.dumps(dict(c.act), ensure_ascii=False, indent=2))


@act_app.command("list")
def list_acts(
    directory: DirArg,
    status: Annotated[
        str | None, typer.Option("--status", help="open, committed, rejected or expired.")
    ] = None,
    party: Annotated[str | None, typer.Option("--party", help="Which node to ask.")] = None,
    regime: RegimeOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """List proposals known to a node."""
    with opened(directory, regime=regime, demo=demo_keys) as deployment:
        node = _node(deployment, party or next(iter(deployment.nodes)))
        table = Table("act", "type", "by", "proposed", "status", "consent")
        for s in node.proposals(status):
            c = s.proposal.content
            table.add_row(
                s.proposal.id[:12],
                s.proposal.act_type,
                c.proposed_by,
                f"{c.proposed_at:%Y-%m-%d}",
                s.status + (f" #{s.index}" if s.index is not None else ""),
                s.verdict.explain(),
            )
        out.print(table)


def commit(directory: DirArg, regime: RegimeOpt = None, demo_keys: DemoOpt = False) -> None:
    """Run one commit round: the sequencer commits what has consent; every node cosigns."""
    with opened(directory, regime=regime, demo=demo_keys) as deployment:
        rnd = deployment.commit()
        if rnd is None:
            say("nothing to commit: no open act has complete consent")
            return
        say(
            f"{rnd.sequencer} sequenced {len(rnd.batch.committed)} act(s); "
            f"refused {len(rnd.batch.refused)}"
        )
        for act_id, why in rnd.batch.refused:
            say(f"  refused {act_id}: {why}")
        _final(deployment)


def registry(
    directory: DirArg,
    kind: Annotated[str, typer.Argument(metavar="KIND", help=", ".join(REGISTRIES))],
    language: Annotated[str, typer.Option("--lang", help="Language of names and titles.")] = "en",
    party: Annotated[str | None, typer.Option("--party", help="Which node to ask.")] = None,
    regime: RegimeOpt = None,
    demo_keys: DemoOpt = False,
) -> None:
    """Print a registry of the state as a table."""
    with opened(directory, regime=regime, demo=demo_keys) as deployment:
        node = _node(deployment, party or next(iter(deployment.nodes)))
        out.print(registry_table(node.replica.state, kind, language))


def audit_node(
    directory: DirArg,
    party: PartyOpt,
) -> None:
    """Audit one node's database: judge every entry again and recompute every hash."""
    db = directory / party / "node.db"
    if not db.exists():
        raise CliError(f"no node database at {db}")
    with open_store(f"sqlite:///{db}") as store, progress_bar("auditing") as progress:
        report = audit(store, progress=progress)
    say(
        f"ok: node {party}: {report.size:,} entries judged again, root "
        f"{report.root.hex()}, checkpoint of size {report.checkpoint_size} signed by "
        f"{', '.join(report.signed_by)}"
    )


def _node(deployment: EmbeddedDeployment, party: str) -> Node:
    try:
        return deployment.nodes[party]
    except KeyError:
        raise CliError(
            f"no node of party {party!r} (parties: {', '.join(deployment.nodes)})"
        ) from None
