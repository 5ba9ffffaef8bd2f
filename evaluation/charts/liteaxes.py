"""The stand-in for matplotlib's ``Axes`` that light figures are drawn on.

See :mod:`evaluation.charts.lite` for what light figures are. This module
holds the recording side: :class:`LiteAxes` (the part of matplotlib's
``Axes`` API the chart functions use, each call recorded as :class:`Mark`
objects and logged for a replay), ``ax.xaxis``/``ax.yaxis``, spines, the
legend entries, and the decorator every stand-in method goes through: a call
the stand-in cannot honour goes to a real matplotlib figure instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LiteAxes", "LiteAxis", "LiteContainer", "LiteUnsupported", "Mark"]


class LiteUnsupported(Exception):
    """Internal: the light path cannot draw this; matplotlib takes over."""


# --------------------------------------------------------------------------- recording
def _method(*supported: str):
    """Decorate a stand-in method: forward when materialized or for unknown keywords."""

    def wrap(impl):
        name = impl.__name__
        allowed = frozenset(supported)

        def method(self, *args, **kwargs):
            fig = self._figure
            if fig._real is None and not (set(kwargs) - allowed):
                try:
                    result = impl(self, *args, **kwargs)
                except LiteUnsupported:
                    pass
                else:
                    # arguments as they are now: a chart may change an array it passed
                    # (stacked bars' running ``bottom``) before a replay reads it
                    fig._log.append((self._path, name, _snapshot(args), _snapshot(kwargs),
                                     result))
                    return result
            return fig._forward(self._path, name, args, kwargs)

        method.__name__ = name
        method.__doc__ = impl.__doc__
        return method

    return wrap


def _snapshot(value):
    """A copy of the mutable containers and arrays in call arguments (not of artists)."""
    if type(value) is np.ndarray:
        return value.copy()
    if type(value) is list:              # not a LiteContainer: it stands for an artist
        return [_snapshot(v) for v in value]
    if type(value) is tuple:
        return tuple(_snapshot(v) for v in value)
    if type(value) is dict:
        return {k: _snapshot(v) for k, v in value.items()}
    if hasattr(value, "copy") and type(value).__module__.startswith("pandas"):
        return value.copy()
    return value


class _Proxy:
    """Attribute access the stand-in lacks goes to the real matplotlib object."""

    _figure: "evaluation.charts.lite.LiteFigure"  # noqa: F821 - set by the subclasses
    _path: tuple

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        real = self._figure.materialize_target(self._path)
        value = getattr(real, name)
        if callable(value):
            fig = self._figure

            def call(*args, **kwargs):
                return value(*fig._real_args(args), **fig._real_kwargs(kwargs))

            return call
        return value


def _colour(value, default):
    from matplotlib.colors import to_rgba

    if value is None:
        return to_rgba(default)
    return to_rgba(value)


def _array(values) -> np.ndarray:
    """Data as float numbers; dates become matplotlib's day numbers."""
    if isinstance(values, (list, tuple)) and values and all(
            isinstance(v, (int, float, np.integer, np.floating)) for v in values):
        return np.asarray(values, dtype=float)
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    if arr.dtype.kind == "M" or (arr.dtype == object and arr.size and _is_datetime(arr.flat[0])):
        from matplotlib.dates import date2num

        return np.asarray(date2num(arr), dtype=float)
    if arr.dtype == object:
        try:
            return arr.astype(float)
        except (TypeError, ValueError):
            raise LiteUnsupported("non-numeric data") from None
    raise LiteUnsupported(f"data of kind {arr.dtype}")


def _is_datetime(value) -> bool:
    import datetime as _dt

    return isinstance(value, (_dt.date, np.datetime64))


def _scalar(value) -> float:
    arr = _array([value] if np.ndim(value) == 0 else value)
    if arr.size != 1:
        raise LiteUnsupported("expected one number")
    return float(arr[0])


