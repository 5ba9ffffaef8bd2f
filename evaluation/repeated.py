"""Within-subject tests over three (or more) waves, multiplicity and square-table symmetry.

Every function reproduces an R reference (``tests/r/repeated.R`` writes the
reference values the tests read):

* :func:`friedman_test` — R ``friedman.test(y)`` on the subject × wave matrix;
* :func:`rm_anova` — R ``aov(y ~ w + Error(id/w))`` with the Greenhouse–Geisser
  correction (R ``anova.mlm(..., test = "Spherical")``) and generalised eta
  squared;
* :func:`pairwise_paired` — R ``pairwise.t.test(..., paired = TRUE)`` and
  ``pairwise.wilcox.test(..., paired = TRUE)`` with ``p.adjust``;
* :func:`cochran_q` — Cochran's Q for a 0/1 outcome (R
  ``coin::symmetry_test(y ~ w | id, teststat = "quadratic")``);
* :func:`symmetry_test` — Bowker (R ``mcnemar.test`` on a k × k table) and
  Stuart–Maxwell (R ``coin::mh_test``);
* :func:`p_adjust` — R ``p.adjust`` (holm, bonferroni, BH, none).

Missing data: complete cases per analysis. The omnibus tests use subjects
with a value at every wave (``n``; ``n_dropped`` subjects had a gap);
:func:`pairwise_paired` uses the subjects complete for each pair, as R does.
The cores are vectorised over groups (``by=``): no Python loop over villages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from .errors import (ArgumentError, DataValidationError, column_list, problems_frame,
                     require_columns)
from .schema import WAVES
from .signrank import hodges_lehmann
from .stats import _paired_core

__all__ = [
    "OMNIBUS_FIELDS",
    "PADJUST_METHODS",
    "cochran_q",
    "friedman_test",
    "omnibus_frame",
    "p_adjust",
    "pairwise_paired",
    "rm_anova",
    "symmetry_test",
]

#: Accepted ``padjust`` methods (R ``p.adjust`` names).
PADJUST_METHODS = ("holm", "bonferroni", "BH", "none")
_TESTS = ("t", "wilcoxon")


# --------------------------------------------------------------------------- p.adjust
def _check_padjust(method, name: str = "padjust") -> str:
    if method not in PADJUST_METHODS:
        raise ArgumentError(f"{name} must be one of {PADJUST_METHODS}, got {method!r}")
    return method


def p_adjust(p, method: str = "holm") -> np.ndarray:
    """Adjusted p-values for multiple comparisons, as R's ``p.adjust``.

    Parameters
    ----------
    p : array-like of float
        p-values; ``NaN`` stays ``NaN`` and does not count (R's default
        ``n = length(p[!is.na(p)])``).
    method : {"holm", "bonferroni", "BH", "none"}
        Holm's step-down (controls the family-wise error, never less powerful
        than Bonferroni), Bonferroni, Benjamini–Hochberg (false discovery
        rate) or none.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.

    Notes
    -----
    With ``m`` p-values sorted ascending ``p(1) <= … <= p(m)``: Bonferroni
    ``min(1, m p)``; Holm ``min(1, max_{j<=i} (m - j + 1) p(j))``; BH
    ``min(1, min_{j>=i} m p(j) / j)``.

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03], "holm").round(4).tolist()   # R: p.adjust(c(.01,.04,.03), "holm")
    [0.03, 0.06, 0.06]
    """
    _check_padjust(method, "method")
    p = np.asarray(p, dtype=float)
    out = p.copy()
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0 or method == "none":
        return out
    if method == "bonferroni":
        adj = np.minimum(1.0, m * q)
    elif method == "holm":
        o = np.argsort(q, kind="stable")
        adj_sorted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * q[o]))
        adj = np.empty(m)
        adj[o] = adj_sorted
    else:  # BH
        o = np.argsort(-q, kind="stable")
        i = np.arange(m, 0, -1)
        adj_sorted = np.minimum(1.0, np.minimum.accumulate(m / i * q[o]))
        adj = np.empty(m)
        adj[o] = adj_sorted
    out[ok] = adj
    return out


# --------------------------------------------------------------------------- group codes
def _group_codes(data: pd.DataFrame, keys: list[str]):
    """Integer group code per row (sorted groups, missing values kept as a group) and the
    frame of group key values (one row per code).

    The codes and groups of ``data.groupby(keys, sort=True, dropna=False,
    observed=True)`` (``ngroup()`` and the group keys, in the columns' own
    dtypes), from one sorted ``pandas.factorize`` per key instead of a groupby.
    """
    if not keys:
        return np.zeros(len(data), dtype=np.int64), pd.DataFrame(index=range(1))
    combined, span = None, 1
    for k in keys:
        codes, uniques = pd.factorize(data[k], sort=True, use_na_sentinel=False)
        size = max(len(uniques), 1)
        if span * size >= 2 ** 62:  # pragma: no cover - astronomically many key combinations
            return _group_codes_groupby(data, keys)
        combined = codes.astype(np.int64) if combined is None else combined * size + codes
        span *= size
    _, first, row_group = np.unique(combined, return_index=True, return_inverse=True)
    groups = pd.DataFrame({k: data[k].array.take(first) for k in keys}, index=range(len(first)))
    return row_group.astype(np.int64).reshape(-1), groups


def _group_codes_groupby(data: pd.DataFrame, keys: list[str]):
    """:func:`_group_codes` through ``groupby`` (the reference the fast path is tested against)."""
    grouped = data.groupby(keys, sort=True, dropna=False, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    groups = grouped.size().index.to_frame(index=False)
    for k in keys:
        if groups[k].dtype != data[k].dtype:
            try:
                groups[k] = groups[k].astype(data[k].dtype)
            except (TypeError, ValueError):
                pass
    return codes, groups


# --------------------------------------------------------------------------- long -> wide
@dataclass
class _Wide:
    groups: pd.DataFrame     # one row per group (the ``by`` columns)
    codes: np.ndarray        # group code per subject
    y: np.ndarray            # subjects × levels (NaN where missing)
    levels: list             # within levels in order
    subjects: pd.Series      # subject id per row of y


def _levels(series: pd.Series) -> list:
    """Within levels in order: an ordered categorical's categories, waves in wave order, else sorted."""
    if isinstance(series.dtype, pd.CategoricalDtype):   # the categories that occur, in order
        codes = series.cat.codes.to_numpy()
        seen = np.zeros(len(series.cat.categories), dtype=bool)
        seen[codes[codes >= 0]] = True
        return [c for c, s in zip(series.cat.categories, seen) if s]
    present = pd.unique(series.dropna())
    if all(isinstance(v, str) for v in present):
        known = [w for w in WAVES if w in set(present)]
        return known + sorted(v for v in present if v not in WAVES)
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)


