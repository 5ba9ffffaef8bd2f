"""Tests of evaluation.rendering.index (the index page from its Jinja template) and of
the failure record carried from the engine to the index."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import evaluation as ev
from evaluation.rendering.index import index_rows, render_index, write_index
from evaluation.rendering.notebook import ReportFailure, describe_error


@pytest.fixture(scope="module")
def project(sample_dir):
    return ev.load_project(sample_dir)


def _manifest(failure: ReportFailure) -> dict:
    headline = {"participants": {"label": "ผู้เข้าร่วม", "value": 40.0, "display": "40 คน",
                                 "n": None, "ci": None},
                "status": {"label": "สถานะ", "value": "on_track", "display": "ตามเป้าหมาย",
                           "n": None, "ci": None}}
    return {"reports": {
        "V01": {"kind": "village", "id": "V01", "status": "ok", "meta": {"headline": headline}},
        "V02": {"kind": "village", "id": "V02", "status": "ok", "last": "skipped",
                "meta": {"headline": headline}},
        "V03": {"kind": "village", "id": "V03", "status": "failed",
                "error": failure.to_json(), "meta": {}},
        "portfolio/all": {"kind": "portfolio", "id": None, "status": "ok"},
        "portfolio/P01": {"kind": "portfolio", "id": "P01", "status": "failed",
                          "error": ReportFailure("DeadKernelError", "died").to_json()},
    }}


def test_index_rows_carry_status_figures_and_errors(project, tmp_path):
    failure = ReportFailure("KeyError", "'<x>'", cell_index=7, execution_count=5,
                            source="v = project.village('V03')", village="V03")
    names = {v: v for v in project.village_ids}
    data = index_rows(tmp_path, project, names, _manifest(failure))
    rows = {r["village_id"]: r for r in data["rows"]}
    assert data["figure_heads"] == ["ผู้เข้าร่วม", "สถานะ"]
    assert [c["display"] for c in rows["V01"]["figures"]] == ["40 คน", "ตามเป้าหมาย"]
    assert rows["V01"]["figures"][0]["sort"] == 40.0
    assert (rows["V01"]["status"], rows["V02"]["status"], rows["V03"]["status"],
            rows["V04"]["status"]) == ("ok", "skipped", "failed", "missing")
    assert rows["V03"]["error"] == ("cell In [5]: KeyError: '<x>' "
                                    "(in: v = project.village('V03'))")
    assert [c["display"] for c in rows["V04"]["figures"]] == ["–", "–"]
    assert data["counts"] == {"ok": 1, "failed": 1, "skipped": 1, "missing": 2}
    assert [p["status"] for p in data["portfolios"]] == ["ok", "failed"]
    assert data["portfolios"][1]["error"] == "kernel: DeadKernelError: died"


def test_index_page_escapes_and_links(project, tmp_path):
    failure = ReportFailure("ValueError", "<script>alert(1)</script>", execution_count=3)
    names = {v: v for v in project.village_ids}
    (tmp_path / "V01").mkdir()
    (tmp_path / "V01" / "report.html").write_text("x", encoding="utf-8")
    (tmp_path / "V01" / "tables.xlsx").write_text("x", encoding="utf-8")
    page = render_index(tmp_path, project, names, _manifest(failure),
                        now=dt.datetime(2026, 11, 30, 9, 5))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="V01/report.html">รายงาน</a> · <a href="V01/tables.xlsx">Excel</a>' in page
    assert "สร้างเมื่อ 30/11/2569 09:05" in page  # Buddhist-era date
    assert page.count("<tr>") == 1 + len(project.village_ids)
    assert re.search(r'<td class="num" data-sort="40.0">40 คน</td>', page)
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "http" not in page.replace("http-equiv", "")  # no URL: opens offline
    en = render_index(tmp_path, project, names, _manifest(failure), lang="en",
                      now=dt.datetime(2026, 11, 30, 9, 5))
    assert "Generated 30/11/2026 09:05" in en and '<html lang="en">' in en


def test_write_index_writes_the_file(project, tmp_path):
    names = {v: v for v in project.village_ids}
    path = write_index(tmp_path, project, names, {"reports": {}})
    assert path == tmp_path / "index.html"
    assert "ยังไม่ได้สร้าง" in path.read_text(encoding="utf-8")


def test_failure_record_round_trip_and_mapping_access():
    f = ReportFailure("ValueError", "ข้อมูลเสีย", cell_index=4, execution_count=4,
                      source="raise ValueError('ข้อมูลเสีย')", village="V01")
    assert ReportFailure.from_json(f.to_json()) == f
    assert f["ename"] == "ValueError" and f.get("village") == "V01"
    with pytest.raises(KeyError):
        f["nope"]  # noqa: B018
    assert ReportFailure.from_json(None) is None
    # records written before the village field existed still read
    old = {"cell_index": None, "execution_count": None, "source": "", "ename": "X",
           "evalue": "y"}
    assert ReportFailure.from_json(old) == ReportFailure("X", "y")
    assert describe_error(old) == "kernel: X: y" and describe_error(f) == f.describe()


def test_failure_record_from_papermill_error():
    from papermill.exceptions import PapermillExecutionError

    exc = PapermillExecutionError(cell_index=6, exec_count=5, source="\n  x = 1/0\n",
                                  ename="ZeroDivisionError", evalue="division by zero",
                                  traceback=[])
    f = ReportFailure.from_exception(exc, village="V02")
    assert (f.cell_index, f.execution_count, f.source, f.ename, f.village) == \
        (6, 5, "  x = 1/0", "ZeroDivisionError", "V02")
    g = ReportFailure.from_exception(RuntimeError("x" * 5000))
    assert g.ename == "RuntimeError" and len(g.evalue) == 2000 and g.cell_index is None


def test_index_marks_reports_a_stopped_run_did_not_render(project, tmp_path):
    """Issue 17: a stopped batch run marks its unfinished villages in the index."""
    names = {v: v for v in project.village_ids}
    failure = ReportFailure("KeyError", "'x'", village="V03")
    data = index_rows(tmp_path, project, names, _manifest(failure), lang="en",
                      interrupted={"V02", "V04"})
    rows = {r["village_id"]: r for r in data["rows"]}
    assert (rows["V02"]["status"], rows["V04"]["status"]) == ("interrupted", "interrupted")
    assert rows["V02"]["status_label"] == "not rendered (interrupted)"
    assert rows["V01"]["status"] == "ok"
    assert data["counts"]["interrupted"] == 2
    assert data["summary"].endswith("not rendered (interrupted): 2")
    th = index_rows(tmp_path, project, names, _manifest(failure), interrupted={"V02"})
    assert {r["village_id"]: r for r in th["rows"]}["V02"]["status_label"] == \
        "ยังไม่ได้สร้าง (หยุดกลางคัน)"


@pytest.mark.parametrize("chunk", [1, 2, 10_000])
def test_written_index_is_the_rendered_page_whatever_the_row_chunk(chunk, project, tmp_path,
                                                                   monkeypatch):
    # the page is written row by row (a national program's index never is one string);
    # what lands on disk must be the page render_index makes
    import evaluation.rendering.index as index_module

    monkeypatch.setattr(index_module, "_ROW_CHUNK", chunk)
    failure = ReportFailure("ValueError", "bad", execution_count=3)
    names = {v: v for v in project.village_ids}
    for vid in ("V01", "V03"):
        (tmp_path / vid).mkdir()
        (tmp_path / vid / "report.html").write_text("x", encoding="utf-8")
    manifest = _manifest(failure)
    written = write_index(tmp_path, project, names, manifest).read_text(encoding="utf-8")
    rendered = render_index(tmp_path, project, names, manifest)
    stamp = re.compile(r"\d+/\d+/\d{4} \d\d:\d\d")
    assert stamp.sub("T", written) == stamp.sub("T", rendered)
    rows = index_rows(tmp_path, project, names, manifest)["rows"]
    assert [r["village_id"] for r in rows] == [v for v in project.villages["village_id"]
                                               if v in names]
    assert [bool(r["links"]) for r in rows] == [r["village_id"] in ("V01", "V03") for r in rows]
    assert written.count("V01/report.html") == 1 and "V02/report.html" not in written


def test_portfolios_are_listed_in_project_order_whatever_order_they_finished(project,
                                                                             tmp_path):
    """The manifest holds portfolios in the order they finished; the index lists the
    whole program first, then the projects as the projects table orders them."""
    projects = project.projects["project_id"].astype(str).tolist()
    entries = {f"portfolio/{p}": {"kind": "portfolio", "id": p, "status": "ok"}
               for p in reversed(projects)}
    entries["portfolio/old"] = {"kind": "portfolio", "id": "P99", "status": "ok"}
    entries["portfolio/all"] = {"kind": "portfolio", "id": None, "status": "ok"}
    names = {v: v for v in project.village_ids}
    data = index_rows(tmp_path, project, names, {"reports": entries}, lang="en")
    titles = [p["title"] for p in data["portfolios"]]
    assert len(projects) >= 2
    assert titles[0] == "All projects"
    assert [t.split(" ")[0] for t in titles[1:]] == [*projects, "P99"]
