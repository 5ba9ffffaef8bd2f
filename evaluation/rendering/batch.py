"""Render every village (and the portfolio reports) of a data folder, fast.

:func:`run_batch` is what ``evaluation batch`` calls:

1. load and validate the data folder once (invalid data raises
   :class:`~evaluation.errors.DataValidationError` before anything is
   rendered);
2. one report per village, then one portfolio report per project and one
   for the whole folder, spread over workers that each keep one warm kernel
   (:class:`~evaluation.rendering.kernel.WarmKernel`): a process pool by default, or a
   Dask cluster (``engine="dask"``: a LocalCluster, or an existing cluster
   with ``scheduler="tcp://host:8786"``);
3. a report whose inputs did not change since the last run (same data
   files, notebook, parameters and package version) is skipped unless
   ``force=True`` (``manifest.json`` in the output folder remembers);
4. a report that fails does not stop the others: its error (cell, exception,
   message) goes to the manifest, the index and the returned summary;
5. ``index.html`` (:mod:`evaluation.rendering.index`): every village with its
   headline figures, status and links, sortable by clicking a column header,
   self-contained (embedded font, inline script, no external URL).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .._version import __version__
from ..disclosure import DEFAULT_MIN_CELL, check_min_cell
from ..errors import ArgumentError, EvaluationError
from ..export import CHART_FORMATS, atomic_write_text, unique_names
from ..i18n import check_lang
from .index import INDEX, write_index
from .kernel import WarmKernel
from .notebook import (STAGING, RenderResult, ReportFailure, _formats_text, default_notebook,
                       describe_error, notebook_digest, portfolio_parameters, render_notebook,
                       village_parameters)

__all__ = ["BatchResult", "ENGINES", "data_digest", "describe_error", "run_batch", "write_index"]

ENGINES = ("process", "dask")
MANIFEST = "manifest.json"

PORTFOLIO_DIR = "portfolio"
#: Names a village folder can never take (they are used by the batch itself).
RESERVED = (PORTFOLIO_DIR, INDEX, MANIFEST, STAGING, "index", "manifest")
STATUSES = ("ok", "failed", "skipped")


# =========================================================================== tasks
@dataclass
class Task:
    """One report to render (picklable: sent to process or Dask workers)."""

    kind: str                 # "village" or "portfolio"
    id: str | None            # village id, project id, or None (whole folder)
    name: str                 # folder inside the output root ("V01", "portfolio/P01")
    notebook: str
    parameters: dict
    lang: str
    key: str                  # content hash of everything the report depends on
    timeout: float | None = 600

    @property
    def village(self) -> str | None:
        """The village id of a village report (None for a portfolio)."""
        return self.id if self.kind == "village" else None

    @property
    def root_and_folder(self) -> tuple[str, str]:
        parent, _, folder = self.name.rpartition("/")
        return parent, folder


def data_digest(data_dir) -> str:
    """SHA-256 over the names and contents of every file of a data folder.

    Hidden files and folders (``.git``, ``.synth-manifest``) are ignored. A
    single workbook is hashed as one file.
    """
    path = Path(data_dir)
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
    for p in files:
        rel = p.name if path.is_file() else p.relative_to(path).as_posix()
        h.update(rel.encode("utf-8") + b"\0")
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def _task_key(*, data: str, notebook: str, kind: str, id: str | None, parameters: dict) -> str:
    params = {k: v for k, v in parameters.items() if k not in ("data_dir", "out_dir")}
    blob = json.dumps({"data": data, "notebook": notebook, "kind": kind, "id": id,
                       "parameters": params, "version": __version__},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# =========================================================================== workers
_KERNEL: WarmKernel | None = None


def _process_kernel() -> WarmKernel:
    """The warm kernel of this worker process (started on first use)."""
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = WarmKernel()
        import multiprocessing.util

        multiprocessing.util.Finalize(_KERNEL, _KERNEL.shutdown, exitpriority=10)
        import atexit

        atexit.register(_KERNEL.shutdown)
    return _KERNEL


def _init_worker() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    _process_kernel().start()


def _render_task(task: Task, out_dir: str, kernel: WarmKernel) -> dict:
    """Render one task into ``out_dir`` and describe the outcome (JSON-able)."""
    parent, folder = task.root_and_folder
    root = Path(out_dir) / parent if parent else Path(out_dir)
    try:
        result = render_notebook(task.notebook, task.parameters, root, folder, kernel=kernel,
                                 lang=task.lang, timeout=task.timeout, village=task.village)
    except Exception as exc:  # noqa: BLE001 - a worker never dies with a task
        result = RenderResult(name=folder, status="failed", path=root / folder,
                              error=ReportFailure.from_exception(exc, village=task.village))
    return _outcome(task, result)


def _outcome(task: Task, result: RenderResult) -> dict:
    return {"name": task.name, "kind": task.kind, "id": task.id, "key": task.key,
            "status": result.status,
            "error": None if result.error is None else result.error.to_json(),
            "seconds": result.seconds,
            "attempts": result.attempts, "meta": result.headline, "finished": time.time(),
            "worker": os.getpid()}


def _process_task(task: Task, out_dir: str) -> dict:
    return _render_task(task, out_dir, _process_kernel())


# -- Dask -------------------------------------------------------------------------
def _dask_kernel() -> WarmKernel:
    """The warm kernel of the current Dask worker (one per worker, kept between tasks)."""
    from distributed import get_worker

    worker = get_worker()
    kernel = getattr(worker, "_evaluation_kernel", None)
    if kernel is None:
        kernel = WarmKernel()
        worker._evaluation_kernel = kernel
    return kernel


def _kernel_plugin_class():
    """The Dask worker plugin class (defined on first use: importing
    ``distributed`` is only paid by Dask runs)."""
    cls = globals().get("_KernelPluginClass")
    if cls is not None:
        return cls
    from distributed.diagnostics.plugin import WorkerPlugin

    class KernelPlugin(WorkerPlugin):
        """Dask worker plugin: stop the worker's warm kernel when the worker closes."""

        name = "evaluation-warm-kernel"

        def setup(self, worker):
            os.environ.setdefault("MPLBACKEND", "Agg")

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


