"""evaluation.xlsx_text: the cells' text read from the XML equals openpyxl's."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from evaluation.errors import ParseError
from evaluation.xlsx_text import xlsx_cells, xlsx_properties, xlsx_sheets


def _openpyxl_cells(path: Path) -> list[tuple[str, str, object]]:
    """The reference: openpyxl in read-only mode, formulas as written."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    out = []
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        out.append((ws.title, cell.coordinate, cell.value))
    finally:
        book.close()
    return out


def _same_as_openpyxl(path: Path) -> list:
    """xlsx_cells(path), checked equal to openpyxl's reading but for dates, where
    openpyxl turns the stored number into a datetime and xlsx_text keeps it."""
    ours = list(xlsx_cells(path))
    theirs = _openpyxl_cells(path)
    dates = {(s, c) for s, c, v in theirs if isinstance(v, (dt.datetime, dt.date, dt.time))}
    assert [x for x in ours if x[:2] not in dates] == [x for x in theirs if x[:2] not in dates]
    assert [x[:2] for x in ours] == [x[:2] for x in theirs]
    return ours


@pytest.fixture
def quirky_workbook(tmp_path) -> Path:
    """Every kind of cell a field workbook or a report's tables.xlsx holds."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "สรุป ผล"
    ws.append(["กลุ่ม", "ครัวเรือน", "รายได้", None, "หมายเหตุ"])
    ws.append(["นางมะลิ หอมดี", 12, 2733.3333333333335, None, "=B2*2"])
    ws.append([True, False, 812345678, 1234567890123, "#N/A"])
    ws.append([-5, 1e20, "0812345678", "  ช่องว่าง  ", "x005F_abc"])
    ws["A6"] = dt.datetime(2024, 1, 5)
    ws["B6"] = dt.date(2023, 12, 31)
    ws["C6"] = "=SUM(B2:B4)"
    ws["Z30"] = "ไกล"
    ws["D8"] = CellRichText(["ป้า", TextBlock(InlineFont(b=True), "สมศรี"), " โทร"])
    second = wb.create_sheet("Sheet & <2>")
    second.append(["a", "b"])
    wb.create_sheet("ว่าง")
    wb.properties.creator = "นายสมชาย ใจดี"
    wb.properties.title = "ตาราง"
    path = tmp_path / "quirky.xlsx"
    wb.save(path)
    return path


def test_cells_equal_openpyxl(quirky_workbook):
    ours = _same_as_openpyxl(quirky_workbook)
    got = {c: v for _, c, v in ours}
    assert got["E2"] == "=B2*2" and got["D8"] == "ป้าสมศรี โทร" and got["Z30"] == "ไกล"
    assert got["C3"] == 812345678 and isinstance(got["A3"], bool)


def test_sheets_in_order_with_empty_ones_and_no_chart_sheet(quirky_workbook, tmp_path):
    names = [name for name, _ in xlsx_sheets(quirky_workbook)]
    assert names == ["สรุป ผล", "Sheet & <2>", "ว่าง"]
    assert dict(xlsx_sheets(quirky_workbook))["ว่าง"] == []
    wb = openpyxl.load_workbook(quirky_workbook)
    wb.create_chartsheet("กราฟ", 1)  # (openpyxl itself cannot read this file back)
    path = tmp_path / "with-chart.xlsx"
    wb.save(path)
    assert [name for name, _ in xlsx_sheets(path)] == names


def test_dates_stay_numbers(quirky_workbook):
    got = {c: v for _, c, v in xlsx_cells(quirky_workbook)}
    assert got["A6"] == 45296 and got["B6"] == 45291  # Excel's serial days


def test_document_properties_are_read(quirky_workbook):
    text = xlsx_properties(quirky_workbook)
    assert "นายสมชาย ใจดี" in text and "ตาราง" in text


def test_inline_strings_phonetic_runs_and_cells_without_reference(tmp_path, quirky_workbook):
    """Hand-edited XML as other tools write it: inline strings, phonetic guides
    (openpyxl leaves them out), cells and rows without an ``r`` attribute."""
    path = tmp_path / "inline.xlsx"
    with zipfile.ZipFile(quirky_workbook) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = ('<?xml version="1.0" encoding="UTF-8"?>'
                        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        '2006/main"><sheetData>'
                        '<row><c t="inlineStr"><is><t>ลุง</t><rPh sb="0" eb="1"><t>x</t>'
                        '</rPh></is></c><c t="inlineStr"><is><r><t>มา</t></r><r><t>นะ</t>'
                        '</r></is></c><c t="str"><f>A1&amp;B1</f><v>ลุงมานะ</v></c></row>'
                        '<row r="5"><c t="e"><v>#DIV/0!</v></c><c><v>0.5</v></c>'
                        '<c r="F5" t="b"><v>1</v></c><c t="s"><v>0</v></c>'
                        '<c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>'
                        '</sheetData></worksheet>').encode("utf-8")
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    '</Types>').encode())
            dst.writestr(item, data)
        dst.writestr("xl/sharedStrings.xml", (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<si><t>กลุ่ม</t></si><si><r><t>ป้า</t></r><r><t>แดง</t></r>'
            '<rPh sb="0" eb="1"><t>x</t></rPh></si><si><t>x005F_y</t></si></sst>'
        ).encode("utf-8"))
    ours = [c for c in _same_as_openpyxl(path) if c[0] == "Sheet & <2>"]
    assert ours[0] == ("Sheet & <2>", "A1", "ลุง") and ours[3] == ("Sheet & <2>", "A5", "#DIV/0!")
    assert ours[-3:] == [("Sheet & <2>", "G5", "กลุ่ม"), ("Sheet & <2>", "H5", "ป้าแดง"),
                         ("Sheet & <2>", "I5", "y")]


def test_report_workbook_equals_openpyxl(tmp_path):
    """A report's own tables.xlsx, written as every report writes it (the file a
    national batch's scan reads 1,000 times): write-only mode, inline strings."""
    import pandas as pd

    from evaluation.export import write_tables

    tables = {"ตาราง 1": pd.DataFrame({"กลุ่ม": ["ก", "ข", None], "จำนวน": [3, 4, 5],
                                       "ร้อยละ": [42.857142857142854, 57.1, float("nan")],
                                       "สูตร": ["=1+1", "@x", "ปกติ"]}),
              "อีกตาราง": pd.DataFrame({"โทร": ["0812345678"], "เลข": [812345678]})}
    path = tmp_path / "tables.xlsx"
    write_tables(tables, path)
    ours = _same_as_openpyxl(path)
    assert {s for s, _, _ in ours} >= {"ตาราง 1", "อีกตาราง"}


def test_missing_shared_string_is_an_error(tmp_path, quirky_workbook):
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(quirky_workbook) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b'<c r="A1" t="inlineStr"><is><t>a</t></is></c>',
                                    b'<c r="A1" t="s"><v>7</v></c>')
            dst.writestr(item, data)
    with pytest.raises(ParseError, match="A1: shared string 7 is not in the workbook"):
        list(xlsx_cells(path))


def test_not_a_workbook_raises(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(zipfile.BadZipFile):
        list(xlsx_cells(bad))
    copy = tmp_path / "copy.xlsx"
    shutil.copy(bad, copy)
    with pytest.raises(zipfile.BadZipFile):
        xlsx_properties(copy)
