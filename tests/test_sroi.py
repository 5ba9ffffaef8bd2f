"""SROI: value-map validation, every formula against a hand computation (written
beside each expected value), sensitivity, Monte Carlo, loader, CLI and the worked
example of docs/sroi.md."""

from __future__ import annotations

import dataclasses
import doctest
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import EXIT_INVALID_DATA, app
from evaluation.sroi import OUTCOME_COLUMNS, TOTAL_COLUMNS, present_value
from evaluation.value_map import DEFAULT_DISCOUNT_RATE, ValueMapError, parse_value_map

from test_ladder_tracking import make_project

ROOT = Path(__file__).resolve().parent.parent

# Line numbers matter: the validation tests replace single lines of this text.
VALUE_MAP = """\
project_id: P01
discount_rate: 10
investment:
  budget: true
  in_kind:
    - {item: อาสาสมัคร, baht: 2000, source: 4 คน × 500 บาท}
stakeholders:
  - {id: hh, name: ครัวเรือน}
  - {id: people, name: สมาชิก}
outcomes:
  - id: income
    stakeholder: hh
    outcome: รายได้เพิ่มขึ้น
    quantity: {finance: income}
    proxy: {from_data: true}
    duration: 3
    deadweight: 25
    attribution: 20
    displacement: 10
    drop_off: 50
  - id: members
    stakeholder: people
    outcome: มีสมาชิกกลุ่ม
    quantity: {indicator: members}
    proxy: {baht: 1000, source: สมมติฐาน}
    duration: 1
    deadweight: 0
    attribution: 50
    displacement: 0
    drop_off: 0
  - id: happier
    stakeholder: people
    outcome: มีความสุขขึ้น
    quantity: {happiness: happy10}
    proxy: {baht: 500, source: สมมติฐาน, low: 250, high: 1000}
    duration: 2
    deadweight: 10
    attribution: 0
    displacement: 0
    drop_off: 20
  - id: typed
    stakeholder: people
    outcome: ได้รับการอบรม
    quantity: {value: 3, source: บันทึกการอบรม}
    proxy: {baht: 2000, source: ค่าอบรมเอกชน}
    duration: 1
    deadweight: 0
    attribution: 0
    displacement: 0
    drop_off: 0
"""
LINES = VALUE_MAP.splitlines()

# happy10 (bands low [0, 5), middle [5, 8), high [8, 10]) at pre -> post:
# p1 4 -> 6 (low -> middle: up), p2 7 -> 9 (middle -> high: up), p3 8 -> 9 (high, same),
# p4 5 -> 4 (middle -> low: down), p5 3 at pre only (no pair) => 2 people whose band rose
HAPPY = {"p1": (4, 6), "p2": (7, 9), "p3": (8, 9), "p4": (5, 4), "p5": (3, None)}


def sroi_project():
    proj = make_project()
    proj.projects = pd.DataFrame({"project_id": ["P01"], "budget": [10000.0]})
    rows = [(p, w, "happy10", "q1", float(v)) for p, (a, b) in HAPPY.items()
            for w, v in (("pre", a), ("post", b)) if v is not None]
    hap = pd.DataFrame(rows, columns=["person_id", "wave", "instrument", "item", "value"])
    hap["wave"] = pd.Categorical(hap["wave"], ["pre", "during", "post"], ordered=True)
    proj.happiness = hap
    return proj


@pytest.fixture
def project():
    return sroi_project()


@pytest.fixture
def vm():
    return parse_value_map(VALUE_MAP)


def edit(line_no: int, new: str | None) -> str:
    lines = list(LINES)
    if new is None:
        del lines[line_no - 1]
    else:
        lines[line_no - 1] = new
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------ formulas --

def test_present_value_drop_off_compounds_from_year_two():
    # Social Value UK guide: year 1 = impact; year t = year t-1 × (1 − drop-off);
    # PV = Σ value_t / (1 + r)^t.  1000 over 3 years, 50 % drop-off, 10 %:
    # values 1000, 500, 250; factors 1/1.1, 1/1.21, 1/1.331;
    # PV = 909.0909 + 413.2231 + 187.8287 = 1510.1427
    t = present_value(1000, 3, 50, 10)
    assert t["value"].tolist() == [1000.0, 500.0, 250.0]
    assert t["discount_factor"].tolist() == pytest.approx([1 / 1.1, 1 / 1.21, 1 / 1.331])
    assert t["present_value"].tolist() == pytest.approx([909.0909091, 413.2231405,
                                                         187.8287002])
    assert t["present_value"].sum() == pytest.approx(1510.1427498)
    # no discounting, no drop-off: 3 × 1000
    assert present_value(1000, 3, 0, 0)["present_value"].sum() == 3000
    # drop-off 20 % over 4 years at 3.5 %: 100, 80, 64, 51.2 over 1.035^t
    # = 96.6184 + 74.6808 + 57.7243 + 44.6178 = 273.6413
    assert present_value(100, 4, 20, 3.5)["present_value"].sum() == pytest.approx(
        100 / 1.035 + 80 / 1.035 ** 2 + 64 / 1.035 ** 3 + 51.2 / 1.035 ** 4)
    assert present_value(100, 4, 20, 3.5)["present_value"].sum() == pytest.approx(273.6413,
                                                                                  abs=1e-4)


