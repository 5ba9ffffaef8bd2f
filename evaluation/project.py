"""Load a program's data folder (CSV / Excel / Parquet + YAML + text) into a
validated :class:`Project`.

Reading is lenient about *form* (Thai or English headers and sheet names,
Thai digits, Buddhist-era dates, money strings) and strict about *content*:
every problem in every file is collected, and if any is an error the load
fails with :class:`~evaluation.errors.DataValidationError` listing them all.
A row is either loaded or reported; nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from . import schema
from .errors import DataValidationError, EvaluationError, problems_frame
from .schema import TABLES, WAVES, Table

#: Sheets of a workbook that are documentation, not data (ignored by design).
IGNORED_SHEETS = {"คำอธิบาย", "วิธีกรอก", "instructions", "readme", "lists", "รายการ"}
#: Folders never scanned for data.
IGNORED_DIRS = {"reports", ".git", ".ipynb_checkpoints", "__pycache__", ".venv"}
#: Money columns whose post/pre ratio beyond this factor is flagged as suspicious.
JUMP_FACTOR = 10.0

WAVE_DTYPE = pd.CategoricalDtype(list(WAVES), ordered=True)


@dataclass
class _Chunk:
    """One table's rows from one file or sheet, with where they came from."""

    table: Table
    frame: pd.DataFrame  # raw values, canonical column names where recognised
    file: str
    sheet: str | None
    rows: np.ndarray  # row number in the file as the user sees it
    headers: dict[str, str]  # canonical name -> header as written in the file


