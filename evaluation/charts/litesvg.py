"""Lay out a :class:`~evaluation.charts.lite.LiteFigure` and write its SVG.

The layout follows matplotlib's constrained layout in spirit: every axes
gets room for its tick labels, axis labels, title and an outside legend, the
axes of one grid column (row) share their margins, and the figure keeps a
3-point pad. Ticks are matplotlib's own: the chart's locator (``AutoLocator``
unless it set one) and formatter run on a small stand-in axis with the
same view limits, autoscaling margins, sticky bar bases and tick space as
matplotlib's, so the tick labels are the ones matplotlib would print. Text
is measured with matplotlib's Agg text measurement (Sarabun, cached per
string) and written as text: the browser shapes Thai with the page's
embedded Sarabun.

Anything the writer cannot draw raises :class:`~evaluation.charts.lite.LiteUnsupported`
(the caller then draws the chart with matplotlib).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .liteaxes import LiteUnsupported

__all__ = ["lite_svg"]

PAD = 3.0            # figure pad, points (constrained layout's w_pad/h_pad)
TICK = 3.5           # tick length
TICK_PAD = 3.5       # tick to label
LABEL_PAD = 4.0      # axis label pad
TITLE_PAD = 6.0
GAP = 0.02           # space between grid cells, share of the figure width/height
LINE_SPACING = 1.2
_DASHES = {"dashed": (3.7, 1.6), "dotted": (1.0, 1.65), "dashdot": (6.4, 1.6, 1.0, 1.6)}
_LEGEND_LOCS = ("upper right", "upper left", "lower left", "lower right", "right",
                "center left", "center right", "lower center", "upper center", "center")


# --------------------------------------------------------------------------- text
@functools.lru_cache(maxsize=1)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, 72)


@functools.lru_cache(maxsize=8)
def _font(size: float, weight: str):
    from matplotlib.font_manager import FontProperties

    from .base import FONT_FAMILY, use_thai_font

    use_thai_font()
    return FontProperties(family=[FONT_FAMILY, "DejaVu Sans"], size=size, weight=weight)


#: Size at which text is measured (points at 72 dpi), then scaled: at the charts' own
#: 8–12 points the rasteriser's hinting rounds every advance to whole pixels, and a long
#: Thai label came out 5 % narrower than the browser draws it.
MEASURE_PT = 100.0


@functools.lru_cache(maxsize=20000)
def _measure_unit(text: str, weight: str) -> tuple[float, float, float]:
    """Width, height and descent of one line of text per point of font size."""
    font = _font(MEASURE_PT, weight)
    w, h, d = _renderer().get_text_width_height_descent(text or " ", font, ismath=False)
    _, lh, ld = _renderer().get_text_width_height_descent("lp", font, ismath=False)
    return (w if text else 0.0) / MEASURE_PT, max(h, lh) / MEASURE_PT, max(d, ld) / MEASURE_PT


def _measure_line(text: str, size: float, weight: str) -> tuple[float, float, float]:
    """Width, height and descent of one line of text, points (matplotlib's Agg measurement
    of the unhinted outline, scaled to `size`)."""
    w, h, d = _measure_unit(text, weight)
    return w * size, h * size, d * size


def measure(text: str, size: float, weight: str = "normal", linespacing: float = LINE_SPACING):
    """(width, height, descent, line step) of a possibly multi-line text, points."""
    return _measure(str(text), float(size), weight, float(linespacing))


@functools.lru_cache(maxsize=50_000)
def _measure(text: str, size: float, weight, linespacing: float):
    # kept per process: a report measures the same tick labels, titles and legends
    # many times, and a batch the same ones for every village
    lines = text.split("\n")
    dims = [_measure_line(line, size, weight) for line in lines]
    _, lh, ld = _measure_line("", size, weight)
    step = (lh - ld) * linespacing
    width = max(d[0] for d in dims)
    height = dims[0][1] + step * (len(lines) - 1)
    return width, height, dims[-1][2], step


def _rotated_box(w, h, angle):
    """Size of the bounding box of a w × h text box rotated by `angle` degrees."""
    a = math.radians(angle)
    c, s = abs(math.cos(a)), abs(math.sin(a))
    return w * c + h * s, w * s + h * c


# --------------------------------------------------------------------------- ticks
class _StubAxes:
    name = "rectilinear"


_STUB_AXES = _StubAxes()


class _StubAxis:
    """What matplotlib's locators and formatters ask of an axis."""

    def __init__(self, lo, hi, length, label_size, which):
        self.lo, self.hi = lo, hi
        self.length, self.size, self.which = length, label_size, which
        self.axes = _STUB_AXES

    def get_view_interval(self):
        return self.lo, self.hi

    def get_data_interval(self):
        return self.lo, self.hi

    def get_minpos(self):
        return 1e-300

    def get_tick_space(self):
        size = self.size * (3 if self.which == "x" else 2)
        return int(np.floor(self.length / size)) if size > 0 else 2 ** 31 - 1

    def set_view_interval(self, *args, **kwargs):  # pragma: no cover - not used by locators
        raise LiteUnsupported("locator changes the view")

    def get_scale(self):
        return "linear"

    def axis_date(self, *args, **kwargs):  # pragma: no cover
        raise LiteUnsupported("date axis")


