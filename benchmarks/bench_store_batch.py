"""Benchmark (issue 19): a real batch on stores of different sizes, memory per process.

Runs ``evaluation batch STORE --only V ... --workers 1 --no-portfolio`` on each
store and samples, every 0.2 s, the resident memory of the batch process and
of every process it started (the worker and its warm notebook kernel), so
that "worker memory flat as the program grows" is measured on the real thing,
kernels included.

    .venv/bin/python benchmarks/bench_store_batch.py STORE [STORE ...] [--villages 3]

Prints one JSON line per store: villages in the store, reports rendered,
seconds, peak RSS (GiB) of the main process and of the largest child.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(store: Path, n: int) -> dict:
    import psutil
    import pyarrow.parquet as pq

    villages = pq.read_table(store / "tables" / "villages.parquet",
                             columns=["village_id"]).column(0).to_pylist()
    step = max(1, len(villages) // n)
    only = [v for v in villages[::step] if not str(v).startswith("C")][:n]
    out = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    args = [str(ROOT / ".venv" / "bin" / "evaluation"), "batch", str(store), "--out", str(out),
            "--workers", "1", "--no-portfolio", "--no-privacy-scan"]
    for v in only:
        args += ["--only", str(v)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
           "PYTHAINLP_OFFLINE": "1", "PYTHAINLP_READ_ONLY": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    main = psutil.Process(proc.pid)
    peak_main = peak_child = 0
    while proc.poll() is None:
        try:
            peak_main = max(peak_main, main.memory_info().rss)
            for child in main.children(recursive=True):
                try:
                    peak_child = max(peak_child, child.memory_info().rss)
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        time.sleep(0.2)
    err = proc.stderr.read()
    if proc.returncode:
        raise SystemExit(f"batch failed on {store}:\n{err[-2000:]}")
    return {"store": str(store), "villages": len(villages), "reports": len(only),
            "seconds": time.perf_counter() - t0, "main_gib": peak_main / 2**30,
            "largest_child_gib": peak_child / 2**30}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stores", type=Path, nargs="+")
    parser.add_argument("--villages", type=int, default=3, help="Village reports per store.")
    args = parser.parse_args()
    for store in args.stores:
        print(json.dumps(measure(store, args.villages)), flush=True)


if __name__ == "__main__":
    main()
