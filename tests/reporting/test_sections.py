"""Tests of the report sections (evaluation.reporting): the content of the village and portfolio reports.

Every section runs on the sample program with a ReportContext writing into a
temporary folder; the numbers it returns and shows are compared with direct
library calls or hand computations, and every output (HTML shown, CSV,
Excel, headline.json) is scanned for participants' personal data.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation import reporting as S
from evaluation.happiness import happiness_change
from evaluation.reporting import ReportContext
from evaluation.reporting import fmt as C

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


class RecordingContext(ReportContext):
    """A ReportContext that keeps every HTML fragment it would display."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formats", ("png",))
        super().__init__(*args, **kwargs)
        self.html: list[str] = []

    def _display_html(self, markup: str) -> None:
        self.html.append(markup)

    @property
    def text(self) -> str:
        """Visible text (tags removed, entities decoded)."""
        joined = "\n".join(re.sub(r"<svg\b.*?</svg>", " ", re.sub(r"<img[^>]*>", " ", m),
                                   flags=re.S) for m in self.html)
        return html.unescape(re.sub(r"<[^>]+>", " ", joined))


@pytest.fixture(scope="module")
def project():
    if not SAMPLE.exists():
        pytest.skip("sample data not generated")
    return ev.load_project(SAMPLE)


@pytest.fixture(scope="module")
def v01(project, tmp_path_factory):
    ctx = RecordingContext(tmp_path_factory.mktemp("V01"), lang="th")
    res = S.run_village_sections(project.village("V01"), ctx,
                                 parameters={"village_id": "V01"})
    ctx.finalize()
    return ctx, res


@pytest.fixture(scope="module")
def v04_en(project, tmp_path_factory):
    ctx = RecordingContext(tmp_path_factory.mktemp("V04"), lang="en")
    res = S.run_village_sections(project.village("V04"), ctx)
    ctx.finalize()
    return ctx, res


@pytest.fixture(scope="module")
def portfolio(project, tmp_path_factory):
    ctx = RecordingContext(tmp_path_factory.mktemp("portfolio"), lang="th")
    res = S.run_portfolio_sections(project, ctx)
    ctx.finalize()
    return ctx, res


# --------------------------------------------------------------------------- helpers
def _scores(project, village_id, instrument="tmhi15"):
    v = project.village(village_id)
    return ev.score_instrument(v.happiness[v.happiness["instrument"] == instrument],
                               instrument)


def _paired(before, after):
    """Mean difference and 95% t interval by hand (R t.test(after, before, paired=TRUE))."""
    d = np.asarray(after, float) - np.asarray(before, float)
    n = len(d)
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n)
    return d.mean(), d.mean() - half, d.mean() + half, n


