"""Indicator tracking: progress from the baseline, measured baselines, periodic
targets, disaggregation and status bases. Every expected value is computed by
hand beside the assertion."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import evaluation as ev
from evaluation.ladder import age_groups, pct_progress
from evaluation.project import Project
from evaluation.schema import TABLES


def empty(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[c.name for c in TABLES[name].columns])


LADDER = """\
project_id: P01
steps:
  - step: 1
    outcome: รายได้เพิ่มขึ้น
    indicators:
      - id: income
        label: รายได้เฉลี่ยต่อเดือน
        metric: mean_income
        baseline: measured
        target: {during: 5000, post: 6000}
      - id: income_up
        label: ร้อยละครัวเรือนที่มีรายได้เพิ่มขึ้น
        metric: share_income_up
        baseline: 0
        target: {ระหว่าง: 25, หลัง: 50}
      - id: informal
        label: ร้อยละครัวเรือนที่มีหนี้นอกระบบ
        metric: share_with_informal_debt
        baseline: measured
        target: 20
        comparator: ≤
      - id: members
        label: สมาชิก
        metric: participants_count
        params: {role: target}
        baseline: 1
        target: 4
      - id: rows
        label: แถวการเงิน
        metric: count_rows
        params: {table: finance}
        target: 1
        unit: times
