"""CLI tests: commands call the library and turn bad data into a table + exit 2."""

from __future__ import annotations

from typer.testing import CliRunner

from evaluation.cli import EXIT_INVALID_DATA, app

from test_project import MINIMAL, replace_line, write_program

runner = CliRunner()


def test_check_valid_folder(tmp_path):
    result = runner.invoke(app, ["check", str(write_program(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "2 villages, 4 participants" in result.output


def test_check_invalid_folder_prints_table_not_traceback(tmp_path):
    files = replace_line("finance.csv", 2, "H1,pre,2023-01-15,5000,-4500,20000,5000,0")
    files = {**files, "ledger.csv": MINIMAL["ledger.csv"].replace("2023-02-02", "31/02/2023")}
    result = runner.invoke(app, ["check", str(write_program(tmp_path, files))])
    assert result.exit_code == EXIT_INVALID_DATA
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == "2 errors"
    assert "finance.csv" in result.output and "negative amount" in result.output
    assert "ledger.csv" in result.output and "31/02/2023" in result.output


def test_check_verdicts_strict_and_formats(tmp_path):
    import io
    import json

    import pandas as pd

    ok = write_program(tmp_path / "ok")
    result = runner.invoke(app, ["check", str(ok)])
    assert result.output.strip().splitlines()[-1] == "OK"
    warned = write_program(tmp_path / "warned", {**MINIMAL, "notes.csv": "a,b\n1,2\n",
                                                 "finance.xls": "x"})
    result = runner.invoke(app, ["check", str(warned)])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "OK with 2 warnings"
    result = runner.invoke(app, ["check", str(warned), "--strict"])
    assert result.exit_code == EXIT_INVALID_DATA
    assert result.output.strip().splitlines()[-1] == "2 warnings (--strict)"
    result = runner.invoke(app, ["check", str(warned), "--format", "json"])
    records = json.loads(result.stdout)
    assert sorted((r["file"], r["problem_code"]) for r in records) == [
        ("finance.xls", "file_not_read"), ("notes.csv", "unknown_file")]
    result = runner.invoke(app, ["check", str(warned), "--format", "csv"])
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns[:8]) == ["file", "sheet", "row", "column", "value", "problem",
                                       "problem_code", "severity"]
    assert len(table) == 2
    result = runner.invoke(app, ["check", str(warned), "--format", "xml"])
    assert result.exit_code == EXIT_INVALID_DATA and "table, csv or json" in result.output


def test_summary_lists_villages(tmp_path):
    result = runner.invoke(app, ["summary", str(write_program(tmp_path))])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["project_id", "village_id", "village_name"]
    v1 = next(line for line in lines if " V1 " in line).split()
    # V1: 1 team, 1 target, 2 households; waves pre and post
    assert v1[3:6] == ["1", "1", "2"]
    assert "pre post" in " ".join(v1)


def test_summary_missing_folder_is_readable(tmp_path):
    result = runner.invoke(app, ["summary", str(tmp_path / "nope")])
    assert result.exit_code == EXIT_INVALID_DATA
    assert "no such folder" in result.output


def test_template_command(tmp_path):
    out = tmp_path / "form.xlsx"
    result = runner.invoke(app, ["template", str(out)])
    assert result.exit_code == 0 and out.exists()


def test_synth_small_program_round_trips(tmp_path):
    import evaluation as ev

    out = tmp_path / "big"
    result = runner.invoke(app, ["synth", str(out), "--villages", "3", "--households", "4",
                                 "--seed", "5"])
    assert result.exit_code == 0, result.output
    proj = ev.load_project(out)
    assert len(proj.villages) == 3
    assert proj.participants.groupby("village_id")["household_id"].nunique().tolist() == [4, 4, 4]


def test_synth_bad_format_is_readable(tmp_path):
    result = runner.invoke(app, ["synth", str(tmp_path / "x"), "--format", "docx"])
    assert result.exit_code == EXIT_INVALID_DATA
    assert "Traceback" not in result.output and "docx" in result.output


def test_help_paragraphs_are_rewrapped_whole():
    # typer keeps the source line breaks of later paragraphs, which cut sentences in two
    # in `--help`; every command's help is stored one line per paragraph.
    from evaluation.cli import app

    for command in app.registered_commands:
        for paragraph in command.help.split("\n\n"):
            assert "\n" not in paragraph, (command.callback.__name__, paragraph)
    result = CliRunner().invoke(app, ["check", "--help"], terminal_width=80,
                                env={"COLUMNS": "80"})
    lines = [line.strip(" │") for line in result.output.splitlines()]
    # before the fix the source line break put "with" alone on its own line
    assert not any(line.strip() == "with" for line in lines), result.output
    assert "--strict), or a wrong option" in " ".join(lines), result.output
