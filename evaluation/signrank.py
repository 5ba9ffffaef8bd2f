"""The signed-rank distribution, the Hodges–Lehmann estimate and its interval, as R computes them.

Used by :func:`evaluation.paired_test` (``conf_int=True``) and
:func:`evaluation.pairwise_paired`. Everything here reproduces R 4.2's
``wilcox.test(x, y, paired = TRUE, conf.int = TRUE)`` step by step:

* the exact path (no ties, no zero differences, ``exact``): the estimate is
  the median of the Walsh averages ``(d_i + d_j) / 2, i <= j`` and the
  interval is read off the sorted Walsh averages at R's ``qsignrank``
  quantiles;
* the normal-approximation path: the estimate and the bounds are roots of
  the standardised signed-rank statistic of ``d - mu``, found by a port of
  R's ``uniroot`` (Brent's ``zeroin``, tolerance ``1e-4``) so that the
  numbers agree with R's to machine precision rather than to ``1e-4``.

It also holds the exact conditional distribution of the signed-rank
statistic given tied mid-ranks, which R gained in 4.6.0 (see
``exact_ties`` of :func:`evaluation.paired_test`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats as _st

__all__ = ["hodges_lehmann", "psignrank_lower", "psignrank_upper", "qsignrank",
           "signrank_exact_ties_p"]

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- exact law of V
@lru_cache(maxsize=64)
def _signrank_counts(n: int) -> tuple[float, ...]:
    """Number of subsets of {1..n} with sum k, k = 0..n(n+1)/2 (R's ``csignrank``), as floats."""
    top = n * (n + 1) // 2
    c = np.zeros(top + 1)
    c[0] = 1.0
    for i in range(1, n + 1):
        c[i:] = c[i:] + c[:-i].copy()
    return tuple(c.tolist())


def _psignrank(x: float, n: int, lower_tail: bool = True) -> float:
    """R's ``psignrank(x, n, lower.tail)``, with R's order of floating-point operations."""
    x = float(np.rint(x + 1e-7))
    top = n * (n + 1) / 2
    if x < 0:
        return 0.0 if lower_tail else 1.0
    if x >= top:
        return 1.0 if lower_tail else 0.0
    c = _signrank_counts(int(n))
    f = float(np.exp(-n * np.log(2.0)))
    p = 0.0
    if x <= top / 2:
        for i in range(int(x) + 1):
            p += c[i] * f
    else:
        x = top - x
        for i in range(int(x)):
            p += c[i] * f
        lower_tail = not lower_tail
    return p if lower_tail else (0.5 - p + 0.5)


def psignrank_lower(q: float, n: int) -> float:
    """P(V <= q) (R ``psignrank(q, n)``)."""
    return _psignrank(q, n, True)


def psignrank_upper(q: float, n: int) -> float:
    """P(V > q) (R ``psignrank(q, n, lower.tail = FALSE)``)."""
    return _psignrank(q, n, False)


def qsignrank(x: float, n: int) -> int:
    """R's ``qsignrank(x, n)``: the smallest q with P(V <= q) >= x (R's fuzz included)."""
    c = _signrank_counts(int(n))
    f = float(np.exp(-n * np.log(2.0)))
    total = 0.0
    q = 0
    if x <= 0.5:
        x = x - 10 * _EPS
        while True:
            total += c[q] * f
            if total >= x:
                return q
            q += 1
    x = 1 - x + 10 * _EPS
    while True:
        total += c[q] * f
        if total > x:
            return int(n * (n + 1) // 2 - q)
        q += 1


def _signif2(x: float) -> float:
    """R's ``signif(x, 2)`` for the achieved level (the exact binary value, ties to even)."""
    from decimal import ROUND_HALF_EVEN, Decimal
    dec = Decimal(x)
    exp = dec.adjusted() - 1
    return float(dec.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_EVEN))


# --------------------------------------------------------------------------- R 4.6: exact with ties
def signrank_exact_ties_p(d: np.ndarray, alternative: str) -> float:
    """Exact conditional p-value of V given the mid-ranks of the non-zero ``|d|``.

    Zero differences are dropped first (as R does). Every sign pattern of the
    non-zero differences is equally likely under the null; with mid-ranks
    ``r_i`` the statistic ``2V = Σ 2 r_i [d_i > 0]`` is an integer, so its law is
    a convolution over integers (R ≥ 4.6 ``wilcox.test(..., exact = TRUE)``
    with ties; also ``coin::wilcoxsign_test(..., zero.method = "Wilcoxon",
    distribution = "exact")``).
    """
    d = np.asarray(d, dtype=float)
    d = d[d != 0]
    if len(d) == 0:
        return float("nan")
    r = _st.rankdata(np.abs(d))
    s = np.rint(2 * r).astype(np.int64)
    v2 = int(s[d > 0].sum())
    top = int(s.sum())
    p = np.zeros(top + 1)
    p[0] = 1.0
    for si in s:
        shifted = np.zeros_like(p)
        shifted[si:] = p[:-si] if si else p
        p = 0.5 * (p + shifted) if si else p
    lower = float(p[: v2 + 1].sum())
    upper = float(p[v2:].sum())
    if alternative == "greater":
        return min(1.0, upper)
    if alternative == "less":
        return min(1.0, lower)
    return min(1.0, 2 * min(lower, upper))


# --------------------------------------------------------------------------- R's qnorm
def qnorm(p: float, lower_tail: bool = True) -> float:
    """R's ``qnorm(p, lower.tail = lower_tail)`` (Wichura's AS 241, as R's ``qnorm5``).

    The interval bounds are roots of ``W(d) - qnorm(...)``; a last-bit difference
    in the quantile changes Brent's first secant step, so R's own algorithm is
    used rather than :func:`scipy.special.ndtri`.
    """
    if np.isnan(p) or p < 0 or p > 1:
        return float("nan")
    if p == 0:
        return -np.inf if lower_tail else np.inf
    if p == 1:
        return np.inf if lower_tail else -np.inf
    p_ = p if lower_tail else (0.5 - p + 0.5)
    q = p_ - 0.5
    if abs(q) <= 0.425:
        r = .180625 - q * q
        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r
                         + 67265.770927008700853) * r + 45921.953931549871457) * r
                       + 13731.693765509461125) * r + 1971.5909503065514427) * r
                     + 133.14166789178437745) * r + 3.387132872796366608) \
            / (((((((r * 5226.495278852545925 + 28729.085735721942674) * r
                    + 39307.89580009271061) * r + 21213.794301586595867) * r
                  + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1.)
    if q > 0:
        r = (0.5 - p + 0.5) if lower_tail else p
    else:
        r = p_
    r = np.sqrt(-np.log(r))
    if r <= 5.:
        r += -1.6
        val = (((((((r * 7.7454501427834140764e-4 + .0227238449892691845833) * r
                    + .24178072517745061177) * r + 1.27045825245236838258) * r
                  + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734) \
            / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
                    + .0151986665636164571966) * r + .14810397642748007459) * r
                  + .68976733498510000455) * r + 1.6763848301838038494) * r
                + 2.05319162663775882187) * r + 1.)
    else:
        r += -5.
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
                    + .0012426609473880784386) * r + .026532189526576123093) * r
                  + .29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772) \
            / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
                    + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r
                  + .0148753612908506148525) * r + .13692988092273580531) * r
                + .59983220655588793769) * r + 1.)
    return float(-val if q < 0 else val)


