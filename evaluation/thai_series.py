"""Whole columns of raw cells parsed at once: :func:`parse_series`.

Clean values take a vectorised fast path; the rest go through the scalar
parsers of :mod:`evaluation.thai` once per distinct value. ``parse_series``
and ``SERIES_KINDS`` stay importable from :mod:`evaluation.thai`.

Examples
--------
>>> import pandas as pd
>>> values, errors = parse_series(pd.Series(["1,500 บาท", "x", None]), "money")
>>> values.tolist()[:1], errors.tolist()
([1500.0], [None, 'expected an amount in baht, e.g. 1500, 1,500 บาท or ๑,๕๐๐.-', None])
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .thai import (INT_EXPECTED, NUMBER_EXPECTED, WAVES, _check_era, _dates_from_parts,
                   _fast_date_parts, _number_value, clean_id,
                   clean_text, parse_arm, parse_date, parse_kind, parse_money, parse_number,
                   parse_role, parse_sex, parse_wave)

__all__ = ["SERIES_KINDS", "parse_series"]


SERIES_KINDS = ("id", "text", "number", "int", "money", "date", "wave", "sex", "role", "kind",
                "arm")
_RE_PLAIN_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_RE_PLAIN_ID = r"[A-Za-z0-9_\-./#]+(?: [A-Za-z0-9_\-./#]+)*"


_PLAIN_NUMBER = re.compile(_RE_PLAIN_NUMBER)
_PLAIN_ID = re.compile(_RE_PLAIN_ID)
#: Below this many cells Python's ``re`` is faster than Arrow's regex kernels, which
#: compile the pattern again on every call (about a millisecond each).
_ARROW_REGEX_MIN_CELLS = 2_000


def _fullmatch(text: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Boolean mask: cells that are text matching ``pattern`` whole (False for NA)."""
    if len(text) < _ARROW_REGEX_MIN_CELLS or text.dtype == object:
        values = text.to_numpy(dtype=object)
        return np.fromiter((isinstance(v, str) and pattern.fullmatch(v) is not None
                            for v in values), dtype=bool, count=len(values))
    return text.str.fullmatch(pattern.pattern).fillna(False).to_numpy(dtype=bool)


