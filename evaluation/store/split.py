"""Streaming split of one large data folder into village chunks (``evaluation ingest``).

A flat data folder of a national program (one ``happiness.csv`` of hundreds
of millions of rows) cannot be validated in memory. :func:`split_folder`
reads its CSV tables record by record (Python's ``csv`` module, 100,000
records at a time) and routes every row to the chunk of its village, the way
the loader itself finds a row's village (``participants.village_id``;
happiness and savings through the person, finance and ledger through the
household: the first participants row wins). Each chunk folder mirrors the
data folder: every split CSV keeps the lines above its data (a ``sep=`` line,
a title, the header) and receives its own rows in their original order; all
other files (projects, ladders, value maps, instruments, files the loader
ignores or warns about) are linked into every chunk; ``lessons/<village>/``
goes to its village's chunk. Rows whose village is unknown (blank, or not in
the villages table) go to the first chunk, where the loader reports them as
it would on the whole folder.

Each chunk is then an ordinary data folder that the loader validates alone,
and :func:`merge_problems` turns the chunks' problems into those of the
whole folder: row numbers (also those quoted in messages such as "first
given at happiness.csv row 12") point at the original file and line, a
problem every chunk repeats (a projects-table error, a header warning) is
listed once, and a person id given in two chunks is reported as the loader
reports a duplicate. Memory: the current batch of records, plus one entry per
person and household (their chunk), about 100 bytes each.

What the loader decides from a whole file column (lost leading zeros, wave
labels that collapse, dates that look month first, an empty optional
column beside an unknown numeric one) is decided per chunk: a warning found in
several chunks is listed once (its row list may then differ from the one a
whole-folder load gives).
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: The column that routes each split table's rows (the loader's ``_village_of``).
ROUTE = {"villages": "village_id", "participants": "village_id", "lessons": "village_id",
         "happiness": "person_id", "savings": "member_id", "finance": "household_id",
         "ledger": "household_id"}
#: Villages per chunk (``evaluation ingest --chunk-villages``).
DEFAULT_CHUNK = 500
#: Records read and routed at a time.
BATCH = 100_000
#: Loader warnings computed only when the folder has no errors (``project._warnings``).
_NO_ERROR_ONLY = ("-fold since the previous wave",
                  "date outside the project period (more than a month before its start")

_csv_limit_set = False


def _big_fields() -> None:
    global _csv_limit_set
    if not _csv_limit_set:
        csv.field_size_limit(2**31 - 1)
        _csv_limit_set = True


@dataclass
class SplitFile:
    """One split CSV: where its data starts and, per chunk, its records' positions."""

    rel: str
    base: int                              # the loader's row number of the first record
    table: str = ""
    index: dict = field(default_factory=dict)   # chunk -> int64 array of record positions


@dataclass
class Split:
    """The chunk folders of a data folder and how to map their problems back."""

    root: Path
    chunks: list                           # chunk folder paths, in village order
    files: dict = field(default_factory=dict)   # rel path -> SplitFile
    problems: list = field(default_factory=list)   # cross-chunk duplicate person ids
    cross_persons: set = field(default_factory=set)
    villages: int = 0
    active: list = field(default_factory=list)     # chunks validated (with participants)


def _walk(data: Path):
    """(path, kind): kind 'split' (a CSV table to route), 'lessons' (a village's lessons
    folder or file), 'link' (every chunk) or None (ignored by the loader)."""
    from ..reading import IGNORED_DIRS, is_backup_dir, is_copy_name
    from ..schema import table_for_name

    special: list[Path] = []
    for path in sorted(data.rglob("*")):
        parts = path.relative_to(data).parts
        if any(p in IGNORED_DIRS or p.startswith(".") for p in parts):
            continue
        if any(path.is_relative_to(s) and path != s for s in special):
            continue
        backup = any(is_backup_dir(p) for p in parts[:-1])
        if path.is_dir():
            if path.name.casefold() == "lessons" and not backup:
                special.append(path)
                for item in sorted(path.iterdir()):
                    if not item.name.startswith("."):
                        yield item, "lessons"
            continue
        table = table_for_name(path.stem) if path.suffix.lower() in (".csv", ".tsv") else None
        if (table is not None and table.name in ROUTE and not backup
                and not is_copy_name(path.stem)):
            yield path, "split"
        elif (path.suffix.lower() in (".yaml", ".yml") and not backup
              and path.name.casefold().startswith(("ladder", "value_map"))
              and not is_copy_name(path.stem)):
            yield path, "project"
        else:
            yield path, "link"


