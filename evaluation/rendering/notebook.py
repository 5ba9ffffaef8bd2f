"""Render one report: run a parameterised notebook, save it, export the HTML page.

Never imported by the notebooks. :func:`render_village_report` /
:func:`render_portfolio_report` (and :func:`render_notebook` under them)
execute a notebook with papermill semantics (``parameters`` cell,
``injected-parameters`` cell) on a :class:`~evaluation.rendering.kernel.WarmKernel`,
then export HTML in process (:mod:`evaluation.rendering.html`). Everything is
written into a staging folder and moved into place at the end,
``report.html`` last, so an interrupted run never leaves a half report that
looks complete. A kernel that dies is replaced and the report retried once.

A failed report is described by one typed record, :class:`ReportFailure`
(cell index, execution count, first source line, exception name, message,
village), made here from papermill's exception and carried unchanged to
``error.json``, ``manifest.json``, the batch summary and the index page.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ArgumentError, EvaluationError
from ..disclosure import DEFAULT_MIN_CELL, check_min_cell
from ..export import atomic_write_text, safe_name
from ..safe_files import sync_folder
from ..i18n import check_lang
from ..reporting.context import REPORT_CHART_FORMATS, report_chart_formats
from ..reporting.headline import read_headline_file
from .html import export_html
from .kernel import WarmKernel
from .lifecycle import output_error

__all__ = [
    "NOTEBOOKS_DIR",
    "RenderResult",
    "ReportError",
    "ReportFailure",
    "default_notebook",
    "describe_error",
    "notebook_digest",
    "portfolio_parameters",
    "render_notebook",
    "render_portfolio_report",
    "render_village_report",
    "village_parameters",
]

#: The packaged report notebooks.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
STAGING = ".staging"
#: Longest exception message kept in a failure record.
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class ReportFailure:
    """Why a report failed: one record from the engine to the index.

    Attributes
    ----------
    ename : str
        Exception name (``ValueError``, ``DeadKernelError`` …).
    evalue : str
        Its message (at most 2,000 characters).
    cell_index : int or None
        Index of the failing cell in the notebook (None: not a cell error).
    execution_count : int or None
        The cell's ``In [n]`` number.
    source : str
        First non-blank line of the failing cell.
    village : str or None
        The village id of a village report (None for a portfolio report).

    The record reads like a mapping too (``failure["ename"]``) and is saved
    as JSON (:meth:`to_json`) in ``error.json`` and ``manifest.json``.

    Examples
    --------
    >>> f = ReportFailure("KeyError", "'x'", cell_index=6, execution_count=5, village="V01")
    >>> f.describe()
    "cell In [5]: KeyError: 'x'"
    >>> ReportFailure.from_json(f.to_json()) == f
    True
    """

    ename: str
    evalue: str
    cell_index: int | None = None
    execution_count: int | None = None
    source: str = ""
    village: str | None = None

    @classmethod
    def from_exception(cls, exc: BaseException, *, village: str | None = None) -> "ReportFailure":
        """The record of papermill's ``PapermillExecutionError`` (cell details) or of
        any other exception (kernel death, engine failure)."""
        from papermill.exceptions import PapermillExecutionError

        if isinstance(exc, PapermillExecutionError):
            first = next((ln for ln in (exc.source or "").splitlines() if ln.strip()), "")
            return cls(ename=exc.ename, evalue=str(exc.evalue)[:MAX_MESSAGE],
                       cell_index=exc.cell_index, execution_count=exc.exec_count,
                       source=first[:200], village=village)
        return cls(ename=type(exc).__name__, evalue=str(exc)[:MAX_MESSAGE], village=village)

    @classmethod
    def from_json(cls, data) -> "ReportFailure | None":
        """The record saved by :meth:`to_json` (None for None/empty)."""
        if not data:
            return None
        if isinstance(data, cls):
            return data
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in dict(data).items() if k in known}
        values.setdefault("ename", "Error")
        values.setdefault("evalue", "")
        values["source"] = values.get("source") or ""
        return cls(**values)

    def to_json(self) -> dict:
        """A JSON-serialisable dict (the record's fields)."""
        return asdict(self)

    def describe(self) -> str:
        """``cell In [5]: ValueError: message (in: first line)``."""
        where = (f"cell In [{self.execution_count}]" if self.execution_count
                 else f"cell {self.cell_index}" if self.cell_index is not None else "kernel")
        text = f"{where}: {self.ename or 'Error'}: {self.evalue or ''}".strip()
        if self.source:
            text += f" (in: {self.source})"
        return text

    # read like the dict it replaces
    def __getitem__(self, key: str):
        if key not in {f.name for f in fields(self)}:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default=None):
        return getattr(self, key, default)


