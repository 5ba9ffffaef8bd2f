"""``evaluation ingest DATA --store STORE``: validate a data folder once, write a store.

Validation is the loader's own (:func:`evaluation.load_project`): the same
reading, normalising and checking rules, the same problems table. A folder
with errors writes nothing and raises
:class:`~evaluation.errors.DataValidationError` listing every problem, exactly
as ``evaluation check`` shows them; the warnings of a valid folder are stored
in ``problems.parquet``.

Re-ingesting compares the content hash of every input file with the
manifest: nothing changed, nothing is read. Otherwise the folder is validated
again and only the village partitions whose rows changed are rewritten
(partitions of villages that disappeared are removed).

Without ``parts``, a folder of more than ``chunk_villages`` villages is read
in village chunks (:mod:`evaluation.store.split`): each chunk is validated
alone by the loader and the chunks' problems are merged into those of the
whole folder (rows of the original files), so memory is that of one chunk.

With ``parts=True`` the data folder holds one sub-folder per part (a
province, a batch of projects), each a complete data folder with its own
projects and villages. Each part is validated alone by the loader and
written, so memory is that of the largest part, not of the program; an
unchanged part is not even read again. What only the whole program can
show, the same project, village, person or household id in two parts, is
checked afterwards on the ids alone. Nothing is moved into the store before
every part is valid.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EvaluationError
from . import layout
from . import split as splitting


@dataclass
class IngestResult:
    """What :func:`ingest` did.

    Attributes
    ----------
    store : pathlib.Path
    unchanged : bool
        True when every input file had the hash recorded in the manifest
        (nothing was read or written).
    written, kept, removed : int
        Village partitions (table × village files) written, left as they
        were (same rows), and deleted (the village is gone).
    rows : dict
        Rows per table.
    n_warnings : int
        Warnings stored in ``problems.parquet``.
    seconds : float
    """

    store: Path
    unchanged: bool = False
    parts_read: int = 0
    parts_kept: int = 0
    written: int = 0
    kept: int = 0
    removed: int = 0
    rows: dict = field(default_factory=dict)
    n_warnings: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the command line."""
        if self.unchanged:
            return f"{self.store}: inputs unchanged, nothing rewritten"
        total = sum(self.rows.values())
        parts = (f"{self.parts_read} part(s) validated, {self.parts_kept} unchanged; "
                 if self.parts_read + self.parts_kept > 1 else "")
        return (f"{self.store}: {parts}{total:,} rows, {self.written} partitions written, "
                f"{self.kept} unchanged, {self.removed} removed, "
                f"{self.n_warnings} warnings, {self.seconds:.1f} s")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
    tmp.replace(path)


def _text_or_none(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value)


#: Problems-table columns that hold text or nothing (``value``: the cell as text).
OBJECT_PROBLEM_COLUMNS = ("sheet", "column", "value", "severity")


def problems_for_parquet(problems: pd.DataFrame) -> pd.DataFrame:
    """The problems table with one type per column (``value`` as text)."""
    out = problems.copy()
    for column in OBJECT_PROBLEM_COLUMNS:
        if column in out.columns and out[column].dtype == object:
            out[column] = out[column].map(_text_or_none).astype(object)
    return out


def _village_keys(project, name: str, frame=None) -> tuple[np.ndarray, np.ndarray]:
    """Project and village of every row of a partitioned table (None where unknown).

    ``frame``: rows keyed like ``name`` (e.g. happiness scores keyed by person).
    """
    from ..project import _village_of

    tables = {n: getattr(project, n) for n in project.TABLE_NAMES}
    if frame is not None:
        tables[name] = frame
    villages = pd.Series(_village_of(tables, name)).reset_index(drop=True)
    to_project = project.villages.drop_duplicates("village_id").set_index("village_id")[
        "project_id"]
    projects = villages.map(to_project)
    clean = [s.astype(object).where(s.notna(), None).to_numpy() for s in (projects, villages)]
    return clean[0], clean[1]


