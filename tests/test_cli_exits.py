"""CLI behaviour users rely on: validation before rendering, exit codes in every
``--help``, readable help text, ``--version``, file modes."""

from __future__ import annotations

import os
import re

import pytest
import typer
from typer.testing import CliRunner

import evaluation.rendering.notebook as report_module
from evaluation.cli import EXIT_INVALID_DATA, app

from test_project import replace_line, write_program

runner = CliRunner()
#: typer's type labels that must never reach a user: <bool>, <list[str]>, <int range> ...
TYPE_LABEL = re.compile(r"<(bool|int|float|str|path|file|list\[[^\]]*\]|[a-z]+ range)>")


def command_names() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"evaluation {version('evaluation')}"


@pytest.mark.parametrize("name", command_names())
def test_every_command_help_lists_exit_codes_and_no_type_labels(name):
    result = runner.invoke(app, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Exit codes: 0" in text, f"`evaluation {name} --help` does not list its exit codes"
    assert "2 " in text.split("Exit codes:")[1]
    assert not TYPE_LABEL.search(result.output), TYPE_LABEL.search(result.output).group()


def test_main_help_has_no_type_labels():
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "--version" in result.output
    assert not TYPE_LABEL.search(result.output)


@pytest.fixture()
def no_rendering(monkeypatch):
    """Fail the test if a report would be rendered (a kernel started)."""
    def refuse(*args, **kwargs):
        raise AssertionError("render_village_report called: validation must come first")

    monkeypatch.setattr(report_module, "render_village_report", refuse)


def test_report_on_invalid_data_exits_2_with_problems_and_no_kernel(tmp_path, no_rendering):
    files = replace_line("finance.csv", 2, "H1,pre,2023-01-15,5000,-4500,20000,5000,0")
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", str(write_program(tmp_path / "data", files)),
                                 "--village", "V1", "--out", str(out)])
    assert result.exit_code == EXIT_INVALID_DATA, result.output
    assert "Traceback" not in result.output
    assert "finance.csv" in result.output and "negative amount" in result.output
    assert not out.exists()  # nothing written, no report.failed.ipynb


def test_report_on_unknown_village_exits_2_and_names_the_known_ones(tmp_path, no_rendering):
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", str(write_program(tmp_path / "data")),
                                 "--village", "V9", "--out", str(out)])
    assert result.exit_code == EXIT_INVALID_DATA, result.output
    assert "unknown village id 'V9'" in result.output
    assert "V1, V2" in result.output
    assert not out.exists()


def test_template_with_wrong_suffix_exits_2(tmp_path):
    result = runner.invoke(app, ["template", str(tmp_path / "form.txt")])
    assert result.exit_code == EXIT_INVALID_DATA
    assert "must end in .xlsx" in result.output
    assert "Traceback" not in result.output


def test_template_command_writes_the_usual_file_mode(tmp_path):
    old = os.umask(0o022)
    try:
        result = runner.invoke(app, ["template", str(tmp_path / "form.xlsx")])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "form.xlsx").stat().st_mode & 0o777 == 0o644