def _dask_task(task: Task, out_dir: str, gather: bool = False) -> dict:
    """Run on a Dask worker: render into the shared `out_dir`, or (``gather``)
    into a local temporary folder and return the report folder as zip bytes."""
    kernel = _dask_kernel()
    if not gather:
        return _render_task(task, out_dir, kernel)
    with tempfile.TemporaryDirectory(prefix="ev-gather-") as tmp:
        outcome = _render_task(task, tmp, kernel)
        folder = Path(tmp) / task.name
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    zf.write(p, p.relative_to(folder).as_posix())
        outcome["zip"] = buf.getvalue()
    return outcome


def _unpack(outcome: dict, out_dir: Path) -> None:
    """Client side of ``gather``: write a returned report folder atomically."""
    data = outcome.pop("zip", None)
    if data is None:
        return
    final = out_dir / outcome["name"]
    staging = final.parent / STAGING / (final.name + ".gathered")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for member in zf.namelist():  # names come from our own workers; still check
            target = (staging / member).resolve()
            if staging.resolve() not in target.parents:
                raise EvaluationError(f"unsafe path in a gathered report: {member!r}")
        zf.extractall(staging)
    html = staging / "report.html"
    if html.exists():  # report.html last, as for local rendering
        tmp = staging / ".report.html.part"
        os.replace(html, tmp)
    old = staging.with_name(staging.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    if (final / ".report.html.part").exists():
        os.replace(final / ".report.html.part", final / "report.html")
    shutil.rmtree(old, ignore_errors=True)


# =========================================================================== manifest
def _read_manifest(out_dir: Path) -> dict:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("reports"), dict):
            return data
    except (OSError, ValueError):
        pass
    return {"format": 1, "reports": {}}


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))


