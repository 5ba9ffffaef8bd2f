"""Finding and reading the files of a data folder (the loader's first half).

Every file, sheet, header and row seen here either becomes a :class:`Chunk`
of a table or a row in the problems list (error or warning). The rules, one
line each, are listed in ``docs/data-model.md`` ("What the loader does with
everything it finds"); the constants below are those rules.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .errors import EvaluationError
from .schema import TABLES, Table
from .textio import TextDecodeError, decode_text

#: Sheets of a workbook that are documentation, not data (ignored by design).
IGNORED_SHEETS = {"คำอธิบาย", "วิธีกรอก", "instructions", "readme", "lists", "รายการ"}
#: Folders never scanned for data (tool and output folders; names starting with "." too).
IGNORED_DIRS = {"reports", ".git", ".ipynb_checkpoints", "__pycache__", ".venv"}
#: Folder names (case-insensitive, digits/dates/punctuation ignored) that hold backup copies:
#: their files are not read; one warning lists them.
BACKUP_DIRS = {"old", "backup", "backups", "bak", "archive", "archives", "copy", "copies",
               "trash", "สำรอง", "ข้อมูลสำรอง", "เก่า", "ข้อมูลเก่า", "ไฟล์เก่า", "สำเนา",
               "ถังขยะ"}
#: File names that mark a copy ("finance (1).csv", "Copy of finance.csv", "finance - Copy.csv",
#: "finance_backup.csv", "สำเนา finance.csv"): not read, one warning each.
_RE_COPY = re.compile(r"(?:\s*\(\d+\)$|[\s_-]+(?:copy|backup|bak|old)(?:\s*\(?\d*\)?)?$|"
                      r"^copy of\s|^สำเนา|สำเนา$|สำรอง$)", re.IGNORECASE)
#: Documentation files, never data (not reported).
_DOC_SUFFIXES = {".md", ".markdown"}
#: Files that are not read, with the fix.
UNSUPPORTED = {
    ".xls": "a legacy Excel file (.xls) is not read: open it in Excel and save it as .xlsx",
    ".xlsb": "a binary Excel file (.xlsb) is not read: save it as .xlsx",
    ".ods": "an OpenDocument spreadsheet (.ods) is not read: save it as .xlsx",
    ".numbers": "a Numbers file is not read: export it as .xlsx",
    ".docx": "a document is not a table: put lessons text in lessons/<village_id>/<section>.txt",
    ".doc": "a document is not a table: put lessons text in lessons/<village_id>/<section>.txt",
    ".odt": "a document is not a table: put lessons text in lessons/<village_id>/<section>.txt",
    ".pdf": "a PDF is not read: enter its data as CSV/Excel tables",
    ".txt": "text files are read only under lessons/ (lessons/<village_id>/<section>.txt)",
    ".json": "JSON is not read: export the table as CSV or Excel",
    ".zip": "a zip archive is not read: extract its files into the folder",
}
#: First cells of a totals row (case-insensitive, trailing ':' ignored): the row is not data.
TOTAL_WORDS = {"รวม", "รวมทั้งหมด", "รวมทั้งสิ้น", "ยอดรวม", "รวมทั้งหมด:", "total", "totals",
               "grand total", "sum", "subtotal", "ทั้งหมด"}
_TOTAL_FORMS = {f(w) + end for w in TOTAL_WORDS for f in (str, str.upper, str.title)
                for end in ("", ":", " :")}
#: Rows searched for the header (the header may sit below a title row).
HEADER_SEARCH_ROWS = 5

#: Units accepted in brackets or as a suffix for each column unit of the schema.
_UNIT_WORDS = {
    "baht": {"บาท", "baht", "thb", "฿"},
    "baht/month": {"บาท", "baht", "thb", "฿", "บาท/เดือน", "บาทต่อเดือน", "baht/month",
                   "thb/month", "ต่อเดือน", "/เดือน", "permonth", "monthly", "month", "เดือน",
                   "บาท/ด"},
    "people": {"คน", "people", "persons", "person", "ราย"},
    "years": {"ปี", "years", "year", "yrs"},
    "points": {"คะแนน", "points", "point", "score"},
}
_RE_UNIT_BRACKET = re.compile(r"^(?P<base>.*?)\s*[(\[](?P<unit>[^()\[\]]*)[)\]]\s*\*?$")
_RE_UNIT_SUFFIX = re.compile(r"^(?P<base>.+?)[_ ](?P<unit>baht|thb|บาท|people|persons|years)$",
                             re.IGNORECASE)
_RE_GROUP_SLASH = re.compile(r"^(?:[^/()\[\]]+/)+")
_RE_GROUP_ASCII = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*(?:[-.:]|::))+")


@dataclass
class Chunk:
    """One table's rows from one file or sheet, with where they came from."""

    table: Table
    frame: pd.DataFrame  # raw values, canonical column names where recognised
    file: str
    sheet: str | None
    rows: np.ndarray  # row number in the file as the user sees it
    headers: dict[str, str]  # canonical name -> header as written in the file
    folder: str = ""  # folder of the file, relative to the root
    alt_dates: dict = field(default_factory=dict)  # month-first reading of ambiguous dates


