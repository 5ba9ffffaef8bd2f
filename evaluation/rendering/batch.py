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
   ``force=True`` (``manifest.json`` in the output folder remembers; every
   finished report is also appended to ``manifest.journal`` at once, so a
   killed run resumes exactly);
4. a report that fails does not stop the others: its error (cell, exception,
   message, a report over its time limit, out of memory) goes to the
   manifest, the index and the returned summary;
5. ``index.html`` (:mod:`evaluation.rendering.index`): every village with its
   headline figures, status and links, sortable by clicking a column header,
   self-contained (embedded font, inline script, no external URL);
6. SIGINT/SIGTERM stop the run in order, a full disk stops it with a clear
   error, and workers and kernels never outlive the run
   (:mod:`evaluation.rendering.lifecycle`, :mod:`evaluation.rendering.pool`).
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .._version import __version__
from ..disclosure import DEFAULT_MIN_CELL, check_min_cell
from ..errors import ArgumentError, EvaluationError
from ..export import atomic_write_text, unique_names
from ..i18n import check_lang
from .index import INDEX, write_index
from .kernel import WarmKernel
from .lifecycle import (Journal, OutputWriteError, StopSignals, describe_output_error,
                        output_error, parse_memory)
from .pool import run_dask, run_processes
from .notebook import (STAGING, RenderResult, ReportFailure, _formats_text, default_notebook,
                       describe_error, notebook_digest, portfolio_parameters, render_notebook,
                       village_parameters)

__all__ = ["BatchResult", "ENGINES", "data_digest", "describe_error", "run_batch", "write_index"]

ENGINES = ("process", "dask")
MANIFEST = "manifest.json"
JOURNAL = "manifest.journal"

PORTFOLIO_DIR = "portfolio"
#: On a store of more villages, ``portfolio/all`` is not rendered (its notebook would load
#: the whole program into one kernel): ``evaluation national`` gives its tables out of core.
ALL_PORTFOLIO_MAX_VILLAGES = 2000
#: Names a village folder can never take (they are used by the batch itself).
RESERVED = (PORTFOLIO_DIR, INDEX, MANIFEST, JOURNAL, STAGING, "index", "manifest")
STATUSES = ("ok", "failed", "skipped", "interrupted")
#: Default seconds allowed for one whole report (``--report-timeout``).
REPORT_TIMEOUT = 300.0
#: The whole program's portfolio (``portfolio/all``) does work for every village: it is
#: allowed ``report_timeout`` per this many villages (never less than ``report_timeout``).
ALL_PORTFOLIO_VILLAGES_PER_TIMEOUT = 200


def _portfolio_timeout(report_timeout: float | None, project_id, n_villages: int):
    """Seconds allowed for one portfolio report: the whole program's grows with its
    villages (about 0.3 s of work per village; 1,000 villages took over 300 s)."""
    if report_timeout is None or project_id is not None:
        return report_timeout
    return report_timeout * max(1.0, n_villages / ALL_PORTFOLIO_VILLAGES_PER_TIMEOUT)


def _longest_first(pending: list, n_villages: int) -> list:
    """Start the whole program's portfolio first when the program is large.

    It is the longest report by far (about 0.3 s per village): started last,
    one worker renders it alone while the others wait; started first, the
    village reports run beside it.
    """
    if n_villages < ALL_PORTFOLIO_VILLAGES_PER_TIMEOUT:
        return pending
    whole = [t for t in pending if t.kind == "portfolio" and t.id is None]
    return whole + [t for t in pending if not (t.kind == "portfolio" and t.id is None)]


