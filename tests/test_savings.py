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


# --------------------------------------------------------------------------- integer codes
def _summary_grouped(savings, *, by=None, participants=None, period=None):
    """savings_summary as computed before (distinct members and deposit months with
    drop_duplicates and groupby, columns added one by one): the reference."""
    from evaluation.ledger import _period_bounds
    from evaluation.money_frames import _as_list
    from evaluation.savings import SAVINGS_MONEY, _group_codes, _keys_frame, _prepare

    keys = _as_list(by, "by") or ["group_id"]
    bounds = _period_bounds(period)
    work = _prepare(savings, group="group_id", member="member_id", date="date")
    work = _keys_frame(work, savings, keys, group="group_id", member="member_id",
                       participants=participants, villages=None)
    codes, groups = _group_codes(work, keys)
    G = len(groups)
    m = pd.DatetimeIndex(work["month"])
    ords = ((m.year - 1970) * 12 + m.month - 1).to_numpy(dtype=np.int64)
    if bounds is None:
        first = np.full(G, np.iinfo(np.int64).max)
        last = np.full(G, np.iinfo(np.int64).min)
        np.minimum.at(first, codes, ords)
        np.maximum.at(last, codes, ords)
    else:
        lo, hi = [(pd.Timestamp(b).year - 1970) * 12 + pd.Timestamp(b).month - 1 for b in bounds]
        first, last = np.full(G, lo), np.full(G, hi)
    n_months = last - first + 1
    mcodes = pd.factorize(work["member_id"])[0]
    pair = pd.DataFrame({"g": codes, "m": mcodes})
    members = pair.drop_duplicates().groupby("g").size().reindex(range(G), fill_value=0)
    dep = (work["deposit"] > 0).to_numpy() & (ords >= first[codes]) & (ords <= last[codes])
    dm = pd.DataFrame({"g": codes[dep], "m": mcodes[dep], "o": ords[dep]}).drop_duplicates()
    months_dep = dm.groupby(["g", "m"]).size()
    gi = months_dep.index.get_level_values("g").to_numpy()
    regular = np.bincount(gi[months_dep.to_numpy() == n_months[gi]], minlength=G)
    sums = {c: np.bincount(codes, weights=work[c].to_numpy(), minlength=G)
            for c in SAVINGS_MONEY}
    members = members.to_numpy(dtype=np.int64)
    to_month = lambda o: pd.PeriodIndex.from_ordinals(o, freq="M").to_timestamp().to_numpy()  # noqa: E731
    out = groups.copy()
    out["members"] = members
    out["regular_savers"] = regular.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_regular_savers"] = np.where(members > 0, regular / np.maximum(members, 1),
                                               np.nan)
    out["period_start"] = to_month(first)
    out["period_end"] = to_month(last)
    out["n_months"] = n_months.astype(np.int64)
    out["n_transactions"] = np.bincount(codes, minlength=G).astype(np.int64)
    out["total_deposits"] = sums["deposit"]
    out["total_withdrawals"] = sums["withdrawal"]
    out["balance"] = sums["deposit"] - sums["withdrawal"]
    out["loans_out"] = sums["loan"]
    out["repayments"] = sums["repayment"]
    out["loans_outstanding"] = sums["loan"] - sums["repayment"]
    return out


