"""The bad-inputs corpus of issue 11 (built by ``tests/bad_inputs/build.py``).

Every case asserts the exact problem rows ``load_project`` reports (file, sheet,
row, column, problem_code, severity), or, for inputs that must be accepted, the
exact numbers against the hand computations written in ``build.py``.
"""

from __future__ import annotations

import contextlib
import signal

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataValidationError

from bad_inputs.build import (CASES, INCOME_CHANGE, INCOME_SUM, LEDGER_SUM, N_ROWS, Case,
                              build)


@contextlib.contextmanager
def hang_detector(seconds: int = 20):
    """Fail instead of hanging (a hang detector, not a speed assertion)."""
    def fail(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: unbounded work")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def load(folder):
    """(project or None, problems table)."""
    try:
        proj = ev.load_project(folder)
    except DataValidationError as exc:
        return None, exc.problems
    return proj, proj.problems


def rows(problems: pd.DataFrame) -> list[tuple]:
    def clean(x):
        return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x

    return sorted(((clean(f), clean(s), None if pd.isna(r) else int(r), clean(c), code, sev)
                   for f, s, r, c, code, sev in zip(
                       problems["file"], problems["sheet"], problems["row"],
                       problems["column"], problems["problem_code"], problems["severity"])),
                  key=repr)


def assert_numbers(proj, case: Case):
    want = {**N_ROWS, "income_sum": INCOME_SUM, "income_change": INCOME_CHANGE,
            "ledger_sum": LEDGER_SUM, **case.numbers}
    for table in N_ROWS:
        assert len(getattr(proj, table)) == want[table], table
    fin = proj.finance
    if fin["income"].notna().any():
        assert fin["income"].sum() == want["income_sum"]
        wide = fin.pivot(index="household_id", columns="wave", values="income")
        assert (wide["post"] - wide["pre"]).mean() == want["income_change"]
    assert proj.ledger["amount"].sum() == want["ledger_sum"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.cls}-{c.id}" for c in CASES])
def test_bad_input(case, tmp_path):
    folder = build(case, tmp_path)
    with hang_detector():
        proj, problems = load(folder)
    got = rows(problems)
    assert not problems["problem"].isna().any() and problems["problem"].str.len().gt(20).all()
    if case.expect is None:
        assert got == [], problems.to_string()
    else:
        assert got == sorted(case.expect, key=repr), problems[
            ["file", "sheet", "row", "column", "problem", "problem_code", "severity"]].to_string()
    errors = problems["severity"] != "warning"
    assert (proj is None) == bool(errors.any())
    if proj is not None and all(e[5] == "warning" for e in (case.expect or [])) and \
            case.cls in (1, 2, 3, 4, 5) and case.numbers is not None:
        if case.id not in NUMBERS_SKIP:
            assert_numbers(proj, case)
    if case.check is not None:
        assert proj is not None and case.check(proj)


#: Accepted cases whose numbers differ from MINIMAL by design (checked in their own tests).
NUMBERS_SKIP = {"same-row-twice-in-one-file", "unit-per-year-is-not-mapped",
                "numbers-in-an-unknown-column", "google-forms-question"}


def test_corpus_size_and_classes():
    per_class = pd.Series([c.cls for c in CASES]).value_counts().sort_index()
    assert len(CASES) >= 60 and set(per_class.index) >= {1, 2, 3, 4, 5, 6, 7}
    assert len({c.id for c in CASES}) == len(CASES)


def test_duplicate_row_is_counted_once_each(tmp_path):
    case = next(c for c in CASES if c.id == "same-row-twice-in-one-file")
    proj, _ = load(build(case, tmp_path))
    # 300 + 120 + 60 + the repeated 120: both rows are kept (the warning asks the user)
    assert len(proj.ledger) == 4 and proj.ledger["amount"].sum() == 600.0


def test_unmapped_income_stays_visible(tmp_path):
    case = next(c for c in CASES if c.id == "unit-per-year-is-not-mapped")
    proj, _ = load(build(case, tmp_path))
    assert proj.finance["income"].isna().all()
    assert proj.finance["รายได้ (บาท/ปี)"].tolist()[:2] == ["5000", "7000"]  # kept as written


# --- 6. long runs of one warning are summarised ------------------------------------------

def test_thousands_of_repeated_warnings_are_summarised(tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import app
    from evaluation.errors import summarise_problems

    repeated = "H1,2023-02-01,income,ขายน้ำพริก,300\n" * 2000
    case = Case("many", 6, {"ledger.csv": "household_id,date,kind,category,amount\n" + repeated})
    proj, problems = load(build(case, tmp_path))
    # 2,000 identical rows: the 1,999 after the first are each a duplicate_row warning
    assert (problems["problem_code"] == "duplicate_row").sum() == 1999
    short = summarise_problems(problems)
    assert len(short) == 4 and short["count"].sum() == 1999  # 3 examples + "1,996 more"
    out = CliRunner().invoke(app, ["check", str(tmp_path)]).output
    assert "… and 1,996 more rows with the same problem (duplicate_row)" in out
    assert out.count("identical to row 2 of the same file") == 3
    assert out.strip().splitlines()[-1] == "OK with 1,999 warnings"


# --- 7. untrusted YAML is bounded ----------------------------------------------------------

@pytest.mark.parametrize("text, fragment", [
    (__import__("bad_inputs.build", fromlist=["BOMB"]).BOMB, "billion laughs"),
    ("themes: &t [*t]\n", "refers to itself"),
    ("x: " + "[" * 200 + "]" * 200 + "\n", "nested more than"),
    ("themes:\n" + "  - {id: t, th: x, terms: [a]}\n" * 80_000, "larger than"),
], ids=["billion-laughs", "recursive", "deep", "oversize"])
def test_codebook_yaml_is_bounded(tmp_path, text, fragment):
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    with hang_detector(), pytest.raises(DataValidationError) as info:
        ev.load_codebook(path)
    assert fragment in info.value.problems["problem"].iloc[0]


def test_python_tags_are_never_constructed(tmp_path):
    from evaluation.textio import load_yaml
    import yaml

    marker = tmp_path / "pwned"
    with pytest.raises(yaml.YAMLError):
        load_yaml(f"x: !!python/object/apply:os.system ['touch {marker}']")
    assert not marker.exists()


# --- 8. outputs are safe for the programs that open them -----------------------------------

FORMULAS = {"name": '=HYPERLINK("http://x.example","คลิก")', "village": "+cmd|' /C calc'!A0",
            "group": "@SUM(1+1)*cmd", "category": "-2+3+cmd"}


def _formula_program(folder):
    from bad_inputs.build import csv_text, rows_of

    people = rows_of("participants.csv")
    people[1][3] = FORMULAS["name"]
    people[1][7] = FORMULAS["group"]
    villages = rows_of("villages.csv")
    villages[1][2] = FORMULAS["village"]
    ledger = rows_of("ledger.csv")
    ledger[1][3] = FORMULAS["category"]
    import csv as _csv
    import io

    def quoted(rows):
        buf = io.StringIO()
        _csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()

    return build(Case("formulas", 8, {"participants.csv": quoted(people),
                                      "villages.csv": quoted(villages),
                                      "ledger.csv": csv_text(ledger)}), folder)


def _assert_no_formula(path, expected_text):
    import openpyxl

    book = openpyxl.load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    for text in expected_text:
        assert text in values  # shown as the same text, not a formula and not altered
    return cells


def test_formula_like_names_reach_tables_xlsx_as_text(tmp_path):
    from evaluation.export import write_csv, write_tables

    proj = ev.load_project(_formula_program(tmp_path / "data"))
    assert proj.villages["name"].iloc[0] == FORMULAS["village"]  # loaded as written
    summary = ev.village_summary(proj)
    tables = {"villages": summary, "ledger": proj.ledger[["household_id", "category", "amount"]],
              "people": proj.participants[["person_id", "occupation_group", "age"]]}
    out = write_tables(tables, tmp_path / "tables.xlsx")
    cells = _assert_no_formula(out, [FORMULAS["village"], FORMULAS["group"],
                                     FORMULAS["category"]])
    # numbers stay numbers: ages 45, 50, 38, 41 and amounts 300, 120, 60 are numeric cells
    numbers = sorted(c.value for c in cells if c.data_type == "n" and c.value is not None
                     and c.column_letter == "C" and c.parent.title in ("ledger", "people"))
    assert numbers == [38, 41, 45, 50, 60, 120, 300]
    csv = write_csv(tables["ledger"], tmp_path / "ledger.csv").read_text(encoding="utf-8-sig")
    assert f"'{FORMULAS['category']}" in csv and "\nH1,'" in csv and ",300" in csv
    assert "\n" + "H3,ค่าเดินทาง,60" in csv  # ordinary rows untouched


def test_formula_like_names_round_trip_through_the_data_workbook(tmp_path):
    proj = ev.load_project(_formula_program(tmp_path / "data"))
    book = ev.write_workbook(proj, tmp_path / "program.xlsx")
    _assert_no_formula(book, [FORMULAS["name"], FORMULAS["village"]])
    again = ev.load_project(book)  # no "formula without a saved result" problem
    assert again.participants["name"].tolist() == proj.participants["name"].tolist()


def test_check_csv_output_is_formula_safe(tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import app

    folder = _formula_program(tmp_path / "data")
    (folder / "ledger.csv").write_text(
        "household_id,date,kind,category,amount\nH1,2023-02-01,income,x,=1+1\n",
        encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(folder), "--format", "csv"])
    assert result.exit_code == 2
    assert ",'=1+1," in result.stdout and ",=1+1," not in result.stdout


@pytest.mark.slow
def test_formula_like_names_in_a_rendered_report(tmp_path):
    folder = _formula_program(tmp_path / "data")
    html = ev.render_village_report(folder, "V1", tmp_path / "reports", chart_formats="png")
    _assert_no_formula(html.parent / "tables.xlsx", [])


# --- 9. no tracebacks: random bytes and truncated files on every loader path ---------------

def _valid_bytes(kind: str, tmp_path) -> bytes:
    from bad_inputs.build import INSTRUMENT, LEDGER_ROWS, xlsx

    if kind == "xlsx":
        xlsx({"ledger": LEDGER_ROWS})(tmp_path / "v.xlsx")
        return (tmp_path / "v.xlsx").read_bytes()
    if kind == "parquet":
        pd.DataFrame([r for r in LEDGER_ROWS[1:]], columns=LEDGER_ROWS[0]).to_parquet(
            tmp_path / "v.parquet")
        return (tmp_path / "v.parquet").read_bytes()
    if kind == "instrument":
        return INSTRUMENT.encode()
    from test_project import LADDER, MINIMAL

    if kind == "ladder":
        return LADDER.replace("{unit}", "people").encode()
    return MINIMAL["ledger.csv"].encode() if kind == "csv" else "ข้อความ\n".encode()


TARGETS = {"csv": "ledger.csv", "xlsx": "ledger.xlsx", "parquet": "ledger.parquet",
           "ladder": "ladder.yaml", "instrument": "instruments/x.yaml",
           "lesson": "lessons/V1/การทำงาน.txt"}


@pytest.mark.parametrize("damage", ["random", "truncated"])
@pytest.mark.parametrize("kind", list(TARGETS))
def test_every_loader_path_survives_garbage(kind, damage, tmp_path):
    valid = _valid_bytes(kind, tmp_path)
    for seed in range(4):
        folder = tmp_path / f"{seed}"
        rng = np.random.default_rng(seed)
        if damage == "random":
            data = rng.integers(0, 256, int(rng.integers(1, 3000)), dtype=np.uint8).tobytes()
        else:
            data = valid[:int(rng.integers(1, len(valid)))]
        build(Case("x", 9, {"ledger.csv": None, TARGETS[kind]: data}), folder)
        with hang_detector():
            try:
                ev.load_project(folder)
            except ev.EvaluationError as exc:  # DataValidationError is one
                problems = getattr(exc, "problems", None)
                assert problems is None or not problems["problem"].isna().any()


@pytest.mark.parametrize("damage", ["random", "truncated"])
def test_single_workbook_and_codebook_survive_garbage(damage, tmp_path):
    valid = _valid_bytes("xlsx", tmp_path)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        data = (rng.integers(0, 256, 2000, dtype=np.uint8).tobytes() if damage == "random"
                else valid[:int(rng.integers(1, len(valid)))])
        book = tmp_path / f"program{seed}.xlsx"
        book.write_bytes(data)
        with pytest.raises(ev.EvaluationError):
            ev.load_project(book)
        codebook = tmp_path / f"codebook{seed}.yaml"
        codebook.write_bytes(data)
        try:
            ev.load_codebook(codebook)
        except ev.EvaluationError:
            pass


def test_cli_never_prints_a_traceback_for_garbage(tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import app

    build(Case("x", 9, {"finance.csv": np.random.default_rng(5).bytes(500),
                        "ledger.xlsx": b"PK\x03\x04broken", "ladder.yaml": b"\xff\xfe\x00["}),
          tmp_path)
    for command in (["check", str(tmp_path)], ["summary", str(tmp_path)],
                    ["check", str(tmp_path / "ledger.xlsx")]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