def problem(file, sheet, row, column, value, text, code, severity="error") -> dict:
    """One row of the problems table."""
    return dict(file=file, sheet=sheet, row=row, column=column, value=value, problem=text,
                problem_code=code, severity=severity)


def rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root if root.is_dir() else root.parent))
    except ValueError:
        return str(path)


def _clean_header(value) -> str:
    from .thai import clean_text

    text = clean_text(value) if value is not None else None
    return text or ""


# --------------------------------------------------------------------------- headers

def _unit_ok(unit: str, column: schema.Column) -> bool:
    key = "".join(unit.casefold().split())
    return key in _UNIT_WORDS.get(column.unit, set())


def resolve_header(header: str, table: Table, hmap: dict | None = None
                   ) -> tuple[str | None, str | None]:
    """The canonical column a header means, or a "looks like" hint.

    Rule: exact match (case, spaces, ``_``/``-``/``.``, zero-width and
    no-break spaces ignored); else the last part of a group path
    (``money/income``, ``group_finance/income``, ``group_finance-income``);
    else the name without a unit in brackets or a unit suffix
    (``รายได้ (บาท)``, ``income_baht``) when the unit is the column's unit.
    Otherwise ``None`` and, when the header contains a known spelling or has a
    different unit, a hint naming the column it looks like.

    Examples
    --------
    >>> resolve_header("group_finance/income", schema.FINANCE)
    ('income', None)
    >>> resolve_header("รายได้ (บาท)", schema.FINANCE)
    ('income', None)
    >>> resolve_header("รายได้ (บาท/ปี)", schema.FINANCE)[1]
    "looks like income (รายได้ต่อเดือน) but its unit 'บาท/ปี' is not baht/month"
    """
    hmap = schema.header_map(table) if hmap is None else hmap
    key = schema._norm_header(header)
    if key in hmap:
        return hmap[key], None
    tail = _RE_GROUP_SLASH.sub("", header.strip())
    tail = _RE_GROUP_ASCII.sub("", tail) or tail
    if schema._norm_header(tail) in hmap:
        return hmap[schema._norm_header(tail)], None
    m = _RE_UNIT_BRACKET.match(tail) or _RE_UNIT_SUFFIX.match(tail)
    if m and schema._norm_header(m.group("base")) in hmap:
        name = hmap[schema._norm_header(m.group("base"))]
        col = table.column(name)
        if _unit_ok(m.group("unit"), col):
            return name, None
        return None, (f"looks like {name} ({col.th}) but its unit '{m.group('unit').strip()}' "
                      f"is not {col.unit or 'expected'}")
    if header.startswith("_"):  # KoboToolbox metadata (_id, _uuid, _submission_time …)
        return None, None
    best = None
    for spelling, name in hmap.items():
        if len(spelling) >= 4 and spelling in key and (best is None or len(spelling) > len(best[0])):
            best = (spelling, name)
    if best is not None:
        col = table.column(best[1])
        return None, f"looks like {best[1]} ({col.th})"
    return None, None


