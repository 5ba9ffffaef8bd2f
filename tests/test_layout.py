"""The package's shape: imports only go downward, nothing imports the package
``__init__``, ``import evaluation`` stays light, and the comparison script that
proves a refactoring changed no report works."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "evaluation"

#: Layers: a module may import its own layer and the ones below, never above.
IO = {"project", "schema", "thai", "template", "export", "errors", "_version", "synth",
      "formatting", "thai_series", "safe_files", "synth_model", "synth_messy", "synth_exports",
      "synth_readme", "arms", "checks", "lost_zeros", "period_checks", "reading", "source_use",
      "textio", "yaml_lines", "ladder_spec", "value_map", "importers", "mainguard",
      "ladder_export", "sroi_export", "xlsx_text"}
ANALYSIS = {"stats", "instruments", "happiness", "finance", "cpi", "money_frames", "ledger",
            "savings", "households", "metrics", "ladder", "lessons", "text", "privacy", "sroi",
            "import_", "xlsform", "imports", "did", "repeated", "signrank", "disclosure",
            "names", "view_memo"}
ANALYSIS |= {"lessons_frames"}   # fast builders of the lessons tables
UPPER = {"results", "reporting", "rendering"}
#: Presentation and entry points (may import any layer below the rendering wing).
#: ("store", the national Parquet store, arrives with its own branch; its aggregates
#: read results.py, so it sits beside the entry points until that is split.)
OTHER = {"__init__", "cli", "charts", "i18n", "pdf", "privacy_scan", "store"}


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        yield path, rel.parts


def _imports(path: Path, parts: tuple[str, ...]):
    """(top-level package module imported, line, what) for every import of `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["evaluation", *parts[:-1]] if parts[-1] != "__init__" else ["evaluation", *parts[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            if target[:1] != ["evaluation"]:
                continue
            if len(target) == 1:  # from evaluation import x / from .. import x
                for alias in node.names:
                    yield alias.name, node.lineno, f"from {'.' * node.level}{node.module or ''} import {alias.name}"
            else:
                yield target[1], node.lineno, ast.unparse(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names = alias.name.split(".")
                if names[0] == "evaluation":
                    yield (names[1] if len(names) > 1 else "__init__"), node.lineno, ast.unparse(node)


def test_every_module_has_a_layer():
    """A new module must be put in a layer above, so the import rules cover it."""
    layers = IO | ANALYSIS | UPPER | OTHER
    assert not IO & ANALYSIS and not (IO | ANALYSIS) & (UPPER | OTHER)
    missing = sorted({parts[0] for _, parts in _modules()} - layers)
    assert not missing, f"put these modules in a layer of tests/test_layout.py: {missing}"


def test_io_and_analysis_never_import_results_reporting_or_rendering():
    bad = []
    for path, parts in _modules():
        if parts[0] not in IO | ANALYSIS:
            continue
        for top, line, text in _imports(path, parts):
            if top in UPPER or top in ("charts", "i18n") and parts[0] in ANALYSIS:
                bad.append(f"{'/'.join(parts)}.py:{line}: {text}")
    assert not bad, "\n".join(bad)


def test_reporting_never_imports_rendering():
    bad = [f"{'/'.join(parts)}.py:{line}: {text}"
           for path, parts in _modules() if parts[0] in ("reporting", "results", "charts", "i18n")
           for top, line, text in _imports(path, parts) if top == "rendering"]
    assert not bad, "\n".join(bad)


def test_nothing_imports_the_package_init():
    """``from . import load_project`` or ``import evaluation`` inside the package would
    load every public name; modules import the module that defines what they need."""
    modules = {p.stem for p in PKG.glob("*.py")} | {p.name for p in PKG.iterdir() if p.is_dir()}
    bad = []
    for path, parts in _modules():
        if parts == ("__init__",):
            continue
        for top, line, text in _imports(path, parts):
            if top == "__init__" or top not in modules:
                bad.append(f"{'/'.join(parts)}.py:{line}: {text}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("heavy", ["matplotlib", "scipy", "statsmodels", "pythainlp",
                                   "nbclient", "dask", "papermill", "nbconvert", "openpyxl"])
def test_import_evaluation_loads_no_heavy_library(heavy):
    code = ("import sys, evaluation; "
            f"print(any(m == {heavy!r} or m.startswith({heavy!r} + '.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "False", f"import evaluation imported {heavy}"


def test_loading_a_project_imports_no_reporting_text_or_chart_module():
    # (reading ladder.yaml still imports evaluation.ladder and its metrics until the
    # ladder's YAML parsing is split from its evaluation; cleaning Thai text imports
    # pythainlp.util)
    code = ("import sys, evaluation as ev; ev.load_project('data/sample'); "
            "print(sorted(m for m in ('evaluation.lessons', 'evaluation.charts', "
            "'evaluation.reporting', 'evaluation.rendering', 'matplotlib', "
            "'nbclient', 'dask') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]", out


def test_public_names_resolve():
    import evaluation as ev

    for name in ev.__all__:
        assert getattr(ev, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ev.nope  # noqa: B018


def _compare_module():
    spec = importlib.util.spec_from_file_location("compare_reports",
                                                  ROOT / "benchmarks" / "compare_reports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_compare_reports_ignores_stamps_and_finds_differences(tmp_path):
    cmp = _compare_module()
    a, b = tmp_path / "a", tmp_path / "b"
    for root, when, version in ((a, "7 ก.ค. 2566 10:01", "0.1.0"), (b, "30 Nov 2026 11:30", "0.2.0")):
        (root / "V01" / "tables").mkdir(parents=True)
        (root / "V01" / "report.html").write_text(
            f'<meta name="generator" content="evaluation {version}" /><p>{when}</p><td>1,500</td>',
            encoding="utf-8")
        (root / "index.html").write_text(f"<p>สร้างเมื่อ 30/11/2569 {when[-5:]}</p>",
                                         encoding="utf-8")
        (root / "V01" / "tables" / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        (root / "V01" / "report.ipynb").write_text(when, encoding="utf-8")  # not compared
    assert cmp.compare_trees(a, b) == []
    (b / "V01" / "tables" / "t.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    (b / "V01" / "headline.json").write_text("{}", encoding="utf-8")
    problems = cmp.compare_trees(a, b)
    assert len(problems) == 2
    assert problems[0].startswith("V01/headline.json: only in")
    assert problems[1].startswith("V01/tables/t.csv differs") and "first: -1,2" in problems[1]


#: Modules where every error a user can cause is already an EvaluationError subclass
#: (the rest of the package follows module by module).
ONE_FAMILY = ("results.py", "i18n.py", "errors.py", "reporting", "rendering",
              "charts/participants.py", "charts/sections.py", "charts/lessons.py")


def test_no_bare_builtin_errors_in_user_facing_paths():
    """``raise ValueError(...)`` (or TypeError/KeyError) is not allowed: raise an
    EvaluationError subclass that also is that built-in (ArgumentError, ColumnError …)."""
    bad = []
    for path, parts in _modules():
        rel = "/".join(parts) + ".py"
        if not any(rel == m or rel.startswith(m + "/") for m in ONE_FAMILY):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(exc, ast.Name) and exc.id in ("ValueError", "TypeError",
                                                            "KeyError"):
                    # a mapping's __getitem__ must raise a plain KeyError
                    if not (exc.id == "KeyError" and "__getitem__" in rel + ast.unparse(node)):
                        bad.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}")
    allowed = {"rendering/notebook.py"}  # ReportFailure.__getitem__ (mapping protocol)
    bad = [b for b in bad if b.split(":")[0] not in allowed or "KeyError(key)" not in b]
    assert not bad, "\n".join(bad)


def test_require_columns_is_the_one_column_check():
    import pandas as pd

    from evaluation.errors import ArgumentError, ColumnError, EvaluationError, require_columns

    with pytest.raises(ColumnError, match=r"scores lacks column\(s\) \['b'\]") as err:
        require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], what="scores")
    for base in (EvaluationError, KeyError, ValueError, TypeError):
        assert isinstance(err.value, base)
    with pytest.raises(ArgumentError, match="scores must be a pandas DataFrame, got list"):
        require_columns([1], ["a"], what="scores")
    private = [p for p in PKG.rglob("*.py")
               if any(f"def {n}(" in p.read_text(encoding="utf-8")
                      for n in ("_need", "_require")) and "require_columns(" not in
               p.read_text(encoding="utf-8")]
    assert not [p.name for p in private if p.parent.name == "charts"], private


def test_public_function_named_like_its_module_stays_the_function():
    code = ("import evaluation as ev, evaluation.sroi, evaluation.did; "
            "print(callable(ev.sroi), callable(ev.did), type(ev.sroi).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["True", "True", "function"]
