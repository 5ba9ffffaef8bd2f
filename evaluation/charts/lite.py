"""Light figures: the report page's charts without matplotlib's machinery.

A chart function of :mod:`evaluation.charts` builds its chart with
:func:`evaluation.charts.base.new_figure` and matplotlib's ``Axes`` methods.
Inside :func:`lite_figures` the same function gets a :class:`LiteFigure`
instead: a stand-in that implements the part of matplotlib's ``Figure`` and
``Axes`` API the charts use (bars, lines, error bars, histograms, reference
lines, texts, ticks, limits, legends, titles) by *recording* what is drawn;
:mod:`evaluation.charts.litesvg` then lays it out and writes the page's SVG
directly, in a few milliseconds instead of matplotlib's building, layout
and SVG writing (about 0.2 s per chart).

Nothing is lost by the substitution:

* every call is also logged; a call, argument or attribute the stand-in does
  not implement (say ``ax.imshow`` or ``ax.tick_params``) turns the figure
  into a real matplotlib figure by replaying the log on one
  (:meth:`LiteFigure.materialize`), and from then on every call goes to
  matplotlib. So a chart function always gets what it asks for;
* the chart's content (titles, labels, tick labels, legend entries, texts,
  every bar and line point) is the one matplotlib draws from the same calls:
  ``tests/test_charts_lite.py`` compares them on every chart of the sample's
  reports, in Thai and English;
* files (PNG, SVG with text as paths, PDF) are always drawn by matplotlib.

Outside :func:`lite_figures` nothing changes: JupyterLab users and chart
exports get matplotlib figures.
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np

from .liteaxes import (_AXES_COORDS, _DATA_COORDS, LiteAxes, LiteAxis, LiteContainer,
                       LiteUnsupported, Mark, _legend_spec, _method, _Proxy, _size)

__all__ = ["LiteAxes", "LiteFigure", "LiteUnsupported", "is_lite", "lite_active",
           "lite_figures"]

_ACTIVE = contextvars.ContextVar("evaluation_lite_figures", default=False)


@contextlib.contextmanager
def lite_figures(enabled: bool = True):
    """Within the block, :func:`~evaluation.charts.base.new_figure` makes light figures.

    Examples
    --------
    >>> from evaluation.charts.base import new_figure
    >>> with lite_figures():
    ...     fig, ax = new_figure(4, 3)
    >>> is_lite(fig)
    True
    """
    token = _ACTIVE.set(bool(enabled))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def lite_active() -> bool:
    """True inside :func:`lite_figures`."""
    return _ACTIVE.get()


def is_lite(fig) -> bool:
    """True for a :class:`LiteFigure` that has not become a matplotlib figure."""
    return isinstance(fig, LiteFigure) and fig._real is None


# --------------------------------------------------------------------------- figure
class LiteFigure(_Proxy):
    """A chart recorded for the page (see the module text).

    ``figure.materialize()`` gives the matplotlib figure the same calls make.
    """

    def __init__(self, width: float, height: float, subplots: dict):
        self._figure, self._path = self, ("figure",)
        self._size = (float(width), float(height))
        self._subplots = dict(subplots)
        self._log: list = []
        self._real = None
        self._objects: dict[int, object] = {}
        self.suptitle_spec = None
        self.legend_spec = None
        self.xdate_rotation = None
        nrows, ncols = int(subplots.get("nrows", 1)), int(subplots.get("ncols", 1))
        self.grid = (nrows, ncols)
        self._axes = [LiteAxes(self, i, divmod(i, ncols)) for i in range(nrows * ncols)]

    # the matplotlib-side twin ------------------------------------------------
    def materialize(self):
        """The matplotlib figure of the same calls (made once, on first need)."""
        if self._real is None:
            from .base import _matplotlib_figure

            real, axes = _matplotlib_figure(*self._size, **self._subplots)
            self._real = real
            self._objects[id(self)] = real
            flat = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
            for lite, ax in zip(self._axes, flat):
                self._objects[id(lite)] = ax
                self._objects[id(lite.xaxis)] = ax.xaxis
                self._objects[id(lite.yaxis)] = ax.yaxis
            for path, name, args, kwargs, result in self._log:
                out = getattr(self._resolve(path), name)(*self._real_args(args),
                                                         **self._real_kwargs(kwargs))
                self._remember(result, out)
        return self._real

    def materialize_target(self, path):
        self.materialize()
        return self._resolve(path)

    def _resolve(self, path):
        if path[0] == "figure":
            return self._real
        target = self._objects[id(self._axes[path[1]])]
        rest = path[2:]
        if rest[:1] == ("spines",):
            return target.spines[rest[1]]
        for attr in rest:
            target = getattr(target, attr)
        return target

    def _remember(self, lite, real):
        if lite is None:
            return
        self._objects[id(lite)] = real
        if isinstance(lite, (list, tuple)) and isinstance(real, (list, tuple)) and \
                len(lite) == len(real):
            for a, b in zip(lite, real):
                self._remember(a, b)
        elif isinstance(lite, LiteContainer):
            # bar containers: the whole container maps to the real one
            for part in lite:
                self._objects.setdefault(id(part), real)

    def _real_args(self, args):
        return tuple(self._real_value(a) for a in args)

    def _real_kwargs(self, kwargs):
        return {k: self._real_value(v) for k, v in kwargs.items()}

    def _real_value(self, value):
        if isinstance(value, (LiteAxes, LiteAxis, LiteFigure, Mark, LiteContainer)):
            return self._objects[id(value)]
        if value is _AXES_COORDS or value is _DATA_COORDS:
            raise RuntimeError("transform must be resolved by its axes")  # pragma: no cover
        if isinstance(value, list):
            return [self._real_value(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._real_value(v) for v in value)
        if isinstance(value, np.ndarray) and value.dtype == object:
            return np.array([self._real_value(v) for v in value.ravel()],
                            dtype=object).reshape(value.shape)
        return value

    def _forward(self, path, name, args, kwargs):
        target = self.materialize_target(path)
        if "transform" in kwargs and kwargs["transform"] in (_AXES_COORDS, _DATA_COORDS):
            kwargs = dict(kwargs, transform=target.transAxes if kwargs["transform"] is
                          _AXES_COORDS else target.transData)
        return getattr(target, name)(*self._real_args(args), **self._real_kwargs(kwargs))

    # figure API ------------------------------------------------------------------
    @property
    def axes(self):
        if self._real is not None:
            return [self._objects.get(id(a), a) for a in self._axes]
        return [a for a in self._axes]

    def get_size_inches(self):
        return np.array(self._size)

    @_method("fontweight", "fontsize")
    def suptitle(self, t, fontweight=None, fontsize=None):
        import matplotlib as mpl

        self.suptitle_spec = {"text": str(t), "weight": fontweight or
                              mpl.rcParams["figure.titleweight"],
                              "size": _size(fontsize if fontsize is not None else
                                            mpl.rcParams["figure.titlesize"])}
        return self.suptitle_spec

    @_method("handles", "loc", "ncol", "ncols", "frameon", "fontsize", "labels", "title")
    def legend(self, handles=None, labels=None, loc=None, ncol=None, ncols=None, frameon=None,
               fontsize=None, title=None):
        self.legend_spec = _legend_spec(self, (), handles, labels, frameon=frameon,
                                        fontsize=fontsize, title=title, loc=loc,
                                        bbox_to_anchor=None, ncols=ncols or ncol,
                                        title_fontsize=None, borderaxespad=None)
        if not self.legend_spec["loc"].startswith("outside"):
            raise LiteUnsupported("figure legend inside")
        return self.legend_spec

    @_method()
    def autofmt_xdate(self):
        self.xdate_rotation = 30.0
        for ax in self._axes:
            ax._axis["x"]["tickprops"].update({"rotation": 30.0, "ha": "right"})

    def to_svg(self, *, prefix: str, title: str | None = None) -> str:
        """The chart as inline SVG for the page (see :mod:`evaluation.charts.litesvg`)."""
        from .litesvg import lite_svg

        return lite_svg(self, prefix=prefix, title=title)


def new_lite_figure(width: float, height: float, **kwargs):
    """What :func:`~evaluation.charts.base.new_figure` returns inside :func:`lite_figures`."""
    from .base import use_thai_font

    use_thai_font()          # the rc settings the charts and their measurements assume
    supported = {"nrows", "ncols", "squeeze"}
    fig = LiteFigure(width, height, kwargs)
    if set(kwargs) - supported:
        fig.materialize()
    nrows, ncols = fig.grid
    axes = np.empty((nrows, ncols), dtype=object)
    for lite in fig._axes:
        axes[lite.cell] = lite
    if kwargs.get("squeeze", True):
        if nrows == 1 and ncols == 1:
            return fig, axes[0, 0]
        if nrows == 1 or ncols == 1:
            return fig, axes.ravel()
    return fig, axes