def describe_error(error) -> str:
    """``cell In [5]: ValueError: message`` from a :class:`ReportFailure` or its JSON.

    >>> describe_error(None)
    'unknown error'
    """
    failure = ReportFailure.from_json(error)
    return "unknown error" if failure is None else failure.describe()


class ReportError(EvaluationError):
    """A report notebook failed.

    Attributes
    ----------
    result : RenderResult
        What happened; ``result.error`` is the :class:`ReportFailure`.
    """

    def __init__(self, result: "RenderResult"):
        self.result = result
        err = result.error or ReportFailure("Error", "")
        where = f"cell {err.execution_count}" if err.execution_count else "kernel"
        super().__init__(f"report {result.name!r} failed at {where}: {err.ename}: {err.evalue}")


@dataclass
class RenderResult:
    """Outcome of one report.

    Attributes
    ----------
    name : str
        Folder name of the report inside the output folder.
    status : {"ok", "failed", "interrupted"}
    path : pathlib.Path
        The report folder.
    seconds : float
        Wall time (execution + export).
    attempts : int
        1, or 2 when the kernel died and the report was retried.
    error : ReportFailure or None
        Why a failed report failed.
    headline : dict
        Contents of the notebook's ``headline.json`` (title, headline figures).
    """

    name: str
    status: str
    path: Path
    seconds: float = 0.0
    attempts: int = 1
    error: ReportFailure | None = None
    headline: dict = field(default_factory=dict)

    @property
    def html(self) -> Path:
        return self.path / "report.html"

    def to_json(self) -> dict:
        out = asdict(self)
        out["path"] = str(self.path)
        out["error"] = None if self.error is None else self.error.to_json()
        return out


def default_notebook(kind: str) -> Path:
    """Path of a packaged report notebook: ``"village"``, ``"card"`` (the village
    summary card) or ``"portfolio"``."""
    names = {"village": "village_report.ipynb", "card": "village_card.ipynb",
             "portfolio": "portfolio_report.ipynb"}
    if kind not in names:
        raise ArgumentError(f"kind must be one of {sorted(names)}, got {kind!r}")
    candidates = [Path(os.environ["EVALUATION_NOTEBOOKS"]) / names[kind]] \
        if os.environ.get("EVALUATION_NOTEBOOKS") else []
    candidates += [NOTEBOOKS_DIR / names[kind],
                   Path(__file__).resolve().parents[2] / "notebooks" / names[kind]]
    for path in candidates:
        if path.is_file():
            return path
    raise EvaluationError(f"report notebook {names[kind]} not found; looked in "
                          + ", ".join(str(p.parent) for p in candidates)
                          + " (set EVALUATION_NOTEBOOKS to the folder holding it)")


@functools.lru_cache(maxsize=8)
def _read_notebook_cached(path: str, mtime_ns: int):
    import nbformat

    return nbformat.read(path, as_version=4)


def _load_notebook(notebook):
    import nbformat

    if isinstance(notebook, nbformat.NotebookNode):
        return copy.deepcopy(notebook)
    path = Path(notebook)
    if not path.is_file():
        raise EvaluationError(f"notebook not found: {path}")
    return copy.deepcopy(_read_notebook_cached(str(path.resolve()), path.stat().st_mtime_ns))


def _is_dead_kernel(exc: BaseException) -> bool:
    from nbclient.exceptions import DeadKernelError

    return isinstance(exc, DeadKernelError) or "DeadKernelError" in type(exc).__name__