# =========================================================================== result
@dataclass
class BatchResult:
    """What a batch run did.

    Attributes
    ----------
    out_dir : pathlib.Path
    index : pathlib.Path
        ``out_dir/index.html``.
    reports : list of dict
        One entry per report of this run (villages then portfolios): ``name,
        kind, id, status`` (``ok``/``failed``/``skipped``), ``error``,
        ``seconds``, ``attempts``.
    seconds : float
        Wall time of the whole run.
    workers : int
    engine : str
    privacy_scan : dict or None
        ``n_files`` read and ``n_findings`` of the audit of the outputs
        (:func:`evaluation.privacy_scan.scan_outputs`); None when not run.
    """

    out_dir: Path
    index: Path
    reports: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1
    engine: str = "process"
    privacy_scan: dict | None = None

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.reports)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.reports if r["status"] == "failed"]

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failed

    def summary(self) -> str:
        """Plain-text summary: counts, then one line per failed report."""
        rendered = [r for r in self.reports if r["status"] != "skipped"]
        per = (sum(r["seconds"] for r in rendered) / len(rendered)) if rendered else 0.0
        lines = [f"{len(self.reports)} report(s): {self.count('ok')} ok, "
                 f"{self.count('skipped')} skipped (unchanged), {self.count('failed')} failed "
                 f"in {self.seconds:.1f} s ({self.workers} worker(s), {self.engine}; "
                 f"{per:.2f} s per rendered report per worker)"]
        for r in self.failed:
            lines.append(f"  FAILED {r['name']}: {describe_error(r.get('error'))}")
        lines.append(f"index: {self.index}")
        return "\n".join(lines)


# =========================================================================== run
def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS/Windows
        return max(1, os.cpu_count() or 1)