@dataclass
class Project:
    """A validated program: one DataFrame per table plus ladders and instruments.

    Attributes
    ----------
    projects, villages, participants, happiness, finance, ledger, savings, lessons
        Tables with canonical column names (see ``docs/data-model.md``).
        Empty tables have all canonical columns and no rows.
    ladders : dict
        Outcome ladder per ``project_id`` (:class:`evaluation.ladder.Ladder`).
    instruments : dict
        User-defined instruments found in the data folder (``instruments/*.yaml``).
    problems : pandas.DataFrame
        Warnings found while loading (suspicious but possible values), in the
        problems-table shape plus ``village_id`` where known.
    source_files : pandas.DataFrame
        ``path, sha256, bytes`` of every input file read (for reproducibility;
        paths relative to the data folder), with ``village_ids`` and
        ``project_ids``: whose rows each file holds (see
        :func:`evaluation.source_use.files_for`).
    root : pathlib.Path
        The folder or workbook loaded.
    """

    projects: pd.DataFrame
    villages: pd.DataFrame
    participants: pd.DataFrame
    happiness: pd.DataFrame
    finance: pd.DataFrame
    ledger: pd.DataFrame
    savings: pd.DataFrame
    lessons: pd.DataFrame
    ladders: dict = field(default_factory=dict)
    instruments: dict = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=problems_frame)
    source_files: pd.DataFrame = field(default_factory=pd.DataFrame)
    root: Path | None = None

    TABLE_NAMES = tuple(TABLES)

    # -- views ---------------------------------------------------------------
    @property
    def village_ids(self) -> list[str]:
        """Village ids in file order."""
        return self.villages["village_id"].tolist()

    def village(self, village_id: str) -> "Project":
        """The same structure restricted to one village (all tables consistent).

        Participants of the village, their households' finance and account
        books, their happiness responses and savings-group entries, the
        village's lessons, and its project with that project's ladder.

        Examples
        --------
        >>> import evaluation as ev
        >>> v = ev.load_project("data/sample").village("V01")
        >>> v.villages["village_id"].tolist()
        ['V01']
        """
        village_id = str(village_id)
        villages = self.villages[self.villages["village_id"] == village_id]
        if villages.empty:
            known = ", ".join(self.village_ids)
            raise EvaluationError(f"unknown village_id {village_id!r}; known villages: {known}")
        project_ids = set(villages["project_id"])
        people = self.participants[self.participants["village_id"] == village_id]
        persons = set(people["person_id"])
        households = set(people["household_id"])
        problems = self.problems
        if "village_id" in problems.columns:
            problems = problems[problems["village_id"].isna()
                                | (problems["village_id"] == village_id)]
        return replace(
            self,
            projects=self.projects[self.projects["project_id"].isin(project_ids)],
            villages=villages,
            participants=people,
            happiness=self.happiness[self.happiness["person_id"].isin(persons)],
            finance=self.finance[self.finance["household_id"].isin(households)],
            ledger=self.ledger[self.ledger["household_id"].isin(households)],
            savings=self.savings[self.savings["member_id"].isin(persons)],
            lessons=self.lessons[self.lessons["village_id"] == village_id],
            ladders={k: v for k, v in self.ladders.items() if k in project_ids},
            problems=problems,
        )

    def project(self, project_id: str) -> "Project":
        """The same structure restricted to one project's villages."""
        project_id = str(project_id)
        if project_id not in set(self.projects["project_id"]):
            known = ", ".join(self.projects["project_id"])
            raise EvaluationError(f"unknown project_id {project_id!r}; known projects: {known}")
        vids = set(self.villages.loc[self.villages["project_id"] == project_id, "village_id"])
        people = self.participants[self.participants["village_id"].isin(vids)]
        persons, households = set(people["person_id"]), set(people["household_id"])
        problems = self.problems
        if "village_id" in problems.columns:
            problems = problems[problems["village_id"].isna() | problems["village_id"].isin(vids)]
        return replace(
            self,
            projects=self.projects[self.projects["project_id"] == project_id],
            villages=self.villages[self.villages["village_id"].isin(vids)],
            participants=people,
            happiness=self.happiness[self.happiness["person_id"].isin(persons)],
            finance=self.finance[self.finance["household_id"].isin(households)],
            ledger=self.ledger[self.ledger["household_id"].isin(households)],
            savings=self.savings[self.savings["member_id"].isin(persons)],
            lessons=self.lessons[self.lessons["village_id"].isin(vids)],
            ladders={k: v for k, v in self.ladders.items() if k == project_id},
            problems=problems,
        )

    def table(self, name: str) -> pd.DataFrame:
        """A table by name, with a clear error for unknown names."""
        if name not in TABLES:
            raise EvaluationError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
        return getattr(self, name)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(getattr(self, n))}" for n in TABLES)
        return f"<Project {self.root} {sizes}, ladders={list(self.ladders)}>"


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root if root.is_dir() else root.parent))
    except ValueError:
        return str(path)


def _clean_header(value) -> str:
    from .thai import clean_text

    text = clean_text(value) if value is not None else None
    return text or ""


def _chunk_from_frame(table: Table, frame: pd.DataFrame, rows: np.ndarray, file: str,
                      sheet: str | None, problems: list[dict]) -> _Chunk | None:
    """Map headers to canonical names; check required columns are present."""
    hmap = schema.header_map(table)
    rename: dict[str, str] = {}
    headers: dict[str, str] = {}
    for original in frame.columns:
        header = _clean_header(original)
        canonical = hmap.get(schema._norm_header(header)) if header else None
        if canonical is None:
            rename[original] = header or str(original)
            continue
        if canonical in headers:
            problems.append(dict(file=file, sheet=sheet, row=1, column=header, value=header,
                                 problem=f"two columns mean '{canonical}' "
                                         f"('{headers[canonical]}' and '{header}'); keep one"))
            rename[original] = header
            continue
        headers[canonical] = header
        rename[original] = canonical
    frame = frame.rename(columns=rename)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    missing = [c for c in table.required if c not in headers]
    if missing:
        wanted = ", ".join(f"{c} ({table.column(c).th})" for c in missing)
        present = ", ".join(str(h) for h in rename.values()) or "(none)"
        problems.append(dict(file=file, sheet=sheet, row=1, column=", ".join(missing),
                             value=None,
                             problem=f"missing required column(s) {wanted} in table "
                                     f"'{table.name}'; columns present: {present}"))
        return None
    return _Chunk(table=table, frame=frame.reset_index(drop=True), file=file, sheet=sheet,
                  rows=np.asarray(rows), headers=headers)


