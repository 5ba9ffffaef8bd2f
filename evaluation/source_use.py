"""Which input files a village or project report is made from.

A data folder often holds several projects. A report must list the files it was
made from (with their checksums), and only those: not every file of the
folder, which would show other projects' file names to a funder. The loader
calls :func:`file_use` once to note, for every input file, the villages and
projects whose rows it holds; :func:`files_for` then picks the files behind any
view of the project (``proj.village("V01")``, ``proj.project("P01")``).

Paths stay relative to the data folder; the folder itself is never named.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

#: Columns :func:`file_use` adds to ``Project.source_files``.
USE_COLUMNS = ("village_ids", "project_ids")


def _distinct_pairs(files: pd.Series, values: pd.Series) -> list[tuple]:
    """The distinct (file, value) pairs of two aligned columns (blank values left out)."""
    file_codes, file_names = pd.factorize(files)
    value_codes, distinct = pd.factorize(values)  # a blank value: -1
    width = len(distinct) + 1
    pairs = np.unique(file_codes.astype("int64") * width + value_codes + 1)
    return [(file_names[p // width], distinct[p % width - 1]) for p in pairs
            if p % width]


def _file_ids(tables: dict, provs: dict) -> tuple[dict, dict]:
    """``{file: set of village_ids}`` and ``{file: set of project_ids}`` of the data rows.

    Works on the distinct (file, id) pairs with Python sets: a household has
    hundreds of ledger rows but adds one pair, and small pandas operations cost
    more than the whole of this at the sizes a data folder has.
    """
    villages = tables["villages"]
    vil_proj = dict(zip(villages["village_id"].astype(str), villages["project_id"].astype(str)))
    people = tables["participants"]
    by_person = dict(zip(people["person_id"].astype(str), people["village_id"].astype(str)))
    by_household = dict(zip(people["household_id"].astype(str),
                            people["village_id"].astype(str)))
    # the column that tells a row's village, and how it leads to the village id
    route = {"villages": ("village_id", None), "participants": ("village_id", None),
             "lessons": ("village_id", None), "happiness": ("person_id", by_person),
             "savings": ("member_id", by_person), "finance": ("household_id", by_household),
             "ledger": ("household_id", by_household)}
    file_villages: dict = defaultdict(set)
    file_projects: dict = defaultdict(set)
    for name, frame in tables.items():
        prov = provs.get(name)
        if prov is None or frame.empty or len(prov) != len(frame):
            continue
        if name == "projects":
            for file, project in _distinct_pairs(prov["file"], frame["project_id"]):
                if isinstance(project, str):
                    file_projects[file].add(project)
            continue
        if name not in route:  # a table added later: counted as used by every report
            continue
        key, lookup = route[name]
        for file, value in _distinct_pairs(prov["file"], frame[key]):
            if not isinstance(value, str):  # blank id
                continue
            village = value if lookup is None else lookup.get(value)
            if not isinstance(village, str):
                continue
            file_villages[file].add(village)
            project = vil_proj.get(village)
            if isinstance(project, str):
                file_projects[file].add(project)
    return file_villages, file_projects


def file_use(source_files: pd.DataFrame, tables: dict, provs: dict, ladders: dict,
             root) -> pd.DataFrame:
    """`source_files` with the villages and projects each file holds rows of.

    Parameters
    ----------
    source_files : DataFrame
        ``path, sha256, bytes`` (paths relative to the data folder).
    tables, provs : dict
        The loader's tables and, per table, where each row came from (``file``).
    ladders : dict
        ``{project_id: Ladder}``; a ladder file belongs to its project.
    root : path
        The data folder (or workbook) loaded.

    Returns
    -------
    DataFrame
        `source_files` plus ``village_ids`` and ``project_ids`` (tuples of
        str). A file with rows of no known village or project (an instrument
        definition) has both empty and is used by every report.
    """
    out = source_files.copy()
    villages, projects = _file_ids(tables, provs)
    base = Path(root)
    base = base if base.is_dir() else base.parent
    for project_id, ladder in ladders.items():
        source = getattr(ladder, "source", None)
        if not source:
            continue
        try:
            rel = str(Path(source).resolve().relative_to(base.resolve()))
        except ValueError:
            continue
        projects[rel] = {project_id}
    paths = out["path"].astype(str) if len(out) else pd.Series([], dtype=str)
    out["village_ids"] = [tuple(sorted(villages.get(p, ()))) for p in paths]
    out["project_ids"] = [tuple(sorted(projects.get(p, ()))) for p in paths]
    return out


def files_for(project) -> pd.DataFrame:
    """The input files behind this view of a project (``path, sha256, bytes``).

    A file with village rows is kept when it holds rows of one of the view's
    villages (so another village's lessons are left out); a file with
    project rows only (``projects.csv``, ``ladder.yaml``) when it concerns
    one of the view's projects; a file of neither (a shared instrument
    definition) always. A whole-program view keeps every file.

    Examples
    --------
    >>> import evaluation as ev
    >>> proj = ev.load_project("data/sample")
    >>> len(files_for(proj)) == len(proj.source_files)
    True
    >>> sorted(files_for(proj.village("V01"))["path"])[:3]
    ['informal-workers/finance.csv', 'informal-workers/happiness.csv', 'informal-workers/ladder.yaml']
    """
    files = getattr(project, "source_files", None)
    if files is None or files.empty:
        return pd.DataFrame(columns=["path", "sha256", "bytes"])
    if not set(USE_COLUMNS) <= set(files.columns):
        return files.reset_index(drop=True)
    vids = set(project.villages["village_id"].astype(str))
    pids = set(project.projects["project_id"].astype(str))
    keep = [bool(vids.intersection(v)) if v else (bool(pids.intersection(p)) if p else True)
            for v, p in zip(files["village_ids"], files["project_ids"])]
    # the ids are how files are chosen, not part of the answer (a store's view
    # keeps only its own ids, a folder's view every id of the file)
    return files.loc[keep].drop(columns=list(USE_COLUMNS)).reset_index(drop=True)
