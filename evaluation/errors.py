"""Exceptions raised by the workbench.

Every error a user can cause derives from :class:`EvaluationError`, so callers
(and the CLI) can catch one type and show a readable message instead of a
traceback.
"""

from __future__ import annotations

import pandas as pd

#: Columns of every problems table (validation errors and warnings).
PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "value", "problem", "problem_code",
                   "severity"]

#: ``problem_code`` of problems raised without one, recognised from their message
#: (first match wins); everything else is ``"invalid_value"``.
_CODE_PATTERNS = (
    ("missing required column", "missing_column"),
    ("required value missing", "missing_value"),
    ("negative amount", "negative_amount"),
    ("duplicate ", "duplicate_key"),
    ("unknown instrument", "unknown_instrument"),
    ("unknown item", "unknown_item"),
    ("outside the range", "out_of_range"),
    ("not in the ", "unknown_reference"),
    ("no '", "missing_table"),
    ("has no rows", "empty_table"),
    ("changed ", "suspicious_change"),
    ("outside the project period", "date_outside_project"),
    ("the YAML expands", "yaml_bounds"),
    ("the YAML is nested", "yaml_bounds"),
    ("the YAML refers to itself", "yaml_bounds"),
    ("the YAML file is larger", "yaml_bounds"),
    ("YAML", "yaml_invalid"),
    ("not UTF-8 text", "not_utf8"),
    ("expected a date", "invalid_date"),
    ("does not exist", "invalid_date"),
    ("the year", "invalid_date"),
    ("expected a number", "not_a_number"),
    ("expected an amount", "not_a_number"),
    ("expected a whole number", "not_a_number"),
    ("unknown wave", "unknown_label"),
    ("unknown sex", "unknown_label"),
    ("unknown role", "unknown_label"),
    ("unknown entry kind", "unknown_label"),
)


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
        shown = summarise_problems(self.problems) if len(self.problems) > 10 else self.problems
        shown = shown[[c for c in PROBLEM_COLUMNS if c in shown.columns and c != "problem_code"]]
        with pd.option_context("display.max_colwidth", 80, "display.width", 200,
                               "display.max_rows", 1000):
            return f"{head}\n{shown.to_string(index=False)}"


def problems_frame(rows: list[dict] | None = None) -> pd.DataFrame:
    """Build a problems table with the standard columns (empty if no rows)."""
    frame = pd.DataFrame(rows or [], columns=PROBLEM_COLUMNS)
    frame["row"] = pd.to_numeric(frame["row"], errors="coerce").astype("Int64")
    codes = frame["problem_code"].astype(object)
    if codes.isna().any():
        frame["problem_code"] = [c if isinstance(c, str) else _infer_code(p)
                                 for c, p in zip(codes, frame["problem"])]
    severity = frame["severity"].astype(object)
    frame["severity"] = severity.where(severity.notna(), "error")
    return frame


def _infer_code(text) -> str:
    text = str(text)
    for fragment, code in _CODE_PATTERNS:
        if fragment in text:
            return code
    return "invalid_value"


def summarise_problems(problems: pd.DataFrame, *, max_examples: int = 3,
                       min_group: int = 10) -> pd.DataFrame:
    """Problems with long runs of the same problem shortened to a few examples.

    Rows sharing ``severity``, ``file``, ``sheet``, ``column`` and
    ``problem_code`` form a group; a group of more than ``min_group`` rows
    keeps its first ``max_examples`` rows and gains one row saying how many
    more there are. A column ``count`` gives the rows each line stands for.

    Examples
    --------
    >>> rows = [dict(file="f.csv", row=i, column="date", problem="bad date",
    ...              problem_code="invalid_date") for i in range(2, 1002)]
    >>> short = summarise_problems(problems_frame(rows))
    >>> len(short), short["count"].tolist()
    (4, [1, 1, 1, 997])
    """
    frame = problems.reset_index(drop=True).copy()
    frame["count"] = 1
    if len(frame) <= min_group:
        return frame
    keys = ["severity", "file", "sheet", "column", "problem_code"]
    keyframe = frame[keys].astype(object).where(frame[keys].notna(), "")
    group = keyframe.groupby(keys, sort=False, dropna=False).ngroup()
    position = group.groupby(group).cumcount()
    size = group.map(group.value_counts())
    keep = (size <= min_group) | (position < max_examples)
    out = []
    for g, part in frame[keep].groupby(group[keep], sort=False):
        out.append(part)
        n = int(size[part.index[0]])
        if n > min_group:
            extra = part.iloc[[-1]].copy()
            extra["row"] = pd.NA
            extra["value"] = None
            extra["problem"] = (f"… and {n - max_examples:,d} more rows with the same problem "
                                f"({part['problem_code'].iloc[0]})")
            extra["count"] = n - max_examples
            out.append(extra)
    return pd.concat(out, ignore_index=True)


