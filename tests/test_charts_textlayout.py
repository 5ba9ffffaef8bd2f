"""The text-layout memo (evaluation.charts.textlayout) changes no chart."""

from __future__ import annotations

import contextlib

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

import evaluation.charts.textlayout as tl
from evaluation.charts.base import new_figure
from evaluation.charts.svg import figure_svg
from evaluation.export import figure_png
from evaluation.reporting.context import ReportContext
from evaluation.reporting.village import run_village_sections

MEMO = tl.text_layout_memo


class _Capture(ReportContext):
    def _display_html(self, markup):
        self.pages.append(markup)


def _figures(project, out, monkeypatch, memo: bool) -> list[str]:
    monkeypatch.setattr(tl, "text_layout_memo",
                        MEMO if memo else contextlib.nullcontext)
    ctx = _Capture(out, display=False, lite_charts=False)
    ctx.pages = []
    run_village_sections(project, ctx, village_id="V01")
    return [m for m in ctx.pages if m.startswith("<figure")]


def test_every_chart_of_a_report_is_the_same_with_the_memo(sample_project, tmp_path,
                                                           monkeypatch):
    without = _figures(sample_project, tmp_path / "a", monkeypatch, memo=False)
    tl.clear_text_layout_memo()
    with_memo = _figures(sample_project, tmp_path / "b", monkeypatch, memo=True)
    assert tl.text_layout_memo_size() > 100          # the memo was used
    again = _figures(sample_project, tmp_path / "c", monkeypatch, memo=True)  # memo hits
    assert len(without) >= 10
    assert with_memo == without
    assert again == without


def _chart():
    fig, ax = new_figure(4, 3)
    ax.bar(["ผู้เข้าร่วมทำบัญชี", "น้ำใส"], [3, 5])
    ax.set_title("ผู้เข้าร่วมทำบัญชีครัวเรือน น้ำใส ๒๕๖๖")
    ax.set_ylabel("ครัวเรือน")
    ax.tick_params(axis="x", labelrotation=30)
    return fig


def test_png_and_svg_are_the_same_with_the_memo():
    plain_svg, plain_png = figure_svg(_chart(), prefix="c1-"), figure_png(_chart(), dpi=100)
    with tl.text_layout_memo():
        first = figure_svg(_chart(), prefix="c1-"), figure_png(_chart(), dpi=100)
        second = figure_svg(_chart(), prefix="c1-"), figure_png(_chart(), dpi=100)
    assert first == second == (plain_svg, plain_png)


def test_memo_is_scoped_and_reentrant():
    original = Text._get_layout
    with tl.text_layout_memo():
        with tl.text_layout_memo():
            assert Text._get_layout is tl._memo_get_layout
        assert Text._get_layout is tl._memo_get_layout
    assert Text._get_layout is original


@pytest.mark.parametrize("kwargs", [{"wrap": True}, {"usetex": False, "rotation": 45}])
def test_wrapped_text_is_measured_each_time_and_rotation_is_in_the_key(kwargs):
    fig, ax = new_figure(3, 2)
    text = ax.text(0.5, 0.5, "ผู้เข้าร่วมทำบัญชีครัวเรือน " * 4, **kwargs)
    renderer = FigureCanvasAgg(fig).get_renderer()
    expected = text.get_window_extent(renderer).bounds
    tl.clear_text_layout_memo()
    with tl.text_layout_memo():
        assert text.get_window_extent(renderer).bounds == expected
        text.set_rotation(10)
        rotated = text.get_window_extent(renderer).bounds
    assert rotated != expected
    assert tl.text_layout_memo_size() == (0 if kwargs.get("wrap") else 2)
