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

from . import checks, schema
from .errors import DataValidationError, EvaluationError, problems_frame
from .reading import Chunk as _Chunk
from .reading import rel as _rel
from .schema import TABLES, WAVES, Table

#: Money columns whose post/pre ratio beyond this factor is flagged as suspicious.
JUMP_FACTOR = 10.0

WAVE_DTYPE = pd.CategoricalDtype(list(WAVES), ordered=True)


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
    value_maps : dict
        SROI value map per ``project_id`` (``value_map*.yaml``,
        :class:`evaluation.value_map.ValueMap`).
    problems : pandas.DataFrame
        Warnings found while loading (suspicious but possible values), in the
        problems-table shape plus ``village_id`` where known.
    source_files : pandas.DataFrame
        ``path, sha256, bytes`` of every input file read (for reproducibility;
        paths relative to the data folder), with ``village_ids`` and
        ``project_ids``: whose rows each file holds (a view read from a store
        keeps only its own villages and projects there; see
        :func:`evaluation.source_use.files_for`, which picks a view's files).
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
    value_maps: dict = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=problems_frame)
    source_files: pd.DataFrame = field(default_factory=pd.DataFrame)
    root: Path | None = None

    TABLE_NAMES = tuple(TABLES)

    # -- views ---------------------------------------------------------------
    @property
    def village_ids(self) -> list[str]:
        """Program village ids in file order (comparison villages: :attr:`comparison_ids`).

        Reports, batches and ladders go over these; a comparison village
        (``villages.arm`` = ``comparison``) has no report of its own.
        """
        from .arms import comparison_mask

        return self.villages.loc[~comparison_mask(self.villages), "village_id"].tolist()

    @property
    def comparison_ids(self) -> list[str]:
        """Comparison village ids (กลุ่มเปรียบเทียบ) in file order; empty for most programs."""
        from .arms import comparison_mask

        return self.villages.loc[comparison_mask(self.villages), "village_id"].tolist()

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
            known = ", ".join(self.villages["village_id"].tolist())
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
            value_maps={k: v for k, v in self.value_maps.items() if k in project_ids},
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
            value_maps={k: v for k, v in self.value_maps.items() if k == project_id},
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

# ---------------------------------------------------------------------------
# normalising and validating
# ---------------------------------------------------------------------------

def _parse_chunk(chunk: _Chunk, problems: list[dict]) -> pd.DataFrame:
    """Normalise every recognised column; report every bad cell."""
    from .thai_series import _parse_column

    frame = chunk.frame
    out = {}
    for col in chunk.table.columns:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        values, errors = _parse_column(raw, col.kind)
        bad = np.zeros(len(raw), dtype=bool) if errors is None else \
            np.array([e is not None for e in errors], dtype=bool)
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
                                 problem=str(errors[i])))
        if col.kind == "wave":
            checks.wave_labels(chunk, col.name, raw, problems)
        elif col.kind == "date" and not pd.api.types.is_datetime64_any_dtype(raw.dtype):
            alt = checks.date_order(chunk, col.name, raw, problems)
            if alt is not None:
                chunk.alt_dates[col.name] = alt
        out[col.name] = values.reset_index(drop=True)
    # Unknown columns are kept (cleaned text), never dropped.
    known = {c.name for c in chunk.table.columns}
    for name in frame.columns:
        if name not in known:
            out[name] = frame[name].reset_index(drop=True)
    return pd.DataFrame(out)


#: Chunks of at most this many rows are parsed together with their like neighbours.
_SMALL_CHUNK_ROWS = 20


def _stack_key(chunk: _Chunk):
    """Chunks with the same key can be parsed as one frame (None: parse alone).

    Only small chunks of tables without date or wave columns (whose checks look
    at a whole file's column) qualify: in practice the lesson files, one row each.
    """
    if len(chunk.frame) > _SMALL_CHUNK_ROWS or any(
            c.kind in ("date", "wave") for c in chunk.table.columns):
        return None
    return (chunk.table.name, chunk.sheet, tuple(chunk.frame.columns),
            tuple(map(str, chunk.frame.dtypes)), tuple(sorted(chunk.headers.items())))


