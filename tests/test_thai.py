"""Tests for evaluation.thai: Thai-aware value normalisers and formatters.

Expected values are hand computations written beside each case: BE = CE + 543
(so BE 2566 = CE 2023), Thai digits ๐๑๒๓๔๕๖๗๘๙ = 0123456789, 2-digit BE years
25yy.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import evaluation
from evaluation import thai
from evaluation.thai import (
    KIND_LABELS,
    ROLE_LABELS,
    SEX_LABELS,
    WAVE_LABELS,
    clean_id,
    clean_text,
    format_baht,
    format_number,
    format_thai_date,
    label,
    parse_date,
    parse_int,
    parse_kind,
    parse_money,
    parse_number,
    parse_role,
    parse_series,
    parse_sex,
    parse_wave,
    thai_digits_to_arabic,
)

ZWSP, ZWJ, WJ, BOM, SHY, NBSP = "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u00a0"
TS = pd.Timestamp


def test_public_reexports():
    for name in ("parse_number", "parse_money", "parse_date", "parse_wave",
                 "format_thai_date", "format_baht"):
        assert getattr(evaluation, name) is getattr(thai, name)


# ---------------------------------------------------------------------------
# Blank values
# ---------------------------------------------------------------------------

BLANKS = [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "   ", "\t\n", ZWSP, f" {ZWSP}{NBSP}{BOM} "]


@pytest.mark.parametrize("value", BLANKS)
def test_blank_values(value):
    assert thai.is_blank(value)
    assert clean_text(value) is None
    assert clean_id(value) is None
    assert math.isnan(parse_number(value))
    assert math.isnan(parse_money(value))
    assert parse_int(value) is None
    assert parse_date(value) is pd.NaT
    assert parse_wave(value) is None
    assert parse_sex(value) is None
    assert parse_role(value) is None
    assert parse_kind(value) is None


@pytest.mark.parametrize("value", ["0", 0, "-", "x", 0.0])
def test_not_blank(value):
    assert not thai.is_blank(value)


# ---------------------------------------------------------------------------
# Text and ids
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("  กลุ่มน้ำพริก  ", "กลุ่มน้ำพริก"),
    (f"กลุ่ม{ZWSP}น้ำพริก", "กลุ่มน้ำพริก"),                 # zero-width space removed
    (f"ผักตบ{ZWJ}ชวา{WJ}{BOM}", "ผักตบชวา"),                 # joiner, word joiner, BOM
    (f"hya{SHY}cinth", "hyacinth"),                          # soft hyphen
    (f"บ้าน{NBSP}{NBSP}หนองบัว", "บ้าน หนองบัว"),               # NBSP -> one space
    ("a \t b\n\nc", "a b c"),                                # all whitespace collapses
    ("ก่่อน", "ก่อน"),                                        # doubled mai ek
    ("น้ำำ", "น้ำ"),                                          # doubled sara am
    ("ดีีี", "ดี"),                                           # tripled sara ii
    ("เเม่", "แม่"),                                          # two sara e typed for sara ae
    ("กํา", "กำ"),                                           # nikhahit + sara aa -> sara am
    ("นานา ๆ", "นานา ๆ"),                                     # legitimate text unchanged
    ("ไป ไหน มา", "ไป ไหน มา"),
    ("e\u0301", "\u00e9"),                                   # NFC composition
    (101.0, "101"),                                          # Excel float loses .0
    (12, "12"),
    (2.5, "2.5"),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("บรรทัด 1  \n\n\n\nบรรทัด 2", "บรรทัด 1\n\nบรรทัด 2"),   # blank-line run -> one blank line
    ("  a  b \r\n c ", "a b\nc"),                            # CRLF, per-line tidy
    (f"\n\n{ZWSP}ข้อความ\n", "ข้อความ"),
])
def test_clean_text_keep_newlines(raw, expected):
    assert clean_text(raw, keep_newlines=True) == expected


@pytest.mark.parametrize("raw, expected", [
    ("๐๑๒๓๔๕๖๗๘๙", "0123456789"),
    ("๔๐ ครัวเรือน", "40 ครัวเรือน"),
    ("ปี ๒๕๖๖", "ปี 2566"),
    ("abc", "abc"),
])
def test_thai_digits_to_arabic(raw, expected):
    assert thai_digits_to_arabic(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (101.0, "101"),            # Excel numeric id
    (101, "101"),
    (np.int64(7), "7"),
    ("007", "007"),            # leading zeros kept
    (" ๐๐๗ ", "007"),          # Thai digits, spaces
    (f"V{ZWSP}01", "V01"),
    ("HH-๐๑", "HH-01"),
    ("1.5", "1.5"),
])
def test_clean_id(raw, expected):
    assert clean_id(raw) == expected


# ---------------------------------------------------------------------------
# Numbers, money, integers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (1500, 1500.0),
    (2.5, 2.5),
    ("1500", 1500.0),
    ("1,500", 1500.0),
    ("1,500,000", 1_500_000.0),
    ("1 500", 1500.0),                 # space as thousands separator
    ("๑,๕๐๐", 1500.0),                 # Thai digits: ๑=1 ๕=5 ๐=0
    ("๑,๒๓๔.๕", 1234.5),
    (" -2.5 ", -2.5),
    ("+5", 5.0),
    ("- 5", -5.0),
    ("\u22125", -5.0),                 # Unicode minus sign
    (".5", 0.5),
    ("5.", 5.0),
    ("1e3", 1000.0),
    ("0012", 12.0),
    (f"1,{ZWSP}500", 1500.0),
    ("1,500.25", 1500.25),
])
def test_parse_number(raw, expected):
    assert parse_number(raw) == expected


def test_parse_number_nan_stays_nan():
    assert math.isnan(parse_number(float("nan")))


@pytest.mark.parametrize("raw, reason", [
    ("abc", ""),
    ("12 ครัวเรือน", ""),
    ("1,5,00", "groups of 3 digits"),
    ("15,00", "groups of 3 digits"),
    ("1.2.3", "more than one decimal point"),
    ("inf", ""),
    ("nan", ""),
    ("-", ""),
    (".", ""),
    ("1.5 หมื่น", ""),
    (True, "true/false"),
    (float("inf"), "infinite"),
    ([1], "type list"),
])
def test_parse_number_rejects(raw, reason):
    with pytest.raises(ValueError, match=r"^expected a number, e\.g\. 1500 or ๑,๕๐๐") as info:
        parse_number(raw)
    assert reason in str(info.value)


@pytest.mark.parametrize("raw, expected", [
    ("1,500 บาท", 1500.0),
    ("1500บาท", 1500.0),
    ("฿1,500", 1500.0),
    ("฿ 1,500", 1500.0),
    ("๑,๕๐๐.-", 1500.0),
    ("1,500.-", 1500.0),
    ("1,500.50", 1500.5),
    ("1,500.50 บาท", 1500.5),
    ("1,500.- บาท", 1500.0),
    ("1,500 บ.", 1500.0),
    ("100 บาทถ้วน", 100.0),
    ("THB 1,500", 1500.0),
    ("1,500 baht", 1500.0),
    ("1,500=", 1500.0),
    ("-200 บาท", -200.0),              # negative kept: the loader reports it
    ("-฿1,500", -1500.0),
    (250, 250.0),
    (99.75, 99.75),
])
def test_parse_money(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["บาท", "฿", "หนึ่งพันบาท", "1.5 หมื่น", "1,5,00 บาท", "ราคา 50"])
def test_parse_money_rejects(raw):
    with pytest.raises(ValueError, match=r"^expected an amount in baht"):
        parse_money(raw)


@pytest.mark.parametrize("raw, expected", [
    ("30", 30),
    ("๓๐", 30),
    (30.0, 30),
    (30, 30),
    ("30.0", 30),
    ("1,200", 1200),
    ("12345678901234567890", 12345678901234567890),   # exact, no float rounding
])
def test_parse_int(raw, expected):
    result = parse_int(raw)
    assert result == expected and isinstance(result, int)


@pytest.mark.parametrize("raw, reason", [
    (30.5, "fraction"),
    ("30.5", "fraction"),
    ("สามสิบ", ""),
    ("30 ปี", ""),
])
def test_parse_int_rejects(raw, reason):
    with pytest.raises(ValueError, match=r"^expected a whole number, e\.g\. 30 or ๓๐") as info:
        parse_int(raw)
    assert reason in str(info.value)


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("2566-07-07", TS(2023, 7, 7)),          # 4-digit ≥ 2400: BE, 2566 − 543 = 2023
    ("2023-07-07", TS(2023, 7, 7)),          # 4-digit < 2400: CE
    ("2023/7/7", TS(2023, 7, 7)),
    ("7/7/2566", TS(2023, 7, 7)),
    ("07/07/66", TS(2023, 7, 7)),            # 2-digit: BE 2566 -> 2023
    ("7-7-2023", TS(2023, 7, 7)),
    ("7.7.66", TS(2023, 7, 7)),
    ("7/8/2566", TS(2023, 8, 7)),            # day first: 7 August
    ("7 ก.ค. 66", TS(2023, 7, 7)),
    ("7 กรกฎาคม 2566", TS(2023, 7, 7)),
    ("7 กรกฏาคม 2566", TS(2023, 7, 7)),      # common misspelling ฏ
    ("26 ธ.ค. 2564", TS(2021, 12, 26)),      # 2564 − 543 = 2021
    ("26 ธันวาคม 2564", TS(2021, 12, 26)),
    ("14 กย. 2565", TS(2022, 9, 14)),        # abbreviation without dots
    ("14 ก. ย. 2565", TS(2022, 9, 14)),      # with spaces inside
    ("๗ ก.ค. ๖๖", TS(2023, 7, 7)),           # Thai digits
    ("7 ก.ค.66", TS(2023, 7, 7)),            # no space before the year
    ("7ก.ค.2566", TS(2023, 7, 7)),
    ("1 ม.ค. 67", TS(2024, 1, 1)),           # 2567 − 543 = 2024
    ("7 พ.ค. 66", TS(2023, 5, 7)),           # พ.ค. is May, not พ.ศ.
    ("7 ก.พ. 66", TS(2023, 2, 7)),
    ("7 พ.ย. 66", TS(2023, 11, 7)),
    ("7 กรกฎา 66", TS(2023, 7, 7)),          # colloquial short month
    ("วันที่ 7 ก.ค. 66", TS(2023, 7, 7)),
    ("วันจันทร์ที่ 7 ก.ค. 2566", TS(2023, 7, 7)),
    ("วันที่ ๗ เดือน กรกฎาคม พ.ศ. ๒๕๖๖", TS(2023, 7, 7)),
    ("29 ก.พ. 2567", TS(2024, 2, 29)),       # leap year checked after conversion (2024)
    ("7 Jul 2023", TS(2023, 7, 7)),
    ("7 July 2023", TS(2023, 7, 7)),
    ("7-Jul-23", TS(2023, 7, 7)),            # English month: 2-digit year is 20yy
    ("July 7, 2023", TS(2023, 7, 7)),
    ("Monday, 7 July 2023", TS(2023, 7, 7)),
    ("7 Sept 2023", TS(2023, 9, 7)),
    ("2023-07-07 00:00:00", TS(2023, 7, 7)),  # pandas/CSV timestamp text
    ("2023-07-07T10:30:00", TS(2023, 7, 7)),
    ("7/7/2566 10:30", TS(2023, 7, 7)),
    ("7 ก.ค. 2566 เวลา 10.30 น.", TS(2023, 7, 7)),
    (f"{ZWSP}7 ก.ค. 66 ", TS(2023, 7, 7)),
])
def test_parse_date(raw, expected):
    result = parse_date(raw)
    assert result == expected
    assert isinstance(result, pd.Timestamp)


@pytest.mark.parametrize("raw, expected", [
    (dt.datetime(2566, 7, 7), TS(2023, 7, 7)),          # Excel cell holding a BE year
    (dt.datetime(2566, 7, 7, 15, 45), TS(2023, 7, 7)),  # time dropped
    (dt.date(2564, 12, 26), TS(2021, 12, 26)),
    (dt.datetime(2023, 7, 7, 9, 0), TS(2023, 7, 7)),
    (dt.date(2023, 7, 7), TS(2023, 7, 7)),
    (TS("2023-07-07 13:00"), TS(2023, 7, 7)),
    (np.datetime64("2023-07-07T08:00"), TS(2023, 7, 7)),
])
def test_parse_date_objects(raw, expected):
    for era in ("auto", "be", "ce"):  # a date cell keeps its calendar whatever era says
        assert parse_date(raw, era=era) == expected


@pytest.mark.parametrize("raw, era, expected", [
    ("07/07/66", "auto", TS(2023, 7, 7)),     # 2566 BE
    ("07/07/66", "be", TS(2023, 7, 7)),
    ("07/07/66", "ce", TS(2066, 7, 7)),       # 20yy under era="ce"
    ("07/07/23", "auto", TS(1980, 7, 7)),     # 2523 − 543 = 1980 (documented policy)
    ("07/07/23", "ce", TS(2023, 7, 7)),
    ("7 ก.ค. 2566", "be", TS(2023, 7, 7)),
    ("2023-07-07", "ce", TS(2023, 7, 7)),
    ("2399-01-01", "auto", None),             # < 2400: CE 2399, outside Timestamp range
    ("2400-01-01", "auto", TS(1857, 1, 1)),   # ≥ 2400: BE, 2400 − 543 = 1857
    ("2200-01-01", "be", None),               # 2200 − 543 = 1657 CE, out of range
    ("7 ก.ค. พ.ศ. 2566", "ce", TS(2023, 7, 7)),  # written era marker wins
    ("7 July 2023 AD", "be", TS(2023, 7, 7)),
    ("7 ก.ค. 2566 BE", "ce", TS(2023, 7, 7)),
    ("7 Jul 66", "auto", TS(2066, 7, 7)),     # English month: 20yy
    ("7 Jul 66", "be", TS(2023, 7, 7)),
])
def test_parse_date_era(raw, era, expected):
    if expected is None:
        with pytest.raises(ValueError, match="outside the supported range"):
            parse_date(raw, era=era)
    else:
        assert parse_date(raw, era=era) == expected


@pytest.mark.parametrize("raw, era, message", [
    ("14 กย.", "auto", "the year is missing"),
    ("7/7", "auto", "the year is missing"),
    ("กรกฎาคม 2566", "auto", "the day is missing"),
    ("31 ก.พ. 2566", "auto", "day 31 does not exist in February 2023"),
    ("29 ก.พ. 2566", "auto", "day 29 does not exist in February 2023"),  # 2023 not leap
    ("31/04/2566", "auto", "day 31 does not exist in April 2023"),
    ("12/31/2023", "auto", "month 31 does not exist (dates are read day first"),
    ("7 ก.ค. 123", "auto", "should have 4 digits"),
    ("7 foo 2566", "auto", "unknown month name 'foo'"),
    ("hello", "auto", "expected a date, e.g. 7 ก.ค. 2566"),
    ("2566-07-07", "ce", "2566 CE is outside the supported range"),
    ("2023-07-07", "be", "1480 CE is outside the supported range"),   # 2023 − 543
    (45114, "auto", "type int"),
    (1.5, "auto", "type float"),
])
def test_parse_date_rejects(raw, era, message):
    with pytest.raises(ValueError) as info:
        parse_date(raw, era=era)
    assert message in str(info.value)


def test_parse_date_bad_era_argument():
    with pytest.raises(ValueError, match=r"era must be one of 'auto', 'be', 'ce'; got 'bc'"):
        parse_date("7/7/2566", era="bc")


# ---------------------------------------------------------------------------
# Waves, sex, role, kind
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("ก่อน", "pre"), ("ก่อนเข้าร่วม", "pre"), ("ก่อนโครงการ", "pre"),
    ("ก่อนเข้าร่วมโครงการ", "pre"), ("ก่อน ดำเนินโครงการ", "pre"),
    ("ระหว่าง", "during"), ("ระหว่างโครงการ", "during"), ("ระหว่างดำเนินโครงการ", "during"),
    ("หลัง", "post"), ("หลังโครงการ", "post"), ("หลังเข้าร่วม", "post"),
    ("pre", "pre"), ("PRE", "pre"), ("During", "during"), ("post", "post"),
    ("before", "pre"), ("mid", "during"), ("After", "post"),
    ("baseline", "pre"), ("Midline", "during"), ("endline", "post"), ("Pre-test", "pre"),
    ("1", "pre"), ("2", "during"), ("3", "post"),
    (1, "pre"), (2.0, "during"), (np.int64(3), "post"),
    ("๑", "pre"), ("๒", "during"), ("๓", "post"),
    ("ครั้งที่ 1", "pre"), ("ครั้งที่ ๒", "during"), ("ครั้งที่3", "post"),
    ("รอบที่ 1", "pre"), ("รอบ 2", "during"),
    ("T1", "pre"), ("t2", "during"), ("T3", "post"), ("Wave 2", "during"),
    (f" ก่อน{ZWSP} ", "pre"),
])
def test_parse_wave(raw, expected):
    assert parse_wave(raw) == expected


@pytest.mark.parametrize("raw", ["4", "0", "ครั้งที่ 4", "T4", "x", "ก่อนหลัง", "1.5"])
def test_parse_wave_rejects(raw):
    with pytest.raises(ValueError, match="^unknown wave label; expected one of ก่อน/ระหว่าง/หลัง"):
        parse_wave(raw)


@pytest.mark.parametrize("raw, expected", [
    ("หญิง", "F"), ("ชาย", "M"), ("ญ", "F"), ("ช", "M"), ("ญ.", "F"),
    ("F", "F"), ("f", "F"), ("M", "M"), ("m", "M"),
    ("female", "F"), ("Male", "M"), ("FEMALE", "F"), (" หญิง ", "F"), ("เพศชาย", "M"),
])
def test_parse_sex(raw, expected):
    assert parse_sex(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("นาย", "a name title (นาย/นาง/นางสาว) is not a sex label"),
    ("นาง", "a name title"),
    ("นางสาว", "a name title"),
    ("น.ส.", "a name title"),
    ("Mr.", "a name title"),
    ("x", "unknown sex label; expected ชาย/หญิง, ช/ญ, M/F or male/female"),
    ("1", "unknown sex label"),
])
def test_parse_sex_rejects(raw, message):
    with pytest.raises(ValueError) as info:
        parse_sex(raw)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("raw, expected", [
    ("คณะทำงาน", "team"), ("ทีมงาน", "team"), ("แกนนำ", "team"), ("Team", "team"),
    ("working team", "team"),
    ("กลุ่มเป้าหมาย", "target"), ("สมาชิก", "target"), ("ผู้เข้าร่วม", "target"),
    ("target", "target"), ("Member", "target"), ("participants", "target"),
    ("ครูพี่เลี้ยง", "mentor"), ("พี่เลี้ยง", "mentor"), ("MENTOR", "mentor"),
])
def test_parse_role(raw, expected):
    assert parse_role(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("รายรับ", "income"), ("รายได้", "income"), ("รับ", "income"), ("Income", "income"),
    ("รายจ่าย", "expense"), ("จ่าย", "expense"), ("ค่าใช้จ่าย", "expense"),
    ("expense", "expense"), ("EXPENSES", "expense"),
])
def test_parse_kind(raw, expected):
    assert parse_kind(raw) == expected


@pytest.mark.parametrize("func, raw, message", [
    (parse_role, "ประธาน", "unknown role; expected คณะทำงาน"),
    (parse_role, "x", "unknown role"),
    (parse_kind, "ยืม", "unknown entry kind; expected รายรับ"),
    (parse_kind, "1", "unknown entry kind"),
])
def test_role_kind_reject(func, raw, message):
    with pytest.raises(ValueError) as info:
        func(raw)
    assert str(info.value).startswith(message)


# ---------------------------------------------------------------------------
# parse_series
# ---------------------------------------------------------------------------

def _check_errors(errors, bad_positions, message_start):
    """The error Series marks exactly the cells at ``bad_positions``."""
    assert errors.dtype == object
    flagged = [i for i, e in enumerate(errors) if e is not None]
    assert flagged == bad_positions
    for i in bad_positions:
        assert errors.iloc[i].startswith(message_start)


@pytest.mark.parametrize("dtype", [object, "str"])
def test_series_number(dtype):
    raw = pd.Series(["1,500", "2", None, "", "x", "๓", "  ", "4.5", "1.2.3", "-7"],
                    dtype=dtype, index=range(10, 20))
    values, errors = parse_series(raw, "number")
    assert values.dtype == "float64"
    assert values.index.equals(raw.index) and errors.index.equals(raw.index)
    expected = [1500, 2, np.nan, np.nan, np.nan, 3, np.nan, 4.5, np.nan, -7]  # ๓ = 3
    np.testing.assert_array_equal(values.to_numpy(), np.array(expected, dtype=float))
    _check_errors(errors, [4, 8], "expected a number")


def test_series_number_mixed_excel_objects():
    raw = pd.Series([12, 2.5, "3", None, True, dt.datetime(2020, 1, 1), "๔,๐๐๐"], dtype=object)
    values, errors = parse_series(raw, "number")
    np.testing.assert_array_equal(values.to_numpy(), [12, 2.5, 3, np.nan, np.nan, np.nan, 4000])
    _check_errors(errors, [4, 5], "expected a number")


def test_series_number_numeric_dtype():
    raw = pd.Series([1.0, np.nan, np.inf, 4.0])
    values, errors = parse_series(raw, "number")
    np.testing.assert_array_equal(values.to_numpy(), [1.0, np.nan, np.nan, 4.0])
    _check_errors(errors, [2], "expected a number")


def test_series_money():
    raw = pd.Series(["1,500 บาท", "๑,๕๐๐.-", "฿200", "-50", "lots", None, 300])
    values, errors = parse_series(raw.astype(object), "money")
    np.testing.assert_array_equal(values.to_numpy(), [1500, 1500, 200, -50, np.nan, np.nan, 300])
    _check_errors(errors, [4], "expected an amount in baht")


def test_series_int():
    raw = pd.Series(["30", "๓๐", 30.0, 30.5, "x", None, "1e20", "-4"], dtype=object)
    values, errors = parse_series(raw, "int")
    assert values.dtype == "Int64"
    assert values.tolist() == [30, 30, 30, pd.NA, pd.NA, pd.NA, pd.NA, -4]
    _check_errors(errors, [3, 4, 6], "expected a whole number")
    assert errors[3].endswith("got a fraction")
    assert errors[6].endswith("too large")          # 1e20 > 2**63 − 1


def test_series_date():
    raw = pd.Series([dt.datetime(2566, 7, 7), "7 ก.ค. 66", None, "bad", TS("2023-01-02 10:00"),
                     dt.date(2023, 1, 1), "14 กย.", "7 ก.ค. 66"], dtype=object, index=list("abcdefgh"))
    values, errors = parse_series(raw, "date")
    assert values.dtype == "datetime64[ns]"
    assert values.index.equals(raw.index)
    expected = [TS(2023, 7, 7), TS(2023, 7, 7), pd.NaT, pd.NaT, TS(2023, 1, 2), TS(2023, 1, 1),
                pd.NaT, TS(2023, 7, 7)]
    assert values.tolist() == expected
    assert [i for i, e in enumerate(errors) if e is not None] == [3, 6]
    assert "year is missing" in errors["g"]


def test_series_date_era_and_datetime_dtype():
    values, _ = parse_series(pd.Series(["07/07/66"]), "date", era="ce")
    assert values[0] == TS(2066, 7, 7)
    dtv = pd.Series(pd.to_datetime(["2023-07-07 10:00", None]))
    values, errors = parse_series(dtv, "date")
    assert values.dtype == "datetime64[ns]"
    assert values[0] == TS(2023, 7, 7) and values.isna()[1]
    assert errors.isna().all()


def test_series_wave():
    raw = pd.Series(["ก่อน", "หลัง", None, "x", 2, "ครั้งที่ 2", "baseline", "4"])
    values, errors = parse_series(raw.astype(object), "wave")
    assert isinstance(values.dtype, pd.CategoricalDtype)
    assert values.cat.ordered and list(values.cat.categories) == ["pre", "during", "post"]
    assert values.tolist()[:2] == ["pre", "post"]
    assert values.isna().tolist() == [False, False, True, True, False, False, False, True]
    assert values.tolist()[4:7] == ["during", "during", "pre"]
    # ordered categorical: pre < during < post
    assert values.iloc[[1, 4, 0]].sort_values().tolist() == ["pre", "during", "post"]
    assert (values.iloc[[0, 4]] < "post").all()
    _check_errors(errors, [3, 7], "unknown wave label")


@pytest.mark.parametrize("kind, raw, expected, bad", [
    ("sex", ["หญิง", "M", "นาย", None, "ช"], ["F", "M", None, None, "M"], [2]),
    ("role", ["แกนนำ", "สมาชิก", "?", "ครูพี่เลี้ยง"], ["team", "target", None, "mentor"], [2]),
    ("kind", ["รายรับ", "จ่าย", "", "โอน"], ["income", "expense", None, None], [3]),
    ("id", [101.0, " ๐๐๗ ", None, "V01", f"P{ZWSP}1"], ["101", "007", None, "V01", "P1"], []),
    ("text", ["  a  b ", "น้ำำ", "", "x\n\n\ny"], ["a b", "น้ำ", None, "x\n\ny"], []),
])
def test_series_labels_ids_text(kind, raw, expected, bad):
    values, errors = parse_series(pd.Series(raw, dtype=object), kind)
    assert values.dtype == object
    assert values.tolist() == expected
    assert [i for i, e in enumerate(errors) if e is not None] == bad


def test_series_id_string_dtype_fast_path():
    raw = pd.Series(["P001", " P002", "๐๐๓", None, "A B"], dtype="str")
    values, errors = parse_series(raw, "id")
    assert values.tolist() == ["P001", "P002", "003", None, "A B"]
    assert errors.isna().all()
    values, _ = parse_series(pd.Series([7, 8]), "id")
    assert values.tolist() == ["7", "8"]


def test_series_bad_kind():
    with pytest.raises(ValueError, match=r"kind must be one of 'id', .*; got 'money2'"):
        parse_series(pd.Series(["1"]), "money2")


def test_series_numbers_at_a_million_values():
    # vectorised parsing of a million values (its speed is part of benchmarks/bench_load.py)
    rng = np.random.default_rng(1)
    raw = pd.Series(rng.integers(0, 100_000, 1_000_000).astype(str))
    values, errors = parse_series(raw, "number")
    np.testing.assert_array_equal(values.to_numpy(), raw.astype(float).to_numpy())
    assert errors.isna().all()


def test_series_dates_at_a_million_values():
    rng = np.random.default_rng(2)
    days = pd.date_range("2020-01-01", periods=1000)
    abbr = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
            "พ.ย.", "ธ.ค."]
    text = np.array([f"{d.day} {abbr[d.month - 1]} {d.year + 543}" for d in days])
    pick = rng.integers(0, 1000, 1_000_000)
    values, errors = parse_series(pd.Series(text[pick]), "date")
    np.testing.assert_array_equal(values.to_numpy(), days.to_numpy()[pick])  # BE − 543
    assert errors.isna().all()


# ---------------------------------------------------------------------------
# Formatting and labels
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, style, lang, expected", [
    (TS(2023, 7, 7), "short", "th", "7 ก.ค. 2566"),      # 2023 + 543
    (TS(2023, 7, 7), "long", "th", "7 กรกฎาคม 2566"),
    (TS(2023, 7, 7), "iso", "th", "2566-07-07"),
    (TS(2023, 7, 7), "short", "en", "7 Jul 2023"),
    (TS(2023, 7, 7), "long", "en", "7 July 2023"),
    (TS(2023, 7, 7), "iso", "en", "2023-07-07"),
    (TS(2021, 12, 26), "short", "th", "26 ธ.ค. 2564"),
    (dt.date(2024, 2, 29), "long", "th", "29 กุมภาพันธ์ 2567"),
    (dt.datetime(2566, 1, 1), "short", "th", "1 ม.ค. 2566"),   # BE-year Excel cell
    ("7/7/66", "short", "en", "7 Jul 2023"),
    (pd.NaT, "short", "th", "–"),
    (None, "long", "en", "–"),
])
def test_format_thai_date(value, style, lang, expected):
    assert format_thai_date(value, style=style, lang=lang) == expected


@pytest.mark.parametrize("kwargs, message", [
    ({"style": "full"}, "style must be one of 'short', 'long', 'iso'; got 'full'"),
    ({"lang": "fr"}, "lang must be one of 'th', 'en'; got 'fr'"),
])
def test_format_thai_date_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        format_thai_date(TS(2023, 7, 7), **kwargs)


@pytest.mark.parametrize("value, kwargs, expected", [
    (1500, {}, "1,500 บาท"),
    (1500, {"lang": "en"}, "1,500 baht"),
    (1500.5, {"decimals": 2}, "1,500.50 บาท"),
    (1234567.891, {"decimals": 2, "unit": False}, "1,234,567.89"),
    (-200, {}, "-200 บาท"),
    (float("nan"), {}, "–"),
    (None, {"lang": "en"}, "–"),
])
def test_format_baht(value, kwargs, expected):
    assert format_baht(value, **kwargs) == expected


@pytest.mark.parametrize("value, decimals, expected", [
    (1500, 0, "1,500"),
    (1499.6, 0, "1,500"),
    (0.125, 2, "0.12"),        # binary 0.125 is exact; round-half-even gives 0.12
    (-1234.567, 1, "-1,234.6"),
    (np.nan, 0, "–"),
])
def test_format_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize("kind, value, lang, expected", [
    ("wave", "pre", "th", "ก่อน"), ("wave", "post", "en", "After"),
    ("sex", "F", "th", "หญิง"), ("sex", "M", "en", "Male"),
    ("role", "mentor", "th", "ครูพี่เลี้ยง"), ("role", "team", "en", "Working team"),
    ("kind", "expense", "th", "รายจ่าย"), ("kind", "income", "en", "Income"),
    ("wave", None, "th", "–"),
])
def test_label(kind, value, lang, expected):
    assert label(kind, value, lang=lang) == expected


def test_label_tables_complete():
    for table, keys in ((WAVE_LABELS, {"pre", "during", "post"}), (SEX_LABELS, {"F", "M"}),
                        (ROLE_LABELS, {"team", "target", "mentor"}),
                        (KIND_LABELS, {"income", "expense"})):
        assert set(table) == {"th", "en"}
        assert set(table["th"]) == keys == set(table["en"])


@pytest.mark.parametrize("args, kwargs, message", [
    (("colour", "pre"), {}, "kind must be one of 'wave', 'sex', 'role', 'kind'; got 'colour'"),
    (("wave", "middle"), {}, "value must be one of 'pre', 'during', 'post' for kind='wave'"),
    (("sex", "F"), {"lang": "de"}, "lang must be one of 'th', 'en'; got 'de'"),
])
def test_label_rejects(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        label(*args, **kwargs)


@pytest.mark.parametrize("value", ["1,500 บาท", "๑,๕๐๐.-", 1500, "฿1,500.00"])
def test_money_round_trip(value):
    # format(parse(x)) gives the canonical report form.
    assert format_baht(parse_money(value)) == "1,500 บาท"


@pytest.mark.parametrize("value", ["7 ก.ค. 66", "2566-07-07", "07/07/2566", "7 Jul 2023"])
def test_date_round_trip(value):
    assert format_thai_date(parse_date(value)) == "7 ก.ค. 2566"


def _pythainlp_repairs(text: str) -> str:
    """What clean_text repaired before its fast path: pythainlp's two functions, always."""
    from pythainlp.util import remove_repeat_vowels, remove_spaces_before_marks

    return remove_repeat_vowels(remove_spaces_before_marks(text))