def _data_limits(axes, which):
    lo, hi = math.inf, -math.inf
    for mark in axes.marks:
        vals = None
        if mark.kind == "line":
            if mark.coords[0 if which == "x" else 1] != "data":
                continue
            vals = mark.x if which == "x" else mark.y
        elif mark.kind == "bars":
            horizontal = mark.props["orient"] == "horizontal"
            if (which == "x") != horizontal:
                vals = np.concatenate([mark.x, mark.x + mark.props["width"]])
            else:
                vals = mark.y.ravel()
        elif mark.kind == "errorbars":
            vals = mark.x if which == "x" else mark.y.ravel()
        elif mark.kind == "segments":
            vals = (mark.x if which == "x" else mark.y).ravel()
        elif mark.kind == "rect":
            p = mark.props
            vals = np.array([mark.x, mark.x + p["width"]]) if which == "x" else \
                np.array([mark.y, mark.y + p["height"]])
        if vals is None:
            continue
        vals = np.asarray(vals, dtype=float)
        vals = vals[np.isfinite(vals)]
        if vals.size:
            lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
    return lo, hi


_AUTO_LOCATORS: dict = {}


def _auto_locator():
    """matplotlib's default ``AutoLocator``, one per process (its settings depend only on
    the classic-mode rc flag; it is given the stub axis for each use and then released)."""
    import matplotlib as mpl
    from matplotlib.ticker import AutoLocator

    key = bool(mpl.rcParams["_internal.classic_mode"])
    if key not in _AUTO_LOCATORS:
        _AUTO_LOCATORS[key] = AutoLocator()
    return _AUTO_LOCATORS[key]


def _view_limits(axes, which):
    """matplotlib's autoscale: data limits, 5 % margins, not across a sticky bar base."""
    import matplotlib as mpl

    axis = axes._axis[which]
    if axis["lim"] is not None:
        lo, hi = axis["lim"]
    else:
        lo, hi = _data_limits(axes, which)
        if not math.isfinite(lo):
            lo, hi = 0.0, 1.0
        else:
            locator = axis["locator"] or _auto_locator()
            stickies = np.sort(np.array(sorted(axis["sticky"]), dtype=float))
            lo_bound, hi_bound = -math.inf, math.inf
            if stickies.size:
                tol = 1e-5 * max(abs(lo), abs(hi), hi - lo)
                low_side = stickies[stickies < lo + tol]
                high_side = stickies[stickies > hi - tol]
                lo_bound = float(low_side.max()) if low_side.size else -math.inf
                hi_bound = float(high_side.min()) if high_side.size else math.inf
            lo, hi = locator.nonsingular(lo, hi)
            margin = mpl.rcParams[f"axes.{which}margin"]
            delta = (hi - lo) * margin
            lo, hi = max(lo - delta, lo_bound), min(hi + delta, hi_bound)
    if axis["inverted"]:
        lo, hi = hi, lo
    return float(lo), float(hi)


def _ticks(axes, which, lo, hi, length, size):
    """Tick positions and labels matplotlib would draw for this view."""
    from matplotlib.ticker import ScalarFormatter

    axis = axes._axis[which]
    stub = _StubAxis(min(lo, hi), max(lo, hi), length, size, which)
    if axis["ticks"] is not None:
        locs = np.asarray(axis["ticks"], dtype=float)
    else:
        if axis.get("date"):
            raise LiteUnsupported("automatic ticks on a date axis")
        locator = axis["locator"] or _auto_locator()
        old = locator.axis
        locator.set_axis(stub)
        try:
            locs = np.asarray(locator.tick_values(min(lo, hi), max(lo, hi)), dtype=float)
        finally:
            locator.axis = old
    a, b = min(lo, hi), max(lo, hi)
    tol = 1e-10 * max(b - a, 1e-300) + 1e-12 * max(abs(a), abs(b))
    keep = (locs >= a - tol) & (locs <= b + tol)
    if axis["ticklabels"] is not None:
        labels = [t for t, k in zip(axis["ticklabels"], keep) if k]
        return locs[keep], labels
    locs = locs[keep]
    formatter = axis["formatter"]
    if formatter is None:
        if axis.get("date"):
            raise LiteUnsupported("date labels")
        formatter = ScalarFormatter()
    old = getattr(formatter, "axis", None)
    formatter.set_axis(stub)
    try:
        labels = list(formatter.format_ticks(list(locs)))
        if getattr(formatter, "get_offset", lambda: "")():
            raise LiteUnsupported("tick offset text")
    finally:
        formatter.axis = old
    return locs, [str(t) for t in labels]


# --------------------------------------------------------------------------- layout
class _Box:
    __slots__ = ("x0", "y0", "x1", "y1")

    def __init__(self, x0, y0, x1, y1):
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1

    @property
    def w(self):
        return self.x1 - self.x0

    @property
    def h(self):
        return self.y1 - self.y0


class _Plan:
    """One axes, placed: box (points, y down), limits, ticks."""

    def __init__(self, axes):
        self.axes = axes
        self.box = None
        self.lim = {}
        self.ticks = {}
        self.margins = (0.0, 0.0, 0.0, 0.0)   # left, right, top, bottom
        self.tick_memo = {}                   # (x or y, length) -> ticks


def _tick_size(axes, which):
    import matplotlib as mpl

    return axes._axis[which]["tickprops"].get(
        "size", float(mpl.rcParams["font.size"]))


