"""Tests of evaluation.happiness: change tables, band transitions, attrition.

Fixtures are built by hand in the shape of ``score_instrument`` output (one row
per person × wave). Expected values come from an independent, simpler path:
a pandas pivot plus the scalar :func:`paired_test` per group, ``pd.crosstab``,
statsmodels' McNemar, or counting by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from evaluation.errors import DataValidationError
from evaluation.happiness import attrition, band_transitions, happiness_change
from evaluation.schema import WAVES
from evaluation.stats import PAIRED_FIELDS, paired_test

BANDS = pd.CategoricalDtype(["below", "average", "better"], ordered=True)
LABEL_TH = {"below": "ต่ำกว่าคนทั่วไป", "average": "เท่ากับคนทั่วไป", "better": "ดีกว่าคนทั่วไป"}
LABEL_EN = {"below": "below average", "average": "average", "better": "better than average"}


def tmhi_band(total):
    """TMHI-15 bands by hand: <= 43 below, 44-50 average, >= 51 better."""
    return np.where(total >= 51, "better", np.where(total >= 44, "average", "below"))


def make_scores(n_persons=40, seed=0, instrument="tmhi15", drop=()):
    """Score-shaped table: person × wave with total, band, labels and two domains."""
    rng = np.random.default_rng(seed)
    pid = [f"P{i:03d}" for i in range(n_persons)]
    base = rng.integers(30, 52, n_persons)
    rows = []
    for k, w in enumerate(WAVES):
        total = np.clip(base + rng.integers(-3, 7, n_persons) * k, 15, 60).astype(float)
        for p, t in zip(pid, total):
            if (p, w) in drop:
                continue
            rows.append({"person_id": p, "wave": w, "instrument": instrument, "total": t})
    df = pd.DataFrame(rows)
    df["wave"] = pd.Categorical(df["wave"], categories=WAVES, ordered=True)
    df["band"] = pd.Series(tmhi_band(df["total"].to_numpy()), dtype=BANDS)
    df["band_label"] = df["band"].map(LABEL_TH).astype("string")
    df["band_label_en"] = df["band"].map(LABEL_EN).astype("string")
    df["n_items"] = 15
    df["n_missing"] = 0
    df["reason"] = ""
    df["domain_mental_state"] = (df["total"] * 100 / 60).round(1)
    df["domain_support"] = rng.integers(0, 101, len(df)).astype(float)
    return df


def make_participants(n_persons=40):
    pid = [f"P{i:03d}" for i in range(n_persons)]
    return pd.DataFrame({
        "person_id": pid,
        "village_id": ["V1" if i % 2 else "V2" for i in range(n_persons)],
        "sex": ["F" if i % 3 else "M" for i in range(n_persons)],
    })


@pytest.fixture
def scores():
    s = make_scores()
    return s.merge(make_participants(), on="person_id", how="left")


def reference_change(scores, by, value="total", before="pre", after="post"):
    """Independent path: pivot with pandas, then the scalar paired_test per group."""
    wide = scores.pivot_table(index=[*by, "person_id"], columns="wave", values=value,
                              observed=True, aggfunc="first").reset_index()
    wide.columns = [str(c) for c in wide.columns]
    wide = wide[wide[before].notna() | wide[after].notna()]
    out = {}
    for key, g in (wide.groupby(by) if by else [((), wide)]):
        out[key if isinstance(key, tuple) else (key,)] = paired_test(g[before], g[after])
    return out


# --------------------------------------------------------------------------- happiness_change
def test_change_columns_and_order(scores):
    out = happiness_change(scores, by="village_id")
    assert list(out.columns) == ["instrument", "village_id", "measure", "contrast", "wave_before",
                                 "wave_after", *PAIRED_FIELDS, "share_improved"]
    assert out["contrast"].tolist() == ["pre→during", "during→post", "pre→post"] * 2
    assert out["village_id"].tolist() == ["V1"] * 3 + ["V2"] * 3
    assert (out["instrument"] == "tmhi15").all()


@pytest.mark.parametrize("by", [None, "village_id", ["village_id", "sex"]])
@pytest.mark.parametrize("contrast", [("pre", "during"), ("during", "post"), ("pre", "post")])
def test_change_equals_scalar_paired_test(scores, by, contrast):
    by_list = [] if by is None else ([by] if isinstance(by, str) else by)
    out = happiness_change(scores, by=by)
    out = out[out["contrast"] == f"{contrast[0]}→{contrast[1]}"]
    ref = reference_change(scores, by_list, before=contrast[0], after=contrast[1])
    assert len(out) == len(ref)
    for _, row in out.iterrows():
        r = ref[tuple(row[c] for c in by_list)]
        for f in PAIRED_FIELDS:
            if isinstance(r[f], str):
                assert row[f] == r[f]
            else:
                assert row[f] == pytest.approx(r[f], nan_ok=True, rel=1e-12, abs=1e-12), f
        assert row["share_improved"] == r["n_improved"] / r["n_pairs"]  # hand


def test_change_domain_column_and_several_measures(scores):
    out = happiness_change(scores, value=["total", "domain_mental_state"],
                           contrasts=[("pre", "post")])
    assert out["measure"].tolist() == ["total", "domain_mental_state"]
    ref = reference_change(scores, [], value="domain_mental_state")[()]
    row = out[out["measure"] == "domain_mental_state"].iloc[0]
    assert row["mean_diff"] == pytest.approx(ref["mean_diff"], abs=1e-12)
    assert row["p_wilcoxon"] == pytest.approx(ref["p_wilcoxon"], abs=1e-12)


def test_change_missing_waves_are_dropped_and_counted():
    drop = {("P000", "post"), ("P001", "post"), ("P002", "pre")}
    s = make_scores(20, drop=drop)
    s.loc[s["person_id"].eq("P003") & s["wave"].eq("post"), "total"] = np.nan  # unscorable
    out = happiness_change(s, contrasts=[("pre", "post")]).iloc[0]
    # hand: 20 persons; P000, P001, P003 have pre only, P002 has post only -> 16 pairs, 4 dropped
    assert out["n_pairs"] == 16 and out["n_dropped"] == 4


def test_change_several_instruments_are_not_mixed():
    a = make_scores(12, seed=1, instrument="tmhi15")
    b = make_scores(12, seed=2, instrument="who5")
    out = happiness_change(pd.concat([a, b], ignore_index=True), contrasts=[("pre", "post")])
    assert out["instrument"].tolist() == ["tmhi15", "who5"]
    ref = paired_test(a[a.wave == "pre"]["total"].to_numpy(), a[a.wave == "post"]["total"].to_numpy())
    assert out.iloc[0]["t"] == pytest.approx(ref["t"], abs=1e-12)


def test_change_string_waves_and_no_instrument_column():
    s = make_scores(10).drop(columns="instrument")
    s["wave"] = s["wave"].astype(str)
    out = happiness_change(s, contrasts=[("pre", "post")])
    assert "instrument" not in out.columns and out.iloc[0]["n_pairs"] == 10


def test_change_bootstrap_reproducible(scores):
    a = happiness_change(scores, by="village_id", contrasts=[("pre", "post")], bootstrap=200, seed=5)
    b = happiness_change(scores, by="village_id", contrasts=[("pre", "post")], bootstrap=200, seed=5)
    pd.testing.assert_frame_equal(a, b)
    ref = reference_change(scores, ["village_id"])
    v1 = scores[scores.village_id == "V1"].pivot_table(index="person_id", columns="wave",
                                                        values="total", observed=True)
    from evaluation.stats import bootstrap_change
    exp = bootstrap_change(v1["pre"], v1["post"], n_resamples=200, seed=5)
    row = a[a.village_id == "V1"].iloc[0]
    assert row["mean_ci_low"] == exp["mean_ci_low"] and row["median_ci_high"] == exp["median_ci_high"]
    assert row["n_pairs"] == ref[("V1",)]["n_pairs"]


def test_change_group_with_too_few_pairs_gives_reason():
    s = make_scores(3)
    s["village_id"] = np.where(s["person_id"] == "P000", "V9", "V1")
    out = happiness_change(s, by="village_id", contrasts=[("pre", "post")]).set_index("village_id")
    assert out.loc["V9", "n_pairs"] == 1 and np.isnan(out.loc["V9", "t"])
    assert "one pair" in out.loc["V9", "reason"]


def test_change_duplicate_rows_raise(scores):
    dup = pd.concat([scores, scores.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataValidationError) as err:
        happiness_change(dup)
    assert err.value.problems["value"].tolist() == [scores.iloc[0]["person_id"]]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"by": "district"}, KeyError, "district"),
        ({"value": "happiness"}, KeyError, "happiness"),
        ({"value": "band_label"}, TypeError, "numeric"),
        ({"contrasts": [("pre", "later")]}, ValueError, "after wave must be one of"),
        ({"contrasts": [("pre", "pre")]}, ValueError, "must differ"),
        ({"contrasts": ["pre"]}, ValueError, "contrasts"),
        ({"contrasts": []}, ValueError, "at least one"),
        ({"by": 3}, TypeError, "by must be"),
        ({"alternative": "up"}, ValueError, "alternative"),
        ({"bootstrap": -1}, ValueError, "bootstrap"),
    ],
)
def test_change_bad_arguments(scores, kwargs, error, match):
    with pytest.raises(error, match=match):
        happiness_change(scores, **kwargs)


def test_change_unknown_wave_label():
    s = make_scores(4)
    s["wave"] = s["wave"].astype(str).replace({"pre": "ก่อน"})
    with pytest.raises(ValueError, match="ก่อน"):
        happiness_change(s)


def test_change_not_a_frame():
    with pytest.raises(TypeError, match="DataFrame"):
        happiness_change([1, 2, 3])


def test_change_large_grouped_matches_loop():
    """Vectorised path on many groups equals the per-group scalar loop."""
    rng = np.random.default_rng(11)
    n = 6000
    pid = np.array([f"P{i}" for i in range(n)])
    vill = np.array([f"V{i % 150:03d}" for i in range(n)])
    df = pd.DataFrame({"person_id": np.tile(pid, 3), "village_id": np.tile(vill, 3),
                       "wave": pd.Categorical(np.repeat(WAVES, n), categories=WAVES, ordered=True),
                       "total": rng.integers(15, 61, 3 * n).astype(float)})
    df = df.sample(frac=0.9, random_state=1)  # attrition and shuffled row order
    out = happiness_change(df, by="village_id", contrasts=[("pre", "post")]).set_index("village_id")
    ref = reference_change(df, ["village_id"])
    for v in ["V000", "V077", "V149"]:
        for f in ("n_pairs", "n_dropped", "t", "p_t", "ci_low", "w", "p_wilcoxon", "median_diff"):
            assert out.loc[v, f] == pytest.approx(ref[(v,)][f], rel=1e-12, abs=1e-12), f


# --------------------------------------------------------------------------- band_transitions
def test_band_table_matches_crosstab(scores):
    res = band_transitions(scores)
    wide = scores.pivot_table(index="person_id", columns="wave", values="band",
                              aggfunc="first", observed=True)
    ct = pd.crosstab(wide["pre"].astype(str), wide["post"].astype(str))  # pandas reference
    t = res.table
    assert len(t) == 9  # every combination of the 3 bands
    for _, r in t.iterrows():
        exp = ct.loc[r.band_before, r.band_after] if (r.band_before in ct.index and r.band_after
                                                      in ct.columns) else 0
        assert r["n"] == exp
    assert t["share"].sum() == pytest.approx(1.0)
    row_sums = t.groupby("band_before")["share_of_before"].sum()
    assert all(v == pytest.approx(1.0) for b, v in row_sums.items() if b in ct.index)
    assert t["band_before"].tolist()[:3] == ["below"] * 3
    assert t["band_after_rank"].tolist()[:3] == [0, 1, 2]
    assert t.loc[t.band_before == "better", "band_before_label"].iloc[0] == "ดีกว่าคนทั่วไป"
    assert t.loc[t.band_after == "below", "band_after_label_en"].iloc[0] == "below average"


def test_band_mcnemar_matches_statsmodels(scores):
    res = band_transitions(scores, by="village_id")
    for v, g in scores.groupby("village_id"):
        wide = g.pivot_table(index="person_id", columns="wave", values="band", aggfunc="first",
                             observed=True).dropna()
        top_b = wide["pre"].astype(str).eq("better")
        top_a = wide["post"].astype(str).eq("better")
        table = np.array([[(top_b & top_a).sum(), (top_b & ~top_a).sum()],
                          [(~top_b & top_a).sum(), (~top_b & ~top_a).sum()]])
        # statsmodels: mcnemar(table, exact=False, correction=True)
        ref = sm_mcnemar(table, exact=False, correction=True)
        row = res.test[res.test.village_id == v].iloc[0]
        assert row["b"] == table[0, 1] and row["c"] == table[1, 0]
        assert row["n_pairs"] == len(wide) and row["top_bands"] == "better"
        assert row["statistic"] == pytest.approx(ref.statistic, abs=1e-12)
        assert row["p_value"] == pytest.approx(ref.pvalue, abs=1e-12)


def test_band_top_bands_and_exact(scores):
    res = band_transitions(scores, top_bands=["average", "better"], exact=True)
    wide = scores.pivot_table(index="person_id", columns="wave", values="band", aggfunc="first",
                              observed=True).dropna()
    tb = wide["pre"].astype(str).isin(["average", "better"])
    ta = wide["post"].astype(str).isin(["average", "better"])
    table = np.array([[(tb & ta).sum(), (tb & ~ta).sum()], [(~tb & ta).sum(), (~tb & ~ta).sum()]])
    ref = sm_mcnemar(table, exact=True)  # statsmodels exact binomial
    row = res.test.iloc[0]
    assert row["p_value"] == pytest.approx(ref.pvalue, abs=1e-12)
    assert row["top_bands"] == "average,better" and row["method"] == "exact binomial"


def test_band_order_inferred_from_totals_when_not_categorical(scores):
    s = scores.copy()
    s["band"] = s["band"].astype(str)  # plain strings: order from the median total
    res = band_transitions(s)
    assert res.table["band_before"].drop_duplicates().tolist() == ["below", "average", "better"]
    assert res.test.iloc[0]["top_bands"] == "better"


def test_band_several_instruments():
    a = make_scores(10, seed=1, instrument="tmhi15")
    b = make_scores(10, seed=2, instrument="who5")
    res = band_transitions(pd.concat([a, b], ignore_index=True))
    assert res.table["instrument"].value_counts().to_dict() == {"tmhi15": 9, "who5": 9}
    assert res.test["instrument"].tolist() == ["tmhi15", "who5"]
    assert res.test["n_pairs"].tolist() == [10, 10]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"top_bands": "best"}, ValueError, "best"), ({"before": "post", "after": "post"}, ValueError,
                                                  "differ"),
     ({"before": "baseline"}, ValueError, "before wave"), ({"band": "level"}, KeyError, "level"),
     ({"top_bands": []}, ValueError, "at least one")],
)
def test_band_bad_arguments(scores, kwargs, error, match):
    with pytest.raises(error, match=match):
        band_transitions(scores, **kwargs)


# --------------------------------------------------------------------------- attrition
def test_attrition_counts_by_hand():
    drop = {("P000", "post"), ("P001", "during"), ("P001", "post"), ("P002", "pre")}
    s = make_scores(6, drop=drop)
    s.loc[s["person_id"].eq("P003") & s["wave"].eq("during"), "total"] = np.nan
    res = attrition(s)
    row = res.summary.iloc[0]
    # hand: pre 5 (P002 missing), during 4 (P001 dropped, P003 unscorable), post 4 (P000, P001)
    assert (row["n_persons"], row["n_pre"], row["n_during"], row["n_post"]) == (6, 5, 4, 4)
    # complete at pre, during and post: P004, P005
    assert row["n_complete"] == 2 and row["n_pre_post"] == 3  # pre+post: P003, P004, P005
    assert row["share_complete"] == pytest.approx(2 / 6)
    assert row["waves_counted"] == "pre,during,post"
    missing = set(zip(res.missing["person_id"], res.missing["wave"].astype(str)))
    assert missing == drop | {("P003", "during")}
    assert list(res.missing.columns) == ["instrument", "person_id", "wave"]


def test_attrition_by_group_and_item_table():
    items = pd.DataFrame({
        "person_id": ["P1", "P1", "P1", "P2", "P2", "P3"],
        "wave": ["pre", "pre", "post", "pre", "pre", "post"],
        "item": ["q1", "q2", "q1", "q1", "q2", "q1"],
        "value": [1, 2, 3, 1, 2, None],
        "village_id": ["V1", "V1", "V1", "V2", "V2", "V2"],
    })
    res = attrition(items, by="village_id", value="value")
    s = res.summary.set_index("village_id")
    # hand: V1: P1 pre+post; V2: P2 pre only, P3 answered nothing (value missing) -> not counted
    assert s.loc["V1", ["n_persons", "n_pre", "n_post", "n_complete"]].tolist() == [1, 1, 1, 1]
    assert s.loc["V2", ["n_persons", "n_pre", "n_post", "n_complete"]].tolist() == [1, 1, 0, 0]
    assert s.loc["V1", "n_during"] == 0 and s.loc["V1", "waves_counted"] == "pre,post"
    assert res.missing.astype({"wave": str}).values.tolist() == [["V2", "P2", "post"]]
    # value=None: any row counts, P3 is present at post
    s2 = attrition(items, by="village_id", value=None).summary.set_index("village_id")
    assert s2.loc["V2", "n_persons"] == 2 and s2.loc["V2", "n_post"] == 1


def test_attrition_pre_post_equals_change_n_pairs(scores):
    drop = {("P000", "post"), ("P005", "pre")}
    s = make_scores(30, drop=drop).merge(make_participants(30), on="person_id")
    att = attrition(s, by="village_id").summary.set_index("village_id")
    ch = happiness_change(s, by="village_id", contrasts=[("pre", "post")]).set_index("village_id")
    assert att["n_pre_post"].to_dict() == ch["n_pairs"].to_dict()


@pytest.mark.parametrize(("kwargs", "error", "match"),
                         [({"by": "tambon"}, KeyError, "tambon"), ({"person": "pid"}, KeyError, "pid")])
def test_attrition_bad_arguments(scores, kwargs, error, match):
    with pytest.raises(error, match=match):
        attrition(scores, **kwargs)


def test_band_labels_of_unobserved_bands_come_from_the_instrument():
    s = make_scores(6)
    s = s[s["band"] != "better"]  # nobody in the top band at any wave
    res = band_transitions(s)
    t = res.table
    # tmhi15.yaml: better -> ดีกว่าคนทั่วไป / better than average
    row = t[t.band_after == "better"].iloc[0]
    assert row["band_after_label"] == "ดีกว่าคนทั่วไป"
    assert row["band_after_label_en"] == "better than average"
    assert row["n"] == 0


# --------------------------------------------------------------------------- omnibus / padjust
def test_omnibus_and_padjust_equal_the_r_checked_functions(sample_project):
    # friedman_test / rm_anova / p_adjust are checked against R in test_repeated.py; here the
    # grouped columns must equal those functions run on each village alone.
    from evaluation import score_instrument
    from evaluation.repeated import friedman_test, p_adjust, rm_anova

    scores = score_instrument(sample_project.happiness, "tmhi15").merge(
        sample_project.participants[["person_id", "village_id"]])
    out = happiness_change(scores, by="village_id", omnibus=True, padjust="holm")
    for v, rows in out.groupby("village_id"):
        one = scores[scores.village_id == v]
        fr = friedman_test(one, dv="total", within="wave", subject="person_id").iloc[0]
        rm = rm_anova(one, dv="total", within="wave", subject="person_id").iloc[0]
        row = rows.iloc[0]
        assert row["omnibus_n"] == fr["n"] == rm["n"]
        assert row["friedman_chi2"] == pytest.approx(fr["chi2"], rel=1e-12)
        assert row["rm_p_gg"] == pytest.approx(rm["p_gg"], rel=1e-12)
        assert row["rm_ges"] == pytest.approx(rm["ges"], rel=1e-12)
        np.testing.assert_allclose(rows["p_t_adj"], p_adjust(rows["p_t"].to_numpy(), "holm"))
        np.testing.assert_allclose(rows["p_wilcoxon_adj"],
                                   p_adjust(rows["p_wilcoxon"].to_numpy(), "holm"))
    plain = happiness_change(scores, by="village_id")
    assert "p_t_adj" not in plain.columns and "friedman_p" not in plain.columns


def test_omnibus_with_two_waves_says_why(scores):
    two = scores[scores.wave.astype(str) != "during"]
    out = happiness_change(two, contrasts=[("pre", "post")], omnibus=True)
    assert out["friedman_p"].isna().all() and out["omnibus_reason"].str.contains("three").all()


@pytest.mark.parametrize("kw", [{"padjust": "fdr"}, {"omnibus": "yes"}])
def test_omnibus_padjust_errors(scores, kw):
    with pytest.raises(ValueError):
        happiness_change(scores, **kw)


# --------------------------------------------------------------------------- fast paths (issue 16)
def _messy_scores(seed: int, *, n_people: int = 30, missing: float = 0.2) -> pd.DataFrame:
    """Scores with gaps: waves left out, missing totals, missing group values, two instruments,
    persons numbered out of order, bands with missing values."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in rng.permutation(n_people):
        for w in WAVES:
            if rng.random() < missing:
                continue
            for inst in ("tmhi15", "custom"):
                total = float(rng.integers(30, 60)) if rng.random() > 0.1 else np.nan
                rows.append({"person_id": f"P{p:03d}", "wave": w, "instrument": inst,
                             "total": total, "domain_a": float(rng.integers(0, 12)),
                             "village_id": rng.choice(["V2", "V1", None]),
                             "sex": rng.choice(["f", "m"]),
                             "band": None if np.isnan(total) else tmhi_band(total).item()})
    scores = pd.DataFrame(rows)
    scores["wave"] = pd.Categorical(scores["wave"], categories=WAVES, ordered=True)
    scores["village_id"] = scores["village_id"].astype("string")
    scores["band"] = scores["band"].astype(BANDS)
    scores["band_label"] = scores["band"].map(LABEL_TH).astype("string")
    scores["band_label_en"] = scores["band"].map(LABEL_EN).astype("string")
    return scores


