"""National happiness and finance tables on a Dask cluster (``evaluation national
--scheduler``): Dask DataFrame over the store's Parquet files.

The same tables as :func:`evaluation.store.aggregates.happiness_change_table`
and :func:`~evaluation.store.aggregates.finance_change_table` (the tests
compare them), computed by Dask workers that read the store themselves
(shared storage: every worker must see the store at the same path):

1. one partition per block of villages (:func:`dask.dataframe.from_map`), each
   reading its villages' files and pairing every person's (or household's)
   before and after value: a person's rows are all in their village's file;
2. the pairs joined to the program villages (comparison villages left out)
   and grouped by instrument (or measure) and village or project, each group's
   statistics computed by pandas on its pairs (a shuffle by group).

Memory per worker: one block of villages, then one group's pairs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import layout
from .aggregates import (
    _happiness_columns,
    _FINANCE_SQL,
    _LOWER_IS_BETTER,
    _check,
    _finish,
    _program_villages,
)

#: Villages read by one Dask partition.
VILLAGES_PER_PARTITION = 200
_STATS = ["n_pairs", "mean_before", "mean_after", "mean_diff", "median_diff", "sd_diff",
          "n_improved", "n_same", "n_worse"]


def _blocks(store: Path, table: str, villages: pd.DataFrame, size: int) -> list:
    """[(village ids, files)] of the program villages holding rows of ``table``."""
    items = []
    for vid, pid in zip(villages["village_id"], villages["project_id"]):
        path = layout.partition_dir(store, table, pid, vid) / "part-0.parquet"
        if path.is_file():
            items.append((vid, str(path)))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _read_block(block, columns) -> pd.DataFrame:
    import pyarrow.parquet as pq

    frames = []
    for vid, path in block:
        frame = pq.read_table(path, columns=columns).to_pandas()
        frame["village_id"] = vid
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _happiness_pairs(block, before: str, after: str) -> pd.DataFrame:
    """Pairs (instrument, village, person, b, a) of one block of villages."""
    frame = _read_block(block, ["instrument", "person_id", "wave", "total"])
    frame = frame[frame["total"].notna() & frame["wave"].astype(str).isin([before, after])]
    frame = frame.assign(wave=frame["wave"].astype(str), total=frame["total"].astype(float))
    wide = frame.pivot_table(index=["instrument", "village_id", "person_id"], columns="wave",
                             values="total", aggfunc="max", observed=True)
    wide = wide.reindex(columns=[before, after])
    out = pd.DataFrame({"b": wide[before].to_numpy(dtype=float),
                        "a": wide[after].to_numpy(dtype=float)},
                       index=wide.index).reset_index()
    out = out[out["a"].notna() & out["b"].notna()]
    return out.astype({"instrument": str, "village_id": str, "person_id": str})


def _finance_pairs(block, before: str, after: str, measures: list) -> pd.DataFrame:
    """Pairs (measure, village, household, b, a) of one block of villages."""
    columns = ["income", "expenses", "debt_formal", "debt_informal", "savings"]
    frame = _read_block(block, ["household_id", "wave", *columns])
    frame = frame[frame["wave"].astype(str).isin([before, after])]
    frame = frame.assign(wave=frame["wave"].astype(str))
    for c in columns:
        frame[c] = frame[c].astype(float)
    wide = {w: frame[frame["wave"] == w].groupby(["village_id", "household_id"])[columns].max()
            for w in (before, after)}
    keys = wide[before].index.union(wide[after].index)
    b, a = wide[before].reindex(keys), wide[after].reindex(keys)
    out = []
    for m in measures:
        vb, va = _measure(m, b), _measure(m, a)
        keep = ~np.isnan(vb) & ~np.isnan(va)
        if m == "debt_to_annual_income":
            keep &= np.isfinite(vb) & np.isfinite(va)
        out.append(pd.DataFrame({"measure": m, "village_id": keys.get_level_values(0)[keep],
                                 "household_id": keys.get_level_values(1)[keep],
                                 "b": vb[keep], "a": va[keep]}))
    frame = pd.concat(out, ignore_index=True)
    return frame.astype({"measure": str, "village_id": str, "household_id": str})


def _measure(name: str, w: pd.DataFrame) -> np.ndarray:
    """One finance measure from a household's wave values (the SQL of the DuckDB path)."""
    income = w["income"].to_numpy(dtype=float)
    debt = (w["debt_formal"] + w["debt_informal"]).to_numpy(dtype=float)
    if name == "net":
        return income - w["expenses"].to_numpy(dtype=float)
    if name == "debt_total":
        return debt
    if name == "debt_to_annual_income":
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = debt / (12.0 * income)
        ratio = np.where(income == 0, np.inf, ratio)
        ratio = np.where((income == 0) & (debt == 0), np.nan, ratio)
        return np.where(np.isnan(income) | np.isnan(debt), np.nan, ratio)
    return w[name].to_numpy(dtype=float)


