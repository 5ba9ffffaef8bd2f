"""Benchmark 3 (issue 7): ``load_project`` on a 1,000-village program, CSV and Parquet.

    .venv/bin/python benchmarks/bench_load.py [--villages 1000] [--households 30]
    .venv/bin/python benchmarks/bench_load.py --sample     # data/sample only (issue 11: < 1 s)

Generates the program with the package's seeded generator (``evaluation synth``),
then times loading each form (best of three) and prints rows per second.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--households", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", action="store_true",
                        help="time loading data/sample (every loader check on) and stop")
    args = parser.parse_args()

    import evaluation as ev

    if args.sample:
        sample = Path(__file__).resolve().parent.parent / "data" / "sample"
        ev.load_project(sample)  # warm imports (pandas, pythainlp) once
        times, cpu = [], []
        for _ in range(max(args.repeat, 5)):
            start, start_cpu = time.perf_counter(), time.process_time()
            project = ev.load_project(sample)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        n_rows = sum(len(project.table(name)) for name in project.TABLE_NAMES)
        # CPU time as well: on a shared machine wall time measures the neighbours too
        print(f"data/sample: {n_rows:,} rows, {len(project.problems)} warnings; load best "
              f"{min(times):.3f} s wall ({min(cpu):.3f} s CPU), median "
              f"{sorted(times)[len(times) // 2]:.3f} s wall (target < 1 s)")
        return
    from evaluation.synth import write_program

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "parquet"):
            start = time.perf_counter()
            folder = write_program(Path(tmp) / fmt, villages=args.villages,
                                   households=args.households, seed=7, fmt=fmt, messy=False)
            generated = time.perf_counter() - start
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                project = ev.load_project(folder)
                best = min(best, time.perf_counter() - start)
            n_rows = sum(len(project.table(name)) for name in project.TABLE_NAMES)
            size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
            rows.append((fmt, generated, best, n_rows, size))

    print(f"\n{args.villages} villages × {args.households} households")
    print(f"{'format':8} {'generate s':>11} {'load s':>8} {'rows':>11} {'rows/s':>11} {'MB':>7}")
    for fmt, generated, seconds, n_rows, size in rows:
        print(f"{fmt:8} {generated:11.2f} {seconds:8.2f} {n_rows:11,} {n_rows / seconds:11,.0f} "
              f"{size / 1e6:7.1f}")
    print(f"\nParquet / CSV load time: {rows[1][2] / rows[0][2]:.2f}×")


if __name__ == "__main__":
    main()