def test_thai_mark_repair_fast_path_changes_nothing():
    # The fast path skips pythainlp when its trigger regex finds nothing to repair; on
    # 20,000 random strings drawn from every Thai code point and space (so doubled marks,
    # marks after spaces, nikhahit, lakkhangyao and tone/vowel orders all occur), the
    # result must equal the unconditional repair.
    rng = np.random.default_rng(2566)
    alphabet = [chr(c) for c in range(0x0E01, 0x0E5C)] + [" ", "a", "1"]
    skipped = repaired = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(1, 9))))
        if not thai._mark_fix_trigger().search(text):
            skipped += 1
        else:
            repaired += 1
        assert thai._fix_thai_marks(text) == _pythainlp_repairs(text), repr(text)
    assert skipped > 1_000 and repaired > 1_000  # both paths were exercised


@pytest.mark.parametrize("text", ["น้ำำ", "ก่่อน", "เเปลก", "พ ุ่ม", "กํา", "ก้ำ", "ก่้", "นาา",
                                  "ก\u0e48\u0e34", "ฤๅษี", "กๅ", "ดี ี", "ผู้เข้าร่วมทำบัญชี"])
def test_thai_mark_repair_known_cases(text):
    assert thai._fix_thai_marks(text) == _pythainlp_repairs(text)


