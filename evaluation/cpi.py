"""Constant prices: the packaged (illustrative) Thai CPI table and :func:`deflate`,
which turns baht into constant baht of a base year.

Examples
--------
>>> import pandas as pd
>>> fin = pd.DataFrame({"date": pd.to_datetime(["2022-03-01"]), "income": [10000.0]})
>>> deflate(fin, cpi={2022: 100.0, 2024: 110.0}, base_year=2024)["income"].tolist()
[11000.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .errors import require_columns
from .money_frames import ALL_MONEY_COLUMNS, FinanceArgumentError, _as_list, _bad_rows, _numeric

__all__ = ["cpi_table", "deflate"]


@lru_cache(maxsize=1)
def _packaged_cpi() -> pd.DataFrame:
    path = resources.files("evaluation") / "data" / "cpi.csv"
    with resources.as_file(path) as p:
        table = pd.read_csv(p, comment="#")
    table["year"] = table["year"].astype(np.int64)
    table["cpi"] = table["cpi"].astype(float)
    return table


def cpi_table() -> pd.DataFrame:
    """An illustrative Thai headline CPI table (annual average, 2010 = 100).

    Returns
    -------
    pandas.DataFrame
        ``year``, ``cpi``, ``method`` (``observed`` or how the year was
        extended), ``source``. A copy.

    Notes
    -----
    2010–2021 are the World Bank WDI series ``FP.CPI.TOTL`` (IMF IFS);
    2022–2024 extend 2021 with the Ministry of Commerce's published annual
    headline inflation (6.08 %, 1.23 %, 0.40 %). The table is a convenience,
    never used unless passed to :func:`deflate`; check it against the official
    series before publishing. See ``evaluation/data/cpi.csv``.

    Examples
    --------
    >>> cpi_table().set_index("year").loc[2021, "cpi"]
    np.float64(113.69)
    """
    return _packaged_cpi().copy()


def _cpi_map(cpi) -> dict[int, float]:
    if isinstance(cpi, pd.DataFrame):
        require_columns(cpi, ["year", "cpi"], what="cpi")
        pairs = zip(cpi["year"].tolist(), cpi["cpi"].tolist())
    elif isinstance(cpi, Mapping):
        pairs = cpi.items()
    else:
        raise FinanceArgumentError(f"cpi must be a DataFrame with columns year, cpi or a "
                                   f"{{year: cpi}} mapping; got {type(cpi).__name__}")
    out: dict[int, float] = {}
    for y, v in pairs:
        try:
            yy, vv = int(y), float(v)
        except (TypeError, ValueError):
            raise FinanceArgumentError(f"cpi table must hold whole years and numbers; "
                                       f"got year={y!r}, cpi={v!r}") from None
        if yy != y or not np.isfinite(vv) or vv <= 0:
            raise FinanceArgumentError(f"cpi table must hold whole years and positive index "
                                       f"values; got year={y!r}, cpi={v!r}")
        if yy in out:
            raise FinanceArgumentError(f"cpi table has year {yy} more than once")
        out[yy] = vv
    if not out:
        raise FinanceArgumentError("cpi table is empty")
    return out


def deflate(frame: pd.DataFrame, *, cpi, base_year: int, date: str = "date",
            year=None, columns=None) -> pd.DataFrame:
    """Turn baht into constant baht of ``base_year`` with a CPI table.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table with money columns and a date (or year) per row.
    cpi : pandas.DataFrame or mapping
        Columns ``year`` and ``cpi`` (any base), or ``{year: cpi}``. Your own
        table, or :func:`cpi_table` explicitly.
    base_year : int
        The year whose prices the result is expressed in (must be in ``cpi``).
    date : str
        Date column giving each row's year (ignored when ``year`` is given).
    year : int or str, optional
        One year for every row, or the name of a column holding the year.
    columns : list of str, optional
        Columns to convert; default every known money column present
        (``income, expenses, debt_formal, debt_informal, savings, amount,
        deposit, withdrawal, loan, repayment, budget``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with the columns converted (other columns
        unchanged); ``.attrs["price_base_year"]`` records ``base_year``.

    Notes
    -----
    ``real = nominal × CPI(base_year) / CPI(year of the row)``. Annual
    averages are used for every date in a year. A row with a value but no
    year, or a year missing from ``cpi``, is an error (listed), never a silent
    blank.

    Examples
    --------
    >>> import pandas as pd
    >>> fin = pd.DataFrame({"date": pd.to_datetime(["2022-03-01", "2024-03-01"]),
    ...                     "income": [10000.0, 10000.0]})
    >>> deflate(fin, cpi={2022: 105.0, 2024: 110.0}, base_year=2024)["income"].round(2).tolist()
    [10476.19, 10000.0]
    """
    if not isinstance(frame, pd.DataFrame):
        raise FinanceArgumentError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    table = _cpi_map(cpi)
    if isinstance(base_year, bool) or not isinstance(base_year, (int, np.integer)):
        raise FinanceArgumentError(f"base_year must be a whole year such as 2024, got "
                                   f"{base_year!r}")
    if int(base_year) not in table:
        raise FinanceArgumentError(f"base_year {base_year} is not in the cpi table (years "
                                   f"{min(table)}–{max(table)})")
    if columns is None:
        cols = [c for c in ALL_MONEY_COLUMNS if c in frame.columns]
    else:
        cols = _as_list(columns, "columns")
        require_columns(frame, {"columns": cols}, what="frame")
    n = len(frame)
    if year is None:
        require_columns(frame, {"date": date}, what="frame",
                        hint="Pass date= (a date column) or year= (a year or a year column).")
        d = frame[date]
        if not pd.api.types.is_datetime64_any_dtype(d.dtype):
            raise FinanceArgumentError(f"column {date!r} must be datetime64 (CE); got "
                                       f"{d.dtype}")
        years = d.dt.year.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    elif isinstance(year, str):
        require_columns(frame, {"year": year}, what="frame")
        years = pd.to_numeric(frame[year], errors="coerce").astype("Float64").to_numpy(
            dtype=float, na_value=np.nan)
    elif isinstance(year, (int, np.integer)) and not isinstance(year, bool):
        years = np.full(n, float(year))
    else:
        raise FinanceArgumentError(f"year must be None, a whole year or a column name; got "
                                   f"{year!r}")
    base = table[int(base_year)]
    factor_map = {y: base / v for y, v in table.items()}
    factor = pd.Series(years).map(factor_map).to_numpy(dtype=float)
    out = frame.copy()
    for c in cols:
        vals = _numeric(frame, c, "frame")
        has_value = ~np.isnan(vals)
        no_year = has_value & np.isnan(years)
        _bad_rows(frame, no_year, "frame", date if year is None else str(year),
                  f"row has a {c!r} amount but no year: cannot deflate")
        no_cpi = has_value & ~np.isnan(years) & np.isnan(factor)
        if no_cpi.any():
            miss = sorted(set(years[no_cpi].astype(int).tolist()))
            raise FinanceArgumentError(f"cpi table has no value for year(s) {miss} (it covers "
                                       f"{sorted(table)})")
        out[c] = vals * factor
    out.attrs["price_base_year"] = int(base_year)
    return out