def _group_stats(frame: pd.DataFrame) -> pd.Series:
    """The paired statistics of one group (the columns of the DuckDB tables); ``sign`` is
    -1 for a measure where a fall is an improvement."""
    d = frame["a"].to_numpy() - frame["b"].to_numpy()
    signed = d * frame["sign"].to_numpy()
    better, worse = signed > 0, signed < 0
    return pd.Series({"n_pairs": len(d), "mean_before": frame["b"].mean(),
                      "mean_after": frame["a"].mean(), "mean_diff": d.mean(),
                      "median_diff": float(np.median(d)),
                      "sd_diff": float(np.std(d, ddof=1)) if len(d) > 1 else np.nan,
                      "n_improved": int(better.sum()), "n_same": int((d == 0).sum()),
                      "n_worse": int(worse.sum())})


def _compute(collection, scheduler):
    """Compute on the cluster at ``scheduler`` (an address or a distributed Client) or,
    without one, with Dask's default scheduler."""
    if scheduler is None:
        return collection.compute()
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler.compute(collection).result()
    with Client(scheduler) as client:
        return client.compute(collection).result()


def _with_groups(frame: pd.DataFrame, villages: pd.DataFrame, key: str, by: str,
                 lower) -> pd.DataFrame:
    frame = frame.merge(villages, on="village_id")
    sign = np.where(frame[key].isin(list(lower)), -1.0, 1.0)
    return frame.assign(sign=sign)[[key, by, "b", "a", "sign"]]


def _grouped(pairs, key: str, by: str, villages: pd.DataFrame, scheduler, lower=frozenset()):
    villages = villages.astype(str)
    pairs = pairs.map_partitions(_with_groups, villages, key, by, lower,
                                 meta=_with_groups(pairs._meta, villages, key, by, lower))
    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in _STATS})
    stats = pairs.groupby([key, by]).apply(_group_stats, meta=meta)
    out = _compute(stats, scheduler).reset_index()
    for c in ("n_pairs", "n_improved", "n_same", "n_worse"):
        out[c] = out[c].astype("int64")
    return out


