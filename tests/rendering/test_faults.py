"""Batch runs that survive faults (issue 17): stopped (SIGTERM, Ctrl-C, twice),
killed (the batch process and a Dask worker), a hung report, a report that
runs out of memory, a full disk or an unwritable output folder.

Each fault runs `evaluation batch` on a small synthetic program (`evaluation
synth`) with a tiny report notebook (the machinery is under test, not the
report content). Every run carries a unique marker in its environment, which
the workers and kernels inherit; "nothing left running" means no process on
the machine has that marker. Time limits only detect hangs.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from evaluation.rendering import lifecycle as lc

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="process checks read /proc (Linux)")]

ROOT = Path(__file__).resolve().parents[2]
EXE = Path(sys.executable).with_name("evaluation")
HANG = 300          # seconds: a run still going after this is hung (a bug)


# ----------------------------------------------------------------------------- helpers
def tiny_notebook(path: Path) -> Path:
    """A report notebook that writes its headline and sleeps EV_TEST_SLEEP seconds."""
    nb = new_notebook()
    params = new_code_cell("data_dir = ''\nvillage_id = ''\nproject_id = None\nlang = 'th'\n"
                           "out_dir = '.'\nshow_raw_text = False\nchart_formats = 'png'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_code_cell(
        "import json, os, pathlib, time\n"
        "os.makedirs(out_dir, exist_ok=True)\n"
        "pathlib.Path(out_dir, 'headline.json').write_text(json.dumps({'title': village_id}))\n"
        "time.sleep(float(os.environ.get('EV_TEST_SLEEP', '0')))\n"
        "print('village', village_id)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    data = folder / "data"
    subprocess.run([str(EXE), "synth", str(data), "--villages", "6", "--households", "4",
                    "--no-messy"], check=True, capture_output=True, env=_env(), timeout=HANG)
    return data, tiny_notebook(folder / "tiny.ipynb")


def _env(**extra) -> dict:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(ROOT), PYTHAINLP_OFFLINE="1", PYTHAINLP_READ_ONLY="1",
               MPLBACKEND="Agg")
    env.pop(lc.TEST_FAULT_ENV, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Run:
    """`evaluation batch` in a subprocess, tagged with a unique marker."""

    def __init__(self, data, out, notebook, *args, sleep=0.0, fault=None, lang="en"):
        self.marker = uuid.uuid4().hex
        self.out = Path(out)
        extra = {"EV_TEST_SLEEP": sleep, "EV_TEST_RUN": self.marker}
        if fault:
            extra[lc.TEST_FAULT_ENV] = fault
        self.proc = subprocess.Popen(
            [str(EXE), "batch", str(data), "--out", str(out), "--notebook", str(notebook),
             "--no-portfolio", "--no-progress", "--lang", lang, *map(str, args)],
            env=_env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)   # its own process group, as under a scheduler
        self.stdout = self.stderr = ""

    def processes(self) -> list[int]:
        """Pids of every live process whose environment carries this run's marker."""
        needle = f"EV_TEST_RUN={self.marker}".encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    env = fh.read()
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    state = fh.read().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            if needle in env.split(b"\0") and state != b"Z":
                found.append(int(entry))
        return found

    def wait_for(self, condition, what: str, timeout: float = HANG) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                self.finish()
                pytest.fail(f"batch ended (rc {self.proc.returncode}) before {what}:\n"
                            f"{self.stdout}\n{self.stderr}")
            if time.monotonic() > end:
                self.kill()
                pytest.fail(f"hung waiting for {what}")
            time.sleep(0.2)

    def finished_reports(self) -> int:
        return sum(1 for p in self.out.glob("*/report.html"))

    def journal_lines(self) -> int:
        try:
            return len((self.out / "manifest.journal").read_text().splitlines())
        except OSError:
            return 0

    def signal(self, sig) -> None:
        self.proc.send_signal(sig)

    def finish(self, timeout: float = HANG) -> int:
        try:
            self.stdout, self.stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("batch hung")
        return self.proc.returncode

    def wait_gone(self, timeout: float = 20.0) -> list[int]:
        """Processes of the run still alive after `timeout` seconds (none expected)."""
        end = time.monotonic() + timeout
        while self.processes() and time.monotonic() < end:
            time.sleep(0.25)
        return self.processes()

    def kill(self) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def manifest_reports(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]


