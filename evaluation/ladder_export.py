"""The indicator tracking table (ตารางติดตามตัวชี้วัด) and its Excel export.

:func:`tracking_table` turns :func:`evaluation.evaluate_ladder` rows (with
``waves=True``) into the wide layout Thai program reports use: step, outcome,
indicator, baseline, target and actual per wave, % progress, status and
source of data. :func:`write_ladder_excel` writes it to a workbook with Thai
headers; every text cell is stored as text, never as a formula.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .disclosure import DEFAULT_MIN_CELL
from .errors import ArgumentError, require_columns
from .ladder import (
    SPLIT_LABELS, SPLITS, STATUS_LABELS, UNIT_LABELS, _lang, _ladders, evaluate_ladder,
    split_label,
)
from .metrics import get_metric

__all__ = ["tracking_table", "write_ladder_excel", "write_safe_workbook", "split_table",
           "indicator_sources", "TABLE_SOURCES", "MIN_CELL"]

#: Source of data per table (shown when the ladder does not give ``source``).
TABLE_SOURCES = {
    "th": {"participants": "ทะเบียนผู้เข้าร่วมโครงการ",
           "finance": "แบบสำรวจการเงินครัวเรือน (ก่อน/ระหว่าง/หลัง)",
           "ledger": "บัญชีครัวเรือน", "savings": "บัญชีกลุ่มออมทรัพย์",
           "happiness": "แบบประเมินความสุข (ก่อน/ระหว่าง/หลัง)",
           "villages": "ข้อมูลหมู่บ้าน", "projects": "ข้อมูลโครงการ",
           "lessons": "บันทึกถอดบทเรียน"},
    "en": {"participants": "participant register",
           "finance": "household finance survey (pre/during/post)",
           "ledger": "household account books", "savings": "savings-group ledger",
           "happiness": "happiness survey (pre/during/post)", "villages": "village data",
           "projects": "project data", "lessons": "lessons-learned notes"},
}

_HEAD = {
    "th": {"village": "หมู่บ้าน", "whole": "ทั้งโครงการ", "step": "ขั้นที่",
           "outcome": "ผลลัพธ์", "indicator": "ตัวชี้วัด", "unit": "หน่วย",
           "baseline": "ค่าฐาน", "target": "เป้าหมาย", "actual": "ผลการดำเนินงาน",
           "during": "ระหว่างโครงการ", "post": "สิ้นสุดโครงการ",
           "progress": "ร้อยละความก้าวหน้า", "pct": "ร้อยละของเป้าหมาย",
           "status": "สถานะ", "source": "แหล่งข้อมูล", "n": "จำนวนข้อมูล (n)",
           "title": "ตารางติดตามตัวชี้วัดบันไดผลลัพธ์", "sheet": "ตารางติดตาม",
           "data": "ข้อมูลตัวชี้วัด"},
    "en": {"village": "Village", "whole": "Whole project", "step": "Step",
           "outcome": "Outcome", "indicator": "Indicator", "unit": "Unit",
           "baseline": "Baseline", "target": "Target", "actual": "Actual",
           "during": "mid-term", "post": "end", "progress": "% progress",
           "pct": "% of target", "status": "Status", "source": "Source of data",
           "n": "n", "title": "Outcome-ladder indicator tracking table",
           "sheet": "Tracking", "data": "Indicator data"},
}


def indicator_sources(ladder, lang: str = "th") -> dict[str, str]:
    """``{indicator_id: source of data}``: the ladder's ``source`` or the metric's tables."""
    words = TABLE_SOURCES[_lang(lang)]
    out = {}
    for ind in ladder.indicators:
        if ind.source:
            out[ind.id] = ind.source
            continue
        tables = list(get_metric(ind.metric).tables)
        if ind.metric == "count_rows" and "table" in ind.params:
            tables = [ind.params["table"]]
        out[ind.id] = ", ".join(words.get(t, t) for t in tables)
    return out


def tracking_table(frame: pd.DataFrame, ladders=None, *, lang: str = "th") -> pd.DataFrame:
    """The wide indicator tracking table of :func:`evaluation.evaluate_ladder` rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``evaluate_ladder(..., waves=True)`` output (any ``by``).
    ladders : Ladder or list of Ladder, optional
        For the source of data (ladder ``source`` fields, else the metric's
        tables); without them the column is left empty.
    lang : {"th", "en"}, default "th"

    Returns
    -------
    pandas.DataFrame
        One row per scope (village or whole project, and split group) ×
        indicator, in ladder order. Columns (Thai headers): หมู่บ้าน (when the
        frame has more than one scope), the split columns, ขั้นที่, ผลลัพธ์,
        ตัวชี้วัด, หน่วย, ค่าฐาน, then for each wave present ``เป้าหมาย
        (ระหว่างโครงการ)``, ``ผลการดำเนินงาน (ระหว่างโครงการ)``, ``เป้าหมาย
        (สิ้นสุดโครงการ)``, ``ผลการดำเนินงาน (สิ้นสุดโครงการ)``, then
        ร้อยละความก้าวหน้า and ร้อยละของเป้าหมาย (at the final target),
        สถานะ, แหล่งข้อมูล, จำนวนข้อมูล (n). Numbers stay numbers
        (unrounded; empty when missing). Indicators whose metric has no
        waves (counts of participants, savings, account books) are shown in
        the end-of-project columns.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.ladder import _example_project
    >>> from evaluation.ladder_export import tracking_table
    >>> proj, lad = _example_project()
    >>> t = tracking_table(ev.evaluate_ladder(proj, lad, waves=True), lad)
    >>> t[["หมู่บ้าน", "ผลการดำเนินงาน (สิ้นสุดโครงการ)", "ร้อยละความก้าวหน้า"]].values.tolist()
    [['V01', 2.0, 100.0], ['V02', 1.0, 50.0]]
    """
    lang = _lang(lang)
    h = _HEAD[lang]
    need = ["project_id", "village_id", "step", "outcome", "indicator_id", "label", "wave",
            "baseline", "target", "actual", "unit", "pct_of_target", "pct_progress",
            "status", "n"]
    require_columns(frame, need, what="frame",
                    hint="Pass the output of evaluate_ladder(..., waves=True).")
    splits = [c for c in SPLITS if c in frame.columns]
    sources: dict = {}
    if ladders is not None:
        for lad in _ladders(None, ladders):
            sources.update({(lad.project_id, k): v
                            for k, v in indicator_sources(lad, lang).items()})
    f = frame.copy()
    f["_wave"] = f["wave"].astype(object).where(f["wave"].notna(), "post")
    levels = f["level"] if "level" in f.columns else pd.Series("village", index=f.index)
    f["_scope"] = [h["whole"] if lvl == "project" else str(v)
                   for v, lvl in zip(f["village_id"], levels)]
    keys = ["project_id", "_scope"] + splits + ["indicator_id"]
    key_frame = f[keys].astype(object)
    f["_key"] = list(key_frame.where(key_frame.notna(), "").itertuples(index=False, name=None))
    waves = [w for w in ("during", "post") if (f["_wave"] == w).any()]
    rows = []
    for key, group in f.groupby("_key", sort=False):
        last = group.iloc[-1]
        row = {}
        if f["_scope"].nunique() > 1:
            row[h["village"]] = last["_scope"]
        for col in splits:
            row[SPLIT_LABELS[lang][col]] = split_label(col, last[col], lang)
        row[h["step"]] = int(last["step"])
        row[h["outcome"]] = last["outcome_en"] if lang == "en" and "outcome_en" in f.columns \
            and isinstance(last.get("outcome_en"), str) else last["outcome"]
        row[h["indicator"]] = last["label"]
        row[h["unit"]] = UNIT_LABELS[lang].get(last["unit"], last["unit"])
        row[h["baseline"]] = last["baseline"]
        by_wave = group.set_index("_wave")
        for w in waves:
            here = w in by_wave.index
            row[f"{h['target']} ({h[w]})"] = by_wave.loc[w, "target"] if here else math.nan
            row[f"{h['actual']} ({h[w]})"] = by_wave.loc[w, "actual"] if here else math.nan
        row[h["progress"]] = last["pct_progress"]
        row[h["pct"]] = last["pct_of_target"]
        row[h["status"]] = STATUS_LABELS[lang][last["status"]]
        row[h["source"]] = sources.get((last["project_id"], last["indicator_id"]), "")
        row[h["n"]] = int(last["n"])
        rows.append(row)
    return pd.DataFrame(rows)


def _safe_cell(cell, value):
    """Write ``value``; text always as text (a leading = + - @ is never a formula)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        return
    if hasattr(value, "item"):
        value = value.item()
    cell.value = value