def _read_csv(path: Path, root: Path, table: Table, problems: list[dict]) -> _Chunk | None:
    file = _rel(path, root)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skip_blank_lines=False)
    except UnicodeDecodeError as exc:
        problems.append(dict(file=file, sheet=None, row=None, column=None, value=None,
                             problem=f"file is not UTF-8 text ({exc.reason}); save it as "
                                     "'CSV UTF-8' from Excel"))
        return None
    except pd.errors.EmptyDataError:
        problems.append(dict(file=file, sheet=None, row=None, column=None, value=None,
                             problem="file is empty: expected a header row"))
        return None
    except pd.errors.ParserError as exc:
        problems.append(dict(file=file, sheet=None, row=None, column=None, value=None,
                             problem=f"cannot read as CSV: {exc}"))
        return None
    # Rows that are blank in every column (often left at the end by editors) carry no data.
    blank = (frame.apply(lambda s: s.str.strip()) == "").all(axis=1) if len(frame.columns) else None
    rows = np.arange(len(frame)) + 2  # header is row 1
    if blank is not None and blank.any():
        keep = ~blank.to_numpy()
        frame, rows = frame[keep], rows[keep]
    return _chunk_from_frame(table, frame, rows, file, None, problems)


def _read_parquet(path: Path, root: Path, table: Table, problems: list[dict]) -> _Chunk | None:
    file = _rel(path, root)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        problems.append(dict(file=file, sheet=None, row=None, column=None, value=None,
                             problem=f"cannot read as Parquet: {exc}"))
        return None
    return _chunk_from_frame(table, frame, np.arange(len(frame)) + 2, file, None, problems)


def _read_workbook(path: Path, root: Path, problems: list[dict]) -> list[_Chunk]:
    import openpyxl

    file = _rel(path, root)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile/openpyxl errors for corrupt or non-xlsx files
        problems.append(dict(file=file, sheet=None, row=None, column=None, value=None,
                             problem=f"cannot open as an Excel workbook (.xlsx): {exc}"))
        return []
    chunks = []
    try:
        for ws in wb.worksheets:
            name = ws.title.strip()
            table = schema.table_for_name(name)
            if table is None:
                if schema._norm_header(name) not in {schema._norm_header(s)
                                                     for s in IGNORED_SHEETS}:
                    problems.append(dict(file=file, sheet=name, row=None, column=None,
                                         value=name, severity="warning",
                                         problem="sheet name is not a known table; sheet "
                                                 f"ignored (tables: {', '.join(TABLES)})"))
                continue
            values = list(ws.iter_rows(values_only=True))
            if not values:
                continue
            header, body = values[0], values[1:]
            width = len(header)
            while width and (header[width - 1] is None or str(header[width - 1]).strip() == ""):
                width -= 1
            header = [h if h is not None else f"column {i + 1}" for i, h in
                      enumerate(header[:width])]
            data, rows = [], []
            for i, row in enumerate(body):
                cells = list(row[:width]) + [None] * max(0, width - len(row))
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                data.append(cells)
                rows.append(i + 2)
            frame = pd.DataFrame(data, columns=header, dtype=object)
            chunk = _chunk_from_frame(table, frame, np.asarray(rows, dtype=int), file, name,
                                      problems)
            if chunk is not None:
                chunks.append(chunk)
    finally:
        wb.close()
    return chunks


