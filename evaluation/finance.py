"""Household finance change: before/after per household, grouped paired statistics,
and poverty status against the official line.

The finance table has one row per household × wave (``household_id, wave,
date, income, expenses, debt_formal, debt_informal, savings[, household_size]``;
income and expenses are monthly baht, debts and savings are balances in baht).
Formulas, defaults and sources are in ``docs/finance.md``.

Functions
---------
household_finance   per household: before, after and change of every measure, and flags
finance_change      per group × measure: means, medians, paired t / Wilcoxon, shares
poverty_lines       the packaged official poverty lines (with their sources)
poverty_status      per household × wave: income per person against the line
poverty_change      per group: share below the line before and after, McNemar's test

The CPI table and :func:`deflate` live in :mod:`evaluation.cpi` (importable from
here too); the money columns and the shared table checks in
:mod:`evaluation.money_frames`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from numbers import Real

import numpy as np
import pandas as pd

from .cpi import cpi_table, deflate  # noqa: F401  (re-exported: evaluation.finance.deflate)
from .money_frames import (  # noqa: F401  (MONEY_COLUMNS … re-exported from here)
    ALL_MONEY_COLUMNS, LOWER_IS_BETTER, MEASURES, MONEY_COLUMNS, FinanceArgumentError,
    FinanceColumnError, _as_list,
    _bad_rows, _check_frame, _check_waves, _numeric)
from .schema import WAVES
from .repeated import _check_padjust, omnibus_frame, p_adjust
from .stats import PAIRED_FIELDS, _check_conf_level, _paired_core, mcnemar_test

__all__ = [
    "MEASURES",
    "FinanceArgumentError",
    "household_finance",
    "finance_change",
    "poverty_lines",
    "poverty_status",
    "poverty_change",
    "cpi_table",
    "deflate",
]

def _household_attributes(participants: pd.DataFrame, columns, household: str) -> pd.DataFrame:
    """One row per household with ``columns`` taken from its representative participant.

    The representative is the household's first listed participant with role
    ``target`` (else its first listed participant).
    """
    _check_frame(participants, "participants", [household, *columns], "participants")
    p = participants[[household, *columns] + (["role"] if "role" in participants.columns
                                              and "role" not in columns else [])]
    if "role" in p.columns:
        order = np.argsort((p["role"] != "target").to_numpy(dtype=bool), kind="stable")
        p = p.iloc[order]
    p = p.drop_duplicates(household, keep="first")
    return p[[household, *columns]].set_index(household)


def _attach(table: pd.DataFrame, keys: list[str], *, key_col: str, participants, villages,
            table_name: str) -> pd.DataFrame:
    """Add the ``keys`` columns missing from ``table`` (indexed or keyed by ``key_col``).

    Looked up in ``participants`` (household level) then ``villages`` (via village_id).
    """
    need = [k for k in keys if k not in table.columns]
    if not need:
        return table
    out = table
    from_part = []
    if participants is not None:
        if not isinstance(participants, pd.DataFrame):
            raise FinanceArgumentError(f"participants must be a pandas DataFrame, "
                                       f"got {type(participants).__name__}")
        from_part = [k for k in need if k in participants.columns]
        # village_id is needed to reach the villages table
        if villages is not None and "village_id" not in out.columns \
                and "village_id" in participants.columns and "village_id" not in from_part \
                and any(k not in participants.columns for k in need):
            from_part.append("village_id")
        if from_part:
            attrs = _household_attributes(participants, from_part, key_col)
            out = out.join(attrs, on=key_col)
    need = [k for k in keys if k not in out.columns]
    if need and villages is not None:
        if not isinstance(villages, pd.DataFrame):
            raise FinanceArgumentError(f"villages must be a pandas DataFrame, "
                                       f"got {type(villages).__name__}")
        if "village_id" in out.columns and "village_id" in villages.columns:
            cols = [k for k in need if k in villages.columns]
            if cols:
                v = villages.drop_duplicates("village_id").set_index("village_id")[cols]
                out = out.join(v, on="village_id")
    need = [k for k in keys if k not in out.columns]
    if need:
        raise FinanceColumnError(
            f"by column(s) {need} are neither in the {table_name} table nor obtainable from "
            f"participants (household level) or villages (via village_id); pass "
            f"participants=... and/or villages=..., or add the column(s) first")
    return out


# --------------------------------------------------------------------------- per household
def _measure_arrays(sub: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every measure of :data:`MEASURES` for the rows of ``sub`` (float arrays)."""
    values = {m: _numeric(sub, m, "finance") for m in MONEY_COLUMNS}
    income = values["income"]
    debt = values["debt_formal"] + values["debt_informal"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = debt / (12.0 * income)
    # 0 / 0 -> NaN (no debt, no income: undefined); d / 0 -> inf for d > 0
    ratio = np.where((income == 0) & (debt == 0), np.nan, ratio)
    return {
        "income": income, "expenses": values["expenses"], "net": income - values["expenses"],
        "debt_formal": values["debt_formal"], "debt_informal": values["debt_informal"],
        "debt_total": debt, "savings": values["savings"], "debt_to_annual_income": ratio,
    }


def household_finance(finance: pd.DataFrame, *, before: str = "pre", after: str = "post",
                      participants: pd.DataFrame | None = None,
                      villages: pd.DataFrame | None = None, by=None,
                      household: str = "household_id", wave: str = "wave",
                      date: str = "date") -> pd.DataFrame:
    """Per household: every finance measure before, after and its change.

    Parameters
    ----------
    finance : pandas.DataFrame
        The finance table: one row per household × wave with ``household_id``,
        ``wave`` and any of ``income, expenses, debt_formal, debt_informal,
        savings`` (float baht, NaN = blank; an absent column counts as blank).
    before, after : {"pre", "during", "post"}
        The two waves compared (``before`` must be the earlier one).
    participants : pandas.DataFrame, optional
        Used to attach grouping columns at household level (``village_id`` by
        default when given; every column in ``by``). A household's value is the
        one of its first listed ``target`` participant (else its first listed
        participant).
    villages : pandas.DataFrame, optional
        Attaches village-level columns (``project_id``, ``district``, ...) via
        ``village_id``.
    by : str or list of str, optional
        Grouping columns to attach (from ``finance``, ``participants`` or
        ``villages``).
    household, wave, date : str
        Column names in ``finance``.

    Returns
    -------
    pandas.DataFrame
        One row per household present at ``before`` or ``after`` (sorted by
        household id; a household seen in only one wave has NaN on the other
        side), with columns:

        ``household_id``; the grouping columns (if any); ``has_before``,
        ``has_after`` (the household has a row at that wave); ``date_before``,
        ``date_after`` (when ``finance`` has a date column); then for every
        measure ``m`` in ``income, expenses, net, debt_formal, debt_informal,
        debt_total, savings, debt_to_annual_income``: ``m_before``,
        ``m_after``, ``m_change`` (= after − before); and the flags
        ``income_up`` (income after > before), ``debt_down`` (debt_total after
        < before), ``savings_up`` (savings after > before) as nullable
        booleans: ``<NA>`` when either side is missing (never silently False).

    Notes
    -----
    * ``net = income − expenses`` (monthly baht).
    * ``debt_total = debt_formal + debt_informal``; blank if either part is
      blank (enter 0 for "no debt of this kind").
    * ``debt_to_annual_income = debt_total / (12 × income)``. With zero income
      the ratio is ``inf`` when there is debt and ``NaN`` when there is none
      (0/0). :func:`finance_change` leaves non-finite ratios out of the ratio's
      statistics.
    * Duplicate rows for the same household and wave are an error (the table
      key is ``household_id, wave``).

    Examples
    --------
    >>> import pandas as pd
    >>> fin = pd.DataFrame({"household_id": ["H1", "H1", "H2"], "wave": ["pre", "post", "pre"],
    ...                     "income": [8000.0, 9500.0, 6000.0], "expenses": [7000.0, 7200.0, 6500.0],
    ...                     "debt_formal": [20000.0, 15000.0, 0.0], "debt_informal": [0.0, 0.0, 5000.0],
    ...                     "savings": [500.0, 2500.0, 0.0]})
    >>> hf = household_finance(fin)
    >>> hf[["household_id", "income_change", "debt_total_change", "income_up"]]
      household_id  income_change  debt_total_change  income_up
    0           H1         1500.0            -5000.0       True
    1           H2            NaN                NaN       <NA>
    """
    _check_waves(before, after)
    _check_frame(finance, "finance", {"household": household, "wave": wave}, "finance")
    keys = _as_list(by, "by")
    _bad_rows(finance, finance[household].isna().to_numpy(), "finance", household,
              "missing household id")
    sub = finance[finance[wave].isin([before, after]).to_numpy(dtype=bool, na_value=False)]
    # integer codes of households (sorted ids) and waves: no string joins on big tables
    codes, uniques = pd.factorize(sub[household], sort=True)
    H = len(uniques)
    is_after = (sub[wave] == after).to_numpy(dtype=bool, na_value=False)
    key = codes.astype(np.int64) * 2 + is_after
    dup = np.bincount(key, minlength=2 * H)[key] > 1
    _bad_rows(sub, dup, "finance", household,
              "household appears more than once in the same wave (key is household_id, wave)")
    cb, ca = codes[~is_after], codes[is_after]
    data: dict[str, object] = {household: uniques}
    has_b = np.zeros(H, dtype=bool)
    has_b[cb] = True
    has_a = np.zeros(H, dtype=bool)
    has_a[ca] = True
    data["has_before"] = has_b
    data["has_after"] = has_a
    if date in sub.columns:
        d = sub[date]
        if pd.api.types.is_datetime64_any_dtype(d.dtype):
            dv = d.to_numpy()
            db = np.full(H, np.datetime64("NaT"), dtype=dv.dtype)
            da = db.copy()
            db[cb] = dv[~is_after]
            da[ca] = dv[is_after]
            data["date_before"], data["date_after"] = db, da
    arrays = _measure_arrays(sub)
    for m in MEASURES:
        v = arrays[m]
        bb = np.full(H, np.nan)
        aa = np.full(H, np.nan)
        bb[cb] = v[~is_after]
        aa[ca] = v[is_after]
        data[f"{m}_before"] = bb
        data[f"{m}_after"] = aa
        with np.errstate(invalid="ignore"):
            data[f"{m}_change"] = aa - bb
    for flag, m, up in (("income_up", "income", True), ("debt_down", "debt_total", False),
                        ("savings_up", "savings", True)):
        bb, aa = data[f"{m}_before"], data[f"{m}_after"]
        known = ~(np.isnan(bb) | np.isnan(aa))
        with np.errstate(invalid="ignore"):
            val = (aa > bb) if up else (aa < bb)
        data[flag] = pd.arrays.BooleanArray(val & known, ~known)
    out = pd.DataFrame(data)
    group_cols: list[str] = []
    if keys or participants is not None:
        want = keys or (["village_id"] if participants is not None
                        and "village_id" in participants.columns else [])
        extra = [k for k in want if k not in out.columns]
        # grouping columns that live in the finance table itself (household level)
        in_fin = [k for k in extra if k in finance.columns]
        if in_fin:
            attrs = finance.drop_duplicates(household).set_index(household)[in_fin]
            out = out.join(attrs, on=household)
        out = _attach(out, want, key_col=household, participants=participants,
                      villages=villages, table_name="finance")
        group_cols = want
        rest = [c for c in out.columns if c not in group_cols and c != household]
        out = out[[household, *group_cols, *rest]]
    return out


# --------------------------------------------------------------------------- grouped change
def finance_change(finance: pd.DataFrame, *, by=None, before: str = "pre", after: str = "post",
                   participants: pd.DataFrame | None = None,
                   villages: pd.DataFrame | None = None, measures=None,
                   household: str = "household_id", wave: str = "wave",
                   conf_level: float = 0.95, omnibus: bool = False,
                   padjust: str | None = None) -> pd.DataFrame:
    """Per group and measure: household finance before vs after, with paired tests.

    Parameters
    ----------
    finance : pandas.DataFrame
        The finance table (see :func:`household_finance`); a per-household
        table already returned by :func:`household_finance` is also accepted.
    by : str or list of str, optional
        Grouping columns, e.g. ``"village_id"``, ``"project_id"``,
        ``"occupation_group"``, ``"sex"``; taken from ``finance`` if present,
        else from ``participants`` (household level: the first listed target
        participant) and ``villages`` (via ``village_id``). ``None``: one group.
        Households whose group value is missing form their own group (``NaN``).
    before, after : {"pre", "during", "post"}
        The waves compared.
    participants, villages : pandas.DataFrame, optional
        Where grouping columns come from.
    measures : list of str, optional
        Subset of :data:`MEASURES` (default: all, in that order).
    household, wave : str
        Column names in ``finance``.
    conf_level : float
        Confidence level of the interval of the mean change.
    omnibus : bool
        Add the omnibus tests over every wave in ``finance`` (Friedman and
        repeated-measures ANOVA with the Greenhouse–Geisser correction, on the
        households with every wave): the columns
        :data:`evaluation.repeated.OMNIBUS_FIELDS`, the same on every row of a
        group × measure. Needs the long finance table (not a household table).
    padjust : {"holm", "bonferroni", "BH", "none"}, optional
        Add ``p_t_adj`` and ``p_wilcoxon_adj``: the ``before→after`` p-values
        adjusted for all pairs of the waves in ``finance`` (with three waves,
        three comparisons: pre→during, pre→post, during→post), as R's
        ``p.adjust``; with two waves they equal the unadjusted ones.

    Returns
    -------
    pandas.DataFrame
        One row per group × measure, groups sorted, measures in the order of
        :data:`MEASURES`:

        the ``by`` columns; ``measure``; ``n_households`` (households of the
        group present at either wave); ``median_before``, ``median_after``,
        ``sd_before``, ``sd_after`` (over complete pairs); then every
        :func:`evaluation.paired_test` field: ``n_pairs`` (households with the
        measure at both waves), ``n_dropped``, ``mean_before``, ``mean_after``,
        ``mean_diff`` (mean change), ``median_diff`` (median change),
        ``sd_diff``, ``se_diff``, ``ci_low``, ``ci_high``, ``t``, ``df``,
        ``p_t``, ``w``, ``p_wilcoxon``, ``wilcoxon_method``, ``n_nonzero``,
        ``cohen_dz``, ``rank_biserial``, ``n_improved``, ``n_same``,
        ``n_worse``, ``reason``; and the group-level shares (the same on
        every row of a group) ``share_income_up``, ``share_debt_down``,
        ``share_savings_up``.

    Notes
    -----
    * Change is ``after − before`` for every measure. ``n_improved`` counts
      rises for income, net and savings and falls for expenses, debts and the
      debt-to-income ratio.
    * Only complete pairs enter a measure's statistics (attrition shows as
      ``n_households − n_pairs``). For ``debt_to_annual_income`` a pair also
      needs a finite ratio on both sides (zero income gives ``inf``).
    * ``share_income_up`` = households with income after > before / households
      with income at both waves; ``share_debt_down`` uses ``debt_total`` (after
      < before), ``share_savings_up`` uses ``savings`` (after > before). The
      denominator is the households with both values of that measure, so it
      can differ between the three shares.
    * Computed with the vectorised core of :func:`evaluation.stats.paired_frame`,
      every measure of every group in one pass: a million households in tens
      of thousands of villages take a few seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> fin = pd.DataFrame({"household_id": ["H1", "H1", "H2", "H2", "H3", "H3"],
    ...                     "wave": ["pre", "post"] * 3,
    ...                     "income": [8000.0, 9500.0, 6000.0, 6000.0, 5000.0, 7000.0]})
    >>> res = finance_change(fin, measures=["income"])
    >>> res[["measure", "n_pairs", "mean_diff", "share_income_up"]]
      measure  n_pairs    mean_diff  share_income_up
    0  income        3  1166.666667         0.666667
    """
    keys = _as_list(by, "by")
    chosen = _check_measures(measures)
    conf_level = _check_conf_level(conf_level)
    if _is_household_table(finance, household):
        hf = finance
        if keys:
            hf = _attach(hf, keys, key_col=household, participants=participants,
                         villages=villages, table_name="household finance")
    else:
        hf = household_finance(finance, before=before, after=after, participants=participants,
                               villages=villages, by=keys or None, household=household,
                               wave=wave)
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
        if m == "debt_to_annual_income":
            bad = ~(np.isfinite(bb) & np.isfinite(aa))
        else:
            bad = np.isnan(bb) | np.isnan(aa)
        pairs[m] = (np.where(bad, np.nan, bb), np.where(bad, np.nan, aa))
    # medians of both sides over complete pairs, every measure in one grouped pass
    med = {f"{m}|{side}": _group_median(pairs[m][i], codes, G) for m in chosen
           for i, side in enumerate(("b", "a"))}
    # every measure × group in one vectorised pass (group k·G + g: measure k, group g);
    # each group's statistics use only its own rows, in the same order as one call per
    # measure would, so the numbers are the same
    M = len(chosen)
    stacked = _paired_core(np.concatenate([pairs[m][0] for m in chosen]) if M else [],
                           np.concatenate([pairs[m][1] for m in chosen]) if M else [],
                           np.concatenate([codes + k * G for k in range(M)]) if M else [],
                           M * G, alternative="two-sided", conf_level=conf_level,
                           higher_is_better=True)
    absent = n_households == 0   # only a group with no rows at all
    if M and any(m in LOWER_IS_BETTER for m in chosen):   # a fall is the improvement
        low = np.repeat([m in LOWER_IS_BETTER for m in chosen], G)
        imp, worse = stacked["n_improved"].to_numpy(), stacked["n_worse"].to_numpy()
        stacked["n_improved"] = np.where(low, worse, imp)
        stacked["n_worse"] = np.where(low, imp, worse)
    if absent.any():
        gone = np.tile(absent, M)
        counts = ("n_pairs", "n_dropped", "n_nonzero", "n_improved", "n_same", "n_worse")
        stacked = stacked.astype({f: float for f in counts})
        stacked.loc[gone, :] = np.nan
        for f in counts:
            stacked[f] = stacked[f].fillna(0).astype(np.int64)
        stacked.loc[gone, "wilcoxon_method"] = ""
        stacked.loc[gone, "reason"] = "no complete pairs"
    # rows ordered by group, then measure (in the order of MEASURES): row k·G + g of
    # the stacked statistics for group g and measure k
    g_of_row = np.repeat(np.arange(G), M)
    k_of_row = np.tile(np.arange(M), G)
    take = k_of_row * G + g_of_row
    sd_b = np.concatenate([_group_sd(pairs[m][0], codes, G) for m in chosen]) if M else []
    sd_a = np.concatenate([_group_sd(pairs[m][1], codes, G) for m in chosen]) if M else []
    med_b = np.concatenate([med[f"{m}|b"] for m in chosen]) if M else []
    med_a = np.concatenate([med[f"{m}|a"] for m in chosen]) if M else []
    columns: dict[str, object] = {
        "measure": pd.array(np.asarray(chosen, dtype=object)[k_of_row], dtype="string"),
        "n_households": n_households[g_of_row],
        "median_before": np.asarray(med_b, dtype=float)[take],
        "median_after": np.asarray(med_a, dtype=float)[take],
        "sd_before": np.asarray(sd_b, dtype=float)[take],
        "sd_after": np.asarray(sd_a, dtype=float)[take],
    }
    stats = stacked if M == 1 or G == 1 else stacked.take(take)   # else already in order
    columns.update({f: stats[f].array for f in PAIRED_FIELDS})
    for flag, name in (("income_up", "share_income_up"), ("debt_down", "share_debt_down"),
                       ("savings_up", "share_savings_up")):
        col = hf[flag]
        f = col.to_numpy(dtype=float, na_value=np.nan) if col.dtype == "boolean" else \
            col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(f)
        num = np.bincount(codes[known], weights=f[known], minlength=G)
        den = np.bincount(codes[known], minlength=G).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        columns[name] = share[g_of_row]
    # one frame: the group columns, then the statistics (a group column named like a
    # statistic stays a separate column, as a concatenation keeps it)
    group_part = groups.take(g_of_row).reset_index(drop=True)
    if set(group_part.columns) & set(columns):
        out = pd.concat([group_part, pd.DataFrame(columns)], axis=1)
    else:
        out = pd.DataFrame({**{c: group_part[c].array for c in group_part.columns}, **columns})
    if omnibus or padjust is not None:
        out["_g"] = g_of_row
        out["_k"] = np.asarray([MEASURES.index(m) for m in chosen], dtype=np.int64)[k_of_row]
        out = _finance_waves_tests(out, finance, hf, codes, G, chosen, before=before,
                                   after=after, household=household, wave=wave,
                                   omnibus=omnibus, padjust=padjust)
        out = out.drop(columns=["_g", "_k"]).reset_index(drop=True)
    return out


def _finance_waves_tests(out, finance, hf, codes, G, chosen, *, before, after, household, wave,
                         omnibus, padjust):
    """Omnibus columns and multiplicity-adjusted p-values over all waves (see finance_change)."""
    if padjust is not None:
        _check_padjust(padjust)
    if _is_household_table(finance, household):
        raise FinanceArgumentError("omnibus= and padjust= need the long finance table (one row "
                                   "per household × wave), got a per-household table")
    present = [w for w in WAVES if (finance[wave] == w).any()]
    sub = finance[finance[wave].isin(present).to_numpy(dtype=bool, na_value=False)]
    row = pd.Index(hf[household]).get_indexer(sub[household])
    col = pd.Index(present).get_indexer(sub[wave])
    keep = row >= 0
    arrays = _measure_arrays(sub)
    extra = []
    for m in chosen:
        y = np.full((len(hf), len(present)), np.nan)
        v = arrays[m].astype(float)
        v = np.where(np.isfinite(v), v, np.nan)
        y[row[keep], col[keep]] = v[keep]
        block = pd.DataFrame({"_g": np.arange(G), "_k": MEASURES.index(m)})
        if omnibus:
            block = pd.concat([block, omnibus_frame(y, codes, G, present)], axis=1)
        if padjust is not None and before in present and after in present:
            pairs = [(i, j) for i in range(len(present)) for j in range(i + 1, len(present))]
            target = pairs.index((present.index(before), present.index(after)))
            pt = np.empty((G, len(pairs)))
            pw = np.empty((G, len(pairs)))
            for c, (i, j) in enumerate(pairs):
                res = _paired_core(y[:, i], y[:, j], codes, G, alternative="two-sided",
                                   conf_level=0.95, higher_is_better=m not in LOWER_IS_BETTER)
                pt[:, c], pw[:, c] = res["p_t"].to_numpy(), res["p_wilcoxon"].to_numpy()
            block["p_t_adj"] = [p_adjust(pt[g], padjust)[target] for g in range(G)]
            block["p_wilcoxon_adj"] = [p_adjust(pw[g], padjust)[target] for g in range(G)]
        extra.append(block)
    return out.merge(pd.concat(extra, ignore_index=True), on=["_g", "_k"], how="left")


def _group_median(values: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    """Median of the non-NaN values of each group (NaN for a group without any), as
    pandas' grouped median: the middle value, or the mean of the two middle values."""
    ok = ~np.isnan(values)
    c, v = codes[ok], values[ok]
    order = np.lexsort((v, c))
    v = v[order]
    n = np.bincount(c, minlength=G)
    start = np.cumsum(n) - n
    out = np.full(G, np.nan)
    has = n > 0
    lo, hi = (start + (n - 1) // 2)[has], (start + n // 2)[has]
    out[has] = np.where(lo == hi, v[lo], (v[lo] + v[hi]) / 2)
    return out


def _group_sd(values: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    """Sample standard deviation (ddof 1) of the non-NaN values of each group."""
    ok = ~np.isnan(values)
    c, v = codes[ok], values[ok]
    n = np.bincount(c, minlength=G).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(c, weights=v, minlength=G) / n
        r = v - mean[c]
        ss = np.bincount(c, weights=r * r, minlength=G)
        return np.where(n >= 2, ss / (n - 1), np.nan) ** 0.5


def _check_measures(measures) -> list[str]:
    if measures is None:
        return list(MEASURES)
    items = [measures] if isinstance(measures, str) else list(measures)
    bad = [m for m in items if m not in MEASURES]
    if bad or not items:
        raise FinanceArgumentError(f"measures must be a list drawn from {MEASURES}; "
                                   f"got {measures!r}")
    return [m for m in MEASURES if m in items]


def _is_household_table(frame, household) -> bool:
    return isinstance(frame, pd.DataFrame) and "income_change" in frame.columns \
        and household in frame.columns


# --------------------------------------------------------------------------- poverty
@lru_cache(maxsize=1)
def _packaged_poverty_lines() -> pd.DataFrame:
    path = resources.files("evaluation") / "data" / "poverty_lines.csv"
    with resources.as_file(path) as p:
        table = pd.read_csv(p, dtype={"source_url": "string"})
    table["year"] = table["year"].astype(np.int64)
    table["line_baht_per_person_month"] = table["line_baht_per_person_month"].astype(float)
    return table


def poverty_lines() -> pd.DataFrame:
    """The packaged official poverty lines of Thailand.

    Returns
    -------
    pandas.DataFrame
        ``year`` (CE), ``line_baht_per_person_month`` (baht per person per
        month, expenditure-based, whole kingdom), ``basis``, ``source``,
        ``source_url``; sorted by year. A copy: edit it freely and pass it as
        ``line=`` to :func:`poverty_status`.

    Notes
    -----
    NESDC (สศช.) official lines computed from the NSO Socio-Economic Survey:
    2017 2,686; 2021 2,803; 2022 2,997; 2023 3,043; 2024 3,078 baht. The file
    is ``evaluation/data/poverty_lines.csv``.

    Examples
    --------
    >>> poverty_lines()[["year", "line_baht_per_person_month"]].tail(2)
       year  line_baht_per_person_month
    3  2023                      3043.0
    4  2024                      3078.0
    """
    return _packaged_poverty_lines().copy()


def _line_table(line) -> tuple[np.ndarray, np.ndarray] | float:
    """(years, lines) sorted by year, or a single number."""
    if line is None:
        t = _packaged_poverty_lines()
        return t["year"].to_numpy(), t["line_baht_per_person_month"].to_numpy(dtype=float)
    if isinstance(line, Real) and not isinstance(line, bool):
        value = float(line)
        if not np.isfinite(value) or value <= 0:
            raise FinanceArgumentError(f"line must be a positive number of baht per person per "
                                       f"month, got {line!r}")
        return value
    if isinstance(line, Mapping):
        t = pd.DataFrame({"year": list(line.keys()), "line": list(line.values())})
    elif isinstance(line, pd.DataFrame):
        col = next((c for c in ("line_baht_per_person_month", "line") if c in line.columns), None)
        if "year" not in line.columns or col is None:
            raise FinanceColumnError(
                "line as a table needs columns 'year' and 'line_baht_per_person_month' (or "
                f"'line'); got columns {list(line.columns)}")
        t = pd.DataFrame({"year": line["year"].to_numpy(), "line": line[col].to_numpy()})
    else:
        raise FinanceArgumentError(f"line must be None (packaged official lines), a number, a "
                                   f"{{year: line}} mapping or a DataFrame; got "
                                   f"{type(line).__name__}")
    try:
        years = pd.to_numeric(t["year"]).to_numpy(dtype=float)
        lines = pd.to_numeric(t["line"]).to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise FinanceArgumentError(f"line table must hold numbers; got {line!r}") from None
    if len(years) == 0 or np.isnan(years).any() or np.isnan(lines).any() or (lines <= 0).any() \
            or (years != np.round(years)).any():
        raise FinanceArgumentError("line table must have whole years and positive lines, "
                                   f"with no blanks; got {line!r}")
    if len(np.unique(years)) != len(years):
        raise FinanceArgumentError(f"line table has a year more than once: {sorted(years)}")
    order = np.argsort(years)
    return years[order].astype(np.int64), lines[order]


def _lookup_lines(years: np.ndarray, table) -> tuple[np.ndarray, np.ndarray]:
    """Line and line_year for each (float, NaN allowed) year: the latest table year <= year."""
    if isinstance(table, float):
        return np.full(len(years), table), np.full(len(years), np.nan)
    t_years, t_lines = table
    known = ~np.isnan(years)
    idx = np.searchsorted(t_years, np.where(known, years, t_years[0]), side="right") - 1
    too_early = known & (idx < 0)
    if too_early.any():
        raise FinanceArgumentError(
            f"no poverty line for year(s) {sorted(set(years[too_early].astype(int).tolist()))}: "
            f"the line table starts in {int(t_years[0])}. Pass line= (a number, a "
            f"{{year: line}} mapping or a table) to supply one.")
    idx = np.clip(idx, 0, None)
    line = np.where(known, t_lines[idx], np.nan)
    line_year = np.where(known, t_years[idx].astype(float), np.nan)
    return line, line_year


def _wave_years(finance: pd.DataFrame, *, year, wave: str, date: str) -> np.ndarray:
    """Calendar year (CE) of every finance row, as floats (NaN if unknown)."""
    n = len(finance)
    if year is not None:
        if isinstance(year, Mapping):
            bad = [k for k in year if k not in WAVES]
            if bad:
                raise FinanceArgumentError(f"year mapping keys must be waves {WAVES}; got {bad}")
            mapped = finance[wave].astype("string").map(
                {k: float(v) for k, v in year.items()}).astype("Float64")
            out = mapped.to_numpy(dtype=float, na_value=np.nan)
            if np.isnan(out).any() and date in finance.columns:
                out = np.where(np.isnan(out), _wave_years(finance, year=None, wave=wave,
                                                          date=date), out)
            return out
        if isinstance(year, (int, np.integer)) and not isinstance(year, bool):
            return np.full(n, float(year))
        raise FinanceArgumentError(f"year must be a whole year (e.g. 2023), a {{wave: year}} "
                                   f"mapping or None (years from the {date!r} column); got "
                                   f"{year!r}")
    if date not in finance.columns:
        raise FinanceColumnError(f"the finance table has no {date!r} column: pass year= (a "
                                 f"year, or a {{wave: year}} mapping) to choose the poverty "
                                 f"line")
    d = finance[date]
    if not pd.api.types.is_datetime64_any_dtype(d.dtype):
        d = pd.to_datetime(d, errors="coerce")
    years = d.dt.year.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    # a row without a date takes the most common year of its wave
    missing = np.isnan(years)
    if missing.any():
        w = finance[wave].astype("string")
        mode = (pd.DataFrame({"w": w, "y": years}).dropna().groupby("w")["y"]
                .agg(lambda s: s.value_counts().index[0]))
        fill = w.map(mode).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        years = np.where(missing, fill, years)
    return years


def poverty_status(finance: pd.DataFrame, *, participants: pd.DataFrame | None = None,
                   line=None, year=None, size: str = "household_size",
                   household: str = "household_id", wave: str = "wave", date: str = "date",
                   income: str = "income") -> pd.DataFrame:
    """Per household × wave: income per person against the poverty line.

    Parameters
    ----------
    finance : pandas.DataFrame
        The finance table (``household_id, wave, income`` and ``date`` or a
        ``year`` argument; optionally a household-size column).
    participants : pandas.DataFrame, optional
        Source of household size when ``finance`` lacks it (see Notes).
    line : None, number, mapping or DataFrame
        ``None``: the packaged official lines (:func:`poverty_lines`). A
        number: that line (baht per person per month) for every year. A
        ``{year: line}`` mapping or a DataFrame with ``year`` and
        ``line_baht_per_person_month`` (or ``line``): your own table.
    year : int or mapping, optional
        The year of every row, or ``{wave: year}``; default: the year of the
        row's ``date`` (a row without a date takes the most common year of its
        wave).
    size : str
        Household-size column name (in ``finance`` and/or ``participants``).
    household, wave, date, income : str
        Column names in ``finance``.

    Returns
    -------
    pandas.DataFrame
        One row per finance row, in input order: ``household_id``, ``wave``,
        ``year`` (float CE year, NaN if unknown), ``income``,
        ``household_size``, ``size_source`` (``"finance"``,
        ``"participants"`` (their size column) or ``"participant_count"``),
        ``income_per_person`` (= income / household_size), ``line`` (baht per
        person per month), ``line_year`` (year of the line used: the latest
        table year ≤ ``year``; NaN for a single-number line), ``below_line``
        (nullable boolean: income_per_person < line; ``<NA>`` when income or
        size is missing).

    Notes
    -----
    Household size, first available of: the ``size`` column of ``finance``
    (that row); the ``size`` column of ``participants`` (first non-blank value
    of the household); the number of participants listed for the household.
    The last is a floor (only program participants are listed), so per-person
    income may be overstated; supply sizes when you can.

    A year before the first year of the line table is an error (no line can
    be chosen); a later year not in the table uses the latest earlier line,
    which ``line_year`` shows.

    Examples
    --------
    >>> import pandas as pd
    >>> fin = pd.DataFrame({"household_id": ["H1", "H2"], "wave": ["pre", "pre"],
    ...                     "date": pd.to_datetime(["2023-02-01", "2023-02-03"]),
    ...                     "income": [9000.0, 15000.0], "household_size": [4, 4]})
    >>> poverty_status(fin)[["household_id", "income_per_person", "line", "below_line"]]
      household_id  income_per_person    line  below_line
    0           H1             2250.0  3043.0        True
    1           H2             3750.0  3043.0       False
    """
    _check_frame(finance, "finance", {"household": household, "wave": wave}, "finance")
    table = _line_table(line)
    inc = _numeric(finance, income, "finance")
    n = len(finance)
    hh_size = np.full(n, np.nan)
    source = np.full(n, None, dtype=object)
    if size in finance.columns:
        s = pd.to_numeric(finance[size], errors="coerce").astype("Float64").to_numpy(
            dtype=float, na_value=np.nan)
        hh_size = s
        source[~np.isnan(s)] = "finance"
    if np.isnan(hh_size).any() and participants is not None:
        _check_frame(participants, "participants", {"household": household}, "participants")
        ids = finance[household]
        if size in participants.columns:
            ps = pd.to_numeric(participants[size], errors="coerce")
            first = ps.groupby(participants[household]).first()
            vals = ids.map(first).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            fill = np.isnan(hh_size) & ~np.isnan(vals)
            hh_size = np.where(fill, vals, hh_size)
            source[fill] = "participants"
        counts = participants[household].value_counts()
        vals = ids.map(counts).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        fill = np.isnan(hh_size) & ~np.isnan(vals)
        hh_size = np.where(fill, vals, hh_size)
        source[fill] = "participant_count"
    if size not in finance.columns and participants is None:
        raise FinanceColumnError(f"household size is needed: add a {size!r} column to the "
                                 f"finance table or pass participants= (their {size!r} "
                                 f"column or the count of participants per household)")
    _bad_rows(finance, hh_size <= 0, "finance", size if size in finance.columns else household,
              "household size must be at least 1")
    years = _wave_years(finance, year=year, wave=wave, date=date)
    line_v, line_year = _lookup_lines(years, table)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_person = inc / hh_size
    known = ~(np.isnan(per_person) | np.isnan(line_v))
    with np.errstate(invalid="ignore"):
        below = pd.arrays.BooleanArray((per_person < line_v) & known, ~known)
    return pd.DataFrame({
        household: finance[household].to_numpy(),
        wave: finance[wave].to_numpy() if not isinstance(finance[wave].dtype, pd.CategoricalDtype)
        else finance[wave].array,
        "year": years,
        "income": inc,
        "household_size": hh_size,
        "size_source": pd.array(source, dtype="string"),
        "income_per_person": per_person,
        "line": line_v,
        "line_year": line_year,
        "below_line": below,
    })


def poverty_change(finance: pd.DataFrame, *, by=None, before: str = "pre", after: str = "post",
                   participants: pd.DataFrame | None = None,
                   villages: pd.DataFrame | None = None, line=None, year=None,
                   size: str = "household_size", household: str = "household_id",
                   wave: str = "wave", date: str = "date", income: str = "income",
                   exact: bool = False) -> pd.DataFrame:
    """Per group: share of households below the poverty line before and after.

    Parameters
    ----------
    finance : pandas.DataFrame
        The finance table (as :func:`poverty_status`).
    by : str or list of str, optional
        Grouping columns (from ``finance``, ``participants`` or ``villages``).
    before, after : {"pre", "during", "post"}
        The waves compared.
    participants, villages : pandas.DataFrame, optional
        Sources of household size and of grouping columns.
    line, year, size : optional
        As in :func:`poverty_status`.
    household, wave, date, income : str
        Column names in ``finance``.
    exact : bool
        Passed to :func:`evaluation.mcnemar_test` (``False``: R's chi-squared
        with continuity correction; ``True``: exact binomial).

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted): the ``by`` columns; ``n_before``,
        ``n_after`` (households with a known status at that wave);
        ``n_pairs`` (known at both); ``n_below_before``, ``n_below_after``
        (among the pairs); ``share_below_before``, ``share_below_after``
        (among the pairs, 0–1); ``change`` (= share after − share before);
        ``b`` (below before, not after: left poverty), ``c`` (not below
        before, below after: fell into poverty); ``statistic``, ``p_value``,
        ``method``, ``reason`` from :func:`evaluation.mcnemar_test`.

    Notes
    -----
    Shares are over complete pairs, so before and after describe the same
    households (attrition is visible in ``n_before``/``n_after`` vs
    ``n_pairs``). McNemar: ``X² = (|b − c| − 1)² / (b + c)`` on 1 df (uncorrected when ``b = c``, as R).

    Examples
    --------
    >>> import pandas as pd
    >>> fin = pd.DataFrame({"household_id": ["H1", "H1", "H2", "H2"],
    ...                     "wave": ["pre", "post"] * 2, "income": [8000.0, 14000.0, 20000.0, 21000.0],
    ...                     "household_size": [4, 4, 4, 4]})
    >>> res = poverty_change(fin, year={"pre": 2023, "post": 2024})
    >>> res[["n_pairs", "share_below_before", "share_below_after", "b", "c"]]
       n_pairs  share_below_before  share_below_after  b  c
    0        2                 0.5                0.0  1  0
    """
    _check_waves(before, after)
    keys = _as_list(by, "by")
    if not isinstance(exact, bool):
        raise FinanceArgumentError(f"exact must be True or False, got {exact!r}")
    status = poverty_status(finance, participants=participants, line=line, year=year,
                            size=size, household=household, wave=wave, date=date,
                            income=income)
    status = status[status[wave].isin([before, after]).to_numpy(dtype=bool, na_value=False)]
    dup = status.duplicated([household, wave], keep=False).to_numpy()
    _bad_rows(status, dup, "finance", household,
              "household appears more than once in the same wave (key is household_id, wave)")
    if keys:
        flags = status[[household, wave, "below_line"]]
        bf = flags[flags[wave] == before].set_index(household)["below_line"].rename("before")
        af = flags[flags[wave] == after].set_index(household)["below_line"].rename("after")
        wide = pd.concat([bf, af], axis=1, sort=True).reset_index()
        wide = wide.rename(columns={wide.columns[0]: household})
        in_fin = [k for k in keys if k in finance.columns]
        if in_fin:
            attrs = finance.drop_duplicates(household).set_index(household)[in_fin]
            wide = wide.join(attrs, on=household)
        wide = _attach(wide, keys, key_col=household, participants=participants,
                       villages=villages, table_name="finance")
        groups = ((key, g["before"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                   g["after"].astype("Float64").to_numpy(dtype=float, na_value=np.nan))
                  for key, g in wide.groupby(keys, sort=True, dropna=False))
    else:   # one group: each household's flag before and after (McNemar counts pairs,
        # so the order of the households does not matter)
        codes, ids = pd.factorize(status[household], use_na_sentinel=False)
        is_before = (status[wave] == before).to_numpy(dtype=bool, na_value=False)
        flag = status["below_line"].to_numpy(dtype=float, na_value=np.nan)
        bb, aa = np.full(len(ids), np.nan), np.full(len(ids), np.nan)
        bb[codes[is_before]] = flag[is_before]
        aa[codes[~is_before]] = flag[~is_before]
        groups = [((), bb, aa)]
    rows = []
    for key, bb, aa in groups:
        key = key if isinstance(key, tuple) else (key,)
        res = mcnemar_test(pd.Series(bb), pd.Series(aa), exact=exact)
        n_pairs = int(res["n_pairs"])
        row = dict(zip(keys, key))
        row.update({
            "n_before": int((~np.isnan(bb)).sum()),
            "n_after": int((~np.isnan(aa)).sum()),
            "n_pairs": n_pairs,
            "n_below_before": int(res["n_yes_before"]),
            "n_below_after": int(res["n_yes_after"]),
            "share_below_before": res["n_yes_before"] / n_pairs if n_pairs else np.nan,
            "share_below_after": res["n_yes_after"] / n_pairs if n_pairs else np.nan,
        })
        row["change"] = row["share_below_after"] - row["share_below_before"]
        row.update({"b": int(res["b"]), "c": int(res["c"]), "statistic": float(res["statistic"]),
                    "p_value": float(res["p_value"]), "method": res["method"],
                    "reason": res["reason"] if n_pairs else "no household with both waves"})
        rows.append(row)
    out = pd.DataFrame(rows)
    for c in ("method", "reason"):
        out[c] = out[c].astype("string")
    return out
