"""evaluation.checks: helpers of the loader's plausibility checks."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from evaluation.checks import _dates_from_parts


def test_dates_from_parts_equals_pandas_to_datetime():
    # Reference: pandas.to_datetime(DataFrame(year, month, day), errors="coerce"), which the
    # month-first reading of ambiguous dates used before; every month 0-13 and day 0-32 of
    # ordinary, leap and century years inside the supported range 1678-2261.
    years = [1678, 1900, 2000, 2023, 2024, 2100, 2261]
    y, m, d = map(np.array, zip(*itertools.product(years, range(14), range(33))))
    expected = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d}),
                              errors="coerce").to_numpy(dtype="datetime64[ns]")
    got = _dates_from_parts(y, m, d)
    assert got.dtype == np.dtype("datetime64[ns]")
    np.testing.assert_array_equal(np.isnat(got), np.isnat(expected))
    np.testing.assert_array_equal(got[~np.isnat(got)], expected[~np.isnat(expected)])
    assert np.isnat(got).sum() > 600  # impossible dates were part of the test