def _read_lessons_dir(folder: Path, root: Path) -> list[_Chunk]:
    """``lessons/<village_id>/<section>.txt`` and ``lessons/<village_id>.txt``."""
    from .thai import clean_id, clean_text

    records, files = [], []
    for path in sorted(folder.rglob("*.txt")):
        rel = path.relative_to(folder)
        if len(rel.parts) == 1:
            village, section = path.stem, "ทั่วไป"
        else:
            village, section = rel.parts[0], path.stem
        text = path.read_text(encoding="utf-8-sig")
        records.append({"village_id": clean_id(village), "section": clean_text(section),
                        "text": clean_text(text, keep_newlines=True)})
        files.append(_rel(path, root))
    chunks = []
    for record, file in zip(records, files):
        chunks.append(_Chunk(table=TABLES["lessons"], frame=pd.DataFrame([record], dtype=object),
                             file=file, sheet=None, rows=np.array([1]),
                             headers={"village_id": "village_id", "section": "section",
                                      "text": "text"}))
    return chunks


def _scan(root: Path, problems: list[dict]):
    """Find every input under root: table chunks, ladder files, instrument dirs."""
    chunks: list[_Chunk] = []
    ladders: list[Path] = []
    instrument_dirs: list[Path] = []
    files: list[Path] = []
    if root.is_file():
        if root.suffix.lower() not in (".xlsx", ".xlsm"):
            raise EvaluationError(f"{root}: expected a data folder or an Excel workbook (.xlsx)")
        files.append(root)
        chunks.extend(_read_workbook(root, root, problems))
        return chunks, ladders, instrument_dirs, files
    if not root.is_dir():
        raise EvaluationError(f"{root}: no such folder or workbook")
    for path in sorted(root.rglob("*")):
        rel_parts = path.relative_to(root).parts
        if any(p in IGNORED_DIRS or p.startswith(".") for p in rel_parts):
            continue
        if path.is_dir():
            if path.name == "lessons":
                chunks.extend(_read_lessons_dir(path, root))
                files.extend(sorted(path.rglob("*.txt")))
            elif path.name == "instruments":
                instrument_dirs.append(path)
                files.extend(sorted(path.glob("*.y*ml")))
            continue
        if "lessons" in rel_parts[:-1] or "instruments" in rel_parts[:-1]:
            continue
        suffix = path.suffix.lower()
        name = path.name
        if suffix in (".yaml", ".yml") and name.lower().startswith("ladder"):
            ladders.append(path)
            files.append(path)
        elif suffix in (".xlsx", ".xlsm"):
            if name.startswith("~$"):  # Excel lock file
                continue
            files.append(path)
            chunks.extend(_read_workbook(path, root, problems))
        elif suffix in (".csv", ".parquet"):
            table = schema.table_for_name(path.stem)
            if table is None:
                problems.append(dict(file=_rel(path, root), sheet=None, row=None, column=None,
                                     value=path.name, severity="warning",
                                     problem="file name is not a known table; file ignored "
                                             f"(tables: {', '.join(TABLES)})"))
                continue
            files.append(path)
            reader = _read_csv if suffix == ".csv" else _read_parquet
            chunk = reader(path, root, table, problems)
            if chunk is not None:
                chunks.append(chunk)
    return chunks, ladders, instrument_dirs, files


# ---------------------------------------------------------------------------
# normalising and validating
# ---------------------------------------------------------------------------

def _parse_chunk(chunk: _Chunk, problems: list[dict]) -> pd.DataFrame:
    """Normalise every recognised column; report every bad cell."""
    from .thai import parse_series

    frame = chunk.frame
    out = {}
    for col in chunk.table.columns:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        values, errors = parse_series(raw, col.kind)
        bad = errors.notna().to_numpy()
        if not col.nullable:
            blank = values.isna().to_numpy() & ~bad
            for i in np.flatnonzero(blank):
                problems.append(dict(file=chunk.file, sheet=chunk.sheet, row=int(chunk.rows[i]),
                                     column=chunk.headers[col.name], value=None,
                                     problem=f"required value missing ({col.name}: {col.en})"))
        if col.kind == "money":
            negative = (values < 0).to_numpy() & ~bad
            for i in np.flatnonzero(negative):
                problems.append(dict(file=chunk.file, sheet=chunk.sheet, row=int(chunk.rows[i]),
                                     column=chunk.headers[col.name], value=raw.iloc[i],
                                     problem="negative amount: expected 0 or more baht"))
        for i in np.flatnonzero(bad):
            problems.append(dict(file=chunk.file, sheet=chunk.sheet, row=int(chunk.rows[i]),
                                 column=chunk.headers[col.name], value=raw.iloc[i],
                                 problem=str(errors.iloc[i])))
        out[col.name] = values.reset_index(drop=True)
    # Unknown columns are kept (cleaned text), never dropped.
    known = {c.name for c in chunk.table.columns}
    for name in frame.columns:
        if name not in known:
            out[name] = frame[name].reset_index(drop=True)
    return pd.DataFrame(out)