def _monthly_grouped(savings, *, by="group_id", participants=None):
    """savings_monthly as computed before (depositors with drop_duplicates, running
    totals one Series at a time, columns added one by one): the reference."""
    from evaluation.money_frames import _as_list
    from evaluation.savings import SAVINGS_MONEY, _group_codes, _keys_frame, _prepare

    keys = _as_list(by, "by")
    work = _prepare(savings, group="group_id", member="member_id", date="date")
    work = _keys_frame(work, savings, keys, group="group_id", member="member_id",
                       participants=participants, villages=None)
    codes, groups = _group_codes(work, keys)
    G = len(groups)
    m = pd.DatetimeIndex(work["month"])
    ords = ((m.year - 1970) * 12 + m.month - 1).to_numpy(dtype=np.int64)
    first = np.full(G, np.iinfo(np.int64).max)
    last = np.full(G, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, ords)
    np.maximum.at(last, codes, ords)
    n = last - first + 1
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    total = int(n.sum())
    gcode = np.repeat(np.arange(G), n)
    month_ord = first[gcode] + (np.arange(total) - start[gcode])
    pos = start[codes] + (ords - first[codes])
    flows = {c: np.bincount(pos, weights=work[c].to_numpy(), minlength=total)
             for c in SAVINGS_MONEY}
    dep = (work["deposit"] > 0).to_numpy()
    mcodes = pd.factorize(work["member_id"])[0]
    dd = pd.DataFrame({"p": pos[dep], "m": mcodes[dep]}).drop_duplicates()
    n_dep = np.bincount(dd["p"].to_numpy(), minlength=total)
    out = groups.iloc[gcode].reset_index(drop=True)
    out["month"] = pd.PeriodIndex.from_ordinals(month_ord, freq="M").to_timestamp().to_numpy()
    out["deposits"] = flows["deposit"]
    out["withdrawals"] = flows["withdrawal"]
    out["loans"] = flows["loan"]
    out["repayments"] = flows["repayment"]
    out["n_depositors"] = n_dep.astype(np.int64)
    out["balance"] = pd.Series(flows["deposit"] - flows["withdrawal"]).groupby(
        gcode).cumsum().to_numpy()
    out["loans_outstanding"] = pd.Series(flows["loan"] - flows["repayment"]).groupby(
        gcode).cumsum().to_numpy()
    return out


def _random_savings(seed, n=300, *, deposits=True):
    rng = np.random.default_rng(seed)
    groups = rng.choice(["G1", "G2", "G3"], n)
    members = rng.choice([f"P{i:02d}" for i in range(15)], n)
    dates = pd.Timestamp("2022-11-01") + pd.to_timedelta(rng.integers(0, 420, n), unit="D")

    def money(p):
        v = np.round(rng.gamma(2.0, 60.0, n), 2)
        v[rng.random(n) > p] = np.nan
        return v

    return pd.DataFrame({"group_id": groups, "member_id": members, "date": dates,
                         "deposit": money(0.8 if deposits else 0.0),
                         "withdrawal": money(0.1), "loan": money(0.05),
                         "repayment": money(0.1), "village_id": rng.choice(["V1", "V2"], n)})


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kwargs", [{}, {"by": ["group_id", "village_id"]},
                                    {"period": ("2023-01-15", "2023-06-30")},
                                    {"period": ("2030-01-01", "2030-03-31")}])
def test_savings_summary_equals_grouped_computation(seed, kwargs):
    """Same table, dtypes and values as before: members, regular savers (with and
    without a period, one that no deposit falls in), money totals."""
    data = _random_savings(seed)
    pd.testing.assert_frame_equal(savings_summary(data, **kwargs),
                                  _summary_grouped(data, **kwargs), check_exact=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("by", ["group_id", ["village_id", "group_id"]])
def test_savings_monthly_equals_grouped_computation(seed, by):
    data = _random_savings(seed)
    pd.testing.assert_frame_equal(savings_monthly(data, by=by),
                                  _monthly_grouped(data, by=by), check_exact=True)


@pytest.mark.parametrize("case", ["fixture", "no_deposits", "one_row", "sample"])
def test_savings_equal_grouped_computation_edge_cases(sav, sample_project, case):
    data = {"fixture": sav, "no_deposits": _random_savings(4, deposits=False),
            "one_row": sav.iloc[[6]], "sample": sample_project.savings}[case]
    pd.testing.assert_frame_equal(savings_summary(data), _summary_grouped(data),
                                  check_exact=True)
    pd.testing.assert_frame_equal(savings_monthly(data), _monthly_grouped(data),
                                  check_exact=True)
