"""evaluation.reading: helpers of the file readers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.reading import PYTHON_WHITESPACE, _blank_rows


def test_python_whitespace_is_what_str_strip_removes():
    assert set(PYTHON_WHITESPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}


@pytest.mark.parametrize("n_rows", [50, 12_000])  # the Python path and the Arrow path
def test_blank_rows_equal_str_strip(n_rows):
    # Reference: a row is blank when every cell's str.strip() is empty (what the CSV reader
    # did before); cells mix every Python whitespace character, text and empty strings.
    rng = np.random.default_rng(1)
    pieces = list(PYTHON_WHITESPACE) + ["", "", "a", "รวม", "0"]
    def cell():
        return "".join(rng.choice(pieces, size=int(rng.integers(0, 4))))
    frame = pd.DataFrame({c: pd.Series([cell() if rng.random() < 0.9 else "" for _ in
                                        range(n_rows)], dtype="str") for c in "abc"})
    frame.iloc[: n_rows // 3, 0] = " \u3000\x1c"  # many rows blank in the first column
    expected = np.array([all(not str(v).strip() for v in row) for row in
                         frame.itertuples(index=False)])
    got = _blank_rows(frame)
    np.testing.assert_array_equal(got, expected)
    assert expected.sum() > 0 and (~expected).sum() > 0