def splittable(data) -> bool:
    """True when a data folder can be split by village (no workbook or Parquet table)."""
    from ..schema import table_for_name

    data = Path(data)
    if not data.is_dir():
        return False
    for path, kind in _walk(data):
        if kind != "link":
            continue
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm") and not path.name.startswith("~$"):
            return False
        if suffix == ".parquet":
            table = table_for_name(path.stem)
            if table is not None and table.name in ROUTE:
                return False
    return True


def _layout(path: Path, table) -> tuple[str, str, int, int, str] | None:
    """(encoding, separator, lines before the csv records, header record index, sep line)
    by the rules of :func:`evaluation.reading.read_csv`, read from the file's start."""
    from ..reading import HEADER_SEARCH_ROWS, _header_index, _sniff_separator

    with open(path, "rb") as fh:
        start = fh.read(1 << 20)
    encoding = "utf-8-sig" if start.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = start.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(start) - 4:
            return None                     # not UTF-8: read whole by the loader
        text = start[:exc.start].decode(encoding)
    offset, sep_line = 0, ""
    first, _, rest = text.partition("\n")
    m = re.fullmatch(r'\s*"?sep=(.)"?[,;\t]*\s*', first)
    if m:
        sep, text, offset, sep_line = m.group(1), rest, 1, first + "\n"
    else:
        sep = _sniff_separator(text.split("\n", HEADER_SEARCH_ROWS + 1)[:HEADER_SEARCH_ROWS])
    try:
        head = list(itertools.islice(csv.reader(io.StringIO(text[:200_000]), delimiter=sep),
                                     HEADER_SEARCH_ROWS))
    except csv.Error:
        return None
    if not head:
        return None
    return encoding, sep, offset, _header_index(head, table), sep_line


def _routable(path: Path) -> bool:
    """A CSV this module can split: UTF-8 at its start, the routing column in its header."""
    table = _table(path)
    found = _layout(path, table)
    if found is None:
        return False
    encoding, sep, offset, h, _ = found
    _big_fields()
    try:
        with open(path, encoding=encoding, newline="") as fh:
            if offset:
                fh.readline()
            header = list(itertools.islice(csv.reader(fh, delimiter=sep), h + 1))[-1:]
    except (UnicodeDecodeError, csv.Error):
        return False
    return bool(header) and _key_position(header[0], table, ROUTE[table.name]) is not None


def _key_position(header: list[str], table, name: str) -> int | None:
    from ..reading import _clean_header, resolve_header
    from ..schema import header_map

    hmap = header_map(table)
    for i, h in enumerate(header):
        text = _clean_header(h)
        if text and resolve_header(text, table, hmap)[0] == name:
            return i
    return None


def _ids(values: list) -> pd.Series:
    from ..thai_series import parse_series

    parsed, _errors = parse_series(pd.Series(values, dtype=object), "id")
    return parsed.astype(object)


