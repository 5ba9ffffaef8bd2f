"""evaluation.checks: helpers of the loader's plausibility checks."""

from __future__ import annotations

import numpy as np
import pandas as pd



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
