"""Open a store: :func:`open_store` and the lazy :class:`StoreProject`.

``evaluation.load_project(STORE)`` comes here. The projects table is read at
once; the villages table, the problems, the ladders, the value maps and the
large tables are read when first used. :meth:`StoreProject.village` and
``load_project(STORE, villages=[...])`` read only those villages' files, so
a village report's data load does not depend on the size of the program.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EvaluationError
from ..project import Project, _empty_table
from ..schema import TABLES
from . import layout


@functools.lru_cache(maxsize=None)
def _table_dtypes(name: str) -> tuple:
    """``(column, dtype)`` of a table as the loader makes it (built once per process)."""
    return tuple(_empty_table(TABLES[name]).dtypes.items())


def _restore(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The loader's dtypes and column order (Parquet keeps values, not every dtype).

    What :func:`_restore_plain` returns, with fewer pandas calls (they were a
    quarter of a village's load): rows already in order are not sorted (a
    stable sort keeps them as they are), the dtypes are read once, and the
    order column is left out by the one column selection at the end.
    """
    columns = frame.columns
    if not columns.is_unique:
        return _restore_plain(name, frame)
    dtypes = _table_dtypes(name)
    has_order = layout.ORDER in columns
    if has_order:
        keys = frame[layout.ORDER]
        if not (isinstance(keys.dtype, np.dtype) and keys.dtype.kind in "iu"
                and keys.is_monotonic_increasing):
            frame = frame.sort_values(layout.ORDER, kind="stable")
    frame = frame.reset_index(drop=True)
    current = dict(zip(columns, frame.dtypes))
    for column, dtype in dtypes:
        if column not in current:
            frame[column] = pd.Series(index=frame.index, dtype=dtype)
        elif current[column] != dtype:
            frame[column] = frame[column].astype(dtype)
    known = [column for column, _ in dtypes]
    skip = set(known) | ({layout.ORDER} if has_order else set())
    where = {c: i for i, c in enumerate(frame.columns)}
    # frame[list] is this take (by position: the columns are unique)
    return frame.take([where[c] for c in known + [c for c in columns if c not in skip]],
                      axis=1)


