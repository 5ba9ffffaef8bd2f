"""Batch runs that survive faults: stop signals, parent death, the manifest journal.

Never imported by the notebooks. What a long batch run needs so that it can
be stopped, killed or starved of disk and leave nothing running and nothing
half-done:

* :class:`StopSignals` turns SIGINT (Ctrl-C) and SIGTERM (cron, systemd,
  cluster schedulers) into a graceful stop: the run stops handing out
  villages, lets running reports finish for ``grace`` seconds, then shuts
  its workers and kernels down; a second signal stops at once. Exit codes
  follow the shell convention (:data:`EXIT_SIGINT` 130, :data:`EXIT_SIGTERM`
  143).
* :func:`guard_child` makes a worker process or a kernel exit by itself
  when the process that started it dies without cleaning up (SIGKILL, the
  out-of-memory killer, a closed SSH session): Linux's parent-death signal
  (``prctl(PR_SET_PDEATHSIG)``) where it is safe, and always a watchdog
  thread on the parent's pid.
* :class:`Journal` appends one line per finished report to
  ``manifest.journal`` (flushed and synced), so a re-run after any
  interruption renders only what is missing or changed; the journal is folded
  into ``manifest.json`` (atomically) when the run ends. Appending a line
  costs the same at the 75,000th village as at the first.
* :func:`output_error` recognises a full disk or an unwritable output folder
  (ENOSPC, EROFS, EDQUOT, EACCES), which stops the run with a clear message
  instead of failing every remaining report the same way.
* :func:`test_fault_cell`: a test-only hook (environment variable
  ``EVALUATION_TEST_FAULT``) that makes one village's report hang, allocate
  memory without end, or kill its worker, so the tests can provoke each
  fault on a small synthetic program.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from ..errors import EvaluationError

__all__ = ["EXIT_SIGINT", "EXIT_SIGTERM", "Journal", "OutputWriteError", "StopSignals",
           "guard_child",
           "output_error", "parse_memory", "set_memory_limit", "test_fault_cell"]

#: Exit code of a run stopped by SIGINT (Ctrl-C): 128 + 2.
EXIT_SIGINT = 128 + signal.SIGINT
#: Exit code of a run stopped by SIGTERM: 128 + 15.
EXIT_SIGTERM = 128 + signal.SIGTERM
#: Exit code of a worker or kernel whose parent process disappeared.
EXIT_ORPHANED = 70

PR_SET_PDEATHSIG = 1


# =========================================================================== parent death
def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send `sig` to this process when its parent thread exits.

    Returns False where ``prctl`` is not available (not Linux). The signal is
    tied to the *thread* that started this process, so only call it in a
    process started from its parent's main thread (or a thread that lives as
    long as the process it started).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's pid now
        return True
    return True


def watch_parent(parent_pid: int, *, interval: float = 0.5, on_death=None,
                 name: str = "evaluation-parent-watchdog") -> threading.Thread:
    """Start a daemon thread that ends this process when `parent_pid` is gone.

    The parent is gone when this process was re-parented (``os.getppid()``
    changed) or when `parent_pid` no longer exists (a Dask worker watches the
    batch process, which is its grandparent). `on_death` runs first (best
    effort, e.g. to stop a kernel); then ``os._exit(70)``.
    """
    direct = parent_pid == os.getppid()

    def run():
        while True:
            time.sleep(interval)
            gone = os.getppid() != parent_pid if direct else not _pid_alive(parent_pid)
            if not gone:
                continue
            try:
                if on_death is not None:
                    on_death()
            finally:
                os._exit(EXIT_ORPHANED)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def guard_child(parent_pid: int | None = None, *, death_signal: bool = True,
                ignore_sigint: bool = False, on_death=None) -> None:
    """Make this process (a worker or a kernel) exit when its parent dies.

    Parameters
    ----------
    parent_pid : int, optional
        The process to outlive by at most a second (default: the parent).
    death_signal : bool, default True
        Also set the Linux parent-death signal (SIGKILL): immediate, and it
        works while Python is stuck in C code. Only when this process was
        started from its parent's main thread (see
        :func:`set_parent_death_signal`).
    ignore_sigint : bool, default False
        Ignore SIGINT: Ctrl-C in a terminal reaches the whole process group,
        and the batch process decides how a run stops.
    on_death : callable, optional
        Run by the watchdog before this process exits.
    """
    parent = os.getppid() if parent_pid is None else int(parent_pid)
    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if death_signal and parent == os.getppid():
        set_parent_death_signal(signal.SIGKILL)
    if not _pid_alive(parent) or (parent_pid is None and os.getppid() == 1):
        os._exit(EXIT_ORPHANED)   # the parent died before we got here
    watch_parent(parent, on_death=on_death)


# =========================================================================== memory
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40}


def parse_memory(value) -> int | None:
    """Bytes from ``"4G"``, ``"1500M"``, ``"2.5GB"`` or a number of bytes.

    Examples
    --------
    >>> parse_memory("4G")
    4294967296
    >>> parse_memory("1500m")
    1572864000
    >>> parse_memory(None) is None
    True
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = float(value), ""
    else:
        text = str(value).strip().lower().replace(" ", "").removesuffix("ib")
        digits = text.rstrip("kmgtb")
        unit = text[len(digits):]
        try:
            number = float(digits)
        except ValueError:
            number, unit = -1.0, "?"
    if unit not in _UNITS or not number > 0:
        from ..errors import ArgumentError

        raise ArgumentError(f"kernel memory must be a size such as 4G or 1500M, got {value!r}")
    return int(number * _UNITS[unit])


