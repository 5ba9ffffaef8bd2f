"""Display text of one value: numbers, p-values, baht and dates; the one place
these are defined.

The report formatters (:mod:`evaluation.reporting.fmt`) and the table writers
(:mod:`evaluation.export`) use these, and re-export them, as
:mod:`evaluation.thai` does for ``format_baht``/``format_thai_date``/
``format_number`` (their old home). Nothing here rounds a stored value: only
the text shown is rounded. A missing value shows as ``–``.

Examples
--------
>>> format_number(1500), format_number(2.345, 2), format_p(0.0004)
('1,500', '2.35', '< 0.001')
>>> format_baht(1500), format_thai_date("2023-07-07", lang="en")
('1,500 บาท', '7 Jul 2023')
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .i18n import check_lang
from .thai import (_BE_OFFSET, _EN_MONTHS_ABBR, _EN_MONTHS_FULL, _TH_MONTHS_ABBR,
                   _TH_MONTHS_FULL, BLANK, parse_date)

__all__ = ["format_baht", "format_number", "format_p", "format_thai_date"]


def _is_missing(value: object) -> bool:
    try:
        return value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and math.isnan(value))
    except TypeError:  # pragma: no cover - exotic objects
        return False


def format_number(value: object, decimals: int | None = None, *, missing: str = "–") -> str:
    """A number with thousands separators: ``1500 -> '1,500'``.

    Parameters
    ----------
    value : number or missing
        The value; text is returned unchanged (escaped by the caller).
    decimals : int, optional
        Digits after the point; by default 0 for whole numbers, else 1.
    missing : str, default "–"
        Shown for NaN/None/NA.

    Examples
    --------
    >>> format_number(1500), format_number(2.345, 2), format_number(float("nan"))
    ('1,500', '2.35', '–')
    """
    if _is_missing(value):
        return missing
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}" if decimals in (None, 0) else f"{value:,.{decimals}f}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return str(value)
        if decimals is None:
            decimals = 0 if float(value).is_integer() else 1
        return f"{value:,.{decimals}f}"
    return str(value)


def format_p(value, *, missing: str = "–") -> str:
    """A p-value for display: ``< 0.001``, ``0.023``, ``0.48``.

    >>> format_p(0.00004), format_p(0.0234), format_p(0.481), format_p(float("nan"))
    ('< 0.001', '0.023', '0.481', '–')
    """
    if _is_missing(value):
        return missing
    value = float(value)
    if not math.isfinite(value):
        return missing
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def format_baht(x, *, decimals: int = 0, unit: bool = True, lang: str = "th") -> str:
    """Amount of money for a report: ``1,500 บาท`` / ``1,500 baht``.

    Examples
    --------
    >>> format_baht(1500), format_baht(1500.5, decimals=2, lang="en")
    ('1,500 บาท', '1,500.50 baht')
    >>> format_baht(float("nan")), format_baht(1500, unit=False)
    ('–', '1,500')
    """
    check_lang(lang)
    text = format_number(x, decimals)
    if text == BLANK or not unit:
        return text
    return f"{text} {'บาท' if lang == 'th' else 'baht'}"


_DATE_STYLES = ("short", "long", "iso")


def format_thai_date(ts, *, style: str = "short", lang: str = "th") -> str:
    """Date for a report, BE in Thai and CE in English.

    Parameters
    ----------
    ts : date-like
        Anything :func:`parse_date` accepts; blank gives ``"–"``.
    style : {"short", "long", "iso"}, default "short"
        ``7 ก.ค. 2566`` / ``7 กรกฎาคม 2566`` / ``2566-07-07`` in Thai;
        ``7 Jul 2023`` / ``7 July 2023`` / ``2023-07-07`` in English.
    lang : {"th", "en"}, default "th"

    Examples
    --------
    >>> format_thai_date(pd.Timestamp("2023-07-07"))
    '7 ก.ค. 2566'
    >>> format_thai_date("2023-07-07", style="long"), format_thai_date("7/7/66", lang="en")
    ('7 กรกฎาคม 2566', '7 Jul 2023')
    """
    if style not in _DATE_STYLES:
        raise ArgumentError(f"style must be one of 'short', 'long', 'iso'; got {style!r}")
    check_lang(lang)
    ts = parse_date(ts)
    if ts is pd.NaT:
        return BLANK
    year = ts.year + _BE_OFFSET if lang == "th" else ts.year
    if style == "iso":
        return f"{year:04d}-{ts.month:02d}-{ts.day:02d}"
    if lang == "th":
        names = _TH_MONTHS_ABBR if style == "short" else _TH_MONTHS_FULL
    else:
        names = _EN_MONTHS_ABBR if style == "short" else _EN_MONTHS_FULL
    return f"{ts.day} {names[ts.month - 1]} {year}"
