"""evaluation.cpi: the packaged CPI table and deflate (hand computations beside
every expected value)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evaluation.cpi import cpi_table, deflate
from evaluation.errors import DataValidationError, EvaluationError

NAN = float("nan")


def test_deflate_hand_values():
    f = pd.DataFrame({"date": pd.to_datetime(["2022-03-01", "2024-12-31", None]),
                      "income": [10000.0, 10000.0, NAN], "note": ["a", "b", "c"]})
    out = deflate(f, cpi=pd.DataFrame({"year": [2022, 2024], "cpi": [105.0, 110.0]}),
                  base_year=2024)
    assert out["income"].iloc[0] == pytest.approx(10000 * 110 / 105)   # 10476.19
    assert out["income"].iloc[1] == 10000
    assert math.isnan(out["income"].iloc[2])                          # blank stays blank
    assert out["note"].tolist() == ["a", "b", "c"]
    assert out.attrs["price_base_year"] == 2024
    assert f["income"].iloc[0] == 10000                               # input untouched
    out = deflate(f.iloc[:2], cpi={2022: 105.0, 2024: 110.0}, base_year=2022, year=2024)
    assert out["income"].tolist() == pytest.approx([10000 * 105 / 110] * 2)


def test_cpi_table_is_documented_and_consistent():
    t = cpi_table().set_index("year")
    assert t.loc[2010, "cpi"] == 100
    # 2022 = 2021 x (1 + 6.08 %), as the file says
    assert t.loc[2022, "cpi"] == pytest.approx(113.69 * 1.0608, rel=1e-6)
    assert set(t["method"]) >= {"observed"}
    assert t["source"].notna().all()


@pytest.mark.parametrize("kwargs, match", [
    ({"cpi": {2022: 105.0}, "base_year": 2024}, "base_year 2024 is not in the cpi table"),
    ({"cpi": {2024: 110.0}, "base_year": 2024}, r"no value for year\(s\) \[2022\]"),
    ({"cpi": [1, 2], "base_year": 2024}, "cpi must be a DataFrame"),
    ({"cpi": {2022: 105.0, 2024: -1}, "base_year": 2022}, "positive index"),
    ({"cpi": {2022: 105.0, 2024: 110.0}, "base_year": "2024"}, "base_year must be a whole year"),
    ({"cpi": {2022: 105.0, 2024: 110.0}, "base_year": 2024, "columns": ["wage"]},
     r"frame lacks column\(s\) \['wage'\] \(columns='wage'\)"),
])
def test_deflate_bad_arguments(kwargs, match):
    f = pd.DataFrame({"date": pd.to_datetime(["2022-03-01", "2024-12-31"]),
                      "income": [1.0, 2.0]})
    with pytest.raises(EvaluationError, match=match):
        deflate(f, **kwargs)


def test_deflate_value_without_date_is_error():
    f = pd.DataFrame({"date": pd.to_datetime([None]), "income": [5.0]})
    with pytest.raises(DataValidationError, match="no year"):
        deflate(f, cpi={2022: 1.0}, base_year=2022)


def test_cpi_and_deflate_still_importable_from_finance():
    from evaluation import finance

    assert finance.deflate is deflate and finance.cpi_table is cpi_table
