"""Shared pieces of the money modules (finance, ledger, savings): the money
columns, :class:`FinanceArgumentError` and the checks of a money table (its
columns, its waves, its amounts), used by :mod:`evaluation.finance`,
:mod:`evaluation.ledger` and :mod:`evaluation.savings`.

Examples
--------
>>> import pandas as pd
>>> _check_frame(pd.DataFrame({"household_id": ["H1"]}), "finance",
...              {"household": "household_id", "wave": "wave"}, "finance")
Traceback (most recent call last):
...
evaluation.errors.TableColumnError: finance (finance table) lacks column(s) ['wave'] (wave='wave'); columns present: ['household_id']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ArgumentError, ColumnError, DataValidationError, column_list, \
    problems_frame, require_columns
from .schema import WAVES

__all__ = ["ALL_MONEY_COLUMNS", "FinanceArgumentError", "FinanceColumnError", "LOWER_IS_BETTER", "MEASURES",
           "MONEY_COLUMNS"]

#: Money columns of the finance table (monthly flows, then balances).
MONEY_COLUMNS = ("income", "expenses", "debt_formal", "debt_informal", "savings")
#: Measures compared before/after, in output order.
MEASURES = ("income", "expenses", "net", "debt_formal", "debt_informal", "debt_total",
            "savings", "debt_to_annual_income")
#: Measures for which a fall is the improvement (``n_improved`` counts falls).
LOWER_IS_BETTER = ("expenses", "debt_formal", "debt_informal", "debt_total",
                   "debt_to_annual_income")
#: Money columns of every table, converted by :func:`deflate` by default.
ALL_MONEY_COLUMNS = MONEY_COLUMNS + ("amount", "deposit", "withdrawal", "loan", "repayment",
                                     "budget")


class FinanceArgumentError(ArgumentError):
    """A function of the finance, ledger or savings modules got a bad argument."""


class FinanceColumnError(FinanceArgumentError, ColumnError):
    """A column a finance, ledger or savings function needs is in none of the tables
    it was given (also a :class:`~evaluation.errors.ColumnError`, so a ``KeyError``)."""


# --------------------------------------------------------------------------- shared helpers
def _check_frame(frame, name: str, required, table: str) -> None:
    """A DataFrame with the required columns (a list, or ``{parameter: column}``),
    or a :class:`~evaluation.errors.TableColumnError` (also a ``DataValidationError``
    and a ``KeyError``) naming the parameter."""
    if not isinstance(frame, pd.DataFrame):
        raise FinanceArgumentError(f"{name} must be a pandas DataFrame (the {table} table), "
                                   f"got {type(frame).__name__}")
    require_columns(frame, required, what=f"{name} ({table} table)", table=table)


def _bad_rows(frame: pd.DataFrame, mask, table: str, column: str, problem: str, *,
              message: str | None = None):
    """Raise DataValidationError listing the rows where ``mask`` is true (first 50)."""
    mask = np.asarray(mask, dtype=bool)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    rows = []
    values = frame[column].to_numpy(dtype=object) if column in frame.columns else None
    for i in idx[:50]:
        rows.append({"file": None, "sheet": table, "row": None, "column": column,
                     "value": None if values is None else str(values[i]),
                     "problem": problem, "severity": "error"})
    raise DataValidationError(problems_frame(rows),
                              message or f"{len(idx)} row(s) of the {table} table: {problem}")


def _as_list(value, name: str) -> list[str]:
    return column_list(value, name, allow_empty=False, error=FinanceArgumentError)


def _check_waves(before, after) -> None:
    for name, value in (("before", before), ("after", after)):
        if value not in WAVES:
            raise FinanceArgumentError(f"{name} must be one of {WAVES}, got {value!r}")
    if WAVES.index(before) >= WAVES.index(after):
        raise FinanceArgumentError(f"before must be an earlier wave than after "
                                   f"(order {' < '.join(WAVES)}); got before={before!r}, "
                                   f"after={after!r}")


def _numeric(frame: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """A float array of a money column (missing column -> all NaN); negative -> error."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    col = frame[column]
    if not (pd.api.types.is_numeric_dtype(col.dtype) or col.isna().all()):
        raise DataValidationError(problems_frame([{
            "file": None, "sheet": table, "row": None, "column": column, "value": str(col.dtype),
            "problem": f"column {column!r} must hold numbers (baht); got dtype {col.dtype}. "
                       f"Load the data with evaluation.load_project to convert '1,500 บาท'.",
            "severity": "error"}]), f"{table} column {column!r} is not numeric")
    arr = col.to_numpy(dtype=float, na_value=np.nan)
    _bad_rows(frame, arr < 0, table, column, "negative amount (money columns are never negative)")
    return arr
