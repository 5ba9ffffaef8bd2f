"""Tests of evaluation.did against R (tests/r/did.R writes every expected value).

R calls (also in each row's ``r_call``): ``fit <- lm(y ~ D * P)``;
``sandwich::vcovCL(fit, cluster = ~cluster, type = "HC1")``; t on ``G - 1`` df;
``t.test(ch[D], ch[!D])`` (Welch); ``wilcox.test(ch[D], ch[!D])`` on the unit changes.
The wild cluster bootstrap has no R reference with the same random numbers; it is checked
against a brute-force refit of every replicate with the same Webb weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from r_reference import check_row, read

from evaluation.did import DID_FIELDS, FewClustersWarning, _ols_cr1, did, webb_weights
from evaluation.errors import ArgumentError, DataValidationError

INPUT = read("did_input.csv")
EXPECTED = read("did_expected.csv")
FIELDS = ["estimate", "se", "t", "df", "p", "ci_low", "ci_high", "mean_treated_pre",
          "mean_treated_post", "mean_control_pre", "mean_control_post", "welch_t", "welch_df",
          "welch_p", "welch_ci_low", "welch_ci_high", "ranksum_w", "ranksum_p"]


def _did(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)
        return did(data, outcome="y", unit="unit", time="wave", group="arm", cluster="cluster",
                   wild_reps=kw.pop("wild_reps", 199), **kw).iloc[0]


def test_enough_r_cases_with_2_and_60_clusters():
    assert len(EXPECTED) >= 30
    assert {2, 60}.issubset(set(EXPECTED["n_clusters"]))


@pytest.mark.parametrize("case", EXPECTED["case"].tolist())
def test_did_equals_r(case):
    ref = EXPECTED[EXPECTED["case"] == case].iloc[0]
    res = _did(INPUT[INPUT["case"] == case])
    for f in ("n_units", "n_dropped", "n_clusters", "n_treated", "n_control"):
        assert res[f] == ref[f], (case, f)
    check_row(res, ref, FIELDS, case)
    assert res["few_clusters"] == (ref["n_clusters"] < 30)
    assert np.isnan(res["wild_p"]) == (ref["n_clusters"] >= 30)


def test_few_clusters_warns_visibly():
    data = INPUT[INPUT["case"] == "g4"]
    with pytest.warns(FewClustersWarning, match="4 clusters"):
        res = did(data, outcome="y", unit="unit", time="wave", group="arm", cluster="cluster",
                  wild_reps=99)
    assert "unreliable" in res["reason"].iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # 60 clusters: no warning
        did(INPUT[INPUT["case"] == "g60"], outcome="y", unit="unit", time="wave", group="arm",
            cluster="cluster")


def _brute_force_wild_p(data, reps, seed):
    """Refit OLS for every replicate (restricted residuals, Webb weights), CR1 t each time."""
    w = data.pivot_table(index=["unit", "arm", "cluster"], columns="wave", values="y").dropna()
    w = w.reset_index()
    n = len(w)
    D = np.tile((w["arm"] == "program").to_numpy(float), 2)
    P = np.repeat([0.0, 1.0], n)
    X = np.column_stack([np.ones(2 * n), D, P, D * P])
    y = np.concatenate([w["pre"].to_numpy(), w["post"].to_numpy()])
    cl_codes, uni = pd.factorize(w["cluster"], sort=True)
    cl = np.concatenate([cl_codes, cl_codes])
    G = len(uni)
    beta, _, _, V, _ = _ols_cr1(X, y, cl, G)
    t_obs = beta[3] / np.sqrt(V[3, 3])
    br = np.linalg.lstsq(X[:, :3], y, rcond=None)[0]
    fit_r = X[:, :3] @ br
    u = y - fit_r
    W = webb_weights(G, reps, np.random.default_rng(seed))
    ts = []
    for b in range(reps):
        ystar = fit_r + W[cl, b] * u
        bs, _, _, Vs, _ = _ols_cr1(X, ystar, cl, G)
        ts.append(bs[3] / np.sqrt(Vs[3, 3]))
    return float(np.mean(np.abs(ts) >= abs(t_obs) * (1 - 1e-12)))


@pytest.mark.parametrize("case", ["g4_unbal", "g6_na", "g8_ties", "g12_unbal_arms"])
def test_wild_bootstrap_equals_brute_force_refits(case):
    data = INPUT[INPUT["case"] == case]
    res = _did(data, wild_reps=300, seed=7)
    assert res["wild_p"] == pytest.approx(_brute_force_wild_p(data, 300, 7), abs=1e-12)


def test_wild_bootstrap_seeded_and_sensible():
    data = INPUT[INPUT["case"] == "g10"]
    a, b = _did(data, wild_reps=999, seed=3), _did(data, wild_reps=999, seed=3)
    assert a["wild_p"] == b["wild_p"] and 0 <= a["wild_p"] <= 1
    assert a["wild_seed"] == 3 and a["wild_reps"] == 999
    webb = webb_weights(5, 60000, np.random.default_rng(1))
    # Webb weights: six values, mean 0, variance 1
    assert len(np.unique(webb)) == 6
    assert abs(webb.mean()) < 0.01 and abs(webb.var() - 1) < 0.01


def test_single_cluster_per_group_has_no_standard_error():
    d = pd.DataFrame({"unit": [f"H{i}" for i in range(8) for _ in range(2)],
                      "wave": ["pre", "post"] * 8, "arm": ["program"] * 8 + ["comparison"] * 8,
                      "cluster": ["A"] * 8 + ["B"] * 8,
                      "y": [10, 14, 12, 15, 9, 13, 11, 16, 10, 11, 12, 12, 9, 11, 11, 12]})
    res = _did(d)
    assert res["estimate"] == pytest.approx((14.5 - 10.5) - (11.5 - 10.5))   # hand computation
    assert np.isnan(res["t"]) and "single cluster" in res["reason"]


def test_output_columns_documented():
    res = did(INPUT[INPUT["case"] == "g60"], outcome="y", unit="unit", time="wave", group="arm",
              cluster="cluster")
    assert list(res.columns) == list(DID_FIELDS) and len(res) == 1


def _small():
    return INPUT[INPUT["case"] == "g4"].copy()


@pytest.mark.parametrize("change,exc", [
    (lambda d: d.drop(columns="cluster"), KeyError),
    (lambda d: d.assign(y="x"), ArgumentError),
    (lambda d: pd.concat([d, d.head(1)]), DataValidationError),
    (lambda d: d.assign(cluster=np.where(d["wave"] == "pre", d["cluster"], "Z")),
     DataValidationError),
])
def test_errors(change, exc):
    with pytest.raises(exc):
        _did(change(_small()))


@pytest.mark.parametrize("kw", [{"pre": "post"}, {"wild_reps": 0}, {"conf_level": 1.5}])
def test_argument_errors(kw):
    with pytest.raises(ArgumentError):
        _did(_small(), **kw)


def test_one_group_only():
    d = _small()
    res = _did(d[d["arm"] == "program"])
    assert np.isnan(res["estimate"]) and "both groups" in res["reason"]