def _header_index(rows: list, table: Table) -> int:
    """Index of the header among the first rows: the first holding every required column."""
    hmap = schema.header_map(table)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {resolve_header(h, table, hmap)[0] for h in map(_clean_header, row) if h}
        if all(c in found for c in table.required):
            return i
    return 0


def chunk_from_frame(table: Table, frame: pd.DataFrame, rows: np.ndarray, file: str,
                     sheet: str | None, problems: list[dict], folder: str = "",
                     header_row: int = 1) -> Chunk | None:
    """Map headers to canonical names; check required columns are present."""
    hmap = schema.header_map(table)
    rename: dict[str, str] = {}
    headers: dict[str, str] = {}
    where = f"{file}" + (f" [{sheet}]" if sheet else "")
    for original in frame.columns:
        header = _clean_header(original)
        canonical, hint = resolve_header(header, table, hmap) if header else (None, None)
        if canonical is None:
            rename[original] = header or str(original)
            if hint:
                problems.append(problem(file, sheet, header_row, header, header,
                                        f"column '{header}' in {where} {hint}; it was kept as "
                                        "an unknown column: rename it or add an alias",
                                        "column_looks_like", "warning"))
            continue
        if canonical in headers:
            problems.append(problem(file, sheet, header_row, header, header,
                                    f"two columns mean '{canonical}' ('{headers[canonical]}' "
                                    f"and '{header}'); keep one", "duplicate_column"))
            rename[original] = header
            continue
        headers[canonical] = header
        rename[original] = canonical
    frame = frame.set_axis([rename.get(c, c) for c in frame.columns], axis=1)
    duplicated = frame.columns.duplicated()
    if duplicated.any():
        frame = frame.loc[:, ~duplicated]
    missing = [c for c in table.required if c not in headers]
    if missing:
        wanted = ", ".join(f"{c} ({table.column(c).th})" for c in missing)
        present = ", ".join(str(h) for h in rename.values()) or "(none)"
        problems.append(problem(file, sheet, header_row, ", ".join(missing), None,
                                f"missing required column(s) {wanted} in table "
                                f"'{table.name}'; columns present: {present}",
                                "missing_column"))
        return None
    return Chunk(table=table, frame=frame.reset_index(drop=True), file=file, sheet=sheet,
                 rows=np.asarray(rows), headers=headers, folder=folder)


def _total_key(value) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()).casefold().rstrip(":").strip()


def _drop_totals(frame: pd.DataFrame, rows: np.ndarray, file, sheet, problems):
    """Rows whose first non-blank cell (of the first three) is a totals word are not data."""
    if frame.empty or not len(frame.columns):
        return frame, rows
    columns = list(frame.columns[:3])
    # Fast exit: no cell of the first columns is a totals word.
    for c in columns:
        s = frame[c]
        if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            if s.isin(_TOTAL_FORMS).any():
                break
        elif any(_total_key(u) in TOTAL_WORDS for u in pd.unique(s.astype(object))):
            break
    else:
        return frame, rows
    first = np.full(len(frame), None, dtype=object)
    for c in columns:
        values = frame[c].to_numpy(dtype=object)
        empty = np.array([v is None for v in first])
        for i in np.flatnonzero(empty):
            v = values[i]
            if v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip():
                first[i] = v
    totals = np.array([_total_key(v) in TOTAL_WORDS for v in first], dtype=bool)
    for i in np.flatnonzero(totals):
        problems.append(problem(file, sheet, int(rows[i]), None, first[i],
                                f"row {int(rows[i])} looks like a totals row ('{first[i]}');"
                                " it was not read as data", "totals_row", "warning"))
    return frame[~totals], rows[~totals]