def happiness_scores(project) -> pd.DataFrame:
    """Scored happiness totals of every instrument: one row per person × wave × instrument.

    :func:`evaluation.score_instrument` per instrument (user instruments of
    the project first), the columns ``person_id, wave, instrument, total,
    n_items, n_missing``: what the national aggregates read.
    """
    from ..instruments import get_instrument, score_instrument

    hap = project.happiness
    columns = ["person_id", "wave", "instrument", "total", "n_items", "n_missing"]
    if hap.empty:
        return pd.DataFrame(columns=columns)
    frames = []
    for inst in sorted(pd.unique(hap["instrument"].dropna())):
        definition = project.instruments.get(inst) or get_instrument(inst)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # incomplete answers: counted in n_missing
            scored = score_instrument(hap[hap["instrument"] == inst], definition)
        scored["instrument"] = str(inst)
        frames.append(scored[columns])
    out = pd.concat(frames, ignore_index=True)
    out["wave"] = out["wave"].astype(str)
    return out


def _copy_sidecars(project, target: Path, prefix: str) -> dict:
    """Ladders, value maps and user instruments of one part: their YAML files, as read."""
    out: dict = {"ladders": {}, "value_maps": {}, "instruments": []}
    for kind, objects in (("ladders", project.ladders), ("value_maps", project.value_maps)):
        for pid, obj in objects.items():
            source = Path(str(obj.source))
            path = target / kind / f"{layout.segment(pid)}{source.suffix or '.yaml'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            out[kind][str(pid)] = f"{prefix}/{kind}/{path.name}"
    if project.instruments and project.root is not None and len(project.source_files):
        root = Path(project.root)
        for rel in project.source_files["path"]:
            path = root / rel
            if path.parent.name == "instruments" and path.suffix.lower() in (".yaml", ".yml"):
                (target / "instruments").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / "instruments" / path.name)
                if f"{prefix}/instruments" not in out["instruments"]:
                    out["instruments"].append(f"{prefix}/instruments")
    return out


def _units(data: Path, parts: bool) -> list[tuple[str, Path]]:
    """(part name, folder) to validate one by one: the whole folder, or its sub-folders."""
    from ..reading import IGNORED_DIRS

    if not parts:
        return [("", data)]
    if not data.is_dir():
        raise EvaluationError(f"parts=True needs a folder of part folders; {str(data)!r} is "
                              "not a folder")
    entries = [p for p in sorted(data.iterdir()) if not p.name.startswith(".")
               and p.name not in IGNORED_DIRS]
    stray = [p.name for p in entries if p.is_file()
             and p.suffix.lower() not in (".md", ".txt", ".markdown")]
    if stray:
        raise EvaluationError(f"with parts=True every data file belongs in a part folder; "
                              f"found at the top of {data}: {', '.join(stray)}")
    units = [(p.name, p) for p in entries if p.is_dir()]
    if not units:
        raise EvaluationError(f"parts=True: no part folders in {data}")
    return units


def _prefix_paths(frame: pd.DataFrame, name: str, column: str = "file") -> pd.DataFrame:
    """Paths relative to a part -> relative to the data folder (as the loader shows them)."""
    if not name or column not in frame.columns:
        return frame
    frame = frame.copy()
    frame[column] = [f"{name}/{v}" if isinstance(v, str) else v for v in frame[column]]
    return frame


def _unit_dir(store: Path, name: str) -> Path:
    return store / "parts" / (layout.segment(name) if name else "_all")


def _read_parquet(path: Path, columns=None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=columns).to_pandas()


