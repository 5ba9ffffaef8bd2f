"""Light figures (evaluation.charts.lite / litesvg) show what matplotlib shows.

Every chart of the sample's village reports is made twice from the same
calls: as a light figure and as a matplotlib figure (laid out as the page
lays it out). Their content must be equal: titles, axis labels, tick labels,
legend entries, texts, every bar and every line's points, error bars.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from evaluation.charts.base import new_figure
from evaluation.charts.lite import LiteFigure, is_lite, lite_figures
from evaluation.charts.litesvg import _layout, lite_svg
from evaluation.reporting.context import ReportContext
from evaluation.reporting.village import run_village_sections


class _Keep(ReportContext):
    """Keeps the figures instead of rendering them."""

    def figure(self, fig, name, title, caption):
        self.figures.append((name, fig))


def _charts(project, out, *, lite: bool, lang: str, village: str):
    ctx = _Keep(out, display=False, lang=lang)
    ctx.lite_charts = lite                       # what the sections' report_section follow
    run_village_sections(project, ctx, village_id=village)
    return ctx.figures


def _num(v) -> float:
    return float(np.round(float(v), 6)) if math.isfinite(float(v)) else float("nan")


# --------------------------------------------------------------------------- matplotlib side
def _mpl_content(fig) -> dict:
    from evaluation.charts.layout import lay_out
    from evaluation.export import _attach_shared_canvas

    _attach_shared_canvas(fig)
    lay_out(fig)
    fig.set_layout_engine(None)
    axes = []
    for ax in fig.axes:
        entry = {"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()}
        if ax.axison:
            for name, axis in (("xticks", ax.xaxis), ("yticks", ax.yaxis)):
                ticks = axis._update_ticks()
                entry[name] = [(_num(t.get_loc()), t.label1.get_text()) for t in ticks]
        else:
            entry["xticks"] = entry["yticks"] = []
        legend = ax.get_legend()
        entry["legend"] = _mpl_legend(legend)
        entry["texts"] = sorted(t.get_text() for t in ax.texts if t.get_text())
        entry["bars"] = sorted((_num(p.get_x()), _num(p.get_y()), _num(p.get_width()),
                                _num(p.get_height())) for p in ax.patches)
        lines = []
        for line in ax.get_lines():
            if line.get_marker() in ("_", "|"):          # error bar caps
                continue
            x, y = line.get_xdata(orig=False), line.get_ydata(orig=False)
            lines.append(tuple(zip(map(_num, np.asarray(x, dtype=float)),
                                   map(_num, np.asarray(y, dtype=float)))))
        entry["lines"] = sorted(lines)
        segments = []
        for coll in ax.collections:
            for seg in getattr(coll, "get_segments", list)():      # line collections
                segments.append(tuple(sorted((_num(a), _num(b)) for a, b in seg)))
        entry["segments"] = sorted(segments)
        axes.append(entry)
    return {"suptitle": fig._suptitle.get_text() if fig._suptitle else "",
            "legend": [_mpl_legend(lg) for lg in fig.legends], "axes": axes}


def _mpl_legend(legend):
    if legend is None:
        return None
    title = legend.get_title().get_text()
    return {"title": title or None, "labels": [t.get_text() for t in legend.get_texts()]}


# --------------------------------------------------------------------------- light side
def _lite_content(fig: LiteFigure) -> dict:
    plans, _, _ = _layout(fig, fig._size[0] * 72, fig._size[1] * 72)
    axes = []
    for plan in plans:
        ax = plan.axes
        entry = {"title": ax.title["text"], "xlabel": ax.labels["x"], "ylabel": ax.labels["y"]}
        if ax.axis_on:
            for name, which in (("xticks", "x"), ("yticks", "y")):
                locs, labels = plan.ticks[which]
                entry[name] = [(_num(v), t) for v, t in zip(locs, labels)]
        else:
            entry["xticks"] = entry["yticks"] = []
        spec = ax.legend_spec
        entry["legend"] = None if spec is None else {
            "title": spec["title"], "labels": [e["label"] for e in spec["entries"]]}
        texts, bars, lines, segments = [], [], [], []
        for mark in ax.marks:
            p = mark.props
            if mark.kind == "text" and p["text"]:
                texts.append(p["text"])
            elif mark.kind == "barlabels":
                texts.extend(t for t, v in zip(p["texts"], mark.x.props["values"]) if t)
            elif mark.kind == "bars":
                for start, width, (b0, b1) in zip(mark.x, p["width"], mark.y):
                    if p["orient"] == "vertical":
                        bars.append((_num(start), _num(b0), _num(width), _num(b1 - b0)))
                    else:
                        bars.append((_num(b0), _num(start), _num(b1 - b0), _num(width)))
            elif mark.kind == "rect":
                bars.append((_num(mark.x), _num(mark.y), _num(p["width"]), _num(p["height"])))
            elif mark.kind == "line":
                lines.append(tuple(zip(map(_num, mark.x), map(_num, mark.y))))
            elif mark.kind == "errorbars":
                for x, (lo, hi) in zip(mark.x, mark.y):
                    if math.isfinite(x):
                        segments.append(tuple(sorted(((_num(x), _num(lo)), (_num(x), _num(hi))))))
            elif mark.kind == "segments":
                for (a0, a1), (b0, b1) in zip(mark.x, mark.y):
                    segments.append(tuple(sorted(((_num(a0), _num(b0)), (_num(a1), _num(b1))))))
        entry.update(texts=sorted(texts), bars=sorted(bars), lines=sorted(lines),
                     segments=sorted(segments))
        axes.append(entry)
    legend = fig.legend_spec
    return {"suptitle": fig.suptitle_spec["text"] if fig.suptitle_spec else "",
            "legend": [] if legend is None else [
                {"title": legend["title"], "labels": [e["label"] for e in legend["entries"]]}],
            "axes": axes}


def _same(a, b, path="chart"):
    """Equal, with NaN equal to NaN; the first difference in the message."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} vs {len(b)}\n{a}\n{b}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("village", ["V01", "V04"])
