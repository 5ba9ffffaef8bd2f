"""`evaluation synth --villages N --part-size K`: a large program written part by part."""

from __future__ import annotations

import hashlib

import pytest

import evaluation as ev
from evaluation.errors import EvaluationError
from evaluation.store import ingest, open_store
from evaluation.synth import write_program


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_parts_make_one_program_with_unique_ids(tmp_path):
    out = write_program(tmp_path / "big", villages=35, households=4, seed=3, part_size=20)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["part-00001", "part-00002"]
    first = ev.load_project(out / "part-00001")
    second = ev.load_project(out / "part-00002")
    assert first.villages["village_id"].tolist() == [f"V{i:02d}" for i in range(1, 21)]
    assert second.villages["village_id"].tolist() == [f"V{i:02d}" for i in range(21, 36)]
    assert first.projects["project_id"].tolist() == ["P01", "P02"]
    assert second.projects["project_id"].tolist() == ["P03", "P04"]
    result = ingest(out, tmp_path / "store", parts=True)   # no id repeated across parts
    assert result.rows["villages"] == 35 and result.rows["participants"] == 35 * 4
    store = open_store(tmp_path / "store")
    assert store.village("V27").participants["person_id"].str.startswith("V27-").all()
    # same arguments, same files
    again = write_program(tmp_path / "again", villages=35, households=4, seed=3, part_size=20)
    assert _digest(out) == _digest(again)


@pytest.mark.parametrize("kwargs, message", [
    ({"villages": 30, "part_size": 15}, "multiple of 10"),
    ({"villages": None, "part_size": 10}, "needs villages"),
    ({"villages": 30, "part_size": 5}, "part_size must be an integer"),
])
def test_part_size_errors(tmp_path, kwargs, message):
    with pytest.raises(EvaluationError, match=message):
        write_program(tmp_path / "x", households=2, **kwargs)


def test_large_flat_program_is_written_in_blocks_equal_to_the_parts(tmp_path, monkeypatch):
    """A flat CSV program beyond FLAT_CHUNK villages is the part folders put together."""
    import pandas as pd

    from evaluation import synth

    monkeypatch.setattr(synth, "FLAT_CHUNK", 20)
    monkeypatch.setattr(synth, "FLAT_BLOCK", 10)
    flat = synth.write_program(tmp_path / "flat", villages=25, households=2, seed=3)
    parts = synth.write_program(tmp_path / "parts", villages=25, households=2, seed=3,
                                part_size=10)
    for name in ("villages", "participants", "happiness", "ledger"):
        got = pd.read_csv(flat / f"{name}.csv", dtype=str, keep_default_na=False)
        want = pd.concat([pd.read_csv(p / f"{name}.csv", dtype=str, keep_default_na=False)
                          for p in sorted(parts.glob("part-*"))], ignore_index=True)
        pd.testing.assert_frame_equal(got, want, obj=name)
    assert len(pd.read_csv(flat / "villages.csv")) == 25
    assert sorted(p.name for p in flat.glob("ladder_*.yaml")) == [
        "ladder_P01.yaml", "ladder_P02.yaml", "ladder_P03.yaml"]
    assert not [p for p in flat.iterdir() if p.is_dir()]