# --------------------------------------------------------------------------- R's zeroin
def _zeroin(f, ax: float, bx: float, fa: float, fb: float, tol: float, maxit: int = 1000) -> float:
    """Port of R's ``R_zeroin2`` (src/library/stats/src/zeroin.c), as ``uniroot`` calls it."""
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    it = maxit + 1
    while it:
        it -= 1
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _w_standardised(x: np.ndarray, d: float, correct: bool, alternative: str) -> float:
    """R's ``W(d)`` inside ``wilcox.test``: standardised V of ``x - d``."""
    xd = x - d
    xd = xd[xd != 0]
    nx = len(xd)
    dr = _st.rankdata(np.abs(xd))
    zd = dr[xd > 0].sum() - nx * (nx + 1) / 4
    _, counts = np.unique(dr, return_counts=True)
    counts = counts.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(nx * (nx + 1) * (2 * nx + 1) / 24 - (counts ** 3 - counts).sum() / 48)
        if correct:
            corr = {"two-sided": np.sign(zd) * 0.5, "greater": 0.5, "less": -0.5}[alternative]
        else:
            corr = 0.0
        return float(np.float64(zd - corr) / np.float64(sigma))


def hodges_lehmann(d, *, alternative: str = "two-sided", conf_level: float = 0.95,
                   exact: bool | None = None, correct: bool = True,
                   tol_root: float = 1e-4) -> dict:
    """Hodges–Lehmann estimate (pseudo-median) of ``d`` and its interval, as R's ``wilcox.test``.

    Parameters
    ----------
    d : array-like of float
        Paired differences ``after - before``; missing values are dropped, then
        zero differences (R drops both before anything else).
    alternative, conf_level, exact, correct
        As in R's ``wilcox.test`` (``exact=None``: exact when fewer than 50
        non-zero differences).
    tol_root : float
        R's ``tol.root`` (tolerance of ``uniroot``), default ``1e-4``.

    Returns
    -------
    dict
        ``hl_estimate``, ``hl_ci_low``, ``hl_ci_high``, ``hl_conf_level`` (the
        level actually achieved: R lowers it, with a warning, when the
        requested one is not achievable), ``hl_method`` (``"exact"`` or
        ``"normal approximation"``) and ``hl_reason`` (empty, or why the
        values are ``NaN``).

    Examples
    --------
    R: ``wilcox.test(x, y, paired = TRUE, conf.int = TRUE)`` on ``?wilcox.test``'s
    depression data gives (pseudo)median 0.46, interval 0.010 to 0.786:

    >>> x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    >>> y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    >>> res = hodges_lehmann([a - b for a, b in zip(x, y)])
    >>> round(res["hl_estimate"], 3), round(res["hl_ci_low"], 3), round(res["hl_ci_high"], 3)
    (0.46, 0.01, 0.786)
    """
    x = np.asarray(d, dtype=float)
    x = x[~np.isnan(x)]
    zeroes = bool((x == 0).any())
    x = x[x != 0]
    n = len(x)
    out = {"hl_estimate": np.nan, "hl_ci_low": np.nan, "hl_ci_high": np.nan,
           "hl_conf_level": np.nan, "hl_method": "", "hl_reason": ""}
    if n == 0:
        # R: estimate NaN, interval (NaN or -Inf, NaN or +Inf), conf.level 0
        out.update(hl_conf_level=0.0, hl_method="normal approximation",
                   hl_ci_low=-np.inf if alternative == "less" else np.nan,
                   hl_ci_high=np.inf if alternative == "greater" else np.nan,
                   hl_reason="no non-zero differences: no Hodges–Lehmann estimate")
        return out
    if exact is None:
        exact = n < 50
    r = _st.rankdata(np.abs(x))
    ties = len(np.unique(r)) != len(r)
    alpha = 1 - conf_level
    if exact and not ties and not zeroes:
        walsh = np.add.outer(x, x)[np.triu_indices(n)]
        walsh = np.sort(walsh) / 2
        top = n * (n + 1) // 2
        if alternative == "two-sided":
            qu = qsignrank(alpha / 2, n) or 1
            ql = top - qu
            achieved = 2 * psignrank_lower(qu - 1, n)
            low, high = walsh[qu - 1], walsh[ql]
        elif alternative == "greater":
            qu = qsignrank(alpha, n) or 1
            achieved = psignrank_lower(qu - 1, n)
            low, high = walsh[qu - 1], np.inf
        else:
            qu = qsignrank(alpha, n) or 1
            ql = top - qu
            achieved = psignrank_lower(qu - 1, n)
            low, high = -np.inf, walsh[ql]
        level = conf_level
        if achieved - alpha > alpha / 2:
            level = 1 - _signif2(achieved)
        out.update(hl_estimate=float(np.median(walsh)), hl_ci_low=float(low),
                   hl_ci_high=float(high), hl_conf_level=level, hl_method="exact")
        return out

    out["hl_method"] = "normal approximation"
    mumin, mumax = float(x.min()), float(x.max())

    def w(dd, corr=correct):
        return _w_standardised(x, dd, corr, alternative)

    with np.errstate(invalid="ignore", divide="ignore"):
        w_min = w(mumin)
        w_max = w(mumax) if np.isfinite(w_min) else np.nan
    if not np.isfinite(w_max):
        out.update(hl_estimate=(mumin + mumax) / 2, hl_conf_level=0.0,
                   hl_ci_low=-np.inf if alternative == "less" else np.nan,
                   hl_ci_high=np.inf if alternative == "greater" else np.nan,
                   hl_reason="all differences tied: no interval (R gives NaN and the midrange)")
        return out

    def root(zq):
        return _zeroin(lambda dd: w(dd) - zq, mumin, mumax, w_min - zq, w_max - zq, tol_root)

    level = conf_level
    if alternative == "two-sided":
        while True:
            if w_min - qnorm(alpha / 2, False) < 0 or w_max - qnorm(alpha / 2) > 0:
                alpha *= 2
            else:
                break
        if alpha >= 1 or 1 - conf_level < alpha * 0.75:
            level = 1 - min(1.0, alpha)
        if alpha < 1:
            low, high = root(qnorm(alpha / 2, False)), root(qnorm(alpha / 2))
        else:
            low = high = float(np.median(x))
    elif alternative == "greater":
        while w_min - qnorm(alpha, False) < 0:
            alpha *= 2
        if alpha >= 1 or 1 - conf_level < alpha * 0.75:
            level = 1 - min(1.0, alpha)
        low = root(qnorm(alpha, False)) if alpha < 1 else float(np.median(x))
        high = np.inf
    else:
        while w_max - qnorm(alpha / 2) > 0:   # R uses alpha/2 here
            alpha *= 2
        if alpha >= 1 or 1 - conf_level < alpha * 0.75:
            level = 1 - min(1.0, alpha)
        low = -np.inf
        high = root(qnorm(alpha)) if alpha < 1 else float(np.median(x))
    # the estimate: root of W without continuity correction (R sets correct <- FALSE)
    est = _zeroin(lambda dd: w(dd, False), mumin, mumax, w(mumin, False), w(mumax, False),
                  tol_root)
    out.update(hl_estimate=float(est), hl_ci_low=float(low), hl_ci_high=float(high),
               hl_conf_level=float(level))
    return out
