"""Tests of evaluation.rendering.notebook (with the context of evaluation.reporting): rendering a village and the portfolio from the
sample with the real report notebooks, and checking the content (headline
numbers against the library, Thai text, charts and tables that open, no code,
no external URL, no personal data anywhere in the output, escaped hostile
names), the HTML export, atomic replacement and the warm kernel (isolation,
kernel death)."""

from __future__ import annotations

import copy
import html as _html
import json
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from scipy import stats

import evaluation as ev
from evaluation import results
from evaluation.rendering import notebook as rp
from evaluation.reporting import report_project
from evaluation.instruments import get_instrument

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "informal-workers"
HOSTILE_NAME = '<script>alert(1)</script> บ้าน "ริม" & <b>บึง</b>'
HOSTILE_TEXT = "<img src=x onerror=alert(2)> ทีมประชุม **ทุกเดือน** [ลิงก์](http://x.example)"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def make_data(folder: Path) -> Path:
    """Sample project P01 (V01-V03) with a hostile name and lessons text for V02."""
    shutil.copytree(SAMPLE, folder)
    villages = pd.read_csv(folder / "villages.csv", dtype=str)
    villages.loc[villages["village_id"] == "V02", "name"] = HOSTILE_NAME
    villages.to_csv(folder / "villages.csv", index=False)
    lesson = folder / "lessons" / "V02" / "การทำงาน.txt"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n" + HOSTILE_TEXT + "\n",
                      encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_data(tmp_path_factory.mktemp("data") / "program")


@pytest.fixture(scope="module")
def kernel():
    """One warm kernel for the whole module (imports and data loading paid once)."""
    with rp.WarmKernel() as k:
        yield k


@pytest.fixture(scope="module")
def rendered(data_dir, kernel, tmp_path_factory):
    """V01 with the default (charts in the page, no chart files), V02 with every chart
    format as files, the portfolio with PNG files only."""
    out = tmp_path_factory.mktemp("reports")
    paths = {"V01": ev.render_village_report(data_dir, "V01", out, kernel=kernel),
             "V02": ev.render_village_report(data_dir, "V02", out, kernel=kernel,
                                             chart_formats="png,svg,pdf")}
    paths["portfolio"] = ev.render_portfolio_report(data_dir, out, kernel=kernel,
                                                    chart_formats="png")
    return out, paths


