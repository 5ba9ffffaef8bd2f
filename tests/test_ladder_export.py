"""The indicator tracking table (wide layout, Thai headers) and its Excel export."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import EXIT_INVALID_DATA, app
from evaluation.ladder_export import tracking_table, write_ladder_excel

from test_ladder_tracking import make_project


@pytest.fixture
def project():
    return make_project()


def test_tracking_table_layout(project):
    lad = project.ladders["P01"]
    frame = ev.evaluate_ladder(project, waves=True, include_project=True)
    table = tracking_table(frame, lad)
    assert list(table.columns) == [
        "หมู่บ้าน", "ขั้นที่", "ผลลัพธ์", "ตัวชี้วัด", "หน่วย", "ค่าฐาน",
        "เป้าหมาย (ระหว่างโครงการ)", "ผลการดำเนินงาน (ระหว่างโครงการ)",
        "เป้าหมาย (สิ้นสุดโครงการ)", "ผลการดำเนินงาน (สิ้นสุดโครงการ)",
        "ร้อยละความก้าวหน้า", "ร้อยละของเป้าหมาย", "สถานะ", "แหล่งข้อมูล", "จำนวนข้อมูล (n)"]
    # 5 indicators × (V01, V02, whole project)
    assert len(table) == 15
    assert table["หมู่บ้าน"].tolist()[-1] == "ทั้งโครงการ"
    row = table[(table["หมู่บ้าน"] == "V01") & (table["ตัวชี้วัด"] == "รายได้เฉลี่ยต่อเดือน")].iloc[0]
    # hand values from test_ladder_tracking: baseline 4333.33 (measured), during 4333.33
    # against 5000, post 5200 against 6000, progress 52 %
    assert row["ค่าฐาน"] == pytest.approx(13000 / 3)
    assert row["เป้าหมาย (ระหว่างโครงการ)"] == 5000
    assert row["ผลการดำเนินงาน (ระหว่างโครงการ)"] == pytest.approx(13000 / 3)
    assert row["ผลการดำเนินงาน (สิ้นสุดโครงการ)"] == pytest.approx(5200)
    assert row["ร้อยละความก้าวหน้า"] == pytest.approx(52.0)
    assert row["สถานะ"] == "บรรลุบางส่วน"
    assert row["แหล่งข้อมูล"] == "แบบสำรวจการเงินครัวเรือน (ก่อน/ระหว่าง/หลัง)"
    # a metric without waves: only the end-of-project columns
    members = table[(table["หมู่บ้าน"] == "V01") & (table["ตัวชี้วัด"] == "สมาชิก")].iloc[0]
    assert math.isnan(members["เป้าหมาย (ระหว่างโครงการ)"])
    assert members["ผลการดำเนินงาน (สิ้นสุดโครงการ)"] == 3
    # count_rows names its table
    rows = table[table["ตัวชี้วัด"] == "แถวการเงิน"].iloc[0]
    assert rows["แหล่งข้อมูล"] == "แบบสำรวจการเงินครัวเรือน (ก่อน/ระหว่าง/หลัง)"


def test_tracking_table_english_and_split(project):
    frame = ev.evaluate_ladder(project, by=["village_id", "sex"], waves=True)
    table = tracking_table(frame, lang="en")
    assert {"Village", "Sex", "Target (mid-term)", "Actual (end)", "% progress",
            "Source of data"} <= set(table.columns)
    assert set(table["Sex"]) == {"Women", "Men"}
    assert (table["Source of data"] == "").all()   # no ladder given


def test_tracking_table_needs_evaluate_ladder_output():
    with pytest.raises(ev.EvaluationError, match=r"lacks column\(s\) \[.*'wave'"):
        tracking_table(pd.DataFrame({"project_id": ["P01"]}))


def test_excel_is_formula_safe_and_thai(project, tmp_path):
    lad = project.ladders["P01"]
    lad.steps[0].indicators[0].label = '=HYPERLINK("http://x","click")'
    lad.steps[0].outcome = "+cmd|' /C calc'!A0"
    out = write_ladder_excel(project, tmp_path / "sub" / "ladder.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["ตารางติดตาม P01", "ข้อมูลตัวชี้วัด"]
    ws = book["ตารางติดตาม P01"]
    assert ws["A1"].value.startswith("ตารางติดตามตัวชี้วัดบันไดผลลัพธ์")
    header = [c.value for c in ws[2]]
    assert header[:4] == ["หมู่บ้าน", "ขั้นที่", "ผลลัพธ์", "ตัวชี้วัด"]
    texts = [c for row in ws.iter_rows(min_row=3) for c in row
             if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert texts, "the hostile labels are in the sheet"
    assert all(c.data_type == "s" for c in texts)          # text, never a formula
    assert '=HYPERLINK("http://x","click")' in [c.value for c in texts]
    tidy = book["ข้อมูลตัวชี้วัด"]
    assert [c.value for c in tidy[1]][:3] == ["project_id", "village_id", "level"]
    assert all(c.data_type != "f" for row in tidy.iter_rows() for c in row)
    # numbers stay numbers
    assert isinstance(ws.cell(row=3, column=2).value, int)


def test_cli_ladder_writes_workbook(sample_dir, tmp_path):
    out = tmp_path / "ladder.xlsx"
    res = CliRunner().invoke(app, ["ladder", str(sample_dir), "--out", str(out),
                                   "--project", "P01", "--by", "sex"])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output
    frame = pd.read_excel(out, sheet_name="ตารางติดตาม P01", header=1)
    assert {"หมู่บ้าน", "เพศ", "ร้อยละความก้าวหน้า", "แหล่งข้อมูล"} <= set(frame.columns)
    assert set(frame["หมู่บ้าน"]) == {"V01", "V02", "V03", "ทั้งโครงการ"}


def test_cli_ladder_unknown_project(sample_dir, tmp_path):
    res = CliRunner().invoke(app, ["ladder", str(sample_dir), "--out",
                                   str(tmp_path / "x.xlsx"), "--project", "P09"])
    assert res.exit_code == EXIT_INVALID_DATA
    assert "P09" in res.output and "P01" in res.output


def test_split_table_small_cells(project):
    from evaluation.ladder_export import split_table

    frame = ev.evaluate_ladder(project, by=["village_id", "sex"])
    v01 = frame[frame["village_id"] == "V01"]
    table = split_table(v01, "sex").set_index("ตัวชี้วัด")
    # V01 women p1, p3 (n = 2), men p2, p3b (n = 2): both groups have fewer than 3
    # people -> both hidden as n <3
    assert table.loc["1. สมาชิก", "หญิง"] == "n <3" and table.loc["1. สมาชิก", "ชาย"] == "n <3"
    shown = split_table(v01, "sex", min_cell=1).set_index("ตัวชี้วัด")
    # min_cell 1 hides nothing: women 2 members (n = 2 women), men 1 (p2; p3b is team)
    assert shown.loc["1. สมาชิก", "หญิง"] == "2 คน (n = 2)"
    assert shown.loc["1. สมาชิก", "ชาย"] == "1 คน (n = 2)"
    with pytest.raises(ev.EvaluationError, match="min_cell must be a whole number"):
        split_table(v01, "sex", min_cell=0)
    with pytest.raises(ev.EvaluationError, match="column must be one of"):
        split_table(v01, "village_id")
