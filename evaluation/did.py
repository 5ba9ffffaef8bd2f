"""Difference-in-differences: program villages against comparison villages.

:func:`did` estimates how much more the outcome changed in the program group
than in the comparison group between two waves, with standard errors that
respect clustering (households within villages), and compares the changes of
the two groups directly (Welch t, Wilcoxon rank-sum). R references:
``lm(y ~ treated * post)`` with ``sandwich::vcovCL(fit, cluster = ~cluster,
type = "HC1")`` and ``t.test`` / ``wilcox.test`` on the changes
(``tests/r/did.R``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as _st

from .errors import ArgumentError, DataValidationError, problems_frame, require_columns

__all__ = ["DID_FIELDS", "FewClustersWarning", "did", "webb_weights"]

#: Columns of :func:`did`, in order.
DID_FIELDS: tuple[str, ...] = (
    "estimate", "se", "t", "df", "p", "ci_low", "ci_high", "n_units", "n_dropped",
    "n_clusters", "n_treated", "n_control", "n_clusters_treated", "n_clusters_control",
    "mean_treated_pre", "mean_treated_post", "mean_control_pre", "mean_control_post",
    "change_treated", "change_control",
    "wild_p", "wild_reps", "wild_seed",
    "welch_t", "welch_df", "welch_p", "welch_ci_low", "welch_ci_high",
    "ranksum_w", "ranksum_p", "ranksum_method", "few_clusters", "reason",
)

#: Below this many clusters the analytic cluster-robust SE is unreliable.
MIN_CLUSTERS = 30


class FewClustersWarning(UserWarning):
    """Fewer clusters than :data:`MIN_CLUSTERS`: the cluster-robust SE is unreliable."""


def webb_weights(n_clusters: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """Webb's six-point weights, ``±√(1/2), ±1, ±√(3/2)`` each with probability 1/6 (clusters × reps)."""
    values = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
    return values[rng.integers(0, 6, size=(n_clusters, reps))]


def _ols_cr1(X: np.ndarray, y: np.ndarray, cl: np.ndarray, G: int):
    """OLS coefficients, residuals, (X'X)⁻¹ and the CR1 covariance (sandwich HC1 + G/(G-1))."""
    N, K = X.shape
    A = np.linalg.inv(X.T @ X)
    beta = A @ X.T @ y
    e = y - X @ beta
    S = np.zeros((G, K))
    np.add.at(S, cl, X * e[:, None])
    adj = G / (G - 1) * (N - 1) / (N - K) if G > 1 else np.nan
    V = adj * A @ (S.T @ S) @ A
    return beta, e, A, V, adj


def _wild_p(X, y, cl, G, t_obs, reps, seed, adj):
    """Wild cluster restricted bootstrap-t p-value for the interaction (two-sided, symmetric).

    The null (no interaction) is imposed: ``y* = ŷ_r + w_g û_r`` with the
    restricted fit ``y ~ treated + post``. Each replicate's coefficient and CR1
    variance are linear/quadratic in the weights, so all replicates are one
    matrix product (no refits).
    """
    Xr = X[:, :3]
    br = np.linalg.lstsq(Xr, y, rcond=None)[0]
    u = y - Xr @ br
    K = X.shape[1]
    A = np.linalg.inv(X.T @ X)
    q = A[:, 3]
    s = np.zeros((G, K))
    np.add.at(s, cl, X * u[:, None])                       # s_g = X_g' u_g
    H = np.zeros((G, K, K))
    np.add.at(H, cl, X[:, :, None] * X[:, None, :])       # H_g = X_g' X_g
    r = np.einsum("k,gkl,lm->gm", q, H, A)                 # q' H_g A
    M = np.diag(s @ q) - r @ s.T                           # q' score_g = Σ_h M_gh w_h
    rng = np.random.default_rng(seed)
    W = webb_weights(G, reps, rng)
    beta = (s @ q) @ W
    a = M @ W
    with np.errstate(invalid="ignore", divide="ignore"):
        t_star = beta / np.sqrt(adj * (a ** 2).sum(axis=0))
    t_star = t_star[np.isfinite(t_star)]
    if not len(t_star) or not np.isfinite(t_obs):
        return np.nan
    return float(np.mean(np.abs(t_star) >= abs(t_obs) * (1 - 1e-12)))


