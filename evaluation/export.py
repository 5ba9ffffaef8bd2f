"""Export helpers: safe file names, atomic writes, charts and tables to files,
and escaping helpers for text that comes from the data.

Everything here is public for analysts working in their own notebooks:

* :func:`save_figure` writes a matplotlib figure as PNG (200 dpi), SVG and PDF.
* :func:`write_tables` writes several tables to one Excel workbook (one sheet
  per table) and :func:`write_csv` one table to a CSV file Excel opens with
  Thai text intact (UTF-8 with BOM).
* :func:`safe_name` / :func:`unique_names` turn any village id or name into a
  file or folder name (Thai letters kept readable).
* :func:`md_escape`, :func:`html_escape` and :func:`html_table` make text and
  tables from the data safe to show in a report: a village called
  ``<script>alert(1)</script>`` is shown as text, never run.

Every file is written atomically: first to a temporary file in the same
folder, then renamed over the target, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import html
import itertools
import math
import os
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .formatting import _is_missing, format_number, format_p  # noqa: F401  (re-exported)
from .safe_files import (  # noqa: F401  (re-exported: evaluation.export.safe_name …)
    SHEET_NAME_MAX, atomic_path, atomic_write_bytes, atomic_write_text, safe_name,
    safe_sheet_name, unique_names)

__all__ = [
    "CHART_FORMATS",
    "atomic_path",
    "chart_formats",
    "atomic_write_bytes",
    "atomic_write_text",
    "format_number",
    "format_p",
    "html_escape",
    "html_table",
    "md_escape",
    "render_figure",
    "safe_name",
    "safe_sheet_name",
    "save_figure",
    "unique_names",
    "write_csv",
    "write_tables",
]

#: Formats :func:`save_figure` writes by default.
CHART_FORMATS = ("png", "svg", "pdf")

# --------------------------------------------------------------------------- figures
#: File formats :func:`save_figure` can write.
ALLOWED_FORMATS = ("png", "svg", "pdf", "jpg")
#: zlib level of PNG files: 1 encodes ~1.5x faster than PIL's default 6 for
#: ~15% larger files; the pixels are the same.
PNG_COMPRESS_LEVEL = 1


def chart_formats(formats: str | Iterable[str] | None = CHART_FORMATS) -> tuple[str, ...]:
    """Normalise a chart-formats choice: ``"png,svg,pdf"`` or ``("png", "svg")``.

    Parameters
    ----------
    formats : str or iterable of str or None
        Comma-separated text (the notebooks' ``chart_formats`` parameter and the
        ``--chart-formats`` option) or a sequence of format names; ``None``
        gives :data:`CHART_FORMATS`. Case, dots and blanks are ignored;
        duplicates are dropped.

    Returns
    -------
    tuple of str
        Formats in the given order, each one of :data:`ALLOWED_FORMATS`.

    Examples
    --------
    >>> chart_formats("PNG, svg,.pdf"), chart_formats(["png"]), chart_formats(None)
    (('png', 'svg', 'pdf'), ('png',), ('png', 'svg', 'pdf'))
    """
    if formats is None:
        return CHART_FORMATS
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out = []
    for item in items:
        if not isinstance(item, str):
            raise ArgumentError(f"formats must be names from {ALLOWED_FORMATS}, got {formats!r}")
        name = item.strip().lower().lstrip(".")
        if name and name not in out:
            out.append(name)
    bad = [f for f in out if f not in ALLOWED_FORMATS]
    if bad or not out:
        raise ArgumentError(f"formats must be a non-empty list of {ALLOWED_FORMATS} "
                            f"(e.g. 'png,svg,pdf'), got {formats!r}")
    return tuple(out)


def save_figure(fig, path: str | os.PathLike, formats: Iterable[str] = CHART_FORMATS, *,
                dpi: int = 200) -> list[Path]:
    """Save a matplotlib figure in several formats, each file written atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (for example from ``evaluation.charts``).
    path : str or path-like
        Target path *without* the extension (``"out/charts/happiness"``); an
        extension that is one of the formats is dropped. Folders are created.
    formats : str or iterable of str, default ("png", "svg", "pdf")
        Any of ``png``, ``svg``, ``pdf``, ``jpg`` (a sequence or
        comma-separated text, see :func:`chart_formats`).
    dpi : int, default 200
        Resolution of raster formats.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of `formats`.

    Notes
    -----
    The layout (constrained layout) is computed once and then frozen, so
    every format shows the same layout and none pays for it again. SVG and
    PDF files carry no creation date, so the same figure always gives the
    same bytes (useful for incremental runs and version control). PDF fonts
    are embedded as TrueType subsets without their OpenType layout tables
    (GSUB/GPOS/GDEF: the text is already shaped, a PDF viewer never uses
    them), which makes PDF writing several times faster, and keep the font's
    own date (matplotlib's subsets are stamped with the current time).

    Examples
    --------
    >>> import tempfile
    >>> from evaluation.charts.base import new_figure
    >>> fig, ax = new_figure()
    >>> _ = ax.plot([1, 2], [3, 4])
    >>> [p.suffix for p in save_figure(fig, Path(tempfile.mkdtemp()) / "line")]
    ['.png', '.svg', '.pdf']
    """
    return render_figure(fig, path, formats, dpi=dpi)[0]


def render_figure(fig, path: str | os.PathLike | None, formats: Iterable[str] = CHART_FORMATS,
                  *, dpi: int = 200, png: bool = False) -> tuple[list[Path], bytes | None]:
    """:func:`save_figure` that can also hand back the PNG bytes (rendered once).

    Parameters
    ----------
    fig, path, formats, dpi
        As for :func:`save_figure`; with ``path=None`` nothing is written.
    png : bool, default False
        Also return the PNG image (the same bytes as the ``.png`` file when
        ``"png"`` is among `formats`, otherwise rendered in memory only).

    Returns
    -------
    (list of pathlib.Path, bytes or None)
        Files written, and the PNG bytes (``None`` unless `png`).
    """
    formats = chart_formats(formats)
    if path is not None:
        path = Path(path)
        if path.suffix.lower().lstrip(".") in ALLOWED_FORMATS:
            path = path.with_suffix("")
    import matplotlib

    written: list[Path] = []
    png_bytes = None
    # Raster work (layout, PNG) on renderers kept between figures: matplotlib
    # caches text measurements per renderer, and most texts (axis labels, tick
    # labels, titles) repeat from chart to chart and village to village.
    canvas = fig.canvas
    _attach_shared_canvas(fig)
    # Lay the figure out once and freeze it: with a layout engine set, every
    # savefig would lay it out again (and draw it once more to do so).
    engine = fig.get_layout_engine()
    try:
        if engine is not None:
            engine.execute(fig)
            fig.set_layout_engine(None)
        # fixed salt: SVG element ids (and so the bytes) do not change between runs
        with matplotlib.rc_context({"svg.hashsalt": "evaluation"}):
            if png or (path is not None and "png" in formats):
                png_bytes = figure_png(fig, dpi=dpi)
            if path is not None:
                for fmt in formats:
                    target = path.with_name(f"{path.name}.{fmt}")
                    if fmt == "png":
                        atomic_write_bytes(target, png_bytes)
                    else:
                        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
                        with atomic_path(target) as tmp, \
                                (_lean_pdf_fonts() if fmt == "pdf" else contextlib.nullcontext()):
                            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
                    written.append(target)
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
        fig.set_canvas(canvas)
    return written, (png_bytes if png else None)


_RENDERERS = threading.local()
#: Raster renderers kept per thread (one per figure size and resolution).
MAX_SHARED_RENDERERS = 8


def _shared_canvas_class():
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

    class SharedAggCanvas(FigureCanvasAgg):
        """Agg canvas drawing on a renderer shared by figures of the same size.

        A renderer holds matplotlib's cache of text measurements; sharing it
        lets a chart reuse what earlier charts measured. Output is the same
        bytes as with a fresh renderer (it is cleared before every draw).
        """

        def get_renderer(self):
            w, h = self.get_width_height(physical=True)
            key = (w, h, self.figure.dpi)
            pool = getattr(_RENDERERS, "pool", None)
            if pool is None:
                pool = _RENDERERS.pool = {}
            renderer = pool.pop(key, None)
            if renderer is None:
                renderer = RendererAgg(w, h, self.figure.dpi)
            pool[key] = renderer  # most recently used last
            while len(pool) > MAX_SHARED_RENDERERS:
                pool.pop(next(iter(pool)))
            self.renderer, self._lastKey = renderer, key
            return renderer

    return SharedAggCanvas


def _attach_shared_canvas(fig):
    """Give `fig` a :class:`SharedAggCanvas` (the class is made on first use, so
    importing this module does not import matplotlib)."""
    cls = globals().get("_shared_canvas_cls")
    if cls is None:
        cls = globals()["_shared_canvas_cls"] = _shared_canvas_class()
    return cls(fig)


def figure_png(fig, *, dpi: int = 200) -> bytes:
    """The figure as PNG bytes (what :func:`save_figure` writes as ``.png``)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi,
                pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()


# PDF font subsets without OpenType layout tables --------------------------------
# matplotlib embeds a subset of every TrueType font a PDF uses; fontTools then
# parses and subsets the fonts' GSUB/GPOS tables, which for Sarabun (Thai)
# costs ~0.06 s per font and PDF. The text is shaped before it reaches the
# PDF (glyph ids and positions), so those tables are never used by a viewer.
_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "morx", "kerx")
_MPL_DROP_TABLES = ("FFTM", "PfEd", "BDF", "meta", "MERG", "TSIV", "Zapf", "bdat", "bloc",
                    "cidg", "fdsc", "feat", "fmtx", "fond", "just", "kerx", "ltag", "morx",
                    "trak", "xref")