@pytest.mark.parametrize("duration", [0, 31, 1.5, True, "2"])
def test_present_value_duration_checked(duration):
    with pytest.raises(ev.EvaluationError, match="duration must be whole years from 1 to 30"):
        present_value(1, duration, 0, 0)


def test_sroi_per_outcome_hand_computed(project, vm):
    res = ev.sroi(project, vm)
    assert list(res.outcomes.columns) == OUTCOME_COLUMNS
    out = res.outcomes.set_index("outcome_id")
    # income: households whose income rose pre -> post: h1 +1000, h2 +1000, h3 +600,
    # h5 +1000 (h4 fell) => 4; proxy from data = mean rise 900 / month × 12 = 10,800 / year
    assert out.loc["income", "quantity"] == 4
    assert out.loc["income", "proxy"] == pytest.approx(10800)
    assert out.loc["income", "gross_value"] == pytest.approx(43200)        # 4 × 10,800
    # impact = 43,200 × (1 − 0.25) × (1 − 0.20) × (1 − 0.10) = 23,328
    assert out.loc["income", "impact"] == pytest.approx(23328)
    # PV at 10 %: 23,328/1.1 + 11,664/1.21 + 5,832/1.331 = 21,207.27 + 9,639.67 + 4,381.67
    assert out.loc["income", "present_value"] == pytest.approx(35228.6100676)
    # members: participants_count(role=target) = p1, p2, p3, p4, p5 = 5; 5 × 1,000 = 5,000;
    # attribution 50 % -> 2,500; one year: 2,500 / 1.1 = 2,272.73
    assert out.loc["members", ["quantity", "impact"]].tolist() == [5, 2500]
    assert out.loc["members", "present_value"] == pytest.approx(2272.7272727)
    # happier: 2 people whose band rose (see HAPPY); 2 × 500 × 0.9 = 900;
    # 900/1.1 + 720/1.21 = 818.18 + 595.04 = 1,413.22
    assert out.loc["happier", "quantity"] == 2
    assert out.loc["happier", "present_value"] == pytest.approx(1413.2231405)
    # typed: 3 × 2,000 = 6,000 / 1.1 = 5,454.55
    assert out.loc["typed", "present_value"] == pytest.approx(5454.5454545)
    assert out.loc["typed", "quantity_source"] == "บันทึกการอบรม"
    years = res.years[res.years["outcome_id"] == "income"]
    assert years["value"].tolist() == pytest.approx([23328, 11664, 5832])


def test_sroi_totals_hand_computed(project, vm):
    res = ev.sroi(project, vm)
    assert list(res.totals.columns) == TOTAL_COLUMNS
    tot = res.totals.iloc[0]
    # investment = budget 10,000 + in kind 2,000
    assert tot["investment"] == 12000
    assert res.investment["baht"].tolist() == [10000, 2000]
    # total PV = 35,228.61 + 2,272.73 + 1,413.22 + 5,454.55 = 44,369.11
    assert tot["total_present_value"] == pytest.approx(44369.1059354)
    assert tot["net_present_value"] == pytest.approx(44369.1059354 - 12000)
    # SROI = 44,369.11 / 12,000 = 3.6974; net SROI = 2.6974
    assert tot["sroi_ratio"] == pytest.approx(3.6974254946) and res.ratio == tot["sroi_ratio"]
    assert tot["net_sroi_ratio"] == pytest.approx(2.6974254946)
    # payback (months) = investment / (year-1 impact / 12)
    # = 12,000 / ((23,328 + 2,500 + 900 + 6,000) / 12) = 12,000 / 2,727.33 = 4.3999
    assert tot["year1_impact"] == pytest.approx(32728)
    assert tot["payback_months"] == pytest.approx(4.3999022244)
    # discount rate 0: PV = 23,328 × 1.75 + 2,500 + 900 × 1.8 + 6,000 = 50,944 -> 4.2453
    assert ev.sroi(project, vm, discount_rate=0).ratio == pytest.approx(50944 / 12000)


