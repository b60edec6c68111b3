"""How a node is doing: what it knows of itself and its peers, judged green, yellow or red.

:func:`gather_facts` reads what the node already has — its log, its final checkpoint, its open
proposals, its outbox and its peers' contact record (:mod:`._contact`) — and :func:`judge`,
which reads nothing else, turns those facts into findings, each with its level and its reason.
The report's level is its worst finding's. The thresholds:

- a peer that cannot be reached now is **yellow** (nothing becomes final without every party's
  node), and **red** once unreachable for :data:`PEER_RED_S` (15 min); a peer not heard from for
  :data:`PEER_SILENT_S` (2 min) with no failure noted either is yellow: the node has stopped
  asking (its driver is stuck, or it is not serving);
- an outbox holding :data:`OUTBOX_YELLOW` (10) messages for a peer is yellow,
  :data:`OUTBOX_RED` (100) red;
- the last final checkpoint :data:`FINAL_YELLOW_S` (10 min) old is yellow and
  :data:`FINAL_RED_S` (1 h) old red, but only while something waits to become final (entries
  beyond it, or an open act with every signature it needs): a zone where nobody proposes
  anything has a log that rightly stands still;
- open acts that expire within :data:`EXPIRING_S` (3 days) are yellow;
- a peer that lacks final entries of this node's log, or a log that lacks entries a peer
  holds, is yellow (catching up); so are a regime not adopted yet and a node restored from a
  backup that has not caught up;
- a locked keystore, an unreadable database, and (read from the directory) a node that no
  process serves, are red.

Each finding's text is an English template with named fields (``peer {peer} unreachable for
{duration}``), kept with its values, so an interface can show it in the reader's language; a
duration is kept in seconds and written in the largest unit that leaves a whole number of at
least 2 (:func:`duration_parts`).

:func:`readiness` answers a narrower question, whether the node is ready to serve (its database
answers, its keystore is unlocked, its regime adopted, and it has caught up), each check with
why it failed.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, cast

from jointzone.consent import ConsentError, Entry, format_time, parse_time
from jointzone.node._backup import hold_directory
from jointzone.node._contact import PeerContact, read_contacts
from jointzone.node._node import Node
from jointzone.node._outbox import Outbox
from jointzone.node._standalone import StandaloneNode
from jointzone.node.errors import NodeError
from jointzone.store import StoreError

Level = Literal["green", "yellow", "red"]
LEVELS: tuple[Level, ...] = ("green", "yellow", "red")

#: A peer unreachable this long is red (any peer unreachable now is yellow).
PEER_RED_S = 15 * 60
#: A peer with no contact, successful or not, for this long is yellow.
PEER_SILENT_S = 2 * 60
#: Messages waiting for one peer: yellow from this many, red from the next.
OUTBOX_YELLOW = 10
OUTBOX_RED = 100
#: The last final checkpoint's age while something waits to become final: yellow, then red.
FINAL_YELLOW_S = 10 * 60
FINAL_RED_S = 60 * 60
#: Open acts that expire within this are yellow.
EXPIRING_S = 3 * 24 * 3600

# The findings' templates: English, the source text of each interface's translations.
NOT_SERVING = "no process serves this node"
DATABASE_DOWN = "the database cannot be read"
KEYSTORE_LOCKED = "the keystore is locked: this node cannot sign"
NOT_ADOPTED = "the regime is not adopted yet: the genesis awaits its signatures"
RESTORED = "restored from a backup: this node signs nothing until it has caught up with its peers"
LOG = "entries in the log: {size}, final: {final}"
NO_CHECKPOINT = "no final checkpoint yet"
CHECKPOINT_WAITING = "last final checkpoint {age} old, while acts wait to become final"
CHECKPOINT_IDLE = "last final checkpoint {age} old; nothing waits to become final"
PEER_UNREACHABLE = "peer {peer} unreachable for {duration}"
PEER_NEVER = "peer {peer} not reached yet"
PEER_SILENT = "no contact with peer {peer} for {duration}"
PEER_REACHED = "peer {peer} reached {duration} ago"
PEER_BEHIND = "peer {peer} is catching up, final entries it lacks: {count}"
NODE_BEHIND = "this node is catching up with peer {peer}, entries it lacks: {count}"
OUTBOX = "messages waiting in the outbox to {peer}: {count}"
EXPIRING = "acts that expire within {duration}: {count}"
PENDING = "acts pending: {count}, the oldest {age} old"
NONE_PENDING = "no acts pending"

#: Every template a finding can have.
TEMPLATES = (
    NOT_SERVING,
    DATABASE_DOWN,
    KEYSTORE_LOCKED,
    NOT_ADOPTED,
    RESTORED,
    LOG,
    NO_CHECKPOINT,
    CHECKPOINT_WAITING,
    CHECKPOINT_IDLE,
    PEER_UNREACHABLE,
    PEER_NEVER,
    PEER_SILENT,
    PEER_REACHED,
    PEER_BEHIND,
    NODE_BEHIND,
    OUTBOX,
    EXPIRING,
    PENDING,
    NONE_PENDING,
)

Param = str | int | timedelta

#: Units of a written duration: each with how many seconds it is.
UNITS: tuple[tuple[str, int], ...] = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def duration_parts(seconds: float) -> tuple[int, str]:
    """A duration as (number, unit): the largest unit of :data:`UNITS` in which it is at least
    2, rounded down (90 s is "90 s", 2 h 59 min is "2 h"); seconds below 2 s."""
    whole = max(0, int(seconds))
    for unit, size in UNITS:
        if whole >= 2 * size:
            return whole // size, unit
    return whole, "s"


def english_duration(seconds: float) -> str:
    n, unit = duration_parts(seconds)
    return f"{n} {unit}"


# -- findings and reports ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found: a ``check`` (what was looked at), its level, and why, as a template
    with its values (a duration as a timedelta), and ``detail``, the technical reason where
    there is one (a peer's error), untranslated."""

    check: str
    level: Level
    template: str
    params: Mapping[str, Param] = field(default_factory=dict)
    detail: str = ""

    @property
    def message(self) -> str:
        """The finding in English."""
        return self.template.format(
            **{
                k: english_duration(v.total_seconds()) if isinstance(v, timedelta) else v
                for k, v in self.params.items()
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "level": self.level,
            "message": self.message,
            "template": self.template,
            "params": {
                k: {"seconds": int(v.total_seconds())} if isinstance(v, timedelta) else v
                for k, v in self.params.items()
            },
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What :func:`judge` found of one party's node, at a time (real time, UTC)."""

    party: str
    time: datetime
    findings: tuple[Finding, ...]

    @property
    def level(self) -> Level:
        return worst(f.level for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "level": self.level,
            "time": format_time(self.time),
            "findings": [f.to_json() for f in self.findings],
        }

    @classmethod
    def from_json(cls, data: object, where: str) -> HealthReport:
        """A report as a node sent it (``to_json``), every field checked, or NodeError."""
        if not isinstance(data, dict):
            raise NodeError(f"{where}: a health report is a JSON object")
        party, level, when, findings = (data.get(k) for k in ("party", "level", "time", "findings"))
        if not isinstance(party, str) or not party:
            raise NodeError(f"{where}: party must be a non-empty string")
        if not isinstance(findings, list) or len(findings) > _MAX_FINDINGS:
            raise NodeError(f"{where}: findings must be a list of at most {_MAX_FINDINGS}")
        try:
            at = parse_time(when, f"{where}: time")
        except ConsentError as e:
            raise NodeError(str(e)) from e
        report = cls(
            party,
            at,
            tuple(_finding(f, f"{where}: findings[{i}]") for i, f in enumerate(findings)),
        )
        if level != report.level:
            raise NodeError(
                f"{where}: level is {level!r}, but its findings make it {report.level!r}"
            )
        return report


def worst(levels: Iterable[Level]) -> Level:
    return max(levels, key=LEVELS.index, default="green")


_MAX_FINDINGS = 1000
_MAX_TEXT = 2000


def _finding(data: object, where: str) -> Finding:
    if not isinstance(data, dict):
        raise NodeError(f"{where}: a finding is a JSON object")
    check, level, template = data.get("check"), data.get("level"), data.get("template")
    params, detail = data.get("params", {}), data.get("detail", "")
    for name, value in (("check", check), ("template", template), ("detail", detail)):
        if not isinstance(value, str) or len(value) > _MAX_TEXT:
            raise NodeError(f"{where}: {name} must be a string of at most {_MAX_TEXT} characters")
    if level not in LEVELS:
        raise NodeError(f"{where}: level must be one of {', '.join(LEVELS)}, not {level!r}")
    if not isinstance(params, dict):
        raise NodeError(f"{where}: params must be an object")
    values: dict[str, Param] = {}
    for name, value in params.items():
        if isinstance(value, dict) and set(value) == {"seconds"}:
            seconds = value["seconds"]
            if type(seconds) is not int or not 0 <= seconds < 10**12:
                raise NodeError(f"{where}: params.{name}.seconds must be a whole number >= 0")
            values[name] = timedelta(seconds=seconds)
        elif (type(value) is int) or (isinstance(value, str) and len(value) <= _MAX_TEXT):
            values[name] = value
        else:
            raise NodeError(f"{where}: params.{name} must be a string, a number or a duration")
    assert isinstance(template, str)
    assert isinstance(check, str)
    assert isinstance(detail, str)
    check_template(template, values, where)
    return Finding(check, cast(Level, level), template, values, detail)


def check_template(template: str, params: Mapping[str, object], where: str) -> None:
    """Refuse a template with any field but a plain ``{name}`` of ``params``: a template
    comes from another process, and format specs or attribute lookups are not for it."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise NodeError(f"{where}: template {template[:80]!r} is malformed: {e}") from e
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in params or spec or conversion:
            raise NodeError(
                f"{where}: template {template[:80]!r} has a field {{{name}}} that is not one "
                f"of its params ({', '.join(sorted(params)) or 'none'})"
            )


# -- facts ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingAct:
    """An open proposal: how old it is, when it expires, and whether it has consent."""

    act_id: str
    age_s: float
    expires_in_s: float
    consented: bool


@dataclass(frozen=True, slots=True)
class PeerFacts:
    """One peer, as this node knows it: its contact record (None: never tried) and outbox."""

    peer: str
    contact: PeerContact | None
    outbox: int


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What :func:`judge` judges: a node's facts, each as the node has it, read at ``time``
    (real time; ``now`` is the same as seconds since the epoch, which the contacts use)."""

    party: str
    time: datetime
    size: int
    final_size: int
    #: Seconds since the entries the last final checkpoint covers were committed; None
    #: without one.
    final_age_s: float | None
    adopted: bool
    restored: bool
    pending: tuple[PendingAct, ...] = ()
    peers: tuple[PeerFacts, ...] = ()
    #: None where not known: a directory read without its passphrase cannot tell.
    keystore_locked: bool | None = None
    #: Whether a process serves the node; None when the serving process is the one asking.
    serving: bool | None = None

    @property
    def now(self) -> float:
        return self.time.timestamp()


def gather_facts(
    node: Node,
    *,
    contacts: Mapping[str, PeerContact],
    outbox: Mapping[str, int],
    peers: Iterable[str],
    time: datetime,
    keystore_locked: bool | None = None,
    serving: bool | None = None,
) -> NodeFacts:
    """A node's facts: read from its store and replica, so the caller holds the node's lock."""
    now = node.now()
    pending = tuple(
        PendingAct(
            act_id=s.proposal.id,
            age_s=(now - s.proposal.content.proposed_at).total_seconds(),
            expires_in_s=(s.proposal.content.expires_at - now).total_seconds(),
            consented=s.verdict.satisfied,
        )
        for s in node.proposals("open")
    )
    size, final_size = node.log_size(), node.final_size()
    final_at = final_checkpoint_time(node, final_size)
    return NodeFacts(
        party=node.party,
        time=time,
        size=size,
        final_size=final_size,
        final_age_s=None if final_at is None else (now - final_at).total_seconds(),
        adopted=node.replica.regime is not None,
        restored=node.restored,
        pending=pending,
        peers=tuple(PeerFacts(p, contacts.get(p), outbox.get(p, 0)) for p in sorted(peers)),
        keystore_locked=keystore_locked,
        serving=serving,
    )


def final_checkpoint_time(node: Node, final_size: int) -> datetime | None:
    """When the entries of the last final checkpoint were committed: the time of the last entry
    it covers, which the sequencer dated as it made the checkpoint. The same on every node,
    whether it signed that checkpoint or caught up to it. None without a final checkpoint."""
    if final_size == 0:
        return None
    (data,) = node.read_entries(final_size - 1, final_size)
    try:
        return Entry.decode(data, index=final_size - 1).time
    except ConsentError as e:
        raise NodeError(f"the log of {node.party!r} holds an unreadable entry: {e}") from e


# -- the judgement -------------------------------------------------------------------------------


def judge(facts: NodeFacts) -> HealthReport:
    """The findings ``facts`` make, by the thresholds of the module docstring."""
    found: list[Finding] = []
    if facts.serving is False:
        found.append(Finding("serving", "red", NOT_SERVING))
    if facts.keystore_locked:
        found.append(Finding("keystore", "red", KEYSTORE_LOCKED))
    if not facts.adopted:
        found.append(Finding("regime", "yellow", NOT_ADOPTED))
    if facts.restored:
        found.append(Finding("restored", "yellow", RESTORED))
    found.append(Finding("log", "green", LOG, {"size": facts.size, "final": facts.final_size}))
    found.append(_checkpoint(facts))
    for peer in facts.peers:
        found += _peer(facts, peer)
    found += _acts(facts)
    return HealthReport(facts.party, facts.time, tuple(found))


def database_down(party: str, time: datetime, error: str) -> HealthReport:
    """The report of a node whose database cannot be read: nothing else can be known."""
    return HealthReport(party, time, (Finding("database", "red", DATABASE_DOWN, detail=error),))


def _checkpoint(facts: NodeFacts) -> Finding:
    waiting = facts.size > facts.final_size or any(a.consented for a in facts.pending)
    if facts.final_age_s is None:
        return Finding("checkpoint", "yellow" if waiting else "green", NO_CHECKPOINT)
    age = {"age": _seconds(facts.final_age_s)}
    if not waiting:
        return Finding("checkpoint", "green", CHECKPOINT_IDLE, age)
    level: Level = (
        "red"
        if facts.final_age_s >= FINAL_RED_S
        else "yellow"
        if facts.final_age_s >= FINAL_YELLOW_S
        else "green"
    )
    return Finding("checkpoint", level, CHECKPOINT_WAITING, age)


def _peer(facts: NodeFacts, peer: PeerFacts) -> list[Finding]:
    found = [_reach(facts, peer.peer, peer.contact)]
    c = peer.contact
    name: dict[str, Param] = {"peer": peer.peer}
    # The sizes of a peer that answers: one that does not may hold more by now.
    if c is not None and c.failing_since is None and c.log_size is not None:
        if c.log_size < facts.final_size:
            lacks = facts.final_size - c.log_size
            found.append(Finding("peer-behind", "yellow", PEER_BEHIND, {**name, "count": lacks}))
        elif c.log_size > facts.size:
            lacks = c.log_size - facts.size
            found.append(Finding("node-behind", "yellow", NODE_BEHIND, {**name, "count": lacks}))
    if peer.outbox:
        level: Level = (
            "red"
            if peer.outbox >= OUTBOX_RED
            else "yellow"
            if peer.outbox >= OUTBOX_YELLOW
            else "green"
        )
        found.append(Finding("outbox", level, OUTBOX, {**name, "count": peer.outbox}))
    return found


def _reach(facts: NodeFacts, peer: str, c: PeerContact | None) -> Finding:
    name = {"peer": peer}
    down = None if c is None else c.unreachable_for(facts.now)
    if c is None or c.reached_at is None:
        level: Level = "red" if down is not None and down >= PEER_RED_S else "yellow"
        return Finding("peer", level, PEER_NEVER, name, "" if c is None else c.error)
    if down is not None:
        level = "red" if down >= PEER_RED_S else "yellow"
        return Finding(
            "peer", level, PEER_UNREACHABLE, {**name, "duration": _seconds(down)}, c.error
        )
    ago = max(0.0, facts.now - c.reached_at)
    if ago >= PEER_SILENT_S:
        return Finding("peer", "yellow", PEER_SILENT, {**name, "duration": _seconds(ago)})
    return Finding("peer", "green", PEER_REACHED, {**name, "duration": _seconds(ago)})


def _acts(facts: NodeFacts) -> list[Finding]:
    if not facts.pending:
        return [Finding("acts", "green", NONE_PENDING)]
    oldest = max(a.age_s for a in facts.pending)
    found = [
        Finding("acts", "green", PENDING, {"count": len(facts.pending), "age": _seconds(oldest)})
    ]
    expiring = sum(1 for a in facts.pending if a.expires_in_s <= EXPIRING_S)
    if expiring:
        found.append(
            Finding(
                "acts-expiring",
                "yellow",
                EXPIRING,
                {"duration": timedelta(seconds=EXPIRING_S), "count": expiring},
            )
        )
    return found


def _seconds(s: float) -> timedelta:
    return timedelta(seconds=max(0, int(s)))


def health_report(
    node: Node,
    *,
    contacts: Mapping[str, PeerContact],
    outbox: Outbox,
    peers: Iterable[str],
    keystore_locked: bool | None = None,
    serving: bool | None = None,
) -> HealthReport:
    """:func:`judge` of :func:`gather_facts` now; the caller holds the node's lock. A database
    that cannot be read is the one finding of its report."""
    time = datetime.now(UTC).replace(microsecond=0)
    try:
        facts = gather_facts(
            node,
            contacts=contacts,
            outbox=outbox.depth(),
            peers=peers,
            time=time,
            keystore_locked=keystore_locked,
            serving=serving,
        )
    except StoreError as e:
        return database_down(node.party, time, str(e))
    return judge(facts)


def directory_health(root: Path) -> HealthReport:
    """The report of the node at ``root``, read from its directory and database whether or
    not it serves (which it tells too), without its passphrase: its keystore is not judged."""
    with StandaloneNode.open(root, passphrase=None) as standalone:
        node = standalone.node
        try:
            with hold_directory(root, "reading its health"):
                serving = False
        except NodeError:
            serving = True
        return health_report(
            node,
            contacts=read_contacts(node.store),
            outbox=Outbox(node.store),
            peers=standalone.config.peers,
            serving=serving,
        )


# -- readiness -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadyCheck:
    """One condition of being ready to serve: its name, whether it holds, and why not."""

    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def ready_checks(
    *,
    party: str,
    size: int | str,
    keystore_locked: bool,
    adopted: bool,
    restored: bool,
    peer_sizes: Mapping[str, int | None],
) -> list[ReadyCheck]:
    """Whether a node is ready to serve: ``size`` is its log's size, or why the database could
    not say; ``peer_sizes`` the sizes its peers last said they held (None: not known)."""
    checks = []
    if isinstance(size, str):
        checks.append(
            ReadyCheck("database", False, f"the database of {party!r} cannot be read: {size}")
        )
    else:
        checks.append(ReadyCheck("database", True, f"the log holds {size} entries"))
    checks.append(
        ReadyCheck("keystore", False, "the keystore is locked: the node cannot sign")
        if keystore_locked
        else ReadyCheck("keystore", True, "the keystore is unlocked")
    )
    checks.append(
        ReadyCheck("regime", True, "the log has adopted its regime")
        if adopted
        else ReadyCheck(
            "regime", False, "the regime is not adopted yet: the genesis awaits signatures"
        )
    )
    if restored:
        checks.append(
            ReadyCheck("caught-up", False, "restored from a backup: catching up with every peer")
        )
    elif isinstance(size, str):
        checks.append(ReadyCheck("caught-up", False, "not known: the database cannot be read"))
    elif ahead := {p: n for p, n in sorted(peer_sizes.items()) if n is not None and n > size}:
        behind = ", ".join(f"{p} holds {n - size} more" for p, n in ahead.items())
        checks.append(ReadyCheck("caught-up", False, f"catching up with its peers: {behind}"))
    else:
        checks.append(
            ReadyCheck("caught-up", True, "no peer is known to hold entries this node lacks")
        )
    return checks


def readiness(node: Node, contacts: Mapping[str, PeerContact]) -> list[ReadyCheck]:
    """:func:`ready_checks` of a node, read without its lock: the store's size, and what is in
    memory (its keystore, its replica's regime, the restore mark beside its keystore)."""
    try:
        size: int | str = node.log_size()
    except StoreError as e:
        size = str(e)
    return ready_checks(
        party=node.party,
        size=size,
        keystore_locked=node.keystore.locked,
        adopted=node.replica.regime is not None,
        restored=node.restored,
        peer_sizes={p: c.log_size for p, c in contacts.items()},
    )
