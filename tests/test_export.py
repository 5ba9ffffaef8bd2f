"""Tests of evaluation.export: safe names, atomic writes, chart and table files,
escaping helpers."""

from __future__ import annotations

import re
import shutil
import subprocess

import mistune
import openpyxl
import pandas as pd
import pytest

from evaluation.charts.base import new_figure
from evaluation.export import (chart_formats, format_p, html_escape, html_table, md_escape,
                               render_figure, save_figure, write_csv, write_tables)

def test_save_figure_writes_every_format(tmp_path):
    fig, ax = new_figure()
    ax.plot([1, 2, 3], [1500, 2500, 2000])
    ax.set_title("รายได้")
    paths = save_figure(fig, tmp_path / "charts" / "income.png")
    assert [p.name for p in paths] == ["income.png", "income.svg", "income.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert paths[2].read_bytes()[:5] == b"%PDF-"
    # PNG at 200 dpi: a 7 x 4 inch figure is 1400 x 800 pixels
    from PIL import Image

    with Image.open(paths[0]) as img:
        assert img.size == (1400, 800)
    # deterministic SVG/PDF (no creation date)
    again = save_figure(fig, tmp_path / "again", formats=("svg", "pdf"))
    assert again[0].read_bytes() == paths[1].read_bytes()
    assert again[1].read_bytes() == paths[2].read_bytes()


@pytest.mark.parametrize("formats", [(), ("gif",), ("png", "tiff")])
def test_save_figure_rejects_unknown_formats(tmp_path, formats):
    fig, _ = new_figure()
    with pytest.raises(ValueError, match="formats"):
        save_figure(fig, tmp_path / "x", formats=formats)


def test_write_tables_one_sheet_per_table_with_thai_headers(tmp_path):
    tables = {
        "ผู้เข้าร่วมแยกตามบทบาทและเพศ (ตารางยาวมากเกินสามสิบเอ็ดตัวอักษร)":
            pd.DataFrame({"บทบาท": ["คณะทำงาน", "กลุ่มเป้าหมาย"], "จำนวน (คน)": [5, 30]}),
        "รายได้/รายจ่าย": pd.DataFrame({"บาท": [1500.5, float("nan")]}),
    }
    path = write_tables(tables, tmp_path / "tables.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["สารบัญ", "ผู้เข้าร่วมแยกตามบทบาทและเพศ", "รายได้-รายจ่าย"]
    first = book[book.sheetnames[1]]
    assert [c.value for c in first[1]] == ["บทบาท", "จำนวน (คน)"]
    assert [c.value for c in first[3]] == ["กลุ่มเป้าหมาย", 30]
    assert book[book.sheetnames[2]]["A2"].value == 1500.5


def test_write_tables_contents_sheet_keeps_full_titles_and_links(tmp_path):
    long = "ตัวชี้วัดบันไดผลลัพธ์: ขั้น เป้าหมาย และผลที่ได้ (ทุกตัวชี้วัด)"
    path = write_tables({"ผลลัพธ์สำคัญ": pd.DataFrame({"n": [1, 2]}),
                         long: pd.DataFrame({"n": [3]})}, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    contents = book["สารบัญ"]
    rows = [[c.value for c in r] for r in contents.iter_rows()]
    assert rows[0] == ["แผ่นงาน", "ชื่อตารางเต็ม", "จำนวนแถว"]
    assert rows[1] == ["ผลลัพธ์สำคัญ", "ผลลัพธ์สำคัญ", 2]
    short = rows[2][0]
    assert rows[2][1:] == [long, 1] and short in book.sheetnames and len(short) <= 31
    assert short.count("(") == short.count(")") and "_" not in short
    assert contents["A3"].hyperlink.location == f"'{short}'!A1"
    english = openpyxl.load_workbook(write_tables({"a": pd.DataFrame(), "b": pd.DataFrame()},
                                                  tmp_path / "en.xlsx", lang="en"))
    assert english.sheetnames == ["Contents", "a", "b"]


def test_write_tables_numbers_are_numbers_with_formats(tmp_path):
    frame = pd.DataFrame({"ตัวชี้วัด": ["ก", "ข"], "ร้อยละของเป้าหมาย": [1.6667, 0.25],
                          "n": [36, 30], "บาท": [1500.5, None], "ครัวเรือน": [3.0, 4.0]})
    frame.attrs["number_formats"] = {"ร้อยละของเป้าหมาย": "0.0%"}
    ws = openpyxl.load_workbook(write_tables({"t": frame}, tmp_path / "t.xlsx"))["t"]
    cells = {c.column_letter: c for c in ws[2]}
    assert (cells["B"].value, cells["B"].number_format) == (1.6667, "0.0%")  # not '166.7%'
    assert (cells["C"].value, cells["C"].number_format) == (36, "#,##0")
    assert (cells["D"].value, cells["D"].number_format) == (1500.5, "#,##0.00")
    assert (cells["E"].value, cells["E"].number_format) == (3, "#,##0")
    assert cells["A"].data_type == "s" and all(cells[k].data_type == "n" for k in "BCDE")


def test_write_tables_print_setup(tmp_path):
    narrow = pd.DataFrame({"a": [1], "b": [2]})
    wide = pd.DataFrame({f"คอลัมน์ที่ {i}": range(3) for i in range(16)})
    book = openpyxl.load_workbook(write_tables({"narrow": narrow, "wide": wide},
                                               tmp_path / "t.xlsx"))
    for name, orientation in (("narrow", "portrait"), ("wide", "landscape")):
        ws = book[name]
        setup = ws.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == (orientation, 1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"  # the header row on every printed page
        assert setup.paperSize in (9, "9")  # A4


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="LibreOffice or poppler-utils not installed (Debian: "
                           "libreoffice-calc poppler-utils): printed page count not checked")
def test_printed_workbook_is_one_page_wide(tmp_path):
    wide = pd.DataFrame({f"คอลัมน์ที่ {i}": [f"ค่า {j}" for j in range(60)] for i in range(16)})
    path = write_tables({"wide": wide}, tmp_path / "t.xlsx")
    subprocess.run(["soffice", "--headless", "--norestore",
                    f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300)
    info = subprocess.run(["pdfinfo", str(tmp_path / "t.pdf")], check=True,
                          capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    # 16 columns of ~11 characters, 61 rows: one landscape page here; without the print
    # setup LibreOffice prints 8 portrait pages.
    assert pages <= 3 and width > height


def test_write_tables_rejects_empty(tmp_path):
    with pytest.raises(ValueError, match="at least one table"):
        write_tables({}, tmp_path / "t.xlsx")


def test_write_csv_is_utf8_with_bom(tmp_path):
    path = write_csv(pd.DataFrame({"ชื่อ": ["บ้าน"]}), tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == "ชื่อ\nบ้าน\n"


def test_html_escape_and_table_escape_data_text():
    hostile = "<script>alert(1)</script>"
    assert "<script>" not in html_escape(hostile)
    table = html_table(pd.DataFrame({hostile: [hostile], "บาท": [1234567.891]}), caption=hostile)
    assert "<script>" not in table
    assert table.count("&lt;script&gt;") == 3
    assert "1,234,567.9" in table  # thousands separators, one decimal by default


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "**bold** _it_ [link](http://x)", "# heading", "a & b < c",
    "`code` | pipe", "<img src=x onerror=alert(1)>", "1. not a list", "back\\slash",
])
def test_md_escape_renders_as_the_same_text(text):
    rendered = mistune.html(md_escape(text))
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert "<strong>" not in rendered and "<h1>" not in rendered and "<code>" not in rendered
    # the visible text is exactly the input
    import html as _html
    import re

    visible = _html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert visible == text


# --------------------------------------------------------------------------- chart formats
@pytest.mark.parametrize(("value", "expected"), [
    ("png,svg,pdf", ("png", "svg", "pdf")), ("PNG", ("png",)), (" png , .svg ", ("png", "svg")),
    (("pdf", "png", "pdf"), ("pdf", "png")), (None, ("png", "svg", "pdf")), ("jpg", ("jpg",)),
])
def test_chart_formats(value, expected):
    assert chart_formats(value) == expected


@pytest.mark.parametrize("value", ["", ",", "gif", "png,tiff", ("png", 3), []])
def test_chart_formats_rejects_bad_values(value):
    with pytest.raises(ValueError, match="formats must be"):
        chart_formats(value)


def thai_figure():
    fig, ax = new_figure()
    ax.bar(["ก่อน", "หลัง"], [6800, 8767])
    ax.set_title("รายได้ครัวเรือนต่อเดือน ผู้ใหญ่บ้านและกลุ่มเป้าหมาย")
    ax.set_xlabel("ช่วงการประเมิน")
    ax.set_ylabel("บาทต่อเดือน")
    return fig


def frozen_plain_png(fig, dpi=200):
    """Reference: matplotlib's own savefig on a fresh canvas, layout frozen the same way."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    engine = fig.get_layout_engine()
    engine.execute(fig)
    fig.set_layout_engine(None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    fig.set_layout_engine(engine)
    return buf.getvalue()


def test_png_is_rendered_once_and_the_same_for_any_formats(tmp_path):
    # the bytes handed back for the page are the .png file; PNG-only and all-formats
    # runs give the same picture; shared renderers give matplotlib's own bytes
    paths, data = render_figure(thai_figure(), tmp_path / "a", ("png", "svg", "pdf"), png=True)
    assert data == paths[0].read_bytes()
    only, data_only = render_figure(thai_figure(), tmp_path / "b", "png", png=True)
    assert [p.name for p in only] == ["b.png"] and data_only == data
    none, in_memory = render_figure(thai_figure(), None, "svg", png=True)
    assert none == [] and in_memory == data
    for _ in range(2):  # second time on the kept renderer
        assert render_figure(thai_figure(), None, "png", png=True)[1] == \
            frozen_plain_png(thai_figure())
    fig = thai_figure()
    canvas = fig.canvas
    render_figure(fig, tmp_path / "c", "png")
    assert fig.canvas is canvas and fig.get_layout_engine() is not None  # left as found


def pdf_streams(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """{object number: (dictionary, decompressed data)} of every stream of a PDF."""
    import re
    import zlib

    out = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n", pdf, re.S):
        end = pdf.index(b"endstream", m.end())
        data = pdf[m.end():end]
        if b"/FlateDecode" in m.group(2):
            data = zlib.decompress(data)
        out[int(m.group(1))] = (m.group(2), data)
    return out


def test_pdf_fonts_without_layout_tables_draw_the_same(tmp_path):
    """Lean font subsets: no GSUB/GPOS/GDEF, and the page draws the same glyphs
    (same content stream, same character -> glyph outline) as matplotlib's own."""
    import io

    from fontTools.ttLib import TTFont

    fig = thai_figure()
    lean = save_figure(fig, tmp_path / "lean", formats="pdf")[0].read_bytes()
    engine = fig.get_layout_engine()
    engine.execute(fig)
    fig.set_layout_engine(None)
    fig.savefig(tmp_path / "plain.pdf", metadata={"CreationDate": None})  # matplotlib's subsets
    plain = (tmp_path / "plain.pdf").read_bytes()

    def parts(pdf):
        import re

        streams = pdf_streams(pdf)
        fonts = [TTFont(io.BytesIO(d)) for h, d in streams.values() if b"/Length1" in h]
        pages = [d for h, d in streams.values() if b" TJ" in d or b" Tj" in d]
        cid_maps = [streams[int(n)][1] for n in re.findall(rb"/CIDToGIDMap (\d+) 0 R", pdf)]
        return fonts, pages, cid_maps

    lean_fonts, lean_pages, lean_maps = parts(lean)
    plain_fonts, plain_pages, plain_maps = parts(plain)
    assert lean_pages == plain_pages and lean_pages  # the same drawing operators
    assert len(lean_fonts) == len(plain_fonts) == len(lean_maps) == len(plain_maps) >= 2
    for fl, fp, ml, mp in zip(lean_fonts, plain_fonts, lean_maps, plain_maps):
        assert not {"GSUB", "GPOS", "GDEF"} & set(fl.keys())
        assert {"GSUB", "GPOS"} <= set(fp.keys())  # what matplotlib alone would embed
        order_l, order_p = fl.getGlyphOrder(), fp.getGlyphOrder()
        assert len(ml) == len(mp)
        for cid in range(len(ml) // 2):
            gl = int.from_bytes(ml[2 * cid:2 * cid + 2], "big")
            gp = int.from_bytes(mp[2 * cid:2 * cid + 2], "big")
            if gl == gp == 0:
                continue
            name = order_l[gl]
            assert name == order_p[gp]
            a, b = fl["glyf"][name], fp["glyf"][order_p[gp]]
            assert a.numberOfContours == b.numberOfContours
            if a.numberOfContours:
                assert list(a.getCoordinates(fl["glyf"])[0]) == \
                    list(b.getCoordinates(fp["glyf"])[0])
            assert fl["hmtx"][name] == fp["hmtx"][name]
    assert len(lean) < len(plain)


def test_pdf_font_subsets_are_reused_with_the_same_bytes(tmp_path):
    """A chart drawn again (e.g. the same chart for the next village) reuses the
    font subsets made before: same PDF bytes as a fresh subset, no new subset."""
    from evaluation import export

    export._lean_subset_bytes.cache_clear()
    first = save_figure(thai_figure(), tmp_path / "a", formats="pdf")[0].read_bytes()
    made = export._lean_subset_bytes.cache_info()
    assert made.misses >= 2 and made.hits == 0  # Sarabun regular and bold
    again = save_figure(thai_figure(), tmp_path / "b", formats="pdf")[0].read_bytes()
    info = export._lean_subset_bytes.cache_info()
    assert info.misses == made.misses and info.hits == made.misses
    assert again == first
    export._lean_subset_bytes.cache_clear()
    assert save_figure(thai_figure(), tmp_path / "c", formats="pdf")[0].read_bytes() == first


def test_html_table_formatters_rows_and_wide_tables():
    frame = pd.DataFrame({"กลุ่ม": ["<b>", "ข"], "p": [0.00001, 0.2], **{f"c{i}": [1, 2]
                                                                     for i in range(5)}})
    out = html_table(frame, formatters={"p": format_p}, rows=[False, True])
    assert 'class="ev-table ev-wide"' in out  # 7 columns
    assert "<td>ข</td>" in out and "&lt;b&gt;" not in out  # only the shown row
    assert '<td class="num">0.200</td>' in out
    narrow = html_table(frame[["กลุ่ม", "p"]], formatters={"p": format_p})
    assert 'class="ev-table"' in narrow and "&lt;b&gt;" in narrow and "&lt; 0.001" in narrow


def test_write_tables_values_header_and_widths(tmp_path):
    frame = pd.DataFrame({"วันที่": pd.to_datetime(["2021-06-01", None]),
                          "บาท": [float("inf"), float("nan")], "คน": pd.array([3, None],
                                                                           dtype="Int64"),
                          "กลุ่ม": pd.Categorical(["ก", None])})
    book = openpyxl.load_workbook(write_tables({"t": frame}, tmp_path / "t.xlsx"))
    sheet = book["t"]
    assert [c.value for c in sheet[1]] == ["วันที่", "บาท", "คน", "กลุ่ม"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    row2, row3 = [c.value for c in sheet[2]], [c.value for c in sheet[3]]
    assert row2[0].year == 2021 and row2[1] == "inf" and row2[2] == 3 and row2[3] == "ก"
    assert row3 == [None, None, None, None]  # missing values are empty cells


def test_pdf_bytes_do_not_depend_on_the_clock(tmp_path, monkeypatch):
    """fontTools stamps saved fonts with the current time; the embedded subsets keep
    the font's own date, so a chart gives the same PDF a second (or a year) later."""
    from fontTools.ttLib.tables import _h_e_a_d

    first = save_figure(thai_figure(), tmp_path / "a", formats="pdf")[0].read_bytes()
    monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda: 3_000_000_000)
    later = save_figure(thai_figure(), tmp_path / "b", formats="pdf")[0].read_bytes()
    assert later == first


def _straightforward_sheet(frame):
    """What a sheet holds, computed the plain pandas way (itertuples, iloc per column)."""
    import numpy as np

    from openpyxl.compat.strings import safe_string

    from evaluation.export import _excel_ready, _excel_value

    data = _excel_ready(frame)
    wanted = dict(frame.attrs.get("number_formats", {}) or {})
    formats = []
    for i, (col, original, dtype) in enumerate(zip(data.columns, frame.columns, data.dtypes)):
        if original in wanted or col in wanted:
            formats.append(wanted.get(original, wanted.get(col)))
        elif pd.api.types.is_bool_dtype(dtype):
            formats.append(None)
        elif pd.api.types.is_integer_dtype(dtype):
            formats.append("#,##0")
        elif pd.api.types.is_float_dtype(dtype):
            whole = data.iloc[:, i].to_numpy(dtype=float, na_value=np.nan)
            whole = whole[~np.isnan(whole)]
            formats.append("#,##0" if len(whole) and (whole == np.round(whole)).all()
                           else "#,##0.00")
        else:
            formats.append("#,##0.00" if dtype == object else None)
    widths = [min(60, max(8, max([len(str(c))] + [len(str(v)) for v in values]) + 2))
              for c, values in data.iloc[:200].items()]
    cells = dict(frame.attrs.get("cell_formats", {}) or {})
    rows = []
    for i, row in enumerate(data.itertuples(index=False, name=None)):
        out = []
        for c, f, v in zip(data.columns, formats, row):
            v, f = _excel_value(v), cells.get((i, c), f)
            numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
            if isinstance(v, float):   # as the file stores it (openpyxl's float text)
                v = float(safe_string(v))
            v = None if v == "" else v      # an empty text is an empty cell
            out.append((v, f if f and numeric else None))
        rows.append(out)
    return widths, rows


def _edge_frames():
    import numpy as np

    rng = np.random.default_rng(3)
    big = pd.DataFrame({"a": rng.normal(size=260), "b": rng.integers(0, 10**7, 260),
                        "c": ["x" * int(k) for k in rng.integers(0, 90, 260)],
                        "d": pd.array(rng.integers(0, 5, 260), dtype="Int64")})
    big.loc[3, "a"] = np.nan
    big.loc[250, "c"] = "y" * 70          # a long text after the first 200 rows: not measured
    dup = pd.DataFrame([[1, "=x", 2.5], [2, "-5", np.nan]], columns=["k", "k", "+v"])
    cat = pd.DataFrame({"c": pd.Categorical(["a", None, "b"]),
                        "t": pd.to_datetime(["2024-01-01", None, "2024-03-01"]).tz_localize(
                            "Asia/Bangkok"), "w": [1.0, 2.0, np.nan]})
    mixed = pd.DataFrame({"o": [1, "a", None, 2.5, True], "b": [True, False] * 2 + [True],
                          "s": pd.array(["ก", None, "@x", "y", "z"], dtype="string"),
                          "inf": [np.inf, -np.inf, 1, 2, 3]})
    fmt = pd.DataFrame({"share": [0.25, 0.5], "n": [3.0, 4.0], "mix": [1, 0.5]})
    fmt.attrs["number_formats"] = {"share": "0.0%"}
    fmt.attrs["cell_formats"] = {(1, "mix"): "0.0%"}
    return {"big": big, "dup": dup, "cat": cat, "mixed": mixed, "fmt": fmt,
            "one": pd.DataFrame({"x": [np.nan, 1.5]}),
            "empty": pd.DataFrame({"a": pd.Series([], dtype=float), "b": []}),
            "ints": pd.DataFrame({0: [1, 2], 1: ["a", "b"]}),
            "nocols": pd.DataFrame(index=range(3))}


def test_write_tables_cells_match_the_row_by_row_computation(tmp_path):
    """write_tables reads each column once; the workbook is what itertuples and
    iloc per column give (values, number formats, widths), edge cases included."""
    from openpyxl.utils import get_column_letter

    frames = _edge_frames()
    book = openpyxl.load_workbook(write_tables(frames, tmp_path / "t.xlsx"))
    for name, frame in frames.items():
        sheet = book[name]
        widths, rows = _straightforward_sheet(frame)
        assert [sheet.column_dimensions[get_column_letter(i)].width
                for i in range(1, len(widths) + 1)] == widths, name
        got = [[(c.value, c.number_format if isinstance(c.value, (int, float)) and not
                 isinstance(c.value, bool) and c.number_format != "General" else None)
                for c in row] for row in sheet.iter_rows(min_row=2)]
        if frame.shape[1] == 0:   # a row per row without cells (as itertuples gives)
            assert got == [] and sheet.max_row in (1, 1 + len(frame)), name
            continue
        assert got == [[(v, f) for v, f in row] for row in rows], name


def _html_table_by_itertuples(frame, *, decimals=None, formatters=None):
    """html_table's body row by row with DataFrame.itertuples (the plain way)."""
    from collections.abc import Mapping

    from evaluation.export import format_number

    formatters = dict(formatters or {})
    numeric = [pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
               for t in frame.dtypes]
    parts = []
    for row in frame.itertuples(index=False, name=None):
        parts.append("<tr>")
        for col, value, is_num in zip(frame.columns, row, numeric):
            if col in formatters:
                cls = ' class="num"' if is_num else ""
                parts.append(f"<td{cls}>{html_escape(formatters[col](value))}</td>")
            elif is_num:
                d = decimals.get(col) if isinstance(decimals, Mapping) else decimals
                parts.append(f'<td class="num">{html_escape(format_number(value, d))}</td>')
            else:
                parts.append(f"<td>{html_escape(format_number(value))}</td>")
        parts.append("</tr>")
    return "".join(parts)


def test_html_table_rows_equal_the_itertuples_rows():
    for name, frame in _edge_frames().items():
        for decimals in (None, 2, {frame.columns[0]: 3} if frame.shape[1] else None):
            out = html_table(frame, decimals=decimals)
            body = out.split("<tbody>", 1)[1].rsplit("</tbody>", 1)[0]
            assert body == _html_table_by_itertuples(frame, decimals=decimals), name


def test_show_table_decimals_for_float_columns_only():
    from evaluation.reporting.context import show_table

    class Ctx:
        def table(self, frame, name, title, *, decimals=None, **kwargs):
            self.decimals = decimals

    for name, frame in _edge_frames().items():
        ctx = Ctx()
        if not frame.columns.is_unique:      # frame[c] is a frame: no dtype, as before
            with pytest.raises(AttributeError):
                show_table(ctx, frame, name, name, decimals=1)
            continue
        show_table(ctx, frame, name, name, decimals=1)
        assert ctx.decimals == {c: 1 for c in frame.columns
                                if pd.api.types.is_float_dtype(frame[c].dtype)}, name
        show_table(ctx, frame, name, name, decimals={"x": 2})
        assert ctx.decimals == {"x": 2}