def _plain_key(series: pd.Series) -> bool:
    """Whether groupby keeps this column's dtype for its group keys (strings, categories,
    numbers, booleans, dates), so that :func:`_group_codes` gives the same key frame."""
    dt = series.dtype
    return (isinstance(dt, (pd.StringDtype, pd.CategoricalDtype))
            or (isinstance(dt, np.dtype) and dt.kind in "biufM"))


def _to_wide(data, *, dv: str, within: str, subject: str, by=None, binary: bool = False) -> _Wide:
    if not isinstance(data, pd.DataFrame):
        raise ArgumentError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    keys = column_list(by, "by")
    for name, col in (("dv", dv), ("within", within), ("subject", subject)):
        if not isinstance(col, str):
            raise ArgumentError(f"{name} must be a column name, got {col!r}")
    require_columns(data, {"dv": dv, "within": within, "subject": subject, "by": keys},
                    what="data")
    values = data[dv]
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype("Float64")
    if not (pd.api.types.is_numeric_dtype(values.dtype) or values.isna().all()):
        raise ArgumentError(f"dv column {dv!r} must be numeric, got dtype {values.dtype}")
    vals = values.to_numpy(dtype=float, na_value=np.nan)
    if binary:
        bad = ~np.isnan(vals) & (vals != 0) & (vals != 1)
        if bad.any():
            raise ArgumentError(f"dv column {dv!r} must hold 0/1 (or True/False) for Cochran's Q; "
                                f"found {sorted(set(vals[bad].tolist()))[:5]}")
    keep = data[within].notna().to_numpy()
    levels = _levels(data[within])
    frame = data[[*keys, subject, within]]
    if not keep.all():
        frame = frame[keep]
        vals = vals[keep]
    wcode = pd.Categorical(frame[within], categories=levels).codes.astype(np.int64)
    if all(_plain_key(frame[c]) for c in [*keys, subject]):
        unit, units = _group_codes(frame, [*keys, subject])
    else:   # e.g. an object column: the groupby keys take the dtype pandas infers for them
        grouped = frame.groupby([*keys, subject], sort=True, dropna=False, observed=True)
        unit = grouped.ngroup().to_numpy(dtype=np.int64)
        units = grouped.size().index.to_frame(index=False)
    k = len(levels)
    key = unit * max(k, 1) + wcode
    counts = np.bincount(key, minlength=1) if len(key) else np.zeros(0, dtype=np.int64)
    dup = counts[key] > 1 if len(key) else np.zeros(0, dtype=bool)
    if dup.any():
        rows = frame.loc[dup, [subject, within]].drop_duplicates().head(50)
        raise DataValidationError(problems_frame([
            {"file": "", "sheet": "", "row": pd.NA, "column": subject, "value": str(r[subject]),
             "problem": f"more than one {dv} value for this subject at {within} = {r[within]}",
             "severity": "error"} for _, r in rows.iterrows()]),
            f"{int(dup.sum())} rows give a subject two values at the same {within}; "
            f"expected one row per subject × {within}")
    y = np.full((len(units), k), np.nan)
    y[unit, wcode] = vals
    if keys:
        codes, groups = _group_codes(units, keys)
    else:
        codes = np.zeros(len(units), dtype=np.int64)
        groups = pd.DataFrame(index=range(1))
    return _Wide(groups=groups.reset_index(drop=True), codes=codes, y=y, levels=levels,
                 subjects=units[subject])


