"""run_batch from a plain script: a missing ``__main__`` guard is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evaluation.mainguard import GUARD_EXAMPLE, check_main_guard

ROOT = Path(__file__).resolve().parent.parent


def run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    script = tmp_path / "make_reports.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


def test_run_batch_at_top_level_without_guard_says_what_to_add(tmp_path, sample_dir):
    result = run_script(tmp_path, f"""\
        import evaluation as ev

        ev.run_batch({str(sample_dir)!r}, "reports", workers=2, progress=False)
        """)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()
    assert any(line.startswith("evaluation.mainguard.MainGuardError: run_batch() starts "
                               "worker processes") for line in last), result.stderr
    assert "line 3 of" in result.stderr and "make_reports.py" in result.stderr
    assert GUARD_EXAMPLE in result.stderr
    assert "BrokenProcessPool" in result.stderr  # named as what would happen, not raised
    assert not (tmp_path / "reports").exists()  # found before anything was started


@pytest.mark.parametrize("body, fails", [
    # Through a function called from the top level: still unguarded.
    ("""\
     from evaluation.mainguard import check_main_guard

     def main():
         check_main_guard()

     main()
     print("ran")
     """, True),
    ("""\
     from evaluation.mainguard import check_main_guard

     if __name__ == "__main__":
         check_main_guard()
         print("ran")
     """, False),
    ("""\
     from evaluation.mainguard import check_main_guard

     def main():
         check_main_guard()

     if "__main__" == __name__:
         main()
         print("ran")
     """, False),
])
def test_guard_detection(tmp_path, body, fails):
    result = run_script(tmp_path, body)
    assert (result.returncode != 0) == fails, result.stderr
    assert ("MainGuardError" in result.stderr) == fails
    assert ("ran" in result.stdout) != fails


def test_not_a_script_is_fine():
    # pytest (like a notebook or `python -c`) runs us from a function, never from a
    # script's top level.
    check_main_guard()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", "from evaluation.mainguard import "
                             "check_main_guard; check_main_guard(); print('ok')"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr
