"""Tests of evaluation.results (headline figures against independent computations)
and of evaluation.reporting.headline (what headline.json records)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation.reporting.headline import write_headline
from evaluation.results import HEADLINE_KEYS, headline_figures, overall_status
from evaluation.reporting import ReportContext
from evaluation.results import SectionArgumentError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def project():
    if not SAMPLE.exists():
        pytest.skip("sample data not generated")
    return ev.load_project(SAMPLE)


def _paired_reference(before, after):
    """Mean difference and 95% t interval by hand (R t.test(after, before, paired=TRUE))."""
    d = np.asarray(after, float) - np.asarray(before, float)
    n = len(d)
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n)
    return d.mean(), d.mean() - half, d.mean() + half, n


def _happiness_pairs(project, village_id, instrument="tmhi15"):
    v = project.village(village_id)
    hap = v.happiness[v.happiness["instrument"] == instrument]
    scored = ev.score_instrument(hap, instrument)
    wide = scored.pivot_table(index="person_id", columns="wave", values="total",
                              observed=False, aggfunc="first")
    return wide[["pre", "post"]].dropna()


@pytest.mark.parametrize("village_id", ["V01", "V03", "V05"])
def test_happiness_headline_equals_paired_test(project, village_id):
    figs = headline_figures(project.village(village_id))
    pairs = _happiness_pairs(project, village_id)
    mean, lo, hi, n = _paired_reference(pairs["pre"], pairs["post"])
    assert figs["instrument"] == "tmhi15"
    assert figs["happiness_n"] == n
    assert figs["happiness_mean_change"] == pytest.approx(mean, rel=1e-12)
    assert figs["happiness_ci_low"] == pytest.approx(lo, rel=1e-10)
    assert figs["happiness_ci_high"] == pytest.approx(hi, rel=1e-10)
    # share improved: persons with post > pre over pairs
    assert figs["happiness_share_improved"] == pytest.approx(
        float((pairs["post"] > pairs["pre"]).mean()))
    # p of the t-test: scipy.stats.ttest_rel(after, before)
    assert figs["happiness_p_t"] == pytest.approx(
        stats.ttest_rel(pairs["post"], pairs["pre"]).pvalue, rel=1e-8)
    # and the library's own paired_test gives the same
    lib = ev.paired_test(pairs["pre"], pairs["post"])
    assert figs["happiness_mean_change"] == pytest.approx(lib["mean_diff"])


@pytest.mark.parametrize("village_id", ["V01", "V02", "V05"])
def test_income_headline_by_hand(project, village_id):
    v = project.village(village_id)
    figs = headline_figures(v)
    wide = v.finance.pivot_table(index="household_id", columns="wave", values="income",
                                 observed=False, aggfunc="first")[["pre", "post"]].dropna()
    mean, lo, hi, n = _paired_reference(wide["pre"], wide["post"])
    assert figs["income_n"] == n
    assert figs["income_mean_change"] == pytest.approx(mean, rel=1e-12)
    assert figs["income_ci_low"] == pytest.approx(lo, rel=1e-10)
    assert figs["income_ci_high"] == pytest.approx(hi, rel=1e-10)
    assert figs["income_share_up"] == pytest.approx(float((wide["post"] > wide["pre"]).mean()))


def test_counts_and_ladder(project):
    v = project.village("V02")
    figs = headline_figures(v)
    people = v.participants
    assert figs["n_participants"] == len(people)
    assert figs["n_target"] == int((people["role"] == "target").sum())
    assert figs["n_team"] == int((people["role"] == "team").sum())
    assert figs["n_households"] == people["household_id"].nunique()
    lad = ev.evaluate_ladder(v)
    assert figs["ladder_total"] == len(lad)
    assert figs["ladder_achieved"] == int((lad["status"] == "achieved").sum())
    assert figs["ladder_partial"] == int((lad["status"] == "partial").sum())
    with_data = len(lad) - int((lad["status"] == "no_data").sum())
    assert figs["status"] == overall_status(figs["ladder_achieved"], with_data)
    assert tuple(figs) == HEADLINE_KEYS


def test_village_id_argument_and_json(project):
    figs = headline_figures(project, village_id="V04")
    assert figs["village_id"] == "V04" and figs["project_id"] == "P02"
    text = json.dumps(figs, allow_nan=False)     # no NaN anywhere
    assert json.loads(text) == figs


def test_no_data_village(project):
    v = project.village("V03")
    empty = replace(v, happiness=v.happiness.iloc[0:0], finance=v.finance.iloc[0:0],
                    ladders={})
    figs = headline_figures(empty)
    assert figs["instrument"] is None and figs["happiness_n"] == 0
    assert figs["happiness_mean_change"] is None
    assert figs["income_n"] == 0 and figs["income_mean_change"] is None
    assert figs["ladder_total"] == 0 and figs["status"] == "no_data"
    json.dumps(figs, allow_nan=False)


def test_only_pre_wave_gives_no_change(project):
    v = project.village("V01")
    pre_only = replace(v, happiness=v.happiness[v.happiness["wave"] == "pre"],
                       finance=v.finance[v.finance["wave"] == "pre"])
    figs = headline_figures(pre_only)
    assert figs["happiness_mean_change"] is None and figs["happiness_n"] == 0
    assert figs["income_mean_change"] is None and figs["income_n"] == 0


@pytest.mark.parametrize("achieved, total, expected", [
    (8, 10, "on_track"),      # 0.8 is on track (>= 0.8)
    (7, 10, "partly"),        # 0.7
    (5, 10, "partly"),        # 0.5 boundary
    (4, 10, "off_track"),
    (0, 0, "no_data"),
])
def test_overall_status(achieved, total, expected):
    assert overall_status(achieved, total) == expected


def test_write_headline_to_json(project, tmp_path):
    figs = headline_figures(project.village("V01"))
    ctx = ReportContext(tmp_path, lang="th", display=False, formats=("png",))
    write_headline(ctx, figs)
    ctx.finalize()
    data = json.loads((tmp_path / "headline.json").read_text(encoding="utf-8"))
    head = data["headline"]
    assert set(head) >= {"participants", "households", "happiness_change", "income_change",
                         "ladder_achievement", "status"}
    assert head["happiness_change"]["value"] == pytest.approx(figs["happiness_mean_change"])
    assert head["happiness_change"]["n"] == figs["happiness_n"]
    assert head["happiness_change"]["ci"] == pytest.approx(
        [figs["happiness_ci_low"], figs["happiness_ci_high"]])
    assert head["income_change"]["n"] == figs["income_n"]
    assert head["ladder_achievement"]["value"] == pytest.approx(
        figs["ladder_achieved"] / figs["ladder_total"])
    # displayed with thousands separators and the interval: "+1,967 (1,590 ถึง 2,344), n = 30"
    lo, hi = figs["income_ci_low"], figs["income_ci_high"]
    assert head["income_change"]["display"] == (
        f"+{figs['income_mean_change']:,.0f} ({lo:,.0f} ถึง {hi:,.0f}), n = {figs['income_n']}")
    assert head["status"]["display"] == "ตามเป้าหมาย"


def test_write_headline_english(project, tmp_path):
    figs = headline_figures(project.village("V05"))
    ctx = ReportContext(tmp_path, lang="en", display=False, formats=("png",))
    write_headline(ctx, figs)
    assert ctx.headlines["ladder_achievement"]["display"] == (
        f"{figs['ladder_achieved']} of {figs['ladder_total']}")
    assert ctx.headlines["happiness_change"]["label"].startswith("Mean change")


def test_needs_one_village(project):
    with pytest.raises(SectionArgumentError, match="needs one village"):
        headline_figures(project)
    with pytest.raises(ev.EvaluationError, match="unknown village_id"):
        headline_figures(project, village_id="V99")


def test_headline_frame_independent_of_copy(project):
    # computing twice gives identical figures (no state kept between calls)
    a = headline_figures(project.village("V04"))
    b = headline_figures(project.village("V04"))
    assert a == b


# ------------------------------------------------- headline read in Python = the pandas reads
def _headline_by_pandas(v, before="pre", after="post", ladder_frame=None):
    """headline_figures as written with pandas row reads, value_counts and
    frame filters (the reference of the Python reads in evaluation.results)."""
    from evaluation import results as R
    from evaluation.happiness import happiness_change

    row = R.village_row(v)
    people = v.participants
    roles = people["role"].value_counts() if len(people) else pd.Series(dtype=int)
    inst = R.main_instrument(v, None)
    out = {"village_id": row.get("village_id"), "name": row.get("name"),
           "project_id": row.get("project_id"), "project_name": row["project"].get("name"),
           "n_participants": int(len(people)), "n_target": int(roles.get("target", 0)),
           "n_team": int(roles.get("team", 0)), "n_mentor": int(roles.get("mentor", 0)),
           "n_households": int(people["household_id"].nunique()),
           "wave_before": before, "wave_after": after, "instrument": inst,
           "happiness_n": 0, "income_n": 0}
    if inst is not None:
        sc = R.scores(v, inst)
        waves = R.waves_present(sc[sc["total"].notna()]) if len(sc) else []
        if before in waves and after in waves:
            res = happiness_change(sc, contrasts=[(before, after)]).iloc[0]
            out.update(happiness_mean_change=res["mean_diff"], happiness_ci_low=res["ci_low"],
                       happiness_ci_high=res["ci_high"], happiness_n=res["n_pairs"],
                       happiness_share_improved=res["share_improved"],
                       happiness_p_t=res["p_t"], happiness_p_wilcoxon=res["p_wilcoxon"])
    fin = v.finance
    if not fin.empty and "income" in fin.columns:
        waves = R.waves_present(fin[fin["income"].notna()])
        if before in waves and after in waves:
            change = R.finance_change_once(v, before, after)
            res = change[change["measure"] == "income"].iloc[0]
            out.update(income_mean_change=res["mean_diff"], income_ci_low=res["ci_low"],
                       income_ci_high=res["ci_high"], income_n=res["n_pairs"],
                       income_share_up=res["share_income_up"])
    frame = ladder_frame
    if frame is None and v.ladders:
        frame = R.evaluate_ladder_once(v)
    counts, total = {}, 0
    if frame is not None:
        if "level" in frame.columns:
            frame = frame[frame["level"] == "village"]
        counts, total = frame["status"].value_counts(), len(frame)
    keys = ("achieved", "partial", "not_achieved", "no_data")
    out.update({f"ladder_{k}": int(counts.get(k, 0)) for k in keys}, ladder_total=int(total))
    out["status"] = overall_status(out["ladder_achieved"],
                                   out["ladder_total"] - out["ladder_no_data"])
    return R.jsonable({k: out.get(k) for k in HEADLINE_KEYS})


def test_headline_reads_equal_the_pandas_reads(project):
    from evaluation.results import _first_row, _waves_where

    views = [project.village(vid) for vid in project.villages["village_id"]
             if not vid.startswith("C")]   # comparison villages have no ladder of theirs
    v = views[0]
    views += [
        replace(v, happiness=v.happiness.iloc[0:0], finance=v.finance.iloc[0:0], ladders={}),
        replace(v, participants=v.participants.iloc[0:0]),
        replace(v, participants=v.participants.assign(
            household_id=v.participants["household_id"].where(
                np.arange(len(v.participants)) % 3 > 0))),       # missing households
        replace(v, finance=v.finance.assign(income=np.nan)),
        replace(v, projects=v.projects.iloc[0:0], ladders={}),
        replace(v, projects=v.projects.drop(columns="name"), ladders={}),
    ]
    for view in views:
        assert headline_figures(view) == _headline_by_pandas(view), view.village_ids
    lad = ev.evaluate_ladder(v, by=["village_id", "sex"], on_error="warn")
    assert "level" in lad.columns
    assert headline_figures(v, ladder_frame=lad) == _headline_by_pandas(v, ladder_frame=lad)
    # the helpers on their own
    frame = pd.DataFrame({"wave": ["pre", None, "post", "during", "post"],
                          "x": [1.0, 2.0, np.nan, np.nan, 5.0], "s": list("abcde")})
    assert _waves_where(frame, "x") == ev.results.waves_present(frame[frame["x"].notna()])
    assert _waves_where(frame.drop(columns="wave"), "x") == []
    with pytest.raises(KeyError):
        _waves_where(frame, "nope")
    row, fast = frame.assign(n=np.arange(5)).iloc[4], _first_row(frame.assign(n=np.arange(5)), 4)
    assert fast == dict(row) and [type(x) for x in fast.values()] == [type(x) for x in row]
    numeric = pd.DataFrame({"n": [3], "m": [0.5]})
    assert _first_row(numeric)["n"] == 3.0 and isinstance(_first_row(numeric), pd.Series)


def test_scores_people_by_position_equal_the_merge(project):
    from evaluation.instruments import score_instrument
    from evaluation.results import _with_people_fast, instrument_obj, scores

    def by_merge(sc, participants):
        people = participants[["person_id", "village_id", "role"]].drop_duplicates("person_id")
        return sc.merge(people, on="person_id", how="left")

    hap = project.happiness
    checked = 0
    for inst in pd.unique(hap["instrument"]):
        sc = score_instrument(hap[hap["instrument"] == inst], instrument_obj(project, inst))
        parts = project.participants
        doubled = pd.concat([parts, parts.assign(role="team")], ignore_index=True)  # first wins
        for people in (parts, doubled, parts.iloc[::-1].reset_index(drop=True)):
            pd.testing.assert_frame_equal(_with_people_fast(sc, people), by_merge(sc, people))
            checked += 1
        assert _with_people_fast(sc, parts.iloc[1:]) is None             # someone not found
        assert _with_people_fast(sc.iloc[0:0], parts) is None
        assert _with_people_fast(sc.assign(role="x"), parts) is None    # suffixes: merge
        missing = parts.assign(person_id=parts["person_id"].where(parts.index > 0))
        assert _with_people_fast(sc, missing) is None
        assert _with_people_fast(sc.iloc[1:], parts) is None            # not a 0.. index
    assert checked >= 3
    v = project.village("V01")
    got = scores(v, "tmhi15")
    sc = score_instrument(v.happiness[v.happiness["instrument"] == "tmhi15"],
                          instrument_obj(v, "tmhi15"))
    pd.testing.assert_frame_equal(got, by_merge(sc, v.participants))
