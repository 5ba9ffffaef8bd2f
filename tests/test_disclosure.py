"""Tests for evaluation.disclosure (small-cell suppression). Expected values by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.disclosure import (DEFAULT_MIN_CELL, MinCellError, check_min_cell,
                                   small_count_label, suppress_small_cells)
from evaluation.errors import EvaluationError


def by_sex():
    # a village: 1 man, 1 woman, 0 unknown; happiness change per sex
    return pd.DataFrame({"sex": ["F", "M", "?"], "n": [1, 1, 0],
                         "mean_change": [3.0, -1.0, np.nan]})


def test_default_is_three():
    assert DEFAULT_MIN_CELL == 3
    assert small_count_label() == "<3"


def test_one_man_one_woman_all_hidden():
    out, hidden = suppress_small_cells(by_sex())
    assert out["n"].tolist() == ["<3", "<3", "0"]        # 0 describes nobody: shown
    assert out["mean_change"].isna().all()
    assert out["suppressed"].tolist() == [True, True, False]
    assert hidden == 2


def test_rows_at_the_threshold_are_shown():
    t = pd.DataFrame({"role": ["team", "target", "mentor"], "n": [3, 25, 2],
                      "mean": [1.0, 2.0, 3.0]})
    out, hidden = suppress_small_cells(t, secondary=False)
    assert out["n"].tolist() == ["3", "25", "<3"]
    assert out["mean"].tolist()[:2] == [1.0, 2.0] and np.isnan(out["mean"].iloc[2])
    assert hidden == 1


def test_secondary_hides_the_next_smallest_in_the_same_split():
    # split by indicator: in i1 one row is small -> the smaller of the others (n=4) goes too;
    # in i2 two rows are small -> nothing more is needed
    t = pd.DataFrame({"indicator_id": ["i1"] * 3 + ["i2"] * 3,
                      "group": ["a", "b", "c"] * 2,
                      "n": [1, 4, 9, 1, 2, 9], "value": [1.0, 2, 3, 4, 5, 6]})
    out, hidden = suppress_small_cells(t, within=["indicator_id"])
    assert out["suppressed"].tolist() == [True, True, False, True, True, False]
    assert out["value"].isna().tolist() == [True, True, False, True, True, False]
    assert hidden == 4


@pytest.mark.parametrize("min_cell, expected", [(1, 0), (2, 1), (5, 2), (10, 3)])
def test_configurable_threshold(min_cell, expected):
    t = pd.DataFrame({"g": ["a", "b", "c"], "n": [1, 4, 9], "v": [1.0, 2.0, 3.0]})
    out, hidden = suppress_small_cells(t, min_cell=min_cell, secondary=False)
    assert hidden == expected
    assert (out["n"] == f"<{min_cell}").sum() == expected


def test_several_count_columns_and_given_columns():
    t = pd.DataFrame({"role": ["team", "target"], "n_female": [4, 20], "n_male": [1, 10],
                      "share": [0.5, 0.6], "label": ["x", "y"]})
    out, hidden = suppress_small_cells(t, n=["n_female", "n_male"], columns=["share"],
                                       secondary=False)
    assert out["n_female"].tolist() == ["4", "20"] and out["n_male"].tolist() == ["<3", "10"]
    assert np.isnan(out.loc[0, "share"]) and out.loc[1, "share"] == 0.6
    assert out["label"].tolist() == ["x", "y"]
    assert hidden == 1


def test_input_untouched_and_index_kept():
    t = by_sex().set_index(pd.Index([10, 11, 12]))
    before = t.copy()
    out, _ = suppress_small_cells(t)
    pd.testing.assert_frame_equal(t, before)
    assert list(out.index) == [10, 11, 12]


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"min_cell": 0}, MinCellError, "min_cell must be a whole number"),
    ({"min_cell": 2.5}, MinCellError, "got 2.5"),
    ({"min_cell": True}, MinCellError, "got True"),
    ({"n": "count"}, KeyError, r"lacks column\(s\) \['count'\] \(n='count'\)"),
])
def test_errors(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        suppress_small_cells(by_sex(), **kwargs)


def test_error_family():
    with pytest.raises(EvaluationError):
        check_min_cell(-1)
    with pytest.raises(ValueError):
        check_min_cell(-1)
    with pytest.raises(TypeError, match="DataFrame"):
        suppress_small_cells([1, 2])