def _groupby_unit_codes(data, keys, person):
    """The straightforward numbering the factorize path replaces."""
    return data.groupby(keys + [person], sort=False, dropna=False,
                        observed=True).ngroup().to_numpy(dtype=np.int64)


@pytest.mark.parametrize("keys", [[], ["instrument"], ["village_id"], ["instrument", "village_id"],
                                  ["sex", "wave"], ["village_id", "sex", "instrument"]])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unit_table_equals_groupby_ngroup(keys, seed):
    from evaluation.happiness import _unit_table

    scores = _messy_scores(seed)
    for data in (scores, scores.iloc[:0], scores.iloc[:1], scores.sample(frac=1, random_state=seed)):
        codes, n_units = _unit_table(data, keys, "person_id")
        expected = _groupby_unit_codes(data, keys, "person_id")
        np.testing.assert_array_equal(codes, expected)
        assert n_units == (expected.max() + 1 if len(expected) else 0)


@pytest.mark.parametrize("seed", [3, 4, 5])
@pytest.mark.parametrize("kwargs", [
    {}, {"by": "village_id"}, {"by": ["village_id", "sex"], "value": ["total", "domain_a"]},
    {"padjust": "holm", "by": "sex"}, {"contrasts": [("during", "post"), ("pre", "post")],
                                       "padjust": "BH"},
    {"omnibus": True, "by": "village_id", "value": ["domain_a", "total"]}])