def _complete(w: _Wide):
    ok = ~np.isnan(w.y).any(axis=1)
    G = len(w.groups)
    n_all = np.bincount(w.codes, minlength=G)
    return w.y[ok], w.codes[ok], G, n_all


# --------------------------------------------------------------------------- cores (vectorised)
def _friedman_core(y: np.ndarray, codes: np.ndarray, G: int) -> pd.DataFrame:
    """Friedman chi-squared per group from complete rows ``y`` (n × k)."""
    n_sub, k = y.shape
    n = np.bincount(codes, minlength=G).astype(float)
    if k >= 1 and n_sub:
        r = _st.rankdata(y, axis=1)
        eq = (y[:, :, None] == y[:, None, :]).sum(axis=2).astype(float)   # tie size of each cell
        tie_row = (eq ** 2 - 1).sum(axis=1)                                # Σ (t³ - t) per row
        col_r = np.stack([np.bincount(codes, weights=r[:, j], minlength=G) for j in range(k)], 1)
        ties = np.bincount(codes, weights=tie_row, minlength=G)
    else:
        col_r = np.zeros((G, max(k, 1)))
        ties = np.zeros(G)
    with np.errstate(invalid="ignore", divide="ignore"):
        num = 12 * ((col_r - n[:, None] * (k + 1) / 2) ** 2).sum(axis=1)
        den = n * k * (k + 1) - ties / (k - 1) if k > 1 else np.full(G, np.nan)
        chi2 = np.where((n >= 1) & (k >= 2), num / den, np.nan)
        df = float(k - 1) if k >= 2 else np.nan
        p = _st.chi2.sf(chi2, df)
        w = chi2 / (n * (k - 1))
    return pd.DataFrame({"n": n.astype(np.int64), "k": k, "chi2": chi2, "df": df, "p": p,
                         "kendall_w": w})


def _rm_core(y: np.ndarray, codes: np.ndarray, G: int) -> pd.DataFrame:
    """One-way repeated-measures ANOVA per group from complete rows ``y`` (n × k)."""
    n_sub, k = y.shape
    n = np.bincount(codes, minlength=G).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        col_mean = np.stack([np.bincount(codes, weights=y[:, j], minlength=G) for j in range(k)],
                            1) / n[:, None] if k else np.zeros((G, 0))
        grand = col_mean.mean(axis=1) if k else np.full(G, np.nan)
        row_mean = y.mean(axis=1) if k else np.zeros(n_sub)
        ss_eff = n * ((col_mean - grand[:, None]) ** 2).sum(axis=1)
        ss_subj = k * np.bincount(codes, weights=(row_mean - grand[codes]) ** 2, minlength=G)
        ss_tot = np.bincount(codes, weights=((y - grand[codes][:, None]) ** 2).sum(axis=1),
                             minlength=G)
        ss_err = ss_tot - ss_eff - ss_subj
        df1 = float(k - 1)
        df2 = (k - 1) * (n - 1)
        f = (ss_eff / df1) / (ss_err / df2)
        ok = (n >= 2) & (k >= 2) & (ss_err > 1e-12 * np.maximum(ss_tot, 1e-300))
        f = np.where(ok, f, np.nan)
        p = _st.f.sf(f, df1, df2)
        ges = np.where((n >= 2) & (k >= 2), ss_eff / (ss_eff + ss_subj + ss_err), np.nan)
        # Greenhouse–Geisser: covariance of the waves, double-centred
        cen = y - col_mean[codes]
        cov = np.stack([np.stack([np.bincount(codes, weights=cen[:, i] * cen[:, j], minlength=G)
                                  for j in range(k)], 1) for i in range(k)], 1) / (n - 1)[:, None, None]
        dc = (cov - cov.mean(axis=1, keepdims=True) - cov.mean(axis=2, keepdims=True)
              + cov.mean(axis=(1, 2), keepdims=True))
        tr = np.trace(dc, axis1=1, axis2=2)
        eps = tr ** 2 / ((k - 1) * (dc ** 2).sum(axis=(1, 2)))
        eps = np.where(ok, eps, np.nan)
        p_gg = _st.f.sf(f, eps * df1, eps * df2)
    return pd.DataFrame({"f": f, "df1": df1 if k >= 2 else np.nan,
                         "df2": np.where(k >= 2, df2, np.nan), "p": p, "eps_gg": eps,
                         "p_gg": p_gg, "ges": ges, "n": n.astype(np.int64)})


