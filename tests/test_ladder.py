"""Ladder YAML parsing (errors with YAML lines), status rules, evaluate_ladder,
report table and charts."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import evaluation as ev
from evaluation import metrics as M
from evaluation.errors import DataValidationError, EvaluationError, PROBLEM_COLUMNS
from evaluation.ladder import LADDER_COLUMNS, indicator_status
from evaluation.project import Project
from evaluation.schema import TABLES

# Line numbers matter: the error tests below replace single lines of this text.
VALID = """\
project_id: P01
title: บันไดผลลัพธ์โครงการน้ำพริก
steps:
  - step: 1
    outcome: คณะทำงานเข้มแข็ง
    indicators:
      - id: team_size
        label: จำนวนคณะทำงาน
        metric: participants_count
        params: {role: team}
        baseline: 0
        target: 2
        comparator: ≥
        unit: คน
  - step: 2
    outcome: สมาชิกมีรายได้เพิ่มขึ้น
    outcome_en: Members' incomes rose
    indicators:
      - id: income_up
        label: ร้อยละครัวเรือนที่มีรายได้เพิ่มขึ้น
        metric: share_income_up
        target: 60
        comparator: ">="
        unit: "%"
      - id: debt_down
        label: ร้อยละครัวเรือนที่หนี้ลดลง
        metric: share_debt_down
        target: ๕๐
        comparator: =
        unit: ร้อยละ
