"""The parts of a regime other than the gazetteer, as frozen, strictly validated models.

Strict: a regime file that says ``version: "2"`` or ``threshold: 1.0`` is wrong, not something to
guess at, because every node must read the same agreement the same way.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jointzone.regime._validation import PATTERN_NAMES

REF_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# BCP 47 in the shapes a regime uses: language, optional script, optional region, each in its
# conventional case (ja, ja-Latn, ru-RU). Extensions and private use are not needed here.
LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$"
ACT_TYPE_PATTERN = r"^[a-z]+(?:-[a-z]+)*\.[a-z]+(?:-[a-z]+)*$"

PATTERN_NAMES.update(
    {
        REF_PATTERN: "a lower-case ref of letters, digits and single hyphens, such as "
        "'nemuro-port'",
        LANGUAGE_PATTERN: "a BCP 47 language tag such as 'ja', 'ja-Latn' or 'ru'",
        ACT_TYPE_PATTERN: "an act type such as 'project.approve'",
    }
)

Ref = Annotated[str, Field(pattern=REF_PATTERN, max_length=64)]
Language = Annotated[str, Field(pattern=LANGUAGE_PATTERN)]
Label = Annotated[str, Field(min_length=1, max_length=200)]
# Names of a party, category, role ...: one per regime language (checked against the regime).
Names = dict[Language, Label]

ConsentRule = Literal["every-party", "any-party", "own-party-root", "every-party-root"]
ROOT_RULES: frozenset[str] = frozenset({"own-party-root", "every-party-root"})


class Frozen(BaseModel):
    """Base of the regime's models: immutable, no unknown keys, no type coercion."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Party(Frozen):
    """A party to the regime: a neutral id and its name in every regime language."""

    id: Ref
    names: Names


class CrossingPoint(Frozen):
    """A place where people and goods enter or leave the zone, by sea or by air."""

    place: Ref
    kind: Literal["sea", "air"]


class Dimension(Frozen):
    """What an indicator's values are broken down by (species, crop), named in every language."""

    id: Ref
    names: Names


class Indicator(Frozen):
    """One figure a report of the category gives, with its unit and how it is written.

    ``value: integer`` figures are CBOR/JSON integers; ``value: decimal`` figures are decimal
    strings with at most ``scale`` digits after the point. Neither is ever a float.
    """

    id: Ref
    names: Names
    unit: Annotated[str, Field(min_length=1, max_length=16)]
    value: Literal["integer", "decimal"]
    scale: Annotated[int, Field(ge=0, le=9)] = 0
    by: Dimension | None = None


class Category(Frozen):
    """A project category the parties agreed, with the indicators its reports carry."""

    id: Ref
    names: Names
    indicators: tuple[Indicator, ...] = Field(strict=False, min_length=1)
    #: A small number, unique among the categories, that certificates carry instead of the id.
    code: int | None = Field(default=None, ge=0, le=65535)


class Role(Frozen):
    """A role an official may hold; act policies name the roles whose signatures count."""

    id: Ref
    names: Names


class Policy(Frozen):
    """Whose signatures an act type needs before it takes effect.

    - ``every-party``: every party, each with ``threshold[party]`` distinct officials holding one
      of ``roles``;
    - ``any-party``: at least one party so;
    - ``own-party-root``: the root keys of the party the act concerns, up to that party's root
      threshold (for appointing and removing its own officials);
    - ``every-party-root``: every party's root keys, each up to its root threshold.

    Root rules take their thresholds from the parties' root keys, so they carry neither
    ``threshold`` nor ``roles``. In a regime's canonical content ``threshold`` names every party.
    """

    consent: ConsentRule
    threshold: dict[Ref, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    roles: tuple[Ref, ...] = Field(default=(), strict=False)

    @property
    def by_root(self) -> bool:
        """Whether root keys, not officials, sign under this policy."""
        return self.consent in ROOT_RULES

    def threshold_for(self, party: str) -> int:
        """How many of ``party``'s officials must sign (1 unless the regime says otherwise)."""
        return self.threshold.get(party, 1)


class SequencerRule(Frozen):
    """Which party's node sequences the log when: rotating by calendar period in ``order``.

    Periods are counted in UTC from January of year 1, so the rule needs no anchor date and
    gives the same answer on every node: month ``m`` of year ``y`` is period ``(y-1)*12 + m-1``.
    """

    rotation: Literal["calendar-month", "calendar-year"]
    order: tuple[Ref, ...] = Field(strict=False, min_length=1)

    def party_for(self, when: datetime) -> str:
        """The party whose node sequences at ``when`` (an aware datetime)."""
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError(f"expected an aware datetime, got naive {when.isoformat()}")
        utc = when.astimezone(UTC)
        if self.rotation == "calendar-month":
            period = (utc.year - 1) * 12 + utc.month - 1
        else:
            period = utc.year - 1
        return self.order[period % len(self.order)]


class Neutrality(Frozen):
    """The neutrality checker's lexicon, bound to the regime by the digest of its content.

    The lexicon is too large to carry in every regime act, so the regime carries its SHA-256
    (see :func:`lexicon_digest`): a node refuses to gate with any other lexicon, and changing what
    the gate refuses takes a regime amendment that every party signs.
    """

    lexicon: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=100)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def lexicon_digest(data: Any) -> str:
    """SHA-256 of a lexicon's content (not its file): canonical JSON, keys sorted, UTF-8.

    Comments, layout and key order in the YAML file change nothing; any change of content does.
    """
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