def _cochran_core(y: np.ndarray, codes: np.ndarray, G: int) -> pd.DataFrame:
    k = y.shape[1]
    n = np.bincount(codes, minlength=G).astype(float)
    col = np.stack([np.bincount(codes, weights=y[:, j], minlength=G) for j in range(k)], 1) \
        if k else np.zeros((G, 0))
    row = y.sum(axis=1)
    total = col.sum(axis=1)
    sum_r2 = np.bincount(codes, weights=row ** 2, minlength=G)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = k * total - sum_r2
        q = np.where((k >= 2) & (den > 0), (k - 1) * (k * (col ** 2).sum(axis=1) - total ** 2) / den,
                     np.nan)
        df = float(k - 1) if k >= 2 else np.nan
        p = _st.chi2.sf(q, df)
    return pd.DataFrame({"n": n.astype(np.int64), "k": k, "q": q, "df": df, "p": p})


def _finish(w: _Wide, res: pd.DataFrame, n_all: np.ndarray, reasons: list) -> pd.DataFrame:
    """``res`` (a core's fresh frame, completed in place) after the group columns."""
    res.insert(list(res.columns).index("n") + 1, "n_dropped",
               (n_all - res["n"].to_numpy()).astype(np.int64))
    why = np.full(len(res), "", dtype=object)
    for mask, text in reasons:
        for i in np.flatnonzero(mask):
            why[i] = text if not why[i] else f"{why[i]}; {text}"
    res["reason"] = pd.array(why.astype(str), dtype="string")
    if not len(w.groups.columns):
        return res
    return pd.concat([w.groups, res], axis=1)


def _base_reasons(res: pd.DataFrame, k: int, need: int = 2):
    n = res["n"].to_numpy()
    return [(np.full(len(res), k < 2), f"fewer than two levels ({k}): nothing to compare"),
            (n < need, f"fewer than {need} complete subjects")]


#: Columns that ``omnibus=True`` adds to :func:`evaluation.happiness_change` and
#: :func:`evaluation.finance_change` (the same on every row of a group × measure).
OMNIBUS_FIELDS: tuple[str, ...] = (
    "omnibus_waves", "omnibus_n", "omnibus_n_dropped", "friedman_chi2", "friedman_df",
    "friedman_p", "kendall_w", "rm_f", "rm_df1", "rm_df2", "rm_p", "rm_eps_gg", "rm_p_gg",
    "rm_ges", "omnibus_reason")


