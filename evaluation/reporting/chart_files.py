"""The chart files of one village report, without rendering the report
(``evaluation charts DATA --village V01 --formats png,pdf``).

The report page has its charts inline (SVG, text as text) and writes no chart
files unless asked (``--chart-formats``). :func:`write_village_charts` runs
the same village sections in this process, with the same parameters, and
keeps only the chart files: the same files a report rendered with
``chart_formats=formats`` writes to ``charts/``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..disclosure import DEFAULT_MIN_CELL
from .context import ReportContext, report_chart_formats

__all__ = ["write_village_charts"]


def write_village_charts(project, village_id: str, out_dir, *,
                         formats: str | Iterable[str] = ("png", "svg", "pdf"),
                         lang: str = "th", min_cell: int = DEFAULT_MIN_CELL,
                         show_raw_text: bool = False) -> list[Path]:
    """Write every chart of one village's report as files.

    Parameters
    ----------
    project : Project
        The loaded program (:func:`evaluation.load_project`).
    village_id : str
        The village.
    out_dir : str or path-like
        Folder for the files (``<chart name>.<format>``); created if needed.
    formats : str or sequence of str, default ("png", "svg", "pdf")
        ``png`` (200 dpi), ``svg`` (text as paths: looks the same where the
        font is not installed), ``pdf`` (Sarabun embedded), ``jpg``.
    lang : {"th", "en"}, default "th"
    min_cell : int, default 3
        As for the report: no chart about fewer than this many people.
    show_raw_text : bool, default False
        As for the report (the word cloud of lessons texts).

    Returns
    -------
    list of pathlib.Path
        The files written, chart by chart in report order.

    Examples
    --------
    >>> import tempfile
    >>> import evaluation as ev
    >>> proj = ev.load_project("data/sample")
    >>> files = write_village_charts(proj, "V01", tempfile.mkdtemp(), formats="pdf")
    >>> len(files) >= 10, {p.suffix for p in files}
    (True, {'.pdf'})
    """
    from .village import run_village_sections

    fmts = report_chart_formats(formats)
    if not fmts:
        from ..errors import ArgumentError

        raise ArgumentError(f"formats must name at least one of png, svg, pdf, jpg; "
                            f"got {formats!r}")
    out = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="evaluation-charts-") as tmp:
        ctx = ReportContext(tmp, lang=lang, formats=fmts, display=False, min_cell=min_cell)
        run_village_sections(project, ctx, village_id=village_id, lang=lang,
                             show_raw_text=show_raw_text)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for fig in ctx.figures:
            for name in fig["files"]:
                target = out / name
                shutil.move(str(Path(tmp) / "charts" / name), target)
                written.append(target)
    return written
