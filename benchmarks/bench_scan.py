"""The privacy scan's cost per village, on rendered reports.

Usage::

    evaluation synth /tmp/national --villages 1000
    evaluation ingest /tmp/national --store /tmp/national-store
    evaluation batch /tmp/national-store --out /tmp/out --no-portfolio
    python benchmarks/bench_scan.py /tmp/out --data /tmp/national-store --villages 5,20

Scans the report folders of the first ``a`` villages (set-up: the
participants' identifiers, the Thai word lists, the names' index), then of
the next ``b`` villages with the same scanner, in one process, and prints
the CPU seconds of each part and per village of the second. Run it with two
versions of the code (``PYTHONPATH=``) to compare; ``--csv`` writes the
findings, to check that they are the same.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def _folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / "report.html").is_file())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a batch's output folder")
    parser.add_argument("--data", type=Path, required=True, help="the data folder or store")
    parser.add_argument("--villages", default="5,20", help="set-up villages, measured villages")
    parser.add_argument("--csv", type=Path, help="write the measured villages' findings here")
    args = parser.parse_args(argv)

    from evaluation.privacy_scan import place_names, scan_outputs
    from evaluation.project import load_project

    warm, measured = (int(n) for n in args.villages.split(","))
    folders = _folders(args.out)
    if len(folders) < warm + measured:
        parser.error(f"--villages {args.villages}: {args.out} has {len(folders)} report folders")
    project = load_project(args.data)
    people = (project.read_columns("participants", ["name", "national_id", "phone"])
              if hasattr(project, "read_columns") else project.participants)
    places = place_names(project.villages)
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for name, chosen in (("warm", folders[:warm]), ("measured", folders[warm:warm + measured])):
            root = Path(tmp) / name
            root.mkdir()
            for folder in chosen:
                shutil.copytree(folder, root / folder.name)
            parts.append(root)
        t0 = time.process_time()
        scan_outputs(parts[0], participants=people, places=places)
        t1 = time.process_time()
        found = scan_outputs(parts[1], participants=people, places=places)
        t2 = time.process_time()
    print(f"participants {len(people):,}; files per village "
          f"{found.attrs['n_files'] / measured:.1f}; findings {len(found)}")
    print(f"set-up and first {warm} villages: {t1 - t0:.2f} s CPU")
    print(f"next {measured} villages: {t2 - t1:.2f} s CPU, "
          f"{(t2 - t1) / measured:.3f} s per village")
    if args.csv:
        found.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
