"""The partitioned store (evaluation.store): ingest, lazy and village-restricted loads."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import DataValidationError, EvaluationError
from evaluation.store import StoreProject, ingest, is_store, open_store
from evaluation.store import layout

TABLES = ev.Project.TABLE_NAMES


def _same(left: pd.DataFrame, right: pd.DataFrame, name: str) -> None:
    key = [c for c in left.columns if c in ("village_id", "person_id", "household_id", "wave",
                                             "item", "date", "section", "project_id")]
    left = left.sort_values(key, kind="stable").reset_index(drop=True) if key else left
    right = right.sort_values(key, kind="stable").reset_index(drop=True) if key else right
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                  obj=name)


def test_store_tables_equal_the_folder_tables(store, sample_project):
    opened = ev.load_project(store)
    assert isinstance(opened, StoreProject)
    assert opened._loaded == {}            # nothing large read before it is used
    for name in TABLES:
        _same(getattr(sample_project, name), getattr(opened, name), name)
    assert opened.village_ids == sample_project.village_ids
    assert opened.comparison_ids == sample_project.comparison_ids
    assert sorted(opened.ladders) == sorted(sample_project.ladders)
    assert sorted(opened.value_maps) == sorted(sample_project.value_maps)
    for pid, ladder in sample_project.ladders.items():
        pd.testing.assert_frame_equal(opened.ladders[pid].to_frame(), ladder.to_frame())


def test_store_keeps_every_warning(store, sample_project):
    expected = layout_problems(sample_project.problems)
    got = open_store(store).problems
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    assert len(got) == 5      # the sample's five warnings (evaluation check data/sample)


def layout_problems(frame):
    from evaluation.store.ingest import problems_for_parquet

    return problems_for_parquet(frame)


@pytest.mark.parametrize("villages", [["V01"], ["C01"], ["V02", "V05"], ["V04", "V01", "C02"]])
def test_village_restricted_load_equals_the_filtered_tables(store, sample_project, villages):
    from evaluation.ladder import restrict_project

    expected = restrict_project(sample_project, villages)
    got = ev.load_project(store, villages=villages)
    assert type(got) is ev.Project
    for name in TABLES:
        _same(getattr(expected, name), getattr(got, name), name)
    assert set(got.ladders) == set(got.projects["project_id"])
    from_folder = ev.load_project(sample_project.root, villages=villages)
    for name in TABLES:
        _same(getattr(expected, name), getattr(from_folder, name), name)


@pytest.mark.parametrize("village", ["V01", "V03", "V05", "C02"])
def test_store_village_equals_project_village(store, sample_project, village):
    expected = sample_project.village(village)
    got = open_store(store).village(village)
    for name in [*TABLES, "problems"]:
        left = getattr(expected, name)
        if name == "problems":
            left = layout_problems(left)
        pd.testing.assert_frame_equal(left.reset_index(drop=True),
                                      getattr(got, name).reset_index(drop=True), obj=name)
    assert sorted(got.ladders) == sorted(expected.ladders)


def test_village_load_reads_only_its_files(store, monkeypatch):
    import pyarrow.parquet as pq

    read = []
    original = pq.read_table
    monkeypatch.setattr(pq, "read_table", lambda path, *a, **k: (read.append(str(path)),
                                                                 original(path, *a, **k))[1])
    open_store(store, villages=["V02"])
    data_files = [p for p in read if "/tables/" in p and not p.endswith(
        ("projects.parquet", "villages.parquet"))]
    assert data_files and all("/village=V02/" in p for p in data_files)


def test_project_reads_only_its_villages(store, sample_project):
    got = open_store(store).project("P02")
    expected = sample_project.project("P02")
    for name in TABLES:
        _same(getattr(expected, name), getattr(got, name), name)


def test_village_report_headline_from_store_equals_folder(store, sample_project):
    from evaluation.results import headline_figures

    assert headline_figures(open_store(store).village("V01")) == \
        headline_figures(sample_project.village("V01"))


def test_reingest_rewrites_only_what_changed(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    store = tmp_path / "store"
    first = ingest(data, store)
    assert first.written == 43 and first.kept == 0    # 7 tables × their villages (sample)
    again = ingest(data, store)
    assert again.unchanged and again.written == 0
    # change one happiness answer of V02: only V02's happiness file is rewritten
    path = data / "informal-workers" / "happiness.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    i = next(n for n, line in enumerate(lines) if line.startswith("V02-"))
    cells = lines[i].rstrip("\n").split(",")
    col = header.index("value")
    cells[col] = "1" if cells[col] != "1" else "2"
    lines[i] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    third = ingest(data, store)
    assert (third.written, third.kept, third.removed) == (2, 41, 0)   # answers + scores
    pd.testing.assert_frame_equal(
        ev.load_project(store, villages=["V02"]).happiness.reset_index(drop=True),
        ev.load_project(data, villages=["V02"]).happiness.reset_index(drop=True))


def test_invalid_data_writes_nothing_and_lists_the_loaders_problems(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    path = data / "informal-workers" / "participants.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("V01-001,V01-H001,V01,", "V01-001,V01-H001,V99,", 1),
                    encoding="utf-8")
    with pytest.raises(DataValidationError) as loaded:
        ev.load_project(data)
    with pytest.raises(DataValidationError) as ingested:
        ingest(data, tmp_path / "store")
    pd.testing.assert_frame_equal(ingested.value.problems, loaded.value.problems)
    assert "unknown village_id" in " ".join(ingested.value.problems["problem"])
    assert not is_store(tmp_path / "store")


def test_ingest_cli_lists_problems_like_check(tmp_path, sample_dir):
    from typer.testing import CliRunner

    from evaluation.cli import app

    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    path = data / "informal-workers" / "finance.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[3] = "abc"            # income: not a number
    lines[1] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    runner = CliRunner()
    check = runner.invoke(app, ["check", str(data)])
    res = runner.invoke(app, ["ingest", str(data), "--store", str(tmp_path / "s")])
    assert check.exit_code == res.exit_code == 2
    table = check.output.split("\n")[:-3]
    assert "abc" in check.output and all(line in res.output for line in table if line)
    ok = runner.invoke(app, ["ingest", str(sample_dir), "--store", str(tmp_path / "ok")])
    assert ok.exit_code == 0 and "5 warnings" in ok.output


@pytest.mark.parametrize("bad, message", [
    ("not_a_store", "not a store"),
    ("wrong_format", "store format"),
])
def test_open_store_errors(tmp_path, store, bad, message):
    target = tmp_path / bad
    if bad == "wrong_format":
        shutil.copytree(store, target)
        manifest = layout.read_manifest(target)
        manifest["format"] = 99
        layout.write_manifest(target, manifest)
    else:
        target.mkdir()
    with pytest.raises(EvaluationError, match=message):
        open_store(target)


@pytest.mark.parametrize("villages", [["V77"], ["V01", "nope"]])
def test_unknown_village_is_named(store, sample_dir, villages):
    for source in (store, sample_dir):
        with pytest.raises(EvaluationError, match="unknown village_id"):
            ev.load_project(source, villages=villages)


def test_ingest_refuses_a_folder_that_is_not_a_store(tmp_path, sample_dir):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(EvaluationError, match="non-empty folder"):
        ingest(sample_dir, tmp_path / "x")
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


# -- parts: one sub-folder validated at a time ------------------------------------------

@pytest.fixture(scope="module")
def parted(tmp_path_factory, sample_dir):
    """The sample's two project folders ingested as parts."""
    path = tmp_path_factory.mktemp("parted") / "store"
    result = ingest(sample_dir, path, parts=True)
    return path, result