"""

# household: (village, sex of its listed people, age, income pre/during/post, informal pre/post)
PEOPLE = [  # person, household, village, sex, age, role
    ("p1", "h1", "V01", "F", 30, "target"),
    ("p2", "h2", "V01", "M", 45, "target"),
    ("p3", "h3", "V01", "F", 61, "target"),
    ("p3b", "h3", "V01", "M", 20, "team"),    # h3's second member: not its head
    ("p4", "h4", "V02", "M", 50, "target"),
    ("p5", "h5", "V02", "F", 24, "target"),
]
INCOME = {"h1": (4000, 4500, 5000), "h2": (6000, 5500, 7000), "h3": (3000, 3000, 3600),
          "h4": (5000, None, 4000), "h5": (2000, 2600, 3000)}
INFORMAL = {"h1": (1000, 0), "h2": (0, 0), "h3": (500, 500), "h4": (2000, 0), "h5": (0, 0)}


def make_project() -> Project:
    villages = pd.DataFrame({"village_id": ["V01", "V02"], "project_id": ["P01", "P01"]})
    part = pd.DataFrame(PEOPLE, columns=["person_id", "household_id", "village_id", "sex",
                                         "age", "role"])
    rows = []
    for h, incomes in INCOME.items():
        for wave, inc in zip(("pre", "during", "post"), incomes):
            if inc is None:
                continue
            debt = INFORMAL[h][0] if wave == "pre" else INFORMAL[h][1] if wave == "post" \
                else None
            rows.append((h, wave, float(inc), 0.0, debt))
    fin = pd.DataFrame(rows, columns=["household_id", "wave", "income", "debt_formal",
                                      "debt_informal"])
    fin["wave"] = pd.Categorical(fin["wave"], ["pre", "during", "post"], ordered=True)
    fin["debt_informal"] = fin["debt_informal"].astype(float)
    return Project(projects=pd.DataFrame({"project_id": ["P01"]}), villages=villages,
                   participants=part, happiness=empty("happiness"), finance=fin,
                   ledger=empty("ledger"), savings=empty("savings"), lessons=empty("lessons"),
                   ladders={"P01": ev.parse_ladder(LADDER)})


@pytest.fixture
def project():
    return make_project()


# ---------------------------------------------------------------- progress --

@pytest.mark.parametrize("actual, baseline, target, cmp, expected", [
    (40, 10, 70, ">=", 50.0),        # 100 × (40 − 10) / (70 − 10) = 100 × 30 / 60
    (70, 10, 70, ">=", 100.0),       # target reached
    (85, 10, 70, "≥", 125.0),        # 100 × 75 / 60
    (5, 10, 70, ">=", -100 / 12),    # 100 × (5 − 10) / 60 = −8.33: moved away
    (30, 50, 10, "<=", 50.0),        # decrease: 100 × (50 − 30) / (50 − 10) = 100 × 20 / 40
    (60, 50, 10, "≤", -25.0),        # 100 × (50 − 60) / 40
    (8, 2, 10, "==", 75.0),          # "=" upward: 100 × (8 − 2) / (10 − 2)
    (6, 10, 2, "=", 50.0),           # "=" downward: 100 × (10 − 6) / (10 − 2)
    (30, 0, 60, ">=", 50.0),         # baseline 0: equals the raw ratio 100 × 30 / 60
])
def test_pct_progress_formula(actual, baseline, target, cmp, expected):
    assert pct_progress(actual, baseline, target, cmp) == pytest.approx(expected)


@pytest.mark.parametrize("actual, baseline, target, cmp, note", [
    (30, 30, 30, ">=", "target_equals_baseline"),
    (30, float("nan"), 60, ">=", "no_baseline"),
    (float("nan"), 10, 60, ">=", "no_data"),
    (30, 50, 40, ">=", "target_behind_baseline"),   # an increase target below its baseline
    (30, 10, 40, "<=", "target_behind_baseline"),
])
def test_pct_progress_undefined(actual, baseline, target, cmp, note):
    from evaluation.ladder import _progress

    value, why = _progress(actual, baseline, target, cmp)
    assert math.isnan(value) and why == note
    assert math.isnan(pct_progress(actual, baseline, target, cmp))


def test_pct_progress_bad_comparator():
    with pytest.raises(ev.EvaluationError, match="comparator must be one of"):
        pct_progress(1, 0, 2, "~")


def test_income_decrease_indicator_no_longer_negative(project):
    # a "reduce" indicator: informal debt share V01 pre = h1, h3 of h1..h3 = 66.67 %;
    # post = h3 of 3 = 33.33 %; target ≤ 20:
    # raw ratio 100 × 33.33 / 20 = 166.7 % (misleading); progress
    # 100 × (66.67 − 33.33) / (66.67 − 20) = 100 × 33.33 / 46.67 = 71.43 %
    out = ev.evaluate_ladder(project).set_index(["village_id", "indicator_id"])
    row = out.loc[("V01", "informal")]
    assert row["baseline"] == pytest.approx(200 / 3)
    assert row["actual"] == pytest.approx(100 / 3)
    assert row["pct_of_target"] == pytest.approx(100 * (100 / 3) / 20)
    assert row["pct_progress"] == pytest.approx(100 * (100 / 3) / (200 / 3 - 20))
    assert row["baseline_source"] == "measured"
    # V02 pre: h4 of h4, h5 = 50 %; post 0 of 2 = 0 % -> achieved; progress
    # 100 × (50 − 0) / (50 − 20) = 166.7 %
    assert out.loc[("V02", "informal"), "pct_progress"] == pytest.approx(100 * 50 / 30)
    assert out.loc[("V02", "informal"), "status"] == "achieved"


# ----------------------------------------------------- measured baselines --

def test_measured_baseline_per_village_and_project(project):
    out = ev.evaluate_ladder(project, include_project=True).set_index(
        ["level", "village_id", "indicator_id"])
    # V01 pre incomes 4000, 6000, 3000 -> mean 4333.33; post 5000, 7000, 3600 -> 5200
    v01 = out.loc[("village", "V01", "income")]
    assert v01["baseline"] == pytest.approx(13000 / 3)
    assert v01["actual"] == pytest.approx(5200.0)
    assert v01["wave"] == "post" and v01["target"] == 6000
    # progress 100 × (5200 − 4333.33) / (6000 − 4333.33) = 100 × 866.67 / 1666.67 = 52 %
    assert v01["pct_progress"] == pytest.approx(52.0)
    # project pooled: pre (4000 + 6000 + 3000 + 5000 + 2000) / 5 = 4000,
    # post (5000 + 7000 + 3600 + 4000 + 3000) / 5 = 4520
    proj = out.xs("project", level="level").reset_index().set_index("indicator_id")
    assert proj.loc["income", "baseline"] == pytest.approx(4000.0)
    assert proj.loc["income", "actual"] == pytest.approx(4520.0)
    # typed baseline stays typed
    assert out.loc[("village", "V01", "members"), "baseline_source"] == "typed"
    assert pd.isna(out.loc[("village", "V01", "rows"), "baseline_source"])
    assert out.loc[("village", "V01", "rows"), "progress_note"] == "no_baseline"


def test_measured_baseline_without_pre_data(project):
    project.finance = project.finance[project.finance["wave"] != "pre"]
    out = ev.evaluate_ladder(project).set_index(["village_id", "indicator_id"])
    row = out.loc[("V01", "income")]
    assert math.isnan(row["baseline"]) and math.isnan(row["pct_progress"])
    assert row["progress_note"] == "baseline_no_data"
    assert row["actual"] == pytest.approx(5200.0)   # the actual is still computed


# ------------------------------------------------------- periodic targets --

def test_periodic_targets_one_row_per_wave(project):
    out = ev.evaluate_ladder(project, waves=True)
    v01 = out[(out["village_id"] == "V01") & (out["indicator_id"] == "income")]
    assert v01["wave"].tolist() == ["during", "post"]
    assert v01["target"].tolist() == [5000.0, 6000.0]
    # during: (4500 + 5500 + 3000) / 3 = 4333.33 vs 5000: 86.7 % of target, progress 0 %
    assert v01["actual"].tolist() == pytest.approx([13000 / 3, 5200.0])
    assert v01["pct_progress"].iloc[0] == pytest.approx(0.0)
    assert v01["status"].tolist() == ["partial", "partial"]
    # change metric: after = during for the mid-term row. V01 during vs pre: h1 up,
    # h2 down, h3 same -> 1 / 3 = 33.3 % vs 25 -> achieved; post: h1, h2, h3 up -> 100 %
    up = out[(out["village_id"] == "V01") & (out["indicator_id"] == "income_up")]
    assert up["actual"].tolist() == pytest.approx([100 / 3, 100.0])
    assert up["status"].tolist() == ["achieved", "achieved"]
    # V02 has no during income for h4: during share over h5 only = 100 %, n = 1
    v02 = out[(out["village_id"] == "V02") & (out["indicator_id"] == "income_up")]
    assert v02["n"].tolist() == [1, 2]
    # metrics without waves keep one row with no wave
    rows = out[(out["village_id"] == "V01") & (out["indicator_id"] == "members")]
    assert len(rows) == 1 and pd.isna(rows["wave"].iloc[0])
    # without waves=True only the final (post) target row
    final = ev.evaluate_ladder(project)
    assert (final.loc[final["indicator_id"] == "income", "wave"] == "post").all()


# ---------------------------------------------------------- disaggregation --

def test_split_by_sex_people_and_households(project):
    out = ev.evaluate_ladder(project, by=["village_id", "sex"])
    assert list(out.columns[:3]) == ["project_id", "village_id", "sex"]
    got = out.set_index(["village_id", "sex", "indicator_id"])
    # people metric: V01 target members: F p1, p3 -> 2; M p2 -> 1 (p3b is team)
    assert got.loc[("V01", "F", "members"), "actual"] == 2.0
    assert got.loc[("V01", "M", "members"), "actual"] == 1.0
    # household metric: a household belongs to its first target participant's group:
    # h3's head is p3 (F), so h3 is not in the men's group despite p3b (M).
    # V01 women: h1 pre 4000 post 5000, h3 3000 / 3600 -> post mean 4300
    assert got.loc[("V01", "F", "income"), "actual"] == pytest.approx(4300.0)
    assert got.loc[("V01", "F", "income"), "n"] == 2
    assert got.loc[("V01", "M", "income"), "actual"] == pytest.approx(7000.0)   # h2 only
    # count_rows is not computed over people or households: not split
    assert "rows" not in set(out["indicator_id"])
    # groups add up for counts: V01 F 2 + M 1 = 3 = the unsplit count
    whole = ev.evaluate_ladder(project).set_index(["village_id", "indicator_id"])
    assert whole.loc[("V01", "members"), "actual"] == 3.0


def test_split_by_age_group_and_role_project_level(project):
    out = ev.evaluate_ladder(project, by="age_group")
    assert out["level"].eq("project").all() and "age_group" in out.columns
    got = out.set_index(["age_group", "indicator_id"])
    # ages: p1 30, p2 45, p3 61, p3b 20 (team), p4 50, p5 24
    # target members <25: p5 -> 1; 25-39: p1; 40-59: p2, p4 -> 2; 60+: p3
    assert got.loc[("<25", "members"), "actual"] == 1.0
    assert got.loc[("40-59", "members"), "actual"] == 2.0
    assert got.loc[("60+", "members"), "actual"] == 1.0
    by_role = ev.evaluate_ladder(project, by=["role"]).set_index(["role", "indicator_id"])
    # households headed by a team member: none (h3's head is its target member p3)
    assert by_role.loc[("team", "income"), "status"] == "no_data"


def test_age_groups_bins():
    ages = pd.Series([0, 24, 25, 39, 40, 59, 60, 99, None])
    assert age_groups(ages).tolist() == ["<25", "<25", "25-39", "25-39", "40-59", "40-59",
                                         "60+", "60+", pd.NA]
    assert age_groups(pd.Series([17, 18, 65]), bins=(18, 65)).tolist() == \
        ["<18", "18-64", "65+"]


# --------------------------------------------------------------- status basis --

def test_status_basis_progress(project):
    ratio = ev.evaluate_ladder(project).set_index(["village_id", "indicator_id"])
    prog = ev.evaluate_ladder(project, status_basis="progress").set_index(
        ["village_id", "indicator_id"])
    # V01 income: 5200 vs 6000 -> ratio 86.7 % -> partial; progress 52 % ≥ 50 -> partial
    assert ratio.loc[("V01", "income"), "status"] == "partial"
    assert prog.loc[("V01", "income"), "status"] == "partial"
    # V02 income: pre (5000 + 2000) / 2 = 3500, post (4000 + 3000) / 2 = 3500:
    # ratio 58.3 % -> partial; progress 0 % -> not achieved
    assert ratio.loc[("V02", "income"), "status"] == "partial"
    assert prog.loc[("V02", "income"), "pct_progress"] == pytest.approx(0.0)
    assert prog.loc[("V02", "income"), "status"] == "not_achieved"
    # V01 informal: progress 71.4 % -> partial (ratio rule: 33.3 ≤ 40 = 20 / 0.5 -> partial)
    assert prog.loc[("V01", "informal"), "status"] == "partial"
    # achieved is the same under both bases
    assert (ratio["status"] == "achieved").equals(prog["status"] == "achieved")


def test_ladder_table_shows_waves_and_splits(project):
    frame = ev.evaluate_ladder(project, by=["village_id", "sex"], waves=True)
    table = ev.ladder_table(frame)
    assert {"เพศ", "ช่วงเวลา", "ความก้าวหน้าจากค่าฐาน (%)"} <= set(table.columns)
    assert set(table["เพศ"]) == {"หญิง", "ชาย"}
    assert {"ระหว่าง", "หลัง", "–"} == set(table["ช่วงเวลา"])


# ------------------------------------------------------------- validation --

BASE = """\
project_id: P01
steps:
  - step: 1
    outcome: x
    indicators:
      - id: a
        label: a
        metric: {metric}
        baseline: {baseline}
        target: {target}
        unit: "%"