def _stage_table(project, table: str, key_table: str, frame: pd.DataFrame, store: Path,
                 staging: Path, partitions: dict) -> None:
    """Write one table's rows, one file per village (sorted once, sliced without copies).

    Each partition's hash is over its rows' content hashes (not their positions),
    so a village whose rows did not change keeps its file at re-ingest.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    projects, villages = _village_keys(project, key_table, frame)
    pcodes, plabels = pd.factorize(pd.Series(projects, dtype=object), use_na_sentinel=False)
    vcodes, vlabels = pd.factorize(pd.Series(villages, dtype=object), use_na_sentinel=False)
    codes = pcodes.astype(np.int64) * (len(vlabels) + 1) + vcodes
    order = np.argsort(codes, kind="stable")
    codes, pcodes, vcodes = codes[order], pcodes[order], vcodes[order]
    frame = frame.iloc[order].assign(**{layout.ORDER: order.astype("int64")})
    row_hash = pd.util.hash_pandas_object(frame.drop(columns=layout.ORDER),
                                          index=False).to_numpy()
    signature = ("\0".join(map(str, frame.columns)) + str(list(frame.dtypes.astype(str))))
    # no pandas metadata (half the cost of a small file): the reader restores the dtypes
    arrow = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    (staging / "files").mkdir(parents=True, exist_ok=True)
    bounds = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(codes)]])
    for start, end in zip(starts, ends):
        pid, vid = plabels[pcodes[start]], vlabels[vcodes[start]]
        pid = None if pid is None or pid != pid else pid
        vid = None if vid is None or vid != vid else vid
        rel = layout.partition_dir(store, table, pid, vid).relative_to(store).as_posix()
        h = hashlib.sha256(signature.encode("utf-8"))
        h.update(row_hash[start:end].tobytes())
        partitions[rel] = h.hexdigest()
        pq.write_table(arrow.slice(start, end - start), _staged(staging, rel),
                       write_statistics=False)


def _stage_unit(project, name: str, store: Path, staging: Path, split=None) -> dict:
    """Write one validated part into ``staging``; return its manifest entry.

    ``split``: the unit is a village chunk of one folder (paths and rows of
    its problems are the original files')."""
    entry: dict = {"partitions": {}, "rows": {}}
    unit_rel = _unit_dir(store, name).relative_to(store).as_posix()
    target = staging / unit_rel
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for table in layout.WHOLE:
        frame = getattr(project, table)
        _write_parquet(frame, target / f"{table}.parquet")
        entry["rows"][table] = len(frame)
    derived = {layout.SCORES: ("happiness", happiness_scores(project))}
    for table in (*layout.PARTITIONED, *derived):
        key_table, frame = derived.get(table, (table, None))
        if frame is None:
            frame = getattr(project, table)
        frame = frame.reset_index(drop=True)
        entry["rows"][table] = len(frame)
        if frame.empty:
            continue
        _stage_table(project, table, key_table, frame, store, staging, entry["partitions"])
    shown = "" if split is not None else name
    problems = project.problems
    if split is not None:
        problems = splitting.map_problems(*split, problems)
    _write_parquet(_prefix_paths(problems_for_parquet(problems), shown),
                   target / "problems.parquet")
    sources = _prefix_paths(project.source_files, shown, "path")
    for column in ("village_ids", "project_ids"):
        if column in sources.columns:
            sources[column] = sources[column].map(lambda t: [str(x) for x in t])
    _write_parquet(sources, target / "source_files.parquet")
    entry.update(_copy_sidecars(project, target, unit_rel))
    entry["n_warnings"] = int((problems["severity"] == "warning").sum())
    return entry


def _staged(staging: Path, rel: str) -> Path:
    """Where a partition's file waits until every part is valid (one flat folder: no
    folder per village to create and remove)."""
    return staging / "files" / (hashlib.sha1(rel.encode("utf-8")).hexdigest() + ".parquet")


def _unit_ids(store: Path, root: Path, entry: dict, staging: Path | None = None
              ) -> dict[str, pd.Series]:
    """The ids a part holds (villages, projects, persons, households), from its files."""
    out = {"project_id": _read_parquet(root / "projects.parquet", ["project_id"])["project_id"],
           "village_id": _read_parquet(root / "villages.parquet", ["village_id"])["village_id"]}
    people = [rel for rel in entry["partitions"] if rel.startswith("tables/participants/")]
    frames = [_read_parquet(_staged(staging, rel) if staging is not None
                            else store / rel / "part-0.parquet", ["person_id", "household_id"])
              for rel in people]
    frame = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame({"person_id": [], "household_id": []}, dtype="str"))
    out["person_id"] = frame["person_id"]
    out["household_id"] = frame["household_id"].drop_duplicates()
    return {k: v.astype("str") for k, v in out.items()}


