"""evaluation.importers: field-tool exports in, the same data out.

Round trip: the sample program written as each tool exports what was collected with the
form of `evaluation form` (evaluation.synth_exports), imported, loaded: the tables and the
headline figures must equal the original's. Fixtures of forms not made by us
(tests/field_fixtures.py) are checked against totals computed by hand, written beside them.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

import evaluation as ev
from evaluation.importers import (ImportDataError, MappingError, import_exports, read_mapping,
                                  suggest_mapping)
from evaluation.importers.mapping import load_yaml_bounded, parse_mapping
from evaluation.synth_exports import write_exports
from evaluation.xlsform import form_definition

import field_fixtures as ff

KEYS = {"happiness": ["person_id", "wave", "instrument", "item"],
        "finance": ["household_id", "wave"], "participants": ["person_id"],
        "villages": ["village_id"], "projects": ["project_id"],
        "ledger": ["household_id", "date", "kind", "category", "amount", "note"],
        "savings": ["group_id", "member_id", "date", "deposit", "withdrawal"],
        "lessons": ["village_id", "section"]}

LAYOUTS = {
    "kobo-xlsx-names": dict(layout="kobo"),
    "kobo-xlsx-labels-th": dict(layout="kobo", headers="labels"),
    "kobo-xlsx-labels-en-dot": dict(layout="kobo", headers="labels", lang="en", group_sep="."),
    "odk-zip": dict(layout="odk"),
    "odk-csv": dict(layout="odk", file_format="csv"),
    "gforms-csv-th": dict(layout="gforms"),
    "gforms-xlsx-en": dict(layout="gforms", file_format="xlsx", lang="en"),
}


def _sorted(frame, key):
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module", params=list(LAYOUTS))
def round_trip(request, tmp_path_factory, sample_dir):
    tmp = tmp_path_factory.mktemp(request.param)
    files = write_exports(tmp / "export", data=sample_dir, **LAYOUTS[request.param])
    result = import_exports(files, tmp / "data", registry=sample_dir)
    return request.param, files, result, result.project  # = ev.load_project(tmp / "data")


def test_round_trip_tables_equal_the_original(round_trip, sample_project):
    name, _files, result, proj = round_trip
    assert result.ok, result.problems
    assert proj.root == result.out
    for table, key in KEYS.items():
        pd.testing.assert_frame_equal(_sorted(getattr(proj, table), key),
                                      _sorted(getattr(sample_project, table), key),
                                      obj=f"{name}: {table}")
    assert set(proj.ladders) == set(sample_project.ladders)
    assert result.written["happiness"] == len(sample_project.happiness)
    assert result.written["finance"] == len(sample_project.finance)


def test_round_trip_headline_figures_equal(round_trip, sample_project):
    name, _files, _result, proj = round_trip
    people = ["person_id", "village_id"]
    for instrument in ("tmhi15", "happy10"):
        before = ev.happiness_change(ev.score_instrument(sample_project.happiness, instrument)
                                     .merge(sample_project.participants[people]), by="village_id")
        after = ev.happiness_change(ev.score_instrument(proj.happiness, instrument)
                                    .merge(proj.participants[people]), by="village_id")
        pd.testing.assert_frame_equal(after, before, obj=f"{name}: {instrument} change")
    fin_a = ev.finance_change(sample_project.finance, by="village_id",
                              participants=sample_project.participants)
    fin_b = ev.finance_change(proj.finance, by="village_id", participants=proj.participants)
    pd.testing.assert_frame_equal(fin_b, fin_a, obj=f"{name}: finance change")
    # and the figure itself, from an independent group-by on the original CSV values:
    # mean income change of V01 households with both pre and post
    f = sample_project.finance.merge(
        sample_project.participants[["household_id", "village_id"]].drop_duplicates())
    wide = f[f["village_id"] == "V01"].pivot(index="household_id", columns="wave",
                                             values="income")
    expected = (wide["post"] - wide["pre"]).dropna().mean()
    got = fin_b.query("village_id == 'V01' and measure == 'income'")["mean_diff"].item()
    assert got == pytest.approx(expected, rel=1e-12)


def test_synthetic_exports_use_the_forms_field_names(tmp_path, sample_dir):
    """The export headers are the names (and group paths) of `evaluation form`'s form."""
    survey = form_definition(data=sample_dir)["survey"]
    names = set(survey["name"]) - {""}
    choices = form_definition(data=sample_dir)["choices"]
    options = set(choices.loc[choices["list_name"] == "debt_source", "name"])
    files = write_exports(tmp_path, layout="kobo", data=sample_dir)
    for sheet in pd.read_excel(files[0], sheet_name=None, nrows=0).values():
        for header in sheet.columns:
            if header.startswith("_"):
                continue
            parts = header.split("/")
            if parts[-1] in options:  # select_multiple 0/1 column: question/option
                parts = parts[:-1]
            assert set(parts) <= names, header
    zipped = write_exports(tmp_path / "odk", layout="odk", data=sample_dir, file_format="csv")
    main = pd.read_csv(zipped[0], nrows=0).columns
    assert "ident-household_id" in main and "finance-income" in main


