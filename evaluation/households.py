"""Model households (ครัวเรือนต้นแบบ): a transparent composite score.

Field practice picks a model household per village, then one per subdistrict
among the village picks, then one per district. :func:`rank_households` gives
the evidence for the first step (five components, each shown raw and scaled,
the weights used and the composite score); :func:`select_model_households`
walks the levels. Only household ids are used: no names reach the output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import ArgumentError, require_columns
from .schema import ROLES, WAVES

__all__ = ["COMPONENTS", "rank_households", "select_model_households"]

#: Score components, in output order.
COMPONENTS = ("income_change", "debt_change", "savings_regularity", "account_keeping",
              "happiness_change")
#: Components where a lower raw value is better (ranked on −raw).
_LOWER_IS_BETTER = {"debt_change"}
_AREA_COLUMNS = ("project_id", "subdistrict", "district", "province")


def _check_weights(weights) -> dict[str, float]:
    if weights is None:
        return {c: 1.0 for c in COMPONENTS}
    if not isinstance(weights, dict):
        raise ArgumentError("weights must be a dict of component -> weight (components: "
                            f"{', '.join(COMPONENTS)}); got {type(weights).__name__}")
    unknown = [k for k in weights if k not in COMPONENTS]
    if unknown:
        raise ArgumentError(f"weights has unknown components {unknown}; components: "
                            f"{', '.join(COMPONENTS)}")
    out = {}
    for c in COMPONENTS:
        w = weights.get(c, 0.0)
        try:
            w = float(w)
        except (TypeError, ValueError):
            w = math.nan
        if not math.isfinite(w) or w < 0:
            raise ArgumentError(f"weights[{c!r}] must be a number ≥ 0, got {weights.get(c)!r}")
        out[c] = w
    if sum(out.values()) <= 0:
        raise ArgumentError("weights must give at least one component a positive weight; "
                            f"got {weights!r}")
    return out


def _months(dates: pd.Series) -> pd.Series:
    """Month index (year × 12 + month) of a datetime column."""
    d = pd.to_datetime(dates, errors="coerce")
    return d.dt.year * 12 + d.dt.month - 1


def _households(project, role) -> pd.DataFrame:
    if role is not None and role not in ROLES:
        raise ArgumentError(f"role must be one of {', '.join(ROLES)} or None; got {role!r}")
    part = project.participants
    if role is not None:
        part = part[part["role"] == role]
    hh = (part[["household_id", "village_id"]].dropna(subset=["household_id"])
          .drop_duplicates("household_id"))
    villages = project.villages
    keep = ["village_id"] + [c for c in _AREA_COLUMNS if c in villages.columns]
    hh = hh.merge(villages[keep].drop_duplicates("village_id"), on="village_id", how="left")
    # villages in file order, then households by id
    order = {v: i for i, v in enumerate(villages["village_id"])}
    hh["_v"] = hh["village_id"].map(order)
    hh = hh.sort_values(["_v", "household_id"], kind="stable").drop(columns="_v")
    first = [c for c in ("project_id", "village_id", "subdistrict", "district", "province")
             if c in hh.columns]
    return hh[first + ["household_id"]].reset_index(drop=True)


def _finance_components(project, households, before, after) -> pd.DataFrame:
    fin = getattr(project, "finance", None)
    out = pd.DataFrame({"income_change": np.nan, "debt_change": np.nan},
                       index=pd.Index(households, name="household_id"))
    if fin is None or not len(fin):
        return out
    from .finance import household_finance

    hf = household_finance(fin[fin["household_id"].isin(households)], before=before,
                           after=after).set_index("household_id")
    out["income_change"] = pd.to_numeric(hf["income_change"]).reindex(out.index)
    out["debt_change"] = pd.to_numeric(hf["debt_total_change"]).reindex(out.index)
    return out


def _month_share(entries: pd.DataFrame, hh: pd.DataFrame) -> pd.Series:
    """Share of the village's active months in which each household has an entry.

    ``entries`` has household_id and month. A village's active months run
    from its first to its last month with any entry. Households of a village
    with entries but none of their own get 0; villages without entries NaN.
    """
    e = entries.merge(hh[["household_id", "village_id"]], on="household_id", how="inner")
    e = e.dropna(subset=["month"])
    span = e.groupby("village_id")["month"].agg(["min", "max"])
    n_months = (span["max"] - span["min"] + 1).rename("n_months")
    counted = e.groupby("household_id")["month"].nunique()
    out = hh.set_index("household_id")["village_id"].map(n_months)
    share = counted.reindex(out.index).fillna(0) / out
    return share.where(out.notna())


def _savings_regularity(project, hh) -> pd.Series:
    sav = getattr(project, "savings", None)
    if sav is None or not len(sav):
        return pd.Series(np.nan, index=pd.Index(hh["household_id"], name="household_id"))
    person_hh = project.participants.drop_duplicates("person_id").set_index(
        "person_id")["household_id"]
    s = pd.DataFrame({"household_id": sav["member_id"].map(person_hh).to_numpy(),
                      "group_id": sav["group_id"].to_numpy(),
                      "month": _months(sav["date"]).to_numpy(),
                      "deposit": pd.to_numeric(sav.get("deposit", pd.Series(np.nan,
                                               index=sav.index))).fillna(0).to_numpy()})
    s = s.merge(hh[["household_id", "village_id"]], on="household_id", how="inner")
    s = s.dropna(subset=["month"])
    index = pd.Index(hh["household_id"], name="household_id")
    if not len(s):
        return pd.Series(np.nan, index=index)
    # each household's period: first to last month of the groups it belongs to
    gspan = s.groupby("group_id")["month"].agg(["min", "max"])
    hg = s[["household_id", "group_id"]].drop_duplicates()
    hg = hg.join(gspan, on="group_id")
    hspan = hg.groupby("household_id").agg(start=("min", "min"), end=("max", "max"))
    n_months = hspan["end"] - hspan["start"] + 1
    saved = s[s["deposit"] > 0].groupby("household_id")["month"].nunique()
    share = saved.reindex(n_months.index).fillna(0) / n_months
    # members of a village with savings data but no entries of their own: 0
    has_data = set(s["village_id"])
    out = share.reindex(index)
    no_entries = out.isna() & hh.set_index("household_id")["village_id"].isin(has_data)
    return out.mask(no_entries.reindex(index).to_numpy(), 0.0)


def _account_keeping(project, hh) -> pd.Series:
    ledger = getattr(project, "ledger", None)
    index = pd.Index(hh["household_id"], name="household_id")
    if ledger is None or not len(ledger):
        return pd.Series(np.nan, index=index)
    entries = pd.DataFrame({"household_id": ledger["household_id"].to_numpy(),
                            "month": _months(ledger["date"]).to_numpy()})
    return _month_share(entries, hh).reindex(index)


def _happiness_component(project, hh, instrument, before, after) -> pd.Series:
    index = pd.Index(hh["household_id"], name="household_id")
    hap = getattr(project, "happiness", None)
    if hap is None or not len(hap):
        return pd.Series(np.nan, index=index)
    from .instruments import score_instrument

    user = getattr(project, "instruments", None) or {}
    scores = score_instrument(hap, user.get(instrument, instrument))
    if not len(scores):
        return pd.Series(np.nan, index=index)
    wide = scores.pivot_table(index="person_id", columns="wave", values="total",
                              aggfunc="first", observed=False)
    if before not in wide.columns or after not in wide.columns:
        return pd.Series(np.nan, index=index)
    change = (wide[after] - wide[before]).dropna()
    person_hh = project.participants.drop_duplicates("person_id").set_index(
        "person_id")["household_id"]
    per_hh = change.groupby(change.index.map(person_hh)).mean()
    return per_hh.reindex(index)


def _score(frame: pd.DataFrame, scaled_cols: dict, weights: dict):
    """Weighted mean of the available scaled components (weights renormalised)."""
    avail = pd.DataFrame({c: frame[scaled_cols[c]].notna() for c in COMPONENTS})
    w = pd.DataFrame({c: np.where(avail[c], weights[c], 0.0) for c in COMPONENTS},
                     index=frame.index)
    total = w.sum(axis=1)
    eff = w.div(total.where(total > 0), axis=0)
    score = sum(eff[c] * frame[scaled_cols[c]].fillna(0.0) for c in COMPONENTS)
    score = score.where(total > 0)
    return eff, score, avail


def _scale(frame: pd.DataFrame, group) -> pd.DataFrame:
    """Percentile rank (average ties) of each component within ``group``."""
    out = {}
    for c in COMPONENTS:
        raw = -frame[c] if c in _LOWER_IS_BETTER else frame[c]
        out[c] = raw.groupby([frame[g] for g in group], dropna=False).rank(
            method="average", pct=True)
    return pd.DataFrame(out, index=frame.index)


def rank_households(project, *, weights=None, instrument: str = "tmhi15",
                    before: str = "pre", after: str = "post", role: str | None = "target",
                    n_per_village: int = 1) -> pd.DataFrame:
    """Composite model-household score per household of a project, ranked within village.

    Parameters
    ----------
    project : Project
        A loaded project (or a village view).
    weights : dict, optional
        Component -> weight ≥ 0 (components missing from the dict get 0);
        default equal weights. Weights are renormalised per household over the
        components it has.
    instrument : str, default "tmhi15"
        Instrument of the happiness component.
    before, after : {"pre", "during", "post"}
        Waves compared by the income, debt and happiness components.
    role : {"target", "team", "mentor", None}, default "target"
        Households of participants with this role (None: all).
    n_per_village : int, default 1
        How many households per village get ``selected = True``.

    Returns
    -------
    pandas.DataFrame
        One row per household of the program villages (comparison villages are left
        out), villages in file order, then by rank:
        ``project_id``, ``village_id`` and the village's ``subdistrict``,
        ``district``, ``province`` (when the villages table has them);
        ``household_id``; the raw components ``income_change`` (baht/month,
        after − before), ``debt_change`` (baht, total debt after − before;
        negative = debt fell), ``savings_regularity`` (0–1),
        ``account_keeping`` (0–1), ``happiness_change`` (points); each scaled
        as ``<component>_scaled`` (0–1, higher is better); the effective
        weights ``weight_<component>`` (sum to 1 over available components);
        ``n_components`` available; ``missing`` (comma-separated names of
        missing components, empty if none); ``score`` (0–1, NaN when no
        component is available); ``rank`` within village (1 = best, ties
        share the best rank, <NA> without a score); ``selected`` (bool).

    Notes
    -----
    * ``savings_regularity`` = months with a deposit by any household member
      / months from the first to the last month of the member's savings
      group(s) (the group's first and last entries). A household of a village
      that has savings data but with no entries of its own scores 0; in a
      village without savings data the component is missing.
    * ``account_keeping`` = months with at least one account-book entry /
      months from the village's first to its last entry month. Same 0 / missing
      rule as above.
    * ``happiness_change`` = mean over the household's members with both waves
      of (total after − total before) of ``instrument``.
    * Scaling: percentile rank within the village,
      ``rank(x, average ties) / n_with_x`` (``debt_change`` ranked on its
      negative, so the largest reduction scores 1). A component missing for a
      household is left out and the other weights renormalised; ``missing``
      names it.
    * ``score = Σ w_c · scaled_c / Σ w_c`` over the available components.
    * ``selected``: the ``n_per_village`` best scores of each village; equal
      scores are broken by household id (the rank column shows the tie).

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.households import _example_project
    >>> r = ev.rank_households(_example_project())
    >>> r[["household_id", "income_change", "income_change_scaled", "rank", "selected"]]
      household_id  income_change  income_change_scaled  rank  selected
    0           H1         2000.0                   1.0     1      True
    1           H2         -500.0                   0.5     2     False
    """
    w = _check_weights(weights)
    for name, value in (("before", before), ("after", after)):
        if value not in WAVES:
            raise ArgumentError(f"{name} must be one of {', '.join(WAVES)}; got {value!r}")
    if not isinstance(n_per_village, (int, np.integer)) or n_per_village < 1:
        raise ArgumentError(f"n_per_village must be a whole number ≥ 1, got {n_per_village!r}")
    hh = _households(project, role)
    villages = getattr(project, "villages", None)
    if villages is not None and "arm" in villages.columns:   # model households: program only
        from .arms import comparison_village_ids

        hh = hh[~hh["village_id"].isin(comparison_village_ids(villages))]
    ids = hh["household_id"].tolist()
    fin = _finance_components(project, ids, before, after)
    comp = pd.DataFrame(index=pd.Index(ids, name="household_id"))
    comp["income_change"] = fin["income_change"]
    comp["debt_change"] = fin["debt_change"]
    comp["savings_regularity"] = _savings_regularity(project, hh)
    comp["account_keeping"] = _account_keeping(project, hh)
    comp["happiness_change"] = _happiness_component(project, hh, instrument, before, after)
    out = hh.join(comp.astype(float), on="household_id")

    scaled = _scale(out, ["village_id"])
    scaled_cols = {c: f"{c}_scaled" for c in COMPONENTS}
    for c in COMPONENTS:
        out[scaled_cols[c]] = scaled[c]
    eff, score, avail = _score(out, scaled_cols, w)
    for c in COMPONENTS:
        out[f"weight_{c}"] = eff[c]
    out["n_components"] = avail.sum(axis=1).astype(int)
    out["missing"] = [", ".join(c for c in COMPONENTS if not row[c])
                      for row in avail.to_dict("records")]
    out["score"] = score
    out["rank"] = out.groupby("village_id")["score"].rank(ascending=False,
                                                          method="min").astype("Int64")
    order = {v: i for i, v in enumerate(project.villages["village_id"])}
    out["_v"] = out["village_id"].map(order)
    out = out.sort_values(["_v", "score", "household_id"], ascending=[True, False, True],
                          na_position="last", kind="stable").drop(columns="_v")
    pos = out.groupby("village_id").cumcount()
    out["selected"] = (pos < n_per_village) & out["score"].notna()
    return out.reset_index(drop=True)


def select_model_households(ranked: pd.DataFrame, *,
                            levels=("village_id", "subdistrict", "district"),
                            weights=None) -> pd.DataFrame:
    """Pick model households level by level: village → subdistrict → district.

    Parameters
    ----------
    ranked : pandas.DataFrame
        Output of :func:`rank_households` (all households, not only selected).
    levels : sequence of str, default ("village_id", "subdistrict", "district")
        Area columns of ``ranked`` from the smallest area to the largest.
    weights : dict, optional
        As in :func:`rank_households` (use the same weights).

    Returns
    -------
    pandas.DataFrame
        One row per level × area: ``level`` (the column name), ``area`` (its
        value), ``household_id``, ``village_id``, ``score`` (the winner's score
        at that level), ``n_candidates`` (winners of the level below in the
        area), ``n_households`` (households scored in the area).

    Notes
    -----
    Level 1 takes each village's ``selected`` households. At a higher level,
    every household of the area is re-scaled (percentile ranks of the raw
    components within the area, the same weights and renormalisation), and
    the best-scoring candidate (a winner of the level below inside the area)
    wins; equal scores are broken by household id. An area at level k is
    identified by all columns ``levels[k:]`` (subdistrict names repeat across
    districts). Rows come level by level, areas in the order they first
    appear in ``ranked``.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.households import _example_project
    >>> ranked = ev.rank_households(_example_project())
    >>> ev.select_model_households(ranked)[["level", "area", "household_id"]].values.tolist()
    [['village_id', 'V01', 'H1'], ['subdistrict', 'ต.หนึ่ง', 'H1'], ['district', 'อ.เมือง', 'H1']]
    """
    levels = list(levels)
    if not levels:
        raise ArgumentError("levels must name at least one area column, e.g. ('village_id',)")
    require_columns(ranked, {"levels": levels, "ranked": ["household_id", "score", "selected"]},
                    what="ranked", hint="Pass the output of rank_households (with the "
                    "villages' area columns).")
    w = _check_weights(weights)
    rows = []
    level0 = levels[0]
    cand = ranked[ranked["selected"]].copy()
    n_level0 = ranked.groupby(level0, dropna=False).size()
    for _, r in cand.iterrows():
        rows.append({"level": level0, "area": r[level0], "household_id": r["household_id"],
                     "village_id": r.get("village_id"), "score": r["score"],
                     "n_candidates": int(n_level0.loc[r[level0]]),
                     "n_households": int(n_level0.loc[r[level0]])})
    for k in range(1, len(levels)):
        group = levels[k:]
        tmp = ranked.copy()
        # one hashable key per area (blank area names kept as their own area)
        tmp["_area"] = list(map(tuple, tmp[group].astype(object).fillna("\0").to_numpy()))
        scaled = _scale(tmp, ["_area"])
        scaled_cols = {c: f"_s_{c}" for c in COMPONENTS}
        for c in COMPONENTS:
            tmp[scaled_cols[c]] = scaled[c]
        _, score, _ = _score(tmp, scaled_cols, w)
        tmp["_area_score"] = score
        sizes = tmp["_area"].value_counts()
        pool = tmp[tmp["household_id"].isin(cand["household_id"])]
        pool = pool.sort_values(["_area_score", "household_id"], ascending=[False, True],
                                na_position="last", kind="stable")
        n_cand = pool["_area"].value_counts()
        winners = pool.drop_duplicates("_area")
        # areas in the order they first appear (villages in file order)
        first_seen = {a: i for i, a in enumerate(dict.fromkeys(tmp["_area"]))}
        winners = winners.assign(_o=winners["_area"].map(first_seen))
        winners = winners.sort_values("_o", kind="stable")
        for _, r in winners.iterrows():
            rows.append({"level": levels[k], "area": r[levels[k]],
                         "household_id": r["household_id"], "village_id": r.get("village_id"),
                         "score": r["_area_score"], "n_candidates": int(n_cand[r["_area"]]),
                         "n_households": int(sizes[r["_area"]])})
        cand = winners
    out = pd.DataFrame(rows, columns=["level", "area", "household_id", "village_id", "score",
                                      "n_candidates", "n_households"])
    return out


def _example_project():
    """Two households of one village (docstring examples)."""
    from types import SimpleNamespace

    villages = pd.DataFrame({"village_id": ["V01"], "project_id": ["P01"], "name": ["บ้านหนึ่ง"],
                             "subdistrict": ["ต.หนึ่ง"], "district": ["อ.เมือง"]})
    participants = pd.DataFrame({"person_id": ["a", "b"], "household_id": ["H1", "H2"],
                                 "village_id": ["V01", "V01"], "role": ["target", "target"]})
    finance = pd.DataFrame({"household_id": ["H1", "H1", "H2", "H2"],
                            "wave": ["pre", "post", "pre", "post"],
                            "income": [5000.0, 7000.0, 6000.0, 5500.0],
                            "debt_formal": [1000.0, 0.0, 0.0, 0.0],
                            "debt_informal": [0.0, 0.0, 0.0, 0.0]})
    return SimpleNamespace(villages=villages, participants=participants, finance=finance,
                           happiness=pd.DataFrame(), ledger=pd.DataFrame(),
                           savings=pd.DataFrame(), instruments={})