def _cross_part_duplicates(ids: dict[str, dict[str, pd.Series]]) -> list[dict]:
    """The same id in two parts: every repeat, naming the part it first appeared in."""
    rows = []
    for column in ("project_id", "village_id", "person_id", "household_id"):
        frames = [pd.DataFrame({"id": unit_ids[column], "part": name})
                  for name, unit_ids in ids.items() if len(unit_ids[column])]
        if not frames:
            continue
        frame = pd.concat(frames, ignore_index=True).drop_duplicates()
        dup = frame[frame.duplicated("id", keep=False)]
        if dup.empty:
            continue
        first = dup.drop_duplicates("id").set_index("id")["part"]
        for value, part in zip(dup["id"], dup["part"]):
            if first[value] == part:
                continue
            rows.append(dict(file=part, sheet=None, row=None, column=column, value=value,
                             problem=f"{column} {value} is also in part {first[value]}: ids "
                                     "must be unique across the program",
                             problem_code="duplicate_key"))
    return rows


def ingest(data_dir, store, *, warnings_as_errors: bool = False, force: bool = False,
           parts: bool = False, chunk_villages: int = splitting.DEFAULT_CHUNK
           ) -> IngestResult:
    """Validate a data folder with the loader's rules and write it as a partitioned store.

    Parameters
    ----------
    data_dir : str or path-like
        Data folder or workbook (anything :func:`evaluation.load_project` reads);
        with ``parts=True`` a folder of part folders.
    store : str or path-like
        Store folder to create or update (see :mod:`evaluation.store.layout`).
    warnings_as_errors : bool, default False
        Fail on warnings too (as ``evaluation check --strict``).
    force : bool, default False
        Validate and compare partitions even when no input changed.
    parts : bool, default False
        Validate and write one sub-folder at a time (memory of the largest
        part); ids repeated across parts are errors.
    chunk_villages : int, default 500
        Without ``parts``: a folder of more villages than this is split into
        chunks of this many villages while it is read (streaming, see
        :mod:`evaluation.store.split`) and validated one chunk at a time.

    Returns
    -------
    IngestResult

    Raises
    ------
    DataValidationError
        The data has errors: every problem of every part is listed (paths
        relative to `data_dir`, rows of the original files) and the store is
        left as it was.
    EvaluationError
        ``store`` exists and is not a store (a non-empty folder without
        ``store.json``), ``data_dir`` is itself a store, ``chunk_villages`` is
        not a whole number of at least 1, or (``parts``) a data file lies
        outside the part folders.

    Notes
    -----
    Each part or chunk is validated in memory by the loader, the peak about
    that of ``evaluation check`` on it; reports and aggregates then read the
    store in memory that does not grow with the program.

    Examples
    --------
    >>> import tempfile, evaluation as ev
    >>> from evaluation.store import ingest
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = ingest("data/sample", f"{tmp}/store")
    ...     v = ev.load_project(f"{tmp}/store", villages=["V01"])
    >>> result.rows["villages"], v.villages["village_id"].tolist()
    (7, ['V01'])
    """
    from ..errors import DataValidationError, problems_frame
    from ..project import load_project

    t0 = time.perf_counter()
    data, store = Path(data_dir), Path(store)
    if (isinstance(chunk_villages, bool) or not isinstance(chunk_villages, (int, np.integer))
            or chunk_villages < 1):
        raise EvaluationError(f"chunk_villages must be a whole number of at least 1, got "
                              f"{chunk_villages!r}")
    if layout.is_store(data):
        raise EvaluationError(f"data_dir {str(data)!r} is a store already; pass the data folder")
    if store.exists() and not store.is_dir():
        raise EvaluationError(f"store {str(store)!r} exists and is not a folder")
    if store.is_dir() and any(store.iterdir()) and not layout.is_store(store):
        raise EvaluationError(f"store {str(store)!r} is a non-empty folder without "
                              f"{layout.MANIFEST}; choose a new or empty folder")
    units = _units(data, parts)
    old = layout.read_manifest(store, partitions=True)
    same_kind = (old.get("format") == layout.FORMAT and old.get("parts_mode") == parts
                 and old.get("warnings_as_errors") == warnings_as_errors)
    old_units = old.get("parts", {}) if same_kind else {}
    result = IngestResult(store=store)
    split = inputs_all = None
    if not parts and data.is_dir():          # one folder: by village chunks when large
        inputs_all = layout.input_hashes(data)
        if not force and same_kind and old.get("inputs") == inputs_all:
            return IngestResult(store=store, unchanged=True, rows=dict(old.get("rows", {})),
                                n_warnings=int(old.get("n_warnings", 0)),
                                parts_kept=len(old_units), seconds=time.perf_counter() - t0)
        store.mkdir(parents=True, exist_ok=True)
        split = splitting.split_folder(data, store / ".split", villages_per_chunk=chunk_villages)
        if split is not None:
            units = [(split.chunks[c].name, split.chunks[c]) for c in split.active]
            chunk_no = {split.chunks[c].name: c for c in split.active}
    entries: dict[str, dict] = {}
    todo = []
    for name, folder in units:
        inputs = (inputs_all if inputs_all is not None and split is None
                  else {} if split is not None else layout.input_hashes(folder))
        prev = old_units.get(name)
        if split is None and not force and prev is not None and prev.get("inputs") == inputs:
            entries[name] = prev
            result.parts_kept += 1
        else:
            todo.append((name, folder, inputs))
    if not todo and set(old_units) == {n for n, _ in units}:
        return IngestResult(store=store, unchanged=True, rows=dict(old.get("rows", {})),
                            n_warnings=int(old.get("n_warnings", 0)),
                            parts_kept=result.parts_kept, seconds=time.perf_counter() - t0)

    store.mkdir(parents=True, exist_ok=True)
    staging = store / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    problems: list[pd.DataFrame] = []
    ids: dict[str, dict] = {}
    failed = False
    try:
        for name, folder, inputs in todo:
            k = chunk_no[name] if split is not None else 0
            try:
                project = load_project(folder, warnings_as_errors=warnings_as_errors)
            except DataValidationError as exc:
                failed = True
                found = (exc.problems if split is None
                         else splitting.map_problems(split, k, exc.problems))
                problems.append(_prefix_paths(found, "" if split is not None else name))
                continue
            if split is not None:                 # warnings too: merged with the errors
                problems.append(splitting.map_problems(split, k, project.problems))
            if failed:
                del project                   # an earlier part failed: write nothing
                continue
            entries[name] = {**_stage_unit(project, name, store, staging,
                                           split=(split, k) if split is not None else None),
                             "inputs": inputs}
            result.parts_read += 1
            del project
        merged = None
        if split is not None:
            merged = splitting.merge_problems(split, problems)
            if failed or (merged["severity"] != "warning").any():
                raise DataValidationError(merged.sort_values(
                    ["severity", "file", "sheet", "row"], na_position="first", kind="stable"))
        elif problems:
            frame = pd.concat(problems, ignore_index=True)
            raise DataValidationError(frame.sort_values(["severity", "file", "sheet", "row"],
                                                        na_position="first", kind="stable"))
        if parts:
            for name, _ in units:
                unit_rel = _unit_dir(store, name).relative_to(store).as_posix()
                fresh = (staging / unit_rel).is_dir()
                ids[name] = _unit_ids(store, (staging if fresh else store) / unit_rel,
                                      entries[name], staging if fresh else None)
            dup = _cross_part_duplicates(ids)
            if dup:
                raise DataValidationError(problems_frame(dup))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)     # the store stays as it was
        shutil.rmtree(store / ".split", ignore_errors=True)
        raise
    result = _commit(data, store, staging, units, todo, entries, old_units, parts,
                     warnings_as_errors, result, split=split, merged=merged,
                     inputs=inputs_all)
    result.seconds = time.perf_counter() - t0
    return result


