"""The lessons section's list-based steps give what their pandas expressions give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.lessons import code_themes
from evaluation.reporting import village as VS


def _top_by_pandas(summary, n):
    ordered = summary.sort_values("n_sentences", ascending=False, kind="stable")
    top = ordered[ordered["n_sentences"] > 0].head(n)
    cols = ["theme", "theme_th", "theme_en", "n_sentences", "share_of_sentences"]
    return [dict(zip(cols, r)) for r in top[cols].itertuples(index=False)]


@pytest.mark.parametrize("n", [0, 1, 3, 20, -1])
def test_top_themes_equal_the_sort(sample_project, n):
    summary = code_themes(sample_project.lessons).summary
    ties = summary.assign(n_sentences=np.resize([2, 0, 2, 1, 2], len(summary)))
    zeros = summary.assign(n_sentences=0)
    for frame in (summary, ties, zeros, summary.iloc[:1], summary.iloc[:0]):
        assert VS._top_themes(frame, n) == _top_by_pandas(frame, n)


@pytest.mark.parametrize("words", [
    ["ออม", "ชื่อ", "หนี้", "name", "id", "ทีม", "โทร", "กลุ่ม"],
    ["ชื่อ", "โทร"], [], ["ออม", "Name", "EMAIL", "ID", "x"],
    ["ออม", "İd", "straße", "ชื่อ"],            # beyond ASCII and Thai: pandas' lower
])
@pytest.mark.parametrize("n", [0, 2, 15])
def test_shown_keywords_equal_the_filter(words, n):
    kw = pd.DataFrame({"rank": np.arange(1, len(words) + 1), "word": pd.array(words, dtype="str"),
                       "count": np.arange(len(words), 0, -1)})
    want = kw[~kw["word"].astype(str).str.lower().isin(VS._TOKEN_WORDS)].head(n)
    pd.testing.assert_frame_equal(VS._shown_keywords(kw, n), want)


@pytest.mark.parametrize("texts", [
    ["ข้อความ"], ["", "  "], [None, np.nan], ["\u3000\t", "x"], [" \u200b "], ["—", "..."],
    ["\x1c"], []])
def test_has_word_only_when_the_blank_test_fails(texts):
    col = pd.Series(texts, dtype="str")
    blank = col.fillna("").str.strip().eq("").all()
    assert not (VS._has_word(col) and blank)
    if VS._has_word(col):
        assert not blank