def test_change_all_at_once_equals_one_group_and_contrast_at_a_time(seed, kwargs):
    """The stacked computation (every group × measure × contrast in one call) against
    happiness_change on one group's rows, one measure and one contrast at a time."""
    from evaluation.repeated import p_adjust

    scores = _messy_scores(seed)
    out = happiness_change(scores, **kwargs)
    by = kwargs.get("by")
    keys = ["instrument"] + ([by] if isinstance(by, str) else list(by or []))
    values = kwargs.get("value", "total")
    values = [values] if isinstance(values, str) else values
    contrasts = kwargs.get("contrasts", [("pre", "during"), ("during", "post"), ("pre", "post")])
    groups = scores.groupby(keys, sort=True, dropna=False, observed=True)
    assert len(out) == groups.ngroups * len(values) * len(contrasts)
    i = 0
    for key, sub in groups:
        for v in values:
            p = []
            for a, b in contrasts:
                one = happiness_change(sub.drop(columns=[k for k in keys if k != "instrument"]),
                                       value=v, contrasts=[(a, b)]).iloc[0]
                row = out.iloc[i]
                for k, kv in zip(keys, key):
                    assert (pd.isna(row[k]) and pd.isna(kv)) or row[k] == kv
                assert (row["measure"], row["wave_before"], row["wave_after"]) == (v, a, b)
                for f in [*PAIRED_FIELDS, "share_improved"]:
                    x, y = row[f], one[f]
                    if isinstance(y, str):
                        assert x == y, f
                    else:
                        assert (pd.isna(x) and pd.isna(y)) or x == pytest.approx(y, rel=1e-12), f
                p.append(row["p_t"])
                i += 1
            if "padjust" in kwargs:
                np.testing.assert_allclose(out["p_t_adj"].iloc[i - len(contrasts):i],
                                           p_adjust(np.array(p, dtype=float), kwargs["padjust"]),
                                           rtol=1e-12)
    for col in ("measure", "contrast", "wave_before", "wave_after"):
        assert out[col].dtype == pd.StringDtype()
    assert list(out.index) == list(range(len(out)))