class Mark:
    """One drawn element of a light axes (see :mod:`evaluation.charts.litesvg`)."""

    __slots__ = ("kind", "x", "y", "props", "label", "zorder", "coords")

    def __init__(self, kind, x=None, y=None, *, props=None, label=None, zorder=2.0,
                 coords=("data", "data")):
        self.kind, self.x, self.y = kind, x, y
        self.props = props or {}
        self.label = label
        self.zorder = zorder
        self.coords = coords

    # the few Line2D getters legends and callers use
    def get_label(self):
        return self.label or ""

    def get_color(self):
        return self.props.get("color")


class LiteContainer(list):
    """What ``bar``/``barh``/``hist``/``errorbar`` return: the marks drawn."""

    label: str | None = None
    orientation: str = "vertical"

    def get_label(self):
        return self.label or ""


class LiteAxis(_Proxy):
    """``ax.xaxis`` / ``ax.yaxis``: formatter and locator only."""

    def __init__(self, figure, path, axes, which):
        self._figure, self._path, self._axes, self._which = figure, path, axes, which

    @_method()
    def set_major_formatter(self, formatter):
        self._axes._axis[self._which]["formatter"] = formatter

    @_method()
    def set_major_locator(self, locator):
        self._axes._axis[self._which]["locator"] = locator


class _Spine:
    def __init__(self, axes, side):
        self._axes, self._side = axes, side

    def set_visible(self, visible):
        axes = self._axes
        if axes._figure._real is not None:
            return axes._figure.materialize_target(axes._path).spines[self._side].set_visible(
                visible)
        axes._figure._log.append((axes._path + ("spines", self._side), "set_visible",
                                  (visible,), {}, None))
        axes._spines[self._side] = bool(visible)
        return None