def test_kobo_csv_semicolon_holds_the_submissions(tmp_path, sample_dir, sample_project):
    files = write_exports(tmp_path / "x", layout="kobo", data=sample_dir, file_format="csv")
    assert files[0].read_text(encoding="utf-8").splitlines()[0].startswith('"start";"end";')
    result = import_exports(files, tmp_path / "data", registry=sample_dir)
    proj = ev.load_project(tmp_path / "data")
    # the CSV export has no repeat groups: finance comes back whole, happiness not at all
    pd.testing.assert_frame_equal(_sorted(proj.finance, KEYS["finance"]),
                                  _sorted(sample_project.finance, KEYS["finance"]))
    assert result.written["happiness"] == 0


# --------------------------------------------------------------------------- fixtures (by hand)
@pytest.fixture()
def kobo_th(tmp_path):
    return ff.kobo_thai_labels(tmp_path)


def test_kobo_thai_labels_resubmission_is_an_error_naming_both_uuids(kobo_th, tmp_path):
    with pytest.raises(ImportDataError) as info:
        import_exports([kobo_th], tmp_path / "out", mapping=ff.HERE / "kobo_household_th.yaml")
    text = " ".join(info.value.problems["problem"])
    assert "a1f0c7de-0006-4c1e-9a53-000000000006" in text
    assert "a1f0c7de-0007-4c1e-9a53-000000000007" in text
    assert "--keep latest" in text
    assert not (tmp_path / "out").exists()  # nothing written


def test_kobo_thai_labels_hand_checked(kobo_th, tmp_path):
    result = import_exports([kobo_th], tmp_path / "out",
                            mapping=ff.HERE / "kobo_household_th.yaml", keep="latest")
    proj = ev.load_project(tmp_path / "out")
    assert result.counts["excluded_not_approved"] == 1      # the "Not Approved" test entry
    assert result.counts["submissions"] == 7                # 8 rows - 1 not approved
    fin = proj.finance.set_index(["household_id", "wave"])
    # hand: pre 6000 + 4500 + 8000 = 18500; post 7200 + 5400 (newest HT02) + 8500 = 21100
    assert fin.xs("pre", level="wave")["income"].sum() == 18500
    assert fin.xs("post", level="wave")["income"].sum() == 21100
    assert 80000 not in set(fin["income"])                 # the excluded typo
    assert fin.loc[("HT02", "pre"), "side_income"] == "รับจ้าง เลี้ยงสัตว์"
    assert str(fin.loc[("HT01", "pre"), "date"].date()) == "2024-06-10"  # _submission_time
    # people from the member repeat: person_id = household-member number
    assert sorted(proj.participants["person_id"]) == ["HT01-1", "HT01-2", "HT02-1", "HT03-1"]
    assert proj.participants.set_index("person_id").loc["HT01-2", "sex"] == "M"
    assert dict(zip(proj.villages["village_id"], proj.villages["name"])) == {
        "V11": "บ้านห้วยทราย ม.5", "V12": "บ้านนาดี ม.8"}
    # happy10: pre 6 + 5 + 4 + 7 = 22 (mean 5.5); post 8 + 6 + 6 + 7 = 27 (mean 6.75)
    # per person +2, +1, +2, 0 -> mean change 1.25
    change = ev.happiness_change(ev.score_instrument(proj.happiness, "happy10"))
    row = change[change["contrast"] == "pre→post"].iloc[0]
    assert (row["mean_before"], row["mean_after"], row["mean_diff"]) == (5.5, 6.75, 1.25)
    problems = " ".join(result.problems["problem"])
    assert "kept the newest, a1f0c7de-0007" in problems
    ignored = result.columns[result.columns["kind"] == "ignored"]["column"].tolist()
    assert "ข้อมูลครัวเรือน/ชื่อผู้สัมภาษณ์" in ignored
    assert (result.columns["kind"] != "unmapped").all()    # every column accounted for


