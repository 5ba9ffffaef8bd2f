"""Tests of evaluation.finance: household change, grouped paired statistics, poverty, CPI.

Every expected number is computed by hand (the arithmetic is written beside it)
or by SciPy / statsmodels.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from evaluation.errors import DataValidationError, EvaluationError
from evaluation.finance import (
    MEASURES,
    finance_change,
    household_finance,
    poverty_change,
    poverty_lines,
    poverty_status,
)
from evaluation.stats import PAIRED_FIELDS, paired_test

WAVE_DTYPE = pd.CategoricalDtype(["pre", "during", "post"], ordered=True)
NAN = np.nan


def _finance(rows) -> pd.DataFrame:
    cols = ["household_id", "wave", "date", "income", "expenses", "debt_formal",
            "debt_informal", "savings"]
    df = pd.DataFrame(rows, columns=cols)
    df["wave"] = df["wave"].astype(WAVE_DTYPE)
    df["date"] = pd.to_datetime(df["date"])
    for c in cols[3:]:
        df[c] = df[c].astype(float)
    return df


@pytest.fixture
def fin() -> pd.DataFrame:
    # 4 households; H3 has a blank formal debt after; H4 has no post wave; a "during"
    # row of H1 must be ignored when comparing pre with post.
    return _finance([
        ("H1", "pre", "2023-01-10", 8000, 7000, 20000, 0, 500),
        ("H1", "during", "2023-07-10", 1, 1, 1, 1, 1),
        ("H1", "post", "2024-01-10", 9500, 7200, 15000, 0, 2500),
        ("H2", "pre", "2023-01-11", 6000, 6500, 0, 5000, 0),
        ("H2", "post", "2024-01-11", 6000, 6000, 0, 6000, 100),
        ("H3", "pre", "2023-01-12", 5000, 4000, 10000, 0, 0),
        ("H3", "post", "2024-01-12", 7000, 4500, NAN, 0, 0),
        ("H4", "pre", "2023-01-13", 1000, 900, 0, 0, 0),
    ])


@pytest.fixture
def participants() -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": ["P1a", "P1b", "P2", "P3", "P4"],
        "household_id": ["H1", "H1", "H2", "H3", "H4"],
        "village_id": ["V1", "V1", "V1", "V2", "V2"],
        "role": ["team", "target", "target", "target", "target"],
        "sex": ["M", "F", "F", "M", "F"],
        "household_size": [4, 4, 3, NAN, NAN],
    })


# --------------------------------------------------------------------------- household_finance
def test_household_finance_hand_values(fin):
    hf = household_finance(fin).set_index("household_id")
    assert list(hf.index) == ["H1", "H2", "H3", "H4"]
    h1 = hf.loc["H1"]
    assert h1["income_change"] == 1500            # 9500 - 8000
    assert h1["net_before"] == 1000               # 8000 - 7000
    assert h1["net_after"] == 2300                # 9500 - 7200
    assert h1["net_change"] == 1300
    assert h1["debt_total_before"] == 20000       # 20000 + 0
    assert h1["debt_total_change"] == -5000       # 15000 - 20000
    assert h1["savings_change"] == 2000
    assert h1["debt_to_annual_income_before"] == pytest.approx(20000 / (12 * 8000))  # 0.2083
    assert h1["debt_to_annual_income_after"] == pytest.approx(15000 / (12 * 9500))   # 0.1316
    assert hf.loc["H2", "debt_total_change"] == 1000  # (0 + 6000) - (0 + 5000)
    # H3: blank formal debt after -> total debt after blank, change blank
    assert math.isnan(hf.loc["H3", "debt_total_after"])
    assert math.isnan(hf.loc["H3", "debt_total_change"])
    # H4: no post wave
    assert bool(hf.loc["H4", "has_before"]) and not bool(hf.loc["H4", "has_after"])
    assert math.isnan(hf.loc["H4", "income_after"])
    assert pd.isna(hf.loc["H4", "date_after"])


def test_household_finance_flags_missing_stays_missing(fin):
    hf = household_finance(fin).set_index("household_id")
    assert hf["income_up"].dtype == "boolean"
    # income: H1 8000->9500 up, H2 6000->6000 not up, H3 5000->7000 up, H4 missing
    assert hf["income_up"].tolist()[:3] == [True, False, True]
    assert pd.isna(hf.loc["H4", "income_up"])
    # total debt: H1 20000->15000 down, H2 5000->6000 not down, H3 missing after, H4 missing
    assert hf.loc["H1", "debt_down"] == True  # noqa: E712
    assert hf.loc["H2", "debt_down"] == False  # noqa: E712
    assert pd.isna(hf.loc["H3", "debt_down"]) and pd.isna(hf.loc["H4", "debt_down"])
    # savings: 500->2500 up, 0->100 up, 0->0 not up
    assert hf["savings_up"].tolist()[:3] == [True, True, False]


def test_household_finance_ratio_zero_income():
    f = _finance([
        ("H1", "pre", "2023-01-01", 0, 0, 3000, 0, 0),   # debt, no income -> inf
        ("H1", "post", "2024-01-01", 0, 0, 0, 0, 0),     # no debt, no income -> NaN (0/0)
    ])
    hf = household_finance(f)
    assert math.isinf(hf.loc[0, "debt_to_annual_income_before"])
    assert math.isnan(hf.loc[0, "debt_to_annual_income_after"])
    # finance_change leaves non-finite ratios out
    res = finance_change(f, measures=["debt_to_annual_income"])
    assert res.loc[0, "n_pairs"] == 0


def test_household_finance_other_waves(fin):
    hf = household_finance(fin, before="pre", after="during").set_index("household_id")
    assert hf.loc["H1", "income_after"] == 1
    assert hf.loc["H1", "income_change"] == 1 - 8000


def test_household_finance_string_waves(fin):
    plain = fin.assign(wave=fin["wave"].astype(str))
    pd.testing.assert_frame_equal(household_finance(plain), household_finance(fin))


def test_household_finance_attaches_village_and_representative(fin, participants):
    hf = household_finance(fin, participants=participants, by=["village_id", "sex"])
    hf = hf.set_index("household_id")
    assert hf["village_id"].tolist() == ["V1", "V1", "V2", "V2"]
    # H1's first listed target participant is P1b (F), not the team member P1a (M)
    assert hf.loc["H1", "sex"] == "F"
    # default with participants: village_id attached, right after household_id
    plain = household_finance(fin, participants=participants)
    assert list(plain.columns[:2]) == ["household_id", "village_id"]


def test_household_finance_missing_money_column_is_blank(fin):
    hf = household_finance(fin.drop(columns=["savings"]))
    assert hf["savings_change"].isna().all()
    assert hf["savings_up"].isna().all()


# --------------------------------------------------------------------------- finance_change
def test_finance_change_income_matches_references(fin):
    res = finance_change(fin).set_index("measure")
    assert list(res.index) == list(MEASURES)
    inc = res.loc["income"]
    before, after = np.array([8000, 6000, 5000.0]), np.array([9500, 6000, 7000.0])
    assert inc["n_households"] == 4
    assert inc["n_pairs"] == 3 and inc["n_dropped"] == 1      # H4 has no post
    assert inc["mean_diff"] == pytest.approx((1500 + 0 + 2000) / 3)
    assert inc["median_before"] == 6000 and inc["median_after"] == 7000
    assert inc["sd_before"] == pytest.approx(np.std(before, ddof=1))
    # scipy.stats.ttest_rel(after, before)
    ref = st.ttest_rel(after, before)
    assert inc["t"] == pytest.approx(ref.statistic)
    assert inc["p_t"] == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (inc["ci_low"], inc["ci_high"]) == pytest.approx((ci.low, ci.high))
    # every paired_test field equals paired_test on the complete pairs
    ref_pt = paired_test(before, after)
    for f in PAIRED_FIELDS:
        if f == "n_dropped":
            continue
        if isinstance(ref_pt[f], str):
            assert inc[f] == ref_pt[f]
        else:
            assert inc[f] == pytest.approx(ref_pt[f], nan_ok=True), f
    # share_income_up: H1 and H3 rose, H2 did not; H4 lacks post -> 2 / 3
    assert inc["share_income_up"] == pytest.approx(2 / 3)
    # share_debt_down: H1 fell, H2 rose; H3 and H4 lack total debt after -> 1 / 2
    assert inc["share_debt_down"] == pytest.approx(1 / 2)
    # share_savings_up: H1, H2 rose, H3 same -> 2 / 3
    assert inc["share_savings_up"] == pytest.approx(2 / 3)


def test_finance_change_debt_direction(fin):
    res = finance_change(fin).set_index("measure")
    debt = res.loc["debt_total"]
    assert debt["n_pairs"] == 2                     # H1, H2
    assert debt["mean_diff"] == pytest.approx((-5000 + 1000) / 2)
    assert debt["n_improved"] == 1 and debt["n_worse"] == 1   # falls are improvements
    assert res.loc["income", "n_improved"] == 2                # rises: H1, H3


def test_finance_change_by_village_equals_per_group_paired_test(participants):
    rng = np.random.default_rng(7)
    n = 120
    hh = [f"H{i:03d}" for i in range(n)]
    income_pre = rng.integers(30, 90, n) * 100.0
    income_post = income_pre + rng.integers(-10, 15, n) * 100.0   # ties and zeros on purpose
    income_post[::17] = np.nan
    f = pd.DataFrame({"household_id": hh * 2, "wave": ["pre"] * n + ["post"] * n,
                      "income": np.concatenate([income_pre, income_post])})
    f["village_id"] = [f"V{i % 4}" for i in range(n)] * 2
    res = finance_change(f, by="village_id", measures=["income"])
    assert res["village_id"].tolist() == ["V0", "V1", "V2", "V3"]
    for _, row in res.iterrows():
        idx = [i for i in range(n) if f"V{i % 4}" == row["village_id"]]
        ref = paired_test(income_pre[idx], income_post[idx])
        for field in PAIRED_FIELDS:
            if isinstance(ref[field], str):
                assert row[field] == ref[field]
            else:
                assert row[field] == pytest.approx(ref[field], nan_ok=True), field


def test_finance_change_groups_from_participants(fin, participants):
    res = finance_change(fin, by="village_id", participants=participants, measures=["income"])
    assert res["village_id"].tolist() == ["V1", "V2"]
    v1, v2 = res.iloc[0], res.iloc[1]
    assert v1["n_pairs"] == 2 and v1["mean_diff"] == 750      # (1500 + 0) / 2
    assert v2["n_households"] == 2 and v2["n_pairs"] == 1     # H3 only; H4 lacks post
    assert v2["reason"] == "only one pair: t-test needs at least two"


def test_finance_change_project_from_villages(fin, participants):
    villages = pd.DataFrame({"village_id": ["V1", "V2"], "project_id": ["PA", "PB"],
                             "name": ["a", "b"]})
    res = finance_change(fin, by="project_id", participants=participants, villages=villages,
                         measures=["income"])
    assert res["project_id"].tolist() == ["PA", "PB"]
    assert res["n_households"].tolist() == [2, 2]


def test_finance_change_missing_group_kept(fin, participants):
    part = participants[participants["household_id"] != "H4"]
    res = finance_change(fin, by="village_id", participants=part, measures=["income"])
    assert res["n_households"].sum() == 4          # H4 not lost: its own (missing) group
    assert res["village_id"].isna().sum() == 1


def test_finance_change_accepts_household_table(fin):
    hf = household_finance(fin)
    pd.testing.assert_frame_equal(finance_change(hf), finance_change(fin))


@pytest.mark.parametrize("kwargs, match", [
    ({"before": "post", "after": "pre"}, "before must be an earlier wave"),
    ({"before": "baseline"}, r"before must be one of \('pre', 'during', 'post'\)"),
    ({"measures": ["happiness"]}, "measures must be a list drawn from"),
    ({"by": "province"}, r"by column\(s\) \['province'\]"),
    ({"by": 3}, "by must be a column name"),
    ({"conf_level": 1.5}, "conf_level must be a number strictly between 0 and 1"),
    ({"conf_level": "high"}, "conf_level must be a number strictly between 0 and 1"),
])
def test_finance_change_bad_arguments(fin, kwargs, match):
    with pytest.raises(EvaluationError, match=match):
        finance_change(fin, **kwargs)


def test_finance_change_bad_data(fin):
    with pytest.raises(DataValidationError, match="lacks column") as err:
        finance_change(fin.drop(columns=["wave"]))
    assert err.value.problems.loc[0, "column"] == "wave"
    dup = pd.concat([fin, fin.iloc[[0]]])
    with pytest.raises(DataValidationError) as err:
        household_finance(dup)
    assert "more than once" in err.value.problems.loc[0, "problem"]
    neg = fin.assign(income=fin["income"] * -1)
    with pytest.raises(DataValidationError, match="negative"):
        household_finance(neg)
    text = fin.assign(income=fin["income"].astype(str))
    with pytest.raises(DataValidationError, match="not numeric"):
        household_finance(text)
    with pytest.raises(EvaluationError, match="must be a pandas DataFrame"):
        household_finance([1, 2])


# --------------------------------------------------------------------------- poverty
def test_poverty_lines_packaged():
    t = poverty_lines()
    # the official NESDC lines (baht per person per month)
    assert dict(zip(t["year"], t["line_baht_per_person_month"])) == {
        2017: 2686, 2021: 2803, 2022: 2997, 2023: 3043, 2024: 3078}
    assert t["source"].notna().all()
    t.loc[0, "line_baht_per_person_month"] = 1  # a copy: the package is unchanged
    assert poverty_lines().loc[0, "line_baht_per_person_month"] == 2686


def _pov(dates, incomes, sizes=None):
    n = len(dates)
    df = pd.DataFrame({"household_id": [f"H{i}" for i in range(n)], "wave": ["pre"] * n,
                       "date": pd.to_datetime(dates), "income": np.asarray(incomes, float)})
    if sizes is not None:
        df["household_size"] = sizes
    return df


def test_poverty_status_by_year():
    f = _pov(["2017-06-01", "2019-06-01", "2022-06-01", "2023-06-01", "2024-06-01",
              "2026-06-01"], [8000] * 6, [3] * 6)
    s = poverty_status(f)
    # 2019 uses 2017's line, 2026 uses 2024's: line_year shows it
    assert s["line"].tolist() == [2686, 2686, 2997, 3043, 3078, 3078]
    assert s["line_year"].tolist() == [2017, 2017, 2022, 2023, 2024, 2024]
    assert s["year"].tolist() == [2017, 2019, 2022, 2023, 2024, 2026]
    # 8000 / 3 = 2666.67 per person: below 2686 (2017), below all later lines
    assert s["income_per_person"].iloc[0] == pytest.approx(8000 / 3)
    assert s["below_line"].tolist() == [True] * 6
    # 9000 / 3 = 3000: above 2997 (2022) but below 3043 (2023)
    s2 = poverty_status(_pov(["2022-06-01", "2023-06-01"], [9000, 9000], [3, 3]))
    assert s2["below_line"].tolist() == [False, True]


def test_poverty_status_year_before_table_is_error():
    with pytest.raises(EvaluationError, match=r"no poverty line for year\(s\) \[2016\]"):
        poverty_status(_pov(["2016-06-01"], [5000], [2]))


def test_poverty_status_user_line_overrides():
    f = _pov(["2023-06-01", "2023-06-01"], [9000, 11000], [4, 4])
    s = poverty_status(f, line=2500)
    # 9000 / 4 = 2250 < 2500; 11000 / 4 = 2750 >= 2500
    assert s["below_line"].tolist() == [True, False]
    assert s["line"].tolist() == [2500, 2500] and s["line_year"].isna().all()
    s = poverty_status(f, line={2020: 2800.0})
    assert s["line_year"].tolist() == [2020, 2020]
    s = poverty_status(f, line=pd.DataFrame({"year": [2023], "line": [2751.0]}))
    assert s["below_line"].tolist() == [True, True]   # 2750 < 2751


def test_poverty_status_year_argument_and_missing_date():
    f = _pov(["2023-06-01", "2023-07-01", None], [9000] * 3, [4] * 3)
    s = poverty_status(f)
    assert s["year"].tolist() == [2023, 2023, 2023]   # no date: the wave's most common year
    s = poverty_status(f, year=2024)
    assert s["line"].tolist() == [3078] * 3
    s = poverty_status(f, year={"pre": 2021})
    assert s["line"].tolist() == [2803] * 3


def test_poverty_status_size_sources(participants, fin):
    s = poverty_status(fin.drop(columns=[]), participants=participants)
    s = s[s["wave"] == "pre"].set_index("household_id")
    # H1 and H2 from the participants' size column; H3, H4 by counting participants (1 each)
    assert s["household_size"].tolist() == [4, 3, 1, 1]
    assert s["size_source"].tolist() == ["participants", "participants", "participant_count",
                                         "participant_count"]
    assert s.loc["H1", "income_per_person"] == 2000       # 8000 / 4
    no_size = participants.drop(columns=["household_size"])
    s = poverty_status(fin, participants=no_size)
    assert s.loc[0, "household_size"] == 2                # H1 has two participants
    with pytest.raises(EvaluationError, match="household size is needed"):
        poverty_status(fin)


def test_poverty_status_blank_income_stays_blank():
    s = poverty_status(_pov(["2023-06-01"], [NAN], [3]))
    assert pd.isna(s.loc[0, "below_line"])


@pytest.mark.parametrize("kwargs, match", [
    ({"line": -5}, "line must be a positive number"),
    ({"line": "3000"}, "line must be None"),
    ({"line": pd.DataFrame({"yr": [2023], "line": [1.0]})}, "needs columns 'year'"),
    ({"year": "2023"}, "year must be a whole year"),
    ({"year": {"baseline": 2023}}, "year mapping keys must be waves"),
])
def test_poverty_status_bad_arguments(kwargs, match):
    with pytest.raises(EvaluationError, match=match):
        poverty_status(_pov(["2023-06-01"], [9000], [3]), **kwargs)


def test_poverty_status_bad_size():
    with pytest.raises(DataValidationError, match="household size"):
        poverty_status(_pov(["2023-06-01"], [9000], [0]))


def test_poverty_change_mcnemar_matches_statsmodels():
    # 10 households, income per person vs a flat line of 3000 (size 1):
    # below->above (b) 4, above->below (c) 1, below both 2, above both 3
    pre = [2000] * 4 + [4000] + [2000] * 2 + [4000] * 3
    post = [4000] * 4 + [2000] + [2000] * 2 + [4000] * 3
    n = len(pre)
    f = pd.DataFrame({"household_id": [f"H{i}" for i in range(n)] * 2,
                      "wave": ["pre"] * n + ["post"] * n, "income": pre + post,
                      "household_size": 1})
    res = poverty_change(f, line=3000, year=2023).iloc[0]
    assert (res["b"], res["c"]) == (4, 1)
    assert res["n_below_before"] == 6 and res["n_below_after"] == 3
    assert res["share_below_before"] == pytest.approx(0.6)   # 6 / 10
    assert res["share_below_after"] == pytest.approx(0.3)    # 3 / 10
    assert res["change"] == pytest.approx(-0.3)
    # statsmodels mcnemar(exact=False, correction=True) on [[below both, b], [c, above both]]
    ref = sm_mcnemar(np.array([[2, 4], [1, 3]]), exact=False, correction=True)
    assert res["statistic"] == pytest.approx(ref.statistic)  # (|4 - 1| - 1)^2 / 5 = 0.8
    assert res["statistic"] == pytest.approx(0.8)
    assert res["p_value"] == pytest.approx(ref.pvalue)
    exact = poverty_change(f, line=3000, year=2023, exact=True).iloc[0]
    assert exact["p_value"] == pytest.approx(sm_mcnemar(np.array([[2, 4], [1, 3]]),
                                                        exact=True).pvalue)


def test_poverty_change_by_group_and_attrition(fin, participants):
    res = poverty_change(fin, by="village_id", participants=participants, line=2000)
    v = res.set_index("village_id")
    # V2: H3 (5000/1 both waves, above), H4 (1000/1 pre only, below): pairs = 1
    assert v.loc["V2", "n_before"] == 2 and v.loc["V2", "n_after"] == 1
    assert v.loc["V2", "n_pairs"] == 1
    assert v.loc["V2", "share_below_before"] == 0
    # V1: H1 8000/4 = 2000 (not below 2000), 9500/4; H2 6000/3 = 2000 both: none below
    assert v.loc["V1", "n_below_before"] == 0
    assert v.loc["V1", "reason"] == "no discordant pairs: test undefined"


def test_finance_change_empty_table():
    f = pd.DataFrame({"household_id": pd.Series([], dtype=str),
                      "wave": pd.Series([], dtype=str), "income": pd.Series([], dtype=float)})
    res = finance_change(f, measures=["income"])
    assert res.loc[0, "n_households"] == 0 and res.loc[0, "n_pairs"] == 0
    assert res.loc[0, "reason"] == "no complete pairs"
    assert household_finance(f).empty


# --------------------------------------------------------------------------- omnibus / padjust
def test_finance_omnibus_and_padjust(sample_project):
    from evaluation.repeated import friedman_test, p_adjust, rm_anova
    from evaluation.stats import paired_test

    fin = sample_project.finance
    out = finance_change(fin, by="village_id", participants=sample_project.participants,
                         measures=["income"], omnibus=True, padjust="holm")
    v01 = out[out.village_id == "V01"].iloc[0]
    hh = sample_project.participants.drop_duplicates("household_id")
    ids = set(hh.loc[hh.village_id == "V01", "household_id"])
    one = fin[fin.household_id.isin(ids)]
    # friedman_test / rm_anova are checked against R in test_repeated.py
    fr = friedman_test(one, dv="income", within="wave", subject="household_id").iloc[0]
    rm = rm_anova(one, dv="income", within="wave", subject="household_id").iloc[0]
    assert v01["omnibus_n"] == fr["n"] and v01["friedman_p"] == pytest.approx(fr["p"], rel=1e-12)
    assert v01["rm_p_gg"] == pytest.approx(rm["p_gg"], rel=1e-12)
    wide = one.pivot_table(index="household_id", columns="wave", values="income", observed=True)
    ps = [paired_test(wide[a], wide[b])["p_t"] for a, b in
          (("pre", "during"), ("pre", "post"), ("during", "post"))]
    assert v01["p_t_adj"] == pytest.approx(p_adjust(ps, "holm")[1], rel=1e-12)


def test_finance_omnibus_needs_long_table(sample_project):
    hf = household_finance(sample_project.finance)
    from evaluation.finance import FinanceArgumentError

    with pytest.raises(FinanceArgumentError, match="long finance table"):
        finance_change(hf, omnibus=True)


@pytest.mark.parametrize("by", [None, "village_id", ["village_id", "sex"]])
def test_finance_change_one_pass_equals_one_paired_frame_per_measure(sample_project, by):
    """All measures × groups go through the paired statistics in one pass; every field
    equals a separate paired_frame call per measure (how it was computed before),
    exactly, including n_improved / n_worse of the measures where a fall is better."""
    from evaluation.finance import LOWER_IS_BETTER, MEASURES
    from evaluation.stats import paired_frame

    res = finance_change(sample_project.finance, by=by,
                         participants=sample_project.participants)
    hf = household_finance(sample_project.finance, participants=sample_project.participants,
                           by=by)
    keys = [by] if isinstance(by, str) else list(by or [])
    groups = hf.groupby(keys, sort=True, dropna=False).ngroup() if keys else 0
    compared = 0
    for m in MEASURES:
        bb = hf[f"{m}_before"].to_numpy(dtype=float)
        aa = hf[f"{m}_after"].to_numpy(dtype=float)
        bad = ~(np.isfinite(bb) & np.isfinite(aa)) if m == "debt_to_annual_income" \
            else np.isnan(bb) | np.isnan(aa)
        work = pd.DataFrame({"_g": groups, "_b": np.where(bad, np.nan, bb),
                             "_a": np.where(bad, np.nan, aa)})
        expected = paired_frame(work, before="_b", after="_a", by="_g",
                                higher_is_better=m not in LOWER_IS_BETTER)
        got = res[res["measure"] == m].reset_index(drop=True)
        assert len(got) == len(expected) > 0
        for field in PAIRED_FIELDS:
            pd.testing.assert_series_equal(got[field].reset_index(drop=True),
                                           expected[field].reset_index(drop=True),
                                           check_names=False, check_dtype=False, rtol=0,
                                           atol=0)
            compared += 1
    assert compared == len(MEASURES) * len(PAIRED_FIELDS)


# --------------------------------------------------------------------------- one-frame assembly
def _finance_change_per_measure_blocks(finance, *, by=None, participants=None, villages=None,
                                       measures=None, omnibus=False, padjust=None):
    """finance_change as it was assembled before (one block per measure, concatenated and
    sorted by group then measure): the reference of the one-frame assembly."""
    from evaluation.finance import (LOWER_IS_BETTER, _as_list, _check_measures,
                                    _finance_waves_tests, _group_sd)
    from evaluation.stats import _paired_core

    keys = _as_list(by, "by")
    chosen = _check_measures(measures)
    hf = household_finance(finance, participants=participants, villages=villages,
                           by=keys or None)
    if keys:
        grouper = hf.groupby(keys, sort=True, dropna=False, observed=True)
        codes = grouper.ngroup().to_numpy(dtype=np.int64)
        groups = grouper.size().index.to_frame(index=False)
    else:
        codes = np.zeros(len(hf), dtype=np.int64)
        groups = pd.DataFrame(index=range(1))
    G = len(groups)
    n_households = np.bincount(codes, minlength=G)
    pairs = {}
    for m in chosen:
        bb = hf[f"{m}_before"].to_numpy(dtype=float)
        aa = hf[f"{m}_after"].to_numpy(dtype=float)
        bad = ~(np.isfinite(bb) & np.isfinite(aa)) if m == "debt_to_annual_income" \
            else np.isnan(bb) | np.isnan(aa)
        pairs[m] = (np.where(bad, np.nan, bb), np.where(bad, np.nan, aa))
    med = pd.DataFrame({f"{m}|{side}": pairs[m][i] for m in chosen
                        for i, side in enumerate(("b", "a"))})
    med = med.groupby(codes).median().reindex(range(G))
    M = len(chosen)
    stacked = _paired_core(np.concatenate([pairs[m][0] for m in chosen]),
                           np.concatenate([pairs[m][1] for m in chosen]),
                           np.concatenate([codes + k * G for k in range(M)]),
                           M * G, alternative="two-sided", conf_level=0.95,
                           higher_is_better=True)
    absent = n_households == 0
    parts = []
    for k, m in enumerate(chosen):
        bb, aa = pairs[m]
        res = stacked.iloc[k * G:(k + 1) * G].reset_index(drop=True)
        if m in LOWER_IS_BETTER:
            res = res.assign(n_improved=res["n_worse"], n_worse=res["n_improved"])
        if absent.any():
            counts = ("n_pairs", "n_dropped", "n_nonzero", "n_improved", "n_same", "n_worse")
            res = res.astype({f: float for f in counts})
            res.loc[absent, :] = np.nan
            for f in counts:
                res[f] = res[f].fillna(0).astype(np.int64)
            res.loc[absent, "wilcoxon_method"] = ""
            res.loc[absent, "reason"] = "no complete pairs"
        block = pd.DataFrame({
            "measure": m, "n_households": n_households,
            "median_before": med[f"{m}|b"].to_numpy(), "median_after": med[f"{m}|a"].to_numpy(),
            "sd_before": _group_sd(bb, codes, G), "sd_after": _group_sd(aa, codes, G)})
        block = pd.concat([groups.reset_index(drop=True), block,
                           res[list(PAIRED_FIELDS)].reset_index(drop=True)], axis=1)
        block["_g"] = np.arange(G)
        block["_k"] = MEASURES.index(m)
        parts.append(block)
    out = pd.concat(parts, ignore_index=True).sort_values(["_g", "_k"], kind="stable")
    for flag, name in (("income_up", "share_income_up"), ("debt_down", "share_debt_down"),
                       ("savings_up", "share_savings_up")):
        f = hf[flag].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(f)
        num = np.bincount(codes[known], weights=f[known], minlength=G)
        den = np.bincount(codes[known], minlength=G).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        out[name] = share[out["_g"].to_numpy()]
    if omnibus or padjust is not None:
        out = _finance_waves_tests(out, finance, hf, codes, G, chosen, before="pre",
                                   after="post", household="household_id", wave="wave",
                                   omnibus=omnibus, padjust=padjust)
    out["measure"] = out["measure"].astype("string")
    return out.drop(columns=["_g", "_k"]).reset_index(drop=True)


def _assert_frames_identical(got, expected):
    """Same columns, dtypes, index and values (NaN where NaN, bit for bit otherwise)."""
    assert list(got.columns) == list(expected.columns)
    assert list(got.dtypes) == list(expected.dtypes)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("measures", [None, ["income"], ["debt_formal", "savings"],
                                      ["expenses", "debt_to_annual_income"]])
@pytest.mark.parametrize("by", [None, "village_id", ["village_id", "sex"]])
def test_finance_change_one_frame_equals_per_measure_blocks(sample_project, by, measures):
    """The output assembled in one frame (rows by group then measure) is the frame the
    per-measure blocks gave: same columns, dtypes, order and values."""
    kw = dict(by=by, participants=sample_project.participants, measures=measures)
    _assert_frames_identical(finance_change(sample_project.finance, **kw),
                             _finance_change_per_measure_blocks(sample_project.finance, **kw))


@pytest.mark.parametrize("case", ["blanks", "empty", "one_household", "missing_group",
                                  "omnibus", "numeric_group", "categorical_group"])
def test_finance_change_one_frame_edge_cases(fin, participants, sample_project, case):
    """Blank values, an empty table (a group without rows), a single household, a
    household without a group value (NaN group) and the omnibus/padjust columns."""
    kw: dict = {}
    data = fin
    if case == "empty":
        data = pd.DataFrame({"household_id": pd.Series([], dtype=str),
                             "wave": pd.Series([], dtype=str),
                             "income": pd.Series([], dtype=float)})
    elif case == "one_household":
        data = fin[fin["household_id"] == "H1"]
    elif case == "missing_group":
        p = participants.copy()
        p.loc[p["household_id"] == "H3", "village_id"] = np.nan
        kw = dict(by="village_id", participants=p)
    elif case == "omnibus":
        data = sample_project.finance
        kw = dict(by="village_id", participants=sample_project.participants, omnibus=True,
                  padjust="holm", measures=["income", "debt_total"])
    elif case == "blanks":
        kw = dict(by="sex", participants=participants)
    elif case == "numeric_group":
        kw = dict(by="household_size", participants=participants)
    elif case == "categorical_group":
        kw = dict(by=["sex", "village_id"],
                  participants=participants.astype({"sex": "category"}))
    _assert_frames_identical(finance_change(data, **kw),
                             _finance_change_per_measure_blocks(data, **kw))


@pytest.mark.parametrize("seed", range(6))
def test_group_median_equals_pandas_grouped_median(seed):
    """The medians of finance_change (median_before/after) equal pandas' grouped median
    bit for bit: odd and even group sizes, blanks, a group of blanks only, an empty group."""
    from evaluation.finance import _group_median

    rng = np.random.default_rng(seed)
    n, G = 200, 9
    codes = rng.integers(0, G - 1, n)             # group G - 1 has no rows
    values = np.round(rng.normal(5000, 3000, n), rng.integers(0, 3))
    values[rng.random(n) < 0.1] = 1234.5          # ties
    values[rng.random(n) < 0.2] = np.nan
    values[codes == 3] = np.nan                   # a group of blanks only
    expected = pd.Series(values).groupby(codes).median().reindex(range(G)).to_numpy()
    got = _group_median(values, codes, G)
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[3]) and np.isnan(got[G - 1])


@pytest.mark.parametrize("case", ["fixture", "sample", "sample_during", "no_pairs", "empty_waves"])
def test_poverty_change_one_group_equals_the_grouped_computation(fin, participants,
                                                                 sample_project, case):
    """Without ``by`` the flags are paired by household code; the result equals the
    grouped computation (household index join) with one group for everyone."""
    data, kw = fin, dict(participants=participants)
    if case.startswith("sample"):
        data, kw = sample_project.finance, dict(participants=sample_project.participants)
        if case == "sample_during":
            kw.update(before="pre", after="during")
    elif case == "no_pairs":
        data = fin[~((fin["wave"] == "post") & fin["household_id"].isin(["H1", "H2", "H3"]))]
    elif case == "empty_waves":
        data = fin[fin["wave"] == "pre"]
    got = poverty_change(data, **kw)
    grouped = poverty_change(data.assign(everyone="all"), by="everyone", **kw)
    assert grouped["everyone"].tolist() == ["all"]
    pd.testing.assert_frame_equal(got, grouped.drop(columns="everyone"), check_exact=True)