def _empty_table(table: Table) -> pd.DataFrame:
    dtypes = {"id": "str", "text": "str", "number": "float64", "money": "float64",
              "int": "Int64", "date": "datetime64[ns]", "wave": WAVE_DTYPE, "sex": "str",
              "role": "str", "kind": "str"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes[c.kind]) for c in table.columns})


def _combine(table: Table, parsed: list[tuple[_Chunk, pd.DataFrame]]):
    """Concatenate a table's chunks; return the frame and its provenance."""
    if not parsed:
        return _empty_table(table), pd.DataFrame({"file": [], "sheet": [], "row": []})
    frames, prov = [], []
    for chunk, frame in parsed:
        frames.append(frame)
        prov.append(pd.DataFrame({"file": chunk.file, "sheet": chunk.sheet, "row": chunk.rows,
                                  "headers": [chunk.headers] * len(frame)}))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for col in table.columns:  # optional columns absent from every file still exist
        if col.name not in frame.columns:
            frame[col.name] = _empty_table(table)[col.name].reindex(frame.index)
    if "wave" in frame.columns:
        frame["wave"] = frame["wave"].astype(WAVE_DTYPE)
    for col in table.columns:  # one string dtype whatever the source (CSV, Excel, Parquet)
        if col.kind in ("id", "text", "sex", "role", "kind"):
            frame[col.name] = frame[col.name].astype("str")
    ordered = [c.name for c in table.columns] + [c for c in frame.columns
                                                  if c not in {x.name for x in table.columns}]
    return frame[ordered], pd.concat(prov, ignore_index=True)


def _header_of(prov: pd.DataFrame, i: int, column: str) -> str:
    headers = prov["headers"].iloc[i]
    return headers.get(column, column) if isinstance(headers, dict) else column


def _check_duplicates(name: str, frame: pd.DataFrame, prov: pd.DataFrame, problems: list[dict]):
    key = list(TABLES[name].key)
    if not key or frame.empty:
        return
    dup = frame.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return
    first_row = {}
    for i in np.flatnonzero(dup):
        k = tuple(frame[c].iloc[i] for c in key)
        where = f"{prov['file'].iloc[i]} row {prov['row'].iloc[i]}"
        if k not in first_row:
            first_row[k] = where
            continue
        problems.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                             row=int(prov["row"].iloc[i]), column=", ".join(key),
                             value=" / ".join(str(x) for x in k),
                             problem=f"duplicate {name} entry for ({', '.join(key)}); "
                                     f"first given at {first_row[k]}"))


def _check_references(tables: dict, provs: dict, problems: list[dict]):
    for name, table in TABLES.items():
        frame, prov = tables[name], provs[name]
        for column, other, other_col in table.references:
            # A missing referenced table is reported once, not once per row.
            if frame.empty or column not in frame.columns or provs[other].empty:
                continue
            known = set(tables[other][other_col].dropna())
            values = frame[column]
            unknown = (~values.isin(known) & values.notna()).to_numpy()
            for i in np.flatnonzero(unknown):
                problems.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                                     row=int(prov["row"].iloc[i]),
                                     column=_header_of(prov, i, column), value=values.iloc[i],
                                     problem=f"unknown {other_col}: not in the {other} table"))