def test_kobo_xml_names_hand_checked(tmp_path):
    path = ff.kobo_xml_names(tmp_path)
    result = import_exports([path], tmp_path / "out",
                            mapping=ff.HERE / "kobo_livelihood_names.yaml")
    proj = ev.load_project(tmp_path / "out")
    assert result.counts["excluded_not_approved"] == 1
    scores = ev.score_instrument(proj.happiness, "tmhi15").set_index(["person_id", "wave"])
    # hand, items 3-5 reversed (5 - code):
    # HB1-1 pre 12x3 + 3x(5-2) = 45; post 12x4 + 3x(5-1) = 60
    # HB1-2 pre 12x2 + 3x3 = 33;     post 12x3 + 3x2 = 42
    # HB2-1 pre (3+2+3+2+3+2+3+2+3+2+3+2) + (3+4+3) = 30 + 10 = 40; post 42
    assert scores["total"].to_dict() == {
        ("HB1-1", "pre"): 45, ("HB1-1", "post"): 60, ("HB1-2", "pre"): 33,
        ("HB1-2", "post"): 42, ("HB2-1", "pre"): 40, ("HB2-1", "post"): 42}
    change = ev.happiness_change(scores.reset_index())
    # mean change (15 + 9 + 2) / 3 = 8.666...
    assert change.query("contrast == 'pre→post'")["mean_diff"].item() == pytest.approx(26 / 3)
    fin = ev.finance_change(proj.finance)
    # income: HB1 9000 -> 10500 (+1500), HB2 5000 -> 6100 (+1100): mean +1300
    assert fin.query("measure == 'income'")["mean_diff"].item() == 1300
    assert 99999 not in set(proj.finance["income"])        # the not-approved duplicate
    people = proj.participants.set_index("person_id")
    assert people.loc["HB1-2", "role"] == "team" and people.loc["HB1-1", "sex"] == "F"
    assert people.loc["HB1-1", "skills"] == "cooking accounting"  # from 0/1 columns only
    assert str(proj.finance.set_index(["household_id", "wave"]).loc[("HB2", "post"),
                                                                    "date"].date()) == "2024-12-11"


def test_google_forms_thai_hand_checked(tmp_path):
    path = ff.google_forms_thai(tmp_path)
    result = import_exports([path], tmp_path / "out",
                            mapping=ff.HERE / "gforms_happiness_th.yaml")
    proj = ev.load_project(tmp_path / "out")
    scores = ev.score_instrument(proj.happiness, "tmhi15").set_index(["person_id", "wave"])
    # labels -> codes: ไม่เลย 1, เล็กน้อย 2, มาก 3, มากที่สุด 4; items 3-5 reversed
    # G1 pre 12x3 + 3x(5-2) = 45, post 12x4 + 3x(5-1) = 60; G2 33 -> 42; G3 12x3 + 3x2 = 42 -> 42
    assert scores["total"].to_dict() == {
        ("G1", "pre"): 45, ("G1", "post"): 60, ("G2", "pre"): 33, ("G2", "post"): 42,
        ("G3", "pre"): 42, ("G3", "post"): 42}
    change = ev.happiness_change(scores.reset_index())
    assert change.query("contrast == 'pre→post'")["mean_diff"].item() == 8  # (15 + 9 + 0) / 3
    fin = proj.finance.set_index(["household_id", "wave"])["income"]
    # "4,500" + "3,000" + "๕,๐๐๐" = 12500; "6,000" + "3,500 บาท" + "5000" = 14500
    assert fin.xs("pre", level="wave").sum() == 12500
    assert fin.xs("post", level="wave").sum() == 14500
    # time stamp "16/1/2567, 10:05:31" (Buddhist era) -> 2024-01-16
    assert str(proj.finance.set_index(["household_id", "wave"]).loc[("H-G3", "pre"),
                                                                    "date"].date()) == "2024-01-16"
    # nothing personal or free-text leaves the export
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.csv"))
    assert "a@example.org" not in written and "อยากให้มีอบรมอีก" not in written
    reasons = dict(zip(result.columns["column"], result.columns["reason"]))
    assert "personal data" in reasons["ที่อยู่อีเมล"]


