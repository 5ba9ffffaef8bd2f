"""Compare what two versions of the loader make of the same folders: proof that a
change to ``load_project`` (a speed-up, a refactoring) changed nothing it returns.

Usage::

    .venv/bin/python benchmarks/compare_loads.py --baseline 5cfbb13
    .venv/bin/python benchmarks/compare_loads.py --baseline 5cfbb13 /data/province-a /tmp/big

The package of revision ``--baseline`` (``git archive``) and today's package
each load, in their own process: every case of the bad-inputs corpus
(``tests/bad_inputs/build.py``), ``data/sample``, and any folder named on the
command line. For each folder the results must be equal frame by frame: every
table, the problems table and ``source_files`` of a valid folder, or the
problems of a ``DataValidationError`` (a crash of the baseline counts as a
difference). Differences are printed with the folder and the first difference;
the exit code is 1 when any folder differs. Use a baseline from after issue 11:
older loaders expand the corpus's "billion laughs" YAML until memory runs out.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_all(package_root: str, folders: list[str], out: str) -> None:
    """Child process: load every folder with the package at ``package_root``."""
    sys.path.insert(0, package_root)
    import evaluation as ev
    from evaluation.errors import DataValidationError

    assert Path(ev.__file__).resolve().is_relative_to(Path(package_root).resolve())
    results = {}
    for folder in folders:
        try:
            project = ev.load_project(folder)
        except DataValidationError as exc:
            results[folder] = ("errors", exc.problems.reset_index(drop=True))
            continue
        except Exception as exc:  # noqa: BLE001  (an older loader may crash: a difference)
            import pandas as pd

            results[folder] = ("crash", pd.DataFrame({"error": [f"{type(exc).__name__}: "
                                                                f"{exc}"]}))
            continue
        results[folder] = ("valid", project.problems, project.source_files,
                           {name: project.table(name) for name in project.TABLE_NAMES})
    with open(out, "wb") as f:
        pickle.dump(results, f)


def _differences(before: dict, after: dict) -> dict:
    import pandas as pd

    found = {}
    for folder, old in before.items():
        new = after[folder]
        try:
            assert old[0] == new[0], f"{old[0]} before, {new[0]} now"
            pd.testing.assert_frame_equal(old[1], new[1])
            if old[0] == "valid":
                pd.testing.assert_frame_equal(old[2], new[2])
                for name, frame in old[3].items():
                    pd.testing.assert_frame_equal(frame, new[3][name], obj=name)
        except AssertionError as exc:
            found[folder] = " ".join(str(exc).split())[:500]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, metavar="REV", help="git revision")
    parser.add_argument("folders", nargs="*", help="more data folders to compare")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _load_all(args.child[0], args.folders, args.child[1])
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sys.path.insert(0, str(ROOT / "tests"))
        from bad_inputs.build import CASES, build

        folders = []
        for case in CASES:
            folders.append(str(build(case, tmp / "cases" / case.id)))
        folders += [str(ROOT / "data" / "sample")] + [str(Path(f).resolve())
                                                       for f in args.folders]
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline,
                                  "evaluation"], check=True, capture_output=True).stdout
        (tmp / "baseline").mkdir()
        subprocess.run(["tar", "-x", "-C", str(tmp / "baseline")], input=archive, check=True)
        env = dict(os.environ, PYTHONPATH="")
        results = {}
        for name, root in (("baseline", tmp / "baseline"), ("today", ROOT)):
            out = tmp / f"{name}.pickle"
            subprocess.run([sys.executable, __file__, "--baseline", args.baseline,
                            "--child", str(root), str(out), *folders], check=True, env=env)
            with open(out, "rb") as f:
                results[name] = pickle.load(f)
    found = _differences(results["baseline"], results["today"])
    for folder, text in found.items():
        print(f"DIFFERS {folder}: {text}")
    print(f"{len(folders)} folders loaded by {args.baseline} and today: "
          f"{len(folders) - len(found)} equal, {len(found)} differ")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