def _plan_ticks(plan):
    """Limits and ticks of the plan's axes for its box. The limits do not depend on the
    box, the ticks only on its length: each is computed once per layout pass that
    changes it (the layout loop places the same axes up to three times)."""
    ax = plan.axes
    memo = plan.tick_memo
    for which, length in (("x", plan.box.w), ("y", plan.box.h)):
        if which not in plan.lim:
            plan.lim[which] = _view_limits(ax, which)
        lo, hi = plan.lim[which]
        if (which, length) not in memo:
            memo[(which, length)] = _ticks(ax, which, lo, hi, length, _tick_size(ax, which))
        plan.ticks[which] = memo[(which, length)]


def _to_px(plan, which, values):
    lo, hi = plan.lim[which]
    values = np.asarray(values, dtype=float)
    if which == "x":
        return plan.box.x0 + (values - lo) / (hi - lo) * plan.box.w
    return plan.box.y1 - (values - lo) / (hi - lo) * plan.box.h


def _margins(plan):
    """Room each side of the axes box for its decorations, points."""
    ax = plan.axes
    left = right = top = bottom = 0.0
    if ax.axis_on:
        xs, xlabels = plan.ticks["x"]
        props = ax._axis["x"]["tickprops"]
        size, rot = props.get("size", _tick_size(ax, "x")), props.get("rotation", 0.0)
        tick_h = 0.0
        px = _to_px(plan, "x", xs) if len(xs) else []
        for pos, text in zip(px, xlabels):
            if not text:
                continue
            w, h, _, _ = measure(text, size)
            bw, bh = _rotated_box(w, h, rot)
            tick_h = max(tick_h, bh)
            ha = props.get("ha", "center")
            x0 = pos - bw / 2 if ha == "center" else (pos - bw if ha == "right" else pos)
            left = max(left, plan.box.x0 - x0)
            right = max(right, x0 + bw - plan.box.x1)
        if len(xs):
            bottom += TICK + TICK_PAD + tick_h
        if ax.labels["x"]:
            bottom += LABEL_PAD + measure(ax.labels["x"], _size_label())[1]
        ys, ylabels = plan.ticks["y"]
        ysize = ax._axis["y"]["tickprops"].get("size", _tick_size(ax, "y"))
        tick_w = max((measure(t, ysize)[0] for t in ylabels if t), default=0.0)
        ticks_left = TICK + TICK_PAD + tick_w if len(ys) else 0.0
        ylabel = LABEL_PAD + measure(ax.labels["y"], _size_label())[1] if ax.labels["y"] else 0.0
        left = max(left, ticks_left + ylabel)
    if ax.title["text"]:
        top += TITLE_PAD + measure(ax.title["text"], ax.title["size"], ax.title["weight"])[1]
    for mark in ax.marks:     # texts in axes coordinates outside the axes (notes)
        if mark.kind == "text" and mark.coords == ("axes", "axes") and mark.y < 0:
            w, h, _, _ = measure(mark.props["text"], mark.props["size"], mark.props["weight"])
            bottom = max(bottom, -mark.y * plan.box.h + h)
    spec = ax.legend_spec
    if spec is not None and spec["anchor"] is not None:
        w, _ = _legend_size(spec)
        right = max(right, (spec["anchor"][0] - 1.0) * plan.box.w + w)
    plan.margins = (left, right, top, bottom)


def _size_label():
    import matplotlib as mpl

    from .liteaxes import _size

    return _size(mpl.rcParams["axes.labelsize"])


def _layout(fig, W, H):
    nrows, ncols = fig.grid
    plans = [_Plan(ax) for ax in fig._axes]
    top = PAD
    if fig.suptitle_spec:
        s = fig.suptitle_spec
        top += measure(s["text"], s["size"], s["weight"])[1] + PAD
    bottom = PAD
    if fig.legend_spec:
        bottom += _legend_size(fig.legend_spec)[1] + PAD
    gap_w, gap_h = GAP * W, GAP * H
    col_margin = [(0.0, 0.0)] * ncols
    row_margin = [(0.0, 0.0)] * nrows
    for _ in range(3):
        inner_w = W - 2 * PAD - sum(a + b for a, b in col_margin) - gap_w * (ncols - 1)
        inner_h = H - top - bottom - sum(a + b for a, b in row_margin) - gap_h * (nrows - 1)
        cell_w, cell_h = inner_w / ncols, inner_h / nrows
        if cell_w < 20 or cell_h < 20:
            raise LiteUnsupported("no room for the axes")
        for plan in plans:
            r, c = plan.axes.cell
            x0 = PAD + sum(a + b for a, b in col_margin[:c]) + c * (cell_w + gap_w) + \
                col_margin[c][0]
            y0 = top + sum(a + b for a, b in row_margin[:r]) + r * (cell_h + gap_h) + \
                row_margin[r][0]
            plan.box = _Box(x0, y0, x0 + cell_w, y0 + cell_h)
            _plan_ticks(plan)
            _margins(plan)
        new_col = [(max(p.margins[0] for p in plans if p.axes.cell[1] == c),
                    max(p.margins[1] for p in plans if p.axes.cell[1] == c)) for c in range(ncols)]
        new_row = [(max(p.margins[2] for p in plans if p.axes.cell[0] == r),
                    max(p.margins[3] for p in plans if p.axes.cell[0] == r)) for r in range(nrows)]
        if all(abs(a - b) < 0.25 for old, new in zip(col_margin + row_margin, new_col + new_row)
               for a, b in zip(old, new)):
            break
        col_margin, row_margin = new_col, new_row
    return plans, top, bottom