@pytest.mark.parametrize("seed", [6, 7, 8])
@pytest.mark.parametrize("by", [None, "village_id", ["village_id", "sex"]])
def test_band_transitions_fast_tables_equal_crosstab_and_first_labels(seed, by):
    scores = _messy_scores(seed)
    scores.loc[scores.index[::7], "band_label_en"] = pd.NA   # a missing label: the next row's
    res = band_transitions(scores, by=by)
    keys = ["instrument"] + ([by] if isinstance(by, str) else list(by or []))
    wide = scores.pivot_table(index=[*keys, "person_id"], columns="wave", values="band",
                              aggfunc="first", observed=True, dropna=False)
    wide = wide[["pre", "post"]].dropna().reset_index()
    for key, sub in res.table.groupby(keys, sort=False, dropna=False):
        mask = np.ones(len(wide), dtype=bool)
        for k, kv in zip(keys, key):
            mask &= wide[k].isna().to_numpy() if pd.isna(kv) else \
                (wide[k] == kv).fillna(False).to_numpy(dtype=bool)
        cross = pd.crosstab(wide.loc[mask, "pre"].astype(str), wide.loc[mask, "post"].astype(str))
        for r in sub.itertuples():
            expected = cross.loc[r.band_before, r.band_after] \
                if r.band_before in cross.index and r.band_after in cross.columns else 0
            assert r.n == expected
    # labels come from the first row of each instrument × band (missing there: missing)
    first = scores.dropna(subset=["band"]).drop_duplicates(["instrument", "band"])
    first_en = {(r.instrument, r.band): r.band_label_en for r in first.itertuples()}
    for r in res.table.itertuples():
        assert r.band_before_label == LABEL_TH[r.band_before]
        expected = first_en.get((r.instrument, r.band_before), pd.NA)
        assert (pd.isna(expected) and pd.isna(r.band_before_label_en)) \
            or r.band_before_label_en == expected
    assert res.test["n_pairs"].dtype == np.int64
    assert res.test["reason"].dtype == pd.StringDtype()


