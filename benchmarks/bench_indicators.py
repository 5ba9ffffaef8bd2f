"""Benchmark 2 (issue 7): indicators for 1,000,000 households × 3 waves.

Computes the per-village happiness change and finance change tables with the
library, and the same aggregations written in DuckDB SQL on the same frames
(the near-limit reference: n pairs, means before/after, mean/SD of the change,
t statistic, medians, share improved). Prints the best of three timings, the time ratio and the peak
memory of each step (a separate traced run: tracemalloc covers numpy/pandas
buffers; the peak resident size of the whole process is printed too).

    .venv/bin/python benchmarks/bench_indicators.py [--households 1000000] [--villages 1000]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
import tracemalloc

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

WAVES = pd.CategoricalDtype(["pre", "during", "post"], ordered=True)


def make_frames(n_households: int, n_villages: int, seed: int = 1):
    """One person per household; happiness totals and finance at three waves."""
    rng = np.random.default_rng(seed)
    hh = np.arange(n_households)
    village = (hh % n_villages).astype(np.int32)
    hh_id = pd.array([f"H{i:07d}" for i in hh], dtype="str")
    village_id = pd.Categorical.from_codes(village, [f"V{i:05d}" for i in range(n_villages)])
    n = n_households * 3
    wave = pd.Categorical.from_codes(np.tile(np.arange(3), n_households), dtype=WAVES)
    rep = np.repeat(np.arange(n_households), 3)
    base = rng.integers(30, 55, n_households)
    total = base[rep] + rng.integers(-3, 5, n) * (np.tile(np.arange(3), n_households) > 0)
    scores = pd.DataFrame({"person_id": hh_id.take(rep), "village_id": village_id.take(rep),
                           "wave": wave, "total": total.astype(float)})
    income = rng.gamma(4.0, 2000.0, n_households)
    finance = pd.DataFrame({
        "household_id": hh_id.take(rep), "village_id": village_id.take(rep), "wave": wave,
        "income": np.round(income[rep] * rng.normal(1.05, 0.2, n), 0),
        "expenses": np.round(income[rep] * rng.normal(0.9, 0.1, n), 0),
        "debt_formal": np.round(rng.gamma(1.0, 20000.0, n), 0),
        "debt_informal": np.round(rng.gamma(0.5, 5000.0, n), 0),
        "savings": np.round(rng.gamma(1.0, 1500.0, n), 0),
    })
    return scores, finance


DUCK_HAPPINESS = """
WITH wide AS (
  SELECT village_id, person_id,
         max(total) FILTER (WHERE wave = 'pre') AS pre,
         max(total) FILTER (WHERE wave = 'during') AS during,
         max(total) FILTER (WHERE wave = 'post') AS post
  FROM scores GROUP BY village_id, person_id),
pairs AS (
  SELECT village_id, 'pre→during' AS contrast, pre AS b, during AS a FROM wide
  UNION ALL SELECT village_id, 'during→post', during, post FROM wide
  UNION ALL SELECT village_id, 'pre→post', pre, post FROM wide)
SELECT village_id, contrast, count(*) AS n_pairs, avg(b) AS mean_before, avg(a) AS mean_after,
       avg(a - b) AS mean_diff, median(a - b) AS median_diff, stddev_samp(a - b) AS sd_diff,
       avg(a - b) / (stddev_samp(a - b) / sqrt(count(*))) AS t,
       avg(CASE WHEN a > b THEN 1.0 ELSE 0.0 END) AS share_improved
FROM pairs WHERE a IS NOT NULL AND b IS NOT NULL GROUP BY village_id, contrast
"""

DUCK_FINANCE = """
WITH wide AS (
  SELECT village_id, household_id,
    max(income) FILTER (WHERE wave = 'pre') AS inc_b, max(income) FILTER (WHERE wave = 'post') AS inc_a,
    max(expenses) FILTER (WHERE wave = 'pre') AS exp_b, max(expenses) FILTER (WHERE wave = 'post') AS exp_a,
    max(debt_formal) FILTER (WHERE wave = 'pre') AS df_b, max(debt_formal) FILTER (WHERE wave = 'post') AS df_a,
    max(debt_informal) FILTER (WHERE wave = 'pre') AS di_b, max(debt_informal) FILTER (WHERE wave = 'post') AS di_a,
    max(savings) FILTER (WHERE wave = 'pre') AS sv_b, max(savings) FILTER (WHERE wave = 'post') AS sv_a
  FROM finance GROUP BY village_id, household_id),
