"""Thai-aware normalisation of cell values, and Thai/English output formats.

Reading only: the display side (labels, ``format_baht``, ``format_thai_date``,
``format_number``) lives in :mod:`evaluation.i18n` and
:mod:`evaluation.formatting` and stays importable from here.

Field staff type data into Excel or CSV by hand, so one column can hold
``1500``, ``1,500 บาท`` and ``๑,๕๐๐.-``; dates can be Buddhist-era (BE) or
common-era (CE), numeric or with Thai month names; wave labels can be Thai,
English or numbers. This module turns every such value into one canonical
form, and says clearly (:class:`~evaluation.errors.ParseError`, a ``ValueError``,
with a short English message) what was
expected when it cannot.

Scalar parsers
--------------
=====================  ==========================================  ==================
function               returns                                      blank input gives
=====================  ==========================================  ==================
:func:`clean_text`     ``str``                                      ``None``
:func:`clean_id`       ``str`` (Thai digits → Arabic)               ``None``
:func:`parse_number`   ``float``                                    ``nan``
:func:`parse_money`    ``float`` baht (negative kept: caller checks)  ``nan``
:func:`parse_int`      ``int``                                      ``None``
:func:`parse_date`     ``pandas.Timestamp`` at midnight (CE)        ``NaT``
:func:`parse_wave`     ``"pre"``, ``"during"`` or ``"post"``        ``None``
:func:`parse_sex`      ``"F"`` or ``"M"``                           ``None``
:func:`parse_role`     ``"team"``, ``"target"`` or ``"mentor"``     ``None``
:func:`parse_kind`     ``"income"`` or ``"expense"``                ``None``
=====================  ==========================================  ==================

A *blank* value is ``None``, ``NaN``/``NA``/``NaT``, or a string that is empty
once whitespace and zero-width characters are removed.

:func:`~evaluation.thai_series.parse_series` (in :mod:`evaluation.thai_series`,
importable from here) applies one of them to a whole column quickly (a
vectorised fast path for clean values, per-distinct-value parsing for the
rest) and returns the parsed column plus a column of error messages.

Era policy (dates)
------------------
Thai writers use the Buddhist era (BE = CE + 543) and abbreviate it to two
digits (``66`` = 2566 = 2023). With ``era="auto"`` (the default):

* a 4-digit year ≥ 2400 is BE (2566 → 2023); a 4-digit year < 2400 is CE;
* a 2-digit year is a short BE year (66 → 2566 → 2023), except after an
  English month name (``7-Jul-23`` is how English-locale Excel writes
  2023-07-07), where it means 20yy;
* ``พ.ศ.``/``BE`` or ``ค.ศ.``/``CE``/``AD`` written next to the year always win.

``era="be"`` reads every written year as BE (2-digit years as 25yy) and
``era="ce"`` as CE (2-digit years as 20yy). Date *cells* of a spreadsheet
(``datetime``/``date`` objects) already carry a calendar: their year is used
as is, except that a year ≥ 2400 (a BE year typed into a CE calendar) is
converted to CE whatever ``era`` says.

Numeric dates are always read day first (``7/8/2566`` is 7 August), the Thai
convention.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import math
import re
import unicodedata
from decimal import Decimal
from numbers import Integral, Real

import numpy as np
import pandas as pd

from .errors import ArgumentError, ParseError
from .i18n import (  # noqa: F401  (the labels are re-exported from here)
    KIND_LABELS, LANGS, ROLE_LABELS, SEX_LABELS, WAVE_LABELS, label)

__all__ = [
    "BLANK",
    "KIND_LABELS",
    "ROLE_LABELS",
    "SEX_LABELS",
    "WAVE_LABELS",
    "clean_id",
    "clean_text",
    "is_blank",
    "label",
    "parse_date",
    "parse_int",
    "parse_kind",
    "parse_money",
    "parse_number",
    "parse_role",
    "parse_arm",
    "parse_sex",
    "parse_wave",
    "thai_digits_to_arabic",
]

WAVES = ("pre", "during", "post")

#: Shown in reports where a value is missing.
BLANK = "–"

# ---------------------------------------------------------------------------
# Characters
# ---------------------------------------------------------------------------

#: Invisible characters removed from every value: zero-width space, non-joiner,
#: joiner, word joiner, byte-order mark, soft hyphen.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
#: Space-like characters turned into a plain space.
_SPACES = "\u00a0\u2007\u202f\u3000\t\x0b\x0c"
_TRANSLATE_CLEAN = {ord(c): None for c in _INVISIBLE} | {ord(c): " " for c in _SPACES}
_TRANSLATE_CLEAN[ord("\r")] = "\n"

_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TRANSLATE_DIGITS = {ord(t): str(i) for i, t in enumerate(_THAI_DIGITS)}
# Unicode minus, en dash and fullwidth signs typed or pasted into numbers.
_TRANSLATE_NUMBER = _TRANSLATE_DIGITS | {
    ord("\u2212"): "-", ord("\u2013"): "-", ord("\uff0d"): "-", ord("\uff0b"): "+",
}
_RE_THAI = re.compile("[\u0e00-\u0e7f]")
_RE_SPACES = re.compile(r"[ \t]+")
_RE_ALL_WS = re.compile(r"\s+")
_RE_BLANK_LINES = re.compile(r"\n{3,}")


def _fix_thai_marks(text: str) -> str:
    """Repair doubled vowels/tone marks and marks typed after a stray space.

    Uses :mod:`pythainlp.util` (offline, rule based): ``remove_repeat_vowels``
    (``น้ำำ`` → ``น้ำ``, ``ก่่อน`` → ``ก่อน``, ``เเ`` → ``แ``, nikhahit + sara aa →
    sara am) and ``remove_spaces_before_marks`` (``พ ุ่ม`` → ``พุ่ม``).
    """
    if not _mark_fix_trigger().search(text):  # nothing either function would change
        return text
    from pythainlp.util import remove_repeat_vowels, remove_spaces_before_marks

    return remove_repeat_vowels(remove_spaces_before_marks(text))


_MARK_FIX_TRIGGER: re.Pattern | None = None


def _mark_fix_trigger() -> re.Pattern:
    """One regex matching wherever pythainlp's two repairs could change a text.

    Built from the character classes pythainlp uses, as a superset of the
    patterns of ``remove_spaces_before_marks``, ``reorder_vowels`` and
    ``remove_repeat_vowels``: a text it does not match comes back unchanged from
    them (most cells), so it need not go through their thirty-odd substitutions.
    """
    global _MARK_FIX_TRIGGER
    if _MARK_FIX_TRIGGER is None:
        from pythainlp import (thai_above_vowels, thai_below_vowels, thai_follow_vowels,
                               thai_lead_vowels, thai_tonemarks)

        signs = "\u0e3a\u0e4c\u0e4d\u0e4e"   # phinthu, thanthakhat, nikhahit, yamakkan
        dangling = f"{thai_above_vowels}{thai_below_vowels}{thai_tonemarks}{signs}"
        norepeat = (f"{thai_follow_vowels}{thai_lead_vowels}{thai_above_vowels}"
                    f"{thai_below_vowels}{signs}")
        parts = [
            f" [{dangling}]",                                   # a mark after a space
            f"[{thai_tonemarks}\u0e4c][{thai_above_vowels}{thai_below_vowels}]",  # order
            f"[{thai_follow_vowels}][{thai_tonemarks}]",        # follow vowel + tone mark
            "\u0e4d",                                          # nikhahit (+ sara aa)
            "\u0e45",                                          # lakkhangyao
            f"[{thai_tonemarks}]{{2}}",                         # repeated tone marks
            *(f"{ch} *{ch}" for ch in norepeat),                # repeated vowels and signs
        ]
        _MARK_FIX_TRIGGER = re.compile("|".join(parts))
    return _MARK_FIX_TRIGGER


def is_blank(value) -> bool:
    """True for ``None``, NaN/NA/NaT, and strings with no visible character.

    Examples
    --------
    >>> is_blank("  \\u200b "), is_blank(float("nan")), is_blank("0")
    (True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.translate(_TRANSLATE_CLEAN).strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values are not blank scalars
        return False


def _as_text(value) -> str:
    """``str`` of a cell value; an integral float from Excel loses its ``.0``."""
    if isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def clean_text(value, *, keep_newlines: bool = False) -> str | None:
    """Tidy one text value.

    Unicode NFC; zero-width characters (U+200B, U+200C, U+200D, U+2060,
    U+FEFF) and soft hyphens removed; non-breaking and other space characters
    become a plain space; runs of spaces collapse to one; doubled Thai vowels
    or tone marks are repaired (``น้ำำ`` → ``น้ำ``); leading/trailing space
    removed.

    Parameters
    ----------
    value : object
        A cell value. Non-strings are converted with ``str`` (an integral float
        such as ``101.0`` becomes ``"101"``).
    keep_newlines : bool, default False
        Keep line breaks (each line is tidied, runs of blank lines become one
        blank line). Otherwise all whitespace, newlines included, collapses to
        one space.

    Returns
    -------
    str or None
        ``None`` when the value is blank.

    Examples
    --------
    >>> clean_text("  กลุ่ม\\u200bน้ำพริก\\u00a0 แม่บ้าน ")
    'กลุ่มน้ำพริก แม่บ้าน'
    >>> clean_text("ก่่อน")
    'ก่อน'
    >>> clean_text("บรรทัด 1  \\n\\n\\n\\nบรรทัด 2", keep_newlines=True)
    'บรรทัด 1\\n\\nบรรทัด 2'
    >>> clean_text("\\u200b ") is None
    True
    """
    if is_blank(value):
        return None
    text = unicodedata.normalize("NFC", _as_text(value)).replace("\r\n", "\n")
    text = text.translate(_TRANSLATE_CLEAN)
    if keep_newlines:
        lines = [_RE_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _RE_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    else:
        text = _RE_ALL_WS.sub(" ", text).strip()
    if _RE_THAI.search(text):
        text = _fix_thai_marks(text)
    return text or None


def thai_digits_to_arabic(text: str) -> str:
    """Replace Thai digits ๐–๙ by 0–9; everything else is kept.

    Examples
    --------
    >>> thai_digits_to_arabic("๔๐ ครัวเรือน, ๑,๕๐๐ บาท")
    '40 ครัวเรือน, 1,500 บาท'
    """
    return text.translate(_TRANSLATE_DIGITS)


def clean_id(value) -> str | None:
    """Identifier as a tidy string.

    :func:`clean_text` plus Thai digits → Arabic. Numbers read from Excel
    lose a spurious ``.0`` (``101.0`` → ``"101"``); leading zeros in text are
    kept (``"007"`` stays ``"007"``).

    Examples
    --------
    >>> clean_id(101.0), clean_id(" ๐๐๗ "), clean_id("V\\u200b01"), clean_id("")
    ('101', '007', 'V01', None)
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (Integral, np.integer)):
        return str(int(value))
    text = clean_text(value)
    return None if text is None else text.translate(_TRANSLATE_DIGITS)


# ---------------------------------------------------------------------------
# Numbers and money
# ---------------------------------------------------------------------------

NUMBER_EXPECTED = "expected a number, e.g. 1500 or ๑,๕๐๐"
MONEY_EXPECTED = "expected an amount in baht, e.g. 1500, 1,500 บาท or ๑,๕๐๐.-"
INT_EXPECTED = "expected a whole number, e.g. 30 or ๓๐"

# Thousands separators (comma or space) must separate groups of three digits.
_RE_NUMBER = re.compile(
    r"(?P<sign>[+-]?)\s*"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d*)"
    r"(?P<frac>\.\d*)?"
    r"(?P<exp>[eE][+-]?\d+)?"
)
_RE_HAS_DIGIT = re.compile(r"\d")
# Currency decorations, removed before the number is read.
_RE_MONEY_PREFIX = re.compile(r"^(?:฿|thb|บาท)\s*", re.IGNORECASE)
_RE_MONEY_SUFFIX = re.compile(
    r"(?:\s*(?:\.-|-|=|/-))?\s*(?:บาทถ้วน|บาท|บ\.|thb|baht|฿)?\.?\s*(?:\.-|-|=|/-)?$",
    re.IGNORECASE,
)


def _number_text(text: str, expected: str) -> float:
    """Read a cleaned string (Thai digits already Arabic) as a float."""
    text = text.strip()
    m = _RE_NUMBER.fullmatch(text)
    if m is None or not _RE_HAS_DIGIT.search(m.group("int") + (m.group("frac") or "")):
        reason = ""
        if text.count(".") > 1:
            reason = "; more than one decimal point"
        elif re.fullmatch(r"[+-]?[\d, .]+", text) and ("," in text or " " in text):
            reason = "; thousands separators must separate groups of 3 digits (1,500)"
        raise ParseError(expected + reason)
    number = float(m.group("sign") + m.group("int").replace(",", "").replace(" ", "")
                   + (m.group("frac") or "") + (m.group("exp") or ""))
    if not math.isfinite(number):
        raise ParseError(expected + "; the number is too large")
    return number


def _number_value(value, expected: str, *, money: bool = False) -> float:
    if value is None:
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        raise ParseError(expected + "; got a true/false value")
    if isinstance(value, (Real, Decimal, np.number)):
        number = float(value)
        if math.isinf(number):
            raise ParseError(expected + "; got an infinite value")
        return number  # NaN stays NaN (blank)
    if not isinstance(value, str):
        if is_blank(value):
            return math.nan
        raise ParseError(f"{expected}; got a value of type {type(value).__name__}")
    text = unicodedata.normalize("NFKC", value.translate(_TRANSLATE_CLEAN))
    text = text.translate(_TRANSLATE_NUMBER).strip()
    if not text:
        return math.nan
    if money:
        text = _RE_MONEY_PREFIX.sub("", text)
        text = _RE_MONEY_SUFFIX.sub("", text)
        # A sign written before the currency sign: "-฿1,500".
        if text and text[0] in "+-":
            text = text[0] + _RE_MONEY_PREFIX.sub("", text[1:].lstrip())
    return _number_text(text, expected)


def parse_number(value) -> float:
    """Read a number written with Thai or Arabic digits.

    Accepts ints and floats (NaN stays NaN) and strings with Thai or Arabic
    digits, a leading ``+``/``-``, a decimal point, an exponent, and thousands
    separators (comma or space) that separate groups of three digits.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    float
        ``nan`` when the value is blank.

    Raises
    ------
    ValueError
        For anything else (words, two decimal points, ``1,5,00``); the message
        says what was expected.

    Examples
    --------
    >>> parse_number("๑,๕๐๐"), parse_number(" -2.5 "), parse_number("1 500")
    (1500.0, -2.5, 1500.0)
    >>> parse_number("12 ครัวเรือน")
    Traceback (most recent call last):
    ...
    evaluation.errors.ParseError: expected a number, e.g. 1500 or ๑,๕๐๐
    """
    return _number_value(value, NUMBER_EXPECTED)


def parse_money(value) -> float:
    """Read an amount of baht.

    Like :func:`parse_number`, and also accepts the decorations of Thai money
    writing: ``฿1,500``, ``1,500 บาท``, ``1500บาท``, ``1,500 บ.``,
    ``1,500.-``, ``๑,๕๐๐.-``, ``1,500 บาทถ้วน``, ``1,500 baht``/``THB``.
    Thai magnitude words (``1.5 หมื่น``) are not accepted.

    Negative amounts are returned as they are: whether a negative amount is an
    error is the caller's decision (the loader reports negative money).

    Examples
    --------
    >>> parse_money("๑,๕๐๐.-"), parse_money("฿1,500.50"), parse_money("1500บาท")
    (1500.0, 1500.5, 1500.0)
    >>> parse_money("-200 บาท")
    -200.0
    """
    return _number_value(value, MONEY_EXPECTED, money=True)


def parse_int(value) -> int | None:
    """Read a whole number (``"30"``, ``"๓๐"``, ``30.0``).

    Returns
    -------
    int or None
        ``None`` when the value is blank.

    Raises
    ------
    ValueError
        When the value is not a number or has a fractional part (``30.5``).

    Examples
    --------
    >>> parse_int("๓๐"), parse_int(30.0), parse_int("1,200"), parse_int(" ")
    (30, 30, 1200, None)
    """
    if isinstance(value, (Integral, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, str):
        digits = value.translate(_TRANSLATE_DIGITS).strip()
        if digits.isascii() and digits.isdigit():  # exact even beyond 2**53
            return int(digits)
    number = _number_value(value, INT_EXPECTED)
    if math.isnan(number):
        return None
    if number != int(number):
        raise ParseError(INT_EXPECTED + "; got a fraction")
    return int(number)


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

ERAS = ("auto", "be", "ce")
DATE_EXPECTED = ("expected a date, e.g. 7 ก.ค. 2566, 7/7/2566, 2566-07-07 "
                 "or 2023-07-07 (day first)")
#: Years (CE) a pandas Timestamp can hold.
_MIN_YEAR, _MAX_YEAR = 1678, 2261
_BE_OFFSET = 543

_TH_MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
                   "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
_TH_MONTHS_ABBR = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                   "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
# Colloquial short forms and a frequent misspelling (ฏ for ฎ).
_TH_MONTHS_SHORT = ("มกรา", "กุมภา", "มีนา", "เมษา", "พฤษภา", "มิถุนา",
                    "กรกฎา", "สิงหา", "กันยา", "ตุลา", "พฤศจิกา", "ธันวา")
# Spelled out: calendar.month_name depends on the locale.
_EN_MONTHS_FULL = ("January", "February", "March", "April", "May", "June", "July",
                   "August", "September", "October", "November", "December")
_EN_MONTHS_ABBR = tuple(m[:3] for m in _EN_MONTHS_FULL)


def _month_key(token: str) -> str:
    return re.sub(r"[\s.\-/,]", "", token.casefold())


_MONTHS: dict[str, tuple[int, bool]] = {}  # key -> (month, written in English)
for _i in range(12):
    for _name in (_TH_MONTHS_FULL[_i], _TH_MONTHS_ABBR[_i], _TH_MONTHS_SHORT[_i]):
        _MONTHS[_month_key(_name)] = (_i + 1, False)
    for _name in (_EN_MONTHS_FULL[_i], _EN_MONTHS_ABBR[_i]):
        _MONTHS[_month_key(_name)] = (_i + 1, True)
_MONTHS["กรกฏาคม"] = (7, False)
_MONTHS["กรกฏา"] = (7, False)
_MONTHS["กุมภาพันธ"] = (2, False)
_MONTHS["sept"] = (9, True)

_RE_WEEKDAY_TH = re.compile(
    r"^(?:ณ\s*)?(?:วัน\s*)?(?:อาทิตย์|จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์)?\s*"
    r"(?:ที่\s*)?")
_RE_WEEKDAY_EN = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+")
_RE_TIME = re.compile(
    r"(?:\s+|t)(?:เวลา\s*)?\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?"
    r"(?:\s*(?:น\.?|นาฬิกา|am|pm))?$")
_RE_ERA_TH = re.compile(r"(พ\.?\s?ศ|ค\.?\s?ศ)\.?\s*(?=\d)")
_RE_ERA_EN = re.compile(r"(?<![a-z])(b\.?\s?e|c\.?\s?e|a\.?\s?d)\.?(?![a-z])")
_RE_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_RE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d+))?")
_RE_D_NAME_Y = re.compile(r"(\d{1,2})?[\s\-/.,]*([^\d]+?)[\s\-/.,]*(\d+)?")
_RE_NAME_D_Y = re.compile(r"([a-z]+)\.?\s*(\d{1,2}),?\s*(\d+)?")


def _check_era(era: str) -> None:
    if era not in ERAS:
        raise ArgumentError(f"era must be one of {', '.join(map(repr, ERAS))}; got {era!r}")


def _year_to_ce(year_text: str, era: str, *, english_month: bool = False) -> int:
    """Calendar year (CE) of a written year under the era policy."""
    if len(year_text) not in (2, 4):
        raise ParseError(f"the year {year_text!r} should have 4 digits (2566 or 2023) or 2 (66)")
    year = int(year_text)
    if len(year_text) == 2:
        if era == "ce" or (era == "auto" and english_month):
            year += 2000
        else:
            year += 2500
        return year - _BE_OFFSET if year >= 2500 else year
    if era == "be" or (era == "auto" and year >= 2400):
        return year - _BE_OFFSET
    return year


def _make_date(year: int, month: int, day: int) -> pd.Timestamp:
    if not 1 <= month <= 12:
        raise ParseError(f"month {month} does not exist (dates are read day first: DD/MM/YYYY)")
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise ParseError(f"the year {year} CE is outside the supported range "
                         f"{_MIN_YEAR}–{_MAX_YEAR} CE; check the era (BE = CE + 543)")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ParseError(f"day {day} does not exist in {_EN_MONTHS_FULL[month - 1]} {year} "
                         f"(it has {last} days)")
    return pd.Timestamp(year, month, day)


def _date_from_object(value) -> pd.Timestamp:
    """A spreadsheet date cell: its year is CE unless ≥ 2400 (then BE)."""
    year = value.year
    if year >= 2400:
        year -= _BE_OFFSET
    return _make_date(year, value.month, value.day)


#: The two forms most data files use, written exactly (ISO, and a day, an abbreviated
#: Thai month and a 4-digit year): read directly, with the same rules as below.
_RE_FAST_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_RE_FAST_TH_ABBR = re.compile(r"([0-9]{1,2}) (" + "|".join(map(re.escape, _TH_MONTHS_ABBR))
                              + r") ([0-9]{4})")
_TH_ABBR_MONTH = {name: i + 1 for i, name in enumerate(_TH_MONTHS_ABBR)}


def _dates_from_parts(year, month, day) -> np.ndarray:
    """``datetime64[ns]`` dates from whole-number arrays; NaT where no such date exists.

    The same as ``pandas.to_datetime`` of a year/month/day frame with
    ``errors="coerce"``, without its per-call cost: the month is counted from
    1970, the day added, and a day past the month's end (31 April) is NaT.
    """
    year, month, day = (np.asarray(x, dtype="int64") for x in (year, month, day))
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & \
        (year >= 1678) & (year <= 2261)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    dates = months.astype("datetime64[D]") + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    ok &= dates.astype("datetime64[M]") == months  # 31 April would run into May
    out = dates.astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def _fast_date_parts(value, era: str) -> tuple[int, int, int] | None:
    """(CE year, month, day) of a text in one of the two fast forms, else None.

    The fields are not checked: :func:`_dates_from_parts` (or ``_make_date``) does.
    """
    if not isinstance(value, str):
        return None
    m = _RE_FAST_ISO.fullmatch(value)
    if m:
        y, mo, d = m.groups()
        return _year_to_ce(y, era), int(mo), int(d)
    m = _RE_FAST_TH_ABBR.fullmatch(value)
    if m:
        d, name, y = m.groups()
        return _year_to_ce(y, era), _TH_ABBR_MONTH[name], int(d)
    return None


def _parse_date_text(text: str, era: str) -> pd.Timestamp:
    parts = _fast_date_parts(text, era)
    if parts is not None:
        return _make_date(*parts)
    text = clean_text(text)
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE_NUMBER).casefold()
    text = _RE_WEEKDAY_EN.sub("", _RE_WEEKDAY_TH.sub("", text, count=1), count=1)
    text = text.replace("เดือน", " ")
    text = _RE_TIME.sub("", text).strip()
    # An era written next to the year decides it.
    m = _RE_ERA_TH.search(text)
    if m:
        era = "be" if m.group(1).startswith("พ") else "ce"
        text = (text[:m.start()] + " " + text[m.end():]).strip()
    else:
        m = _RE_ERA_EN.search(text)
        if m:
            era = "be" if m.group(1).startswith("b") else "ce"
            text = (text[:m.start()] + " " + text[m.end():]).strip()
    text = re.sub(r"\s+", " ", text).strip(" ,")

    m = _RE_YMD.fullmatch(text)
    if m:
        y, mo, d = m.groups()
        return _make_date(_year_to_ce(y, era), int(mo), int(d))
    m = _RE_DMY.fullmatch(text)
    if m:
        d, mo, y = m.groups()
        if y is None:
            raise ParseError("the year is missing (write e.g. 7/7/2566)")
        return _make_date(_year_to_ce(y, era), int(mo), int(d))
    for pattern, order in ((_RE_D_NAME_Y, "dmy"), (_RE_NAME_D_Y, "mdy")):
        m = pattern.fullmatch(text)
        if not m:
            continue
        if order == "dmy":
            d, name, y = m.groups()
        else:
            name, d, y = m.groups()
        month = _MONTHS.get(_month_key(name))
        if month is None:
            if order == "mdy" or not _month_key(name) or not _RE_HAS_DIGIT.search(text):
                continue
            raise ParseError(f"unknown month name {name.strip(' .,-/')!r}; {DATE_EXPECTED}")
        if d is None:
            raise ParseError("the day is missing (write e.g. 7 ก.ค. 2566)")
        if y is None:
            raise ParseError("the year is missing (write e.g. 14 ก.ย. 2565)")
        return _make_date(_year_to_ce(y, era, english_month=month[1]), month[0], int(d))
    raise ParseError(DATE_EXPECTED)


def parse_date(value, *, era: str = "auto") -> pd.Timestamp:
    """Read a date written in BE or CE, numerically or with month names.

    Accepted forms (Thai digits allowed anywhere; an optional leading weekday
    or ``วันที่``, ``เดือน``, ``พ.ศ.``/``ค.ศ.`` and a trailing time are ignored):

    * spreadsheet cells: ``datetime``, ``date``, ``pandas.Timestamp``,
      ``numpy.datetime64``;
    * ISO, year first: ``2566-07-07``, ``2023-07-07``, ``2023/7/7``;
    * day first: ``7/7/2566``, ``07/07/66``, ``7-7-2023``, ``7.7.66``;
    * Thai month names, full, abbreviated or colloquial, with or without dots
      and spaces: ``7 กรกฎาคม 2566``, ``7 ก.ค. 66``, ``7 ก.ค.66``,
      ``14 กย. 2565``, ``๗ ก.ค. ๖๖``, ``7 กรกฎา 66``;
    * English month names: ``7 Jul 2023``, ``7-Jul-23``, ``July 7, 2023``.

    Parameters
    ----------
    value : object
        A cell value.
    era : {"auto", "be", "ce"}, default "auto"
        How written years are read (see Notes).

    Returns
    -------
    pandas.Timestamp
        The CE date at midnight; ``NaT`` when the value is blank.

    Raises
    ------
    ValueError
        Unreadable text, a missing year (``14 ก.ย.``), a date that does not
        exist (``31 ก.พ. 2566``), or a year outside 1678–2261 CE.

    Notes
    -----
    Era policy, ``era="auto"``: a 4-digit year ≥ 2400 is BE (CE = BE − 543),
    below 2400 it is CE; a 2-digit year ``yy`` is a short BE year 25yy (the
    way Thai writers abbreviate), except after an English month name where it
    is 20yy. ``era="be"``: every written year is BE (``yy`` → 25yy).
    ``era="ce"``: every written year is CE (``yy`` → 20yy). ``พ.ศ.``/``BE``
    and ``ค.ศ.``/``CE``/``AD`` next to the year override ``era``. Date objects
    from a spreadsheet keep their year, except that a year ≥ 2400 is BE.

    Examples
    --------
    >>> parse_date("7 ก.ค. 66")
    Timestamp('2023-07-07 00:00:00')
    >>> parse_date("๒๖ ธันวาคม ๒๕๖๔")
    Timestamp('2021-12-26 00:00:00')
    >>> parse_date("07/07/23", era="ce")
    Timestamp('2023-07-07 00:00:00')
    >>> import datetime
    >>> parse_date(datetime.datetime(2566, 7, 7, 10, 30))
    Timestamp('2023-07-07 00:00:00')
    """
    _check_era(era)
    if isinstance(value, str):
        if is_blank(value):
            return pd.NaT
        return _parse_date_text(value, era)
    if is_blank(value):
        return pd.NaT
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, (_dt.date, pd.Timestamp)):  # datetime is a date subclass
        return _date_from_object(value)
    raise ParseError(f"{DATE_EXPECTED}; got a value of type {type(value).__name__}")


# ---------------------------------------------------------------------------
# Categories: wave, sex, role, kind
# ---------------------------------------------------------------------------

def _label_key(value) -> str | None:
    """Matching key: cleaned, Thai digits Arabic, case-folded, no spaces/dots."""
    text = clean_id(value)
    if text is None:
        return None
    return re.sub(r"[\s._\-:()]", "", text.casefold())


def _wave_table() -> dict[str, str]:
    table: dict[str, str] = {}
    th_suffixes = ("", "เข้าร่วม", "เข้าร่วมโครงการ", "โครงการ", "ดำเนินโครงการ",
                   "การดำเนินโครงการ", "ดำเนินการ", "ทำโครงการ", "อบรม", "การอบรม")
    for stem, wave in (("ก่อน", "pre"), ("ระหว่าง", "during"), ("หลัง", "post"),
                       ("กลาง", "during")):
        for suffix in th_suffixes:
            table[stem + suffix] = wave
    english = {
        "pre": ("pre", "before", "baseline", "base", "pretest", "preprogram", "start"),
        "during": ("during", "mid", "midline", "midterm", "middle", "midpoint"),
        "post": ("post", "after", "endline", "end", "posttest", "postprogram", "final"),
    }
    for wave, words in english.items():
        for word in words:
            table[word] = wave
    for number, wave in zip("123", WAVES):
        for prefix in ("", "ครั้งที่", "ครั้ง", "รอบที่", "รอบ", "ระยะที่", "ระยะ",
                       "t", "wave", "round", "time", "r", "w"):
            table[prefix + number] = wave
    return table


_WAVE_KEYS = _wave_table()
WAVE_EXPECTED = ("unknown wave label; expected one of ก่อน/ระหว่าง/หลัง, pre/during/post, "
                 "before/mid/after, baseline/midline/endline, 1/2/3, ครั้งที่ 1/2/3, "
                 "รอบที่ 1/2/3 or T1/T2/T3")

_SEX_KEYS = {
    **dict.fromkeys(("หญิง", "ญ", "เพศหญิง", "f", "female", "woman", "women", "girl"), "F"),
    **dict.fromkeys(("ชาย", "ช", "เพศชาย", "m", "male", "man", "men", "boy"), "M"),
}
_TITLES = {"นาย", "นาง", "นางสาว", "น.ส.", "นส", "ด.ช.", "ดช", "ด.ญ.", "ดญ", "mr", "mrs",
           "ms", "miss"}
SEX_EXPECTED = "unknown sex label; expected ชาย/หญิง, ช/ญ, M/F or male/female"

_ROLE_KEYS = {
    **dict.fromkeys(("คณะทำงาน", "ทีมงาน", "ทีม", "แกนนำ", "ทีมทำงาน", "คณะกรรมการ",
                     "กรรมการ", "team", "workingteam", "teammember", "core", "coreteam",
                     "staff", "leader"), "team"),
    **dict.fromkeys(("กลุ่มเป้าหมาย", "เป้าหมาย", "สมาชิก", "สมาชิกกลุ่ม", "ผู้เข้าร่วม",
                     "ผู้เข้าร่วมโครงการ", "target", "targets", "targetgroup", "member",
                     "members", "participant", "participants", "beneficiary",
                     "beneficiaries"), "target"),
    **dict.fromkeys(("ครูพี่เลี้ยง", "พี่เลี้ยง", "ที่ปรึกษา", "mentor", "mentors", "coach",
                     "advisor", "adviser"), "mentor"),
}
ROLE_EXPECTED = ("unknown role; expected คณะทำงาน/ทีมงาน/แกนนำ (team), "
                 "กลุ่มเป้าหมาย/สมาชิก/ผู้เข้าร่วม (target) or ครูพี่เลี้ยง/พี่เลี้ยง (mentor)")

_KIND_KEYS = {
    **dict.fromkeys(("รายรับ", "รายได้", "รับ", "เงินรับ", "income", "revenue", "receipt",
                     "receipts", "in"), "income"),
    **dict.fromkeys(("รายจ่าย", "จ่าย", "ค่าใช้จ่าย", "เงินจ่าย", "expense", "expenses",
                     "expenditure", "spending", "out"), "expense"),
}
KIND_EXPECTED = "unknown entry kind; expected รายรับ/รายได้/รับ (income) or รายจ่าย/จ่าย (expense)"

_ARM_KEYS = {
    **dict.fromkeys(("โครงการ", "กลุ่มโครงการ", "พื้นที่โครงการ", "หมู่บ้านโครงการ",
                     "กลุ่มทดลอง", "ทดลอง", "ได้รับโครงการ", "เข้าร่วม", "program", "programme",
                     "treatment", "treated", "intervention"), "program"),
    **dict.fromkeys(("กลุ่มเปรียบเทียบ", "เปรียบเทียบ", "พื้นที่เปรียบเทียบ",
                     "หมู่บ้านเปรียบเทียบ", "กลุ่มควบคุม", "ควบคุม", "ไม่ได้รับโครงการ",
                     "ไม่เข้าร่วม", "comparison", "control", "comparisongroup",
                     "controlgroup"), "comparison"),
}
ARM_EXPECTED = ("unknown arm; expected โครงการ/กลุ่มทดลอง/program (program) or "
                "กลุ่มเปรียบเทียบ/กลุ่มควบคุม/comparison (comparison)")


def parse_wave(value) -> str | None:
    """Canonical wave: ``"pre"``, ``"during"`` or ``"post"``.

    Accepts ก่อน / ระหว่าง / หลัง, alone or followed by เข้าร่วม, โครงการ,
    ดำเนินโครงการ, อบรม (``ก่อนเข้าร่วมโครงการ``); pre/during/post,
    before/mid/after, baseline/midline/endline, pretest/posttest (any case);
    1/2/3 or ๑/๒/๓, alone or as ``ครั้งที่ 1``, ``รอบที่ 2``, ``T3``,
    ``wave 1``, ``round 2``. A number means the position in a three-wave
    design: ``2`` is ``during``.

    Returns
    -------
    str or None
        ``None`` when the value is blank.

    Examples
    --------
    >>> parse_wave("ก่อนเข้าร่วมโครงการ"), parse_wave("ครั้งที่ ๒"), parse_wave("Endline")
    ('pre', 'during', 'post')
    """
    key = _label_key(value)
    if key is None:
        return None
    try:
        return _WAVE_KEYS[key]
    except KeyError:
        raise ParseError(WAVE_EXPECTED) from None


def parse_sex(value) -> str | None:
    """``"F"`` or ``"M"`` from หญิง/ชาย, ญ/ช, F/M, female/male (any case).

    Name titles (นาย, นาง, นางสาว, Mr, Mrs) are rejected: they are not sex
    labels and guessing from them would hide a data-entry error.

    Examples
    --------
    >>> parse_sex("หญิง"), parse_sex("m"), parse_sex("Female")
    ('F', 'M', 'F')
    """
    key = _label_key(value)
    if key is None:
        return None
    try:
        return _SEX_KEYS[key]
    except KeyError:
        if key in _TITLES or key.replace(".", "") in _TITLES:
            raise ParseError("a name title (นาย/นาง/นางสาว) is not a sex label; "
                             "expected ชาย/หญิง or M/F") from None
        raise ParseError(SEX_EXPECTED) from None


def parse_role(value) -> str | None:
    """``"team"``, ``"target"`` or ``"mentor"``.

    คณะทำงาน, ทีมงาน, แกนนำ, team → team; กลุ่มเป้าหมาย, สมาชิก,
    ผู้เข้าร่วม, target, member, participant → target; ครูพี่เลี้ยง,
    พี่เลี้ยง, mentor, coach → mentor.

    Examples
    --------
    >>> parse_role("แกนนำ"), parse_role("สมาชิก"), parse_role("Mentor")
    ('team', 'target', 'mentor')
    """
    key = _label_key(value)
    if key is None:
        return None
    try:
        return _ROLE_KEYS[key]
    except KeyError:
        raise ParseError(ROLE_EXPECTED) from None


def parse_kind(value) -> str | None:
    """``"income"`` or ``"expense"`` for an account-book entry.

    รายรับ, รายได้, รับ, income → income; รายจ่าย, จ่าย, ค่าใช้จ่าย, expense →
    expense.

    Examples
    --------
    >>> parse_kind("รายรับ"), parse_kind("จ่าย"), parse_kind("Expense")
    ('income', 'expense', 'expense')
    """
    key = _label_key(value)
    if key is None:
        return None
    try:
        return _KIND_KEYS[key]
    except KeyError:
        raise ParseError(KIND_EXPECTED) from None


def parse_arm(value) -> str | None:
    """``"program"`` or ``"comparison"`` for a village's arm (blank: ``None``, a program village).

    โครงการ, กลุ่มทดลอง, program, treatment → program; กลุ่มเปรียบเทียบ,
    กลุ่มควบคุม, comparison, control → comparison.

    Examples
    --------
    >>> parse_arm("กลุ่มเปรียบเทียบ"), parse_arm("โครงการ"), parse_arm("Control")
    ('comparison', 'program', 'comparison')
    """
    key = _label_key(value)
    if key is None:
        return None
    try:
        return _ARM_KEYS[key]
    except KeyError:
        raise ParseError(ARM_EXPECTED) from None


# ---------------------------------------------------------------------------
# Display (moved): labels live in evaluation.i18n, formats in evaluation.formatting;
# the names stay importable from here.
# ---------------------------------------------------------------------------
_MOVED_TO_FORMATTING = ("format_baht", "format_number", "format_thai_date")
#: Whole-column parsing lives in evaluation.thai_series (it uses every parser above).
_MOVED_TO_SERIES = ("SERIES_KINDS", "parse_series")


def __getattr__(name: str):
    if name in _MOVED_TO_FORMATTING:
        from . import formatting

        return getattr(formatting, name)
    if name in _MOVED_TO_SERIES:
        from . import thai_series

        return getattr(thai_series, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