def _restore_plain(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`_restore` step by step (frames with repeated column names)."""
    dtypes = _table_dtypes(name)
    if layout.ORDER in frame.columns:
        frame = frame.sort_values(layout.ORDER, kind="stable").drop(columns=layout.ORDER)
    frame = frame.reset_index(drop=True)
    for column, dtype in dtypes:
        if column not in frame.columns:
            frame[column] = pd.Series(index=frame.index, dtype=dtype)
        elif frame[column].dtype != dtype:
            frame[column] = frame[column].astype(dtype)
    known = [column for column, _ in dtypes]
    return frame[known + [c for c in frame.columns if c not in set(known)]]


def _read_files(name: str, files: list[Path]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    files = [f for f in files if f.is_file()]
    if not files:
        return _empty_table(TABLES[name])
    frames = [pq.read_table(f).to_pandas() for f in files]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _restore(name, frame)


def _read_table_all(store: Path, name: str) -> pd.DataFrame:
    import pyarrow.dataset as ds

    folder = store / "tables" / name
    if not folder.is_dir():
        return _empty_table(TABLES[name])
    files = sorted(str(p) for p in folder.rglob("part-0.parquet"))
    if not files:
        return _empty_table(TABLES[name])
    table = ds.dataset(files, format="parquet").to_table()
    return _restore(name, table.to_pandas())


def _read_small(store: Path, name: str, *, village_ids=None) -> pd.DataFrame:
    """A whole small table, or (``village_ids``) only those villages' rows: Arrow
    filters the file, so a village's load does not convert the program's villages."""
    import pyarrow.parquet as pq

    filters = None if village_ids is None else [("village_id", "in", sorted(village_ids))]
    table = pq.read_table(store / "tables" / f"{name}.parquet", filters=filters)
    return _restore(name, table.to_pandas())


def _problems_frame(table) -> pd.DataFrame:
    """An Arrow problems table as the loader's problems frame (nullable rows, None cells)."""
    from .ingest import OBJECT_PROBLEM_COLUMNS

    frame = table.to_pandas()
    if "row" in frame.columns:
        frame["row"] = frame["row"].astype("Int64")
    for column in OBJECT_PROBLEM_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _problems(store: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return _problems_frame(pq.read_table(store / "problems.parquet"))


def _source_files(store: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    path = store / "source_files.parquet"
    if not path.is_file():
        return pd.DataFrame()
    frame = pq.read_table(path).to_pandas()
    for column in ("village_ids", "project_ids"):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: tuple(v) if v is not None else ())
    return frame


#: Ladders parsed in this process: ``{path: (file bytes, Ladder)}`` (see _read_ladder).
_LADDERS: dict = {}


def _read_ladder(path: Path):
    """:func:`evaluation.read_ladder`, parsed once per file content in this process.

    Every call returns its own deep copy (a village's view may change its ladder);
    a file that does not parse raises as read_ladder does, every time.
    """
    import copy

    from ..ladder import read_ladder

    try:
        data = path.read_bytes()
    except OSError:
        return read_ladder(path)          # its error
    hit = _LADDERS.get(str(path))
    if hit is None or hit[0] != data:
        hit = (data, read_ladder(path))
        _LADDERS[str(path)] = hit
    return copy.deepcopy(hit[1])


def _ladders(store: Path, manifest: dict, project_ids=None) -> dict:
    return {pid: _read_ladder(store / rel) for pid, rel in manifest.get("ladders", {}).items()
            if project_ids is None or pid in project_ids}


def _value_maps(store: Path, manifest: dict, project_ids=None) -> dict:
    from ..value_map import read_value_map

    return {pid: read_value_map(store / rel)
            for pid, rel in manifest.get("value_maps", {}).items()
            if project_ids is None or pid in project_ids}


def _village_problems(store: Path, village_ids) -> pd.DataFrame:
    """The problems of these villages and those of no village (a filtered read)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = store / "problems.parquet"
    schema = pq.read_schema(path)
    kind = schema.field("village_id").type if "village_id" in schema.names else None
    wanted = sorted(map(str, village_ids))
    if kind in (pa.string(), pa.large_string()):  # filtered while reading
        village = pc.field("village_id")
        return _problems_frame(pq.read_table(path, filters=village.is_null() | village.isin(
            pa.array(wanted, type=kind))))
    table = pq.read_table(path)
    if kind is not None and not pa.types.is_null(kind):
        col = table["village_id"]
        table = table.filter(pc.or_(pc.is_null(col), pc.is_in(
            col, value_set=pa.array(wanted, type=col.type))))
    return _problems_frame(table)


def _view_sources(store: Path, village_ids, project_ids) -> pd.DataFrame:
    """The input files of a view (the rule of :func:`evaluation.source_use.files_for`),
    filtered in Arrow: a village's load does not convert the program's file list."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = store / "source_files.parquet"
    if not path.is_file():
        return pd.DataFrame()
    table = pq.read_table(path)
    if "village_ids" not in table.column_names:
        return _source_files(store)

    def touches(column, wanted):
        """Rows touching ``wanted``, rows with any id, and each row's ids among ``wanted``."""
        values = table[column]
        flat = pc.list_flatten(values)
        parents = pc.list_parent_indices(values).to_numpy()
        hit = pc.is_in(flat, value_set=pa.array([str(x) for x in wanted],
                                                type=flat.type)).to_numpy(zero_copy_only=False)
        out = np.zeros(len(table), dtype=bool)
        out[parents[hit]] = True
        mine: dict = {}
        for row, value in zip(parents[hit].tolist(), flat.filter(pa.array(hit)).to_pylist()):
            mine.setdefault(row, []).append(value)
        return out, pc.list_value_length(values).fill_null(0).to_numpy() > 0, mine

    v_hit, has_v, v_mine = touches("village_ids", village_ids)
    p_hit, has_p, p_mine = touches("project_ids", project_ids)
    keep = np.where(has_v, v_hit, np.where(has_p, p_hit, True))
    rows = np.flatnonzero(keep)
    # Each file keeps only the view's own ids: a flat file of a national program
    # lists every village, and converting those lists cost most of a village's load.
    # files_for gives the same files (its rule needs only the ids of the view).
    frame = table.drop_columns(["village_ids", "project_ids"]).take(pa.array(rows)).to_pandas()
    frame["village_ids"] = [tuple(sorted(v_mine.get(r, ()))) for r in rows.tolist()]
    frame["project_ids"] = [tuple(sorted(p_mine.get(r, ()))) for r in rows.tolist()]
    return frame


def _instruments(store: Path, manifest: dict) -> dict:
    from ..instruments import registry

    instruments = {}
    if manifest.get("instruments"):
        builtin = registry()
        dirs = [store / rel for rel in manifest["instruments"]]
        instruments = {k: v for k, v in registry(extra_dirs=dirs).items() if k not in builtin}
    return instruments


_LAZY = layout.PARTITIONED


class StoreProject(Project):
    """A :class:`~evaluation.project.Project` backed by a store, read lazily.

    ``projects``, ``villages``, ``problems``, ``source_files``, ladders and
    value maps are in memory; ``participants``, ``happiness``, ``finance``,
    ``ledger``, ``savings`` and ``lessons`` are read from the store the first
    time they are used (the whole program: prefer :meth:`village`,
    :meth:`project` or the aggregates of :mod:`evaluation.store.aggregates`).
    """

    def __init__(self, store, manifest: dict):  # noqa: D107 (not a dataclass init)
        store = Path(store)
        object.__setattr__(self, "_loaded", {})
        self.store = store
        self.manifest = manifest
        self.projects = _read_small(store, "projects")
        self.instruments = _instruments(store, manifest)
        self.root = store

    def __repr__(self) -> str:
        return (f"<StoreProject {self.store} projects={len(self.projects)}, "
                f"villages={len(self.villages)}, rows={self.manifest.get('rows', {})}>")

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __copy__(self):
        """A shallow copy with its own table slots: setting a table on the copy
        (``restrict_project`` does) never changes this project."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        object.__setattr__(clone, "_loaded", dict(self._loaded))
        return clone

    def _subset(self, village_ids: list[str]) -> Project:
        """A plain in-memory Project of these villages, read from their files only."""
        ids = set(village_ids)
        if "villages" in self._loaded:
            villages = self.villages[self.villages["village_id"].isin(ids)]
        else:  # only these villages' rows (the villages table grows with the program)
            villages = _read_small(self.store, "villages", village_ids=ids)
        found = set(villages["village_id"])
        unknown = [v for v in village_ids if v not in found]
        if unknown:
            known = self.villages["village_id"]
            shown = ", ".join(known.head(20).tolist())
            raise EvaluationError(f"unknown village_id {unknown[0]!r}; known villages: {shown}"
                                  + (" ..." if len(known) > 20 else ""))
        project_ids = set(villages["project_id"])
        ordered = villages.drop_duplicates("village_id")     # the villages table's order
        pairs = list(zip(ordered["project_id"], ordered["village_id"]))
        tables = {name: _read_files(name, [layout.partition_dir(self.store, name, p, v)
                                           / "part-0.parquet" for p, v in pairs])
                  for name in _LAZY}
        if "problems" in self._loaded:
            problems = self.problems
            problems = problems[problems["village_id"].isna()
                                | problems["village_id"].isin(ids)]
        else:
            problems = _village_problems(self.store, ids)
        loaded = self._loaded
        ladders = (loaded["ladders"] if "ladders" in loaded
                   else _ladders(self.store, self.manifest, project_ids))
        value_maps = (loaded["value_maps"] if "value_maps" in loaded
                      else _value_maps(self.store, self.manifest, project_ids))
        return Project(projects=self.projects[self.projects["project_id"].isin(project_ids)],
                       villages=villages, **tables,
                       ladders={k: v for k, v in ladders.items() if k in project_ids},
                       instruments=dict(self.instruments),
                       value_maps={k: v for k, v in value_maps.items() if k in project_ids},
                       problems=problems,
                       source_files=_view_sources(self.store, ids, project_ids),
                       root=self.store)

    def village(self, village_id: str) -> Project:
        """One village, read from its own files only (a plain in-memory Project).

        Examples
        --------
        >>> import tempfile, evaluation as ev
        >>> from evaluation.store import ingest
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = ingest("data/sample", tmp + "/s")
        ...     v = ev.load_project(tmp + "/s").village("V02")
        >>> v.villages["village_id"].tolist(), type(v).__name__
        (['V02'], 'Project')
        """
        return self._subset([str(village_id)])

    def project(self, project_id: str) -> Project:
        """One project's villages, read from their files only (a plain Project)."""
        project_id = str(project_id)
        if project_id not in set(self.projects["project_id"]):
            known = ", ".join(self.projects["project_id"])
            raise EvaluationError(f"unknown project_id {project_id!r}; known projects: {known}")
        vids = self.villages.loc[self.villages["project_id"] == project_id, "village_id"]
        sub = self._subset(vids.tolist())
        sub.projects = self.projects[self.projects["project_id"] == project_id]
        return sub

    def read_columns(self, name: str, columns) -> pd.DataFrame:
        """Some columns of a whole large table (e.g. what the privacy scan needs)."""
        import pyarrow.dataset as ds

        if name not in _LAZY:
            raise EvaluationError(f"unknown table {name!r}; large tables: {', '.join(_LAZY)}")
        if name in self._loaded:
            return self._loaded[name][[c for c in columns if c in self._loaded[name].columns]]
        files = sorted(str(p) for p in (self.store / "tables" / name).rglob("part-0.parquet"))
        if not files:
            return _empty_table(TABLES[name])[[c for c in columns
                                               if c in _empty_table(TABLES[name]).columns]]
        dataset = ds.dataset(files, format="parquet")
        present = [c for c in columns if c in dataset.schema.names]
        return dataset.to_table(columns=present).to_pandas()

    def load(self) -> Project:
        """Everything in memory (a plain Project; small programs only)."""
        tables = {name: getattr(self, name) for name in _LAZY}
        return Project(projects=self.projects, villages=self.villages, **tables,
                       ladders=dict(self.ladders), instruments=dict(self.instruments),
                       value_maps=dict(self.value_maps), problems=self.problems,
                       source_files=self.source_files, root=self.store)


def _lazy_table(name: str):
    def get(self):
        loaded = self._loaded
        if name not in loaded:
            loaded[name] = _read_table_all(self.store, name)
        return loaded[name]

    def set_(self, value):
        self._loaded[name] = value

    return property(get, set_, doc=f"The whole ``{name}`` table (read on first use).")


def _lazy(name: str, read, doc: str):
    def get(self):
        if name not in self._loaded:
            self._loaded[name] = read(self)
        return self._loaded[name]

    def set_(self, value):
        self._loaded[name] = value

    return property(get, set_, doc=doc)


for _name in _LAZY:
    setattr(StoreProject, _name, _lazy_table(_name))
StoreProject.villages = _lazy("villages", lambda self: _read_small(self.store, "villages"),
                              "Every village (read on first use; a village's view reads "
                              "its own row only).")
StoreProject.problems = _lazy("problems", lambda self: _problems(self.store),
                              "Every warning of the ingest (read on first use).")
StoreProject.source_files = _lazy("source_files", lambda self: _source_files(self.store),
                                  "Every input file (read on first use).")
StoreProject.ladders = _lazy("ladders", lambda self: _ladders(self.store, self.manifest),
                             "Every project's ladder (read on first use).")
StoreProject.value_maps = _lazy("value_maps",
                                lambda self: _value_maps(self.store, self.manifest),
                                "Every project's value map (read on first use).")


def open_store(store, *, villages=None):
    """Open a store; with ``villages``, read only those villages (a plain Project).

    Parameters
    ----------
    store : str or path-like
        A folder written by :func:`evaluation.store.ingest`.
    villages : sequence of str, optional
        Village ids to read. ``None``: a lazy :class:`StoreProject`.

    Returns
    -------
    StoreProject or Project

    Raises
    ------
    EvaluationError
        Not a store, a store of another format, or an unknown village id.
    """
    store = Path(store)
    manifest = layout.read_manifest(store)
    if not manifest:
        raise EvaluationError(f"{store}: not a store (no {layout.MANIFEST}); "
                              "create one with `evaluation ingest DATA --store STORE`")
    if manifest.get("format") != layout.FORMAT:
        raise EvaluationError(f"{store}: store format {manifest.get('format')!r}, this version "
                              f"reads format {layout.FORMAT}; ingest the data again")
    project = StoreProject(store, manifest)
    if villages is None:
        return project
    if isinstance(villages, str):
        villages = [villages]
    return project._subset([str(v) for v in villages])