#: Default seconds running reports may take to finish after a stop signal (``--grace``).
GRACE = 30.0


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
    report_timeout: float | None = None

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
    from ..store.layout import MANIFEST, is_store

    path = Path(data_dir)
    h = hashlib.sha256()
    if is_store(path):   # the manifest holds the hash of every partition
        path = path / MANIFEST
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
def _render_task(task: Task, out_dir: str, kernel: WarmKernel, abort=None) -> dict:
    """Render one task into ``out_dir`` and describe the outcome (JSON-able).

    Runs on a worker. A report never kills its worker: any error becomes a
    failed outcome; an output that cannot be written (full disk, read-only
    folder) becomes a failed outcome marked ``fatal`` (the batch stops).
    """
    parent, folder = task.root_and_folder
    root = Path(out_dir) / parent if parent else Path(out_dir)
    fatal = None
    try:
        result = render_notebook(task.notebook, task.parameters, root, folder, kernel=kernel,
                                 lang=task.lang, timeout=task.timeout, village=task.village,
                                 report_timeout=task.report_timeout, abort=abort)
    except Exception as exc:  # noqa: BLE001 - a worker never dies with a task
        disk = output_error(exc)
        if disk is not None:
            fatal = describe_output_error(disk, root / folder)
        result = RenderResult(name=folder, status="failed", path=root / folder,
                              error=ReportFailure.from_exception(disk or exc,
                                                                 village=task.village))
    outcome = _outcome(task, result)
    if fatal:
        outcome["fatal"] = fatal
    return outcome


def _outcome(task: Task, result: RenderResult) -> dict:
    return {"name": task.name, "kind": task.kind, "id": task.id, "key": task.key,
            "status": result.status,
            "error": None if result.error is None else result.error.to_json(),
            "seconds": result.seconds,
            "attempts": result.attempts, "meta": result.headline, "finished": time.time(),
            "worker": os.getpid()}


def _failed_outcome(task: Task, exc: BaseException) -> dict:
    """Outcome of a report whose worker died (process pool) or was lost (Dask)."""
    parent, folder = task.root_and_folder
    return _outcome(task, RenderResult(
        name=folder, status="failed", path=Path(task.name),
        error=ReportFailure.from_exception(exc, village=task.village)))


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


