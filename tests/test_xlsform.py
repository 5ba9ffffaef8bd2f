"""evaluation.xlsform: the XLSForm is valid for pyxform and carries stable names and Thai text."""

from __future__ import annotations

import re

import openpyxl
import pytest

from evaluation.xlsform import (EN, FIELDS, MONEY_MAX, TH, FormError, form_definition,
                                response_choices, validate_xlsform, write_xlsform)

pytest.importorskip("pyxform")

CONFIGS = {
    "default": dict(),
    "sample data": dict(data="data/sample"),
    "all instruments": dict(instruments="tmhi15,happy10,who5,happinometer"),
    "finance only": dict(instruments="", finance=True),
    "happiness only": dict(instruments=["who5"], finance=False),
    "ladder": dict(instruments="", finance=False,
                   ladder="data/sample/informal-workers/ladder.yaml"),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_pyxform_converts_without_errors_or_warnings(tmp_path, name):
    path = write_xlsform(tmp_path / "form.xlsx", **CONFIGS[name])
    xform, warnings = validate_xlsform(path)
    assert warnings == []
    assert xform.startswith("<?xml") and "<h:html" in xform
    # the XForm carries both languages and the stable field names
    assert 'lang="Thai (th)"' in xform and 'lang="English (en)"' in xform
    assert "/data/ident/household_id" in xform or "/evaluation_round/ident/household_id" in xform


def test_sheets_and_language_columns(tmp_path):
    path = write_xlsform(tmp_path / "form.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in book["survey"][1]]
    # Thai first, English second
    assert header.index(f"label::{TH}") < header.index(f"label::{EN}")
    settings = dict(zip([c.value for c in book["settings"][1]],
                        [c.value for c in book["settings"][2]]))
    assert settings["default_language"] == TH
    assert settings["form_id"] == "evaluation_round"


def test_stable_field_names():
    survey = form_definition()["survey"]
    names = [n for n, t in zip(survey["name"], survey["type"]) if n and not t.startswith("end_")]
    # documented in docs/import.md: changing them breaks exports coming back
    assert {"village_id", "household_id", "wave", "finance_done", "finance_date", "income",
            "expenses", "debt_formal", "debt_informal", "savings", "household_size",
            "debt_sources", "person_id", "assess_date"} <= set(names)
    assert set(FIELDS) <= set(names)
    assert [n for n in names if n.startswith("tmhi15_")] == [f"tmhi15_q{k}" for k in range(1, 16)]
    assert "happy10_q1" in names
    assert len(names) == len(set(names))


def test_money_questions_have_constraints_hints_and_thai_messages():
    full = form_definition()["survey"]
    survey = full[~full["type"].str.startswith("end_")].set_index("name")
    for name, cap in MONEY_MAX.items():
        row = survey.loc[name]
        assert row["type"] == "decimal"
        assert row["constraint"] == f". >= 0 and . <= {cap}"
        assert "ห้ามติดลบ" in row[f"constraint_message::{TH}"]
        assert re.search(r"[ก-๙]", row[f"label::{TH}"])
    assert survey.loc["income", f"hint::{TH}"] == "บาทต่อเดือน"
    assert survey.loc["expenses", f"hint::{TH}"] == "บาทต่อเดือน"
    assert survey.loc["finance", "relevant"] == "${finance_done} = 'yes'"
    required = survey[survey["required"] == "yes"]
    assert len(required) >= 5
    assert (required[f"required_message::{TH}"] == "จำเป็นต้องตอบข้อนี้").all()


def test_answer_labels_come_from_the_instrument():
    choices = form_definition(instruments="tmhi15")["choices"]
    scale = choices[choices["list_name"] == "tmhi15_scale"]
    assert scale["name"].tolist() == ["1", "2", "3", "4"]
    assert scale[f"label::{TH}"].tolist() == ["ไม่เลย", "เล็กน้อย", "มาก", "มากที่สุด"]
    assert scale[f"label::{EN}"].tolist() == ["not at all", "a little", "much", "very much"]
    waves = choices[choices["list_name"] == "wave"]
    assert waves["name"].tolist() == ["pre", "during", "post"]
    assert waves[f"label::{TH}"].tolist() == ["ก่อน", "ระหว่าง", "หลัง"]


def test_choice_lists_from_data_folder_without_names(sample_project):
    sheets = form_definition(data="data/sample")
    choices, survey = sheets["choices"], sheets["survey"].set_index("name")
    villages = choices[choices["list_name"] == "village"]
    assert villages["name"].tolist() == sample_project.villages["village_id"].tolist()
    people = choices[choices["list_name"] == "person"]
    assert len(people) == len(sample_project.participants)
    assert survey.loc["household_id", "choice_filter"] == "village=${village_id}"
    assert survey.loc["person_id", "choice_filter"] == "household=${household_id}"
    # personal data never goes into the form
    text = choices.astype(str).to_string() + survey.astype(str).to_string()
    for name in sample_project.participants["name"].head(20):
        assert name not in text
    for phone in sample_project.participants["phone"].dropna().head(20):
        assert phone not in text


def test_happy10_is_an_integer_with_its_range():
    survey = form_definition(instruments="happy10")["survey"].set_index("name")
    assert survey.loc["happy10_q1", "type"] == "integer"
    assert survey.loc["happy10_q1", "constraint"] == ". >= 0 and . <= 10"


def test_ladder_adds_the_instruments_its_indicators_need():
    names = form_definition(instruments="", finance=False,
                            ladder="data/sample/informal-workers/ladder.yaml")["survey"]["name"]
    assert "tmhi15_q1" in set(names)  # share_happiness_improved uses TMHI-15
    assert "income" in set(names)


def test_response_choices_split_thai_and_english():
    from evaluation.instruments import get_instrument

    assert response_choices(get_instrument("who5"))[0] == ("0", "At no time", "At no time")


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(instruments="tmhi16"), "unknown instrument 'tmhi16'"),
    (dict(instruments="", finance=False), "at least one instrument"),
])
def test_bad_arguments_name_the_parameter(kwargs, fragment):
    with pytest.raises(FormError, match=fragment):
        form_definition(**kwargs)


def test_out_must_be_xlsx(tmp_path):
    with pytest.raises(ValueError, match="out: an XLSForm is an .xlsx file"):
        write_xlsform(tmp_path / "form.csv")
