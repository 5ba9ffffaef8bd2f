"""Tests of evaluation.stats against R's published outputs, SciPy/statsmodels and hand formulas.

R is not installed here: R numbers are the outputs printed in R's own help-page
examples (the command is written beside each value); SciPy/statsmodels calls
and hand computations are written beside the others.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from evaluation.stats import (
    METHOD_EXACT,
    METHOD_NORMAL,
    PAIRED_FIELDS,
    bootstrap_change,
    mcnemar_test,
    paired_frame,
    paired_test,
)

TOL = 1e-6

# R ?wilcox.test example: Hollander & Wolfe (1973) p. 29, Hamilton depression scale.
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]       # after (second visit)
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]    # before (first visit)

# R's `sleep` data set (Student 1908): extra hours of sleep, group 1 and group 2.
SLEEP1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def hand_wilcoxon_normal(d, alternative="two-sided"):
    """R's normal approximation written out independently (rankdata + tie table)."""
    d = np.asarray(d, float)
    d = d[d != 0]
    n = len(d)
    r = st.rankdata(np.abs(d))
    v = r[d > 0].sum()
    _, t = np.unique(r, return_counts=True)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - ((t ** 3 - t).sum()) / 48)
    z = v - n * (n + 1) / 4
    if alternative == "two-sided":
        z = (z - math.copysign(0.5, z) if z else z) / sigma
        return v, 2 * min(st.norm.cdf(z), st.norm.sf(z))
    if alternative == "greater":
        return v, st.norm.sf((z - 0.5) / sigma)
    return v, st.norm.cdf((z + 0.5) / sigma)


# --------------------------------------------------------------------------- R published outputs
def test_wilcoxon_exact_hollander_wolfe_two_sided():
    res = paired_test(HW_Y, HW_X)
    # R: wilcox.test(x, y, paired = TRUE)  ->  V = 40, p-value = 0.03906
    assert res["w"] == 40
    assert res["p_wilcoxon"] == pytest.approx(0.03906, abs=5e-6)
    # hand: P(V >= 40) = P(V <= 5) for n = 9 = #{subsets of 1..9 with sum <= 5} / 2^9 = 10/512
    assert res["p_wilcoxon"] == pytest.approx(2 * 10 / 512, abs=1e-12)
    assert res["wilcoxon_method"] == METHOD_EXACT
    assert res["reason"] == ""


def test_wilcoxon_exact_hollander_wolfe_greater():
    res = paired_test(HW_Y, HW_X, alternative="greater")
    # R ?wilcox.test: wilcox.test(x, y, paired = TRUE, alternative = "greater")
    #   -> V = 40, p-value = 0.01953
    assert res["w"] == 40
    assert res["p_wilcoxon"] == pytest.approx(10 / 512, abs=1e-12)   # 0.01953125
    # scipy: wilcoxon(x - y, alternative="greater", method="exact")
    ref = st.wilcoxon(np.subtract(HW_X, HW_Y), alternative="greater", method="exact")
    assert res["p_wilcoxon"] == pytest.approx(ref.pvalue, abs=1e-12)


def test_t_test_sleep():
    res = paired_test(SLEEP2, SLEEP1)  # after = group 1, before = group 2: diff = g1 - g2
    # R ?t.test: with(sleep, t.test(extra[group == 1], extra[group == 2], paired = TRUE))
    #   -> t = -4.0621, df = 9, p-value = 0.002833
    #      95 percent CI: -2.4598858 -0.7001142 ; mean difference -1.58
    assert res["t"] == pytest.approx(-4.0621, abs=5e-5)
    assert res["df"] == 9
    assert res["p_t"] == pytest.approx(0.002833, abs=5e-7)
    assert res["ci_low"] == pytest.approx(-2.4598858, abs=1e-7)
    assert res["ci_high"] == pytest.approx(-0.7001142, abs=1e-7)
    assert res["mean_diff"] == pytest.approx(-1.58, abs=1e-12)
    # scipy: ttest_rel(g1, g2) and its confidence_interval()
    ref = st.ttest_rel(SLEEP1, SLEEP2)
    ci = ref.confidence_interval(0.95)
    assert res["t"] == pytest.approx(ref.statistic, abs=TOL)
    assert res["p_t"] == pytest.approx(ref.pvalue, abs=1e-10)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-10)


