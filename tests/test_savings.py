"""Tests of evaluation.savings: group summary, regular savers, monthly balance, members.

Expected values are hand computations written beside each assertion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import DataValidationError, EvaluationError
from evaluation.savings import savings_balances, savings_monthly, savings_summary

NAN = np.nan


@pytest.fixture
def sav() -> pd.DataFrame:
    rows = [
        # group G1, Jan-Mar 2023: P1 deposits every month; P2 misses February
        ("G1", "P1", "2023-01-10", 30, NAN, NAN, NAN),
        ("G1", "P1", "2023-02-10", 30, NAN, NAN, NAN),
        ("G1", "P1", "2023-03-10", 30, 20, NAN, NAN),
        ("G1", "P2", "2023-01-10", 30, NAN, 1000, NAN),
        ("G1", "P2", "2023-02-15", NAN, NAN, NAN, 200),   # repayment only, no deposit
        ("G1", "P2", "2023-03-10", 30, NAN, NAN, 300),
        # group G2: one member, one month, a zero deposit does not count as saving
        ("G2", "P3", "2023-05-01", 0, NAN, NAN, NAN),
        ("G2", "P3", "2023-05-20", 100, NAN, NAN, NAN),
    ]
    df = pd.DataFrame(rows, columns=["group_id", "member_id", "date", "deposit", "withdrawal",
                                     "loan", "repayment"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_savings_summary_hand_values(sav):
    s = savings_summary(sav).set_index("group_id")
    g1 = s.loc["G1"]
    assert g1["members"] == 2
    assert g1["regular_savers"] == 1          # P1 (Jan, Feb, Mar); P2 missed February
    assert g1["share_regular_savers"] == 0.5
    assert g1["n_months"] == 3                # January..March
    assert g1["period_start"] == pd.Timestamp("2023-01-01")
    assert g1["period_end"] == pd.Timestamp("2023-03-01")
    assert g1["total_deposits"] == 150        # 30 * 3 + 30 + 30
    assert g1["total_withdrawals"] == 20
    assert g1["balance"] == 130               # 150 - 20
    assert g1["loans_out"] == 1000
    assert g1["repayments"] == 500            # 200 + 300
    assert g1["loans_outstanding"] == 500     # 1000 - 500
    assert g1["n_transactions"] == 6
    g2 = s.loc["G2"]
    assert g2["members"] == 1 and g2["regular_savers"] == 1 and g2["n_months"] == 1
    assert g2["balance"] == 100               # 0 + 100


def test_savings_summary_period(sav):
    # judged on February-March only: P2 still misses February; P1 regular
    s = savings_summary(sav, period=("2023-02-01", "2023-03-31")).set_index("group_id")
    assert s.loc["G1", "n_months"] == 2 and s.loc["G1", "regular_savers"] == 1
    # March only: both deposited in March
    s = savings_summary(sav, period=("2023-03-01", "2023-03-31")).set_index("group_id")
    assert s.loc["G1", "regular_savers"] == 2
    assert s.loc["G2", "regular_savers"] == 0     # G2 saved only in May
    assert s.loc["G1", "total_deposits"] == 150   # totals are not restricted by period


def test_savings_summary_by_village(sav):
    part = pd.DataFrame({"person_id": ["P1", "P2", "P3"], "household_id": ["H1", "H2", "H3"],
                         "village_id": ["V1", "V2", "V1"]})
    s = savings_summary(sav, by="village_id", participants=part).set_index("village_id")
    assert s.loc["V1", "members"] == 2            # P1, P3
    # V1's period: January..May (5 months); P1 saved Jan-Mar, P3 in May -> nobody regular
    assert s.loc["V1", "n_months"] == 5 and s.loc["V1", "regular_savers"] == 0
    assert s.loc["V1", "total_deposits"] == 190   # 90 + 100
    assert s.loc["V2", "regular_savers"] == 0     # P2 missed February
    with pytest.raises(EvaluationError, match=r"by column\(s\) \['village_id'\]"):
        savings_summary(sav, by="village_id")


def test_savings_monthly_fills_gaps_and_accumulates(sav):
    m = savings_monthly(sav)
    g1 = m[m["group_id"] == "G1"]
    assert g1["month"].dt.strftime("%Y-%m").tolist() == ["2023-01", "2023-02", "2023-03"]
    assert g1["deposits"].tolist() == [60, 30, 60]       # Jan 30+30, Feb 30, Mar 30+30
    assert g1["n_depositors"].tolist() == [2, 1, 2]
    assert g1["balance"].tolist() == [60, 90, 130]       # 60; +30; +60 - 20
    assert g1["loans_outstanding"].tolist() == [1000, 800, 500]   # 1000; -200; -300
    # G2 with a gap-free single month, and a gap month for a group with a hole
    gap = sav[sav["group_id"] == "G2"].copy()
    gap.loc[gap.index[1], "date"] = pd.Timestamp("2023-07-02")
    m2 = savings_monthly(gap)
    assert m2["month"].dt.strftime("%Y-%m").tolist() == ["2023-05", "2023-06", "2023-07"]
    assert m2["deposits"].tolist() == [0, 0, 100] and m2["balance"].tolist() == [0, 0, 100]


def test_savings_balances(sav):
    b = savings_balances(sav).set_index("member_id")
    assert b.loc["P1", "deposits"] == 90 and b.loc["P1", "balance"] == 70   # 90 - 20
    assert b.loc["P1", "n_months_deposited"] == 3
    assert b.loc["P2", "n_months_deposited"] == 2
    assert b.loc["P2", "loan_outstanding"] == 500                           # 1000 - 200 - 300
    assert b.loc["P3", "n_transactions"] == 2
    assert b.loc["P3", "first_date"] == pd.Timestamp("2023-05-01")


def test_savings_blank_columns_are_zero(sav):
    s = savings_summary(sav.drop(columns=["loan", "repayment"])).set_index("group_id")
    assert s.loc["G1", "loans_out"] == 0 and s.loc["G1", "loans_outstanding"] == 0


@pytest.mark.parametrize("mutate, error, match", [
    (lambda d: d.drop(columns=["member_id"]), DataValidationError, "lacks column"),
    (lambda d: d.drop(columns=["deposit", "withdrawal", "loan", "repayment"]), EvaluationError,
     "needs at least one of the columns"),
    (lambda d: d.assign(deposit=-d["deposit"]), DataValidationError, "negative"),
    (lambda d: d.assign(date=d["date"].astype(str)), EvaluationError, "must be datetime64"),
    (lambda d: d.assign(date=pd.NaT), DataValidationError, "without a date"),
])
def test_savings_bad_data(sav, mutate, error, match):
    with pytest.raises(error, match=match):
        savings_summary(mutate(sav))


@pytest.mark.parametrize("kwargs, match", [
    ({"period": ("2023-05-01", "2023-01-01")}, "period start must be on or before"),
    ({"by": 5}, "by must be a column name"),
])
def test_savings_bad_arguments(sav, kwargs, match):
    with pytest.raises(EvaluationError, match=match):
        savings_summary(sav, **kwargs)
