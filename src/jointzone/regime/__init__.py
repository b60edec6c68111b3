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
    Party,
    Policy,
    Role,
    SequencerRule,
)
from jointzone.regime._regime import Regime
from jointzone.regime.errors import RegimeError, RegimeFileError, UnknownRefError

__all__ = [
    "Category",
    "ConsentRule",
    "CrossingPoint",
    "Dimension",
    "Gazetteer",
    "Indicator",
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
]