def omnibus_frame(y: np.ndarray, codes: np.ndarray, n_groups: int, waves: list) -> pd.DataFrame:
    """Friedman and RM-ANOVA per group for a units × waves matrix (the :data:`OMNIBUS_FIELDS`).

    ``y`` has one column per wave in ``waves`` (NaN where missing); only units
    complete at every wave enter (``omnibus_n``; ``omnibus_n_dropped`` units
    with a value at some but not all waves). With fewer than three waves the
    statistics are ``NaN`` and ``omnibus_reason`` says so.
    """
    G = n_groups
    seen = ~np.isnan(y).all(axis=1) if y.size else np.zeros(len(y), dtype=bool)
    ok = ~np.isnan(y).any(axis=1) if y.shape[1] else np.zeros(len(y), dtype=bool)
    n_seen = np.bincount(codes[seen], minlength=G)
    fr = _friedman_core(y[ok], codes[ok], G)
    rm = _rm_core(y[ok], codes[ok], G)
    n = fr["n"].to_numpy()
    why = np.full(G, "", dtype=object)
    k = y.shape[1]
    if k < 3:
        why[:] = f"omnibus test needs three waves; the data have {k}"
    else:
        why[n < 2] = "fewer than 2 persons/households with every wave"
        why[(n >= 2) & rm["f"].isna().to_numpy()] = "no change within persons: F undefined"
    out = pd.DataFrame({
        "omnibus_waves": "→".join(str(w) for w in waves),
        "omnibus_n": n.astype(np.int64),
        "omnibus_n_dropped": (n_seen - n).astype(np.int64),
        "friedman_chi2": fr["chi2"], "friedman_df": fr["df"], "friedman_p": fr["p"],
        "kendall_w": fr["kendall_w"], "rm_f": rm["f"], "rm_df1": rm["df1"], "rm_df2": rm["df2"],
        "rm_p": rm["p"], "rm_eps_gg": rm["eps_gg"], "rm_p_gg": rm["p_gg"], "rm_ges": rm["ges"],
        "omnibus_reason": pd.array(why.astype(str), dtype="string")})
    bad = (n < 2) | (k < 3)
    stats_cols = [c for c in OMNIBUS_FIELDS if c not in ("omnibus_waves", "omnibus_n",
                                                        "omnibus_n_dropped", "omnibus_reason")]
    out.loc[bad, stats_cols] = np.nan
    for c in stats_cols:
        out[c] = out[c].astype(float)
    out["omnibus_waves"] = out["omnibus_waves"].astype("string")
    return out


# --------------------------------------------------------------------------- public tests
def friedman_test(data: pd.DataFrame, *, dv: str, within: str, subject: str,
                  by=None) -> pd.DataFrame:
    """Friedman rank test of a score over waves (R ``friedman.test``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long form: one row per subject × wave.
    dv, within, subject : str
        Columns: the outcome, the wave (``pre``/``during``/``post`` in wave
        order, then any other labels sorted; an ordered categorical's order)
        and the subject id.
    by : str or list of str, optional
        Group columns: one row per group (vectorised, no loop over groups).

    Returns
    -------
    pandas.DataFrame
        One row (per group): the ``by`` columns, ``n`` (complete subjects),
        ``n_dropped`` (subjects missing a wave, left out), ``k`` (waves),
        ``chi2``, ``df = k - 1``, ``p``, ``kendall_w = chi2 / (n (k - 1))``,
        ``reason`` (empty or why values are ``NaN``: fewer than two complete
        subjects, where R's ``friedman.test`` stops with an error, or every
        subject tied across all waves).

    Notes
    -----
    Ranks ``r_ij`` within each subject (average ranks for ties), column sums
    ``R_j``: ``chi2 = 12 Σ_j (R_j - n(k+1)/2)² / (n k (k+1) - Σ(t³ - t)/(k - 1))``
    with ``t`` the tie sizes within subjects, on ``k - 1`` df. R:
    ``friedman.test(Y)`` with ``Y`` the subject × wave matrix (R drops
    incomplete rows, as here). All values tied in every subject: ``NaN``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                   "wave": ["pre", "during", "post"] * 4,
    ...                   "y": [3, 5, 6, 2, 4, 4, 5, 6, 8, 1, 3, 2]})
    >>> friedman_test(d, dv="y", within="wave", subject="id")[["n", "chi2", "df"]].round(4)  # R: 6.5333
       n    chi2   df
    0  4  6.5333  2.0
    """
    return _friedman_wide(_to_wide(data, dv=dv, within=within, subject=subject, by=by))


def _friedman_wide(w: _Wide) -> pd.DataFrame:
    """:func:`friedman_test` of a wide table from :func:`_to_wide`."""
    y, codes, G, n_all = _complete(w)
    res = _friedman_core(y, codes, G)
    small = res["n"].to_numpy() < 2
    if small.any():
        res.loc[small, ["chi2", "p", "kendall_w"]] = np.nan
    reasons = _base_reasons(res, len(w.levels), 2)
    reasons.append((res["chi2"].isna().to_numpy() & (res["n"].to_numpy() >= 2),
                    "every subject has the same value at every wave"))
    out = _finish(w, res, n_all, reasons)
    out["df"] = out["df"].astype(float)
    return out


