"""Charts inside the page: matplotlib's SVG with its text kept as text.

A report page shows every chart as inline SVG (:func:`figure_svg`):

* the text stays text (``svg.fonttype = "none"``), drawn by the browser with
  the Sarabun font the page embeds, so Thai is shaped by the browser's own
  shaper (tone marks, upper and lower vowels, sara am) and can be selected,
  searched and read aloud; the page needs no picture files;
* element ids are made unique per chart (a prefix on every id that is
  referenced, ``url(#…)`` and ``xlink:href="#…"`` rewritten to match; ids
  nothing refers to are dropped), so two charts in one page never share an
  ``id`` and the page stays valid HTML;
* the matplotlib metadata block, the namespace declarations (implied in
  HTML; ``xlink:href`` becomes SVG 2's ``href``) and the global ``<style>``
  rule are left out
  (inheritable stroke styles go on the ``<svg>`` element instead, so nothing
  leaks into the page's own stylesheet).

:func:`font_face_css` gives the ``@font-face`` rules of the page: Sarabun
Regular and Bold subset to the Thai block, Latin and common punctuation,
compressed as WOFF2 (fontTools' subsetter; the OpenType layout tables stay,
the browser needs them to place Thai marks). Made once per process. The
fonts come from the installed ``fontpkg-sarabun`` package.

Chart *files* (PNG at 200 dpi, SVG with text as paths, PDF) are written only
on request, by :func:`evaluation.export.render_figure`.
"""

from __future__ import annotations

import base64
import functools
import io
import re

__all__ = ["FONT_SUBSET_UNICODES", "figure_svg", "font_face_css", "render_chart", "scope_svg_ids"]

#: Code points kept in the page's font subset: Basic Latin, Latin-1, general
#: punctuation (dashes, quotes, ellipsis, per mille), the Thai block (letters,
#: vowels, tone marks, Thai digits, baht sign), the minus sign, the multiplication and
#: division signs, the dotted circle (shown for a mark without its consonant) and
#: a few arrows and comparison signs the reports use.
FONT_SUBSET_UNICODES = tuple(
    list(range(0x20, 0x7F)) + list(range(0xA0, 0x100)) + list(range(0x2010, 0x2031))
    + list(range(0x0E01, 0x0E3B)) + list(range(0x0E3F, 0x0E5C))
    + [0x2212, 0x2192, 0x2190, 0x2191, 0x2193, 0x2264, 0x2265, 0x2248, 0x25CC, 0x2022,
       0x20AC, 0x2122, 0x00D7, 0x00F7])

_XML_PROLOGUE = re.compile(r"\A\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_GLOBAL_STYLE = re.compile(
    r"\s*<defs>\s*<style type=\"text/css\">\*\{stroke-linejoin: round; "
    r"stroke-linecap: butt\}</style>\s*</defs>", re.DOTALL)
_ID = re.compile(r"\sid=\"([^\"]+)\"")
_REF = re.compile(r"(url\(#|href=\"#)([^)\"]+)")