def test_wide_thai_pre_post_columns(tmp_path):
    result = import_exports([ff.wide_thai(tmp_path)], tmp_path / "out")
    proj = ev.load_project(tmp_path / "out")
    fin = proj.finance.set_index(["household_id", "wave"])
    # รายได้ก่อน 4000 + 6500 + 3000 = 13500; รายได้หลัง 5200 + 6400 (W3 blank: no row) = 11600
    assert fin.xs("pre", level="wave")["income"].sum() == 13500
    assert fin.xs("post", level="wave")["income"].sum() == 11600
    assert fin.loc[("W2", "post"), "savings"] == 1200 and fin.loc[("W1", "pre"), "expenses"] == 3900
    assert result.counts["finance_blank"] == 1                # W3 post, counted not dropped
    assert any("project P01" in n for n in result.notes)


def test_one_file_per_round(tmp_path):
    files = ff.rounds_per_file(tmp_path)
    import_exports(files, tmp_path / "out", mapping=ff.HERE / "rounds_per_file.yaml")
    proj = ev.load_project(tmp_path / "out")
    h = proj.happiness.groupby("wave", observed=True)["value"].mean()
    assert (h["pre"], h["post"]) == (5.5, 6.5)               # (5 + 6) / 2, (7 + 6) / 2
    assert proj.finance.groupby("wave", observed=True)["income"].sum()["post"] == 7700


def test_include_not_approved(tmp_path):
    path = ff.kobo_xml_names(tmp_path)
    m = read_mapping(ff.HERE / "kobo_livelihood_names.yaml")
    m.include_not_approved = True
    with pytest.raises(ImportDataError, match="problem"):
        import_exports([path], tmp_path / "out", mapping=m)   # now HB2 endline is twice


def test_registry_must_know_the_people(tmp_path, sample_dir):
    path = ff.kobo_xml_names(tmp_path)
    with pytest.raises(ImportDataError) as info:
        import_exports([path], tmp_path / "out", mapping=ff.HERE / "kobo_livelihood_names.yaml",
                       registry=sample_dir)
    assert "not in the registry's participants" in " ".join(info.value.problems["problem"])


# --------------------------------------------------------------------------- problems, no tracebacks
def _mapping_problem(data) -> str:
    with pytest.raises(MappingError) as info:
        parse_mapping(data)
    return " ".join(info.value.problems["problem"])


@pytest.mark.parametrize("data, fragment", [
    ({"colums": {}}, "unknown key"),
    ({"columns": {"incme": "x"}}, "unknown target"),
    ({"columns": {"income@later": "x"}}, "unknown wave"),
    ({"wave": {"value": "mid"}}, "allowed: pre, during, post"),
    ({"wave": {"files": {"a.csv": "t2"}}}, "allowed: pre, during, post"),
    ({"format": "surveymonkey"}, "allowed: auto, kobo"),
    ({"project": {"name": "x"}}, "project needs project_id and name"),
    ({"keep": "first"}, "allowed: latest"),
    ({"columns": {"income": {"column": "a", "value": "b"}}}, "exactly one of"),
    ([1, 2], "must be a mapping"),
])
def test_mapping_errors_are_listed(data, fragment):
    assert fragment in _mapping_problem(data)


@pytest.mark.parametrize("text, fragment", [
    ("a: &x [1, 2]\nb: *x\n", "aliases"),
    ("a: " + "[" * 40 + "]" * 40 + "\n", "nested deeper"),
    ("a: '" + "x" * (300 * 1024) + "'\n", "larger than"),
])
def test_yaml_is_bounded(text, fragment):
    with pytest.raises(yaml.YAMLError, match=fragment):
        load_yaml_bounded(text)


