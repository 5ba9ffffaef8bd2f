"""Loader tests: a small valid program, its variants in Thai/Excel/Parquet form,
and a suite of broken inputs, each asserting exactly which problems are reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataValidationError

# --- a tiny valid program, written as the user would (English headers) -------------
MINIMAL = {
    "projects.csv": (
        "project_id,name,organisation,start_date,end_date,budget\n"
        "P1,ฟื้นฟูอาชีพ,กลุ่มสตรี,2023-01-01,2023-12-31,\"150,000\"\n"
    ),
    "villages.csv": (
        "village_id,project_id,name,subdistrict,district,province\n"
        "V1,P1,บ้านหนองบัว,หนองบัว,เมือง,พะเยา\n"
        "V2,P1,บ้านดอนแก้ว,ดอนแก้ว,เมือง,พะเยา\n"
    ),
    "participants.csv": (
        "person_id,household_id,village_id,name,sex,age,role,occupation_group\n"
        "A1,H1,V1,นางสมใจ ใจดี,F,45,target,น้ำพริก\n"
        "A2,H2,V1,นายสมชาย ดีใจ,M,50,team,น้ำพริก\n"
        "B1,H3,V2,นางสาวมาลี สีสด,F,38,target,ผักตบชวา\n"
        "B2,H4,V2,นายมานะ ขยัน,M,41,target,ผักตบชวา\n"
    ),
    "happiness.csv": (
        "person_id,wave,date,instrument,item,value\n"
        "A1,pre,2023-01-15,happy10,q1,5\n"
        "A1,post,2023-12-01,happy10,q1,8\n"
        "A2,pre,2023-01-15,happy10,q1,6\n"
        "A2,post,2023-12-01,happy10,q1,6\n"
        "B1,pre,2023-01-16,happy10,q1,4\n"
        "B1,post,2023-12-02,happy10,q1,7\n"
        "B2,pre,2023-01-16,happy10,q1,7\n"
        "B2,post,2023-12-02,happy10,q1,5\n"
    ),
    "finance.csv": (
        "household_id,wave,date,income,expenses,debt_formal,debt_informal,savings\n"
        "H1,pre,2023-01-15,5000,4500,20000,5000,0\n"
        "H1,post,2023-12-01,7000,5000,15000,0,900\n"
        "H2,pre,2023-01-15,8000,7000,0,0,1000\n"
        "H2,post,2023-12-01,8200,7100,0,0,1500\n"
        "H3,pre,2023-01-16,4000,4200,10000,8000,0\n"
        "H3,post,2023-12-02,4500,4300,9000,6000,300\n"
        "H4,pre,2023-01-16,6000,5000,0,0,200\n"
        "H4,post,2023-12-02,5800,5200,0,2000,100\n"
    ),
    "ledger.csv": (
        "household_id,date,kind,category,amount\n"
        "H1,2023-02-01,income,ขายน้ำพริก,300\n"
        "H1,2023-02-02,expense,อาหาร,120\n"
        "H3,2023-03-05,expense,ค่าเดินทาง,60\n"
    ),
    "savings.csv": (
        "group_id,member_id,date,deposit,withdrawal,loan,repayment\n"
        "G1,A1,2023-02-01,30,,,\n"
        "G1,A2,2023-02-01,30,,,\n"
        "G2,B1,2023-02-03,30,,1000,\n"
    ),
    "lessons/V1/การสร้างทีม.txt": "คณะทำงานประชุมทุกเดือน สมาชิก 2 คน\n",
    "lessons/V2.txt": "กลุ่มผักตบชวาเริ่มขายผ่านออนไลน์\n",
}

N_ROWS = {"projects": 1, "villages": 2, "participants": 4, "happiness": 8, "finance": 8,
          "ledger": 3, "savings": 3, "lessons": 2}


def write_program(folder: Path, files: dict[str, str] = MINIMAL, **overrides) -> Path:
    """Write the minimal program, with some files replaced (None = file removed)."""
    content = dict(files)
    for name, text in overrides.items():
        key = name.replace("__", "/").replace("_DOT_", ".")
        content[key] = text
    for name, text in content.items():
        if text is None:
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def replace_line(name: str, line_no: int, new: str) -> dict[str, str]:
    """MINIMAL with line ``line_no`` (1 = header) of file ``name`` replaced."""
    lines = MINIMAL[name].splitlines()
    lines[line_no - 1] = new
    return {**MINIMAL, name: "\n".join(lines) + "\n"}


def problems_of(folder: Path) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as info:
        ev.load_project(folder)
    return info.value.problems


# --- the valid program --------------------------------------------------------------

def test_minimal_program_loads_every_row(tmp_path):
    proj = ev.load_project(write_program(tmp_path))
    for table, n in N_ROWS.items():
        assert len(getattr(proj, table)) == n, table
    assert proj.happiness["wave"].dtype == pd.CategoricalDtype(["pre", "during", "post"],
                                                               ordered=True)
    assert proj.projects["budget"].tolist() == [150000.0]
    assert proj.projects["start_date"].iloc[0] == pd.Timestamp("2023-01-01")
    assert proj.savings["loan"].tolist()[2] == 1000.0
    assert set(proj.lessons["section"]) == {"การสร้างทีม", "ทั่วไป"}
    assert proj.problems.empty
    assert len(proj.source_files) == 9  # 7 CSVs + 2 lesson files
    assert proj.source_files["sha256"].str.len().eq(64).all()


def test_village_view_is_consistent(tmp_path):
    proj = ev.load_project(write_program(tmp_path))
    v2 = proj.village("V2")
    assert v2.participants["person_id"].tolist() == ["B1", "B2"]
    assert set(v2.happiness["person_id"]) == {"B1", "B2"}
    assert set(v2.finance["household_id"]) == {"H3", "H4"}
    assert v2.ledger["household_id"].tolist() == ["H3"]
    assert v2.savings["member_id"].tolist() == ["B1"]
    assert v2.lessons["village_id"].tolist() == ["V2"]
    assert v2.projects["project_id"].tolist() == ["P1"]
    with pytest.raises(ev.EvaluationError, match="unknown village_id 'V9'.*V1, V2"):
        proj.village("V9")


def test_unknown_columns_are_kept(tmp_path):
    files = replace_line("villages.csv", 1,
                         "village_id,project_id,name,subdistrict,district,province,หมายเหตุ")
    files["villages.csv"] = files["villages.csv"].replace("พะเยา\n", "พะเยา,x\n")
    proj = ev.load_project(write_program(tmp_path, files))
    assert proj.villages["หมายเหตุ"].tolist() == ["x", "x"]


THAI = {
    "โครงการ.csv": "รหัสโครงการ,ชื่อโครงการ,วันเริ่มโครงการ,วันสิ้นสุดโครงการ,งบประมาณ\n"
                   "P1,ฟื้นฟูอาชีพ,1 ม.ค. 2566,31 ธ.ค. 66,\"๑๕๐,๐๐๐ บาท\"\n",
    "หมู่บ้าน.csv": "รหัสหมู่บ้าน,รหัสโครงการ,ชื่อหมู่บ้าน,ตำบล,อำเภอ,จังหวัด\n"
                   "V1,P1,บ้านหนองบัว,หนองบัว,เมือง,พะเยา\n",
    "ผู้เข้าร่วม.csv": "รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,เพศ,อายุ,บทบาท\n"
                      "A๑,H๑,V1,หญิง,๔๕,กลุ่มเป้าหมาย\nA2,H2,V1,ชาย,50,คณะทำงาน\n",
    "ความสุข.csv": "รหัสบุคคล,ช่วงเวลา,วันที่ประเมิน,แบบประเมิน,ข้อ,คะแนน\n"
                  "A1,ก่อน,15 ม.ค. 2566,happy10,q1,๕\nA1,หลัง,1 ธันวาคม 2566,happy10,q1,8\n",
    "การเงินครัวเรือน.csv": "รหัสครัวเรือน,ครั้งที่ประเมิน,รายได้,รายจ่าย,หนี้ในระบบ,"
                           "หนี้นอกระบบ,เงินออม\n"
                           "H1,1,\"5,000 บาท\",4500,20000,5000,0\n"
                           "H1,3,\"๗,๐๐๐.-\",5000,15000,0,900\n",
}


def test_thai_headers_digits_and_be_dates(tmp_path):
    write_program(tmp_path, THAI)
    proj = ev.load_project(tmp_path)
    assert proj.projects["start_date"].iloc[0] == pd.Timestamp("2023-01-01")
    assert proj.projects["end_date"].iloc[0] == pd.Timestamp("2023-12-31")
    assert proj.projects["budget"].iloc[0] == 150000.0
    assert proj.participants["person_id"].tolist() == ["A1", "A2"]
    assert proj.participants["sex"].tolist() == ["F", "M"]
    assert proj.participants["role"].tolist() == ["target", "team"]
    assert proj.participants["age"].tolist() == [45, 50]
    assert proj.happiness["wave"].astype(str).tolist() == ["pre", "post"]
    assert proj.happiness["value"].tolist() == [5.0, 8.0]
    assert proj.happiness["date"].tolist() == [pd.Timestamp("2023-01-15"),
                                               pd.Timestamp("2023-12-01")]
    assert proj.finance["income"].tolist() == [5000.0, 7000.0]
    assert proj.finance["wave"].astype(str).tolist() == ["pre", "post"]
    assert proj.ledger.empty and list(proj.ledger.columns)[:5] == [
        "household_id", "date", "kind", "category", "amount"]


def test_excel_workbook_round_trip(tmp_path):
    proj = ev.load_project(write_program(tmp_path / "csv"))
    book = ev.write_workbook(proj, tmp_path / "program.xlsx")
    again = ev.load_project(book)
    for table in ("projects", "villages", "participants", "happiness", "finance", "ledger",
                  "savings", "lessons"):
        a, b = getattr(proj, table), getattr(again, table)
        cols = [c.name for c in ev.schema.TABLES[table].columns]
        pd.testing.assert_frame_equal(a[cols].reset_index(drop=True),
                                      b[cols].reset_index(drop=True), check_dtype=False,
                                      obj=table)


def test_template_is_empty_and_loads_with_clear_error(tmp_path):
    path = ev.write_template(tmp_path / "form.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "คำอธิบาย"
    assert "ผู้เข้าร่วม" in wb.sheetnames and "ความสุข" in wb.sheetnames
    ws = wb["ความสุข"]
    headers = [c.value for c in ws[1]]
    assert headers[:2] == ["รหัสบุคคล *", "ช่วงเวลา *"]
    assert "wave" in ws.cell(row=1, column=2).comment.text
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"ก่อน,ระหว่าง,หลัง"' in lists
    # An empty template has every table but no rows: the loader says which are empty.
    problems = problems_of(path)
    assert set(problems["sheet"]) == {"หมู่บ้าน", "โครงการ", "ผู้เข้าร่วม"}
    assert len(problems) == 3
    assert problems["problem"].str.contains("has no rows").all()


def test_parquet_tables(tmp_path):
    proj = ev.load_project(write_program(tmp_path / "csv"))
    out = tmp_path / "pq"
    out.mkdir()
    for table in ("projects", "villages", "participants", "happiness", "finance"):
        getattr(proj, table).assign(wave=lambda f: f["wave"].astype(str)
                                    if "wave" in f else None).drop(
            columns=[] if table in ("happiness", "finance") else ["wave"]).to_parquet(
            out / f"{table}.parquet")
    again = ev.load_project(out)
    assert len(again.happiness) == 8 and again.finance["income"].sum() == proj.finance[
        "income"].sum()


# --- broken inputs ------------------------------------------------------------------
# Each case: files changed, and the exact (file, row, column) problems expected, with a
# fragment of the message. Nothing else may be reported.

BAD = [
    ("missing required column",
     replace_line("participants.csv", 1,
                  "person_id,household_id,village,name,sex,age,role,occupation_group"),
     [("participants.csv", 1, "village_id", "missing required column(s) village_id")]),
    ("unparseable number",
     replace_line("finance.csv", 3, "H1,post,2023-12-01,เจ็ดพัน,5000,15000,0,900"),
     [("finance.csv", 3, "income", "")]),
    ("negative money",
     replace_line("finance.csv", 2, "H1,pre,2023-01-15,5000,-4500,20000,5000,0"),
     [("finance.csv", 2, "expenses", "negative amount")]),
    ("unparseable date",
     replace_line("ledger.csv", 3, "H1,2023-02-31,expense,อาหาร,120"),
     [("ledger.csv", 3, "date", "")]),
    ("date without year",
     replace_line("ledger.csv", 2, "H1,14 กย.,income,ขายน้ำพริก,300"),
     [("ledger.csv", 2, "date", "")]),
    ("unknown wave label",
     replace_line("happiness.csv", 4, "A2,ตอนกลาง,2023-01-15,happy10,q1,6"),
     [("happiness.csv", 4, "wave", "")]),
    ("unknown sex label",
     replace_line("participants.csv", 3, "A2,H2,V1,นายสมชาย ดีใจ,X,50,team,น้ำพริก"),
     [("participants.csv", 3, "sex", "")]),
    ("unknown role",
     replace_line("participants.csv", 2, "A1,H1,V1,นางสมใจ ใจดี,F,45,boss,น้ำพริก"),
     [("participants.csv", 2, "role", "")]),
    ("unknown ledger kind",
     replace_line("ledger.csv", 4, "H3,2023-03-05,gift,ค่าเดินทาง,60"),
     [("ledger.csv", 4, "kind", "")]),
    ("happiness value out of range",
     replace_line("happiness.csv", 2, "A1,pre,2023-01-15,happy10,q1,11"),
     [("happiness.csv", 2, "value", "outside the range of happy10 item q1: expected 0 to 10")]),
    ("unknown instrument",
     replace_line("happiness.csv", 2, "A1,pre,2023-01-15,gnh99,q1,5"),
     [("happiness.csv", 2, "instrument", "unknown instrument")]),
    ("unknown item",
     replace_line("happiness.csv", 2, "A1,pre,2023-01-15,happy10,q7,5"),
     [("happiness.csv", 2, "item", "unknown item for instrument happy10")]),
    ("duplicate person x wave x item",
     replace_line("happiness.csv", 4, "A1,pre,2023-01-15,happy10,q1,6"),
     [("happiness.csv", 4, "person_id, wave, instrument, item", "first given at "
                                                                 "happiness.csv row 2")]),
    ("duplicate household x wave",
     replace_line("finance.csv", 3, "H1,pre,2023-12-01,7000,5000,15000,0,900"),
     [("finance.csv", 3, "household_id, wave", "duplicate finance entry")]),
    ("duplicate person id",
     replace_line("participants.csv", 3, "A1,H2,V1,นายสมชาย ดีใจ,M,50,team,น้ำพริก"),
     [("participants.csv", 3, "person_id", "duplicate participants entry"),
      # the second A1 row no longer defines A2, so A2's rows now point nowhere
      ("happiness.csv", 4, "person_id", "unknown person_id"),
      ("happiness.csv", 5, "person_id", "unknown person_id"),
      ("savings.csv", 3, "member_id", "unknown person_id")]),
    ("unknown village reference",
     replace_line("participants.csv", 5, "B2,H4,V7,นายมานะ ขยัน,M,41,target,ผักตบชวา"),
     [("participants.csv", 5, "village_id", "unknown village_id")]),
    ("unknown household in finance",
     replace_line("finance.csv", 9, "H9,post,2023-12-02,5800,5200,0,2000,100"),
     [("finance.csv", 9, "household_id", "unknown household_id")]),
    ("unknown person in happiness",
     replace_line("happiness.csv", 9, "Z9,post,2023-12-02,happy10,q1,5"),
     [("happiness.csv", 9, "person_id", "unknown person_id")]),
    ("unknown project reference",
     replace_line("villages.csv", 3, "V2,P9,บ้านดอนแก้ว,ดอนแก้ว,เมือง,พะเยา"),
     [("villages.csv", 3, "project_id", "unknown project_id")]),
    ("blank required value",
     replace_line("ledger.csv", 2, "H1,2023-02-01,income,ขายน้ำพริก,"),
     [("ledger.csv", 2, "amount", "required value missing")]),
    ("unknown village for lessons file",
     {**MINIMAL, "lessons/V8/ปัญหา.txt": "ฝนตกหนัก\n"},
     [("lessons/V8/ปัญหา.txt", 1, "village_id", "unknown village_id")]),
    ("missing participants table",
     {k: v for k, v in MINIMAL.items() if k != "participants.csv"},
     None),  # checked separately below (many references fail too)
    ("two problems in different files reported together",
     {**replace_line("finance.csv", 2, "H1,pre,2023-01-15,5000,-1,20000,5000,0"),
      "ledger.csv": MINIMAL["ledger.csv"].replace("2023-02-02", "2023-13-02")},
     [("finance.csv", 2, "expenses", "negative amount"),
      ("ledger.csv", 3, "date", "")]),
]


@pytest.mark.parametrize("case, files, expected", [b for b in BAD if b[2] is not None],
                         ids=[b[0] for b in BAD if b[2] is not None])
def test_bad_input_is_reported_exactly(tmp_path, case, files, expected):
    problems = problems_of(write_program(tmp_path, files))
    errors = problems[problems["severity"] == "error"]
    got = sorted(zip(errors["file"], errors["row"].astype(int), errors["column"]))
    want = sorted((f, r, c) for f, r, c, _ in expected)
    assert got == want, errors.to_string()
    for f, r, c, fragment in expected:
        row = errors[(errors["file"] == f) & (errors["row"] == r) & (errors["column"] == c)]
        assert row["problem"].str.contains(fragment, regex=False).all(), row.to_string()
        assert row["problem"].str.len().gt(10).all()


def test_missing_table_is_named(tmp_path):
    files = {k: v for k, v in MINIMAL.items() if k != "participants.csv"}
    problems = problems_of(write_program(tmp_path, files))
    assert problems["problem"].str.contains("no 'participants' table found").sum() == 1


def test_bad_value_shows_value_and_expectation(tmp_path):
    files = replace_line("finance.csv", 3, "H1,post,2023-12-01,เจ็ดพัน,5000,15000,0,900")
    problems = problems_of(write_program(tmp_path, files))
    row = problems.iloc[0]
    assert row["value"] == "เจ็ดพัน"
    assert row["problem"].startswith("expected an amount in baht")


def test_excel_row_numbers_and_sheet_names(tmp_path):
    proj = ev.load_project(write_program(tmp_path / "csv"))
    book = ev.write_workbook(proj, tmp_path / "program.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(book)
    wb["การเงินครัวเรือน"]["D4"] = -5  # income of the third data row
    wb["ความสุข"]["F3"] = 42
    wb.save(book)
    problems = problems_of(book)
    got = sorted(zip(problems["sheet"], problems["row"].astype(int), problems["column"]))
    assert got == [("การเงินครัวเรือน", 4, "รายได้ต่อเดือน"), ("ความสุข", 3, "คะแนน")]  # headers as written in the file


def test_unreadable_files(tmp_path):
    write_program(tmp_path)
    (tmp_path / "ledger.csv").write_bytes("household_id,date\nH1,\xff\xfe".encode("latin-1"))
    (tmp_path / "extra.xlsx").write_text("not a workbook")
    problems = problems_of(tmp_path)
    assert set(problems["file"]) == {"ledger.csv", "extra.xlsx"}
    assert problems["problem"].str.contains("UTF-8").any()
    assert problems["problem"].str.contains("Excel workbook").any()


def test_unknown_file_is_a_warning_not_silent(tmp_path):
    write_program(tmp_path, {**MINIMAL, "notes.csv": "a,b\n1,2\n"})
    proj = ev.load_project(tmp_path)
    warn = proj.problems
    assert warn[["file", "severity"]].values.tolist() == [["notes.csv", "warning"]]


def test_suspicious_values_are_warnings(tmp_path):
    files = replace_line("finance.csv", 3, "H1,post,2023-12-01,70000,5000,15000,0,900")
    files = {**files, "ledger.csv": MINIMAL["ledger.csv"].replace("2023-03-05", "2025-03-05")}
    proj = ev.load_project(write_program(tmp_path, files))
    warn = proj.problems.sort_values("file")
    assert warn[["file", "row", "column"]].values.tolist() == [
        ["finance.csv", 3, "income"], ["ledger.csv", 4, "date"]]
    assert (warn["severity"] == "warning").all()
    assert warn["village_id"].tolist() == ["V1", "V2"]
    assert "14.0-fold" in warn["problem"].iloc[0]  # 70000 / 5000
    with pytest.raises(DataValidationError):
        ev.load_project(tmp_path, warnings_as_errors=True)


def test_zero_width_and_whitespace_cleaned(tmp_path):
    files = replace_line("villages.csv", 2, "V1\u200b , P1,  บ้าน\u200bหนองบัว  ,หนองบัว,เมือง,พะเยา")
    proj = ev.load_project(write_program(tmp_path, files))
    assert proj.villages["village_id"].tolist()[0] == "V1"
    assert proj.villages["name"].tolist()[0] == "บ้านหนองบัว"


def test_not_a_folder():
    with pytest.raises(ev.EvaluationError, match="no such folder"):
        ev.load_project("/nonexistent/data")


# --- the sample program -------------------------------------------------------------

def test_sample_loads_completely(sample_dir):
    # (speed is measured by benchmarks/bench_load.py, not here)
    proj = ev.load_project(sample_dir)
    assert len(proj.projects) >= 2 and len(proj.villages) >= 5
    assert (proj.problems["severity"] == "warning").all()
    # every row of every CSV is loaded (nothing silently dropped)
    for path in sample_dir.rglob("*.csv"):
        table = ev.schema.table_for_name(path.stem)
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        raw = raw[(raw != "").any(axis=1)]
        assert len(raw) <= len(getattr(proj, table.name)), path
    total_csv_rows = sum(
        len(pd.read_csv(p, dtype=str, encoding="utf-8-sig")) for p in sample_dir.rglob("*.csv")
        if ev.schema.table_for_name(p.stem).name == "happiness")
    assert total_csv_rows == len(proj.happiness)
    assert set(proj.ladders) == set(proj.projects["project_id"])


def test_sample_excel_form_loads_the_same(sample_project, tmp_path):
    book = ev.write_workbook(sample_project, tmp_path / "sample.xlsx")
    again = ev.load_project(book)
    for table in ("participants", "happiness", "finance", "ledger", "savings"):
        assert len(getattr(again, table)) == len(getattr(sample_project, table)), table
    assert np.isclose(again.finance["income"].sum(), sample_project.finance["income"].sum())


def test_village_summary(sample_project):
    table = ev.village_summary(sample_project)
    assert list(table["village_id"]) == list(sample_project.villages["village_id"])
    # every village, comparison villages (arm) included
    assert table.loc[table["arm"] == "comparison", "village_id"].tolist() == \
        sample_project.comparison_ids == ["C01", "C02"]
    people = sample_project.participants
    expected_target = people[people["role"] == "target"].groupby("village_id").size()
    assert table.set_index("village_id")["n_target"].to_dict() == expected_target.to_dict()


LADDER = """project_id: P1
title: บันไดผลลัพธ์
steps:
  - step: 1
    outcome: มีคณะทำงาน
    indicators:
      - id: team
        label: จำนวนคณะทำงาน
        metric: participants_count
        params: {role: team}
        target: 1
        comparator: ">="
        unit: {unit}
