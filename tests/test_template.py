"""The Excel data-entry template: text formats, drop-down lists, required marks,
file mode, and a round trip through LibreOffice (typing as field staff would)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

import evaluation as ev
from evaluation.errors import DataValidationError
from evaluation.schema import TABLES
from evaluation.template import CHOICES, KEEP_ROW, LAST_ROW, TEXT_KINDS, must_fill

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return ev.write_template(tmp_path_factory.mktemp("template") / "form.xlsx")


def letter(table: str, column: str) -> str:
    names = [c.name for c in TABLES[table].columns]
    return get_column_letter(names.index(column) + 1)


def column_format(ws, col_letter: str) -> str:
    return ws.column_dimensions[col_letter].number_format


def check_text_formats(wb) -> None:
    for table in TABLES.values():
        ws = wb[table.th]
        for j, col in enumerate(table.columns, start=1):
            fmt = column_format(ws, get_column_letter(j))
            if col.kind in TEXT_KINDS:
                assert fmt == "@", (table.name, col.name, fmt)
            else:
                assert fmt != "@", (table.name, col.name, fmt)


def list_ranges(ws) -> dict[str, tuple[int, int]]:
    """Drop-down formula -> (first row, last row) of the range it covers."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[dv.formula1] = (rng.min_row, rng.max_row)
    return out


def test_identifier_phone_national_id_and_date_columns_are_text(template):
    wb = openpyxl.load_workbook(template)
    check_text_formats(wb)
    ws = wb["ผู้เข้าร่วม"]
    for name in ("person_id", "household_id", "village_id", "national_id", "phone",
                 "joined_date", "left_date"):
        assert column_format(ws, letter("participants", name)) == "@", name
    assert column_format(ws, letter("participants", "age")) != "@"


def test_drop_down_lists_cover_every_row(template):
    wb = openpyxl.load_workbook(template)
    for table in TABLES.values():
        ws = wb[table.th]
        ranges = list_ranges(ws)
        wanted = {'"' + ",".join(CHOICES[c.kind]) + '"' for c in table.columns
                  if c.kind in CHOICES}
        assert set(ranges) == wanted, table.name
        for formula, (first, last) in ranges.items():
            assert (first, last) == (2, LAST_ROW), (table.name, formula)
        if wanted:  # the hidden blank row that makes LibreOffice keep the lists
            assert ws.row_dimensions[KEEP_ROW].hidden
            assert [c.value for c in ws[KEEP_ROW] if c.value is not None] == [" "]
        assert ws.freeze_panes == "A2"