"""
LINES = VALID.splitlines()


def edit(line_no: int, new: str | None) -> str:
    """VALID with line ``line_no`` (1-based) replaced (None deletes it)."""
    lines = list(LINES)
    if new is None:
        del lines[line_no - 1]
    else:
        lines[line_no - 1] = new
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ parsing --

def test_parse_valid_normalises():
    lad = ev.parse_ladder(VALID)
    assert lad.project_id == "P01" and lad.title == "บันไดผลลัพธ์โครงการน้ำพริก"
    assert [s.number for s in lad.steps] == [1, 2]
    assert lad.steps[1].outcome_en == "Members' incomes rose"
    team, inc, debt = lad.indicators
    assert (team.comparator, team.unit, team.params, team.baseline, team.target) == \
        (">=", "people", {"role": "team"}, 0.0, 2.0)
    assert (inc.comparator, inc.unit, inc.baseline) == (">=", "%", None)
    # Thai digits ๕๐ -> 50; bare "=" -> "=="; ร้อยละ -> %
    assert (debt.target, debt.comparator, debt.unit) == (50.0, "==", "%")
    assert (lad.steps[0].line, team.line, inc.line) == (4, 7, 19)
    assert lad.warnings.empty
    frame = lad.to_frame()
    assert frame["indicator_id"].tolist() == ["team_size", "income_up", "debt_down"]


ERROR_CASES = [
    # (id, line to edit, replacement, expected row, expected column, problem text)
    ("unknown metric", 21, "        metric: share_income_upp", 21,
     "steps[1].indicators[0].metric", "unknown metric 'share_income_upp'; known metrics: "),
    ("missing target", 22, None, 19, "steps[1].indicators[0].target", "target is required"),
    ("target not a number", 22, "        target: many", 22, "steps[1].indicators[0].target",
     "target must be a number"),
    ("bad comparator", 13, "        comparator: about", 13, "steps[0].indicators[0].comparator",
     "comparator must be one of ≥, >=, ≤, <=, =, =="),
    ("steps out of order", 15, "  - step: 3", 15, "steps[1].step",
     "step 2 expected here, found 3"),
    ("bad unit", 14, "        unit: kilos", 14, "steps[0].indicators[0].unit",
     "unit must be one of people, households, %, baht, points, groups, times"),
    ("yaml syntax error", 10, "        params: {role: team", 11, None, "YAML syntax error"),
    ("unquoted >=", 23, "        comparator: >=", 23, None, 'must be quoted: comparator: ">="'),
    ("duplicate id", 25, "      - id: income_up", 25, "steps[1].indicators[1].id",
     "indicator id 'income_up' is used twice (first on line 19)"),
    ("missing project_id", 1, "project: ", 1, "project_id", "project_id is required"),
    ("unknown param", 10, "        params: {rol: team}", 10,
     "steps[0].indicators[0].params.rol", "has no parameter 'rol'; its parameters: role"),
    ("missing outcome", 16, None, 15, "steps[1].outcome", "outcome is required"),
    ("missing label", 8, None, 7, "steps[0].indicators[0].label", "label is required"),
    ("step number not whole", 4, "  - step: one", 4, "steps[0].step",
     "step must be a whole number"),
]


@pytest.mark.parametrize("line, new, row, column, problem",
                         [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_parse_errors_give_yaml_line(line, new, row, column, problem):
    with pytest.raises(ev.LadderError) as info:
        ev.parse_ladder(edit(line, new), source="ladder_P01.yaml")
    probs = info.value.problems
    assert list(probs.columns) == PROBLEM_COLUMNS
    errors = probs[probs["severity"] == "error"]
    assert len(errors) == 1, errors.to_string()
    got = errors.iloc[0]
    assert got["row"] == row
    assert (got["column"] if pd.notna(got["column"]) else None) == column
    assert problem in got["problem"]
    assert got["file"] == "ladder_P01.yaml" and pd.isna(got["sheet"])


def test_ladder_error_is_a_data_validation_error():
    assert issubclass(ev.LadderError, DataValidationError)


def test_every_problem_reported_at_once():
    text = edit(21, "        metric: nope")
    text = "\n".join(
        "        unit: kilos" if i == 14 else "  - step: 5" if i == 15 else line
        for i, line in enumerate(text.splitlines(), start=1)) + "\n"
    with pytest.raises(ev.LadderError) as info:
        ev.parse_ladder(text)
    probs = info.value.problems
    assert sorted(probs["row"].tolist()) == [14, 15, 21]
    assert sorted(probs["column"].tolist()) == ["steps[0].indicators[0].unit",
                                               "steps[1].indicators[0].metric",
                                               "steps[1].step"]


@pytest.mark.parametrize("text, row, column, problem", [
    ("", 1, None, "found an empty file"),
    ("- a\n- b\n", 1, None, "must be a mapping"),
    ("project_id: P01\n", 1, "steps", "steps is required"),
    ("project_id: P01\nsteps: []\n", 2, "steps", "steps is required"),
    ("project_id: P01\nsteps:\n  - step: 1\n    outcome: x\n", 3, "steps[0].indicators",
     "indicators is required"),
    ("project_id: P01\nsteps:\n  - just text\n", 3, "steps[0]", "each step must be a mapping"),
])
def test_structure_errors(text, row, column, problem):
    with pytest.raises(ev.LadderError) as info:
        ev.parse_ladder(text)
    got = info.value.problems.iloc[0]
    assert got["row"] == row
    assert (got["column"] if pd.notna(got["column"]) else None) == column
    assert problem in got["problem"]


def test_warnings_for_unknown_field_and_unit_mismatch():
    text = edit(14, "        unit: households")       # participants_count gives people
    text = text.replace("  - step: 2\n", "  - step: 2\n    colour: red\n")
    lad = ev.parse_ladder(text)
    w = lad.warnings
    assert set(w["severity"]) == {"warning"}
    assert w.set_index("column").loc["steps[0].indicators[0].unit", "row"] == 14
    assert "gives people, but the unit is households" in \
        w.set_index("column").loc["steps[0].indicators[0].unit", "problem"]
    assert w.set_index("column").loc["steps[1].colour", "row"] == 16


def test_unit_defaults_to_metric_unit_and_comparator_to_ge():
    lad = ev.parse_ladder(edit(13, None).replace("        unit: คน\n", ""))
    team = lad.indicators[0]
    assert (team.unit, team.comparator) == ("people", ">=")


def test_thai_field_names():
    text = ("รหัสโครงการ: P01\nขั้น:\n  - ขั้นที่: 1\n    ผลลัพธ์: ทีมเข้มแข็ง\n"
            "    ตัวชี้วัด:\n      - รหัส: t\n        ชื่อตัวชี้วัด: ทีม\n"
            "        ตัววัด: participants_count\n        เป้าหมาย: 3\n"
            "        เงื่อนไข: ≤\n        หน่วย: คน\n")
    ind = ev.parse_ladder(text).indicators[0]
    assert (ind.id, ind.target, ind.comparator, ind.unit) == ("t", 3.0, "<=", "people")


def test_read_ladder_file(tmp_path):
    path = tmp_path / "ladder_P01.yaml"
    path.write_text(edit(21, "        metric: nope"), encoding="utf-8")
    with pytest.raises(ev.LadderError) as info:
        ev.read_ladder(path)
    assert info.value.problems.loc[0, "file"] == str(path)
    assert info.value.problems.loc[0, "row"] == 21
    path.write_text(VALID, encoding="utf-8")
    lad = ev.read_ladder(path)
    assert lad.source == str(path) and len(lad.indicators) == 3


def test_read_ladder_missing_file(tmp_path):
    with pytest.raises(EvaluationError, match="cannot read the ladder file"):
        ev.read_ladder(tmp_path / "nope.yaml")


def test_custom_metric_usable_in_ladder():
    try:
        @ev.metric("test_needs_x")
        def needs_x(project, *, x):
            return float(x), 1

        text = edit(9, "        metric: test_needs_x").replace("{role: team}", "{}")
        with pytest.raises(ev.LadderError) as info:
            ev.parse_ladder(text)
        assert "needs the parameter 'x'" in info.value.problems.loc[0, "problem"]
        lad = ev.parse_ladder(text.replace("params: {}", "params: {x: 3}"))
        assert lad.indicators[0].params == {"x": 3}
    finally:
        M.unregister_metric("test_needs_x")


# ------------------------------------------------------------------- status --

@pytest.mark.parametrize("actual, target, cmp, n, theta, expected", [
    # >= : achieved at the target, partial from theta * target
    (30, 30, ">=", 5, 0.5, "achieved"),
    (29.999, 30, ">=", 5, 0.5, "partial"),
    (15, 30, ">=", 5, 0.5, "partial"),             # 15 = 0.5 * 30
    (14.99, 30, ">=", 5, 0.5, "not_achieved"),
    (24, 30, ">=", 5, 0.8, "achieved" if False else "partial"),   # 24 = 0.8 * 30
    (23.9, 30, ">=", 5, 0.8, "not_achieved"),
    (100 * 7 / 10, 70, ">=", 5, 0.5, "achieved"),  # float rounding tolerated
    (0, 0, ">=", 5, 0.5, "achieved"),
    (-1, 0, ">=", 5, 0.5, "not_achieved"),          # no partial with a zero target
    # <= : achieved at or below, partial up to target / theta
    (20, 20, "<=", 5, 0.5, "achieved"),
    (40, 20, "<=", 5, 0.5, "partial"),              # 40 = 20 / 0.5
    (40.01, 20, "<=", 5, 0.5, "not_achieved"),
    (0, 0, "≤", 5, 0.5, "achieved"),
    (1, 0, "<=", 5, 0.5, "not_achieved"),
    # == : exact, partial inside [theta * target, target / theta]
    (2, 2, "==", 5, 0.5, "achieved"),
    (1, 2, "=", 5, 0.5, "partial"),
    (4, 2, "==", 5, 0.5, "partial"),
    (4.1, 2, "==", 5, 0.5, "not_achieved"),
    (0.9, 2, "==", 5, 0.5, "not_achieved"),
    # no data
    (math.nan, 30, ">=", 5, 0.5, "no_data"),
    (30, 30, ">=", 0, 0.5, "no_data"),
    (None, 30, ">=", None, 0.5, "no_data"),
])
def test_indicator_status_boundaries(actual, target, cmp, n, theta, expected):
    assert indicator_status(actual, target, cmp, n=n, partial_threshold=theta) == expected


@pytest.mark.parametrize("kwargs, match", [
    ({"partial_threshold": 0}, r"partial_threshold must be a number in \(0, 1\], got 0"),
    ({"partial_threshold": 1.5}, "got 1.5"),
    ({"partial_threshold": "half"}, "got 'half'"),
    ({"comparator": ">>"}, "comparator must be one of"),
])
def test_indicator_status_errors(kwargs, match):
    args = {"actual": 1, "target": 2, "comparator": ">=", **kwargs}
    theta = args.pop("partial_threshold", 0.5)
    with pytest.raises(ValueError, match=match):
        indicator_status(args["actual"], args["target"], args["comparator"],
                         partial_threshold=theta)


# --------------------------------------------------------------- evaluation --

def empty(name: str) -> pd.DataFrame:
    """An empty table with its canonical columns (as the loader gives)."""
    return pd.DataFrame(columns=[c.name for c in TABLES[name].columns])


def make_project() -> Project:
    """P01 with villages V01, V02 (and P02 with V03, which P01's ladder ignores)."""
    villages = pd.DataFrame({"village_id": ["V01", "V02", "V03"],
                             "project_id": ["P01", "P01", "P02"],
                             "name": ["บ้านหนึ่ง", "บ้านสอง", "บ้านสาม"]})
    participants = pd.DataFrame({
        "person_id": [f"p{i}" for i in range(1, 10)],
        "household_id": ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"],
        "village_id": ["V01"] * 4 + ["V02"] * 4 + ["V03"],
        "role": ["team", "team", "target", "target", "team", "target", "target", "target",
                 "team"],
    })
    inc = {"h3": (5000, 6000), "h4": (4000, 4500), "h6": (3000, 2000), "h7": (3000, 3000),
           "h8": (2000, 2500)}
    rows = [(h, w, v, 0.0, 0.0) for h, (a, b) in inc.items()
            for w, v in (("pre", a), ("post", b))]
    finance = pd.DataFrame(rows, columns=["household_id", "wave", "income", "debt_formal",
                                          "debt_informal"])
    finance["wave"] = pd.Categorical(finance["wave"], ["pre", "during", "post"], ordered=True)
    finance["income"] = finance["income"].astype(float)
    return Project(projects=pd.DataFrame({"project_id": ["P01", "P02"]}), villages=villages,
                   participants=participants, happiness=empty("happiness"), finance=finance,
                   ledger=empty("ledger"), savings=empty("savings"), lessons=empty("lessons"),
                   ladders={"P01": ev.parse_ladder(VALID)})


@pytest.fixture
def project():
    return make_project()


def test_evaluate_ladder_by_village(project):
    out = ev.evaluate_ladder(project)
    assert list(out.columns) == LADDER_COLUMNS
    assert out["village_id"].tolist() == ["V01"] * 3 + ["V02"] * 3  # P02's V03 not included
    assert set(out["level"]) == {"village"}
    got = out.set_index(["village_id", "indicator_id"])
    # independent: team members per village, and share of households with income up
    part = project.participants
    team = part[part["role"] == "team"].groupby("village_id").size()   # V01 2, V02 1
    fin = project.finance.pivot(index="household_id", columns="wave", values="income")
    up = (fin["post"] > fin["pre"]).rename("up").to_frame()
    up["village_id"] = up.index.map(part.set_index("household_id")["village_id"])
    share_up = 100 * up.groupby("village_id")["up"].mean()  # V01 100, V02 100/3
    for v in ("V01", "V02"):
        assert got.loc[(v, "team_size"), "actual"] == team[v]
        assert got.loc[(v, "income_up"), "actual"] == pytest.approx(share_up[v])
    # V01: team 2 >= 2 achieved; income 100 >= 60 achieved; debt 0 of 2 down vs = 50 -> 0 %
    # is outside [25, 100] -> not achieved
    assert got.loc[("V01", "team_size"), "status"] == "achieved"
    assert got.loc[("V01", "income_up"), "status"] == "achieved"
    assert got.loc[("V01", "debt_down"), "status"] == "not_achieved"
    # V02: team 1 = 0.5 * 2 partial; income 33.3 >= 30 partial (60 * 0.5)
    assert got.loc[("V02", "team_size"), ["status", "status_th"]].tolist() == \
        ["partial", "บรรลุบางส่วน"]
    assert got.loc[("V02", "income_up"), "status"] == "partial"
    assert got.loc[("V02", "income_up"), "pct_of_target"] == pytest.approx(100 * (100 / 3) / 60)
    assert got.loc[("V02", "income_up"), "n"] == 3
    assert got.loc[("V01", "team_size"), "baseline"] == 0.0
    assert math.isnan(got.loc[("V01", "income_up"), "baseline"])


def test_evaluate_ladder_project_level_is_not_an_average(project):
    out = ev.evaluate_ladder(project, by=None)
    assert out["level"].tolist() == ["project"] * 3 and out["village_id"].isna().all()
    got = out.set_index("indicator_id")
    # P01 households with both waves: h3 up, h4 up, h6 down, h7 same, h8 up -> 3 / 5 = 60 %
    # (the mean of the village shares would be (100 + 33.3) / 2 = 66.7 %)
    assert got.loc["income_up", "actual"] == pytest.approx(60.0)
    assert got.loc["income_up", "status"] == "achieved"
    assert got.loc["team_size", "actual"] == 3.0          # p1, p2, p5 (not V03's p9)
    both = ev.evaluate_ladder(project, include_project=True)
    assert both["level"].tolist() == ["village"] * 6 + ["project"] * 3


def test_evaluate_ladder_on_a_village_view(project):
    out = ev.evaluate_ladder(project.village("V02"))
    assert out["village_id"].unique().tolist() == ["V02"]
    assert out.set_index("indicator_id").loc["team_size", "actual"] == 1.0


def test_no_data_status(project):
    lad = ev.parse_ladder(edit(21, "        metric: mean_happiness_change")
                          .replace('unit: "%"', "unit: points"))
    out = ev.evaluate_ladder(project, lad).set_index(["village_id", "indicator_id"])
    row = out.loc[("V01", "income_up")]
    assert (row["status"], row["status_th"], row["n"]) == ("no_data", "ไม่มีข้อมูล", 0)
    assert math.isnan(row["actual"]) and math.isnan(row["pct_of_target"])


def test_partial_threshold_parameter(project):
    out = ev.evaluate_ladder(project, partial_threshold=0.6).set_index(
        ["village_id", "indicator_id"])
    # V02 team 1 < 0.6 * 2 -> not achieved; income 33.3 < 36 -> not achieved
    assert out.loc[("V02", "team_size"), "status"] == "not_achieved"
    assert out.loc[("V02", "income_up"), "status"] == "not_achieved"


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"by": "district"}, ValueError, "by must be None or names from village_id, sex, "
                                     "age_group, occupation_group, role .each once.; got "
                                     "'district'"),
    ({"by": ["sex", "sex"]}, ValueError, "each once"),
    ({"status_basis": "pct"}, ValueError, "status_basis must be 'ratio' or 'progress'"),
    ({"waves": "yes"}, ValueError, "waves must be True or False"),
    ({"by": "age_group", "age_bins": (60, 25)}, ValueError, "age_bins must be increasing"),
    ({"partial_threshold": 2}, ValueError, "partial_threshold must be"),
    ({"on_error": "ignore"}, ValueError, "on_error must be 'raise' or 'warn'"),
    ({"ladder": 42}, TypeError, "ladder must be None"),
])
def test_evaluate_ladder_argument_errors(project, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ev.evaluate_ladder(project, **kwargs)


def test_ladder_of_unknown_project(project):
    lad = ev.parse_ladder(VALID.replace("project_id: P01", "project_id: P09"))
    with pytest.raises(EvaluationError, match="'P09' has no villages.*P01, P02"):
        ev.evaluate_ladder(project, lad)


def test_metric_failure_raise_or_warn(project):
    try:
        @ev.metric("test_boom")
        def boom(project):
            raise RuntimeError("kaput")

        lad = ev.parse_ladder(edit(9, "        metric: test_boom").replace("{role: team}", "{}"))
        with pytest.raises(EvaluationError, match="'team_size' .*failed for village V01: kaput"):
            ev.evaluate_ladder(project, lad)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = ev.evaluate_ladder(project, lad, on_error="warn")
        assert any("kaput" in str(w.message) for w in caught)
        assert out.set_index(["village_id", "indicator_id"]).loc[
            ("V01", "team_size"), "status"] == "no_data"
    finally:
        M.unregister_metric("test_boom")


# -------------------------------------------------------------------- table --

def test_ladder_table_thai(project):
    table = ev.ladder_table(ev.evaluate_ladder(project))
    assert list(table.columns) == ["หมู่บ้าน", "ขั้นที่", "ผลลัพธ์", "ตัวชี้วัด", "ค่าฐาน",
                                   "เป้าหมาย", "ผลที่ได้", "ร้อยละของเป้าหมาย",
                                   "ความก้าวหน้าจากค่าฐาน (%)", "สถานะ", "จำนวนข้อมูล (n)"]
    first = table.iloc[0].tolist()
    # progress from baseline 0 to target 2 at actual 2: 100 × (2 − 0) / (2 − 0) = 100
    assert first == ["V01", "1", "คณะทำงานเข้มแข็ง", "จำนวนคณะทำงาน", "0 คน", "≥ 2 คน",
                     "2 คน", "100%", "100%", "บรรลุ", "4"]
    assert table.iloc[1]["ความก้าวหน้าจากค่าฐาน (%)"] == "–"    # income_up has no baseline
    v02_income = table.iloc[4]
    assert v02_income["เป้าหมาย"] == "≥ 60%"
    assert v02_income["ผลที่ได้"] == "33.3%"   # 100 / 3: percentages show one decimal
    assert table.iloc[2]["เป้าหมาย"] == "= 50%"
    assert (table.map(type) == str).all().all()


def test_ladder_table_english_and_thousands():
    frame = pd.DataFrame([{
        "project_id": "P01", "village_id": "V01", "level": "village", "step": 3,
        "outcome": "x", "indicator_id": "sav", "label": "Savings", "baseline": np.nan,
        "target": 25000.0, "comparator": "<=", "actual": 31500.5, "unit": "baht",
        "pct_of_target": 126.002, "status": "partial", "status_th": "บรรลุบางส่วน", "n": 1200}])
    row = ev.ladder_table(frame, lang="en").iloc[0]
    assert "Village" not in row.index
    assert row.tolist() == ["3", "x", "Savings", "–", "≤ 25,000 baht", "31,500.5 baht",
                            "126%", "Partly achieved", "1,200"]
    with pytest.raises(ValueError, match="lang must be 'th' or 'en', got 'fr'"):
        ev.ladder_table(frame, lang="fr")


# ------------------------------------------------------------------- charts --

def test_ladder_chart(project):
    from evaluation.charts.ladder import ladder_chart

    out = ev.evaluate_ladder(project)
    fig = ladder_chart(out[out["village_id"] == "V01"])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "บันไดผลลัพธ์ โครงการ P01 หมู่บ้าน V01"
    assert ax.get_xlabel() and ax.get_ylabel()
    texts = [t.get_text() for t in ax.texts]
    # step 1: 1 of 1 achieved; step 2: income achieved, debt not -> 1 of 2
    assert "บรรลุ 1/1" in texts and "บรรลุ 1/2" in texts
    # blocks: step 2 is split into two coloured halves of equal width
    from evaluation.charts.base import STATUS_COLOURS
    from matplotlib.colors import to_hex

    fills = [(to_hex(p.get_facecolor()), round(p.get_width(), 6)) for p in ax.patches
             if p.get_fill() and p.get_facecolor()[3] > 0]
    assert (STATUS_COLOURS["not_achieved"].lower(), 0.45) in fills
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_labels == ["บรรลุ", "บรรลุบางส่วน", "ไม่บรรลุ", "ไม่มีข้อมูล"]


def test_ladder_chart_english_and_project_rows(project):
    from evaluation.charts.ladder import ladder_chart

    out = ev.evaluate_ladder(project, include_project=True)
    fig = ladder_chart(out, lang="en", ladder=project.ladders["P01"])
    ax = fig.axes[0]
    assert ax.get_title() == "Outcome ladder, project P01 (whole project)"
    assert any("Members' incomes rose" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize("frame, match", [
    (pd.DataFrame({"step": [1]}), r"lacks column\(s\)"),
    (pd.DataFrame(columns=LADDER_COLUMNS), "is empty"),
])
def test_ladder_chart_errors(frame, match):
    from evaluation.charts.ladder import ladder_chart

    with pytest.raises(ValueError, match=match):
        ladder_chart(frame)


def test_ladder_chart_needs_one_project(project):
    from evaluation.charts.ladder import ladder_chart

    out = ev.evaluate_ladder(project)
    two = pd.concat([out, out.assign(project_id="P02")])
    with pytest.raises(ValueError, match="one project's ladder"):
        ladder_chart(two)
    with pytest.raises(ValueError, match="lang must be 'th' or 'en'"):
        ladder_chart(out, lang="de")


def test_ladder_heatmap(project):
    from evaluation.charts.ladder import ladder_heatmap

    out = ev.evaluate_ladder(project, include_project=True)
    fig = ladder_heatmap(out, villages=project.villages)
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["V01 บ้านหนึ่ง", "V02 บ้านสอง", "P01 ทั้งโครงการ"]
    assert len(ax.get_xticklabels()) == 3
    grid = ax.images[0].get_array()
    # status codes: achieved 0, partial 1, not_achieved 2, no_data 3
    assert grid[1].tolist() == [1, 1, 2]   # V02: team partial, income partial, debt not
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_wrap_thai_keeps_words():
    from evaluation.charts.ladder import wrap_thai

    text = "สมาชิกมีรายได้เพิ่มขึ้นและหนี้สินลดลง"
    wrapped = wrap_thai(text, 12)
    assert wrapped.replace("\n", "") == text
    assert wrap_thai(text, 12, max_lines=1).endswith("…")


# ------------------------------------------------------------- sample data --

SAMPLE = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    if not (SAMPLE / "informal-workers" / "ladder.yaml").exists():
        pytest.skip("data/sample not generated")
    return ev.load_project(SAMPLE)


def test_sample_ladder_reproduced_independently(sample):
    out = ev.evaluate_ladder(sample, include_project=True)
    p1 = out[out["project_id"] == "P01"]
    got = p1.set_index(["village_id", "indicator_id"])["actual"]
    part, fin, sav, led = sample.participants, sample.finance, sample.savings, sample.ledger
    vids = sample.villages.loc[sample.villages["project_id"] == "P01", "village_id"].tolist()
    # comparison villages (C01, C02: arm = comparison) never appear in ladder results
    vids = [v for v in vids if v not in sample.comparison_ids]
    assert sorted(p1["village_id"].dropna().unique()) == sorted(vids) == ["V01", "V02", "V03"]

    hh_village = part.drop_duplicates("household_id").set_index("household_id")["village_id"]
    person_village = part.set_index("person_id")["village_id"]
    # income up: households with income at pre and post, post > pre
    wide = fin.pivot_table(index="household_id", columns="wave", values="income",
                           aggfunc="first", observed=False)[["pre", "post"]].dropna()
    up = (wide["post"] > wide["pre"]).groupby(wide.index.map(hh_village)).mean() * 100
    # savings fund: deposits - withdrawals of the village's members (blank = 0)
    fund = ((sav["deposit"].fillna(0) - sav["withdrawal"].fillna(0))
            .groupby(sav["member_id"].map(person_village)).sum())
    # accounts: a month counts with >= 4 entries; a household keeps accounts with >= 3 such
    # months (account_keeping's documented defaults); share of target households
    months = led.assign(m=led["date"].dt.to_period("M")).groupby(["household_id", "m"]).size()
    keeps = (months >= 4).groupby(level="household_id").sum() >= 3
    targets = part[part["role"] == "target"].drop_duplicates("household_id")
    share_keep = (targets["household_id"].map(keeps).fillna(False).astype(bool)
                  .groupby(targets["village_id"]).mean() * 100)
    for v in vids:
        people = part[part["village_id"] == v]
        assert got[(v, "team")] == (people["role"] == "team").sum()
        assert got[(v, "members")] == (people["role"] == "target").sum()
        assert got[(v, "income_up")] == pytest.approx(up[v])
        assert got[(v, "fund")] == pytest.approx(fund[v])
        assert got[(v, "accounts_share")] == pytest.approx(share_keep[v])
    # project level: pooled over P01's households, not the mean of the villages
    project_rows = p1[p1["level"] == "project"].set_index("indicator_id")
    in_p1 = wide.index.map(hh_village).isin(vids)
    pooled = 100 * (wide.loc[in_p1, "post"] > wide.loc[in_p1, "pre"]).mean()
    assert project_rows.loc["income_up", "actual"] == pytest.approx(pooled)
    assert project_rows.loc["team", "actual"] == (
        (part["village_id"].isin(vids)) & (part["role"] == "team")).sum()
    assert set(out["status"]) <= {"achieved", "partial", "not_achieved", "no_data"}


def _row(**over):
    row = {"project_id": "P01", "level": "village", "village_id": "V01", "step": 1,
           "outcome": "ผล", "indicator_id": "a", "label": "ก", "wave": "post",
           "baseline": 0.0, "baseline_source": "typed", "target": 2, "comparator": ">=",
           "actual": 1.5, "unit": "คน", "pct_of_target": 75.0, "pct_progress": math.nan,
           "progress_note": "", "status": "partial", "status_th": "บรรลุบางส่วน", "n": 3}
    row.update(over)
    return row


@pytest.mark.parametrize("rows, groups, fast", [
    ([_row()], [], True),                                                # one row
    ([_row(), _row(village_id=pd.NA, level="project", wave=pd.NA, baseline_source=pd.NA,
                   baseline=math.nan, actual=math.nan, n=0)], [], True),   # NA and NaN
    ([_row(sex="F"), _row(sex=pd.NA), _row(sex=None), _row(sex=math.nan)], ["sex"], True),
    ([_row(wave=None, baseline_source=None) for _ in range(3)], [], True),  # all missing
    ([_row(target=10 ** 17)], [], False),            # an int float64 cannot hold exactly
    ([_row(actual=np.float64(1.5))], [], False),     # NumPy scalars: inferred the plain way
    ([_row(sex=1), _row(sex=2)], ["sex"], False),    # numeric split values
    ([_row(unit=None)], [], False),                  # a gap in a text column
    ([_row(step=True)], [], False),
    ([{k: v for k, v in _row().items() if k != "unit"}], [], False),    # a missing key
    ([], [], False),                                                     # no rows
])
def test_rows_frame_equals_the_pandas_construction(rows, groups, fast):
    """evaluate_ladder builds its frame column by column; the same frame (values,
    dtypes, index) as building it from the row dicts with pandas, or the pandas way."""
    from evaluation.ladder import _rows_frame, _rows_frame_plain

    columns = LADDER_COLUMNS[:2] + groups + LADDER_COLUMNS[2:]
    quick = _rows_frame(rows, columns, groups)
    assert (quick is not None) == fast
    if quick is not None:
        plain = _rows_frame_plain(rows, columns, groups)
        pd.testing.assert_frame_equal(quick, plain, check_index_type=True,
                                      check_column_type=True)
        assert list(quick.dtypes) == list(plain.dtypes)


def test_rows_frame_on_the_sample_evaluations(sample_project, monkeypatch):
    """Every evaluation of the sample takes the column-by-column way, with the same frame."""
    from evaluation import ladder as L

    seen = []
    quick = L._rows_frame

    def both(rows, columns, groups):
        out = quick(rows, columns, groups)
        seen.append(out is not None)
        if out is not None:
            pd.testing.assert_frame_equal(out, L._rows_frame_plain(rows, columns, groups))
        return out

    monkeypatch.setattr(L, "_rows_frame", both)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for by in ("village_id", None, ["village_id", "sex"], ["role", "age_group"]):
            ev.evaluate_ladder(sample_project, by=by, waves=by is None, on_error="warn")
    assert seen and all(seen)


def _people_cases():
    base = pd.DataFrame({
        "person_id": [f"p{i}" for i in range(8)],
        "household_id": ["h1", "h2", "h1", "h3", "h2", "h4", "h3", "h5"],
        "role": ["team", "target", "target", None, "mentor", "team", "target", "x"],
        "sex": ["F", None, "M", "F", "M", None, "F", "M"]}).astype("str")
    gaps = base.copy()
    gaps.loc[[1, 4], "household_id"] = np.nan                # households missing
    return {"text": base, "gaps": gaps, "one": base.iloc[:1], "none": base.iloc[:0],
            "objects": base.astype(object), "nullable": base.astype("string"),
            "no_role": base.drop(columns="role").assign(role="target").astype("str")}


def test_head_positions_equal_the_sorted_frame():
    from evaluation.ladder import _head_positions, _head_positions_plain

    def outcome(func, people):
        try:
            out = func(people)
        except Exception as exc:      # noqa: BLE001 (the same error either way)
            return type(exc)
        return out.dtype, out.tolist()

    for name, people in _people_cases().items():
        assert outcome(_head_positions, people) == outcome(_head_positions_plain, people), name


def test_isin_equals_pandas_isin():
    from evaluation.ladder import _isin

    for name, people in _people_cases().items():
        for values in ({"h1", "h3"}, set(), {"h2", np.nan}, frozenset({"h9"}), {1, "h1"}):
            got = _isin(people["household_id"], values)
            assert got.tolist() == people["household_id"].isin(values).tolist(), (name, values)


def test_split_groups_equal_the_pandas_way(sample_project, monkeypatch):
    """Evaluations split by participant attributes: the list lookups of _groups give
    what the pandas filters give (every fast path switched off)."""
    from evaluation import ladder as L

    splits = (["village_id", "sex"], ["role"], ["age_group", "sex"], ["occupation_group"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = [ev.evaluate_ladder(sample_project, by=by, on_error="warn",
                                   include_project="village_id" in by) for by in splits]
        monkeypatch.setattr(L, "_plain_text", lambda column: False)
        plain = [ev.evaluate_ladder(sample_project, by=by, on_error="warn",
                                    include_project="village_id" in by) for by in splits]
    for a, b in zip(fast, plain):
        assert len(a)
        pd.testing.assert_frame_equal(a, b)