def _outputs(ctx) -> str:
    """Everything a reader of the report can see: HTML, CSVs, Excel cells, headline.json."""
    parts = list(ctx.html)
    out = Path(ctx.out_dir)
    for csv in out.glob("tables/*.csv"):
        parts.append(csv.read_text(encoding="utf-8-sig"))
    xlsx = out / "tables.xlsx"
    if xlsx.exists():
        wb = openpyxl.load_workbook(xlsx, read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                parts.extend(str(c) for c in row if c is not None)
    head = out / "headline.json"
    if head.exists():
        parts.append(head.read_text(encoding="utf-8"))
    return html.unescape("\n".join(parts))


def _pii(participants: pd.DataFrame) -> list[str]:
    """Strings that must never appear: full names (with and without title),
    surnames, national ids and phones (as written and digits only)."""
    out = []
    for name in participants["name"].dropna():
        out.append(name)
        words = name.split()
        if len(words) == 2:
            out.append(words[1])                           # surname
            for title in ("นางสาว", "นาง", "นาย"):
                if words[0].startswith(title) and len(words[0]) > len(title) + 1:
                    out.append(words[0][len(title):] + " " + words[1])   # name without title
                    break
    for col in ("national_id", "phone"):
        for value in participants[col].dropna().astype(str):
            out.append(value)
            out.append(re.sub(r"\D", "", value))
    return [s for s in out if len(s) >= 4]


# --------------------------------------------------------------------------- cover / key results
def test_cover_counts(project, v01):
    ctx, res = v01
    cover = res["cover"]
    people = project.village("V01").participants
    assert cover["n_participants"] == len(people)
    assert cover["n_by_role"] == {r: int((people["role"] == r).sum())
                                  for r in ("target", "team", "mentor")}
    assert cover["n_households"] == people["household_id"].nunique()
    # period in Buddhist era: P01 ran 2021-06-01 .. 2022-03-31 -> 2564 .. 2565
    assert cover["period_start"] == "1 มิ.ย. 2564" and cover["period_end"] == "31 มี.ค. 2565"
    assert "1 มิ.ย. 2564 – 31 มี.ค. 2565" in ctx.text
    assert "ต.ท่าสบคำ อ.เมืองลำน้ำใส จ.ลำน้ำใส" in ctx.text
    assert ctx.title.endswith("บ้านดอนมะไฟ ม.4 (V01)")


def test_key_results_equal_independent_computation(project, v01):
    ctx, res = v01
    figs = res["key_results"]
    sc = _scores(project, "V01")
    wide = sc.pivot_table(index="person_id", columns="wave", values="total", observed=False,
                          aggfunc="first")[["pre", "post"]].dropna()
    mean, lo, hi, n = _paired(wide["pre"], wide["post"])
    assert figs["happiness_mean_change"] == pytest.approx(mean, rel=1e-12)
    assert (figs["happiness_ci_low"], figs["happiness_ci_high"]) == pytest.approx((lo, hi))
    assert figs["happiness_n"] == n
    # the sentence the reader sees, formatted from the reference numbers
    assert (f"เพิ่มขึ้น {mean:.1f} คะแนน (95% CI {lo:.1f} ถึง {hi:.1f} คะแนน, n = {n})"
            in ctx.text)
    fin = project.village("V01").finance
    w = fin.pivot_table(index="household_id", columns="wave", values="income", observed=False,
                        aggfunc="first")[["pre", "post"]].dropna()
    imean, ilo, ihi, ni = _paired(w["pre"], w["post"])
    assert figs["income_mean_change"] == pytest.approx(imean, rel=1e-12)
    assert (f"เพิ่มขึ้น {imean:,.0f} บาท (95% CI {ilo:,.0f} ถึง {ihi:,.0f} บาท, n = {ni})"
            in ctx.text)
    # recorded for the batch index
    assert ctx.headlines["happiness_change"]["n"] == n
    assert ctx.headlines["income_change"]["value"] == pytest.approx(imean)


# --------------------------------------------------------------------------- ladder
def test_ladder_section_matches_evaluate_ladder(project, v01):
    ctx, res = v01
    lad = ev.evaluate_ladder(project.village("V01"))
    assert res["ladder"]["statuses"] == dict(zip(lad["indicator_id"], lad["status"]))
    assert res["ladder"]["achieved"] == int((lad["status"] == "achieved").sum())
    assert res["ladder"]["total"] == len(lad)
    assert any(f["name"] == "ladder" for f in ctx.figures)
    assert "ladder_indicators" in ctx.tables
    # Thai status words in the indicator table
    shown = ctx.tables["ladder_indicators"][1]
    assert set(shown["สถานะ"]) <= {"บรรลุ", "บรรลุบางส่วน", "ไม่บรรลุ", "ไม่มีข้อมูล"}


def test_card_ladder_without_chart_says_the_caption(project, v01, tmp_path):
    """chart=False (summary card): no figure, the same counts, the caption as text."""
    ctx = RecordingContext(tmp_path, lang="th")
    cover = S.section_cover(project.village("V01"), ctx, kind="card")
    res = S.section_ladder(project.village("V01"), ctx, chart=False)
    assert ctx.figures == [] and "ladder_indicators" in ctx.tables
    full = {k: v for k, v in v01[1]["ladder"].items() if k != "by_sex"}  # full report only
    assert {k: res[k] for k in full} == full and res["by_sex"] == {}
    assert f"บรรลุเป้าหมาย {res['achieved']} จาก {res['total']} ตัวชี้วัด" in ctx.text
    assert ctx.title.startswith("บัตรสรุปผลการประเมิน") and cover["village_id"] == "V01"
    with pytest.raises(ValueError, match="kind"):
        S.section_cover(project.village("V01"), ctx, kind="poster")


# --------------------------------------------------------------------------- happiness
def test_happiness_section_numbers(project, v01):
    ctx, res = v01
    h = res["happiness"]
    assert set(h) == {"tmhi15", "happy10"}
    for inst in ("tmhi15", "happy10"):
        sc = _scores(project, "V01", inst)
        means = sc.groupby("wave", observed=True)["total"].mean()
        for wave, m in means.items():
            assert h[inst]["wave_means"][wave] == pytest.approx(m)
        wide = sc.pivot_table(index="person_id", columns="wave", values="total",
                              observed=False, aggfunc="first")
        pairs = wide[["pre", "post"]].dropna()
        mean, lo, hi, n = _paired(pairs["pre"], pairs["post"])
        assert h[inst]["mean_diff"] == pytest.approx(mean)
        assert (h[inst]["ci_low"], h[inst]["ci_high"]) == pytest.approx((lo, hi))
        assert h[inst]["n_pairs"] == n
        assert h[inst]["n_improved"] == int((pairs["post"] > pairs["pre"]).sum())
        assert h[inst]["n_worse"] == int((pairs["post"] < pairs["pre"]).sum())
        # Wilcoxon: scipy with R's choice (exact when n < 50 without ties/zeros, else
        # normal approximation with continuity correction)
        d = (pairs["post"] - pairs["pre"]).to_numpy()
        d = d[d != 0]
        exact = len(d) < 50 and len(np.unique(np.abs(d))) == len(d)
        ref = stats.wilcoxon(d, method="exact" if exact else "approx",
                             correction=not exact).pvalue
        assert h[inst]["p_wilcoxon"] == pytest.approx(ref, rel=1e-6)
        # attrition counts: persons with a score per wave
        for wave in ("pre", "during", "post"):
            assert h[inst]["attrition"][f"n_{wave}"] == int(
                sc.loc[sc["wave"] == wave, "total"].notna().sum())
    # band transitions: people in the top band (better than average) before and after
    sc = _scores(project, "V01")
    bands = sc.pivot_table(index="person_id", columns="wave", values="band", observed=False,
                           aggfunc="first")
    top = bands[["pre", "post"]].dropna()
    assert h["tmhi15"]["n_top_before"] == int((top["pre"] == "better").sum())
    assert h["tmhi15"]["n_top_after"] == int((top["post"] == "better").sum())
    names = {f["name"] for f in ctx.figures}
    assert {"happiness_waves_tmhi15", "happiness_individual_tmhi15",
            "happiness_bands_tmhi15"} <= names


# --------------------------------------------------------------------------- money
def test_money_section_numbers(project, v01):
    ctx, res = v01
    m = res["money"]
    fin = project.village("V01").finance
    for measure in ("income", "expenses", "debt_formal", "debt_informal", "savings"):
        wide = fin.pivot_table(index="household_id", columns="wave", values=measure,
                               observed=False, aggfunc="first")[["pre", "post"]].dropna()
        mean, lo, hi, n = _paired(wide["pre"], wide["post"])
        assert m[measure]["mean_diff"] == pytest.approx(mean), measure
        assert (m[measure]["ci_low"], m[measure]["ci_high"]) == pytest.approx((lo, hi))
        assert m[measure]["n_pairs"] == n
        assert m[measure]["mean_before"] == pytest.approx(wide["pre"].mean())
    lib = ev.finance.poverty_change(fin, participants=project.village("V01").participants)
    assert m["poverty"]["share_below_before"] == pytest.approx(lib["share_below_before"].iloc[0])
    assert m["poverty"]["share_below_after"] == pytest.approx(lib["share_below_after"].iloc[0])
    names = {f["name"] for f in ctx.figures}
    assert {"finance_before_after", "finance_change_distribution", "poverty_share"} <= names
    table = ctx.tables["finance_change"][1]
    assert "หนี้นอกระบบ" in set(table["รายการ"]) and "หนี้ในระบบ" in set(table["รายการ"])


# --------------------------------------------------------------------------- accounts
def test_accounts_and_savings(project, v01):
    ctx, res = v01
    a = res["accounts"]
    v = project.village("V01")
    target_hh = v.participants.loc[v.participants["role"] == "target", "household_id"].unique()
    keep = ev.ledger.account_keeping(v.ledger, households=list(target_hh))
    keep = keep[keep["household_id"].isin(target_hh)]
    assert a["accounts"]["n_keeping"] == int(keep["keeps_accounts"].sum())
    assert a["accounts"]["n_households"] == len(target_hh)
    sav = v.savings
    g = a["savings"]["G01"]
    assert g["balance"] == pytest.approx(sav["deposit"].sum() - sav["withdrawal"].sum())
    assert g["members"] == sav["member_id"].nunique()
    assert g["loans_outstanding"] == pytest.approx(sav["loan"].sum() - sav["repayment"].sum())
    assert f"เงินออมสะสม {g['balance']:,.0f} บาท" in ctx.text
    assert {"accounts_by_month", "savings_balance"} <= {f["name"] for f in ctx.figures}


# --------------------------------------------------------------------------- lessons / privacy
def test_lessons_redacted(project, v01):
    ctx, res = v01
    les = res["lessons"]
    assert les["redacted"] is True
    assert les["n_texts"] == len(project.village("V01").lessons)
    assert les["top_themes"] and les["quotes"]
    assert {"lesson_themes", "lesson_keywords"} <= {f["name"] for f in ctx.figures}


@pytest.mark.parametrize("fixture", ["v01", "v04_en", "portfolio"])
def test_no_personal_data_in_any_output(project, fixture, request):
    ctx, _ = request.getfixturevalue(fixture)
    text = _outputs(ctx)
    people = project.participants
    leaked = [s for s in _pii(people) if s in text]
    assert leaked == []
    # person ids are not shown either (household ids may be)
    shown_ids = [p for p in people["person_id"] if re.search(rf"(?<![\w-]){re.escape(p)}(?!\w)",
                                                             text)]
    assert shown_ids == []


def test_raw_lessons_contain_personal_data_that_the_report_hides(project, tmp_path):
    """The privacy test above can fail: the raw texts do contain names and phones."""
    v = project.village("V04")
    raw = " ".join(v.lessons["text"])
    assert any(s in raw for s in _pii(v.participants))
    ctx = RecordingContext(tmp_path, lang="th")
    res = S.section_lessons(v, ctx, show_raw_text=True)
    assert res["redacted"] is False
    assert any(s in ctx.text for s in _pii(v.participants))
    assert "ห้ามเผยแพร่" in ctx.text                    # the warning is shown


def test_problems_values_are_masked(project, tmp_path):
    v = project.village("V01")
    person = v.participants.iloc[0]
    fake = pd.DataFrame([
        {"file": "participants.csv", "sheet": None, "row": 3, "column": "phone",
         "value": person["phone"], "problem": "odd phone", "severity": "warning",
         "village_id": "V01"},
        {"file": "finance.csv", "sheet": None, "row": 5, "column": "income",
         "value": f"โทร {person['phone']}", "problem": f"see {person['name']}",
         "severity": "warning", "village_id": "V01"},
    ])
    ctx = RecordingContext(tmp_path, lang="th")
    res = S.section_data_quality(replace(v, problems=fake), ctx)
    ctx.finalize()
    assert res["n_warnings"] == 2
    text = _outputs(ctx)
    assert person["phone"] not in text and person["name"] not in text
    assert "[โทร-1]" in text


def test_data_quality_shows_the_loaders_problems_of_the_village(project, tmp_path):
    from evaluation.errors import problems_frame

    v = project.village("V01")
    mine = v.problems[v.problems["village_id"] == "V01"]
    assert mine["problem_code"].tolist() == ["duplicate_row"]  # the sample's repeated entry
    whole_file = problems_frame([dict(file="informal-workers/ledger.csv", row=None,
                                      column="date", value=None, problem="dates look odd",
                                      problem_code="dates_ambiguous", severity="warning")])
    probs = pd.concat([mine, whole_file.assign(village_id="V01")], ignore_index=True)
    ctx = RecordingContext(tmp_path, lang="en")
    res = S.section_data_quality(replace(v, problems=probs), ctx)
    ctx.finalize()
    assert res["n_warnings"] == 2
    table = pd.read_csv(Path(ctx.out_dir) / "tables" / "quality_warnings.csv", dtype=str,
                        keep_default_na=False)
    assert table.iloc[:, 1].tolist() == [str(int(mine["row"].iloc[0])), ""]  # no <NA> row
    assert table.iloc[:, 0].tolist() == ["informal-workers/ledger.csv"] * 2
    text = _outputs(ctx)
    assert "<NA>" not in text and "&lt;NA&gt;" not in text


# --------------------------------------------------------------------------- files recorded
def test_charts_and_tables_are_recorded(v01):
    ctx, _ = v01
    out = Path(ctx.out_dir)
    assert len(ctx.figures) >= 12
    for f in ctx.figures:
        assert (out / "charts" / f"{f['name']}.png").stat().st_size > 1000
        assert f["title"] and f["caption"]
    for name in ctx.tables:
        assert (out / "tables" / f"{name}.csv").exists()
    wb = openpyxl.load_workbook(out / "tables.xlsx", read_only=True)
    # one sheet per table, after the contents sheet (สารบัญ) that lists them
    assert wb.sheetnames[0] == "สารบัญ"
    assert len(wb.sheetnames) == len(ctx.tables) + 1
    meta = json.loads((out / "headline.json").read_text(encoding="utf-8"))
    assert meta["headline"]["status"]["value"] == "on_track"


def test_every_chart_has_a_sentence_with_numbers(v01, v04_en):
    for ctx, _ in (v01, v04_en):
        for f in ctx.figures:
            assert re.search(r"\d", f["caption"]), f["name"]


# --------------------------------------------------------------------------- English
def test_english_report(project, v04_en):
    ctx, res = v04_en
    assert "Key results at a glance" in ctx.text
    assert "Household money" in ctx.text
    assert "rose by" in ctx.text or "fell by" in ctx.text
    assert res["cover"]["period_start"] == "1 May 2023"      # CE dates in English
    # the headline and the happiness section use the same pairs
    assert res["key_results"]["happiness_n"] == res["happiness"]["tmhi15"]["n_pairs"]


# --------------------------------------------------------------------------- empty sections
@pytest.fixture
def bare_village(project):
    v = project.village("V03")
    return replace(v, happiness=v.happiness.iloc[0:0], finance=v.finance.iloc[0:0],
                   ledger=v.ledger.iloc[0:0], savings=v.savings.iloc[0:0],
                   lessons=v.lessons.iloc[0:0], ladders={})


@pytest.mark.parametrize("lang, phrase", [("th", "ยังไม่มีข้อมูล"), ("en", "There are no")])
def test_village_without_data_gets_explanations(bare_village, tmp_path, lang, phrase):
    ctx = RecordingContext(tmp_path, lang=lang)
    res = S.run_village_sections(bare_village, ctx)
    ctx.finalize()
    for name in ("ladder", "happiness", "money", "lessons"):
        assert res[name]["empty"] is True, name
    assert res["accounts"]["accounts"]["empty"] and res["accounts"]["savings"]["empty"]
    assert res["key_results"]["happiness_mean_change"] is None
    assert phrase in ctx.text
    assert ctx.figures == []
    assert (Path(ctx.out_dir) / "headline.json").exists()


def test_only_one_finance_wave_is_explained(project, tmp_path):
    v = project.village("V02")
    pre = replace(v, finance=v.finance[v.finance["wave"] == "pre"],
                  happiness=v.happiness[v.happiness["wave"] != "post"])
    ctx = RecordingContext(tmp_path, lang="th")
    assert S.section_money(pre, ctx)["empty"] is True
    res = S.section_happiness(pre, ctx)
    assert "mean_diff" not in res["tmhi15"] and res["tmhi15"]["wave_means"]
    assert "ยังเปรียบเทียบก่อน–หลังไม่ได้" in ctx.text


def test_portfolio_village_without_lessons(project, tmp_path):
    p01 = project.project("P01")
    p01 = replace(p01, lessons=p01.lessons[p01.lessons["village_id"] != "V03"])
    ctx = RecordingContext(tmp_path, lang="th")
    res = S.section_themes_across(p01, ctx)
    assert res["villages_without_lessons"] == ["V03"]
    assert set(res) == {"V01", "V02", "villages_without_lessons"}
    assert "หมู่บ้านที่ยังไม่มีบันทึก 1 หมู่บ้าน: V03" in ctx.figures[0]["caption"]


# --------------------------------------------------------------------------- escaping
def test_hostile_names_are_escaped(project, tmp_path):
    v = project.village("V01")
    villages = v.villages.assign(name="<script>alert(1)</script>")
    lessons = v.lessons.assign(section="<img src=x onerror=alert(1)>")
    hostile = replace(v, villages=villages, lessons=lessons)
    ctx = RecordingContext(tmp_path, lang="th")
    S.section_cover(hostile, ctx)
    S.section_lessons(hostile, ctx)
    markup = "\n".join(ctx.html)
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<img src=x" not in markup


# --------------------------------------------------------------------------- portfolio
def test_portfolio_forest_matches_library(project, portfolio):
    ctx, res = portfolio
    f = res["happiness_forest"]
    sc = ev.score_instrument(project.happiness[project.happiness["instrument"] == "tmhi15"],
                             "tmhi15").merge(project.participants[["person_id", "village_id"]])
    sc = sc[sc["village_id"].isin(project.village_ids)]   # comparison villages: own section
    lib = happiness_change(sc, by="village_id", contrasts=[("pre", "post")])
    for row in lib.itertuples():
        assert f[row.village_id]["mean_diff"] == pytest.approx(row.mean_diff)
        assert f[row.village_id]["n_pairs"] == row.n_pairs
    wide = sc.pivot_table(index="person_id", columns="wave", values="total", observed=False,
                          aggfunc="first")[["pre", "post"]].dropna()
    mean, lo, hi, n = _paired(wide["pre"], wide["post"])
    assert f["all"]["mean_diff"] == pytest.approx(mean)
    assert (f["all"]["ci_low"], f["all"]["ci_high"]) == pytest.approx((lo, hi))
    assert f["all"]["n_pairs"] == n
    assert "happiness_forest" in {x["name"] for x in ctx.figures}


def test_portfolio_tables(project, portfolio):
    ctx, res = portfolio
    assert res["portfolio_cover"]["n_villages"] == 5
    # the sample's two comparison villages (villages.csv arm = comparison: C01, C02) are
    # counted on the cover but not among the program villages
    assert res["portfolio_cover"]["n_comparison_villages"] == 2
    for pid, n_program, n_comparison in [("P01", 3, 2), ("P02", 2, 0)]:
        cover = S.section_portfolio_cover(
            project, RecordingContext(Path(ctx.out_dir), lang="en"), project_id=pid)
        assert (cover["n_villages"], cover["n_comparison_villages"]) == (n_program, n_comparison)
    assert set(res["village_table"]) == {"V01", "V02", "V03", "V04", "V05"}
    lad = ev.evaluate_ladder(project)
    for vid, sub in lad.groupby("village_id"):
        assert res["ladder_heatmap"][vid]["achieved"] == int((sub["status"] == "achieved").sum())
    fin = res["finance_by_village"]
    v5 = project.village("V05").finance
    w = v5.pivot_table(index="household_id", columns="wave", values="income", observed=False,
                       aggfunc="first")[["pre", "post"]].dropna()
    assert fin["V05"]["income"]["mean_diff"] == pytest.approx((w["post"] - w["pre"]).mean())
    ranked = ev.rank_households(project)
    sel = ranked[ranked["selected"]]
    assert res["model_households"]["selected"] == dict(zip(sel["village_id"], sel["household_id"]))
    assert res["themes_across"]["villages_without_lessons"] == []
    for vid in ("V01", "V04"):
        assert set(res["themes_across"][vid]) >= {"savings_debt", "team_building"}
    names = {x["name"] for x in ctx.figures}
    assert {"happiness_forest", "income_forest", "themes_by_village"} <= names
    # two projects, two ladders: one heat map per project
    assert {"ladder_heatmap_P01", "ladder_heatmap_P02"} <= names


def test_portfolio_one_project(project, tmp_path):
    ctx = RecordingContext(tmp_path, lang="en")
    res = S.section_village_table(project, ctx, project_id="P02")
    assert set(res) == {"V04", "V05"}
    res = S.section_happiness_forest(project, ctx, project_id="P02")
    assert set(res) == {"V04", "V05", "all", "instrument"}


# --------------------------------------------------------------------------- arguments
@pytest.mark.parametrize("kwargs, match", [
    ({"lang": "fr"}, "lang must be one of"),
    ({"village_id": "V99"}, "unknown village_id"),
])
def test_bad_arguments(project, tmp_path, kwargs, match):
    ctx = RecordingContext(tmp_path, lang="th")
    with pytest.raises(ev.EvaluationError, match=match):
        S.section_cover(project, ctx, **kwargs)


def test_section_needs_one_village(project, tmp_path):
    ctx = RecordingContext(tmp_path, lang="th")
    with pytest.raises(S.SectionArgumentError, match="needs one village"):
        S.section_money(project, ctx)


def test_change_sentence_formats():
    # 3.2 points, CI 1.1 to 5.3, n = 28 (the example of the brief)
    assert C.change_sentence("คะแนนความสุขเฉลี่ย", "Mean happiness", 3.2, 1.1, 5.3, 28, "th") \
        .startswith("คะแนนความสุขเฉลี่ยเพิ่มขึ้น 3.2 คะแนน (95% CI 1.1 ถึง 5.3 คะแนน, n = 28)")
    assert C.change_sentence("x", "Income", -1500, -2500.4, -499.6, 12, "en", unit="baht") \
        .startswith("Income fell by 1,500 baht (95% CI -2,500 to -500 baht, n = 12); the "
                    "interval excludes zero")
    assert "includes zero" in C.change_sentence("x", "Score", 0.5, -1, 2, 9, "en")
    assert "not enough data" in C.change_sentence("x", "Score", None, None, None, 0, "en")


# --------------------------------------------------------------------------- explore.ipynb
def test_explore_notebook_runs(tmp_path):
    """The tutorial notebook runs top to bottom on the sample in under a minute."""

    import nbformat
    from nbclient import NotebookClient

    path = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # no outputs
    assert not any("def " in c.source for c in nb.cells if c.cell_type == "code")
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and 'data_dir = "../data/sample"' in params[0].source
    params[0].source = params[0].source.replace('"../reports/explore"',
                                                repr(str(tmp_path / "explore")))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    assert (tmp_path / "explore" / "happiness_waves_V04.png").exists()
    shown = "\n".join(str(o) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.get("output_type") == "error"]
    # the tutorial never prints personal data
    sample = ev.load_project(SAMPLE)
    assert [s for s in _pii(sample.participants) if s in shown] == []


# --------------------------------------------------------------------------- large programs
def test_charts_of_many_villages_keep_a_readable_size():
    """A national program: 1,000 villages must not make a chart 450 inches tall."""
    from evaluation.charts.sections import MAX_LABELLED_ROWS, forest_plot, theme_heatmap

    rng = np.random.default_rng(7)
    k = 1000
    means = rng.normal(1, 2, k)
    frame = pd.DataFrame({"label": [f"V{i:04d}" for i in range(k)] + ["ทุกหมู่บ้าน"],
                          "mean_diff": [*means, 1.0], "ci_low": [*(means - 1), 0.8],
                          "ci_high": [*(means + 1), 1.2], "n_pairs": [20] * k + [20 * k]})
    frame.loc[3, ["mean_diff", "ci_low", "ci_high"]] = np.nan   # one village without pairs
    fig = forest_plot(frame, label="label", overall="ทุกหมู่บ้าน", unit="คะแนน")
    assert fig.get_size_inches()[1] <= 8
    ax = fig.axes[0]
    assert list(ax.get_yticks()) == []
    # sorted by mean: the points drawn go up with the estimate
    xs = ax.lines[0].get_xdata()
    assert len(xs) == k - 1 and np.all(np.diff(xs) >= 0)
    assert "ไม่มีข้อมูล 1" in ax.get_ylabel() and "999" in ax.get_ylabel()
    small = forest_plot(frame.iloc[:MAX_LABELLED_ROWS], label="label")
    assert len(small.axes[0].get_yticks()) == MAX_LABELLED_ROWS   # few: every row labelled

    summary = pd.DataFrame([{"village_id": f"V{i:04d}", "theme": t, "theme_th": t,
                             "theme_en": t, "share_of_sentences": rng.random()}
                            for i in range(300) for t in ("a", "b")])
    heat = theme_heatmap(summary)
    assert heat.get_size_inches()[1] <= 8 and list(heat.axes[0].get_yticks()) == []
    assert not heat.axes[0].texts   # no 600 numbers printed in tiny cells


def test_name_lists_are_shortened():
    from evaluation.reporting.portfolio import name_list

    names = [f"V{i:03d}" for i in range(25)]
    assert name_list(names[:3], "th") == "V000, V001, V002"
    assert name_list(names, "th") == ", ".join(names[:10]) + " และอีก 15 หมู่บ้าน"
    assert name_list(names, "en").endswith(" and 15 more")
    assert name_list([], "en") == "none"


# --------------------------------------------------------------------------- issue 13
def test_three_waves_omnibus_first_then_holm_pairs(project, v01):
    from evaluation.repeated import friedman_test, rm_anova

    ctx, res = v01
    om = res["happiness"]["tmhi15"]["omnibus"]["all"]
    sc = _scores(project, "V01")
    sc = sc[sc["total"].notna()]
    fr = friedman_test(sc, dv="total", within="wave", subject="person_id").iloc[0]
    rm = rm_anova(sc, dv="total", within="wave", subject="person_id").iloc[0]
    assert om["friedman_p"] == pytest.approx(fr["p"]) and om["rm_p_gg"] == pytest.approx(rm["p_gg"])
    text = ctx.text
    # the omnibus table comes before the pairs, and the Thai note names the correction
    assert text.index("การทดสอบรวมสามช่วง") < text.index("การเปลี่ยนแปลงของคะแนน")
    assert "โฮล์ม (Holm)" in text and "ปรับ Holm" in text
    assert "omnibus" in res["money"] and "income" in res["money"]["omnibus"]


def test_comparison_section_equals_did(project, tmp_path):
    ctx = RecordingContext(tmp_path, lang="th")
    res = S.section_comparison(project, ctx, project_id="P01")
    assert res["shown"] and res["comparison_villages"] == ["C01", "C02"]
    assert res["program_villages"] == ["V01", "V02", "V03"]
    # independent: household income long table built here, then ev.did
    hh = project.participants.drop_duplicates("household_id")[["household_id", "village_id"]]
    fin = project.finance.merge(hh, on="household_id")
    fin = fin[fin["village_id"].isin(["V01", "V02", "V03", "C01", "C02"])]
    fin = fin.assign(arm=np.where(fin["village_id"].str.startswith("C"), "comparison", "program"),
                     wave=fin["wave"].astype(str))
    with pytest.warns(ev.FewClustersWarning):
        ref = ev.did(fin, outcome="income", unit="household_id", time="wave", group="arm",
                     cluster="village_id").iloc[0]
    assert res["income"]["estimate"] == pytest.approx(ref["estimate"])
    assert res["income"]["wild_p"] == pytest.approx(ref["wild_p"])
    assert res["income"]["n_clusters"] == 5 and res["few_clusters"]
    text = ctx.text
    assert "เทียบกับกลุ่มเปรียบเทียบ" in text and "แนวโน้มคู่ขนาน" in text
    assert "wild bootstrap" in text
    ctx.finalize()
    assert (tmp_path / "charts" / "comparison_income.png").exists()


def test_comparison_section_absent_without_comparison_villages(project, tmp_path):
    ctx = RecordingContext(tmp_path, lang="th")
    assert S.section_comparison(project, ctx, project_id="P02") == {"shown": False}
    assert S.section_comparison(project, ctx, village_id="V04") == {"shown": False}
    assert ctx.html == []
    one = S.section_comparison(project, ctx, village_id="V01")
    assert one["shown"] and one["program_villages"] == ["V01"]


# --------------------------------------------------------------------------- issue 14
def test_village_ladder_shows_progress_and_the_sex_split(project, v01):
    ctx, res = v01
    assert "ความก้าวหน้าจากค่าฐาน" in ctx.text
    split = ev.evaluate_ladder(project.village("V01"), by=["village_id", "sex"])
    got = res["ladder"]["by_sex"]
    for row in split.itertuples():
        value = got[row.indicator_id][row.sex]
        assert (value is None and math.isnan(row.actual)) or value == pytest.approx(row.actual)
    assert "ladder_by_sex" in ctx.tables
    # V01 has one man: his cells are small (n <3), and the women's are hidden too
    # (secondary suppression: the village value is shown above, so his would follow)
    table = pd.read_csv(Path(ctx.out_dir) / "tables" / "ladder_by_sex.csv", encoding="utf-8-sig")
    assert set(table["ชาย"]) <= {"n <3", "–"} and (table["ชาย"] == "n <3").any()
    with_him = table[table["ชาย"] == "n <3"]
    assert with_him["หญิง"].str.startswith("ซ่อน (n = ").all()


def test_portfolio_disaggregation_matches_library(project, portfolio):
    ctx, res = portfolio
    got = res["ladder_disaggregation"]
    for pid in ("P01", "P02"):
        lib = ev.evaluate_ladder(project.project(pid), by="sex")
        for row in lib.itertuples():
            assert got[pid]["sex"][row.indicator_id][row.sex] == pytest.approx(row.actual)
        assert "age_group" in got[pid]
    assert {"ladder_by_sex_P01", "ladder_by_age_group_P02"} <= set(ctx.tables)


def test_portfolio_sroi_section(project, portfolio):
    ctx, res = portfolio
    lib = ev.sroi(project, "P01")
    sens = ev.sroi_sensitivity(project, "P01", monte_carlo=2000, seed=2566)
    got = res["sroi"]["P01"]
    assert list(res["sroi"]) == ["P01"]            # P02 has no value map: no section for it
    assert got["sroi_ratio"] == pytest.approx(lib.ratio)
    assert (got["ratio_min"], got["ratio_max"]) == pytest.approx(
        (sens.range["ratio_min"].iloc[0], sens.range["ratio_max"].iloc[0]))
    assert got["ratio_low"] == pytest.approx(sens.monte_carlo["ratio_low"].iloc[0])
    assert "ผลตอบแทนทางสังคมจากการลงทุน" in ctx.text
    assert "ไม่ใช่ผลตอบแทนทางการเงิน" in ctx.text and "สมมติฐาน" in ctx.text
    assert "sroi_tornado" in {x["name"] for x in ctx.figures}
    assert {"sroi_value_map", "sroi_totals"} <= set(ctx.tables)


def test_sroi_section_absent_without_value_map(project, tmp_path):
    ctx = RecordingContext(tmp_path, lang="en")
    assert S.section_sroi(project, ctx, project_id="P02") == {"empty": True,
                                                              "reason": "no value map"}
    assert ctx.html == []


@pytest.mark.parametrize("village", ["V01", "V03", "V04"])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_band_cross_table_equals_pandas_pivot_table(project, village, lang):
    """The band table's NumPy cross table equals pandas' pivot_table (the old code)."""
    from evaluation.i18n import wave_name
    from evaluation.reporting.village import _band_cross_table

    v = project.village(village)
    checked = 0
    for inst in ev.results.instruments_present(v):
        sc = ev.results.scores(v, inst)
        if "band" not in sc.columns or sc["band"].isna().all():
            continue
        table = ev.band_transitions(sc, before="pre", after="post").table
        label_col = "band_before_label" if lang == "th" else "band_before_label_en"
        after_col = "band_after_label" if lang == "th" else "band_after_label_en"
        expected = table.pivot_table(index=["band_before_rank", label_col],
                                     columns=["band_after_rank", after_col], values="n",
                                     aggfunc="sum", observed=True)
        expected.index = [f"{wave_name('pre', lang)}: {lab}" for _, lab in expected.index]
        expected.columns = [f"{wave_name('post', lang)}: {lab}" for _, lab in expected.columns]
        expected = expected.astype(int).reset_index(names="Band")
        got = _band_cross_table(table, label_col, after_col, before_name=wave_name("pre", lang),
                                after_name=wave_name("post", lang), first="Band")
        pd.testing.assert_frame_equal(got, expected)
        assert int(got.iloc[:, 1:].to_numpy().sum()) == int(table["n"].sum()) > 0
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("lang", ["th", "en"])
def test_role_table_equals_the_filtered_counts(lang):
    """The cover's role table counted over lists, as filtering per role counts it:
    missing sex, role or household, a role nobody has, one person, no one, and
    columns that are not text (counted the pandas way)."""
    from evaluation.reporting.village import _role_table, _role_table_plain

    people = pd.DataFrame({
        "role": ["target", "team", "target", None, "mentor", "target", "other"],
        "sex": ["F", "M", None, "F", "M", "X", "F"],
        "household_id": ["h1", "h1", "h2", None, "h3", "h2", "h4"]}).astype("str")
    people = people.where(people != "None")
    cases = [people, people[people["role"] != "mentor"], people.iloc[:1], people.iloc[:0],
             people.astype(object), people.astype("string")]
    for frame in cases:
        pd.testing.assert_frame_equal(_role_table(frame, lang), _role_table_plain(frame, lang))
