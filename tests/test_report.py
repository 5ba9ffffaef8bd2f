"""Tests of evaluation.report: rendering a village and the portfolio, the HTML
export (no code, no external URL, Thai font, escaping), chart/table files,
atomic replacement, the warm kernel (isolation, kernel death)."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import evaluation as ev
from evaluation import report as rp

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "informal-workers"
HOSTILE_NAME = '<script>alert(1)</script> บ้าน "ริม" & <b>บึง</b>'
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def make_data(folder: Path) -> Path:
    """Sample project P01 (V01-V03) with a hostile name for V02."""
    shutil.copytree(SAMPLE, folder)
    villages = pd.read_csv(folder / "villages.csv", dtype=str)
    villages.loc[villages["village_id"] == "V02", "name"] = HOSTILE_NAME
    villages.to_csv(folder / "villages.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_data(tmp_path_factory.mktemp("data") / "program")


@pytest.fixture(scope="module")
def kernel():
    with rp.WarmKernel() as k:
        yield k


@pytest.fixture(scope="module")
def rendered(data_dir, kernel, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    paths = {v: ev.render_village_report(data_dir, v, out, kernel=kernel) for v in ("V01", "V02")}
    paths["portfolio"] = ev.render_portfolio_report(data_dir, out, kernel=kernel)
    return out, paths


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def visible_text(page: str) -> str:
    body = page.split("<body", 1)[1]
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# --------------------------------------------------------------------------- content
def test_report_folder_layout(rendered):
    out, paths = rendered
    folder = out / "V01"
    assert paths["V01"] == folder / "report.html"
    for rel in ("report.html", "report.ipynb", "tables.xlsx", "headline.json",
                "charts/participants_by_role.png", "charts/participants_by_role.svg",
                "charts/participants_by_role.pdf", "tables/participants_by_role.csv"):
        assert (folder / rel).is_file(), rel
    assert paths["portfolio"] == out / "portfolio" / "all" / "report.html"
    assert not list((out / ".staging").iterdir())  # nothing left half-done


def test_html_has_no_code_and_no_parameters(rendered):
    page = read(rendered[1]["V01"])
    for code in ("import evaluation", "ev.ReportContext", "village_id =", "ctx.finalize",
                 "Parameters", "injected-parameters", "In&nbsp;["):
        assert code not in page, code
    assert "jp-InputArea-editor" not in page and "highlight" not in page


def test_html_is_self_contained(rendered):
    for path in rendered[1].values():
        page = read(path)
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
        assert "@import" not in page
        assert "http://" not in page and "https://" not in page
        assert "<script" not in page.lower()  # no script at all, inline or not
        assert "<link" not in page.lower()


def test_html_embeds_sarabun_and_prints_on_a4(rendered):
    page = read(rendered[1]["V01"])
    faces = re.findall(r"@font-face\{[^}]*\}", page)
    assert len(faces) == 2 and all('font-family:"Sarabun"' in f for f in faces)
    assert all("url(data:font/ttf;base64," in f for f in faces)
    assert re.search(r"body\s*\{[^}]*font-family:\s*\"Sarabun\"", page)
    assert re.search(r"@page\s*\{\s*size:\s*A4", page)
    assert "break-inside: avoid" in page
    assert '<html lang="th">' in page


def test_html_shows_thai_text_and_library_numbers(rendered, data_dir):
    page = read(rendered[1]["V01"])
    text = visible_text(page)
    project = ev.load_project(data_dir)
    village = project.village("V01")
    info = village.villages.iloc[0]
    assert info["name"] in text and "ผู้เข้าร่วมโครงการ" in text
    assert f"ตำบล{info['subdistrict']}" in text
    # project period in Buddhist-era dates: 1 มิ.ย. 2564 – 31 มี.ค. 2565
    start, end = village.projects.iloc[0][["start_date", "end_date"]]
    assert f"{start.day} " in text and str(start.year + 543) in text and str(end.year + 543) in text
    # participants per role and sex: reference = plain groupby on the loaded table
    people = village.participants
    ref = people.groupby("role").size()
    table = re.search(r'<table class="ev-table">.*?</table>', page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>", table)]
    rows = [cells[i:i + 4] for i in range(0, len(cells), 4)]
    assert [r[0] for r in rows] == ["คณะทำงาน", "กลุ่มเป้าหมาย", "ครูพี่เลี้ยง"]
    for row, role in zip(rows, ("team", "target", "mentor")):
        assert int(row[3].replace(",", "")) == int(ref.get(role, 0))
        assert int(row[1]) == int(((people["role"] == role) & (people["sex"] == "F")).sum())
    headline = json.loads(read(rendered[0] / "V01" / "headline.json"))
    assert headline["headline"]["participants"]["value"] == len(people)
    assert f"{len(people)} คน" in text


def test_names_and_ids_of_people_never_reach_the_report(rendered, data_dir):
    project = ev.load_project(data_dir)
    people = project.village("V01").participants
    page = read(rendered[1]["V01"])
    for col in ("name", "national_id", "phone"):
        if col in people.columns:
            for value in people[col].dropna().astype(str).head(10):
                assert value not in page


def test_hostile_village_name_is_escaped(rendered):
    page = read(rendered[1]["V02"])
    assert "<script>alert(1)</script>" not in page
    assert "<b>บึง</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE_NAME in visible_text(page)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<script" not in title and "&lt;script&gt;" in title
    # the portfolio table lists it escaped as well
    assert "<script>alert(1)</script>" not in read(rendered[1]["portfolio"])


def test_charts_and_tables_open(rendered):
    from PIL import Image

    folder = rendered[0] / "V01"
    with Image.open(folder / "charts" / "participants_by_role.png") as img:
        assert img.format == "PNG" and img.info.get("dpi", (200,))[0] == pytest.approx(200, 0.01)
    import xml.etree.ElementTree as ET

    ET.parse(folder / "charts" / "participants_by_role.svg")
    assert (folder / "charts" / "participants_by_role.pdf").read_bytes()[:5] == b"%PDF-"
    book = openpyxl.load_workbook(folder / "tables.xlsx")
    sheet = book[book.sheetnames[0]]
    assert [c.value for c in sheet[1]] == ["บทบาท", "หญิง (คน)", "ชาย (คน)", "รวม (คน)"]
    csv = pd.read_csv(folder / "tables" / "participants_by_role.csv", encoding="utf-8-sig")
    assert list(csv.columns) == ["บทบาท", "หญิง (คน)", "ชาย (คน)", "รวม (คน)"]


def test_executed_notebook_is_papermill_format(rendered):
    nb = nbformat.read(rendered[0] / "V01" / "report.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    i = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "injected-parameters" in tags[i + 1]
    assert 'village_id = "V01"' in nb.cells[i + 1].source
    assert nb.metadata["papermill"]["parameters"]["village_id"] == "V01"
    assert all(c.metadata["papermill"]["status"] == "completed" for c in nb.cells)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))  # numbered like a fresh kernel


def test_english_report(data_dir, kernel, tmp_path):
    path = ev.render_village_report(data_dir, "V01", tmp_path, lang="en", kernel=kernel)
    text = visible_text(read(path))
    assert "Participants" in text and "Target member" in text and "2021" in text
    assert '<html lang="en">' in read(path)


def test_bad_arguments(data_dir, tmp_path):
    with pytest.raises(ValueError, match="lang must be one of"):
        ev.render_village_report(data_dir, "V01", tmp_path, lang="fr")
    with pytest.raises(ValueError, match="safe folder name"):
        rp.render_notebook(tiny_notebook("1"), {}, tmp_path, "../x")
    with pytest.raises(ev.EvaluationError, match="notebook not found"):
        rp.render_notebook(tmp_path / "missing.ipynb", {}, tmp_path, "x")


# --------------------------------------------------------------------------- failures, atomicity
def tiny_notebook(*sources: str, params: str = "x = 0\nout_dir = '.'"):
    nb = new_notebook(cells=[new_code_cell(params, metadata={"tags": ["parameters"]})]
                      + [new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = KERNELSPEC
    return nb


def test_failing_cell_is_reported_and_no_html_written(kernel, tmp_path):
    nb = tiny_notebook("y = 1", "raise ValueError('ข้อมูลเสีย')")
    result = rp.render_notebook(nb, {"x": 1}, tmp_path, "bad", kernel=kernel)
    assert result.status == "failed"
    assert result.error["ename"] == "ValueError" and result.error["evalue"] == "ข้อมูลเสีย"
    assert result.error["execution_count"] == 4  # In [4]: parameters, injected, y = 1, raise
    assert "raise ValueError" in result.error["source"]
    folder = tmp_path / "bad"
    assert not (folder / "report.html").exists()
    assert (folder / "report.failed.ipynb").exists()
    assert json.loads(read(folder / "error.json"))["ename"] == "ValueError"
    with pytest.raises(rp.ReportError, match="ValueError"):
        ev.render_village_report(tmp_path, "V01", tmp_path, kernel=kernel, notebook=nb)


def test_interrupted_render_keeps_the_previous_complete_report(kernel, tmp_path, monkeypatch):
    nb = tiny_notebook("print('ครั้งที่', x)")
    first = rp.render_notebook(nb, {"x": 1}, tmp_path, "v", kernel=kernel)
    assert first.status == "ok"
    before = read(first.html)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # e.g. Ctrl-C while the page is written

    monkeypatch.setattr(rp, "export_html", boom)
    with pytest.raises(KeyboardInterrupt):
        rp.render_notebook(nb, {"x": 2}, tmp_path, "v", kernel=kernel)
    # the old report is intact and complete; the new one never appeared
    assert read(tmp_path / "v" / "report.html") == before
    assert "ครั้งที่ 1" in before
    staged = tmp_path / ".staging" / "v"
    assert staged.exists() and not (staged / "report.html").exists()
    monkeypatch.undo()
    third = rp.render_notebook(nb, {"x": 3}, tmp_path, "v", kernel=kernel)
    assert "ครั้งที่ 3" in read(third.html) and not staged.exists()


# --------------------------------------------------------------------------- warm kernel
LEAKY = (
    "import matplotlib, matplotlib.pyplot as plt, numpy as np, pandas as pd, os, sys, warnings\n"
    "print(sorted(k for k in globals() if not k.startswith('_') and k not in "
    "('In', 'Out', 'exit', 'quit', 'get_ipython', 'open')))\n"
    "print(plt.get_fignums(), matplotlib.rcParams['lines.linewidth'], "
    "matplotlib.rcParams['font.family'], pd.get_option('display.max_rows'))\n"
    # (a fresh kernel's global NumPy generator is unseeded: compare with the seed A used)
    "print(np.random.rand() == np.random.RandomState(1).rand(), os.environ.get('EV_LEAK'), "
    "os.getcwd() == START_CWD, ('ignore', None, Warning, None, 0) in warnings.filters, "
    "sys.path[-1] == '/leak')",
    # now leave as much state behind as possible
    "secret = x\nplt.figure(); matplotlib.rcParams['lines.linewidth'] = 9\n"
    "matplotlib.rcParams['font.family'] = ['Sarabun']\npd.set_option('display.max_rows', 3)\n"
    "np.random.seed(x); os.environ['EV_LEAK'] = str(x); os.chdir('/')\n"
    "warnings.simplefilter('ignore'); sys.path.append('/leak')",
)


def outputs_of(nb) -> list:
    """Cell outputs with volatile parts (timings, paths to staging) removed."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        for out in cell.get("outputs", []):
            out = copy.deepcopy(dict(out))
            out.pop("execution_count", None)
            outs.append(json.dumps(out, sort_keys=True, ensure_ascii=False))
        cells.append((cell.execution_count, outs))
    return cells


