"""Charts in the page (evaluation.charts.svg) and Thai shaping in every chart output.

Thai shaping is checked against HarfBuzz (see ``tests/thai_shaping.py``): the
glyphs matplotlib lays out (used for PNG, the SVG file's paths and PDF) are
HarfBuzz's glyphs at HarfBuzz's positions, and the PNG, the PDF (drawn by
poppler) and the SVG file look like HarfBuzz's rendering of the same string,
part by part. The inline SVG is drawn by the browser: ``tests/test_browser.py``
compares Chromium's screenshot of it the same way.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from thai_shaping import (
    THAI_TEXT,
    compare_ink,
    harfbuzz_glyphs,
    ink,
    png_of,
    reference_image,
    sarabun,
    text_figure,
)

from evaluation.charts.svg import (
    figure_svg,
    font_face_css,
    font_subset,
    render_chart,
    scope_svg_ids,
)
from evaluation.errors import EvaluationError

SVG_NS = "{http://www.w3.org/2000/svg}"


# --------------------------------------------------------------------------- inline SVG
def test_inline_svg_keeps_text_as_text_and_scopes_ids():
    fig = text_figure()
    ax = fig.axes[0]
    ax.set_axis_on()
    ax.plot([1, 2, 3], [3, 1, 2], marker="o")  # markers: <use href="#…"> of one <path id>
    svg_a = figure_svg(fig, prefix="ev-c1-", title="ชื่อ <กราฟ>")
    svg_b = figure_svg(fig, prefix="ev-c2-")
    root = ET.fromstring(svg_a)
    assert root.tag == "svg" and root.get("aria-label") == "ชื่อ <กราฟ>"
    assert root.get("role") == "img" and "ev-chart" in root.get("class")
    texts = ["".join(t.itertext()) for t in root.iter("text")]
    assert THAI_TEXT in texts  # text as text, NFC as written
    assert all("Sarabun" in t.get("style") for t in root.iter("text"))
    ids_a = {e.get("id") for e in root.iter() if e.get("id")}
    ids_b = {e.get("id") for e in ET.fromstring(svg_b).iter() if e.get("id")}
    assert ids_a and all(i.startswith("ev-c1-") for i in ids_a)
    assert not ids_a & ids_b  # two charts in one page share no id
    refs = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg_a))
    assert refs == ids_a  # every reference resolves, no id left unreferenced
    for bad in ("<?xml", "<!DOCTYPE", "<metadata", "<style", "xmlns", "xlink:", "http"):
        assert bad not in svg_a, bad


def test_scope_svg_ids_rejects_a_prefix_that_breaks_markup():
    with pytest.raises(EvaluationError, match="prefix must be"):
        scope_svg_ids("<svg/>", 'x" onload="alert(1)')


def test_render_chart_writes_only_the_formats_asked_for(tmp_path):
    svg, files = render_chart(text_figure(), prefix="c1-", path=tmp_path / "t")
    assert svg.startswith("<svg") and files == [] and not list(tmp_path.iterdir())
    fig = text_figure()
    engine = fig.get_layout_engine()
    svg2, files = render_chart(fig, prefix="c1-", path=tmp_path / "t", formats=("png", "pdf"))
    assert [p.name for p in files] == ["t.png", "t.pdf"]
    assert svg2 == svg  # the same page markup whatever files are written
    assert fig.get_layout_engine() is engine  # the figure is left as it was


def test_font_subset_is_woff2_with_thai_latin_digits_and_layout_tables():
    import io

    from fontTools.ttLib import TTFont

    data = font_subset(sarabun())
    assert data[:4] == b"wOF2"
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    for ch in THAI_TEXT + "ABCxyz0123456789฿%.,()–":
        assert ord(ch) in cmap or ch == " ", ch
    assert "GSUB" in font and "GPOS" in font  # the browser places Thai marks with them
    assert len(data) < 60_000  # the whole font file is ~90 kB as TTF
    assert font_subset(sarabun()) is data  # made once per process
    css = font_face_css()
    assert css.count("@font-face") == 2 and "font-weight:700" in css and "http" not in css


# --------------------------------------------------------------------------- Thai shaping
@pytest.mark.parametrize("stem", ["Sarabun-Regular", "Sarabun-Bold"])
def test_matplotlib_lays_out_thai_glyphs_where_harfbuzz_does(stem):
    pytest.importorskip("uharfbuzz")
    from matplotlib.font_manager import get_font
    from matplotlib.textpath import TextToPath

    expected, upem = harfbuzz_glyphs(stem=stem)
    t2p = TextToPath()
    font = get_font(sarabun(stem))
    font.set_size(t2p.FONT_SCALE, t2p.DPI)
    # the layout matplotlib uses for Agg (PNG), the SVG file's glyph paths and PDF
    info, _, _ = t2p.get_glyphs_with_font(font, THAI_TEXT)
    got = [(int(name.rsplit("-", 1)[1], 16), x, y) for name, x, y, _ in info]
    scale = t2p.FONT_SCALE / upem  # font units -> the layout's units
    assert [g for g, _, _ in got] == [g for g, _, _ in expected]
    for (_, x, y), (_, ex, ey) in zip(got, expected):
        assert x == pytest.approx(ex * scale, abs=0.5) and y == pytest.approx(ey * scale, abs=0.5)


def test_reference_comparison_tells_shaped_from_unshaped_text():
    from PIL import ImageFont

    shaped = ink(reference_image())
    unshaped = ink(reference_image(engine=ImageFont.Layout.BASIC))
    overall, worst = compare_ink(shaped, unshaped)
    assert overall < 0.4 and worst < 0.3  # the comparison can fail (shaped: > 0.7, > 0.5)


def test_png_shapes_thai_like_harfbuzz():
    overall, worst = compare_ink(ink(png_of(text_figure())), ink(reference_image()))
    assert overall > 0.7 and worst > 0.5, (overall, worst)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils (pdftoppm)")
def test_pdf_file_shapes_thai_like_harfbuzz(tmp_path):
    from PIL import Image

    _, files = render_chart(text_figure(), prefix="c-", path=tmp_path / "t", formats=("pdf",))
    subprocess.run(["pdftoppm", "-r", "96", "-gray", "-png", "-singlefile", str(files[0]),
                    str(tmp_path / "page")], check=True, capture_output=True)
    overall, worst = compare_ink(ink(Image.open(tmp_path / "page.png")), ink(reference_image()))
    assert overall > 0.7 and worst > 0.5, (overall, worst)
    # (the PDF's text layer is not compared: matplotlib maps every glyph of a Thai
    # cluster to the whole cluster, so copying text out of the PDF repeats clusters)


def test_svg_file_draws_text_as_harfbuzz_glyph_paths(tmp_path):
    pytest.importorskip("uharfbuzz")
    _, files = render_chart(text_figure(), prefix="c-", path=tmp_path / "t", formats=("svg",))
    root = ET.parse(files[0]).getroot()
    assert not list(root.iter(f"{SVG_NS}text"))  # no text element: needs no installed font
    uses = [u for u in root.iter(f"{SVG_NS}use")
            if u.get("{http://www.w3.org/1999/xlink}href", "").startswith("#Sarabun")]
    glyphs = [int(u.get("{http://www.w3.org/1999/xlink}href").rsplit("-", 1)[1], 16)
              for u in uses]
    expected, _ = harfbuzz_glyphs()
    # every glyph but the space is drawn, in HarfBuzz's order (its glyph ids)
    assert glyphs == [g for g, _, _ in expected if g != expected[THAI_TEXT.index(" ")][0]] \
        or glyphs == [g for g, _, _ in expected]


def test_text_from_the_data_is_escaped_in_the_page():
    fig = text_figure("<script>alert(1)</script> & <b>บ้าน</b>")
    svg = figure_svg(fig, prefix="c1-", title='"><img src=x onerror=alert(2)>')
    assert "<script" not in svg and "<b>" not in svg and "<img" not in svg
    root = ET.fromstring(svg)
    assert "<script>alert(1)</script> & <b>บ้าน</b>" in ["".join(t.itertext())
                                                         for t in root.iter("text")]