def _clear_staging(out: Path, names=None) -> None:
    """Remove staging folders of reports that did not finish (all with `names` None)."""
    for root in (out / STAGING, out / PORTFOLIO_DIR / STAGING):
        if not root.is_dir():
            continue
        for child in list(root.iterdir()):
            folder = child.name.removesuffix(".old")
            rel = folder if root.parent == out else f"{PORTFOLIO_DIR}/{folder}"
            if names is None or rel in names:
                shutil.rmtree(child, ignore_errors=True)
        try:
            root.rmdir()
        except OSError:
            pass


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
    interrupted : str or None
        ``"SIGINT"`` or ``"SIGTERM"`` when a stop signal ended the run early;
        reports it did not render have status ``interrupted``.
    exit_code : int
        0 all reports ok; 1 some failed; 130 stopped by SIGINT; 143 stopped by
        SIGTERM.
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
    interrupted: str | None = None
    exit_code: int = 0
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
        """Plain-text summary: counts, then one line per failed report.

        An interrupted run ends with one line: ``interrupted (SIGTERM): 4 of
        12 report(s) done (3 ok, 1 skipped, 0 failed), 8 not rendered; run
        the same command again to resume; index: …``.
        """
        if self.interrupted:
            done = len(self.reports) - self.count("interrupted")
            lines = [f"  FAILED {r['name']}: {describe_error(r.get('error'))}"
                     for r in self.failed]
            lines.append(f"interrupted ({self.interrupted}): {done} of {len(self.reports)} "
                         f"report(s) done ({self.count('ok')} ok, {self.count('skipped')} "
                         f"skipped, {self.count('failed')} failed), "
                         f"{self.count('interrupted')} not rendered in {self.seconds:.1f} s; "
                         f"run the same command again to resume; index: {self.index}")
            return "\n".join(lines)
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
              chart_formats: str | Sequence[str] | None = (),
              report_timeout: float | None = REPORT_TIMEOUT, kernel_memory=None,
              grace: float = GRACE,
              min_cell: int = DEFAULT_MIN_CELL, privacy_scan: bool = True) -> BatchResult:
    """Render every village report, the portfolio reports and ``index.html``.

    Parameters
    ----------
    data_dir : str or path-like
        The program's data folder (or workbook). Loaded and validated once.
        Or a store (``evaluation ingest``): this process reads only the
        villages and projects tables, each report only its village's files.
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
    chart_formats : str or sequence of str, default "" (no chart files)
        Chart files every report writes to ``charts/`` (the notebooks'
        ``chart_formats`` parameter), e.g. ``"png,svg,pdf"``; each format adds
        to every report's time (``docs/scale.md``). The report pages always show
        every chart as inline SVG. Part of the incremental-run key.
    report_timeout : float, optional, default 300
        Seconds allowed for one whole report: past it its kernel is stopped
        and replaced, the report fails with ``ReportTimeout`` and the run goes
        on (None: no limit). The whole program's portfolio gets this per 200
        villages (:data:`ALL_PORTFOLIO_VILLAGES_PER_TIMEOUT`).
    kernel_memory : int or str, optional
        Cap on each kernel's memory (address space), e.g. ``"4G"``: a report
        that needs more fails with "out of memory", its kernel is replaced
        and the run goes on. An idle kernel takes about 2.4 GB of address space.
    grace : float, default 30
        After SIGINT (Ctrl-C) or SIGTERM: seconds the running reports may take
        to finish. No new report starts; then workers and kernels are shut
        down, the manifest is written, ``index.html`` marks the reports not
        rendered as interrupted, and :attr:`BatchResult.interrupted` is set. A
        second signal stops at once.
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
    OutputWriteError
        The output cannot be written (full disk, read-only folder): the run
        stops, no partial report or temporary file is left, ``manifest.json``
        and ``index.html`` describe the reports that exist (as far as the
        disk allows).

    Notes
    -----
    Every finished report is appended to ``manifest.journal`` at once, so a
    run that is killed (SIGKILL, power cut) resumes exactly: the next run
    reads the journal, skips what was finished and renders the rest. The
    journal is folded into ``manifest.json`` when a run ends. Workers and
    kernels exit by themselves within a second or so when the batch process
    dies.
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
    memory = parse_memory(kernel_memory)
    if report_timeout is not None and not report_timeout > 0:
        raise ArgumentError(f"report_timeout must be a positive number of seconds or None, "
                            f"got {report_timeout!r}")
    if grace is None or not grace >= 0:
        raise ArgumentError(f"grace must be a number of seconds >= 0, got {grace!r}")
    out = Path(out_dir).resolve()
    data = Path(data_dir).resolve()
    project = load_project(data)          # DataValidationError -> nothing rendered
    village_ids = [str(v) for v in project.village_ids]
    if only:
        unknown = [v for v in only if str(v) not in set(village_ids)]
        if unknown:
            raise EvaluationError(f"unknown village id(s) in only: {unknown}; known villages: "
                                  f"{', '.join(village_ids)}")
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise PermissionError(errno.EACCES, "Permission denied", str(out))
    except OSError as exc:
        if output_error(exc) is None:
            raise
        raise OutputWriteError(describe_output_error(exc, out)) from exc
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
                                    kind="village", id=vid, parameters=params), timeout,
                          report_timeout))
    if portfolios and not only:
        project_ids = [str(p) for p in project.projects["project_id"]]
        pnames = unique_names(project_ids, reserved=("all",))
        from ..store.layout import is_store

        whole = [None]
        if is_store(data) and len(project.villages) > ALL_PORTFOLIO_MAX_VILLAGES:
            import warnings

            whole = []
            warnings.warn(f"{PORTFOLIO_DIR}/all not rendered: the store holds "
                          f"{len(project.villages):,} villages (more than "
                          f"{ALL_PORTFOLIO_MAX_VILLAGES:,}); `evaluation national` writes the "
                          "whole program's tables out of core", stacklevel=2)
        for pid in [*project_ids, *whole]:
            params = portfolio_parameters(data, pid, lang=lang, chart_formats=formats,
                                          min_cell=min_cell)
            folder = "all" if pid is None else pnames[pid]
            tasks.append(Task("portfolio", pid, f"{PORTFOLIO_DIR}/{folder}", nb_portfolio,
                              params, lang,
                              _task_key(data=digest, notebook=nb_digests[nb_portfolio],
                                        kind="portfolio", id=pid, parameters=params), timeout,
                              _portfolio_timeout(report_timeout, pid, len(village_ids))))

    journal = Journal(out / JOURNAL)
    manifest = journal.replay(_read_manifest(out))   # what a killed run finished
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
    pending = _longest_first(pending, len(village_ids))

    n_workers = workers or _default_workers()
    kernel_options = {"memory_limit": memory}
    fatal: str | None = None
    problems: list[str] = []
    stop = StopSignals(grace)
    with stop:
        _clear_staging(out)            # leftovers of a run that was killed
        if pending:
            try:
                if engine == "dask":
                    outcomes_iter = run_dask(pending, out, n_workers, work=_render_task,
                                             stop=stop, kernel_options=kernel_options,
                                             failed_outcome=_failed_outcome,
                                             scheduler=scheduler, gather=gather,
                                             unpack=_unpack, progress=progress)
                else:
                    outcomes_iter = run_processes(pending, out, n_workers, work=_render_task,
                                                  stop=stop, kernel_options=kernel_options,
                                                  failed_outcome=_failed_outcome,
                                                  progress=progress)
                for outcome in outcomes_iter:
                    if outcome["status"] == "interrupted":
                        continue
                    if outcome.get("fatal"):
                        fatal = fatal or outcome["fatal"]
                        stop.abort()           # the disk is full: nothing more can be written
                        continue
                    outcome["last"] = outcome["status"]
                    outcomes[outcome["name"]] = outcome
                    entry = {k: v for k, v in outcome.items() if k != "zip"}
                    reports[outcome["name"]] = entry
                    try:
                        journal.append(outcome["name"], entry)   # resume exactly after a kill
                    except OSError as exc:
                        disk = output_error(exc)
                        if disk is None:
                            raise
                        fatal = fatal or describe_output_error(disk, journal.path)
                        stop.abort()
            finally:
                unfinished = {t.name for t in pending if t.name not in outcomes}
                _clear_staging(out, unfinished)
                try:
                    journal.compact(lambda: _write_manifest(out, manifest))
                except OSError as exc:   # the journal stays; the next run replays it
                    problems.append(describe_output_error(exc, out / MANIFEST)
                                    if output_error(exc) else str(exc))
        else:
            try:
                journal.compact(lambda: _write_manifest(out, manifest))
            except OSError as exc:
                problems.append(describe_output_error(exc, out / MANIFEST)
                                if output_error(exc) else str(exc))

    interrupted = {t.name for t in pending if t.name not in outcomes}
    index = out / INDEX
    try:
        index = write_index(out, project, names, manifest, lang=lang, interrupted=interrupted)
    except OSError as exc:
        if output_error(exc) is None:
            raise
        problems.append(describe_output_error(exc, out / INDEX))
    scan = None
    if privacy_scan and not fatal and not problems:
        # audit every output (the index included), then show the result in it
        from ..privacy_scan import place_names, scan_outputs, write_scan_summary

        people = (project.read_columns("participants", ["name", "national_id", "phone"])
                  if hasattr(project, "read_columns") else project.participants)  # a store
        # a national batch's outputs are scanned by as many processes as it rendered with
        findings = scan_outputs(out, participants=people,
                                places=place_names(project.villages),
                                workers=n_workers if engine == "process" else 1)
        write_scan_summary(out, findings)
        scan = {"n_files": int(findings.attrs.get("n_files", 0)), "n_findings": len(findings)}
        index = write_index(out, project, names, manifest, lang=lang, interrupted=interrupted)
    if fatal or problems:
        raise OutputWriteError(fatal or problems[0], also=problems[1:] if fatal is None
                               else problems)
    ordered = [outcomes.get(t.name) or {"name": t.name, "kind": t.kind, "id": t.id,
                                        "status": "interrupted", "error": None,
                                        "seconds": 0.0, "attempts": 0}
               for t in tasks]
    result = BatchResult(out_dir=out, index=index, reports=ordered,
                         seconds=time.perf_counter() - t0, workers=n_workers, engine=engine,
                         interrupted=stop.signal_name or None, privacy_scan=scan)
    result.exit_code = stop.exit_code or (1 if result.failed else 0)
    return result