def test_every_report_chart_has_matplotlibs_content(sample_project, tmp_path, lang, village):
    lite = _charts(sample_project, tmp_path / "a", lite=True, lang=lang, village=village)
    real = _charts(sample_project, tmp_path / "b", lite=False, lang=lang, village=village)
    assert [n for n, _ in lite] == [n for n, _ in real]
    assert len(lite) >= 10
    drawn_light = 0
    for (name, lf), (_, mf) in zip(lite, real):
        assert isinstance(lf, LiteFigure) and not isinstance(mf, LiteFigure)
        if not is_lite(lf):
            continue
        drawn_light += 1
        _same(_lite_content(lf), _mpl_content(mf), name)
    # every chart of the village report is drawn by the light path today
    assert drawn_light == len(lite)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_portfolio_chart_has_matplotlibs_content(sample_project, tmp_path, lang):
    """Forest plots and the SROI tornado are light; heat maps (imshow) stay matplotlib."""
    from evaluation.reporting.portfolio import run_portfolio_sections

    def charts(lite):
        ctx = _Keep(tmp_path / str(lite), display=False, lang=lang)
        ctx.lite_charts = lite
        run_portfolio_sections(sample_project, ctx)
        return ctx.figures

    light, real = charts(True), charts(False)
    assert [n for n, _ in light] == [n for n, _ in real]
    drawn = {name for name, fig in light if is_lite(fig)}
    for (name, lf), (_, mf) in zip(light, real):
        assert not isinstance(mf, LiteFigure)
        if is_lite(lf):
            _same(_lite_content(lf), _mpl_content(mf), name)
        else:                     # materialized or never light: the same matplotlib figure
            fig = lf.materialize() if isinstance(lf, LiteFigure) else lf
            assert _mpl_content(fig) == _mpl_content(mf)
    assert any(n.startswith("happiness_forest") for n in drawn)
    assert any(n.startswith("sroi_tornado") for n in drawn)
    assert not any(n.startswith(("ladder_heatmap", "themes_by_village")) for n in drawn)


def test_a_chart_materialized_midway_equals_matplotlibs(sample_project, tmp_path):
    """An unsupported call replays everything drawn so far on a real figure."""
    x = pd.Series([1.0, 2.0, 3.0])
    with lite_figures():
        fig, ax = new_figure(4, 3)
        bars = ax.bar(x, [3, 5, 4], color="C1", label="ก่อน")
        ax.bar_label(bars, ["a", "b", "c"], padding=2)
        ax.set_title("น้ำใส")
        assert is_lite(fig)
        ax.tick_params(axis="x", labelrotation=30)     # not in the light subset
    assert not is_lite(fig)
    real = fig.materialize()
    assert real.axes[0].get_title() == "น้ำใส"
    assert [p.get_height() for p in real.axes[0].patches] == [3, 5, 4]
    assert [t.get_text() for t in real.axes[0].texts] == ["a", "b", "c"]
    assert fig.axes[0] is real.axes[0]