def assert_consistent(out: Path) -> None:
    """No partial files; the manifest says ok exactly where a report.html exists."""
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".")
                 or p.name.endswith((".old", ".part", ".tmp"))]
    assert leftovers == [], leftovers
    assert not (out / "manifest.journal").exists()       # folded into manifest.json
    reports = manifest_reports(out)
    rendered = {p.parent.name for p in out.glob("*/report.html")}
    ok = {name for name, entry in reports.items() if entry["status"] == "ok"}
    assert ok == rendered


# ----------------------------------------------------------------------------- stop signals
def test_sigterm_finishes_running_reports_and_resumes(program, tmp_path):
    data, nb = program
    out = tmp_path / "out"
    run = Run(data, out, nb, "--workers", "2", "--grace", "120", sleep=4)
    run.wait_for(lambda: run.journal_lines() >= 1, "a first finished report")
    run.signal(signal.SIGTERM)
    rc = run.finish()
    assert rc == lc.EXIT_SIGTERM, run.stderr
    assert run.wait_gone() == []
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("interrupted (SIGTERM):"), run.stdout
    done = run.finished_reports()
    assert 1 <= done < 6
    assert f"{done} of 6 report(s) done" in last
    assert f"{6 - done} not rendered" in last
    # the grace period let the running reports finish: nothing was failed by the stop
    reports = manifest_reports(out)
    assert all(e["status"] == "ok" for e in reports.values())
    assert not (out / "manifest.journal").exists()      # folded into manifest.json
    assert_consistent(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("ev-status-interrupted") == 6 - done
    # resume: only what is missing is rendered
    again = Run(data, out, nb, "--workers", "2")
    assert again.finish() == 0, again.stderr
    assert f"{6 - done} ok, {done} skipped" in again.stdout
    assert "interrupted" not in (out / "index.html").read_text(encoding="utf-8")
    assert again.wait_gone() == []


def test_second_ctrl_c_stops_at_once(program, tmp_path):
    data, nb = program
    out = tmp_path / "out"
    run = Run(data, out, nb, "--workers", "2", sleep=HANG, lang="th")
    run.wait_for(lambda: len(run.processes()) >= 5, "two workers with their kernels")
    run.signal(signal.SIGINT)
    time.sleep(1.0)
    run.signal(signal.SIGINT)
    rc = run.finish()
    assert rc == lc.EXIT_SIGINT, run.stderr
    assert run.wait_gone() == []
    assert run.stdout.strip().splitlines()[-1].startswith("interrupted (SIGINT): 0 of 6")
    assert run.finished_reports() == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("ev-status-interrupted") == 6
    assert "ยังไม่ได้สร้าง (หยุดกลางคัน)" in index
    assert_consistent(out)


def test_grace_period_over_abandons_running_reports(program, tmp_path):
    data, nb = program
    out = tmp_path / "out"
    run = Run(data, out, nb, "--workers", "1", "--grace", "2", sleep=HANG)
    run.wait_for(lambda: len(run.processes()) >= 2, "the kernel")
    run.wait_for(lambda: (out / ".staging").is_dir(), "a running report")
    run.signal(signal.SIGINT)
    assert run.finish() == lc.EXIT_SIGINT, run.stderr
    assert run.wait_gone() == []
    assert not (out / ".staging").exists()   # the abandoned report's staging folder is gone
    assert_consistent(out)


# ----------------------------------------------------------------------------- parent death
def test_killed_batch_leaves_no_process_and_resumes_exactly(program, tmp_path):
    data, nb = program
    out = tmp_path / "out"
    run = Run(data, out, nb, "--workers", "2", sleep=3)
    run.wait_for(lambda: run.journal_lines() >= 2, "two finished reports")
    journalled = run.journal_lines()
    assert len(run.processes()) >= 5                 # batch, 2 workers, 2 kernels
    os.kill(run.proc.pid, signal.SIGKILL)
    run.finish()
    assert run.wait_gone(timeout=15) == []           # workers and kernels went by themselves
    lines = (out / "manifest.journal").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= journalled
    done = {json.loads(line)["name"] for line in lines}
    assert done <= {p.parent.name for p in out.glob("*/report.html")}
    again = Run(data, out, nb, "--workers", "2")
    assert again.finish() == 0, again.stderr
    assert f"{len(done)} skipped" in again.stdout
    assert not (out / "manifest.journal").exists()
    assert_consistent(out)
    assert again.wait_gone() == []


# ----------------------------------------------------------------------------- hung, memory
@pytest.fixture(scope="module")
def faulty_run(program, tmp_path_factory):
    """One run where V02 hangs and V04 allocates memory without end."""
    data, nb = program
    out = tmp_path_factory.mktemp("faulty") / "out"
    run = Run(data, out, nb, "--workers", "1", "--report-timeout", "40",
              "--kernel-memory", "4G", fault="hang:V02,memory:V04")
    rc = run.finish()
    return run, rc


def test_hung_report_is_stopped_and_the_run_goes_on(faulty_run):
    run, rc = faulty_run
    assert rc == 1, run.stderr
    reports = manifest_reports(run.out)
    assert reports["V02"]["status"] == "failed"
    assert reports["V02"]["error"]["ename"] == "ReportTimeout"
    assert "40 s" in reports["V02"]["error"]["evalue"]
    assert "FAILED V02: " in run.stdout and "ReportTimeout" in run.stdout
    assert {n for n, e in reports.items() if e["status"] == "ok"} == {"V01", "V03", "V05",
                                                                      "V06"}
    assert (run.out / "V02" / "error.json").is_file()
    assert not (run.out / "V02" / "report.html").exists()
    assert run.wait_gone() == []


def test_out_of_memory_report_is_isolated(faulty_run):
    run, rc = faulty_run
    reports = manifest_reports(run.out)
    assert reports["V04"]["status"] == "failed"
    assert reports["V04"]["error"]["ename"] == "MemoryError"
    assert "out of memory" in reports["V04"]["error"]["evalue"]
    assert "FAILED V04: " in run.stdout and "out of memory" in run.stdout
    index = (run.out / "index.html").read_text(encoding="utf-8")
    assert "out of memory" in index
    assert_consistent(run.out)


def test_kernel_memory_below_rest_is_a_clear_error(program, tmp_path):
    data, nb = program
    run = Run(data, tmp_path / "out", nb, "--workers", "1", "--kernel-memory", "100M",
              "--only", "V01")
    rc = run.finish()
    assert rc == 1
    assert "100M" in run.stdout or "0.1 GB" in run.stdout, run.stdout
    assert run.wait_gone() == []


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="kernel memory"):
        lc.parse_memory("lots")
    with pytest.raises(ValueError, match="kernel memory"):
        lc.parse_memory("-1G")
    assert lc.parse_memory("2.5G") == int(2.5 * 2**30)


