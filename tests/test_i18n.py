"""Tests of evaluation.i18n: one language check, one name per label."""

from __future__ import annotations

import pytest

from evaluation import i18n
from evaluation.errors import ArgumentError, EvaluationError


@pytest.mark.parametrize("bad", ["fr", "TH", "", None, 1])
def test_check_lang_rejects_other_languages(bad):
    with pytest.raises(ArgumentError, match=r"lang must be one of 'th', 'en'; got ") as err:
        i18n.check_lang(bad)
    assert isinstance(err.value, ValueError) and isinstance(err.value, EvaluationError)
    assert repr(bad) in str(err.value)


def test_check_lang_names_the_parameter():
    with pytest.raises(ArgumentError, match="report_lang must be one of"):
        i18n.check_lang("de", name="report_lang")


@pytest.mark.parametrize("kind,value,th,en", [
    ("wave", "pre", "ก่อน", "Before"), ("wave", "post", "หลัง", "After"),
    ("sex", "F", "หญิง", "Female"), ("role", "team", "คณะทำงาน", "Working team"),
    ("kind", "expense", "รายจ่าย", "Expense")])
def test_labels_in_both_languages(kind, value, th, en):
    assert i18n.label(kind, value) == th and i18n.label(kind, value, lang="en") == en


def test_label_errors_name_what_is_allowed():
    with pytest.raises(ArgumentError, match="kind must be one of 'wave', 'sex', 'role', 'kind'"):
        i18n.label("colour", "red")
    with pytest.raises(ArgumentError, match=r"value must be one of 'pre', 'during', 'post'.*'x'"):
        i18n.label("wave", "x")
    assert i18n.label("wave", None) == "–" and i18n.label("wave", float("nan")) == "–"


def test_every_table_has_both_languages_with_the_same_keys():
    for table in (i18n.COLUMN_LABELS, i18n.STATUS_LABELS, i18n.INDEX_LABELS,
                  i18n.WAVE_LABELS, i18n.SEX_LABELS, i18n.ROLE_LABELS, i18n.KIND_LABELS):
        assert set(table) == set(i18n.LANGS)
        assert set(table["th"]) == set(table["en"])
    for th, en in [*i18n.MEASURE_LABELS.values(), *i18n.UNIT_WORDS.values()]:
        assert th and en


def test_one_thai_name_per_role():
    """The column header of a role count names the role the same way as its label."""
    for role in i18n.ROLES:
        assert i18n.COLUMN_LABELS["th"][role].startswith(i18n.label("role", role))


def test_tr_and_unit_word():
    assert i18n.tr("th", "ก", "a") == "ก" and i18n.tr("en", "ก", "a") == "a"
    assert i18n.unit_word("points", "th") == "คะแนน" and i18n.unit_word("km", "th") == "km"
