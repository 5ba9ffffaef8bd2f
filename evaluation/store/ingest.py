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
        return (f"{self.store}: {total:,} rows, {self.written} partitions written, "
                f"{self.kept} unchanged, {self.removed} removed, "
                f"{self.n_warnings} warnings, {self.seconds:.1f} s")


def _frame_hash(frame: pd.DataFrame) -> str:
    h = hashlib.sha256("\0".join(map(str, frame.columns)).encode("utf-8"))
    h.update(str(list(frame.dtypes.astype(str))).encode("utf-8"))
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


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


def _copy_sidecars(project, store: Path, manifest: dict) -> None:
    """Ladders, value maps and user instruments: their YAML files, as read."""
    for kind, objects in (("ladders", project.ladders), ("value_maps", project.value_maps)):
        folder = store / kind
        shutil.rmtree(folder, ignore_errors=True)
        manifest[kind] = {}
        for pid, obj in objects.items():
            source = Path(str(obj.source))
            target = folder / f"{layout.segment(pid)}{source.suffix or '.yaml'}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            manifest[kind][str(pid)] = target.relative_to(store).as_posix()
    folder = store / "instruments"
    shutil.rmtree(folder, ignore_errors=True)
    manifest["instruments"] = []
    if project.instruments and project.root is not None and len(project.source_files):
        root = Path(project.root)
        for rel in project.source_files["path"]:
            path = root / rel
            if path.parent.name == "instruments" and path.suffix.lower() in (".yaml", ".yml"):
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, folder / path.name)
                manifest["instruments"].append(f"instruments/{path.name}")


def ingest(data_dir, store, *, warnings_as_errors: bool = False,
           force: bool = False) -> IngestResult:
    """Validate a data folder with the loader's rules and write it as a partitioned store.

    Parameters
    ----------
    data_dir : str or path-like
        Data folder or workbook (anything :func:`evaluation.load_project` reads).
    store : str or path-like
        Store folder to create or update (see :mod:`evaluation.store.layout`).
    warnings_as_errors : bool, default False
        Fail on warnings too (as ``evaluation check --strict``).
    force : bool, default False
        Validate and compare partitions even when no input changed.

    Returns
    -------
    IngestResult

    Raises
    ------
    DataValidationError
        The data has errors: every problem is listed and nothing is written.
    EvaluationError
        ``store`` exists and is not a store (a non-empty folder without
        ``store.json``), or ``data_dir`` is itself a store.

    Notes
    -----
    The folder is validated in memory by the loader (peak about the same as
    ``evaluation check``); reports and aggregates read the store afterwards in
    memory that does not grow with the program.

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
    from ..project import load_project

    t0 = time.perf_counter()
    data, store = Path(data_dir), Path(store)
    if layout.is_store(data):
        raise EvaluationError(f"data_dir {str(data)!r} is a store already; pass the data folder")
    if store.exists() and not store.is_dir():
        raise EvaluationError(f"store {str(store)!r} exists and is not a folder")
    if store.is_dir() and any(store.iterdir()) and not layout.is_store(store):
        raise EvaluationError(f"store {str(store)!r} is a non-empty folder without "
                              f"{layout.MANIFEST}; choose a new or empty folder")
    old = layout.read_manifest(store)
    inputs = layout.input_hashes(data)
    if (not force and old.get("format") == layout.FORMAT and old.get("inputs") == inputs
            and old.get("warnings_as_errors") == warnings_as_errors):
        return IngestResult(store=store, unchanged=True, rows=dict(old.get("rows", {})),
                            n_warnings=int(old.get("n_warnings", 0)),
                            seconds=time.perf_counter() - t0)

    project = load_project(data, warnings_as_errors=warnings_as_errors)  # raises on errors
    store.mkdir(parents=True, exist_ok=True)
    result = IngestResult(store=store)
    manifest = {"format": layout.FORMAT, "source": str(data.resolve()), "inputs": inputs,
                "warnings_as_errors": warnings_as_errors, "partitions": {}, "rows": {}}
    old_parts = dict(old.get("partitions", {}))
    for name in layout.WHOLE:
        frame = getattr(project, name)
        _write_parquet(frame, store / "tables" / f"{name}.parquet")
        manifest["rows"][name] = len(frame)
    derived = {layout.SCORES: ("happiness", happiness_scores(project))}
    for name in (*layout.PARTITIONED, *derived):
        key_table, frame = derived.get(name, (name, None))
        if frame is None:
            frame = getattr(project, name)
        frame = frame.reset_index(drop=True)
        manifest["rows"][name] = len(frame)
        if frame.empty:
            continue
        frame = frame.assign(**{layout.ORDER: np.arange(len(frame), dtype="int64")})
        projects, villages = _village_keys(project, key_table, frame)
        keys = pd.DataFrame({"p": projects, "v": villages})
        for (pid, vid), idx in keys.groupby(["p", "v"], dropna=False, sort=False).indices.items():
            pid = None if pid is None or pid != pid else pid
            vid = None if vid is None or vid != vid else vid
            part = frame.iloc[idx]
            folder = layout.partition_dir(store, name, pid, vid)
            rel = folder.relative_to(store).as_posix()
            digest = _frame_hash(part.drop(columns=layout.ORDER))  # rows, not positions
            manifest["partitions"][rel] = digest
            if old_parts.pop(rel, None) == digest and (folder / "part-0.parquet").is_file():
                result.kept += 1
                continue
            _write_parquet(part, folder / "part-0.parquet")
            result.written += 1
    for rel in old_parts:            # villages (or tables) no longer in the data
        shutil.rmtree(store / rel, ignore_errors=True)
        result.removed += 1
    _write_parquet(problems_for_parquet(project.problems), store / "problems.parquet")
    sources = project.source_files.copy()
    for column in ("village_ids", "project_ids"):
        if column in sources.columns:
            sources[column] = sources[column].map(lambda t: [str(x) for x in t])
    _write_parquet(sources, store / "source_files.parquet")
    _copy_sidecars(project, store, manifest)
    result.rows = dict(manifest["rows"])
    result.n_warnings = int((project.problems["severity"] == "warning").sum())
    manifest["n_warnings"] = result.n_warnings
    layout.write_manifest(store, manifest)      # last: a crash before it re-ingests next time
    result.seconds = time.perf_counter() - t0
    return result
