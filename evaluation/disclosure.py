"""Small cells: no statistic about fewer than ``min_cell`` people in a report.

A village with one man must not show "men's change in happiness": anyone
who knows the village knows who he is. :func:`suppress_small_cells` takes a
tidy table with a count column and blanks the statistics of every row whose
count is below ``min_cell`` (default :data:`DEFAULT_MIN_CELL` = 3), shows the
count itself as ``<3``, and — when the rows of one split could give the
hidden value back by subtraction from a total — hides the next smallest row
of the same split too (secondary suppression). It returns the table and how
many cells it hid, which the data-quality section reports.

Analysis functions never suppress (they return exact numbers); reports,
tables and charts call this module just before showing a split.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import EvaluationError, require_columns

__all__ = ["DEFAULT_MIN_CELL", "check_min_cell", "suppress_small_cells", "small_count_label",
           "SUPPRESSED_COLUMN"]

#: The smallest number of people a shown statistic may describe.
DEFAULT_MIN_CELL = 3
#: Column added by :func:`suppress_small_cells`: whether the row was hidden.
SUPPRESSED_COLUMN = "suppressed"


class MinCellError(EvaluationError, ValueError):
    """``min_cell`` is not a whole number of at least 1."""


def check_min_cell(min_cell) -> int:
    """Validate a ``min_cell`` parameter (a whole number ≥ 1).

    Examples
    --------
    >>> check_min_cell(5)
    5
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise MinCellError(f"min_cell must be a whole number of at least 1 (people per shown "
                           f"statistic), got {min_cell!r}")
    return int(min_cell)


def small_count_label(min_cell: int = DEFAULT_MIN_CELL) -> str:
    """How a hidden count is shown: ``"<3"`` for ``min_cell=3``.

    Examples
    --------
    >>> small_count_label(5)
    '<5'
    """
    return f"<{check_min_cell(min_cell)}"


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    n: str | Iterable[str] = "n",
    min_cell: int = DEFAULT_MIN_CELL,
    columns: Iterable[str] | None = None,
    within: Iterable[str] | None = None,
    secondary: bool = True,
) -> tuple[pd.DataFrame, int]:
    """Hide the statistics of rows describing fewer than ``min_cell`` people.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy: one row per group (a sex, an age group, a role, a village ...),
        with the number of people in a count column.
    n : str or list of str, default "n"
        The count column(s). A row is small when any of them is between 1
        and ``min_cell - 1`` (0 describes nobody and stays). With several
        count columns (``n_female``, ``n_male``) each small count is shown
        as ``<3`` and the row's statistics are hidden.
    min_cell : int, default 3
        The smallest number of people a shown statistic may describe.
    columns : list of str, optional
        The statistic columns to blank (default: every numeric column that
        is not a count column).
    within : list of str, optional
        Columns that identify one split (e.g. ``["indicator_id"]``): when
        exactly one row of a split of two or more rows is hidden, the
        smallest other row of that split is hidden too, so that the hidden
        value cannot be recovered from a total (``secondary=False`` turns
        this off). Default: the whole table is one split.
    secondary : bool, default True

    Returns
    -------
    (pandas.DataFrame, int)
        A copy of the table with the statistics of hidden rows set to NaN,
        the count columns as text (``"<3"`` where hidden, the number
        otherwise), a boolean column ``suppressed``; and the number of hidden
        cells (rows).

    Examples
    --------
    >>> t = pd.DataFrame({"sex": ["F", "M"], "n": [12, 1], "mean_change": [4.5, -2.0]})
    >>> out, hidden = suppress_small_cells(t)
    >>> out["n"].tolist(), out["mean_change"].tolist(), hidden
    (['12', '<3'], [nan, nan], 2)

    The one man's change is hidden; so is the women's, because with the
    village's total shown elsewhere his value would follow by subtraction.
    Without a total shown anywhere: ``secondary=False``.

    >>> out, hidden = suppress_small_cells(t, secondary=False)
    >>> out["mean_change"].tolist(), hidden
    ([4.5, nan], 1)
    """
    counts = [n] if isinstance(n, str) else list(n)
    require_columns(table, {"n": counts}, what="table")
    min_cell = check_min_cell(min_cell)
    if columns is None:
        columns = [c for c in table.columns
                   if c not in counts and pd.api.types.is_numeric_dtype(table[c])
                   and not pd.api.types.is_bool_dtype(table[c])]
    else:
        columns = list(columns)
    within = list(within or [])
    values = table[counts].apply(pd.to_numeric, errors="coerce")
    small_cell = (values > 0) & (values < min_cell)
    hidden = small_cell.any(axis=1).to_numpy().copy()
    if secondary and len(table) > 1:
        keys = (table[within].astype(str).agg("\x1f".join, axis=1) if within
                else pd.Series("", index=table.index))
        total = values.sum(axis=1, min_count=1).to_numpy()
        for key in pd.unique(keys):
            rows = np.flatnonzero(keys.to_numpy() == key)
            if len(rows) >= 2 and hidden[rows].sum() == 1:
                others = [r for r in rows if not hidden[r] and total[r] > 0]
                if others:
                    hidden[min(others, key=lambda r: total[r])] = True
    out = table.copy()
    mask = pd.Series(hidden, index=table.index)
    for col in columns:
        out[col] = out[col].astype("float64") if pd.api.types.is_integer_dtype(out[col]) \
            else out[col]
        out.loc[mask, col] = np.nan
    label = small_count_label(min_cell)
    for col in counts:
        shown = [label if small else ("" if pd.isna(v) else f"{v:g}" if isinstance(v, float)
                                      else str(v))
                 for v, small in zip(table[col].tolist(), small_cell[col].tolist())]
        out[col] = pd.Series(shown, index=table.index, dtype="object")
    out[SUPPRESSED_COLUMN] = hidden
    return out, int(hidden.sum())
