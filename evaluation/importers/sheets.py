"""Reading export files into sheets of text cells (CSV, XLSX, ZIP).

Every cell is read as text (``None`` for a blank cell) so that nothing is
lost or converted before the importer decides what a column is; spreadsheet
date cells become ISO text and whole numbers lose Excel's ``.0``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EvaluationError

#: Largest export file read (bytes); a guard against reading something else by mistake.
MAX_FILE_BYTES = 500 * 1024 * 1024
#: Largest member of a ZIP export once uncompressed (bytes).
MAX_ZIP_MEMBER_BYTES = 500 * 1024 * 1024


class ExportReadError(EvaluationError, ValueError):
    """An export file cannot be read (missing, unknown type, not a table)."""


@dataclass
class Sheet:
    """One table of an export: a CSV file, a worksheet or a ZIP member.

    ``frame`` holds text cells (``None`` when blank) under the headers as
    written; ``rows`` is the row number a user sees in the file (header = 1).
    ``layout`` is ``kobo``, ``odk``, ``gforms`` or ``plain``; ``parent`` is
    the sheet a repeat-group sheet hangs from, ``parent_pos`` the position of
    each row's parent row in it (-1 when it has none).
    """

    file: str
    sheet: str | None
    frame: pd.DataFrame
    rows: np.ndarray
    layout: str = "plain"
    path: Path | None = None
    parent: "Sheet | None" = None
    parent_pos: np.ndarray | None = None
    children: list = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.file}" + (f" [{self.sheet}]" if self.sheet else "")

    @property
    def is_main(self) -> bool:
        return self.parent is None


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _frame(header: list, body: list[list], where: str) -> pd.DataFrame:
    headers = []
    for j, h in enumerate(header):
        text = _cell(h)
        headers.append(text.strip() if text else f"(column {j + 1} without a header)")
    width = len(headers)
    data = []
    for r in body:
        r = [_cell(v) for v in r][:width]
        data.append(r + [None] * (width - len(r)))
    seen: dict[str, int] = {}
    for j, h in enumerate(headers):  # duplicate headers stay distinguishable
        if h in seen:
            seen[h] += 1
            headers[j] = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
    return pd.DataFrame(data, columns=headers, dtype=object)


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_text(text: str, file: str, *, path: Path | None = None) -> Sheet:
    """A CSV export as a sheet; the separator (``;``, ``,`` or tab) is detected."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    records = [r for r in reader]
    while records and not any(c.strip() for c in records[-1]):
        records.pop()
    if not records:
        raise ExportReadError(f"{file}: the file is empty (expected a header row)")
    keep = [i for i, r in enumerate(records[1:]) if any(c.strip() for c in r)]
    body = [records[1 + i] for i in keep]
    frame = _frame(records[0], body, file)
    return Sheet(file=file, sheet=None, frame=frame, rows=np.array(keep, dtype=int) + 2,
                 path=path)


def _decode(data: bytes, file: str) -> str:
    for enc in ("utf-8-sig", "cp874"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ExportReadError(f"{file}: not UTF-8 or Thai Windows (cp874) text")


def read_xlsx(path: Path, file: str) -> list[Sheet]:
    """Every non-empty worksheet of an XLSX export as a sheet."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise ExportReadError(f"{file}: cannot open as an Excel workbook ({exc})") from exc
    sheets = []
    try:
        for ws in book.worksheets:
            records = [list(r) for r in ws.iter_rows(values_only=True)]
            while records and all(_cell(v) is None for v in records[-1]):
                records.pop()
            if not records:
                continue
            keep = [i for i, r in enumerate(records[1:]) if any(_cell(v) is not None for v in r)]
            body = [records[1 + i] for i in keep]
            frame = _frame(records[0], body, file)
            frame = frame.loc[:, [not all(v is None for v in frame[c]) or not c.startswith(
                "(column ") for c in frame.columns]]
            sheets.append(Sheet(file=file, sheet=ws.title, frame=frame,
                                rows=np.array(keep, dtype=int) + 2, path=path))
    finally:
        book.close()
    return sheets


def read_zip(path: Path, file: str) -> list[Sheet]:
    """The CSV members of a ZIP export (ODK Central's 'all data and media')."""
    sheets = []
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ExportReadError(f"{file}: not a readable ZIP file ({exc})") from exc
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.lower().endswith(".csv") or "/media/" in f"/{name}":
                continue
            if info.file_size > MAX_ZIP_MEMBER_BYTES:
                raise ExportReadError(f"{file}: member {name} is larger than "
                                      f"{MAX_ZIP_MEMBER_BYTES // 2**20} MB")
            text = _decode(archive.read(info), f"{file}:{name}")
            sheets.append(read_csv_text(text, f"{file}:{name}", path=path))
    if not sheets:
        raise ExportReadError(f"{file}: the ZIP holds no .csv file")
    return sheets


def read_export(path, *, label: str | None = None) -> list[Sheet]:
    """Read one export file (``.csv``, ``.xlsx``/``.xlsm`` or ``.zip``) into sheets."""
    path = Path(path)
    file = label or path.name
    if not path.is_file():
        raise ExportReadError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ExportReadError(f"{file}: larger than {MAX_FILE_BYTES // 2**20} MB")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [read_csv_text(_decode(path.read_bytes(), file), file, path=path)]
    if suffix in (".xlsx", ".xlsm"):
        sheets = read_xlsx(path, file)
        if not sheets:
            raise ExportReadError(f"{file}: the workbook has no data")
        return sheets
    if suffix == ".zip":
        return read_zip(path, file)
    raise ExportReadError(f"{file}: unknown export type {suffix or '(none)'!r}; expected "
                          ".csv, .xlsx or .zip")