def _slow_parse_date(text: str, era: str):
    """parse_date by the general rules only (the fast forms switched off)."""
    import re as _re

    saved = thai._RE_FAST_ISO, thai._RE_FAST_TH_ABBR
    thai._RE_FAST_ISO = thai._RE_FAST_TH_ABBR = _re.compile(r"(?!)")  # never matches
    try:
        return parse_date(text, era=era)
    except ValueError as exc:
        return f"error: {exc}"
    finally:
        thai._RE_FAST_ISO, thai._RE_FAST_TH_ABBR = saved


def _fast_parse_date(text: str, era: str):
    try:
        return parse_date(text, era=era)
    except ValueError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("era", ["auto", "be", "ce"])
def test_parse_date_fast_forms_agree_with_general_rules(era):
    # Every ISO and "day abbreviated-month year" date the fast path reads must give what
    # the general rules give (same date, or the same error), including impossible days,
    # month 0 and 13, Buddhist- and Christian-era years and years out of range.
    rng = np.random.default_rng(7)
    months = thai._TH_MONTHS_ABBR
    texts = []
    for _ in range(600):
        y = int(rng.choice([1600, 1999, 2023, 2024, 2399, 2400, 2566, 2567, 2800, 9999]))
        mo, d = int(rng.integers(0, 14)), int(rng.integers(0, 33))
        texts.append(f"{y}-{mo:02d}-{d:02d}")
        texts.append(f"{y}-{mo}-{d}")
        if 1 <= mo <= 12:
            texts.append(f"{d} {months[mo - 1]} {y}")
    fast_forms = sum(bool(thai._RE_FAST_ISO.fullmatch(t) or thai._RE_FAST_TH_ABBR.fullmatch(t))
                     for t in texts)
    assert fast_forms == len(texts)
    for text in texts:
        assert _fast_parse_date(text, era) == _slow_parse_date(text, era), text


