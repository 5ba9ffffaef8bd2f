"""Tests for evaluation.lessons: codebook, theme coding, keywords, quotes.
Texts are written for these tests; expectations are counted by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evaluation.errors import DataValidationError
from evaluation.lessons import (
    CODEBOOK_COLUMNS,
    HIT_COLUMNS,
    KEYWORD_COLUMNS,
    QUOTE_COLUMNS,
    SUMMARY_COLUMNS,
    code_themes,
    keywords,
    load_codebook,
    prepare_lessons,
    quotes,
)

CODEBOOK = {"themes": [
    {"id": "money", "th": "การเงิน", "en": "Money", "terms": ["ออม", "หนี้", "กลุ่มออมทรัพย์"]},
    {"id": "team", "th": "ทีม", "en": "Team", "terms": ["ทีม", "แกนนำ"]},
    {"id": "trouble", "th": "ปัญหา", "en": "Trouble", "terms": ["re:ปัญหา(?!ยา)"]},
]}

S0 = "ทีมและแกนนำตั้งกลุ่มออมทรัพย์"
S1 = "สมาชิกออมเงินและลดหนี้"
S2 = "ปลูกผักขาย"
S3 = "แกนนำเล่าเรื่องปัญหา"
S4 = "ปัญหายาเสพติดลดลง"  # the regex term must not match ปัญหายา


@pytest.fixture
def lessons():
    return pd.DataFrame({
        "village_id": ["V1", "V2", "V3"],
        "section": ["บทเรียน", "ปัญหาอุปสรรค", "อื่นๆ"],
        "text": [f"1) {S0}\n2) {S1}\n3) {S2}", f"{S3}\n{S4}", None],
    })


# ----------------------------------------------------------------- prepare
def test_prepare_lessons_sentences(lessons):
    p = prepare_lessons(lessons)
    s = p.sentences
    assert s["sentence"].tolist() == [S0, S1, S2, S3, S4]
    assert s["sentence_id"].tolist() == [0, 1, 2, 3, 4]
    assert s["text_id"].tolist() == [0, 0, 0, 1, 1]
    assert s["village_id"].tolist() == ["V1", "V1", "V1", "V2", "V2"]
    assert s["n_chars"].tolist() == [len(S0), len(S1), len(S2), len(S3), len(S4)]
    assert "กลุ่มออมทรัพย์" in s.loc[0, "tokens"]
    assert prepare_lessons(p) is p


@pytest.mark.parametrize("drop", ["village_id", "section", "text"])
def test_prepare_lessons_missing_column(lessons, drop):
    with pytest.raises(DataValidationError, match=drop) as err:
        prepare_lessons(lessons.drop(columns=drop))
    assert err.value.problems["column"].tolist() == [drop]


def test_prepare_lessons_not_a_frame():
    with pytest.raises(TypeError, match="lessons must be a pandas DataFrame"):
        prepare_lessons(["text"])


# ---------------------------------------------------------------- codebook
def test_packaged_codebook_has_the_issue_themes():
    cb = load_codebook()
    assert list(cb.columns) == CODEBOOK_COLUMNS
    assert cb.drop_duplicates("theme")["theme"].tolist() == [
        "team_building", "occupation_work", "partners_support", "sustainability",
        "savings_debt", "health_happiness", "problems_obstacles", "solutions",
        "knowledge_gained"]
    assert cb.groupby("theme").size().min() >= 10
    assert not cb.duplicated(["theme", "term"]).any()


def test_codebook_from_file(tmp_path):
    import yaml

    path = tmp_path / "cb.yaml"
    path.write_text(yaml.safe_dump(CODEBOOK, allow_unicode=True), encoding="utf-8")
    cb = load_codebook(path)
    assert cb["theme"].tolist() == ["money"] * 3 + ["team"] * 2 + ["trouble"]
    assert cb["theme_order"].tolist() == [0, 0, 0, 1, 1, 2]


@pytest.mark.parametrize("doc, problem", [
    ({}, "non-empty 'themes' list"),
    ({"themes": [{"id": "Bad Id", "th": "ก", "terms": ["ก"]}]}, "snake_case"),
    ({"themes": [{"id": "a", "th": "ก", "terms": ["ก"]},
                 {"id": "a", "th": "ข", "terms": ["ข"]}]}, "duplicate theme id"),
    ({"themes": [{"id": "a", "th": "ก", "terms": []}]}, "non-empty list"),
    ({"themes": [{"id": "a", "th": "ก", "terms": ["re:(ออม"]}]}, "invalid regular expression"),
    ({"themes": [{"id": "a", "th": "ก", "terms": ["ก"], "words": ["x"]}]}, "unknown key"),
    ({"themes": [{"id": "a", "terms": ["ก"]}]}, "th (Thai label) is required"),
    ({"themes": [{"id": "a", "th": "ก", "terms": ["ก", "ก"]}]}, "duplicate term"),
])
def test_codebook_errors(doc, problem):
    with pytest.raises(DataValidationError) as err:
        load_codebook(doc)
    assert err.value.problems["problem"].str.contains(problem, regex=False).any()


def test_codebook_missing_file_and_bad_type(tmp_path):
    from evaluation.errors import EvaluationError

    with pytest.raises(EvaluationError, match="not found"):
        load_codebook(tmp_path / "none.yaml")
    with pytest.raises(TypeError, match="codebook must be"):
        load_codebook(3)


# ------------------------------------------------------------------ themes
def test_code_themes_hits_hand_counted(lessons):
    hits, summary = code_themes(lessons, CODEBOOK)
    assert list(hits.columns) == HIT_COLUMNS
    got = [(r.sentence_id, r.theme, r.matched_terms, r.n_terms, r.n_matches)
           for r in hits.itertuples()]
    assert got == [
        # S0: กลุ่มออมทรัพย์ covers ออม (longer term wins within a theme)
        (0, "money", "กลุ่มออมทรัพย์", 1, 1),
        (0, "team", "ทีม; แกนนำ", 2, 2),
        (1, "money", "ออม; หนี้", 2, 2),
        # S2 has no theme
        (3, "team", "แกนนำ", 1, 1),
        (3, "trouble", "re:ปัญหา(?!ยา)", 1, 1),
        # S4: ปัญหายา excluded by the regex
    ]
    assert hits["theme_th"].tolist() == ["การเงิน", "ทีม", "การเงิน", "ทีม", "ปัญหา"]
    assert hits["village_id"].tolist() == ["V1", "V1", "V1", "V2", "V2"]


def test_code_themes_summary_hand_counted(lessons):
    result = code_themes(lessons, CODEBOOK)
    s = result.summary
    assert list(s.columns) == SUMMARY_COLUMNS
    # every village (V3 has no text) x every theme, codebook order
    assert s["village_id"].tolist() == ["V1"] * 3 + ["V2"] * 3 + ["V3"] * 3
    assert s["theme"].tolist() == ["money", "team", "trouble"] * 3
    v1_chars = len(S0) + len(S1) + len(S2)
    v2_chars = len(S3) + len(S4)
    exp = {
        ("V1", "money"): (2, 3, len(S0) + len(S1), v1_chars, 3),
        ("V1", "team"): (1, 3, len(S0), v1_chars, 2),
        ("V1", "trouble"): (0, 3, 0, v1_chars, 0),
        ("V2", "money"): (0, 2, 0, v2_chars, 0),
        ("V2", "team"): (1, 2, len(S3), v2_chars, 1),
        ("V2", "trouble"): (1, 2, len(S3), v2_chars, 1),
    }
    for (v, t), (n, n_tot, c, c_tot, m) in exp.items():
        row = s[(s["village_id"] == v) & (s["theme"] == t)].iloc[0]
        assert (row["n_sentences"], row["n_sentences_total"], row["n_chars"],
                row["n_chars_total"], row["n_matches"]) == (n, n_tot, c, c_tot, m)
        assert row["share_of_sentences"] == pytest.approx(n / n_tot)
        assert row["share_of_characters"] == pytest.approx(c / c_tot)
    v3 = s[s["village_id"] == "V3"]
    assert (v3["n_sentences_total"] == 0).all() and v3["share_of_sentences"].isna().all()


def test_code_themes_packaged_codebook():
    df = pd.DataFrame({"village_id": ["V1"], "section": ["x"],
                       "text": ["สมาชิกทำบัญชีครัวเรือนทุกวัน\nเจ้าหน้าที่ รพ.สต. มาให้ความรู้"]})
    hits = code_themes(df).hits
    assert ("savings_debt", "บัญชีครัวเรือน") in set(zip(hits["theme"], hits["matched_terms"]))
    themes_s1 = set(hits.loc[hits["sentence_id"] == 1, "theme"])
    assert {"partners_support", "knowledge_gained"} <= themes_s1


def test_code_themes_by_section_and_prepared_reuse(lessons):
    p = prepare_lessons(lessons)
    by_sec = code_themes(p, CODEBOOK, by="section").summary
    assert by_sec.columns[0] == "section"
    assert set(by_sec["section"]) == {"บทเรียน", "ปัญหาอุปสรรค", "อื่นๆ"}
    with pytest.raises(ValueError, match="by must be a lessons column"):
        code_themes(p, CODEBOOK, by="nope")


def test_code_themes_empty_table():
    empty = pd.DataFrame({"village_id": pd.Series([], dtype="str"),
                          "section": pd.Series([], dtype="str"),
                          "text": pd.Series([], dtype="str")})
    hits, summary = code_themes(empty, CODEBOOK)
    assert hits.empty and summary.empty
    assert list(hits.columns) == HIT_COLUMNS


# ---------------------------------------------------------------- keywords
@pytest.fixture
def kw_lessons():
    return pd.DataFrame({"village_id": ["V1", "V2", "V3"], "section": ["x"] * 3,
                         "text": ["ผักตบชวา ผักตบชวา ตะกร้า", "ผักตบชวา เห็ด", "เห็ด เห็ด เห็ด"]})


def test_keywords_tfidf_hand_computed(kw_lessons):
    from evaluation.text import tokenize

    # precondition: the tokeniser sees exactly these words
    assert tokenize("ผักตบชวา ผักตบชวา ตะกร้า") == ["ผักตบชวา", "ผักตบชวา", "ตะกร้า"]
    kw = keywords(kw_lessons, by="village_id", top=None)
    assert list(kw.columns) == ["village_id"] + KEYWORD_COLUMNS
    # N = 3 groups; df: ผักตบชวา 2, ตะกร้า 1, เห็ด 2
    idf2 = math.log((1 + 3) / (1 + 2)) + 1   # = 1.287682...
    idf1 = math.log((1 + 3) / (1 + 1)) + 1   # = 1.693147...
    expected = [
        # village, rank, word, count, tf, df, idf, tfidf
        ("V1", 1, "ผักตบชวา", 2, 2 / 3, 2, idf2, 2 / 3 * idf2),  # 0.858455
        ("V1", 2, "ตะกร้า", 1, 1 / 3, 1, idf1, 1 / 3 * idf1),    # 0.564382
        # V2 tie on tfidf and count: word order (ผ U+0E1C before เ U+0E40)
        ("V2", 1, "ผักตบชวา", 1, 1 / 2, 2, idf2, 1 / 2 * idf2),
        ("V2", 2, "เห็ด", 1, 1 / 2, 2, idf2, 1 / 2 * idf2),
        ("V3", 1, "เห็ด", 3, 1.0, 2, idf2, idf2),
    ]
    assert len(kw) == len(expected)
    for row, (v, rank, word, count, tf, dfw, idf, score) in zip(kw.itertuples(), expected):
        assert (row.village_id, row.rank, row.word, row.count, row.n_groups_with_word,
                row.n_groups) == (v, rank, word, count, dfw, 3)
        assert row.tf == pytest.approx(tf)
        assert row.idf == pytest.approx(idf)
        assert row.tfidf == pytest.approx(score)


def test_keywords_top_rank_by_count_and_no_groups(kw_lessons):
    kw = keywords(kw_lessons, top=1, rank_by="count")
    assert kw["word"].tolist() == ["ผักตบชวา", "ผักตบชวา", "เห็ด"]
    one = keywords(kw_lessons, by=None, top=None)
    assert "village_id" not in one.columns
    # one group: idf = ln(2/2) + 1 = 1; counts over all texts: เห็ด 4, ผักตบชวา 3, ตะกร้า 1
    assert one[["word", "count"]].values.tolist() == [["เห็ด", 4], ["ผักตบชวา", 3],
                                                      ["ตะกร้า", 1]]
    assert (one["idf"] == 1.0).all()
    assert one["tf"].tolist() == pytest.approx([4 / 8, 3 / 8, 1 / 8])


def test_keywords_min_count(kw_lessons):
    kw = keywords(kw_lessons, top=None, min_count=2)
    assert kw["word"].tolist() == ["ผักตบชวา", "เห็ด"]


@pytest.mark.parametrize("kwargs, message", [
    ({"rank_by": "score"}, "rank_by must be"),
    ({"top": 0}, "top must be a positive integer"),
    ({"min_count": 0}, "min_count must be"),
    ({"by": "district"}, "by must be a lessons column"),
])
def test_keywords_errors(kw_lessons, kwargs, message):
    with pytest.raises(ValueError, match=message):
        keywords(kw_lessons, **kwargs)


# ------------------------------------------------------------------ quotes
@pytest.fixture
def quote_lessons():
    return pd.DataFrame({
        "village_id": ["V1", "V1", "V2"],
        "section": ["บทเรียน"] * 3,
        "text": [
            "นางสาวมะลิเล่าว่าการออมช่วยลดหนี้และทำบัญชีครัวเรือนได้ต่อเนื่อง",  # 3 terms
            "สมาชิกเริ่มออมเงินทุกวันอย่างสม่ำเสมอ\nหนี้",                             # 1 term; short
            "กลุ่มออมทรัพย์ช่วยให้สมาชิกมีเงินออมและไม่ต้องกู้นอกระบบ",                  # 2 terms
        ],
    })


def test_quotes_ranking_and_redaction(quote_lessons):
    q = quotes(quote_lessons, "savings_debt", n=2)
    assert list(q.columns) == QUOTE_COLUMNS
    # ranked by distinct terms: ออม, หนี้, บัญชีครัวเรือน (3) before กลุ่มออมทรัพย์, ออม (2)
    assert q["n_terms"].tolist() == [3, 2]
    assert q.loc[0, "quote"].startswith("[ชื่อ-1]เล่าว่า")
    assert "มะลิ" not in "".join(q["quote"])
    assert q["village_id"].tolist() == ["V1", "V2"]


def test_quotes_too_short_used_last(quote_lessons):
    q = quotes(quote_lessons, "savings_debt", n=5, min_chars=20)
    assert q["quote"].tolist()[-1] == "หนี้"  # 4 characters < min_chars: last resort
    assert len(q) == 4


def test_quotes_by_village_and_labels(quote_lessons):
    q = quotes(quote_lessons, "การออมและหนี้สิน", n=1, by="village_id")
    assert q["village_id"].tolist() == ["V1", "V2"]
    raw = quotes(quote_lessons, "Savings and debt", n=1, redact=False)
    assert "นางสาวมะลิ" in raw.loc[0, "quote"]


def test_quotes_participant_names(quote_lessons):
    df = quote_lessons.copy()
    df.loc[1, "text"] = "มะลิบอกว่าเริ่มออมเงินทุกวันอย่างสม่ำเสมอจนลดหนี้ได้"
    parts = pd.DataFrame({"person_id": ["P1"], "name": ["นางสาวมะลิ หอมดี"]})
    q = quotes(df, "savings_debt", n=3, participants=parts)
    assert not q["quote"].str.contains("มะลิ").any()


def test_quotes_reuses_theme_result(quote_lessons):
    result = code_themes(quote_lessons)
    assert quotes(result, "savings_debt", n=1)["n_terms"].tolist() == [3]


@pytest.mark.parametrize("kwargs, message", [
    ({"theme": "weather"}, "theme must be one of"),
    ({"theme": "savings_debt", "n": 0}, "n must be a positive integer"),
    ({"theme": "savings_debt", "min_chars": 50, "max_chars": 10}, "min_chars"),
    ({"theme": "savings_debt", "by": "district"}, "by must be a lessons column"),
])
def test_quotes_errors(quote_lessons, kwargs, message):
    with pytest.raises(ValueError, match=message):
        quotes(quote_lessons, **kwargs)


# --------------------------------------------------------------- once per process
def test_packaged_codebook_built_once_and_copied():
    """load_codebook() is a fresh copy of one table built per process: changing it
    changes nothing later; it equals reading the packaged YAML file by path (the
    uncached path), and coding with it equals coding with that file."""
    from importlib import resources

    first = load_codebook()
    first.loc[0, "term"] = "changed"
    again = load_codebook()
    assert again.loc[0, "term"] != "changed"
    path = resources.files("evaluation").joinpath("data", "codebook.yaml")
    from_file = load_codebook(str(path))
    pd.testing.assert_frame_equal(again, from_file)
    df = pd.DataFrame({"village_id": ["V1", "V1", "V2"], "section": ["a", "b", "a"],
                       "text": ["สมาชิกออมเงินทุกเดือน มีปัญหาราคาผลผลิตตกต่ำ",
                                "ทีมงานเข้มแข็ง ประชุมกลุ่มทุกเดือน", "ขายผลผลิตได้ราคาดี"]})
    a, b = code_themes(df), code_themes(df, str(path))
    pd.testing.assert_frame_equal(a.hits, b.hits)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def _quotes_by_merge(result, theme_id, n, by, min_chars=20, max_chars=200):
    """The quote selection as written before the positional lookup (merge on
    sentence_id), without redaction: the reference of the test below."""
    hits = result.hits[result.hits["theme"] == theme_id]
    hits = hits.merge(result.sentences[["sentence_id", "n_chars"]
                                       + ([by] if by and by not in hits.columns else [])],
                      on="sentence_id")
    hits = hits.assign(_fits=~hits["n_chars"].between(min_chars, max_chars))
    hits = hits.sort_values(["_fits", "n_terms", "n_matches", "n_chars", "sentence_id"],
                            ascending=[True, False, False, True, True], kind="stable")
    hits = hits.drop_duplicates("sentence")
    chosen = hits.head(n) if by is None else hits.groupby(by, sort=False,
                                                          group_keys=False).head(n)
    out = chosen.assign(quote=chosen["sentence"].tolist())
    cols = QUOTE_COLUMNS + ([by] if by and by not in QUOTE_COLUMNS else [])
    return out[cols].reset_index(drop=True).astype({"quote": "str"})


@pytest.mark.parametrize("by", [None, "village_id", "section"])
def test_quotes_equal_merge_reference(sample_project, by):
    result = code_themes(sample_project.lessons)
    checked = 0
    for theme in result.summary["theme"].unique():
        got = quotes(result, theme, n=3, by=by, redact=False)
        pd.testing.assert_frame_equal(got, _quotes_by_merge(result, theme, 3, by))
        checked += len(got)
    assert checked > 10
