"""Excel data-entry workbooks: the empty template field staff fill in, and the
same layout written from loaded data (``write_workbook``).

Each table is one sheet named in Thai (``Table.th``) with Thai headers in row
1; every header carries a comment with the English column name, meaning,
unit and whether it is required. Columns with a fixed vocabulary (wave, sex,
role, entry kind) get drop-down lists. ``load_project`` reads the workbook
back unchanged.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .schema import TABLES, Table

#: Drop-down choices shown to field staff (Thai labels the loader accepts).
CHOICES = {
    "wave": ["ก่อน", "ระหว่าง", "หลัง"],
    "sex": ["หญิง", "ชาย"],
    "role": ["คณะทำงาน", "กลุ่มเป้าหมาย", "ครูพี่เลี้ยง"],
    "kind": ["รายรับ", "รายจ่าย"],
}
_TH_VALUE = {
    "wave": {"pre": "ก่อน", "during": "ระหว่าง", "post": "หลัง"},
    "sex": {"F": "หญิง", "M": "ชาย"},
    "role": {"team": "คณะทำงาน", "target": "กลุ่มเป้าหมาย", "mentor": "ครูพี่เลี้ยง"},
    "kind": {"income": "รายรับ", "expense": "รายจ่าย"},
}
_KIND_HELP = {
    "id": "รหัส (ข้อความ) / code (text)",
    "text": "ข้อความ / text",
    "number": "ตัวเลข / number",
    "int": "จำนวนเต็ม / whole number",
    "money": "จำนวนเงิน (บาท) ไม่ติดลบ / amount in baht, not negative",
    "date": "วันที่ เช่น 7 ก.ค. 2566 หรือ 2566-07-07 / date (Buddhist era or CE)",
    "wave": "ก่อน / ระหว่าง / หลัง",
    "sex": "หญิง / ชาย",
    "role": "คณะทำงาน / กลุ่มเป้าหมาย / ครูพี่เลี้ยง",
    "kind": "รายรับ / รายจ่าย",
}
INSTRUCTIONS = [
    ("วิธีกรอกข้อมูล", "How to fill in this workbook"),
    ("กรอกหนึ่งแถวต่อหนึ่งรายการ ห้ามเปลี่ยนชื่อแผ่นงานหรือหัวคอลัมน์แถวแรก",
     "One row per record; do not rename sheets or the header row."),
    ("วางเมาส์บนหัวคอลัมน์เพื่อดูคำอธิบาย คอลัมน์ที่มี * ต้องกรอก",
     "Hover a header to see its meaning; columns marked * are required."),
    ("วันที่กรอกเป็น พ.ศ. หรือ ค.ศ. ก็ได้ เช่น 7 ก.ค. 2566", "Dates may be Buddhist era or CE."),
    ("ตัวเลขไทยและ 1,500 บาท ใช้ได้", "Thai digits and '1,500 บาท' are accepted."),
    ("บันไดผลลัพธ์เขียนในไฟล์ ladder.yaml แยกต่างหาก (ดู docs/ladder.md)",
     "The outcome ladder is a separate ladder.yaml file (see docs/ladder.md)."),
    ("ชื่อ เลขบัตร และเบอร์โทร จะไม่ปรากฏในรายงาน",
     "Names, ID numbers and phone numbers never appear in reports."),
]


def _header(col) -> str:
    return f"{col.th} *" if col.required else col.th


def _atomic_save(wb, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _sheet(wb, table: Table, frame: pd.DataFrame | None):
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(table.th)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=j, value=_header(col))
        cell.font = Font(bold=True, color="9C0006" if col.pii else "000000")
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        note = (f"{col.name}: {col.en}\n{_KIND_HELP[col.kind]}"
                + (f"\nหน่วย/unit: {col.unit}" if col.unit else "")
                + ("\nต้องกรอก / required" if col.required else "")
                + ("\nข้อมูลส่วนบุคคล ไม่แสดงในรายงาน / personal data, never in reports"
                   if col.pii else ""))
        cell.comment = Comment(note, "evaluation")
        ws.column_dimensions[get_column_letter(j)].width = max(12, len(col.th) + 4)
        if col.kind in CHOICES:
            dv = DataValidation(type="list", formula1='"' + ",".join(CHOICES[col.kind]) + '"',
                                allow_blank=not col.required, showErrorMessage=True,
                                errorTitle="ค่าที่ไม่รู้จัก",
                                error="เลือกจากรายการ: " + ", ".join(CHOICES[col.kind]))
            ws.add_data_validation(dv)
            letter = get_column_letter(j)
            dv.add(f"{letter}2:{letter}5000")
    ws.freeze_panes = "A2"
    if frame is not None and not frame.empty:
        for i, record in enumerate(frame.itertuples(index=False), start=2):
            values = record._asdict()
            for j, col in enumerate(table.columns, start=1):
                value = values.get(col.name)
                if value is None or (not isinstance(value, str) and pd.isna(value)):
                    continue
                if col.kind in _TH_VALUE:
                    value = _TH_VALUE[col.kind].get(value, value)
                elif col.kind == "date":
                    value = pd.Timestamp(value).to_pydatetime().date()
                elif col.kind == "int":
                    value = int(value)
                cell = ws.cell(row=i, column=j, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text from the data, never a formula
                    cell.quotePrefix = True
    return ws


def write_template(out) -> Path:
    """Write an empty data-entry workbook with every table as a Thai sheet.

    Parameters
    ----------
    out : str or Path
        Where to write the ``.xlsx`` file (written atomically).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib, evaluation as ev
    >>> path = ev.write_template(pathlib.Path(tempfile.mkdtemp()) / "template.xlsx")
    >>> path.suffix
    '.xlsx'
    """
    return write_workbook(None, out)


def write_workbook(project, out) -> Path:
    """Write a project's tables (or an empty template when ``project`` is None)
    to one workbook in the template layout; ``load_project`` reads it back."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"out must end in .xlsx, got {out.name!r}")
    wb = Workbook()
    info = wb.active
    info.title = "คำอธิบาย"
    for i, (th, en) in enumerate(INSTRUCTIONS, start=1):
        info.cell(row=i, column=1, value=th).font = Font(bold=(i == 1))
        info.cell(row=i, column=2, value=en).font = Font(bold=(i == 1))
    info.column_dimensions["A"].width = 70
    info.column_dimensions["B"].width = 60
    for name, table in TABLES.items():
        frame = getattr(project, name) if project is not None else None
        _sheet(wb, table, frame)
    _atomic_save(wb, out)
    return out
