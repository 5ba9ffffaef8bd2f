"""Every fenced ``bash`` and ``python`` block of README.md and docs/*.md runs on the
sample, as written, so the documentation cannot drift from the code.

How blocks run
--------------
* One test per document; its blocks run in order, in a fresh folder that holds
  links to the repository's ``data/``, ``notebooks/``, ``benchmarks/`` and
  ``.venv/`` (so ``data/sample`` and ``.venv/bin/evaluation`` work as they do
  from the repository root, and whatever a block writes lands in the folder).
* ``python`` blocks share one namespace per document (a later block may use
  what an earlier one defined). A block written as a doctest (``>>>`` lines) is
  run as a doctest: its printed results must match.
* ``bash`` blocks run line by line with ``bash -e``; ``.venv/bin`` is *not* on
  the PATH (commands must say ``.venv/bin/evaluation``, ``.venv/bin/python``).
* A block that must not run (it sets up the machine, needs your own files, a
  cluster, or takes minutes) is marked with an HTML comment on the line just
  before its opening fence, saying why::

      <!-- skip-test: renders every village (minutes); tests/test_batch.py covers it -->
      ```bash
      .venv/bin/evaluation batch data/sample --out reports
      ```

  The comment is invisible on GitHub and in rendered Markdown. A block without
  it must run.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINKED = ("data", "notebooks", "benchmarks", ".venv", "docs")
FENCE = re.compile(r"^```(bash|python)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
SKIP = re.compile(r"<!--\s*skip-test:\s*(.+?)\s*-->")


def blocks(path: Path) -> list[dict]:
    """Fenced bash/python blocks of a Markdown file: language, code, line, skip reason."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").splitlines()
        marker = SKIP.search(before[-1]) if before else None
        out.append({"lang": m.group(1), "code": m.group(2),
                    "line": text[:m.start()].count("\n") + 1,
                    "skip": marker.group(1) if marker else None})
    return out


def test_skip_markers_give_a_reason():
    for path in DOCS:
        for b in blocks(path):
            if b["skip"] is not None:
                assert len(b["skip"]) >= 10, f"{path.name}:{b['line']}: say why it is skipped"


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    work.mkdir()
    for name in LINKED:
        if (ROOT / name).exists():
            (work / name).symlink_to(ROOT / name, target_is_directory=True)
    return work


def _env() -> dict:
    env = dict(os.environ)
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if Path(p).resolve() != Path(venv_bin).resolve()
                                  and Path(p) != Path(sys.executable).parent)
    env["PYTHONPATH"] = str(ROOT)
    env.update(PYTHAINLP_OFFLINE="1", PYTHAINLP_READ_ONLY="1", MPLBACKEND="Agg")
    return env


def _run_bash(code: str, where: str, work: Path) -> None:
    for line in code.splitlines():
        command = line.strip()
        if not command or command.startswith("#"):
            continue
        run = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], cwd=work,
                             env=_env(), capture_output=True, text=True, timeout=1800)
        assert run.returncode == 0, (f"{where}: `{command}` exited {run.returncode}\n"
                                     f"{run.stdout[-2000:]}\n{run.stderr[-3000:]}")


def _run_python(code: str, where: str, namespace: dict) -> None:
    if code.lstrip().startswith(">>>"):
        parser = doctest.DocTestParser()
        test = parser.get_doctest(code, namespace, where, where, 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS
                                       | doctest.NORMALIZE_WHITESPACE)
        out: list[str] = []
        runner.run(test, out=out.append, clear_globs=False)
        namespace.update(test.globs)  # DocTest works on a copy: keep what it defined
        assert runner.failures == 0, f"{where}: doctest failed\n" + "".join(out)
        return
    try:
        exec(compile(code, where, "exec"), namespace)  # noqa: S102 (our own docs)
    except Exception as exc:  # noqa: BLE001 - report which block and why
        raise AssertionError(f"{where}: {type(exc).__name__}: {exc}") from exc


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_doc_blocks_run(doc, tmp_path, monkeypatch):
    todo = [b for b in blocks(doc) if b["skip"] is None]
    if not todo:
        pytest.skip(f"{doc.name}: no runnable bash/python block")
    work = _workdir(tmp_path)
    monkeypatch.chdir(work)
    for key, value in (("PYTHAINLP_OFFLINE", "1"), ("PYTHAINLP_READ_ONLY", "1"),
                       ("MPLBACKEND", "Agg")):
        monkeypatch.setenv(key, value)
    namespace: dict = {"__name__": "__main__"}
    for b in todo:
        where = f"{doc.relative_to(ROOT)}:{b['line']}"
        if b["lang"] == "bash":
            _run_bash(b["code"], where, work)
        else:
            _run_python(b["code"], where, namespace)