def render_notebook(notebook, parameters: Mapping[str, Any], out_dir, name: str, *,
                    kernel: WarmKernel | None = None, lang: str = "th",
                    title: str | None = None, timeout: float | None = 600,
                    retries: int = 1, village: str | None = None,
                    report_timeout: float | None = None, abort=None) -> RenderResult:
    """Execute a report notebook and write its folder ``out_dir/name/`` atomically.

    The notebook runs in a staging folder ``out_dir/.staging/name`` (its
    ``out_dir`` parameter is set to it); when every cell succeeded the
    executed notebook is saved as ``report.ipynb``, the HTML as
    ``report.html`` (last) and the staging folder replaces the old report
    folder. A failed notebook leaves ``report.failed.ipynb`` and
    ``error.json`` (no ``report.html``) in the folder.

    Parameters
    ----------
    notebook : path or NotebookNode
        Notebook with a cell tagged ``parameters``.
    parameters : mapping
        Values injected by papermill (JSON-serialisable); ``out_dir`` is added.
    out_dir : path
        Output root.
    name : str
        Folder name (use :func:`evaluation.export.safe_name`).
    kernel : WarmKernel, optional
        Kernel to reuse; by default one is started for this call and stopped.
    lang : {"th", "en"}
    title : str, optional
        Page title; default the title the notebook set with
        :meth:`ReportContext.set_title`.
    timeout : float, optional
        Seconds allowed per cell.
    retries : int, default 1
        How often a report is retried when the kernel dies (on a new kernel).
    village : str, optional
        The village id, recorded in the :class:`ReportFailure` of a failed report.
    report_timeout : float, optional
        Seconds allowed for the whole notebook: past it the kernel is
        stopped and replaced and the report fails with ``ReportTimeout``.
    abort : callable, optional
        Polled while the notebook runs; when it returns true the kernel is
        stopped, nothing is written and the result's status is
        ``"interrupted"`` (a batch run being stopped).

    Returns
    -------
    RenderResult
        ``status`` ``"ok"`` or ``"failed"`` (``"interrupted"`` only with
        `abort`). A report that runs out of memory (``MemoryError``, e.g.
        beyond the kernel's ``memory_limit``) fails with "out of memory" and
        its kernel is replaced.

    Raises
    ------
    OSError
        The output cannot be written (full disk, read-only folder): the
        staging folder is removed and the previous report left as it was.

    Examples
    --------
    >>> from evaluation.rendering.notebook import default_notebook, village_parameters
    >>> params = village_parameters("data/sample", "V01", chart_formats="png")
    >>> result = render_notebook(default_notebook("card"), params, "out", "V01",
    ...                          village="V01")               # doctest: +SKIP
    >>> result.status, result.html.name                       # doctest: +SKIP
    ('ok', 'report.html')
    """
    check_lang(lang)
    if safe_name(name) != name:
        raise ArgumentError(f"name must be a safe folder name (see safe_name), got {name!r}")
    out_root = Path(out_dir).resolve()
    staging = out_root / STAGING / name
    final = out_root / name
    nb = _load_notebook(notebook)
    own_kernel = kernel is None
    kernel = kernel or WarmKernel()
    t0 = time.perf_counter()
    attempts, error, executed = 0, None, None
    try:
        while True:
            attempts += 1
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            params = dict(parameters)
            params["out_dir"] = str(staging)
            try:
                executed = kernel.execute(nb, params, output_path=staging / "report.ipynb",
                                          timeout=timeout, report_timeout=report_timeout,
                                          abort=abort)
                error = None
                break
            except Exception as exc:  # noqa: BLE001 - recorded in the result
                disk = output_error(exc) or _cell_output_error(exc)
                if disk is not None:      # the output cannot be written: stop the run
                    raise disk from exc
                error = ReportFailure.from_exception(exc, village=village)
                reason = kernel.stop_reason
                if reason == "interrupted":   # the batch is stopping: leave nothing behind
                    shutil.rmtree(staging, ignore_errors=True)
                    return RenderResult(name=name, status="interrupted", path=final,
                                        seconds=time.perf_counter() - t0, attempts=attempts)
                if reason == "timeout":
                    error = ReportFailure(
                        "ReportTimeout", f"the report did not finish within "
                        f"{report_timeout:g} s (report timeout); its kernel was stopped and "
                        f"replaced", village=village)
                    kernel.restart()
                    break
                if error.ename == "MemoryError":
                    cap = kernel.memory_limit
                    limit = f" of {cap / 2**30:.1f} GB (kernel memory cap)" if cap else ""
                    error = replace(error, evalue=f"out of memory: the report needed more "
                                    f"than the kernel's memory{limit}; the kernel was replaced"
                                    + (f" ({error.evalue})" if error.evalue else ""))
                    kernel.restart()
                    break
                if _is_dead_kernel(exc) or not kernel.alive:
                    kernel.restart()
                    if attempts <= retries:
                        continue
                break
        headline = read_headline_file(staging)
        if error is None:
            page_title = title or headline.get("title") or name
            html_text = export_html(executed, title=page_title, lang=lang)
            atomic_write_text(staging / "report.html", html_text)  # the last file of a report
            status = "ok"
        else:
            failed_nb = staging / "report.ipynb"
            if failed_nb.exists():
                os.replace(failed_nb, staging / "report.failed.ipynb")
            atomic_write_text(staging / "error.json",
                              json.dumps(error.to_json(), ensure_ascii=False, indent=1))
            status = "failed"
        sync_folder(staging)   # every file on disk before the folder replaces the old one
        _swap_into_place(staging, final)
    except BaseException:
        # nothing half-written stays behind (full disk, stopped run): the
        # previous report folder, if any, is untouched
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(out_root / STAGING)
        raise
    finally:
        if own_kernel:
            kernel.shutdown()
    _remove_empty(out_root / STAGING)
    return RenderResult(name=name, status=status, path=final, seconds=time.perf_counter() - t0,
                        attempts=attempts, error=error, headline=headline)


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


