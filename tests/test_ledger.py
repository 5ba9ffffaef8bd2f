"""Tests of evaluation.ledger: monthly totals, categories, account keeping.

Expected values are hand computations written beside each assertion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import DataValidationError, EvaluationError
from evaluation.ledger import account_keeping, ledger_categories, ledger_monthly


def _ledger(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["household_id", "date", "kind", "category", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    df["amount"] = df["amount"].astype(float)
    return df


@pytest.fixture
def led() -> pd.DataFrame:
    return _ledger([
        # H1, July 2023: income 1200 + 300; expenses 450 food, 150 travel, 100 food, blank 300
        ("H1", "2023-07-02", "income", "ขายพริก", 1200),
        ("H1", "2023-07-02", "expense", "อาหาร", 450),
        ("H1", "2023-07-09", "expense", "ค่าเดินทาง", 150),
        ("H1", "2023-07-15", "expense", "อาหาร", 100),
        ("H1", "2023-07-31", "income", "รับจ้าง", 300),
        ("H1", "2023-07-31", "expense", None, 300),
        # H1, August: income only
        ("H1", "2023-08-01", "income", "ขายพริก", 500),
        # H2, July
        ("H2", "2023-07-20", "expense", "ค่าไฟ", 250),
    ])


def test_ledger_monthly_hand_values(led):
    m = ledger_monthly(led)
    assert m[["household_id", "month"]].astype(str).values.tolist() == [
        ["H1", "2023-07-01"], ["H1", "2023-08-01"], ["H2", "2023-07-01"]]
    jul = m.iloc[0]
    assert jul["income"] == 1500          # 1200 + 300
    assert jul["expenses"] == 1000        # 450 + 150 + 100 + 300
    assert jul["net"] == 500              # 1500 - 1000
    assert jul["n_entries"] == 6
    assert jul["n_income_entries"] == 2 and jul["n_expense_entries"] == 4
    assert jul["days_with_entry"] == 4    # 2, 9, 15, 31 July
    # food 550 / 1000 = 55 %; unspecified 300 = 30 %; travel 150 = 15 %
    assert jul["top_expense_categories"] == "อาหาร (55%), ไม่ระบุ (30%), ค่าเดินทาง (15%)"
    assert pd.isna(m.iloc[1]["top_expense_categories"])   # August: no expenses
    assert m.iloc[1]["net"] == 500
    assert m["month"].dtype.kind == "M"
    assert ledger_monthly(led, top=1).iloc[0]["top_expense_categories"] == "อาหาร (55%)"


def test_month_bucketing_of_converted_buddhist_era_dates():
    # 31 ม.ค. 2566 (BE) = 2023-01-31 CE and 1 ก.พ. 2566 = 2023-02-01: the loader turns BE
    # into CE; the month is the CE month (not shifted by 543 years)
    led = _ledger([
        ("H1", pd.Timestamp(2566 - 543, 1, 31, 23, 59), "expense", "อาหาร", 10),
        ("H1", pd.Timestamp(2566 - 543, 2, 1), "expense", "อาหาร", 20),
        ("H1", "2024-02-29", "expense", "อาหาร", 30),   # leap day
    ])
    m = ledger_monthly(led)
    assert m["month"].dt.strftime("%Y-%m-%d").tolist() == ["2023-01-01", "2023-02-01",
                                                           "2024-02-01"]
    assert m["expenses"].tolist() == [10, 20, 30]


def test_ledger_categories_shares(led):
    c = ledger_categories(led)
    jul_exp = c[(c["household_id"] == "H1") & (c["kind"] == "expense")]
    assert jul_exp["category"].tolist()[:1] == ["อาหาร"]
    assert jul_exp["amount"].tolist() == [550, 300, 150]
    assert jul_exp["share"].tolist() == pytest.approx([0.55, 0.30, 0.15])   # of 1000
    assert jul_exp["n_entries"].tolist() == [2, 1, 1]
    assert pd.isna(jul_exp["category"].iloc[1])
    inc = c[(c["household_id"] == "H1") & (c["kind"] == "income")
            & (c["month"] == pd.Timestamp("2023-07-01"))]
    assert inc["share"].tolist() == pytest.approx([1200 / 1500, 300 / 1500])


def _entries(household, months_counts, *, same_day=False):
    rows = []
    for month, k in months_counts:
        for i in range(k):
            day = 1 if same_day else 1 + i
            rows.append((household, f"{month}-{day:02d}", "expense", "อาหาร", 10))
    return rows


def test_account_keeping_boundaries():
    rows = (_entries("A", [("2023-01", 4), ("2023-02", 4), ("2023-03", 4)])      # exactly 4 x 3
            + _entries("B", [("2023-01", 4), ("2023-02", 4), ("2023-03", 3)])    # one month 3
            + _entries("C", [("2023-01", 10), ("2023-02", 10)])                  # only 2 months
            + _entries("D", [("2023-01", 4), ("2023-03", 5), ("2023-06", 4)]))   # gaps are fine
    k = account_keeping(_ledger(rows), lang="en").set_index("household_id")
    assert k["keeps_accounts"].to_dict() == {"A": True, "B": False, "C": False, "D": True}
    assert k.loc["B", "n_qualifying_months"] == 2 and k.loc["B", "n_months_with_entries"] == 3
    assert k.loc["A", "n_entries"] == 12                                        # 4 x 3
    assert k.loc["D", "first_date"] == pd.Timestamp("2023-01-01")
    assert k.loc["D", "last_date"] == pd.Timestamp("2023-06-04")
    assert k.loc["B", "reason"] == "only 2 month(s) with at least 4 entries (needs 3)"
    # thresholds move the boundary
    k = account_keeping(_ledger(rows), min_entries=3, min_months=3).set_index("household_id")
    assert bool(k.loc["B", "keeps_accounts"])
    k = account_keeping(_ledger(rows), min_months=2).set_index("household_id")
    assert bool(k.loc["C", "keeps_accounts"])


def test_account_keeping_counts_days():
    rows = _entries("A", [("2023-01", 4), ("2023-02", 4), ("2023-03", 4)], same_day=True)
    k = account_keeping(_ledger(rows), count="days")
    assert k.loc[0, "n_qualifying_months"] == 0        # 4 entries but on 1 day each month
    assert not k.loc[0, "keeps_accounts"]
    assert bool(account_keeping(_ledger(rows)).loc[0, "keeps_accounts"])


def test_account_keeping_listed_households_without_entries():
    rows = _entries("A", [("2023-01", 4), ("2023-02", 4), ("2023-03", 4)])
    part = pd.DataFrame({"person_id": ["p1", "p2", "p3"], "household_id": ["A", "Z", "Z"]})
    k = account_keeping(_ledger(rows), households=part).set_index("household_id")
    assert list(k.index) == ["A", "Z"]
    assert k.loc["Z", "n_entries"] == 0 and not k.loc["Z", "keeps_accounts"]
    assert pd.isna(k.loc["Z", "first_date"])
    assert k.loc["Z", "reason"] == "ไม่มีการบันทึกบัญชี"
    # a household with entries that is not listed is still reported
    k = account_keeping(_ledger(rows), households=["Z"])
    assert k["household_id"].tolist() == ["A", "Z"]
    # empty ledger: everyone listed, nobody keeps accounts
    empty = pd.DataFrame(columns=["household_id", "date", "kind", "category", "amount"])
    k = account_keeping(empty, households=["A", "B"])
    assert k["n_entries"].tolist() == [0, 0] and not k["keeps_accounts"].any()


def test_account_keeping_period():
    rows = _entries("A", [("2023-01", 4), ("2023-02", 4), ("2023-03", 4), ("2023-04", 4)])
    k = account_keeping(_ledger(rows), period=("2023-02-01", "2023-04-30"))
    assert k.loc[0, "n_entries"] == 12 and k.loc[0, "n_qualifying_months"] == 3
    k = account_keeping(_ledger(rows), period=("2023-02-01", "2023-04-02"))
    # April 1-2 only: 2 entries in April -> 2 qualifying months
    assert k.loc[0, "n_qualifying_months"] == 2 and not k.loc[0, "keeps_accounts"]


@pytest.mark.parametrize("kwargs, match", [
    ({"min_entries": 0}, "min_entries must be a whole number of at least 1"),
    ({"min_months": 2.5}, "min_months must be a whole number"),
    ({"count": "weeks"}, "count must be 'entries' or 'days'"),
    ({"lang": "fr"}, "lang must be 'th' or 'en'"),
    ({"period": ("2023-05-01", "2023-01-01")}, "period start must be on or before"),
    ({"period": "2023"}, r"period must be a \(start, end\) pair"),
    ({"period": ("2023-01-01", "2023-02-28")}, "min_months=3 cannot be reached"),
    ({"households": "H1"}, "households must be a list"),
])
def test_account_keeping_bad_arguments(led, kwargs, match):
    with pytest.raises(EvaluationError, match=match):
        account_keeping(led, **kwargs)


def test_ledger_bad_data(led):
    bad = led.copy()
    bad.loc[0, "kind"] = "รายรับ"
    with pytest.raises(DataValidationError) as err:
        ledger_monthly(bad)
    assert "kind must be one of" in err.value.problems.loc[0, "problem"]
    with pytest.raises(EvaluationError, match="must be datetime64"):
        ledger_monthly(led.assign(date=led["date"].dt.strftime("%d/%m/%Y")))
    with pytest.raises(DataValidationError, match="lacks column"):
        ledger_monthly(led.drop(columns=["amount"]))
    with pytest.raises(DataValidationError, match="without an amount"):
        ledger_monthly(led.assign(amount=np.nan))
    with pytest.raises(DataValidationError, match="negative"):
        ledger_monthly(led.assign(amount=-1.0))
    with pytest.raises(EvaluationError, match="top must be"):
        ledger_monthly(led, top=0)
