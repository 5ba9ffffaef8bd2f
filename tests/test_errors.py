"""One error family: every error a user can cause is an ``EvaluationError`` and the
matching built-in, and its message names the parameter; a missing column is a
``ColumnError`` from the one ``require_columns`` check. A static test keeps bare
``raise ValueError(`` / ``TypeError(`` / ``KeyError(`` out of the package."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evaluation import (cpi, disclosure, export, finance, happiness, households, i18n, ladder,
                        ladder_export, ledger, lessons, privacy, repeated, savings, stats, text,
                        thai)
from evaluation.errors import (ArgumentError, ColumnError, DataValidationError,
                               EvaluationError, ParseError, TableColumnError, require_columns)
from evaluation.did import did
from evaluation.instruments import score_instrument

PKG = Path(__file__).resolve().parents[1] / "evaluation"

#: Bare built-in raises that stay, with why (path relative to evaluation/, the raise).
ALLOWED_BARE = {
    # the mapping protocol: ``ReportFailure["cell"]`` reads like the dict it replaced,
    # and dict-style lookups must raise a plain KeyError
    ("rendering/notebook.py", "raise KeyError(key)"),
    # Table.column(name) is an internal schema lookup (names come from the schema
    # itself, never from a user); KeyError is the lookup protocol
    ("schema.py", "raise KeyError(name)"),
}

_BARE = re.compile(r"raise (ValueError|TypeError|KeyError)\b(\(.*)?")


def test_no_bare_builtin_raises_outside_the_allow_list():
    found = set()
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        for line in path.read_text(encoding="utf-8").splitlines():
            m = _BARE.search(line)
            if m and not line.lstrip().startswith("#"):
                found.add((rel, m.group(0).strip()))
    unexpected = sorted(found - ALLOWED_BARE)
    assert not unexpected, ("raise an EvaluationError subclass (evaluation/errors.py) instead:\n"
                            + "\n".join(f"{p}: {r}" for p, r in unexpected))
    # the allow-list stays short and true
    assert found >= ALLOWED_BARE, sorted(ALLOWED_BARE - found)


def test_no_private_copy_of_the_column_check():
    """``missing = [c for c in … if c not in ….columns]`` followed by a raise is what
    ``require_columns`` does; the one check lives in errors.py."""
    pattern = re.compile(r"missing = \[\w+ for \w+ in .* if \w+ not in \w+\.columns\]")
    bad = [f"{p.relative_to(PKG)}:{i}" for p in sorted(PKG.rglob("*.py")) if p.name != "errors.py"
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if pattern.search(line)]
    assert not bad, bad


def test_error_classes_are_the_matching_builtins():
    assert issubclass(ArgumentError, (EvaluationError, ValueError))
    assert issubclass(ArgumentError, TypeError)
    assert issubclass(ColumnError, ArgumentError) and issubclass(ColumnError, KeyError)
    assert issubclass(ParseError, EvaluationError) and issubclass(ParseError, ValueError)
    assert issubclass(TableColumnError, ColumnError)
    assert issubclass(TableColumnError, DataValidationError)
    assert issubclass(finance.FinanceArgumentError, ArgumentError)
    assert issubclass(finance.FinanceColumnError, ColumnError)


# ---------------------------------------------------------------------------- fixtures
def _scores():
    return pd.DataFrame({"person_id": ["A", "A", "B", "B"], "wave": ["pre", "post"] * 2,
                         "instrument": "tmhi15", "total": [30.0, 35.0, 40.0, 41.0],
                         "band": ["low", "mid", "mid", "mid"]})


def _finance():
    return pd.DataFrame({"household_id": ["H1", "H1"], "wave": ["pre", "post"],
                         "income": [1000.0, 1500.0]})


def _long():
    return pd.DataFrame({"p": ["A", "A", "B", "B"], "w": ["pre", "post"] * 2,
                         "y": [1.0, 2.0, 3.0, 5.0]})


def _call(func, *args, **kwargs):
    return lambda: func(*args, **kwargs)


#: (id, call, built-in it must also be, text the message must contain: the parameter)
CASES = [
    # bad arguments
    ("paired_test-length", _call(stats.paired_test, [1, 2, 3], [1, 2]), ValueError,
     "before and after"),
    ("paired_test-alternative", _call(stats.paired_test, [1, 2], [2, 3], alternative="up"),
     ValueError, "alternative"),
    ("paired_test-conf_level", _call(stats.paired_test, [1, 2], [2, 3], conf_level=2),
     ValueError, "conf_level"),
    ("paired_test-not-numbers", _call(stats.paired_test, ["a", "b"], [1, 2]), TypeError,
     "before"),
    ("bootstrap_change-n_resamples", _call(stats.bootstrap_change, [1, 2], [2, 3],
                                           n_resamples=0), ValueError, "n_resamples"),
    ("mcnemar-flags", _call(stats.mcnemar_test, [1, 2], [0, 1]), ValueError, "before_flag"),
    ("happiness_change-bootstrap", _call(happiness.happiness_change, _scores(),
                                         contrasts=[("pre", "post")], bootstrap=-1),
     ValueError, "bootstrap"),
    ("happiness_change-contrasts", _call(happiness.happiness_change, _scores(),
                                         contrasts=[("pre", "later")]), ValueError, "wave"),
    ("band_transitions-top_bands", _call(happiness.band_transitions, _scores(), top_bands=[]),
     ValueError, "top_bands"),
    ("finance_change-before", _call(finance.finance_change, _finance(), before="start"),
     ValueError, "before"),
    ("deflate-base_year", _call(cpi.deflate, _finance(), cpi={2024: 1.0}, base_year="2024"),
     ValueError, "base_year"),
    ("normalize_text-type", _call(text.normalize_text, 5), TypeError, "text"),
    ("split_sentences-engine", _call(text.split_sentences, "ก", engine="nope"), ValueError,
     "engine"),
    ("redact_pii-labels", _call(privacy.redact_pii, "x", labels="fr"), ValueError, "labels"),
    ("redact_pii-names", _call(privacy.redact_pii, "x", names="นายสมชาย"), TypeError,
     "names"),
    ("suppress_small_cells-min_cell", _call(disclosure.suppress_small_cells,
                                            pd.DataFrame({"n": [1]}), min_cell=0),
     ValueError, "min_cell"),
    ("keywords-rank_by", _call(lessons.keywords, pd.DataFrame(
        {"village_id": ["V1"], "section": ["s"], "text": ["ก"]}), rank_by="nope"),
     ValueError, "rank_by"),
    ("parse_date-era", _call(thai.parse_date, "7/7/2566", era="julian"), ValueError, "era"),
    ("parse_series-kind", _call(thai.parse_series, pd.Series(["1"]), "colour"), ValueError,
     "kind"),
    ("label-lang", _call(i18n.label, "wave", "pre", lang="fr"), ValueError, "lang"),
    ("chart_formats", _call(export.chart_formats, "gif"), ValueError, "formats"),
    ("ladder_table-lang", _call(ladder.ladder_table, pd.DataFrame(), lang="fr"), ValueError,
     "lang"),
    ("rank_households-n_per_village", _call(households.rank_households, None,
                                            n_per_village=0), ValueError, "n_per_village"),
    ("p_adjust-method", _call(repeated.p_adjust, [0.1, 0.2], method="nope"), ValueError,
     "method"),
    ("score_instrument-max_missing", _call(score_instrument, _scores(), "tmhi15",
                                           max_missing=2), ValueError, "max_missing"),
    ("did-pre-post", _call(did, pd.DataFrame({"y": [1.0], "u": ["a"], "t": ["pre"],
                                                  "g": ["program"], "c": ["V1"]}),
                           outcome="y", unit="u", time="t", group="g", cluster="c",
                           pre="pre", post="pre"), ValueError, "pre and post"),
    # not a table
    ("paired_frame-not-a-frame", _call(stats.paired_frame, [1, 2], before="a", after="b"),
     TypeError, "data"),
    ("redact_frame-not-a-frame", _call(privacy.redact_frame, "text"), TypeError, "frame"),
    ("deflate-not-a-frame", _call(cpi.deflate, [1], cpi={2024: 1.0}, base_year=2024),
     TypeError, "frame"),
    # missing columns: a ColumnError (KeyError) naming the parameter
    ("paired_frame-column", _call(stats.paired_frame, pd.DataFrame({"a": [1]}), before="a",
                                  after="b"), KeyError, "after='b'"),
    ("happiness_change-column", _call(happiness.happiness_change, _scores(), person="pid"),
     KeyError, "person='pid'"),
    ("attrition-column", _call(happiness.attrition, _scores(), wave="round"), KeyError,
     "wave='round'"),
    ("finance_change-column", _call(finance.finance_change, _finance(), wave="round"),
     KeyError, "wave='round'"),
    ("household_finance-column", _call(finance.household_finance, _finance(),
                                       household="hh"), KeyError, "household='hh'"),
    ("deflate-columns", _call(cpi.deflate, _finance(), cpi={2024: 1.0}, base_year=2024,
                              year=2024, columns=["wage"]), KeyError, "columns='wage'"),
    ("deflate-date", _call(cpi.deflate, _finance(), cpi={2024: 1.0}, base_year=2024),
     KeyError, "date='date'"),
    ("ledger_monthly-column", _call(ledger.ledger_monthly, pd.DataFrame(
        {"household_id": ["H1"], "date": pd.to_datetime(["2024-01-01"]), "kind": ["income"]})),
     KeyError, "amount='amount'"),
    ("savings_summary-column", _call(savings.savings_summary, pd.DataFrame(
        {"group_id": ["G"], "date": pd.to_datetime(["2024-01-01"])})), KeyError,
     "member='member_id'"),
    ("rm_anova-column", _call(repeated.rm_anova, _long(), dv="y", within="w", subject="s"),
     KeyError, "subject='s'"),
    ("did-column", _call(did, _long(), outcome="y", unit="p", time="w", group="g",
                         cluster="c"), KeyError, "group='g'"),
    ("extract_quantities-column", _call(text.extract_quantities, pd.DataFrame({"x": ["1"]}),
                                        column="body"), KeyError, "column='body'"),
    ("redact_frame-column", _call(privacy.redact_frame, pd.DataFrame({"x": ["a"]}),
                                  columns=["body"]), KeyError, "columns='body'"),
    ("suppress_small_cells-column", _call(disclosure.suppress_small_cells,
                                          pd.DataFrame({"x": [1]}), n="count"),
     KeyError, "n='count'"),
    ("prepare_lessons-column", _call(lessons.prepare_lessons, pd.DataFrame(
        {"village_id": ["V1"], "section": ["s"]})), KeyError, "text='text'"),
    ("score_instrument-column", _call(score_instrument, _long(), "tmhi15", person="p",
                                      wave="w", item="i", value="y"), KeyError, "item='i'"),
    ("ladder_table-column", _call(ladder.ladder_table, pd.DataFrame({"x": [1]})), KeyError,
     "evaluation_frame"),
    ("tracking_table-column", _call(ladder_export.tracking_table, pd.DataFrame({"x": [1]})),
     KeyError, "frame"),
    ("select_model_households-column", _call(households.select_model_households,
                                             pd.DataFrame({"household_id": ["H1"]})),
     KeyError, "levels="),
]


@pytest.mark.parametrize("call, builtin, names", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_user_errors_are_evaluation_errors_naming_the_parameter(call, builtin, names):
    with pytest.raises(EvaluationError) as err:
        call()
    assert isinstance(err.value, builtin), type(err.value).__mro__
    assert names in str(err.value), str(err.value)
    if builtin is KeyError:
        assert isinstance(err.value, ColumnError)
        assert not str(err.value).startswith(("'", '"'))  # not quoted like a bare KeyError


@pytest.mark.parametrize("func, value", [(thai.parse_number, "abc"), (thai.parse_money, "x"),
                                         (thai.parse_int, "1.5"), (thai.parse_date, "31/2/2566"),
                                         (thai.parse_wave, "later"), (thai.parse_sex, "นาย")])
def test_unreadable_values_raise_parse_error(func, value):
    with pytest.raises(ParseError, match="expected|does not exist|not a sex label") as err:
        func(value)
    assert isinstance(err.value, ValueError)


def test_table_column_error_keeps_the_problems_table():
    with pytest.raises(DataValidationError) as err:
        finance.finance_change(_finance(), household="hh")
    assert isinstance(err.value, ColumnError)
    problems = err.value.problems
    assert problems[["sheet", "column", "problem_code"]].values.tolist() == [
        ["finance", "hh", "missing_column"]]


def test_require_columns_names_lists_and_skips_none():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ColumnError, match=r"\['b', 'c'\] \(by='b', by='c'\)"):
        require_columns(frame, {"x": "a", "by": ["b", "c"], "skip": None}, what="t")
    with pytest.raises(ColumnError, match=r"lacks column\(s\) \['z'\]; .*\. Use f\(\)\.$"):
        require_columns(frame, "z", hint="Use f().")
