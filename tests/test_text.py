"""Tests for evaluation.text: normalisation, words, sentences, quantities,
inline ladder steps. Every text here was written for these tests."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.text import (
    LADDER_STEP_COLUMNS,
    QUANTITY_COLUMNS,
    _crf_features,
    default_stopwords,
    domain_words,
    extract_ladder_steps,
    extract_quantities,
    normalize_text,
    split_sentences,
    tokenize,
)


# ------------------------------------------------------------ normalisation
@pytest.mark.parametrize("raw, expected", [
    ("ออม\u200bเงิน", "ออมเงิน"),              # zero-width space removed
    ("๓๐ คน", "30 คน"),                        # Thai digits -> Arabic
    ("เเม่บ้าน", "แม่บ้าน"),                     # two sara e -> sara ae
    ("ก่่อน", "ก่อน"),                           # repeated tone mark
    ("ทำ  งาน\t กลุ่ม", "ทำ งาน กลุ่ม"),         # runs of spaces collapsed
    ("บรรทัดแรก\r\nบรรทัดสอง", "บรรทัดแรก\nบรรทัดสอง"),  # line breaks kept
])
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_text_none_and_type_error():
    assert normalize_text(None) == ""
    assert normalize_text(float("nan")) == ""
    with pytest.raises(TypeError, match="text must be a string"):
        normalize_text(12)


# ------------------------------------------------------------------ words
@pytest.mark.parametrize("term, sentence", [
    ("สัมมาชีพ", "ชาวบ้านเรียนรู้สัมมาชีพชุมชนร่วมกัน"),
    ("บัญชีครัวเรือน", "แม่บ้านจดบัญชีครัวเรือนทุกคืน"),
    ("กลุ่มออมทรัพย์", "เราตั้งกลุ่มออมทรัพย์เมื่อต้นปี"),
    ("ผักตบชวา", "นำผักตบชวามาสานกระเป๋า"),
    ("วิสาหกิจชุมชน", "จดทะเบียนวิสาหกิจชุมชนสำเร็จ"),
    ("รพ.สต.", "เจ้าหน้าที่รพ.สต.มาตรวจความดัน"),
])
def test_domain_terms_stay_whole(term, sentence):
    assert term in tokenize(sentence, keep_stopwords=True)
    assert term in domain_words()


def test_without_domain_dictionary_terms_are_split():
    # The same sentence with an empty custom dictionary: newmm splits the term,
    # which is why the domain list exists.
    toks = tokenize("แม่บ้านจดบัญชีครัวเรือนทุกคืน", custom_words=[], keep_stopwords=True)
    assert "บัญชีครัวเรือน" not in toks
    assert "บัญชี" in toks


def test_custom_words_extend():
    toks = tokenize("ทุกบ้านทำปลาร้าบองขาย", custom_words=domain_words() | {"ปลาร้าบอง"},
                    keep_stopwords=True)
    assert "ปลาร้าบอง" in toks


def test_stopwords_removed_and_overridable():
    toks = tokenize("การออมของสมาชิกในโครงการ")
    assert "การ" not in toks and "ของ" not in toks and "โครงการ" not in toks  # default list
    assert "สมาชิก" in toks
    toks2 = tokenize("การออมของสมาชิกในโครงการ", stopwords={"สมาชิก"})
    assert "สมาชิก" not in toks2 and "โครงการ" in toks2
    assert {"การ", "โครงการ", "ต."} <= default_stopwords()


def test_keep_punctuation():
    assert "1" not in tokenize("ออม 1 บาท", keep_stopwords=True)
    assert "1" in tokenize("ออม 1 บาท", keep_stopwords=True, keep_punctuation=True)


@pytest.mark.parametrize("bad", ["สัมมาชีพ", 5])
def test_custom_words_must_be_collection(bad):
    with pytest.raises(TypeError):
        tokenize("ทดสอบ", custom_words=bad)


# --------------------------------------------------------------- sentences
@pytest.mark.parametrize("text, expected", [
    # line breaks and numbered list "1)" at line start
    ("บทเรียน\n1) ทีมต้องชัดเจน\n2) ทำบัญชีทุกวัน",
     ["บทเรียน", "ทีมต้องชัดเจน", "ทำบัญชีทุกวัน"]),
    # inline numbered items after whitespace
    ("สรุป 1) รู้รายรับ 2) ลดรายจ่าย 3) ออมทุกวัน",
     ["สรุป", "รู้รายรับ", "ลดรายจ่าย", "ออมทุกวัน"]),
    # bullets and Thai-digit markers
    ("- ปลูกผักกินเอง\n๒. เลี้ยงไก่ไข่", ["ปลูกผักกินเอง", "เลี้ยงไก่ไข่"]),
    # abbreviations with a dot do not cut the sentence
    ("ประชุมที่ ม.4 ต.บ้านใหม่", ["ประชุมที่ ม.4 ต.บ้านใหม่"]),
    # a decimal is not a list marker
    ("พื้นที่ 1.5 ไร่", ["พื้นที่ 1.5 ไร่"]),
])
def test_split_sentences_lines_and_markers(text, expected):
    assert split_sentences(text, engine="lines") == expected


def test_split_sentences_crfcut_cuts_run_on_text():
    text = ("สมาชิกกลุ่มมารวมตัวกันทุกเย็นเพื่อทำขนม ต่อมามีลูกค้าสั่งมากขึ้นจนทำไม่ทัน "
            "ดังนั้นจึงชวนเพื่อนบ้านมาช่วยกันผลิต")
    sents = split_sentences(text)
    assert len(sents) >= 2
    assert "".join(sents).replace(" ", "") == text.replace(" ", "")


def test_split_sentences_whitespace_engine():
    assert split_sentences("ก ข\nค", engine="whitespace") == ["ก", "ข", "ค"]


def test_split_sentences_bad_engine():
    with pytest.raises(ValueError, match="engine must be one of"):
        split_sentences("ก", engine="punkt")


def test_crf_features_match_pythainlp():
    from pythainlp.tokenize import crfcut, word_tokenize

    for text in ["ก", "กลุ่มเราออมเงินทุกวัน แล้วก็ไปทำงานต่อ", "เขาบอกว่าดีมาก นะคะ"]:
        toks = word_tokenize(text)
        mine = [sorted(f) for f in _crf_features(toks)]
        theirs = [sorted(f) for f in crfcut._extract_features(toks)]
        assert mine == theirs


# -------------------------------------------------------------- quantities
@pytest.mark.parametrize("text, value, unit, phrase", [
    ("สมาชิกเก็บออมวันละ 1 บาท", 1.0, "บาท/วัน", "วันละ 1 บาท"),
    ("เก็บเดือนละ ๓๐ บาท", 30.0, "บาท/เดือน", "เดือนละ ๓๐ บาท"),
    ("ค่าแรง 350 บาท/วัน", 350.0, "บาท/วัน", "350 บาท/วัน"),
    ("รายได้ 4,500 บาทต่อเดือน", 4500.0, "บาท/เดือน", "4,500 บาทต่อเดือน"),
    ("เก็บครั้งละ 10 บาท", 10.0, "บาท/ครั้ง", "ครั้งละ 10 บาท"),
    ("ยืมคนละ 2,000 บาท", 2000.0, "บาท/คน", "คนละ 2,000 บาท"),
    ("ขายกิโลกรัมละ ๖๐ บาท", 60.0, "บาท/กิโลกรัม", "กิโลกรัมละ ๖๐ บาท"),
    ("ค่าเช่าไร่ละ 800 บาท", 800.0, "บาท/ไร่", "ไร่ละ 800 บาท"),
    ("ซื้อปุ๋ย 1,500 บาท", 1500.0, "บาท", "1,500 บาท"),
    ("ผู้เข้าร่วม ๔๐ ครัวเรือน", 40.0, "ครัวเรือน", "๔๐ ครัวเรือน"),
    ("สมาชิกสามสิบคน", 30.0, "คน", "สามสิบคน"),        # thaiword_to_num("สามสิบ") = 30
    ("ได้เงินหนึ่งร้อยบาท", 100.0, "บาท", "หนึ่งร้อยบาท"),  # 1 x 100
    ("ลงทุนห้าพันบาท", 5000.0, "บาท", "ห้าพันบาท"),        # 5 x 1000
    ("ยี่สิบเอ็ดครัวเรือน", 21.0, "ครัวเรือน", "ยี่สิบเอ็ดครัวเรือน"),  # 20 + 1
    ("ทำใน 2 หมู่บ้าน", 2.0, "หมู่บ้าน", "2 หมู่บ้าน"),
    ("ตั้ง 3 กลุ่ม", 3.0, "กลุ่ม", "3 กลุ่ม"),
    ("อบรม 4 ครั้ง", 4.0, "ครั้ง", "4 ครั้ง"),
    ("ใช้เวลา 7 วัน", 7.0, "วัน", "7 วัน"),
    ("ปลูกบน 2.5 ไร่", 2.5, "ไร่", "2.5 ไร่"),
    ("ทำได้ 85%", 85.0, "%", "85%"),
    ("ร้อยละ 60 ของสมาชิก", 60.0, "%", "ร้อยละ 60"),
    ("งบ 1.2 แสนบาท", 120000.0, "บาท", "1.2 แสนบาท"),     # 1.2 x 100,000
])
def test_extract_quantities_single(text, value, unit, phrase):
    q = extract_quantities(text)
    assert list(q.columns) == QUANTITY_COLUMNS
    assert len(q) == 1, q
    row = q.iloc[0]
    assert row["value"] == pytest.approx(value)
    assert row["unit"] == unit
    assert row["phrase"] == phrase
    assert text[row["start"]:row["end"]] == phrase


@pytest.mark.parametrize("text", [
    "กลุ่มสามารถขายได้",           # สาม inside สามารถ
    "ประชุมที่ ม.11 วันที่ 12",      # village number and date, no unit
    "1) ออมเงิน 2) ลดหนี้",         # list markers
    "มีรายได้หลายล้านบาท",          # "many millions" is not a number
])
def test_extract_quantities_none(text):
    q = extract_quantities(text)
    assert q.empty
    assert list(q.columns) == QUANTITY_COLUMNS
    assert q["value"].dtype == "float64" and q["start"].dtype == "int64"


def test_extract_quantities_several_in_order():
    text = "ปี 2566 มีสมาชิก 25 คน ออมวันละ ๒ บาท รวมได้ 18,250 บาท"
    q = extract_quantities(text)
    assert q["unit"].tolist() == ["คน", "บาท/วัน", "บาท"]
    assert q["value"].tolist() == [25.0, 2.0, 18250.0]
    assert (q["start"].diff().dropna() > 0).all()


def test_extract_quantities_table():
    lessons = pd.DataFrame({"village_id": ["V1", "V2", "V3"], "section": ["ก", "ข", "ค"],
                            "text": ["ออม 5 บาท", None, "20 คน และ 3 กลุ่ม"]})
    q = extract_quantities(lessons)
    assert list(q.columns) == ["text_id", "village_id", "section"] + QUANTITY_COLUMNS
    assert q["text_id"].tolist() == [0, 2, 2]
    assert q["village_id"].tolist() == ["V1", "V3", "V3"]
    with pytest.raises(ValueError, match=r"text lacks column\(s\) \['body'\] \(column='body'\)"):
        extract_quantities(lessons, column="body")


def test_extract_quantities_type_error():
    with pytest.raises(TypeError, match="text must be a string"):
        extract_quantities(42)


# ------------------------------------------------------------ ladder steps
def test_ladder_steps_keyword_then_bare_numbers():
    text = ("ทีมงานสรุปบันไดผลลัพธ์ 1. คณะทำงาน 12 คนเข้าใจเป้าหมาย "
            "2. ครัวเรือนเป้าหมาย 30 ครัวเรือนทำบัญชี 3. สมาชิกออมวันละ 1 บาท\n\nเรื่องอื่น")
    s = extract_ladder_steps(text)
    assert list(s.columns) == LADDER_STEP_COLUMNS
    assert s["step"].tolist() == [1, 2, 3]
    assert s["statement"].tolist() == ["คณะทำงาน 12 คนเข้าใจเป้าหมาย",
                                       "ครัวเรือนเป้าหมาย 30 ครัวเรือนทำบัญชี",
                                       "สมาชิกออมวันละ 1 บาท"]  # stops at the blank line
    assert s.loc[0, "quantities"] == [{"value": 12.0, "unit": "คน", "phrase": "12 คน"}]
    assert s.loc[1, "quantities"] == [{"value": 30.0, "unit": "ครัวเรือน",
                                       "phrase": "30 ครัวเรือน"}]
    assert s.loc[2, "quantities"] == [{"value": 1.0, "unit": "บาท/วัน",
                                       "phrase": "วันละ 1 บาท"}]
    for _, row in s.iterrows():
        assert row["statement"] in text[row["start"]:row["end"]]


def test_ladder_steps_outcome_keyword_styles():
    text = ("ผลการดำเนินงาน -ผลลัพธ์ที่1 .แกนนำรู้บทบาทของตนเอง "
            "-ผลลัพธ์ที่๒ .เกิดกลุ่มอาชีพใหม่ ๒ กลุ่ม ผลลัพธ์ที่ 3. รายจ่ายลดลงร้อยละ 10")
    s = extract_ladder_steps(text)
    assert s["step"].tolist() == [1, 2, 3]
    assert s["statement"].tolist() == ["แกนนำรู้บทบาทของตนเอง", "เกิดกลุ่มอาชีพใหม่ ๒ กลุ่ม",
                                       "รายจ่ายลดลงร้อยละ 10"]
    assert s.loc[0, "quantities"] == []
    assert s.loc[1, "quantities"][0]["value"] == 2.0
    assert s.loc[2, "quantities"] == [{"value": 10.0, "unit": "%", "phrase": "ร้อยละ 10"}]
    assert s.loc[0, "marker"] == "-ผลลัพธ์ที่1 ."


def test_ladder_steps_header_on_its_own_line():
    text = "บันไดผลลัพธ์ขั้นที่ 1 ชุมชนรู้ข้อมูลหนี้\nบันไดผลลัพธ์ขั้นที่ 2 ครัวเรือนลดหนี้ 5 ราย"
    s = extract_ladder_steps(text)
    assert s["step"].tolist() == [1, 2]
    assert s["statement"].tolist() == ["ชุมชนรู้ข้อมูลหนี้", "ครัวเรือนลดหนี้ 5 ราย"]


def test_ladder_steps_none_and_bare_numbers_alone():
    s = extract_ladder_steps("1. ประชุม 2. อบรม")  # no ladder keyword: not ladder steps
    assert s.empty and list(s.columns) == LADDER_STEP_COLUMNS


def test_ladder_steps_explode_to_indicator_draft():
    s = extract_ladder_steps("บันไดผลลัพธ์ 1. มีสมาชิก 20 คน ออม 500 บาท 2. จบ")
    draft = s.explode("quantities").dropna(subset=["quantities"])
    assert len(draft) == 2
    assert [q["unit"] for q in draft["quantities"]] == ["คน", "บาท"]


def test_ladder_steps_type_error():
    with pytest.raises(TypeError):
        extract_ladder_steps(None)
