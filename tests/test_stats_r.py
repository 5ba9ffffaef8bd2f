"""paired_test and mcnemar_test against R (tests/r/paired.R and tests/r/mcnemar.R).

Every expected value comes from the R call in its row's ``r_call`` column:
``wilcox.test(after, before, paired = TRUE, conf.int = TRUE, exact = ..., correct = ...,
alternative = ...)``, ``t.test(after, before, paired = TRUE)``,
``coin::wilcoxsign_test(..., zero.method = "Wilcoxon", distribution = "exact")`` (R >= 4.6's
exact p-value with ties), ``mcnemar.test`` and ``binom.test(b, b + c)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from r_reference import check_row, read, same

from evaluation.finance import poverty_change
from evaluation.happiness import band_transitions
from evaluation.stats import mcnemar_test, paired_test

INPUT = read("paired_input.csv")
EXPECTED = read("paired_expected.csv")
MCNEMAR = read("mcnemar_expected.csv")
_EXACT = {"NULL": None, "TRUE": True, "FALSE": False}
_ALT = {"two.sided": "two-sided", "greater": "greater", "less": "less"}


def test_enough_r_cases():
    assert EXPECTED["case"].nunique() >= 30 and len(MCNEMAR) >= 30


@pytest.mark.parametrize("row", range(len(EXPECTED)))
def test_paired_test_equals_r(row):
    ref = EXPECTED.iloc[row]
    data = INPUT[INPUT["case"] == ref["case"]]
    res = paired_test(data["before"], data["after"], conf_int=True, exact=_EXACT[ref["exact"]],
                      correct=bool(ref["correct"]), alternative=_ALT[ref["alternative"]])
    ctx = f"{ref['case']} exact={ref['exact']} correct={ref['correct']} {ref['alternative']}"
    assert res["n_pairs"] == ref["n"], ctx
    ours = dict(res)
    ours["v"], ours["p_wilcoxon"] = res["w"], res["p_wilcoxon"]
    fields = ["v", "p_wilcoxon", "hl_estimate", "hl_ci_low", "hl_ci_high", "hl_conf_level"]
    if not np.isnan(ref["t"]):                   # R t.test stops on constant differences
        fields += ["t", "p_t", "ci_low", "ci_high"]
    else:
        assert np.isnan(res["t"]) and res["reason"], ctx
    check_row(ours, ref, fields, ctx)
    if isinstance(ref["wilcoxon_method"], str):
        assert ("exact" in ref["wilcoxon_method"]) == (res["wilcoxon_method"] == "exact"), ctx


@pytest.mark.parametrize("case", sorted(EXPECTED.loc[EXPECTED["p_exact_ties"].notna(), "case"].unique()))
def test_exact_ties_option_equals_r46_behaviour(case):
    # R >= 4.6 / coin::wilcoxsign_test(after ~ before, zero.method = "Wilcoxon", distribution = "exact")
    ref = EXPECTED[(EXPECTED["case"] == case) & EXPECTED["p_exact_ties"].notna()].iloc[0]
    data = INPUT[INPUT["case"] == case]
    n_nonzero = int(((data["after"] - data["before"]).dropna() != 0).sum())
    res = paired_test(data["before"], data["after"], exact=True, exact_ties=True)
    assert same(res["p_wilcoxon"], ref["p_exact_ties"]), (case, res["p_wilcoxon"], ref["p_exact_ties"])
    if n_nonzero < 50:
        default = paired_test(data["before"], data["after"], exact_ties=True)
        assert same(default["p_wilcoxon"], ref["p_exact_ties"])


def test_default_follows_r42_with_ties():
    # R 4.2: wilcox.test(after, before, paired = TRUE) falls back to the normal approximation with
    # ties; the default here does the same (exact_ties=False).
    ref = EXPECTED[(EXPECTED["case"] == "ties_n10") & (EXPECTED["exact"] == "NULL")
                   & (EXPECTED["alternative"] == "two.sided")].iloc[0]
    data = INPUT[INPUT["case"] == "ties_n10"]
    res = paired_test(data["before"], data["after"])
    assert res["wilcoxon_method"].startswith("normal") and same(res["p_wilcoxon"], ref["p_wilcoxon"])
    assert not same(res["p_wilcoxon"], ref["p_exact_ties"])


@pytest.mark.parametrize("bad", [{"conf_int": "yes"}, {"exact": "auto"}, {"correct": 1},
                                 {"exact_ties": None}])
def test_flags_checked(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        paired_test([1, 2, 3], [2, 3, 5], **bad)


# --------------------------------------------------------------------------- McNemar
def _flags(a, b, c, d):
    before = [1] * a + [1] * b + [0] * c + [0] * d
    after = [1] * a + [0] * b + [1] * c + [0] * d
    return before, after


@pytest.mark.parametrize("row", range(len(MCNEMAR)))
def test_mcnemar_equals_r(row):
    ref = MCNEMAR.iloc[row]
    before, after = _flags(*(int(ref[k]) for k in "abcd"))
    # R: mcnemar.test(matrix(c(a, c, b, d), 2))
    cc = mcnemar_test(before, after)
    assert same(cc["statistic"], ref["stat_cc"]) and same(cc["p_value"], ref["p_cc"]), ref["case"]
    if isinstance(ref["method_cc"], str) and ref["b"] + ref["c"] > 0:
        assert ("continuity" in ref["method_cc"]) == ("continuity" in cc["method"])
    # R: mcnemar.test(..., correct = FALSE)
    no = mcnemar_test(before, after, correction=False)
    assert same(no["statistic"], ref["stat_nocc"]) and same(no["p_value"], ref["p_nocc"])
    # R: binom.test(b, b + c)
    ex = mcnemar_test(before, after, exact=True)
    assert same(ex["statistic"], ref["stat_exact"]) and same(ex["p_value"], ref["p_exact"])


def test_b_equals_c_reaches_band_transitions_and_poverty_change():
    # R: mcnemar.test(matrix(c(10, 7, 7, 10), 2)) -> X² = 0, p = 1 (case m07: b = c = 7)
    ref = MCNEMAR[MCNEMAR["case"] == "m07"].iloc[0]
    assert ref["b"] == ref["c"] == 7 and ref["stat_cc"] == 0 and ref["p_cc"] == 1
    before, after = _flags(10, 7, 7, 10)
    n = len(before)
    band = {1: "better", 0: "worse"}
    scores = pd.DataFrame({
        "person_id": [f"P{i}" for i in range(n)] * 2,
        "wave": ["pre"] * n + ["post"] * n,
        "band": pd.Categorical([band[v] for v in before + after], categories=["worse", "better"],
                               ordered=True)})
    test = band_transitions(scores, top_bands=["better"]).test.iloc[0]
    assert (test["b"], test["c"]) == (7, 7)
    assert same(test["statistic"], ref["stat_cc"]) and same(test["p_value"], ref["p_cc"])
    assert test["method"] == "McNemar chi-squared"
    # poverty: below the line = "yes"; income 1000 below a line of 3000, 5000 above
    fin = pd.DataFrame({"household_id": [f"H{i}" for i in range(n)] * 2,
                        "wave": ["pre"] * n + ["post"] * n,
                        "income": [1000.0 if v else 5000.0 for v in before + after],
                        "household_size": 1})
    res = poverty_change(fin, line=3000, year=2024)
    row = res.iloc[0]
    assert (row["b"], row["c"]) == (7, 7)
    assert same(row["statistic"], ref["stat_cc"]) and same(row["p_value"], ref["p_cc"])
