"""Tests of evaluation.instruments: definitions as data and scoring.

Every expected score is computed by hand in the comment beside it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataValidationError, EvaluationError
from evaluation.instruments import (
    ArgumentError,
    Band,
    InstrumentError,
    InstrumentWarning,
    get_instrument,
    load_instrument,
    registry,
    score_instrument,
)
from evaluation.schema import WAVES

WAVE_DTYPE = pd.CategoricalDtype(list(WAVES), ordered=True)
TMHI_ITEMS = [f"q{i}" for i in range(1, 16)]
HAPPI_DOMAINS = ["body", "relax", "heart", "soul", "family", "society", "brain", "money",
                 "worklife"]


def long(rows, instrument=None):
    """rows: list of (person, wave, {item: value}) -> long responses table."""
    recs = []
    for person, wave, answers in rows:
        for it, val in answers.items():
            recs.append({"person_id": person, "wave": wave, "item": it, "value": val})
    df = pd.DataFrame(recs)
    df["value"] = df["value"].astype(float)
    if instrument is not None:
        df.insert(2, "instrument", instrument)
    return df


def tmhi(answers: list[float]) -> dict:
    return dict(zip(TMHI_ITEMS, answers))


# --------------------------------------------------------------------------- registry
def test_builtin_registry_ids_and_facts():
    reg = registry()
    assert list(reg) == ["happinometer", "happy10", "tmhi15", "who5"]
    t = reg["tmhi15"]
    assert t.item_ids == tuple(TMHI_ITEMS)
    assert t.reverse_items == ("q3", "q4", "q5")
    assert t.item_range("q3") == (1, 4)
    assert t.total.method == "sum" and t.total["method"] == "sum"
    assert t.total_range == (15, 60)  # 15 items x 1 .. 15 items x 4
    assert [(b.id, b.low, b.high) for b in t.bands] == [
        ("below", 15, 44), ("average", 44, 51), ("better", 51, 60)]
    w = reg["who5"]
    assert w.total_range == (0, 100) and w.total.method == "rescale_0_100"
    h = reg["happinometer"]
    assert list(h.domains) == HAPPI_DOMAINS
    assert h.domains["money"]["items"] == ("money_1", "money_2")
    assert h.total.over == "domains" and h.total_range == (0, 100)
    assert len(h.domain_bands) == 4
    assert reg["happy10"].total_range == (0, 10)
    # uncertain facts are stated in the files, not hidden
    assert "not reproduced" in t.notes and "domain" in t.notes
    assert "STRUCTURAL STAND-IN" in h.notes and "UNCONFIRMED" in h.notes
    assert "convention" in reg["happy10"].notes


def test_item_range_unknown_item():
    with pytest.raises(InstrumentError, match="no item 'q99'.*q1, q2"):
        get_instrument("who5").item_range("q99")


def test_unknown_instrument_id_lists_known_ids():
    with pytest.raises(InstrumentError) as err:
        get_instrument("tmhi")
    msg = str(err.value)
    assert "unknown instrument 'tmhi'" in msg
    for known in ("happinometer", "happy10", "tmhi15", "who5"):
        assert known in msg
    assert isinstance(err.value, EvaluationError)


def test_get_instrument_ignores_case_and_passes_instrument_through():
    who5 = get_instrument(" WHO5 ")
    assert who5.id == "who5"
    assert get_instrument(who5) is who5


def test_get_instrument_bad_type():
    with pytest.raises(ArgumentError, match="instrument must be"):
        get_instrument(5)


# --------------------------------------------------------------------------- TMHI-15
def test_tmhi_reverse_scoring_and_bands_at_boundaries():
    rows = [
        # all 1: 12 x 1 + reversed q3-q5 (5-1=4) x 3 = 12 + 12 = 24 -> below
        ("A", "pre", tmhi([1] * 15)),
        # all 4: 12 x 4 + (5-4=1) x 3 = 48 + 3 = 51 -> better (lowest "better" total)
        ("B", "pre", tmhi([4] * 15)),
        # non-reversed all 1, reversed answered 4 -> 12 + 3 x 1 = 15 (minimum) -> below
        ("C", "pre", tmhi([1, 1, 4, 4, 4] + [1] * 10)),
        # non-reversed all 4, reversed answered 1 -> 48 + 3 x 4 = 60 (maximum) -> better
        ("D", "pre", tmhi([4, 4, 1, 1, 1] + [4] * 10)),
        # non-reversed: 10 x 3 + 2 x 2 = 34; reversed answered 3 -> 3 x 2 = 6; 40 -> below
        ("E", "pre", tmhi([3, 3, 3, 3, 3] + [3] * 8 + [2, 2])),
        # non-reversed 12 x 3 = 36; reversed answered 2 -> 3 x 3 = 9; 45 -> average
        ("F", "pre", tmhi([3, 3, 2, 2, 2] + [3] * 10)),
        # non-reversed 11 x 3 + 1 x 2 = 35; reversed answered 2 -> 9; 44 -> average
        ("G", "pre", tmhi([3, 3, 2, 2, 2] + [3] * 9 + [2])),
        # non-reversed 10 x 3 + 2 x 2 = 34; reversed answered 2 -> 9; 43 -> below
        ("H", "pre", tmhi([3, 3, 2, 2, 2] + [3] * 8 + [2, 2])),
        # non-reversed 12 x 3 = 36 + 2 = 38 (one 4 instead of 3 = +1 ... see below)
        # 11 x 3 + 1 x 4 = 37; reversed answered 1 -> 3 x 4 = 12 ... 49; make 50:
        # 10 x 3 + 2 x 4 = 38; reversed answered 1 -> 12; 50 -> average (top)
        ("I", "pre", tmhi([3, 3, 1, 1, 1] + [3] * 8 + [4, 4])),
    ]
    out = score_instrument(long(rows), "tmhi15")
    got = dict(zip(out["person_id"], out["total"]))
    assert got == {"A": 24, "B": 51, "C": 15, "D": 60, "E": 40, "F": 45, "G": 44, "H": 43,
                   "I": 50}
    bands = dict(zip(out["person_id"], out["band"].astype(str)))
    assert bands == {"A": "below", "B": "better", "C": "below", "D": "better", "E": "below",
                     "F": "average", "G": "average", "H": "below", "I": "average"}
    row_b = out.set_index("person_id").loc["B"]
    assert row_b["band_label"] == "ดีกว่าคนทั่วไป"
    assert row_b["band_label_en"] == "better than average"
    assert (out["n_items"] == 15).all() and (out["n_missing"] == 0).all()
    assert out["reason"].isna().all()
    assert list(out.columns) == ["person_id", "wave", "instrument", "total", "band",
                                 "band_label", "band_label_en", "n_items", "n_missing",
                                 "reason"]
    assert out["band"].cat.ordered
    assert list(out["band"].cat.categories) == ["below", "average", "better"]


def _tmhi_with_missing(n_missing: int) -> pd.DataFrame:
    # every item answered 3; q3-q5 reverse to 5 - 3 = 2; the last n_missing items blank
    answers = [3.0] * 15
    for k in range(n_missing):
        answers[14 - k] = np.nan
    return long([("P", "pre", tmhi(answers))])


def test_prorate_at_the_20_percent_limit():
    out = score_instrument(_tmhi_with_missing(3), "tmhi15")
    # answered: q1-q12 -> 9 non-reversed x 3 = 27, q3-q5 -> 3 x 2 = 6; sum 33 over 12 items
    # prorated: 33 / 12 x 15 = 41.25 -> below (< 44)
    assert out["total"].iloc[0] == pytest.approx(41.25, abs=1e-12)
    assert out["band"].iloc[0] == "below"
    assert out["n_missing"].iloc[0] == 3
    assert pd.isna(out["reason"].iloc[0])


def test_prorate_over_the_limit_gives_nan_and_reason():
    out = score_instrument(_tmhi_with_missing(4), "tmhi15")
    assert np.isnan(out["total"].iloc[0])
    assert pd.isna(out["band"].iloc[0]) and pd.isna(out["band_label"].iloc[0])
    assert out["reason"].iloc[0] == "4 of 15 items missing (> 20%)"
    assert out["n_missing"].iloc[0] == 4


def test_prorate_max_missing_parameter():
    # 4 of 15 = 26.7% <= 30%: answered q1-q11 -> 8 x 3 + 3 x 2 = 30 over 11; 30/11 x 15
    out = score_instrument(_tmhi_with_missing(4), "tmhi15", max_missing=0.3)
    assert out["total"].iloc[0] == pytest.approx(30 / 11 * 15, rel=1e-12)
    out0 = score_instrument(_tmhi_with_missing(1), "tmhi15", max_missing=0)
    assert out0["reason"].iloc[0] == "1 of 15 items missing (> 0%)"


def test_complete_policy():
    out = score_instrument(_tmhi_with_missing(1), "tmhi15", missing="complete")
    assert np.isnan(out["total"].iloc[0])
    assert out["reason"].iloc[0] == "1 of 15 items missing (missing='complete' needs all 15)"
    full = score_instrument(_tmhi_with_missing(0), "tmhi15", missing="complete")
    # 12 x 3 + 3 x 2 = 42
    assert full["total"].iloc[0] == 42


def test_available_policy():
    out = score_instrument(_tmhi_with_missing(4), "tmhi15", missing="available")
    # plain sum of what is there: 8 x 3 + 3 x 2 = 30 (not prorated)
    assert out["total"].iloc[0] == 30
    nothing = long([("P", "pre", {"q1": np.nan, "q2": np.nan})])
    out2 = score_instrument(nothing, "tmhi15", missing="available")
    assert np.isnan(out2["total"].iloc[0])
    assert out2["reason"].iloc[0] == "all 15 items missing"
    assert out2["n_missing"].iloc[0] == 15


def test_absent_rows_count_as_missing():
    # only 12 rows present (q13-q15 absent) = same as blank values
    answers = {f"q{i}": 3.0 for i in range(1, 13)}
    out = score_instrument(long([("P", "pre", answers)]), "tmhi15")
    assert out["n_missing"].iloc[0] == 3
    assert out["total"].iloc[0] == pytest.approx(41.25, abs=1e-12)  # as in the prorate test


# --------------------------------------------------------------------------- WHO-5
def test_who5_rescale_and_band_boundaries():
    rows = [
        ("A", "pre", dict(q1=2, q2=2, q3=1, q4=1, q5=1)),   # raw 7 x 4 = 28 -> depression screen
        ("B", "pre", dict(q1=2, q2=2, q3=2, q4=1, q5=1)),   # raw 8 x 4 = 32 -> poor
        ("C", "pre", dict(q1=3, q2=3, q3=2, q4=2, q5=2)),   # raw 12 x 4 = 48 -> poor
        ("D", "pre", dict(q1=3, q2=3, q3=3, q4=2, q5=2)),   # raw 13 x 4 = 52 -> good
        # 4 answered, sum 10, prorated raw 10 / 4 x 5 = 12.5, x 4 = 50 -> good (boundary)
        ("E", "pre", dict(q1=3, q2=3, q3=2, q4=2, q5=np.nan)),
        ("F", "pre", dict(q1=0, q2=0, q3=0, q4=0, q5=0)),   # 0 -> depression screen
        ("G", "pre", dict(q1=5, q2=5, q3=5, q4=5, q5=5)),   # raw 25 x 4 = 100 -> good
    ]
    out = score_instrument(long(rows), "who5")
    got = dict(zip(out["person_id"], out["total"]))
    assert got == {"A": 28, "B": 32, "C": 48, "D": 52, "E": 50, "F": 0, "G": 100}
    assert got["A"] == 28.0  # exactly, not 28.000000000000004 (7 / 25 * 100)
    bands = dict(zip(out["person_id"], out["band"].astype(str)))
    assert bands == {"A": "depression_screen", "B": "poor", "C": "poor", "D": "good",
                     "E": "good", "F": "depression_screen", "G": "good"}


@pytest.mark.parametrize("value, band", [
    (0, "depression_screen"), (28, "depression_screen"),   # <= 28: screen for depression
    (28.0001, "poor"), (28.5, "poor"), (49.9, "poor"), (49.9999, "poor"),  # 28 < x < 50
    (50, "good"), (100, "good"),                             # >= 50: not poor
    (np.nan, None), (100.5, None), (-1, None),
])
def test_who5_band_semantics(value, band):
    got = get_instrument("who5").classify([value])[0]
    assert (pd.isna(got) and band is None) or got == band


def test_band_contains_and_interval():
    b = Band("poor", 28, 50, "สุขภาวะต่ำ", "poor", low_inclusive=False)
    assert b.interval() == "(28, 50)"
    assert not b.contains(28) and b.contains(28.01) and not b.contains(50)
    assert list(b.contains([27, 30, 50])) == [False, True, False]


# --------------------------------------------------------------------------- happy10
def test_happy10_total_is_the_value_and_bands():
    rows = [(f"P{v:02d}", "post", {"q1": v}) for v in (0, 4, 5, 7, 8, 10)]
    out = score_instrument(long(rows), "happy10")
    assert list(out["total"]) == [0, 4, 5, 7, 8, 10]
    # bands [0, 5) low, [5, 8) middle, [8, 10] high
    assert list(out["band"].astype(str)) == ["low", "low", "middle", "middle", "high", "high"]


# --------------------------------------------------------------------------- Happinometer
def _happi(pairs: dict[str, tuple[float, float]]) -> dict:
    out = {}
    for dom, (a, b) in pairs.items():
        out[f"{dom}_1"], out[f"{dom}_2"] = a, b
    return out


HAPPI_ANSWERS = {
    # domain: (item 1, item 2)  domain score = ((a + b) / 2 - 1) / 4 x 100
    "body": (5, 5),      # (5 - 1) / 4 x 100 = 100
    "relax": (1, 1),     # 0
    "heart": (3, 4),     # (3.5 - 1) / 4 x 100 = 62.5
    "soul": (2, 3),      # (2.5 - 1) / 4 x 100 = 37.5
    "family": (4, 4),    # 75
    "society": (1, 2),   # 12.5
    "brain": (5, 4),     # 87.5
    "money": (2, 2),     # 25
    "worklife": (3, 3),  # 50
}
HAPPI_EXPECTED = {"body": 100, "relax": 0, "heart": 62.5, "soul": 37.5, "family": 75,
                  "society": 12.5, "brain": 87.5, "money": 25, "worklife": 50}


def test_happinometer_domains_total_and_domain_bands():
    out = score_instrument(long([("P", "pre", _happi(HAPPI_ANSWERS))]), "happinometer")
    row = out.iloc[0]
    for dom, expected in HAPPI_EXPECTED.items():
        assert row[f"domain_{dom}"] == expected, dom
    # total = mean of domain scores = (100+0+62.5+37.5+75+12.5+87.5+25+50) / 9 = 450 / 9 = 50
    assert row["total"] == pytest.approx(50, abs=1e-12)
    assert row["band"] == "happy"  # [50, 75)
    # domain bands [0,25) very_unhappy, [25,50) unhappy, [50,75) happy, [75,100] very_happy
    assert row["domain_money_band"] == "unhappy"         # 25 is the lower bound
    assert row["domain_society_band"] == "very_unhappy"  # 12.5
    assert row["domain_family_band"] == "very_happy"     # 75
    assert row["domain_worklife_band"] == "happy"        # 50
    assert row["domain_body_band"] == "very_happy"       # 100 (top band closed)
    assert row["n_items"] == 18
    domain_cols = [c for c in out.columns if c.startswith("domain_") and not c.endswith("_band")]
    assert domain_cols == [f"domain_{d}" for d in HAPPI_DOMAINS]


def test_happinometer_missing_item_drops_domain_then_total():
    answers = _happi(HAPPI_ANSWERS)
    answers["body_1"] = np.nan
    out = score_instrument(long([("P", "pre", answers)]), "happinometer")
    # body: 1 of 2 items missing (50% > 20%) -> NaN; total = mean of the 8 other domains
    # (0+62.5+37.5+75+12.5+87.5+25+50) / 8 = 350 / 8 = 43.75 (1 of 9 domains = 11% <= 20%)
    assert np.isnan(out["domain_body"].iloc[0])
    assert out["total"].iloc[0] == pytest.approx(43.75, abs=1e-12)
    assert out["band"].iloc[0] == "unhappy"
    answers["relax_2"] = np.nan
    out2 = score_instrument(long([("P", "pre", answers)]), "happinometer")
    # 2 of 9 domains missing = 22% > 20% -> NaN
    assert np.isnan(out2["total"].iloc[0])
    assert out2["reason"].iloc[0] == ("2 of 18 items missing; 2 of 9 domains missing (> 20%)")


# --------------------------------------------------------------------------- tables
def test_several_instruments_in_one_table_and_ordered_waves():
    who = long([
        ("P2", "post", dict(q1=5, q2=5, q3=5, q4=5, q5=5)),  # 100
        ("P1", "post", dict(q1=3, q2=3, q3=3, q4=3, q5=3)),  # 15 x 4 = 60
        ("P1", "pre", dict(q1=1, q2=1, q3=1, q4=1, q5=1)),   # 5 x 4 = 20
        ("P1", "during", dict(q1=2, q2=2, q3=2, q4=2, q5=2)),  # 10 x 4 = 40
    ], instrument="who5")
    tm = long([("P1", "pre", tmhi([4] * 15)), ("P2", "pre", tmhi([1] * 15))],
              instrument="TMHI15")  # case differs from the id on purpose
    hp = long([("P1", "pre", {"q1": 6})], instrument="happy10")
    table = pd.concat([tm, who, hp], ignore_index=True).sample(frac=1, random_state=3)
    w = score_instrument(table, "who5")
    assert list(zip(w["person_id"], w["wave"].astype(str), w["total"])) == [
        ("P1", "pre", 20), ("P1", "during", 40), ("P1", "post", 60), ("P2", "post", 100)]
    assert w["wave"].dtype == WAVE_DTYPE
    assert (w["instrument"] == "who5").all()
    t = score_instrument(table, "tmhi15")
    assert list(t["total"]) == [51, 24]  # as in the TMHI boundary test
    h = score_instrument(table, "happy10")
    assert list(h["total"]) == [6]


def test_wave_keeps_input_ordered_categorical():
    df = long([("A", "post", {"q1": 3}), ("A", "pre", {"q1": 2})])
    df["wave"] = pd.Categorical(df["wave"], categories=list(WAVES), ordered=True)
    out = score_instrument(df, "happy10")
    assert out["wave"].dtype == WAVE_DTYPE
    assert list(out["wave"].astype(str)) == ["pre", "post"]


def test_custom_column_names():
    df = long([("A", "pre", {"q1": 3})]).rename(columns={
        "person_id": "member", "wave": "round", "item": "question", "value": "score"})
    out = score_instrument(df, "happy10", person="member", wave="round", item="question",
                           value="score")
    assert list(out.columns[:2]) == ["member", "round"]
    assert out["total"].iloc[0] == 3


def test_empty_responses_give_empty_table():
    df = pd.DataFrame({"person_id": pd.Series([], dtype="string"),
                       "wave": pd.Categorical([], categories=list(WAVES), ordered=True),
                       "item": pd.Series([], dtype="string"),
                       "value": pd.Series([], dtype=float)})
    out = score_instrument(df, "happinometer")
    assert len(out) == 0
    assert "domain_body" in out.columns and "total" in out.columns


def test_matches_independent_groupby_reference():
    # Random TMHI answers with 0-6 blanks per person-wave, scored with a plain
    # pandas groupby (independent of the vectorised matrix code).
    rng = np.random.default_rng(42)
    n = 300
    df = pd.DataFrame({
        "person_id": np.repeat([f"P{i:03d}" for i in range(n)], 45),
        "wave": np.tile(np.repeat(list(WAVES), 15), n),
        "item": np.tile(TMHI_ITEMS, 3 * n),
        "value": rng.integers(1, 5, 45 * n).astype(float),
    })
    df.loc[rng.random(len(df)) < 0.08, "value"] = np.nan
    df = df.sample(frac=1, random_state=1)  # order must not matter
    out = score_instrument(df, "tmhi15")

    ref = df.copy()
    rev = ref["item"].isin(["q3", "q4", "q5"])
    ref.loc[rev, "value"] = 5 - ref.loc[rev, "value"]
    g = ref.groupby(["person_id", "wave"])["value"]
    n_ans = g.count()
    expected = g.mean() * 15
    expected[(15 - n_ans) > 3] = np.nan
    expected = expected.reindex(pd.MultiIndex.from_frame(
        out[["person_id", "wave"]].astype(str)))
    np.testing.assert_allclose(out["total"].to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert out["n_missing"].to_numpy().tolist() == (15 - n_ans).reindex(
        expected.index).to_numpy().tolist()
    assert (out["total"].isna() == out["reason"].notna()).all()


# --------------------------------------------------------------------------- bad responses
@pytest.mark.parametrize("change, column, problem", [
    (lambda d: d.assign(item=d["item"].replace({"q2": "q9"})), "item",
     "not part of instrument 'who5'"),
    (lambda d: d.assign(value=d["value"].where(d["item"] != "q1", 6)), "value",
     "outside the range of item q1 (0–5)"),
    (lambda d: d.assign(value=d["value"].where(d["item"] != "q1", -1)), "value",
     "outside the range"),
    (lambda d: d.assign(wave=d["wave"].replace({"pre": "mid"})), "wave", "unknown wave"),
    (lambda d: d.assign(value=d["value"].astype(object).where(d["item"] != "q4", "สาม")),
     "value", "not a number"),
    (lambda d: pd.concat([d, d.iloc[[0]]]), "item", "appears more than once"),
    (lambda d: d.assign(person_id=d["person_id"].where(d["item"] != "q1", None)), "person_id",
     "person id is blank"),
])
def test_bad_responses_raise_with_rows(change, column, problem):
    good = long([("A", "pre", dict(q1=1, q2=2, q3=3, q4=4, q5=5))])
    bad = change(good)
    with pytest.raises(DataValidationError) as err:
        score_instrument(bad, "who5")
    probs = err.value.problems
    hit = probs[probs["column"] == column]
    assert len(hit) >= 1
    assert hit["problem"].str.contains(problem, regex=False).all()
    assert hit["row"].notna().all()


def test_bad_responses_list_every_row_at_once():
    df = long([("A", "pre", dict(q1=9, q2=9, q3=1, q4=1, q5=1)), ("B", "pre", {"q7": 1})])
    with pytest.raises(DataValidationError) as err:
        score_instrument(df, "who5")
    probs = err.value.problems
    assert sorted(probs["row"].tolist()) == [0, 1, 5]  # rows 0, 1 out of range; row 5 item q7


def test_missing_column():
    df = long([("A", "pre", {"q1": 1})]).drop(columns="value")
    with pytest.raises(DataValidationError, match=r"responses lacks column\(s\) \['value'\] \(value='value'\)"):
        score_instrument(df, "happy10")


@pytest.mark.parametrize("kwargs, message", [
    ({"missing": "drop"}, "missing must be one of 'prorate', 'complete', 'available'; got 'drop'"),
    ({"max_missing": 1.5}, "max_missing must be a share between 0 and 1"),
    ({"max_missing": -0.1}, "max_missing must be a share"),
    ({"max_missing": "20%"}, "max_missing must be a share"),
])
def test_bad_arguments(kwargs, message):
    df = long([("A", "pre", {"q1": 1})])
    with pytest.raises(ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        score_instrument(df, "happy10", **kwargs)


def test_unknown_instrument_in_score():
    with pytest.raises(InstrumentError, match="Known instruments: happinometer"):
        score_instrument(long([("A", "pre", {"q1": 1})]), "who-5")


def test_no_rows_for_instrument_warns():
    df = long([("A", "pre", {"q1": 1})], instrument="happy10")
    with pytest.warns(UserWarning, match="no responses for instrument 'who5'.*happy10"):
        out = score_instrument(df, "who5")
    assert len(out) == 0


# --------------------------------------------------------------------------- user YAML
GOOD_YAML = """\
id: mine
name_th: แบบวัดของฉัน
name_en: My scale
version: "1"
source: test
item_defaults: {min: 1, max: 4}
items:
  - {id: a}
  - {id: b}
  - {id: c}
