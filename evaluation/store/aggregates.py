"""National tables over a whole store, out of core (DuckDB over the Parquet files).

Each function reads only the columns it needs, file by file, inside DuckDB
(memory limited, spilling to disk beyond it), and returns a small table: one
row per village or per project. The numbers are those of the in-memory
functions (tests compare them):

* :func:`happiness_change_table`: the paired statistics of
  :func:`evaluation.happiness_change` on the scored totals;
* :func:`finance_change_table`: those of :func:`evaluation.finance_change`;
* :func:`ladder_status_counts`: :func:`evaluation.evaluate_ladder`, one
  project at a time (memory of the largest project);
* :func:`headline_table`: the index's headline figures of every village
  (:func:`evaluation.results.headline_figures`), from the three above.

The paired-test fields that need every difference at once (Wilcoxon, rank
biserial, bootstrap) are left to the per-village reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EvaluationError
from . import layout

#: Grouping levels of the national tables.
LEVELS = ("village_id", "project_id")
#: Finance measures, in :data:`evaluation.finance.MEASURES` order, and how each is computed.
_FINANCE_SQL = {
    "income": ("income", "income"),
    "expenses": ("expenses", "expenses"),
    "net": ("income - expenses", "income - expenses"),
    "debt_formal": ("debt_formal", "debt_formal"),
    "debt_informal": ("debt_informal", "debt_informal"),
    "debt_total": ("debt_formal + debt_informal", "debt_formal + debt_informal"),
    "savings": ("savings", "savings"),
    "debt_to_annual_income": (
        "CASE WHEN income = 0 AND debt_formal + debt_informal = 0 THEN NULL "
        "WHEN income = 0 THEN 'inf'::DOUBLE "
        "ELSE (debt_formal + debt_informal) / (12.0 * income) END", None),
}
#: Measures where a fall is an improvement (as :func:`evaluation.finance_change`).
_LOWER_IS_BETTER = {"expenses", "debt_formal", "debt_informal", "debt_total",
                    "debt_to_annual_income"}


def connect(*, memory_limit: str = "2GB", threads: int | None = None):
    """A DuckDB connection with a memory limit (spills to a temporary folder beyond it)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET enable_progress_bar = false")    # long queries print nothing
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _files(store: Path, table: str) -> str:
    folder = Path(store) / "tables" / table
    return (folder / "*" / "*" / "part-0.parquet").as_posix()


def _source(store: Path, table: str) -> str:
    glob = _files(store, table).replace("'", "''")
    return (f"read_parquet('{glob}', hive_partitioning = true, "
            f"hive_types_autocast = false)")


def _check(store, by) -> tuple[Path, str]:
    store = Path(store)
    if not layout.is_store(store):
        raise EvaluationError(f"{store}: not a store (no {layout.MANIFEST}); "
                              "create one with `evaluation ingest DATA --store STORE`")
    if by not in LEVELS:
        raise EvaluationError(f"by must be one of {', '.join(LEVELS)}; got {by!r}")
    return store, "village" if by == "village_id" else "project"


def _program_villages(store: Path) -> pd.DataFrame:
    """Program (not comparison) villages: the groups of the national tables."""
    import pyarrow.parquet as pq

    from ..arms import comparison_mask

    villages = pq.read_table(store / "tables" / "villages.parquet",
                             columns=["village_id", "project_id", "arm"]).to_pandas()
    return villages.loc[~comparison_mask(villages), ["village_id", "project_id"]].astype(str)


