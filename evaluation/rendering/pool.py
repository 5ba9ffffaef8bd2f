"""Where a batch's reports run: in this process, a local process pool or a Dask
cluster; each worker keeps one warm kernel, and every runner can be stopped.

Never imported by the notebooks. A runner yields one outcome (a JSON-able
dict made by the batch's ``work`` function) per finished report and watches
a :class:`~evaluation.rendering.lifecycle.StopSignals`: once it is
:attr:`~evaluation.rendering.lifecycle.StopSignals.stopping` no new report
starts; running ones may finish until the grace period ends, then they are
abandoned (their kernels and workers are stopped) and the runner returns.
Reports it never yielded are the batch's "not rendered (interrupted)" ones.

* process pool: workers ignore Ctrl-C (the batch decides), die with the
  batch (:func:`~evaluation.rendering.lifecycle.guard_child`), and a worker
  that dies (the out-of-memory killer) costs only its own report: the pool
  is rebuilt and the other reports run again; a report whose worker dies
  twice is failed.
* Dask: a lost worker's reports are retried on another worker by the
  scheduler; stopping cancels the outstanding futures and stops the kernels
  still running this batch's reports, so a shared cluster stays usable.
"""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
import hashlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from pathlib import Path

from .kernel import WarmKernel
from .lifecycle import guard_child

__all__ = ["run_dask", "run_inline", "run_processes"]

log = logging.getLogger(__name__)
POLL = 0.25          # seconds between looks at the stop flags


def _progress_bar(total: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not progress, unit="report", desc="reports",
                dynamic_ncols=True)


# =========================================================================== in this process
def run_inline(tasks, out: Path, *, work, stop, kernel_options: dict, progress: bool):
    """One worker: this process and one warm kernel (no pool to start)."""
    bar = _progress_bar(len(tasks), progress)
    kernel = WarmKernel(**kernel_options)   # started by the first report (errors recorded)
    try:
        for task in tasks:
            if stop.stopping:
                return
            outcome = work(task, str(out), kernel, abort=stop.past_deadline)
            bar.update(1)
            yield outcome
    finally:
        bar.close()
        kernel.shutdown()


# =========================================================================== process pool
_KERNEL: WarmKernel | None = None
_KERNEL_OPTIONS: dict = {}


def _process_kernel() -> WarmKernel:
    """The warm kernel of this worker process (started on first use)."""
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = WarmKernel(**_KERNEL_OPTIONS)
        import multiprocessing.util

        multiprocessing.util.Finalize(_KERNEL, _KERNEL.shutdown, exitpriority=10)
    return _KERNEL