def test_wilcoxon_sleep_ties_and_zero():
    # sleep differences g1 - g2 contain a zero and ties -> normal approximation
    res = paired_test(SLEEP2, SLEEP1)
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE) (R < 4.4 formula interface)
    #   -> V = 0, p-value = 0.009091 (warnings: cannot compute exact p-value with ties / zeroes)
    assert res["w"] == 0
    assert res["p_wilcoxon"] == pytest.approx(0.009091, abs=5e-7)
    assert res["wilcoxon_method"] == METHOD_NORMAL
    assert res["n_nonzero"] == 9 and res["n_same"] == 1
    d = np.subtract(SLEEP1, SLEEP2)
    # scipy: wilcoxon(d, zero_method="wilcox", correction=True, method="approx")
    ref = st.wilcoxon(d, zero_method="wilcox", correction=True, method="approx")
    assert res["p_wilcoxon"] == pytest.approx(ref.pvalue, abs=1e-12)
    assert res["p_wilcoxon"] == pytest.approx(hand_wilcoxon_normal(d)[1], abs=1e-12)


def test_wilcoxon_ties_zeros_one_sided_published():
    # R (exercise, stats course): x1 <- c(26, 28, 34, 48, 21, 22, 34); x2 <- c(28, 27, 42, 44, 17, 6, 16)
    # wilcox.test(x1, x2, paired = TRUE, alternative = "less", exact = FALSE) -> V = 21, p = 0.898
    # hand (same script): pnorm((V + 0.5 - 14) / sqrt(35 - sum(ties^3 - ties) / 48)) = 0.897957911117213
    x1 = [26, 28, 34, 48, 21, 22, 34]
    x2 = [28, 27, 42, 44, 17, 6, 16]
    res = paired_test(x2, x1, alternative="less")
    assert res["w"] == 21
    assert res["p_wilcoxon"] == pytest.approx(0.897957911117213, abs=1e-12)
    assert res["wilcoxon_method"] == METHOD_NORMAL  # a zero difference and ties force it


# --------------------------------------------------------------------------- scipy / hand references
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("n", [3, 8, 20, 49])
def test_exact_no_ties_matches_scipy(n, alternative):
    rng = np.random.default_rng(n)
    b = rng.normal(50, 5, n)
    a = b + rng.normal(1, 3, n)
    res = paired_test(b, a, alternative=alternative)
    assert res["wilcoxon_method"] == METHOD_EXACT
    # scipy: wilcoxon(a - b, alternative=..., method="exact")
    ref = st.wilcoxon(a - b, alternative=alternative, method="exact")
    assert res["p_wilcoxon"] == pytest.approx(ref.pvalue, abs=1e-12)
    # hand: V = sum of ranks of positive differences
    d = a - b
    assert res["w"] == st.rankdata(np.abs(d))[d > 0].sum()


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("n", [50, 51, 200])
def test_normal_from_50_matches_scipy_and_hand(n, alternative):
    rng = np.random.default_rng(100 + n)
    b = rng.normal(50, 5, n)
    a = b + rng.normal(0.4, 3, n)
    res = paired_test(b, a, alternative=alternative)
    # R: n >= 50 -> normal approximation even without ties
    assert res["wilcoxon_method"] == METHOD_NORMAL
    # scipy: wilcoxon(a - b, correction=True, method="approx", alternative=...)
    ref = st.wilcoxon(a - b, correction=True, method="approx", alternative=alternative)
    assert res["p_wilcoxon"] == pytest.approx(ref.pvalue, abs=1e-12)
    assert res["p_wilcoxon"] == pytest.approx(hand_wilcoxon_normal(a - b, alternative)[1], abs=1e-12)
    # scipy: ttest_rel(a, b, alternative=...)
    tref = st.ttest_rel(a, b, alternative=alternative)
    assert res["t"] == pytest.approx(tref.statistic, abs=1e-9)
    assert res["p_t"] == pytest.approx(tref.pvalue, abs=1e-12)
    ci = tref.confidence_interval(0.95)
    assert res["ci_low"] == pytest.approx(ci.low, abs=1e-9)
    assert res["ci_high"] == pytest.approx(ci.high, abs=1e-9)


