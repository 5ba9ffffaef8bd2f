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


# --------------------------------------------------------------------------- one pass per month
def _ledger_monthly_grouped(ledger, *, top=3):
    """ledger_monthly as computed before (pandas groupby per key, sort, text aggregation):
    the reference of the integer-code computation."""
    from evaluation.ledger import UNSPECIFIED_CATEGORY, _prepare

    work = _prepare(ledger, household="household_id", date="date", kind="kind",
                    amount="amount", category="category")
    is_inc = (work["kind"] == "income").to_numpy(dtype=bool)
    work["income"] = np.where(is_inc, work["amount"], 0.0)
    work["expenses"] = np.where(is_inc, 0.0, work["amount"])
    work["n_income_entries"] = is_inc.astype(np.int64)
    work["n_expense_entries"] = (~is_inc).astype(np.int64)
    keys = ["household_id", "month"]
    g = work.groupby(keys, sort=True, observed=True)
    out = g[["income", "expenses", "n_income_entries", "n_expense_entries"]].sum()
    out.insert(2, "net", out["income"] - out["expenses"])
    out.insert(3, "n_entries", g.size().astype(np.int64))
    out["days_with_entry"] = g["date"].nunique().astype(np.int64)
    exp = work[~is_inc]
    if len(exp):
        cats = exp.groupby(keys + ["category"], sort=False, dropna=False,
                           observed=True)["amount"].sum().reset_index()
        tot = cats.groupby(keys, sort=False)["amount"].transform("sum")
        cats["share"] = np.where(tot > 0, cats["amount"] / tot.where(tot > 0, 1), np.nan)
        cats = cats.sort_values(keys + ["amount", "category"],
                                ascending=[True, True, False, True], kind="stable",
                                na_position="last")
        cats = cats[cats.groupby(keys, sort=False).cumcount() < top]
        label = cats["category"].fillna(UNSPECIFIED_CATEGORY).astype(str)
        pct = pd.Series(np.where(np.isnan(cats["share"]), "", cats["share"].map(
            lambda x: f" ({x:.0%})" if x == x else "")), index=cats.index)
        cats["text"] = label + pct
        text = cats.groupby(keys, sort=False)["text"].agg(", ".join)
        out["top_expense_categories"] = text.reindex(out.index).astype("string")
    else:
        out["top_expense_categories"] = pd.array([pd.NA] * len(out), dtype="string")
    return out.reset_index()


def _random_ledger(seed, n=400, *, blanks=True, zeros=True, income_only=False):
    rng = np.random.default_rng(seed)
    hh = rng.choice([f"H{i:02d}" for i in range(12)], n)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D") \
        + pd.to_timedelta(rng.integers(0, 3, n) * 7, unit="h")
    kind = np.where(rng.random(n) < (1.0 if income_only else 0.35), "income", "expense")
    cats = np.array(["อาหาร", "ค่าเดินทาง", "ค่าไฟ", "ปุ๋ย", "ค่าเทอม", "Food", "food"],
                    dtype=object)
    cat = cats[rng.integers(0, len(cats), n)]
    if blanks:
        cat[rng.random(n) < 0.15] = None
    amount = np.round(rng.gamma(2.0, 180.0, n), 2)
    if zeros:
        amount[rng.random(n) < 0.1] = 0.0
    amount[::17] = amount[1::17][: len(amount[::17])] if n > 17 else amount[::17]   # ties
    return pd.DataFrame({"household_id": hh, "date": dates, "kind": kind, "category": cat,
                         "amount": amount})


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("top", [1, 3, 10])
def test_ledger_monthly_equals_grouped_computation(seed, top):
    """Same columns, dtypes, order and values (bit for bit) as the groupby computation,
    with blank categories, zero-expense months, ties in amount and timed entries."""
    led = _random_ledger(seed)
    pd.testing.assert_frame_equal(ledger_monthly(led, top=top),
                                  _ledger_monthly_grouped(led, top=top), check_exact=True)


@pytest.mark.parametrize("case", ["fixture", "income_only", "no_category_column", "string_ids",
                                  "one_row", "all_blank", "empty"])
def test_ledger_monthly_equals_grouped_computation_edge_cases(led, case):
    data = {"fixture": led,
            "income_only": _random_ledger(5, income_only=True),
            "no_category_column": _random_ledger(6).drop(columns="category"),
            "string_ids": _random_ledger(7).astype({"household_id": "string",
                                                    "category": "string", "kind": "string"}),
            "one_row": led.iloc[[1]],
            "all_blank": _random_ledger(8).assign(category=None),
            "empty": _random_ledger(9).iloc[:0]}[case]
    pd.testing.assert_frame_equal(ledger_monthly(data), _ledger_monthly_grouped(data),
                                  check_exact=True)


