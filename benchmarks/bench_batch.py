"""Benchmark: `evaluation batch` against the naive papermill + nbconvert loop.

    python benchmarks/bench_batch.py                      # 20 villages, both methods
    python benchmarks/bench_batch.py --villages 1000 --skip-baseline   # the scale figure
    python benchmarks/bench_batch.py --villages 100 --skip-baseline --chart-formats png,svg,pdf
    python benchmarks/bench_batch.py --report card        # the village summary card
    python benchmarks/bench_batch.py --stages-only        # where a full report's time goes

A synthetic program of N villages is generated with
``evaluation.synth.write_program``. Then, on the same machine in one run:

* **batch**: ``evaluation batch DATA --out OUT --force --no-portfolio
  --no-privacy-scan`` (the naive loop audits nothing either; one
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
(``--chart-formats``, default none: the page has every chart inline as SVG;
``png,svg,pdf`` writes every chart as three files too).
The executed notebooks of both methods are compared cell by cell (outputs,
with the report's run date masked) to show the content is the same. Results are printed
as a table, with the CPU seconds per village of the batch (its processes,
workers and kernels, from ``getrusage``); ``--json`` also writes them to a file.

**Stages** (``--stages N``, default 5 villages; ``--report full``): where one
full report's time goes, in CPU seconds per village on one warm process after
a first village, printed as a table: the sections (data, statistics, tables
and building the charts) and the charts' layout and page SVG, each both as
now (light figures drawn straight to SVG, :mod:`evaluation.charts.lite`) and
as before (matplotlib figures, constrained layout, matplotlib's SVG), each
chart file format (PNG 200 dpi, SVG text as paths, PDF; always matplotlib),
and the notebook machinery (papermill, the warm kernel's reset, nbclient,
the HTML export, tables and headline files: a whole warm-kernel render minus
the in-process parts, CPU of this process and the kernel).
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


def cpu_now(include_children: bool = True) -> float:
    """CPU seconds of this process and (optionally) its live child processes (kernels)."""
    import psutil

    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system
    if include_children:
        for child in me.children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.Error:
                pass
    return total


def children_cpu() -> float:
    """CPU seconds of finished child processes (and theirs), from getrusage."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def stage_breakdown(data: Path, village_ids: list[str], n: int, work: Path) -> list[tuple]:
    """CPU seconds per village of each stage of a full report (see the module text).

    Each village's sections run twice in this process, collecting their charts:
    with light figures (the page's path, :mod:`evaluation.charts.lite`) and
    with matplotlib figures (the page's path before, and what chart files are
    drawn from). The light figures are written as SVG
    (:mod:`evaluation.charts.litesvg`); the matplotlib ones are laid out and
    written as matplotlib SVG, then as each chart file format. The whole
    report is timed on a warm kernel; the notebook machinery is the rest. The
    sections run with the kernel's pandas options (``KERNEL_PANDAS_OPTIONS``)."""

    from evaluation.charts.layout import lay_out
    from evaluation.charts.lite import is_lite
    from evaluation.charts.svg import figure_svg
    from evaluation.charts.textlayout import text_layout_memo
    from evaluation.charts.ticks import tick_memo
    from evaluation.export import _attach_shared_canvas, render_figure
    from evaluation.project import load_project
    from evaluation.rendering.kernel import WarmKernel
    from evaluation.rendering.notebook import render_village_report
    from evaluation.reporting.context import ReportContext
    from evaluation.reporting.village import run_village_sections

    class Collect(ReportContext):
        """Keeps the figures instead of rendering them."""

        def figure(self, fig, name, title, caption):
            self.figures.append(fig)

    from evaluation.rendering.kernel import KERNEL_PANDAS_OPTIONS, _apply_pandas_options

    _apply_pandas_options()   # as in the report kernel, before the data are loaded
    print(f"in-process stages run with the report kernel's pandas options: "
          f"{KERNEL_PANDAS_OPTIONS}")
    project = load_project(data)
    first, rest = village_ids[0], village_ids[1:n + 1]
    tmp = work / "stages"
    shutil.rmtree(tmp, ignore_errors=True)
    cpu = lambda: time.process_time()
    keys = ("sections_lite", "svg_lite", "sections_mpl", "layout_mpl", "svg_mpl", "png",
            "svg_file", "pdf")
    acc = {k: 0.0 for k in keys}
    n_figs = n_light = 0
    for i, vid in enumerate([first, *rest]):
        t = {k: 0.0 for k in keys}
        light = Collect(tmp / vid / "lite", display=False, lite_charts=True)
        t0 = cpu()
        run_village_sections(project, light, village_id=vid)
        t["sections_lite"] = cpu() - t0
        for j, fig in enumerate(light.figures):
            if is_lite(fig):
                t0 = cpu()
                fig.to_svg(prefix=f"c{j}-")
                t["svg_lite"] += cpu() - t0
        real = Collect(tmp / vid / "mpl", display=False, lite_charts=False)
        t0 = cpu()
        run_village_sections(project, real, village_id=vid)
        t["sections_mpl"] = cpu() - t0
        for j, fig in enumerate(real.figures):
            _attach_shared_canvas(fig)
            with text_layout_memo(), tick_memo():
                t0 = cpu()
                lay_out(fig)
                t["layout_mpl"] += cpu() - t0
                t0 = cpu()
                figure_svg(fig, prefix=f"c{j}-")
                t["svg_mpl"] += cpu() - t0
                for fmt, key in (("png", "png"), ("svg", "svg_file"), ("pdf", "pdf")):
                    t0 = cpu()
                    render_figure(fig, tmp / vid / "charts" / f"c{j}", (fmt,))
                    t[key] += cpu() - t0
        if i == 0:
            continue  # caches warm (fonts, text measurements, subsets)
        n_figs += len(light.figures)
        n_light += sum(is_lite(f) for f in light.figures)
        for key in acc:
            acc[key] += t[key]
    k = len(rest)
    per = {key: v / k for key, v in acc.items()}
    # the whole report on one warm kernel, default (no chart files): this process + kernel;
    # two villages first (the first reset collects what the first report loaded)
    with WarmKernel() as kernel:
        for vid in village_ids[:2]:
            render_village_report(data, vid, tmp / "nb", kernel=kernel)
        t0 = cpu_now()
        for vid in rest:
            render_village_report(data, vid, tmp / "nb", kernel=kernel)
        whole = (cpu_now() - t0) / k
    machinery = whole - per["sections_lite"] - per["svg_lite"]
    whole_before = machinery + per["sections_mpl"] + per["layout_mpl"] + per["svg_mpl"]
    same = lambda v: (v, v)
    rows = [
        ("sections: data, statistics, tables, building the figures",
         (per["sections_mpl"], per["sections_lite"])),
        ("chart layout + page SVG", (per["layout_mpl"] + per["svg_mpl"], per["svg_lite"])),
        ("notebook machinery (papermill, kernel, reset, HTML export, files)", same(machinery)),
        ("= whole report, default (no chart files), warm kernel", (whole_before, whole)),
        ("+ PNG files, 200 dpi (--chart-formats png)", (None, per["png"])),
        ("+ SVG files, text as paths (--chart-formats svg)", (None, per["svg_file"])),
        ("+ PDF files, Sarabun embedded (--chart-formats pdf)", (None, per["pdf"])),
    ]
    print()
    print(f"where a full report's time goes: CPU s per village, mean of {k} villages after "
          f"a first one; {n_figs / k:.0f} charts per village, {n_light / k:.0f} drawn as light "
          f"figures; 'before': the page's charts drawn with matplotlib (same run, same "
          f"charts; the whole report's 'before' is estimated from the stages)")
    print(f"{'stage':<70} {'before':>8} {'now':>8} {'now/before':>10}")
    for name, (before, now) in rows:
        b = f"{before:8.3f}" if before is not None else f"{'':>8}"
        r = f"{now / before:10.2f}" if before else f"{'':>10}"
        print(f"{name:<70} {b} {now:8.3f} {r}")
    print("(chart files are drawn by matplotlib from the matplotlib figures; the layout "
          "row's 'before' includes matplotlib's one-pass constrained layout)")
    return rows


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
    parser.add_argument("--chart-formats", default="",
                        help="chart files per report (both methods), e.g. png,svg,pdf "
                             "(default: none, charts inline in the page)")
    parser.add_argument("--stages", type=int, default=5,
                        help="villages for the per-stage breakdown (full report; 0: skip)")
    parser.add_argument("--stages-only", action="store_true",
                        help="only the per-stage breakdown (no batch, no naive loop)")
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
    stages = None
    if args.report == "full" and args.stages > 0:
        stages = stage_breakdown(data, village_ids, min(args.stages, len(village_ids) - 1), work)
    if args.stages_only:
        return 0

    # -- batch -----------------------------------------------------------------
    out_batch = work / "batch"
    shutil.rmtree(out_batch, ignore_errors=True)
    cmd = [sys.executable, "-m", "evaluation.cli", "batch", str(data), "--out", str(out_batch),
           "--workers", str(workers), "--engine", args.engine, "--no-portfolio", "--force",
           "--no-progress", "--chart-formats", args.chart_formats, "--report", args.report,
           "--no-privacy-scan"]  # the naive loop does not scan either (timed separately)
    cpu0 = children_cpu()
    seconds = run(cmd, env=env)
    batch_cpu = children_cpu() - cpu0
    ok = sum((out_batch / v / "report.html").is_file() for v in village_ids)
    what = (args.chart_formats or "charts inline") if args.report == "full" else "card"
    rows.append({"method": f"evaluation batch ({workers} workers, {args.engine}, {what})",
                 "villages": len(village_ids), "ok": ok, "seconds": seconds,
                 "per_village": seconds / len(village_ids),
                 "cpu_per_village": batch_cpu / len(village_ids)})
    sizes = [sum(p.stat().st_size for p in (out_batch / v).rglob("*") if p.is_file())
             for v in village_ids if (out_batch / v).is_dir()]
    html_sizes = [(out_batch / v / "report.html").stat().st_size for v in village_ids
                  if (out_batch / v / "report.html").is_file()]
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
        cpu0 = children_cpu()
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
                     "per_village": seconds / n_base,
                     "cpu_per_village": (children_cpu() - cpu0) / n_base})
        same = all(outputs(out_base / v / "report.ipynb") == outputs(out_batch / v / "report.ipynb")
                   for v in village_ids[:min(n_base, 5)])

    # -- table ------------------------------------------------------------------------
    base = next((r["per_village"] for r in rows if r["method"].startswith("naive")), None)
    print()
    print(f"machine: {os.cpu_count()} CPU(s); notebook: {notebook.relative_to(ROOT)}")
    print(f"{'method':<66} {'villages':>8} {'ok':>6} {'seconds':>9} {'s/village':>10} "
          f"{'CPU s/vil.':>10} {'speed-up':>9}")
    for r in rows:
        ratio = f"{base / r['per_village']:.1f}x" if base else "–"
        cpu_v = f"{r['cpu_per_village']:.3f}" if r.get("cpu_per_village") is not None else "–"
        print(f"{r['method']:<66} {r['villages']:>8} {r['ok']:>6} {r['seconds']:>9.1f} "
              f"{r['per_village']:>10.3f} {cpu_v:>10} {ratio:>9}")
        r["speedup"] = (base / r["per_village"]) if base else None
    if sizes:
        print(f"report folder: mean {sum(sizes) / len(sizes) / 1e6:.2f} MB, largest "
              f"{max(sizes) / 1e6:.2f} MB; report.html: mean "
              f"{sum(html_sizes) / len(html_sizes) / 1e6:.2f} MB, largest "
              f"{max(html_sizes) / 1e6:.2f} MB")
    if same is not None:
        print(f"same report content (executed cell outputs, first villages): "
              f"{'yes' if same else 'NO'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "same_content": same, "report": args.report,
                                         "cpus": os.cpu_count(), "stages": stages,
                                         "folder_bytes": sizes, "html_bytes": html_sizes},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