# --------------------------------------------------------------------------- CSV

#: Every character ``str.strip()`` removes (``str.isspace()``), for Arrow's ``utf8_trim``.
PYTHON_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
                     "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                     "\u2028\u2029\u202f\u205f\u3000")


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows of a text frame whose every cell is empty or white space.

    Column by column, only the rows still blank so far are looked at, so the
    cost is about one pass over the first column.
    """
    blank = np.full(len(frame), bool(len(frame.columns)))
    for name in frame.columns:
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        column = frame[name]
        if len(candidates) > 5_000 and column.dtype == "str":
            import pyarrow as pa
            import pyarrow.compute as pc

            values = pa.array(column.iloc[candidates].array)
            trimmed = pc.utf8_trim(values, characters=PYTHON_WHITESPACE)
            blank[candidates] = pc.equal(trimmed, "").fill_null(True).to_numpy(
                zero_copy_only=False)
        else:
            values = column.to_numpy(dtype=object)[candidates]
            blank[candidates] = [not str(v).strip() for v in values]
    return blank


def _sniff_separator(lines: list[str]) -> str:
    counts = {sep: max((ln.count(sep) for ln in lines), default=0) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best if counts[best] else ","


def read_csv(path: Path, root: Path, table: Table, problems: list[dict]) -> Chunk | None:
    """A CSV file: encoding and separator detected, header found, totals rows dropped.

    Rules: UTF-8 (BOM or not) read as it is; UTF-16 and cp874 decoded with a
    warning; an Excel ``sep=;`` first line sets the separator; otherwise the
    separator is the most frequent of ``,`` ``;`` tab in the first lines.
    """
    file = rel(path, root)
    try:
        text, warning = decode_text(path.read_bytes())
    except TextDecodeError as exc:
        problems.append(problem(file, None, None, None, None, exc.problem, exc.problem_code))
        return None
    if warning:
        problems.append(problem(file, None, None, None, None, warning, "encoding_not_utf8",
                                "warning"))
    offset = 0
    first, _, rest = text.partition("\n")
    m = re.fullmatch(r'\s*"?sep=(.)"?[,;\t]*\s*', first)
    if m:
        sep, text, offset = m.group(1), rest, 1
    else:
        sep = _sniff_separator(text.split("\n", HEADER_SEARCH_ROWS + 1)[:HEADER_SEARCH_ROWS])
    if not text.strip():
        problems.append(problem(file, None, None, None, None,
                                "file is empty: expected a header row", "empty_file"))
        return None
    try:
        head = list(itertools.islice(csv.reader(io.StringIO(text[:200_000]), delimiter=sep),
                                     HEADER_SEARCH_ROWS))
    except csv.Error:
        head = []
    h = _header_index(head, table)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, skiprows=h)
    except pd.errors.EmptyDataError:
        problems.append(problem(file, None, None, None, None,
                                "file is empty: expected a header row", "empty_file"))
        return None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        problems.append(problem(file, None, None, None, None,
                                f"cannot read as CSV: {' '.join(str(exc).split())}",
                                "not_csv"))
        return None
    frame = frame.fillna("")
    if h:
        title = " ".join(c for c in (head[0] if head else []) if c.strip())[:60]
        problems.append(problem(file, None, offset + h + 1, None, title or None,
                                f"the header is on row {offset + h + 1}; the row(s) above it "
                                "(a title?) were not read", "header_not_first", "warning"))
    blank = _blank_rows(frame)
    rows = np.arange(len(frame)) + offset + h + 2  # the header is row offset + h + 1
    if blank.any():
        frame, rows = frame[~blank], rows[~blank]
    # a small file without any totals word skips the column checks (a fixed cost that
    # matters for small files; a big file's columns are checked directly)
    if len(text) > 1_000_000 or any(word in text.casefold() for word in TOTAL_WORDS):
        frame, rows = _drop_totals(frame, rows, file, None, problems)
    return chunk_from_frame(table, frame, rows, file, None, problems,
                            folder=str(Path(file).parent), header_row=offset + h + 1)


def read_parquet(path: Path, root: Path, table: Table, problems: list[dict]) -> Chunk | None:
    file = rel(path, root)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001  (pyarrow raises many types for corrupt files)
        problems.append(problem(file, None, None, None, None,
                                f"cannot read as Parquet: {' '.join(str(exc).split())[:200]}",
                                "not_parquet"))
        return None
    return chunk_from_frame(table, frame, np.arange(len(frame)) + 2, file, None, problems,
                            folder=str(Path(file).parent))


# --------------------------------------------------------------------------- Excel

def _has_formulas(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(b"<f" in zf.read(n) for n in zf.namelist()
                       if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    except (zipfile.BadZipFile, OSError, KeyError):
        return False


def _merged_ranges(path: Path, wb) -> dict:
    """Merged ranges per sheet title, read from the sheet XML (read-only mode has none)."""
    from openpyxl.worksheet.cell_range import CellRange

    out: dict = {}
    with zipfile.ZipFile(path) as zf:
        for ws in wb.worksheets:
            name = getattr(ws, "_worksheet_path", None)
            if not name or name not in zf.namelist():
                continue
            xml = zf.read(name)
            if b"mergeCell" not in xml:
                continue
            refs = re.findall(rb'<(?:\w+:)?mergeCell[^>]*\sref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml)
            out[ws.title] = [CellRange(r.decode()) for r in refs]
    return out


def read_workbook(path: Path, root: Path, problems: list[dict]) -> list[Chunk]:
    """Every visible sheet named after a table.

    Rules: hidden and very-hidden sheets are not read (warning); a merged
    range's value fills every cell of the range (warning with the range);
    formula cells without a saved result are errors; the header may be on
    rows 1–5 (warning when not on row 1); totals rows are dropped (warning).
    """
    import openpyxl

    file = rel(path, root)
    folder = str(Path(file).parent)
    try:  # read-only (streamed): large workbooks with formatted blank rows stay cheap
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        wbf = (openpyxl.load_workbook(path, read_only=True, data_only=False)
               if _has_formulas(path) else None)
        merged_by_sheet = _merged_ranges(path, wb)
    except Exception as exc:  # noqa: BLE001  (zipfile/openpyxl/XML errors for corrupt files)
        problems.append(problem(file, None, None, None, None,
                                "cannot open as an Excel workbook (.xlsx): "
                                f"{' '.join(str(exc).split())[:200]}", "not_xlsx"))
        return []
    chunks = []
    ignored = {schema._norm_header(s) for s in IGNORED_SHEETS}
    for ws in wb.worksheets:
        name = ws.title.strip()
        table = schema.table_for_name(name)
        if ws.sheet_state != "visible":
            problems.append(problem(file, name, None, None, name,
                                    f"sheet is {'very ' if ws.sheet_state == 'veryHidden' else ''}"
                                    "hidden in Excel; it was not read (hidden sheets often hold "
                                    "old copies): unhide it to use it", "hidden_sheet",
                                    "warning"))
            continue
        if table is None:
            if schema._norm_header(name) not in ignored:
                problems.append(problem(file, name, None, None, name,
                                        "sheet name is not a known table; sheet ignored "
                                        f"(tables: {', '.join(TABLES)})", "unknown_sheet",
                                        "warning"))
            continue
        values = [list(r) for r in ws.iter_rows(values_only=True)]
        while values and all(c is None or (isinstance(c, str) and not c.strip())
                             for c in values[-1]):
            values.pop()
        if not values:
            continue
        h = _header_index(values, table)
        merged = []
        for rng in merged_by_sheet.get(ws.title, []):
            top = values[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= len(values) else None
            for r in range(rng.min_row, min(rng.max_row, len(values)) + 1):
                row = values[r - 1]
                row.extend([None] * (rng.max_col - len(row)))
                for c in range(rng.min_col, rng.max_col + 1):
                    row[c - 1] = top
            if rng.max_row > h + 1:
                merged.append((rng, top))
        formulas = []
        if wbf is not None and name in [s.strip() for s in wbf.sheetnames]:
            wsf = wbf[ws.title]
            for r, row in enumerate(wsf.iter_rows(max_row=len(values)), start=1):
                for c, cell in enumerate(row, start=1):
                    if getattr(cell, "data_type", None) == "f" and c <= len(values[r - 1]) \
                            and values[r - 1][c - 1] is None:
                        formulas.append((r, c, str(cell.value)[:80]))
        header = values[h]
        width = len(header)
        while width and (header[width - 1] is None or str(header[width - 1]).strip() == ""):
            width -= 1
        header = [x if x is not None else f"column {i + 1}" for i, x in enumerate(header[:width])]
        if h:
            title = " ".join(str(c) for c in values[0] if c is not None)[:60]
            problems.append(problem(file, name, h + 1, None, title or None,
                                    f"the header is on row {h + 1}; the row(s) above it "
                                    "(a title?) were not read", "header_not_first", "warning"))
        for rng, top in merged:
            col = header[rng.min_col - 1] if rng.min_col <= width else None
            problems.append(problem(file, name, max(rng.min_row, h + 2), _clean_header(col)
                                    or None, None if top is None else str(top),
                                    f"cells {rng.coord} are merged; the value was used in each "
                                    f"of rows {max(rng.min_row, h + 2)}–{rng.max_row}",
                                    "merged_cells", "warning"))
        for r, c, text in formulas:
            col = header[c - 1] if c <= width else None
            problems.append(problem(file, name, r, _clean_header(col) or None, text,
                                    "formula without a saved result (the file was written by a "
                                    "program and never saved in Excel): open and save it in "
                                    "Excel, or type the value", "formula_without_value"))
        data, rows = [], []
        for i, row in enumerate(values[h + 1:]):
            cells = list(row[:width]) + [None] * max(0, width - len(row))
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            extra = [c for c in row[width:] if c is not None and str(c).strip()]
            if extra:
                problems.append(problem(file, name, h + i + 2, None, str(extra[0])[:80],
                                        f"{len(extra)} value(s) to the right of the last "
                                        "header; they were not read (add a header)",
                                        "cell_without_header", "warning"))
            data.append(cells)
            rows.append(h + i + 2)
        frame = pd.DataFrame(data, columns=header, dtype=object)
        rows_arr = np.asarray(rows, dtype=int)
        frame, rows_arr = _drop_totals(frame, rows_arr, file, name, problems)
        chunk = chunk_from_frame(table, frame.reset_index(drop=True), rows_arr, file, name,
                                 problems, folder=folder, header_row=h + 1)
        if chunk is not None:
            chunks.append(chunk)
    wb.close()
    if wbf is not None:
        wbf.close()
    return chunks


# --------------------------------------------------------------------------- lessons

def read_text_file(path: Path, root: Path, problems: list[dict]) -> str | None:
    """A text file decoded by the encoding rule, or None with a problem row."""
    file = rel(path, root)
    try:
        text, warning = decode_text(path.read_bytes())
    except TextDecodeError as exc:
        problems.append(problem(file, None, None, None, None, exc.problem, exc.problem_code))
        return None
    if warning:
        problems.append(problem(file, None, None, None, None, warning, "encoding_not_utf8",
                                "warning"))
    return text


def read_lessons_dir(folder: Path, root: Path, problems: list[dict]) -> tuple[list, list]:
    """``lessons/<village_id>/<section>.txt`` and ``lessons/<village_id>.txt``."""
    from .thai import clean_id, clean_text

    chunks, files = [], []
    backup_seen: set = set()
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name.startswith("."):
            continue
        sub = path.relative_to(folder)
        if _skipped(path, folder, problems, root, backup_seen):
            continue
        if path.suffix.lower() != ".txt":
            problems.append(problem(rel(path, root), None, None, None, path.name,
                                    "not read: lessons are UTF-8 text files "
                                    "(lessons/<village_id>/<section>.txt)", "file_not_read",
                                    "warning"))
            continue
        files.append(path)
        text = read_text_file(path, root, problems)
        if text is None:
            continue
        if len(sub.parts) == 1:
            village, section = path.stem, "ทั่วไป"
        else:
            village, section = sub.parts[0], path.stem
        record = {"village_id": clean_id(village), "section": clean_text(section),
                  "text": clean_text(text, keep_newlines=True)}
        frame = pd.DataFrame({k: np.array([v], dtype=object) for k, v in record.items()})
        chunks.append(Chunk(table=TABLES["lessons"], frame=frame,
                            file=rel(path, root), sheet=None, rows=np.array([1]),
                            headers={"village_id": "village_id", "section": "section",
                                     "text": "text"}, folder=str(Path(rel(path, root)).parent)))
    return chunks, files


# --------------------------------------------------------------------------- scanning

def is_backup_dir(name: str) -> bool:
    """True for folder names such as ``old``, ``Backup 2023``, ``สำรอง_1``."""
    key = re.sub(r"[\d\s_\-.()]+", "", name.casefold())
    return key in BACKUP_DIRS


def is_copy_name(stem: str) -> bool:
    """True for file stems such as ``finance (1)``, ``Copy of finance``, ``finance - Copy``."""
    return bool(_RE_COPY.search(stem.strip()))


def _skipped(path: Path, root: Path, problems: list[dict], report_root: Path,
             backup_seen: set) -> bool:
    """Backup folders and copy-named files are not read (one warning each)."""
    parts = path.relative_to(root).parts
    for i, part in enumerate(parts[:-1]):
        if is_backup_dir(part):
            key = Path(*parts[:i + 1])
            if key not in backup_seen:
                backup_seen.add(key)
                n = sum(1 for p in (root / key).rglob("*") if p.is_file())
                problems.append(problem(rel(root / key, report_root) + "/", None, None, None,
                                        part, f"folder '{part}' looks like a backup copy; its "
                                        f"{n} file(s) were not read (move files out of it to "
                                        "use them)", "backup_folder", "warning"))
            return True
    if is_copy_name(path.stem):
        problems.append(problem(rel(path, report_root), None, None, None, path.name,
                                "the file name looks like a copy (' (1)', 'Copy of', 'สำเนา'); "
                                "not read, so rows are not counted twice: rename it if it "
                                "holds different data", "copy_file", "warning"))
        return True
    return False


@dataclass
class Scan:
    chunks: list
    ladders: list
    instrument_dirs: list
    files: list


def scan(root: Path, problems: list[dict]) -> Scan:
    """Find every input under root: table chunks, ladder files, instrument dirs."""
    out = Scan([], [], [], [])
    if root.is_file():
        if root.suffix.lower() not in (".xlsx", ".xlsm"):
            raise EvaluationError(f"{root}: expected a data folder or an Excel workbook (.xlsx)")
        out.files.append(root)
        out.chunks.extend(_guarded(read_workbook, root, root, problems) or [])
        return out
    if not root.is_dir():
        raise EvaluationError(f"{root}: no such folder or workbook")
    backup_seen: set = set()
    special: list[Path] = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(p in IGNORED_DIRS or p.startswith(".") for p in parts):
            continue
        if any(path.is_relative_to(s) and path != s for s in special):
            continue
        if path.is_dir():
            low = path.name.casefold()
            if low in ("lessons", "instruments") and not any(is_backup_dir(p) for p in parts):
                special.append(path)
                if low == "lessons":
                    chunks, files = _guarded(read_lessons_dir, path, root, problems) or ([], [])
                    out.chunks.extend(chunks)
                    out.files.extend(files)
                else:
                    out.instrument_dirs.append(path)
                    _instrument_files(path, root, problems, out)
            continue
        if _skipped(path, root, problems, root, backup_seen):
            continue
        suffix, name = path.suffix.lower(), path.name
        file = rel(path, root)
        if name.startswith("~$"):
            problems.append(problem(file, None, None, None, name,
                                    "an Excel lock file (the workbook is open in Excel); not "
                                    "read", "file_not_read", "warning"))
        elif suffix in (".yaml", ".yml") and name.casefold().startswith(("ladder",
                                                                          "value_map")):
            out.ladders.append(path)
            out.files.append(path)
        elif suffix in (".xlsx", ".xlsm"):
            out.files.append(path)
            out.chunks.extend(_guarded(read_workbook, path, root, problems) or [])
        elif suffix in (".csv", ".tsv", ".parquet"):
            table = schema.table_for_name(path.stem)
            if table is None:
                problems.append(problem(file, None, None, None, name,
                                        "file name is not a known table; file ignored "
                                        f"(tables: {', '.join(TABLES)})", "unknown_file",
                                        "warning"))
                continue
            out.files.append(path)
            reader = read_parquet if suffix == ".parquet" else read_csv
            chunk = _guarded(reader, path, root, table, problems)
            if chunk is not None:
                out.chunks.append(chunk)
        elif suffix in _DOC_SUFFIXES or path.stem.casefold() in ("readme", "license"):
            continue  # documentation, by design
        else:
            reason = UNSUPPORTED.get(suffix, "not a data file type (.csv, .xlsx, .parquet, "
                                             "ladder*.yaml); not read")
            if suffix in (".yaml", ".yml"):
                reason = ("a YAML file is read only as ladder*.yaml, value_map*.yaml or "
                          "instruments/*.yaml; not read")
            problems.append(problem(file, None, None, None, name, reason, "file_not_read",
                                    "warning"))
    _same_table_in_several_files(out.chunks, problems)
    return out


def _instrument_files(folder: Path, root: Path, problems: list[dict], out: Scan) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name.startswith("."):
            continue
        if path.suffix.lower() in (".yaml", ".yml") and path.parent == folder:
            out.files.append(path)
            try:  # encoding warnings (the registry itself reports errors)
                _text, warning = decode_text(path.read_bytes())
            except (TextDecodeError, OSError):
                continue
            if warning:
                problems.append(problem(rel(path, root), None, None, None, None, warning,
                                        "encoding_not_utf8", "warning"))
        else:
            problems.append(problem(rel(path, root), None, None, None, path.name,
                                    "not read: instruments are instruments/<id>.yaml files",
                                    "file_not_read", "warning"))


def _guarded(reader, path: Path, root: Path, *args):
    """Run a reader; an unexpected failure on a strange file becomes a problem row."""
    problems = args[-1]
    try:
        return reader(path, root, *args)
    except (OSError, MemoryError, RecursionError, ValueError, TypeError, KeyError,
            IndexError, AttributeError, zipfile.BadZipFile, UnicodeError) as exc:
        problems.append(problem(rel(path, root), None, None, None, None,
                                f"cannot read this file ({type(exc).__name__}: "
                                f"{' '.join(str(exc).split())[:160]})", "unreadable_file"))
        return None


def _same_table_in_several_files(chunks: list[Chunk], problems: list[dict]) -> None:
    """Several sources of one table in one folder (or a folder and its sub-folder)."""
    by_table: dict[str, list[Chunk]] = {}
    for c in chunks:
        if c.table.name != "lessons":
            by_table.setdefault(c.table.name, []).append(c)
    for name, group in by_table.items():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                fa, fb = Path(a.folder), Path(b.folder)
                if fa == fb or fa in fb.parents or fb in fa.parents:
                    where = lambda c: c.file + (f" [{c.sheet}]" if c.sheet else "")  # noqa: E731
                    problems.append(problem(b.file, b.sheet, None, None, name,
                                            f"table '{name}' is read from both {where(a)} and "
                                            f"{where(b)}; their rows are added together "
                                            "(projects in sibling folders are the only layout "
                                            "without this warning)", "table_in_several_files",
                                            "warning"))