def _check_happiness(tables, provs, instruments, problems):
    """Instrument ids, item ids and value ranges."""
    frame, prov = tables["happiness"], provs["happiness"]
    if frame.empty:
        return
    for inst_id, idx in frame.groupby("instrument", sort=False).indices.items():
        inst = instruments.get(inst_id)
        if inst is None:
            i = idx[0]
            problems.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                                 row=int(prov["row"].iloc[i]),
                                 column=_header_of(prov, i, "instrument"), value=inst_id,
                                 problem=f"unknown instrument ({len(idx)} rows); known: "
                                         f"{', '.join(sorted(instruments))} or add "
                                         "instruments/<id>.yaml"))
            continue
        ranges = {item.id: (item.min, item.max) for item in inst.items}
        items = frame["item"].to_numpy()[idx]
        values = frame["value"].to_numpy(dtype=float)[idx]
        lo = np.array([ranges.get(it, (np.nan, np.nan))[0] for it in items], dtype=float)
        hi = np.array([ranges.get(it, (np.nan, np.nan))[1] for it in items], dtype=float)
        unknown_item = np.isnan(lo)
        for j in np.flatnonzero(unknown_item):
            i = idx[j]
            problems.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                                 row=int(prov["row"].iloc[i]), column=_header_of(prov, i, "item"),
                                 value=items[j],
                                 problem=f"unknown item for instrument {inst_id}; items: "
                                         f"{', '.join(ranges)}"))
        out = ~unknown_item & ~np.isnan(values) & ((values < lo) | (values > hi))
        for j in np.flatnonzero(out):
            i = idx[j]
            problems.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                                 row=int(prov["row"].iloc[i]),
                                 column=_header_of(prov, i, "value"), value=values[j],
                                 problem=f"outside the range of {inst_id} item {items[j]}: "
                                         f"expected {lo[j]:g} to {hi[j]:g}"))


def _village_of(tables: dict, name: str) -> pd.Series:
    """The village of each row of a table (NaN where unknown)."""
    frame = tables[name]
    people = tables["participants"]
    if name in ("villages", "participants", "lessons"):
        return frame["village_id"]
    if name in ("happiness", "savings"):
        key = "person_id" if name == "happiness" else "member_id"
        return frame[key].map(people.drop_duplicates("person_id")
                              .set_index("person_id")["village_id"])
    if name in ("finance", "ledger"):
        return frame["household_id"].map(people.drop_duplicates("household_id")
                                         .set_index("household_id")["village_id"])
    return pd.Series(np.nan, index=frame.index, dtype=object)


def _warnings(tables, provs) -> list[dict]:
    """Suspicious but possible values."""
    out: list[dict] = []
    # Monthly income jumping tenfold (or falling to a tenth) between consecutive waves.
    fin, prov = tables["finance"], provs["finance"]
    if not fin.empty:
        ordered = fin.assign(_i=np.arange(len(fin))).sort_values(["household_id", "wave"])
        for column in ("income", "expenses"):
            prev = ordered.groupby("household_id", observed=True)[column].shift()
            ratio = ordered[column] / prev
            flag = ((ratio >= JUMP_FACTOR) | (ratio <= 1 / JUMP_FACTOR)) & (prev > 0)
            for i, r in zip(ordered.loc[flag, "_i"], ratio[flag]):
                out.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                                row=int(prov["row"].iloc[i]),
                                column=_header_of(prov, i, column), value=fin[column].iloc[i],
                                problem=f"{column} changed {r:.1f}-fold since the previous "
                                        "wave: check the entry",
                                severity="warning"))
    # Dates outside the project period.
    periods = tables["projects"].set_index("project_id")[["start_date", "end_date"]]
    vil_proj = tables["villages"].set_index("village_id")["project_id"]
    for name in ("happiness", "finance", "ledger", "savings"):
        frame, prov = tables[name], provs[name]
        if frame.empty or frame["date"].isna().all():
            continue
        project = _village_of(tables, name).map(vil_proj)
        start = project.map(periods["start_date"]) - pd.Timedelta(days=31)
        end = project.map(periods["end_date"]) + pd.Timedelta(days=31)
        dates = frame["date"]
        flag = ((dates < start) | (dates > end)).fillna(False).to_numpy()
        for i in np.flatnonzero(flag):
            out.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                            row=int(prov["row"].iloc[i]), column=_header_of(prov, i, "date"),
                            value=str(dates.iloc[i].date()),
                            problem="date outside the project period (more than a month "
                                    "before its start or after its end)",
                            severity="warning"))
    # Target participants without any happiness or finance record.
    return out