def test_ledger_monthly_equals_grouped_computation_sample(sample_project):
    pd.testing.assert_frame_equal(ledger_monthly(sample_project.ledger),
                                  _ledger_monthly_grouped(sample_project.ledger),
                                  check_exact=True)


def _account_keeping_grouped(ledger, *, min_entries=4, min_months=3, period=None,
                             households=None, count="entries", lang="th"):
    """account_keeping as computed before (grouped reductions per household × month and
    per household, joined): the reference of the one-sort computation."""
    from evaluation.ledger import _household_list, _period_bounds, _prepare, _reasons

    bounds = _period_bounds(period)
    listed = _household_list(households, "household_id")
    if len(ledger) == 0:
        work = pd.DataFrame({"household_id": pd.Series([], dtype=object),
                             "date": pd.Series([], dtype="datetime64[ns]"),
                             "month": pd.Series([], dtype="datetime64[ns]")})
    else:
        work = _prepare(ledger, household="household_id", date="date", kind="kind",
                        amount="amount")
    if bounds is not None:
        work = work[(work["date"] >= bounds[0]) & (work["date"] <= bounds[1])]
    month_dates = work.groupby(["household_id", "month"], sort=False)["date"]
    per_month = pd.DataFrame({"n": month_dates.size(), "days": month_dates.nunique()})
    unit = per_month["n"] if count == "entries" else per_month["days"]
    per_month = per_month.assign(ok=(unit >= min_entries).to_numpy())
    months = per_month.groupby(level="household_id", sort=False)
    by_hh = pd.DataFrame({"n_entries": months["n"].sum(),
                          "n_months_with_entries": months["n"].size(),
                          "n_qualifying_months": months["ok"].sum()})
    hh_dates = work.groupby("household_id", sort=False)["date"]
    by_hh = by_hh.join(pd.DataFrame({"first_date": hh_dates.min(), "last_date": hh_dates.max()}))
    ids = pd.Index(by_hh.index.astype(str))
    by_hh.index = ids
    if listed is not None:
        ids = ids.union(pd.Index(listed), sort=False)
    ids = ids.sort_values()
    out = by_hh.reindex(ids)
    for c in ("n_entries", "n_months_with_entries", "n_qualifying_months"):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["keeps_accounts"] = (out["n_qualifying_months"] >= min_months).to_numpy(dtype=bool)
    out["reason"] = _reasons(out, min_entries=min_entries, min_months=min_months, count=count,
                             lang=lang)
    out.index.name = "household_id"
    out = out.reset_index()
    out["household_id"] = out["household_id"].astype("string")
    return out[["household_id", "n_entries", "n_months_with_entries", "n_qualifying_months",
                "first_date", "last_date", "keeps_accounts", "reason"]]


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("kwargs", [
    {}, {"count": "days"}, {"min_entries": 2, "min_months": 1, "lang": "en"},
    {"households": [f"H{i:02d}" for i in range(15)]},
    {"period": ("2023-02-01", "2023-05-15"), "households": ["H01", "H99"]},
    {"period": ("2030-01-01", "2030-06-30"), "households": ["H01"]},   # no entry in period
])
def test_account_keeping_equals_grouped_computation(seed, kwargs):
    """Same table, dtypes and values as the grouped computation: entries several a day,
    households listed without entries, a period with and without entries."""
    led = _random_ledger(seed)
    pd.testing.assert_frame_equal(account_keeping(led, **kwargs),
                                  _account_keeping_grouped(led, **kwargs), check_exact=True)


@pytest.mark.parametrize("case", ["empty", "one_row", "string_ids", "fixture"])
def test_account_keeping_equals_grouped_computation_edge_cases(led, case):
    data = {"empty": _random_ledger(1).iloc[:0], "one_row": led.iloc[[0]],
            "string_ids": _random_ledger(2).astype({"household_id": "string"}),
            "fixture": led}[case]
    for kwargs in ({}, {"households": ["H1", "H3"], "count": "days", "min_entries": 1,
                        "min_months": 1}):
        pd.testing.assert_frame_equal(account_keeping(data, **kwargs),
                                      _account_keeping_grouped(data, **kwargs),
                                      check_exact=True)


def test_account_keeping_equals_grouped_computation_sample(sample_project):
    hh = sample_project.participants["household_id"].unique().tolist()
    pd.testing.assert_frame_equal(account_keeping(sample_project.ledger, households=hh),
                                  _account_keeping_grouped(sample_project.ledger, households=hh),
                                  check_exact=True)