def test_parts_store_equals_the_whole_folder(parted, sample_project):
    path, result = parted
    assert (result.parts_read, result.parts_kept) == (2, 0)
    opened = open_store(path)
    for name in TABLES:
        _same(getattr(sample_project, name), getattr(opened, name), name)
    # the same warnings, with the same paths (relative to the data folder)
    expected = layout_problems(sample_project.problems)
    key = ["file", "row", "column"]
    pd.testing.assert_frame_equal(
        opened.problems.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True))
    assert sorted(opened.ladders) == ["P01", "P02"] and sorted(opened.value_maps) == ["P01"]


def test_parts_reingest_reads_only_the_changed_part(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    store = tmp_path / "store"
    ingest(data, store, parts=True)
    assert ingest(data, store, parts=True).unchanged
    path = data / "community-enterprise" / "หมู่บ้าน.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("บ้านโคกสะอาด", "บ้านโคกสว่าง"),
                    encoding="utf-8")
    again = ingest(data, store, parts=True)
    assert (again.parts_read, again.parts_kept) == (1, 1)
    names = open_store(store).villages.set_index("village_id")["name"]
    assert names["V04"].startswith("บ้านโคกสว่าง")


def test_parts_with_the_same_ids_are_errors_and_the_store_is_kept(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    store = tmp_path / "store"
    ingest(data, store, parts=True)
    before = layout.read_manifest(store)
    shutil.copytree(data / "informal-workers", data / "informal-workers-copy")
    with pytest.raises(DataValidationError) as info:
        ingest(data, store, parts=True)
    problems = info.value.problems
    # every repeated id of the copy, named with the part it first appeared in
    sample = ev.load_project(sample_dir / "informal-workers")
    assert set(problems["column"]) == {"project_id", "village_id", "person_id", "household_id"}
    assert (problems["column"] == "person_id").sum() == len(sample.participants)
    assert (problems["file"] == "informal-workers-copy").all()
    assert problems["problem"].str.contains("also in part informal-workers").all()
    assert layout.read_manifest(store) == before and not (store / ".staging").exists()


def test_parts_errors_of_every_part_are_listed(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    for folder, name in (("informal-workers", "participants.csv"),
                         ("community-enterprise", "ผู้เข้าร่วม.csv")):
        path = data / folder / name
        text = path.read_text(encoding="utf-8-sig")
        path.write_text(text.replace(",V0", ",X9", 1), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        ingest(data, tmp_path / "store", parts=True)
    files = set(info.value.problems["file"])
    assert any(f.startswith("informal-workers/") for f in files)
    assert any(f.startswith("community-enterprise/") for f in files)
    assert not is_store(tmp_path / "store")


def test_parts_refuse_stray_files(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    (data / "villages.csv").write_text("village_id\nV09\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="belongs in a part folder"):
        ingest(data, tmp_path / "store", parts=True)


@pytest.mark.parametrize("village", ["V01", "V04", "C01"])
def test_village_view_files_are_the_folders(store, sample_project, village):
    from evaluation.source_use import files_for

    expected = files_for(sample_project.village(village))
    got = files_for(open_store(store).village(village))
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


def test_opening_a_store_reads_no_ladder_or_problem(store):
    opened = open_store(store)
    assert opened._loaded == {}
    assert sorted(opened.village("V04").ladders) == ["P02"]
    assert opened._loaded == {}       # a village view reads its own project's ladder only


def test_a_copy_with_other_tables_leaves_the_store_project_alone(store, sample_project):
    import copy

    from evaluation.ladder import restrict_project

    opened = open_store(store)
    part = restrict_project(opened, ["V01"])          # copy.copy + setattr of every table
    assert set(part.participants["village_id"]) == {"V01"}
    assert len(opened.participants) == len(sample_project.participants)
    clone = copy.copy(opened)
    clone.happiness = clone.happiness.iloc[:0]
    assert len(opened.happiness) == len(sample_project.happiness)


def test_a_village_view_reads_its_own_village_row_only(store, sample_project):
    # the villages table grows with the program: a village's view filters it while
    # reading (the whole table is read only when asked for, or to name an unknown id)
    opened = open_store(store)
    view = opened.village("V04")
    assert "villages" not in opened._loaded
    _same(view.villages, sample_project.village("V04").villages, "villages")
    assert len(opened.villages) == len(sample_project.villages)   # whole, on first use
    assert "villages" in opened._loaded


def test_village_problems_when_no_problem_names_a_village(tmp_path, sample_dir):
    # a store whose problems all lack a village (an all-null, null-typed column) still
    # opens a village: every problem of no village belongs to every view
    import pyarrow as pa
    import pyarrow.parquet as pq

    from evaluation.store import ingest

    path = tmp_path / "s"
    ingest(sample_dir, path)
    table = pq.read_table(path / "problems.parquet")
    table = table.set_column(table.schema.get_field_index("village_id"), "village_id",
                             pa.nulls(len(table)))
    pq.write_table(table, path / "problems.parquet")
    assert len(open_store(path).village("V01").problems) == len(table)


def _restore_cases(store):
    """Frames as the reader gets them from Parquet, and harder ones."""
    import numpy as np
    import pyarrow.parquet as pq

    from evaluation.store.reader import _LAZY

    cases = []
    for name in _LAZY:
        for path in sorted((store / "tables" / name).rglob("part-0.parquet"))[:2]:
            frame = pq.read_table(path).to_pandas()
            cases.append((name, frame))
            if len(frame) > 1:
                # rows out of order, with ties: the stable sort decides
                shuffled = frame.iloc[::-1].copy()
                shuffled[layout.ORDER] = np.arange(len(frame)) // 2
                cases.append((name, shuffled))
                gaps = frame.copy()           # NaN in the order column: sorted the plain way
                gaps[layout.ORDER] = gaps[layout.ORDER].astype(float)
                gaps.loc[gaps.index[0], layout.ORDER] = np.nan
                cases.append((name, gaps))
            cases.append((name, frame.iloc[:0]))                        # empty
            cases.append((name, frame.drop(columns=layout.ORDER)))      # no order column
            fewer = frame.drop(columns=frame.columns[1]).assign(extra=1)  # missing and extra
            cases.append((name, fewer[[fewer.columns[-1], *fewer.columns[:-1]]]))
    dup = pd.DataFrame([[1, "a", 0]], columns=["person_id", "person_id", layout.ORDER])
    cases.append(("participants", dup))                                 # repeated names
    return cases


def test_restore_equals_the_step_by_step_restore(store):
    from evaluation.store.reader import _restore, _restore_plain

    def outcome(func, name, frame):
        try:
            return func(name, frame)
        except Exception as exc:      # noqa: BLE001 (the same error either way)
            return type(exc)

    for name, frame in _restore_cases(store):
        before = frame.copy()
        fast, plain = outcome(_restore, name, frame), outcome(_restore_plain, name, frame)
        if isinstance(plain, type):
            assert fast is plain, name
            continue
        pd.testing.assert_frame_equal(fast, plain, check_index_type=True,
                                      check_column_type=True, obj=name)
        assert list(fast.dtypes) == list(plain.dtypes)
        pd.testing.assert_frame_equal(frame, before)                    # input unchanged


def test_report_project_opens_a_store_once_per_manifest(store, monkeypatch):
    from evaluation.reporting import context
    from evaluation.store import reader

    opened = []
    real = reader.open_store
    monkeypatch.setattr("evaluation.store.open_store", lambda p, **k: opened.append(p) or
                        real(p, **k))
    context._STORE_CACHE.clear()
    first = context.report_project(store, village_id="V01")
    second = context.report_project(store, village_id="V01")
    assert len(opened) == 1 and first is not second
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    (store / layout.MANIFEST).touch()        # a changed manifest: opened again
    import os
    st = (store / layout.MANIFEST).stat()
    os.utime(store / layout.MANIFEST, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    context.report_project(store, village_id="V01")
    assert len(opened) == 2


def test_store_ladders_parsed_once_per_content_and_copied(tmp_path):
    from evaluation.ladder import read_ladder
    from evaluation.store import reader

    path = tmp_path / "ladder.yaml"
    path.write_text("project_id: P01\nsteps:\n  - step: 1\n    outcome: มีคณะทำงาน\n"
                    "    indicators:\n      - {id: team, label: คณะทำงาน, metric: "
                    "participants_count, params: {role: team}, target: 2}\n", encoding="utf-8")
    first, second = reader._read_ladder(path), reader._read_ladder(path)
    plain = read_ladder(path)
    for got in (first, second):
        assert vars(got).keys() == vars(plain).keys()
        pd.testing.assert_frame_equal(got.to_frame(), plain.to_frame())
        pd.testing.assert_frame_equal(got.warnings, plain.warnings)
        assert (got.project_id, got.title, got.source) == (plain.project_id, plain.title,
                                                           plain.source)
    first.steps[0].indicators[0].params["role"] = "changed"     # a view's own copy
    assert reader._read_ladder(path).steps[0].indicators[0].params["role"] == "team"
    path.write_text(path.read_text(encoding="utf-8").replace("target: 2", "target: 5"),
                    encoding="utf-8")                            # new content: parsed again
    assert reader._read_ladder(path).steps[0].indicators[0].target == 5
    path.write_text("project_id: P01\nsteps: []\n", encoding="utf-8")
    for _ in range(2):                                           # errors every time
        with pytest.raises(ev.LadderError):
            reader._read_ladder(path)
    with pytest.raises(EvaluationError):
        reader._read_ladder(tmp_path / "missing.yaml")
