"""Where things live in a store folder, and its manifest.

A store is a folder::

    STORE/
      store.json                     manifest: format, input hashes, rows, ladders
      partitions.parquet             the content hash of every partition file
      parts.json                     per part validated alone: its inputs, rows, ladders
      tables/projects.parquet        small tables, one file each
      tables/villages.parquet
      tables/<table>/project=<p>/village=<v>/part-0.parquet
                                     participants, happiness, finance, ledger,
                                     savings, lessons, and scores (happiness
                                     totals per person × wave × instrument,
                                     scored at ingest): one file per village
      problems.parquet               the warnings of the load (the problems table)
      source_files.parquet           every input file: path, sha256, bytes, villages
      parts/<part>/                  per part validated alone (``_all``: the whole
                                     folder): its projects, villages, problems and
                                     source files, and its ladder, value map and
                                     instrument files as read (ladders/, value_maps/,
                                     instruments/)

Partition values are written the way pyarrow's and DuckDB's hive partitioning
read them (``key=value`` folders, the value URI-encoded); rows whose village
cannot be traced go to ``village=__HIVE_DEFAULT_PARTITION__``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import quote

#: Manifest file name; a folder holding it is a store.
MANIFEST = "store.json"
#: Store format written by this version.
FORMAT = 1
#: Tables written as one file per village.
PARTITIONED = ("participants", "happiness", "finance", "ledger", "savings", "lessons")
#: Tables written whole (a few rows per village at most).
WHOLE = ("projects", "villages")
#: Derived table written at ingest: scored happiness totals (see ``ingest.happiness_scores``).
SCORES = "scores"
#: Partition value of rows whose village or project is unknown.
NULL_PART = "__HIVE_DEFAULT_PARTITION__"
#: Column holding a row's position in the loaded table (restores the file order).
ORDER = "_row"


def is_store(path) -> bool:
    """True when ``path`` is a store folder (it holds ``store.json``).

    >>> is_store("data/sample")
    False
    """
    return (Path(path) / MANIFEST).is_file()


def segment(value) -> str:
    """One partition folder value: URI-encoded, ``__HIVE_DEFAULT_PARTITION__`` for none.

    >>> segment("V01"), segment("บ้าน 1"), segment(None)
    ('V01', '%E0%B8%9A%E0%B9%89%E0%B8%B2%E0%B8%99%201', '__HIVE_DEFAULT_PARTITION__')
    """
    if value is None or (isinstance(value, float) and value != value):
        return NULL_PART
    return quote(str(value), safe="")


def partition_dir(store, table: str, project_id, village_id) -> Path:
    """Folder of one village's rows of ``table``."""
    return (Path(store) / "tables" / table / f"project={segment(project_id)}"
            / f"village={segment(village_id)}")


#: The partition hashes of the manifest (only ingest reads them; a national store has
#: hundreds of thousands, which would make every open of ``store.json`` slow).
PARTITIONS = "partitions.parquet"
#: The manifest's per-part entries (inputs, rows, ladders of each part: ingest only).
PARTS = "parts.json"


def read_manifest(store, *, partitions: bool = False) -> dict:
    """The manifest of a store (empty dict when there is none).

    ``partitions``: also each part's entry (``parts.json``) and the hash of
    every partition file (``partitions`` of the manifest and of each of its
    parts, kept in ``partitions.parquet``): what ingest compares.
    """
    path = Path(store) / MANIFEST
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    parts = Path(store) / PARTS
    if partitions and parts.is_file():
        with open(parts, encoding="utf-8") as fh:
            manifest["parts"] = json.load(fh)
    extra = Path(store) / PARTITIONS
    if partitions and extra.is_file():
        import pyarrow.parquet as pq

        table = pq.read_table(extra).to_pydict()
        manifest["partitions"] = {}
        for entry in manifest.get("parts", {}).values():
            entry["partitions"] = {}
        for part, rel, digest in zip(table["part"], table["path"], table["sha256"]):
            manifest["partitions"][rel] = digest
            if part in manifest.get("parts", {}):
                manifest["parts"][part]["partitions"][rel] = digest
    return manifest


def write_manifest(store, manifest: dict) -> None:
    """Write the manifest atomically (a crash leaves the previous one); the partition
    hashes go to ``partitions.parquet`` (written first)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    manifest = dict(manifest)
    rows = {"part": [], "path": [], "sha256": []}
    parts = {}
    for name, entry in manifest.get("parts", {}).items():
        entry = dict(entry)
        for rel, digest in entry.pop("partitions", {}).items():
            rows["part"].append(name)
            rows["path"].append(rel)
            rows["sha256"].append(digest)
        parts[name] = entry
    manifest.pop("parts", None)
    listed = set(rows["path"])
    for rel, digest in manifest.pop("partitions", {}).items():
        if rel not in listed:
            rows["part"].append(None)
            rows["path"].append(rel)
            rows["sha256"].append(digest)
    extra = Path(store) / PARTITIONS
    tmp_extra = extra.with_name(extra.name + ".tmp")
    pq.write_table(pa.table(rows, schema=pa.schema([("part", pa.string()), ("path", pa.string()),
                                                    ("sha256", pa.string())])), tmp_extra)
    os.replace(tmp_extra, extra)
    parts_path = Path(store) / PARTS
    with open(parts_path.with_suffix(".json.tmp"), "w", encoding="utf-8") as fh:
        json.dump(parts, fh, ensure_ascii=False, sort_keys=True)
    os.replace(parts_path.with_suffix(".json.tmp"), parts_path)
    path = Path(store) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, path)


def input_hashes(root) -> dict[str, str]:
    """SHA-256 of every file of a data folder (hidden files and ``reports/`` skipped).

    A single workbook is hashed as one file. Read in 1 MiB blocks, so memory
    does not depend on the file sizes.
    """
    from ..reading import IGNORED_DIRS

    root = Path(root)
    if root.is_file():
        files = [(root.name, root)]
    else:
        files = []
        for path in sorted(root.rglob("*")):
            parts = path.relative_to(root).parts
            if not path.is_file() or any(p in IGNORED_DIRS or p.startswith(".") for p in parts):
                continue
            files.append((path.relative_to(root).as_posix(), path))
    out = {}
    for rel, path in files:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        out[rel] = h.hexdigest()
    return out
