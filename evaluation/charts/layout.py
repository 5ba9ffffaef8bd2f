"""Constrained layout in one pass when a second would change nothing.

matplotlib's constrained layout measures every axes' decorations (tick
labels, axis labels, titles, legends, texts) at the axes' first position,
moves the axes, and then does it all again (a second pass) because the
decorations may have changed with the new size: tick labels are chosen
anew for the new axis length, a label wider than its axes overhangs by an
amount that depends on the axes' width. Measuring is most of a chart's
layout time.

:func:`lay_out` runs the first pass, then checks cheaply whether anything
the second pass would measure differently has changed: for every axis the
tick labels drawn (their texts and how far their boxes reach beyond the
axes' edges, to 0.01 pixel), that no title or axis label is longer than
its axes side (so its overhang does not depend on the axes' size) and that
every text, legend or unclipped artist of the axes lies inside the axes.
When all holds, the second pass would measure the same margins and place
every axes where the first pass did, so it is skipped; otherwise (and for
layouts it does not cover: colorbars, fixed-aspect axes, subfigures,
compressed layouts, texts that wrap, figure legends other than ``loc="outside …"``) the second pass runs as matplotlib's.
The result is the constrained layout either way: long Thai labels get the
room they need (``tests/test_charts_layout.py``).
"""

from __future__ import annotations

__all__ = ["lay_out"]

#: How much a decoration's reach may differ between the passes, in pixels at the
#: layout's 100 dpi: below the constrained layout's padding (3 points, 4.2 pixels), so
#: the decoration still has room, and below what the eye sees in a chart.
TOLERANCE = 0.5


def _constrained(engine) -> bool:
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return type(engine) is ConstrainedLayoutEngine and not engine._compress


def _one_pass(fig, engine) -> None:
    """The body of one iteration of ``matplotlib._constrained_layout.do_constrained_layout``."""
    from matplotlib import _api
    from matplotlib import _constrained_layout as cl

    width, height = fig.get_size_inches()
    params = engine._params
    w_pad, h_pad = params["w_pad"] / width, params["h_pad"] / height
    hspace, wspace = params["hspace"], params["wspace"]
    renderer = fig._get_renderer()
    layoutgrids = cl.make_layoutgrids(fig, None, rect=params["rect"])
    if not layoutgrids["hasgrids"]:
        return
    cl.make_layout_margins(layoutgrids, fig, renderer, h_pad=h_pad, w_pad=w_pad,
                           hspace=hspace, wspace=wspace)
    cl.make_margin_suptitles(layoutgrids, fig, renderer, h_pad=h_pad, w_pad=w_pad)
    cl.match_submerged_margins(layoutgrids, fig)
    layoutgrids[fig].update_variables()
    if cl.check_no_collapsed_axes(layoutgrids, fig):
        cl.reposition_axes(layoutgrids, fig, renderer, h_pad=h_pad, w_pad=w_pad,
                           hspace=hspace, wspace=wspace)
    else:
        _api.warn_external("constrained_layout not applied because axes sizes collapsed "
                           "to zero.  Try making figure larger or Axes decorations smaller.")
    cl.reset_margins(layoutgrids, fig)


def _covered(fig) -> bool:
    """Whether the one-pass check covers this figure's layout."""
    if fig.subfigs:
        return False
    # figure legends "outside" the axes get a margin of their own size (the same in
    # both passes); any other figure legend: full layout
    if any(not leg._outside_loc or leg._bbox_to_anchor is not None for leg in fig.legends):
        return False
    for ax in fig.axes:
        if (ax._colorbars or getattr(ax, "_colorbar", None) is not None
                or ax.get_aspect() != "auto" or ax.get_subplotspec() is None):
            return False
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax._left_title, ax._right_title, ax.xaxis.label,
                  ax.yaxis.label]
    return not any(t.get_wrap() for t in texts)


def _reach(ext, box) -> tuple[float, float, float, float]:
    """How far `ext` reaches beyond each edge of `box` (left, right, bottom, top; 0 inside)."""
    return (max(0.0, box.x0 - ext.x0), max(0.0, ext.x1 - box.x1),
            max(0.0, box.y0 - ext.y0), max(0.0, ext.y1 - box.y1))


def _state(fig, renderer):
    """What the layout measures, as (texts, reaches): the tick labels drawn on every
    axis (exact texts) and how far each decoration reaches beyond its axes (pixels).

    None when it cannot be told (an artist that cannot give its extent)."""
    from matplotlib.text import Text

    texts, reaches = [], []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.get_in_layout():
            continue
        box = ax.get_window_extent(renderer)
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            ticks = axis._update_ticks()
            texts.append((tuple((t.label1.get_text(), t.label1.get_visible(),
                                 t.label2.get_text(), t.label2.get_visible()) for t in ticks),
                          axis.offsetText.get_text()))
            for boxes in axis._get_ticklabel_bboxes(ticks, renderer):
                reaches.extend(_reach(b, box) for b in boxes)
            label = axis.label
            if label.get_visible() and label.get_text():
                # placed beside the tick labels (same reach when they are the same);
                # along the axis it overhangs when longer than the axes' side
                ext = label.get_window_extent(renderer)
                reaches.append((max(0.0, ext.width - box.width), max(0.0, ext.height - box.height),
                                0.0, 0.0))
        for title in (ax.title, ax._left_title, ax._right_title):
            if title.get_visible() and title.get_text():
                reaches.append((max(0.0, title.get_window_extent(renderer).width - box.width),
                                0.0, 0.0, 0.0))
        for child in ax.get_children():
            if child in (ax.xaxis, ax.yaxis, ax.patch, ax.title, ax._left_title,
                         ax._right_title) or child in ax.spines.values():
                continue
            if not child.get_visible() or not child.get_in_layout():
                continue
            if child.get_clip_on() and not isinstance(child, Text) and (
                    child.get_clip_box() is not None or child.get_clip_path() is not None):
                continue       # clipped to the axes: never outside it
            try:
                ext = child.get_window_extent(renderer)
            except Exception:  # noqa: BLE001 - an artist that cannot tell: full layout
                return None
            if ext.width == 0 and ext.height == 0:
                continue
            reaches.append(_reach(ext, box))
    return texts, reaches


def _same(before, after) -> bool:
    if before is None or after is None or before[0] != after[0]:
        return False
    if len(before[1]) != len(after[1]):
        return False
    return all(abs(a - b) <= TOLERANCE for ra, rb in zip(before[1], after[1])
               for a, b in zip(ra, rb))


def lay_out(fig) -> None:
    """Lay `fig` out with its layout engine and freeze the result (no engine left).

    A constrained layout runs its second pass only when the first one changed
    what it measures (see the module text); any other engine runs as is.

    Examples
    --------
    >>> from evaluation.charts.base import new_figure
    >>> fig, ax = new_figure(4, 3)
    >>> _ = ax.set_title("ผู้เข้าร่วมทำบัญชีครัวเรือน")
    >>> lay_out(fig)
    >>> fig.get_layout_engine() is None
    True
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    if not _constrained(engine) or not _covered(fig):
        engine.execute(fig)
    else:
        renderer = fig._get_renderer()
        before = _state(fig, renderer)
        _one_pass(fig, engine)
        if not _same(before, _state(fig, renderer)):
            _one_pass(fig, engine)      # matplotlib's second pass
    fig.set_layout_engine(None)