def test_warm_kernel_isolation_equals_a_plain_papermill_run(kernel, data_dir, tmp_path):
    import os

    import papermill

    nb = tiny_notebook(*LEAKY, params=f"x = 0\nout_dir = '.'\nSTART_CWD = {os.getcwd()!r}")
    rp.render_notebook(nb, {"x": 1}, tmp_path / "warm", "a", kernel=kernel)
    b_warm = rp.render_notebook(nb, {"x": 2}, tmp_path / "warm", "b", kernel=kernel)
    plain = papermill.execute_notebook(nb, None, parameters={"x": 2, "out_dir": "x"},
                                       kernel_name="python3", progress_bar=False)
    warm_nb = nbformat.read(b_warm.path / "report.ipynb", as_version=4)
    assert outputs_of(warm_nb) == outputs_of(plain)
    first = warm_nb.cells[2].outputs[0]["text"]
    assert "secret" not in first and "[]" in first  # no variables, no figures left over


def test_village_after_village_equals_village_alone(kernel, data_dir, tmp_path):
    import papermill

    nb_path = rp.default_notebook("village")
    ev.render_village_report(data_dir, "V02", tmp_path / "warm", kernel=kernel)
    ev.render_village_report(data_dir, "V01", tmp_path / "warm", kernel=kernel)
    warm = nbformat.read(tmp_path / "warm" / "V01" / "report.ipynb", as_version=4)
    params = rp.village_parameters(data_dir, "V01")
    params["out_dir"] = str(tmp_path / "plain")
    plain = papermill.execute_notebook(str(nb_path), None, parameters=params,
                                       kernel_name="python3", progress_bar=False)
    assert outputs_of(warm) == outputs_of(plain)


