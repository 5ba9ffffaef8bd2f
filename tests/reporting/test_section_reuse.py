"""Intermediate tables shared between the village report's sections (evaluation.view_memo).

The sections of one village reuse per-household finance, account keeping,
the savings summary, attrition, scores and the ladder evaluation through a
memo on the village view. These tests render whole villages (the sample's
two projects and a synthetic messy program) with the memo on and with it
switched off (``view_memo.sharing(False)``: every call computes) and require
every table, every text shown, every chart caption, every returned number,
the CSV files, tables.xlsx and headline.json to be identical; they also check
that a replaced table is never served from the memo, that memo keys carry
the parameters (waves, rules, language), and that the shared forms equal the
library calls they replace. (The charts are part of the HTML compared.)
"""

from __future__ import annotations

import copy
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import evaluation as ev
from evaluation import reporting as S
from evaluation import results as R
from evaluation import view_memo as M
from evaluation.export import write_tables
from evaluation.finance import finance_change, household_finance
from evaluation.ledger import account_keeping
from evaluation.reporting import ReportContext
from evaluation.reporting.comparison import section_comparison
from evaluation.savings import savings_summary

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
RUN_DATE = "2024-01-02 03:04"


class Recording(ReportContext):
    """Keeps every HTML fragment it would display (charts included, as inline SVG)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.html: list[str] = []

    def _display_html(self, markup: str) -> None:
        self.html.append(markup)


@pytest.fixture(scope="module")
def sample():
    if not SAMPLE.exists():
        pytest.skip("sample data not generated")
    return ev.load_project(SAMPLE)


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A synthetic program written with messy values (BE dates, Thai digits), 8 households
    per village (small groups: the suppression paths run too)."""
    from evaluation.synth import write_program

    path = write_program(tmp_path_factory.mktemp("messy") / "data", villages=10, households=8,
                         seed=7, messy=True)
    return ev.load_project(path)