def _write_sheet(ws, frame: pd.DataFrame, first_row: int = 1) -> None:
    from openpyxl.styles import Alignment, Font

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for j, col in enumerate(frame.columns, start=1):
        cell = ws.cell(row=first_row, column=j)
        _safe_cell(cell, str(col))
        cell.font, cell.alignment = bold, wrap
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=first_row + 1):
        for j, value in enumerate(values, start=1):
            _safe_cell(ws.cell(row=i, column=j), value)
    ws.freeze_panes = ws.cell(row=first_row + 1, column=1).coordinate
    for j, col in enumerate(frame.columns, start=1):
        width = max([len(str(col)) // 2] + [len(str(v)) for v in frame.iloc[:200, j - 1]])
        ws.column_dimensions[ws.cell(row=first_row, column=j).column_letter].width = \
            min(50, max(9, width + 2))


def write_safe_workbook(tables: dict, path) -> Path:
    """Write ``{sheet: DataFrame}`` to ``.xlsx`` atomically; text cells never formulas
    (:func:`evaluation.export.write_tables`).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib, openpyxl
    >>> from evaluation.ladder_export import write_safe_workbook
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> _ = write_safe_workbook({"สรุป": pd.DataFrame({"a": ["=1+1"]})}, out)
    >>> openpyxl.load_workbook(out)["สรุป"]["A2"].data_type
    's'
    """
    from .export import write_tables

    if not tables:
        raise ArgumentError("tables must hold at least one table, got an empty mapping")
    return write_tables(tables, path)


def write_ladder_excel(project, path, ladder=None, *, by="village_id",
                       include_project: bool = True, lang: str = "th",
                       status_basis: str = "ratio", partial_threshold: float = 0.5) -> Path:
    """Write the tracking table of each ladder of a project to an Excel workbook.

    Parameters
    ----------
    project : Project
    path : str or path-like
        The ``.xlsx`` file (written atomically; folders are created).
    ladder : Ladder, path, list of Ladder, or None
        As :func:`evaluation.evaluate_ladder` (None: every ladder).
    by, include_project, status_basis, partial_threshold
        Passed to :func:`evaluation.evaluate_ladder` (with ``waves=True``).
    lang : {"th", "en"}, default "th"

    Returns
    -------
    pathlib.Path

    Notes
    -----
    One sheet per project (``ตารางติดตาม P01``): a title row, the header row
    and the rows of :func:`tracking_table`; then one sheet with the tidy
    rows of ``evaluate_ladder`` (``ข้อมูลตัวชี้วัด``) for analysis. Numbers are
    written unrounded (percent columns as numbers 0–100); text cells are
    stored as text, so a value such as ``=1+1`` in a label is shown, never
    run.

    Examples
    --------
    >>> import evaluation as ev, tempfile, pathlib
    >>> from evaluation.ladder_export import write_ladder_excel
    >>> proj = ev.load_project("data/sample")
    >>> out = write_ladder_excel(proj, pathlib.Path(tempfile.mkdtemp()) / "ladder.xlsx")
    >>> import openpyxl
    >>> openpyxl.load_workbook(out).sheetnames
    ['ตารางติดตาม P02', 'ตารางติดตาม P01', 'ข้อมูลตัวชี้วัด']
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .export import atomic_path, safe_sheet_name

    lang = _lang(lang)
    h = _HEAD[lang]
    ladders = _ladders(project, ladder)
    frame = evaluate_ladder(project, ladders, by=by, include_project=include_project,
                            waves=True, status_basis=status_basis,
                            partial_threshold=partial_threshold)
    book = Workbook()
    book.remove(book.active)
    taken: list[str] = []
    for lad in ladders:
        table = tracking_table(frame[frame["project_id"] == lad.project_id], lad, lang=lang)
        name = safe_sheet_name(f"{h['sheet']} {lad.project_id}", taken)
        taken.append(name)
        ws = book.create_sheet(name)
        _safe_cell(ws.cell(row=1, column=1), f"{h['title']}: {lad.title or lad.project_id}")
        ws.cell(row=1, column=1).font = Font(bold=True, size=13)
        _write_sheet(ws, table, first_row=2)
    tidy = frame.astype(object).where(frame.notna(), None)
    _write_sheet(book.create_sheet(safe_sheet_name(h["data"], taken)), tidy)
    with atomic_path(path, suffix=".xlsx") as tmp:
        book.save(tmp)
    return Path(path)


#: Smallest group shown in split tables (the report-wide rule of
#: :mod:`evaluation.disclosure`).
MIN_CELL = DEFAULT_MIN_CELL


def split_table(frame: pd.DataFrame, column: str, *, lang: str = "th",
                min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Indicators × groups of one split column, formatted for a report.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``evaluate_ladder(..., by=[..., column])`` output for one scope (one
        village, or the whole project).
    column : {"sex", "age_group", "occupation_group", "role"}
    lang : {"th", "en"}, default "th"
    min_cell : int, default 3
        Small cells: :func:`evaluation.disclosure.suppress_small_cells` hides
        every group with fewer than ``min_cell`` records (``n``), shown as
        ``n <3``, and the next smallest group of the same indicator
        (secondary suppression: the unsplit value is shown elsewhere, so a
        single hidden group could be recovered by subtraction), shown as
        ``ซ่อน (n = 12)``.

    Returns
    -------
    pandas.DataFrame
        One row per indicator (ตัวชี้วัด: ``step. label``), one column per
        group (หญิง, ชาย, … in a stable order, missing values last) with
        ``value (n = k)``; ``–`` where the group has no data.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaluation.ladder_export import split_table
    >>> f = pd.DataFrame({"step": [1, 1, 1], "indicator_id": ["a"] * 3,
    ...                   "label": ["สมาชิก"] * 3, "sex": ["F", "M", pd.NA],
    ...                   "actual": [12.0, 9.0, 1.0], "unit": ["people"] * 3, "n": [12, 9, 1]})
    >>> split_table(f, "sex").values.tolist()
    [['1. สมาชิก', '12 คน (n = 12)', 'ซ่อน (n = 9)', 'n <3']]
    """
    from .disclosure import check_min_cell, suppress_small_cells
    from .ladder import format_value

    lang = _lang(lang)
    if column not in SPLITS:
        raise ArgumentError(f"column must be one of {', '.join(SPLITS)}, got {column!r}")
    need = ["step", "indicator_id", "label", column, "actual", "unit", "n"]
    require_columns(frame, need, what="frame",
                    hint=f"Pass the output of evaluate_ladder(..., by=[..., {column!r}]).")
    min_cell = check_min_cell(min_cell)
    keys = [c for c in ("project_id", "village_id", "level") if c in frame.columns]
    table = frame[need + keys].reset_index(drop=True)
    for key in keys:  # split keys as plain text (the whole-project rows have no village)
        table[key] = table[key].astype(object).where(table[key].notna(), "").astype(str)
    hidden, _ = suppress_small_cells(table, n="n", min_cell=min_cell, columns=["actual"],
                                     within=keys + ["indicator_id"])
    counts = frame["n"].reset_index(drop=True)
    groups = hidden[column].astype(object)
    order = sorted({g for g in groups if not pd.isna(g)}, key=str)
    if groups.isna().any():
        order.append(None)
    head = "ตัวชี้วัด" if lang == "th" else "Indicator"
    word = "ซ่อน" if lang == "th" else "hidden"
    names = {g: split_label(column, pd.NA if g is None else g, lang) for g in order}
    # one pass over plain values: (row label, group, suppressed, n shown, actual, unit),
    # rows of each (step, indicator) in table order, indicators in order of appearance
    n_of = dict(zip(counts.index, counts.tolist()))
    records = list(zip(hidden.index, groups.tolist(), hidden["suppressed"].tolist(),
                       hidden["n"].tolist(), hidden["actual"].tolist(),
                       hidden["unit"].tolist()))
    by_indicator: dict[tuple, list] = {}
    for key, label, rec in zip(zip(hidden["step"].tolist(), hidden["indicator_id"].tolist()),
                               hidden["label"].tolist(), records):
        if not (pd.isna(key[0]) or pd.isna(key[1])):   # as groupby: no missing keys
            by_indicator.setdefault(key, [label, []])[1].append(rec)
    rows = []
    for (step, _), (label, sub) in by_indicator.items():
        row = {head: f"{int(step)}. {label}"}
        for g in order:
            hit = next((r for r in sub if (pd.isna(r[1]) if g is None
                                           else not pd.isna(r[1]) and r[1] == g)), None)
            name = names[g]
            if hit is None:
                row[name] = "–"
                continue
            where, _, suppressed, shown_n, actual, unit = hit
            k = int(n_of[where])
            if bool(suppressed):
                row[name] = f"n {shown_n}" if 0 < k < min_cell else f"{word} (n = {k:,d})"
            elif k == 0 or pd.isna(actual):
                row[name] = "–"
            else:
                row[name] = f"{format_value(actual, unit, lang)} (n = {k:,d})"
        rows.append(row)
    return pd.DataFrame(rows)