# ----------------------------------------------------------------------------- disk faults
def test_disk_full_stops_with_a_clear_error(program, tmp_path, monkeypatch):
    """A writer patched to raise ENOSPC for V03's page (in-process, one worker)."""
    from typer.testing import CliRunner

    from evaluation.cli import app
    from evaluation.rendering import notebook as nbmod

    data, nb = program
    out = tmp_path / "out"
    real = nbmod.atomic_write_text

    def full_disk(path, text, **kw):
        if Path(path).name == "report.html" and "V03" in str(path):
            tmp = Path(path).with_name(".report.html.tmp-partial")
            tmp.write_text(text[:100])       # the half-written temporary file of a full disk
            tmp.unlink()
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text, **kw)

    monkeypatch.setattr(nbmod, "atomic_write_text", full_disk)
    monkeypatch.setenv("EV_TEST_SLEEP", "0")
    result = CliRunner().invoke(app, ["batch", str(data), "--out", str(out), "--workers", "1",
                                      "--notebook", str(nb), "--no-portfolio", "--no-progress",
                                      "--lang", "en"])
    assert result.exit_code == 74, result.output
    assert "no space left on the device (ENOSPC)" in result.output
    assert "V03" in result.output and "report.html" in result.output
    assert not (out / "V03").exists()
    assert not (out / ".staging").exists()
    assert_consistent(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("not rendered") >= 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(program, tmp_path):
    data, nb = program
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        run = Run(data, out, nb, "--workers", "1")
        assert run.finish() == 74
        assert str(out) in run.stderr + run.stdout
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


# ----------------------------------------------------------------------------- Dask
def test_dask_lost_worker_villages_are_retried(program, tmp_path):
    data, nb = program
    out = tmp_path / "out"
    marker = tmp_path / "killed-once"
    run = Run(data, out, nb, "--engine", "dask", "--workers", "2", sleep=1,
              fault=f"kill-worker:V02:{marker}")
    rc = run.finish()
    assert marker.exists()                     # a worker was killed mid-report
    assert rc == 0, run.stdout + run.stderr
    assert "6 ok" in run.stdout
    assert_consistent(out)
    assert run.wait_gone() == []


@pytest.fixture()
def dask_cluster(tmp_path):
    """A scheduler and two workers in their own sessions (a cluster the batch does not own)."""
    marker = uuid.uuid4().hex
    env = _env(EV_TEST_RUN=marker, EV_TEST_SLEEP=HANG)
    file = tmp_path / "scheduler.json"
    bindir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--scheduler-file", str(file),
                               "--port", "0", "--no-dashboard"], env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    end = time.monotonic() + 60
    while not file.exists() and time.monotonic() < end:
        time.sleep(0.2)
    procs.append(subprocess.Popen([str(bindir / "dask"), "worker", "--scheduler-file", str(file),
                                   "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                                  env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL))
    address = json.loads(file.read_text())["address"]
    yield address
    for p in procs:
        os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def test_dask_ctrl_c_cancels_futures_and_leaves_the_cluster_usable(program, tmp_path,
                                                                    dask_cluster):
    from distributed import Client

    data, nb = program
    out = tmp_path / "out"
    run = Run(data, out, nb, "--scheduler", dask_cluster, sleep=HANG)
    with Client(dask_cluster, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)

        def processing(dask_scheduler=None):
            return sum(len(ws.processing) for ws in dask_scheduler.workers.values())

        run.wait_for(lambda: client.run_on_scheduler(processing) >= 2, "reports handed out")
        # both kernels are running a report (the tiny notebook wrote its headline)
        run.wait_for(lambda: len(list(out.glob(".staging/*/headline.json"))) >= 2,
                     "reports running in their kernels")
        run.signal(signal.SIGINT)
        time.sleep(1.0)
        run.signal(signal.SIGINT)
        assert run.finish() == lc.EXIT_SIGINT, run.stderr
        assert run.stdout.strip().splitlines()[-1].startswith("interrupted (SIGINT)")

        def tasks(dask_scheduler=None):
            return len(dask_scheduler.tasks)

        end = time.monotonic() + 60
        while client.run_on_scheduler(tasks) and time.monotonic() < end:
            time.sleep(0.5)
        assert client.run_on_scheduler(tasks) == 0            # no outstanding futures
        assert len(client.scheduler_info()["workers"]) == 2   # the cluster is still there
        # the workers are free again: the stopped reports' threads ended
        assert client.submit(sum, [1, 2, 3], pure=False).result(timeout=120) == 6
    assert run.wait_gone() == []   # the batch's own process is gone (the cluster is not its)
    assert_consistent(out)