def test_ties_small_n_integer_scores():
    # typical questionnaire totals: integers, many ties, some zeros
    before = [40, 42, 45, 39, 50, 41, 44, 47]
    after = [44, 42, 47, 41, 50, 45, 42, 49]
    res = paired_test(before, after)
    d = np.subtract(after, before)
    assert res["wilcoxon_method"] == METHOD_NORMAL
    v, p = hand_wilcoxon_normal(d)
    assert res["w"] == v
    assert res["p_wilcoxon"] == pytest.approx(p, abs=1e-12)
    # hand t: mean / (sd / sqrt n), p from scipy.stats.t
    n = len(d)
    t = d.mean() / (d.std(ddof=1) / math.sqrt(n))
    assert res["t"] == pytest.approx(t, abs=1e-12)
    assert res["p_t"] == pytest.approx(2 * st.t.sf(abs(t), n - 1), abs=1e-12)
    half = st.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half), abs=1e-12)
    # hand effect sizes and counts
    assert res["cohen_dz"] == pytest.approx(d.mean() / d.std(ddof=1), abs=1e-12)
    ranks = st.rankdata(np.abs(d[d != 0]))
    wp, wm = ranks[d[d != 0] > 0].sum(), ranks[d[d != 0] < 0].sum()
    assert res["rank_biserial"] == pytest.approx((wp - wm) / (wp + wm), abs=1e-12)
    assert (res["n_improved"], res["n_same"], res["n_worse"]) == (5, 2, 1)
    assert res["median_diff"] == np.median(d)
    assert res["sd_diff"] == pytest.approx(d.std(ddof=1), abs=1e-12)
    assert res["mean_before"] == np.mean(before) and res["mean_after"] == np.mean(after)


def test_conf_level_changes_interval():
    res = paired_test(SLEEP2, SLEEP1, conf_level=0.9)
    ci = st.ttest_rel(SLEEP1, SLEEP2).confidence_interval(0.9)  # scipy reference
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-10)


def test_one_sided_interval_is_infinite_on_one_side():
    res = paired_test(SLEEP2, SLEEP1, alternative="less")
    ci = st.ttest_rel(SLEEP1, SLEEP2, alternative="less").confidence_interval(0.95)  # scipy
    assert res["ci_low"] == -np.inf
    assert res["ci_high"] == pytest.approx(ci.high, abs=1e-10)


def test_higher_is_better_false_swaps_counts():
    res = paired_test([5, 5, 5], [4, 6, 3], higher_is_better=False)
    assert (res["n_improved"], res["n_worse"]) == (2, 1)


# --------------------------------------------------------------------------- missing and edge cases
def test_nan_pairs_are_dropped_and_counted():
    before = [40, None, 45, 39, np.nan, 41, 44]
    after = [44, 42, np.nan, 41, 50, 45, 42]
    res = paired_test(pd.Series(before, dtype="Float64"), after)
    assert res["n_pairs"] == 4 and res["n_dropped"] == 3
    ref = paired_test([40, 39, 41, 44], [44, 41, 45, 42])  # the complete pairs only
    for f in ("t", "p_t", "w", "p_wilcoxon", "ci_low", "mean_before"):
        assert res[f] == ref[f]


