"""Warnings for identifiers a spreadsheet turned into numbers (leading zeros lost)."""

from __future__ import annotations

import openpyxl
import pytest

import evaluation as ev
from test_project import MINIMAL, write_program

PEOPLE_HEADER = "person_id,household_id,village_id,name,national_id,phone,sex,age,role\n"


def people(*rows: str) -> dict[str, str]:
    """MINIMAL with these participants (household ids H1..H4 stay valid)."""
    return {**MINIMAL, "participants.csv": PEOPLE_HEADER + "".join(r + "\n" for r in rows)}


def zero_warnings(folder):
    problems = ev.load_project(folder).problems
    return problems[problems["problem"].str.contains("spreadsheet")]


# A1/A2/B1/B2 are the ids the other MINIMAL tables refer to; the checks look at one
# column at a time, so extra rows with other ids are enough to show each case.
OK_PEOPLE = ("A1,H1,V1,,,,F,45,target", "A2,H2,V1,,,,M,50,team",
             "B1,H3,V2,,,,F,38,target", "B2,H4,V2,,,,M,41,target")


@pytest.mark.parametrize("extra, column, rows, fragment", [
    # 007 and 012 keep their zeros, 8 lost them: one warning at the first short id.
    (("007,H1,V1,,,,F,30,target", "8,H1,V1,,,,F,30,target", "012,H1,V1,,,,F,30,target"),
     "person_id", [7], "ids of different lengths in one column ('8' beside '007')"),
    # 9 digits without the leading 0 of a mobile number.
    (("C1,H1,V1,,,812345678,F,30,target",), "phone", [6], "phone number of 8 or 9 digits"),
    # Excel's scientific notation for a 13-digit number.
    (("C1,H1,V1,,1.10170E+12,,F,30,target",), "national_id", [6], "scientific notation"),
])
def test_lost_zero_cases(tmp_path, extra, column, rows, fragment):
    found = zero_warnings(write_program(tmp_path, people(*OK_PEOPLE, *extra)))
    assert found["column"].tolist() == [column]
    assert found["row"].tolist() == rows
    assert found["file"].tolist() == ["participants.csv"]
    assert (found["severity"] == "warning").all()
    assert fragment in found["problem"].iloc[0]
    assert found["problem_code"].iloc[0] == {"person_id": "id_lost_zeros",
                                             "phone": "phone_lost_zero",
                                             "national_id": "national_id_scientific"}[column]


def test_personal_data_never_in_the_warning(tmp_path):
    found = zero_warnings(write_program(tmp_path, people(
        *OK_PEOPLE, "C1,H1,V1,,1.10170E+12,812345678,F,30,target")))
    assert set(found["column"]) == {"phone", "national_id"}
    assert found["value"].isna().all()
    text = " ".join(found["problem"])
    assert "812345678" not in text and "1.10170E+12" not in text


@pytest.mark.parametrize("phone", ["0812345678", "081-234-5678", "021234567", "02 123 4567",
                                   "+66812345678", ""])
def test_real_phone_numbers_are_not_flagged(tmp_path, phone):
    folder = write_program(tmp_path, people(*OK_PEOPLE, f"C1,H1,V1,,,{phone},F,30,target"))
    assert zero_warnings(folder).empty


def test_ids_of_one_length_or_with_letters_are_not_flagged(tmp_path, sample_project):
    folder = write_program(tmp_path, people(*OK_PEOPLE, "001,H1,V1,,,,F,30,target",
                                            "002,H1,V1,,,,F,30,target"))
    assert zero_warnings(folder).empty
    assert not sample_project.problems["problem"].str.contains("spreadsheet").any()


def test_numbers_in_a_workbook_are_found_by_sheet_and_row(tmp_path):
    proj = ev.load_project(write_program(tmp_path / "csv"))
    book = ev.write_workbook(proj, tmp_path / "program.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["การเงินครัวเรือน"]
    # What Excel stores for household ids typed into a General column: 7 and 12
    # beside the text "0100" (an id someone typed with a leading apostrophe).
    for row, value in ((10, 7), (11, 12), (12, "0100")):
        ws.cell(row=row, column=1, value=value)
        ws.cell(row=row, column=2, value="ก่อน")
    wb.save(book)
    with pytest.raises(ev.DataValidationError) as info:  # 7, 12, 0100 are not households
        ev.load_project(book)
    problems = info.value.problems
    assert set(problems.loc[problems["severity"] == "error", "row"]) == {10, 11, 12}
    # Fixed references, the warning remains: the ids of different lengths.
    wb = openpyxl.load_workbook(book)
    people_ws = wb["ผู้เข้าร่วม"]
    for row, value in ((6, 7), (7, 12), (8, "0100")):
        people_ws.cell(row=row, column=1, value=f"Z{row}")
        people_ws.cell(row=row, column=2, value=value)
        people_ws.cell(row=row, column=3, value="V1")
        people_ws.cell(row=row, column=9, value="กลุ่มเป้าหมาย")
    wb.save(book)
    found = zero_warnings(book)
    assert sorted(zip(found["sheet"], found["row"])) == [("การเงินครัวเรือน", 10),
                                                         ("ผู้เข้าร่วม", 6)]
    assert found["problem"].str.contains("rows 10, 11").any()


@pytest.mark.parametrize("joined, left, flagged", [
    ("2023-02-01", "", []),                       # inside the 2023 project
    ("1980-02-01", "", ["joined_date"]),          # a typed year
    ("2566-02-01", "", []),                       # Buddhist era, read as 2023
    ("2023-02-01", "2031-01-01", ["left_date"]),
])
def test_participant_dates_outside_the_project_are_warned(tmp_path, joined, left, flagged):
    # docs/data-model.md: "a date more than a month outside the project's period"
    header = PEOPLE_HEADER.rstrip("\n") + ",joined_date,left_date\n"
    rows = [r + ",," for r in OK_PEOPLE] + [f"C1,H1,V1,,,,F,30,target,{joined},{left}"]
    folder = write_program(tmp_path, {**MINIMAL, "participants.csv":
                                      header + "".join(r + "\n" for r in rows)})
    problems = ev.load_project(folder).problems
    found = problems[problems["problem_code"] == "date_outside_project"]
    assert found["column"].tolist() == flagged
    assert (found["row"] == 6).all()


def test_file_groups_equal_pandas_groupby():
    # Reference: the pandas groupby the check used before (file, sheet with blanks as "",
    # groups in order of first appearance), on 200 random provenance frames.
    import numpy as np
    import pandas as pd

    from evaluation.lost_zeros import _file_groups

    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        prov = pd.DataFrame({
            "file": pd.Series(rng.choice(["a.csv", "b.xlsx", "c.xlsx"], n)).astype("str"),
            "sheet": pd.Series(list(rng.choice(np.array(["s1", "s2", None, np.nan],
                                                        dtype=object), n)), dtype=object)})
        sheet = prov["sheet"].where(prov["sheet"].map(lambda s: isinstance(s, str)), "")
        expected = list(prov.groupby([prov["file"].astype(str), sheet], sort=False)
                        .indices.values())
        got = _file_groups(prov)
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)
