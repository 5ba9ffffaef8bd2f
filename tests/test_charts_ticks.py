"""The tick memo (evaluation.charts.ticks) changes no chart."""

from __future__ import annotations

import contextlib

from matplotlib.axis import Axis

import evaluation.charts.ticks as tk
from evaluation.charts.base import new_figure
from evaluation.charts.svg import figure_svg, render_chart
from evaluation.export import figure_png
from evaluation.reporting.context import ReportContext
from evaluation.reporting.village import run_village_sections

MEMO = tk.tick_memo


class _Capture(ReportContext):
    def _display_html(self, markup):
        self.pages.append(markup)


def _figures(project, out, monkeypatch, memo: bool, lang: str) -> list[str]:
    monkeypatch.setattr(tk, "tick_memo", MEMO if memo else contextlib.nullcontext)
    ctx = _Capture(out, display=False, lang=lang, lite_charts=False)
    ctx.pages = []
    run_village_sections(project, ctx, village_id="V01")
    return [m for m in ctx.pages if m.startswith("<figure")]


def test_every_chart_of_a_report_is_the_same_with_the_memo(sample_project, tmp_path,
                                                           monkeypatch):
    calls = []
    original = MEMO

    @contextlib.contextmanager
    def counted():
        with original():
            calls.append(Axis._update_ticks)
            yield

    for lang in ("th", "en"):
        without = _figures(sample_project, tmp_path / f"a{lang}", monkeypatch, False, lang)
        monkeypatch.setattr(tk, "tick_memo", counted)
        ctx = _Capture(tmp_path / f"b{lang}", display=False, lang=lang, lite_charts=False)
        ctx.pages = []
        run_village_sections(sample_project, ctx, village_id="V01")
        with_memo = [m for m in ctx.pages if m.startswith("<figure")]
        assert len(without) >= 10
        assert with_memo == without
    assert calls and all(c is tk._memo_update_ticks for c in calls)   # the memo was used


def _chart(rotation=30):
    fig, ax = new_figure(4, 3)
    ax.bar(["ผู้เข้าร่วมทำบัญชี", "น้ำใส", "ครัวเรือน"], [3, 5, 12000])
    ax.set_title("ผู้เข้าร่วมทำบัญชีครัวเรือน น้ำใส ๒๕๖๖")
    ax.set_ylabel("ครัวเรือน")
    ax.tick_params(axis="x", labelrotation=rotation)
    return fig


def test_chart_files_are_the_same_with_the_memo(tmp_path):
    # the page's SVG at 72 dpi, then a PNG at 200 dpi from the same laid-out figure:
    # the ticks are computed anew for each dpi
    plain_svg, plain_files = render_chart(_chart(), prefix="c1-", path=tmp_path / "a",
                                          formats=("png", "svg"))
    import evaluation.charts.svg as svg_module

    assert svg_module.render_chart is render_chart
    with MEMO():
        memo_svg, memo_files = render_chart(_chart(), prefix="c1-", path=tmp_path / "b",
                                            formats=("png", "svg"))
    assert memo_svg == plain_svg
    assert [p.read_bytes() for p in memo_files] == [p.read_bytes() for p in plain_files]


def test_ticks_follow_a_change_of_limits_or_locator_inside_the_block():
    fig, ax = new_figure(4, 3)
    ax.plot([0, 10], [0, 10])
    with MEMO():
        first = [t.label1.get_text() for t in ax.xaxis._update_ticks()]
        ax.set_xlim(0, 1000)
        wider = [t.label1.get_text() for t in ax.xaxis._update_ticks()]
        ax.set_xticks([0, 500], ["ศูนย์", "ห้าร้อย"])
        fixed = [t.label1.get_text() for t in ax.xaxis._update_ticks()]
        fig.set_size_inches(8, 3)
        again = [t.label1.get_text() for t in ax.xaxis._update_ticks()]
    assert first != wider
    assert fixed == again == ["ศูนย์", "ห้าร้อย"]
    plain = [t.label1.get_text() for t in ax.xaxis._update_ticks()]
    assert plain == fixed


def test_memo_is_scoped_and_reentrant():
    original = Axis._update_ticks
    with MEMO():
        with MEMO():
            assert Axis._update_ticks is tk._memo_update_ticks
        assert Axis._update_ticks is tk._memo_update_ticks
    assert Axis._update_ticks is original
    assert tk._latest == {}


def test_svg_of_a_chart_is_the_same_with_the_memo():
    plain = figure_svg(_chart(0), prefix="c1-"), figure_png(_chart(0), dpi=100)
    with MEMO():
        memo = figure_svg(_chart(0), prefix="c1-"), figure_png(_chart(0), dpi=100)
    assert memo == plain
