"""What a report notebook writes with: :class:`ReportContext` and :func:`report_project`.

Imported by the report notebooks (never by the rendering side's callers):

* :class:`ReportContext` shows every chart and table in the report (text
  from the data escaped), saves charts as PNG/SVG/PDF and tables as CSV and
  in one Excel workbook, and writes ``headline.json`` (see
  :mod:`evaluation.reporting.headline` for its schema) for the batch index.
* :func:`report_project` loads a data folder once per kernel and hands every
  notebook its own copy.
* The helpers the sections share to write through a context:
  :func:`resolve_lang`, :func:`section_heading`, :func:`explain`,
  :func:`no_data` and :func:`show_table`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..disclosure import (DEFAULT_MIN_CELL, SUPPRESSED_COLUMN, check_min_cell,
                          small_count_label, suppress_small_cells)
from ..export import (chart_formats, html_escape, html_table,
                      safe_name, write_csv, write_tables)
from ..i18n import COLUMN_LABELS, ROLES, check_lang, label, tr
from ..results import SectionArgumentError
from .fmt import format_number, format_report_date
from .headline import write_headline_file

__all__ = ["REPORT_CHART_FORMATS", "ReportContext", "SectionArgumentError", "explain", "no_data",
           "report_chart_formats", "report_project",
           "resolve_lang", "section_heading", "show_table"]


#: Chart files a report writes by default: none (the page has every chart inline).
REPORT_CHART_FORMATS: tuple[str, ...] = ()


def report_chart_formats(formats: str | Iterable[str] | None = REPORT_CHART_FORMATS
                         ) -> tuple[str, ...]:
    """The chart files a report writes: ``""``, ``"none"`` or ``None`` for none.

    Otherwise as :func:`evaluation.export.chart_formats` (``"png,svg,pdf"``).

    >>> report_chart_formats(""), report_chart_formats("none"), report_chart_formats("png, pdf")
    ((), (), ('png', 'pdf'))
    """
    if formats is None:
        return ()
    if isinstance(formats, str) and formats.strip().lower() in ("", "none"):
        return ()
    if not isinstance(formats, str) and len(list(formats)) == 0:
        return ()
    return chart_formats(formats)


def resolve_lang(ctx, lang: str | None) -> str:
    """The report language: `lang` if given, else the context's, else Thai.

    >>> resolve_lang(None, None), resolve_lang(None, "en")
    ('th', 'en')
    """
    if lang is None:
        lang = getattr(ctx, "lang", "th")
    if lang not in ("th", "en"):
        raise SectionArgumentError(f"lang must be one of 'th', 'en'; got {lang!r}")
    return lang


class ReportContext:
    """What a report notebook uses to show and save its charts and tables.

    Parameters
    ----------
    out_dir : str or path-like
        The report folder (the notebook's ``out_dir`` parameter). Charts go to
        ``charts/<name>.{png,svg,pdf}``, tables to ``tables/<name>.csv`` and
        ``tables.xlsx``, headline figures to ``headline.json``.
    lang : {"th", "en"}
        Language of labels written by the context.
    formats : str or tuple of str, default ()
        Chart files to write besides the page (:func:`report_chart_formats`):
        none by default; a sequence or comma-separated text such as the
        notebooks' ``chart_formats`` parameter (``"png,svg,pdf"``, ``"png"``).
        The page always shows every chart as inline SVG whose text is text.
    dpi : int, default 200
        PNG file resolution.
    min_cell : int, default 3
        No statistic about fewer than this many people is shown:
        :meth:`suppress` hides such rows of a table, :meth:`small_count`
        writes such counts as ``<3``; :attr:`suppressed` counts the hidden
        cells for the data-quality section.
    lite_charts : bool, default True
        Draw the page's charts as light figures straight to SVG
        (:func:`report_section`, :mod:`evaluation.charts.lite`); False draws them
        with matplotlib. With chart files requested (`formats`) matplotlib
        draws them either way.

    Notes
    -----
    Every text that can come from the data (names, captions with names) is
    HTML-escaped before display; numbers in tables get thousands separators.
    Call :meth:`finalize` in the last cell.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> ctx = ReportContext(tempfile.mkdtemp(), lang="th", display=False)
    >>> ctx.table(pd.DataFrame({"บทบาท": ["แกนนำ"], "จำนวน": [3]}), "roles", "ผู้เข้าร่วม")
    >>> ctx.finalize()
    >>> sorted(p.name for p in ctx.written)
    ['headline.json', 'tables.xlsx']
    """

    def __init__(self, out_dir, lang: str = "th", *,
                 formats: str | Iterable[str] | None = (),
                 dpi: int = 200, display: bool = True, min_cell: int = DEFAULT_MIN_CELL,
                 lite_charts: bool = True):
        self.out_dir = Path(out_dir)
        self.min_cell = check_min_cell(min_cell)
        self.suppressed = 0
        self.lang = check_lang(lang)
        self.formats = report_chart_formats(formats)
        #: Draw the page's charts with the light SVG path (:func:`report_section`).
        self.lite_charts = bool(lite_charts)
        self.dpi = dpi
        self.show = display
        self._grouped: list[str] | None = None
        self.title: str | None = None
        self.tables: dict[str, tuple[str, Any]] = {}
        self.figures: list[dict] = []
        self.headlines: dict[str, dict] = {}
        self._names: set[str] = set()
        self.out_dir.mkdir(parents=True, exist_ok=True)

    # -- helpers ----------------------------------------------------------------
    def suppress(self, frame, **kwargs):
        """:func:`evaluation.disclosure.suppress_small_cells` with this report's
        ``min_cell``; the hidden cells are added to :attr:`suppressed`."""
        out, n = suppress_small_cells(frame, min_cell=self.min_cell, **kwargs)
        self.suppressed += n
        return out.drop(columns=SUPPRESSED_COLUMN)

    def is_small(self, n) -> bool:
        """Whether ``n`` people are too few to show a statistic about them (1 <= n < min_cell)."""
        import pandas as pd

        return n is not None and not pd.isna(n) and 0 < n < self.min_cell

    def small_count(self, n) -> str:
        """A count for display: ``<3`` when it is small (counted as suppressed)."""
        if self.is_small(n):
            self.suppressed += 1
            return small_count_label(self.min_cell)
        return format_number(n)

    def pick(self, th: str, en: str) -> str:
        """The Thai or English text, by the report language."""
        return th if self.lang == "th" else en

    def date(self, value) -> str:
        """A date as shown in the report (Buddhist era in Thai)."""
        return format_report_date(value, self.lang)

    def number(self, value, decimals: int | None = None) -> str:
        """A number with thousands separators (``1,500``)."""
        return format_number(value, decimals)

    def _unique(self, name: str, kind: str) -> str:
        base = safe_name(name, max_bytes=60)
        cand, i = base, 1
        while (kind, cand.casefold()) in self._names:
            i += 1
            cand = f"{base}-{i}"
        self._names.add((kind, cand.casefold()))
        return cand

    def _display_html(self, markup: str) -> None:
        if not self.show:
            return
        if self._grouped is not None:
            self._grouped.append(markup)
            return
        from IPython.display import HTML, display

        display(HTML(markup))

    @contextlib.contextmanager
    def grouped_output(self):
        """Within the block, what the context shows goes out as one HTML output at its end.

        Nested blocks join the outer one. The output is sent even when the
        block raises, so a failing section still shows what it wrote.
        """
        if self._grouped is not None:
            yield
            return
        self._grouped = []
        try:
            yield
        finally:
            parts, self._grouped = self._grouped, None
            if parts:
                from IPython.display import HTML, display

                display(HTML("".join(parts)))

    # -- text ---------------------------------------------------------------------
    def set_title(self, title: str) -> None:
        """The page title (browser tab, index); shown escaped."""
        self.title = str(title)

    def heading(self, text: str, level: int = 2) -> None:
        """A heading whose text comes from the data (escaped)."""
        if level not in (1, 2, 3, 4):
            raise SectionArgumentError(f"level must be 1, 2, 3 or 4, got {level!r}")
        self._display_html(f"<h{level} class=\"ev-heading\">{html_escape(text)}</h{level}>")

    def paragraph(self, text: str, *, css: str = "ev-text") -> None:
        """A paragraph of text from the data (escaped)."""
        self._display_html(f"<p class=\"{html_escape(css)}\">{html_escape(text)}</p>")

    def note(self, text: str) -> None:
        """A short explanation (for example: no data for this section)."""
        self.paragraph(text, css="ev-note")

    def facts(self, items: Mapping[str, Any]) -> None:
        """A list of label: value pairs (cover page facts); all escaped."""
        rows = "".join(
            f"<dt>{html_escape(k)}</dt><dd>{html_escape(self._as_text(v))}</dd>"
            for k, v in items.items())
        self._display_html(f"<dl class=\"ev-facts\">{rows}</dl>")

    def _as_text(self, value) -> str:
        if isinstance(value, (_dt.date, _dt.datetime)):
            return self.date(value)
        return format_number(value)

    # -- headline figures -------------------------------------------------------
    def headline(self, key: str, value, *, label: str, display: str | None = None,
                 n: int | None = None, ci: tuple[float, float] | None = None,
                 unit: str = "") -> None:
        """Record (and later show in the batch index) one headline figure.

        Parameters
        ----------
        key : str
            Stable identifier (``participants``, ``happiness_change``,
            ``income_change``, ``ladder_achievement`` ...); the index has one
            column per key.
        value : number or None
            The unrounded value (used for sorting).
        label : str
            Column header shown in the index.
        display : str, optional
            How to show it (default: thousands separators + `unit`).
        n : int, optional
            Number of observations behind an estimate.
        ci : (low, high), optional
            95% confidence interval of an estimate.
        unit : str
            Unit appended to the displayed value.
        """
        val = None if value is None else (float(value) if _is_number(value) else str(value))
        if val is not None and isinstance(val, float) and val != val:  # NaN
            val = None
        shown = display if display is not None else (
            format_number(val) + (f" {unit}" if unit and val is not None else ""))
        self.headlines[str(key)] = {
            "label": str(label), "value": val, "display": shown, "n": n,
            "ci": [float(ci[0]), float(ci[1])] if ci is not None else None,
        }

    # -- charts and tables --------------------------------------------------------
    def figure(self, fig, name: str, title: str, caption: str) -> None:
        """Show a chart in the report (inline SVG) with its caption; files on request.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
        name : str
            File name stem (made safe) of the chart files, ``charts/<name>.png`` ...
            (only with :attr:`formats`).
        title : str
            Short title (alternative text of the picture).
        caption : str
            One plain-language sentence saying what the chart shows.

        Notes
        -----
        The files written are listed in ``self.figures`` (and in
        ``headline.json``).
        """
        from ..charts.lite import LiteFigure, LiteUnsupported, is_lite
        from ..charts.svg import render_chart

        stem = self._unique(name, "figure")
        prefix = f"ev-c{len(self.figures) + 1}-"
        svg = None
        if is_lite(fig) and not self.formats:
            # a light figure (see report_section): its SVG straight from what was drawn
            try:
                svg, paths = fig.to_svg(prefix=prefix, title=title), []
            except LiteUnsupported:
                svg = None
        if svg is None:
            if isinstance(fig, LiteFigure):
                fig = fig.materialize()
            # the page gets the chart as SVG with its text as text (drawn with the page's
            # Sarabun); files only in the formats asked for, from the same layout
            svg, paths = render_chart(fig, prefix=prefix, title=title,
                                      path=self.out_dir / "charts" / stem, formats=self.formats,
                                      dpi=self.dpi)
        self.figures.append({"name": stem, "title": str(title), "caption": str(caption),
                             "files": [p.name for p in paths]})
        self._display_html(
            f"<figure class=\"ev-figure\">{svg}"
            f"<figcaption>{html_escape(caption)}</figcaption></figure>")
        _close_figure(fig)

    def labelled(self, frame):
        """Give a table display headers (:data:`COLUMN_LABELS`) and role names.

        Columns not in the label list keep their names; a ``role`` column's
        codes become labels (คณะทำงาน ...).
        """
        out = frame.copy()
        if "role" in out.columns:
            out["role"] = [label("role", r, lang=self.lang) if r in ROLES else r for r in out["role"]]
        return out.rename(columns=COLUMN_LABELS[self.lang])

    def table(self, frame, name: str, title: str, *, decimals=None, note: str | None = None,
              show: bool = True, formatters=None, rows=None, files=None) -> None:
        """Record a table for ``tables.xlsx`` and ``tables/<name>.csv`` and show it.

        Parameters
        ----------
        frame : DataFrame
            Column names are the headers (give Thai headers). Values are saved
            unrounded; the report shows them with thousands separators.
        name : str
            CSV file stem (made safe).
        title : str
            Sheet name (shortened to 31 characters) and table caption.
        decimals : int or mapping, optional
            Decimal places shown in the report.
        note : str, optional
            A sentence under the table.
        show : bool, default True
            Show in the report (False: files only).
        formatters : mapping, optional
            ``{column: function(value) -> str}`` used for display only, e.g.
            :func:`evaluation.export.format_p` for p-values (files keep the
            numbers).
        rows : array of bool or index labels, optional
            Show only these rows in the report (files keep every row).
        files : DataFrame, optional
            What the CSV file and the ``tables.xlsx`` sheet hold instead of
            `frame`: the numbers behind a table the page shows as formatted
            text (``frame.attrs["number_formats"]`` gives their Excel formats).
        """
        stem = self._unique(name, "table")
        data = frame if files is None else files
        write_csv(data, self.out_dir / "tables" / f"{stem}.csv")
        self.tables[stem] = (str(title), data.copy())
        if show:
            markup = html_table(frame, decimals=decimals, caption=title, formatters=formatters,
                                rows=rows)
            if note:
                markup += f"<p class=\"ev-note\">{html_escape(note)}</p>"
            self._display_html(f"<div class=\"ev-table-wrap\">{markup}</div>")

    def finalize(self) -> None:
        """Write ``tables.xlsx`` (if any table) and ``headline.json``; call last.

        The paths written are kept in ``self.written``.
        """
        written = []
        if self.tables:
            written.append(write_tables({title: frame for title, frame in self.tables.values()},
                                        self.out_dir / "tables.xlsx", lang=self.lang))
        written.append(write_headline_file(
            self.out_dir, title=self.title, lang=self.lang, headline=self.headlines,
            figures=self.figures,
            tables=[{"name": k, "title": t} for k, (t, _) in self.tables.items()]))
        self.written = written


def _is_number(value) -> bool:
    import numbers

    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _close_figure(fig) -> None:
    from ..charts.lite import LiteFigure

    if isinstance(fig, LiteFigure):
        return
    if "matplotlib.pyplot" in sys.modules:  # figures made with pyplot are closed too
        sys.modules["matplotlib.pyplot"].close(fig)


def report_section(section):
    """Decorate a report section ``section(project, ctx, ...)``: light charts, one output.

    While the section runs:

    * its charts are light figures drawn straight to SVG:
      :func:`evaluation.charts.base.new_figure` makes
      :class:`~evaluation.charts.lite.LiteFigure` stand-ins
      (:func:`evaluation.charts.lite.lite_figures`) when the context writes no
      chart files (``ctx.formats`` empty) and ``ctx.lite_charts`` is true (the
      default); :meth:`ReportContext.figure` writes their SVG. A chart the
      light path cannot draw becomes a matplotlib figure by itself;
    * what it shows is sent to the notebook as one HTML output when it ends
      (:meth:`ReportContext.grouped_output`): a report cell has one output
      instead of dozens, which the kernel, papermill and the HTML export each
      handle once. The page is the same.
    """
    import functools

    @functools.wraps(section)
    def run(project, ctx, *args, **kwargs):
        from ..charts.lite import lite_figures

        enabled = bool(getattr(ctx, "lite_charts", False)) and not getattr(ctx, "formats", ())
        grouped = getattr(ctx, "grouped_output", None)
        with lite_figures(enabled), (grouped() if grouped else contextlib.nullcontext()):
            return section(project, ctx, *args, **kwargs)

    return run


# -- what the sections write through a context ---------------------------------
def section_heading(ctx, lang: str, th: str, en: str, level: int = 2) -> None:
    """A section heading in the report language."""
    ctx.heading(tr(lang, th, en), level=level)


def explain(ctx, lang: str, th: str, en: str) -> None:
    """A paragraph of narrative text (generated, escaped by the context)."""
    ctx.paragraph(tr(lang, th, en))


def too_few(ctx, lang: str, n, th: str, en: str) -> bool:
    """Whether ``n`` people are fewer than the report's ``min_cell``; if so, a
    note says what is not shown and one suppressed cell is counted."""
    is_small = getattr(ctx, "is_small", None)
    if is_small is None or not is_small(n):
        return False
    ctx.suppressed += 1
    ctx.note(tr(lang, f"{th}: ไม่แสดง เพราะมีข้อมูลของคนหรือครัวเรือนน้อยกว่า {ctx.min_cell} "
                      "ซึ่งอาจระบุตัวบุคคลได้",
                f"{en}: not shown, because fewer than {ctx.min_cell} people or households "
                "have data (they could be identified)."))
    return True


def small_counts(ctx, frame, columns):
    """Counts of ``columns`` as display text, ``<3`` where small (each counted)."""
    if getattr(ctx, "small_count", None) is None:
        return frame
    out = frame.copy()
    for col in columns:
        out[col] = [ctx.small_count(v) for v in frame[col].tolist()]
    return out


def count_small_groups(ctx, frame, min_cell: int) -> None:
    """Add the groups of a split (``n`` between 1 and ``min_cell - 1``) that a
    table will hide to the report's suppressed cells."""
    import pandas as pd

    if hasattr(ctx, "suppressed") and "n" in frame.columns:
        n = pd.to_numeric(frame["n"], errors="coerce")
        ctx.suppressed += int(((n > 0) & (n < min_cell)).sum())


_HEADLINE_GROUPS = {
    "happiness_n": ("happiness_mean_change", "happiness_ci_low", "happiness_ci_high",
                    "happiness_share_improved", "happiness_p_t", "happiness_p_wilcoxon"),
    "income_n": ("income_mean_change", "income_ci_low", "income_ci_high", "income_share_up"),
    "n_participants": (), "n_households": (),
}


def suppress_headline(ctx, figs: dict) -> tuple[dict, set]:
    """Headline figures with every statistic about too few people set to None
    (and its n); returns the figures and the keys of the hidden counts."""
    is_small = getattr(ctx, "is_small", None)
    out, hidden = dict(figs), set()
    if is_small is None:
        return out, hidden
    for n_key, keys in _HEADLINE_GROUPS.items():
        if is_small(out.get(n_key)):
            hidden.add(n_key)
            ctx.suppressed += 1 + sum(out.get(k) is not None for k in keys)
            out[n_key] = None
            for k in keys:
                out[k] = None
    return out, hidden


def suppressed_sentence(ctx, lang: str) -> dict:
    """The data-quality sentence on small cells: how many were hidden so far."""
    n = int(getattr(ctx, "suppressed", 0))
    min_cell = getattr(ctx, "min_cell", None)
    if min_cell is None:
        return {}
    ctx.paragraph(tr(
        lang, f"ตัวเลขที่ไม่แสดงเพื่อปกป้องข้อมูลส่วนบุคคล (เกี่ยวกับคนหรือครัวเรือนน้อยกว่า {min_cell}): "
              f"{n:,d} ช่อง",
        f"Figures not shown to protect personal data (about fewer than {min_cell} people or "
        f"households): {n:,d} cells."))
    return {"n_suppressed": n, "min_cell": int(min_cell)}


def no_data(ctx, lang: str, th: str, en: str, **extra) -> dict:
    """Show a short explanation instead of a section and return ``{"empty": True}``."""
    text = tr(lang, th, en)
    ctx.note(text)
    return {"empty": True, "reason": text, **extra}


def show_table(ctx, frame, name: str, title: str, *, decimals: int | None = None,
               **kwargs) -> None:
    """``ctx.table`` with `decimals` applied to float columns only (counts stay whole)."""
    import pandas as pd

    if isinstance(decimals, int):
        # the dtypes read once (frame[c] per column cost more than the check); repeated
        # column names: frame[c] is a frame, which has no dtype (the error as before)
        dtypes = (zip(frame.columns, frame.dtypes) if frame.columns.is_unique
                  else ((c, frame[c].dtype) for c in frame.columns))
        decimals = {c: decimals for c, dtype in dtypes if pd.api.types.is_float_dtype(dtype)}
    ctx.table(frame, name, title, decimals=decimals, **kwargs)


# -- per-kernel data cache -------------------------------------------------------
_PROJECT_CACHE: dict[tuple, Any] = {}


def _folder_signature(path: Path) -> tuple:
    from ..store.layout import MANIFEST, is_store

    if is_store(path):   # a store changes only through its manifest
        path = path / MANIFEST
    if path.is_file():
        st = path.stat()
        return ((path.name, st.st_size, st.st_mtime_ns),)
    items = []
    for p in sorted(path.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts):
            st = p.stat()
            items.append((str(p.relative_to(path)), st.st_size, st.st_mtime_ns))
    return tuple(items)


def report_project(data_dir, *, village_id: str | None = None,
                   project_id: str | None = None):
    """Load a data folder once per kernel and return a private copy.

    The batch runner keeps kernels warm between villages; loading the same
    folder for every village would dominate the run time. The loaded
    :class:`~evaluation.project.Project` is cached (keyed by the folder's
    path and the size and modification time of every file) and each call
    returns a shallow copy whose tables are copy-on-write copies, so a
    notebook that changes its tables never affects the next report.

    Parameters
    ----------
    data_dir : str or path-like
        Data folder or workbook, as for :func:`evaluation.load_project`, or a
        store written by ``evaluation ingest``.
    village_id, project_id : str, optional
        What the report is about. On a store only that part is read: the
        village with the comparison villages of its project, or the project's
        villages; the whole program otherwise. A data folder is always
        loaded whole (and cached), so the result is the same either way.

    Returns
    -------
    Project
    """
    import pandas as pd

    from ..project import load_project
    from ..store.layout import is_store

    path = Path(data_dir).resolve()
    if is_store(path) and (village_id is not None or project_id is not None):
        return _store_scope(path, village_id=village_id, project_id=project_id)
    key = (str(path), _folder_signature(path))
    project = _PROJECT_CACHE.get(key)
    if project is None:
        project = load_project(path)
        _PROJECT_CACHE.clear()
        _PROJECT_CACHE[key] = project
    clone = copy.copy(project)
    for attr, value in list(vars(clone).items()):
        if isinstance(value, pd.DataFrame):
            setattr(clone, attr, value.copy(deep=False))
        elif isinstance(value, dict):
            setattr(clone, attr, dict(value))
    return clone


#: The opened store of the last :func:`report_project` call on a store (its projects
#: and villages tables read once per kernel), keyed like :data:`_PROJECT_CACHE`.
_STORE_CACHE: dict[tuple, Any] = {}


def _open_store_cached(path: Path):
    """:func:`evaluation.store.open_store`, once per kernel while the manifest is unchanged.

    Only the views read from it (:meth:`~evaluation.store.reader.StoreProject._subset`,
    new frames each call) leave :func:`_store_scope`, never the store itself.
    """
    from ..store import open_store

    key = (str(path), _folder_signature(path))
    store = _STORE_CACHE.get(key)
    if store is None:
        store = open_store(path)
        _STORE_CACHE.clear()
        _STORE_CACHE[key] = store
    return store


def _store_scope(path: Path, *, village_id, project_id):
    """The part of a store one report needs, read from those villages' files only."""
    from ..arms import comparison_mask
    from ..errors import EvaluationError

    store = _open_store_cached(path)
    villages = store.villages
    if village_id is not None:
        mine = villages[villages["village_id"] == str(village_id)]
        if mine.empty:
            raise EvaluationError(f"unknown village_id {village_id!r} in the store {path}")
        same = villages["project_id"].isin(set(mine["project_id"]))
        ids = [str(village_id), *villages.loc[same & comparison_mask(villages)
                                              & (villages["village_id"] != str(village_id)),
                                              "village_id"]]
        return store._subset(ids)
    return store.project(str(project_id))

