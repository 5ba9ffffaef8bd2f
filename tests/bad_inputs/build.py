"""The bad-inputs corpus (issue 11): small data folders built by code, one per case.

Each :class:`Case` starts from the minimal valid program of ``tests/test_project.py``
(``MINIMAL``) and changes a few files: text, bytes in another encoding, Excel
workbooks written with openpyxl (hidden sheets, formulas without saved values,
merged cells, title rows), copies in backup folders. Nothing is a hand-edited
binary blob.

A case expects either the exact problem rows ``(file, sheet, row, column,
problem_code, severity)`` (every row ``load_project`` reports, errors and
warnings), or, for inputs that must be accepted, exact numbers computed by hand
and written beside them.

Write every case to a folder to look at it::

    .venv/bin/python tests/bad_inputs/build.py /tmp/bad_inputs
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from test_project import LADDER, MINIMAL  # noqa: E402

# --- hand computations on MINIMAL (see tests/test_project.py) ---------------------------
#: income: 5000 + 7000 + 8000 + 8200 + 4000 + 4500 + 6000 + 5800
INCOME_SUM = 48_500.0
#: mean post − pre income per household: (2000 + 200 + 500 − 200) / 4
INCOME_CHANGE = 625.0
#: ledger amounts: 300 + 120 + 60
LEDGER_SUM = 480.0
N_ROWS = {"projects": 1, "villages": 2, "participants": 4, "happiness": 8, "finance": 8,
          "ledger": 3, "savings": 3, "lessons": 2}


@dataclass
class Case:
    id: str
    cls: int  # the class of issue 11 (1–9)
    files: dict  # path -> str (UTF-8 text), bytes, callable(path) or None (removed)
    expect: list | None = None  # exact problem rows; None = accepted, see `numbers`
    numbers: dict = field(default_factory=dict)  # overrides of the accepted numbers
    check: Callable | None = None  # extra assertion on the loaded Project


def build(case: Case, folder: Path) -> Path:
    """Write ``MINIMAL`` changed by ``case.files`` into ``folder``."""
    content = {**MINIMAL, **case.files}
    for name, data in content.items():
        if data is None:
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(data):
            data(path)
        elif isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return folder


# --- helpers ----------------------------------------------------------------------------

def rows_of(name: str) -> list[list[str]]:
    return [line.split(",") for line in MINIMAL[name].strip("\n").split("\n")]


def csv_text(rows: list[list], sep: str = ",") -> str:
    return "\n".join(sep.join("" if v is None else str(v) for v in r) for r in rows) + "\n"


def replace_cell(name: str, row: int, column: str, value) -> str:
    """MINIMAL[name] with one cell changed (row 1 = header)."""
    rows = rows_of(name)
    rows[row - 1][rows[0].index(column)] = str(value)
    return csv_text(rows)


def rename_header(name: str, old: str, new: str) -> str:
    rows = rows_of(name)
    rows[0][rows[0].index(old)] = new
    return csv_text(rows)


def xlsx(sheets: dict, *, hidden: dict | None = None, merges: dict | None = None):
    """A writer of an openpyxl workbook: ``{sheet: rows}``; strings starting with "="
    are formulas (saved without a cached value, as scripts write them)."""
    def write(path: Path):
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for r in rows:
                ws.append([None if v == "" else v for v in r])
            for rng in (merges or {}).get(title, []):
                ws.merge_cells(rng)
            if hidden and title in hidden:
                ws.sheet_state = hidden[title]
        wb.save(path)
    return write


def numeric(rows: list[list[str]]) -> list[list]:
    """Cells that are plain numbers become numbers (as typed into Excel)."""
    out = []
    for r in rows:
        out.append([float(v) if v.replace(".", "", 1).isdigit() else v for v in r])
    return out


def random_bytes(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def without_column(name: str, column: str) -> str:
    rows = rows_of(name)
    j = rows[0].index(column)
    return csv_text([r[:j] + r[j + 1:] for r in rows])


def E(file, sheet, row, column, code):  # noqa: N802 (reads like a table row)
    return (file, sheet, row, column, code, "error")


def W(file, sheet, row, column, code):  # noqa: N802
    return (file, sheet, row, column, code, "warning")


LEDGER_ROWS = rows_of("ledger.csv")
FIN_ROWS = rows_of("finance.csv")
INSTRUMENT = """id: my3
name_th: ความพอใจ 3 ข้อ
name_en: Satisfaction (3 items)
version: test
source: test corpus
items:
  - {id: q1, text_th: ข้อหนึ่ง, label: one, min: 1, max: 4}
  - {id: q2, text_th: ข้อสอง, label: two, min: 1, max: 4}
  - {id: q3, text_th: ข้อสาม, label: three, min: 1, max: 4}
