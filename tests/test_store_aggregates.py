"""National aggregates over a store (DuckDB) = the in-memory functions on the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.arms import comparison_mask
from evaluation.store import aggregates as ag


@pytest.fixture(scope="module")
def program(sample_project):
    """Reference frames: the in-memory program without its comparison villages."""
    villages = sample_project.villages
    keep = villages.loc[~comparison_mask(villages), ["village_id", "project_id"]]
    return sample_project, keep


COMPARED = ["n_pairs", "mean_before", "mean_after", "mean_diff", "median_diff", "sd_diff",
            "se_diff", "ci_low", "ci_high", "t", "df", "p_t", "n_improved", "n_same", "n_worse"]


def _compare(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str], columns) -> None:
    got = got.sort_values(keys).reset_index(drop=True)
    expected = expected.sort_values(keys).reset_index(drop=True)
    assert got[keys].astype(str).equals(expected[keys].astype(str))
    for col in columns:
        np.testing.assert_allclose(got[col].to_numpy(dtype=float),
                                   expected[col].to_numpy(dtype=float), rtol=1e-10,
                                   equal_nan=True, err_msg=col)


@pytest.mark.parametrize("by", ["village_id", "project_id"])
def test_happiness_change_table_equals_happiness_change(store, program, by):
    from evaluation.store.ingest import happiness_scores

    project, keep = program
    sc = happiness_scores(project).merge(
        project.participants[["person_id", "village_id"]].drop_duplicates("person_id"),
        on="person_id").merge(keep, on="village_id")       # program villages only
    expected = ev.happiness_change(sc, by=by, contrasts=[("pre", "post")])
    expected = expected[expected["n_pairs"] > 0]
    got = ag.happiness_change_table(store, by=by)
    _compare(got, expected, ["instrument", by], [*COMPARED, "share_improved"])
    assert len(got) == (10 if by == "village_id" else 4)   # × 2 instruments (happy10, tmhi15)


@pytest.mark.parametrize("by", ["village_id", "project_id"])
def test_finance_change_table_equals_finance_change(store, program, by):
    project, keep = program
    households = project.participants.drop_duplicates("household_id")[["household_id",
                                                                       "village_id"]]
    fin = project.finance.merge(households, on="household_id").merge(keep, on="village_id")
    expected = ev.finance_change(fin, by=by)
    got = ag.finance_change_table(store, by=by)
    _compare(got, expected, [by, "measure"], COMPARED)
    assert list(got["measure"].iloc[:8]) == list(expected["measure"].iloc[:8])


def test_ladder_counts_equal_evaluate_ladder(store, sample_project):
    frame = ev.evaluate_ladder(sample_project, on_error="warn")
    frame = frame[frame["level"] == "village"]
    expected = frame.groupby("village_id")["status"].value_counts().unstack(fill_value=0)
    got = ag.ladder_status_counts(store).set_index("village_id")
    for status in ("achieved", "partial", "not_achieved", "no_data"):
        want = expected[status] if status in expected.columns else 0 * expected.iloc[:, 0]
        assert got[status].reindex(want.index).tolist() == want.tolist(), status
    assert (got["total"] == got[["achieved", "partial", "not_achieved", "no_data"]]
            .sum(axis=1)).all()


def test_headline_table_equals_headline_figures(store, sample_project):
    table = ag.headline_table(store).set_index("village_id")
    assert table.index.tolist() == sample_project.village_ids
    for vid in sample_project.village_ids:
        ref = ev.headline_figures(sample_project.village(vid))
        row = table.loc[vid]
        for key, value in ref.items():
            if key in ("village_id", "happiness_p_wilcoxon"):
                continue
            if isinstance(value, float):
                assert row[key] == pytest.approx(value, rel=1e-10), (vid, key)
            else:
                assert row[key] == value, (vid, key)


@pytest.mark.parametrize("call, message", [
    (lambda s: ag.happiness_change_table(s, by="district"), "by must be one of"),
    (lambda s: ag.finance_change_table(s, measures=["wealth"]), "unknown measure"),
    (lambda s: ag.happiness_change_table(s.parent), "not a store"),
])
def test_aggregate_errors(store, call, message):
    with pytest.raises(ev.EvaluationError, match=message):
        call(store)


def test_national_command_writes_the_tables(store, tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["national", str(store), "--out", str(tmp_path / "n")])
    assert res.exit_code == 0, res.output
    head = pd.read_csv(tmp_path / "n" / "headline_by_village.csv", encoding="utf-8-sig")
    expected = ag.headline_table(store)
    assert head["village_id"].tolist() == expected["village_id"].tolist()
    np.testing.assert_allclose(head["happiness_mean_change"],
                               expected["happiness_mean_change"].astype(float), rtol=1e-12)
    assert {p.name for p in (tmp_path / "n").iterdir()} == {
        f"{n}.csv" for n in ("headline_by_village", "happiness_by_village", "finance_by_village",
                             "happiness_by_project", "finance_by_project", "ladder_by_village")}
    bad = runner.invoke(app, ["national", str(tmp_path), "--out", str(tmp_path / "m")])
    assert bad.exit_code == 2 and "not a store" in bad.output
    limit = runner.invoke(app, ["national", str(store), "--memory-limit", "lots"])
    assert limit.exit_code == 2 and "error" in limit.output
