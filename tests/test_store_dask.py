"""National tables with Dask DataFrame (evaluation.store.dask_aggregates) = the DuckDB
tables and the in-memory functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.arms import comparison_mask
from evaluation.errors import EvaluationError
from evaluation.store import aggregates as ag
from evaluation.store import dask_aggregates as dag
from evaluation.store import ingest

COMPARED = ["n_pairs", "mean_before", "mean_after", "mean_diff", "median_diff", "sd_diff",
            "se_diff", "ci_low", "ci_high", "t", "df", "p_t", "n_improved", "n_same", "n_worse"]


def _same(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    assert list(got.columns) == list(expected.columns)
    assert got[keys].astype(str).reset_index(drop=True).equals(
        expected[keys].astype(str).reset_index(drop=True))      # same rows, same order
    for col in COMPARED:
        np.testing.assert_allclose(got[col].to_numpy(dtype=float),
                                   expected[col].to_numpy(dtype=float), rtol=1e-10,
                                   equal_nan=True, err_msg=col)


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory):
    """30 villages × 4 households (three projects; comparison villages included)."""
    from evaluation.synth import write_program

    root = tmp_path_factory.mktemp("dask")
    data = write_program(root / "data", villages=30, households=4, seed=11)
    ingest(data, root / "store")
    return root / "store"


@pytest.mark.parametrize("by", ["village_id", "project_id"])
@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_dask_tables_equal_duckdb_tables(which, by, store, synthetic_store):
    path = store if which == "sample" else synthetic_store
    _same(dag.happiness_change_table(path, by=by, villages_per_partition=3),
          ag.happiness_change_table(path, by=by), ["instrument", by])
    _same(dag.finance_change_table(path, by=by, villages_per_partition=3),
          ag.finance_change_table(path, by=by), [by, "measure"])


def test_dask_happiness_equals_the_in_memory_function(store, sample_project):
    from evaluation.store.ingest import happiness_scores

    villages = sample_project.villages
    keep = villages.loc[~comparison_mask(villages), ["village_id", "project_id"]]
    sc = happiness_scores(sample_project).merge(
        sample_project.participants[["person_id", "village_id"]].drop_duplicates("person_id"),
        on="person_id").merge(keep, on="village_id")
    expected = ev.happiness_change(sc, by="village_id", contrasts=[("pre", "post")])
    expected = expected[expected["n_pairs"] > 0].sort_values(["instrument", "village_id"])
    got = dag.happiness_change_table(store, by="village_id")
    _same(got[expected.columns.intersection(got.columns)],
          expected[expected.columns.intersection(got.columns)], ["instrument", "village_id"])


def test_dask_tables_on_a_local_cluster(synthetic_store):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got = dag.finance_change_table(synthetic_store, by="project_id", measures=["income"],
                                       scheduler=client)
        by_address = dag.happiness_change_table(synthetic_store, by="project_id",
                                                scheduler=cluster.scheduler_address)
    _same(got, ag.finance_change_table(synthetic_store, by="project_id", measures=["income"]),
          ["project_id", "measure"])
    _same(by_address, ag.happiness_change_table(synthetic_store, by="project_id"),
          ["instrument", "project_id"])


@pytest.mark.parametrize("kwargs, match", [({"by": "province"}, "by must be one of"),
                                           ({"measures": ["wealth"]}, "unknown measure")])
def test_dask_tables_reject_bad_arguments(store, kwargs, match):
    with pytest.raises(EvaluationError, match=match):
        dag.finance_change_table(store, **kwargs)


def test_national_command_with_a_scheduler_writes_the_same_tables(synthetic_store, tmp_path):
    distributed = pytest.importorskip("distributed")
    from typer.testing import CliRunner

    from evaluation.cli import app

    runner = CliRunner()
    plain = runner.invoke(app, ["national", str(synthetic_store), "--out", str(tmp_path / "a")])
    assert plain.exit_code == 0, plain.output
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        on_cluster = runner.invoke(app, ["national", str(synthetic_store), "--out",
                                         str(tmp_path / "b"), "--scheduler",
                                         cluster.scheduler_address])
    assert on_cluster.exit_code == 0, on_cluster.output
    for name in ("happiness_by_village", "happiness_by_project", "finance_by_village",
                 "finance_by_project", "headline_by_village"):
        a = pd.read_csv(tmp_path / "a" / f"{name}.csv")
        b = pd.read_csv(tmp_path / "b" / f"{name}.csv")
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-10, obj=name)