def _init_worker(parent_pid: int, kernel_options: dict) -> None:
    """Pool initializer: die with the batch, leave Ctrl-C and SIGTERM to it, start the kernel."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)   # systemd signals the whole group
    guard_child(parent_pid, ignore_sigint=True)
    _KERNEL_OPTIONS.update(kernel_options)
    try:
        _process_kernel().start()
    except Exception:  # noqa: BLE001 - the first report records why
        log.warning("the worker's kernel did not start", exc_info=True)


def _pool_task(work, task, out_dir: str) -> dict:
    return work(task, out_dir, _process_kernel())


def _new_pool(n: int, kernel_options: dict) -> cf.ProcessPoolExecutor:
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded parent
    return cf.ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker,
                                  initargs=(os.getpid(), dict(kernel_options)))


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """SIGKILL every worker of `pool` and the kernels under it, then reap them."""
    import psutil

    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        try:
            tree = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            tree = []
        for p in tree:
            try:
                p.kill()
            except psutil.Error:
                pass
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    for proc in procs:
        proc.join(timeout=10)


def run_processes(tasks, out: Path, workers: int, *, work, stop, kernel_options: dict,
                  failed_outcome, progress: bool):
    """Yield outcomes from a pool of `workers` processes, one report per worker at a time.

    Reports are handed out one by one (never more than `workers` in flight),
    so a stop leaves no queue to drain. `failed_outcome(task, exc)` builds
    the outcome of a report whose worker died twice.
    """
    n = max(1, min(workers, len(tasks)))
    if n == 1:
        yield from run_inline(tasks, out, work=work, stop=stop, kernel_options=kernel_options,
                              progress=progress)
        return
    bar = _progress_bar(len(tasks), progress)
    todo = list(reversed(tasks))
    deaths: dict[str, int] = {}
    pool = _new_pool(n, kernel_options)
    running: dict[cf.Future, object] = {}
    abandon = True
    try:
        while True:
            while not stop.stopping and todo and len(running) < n:
                task = todo.pop()
                running[pool.submit(_pool_task, work, task, str(out))] = task
            if not running:
                break
            done, _ = cf.wait(running, timeout=POLL, return_when=cf.FIRST_COMPLETED)
            broken = []
            for fut in done:
                task = running.pop(fut)
                try:
                    outcome = fut.result()
                except BrokenProcessPool as exc:  # a worker died
                    deaths[task.name] = deaths.get(task.name, 0) + 1
                    if deaths[task.name] < 2:
                        broken.append(task)
                        continue
                    outcome = failed_outcome(task, exc)
                except Exception as exc:  # noqa: BLE001
                    outcome = failed_outcome(task, exc)
                bar.update(1)
                yield outcome
            if broken or (running and getattr(pool, "_broken", False)):
                # the pool is unusable: rebuild it, run the reports it lost again
                for fut, task in running.items():
                    deaths[task.name] = deaths.get(task.name, 0) + 1
                    broken.append(task)
                running.clear()
                _kill_pool(pool)
                pool.shutdown(wait=True, cancel_futures=True)
                todo.extend(reversed(broken))
                pool = _new_pool(n, kernel_options)
            if stop.stopping and running and stop.past_deadline():
                return
        abandon = False
    finally:
        bar.close()
        if abandon:
            _kill_pool(pool)
        pool.shutdown(wait=True, cancel_futures=True)


# =========================================================================== Dask
def _dask_kernel() -> WarmKernel:
    """The warm kernel of the current Dask worker (one per worker, kept between tasks)."""
    from distributed import get_worker

    worker = get_worker()
    kernel = getattr(worker, "_evaluation_kernel", None)
    if kernel is None:
        kernel = WarmKernel(**getattr(worker, "_evaluation_kernel_options", {}))
        worker._evaluation_kernel = kernel
    return kernel


def dask_task(task, out_dir: str, gather: bool = False, work=None) -> dict:
    """Run on a Dask worker: render into the shared `out_dir`, or (``gather``)
    into a local temporary folder and return the report folder as zip bytes."""
    import io
    import tempfile
    import zipfile

    from distributed import get_worker

    worker = get_worker()
    key = worker.get_current_task()
    aborted = _abort_set(worker)

    def abort() -> bool:    # set by _stop_kernels when the batch stops
        return key in aborted

    if abort():
        return {"name": task.name, "status": "interrupted"}
    kernel = _dask_kernel()
    if not gather:
        return work(task, out_dir, kernel, abort=abort)
    with tempfile.TemporaryDirectory(prefix="ev-gather-") as tmp:
        outcome = work(task, tmp, kernel, abort=abort)
        folder = Path(tmp) / task.name
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    zf.write(p, p.relative_to(folder).as_posix())
        outcome["zip"] = buf.getvalue()
    return outcome


def _abort_set(worker) -> set:
    aborted = getattr(worker, "_evaluation_abort", None)
    if aborted is None:
        aborted = worker._evaluation_abort = set()
    return aborted


def _stop_kernels(keys, dask_worker=None) -> int:
    """Run on each Dask worker: reports with these `keys` stop at once (the
    kernel running one is stopped; one about to start returns at once);
    returns how many running reports were stopped."""
    keys = set(keys)
    _abort_set(dask_worker).update(keys)
    state = getattr(dask_worker, "state", None)
    running = {ts.key for ts in getattr(state, "executing", ())}
    running |= {key for key, ts in getattr(state, "tasks", {}).items()
                if getattr(ts, "state", "") in ("executing", "long-running", "cancelled",
                                                 "resumed")}
    kernel = getattr(dask_worker, "_evaluation_kernel", None)
    if kernel is None or not (running & keys):
        return 0
    kernel.stop("interrupted")
    return 1


def _kernel_plugin_class():
    """The Dask worker plugin class (defined on first use: importing
    ``distributed`` is only paid by Dask runs)."""
    cls = globals().get("_KernelPluginClass")
    if cls is not None:
        return cls
    from distributed.diagnostics.plugin import WorkerPlugin

    class KernelPlugin(WorkerPlugin):
        """Dask worker plugin: kernel options; watch the batch process when the
        cluster is its own; stop the worker's warm kernel when the worker closes."""

        name = "evaluation-warm-kernel"

        def __init__(self, kernel_options: dict | None = None, watch_pid: int | None = None):
            self.kernel_options = dict(kernel_options or {})
            self.watch_pid = watch_pid

        def setup(self, worker):
            os.environ.setdefault("MPLBACKEND", "Agg")
            worker._evaluation_kernel_options = self.kernel_options
            old = getattr(worker, "_evaluation_kernel", None)
            if old is not None and old.options != self.kernel_options:
                old.shutdown()
                worker._evaluation_kernel = None
            if self.watch_pid and self.watch_pid != os.getpid():
                guard_child(self.watch_pid, death_signal=False)

        def teardown(self, worker):
            kernel = getattr(worker, "_evaluation_kernel", None)
            if kernel is not None:
                kernel.shutdown()
                worker._evaluation_kernel = None

    KernelPlugin.__module__ = __name__
    KernelPlugin.__qualname__ = "KernelPlugin"
    globals()["_KernelPluginClass"] = KernelPlugin
    return KernelPlugin


