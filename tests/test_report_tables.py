"""tables.xlsx of a village report: numbers as numbers, readable sheets, and only
this report's input files, with paths inside the data folder."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest


from evaluation import reporting as S


@pytest.fixture(scope="module")
def workbook(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("v01")
    ctx = S.ReportContext(out, lang="th", display=False, formats=("png",))
    v = S.report_project(sample_dir).village("V01")
    S.section_key_results(v, ctx)
    S.section_ladder(v, ctx)
    S.section_methods(v, ctx, parameters={"data_dir": str(Path(sample_dir).resolve()),
                                          "village_id": "V01"})
    ctx.finalize()
    return out / "tables.xlsx"


def sheet_for(book, title: str):
    contents = {row[1]: row[0] for row in book["สารบัญ"].iter_rows(min_row=2, values_only=True)}
    return book[contents[title]]


def test_contents_sheet_first(workbook):
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames[0] == "สารบัญ"
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_key_results_are_numbers(workbook, sample_project):
    ws = sheet_for(openpyxl.load_workbook(workbook), "ผลลัพธ์สำคัญ")
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    participants = rows["ผู้เข้าร่วม (คน)"]
    n_v01 = int((sample_project.participants["village_id"] == "V01").sum())
    assert (participants[1].value, participants[1].data_type) == (n_v01, "n")
    share = rows["สัดส่วนผู้ที่มีความสุขเพิ่มขึ้น"][1]
    assert share.data_type == "n" and 0 <= share.value <= 1 and share.number_format == "0.0%"
    income = rows["รายได้ครัวเรือนต่อเดือนเปลี่ยนไปเฉลี่ย (บาท)"]
    low, mean, high = income[2].value, income[1].value, income[3].value
    assert low < mean < high and income[4].value == 30  # 95% CI around the mean, n


def test_ladder_indicators_are_numbers(workbook):
    ws = sheet_for(openpyxl.load_workbook(workbook), "ตัวชี้วัดบันไดผลลัพธ์")
    header = [c.value for c in ws[1]]
    pct = header.index("ร้อยละของเป้าหมาย")
    first = ws[2]
    # 5 people of a target of 3: 166.7% stored as 1.667, not the text '166.7%'
    assert first[pct].data_type == "n" and first[pct].number_format == "0.0%"
    assert first[pct].value == pytest.approx(5 / 3)
    assert first[header.index("จำนวนข้อมูล (n)")].value == 36


def test_input_files_only_this_village_and_relative(workbook, sample_dir):
    book = openpyxl.load_workbook(workbook)
    files = [r[0] for r in sheet_for(book, "ไฟล์ข้อมูลที่ใช้").iter_rows(min_row=2,
                                                                          values_only=True)]
    assert files and all(f.startswith("informal-workers/") for f in files)  # V01's project
    assert not any("/lessons/V02/" in f or "/lessons/V03/" in f for f in files)
    assert any("/lessons/V01/" in f for f in files)
    absolute = str(Path(sample_dir).resolve())
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and absolute in v for v in row), ws.title
    params = dict(sheet_for(book, "พารามิเตอร์ของรายงาน").iter_rows(min_row=2,
                                                                     values_only=True))
    assert params["data_dir"] == "sample"