@pytest.mark.parametrize("seed", [9, 10, 11])
@pytest.mark.parametrize("by", [None, "village_id", ["sex", "village_id"]])
def test_attrition_missing_rows_and_order_by_hand(seed, by):
    """Who is missing at which counted wave, listed by hand and sorted with sort_values
    (missing group values last), against the numpy listing and lexsort order."""
    scores = _messy_scores(seed, missing=0.3)
    res = attrition(scores, by=by)
    keys = ["instrument"] + ([by] if isinstance(by, str) else list(by or []))
    seen = scores[scores["total"].notna()]
    counted = {i: set(sub["wave"].astype(str)) for i, sub in seen.groupby("instrument")}
    rows = []
    for unit, sub in seen.groupby([*keys, "person_id"], dropna=False, sort=False):
        have = set(sub["wave"].astype(str))
        rows += [(*unit, w) for w in WAVES if w in counted[unit[0]] and w not in have]
    expected = pd.DataFrame(rows, columns=[*keys, "person_id", "wave"])
    expected["wave"] = pd.Categorical(expected["wave"], categories=WAVES, ordered=True)
    expected = expected.sort_values([*keys, "person_id", "wave"]).reset_index(drop=True)
    got = res.missing
    assert list(got.columns) == [*keys, "person_id", "wave"]
    assert len(got) == len(expected)
    for c in got.columns:
        a, b = got[c].astype(object).tolist(), expected[c].astype(object).tolist()
        assert [None if pd.isna(x) else x for x in a] == [None if pd.isna(x) else x for x in b], c
    assert res.summary["n_persons"].sum() == seen.groupby([*keys, "person_id"], dropna=False).ngroups