class LiteAxes(_Proxy):
    """One axes of a :class:`LiteFigure` (a subset of ``matplotlib.axes.Axes``)."""

    def __init__(self, figure, index, cell):
        import matplotlib as mpl

        self._figure, self._path, self.cell = figure, ("axes", index), cell
        self.marks: list[Mark] = []
        self.title = {"text": "", "size": _size(mpl.rcParams["axes.titlesize"]),
                      "weight": mpl.rcParams["axes.titleweight"]}
        self.labels = {"x": "", "y": ""}
        self._axis = {w: {"ticks": None, "ticklabels": None, "tickprops": {}, "formatter": None,
                          "locator": None, "lim": None, "inverted": False, "sticky": set(),
                          "grid": None, "date": False}
                      for w in ("x", "y")}
        self._spines = {"left": mpl.rcParams["axes.spines.left"],
                        "bottom": mpl.rcParams["axes.spines.bottom"],
                        "top": mpl.rcParams["axes.spines.top"],
                        "right": mpl.rcParams["axes.spines.right"]}
        self.spines = {s: _Spine(self, s) for s in self._spines}
        self.axis_on = True
        self.legend_spec = None
        self.transAxes = _AXES_COORDS
        self.transData = _DATA_COORDS
        self.xaxis = LiteAxis(figure, self._path + ("xaxis",), self, "x")
        self.yaxis = LiteAxis(figure, self._path + ("yaxis",), self, "y")
        self._colour_cycle = 0
        self._containers: list = []

    # ------------------------------------------------------------------ helpers
    def _data(self, which, values):
        """Numbers of one axis; dates make it a date axis (its ticks must be given)."""
        arr = np.asarray(values) if not isinstance(values, (list, tuple)) else None
        if arr is not None and (arr.dtype.kind == "M" or (
                arr.dtype == object and arr.size and _is_datetime(arr.flat[0]))):
            self._axis[which]["date"] = True
        elif arr is None and values and _is_datetime(values[0]):
            self._axis[which]["date"] = True
        return _array(values)

    def _next_colour(self):
        import matplotlib as mpl

        colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        colour = colours[self._colour_cycle % len(colours)]
        self._colour_cycle += 1
        return colour

    def get_figure(self, root=None):
        return self._figure

    @property
    def figure(self):
        return self._figure

    # ------------------------------------------------------------------ text
    @_method("fontsize", "fontweight", "loc", "pad")
    def set_title(self, label, fontsize=None, fontweight=None, loc=None, pad=None):
        if loc not in (None, "center") or pad is not None:
            raise LiteUnsupported("title loc/pad")
        self.title = {"text": str(label),
                      "size": self.title["size"] if fontsize is None else _size(fontsize),
                      "weight": self.title["weight"] if fontweight is None else fontweight}

    @_method()
    def set_xlabel(self, label):
        self.labels["x"] = str(label)

    @_method()
    def set_ylabel(self, label):
        self.labels["y"] = str(label)

    def get_title(self, loc="center"):
        return self.title["text"] if self._figure._real is None else \
            self._figure.materialize_target(self._path).get_title(loc)

    def get_xlabel(self):
        return self.labels["x"] if self._figure._real is None else \
            self._figure.materialize_target(self._path).get_xlabel()

    def get_ylabel(self):
        return self.labels["y"] if self._figure._real is None else \
            self._figure.materialize_target(self._path).get_ylabel()

    @_method("ha", "va", "fontsize", "color", "transform", "horizontalalignment",
             "verticalalignment", "fontweight", "rotation", "bbox", "linespacing")
    def text(self, x, y, s, ha="left", va="baseline", fontsize=None, color="#000000",
             transform=None, horizontalalignment=None, verticalalignment=None,
             fontweight="normal", rotation=0, bbox=None, linespacing=None):
        if transform not in (None, _AXES_COORDS, _DATA_COORDS):
            raise LiteUnsupported("text transform")
        coords = "axes" if transform is _AXES_COORDS else "data"
        mark = Mark("text", _scalar(x), _scalar(y), coords=(coords, coords), zorder=3.0, props={
            "text": str(s), "ha": horizontalalignment or ha, "va": verticalalignment or va,
            "size": _size(fontsize), "color": _colour(color, "#000000"),
            "weight": fontweight, "rotation": float(rotation), "bbox": _text_box(bbox),
            "linespacing": 1.2 if linespacing is None else float(linespacing)})
        if mark.props["ha"] not in ("left", "center", "right") or mark.props["va"] not in (
                "top", "center", "bottom", "baseline", "center_baseline"):
            raise LiteUnsupported("alignment")
        self.marks.append(mark)
        return mark

    # ------------------------------------------------------------------ lines
    @_method("color", "linewidth", "linestyle", "marker", "markersize", "label", "alpha", "gid",
             "zorder", "lw", "ls")
    def plot(self, *args, color=None, linewidth=None, linestyle=None, marker=None,
             markersize=None, label=None, alpha=None, gid=None, zorder=None, lw=None, ls=None):
        import matplotlib as mpl

        fmt = None
        if len(args) == 3 and isinstance(args[2], str):
            args, fmt = args[:2], args[2]
        if len(args) == 1:
            y = self._data("y", args[0])
            x = np.arange(y.shape[0], dtype=float)
        elif len(args) == 2:
            x, y = self._data("x", args[0]), self._data("y", args[1])
        else:
            raise LiteUnsupported("plot arguments")
        if fmt is not None:
            if fmt in ("o", "s", "D", "^", "v", "."):
                marker, linestyle = fmt, "none" if linestyle is None else linestyle
            elif fmt in ("-", "--", ":", "-."):
                linestyle = fmt
            else:
                raise LiteUnsupported("plot format")
        xs = x.reshape(len(x), -1)
        ys = y.reshape(len(y), -1)
        if xs.shape[0] != ys.shape[0]:
            raise LiteUnsupported("shapes")
        ncols = max(xs.shape[1], ys.shape[1])
        lines = []
        for j in range(ncols):
            colour = color if color is not None else self._next_colour()
            props = {"color": _colour(colour, "C0"), "alpha": alpha,
                     "linewidth": float(lw or linewidth or mpl.rcParams["lines.linewidth"]),
                     "linestyle": _linestyle(ls or linestyle or "-"),
                     "marker": _marker(marker),
                     "markersize": float(markersize or mpl.rcParams["lines.markersize"])}
            mark = Mark("line", xs[:, min(j, xs.shape[1] - 1)], ys[:, min(j, ys.shape[1] - 1)],
                        props=props, label=None if label is None else str(label),
                        zorder=2.0 if zorder is None else float(zorder))
            self.marks.append(mark)
            lines.append(mark)
        return lines

    def _refline(self, which, value, colour, linewidth, linestyle, label, zorder):
        props = {"color": _colour(colour, "C0"), "alpha": None,
                 "linewidth": float(linewidth if linewidth is not None else 1.5),
                 "linestyle": _linestyle(linestyle or "-"), "marker": None, "markersize": 0.0}
        v = _scalar(value)
        if which == "h":
            mark = Mark("line", np.array([0.0, 1.0]), np.array([v, v]), props=props,
                        coords=("axes", "data"), label=label, zorder=zorder)
        else:
            mark = Mark("line", np.array([v, v]), np.array([0.0, 1.0]), props=props,
                        coords=("data", "axes"), label=label, zorder=zorder)
        self.marks.append(mark)
        return mark

    @_method("color", "linestyle", "linewidth", "label", "gid", "zorder", "lw", "ls")
    def axhline(self, y=0, color="C0", linestyle=None, linewidth=None, label=None, gid=None,
                zorder=2.0, lw=None, ls=None):
        return self._refline("h", y, color, lw or linewidth, ls or linestyle,
                             None if label is None else str(label), zorder)

    @_method("color", "linestyle", "linewidth", "label", "gid", "zorder", "lw", "ls")
    def axvline(self, x=0, color="C0", linestyle=None, linewidth=None, label=None, gid=None,
                zorder=2.0, lw=None, ls=None):
        return self._refline("v", x, color, lw or linewidth, ls or linestyle,
                             None if label is None else str(label), zorder)

    @_method("color", "linewidth", "linestyle", "label")
    def hlines(self, y, xmin, xmax, color="C0", linewidth=None, linestyle="-", label=None):
        ys, x0, x1 = _array(np.atleast_1d(y)), _array(np.atleast_1d(xmin)), \
            _array(np.atleast_1d(xmax))
        x0, x1 = np.broadcast_to(x0, ys.shape), np.broadcast_to(x1, ys.shape)
        mark = Mark("segments", np.stack([x0, x1], axis=1), np.stack([ys, ys], axis=1),
                    props={"color": _colour(color, "C0"), "alpha": None,
                           "linewidth": float(linewidth or 1.5),
                           "linestyle": _linestyle(linestyle)},
                    label=label, zorder=2.0)
        self.marks.append(mark)
        return mark

    @_method("yerr", "xerr", "marker", "capsize", "label", "color", "linewidth", "fmt",
             "markersize", "linestyle", "elinewidth", "ecolor")
    def errorbar(self, x, y, yerr=None, xerr=None, fmt="", marker=None, capsize=None,
                 label=None, color=None, linewidth=None, markersize=None, linestyle=None,
                 elinewidth=None, ecolor=None):
        import matplotlib as mpl

        if xerr is not None or fmt not in ("", None):
            raise LiteUnsupported("errorbar xerr/fmt")
        xs, ys = _array(x), _array(y)
        colour = color if color is not None else self._next_colour()
        line = {"color": _colour(colour, "C0"), "alpha": None,
                "linewidth": float(linewidth or mpl.rcParams["lines.linewidth"]),
                "linestyle": _linestyle(linestyle or "-"), "marker": _marker(marker),
                "markersize": float(markersize or mpl.rcParams["lines.markersize"])}
        out = LiteContainer()
        out.label = None if label is None else str(label)
        main = Mark("line", xs, ys, props=line, label=None, zorder=2.1)   # labelled by `out`
        out.append(main)
        if yerr is not None:
            lo, hi = _err(yerr, len(ys))
            bars = Mark("errorbars", xs, np.stack([ys - lo, ys + hi], axis=1), zorder=2.05,
                        props={"color": _colour(ecolor or colour, "C0"),
                               "linewidth": float(elinewidth or line["linewidth"]),
                               "capsize": float(mpl.rcParams["errorbar.capsize"]
                                                if capsize is None else capsize)})
            self.marks.append(bars)
            out.append(bars)
        self.marks.append(main)
        self._containers.append(out)
        return out

    # ------------------------------------------------------------------ bars
    def _bars(self, orient, pos, length, width, base, colour, edgecolor, label, yerr,
              capsize, error_kw, align, linewidth):
        axis = "x" if orient == "vertical" else "y"
        pos = np.atleast_1d(self._data(axis, pos) if np.ndim(pos) else self._data(axis, [pos]))
        length = np.atleast_1d(_array(length) if np.ndim(length) else _array([length]))
        n = max(len(pos), len(length))
        pos, length = np.broadcast_to(pos, (n,)), np.broadcast_to(length, (n,))
        width = np.broadcast_to(_array(np.atleast_1d(width)), (n,))
        base = np.broadcast_to(_array(np.atleast_1d(0.0 if base is None else base)), (n,))
        if align not in ("center", "edge"):
            raise LiteUnsupported("bar align")
        start = pos - width / 2 if align == "center" else pos
        colour = colour if colour is not None else self._next_colour()
        face = _colour(colour, "C0")
        edge = None if edgecolor is None else _colour(edgecolor, "#000000")
        out = LiteContainer()
        out.label = None if label is None else str(label)
        out.orientation = orient
        heights = np.where(np.isfinite(length), length, 0.0)
        rects = Mark("bars", start, np.stack([base, base + heights], axis=1), zorder=1.0,
                     props={"width": width, "face": face, "edge": edge, "orient": orient,
                            "linewidth": float(linewidth) if linewidth is not None else
                            (1.0 if edge is not None else 0.0),
                            "values": np.asarray(length, dtype=float)},
                     label=None)            # labelled by its container
        self.marks.append(rects)
        out.append(rects)
        self._containers.append(out)
        which = "y" if orient == "vertical" else "x"
        self._axis[which]["sticky"].update(float(b) for b in base)
        if yerr is not None:
            if orient != "vertical":
                raise LiteUnsupported("barh error bars")
            kw = dict(error_kw or {})
            if set(kw) - {"elinewidth", "ecolor"}:
                raise LiteUnsupported("error_kw")
            lo, hi = _err(yerr, n)
            tops = base + heights
            bars = Mark("errorbars", pos, np.stack([tops - lo, tops + hi], axis=1),
                        zorder=1.1,
                        props={"color": _colour(kw.get("ecolor", "#000000"), "#000000"),
                               "linewidth": float(kw.get("elinewidth", 1.5)),
                               "capsize": float(0.0 if capsize is None else capsize)})
            self.marks.append(bars)
        return out

    @_method("color", "edgecolor", "label", "yerr", "capsize", "error_kw", "bottom", "gid",
             "align", "linewidth", "width")
    def bar(self, x, height, width=0.8, bottom=None, color=None, edgecolor=None, label=None,
            yerr=None, capsize=None, error_kw=None, gid=None, align="center", linewidth=None):
        return self._bars("vertical", x, height, width, bottom, color, edgecolor, label, yerr,
                          capsize, error_kw, align, linewidth)

    @_method("color", "edgecolor", "label", "left", "gid", "align", "linewidth", "height")
    def barh(self, y, width, height=0.8, left=None, color=None, edgecolor=None, label=None,
             gid=None, align="center", linewidth=None):
        return self._bars("horizontal", y, width, height, left, color, edgecolor, label, None,
                          None, None, align, linewidth)

    @_method("bins", "color", "edgecolor", "gid", "label")
    def hist(self, x, bins=None, color=None, edgecolor=None, gid=None, label=None):
        import matplotlib as mpl

        values = _array(x)
        if values.ndim != 1:
            raise LiteUnsupported("several datasets")
        edges = np.histogram_bin_edges(values, mpl.rcParams["hist.bins"] if bins is None
                                       else bins)
        counts, edges = np.histogram(values, edges)
        counts = counts.astype(float)
        widths = np.diff(edges)
        bars = self._bars("vertical", edges[:-1] + 0.5 * widths, counts, widths, None, color,
                          edgecolor, label, None, None, None, "center", None)
        return counts, edges, bars

    @_method("fontsize", "padding", "labels", "fmt")
    def bar_label(self, container, labels=None, fontsize=None, padding=0, fmt=None):
        if fmt is not None or not isinstance(container, LiteContainer) or \
                container.orientation != "vertical":
            raise LiteUnsupported("bar_label")
        rects = container[0]
        texts = [f"{v:g}" for v in rects.props["values"]] if labels is None else \
            [str(t) for t in labels]
        mark = Mark("barlabels", rects, None, zorder=3.0,
                    props={"texts": texts, "size": _size(fontsize), "padding": float(padding)})
        self.marks.append(mark)
        return [mark]

    @_method()
    def add_patch(self, patch):
        from matplotlib.patches import Rectangle

        if type(patch) is not Rectangle or patch.get_transform() is not None and \
                patch.get_angle() != 0:
            raise LiteUnsupported("patch")
        face = patch.get_facecolor()
        edge = patch.get_edgecolor()
        (x, y), w, h = patch.get_xy(), patch.get_width(), patch.get_height()
        mark = Mark("rect", float(x), float(y), zorder=float(patch.get_zorder()), props={
            "width": float(w), "height": float(h), "face": tuple(face), "edge": tuple(edge),
            "linewidth": float(patch.get_linewidth()),
            "linestyle": _linestyle(patch.get_linestyle()), "label": patch.get_label()})
        self.marks.append(mark)
        return patch

    # ------------------------------------------------------------------ axes
    def _ticks(self, which, ticks, labels, kwargs):
        props = {}
        for key, value in kwargs.items():
            if key == "rotation":
                props["rotation"] = float(value)
            elif key in ("ha", "horizontalalignment"):
                props["ha"] = value
            elif key == "fontsize":
                props["size"] = _size(value)
            else:
                raise LiteUnsupported(f"tick keyword {key}")
        axis = self._axis[which]
        axis["ticks"] = _array(list(ticks)) if len(ticks) else np.zeros(0)
        axis["ticklabels"] = None if labels is None else [str(t) for t in labels]
        if labels is not None and len(axis["ticklabels"]) != len(axis["ticks"]):
            raise LiteUnsupported("labels and ticks differ in number")
        axis["tickprops"].update(props)

    @_method("rotation", "ha", "fontsize", "horizontalalignment")
    def set_xticks(self, ticks, labels=None, **kwargs):
        self._ticks("x", ticks, labels, kwargs)

    @_method("rotation", "ha", "fontsize", "horizontalalignment")
    def set_yticks(self, ticks, labels=None, **kwargs):
        self._ticks("y", ticks, labels, kwargs)

    def _ticklabels(self, which, labels, kwargs):
        axis = self._axis[which]
        if axis["ticks"] is None or len(labels) != len(axis["ticks"]):
            raise LiteUnsupported("tick labels without fixed ticks")
        self._ticks(which, axis["ticks"], labels, kwargs)

    @_method("rotation", "ha", "fontsize", "horizontalalignment")
    def set_xticklabels(self, labels, **kwargs):
        self._ticklabels("x", labels, kwargs)

    @_method("rotation", "ha", "fontsize", "horizontalalignment")
    def set_yticklabels(self, labels, **kwargs):
        self._ticklabels("y", labels, kwargs)

    def _lim(self, which, lo, hi):
        if isinstance(lo, (tuple, list)):
            lo, hi = lo
        old = self._axis[which]["lim"]
        if (lo is None or hi is None) and old is None:
            raise LiteUnsupported("half limits")
        lo = old[0] if lo is None else _scalar(lo)
        hi = old[1] if hi is None else _scalar(hi)
        self._axis[which]["lim"] = (lo, hi)
        return (lo, hi)

    @_method()
    def set_xlim(self, left=None, right=None):
        return self._lim("x", left, right)

    @_method()
    def set_ylim(self, bottom=None, top=None):
        return self._lim("y", bottom, top)

    @_method("axis", "alpha", "color", "linewidth", "which", "linestyle")
    def grid(self, visible=True, axis="both", alpha=None, color=None, linewidth=None,
             which="major", linestyle=None):
        import matplotlib as mpl

        if which != "major" or axis not in ("x", "y", "both") or visible not in (True, None):
            raise LiteUnsupported("grid")
        style = {"color": _colour(color or mpl.rcParams["grid.color"], "#b0b0b0"),
                 "alpha": mpl.rcParams["grid.alpha"] if alpha is None else float(alpha),
                 "linewidth": float(linewidth or mpl.rcParams["grid.linewidth"]),
                 "linestyle": _linestyle(linestyle or mpl.rcParams["grid.linestyle"])}
        for which_axis in ("x", "y"):
            if axis in (which_axis, "both"):
                self._axis[which_axis]["grid"] = style

    @_method()
    def invert_yaxis(self):
        self._axis["y"]["inverted"] = not self._axis["y"]["inverted"]

    @_method()
    def set_axis_off(self):
        self.axis_on = False

    @_method("frameon", "fontsize", "title", "loc", "bbox_to_anchor", "ncols", "ncol",
             "handles", "labels", "title_fontsize", "borderaxespad")
    def legend(self, *args, frameon=None, fontsize=None, title=None, loc=None,
               bbox_to_anchor=None, ncols=None, ncol=None, handles=None, labels=None,
               title_fontsize=None, borderaxespad=None):
        self.legend_spec = _legend_spec(self, args, handles, labels, frameon=frameon,
                                        fontsize=fontsize, title=title, loc=loc,
                                        bbox_to_anchor=bbox_to_anchor, ncols=ncols or ncol,
                                        title_fontsize=title_fontsize,
                                        borderaxespad=borderaxespad)
        return self.legend_spec

    def get_legend(self):
        if self._figure._real is not None:
            return self._figure.materialize_target(self._path).get_legend()
        return self.legend_spec

    def get_legend_handles_labels(self):
        if self._figure._real is not None:
            return self._figure.materialize_target(self._path).get_legend_handles_labels()
        return _handles_labels(self)