def test_star_marks_exactly_the_columns_the_loader_requires(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    happiness = [c.value for c in wb["ความสุข"][1]]
    assert "คะแนน" in happiness  # a score may be blank (not answered): no star
    assert "คะแนน *" not in happiness
    expected = set()
    for table in TABLES.values():
        ws = wb[table.th]
        for j, col in enumerate(table.columns, start=1):
            header = ws.cell(row=1, column=j).value
            assert header.endswith(" *") == must_fill(col), (table.name, header)
        # One row per starred column: that cell blank, every other cell filled.
        starred = [j for j, c in enumerate(table.columns, start=1) if must_fill(c)]
        for row, blank in enumerate(starred, start=2):
            for j in range(1, len(table.columns) + 1):
                ws.cell(row=row, column=j, value=None if j == blank else "x")
            expected.add((table.th, ws.cell(row=1, column=blank).value, row))
    path = tmp_path / "blank-stars.xlsx"
    wb.save(path)
    with pytest.raises(DataValidationError) as info:
        ev.load_project(path)
    problems = info.value.problems
    missing = problems[problems["problem"].str.startswith("required value missing")]
    assert set(zip(missing["sheet"], missing["column"], missing["row"])) == expected


def test_template_has_the_usual_file_mode(tmp_path):
    old = os.umask(0o022)
    try:
        path = ev.write_template(tmp_path / "form.xlsx")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # mkstemp alone would leave 0600


def test_workbook_from_data_keeps_ids_and_dates_as_text(sample_project, tmp_path):
    book = ev.write_workbook(sample_project.village("V04"), tmp_path / "v04.xlsx")
    ws = openpyxl.load_workbook(book)["ผู้เข้าร่วม"]
    cell = ws[f"{letter('participants', 'joined_date')}2"]
    assert (cell.value, cell.number_format) == ("2023-05-15", "@")
    again = ev.load_project(book)
    assert again.participants["joined_date"].iloc[0] == pd.Timestamp("2023-05-15")


# --- LibreOffice ---------------------------------------------------------------------

def _uno_python() -> str | None:
    for candidate in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python"):
        if Path(candidate).exists() and subprocess.run(
                [candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    return None


SOFFICE = shutil.which("soffice")
UNO_PYTHON = _uno_python() if SOFFICE else None
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (Debian: apt-get install "
                            "libreoffice-calc python3-uno): template round trip not tested")
needs_uno = pytest.mark.skipif(
    UNO_PYTHON is None, reason="LibreOffice's Python bridge is not installed (Debian: "
                               "apt-get install libreoffice-calc python3-uno)")

#: What field staff type, cell by cell, and what must come back after LibreOffice saves
#: the file and the loader reads it. Without text formats LibreOffice turns each of
#: these into a number or a (wrong) date.
TYPED = {
    ("projects", "project_id"): ("P1", "P1"),
    ("projects", "name"): ("ฟื้นฟูอาชีพ", "ฟื้นฟูอาชีพ"),
    ("projects", "start_date"): ("07/07/66", pd.Timestamp("2023-07-07")),
    ("projects", "end_date"): ("1/3/2024", pd.Timestamp("2024-03-01")),
    ("villages", "village_id"): ("007", "007"),
    ("villages", "project_id"): ("P1", "P1"),
    ("villages", "name"): ("บ้านหนองบัว", "บ้านหนองบัว"),
    ("participants", "person_id"): ("0012", "0012"),
    ("participants", "household_id"): ("0100", "0100"),
    ("participants", "village_id"): ("007", "007"),
    ("participants", "national_id"): ("1101700203451", "1101700203451"),
    ("participants", "phone"): ("0812345678", "0812345678"),
    ("participants", "role"): ("กลุ่มเป้าหมาย", "target"),
    ("participants", "joined_date"): ("07/07/66", pd.Timestamp("2023-07-07")),
}


def _libreoffice_checks(book: Path, *, frozen: bool) -> None:
    wb = openpyxl.load_workbook(book)
    check_text_formats(wb)
    for table in TABLES.values():
        ws = wb[table.th]
        if frozen:
            assert ws.freeze_panes == "A2", table.name
        for formula, (first, last) in list_ranges(ws).items():
            assert first == 2 and last >= 100_000, (table.name, formula, last)
        assert len(list_ranges(ws)) == len({c.kind for c in table.columns if c.kind in CHOICES})


@needs_uno
def test_libreoffice_save_keeps_lists_text_and_frozen_header(template, tmp_path):
    out = tmp_path / "saved.xlsx"
    typed = [f"{TABLES[t].th}!{letter(t, c)}2={text}" for (t, c), (text, _) in TYPED.items()]
    run = subprocess.run([UNO_PYTHON, str(HERE / "libreoffice_save.py"), str(template),
                          str(out), str(tmp_path / "profile"), *typed],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and out.exists(), run.stderr
    _libreoffice_checks(out, frozen=True)
    proj = ev.load_project(out)
    for (table, column), (_, expected) in TYPED.items():
        assert getattr(proj, table)[column].iloc[0] == expected, (table, column)
    assert proj.problems.empty, proj.problems.to_string()


@needs_soffice
def test_libreoffice_convert_keeps_lists_and_text(template, tmp_path):
    # `soffice --convert-to` opens the file without a view, and LibreOffice writes
    # frozen panes from the view: they are checked in the test above instead.
    run = subprocess.run([SOFFICE, "--headless", "--norestore",
                          f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                          "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"),
                          str(template)], capture_output=True, text=True, timeout=300)
    out = tmp_path / "out" / template.name
    assert run.returncode == 0 and out.exists(), run.stderr
    _libreoffice_checks(out, frozen=False)
    with pytest.raises(DataValidationError) as info:  # still an empty form
        ev.load_project(out)
    assert info.value.problems["problem"].str.contains("has no rows").all()