def test_a_replay_sees_arrays_as_they_were_when_drawn():
    """Stacked bars change their running bottom after each call; the replay must not."""
    def stacked(ax):
        bottom = np.zeros(2)
        for h in ([1.0, 2.0], [3.0, 4.0]):
            ax.bar([0, 1], h, bottom=bottom)
            bottom += h

    with lite_figures():
        fig, ax = new_figure(4, 3)
        stacked(ax)
        ax.tick_params(axis="x", length=0)            # materializes: replay
    real, direct = fig.materialize(), new_figure(4, 3)
    stacked(direct[1])
    got = [(p.get_y(), p.get_height()) for p in real.axes[0].patches]
    assert got == [(p.get_y(), p.get_height()) for p in direct[1].patches]
    assert got == [(0.0, 1.0), (0.0, 2.0), (1.0, 3.0), (2.0, 4.0)]


def test_unknown_keywords_and_attributes_fall_back_to_matplotlib():
    with lite_figures():
        fig, ax = new_figure(4, 3)
        ax.plot([1, 2], [3, 4], drawstyle="steps")       # keyword the light path lacks
    assert not is_lite(fig)
    with lite_figures():
        fig, ax = new_figure(4, 3)
        ax.plot([1, 2], [3, 4])
        assert ax.get_xscale() == "linear"              # attribute: forwarded
    assert not is_lite(fig)
    with lite_figures():
        fig, ax = new_figure(4, 3)
        ax.imshow([[1, 2], [3, 4]])
    assert not is_lite(fig)


def test_outside_the_block_charts_are_matplotlib():
    from matplotlib.figure import Figure

    fig, _ = new_figure(4, 3)
    assert isinstance(fig, Figure)
    with lite_figures(False):
        fig, _ = new_figure(4, 3)
    assert isinstance(fig, Figure)


def test_light_svg_scopes_ids_escapes_text_and_keeps_thai_as_text():
    with lite_figures():
        fig, ax = new_figure(4, 3)
        ax.bar(["a", "b"], [1, 2]) if False else ax.bar([0, 1], [1, 2])
        ax.set_title("<script>ผู้เข้าร่วมทำบัญชีครัวเรือน น้ำใส ๒๕๖๖</script>")
        ax.set_xticks([0, 1], ["ทำบัญชี", "น้ำใส"])
    one = lite_svg(fig, prefix="ev-c1-", title="a & b")
    two = lite_svg(fig, prefix="ev-c2-", title="a & b")
    assert "<script>" not in one and "&lt;script&gt;ผู้เข้าร่วมทำบัญชีครัวเรือน" in one
    assert ">ทำบัญชี</text>" in one and ">น้ำใส</text>" in one
    assert 'aria-label="a &amp; b"' in one
    ids = set(re.findall(r'\sid="([^"]+)"', one)) | set(re.findall(r'\sid="([^"]+)"', two))
    assert ids and all(i.startswith(("ev-c1-", "ev-c2-")) for i in ids)
    assert len(ids) == len(re.findall(r'\sid="', one)) + len(re.findall(r'\sid="', two))
    for ref in re.findall(r'url\(#([^)]+)\)', one):
        assert f'id="{ref}"' in one


def test_ticks_follow_matplotlib_for_limits_formatters_and_sticky_bases():
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    def build():
        fig, axes = new_figure(7, 3, ncols=3)
        axes[0].bar([0, 1, 2], [1200, 5300, 8100])
        axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        axes[1].plot([0.001, 0.0042], [-3, 7])
        axes[1].set_ylim(-5, 12)
        axes[2].barh([0, 1], [30, 70])
        axes[2].xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        axes[2].invert_yaxis()
        return fig

    with lite_figures():
        lf = build()
    assert is_lite(lf)
    _same(_lite_content(lf), _mpl_content(build()))


@pytest.mark.parametrize("call", [
    lambda ax: ax.legend(loc="outside upper right"),
    lambda ax: ax.text(0, 0, "x", transform=object()),
    lambda ax: ax.plot([1, 2], [1, 2], "k+"),
    lambda ax: ax.set_title("t", loc="left"),
])
def test_what_the_light_path_cannot_draw_goes_to_matplotlib(call):
    with lite_figures():
        fig, ax = new_figure(4, 3)
        ax.plot([1, 2], [1, 2], label="a")
        try:
            call(ax)
        except Exception:  # noqa: BLE001 - matplotlib's own refusal is fine too
            pass
    assert not is_lite(fig)


def test_automatic_ticks_on_a_date_axis_fall_back_at_render():
    from evaluation.charts.lite import LiteUnsupported

    with lite_figures():
        fig, ax = new_figure(4, 3)
        ax.plot(pd.to_datetime(["2024-01-01", "2024-03-01"]), [1, 2])
    assert is_lite(fig)
    with pytest.raises(LiteUnsupported):
        lite_svg(fig, prefix="c1-")
    assert fig.materialize().axes[0].get_lines()[0].get_xydata().shape == (2, 2)