def scope_svg_ids(svg: str, prefix: str) -> str:
    """Prefix every referenced id of an SVG document; drop the unreferenced ones.

    Parameters
    ----------
    svg : str
        SVG markup (one chart).
    prefix : str
        Prefix unique in the page, e.g. ``"ev-c3-"`` (letters, digits, ``-``, ``_``).

    Returns
    -------
    str
        The markup with ``id="x"`` → ``id="<prefix>x"`` for every id used by a
        ``url(#x)`` or ``href="#x"`` (both rewritten the same way), and the other
        ids removed.

    Examples
    --------
    >>> scope_svg_ids('<g id="a"><path id="p1"/><use xlink:href="#p1" '
    ...               'clip-path="url(#p1)"/></g>', "c1-")
    '<g><path id="c1-p1"/><use xlink:href="#c1-p1" clip-path="url(#c1-p1)"/></g>'
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", prefix):
        from ..errors import ArgumentError

        raise ArgumentError(f"prefix must be letters, digits, '-' or '_' starting with a "
                            f"letter, got {prefix!r}")
    used = {m.group(2) for m in _REF.finditer(svg)}

    def _id(match):
        value = match.group(1)
        return f' id="{prefix}{value}"' if value in used else ""

    svg = _ID.sub(_id, svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)


def figure_svg(fig, *, prefix: str, title: str | None = None) -> str:
    """A matplotlib figure as inline SVG markup for an HTML page, text kept as text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The chart (laid out already or with its layout engine; it is drawn once).
    prefix : str
        Unique per chart in the page: prefixed to every id (see :func:`scope_svg_ids`).
    title : str, optional
        Accessible name of the picture (``role="img"`` and ``aria-label``); escaped.

    Returns
    -------
    str
        An ``<svg>`` element without XML prologue, DOCTYPE or metadata. Its
        text elements name the font family ``Sarabun``: the page must embed it
        (:func:`font_face_css`).

    Examples
    --------
    >>> from evaluation.charts.base import new_figure
    >>> fig, ax = new_figure(3, 2)
    >>> _ = ax.set_title("น้ำใส")
    >>> svg = figure_svg(fig, prefix="c1-", title="ตัวอย่าง")
    >>> svg.startswith("<svg "), "น้ำใส</text>" in svg, "Sarabun" in svg
    (True, True, True)
    """
    import matplotlib

    from ..export import html_escape

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "evaluation"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _XML_PROLOGUE.sub("", buf.getvalue(), count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _GLOBAL_STYLE.sub("", svg, count=1)
    svg = scope_svg_ids(svg, prefix)
    # inside HTML the namespaces are implied; SVG 2 ``href`` replaces ``xlink:href``
    # (and the page then names no URL at all)
    svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)
    svg = svg.replace(' xlink:href="', ' href="')
    attrs = ' class="ev-chart" style="stroke-linejoin:round;stroke-linecap:butt"'
    if title is not None:
        attrs += f' role="img" aria-label="{html_escape(title)}"'
    return svg.replace("<svg ", "<svg" + attrs + " ", 1).strip()


def render_chart(fig, *, prefix: str, title: str | None = None, path=None,
                 formats=(), dpi: int = 200):
    """Lay a chart out once, give its inline SVG and write the requested files.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    prefix, title
        As for :func:`figure_svg`.
    path : str or path-like, optional
        Target path without extension for chart files (``charts/<name>``).
    formats : sequence of str, default ()
        Files to write (``png``, ``svg``, ``pdf``, ``jpg``), by
        :func:`evaluation.export.render_figure`: PNG at `dpi`, SVG with text as
        paths (needs no font where it is opened), PDF with the font embedded.
    dpi : int, default 200

    Returns
    -------
    (str, list of pathlib.Path)
        The inline SVG markup and the files written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from evaluation.charts.base import new_figure
    >>> fig, ax = new_figure(3, 2)
    >>> _ = ax.plot([1, 2], [3, 4])
    >>> svg, files = render_chart(fig, prefix="c1-", path=Path(tempfile.mkdtemp()) / "line",
    ...                           formats=("png", "pdf"))
    >>> svg.startswith("<svg"), [p.suffix for p in files]
    (True, ['.png', '.pdf'])
    """
    from ..export import _attach_shared_canvas, render_figure
    from .layout import lay_out
    from .textlayout import text_layout_memo
    from .ticks import tick_memo

    canvas, engine = fig.canvas, fig.get_layout_engine()
    # layout measured on the raster renderers kept between charts (text measurement
    # cache), computed once and frozen for the page and every file
    _attach_shared_canvas(fig)
    try:
        # the same titles and labels recur in every report; an axis's ticks are
        # asked for about fourteen times while it is laid out and drawn
        with text_layout_memo(), tick_memo():
            lay_out(fig)           # constrained layout, second pass only when needed
            svg = figure_svg(fig, prefix=prefix, title=title)
            written = []
            if formats and path is not None:
                written = render_figure(fig, path, formats, dpi=dpi)[0]
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
        fig.set_canvas(canvas)
    return svg, written


@functools.lru_cache(maxsize=4)
def font_subset(path: str, unicodes: tuple[int, ...] = FONT_SUBSET_UNICODES,
                flavor: str = "woff2") -> bytes:
    """A subset of the font file `path` to `unicodes` (layout tables kept), as bytes.

    Cached per process: a batch worker makes each subset once.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]      # keep Thai mark positioning and ligatures
    options.flavor = flavor
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def font_face_css() -> str:
    """``@font-face`` rules for Sarabun Regular (400) and Bold (700) as WOFF2 subsets.

    Returns
    -------
    str
        CSS with the fonts as ``data:`` URLs (no request leaves the page).

    Examples
    --------
    >>> css = font_face_css()
    >>> css.count("@font-face"), "font/woff2" in css
    (2, True)
    """
    from ..errors import EvaluationError
    from .base import FONT_FAMILY, font_files

    files = {p.stem: p for p in font_files()}
    faces = []
    for stem, weight in (("Sarabun-Regular", 400), ("Sarabun-Bold", 700)):
        path = files.get(stem)
        if path is None:  # pragma: no cover - broken font package
            raise EvaluationError(f"font file {stem}.ttf not found in fontpkg-sarabun")
        data = base64.b64encode(font_subset(str(path))).decode("ascii")
        faces.append(f"@font-face{{font-family:\"{FONT_FAMILY}\";font-style:normal;"
                     f"font-weight:{weight};font-display:block;"
                     f"src:url(data:font/woff2;base64,{data}) format(\"woff2\");}}")
    return "\n".join(faces)
