"""Paired statistics for before/after (pre/during/post) designs.

The reference for every number here is R's defaults, the tools evaluators
trust:

* :func:`paired_test` reproduces ``t.test(after, before, paired = TRUE)`` and
  ``wilcox.test(after, before, paired = TRUE)`` (exact signed-rank
  distribution when n < 50 with no ties and no zero differences, otherwise the
  normal approximation with tie and continuity correction; zero differences
  are dropped).
* :func:`mcnemar_test` reproduces ``mcnemar.test(table, correct = TRUE)``
  (and offers the exact binomial version).
* :func:`bootstrap_change` gives seeded percentile bootstrap intervals for the
  mean and median change.

The computations are vectorised over groups (:func:`paired_frame`), so a
table of a million persons split into a thousand villages is handled with a
few numpy passes and no per-group Python loop. Formulas are in
``docs/methods.md``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats as _st

from .errors import ArgumentError, column_list, require_columns
from .signrank import (hodges_lehmann, psignrank_lower, psignrank_upper,
                       signrank_exact_ties_p)

__all__ = ["HL_FIELDS", "PAIRED_FIELDS", "bootstrap_change", "mcnemar_test", "paired_frame", "paired_test"]

#: Fields of :func:`paired_test` (and the statistic columns of :func:`paired_frame`), in order.
PAIRED_FIELDS: tuple[str, ...] = (
    "n_pairs", "n_dropped", "mean_before", "mean_after", "mean_diff", "median_diff", "sd_diff",
    "se_diff", "ci_low", "ci_high", "t", "df", "p_t", "w", "p_wilcoxon", "wilcoxon_method",
    "n_nonzero", "cohen_dz", "rank_biserial", "n_improved", "n_same", "n_worse", "reason",
)
#: Fields added by ``paired_test(..., conf_int=True)``.
HL_FIELDS: tuple[str, ...] = ("hl_estimate", "hl_ci_low", "hl_ci_high", "hl_conf_level",
                              "hl_method")
_INT_FIELDS = ("n_pairs", "n_dropped", "n_nonzero", "n_improved", "n_same", "n_worse")
_BOOT_FIELDS = ("mean_ci_low", "mean_ci_high", "median_ci_low", "median_ci_high",
                "n_resamples", "seed")

_ALTERNATIVES = ("two-sided", "greater", "less")
METHOD_EXACT = "exact"
METHOD_NORMAL = "normal approximation (tie and continuity corrected)"
METHOD_NORMAL_UNCORRECTED = "normal approximation (tie corrected)"
METHOD_EXACT_TIES = "exact (conditional on ties)"
#: R's ``wilcox.test``: exact distribution only below this many non-zero differences.
EXACT_MAX_N = 50


# --------------------------------------------------------------------------- checks
def _check_alternative(alternative: str) -> str:
    if alternative not in _ALTERNATIVES:
        raise ArgumentError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    return alternative


def _check_conf_level(conf_level) -> float:
    try:
        level = float(conf_level)
    except (TypeError, ValueError):
        level = float("nan")
    if not 0 < level < 1:
        raise ArgumentError(f"conf_level must be a number strictly between 0 and 1, got {conf_level!r}")
    return level


def _as_float(values, name: str) -> np.ndarray:
    """A 1-D float array (None/NA -> NaN); a clear error for text or 2-D input."""
    if isinstance(values, (pd.Series, pd.Index)):
        if not (pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)
                or values.isna().all()):
            raise ArgumentError(f"{name} must be numeric; got dtype {values.dtype}")
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            arr = np.asarray(pd.array(list(values) if not isinstance(values, np.ndarray) else values,
                                      dtype="Float64").to_numpy(dtype=float, na_value=np.nan))
        except (TypeError, ValueError) as exc:
            raise ArgumentError(f"{name} must be a sequence of numbers (missing values as None/NaN); "
                                f"could not convert: {exc}") from None
    if arr.ndim != 1:
        raise ArgumentError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------- exact signed-rank law
@lru_cache(maxsize=1)
def _signrank_tables() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper tail probabilities of the signed-rank statistic V.

    ``lower[n, k] = P(V <= k)`` and ``upper[n, k] = P(V >= k)`` for
    ``n < EXACT_MAX_N`` and ``0 <= k <= n(n+1)/2`` (R's ``psignrank``). Counts of
    subsets of {1..n} with sum k are exact in float64 (all below 2**53).
    """
    nmax = EXACT_MAX_N - 1
    kmax = nmax * (nmax + 1) // 2
    lower = np.zeros((nmax + 1, kmax + 1))
    upper = np.zeros((nmax + 1, kmax + 1))
    counts = np.zeros(kmax + 1)
    counts[0] = 1.0
    for n in range(nmax + 1):
        if n > 0:
            shifted = np.zeros_like(counts)
            shifted[n:] = counts[:-n]
            counts = counts + shifted
        top = n * (n + 1) // 2
        total = 2.0 ** n
        lower[n, : top + 1] = np.cumsum(counts[: top + 1]) / total
        lower[n, top + 1:] = 1.0
        upper[n, : top + 1] = np.cumsum(counts[: top + 1][::-1])[::-1] / total
    return lower, upper