def test_n0():
    res = paired_test([], [])
    assert res["n_pairs"] == 0 and res["n_dropped"] == 0
    assert np.isnan(res["t"]) and np.isnan(res["p_wilcoxon"]) and np.isnan(res["mean_diff"])
    assert res["reason"] == "no complete pairs"
    assert list(res.index) == list(PAIRED_FIELDS)


def test_all_missing_counts_dropped():
    res = paired_test([1, None], [None, 2])
    assert res["n_pairs"] == 0 and res["n_dropped"] == 2 and res["reason"] == "no complete pairs"


def test_n1():
    res = paired_test([3], [5])
    assert res["n_pairs"] == 1 and res["mean_diff"] == 2
    assert np.isnan(res["t"]) and np.isnan(res["p_t"]) and np.isnan(res["ci_low"])
    assert "one pair" in res["reason"]
    # R: wilcox.test(5, 3, paired = TRUE) -> V = 1, p = 1 (exact: 2 * P(V >= 1 | n = 1) = 2 * 1/2)
    assert res["w"] == 1 and res["p_wilcoxon"] == 1.0


def test_all_differences_zero():
    res = paired_test([3, 4, 5], [3, 4, 5])
    assert res["n_pairs"] == 3 and res["n_same"] == 3 and res["n_nonzero"] == 0
    # R: wilcox.test(c(3, 4, 5), c(3, 4, 5), paired = TRUE) -> V = 0, p-value = NA
    assert np.isnan(res["t"]) and res["w"] == 0 and np.isnan(res["p_wilcoxon"])
    assert np.isnan(res["rank_biserial"]) and np.isnan(res["cohen_dz"])
    assert "all differences are zero" in res["reason"]


def test_constant_nonzero_difference():
    res = paired_test([1.1, 2.1, 3.1], [1.2, 2.2, 3.2])  # d = 0.1 up to rounding
    # R: t.test(c(1.2, 2.2, 3.2), c(1.1, 2.1, 3.1), paired = TRUE) stops: data are essentially constant
    assert np.isnan(res["t"]) and np.isnan(res["cohen_dz"])
    assert "sd_diff = 0" in res["reason"]
    assert res["mean_diff"] == pytest.approx(0.1)


def test_series_input_is_positional():
    b = pd.Series([1.0, 2.0, 4.0], index=[10, 11, 12])
    a = pd.Series([2.0, 2.5, 6.0], index=[0, 1, 2])
    assert paired_test(b, a)["mean_diff"] == pytest.approx(np.mean([1.0, 0.5, 2.0]))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"before": [1, 2], "after": [1]}, ValueError, "same length"),
        ({"before": ["a", "b"], "after": [1, 2]}, TypeError, "before must be"),
        ({"before": [1, 2], "after": [1, 2], "alternative": "two.sided"}, ValueError, "alternative"),
        ({"before": [1, 2], "after": [1, 2], "conf_level": 95}, ValueError, "conf_level"),
        ({"before": [[1, 2]], "after": [[1, 2]]}, TypeError, "before must be"),
        ({"before": [1, 2], "after": [1, 2], "bootstrap": 0}, ValueError, "n_resamples"),
    ],
)
def test_paired_test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        paired_test(**kwargs)


# --------------------------------------------------------------------------- grouped (vectorised)
def test_paired_frame_equals_paired_test_per_group():
    rng = np.random.default_rng(7)
    n = 300
    wide = pd.DataFrame({
        "village_id": rng.choice(["V1", "V2", "V3", "V4"], n),
        "sex": rng.choice(["F", "M"], n),
        "pre": rng.integers(30, 60, n).astype(float),
        "post": rng.integers(30, 60, n).astype(float),
    })
    wide.loc[rng.choice(n, 20, replace=False), "post"] = np.nan
    out = paired_frame(wide, before="pre", after="post", by=["village_id", "sex"])
    assert list(out.columns) == ["village_id", "sex", *PAIRED_FIELDS]
    assert len(out) == 8
    # reference: the scalar function on each group (pandas groupby loop)
    for (v, s), g in wide.groupby(["village_id", "sex"]):
        row = out[(out.village_id == v) & (out.sex == s)].iloc[0]
        ref = paired_test(g["pre"], g["post"])
        for f in PAIRED_FIELDS:
            if isinstance(ref[f], str):
                assert row[f] == ref[f]
            else:
                assert row[f] == pytest.approx(ref[f], nan_ok=True, rel=1e-12, abs=1e-12), f


