"""Metric registry and built-in metrics, each against a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation import metrics as M
from evaluation.errors import EvaluationError
from evaluation.project import Project
from evaluation.schema import WAVES

TMHI_ITEMS = [f"q{i}" for i in range(1, 16)]


def _wave(values):
    return pd.Categorical(values, categories=list(WAVES), ordered=True)


def _tmhi(person, wave, code):
    """TMHI-15 answers with every item coded ``code``.

    Items q3-q5 are reverse-scored (5 - code), so the total is
    12 * code + 3 * (5 - code) = 9 * code + 15:
    code 2 -> 33, code 3 -> 42, code 4 -> 51 (band "better" starts at 51).
    """
    return [{"person_id": person, "wave": wave, "instrument": "tmhi15", "item": it,
             "value": float(code)} for it in TMHI_ITEMS]


def make_project() -> Project:
    """Two projects: P01 (V01, V02) and P02 (V03)."""
    projects = pd.DataFrame({"project_id": ["P01", "P02"], "name": ["น้ำพริก", "จักสาน"]})
    villages = pd.DataFrame({
        "village_id": ["V01", "V02", "V03"], "project_id": ["P01", "P01", "P02"],
        "name": ["บ้านหนึ่ง", "บ้านสอง", "บ้านสาม"],
        "subdistrict": ["ต.ก", "ต.ก", "ต.ข"], "district": ["อ.ก", "อ.ก", "อ.ก"]})
    participants = pd.DataFrame({
        "person_id": ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"],
        "household_id": ["h1", "h2", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"],
        "village_id": ["V01"] * 6 + ["V02"] * 3 + ["V03"],
        "sex": ["F", "F", "M", "F", "M", "F", "M", "F", "F", "M"],
        "role": ["team", "target", "target", "target", "target", "mentor",
                 "team", "target", "target", "target"],
        "occupation_group": ["น้ำพริก", "น้ำพริก", None, "น้ำพริก", "ปลาแห้ง", None,
                             None, None, "จักสาน", "จักสาน"],
    })
    pre, post = pd.Timestamp("2023-01-15"), pd.Timestamp("2024-01-15")
    fin_rows = [
        # household, wave, date, income, expenses, debt_formal, debt_informal, savings, size
        ("h2", "pre", pre, 5000, 4000, 10000, 2000, 0, 2),
        ("h2", "post", post, 6000, 4000, 8000, 0, 500, 2),
        ("h3", "pre", pre, 4000, 3000, 0, 0, 100, 1),
        ("h3", "post", post, 3500, 3000, 1000, 0, 100, 1),
        ("h4", "pre", pre, 8000, 6000, 20000, 5000, 1000, 4),
        ("h7", "pre", pre, 6000, 5000, 0, 0, 0, 1),
        ("h7", "post", post, 7000, 5000, 0, 0, 200, 1),
        ("h8", "pre", pre, 3000, 3000, 500, 0, 0, 1),
        ("h8", "post", post, 3000, 2500, 0, 0, 0, 1),
    ]
    finance = pd.DataFrame(fin_rows, columns=["household_id", "wave", "date", "income",
                                              "expenses", "debt_formal", "debt_informal",
                                              "savings", "household_size"])
    finance["wave"] = _wave(finance["wave"])
    for c in ("income", "expenses", "debt_formal", "debt_informal", "savings"):
        finance[c] = finance[c].astype(float)
    happiness = pd.DataFrame(
        _tmhi("p1", "pre", 2) + _tmhi("p1", "post", 2)      # team: 33 -> 33
        + _tmhi("p2", "pre", 2) + _tmhi("p2", "post", 3)    # 33 -> 42 (+9)
        + _tmhi("p3", "pre", 3) + _tmhi("p3", "post", 4)    # 42 -> 51 (+9), better
        + _tmhi("p4", "pre", 3) + _tmhi("p4", "post", 2)    # 42 -> 33 (-9)
        + _tmhi("p5", "pre", 4)                             # no post
        + _tmhi("p8", "pre", 2) + _tmhi("p8", "post", 4))   # V02: 33 -> 51 (+18)
    happiness["wave"] = _wave(happiness["wave"])
    ledger = pd.DataFrame({
        "household_id": ["h2"] * 4 + ["h3"] * 2 + ["h7"],
        "date": pd.to_datetime(["2023-02-01", "2023-03-05", "2023-04-01", "2023-05-02",
                                "2023-02-10", "2023-02-20", "2023-03-01"]),
        "kind": ["income", "expense", "expense", "income", "expense", "expense", "income"],
        "category": ["ขาย", "อาหาร", "อาหาร", "ขาย", "อาหาร", "อาหาร", "ขาย"],
        "amount": [500.0, 100.0, 80.0, 600.0, 50.0, 40.0, 300.0],
    })
    savings = pd.DataFrame({
        "group_id": ["G1"] * 7 + ["G2"],
        "member_id": ["p2", "p2", "p2", "p4", "p4", "p4", "p3", "p8"],
        "date": pd.to_datetime(["2023-01-10", "2023-02-10", "2023-03-10",
                                "2023-01-10", "2023-03-10", "2023-03-20", "2023-02-10",
                                "2023-01-10"]),
        "deposit": [30.0, 30.0, 30.0, 30.0, 60.0, np.nan, np.nan, 100.0],
        "withdrawal": [np.nan, np.nan, 10.0, np.nan, np.nan, 20.0, np.nan, np.nan],
        "loan": [np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 500.0, np.nan],
        "repayment": [np.nan] * 8,
    })
    lessons = pd.DataFrame({"village_id": ["V01"], "section": ["ทีม"], "text": ["ทำงานเป็นทีม"]})
    return Project(projects=projects, villages=villages, participants=participants,
                   happiness=happiness, finance=finance, ledger=ledger, savings=savings,
                   lessons=lessons)


@pytest.fixture
def project():
    return make_project()


@pytest.fixture
def v01(project):
    return project.village("V01")


def run(name, proj, **params):
    return M.compute_metric(name, proj, params)


# ------------------------------------------------------------------ registry --

def test_registry_lists_every_builtin():
    names = set(ev.metrics_registry()["name"])
    expected = {"participants_count", "households_count", "households_keeping_accounts",
                "share_keeping_accounts", "savings_members", "regular_savers", "total_savings",
                "share_income_up", "share_debt_down", "share_savings_up", "mean_income_change",
                "share_below_poverty_line", "mean_happiness_change", "share_happiness_improved",
                "share_top_band", "occupation_groups_count", "count_rows"}
    assert expected <= names


def test_unknown_metric_lists_known_ones(v01):
    with pytest.raises(EvaluationError, match="unknown metric 'nope'.*participants_count"):
        M.compute_metric("nope", v01)


def test_custom_metric_decorator_and_return_forms(v01):
    try:
        @ev.metric("test_women")
        def women(project, *, role="target"):
            p = project.participants
            return (float(((p["role"] == role) & (p["sex"] == "F")).sum()), len(p))

        @ev.metric("test_plain")
        def plain(project):
            return 7

        # V01 targets: p2 F, p3 M, p4 F, p5 M -> 2 women; 6 participants
        assert run("test_women", v01) == M.MetricResult(2.0, 6, {})
        assert run("test_plain", v01).value == 7.0
        with pytest.raises(EvaluationError, match="already registered"):
            ev.metric("test_plain")(lambda project: 1)
    finally:
        M.unregister_metric("test_women")
        M.unregister_metric("test_plain")


def test_bad_return_type_is_reported(v01):
    try:
        @ev.metric("test_bad")
        def bad(project):
            return "many"

        with pytest.raises(EvaluationError, match="returned str"):
            run("test_bad", v01)
    finally:
        M.unregister_metric("test_bad")


# ------------------------------------------------------------------- counts --

@pytest.mark.parametrize("role, expected", [
    (None, 6),        # p1..p6
    ("team", 1),      # p1
    ("target", 4),    # p2, p3, p4, p5
    ("mentor", 1),    # p6
])
def test_participants_count(v01, role, expected):
    res = run("participants_count", v01, role=role)
    assert res.value == expected and res.n == 6


def test_participants_count_bad_role(v01):
    with pytest.raises(ValueError, match="role must be one of team, target, mentor.*'boss'"):
        run("participants_count", v01, role="boss")


@pytest.mark.parametrize("role, expected", [
    (None, 5),        # h1, h2, h3, h4, h5
    ("target", 3),    # h2 (p2, p3), h3, h4
])
def test_households_count(v01, role, expected):
    assert run("households_count", v01, role=role).value == expected


def test_occupation_groups_count(v01, project):
    # V01: น้ำพริก (p1, p2, p4), ปลาแห้ง (p5) -> 2 groups from 4 people with a group
    res = run("occupation_groups_count", v01)
    assert (res.value, res.n) == (2.0, 4)
    # whole data: น้ำพริก, ปลาแห้ง, จักสาน -> 3
    assert run("occupation_groups_count", project).value == 3.0


def test_count_rows(v01):
    # V01 participants with sex F and role target: p2, p4
    res = run("count_rows", v01, table="participants", query="sex == 'F' and role == 'target'")
    assert (res.value, res.n) == (2.0, 6)
    # distinct households with an income entry in V01's ledger: h2 (2 entries) -> 1
    res = run("count_rows", v01, table="ledger", query="kind == 'income'",
              distinct="household_id")
    assert res.value == 1.0


@pytest.mark.parametrize("params, match", [
    ({"table": "people"}, "table must be one of"),
    ({"table": "participants", "query": "no_such_col == 1"}, "query .* failed"),
    ({"table": "participants", "distinct": "nope"}, r"lacks column\(s\) \['nope'\] \(distinct='nope'\)"),
])
def test_count_rows_errors(v01, params, match):
    with pytest.raises(ValueError, match=match):
        run("count_rows", v01, **params)


# ------------------------------------------------------------------ savings --

def test_savings_members_and_total(v01, project):
    # V01 members with entries: p2, p3, p4 -> 3
    assert run("savings_members", v01).value == 3.0
    # deposits 30+30+30+30+60 = 180, withdrawals 10+20 = 30 -> 150 baht
    res = run("total_savings", v01)
    assert res.value == pytest.approx(150.0) and res.n == 3
    # whole data adds p8's 100 -> 250
    assert run("total_savings", project).value == pytest.approx(250.0)


def test_savings_no_data_village(project):
    v03 = project.village("V03")
    assert run("savings_members", v03).n == 0
    assert math.isnan(run("total_savings", v03).value)


# ------------------------------------------------------------------ finance --

def test_share_income_up(v01):
    # households with income at both waves in V01: h2 (5000 -> 6000 up), h3 (4000 -> 3500)
    # h4 has no post wave -> excluded: 1 of 2 = 50 %
    res = run("share_income_up", v01)
    assert (res.value, res.n) == (50.0, 2)


def test_share_debt_down(v01, project):
    # total debt h2 12000 -> 8000 (down), h3 0 -> 1000 (up): 1 of 2
    assert run("share_debt_down", v01).value == 50.0
    # whole data adds h7 0 -> 0 (not down), h8 500 -> 0 (down): 2 of 4
    res = run("share_debt_down", project)
    assert (res.value, res.n) == (50.0, 4)


def test_share_savings_up(project):
    # h2 0 -> 500 up, h3 100 -> 100 same, h7 0 -> 200 up, h8 0 -> 0 same: 2 of 4
    assert run("share_savings_up", project).value == 50.0


def test_mean_income_change(v01, project):
    # V01: (+1000 + -500) / 2 = 250
    assert run("mean_income_change", v01).value == pytest.approx(250.0)
    # all: (1000 - 500 + 1000 + 0) / 4 = 375
    res = run("mean_income_change", project)
    assert res.value == pytest.approx(375.0) and res.n == 4


def test_finance_metric_bad_wave(v01):
    with pytest.raises(ValueError, match="after must be one of pre, during, post; got 'end'"):
        run("share_income_up", v01, after="end")


def test_share_below_poverty_line(v01, project):
    # 2024 line 3,078 baht/person/month. Post: h2 6000/2 = 3000 < 3078 below;
    # h3 3500/1 = 3500 not below -> 1 of 2 = 50 %.
    res = run("share_below_poverty_line", v01)
    assert (res.value, res.n) == (50.0, 2)
    # 2023 line 3,043. Pre in V01: h2 2500 below, h3 4000 no, h4 8000/4 = 2000 below: 2/3
    assert run("share_below_poverty_line", v01, wave="pre").value == pytest.approx(200 / 3)
    # own line of 3,200: post h2 3000 below, h3 3500 no, h7 7000 no, h8 3000 below -> 2/4
    assert run("share_below_poverty_line", project, line=3200).value == 50.0


# ---------------------------------------------------------------- happiness --

def test_mean_happiness_change(v01):
    # complete pairs in V01: p1 0, p2 +9, p3 +9, p4 -9 -> mean 9/4 = 2.25 over 4
    res = run("mean_happiness_change", v01)
    assert res.value == pytest.approx(2.25) and res.n == 4
    # targets only: p2, p3, p4 -> 9/3 = 3
    assert run("mean_happiness_change", v01, role="target").value == pytest.approx(3.0)


def test_share_happiness_improved(v01, project):
    # V01 pairs: p2 +9, p3 +9 improved; p1 0, p4 -9 not -> 2 of 4
    res = run("share_happiness_improved", v01)
    assert (res.value, res.n) == (50.0, 4)
    # all: adds p8 +18 -> 3 of 5
    assert run("share_happiness_improved", project).value == pytest.approx(60.0)


def test_share_top_band(v01):
    # post totals in V01: p1 33, p2 42, p3 51, p4 33 -> "better" (51-60): p3 only: 1/4
    res = run("share_top_band", v01)
    assert (res.value, res.n) == (25.0, 4)
    # pre: p1 33, p2 33, p3 42, p4 42, p5 51 -> 1 of 5 better
    assert run("share_top_band", v01, wave="pre").value == pytest.approx(20.0)
    # average or better at post: still only p3 (42 is below 44) -> 25 %
    assert run("share_top_band", v01, bands=["average", "better"]).value == 25.0


def test_happiness_no_data(project):
    v03 = project.village("V03")
    assert run("mean_happiness_change", v03).n == 0
    assert run("share_top_band", v03).n == 0


# ------------------------------------------------------------- account books --

def test_keeping_accounts_defaults(v01):
    # defaults: 4 entries in a month, 3 such months; nobody in the fixture qualifies
    res = run("households_keeping_accounts", v01)
    assert (res.value, res.n) == (0.0, 3)       # V01 target households h2, h3, h4


@pytest.mark.parametrize("params, count, share", [
    # h2: one entry in each of Feb-May (4 months); h3: two entries in Feb; h4 none.
    ({"min_entries": 1, "min_months": 3}, 1, 100 / 3),   # h2 only
    ({"min_entries": 2, "min_months": 1}, 1, 100 / 3),   # h3 only
    ({"min_entries": 1, "min_months": 1}, 2, 200 / 3),   # h2, h3
    ({"min_entries": 2, "min_months": 1, "count": "days"}, 1, 100 / 3),  # h3: 2 days
])
def test_keeping_accounts_params(v01, params, count, share):
    assert run("households_keeping_accounts", v01, **params).value == count
    res = run("share_keeping_accounts", v01, **params)
    assert res.value == pytest.approx(share) and res.n == 3


def test_keeping_accounts_whole_project(project):
    # target households: h2, h3, h4 (V01), h7, h8 (V02), h9 (V03); with one entry in one
    # month: h2, h3, h7 keep -> 3 of 6
    res = run("share_keeping_accounts", project, min_entries=1, min_months=1)
    assert (res.value, res.n) == (50.0, 6)


def test_regular_savers(v01, project):
    # G1 months Jan-Mar 2023: p2 deposits Jan, Feb, Mar (regular); p4 Jan, Mar; p3 only a
    # loan -> 1 regular of 3 members
    res = run("regular_savers", v01)
    assert (res.value, res.n) == (1.0, 3)
    # whole data: G2's p8 deposits in its only month (Jan) -> regular: 2 of 4
    res = run("regular_savers", project)
    assert (res.value, res.n) == (2.0, 4)
    # a fixed period Jan-Feb: p2 (Jan, Feb) regular, p4 (no Feb) not -> 1 in G1
    assert run("regular_savers", v01, period=["2023-01-01", "2023-02-28"]).value == 1.0


@pytest.mark.parametrize("waves", [("pre", "post"), ("pre", "during"), ("post", "pre"),
                                   ("pre", "pre")])
def test_complete_pairs_equal_pivot_table(sample_project, waves):
    """The happiness metrics' pairs: what pivot_table(aggfunc="first") + dropna() gave,
    also with missing totals, a person at one wave only and an unsorted table."""
    from evaluation.instruments import score_instrument
    from evaluation.metrics import _complete_pairs

    before, after = waves
    sc = score_instrument(sample_project.happiness, "tmhi15")
    sc.loc[sc.index[[0, 5, 9]], "total"] = float("nan")
    sc = sc.drop(sc.index[[12]]).iloc[::-1]
    wide = sc.pivot_table(index="person_id", columns="wave", values="total", aggfunc="first",
                          observed=False)
    expected = pd.DataFrame({"before": wide.get(before), "after": wide.get(after)},
                            index=wide.index).dropna()
    got = _complete_pairs(sc, before, after)
    assert len(got) > 10
    pd.testing.assert_frame_equal(got, expected)
