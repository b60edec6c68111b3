"""The state that committed acts build: regime, keys, officials and every registry.

State is derived only by applying entries in log order (:func:`jointzone.acts.apply`), so two
nodes with the same log hold equal states. It is mutated in place — copying whole registries per
act would make replaying a long log quadratic — but only by ``apply``, and only after an act has
passed every check; its public surface is read-only: records are frozen, registries are exposed as
read-only mappings.

Keys are judged by position. An entry at position ``p`` is judged by what entries ``0 .. p-1``
established: a key appointed at ``p`` is valid from ``p + 1``; a key rotated away or removed at
``p`` is valid up to and including ``p``. Root keys declared in ``regime.adopt`` or
``party.rotate-root`` are valid from that act's own position, because the act is signed by the
keys it declares (as TUF's first root, and each new root, sign themselves); the root keys a
rotation removes sign up to and including it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from jointzone.acts._types import Site
from jointzone.acts.errors import NotAdoptedError
from jointzone.regime import Regime

#: A report figure: an integer, a decimal, or a breakdown by a dimension (species, crop).
Figure = int | Decimal | dict[str, int | Decimal]


@dataclass(frozen=True, slots=True)
class Event:
    """One act's mark on a record: where in the log, when, which act."""

    position: int
    time: datetime
    act_type: str
    act_id: str


@dataclass(frozen=True, slots=True)
class KeyPeriod:
    """A public key and the log positions ``[valid_from, valid_until)`` it signs for."""

    public_key: bytes
    valid_from: int
    valid_until: int | None = None

    def valid_at(self, position: int) -> bool:
        return self.valid_from <= position and (
            self.valid_until is None or position < self.valid_until
        )


@dataclass(frozen=True, slots=True)
class Signer:
    """Who a key id stands for at a position: the answer the consent layer needs per signature."""

    key_id: str
    party: str
    roles: tuple[str, ...]
    public_key: bytes
    root: bool


@dataclass(frozen=True, slots=True)
class RootKey:
    """One of a party's root keys, which appoint and remove that party's officials.

    ``compromised`` is the ``party.rotate-root`` that removed the key declaring it compromised:
    the key signs nothing after that entry, as any removed key, and the record says why.
    """

    id: str
    party: str
    key: KeyPeriod
    compromised: Event | None = None


@dataclass(frozen=True, slots=True)
class NodeKey:
    """One of a party node's note keys and the checkpoint sizes ``[from_size, until_size)`` it
    signs for: a checkpoint of size ``s`` is signed with every key whose range holds ``s``.

    Sizes, not positions: the key that ``regime.adopt`` at position 0 declares signs from the
    first checkpoint, of size 1. A ``party.rotate-node-key`` at position ``p`` adds a key from
    size ``p + 1`` and ends the old one at ``p + 1 + overlap``, so the checkpoints between carry
    both, and a verifier holding only the old key can open them and learn the new one.
    """

    verifier: str  # <name>+<hash>+<base64 key>, C2SP signed-note
    from_size: int
    until_size: int | None = None
    event: Event | None = None  # the act that added it (None: the genesis)

    def signs_at(self, size: int) -> bool:
        return self.from_size <= size and (self.until_size is None or size < self.until_size)


@dataclass(frozen=True, slots=True)
class PartyKeys:
    """A party's root keys, how many of them must sign, and its node's note verifier keys.

    ``root_keys`` holds every root key the party ever had, each with the positions it signs
    for; ``threshold`` is the one in force (a ``party.rotate-root`` sets it anew). ``node_keys``
    holds every node key the party's node had, oldest first, each with the checkpoint sizes it
    signs for.
    """

    party: str
    root_keys: tuple[RootKey, ...]
    threshold: int
    node_keys: tuple[NodeKey, ...]

    @property
    def node_verifier(self) -> str:
        """The newest node key: the one the party's node signs with once any overlap ends."""
        return self.node_keys[-1].verifier

    def node_verifiers_at(self, size: int) -> tuple[str, ...]:
        """The node keys that sign a checkpoint of ``size``, oldest first (two in an overlap).

        Size 0 (no checkpoint yet) is answered with the keys of size 1."""
        size = max(size, 1)
        return tuple(k.verifier for k in self.node_keys if k.signs_at(size))


@dataclass(frozen=True, slots=True)
class Official:
    """A person acting for a party, with roles and the keys they held over time."""

    id: str
    party: str
    display_name: str
    roles: tuple[str, ...]
    keys: tuple[KeyPeriod, ...]
    appointed_at: int
    removed_at: int | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None

    def key_at(self, position: int) -> bytes | None:
        """The public key valid at ``position``, if any."""
        last = self.keys[-1]  # the usual case: the current key, asked about the next entry
        if last.valid_from <= position and (
            last.valid_until is None or position < last.valid_until
        ):
            return last.public_key
        for k in reversed(self.keys):
            if k.valid_at(position):
                return k.public_key
        return None