# --------------------------------------------------------------------------- vectorised core
def _group_ranks(codes: np.ndarray, absd: np.ndarray, n_groups: int):
    """Average ranks of ``absd`` within groups, and the tie term per group.

    Returns (ranks aligned with the input, sum over tie runs of t^3 - t per group,
    whether the group has ties).
    """
    order = np.lexsort((absd, codes))
    cs, a = codes[order], absd[order]
    m = len(cs)
    idx = np.arange(m)
    gstart = np.searchsorted(cs, cs, side="left")
    pos = idx - gstart  # 0-based position inside the group
    new_run = np.ones(m, dtype=bool)
    if m > 1:
        new_run[1:] = (cs[1:] != cs[:-1]) | (a[1:] != a[:-1])
    run_id = np.cumsum(new_run) - 1
    run_first = idx[new_run]
    run_len = np.bincount(run_id).astype(float)
    start = pos[run_first]
    avg_rank = start + (run_len + 1.0) / 2.0
    ranks = np.empty(m)
    ranks[order] = avg_rank[run_id]
    run_group = cs[run_first]
    tie_term = np.bincount(run_group, weights=run_len ** 3 - run_len, minlength=n_groups)
    has_ties = np.bincount(run_group, weights=(run_len > 1).astype(float), minlength=n_groups) > 0
    return ranks, tie_term, has_ties


