"""The regime: the parties' agreement as data — parties, gazetteer, categories, policies, rules.

Pure: data in, data out. The only I/O is the explicit loader :meth:`Regime.from_dir`.
"""

from jointzone.regime._gazetteer import Gazetteer, Outline, Place
from jointzone.regime._model import (
    Category,
    ConsentRule,
    CrossingPoint,
    Dimension,
    Indicator,
    Neutrality,
    Party,
    Policy,
    Role,
    SequencerRule,
    lexicon_digest,
)
from jointzone.regime._regime import Regime, read_bound_lexicon
from jointzone.regime.errors import RegimeError, RegimeFileError, UnknownRefError

__all__ = [
    "Category",
    "ConsentRule",
    "CrossingPoint",
    "Dimension",
    "Gazetteer",
    "Indicator",
    "Neutrality",
    "Outline",
    "Party",
    "Place",
    "Policy",
    "Regime",
    "RegimeError",
    "RegimeFileError",
    "Role",
    "SequencerRule",
    "UnknownRefError",
    "lexicon_digest",
    "read_bound_lexicon",
]