@pytest.fixture(scope="module")
def project(data_dir):
    return ev.load_project(data_dir)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def visible_text(page: str) -> str:
    body = page.split("<body", 1)[1]
    body = re.sub(r"<img[^>]*>", " ", body)
    body = re.sub(r"<svg\b.*?</svg>", " ", body, flags=re.S)  # chart text: see the chart tests
    return _html.unescape(re.sub(r"<[^>]+>", " ", body))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def table_rows(page: str, caption: str) -> list[list[str]]:
    """Cell texts of the table with this caption (header row first)."""
    for table in re.findall(r'<table class="ev-table[^"]*">.*?</table>', page, re.S):
        cap = re.search(r"<caption>(.*?)</caption>", table, re.S)
        if cap and _html.unescape(cap.group(1)) == caption:
            rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
            return [[squash(_html.unescape(re.sub(r"<[^>]+>", "", c))).strip()
                     for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]
    raise AssertionError(f"no table captioned {caption!r}")


# --------------------------------------------------------------------------- layout
def test_report_folder_layout(rendered):
    out, paths = rendered
    folder = out / "V01"
    assert paths["V01"] == folder / "report.html"
    for rel in ("report.html", "report.ipynb", "tables.xlsx", "headline.json",
                "tables/key_results.csv", "tables/participants_by_role.csv"):
        assert (folder / rel).is_file(), rel
    assert not (folder / "charts").exists()  # by default the charts are in the page only
    for rel in ("charts/ladder.png", "charts/ladder.svg", "charts/ladder.pdf"):
        assert (out / "V02" / rel).is_file(), rel  # chart_formats="png,svg,pdf"
    assert paths["portfolio"] == out / "portfolio" / "all" / "report.html"
    assert not (out / ".staging").exists()  # nothing left half-done (removed when empty)


def test_html_has_no_code_and_no_parameters(rendered):
    for path in rendered[1].values():
        page = read(path)
        for code in ("import evaluation", "ev.ReportContext", "village_id =", "ctx.finalize",
                     "from evaluation import reporting", "R.ReportContext", "R.section_",
                     "S.section_", "section_cover", "report_project", "Parameters",
                     "injected-parameters", "In&nbsp;[", "chart_formats ="):
            assert code not in page, code
        assert "jp-InputArea" not in page and "jp-Cell-inputWrapper" not in page
        assert "highlight" not in page and "jp-InputPrompt\">" not in page
        # the notebook's own explanations (markdown cells tagged remove_cell) stay out
        assert "papermill fills in" not in page and "Set-up:" not in page


def test_html_is_self_contained(rendered):
    for path in rendered[1].values():
        page = read(path)
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
        assert "@import" not in page
        assert "http://" not in page and "https://" not in page
        assert "<script" not in page.lower()  # no script at all, inline or not
        assert "<link" not in page.lower()
        assert "<svg " in page  # charts inline
        images = re.findall(r"<img [^>]*>", page)
        assert all('src="data:image/png;base64,' in i for i in images)
        # every internal reference of the inline charts points into the page
        ids = re.findall(r'\sid="([^"]+)"', page)
        refs = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', page))
        assert refs and refs <= set(ids)


def test_html_embeds_sarabun_and_prints_on_a4(rendered):
    page = read(rendered[1]["V01"])
    faces = re.findall(r"@font-face\{[^}]*\}", page)
    assert len(faces) == 2 and all('font-family:"Sarabun"' in f for f in faces)
    assert all("url(data:font/woff2;base64," in f for f in faces)  # subsets, WOFF2
    assert len(page) < 600_000  # report.html <= 0.6 MB
    assert re.search(r"body\s*\{[^}]*font-family:\s*\"Sarabun\"", page)
    assert re.search(r"@page\s*\{\s*size:\s*A4", page)
    assert "break-inside: avoid" in page
    assert '<html lang="th">' in page


# --------------------------------------------------------------------------- content
def paired_reference(before: pd.Series, after: pd.Series):
    """Mean change, 95% t interval and n from SciPy (scipy.stats.ttest_rel)."""
    both = pd.concat({"b": before, "a": after}, axis=1).dropna()
    res = stats.ttest_rel(both["a"], both["b"])
    ci = res.confidence_interval(0.95)
    return float((both["a"] - both["b"]).mean()), float(ci.low), float(ci.high), len(both)


def test_headline_numbers_equal_the_library(rendered, project):
    out, paths = rendered
    page = read(paths["V01"])
    v = project.village("V01")
    rows = {r[0]: r[1] for r in table_rows(page, "ผลลัพธ์สำคัญ")[1:]}
    meta = json.loads(read(out / "V01" / "headline.json"))["headline"]

    # TMHI-15, pre -> post: score_instrument + paired_test, checked against SciPy
    hap = v.happiness[v.happiness["instrument"] == "tmhi15"]
    sc = ev.score_instrument(hap, get_instrument("tmhi15"))
    wide = sc.pivot_table(index="person_id", columns="wave", values="total", observed=False,
                          aggfunc="first")
    lib = ev.paired_test(wide["pre"], wide["post"])
    mean, lo, hi, n = paired_reference(wide["pre"], wide["post"])
    assert (lib["mean_diff"], lib["ci_low"], lib["ci_high"]) == pytest.approx((mean, lo, hi))
    assert lib["n_pairs"] == n == 30
    shown = f"{mean:+.1f} ({lo:.1f} ถึง {hi:.1f}), n = {n}"
    assert rows["คะแนนความสุขเปลี่ยนไปเฉลี่ย (TMHI-15, คะแนน)"] == shown
    assert meta["happiness_change"]["value"] == pytest.approx(mean)
    assert meta["happiness_change"]["ci"] == pytest.approx([lo, hi])
    assert meta["happiness_change"]["n"] == n
    assert f"เพิ่มขึ้น {mean:.1f} คะแนน (95% CI {lo:.1f} ถึง {hi:.1f} คะแนน, n = {n})" in \
        squash(visible_text(page))

    # monthly income, pre -> post: finance_change, checked by hand (paired differences)
    fin = ev.finance_change(v.finance, measures=["income"]).iloc[0]
    w = v.finance.pivot_table(index="household_id", columns="wave", values="income",
                              observed=False, aggfunc="first")[["pre", "post"]].dropna()
    d = w["post"] - w["pre"]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert fin["mean_diff"] == pytest.approx(d.mean())
    assert (fin["ci_low"], fin["ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    shown = (f"{d.mean():+,.0f} ({d.mean() - half:,.0f} ถึง {d.mean() + half:,.0f}), "
             f"n = {len(d)}")
    assert rows["รายได้ครัวเรือนต่อเดือนเปลี่ยนไปเฉลี่ย (บาท)"] == shown
    assert meta["income_change"]["value"] == pytest.approx(d.mean())
    assert meta["income_change"]["display"] == shown

    # outcome ladder: evaluate_ladder, indicators of the village achieved
    lad = ev.evaluate_ladder(v, on_error="warn")
    lad = lad[lad["level"] == "village"]
    achieved, total = int((lad["status"] == "achieved").sum()), len(lad)
    assert rows["ตัวชี้วัดบันไดผลลัพธ์ที่บรรลุ"] == f"{achieved} จาก {total}"
    assert meta["ladder_achievement"]["value"] == pytest.approx(achieved / total)
    # participants and households: plain counts of the participants table
    assert rows["ผู้เข้าร่วม (คน)"] == f"{len(v.participants):,d}"
    assert meta["participants"]["value"] == len(v.participants)
    assert rows["ครัวเรือน"] == f"{v.participants['household_id'].nunique():,d}"


def test_portfolio_numbers_equal_the_library(rendered, project):
    page = read(rendered[1]["portfolio"])
    rows = table_rows(page, "ความสุขเปลี่ยนไปรายหมู่บ้าน")
    by_label = {r[0]: r for r in rows[1:]}
    for vid in project.village_ids:
        v = project.village(vid)
        hap = v.happiness[v.happiness["instrument"] == "tmhi15"]
        sc = ev.score_instrument(hap, get_instrument("tmhi15"))
        wide = sc.pivot_table(index="person_id", columns="wave", values="total",
                              observed=False, aggfunc="first")
        mean, lo, hi, n = paired_reference(wide["pre"], wide["post"])
        name = v.villages["name"].iloc[0]
        row = by_label[f"{vid} {name}"]
        assert row[1:] == [f"{n:,d}", f"{mean:.2f}", f"{lo:.2f}", f"{hi:.2f}"]
    # the pooled row: every person of the program villages with both waves (comparison
    # villages are not part of the program's pooled figures)
    people = project.participants.loc[
        project.participants["village_id"].isin(project.village_ids), "person_id"]
    hap = project.happiness[(project.happiness["instrument"] == "tmhi15")
                            & project.happiness["person_id"].isin(people)]
    sc = ev.score_instrument(hap, get_instrument("tmhi15"))
    wide = sc.pivot_table(index="person_id", columns="wave", values="total", observed=False,
                          aggfunc="first")
    mean, lo, hi, n = paired_reference(wide["pre"], wide["post"])
    assert by_label["ทุกหมู่บ้านรวมกัน"][1:] == [f"{n:,d}", f"{mean:.2f}", f"{lo:.2f}",
                                                  f"{hi:.2f}"]


def test_html_shows_thai_text_be_dates_and_separators(rendered, project):
    text = squash(visible_text(read(rendered[1]["V01"])))
    v = project.village("V01")
    info = v.villages.iloc[0]
    for heading in ("ผลลัพธ์สำคัญโดยสรุป", "บันไดผลลัพธ์", "ความสุขของผู้เข้าร่วม", "การเงินครัวเรือน",
                    "การทำบัญชีครัวเรือนและกลุ่มออมทรัพย์", "บทเรียนที่ได้", "คุณภาพข้อมูล",
                    "วิธีการและการทำซ้ำ"):
        assert heading in text, heading
    assert info["name"] in text and f"ต.{info['subdistrict']}" in text
    # project period in Buddhist-era dates: 1 มิ.ย. 2564 – 31 มี.ค. 2565
    start, end = v.projects.iloc[0][["start_date", "end_date"]]
    assert f"{start.day} มิ.ย. {start.year + 543} – {end.day} มี.ค. {end.year + 543}" in text
    # money with thousands separators and the unit
    budget = v.projects.iloc[0]["budget"]
    assert f"{budget:,.0f} บาท" in text
    # English words of the library never leak into the Thai report
    for english in ("Key results", "Happiness", "Household money", "Lessons learned",
                    "Data quality", "not enough data", "Mean change", "tmhi15"):
        assert english not in text, english


def test_every_chart_is_in_the_page_as_svg_with_text_and_unique_ids(rendered):
    import xml.etree.ElementTree as ET

    out, paths = rendered
    folder = out / "V01"
    figures = json.loads(read(folder / "headline.json"))["figures"]
    assert len(figures) >= 12
    page = read(paths["V01"])
    blocks = re.findall(r'<figure class="ev-figure">(<svg\b.*?</svg>)'
                        r"<figcaption>(.*?)</figcaption></figure>", page, re.S)
    assert len(blocks) == len(figures)
    all_ids: list[str] = []
    for (svg, caption), fig in zip(blocks, figures):
        assert fig["files"] == []  # no chart files by default
        assert len(_html.unescape(caption)) > 20  # a sentence under it
        root = ET.fromstring(svg)  # well-formed on its own
        assert root.get("role") == "img"
        assert _html.unescape(root.get("aria-label")) == fig["title"]
        texts = list(root.iter("text"))  # HTML's inline SVG: namespace implied
        assert texts, fig["name"]  # text kept as text ...
        # ... in the page's font: named by each text (matplotlib's SVG) or by the chart
        # (light figures, inherited)
        assert all("Sarabun" in t.get("style", "") or "Sarabun" in (root.get("font-family") or "")
                   for t in texts)
        assert not root.findall(".//metadata") and not root.findall(".//style")
        all_ids += [e.get("id") for e in root.iter() if e.get("id")]
    # ids unique across the whole page (two charts never share one)
    assert len(all_ids) == len(set(all_ids)) and all_ids
    page_ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(page_ids) == len(set(page_ids))
    # the chart titles of the page are its text: the ladder chart names the village
    assert "บันไดผลลัพธ์" in page and "<text" in page


def test_chart_files_on_request_open_and_are_the_same_charts(rendered):
    from PIL import Image
    import xml.etree.ElementTree as ET

    out, paths = rendered
    folder = out / "V02"  # chart_formats="png,svg,pdf"
    figures = json.loads(read(folder / "headline.json"))["figures"]
    assert len(figures) >= 12
    page = read(paths["V02"])
    assert page.count('<figure class="ev-figure"><svg') == len(figures)
    for fig in figures:
        assert fig["files"] == [f"{fig['name']}.png", f"{fig['name']}.svg",
                                f"{fig['name']}.pdf"]
        with Image.open(folder / "charts" / f"{fig['name']}.png") as img:
            img.load()
            assert img.format == "PNG"
            assert img.info.get("dpi", (0,))[0] == pytest.approx(200, abs=0.01)
        svg = ET.parse(folder / "charts" / f"{fig['name']}.svg").getroot()
        # the SVG file's text is drawn as paths: it looks the same without the font
        assert not list(svg.iter("{http://www.w3.org/2000/svg}text")), fig["name"]
        pdf = (folder / "charts" / f"{fig['name']}.pdf").read_bytes()
        assert pdf[:5] == b"%PDF-" and pdf.rstrip().endswith(b"%%EOF")
        assert b"/FontFile2" in pdf  # TrueType font embedded (text stays text)


def test_chart_formats_png_only(rendered):
    out, paths = rendered
    folder = out / "portfolio" / "all"
    files = sorted(p.suffix for p in (folder / "charts").iterdir())
    assert files and set(files) == {".png"}
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["chart_formats"] == "png"
    nb = nbformat.read(out / "V01" / "report.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["chart_formats"] == ""
    assert "<svg " in read(paths["portfolio"]) and "<img " not in read(paths["portfolio"])


def test_tables_open_in_excel_and_csv(rendered):
    folder = rendered[0] / "V01"
    meta = json.loads(read(folder / "headline.json"))
    book = openpyxl.load_workbook(folder / "tables.xlsx")
    assert book.sheetnames[0] == "สารบัญ"   # the contents sheet, then one sheet per table
    assert len(book.sheetnames) - 1 == len(meta["tables"]) >= 15
    sheet = book[book.sheetnames[1]]
    assert [c.value for c in sheet[1]] == ["บทบาท", "หญิง (คน)", "ชาย (คน)", "รวม (คน)",
                                           "ครัวเรือน"]
    assert sheet.freeze_panes == "A2"
    for t in meta["tables"]:
        csv = pd.read_csv(folder / "tables" / f"{t['name']}.csv", encoding="utf-8-sig")
        assert len(csv.columns) >= 2
    # numbers stay numbers in Excel (unrounded): the key-results table is text, the
    # happiness change table has the paired means
    change = next(book[s] for s in book.sheetnames if s.startswith("การเปลี่ยนแปลงของคะแนน"))
    values = [c.value for c in change[4]]  # third contrast: ก่อน -> หลัง
    assert isinstance(values[4], float) and values[4] == pytest.approx(4.92381, abs=1e-4)


def all_output_text(folder: Path) -> dict[str, str]:
    """Every file of a report folder as text (xlsx: every cell and the raw XML)."""
    texts = {}
    for p in folder.rglob("*"):
        if not p.is_file():
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as zf:
                raw = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                              if n.endswith(".xml"))
            book = openpyxl.load_workbook(p, read_only=True)
            cells = " ".join(str(v) for ws in book.worksheets
                             for row in ws.iter_rows(values_only=True) for v in row
                             if v is not None)
            texts[str(p)] = raw + " " + cells
        elif p.suffix in (".png", ".pdf"):
            texts[str(p)] = p.read_bytes().decode("latin-1")
        else:
            texts[str(p)] = p.read_text(encoding="utf-8")
    return texts


def test_no_personal_data_anywhere_in_the_output(rendered, data_dir):
    people = pd.read_csv(data_dir / "participants.csv", dtype=str)
    names = people["name"].dropna().tolist()
    bare = [re.sub(r"^(นางสาว|นาง|นาย)", "", n) for n in names]  # without the title
    ids = people["national_id"].dropna().tolist()
    phones = people["phone"].dropna().tolist()
    raw_lessons = " ".join(p.read_text(encoding="utf-8")
                           for p in (data_dir / "lessons").rglob("*.txt"))
    phones += re.findall(r"0\d{1,2}-?\d{3}-?\d{4}", raw_lessons)
    assert len(names) > 50 and len(phones) > 50 and "086-833-3972" in phones
    out = rendered[0]
    texts = {}
    for folder in (out / "V01", out / "V02", out / "portfolio" / "all"):
        texts.update(all_output_text(folder))
    assert any(k.endswith(".xlsx") for k in texts) and any(k.endswith(".ipynb") for k in texts)
    for path, text in texts.items():
        for value in names + bare + ids:
            assert value not in text, (path, value)
        for phone in phones:  # any spelling: 0868333972, 086-833-3972, 086 833 3972
            digits = re.sub(r"\D", "", phone)
            pattern = r"(?<!\d)" + r"[\s-]?".join(digits) + r"(?!\d)"
            assert not re.search(pattern, text), (path, phone)
        for value in ids:  # national ids also with the usual 1-2345-67890-12-3 dashes
            pattern = r"(?<!\d)" + r"[\s-]?".join(value) + r"(?!\d)"
            assert not re.search(pattern, text), (path, value)


def test_hostile_village_name_and_text_are_escaped(rendered):
    page = read(rendered[1]["V02"])
    assert "<script>alert(1)</script>" not in page
    assert "<b>บึง</b>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE_NAME in visible_text(page)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<script" not in title and "&lt;script&gt;" in title
    # the portfolio lists it escaped as well
    portfolio = read(rendered[1]["portfolio"])
    assert "<script>alert(1)</script>" not in portfolio and "<b>บึง</b>" not in portfolio
    assert HOSTILE_NAME in visible_text(portfolio)
    # the folder name is safe, the notebook keeps the name only as escaped output
    assert (rendered[0] / "V02" / "report.html").is_file()
    nb = read(rendered[0] / "V02" / "report.ipynb")
    assert "<script>alert(1)</script>" not in nb.replace("\\u003c", "<")


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
    # section cells show HTML only: no return value echoed as Out[n]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert all(o["output_type"] != "execute_result" for o in cell.outputs), cell.source


def test_html_export_leaves_the_notebook_unchanged_and_still_validates(rendered):
    """export_html passes the notebook to nbconvert uncopied (nbconvert copies it) and
    validates once, after the preprocessors: the notebook is unchanged, the page the
    same on a second export, and an invalid notebook is still refused."""
    import copy

    from evaluation.rendering.html import export_html

    nb = nbformat.read(rendered[0] / "V01" / "report.ipynb", as_version=4)
    before = copy.deepcopy(nb)
    first = export_html(nb, title="V01")
    assert nb == before
    assert export_html(nb, title="V01") == first
    from nbformat.validator import NotebookValidationError

    broken = copy.deepcopy(nb)
    [c for c in broken.cells if c.cell_type == "code"][-1]["execution_count"] = "x"
    with pytest.raises(NotebookValidationError):
        export_html(broken, title="V01")


def test_english_report(data_dir, kernel, tmp_path):
    path = ev.render_village_report(data_dir, "V01", tmp_path, lang="en", kernel=kernel,
                                    chart_formats="png")
    page = read(path)
    text = squash(visible_text(page))
    for words in ("Key results at a glance", "The outcome ladder", "Happiness of the participants",
                  "Household money", "Lessons learned", "Data quality", "Target member",
                  "1 Jun 2021 – 31 Mar 2022"):
        assert words in text, words
    assert '<html lang="en">' in page
    # no Thai words of the library: Thai left only in data (names, ladder steps, quotes)
    for thai in ("ผลลัพธ์สำคัญโดยสรุป", "ช่วงความเชื่อมั่น", "บันไดผลลัพธ์", "การเงินครัวเรือน",
                 "วิธีการและการทำซ้ำ", "ก่อน →", "ไม่มีข้อมูล"):
        assert thai not in text, thai


def test_village_without_data_shows_explanations(data_dir, kernel, tmp_path):
    """A village with participants only: every section explains instead of failing."""
    bare = tmp_path / "bare"
    shutil.copytree(data_dir, bare)
    for name in ("happiness.csv", "finance.csv", "ledger.csv", "savings.csv"):
        frame = pd.read_csv(bare / name, dtype=str)
        col = "person_id" if "person_id" in frame.columns else (
            "member_id" if "member_id" in frame.columns else "household_id")
        frame[~frame[col].str.startswith("V03")].to_csv(bare / name, index=False)
    shutil.rmtree(bare / "lessons" / "V03")
    path = ev.render_village_report(bare, "V03", tmp_path / "out", kernel=kernel,
                                    chart_formats="png")
    text = squash(visible_text(read(path)))
    for note in ("ยังไม่มีข้อมูลแบบประเมินความสุข", "ยังไม่มีข้อมูลการเงินครัวเรือน",
                 "ยังไม่มีข้อมูลบัญชีครัวเรือน", "ยังไม่มีข้อมูลกลุ่มออมทรัพย์",
                 "ยังไม่มีบันทึกการถอดบทเรียน"):
        assert note in text, note


def test_bad_arguments(data_dir, tmp_path):
    with pytest.raises(ValueError, match="lang must be one of"):
        ev.render_village_report(data_dir, "V01", tmp_path, lang="fr")
    with pytest.raises(ValueError, match="formats must be a non-empty list"):
        ev.render_village_report(data_dir, "V01", tmp_path, chart_formats="png,gif")
    with pytest.raises(ValueError, match="formats must be a non-empty list"):
        ev.ReportContext(tmp_path, formats=",")
    assert ev.ReportContext(tmp_path, formats="").formats == ()  # "" is no chart files
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
    assert not staged.exists()   # nothing half-written left behind (issue 17)
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


RUN_DATE = re.compile(r"(วันที่สร้างรายงาน|Report run on)(</dt><dd>)[^<]*(</dd>)")


def outputs_of(nb) -> list:
    """Cell outputs with volatile parts (execution counts, the report's run date) removed."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        for out in cell.get("outputs", []):
            out = copy.deepcopy(dict(out))
            out.pop("execution_count", None)
            text = json.dumps(out, sort_keys=True, ensure_ascii=False)
            outs.append(RUN_DATE.sub(r"\1\2…\3", text))
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


def test_warm_kernel_text_columns_are_python_strings_after_every_reset(kernel, tmp_path):
    """The kernel's pandas options (KERNEL_PANDAS_OPTIONS) hold for every report,
    also after a report changed them; the village-after-village test below shows
    the report's outputs equal a plain papermill run with pandas' defaults."""
    from evaluation.rendering.kernel import KERNEL_PANDAS_OPTIONS

    assert KERNEL_PANDAS_OPTIONS == {"mode.string_storage": "python"}
    nb = tiny_notebook(
        "import pandas as pd\n"
        "print(pd.get_option('mode.string_storage'), pd.Series(['ก', None]).dtype.storage)\n"
        "pd.set_option('mode.string_storage', 'pyarrow')")
    for name in ("a", "b"):
        result = rp.render_notebook(nb, {}, tmp_path, name, kernel=kernel)
        assert result.status == "ok"
        printed = nbformat.read(result.path / "report.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in printed.cells for o in c.get("outputs", []))
        assert "python python" in text, text


def test_report_files_are_flushed_once_per_report_before_the_swap(kernel, tmp_path,
                                                                  monkeypatch):
    """The kernel defers each file's flush (DEFER_FSYNC_ENV); the renderer flushes the
    staging folder once, while it still holds the new files, then swaps it in."""
    from evaluation.safe_files import DEFER_FSYNC_ENV

    synced = []
    monkeypatch.setattr(rp, "sync_folder",
                        lambda folder: synced.append(sorted(p.name for p in folder.iterdir())))
    # one write: under load the kernel may flush print's separate writes as two outputs
    nb = tiny_notebook(
        f"import os, sys\nsys.stdout.write('deferred ' + str(os.environ.get({DEFER_FSYNC_ENV!r})))")
    result = rp.render_notebook(nb, {}, tmp_path, "v", kernel=kernel)
    assert result.status == "ok" and "deferred 1" in read(result.html)
    assert synced == [["report.html", "report.ipynb"]]


def test_village_after_village_equals_village_alone(kernel, data_dir, tmp_path):
    import papermill

    nb_path = rp.default_notebook("village")
    ev.render_village_report(data_dir, "V02", tmp_path / "warm", kernel=kernel,
                             chart_formats="png")
    ev.render_village_report(data_dir, "V01", tmp_path / "warm", kernel=kernel,
                             chart_formats="png")
    warm = nbformat.read(tmp_path / "warm" / "V01" / "report.ipynb", as_version=4)
    params = rp.village_parameters(data_dir, "V01", chart_formats="png")
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
    table = results.participants_by_role(people)
    # reference: pd.crosstab(people.role, people.sex) -> team F1; target F1 M1 (+1 blank sex)
    assert table.to_dict("list") == {"role": ["team", "target", "mentor"], "female": [1, 1, 0],
                                     "male": [0, 1, 0], "total": [1, 3, 0]}


@pytest.mark.parametrize(("kwargs", "match"), [({"role": "rol"}, "role='rol'"),
                                                ({"sex": "gender"}, "sex='gender'")])
def test_participants_by_role_bad_columns(kwargs, match):
    with pytest.raises(ValueError, match=match):
        results.participants_by_role(pd.DataFrame({"role": [], "sex": []}), **kwargs)


def test_participants_by_village_matches_groupby(data_dir):
    project = ev.load_project(data_dir)
    table = results.participants_by_village(project)
    people = project.participants
    ref = people.groupby(["village_id", "role"]).size().unstack(fill_value=0)
    for _, row in table.iterrows():
        for role in ("team", "target", "mentor"):
            assert row[role] == ref.loc[row["village_id"]].get(role, 0)
        assert row["households"] == people.loc[people["village_id"] == row["village_id"],
                                               "household_id"].nunique()
    assert table["participants"].sum() == len(people)


def test_report_project_returns_private_copies(data_dir):
    a = report_project(data_dir)
    a.participants["role"] = "changed"
    a.villages.loc[:, "name"] = "x"
    b = report_project(data_dir)
    assert (b.participants["role"] != "changed").all() and (b.villages["name"] != "x").all()


# ---------------------------------------------------------------- privacy (issue 18)
def test_privacy_scan_finds_nothing_in_the_rendered_reports(rendered, data_dir):
    from evaluation.privacy_scan import scan_outputs

    found = scan_outputs(rendered[0], data_dir=data_dir)
    assert found.attrs["n_files"] > 40
    assert found.empty, found[["file", "location", "kind", "rule"]].to_string()


def test_privacy_scan_finds_a_planted_name_and_phone(rendered, data_dir, tmp_path):
    from typer.testing import CliRunner

    from evaluation.cli import app

    out = tmp_path / "out"
    shutil.copytree(rendered[0] / "V01", out / "V01")
    runner = CliRunner()
    assert runner.invoke(app, ["privacy-scan", str(out), "--data", str(data_dir)]).exit_code == 0
    people = pd.read_csv(data_dir / "participants.csv", dtype=str)
    page = out / "V01" / "report.html"
    page.write_text(read(page).replace("</main>", f"<p>{people['name'][5]}</p></main>"),
                    encoding="utf-8")
    csv = next((out / "V01" / "tables").glob("*.csv"))
    csv.write_text(read(csv) + f"\nโทร,{people['phone'][7]}\n", encoding="utf-8")
    res = runner.invoke(app, ["privacy-scan", str(out), "--data", str(data_dir)])
    assert res.exit_code == 1
    assert "V01/report.html" in res.output and f"V01/tables/{csv.name}" in res.output


def one_man_one_woman(folder: Path) -> Path:
    """The sample project with V03 cut down to one woman and one man."""
    shutil.copytree(SAMPLE, folder)
    people = pd.read_csv(folder / "participants.csv", dtype=str)
    v03 = people[people["village_id"] == "V03"]
    keep = [v03[v03["sex"] == "F"].index[0], v03[v03["sex"] == "M"].index[0]]
    drop = v03.index.difference(keep)
    gone_p, gone_h = set(people.loc[drop, "person_id"]), set(people.loc[drop, "household_id"])
    gone_h -= set(people.loc[keep, "household_id"])
    people.drop(index=drop).to_csv(folder / "participants.csv", index=False)
    for name, col, gone in (("happiness", "person_id", gone_p), ("finance", "household_id", gone_h),
                            ("ledger", "household_id", gone_h), ("savings", "member_id", gone_p)):
        t = pd.read_csv(folder / f"{name}.csv", dtype=str)
        t[~t[col].isin(gone)].to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_village_with_one_man_and_one_woman_is_suppressed(kernel, tmp_path):
    data = one_man_one_woman(tmp_path / "program")
    project = ev.load_project(data)
    v = project.village("V03").participants
    assert sorted(v["sex"]) == ["F", "M"]
    out = tmp_path / "reports"
    page = read(ev.render_village_report(data, "V03", out, kernel=kernel, chart_formats="png"))
    text = visible_text(page)
    # counts below 3 show as <3; no statistic about the two of them
    assert "<3" in text
    roles = pd.read_csv(out / "V03" / "tables" / "participants_by_role.csv", dtype=str)
    assert (roles.iloc[:, 1:].isin(["<3", "0"])).all().all(), roles
    assert "ไม่แสดง เพราะมีข้อมูลของคนหรือครัวเรือนน้อยกว่า 3" in text
    assert not any((out / "V03" / "charts").glob("happiness_individual_*.png"))
    assert not any((out / "V03" / "tables").glob("happiness_change_*.csv"))
    assert not (out / "V03" / "tables" / "finance_change.csv").exists()
    head = json.loads(read(out / "V03" / "headline.json"))
    values = {k: (item or {}).get("value") for k, item in head.get("headline", head).items()
              if isinstance(item, dict)}
    assert values.get("participants") is None and values.get("happiness_change") is None
    assert values.get("income_change") is None
    m = re.search(r"(?:ตัวเลขที่ไม่แสดงเพื่อปกป้องข้อมูลส่วนบุคคล[^:]*): (\d+) ช่อง", text)
    assert m and int(m.group(1)) >= 5, text[-2000:]
    # min_cell=1 hides nothing
    page = read(ev.render_village_report(data, "V03", out, kernel=kernel, chart_formats="png",
                                         min_cell=1))
    assert "<1" not in visible_text(page)
    assert (out / "V03" / "tables" / "finance_change.csv").exists()


def test_rendering_processes_skip_the_iri_parser_and_still_validate_notebooks():
    # jsonschema's optional IRI checker (rfc3987_syntax) builds a Lark parser at import,
    # 2.8 s of every batch, worker and report process; the rendering package keeps it
    # out, and notebooks are validated as before (a broken one is still refused)
    import subprocess
    import sys

    code = (
        "import sys, evaluation.rendering, nbformat, jsonschema\n"
        "assert sys.modules.get('rfc3987_syntax') is None, sys.modules.get('rfc3987_syntax')\n"
        "nb = nbformat.read('notebooks/village_report.ipynb', as_version=4)\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['cell_type'] = 'no-such-type'\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "except nbformat.ValidationError:\n"
        "    print('refused')\n")
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "refused"


def test_a_new_kernel_has_its_thai_word_tries_built_and_frozen():
    # the tries every report uses (about 1.3 million objects) are built while the kernel
    # starts and frozen with the imported modules: the first report does not build
    # them and the first reset's full collection does not scan them
    from evaluation.rendering.kernel import DEFAULT_PRELOAD

    assert "evaluation.names" in DEFAULT_PRELOAD
    with rp.WarmKernel() as k:
        k._run("import gc, evaluation.names as n, evaluation.text as t\n"
               "from pythainlp.tokenize import word_dict_trie\n"
               "assert n._name_trie.cache_info().currsize == 1\n"
               "assert t._trie.cache_info().currsize == 1\n"
               "assert gc.get_freeze_count() > 1_000_000, gc.get_freeze_count()\n"
               "assert sum(gc.get_count()) < 100_000, gc.get_count()\n")
    with rp.WarmKernel(preload=("numpy",)) as bare:       # a plain kernel stays plain
        bare._run("import sys\nassert 'evaluation.names' not in sys.modules\n")