def _parse_chunks(chunks: list[_Chunk], problems: list[dict]) -> list[tuple]:
    """``(chunk, parsed frame)`` for each chunk, in order, with every problem reported.

    Runs of small, alike chunks are parsed as one frame (the fixed cost of
    parsing a column is paid once, not once per lesson file); each problem is
    then given back its own file and row.
    """
    out: list[tuple] = []
    i = 0
    while i < len(chunks):
        key = _stack_key(chunks[i])
        j = i + 1
        while key is not None and j < len(chunks) and _stack_key(chunks[j]) == key:
            j += 1
        group = chunks[i:j]
        i = j
        if len(group) == 1:
            out.append((group[0], _parse_chunk(group[0], problems)))
            continue
        sizes = [len(c.frame) for c in group]
        files = np.repeat(np.array([c.file for c in group], dtype=object), sizes)
        rows = np.concatenate([c.rows for c in group])
        first = group[0]
        stacked = _Chunk(table=first.table, frame=pd.concat([c.frame for c in group],
                                                            ignore_index=True),
                         file=first.file, sheet=first.sheet, rows=np.arange(len(rows)),
                         headers=first.headers, folder=first.folder)
        found: list[dict] = []
        frame = _parse_chunk(stacked, found)
        for record in found:  # every problem of _parse_chunk names a row: its position here
            position = record["row"]
            record.update(file=files[position], row=int(rows[position]))
            problems.append(record)
        ends = np.cumsum(sizes)
        for chunk, start, end in zip(group, ends - sizes, ends):
            out.append((chunk, frame.iloc[start:end].reset_index(drop=True)))
    return out


def _empty_table(table: Table) -> pd.DataFrame:
    dtypes = {"id": "str", "text": "str", "number": "float64", "money": "float64",
              "int": "Int64", "date": "datetime64[ns]", "wave": WAVE_DTYPE, "sex": "str",
              "role": "str", "kind": "str", "arm": "str"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes[c.kind]) for c in table.columns})


def _combine(table: Table, parsed: list[tuple[_Chunk, pd.DataFrame]]):
    """Concatenate a table's chunks; return the frame and its provenance."""
    if not parsed:
        return _empty_table(table), pd.DataFrame({"file": [], "sheet": [], "row": []})
    frames = [frame for _, frame in parsed]
    sizes = [len(frame) for frame in frames]
    # one provenance frame for all chunks (one per chunk costs more than the rows)
    per_chunk = {key: np.empty(len(parsed), dtype=object) for key in ("file", "sheet",
                                                                      "headers")}
    for i, (chunk, _) in enumerate(parsed):
        per_chunk["file"][i], per_chunk["sheet"][i] = chunk.file, chunk.sheet
        per_chunk["headers"][i] = chunk.headers

    def labels(key: str) -> pd.Series:  # str dtype only when every chunk has text here
        values = pd.Series(np.repeat(per_chunk[key], sizes), dtype=object)
        texts = all(isinstance(v, str) for v in per_chunk[key])
        return values.astype("str") if texts else values

    prov = pd.DataFrame({"file": labels("file"), "sheet": labels("sheet"),
                         "row": np.concatenate([np.asarray(chunk.rows) for chunk, _ in parsed]),
                         "headers": np.repeat(per_chunk["headers"], sizes)})
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    missing = [col.name for col in table.columns if col.name not in frame.columns]
    if missing:  # optional columns absent from every file still exist
        empty = _empty_table(table)
        for name in missing:
            frame[name] = empty[name].reindex(frame.index)
    if "wave" in frame.columns:
        frame["wave"] = frame["wave"].astype(WAVE_DTYPE)
    for col in table.columns:  # one string dtype whatever the source (CSV, Excel, Parquet)
        if col.kind in ("id", "text", "sex", "role", "kind", "arm"):
            frame[col.name] = frame[col.name].astype("str")
    ordered = [c.name for c in table.columns] + [c for c in frame.columns
                                                  if c not in {x.name for x in table.columns}]
    return frame[ordered], prov


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
        codes, distinct = pd.factorize(items)  # each item id looked up once
        bounds = np.array([ranges.get(it, (np.nan, np.nan)) for it in distinct] +
                          [(np.nan, np.nan)], dtype=float).reshape(-1, 2)
        lo, hi = bounds[codes, 0], bounds[codes, 1]  # code -1 (blank): the NaN row
        unknown_item = np.isnan(lo)
        for j in np.flatnonzero(unknown_item):
            i = idx[j]
            problems.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                                 row=int(prov["row"].iloc[i]), column=_header_of(prov, i, "item"),
                                 value=items[j],
                                 problem=f"unknown item for instrument {inst_id}; items: "
                                         f"{', '.join(ranges)}"))
        for j in checks.half_points(values, items, lo, hi, inst_id):
            i = idx[j]
            problems.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                                 row=int(prov["row"].iloc[i]),
                                 column=_header_of(prov, i, "value"), value=values[j],
                                 problem_code="not_on_scale",
                                 problem=f"not an answer of {inst_id} item {items[j]}: answers "
                                         f"are whole numbers {lo[j]:g} to {hi[j]:g}"))
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