"""


def test_ladder_is_loaded_and_its_warnings_kept(tmp_path):
    proj = ev.load_project(write_program(tmp_path, {**MINIMAL,
                                                    "ladder.yaml": LADDER.replace("{unit}",
                                                                                  "people")}))
    assert list(proj.ladders) == ["P1"] and proj.problems.empty
    proj = ev.load_project(write_program(tmp_path, {**MINIMAL,
                                                    "ladder.yaml": LADDER.replace("{unit}",
                                                                                  "baht")}))
    assert proj.problems[["file", "severity"]].values.tolist() == [["ladder.yaml", "warning"]]


def test_ladder_errors_carry_the_yaml_line(tmp_path):
    bad = LADDER.replace("{unit}", "people").replace("participants_count", "no_such_metric")
    problems = problems_of(write_program(tmp_path, {**MINIMAL, "ladder.yaml": bad}))
    assert problems[["file", "row"]].values.tolist() == [["ladder.yaml", 9]]
    assert problems["problem"].str.contains("participants_count").all()  # lists known ones


def test_ladder_for_unknown_project(tmp_path):
    bad = LADDER.replace("{unit}", "people").replace("project_id: P1", "project_id: P7")
    problems = problems_of(write_program(tmp_path, {**MINIMAL, "ladder.yaml": bad}))
    assert problems[["file", "column", "value"]].values.tolist() == [
        ["ladder.yaml", "project_id", "P7"]]