@functools.lru_cache(maxsize=16)
def _font_without_layout(path: str, face_index: int) -> bytes:
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=face_index, lazy=True, recalcTimestamp=False)
    for tag in _LAYOUT_TABLES:
        if tag in font:
            del font[tag]
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


class _SubsetFontBytes:
    """A font subset already written out: what matplotlib needs of a ``TTFont``
    (``save`` and use as a context manager), without compiling it again."""

    def __init__(self, data: bytes):
        self.data = data

    def save(self, file, reorderTables=None):  # noqa: N803 (fontTools' signature)
        file.write(self.data)

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@functools.lru_cache(maxsize=1024)
def _lean_subset_bytes(path: str, face_index: int, glyphs: frozenset) -> tuple[bytes, tuple]:
    """The subset of `path` to `glyphs` as font-file bytes, and its glyph index map.

    Cached: a chart of the same kind uses the same glyphs in every village
    (titles, axis labels, digits), so most PDFs reuse a subset made before.
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(glyph_names=True, recommended_glyphs=True)
    options.drop_tables += list(_MPL_DROP_TABLES)
    data = _font_without_layout(path, face_index)
    # recalcTimestamp=False: the subset keeps the font's own date instead of "now",
    # so the same chart always gives the same PDF bytes
    font = TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=glyphs)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    return out.getvalue(), tuple(subsetter.glyph_index_map.items())


def _lean_glyphs_subset(fontfile, glyphs):
    """Drop-in for ``matplotlib.backends._backend_pdf_ps.get_glyphs_subset``."""
    from matplotlib.backends import _backend_pdf_ps

    data, index_map = _lean_subset_bytes(os.fspath(fontfile),
                                         int(getattr(fontfile, "face_index", 0)),
                                         frozenset(glyphs))
    return _backend_pdf_ps.SubsetResults(_SubsetFontBytes(data), dict(index_map))._as_cm()


@contextlib.contextmanager
def _lean_pdf_fonts():
    """Use :func:`_lean_glyphs_subset` while a PDF is written (restored after).

    Falls back to matplotlib's own subsetting when its internals differ from
    the version this was written for (matplotlib 3.10/3.11).
    """
    try:
        from matplotlib.backends import _backend_pdf_ps as mod
    except ImportError:  # pragma: no cover
        yield
        return
    original = getattr(mod, "get_glyphs_subset", None)
    if original is None or not hasattr(mod, "SubsetResults"):  # pragma: no cover
        yield
        return
    mod.get_glyphs_subset = _lean_glyphs_subset
    try:
        yield
    finally:
        mod.get_glyphs_subset = original


# --------------------------------------------------------------------------- formula safety
#: First characters that make a spreadsheet read text as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_RE_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][+-]?\d+)?%?")


def is_formula_like(value: object) -> bool:
    """True for text that Excel/LibreOffice would read as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return,
    except a plain number written as text (``-5``, ``+66``), which is harmless.

    Examples
    --------
    >>> is_formula_like('=HYPERLINK("http://x")'), is_formula_like("-5"), is_formula_like(-5)
    (True, False, False)
    """
    return (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not _RE_PLAIN_NUMBER.fullmatch(value))


def formula_safe(value: object) -> object:
    """Text from the data made safe for CSV (OWASP): a formula-like string gets a
    leading apostrophe; numbers and other values are returned unchanged.

    Examples
    --------
    >>> formula_safe("=1+1"), formula_safe("@SUM(A1)"), formula_safe(-3.5), formula_safe("นางสมใจ")
    ("'=1+1", "'@SUM(A1)", -3.5, 'นางสมใจ')
    """
    return "'" + value if is_formula_like(value) else value


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`formula_safe`."""
    out = frame
    for col in frame.columns:
        s = frame[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(
                s.dtype, pd.CategoricalDtype):
            # (a list pass: Series.map's overhead was most of a report table's CSV time)
            cells = s.to_numpy(dtype=object, na_value=None)
            if not any(isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in cells):
                continue
            values = s.astype(object)
            mask = np.array([is_formula_like(v) for v in cells], dtype=bool)
            if mask.any():
                if out is frame:
                    out = frame.copy()
                out[col] = values.where(~mask, "'" + values[mask].astype(str))
    if any(is_formula_like(str(c)) for c in frame.columns):
        out = out.copy() if out is frame else out
        out.columns = [formula_safe(str(c)) for c in frame.columns]
    return out


# --------------------------------------------------------------------------- tables
def write_csv(frame: pd.DataFrame, path: str | os.PathLike, *, index: bool = False) -> Path:
    """Write a table as CSV (UTF-8 with BOM so Excel shows Thai correctly), atomically.

    Text cells that a spreadsheet would read as a formula (``=``, ``+``,
    ``-``, ``@``, tab, carriage return first) are written with a leading
    apostrophe (OWASP CSV-injection rule); numbers stay numbers.
    """
    text = formula_safe_frame(frame).to_csv(index=index, lineterminator="\n")
    return atomic_write_bytes(path, text.encode("utf-8-sig"))


#: Number formats :func:`write_tables` gives numeric columns unless the frame says
#: otherwise (``frame.attrs["number_formats"]``). Values are never rounded.
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
#: A sheet wider than this (sum of column widths, in characters) prints landscape.
LANDSCAPE_WIDTH = 90
_CONTENTS = {"th": ("สารบัญ", "แผ่นงาน", "ชื่อตารางเต็ม", "จำนวนแถว"),
             "en": ("Contents", "Sheet", "Full title", "Rows")}


def write_tables(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike, *,
                 lang: str = "th") -> Path:
    """Write several tables to one Excel workbook, one sheet per table, atomically.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``{title: table}`` in sheet order. Each sheet gets a short readable
        name made from its title (:func:`safe_sheet_name`); with more than
        one table a first sheet, the contents (สารบัญ), lists every sheet
        with its full title and a link to it.
    path : str or path-like
        The ``.xlsx`` file to write; folders are created.
    lang : {"th", "en"}, default "th"
        Language of the contents sheet.

    Returns
    -------
    pathlib.Path
        `path`.

    Notes
    -----
    Numbers stay numbers (formulas and charts work on them) with a number
    format: whole numbers ``#,##0``, decimals ``#,##0.00``, and per column
    what ``frame.attrs["number_formats"]`` says, e.g. ``{"ร้อยละ": "0.0%"}``
    for shares stored as fractions (0.25 shows as 25.0%), and per cell what
    ``frame.attrs["cell_formats"]`` says (``{(row position, column): format}``,
    for a column that mixes counts and shares). Values are written unrounded;
    missing values are empty cells.

    Every sheet has a bold header row frozen below it and repeated on every
    printed page, column widths fitted to the first 200 rows, and prints one
    page wide (landscape when the table is wide). The workbook is streamed
    (openpyxl's write-only mode).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_tables({"ผู้เข้าร่วม": pd.DataFrame({"บทบาท": ["แกนนำ"], "จำนวน": [3]})}, out).name
    't.xlsx'
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    if not tables:
        raise ArgumentError("tables must contain at least one table, got an empty mapping")
    if lang not in _CONTENTS:
        raise ArgumentError(f"lang must be 'th' or 'en', got {lang!r}")
    thin = Side(style="thin")
    head_font, head_border = Font(bold=True), Border(left=thin, right=thin, top=thin,
                                                     bottom=thin)
    head_align = Alignment(horizontal="center", vertical="top", wrap_text=True)
    link_font = Font(color="0563C1", underline="single")
    contents_title, *contents_headers = _CONTENTS[lang]
    with_contents = len(tables) > 1
    taken: list[str] = [contents_title] if with_contents else []
    sheets = []
    for title, frame in tables.items():
        sheet = safe_sheet_name(title, taken)
        taken.append(sheet)
        sheets.append((sheet, str(title), frame))
    with atomic_path(path, suffix=".xlsx") as tmp:
        book = Workbook(write_only=True)

        styles: dict[str, object] = {}

        def styled(ws, value, name, **style):
            """A cell with `style`; the workbook registers each style once (`name`)."""
            cell = WriteOnlyCell(ws, value=value)
            if name in styles:
                cell._style = copy.copy(styles[name])
            else:
                for attr, obj in style.items():
                    setattr(cell, attr, obj)
                styles[name] = copy.copy(cell._style)
            return cell

        def number_cell(ws, value, fmt):
            return styled(ws, value, ("number", fmt), number_format=fmt)

        def header_row(ws, names):
            cells = []
            for name in names:
                name = str(name)
                cell = styled(ws, name, "head", font=head_font, border=head_border,
                              alignment=head_align)
                if name.startswith(FORMULA_STARTS):   # as _text_cell: text, never a formula
                    cell.data_type = "s"
                    cell.quotePrefix = True
                cells.append(cell)
            ws.append(cells)

        if with_contents:
            ws = book.create_sheet(contents_title)
            for letter, width in zip("ABC", (34, 70, 10)):
                ws.column_dimensions[letter].width = width
            _print_setup(ws, landscape=False)
            header_row(ws, contents_headers)
            for sheet, title, frame in sheets:
                link = styled(ws, sheet, "link", font=link_font)
                link.hyperlink = Hyperlink(ref="A1", location="'{}'!A1".format(
                    sheet.replace("'", "''")))  # a link inside the workbook
                count = styled(ws, int(len(frame)), "count", number_format=INTEGER_FORMAT)
                ws.append([link, _text_cell(ws, title, WriteOnlyCell), count])
        for sheet, _, frame in sheets:
            data = _excel_ready(frame)
            # each column's values once, as itertuples and iloc would give them (the
            # pandas calls per column and per slice were a third of a report's workbook)
            series = [s for _, s in data.items()]
            values = [list(s) for s in series]
            formats = _number_formats(frame, data, series)
            ws = book.create_sheet(sheet)
            total = 0
            for i, (col, vals) in enumerate(zip(data.columns, values), start=1):
                width = max([len(str(col))] + [len(str(v)) for v in vals[:200]])
                width = min(60, max(8, width + 2))
                total += width
                ws.column_dimensions[get_column_letter(i)].width = width
            ws.freeze_panes = "A2"
            _print_setup(ws, landscape=total > LANDSCAPE_WIDTH)
            header_row(ws, data.columns)
            cell_formats = dict(frame.attrs.get("cell_formats", {}) or {})
            columns = list(data.columns)
            # as DataFrame.itertuples: one empty row per row of a frame without columns
            rows = zip(*values) if values else itertools.repeat((), len(data))
            for i, row in enumerate(rows):
                row_formats = formats
                if cell_formats:
                    row_formats = [cell_formats.get((i, c), f) for c, f in zip(columns, formats)]
                ws.append(_excel_row(ws, row, row_formats, WriteOnlyCell, number_cell))
        book.save(tmp)
    return Path(path)


def _print_setup(ws, *, landscape: bool) -> None:
    """A4, one page wide (as many pages long as needed), header row on every page."""
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.print_title_rows = "1:1"


def _number_formats(frame: pd.DataFrame, data: pd.DataFrame,
                    series: list | None = None) -> list[str | None]:
    """Per column: the number format of its numeric cells (None: not numeric).

    `series`: the columns of `data` as Series, when the caller has them."""
    wanted = dict(frame.attrs.get("number_formats", {}) or {})
    if series is None:
        series = [s for _, s in data.items()]
    out = []
    for col, original, s in zip(data.columns, frame.columns, series):
        dtype = s.dtype
        if original in wanted or col in wanted:
            out.append(wanted.get(original, wanted.get(col)))
            continue
        if pd.api.types.is_bool_dtype(dtype):
            out.append(None)
        elif pd.api.types.is_integer_dtype(dtype):
            out.append(INTEGER_FORMAT)
        elif pd.api.types.is_float_dtype(dtype):
            whole = s.to_numpy(dtype=float, na_value=np.nan)
            whole = whole[~np.isnan(whole)]
            out.append(INTEGER_FORMAT if len(whole) and (whole == np.round(whole)).all()
                       else DECIMAL_FORMAT)
        elif dtype == object:  # mixed columns: numbers among them still get a format
            out.append(DECIMAL_FORMAT)
        else:
            out.append(None)
    return out


def _excel_row(ws, row, formats, cell_class, number_cell=None) -> list:
    """One row of cells: numbers with their column's number format, text that
    looks like a formula kept as text. ``number_cell(ws, value, fmt)``, when
    given, makes the formatted number cells."""
    cells = []
    for value, fmt in zip(row, formats):
        value = _excel_value(value)
        if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
            if number_cell is not None:
                cells.append(number_cell(ws, value, fmt))
                continue
            cell = cell_class(ws, value=value)
            cell.number_format = fmt
            cells.append(cell)
        elif isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cells.append(_text_cell(ws, value, cell_class))
        else:
            cells.append(value)
    return cells


def _text_cell(ws, text: str, cell_class):
    """A cell that holds ``text`` as text even when it starts like a formula
    (stored as a string with Excel's quote prefix, never as a formula)."""
    cell = cell_class(ws, value=text)
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _excel_value(value):
    """A cell value openpyxl writes as such: NaN/NA -> empty, NumPy -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        return value
    return str(value)


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot store time zones or categoricals with missing values well.

    Returns `frame` itself when nothing needs changing (the caller only reads it)."""
    out = frame
    for i, dtype in enumerate(frame.dtypes):
        if isinstance(dtype, (pd.DatetimeTZDtype, pd.CategoricalDtype)):
            if out is frame:
                out = frame.copy(deep=False)   # copy-on-write: the caller's frame never changes
            if isinstance(dtype, pd.DatetimeTZDtype):
                out.isetitem(i, out.iloc[:, i].dt.tz_localize(None))
            else:
                out.isetitem(i, out.iloc[:, i].astype(object))
    if not all(isinstance(c, str) for c in out.columns):
        if out is frame:
            out = frame.copy(deep=False)
        out.columns = [str(c) for c in out.columns]
    return out


# --------------------------------------------------------------------------- escaping
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def html_escape(text: object) -> str:
    """Escape text from the data for HTML (``<``, ``>``, ``&``, quotes).

    >>> html_escape("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape("" if _is_missing(text) else str(text), quote=True)


def md_escape(text: object) -> str:
    """Escape text from the data for use inside Markdown.

    HTML characters become entities (raw HTML in Markdown would otherwise be
    passed through to the report) and Markdown punctuation is backslash
    escaped, so the text shows exactly as written. Line breaks become spaces.

    >>> md_escape("<b>**บ้าน**</b>")
    '&lt;b&gt;\\\\*\\\\*บ้าน\\\\*\\\\*&lt;/b&gt;'
    """
    raw = "" if _is_missing(text) else str(text)
    raw = re.sub(r"[\r\n]+", " ", raw)
    raw = _MD_SPECIAL.sub(r"\\\1", raw)
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")



#: Tables with at least this many columns get the CSS class ``ev-wide``
#: (smaller type, so they fit an A4 page).
WIDE_TABLE_COLUMNS = 7
#: Tables with more rows get ``ev-long``: printed, they may continue on the next page
#: (between rows, header repeated) instead of jumping whole to it.
LONG_TABLE_ROWS = 8


def html_table(frame: pd.DataFrame, *, decimals: int | Mapping[str, int] | None = None,
               index: bool = False, caption: str | None = None,
               classes: str = "ev-table", formatters: Mapping[str, object] | None = None,
               rows=None) -> str:
    """An HTML table with every cell escaped and numbers formatted.

    Parameters
    ----------
    frame : DataFrame
        The table; column names are shown as headers (give Thai names).
    decimals : int or mapping, optional
        Decimal places for all numeric columns or per column name; by
        default whole numbers show no decimals and others one.
    index : bool, default False
        Show the index as the first column.
    caption : str, optional
        Caption above the table (escaped).
    classes : str, default "ev-table"
        CSS class of the ``<table>``; tables with at least
        :data:`WIDE_TABLE_COLUMNS` columns also get ``ev-wide``, tables of
        more than :data:`LONG_TABLE_ROWS` rows ``ev-long``.
    formatters : mapping, optional
        ``{column: function(value) -> str}`` for display only (for example
        :func:`format_p` for p-values); the result is escaped.
    rows : array of bool or index labels, optional
        Show only these rows (the table files keep every row).

    Returns
    -------
    str
        HTML. Numeric columns are right-aligned (class ``num``).

    Examples
    --------
    >>> html_table(pd.DataFrame({"ชื่อ": ["<b>"], "บาท": [1500]}))  # doctest: +ELLIPSIS
    '<table class="ev-table">...<td>&lt;b&gt;</td><td class="num">1,500</td>...'
    """
    if rows is not None:
        frame = frame.loc[rows]
    data = frame.reset_index() if index else frame
    formatters = dict(formatters or {})
    if len(data.columns) >= WIDE_TABLE_COLUMNS:
        classes = f"{classes} ev-wide"
    if len(data) > LONG_TABLE_ROWS:
        classes = f"{classes} ev-long"
    parts = [f'<table class="{html_escape(classes)}">']
    if caption:
        parts.append(f"<caption>{html_escape(caption)}</caption>")
    numeric = [pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
               for dtype in data.dtypes]
    parts.append("<thead><tr>")
    for col, is_num in zip(data.columns, numeric):
        cls = ' class="num"' if is_num else ""
        parts.append(f"<th{cls}>{html_escape(col)}</th>")
    parts.append("</tr></thead><tbody>")
    # each column's values once, as itertuples gives them (it takes every column per row
    # tuple through iloc), and one empty row per row of a frame without columns
    values = [list(s) for _, s in data.items()]
    for row in zip(*values) if values else itertools.repeat((), len(data)):
        parts.append("<tr>")
        for col, value, is_num in zip(data.columns, row, numeric):
            if col in formatters:
                cls = ' class="num"' if is_num else ""
                parts.append(f"<td{cls}>{html_escape(formatters[col](value))}</td>")
            elif is_num:
                d = decimals.get(col) if isinstance(decimals, Mapping) else decimals
                parts.append(f'<td class="num">{html_escape(format_number(value, d))}</td>')
            else:
                parts.append(f"<td>{html_escape(format_number(value))}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)
