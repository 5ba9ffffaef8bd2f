"""Model-household ranking, against hand-computed components, ranks and scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.households import COMPONENTS
from evaluation.project import Project
from evaluation.schema import TABLES, WAVES

TMHI_ITEMS = [f"q{i}" for i in range(1, 16)]


def _tmhi(person, wave, code):
    # all items coded `code`; q3-q5 reversed: total = 12 code + 3 (5 - code) = 9 code + 15
    return [{"person_id": person, "wave": wave, "instrument": "tmhi15", "item": it,
             "value": float(code)} for it in TMHI_ITEMS]


def make_project() -> Project:
    villages = pd.DataFrame({
        "village_id": ["V01", "V02", "V03"], "project_id": ["P01"] * 3,
        "name": ["บ้านหนึ่ง", "บ้านสอง", "บ้านสาม"],
        "subdistrict": ["ต.ก", "ต.ก", "ต.ข"], "district": ["อ.ก"] * 3})
    participants = pd.DataFrame({
        "person_id": ["a", "b", "c", "t", "d", "e", "f"],
        "household_id": ["A", "B", "C", "T", "D", "E", "F"],
        "village_id": ["V01", "V01", "V01", "V01", "V02", "V02", "V03"],
        "name": ["นางเอ", "นางบี", "นายซี", "นายที", "นางดี", "นายอี", "นางเอฟ"],
        "role": ["target", "target", "target", "team", "target", "target", "target"]})
    fin = {  # household: (income pre, income post, debt pre, debt post)
        "A": (5000, 7000, 10000, 6000), "B": (5000, 5500, 0, 0), "C": (4000, 3000, 2000, 3000),
        "D": (3000, 4000, 5000, 0), "E": (3000, 3500, 0, 1000), "T": (1000, 9000, 0, 0)}
    rows = []
    for h, (ip, ia, dp, da) in fin.items():
        rows += [(h, "pre", ip, dp, 0.0), (h, "post", ia, da, 0.0)]
    rows.append(("F", "pre", 4000, 0, 0.0))
    finance = pd.DataFrame(rows, columns=["household_id", "wave", "income", "debt_formal",
                                          "debt_informal"])
    finance[["income", "debt_formal"]] = finance[["income", "debt_formal"]].astype(float)
    finance["wave"] = pd.Categorical(finance["wave"], list(WAVES), ordered=True)
    savings = pd.DataFrame({
        "group_id": "G1",
        "member_id": ["a", "a", "a", "a", "b", "b"],
        "date": pd.to_datetime(["2023-01-05", "2023-02-05", "2023-03-05", "2023-04-05",
                                "2023-01-05", "2023-03-05"]),
        "deposit": 30.0, "withdrawal": np.nan, "loan": np.nan, "repayment": np.nan})
    ledger = pd.DataFrame({
        "household_id": ["A", "A", "B", "C", "C", "C", "D", "D", "E"],
        "date": pd.to_datetime(["2023-01-02", "2023-02-02", "2023-01-03", "2023-01-04",
                                "2023-02-04", "2023-03-04", "2023-01-10", "2023-06-10",
                                "2023-06-11"]),
        "kind": "expense", "category": "อาหาร", "amount": 50.0})
    happiness = pd.DataFrame(
        _tmhi("a", "pre", 2) + _tmhi("a", "post", 3) + _tmhi("b", "pre", 3)
        + _tmhi("b", "post", 3) + _tmhi("c", "pre", 3) + _tmhi("c", "post", 2)
        + _tmhi("d", "pre", 2) + _tmhi("d", "post", 4) + _tmhi("e", "pre", 2)
        + _tmhi("e", "post", 2) + _tmhi("f", "pre", 3) + _tmhi("f", "post", 4))
    happiness["wave"] = pd.Categorical(happiness["wave"], list(WAVES), ordered=True)
    return Project(projects=pd.DataFrame({"project_id": ["P01"]}), villages=villages,
                   participants=participants, happiness=happiness, finance=finance,
                   ledger=ledger, savings=savings,
                   lessons=pd.DataFrame(columns=[c.name for c in TABLES["lessons"].columns]))


@pytest.fixture(scope="module")
def ranked():
    return ev.rank_households(make_project())


def test_columns_and_privacy(ranked):
    expected = (["project_id", "village_id", "subdistrict", "district", "household_id"]
                + list(COMPONENTS) + [f"{c}_scaled" for c in COMPONENTS]
                + [f"weight_{c}" for c in COMPONENTS]
                + ["n_components", "missing", "score", "rank", "selected"])
    assert list(ranked.columns) == expected
    assert "name" not in ranked.columns and "person_id" not in ranked.columns
    # target households only (T is a team household), villages in file order, then rank
    assert ranked["household_id"].tolist() == ["A", "B", "C", "D", "E", "F"]


def test_raw_components(ranked):
    r = ranked.set_index("household_id")
    # income post - pre; debt total post - pre
    assert r["income_change"].tolist()[:5] == [2000, 500, -1000, 1000, 500]
    assert r["debt_change"].tolist()[:5] == [-4000, 0, 1000, -5000, 1000]
    assert np.isnan(r.loc["F", "income_change"])            # F has no post wave
    # savings: G1 runs Jan-Apr (4 months); a deposits in 4, b in 2, c never (0: V01 has a
    # savings group); V02 and V03 have no savings data -> missing
    assert r.loc[["A", "B", "C"], "savings_regularity"].tolist() == [1.0, 0.5, 0.0]
    assert r.loc[["D", "E", "F"], "savings_regularity"].isna().all()
    # account books: V01 entries Jan-Mar (3 months): A 2, B 1, C 3 months;
    # V02 Jan-Jun (6 months): D 2, E 1; V03 none -> missing
    assert r.loc[["A", "B", "C", "D", "E"], "account_keeping"].tolist() == \
        pytest.approx([2 / 3, 1 / 3, 1.0, 2 / 6, 1 / 6])
    assert np.isnan(r.loc["F", "account_keeping"])
    # TMHI-15 totals 9 code + 15: a 33 -> 42, b 42 -> 42, c 42 -> 33, d 33 -> 51, e 33 -> 33,
    # f 42 -> 51
    assert r["happiness_change"].tolist() == [9, 0, -9, 18, 0, 9]


def test_scaled_scores_and_ranks(ranked):
    r = ranked.set_index("household_id")
    # V01 percentile ranks (rank / 3): income A 1, B 2/3, C 1/3; debt (-change) same order;
    # savings same; account C 1, A 2/3, B 1/3; happiness A 1, B 2/3, C 1/3
    assert r.loc[["A", "B", "C"], "account_keeping_scaled"].tolist() == \
        pytest.approx([2 / 3, 1 / 3, 1.0])
    assert r.loc[["A", "B", "C"], "debt_change_scaled"].tolist() == \
        pytest.approx([1.0, 2 / 3, 1 / 3])
    # equal weights: A (1 + 1 + 1 + 2/3 + 1) / 5, B (4 * 2/3 + 1/3) / 5, C (4 * 1/3 + 1) / 5
    assert r.loc[["A", "B", "C"], "score"].tolist() == \
        pytest.approx([(4 + 2 / 3) / 5, 3 / 5, (7 / 3) / 5])
    assert r.loc[["A", "B", "C"], "rank"].tolist() == [1, 2, 3]
    # V02: savings missing -> 4 components, weights 1/4; D best on all -> 1, E 0.5
    assert r.loc[["D", "E"], "score"].tolist() == pytest.approx([1.0, 0.5])
    assert r.loc["D", "weight_income_change"] == pytest.approx(0.25)
    assert r.loc["D", "weight_savings_regularity"] == 0.0
    assert r.loc["D", "missing"] == "savings_regularity" and r.loc["D", "n_components"] == 4
    # V03: only happiness -> weight 1, percentile 1/1
    assert r.loc["F", "n_components"] == 1 and r.loc["F", "weight_happiness_change"] == 1.0
    assert r.loc["F", "missing"] == ("income_change, debt_change, savings_regularity, "
                                     "account_keeping")
    assert r.loc["F", "score"] == 1.0
    assert r.loc[["A", "B", "C"], "missing"].tolist() == ["", "", ""]
    weights = r[[f"weight_{c}" for c in COMPONENTS]].sum(axis=1)
    assert weights.tolist() == pytest.approx([1.0] * 6)
    assert r["selected"].tolist() == [True, False, False, True, False, True]


def test_custom_weights_and_n_per_village():
    out = ev.rank_households(make_project(), weights={"income_change": 3, "happiness_change": 1},
                             n_per_village=2).set_index("household_id")
    # V01: A (3 * 1 + 1) / 4 = 1, B (3 * 2/3 + 2/3) / 4 = 2/3, C 1/3
    assert out.loc[["A", "B", "C"], "score"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])
    assert out.loc["A", "weight_income_change"] == 0.75
    assert out.loc["A", "weight_debt_change"] == 0.0
    # F has no income change: happiness alone carries the weight
    assert out.loc["F", "weight_happiness_change"] == 1.0
    assert out["selected"].tolist() == [True, True, False, True, True, True]


def test_role_none_includes_team_household():
    out = ev.rank_households(make_project(), role=None)
    assert "T" in set(out["household_id"])


def test_ties_share_rank_and_break_by_id():
    proj = make_project()
    fin = proj.finance.copy()
    fin.loc[fin["household_id"] == "E", "income"] = [3000.0, 4000.0]   # like D
    fin.loc[fin["household_id"] == "E", "debt_formal"] = [5000.0, 0.0]
    proj.finance = fin
    out = ev.rank_households(proj, weights={"income_change": 1, "debt_change": 1})
    v02 = out[out["village_id"] == "V02"]
    assert v02["rank"].tolist() == [1, 1]
    assert v02.loc[v02["selected"], "household_id"].tolist() == ["D"]


def test_select_model_households(ranked):
    sel = ev.select_model_households(ranked)
    assert list(sel.columns) == ["level", "area", "household_id", "village_id", "score",
                                 "n_candidates", "n_households"]
    assert sel[["level", "area", "household_id"]].values.tolist() == [
        ["village_id", "V01", "A"], ["village_id", "V02", "D"], ["village_id", "V03", "F"],
        ["subdistrict", "ต.ก", "A"], ["subdistrict", "ต.ข", "F"], ["district", "อ.ก", "A"]]
    s = sel.set_index(["level", "area"])
    # subdistrict ต.ก re-scaled over its 5 households (A, B, C, D, E):
    # A: income 5/5, debt 4/5, savings 3/3, account 4/5, happiness 4/5 -> 4.4 / 5 = 0.88
    # D: income 4/5, debt 5/5, account 2.5/5, happiness 5/5 (no savings) -> 3.3 / 4 = 0.825
    assert s.loc[("subdistrict", "ต.ก"), "score"] == pytest.approx(0.88)
    assert s.loc[("subdistrict", "ต.ก"), ["n_candidates", "n_households"]].tolist() == [2, 5]
    # district อ.ก over 6 households, candidates A and F:
    # A: happiness 9 ties with F's 9 -> rank 4.5 / 6 = 0.75; (1 + .8 + 1 + .8 + .75) / 5
    assert s.loc[("district", "อ.ก"), "score"] == pytest.approx(4.35 / 5)
    assert s.loc[("district", "อ.ก"), ["n_candidates", "n_households"]].tolist() == [2, 6]
    assert s.loc[("village_id", "V01"), ["n_candidates", "n_households"]].tolist() == [3, 3]


@pytest.mark.parametrize("kwargs, match", [
    ({"weights": {"income": 1}}, r"weights has unknown components \['income'\]"),
    ({"weights": {"income_change": -1}}, r"weights\['income_change'\] must be a number ≥ 0"),
    ({"weights": {"income_change": 0}}, "at least one component a positive weight"),
    ({"weights": [1, 2]}, "weights must be a dict"),
    ({"before": "start"}, "before must be one of pre, during, post; got 'start'"),
    ({"n_per_village": 0}, "n_per_village must be a whole number ≥ 1, got 0"),
    ({"role": "chief"}, "role must be one of team, target, mentor or None; got 'chief'"),
])
def test_rank_households_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ev.rank_households(make_project(), **kwargs)


def test_select_needs_area_columns(ranked):
    with pytest.raises(ev.EvaluationError, match=r"lacks column\(s\) \['province'\] \(levels='province'\)"):
        ev.select_model_households(ranked, levels=("village_id", "province"))
    with pytest.raises(ValueError, match="levels must name at least one"):
        ev.select_model_households(ranked, levels=())


def test_blank_subdistrict_is_its_own_area():
    proj = make_project()
    villages = proj.villages.copy()
    villages.loc[villages["village_id"] == "V03", "subdistrict"] = None
    proj.villages = villages
    sel = ev.select_model_households(ev.rank_households(proj))
    sub = sel[sel["level"] == "subdistrict"]
    assert sub["household_id"].tolist() == ["A", "F"]
    assert sub["area"].isna().tolist() == [False, True]