def _finish(frame: pd.DataFrame, conf_level: float = 0.95) -> pd.DataFrame:
    """The t statistics and interval from n, mean and SD of the differences."""
    from scipy import stats

    n = frame["n_pairs"].to_numpy(dtype=float)
    sd = frame["sd_diff"].to_numpy(dtype=float)
    mean = frame["mean_diff"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = sd / np.sqrt(n)
        t = mean / se
        df = n - 1
        q = stats.t.ppf(0.5 + conf_level / 2, df)
        frame["se_diff"] = se
        frame["ci_low"] = mean - q * se
        frame["ci_high"] = mean + q * se
        frame["t"] = t
        frame["df"] = df
        frame["p_t"] = 2 * stats.t.sf(np.abs(t), df)
    return frame


_PAIRED = """
  count(*) AS n_pairs, avg(b) AS mean_before, avg(a) AS mean_after, avg(a - b) AS mean_diff,
  median(a - b) AS median_diff, stddev_samp(a - b) AS sd_diff,
  count(*) FILTER (WHERE a {better} b) AS n_improved,
  count(*) FILTER (WHERE a = b) AS n_same,
  count(*) FILTER (WHERE a {worse} b) AS n_worse
"""


def happiness_change_table(store, *, by: str = "village_id", before: str = "pre",
                           after: str = "post", con=None,
                           conf_level: float = 0.95) -> pd.DataFrame:
    """Paired change of the happiness total per village or project, over the whole store.

    Parameters
    ----------
    store : str or path-like
        A store (``evaluation ingest``).
    by : {"village_id", "project_id"}
        Group level. Comparison villages are left out of both.
    before, after : {"pre", "during", "post"}
    con : duckdb connection, optional
        Default: :func:`connect` (2 GB memory limit).
    conf_level : float

    Returns
    -------
    pandas.DataFrame
        ``instrument``, the `by` column, ``wave_before, wave_after, n_pairs,
        mean_before, mean_after, mean_diff, median_diff, sd_diff, se_diff,
        ci_low, ci_high, t, df, p_t, n_improved, n_same, n_worse,
        share_improved``: the same values as the matching columns of
        :func:`evaluation.happiness_change` (``by=`` the same column) on the
        scored totals. Sorted by instrument and group.

    Examples
    --------
    >>> import tempfile
    >>> from evaluation.store import ingest
    >>> from evaluation.store.aggregates import happiness_change_table
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = ingest("data/sample", tmp + "/s")
    ...     table = happiness_change_table(tmp + "/s", by="project_id")
    >>> table[["instrument", "project_id", "n_pairs"]].values.tolist()
    [['happy10', 'P01', 65], ['happy10', 'P02', 38], ['tmhi15', 'P01', 65], ['tmhi15', 'P02', 39]]
    """
    store, level = _check(store, by)
    con = con or connect()
    con.register("program_villages", _program_villages(store))
    grp = "s.village" if by == "village_id" else "p.project_id"
    sql = f"""
    WITH s AS (
      SELECT instrument, village, person_id,
             max(total) FILTER (WHERE wave = $before) AS b,
             max(total) FILTER (WHERE wave = $after) AS a
      FROM {_source(store, layout.SCORES)}
      WHERE total IS NOT NULL AND wave IN ($before, $after)
      GROUP BY instrument, village, person_id)
    SELECT s.instrument, {grp} AS {by}, {_PAIRED.format(better='>', worse='<')}
    FROM s JOIN program_villages p ON p.village_id = s.village
    WHERE a IS NOT NULL AND b IS NOT NULL
    GROUP BY s.instrument, {grp} ORDER BY 1, 2
    """
    out = con.execute(sql, {"before": before, "after": after}).df()
    del level
    return _happiness_columns(out, by, before, after, conf_level)


def _happiness_columns(out: pd.DataFrame, by: str, before: str, after: str,
                       conf_level: float) -> pd.DataFrame:
    """Sums per group -> the happiness change table's statistics and column order
    (shared by the DuckDB and the Dask versions)."""
    out.insert(2, "wave_before", before)
    out.insert(3, "wave_after", after)
    out = _finish(out, conf_level)
    out["share_improved"] = out["n_improved"] / out["n_pairs"]
    return out[["instrument", by, "wave_before", "wave_after", "n_pairs", "mean_before",
                "mean_after", "mean_diff", "median_diff", "sd_diff", "se_diff", "ci_low",
                "ci_high", "t", "df", "p_t", "n_improved", "n_same", "n_worse",
                "share_improved"]]


def finance_change_table(store, *, by: str = "village_id", before: str = "pre",
                         after: str = "post", measures=None, con=None,
                         conf_level: float = 0.95) -> pd.DataFrame:
    """Household finance before vs after per village or project, over the whole store.

    Parameters
    ----------
    store : str or path-like
    by : {"village_id", "project_id"}
        Group level (a household counts in the village of its participants;
        comparison villages are left out).
    before, after : {"pre", "during", "post"}
    measures : list of str, optional
        Subset of :data:`evaluation.finance.MEASURES` (default all).
    con : duckdb connection, optional
    conf_level : float

    Returns
    -------
    pandas.DataFrame
        The `by` column, ``measure, n_pairs, mean_before, mean_after,
        mean_diff, median_diff, sd_diff, se_diff, ci_low, ci_high, t, df,
        p_t, n_improved, n_same, n_worse``: the values of the matching
        columns of :func:`evaluation.finance_change`. Sorted by group, then
        measure in :data:`~evaluation.finance.MEASURES` order.
    """
    store, _ = _check(store, by)
    chosen = list(_FINANCE_SQL) if measures is None else list(measures)
    unknown = [m for m in chosen if m not in _FINANCE_SQL]
    if unknown:
        raise EvaluationError(f"unknown measure {unknown[0]!r} in measures; "
                              f"measures: {', '.join(_FINANCE_SQL)}")
    con = con or connect()
    con.register("program_villages", _program_villages(store))
    grp = "w.village" if by == "village_id" else "p.project_id"
    wide = ", ".join(f"max({c}) FILTER (WHERE wave = $before) AS {c}_b, "
                     f"max({c}) FILTER (WHERE wave = $after) AS {c}_a"
                     for c in ("income", "expenses", "debt_formal", "debt_informal", "savings"))
    parts = []
    for m in chosen:
        expr = _FINANCE_SQL[m][0]
        b_expr, a_expr = (_suffix(expr, "_b"), _suffix(expr, "_a"))
        better, worse = ("<", ">") if m in _LOWER_IS_BETTER else (">", "<")
        finite = "AND isfinite(a) AND isfinite(b)" if m == "debt_to_annual_income" else ""
        parts.append(f"""
        SELECT grp, '{m}' AS measure, {_PAIRED.format(better=better, worse=worse)}
        FROM (SELECT {grp} AS grp, {b_expr} AS b, {a_expr} AS a
              FROM w JOIN program_villages p ON p.village_id = w.village)
        WHERE a IS NOT NULL AND b IS NOT NULL {finite}
        GROUP BY grp""")
    sql = (f"WITH w AS (SELECT village, household_id, {wide} "
           f"FROM {_source(store, 'finance')} WHERE wave IN ($before, $after) "
           f"GROUP BY village, household_id) " + " UNION ALL ".join(parts))
    out = con.execute(sql, {"before": before, "after": after}).df()
    out = out.rename(columns={"grp": by})
    order = {m: i for i, m in enumerate(chosen)}
    out = out.sort_values([by, "measure"], key=lambda s: s.map(order) if s.name == "measure"
                          else s, kind="stable").reset_index(drop=True)
    out = _finish(out, conf_level)
    return out[[by, "measure", "n_pairs", "mean_before", "mean_after", "mean_diff",
                "median_diff", "sd_diff", "se_diff", "ci_low", "ci_high", "t", "df", "p_t",
                "n_improved", "n_same", "n_worse"]]


def _suffix(expr: str, suffix: str) -> str:
    """``income - expenses`` -> ``income_b - expenses_b`` (the wide columns of one wave)."""
    import re

    return re.sub(r"\b(income|expenses|debt_formal|debt_informal|savings)\b",
                  lambda m: m.group(1) + suffix, expr)


def participant_counts(store, *, con=None) -> pd.DataFrame:
    """Participants by role and distinct households per village (DuckDB).

    Returns
    -------
    pandas.DataFrame
        ``village_id, n_participants, n_target, n_team, n_mentor, n_households``,
        one row per village of the villages table (zeros where nobody).
    """
    import pyarrow.parquet as pq

    store, _ = _check(store, "village_id")
    con = con or connect()
    counts = con.execute(f"""
      SELECT village_id, count(*) AS n_participants,
             count(*) FILTER (WHERE role = 'target') AS n_target,
             count(*) FILTER (WHERE role = 'team') AS n_team,
             count(*) FILTER (WHERE role = 'mentor') AS n_mentor,
             count(DISTINCT household_id) AS n_households
      FROM {_source(store, 'participants')} GROUP BY village_id""").df()
    villages = pq.read_table(store / "tables" / "villages.parquet",
                             columns=["village_id"]).to_pandas().astype(str)
    out = villages.merge(counts, on="village_id", how="left")
    cols = ["n_participants", "n_target", "n_team", "n_mentor", "n_households"]
    out[cols] = out[cols].fillna(0).astype("int64")
    return out


def ladder_status_counts(store) -> pd.DataFrame:
    """Ladder indicator statuses per village, one project read at a time.

    :func:`evaluation.evaluate_ladder` (``on_error="warn"``) on each project
    of the store in turn (memory: the largest project, not the program).

    Returns
    -------
    pandas.DataFrame
        ``project_id, village_id, achieved, partial, not_achieved, no_data,
        total`` (village-level indicator rows), program villages of projects
        with a ladder.
    """
    import warnings

    from ..ladder import evaluate_ladder
    from .reader import open_store

    opened = open_store(store)
    rows = []
    for pid in opened.projects["project_id"]:
        if pid not in opened.ladders:
            continue
        part = opened.project(pid)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = evaluate_ladder(part, on_error="warn")
        if "level" in frame.columns:
            frame = frame[frame["level"] == "village"]
        for vid, sub in frame.groupby("village_id", sort=False):
            counts = sub["status"].value_counts()
            rows.append({"project_id": str(pid), "village_id": str(vid),
                         **{k: int(counts.get(k, 0))
                            for k in ("achieved", "partial", "not_achieved", "no_data")},
                         "total": len(sub)})
    return pd.DataFrame(rows, columns=["project_id", "village_id", "achieved", "partial",
                                       "not_achieved", "no_data", "total"])


def headline_table(store, *, before: str = "pre", after: str = "post",
                   con=None) -> pd.DataFrame:
    """The index's headline figures of every program village, over the whole store.

    Returns
    -------
    pandas.DataFrame
        One row per program village (file order), the keys of
        :func:`evaluation.results.headline_figures` except the Wilcoxon
        p-value: ``village_id, name, project_id, project_name, n_participants,
        n_target, n_team, n_mentor, n_households, instrument, wave_before,
        wave_after, happiness_mean_change, happiness_ci_low, happiness_ci_high,
        happiness_n, happiness_share_improved, happiness_p_t,
        income_mean_change, income_ci_low, income_ci_high, income_n,
        income_share_up, ladder_achieved, ladder_partial, ladder_not_achieved,
        ladder_no_data, ladder_total, status``. The headline instrument of a
        village is TMHI-15 when it has answers, else the first present.
    """
    import pyarrow.parquet as pq

    from ..results import PREFERRED_INSTRUMENTS, overall_status

    store, _ = _check(store, "village_id")
    con = con or connect()
    villages = pq.read_table(store / "tables" / "villages.parquet").to_pandas()
    projects = pq.read_table(store / "tables" / "projects.parquet").to_pandas()
    program = _program_villages(store)
    out = villages[villages["village_id"].isin(set(program["village_id"]))][
        ["village_id", "name", "project_id"]].astype(object).reset_index(drop=True)
    out["project_name"] = out["project_id"].map(projects.set_index("project_id")["name"])
    out = out.merge(participant_counts(store, con=con), on="village_id", how="left")
    out["wave_before"], out["wave_after"] = before, after
    # headline instrument: the preferred one the village has answers for
    present = con.execute(f"SELECT DISTINCT village AS village_id, instrument FROM "
                          f"{_source(store, layout.SCORES)}").df()
    rank = {k: i for i, k in enumerate(PREFERRED_INSTRUMENTS)}
    present["rank"] = present["instrument"].map(lambda i: (rank.get(i, len(rank)), i))
    main = present.sort_values("rank").drop_duplicates("village_id")[["village_id",
                                                                      "instrument"]]
    out = out.merge(main, on="village_id", how="left")
    hap = happiness_change_table(store, by="village_id", before=before, after=after, con=con)
    hap = hap.rename(columns={"mean_diff": "happiness_mean_change", "ci_low": "happiness_ci_low",
                              "ci_high": "happiness_ci_high", "n_pairs": "happiness_n",
                              "share_improved": "happiness_share_improved",
                              "p_t": "happiness_p_t"})
    out = out.merge(hap[["instrument", "village_id", "happiness_mean_change",
                         "happiness_ci_low", "happiness_ci_high", "happiness_n",
                         "happiness_share_improved", "happiness_p_t"]],
                    on=["instrument", "village_id"], how="left")
    fin = finance_change_table(store, by="village_id", before=before, after=after,
                               measures=["income"], con=con)
    fin["income_share_up"] = fin["n_improved"] / fin["n_pairs"]
    fin = fin.rename(columns={"mean_diff": "income_mean_change", "ci_low": "income_ci_low",
                              "ci_high": "income_ci_high", "n_pairs": "income_n"})
    out = out.merge(fin[["village_id", "income_mean_change", "income_ci_low", "income_ci_high",
                         "income_n", "income_share_up"]], on="village_id", how="left")
    lad = ladder_status_counts(store).drop(columns="project_id").rename(columns={
        "achieved": "ladder_achieved", "partial": "ladder_partial",
        "not_achieved": "ladder_not_achieved", "no_data": "ladder_no_data",
        "total": "ladder_total"})
    out = out.merge(lad, on="village_id", how="left")
    for col in ("happiness_n", "income_n", "ladder_achieved", "ladder_partial",
                "ladder_not_achieved", "ladder_no_data", "ladder_total"):
        out[col] = out[col].fillna(0).astype("int64")
    out["status"] = [overall_status(a, t - nd) for a, t, nd in
                     zip(out["ladder_achieved"], out["ladder_total"], out["ladder_no_data"])]
    return out
