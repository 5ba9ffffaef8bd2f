"""Tests for evaluation.privacy_scan and `evaluation privacy-scan`. All data invented.

The scan of real rendered reports (zero findings) is in tests/rendering/test_notebook.py,
which renders them once."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.privacy_scan import (participant_identifiers, read_scan_summary, scan_outputs,
                                     write_scan_summary)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
PEOPLE = pd.DataFrame({"person_id": ["P1", "P2"],
                       "name": ["นางมะลิวัลย์ หอมกลิ่นแก้ว", "นายทองเปลว ศรีสะอาดดี"],
                       "national_id": ["1103702298476", None],
                       "phone": ["081-234-5678", "๐๘๙๗๖๕๔๓๒๑"]})


@pytest.fixture()
def clean(tmp_path):
    """An output folder with one file of each kind and nothing personal."""
    d = tmp_path / "out"
    (d / "V01" / "tables").mkdir(parents=True)
    (d / "V01" / "charts").mkdir()
    (d / "V01" / "report.html").write_text(
        "<html><head><style>@font-face{src:url(data:font/ttf;base64,MDgxMjM0NTY3OA==)}</style>"
        "</head><body><h1>รายงานหมู่บ้าน</h1><p>สมาชิก 30 คน ออมได้ 15,000 บาท</p>"
        "<p>[ชื่อ-1] เล่าว่ากลุ่มแม่บ้านขายน้ำพริกได้มากขึ้น</p>"
        "<img src=\"data:image/png;base64,MDg5NzY1NDMyMQ==\" alt=\"กราฟความสุข\"></body></html>",
        encoding="utf-8")
    (d / "V01" / "tables" / "happiness.csv").write_text(
        "\ufeffกลุ่ม,n,ค่าเฉลี่ย\nหญิง,12,4.5\nชาย,<3,\n", encoding="utf-8")
    (d / "V01" / "charts" / "happiness.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><path d="M 0812345678 1103702298476"/>'
        "<text>ความสุขก่อนและหลัง</text><!-- คะแนน --></svg>", encoding="utf-8")
    nb = new_notebook(cells=[new_code_cell("S.section_cover(v, ctx)", outputs=[
        new_output("display_data", data={"text/html": "<p>พี่น้องในชุมชนช่วยกัน</p>",
                                         "text/plain": "<IPython.core.display.HTML object>"})])])
    nbformat.write(nb, d / "V01" / "report.ipynb")
    wb = openpyxl.Workbook()
    wb.active.title = "ความสุข"
    wb.active.append(["กลุ่ม", "n"])
    wb.active.append(["หญิง", 12])
    wb.save(d / "V01" / "tables.xlsx")
    (d / "V01" / "headline.json").write_text(json.dumps({"village": "บ้านดอนมะไฟ ม.4",
                                                         "n": 30}, ensure_ascii=False))
    (d / "V01" / "charts" / "happiness.png").write_bytes(b"\x89PNG 0812345678")
    return d


def test_clean_folder_has_no_findings(clean):
    found = scan_outputs(clean, participants=PEOPLE)
    assert found.empty, found
    assert found.attrs["n_files"] == 6 and found.attrs["skipped"] == 1  # the PNG


@pytest.mark.parametrize("relpath, content, kind", [
    ("V01/report.html", "<p>ป้าสมศรีเล่าว่า</p>", "name"),
    ("V01/report.html", '<img alt="โทร 081-234-5678" src="x.png">', "phone"),
    ("V01/tables/quotes.csv", "quote\nติดต่อไลน์ @somsri_chili\n", "line_id"),
    ("V01/charts/x.svg", "<svg><text>บ้านเลขที่ 45/2 หมู่ 3</text></svg>", "address"),
    ("V01/notes.md", "ทองเปลว มาประชุม", "name"),            # a participant's given name
    ("V01/notes.txt", "เบอร์ 089 765 4321", "phone"),           # a participant's phone
    ("V01/notes.txt", "รหัส 1-1037-02298-47-6", "national_id"),  # a participant's ID
    ("V01/headline.json", json.dumps({"best": "นางมะลิวัลย์ หอมกลิ่นแก้ว"}), "name"),
])
def test_planted_identifier_is_found(clean, relpath, content, kind):
    path = clean / relpath
    path.write_text(content, encoding="utf-8")
    found = scan_outputs(clean, participants=PEOPLE)
    assert kind in found["kind"].tolist(), found
    assert set(found["file"]) == {relpath}


def test_planted_in_excel_and_notebook_and_pdf(clean):
    wb = openpyxl.load_workbook(clean / "V01" / "tables.xlsx")
    wb.active["A3"] = "นายสมปอง รักดี"
    wb.active["B3"] = 812345678          # a phone typed as a number: leading 0 lost
    wb.save(clean / "V01" / "tables.xlsx")
    nb = nbformat.read(clean / "V01" / "report.ipynb", as_version=4)
    nb.cells[0].outputs.append(new_output("stream", name="stdout", text="ลุงบุญมี ขายปลา\n"))
    nbformat.write(nb, clean / "V01" / "report.ipynb")
    from matplotlib.figure import Figure

    fig = Figure()
    fig.text(0.1, 0.5, "somsri@example.org 0812345678")
    fig.savefig(clean / "V01" / "charts" / "x.pdf")
    found = scan_outputs(clean)
    got = set(zip(found["file"], found["kind"]))
    assert ("V01/tables.xlsx", "name") in got and ("V01/tables.xlsx", "phone") in got
    assert ("V01/report.ipynb", "name") in got
    assert ("V01/charts/x.pdf", "email") in got and ("V01/charts/x.pdf", "phone") in got
    xl = found[found["file"] == "V01/tables.xlsx"]
    assert set(xl["location"]) == {"ความสุข!A3", "ความสุข!B3"}


def test_participant_identifiers():
    ids = participant_identifiers(PEOPLE)
    assert ids["names"] == PEOPLE["name"].tolist()
    assert ids["national_ids"] == ["1103702298476"]
    assert ids["phones"] == ["0812345678", "0897654321"]
    assert participant_identifiers(None) == {"names": [], "national_ids": [], "phones": []}


def test_summary_round_trip(clean):
    (clean / "V01" / "notes.txt").write_text("โทร 081-234-5678", encoding="utf-8")
    found = scan_outputs(clean)
    write_scan_summary(clean, found)
    summary = read_scan_summary(clean)
    assert summary["n_findings"] == 1 and summary["by_kind"] == {"phone": 1}
    assert summary["files"] == ["V01/notes.txt"]
    assert "081" not in json.dumps(summary)               # no values in the summary
    assert scan_outputs(clean)["file"].tolist() == ["V01/notes.txt"]  # summary not scanned
    assert read_scan_summary(clean / "V01") is None


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        scan_outputs(tmp_path / "nope")


def test_cli_exit_codes(clean):
    runner = CliRunner()
    ok = runner.invoke(app, ["privacy-scan", str(clean)])
    assert ok.exit_code == 0, ok.output
    assert "no personal identifiers found" in ok.output
    (clean / "V01" / "notes.txt").write_text("ป้าสมศรี โทร 081-234-5678", encoding="utf-8")
    bad = runner.invoke(app, ["privacy-scan", str(clean)])
    assert bad.exit_code == 1
    assert "V01/notes.txt" in bad.output and "phone" in bad.output
    missing = runner.invoke(app, ["privacy-scan", str(clean / "nope")])
    assert missing.exit_code == 2


# --------------------------------------------------------------------------- national scale
def _regex_reference(values):
    """The expression the digit matcher replaces (the scan's code until December 2026)."""
    alts = "|".join(r"[\s.-]?".join(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\d)(?:{alts})(?!\d)")


def test_digit_matcher_equals_the_regular_expression():
    """Random texts of digits, separators and letters; values planted with every kind
    of spacing, overlapping and nested in longer numbers: same spans, same order."""
    from evaluation.privacy_scan import _DigitMatcher

    rng = random.Random(11)
    values = ["0812345678", "1234567890123", "123456", "1234567", "345678", "0899999999",
              "5551234", "12345678"]
    alphabet = list("0123456789") * 3 + [" ", " ", "-", ".", "\n", "ก", "a", "  ", "--", "/"]
    texts = []
    for _ in range(400):
        parts = []
        for _ in range(rng.randint(1, 8)):
            if rng.random() < 0.5:
                v = rng.choice(values)
                sep = rng.choice(["", " ", "-", ".", "\n"])
                parts.append(sep.join(v) if rng.random() < 0.3 else
                             "".join(c + (sep if rng.random() < 0.3 else "") for c in v))
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
        texts.append("".join(parts))
    texts += ["081-234-5678", "0812345678 9", "9 0812345678", "1 2 3 4 5 6", "12345678",
              "123456 7", "0-8-1-2-3-4-5-6-7-8", "08123456789", "x1234567890123y"]
    reference, matcher = _regex_reference(values), _DigitMatcher(values)
    matched = 0
    for text in texts:
        expected = [(m.start(), m.end()) for m in reference.finditer(text)]
        assert list(matcher.finditer(text)) == expected, text
        matched += len(expected)
    assert matched > 200


def test_indexed_name_search_equals_the_search_name_by_name(monkeypatch):
    """Above _INDEXED_NAMES participants, names are found through an index of the
    text's substrings: the same findings (spans, rules, tokens) as one search per name."""
    import evaluation.privacy as P

    names = list(ev.load_project(SAMPLE).participants["name"].dropna())
    names += ["นายสมชาย ใจดี", "นางสาวสมศรี ใจดี", "สมชาย มีสุข", "นางมะลิ หอมดี",
              "สม ศรี", "Somchai Jaidee"]
    texts = [
        "ป้าสมศรีกับนายสมชาย ใจดี มาประชุม สมชาย มีสุข โทร 081-234-5678",
        "นางมะลิ หอมดี และ มะลิ เล่าว่า ใจดี มาก สมศรีใจดี Somchai Jaidee",
        " ".join(names[:40]),
        "ไม่มีชื่อใครเลยในประโยคนี้ 123 456",
    ] + [f"คุณ{n} ได้รับเงินออม" for n in names[:30]]
    monkeypatch.setattr(P, "_INDEXED_NAMES", 10**9)
    by_name = [P.pii_report(t, names=names) for t in texts]
    monkeypatch.setattr(P, "_INDEXED_NAMES", 0)
    indexed = [P.pii_report(t, names=names) for t in texts]
    found = 0
    for text, a, b in zip(texts, by_name, indexed):
        pd.testing.assert_frame_equal(a, b, obj=text)
        found += int((a["kind"] == "name").sum())
    assert found > 40


def test_scan_in_several_processes_equals_one(tmp_path, monkeypatch):
    """A large output is split between report folders and scanned by several
    processes: the same findings in the same order, and no folder split in two."""
    import evaluation.privacy_scan as PS

    for v in range(6):
        folder = tmp_path / f"V{v:02d}"
        (folder / "tables").mkdir(parents=True)
        (folder / "report.html").write_text(
            f"<p>หมู่บ้าน {v}: ป้ามะลิวัลย์ โทร 081-234-5678 และนายทองเปลว ศรีสะอาดดี</p>",
            encoding="utf-8")
        (folder / "tables" / "a.csv").write_text(f"กลุ่ม,จำนวน\nนางมะลิวัลย์ หอมกลิ่นแก้ว,{v}\n",
                                                 encoding="utf-8")
        (folder / "tables" / "b.csv").write_text("x\n1103702298476\n", encoding="utf-8")
    (tmp_path / "index.html").write_text("<p>ไม่มีชื่อ</p>", encoding="utf-8")
    one = scan_outputs(tmp_path, participants=PEOPLE)
    monkeypatch.setattr(PS, "_FILES_PER_PROCESS", 5)
    files = [(p, str(p.relative_to(tmp_path))) for p in sorted(tmp_path.rglob("*"))
             if p.is_file()]
    chunks = PS._chunks(files, 3)
    assert len(chunks) == 3 and sum(map(len, chunks)) == len(files)
    starts = [c[0][1].split("/")[0] for c in chunks[1:]]
    ends = [c[-1][1].split("/")[0] for c in chunks[:-1]]
    assert not set(starts) & set(ends)            # a report folder is never split
    several = scan_outputs(tmp_path, participants=PEOPLE, workers=3)
    pd.testing.assert_frame_equal(one, several)
    assert several.attrs == one.attrs
    assert len(one) >= 18 and set(one["kind"]) >= {"name", "phone", "national_id"}


def test_a_name_inside_a_place_name_is_the_place(tmp_path):
    """Participants called สำราญ and a village called บ้านแม่ตาล: the province
    โคกสำราญ and the village name are places, not findings; the same names
    written elsewhere still are."""
    from evaluation.privacy_scan import place_names

    people = pd.DataFrame({"name": ["นายสำราญ ใจงาม", "นางบัวขาว ตาลหวาน"]})
    villages = pd.DataFrame({"name": ["บ้านแม่ตาล ม.8", "บ้านโคก"],
                             "district": ["ดอนสะอาดงาม", None],
                             "province": ["โคกสำราญ", "โคกสำราญ"]})
    assert place_names(villages) == ["บ้านแม่ตาล ม.8", "บ้านโคก", "ดอนสะอาดงาม", "โคกสำราญ"]
    (tmp_path / "a.html").write_text(
        "<h1>ประเมินโครงการ: บ้านแม่ตาล ม.8 อ.ดอนสะอาดงาม จ.โคกสำราญ</h1>", encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>ลุงสำราญเล่าว่า แม่ตาลมาช่วย</p>", encoding="utf-8")
    without = scan_outputs(tmp_path, participants=people)
    assert "a.html" in set(without["file"])          # what the places rule removes
    found = scan_outputs(tmp_path, participants=people, places=place_names(villages))
    assert set(found["file"]) == {"b.html"}
    assert len(found) == len(without[without["file"] == "b.html"]) >= 2


@pytest.mark.parametrize("workers", [0, -2, 1.5, "2", True])
def test_scan_workers_must_be_a_whole_number(clean, workers):
    from evaluation.errors import ArgumentError

    with pytest.raises(ArgumentError, match="workers must be a whole number"):
        scan_outputs(clean, workers=workers)