def run_batch(data_dir, out_dir, *, lang: str = "th", workers: int | None = None,
              only: Sequence[str] | None = None, force: bool = False,
              engine: str = "process", scheduler: str | None = None, gather: bool = False,
              portfolios: bool = True, notebook=None, portfolio_notebook=None,
              show_raw_text: bool = False, timeout: float | None = 600,
              progress: bool = True,
              chart_formats: str | Sequence[str] | None = CHART_FORMATS,
              min_cell: int = DEFAULT_MIN_CELL, privacy_scan: bool = True) -> BatchResult:
    """Render every village report, the portfolio reports and ``index.html``.

    Parameters
    ----------
    data_dir : str or path-like
        The program's data folder (or workbook). Loaded and validated once.
    out_dir : str or path-like
        Output folder: ``<village>/``, ``portfolio/<project>/``,
        ``portfolio/all/``, ``index.html``, ``manifest.json``.
    lang : {"th", "en"}, default "th"
    workers : int, optional
        Parallel workers, each with one warm kernel (default: the number of
        CPU cores; with ``scheduler`` the cluster decides).
    only : sequence of str, optional
        Render only these village ids (no portfolio reports); the index
        still lists every village with its last known status.
    force : bool, default False
        Render even reports whose inputs are unchanged.
    engine : {"process", "dask"}, default "process"
        ``process``: a local process pool. ``dask``: a Dask LocalCluster of
        `workers` processes, or the cluster at `scheduler`.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); implies
        ``engine="dask"``. Workers must see `data_dir` at the same path.
    gather : bool, default False
        Dask only: workers render into local temporary folders and send the
        report folders back to this process (for clusters without shared
        storage for the output).
    portfolios : bool, default True
        Also render the portfolio reports (skipped when `only` is given).
    notebook, portfolio_notebook : path, optional
        Report notebooks (default: the packaged ones).
    show_raw_text : bool, default False
        Passed to the village notebooks.
    timeout : float, optional
        Seconds allowed per notebook cell.
    progress : bool, default True
        Show a progress bar (tqdm) on stderr.
    chart_formats : str or sequence of str, default "png,svg,pdf"
        Chart files every report writes to ``charts/`` (the notebooks'
        ``chart_formats`` parameter). Charts are most of a report's cost:
        ``"png"`` alone takes about 40% less time; the report pages always show
        the PNG pictures. Part of the incremental-run key.
    min_cell : int, default 3
        No statistic about fewer than this many people is shown in any
        report (the notebooks' ``min_cell`` parameter; part of the key).
    privacy_scan : bool, default True
        At the end, audit every output file for personal identifiers
        (:func:`evaluation.privacy_scan.scan_outputs`): the counts go to
        ``privacy-scan.json`` and a result line into ``index.html``.

    Returns
    -------
    BatchResult

    Raises
    ------
    DataValidationError
        The data folder is invalid (nothing is rendered).
    EvaluationError
        An unknown village id in `only`, or a bad argument.
    MainGuardError
        Called at the top level of a script without
        ``if __name__ == "__main__":`` while worker processes are needed
        (they import the script again); the message shows the guard to add.
    """
    from ..project import load_project

    t0 = time.perf_counter()
    check_lang(lang)
    if scheduler:
        engine = "dask"
    if engine not in ENGINES:
        raise ArgumentError(f"engine must be one of {ENGINES}, got {engine!r}")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ArgumentError(f"workers must be a positive integer, got {workers!r}")
    if gather and engine != "dask":
        raise ArgumentError("gather=True needs engine='dask' (or a scheduler)")
    formats = _formats_text(chart_formats)  # ValueError before anything is loaded
    min_cell = check_min_cell(min_cell)
    if workers != 1 and not scheduler:  # worker processes re-import the user's script
        from ..mainguard import check_main_guard

        check_main_guard("run_batch")
    out = Path(out_dir).resolve()
    data = Path(data_dir).resolve()
    project = load_project(data)          # DataValidationError -> nothing rendered
    village_ids = [str(v) for v in project.village_ids]
    if only:
        unknown = [v for v in only if str(v) not in set(village_ids)]
        if unknown:
            raise EvaluationError(f"unknown village id(s) in only: {unknown}; known villages: "
                                  f"{', '.join(village_ids)}")
    out.mkdir(parents=True, exist_ok=True)
    names = unique_names(village_ids, reserved=RESERVED)
    nb_village = str(Path(notebook or default_notebook("village")).resolve())
    nb_portfolio = str(Path(portfolio_notebook or default_notebook("portfolio")).resolve())
    digest = data_digest(data)
    nb_digests = {nb_village: notebook_digest(nb_village),
                  nb_portfolio: notebook_digest(nb_portfolio)}

    tasks: list[Task] = []
    selected = [v for v in village_ids if not only or v in set(map(str, only))]
    for vid in selected:
        params = village_parameters(data, vid, lang=lang, show_raw_text=show_raw_text,
                                    chart_formats=formats, min_cell=min_cell)
        tasks.append(Task("village", vid, names[vid], nb_village, params, lang,
                          _task_key(data=digest, notebook=nb_digests[nb_village],
                                    kind="village", id=vid, parameters=params), timeout))
    if portfolios and not only:
        project_ids = [str(p) for p in project.projects["project_id"]]
        pnames = unique_names(project_ids, reserved=("all",))
        for pid in [*project_ids, None]:
            params = portfolio_parameters(data, pid, lang=lang, chart_formats=formats,
                                          min_cell=min_cell)
            folder = "all" if pid is None else pnames[pid]
            tasks.append(Task("portfolio", pid, f"{PORTFOLIO_DIR}/{folder}", nb_portfolio,
                              params, lang,
                              _task_key(data=digest, notebook=nb_digests[nb_portfolio],
                                        kind="portfolio", id=pid, parameters=params), timeout))

    manifest = _read_manifest(out)
    manifest.update({"format": 1, "data_dir": str(data), "lang": lang})
    reports = manifest["reports"]
    outcomes: dict[str, dict] = {}
    pending: list[Task] = []
    for task in tasks:
        prev = reports.get(task.name)
        if (not force and prev and prev.get("key") == task.key and prev.get("status") == "ok"
                and (out / task.name / "report.html").is_file()):
            prev["last"] = "skipped"
            outcomes[task.name] = {**prev, "status": "skipped", "seconds": 0.0, "attempts": 0}
        else:
            pending.append(task)

    n_workers = workers or _default_workers()
    if pending:
        runner = _run_dask if engine == "dask" else _run_processes
        last_write = time.monotonic()
        try:
            for outcome in runner(pending, out, n_workers, scheduler=scheduler, gather=gather,
                                  progress=progress):
                outcome["last"] = outcome["status"]
                outcomes[outcome["name"]] = outcome
                reports[outcome["name"]] = {k: v for k, v in outcome.items() if k != "zip"}
                if time.monotonic() - last_write > 2.0:  # progress survives an interruption
                    _write_manifest(out, manifest)
                    last_write = time.monotonic()
        finally:
            _write_manifest(out, manifest)
    else:
        _write_manifest(out, manifest)

    for staging in (out / STAGING, out / PORTFOLIO_DIR / STAGING):
        try:
            staging.rmdir()  # only when empty: leftovers of an interrupted run stay visible
        except OSError:
            pass
    index = write_index(out, project, names, manifest, lang=lang)
    scan = None
    if privacy_scan:  # audit every output (the index included), then show the result in it
        from ..privacy_scan import scan_outputs, write_scan_summary

        findings = scan_outputs(out, participants=project.participants)
        write_scan_summary(out, findings)
        scan = {"n_files": int(findings.attrs.get("n_files", 0)), "n_findings": len(findings)}
        index = write_index(out, project, names, manifest, lang=lang)
    ordered = [outcomes[t.name] for t in tasks]
    return BatchResult(out_dir=out, index=index, reports=ordered,
                       seconds=time.perf_counter() - t0, workers=n_workers, engine=engine,
                       privacy_scan=scan)