# --------------------------------------------------------------------------- legend
def _legend_rows(spec):
    n = len(spec["entries"])
    ncols = max(1, min(spec["ncols"], n or 1))
    per_col = -(-n // ncols) if n else 0
    return ncols, per_col


def _row_height(spec):
    fs = spec["size"]
    return max([measure("lp", fs)[1], 0.7 * fs] + [measure(e["label"], fs)[1]
                                                  for e in spec["entries"]])


def _legend_size(spec):
    fs = spec["size"]
    ncols, per_col = _legend_rows(spec)
    row_h = _row_height(spec)
    widths = [measure(e["label"], fs)[0] for e in spec["entries"]]
    col_w = []
    for c in range(ncols):
        part = widths[c * per_col:(c + 1) * per_col]
        col_w.append(2.0 * fs + 0.8 * fs + max(part, default=0.0))
    width = sum(col_w) + 2.0 * fs * (ncols - 1) + 2 * 0.4 * fs
    height = per_col * row_h + max(per_col - 1, 0) * 0.5 * fs + 2 * 0.4 * fs
    if spec["title"]:
        tw, th, _, _ = measure(spec["title"], spec["title_size"])
        width = max(width, tw + 2 * 0.4 * fs)
        height += th + 0.5 * fs
    return width, height


def _legend_origin(spec, plan, occupied):
    """Top-left corner of an axes legend (points), matplotlib's placement rules."""
    w, h = _legend_size(spec)
    box = plan.box
    if spec["anchor"] is not None:
        return box.x0 + spec["anchor"][0] * box.w, box.y1 - spec["anchor"][1] * box.h
    pad = spec["borderaxespad"] * spec["size"]

    def at(loc):
        horiz = "right" if "right" in loc else ("left" if "left" in loc else "center")
        if loc == "right":
            horiz = "right"
        vert = "upper" if "upper" in loc else ("lower" if "lower" in loc else "center")
        x = box.x1 - pad - w if horiz == "right" else (box.x0 + pad if horiz == "left" else
                                                      box.x0 + (box.w - w) / 2)
        y = box.y0 + pad if vert == "upper" else (box.y1 - pad - h if vert == "lower" else
                                                 box.y0 + (box.h - h) / 2)
        return x, y

    if spec["loc"] != "best":
        return at(spec["loc"])
    best, best_bad = None, None
    points = np.array([p for line in occupied[0] for p in line]).reshape(-1, 2)
    for loc in _LEGEND_LOCS:      # the least covered place, first of equals (as matplotlib)
        x, y = at(loc)
        # matplotlib's badness: vertices inside, boxes overlapping, lines crossing
        bad = int(((points[:, 0] >= x) & (points[:, 0] <= x + w) & (points[:, 1] >= y)
                   & (points[:, 1] <= y + h)).sum()) if len(points) else 0
        for rx0, ry0, rx1, ry1 in occupied[1]:
            bad += not (rx1 < x or rx0 > x + w or ry1 < y or ry0 > y + h)
        bad += sum(_crosses(line, x, y, x + w, y + h) for line in occupied[0])
        if best_bad is None or bad < best_bad:
            best, best_bad = (x, y), bad
        if bad == 0:
            break
    return best


def _crosses(line, x0, y0, x1, y1) -> bool:
    """Whether a polyline (points) enters the rectangle (Liang–Barsky per segment)."""
    for (ax, ay), (bx, by) in zip(line[:-1], line[1:]):
        t0, t1, dx, dy = 0.0, 1.0, bx - ax, by - ay
        inside = True
        for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
            if p == 0:
                if q < 0:
                    inside = False
                    break
                continue
            r = q / p
            if p < 0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
            if t0 > t1:
                inside = False
                break
        if inside:
            return True
    return False


def _svg_legend(out, spec, x, y):
    fs = spec["size"]
    w, h = _legend_size(spec)
    if spec["frameon"]:
        out.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                   f'rx="{0.2 * fs:.2f}" fill="#ffffff" fill-opacity="0.8" stroke="#cccccc" '
                   f'stroke-width="1"/>')
    cy = y + 0.4 * fs
    if spec["title"]:
        tw, th, td, _ = measure(spec["title"], spec["title_size"])
        _svg_text(out, spec["title"], x + w / 2, cy, size=spec["title_size"], ha="center",
                  va="top")
        cy += th + 0.5 * fs
    ncols, per_col = _legend_rows(spec)
    row_h = _row_height(spec)
    cx = x + 0.4 * fs
    for c in range(ncols):
        part = spec["entries"][c * per_col:(c + 1) * per_col]
        ry = cy
        for entry in part:
            mid = ry + row_h / 2
            hx0, hx1 = cx, cx + 2.0 * fs
            if entry["kind"] == "patch":
                out.append(f'<rect x="{hx0:.2f}" y="{mid - 0.35 * fs:.2f}" width="{2.0 * fs:.2f}" '
                           f'height="{0.7 * fs:.2f}" {_fill(entry["face"])}'
                           + (f' {_stroke(entry["edge"], 1.0)}' if entry["edge"] else "") + "/>")
            else:
                props = {"color": entry["color"], "linewidth": entry["linewidth"],
                         "linestyle": entry["linestyle"], "alpha": entry["alpha"],
                         "marker": entry["marker"], "markersize": entry["markersize"]}
                _svg_line(out, [hx0, hx1], [mid, mid], props, markers_at=[((hx0 + hx1) / 2, mid)])
            _svg_text(out, entry["label"], hx1 + 0.8 * fs, mid, size=fs, ha="left",
                      va="center")
            ry += row_h + 0.5 * fs
        widths = [measure(e["label"], fs)[0] for e in part]
        cx += 2.0 * fs + 0.8 * fs + max(widths, default=0.0) + 2.0 * fs