total:
  method: sum
"""
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))

# --- the corpus ---------------------------------------------------------------------------
CASES: list[Case] = [
    # 1. Files and sheets accounted for --------------------------------------------------
    Case("xls-legacy", 1, {"finance.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)},
         [W("finance.xls", None, None, None, "file_not_read")]),
    Case("ods", 1, {"ledger.ods": b"PK\x03\x04" + bytes(40)},
         [W("ledger.ods", None, None, None, "file_not_read")]),
    Case("docx", 1, {"บทเรียน.docx": b"PK\x03\x04" + bytes(40)},
         [W("บทเรียน.docx", None, None, None, "file_not_read")]),
    Case("upper-case-CSV-is-read", 1, {"ledger.csv": None, "LEDGER.CSV": MINIMAL["ledger.csv"]}),
    Case("upper-case-TXT-lesson-is-read", 1,
         {"lessons/V2.txt": None, "lessons/V2.TXT": MINIMAL["lessons/V2.txt"]}),
    Case("unknown-table-name", 1, {"notes.csv": "a,b\n1,2\n"},
         [W("notes.csv", None, None, None, "unknown_file")]),
    Case("excel-lock-file", 1, {"~$program.xlsx": b"\x00lock"},
         [W("~$program.xlsx", None, None, None, "file_not_read")]),
    Case("copy-name-(1)", 1, {"finance (1).csv": MINIMAL["finance.csv"]},
         [W("finance (1).csv", None, None, None, "copy_file")]),
    Case("copy-of-name", 1, {"Copy of ledger.csv": MINIMAL["ledger.csv"]},
         [W("Copy of ledger.csv", None, None, None, "copy_file")]),
    Case("hidden-sheet-skipped", 1,
         {"extra.xlsx": xlsx({"notes": [["x"]], "ledger": LEDGER_ROWS},
                             hidden={"ledger": "hidden"})},
         [W("extra.xlsx", "ledger", None, None, "hidden_sheet"),
          W("extra.xlsx", "notes", None, None, "unknown_sheet")]),
    Case("very-hidden-sheet-skipped", 1,
         {"extra.xlsx": xlsx({"คำอธิบาย": [["อ่านก่อน"]], "savings": rows_of("savings.csv")},
                             hidden={"savings": "veryHidden"})},
         [W("extra.xlsx", "savings", None, None, "hidden_sheet")]),
    Case("text-outside-lessons", 1, {"บันทึก.txt": "ประชุมครั้งที่ 1\n"},
         [W("บันทึก.txt", None, None, None, "file_not_read")]),
    Case("readme-is-documentation", 1, {"README.md": "# ข้อมูล\n", "notes.md": "x\n"}),
    Case("stray-yaml", 1, {"config.yaml": "a: 1\n"},
         [W("config.yaml", None, None, None, "file_not_read")]),

    # 2. Copies are never added together -------------------------------------------------
    Case("backup-folder-old", 2, {"old/ledger.csv": MINIMAL["ledger.csv"]},
         [W("old/", None, None, None, "backup_folder")]),
    Case("backup-folder-Backup-2023", 2, {"Backup 2023/finance.csv": MINIMAL["finance.csv"],
                                          "Backup 2023/ledger.csv": MINIMAL["ledger.csv"]},
         [W("Backup 2023/", None, None, None, "backup_folder")]),
    Case("backup-folder-thai", 2, {"สำรอง/savings.csv": MINIMAL["savings.csv"]},
         [W("สำรอง/", None, None, None, "backup_folder")]),
    Case("backup-folder-in-lessons", 2, {"lessons/old/V1.txt": "ข้อความเก่า\n"},
         [W("lessons/old/", None, None, None, "backup_folder")]),
    # ledger.csv is read first (sorted paths), so the workbook's rows are the copies.
    Case("csv-next-to-its-excel-copy", 2, {"ledger.xlsx": xlsx({"ledger": LEDGER_ROWS})},
         [W("ledger.xlsx", "ledger", None, None, "table_in_several_files"),
          E("ledger.xlsx", "ledger", 2, None, "duplicate_across_sources"),
          E("ledger.xlsx", "ledger", 3, None, "duplicate_across_sources"),
          E("ledger.xlsx", "ledger", 4, None, "duplicate_across_sources")]),
    Case("second-workbook-in-sub-folder", 2,
         {"from-field/program.xlsx": xlsx({"savings": numeric(rows_of("savings.csv"))})},
         [W("savings.csv", None, None, None, "table_in_several_files"),
          E("savings.csv", None, 2, None, "duplicate_across_sources"),
          E("savings.csv", None, 3, None, "duplicate_across_sources"),
          E("savings.csv", None, 4, None, "duplicate_across_sources")]),
    Case("same-row-twice-in-one-file", 2,
         {"ledger.csv": MINIMAL["ledger.csv"] + "H1,2023-02-02,expense,อาหาร,120\n"},
         [W("ledger.csv", None, 5, None, "duplicate_row")]),
    # Sibling folders are the multi-project layout: no warning, rows added once each.
    Case("sibling-folders-accepted", 2,
         {"ledger.csv": None, "a/ledger.csv": csv_text(LEDGER_ROWS[:3]),
          "b/ledger.csv": csv_text([LEDGER_ROWS[0], LEDGER_ROWS[3]])}),
    Case("two-names-one-folder", 2,
         {"ledger.csv": csv_text(LEDGER_ROWS[:3]),
          "บัญชีครัวเรือน.csv": csv_text([LEDGER_ROWS[0], LEDGER_ROWS[3]])},
         [W("บัญชีครัวเรือน.csv", None, None, None, "table_in_several_files")]),
    # A keyed table copied: every row a duplicate key naming the first source.
    Case("finance-copied-in-sub-folder", 2, {"data2/finance.csv": MINIMAL["finance.csv"]},
         [W("finance.csv", None, None, None, "table_in_several_files")]
         + [E("finance.csv", None, r, "household_id, wave", "duplicate_key")
            for r in range(2, 10)]),

    # 3. Columns accounted for -----------------------------------------------------------
    Case("income_baht", 3, {"finance.csv": rename_header("finance.csv", "income", "income_baht")}),
    Case("unit-in-brackets", 3,
         {"finance.csv": rename_header("finance.csv", "income", "รายได้ (บาท)")}),
    Case("unit-per-year-is-not-mapped", 3,
         {"finance.csv": rename_header("finance.csv", "income", "รายได้ (บาท/ปี)")},
         [W("finance.csv", None, 1, "รายได้ (บาท/ปี)", "column_looks_like")]),
    Case("kobo-group-path", 3, {"finance.csv": rename_header(
        "finance.csv", "income", "money/income").replace("expenses", "money/expenses")}),
    Case("kobo-group_finance", 3, {"finance.csv": rename_header(
        "finance.csv", "income", "group_finance/income")}),
    Case("odk-dash-group", 3, {"finance.csv": rename_header(
        "finance.csv", "income", "group_finance-income")}),
    Case("nbsp-and-zero-width", 3, {"finance.csv": rename_header(
        "finance.csv", "income", "inc\u200bome\u00a0")}),
    Case("upper-case-headers", 3, {"finance.csv": rename_header(
        "finance.csv", "household_id", "Household_ID").replace("income", "INCOME")}),
    Case("google-forms-question", 3, {"finance.csv": rename_header(
        "finance.csv", "income", "รายได้ต่อเดือนของครัวเรือนท่านประมาณเท่าไร")},
         [W("finance.csv", None, 1, "รายได้ต่อเดือนของครัวเรือนท่านประมาณเท่าไร",
            "column_looks_like")]),
    Case("numbers-in-an-unknown-column", 3,
         {"finance.csv": rename_header("finance.csv", "income", "amount_x")},
         [W("finance.csv", None, None, "amount_x", "numbers_unmapped")]),
    Case("kobo-metadata-kept", 3, {"finance.csv": csv_text(
        [r + (["_uuid", "_submission_time"] if i == 0 else [f"u{i}", "2023-12-01T10:00"])
         for i, r in enumerate(FIN_ROWS)])}),
    Case("two-columns-one-meaning", 3, {"finance.csv": csv_text(
        [r + (["รายได้"] if i == 0 else [r[3]]) for i, r in enumerate(FIN_ROWS)])},
         [E("finance.csv", None, 1, "รายได้", "duplicate_column")]),

    # 4. Cells accounted for -------------------------------------------------------------
    Case("formula-without-value-required", 4, {"ledger.csv": None, "ledger.xlsx": xlsx(
        {"ledger": [LEDGER_ROWS[0], LEDGER_ROWS[1], LEDGER_ROWS[2][:4] + ["=100+20"],
                    LEDGER_ROWS[3]]})},
         [E("ledger.xlsx", "ledger", 3, "amount", "formula_without_value"),
          E("ledger.xlsx", "ledger", 3, "amount", "missing_value")]),
    Case("formula-without-value-optional", 4, {"finance.csv": None, "finance.xlsx": xlsx(
        {"finance": [FIN_ROWS[0], FIN_ROWS[1][:3] + ["=4000+1000"] + FIN_ROWS[1][4:]]
         + FIN_ROWS[2:]})},
         [E("finance.xlsx", "finance", 2, "income", "formula_without_value")]),
    Case("merged-village-cells", 4, {"participants.csv": None, "participants.xlsx": xlsx(
        {"participants": rows_of("participants.csv")}, merges={"participants": ["C2:C3"]})},
         [W("participants.xlsx", "participants", 2, "village_id", "merged_cells")],
         check=lambda p: p.participants.set_index("person_id").loc["A2", "village_id"] == "V1"),
    Case("title-row-above-header-excel", 4, {"ledger.csv": None, "ledger.xlsx": xlsx(
        {"ledger": [["บัญชีครัวเรือน ปี 2566"]] + LEDGER_ROWS},
        merges={"ledger": ["A1:E1"]})},
         [W("ledger.xlsx", "ledger", 2, None, "header_not_first")]),
    Case("header-on-row-4", 4, {"ledger.csv": None, "ledger.xlsx": xlsx(
        {"ledger": [["รายงาน"], [], ["หน่วย: บาท"]] + LEDGER_ROWS})},
         [W("ledger.xlsx", "ledger", 4, None, "header_not_first")]),
    Case("totals-row-excel", 4, {"ledger.csv": None, "ledger.xlsx": xlsx(
        {"ledger": numeric(LEDGER_ROWS) + [["รวม", "", "", "", 480]]})},
         [W("ledger.xlsx", "ledger", 5, None, "totals_row")]),
    Case("totals-row-csv", 4, {"finance.csv": MINIMAL["finance.csv"] + "Total,,,48500,,,,\n"},
         [W("finance.csv", None, 10, None, "totals_row")]),
    # Title row in a CSV: the header is row 2, so a bad date in the second entry is row 4.
    Case("title-row-csv-row-numbers", 4, {"ledger.csv": "บัญชีครัวเรือน,,,,\n"
                                                        + replace_cell("ledger.csv", 3, "date",
                                                                       "2023-02-30")},
         [W("ledger.csv", None, 2, None, "header_not_first"),
          E("ledger.csv", None, 4, "date", "invalid_date")]),
    Case("value-right-of-last-header", 4, {"ledger.csv": None, "ledger.xlsx": xlsx(
        {"ledger": [LEDGER_ROWS[0], LEDGER_ROWS[1], LEDGER_ROWS[2] + ["", "ดูใบเสร็จ"],
                    LEDGER_ROWS[3]]})},
         [W("ledger.xlsx", "ledger", 3, None, "cell_without_header")]),
    Case("excel-numbers-and-dates-accepted", 4, {"finance.csv": None, "finance.xlsx": xlsx(
        {"finance": numeric(FIN_ROWS)})}),

    # 5. Text encodings and separators ---------------------------------------------------
    Case("utf8-bom", 5, {"participants.csv": MINIMAL["participants.csv"].encode("utf-8-sig")}),
    Case("utf16-bom-tab-separated", 5, {"ledger.csv": csv_text(LEDGER_ROWS, "\t")
                                        .encode("utf-16")},
         [W("ledger.csv", None, None, None, "encoding_not_utf8")]),
    Case("utf16-le-without-bom", 5, {"ledger.csv": MINIMAL["ledger.csv"].encode("utf-16-le")},
         [W("ledger.csv", None, None, None, "encoding_not_utf8")]),
    Case("cp874-participants", 5, {"participants.csv": MINIMAL["participants.csv"]
                                   .encode("cp874")},
         [W("participants.csv", None, None, None, "encoding_not_utf8")],
         check=lambda p: p.participants["occupation_group"].tolist()[0] == "น้ำพริก"),
    Case("cp874-lesson", 5, {"lessons/V2.txt": MINIMAL["lessons/V2.txt"].encode("cp874")},
         [W("lessons/V2.txt", None, None, None, "encoding_not_utf8")],
         check=lambda p: "ผักตบชวา" in p.lessons.set_index("village_id").loc["V2", "text"]),
    # lesson files are parsed together (one frame for many one-row files): the problem
    # must still name the blank file, not the first one of the run
    Case("blank-lesson-among-others", 4, {"lessons/V1/ว่าง.txt": " \n\u200b\n",
                                          "lessons/V1/อุปสรรค.txt": "ฝนตกหนัก\n"},
         [E("lessons/V1/ว่าง.txt", None, 1, "text", "missing_value")]),
    Case("binary-lesson", 5, {"lessons/V1/การสร้างทีม.txt": b"\x00\x01PNG\x89" + random_bytes(300, 1)},
         [E("lessons/V1/การสร้างทีม.txt", None, None, None, "not_text")]),
    Case("latin1-not-thai", 5, {"ledger.csv": (MINIMAL["ledger.csv"].split("\n")[0]
                                               + "\nH1,2023-02-01,income,caf\xe9 \xff,300\n")
                                .encode("latin-1")},
         [E("ledger.csv", None, None, None, "not_utf8")]),
    Case("binary-csv", 5, {"finance.csv": random_bytes(2000, 7)},
         [E("finance.csv", None, None, None, "not_text")]),
    Case("semicolon-separated", 5, {"finance.csv": csv_text(FIN_ROWS, ";")}),
    Case("tab-separated", 5, {"savings.csv": csv_text(rows_of("savings.csv"), "\t")}),
    # sep= line: the header is row 2, the second entry row 4.
    Case("excel-sep-line", 5, {"ledger.csv": "sep=;\n" + csv_text(
        [LEDGER_ROWS[0], LEDGER_ROWS[1], LEDGER_ROWS[2][:4] + ["หนึ่งร้อย"], LEDGER_ROWS[3]],
        ";")},
         [E("ledger.csv", None, 4, "amount", "not_a_number")]),
    Case("cp874-ladder", 5, {"ladder.yaml": LADDER.replace("{unit}", "people").encode("cp874")},
         [W("ladder.yaml", None, None, None, "encoding_not_utf8")],
         check=lambda p: list(p.ladders) == ["P1"]),
    Case("utf16-instrument", 5, {"instruments/my3.yaml": INSTRUMENT.encode("utf-16")},
         [W("instruments/my3.yaml", None, None, None, "encoding_not_utf8")],
         check=lambda p: list(p.instruments) == ["my3"]),
    Case("binary-instrument", 5, {"instruments/my3.yaml": random_bytes(500, 3)},
         [E("instruments/my3.yaml", None, None, None, "not_text")]),

    # 6. Plausibility --------------------------------------------------------------------
    Case("half-point-answer", 6, {"happiness.csv": replace_cell("happiness.csv", 2, "value",
                                                                "5.5")},
         [E("happiness.csv", None, 2, "value", "not_on_scale")]),
    Case("answer-off-the-scale", 6, {"happiness.csv": replace_cell("happiness.csv", 3, "value",
                                                                   "11")},
         [E("happiness.csv", None, 3, "value", "out_of_range")]),
    Case("household-size-0-participants", 6, {"participants.csv": csv_text(
        [r + (["household_size"] if i == 0 else ["0" if i == 1 else "3"])
         for i, r in enumerate(rows_of("participants.csv"))])},
         [E("participants.csv", None, 2, "household_size", "household_size_zero")]),
    # rows_of index 4 is the fifth line of the file: row 5 (H2, post)
    Case("household-size-0-finance", 6, {"finance.csv": csv_text(
        [r + (["จำนวนสมาชิกในครัวเรือน"] if i == 0 else ["0" if i == 4 else "2"])
         for i, r in enumerate(FIN_ROWS)])},
         [E("finance.csv", None, 5, "จำนวนสมาชิกในครัวเรือน", "household_size_zero")]),
    # One problem, not a warning for every date of the project.
    Case("project-starts-after-it-ends", 6, {"projects.csv": replace_cell(
        "projects.csv", 2, "start_date", "2024-06-01")},
         [E("projects.csv", None, 2, "start_date", "project_dates_reversed")]),
    # 02/13 and 02/14 fail day first; 03/05 is ambiguous and read 3 May.
    Case("us-dates", 6, {"ledger.csv": csv_text(
        [LEDGER_ROWS[0], LEDGER_ROWS[1][:1] + ["02/13/2023"] + LEDGER_ROWS[1][2:],
         LEDGER_ROWS[2][:1] + ["02/14/2023"] + LEDGER_ROWS[2][2:],
         LEDGER_ROWS[3][:1] + ["03/05/2023"] + LEDGER_ROWS[3][2:]])},
         [E("ledger.csv", None, 2, "date", "invalid_date"),
          E("ledger.csv", None, 3, "date", "invalid_date"),
          E("ledger.csv", None, None, "date", "dates_month_first")]),
    # Project Jan–Mar 2023 (± a month). Day first: 2 Oct, 2 Nov, 3 May (outside);
    # month first: 10 Feb, 11 Feb, 5 Mar (inside).
    Case("ambiguous-dates-fit-month-first", 6, {
        "projects.csv": replace_cell("projects.csv", 2, "end_date", "2023-03-31"),
        "happiness.csv": without_column("happiness.csv", "date"),
        "finance.csv": without_column("finance.csv", "date"),
        "ledger.csv": csv_text(
            [LEDGER_ROWS[0], LEDGER_ROWS[1][:1] + ["02/10/2023"] + LEDGER_ROWS[1][2:],
             LEDGER_ROWS[2][:1] + ["02/11/2023"] + LEDGER_ROWS[2][2:],
             LEDGER_ROWS[3][:1] + ["03/05/2023"] + LEDGER_ROWS[3][2:]])},
         [W("ledger.csv", None, None, "date", "dates_ambiguous"),
          W("ledger.csv", None, 2, "date", "date_outside_project"),
          W("ledger.csv", None, 3, "date", "date_outside_project"),
          W("ledger.csv", None, 4, "date", "date_outside_project")]),
    Case("numbered-rounds-two-only", 6, {"happiness.csv": MINIMAL["happiness.csv"]
                                         .replace(",pre,", ",ครั้งที่ 1,")
                                         .replace(",post,", ",ครั้งที่ 2,")},
         [W("happiness.csv", None, None, "wave", "wave_numbered")],
         check=lambda p: sorted(p.happiness["wave"].astype(str).unique()) == ["during", "pre"]),
    Case("two-thai-labels-one-wave", 6, {"happiness.csv": MINIMAL["happiness.csv"]
                                         .replace("A1,post", "A1,หลังอบรม")
                                         .replace("B1,post", "B1,หลังโครงการ")},
         [W("happiness.csv", None, None, "wave", "wave_collapsed")]),
    Case("income-tenfold-jump", 6, {"finance.csv": replace_cell("finance.csv", 3, "income",
                                                                "70000")},
         [W("finance.csv", None, 3, "income", "suspicious_change")]),

    # 7. Untrusted YAML is bounded (the test adds a time limit) ---------------------------
    Case("ladder-billion-laughs", 7, {"ladder.yaml": BOMB},
         [E("ladder.yaml", None, None, None, "yaml_bounds")]),
    Case("instrument-billion-laughs", 7, {"instruments/bomb.yaml": BOMB},
         [E("instruments/bomb.yaml", None, None, None, "yaml_bounds")]),
    Case("ladder-recursive-alias", 7, {"ladder.yaml": "project_id: P1\nsteps: &s [*s]\n"},
         [E("ladder.yaml", None, 2, None, "yaml_bounds")]),
    Case("ladder-too-deep", 7, {"ladder.yaml": "project_id: P1\nsteps: " + "[" * 100
                                + "]" * 100 + "\n"},
         [E("ladder.yaml", None, 2, None, "yaml_bounds")]),
    Case("ladder-python-tag", 7, {"ladder.yaml": "project_id: !!python/object/apply:os.system "
                                                 "['echo pwned']\nsteps: []\n"},
         [E("ladder.yaml", None, 1, None, "yaml_invalid")]),
]

def main(out: str) -> None:
    for case in CASES:
        folder = Path(out) / f"{case.cls}-{case.id}"
        build(case, folder)
        print(folder)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs_out")