def _file_checksums(files: Iterable[Path], root: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(set(files)):
        data = path.read_bytes()
        rows.append({"path": _rel(path, root), "sha256": hashlib.sha256(data).hexdigest(),
                     "bytes": len(data)})
    return pd.DataFrame(rows, columns=["path", "sha256", "bytes"])


def load_project(path, *, warnings_as_errors: bool = False) -> Project:
    """Read, normalise and validate a program's data.

    Parameters
    ----------
    path : str or Path
        A data folder (searched recursively for ``<table>.csv`` /
        ``<table>.parquet`` files named in English or Thai, ``*.xlsx``
        workbooks with one sheet per table, ``ladder*.yaml``, ``lessons/``
        text files and ``instruments/*.yaml``) or a single ``.xlsx`` workbook.
    warnings_as_errors : bool, default False
        Fail on suspicious values too.

    Returns
    -------
    Project
        Validated tables; warnings are in ``Project.problems``.

    Raises
    ------
    DataValidationError
        If anything is wrong; ``.problems`` lists every problem (file, sheet,
        row as the user sees it, column as written in the file, value, problem).

    Examples
    --------
    >>> import evaluation as ev
    >>> proj = ev.load_project("data/sample")
    >>> sorted(proj.villages["village_id"])
    ['V01', 'V02', 'V03', 'V04', 'V05']
    """
    from .instruments import registry
    from .errors import EvaluationError as _EvaluationError

    root = Path(path)
    problems: list[dict] = []
    chunks, ladder_files, instrument_dirs, files = _scan(root, problems)

    parsed: dict[str, list] = {name: [] for name in TABLES}
    for chunk in chunks:
        parsed[chunk.table.name].append((chunk, _parse_chunk(chunk, problems)))
    tables, provs = {}, {}
    for name, table in TABLES.items():
        tables[name], provs[name] = _combine(table, parsed[name])
    for name in schema.REQUIRED_TABLES:
        if parsed[name] and tables[name].empty:
            chunk = parsed[name][0][0]
            problems.append(dict(file=chunk.file, sheet=chunk.sheet, row=None, column=None,
                                 value=None, problem=f"table '{name}' ({TABLES[name].th}) "
                                                     "has no rows: at least one is needed"))
        if not parsed[name] and not any(p.get("column") and name in str(p.get("problem"))
                                        for p in problems):
            problems.append(dict(file=_rel(root, root) if root.is_file() else str(root),
                                 sheet=None, row=None, column=None, value=None,
                                 problem=f"no '{name}' table found: expected {name}.csv, "
                                         f"{TABLES[name].th}.csv or a sheet named "
                                         f"'{TABLES[name].th}' / '{name}'"))

    for name in TABLES:
        _check_duplicates(name, tables[name], provs[name], problems)
    _check_references(tables, provs, problems)

    try:
        instruments = registry(extra_dirs=instrument_dirs)
    except _EvaluationError as exc:
        extra = getattr(exc, "problems", None)
        if extra is not None:
            problems.extend(extra.to_dict("records"))
        else:
            problems.append(dict(file=None, sheet=None, row=None, column=None, value=None,
                                 problem=str(exc)))
        instruments = registry()
    _check_happiness(tables, provs, instruments, problems)
    user_instruments = {k: v for k, v in instruments.items()
                        if k not in registry()} if instrument_dirs else {}

    ladders = {}
    if ladder_files:
        from .ladder import LadderError, read_ladder

        known_projects = set(tables["projects"]["project_id"])
        for lf in ladder_files:
            try:
                ladder = read_ladder(lf)
            except LadderError as exc:
                bad = exc.problems.copy()
                bad["file"] = _rel(lf, root)
                problems.extend(bad.to_dict("records"))
                continue
            if ladder.project_id not in known_projects:
                problems.append(dict(file=_rel(lf, root), sheet=None, row=None,
                                     column="project_id", value=ladder.project_id,
                                     problem="ladder for an unknown project_id: not in the "
                                             "projects table"))
            elif ladder.project_id in ladders:
                problems.append(dict(file=_rel(lf, root), sheet=None, row=None,
                                     column="project_id", value=ladder.project_id,
                                     problem="a second ladder for the same project"))
            else:
                ladders[ladder.project_id] = ladder
            if len(ladder.warnings):  # non-fatal (e.g. a unit that differs from the metric's)
                extra = ladder.warnings.copy()
                extra["file"] = _rel(lf, root)
                extra["severity"] = "warning"
                problems.extend(extra.to_dict("records"))

    warn = _warnings(tables, provs) if not any(
        p.get("severity", "error") != "warning" for p in problems) else []
    from .lost_zeros import lost_zero_warnings  # ids a spreadsheet turned into numbers

    warn += lost_zero_warnings(tables, provs)
    problems.extend(warn)
    frame = problems_frame(problems)
    errors = frame["severity"] != "warning"
    if warnings_as_errors:
        errors[:] = len(frame) > 0
    if errors.any():
        raise DataValidationError(frame.sort_values(["severity", "file", "sheet", "row"],
                                                    na_position="first", kind="stable"))

    frame = _attach_village(frame, tables, provs)
    from .source_use import file_use

    return Project(**tables, ladders=ladders, instruments=user_instruments, problems=frame,
                   source_files=file_use(_file_checksums(files, root), tables, provs, ladders,
                                         root),  # which villages/projects each file serves
                   root=root)


def _attach_village(problems: pd.DataFrame, tables, provs) -> pd.DataFrame:
    """Add the village a warning concerns, where its row can be traced."""
    problems = problems.copy()
    problems["village_id"] = pd.Series([None] * len(problems), dtype=object)
    if problems.empty:
        return problems
    lookup = {}
    for name in TABLES:
        prov = provs[name]
        if prov.empty:
            continue
        villages = _village_of(tables, name)
        for f, s, r, v in zip(prov["file"], prov["sheet"], prov["row"], villages):
            lookup[(f, s if isinstance(s, str) else None, int(r))] = v
    keys = zip(problems["file"], problems["sheet"], problems["row"])
    problems["village_id"] = [lookup.get((f, s if isinstance(s, str) else None,
                                          int(r) if pd.notna(r) else None))
                              for f, s, r in keys]
    return problems


def village_summary(project: Project) -> pd.DataFrame:
    """One row per village: participants, households, waves present, warnings.

    Returns
    -------
    pandas.DataFrame
        ``project_id, village_id, village_name, n_team, n_target, n_households,
        waves_happiness, waves_finance, n_ledger_entries, n_savings_entries,
        n_lesson_sections, n_warnings``.
    """
    people = project.participants
    rows = []
    for _, v in project.villages.iterrows():
        sub = project.village(v["village_id"])
        hp = sub.happiness
        fin = sub.finance
        rows.append({
            "project_id": v["project_id"],
            "village_id": v["village_id"],
            "village_name": v["name"],
            "n_team": int((sub.participants["role"] == "team").sum()),
            "n_target": int((sub.participants["role"] == "target").sum()),
            "n_households": int(sub.participants["household_id"].nunique()),
            "waves_happiness": " ".join(w for w in WAVES if (hp["wave"] == w).any()),
            "waves_finance": " ".join(w for w in WAVES if (fin["wave"] == w).any()),
            "n_ledger_entries": len(sub.ledger),
            "n_savings_entries": len(sub.savings),
            "n_lesson_sections": len(sub.lessons),
            "n_warnings": int((sub.problems["severity"] == "warning").sum()),
        })
    del people
    return pd.DataFrame(rows)