def _commit(data, store, staging, units, todo, entries, old_units, parts, warnings_as_errors,
            result, *, split=None, merged=None, inputs=None) -> IngestResult:
    """Every part is valid: move the staged files into place, write the whole tables and
    the manifest (last: a crash before it re-ingests next time)."""
    old_parts = {rel: h for entry in old_units.values() for rel, h in
                 entry.get("partitions", {}).items()}
    new_parts = {rel: h for entry in entries.values() for rel, h in entry["partitions"].items()}
    for name, folder, _ in todo:
        unit_rel = _unit_dir(store, name).relative_to(store).as_posix()
        shutil.rmtree(store / unit_rel, ignore_errors=True)
        (store / unit_rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / unit_rel).replace(store / unit_rel)
        for rel, digest in entries[name]["partitions"].items():
            staged = _staged(staging, rel)
            if old_parts.get(rel) == digest and (store / rel / "part-0.parquet").is_file():
                result.kept += 1
                continue
            (store / rel).mkdir(parents=True, exist_ok=True)
            staged.replace(store / rel / "part-0.parquet")
            result.written += 1
    result.kept += sum(len(entries[n]["partitions"]) for n in entries
                       if n not in {t[0] for t in todo})
    for rel in set(old_parts) - set(new_parts):      # villages (or parts) no longer in the data
        shutil.rmtree(store / rel, ignore_errors=True)
        result.removed += 1
    for name in set(old_units) - set(entries):
        shutil.rmtree(_unit_dir(store, name), ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)

    manifest = {"format": layout.FORMAT, "source": str(data.resolve()), "parts_mode": parts,
                "warnings_as_errors": warnings_as_errors, "parts": entries,
                "partitions": new_parts, "ladders": {}, "value_maps": {}, "instruments": [],
                "rows": {}}
    order = [n for n, _ in units]
    for table in (*layout.WHOLE, "problems", "source_files"):
        path = (store / "tables" / f"{table}.parquet" if table in layout.WHOLE
                else store / f"{table}.parquet")
        if split is not None and table == "projects":      # every chunk holds all projects
            frame = _read_parquet(_unit_dir(store, order[0]) / f"{table}.parquet")
        elif split is not None and table == "problems":
            frame = problems_for_parquet(merged)
        else:
            frames = [_read_parquet(_unit_dir(store, n) / f"{table}.parquet") for n in order]
            frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            if split is not None and table == "source_files":
                frame = splitting.merge_source_files(split, frames, inputs)
        _write_parquet(frame, path)
    for name in order:
        entry = entries[name]
        for kind in ("ladders", "value_maps"):
            manifest[kind].update(entry.get(kind, {}))
        for folder in entry.get("instruments", []):
            if folder not in manifest["instruments"]:
                manifest["instruments"].append(folder)
        for table, n in entry["rows"].items():
            manifest["rows"][table] = manifest["rows"].get(table, 0) + n
    if split is not None:
        manifest["rows"]["projects"] = int(entries[order[0]]["rows"].get("projects", 0))
        manifest["inputs"] = inputs
        manifest["chunks"] = len(split.active)
        shutil.rmtree(store / ".split", ignore_errors=True)
        result.n_warnings = int((merged["severity"] == "warning").sum())
    else:
        if inputs is not None:
            manifest["inputs"] = inputs
        result.n_warnings = sum(int(entries[n].get("n_warnings", 0)) for n in order)
    result.rows = dict(manifest["rows"])
    manifest["n_warnings"] = result.n_warnings
    layout.write_manifest(store, manifest)
    return result
