"""What ``import evaluation`` costs next to ``import pandas`` (``python -X importtime``).

Usage::

    python benchmarks/bench_import.py            # 5 runs each, median
    python benchmarks/bench_import.py --runs 1

Each measurement is a fresh interpreter (``python -X importtime -c "import
X"``); the figure is the cumulative time importtime reports for the top-level
module, so interpreter start-up is left out. The target (issue "One clear
house"): ``import evaluation`` costs at most ``import pandas`` + 0.15 s. Also
shown: ``evaluation --help`` wall time and the heavy libraries ``import
evaluation`` loads (there should be none).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "scipy", "statsmodels", "pythainlp", "nbclient", "nbconvert",
         "papermill", "dask", "openpyxl")


def import_seconds(module: str) -> float:
    """Cumulative import time of `module` in a fresh interpreter (seconds)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                          capture_output=True, text=True, cwd=ROOT, env=_env(), check=True)
    pattern = re.compile(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|\s?" + re.escape(module) + r"$")
    for line in proc.stderr.splitlines():
        found = pattern.search(line)
        if found:
            return int(found.group(1)) / 1e6
    raise RuntimeError(f"no importtime line for {module}")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHAINLP_OFFLINE", "1")
    return env


def heavy_modules() -> list[str]:
    code = ("import sys, evaluation; print(' '.join(sorted({m.split('.')[0] "
            "for m in sys.modules} & set(%r))))" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env=_env(), check=True).stdout.split()
    return out


def cli_help_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evaluation.cli", "--help"], capture_output=True,
                   cwd=ROOT, env=_env(), check=True)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    pandas = [import_seconds("pandas") for _ in range(args.runs)]
    package = [import_seconds("evaluation") for _ in range(args.runs)]
    help_s = [cli_help_seconds() for _ in range(args.runs)]
    p, e = statistics.median(pandas), statistics.median(package)
    print(f"runs: {args.runs} (median; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(f"import pandas               {p:6.3f} s")
    print(f"import evaluation           {e:6.3f} s   (pandas + {e - p:.3f} s; target + 0.150 s)")
    print(f"evaluation --help (wall)    {statistics.median(help_s):6.3f} s")
    heavy = heavy_modules()
    print(f"heavy libraries loaded by import evaluation: {', '.join(heavy) or 'none'}")
    return 0 if e - p <= 0.15 and not heavy else 1


if __name__ == "__main__":
    sys.exit(main())
