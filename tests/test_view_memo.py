"""Group scopes of the ladder (evaluation.view_memo.mark_group / group_source).

``evaluate_ladder(v, by=[..., "sex"])`` builds one scope per group; on a report
view (memo on) its metrics take the group's households or people out of the
village's memoised per-household finance, account keeping and scores instead
of recomputing them on the subset. Reference: the same call with the memo
switched off (``view_memo.sharing(False)``: every metric computes on the
subset, the code path before the memo existed); the frames must be equal
value for value (``assert_frame_equal``, exact).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation import results as R
from evaluation import view_memo as M
from evaluation.ladder import _subset, evaluate_ladder


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A synthetic program with messy values, 8 households per village (small groups)."""
    from evaluation.synth import write_program

    path = write_program(tmp_path_factory.mktemp("messy") / "data", villages=4, households=8,
                         seed=11, messy=True)
    return ev.load_project(path)


def _program_villages(project):
    villages = project.villages
    return [v for v in villages["village_id"]
            if not str(villages.set_index("village_id").loc[v].get("arm", "")).startswith("comp")
            and not str(v).startswith("C")]


def _ladder(view, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_ladder(view, on_error="warn", **kw)


def _reference(project, vid, **kw):
    with M.sharing(False):
        return _ladder(project.village(vid), **kw)


def _report_view(project, vid):
    """A village view as the report uses it: memo on, the village ladder computed."""
    v = project.village(vid)
    M.memo(v, ("report",), lambda: None)
    R.evaluate_ladder_once(v)
    return v


@pytest.mark.parametrize("by", [["village_id", "sex"], ["village_id", "role"],
                                ["village_id", "age_group"], ["village_id", "sex", "role"]])
@pytest.mark.parametrize("which", ["sample", "messy"])
def test_groups_from_memo_equal_plain_computation(which, by, sample_project, messy):
    project = sample_project if which == "sample" else messy
    checked = 0
    for vid in _program_villages(project):
        try:
            expected = _reference(project, vid, by=by)
        except ev.EvaluationError:
            continue   # not a program village of a ladder: nothing to compare
        got = _ladder(_report_view(project, vid), by=by)
        pd.testing.assert_frame_equal(got, expected)
        checked += 1
    assert checked >= 2


def test_groups_use_the_memo(sample_project, monkeypatch):
    """On a report view the subsets' finance, keeping and scores are not recomputed."""
    import evaluation.finance as fin
    import evaluation.instruments as ins
    import evaluation.ledger as led

    vid = _program_villages(sample_project)[0]
    v = _report_view(sample_project, vid)
    calls = []
    for mod, name in ((fin, "household_finance"), (led, "account_keeping"),
                      (ins, "score_instrument")):
        original = getattr(mod, name)

        def spy(*a, _f=original, _n=name, **k):
            calls.append(_n)
            return _f(*a, **k)

        monkeypatch.setattr(mod, name, spy)
    _ladder(v, by=["village_id", "sex"])
    assert calls == []


def test_replaced_table_is_not_served_stale(sample_project):
    """A view whose finance is replaced after the ladder ran: the groups see the new rows."""
    vid = _program_villages(sample_project)[0]
    v = _report_view(sample_project, vid)
    before = _ladder(v, by=["village_id", "sex"])
    fin = v.finance.copy()
    fin["income"] = pd.to_numeric(fin["income"]) * np.where(fin["wave"] == "post", 0.5, 3.0)
    v.finance = fin
    got = _ladder(v, by=["village_id", "sex"])
    fresh = sample_project.village(vid)
    fresh.finance = fin
    with M.sharing(False):
        expected = _ladder(fresh, by=["village_id", "sex"])
    pd.testing.assert_frame_equal(got, expected)
    rows = got["indicator_id"] == "income_up"   # both sample ladders have it: it changed
    assert rows.any()
    assert not got.loc[rows, "actual"].equals(before.loc[rows, "actual"])


def test_group_scope_with_replaced_table_computes_on_its_own(sample_project):
    vid = _program_villages(sample_project)[0]
    v = _report_view(sample_project, vid)
    people = set(v.participants["person_id"].iloc[:6])
    households = set(v.participants["household_id"].iloc[:6])
    part = _subset(v, people, households)
    assert M.group_source(part, "finance")[0] is v
    assert M.group_source(part, "finance")[2] == households
    part.finance = part.finance.copy()
    assert M.group_source(part, "finance") is None
    assert M.group_source(part, "ledger") is not None
    copied = copy.copy(part)   # a copy is not the marked scope
    assert M.group_source(copied, "ledger") is None
    with M.sharing(False):
        assert M.group_source(part, "ledger") is None


def test_failure_in_the_village_table_falls_back_to_the_group(sample_project):
    """A household listed twice in one wave makes the village's household_finance fail;
    the groups without that household still get their numbers, as without the memo."""
    vid = _program_villages(sample_project)[0]
    fin = sample_project.village(vid).finance
    dup = pd.concat([fin, fin.iloc[[0]]], ignore_index=True)

    def view():
        v = sample_project.village(vid)
        v.finance = dup
        return v

    with M.sharing(False):
        expected = _ladder(view(), by=["village_id", "sex"])
    v = view()
    M.memo(v, ("report",), lambda: None)
    R.evaluate_ladder_once(v)
    got = _ladder(v, by=["village_id", "sex"])
    pd.testing.assert_frame_equal(got, expected)


def test_metric_scores_once_equals_score_instrument(sample_project):
    from evaluation.instruments import score_instrument

    vid = _program_villages(sample_project)[0]
    v = _report_view(sample_project, vid)
    got = M.metric_scores_once(v, "tmhi15")
    pd.testing.assert_frame_equal(got, score_instrument(v.happiness, "tmhi15"))
    assert M.metric_scores_once(v, "tmhi15") is not got   # a shallow copy each time
    v.happiness = v.happiness.iloc[:0]
    assert M.metric_scores_once(v, "tmhi15").empty        # replaced table: recomputed


def test_savings_of_all_groups_in_one_summary(sample_project, monkeypatch):
    """regular_savers of the by-sex groups: one savings summary by savings group and
    ladder group, equal to one summary per group (sharing off)."""
    import evaluation.savings as sav

    vid = _program_villages(sample_project)[0]
    v = _report_view(sample_project, vid)
    calls = []
    original = sav.savings_summary

    def spy(*a, **k):
        calls.append(k.get("by"))
        return original(*a, **k)

    monkeypatch.setattr(sav, "savings_summary", spy)
    got = _ladder(v, by=["village_id", "sex"])
    assert calls == [["group_id", "_ladder_group_"]]
    pd.testing.assert_frame_equal(got, _reference(sample_project, vid, by=["village_id", "sex"]))


@pytest.mark.parametrize("change", ["outsider", "duplicate_person", "blank_member"])
def test_savings_groups_with_odd_rows(sample_project, change):
    """Savings of a non-participant, a person listed twice, a row without a member id:
    the groups' savers equal the plain computation."""
    vid = _program_villages(sample_project)[0]

    def view():
        v = sample_project.village(vid)
        s = v.savings.copy()
        if change == "outsider":
            extra = s.iloc[[0, 1]].copy()
            extra["member_id"] = "X-NOT-LISTED"
            v.savings = pd.concat([s, extra], ignore_index=True)
        elif change == "duplicate_person":
            v.participants = pd.concat([v.participants, v.participants.iloc[[0]]],
                                       ignore_index=True)
        else:
            s.loc[s.index[0], "member_id"] = pd.NA
            v.savings = s
        return v

    with M.sharing(False):
        expected = _ladder(view(), by=["village_id", "sex"])
    v = view()
    M.memo(v, ("report",), lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R.evaluate_ladder_once(v)
    pd.testing.assert_frame_equal(_ladder(v, by=["village_id", "sex"]), expected)