def test_dead_kernel_is_replaced_and_the_report_retried_once(tmp_path):
    marker = tmp_path / "crashed-once"
    nb = tiny_notebook(
        "import os, pathlib\n"
        "p = pathlib.Path(marker)\n"
        "if not p.exists():\n"
        "    p.touch()\n"
        "    os._exit(1)\n"
        "print('survived')",
        params="marker = ''\nout_dir = '.'")
    with rp.WarmKernel() as kernel:
        result = rp.render_notebook(nb, {"marker": str(marker)}, tmp_path, "v", kernel=kernel)
        assert result.status == "ok" and result.attempts == 2
        assert kernel.starts == 2 and kernel.alive
        assert "survived" in read(result.html)
        always = tiny_notebook("import os\nos._exit(1)")
        failed = rp.render_notebook(always, {}, tmp_path, "w", kernel=kernel)
        assert failed.status == "failed" and failed.attempts == 2
        assert failed.error["ename"] == "DeadKernelError"
        assert kernel.alive  # replaced again, ready for the next village
        again = rp.render_notebook(tiny_notebook("print('ok')"), {}, tmp_path, "z", kernel=kernel)
        assert again.status == "ok"


# --------------------------------------------------------------------------- helpers
def test_participants_by_role_matches_groupby():
    people = pd.DataFrame({"role": ["team", "target", "target", "target", None],
                           "sex": ["F", "M", "F", None, "F"]})
    table = rp.participants_by_role(people)
    # reference: pd.crosstab(people.role, people.sex) -> team F1; target F1 M1 (+1 blank sex)
    assert table.to_dict("list") == {"role": ["team", "target", "mentor"], "female": [1, 1, 0],
                                     "male": [0, 1, 0], "total": [1, 3, 0]}


@pytest.mark.parametrize(("kwargs", "match"), [({"role": "rol"}, "role='rol'"),
                                                ({"sex": "gender"}, "sex='gender'")])
def test_participants_by_role_bad_columns(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rp.participants_by_role(pd.DataFrame({"role": [], "sex": []}), **kwargs)


def test_participants_by_village_matches_groupby(data_dir):
    project = ev.load_project(data_dir)
    table = rp.participants_by_village(project)
    people = project.participants
    ref = people.groupby(["village_id", "role"]).size().unstack(fill_value=0)
    for _, row in table.iterrows():
        for role in ("team", "target", "mentor"):
            assert row[role] == ref.loc[row["village_id"]].get(role, 0)
        assert row["households"] == people.loc[people["village_id"] == row["village_id"],
                                               "household_id"].nunique()
    assert table["participants"].sum() == len(people)


def test_report_project_returns_private_copies(data_dir):
    a = rp.report_project(data_dir)
    a.participants["role"] = "changed"
    a.villages.loc[:, "name"] = "x"
    b = rp.report_project(data_dir)
    assert (b.participants["role"] != "changed").all() and (b.villages["name"] != "x").all()
