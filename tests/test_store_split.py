"""Ingest of one large folder by village chunks (evaluation.store.split): the store and
the problems equal those of validating the whole folder at once."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataValidationError, EvaluationError
from evaluation.store import ingest
from evaluation.store import split as splitting

LARGE = ("participants", "happiness", "finance", "ledger", "savings", "lessons")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """40 villages × 5 households, messy values (Thai digits, BE dates)."""
    from evaluation.synth import write_program

    return write_program(tmp_path_factory.mktemp("syn") / "program", villages=40, households=5,
                         seed=7)


def _problems(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in ("village_id",) if c in frame.columns])
    frame = frame.astype(object).where(frame.notna(), None).astype(str)
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _tables(store) -> dict:
    out = {}
    for name in (*LARGE, "scores"):
        path = store / "tables" / name
        frame = pd.read_parquet(path) if path.exists() else pd.DataFrame()
        frame = frame.drop(columns=["_row"], errors="ignore").astype(str)
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    for name in ("projects", "villages"):
        frame = pd.read_parquet(store / "tables" / f"{name}.parquet").astype(str)
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def _assert_same_store(whole, chunked) -> None:
    a, b = _tables(whole), _tables(chunked)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    pd.testing.assert_frame_equal(_problems(pd.read_parquet(whole / "problems.parquet")),
                                  _problems(pd.read_parquet(chunked / "problems.parquet")))
    sa = pd.read_parquet(whole / "source_files.parquet").sort_values("path")
    sb = pd.read_parquet(chunked / "source_files.parquet").sort_values("path")
    for column in sa.columns:
        left = [sorted(v) if column.endswith("_ids") else v for v in sa[column]]
        right = [sorted(v) if column.endswith("_ids") else v for v in sb[column]]
        assert left == right, column


@pytest.mark.parametrize("folder, chunk", [("sample", 2), ("synthetic", 7)])
def test_chunked_ingest_equals_whole_folder_ingest(folder, chunk, sample_dir, synthetic,
                                                   tmp_path):
    data = sample_dir if folder == "sample" else synthetic
    whole = ingest(data, tmp_path / "whole", chunk_villages=10**6)
    chunked = ingest(data, tmp_path / "chunked", chunk_villages=chunk)
    assert whole.parts_read == 1
    n_villages = len(ev.load_project(tmp_path / "whole").villages)
    assert chunked.parts_read == -(-n_villages // chunk) > 1
    assert chunked.rows == whole.rows and chunked.n_warnings == whole.n_warnings
    _assert_same_store(tmp_path / "whole", tmp_path / "chunked")
    assert not (tmp_path / "chunked" / ".split").exists()      # temporary chunks removed
    # a village read from the chunked store equals the one of the folder
    v = ev.load_project(tmp_path / "chunked", villages=["V03"])
    w = ev.load_project(data, villages=["V03"])
    for name in ("participants", "happiness", "ledger"):
        pd.testing.assert_frame_equal(getattr(v, name).reset_index(drop=True),
                                      getattr(w, name).reset_index(drop=True), obj=name)


def _append(path, rows: list[dict]) -> list[int]:
    """Append rows (by column name) to a CSV; return their line numbers (header = 1)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        records = list(csv.reader(fh))
    header = records[0]
    with open(path, "a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        for row in rows:
            w.writerow([row.get(h, "") for h in header])
    return [len(records) + 1 + i for i in range(len(rows))]


@pytest.fixture()
def broken(synthetic, tmp_path):
    """The synthetic program with errors that cross chunks, each at a known line."""
    data = tmp_path / "broken"
    shutil.copytree(synthetic, data)
    people = pd.read_csv(data / "participants.csv", dtype=str, keep_default_na=False)
    first, last = people.iloc[0].to_dict(), people.iloc[-1].to_dict()
    hap = pd.read_csv(data / "happiness.csv", dtype=str, keep_default_na=False)
    lines = {}
    # the first village's person again in the last village (another chunk): duplicate
    lines["dup"] = _append(data / "participants.csv",
                           [{**first, "village_id": last["village_id"],
                             "household_id": last["household_id"]}])[0]
    lines["orphan_person"] = _append(data / "participants.csv",
                                     [{**first, "person_id": "X-1", "village_id": "V999"}])[0]
    row = hap.iloc[-1].to_dict()
    lines["unknown_person"], lines["bad_value"], lines["unknown_inst"] = _append(
        data / "happiness.csv",
        [{**row, "person_id": "NOBODY"}, {**row, "value": "มาก", "wave": "during"},
         {**row, "instrument": "zzz", "item": "q1"}])
    lines["totals"] = _append(data / "ledger.csv", [{"household_id": "รวม"}])[0]
    return data, lines


def test_chunked_ingest_reports_the_errors_of_the_whole_folder(broken, tmp_path):
    data, lines = broken
    with pytest.raises(DataValidationError) as whole:
        ingest(data, tmp_path / "whole", chunk_villages=10**6)
    with pytest.raises(DataValidationError) as chunked:
        ingest(data, tmp_path / "chunked", chunk_villages=7)
    pd.testing.assert_frame_equal(_problems(whole.value.problems),
                                  _problems(chunked.value.problems))
    assert not (tmp_path / "chunked").exists() or not any(
        p.name != ".split" for p in (tmp_path / "chunked").iterdir() if p.name != ".staging")
    found = chunked.value.problems
    at = {int(r) for r in found["row"].dropna()}
    # rows are the lines of the original files (appended rows: the file's last lines)
    for name in ("dup", "orphan_person", "unknown_person", "bad_value", "unknown_inst",
                 "totals"):
        assert lines[name] in at, name
    dup = found[found["problem"].str.startswith("duplicate participants")]
    assert dup["row"].tolist() == [lines["dup"]]
    assert dup["problem"].iloc[0].endswith("first given at participants.csv row 2")


def test_chunk_rows_map_back_through_messages():
    split = splitting.Split(root=None, chunks=[])
    split.files["ledger.csv"] = splitting.SplitFile(
        rel="ledger.csv", base=2, index={0: pd.Series([0, 5, 9]).to_numpy()})
    frame = pd.DataFrame({"file": ["ledger.csv", "ledger.csv", "other.csv"],
                          "row": pd.array([3, 4, 3], dtype="Int64"),
                          "problem": ["identical to row 2 of the same file",
                                      "identical to ledger.csv row 3: copy",
                                      "first given at ledger.csv row 4"]})
    got = splitting.map_problems(split, 0, frame)
    # chunk row 2 + k is the k-th routed record: original row 2 + index[k]
    assert got["row"].tolist() == [7, 11, 3]
    assert got["problem"].tolist() == ["identical to row 2 of the same file",
                                       "identical to ledger.csv row 7: copy",
                                       "first given at ledger.csv row 11"]


def test_small_or_unsplittable_folders_are_read_whole(sample_dir, tmp_path):
    assert splitting.split_folder(sample_dir, tmp_path / "s", villages_per_chunk=7) is None
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(sample_dir / "informal-workers" / "projects.csv", book / "projects.csv")
    (book / "happiness.xlsx").write_bytes(b"")
    assert not splitting.splittable(book)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_chunk_villages_must_be_a_positive_whole_number(bad, sample_dir, tmp_path):
    with pytest.raises(EvaluationError, match="chunk_villages"):
        ingest(sample_dir, tmp_path / "s", chunk_villages=bad)


def test_chunked_reingest_of_unchanged_folder_reads_nothing(synthetic, tmp_path):
    ingest(synthetic, tmp_path / "s", chunk_villages=10)
    again = ingest(synthetic, tmp_path / "s", chunk_villages=10)
    assert again.unchanged


def test_a_chunk_without_participants_is_not_an_error(synthetic, tmp_path):
    """Villages without anybody (a whole chunk of them): as valid as in the whole folder."""
    data = tmp_path / "empty"
    shutil.copytree(synthetic, data)
    villages = pd.read_csv(data / "villages.csv", dtype=str, keep_default_na=False)
    template = villages.iloc[0].to_dict()
    _append(data / "villages.csv", [{**template, "village_id": f"W{i:02d}"} for i in range(10)])
    ingest(data, tmp_path / "whole", chunk_villages=10**6)
    chunked = ingest(data, tmp_path / "chunked", chunk_villages=10)
    assert chunked.parts_read == 4          # the chunk of nobody joins the one before
    _assert_same_store(tmp_path / "whole", tmp_path / "chunked")


@pytest.mark.parametrize("damage", ["cp874", "no_key"])
def test_a_table_that_cannot_be_split_reads_the_folder_whole(damage, synthetic, tmp_path):
    """A CSV in the Thai Windows encoding, or without its routing column: validated whole,
    so the store and the problems are exactly the loader's."""
    data = tmp_path / "odd"
    shutil.copytree(synthetic, data)
    path = data / "savings.csv"
    text = path.read_text(encoding="utf-8")
    if damage == "cp874":
        path.write_bytes(text.replace("\n", " สมาชิก\n", 1).encode("cp874"))
    else:
        path.write_text(text.replace("member_id", "member", 1), encoding="utf-8")
    assert splitting.split_folder(data, tmp_path / "s", villages_per_chunk=7) is None
    try:
        whole = ingest(data, tmp_path / "whole", chunk_villages=10**6).rows
    except DataValidationError as exc:
        whole = exc.problems
    try:
        chunked = ingest(data, tmp_path / "chunked", chunk_villages=7).rows
    except DataValidationError as exc:
        chunked = exc.problems
    if isinstance(whole, dict):
        assert whole == chunked
    else:
        pd.testing.assert_frame_equal(_problems(whole), _problems(chunked))


@pytest.mark.parametrize("villages", [["V03"], ["V01", "V17", "V40"]])
def test_a_flat_stores_view_lists_the_folders_files_and_only_its_own_villages(
        villages, synthetic, tmp_path):
    # each file of a flat folder holds every village; a view must not carry those
    # whole lists (at 75,000 villages they were most of a village's load)
    from evaluation.source_use import files_for

    ingest(synthetic, tmp_path / "store", chunk_villages=7)
    view = ev.load_project(tmp_path / "store", villages=villages)
    folder = ev.load_project(synthetic, villages=villages)
    pd.testing.assert_frame_equal(files_for(view), files_for(folder))
    assert len(files_for(view)) > 1
    for ids in view.source_files["village_ids"]:
        assert set(ids) <= set(villages)
    assert {v for ids in view.source_files["village_ids"] for v in ids} == set(villages)
    # the folder's view keeps the files' whole lists, so the two differ in ids only
    assert max(len(ids) for ids in folder.source_files["village_ids"]) == 40
