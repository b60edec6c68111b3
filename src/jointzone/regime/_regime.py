"""The regime: the parties' agreement as data, loaded from files or from its canonical content.

A regime is read two ways. ``Regime.from_dir`` reads the files people edit (``regime.yaml`` and
the gazetteer files it names) and is what a deployment starts from; ``Regime.from_canonical``
reads the plain content that ``regime.adopt`` and ``regime.amend`` carry in the log, which is what
every node and verifier derives the regime in force from. ``canonical()`` gives that content: plain
str/int/bool/list/dict, deterministic, numbers as decimal strings, every default spelt out, so the
same agreement always encodes to the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, Strict, ValidationError, model_validator

from jointzone.regime._files import read_json, read_yaml
from jointzone.regime._gazetteer import (
    Gazetteer,
    Outline,
    Place,
    _check_coverage,
    parent_cycles,
)
from jointzone.regime._geojson import (
    outline_to_canonical,
    outlines_from_canonical,
    outlines_from_geojson,
)
from jointzone.regime._model import (
    ACT_TYPE_PATTERN,
    Category,
    CrossingPoint,
    Frozen,
    Language,
    Neutrality,
    Party,
    Policy,
    Ref,
    Role,
    SequencerRule,
    lexicon_digest,
)
from jointzone.regime._numbers import float_text, parse_float_text
from jointzone.regime._validation import ProblemsError, problems, short
from jointzone.regime.errors import RegimeFileError, UnknownRefError

REGIME_FILE = "regime.yaml"
CANONICAL_SOURCE = "canonical regime"

ActType = Annotated[str, Field(pattern=ACT_TYPE_PATTERN)]
# Printable ASCII without space or '+': a C2SP checkpoint origin line.
Origin = Annotated[str, Field(pattern=r"^[!-*,-~]+$", max_length=200)]


class _Terms(Frozen):
    """Everything in a regime except its gazetteer: what ``regime.yaml`` itself holds."""

    id: Ref
    version: Annotated[int, Field(ge=1)]
    origin: Origin
    languages: tuple[Language, ...] = Field(strict=False, min_length=1)
    parties: tuple[Party, ...] = Field(strict=False, min_length=2)
    crossing_points: tuple[CrossingPoint, ...] = Field(strict=False)
    categories: tuple[Category, ...] = Field(strict=False, min_length=1)
    roles: tuple[Role, ...] = Field(strict=False, min_length=1)
    act_types: dict[ActType, Policy]
    name_orders: dict[Language, Annotated[tuple[Ref, ...], Strict(False)]] = Field(
        alias="name_order"
    )
    sequencer: SequencerRule
    proposal_expiry_days: Annotated[int, Field(ge=1, le=3650)]
    neutrality: Neutrality | None = None
    #: How far a witness lets an entry's time run ahead of its own clock, and how far before the
    #: last checkpoint it signed an entry may be dated.
    clock_skew_seconds: Annotated[int, Field(ge=1, le=3600)] = 300
    #: The oldest trust bundle an offline verifier accepts, counted from when the parties' nodes
    #: last vouched for it.
    trust_bundle_max_age_days: Annotated[int, Field(ge=1, le=365)] = 7


class Regime(_Terms):
    """The agreement the parties administer the zone under; see the module docstring.

    Build one with :meth:`from_dir` or :meth:`from_canonical`; both validate everything and
    raise :class:`~jointzone.regime.RegimeFileError` naming the file and the key.
    """

    places: tuple[Place, ...] = Field(strict=False)
    outlines: tuple[Outline, ...] = Field(strict=False)

    @model_validator(mode="after")
    def _consistent(self) -> Regime:
        found = _cross_check(self)
        if found:
            raise ProblemsError(found)
        return self

    def __eq__(self, other: object) -> bool:
        # Field by field: the derived lookups (gazetteer, indexes) follow from the fields.
        if other is self:
            return True
        if not isinstance(other, Regime):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in type(self).model_fields)

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.origin))

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_dir(cls, path: str | Path) -> Regime:
        """Read and validate ``regime.yaml`` in ``path`` and the gazetteer files it names."""
        root = Path(path)
        source = root / REGIME_FILE
        doc = read_yaml(source)
        if not isinstance(doc, Mapping):
            raise RegimeFileError(
                str(source), [f"(top level): expected a mapping, got {short(doc)}"]
            )
        files = _gazetteer_files(doc.get("gazetteer"), str(source))
        terms_doc = {k: v for k, v in doc.items() if k != "gazetteer"}
        if isinstance(terms_doc.get("neutrality"), Mapping):
            terms_doc["neutrality"] = _bind_lexicon(root, terms_doc["neutrality"], str(source))
        terms = _validate_terms(terms_doc, str(source))
        parties = [p.id for p in terms.parties]

        places_path = root / files["places"]
        gazetteer = Gazetteer.from_data(
            read_yaml(places_path),
            parties=parties,
            languages=terms.languages,
            source=str(places_path),
        )
        outlines_path = root / files["outlines"]
        found: list[str] = []
        outlines = outlines_from_geojson(read_json(outlines_path), found)
        found += _outline_refs(outlines, gazetteer, "features[{}].properties.ref")
        if found:
            raise RegimeFileError(str(outlines_path), found)
        return _assemble(terms, list(gazetteer), outlines, str(source))

    @classmethod
    def from_canonical(cls, data: Mapping[str, Any]) -> Regime:
        """The regime whose :meth:`canonical` content is ``data`` (as carried by regime acts)."""
        source = CANONICAL_SOURCE
        if not isinstance(data, Mapping):
            raise RegimeFileError(source, [f"(top level): expected a mapping, got {short(data)}"])
        missing = [k for k in ("places", "outlines") if k not in data]
        if missing:
            raise RegimeFileError(source, [f"{k}: missing (required)" for k in missing])
        terms = _validate_terms(
            {k: v for k, v in data.items() if k not in ("places", "outlines")}, source
        )
        found: list[str] = []
        places_data = _places_from_canonical(data["places"], found)
        outlines = outlines_from_canonical(data["outlines"], found)
        if found:
            raise RegimeFileError(source, found)
        gazetteer = Gazetteer.from_data(
            {"places": places_data},
            parties=[p.id for p in terms.parties],
            languages=terms.languages,
            source=source,
        )
        found = _outline_refs(outlines, gazetteer, "outlines[{}].ref")
        if found:
            raise RegimeFileError(source, found)
        return _assemble(terms, list(gazetteer), outlines, source)

    def canonical(self) -> dict[str, Any]:
        """The regime's content as plain data: deterministic, float-free, defaults spelt out.

        ``Regime.from_canonical(r.canonical()).canonical() == r.canonical()`` always holds, and
        acts carry exactly this, so every node hashes and signs the same agreement.
        """
        terms = _plain(
            self.model_dump(mode="python", by_alias=True, exclude={"places", "outlines"})
        )
        assert isinstance(terms, dict)
        terms["places"] = [_place_to_canonical(p) for p in self.places]
        terms["outlines"] = [outline_to_canonical(o) for o in self.outlines]
        return terms

    # -- lookups --------------------------------------------------------------------------------
    # Derived indexes are cached properties, plain instance attributes after first use: pydantic
    # private attributes go through __getattr__, which a replay would pay for on every act.

    @cached_property
    def gazetteer(self) -> Gazetteer:
        """Every place of the zone and around it, by neutral ref, with outlines."""
        return Gazetteer(self.places, self.outlines)

    @cached_property
    def _parties(self) -> dict[str, Party]:
        return {p.id: p for p in self.parties}

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}

    @cached_property
    def _roles(self) -> dict[str, Role]:
        return {r.id: r for r in self.roles}

    @cached_property
    def _crossings(self) -> dict[str, CrossingPoint]:
        return {c.place: c for c in self.crossing_points}

    @cached_property
    def party_ids(self) -> tuple[str, ...]:
        """The parties' ids, in the order the regime lists them."""
        return tuple(self._parties)

    @property
    def clock_skew(self) -> timedelta:
        return timedelta(seconds=self.clock_skew_seconds)

    @property
    def trust_bundle_max_age(self) -> timedelta:
        return timedelta(days=self.trust_bundle_max_age_days)

    @property
    def proposal_expiry(self) -> timedelta:
        """How long a proposal may gather signatures before it expires."""
        return timedelta(days=self.proposal_expiry_days)

    def party(self, party_id: str) -> Party:
        try:
            return self._parties[party_id]
        except KeyError:
            raise UnknownRefError(
                f"regime {self.id!r} has no party {party_id!r} (parties: {list(self._parties)})"
            ) from None

    def policy(self, act_type: str) -> Policy:
        """The consent policy for ``act_type``."""
        try:
            return self.act_types[act_type]
        except KeyError:
            raise UnknownRefError(
                f"regime {self.id!r} v{self.version} has no policy for act type {act_type!r}"
            ) from None

    def category(self, category_id: str) -> Category:
        try:
            return self._categories[category_id]
        except KeyError:
            raise UnknownRefError(
                f"regime {self.id!r} v{self.version} has no category {category_id!r} "
                f"(categories: {list(self._categories)})"
            ) from None

    def role(self, role_id: str) -> Role:
        try:
            return self._roles[role_id]
        except KeyError:
            raise UnknownRefError(
                f"regime {self.id!r} v{self.version} has no role {role_id!r} "
                f"(roles: {list(self._roles)})"
            ) from None

    def crossing_point(self, place: str) -> CrossingPoint:
        try:
            return self._crossings[place]
        except KeyError:
            raise UnknownRefError(
                f"place {place!r} is not a crossing point of regime {self.id!r} "
                f"(crossing points: {list(self._crossings)})"
            ) from None

    def name_order(self, language: str) -> tuple[str, ...]:
        """The parties in the order their names are shown in ``language``."""
        try:
            return self.name_orders[language]
        except KeyError:
            raise UnknownRefError(
                f"regime {self.id!r} has no name order for language {language!r} "
                f"(languages: {list(self.languages)})"
            ) from None

    def sequencer_for(self, when: datetime) -> str:
        """The party whose node sequences the log at ``when`` (aware; judged in UTC)."""
        return self.sequencer.party_for(when)


