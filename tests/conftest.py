"""Shared fixtures: the sample program, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """Path of the committed sample program."""
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_project():
    """The sample program, loaded and validated (shared: do not mutate)."""
    import evaluation as ev

    return ev.load_project(SAMPLE_DIR)


@pytest.fixture()
def rng():
    import numpy as np

    return np.random.default_rng(2566)


@pytest.fixture(scope="session")
def rendered_village(tmp_path_factory) -> Path:
    """The sample's village V01 rendered once per test process (PNG charts only):
    the report folder (``report.html``, ``tables.xlsx``, ...). Do not modify it."""
    import evaluation as ev

    out = tmp_path_factory.mktemp("rendered")
    html = ev.render_village_report(SAMPLE_DIR, "V01", out, chart_formats="png")
    return Path(html).parent


@pytest.fixture(scope="module")
def store(tmp_path_factory, sample_dir):
    """The sample ingested into a partitioned store (one per test module: some
    modules re-ingest into it)."""
    from evaluation.store import ingest

    path = tmp_path_factory.mktemp("store") / "sample"
    ingest(sample_dir, path)
    return path