class _Writers:
    """One CSV writer per chunk for the file being split (opened on first row)."""

    def __init__(self, split: Split, rel: str, prefix: list, sep: str, sep_line: str,
                 encoding: str):
        self.split, self.rel, self.prefix, self.sep = split, rel, prefix, sep
        self.sep_line, self.encoding = sep_line, encoding
        self.open: dict = {}
        self.positions: dict = {}

    def writer(self, chunk: int):
        if chunk not in self.open:
            path = self.split.chunks[chunk] / self.rel
            path.parent.mkdir(parents=True, exist_ok=True)
            # kept open across batches, closed in close()
            fh = open(path, "w", encoding=self.encoding, newline="")  # noqa: SIM115
            fh.write(self.sep_line)
            w = csv.writer(fh, delimiter=self.sep, lineterminator="\n")
            w.writerows(self.prefix)
            self.open[chunk] = (fh, w)
            self.positions[chunk] = []
        return self.open[chunk][1]

    def close(self) -> dict:
        for fh, _ in self.open.values():
            fh.close()
        return {k: np.concatenate(v) if v else np.zeros(0, np.int64)
                for k, v in self.positions.items()}


def _route_file(split: Split, path: Path, table, chunk_of, on_batch=None) -> None:
    """Split one CSV: every record to the chunk ``chunk_of(keys)`` gives (first chunk when
    the key column is missing or the file cannot be split)."""
    rel = path.relative_to(split.root).as_posix()
    found = _layout(path, table)
    if found is None:
        _link(path, split, rel, split.chunks[:1])
        return
    encoding, sep, offset, h, sep_line = found
    _big_fields()
    with open(path, encoding=encoding, newline="") as fh:
        if offset:
            fh.readline()
        reader = csv.reader(fh, delimiter=sep)
        prefix = list(itertools.islice(reader, h + 1))
        key = _key_position(prefix[-1] if prefix else [], table, ROUTE[table.name])
        if key is None:
            fh.close()
            _link(path, split, rel, split.chunks[:1])
            return
        writers = _Writers(split, rel, prefix, sep, sep_line, encoding)
        position = 0
        while True:
            batch = list(itertools.islice(reader, BATCH))
            if not batch:
                break
            keys = _ids([r[key] if len(r) > key else None for r in batch])
            if on_batch is not None:
                on_batch(batch, keys, position)
            chunks = chunk_of(keys, batch, position)
            for c in np.unique(chunks):
                take = np.flatnonzero(chunks == c)
                writers.writer(int(c)).writerows(batch[i] for i in take)
                writers.positions[int(c)].append(take + position)
            position += len(batch)
        index = writers.close()
    split.files[rel] = SplitFile(rel=rel, base=offset + h + 2, index=index, table=table.name)
    for c in split.active:                       # an empty copy where the file has no rows
        chunk = split.chunks[c]
        if c not in index:
            target = chunk / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding=encoding, newline="") as out:
                out.write(sep_line)
                csv.writer(out, delimiter=sep, lineterminator="\n").writerows(prefix)
            index[c] = np.zeros(0, np.int64)


def _link(path: Path, split: Split, rel: str, chunks) -> None:
    for chunk in chunks:
        target = chunk / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target, copy_function=_link_or_copy, dirs_exist_ok=True)
        else:
            _link_or_copy(path, target)


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def split_folder(data, out, *, villages_per_chunk: int = DEFAULT_CHUNK) -> Split | None:
    """Split a data folder into chunk folders of ``villages_per_chunk`` villages.

    Returns None when the folder holds at most one chunk of villages (validate
    it whole) or cannot be split (a workbook, a Parquet table, a CSV table
    that is not UTF-8 or lacks the column that routes its rows: read whole).
    See :func:`_split_folder` (parameters, examples).
    """
    try:
        return _split_folder(data, out, villages_per_chunk=villages_per_chunk)
    except (UnicodeDecodeError, csv.Error):    # not UTF-8 further on: the loader reads it
        shutil.rmtree(out, ignore_errors=True)
        return None


