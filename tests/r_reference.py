"""Helpers for the tests that compare with R reference values (``tests/r/*.R`` write the CSVs).

The CSVs are committed, so the tests never need R. Regenerate them from the
repository root with ``Rscript tests/r/<name>.R``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

R_DIR = Path(__file__).resolve().parent / "r"
#: Relative tolerance against R (the CSVs hold 15 significant digits).
REL = 1e-6
#: Absolute floor for values that are (numerically) zero in R.
ABS = 1e-12


def read(name: str) -> pd.DataFrame:
    """A CSV written by one of the R scripts (R writes ``NA`` as an empty cell)."""
    return pd.read_csv(R_DIR / name, keep_default_na=False, na_values=[""])


def same(ours, ref, rel: float = REL, abs_: float = ABS) -> bool:
    """``ours`` equals R's ``ref`` within ``rel`` (both missing counts as equal)."""
    ours, ref = float(ours), float(ref)
    if math.isnan(ref) or math.isnan(ours):
        return math.isnan(ref) and math.isnan(ours)
    if math.isinf(ref) or math.isinf(ours):
        return ours == ref
    return abs(ours - ref) <= max(rel * abs(ref), abs_)


def check_row(ours: dict, ref: pd.Series, fields, context: str = "") -> None:
    """Assert every field equals R's; the message names the case, the field and the R call."""
    bad = [(f, ours[f], ref[f]) for f in fields if not same(ours[f], ref[f])]
    assert not bad, (f"{context}: differs from R ({ref.get('r_call', '')}): "
                     + "; ".join(f"{f}: ours {o!r} R {r!r}" for f, o, r in bad))
