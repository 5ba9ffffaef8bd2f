"""The package works when installed from its wheel, outside the repository.

* the report notebooks are package data, and the top-level ``notebooks/`` copies
  users open are the same files (links to the packaged ones);
* the wheel holds the notebooks, templates, reference data and instruments;
* installed into a fresh virtual environment (dependencies from the shared
  one, nothing downloaded), ``evaluation report`` renders a village from
  another directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORT_NOTEBOOKS = ("village_report.ipynb", "village_card.ipynb", "portfolio_report.ipynb")


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_top_level_notebooks_are_the_packaged_ones(name):
    """One source of truth: notebooks/<name> is a link to evaluation/notebooks/<name>."""
    user_copy = ROOT / "notebooks" / name
    packaged = ROOT / "evaluation" / "notebooks" / name
    assert packaged.is_file() and not packaged.is_symlink()
    assert user_copy.is_symlink(), f"{user_copy} should link to {packaged}"
    assert user_copy.resolve() == packaged.resolve()


def test_default_notebooks_are_the_packaged_ones():
    from evaluation.rendering.notebook import NOTEBOOKS_DIR, default_notebook

    for kind, name in zip(("village", "card", "portfolio"), REPORT_NOTEBOOKS):
        assert default_notebook(kind) == NOTEBOOKS_DIR / name


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src") / "evaluation-src"
    # build from a clean copy (no reports/, .venv, caches), as from a source archive
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "reports", "__pycache__", "*.egg-info", "build", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q",
                    "-w", str(out)], check=True, capture_output=True, text=True)
    (path,) = out.glob("evaluation-*.whl")
    return path


@pytest.mark.slow
def test_wheel_holds_notebooks_templates_data_and_instruments(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [f"evaluation/notebooks/{n}" for n in REPORT_NOTEBOOKS] + [
        "evaluation/templates/report.html.j2", "evaluation/templates/report.css",
        "evaluation/templates/index.html.j2", "evaluation/templates/index.js",
        "evaluation/data/codebook.yaml", "evaluation/data/cpi.csv",
        "evaluation/data/poverty_lines.csv", "evaluation/instruments/tmhi15.yaml",
        "evaluation/instruments/who5.yaml", "evaluation/rendering/engine.py"]
    missing = [n for n in expected if n not in names]
    assert not missing, missing
    assert not [n for n in names if n.startswith(("tests/", "data/sample", "notebooks/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[papermill.engine]" in text
    assert "evaluation-warm = evaluation.rendering.engine:WarmKernelEngine" in text


@pytest.mark.slow
def test_installed_wheel_renders_a_report_from_another_directory(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    fresh = Path(subprocess.run([str(py), "-c", "import sysconfig; "
                                 "print(sysconfig.get_paths()['purelib'])"],
                                capture_output=True, text=True, check=True).stdout.strip())
    # dependencies come from the test's environment (its site-packages appended after
    # the fresh one, so the wheel's copy of `evaluation` wins; nothing is downloaded)
    (fresh / "_shared_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "JUPYTER_PATH", "VIRTUAL_ENV", "EVALUATION_NOTEBOOKS")}
    env.update(PYTHAINLP_OFFLINE="1", PYTHAINLP_READ_ONLY="1", MPLBACKEND="Agg")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                    "-q", str(wheel)], check=True, env=env, capture_output=True, text=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([str(py), "-c", "import evaluation, evaluation.rendering.notebook as n;"
                            "print(evaluation.__file__); print(n.default_notebook('village'))"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    module_file, notebook = where.stdout.split()
    assert module_file.startswith(str(fresh)) and notebook.startswith(str(fresh))
    data = shutil.copytree(ROOT / "data" / "sample", tmp_path / "program")
    run = subprocess.run([str(venv / "bin" / "evaluation"), "report", str(data), "--village",
                          "V01", "--out", "out", "--report", "card"],
                         cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    page = (work / "out" / "V01" / "report.html").read_text(encoding="utf-8")
    assert "บัตรสรุปผลการประเมิน" in page and (work / "out" / "V01" / "headline.json").is_file()
