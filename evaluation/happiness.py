"""Change in happiness / well-being scores across waves (pre, during, post).

Input is the output of :func:`evaluation.score_instrument`: one row per
person × wave (× instrument) with ``person_id, wave, instrument, total, band,
band_label, band_label_en, n_items, n_missing, reason`` and one
``domain_<id>`` column per domain. Group columns such as ``village_id``,
``sex``, ``occupation_group`` or ``project_id`` come from the participants
table; merge them in first::

    scores = scores.merge(proj.participants[["person_id", "village_id", "sex"]],
                          on="person_id", how="left")

Three tables:

* :func:`happiness_change` -- paired statistics per group × contrast
  (pre→during, during→post, pre→post),
* :func:`band_transitions` -- band at one wave × band at another wave, with
  McNemar's test for "in the top band(s)",
* :func:`attrition` -- who was assessed at which wave, who is missing.

Paired statistics use complete pairs only (a person needs a value at both
waves of a contrast); :func:`attrition` reports how many that leaves. The
formulas are in ``docs/methods.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import (ArgumentError, DataValidationError, column_list, problems_frame,
                     require_columns)
from .schema import WAVES
from .stats import _BOOT_FIELDS, _bootstrap_arrays, _check_alternative, \
    _check_conf_level, _mcnemar_arrays, _paired_core
from .repeated import _check_padjust, _group_codes, omnibus_frame, p_adjust

__all__ = ["Attrition", "BandTransitions", "CONTRASTS", "attrition", "band_transitions",
           "happiness_change"]

#: Default contrasts of :func:`happiness_change`, in output order.
CONTRASTS: tuple[tuple[str, str], ...] = (("pre", "during"), ("during", "post"), ("pre", "post"))
ARROW = "→"


# --------------------------------------------------------------------------- helpers
def _as_list(value, name: str) -> list[str]:
    return column_list(value, name)


def _wave_labels(series: pd.Series) -> list[str]:
    """Allowed wave labels in order: the categories of an ordered categorical, else WAVES."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [str(c) for c in series.cat.categories]
    return list(WAVES)