def _welch(x: np.ndarray, y: np.ndarray, conf_level: float):
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        return [np.nan] * 5
    vx, vy = x.var(ddof=1) / nx, y.var(ddof=1) / ny
    se = np.sqrt(vx + vy)
    if se == 0:
        return [np.nan] * 5
    df = (vx + vy) ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1))
    diff = x.mean() - y.mean()
    t = diff / se
    q = _st.t.ppf(1 - (1 - conf_level) / 2, df)
    return [float(t), float(df), float(2 * _st.t.sf(abs(t), df)), float(diff - q * se),
            float(diff + q * se)]


def _ranksum(x: np.ndarray, y: np.ndarray):
    nx, ny = len(x), len(y)
    if nx < 1 or ny < 1:
        return [np.nan, np.nan, ""]
    r = _st.rankdata(np.concatenate([x, y]))
    ties = len(np.unique(r)) != len(r)
    exact = nx < 50 and ny < 50 and not ties
    res = _st.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True,
                           method="exact" if exact else "asymptotic")
    return [float(res.statistic), float(res.pvalue),
            "exact" if exact else "normal approximation (tie and continuity corrected)"]


def did(data: pd.DataFrame, *, outcome: str, unit: str, time: str, group: str, cluster: str,
        pre: str = "pre", post: str = "post", treated="program", conf_level: float = 0.95,
        wild_reps: int = 9999, seed: int = 20240601,
        min_clusters: int = MIN_CLUSTERS) -> pd.DataFrame:
    """Difference-in-differences of ``outcome`` between the treated and the comparison group.

    Parameters
    ----------
    data : pandas.DataFrame
        Long form: one row per unit (household, person) × wave.
    outcome, unit, time, group, cluster : str
        Columns: the outcome, the unit id, the wave, the group (arm) and the
        cluster (usually the village: the level at which the program was
        assigned). ``group`` and ``cluster`` must not change within a unit.
    pre, post : str
        The two waves compared.
    treated : scalar
        The ``group`` value of the program group (default ``"program"``);
        every other value is the comparison group.
    conf_level : float
        Confidence level of the intervals.
    wild_reps : int
        Replicates of the wild cluster bootstrap (used with fewer than
        ``min_clusters`` clusters).
    seed : int
        Seed of the bootstrap weights (same seed, same p-value).
    min_clusters : int
        Below this many clusters the bootstrap p-value is computed and a
        :class:`FewClustersWarning` is issued.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`DID_FIELDS`: ``estimate`` (the treated × post
        coefficient: the treated group's mean change minus the comparison
        group's), ``se`` (cluster-robust CR1), ``t``, ``df = n_clusters - 1``,
        ``p``, ``ci_low``, ``ci_high``; ``n_units`` (units with the outcome at
        both waves), ``n_dropped`` (units with one wave only, left out),
        ``n_clusters``, ``n_treated``, ``n_control``, ``n_clusters_treated``,
        ``n_clusters_control``; ``mean_treated_pre``, ``mean_treated_post``,
        ``mean_control_pre``, ``mean_control_post``, ``change_treated``,
        ``change_control``; ``wild_p`` (wild cluster bootstrap-t p-value,
        ``NaN`` with ``min_clusters`` or more clusters), ``wild_reps``,
        ``wild_seed``; ``welch_t``, ``welch_df``, ``welch_p``,
        ``welch_ci_low``, ``welch_ci_high`` (Welch two-sample t-test of the
        changes, treated minus comparison); ``ranksum_w``, ``ranksum_p``,
        ``ranksum_method`` (Wilcoxon rank-sum test of the changes, R's ``W``);
        ``few_clusters`` (bool); ``reason``.

    Warns
    -----
    FewClustersWarning
        Fewer than ``min_clusters`` clusters.

    Notes
    -----
    Units with the outcome at both waves (complete cases; ``n_dropped`` says
    how many were left out). OLS of ``y_it = b0 + b1 D_i + b2 P_t + b3 D_i P_t +
    e_it`` (``D`` treated, ``P`` post) on the ``2 n_units`` rows; ``estimate =
    b3 = (ȳ_D,post - ȳ_D,pre) - (ȳ_C,post - ȳ_C,pre)``. Covariance
    ``V = G/(G-1) · (N-1)/(N-K) · (X'X)⁻¹ Σ_g X_g'e_g e_g'X_g (X'X)⁻¹`` (CR1; R
    ``sandwich::vcovCL(fit, cluster = ~cluster, type = "HC1")``), ``t =
    b3/√V_33`` on ``G - 1`` df (as Stata and ``lmtest::coeftest(fit, vcov =
    V, df = G - 1)``).

    With few clusters (under 30, as in most village programs) that t-test
    rejects too often. The wild cluster restricted bootstrap (Cameron,
    Gelbach & Miller 2008) with Webb's six-point weights (Webb 2014; good
    with as few as 5–10 clusters) imposes ``b3 = 0``, redraws
    ``y* = ŷ_r + w_g û_r`` with one weight per cluster, and compares
    ``|t*|`` with ``|t|``: ``wild_p = share of |t*| ≥ |t|``. Seeded, so
    reproducible.

    The two-group comparison of changes uses each unit's change ``y_post -
    y_pre``: Welch's t (R ``t.test(change_treated, change_control)``) and the
    Wilcoxon rank-sum test (R ``wilcox.test(change_treated,
    change_control)``: exact below 50 per group without ties, else the
    normal approximation with tie and continuity correction). They ignore
    clustering: read them as descriptive.

    DiD assumes parallel trends: without the program, both groups' outcomes
    would have moved alike. Compare the pre-program levels and, when an
    earlier wave exists, the earlier trends.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({
    ...     "hh": [f"H{i}" for i in range(8) for _ in range(2)],
    ...     "wave": ["pre", "post"] * 8,
    ...     "arm": ["program"] * 8 + ["comparison"] * 8,
    ...     "village": ["A"] * 4 + ["B"] * 4 + ["C"] * 4 + ["D"] * 4,
    ...     "income": [10, 14, 12, 15, 9, 13, 11, 16, 10, 11, 12, 12, 9, 11, 11, 12]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = did(d, outcome="income", unit="hh", time="wave", group="arm", cluster="village",
    ...               wild_reps=999)
    >>> res[["estimate", "n_units", "n_clusters", "change_treated", "change_control"]]
       estimate  n_units  n_clusters  change_treated  change_control
    0       3.0        8           4             4.0             1.0
    """
    for name, col in (("outcome", outcome), ("unit", unit), ("time", time), ("group", group),
                      ("cluster", cluster)):
        if not isinstance(col, str):
            raise ArgumentError(f"{name} must be a column name, got {col!r}")
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time, "group": group,
                           "cluster": cluster}, what="data")
    if pre == post:
        raise ArgumentError(f"pre and post must be two different waves, got {pre!r} twice")
    if isinstance(wild_reps, bool) or not isinstance(wild_reps, (int, np.integer)) or wild_reps < 1:
        raise ArgumentError(f"wild_reps must be a positive whole number, got {wild_reps!r}")
    if not 0 < float(conf_level) < 1:
        raise ArgumentError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    y_all = data[outcome]
    if not (pd.api.types.is_numeric_dtype(y_all.dtype) or y_all.isna().all()):
        raise ArgumentError(f"outcome column {outcome!r} must be numeric, got dtype {y_all.dtype}")
    waves = data[time].astype(object).where(data[time].notna(), None)
    sub = data.loc[waves.isin([pre, post]).to_numpy(), [unit, time, group, cluster, outcome]]
    sub = sub.assign(_t=np.where(sub[time].astype(object) == post, 1, 0))
    dup = sub.duplicated([unit, "_t"], keep=False)
    if dup.any():
        rows = sub.loc[dup, [unit, time]].drop_duplicates().head(50)
        raise DataValidationError(problems_frame([
            {"file": "", "sheet": "", "row": pd.NA, "column": unit, "value": str(r[unit]),
             "problem": f"more than one row for this unit at wave {r[time]}", "severity": "error"}
            for _, r in rows.iterrows()]),
            f"{int(dup.sum())} rows give a unit two values at the same wave")
    inconsistent = sub.groupby(unit, dropna=False)[[group, cluster]].nunique(dropna=False).max(axis=1) > 1
    if inconsistent.any():
        bad = list(inconsistent[inconsistent].index[:10])
        raise DataValidationError(problems_frame([
            {"file": "", "sheet": "", "row": pd.NA, "column": f"{group}/{cluster}", "value": str(u),
             "problem": "group or cluster differs between the waves of this unit",
             "severity": "error"} for u in bad]),
            f"{int(inconsistent.sum())} units change {group!r} or {cluster!r} between waves")
    wide = sub.pivot_table(index=unit, columns="_t", values=outcome, aggfunc="first",
                           dropna=False, observed=True)
    wide = wide.reindex(columns=[0, 1])
    attrs = sub.drop_duplicates(unit).set_index(unit)[[group, cluster]]
    wide = wide.join(attrs)
    n_seen = len(wide)
    ok = wide[0].notna() & wide[1].notna() & wide[group].notna() & wide[cluster].notna()
    wide = wide[ok]
    out = dict.fromkeys(DID_FIELDS, np.nan)
    reasons = []
    D = (wide[group].astype(object) == treated).to_numpy()
    ypre = wide[0].to_numpy(dtype=float)
    ypost = wide[1].to_numpy(dtype=float)
    cl_codes, cl_uni = pd.factorize(wide[cluster], sort=True)
    G = len(cl_uni)
    n = len(wide)
    out.update(n_units=n, n_dropped=n_seen - n, n_clusters=G, n_treated=int(D.sum()),
               n_control=int((~D).sum()),
               n_clusters_treated=int(wide.loc[D, cluster].nunique()),
               n_clusters_control=int(wide.loc[~D, cluster].nunique()),
               wild_reps=int(wild_reps), wild_seed=seed, ranksum_method="",
               few_clusters=bool(G < min_clusters))
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, mask in (("treated", D), ("control", ~D)):
            out[f"mean_{name}_pre"] = float(ypre[mask].mean()) if mask.any() else np.nan
            out[f"mean_{name}_post"] = float(ypost[mask].mean()) if mask.any() else np.nan
            out[f"change_{name}"] = out[f"mean_{name}_post"] - out[f"mean_{name}_pre"]
    ch_t, ch_c = (ypost - ypre)[D], (ypost - ypre)[~D]
    if not D.any() or D.all():
        reasons.append(f"both groups are needed ({group} = {treated!r} and another value)")
    elif G < 2:
        reasons.append("at least two clusters are needed")
    else:
        Dl = np.concatenate([D, D]).astype(float)
        P = np.concatenate([np.zeros(n), np.ones(n)])
        X = np.column_stack([np.ones(2 * n), Dl, P, Dl * P])
        y = np.concatenate([ypre, ypost])
        cl = np.concatenate([cl_codes, cl_codes])
        beta, _, _, V, adj = _ols_cr1(X, y, cl, G)
        est = float(beta[3])
        se = float(np.sqrt(max(V[3, 3], 0.0)))
        df = G - 1
        out.update(estimate=est, df=float(df))
        if se <= 1e-10 * max(1.0, abs(est), np.abs(y).max()):
            reasons.append("cluster-robust SE is zero: each group has a single cluster, "
                           "or the changes do not vary between clusters")
            out["se"] = se
        else:
            t = est / se
            q = _st.t.ppf(1 - (1 - conf_level) / 2, df)
            out.update(se=se, t=t, p=float(2 * _st.t.sf(abs(t), df)), ci_low=est - q * se,
                       ci_high=est + q * se)
            if G < min_clusters:
                out["wild_p"] = _wild_p(X, y, cl, G, t, int(wild_reps), seed, adj)
    if G < min_clusters and G >= 1:
        reasons.append(f"only {G} clusters (fewer than {min_clusters}): the cluster-robust SE "
                       f"is unreliable; read wild_p")
        warnings.warn(f"did: only {G} clusters of {cluster!r} (fewer than {min_clusters}); the "
                      f"analytic cluster-robust standard error and p-value are unreliable with "
                      f"few clusters — use the wild cluster bootstrap p-value (wild_p)",
                      FewClustersWarning, stacklevel=2)
    wt = _welch(ch_t, ch_c, float(conf_level))
    out.update(dict(zip(("welch_t", "welch_df", "welch_p", "welch_ci_low", "welch_ci_high"), wt)))
    rs = _ranksum(ch_t, ch_c)
    out.update(ranksum_w=rs[0], ranksum_p=rs[1], ranksum_method=rs[2])
    out["reason"] = "; ".join(reasons)
    res = pd.DataFrame([out], columns=list(DID_FIELDS))
    for c in ("n_units", "n_dropped", "n_clusters", "n_treated", "n_control",
              "n_clusters_treated", "n_clusters_control", "wild_reps"):
        res[c] = res[c].astype(np.int64)
    for c in ("ranksum_method", "reason"):
        res[c] = res[c].astype("string")
    res["few_clusters"] = res["few_clusters"].astype(bool)
    return res
