"""Run every benchmark in turn (``make bench``); each prints its own table.

Sizes default to the issue's figures; pass ``--quick`` for a smoke run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv
    runs = [
        ["bench_load.py"] + (["--villages", "50"] if quick else []),
        ["bench_indicators.py"] + (["--households", "20000", "--villages", "50"] if quick else []),
        ["bench_lessons.py"] + (["--n", "300"] if quick else []),
        ["bench_batch.py"] + (["--villages", "3"] if quick else []),
    ]
    status = 0
    for script, *args in runs:
        if not (HERE / script).exists():
            print(f"(skipping {script}: not present)")
            continue
        print(f"\n=== {script} {' '.join(args)}", flush=True)
        status |= subprocess.call([sys.executable, str(HERE / script), *args])
    return status


if __name__ == "__main__":
    sys.exit(main())
