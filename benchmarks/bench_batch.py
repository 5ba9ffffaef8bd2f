"""Benchmark: `evaluation batch` against the naive papermill + nbconvert loop.

    python benchmarks/bench_batch.py                      # 20 villages, both methods
    python benchmarks/bench_batch.py --villages 1000 --skip-baseline   # the scale figure
    python benchmarks/bench_batch.py --villages 1000 --skip-baseline --chart-formats png
    python benchmarks/bench_batch.py --report card        # the village summary card

A synthetic program of N villages is generated with
``evaluation.synth.write_program``. Then, on the same machine in one run:

* **batch**: ``evaluation batch DATA --out OUT --force --no-portfolio`` (one
  process; warm kernels in ``--workers`` worker processes, HTML export in
  process) — timed end to end, start-up included;
* **naive**: what a user would write first: for each village
  ``papermill notebooks/village_report.ipynb out.ipynb -p data_dir … -p
  village_id …`` then ``jupyter nbconvert --to html --no-input out.ipynb``,
  each as a subprocess, one village after the other (on the first
  ``--baseline-villages`` villages; seconds per village are what count).

Both methods render the same notebook (``--report full``: the village report,
``village_report.ipynb``; ``--report card``: the one-page village summary card,
``village_card.ipynb``) with the same parameters
(``--chart-formats``, default ``png,svg,pdf``: every chart as three files).
The executed notebooks of both methods are compared cell by cell (outputs,
with the report's run date masked) to show the content is the same. Results are printed
as a table; ``--json`` also writes them to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "village_report.ipynb"


def run(cmd: list[str], **kwargs) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    return time.perf_counter() - t0


RUN_DATE = re.compile(r"(วันที่สร้างรายงาน|Report run on)(</dt><dd>)[^<]*(</dd>)")


def outputs(path: Path) -> list:
    """Cell outputs of an executed notebook; the run date shown in the report masked."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return [[RUN_DATE.sub(r"\1\2…\3", json.dumps(o, sort_keys=True, ensure_ascii=False))
             for o in c.outputs]
            for c in nb.cells if c.cell_type == "code" and c.get("outputs")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--villages", type=int, default=20, help="villages to generate")
    parser.add_argument("--households", type=int, default=30, help="households per village")
    parser.add_argument("--workers", type=int, default=None, help="batch workers (default: cores)")
    parser.add_argument("--engine", default="process", choices=("process", "dask"))
    parser.add_argument("--baseline-villages", type=int, default=None,
                        help="villages for the naive loop (default: all, at most 20)")
    parser.add_argument("--skip-baseline", action="store_true", help="time the batch only")
    parser.add_argument("--seed", type=int, default=2566)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "batch")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--chart-formats", default="png,svg,pdf",
                        help="chart files per report (both methods), e.g. png,svg,pdf or png")
    parser.add_argument("--report", default="full", choices=("full", "card"),
                        help="full: the village report; card: the village summary card")
    args = parser.parse_args(argv)
    notebook = NOTEBOOK if args.report == "full" else NOTEBOOK.with_name("village_card.ipynb")

    env = dict(os.environ, PYTHAINLP_OFFLINE="1", PYTHAINLP_READ_ONLY="1", MPLBACKEND="Agg")
    os.environ.update(env)
    from evaluation.synth import write_program

    work = args.out / f"v{args.villages}"
    data = work / "data"
    if not (data / "villages.csv").exists():
        shutil.rmtree(data, ignore_errors=True)
        t0 = time.perf_counter()
        write_program(data, villages=args.villages, households=args.households, seed=args.seed,
                      fmt="csv", messy=False)
        print(f"generated {args.villages} villages x {args.households} households in "
              f"{time.perf_counter() - t0:.1f} s: {data}")
    import pandas as pd

    village_ids = pd.read_csv(data / "villages.csv", dtype=str)["village_id"].tolist()
    workers = args.workers or len(os.sched_getaffinity(0))
    rows = []

    # -- batch -----------------------------------------------------------------
    out_batch = work / "batch"
    shutil.rmtree(out_batch, ignore_errors=True)
    cmd = [sys.executable, "-m", "evaluation.cli", "batch", str(data), "--out", str(out_batch),
           "--workers", str(workers), "--engine", args.engine, "--no-portfolio", "--force",
           "--no-progress", "--chart-formats", args.chart_formats, "--report", args.report]
    seconds = run(cmd, env=env)
    ok = sum((out_batch / v / "report.html").is_file() for v in village_ids)
    what = args.chart_formats if args.report == "full" else "card"
    rows.append({"method": f"evaluation batch ({workers} workers, {args.engine}, {what})",
                 "villages": len(village_ids), "ok": ok, "seconds": seconds,
                 "per_village": seconds / len(village_ids)})
    # incremental re-run: nothing changed, everything skipped
    cmd_again = [c for c in cmd if c != "--force"]
    seconds_again = run(cmd_again, env=env)
    rows.append({"method": "evaluation batch, unchanged re-run (all skipped)",
                 "villages": len(village_ids), "ok": ok, "seconds": seconds_again,
                 "per_village": seconds_again / len(village_ids)})

    # -- naive baseline -------------------------------------------------------------
    same = None
    if not args.skip_baseline:
        n_base = args.baseline_villages or min(len(village_ids), 20)
        out_base = work / "naive"
        shutil.rmtree(out_base, ignore_errors=True)
        out_base.mkdir(parents=True)
        t0 = time.perf_counter()
        for vid in village_ids[:n_base]:
            folder = out_base / vid
            folder.mkdir()
            nb_out = folder / "report.ipynb"
            run([sys.executable, "-m", "papermill", str(notebook), str(nb_out),
                 "-p", "data_dir", str(data.resolve()), "-p", "village_id", vid,
                 "-p", "out_dir", str(folder), "-p", "chart_formats", args.chart_formats,
                 "--no-progress-bar"], env=env)
            run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input",
                 str(nb_out)], env=env)
        seconds = time.perf_counter() - t0
        ok = sum((out_base / v / "report.html").is_file() for v in village_ids[:n_base])
        rows.append({"method": f"naive loop (papermill + nbconvert subprocesses, {what})",
                     "villages": n_base, "ok": ok, "seconds": seconds,
                     "per_village": seconds / n_base})
        same = all(outputs(out_base / v / "report.ipynb") == outputs(out_batch / v / "report.ipynb")
                   for v in village_ids[:min(n_base, 5)])

    # -- table ------------------------------------------------------------------------
    base = next((r["per_village"] for r in rows if r["method"].startswith("naive")), None)
    print()
    print(f"machine: {os.cpu_count()} CPU(s); notebook: {notebook.relative_to(ROOT)}")
    print(f"{'method':<58} {'villages':>8} {'ok':>6} {'seconds':>9} {'s/village':>10} "
          f"{'speed-up':>9}")
    for r in rows:
        ratio = f"{base / r['per_village']:.1f}x" if base else "–"
        print(f"{r['method']:<58} {r['villages']:>8} {r['ok']:>6} {r['seconds']:>9.1f} "
              f"{r['per_village']:>10.3f} {ratio:>9}")
        r["speedup"] = (base / r["per_village"]) if base else None
    if same is not None:
        print(f"same report content (executed cell outputs, first villages): "
              f"{'yes' if same else 'NO'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "same_content": same, "report": args.report,
                                         "cpus": os.cpu_count()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