def _scores(n_groups=3, seed=1):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        for person in range(12):
            base = rng.integers(30, 50)
            for k, wave in enumerate(("pre", "during", "post")):
                rows.append({"person_id": f"G{g}P{person}", "group": f"กลุ่ม {g + 1}",
                             "wave": wave, "total": float(base + k * rng.integers(0, 4))})
    return pd.DataFrame(rows)


def _forest(n):
    rng = np.random.default_rng(n)
    mean = rng.normal(2, 3, n)
    return pd.DataFrame({"label": [f"หมู่บ้าน {i}" for i in range(n)], "mean_diff": mean,
                         "ci_low": mean - 1.5, "ci_high": mean + 1.5,
                         "n_pairs": rng.integers(5, 40, n)})


_CHARTS = {
    "waves by group, legend title": lambda: __import__(
        "evaluation.charts.happiness", fromlist=["x"]).waves_chart(_scores(), by="group"),
    "change histogram, whole-point bins": lambda: __import__(
        "evaluation.charts.happiness", fromlist=["x"]).change_distribution(_scores(1)),
    "forest plot, 12 villages": lambda: __import__(
        "evaluation.charts.sections", fromlist=["x"]).forest_plot(_forest(12), label="label"),
    "caterpillar, 80 villages": lambda: __import__(
        "evaluation.charts.sections", fromlist=["x"]).forest_plot(
            pd.concat([_forest(80), pd.DataFrame({"label": ["รวม"], "mean_diff": [2.0],
                                                   "ci_low": [1.5], "ci_high": [2.5],
                                                   "n_pairs": [900]})]),
            label="label", overall="รวม", lang="en"),
}


@pytest.mark.parametrize("name", list(_CHARTS))
def test_chart_functions_on_their_own_data_match_matplotlib(name):
    """Paths the sample's reports do not take: group legends, many groups, bins."""
    with lite_figures():
        light = _CHARTS[name]()
    real = _CHARTS[name]()
    assert is_lite(light), name
    _same(_lite_content(light), _mpl_content(real), name)
    assert lite_svg(light, prefix="c-").startswith("<svg")


def test_a_missing_value_breaks_the_line_and_hides_its_text():
    """No segment is drawn across a gap in the data (matplotlib leaves one)."""
    with lite_figures():
        fig, ax = new_figure(4, 3)
        ax.plot([0, 1, 2, 3, 4], [1.0, 2.0, np.nan, 3.0, 4.0], color="#0072B2")
        ax.text(np.nan, 1.0, "ไม่แสดง")
    svg = lite_svg(fig, prefix="c-")
    lines = re.findall(r'<polyline points="([^"]+)"[^>]*stroke="#0072b2"', svg)
    assert [len(p.split()) for p in lines] == [2, 2]
    assert "nan" not in svg.lower() and "ไม่แสดง" not in svg


def test_bar_boxes_all_at_once_equal_one_bar_at_a_time():
    """The bars' boxes computed for all bars at once are, number for number, the boxes
    computed one bar at a time with Python's min and max (blank heights, infinite bases,
    vertical and horizontal bars, no bars)."""
    from types import SimpleNamespace

    from evaluation.charts.litesvg import _bar_boxes, _Box, _to_px

    def one_at_a_time(plan, mark):
        horizontal = mark.props["orient"] == "horizontal"
        for start, width, (b0, b1) in zip(mark.x, mark.props["width"], mark.y):
            along, across = ("y", "x") if horizontal else ("x", "y")
            pa, pb = _to_px(plan, along, [start, start + width])
            qa, qb = _to_px(plan, across, [b0, b1])
            xa, xb, ya, yb = (qa, qb, pa, pb) if horizontal else (pa, pb, qa, qb)
            yield min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)

    rng = np.random.default_rng(0)
    compared = 0
    for _ in range(200):
        n = int(rng.integers(0, 25))
        plan = SimpleNamespace(box=_Box(10.0, 20.0, 310.5, 220.25),
                               lim={"x": tuple(sorted(rng.normal(0, 10, 2))),
                                    "y": tuple(rng.normal(0, 1000, 2))})
        base, height = rng.normal(0, 500, n), rng.normal(0, 500, n)
        height[rng.random(n) < 0.2] = np.nan
        base[rng.random(n) < 0.05] = np.inf
        mark = SimpleNamespace(x=rng.normal(0, 5, n), y=np.stack([base, base + height], axis=1),
                               props={"orient": str(rng.choice(["vertical", "horizontal"])),
                                      "width": np.broadcast_to(rng.random(), (n,))})
        with np.errstate(all="ignore"):
            expected = [tuple(map(float, box)) for box in one_at_a_time(plan, mark)]
            got = list(_bar_boxes(plan, mark))
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(np.array(a), np.array(b))
            compared += 1
    assert compared > 1000
