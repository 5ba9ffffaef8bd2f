"""A validated, partitioned Parquet store for national-scale programs.

* :func:`ingest` validates a data folder with the loader's rules and writes
  the store (``evaluation ingest DATA --store STORE``);
* :func:`open_store` (and ``evaluation.load_project(STORE, villages=...)``)
  reads it back, only the villages asked for;
* :mod:`evaluation.store.split` reads one large data folder in village
  chunks for :func:`ingest` (streaming, bounded memory);
* :mod:`evaluation.store.aggregates` computes national tables over the whole
  store out of core with DuckDB, :mod:`evaluation.store.dask_aggregates` the
  happiness and finance tables on a Dask cluster.

See ``docs/scale.md`` ("A partitioned store").
"""

from .ingest import IngestResult, ingest
from .layout import is_store
from .reader import StoreProject, open_store

__all__ = ["IngestResult", "StoreProject", "ingest", "is_store", "open_store"]
