"""Exceptions raised by the workbench.

Every error a user can cause derives from :class:`EvaluationError`, so callers
(and the CLI) can catch one type and show a readable message instead of a
traceback.
"""

from __future__ import annotations

import pandas as pd

#: Columns of every problems table (validation errors and warnings).
PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "value", "problem", "severity"]


class EvaluationError(Exception):
    """Base class of all workbench errors."""


class DataValidationError(EvaluationError):
    """Input data failed validation.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem with columns ``file, sheet, row, column, value,
        problem, severity``. ``row`` is the row number as the user sees it in
        the file (the header is row 1, the first data row is row 2); it is
        ``<NA>`` for problems that concern a whole file or column.
    """

    def __init__(self, problems: pd.DataFrame, message: str | None = None):
        self.problems = problems.reset_index(drop=True)
        n_err = int((problems.get("severity", pd.Series(dtype=str)) != "warning").sum())
        super().__init__(message or f"{n_err} problem(s) found in the input data")

    def __str__(self) -> str:  # readable in a notebook or terminal
        head = super().__str__()
        with pd.option_context("display.max_colwidth", 80, "display.width", 200):
            return f"{head}\n{self.problems.to_string(index=False)}"


def problems_frame(rows: list[dict] | None = None) -> pd.DataFrame:
    """Build a problems table with the standard columns (empty if no rows)."""
    frame = pd.DataFrame(rows or [], columns=PROBLEM_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    severity = frame["severity"].astype(object)
    frame["severity"] = severity.where(severity.notna(), "error")
    return frame


class ArgumentError(EvaluationError, ValueError, TypeError):
    """A function was called with an argument it cannot use.

    The message names the parameter, what is allowed and what was passed. It is
    also a ``ValueError`` and a ``TypeError`` so callers catching either still work.
    """


def column_list(value, name: str, *, allow_empty: bool = True,
                error: type[Exception] = ArgumentError) -> list[str]:
    """Normalise a ``by=``/``columns=`` argument: None, one name, or a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        items = list(value)
    except TypeError:
        items = None
    if items is None or (not items and not allow_empty) or not all(
            isinstance(v, str) for v in items):
        raise error(f"{name} must be a column name or a list of column names, got {value!r}")
    return items
