"""Tests of evaluation.charts.happiness: figures, Thai/English text and plotted data.

Expected numbers come from independent pandas computations (groupby means,
pivot + subtraction, crosstab) and scipy.stats.t for the interval half-widths.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats as st

from evaluation.charts.happiness import (
    band_transition_chart,
    change_distribution,
    slope_chart,
    wave_means,
    waves_chart,
)
from evaluation.happiness import band_transitions

sys.path.insert(0, str(Path(__file__).parent))
from test_happiness import make_participants, make_scores  # noqa: E402


@pytest.fixture
def scores():
    return make_scores(40).merge(make_participants(40), on="person_id", how="left")


def has_thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def texts(fig: Figure) -> list[str]:
    ax = fig.axes[0]
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
            *[t.get_text() for t in ax.get_xticklabels()]]


# --------------------------------------------------------------------------- waves_chart
def test_waves_chart_means_equal_groupby(scores):
    fig = waves_chart(scores, by="village_id")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    ref = scores.groupby(["village_id", "wave"], observed=True)["total"].mean()  # pandas reference
    lines = {c.get_label(): c.lines[0] for c in ax.containers}  # one errorbar container per group
    assert set(lines) == {"V1", "V2"}
    for v in ("V1", "V2"):
        np.testing.assert_allclose(lines[v].get_ydata(), ref.loc[v].to_numpy(), rtol=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ก่อน", "ระหว่าง", "หลัง"]
    assert all(has_thai(t) for t in texts(fig))
    assert "(คะแนน)" in ax.get_ylabel()


def test_wave_means_interval_hand(scores):
    out = wave_means(scores, value="total")
    g = scores[scores.wave == "post"]["total"]
    half = st.t.ppf(0.975, len(g) - 1) * g.std(ddof=1) / np.sqrt(len(g))  # hand t interval
    row = out[out.wave == "post"].iloc[0]
    assert row["ci_high"] - row["mean"] == pytest.approx(half, rel=1e-12)
    assert row["n"] == len(g)


def test_waves_chart_english_and_domain(scores):
    fig = waves_chart(scores, value="domain_mental_state", lang="en")
    ax = fig.axes[0]
    assert ax.get_title() == "Mean score by wave (95% CI)"
    assert ax.get_ylabel() == "Domain score: mental state (points)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Pre", "During", "Post"]
    line = [c.lines[0] for c in ax.containers if c.get_label() == "All"][0]
    ref = scores.groupby("wave", observed=True)["domain_mental_state"].mean()
    np.testing.assert_allclose(line.get_ydata(), ref.to_numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- slope_chart
def test_slope_chart_lines_and_mean(scores):
    fig = slope_chart(scores)
    ax = fig.axes[0]
    wide = scores.pivot_table(index="person_id", columns="wave", values="total", observed=True)
    persons = [ln for ln in ax.get_lines() if ln.get_gid() == "person"]
    assert len(persons) == len(wide)
    mean = [ln for ln in ax.get_lines() if ln.get_gid() == "mean"][0]
    np.testing.assert_allclose(mean.get_ydata(), [wide["pre"].mean(), wide["post"].mean()])
    d = wide["post"] - wide["pre"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"ดีขึ้น ({int((d > 0).sum())} คน)"
    assert labels[2] == f"แย่ลง ({int((d < 0).sum())} คน)"
    assert all(has_thai(t) for t in texts(fig))


def test_slope_chart_sample_cap(scores):
    fig = slope_chart(scores, max_persons=10)
    persons = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "person"]
    assert len(persons) == 10


def test_slope_chart_several_instruments_refused():
    s = pd.concat([make_scores(5, instrument="a"), make_scores(5, instrument="b")])
    with pytest.raises(ValueError, match="several instruments"):
        slope_chart(s)


# --------------------------------------------------------------------------- change_distribution
def test_change_distribution_counts(scores):
    fig = change_distribution(scores, before="pre", after="during")
    ax = fig.axes[0]
    wide = scores.pivot_table(index="person_id", columns="wave", values="total", observed=True)
    d = (wide["during"] - wide["pre"]).to_numpy()
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == len(d)
    counts = pd.Series(d).value_counts()  # pandas reference: one bar per whole point
    assert max(heights) == counts.max()
    mean = [ln for ln in ax.get_lines() if ln.get_gid() == "mean"][0]
    assert mean.get_xdata()[0] == pytest.approx(d.mean())
    assert all(has_thai(t) for t in [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()])


def test_change_distribution_english(scores):
    ax = change_distribution(scores, lang="en").axes[0]
    assert ax.get_xlabel() == "Change, Post − Pre (points)"
    assert ax.get_ylabel() == "Persons (count)"


# --------------------------------------------------------------------------- band_transition_chart
def test_band_transition_chart_shares(scores):
    res = band_transitions(scores)
    fig = band_transition_chart(res.table)
    ax = fig.axes[0]
    wide = scores.pivot_table(index="person_id", columns="wave", values="band", aggfunc="first",
                              observed=True)
    ct = pd.crosstab(wide["pre"].astype(str), wide["post"].astype(str), normalize="index") * 100
    order = ["below", "average", "better"]
    for j, after in enumerate(order):
        bars = [p for p in ax.patches if p.get_gid() == f"after_{j}"]
        exp = [ct.loc[b, after] if b in ct.index and after in ct.columns else 0 for b in order]
        np.testing.assert_allclose([p.get_height() for p in bars], exp, atol=1e-9)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0].startswith("ต่ำกว่าคนทั่วไป")
    assert all(has_thai(t) for t in [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()])
    assert ax.get_legend().get_title().get_text() == "ระดับหลัง"


def test_band_transition_chart_english_sums_groups(scores):
    res = band_transitions(scores, by="village_id")
    ax = band_transition_chart(res.table, lang="en").axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    n_below = int((scores[scores.wave == "pre"]["band"] == "below").sum())
    assert ticks[0] == f"below average\n(n = {n_below})"
    assert ax.get_ylabel() == "Share of persons (%)"


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("fn", "kwargs", "error", "match"),
    [
        (waves_chart, {"lang": "fr"}, ValueError, "lang"),
        (waves_chart, {"value": "score"}, KeyError, "score"),
        (waves_chart, {"conf_level": 2}, ValueError, "conf_level"),
        (slope_chart, {"before": "baseline"}, ValueError, "before must be one of"),
        (slope_chart, {"max_persons": 0}, ValueError, "max_persons"),
        (change_distribution, {"after": "pre"}, ValueError, "differ"),
        (change_distribution, {"lang": "TH"}, ValueError, "lang"),
    ],
)
def test_chart_bad_arguments(scores, fn, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(scores, **kwargs)


def test_band_chart_bad_table(scores):
    with pytest.raises(KeyError, match="band_before"):
        band_transition_chart(scores)
    with pytest.raises(TypeError, match="DataFrame"):
        band_transition_chart([1, 2])
    with pytest.raises(ValueError, match="empty"):
        band_transition_chart(band_transitions(scores).table.iloc[:0])


# --------------------------------------------------------------------------- fast paths (issue 16)
def _gappy(seed: int, *, instruments=("tmhi15",)) -> pd.DataFrame:
    """Scores with missing totals, missing waves, missing persons, repeated person × wave rows
    (the first non-missing score counts) and persons out of order."""
    rng = np.random.default_rng(seed)
    n = 90
    d = pd.DataFrame({
        "person_id": rng.choice([f"P{i:02d}" for i in range(20)] + [None], n),
        "wave": rng.choice(["pre", "during", "post", None], n),
        "total": np.where(rng.random(n) < 0.2, np.nan, rng.integers(20, 60, n).astype(float)),
        "instrument": rng.choice(list(instruments), n)})
    if seed % 2:
        d["wave"] = pd.Categorical(d["wave"], categories=["pre", "during", "post"], ordered=True)
    return d


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("waves", [("pre", "post"), ("during", "post"), ("post", "pre")])
def test_pairs_equal_pivot_table(seed, waves):
    from evaluation.charts.happiness import _pairs, _pairs_pivot

    before, after = waves
    d = _gappy(seed)
    kw = dict(before=before, after=after, value="total", person="person_id", wave="wave",
              instrument="instrument")
    fast, ref = _pairs(d, **kw), _pairs_pivot(d, **kw)
    assert list(fast.columns) == [before, after]
    for w in waves:
        np.testing.assert_array_equal(fast[w].to_numpy(), ref[w].to_numpy(dtype=float))
    no_inst = d.drop(columns="instrument")
    np.testing.assert_array_equal(_pairs(no_inst, **kw).to_numpy(),
                                  _pairs_pivot(no_inst, **kw)[[before, after]].to_numpy(float))


def test_pairs_refuse_several_instruments_like_the_pivot():
    from evaluation.charts.happiness import _pairs, _pairs_pivot
    from evaluation.errors import ArgumentError

    d = _gappy(1, instruments=("tmhi15", "who5"))
    kw = dict(before="pre", after="post", value="total", person="person_id", wave="wave",
              instrument="instrument")
    with pytest.raises(ArgumentError) as fast:
        _pairs(d, **kw)
    with pytest.raises(ArgumentError) as ref:
        _pairs_pivot(d, **kw)
    assert str(fast.value) == str(ref.value)
    assert "['tmhi15', 'who5']" in str(fast.value)


@pytest.mark.parametrize("by", [None, "village_id"])
def test_band_shares_equal_groupby(scores, by):
    from evaluation.charts.happiness import _band_shares, _band_shares_pandas

    table = band_transitions(scores, by=by).table
    gappy = table.copy()
    gappy.loc[gappy.index[::4], "band_before_label_en"] = pd.NA   # falls back to the band id
    for t in (table, gappy, table[table["n"] > 0]):
        for labels in (("band_before_label", "band_after_label"),
                       ("band_before_label_en", "band_after_label_en"), ("nope", "nope")):
            fast, ref = _band_shares(t, *labels), _band_shares_pandas(t, *labels)
            assert fast[0] == ref[0] and fast[1] == ref[1]          # ranks
            assert fast[2] == ref[2] and fast[3] == ref[3]          # names by rank
            for a, b in zip(fast[4:], ref[4:]):                     # counts, totals, shares
                np.testing.assert_array_equal(a, b)


def test_waves_chart_with_given_means_draws_the_same_chart(scores):
    from evaluation.charts.lite import lite_figures

    valid = scores[scores["total"].notna()]
    with lite_figures():
        a = waves_chart(valid, lang="en").to_svg(prefix="t-")
        b = waves_chart(valid, lang="en", means=wave_means(valid)).to_svg(prefix="t-")
        c = waves_chart(valid, by="sex").to_svg(prefix="t-")
        d = waves_chart(valid, by="sex", means=wave_means(valid, by="sex")).to_svg(prefix="t-")
    assert a == b and c == d and a != c