def _factorized(series: pd.Series, func, fail):
    """Apply ``func`` once per distinct value of ``series``.

    Returns ``codes`` (position of each cell's value in the distinct values,
    ``-1`` for NA) and two object arrays with one slot per distinct value plus
    a last slot for NA: the results (``fail`` where ``func`` raised
    ``ValueError``) and the error messages (``None`` where fine). Indexing
    them with ``codes`` aligns them with ``series`` (-1 picks the last slot).
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    n = len(uniques)
    results = np.empty(n + 1, dtype=object)
    errors = np.full(n + 1, None, dtype=object)
    for i, value in enumerate(uniques):
        try:
            results[i] = func(value)
        except ValueError as exc:
            results[i] = fail
            errors[i] = str(exc)
    results[n] = func(None)
    return codes, results, errors


def _map_unique(series: pd.Series, func, fail) -> tuple[np.ndarray, np.ndarray | None]:
    """Results and error messages of ``func`` aligned with ``series`` (None: no error)."""
    codes, results, errors = _factorized(series, func, fail)
    return results[codes], _aligned_errors(errors, codes)


def _aligned_errors(errors: np.ndarray, codes: np.ndarray) -> np.ndarray | None:
    """Per-value error messages spread over the cells; None when no value failed."""
    if all(e is None for e in errors):
        return None
    return errors[codes]


def _errors_series(errors: np.ndarray | None, index) -> pd.Series:
    if errors is None:
        errors = np.full(len(index), None, dtype=object)
    return pd.Series(errors, index=index, dtype=object)


def _numbers(series: pd.Series, scalar) -> tuple[np.ndarray, np.ndarray | None]:
    """float64 values and error messages (or None if there is no error)."""
    n = len(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        values = np.full(n, np.nan)
        errors = np.where(series.isna().to_numpy(), None, NUMBER_EXPECTED).astype(object)
        return values, errors
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(values)
        if not bad.any():
            return values, None
        errors = np.full(n, None, dtype=object)
        errors[bad] = NUMBER_EXPECTED + "; got an infinite value"
        values = values.copy()
        values[bad] = np.nan
        return values, errors
    # Text, or mixed objects from Excel (checked through their str(): True
    # becomes "True" and fails): plain numbers pass a vectorised regex and an
    # Arrow cast; the rest go to ``scalar`` once per distinct value.
    import pyarrow as pa
    import pyarrow.compute as pc

    text = series if series.dtype == "str" else series.astype("str")
    plain = _fullmatch(text, _PLAIN_NUMBER)
    values = np.full(n, np.nan)
    if plain.any():
        arr = pa.array(text[plain].array)
        values[plain] = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    # empty cells (read as "" from CSV) are blank for every scalar parser: NaN, no error
    todo = ~plain & series.notna().to_numpy() & (text != "").to_numpy(dtype=bool,
                                                                       na_value=False)
    values[~plain] = np.nan
    if not todo.any():
        return values, None
    sub_values, sub_errors = _map_unique(series[todo], scalar, np.nan)
    values[todo] = sub_values.astype("float64")
    if sub_errors is None:
        return values, None
    errors = np.full(n, None, dtype=object)
    errors[todo] = sub_errors
    return values, errors


def _dates(series: pd.Series, era: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, one ``datetime64[ns]`` and one error message per distinct value (+ NA slot).

    Distinct values in the two common forms (``2023-07-07``, ``7 ก.ค. 2566``)
    become dates in one numpy step; the rest, and any that is not a real date,
    go through :func:`parse_date` (which gives the error message).
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = list(uniques)
    n = len(uniques)
    stamps = np.full(n + 1, np.datetime64("NaT", "ns"))
    errors = np.full(n + 1, None, dtype=object)
    parts = [_fast_date_parts(u, era) for u in uniques]
    done = np.array([p is not None for p in parts], dtype=bool)
    if done.any():
        y, m, d = (np.array([p[k] if p else 0 for p in parts], dtype="int64")
                   for k in range(3))
        dates = _dates_from_parts(y, m, d)
        done &= ~np.isnat(dates)
        stamps[:n][done] = dates[done]
    for i in np.flatnonzero(~done):
        try:
            result = parse_date(uniques[i], era=era)
        except ValueError as exc:
            errors[i] = str(exc)
            continue
        if result is not pd.NaT:
            stamps[i] = result.asm8.astype("datetime64[ns]")
    return codes, stamps, errors


def _ids(series: pd.Series) -> tuple[np.ndarray | pd.Series, None]:
    """Identifier strings; a vectorised path for already-clean ASCII ids.

    A text column whose every cell is a clean ASCII id comes back as it is (a
    Series of Arrow strings, not an object array: the loader keeps ids as Arrow
    strings, and the round trip through Python objects is most of the cost).
    """
    n = len(series)
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return series.astype(str).to_numpy(dtype=object), None
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        plain = _fullmatch(series, _PLAIN_ID)
        if n and plain.all() and series.dtype == "str":
            return series, None
        out = np.full(n, None, dtype=object)
        out[plain] = series[plain].to_numpy(dtype=object)
        if not plain.all():
            out[~plain] = _map_unique(series[~plain], clean_id, None)[0]
        return out, None
    return _map_unique(series, clean_id, None)[0], None


def parse_series(series: pd.Series, kind: str, *, era: str = "auto",
                 keep_newlines: bool = True) -> tuple[pd.Series, pd.Series]:
    """Parse a whole column with the parser for ``kind``.

    Clean values take a vectorised fast path (numbers: a regex check and an
    Arrow cast or ``pandas.to_numeric``); the rest are parsed once per distinct
    value, so a column with few distinct labels or dates is cheap however long
    it is.

    Parameters
    ----------
    series : pandas.Series
        Raw cell values (any dtype).
    kind : {"id", "text", "number", "int", "money", "date", "wave", "sex", "role", "kind"}
        The value kind (as in :mod:`evaluation.schema`).
    era : {"auto", "be", "ce"}, default "auto"
        Era policy for ``kind="date"`` (see :func:`parse_date`).
    keep_newlines : bool, default True
        For ``kind="text"``: keep line breaks (see :func:`clean_text`).

    Returns
    -------
    values : pandas.Series
        Same index as ``series``. dtype by kind: number/money ``float64``
        (NaN for blanks and errors); int ``Int64``; date ``datetime64[ns]``
        (NaT); wave ordered ``Categorical(["pre", "during", "post"])``;
        id/text/sex/role/kind ``object`` holding ``str`` or ``None``.
    errors : pandas.Series
        ``object`` Series, same index: the error message for each cell that
        could not be parsed, ``None`` elsewhere (blank cells are not errors).

    Examples
    --------
    >>> import pandas as pd
    >>> values, errors = parse_series(pd.Series(["1,500 บาท", "๒๐๐", "", "lots"]), "money")
    >>> values.tolist()
    [1500.0, 200.0, nan, nan]
    >>> errors.tolist()[:3], errors[3].startswith("expected an amount")
    ([None, None, None], True)
    """
    if kind not in SERIES_KINDS:
        raise ArgumentError(f"kind must be one of {', '.join(map(repr, SERIES_KINDS))}; "
                            f"got {kind!r}")
    _check_era(era)
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    values, errors = _parse_column(series, kind, era=era, keep_newlines=keep_newlines)
    if kind == "id" and values.dtype != object:  # the documented dtype: object holding str
        values = pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object)
    return values, _errors_series(errors, series.index)


def _parse_column(series: pd.Series, kind: str, *, era: str = "auto",
                  keep_newlines: bool = True) -> tuple[pd.Series, np.ndarray | None]:
    """:func:`parse_series` with the error messages as an object array, or None
    when no cell failed (the loader's common case, without building a Series)."""
    index = series.index
    errors: np.ndarray | None

    if kind in ("number", "money", "int"):
        scalar = {"number": parse_number, "money": parse_money,
                  "int": lambda v: _number_value(v, INT_EXPECTED)}[kind]
        values, errors = _numbers(series, scalar)
        if kind == "int":
            finite = np.isfinite(values)
            frac = finite & (values != np.floor(values))
            huge = finite & (np.abs(values) >= 2.0**63)
            if frac.any() or huge.any():
                errors = np.full(len(values), None, dtype=object) if errors is None else errors
                errors[frac] = INT_EXPECTED + "; got a fraction"
                errors[huge] = INT_EXPECTED + "; the number is too large"
                values = values.copy()
                values[frac | huge] = np.nan
            out = pd.Series(pd.array(values, dtype="Float64"), index=index)
            out = out.astype("Int64")
        else:
            out = pd.Series(values, index=index, dtype="float64")
        return out, errors

    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            out = series.dt.tz_localize(None) if series.dt.tz is not None else series
            return out.dt.normalize().astype("datetime64[ns]"), None
        codes, stamps, errors = _dates(series, era)
        return (pd.Series(stamps[codes], index=index, dtype="datetime64[ns]"),
                _aligned_errors(errors, codes))

    if kind == "wave":
        codes, results, errors = _factorized(series, parse_wave, None)
        positions = np.array([-1 if r is None else WAVES.index(r) for r in results])
        out = pd.Series(pd.Categorical.from_codes(positions[codes], categories=list(WAVES),
                                                  ordered=True), index=index)
        return out, _aligned_errors(errors, codes)
    if kind == "id":
        results, errors = _ids(series)
        if isinstance(results, pd.Series):
            return results, None
    elif kind == "text":
        results, errors = _map_unique(
            series, lambda v: clean_text(v, keep_newlines=keep_newlines), None)
    else:
        func = {"sex": parse_sex, "role": parse_role, "kind": parse_kind, "arm": parse_arm}[kind]
        results, errors = _map_unique(series, func, None)
    return pd.Series(results, index=index, dtype=object), errors
