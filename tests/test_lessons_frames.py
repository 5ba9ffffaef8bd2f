"""Tests for evaluation.lessons_frames: the list-built theme and quote tables are
the very frames evaluation.lessons builds with pandas (its fallback code), on the
sample program, synthetic villages and edge cases; outside the usual input the
fast builders decline (None) and the pandas code runs."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest

import evaluation.lessons as L
from evaluation import lessons_frames as F
from evaluation.synth import generate_program

CODEBOOK = {"themes": [
    {"id": "money", "th": "การเงิน", "en": "Money", "terms": ["ออม", "หนี้", "กลุ่มออมทรัพย์"]},
    {"id": "team", "th": "ทีม", "en": "Team", "terms": ["ทีม", "แกนนำ"]},
    {"id": "trouble", "th": "ปัญหา", "en": "Trouble", "terms": ["re:ปัญหา(?!ยา)"]},
    {"id": "unused", "th": "ไม่มี", "en": "None", "terms": ["ไม่มีคำนี้เลย"]},
]}


def _frame(village, section, text):
    return pd.DataFrame({"village_id": village, "section": section, "text": text})


def _edge_frames():
    """Lessons tables the fast builders must get right (or decline)."""
    s_team = "ทีมและแกนนำตั้งกลุ่มออมทรัพย์เพื่อให้สมาชิกออมเงินทุกเดือนอย่างต่อเนื่อง"
    s_debt = "สมาชิกออมเงินและลดหนี้"
    yield "two villages, a blank and a missing text", _frame(
        ["V1", "V2", "V3", "V1"], ["a", "b", "c", "d"],
        [f"1) {s_team}\n2) {s_debt}\n3) ปลูกผักขาย", "แกนนำเล่าเรื่องปัญหา\nปัญหายาเสพติดลดลง",
         None, "   "])
    yield "one village, one text", _frame(["V1"], ["a"], [s_debt])
    yield "no hit at all", _frame(["V1", "V2"], ["a", "b"], ["ปลูกผักขาย", "ฝนตกหนัก"])
    yield "missing village id", _frame(["V1", None, "V2"], ["a", "b", "b"],
                                       [s_debt, s_team, "ทีมงานดี"])
    yield "identical sentences and ties", _frame(
        ["V1", "V1", "V2"], ["a", "b", "a"], [f"{s_debt}\n{s_debt}", s_debt, f"{s_team}\n{s_debt}"])
    yield "object columns (pandas code)", _frame(
        pd.Series(["V1", "V2"], dtype=object), ["a", "b"], [s_team, s_debt])
    yield "empty table", _frame(pd.Series([], dtype="str"), pd.Series([], dtype="str"),
                                pd.Series([], dtype="str"))


def _synthetic_lessons():
    """Six generated villages' lessons, text columns as a loaded store has them."""
    lessons = generate_program(6, 5, seed=7)["lessons"]
    return lessons.astype({c: "str" for c in ("village_id", "section", "text")})


def _pandas_only():
    """Context where the fast builders always decline."""
    return mock.patch.multiple(F, theme_frames_fast=lambda *a, **k: None,
                               quote_rows_fast=lambda *a, **k: None)


def _check_themes(lessons, codebook=None, by="village_id"):
    prepared = L.prepare_lessons(lessons)
    got = L.code_themes(prepared, codebook, by=by)
    with _pandas_only():
        want = L.code_themes(prepared, codebook, by=by)
    pd.testing.assert_frame_equal(got.hits, want.hits, check_exact=True)
    pd.testing.assert_frame_equal(got.summary, want.summary, check_exact=True)
    return got


def _check_quotes(result, theme, **kwargs):
    got = L.quotes(result, theme, **kwargs)
    with _pandas_only():
        want = L.quotes(result, theme, **kwargs)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    return got


@pytest.mark.parametrize("by", ["village_id", "section"])
def test_theme_frames_equal_pandas_on_the_sample(sample_project, by):
    result = _check_themes(sample_project.lessons, by=by)
    assert len(result.hits) > 10
    prepared = L.prepare_lessons(sample_project.lessons)
    assert F.theme_frames_fast(prepared, [(0, "x", "x", "x", 1, 1)], [], by) is None  # no themes


@pytest.mark.parametrize("by", ["village_id", "section"])
@pytest.mark.parametrize("codebook", [None, CODEBOOK])
def test_theme_frames_equal_pandas_on_edge_cases(by, codebook):
    for name, lessons in _edge_frames():
        if lessons.empty:
            continue
        _check_themes(lessons, codebook, by=by)


def test_theme_frames_decline_outside_the_usual_input():
    lessons = next(_edge_frames())[1]
    prepared = L.prepare_lessons(lessons)
    themes = L._compile_codebook(L.load_codebook(CODEBOOK))
    rows = [(0, "money", "การเงิน", "ออม", 1, 1)]
    assert F.theme_frames_fast(prepared, rows, themes, "village_id") is not None
    assert F.theme_frames_fast(prepared, [], themes, "village_id") is None
    assert F.theme_frames_fast(prepared, rows, themes + themes[:1], "village_id") is None
    obj = L.prepare_lessons(lessons.astype({"village_id": object}))
    assert F.theme_frames_fast(obj, rows, themes, "village_id") is None
    renumbered = L.PreparedLessons(prepared.lessons, prepared.sentences.assign(
        sentence_id=prepared.sentences["sentence_id"] + 5))
    assert F.theme_frames_fast(renumbered, rows, themes, "village_id") is None