def _progress_bar(total: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not progress, unit="report", desc="reports",
                dynamic_ncols=True)


def _run_processes(tasks: list[Task], out: Path, workers: int, *, progress: bool, **_):
    """Yield outcomes as reports finish: in this process (1 worker) or a pool."""
    workers = max(1, min(workers, len(tasks)))
    bar = _progress_bar(len(tasks), progress)
    try:
        if workers == 1:
            with WarmKernel() as kernel:
                for task in tasks:
                    outcome = _render_task(task, str(out), kernel)
                    bar.update(1)
                    yield outcome
            return
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                    initializer=_init_worker) as pool:
            futures = {pool.submit(_process_task, task, str(out)): task for task in tasks}
            try:
                for fut in cf.as_completed(futures):
                    task = futures[fut]
                    try:
                        outcome = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker process died
                        outcome = _outcome(task, RenderResult(
                            name=task.name, status="failed", path=out / task.name,
                            error=ReportFailure.from_exception(exc, village=task.village)))
                    bar.update(1)
                    yield outcome
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        bar.close()


def _run_dask(tasks: list[Task], out: Path, workers: int, *, scheduler: str | None,
              gather: bool, progress: bool):
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
    try:
        plugin_cls = _kernel_plugin_class()
        client.register_plugin(plugin_cls(), name=plugin_cls.name)
        futures = client.map(_dask_task, tasks, out_dir=str(out), gather=gather, pure=False,
                             key=[f"report-{hashlib.sha1(t.name.encode()).hexdigest()[:12]}-"
                                  f"{time.time_ns()}" for t in tasks])
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in as_completed(futures):
            task = by_key[fut.key]
            try:
                outcome = fut.result()
                if gather:
                    _unpack(outcome, out)
            except Exception as exc:  # noqa: BLE001 - worker lost etc.
                outcome = _outcome(task, RenderResult(
                    name=task.name, status="failed", path=out / task.name,
                    error=ReportFailure.from_exception(exc, village=task.village)))
            bar.update(1)
            fut.release()
            yield outcome
    finally:
        bar.close()
        if cluster is not None:
            # stop the kernels before the worker processes go away
            try:
                client.unregister_worker_plugin(_kernel_plugin_class().name)
            except Exception:  # noqa: BLE001
                pass
            client.close()
            cluster.close()
        else:
            client.close()