def _paired_core(before: np.ndarray, after: np.ndarray, codes: np.ndarray, n_groups: int, *,
                 alternative: str, conf_level: float, higher_is_better: bool,
                 exact: bool | None = None, correct: bool = True,
                 exact_ties: bool = False) -> pd.DataFrame:
    """All :data:`PAIRED_FIELDS` for every group code 0..n_groups-1 (vectorised).

    ``exact``, ``correct`` and ``exact_ties`` as in :func:`paired_test`.
    """
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    codes = np.asarray(codes, dtype=np.int64)
    G = n_groups
    ok = ~(np.isnan(before) | np.isnan(after))
    n_rows = np.bincount(codes, minlength=G)
    c, b, a = codes[ok], before[ok], after[ok]
    d = a - b
    n = np.bincount(c, minlength=G).astype(float)
    n_dropped = n_rows - n
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_b = np.bincount(c, weights=b, minlength=G) / n
        mean_a = np.bincount(c, weights=a, minlength=G) / n
        mean_d = np.bincount(c, weights=d, minlength=G) / n
        resid = d - mean_d[c]
        ss = np.bincount(c, weights=resid * resid, minlength=G)
        df = n - 1
        var = np.where(df > 0, ss / np.where(df > 0, df, 1), np.nan)
        sd = np.sqrt(var)
        se = sd / np.sqrt(n)
        # R t.test: stop("data are essentially constant") when se < 10 eps |mean|
        constant = (n >= 2) & (se <= 10 * np.finfo(float).eps * np.abs(mean_d))
        t_ok = (n >= 2) & ~constant
        t = np.where(t_ok, mean_d / se, np.nan)
        dfv = np.where(n >= 2, df, np.nan)
        if alternative == "two-sided":
            p_t = 2 * _st.t.sf(np.abs(t), dfv)
            q = _st.t.ppf(1 - (1 - conf_level) / 2, dfv)
            ci_low, ci_high = mean_d - q * se, mean_d + q * se
        elif alternative == "greater":
            p_t = _st.t.sf(t, dfv)
            q = _st.t.ppf(conf_level, dfv)
            ci_low, ci_high = mean_d - q * se, np.full(G, np.inf)
        else:
            p_t = _st.t.cdf(t, dfv)
            q = _st.t.ppf(conf_level, dfv)
            ci_low, ci_high = np.full(G, -np.inf), mean_d + q * se
        ci_low = np.where(t_ok, ci_low, np.nan)
        ci_high = np.where(t_ok, ci_high, np.nan)
        p_t = np.where(t_ok, p_t, np.nan)
        dz = np.where(t_ok, mean_d / sd, np.nan)

    # median of the differences per group
    median_d = np.full(G, np.nan)
    if len(d):  # sorted within groups: the middle value, or the mean of the two middle ones
        d_sorted = d[np.lexsort((d, c))]
        cnt = np.bincount(c, minlength=G)
        first = np.cumsum(cnt) - cnt
        has = cnt > 0
        lo, hi = (first + (cnt - 1) // 2)[has], (first + cnt // 2)[has]
        median_d[has] = np.where(lo == hi, d_sorted[lo], (d_sorted[hi] + d_sorted[lo]) / 2)

    pos, neg = d > 0, d < 0
    n_pos = np.bincount(c[pos], minlength=G)
    n_neg = np.bincount(c[neg], minlength=G)
    n_zero = n.astype(np.int64) - n_pos - n_neg

    # Wilcoxon signed rank on non-zero differences (zeros dropped, as R does)
    nz = d != 0
    cz, dz_nz = c[nz], d[nz]
    m = np.bincount(cz, minlength=G).astype(float)
    ranks, tie_term, has_ties = _group_ranks(cz, np.abs(dz_nz), G)
    w_plus = np.bincount(cz, weights=np.where(dz_nz > 0, ranks, 0.0), minlength=G)
    total_rank = m * (m + 1) / 2
    w_minus = total_rank - w_plus
    has_zero = n_zero > 0
    w_ok = m >= 1
    want_exact = (m < EXACT_MAX_N) if exact is None else np.full(G, bool(exact))
    exact_ok = w_ok & want_exact
    exact = exact_ok & ~has_ties & ~has_zero
    # R >= 4.6: exact conditional distribution also with ties (zeros dropped first)
    tied_exact = exact_ok & ~exact if exact_ties else np.zeros(G, dtype=bool)
    big_exact = exact & (m >= EXACT_MAX_N)
    exact = exact & ~big_exact
    p_w = np.full(G, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        # normal approximation (R: correct = TRUE), tie-corrected variance
        z0 = w_plus - m * (m + 1) / 4
        sigma = np.sqrt(m * (m + 1) * (2 * m + 1) / 24 - tie_term / 48)
        half = 0.5 if correct else 0.0
        if alternative == "two-sided":
            corr = np.sign(z0) * half
            z = (z0 - corr) / sigma
            p_norm = 2 * np.minimum(_st.norm.cdf(z), _st.norm.sf(z))
        elif alternative == "greater":
            z = (z0 - half) / sigma
            p_norm = _st.norm.sf(z)
        else:
            z = (z0 + half) / sigma
            p_norm = _st.norm.cdf(z)
        rb = np.where(w_ok, (w_plus - w_minus) / total_rank, np.nan)
    # R computes V = 0 and the normal approximation also when every difference is zero
    # (two-sided p NaN = 0/0; one-sided with correction p = 1)
    approx = (n >= 1) & ~exact & ~big_exact & ~tied_exact
    p_w[approx] = p_norm[approx]
    if big_exact.any() or tied_exact.any():
        order = np.argsort(cz, kind="stable")
        bounds = np.searchsorted(cz[order], np.arange(G + 1))
        for g in np.flatnonzero(big_exact):
            mm, vv = int(m[g]), float(np.rint(w_plus[g]))
            lo, hi = psignrank_lower(vv, mm), psignrank_upper(vv - 1, mm)
            p_w[g] = {"two-sided": min(1.0, 2 * (hi if vv > mm * (mm + 1) / 4 else lo)),
                      "greater": hi, "less": lo}[alternative]
        for g in np.flatnonzero(tied_exact):
            p_w[g] = signrank_exact_ties_p(dz_nz[order[bounds[g]:bounds[g + 1]]], alternative)
    if exact.any():
        lower, upper = _signrank_tables()
        gi = np.flatnonzero(exact)
        mm = m[gi].astype(np.int64)
        vv = np.rint(w_plus[gi]).astype(np.int64)
        p_lo = lower[mm, vv]          # P(V <= v)  = psignrank(v, n)
        p_hi = upper[mm, vv]          # P(V >= v)  = psignrank(v - 1, n, lower.tail = FALSE)
        if alternative == "two-sided":
            p = np.where(vv > mm * (mm + 1) / 4, p_hi, p_lo)
            p = np.minimum(2 * p, 1.0)
        elif alternative == "greater":
            p = p_hi
        else:
            p = p_lo
        p_w[gi] = p
    normal = METHOD_NORMAL if correct else METHOD_NORMAL_UNCORRECTED
    method = np.where(exact | big_exact, METHOD_EXACT,
                      np.where(tied_exact, METHOD_EXACT_TIES, np.where(approx, normal, "")))
    w = np.where(n >= 1, w_plus, np.nan)

    n_int = n.astype(np.int64)
    reasons = np.full(G, "", dtype=object)

    def add(mask, text):
        for i in np.flatnonzero(mask):
            reasons[i] = text if not reasons[i] else f"{reasons[i]}; {text}"

    add(n_int == 0, "no complete pairs")
    add(n_int == 1, "only one pair: t-test needs at least two")
    add((n_int >= 2) & (n_zero == n_int), "all differences are zero: t and Wilcoxon undefined")
    add(constant & (n_zero < n_int), "all differences are equal (sd_diff = 0): t undefined")

    improved, worse = (n_pos, n_neg) if higher_is_better else (n_neg, n_pos)
    out = pd.DataFrame({
        "n_pairs": n_int,
        "n_dropped": n_dropped.astype(np.int64),
        "mean_before": mean_b,
        "mean_after": mean_a,
        "mean_diff": mean_d,
        "median_diff": median_d,
        "sd_diff": sd,
        "se_diff": se,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "t": t,
        "df": dfv,
        "p_t": p_t,
        "w": w,
        "p_wilcoxon": p_w,
        "wilcoxon_method": pd.array(method, dtype="string"),
        "n_nonzero": m.astype(np.int64),
        "cohen_dz": dz,
        "rank_biserial": rb,
        "n_improved": improved.astype(np.int64),
        "n_same": n_zero.astype(np.int64),
        "n_worse": worse.astype(np.int64),
        "reason": pd.array(reasons.astype(str), dtype="string"),
    })
    return out


def paired_frame(data: pd.DataFrame, *, before: str, after: str, by=None,
                 alternative: str = "two-sided", conf_level: float = 0.95,
                 higher_is_better: bool = True, bootstrap: int | None = None,
                 seed=None) -> pd.DataFrame:
    """:func:`paired_test` for every group of a wide table, vectorised.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (person, household) with the two measurements side by side.
    before, after : str
        Columns with the earlier and the later measurement.
    by : str or list of str, optional
        Group columns; one output row per group (groups in sorted order, rows
        with a missing group value dropped). ``None``: one row for everything.
    alternative, conf_level, higher_is_better, bootstrap, seed
        As in :func:`paired_test`.

    Returns
    -------
    pandas.DataFrame
        The group columns followed by every :func:`paired_test` field
        (:data:`PAIRED_FIELDS`, plus the bootstrap fields when requested).

    Notes
    -----
    Complexity: O(N log N) for N rows (one ``lexsort`` for the within-group
    ranks of the Wilcoxon test); every other statistic is a ``bincount``
    pass. There is no Python loop over groups except for the optional
    bootstrap (one :func:`scipy.stats.bootstrap` call per group).

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"village_id": ["V1"] * 3 + ["V2"] * 3,
    ...                      "pre": [40, 42, 45, 50, 51, 49], "post": [44, 47, 46, 50, 55, 52]})
    >>> paired_frame(wide, before="pre", after="post", by="village_id")[["village_id", "n_pairs", "mean_diff"]]
      village_id  n_pairs  mean_diff
    0         V1        3   3.333333
    1         V2        3   2.333333
    """
    _check_alternative(alternative)
    conf_level = _check_conf_level(conf_level)
    keys = _as_list(by, "by")
    require_columns(data, {"before": before, "after": after, "by": keys}, what="data")
    b = _as_float(data[before], f"column {before!r}")
    a = _as_float(data[after], f"column {after!r}")
    if keys:
        codes, uniques = pd.MultiIndex.from_frame(data[keys]).factorize(sort=True) \
            if len(keys) > 1 else pd.factorize(data[keys[0]], sort=True)
        codes = np.asarray(codes)
        keep = codes >= 0
        b, a, codes = b[keep], a[keep], codes[keep]
        n_groups = len(uniques)
        if len(keys) > 1:
            groups = pd.DataFrame(list(uniques), columns=keys) if n_groups else \
                data[keys].iloc[:0].reset_index(drop=True)
            for k in keys:  # keep the caller's dtypes
                groups[k] = groups[k].astype(data[k].dtype)
        else:
            groups = pd.DataFrame({keys[0]: pd.Series(uniques, dtype=data[keys[0]].dtype)})
    else:
        codes = np.zeros(len(b), dtype=np.int64)
        n_groups = 1
        groups = pd.DataFrame(index=range(1))
    res = _paired_core(b, a, codes, n_groups, alternative=alternative, conf_level=conf_level,
                       higher_is_better=higher_is_better)
    if bootstrap is not None:
        boot = [_bootstrap_arrays(b[codes == g], a[codes == g], n_resamples=bootstrap, seed=seed,
                                  conf_level=conf_level) for g in range(n_groups)]
        res = pd.concat([res, pd.DataFrame(boot, columns=list(_BOOT_FIELDS))], axis=1)
    return pd.concat([groups.reset_index(drop=True), res], axis=1)


def _as_list(value, name: str) -> list[str]:
    return column_list(value, name)


# --------------------------------------------------------------------------- public: paired_test
def paired_test(before, after, *, conf_int: bool = False, exact: bool | None = None,
                correct: bool = True, exact_ties: bool = False,
                alternative: str = "two-sided", conf_level: float = 0.95,
                higher_is_better: bool = True, bootstrap: int | None = None,
                seed=None) -> pd.Series:
    """Paired t-test and Wilcoxon signed-rank test of ``after - before``, as R does them.

    Parameters
    ----------
    before, after : array-like of numbers
        Aligned measurements (position ``i`` of both is one unit). Missing
        values (``None``/``NaN``/``pd.NA``) are allowed: a pair with a missing
        side is dropped and counted in ``n_dropped``.
    conf_int : bool
        Add the Hodges–Lehmann estimate of the location of ``after - before``
        and its interval (R ``wilcox.test(after, before, paired = TRUE,
        conf.int = TRUE)``): fields ``hl_estimate``, ``hl_ci_low``,
        ``hl_ci_high``, ``hl_conf_level`` (the level achieved; R lowers it
        when the requested one cannot be reached) and ``hl_method``.
    exact : bool, optional
        R's ``exact``: ``None`` (default) uses the exact signed-rank
        distribution when there are fewer than 50 non-zero differences,
        ``True`` always, ``False`` never. Ties or zero differences rule the
        exact distribution out (R < 4.6) unless ``exact_ties=True``.
    correct : bool
        R's ``correct``: continuity correction of the normal approximation
        (p-value and interval bounds).
    exact_ties : bool
        ``False`` (default) follows R 4.2–4.5: with ties or zero differences
        the p-value comes from the normal approximation. ``True`` follows
        R ≥ 4.6.0, which computes an exact p-value also with ties (the
        conditional distribution of ``V`` given the mid-ranks, zeros dropped;
        the same as ``coin::wilcoxsign_test(..., zero.method = "Wilcoxon",
        distribution = "exact")``); ``wilcoxon_method`` then says
        ``"exact (conditional on ties)"``. The Hodges–Lehmann interval stays
        the normal-approximation one in that case.
    alternative : {"two-sided", "greater", "less"}
        Alternative hypothesis about the mean (t) or location (Wilcoxon) of
        ``after - before``; "greater" means the scores rose.
    conf_level : float
        Confidence level of the t interval (and of the bootstrap and
        Hodges–Lehmann intervals).
    higher_is_better : bool
        Direction for ``n_improved`` / ``n_worse``: with ``True`` (scores,
        income) a rise is an improvement; use ``False`` for debt.
    bootstrap : int, optional
        Number of bootstrap resamples; adds the :func:`bootstrap_change` fields.
    seed : int or numpy.random.SeedSequence, optional
        Seed for the bootstrap (same seed, same interval).

    Returns
    -------
    pandas.Series
        ``n_pairs`` complete pairs; ``n_dropped`` pairs with a missing side;
        ``mean_before``, ``mean_after`` over complete pairs; ``mean_diff``,
        ``median_diff``, ``sd_diff``, ``se_diff`` of ``d = after - before``;
        ``ci_low``, ``ci_high`` the t interval of the mean difference (one-sided
        alternatives give an infinite bound, as R does); ``t``, ``df``, ``p_t``
        the paired t-test; ``w`` the signed-rank statistic (sum of ranks of
        the positive differences, R's ``V``), ``p_wilcoxon`` and
        ``wilcoxon_method`` (``"exact"`` or ``"normal approximation (tie and
        continuity corrected)"``); ``n_nonzero`` differences used by the
        Wilcoxon test; ``cohen_dz = mean_diff / sd_diff``; ``rank_biserial =
        (W+ - W-) / (W+ + W-)``; ``n_improved``, ``n_same``, ``n_worse``;
        ``reason`` (empty string, or why some fields are ``NaN``). With
        ``bootstrap``: ``mean_ci_low, mean_ci_high, median_ci_low,
        median_ci_high, n_resamples, seed``. With ``conf_int``:
        ``hl_estimate, hl_ci_low, hl_ci_high, hl_conf_level, hl_method``.

    Notes
    -----
    With ``n`` complete pairs, ``d̄`` and ``s`` the mean and standard deviation
    of the differences: ``t = d̄ / (s / √n)`` on ``n - 1`` degrees of freedom, CI
    ``d̄ ± t(1 - α/2, n - 1) · s / √n`` (R ``t.test(after, before, paired =
    TRUE)``). When the differences are (essentially) constant, R stops with
    "data are essentially constant"; here ``t``, ``p_t``, the CI and
    ``cohen_dz`` are ``NaN`` and ``reason`` says why.

    Wilcoxon (R ``wilcox.test(after, before, paired = TRUE)``): zero
    differences are dropped, ``|d|`` ranked with average ranks for ties,
    ``V = Σ ranks of d > 0`` over the ``m`` non-zero differences. If
    ``m < 50`` and there are no ties and no zeros, the p-value comes from the
    exact distribution of ``V`` (R's ``psignrank``); otherwise
    ``z = (V - m(m+1)/4 - c) / √(m(m+1)(2m+1)/24 - Σ(t³ - t)/48)`` with the
    continuity correction ``c = 0.5 · sign(V - m(m+1)/4)`` (two-sided) and
    ``t`` the sizes of tie groups. All differences zero: ``w = 0`` and
    ``p_wilcoxon`` as R computes it (``NaN`` two-sided, 1 one-sided).

    Hodges–Lehmann (``conf_int=True``): on the exact path the estimate is the
    median of the Walsh averages ``(d_i + d_j)/2, i <= j`` of the non-zero
    differences and the interval runs from the ``q``-th smallest to the
    ``q``-th largest Walsh average, ``q = qsignrank(α/2, m)``; otherwise the
    estimate is the ``μ`` where the standardised statistic of ``d - μ``
    (without continuity correction) crosses 0 and the bounds where it
    crosses ``±z(1-α/2)`` (with the correction when ``correct``), found with
    a port of R's ``uniroot`` (tolerance ``1e-4``, R's ``tol.root``) so the
    values equal R's to machine precision.

    Examples
    --------
    R's ``?wilcox.test`` example (Hollander & Wolfe, depression scale):

    >>> x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    >>> y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    >>> res = paired_test(y, x)          # after = x, before = y
    >>> float(res["w"]), round(float(res["p_wilcoxon"]), 5), res["wilcoxon_method"]
    (40.0, 0.03906, 'exact')
    >>> hl = paired_test(y, x, conf_int=True)   # R: (pseudo)median 0.46, CI 0.010 to 0.786
    >>> round(hl["hl_estimate"], 3), round(hl["hl_ci_low"], 3), round(hl["hl_ci_high"], 3)
    (0.46, 0.01, 0.786)
    >>> paired_test([1, 2], [None, 3])[["n_pairs", "n_dropped", "reason"]].tolist()
    [1, 1, 'only one pair: t-test needs at least two']
    """
    _check_alternative(alternative)
    conf_level = _check_conf_level(conf_level)
    b = _as_float(before, "before")
    a = _as_float(after, "after")
    if len(b) != len(a):
        raise ArgumentError(f"before and after must have the same length (they are paired); "
                            f"got {len(b)} and {len(a)}")
    _check_flag(conf_int, "conf_int")
    _check_flag(correct, "correct")
    _check_flag(exact_ties, "exact_ties")
    if exact is not None:
        _check_flag(exact, "exact")
    res = _paired_core(b, a, np.zeros(len(b), dtype=np.int64), 1, alternative=alternative,
                       conf_level=conf_level, higher_is_better=higher_is_better,
                       exact=exact, correct=correct, exact_ties=exact_ties)
    out = res.iloc[0].astype(object)
    for f in _INT_FIELDS:
        out[f] = int(out[f])
    for f in ("wilcoxon_method", "reason"):
        out[f] = str(out[f])
    if bootstrap is not None:
        boot = bootstrap_change(b, a, n_resamples=bootstrap, seed=seed, conf_level=conf_level)
        out = pd.concat([out, boot.astype(object)])
    if conf_int:
        hl = hodges_lehmann(a - b, alternative=alternative, conf_level=conf_level,
                            exact=exact, correct=correct)
        out = pd.concat([out, pd.Series({k: hl[k] for k in HL_FIELDS}, dtype=object)])
        if hl["hl_reason"]:
            out["reason"] = "; ".join(r for r in (out["reason"], hl["hl_reason"]) if r)
    out.name = None
    return out


def _check_flag(value, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentError(f"{name} must be True or False, got {value!r}")


# --------------------------------------------------------------------------- McNemar
def _as_flags(values, name: str) -> np.ndarray:
    """Booleans with missing values as NaN (float array of 0/1/NaN)."""
    if isinstance(values, (pd.Series, pd.Index)):
        if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
            arr = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = _objects_to_flags(values.to_numpy(dtype=object), name)
    else:
        arr = _objects_to_flags(np.asarray(values, dtype=object).ravel(), name)
    bad = ~np.isnan(arr) & (arr != 0) & (arr != 1)
    if bad.any():
        raise ArgumentError(f"{name} must hold True/False (or 1/0, missing allowed); "
                            f"found {sorted(set(arr[bad].tolist()))[:5]}")
    return arr


def _objects_to_flags(values: np.ndarray, name: str) -> np.ndarray:
    out = np.empty(len(values))
    for i, v in enumerate(values):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out[i] = np.nan
        elif isinstance(v, (bool, np.bool_, int, np.integer, float, np.floating)):
            out[i] = float(v)
        else:
            raise ArgumentError(f"{name} must hold True/False (or 1/0, missing allowed); found {v!r}")
    return out


METHOD_MCNEMAR = "McNemar chi-squared"
METHOD_MCNEMAR_CC = "McNemar chi-squared with continuity correction"
METHOD_MCNEMAR_EXACT = "exact binomial"


def _mcnemar_arrays(b: np.ndarray, c: np.ndarray, *, exact: bool, correction: bool):
    """Vectorised McNemar statistic, p-value and method (one per pair) for discordant counts.

    As R's ``mcnemar.test``: the continuity correction applies only when
    ``b != c`` (with ``b == c > 0``: ``X² = 0``, ``p = 1``, method without
    correction); ``b + c = 0`` gives ``NaN`` (R: ``0/0``). Exact: R's
    ``binom.test(b, b + c)`` (statistic ``b``, the number of "yes before, no
    after" pairs).
    """
    b = np.asarray(b, dtype=float)
    c = np.asarray(c, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if exact:
            stat = b.copy()
            p = np.minimum(1.0, 2 * _st.binom.cdf(np.minimum(b, c), b + c, 0.5))
            method = np.full(len(b), METHOD_MCNEMAR_EXACT, dtype=object)
        else:
            corrected = correction & (b != c)
            stat = (np.abs(b - c) - np.where(corrected, 1.0, 0.0)) ** 2 / (b + c)
            p = _st.chi2.sf(stat, 1)
            method = np.where(corrected, METHOD_MCNEMAR_CC, METHOD_MCNEMAR).astype(object)
    none = (b + c) == 0
    stat = np.where(none, np.nan, stat)
    p = np.where(none, np.nan, p)
    return stat, p, method


def mcnemar_test(before_flag, after_flag, *, exact: bool = False,
                 correction: bool = True) -> pd.Series:
    """McNemar's test for a paired yes/no outcome (e.g. "in the top band").

    Parameters
    ----------
    before_flag, after_flag : array-like of bool
        Aligned flags (``True``/``False`` or 1/0); a pair with a missing side is
        dropped.
    exact : bool
        ``False`` (default, R's ``mcnemar.test``): chi-squared on 1 df.
        ``True``: exact two-sided binomial test of ``b`` in ``b + c`` trials
        with probability 1/2 (better when ``b + c`` is small, say < 25).
    correction : bool
        Continuity correction of the chi-squared version (R ``correct = TRUE``);
        as in R it is applied only when ``b != c``.

    Returns
    -------
    pandas.Series
        ``n_pairs``; ``n_yes_before``, ``n_yes_after``; ``b`` (yes before, no
        after), ``c`` (no before, yes after); ``statistic`` (chi-squared, or
        for the exact test ``b``, the number of successes as R's
        ``binom.test(b, b + c)`` reports it); ``p_value``; ``method``
        (``"McNemar chi-squared with continuity correction"``, ``"McNemar
        chi-squared"`` when uncorrected or when ``b == c``, or ``"exact
        binomial"``); ``reason`` (empty, or why the statistic is ``NaN``: no
        discordant pairs).

    Notes
    -----
    ``X² = (|b - c| - 1)² / (b + c)`` with correction, ``(b - c)² / (b + c)``
    without, referred to chi-squared(1), exactly as R's ``mcnemar.test``:
    R applies the correction only when ``b != c``, so ``b == c`` gives
    ``X² = 0`` and ``p = 1`` (``statsmodels``' ``mcnemar`` subtracts 1 even
    then and differs). Exact: ``p = min(1, 2 · P(Binomial(b + c, 1/2) ≤
    min(b, c)))``, R's ``binom.test(b, b + c)``; the statistic is ``b``.

    Examples
    --------
    >>> res = mcnemar_test([True, True, False, False, True], [True, False, True, True, True])
    >>> int(res["b"]), int(res["c"]), res["method"]
    (1, 2, 'McNemar chi-squared with continuity correction')
    """
    x = _as_flags(before_flag, "before_flag")
    y = _as_flags(after_flag, "after_flag")
    if len(x) != len(y):
        raise ArgumentError(f"before_flag and after_flag must have the same length (they are "
                            f"paired); got {len(x)} and {len(y)}")
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    b = int(((x == 1) & (y == 0)).sum())
    c = int(((x == 0) & (y == 1)).sum())
    stat, p, method = _mcnemar_arrays(np.array([b]), np.array([c]), exact=exact,
                                      correction=correction)
    return pd.Series({
        "n_pairs": int(ok.sum()), "n_yes_before": int((x == 1).sum()),
        "n_yes_after": int((y == 1).sum()), "b": b, "c": c, "statistic": float(stat[0]),
        "p_value": float(p[0]), "method": str(method[0]),
        "reason": "" if b + c else "no discordant pairs: test undefined",
    }, dtype=object)


# --------------------------------------------------------------------------- bootstrap
def _bootstrap_arrays(b: np.ndarray, a: np.ndarray, *, n_resamples: int, seed, conf_level: float):
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) \
            or n_resamples < 1:
        raise ArgumentError(f"n_resamples (bootstrap) must be a positive whole number, got {n_resamples!r}")
    ok = ~(np.isnan(b) | np.isnan(a))
    d = a[ok] - b[ok]
    seed_out = seed if seed is None or isinstance(seed, (int, np.integer)) else str(seed)
    if len(d) < 2:
        return [np.nan, np.nan, np.nan, np.nan, int(n_resamples), seed_out]
    out = []
    for stat in (np.mean, np.median):
        rng = np.random.default_rng(seed)
        res = _st.bootstrap((d,), stat, n_resamples=int(n_resamples), method="percentile",
                            confidence_level=conf_level, vectorized=True, axis=-1, rng=rng)
        out += [float(res.confidence_interval.low), float(res.confidence_interval.high)]
    return out + [int(n_resamples), seed_out]


def bootstrap_change(before, after, *, n_resamples: int = 2000, seed=None,
                     conf_level: float = 0.95) -> pd.Series:
    """Percentile bootstrap intervals for the mean and median of ``after - before``.

    Parameters
    ----------
    before, after : array-like of numbers
        Aligned measurements; pairs with a missing side are dropped.
    n_resamples : int
        Number of resamples of the pairs.
    seed : int or numpy.random.SeedSequence, optional
        Seed of the :class:`numpy.random.Generator`; the same seed gives the
        same intervals. ``None`` draws fresh entropy (not reproducible).
    conf_level : float
        Confidence level.

    Returns
    -------
    pandas.Series
        ``mean_ci_low, mean_ci_high, median_ci_low, median_ci_high,
        n_resamples, seed``. Intervals are ``NaN`` with fewer than two pairs.

    Notes
    -----
    Pairs are resampled with replacement (the statistic depends on the pair
    only through its difference, so resampling differences is the same);
    the interval is the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the
    resampled statistic (:func:`scipy.stats.bootstrap`, ``method="percentile"``).
    The mean and median each use a fresh generator from ``seed``.

    Examples
    --------
    >>> res = bootstrap_change([40, 42, 45, 39, 50], [44, 47, 46, 41, 52], seed=1)
    >>> bool(res["mean_ci_low"] <= 2.8 <= res["mean_ci_high"])
    True
    """
    conf_level = _check_conf_level(conf_level)
    b = _as_float(before, "before")
    a = _as_float(after, "after")
    if len(b) != len(a):
        raise ArgumentError(f"before and after must have the same length (they are paired); "
                            f"got {len(b)} and {len(a)}")
    vals = _bootstrap_arrays(b, a, n_resamples=n_resamples, seed=seed, conf_level=conf_level)
    return pd.Series(dict(zip(_BOOT_FIELDS, vals)), dtype=object)