def test_paired_frame_mixed_exact_and_normal_groups():
    wide = pd.DataFrame({
        "g": ["hw"] * 9 + ["sl"] * 10,
        "before": HW_Y + SLEEP2, "after": HW_X + SLEEP1,
    })
    out = paired_frame(wide, before="before", after="after", by="g").set_index("g")
    assert out.loc["hw", "p_wilcoxon"] == pytest.approx(20 / 512, abs=1e-12)  # R: 0.03906 (above)
    assert out.loc["sl", "p_wilcoxon"] == pytest.approx(0.009091, abs=5e-7)    # R: 0.009091 (above)
    assert out.loc["sl", "p_t"] == pytest.approx(0.002833, abs=5e-7)           # R: 0.002833 (above)


def test_paired_frame_missing_column():
    with pytest.raises(KeyError, match=r"lacks column\(s\) \['b'\] \(after='b'\)"):
        paired_frame(pd.DataFrame({"a": [1]}), before="a", after="b")


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_reproducible_and_matches_scipy():
    b = np.array([40, 42, 45, 39, 50, 41, 44, 47, 38, 43], float)
    a = np.array([44, 42, 47, 41, 50, 45, 42, 49, 44, 45], float)
    r1 = bootstrap_change(b, a, n_resamples=999, seed=42)
    r2 = bootstrap_change(b, a, n_resamples=999, seed=42)
    assert r1.equals(r2)
    # scipy: bootstrap((a - b,), np.mean, method="percentile", n_resamples=999, rng=default_rng(42))
    ref = st.bootstrap((a - b,), np.mean, method="percentile", n_resamples=999,
                       rng=np.random.default_rng(42), vectorized=True, axis=-1)
    assert r1["mean_ci_low"] == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert r1["mean_ci_high"] == pytest.approx(ref.confidence_interval.high, abs=1e-12)
    refm = st.bootstrap((a - b,), np.median, method="percentile", n_resamples=999,
                        rng=np.random.default_rng(42), vectorized=True, axis=-1)
    assert r1["median_ci_low"] == pytest.approx(refm.confidence_interval.low, abs=1e-12)
    assert r1["n_resamples"] == 999 and r1["seed"] == 42
    assert r1["mean_ci_low"] <= (a - b).mean() <= r1["mean_ci_high"]


def test_bootstrap_via_paired_test_and_small_n():
    res = paired_test([1, 2, 3, 5], [2, 4, 3, 8], bootstrap=500, seed=3)
    ref = bootstrap_change([1, 2, 3, 5], [2, 4, 3, 8], n_resamples=500, seed=3)
    assert res["mean_ci_low"] == ref["mean_ci_low"] and res["median_ci_high"] == ref["median_ci_high"]
    one = bootstrap_change([1], [2], seed=1)
    assert np.isnan(one["mean_ci_low"])


# --------------------------------------------------------------------------- McNemar
@pytest.mark.parametrize("b,c,same_yes,same_no", [(3, 9, 10, 8), (5, 5, 2, 2), (0, 4, 6, 1),
                                                  (12, 30, 40, 18)])