"""


@pytest.mark.parametrize("metric, baseline, target, column, problem", [
    ("participants_count", "measured", 5, "steps[0].indicators[0].baseline",
     "baseline: measured needs a metric with a wave parameter .*it has no waves"),
    ("share_income_up", "measured", 5, "steps[0].indicators[0].baseline",
     "0 at pre by definition: write baseline: 0"),
    ("participants_count", 0, "{during: 2, post: 4}", "steps[0].indicators[0].target",
     "targets per wave need a metric with a wave parameter"),
    ("mean_income", 0, "{pre: 2, post: 4}", "steps[0].indicators[0].target.pre",
     "a value at pre is the baseline"),
    ("mean_income", 0, "{later: 2}", "steps[0].indicators[0].target.later",
     "unknown wave 'later'"),
    ("mean_income", 0, "{during: lots}", "steps[0].indicators[0].target.during",
     "target must be a number"),
    ("mean_income", "soon", 3, "steps[0].indicators[0].baseline",
     "baseline must be a number, measured"),
])
def test_tracking_fields_validated_with_lines(metric, baseline, target, column, problem):
    text = BASE.format(metric=metric, baseline=baseline, target=target)
    with pytest.raises(ev.LadderError) as err:
        ev.parse_ladder(text)
    probs = err.value.problems
    hit = probs[probs["column"] == column]
    assert len(hit) == 1, probs
    assert hit["problem"].str.contains(problem).iloc[0], hit["problem"].iloc[0]
    assert hit["row"].iloc[0] in (9, 10)   # the baseline or target line


def test_periodic_targets_parsed_in_wave_order():
    text = BASE.format(metric="mean_income", baseline="วัดจริง",
                       target="{หลัง: 6000, ระหว่าง: 5000}")
    ind = ev.parse_ladder(text).indicators[0]
    assert ind.targets == {"during": 5000.0, "post": 6000.0} and ind.target == 6000.0
    assert ind.baseline_measured and ind.baseline is None and ind.periodic


def test_yaml_bombs_are_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
        for p, c in zip("abcdef", "bcdefg"))
    with pytest.raises(ev.LadderError) as err:
        ev.parse_ladder(bomb)
    assert err.value.problems["problem"].str.contains("expands to more than").any()
    from evaluation.textio import MAX_YAML_BYTES

    with pytest.raises(ev.LadderError) as err:
        ev.parse_ladder("project_id: P01\n" + "x" * MAX_YAML_BYTES)
    assert err.value.problems["problem"].str.contains("larger than").any()


def test_heatmap_cells_show_progress_where_a_baseline_exists(project):
    from evaluation.charts.ladder import ladder_heatmap

    fig = ladder_heatmap(ev.evaluate_ladder(project))
    ax = fig.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ax.texts}
    # row 0 = V01; columns: income, income_up, informal, members, rows
    # income: progress 52 % (baseline measured); informal: progress 71.4 % -> "71%"
    assert cells[(0, 0)] == "52%"
    assert cells[(0, 2)] == "71%"
    # members: baseline 1, actual 3, target 4 -> progress 100 × 2 / 3 = 66.7 % -> "67%"
    assert cells[(0, 3)] == "67%"
    # rows (count_rows) has no baseline: % of target in brackets: V01 finance rows
    # h1 3, h2 3, h3 3 = 9 vs target 1 -> 900 %
    assert cells[(0, 4)] == "(900%)"
    assert "ความก้าวหน้าจากค่าฐาน" in ax.get_xlabel()