def _check_wave_values(series: pd.Series, name: str) -> list[str]:
    labels = _wave_labels(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return labels
    present = pd.unique(series.dropna())
    unknown = sorted({str(v) for v in present} - set(labels))
    if unknown:
        raise ArgumentError(f"column {name!r} holds wave labels {unknown}; expected one of {labels} "
                            f"(load the data with evaluation.load_project to normalise Thai labels)")
    return labels


def _check_pair(before: str, after: str, labels: list[str], what: str) -> None:
    for side, w in (("before", before), ("after", after)):
        if not isinstance(w, str) or w not in labels:
            raise ArgumentError(f"{what}: {side} wave must be one of {labels}, got {w!r}")
    if before == after:
        raise ArgumentError(f"{what}: the two waves must differ, got {before!r} twice")


def _wave_codes(series: pd.Series, labels: list[str]) -> np.ndarray:
    """Position of each row's wave in ``labels`` (-1 for a missing wave)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in series.cat.categories]
        lut = np.array([labels.index(c) for c in cats] + [-1], dtype=np.int64)
        codes = series.cat.codes.to_numpy(dtype=np.int64)
        return lut[np.where(codes < 0, len(cats), codes)]
    return pd.Categorical(series, categories=labels).codes.astype(np.int64)


def _check_duplicates(data: pd.DataFrame, unit_codes: np.ndarray, wave_codes: np.ndarray,
                      n_waves: int, labels: list[str], person: str, instrument: str | None) -> None:
    key = unit_codes * n_waves + wave_codes
    counts = np.bincount(key, minlength=1)
    dup = counts[key] > 1
    if dup.any():
        cols = [person, *([instrument] if instrument else [])]
        rows = data.loc[dup, cols].assign(_w=wave_codes[dup]).drop_duplicates().head(50)
        problems = problems_frame([
            {"file": "", "sheet": "", "row": pd.NA, "column": person, "value": str(r[person]),
             "problem": f"more than one score for this person at wave {labels[r['_w']]}"
                        + (f" (instrument {r[instrument]})" if instrument else ""),
             "severity": "error"}
            for _, r in rows.iterrows()])
        raise DataValidationError(problems, f"{int(dup.sum())} rows give a person two scores at "
                                            f"the same wave; expected one row per person × wave")


def _unit_table(data: pd.DataFrame, keys: list[str], person: str):
    """Codes for units (group keys + person), numbered in order of first appearance
    (``groupby(keys + [person], sort=False, dropna=False, observed=True).ngroup()``,
    from one ``pandas.factorize`` per column), and the number of units."""
    unit_codes = None
    for k in [*keys, person]:
        codes, uniques = pd.factorize(data[k], use_na_sentinel=False)
        codes = codes.astype(np.int64)
        if unit_codes is None:
            unit_codes = codes
        else:   # renumber after each column so the combined code stays small
            unit_codes = pd.factorize(unit_codes * max(len(uniques), 1) + codes)[0].astype(np.int64)
    n_units = int(unit_codes.max()) + 1 if len(unit_codes) else 0
    return unit_codes, n_units


def _wide(values: np.ndarray, wave_codes: np.ndarray, unit_codes: np.ndarray, n_units: int,
          waves: list[int]) -> dict[int, np.ndarray]:
    out = {}
    for w in waves:
        arr = np.full(n_units, np.nan)
        m = wave_codes == w
        arr[unit_codes[m]] = values[m]
        out[w] = arr
    return out


def _instrument_keys(data: pd.DataFrame, instrument: str | None, by: list[str]) -> list[str]:
    if instrument and instrument in data.columns and instrument not in by:
        return [instrument, *by]
    return list(by)


@dataclass
class _Prepared:
    """Rows numbered by unit (group keys + person), group and wave; see :func:`_prepare`."""

    data: pd.DataFrame
    keys: list[str]
    inst_key: str | None
    wcodes: np.ndarray
    unit_codes: np.ndarray
    n_units: int
    row_group: np.ndarray
    unit_group: np.ndarray
    groups: pd.DataFrame
    n_groups: int
    inst_names: list
    group_inst: np.ndarray


def _prepare(scores: pd.DataFrame, *, by_cols: list[str], person: str, wave: str,
             instrument: str | None, labels: list[str], check_duplicates: bool = True) -> _Prepared:
    keys = _instrument_keys(scores, instrument, by_cols)
    inst_key = instrument if keys and keys[0] == instrument and instrument not in by_cols else None
    wcodes = _wave_codes(scores[wave], labels)
    keep = wcodes >= 0
    data = scores[keep] if not keep.all() else scores
    wcodes = wcodes[keep]
    unit_codes, n_units = _unit_table(data, keys, person)
    if check_duplicates:
        _check_duplicates(data, unit_codes, wcodes, len(labels), labels, person, inst_key)
    row_group, groups = _group_codes(data, keys)
    unit_group = np.zeros(n_units, dtype=np.int64)
    unit_group[unit_codes] = row_group
    if inst_key:
        inst_names = list(pd.unique(groups[inst_key]))
        group_inst = pd.Index(inst_names).get_indexer(groups[inst_key]).astype(np.int64)
    else:
        inst_names = []
        group_inst = np.zeros(len(groups), dtype=np.int64)
    return _Prepared(data=data, keys=keys, inst_key=inst_key, wcodes=wcodes,
                     unit_codes=unit_codes, n_units=n_units, row_group=row_group,
                     unit_group=unit_group, groups=groups, n_groups=len(groups),
                     inst_names=inst_names, group_inst=group_inst)


# --------------------------------------------------------------------------- happiness_change
def happiness_change(scores: pd.DataFrame, *, by=None, value="total", person: str = "person_id",
                     wave: str = "wave", instrument: str = "instrument",
                     contrasts=CONTRASTS, alternative: str = "two-sided",
                     conf_level: float = 0.95, higher_is_better: bool = True,
                     bootstrap: int | None = None, seed=None, omnibus: bool = False,
                     padjust: str | None = None) -> pd.DataFrame:
    """Paired change of a score between waves, one row per group × contrast.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per person × wave (× instrument), e.g. from
        :func:`evaluation.score_instrument`; group columns merged in.
    by : str or list of str, optional
        Group columns present in ``scores`` (``village_id``, ``sex``,
        ``occupation_group``, ``project_id`` ...). ``None``: everyone together.
        A missing group value forms its own group (shown as ``NaN``).
    value : str or list of str
        Score column(s): ``"total"`` or a domain column such as
        ``"domain_mental_state"``. Several columns give one block of rows each
        (column ``measure``).
    person, wave : str
        Person id and wave columns. Waves must be the labels ``pre``,
        ``during``, ``post`` (or the categories of an ordered categorical).
    instrument : str
        Instrument column. When it is present the rows are always grouped by it
        (several instruments are never mixed); the output then starts with an
        ``instrument`` column.
    contrasts : sequence of (before, after) pairs
        Waves to compare, in output order. Default pre→during, during→post,
        pre→post.
    alternative, conf_level, higher_is_better
        Passed to the paired statistics (see :func:`evaluation.paired_test`).
    bootstrap : int, optional
        Add seeded percentile bootstrap intervals with this many resamples
        (one :func:`scipy.stats.bootstrap` call per group × contrast).
    seed : int, optional
        Bootstrap seed; every group uses a generator from the same seed, so a
        group's interval does not depend on the other groups.
    omnibus : bool
        Add, on every row of a group × measure, the omnibus tests over all
        waves present (Friedman and repeated-measures ANOVA with the
        Greenhouse–Geisser correction, persons with every wave): the columns
        :data:`evaluation.repeated.OMNIBUS_FIELDS`. With three waves, read the
        omnibus test first and the contrasts after it.
    padjust : {"holm", "bonferroni", "BH", "none"}, optional
        Add ``p_t_adj`` and ``p_wilcoxon_adj``: the p-values adjusted for the
        number of contrasts of the group × measure (R ``p.adjust``). Holm
        controls the chance of any false "significant" change and is never
        less powerful than Bonferroni; use it unless you have a reason not to.

    Returns
    -------
    pandas.DataFrame
        One row per group × measure × contrast, sorted by group, then measure,
        then contrast order. Columns: ``instrument`` (when present), the ``by``
        columns, ``measure`` (the score column), ``contrast`` (e.g.
        ``"pre→post"``), ``wave_before``, ``wave_after``, then every
        :func:`evaluation.paired_test` field (``n_pairs, n_dropped,
        mean_before, mean_after, mean_diff, median_diff, sd_diff, se_diff,
        ci_low, ci_high, t, df, p_t, w, p_wilcoxon, wilcoxon_method,
        n_nonzero, cohen_dz, rank_biserial, n_improved, n_same, n_worse,
        reason``), ``share_improved = n_improved / n_pairs`` (``NaN`` when no
        pairs), and with ``bootstrap`` the fields ``mean_ci_low,
        mean_ci_high, median_ci_low, median_ci_high, n_resamples, seed``;
        with ``padjust``: ``p_t_adj``, ``p_wilcoxon_adj``; with ``omnibus``:
        ``omnibus_waves, omnibus_n, omnibus_n_dropped, friedman_chi2,
        friedman_df, friedman_p, kendall_w, rm_f, rm_df1, rm_df2, rm_p,
        rm_eps_gg, rm_p_gg, rm_ges, omnibus_reason`` (see
        :func:`evaluation.friedman_test` and :func:`evaluation.rm_anova`).

    Raises
    ------
    DataValidationError
        A person has two rows at the same wave (per instrument and group).
    KeyError, TypeError, ValueError
        Missing column, non-numeric score, unknown wave label or contrast.

    Notes
    -----
    A person enters a contrast when they have a non-missing score at either
    of its waves; ``n_pairs`` have both, ``n_dropped`` only one (complete
    pairs only; see :func:`attrition` for who is missing). ``diff = after -
    before``; a rise counts as improved unless ``higher_is_better=False``.
    Rows whose wave is missing are ignored.

    Complexity: one ``groupby().ngroup()`` to number persons and one to number
    groups, then per contrast O(N log N) numpy work for N persons
    (``bincount`` sums for the t statistics, one ``lexsort`` for the
    within-group Wilcoxon ranks); no Python loop over groups (except the
    optional bootstrap). A million persons × 3 waves in a thousand villages
    takes a few seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaluation.schema import WAVES
    >>> scores = pd.DataFrame({
    ...     "person_id": ["P1", "P2", "P3", "P4"] * 2,
    ...     "wave": pd.Categorical(["pre"] * 4 + ["post"] * 4, categories=WAVES, ordered=True),
    ...     "total": [40, 42, 45, 39, 44, 47, 46, 41]})
    >>> participants = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4"],
    ...                              "village_id": ["V1", "V1", "V2", "V2"]})
    >>> scores = scores.merge(participants, on="person_id", how="left")
    >>> out = happiness_change(scores, by="village_id", contrasts=[("pre", "post")])
    >>> out[["village_id", "contrast", "n_pairs", "mean_diff", "share_improved"]]
      village_id  contrast  n_pairs  mean_diff  share_improved
    0         V1  pre→post        2        4.5             1.0
    1         V2  pre→post        2        1.5             1.0
    """
    _check_alternative(alternative)
    conf_level = _check_conf_level(conf_level)
    by_cols = _as_list(by, "by")
    values = _as_list(value, "value")
    if not values:
        raise ArgumentError("value must name at least one score column, got an empty list")
    require_columns(scores, {"person": person, "wave": wave, "value": values, "by": by_cols},
                    what="scores")
    for v in values:
        if not (pd.api.types.is_numeric_dtype(scores[v].dtype) or scores[v].isna().all()):
            raise ArgumentError(f"value column {v!r} must be numeric, got dtype {scores[v].dtype}")
    labels = _check_wave_values(scores[wave], wave)
    try:
        pairs = [(a, b) for a, b in contrasts]
    except (TypeError, ValueError):
        raise ArgumentError(f"contrasts must be a sequence of (before, after) wave pairs, "
                            f"got {contrasts!r}") from None
    if not pairs:
        raise ArgumentError("contrasts must contain at least one (before, after) pair")
    for a, b in pairs:
        _check_pair(a, b, labels, "contrasts")
    if bootstrap is not None and (isinstance(bootstrap, bool) or not isinstance(bootstrap, int)
                                  or bootstrap < 1):
        raise ArgumentError(f"bootstrap must be a positive number of resamples or None, got {bootstrap!r}")

    if padjust is not None:
        _check_padjust(padjust)
    if not isinstance(omnibus, (bool, np.bool_)):
        raise ArgumentError(f"omnibus must be True or False, got {omnibus!r}")
    prep = _prepare(scores, by_cols=by_cols, person=person, wave=wave, instrument=instrument,
                    labels=labels)
    data, wcodes, unit_codes, n_units = prep.data, prep.wcodes, prep.unit_codes, prep.n_units
    unit_group, groups, n_groups = prep.unit_group, prep.groups, prep.n_groups
    needed = list(dict.fromkeys(labels.index(w) for p in pairs for w in p))

    # every group x measure x contrast in one vectorised call: the code of a person's pair
    # is (group, measure, contrast), so the rows come out in the output order
    M, C = len(values), len(pairs)
    bs, as_, cs = [], [], []
    for m_i, v in enumerate(values):
        vals = data[v].to_numpy(dtype=float, na_value=np.nan)
        wide = _wide(vals, wcodes, unit_codes, n_units, needed)
        for c_i, (a, b) in enumerate(pairs):
            before, after = wide[labels.index(a)], wide[labels.index(b)]
            seen = ~(np.isnan(before) & np.isnan(after))
            bs.append(before[seen])
            as_.append(after[seen])
            cs.append((unit_group[seen] * M + m_i) * C + c_i)
    stacked_b, stacked_a, codes = np.concatenate(bs), np.concatenate(as_), np.concatenate(cs)
    n_rows = n_groups * M * C
    res = _paired_core(stacked_b, stacked_a, codes, n_rows, alternative=alternative,
                       conf_level=conf_level, higher_is_better=higher_is_better)
    n_pairs = res["n_pairs"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        res["share_improved"] = np.where(n_pairs > 0, res["n_improved"].to_numpy() / n_pairs,
                                         np.nan)
    g_idx = np.repeat(np.arange(n_groups), M * C)
    m_idx = np.tile(np.repeat(np.arange(M), C), n_groups)
    c_idx = np.tile(np.arange(C), n_groups * M)
    if bootstrap is not None:   # blocks in (measure, contrast) order, rows by group
        parts = [_grouped_bootstrap(bs[k], as_[k], cs[k] // (M * C), n_groups, bootstrap, seed,
                                    conf_level) for k in range(M * C)]
        boot = pd.concat(parts, ignore_index=True).iloc[(m_idx * C + c_idx) * n_groups + g_idx]
        res = pd.concat([res, boot.reset_index(drop=True)], axis=1)
    head = groups.iloc[g_idx].reset_index(drop=True) if prep.keys else \
        pd.DataFrame(index=range(n_rows))
    head["measure"] = pd.array(np.array(values, dtype=object)[m_idx], dtype="string")
    head["contrast"] = pd.array(np.array([f"{a}{ARROW}{b}" for a, b in pairs],
                                         dtype=object)[c_idx], dtype="string")
    head["wave_before"] = pd.array(np.array([a for a, _ in pairs], dtype=object)[c_idx],
                                   dtype="string")
    head["wave_after"] = pd.array(np.array([b for _, b in pairs], dtype=object)[c_idx],
                                  dtype="string")
    out = pd.concat([head, res], axis=1)
    if padjust is not None:
        _check_padjust(padjust)
        for col in ("p_t", "p_wilcoxon"):
            p = out[col].to_numpy(dtype=float)
            adj = np.empty(n_rows)
            for start in range(0, n_rows, C):   # the contrasts of one group x measure
                adj[start:start + C] = p_adjust(p[start:start + C], padjust)
            out[f"{col}_adj"] = adj
    if omnibus:
        present = [i for i, _ in enumerate(labels) if (wcodes == i).any()]
        parts = []
        for m_i, v in enumerate(values):
            vals = data[v].to_numpy(dtype=float, na_value=np.nan)
            wide_all = _wide(vals, wcodes, unit_codes, n_units, present)
            y = np.column_stack([wide_all[i] for i in present]) if present else \
                np.zeros((n_units, 0))
            parts.append(omnibus_frame(y, unit_group, n_groups, [labels[i] for i in present]))
        om = pd.concat(parts, ignore_index=True)    # row m * G + g
        out = pd.concat([out, om.iloc[m_idx * n_groups + g_idx].reset_index(drop=True)], axis=1)
    return out


def _grouped_bootstrap(before, after, codes, n_groups, n_resamples, seed, conf_level):
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    rows = []
    for g in range(n_groups):
        idx = order[bounds[g]:bounds[g + 1]]
        rows.append(_bootstrap_arrays(before[idx], after[idx], n_resamples=n_resamples, seed=seed,
                                      conf_level=conf_level))
    return pd.DataFrame(rows, columns=list(_BOOT_FIELDS))


# --------------------------------------------------------------------------- band transitions
@dataclass(frozen=True)
class BandTransitions:
    """Result of :func:`band_transitions`.

    Attributes
    ----------
    table : pandas.DataFrame
        Long cross-tab, one row per group × band_before × band_after.
    test : pandas.DataFrame
        McNemar's test of "in the top band(s)", one row per group.
    """

    table: pd.DataFrame
    test: pd.DataFrame

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return ("<h4>band transitions</h4>" + self.table.to_html(index=False)
                + "<h4>McNemar test (top band)</h4>" + self.test.to_html(index=False))


def _band_order(sub: pd.DataFrame, band: str, total: str | None) -> list[str]:
    """Bands of one instrument from lowest to highest."""
    col = sub[band]
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
        return [str(c) for c in col.cat.categories]
    present = sub[col.notna()]
    if present.empty:
        return []
    keys = present[band].astype(str)
    if total and total in present.columns and pd.api.types.is_numeric_dtype(present[total].dtype):
        med = present[total].groupby(keys).median()
        return [str(b) for b in med.sort_values(kind="stable").index]
    return sorted(keys.unique())


def _registry_labels(instrument_id) -> dict[str, dict[str, str]]:
    """Band labels of a registered instrument ({} when it is unknown)."""
    try:
        from .instruments.registry import get_instrument

        inst = get_instrument(str(instrument_id))
    except Exception:  # unknown or user instrument not on the search path
        return {}
    return {b.id: {"band_label": b.label_th, "band_label_en": b.label_en} for b in inst.bands}


def band_transitions(scores: pd.DataFrame, *, by=None, before: str = "pre", after: str = "post",
                     top_bands=None, band: str = "band", total: str = "total",
                     person: str = "person_id", wave: str = "wave",
                     instrument: str = "instrument", exact: bool = False) -> BandTransitions:
    """Band at one wave × band at a later wave, and McNemar's test for the top band(s).

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores with a ``band`` column (from :func:`evaluation.score_instrument`).
    by : str or list of str, optional
        Group columns (see :func:`happiness_change`).
    before, after : str
        The two waves compared (default pre and post).
    top_bands : str or list of str, optional
        Band id(s) counted as "in the top band(s)" for McNemar's test. Default:
        the highest band of each instrument.
    band, total : str
        Band column; ``total`` is only used to order bands that are not an
        ordered categorical (by their median total).
    person, wave, instrument : str
        Id, wave and instrument columns (grouped by instrument when present).
    exact : bool
        Use the exact binomial McNemar test instead of the chi-squared one.

    Returns
    -------
    BandTransitions
        ``.table`` columns: ``instrument`` (when present), the ``by`` columns,
        ``band_before``, ``band_after`` (band ids), ``band_before_rank``,
        ``band_after_rank`` (0 = lowest band), ``band_before_label``,
        ``band_before_label_en``, ``band_after_label``, ``band_after_label_en``
        (when ``band_label`` / ``band_label_en`` are in ``scores``), ``n``
        (persons), ``share`` (``n`` / persons with a band at both waves in the
        group), ``share_of_before`` (``n`` / persons of the group in
        ``band_before``: the transition probability). Every band combination
        of the instrument is listed, with ``n = 0`` where nobody moved that way.

        ``.test`` columns: the group columns, ``top_bands`` (comma-separated
        ids), ``n_pairs``, ``n_top_before``, ``n_top_after``, ``b`` (top
        before, not after), ``c`` (not before, top after), ``statistic``,
        ``p_value``, ``method``, ``reason``, as :func:`evaluation.mcnemar_test`.

    Notes
    -----
    Only persons with a band at both waves count (complete pairs). McNemar:
    ``X² = (|b - c| - 1)² / (b + c)`` on 1 df, uncorrected when ``b == c`` (R ``mcnemar.test``).

    Examples
    --------
    >>> import pandas as pd
    >>> bands = pd.CategoricalDtype(["below", "average", "better"], ordered=True)
    >>> scores = pd.DataFrame({"person_id": ["P1", "P2", "P3"] * 2,
    ...                        "wave": ["pre"] * 3 + ["post"] * 3,
    ...                        "band": pd.Series(["below", "average", "better",
    ...                                           "average", "better", "better"], dtype=bands)})
    >>> res = band_transitions(scores)
    >>> res.table.query("n > 0")[["band_before", "band_after", "n"]]
      band_before band_after  n
    1       below    average  1
    5     average     better  1
    8      better     better  1
    >>> res.test[["n_pairs", "n_top_before", "n_top_after", "b", "c"]]
       n_pairs  n_top_before  n_top_after  b  c
    0        3             1            2  0  1
    """
    by_cols = _as_list(by, "by")
    require_columns(scores, {"person": person, "wave": wave, "band": band, "by": by_cols},
                    what="scores")
    labels = _check_wave_values(scores[wave], wave)
    _check_pair(before, after, labels, "band_transitions")
    tops = _as_list(top_bands, "top_bands") if top_bands is not None else None
    if tops is not None and not tops:
        raise ArgumentError("top_bands must name at least one band, got an empty list")
    prep = _prepare(scores, by_cols=by_cols, person=person, wave=wave, instrument=instrument,
                    labels=labels)
    data, inst_key, grp = prep.data, prep.inst_key, prep.keys

    # band order per instrument (lowest first)
    inst_names = prep.inst_names
    bcol = data[band]
    if inst_key and isinstance(bcol.dtype, pd.CategoricalDtype) and bcol.cat.ordered:
        # an ordered categorical gives every instrument the same order (no split needed);
        # rows without an instrument form no instrument of their own
        cats = [str(c) for c in bcol.cat.categories]
        orders = [[] if pd.isna(k) else list(cats) for k in inst_names]
    elif inst_key:
        subs = dict(tuple(data.groupby(inst_key, sort=True, observed=True)))
        orders = [_band_order(subs[k], band, total) if k in subs else [] for k in inst_names]
    else:
        orders = [_band_order(data, band, total)]
    all_bands = {b for o in orders for b in o}
    if tops is not None:
        unknown = [t for t in tops if t not in all_bands]
        if unknown:
            raise ArgumentError(f"top_bands {unknown} are not bands in the data; bands are "
                                f"{sorted(all_bands)}")
    n_inst = len(orders)
    K = max((len(o) for o in orders), default=0)

    # rank of each row's band within its instrument (-1: missing band)
    bcodes, buniq = pd.factorize(data[band].astype("string"), use_na_sentinel=True)
    buniq = [str(b) for b in buniq]
    lut = np.full((max(n_inst, 1), len(buniq) + 1), -1, dtype=np.int64)
    for i, order in enumerate(orders):
        pos = {b: r for r, b in enumerate(order)}
        for j, b in enumerate(buniq):
            lut[i, j] = pos.get(b, -1)
    row_inst = prep.group_inst[prep.row_group]
    rank = lut[row_inst, np.where(bcodes < 0, len(buniq), bcodes)].astype(float)
    rank[rank < 0] = np.nan
    wide = _wide(rank, prep.wcodes, prep.unit_codes, prep.n_units,
                 [labels.index(before), labels.index(after)])
    rb, ra = wide[labels.index(before)], wide[labels.index(after)]
    ok = ~(np.isnan(rb) | np.isnan(ra))
    g = prep.unit_group[ok]
    rb, ra = rb[ok].astype(np.int64), ra[ok].astype(np.int64)
    G = prep.n_groups
    counts = np.bincount((g * K + rb) * K + ra, minlength=G * K * K).reshape(G, K, K) if K \
        else np.zeros((G, 0, 0), dtype=np.int64)

    # long table: every group × every band combination of its instrument
    nb = np.array([len(orders[i]) for i in prep.group_inst], dtype=np.int64)
    ii, jj = np.meshgrid(np.arange(K), np.arange(K), indexing="ij")
    valid = (ii[None] < nb[:, None, None]) & (jj[None] < nb[:, None, None])
    gg, bi, ai = np.nonzero(valid)
    names = np.array([[o[r] if r < len(o) else "" for r in range(K)] for o in orders], dtype=object) \
        if K else np.empty((n_inst, 0), dtype=object)
    gi = prep.group_inst[gg]
    cols = {"band_before": pd.array(names[gi, bi] if len(gg) else [], dtype="string"),
            "band_after": pd.array(names[gi, ai] if len(gg) else [], dtype="string"),
            "band_before_rank": bi.astype(np.int64),
            "band_after_rank": ai.astype(np.int64)}
    label_cols = [c for c in ("band_label", "band_label_en") if c in data.columns]
    if label_cols:
        # the label of each (instrument, band) from its first row
        have = np.flatnonzero(bcodes >= 0)
        key = row_inst[have] * (len(buniq) + 1) + bcodes[have]
        _, first = np.unique(key, return_index=True)
        rows_first = have[first]
        label_values = [data[c].to_numpy()[rows_first] for c in label_cols]
        label_of = {(int(i), buniq[b]): [vals[j] for vals in label_values]
                    for j, (i, b) in enumerate(zip(row_inst[rows_first], bcodes[rows_first]))}
        # bands nobody was in: labels from the instrument definition, when it is known
        for i, name in enumerate(inst_names):
            for b, labs in _registry_labels(name).items():
                label_of.setdefault((i, b), [labs[c] for c in label_cols])
        for side, idx in (("before", bi), ("after", ai)):
            for k, c in enumerate(label_cols):
                cols[f"band_{side}_{c.removeprefix('band_')}"] = pd.array(
                    [label_of.get((i, names[i, r]), [None] * len(label_cols))[k]
                     for i, r in zip(gi, idx)], dtype="string")
    n = counts[gg, bi, ai].astype(np.int64)
    tot = counts.sum(axis=(1, 2))[gg]
    row = counts.sum(axis=2)[gg, bi]
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["n"] = n
        cols["share"] = np.where(tot > 0, n / np.maximum(tot, 1), np.nan)
        cols["share_of_before"] = np.where(row > 0, n / np.maximum(row, 1), np.nan)
    table = pd.DataFrame(cols, index=range(len(gg)))
    if grp:
        table = pd.concat([prep.groups.iloc[gg].reset_index(drop=True), table], axis=1)

    # McNemar per group on "in the top band(s)"
    topmask = np.zeros((max(n_inst, 1), max(K, 1)), dtype=bool)
    top_names = []
    for i, order in enumerate(orders):
        chosen = [t for t in tops if t in order] if tops is not None else order[-1:]
        top_names.append(",".join(chosen))
        for t in chosen:
            topmask[i, order.index(t)] = True
    ui = prep.group_inst[g]
    tb, ta = topmask[ui, rb], topmask[ui, ra]
    b = np.bincount(g, weights=tb & ~ta, minlength=G).astype(np.int64)
    c = np.bincount(g, weights=~tb & ta, minlength=G).astype(np.int64)
    n_pairs = np.bincount(g, minlength=G).astype(np.int64)
    stat, p, method = _mcnemar_arrays(b, c, exact=exact, correction=True)
    test = pd.DataFrame({
        "top_bands": pd.array([top_names[i] if top_names else "" for i in prep.group_inst],
                              dtype="string"),
        "n_pairs": n_pairs,
        "n_top_before": np.bincount(g, weights=tb, minlength=G).astype(np.int64),
        "n_top_after": np.bincount(g, weights=ta, minlength=G).astype(np.int64),
        "b": b, "c": c, "statistic": stat, "p_value": p,
        "method": pd.array(method.astype(str), dtype="string"),
        "reason": pd.array(np.where(n_pairs == 0, "no complete pairs",
                                    np.where(b + c == 0, "no discordant pairs: test undefined", "")),
                           dtype="string")}, index=range(len(prep.group_inst)))
    if grp:
        test = pd.concat([prep.groups.reset_index(drop=True), test], axis=1)
    return BandTransitions(table=table, test=test)


# --------------------------------------------------------------------------- attrition
@dataclass(frozen=True)
class Attrition:
    """Result of :func:`attrition`.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per group: counts per wave, complete, pre-and-post.
    missing : pandas.DataFrame
        One row per person × wave at which that person has no score.
    """

    summary: pd.DataFrame
    missing: pd.DataFrame

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return ("<h4>attrition</h4>" + self.summary.to_html(index=False)
                + f"<h4>missing ({len(self.missing)} person × wave)</h4>"
                + self.missing.head(50).to_html(index=False))


def attrition(scores_or_table: pd.DataFrame, *, by=None, person: str = "person_id",
              wave: str = "wave", value: str | None = "total",
              instrument: str = "instrument") -> Attrition:
    """Who was assessed at which wave, and who is missing.

    Parameters
    ----------
    scores_or_table : pandas.DataFrame
        Scores (one row per person × wave) or any long table with person and
        wave columns, e.g. the item-level ``happiness`` table.
    by : str or list of str, optional
        Group columns (see :func:`happiness_change`).
    person, wave : str
        Id and wave columns.
    value : str or None
        A person counts as present at a wave when this column is not missing
        in one of their rows (a score that could not be computed is missing).
        If ``None`` or not a column of the table, any row counts.
    instrument : str
        Grouped by this column when present.

    Returns
    -------
    Attrition
        ``.summary`` columns: ``instrument`` (when present), the ``by``
        columns, ``n_persons`` (present at any wave), ``n_<wave>`` for each
        wave label in order (``n_pre, n_during, n_post``), ``waves_counted``
        (the waves that occur anywhere in the table for that instrument,
        comma-separated), ``n_complete`` (present at every counted wave),
        ``n_pre_post`` (present at both the first and the last wave label,
        pre and post), ``share_complete`` (``n_complete / n_persons``).

        ``.missing`` columns: ``instrument`` (when present), the ``by``
        columns, ``person_id`` (the ``person`` column), ``wave`` (ordered
        categorical): one row per person and counted wave without a score.

    Notes
    -----
    The denominator is everyone who appears in the table at some wave; a
    participant never assessed at all is not visible here (compare with the
    participants table for that). Paired statistics use complete pairs only,
    so ``n_pre_post`` is the ``n_pairs`` of the pre→post contrast.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P1", "P2", "P1", "P3"],
    ...                        "wave": ["pre"] * 3 + ["during"] * 2 + ["post"] * 2,
    ...                        "total": [40, 41, 42, 43, 44, 45, None]})
    >>> res = attrition(scores)
    >>> res.summary[["n_persons", "n_pre", "n_during", "n_post", "n_complete", "n_pre_post"]]
       n_persons  n_pre  n_during  n_post  n_complete  n_pre_post
    0          3      3         2       1           1           1
    >>> res.missing
      person_id    wave
    0        P2    post
    1        P3  during
    2        P3    post
    """
    by_cols = _as_list(by, "by")
    require_columns(scores_or_table, {"person": person, "wave": wave, "by": by_cols},
                    what="scores_or_table")
    labels = _check_wave_values(scores_or_table[wave], wave)
    data = scores_or_table
    if value is not None and value in data.columns:
        data = data[data[value].notna()]
    prep = _prepare(data, by_cols=by_cols, person=person, wave=wave, instrument=instrument,
                    labels=labels, check_duplicates=False)
    W = len(labels)
    present = np.zeros((prep.n_units, W), dtype=bool)
    present[prep.unit_codes, prep.wcodes] = True
    n_inst = max(len(prep.inst_names), 1)
    unit_inst = prep.group_inst[prep.unit_group]
    counted = np.zeros((n_inst, W), dtype=bool)
    counted[unit_inst[:, None].repeat(W, 1)[present], np.nonzero(present)[1]] = True
    need = counted[unit_inst]
    complete = (present | ~need).all(axis=1)
    pre_post = present[:, 0] & present[:, W - 1]
    G, ug = prep.n_groups, prep.unit_group
    cols = {"n_persons": np.bincount(ug, minlength=G).astype(np.int64)}
    for k, w in enumerate(labels):
        cols[f"n_{w}"] = np.bincount(ug, weights=present[:, k], minlength=G).astype(np.int64)
    cols["waves_counted"] = pd.array(
        [",".join(w for k, w in enumerate(labels) if counted[i, k]) for i in prep.group_inst],
        dtype="string")
    cols["n_complete"] = np.bincount(ug, weights=complete, minlength=G).astype(np.int64)
    cols["n_pre_post"] = np.bincount(ug, weights=pre_post, minlength=G).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["share_complete"] = np.where(cols["n_persons"] > 0,
                                          cols["n_complete"] / cols["n_persons"], np.nan)
    summary = pd.DataFrame(cols, index=range(len(prep.group_inst)))
    if prep.keys:
        summary = pd.concat([prep.groups, summary], axis=1)

    uu, ww = np.nonzero(need & ~present)
    first = np.zeros(prep.n_units, dtype=np.int64)
    first[prep.unit_codes[::-1]] = np.arange(len(prep.unit_codes))[::-1]
    rows = first[uu]
    missing = pd.DataFrame({c: prep.data[c].array.take(rows) for c in [*prep.keys, person]},
                           index=range(len(rows)))
    missing[wave] = pd.Categorical.from_codes(ww, categories=labels, ordered=True)
    # sorted by group, person and wave (as sort_values: missing keys last, ties stable)
    sort_codes = [ww]
    for c in reversed([*prep.keys, person]):
        codes, uniques = pd.factorize(missing[c], sort=True)
        sort_codes.append(np.where(codes < 0, len(uniques), codes))
    missing = missing.take(np.lexsort(sort_codes)).reset_index(drop=True)
    return Attrition(summary=summary, missing=missing)
