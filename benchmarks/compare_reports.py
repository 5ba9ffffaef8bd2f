"""Compare two rendered report folders: proof that a refactoring changed nothing users see.

Usage::

    evaluation batch data/sample --out /tmp/before     # with the old code
    evaluation batch data/sample --out /tmp/after      # with the new code
    python benchmarks/compare_reports.py /tmp/before /tmp/after

Compared, file by file, in both folders: every ``report.html`` (and
``index.html``), every ``headline.json``, every table (``tables/*.csv`` and
the cell values of every sheet of ``tables.xlsx``). The only differences
allowed are the stamps that change from run to run: the run date and time
(Buddhist or Common era), the package version in the page's ``generator``
meta tag and in the methods section's software list. Anything else is
reported with the file and the first differing line; the exit code is 1
when a file differs or exists on one side only.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

#: Run-to-run stamps replaced before comparing (pattern, replacement).
STAMPS = (
    # "30 พ.ย. 2569 09:22" / "30 Nov 2026 09:22" (methods section run date)
    (re.compile(r"\d{1,2} [^\s<>\"]{2,12} \d{4} \d{2}:\d{2}"), "<RUN-DATE>"),
    # "30/11/2569 09:22" (index page)
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4} \d{2}:\d{2}"), "<RUN-DATE>"),
    # package version: generator meta tag and the software list
    (re.compile(r"(evaluation )\d+\.\d+\.\d+\S*"), r"\1<VERSION>"),
    (re.compile(r'("version": ")[^"]*(")'), r"\1<VERSION>\2"),
)


def normalise(text: str) -> str:
    """`text` with the run-to-run stamps replaced by placeholders."""
    for pattern, repl in STAMPS:
        text = pattern.sub(repl, text)
    return text


def _kind(path: Path) -> str | None:
    name = path.name
    if name.endswith(".html") or name == "headline.json":
        return "text"
    if path.suffix == ".csv" and path.parent.name == "tables":
        return "text"
    if name == "tables.xlsx":
        return "xlsx"
    return None


def _xlsx_text(path: Path) -> str:
    """Every sheet's cell values, one line per row (formatting ignored)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    lines = []
    for ws in wb.worksheets:
        lines.append(f"== {ws.title}")
        for row in ws.iter_rows(values_only=True):
            lines.append(json.dumps(row, ensure_ascii=False, default=str))
    wb.close()
    return "\n".join(lines)


def _content(path: Path) -> str:
    if _kind(path) == "xlsx":
        return _xlsx_text(path)
    return path.read_text(encoding="utf-8")


def compared_files(root: Path) -> set[str]:
    """Relative paths of the files compared under `root` (work folders skipped)."""
    out = set()
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if p.is_file() and _kind(p) and not any(part.startswith(".") for part in rel.parts):
            out.add(rel.as_posix())
    return out


def compare_trees(before, after) -> list[str]:
    """Differences between two report folders (empty list: identical up to stamps).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> a, b = (pathlib.Path(tempfile.mkdtemp()) for _ in range(2))
    >>> for root, when in ((a, "7 ก.ค. 2566 10:01"), (b, "8 ก.ค. 2566 11:30")):
    ...     _ = (root / "report.html").write_text(f"<p>{when}</p><p>1,500</p>", encoding="utf-8")
    >>> compare_trees(a, b)
    []
    >>> _ = (b / "report.html").write_text("<p>1,501</p>", encoding="utf-8")
    >>> compare_trees(a, b)[0].startswith("report.html differs")
    True
    """
    before, after = Path(before), Path(after)
    fa, fb = compared_files(before), compared_files(after)
    problems = [f"{rel}: only in {before}" for rel in sorted(fa - fb)]
    problems += [f"{rel}: only in {after}" for rel in sorted(fb - fa)]
    for rel in sorted(fa & fb):
        ta, tb = normalise(_content(before / rel)), normalise(_content(after / rel))
        if ta == tb:
            continue
        diff = list(difflib.unified_diff(ta.splitlines(), tb.splitlines(), lineterm="", n=0))
        first = next((ln for ln in diff[2:] if not ln.startswith("@@")), "")
        problems.append(f"{rel} differs ({len(diff)} diff lines); first: {first[:300]}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args(argv)
    problems = compare_trees(args.before, args.after)
    n = len(compared_files(Path(args.before)) | compared_files(Path(args.after)))
    if problems:
        print(f"{len(problems)} of {n} compared file(s) differ:")
        print("\n".join(f"  {p}" for p in problems))
        return 1
    print(f"identical: {n} files (report/index HTML, headline.json, tables CSV and Excel), "
          "ignoring run date and version stamps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