_AXES_COORDS = object()
_DATA_COORDS = object()


def _size(value) -> float:
    import matplotlib as mpl
    from matplotlib.font_manager import font_scalings

    base = float(mpl.rcParams["font.size"])
    if value is None:
        return base
    if isinstance(value, str):
        if value not in font_scalings or font_scalings[value] is None:
            raise LiteUnsupported("font size")
        return base * font_scalings[value]
    return float(value)


def _text_box(bbox):
    """A text's box (``bbox=dict(boxstyle=..., facecolor=..., edgecolor=..., alpha=...)``)."""
    if bbox is None:
        return None
    spec = dict(bbox)
    if set(spec) - {"boxstyle", "facecolor", "edgecolor", "alpha", "pad"}:
        raise LiteUnsupported("text box keywords")
    style, _, rest = str(spec.get("boxstyle", "square")).partition(",")
    pad = float(spec.get("pad", 0.3))
    for part in filter(None, rest.split(",")):
        key, _, value = part.partition("=")
        if key.strip() != "pad":
            raise LiteUnsupported("box style option")
        pad = float(value)
    if style.strip() not in ("square", "round", "circle"):
        raise LiteUnsupported("box style")
    alpha = spec.get("alpha")
    return {"style": style.strip(), "pad": pad,
            "face": _colour(spec.get("facecolor", "white"), "white"),
            "edge": _colour(spec.get("edgecolor", "black"), "black"),
            "alpha": None if alpha is None else float(alpha)}


