"""Tick positions and labels computed once per axes position while a chart is rendered.

matplotlib recomputes an axis's ticks (``Axis._update_ticks``: run the
locator, format every label, move every tick object) each time anything
asks for them: constrained layout measures every axis several times, and
drawing asks again from the axis, from each spine and from the tick-label
boxes, about fourteen times per axis and chart in all, a quarter of a
report's chart time. While :func:`tick_memo` is active (only inside
:func:`evaluation.charts.svg.render_chart`, where no user code changes the
figure), an axis's last answer is reused as long as nothing it depends on
has changed:

* the view interval (the data limits shown);
* the axes' box in pixels and the figure's dpi (the locators choose how many
  ticks fit, a PNG at 200 dpi is a new box);
* the very locator and formatter objects (major and minor) and tick lists,
  and the axis's scale.

Only the latest answer of each axis is kept, so the tick objects hold exactly
the state that answer left in them; the memo is emptied when the outermost
block ends. The charts are the same to the last byte
(``tests/test_charts_ticks.py`` compares every chart of a report drawn with
and without the memo).
"""

from __future__ import annotations

import contextlib

__all__ = ["tick_memo"]

_switch = None   # the MethodSwitch of Axis._update_ticks, made on first use
#: ``{id(axis): (axis, key, ticks)}``: the axis is kept so that its id is not reused
_latest: dict = {}


def _key(axis) -> tuple:
    ax = axis.axes
    major, minor = axis.major, axis.minor
    # the tick lists are lazy descriptors until first used: read the instance's own
    ticks = vars(axis)
    return (tuple(axis.get_view_interval()), ax.bbox.bounds,
            ax.get_figure(root=True).dpi, axis.get_scale(),
            major.locator, major.formatter, minor.locator, minor.formatter,
            ticks.get("majorTicks"), ticks.get("minorTicks"))


def _same(a: tuple, b: tuple) -> bool:
    # numbers compared by value, matplotlib objects by identity
    return a[:4] == b[:4] and all(x is y for x, y in zip(a[4:], b[4:]))


def _memo_update_ticks(self):
    """``Axis._update_ticks`` through the memo (see the module text)."""
    try:
        key = _key(self)
    except Exception:  # noqa: BLE001 - an unusual axis: computed as matplotlib does
        return _switch.original(self)
    hit = _latest.get(id(self))
    if hit is not None and hit[0] is self and _same(hit[1], key):
        return list(hit[2])
    ticks = _switch.original(self)
    # the tick lists exist now (the first computation creates them)
    _latest[id(self)] = (self, _key(self), ticks)
    return list(ticks)


@contextlib.contextmanager
def tick_memo():
    """Within the block, an axis's ticks are recomputed only when they can change.

    Re-entrant; matplotlib's own method is restored and the memo emptied when the
    outermost block ends.

    Examples
    --------
    >>> from evaluation.charts.base import new_figure
    >>> from evaluation.charts.svg import figure_svg
    >>> fig, ax = new_figure(3, 2)
    >>> _ = ax.bar(["ก", "ข"], [1, 2])
    >>> plain = figure_svg(fig, prefix="c1-")
    >>> with tick_memo():
    ...     memo = figure_svg(fig, prefix="c1-")
    >>> memo == plain
    True
    """
    global _switch
    from matplotlib.axis import Axis

    from .patching import MethodSwitch

    if _switch is None:
        _switch = MethodSwitch(Axis, "_update_ticks", _memo_update_ticks,
                               on_exit=_latest.clear)
    with _switch.active():
        yield