long AS (
  SELECT village_id, 'income' AS measure, inc_b AS b, inc_a AS a FROM wide
  UNION ALL SELECT village_id, 'expenses', exp_b, exp_a FROM wide
  UNION ALL SELECT village_id, 'net', inc_b - exp_b, inc_a - exp_a FROM wide
  UNION ALL SELECT village_id, 'debt_formal', df_b, df_a FROM wide
  UNION ALL SELECT village_id, 'debt_informal', di_b, di_a FROM wide
  UNION ALL SELECT village_id, 'debt_total', df_b + di_b, df_a + di_a FROM wide
  UNION ALL SELECT village_id, 'savings', sv_b, sv_a FROM wide
  UNION ALL SELECT village_id, 'debt_to_annual_income', (df_b + di_b) / (12 * inc_b),
                   (df_a + di_a) / (12 * inc_a) FROM wide)
SELECT village_id, measure, count(*) AS n, avg(b) AS mean_before, avg(a) AS mean_after,
       median(b) AS median_before, median(a) AS median_after, avg(a - b) AS mean_change,
       median(a - b) AS median_change, stddev_samp(a - b) AS sd_diff,
       avg(a - b) / (stddev_samp(a - b) / sqrt(count(*))) AS t,
       avg(CASE WHEN a > b THEN 1.0 ELSE 0.0 END) AS share_up
FROM long WHERE a IS NOT NULL AND b IS NOT NULL GROUP BY village_id, measure
"""


def timed(label, fn, repeat: int = 3):
    """Best of ``repeat`` timings (no tracing), then one traced run for peak memory."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return label, best, peak / 2**30, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=1_000)
    args = parser.parse_args()

    import duckdb

    import evaluation as ev
    from evaluation.finance import finance_change

    t0 = time.perf_counter()
    scores, finance = make_frames(args.households, args.villages)
    print(f"generated {len(scores):,} happiness and {len(finance):,} finance rows "
          f"in {time.perf_counter() - t0:.1f} s")

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("scores", scores.assign(wave=scores["wave"].astype(str),
                                         village_id=scores["village_id"].astype(str)))
    con.register("finance", finance.assign(wave=finance["wave"].astype(str),
                                           village_id=finance["village_id"].astype(str)))

    rows = [
        timed("happiness_change (library)",
              lambda: ev.happiness_change(scores, by="village_id")),
        timed("happiness (DuckDB SQL)", lambda: con.execute(DUCK_HAPPINESS).df()),
        timed("finance_change (library)",
              lambda: finance_change(finance, by="village_id")),
        timed("finance (DuckDB SQL)", lambda: con.execute(DUCK_FINANCE).df()),
    ]
    # Same numbers: the library's means agree with DuckDB's.
    lib_h, duck_h = rows[0][3], rows[1][3]
    merged = lib_h.merge(duck_h, on=["village_id", "contrast"], suffixes=("", "_duck"))
    assert len(merged) == len(duck_h) and np.allclose(merged["mean_diff"],
                                                      merged["mean_diff_duck"])
    lib_f, duck_f = rows[2][3], rows[3][3]
    merged = lib_f.merge(duck_f, on=["village_id", "measure"], suffixes=("", "_duck"))
    assert len(merged) == len(duck_f) and np.allclose(merged["mean_diff"],
                                                      merged["mean_change"],
                                                      equal_nan=True)

    print(f"\n{'step':32} {'seconds':>9} {'peak GiB':>9}")
    for label, seconds, peak, _ in rows:
        print(f"{label:32} {seconds:9.2f} {peak:9.2f}")
    print(f"\nratio library / DuckDB: happiness {rows[0][1] / rows[1][1]:.2f}×, "
          f"finance {rows[2][1] / rows[3][1]:.2f}×")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory of the whole run: {rss:.2f} GiB")


if __name__ == "__main__":
    main()
