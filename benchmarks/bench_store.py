"""Benchmark (issue 19): the partitioned store at national scale.

For each program size (villages × 30 households) it runs, each step in its
own process so that its peak resident memory (VmHWM) is its own:

1. ``evaluation synth --villages N --part-size 500`` (part folders of CSV), or
   with ``--flat`` one flat folder;
2. ``evaluation ingest DATA --store STORE --parts`` (``--flat``: without
   ``--parts``, read in village chunks): seconds, peak RSS and seconds per
   million input rows;
3. one village's data from the store (``load_project(STORE, villages=[v])``,
   median of 20 villages) and the data of one village report
   (``report_project(STORE, village_id=v)`` + its headline figures, 20
   villages in one process: a batch worker's data side);
4. the batch main process's data (``load_project(STORE).village_ids``);
5. national aggregates (happiness and finance change per village,
   :mod:`evaluation.store.aggregates`) against the same aggregations written
   by hand in DuckDB SQL over the same Parquet files (best of 3; ratio).

    .venv/bin/python benchmarks/bench_store.py --villages 1000 10000 [--households 30]
        [--part-size 500 | --flat] [--work /tmp/bench_store] [--keep] [--reuse]

Each figure is also printed to stderr as soon as it is measured.

Prints one table; figures go to docs/scale.md ("A partitioned store").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def run(code: str) -> tuple[float, float, str]:
    """Run Python code in a fresh process: (seconds, peak RSS in GiB, its stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([PY, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"step failed:\n{code}\n{err}")
    lines = out.strip().splitlines()
    rss = json.loads(lines[-1])["maxrss_gib"]
    return seconds, rss, "\n".join(lines[:-1])


def step(body: str) -> str:
    """Code that runs `body`, then prints its process's peak RSS as JSON (last line)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through
    # fork and exec, so a large benchmark process would show as every step's peak
    return (body + "\nimport json, re\n"
            "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())\n"
            "print(json.dumps({'maxrss_gib': int(hwm.group(1)) / 2**20}))\n")


HAND_SQL = """
WITH s AS (SELECT instrument, person_id, wave, total, village
           FROM read_parquet('{scores}', hive_partitioning = true, hive_types_autocast = false)
           WHERE total IS NOT NULL AND wave IN ('pre', 'post')),
pairs AS (SELECT instrument, village, max(total) FILTER (WHERE wave = 'pre') AS b,
                 max(total) FILTER (WHERE wave = 'post') AS a
          FROM s GROUP BY instrument, village, person_id)
SELECT instrument, village, count(*) AS n, avg(b), avg(a), avg(a - b), median(a - b),
       stddev_samp(a - b), count(*) FILTER (WHERE a > b), count(*) FILTER (WHERE a = b),
       count(*) FILTER (WHERE a < b)
FROM pairs WHERE a IS NOT NULL AND b IS NOT NULL GROUP BY instrument, village
"""

HAND_FIN = """
WITH w AS (SELECT village, household_id, max(income) FILTER (WHERE wave = 'pre') AS b,
                  max(income) FILTER (WHERE wave = 'post') AS a
           FROM read_parquet('{finance}', hive_partitioning = true, hive_types_autocast = false)
           GROUP BY village, household_id)
SELECT village, count(*), avg(b), avg(a), avg(a - b), median(a - b), stddev_samp(a - b),
       count(*) FILTER (WHERE a > b), count(*) FILTER (WHERE a = b), count(*) FILTER (WHERE a < b)
FROM w WHERE a IS NOT NULL AND b IS NOT NULL GROUP BY village
"""


def bench(n: int, work: Path, part_size: int | None, keep: bool, households: int = 30,
          reuse: bool = False, reuse_store: bool = False) -> dict:
    kind = "flat" if part_size is None else "parts"
    data = work / f"data_{n}_{households}_{kind}"
    store = work / f"store_{n}_{households}_{kind}"
    res: dict = {"villages": n, "households": households, "mode": kind}

    def note(**kw):
        res.update(kw)
        print(json.dumps(kw), file=sys.stderr, flush=True)

    if not (reuse and data.is_dir()):
        shutil.rmtree(data, ignore_errors=True)
        s, gib, _ = run(step(
            "from evaluation.synth import write_program\n"
            f"write_program({str(data)!r}, villages={n}, households={households}, "
            f"part_size={part_size}, messy=False)"))
        note(synth_s=s, synth_gib=gib)
    note(csv_gib=sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) / 2**30)
    if reuse_store and (store / "store.json").is_file():
        rows = json.loads((store / "store.json").read_text(encoding="utf-8"))["rows"]
        out = str(sum(v for k, v in rows.items() if k != "scores"))
        note(ingest_s=float("nan"), ingest_gib=float("nan"))
    else:
        shutil.rmtree(store, ignore_errors=True)
        s, gib, out = run(step(
            "from evaluation.store import ingest\n"
            f"r = ingest({str(data)!r}, {str(store)!r}, parts={part_size is not None})\n"
            "print(sum(v for k, v in r.rows.items() if k != 'scores'))"))
        note(ingest_s=s, ingest_gib=gib)
    rows = int(out.strip().splitlines()[-1])
    note(rows_m=rows / 1e6, ingest_s_per_m_rows=res["ingest_s"] / (rows / 1e6),
         store_gib=sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 2**30)
    ids = [f"V{i:0{max(2, len(str(n)))}d}" for i in range(1, n + 1, max(1, n // 20))][:20]
    _, res["village_load_gib"], out = run(step(
        "import time, statistics\nfrom evaluation.project import load_project\n"
        f"ts = []\nfor v in {ids!r}:\n"
        f"    t = time.perf_counter(); load_project({str(store)!r}, villages=[v])\n"
        "    ts.append(time.perf_counter() - t)\nprint(statistics.median(ts))"))
    note(village_load_s=float(out.strip().splitlines()[-1]),
         village_load_gib=res["village_load_gib"])
    res["worker_s"], res["worker_gib"], _ = run(step(
        "import warnings; warnings.simplefilter('ignore')\n"
        "from evaluation.reporting.context import report_project\n"
        "from evaluation.results import headline_figures\n"
        f"for v in {ids!r}:\n"
        f"    p = report_project({str(store)!r}, village_id=v)\n"
        "    headline_figures(p.village(v))"))
    note(worker_s=res["worker_s"], worker_gib=res["worker_gib"])
    _, res["main_gib"], _ = run(step(
        "from evaluation.project import load_project\n"
        f"p = load_project({str(store)!r}); print(len(p.village_ids))"))
    note(main_gib=res["main_gib"])
    _, res["aggregates_gib"], out = run(step(
        "import time\nfrom evaluation.store import aggregates as ag\n"
        f"store = {str(store)!r}\ncon = ag.connect(threads=2)\n"
        "def best(f):\n    ts = []\n    for _ in range(3):\n"
        "        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)\n"
        "    return min(ts)\n"
        "lib = best(lambda: ag.happiness_change_table(store, con=con))\n"
        "lib_f = best(lambda: ag.finance_change_table(store, con=con, measures=['income']))\n"
        f"scores = store + '/tables/scores/*/*/part-0.parquet'\n"
        f"finance = store + '/tables/finance/*/*/part-0.parquet'\n"
        f"hand = best(lambda: con.execute({HAND_SQL!r}.format(scores=scores)).df())\n"
        f"hand_f = best(lambda: con.execute({HAND_FIN!r}.format(finance=finance)).df())\n"
        "print(lib, hand, lib_f, hand_f)"))
    lib, hand, lib_f, hand_f = map(float, out.strip().splitlines()[-1].split())
    res.update(agg_happiness_s=lib, sql_happiness_s=hand, ratio_happiness=lib / hand,
               agg_finance_s=lib_f, sql_finance_s=hand_f, ratio_finance=lib_f / hand_f)
    if not keep:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, nargs="+", default=[1000])
    parser.add_argument("--part-size", type=int, default=500)
    parser.add_argument("--flat", action="store_true",
                        help="One flat data folder, ingested without --parts (streaming by "
                             "village chunks).")
    parser.add_argument("--reuse", action="store_true",
                        help="Keep an existing data folder of the same size (skip synth).")
    parser.add_argument("--reuse-store", action="store_true",
                        help="With --reuse: keep an existing store too (skip ingest; "
                             "measure reading only).")
    parser.add_argument("--households", type=int, default=30, help="Households per village.")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_store"))
    parser.add_argument("--keep", action="store_true", help="Keep the data and the stores.")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.villages:
        r = bench(n, args.work, None if args.flat else args.part_size, args.keep,
                  args.households, args.reuse, args.reuse_store)
        results.append(r)
        print(json.dumps(r), flush=True)
    print("\n| villages × households | rows (M) | CSV GiB | synth s / GiB | ingest s / GiB "
          "| s per M rows "
          "| store GiB | village load s / GiB | 20 reports' data s / GiB | main GiB "
          "| happiness agg / SQL s | finance agg / SQL s |")
    print("|" + "---|" * 12)
    for r in results:
        print(f"| {r['villages']:,} × {r['households']} | {r['rows_m']:.2f} | {r['csv_gib']:.2f} "
              f"| {r.get('synth_s', float('nan')):.0f} / {r.get('synth_gib', float('nan')):.2f} "
              f"| {r['ingest_s']:.0f} / "
              f"{r['ingest_gib']:.2f} | {r['ingest_s_per_m_rows']:.1f} | {r['store_gib']:.2f} "
              f"| {r['village_load_s']:.3f} / {r['village_load_gib']:.2f} "
              f"| {r['worker_s']:.1f} / {r['worker_gib']:.2f} | {r['main_gib']:.2f} "
              f"| {r['agg_happiness_s']:.2f} / {r['sql_happiness_s']:.2f} "
              f"({r['ratio_happiness']:.2f}×) | {r['agg_finance_s']:.2f} / "
              f"{r['sql_finance_s']:.2f} ({r['ratio_finance']:.2f}×) |")


if __name__ == "__main__":
    main()