def test_sroi_follows_the_data(project, vm):
    base = ev.sroi(project, vm).outcomes.set_index("outcome_id")
    project.finance.loc[(project.finance["household_id"] == "h4")
                        & (project.finance["wave"] == "post"), "income"] = 6000.0
    again = ev.sroi(project, vm).outcomes.set_index("outcome_id")
    # h4 now rose by 1,000: 5 households, mean (900 × 4 + 1000) / 5 = 920 / month
    assert again.loc["income", "quantity"] == base.loc["income", "quantity"] + 1 == 5
    assert again.loc["income", "proxy"] == pytest.approx(920 * 12)


def test_budget_override_and_default_rate(project):
    vm = parse_value_map(VALUE_MAP.replace("discount_rate: 10\n", "")
                         .replace("budget: true", "budget: 8000"))
    assert vm.discount_rate == DEFAULT_DISCOUNT_RATE == 3.5
    res = ev.sroi(project, vm)
    assert res.totals["investment"].iloc[0] == 10000      # 8,000 + 2,000 in kind
    assert res.totals["discount_rate"].iloc[0] == 3.5


# -------------------------------------------------------------- sensitivity --

def test_one_at_a_time_hand_computed(project, vm):
    sens = ev.sroi_sensitivity(project, vm)
    assert sens.base_ratio == pytest.approx(3.6974254946)
    t = sens.table.set_index(["parameter", "outcome_id", "variation"])
    # income deadweight × 1.5 = 37.5 %: impact 43,200 × .625 × .8 × .9 = 19,440,
    # PV 19,440 × (1/1.1 + .5/1.21 + .25/1.331) = 29,357.18; ratio
    # (29,357.18 + 2,272.73 + 1,413.22 + 5,454.55) / 12,000 = 3.2081
    assert t.loc[("deadweight", "income", "high"), "value"] == 37.5
    assert t.loc[("deadweight", "income", "high"), "sroi_ratio"] == pytest.approx(3.2081392437)
    # income over one year only: (23,328/1.1 + 2,272.73 + 1,413.22 + 5,454.55) / 12,000
    assert t.loc[("duration", "income", "years=1"), "sroi_ratio"] == pytest.approx(
        2.5289807163)
    # proxy range from the value map: happier low 250 -> its PV halves (706.61)
    assert t.loc[("proxy", "happier", "low"), "sroi_ratio"] == pytest.approx(
        (44369.1059354 - 1413.2231405 / 2) / 12000)
    # default ±25 % for proxies without a range: typed 2,000 -> 1,500
    assert t.loc[("proxy", "typed", "low"), "value"] == 1500
    # rates at 0 stay at 0 (× 0.5 and × 1.5 of 0)
    assert t.loc[("deadweight", "typed", "high"), "change"] == 0
    # discount rate ± 2 points: 8 % and 12 %
    rates = sens.table[sens.table["parameter"] == "discount_rate"]
    assert rates["value"].tolist() == [8.0, 12.0]
    assert rates["outcome_id"].isna().all()
    assert sens.range.iloc[0]["ratio_min"] == sens.table["sroi_ratio"].min()


def test_monte_carlo_seeded_and_within_the_extremes(project, vm):
    a = ev.sroi_sensitivity(project, vm, monte_carlo=500, seed=7)
    b = ev.sroi_sensitivity(project, vm, monte_carlo=500, seed=7)
    c = ev.sroi_sensitivity(project, vm, monte_carlo=500, seed=8)
    assert np.array_equal(a.draws, b.draws) and not np.array_equal(a.draws, c.draws)
    mc = a.monte_carlo.iloc[0]
    assert mc["draws"] == 500 and mc["seed"] == 7
    assert np.quantile(a.draws, 0.025) == mc["ratio_low"] < mc["ratio_median"] < \
        mc["ratio_high"] == np.quantile(a.draws, 0.975)
    # independent extremes: every assumption at its worst / best, by ev.sroi itself
    worst = dataclasses.replace(vm, outcomes=[dataclasses.replace(
        o, duration=1, deadweight=min(100, o.deadweight * 1.5),
        attribution=min(100, o.attribution * 1.5), displacement=min(100, o.displacement * 1.5),
        drop_off=min(100, o.drop_off * 1.5)) for o in vm.outcomes])
    best = dataclasses.replace(vm, outcomes=[dataclasses.replace(
        o, deadweight=o.deadweight * 0.5, attribution=o.attribution * 0.5,
        displacement=o.displacement * 0.5, drop_off=o.drop_off * 0.5) for o in vm.outcomes])
    # proxies: worst at their lows, best at their highs (income from data ±25 %)
    low_factor = {"income": 0.75, "members": 0.75, "happier": 0.5, "typed": 0.75}
    high_factor = {"income": 1.25, "members": 1.25, "happier": 2.0, "typed": 1.25}
    lo = ev.sroi(project, worst, discount_rate=12).outcomes
    hi = ev.sroi(project, best, discount_rate=8).outcomes
    lo_ratio = (lo["present_value"] * lo["outcome_id"].map(low_factor)).sum() / 12000
    hi_ratio = (hi["present_value"] * hi["outcome_id"].map(high_factor)).sum() / 12000
    assert lo_ratio <= a.draws.min() and a.draws.max() <= hi_ratio
    assert 0 <= mc["share_above_1"] <= 1