def _split_folder(data, out, *, villages_per_chunk: int = DEFAULT_CHUNK) -> Split | None:
    """Split a data folder into chunk folders (the work of :func:`split_folder`).

    Parameters
    ----------
    data : path-like
        The data folder.
    out : path-like
        Folder for the chunk folders (created; emptied first).
    villages_per_chunk : int, default 500

    Returns
    -------
    Split or None

    Examples
    --------
    >>> import tempfile
    >>> split = _split_folder("data/sample", tempfile.mkdtemp(), villages_per_chunk=2)
    >>> [c.name for c in split.chunks], split.villages
    (['chunk-00001', 'chunk-00002', 'chunk-00003', 'chunk-00004'], 7)
    >>> info = split.files["informal-workers/participants.csv"]
    >>> info.base, {c: len(rows) for c, rows in sorted(info.index.items())}
    (2, {0: 0, 1: 61, 2: 39, 3: 16})
    """
    from ..schema import TABLES
    from ..thai import clean_id

    data, out = Path(data), Path(out)
    if not splittable(data):
        return None
    entries = list(_walk(data))
    for path, kind in entries:            # every table file must be UTF-8 with its key column
        if kind == "split" and not _routable(path):
            return None
    village_files = [p for p, k in entries if k == "split"
                     and _table(p).name == "villages"]
    order: dict = {}

    def collect(batch, keys, position):
        for v in keys:
            if isinstance(v, str) and v not in order:
                order[v] = len(order)

    probe = Split(root=data, chunks=[])
    project_of: dict = {}
    for path in village_files:            # pass 1: village ids, in the loader's order
        found = _layout(path, TABLES["villages"])
        if found is None:
            return None
        encoding, sep, offset, h, _ = found
        _big_fields()
        with open(path, encoding=encoding, newline="") as fh:
            if offset:
                fh.readline()
            reader = csv.reader(fh, delimiter=sep)
            header = list(itertools.islice(reader, h + 1))[-1:]
            key = _key_position(header[0] if header else [], TABLES["villages"], "village_id")
            pkey = _key_position(header[0] if header else [], TABLES["villages"], "project_id")
            if key is None:
                return None
            while True:
                batch = list(itertools.islice(reader, BATCH))
                if not batch:
                    break
                vids = _ids([r[key] if len(r) > key else None for r in batch])
                collect(batch, vids, 0)
                if pkey is not None:
                    pids = _ids([r[pkey] if len(r) > pkey else None for r in batch])
                    for v, p in zip(vids, pids):
                        if isinstance(v, str) and isinstance(p, str):
                            project_of.setdefault(v, p)
    del probe
    n_chunks = -(-len(order) // villages_per_chunk)
    if n_chunks <= 1:
        return None
    shutil.rmtree(out, ignore_errors=True)
    split = Split(root=data, chunks=[out / f"chunk-{k + 1:05d}" for k in range(n_chunks)],
                  villages=len(order), active=list(range(n_chunks)))
    for chunk in split.chunks:
        chunk.mkdir(parents=True)
    village_chunk = pd.Series({v: i // villages_per_chunk for v, i in order.items()},
                              dtype="int64")

    default = [0]           # the chunk of rows of no known village

    def by_village(keys, batch=None, position=0):
        return keys.map(village_chunk).fillna(default[0]).to_numpy(dtype=np.int64)

    # pass 2: participants, then villages; persons and households get their village's chunk
    persons: list = []
    households: list = []
    people_rels: list = []

    people_files = [p for p, k in entries if k == "split" and _table(p).name == "participants"]
    for path in people_files:
        rel = path.relative_to(data).as_posix()
        people_rels.append(rel)
        table = TABLES["participants"]
        found = _layout(path, table)
        person_at = household_at = None
        if found is not None:
            with open(path, encoding=found[0], newline="") as fh:
                if found[2]:
                    fh.readline()
                header = list(itertools.islice(csv.reader(fh, delimiter=found[1]),
                                               found[3] + 1))[-1:]
            if header:
                person_at = _key_position(header[0], table, "person_id")
                household_at = _key_position(header[0], table, "household_id")

        def note(batch, keys, position, file_no=len(people_rels) - 1,  # noqa: B008
                 base=(found[2] + found[3] + 2 if found else 2), person_at=person_at,
                 household_at=household_at, persons=persons, households=households):
            chunk = by_village(keys).astype(np.int32)
            for at, sink in ((person_at, persons), (household_at, households)):
                if at is None:
                    continue
                ids = _ids([r[at] if len(r) > at else None for r in batch])
                frame = pd.DataFrame({"id": ids.to_numpy(), "chunk": chunk})
                if sink is persons:
                    frame["file"] = np.int32(file_no)
                    frame["row"] = base + position + np.arange(len(batch), dtype=np.int64)
                sink.append(frame)

        _route_file(split, path, table, by_village, on_batch=note)
    _merge_empty_chunks(split, village_chunk, default)
    for path in village_files:
        _route_file(split, path, TABLES["villages"], by_village)
    people = (pd.concat(persons, ignore_index=True).dropna(subset=["id"]) if persons
              else pd.DataFrame({"id": [], "chunk": [], "file": [], "row": []}))
    _cross_duplicates(split, people, people_rels)
    person_chunk = _first_chunk([people[["id", "chunk"]]])
    household_chunk = _first_chunk(households)
    del people, persons[:], households[:]

    project_chunk: dict = {}
    for v, c in village_chunk.items():     # a project's first chunk holds its ladder
        p = project_of.get(v)
        if p is not None:
            project_chunk[p] = min(project_chunk.get(p, c), int(c))

    def through(mapping):
        def route(keys, batch=None, position=0):
            return keys.map(mapping).fillna(default[0]).to_numpy(dtype=np.int64)
        return route

    for path, kind in entries:            # pass 3: the rest
        if kind == "split":
            name = _table(path).name
            if name in ("villages", "participants"):
                continue
            route = {"happiness": through(person_chunk), "savings": through(person_chunk),
                     "finance": through(household_chunk), "ledger": through(household_chunk),
                     "lessons": by_village}[name]
            _route_file(split, path, TABLES[name], route)
        elif kind == "project":               # a ladder or value map: its project's chunk
            chunk = project_chunk.get(_yaml_project(path), default[0])
            _link(path, split, path.relative_to(data).as_posix(), [split.chunks[chunk]])
        elif kind == "lessons":
            stem = path.name if path.is_dir() else path.stem
            chunk = int(village_chunk.get(clean_id(stem), default[0]))
            _link(path, split, path.relative_to(data).as_posix(), [split.chunks[chunk]])
        else:
            _link(path, split, path.relative_to(data).as_posix(),
                  [split.chunks[c] for c in split.active])
    return split


def _merge_empty_chunks(split: Split, village_chunk: pd.Series, default: list) -> None:
    """A chunk whose villages have no participants joins the previous chunk (or the next):
    alone, the loader would call its participants table empty."""
    rows = np.zeros(len(split.chunks), dtype=np.int64)
    for info in split.files.values():
        if info.table == "participants":
            for c, index in info.index.items():
                rows[c] += len(index)
    full = np.flatnonzero(rows > 0)
    if not len(full) or len(full) == len(rows):
        return
    target = {}
    for c in np.flatnonzero(rows == 0):
        before = full[full < c]
        target[int(c)] = int(before[-1] if len(before) else full[0])
    village_chunk[:] = village_chunk.map(lambda c: target.get(int(c), int(c))).to_numpy()
    default[0] = int(full[0])
    split.active = [int(c) for c in full]
    for c in target:
        shutil.rmtree(split.chunks[c], ignore_errors=True)
        for info in split.files.values():
            info.index.pop(c, None)


def _yaml_project(path: Path):
    """The project id a ladder or value map file names (None when it cannot be read:
    the loader reports it in the first chunk)."""
    import yaml

    from ..thai import clean_id

    try:
        if path.stat().st_size > 1 << 20:
            return None
        text = path.read_text(encoding="utf-8-sig")
        found = _RE_PROJECT_LINE.findall(text)
        if len(found) == 1:              # one plain top-level line: no YAML parse needed
            return clean_id(found[0])
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return clean_id(data.get("project_id")) if isinstance(data, dict) else None


_RE_PROJECT_LINE = re.compile(r"^project_id:[ \t]*([A-Za-z0-9_\-.\u0e00-\u0e7f]+)[ \t]*"
                              r"(?:#.*)?$", re.MULTILINE)


def _table(path: Path):
    from ..schema import table_for_name

    return table_for_name(path.stem)


def _first_chunk(frames: list) -> pd.Series:
    """id -> chunk of its first participants row (the loader's drop_duplicates)."""
    if not frames:
        return pd.Series(dtype="int64")
    frame = pd.concat(frames, ignore_index=True).dropna(subset=["id"])
    frame = frame.drop_duplicates("id")
    return pd.Series(frame["chunk"].to_numpy(), index=frame["id"].to_numpy())


def _cross_duplicates(split: Split, persons: pd.DataFrame, rels: list) -> None:
    """A person id in two chunks: the loader's duplicate-participants error for every
    repeat of it (also those in the first chunk, which that chunk alone reports)."""
    repeated = persons[persons.duplicated("id", keep=False).to_numpy()]
    for pid, group in repeated.groupby("id", sort=False):
        chunks = group["chunk"].to_numpy()
        if (chunks == chunks[0]).all():
            continue                       # all in one chunk: the loader reports them there
        split.cross_persons.add(pid)
        first = group.iloc[0]
        for _, rep in group.iloc[1:].iterrows():
            split.problems.append({
                "file": rels[int(rep["file"])], "sheet": None, "row": int(rep["row"]),
                "column": "person_id", "value": pid,
                "problem": f"duplicate participants entry for (person_id); first given at "
                           f"{rels[int(first['file'])]} row {int(first['row'])}"})


# --------------------------------------------------------------------------- problems

_RE_WHERE = re.compile(r"(?P<file>[^\s:'\"()]+?) row (?P<row>\d+)")
_RE_SAME_FILE = re.compile(r"(?P<pre>identical to |^)row (?P<row>\d+)")


def _mapper(split: Split, chunk: int):
    def to_original(rel, row):
        info = split.files.get(rel)
        if info is None or row is None or row < info.base:
            return row
        index = info.index.get(chunk)
        k = row - info.base
        if index is None or k >= len(index):
            return row
        return info.base + int(index[k])
    return to_original


def map_problems(split: Split, chunk: int, problems: pd.DataFrame) -> pd.DataFrame:
    """One chunk's problems with rows (and rows quoted in messages) of the original files.

    Examples
    --------
    >>> split = Split(root=None, chunks=[])
    >>> split.files["ledger.csv"] = SplitFile("ledger.csv", base=2, index={0: np.array([0, 5])})
    >>> found = pd.DataFrame({"file": ["ledger.csv"], "row": pd.array([3], dtype="Int64"),
    ...                       "problem": ["identical to row 2 of the same file"]})
    >>> map_problems(split, 0, found)[["row", "problem"]].values.tolist()
    [[7, 'identical to row 2 of the same file']]
    """
    if problems.empty:
        return problems
    to_original = _mapper(split, chunk)
    out = problems.copy()
    rows = []
    for rel, row in zip(out["file"], out["row"]):
        rows.append(to_original(rel, int(row)) if isinstance(rel, str) and pd.notna(row)
                    else row)
    out["row"] = pd.array(rows, dtype="Int64")

    def fix(text, rel):
        if not isinstance(text, str) or " row " not in f" {text}":
            return text
        text = _RE_WHERE.sub(lambda m: f"{m['file']} row "
                             f"{to_original(m['file'], int(m['row']))}", text)
        if isinstance(rel, str) and rel in split.files:
            text = _RE_SAME_FILE.sub(lambda m: f"{m['pre']}row "
                                     f"{to_original(rel, int(m['row']))}", text)
        return text

    out["problem"] = [fix(t, f) for t, f in zip(out["problem"], out["file"])]
    return out


def merge_problems(split: Split, per_chunk: list[pd.DataFrame]) -> pd.DataFrame:
    """The whole folder's problems from its chunks' (already mapped) problems."""
    from ..errors import problems_frame

    frames = [f for f in per_chunk if f is not None and len(f)]
    extra = problems_frame(split.problems)
    if split.cross_persons and frames:         # the cross-chunk report replaces the chunk's
        frames = [f[~((f["column"] == "person_id") & f["value"].isin(split.cross_persons)
                      & f["problem"].astype(str).str.startswith("duplicate participants"))]
                  for f in frames]
    if len(extra):
        extra = extra.assign(village_id=None) if frames and "village_id" in frames[0] else extra
        frames.append(extra)
    if not frames:
        return problems_frame([])
    frame = pd.concat(frames, ignore_index=True)
    frame = _merge_instrument_counts(frame)
    key = frame.drop(columns=[c for c in ("village_id",) if c in frame.columns])
    keyed = key.astype(object).where(key.notna(), None).astype(str)
    frame = frame[~keyed.duplicated().to_numpy()]
    routed = {}
    for info in split.files.values():
        routed[info.table] = routed.get(info.table, 0) + sum(len(i) for i in info.index.values())
    empty = frame["problem"].astype(str).str.extract(_RE_NO_ROWS)[0]
    frame = frame[~empty.map(lambda t: isinstance(t, str) and routed.get(t, 0) > 0)
                  .to_numpy(dtype=bool)]     # a chunk without rows of a table that has some
    if (frame["severity"] != "warning").any():
        text = frame["problem"].astype(str)
        drop = (frame["severity"] == "warning") & (
            text.str.contains(_NO_ERROR_ONLY[0], regex=False)
            | text.str.startswith(_NO_ERROR_ONLY[1])
            | (frame["problem_code"] == "dates_ambiguous"))
        frame = frame[~drop]
    return frame.reset_index(drop=True)


_RE_NO_ROWS = re.compile(r"^table '(\w+)' .*has no rows: at least one is needed")
_RE_INSTRUMENT = re.compile(r"^unknown instrument \((\d+) rows\)")


def _merge_instrument_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """'unknown instrument (N rows)': one row per instrument value, N summed, first row."""
    text = frame["problem"].astype(str)
    hit = text.str.match(_RE_INSTRUMENT)
    if hit.sum() < 2:
        return frame
    sub = frame[hit].copy()
    sub["_n"] = text[hit].str.extract(_RE_INSTRUMENT)[0].astype(int)
    sub["_file_order"] = sub["file"].astype(str)
    rows = []
    for _value, group in sub.groupby(sub["value"].astype(str), sort=False):
        first = group.sort_values(["_file_order", "row"], kind="stable").iloc[0].copy()
        first["problem"] = _RE_INSTRUMENT.sub(f"unknown instrument ({group['_n'].sum()} rows)",
                                              str(first["problem"]))
        rows.append(first.drop(labels=["_n", "_file_order"]))
    merged = pd.DataFrame(rows)
    return pd.concat([frame[~hit], merged], ignore_index=True)


def merge_source_files(split: Split, frames: list[pd.DataFrame], inputs: dict) -> pd.DataFrame:
    """Source files of the chunks as one table: the original files' hashes and sizes,
    the villages and projects of every chunk."""
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    rows = []
    for path, group in frame.groupby("path", sort=True):
        row = group.iloc[0].to_dict()
        full = split.root / path
        if path in inputs:
            row["sha256"] = inputs[path]
        if full.is_file():
            row["bytes"] = full.stat().st_size
        for column in ("village_ids", "project_ids"):
            if column in group.columns:
                seen: dict = {}
                for values in group[column]:
                    for v in values:
                        seen.setdefault(v, None)
                row[column] = list(seen)
        rows.append(row)
    return pd.DataFrame(rows, columns=frame.columns)