def test_bad_yaml_file_is_a_mapping_error(tmp_path):
    path = tmp_path / "import.yaml"
    path.write_text("columns: [unclosed\n", encoding="utf-8")
    with pytest.raises(MappingError, match="problem"):
        read_mapping(path)


def test_header_named_in_mapping_must_exist(tmp_path):
    path = ff.wide_thai(tmp_path)
    (tmp_path / "m.yaml").write_text("columns:\n  income: รายได้ทั้งหมด\n", encoding="utf-8")
    with pytest.raises(ImportDataError) as info:
        import_exports([path], tmp_path / "out", mapping=tmp_path / "m.yaml")
    bad = info.value.problems
    assert "not in any export" in bad["problem"].iloc[0] and bad["value"].iloc[0] == "รายได้ทั้งหมด"


@pytest.mark.parametrize("content, fragment", [
    ("รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,รอบ,รายได้\nP1,H1,V1,รอบที่ 9,100\n",
     "unknown survey round"),
    ("รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,รายได้\nP1,H1,V1,100\n", "no wave for this row"),
    ("รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,ช่วงเวลา,tmhi15_q1\nP1,H1,V1,ก่อน,เยอะมาก\n",
     "answer not understood"),
    ("รหัสครัวเรือน,รหัสหมู่บ้าน,ช่วงเวลา,รายได้\nH1,V1,ก่อน,100\n", "household without any member"),
])
def test_data_problems_name_file_row_and_column(tmp_path, content, fragment):
    path = tmp_path / "export.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportDataError) as info:
        import_exports([path], tmp_path / "out")
    bad = info.value.problems
    hit = bad[bad["problem"].str.contains(fragment, regex=False)]
    assert len(hit) == 1, bad
    assert hit["file"].iloc[0] == "export.csv"
    if fragment != "household without any member":
        assert hit["row"].iloc[0] == 2


def test_unrecognised_columns_are_reported_not_dropped(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,ช่วงเวลา,รายได้,สีบ้าน\n"
                    "P1,H1,V1,ก่อน,100,ฟ้า\n", encoding="utf-8")
    result = import_exports([path], tmp_path / "out")
    warn = result.problems[result.problems["column"] == "สีบ้าน"]
    assert warn["severity"].tolist() == ["warning"]
    assert "not recognised" in warn["problem"].item()
    assert "สีบ้าน" in result.summary()


@pytest.mark.parametrize("name, fragment", [
    ("x.docx", "unknown export type"),
    ("missing.csv", "no such file"),
])
def test_unreadable_exports(tmp_path, name, fragment):
    path = tmp_path / name
    if name.endswith(".docx"):
        path.write_bytes(b"PK")
    with pytest.raises(ImportDataError) as info:
        import_exports([path], tmp_path / "out")
    assert fragment in info.value.problems["problem"].iloc[0]