@pytest.mark.parametrize("kwargs, match", [
    ({"monte_carlo": -1}, "monte_carlo must be a number of draws"),
    ({"level": 1.5}, "level must be between 0 and 1"),
    ({"ranges": {"deadweight": 2}}, r"ranges\['deadweight'\] must be a relative change"),
    ({"ranges": {"quantity": 0.1}}, "ranges has an unknown key 'quantity'"),
    ({"discount_rate": 120}, "discount_rate must be a percentage"),
])
def test_sensitivity_argument_errors(project, vm, kwargs, match):
    with pytest.raises(ev.EvaluationError, match=match):
        ev.sroi_sensitivity(project, vm, **kwargs)


def test_tornado_chart(project, vm):
    from evaluation.charts.sroi import tornado_chart

    sens = ev.sroi_sensitivity(project, vm)
    fig = tornado_chart(sens, top=3, lang="en")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # widest swing at the top (matplotlib lists ticks bottom to top)
    spans = sens.table.assign(k=sens.table["outcome_id"].fillna("")).groupby(
        ["parameter", "k"])["sroi_ratio"].agg(lambda s: s.max() - s.min())
    widest = spans.sort_values(ascending=False).index[0]
    from evaluation.charts.sroi import PARAMETER_LABELS

    assert labels[-1] == f"{PARAMETER_LABELS['en'][widest[0]]} · {widest[1]}"
    assert len(labels) == 3 and "SROI ratio" in ax.get_xlabel()
    with pytest.raises(ValueError, match="top must be"):
        tornado_chart(sens, top=0)


# ----------------------------------------------------------- validation --

@pytest.mark.parametrize("line, new, row, column, problem", [
    (2, "discount_rate: 150", 2, "discount_rate", "discount_rate must be a percentage"),
    (6, "    - {item: อาสาสมัคร, baht: -5}", 6, "investment.in_kind[0].baht",
     "baht must be an amount of 0 or more"),
    (12, "    stakeholder: nobody", 12, "outcomes[0].stakeholder",
     "stakeholder must be one of the stakeholder ids: hh, people"),
    (14, "    quantity: {finance: income, value: 3}", 14, "outcomes[0].quantity",
     "exactly one of indicator, finance, happiness, value"),
    (14, "    quantity: {finance: wages}", 14, "outcomes[0].quantity.finance",
     "finance must be one of income"),
    (16, "    duration: 0", 16, "outcomes[0].duration", "duration must be whole years"),
    (17, "    deadweight: 120", 17, "outcomes[0].deadweight", "percentage from 0 to 100"),
    (17, None, 11, "outcomes[0].deadweight", "deadweight is required"),
    (25, "    proxy: {from_data: true}", 25, "outcomes[1].proxy.from_data",
     "from_data needs a finance quantity"),
    (25, "    proxy: {baht: 1000}", 25, "outcomes[1].proxy.source",
     "a financial proxy needs its source"),
    (35, "    proxy: {baht: 500, source: x, low: 600}", 35, "outcomes[2].proxy.low",
     "low ≤ baht ≤ high"),
    (44, "    quantity: {value: 3}", 44, "outcomes[3].source",
     "a typed quantity needs its source"),
])
def test_value_map_errors_give_yaml_line(line, new, row, column, problem):
    with pytest.raises(ValueMapError) as err:
        parse_value_map(edit(line, new), source="value_map.yaml")
    probs = err.value.problems
    hit = probs[probs["column"].fillna("").str.endswith(column.split(".", 1)[-1])
                & probs["problem"].str.contains(problem, regex=False)]
    assert len(hit) >= 1, probs.to_string()
    assert hit["row"].iloc[0] == row and hit["file"].iloc[0] == "value_map.yaml"