def set_memory_limit(limit: int | None) -> None:
    """Cap this process's address space at `limit` bytes (``RLIMIT_AS``).

    Run inside a report kernel: an allocation beyond the cap raises
    ``MemoryError`` in the report instead of pushing the machine into the
    out-of-memory killer. Raises ``MemoryError`` when the kernel already
    uses more than `limit` at rest.
    """
    if not limit:
        return
    import resource

    used = _address_space()
    if used and used >= limit:
        raise MemoryError(f"the kernel already uses {used / 2**30:.1f} GB of address space at "
                          f"rest; a cap of {limit / 2**30:.1f} GB leaves nothing for a report")
    resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return 0


# =========================================================================== stop signals
class StopSignals:
    """SIGINT/SIGTERM handling of a batch run (a context manager).

    The first signal asks for a graceful stop (:attr:`stopping`; running
    reports may finish until :attr:`deadline`); a second one asks to stop at
    once (:attr:`immediate`). The handlers only set flags: the run loop polls
    them. Outside the main thread (where Python cannot install handlers) it
    does nothing.

    Parameters
    ----------
    grace : float, default 30
        Seconds running reports may take to finish after the first signal.
    announce : callable, optional
        Receives one line of text for the operator (default: stderr).
    """

    def __init__(self, grace: float = 30.0, *, announce=None):
        if grace is None or not grace >= 0:
            from ..errors import ArgumentError

            raise ArgumentError(f"grace must be a number of seconds >= 0, got {grace!r}")
        self.grace = float(grace)
        self.signal: int | None = None
        self.deadline: float | None = None
        self.immediate = False
        self._announce = announce or (lambda text: print(text, file=sys.stderr, flush=True))
        self._previous: dict[int, object] = {}

    @property
    def exit_code(self) -> int:
        """130 after SIGINT, 143 after SIGTERM, 0 when no signal came."""
        return 0 if self.signal is None else 128 + int(self.signal)

    @property
    def signal_name(self) -> str:
        return "" if self.signal is None else signal.Signals(self.signal).name

    def abort(self) -> None:
        """Stop at once without a signal (the output disk is full)."""
        self.immediate = True
        if self.deadline is None:
            self.deadline = time.monotonic()

    @property
    def stopping(self) -> bool:
        return self.signal is not None or self.immediate

    def past_deadline(self) -> bool:
        return self.immediate or (self.deadline is not None and time.monotonic() >= self.deadline)

    def _handle(self, signum, frame) -> None:
        if self.signal is None:
            self.signal = signum
            self.deadline = time.monotonic() + self.grace
            self._announce(f"{signal.Signals(signum).name}: stopping; running reports may "
                           f"finish for {self.grace:g} s (press Ctrl-C again to stop at once)")
        else:
            self.immediate = True
            self._announce(f"{signal.Signals(signum).name}: stopping now")

    def __enter__(self) -> "StopSignals":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