def test_theme_frames_duplicate_theme_ids_use_pandas():
    cb = L.load_codebook(CODEBOOK)
    cb = pd.concat([cb, cb.iloc[[0]].assign(theme_th="อื่น", theme_order=9)], ignore_index=True)
    for _, lessons in list(_edge_frames())[:2]:
        _check_themes(lessons, cb)


def test_theme_frames_equal_pandas_on_synthetic_villages():
    lessons = _synthetic_lessons()
    _check_themes(lessons)
    _check_themes(lessons, by="section")
    for vid in pd.unique(lessons["village_id"]):
        _check_themes(lessons[lessons["village_id"] == vid])


@pytest.mark.parametrize("kwargs", [
    {"n": 2}, {"n": 1, "min_chars": 0, "max_chars": 25}, {"n": 9, "redact": False},
    {"n": 3, "names": ["มะลิ"], "labels": "en"}, {"n": 2, "min_chars": 200, "max_chars": 300}])
def test_quotes_equal_pandas(sample_project, kwargs):
    results = [L.code_themes(sample_project.lessons), L.code_themes(_synthetic_lessons())]
    results += [L.code_themes(lessons) for _, lessons in _edge_frames() if not lessons.empty]
    shown = 0
    for result in results:
        for theme in result.codebook["theme"].unique():
            shown += len(_check_quotes(result, theme, participants=sample_project.participants,
                                       **kwargs))
    assert shown > 20


def test_quotes_with_no_hit_and_errors_as_before():
    result = L.code_themes(_frame(["V1"], ["a"], ["ปลูกผักขาย"]))
    got = _check_quotes(result, "savings_debt")
    assert got.empty and got["quote"].dtype == "str"
    with pytest.raises(L.ArgumentError, match="collection of names"):
        L.quotes(result, "savings_debt", names="มะลิ")
    hits = L.code_themes(_frame(["V1"], ["a"], ["สมาชิกออมเงินและลดหนี้ได้มากขึ้นทุกเดือน"]))
    with pytest.raises(L.ArgumentError, match="collection of names"):
        L.quotes(hits, "savings_debt", names="มะลิ")


def test_quote_rows_decline_outside_the_usual_input():
    result = L.code_themes(next(_edge_frames())[1], CODEBOOK)
    assert F.quote_rows_fast(result, "money", 2, 20, 200) is not None
    odd = L.ThemeResult(result.hits.astype({"theme": object}), result.summary,
                        result.sentences, result.codebook)
    assert F.quote_rows_fast(odd, "money", 2, 20, 200) is None
    shifted = L.ThemeResult(result.hits, result.summary, result.sentences.assign(
        sentence_id=np.arange(len(result.sentences)) + 1), result.codebook)
    assert F.quote_rows_fast(shifted, "money", 2, 20, 200) is None


def _check_sentences(lessons):
    def sentences():
        try:
            return L.prepare_lessons(lessons).sentences
        except Exception as exc:  # noqa: BLE001 (the same error either way)
            return repr(exc)

    got = sentences()
    with mock.patch.object(F, "sentence_frame_fast", lambda *a, **k: None):
        want = sentences()
    if isinstance(want, str):
        assert got == want
        return []
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    return got


def test_sentence_frame_equal_row_build(sample_project):
    frames = [sample_project.lessons, _synthetic_lessons()] + [df for _, df in _edge_frames()]
    base = next(_edge_frames())[1]
    frames += [base.assign(note=pd.Series([np.nan] * len(base), dtype="str")),   # all missing
               base.assign(note=pd.Series(["x", None, "y", None], dtype="str")),
               base.assign(n=[1, 2, 3, 4]),                       # not text: row build
               base.assign(sentence="x")]                         # clashing name: row build
    n = sum(len(_check_sentences(df)) for df in frames)
    assert n > 50
    got = L.prepare_lessons(frames[0]).sentences
    assert isinstance(got["tokens"].iloc[0], tuple)


@pytest.mark.parametrize("kwargs", [{}, {"top": 3}, {"rank_by": "count"},
                                    {"top": None, "rank_by": "count", "min_count": 2}])
def test_keywords_without_groups_equal_one_group(sample_project, kwargs):
    frames = [sample_project.lessons, _synthetic_lessons()] + [df for _, df in _edge_frames()]
    frames.append(_frame(["V1"], ["a"], ["1 2 3 และ ที่"]))   # no content word
    for lessons in frames:
        got = L.keywords(lessons, by=None, **kwargs)
        want = L.keywords(lessons.assign(_all="all"), by="_all", **kwargs).drop(columns="_all")
        pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("kwargs", [{"n": 2, "redact": True, "labels": "th"},
                                    {"n": 1, "redact": False, "labels": "en"},
                                    {"n": 5, "redact": True, "labels": "en"}])
def test_quoted_sections_are_the_quotes_columns(sample_project, kwargs):
    names = ["มะลิ", "สมชาย ใจดี"]
    results = [L.code_themes(sample_project.lessons), L.code_themes(_synthetic_lessons())]
    results += [L.code_themes(lessons, cb) for _, lessons in _edge_frames() if not lessons.empty
                for cb in (None, CODEBOOK)]
    shown = 0
    for result in results:
        for theme in result.codebook["theme"].unique():
            q = L.quotes(result, theme, names=names, **kwargs)
            got = L.quoted_sections(result, theme, names=names, **kwargs)
            assert got == [(r.section, r.quote) for r in q.itertuples()]
            shown += len(got)
    assert shown > 20
    with pytest.raises(L.ArgumentError, match="theme must be one of"):
        L.quoted_sections(results[0], "nope", names=[], **kwargs)
