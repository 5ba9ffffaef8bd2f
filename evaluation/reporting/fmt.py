"""How numbers, dates, intervals and p-values are shown in reports: one place.

Every function returns display text and never changes a value (the library
does no rounding; only these functions round, for display). Missing values
show as ``–``. The single-value formatters (``format_number``, ``format_p``,
``format_baht``, ``format_thai_date``) are defined once, in
:mod:`evaluation.formatting`, and re-exported here.

* counts and numbers: :func:`format_number` (tables; whole numbers without
  decimals, others with one), :func:`num` (fixed decimals), :func:`count`,
  :func:`pct`, :func:`baht`;
* dates: :func:`date` / :func:`format_report_date` (Buddhist era in Thai);
* estimates: :func:`ci_text`, :func:`estimate_cell`, :func:`change_sentence`
  (a plain-language sentence with n and the 95% interval), :func:`format_p`;
* text: :func:`text_or_dash`, :func:`place_text`, :func:`with_unit`.

Examples
--------
>>> num(1234.56), count(1500), pct(0.625), baht(1500, "th")
('1,234.6', '1,500', '62%', '1,500 บาท')
>>> estimate_cell(4.9, 3.66, 6.2, 30, "en")
'+4.9 (3.7 to 6.2), n = 30'
"""

from __future__ import annotations

import math

import pandas as pd

from ..formatting import format_baht, format_number, format_p, format_thai_date
from ..i18n import check_lang, tr, unit_word

__all__ = ["baht", "change_sentence", "ci_text", "count", "date", "estimate_cell",
           "format_number", "format_p", "format_report_date", "is_missing", "num", "pct",
           "place_text", "text_or_dash", "with_unit"]


