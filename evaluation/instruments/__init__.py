"""Questionnaire instruments as data (YAML) and their scoring.

Built-in definitions: ``tmhi15``, ``who5``, ``happy10`` and ``happinometer``
(YAML files in this folder). Users add their own YAML files; see
``docs/instruments.md``.
"""

from __future__ import annotations

from .registry import (
    TOTAL_METHODS,
    ArgumentError,
    Band,
    Instrument,
    InstrumentError,
    InstrumentWarning,
    Item,
    Total,
    get_instrument,
    load_instrument,
    registry,
)
from .scoring import MISSING_POLICIES, score_instrument

__all__ = [
    "ArgumentError",
    "Band",
    "Instrument",
    "InstrumentError",
    "InstrumentWarning",
    "Item",
    "MISSING_POLICIES",
    "TOTAL_METHODS",
    "Total",
    "get_instrument",
    "load_instrument",
    "registry",
    "score_instrument",
]