# -- loading helpers ------------------------------------------------------------------------------


def read_bound_lexicon(regime: Regime, regime_dir: str | Path) -> Any:
    """The content of the lexicon ``regime`` binds, read from ``regime_dir`` and checked.

    Raises :class:`RegimeFileError` when the regime binds none, or when the file's content is not
    the content whose digest the regime carries.
    """
    bound = regime.neutrality
    if bound is None:
        raise RegimeFileError(
            CANONICAL_SOURCE, [f"neutrality: regime {regime.id} v{regime.version} binds no lexicon"]
        )
    path = Path(regime_dir) / bound.lexicon
    data = read_yaml(path)
    digest = lexicon_digest(data)
    if digest != bound.sha256:
        raise RegimeFileError(
            str(path),
            [
                f"(content): digest {digest}, but regime {regime.id} v{regime.version} binds "
                f"{bound.sha256}; use the lexicon the regime was agreed with"
            ],
        )
    return data


def _bind_lexicon(root: Path, value: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``neutrality: {lexicon: FILE}`` in regime.yaml, with the digest of FILE's content added."""
    name = value.get("lexicon")
    if set(value) != {"lexicon"} or not isinstance(name, str) or "/" in name or "\\" in name:
        raise RegimeFileError(
            source,
            [f"neutrality: expected {{lexicon: FILE}} naming a file beside it, got {short(value)}"],
        )
    return {"lexicon": name, "sha256": lexicon_digest(read_yaml(root / name))}


def _gazetteer_files(value: object, source: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or set(value) != {"places", "outlines"}:
        raise RegimeFileError(
            source,
            [
                "gazetteer: expected a mapping of places and outlines file names, got "
                f"{short(value)}"
            ],
        )
    out: dict[str, str] = {}
    for key in ("places", "outlines"):
        name = value[key]
        # Only files beside regime.yaml: a regime directory is self-contained and portable.
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name[0] == ".":
            raise RegimeFileError(
                source,
                [f"gazetteer.{key}: expected a file name beside {REGIME_FILE}, got {short(name)}"],
            )
        out[key] = name
    return out


def _validate_terms(doc: Mapping[str, Any], source: str) -> _Terms:
    try:
        terms = _Terms.model_validate(doc)
    except ValidationError as e:
        raise RegimeFileError(source, problems(e)) from None
    # The gazetteer is checked against the languages and parties: they must be sound first, or
    # their problems would surface as a cascade of errors in the places file.
    found = _duplicates(list(terms.languages), "languages[{}]")
    found += _duplicates([p.id for p in terms.parties], "parties[{}].id")
    if found:
        raise RegimeFileError(source, found)
    return terms


def _assemble(
    terms: _Terms, places: Sequence[Place], outlines: Sequence[Outline], source: str
) -> Regime:
    """The regime of validated parts, with every policy's threshold spelt out per party."""
    parties = [p.id for p in terms.parties]
    act_types = {
        name: policy
        if policy.by_root
        else policy.model_copy(update={"threshold": {p: policy.threshold_for(p) for p in parties}})
        for name, policy in terms.act_types.items()
    }
    # Unknown threshold parties would vanish in the spelling-out above: report them first.
    found = [
        f"act_types.{name}.threshold.{p}: not a party of this regime (parties: {parties})"
        for name, policy in terms.act_types.items()
        for p in policy.threshold
        if p not in parties
    ]
    if found:
        raise RegimeFileError(source, found)
    fields: dict[str, Any] = {**dict(terms), "act_types": act_types}
    fields["name_order"] = fields.pop("name_orders")
    try:
        return Regime.model_validate({**fields, "places": places, "outlines": outlines})
    except ValidationError as e:
        raise RegimeFileError(source, problems(e)) from None


def _outline_refs(outlines: Sequence[Outline], gazetteer: Gazetteer, at: str) -> list[str]:
    """Every island outline belongs to a place; context outlines (coasts nearby) need not."""
    found: list[str] = []
    seen: set[str] = set()
    for i, o in enumerate(outlines):
        if o.ref in seen:
            found.append(f"{at.format(i)}: {o.ref!r} has more than one outline")
        seen.add(o.ref)
        if o.kind == "island" and o.ref not in gazetteer:
            found.append(f"{at.format(i)}: no place has ref {o.ref!r}")
    return found


def _places_from_canonical(data: Any, found: list[str]) -> list[Any]:
    """Canonical places with their decimal strings read back as the floats ``Place`` holds."""
    if not isinstance(data, list):
        found.append(f"places: expected a list, got {short(data)}")
        return []
    out: list[Any] = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            out.append(item)  # Gazetteer.from_data reports it
            continue
        place = dict(item)
        centre = place.get("centre")
        if isinstance(centre, list):
            try:
                place["centre"] = [parse_float_text(v) for v in centre]
            except ValueError as e:
                found.append(f"places[{i}].centre: {e}")
        areas = place.get("area_km2")
        if isinstance(areas, Mapping):
            converted: dict[str, Any] = {}
            for party, v in areas.items():
                try:
                    converted[party] = parse_float_text(v)
                except ValueError as e:
                    found.append(f"places[{i}].area_km2.{party}: {e}")
            place["area_km2"] = converted
        out.append(place)
    return out


def _place_to_canonical(place: Place) -> dict[str, Any]:
    data = _plain(place.model_dump(mode="python", exclude={"centre", "area_km2"}))
    assert isinstance(data, dict)
    data["centre"] = [float_text(v) for v in place.centre]
    data["area_km2"] = {party: float_text(v) for party, v in place.area_km2.items()}
    return data


def _plain(value: Any) -> Any:
    """Tuples to lists and absent optionals (None) dropped: the canonical shape."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        raise TypeError(f"a float {value!r} would make the canonical content non-deterministic")
    return value


# -- cross-checks ---------------------------------------------------------------------------------


def _duplicates(ids: Sequence[str], at: str) -> list[str]:
    return [
        f"{at.format(i)}: {x!r} is used more than once"
        for i, x in enumerate(ids)
        if ids.index(x) != i
    ]


def _names(names: Mapping[str, str], languages: Sequence[str], at: str) -> list[str]:
    found = [
        f"{at}.{lang}: missing (a name in every regime language)"
        for lang in languages
        if lang not in names
    ]
    found += [
        f"{at}.{lang}: {lang!r} is not a regime language (languages: {list(languages)})"
        for lang in names
        if lang not in languages
    ]
    return found


def _permutation(order: Sequence[str], parties: Sequence[str], at: str) -> list[str]:
    if sorted(order) != sorted(parties):
        return [f"{at}: expected each party exactly once ({list(parties)}), got {list(order)}"]
    return []


def _cross_check(r: Regime) -> list[str]:
    """Every rule that ties one part of the regime to another, as ``key.path: problem`` lines."""
    langs = r.languages
    parties = [p.id for p in r.parties]
    roles = [x.id for x in r.roles]
    found = _duplicates(list(langs), "languages[{}]")
    found += _duplicates(parties, "parties[{}].id")
    for i, p in enumerate(r.parties):
        found += _names(p.names, langs, f"parties[{i}].names")
    found += _duplicates(roles, "roles[{}].id")
    for i, role in enumerate(r.roles):
        found += _names(role.names, langs, f"roles[{i}].names")
    found += _duplicates([c.id for c in r.categories], "categories[{}].id")
    codes = [c.code for c in r.categories]
    found += [
        f"categories[{i}].code: expected a code no other category has, found {code}"
        for i, code in enumerate(codes)
        if code is not None and codes.index(code) != i
    ]
    for i, c in enumerate(r.categories):
        at = f"categories[{i}]"
        found += _names(c.names, langs, f"{at}.names")
        found += _duplicates([x.id for x in c.indicators], at + ".indicators[{}].id")
        for j, ind in enumerate(c.indicators):
            found += _names(ind.names, langs, f"{at}.indicators[{j}].names")
            if ind.by is not None:
                found += _names(ind.by.names, langs, f"{at}.indicators[{j}].by.names")
            if ind.value == "integer" and ind.scale != 0:
                found.append(
                    f"{at}.indicators[{j}].scale: an integer indicator has scale 0, got {ind.scale}"
                )
    found += _check_policies(r, parties, roles)
    found += [
        f"name_order.{lang}: missing (every regime language has a name order)"
        for lang in langs
        if lang not in r.name_orders
    ]
    for lang, order in r.name_orders.items():
        if lang not in langs:
            found.append(f"name_order.{lang}: {lang!r} is not a regime language")
        found += _permutation(order, parties, f"name_order.{lang}")
    found += _permutation(r.sequencer.order, parties, "sequencer.order")
    return found + _check_gazetteer(r, parties)


def _check_gazetteer(r: Regime, parties: Sequence[str]) -> list[str]:
    found: list[str] = []
    refs = {place.ref for place in r.places}
    for i, place in enumerate(r.places):
        found += _check_coverage(place, i, parties, r.languages)
        if place.parent is not None and place.parent not in refs:
            found.append(f"places[{i}].parent: no place has ref {place.parent!r}")
    found += _duplicates([place.ref for place in r.places], "places[{}].ref")
    found += parent_cycles(r.places)
    for i, o in enumerate(r.outlines):
        if o.kind == "island" and o.ref not in refs:
            found.append(f"outlines[{i}].ref: no place has ref {o.ref!r}")
    found += _duplicates([cp.place for cp in r.crossing_points], "crossing_points[{}].place")
    for i, cp in enumerate(r.crossing_points):
        if cp.place not in refs:
            found.append(f"crossing_points[{i}].place: no place has ref {cp.place!r}")
    return found


def _check_policies(r: Regime, parties: Sequence[str], roles: Sequence[str]) -> list[str]:
    found: list[str] = []
    for name, policy in r.act_types.items():
        at = f"act_types.{name}"
        if policy.by_root:
            if policy.roles or policy.threshold:
                found.append(
                    f"{at}: consent {policy.consent!r} is given by root keys at their own "
                    "threshold; it takes no roles or threshold"
                )
            continue
        if not policy.roles:
            found.append(f"{at}.roles: expected at least one role whose officials may sign")
        found += [
            f"{at}.roles: {role!r} is not a role of this regime (roles: {roles})"
            for role in policy.roles
            if role not in roles
        ]
        found += [
            f"{at}.threshold.{p}: not a party of this regime (parties: {parties})"
            for p in policy.threshold
            if p not in parties
        ]
    return found
