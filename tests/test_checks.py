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


def test_date_order_month_first_reading_by_hand():
    # 03/04/2566 read month first is 4 March 2023 (2566 BE - 543); 05.06.66 is 6 May 2023
    # (66 -> 2566 BE); 7/8/2023 is 8 July 2023; 11-8-202 has no valid year (NaT, once a
    # garbage date from an overflow); ISO and Thai-digit dates are not D/M/Y text (NaT).
    from evaluation.checks import date_order
    from evaluation.reading import Chunk
    from evaluation.schema import TABLES

    values = ["03/04/2566", "05.06.66", "7/8/2023", "11-8-202", "2023-01-02", "๑/๒/๒๕๖๖",
              None, "03/04/2566"]
    raw = pd.Series(values, dtype=object)
    chunk = Chunk(table=TABLES["ledger"], frame=pd.DataFrame({"date": raw}), file="f.csv",
                  sheet=None, rows=np.arange(len(raw)) + 2, headers={"date": "วันที่"})
    problems: list = []
    alt = date_order(chunk, "date", raw, problems)
    expected = np.array(["2023-03-04", "2023-05-06", "2023-07-08", "NaT", "NaT", "NaT", "NaT",
                         "2023-03-04"], dtype="datetime64[ns]")
    np.testing.assert_array_equal(alt, expected)
    assert problems == []  # no day above 12 in the month position: nothing looks US style
