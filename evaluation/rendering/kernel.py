"""The warm Jupyter kernel every report runs on, and its reset between reports.

Never imported by the notebooks. :class:`WarmKernel` is started once and
reused: between two reports the namespace is cleared (``%reset -f``),
figures closed and matplotlib, pandas, NumPy random, warnings, ``sys.path``,
environment and working-directory state restored, so the heavy imports are
paid once per worker. Notebooks run on it through the papermill engine
``evaluation-warm`` (:mod:`evaluation.rendering.engine`, registered through
the ``papermill.engine`` entry point).

:func:`_kernel_setup` and :func:`_kernel_reset` run *inside* the kernel.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DEFAULT_PRELOAD", "ENGINE_NAME", "WarmKernel"]

log = logging.getLogger(__name__)

#: Name of the papermill engine that runs notebooks on a :class:`WarmKernel`.
ENGINE_NAME = "evaluation-warm"


# =========================================================================== in the kernel
_KERNEL_STATE: dict[str, Any] = {}

#: pandas options every report runs with in a warm kernel (set at start and after
#: each reset). Text columns are held as Python strings instead of Arrow arrays:
#: the same values, sorting and NaN for missing, but a report makes thousands of
#: small selections on 30-household tables, where each Arrow call costs tens of
#: microseconds; the sections need about a quarter less CPU (docs/scale.md).
KERNEL_PANDAS_OPTIONS: dict[str, Any] = {"mode.string_storage": "python"}


def _apply_pandas_options() -> None:
    if "pandas" in sys.modules:
        import pandas as pd

        for name, value in KERNEL_PANDAS_OPTIONS.items():
            pd.set_option(name, value)


def _kernel_setup(preload: Iterable[str] = (), memory: int | None = None,
                  death_signal: bool = False) -> None:
    """Import the heavy modules once and remember the clean state to restore.

    The kernel also exits by itself when its worker dies (parent-death signal
    when `death_signal`, and a watchdog thread), and its address space is
    capped at `memory` bytes (an allocation beyond raises ``MemoryError``).
    """
    import importlib
    import random
    import warnings

    from .lifecycle import guard_child, set_memory_limit

    guard_child(death_signal=death_signal)

    for mod in preload:
        try:
            importlib.import_module(mod)
        except Exception:  # noqa: BLE001 - a missing optional module is fine
            pass
    import gc

    gc.collect()          # the imports' garbage, collected before the tries exist
    _apply_pandas_options()  # before any data is loaded: its text columns follow it
    # a report's files are flushed to disk once, by the renderer, before its folder is
    # moved into place (evaluation.safe_files.sync_folder), not one by one
    from ..safe_files import DEFER_FSYNC_ENV

    os.environ[DEFER_FSYNC_ENV] = "1"
    if "evaluation.names" in preload:
        _warm_thai_dictionaries()
    state: dict[str, Any] = {"cwd": os.getcwd(), "warnings": list(warnings.filters),
                             "random": random.getstate(), "sys_path": list(sys.path),
                             "environ": dict(os.environ)}
    if "matplotlib" in sys.modules:
        import matplotlib

        state["rc"] = dict(matplotlib.rcParams)
    if "numpy" in sys.modules:
        import numpy as np

        state["np_random"] = np.random.get_state()
    _KERNEL_STATE.clear()
    _KERNEL_STATE.update(state)
    _freeze_heap(collect=False)   # collected above: the tries need no scan
    set_memory_limit(memory)


def _warm_thai_dictionaries() -> None:
    """Build the Thai word tries every report builds on first use, before the freeze.

    Three tries (pythainlp's dictionary, the same plus the domain words, and
    the name finder's) hold about 1.3 million small objects. Built by the first
    report, they were scanned by its garbage collections and by the first
    reset's full collection (1.9 s); built here with the collector paused, the
    freeze that follows moves them out of its view untouched.
    """
    import gc

    from pythainlp.tokenize import word_tokenize

    from ..names import find_names
    from ..text import tokenize

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        word_tokenize("ผู้เข้าร่วมทำบัญชีครัวเรือน", engine="newmm")   # pythainlp's default trie
        tokenize("ผู้เข้าร่วมทำบัญชีครัวเรือน")                       # with the domain words
        find_names("นางสมใจ มีสุข ทำบัญชีครัวเรือน")                   # the name finder's
    except Exception:  # noqa: BLE001 - a report builds them itself if this cannot
        pass
    finally:
        if was_enabled:
            gc.enable()


def _freeze_heap(collect: bool = True) -> None:
    """Move every live object out of the garbage collector's view.

    After the heavy imports the heap holds hundreds of thousands of module
    objects; IPython's ``%reset`` runs full collections, which would scan
    them all for every report (~0.1 s each). Frozen objects are still freed
    by reference counting; only cyclic garbage among them is kept. The
    youngest generation is collected every 10,000 allocations instead of
    700 (charts leave much short-lived cyclic garbage; ~0.1 s per report).
    """
    import gc

    if collect:
        gc.collect()
    gc.freeze()
    # a report drops a few hundred matplotlib objects with reference cycles per
    # chart: collect young garbage less often (the reset collects everything)
    gc.set_threshold(10_000, 10, 10)


def _kernel_reset() -> None:
    """Bring the kernel back to the state right after :func:`_kernel_setup`."""
    import random
    import warnings

    ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - runs in IPython
    ip.run_line_magic("reset", "-f")
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "matplotlib" in sys.modules and "rc" in _KERNEL_STATE:
        import matplotlib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.clear()
            matplotlib.rcParams.update(_KERNEL_STATE["rc"])
    if "pandas" in sys.modules:
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
        _apply_pandas_options()
    if "np_random" in _KERNEL_STATE:
        import numpy as np

        np.random.set_state(_KERNEL_STATE["np_random"])
    if "random" in _KERNEL_STATE:
        random.setstate(_KERNEL_STATE["random"])
    if "warnings" in _KERNEL_STATE:
        warnings.filters[:] = _KERNEL_STATE["warnings"]
        warnings._filters_mutated() if hasattr(warnings, "_filters_mutated") else None
    if "sys_path" in _KERNEL_STATE:
        sys.path[:] = _KERNEL_STATE["sys_path"]
    if "environ" in _KERNEL_STATE:
        env = _KERNEL_STATE["environ"]
        for k in [k for k in os.environ if k not in env]:
            del os.environ[k]
        os.environ.update(env)
    if "cwd" in _KERNEL_STATE:
        os.chdir(_KERNEL_STATE["cwd"])
    _freeze_heap()  # the report's garbage is collected, module state frozen
    # a fresh kernel numbers its first cell 1: so does a reset one
    ip.execution_count = 1


# =========================================================================== caller side
DEFAULT_PRELOAD = ("numpy", "pandas", "matplotlib", "matplotlib.figure", "IPython.display",
                   "evaluation", "evaluation.rendering.kernel", "evaluation.charts.base",
                   # what the report notebooks' sections use (paid once per kernel)
                   "evaluation.reporting", "evaluation.results", "evaluation.charts.happiness",
                   "evaluation.charts.finance", "evaluation.charts.ladder",
                   "evaluation.charts.lite", "evaluation.charts.litesvg",
                   "evaluation.lessons", "evaluation.privacy", "evaluation.households",
                   "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
                   "matplotlib.backends.backend_pdf", "fontTools.subset", "PIL.PngImagePlugin",
                   "openpyxl", "scipy.stats",
                   # its presence also builds the Thai word tries before the freeze
                   "evaluation.names")
_SETUP_CODE = ("__import__('evaluation.rendering.kernel', fromlist=['_kernel_setup'])"
               "._kernel_setup({preload!r}, memory={memory!r}, death_signal={death_signal!r})")
_RESET_CODE = "__import__('evaluation.rendering.kernel', fromlist=['_kernel_reset'])._kernel_reset()"


class WarmKernel:
    """A Jupyter kernel started once and reused for many reports.

    Parameters
    ----------
    kernel_name : str, default "python3"
        Kernel spec (``python3`` is the Python running the workbench).
    preload : iterable of str
        Modules imported once at start (their import cost is paid once).
    startup_timeout : float, default 60
        Seconds to wait for the kernel to start.
    memory_limit : int, optional
        Cap on the kernel's address space in bytes (``resource.setrlimit``
        with ``RLIMIT_AS`` inside the kernel): a report that allocates beyond
        it fails with ``MemoryError`` instead of starving the machine. An
        idle kernel with its preloaded modules takes about 2.4 GB of address
        space (most of it reserved, not used).

    Notes
    -----
    Use as a context manager or call :meth:`shutdown`. Before every report
    :meth:`reset` clears the namespace (``%reset -f``), closes figures and
    restores matplotlib rcParams, pandas options, the NumPy and ``random``
    global generators, warning filters, ``sys.path``, the environment and the
    working directory, and restarts execution counts at 1, so a report is
    the same as on a fresh kernel.

    The kernel exits by itself when the process that started it dies, and
    :meth:`stop` ends it from another thread (a report over its time limit,
    a batch run being stopped): the report running on it then fails at once
    with nbclient's ``DeadKernelError`` and :attr:`stop_reason` says why.

    Examples
    --------
    >>> from evaluation.rendering import render_village_report
    >>> with WarmKernel() as kernel:                     # doctest: +SKIP
    ...     render_village_report("data/sample", "V01", "reports", kernel=kernel)
    """

    def __init__(self, kernel_name: str = "python3", *, preload: Iterable[str] = DEFAULT_PRELOAD,
                 startup_timeout: float = 60, memory_limit: int | None = None):
        self.kernel_name = kernel_name
        self.preload = tuple(preload)
        self.startup_timeout = startup_timeout
        self.memory_limit = int(memory_limit) if memory_limit else None
        #: why :meth:`stop` ended the kernel during the last report ("timeout",
        #: "interrupted") or None
        self.stop_reason: str | None = None
        self.km = None
        self.kc = None
        self.starts = 0
        self.reports = 0
        self._dirty = False
        self._ipc_dir: str | None = None

    # -- life cycle ---------------------------------------------------------------
    def start(self) -> "WarmKernel":
        """Start the kernel (no-op when already running)."""
        if self.km is not None and self.alive:
            return self
        import tempfile

        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._cleanup()
        self._ipc_dir = tempfile.mkdtemp(prefix="ev-kernel-")
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=os.path.join(self._ipc_dir, "k"))
        # no SQLite history: execution counts restart at 1 after a reset
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.enabled=False"])
        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=self.startup_timeout)
        except Exception:
            kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
            raise
        kc.allow_stdin = False
        self.km, self.kc = km, kc
        self.starts += 1
        # the kernel's parent-death signal follows the thread that started it:
        # only safe when that thread lives as long as this process
        main = threading.current_thread() is threading.main_thread()
        try:
            self._run(_SETUP_CODE.format(preload=self.preload, memory=self.memory_limit,
                                         death_signal=main))
        except Exception:
            self._cleanup()
            raise
        self._dirty = False
        return self

    @property
    def options(self) -> dict:
        """The keyword arguments that make an identical kernel."""
        return {"kernel_name": self.kernel_name, "preload": self.preload,
                "startup_timeout": self.startup_timeout, "memory_limit": self.memory_limit}

    @property
    def pid(self) -> int | None:
        """Process id of the running kernel."""
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(provisioner, "pid", None)

    def stop(self, reason: str) -> None:
        """End the kernel process now (SIGKILL), from any thread; remember `reason`."""
        self.stop_reason = reason
        pid = self.pid
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    @property
    def alive(self) -> bool:
        """Whether the kernel process is running."""
        if self.km is None:
            return False
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def restart(self) -> "WarmKernel":
        """Replace the kernel by a new one (after it died or hung)."""
        self._cleanup()
        return self.start()

    def shutdown(self) -> None:
        """Stop the kernel."""
        self._cleanup()

    def _cleanup(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        if self.km is not None:
            try:
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                pass
            try:
                run_sync(self.km.cleanup_resources)()
            except Exception:  # noqa: BLE001
                pass
        self.km = self.kc = None
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    def __enter__(self) -> "WarmKernel":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def __del__(self):  # pragma: no cover - best effort
        try:
            self._cleanup()
        except Exception:  # noqa: BLE001
            pass

    # -- execution ----------------------------------------------------------------
    def _run(self, code: str, timeout: float = 60) -> None:
        """Run internal code in the kernel; raise if it fails."""
        from jupyter_core.utils import run_sync

        reply = run_sync(self.kc.execute_interactive)(
            code, silent=False, store_history=False, timeout=timeout,
            output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise RuntimeError(f"kernel code failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def reset(self) -> None:
        """Clear everything a report left behind (see class notes)."""
        if self.km is None or not self.alive:
            self.restart()
            return
        try:
            self._run(_RESET_CODE, timeout=60)
        except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced
            log.warning("kernel reset failed; starting a new kernel", exc_info=True)
            self.restart()
        self._dirty = False

    def execute(self, nb, parameters: Mapping[str, Any], *, output_path=None,
                timeout: float | None = 600, report_timeout: float | None = None,
                abort=None):
        """Execute a notebook with papermill on this kernel (reset first).

        Returns the executed notebook; raises papermill's
        ``PapermillExecutionError`` when a cell fails and nbclient's
        ``DeadKernelError`` when the kernel dies.

        `timeout` bounds each cell; `report_timeout` the whole notebook: past
        it the kernel is stopped (:attr:`stop_reason` ``"timeout"``). `abort`
        is polled during execution; when it returns true the kernel is
        stopped (:attr:`stop_reason` ``"interrupted"``).
        """
        import papermill

        from .lifecycle import test_fault_cell

        _ensure_engine()
        self.stop_reason = None
        if self.km is None or not self.alive:
            self.restart()
        elif self._dirty:
            self.reset()
        self._dirty = True
        self.reports += 1
        logging.getLogger("papermill").setLevel(logging.ERROR)
        fault = test_fault_cell(parameters)
        if fault is not None:  # tests only (EVALUATION_TEST_FAULT)
            import copy

            from nbformat.v4 import new_code_cell

            nb = copy.deepcopy(nb)
            nb.cells.insert(0, new_code_cell(fault))
        done = threading.Event()
        if report_timeout or abort is not None:
            threading.Thread(target=self._watch, args=(done, report_timeout, abort),
                             name="evaluation-report-timer", daemon=True).start()
        try:
            return papermill.execute_notebook(
                nb, str(output_path) if output_path else None, parameters=dict(parameters),
                engine_name=ENGINE_NAME, kernel_name=self.kernel_name, progress_bar=False,
                request_save_on_cell_execute=False, execution_timeout=timeout,
                warm_kernel=self)
        finally:
            done.set()

    def _watch(self, done: threading.Event, report_timeout, abort) -> None:
        deadline = time.monotonic() + report_timeout if report_timeout else None
        while not done.wait(0.2):
            if deadline is not None and time.monotonic() >= deadline:
                self.stop("timeout")
                return
            if abort is not None and abort():
                self.stop("interrupted")
                return



def _ensure_engine() -> None:
    """Make sure papermill knows the ``evaluation-warm`` engine.

    An installed package registers it through its ``papermill.engine`` entry
    point; a source checkout on ``PYTHONPATH`` without that metadata
    registers it here (once per process).
    """
    from papermill.engines import papermill_engines

    if ENGINE_NAME not in papermill_engines._engines:
        from .engine import WarmKernelEngine

        papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
