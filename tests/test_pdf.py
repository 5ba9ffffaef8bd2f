"""Printing reports to PDF (headless Chromium): Thai marks stay with their line at
page breaks, nothing is painted in the page margins, and --pdf says clearly when
Chromium is missing.

The checks read the PDF's text layer (poppler's ``pdftotext``) and its pixels
(``pdftoppm``). A Thai tone mark stacked on an upper vowel (ชี้, สั้น) rises above
the line box of a tight line height; when such a line starts a page, Chromium
paints the marks at the foot of the page before, where the text layer shows them
as words of zero width (or a line of marks alone) below the last line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evaluation.cli import EXIT_INVALID_DATA, app
from evaluation.pdf import find_chromium, html_to_pdf

CHROMIUM = find_chromium()
POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "pdfinfo"))
needs_tools = pytest.mark.skipif(
    CHROMIUM is None or not POPPLER,
    reason="needs Chromium and poppler-utils (Debian: apt-get install chromium "
           "poppler-utils; .ci/run does): PDF printing not checked")

#: Thai marks that sit above (or below) a consonant: U+0E31, U+0E34-U+0E3A, U+0E47-U+0E4E.
MARKS = frozenset(chr(c) for c in (0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)))
#: Bottom page margin of the report's print CSS (@page), in mm.
BOTTOM_MARGIN_MM = 20
HEADING = "ดัชนีชี้วัดสุขภาพจิตคนไทยฉบับสั้น 15 ข้อ"


def orphaned_marks(pdf: Path) -> list[str]:
    """Every sign of Thai marks separated from their line, as readable strings."""
    found = []
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout
    for page_no, page in enumerate(layout.split("\f"), start=1):
        for line in page.splitlines():
            text = line.strip()
            if text and all(ch in MARKS or ch.isspace() for ch in text):
                found.append(f"page {page_no}: a line of marks only: {text!r}")
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    word = re.compile(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<')
    for page_no, page in enumerate(bbox.split("<page ")[1:], start=1):
        for x0, y0, x1, text in word.findall(page):
            if float(x1) - float(x0) < 0.01 and any(ch in MARKS for ch in text):
                found.append(f"page {page_no}: marks of {text!r} alone at y = {y0} pt")
    return found


def ink_in_bottom_margin(pdf: Path, tmp_path: Path, *, dpi: int = 40) -> list[int]:
    """Pages with anything painted in the bottom page margin (where no content belongs)."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf),
                    str(tmp_path / "page")], check=True, capture_output=True)
    band = int((BOTTOM_MARGIN_MM - 3) / 25.4 * dpi)  # 3 mm grace above the margin
    bad = []
    for path in sorted(tmp_path.glob("page-*.png")):
        image = Image.open(path).convert("L")
        strip = image.crop((0, image.height - band, image.width, image.height))
        if strip.getextrema()[0] < 200:  # something darker than near-white
            bad.append(int(path.stem.split("-")[-1]))
    return bad


def report_page(body: str) -> str:
    """A page styled exactly like a report (the same CSS and embedded font)."""
    from evaluation.rendering.html import report_css

    return (f"<!DOCTYPE html><html lang=\"th\"><head><meta charset=\"utf-8\">"
            f"<style>{report_css()}</style></head><body><main>{body}</main></body></html>")


def test_pdf_without_chromium_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALUATION_CHROMIUM", str(tmp_path / "no-such-browser"))
    runner = CliRunner()
    for args in (["report", str(tmp_path), "--village", "V01", "--pdf"],
                 ["batch", str(tmp_path), "--pdf"]):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_INVALID_DATA, result.output
        assert "apt-get install chromium" in result.output
        assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # nothing rendered


@needs_tools
def test_thai_marks_stay_with_their_line_at_page_breaks(tmp_path):
    # Headings and table captions with stacked marks at every height of the page: some
    # of them start a page, whatever the exact metrics of the machine's Chromium.
    blocks = []
    for i in range(48):
        blocks.append("<p>" + "ข้อความประกอบรายงาน " * (3 + (i * 7) % 23) + "</p>")
        blocks.append(f"<h3>{HEADING} ({i})</h3>")
        if i % 3 == 0:
            rows = "".join(f"<tr><td>ตัวชี้วัดที่ {j}</td><td class=\"num\">{j}</td></tr>"
                           for j in range(1 + i % 4))
            blocks.append(f"<table class=\"ev-table\"><caption>ตัวชี้วัดบันไดผลลัพธ์ {i}"
                          f"</caption><thead><tr><th>ตัวชี้วัด</th><th>ค่า</th></tr></thead>"
                          f"<tbody>{rows}</tbody></table>")
    page = tmp_path / "marks.html"
    page.write_text(report_page("".join(blocks)), encoding="utf-8")
    pdf = html_to_pdf(page)
    tops = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout.split("\f")
    starts = [p.strip().splitlines()[0] for p in tops if p.strip()]
    assert sum("ชี้วัด" in s for s in starts) >= 2, starts  # the case really occurs
    assert orphaned_marks(pdf) == []
    assert ink_in_bottom_margin(pdf, tmp_path) == []


@needs_tools
@pytest.mark.slow
def test_sample_village_prints_to_pdf(rendered_village, tmp_path):
    html = rendered_village / "report.html"
    pdf = html_to_pdf(html, tmp_path / "report.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    assert "(A4)" in info
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 5
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "file://" not in text and "report.html" not in text  # no browser header/footer
    assert orphaned_marks(pdf) == []
    assert ink_in_bottom_margin(pdf, tmp_path) == []
    assert os.stat(pdf).st_mode & 0o077 == os.stat(html).st_mode & 0o077  # usual mode