def test_out_folder_of_something_else_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ev.EvaluationError, match="not empty"):
        import_exports([ff.wide_thai(tmp_path)], tmp_path / "out")
    assert (tmp_path / "out" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_keep_argument_is_checked(tmp_path):
    with pytest.raises(ValueError, match="keep: allowed values"):
        import_exports([ff.wide_thai(tmp_path)], tmp_path / "out", keep="oldest")


# --------------------------------------------------------------------------- --suggest
def test_suggest_for_google_forms_guesses_items_and_lists_every_column(tmp_path):
    path = ff.google_forms_thai(tmp_path)
    text = suggest_mapping([path])
    data = yaml.safe_load(text)
    mapping = parse_mapping(data)  # a valid import.yaml as it stands
    assert data["format"] == "gforms"
    assert [h for h, (i, _it, _w) in mapping.items.items() if i == "tmhi15"] == [
        f"คำถามข้อ {k} (ในช่วง 1 เดือนที่ผ่านมา)" for k in range(1, 16)]
    assert re.search(r"q1: .*# guess: answers are tmhi15 answer labels", text)
    assert data["columns"]["person_id"] == "รหัสสมาชิก"
    assert data["wave"]["column"] == "ครั้งที่ประเมิน"
    listed = set(mapping.ignore) | set(mapping.items) | {r.header for r in mapping.columns}
    listed |= {data["wave"]["column"]}
    header = ff.GF_HEADER[1:]  # the time stamp is metadata (commented)
    assert set(header) - {"ที่อยู่อีเมล"} <= listed
    assert "ที่อยู่อีเมล" in text


def test_suggest_wide_and_files(tmp_path):
    text = suggest_mapping([ff.wide_thai(tmp_path)])
    assert 'income@pre: "รายได้ก่อน"' in text and "wide layout" in text
    text = suggest_mapping(ff.rounds_per_file(tmp_path))
    data = yaml.safe_load(text)
    assert set(data["wave"]["files"]) == {"รอบแรก.csv", "รอบสอง.csv"}


# --------------------------------------------------------------------------- CLI
def test_cli_import_prints_the_account(tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import app

    path = ff.kobo_xml_names(tmp_path)
    out = CliRunner().invoke(app, ["import", str(path), "--out", str(tmp_path / "d"), "--map",
                                   str(ff.HERE / "kobo_livelihood_names.yaml")])
    assert out.exit_code == 0, out.output
    for fragment in ("kobo_livelihood_names.xlsx [Livelihood_survey] (kobo): 5 rows, 1 excluded",
                     "happiness: 90 rows", "finance: 4 rows", "deliberately not imported",
                     "_submitted_by", "not approved"):
        assert fragment in out.output
    assert (tmp_path / "d" / "IMPORT-LOG.txt").exists()


def test_cli_import_duplicates_exit_2_without_traceback(tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import EXIT_INVALID_DATA, app

    path = ff.kobo_thai_labels(tmp_path)
    out = CliRunner().invoke(app, ["import", str(path), "--out", str(tmp_path / "d"), "--map",
                                   str(ff.HERE / "kobo_household_th.yaml")])
    assert out.exit_code == EXIT_INVALID_DATA
    assert "Traceback" not in out.output and "a1f0c7de-0007" in out.output
    ok = CliRunner().invoke(app, ["import", str(path), "--out", str(tmp_path / "d"), "--map",
                                  str(ff.HERE / "kobo_household_th.yaml"), "--keep", "latest"])
    assert ok.exit_code == 0, ok.output


def test_cli_suggest_and_form(tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import app

    out = CliRunner().invoke(app, ["import", str(ff.wide_thai(tmp_path)), "--suggest"])
    assert out.exit_code == 0 and "income@post" in out.output
    form = CliRunner().invoke(app, ["form", str(tmp_path / "f.xlsx"), "--instruments",
                                    "happy10", "--no-finance"])
    assert form.exit_code == 0 and (tmp_path / "f.xlsx").exists(), form.output
    bad = CliRunner().invoke(app, ["form", str(tmp_path / "g.xlsx"), "--instruments", "nope"])
    assert bad.exit_code == 2 and "unknown instrument 'nope'" in bad.output
    assert "Traceback" not in bad.output


def test_cli_synth_kobo_kit_round_trips(tmp_path, sample_project):
    from typer.testing import CliRunner

    from evaluation.cli import app

    out = CliRunner().invoke(app, ["synth", str(tmp_path / "kit"), "--format", "kobo"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "kit" / "form.xlsx").exists()
    export = sorted((tmp_path / "kit" / "export").iterdir())
    res = CliRunner().invoke(app, ["import", *map(str, export), "--out", str(tmp_path / "d"),
                                   "--registry", str(tmp_path / "kit" / "registry")])
    assert res.exit_code == 0, res.output
    proj = ev.load_project(tmp_path / "d")
    pd.testing.assert_frame_equal(_sorted(proj.happiness, KEYS["happiness"]),
                                  _sorted(sample_project.happiness, KEYS["happiness"]))



def test_formula_like_text_is_written_as_text(tmp_path):
    """A respondent's '=HYPERLINK(…)' never becomes a formula in the data folder (OWASP)."""
    path = tmp_path / "export.csv"
    path.write_text('รหัสบุคคล,รหัสครัวเรือน,รหัสหมู่บ้าน,ช่วงเวลา,ชื่อ-สกุล,รายได้\n'
                    'P1,H1,V1,ก่อน,"=HYPERLINK(""http://x"")",1500\n', encoding="utf-8")
    import_exports([path], tmp_path / "out")
    text = (tmp_path / "out" / "participants.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
    assert ev.load_project(tmp_path / "out").finance["income"].tolist() == [1500]