def test_every_value_map_problem_at_once():
    text = edit(16, "    duration: 0")
    text = text.replace("    attribution: 50", "    attribution: lots")
    with pytest.raises(ValueMapError) as err:
        parse_value_map(text)
    assert {"outcomes[0].duration", "outcomes[1].attribution"} <= set(
        err.value.problems["column"])
    assert isinstance(err.value, ev.DataValidationError)


def test_value_map_yaml_is_bounded():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdef", "bcdefg"))
    with pytest.raises(ValueMapError, match="not valid YAML") as err:
        parse_value_map(bomb)
    assert err.value.problems["problem"].str.contains("expands to more than").any()
    with pytest.raises(ValueMapError):
        parse_value_map("!!python/object/apply:os.system ['true']")


def test_check_value_map_against_the_project(project):
    text = VALUE_MAP.replace("{indicator: members}", "{indicator: nothing}")
    probs = ev.check_value_map(parse_value_map(text), project)
    assert probs["problem"].str.contains("no indicator 'nothing' in the ladder of P01").any()
    assert probs["row"].iloc[0] == 21
    project.projects["budget"] = np.nan
    probs = ev.check_value_map(parse_value_map(VALUE_MAP), project)
    assert probs["problem"].str.contains("projects.budget is blank for P01").any()
    with pytest.raises(ValueMapError, match="does not fit the data"):
        ev.sroi(project, parse_value_map(VALUE_MAP))


def test_indicator_in_baht_is_not_a_quantity(project):
    lad = project.ladders["P01"]
    lad.steps[0].indicators[0].unit = "baht"      # mean_income "income" indicator
    text = VALUE_MAP.replace("{indicator: members}", "{indicator: income}")
    probs = ev.check_value_map(parse_value_map(text), project)
    assert probs["problem"].str.contains("not a number of people or households").any()


def test_quantity_without_data_is_an_error(project, vm):
    project.happiness = project.happiness.iloc[0:0]
    with pytest.raises(ev.EvaluationError, match="outcome 'happier'.*has no data"):
        ev.sroi(project, vm)


# ----------------------------------------------------- loader, sample, CLI --

def test_sample_value_map_loaded(sample_project):
    assert list(sample_project.value_maps) == ["P01"]
    vm = sample_project.value_maps["P01"]
    assert [o.id for o in vm.outcomes] == ["income", "accounts", "happier"]
    assert sample_project.project("P01").value_maps.keys() == {"P01"}
    assert sample_project.village("V04").value_maps == {}


def test_broken_value_map_reported_by_the_loader(tmp_path):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample" / "informal-workers", folder)
    path = folder / "value_map.yaml"
    path.write_text(path.read_text("utf-8").replace("deadweight: 25", "deadweight: 250"),
                    encoding="utf-8")
    with pytest.raises(ev.DataValidationError) as err:
        ev.load_project(folder)
    probs = err.value.problems
    hit = probs[probs["column"] == "outcomes[0].deadweight"]
    assert hit["file"].iloc[0] == "value_map.yaml" and hit["row"].iloc[0] == 24


def test_cli_sroi(sample_dir, tmp_path):
    out = tmp_path / "sroi.xlsx"
    res = CliRunner().invoke(app, ["sroi", str(sample_dir), "--project", "P01", "--out",
                                   str(out), "--monte-carlo", "200"])
    assert res.exit_code == 0, res.output
    ratio = ev.sroi(ev.load_project(sample_dir), "P01").ratio
    assert f"อัตราผลตอบแทนทางสังคม (SROI): {ratio:,.2f}" in res.output
    assert "ไม่ใช่ผลตอบแทนทางการเงิน" in res.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[-7:] == ["แผนที่คุณค่า", "มูลค่ารายปี", "การลงทุน", "สรุป", "ความไว",
                                    "มอนติคาร์โล", "ข้อควรระวัง"]   # after the contents sheet
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)
    bad = CliRunner().invoke(app, ["sroi", str(sample_dir), "--project", "P02", "--out",
                                   str(tmp_path / "x.xlsx")])
    assert bad.exit_code == EXIT_INVALID_DATA and "P02" in bad.output


def test_docs_worked_example_runs():
    """docs/sroi.md: its worked example (>>> lines) is executed and its numbers checked."""
    result = doctest.testfile(str(ROOT / "docs" / "sroi.md"), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