class ArgumentError(EvaluationError, ValueError, TypeError):
    """A function was called with an argument it cannot use.

    The message names the parameter, what is allowed and what was passed. It is
    also a ``ValueError`` and a ``TypeError`` so callers catching either still work.
    """


class ParseError(EvaluationError, ValueError):
    """A value from the data could not be read (a number, date or label).

    Raised by the parsers in :mod:`evaluation.thai`; the message says what was
    expected. Also a ``ValueError``, so ``except ValueError`` keeps working.

    Examples
    --------
    >>> from evaluation.thai import parse_number
    >>> parse_number("abc")
    Traceback (most recent call last):
    ...
    evaluation.errors.ParseError: expected a number, e.g. 1500 or ๑,๕๐๐
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


class ColumnError(ArgumentError, KeyError):
    """A table lacks columns a function needs (also a ``KeyError``, ``ValueError`` and
    ``TypeError``, so every way callers caught it before still works)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TableColumnError(ColumnError, DataValidationError):
    """Columns are missing from a data table (finance, ledger, savings, lessons,
    happiness responses): a :class:`ColumnError` (so also a ``KeyError``,
    ``ValueError`` and ``TypeError``) that is also a :class:`DataValidationError`
    whose ``problems`` table has one row per missing column
    (``problem_code="missing_column"``)."""

    def __init__(self, message: str, problems: pd.DataFrame):
        DataValidationError.__init__(self, problems, message)

    def __str__(self) -> str:
        return ColumnError.__str__(self)


def require_columns(frame, columns, *, what: str = "data", hint: str = "",
                    table: str | None = None) -> None:
    """Check that `frame` is a DataFrame holding `columns`; the one check of its kind.

    Parameters
    ----------
    frame : object
        What the caller received.
    columns : str, iterable of str, or mapping
        Column names, or ``{parameter: column}`` when the columns were named by
        keyword arguments (the message then names the parameter); a value may
        also be a list of columns (``{"by": ["village_id", "sex"]}``) or None
        (skipped).
    what : str
        How the message calls the table (usually the parameter name).
    hint : str, optional
        A sentence added to the message (e.g. which function makes such a table).
    table : str, optional
        The data table `frame` holds (``"finance"``, ``"lessons"`` …): the error is
        then a :class:`TableColumnError` whose ``problems`` name that sheet.

    Raises
    ------
    ArgumentError
        `frame` is not a DataFrame.
    ColumnError
        Columns are missing; the message names them and lists the columns present
        (a :class:`TableColumnError` when `table` is given).

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a"], what="scores")
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], what="scores")
    Traceback (most recent call last):
    ...
    evaluation.errors.ColumnError: scores lacks column(s) ['b']; columns present: ['a']
    >>> require_columns(pd.DataFrame({"a": [1]}), {"role": "rol"}, what="participants")
    Traceback (most recent call last):
    ...
    evaluation.errors.ColumnError: participants lacks column(s) ['rol'] (role='rol'); columns present: ['a']
    """
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}"
                            + (f". {hint}" if hint else ""))
    if isinstance(columns, dict):  # {parameter: column or list of columns}
        named = [(k, c) for k, v in columns.items()
                 for c in ([v] if isinstance(v, str) or v is None else list(v))]
        named = [(k, c) for k, c in named if c is not None]
        wanted = [c for _, c in named]
    else:
        named, wanted = None, [columns] if isinstance(columns, str) else list(columns)
    missing = list(dict.fromkeys(c for c in wanted if c not in frame.columns))
    if missing:
        params = ""
        if named is not None:
            params = " (" + ", ".join(f"{k}={c!r}" for k, c in named if c in missing) + ")"
        present = list(map(str, frame.columns))
        message = (f"{what} lacks column(s) {missing}{params}; columns present: {present}"
                   + (f". {hint}" if hint else ""))
        if table is None:
            raise ColumnError(message)
        raise TableColumnError(message, problems_frame([
            {"file": None, "sheet": table, "row": None, "column": c, "value": None,
             "problem": f"missing required column {c!r}; columns present: {present}",
             "problem_code": "missing_column", "severity": "error"} for c in missing]))