def test_dates_from_parts_equals_pandas_to_datetime():
    import itertools

    from evaluation.thai import _dates_from_parts

    # Reference: pandas.to_datetime(DataFrame(year, month, day), errors="coerce"), which the
    # month-first reading of ambiguous dates used before; every month 0-13 and day 0-32 of
    # ordinary, leap and century years inside the supported range 1678-2261.
    years = [1678, 1900, 2000, 2023, 2024, 2100, 2261]
    y, m, d = map(np.array, zip(*itertools.product(years, range(14), range(33))))
    expected = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d}),
                              errors="coerce").to_numpy(dtype="datetime64[ns]")
    got = _dates_from_parts(y, m, d)
    assert got.dtype == np.dtype("datetime64[ns]")
    np.testing.assert_array_equal(np.isnat(got), np.isnat(expected))
    np.testing.assert_array_equal(got[~np.isnat(got)], expected[~np.isnat(expected)])
    assert np.isnat(got).sum() > 600  # impossible dates were part of the test


@pytest.mark.parametrize("era", ["auto", "be", "ce"])
def test_parse_series_dates_equal_parse_date_cell_by_cell(era):
    # parse_series reads the common forms in one numpy step; every cell must equal
    # parse_date of that cell (value and error message), bad and blank cells included.
    from evaluation.thai_series import parse_series

    rng = np.random.default_rng(11)
    months = thai._TH_MONTHS_ABBR
    cells = [None, "", "  ", "31/4/2566", "7 ก.ค. 66", "๗ ก.ค. ๒๕๖๖", "2566-02-29", "2567-02-29",
             "1600-01-01", "x", dt.date(2023, 7, 7)]
    for _ in range(300):
        y = int(rng.choice([1677, 2023, 2024, 2261, 2262, 2566, 2567, 2805]))
        mo, d = int(rng.integers(0, 14)), int(rng.integers(0, 33))
        cells.append(f"{y}-{mo:02d}-{d:02d}")
        if 1 <= mo <= 12:
            cells.append(f"{d} {months[mo - 1]} {y}")
    values, errors = parse_series(pd.Series(cells, dtype=object), "date", era=era)
    for cell, value, error in zip(cells, values, errors):
        try:
            expected, expected_error = parse_date(cell, era=era), None
        except ValueError as exc:
            expected, expected_error = pd.NaT, str(exc)
        assert (value is pd.NaT and expected is pd.NaT) or value == expected, cell
        assert error == expected_error, cell
    assert errors.notna().sum() > 100 and values.notna().sum() > 100