# --------------------------------------------------------------------------- SVG pieces
def _hex(rgba):
    r, g, b = (int(round(v * 255)) for v in rgba[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _fill(rgba, alpha=None):
    a = rgba[3] if alpha is None else rgba[3] * alpha
    if a <= 0:
        return 'fill="none"'
    return f'fill="{_hex(rgba)}"' + (f' fill-opacity="{a:.3g}"' if a < 1 else "")


def _stroke(rgba, width, alpha=None, dashes=None):
    a = rgba[3] if alpha is None else rgba[3] * alpha
    s = f'stroke="{_hex(rgba)}" stroke-width="{width:.3g}"'
    if a < 1:
        s += f' stroke-opacity="{a:.3g}"'
    if dashes:
        s += f' stroke-dasharray="{",".join(f"{d:.3g}" for d in dashes)}"'
    return s


def _esc(text: str) -> str:
    from ..export import html_escape

    return html_escape(text)


def _svg_text(out, text, x, y, *, size, ha="left", va="baseline", weight="normal",
              color=(0, 0, 0, 1), rotation=0.0, cls=None, linespacing=LINE_SPACING, box=None,
              anchor=False):
    """Text anchored at (x, y) (points, y down), matplotlib's alignment of the rotated box."""
    text = str(text)
    if not text:
        return
    w, h, d, step = measure(text, size, weight, linespacing)
    lines = text.split("\n")
    # unrotated box, y up, origin at the bottom-left; first baseline at h - (ascent of line 1)
    first_base = h - (_measure_line(lines[0], size, weight)[1] -
                      _measure_line(lines[0], size, weight)[2])
    a = math.radians(rotation)
    cos, sin = math.cos(a), math.sin(a)
    corners = [(0, 0), (w, 0), (0, h), (w, h)]
    rx = [cx * cos - cy * sin for cx, cy in corners]
    ry = [cx * sin + cy * cos for cx, cy in corners]
    x0, x1, y0, y1 = min(rx), max(rx), min(ry), max(ry)
    ox = {"left": -x0, "center": -(x0 + x1) / 2, "right": -x1}[ha]
    if anchor:
        # matplotlib's rotation_mode="anchor" (axis labels): align the unrotated text at
        # the point, then rotate about it
        ux = {"left": 0.0, "center": -w / 2, "right": -w}[ha]
        uy = {"bottom": 0.0, "top": -h, "center": -h / 2, "baseline": -first_base,
              "center_baseline": -(first_base + (h - first_base) / 2)}[va]
        ox, oy = ux * cos - uy * sin, ux * sin + uy * cos
    elif va == "baseline":
        oy = -first_base if rotation == 0 else -(y0 + y1) / 2
    elif va == "center_baseline":
        oy = -(first_base + (h - first_base) / 2) if rotation == 0 else -(y0 + y1) / 2
    else:
        oy = {"top": -y1, "center": -(y0 + y1) / 2, "bottom": -y0}[va]
    if box is not None:
        if rotation:
            raise LiteUnsupported("box around rotated text")
        # the text's box in page coordinates (y down)
        bx0, by0 = x + ox, y - (oy + h)
        pad = box["pad"] * size
        if box["style"] == "circle":
            r = max(w, h) / 2 + pad
            out.append(f'<circle cx="{bx0 + w / 2:.2f}" cy="{by0 + h / 2:.2f}" r="{r:.2f}" '
                       f'{_fill(box["face"], box["alpha"])} '
                       + (_stroke(box["edge"], 1.0, box["alpha"]) if box["edge"][3] > 0 else "")
                       + "/>")
        else:
            rx = f' rx="{pad:.2f}"' if box["style"] == "round" else ""
            out.append(f'<rect x="{bx0 - pad:.2f}" y="{by0 - pad:.2f}" width="{w + 2 * pad:.2f}" '
                       f'height="{h + 2 * pad:.2f}"{rx} {_fill(box["face"], box["alpha"])} '
                       + (_stroke(box["edge"], 1.0, box["alpha"]) if box["edge"][3] > 0 else "")
                       + "/>")
    fill = _fill(color)
    attrs = f' font-size="{size:.3g}"' + (f' font-weight="{weight}"' if weight not in (
        "normal", 400) else "") + f" {fill}"
    if cls:
        attrs += f' class="{cls}"'
    anchor = {"left": "start", "center": "middle", "right": "end"}[ha]
    # each line is placed in the unrotated frame: x by the multi-line alignment
    lx = {"left": 0.0, "center": w / 2, "right": w}[ha]
    parts = []
    for i, line in enumerate(lines):
        base = first_base - i * step            # y up
        px = lx * cos - base * sin + ox + x
        py = y - (lx * sin + base * cos + oy)
        parts.append((px, py, line))
    if rotation:
        px, py, _ = parts[0]
        body = "".join(
            f'<tspan x="{px:.2f}" dy="{0 if i == 0 else step:.2f}">{_esc(t)}</tspan>'
            for i, (_, _, t) in enumerate(parts)) if len(parts) > 1 else _esc(parts[0][2])
        out.append(f'<text x="{px:.2f}" y="{py:.2f}" text-anchor="{anchor}"{attrs} '
                   f'transform="rotate({-rotation:.3g} {px:.2f} {py:.2f})">{body}</text>')
        return
    if len(parts) == 1:
        px, py, t = parts[0]
        out.append(f'<text x="{px:.2f}" y="{py:.2f}" text-anchor="{anchor}"{attrs}>'
                   f'{_esc(t)}</text>')
        return
    body = "".join(f'<tspan x="{px:.2f}" y="{py:.2f}">{_esc(t)}</tspan>' for px, py, t in parts)
    out.append(f'<text text-anchor="{anchor}"{attrs}>{body}</text>')


def _marker_svg(marker, x, y, size, rgba, alpha):
    r = size / 2
    fill = _fill(rgba, alpha)
    edge = _stroke(rgba, 1.0, alpha)
    if marker == "o":
        return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" {fill} {edge}/>'
    if marker == ".":
        return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r * 0.5:.2f}" {fill} {edge}/>'
    if marker == "s":
        return (f'<rect x="{x - r:.2f}" y="{y - r:.2f}" width="{size:.2f}" height="{size:.2f}" '
                f'{fill} {edge}/>')
    pts = {"D": [(0, -r), (r, 0), (0, r), (-r, 0)],
           "^": [(0, -r), (r, r), (-r, r)], "v": [(0, r), (r, -r), (-r, -r)]}[marker]
    d = " ".join(f"{x + px:.2f},{y + py:.2f}" for px, py in pts)
    return f'<polygon points="{d}" {fill} {edge}/>'


def _svg_line(out, px, py, props, markers_at=None, gid=None):
    colour, alpha = props["color"], props.get("alpha")
    lw = props["linewidth"]
    # a missing value breaks the line (as matplotlib draws it): no segment across a gap
    runs, run = [], []
    for a, b in zip(px, py):
        if math.isfinite(a) and math.isfinite(b):
            run.append((a, b))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    pts = [p for r in runs for p in r]
    if props["linestyle"] != "none" and lw > 0:
        dashes = _DASHES.get(props["linestyle"])
        dashes = tuple(d * lw for d in dashes) if dashes else None
        cap = "butt" if dashes else "square"
        for r in runs:
            if len(r) < 2:
                continue
            d = " ".join(f"{a:.2f},{b:.2f}" for a, b in r)
            out.append(f'<polyline points="{d}" fill="none" {_stroke(colour, lw, alpha, dashes)} '
                       f'stroke-linecap="{cap}"/>')
    if props.get("marker"):
        for a, b in (markers_at if markers_at is not None else pts):
            out.append(_marker_svg(props["marker"], a, b, props["markersize"], colour, alpha))


def _coord(plan, which, coords, values):
    values = np.asarray(values, dtype=float)
    if coords == "axes":
        if which == "x":
            return plan.box.x0 + values * plan.box.w
        return plan.box.y1 - values * plan.box.h
    return _to_px(plan, which, values)


def _bar_boxes(plan, mark):
    """Each bar of a bars mark as (x0, y0, x1, y1) in points, y down."""
    horizontal = mark.props["orient"] == "horizontal"
    along, across = ("y", "x") if horizontal else ("x", "y")
    # every bar at once (the same arithmetic, element by element, as one bar at a time)
    n = min(len(mark.x), len(mark.props["width"]), len(mark.y))
    start = np.asarray(mark.x, dtype=float)[:n]
    base = np.asarray(mark.y, dtype=float)[:n].reshape(n, 2)
    pa = _to_px(plan, along, start)
    pb = _to_px(plan, along, start + np.asarray(mark.props["width"], dtype=float)[:n])
    qa, qb = _to_px(plan, across, base[:, 0]), _to_px(plan, across, base[:, 1])
    xa, xb, ya, yb = (qa, qb, pa, pb) if horizontal else (pa, pb, qa, qb)
    with np.errstate(invalid="ignore"):   # Python's min and max, NaN and all
        yield from zip(np.where(xb < xa, xb, xa).tolist(), np.where(yb < ya, yb, ya).tolist(),
                       np.where(xb > xa, xb, xa).tolist(), np.where(yb > ya, yb, ya).tolist())


def _draw_mark(out, plan, mark):
    p = mark.props
    if mark.kind == "line":
        xs = _coord(plan, "x", mark.coords[0], mark.x)
        ys = _coord(plan, "y", mark.coords[1], mark.y)
        _svg_line(out, xs, ys, p)
    elif mark.kind == "segments":
        for (a0, a1), (b0, b1) in zip(mark.x, mark.y):
            xs = _to_px(plan, "x", [a0, a1])
            ys = _to_px(plan, "y", [b0, b1])
            _svg_line(out, xs, ys, dict(p, marker=None))
    elif mark.kind == "errorbars":
        cap = p["capsize"]
        for xv, (lo, hi) in zip(mark.x, mark.y):
            if not (math.isfinite(xv) and math.isfinite(lo) and math.isfinite(hi)):
                continue
            x = float(_to_px(plan, "x", xv))
            y0, y1 = float(_to_px(plan, "y", lo)), float(_to_px(plan, "y", hi))
            out.append(f'<line x1="{x:.2f}" y1="{y0:.2f}" x2="{x:.2f}" y2="{y1:.2f}" '
                       f'{_stroke(p["color"], p["linewidth"])}/>')
            if cap > 0:
                for yy in (y0, y1):
                    out.append(f'<line x1="{x - cap:.2f}" y1="{yy:.2f}" x2="{x + cap:.2f}" '
                               f'y2="{yy:.2f}" {_stroke(p["color"], p["linewidth"])}/>')
    elif mark.kind == "bars":
        edge = f' {_stroke(p["edge"], p["linewidth"])}' if p["edge"] is not None and \
            p["linewidth"] > 0 else ""
        for x0, y0, x1, y1 in _bar_boxes(plan, mark):
            out.append(f'<rect x="{x0:.2f}" y="{y0:.2f}" width="{x1 - x0:.2f}" '
                       f'height="{y1 - y0:.2f}" {_fill(p["face"])}{edge}/>')
    elif mark.kind == "rect":
        xa, xb = _to_px(plan, "x", [mark.x, mark.x + p["width"]])
        ya, yb = _to_px(plan, "y", [mark.y, mark.y + p["height"]])
        dashes = _DASHES.get(p["linestyle"])
        edge = f' {_stroke(p["edge"], p["linewidth"], None, dashes and tuple(d * p["linewidth"] for d in dashes))}' \
            if p["edge"][3] > 0 and p["linewidth"] > 0 else ""
        out.append(f'<rect x="{min(xa, xb):.2f}" y="{min(ya, yb):.2f}" '
                   f'width="{abs(xb - xa):.2f}" height="{abs(yb - ya):.2f}" '
                   f'{_fill(p["face"])}{edge}/>')


def _draw_text_mark(out, plan, mark):
    p = mark.props
    if mark.kind == "text":
        x = float(_coord(plan, "x", mark.coords[0], mark.x))
        y = float(_coord(plan, "y", mark.coords[1], mark.y))
        if not (math.isfinite(x) and math.isfinite(y)):
            return                      # matplotlib draws no text at a missing position
        _svg_text(out, p["text"], x, y, size=p["size"], ha=p["ha"], va=p["va"],
                  weight=p["weight"], color=p["color"], rotation=p["rotation"],
                  linespacing=p["linespacing"], box=p["bbox"])
    elif mark.kind == "barlabels":
        rects = mark.x
        for start, width, (b0, b1), value, text in zip(
                rects.x, rects.props["width"], rects.y, rects.props["values"], p["texts"]):
            if not math.isfinite(value):
                continue
            x = float(_to_px(plan, "x", start + width / 2))
            top = b1 if value >= 0 else b0
            y = float(_to_px(plan, "y", top))
            inverted = plan.lim["y"][0] > plan.lim["y"][1]
            up = (value >= 0) != inverted
            _svg_text(out, text, x, y - p["padding"] if up else y + p["padding"], size=p["size"],
                      ha="center", va="bottom" if up else "top")


def _occupied(plan):
    lines, rects = [], []
    for mark in plan.axes.marks:
        if mark.kind == "line":
            xs = _coord(plan, "x", mark.coords[0], mark.x)
            ys = _coord(plan, "y", mark.coords[1], mark.y)
            ok = np.isfinite(xs) & np.isfinite(ys)
            lines.append(list(zip(np.atleast_1d(xs)[ok], np.atleast_1d(ys)[ok])))
        elif mark.kind == "errorbars":
            for xv, (lo, hi) in zip(mark.x, mark.y):
                x = float(_to_px(plan, "x", xv))
                lines.append([(x, float(_to_px(plan, "y", lo))), (x, float(_to_px(plan, "y", hi)))])
        elif mark.kind == "bars":
            rects.extend(_bar_boxes(plan, mark))
    return lines, rects


def _draw_grid(out, plan):
    """Grid lines at the major ticks (matplotlib draws them below lines, above bars)."""
    box = plan.box
    for which in ("x", "y"):
        style = plan.axes._axis[which]["grid"]
        if style is None:
            continue
        dashes = _DASHES.get(style["linestyle"])
        stroke = _stroke(style["color"], style["linewidth"], style["alpha"],
                         dashes and tuple(d * style["linewidth"] for d in dashes))
        for pos in _to_px(plan, which, plan.ticks[which][0]):
            if which == "x":
                out.append(f'<line x1="{pos:.2f}" y1="{box.y0:.2f}" x2="{pos:.2f}" '
                           f'y2="{box.y1:.2f}" {stroke}/>')
            else:
                out.append(f'<line x1="{box.x0:.2f}" y1="{pos:.2f}" x2="{box.x1:.2f}" '
                           f'y2="{pos:.2f}" {stroke}/>')


def _draw_axes(out, plan, clip_id):
    ax = plan.axes
    box = plan.box
    out.append(f'<clipPath id="{clip_id}"><rect x="{box.x0:.2f}" y="{box.y0:.2f}" '
               f'width="{box.w:.2f}" height="{box.h:.2f}"/></clipPath>')
    out.append(f'<g clip-path="url(#{clip_id})">')
    grid_drawn = False
    for mark in sorted((m for m in ax.marks if m.kind not in ("text", "barlabels")),
                       key=lambda m: m.zorder):
        if not grid_drawn and mark.zorder > 1.5:
            _draw_grid(out, plan)
            grid_drawn = True
        _draw_mark(out, plan, mark)
    if not grid_drawn:
        _draw_grid(out, plan)
    out.append("</g>")
    if ax.axis_on:
        edge = 'stroke="#000000" stroke-width="0.8" stroke-linecap="square"'
        sides = {"left": (box.x0, box.y0, box.x0, box.y1), "right": (box.x1, box.y0, box.x1, box.y1),
                 "bottom": (box.x0, box.y1, box.x1, box.y1), "top": (box.x0, box.y0, box.x1, box.y0)}
        for side, (x0, y0, x1, y1) in sides.items():
            if ax._spines[side]:
                out.append(f'<line x1="{x0:.2f}" y1="{y0:.2f}" x2="{x1:.2f}" y2="{y1:.2f}" {edge}/>')
        xs, xlabels = plan.ticks["x"]
        props = ax._axis["x"]["tickprops"]
        size = props.get("size", _tick_size(ax, "x"))
        rot, ha = props.get("rotation", 0.0), props.get("ha", "center")
        for px, text in zip(_to_px(plan, "x", xs), xlabels):
            out.append(f'<line x1="{px:.2f}" y1="{box.y1:.2f}" x2="{px:.2f}" '
                       f'y2="{box.y1 + TICK:.2f}" stroke="#000000" stroke-width="0.8"/>')
            _svg_text(out, text, px, box.y1 + TICK + TICK_PAD, size=size, ha=ha, va="top",
                      rotation=rot, cls="ev-tick-x")
        ys, ylabels = plan.ticks["y"]
        ysize = ax._axis["y"]["tickprops"].get("size", _tick_size(ax, "y"))
        for py, text in zip(_to_px(plan, "y", ys), ylabels):
            out.append(f'<line x1="{box.x0 - TICK:.2f}" y1="{py:.2f}" x2="{box.x0:.2f}" '
                       f'y2="{py:.2f}" stroke="#000000" stroke-width="0.8"/>')
            _svg_text(out, text, box.x0 - TICK - TICK_PAD, py, size=ysize, ha="right",
                      va="center_baseline", cls="ev-tick-y")
        left, right, top, bottom = plan.margins
        if ax.labels["x"]:
            tick_h = bottom - LABEL_PAD - measure(ax.labels["x"], _size_label())[1]
            _svg_text(out, ax.labels["x"], (box.x0 + box.x1) / 2, box.y1 + tick_h + LABEL_PAD,
                      size=_size_label(), ha="center", va="top", cls="ev-xlabel")
        if ax.labels["y"]:
            tick_w = max((measure(t, ysize)[0] for t in ylabels if t), default=0.0)
            x = box.x0 - (TICK + TICK_PAD + tick_w if len(ys) else 0.0) - LABEL_PAD
            _svg_text(out, ax.labels["y"], x, (box.y0 + box.y1) / 2, size=_size_label(),
                      ha="center", va="bottom", rotation=90.0, cls="ev-ylabel", anchor=True)
    if ax.title["text"]:
        _svg_text(out, ax.title["text"], (box.x0 + box.x1) / 2, box.y0 - TITLE_PAD,
                  size=ax.title["size"], weight=ax.title["weight"], ha="center", va="bottom",
                  cls="ev-title")
    for mark in sorted((m for m in ax.marks if m.kind in ("text", "barlabels")),
                       key=lambda m: m.zorder):
        _draw_text_mark(out, plan, mark)
    if ax.legend_spec is not None and ax.legend_spec["entries"]:
        x, y = _legend_origin(ax.legend_spec, plan, _occupied(plan))
        _svg_legend(out, ax.legend_spec, x, y)


def lite_svg(fig, *, prefix: str, title: str | None = None) -> str:
    """The SVG element of a light figure (see the module text).

    Raises
    ------
    LiteUnsupported
        When something of the figure cannot be drawn here.
    """
    from ..export import html_escape
    from .base import FONT_FAMILY

    W, H = fig._size[0] * 72.0, fig._size[1] * 72.0
    plans, top, bottom = _layout(fig, W, H)
    out = []
    attrs = ' class="ev-chart" style="stroke-linejoin:round;stroke-linecap:butt"'
    if title is not None:
        attrs += f' role="img" aria-label="{html_escape(title)}"'
    out.append(f'<svg{attrs} width="{W:.2f}pt" height="{H:.2f}pt" viewBox="0 0 {W:.2f} {H:.2f}" '
               f'font-family="{FONT_FAMILY}, sans-serif" version="1.1" data-lite="1">')
    out.append(f'<rect width="{W:.2f}" height="{H:.2f}" fill="#ffffff"/>')
    if fig.suptitle_spec:
        s = fig.suptitle_spec
        _svg_text(out, s["text"], W / 2, PAD, size=s["size"], weight=s["weight"], ha="center",
                  va="top", cls="ev-suptitle")
    for i, plan in enumerate(plans):
        _draw_axes(out, plan, f"{prefix}clip{i}")
    if fig.legend_spec and fig.legend_spec["entries"]:
        w, h = _legend_size(fig.legend_spec)
        _svg_legend(out, fig.legend_spec, (W - w) / 2, H - PAD - h)
    out.append("</svg>")
    return "".join(out)
