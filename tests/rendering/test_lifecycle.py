"""Tests of evaluation.rendering.lifecycle: stop signals, parent death, the
manifest journal, output errors, memory sizes and the test-fault hook."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from evaluation.errors import EvaluationError
from evaluation.rendering import lifecycle as lc


# ----------------------------------------------------------------------------- journal
def test_journal_appends_replays_and_compacts(tmp_path):
    path = tmp_path / "manifest.journal"
    with lc.Journal(path) as journal:
        journal.append("V01", {"status": "ok", "key": "a"})
        journal.append("V02", {"status": "failed", "key": "b"})
        journal.append("V01", {"status": "ok", "key": "c"})   # a later line wins
    manifest = lc.Journal(path).replay({"reports": {"V09": {"status": "ok"}}})
    assert manifest["reports"] == {"V09": {"status": "ok"}, "V01": {"status": "ok", "key": "c"},
                                   "V02": {"status": "failed", "key": "b"}}
    written = []
    lc.Journal(path).compact(lambda: written.append(True))
    assert written == [True] and not path.exists()


def test_journal_ignores_a_line_torn_by_a_crash(tmp_path):
    path = tmp_path / "manifest.journal"
    path.write_bytes(b'{"name": "V01", "entry": {"status": "ok"}}\n{"name": "V02", "ent')
    with lc.Journal(path) as journal:          # the next run appends after the torn line
        journal.append("V03", {"status": "ok"})
    reports = lc.Journal(path).replay({})["reports"]
    assert sorted(reports) == ["V01", "V03"]
    assert path.read_bytes().count(b"\n") == 3


def test_journal_kept_when_the_manifest_cannot_be_written(tmp_path):
    path = tmp_path / "manifest.journal"
    with lc.Journal(path) as journal:
        journal.append("V01", {"status": "ok"})

    def full():
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "manifest.json"))

    with pytest.raises(OSError):
        lc.Journal(path).compact(full)
    assert json.loads(path.read_text())["name"] == "V01"


def test_journal_missing_is_empty(tmp_path):
    assert lc.Journal(tmp_path / "none").replay({"reports": {}}) == {"reports": {}}


# ----------------------------------------------------------------------------- stop signals
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stop_signals_graceful_then_immediate(sig, code):
    said = []
    with lc.StopSignals(grace=60, announce=said.append) as stop:
        assert not stop.stopping and stop.exit_code == 0
        os.kill(os.getpid(), sig)
        time.sleep(0.05)
        assert stop.stopping and not stop.past_deadline()
        assert stop.exit_code == code and stop.signal_name == signal.Signals(sig).name
        os.kill(os.getpid(), signal.SIGINT)           # the second one: stop now
        time.sleep(0.05)
        assert stop.immediate and stop.past_deadline()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # restored
    assert "again" in said[0] and "now" in said[1]


def test_stop_signals_grace_zero_is_past_deadline_at_once():
    with lc.StopSignals(grace=0, announce=lambda _: None) as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert stop.past_deadline() and not stop.immediate


def test_stop_abort_without_a_signal():
    stop = lc.StopSignals(5)
    stop.abort()
    assert stop.stopping and stop.past_deadline() and stop.exit_code == 0


@pytest.mark.parametrize("grace", [-1, None, float("nan")])
def test_bad_grace_is_refused(grace):
    with pytest.raises(ValueError, match="grace"):
        lc.StopSignals(grace)


# ----------------------------------------------------------------------------- parent death
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux parent-death signal")
@pytest.mark.parametrize("death_signal", [True, False])
def test_child_exits_when_its_parent_is_killed(tmp_path, death_signal):
    """parent -> child (guarded); SIGKILL the parent; the child must go by itself."""
    pidfile = tmp_path / "child.pid"
    child = textwrap.dedent(f"""
        import time, pathlib
        from evaluation.rendering.lifecycle import guard_child
        guard_child(death_signal={death_signal})
        pathlib.Path({str(pidfile)!r}).write_text(str(__import__('os').getpid()))
        time.sleep(120)
    """)
    parent = textwrap.dedent(f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", {child!r}])
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", parent], start_new_session=True)
    try:
        end = time.monotonic() + 60
        while not pidfile.exists() and time.monotonic() < end:
            time.sleep(0.1)
        child_pid = int(pidfile.read_text())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        end = time.monotonic() + 10
        while _alive(child_pid) and time.monotonic() < end:
            time.sleep(0.1)
        assert not _alive(child_pid)
    finally:
        proc.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


# ----------------------------------------------------------------------------- output errors
@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "no space left on the device (ENOSPC)"),
                                         (errno.EROFS, "read-only file system (EROFS)"),
                                         (errno.EACCES, "permission denied (EACCES)")])
def test_output_errors_are_recognised_and_named(code, words):
    exc = OSError(code, os.strerror(code), "/out/V03/report.html")
    assert lc.output_error(exc) is exc
    assert lc.describe_output_error(exc) == f"cannot write /out/V03/report.html: {words}"
    try:
        try:
            raise exc
        except OSError as inner:
            raise RuntimeError("writing failed") from inner
    except RuntimeError as outer:
        assert lc.output_error(outer) is exc


def test_other_errors_are_not_output_errors():
    assert lc.output_error(OSError(errno.ENOENT, "No such file")) is None
    assert lc.output_error(ValueError("x")) is None


def test_output_write_error_is_an_evaluation_error_and_an_oserror():
    err = lc.OutputWriteError("cannot write /x: no space", also=["cannot write /x/index.html"])
    assert isinstance(err, EvaluationError) and isinstance(err, OSError)
    assert str(err) == "cannot write /x: no space; cannot write /x/index.html"


# ----------------------------------------------------------------------------- memory
@pytest.mark.parametrize("text, expected", [("4G", 4 * 2**30), ("1500M", 1500 * 2**20),
                                            ("2.5GB", int(2.5 * 2**30)), ("512 MiB", 512 * 2**20),
                                            (3 * 2**30, 3 * 2**30), (None, None)])
def test_parse_memory(text, expected):
    assert lc.parse_memory(text) == expected


@pytest.mark.parametrize("text", ["lots", "-1G", "0", "4X", True])
def test_parse_memory_refuses(text):
    with pytest.raises(ValueError, match="kernel memory must be a size"):
        lc.parse_memory(text)


def test_memory_limit_below_what_is_in_use_is_refused():
    code = ("from evaluation.rendering.lifecycle import set_memory_limit\n"
            "try:\n    set_memory_limit(1 << 20)\nexcept MemoryError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    assert "at rest" in out and "0.0 GB" in out


def test_memory_limit_turns_a_runaway_allocation_into_memory_error():
    code = ("import resource\nfrom evaluation.rendering import lifecycle as lc\n"
            "cap = lc._address_space() + (256 << 20)\nlc.set_memory_limit(cap)\n"
            "print(resource.getrlimit(resource.RLIMIT_AS)[0] == cap)\n"
            "small = bytearray(64 << 20)\n"
            "try:\n    b = bytearray(1 << 30)\nexcept MemoryError:\n    print('MemoryError')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert run.stdout.split() == ["True", "MemoryError"], run.stderr


# ----------------------------------------------------------------------------- test hook
def test_fault_hook_only_for_the_named_village(monkeypatch, tmp_path):
    monkeypatch.setenv(lc.TEST_FAULT_ENV, "hang:V02,memory:V04")
    assert lc.test_fault_cell({"village_id": "V01"}) is None
    assert "while True" in lc.test_fault_cell({"village_id": "V02"})
    assert "numpy.empty" in lc.test_fault_cell({"village_id": "V04"})
    marker = tmp_path / "once"
    monkeypatch.setenv(lc.TEST_FAULT_ENV, f"kill-worker:V01:{marker}")
    assert "SIGKILL" in lc.test_fault_cell({"village_id": "V01"})
    assert lc.test_fault_cell({"village_id": "V01"}) is None      # once
    monkeypatch.delenv(lc.TEST_FAULT_ENV)
    assert lc.test_fault_cell({"village_id": "V02"}) is None