def __getattr__(name: str):  # PEP 562: lets pickle find KernelPlugin on Dask workers
    if name == "KernelPlugin":
        return _kernel_plugin_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_dask(tasks, out: Path, workers: int, *, work, stop, kernel_options: dict,
             failed_outcome, scheduler: str | None, gather: bool, unpack, progress: bool):
    """Yield outcomes from a Dask cluster (a LocalCluster unless `scheduler`)."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, min(workers, len(tasks))), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    bar = _progress_bar(len(tasks), progress)
    futures = []
    try:
        plugin_cls = _kernel_plugin_class()
        client.register_plugin(plugin_cls(kernel_options,
                                          watch_pid=os.getpid() if cluster else None),
                               name=plugin_cls.name)
        stamp = time.time_ns()
        futures = client.map(dask_task, tasks, out_dir=str(out), gather=gather, work=work,
                             pure=False,
                             key=[f"report-{hashlib.sha1(t.name.encode()).hexdigest()[:12]}-"
                                  f"{stamp}" for t in tasks])
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        pending = {f.key: f for f in futures}
        finished: queue.Queue = queue.Queue()
        watcher = as_completed(futures)

        def feed():
            try:
                for fut in watcher:
                    finished.put(fut)
            except Exception:  # noqa: BLE001 - the client closed
                pass

        threading.Thread(target=feed, name="evaluation-dask-results", daemon=True).start()
        cancelled_waiting = False
        while pending:
            if stop.stopping:
                if not cancelled_waiting:      # no report starts any more
                    busy = {k for keys in client.processing().values() for k in keys}
                    client.cancel([f for k, f in pending.items() if k not in busy])
                    for k in [k for k in pending if k not in busy]:
                        pending.pop(k)
                    cancelled_waiting = True
                if stop.past_deadline():        # abandon the running ones
                    break
            try:
                fut = finished.get(timeout=POLL)
            except queue.Empty:
                continue
            if fut.key not in pending:
                continue
            pending.pop(fut.key)
            if fut.status == "cancelled":
                continue
            task = by_key[fut.key]
            try:
                outcome = fut.result()
                if gather:
                    unpack(outcome, out)
            except Exception as exc:  # noqa: BLE001 - KilledWorker (lost 3 times) etc.
                outcome = failed_outcome(task, exc)
            fut.release()
            bar.update(1)
            yield outcome
    finally:
        bar.close()
        outstanding = [f for f in futures if not f.done()]
        if outstanding:
            keys = [f.key for f in outstanding]
            try:   # stop the running reports' kernels, then forget every report
                client.run(_stop_kernels, keys)
                client.cancel(outstanding, force=True)
            except Exception:  # noqa: BLE001 - the cluster may be gone
                log.warning("could not cancel the outstanding reports", exc_info=True)
        if cluster is not None:
            try:   # stop the kernels before the worker processes go away
                client.unregister_worker_plugin(_kernel_plugin_class().name)
            except Exception:  # noqa: BLE001
                pass
            client.close()
            cluster.close()
        else:
            client.close()