@dataclass(frozen=True, slots=True)
class RegimeVersion:
    """A version of the regime and the first position it governs."""

    version: int
    valid_from: int
    regime: Regime
    event: Event


@dataclass(frozen=True, slots=True)
class Enterprise:
    id: str
    party: str
    names: Mapping[str, str]
    registered_address: Site
    categories: tuple[str, ...]
    status: Literal["registered", "deregistered"]
    history: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    party: str
    names: Mapping[str, str]
    enterprise: str
    status: Literal["enrolled", "withdrawn"]
    history: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    category: str
    title: Mapping[str, str]
    sites: tuple[Site, ...]
    enterprises: Mapping[str, tuple[str, ...]]
    participants: tuple[str, ...]
    conditions: tuple[Mapping[str, str], ...]
    valid_from: datetime
    valid_to: datetime
    status: Literal["active", "suspended", "closed"]
    history: tuple[Event, ...]
    #: The project's number: 1 for the first approved in the log, 2 for the next. Fixed by the
    #: log's order, so the same on every node; certificates carry it, not the ref (QR space).
    number: int = 0

    @property
    def live(self) -> bool:
        """Not closed: its enterprises and participants cannot leave the registries yet."""
        return self.status != "closed"

    def all_enterprises(self) -> tuple[str, ...]:
        return tuple(e for ids in self.enterprises.values() for e in ids)


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    project: str
    start: date
    end: date
    indicators: Mapping[str, Figure]
    notes: Mapping[str, str] | None
    submitted: Event


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    meeting_date: date
    subject: Mapping[str, str]
    concerns: tuple[tuple[str, str], ...]
    text: Mapping[str, str]
    minutes: Mapping[str, str]
    decided: Event


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    reported_by: str
    place: Site
    occurred_at: datetime
    description: Mapping[str, str]
    project: str | None
    status: Literal["open", "resolved"]
    resolution: Mapping[str, str] | None
    history: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class CertificateKey:
    """A party's certificate-signing key, declared by its root keys.

    ``key_id`` is the hex of the key's COSE kid (the first 4 bytes of SHA-256 of the public
    key), so the kid a certificate carries names exactly one declared key. The key signs the
    certificates of entries at positions in ``period`` (from the entry after its declaration
    until its retirement).
    """

    key_id: str
    party: str
    public_key: bytes
    period: KeyPeriod
    declared: Event
    retired: Event | None = None
    #: The entry that declared the key compromised (``certificate.compromise``, or the
    #: ``certificate.key`` that retired it with ``compromised``): from then on no certificate
    #: it signed is valid, whenever it was issued. A key retired without it keeps its
    #: certificates valid until they expire.
    compromised: Event | None = None


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """A participant certificate as the log issued it; the signed document is built from this.

    Names, party and the entry's time come from the registries and the entry, never from the
    proposer, so the document every party signs says what the log says.
    """

    id: str
    participant: str
    party: str
    names: Mapping[str, str]
    project: str
    category: str
    places: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime
    issued: Event
    project_number: int = 0
    revoked: Event | None = None
    revocation_reason: Mapping[str, str] | None = None

    @property
    def issued_at(self) -> datetime:
        return self.issued.time

    def valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment < self.valid_to


@dataclass(frozen=True, slots=True)
class Movement:
    """A crossing into or out of the zone: one certificate (a record) or many (a manifest)."""

    id: str
    kind: Literal["record", "manifest"]
    certificates: tuple[str, ...]
    crossing_point: str
    direction: Literal["in", "out"]
    time: datetime
    vessel: str
    recorded: Event


