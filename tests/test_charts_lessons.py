"""Tests for evaluation.charts.lessons (figures build, labels and data are right)."""

from __future__ import annotations

import matplotlib.figure
import numpy as np
import pandas as pd
import pytest

from evaluation.charts.lessons import keywords_chart, themes_heatmap, wordcloud_figure


@pytest.fixture
def kw():
    return pd.DataFrame({"village_id": ["V1", "V1", "V2"], "rank": [1, 2, 1],
                         "word": ["ออม", "หนี้สิน", "ผักตบชวา"], "count": [5, 3, 4],
                         "tfidf": [0.4, 0.2, 0.5]})


@pytest.fixture
def summary():
    return pd.DataFrame({"village_id": ["V1", "V1", "V2", "V2"], "theme": ["a", "b"] * 2,
                         "theme_th": ["การออม", "ทีม"] * 2, "theme_en": ["Savings", "Team"] * 2,
                         "share_of_sentences": [0.5, 0.25, 0.0, 1.0],
                         "n_sentences": [2, 1, 0, 3]})


def test_keywords_chart(kw):
    fig = keywords_chart(kw, value="count")
    assert isinstance(fig, matplotlib.figure.Figure)
    ax1, ax2 = [a for a in fig.axes if a.get_visible()]
    assert [t.get_text() for t in ax1.get_yticklabels()] == ["ออม", "หนี้สิน"]  # rank order
    assert [p.get_width() for p in ax1.patches] == [5, 3]
    assert ax1.get_xlabel() == "จำนวนครั้งที่พบ (ครั้ง)"
    assert "V2" in ax2.get_title()
    assert fig._suptitle.get_text()
    fig_en = keywords_chart(kw, value="tfidf", lang="en")
    assert fig_en.axes[0].get_xlabel() == "TF-IDF score (unitless)"


@pytest.mark.parametrize("kwargs, message", [
    ({"value": "score"}, "value must be"),
    ({"by": "section"}, "lacks column"),
    ({"lang": "de"}, "lang must be"),
    ({"top": 0}, "top must be"),
])
def test_keywords_chart_errors(kw, kwargs, message):
    with pytest.raises(ValueError, match=message):
        keywords_chart(kw, **kwargs)


def test_themes_heatmap(summary):
    fig = themes_heatmap(summary)
    ax = fig.axes[0]
    data = ax.images[0].get_array()
    # shares shown as percentages: rows V1, V2; columns a, b
    np.testing.assert_allclose(np.asarray(data), [[50, 25], [0, 100]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["การออม", "ทีม"]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    fig_en = themes_heatmap(summary, value="n_sentences", lang="en")
    assert [t.get_text() for t in fig_en.axes[0].get_xticklabels()] == ["Savings", "Team"]


@pytest.mark.parametrize("kwargs, message", [
    ({"value": "n_chars"}, "value must be one of"),
    ({"lang": "xx"}, "lang must be"),
])
def test_themes_heatmap_errors(summary, kwargs, message):
    with pytest.raises(ValueError, match=message):
        themes_heatmap(summary, **kwargs)


@pytest.mark.parametrize("data", [
    {"ออม": 5, "หนี้สิน": 3},
    pd.Series({"ออม": 5, "หนี้สิน": 3}),
    pd.DataFrame({"word": ["ออม", "ออม", "หนี้สิน"], "count": [2, 3, 3]}),
    pd.DataFrame({"village_id": ["V1"], "section": ["x"], "text": ["สมาชิกออมเงินและลดหนี้สิน"]}),
])
def test_wordcloud_figure(data):
    fig = wordcloud_figure(data, width=300, height=150)
    ax = fig.axes[0]
    assert len(ax.images) == 1
    assert ax.get_title() == "คำที่พบบ่อยในบทเรียน"


def test_wordcloud_empty_and_errors():
    fig = wordcloud_figure({}, lang="en")
    assert not fig.axes[0].images and fig.axes[0].get_title()
    with pytest.raises(TypeError, match="data must be"):
        wordcloud_figure(["ออม"])
