"""Excel data-entry workbooks: the empty template field staff fill in, and the
same layout written from loaded data (``write_workbook``).

Each table is one sheet named in Thai (``Table.th``) with Thai headers in row
1; every header carries a comment with the English column name, meaning,
unit and whether it must be filled. ``*`` marks a column whose every row must
be filled (a blank cell is an error when the workbook is loaded); columns that
may be left blank (a happiness score not answered) carry no ``*``.

So that a spreadsheet program keeps what field staff type:

* identifier, phone, national-ID and date columns are formatted as text
  (``@``): ``007`` stays ``007``, ``0812345678`` keeps its ``0`` and
  ``07/07/66`` is not turned into a 1966 date;
* columns with a fixed vocabulary (wave, sex, role, entry kind) get a
  drop-down list over every row of the sheet (rows 2 to 1,048,576), written
  so that LibreOffice keeps it when it saves the file;
* the header row stays frozen while scrolling.

``load_project`` reads the workbook back unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .schema import TABLES, Table

#: Drop-down choices shown to field staff (Thai labels the loader accepts).
CHOICES = {
    "wave": ["ก่อน", "ระหว่าง", "หลัง"],
    "sex": ["หญิง", "ชาย"],
    "role": ["คณะทำงาน", "กลุ่มเป้าหมาย", "ครูพี่เลี้ยง"],
    "kind": ["รายรับ", "รายจ่าย"],
    "arm": ["โครงการ", "กลุ่มเปรียบเทียบ"],
}
_TH_VALUE = {
    "wave": {"pre": "ก่อน", "during": "ระหว่าง", "post": "หลัง"},
    "sex": {"F": "หญิง", "M": "ชาย"},
    "role": {"team": "คณะทำงาน", "target": "กลุ่มเป้าหมาย", "mentor": "ครูพี่เลี้ยง"},
    "kind": {"income": "รายรับ", "expense": "รายจ่าย"},
    "arm": {"program": "โครงการ", "comparison": "กลุ่มเปรียบเทียบ"},
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
    "arm": "โครงการ / กลุ่มเปรียบเทียบ (ว่าง = โครงการ) / program or comparison village",
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


#: Last row of an .xlsx sheet: drop-down lists and text formats cover every row.
LAST_ROW = 1_048_576
#: LibreOffice writes a sheet's drop-down lists only down to 1,000 rows below its
#: last non-empty cell. On sheets with drop-down lists a hidden row holding one space
#: at this row keeps them over at least 100,000 rows when the workbook is saved in
#: LibreOffice (Excel keeps the whole column anyway). The loader treats the row as
#: blank.
KEEP_ROW = 100_001
#: Column kinds typed as text (``@``) so a spreadsheet keeps leading zeros and
#: does not turn a date into a number or another date.
TEXT_KINDS = ("id", "date")


def must_fill(col) -> bool:
    """True when every row must have a value in `col` (the header gets ``*``).

    A column that must be present but may hold blanks (``required`` but
    ``nullable``, e.g. a happiness item not answered) is not marked.
    """
    return col.required and not col.nullable


def _header(col) -> str:
    return f"{col.th} *" if must_fill(col) else col.th


def _atomic_save(wb, out: Path) -> None:
    from .export import atomic_path

    with atomic_path(out) as tmp:  # the usual file mode (umask), not mkstemp's 0600
        wb.save(tmp)


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
                + ("\nต้องกรอกทุกแถว / required in every row" if must_fill(col) else "")
                + ("\nเว้นว่างได้ถ้าไม่ได้ตอบ / may be blank (not answered)"
                   if col.required and not must_fill(col) else "")
                + ("\nข้อมูลส่วนบุคคล ไม่แสดงในรายงาน / personal data, never in reports"
                   if col.pii else ""))
        cell.comment = Comment(note, "evaluation")
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = max(12, len(col.th) + 4)
        if col.kind in TEXT_KINDS:
            dim.number_format = "@"  # the column's style: every row typed as text
        if col.kind in CHOICES:
            dv = DataValidation(type="list", formula1='"' + ",".join(CHOICES[col.kind]) + '"',
                                allow_blank=not must_fill(col), showErrorMessage=True,
                                errorTitle="ค่าที่ไม่รู้จัก",
                                error="เลือกจากรายการ: " + ", ".join(CHOICES[col.kind]))
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
    ws.freeze_panes = "A2"
    if any(col.kind in CHOICES for col in table.columns):
        _keep_lists(ws, max(KEEP_ROW, (0 if frame is None else len(frame)) + 2))
    if frame is not None and not frame.empty:
        for i, record in enumerate(frame.itertuples(index=False), start=2):
            values = record._asdict()
            for j, col in enumerate(table.columns, start=1):
                value = values.get(col.name)
                if value is None or (not isinstance(value, str) and pd.isna(value)):
                    continue
                if col.kind in _TH_VALUE:
                    value = _TH_VALUE[col.kind].get(value, value)
                elif col.kind == "date":  # ISO text in a text column: no locale guessing
                    value = pd.Timestamp(value).strftime("%Y-%m-%d")
                elif col.kind == "int":
                    value = int(value)
                cell = ws.cell(row=i, column=j, value=value)
                if col.kind in TEXT_KINDS:
                    cell.number_format = "@"
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text from the data, never a formula
                    cell.quotePrefix = True
    return ws


def _keep_lists(ws, row: int) -> None:
    """A hidden blank row far down, so LibreOffice keeps the drop-down lists."""
    ws.cell(row=row, column=1, value=" ")
    ws.row_dimensions[row].hidden = True


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
        from .errors import ArgumentError

        raise ArgumentError(f"out must end in .xlsx, got {out.name!r}")
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
