"""Tests of evaluation.rendering.batch and the `report` / `batch` commands: every village
rendered, failures isolated and reported, index.html, incremental runs,
process pool and Dask LocalCluster engines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell
from typer.testing import CliRunner

import evaluation as ev
from evaluation.rendering import batch as bt
from evaluation.rendering import notebook as rp
from evaluation.cli import app

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "informal-workers"
HOSTILE_NAME = "<script>alert('x')</script> บ้าน & บึง"
runner = CliRunner()


def make_data(folder: Path) -> Path:
    shutil.copytree(SAMPLE, folder)
    villages = pd.read_csv(folder / "villages.csv", dtype=str)
    villages.loc[villages["village_id"] == "V02", "name"] = HOSTILE_NAME
    villages.to_csv(folder / "villages.csv", index=False)
    return folder


def failing_notebook(path: Path, village: str = "V03") -> Path:
    """The village notebook with a cell that fails for one village."""
    nb = nbformat.read(rp.default_notebook("village"), as_version=4)
    setup = next(i for i, c in enumerate(nb.cells) if "report_project" in c.source)
    nb.cells.insert(setup + 1, new_code_cell(
        f"if village_id == {village!r}:\n    raise ValueError('ข้อมูลหมู่บ้านนี้ผิดรูปแบบ')"))
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_data(tmp_path_factory.mktemp("data") / "program")


@pytest.fixture(scope="module")
def failed_run(data_dir, tmp_path_factory):
    """`evaluation batch` with a notebook that fails for V03 (one worker)."""
    out = tmp_path_factory.mktemp("reports")
    nb = failing_notebook(tmp_path_factory.mktemp("nb") / "village.ipynb")
    result = runner.invoke(app, ["batch", str(data_dir), "--out", str(out), "--workers", "1",
                                 "--notebook", str(nb), "--no-progress",
                                 "--chart-formats", "png"])
    return out, result, nb


def test_failing_village_gives_nonzero_exit_and_others_render(failed_run):
    out, result, _ = failed_run
    assert result.exit_code == 1, result.output
    assert (out / "V01" / "report.html").is_file() and (out / "V02" / "report.html").is_file()
    assert not (out / "V03" / "report.html").exists()
    assert (out / "V03" / "report.failed.ipynb").is_file()
    for name in ("all", "P01"):
        assert (out / "portfolio" / name / "report.html").is_file()
    # the summary names the village, the cell and the error
    assert "5 report(s): 4 ok" in result.output and "1 failed" in result.output
    line = next(ln for ln in result.output.splitlines() if "FAILED" in ln)
    assert "V03" in line and "ValueError" in line and "ข้อมูลหมู่บ้านนี้ผิดรูปแบบ" in line
    assert re.search(r"cell In \[\d+\]", line)
    # where to open the result (what `make reports` shows last)
    assert result.output.rstrip().splitlines()[-1] == f"index: {out.resolve() / 'index.html'}"


def test_batch_audits_its_outputs_for_personal_data(failed_run):
    """Issue 18: the batch runs privacy-scan at the end; the result is in the index."""
    out, result, _ = failed_run
    summary = json.loads((out / "privacy-scan.json").read_text(encoding="utf-8"))
    assert summary["n_findings"] == 0 and summary["n_files"] > 10
    assert f"privacy-scan: 0 possible personal identifier(s) in {summary['n_files']}" \
        in result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f"ตรวจข้อมูลส่วนบุคคลในไฟล์ผลลัพธ์ {summary['n_files']} ไฟล์: ไม่พบ" in page


def test_manifest_records_every_report(failed_run):
    out, _, _ = failed_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    reports = manifest["reports"]
    assert set(reports) == {"V01", "V02", "V03", "portfolio/P01", "portfolio/all"}
    assert reports["V03"]["status"] == "failed"
    assert reports["V03"]["error"]["ename"] == "ValueError"
    assert reports["V01"]["status"] == "ok" and len(reports["V01"]["key"]) == 64


def test_index_lists_villages_with_status_headlines_and_links(failed_run, data_dir):
    out, _, _ = failed_run
    page = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>", 1)[1], re.S)
    assert len(rows) == 3
    by_id = {re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", r)[0]): r for r in rows}
    assert set(by_id) == {"V01", "V02", "V03"}
    # headline figures = the library's numbers
    people = ev.load_project(data_dir).participants
    n_v01 = int((people["village_id"] == "V01").sum())
    assert f'data-sort="{float(n_v01)}">{n_v01} คน</td>' in by_id["V01"]
    v01 = ev.load_project(data_dir).village("V01")
    fin = ev.finance_change(v01.finance, measures=["income"]).iloc[0]
    # reference: mean of the paired differences (post - pre) of monthly income
    w = v01.finance.pivot_table(index="household_id", columns="wave", values="income",
                                observed=False, aggfunc="first")[["pre", "post"]].dropna()
    assert fin["mean_diff"] == pytest.approx((w["post"] - w["pre"]).mean())
    cells = dict(re.findall(r'data-sort="([^"]*)">([^<]*)</td>', by_id["V01"]))
    shown = next(v for v in cells.values() if v.startswith(f"{fin['mean_diff']:+,.0f} ("))
    assert shown.endswith(f"n = {int(fin['n_pairs'])}")
    # headline columns come from the notebooks' headline.json
    heads = re.findall(r"<th[^>]*>(.*?)</th>", page.split("<thead>", 1)[1].split("</thead>")[0])
    for label in ("ผู้เข้าร่วม", "คะแนนความสุขเปลี่ยนไป (เฉลี่ย)", "สถานะโครงการ", "สถานะรายงาน"):
        assert label in heads, label
    assert 'href="V01/report.html"' in by_id["V01"] and 'href="V01/tables.xlsx"' in by_id["V01"]
    assert "ev-status-failed" in by_id["V03"] and "ValueError" in by_id["V03"]
    assert 'href="V03/report.html"' not in by_id["V03"]
    assert 'href="V03/report.failed.ipynb"' in by_id["V03"]
    assert 'href="portfolio/all/report.html"' in page
    # escaped hostile name, sortable headers, self-contained
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)" in page
    assert page.count("<script") == 1 and "ev-sortable" in page and "addEventListener" in page
    assert "http://" not in page and "https://" not in page
    assert 'font-family:"Sarabun"' in page and "data:font/woff2;base64," in page  # subset (issue 16)


def test_incremental_runs_skip_unchanged_reports(failed_run, data_dir, tmp_path):
    out, _, nb = failed_run
    out2 = tmp_path / "out"
    shutil.copytree(out, out2)
    before = (out2 / "V01" / "report.html").stat().st_mtime_ns
    # same inputs: everything ok before is skipped; the failed village is tried again
    second = bt.run_batch(data_dir, out2, workers=1, notebook=nb, progress=False,
                          chart_formats="png")
    status = {r["name"]: r["status"] for r in second.reports}
    assert status == {"V01": "skipped", "V02": "skipped", "V03": "failed",
                      "portfolio/P01": "skipped", "portfolio/all": "skipped"}
    assert (out2 / "V01" / "report.html").stat().st_mtime_ns == before
    page = (out2 / "index.html").read_text(encoding="utf-8")
    body = page.split("<tbody>", 1)[1]
    assert body.count('class="ev-status ev-status-skipped"') == 2  # V01, V02: listed, unchanged
    # --force renders again; --only restricts to one village, the index keeps all three
    forced = bt.run_batch(data_dir, out2, workers=1, notebook=nb, progress=False, force=True,
                          only=["V01"], chart_formats="png")
    assert [(r["name"], r["status"]) for r in forced.reports] == [("V01", "ok")]
    assert (out2 / "V01" / "report.html").stat().st_mtime_ns > before
    assert len(re.findall(r"<tr>", (out2 / "index.html").read_text(encoding="utf-8"))) >= 4
    # a changed data file changes every key
    data2 = tmp_path / "data2"
    shutil.copytree(data_dir, data2)
    digest = bt.data_digest(data2)
    with open(data2 / "ledger.csv", "a", encoding="utf-8") as fh:
        fh.write("V01-H001,2021-08-04,expense,อาหาร,10,\n")
    assert bt.data_digest(data2) != digest
    # a changed language or notebook changes the key too
    keys = {bt._task_key(data="d", notebook="n", kind="village", id="V01",
                         parameters={"lang": lang, "data_dir": "/x"}) for lang in ("th", "en")}
    assert len(keys) == 2
    # ... and so do other chart formats (the reports' files differ)
    keys = {bt._task_key(data="d", notebook="n", kind="village", id="V01",
                         parameters=rp.village_parameters(data_dir, "V01", chart_formats=f))
            for f in ("png", "png,svg,pdf", ("png", "svg", "pdf"))}
    assert len(keys) == 2
    assert bt._task_key(data="d", notebook="n", kind="village", id="V01",
                        parameters={"data_dir": "/a"}) == \
        bt._task_key(data="d", notebook="n", kind="village", id="V01",
                     parameters={"data_dir": "/b"})  # moving the folder is not a change


def test_invalid_data_exits_2_with_problems_table(data_dir, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(data_dir, bad)
    people = pd.read_csv(bad / "participants.csv", dtype=str)
    people.loc[0, "sex"] = "ไม่ทราบเพศ"
    people.loc[1, "village_id"] = "V99"
    people.to_csv(bad / "participants.csv", index=False)
    result = runner.invoke(app, ["batch", str(bad), "--out", str(tmp_path / "o"), "--workers",
                                 "1", "--no-progress"])
    assert result.exit_code == 2
    assert "invalid data" in result.output and "V99" in result.output
    assert not (tmp_path / "o" / "index.html").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--only", "V77"], "unknown village id"),
    (["--engine", "spark"], "spark"),
    (["--lang", "fr"], "fr"),
    (["--workers", "0"], "--workers"),
    (["--chart-formats", "png,gif"], "--chart-formats"),
    (["--report", "summary"], "--report"),
])
def test_bad_batch_options(data_dir, tmp_path, args, message):
    result = runner.invoke(app, ["batch", str(data_dir), "--out", str(tmp_path), *args,
                                 "--no-progress"])
    assert result.exit_code == 2
    assert message in result.output


def test_report_command_calls_the_library(monkeypatch, tmp_path):
    calls = {}

    def fake(data_dir, village_id, out_dir, **kwargs):
        calls.update(data_dir=data_dir, village_id=village_id, out_dir=out_dir, **kwargs)
        return Path(out_dir) / village_id / "report.html"

    monkeypatch.setattr(rp, "render_village_report", fake)
    result = runner.invoke(app, ["report", "data", "--village", "V01", "--out", str(tmp_path),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert calls["village_id"] == "V01" and calls["lang"] == "en"
    assert calls["show_raw_text"] is False and Path(calls["out_dir"]) == tmp_path


def test_report_command_renders_and_reports_failure(data_dir, tmp_path, failed_run):
    ok = runner.invoke(app, ["report", str(data_dir), "--village", "V01", "--out",
                             str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "V01" / "report.html").is_file()
    bad = runner.invoke(app, ["report", str(data_dir), "--village", "V03", "--out",
                              str(tmp_path), "--notebook", str(failed_run[2])])
    assert bad.exit_code == 1
    assert "ValueError" in bad.output and "V03" in bad.output
    unknown = runner.invoke(app, ["report", str(data_dir), "--village", "V77", "--out",
                                  str(tmp_path)])
    # an unknown village is a usage error found before any kernel starts (issue #20)
    assert unknown.exit_code == 2 and "V77" in unknown.output


def test_describe_error():
    assert bt.describe_error({"execution_count": 5, "ename": "KeyError", "evalue": "'x'",
                              "source": "df['x']"}) == "cell In [5]: KeyError: 'x' (in: df['x'])"
    assert bt.describe_error({"cell_index": None, "execution_count": None,
                              "ename": "DeadKernelError", "evalue": "died"}) == \
        "kernel: DeadKernelError: died"
    assert bt.describe_error(None) == "unknown error"


def test_run_batch_argument_errors(data_dir, tmp_path):
    with pytest.raises(ValueError, match="engine must be one of"):
        bt.run_batch(data_dir, tmp_path, engine="spark")
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        bt.run_batch(data_dir, tmp_path, workers=0)
    with pytest.raises(ValueError, match="gather=True needs engine='dask'"):
        bt.run_batch(data_dir, tmp_path, gather=True)


# --------------------------------------------------------------------------- engines
RUN_DATE = re.compile(r"(วันที่สร้างรายงาน|Report run on)(</dt><dd>)[^<]*(</dd>)")


def report_outputs(folder: Path) -> list:
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    # cells with output only (the test notebook has one extra, silent, cell); the run
    # date shown in the methods section differs between runs
    return [[RUN_DATE.sub(r"\1\2…\3", json.dumps(o, sort_keys=True, ensure_ascii=False))
             for o in c.outputs]
            for c in nb.cells if c.cell_type == "code" and c.outputs]


def test_process_pool_two_workers(data_dir, failed_run, tmp_path):
    result = bt.run_batch(data_dir, tmp_path, workers=2, portfolios=False, progress=False,
                          chart_formats="png")
    assert [r["status"] for r in result.reports] == ["ok"] * 3
    assert len({r["worker"] for r in result.reports}) == 2  # both workers did reports
    # same content as the one-worker run
    for v in ("V01", "V02"):
        assert report_outputs(tmp_path / v) == report_outputs(failed_run[0] / v)


def test_dask_local_cluster(data_dir, failed_run, tmp_path):
    pytest.importorskip("distributed")
    result = bt.run_batch(data_dir, tmp_path / "shared", workers=2, engine="dask",
                          portfolios=False, progress=False, chart_formats="png")
    assert [r["status"] for r in result.reports] == ["ok"] * 3
    assert result.engine == "dask"
    for v in ("V01", "V02"):
        assert report_outputs(tmp_path / "shared" / v) == report_outputs(failed_run[0] / v)
    # an existing cluster (--scheduler), with gather: reports rendered in the workers'
    # temporary folders come back to the client as files
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        gathered = bt.run_batch(data_dir, tmp_path / "gathered",
                                scheduler=cluster.scheduler_address, gather=True,
                                only=["V01", "V02"], progress=False, chart_formats="png")
    assert [r["status"] for r in gathered.reports] == ["ok", "ok"]
    assert gathered.engine == "dask"
    folder = tmp_path / "gathered" / "V01"
    assert (folder / "report.html").is_file() and (folder / "tables.xlsx").is_file()
    assert (folder / "charts" / "ladder.png").is_file()
    assert report_outputs(folder) == report_outputs(failed_run[0] / "V01")


@pytest.fixture(scope="module")
def card_run(data_dir, tmp_path_factory):
    """`evaluation batch --report card` over the sample project (the summary cards)."""
    out = tmp_path_factory.mktemp("cards")
    result = runner.invoke(app, ["batch", str(data_dir), "--out", str(out), "--workers", "1",
                                 "--report", "card", "--no-portfolio", "--no-progress"])
    return out, result


def test_card_batch_renders_one_page_cards_without_charts(card_run, data_dir):
    out, result = card_run
    assert result.exit_code == 0, result.output
    assert "3 report(s): 3 ok" in result.output
    v01 = ev.load_project(data_dir).village("V01")
    page = (out / "V01" / "report.html").read_text(encoding="utf-8")
    assert "<title>บัตรสรุปผลการประเมิน" in page
    assert "<img" not in page and "<svg" not in page and not (out / "V01" / "charts").exists()
    for heading in ("ผลลัพธ์สำคัญโดยสรุป", "บันไดผลลัพธ์", "คุณภาพข้อมูล"):
        assert heading in page
    assert "ความสุข</h2>" not in page  # the happiness section is in the full report only
    # the key results are the library's numbers (reference: mean of post - pre income)
    w = v01.finance.pivot_table(index="household_id", columns="wave", values="income",
                                observed=False, aggfunc="first")[["pre", "post"]].dropna()
    assert f"{(w['post'] - w['pre']).mean():+,.0f} (" in page
    ladder = ev.evaluate_ladder(v01)
    ladder = ladder[ladder["level"] == "village"]
    achieved = int((ladder["status"] == "achieved").sum())
    assert f"บรรลุเป้าหมาย {achieved} จาก {len(ladder)} ตัวชี้วัด" in page
    assert len(pd.read_excel(out / "V01" / "tables.xlsx", sheet_name=None)) >= 3
    assert len(pd.read_csv(out / "V01" / "tables" / "ladder_indicators.csv")) == len(ladder)


def test_card_headlines_equal_the_full_report(card_run, failed_run):
    """The index shows the same headline figures whichever report was rendered."""
    cards, _ = card_run
    full, _, _ = failed_run
    for vid in ("V01", "V02"):
        card = json.loads((cards / vid / "headline.json").read_text(encoding="utf-8"))
        report = json.loads((full / vid / "headline.json").read_text(encoding="utf-8"))
        assert card["headline"] == report["headline"] and card["headline"]
        assert card["figures"] == [] and report["figures"]


def test_report_command_renders_a_card(data_dir, tmp_path):
    result = runner.invoke(app, ["report", str(data_dir), "--village", "V01", "--out",
                                 str(tmp_path), "--report", "card"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "V01" / "report.html").read_text(encoding="utf-8")
    assert "บัตรสรุปผลการประเมิน" in page and "<img" not in page


@pytest.mark.parametrize("timeout, project_id, villages, expected", [
    (300.0, None, 1000, 1500.0),    # the whole program: 300 s per 200 villages
    (300.0, None, 50, 300.0),       # never less than the report timeout
    (300.0, "P1", 1000, 300.0),     # a project's portfolio: the report timeout
    (None, None, 1000, None),       # no limit stays no limit
])
def test_whole_program_portfolio_timeout_grows_with_its_villages(timeout, project_id,
                                                                 villages, expected):
    from evaluation.rendering.batch import _portfolio_timeout

    assert _portfolio_timeout(timeout, project_id, villages) == expected


@pytest.mark.parametrize("n_villages, first", [(1000, "portfolio/all"), (199, "V0001")])
def test_a_large_programs_whole_portfolio_starts_first(n_villages, first):
    """The longest report starts first on a large program, so the village reports run
    beside it; otherwise the order is kept. Every task stays, each once."""
    from evaluation.rendering.batch import Task, _longest_first

    def task(kind, id_, name):
        return Task(kind, id_, name, "nb.ipynb", {}, "th", name)

    pending = [task("village", f"V{i:04d}", f"V{i:04d}") for i in range(1, 4)] + [
        task("portfolio", "P001", "portfolio/P001"), task("portfolio", None, "portfolio/all")]
    ordered = _longest_first(pending, n_villages)
    assert ordered[0].name == first
    assert sorted(t.name for t in ordered) == sorted(t.name for t in pending)
    assert [t.name for t in ordered if t.name != "portfolio/all"] == \
        [t.name for t in pending if t.name != "portfolio/all"]