class State:
    """Everything the committed acts established; see the module docstring.

    The underscore attributes are written by the transition rules of this package and by nothing
    else; read the state through the properties and methods.
    """

    def __init__(self) -> None:
        self._size = 0
        self._last_time: datetime | None = None
        self._clock = "system"
        self._regimes: list[RegimeVersion] = []
        self._parties: dict[str, PartyKeys] = {}
        self._officials: dict[str, Official] = {}
        self._root_keys: dict[str, RootKey] = {}
        self._key_owner: dict[bytes, str] = {}  # every public key ever used -> key id
        self._enterprises: dict[str, Enterprise] = {}
        self._participants: dict[str, Participant] = {}
        self._projects: dict[str, Project] = {}
        self._reports: dict[str, Report] = {}
        self._decisions: dict[str, Decision] = {}
        self._incidents: dict[str, Incident] = {}
        self._acts: dict[str, int] = {}  # act id -> position
        self._certificate_keys: dict[
            str, CertificateKey
        ] = {}  # key id -> key, in declaration order
        self._certificates: dict[str, CertificateRecord] = {}
        self._revoked: list[str] = []  # certificate ids, in revocation order
        self._movements: dict[str, Movement] = {}
        self._movements_of_certificate: dict[str, list[str]] = {}
        # Indexes the rules keep so no check scans a whole registry.
        self._live_projects_of_enterprise: dict[str, set[str]] = {}
        self._live_projects_of_participant: dict[str, set[str]] = {}
        self._enrolled_of_enterprise: dict[str, set[str]] = {}
        self._periods: dict[str, list[tuple[date, date, str]]] = {}  # project -> sorted reports

    # -- the log --------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """How many acts have been applied: the position the next one must have."""
        return self._size

    @property
    def last_time(self) -> datetime | None:
        """The time of the last act applied (times never go back)."""
        return self._last_time

    @property
    def simulated_time(self) -> bool:
        """Whether the genesis declared the log's times simulated (a scenario, not production)."""
        return self._clock == "simulated"

    def act_position(self, act_id: str) -> int | None:
        """The position at which the act ``act_id`` was committed, or None."""
        return self._acts.get(act_id)

    @property
    def act_ids(self) -> Mapping[str, int]:
        """Every committed act's id, with its position."""
        return MappingProxyType(self._acts)

    # -- the regime -----------------------------------------------------------------------------

    @property
    def adopted(self) -> bool:
        return bool(self._regimes)

    @property
    def regime(self) -> Regime | None:
        """The regime in force after the last act applied; None until regime.adopt."""
        return self._regimes[-1].regime if self._regimes else None

    @property
    def regime_history(self) -> tuple[RegimeVersion, ...]:
        return tuple(self._regimes)

    def regime_at(self, position: int) -> Regime:
        """The regime an entry at ``position`` is judged under (an amendment: the one before it)."""
        for v in reversed(self._regimes):
            if v.valid_from <= position:
                return v.regime
        raise NotAdoptedError(f"no regime governs position {position}")

    # -- parties, officials, keys ---------------------------------------------------------------

    @property
    def parties(self) -> Mapping[str, PartyKeys]:
        return MappingProxyType(self._parties)

    def party_keys(self, party: str) -> PartyKeys:
        try:
            return self._parties[party]
        except KeyError:
            raise NotAdoptedError(f"no root keys for party {party!r}") from None

    def root_threshold(self, party: str) -> int:
        """How many of ``party``'s root keys must sign under a root policy."""
        return self.party_keys(party).threshold

    def node_verifiers(self) -> dict[str, str]:
        """Each party's newest node note verifier key (C2SP signed-note), in regime order."""
        return {party: keys.node_verifier for party, keys in self._parties.items()}

    def genesis_node_verifiers(self) -> dict[str, str]:
        """Each party's node key as the genesis declares it: the keys a verifier is given out of
        band, from which it follows any rotation since, in regime order. A party that joined by
        ``regime.amend`` has none: its key is learnt from the log, as a rotated key is."""
        return {
            party: keys.node_keys[0].verifier
            for party, keys in self._parties.items()
            if keys.node_keys[0].event is None
        }

    def node_verifiers_at(self, size: int) -> dict[str, tuple[str, ...]]:
        """The node keys that sign a checkpoint of ``size``, by party in regime order: one per
        party, or two in a rotation's overlap. Only sizes up to this state's own size (and the
        next) are known: a rotation beyond it is not applied yet."""
        return {party: keys.node_verifiers_at(size) for party, keys in self._parties.items()}

    @property
    def public_keys(self) -> Mapping[bytes, str]:
        """Every public key ever registered (root or official), raw bytes -> its key id."""
        return MappingProxyType(self._key_owner)

    def signer_for_key(self, public_key: bytes, position: int) -> Signer | None:
        """Who holds ``public_key``, if it may sign at ``position`` (for kids derived from keys)."""
        key_id = self._key_owner.get(public_key)
        signer = None if key_id is None else self.signer_at(key_id, position)
        return signer if signer is not None and signer.public_key == public_key else None

    @property
    def officials(self) -> Mapping[str, Official]:
        return MappingProxyType(self._officials)

    def signer_at(self, key_id: str, position: int) -> Signer | None:
        """Who ``key_id`` (an official id or a root key id) is, if it may sign at ``position``."""
        official = self._officials.get(key_id)
        if official is not None:
            key = official.key_at(position)
            if key is None:
                return None
            return Signer(key_id, official.party, official.roles, key, root=False)
        root = self._root_keys.get(key_id)
        if root is not None and root.key.valid_at(position):
            return Signer(key_id, root.party, (), root.key.public_key, root=True)
        return None

    def _key_party(self, key_id: str, position: int) -> str | None:
        """The party of ``key_id`` if it may sign at ``position``: signer_at without the Signer."""
        official = self._officials.get(key_id)
        if official is not None:
            return official.party if official.key_at(position) is not None else None
        root = self._root_keys.get(key_id)
        if root is not None and root.key.valid_at(position):
            return root.party
        return None

    def signer_refusal(self, key_id: str, position: int) -> str:
        """Why ``key_id`` may not sign at ``position``, in a few words, for a refusal's message."""
        official = self._officials.get(key_id)
        if official is not None:
            if position < official.keys[0].valid_from:
                return f"official {key_id!r} signs from position {official.keys[0].valid_from}"
            if official.removed_at is not None:
                return f"official {key_id!r} was removed at position {official.removed_at}"
            return f"official {key_id!r} has no key valid there"
        root = self._root_keys.get(key_id)
        if root is None:
            return "unknown"
        if position < root.key.valid_from:
            return f"root key {key_id!r} signs from position {root.key.valid_from}"
        last = None if root.key.valid_until is None else root.key.valid_until - 1
        if root.compromised is not None:
            return f"root key {key_id!r} was declared compromised at position {last}"
        if last is not None and position > last:
            return f"root key {key_id!r} was removed at position {last}"
        return f"root key {key_id!r} is not valid there"

    def key_valid(self, key_id: str, public_key: bytes, position: int) -> bool:
        """Whether ``public_key`` is ``key_id``'s key, valid to sign an entry at ``position``."""
        signer = self.signer_at(key_id, position)
        return signer is not None and signer.public_key == public_key

    def officials_at(self, position: int) -> dict[str, Signer]:
        """Every official who may sign at ``position``, by id, in appointment order."""
        out: dict[str, Signer] = {}
        for o in self._officials.values():
            key = o.key_at(position)
            if key is not None:
                out[o.id] = Signer(o.id, o.party, o.roles, key, root=False)
        return out

    def root_keys_at(self, party: str, position: int) -> dict[str, Signer]:
        """``party``'s root keys valid at ``position``, by key id."""
        keys = self._parties[party].root_keys if party in self._parties else ()
        return {
            k.id: Signer(k.id, party, (), k.key.public_key, root=True)
            for k in keys
            if k.key.valid_at(position)
        }

    # -- registries -----------------------------------------------------------------------------

    @property
    def enterprises(self) -> Mapping[str, Enterprise]:
        return MappingProxyType(self._enterprises)

    @property
    def participants(self) -> Mapping[str, Participant]:
        return MappingProxyType(self._participants)

    @property
    def projects(self) -> Mapping[str, Project]:
        return MappingProxyType(self._projects)

    @property
    def reports(self) -> Mapping[str, Report]:
        return MappingProxyType(self._reports)

    def reports_of(self, project: str) -> tuple[Report, ...]:
        """A project's reports in period order."""
        return tuple(self._reports[r] for _, _, r in self._periods.get(project, ()))

    @property
    def decisions(self) -> Mapping[str, Decision]:
        return MappingProxyType(self._decisions)

    @property
    def incidents(self) -> Mapping[str, Incident]:
        return MappingProxyType(self._incidents)

    # -- certificates and movements --------------------------------------------------------------

    @property
    def certificate_keys(self) -> Mapping[str, CertificateKey]:
        """Every certificate-signing key ever declared, by key id, in declaration order."""
        return MappingProxyType(self._certificate_keys)

    def certificate_key_at(self, party: str, position: int) -> CertificateKey | None:
        """The key ``party`` signs the certificate of the entry at ``position`` with: of its
        keys valid there, the one declared last (so a new key takes over from an old one)."""
        found = None
        for k in self._certificate_keys.values():
            if k.party == party and k.period.valid_at(position):
                found = k
        return found

    @property
    def certificates(self) -> Mapping[str, CertificateRecord]:
        return MappingProxyType(self._certificates)

    @property
    def revoked(self) -> tuple[str, ...]:
        """Revoked certificate ids, in the order of their revocation."""
        return tuple(self._revoked)

    @property
    def movements(self) -> Mapping[str, Movement]:
        """Movement records and manifests, by id, in log order."""
        return MappingProxyType(self._movements)

    def movements_of(self, certificate: str) -> tuple[Movement, ...]:
        return tuple(
            self._movements[m] for m in self._movements_of_certificate.get(certificate, ())
        )