@pytest.mark.parametrize("exact", [False, True])
def test_mcnemar_matches_statsmodels(b, c, same_yes, same_no, exact):
    before = [1] * b + [0] * c + [1] * same_yes + [0] * same_no
    after = [0] * b + [1] * c + [1] * same_yes + [0] * same_no
    res = mcnemar_test(before, after, exact=exact)
    # statsmodels: mcnemar([[yes-yes, b], [c, no-no]], exact=..., correction=True)
    # (statsmodels subtracts the continuity correction also when b == c; R does not:
    #  X² = 0, p = 1 there -- see tests/r/mcnemar.R and test_r_reference.py)
    ref = sm_mcnemar(np.array([[same_yes, b], [c, same_no]]), exact=exact, correction=True)
    if exact:
        assert res["statistic"] == b   # R binom.test(b, b + c): statistic = number of successes
    elif b == c:
        assert res["statistic"] == 0 and res["p_value"] == 1   # R mcnemar.test: no correction
    else:
        assert res["statistic"] == pytest.approx(ref.statistic, abs=1e-12)
    if exact or b != c:
        assert res["p_value"] == pytest.approx(ref.pvalue, abs=1e-12)
    assert (res["b"], res["c"]) == (b, c)
    assert res["n_pairs"] == b + c + same_yes + same_no
    assert res["n_yes_before"] == b + same_yes and res["n_yes_after"] == c + same_yes


def test_mcnemar_hand_formula_and_r_example():
    # R ?mcnemar.test (Agresti 1990 p. 350, presidential approval ratings):
    #   Performance <- matrix(c(794, 86, 150, 570), nrow = 2) ; mcnemar.test(Performance)
    #   -> McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05
    #   (Agresti reports 17.36 without the continuity correction: 64^2 / 236)
    # table rows = 1st survey (approve, disapprove), cols = 2nd survey: b = 150, c = 86
    before = [1] * (794 + 150) + [0] * (86 + 570)
    after = [1] * 794 + [0] * 150 + [1] * 86 + [0] * 570
    res = mcnemar_test(before, after)
    assert res["statistic"] == pytest.approx(16.818, abs=5e-4)
    assert res["p_value"] == pytest.approx(4.115e-05, abs=5e-9)
    # hand: (|150 - 86| - 1)^2 / (150 + 86)
    assert res["statistic"] == pytest.approx(63 ** 2 / 236, abs=1e-12)
    nocorr = mcnemar_test(before, after, correction=False)
    assert nocorr["statistic"] == pytest.approx(64 ** 2 / 236, abs=1e-12)  # hand, no correction


def test_mcnemar_missing_and_no_discordant():
    res = mcnemar_test([True, None, False, True], [True, True, np.nan, True])
    assert res["n_pairs"] == 2 and res["b"] == 0 and res["c"] == 0
    assert np.isnan(res["p_value"]) and "no discordant" in res["reason"]


@pytest.mark.parametrize(
    ("before", "after", "match"),
    [([1, 2], [0, 1], "before_flag"), (["yes", "no"], [1, 0], "before_flag"),
     ([1, 0], [1], "same length"), ([1, 0], [0.5, 1], "after_flag")],
)
def test_mcnemar_bad_input(before, after, match):
    with pytest.raises(ValueError, match=match):
        mcnemar_test(before, after)


# --------------------------------------------------------------------------- fast median (issue 16)
@pytest.mark.parametrize("seed", range(6))
def test_paired_core_median_equals_pandas_groupby_median(seed):
    """The median of the differences per group by sorting, against pandas' groupby median
    (odd and even group sizes, ties, missing sides, empty groups)."""
    from evaluation.stats import _paired_core

    rng = np.random.default_rng(seed)
    n, G = 80, 7   # group 6 never drawn: empty
    before = rng.integers(0, 6, n) + (rng.random(n) if seed % 2 else 0.0)
    after = rng.integers(0, 6, n).astype(float)
    after[rng.random(n) < 0.15] = np.nan
    codes = rng.integers(0, G - 1, n)
    res = _paired_core(before, after, codes, G, alternative="two-sided", conf_level=0.95,
                       higher_is_better=True)
    ok = ~np.isnan(after)
    ref = pd.Series((after - before)[ok]).groupby(codes[ok]).median().reindex(range(G))
    np.testing.assert_array_equal(res["median_diff"].to_numpy(), ref.to_numpy())
    assert np.isnan(res["median_diff"].iloc[G - 1])