def happiness_change_table(store, *, by: str = "village_id", before: str = "pre",
                           after: str = "post", scheduler=None, conf_level: float = 0.95,
                           villages_per_partition: int = VILLAGES_PER_PARTITION
                           ) -> pd.DataFrame:
    """:func:`evaluation.store.aggregates.happiness_change_table` with Dask DataFrame.

    Parameters
    ----------
    store, by, before, after, conf_level
        As the DuckDB function.
    scheduler : str or distributed.Client, optional
        The cluster (``tcp://host:8786``); default: Dask's default scheduler
        on this machine.
    villages_per_partition : int, default 200

    Returns
    -------
    pandas.DataFrame
        The columns and rows of the DuckDB table, same order.

    Examples
    --------
    >>> import tempfile
    >>> from evaluation.store import ingest
    >>> from evaluation.store import dask_aggregates as dag
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = ingest("data/sample", tmp + "/s")
    ...     table = dag.happiness_change_table(tmp + "/s", by="project_id",
    ...                                        scheduler=None)
    >>> table[["instrument", "project_id", "n_pairs"]].values.tolist()
    [['happy10', 'P01', 65], ['happy10', 'P02', 38], ['tmhi15', 'P01', 65], ['tmhi15', 'P02', 39]]
    """
    import dask.dataframe as dd

    store, _ = _check(store, by)
    villages = _program_villages(store)
    blocks = _blocks(store, layout.SCORES, villages, villages_per_partition)
    meta = pd.DataFrame({"instrument": pd.Series(dtype=str), "village_id": pd.Series(dtype=str),
                         "person_id": pd.Series(dtype=str), "b": pd.Series(dtype=float),
                         "a": pd.Series(dtype=float)})
    if not blocks:
        out = pd.DataFrame(columns=["instrument", by, *_STATS])
    else:
        pairs = dd.from_map(_happiness_pairs, blocks, before=before, after=after, meta=meta)
        out = _grouped(pairs, "instrument", by, villages, scheduler)
    out = out.sort_values(["instrument", by], kind="stable").reset_index(drop=True)
    return _happiness_columns(out, by, before, after, conf_level)


def finance_change_table(store, *, by: str = "village_id", before: str = "pre",
                         after: str = "post", measures=None, scheduler=None,
                         conf_level: float = 0.95,
                         villages_per_partition: int = VILLAGES_PER_PARTITION) -> pd.DataFrame:
    """:func:`evaluation.store.aggregates.finance_change_table` with Dask DataFrame.

    Parameters are those of the DuckDB function, with ``scheduler`` and
    ``villages_per_partition`` as in :func:`happiness_change_table`.

    Returns
    -------
    pandas.DataFrame
        The columns and rows of the DuckDB table, same order.

    Examples
    --------
    >>> import tempfile
    >>> from evaluation.store import ingest
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = ingest("data/sample", tmp + "/s")
    ...     table = finance_change_table(tmp + "/s", by="project_id", measures=["income"])
    >>> table[["project_id", "measure", "n_pairs"]].values.tolist()
    [['P01', 'income', 66], ['P02', 'income', 39]]
    """
    import dask.dataframe as dd

    from ..errors import EvaluationError

    store, _ = _check(store, by)
    chosen = list(_FINANCE_SQL) if measures is None else list(measures)
    unknown = [m for m in chosen if m not in _FINANCE_SQL]
    if unknown:
        raise EvaluationError(f"unknown measure {unknown[0]!r} in measures; "
                              f"measures: {', '.join(_FINANCE_SQL)}")
    villages = _program_villages(store)
    blocks = _blocks(store, "finance", villages, villages_per_partition)
    meta = pd.DataFrame({"measure": pd.Series(dtype=str), "village_id": pd.Series(dtype=str),
                         "household_id": pd.Series(dtype=str), "b": pd.Series(dtype=float),
                         "a": pd.Series(dtype=float)})
    if not blocks:
        out = pd.DataFrame(columns=["measure", by, *_STATS])
    else:
        pairs = dd.from_map(_finance_pairs, blocks, before=before, after=after,
                            measures=chosen, meta=meta)
        out = _grouped(pairs, "measure", by, villages, scheduler,
                       frozenset(_LOWER_IS_BETTER))
    order = {m: i for i, m in enumerate(chosen)}
    out = out.sort_values([by, "measure"], key=lambda s: s.map(order) if s.name == "measure"
                          else s, kind="stable").reset_index(drop=True)
    out = _finish(out, conf_level)
    return out[[by, "measure", "n_pairs", "mean_before", "mean_after", "mean_diff",
                "median_diff", "sd_diff", "se_diff", "ci_low", "ci_high", "t", "df", "p_t",
                "n_improved", "n_same", "n_worse"]]
