"""`evaluation charts` / write_village_charts: a village's chart files without a report,
the same files a report rendered with --chart-formats writes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import EXIT_INVALID_DATA, app
from evaluation.errors import EvaluationError
from evaluation.reporting.chart_files import write_village_charts

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
runner = CliRunner()


@pytest.fixture(scope="module")
def project():
    return ev.load_project(SAMPLE)


def test_cli_writes_the_charts_a_report_writes(rendered_village, tmp_path):
    from PIL import Image

    out = tmp_path / "charts"
    result = runner.invoke(app, ["charts", str(SAMPLE), "--village", "V01", "--formats",
                                 "png,pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report_pngs = sorted(p.name for p in (rendered_village / "charts").glob("*.png"))
    assert len(report_pngs) >= 10  # the report rendered with chart_formats="png"
    assert sorted(p.name for p in out.glob("*.png")) == report_pngs
    assert sorted(p.stem for p in out.glob("*.pdf")) == [n[:-4] for n in report_pngs]
    assert f"wrote {2 * len(report_pngs)} file(s)" in result.output
    for name in report_pngs:  # the same pictures: size and resolution
        with Image.open(out / name) as mine, Image.open(rendered_village / "charts" / name) as ref:
            assert mine.size == ref.size and mine.info["dpi"] == ref.info["dpi"]
    assert (out / report_pngs[0].replace(".png", ".pdf")).read_bytes()[:5] == b"%PDF-"


def test_svg_files_have_text_as_paths(project, tmp_path):
    files = write_village_charts(project, "V02", tmp_path, formats="svg")
    assert files and all(p.suffix == ".svg" and p.parent == tmp_path for p in files)
    for path in files:
        root = ET.parse(path).getroot()
        assert not list(root.iter("{http://www.w3.org/2000/svg}text")), path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--village", "V99", "--formats", "png"], EXIT_INVALID_DATA, "unknown village id 'V99'"),
    (["--village", "V01", "--formats", "gif"], 2, "--formats"),
    (["--village", "V01", "--formats", ""], 2, "--formats"),
    (["--village", "V01", "--lang", "fr"], 2, "--lang"),
])
def test_cli_refuses_bad_options_before_drawing(args, code, message, tmp_path):
    result = runner.invoke(app, ["charts", str(SAMPLE), "--out", str(tmp_path / "c"), *args])
    assert result.exit_code == code and message in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "c").exists()


def test_write_village_charts_needs_a_format(project, tmp_path):
    with pytest.raises(EvaluationError, match="formats must name at least one"):
        write_village_charts(project, "V01", tmp_path, formats="")
