"""Exports of forms NOT made by `evaluation form`, written the way the tools export them.

Layouts follow the tools' public documentation and source:
- KoboToolbox (kobotoolbox/formpack ``reporting/export.py``): one sheet per
  section; the repeat sheet carries ``_index``, ``_parent_table_name`` (the
  main section is named after the form title), ``_parent_index`` and
  ``_submission__<meta>`` copies; ``_validation_status`` is the label
  ("Approved", "Not Approved") in a label export and the uid
  (``validation_status_approved``) in an XML-values export; select_multiple
  "both": the summary column then ``<question>/<option>`` 0/1 columns.
- Google Forms via Sheets: first column the time stamp (``ประทับเวลา`` in the
  Thai interface), question text as headers, answer labels as values.

The xlsx files are generated here (no opaque blobs in the repository); the
``import.yaml`` files live beside this module in ``tests/data/field/``.
Hand-checked totals are in ``tests/test_importers.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent / "data" / "field"


def _xlsx(path: Path, sheets) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, header, rows in sheets:
        ws = book.create_sheet(name)
        ws.append(header)
        for r in rows:
            ws.append(r)
    book.save(path)
    return path


# --------------------------------------------------------------------------- Kobo, Thai labels
KOBO_TH_TITLE = "สำรวจครัวเรือน"
KOBO_TH_MAIN = [
    "start", "end", "ข้อมูลครัวเรือน/หมู่บ้าน", "ข้อมูลครัวเรือน/รหัสครัวเรือน",
    "ข้อมูลครัวเรือน/รอบการเก็บข้อมูล", "ข้อมูลครัวเรือน/ชื่อผู้สัมภาษณ์",
    "การเงิน/รายได้รวมต่อเดือน (บาท)", "การเงิน/รายจ่ายรวมต่อเดือน (บาท)",
    "การเงิน/หนี้ ธกส. และกองทุนหมู่บ้าน", "การเงิน/หนี้นอกระบบ", "การเงิน/เงินออม",
    "การเงิน/แหล่งรายได้เสริม", "การเงิน/แหล่งรายได้เสริม/ขายของ",
    "การเงิน/แหล่งรายได้เสริม/รับจ้าง", "การเงิน/แหล่งรายได้เสริม/เลี้ยงสัตว์",
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
]
# (village, household, round, income, expenses, formal, informal, savings, side income,
#  uuid, submission time, validation label)
KOBO_TH_SUBMISSIONS = [
    ("บ้านห้วยทราย", "HT01", "ก่อนเริ่มโครงการ", 6000, 5500, 20000, 5000, 300, "ขายของ",
     "a1f0c7de-0001-4c1e-9a53-000000000001", "2024-06-10T10:02:11", "Approved"),
    ("บ้านห้วยทราย", "HT02", "ก่อนเริ่มโครงการ", 4500, 4800, 0, 12000, 0, "รับจ้าง เลี้ยงสัตว์",
     "a1f0c7de-0002-4c1e-9a53-000000000002", "2024-06-10T11:40:05", "Approved"),
    ("บ้านนาดี", "HT03", "ก่อนเริ่มโครงการ", 8000, 7000, 50000, 0, 1500, None,
     "a1f0c7de-0003-4c1e-9a53-000000000003", "2024-06-11T09:15:42", None),
    # a test entry with a typo, marked "Not Approved" by the supervisor: excluded
    ("บ้านนาดี", "HT03", "ก่อนเริ่มโครงการ", 80000, 7000, 50000, 0, 1500, None,
     "a1f0c7de-0004-4c1e-9a53-000000000004", "2024-06-11T09:20:13", "Not Approved"),
    ("บ้านห้วยทราย", "HT01", "หลังจบโครงการ", 7200, 5600, 15000, 0, 1800, "ขายของ รับจ้าง",
     "a1f0c7de-0005-4c1e-9a53-000000000005", "2025-03-01T09:05:00", "Approved"),
    ("บ้านห้วยทราย", "HT02", "หลังจบโครงการ", 5000, 4700, 0, 9000, 600, "รับจ้าง",
     "a1f0c7de-0006-4c1e-9a53-000000000006", "2025-03-01T10:30:00", "Approved"),
    # the same household sent again the next day with a corrected income (a re-submission)
    ("บ้านห้วยทราย", "HT02", "หลังจบโครงการ", 5400, 4700, 0, 8000, 600, "รับจ้าง",
     "a1f0c7de-0007-4c1e-9a53-000000000007", "2025-03-02T15:12:40", "Approved"),
    ("บ้านนาดี", "HT03", "หลังจบโครงการ", 8500, 7200, 45000, 0, 2500, "เลี้ยงสัตว์",
     "a1f0c7de-0008-4c1e-9a53-000000000008", "2025-03-02T16:01:09", "Approved"),
]
KOBO_TH_MEMBER = [
    "สมาชิกครัวเรือน/ลำดับที่", "สมาชิกครัวเรือน/ชื่อ-นามสกุล", "สมาชิกครัวเรือน/เพศ",
    "สมาชิกครัวเรือน/อายุ", "สมาชิกครัวเรือน/ความสุขโดยรวม (0-10)",
    "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid",
    "_submission__submission_time", "_submission__validation_status", "_submission__notes",
    "_submission__status", "_submission__submitted_by", "_submission___version__",
    "_submission__tags",
]
# submission number (1-based) -> members (no, invented name, sex, age, happiness 0-10)
KOBO_TH_MEMBERS = {
    1: [(1, "นางสมใจ ใจดีทดสอบ", "หญิง", 45, 6), (2, "นายสมหมาย ใจดีทดสอบ", "ชาย", 47, 5)],
    2: [(1, "นางบุญมี มีสุขทดสอบ", "หญิง", 60, 4)],
    3: [(1, "นางสาวแก้วตา นาดีทดสอบ", "หญิง", 33, 7)],
    4: [(1, "นางสาวแก้วตา นาดีทดสอบ", "หญิง", 33, 9)],
    5: [(1, "นางสมใจ ใจดีทดสอบ", "หญิง", 45, 8), (2, "นายสมหมาย ใจดีทดสอบ", "ชาย", 47, 6)],
    6: [(1, "นางบุญมี มีสุขทดสอบ", "หญิง", 61, 5)],
    7: [(1, "นางบุญมี มีสุขทดสอบ", "หญิง", 61, 6)],
    8: [(1, "นางสาวแก้วตา นาดีทดสอบ", "หญิง", 34, 7)],
}
_SIDE = ("ขายของ", "รับจ้าง", "เลี้ยงสัตว์")


def kobo_thai_labels(folder: Path) -> Path:
    """Kobo XLSX, Thai labels as headers and values, groups joined by '/', a member repeat."""
    main, members = [], []
    for i, (village, hh, rnd, inc, exp, formal, informal, sav, side, uuid, ts, status) in \
            enumerate(KOBO_TH_SUBMISSIONS, 1):
        chosen = (side or "").split()
        main.append([f"{ts[:10]}T08:30:00.000+07:00", f"{ts}.000+07:00", village, hh, rnd,
                     "เจ้าหน้าที่ ทดสอบ", inc, exp, formal, informal, sav, side,
                     *[int(o in chosen) for o in _SIDE],
                     5000 + i, uuid, ts, status, None, "submitted_via_web", "staff_th",
                     "vGx8rM", None, i])
        for no, name, sex, age, happy in KOBO_TH_MEMBERS[i]:
            members.append([no, name, sex, age, happy, len(members) + 1, KOBO_TH_TITLE, i,
                            5000 + i, uuid, ts, status, None, "submitted_via_web", "staff_th",
                            "vGx8rM", None])
    return _xlsx(folder / "kobo_household_th.xlsx",
                 [(KOBO_TH_TITLE, KOBO_TH_MAIN, main),
                  ("สมาชิกครัวเรือน", KOBO_TH_MEMBER, members)])


# --------------------------------------------------------------------------- Kobo, XML names
KOBO_EN_TITLE = "Livelihood_survey"
KOBO_EN_MAIN = [
    "start", "end", "today", "deviceid", "hh/village_code", "hh/hh_code", "hh/round",
    "hh/interview_date", "money/inc_month", "money/exp_month", "money/loan_formal",
    "money/loan_informal", "money/saving_total", "money/hh_size", "meta/instanceID",
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
]
# (village, hh, round, date, income, expenses, formal, informal, savings, size, uuid, time,
#  validation uid)
KOBO_EN_SUBMISSIONS = [
    ("V21", "HB1", "baseline", "2024-01-15", 9000, 8000, 30000, 10000, 500, 4,
     "b2e1d8ef-0001-4d2f-8b64-000000000001", "2024-01-15T16:00:00",
     "validation_status_approved"),
    ("V21", "HB2", "baseline", "2024-01-16", 5000, 5200, 0, 15000, 0, 2,
     "b2e1d8ef-0002-4d2f-8b64-000000000002", "2024-01-16T16:00:00",
     "validation_status_approved"),
    ("V21", "HB1", "endline", "2024-12-10", 10500, 8200, 25000, 4000, 2000, 4,
     "b2e1d8ef-0003-4d2f-8b64-000000000003", "2024-12-10T16:00:00",
     "validation_status_approved"),
    ("V21", "HB2", "endline", "2024-12-11", 6100, 5000, 0, 11000, 700, 2,
     "b2e1d8ef-0004-4d2f-8b64-000000000004", "2024-12-11T16:00:00", None),
    # entered twice by mistake, rejected by the supervisor: excluded by default
    ("V21", "HB2", "endline", "2024-12-11", 99999, 5000, 0, 11000, 700, 2,
     "b2e1d8ef-0005-4d2f-8b64-000000000005", "2024-12-11T18:00:00",
     "validation_status_not_approved"),
]
KOBO_EN_MEMBER = (["members/m_code", "members/m_sex", "members/m_age", "members/m_role"]
                  + [f"members/thi/thi_{k:02d}" for k in range(1, 16)]
                  + ["members/skills/cooking", "members/skills/weaving",
                     "members/skills/accounting",
                     "_index", "_parent_table_name", "_parent_index", "_submission__id",
                     "_submission__uuid", "_submission__submission_time",
                     "_submission__validation_status"])
# TMHI-15 answer codes (1-4 as recorded; q3-q5 are reverse-scored by the workbench)
THI = {
    ("HB1-1", "pre"): [3, 3, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
    ("HB1-1", "post"): [4, 4, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
    ("HB1-2", "pre"): [2] * 15,
    ("HB1-2", "post"): [3] * 15,
    ("HB2-1", "pre"): [3, 2, 2, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2],
    ("HB2-1", "post"): [3] * 15,
}
KOBO_EN_MEMBERS = {  # submission -> (code, sex, age, role, skills 0/1)
    1: [("HB1-1", "female", 52, "target", (1, 0, 1)), ("HB1-2", "male", 55, "team", (0, 0, 0))],
    2: [("HB2-1", "female", 38, "target", (1, 1, 0))],
    3: [("HB1-1", "female", 52, "target", (1, 0, 1)), ("HB1-2", "male", 55, "team", (0, 0, 1))],
    4: [("HB2-1", "female", 38, "target", (1, 1, 1))],
    5: [("HB2-1", "female", 38, "target", (1, 1, 1))],
}


def kobo_xml_names(folder: Path) -> Path:
    """Kobo XLSX, XML names and values, a member repeat with TMHI-15 codes."""
    main, members = [], []
    for i, (village, hh, rnd, date, inc, exp, formal, informal, sav, size, uuid, ts,
            status) in enumerate(KOBO_EN_SUBMISSIONS, 1):
        main.append([f"{date}T08:00:00.000+07:00", f"{date}T08:45:00.000+07:00", date,
                     "collect:abc123", village, hh, rnd, date, inc, exp, formal, informal, sav,
                     size, f"uuid:{uuid}", 7000 + i, uuid, ts, status, None,
                     "submitted_via_web", "enum_en", "vK2", None, i])
        wave = "pre" if rnd == "baseline" else "post"
        for code, sex, age, role, skills in KOBO_EN_MEMBERS[i]:
            codes = THI[(code, wave)] if i != 5 else [1] * 15
            members.append([code, sex, age, role, *codes, *skills, len(members) + 1,
                            KOBO_EN_TITLE, i, 7000 + i, uuid, ts, status])
    return _xlsx(folder / "kobo_livelihood_names.xlsx",
                 [(KOBO_EN_TITLE, KOBO_EN_MAIN, main), ("members", KOBO_EN_MEMBER, members)])


# --------------------------------------------------------------------------- Google Forms
TMHI_LABELS = {1: "ไม่เลย", 2: "เล็กน้อย", 3: "มาก", 4: "มากที่สุด"}
GF_ANSWERS = {  # person, round -> TMHI-15 codes (written to the file as labels)
    ("G1", "pre"): [3, 3, 2, 2, 2] + [3] * 10,
    ("G1", "post"): [4, 4, 1, 1, 1] + [4] * 10,
    ("G2", "pre"): [2] * 15,
    ("G2", "post"): [3] * 15,
    ("G3", "pre"): [3] * 15,
    ("G3", "post"): [3] * 15,
}
GF_ROWS = [  # time stamp, e-mail, village, person, round, income, comment
    ("15/1/2024, 9:15:00", "a@example.org", "บ้านโนนสูง", "G1", "ก่อนเข้าร่วมโครงการ", "4,500",
     "อยากให้มีอบรมอีก"),
    ("15/1/2024, 9:40:12", "", "บ้านโนนสูง", "G2", "ก่อนเข้าร่วมโครงการ", "3,000", ""),
    ("16/1/2567, 10:05:31", "", "บ้านโนนสูง", "G3", "ก่อนเข้าร่วมโครงการ", "๕,๐๐๐", ""),
    ("20/11/2024, 14:00:00", "a@example.org", "บ้านโนนสูง", "G1", "หลังเข้าร่วมโครงการ", "6,000",
     "ดีมาก"),
    ("20/11/2024, 14:20:45", "", "บ้านโนนสูง", "G2", "หลังเข้าร่วมโครงการ", "3,500 บาท", ""),
    ("21/11/2024, 8:55:02", "", "บ้านโนนสูง", "G3", "หลังเข้าร่วมโครงการ", "5000", ""),
]
GF_HEADER = (["ประทับเวลา", "ที่อยู่อีเมล", "หมู่บ้าน", "รหัสสมาชิก", "ครั้งที่ประเมิน"]
             + [f"คำถามข้อ {k} (ในช่วง 1 เดือนที่ผ่านมา)" for k in range(1, 16)]
             + ["รายได้ของท่านต่อเดือน (บาท)", "ข้อเสนอแนะเพิ่มเติม"])


def google_forms_thai(folder: Path) -> Path:
    """Google Forms responses downloaded from Sheets as CSV (Thai interface)."""
    path = folder / "gforms_happiness_th.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(GF_HEADER)
        for ts, email, village, person, rnd, income, comment in GF_ROWS:
            wave = "pre" if rnd.startswith("ก่อน") else "post"
            labels = [TMHI_LABELS[c] for c in GF_ANSWERS[(person, wave)]]
            w.writerow([ts, email, village, person, rnd, *labels, income, comment])
    return path


# --------------------------------------------------------------------------- wide tables
def wide_thai(folder: Path) -> Path:
    """One row per household with รายได้ก่อน/รายได้หลัง (Thai wide layout)."""
    path = folder / "wide_finance.csv"
    path.write_text(
        "รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,รายได้ก่อน,รายได้หลัง,รายจ่าย_ก่อน,รายจ่าย_หลัง,"
        "savings_pre,savings_post\n"
        "W1-1,W1,V31,4000,5200,3900,4100,0,600\n"
        "W2-1,W2,V31,6500,6400,6000,6100,1000,1200\n"
        "W3-1,W3,V31,3000,,3100,,200,\n",
        encoding="utf-8")
    return path


def rounds_per_file(folder: Path) -> list[Path]:
    """One CSV per round (the file name says which round: mapped in import.yaml)."""
    a = folder / "รอบแรก.csv"
    b = folder / "รอบสอง.csv"
    head = "รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,รายได้,คะแนนความสุข\n"
    a.write_text(head + "R1-1,R1,V41,3000,5\nR2-1,R2,V41,4200,6\n", encoding="utf-8")
    b.write_text(head + "R1-1,R1,V41,3600,7\nR2-1,R2,V41,4100,6\n", encoding="utf-8")
    return [a, b]