def _project_period_of_rows(tables: dict, name: str, vil_proj: pd.Series,
                            periods: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Start and end dates of the project of each row of a person or household table.

    The same lookups as :func:`_village_of` followed by the project's period,
    done once per distinct person or household and spread over the rows.
    """
    frame = tables[name]
    key = {"happiness": "person_id", "savings": "member_id"}.get(name, "household_id")
    by = "household_id" if key == "household_id" else "person_id"
    codes, uniques = pd.factorize(frame[key])
    people = tables["participants"]
    village = pd.Series(uniques, dtype=object).map(
        people.drop_duplicates(by).set_index(by)["village_id"])
    project = village.map(vil_proj)
    bounds = []
    for column in ("start_date", "end_date"):
        per_unique = project.map(periods[column]).to_numpy(dtype="datetime64[ns]")
        per_row = np.append(per_unique, np.datetime64("NaT", "ns"))[codes]  # -1: blank id
        bounds.append(pd.Series(per_row, index=frame.index))
    return bounds[0], bounds[1]


def _warnings(tables, provs, parsed=None) -> list[dict]:
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
        start, end = _project_period_of_rows(tables, name, vil_proj, periods)
        start, end = start - pd.Timedelta(days=31), end + pd.Timedelta(days=31)
        dates = frame["date"]
        offset = 0
        for chunk, part in (parsed or {}).get(name, []):
            if "date" in chunk.alt_dates:
                sl = slice(offset, offset + len(part))
                checks.ambiguous_dates(chunk, "date", dates.iloc[sl],
                                       chunk.alt_dates["date"], start.iloc[sl] + pd.Timedelta(
                                           days=31), end.iloc[sl] - pd.Timedelta(days=31), out)
            offset += len(part)
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


def load_project(path, *, warnings_as_errors: bool = False, villages=None) -> Project:
    """Read, normalise and validate a program's data (or open a store).

    Parameters
    ----------
    path : str or Path
        A data folder (searched recursively for ``<table>.csv`` /
        ``<table>.parquet`` files named in English or Thai, ``*.xlsx``
        workbooks with one sheet per table, ``ladder*.yaml``, ``lessons/``
        text files and ``instruments/*.yaml``) or a single ``.xlsx`` workbook.
    warnings_as_errors : bool, default False
        Fail on suspicious values too.
    villages : sequence of str, optional
        Only these villages (and their projects). On a store (a folder written
        by ``evaluation ingest``, see :mod:`evaluation.store`) only their files
        are read; a data folder is loaded whole, then restricted.

    Returns
    -------
    Project
        Validated tables; warnings are in ``Project.problems``. A store without
        ``villages`` gives a :class:`evaluation.store.StoreProject` that reads
        its large tables on first use.

    Raises
    ------
    DataValidationError
        If anything is wrong; ``.problems`` lists every problem (file, sheet,
        row as the user sees it, column as written in the file, value, problem).

    Examples
    --------
    >>> import evaluation as ev
    >>> proj = ev.load_project("data/sample")
    >>> sorted(proj.village_ids), proj.comparison_ids
    (['V01', 'V02', 'V03', 'V04', 'V05'], ['C01', 'C02'])
    """
    from .instruments import registry
    from .errors import EvaluationError as _EvaluationError

    root = Path(path)
    from .store.layout import is_store

    if is_store(root):   # validated at ingest; read only what is asked for
        from .store import open_store

        return open_store(root, villages=villages)
    if villages is not None:
        from .ladder import restrict_project

        full = load_project(root, warnings_as_errors=warnings_as_errors)
        ids = [villages] if isinstance(villages, str) else [str(v) for v in villages]
        known = set(full.villages["village_id"])
        for v in ids:
            if v not in known:
                raise _EvaluationError(f"unknown village_id {v!r} in villages; known "
                                       f"villages: {', '.join(full.villages['village_id'])}")
        sub = restrict_project(full, ids)
        pids = set(sub.projects["project_id"])
        sub.ladders = {k: v for k, v in full.ladders.items() if k in pids}
        sub.value_maps = {k: v for k, v in full.value_maps.items() if k in pids}
        if "village_id" in sub.problems.columns:
            sub.problems = sub.problems[sub.problems["village_id"].isna()
                                        | sub.problems["village_id"].isin(ids)]
        return sub
    problems: list[dict] = []
    from .reading import scan

    found = scan(root, problems)
    chunks, ladder_files, instrument_dirs, files = (found.chunks, found.ladders,
                                                    found.instrument_dirs, found.files)
    value_map_files = [f for f in ladder_files if f.name.casefold().startswith("value_map")]
    ladder_files = [f for f in ladder_files if f not in value_map_files]

    parsed: dict[str, list] = {name: [] for name in TABLES}
    for pair in _parse_chunks(chunks, problems):
        parsed[pair[0].table.name].append(pair)
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
        checks.identical_rows(name, tables[name], provs[name], problems)
    _check_references(tables, provs, problems)
    checks.household_sizes(tables, provs, _header_of, problems)
    checks.project_periods(tables, provs, _header_of, problems)
    for name in TABLES:
        for chunk, frame in parsed[name]:
            checks.unknown_numbers(chunk, frame, problems)

    try:
        instruments = registry(extra_dirs=instrument_dirs)
    except _EvaluationError as exc:
        extra = getattr(exc, "problems", None)
        if extra is not None:
            for record in extra.to_dict("records"):
                if isinstance(record.get("file"), str):
                    record["file"] = _rel(Path(record["file"]), root)
                if record.get("column") == "":
                    record["column"] = None
                problems.append(record)
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

    value_maps = _load_value_maps(value_map_files, root, tables, ladders, user_instruments,
                                  problems)
    warn = _warnings(tables, provs, parsed) if not any(
        p.get("severity", "error") != "warning" for p in problems) else []
    from .lost_zeros import lost_zero_warnings  # ids a spreadsheet turned into numbers

    warn += lost_zero_warnings(tables, provs)
    from .period_checks import participant_date_warnings  # joined/left dates too

    warn += participant_date_warnings(tables, provs)
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
                   root=root, value_maps=value_maps)


def _load_value_maps(paths, root, tables, ladders, instruments, problems) -> dict:
    """Read and check every ``value_map*.yaml``; problems go to ``problems``."""
    from types import SimpleNamespace

    from .value_map import ValueMapError, check_value_map, read_value_map

    out: dict = {}
    context = SimpleNamespace(projects=tables["projects"], ladders=ladders,
                              instruments=instruments)
    for path in paths:
        try:
            vm = read_value_map(path)
        except ValueMapError as exc:
            bad = exc.problems.assign(file=_rel(path, root))
            problems.extend(bad.to_dict("records"))
            continue
        found = check_value_map(vm, context)
        for frame in (found, vm.warnings):
            if len(frame):
                problems.extend(frame.assign(file=_rel(path, root)).to_dict("records"))
        if len(found):
            continue
        if vm.project_id in out:
            problems.append(dict(file=_rel(path, root), sheet=None, row=None,
                                 column="project_id", value=vm.project_id,
                                 problem="a second value map for the same project",
                                 problem_code="duplicate_value_map"))
            continue
        out[vm.project_id] = vm
    return out


def _attach_village(problems: pd.DataFrame, tables, provs) -> pd.DataFrame:
    """Add the village a warning concerns, where its row can be traced.

    Only the rows of files that have problems are looked at (a table join,
    not a Python dictionary of every row of the program).
    """
    problems = problems.copy()
    problems["village_id"] = pd.Series([None] * len(problems), dtype=object)
    if problems.empty:
        return problems
    none = "\0"

    def sheet_key(values):
        return [s if isinstance(s, str) else none for s in values]

    files = set(problems["file"].dropna())
    problem_rows = set(pd.to_numeric(problems["row"], errors="coerce").dropna()
                       .astype("int64"))
    frames = []
    for name in TABLES:
        prov = provs[name]
        if prov.empty:
            continue
        # only rows that a problem names (its file and row number) can match
        mask = (prov["file"].isin(files) & prov["row"].isin(problem_rows)).to_numpy()
        if not mask.any():
            continue
        subset = {**tables, name: tables[name].iloc[np.flatnonzero(mask)]}
        villages = pd.Series(_village_of(subset, name)).to_numpy(dtype=object)
        frames.append(pd.DataFrame({"file": prov["file"].to_numpy(dtype=object)[mask],
                                    "sheet": sheet_key(prov["sheet"].to_numpy()[mask]),
                                    "row": prov["row"].to_numpy().astype("int64")[mask],
                                    "village": villages}))
    if not frames:
        problems["village_id"] = [None] * len(problems)
        return problems
    # a later table's row wins, as it did when the rows were gathered one by one
    lookup = pd.concat(frames, ignore_index=True).drop_duplicates(["file", "sheet", "row"],
                                                                  keep="last")
    rows = pd.to_numeric(problems["row"], errors="coerce").fillna(-1).astype("int64")
    keys = pd.DataFrame({"file": problems["file"].to_numpy(dtype=object),
                         "sheet": sheet_key(problems["sheet"].to_numpy()),
                         "row": rows.to_numpy()})
    found = keys.merge(lookup, on=["file", "sheet", "row"], how="left", indicator=True)
    problems["village_id"] = [v if hit == "both" else None
                              for v, hit in zip(found["village"], found["_merge"])]
    return problems


def village_summary(project: Project) -> pd.DataFrame:
    """One row per village of a project: participants, households, waves, warnings.

    Returns
    -------
    pandas.DataFrame
        ``project_id, village_id, village_name, n_team, n_target, n_households,
        waves_happiness, waves_finance, n_ledger_entries, n_savings_entries,
        n_lesson_sections, n_warnings, arm`` (``program`` or ``comparison``).
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
            "arm": "comparison" if v.get("arm") == "comparison" else "program",
        })
    del people
    return pd.DataFrame(rows)