_ERRNO_RE = re.compile(r"\[Errno (\d+)\] ([^:]*)(?::\s*'(.*)')?")


def _cell_output_error(exc: BaseException) -> OSError | None:
    """The OSError of a notebook cell that could not write its files (a full disk)."""
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(exc, PapermillExecutionError) or "Error" not in (exc.ename or ""):
        return None
    match = _ERRNO_RE.search(str(exc.evalue))
    if not match:
        return None
    err = OSError(int(match.group(1)), match.group(2).strip(), match.group(3))
    return output_error(err)


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace `final` by `staging` with renames (same file system)."""
    old = staging.with_name(staging.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    try:
        os.replace(staging, final)
    except OSError:
        if old.exists() and not final.exists():
            os.replace(old, final)      # put the previous report back
        raise
    shutil.rmtree(old, ignore_errors=True)


def village_parameters(data_dir, village_id: str, *, lang: str = "th",
                       show_raw_text: bool = False,
                       chart_formats: str | Iterable[str] | None = REPORT_CHART_FORMATS,
                       min_cell: int = DEFAULT_MIN_CELL) -> dict:
    """Papermill parameters of the village report (``out_dir`` is added when run)."""
    return {"data_dir": str(Path(data_dir).resolve()), "village_id": str(village_id),
            "lang": check_lang(lang), "show_raw_text": bool(show_raw_text),
            "chart_formats": _formats_text(chart_formats), "min_cell": check_min_cell(min_cell)}


def portfolio_parameters(data_dir, project_id: str | None = None, *, lang: str = "th",
                         chart_formats: str | Iterable[str] | None = REPORT_CHART_FORMATS,
                         min_cell: int = DEFAULT_MIN_CELL) -> dict:
    """Papermill parameters of the portfolio report (``out_dir`` is added when run)."""
    return {"data_dir": str(Path(data_dir).resolve()),
            "project_id": None if project_id is None else str(project_id),
            "lang": check_lang(lang), "chart_formats": _formats_text(chart_formats),
            "min_cell": check_min_cell(min_cell)}


def _formats_text(formats) -> str:
    """``"png,svg,pdf"`` or ``""`` (no files): the notebooks' ``chart_formats``
    parameter (validated)."""
    return ",".join(report_chart_formats(formats))


def render_village_report(data_dir, village_id: str, out_dir, *, lang: str = "th",
                          show_raw_text: bool = False, kernel: WarmKernel | None = None,
                          notebook=None, timeout: float | None = 600,
                          chart_formats: str | Iterable[str] | None = REPORT_CHART_FORMATS,
                          min_cell: int = DEFAULT_MIN_CELL) -> Path:
    """Render one village's report into ``out_dir/<village>/``.

    Parameters
    ----------
    data_dir : str or path-like
        The program's data folder (or workbook).
    village_id : str
        The village to report on.
    out_dir : str or path-like
        Output root; the report folder is ``safe_name(village_id)``.
    lang : {"th", "en"}, default "th"
    show_raw_text : bool, default False
        Show lessons-learned text as written (default: redacted quotes only).
    kernel : WarmKernel, optional
        Reuse a running kernel (batch runs); by default a kernel is started
        and stopped for this report.
    notebook : path, optional
        Report notebook (default ``notebooks/village_report.ipynb``).
    timeout : float, optional
        Seconds allowed per cell.
    chart_formats : str or sequence of str, default "" (no chart files)
        Chart files written to ``charts/`` (the notebook parameter
        ``chart_formats``), e.g. ``"png,svg,pdf"``: PNG at 200 dpi, SVG with
        text as paths, PDF with the font embedded; each costs time per chart.
        The page always shows every chart as inline SVG.
    min_cell : int, default 3
        No statistic about fewer than this many people is shown (the
        notebook parameter ``min_cell``; see :mod:`evaluation.disclosure`).

    Returns
    -------
    pathlib.Path
        ``out_dir/<village>/report.html``. Next to it: ``report.ipynb``
        (executed, papermill format), ``charts/``, ``tables/``,
        ``tables.xlsx``, ``headline.json``.

    Raises
    ------
    ReportError
        When a cell fails (the error names the cell and the exception).

    Examples
    --------
    Rendering starts a kernel (a few seconds; not run as a doctest):

    >>> from evaluation.rendering import render_village_report
    >>> render_village_report("data/sample", "V01", "reports")        # doctest: +SKIP
    PosixPath('reports/V01/report.html')
    """
    result = render_notebook(
        notebook or default_notebook("village"),
        village_parameters(data_dir, village_id, lang=lang, show_raw_text=show_raw_text,
                           chart_formats=chart_formats, min_cell=min_cell),
        out_dir, safe_name(village_id), kernel=kernel, lang=lang, timeout=timeout,
        village=str(village_id))
    if result.status != "ok":
        raise ReportError(result)
    return result.html


def render_portfolio_report(data_dir, out_dir, *, project_id: str | None = None,
                            lang: str = "th", kernel: WarmKernel | None = None,
                            notebook=None, timeout: float | None = 600,
                            chart_formats: str | Iterable[str] | None = REPORT_CHART_FORMATS,
                            min_cell: int = DEFAULT_MIN_CELL) -> Path:
    """Render the portfolio report of one project (or of the whole folder).

    The report folder is ``out_dir/portfolio/<project>/`` (``all`` for the
    whole folder). Parameters and outputs are as for
    :func:`render_village_report`.

    Returns
    -------
    pathlib.Path
        Path of ``report.html``.

    Examples
    --------
    >>> from evaluation.rendering import render_portfolio_report
    >>> render_portfolio_report("data/sample", "reports", project_id="P01")  # doctest: +SKIP
    PosixPath('reports/portfolio/P01/report.html')
    """
    name = "all" if project_id is None else safe_name(project_id)
    root = Path(out_dir) / "portfolio"
    result = render_notebook(
        notebook or default_notebook("portfolio"),
        portfolio_parameters(data_dir, project_id, lang=lang, chart_formats=chart_formats,
                             min_cell=min_cell),
        root, name, kernel=kernel,
        lang=lang, timeout=timeout)
    if result.status != "ok":
        raise ReportError(result)
    return result.html


def notebook_digest(notebook) -> str:
    """SHA-256 of a notebook's cells (sources only; outputs ignored).

    >>> len(notebook_digest(default_notebook("village")))
    64
    """
    nb = _load_notebook(notebook)
    text = json.dumps([(c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", [])))
                       for c in nb.cells], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