# =========================================================================== journal
class Journal:
    """Append-only record of finished reports next to ``manifest.json``.

    One JSON object per line, ``{"name": ..., "entry": {...}}``, flushed and
    synced after every report; :meth:`replay` applies the lines of an
    interrupted run to a manifest (a torn last line is ignored) and
    :meth:`compact` writes the manifest atomically and removes the journal.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with Journal(folder / "manifest.journal") as j:
    ...     j.append("V01", {"status": "ok", "key": "abc"})
    >>> Journal(folder / "manifest.journal").replay({"reports": {}})["reports"]["V01"]["key"]
    'abc'
    """

    def __init__(self, path):
        self.path = Path(path)
        self._fh = None

    def replay(self, manifest: dict) -> dict:
        """Apply the journal's lines to `manifest` (in place) and return it."""
        try:
            raw = self.path.read_bytes()
        except OSError:
            return manifest
        reports = manifest.setdefault("reports", {})
        for line in raw.splitlines():
            try:
                item = json.loads(line)
                reports[str(item["name"])] = dict(item["entry"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash
        return manifest

    def append(self, name: str, entry: dict) -> None:
        """Record one finished report (durable when this returns)."""
        if self._fh is None:
            self._fh = open(self.path, "ab")
            if self._fh.tell() and not self._ends_with_newline():
                self._fh.write(b"\n")   # a torn line from a crash stays on its own line
        line = json.dumps({"name": name, "entry": entry}, ensure_ascii=False,
                          separators=(",", ":"), default=str)
        self._fh.write(line.encode("utf-8") + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            finally:
                self._fh = None

    def compact(self, write_manifest) -> None:
        """Write the manifest with `write_manifest()`, then remove the journal.

        When writing fails (a full disk) the journal stays: the next run
        replays it.
        """
        self.close()
        write_manifest()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# =========================================================================== output errors
#: errno values that mean "the output cannot be written": stop the run.
OUTPUT_ERRNOS = frozenset(e for e in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES,
                                      errno.EPERM) if e is not None)
_ERRNO_TEXT = {errno.ENOSPC: "no space left on the device", errno.EROFS: "read-only file system",
               errno.EDQUOT: "disk quota exceeded", errno.EACCES: "permission denied",
               errno.EPERM: "operation not permitted"}


class OutputWriteError(EvaluationError, OSError):
    """The batch's output cannot be written (full disk, read-only folder).

    The message names the path; :attr:`also` lists further files that could
    not be written while the run was being wound down.
    """

    def __init__(self, message: str, *, also=()):
        super().__init__(message)
        self.also = list(also)

    def __str__(self) -> str:
        text = str(self.args[0]) if self.args else ""
        return "; ".join([text, *self.also]) if self.also else text


def output_error(exc: BaseException) -> OSError | None:
    """The ``OSError`` in `exc` (or its causes) that means the output cannot be written."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OutputWriteError):
            return None
        if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS:
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def describe_output_error(exc: OSError, fallback_path=None) -> str:
    """``cannot write /out/V03/report.html: no space left on the device (ENOSPC)``."""
    path = exc.filename or fallback_path or "?"
    code = errno.errorcode.get(exc.errno, str(exc.errno))
    return f"cannot write {path}: {_ERRNO_TEXT.get(exc.errno, exc.strerror)} ({code})"


# =========================================================================== test hook
#: Environment variable read by :func:`test_fault_cell` (tests only).
TEST_FAULT_ENV = "EVALUATION_TEST_FAULT"
TEST_FAULTS = ("hang", "memory", "kill-worker")


def _test_fault(parameters) -> tuple[str, str] | None:
    for spec in os.environ.get(TEST_FAULT_ENV, "").split(","):
        kind, _, rest = spec.strip().partition(":")
        village, _, arg = rest.partition(":")
        if kind not in TEST_FAULTS or str(parameters.get("village_id")) != village:
            continue
        if arg:  # a marker file: the fault happens once
            marker = Path(arg)
            if marker.exists():
                return None
            marker.write_text(str(os.getpid()))
        return kind, arg
    return None


def test_fault_cell(parameters) -> str | None:
    """Code of a cell that provokes the fault ``EVALUATION_TEST_FAULT`` asks for.

    The variable reads ``kind:village_id[:marker]`` (several separated by
    commas): ``hang`` (an endless
    loop), ``memory`` (allocates 256 MB blocks without end), ``kill-worker``
    (the kernel kills the worker that runs it; once when a marker file is
    given). None unless the variable names this report's village.
    """
    fault = _test_fault(parameters)
    if fault is None:
        return None
    kind, _ = fault
    if kind == "hang":
        return "while True:\n    pass"
    if kind == "memory":
        # a runaway table (reserved, not touched: quick on a busy machine); the
        # blocks are freed when MemoryError unwinds the comprehension
        return ("import numpy\n"
                "[numpy.empty(256 * 2**20, dtype=numpy.uint8) for _ in range(10**6)]")
    return "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(30)"