def _linestyle(value):
    names = {"-": "solid", "solid": "solid", "--": "dashed", "dashed": "dashed",
             ":": "dotted", "dotted": "dotted", "-.": "dashdot", "dashdot": "dashdot",
             "none": "none", "None": "none", "": "none", " ": "none"}
    if value not in names:
        raise LiteUnsupported(f"line style {value!r}")
    return names[value]


def _marker(value):
    if value in (None, "", "None", "none"):
        return None
    if value not in ("o", "D", "s", "^", "v", "."):
        raise LiteUnsupported(f"marker {value!r}")
    return value


def _err(err, n):
    arr = np.asarray(err, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.ndim == 1:
        return arr, arr
    if arr.shape == (2, n):
        return arr[0], arr[1]
    raise LiteUnsupported("error shape")


def _handles_labels(axes):
    """matplotlib's order: lines, then collections, then containers (bars, error bars)."""
    handles, labels = [], []
    for kinds in (("line",), ("segments",)):
        for mark in axes.marks:
            if mark.kind in kinds and mark.label and not mark.label.startswith("_"):
                handles.append(mark)
                labels.append(mark.label)
    for container in axes._containers:
        if container.label and not container.label.startswith("_"):
            handles.append(container)
            labels.append(container.label)
    return handles, labels


def _entry(handle, label):
    """A legend entry from a light mark or a real matplotlib artist."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    if isinstance(handle, LiteContainer):
        handle = handle[0]       # the bars of a bar container, the line of an error bar
    if isinstance(handle, Mark):
        if handle.kind == "bars":
            return {"kind": "patch", "face": handle.props["face"], "edge": None,
                    "label": label}
        if handle.kind == "errorbars":
            raise LiteUnsupported("legend of error bars")
        p = handle.props
        return {"kind": "line", "color": p["color"], "linewidth": p["linewidth"],
                "linestyle": p["linestyle"], "marker": p.get("marker"),
                "markersize": p.get("markersize", 0.0), "alpha": p.get("alpha"),
                "label": label}
    if type(handle) is Line2D:
        return {"kind": "line", "color": _colour(handle.get_color(), "C0"),
                "linewidth": float(handle.get_linewidth()),
                "linestyle": _linestyle(handle.get_linestyle()),
                "marker": _marker(handle.get_marker()),
                "markersize": float(handle.get_markersize()), "alpha": handle.get_alpha(),
                "label": label}
    if type(handle) in (Patch, Rectangle):
        face = handle.get_facecolor()
        edge = handle.get_edgecolor() if handle.get_linewidth() else None
        return {"kind": "patch", "face": tuple(face), "edge": None if edge is None else
                tuple(edge), "label": label}
    raise LiteUnsupported(f"legend handle {type(handle).__name__}")


def _legend_spec(owner, args, handles, labels, *, frameon, fontsize, title, loc,
                 bbox_to_anchor, ncols, title_fontsize, borderaxespad):
    import matplotlib as mpl

    if len(args) == 2:
        handles, labels = args
    elif len(args) == 1:
        raise LiteUnsupported("legend(labels)")
    if handles is None:
        # an axes' own entries; a figure's: those of all its axes (as matplotlib)
        handles, found = [], []
        for ax in ([owner] if isinstance(owner, LiteAxes) else owner._axes):
            h, lab = _handles_labels(ax)
            handles += h
            found += lab
        labels = found if labels is None else labels
    elif labels is None:
        labels = [h.get_label() for h in handles]
    entries = [_entry(h, str(lab)) for h, lab in zip(handles, labels)
               if not str(lab).startswith("_")]
    loc = mpl.rcParams["legend.loc"] if loc is None else loc
    known = {"best", "upper right", "upper left", "lower left", "lower right", "center",
             "center left", "center right", "lower center", "upper center", "right"}
    outside = isinstance(loc, str) and loc.startswith("outside ")
    if outside and loc != "outside lower center":
        raise LiteUnsupported(f"legend loc {loc!r}")
    if not outside and loc not in known:
        raise LiteUnsupported(f"legend loc {loc!r}")
    if bbox_to_anchor is not None and (loc != "upper left" or len(bbox_to_anchor) != 2):
        raise LiteUnsupported("bbox_to_anchor")
    return {"entries": entries, "frameon": mpl.rcParams["legend.frameon"] if frameon is None
            else bool(frameon), "size": _size(mpl.rcParams["legend.fontsize"]
                                              if fontsize is None else fontsize),
            "title": None if title is None else str(title),
            "title_size": _size(title_fontsize if title_fontsize is not None else
                                (fontsize if fontsize is not None else
                                 mpl.rcParams["legend.title_fontsize"])),
            "loc": loc, "anchor": None if bbox_to_anchor is None else
            tuple(float(v) for v in bbox_to_anchor),
            "ncols": int(ncols or 1), "borderaxespad": mpl.rcParams["legend.borderaxespad"]
            if borderaxespad is None else float(borderaxespad)}