def _omnibus_tests(data: pd.DataFrame, *, dv: str, within: str, subject: str,
                  by=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(friedman_test(...), rm_anova(...))`` of the same data, the long table read once.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                   "wave": ["pre", "during", "post"] * 4,
    ...                   "y": [3, 5, 6, 2, 4, 4, 5, 6, 8, 1, 3, 2]})
    >>> fr, rm = _omnibus_tests(d, dv="y", within="wave", subject="id")
    >>> fr.equals(friedman_test(d, dv="y", within="wave", subject="id"))
    True
    >>> rm.equals(rm_anova(d, dv="y", within="wave", subject="id"))
    True
    """
    w = _to_wide(data, dv=dv, within=within, subject=subject, by=by)
    return _friedman_wide(w), _rm_wide(w)


def rm_anova(data: pd.DataFrame, *, dv: str, within: str, subject: str,
             by=None) -> pd.DataFrame:
    """One-way repeated-measures ANOVA with the Greenhouse–Geisser correction.

    Parameters
    ----------
    data, dv, within, subject, by
        As in :func:`friedman_test`.

    Returns
    -------
    pandas.DataFrame
        One row (per group): the ``by`` columns, ``f``, ``df1 = k - 1``,
        ``df2 = (k - 1)(n - 1)``, ``p`` (uncorrected), ``eps_gg``
        (Greenhouse–Geisser epsilon), ``p_gg`` (p with both df multiplied by
        ``eps_gg``), ``ges`` (generalised eta squared), ``n`` (complete
        subjects), ``n_dropped``, ``reason``.

    Notes
    -----
    Sums of squares over complete subjects: waves ``SS_w = n Σ_j (ȳ_.j - ȳ)²``,
    subjects ``SS_s = k Σ_i (ȳ_i. - ȳ)²``, error ``SS_e = SS_total - SS_w -
    SS_s``; ``F = (SS_w / (k-1)) / (SS_e / ((k-1)(n-1)))`` (R ``summary(aov(y ~ w
    + Error(id/w)))``). ``ges = SS_w / (SS_w + SS_s + SS_e)`` (Olejnik &
    Algina 2003; R ``afex``/``ez``). With ``S`` the k × k covariance of the
    waves and ``S*`` its double-centred form (the covariance of orthonormal
    contrasts), ``eps_gg = tr(S*)² / ((k - 1) tr(S*²))`` (R ``anova(lm(Y ~ 1), X
    = ~1, test = "Spherical")``, "G-G Pr"). ``eps_gg`` lies between
    ``1/(k-1)`` and 1; with two waves it is 1.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                   "wave": ["pre", "during", "post"] * 4,
    ...                   "y": [3, 5, 6, 2, 4, 4, 5, 6, 8, 1, 3, 2]})
    >>> rm_anova(d, dv="y", within="wave", subject="id")[["f", "df1", "df2", "n"]].round(4)  # R aov: 11.82
             f  df1  df2  n
    0  11.8235  2.0  6.0  4
    """
    return _rm_wide(_to_wide(data, dv=dv, within=within, subject=subject, by=by))


def _rm_wide(w: _Wide) -> pd.DataFrame:
    """:func:`rm_anova` of a wide table from :func:`_to_wide`."""
    y, codes, G, n_all = _complete(w)
    res = _rm_core(y, codes, G)
    reasons = _base_reasons(res, len(w.levels), 2)
    reasons.append((res["f"].isna().to_numpy() & (res["n"].to_numpy() >= 2) & (len(w.levels) >= 2),
                    "no within-subject error variance: F undefined"))
    return _finish(w, res, n_all, reasons)


def cochran_q(data: pd.DataFrame, *, dv: str, within: str, subject: str,
              by=None) -> pd.DataFrame:
    """Cochran's Q for a yes/no outcome over waves (e.g. "in the good band", "below the poverty line").

    Parameters
    ----------
    data, within, subject, by
        As in :func:`friedman_test`.
    dv : str
        A 0/1 (or True/False) column.

    Returns
    -------
    pandas.DataFrame
        One row (per group): the ``by`` columns, ``n`` (complete subjects),
        ``n_dropped``, ``k``, ``q``, ``df = k - 1``, ``p``, ``reason``.

    Notes
    -----
    With ``C_j`` the number of yes at wave ``j``, ``R_i`` per subject and ``N``
    in all: ``Q = (k - 1)(k Σ C_j² - N²) / (k N - Σ R_i²)`` on ``k - 1`` df. R:
    ``coin::symmetry_test(factor(y) ~ w | id, teststat = "quadratic")`` (the
    same number as ``friedman.test`` on the 0/1 matrix). ``NaN`` when every
    subject answers the same at every wave.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                   "wave": ["pre", "during", "post"] * 4,
    ...                   "good": [0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1]})
    >>> cochran_q(d, dv="good", within="wave", subject="id")[["n", "q", "df"]].round(4)
       n       q   df
    0  4  4.6667  2.0
    """
    w = _to_wide(data, dv=dv, within=within, subject=subject, by=by, binary=True)
    y, codes, G, n_all = _complete(w)
    res = _cochran_core(y, codes, G)
    small = res["n"].to_numpy() < 2
    res.loc[small, ["q", "p"]] = np.nan
    reasons = _base_reasons(res, len(w.levels), 2)
    reasons.append((res["q"].isna().to_numpy() & (res["n"].to_numpy() >= 2),
                    "every subject answers the same at every wave"))
    return _finish(w, res, n_all, reasons)


def pairwise_paired(data: pd.DataFrame, *, dv: str, within: str, subject: str,
                    test: str = "t", padjust: str = "holm", by=None,
                    exact: bool | None = None, correct: bool = True) -> pd.DataFrame:
    """Every pair of waves compared within subjects, p-values adjusted for multiplicity.

    Parameters
    ----------
    data, dv, within, subject, by
        As in :func:`friedman_test`.
    test : {"t", "wilcoxon"}
        Paired t-test or Wilcoxon signed-rank test.
    padjust : {"holm", "bonferroni", "BH", "none"}
        Correction across the pairs of one group (see :func:`p_adjust`).
    exact, correct
        Wilcoxon only: as R's ``wilcox.test`` (see :func:`evaluation.paired_test`).

    Returns
    -------
    pandas.DataFrame
        One row per group × pair of waves, pairs in wave order ((pre, during),
        (pre, post), (during, post)): the ``by`` columns, ``a``, ``b`` (the
        earlier and later wave), ``n`` (subjects with both), ``estimate``
        (mean of ``b - a`` for t; the Hodges–Lehmann estimate for Wilcoxon),
        ``statistic`` (t, or the signed-rank V of ``b - a``), ``p``, ``p_adj``,
        ``test``, ``padjust``.

    Notes
    -----
    R: ``pairwise.t.test(y, w, paired = TRUE, p.adjust.method = "holm")`` and
    ``pairwise.wilcox.test(y, w, paired = TRUE, p.adjust.method = "holm")``
    with the data ordered by subject and a row (possibly ``NA``) for every
    subject × wave: each pair uses the subjects with both values (R's
    ``complete.cases`` inside ``t.test``/``wilcox.test``), so ``n`` can differ
    between pairs. A pair with too few subjects gets ``p = NaN`` and is left
    out of the adjustment (R's ``p.adjust`` skips ``NA``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                   "wave": ["pre", "during", "post"] * 4,
    ...                   "y": [3, 5, 6, 2, 4, 4, 5, 6, 8, 1, 3, 2]})
    >>> pairwise_paired(d, dv="y", within="wave", subject="id")[["a", "b", "n", "estimate"]]
            a       b  n  estimate
    0     pre  during  4      1.75
    1     pre    post  4      2.25
    2  during    post  4      0.50
    """
    if test not in _TESTS:
        raise ArgumentError(f"test must be one of {_TESTS}, got {test!r}")
    _check_padjust(padjust)
    w = _to_wide(data, dv=dv, within=within, subject=subject, by=by)
    G, k = len(w.groups), len(w.levels)
    blocks = []
    for i in range(k):
        for j in range(i + 1, k):
            a, b = w.y[:, i], w.y[:, j]
            core = _paired_core(a, b, w.codes, G, alternative="two-sided", conf_level=0.95,
                                higher_is_better=True, exact=exact, correct=correct)
            block = w.groups.copy()
            block["a"], block["b"] = w.levels[i], w.levels[j]
            block["n"] = core["n_pairs"].to_numpy()
            if test == "t":
                block["estimate"] = np.where(core["n_pairs"] > 0, core["mean_diff"], np.nan)
                block["statistic"] = core["t"].to_numpy()
                block["p"] = core["p_t"].to_numpy()
            else:
                block["estimate"] = [_hl(a[(w.codes == g)], b[(w.codes == g)], exact, correct)
                                     for g in range(G)]
                block["statistic"] = core["w"].to_numpy()
                block["p"] = core["p_wilcoxon"].to_numpy()
            block["_g"] = np.arange(G)
            blocks.append(block)
    if not blocks:
        cols = [*w.groups.columns, "a", "b", "n", "estimate", "statistic", "p", "p_adj",
                "test", "padjust"]
        return pd.DataFrame(columns=cols)
    out = pd.concat(blocks, ignore_index=True)
    out["p_adj"] = np.nan
    for idx in out.groupby("_g").groups.values():
        out.loc[idx, "p_adj"] = p_adjust(out.loc[idx, "p"].to_numpy(dtype=float), padjust)
    out["test"] = test
    out["padjust"] = padjust
    out = out.sort_values("_g", kind="stable").drop(columns="_g").reset_index(drop=True)
    return out


def _hl(a: np.ndarray, b: np.ndarray, exact, correct) -> float:
    d = b - a
    d = d[~np.isnan(d)]
    if not len(d):
        return np.nan
    return hodges_lehmann(d, exact=exact, correct=correct)["hl_estimate"]


# --------------------------------------------------------------------------- square tables
def symmetry_test(table) -> pd.DataFrame:
    """Bowker's symmetry test and the Stuart–Maxwell test of a k × k transition table.

    Parameters
    ----------
    table : 2-D array-like or pandas.DataFrame
        Counts, rows = category before, columns = category after (same
        categories in the same order), e.g. bands pre × post.

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``k``, ``bowker_chi2``, ``bowker_df = k(k-1)/2``,
        ``bowker_p``, ``stuart_maxwell_chi2``, ``stuart_maxwell_df``,
        ``stuart_maxwell_p``, ``reason``.

    Notes
    -----
    Bowker: ``X² = Σ_{i<j} (n_ij - n_ji)² / (n_ij + n_ji)`` on ``k(k-1)/2`` df,
    exactly R's ``mcnemar.test(table)`` for ``k > 2`` (for ``k = 2`` R's
    continuity correction applies when ``n_12 != n_21``, as in
    :func:`evaluation.mcnemar_test`). As in R, a pair of cells that are both
    empty makes the statistic ``NaN`` (``0/0``); ``reason`` says so.

    Stuart–Maxwell (marginal homogeneity): ``d = (n_i. - n_.i)`` for
    ``i < k``, ``V_ii = n_i. + n_.i - 2 n_ii``, ``V_ij = -(n_ij + n_ji)``;
    ``X² = d' V⁻¹ d`` on ``k - 1`` df (R ``coin::mh_test(as.table(table))``).
    A category nobody uses makes ``V`` singular: a generalised inverse is used
    and the df is its rank.

    Examples
    --------
    >>> symmetry_test([[20, 5, 2], [6, 30, 4], [1, 7, 25]]).round(4)[
    ...     ["bowker_chi2", "bowker_df", "stuart_maxwell_chi2"]]
       bowker_chi2  bowker_df  stuart_maxwell_chi2
    0       1.2424        3.0               0.2995
    """
    x = np.asarray(table.to_numpy() if isinstance(table, pd.DataFrame) else table, dtype=float)
    if x.ndim != 2 or x.shape[0] != x.shape[1] or x.shape[0] < 2:
        raise ArgumentError(f"table must be a square table with at least 2 rows, got shape "
                            f"{x.shape}")
    if np.isnan(x).any() or (x < 0).any():
        raise ArgumentError("table must hold non-negative counts (no missing cells)")
    k = x.shape[0]
    reason = []
    # Bowker, as R's mcnemar.test
    diff = x - x.T
    if k == 2 and diff[0, 1] != 0:
        y = np.abs(diff) - 1
    else:
        y = diff
    s = x + x.T
    iu = np.triu_indices(k, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        bowker = float((y[iu] ** 2 / s[iu]).sum())
    if (s[iu] == 0).any():
        bowker = np.nan
        reason.append("a pair of cells i→j and j→i is empty: Bowker undefined (R gives NaN)")
    b_df = k * (k - 1) / 2
    b_p = float(_st.chi2.sf(bowker, b_df)) if not np.isnan(bowker) else np.nan
    # Stuart–Maxwell
    d = (x.sum(axis=1) - x.sum(axis=0))[: k - 1]
    v = -(x + x.T)
    np.fill_diagonal(v, x.sum(axis=1) + x.sum(axis=0) - 2 * np.diag(x))
    v = v[: k - 1, : k - 1]
    rank = int(np.linalg.matrix_rank(v)) if v.size else 0
    if rank == 0:
        sm, sm_df, sm_p = np.nan, np.nan, np.nan
        reason.append("no off-diagonal counts: Stuart–Maxwell undefined")
    else:
        sm = float(d @ np.linalg.pinv(v) @ d)
        sm_df = float(rank)
        sm_p = float(_st.chi2.sf(sm, sm_df))
    return pd.DataFrame([{
        "n": int(x.sum()), "k": k, "bowker_chi2": bowker, "bowker_df": b_df, "bowker_p": b_p,
        "stuart_maxwell_chi2": sm, "stuart_maxwell_df": sm_df, "stuart_maxwell_p": sm_p,
        "reason": "; ".join(reason)}])