def _sections(project, vid, ctx):
    """The village notebook's cells, in order (methods with a fixed run date)."""
    v = project.village(vid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {"cover": S.section_cover(v, ctx), "key_results": S.section_key_results(v, ctx),
               "ladder": S.section_ladder(v, ctx), "happiness": S.section_happiness(v, ctx),
               "money": S.section_money(v, ctx),
               "comparison": section_comparison(project, ctx, village_id=vid),
               "accounts": S.section_accounts(v, ctx), "lessons": S.section_lessons(v, ctx),
               "data_quality": S.section_data_quality(v, ctx),
               "methods": S.section_methods(v, ctx, parameters={"village_id": vid},
                                            run_date=RUN_DATE)}
    ctx.finalize()
    return v, out


def _xlsx_parts(path: Path) -> dict:
    """Every part of the workbook except its creation time."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _render(project, vid, lang, out_dir):
    ctx = Recording(out_dir, lang=lang, display=True)
    v, returned = _sections(project, vid, ctx)
    return {"view": v, "returned": returned, "html": ctx.html, "figures": ctx.figures,
            "tables": ctx.tables, "headlines": ctx.headlines, "suppressed": ctx.suppressed,
            "csv": {p.name: p.read_bytes() for p in sorted((out_dir / "tables").glob("*.csv"))},
            "headline_json": (out_dir / "headline.json").read_text(encoding="utf-8"),
            "xlsx": _xlsx_parts(out_dir / "tables.xlsx")}


def _assert_same(a: dict, b: dict) -> None:
    for part in ("returned", "html", "figures", "headlines", "suppressed", "csv",
                 "headline_json", "xlsx"):
        assert repr(a[part]) == repr(b[part]), part
    assert list(a["tables"]) == list(b["tables"])
    for name, (title, frame) in a["tables"].items():
        other_title, other = b["tables"][name]
        assert title == other_title
        pd.testing.assert_frame_equal(frame, other, check_exact=True)
        assert frame.attrs == other.attrs, name


def _village_of(project, project_id):
    from evaluation.arms import comparison_mask

    villages = project.villages[~comparison_mask(project.villages)]
    return str(villages.loc[villages["project_id"] == project_id, "village_id"].iloc[0])


CASES = [("sample", "P01", "th"), ("sample", "P02", "en"), ("messy", "P01", "th")]


@pytest.mark.parametrize(("which", "project_id", "lang"), CASES)
def test_sections_identical_with_and_without_sharing(which, project_id, lang, request,
                                                     tmp_path):
    project = request.getfixturevalue(which)
    vid = _village_of(project, project_id)
    shared = _render(project, vid, lang, tmp_path / "on")
    with M.sharing(False):
        alone = _render(project, vid, lang, tmp_path / "off")
    _assert_same(shared, alone)
    assert shared["tables"] and shared["figures"] and shared["html"]
    # the memo was used: the shared tables are on the view, none on the unshared one
    keys = {k[0] for k in vars(shared["view"])["_section_memo"][1]}
    assert {"household_finance", "account_keeping", "savings_summary", "attrition", "scores",
            "ladder"} <= keys
    assert "_section_memo" not in vars(alone["view"])


def test_sharing_saves_calls(sample, tmp_path, monkeypatch):
    """With sharing, account keeping and per-household finance are computed fewer times."""
    import evaluation.finance as fin_mod
    import evaluation.ledger as led_mod

    calls = {"account_keeping": 0, "household_finance": 0}

    def counting(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(led_mod, "account_keeping")
    counting(fin_mod, "household_finance")
    vid = _village_of(sample, "P01")
    _sections(sample, vid, Recording(tmp_path / "on", display=False))
    on = dict(calls)
    calls.update(account_keeping=0, household_finance=0)
    with M.sharing(False):
        _sections(sample, vid, Recording(tmp_path / "off", display=False))
    assert on["account_keeping"] < calls["account_keeping"]
    assert on["household_finance"] < calls["household_finance"]


def _modified(frame: pd.DataFrame, column: str, factor: float) -> pd.DataFrame:
    out = frame.copy()
    out[column] = pd.to_numeric(out[column]) * factor
    return out


def test_replaced_tables_are_never_served_from_the_memo(sample, tmp_path):
    """A notebook that replaces a table after some sections ran gets the new table's results
    (compared with a fresh view holding the same tables, memo off)."""
    vid = _village_of(sample, "P01")
    v = sample.village(vid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = R.headline_figures(v)
        S.section_money(v, Recording(tmp_path / "a", display=False))
        S.section_accounts(v, Recording(tmp_path / "b", display=False))
        S.section_data_quality(v, Recording(tmp_path / "c", display=False))

    hap = v.happiness   # half the people lose their after-project answers
    half = set(sorted(hap["person_id"].unique())[::2])
    v.happiness = hap[~((hap["wave"].astype(str) == "post") & hap["person_id"].isin(half))]
    v.finance = _modified(v.finance, "income", 3.0)
    v.ledger = v.ledger[v.ledger["date"] < v.ledger["date"].median()]
    v.savings = _modified(v.savings, "deposit", 0.5)

    fresh = sample.village(vid)
    fresh.happiness, fresh.finance, fresh.ledger, fresh.savings = (
        v.happiness, v.finance, v.ledger, v.savings)

    def run(view, out):
        ctxs = [Recording(out / n, display=False) for n in "abcd"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = [R.headline_figures(view), S.section_money(view, ctxs[0]),
                   S.section_accounts(view, ctxs[1]), S.section_data_quality(view, ctxs[2]),
                   S.section_happiness(view, ctxs[3])]
        return res, [{k: f for k, (_, f) in c.tables.items()} for c in ctxs]

    again, tables = run(v, tmp_path / "again")
    with M.sharing(False):
        expected, expected_tables = run(fresh, tmp_path / "fresh")
    assert repr(again) == repr(expected)
    for got, want in zip(tables, expected_tables):
        assert list(got) == list(want)
        for name in got:
            pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)
    # the change is visible (the test would not catch a stale memo otherwise)
    assert again[0]["happiness_mean_change"] != first["happiness_mean_change"]
    assert again[0]["income_mean_change"] != first["income_mean_change"]
    assert again[2] != S.section_accounts(sample.village(vid),
                                          Recording(tmp_path / "old", display=False))


def test_memo_keys_hold_every_parameter(sample, tmp_path):
    """Waves, the account-keeping rule and the language give separate results on one view."""
    vid = _village_of(sample, "P01")
    v = sample.village(vid)
    calls = []
    for kwargs in ({}, {"before": "pre", "after": "during"}, {"before": "during",
                                                             "after": "post"}):
        calls.append(("headline", kwargs, R.headline_figures(v, **kwargs)))
    for kwargs in ({}, {"min_entries": 20}, {"min_months": 8}, {"min_entries": 16,
                                                                "min_months": 6}):
        ctx = Recording(tmp_path / f"acc{len(calls)}", display=False)
        calls.append(("accounts", kwargs, S.section_accounts(v, ctx, **kwargs)))
    for lang in ("th", "en", "th"):
        ctx = Recording(tmp_path / f"dq{len(calls)}", lang=lang, display=False)
        calls.append(("quality", lang, (S.section_data_quality(v, ctx), ctx.html)))
    for before, after in (("pre", "post"), ("pre", "during")):
        calls.append(("hf", (before, after), M.household_finance_once(
            v, before, after, memo_fn=M.memo)))
    with M.sharing(False):
        fresh = sample.village(vid)
        for kind, kwargs, got in calls:
            if kind == "headline":
                want = R.headline_figures(fresh, **kwargs)
            elif kind == "accounts":
                want = S.section_accounts(fresh, Recording(tmp_path / "x", display=False),
                                          **kwargs)
            elif kind == "quality":
                ctx = Recording(tmp_path / "y", lang=kwargs, display=False)
                want = (S.section_data_quality(fresh, ctx), ctx.html)
            else:
                want = household_finance(fresh.finance, before=kwargs[0], after=kwargs[1])
                pd.testing.assert_frame_equal(got, want, check_exact=True)
                continue
            assert repr(got) == repr(want), (kind, kwargs)
    # different parameters did give different numbers (so a wrong reuse would show)
    heads = [c[2] for c in calls if c[0] == "headline"]
    assert heads[0]["income_mean_change"] != heads[1]["income_mean_change"]
    accounts = [c[2]["accounts"]["n_keeping"] for c in calls if c[0] == "accounts"]
    assert len(set(accounts)) > 1


def test_copies_and_plain_projects_do_not_share(sample):
    """The ladder's per-group scopes (copy.copy of a view) never see the view's entries,
    and library calls on a view without report sections keep nothing."""
    v = sample.village(_village_of(sample, "P01"))
    M.memo(v, ("k",), lambda: 1)
    scope = copy.copy(v)
    assert M.shared(scope, ("k",), lambda: 2) == 2
    assert M.memo(v, ("k",), lambda: 3) == 1
    plain = sample.village(_village_of(sample, "P02"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev.evaluate_ladder(plain, on_error="warn")
    assert "_section_memo" not in vars(plain)


def test_returned_frames_do_not_change_the_memo(sample):
    v = sample.village(_village_of(sample, "P01"))
    first = M.household_finance_once(v, memo_fn=M.memo)
    first.loc[first.index[0], "income_change"] = 1e9
    again = M.household_finance_once(v, memo_fn=M.memo)
    pd.testing.assert_frame_equal(again, household_finance(v.finance), check_exact=True)


@pytest.mark.parametrize("which", ["sample", "messy"])
def test_shared_forms_equal_the_library_calls_they_replace(which, request):
    """What the sections now read from the memo is what they computed before."""
    project = request.getfixturevalue(which)
    for vid in project.villages["village_id"].head(4):
        v = project.village(vid)
        fin = v.finance
        if len(fin):   # finance_change of the per-household table == of the long table
            hf = household_finance(fin)
            pd.testing.assert_frame_equal(finance_change(hf), finance_change(fin),
                                          check_exact=True)
            pd.testing.assert_frame_equal(finance_change(hf, measures=["income"]),
                                          finance_change(fin, measures=["income"]),
                                          check_exact=True)
            # the headline's income row, read from the all-measures table both sections share
            from evaluation.results import finance_change_once

            shared = finance_change_once(v)
            pd.testing.assert_frame_equal(shared, finance_change(fin), check_exact=True)
            pd.testing.assert_frame_equal(
                shared[shared["measure"] == "income"].reset_index(drop=True),
                finance_change(fin, measures=["income"]), check_exact=True)
        people = v.participants
        target = people.loc[people["role"] == "target", "household_id"].drop_duplicates()
        if len(target):   # the accounts section's rows: whole ledger vs target households
            for rule in ({"min_entries": 4, "min_months": 3}, {"min_entries": 2,
                                                               "min_months": 1}):
                old = account_keeping(v.ledger, households=target.tolist(), **rule)
                old = old[old["household_id"].isin(set(target))]
                new = M.target_account_keeping(v, **rule, memo_fn=M.memo)
                new = new[new["household_id"].isin(set(target))]
                cols = ["household_id", "n_entries", "n_qualifying_months", "keeps_accounts"]
                pd.testing.assert_frame_equal(old[cols].reset_index(drop=True),
                                              new[cols].reset_index(drop=True),
                                              check_exact=True)
        if len(v.savings):
            pd.testing.assert_frame_equal(M.savings_summary_once(v, memo_fn=M.memo),
                                          savings_summary(v.savings), check_exact=True)


def test_tables_xlsx_styles_and_formula_safe_headers(tmp_path):
    """Header cells keep bold, borders and wrapping; a header that looks like a formula is
    text; number formats per column and per cell; the contents sheet links."""
    a = pd.DataFrame({"=SUM(A1)": ["x", "=1+1"], "n": [1, 2], "share": [0.25, 0.5]})
    a.attrs["number_formats"] = {"share": "0.0%"}
    b = pd.DataFrame({"@cmd": [1.5, 2.0]})
    path = write_tables({"first": a, "second": b}, tmp_path / "t.xlsx", lang="en")
    book = openpyxl.load_workbook(path)
    contents, first, second = book.worksheets
    assert [c.value for c in contents[1]] == ["Sheet", "Full title", "Rows"]
    assert contents["A2"].font.color.rgb.endswith("0563C1") and contents["A2"].hyperlink
    assert contents["C2"].number_format == "#,##0" and contents["C3"].value == 2
    for ws in (first, second):
        head = ws[1][0]
        assert head.font.bold and head.border.left.style == "thin"
        assert head.alignment.wrap_text and head.data_type == "s" and head.quotePrefix
    assert first["A1"].value == "=SUM(A1)" and second["A1"].value == "@cmd"
    assert first["A3"].value == "=1+1" and first["A3"].data_type == "s"
    assert first["A3"].quotePrefix and not first["A2"].quotePrefix
    assert not first["B1"].quotePrefix and first["B1"].font.bold
    assert [first.cell(r, 2).number_format for r in (2, 3)] == ["#,##0"] * 2
    assert [first.cell(r, 3).number_format for r in (2, 3)] == ["0.0%"] * 2
    assert [second.cell(r, 1).number_format for r in (2, 3)] == ["#,##0.00"] * 2


@pytest.mark.parametrize("which", ["sample", "messy"])
def test_comparison_outcomes_of_the_compared_villages_only(which, request):
    """The comparison section scores only the villages it compares: the same rows, in the
    same order, as scoring the whole program and keeping those villages."""
    from evaluation.arms import comparison_mask
    from evaluation.reporting.comparison import _outcomes

    project = request.getfixturevalue(which)
    villages = project.villages
    comparison = villages.loc[comparison_mask(villages), "village_id"].tolist()
    chosen = [str(villages.loc[~comparison_mask(villages), "village_id"].iloc[0]), *comparison]
    whole, part = _outcomes(project, "th"), _outcomes(project, "th", chosen)
    assert [w[:3] for w in whole] == [p[:3] for p in part]
    for (key, *_, long), (_, *_, mine) in zip(whole, part):
        expected = long[long["village_id"].isin(chosen)].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), expected, check_exact=True)
        assert len(expected), key
    nobody = _outcomes(project, "th", ["no such village"])
    assert [len(n[3]) for n in nobody] == [0] * len(nobody)


def _split_reference(frame, column, lang, min_cell):
    """split_table cell by cell with pandas filters (how it was computed before)."""
    from evaluation.disclosure import suppress_small_cells
    from evaluation.ladder import format_value
    from evaluation.ladder_export import split_label

    keys = [c for c in ("project_id", "village_id", "level") if c in frame.columns]
    need = ["step", "indicator_id", "label", column, "actual", "unit", "n"]
    table = frame[need + keys].reset_index(drop=True)
    for key in keys:
        table[key] = table[key].astype(object).where(table[key].notna(), "").astype(str)
    hidden, _ = suppress_small_cells(table, n="n", min_cell=min_cell, columns=["actual"],
                                     within=keys + ["indicator_id"])
    counts = frame["n"].reset_index(drop=True)
    groups = hidden[column].astype(object)
    order = sorted({g for g in groups if not pd.isna(g)}, key=str)
    if groups.isna().any():
        order.append(None)
    word = "ซ่อน" if lang == "th" else "hidden"
    rows = []
    for (step, _), sub in hidden.groupby(["step", "indicator_id"], sort=False):
        row = {("ตัวชี้วัด" if lang == "th" else "Indicator"): f"{int(step)}. {sub['label'].iloc[0]}"}
        for g in order:
            hit = sub[sub[column].isna()] if g is None else sub[sub[column] == g]
            name = split_label(column, pd.NA if g is None else g, lang)
            if hit.empty:
                row[name] = "–"
                continue
            k = int(counts.loc[hit.index[0]])
            if bool(hit["suppressed"].iloc[0]):
                row[name] = f"n {hit['n'].iloc[0]}" if 0 < k < min_cell else f"{word} (n = {k:,d})"
            elif k == 0 or pd.isna(hit["actual"].iloc[0]):
                row[name] = "–"
            else:
                row[name] = (f"{format_value(hit['actual'].iloc[0], hit['unit'].iloc[0], lang)}"
                             f" (n = {k:,d})")
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("which", ["sample", "messy"])
def test_split_table_equals_the_cell_by_cell_reference(which, request):
    from evaluation.ladder_export import split_table

    project = request.getfixturevalue(which)
    checked = 0
    for column in ("sex", "role", "age_group"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = ev.evaluate_ladder(project, by=["village_id", column], include_project=True,
                                       on_error="warn")
        for level in ("village", "project"):
            part = frame[frame["level"] == level]
            for lang, min_cell in (("th", 3), ("en", 5), ("th", 10)):
                pd.testing.assert_frame_equal(split_table(part, column, lang=lang,
                                                          min_cell=min_cell),
                                              _split_reference(part, column, lang, min_cell),
                                              check_exact=True)
                checked += 1
    assert checked == 18
