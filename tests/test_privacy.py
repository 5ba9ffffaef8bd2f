"""Tests for evaluation.privacy. All names, numbers and addresses are invented."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.privacy import (
    DEFAULT_TITLES,
    PII_REPORT_COLUMNS,
    names_from_participants,
    pii_report,
    redact_frame,
    redact_pii,
    thai_id_valid,
)

THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def check_digit(first12: str) -> str:
    """Reference: s = sum(d_i * (14 - i), i = 1..12); check = (11 - s mod 11) mod 10."""
    s = sum(int(d) * (14 - i) for i, d in enumerate(first12, start=1))
    return str((11 - s % 11) % 10)


# Hand check of the first one: digits 1 1 0 3 7 0 2 2 9 8 4 7 with weights 13..2:
# 13 + 12 + 0 + 30 + 63 + 0 + 14 + 12 + 45 + 32 + 12 + 14 = 247; 247 mod 11 = 5;
# (11 - 5) mod 10 = 6  ->  1103702298476
VALID_IDS = [b + check_digit(b) for b in ("110370229847", "310100012345", "570990004321")]
assert VALID_IDS[0] == "1103702298476"


def wrong_check(valid: str) -> str:
    return valid[:12] + str((int(valid[12]) + 1) % 10)


def dashed(d: str, sep: str = "-") -> str:
    return sep.join([d[0], d[1:5], d[5:10], d[10:12], d[12]])


# ---------------------------------------------------------------- ID check
@pytest.mark.parametrize("value", VALID_IDS + [dashed(VALID_IDS[1]), VALID_IDS[2].translate(THAI),
                                               dashed(VALID_IDS[0], " ")])
def test_thai_id_valid(value):
    assert thai_id_valid(value)


@pytest.mark.parametrize("value", [wrong_check(v) for v in VALID_IDS]
                         + ["123", "11037022984760", "abcdefghijklm", ""])
def test_thai_id_invalid(value):
    assert not thai_id_valid(value)


@pytest.mark.parametrize("form", [
    lambda d: d, dashed, lambda d: dashed(d, " "), lambda d: d.translate(THAI),
    lambda d: dashed(d).translate(THAI),
])
def test_redact_valid_id_in_any_form(form):
    written = form(VALID_IDS[1])
    out = redact_pii(f"เลขบัตรประชาชน {written} ของสมาชิก")
    assert out == "เลขบัตรประชาชน [เลขบัตร-1] ของสมาชิก"


@pytest.mark.parametrize("form", [lambda d: d, dashed, lambda d: d.translate(THAI)])
def test_invalid_checksum_not_masked(form):
    written = form(wrong_check(VALID_IDS[1]))
    text = f"รหัสเอกสาร {written} ของสมาชิก"
    assert redact_pii(text) == text


# ------------------------------------------------------------------ phones
@pytest.mark.parametrize("phone, rule", [
    ("081-234-5678", "phone_mobile"),
    ("0812345678", "phone_mobile"),
    ("089 765 4321", "phone_mobile"),
    ("06-1234-5678", "phone_mobile"),
    ("๐๙๑๒๓๔๕๖๗๘", "phone_mobile"),
    ("02-123-4567", "phone_landline"),
    ("053-123-456", "phone_landline"),
    ("(02) 123 4567", "phone_landline"),
    ("+66 81 234 5678", "phone_+66"),
    ("+66812345678", "phone_+66"),
    ("+66-2-123-4567", "phone_+66"),
])
def test_phone_formats(phone, rule):
    text = f"ติดต่อ {phone} ได้ทุกวัน"
    rep = pii_report(text)
    assert rep["kind"].tolist() == ["phone"]
    assert rep["rule"].tolist() == [rule]
    assert rep.loc[0, "value"] == phone
    assert redact_pii(text) == "ติดต่อ [โทร-1] ได้ทุกวัน"


@pytest.mark.parametrize("text", [
    "ออมได้ 1,500 บาท จาก 20 คน",     # money and counts
    "ประชุมวันที่ 12-02-2565",         # a date with dashes: 8 digits
    "ปี 2566 มีสมาชิก 35 คน",
    "เลขที่ 0123 45",                 # too few digits for a phone
])
def test_numbers_that_are_not_phones(text):
    assert redact_pii(text) == text


# ------------------------------------------------------------------ emails
def test_email():
    text = "ส่งรายงานถึง malee.h@example.org หรือ Malee.H@example.org"
    rep = pii_report(text)
    assert rep["kind"].tolist() == ["email", "email"]
    assert redact_pii(text) == "ส่งรายงานถึง [อีเมล-1] หรือ [อีเมล-1]"  # same address, same token


# ------------------------------------------------------------------- names
@pytest.mark.parametrize("text, expected", [
    ("นายสมปอง รักดี เป็นเหรัญญิก", "[ชื่อ-1] เป็นเหรัญญิก"),            # no space after title
    ("นาย สมปอง รักดี เป็นเหรัญญิก", "[ชื่อ-1] เป็นเหรัญญิก"),           # a space after title
    ("นางสาวแก้วตา ทองมา ดูแลบัญชี", "[ชื่อ-1] ดูแลบัญชี"),
    ("น.ส.แก้วตา ทองมา ดูแลบัญชี", "[ชื่อ-1] ดูแลบัญชี"),
    ("ด.ช.ต้นกล้า ช่วยแม่ขายของ", "[ชื่อ-1] ช่วยแม่ขายของ"),
    ("ด.ญ.ใบเตย ช่วยจดบัญชี", "[ชื่อ-1] ช่วยจดบัญชี"),
    ("ร่วมกับนางบุญมี ใจงาม, ผู้ใหญ่บ้าน", "ร่วมกับ[ชื่อ-1], ผู้ใหญ่บ้าน"),  # stop at punctuation
    ("นางบุญมีเล่าว่าออมทุกวัน", "[ชื่อ-1]เล่าว่าออมทุกวัน"),                # cut before เล่า
    ("นางสมศรี มีสุข เป็นประธาน", "[ชื่อ-1] เป็นประธาน"),                  # surname starting มี
    ("นายสมปอง เป็นประธานกลุ่ม", "[ชื่อ-1] เป็นประธานกลุ่ม"),             # no surname: verb
    ("Mrs Malee Hom joined, Mr Dang too", "[ชื่อ-1] joined, [ชื่อ-2] too"),
    ("ผญบ.ประเสริฐ เปิดประชุม", "[ชื่อ-1] เปิดประชุม"),
])
def test_names_after_titles(text, expected):
    assert redact_pii(text) == expected


@pytest.mark.parametrize("text", [
    "นายก อบต. มาเปิดงาน",
    "นายกอบต.มาเปิดงาน",
    "ทนายความให้คำปรึกษาเรื่องหนี้",
    "ขายหอยนางรมได้ดี",
    "ชาวนายากจนมีหนี้มาก",
    "อ.เมือง จ.พะเยา",            # อ. is not a title by default (it is also อำเภอ)
    "คุณอำนวยสรุปประเด็น",          # คุณ is not a title by default (KM role)
    "นายทุนปล่อยเงินกู้นอกระบบ",
])
def test_not_names(text):
    assert redact_pii(text) == text


def test_extra_title():
    assert redact_pii("อ.สมหญิง มาช่วย", titles=DEFAULT_TITLES + ("อ.",)) == "[ชื่อ-1] มาช่วย"


def test_stable_tokens_within_text():
    text = ("นางสาวแก้วตา ทองมา โทร 081-234-5678 ส่วนนายสมปอง รักดี โทร 0899999999 "
            "ต่อมานางสาวแก้วตาเล่าว่า โทรกลับที่ 081 234 5678")
    out = redact_pii(text)
    assert out == ("[ชื่อ-1] โทร [โทร-1] ส่วน[ชื่อ-2] โทร [โทร-2] "
                   "ต่อมา[ชื่อ-1]เล่าว่า โทรกลับที่ [โทร-1]")


def test_participant_names_everywhere():
    names = ["นางสาวแก้วตา ทองมา", "นายสมปอง รักดี"]
    text = ("แก้วตา ทองมาเป็นแกนนำ ส่วนแก้วตาก็ช่วย นางสาว แก้วตา ทองมา "
            "สมปองมาด้วย ทองมาอีกครั้ง ได้ผลรักดี")
    rep = pii_report(text, names=names)
    out = redact_pii(text, names=names)
    assert "แก้วตา" not in out and "สมปอง" not in out
    # full name without title, first name alone, title with a space, surname alone
    assert set(rep["rule"]) >= {"participant_name", "participant_first_name",
                                "participant_surname"}
    # the same participant always gets the same token
    tokens = dict(zip(rep["value"], rep["replacement"]))
    assert tokens["แก้วตา ทองมา"] == tokens["แก้วตา"] == "[ชื่อ-1]"
    assert tokens["สมปอง"] == "[ชื่อ-2]"


def test_participant_first_name_inside_a_word_not_masked():
    # "มานะ" is a participant, but มานะ inside มานะมานี-like longer words... use a
    # clear case: name "สมร" must not be cut out of สมรส (marriage).
    out = redact_pii("คู่สมรสช่วยกันทำงาน", names=["นางสมร ใจงาม"])
    assert out == "คู่สมรสช่วยกันทำงาน"


def test_participants_dataframe_accepted():
    parts = pd.DataFrame({"person_id": ["P1", "P2"], "name": ["นายสมปอง รักดี", None]})
    assert names_from_participants(parts) == ["นายสมปอง รักดี"]
    assert redact_pii("สมปองมาแล้ว", names=parts) == "[ชื่อ-1]มาแล้ว"
    assert names_from_participants(parts.drop(columns="name")) == []


def test_pii_report_columns_and_offsets():
    text = f"นายสมปอง รักดี เลข {dashed(VALID_IDS[0])} อีเมล sp@example.com"
    rep = pii_report(text)
    assert list(rep.columns) == PII_REPORT_COLUMNS
    assert rep["kind"].tolist() == ["name", "national_id", "email"]
    for r in rep.itertuples():
        assert text[r.start:r.end] == r.value
    assert pii_report("ไม่มีข้อมูลส่วนตัว").empty


def test_english_labels():
    out = redact_pii("นายสมปอง โทร 0812345678 sp@example.com", labels="en")
    assert out == "[name-1] โทร [phone-1] [email-1]"


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"labels": "fr"}, ValueError, "labels must be"),
    ({"names": "นายสมปอง รักดี"}, TypeError, "collection of names"),
])
def test_redact_errors(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        redact_pii("ข้อความ", **kwargs)


def test_redact_none_and_bad_type():
    assert redact_pii(None) == ""
    with pytest.raises(TypeError, match="text must be a string"):
        redact_pii(123)


# ------------------------------------------------------------------- frame
def test_redact_frame():
    lessons = pd.DataFrame({"village_id": ["V1", "V2", "V3"], "section": ["ก", "ข", "ค"],
                            "text": ["สมปองโทร 0812345678", None, "ไม่มีชื่อ"]},
                           index=[10, 11, 12])
    parts = pd.DataFrame({"person_id": ["P1"], "name": ["นายสมปอง รักดี"]})
    out = redact_frame(lessons, participants=parts)
    assert out["text"].tolist()[0] == "[ชื่อ-1]โทร [โทร-1]"
    assert pd.isna(out["text"].tolist()[1])
    assert out["text"].tolist()[2] == "ไม่มีชื่อ"
    assert list(out.index) == [10, 11, 12]
    assert lessons.loc[10, "text"] == "สมปองโทร 0812345678"  # input untouched


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"columns": ["body"]}, KeyError, r"lacks column\(s\) \['body'\] \(columns='body'\)"),
    ({"labels": "de"}, ValueError, "labels must be"),
])
def test_redact_frame_errors(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        redact_frame(pd.DataFrame({"text": ["ก"]}), **kwargs)


def test_redact_frame_not_a_frame():
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame"):
        redact_frame(["ก"])


def test_names_as_a_pandas_series():
    # The docstring says to pass participants["name"]; a Series (with blanks) must work.
    import pandas as pd

    names = pd.Series(["นางสมใจ ใจดี", None, float("nan")])
    assert redact_pii("พบกับสมใจ ใจดี ที่ตลาด", names=names) == "พบกับ[ชื่อ-1] ที่ตลาด"


def _corpus_texts() -> list[str]:
    import json
    from pathlib import Path

    path = Path(__file__).parent / "data" / "pii_corpus.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.mark.parametrize("n_names", [3, 800])  # name by name, and through the names' index
def test_find_pii_equals_pii_report(n_names):
    """The scan's plain records are pii_report's rows, for every corpus text,
    with the names checked once (checked_names) or passed raw."""
    from evaluation.privacy import checked_names, find_pii

    names = ["นางสมศรี ใจงาม", "บุญมี ทองคำ", "นายอนันต์ ศรีสุข"]
    names += [f"นาย{chr(0x0E01 + i % 40)}ทดสอบ{i} นามสกุล{i}" for i in range(n_names - 3)]
    checked = checked_names(names + [None, "  "])
    assert list(checked) == names
    texts = _corpus_texts() + ["สมศรี ใจงาม โทร 081-234-5678", "คุณอนันต์ ศรีสุข มาประชุม"]
    n_found = 0
    for text in texts:
        rows = pii_report(text, names=names)
        expected = list(zip(rows["start"], rows["end"], rows["kind"], rows["rule"]))
        assert find_pii(text, names=checked) == expected
        assert find_pii(text, names=names) == expected
        n_found += len(expected)
    assert n_found > 50
