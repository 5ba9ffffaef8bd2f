"""Reports and batches on a store: each reads only its village (or project)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import evaluation as ev
from evaluation.reporting.context import report_project

TABLES = ev.Project.TABLE_NAMES


def _equal(expected, got):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(expected, name).reset_index(drop=True),
                                      getattr(got, name).reset_index(drop=True), obj=name)


def test_village_scope_is_the_village_and_its_projects_comparison_villages(store,
                                                                            sample_project):
    from evaluation.ladder import restrict_project

    got = report_project(store, village_id="V02")
    assert got.villages["village_id"].tolist() == ["V02", "C01", "C02"]
    _equal(restrict_project(sample_project, ["C01", "C02", "V02"]), got)
    # a village of a project without comparison villages: that village alone
    assert report_project(store, village_id="V05").villages["village_id"].tolist() == ["V05"]


def test_project_scope_is_the_project(store, sample_project):
    _equal(sample_project.project("P01"), report_project(store, project_id="P01"))


def test_folder_scope_is_the_whole_program(sample_dir, sample_project):
    got = report_project(sample_dir, village_id="V01")
    assert len(got.villages) == len(sample_project.villages)


def test_unknown_village_in_store_scope(store):
    with pytest.raises(ev.EvaluationError, match="unknown village_id"):
        report_project(store, village_id="V99")


@pytest.mark.slow
def test_batch_on_store_gives_the_folders_headline(store, sample_project, tmp_path):
    from evaluation.rendering.batch import run_batch

    result = run_batch(store, tmp_path, workers=1, only=["V01"], chart_formats="png",
                       progress=False, privacy_scan=True)
    assert result.ok, result.summary()
    head = json.loads((tmp_path / "V01" / "headline.json").read_text(encoding="utf-8"))
    head = head["headline"]
    # reference: the same figures computed in memory from the data folder
    ref = ev.headline_figures(sample_project.village("V01"))
    assert head["participants"]["value"] == ref["n_participants"] == 36
    assert head["households"]["value"] == ref["n_households"]
    assert head["happiness_change"]["value"] == pytest.approx(ref["happiness_mean_change"])
    assert head["happiness_change"]["ci"] == pytest.approx([ref["happiness_ci_low"],
                                                            ref["happiness_ci_high"]])
    assert head["income_change"]["value"] == pytest.approx(ref["income_mean_change"])
    assert head["happiness_change"]["n"] == ref["happiness_n"]
    scan = json.loads((tmp_path / "privacy-scan.json").read_text(encoding="utf-8"))
    assert result.privacy_scan["n_findings"] == 0 and scan is not None


class _Planned(Exception):
    pass


@pytest.mark.parametrize("limit, has_all", [(7, True), (6, False)])
def test_whole_program_portfolio_is_left_out_of_a_large_store(store, tmp_path, monkeypatch,
                                                              limit, has_all):
    """Beyond ALL_PORTFOLIO_MAX_VILLAGES villages (the sample: 7) portfolio/all is not
    planned, with a warning; the project portfolios are."""
    from evaluation.rendering import batch

    planned = []

    def fake_run(pending, *args, **kwargs):
        planned.extend(t.name for t in pending)
        raise _Planned

    monkeypatch.setattr(batch, "ALL_PORTFOLIO_MAX_VILLAGES", limit)
    monkeypatch.setattr(batch, "run_processes", fake_run)
    with pytest.warns(UserWarning, match="evaluation national") if not has_all else \
            _no_warning():
        with pytest.raises(_Planned):
            batch.run_batch(store, tmp_path, workers=1, progress=False)
    assert ("portfolio/all" in planned) is has_all
    assert {"portfolio/P01", "portfolio/P02"} <= set(planned)


def _no_warning():
    import contextlib
    import warnings

    @contextlib.contextmanager
    def guard():
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*not rendered.*")
            yield
    return guard()