def is_missing(value) -> bool:
    """True for None, NaN, NA and NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value, decimals: int = 1) -> str:
    """``1,234.5``; missing gives ``–``. Whole numbers keep `decimals` places."""
    if is_missing(value):
        return "–"
    value = float(value)
    if not math.isfinite(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text


def count(value) -> str:
    """A whole count with thousands separators (``1,500``)."""
    if is_missing(value):
        return "–"
    return f"{int(value):,d}"


def pct(share, decimals: int = 0) -> str:
    """A 0–1 share as a percentage (``62%``)."""
    if is_missing(share):
        return "–"
    return f"{100 * float(share):,.{decimals}f}%"


def baht(value, lang: str, decimals: int = 0) -> str:
    """``1,500 บาท`` / ``1,500 baht``."""
    if is_missing(value) or not math.isfinite(float(value)):
        return "–"
    return format_baht(value, decimals=decimals, lang=lang)


def date(value, lang: str) -> str:
    """Buddhist-era date in Thai (``7 ก.ค. 2566``), CE in English."""
    if is_missing(value):
        return "–"
    return format_thai_date(value, lang=lang)


def with_unit(text: str, unit: str, lang: str) -> str:
    word = unit_word(unit, lang)
    if text == "–" or not word:
        return text
    return f"{text}%" if word == "%" else f"{text} {word}"


def ci_text(low, high, n, lang: str, *, unit: str = "", decimals: int = 1,
            conf_level: float = 0.95) -> str:
    """``(95% CI 1.1 ถึง 5.3, n = 28)``; without an interval ``(n = 1)``.

    With ``unit="baht"`` the bounds are whole baht and the upper one carries
    the unit: ``(95% CI 1,590 ถึง 2,344 บาท, n = 30)``.
    """
    level = f"{100 * conf_level:g}%"
    n_text = f"n = {count(n)}"
    if not _finite(low) or not _finite(high):
        return f"({n_text})"
    d = 0 if unit == "baht" else decimals
    lo, hi = num(low, d), num(high, d)
    if unit:
        hi = with_unit(hi, unit, lang)
    return f"({level} CI {lo} {tr(lang, 'ถึง', 'to')} {hi}, {n_text})"


def _finite(value) -> bool:
    if is_missing(value):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def change_sentence(subject_th: str, subject_en: str, mean, low, high, n, lang: str, *,
                    unit: str = "points", decimals: int = 1,
                    conf_level: float = 0.95) -> str:
    """A plain-language sentence about a mean change with its interval and n.

    ``คะแนนความสุขเฉลี่ยเพิ่มขึ้น 3.2 คะแนน (95% CI 1.1 ถึง 5.3, n = 28)``
    followed by what the interval means (it excludes zero or not).
    """
    if not _finite(mean) or not n:
        return tr(lang, f"{subject_th}: ข้อมูลไม่พอคำนวณการเปลี่ยนแปลง (ต้องมีข้อมูลทั้งก่อนและหลังของคนเดียวกัน)",
                  f"{subject_en}: not enough data to compute a change (the same people "
                  "are needed before and after).")
    mean = float(mean)
    d = 0 if unit == "baht" else decimals
    amount = with_unit(num(abs(mean), d), unit, lang)
    ci = ci_text(low, high, n, lang, unit=unit, decimals=decimals, conf_level=conf_level)
    if round(mean, d) == 0:
        head = tr(lang, f"{subject_th}แทบไม่เปลี่ยนแปลง", f"{subject_en} hardly changed")
    elif mean > 0:
        head = tr(lang, f"{subject_th}เพิ่มขึ้น {amount}", f"{subject_en} rose by {amount}")
    else:
        head = tr(lang, f"{subject_th}ลดลง {amount}", f"{subject_en} fell by {amount}")
    sentence = f"{head} {ci}"
    if _finite(low) and _finite(high):
        if float(low) > 0 or float(high) < 0:
            sentence += tr(lang, " ช่วงความเชื่อมั่นไม่ครอบคลุมศูนย์ จึงน่าจะเป็นการเปลี่ยนแปลงจริง",
                           "; the interval excludes zero, so the change is likely real")
        else:
            sentence += tr(lang, " ช่วงความเชื่อมั่นครอบคลุมศูนย์ จึงยังสรุปไม่ได้ว่ามีการเปลี่ยนแปลงจริง",
                           "; the interval includes zero, so a real change is not shown")
    return sentence + ("" if lang == "th" else ".")


def estimate_cell(mean, low, high, n, lang: str, *, unit: str = "points",
                  decimals: int = 1) -> str:
    """Table cell ``+4.9 (3.7 ถึง 6.2), n = 30``."""
    if is_missing(mean):
        return "–"
    sign = "+" if float(mean) > 0 else ""
    d = 0 if unit == "baht" else decimals
    main = f"{sign}{num(mean, d)}"
    if not _finite(low) or not _finite(high):
        return f"{main}, n = {count(n)}"
    return f"{main} ({num(low, d)} {tr(lang, 'ถึง', 'to')} {num(high, d)}), n = {count(n)}"


def text_or_dash(value) -> str:
    return "–" if is_missing(value) or str(value).strip() == "" else str(value)


def place_text(row: dict, lang: str) -> str:
    """``ต.ห้วยทรายงาม อ.นาคำใต้ จ.ทุ่งศรีทอง`` / ``Huai Sai Ngam subdistrict, ...``."""
    parts = []
    for col, th, en in (("subdistrict", "ต.", " subdistrict"), ("district", "อ.", " district"),
                        ("province", "จ.", " province")):
        val = row.get(col)
        if not is_missing(val) and str(val).strip():
            parts.append(f"{th}{val}" if lang == "th" else f"{val}{en}")
    return (" " if lang == "th" else ", ").join(parts) or "–"


def format_report_date(value, lang: str = "th") -> str:
    """A date for a report: Buddhist era in Thai (``7 ก.ค. 2566``), CE in English.

    Thin wrapper of :func:`evaluation.formatting.format_thai_date`; missing values
    give ``"–"``.

    >>> format_report_date("2023-07-07"), format_report_date("2023-07-07", "en")
    ('7 ก.ค. 2566', '7 Jul 2023')
    """
    check_lang(lang)
    return format_thai_date(value, lang=lang)
