"""Text layout measured once per process: a memo of matplotlib's ``Text._get_layout``.

matplotlib measures every text of a chart again each time it is laid out or
drawn (constrained layout measures each tick label, title and axis label
several times, then the drawing measures them again), and its per-renderer
metrics cache is lost with each renderer. A village report draws the same
Thai titles, axis labels and tick labels in every village. While
:func:`text_layout_memo` is active, the layout of a text (its lines, their
widths, ascents and descents, the rotated box and the alignment offsets) is
kept in a process-wide memo keyed by everything the layout depends on:

* the text as wrapped (texts with ``wrap=True`` are not memoised: their
  wrapping depends on their position), math or not, TeX never memoised;
* the font properties (family, style, variant, weight, stretch, size, file,
  math family), the line spacing, the multi-line alignment, the horizontal
  and vertical alignment, the rotation and the rotation mode;
* the figure's dpi and the renderer: its class, its dpi and the hinting
  settings that change raster metrics.

The layout matplotlib returns is the same (the memo stores matplotlib's own
result and hands out copies of its bounding box), so the charts are the same
to the last coordinate; ``tests/test_charts_textlayout.py`` compares every
chart of a report drawn with and without the memo.
"""

from __future__ import annotations

import contextlib

__all__ = ["clear_text_layout_memo", "text_layout_memo", "text_layout_memo_size"]

#: Most layouts kept (a village report uses a few thousand distinct ones).
MAX_ENTRIES = 50_000

_memo: dict = {}
_switch = None   # the MethodSwitch of Text._get_layout, made on first use


def _renderer_key(renderer):
    import matplotlib

    rc = matplotlib.rcParams
    return (type(renderer), getattr(renderer, "dpi", None), rc["text.hinting"],
            rc["text.hinting_factor"], rc["text.kerning_factor"])


def _fontprop_key(fp):
    return (tuple(fp.get_family()), fp.get_style(), fp.get_variant(), fp.get_weight(),
            fp.get_stretch(), fp.get_size_in_points(), fp.get_file(),
            fp.get_math_fontfamily())


def _memo_get_layout(self, renderer):
    """``Text._get_layout`` through the memo (see the module text)."""
    if self.get_usetex() or self.get_wrap():
        return _switch.original(self, renderer)
    try:
        key = (self.get_text(), self._parse_math, self._fontproperties and
               _fontprop_key(self._fontproperties), self._linespacing,
               self._multialignment, self._horizontalalignment, self._verticalalignment,
               self.get_rotation(), self.get_rotation_mode(),
               self.get_figure(root=True).dpi, _renderer_key(renderer))
        hash(key)
    except (AttributeError, TypeError):   # an unusual text: measure it as matplotlib does
        return _switch.original(self, renderer)
    hit = _memo.get(key)
    if hit is None:
        hit = _switch.original(self, renderer)
        if len(_memo) >= MAX_ENTRIES:
            _memo.clear()
        _memo[key] = hit
    bbox, info, corner = hit
    return bbox.frozen(), list(info), corner


@contextlib.contextmanager
def text_layout_memo():
    """Within the block, matplotlib text layouts are memoised process-wide.

    Re-entrant; matplotlib's own method is restored when the outermost block ends.

    Examples
    --------
    >>> from evaluation.charts.base import new_figure
    >>> from evaluation.charts.svg import figure_svg
    >>> fig, ax = new_figure(3, 2)
    >>> _ = ax.set_title("น้ำใส")
    >>> with text_layout_memo():
    ...     svg = figure_svg(fig, prefix="c1-")
    >>> text_layout_memo_size() > 0
    True
    """
    global _switch
    from matplotlib.text import Text

    from .patching import MethodSwitch

    if _switch is None:
        _switch = MethodSwitch(Text, "_get_layout", _memo_get_layout)
    with _switch.active():
        yield


def text_layout_memo_size() -> int:
    """Number of text layouts in the memo."""
    return len(_memo)


def clear_text_layout_memo() -> None:
    """Forget every memoised text layout (e.g. after changing fonts)."""
    _memo.clear()