reverse: [c]
domains:
  d1: {name_th: ด้าน 1, name_en: D1, items: [a, b]}
total:
  method: sum
bands:
  - {id: low, low: 3, high: 8, label_th: ต่ำ, label_en: low}
  - {id: high, low: 8, high: 12, label_th: สูง, label_en: high}
"""


def _with_line(line_no: int, text: str | None) -> str:
    lines = GOOD_YAML.splitlines()
    if text is None:
        del lines[line_no - 1]
    else:
        lines[line_no - 1] = text
    return "\n".join(lines) + "\n"


def test_good_user_yaml(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD_YAML, encoding="utf-8")
    inst = load_instrument(path)
    assert inst.total_range == (3, 12)            # 3 items x 1 .. 3 items x 4
    assert inst.domain_range("d1") == (0, 100)    # default domain method rescale_0_100
    assert inst.reverse_items == ("c",)
    assert inst.items[0].text_th == "ข้อ 1"       # generic label when no text is given
    df = long([("X", "pre", {"a": 4, "b": 3, "c": 4})])
    out = score_instrument(df, inst)
    # a 4 + b 3 + c reversed 1 + 4 - 4 = 1 -> 8 -> band high ([8, 12])
    assert out["total"].iloc[0] == 8 and out["band"].iloc[0] == "high"
    # d1 = (a + b - 2) x 100 / (8 - 2) = 5 x 100 / 6
    assert out["domain_d1"].iloc[0] == pytest.approx(500 / 6, rel=1e-12)


@pytest.mark.parametrize("line_no, text, column, row, problem", [
    (3, None, "name_en", 1, "required field 'name_en' is missing"),
    (11, "reverse: [c, z]", "reverse[1]", 11, "unknown reverse item 'z'"),
    (10, "  - {id: a}", "items[2].id", 10, "duplicate item id 'a' (first at line 8)"),
    (9, "  - {id: b, min: 4, max: 4}", "items[1].max", 9, "min (4) must be less than max (4)"),
    (9, "  - {id: b, min: 3, max: 2}", "items[1].max", 9, "min (3) must be less than max (2)"),
    (13, "  d1: {name_th: ด้าน 1, name_en: D1, items: [a, x]}", "domains.d1.items[1]", 13,
     "refers to unknown item 'x'"),
    (15, "  method: average", "total.method", 15, "unknown total method 'average'"),
    (18, "  - {id: high, low: 7, high: 12, label_th: สูง, label_en: high}", "bands[1]", 18,
     "overlapping bands"),
    (18, "  - {id: high, low: 9, high: 12, label_th: สูง, label_en: high}", "bands[1].low", 18,
     "bands do not cover the range: gap between 'low' [3, 8) and 'high' [9, 12]"),
    (18, "  - {id: high, low: 8, high: 11, label_th: สูง, label_en: high}", "bands[1].high", 18,
     "bands do not cover the range: the total ranges 3–12"),
    (17, "  - {id: low, low: 4, high: 8, label_th: ต่ำ, label_en: low}", "bands[0].low", 17,
     "bands do not cover the range"),
    (17, "  - {id: low, low: 0, high: 8, label_th: ต่ำ, label_en: low}", "bands[0]", 17,
     "lies partly outside the range"),
    (17, "  - {id: low, low: 3, high: 8, label_th: ต่ำ}", "bands[0].label_en", 17,
     "required field 'label_en' is missing"),
    (11, "revers: [c]", "revers", 11, "unknown field 'revers'"),
    (5, "name_en: again", "name_en", 5, "duplicate key 'name_en' (first at line 3)"),
    (6, None, "items[0].min", 7, "required field 'min' is missing"),
    (8, "  - {id: a, min: one}", "items[0].min", 8, "'min' must be a number"),
    (1, "id: my scale", "id", 1, "id may contain only letters, digits and '_'"),
    (9, "  - {id: b", "", 10, "not valid YAML"),
])
def test_bad_yaml_reports_problem_and_line(tmp_path, line_no, text, column, row, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(_with_line(line_no, text), encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    probs = err.value.problems
    hit = probs[(probs["column"] == column) & probs["problem"].str.contains(problem,
                                                                            regex=False)]
    assert len(hit) >= 1, probs.to_string()
    assert hit["row"].iloc[0] == row
    assert hit["file"].iloc[0] == str(path)
    assert list(probs.columns[:6]) == ["file", "sheet", "row", "column", "value", "problem"]


def test_bad_yaml_collects_all_problems(tmp_path):
    text = _with_line(11, "reverse: [z]")
    text = text.replace("  method: sum", "  method: avg")
    text = text.replace("  - {id: c}", "  - {id: a}")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    problems = " | ".join(err.value.problems["problem"])
    assert "unknown reverse item 'z'" in problems
    assert "unknown total method 'avg'" in problems
    assert "duplicate item id 'a'" in problems
    assert "3 problem(s)" in str(err.value)


def test_who5_style_point_overlap_is_rejected(tmp_path):
    # [0, 28] followed by [28, 50): both contain 28
    text = GOOD_YAML.replace(
        "  - {id: low, low: 3, high: 8, label_th: ต่ำ, label_en: low}",
        "  - {id: low, low: 3, high: 8, high_inclusive: true, label_th: ต่ำ, label_en: low}")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError, match="overlapping bands: 'low' \\[3, 8\\] and 'high'"):
        load_instrument(path)
    fixed = text.replace("{id: high, low: 8,", "{id: high, low: 8, low_inclusive: false,")
    path.write_text(fixed, encoding="utf-8")
    inst = load_instrument(path)
    assert [b.interval() for b in inst.bands] == ["[3, 8]", "(8, 12]"]


def test_total_over_domains_without_domains(tmp_path):
    text = GOOD_YAML.replace("  method: sum", "  method: mean\n  over: domains")
    text = text.replace("domains:\n  d1: {name_th: ด้าน 1, name_en: D1, items: [a, b]}\n", "")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError, match="no domains are defined"):
        load_instrument(path)


def test_registry_extra_dir_and_override_warning(tmp_path):
    (tmp_path / "mine.yaml").write_text(GOOD_YAML, encoding="utf-8")
    reg = registry([tmp_path])
    assert "mine" in reg and "tmhi15" in reg
    assert get_instrument("mine", extra_dirs=[tmp_path]).name_en == "My scale"
    # a user file with a built-in id replaces it, with a warning
    (tmp_path / "who5.yaml").write_text(GOOD_YAML.replace("id: mine", "id: who5"),
                                        encoding="utf-8")
    with pytest.warns(InstrumentWarning, match="'who5' from .*who5.yaml replaces the built-in"):
        reg = registry([tmp_path])
    assert reg["who5"].name_en == "My scale"
    # the built-ins themselves are not changed by an override
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry()["who5"].name_en == "WHO-5 Well-Being Index"
    df = long([("X", "pre", {"a": 1, "b": 1, "c": 4})])
    with pytest.warns(InstrumentWarning):
        out = score_instrument(df, "mine", extra_dirs=[tmp_path])
    assert out["total"].iloc[0] == 3  # 1 + 1 + (1 + 4 - 4)


def test_registry_collects_problems_from_every_bad_file(tmp_path):
    (tmp_path / "a.yaml").write_text(_with_line(15, "  method: avg"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(_with_line(11, "reverse: [z]").replace("id: mine",
                                                                            "id: other"),
                                     encoding="utf-8")
    with pytest.raises(InstrumentError, match="2 problem\\(s\\) in 2 instrument file"):
        registry([tmp_path])


def test_registry_missing_folder(tmp_path):
    with pytest.raises(InstrumentError, match="is not a folder"):
        registry([tmp_path / "nope"])


def test_load_instrument_missing_file(tmp_path):
    with pytest.raises(InstrumentError, match="not found"):
        load_instrument(tmp_path / "nope.yaml")


def test_builtin_files_are_shipped_next_to_the_module():
    folder = Path(ev.instruments.__file__).parent
    assert sorted(p.name for p in folder.glob("*.yaml")) == [
        "happinometer.yaml", "happy10.yaml", "tmhi15.yaml", "who5.yaml"]
    assert load_instrument(folder / "who5.yaml").id == "who5"


def test_top_level_exports():
    for name in ("Instrument", "get_instrument", "load_instrument", "registry",
                 "score_instrument", "InstrumentError"):
        assert hasattr(ev, name)


@pytest.mark.parametrize("module", ["evaluation.instruments.registry",
                                    "evaluation.instruments.scoring"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_docs_example_yaml_is_valid(tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "instruments.md").read_text(
        encoding="utf-8")
    start = doc.index("```yaml\n# data/my_program/instruments/village_wellbeing.yaml")
    text = doc[start + len("```yaml\n"):doc.index("```", start + 7)]
    path = tmp_path / "village_wellbeing.yaml"
    path.write_text(text, encoding="utf-8")
    inst = load_instrument(path)
    assert inst.total_range == (4, 19)  # w1-w4: 4 x 1 .. 4 x 4 = 16; w5: 0 .. 3
    assert inst.reverse_items == ("w2", "w4")
    df = long([("A", "pre", dict(w1=4, w2=1, w3=4, w4=1, w5=3))])
    out = score_instrument(df, inst)
    # 4 + (5 - 1) + 4 + (5 - 1) + 3 = 19 -> high; personal = (4 + 4 - 2) x 100 / 6 = 100
    assert out["total"].iloc[0] == 19 and out["band"].iloc[0] == "high"
    assert out["domain_personal"].iloc[0] == 100
    assert out["domain_household_band"].iloc[0] == "high"
