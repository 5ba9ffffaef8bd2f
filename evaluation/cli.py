"""Command-line interface: ``evaluation <command>``.

Thin by design: each command parses its arguments and calls the library.
Invalid data prints the problems table (never a traceback) and exits 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Program-evaluation workbench for Thai community livelihood programs.",
)

EXIT_INVALID_DATA = 2


def _print_problems(problems, *, title: str) -> None:
    import pandas as pd

    typer.echo(title, err=True)
    with pd.option_context("display.max_rows", 500, "display.max_colwidth", 70,
                           "display.width", 200):
        typer.echo(problems.to_string(index=False), err=True)


def _fail_on_evaluation_error(exc: Exception) -> None:
    """Turn a library error into a readable message and exit code 2."""
    from .errors import DataValidationError

    if isinstance(exc, DataValidationError):
        n_err = int((exc.problems["severity"] != "warning").sum())
        _print_problems(exc.problems, title=f"ข้อมูลไม่ถูกต้อง / invalid data: {n_err} problem(s)")
    else:
        typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(EXIT_INVALID_DATA)


def _plural(n: int, word: str) -> str:
    return f"{n:,d} {word}{'' if n == 1 else 's'}"


def _problems_table(problems) -> str:
    """Problems for a terminal: errors first, by file and row; long runs summarised."""
    import pandas as pd

    from .errors import summarise_problems

    order = problems.assign(_err=problems["severity"] != "warning").sort_values(
        ["_err", "file", "sheet", "row"], ascending=[False, True, True, True],
        na_position="first", kind="stable").drop(columns="_err")
    short = summarise_problems(order)

    def text(x, width):
        s = "" if x is None or (not isinstance(x, str) and pd.isna(x)) else str(x)
        s = " ".join(s.split())
        return s if len(s) <= width else s[:width - 1] + "…"

    shown = pd.DataFrame({
        "severity": short["severity"],
        "file": [text(x, 40) for x in short["file"]],
        "sheet": [text(x, 20) for x in short["sheet"]],
        "row": ["" if pd.isna(x) else str(int(x)) for x in short["row"]],
        "column": [text(x, 24) for x in short["column"]],
        "value": [text(x, 30) for x in short["value"]],
        "problem": [text(x, 110) for x in short["problem"]],
    })
    if not shown["sheet"].str.len().any():
        shown = shown.drop(columns="sheet")
    with pd.option_context("display.max_rows", 10_000, "display.max_colwidth", 120,
                           "display.width", 250):
        return shown.to_string(index=False, justify="left")


@app.command()
def check(
    data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too (exit code 2)."),
    fmt: str = typer.Option("table", "--format", help="table (grouped, long runs "
                            "summarised), csv or json (every problem, for other tools)."),
) -> None:
    """Validate a data folder or workbook and list every problem and warning.

    Ends with a one-line verdict: ``OK``, ``OK with N warnings`` or ``N errors``;
    the exit code is 2 when there are errors (or warnings with ``--strict``).
    """
    from .project import load_project
    from .errors import DataValidationError, EvaluationError

    if fmt not in ("table", "csv", "json"):
        typer.echo(f"error: --format must be table, csv or json, got {fmt!r}", err=True)
        raise typer.Exit(EXIT_INVALID_DATA)
    project = None
    try:
        project = load_project(data_dir)
        problems = project.problems
    except DataValidationError as exc:
        problems = exc.problems
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    n_err = int((problems["severity"] != "warning").sum())
    n_warn = int((problems["severity"] == "warning").sum())
    if fmt == "csv":
        from .export import formula_safe_frame

        typer.echo(formula_safe_frame(problems).to_csv(index=False), nl=False)
    elif fmt == "json":
        typer.echo(problems.to_json(orient="records", force_ascii=False, indent=1))
    elif len(problems):
        typer.echo(f"ปัญหาที่พบ / problems found: {_plural(n_err, 'error')}, "
                   f"{_plural(n_warn, 'warning')}")
        typer.echo(_problems_table(problems))
    out = typer.echo if fmt == "table" else (lambda m: typer.echo(m, err=True))
    if project is not None:
        out(f"{data_dir}: {len(project.villages)} villages, "
            f"{len(project.participants)} participants.")
    if n_err:
        out(_plural(n_err, "error"))
    elif n_warn:
        out(f"{_plural(n_warn, 'warning')} (--strict)" if strict
            else f"OK with {_plural(n_warn, 'warning')}")
    else:
        out("OK")
    if n_err or (strict and n_warn):
        raise typer.Exit(EXIT_INVALID_DATA)


@app.command()
def summary(data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook.")) -> None:
    """Print a per-village summary: participants, households, waves present, problems."""
    from .project import load_project
    from .errors import EvaluationError
    from .project import village_summary

    try:
        project = load_project(data_dir)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    import pandas as pd

    table = village_summary(project)
    with pd.option_context("display.max_rows", 1000, "display.width", 200):
        typer.echo(table.to_string(index=False))
    typer.echo(f"\n{len(project.problems)} warning(s); 0 errors.")


@app.command()
def template(out: Path = typer.Argument(..., help="Path of the .xlsx workbook to write.")) -> None:
    """Write an empty data-entry workbook (Thai headers, drop-down lists)."""
    from .template import write_template

    write_template(out)
    typer.echo(f"wrote {out}")


@app.command()
def synth(
    out_dir: Path = typer.Argument(..., help="Folder to write the synthetic program into."),
    villages: Optional[int] = typer.Option(None, help="Number of villages (default: the "
                                           "standard sample program)."),
    households: int = typer.Option(30, help="Households per village (with --villages)."),
    seed: int = typer.Option(2566, help="Random seed (same seed, same data)."),
    fmt: str = typer.Option("csv", "--format", help="csv, xlsx or parquet."),
    messy: bool = typer.Option(True, help="Include the mess of real data (Thai digits, BE "
                               "dates, blanks)."),
) -> None:
    """Generate a synthetic program (the sample, or a large one for benchmarks)."""
    from .errors import EvaluationError
    from .synth import write_program

    try:
        path = write_program(out_dir, villages=villages, households=households, seed=seed,
                             fmt=fmt, messy=messy)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(f"wrote {path}")


# [commands:report] — `report` and `batch` commands live below this line.

EXIT_REPORT_FAILED = 1
#: `batch`: the output folder cannot be written (disk full, read-only): EX_IOERR.
EXIT_OUTPUT_ERROR = 74


def _check_lang_option(lang: str) -> str:
    if lang not in ("th", "en"):
        raise typer.BadParameter(f"must be 'th' or 'en', got {lang!r}", param_hint="--lang")
    return lang


def _check_formats_option(value: str) -> str:
    from .export import chart_formats

    try:
        return ",".join(chart_formats(value))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--chart-formats")


REPORT_KINDS = ("full", "card")


def _village_notebook(kind: str, notebook: Optional[Path]) -> Optional[Path]:
    """The village notebook for ``--report`` (an explicit ``--notebook`` wins)."""
    if kind not in REPORT_KINDS:
        raise typer.BadParameter(f"must be one of {', '.join(REPORT_KINDS)}, got {kind!r}",
                                 param_hint="--report")
    if notebook is not None or kind == "full":
        return notebook
    from .rendering.notebook import default_notebook

    return default_notebook("card")


@app.command()
def report(
    data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook."),
    village: str = typer.Option(..., "--village", help="Village id to report on."),
    out: Path = typer.Option(Path("reports"), "--out", help="Output folder."),
    lang: str = typer.Option("th", "--lang", help="Report language: th or en.",
                             callback=_check_lang_option),
    show_raw_text: bool = typer.Option(False, "--show-raw-text",
                                       help="Show lessons text as written (not redacted)."),
    notebook: Optional[Path] = typer.Option(None, "--notebook",
                                            help="Report notebook (default: packaged)."),
    report_kind: str = typer.Option("full", "--report",
                                    help="full: the village report; card: the one-page "
                                         "village summary card (no charts, for thousands "
                                         "of villages)."),
    chart_formats: str = typer.Option("png,svg,pdf", "--chart-formats",
                                      help="Chart files to write, e.g. png,svg,pdf or png.",
                                      callback=_check_formats_option),
) -> None:
    """Render one village report: OUT/<village>/report.html (+ charts, tables.xlsx)."""
    from .errors import EvaluationError
    from .rendering.notebook import ReportError, render_village_report

    notebook = _village_notebook(report_kind, notebook)
    try:
        path = render_village_report(data_dir, village, out, lang=lang,
                                     show_raw_text=show_raw_text, notebook=notebook,
                                     chart_formats=chart_formats)
    except ReportError as exc:
        from .rendering.notebook import describe_error

        typer.echo(f"report for {village!r} failed: {describe_error(exc.result.error)}", err=True)
        typer.echo(f"executed notebook: {exc.result.path / 'report.failed.ipynb'}", err=True)
        raise typer.Exit(EXIT_REPORT_FAILED)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(f"wrote {path}")


@app.command()
def batch(
    data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook."),
    out: Path = typer.Option(Path("reports"), "--out", help="Output folder."),
    lang: str = typer.Option("th", "--lang", help="Report language: th or en.",
                             callback=_check_lang_option),
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="Parallel workers (default: CPU cores)."),
    only: Optional[list[str]] = typer.Option(None, "--only",
                                             help="Render only this village (repeatable)."),
    force: bool = typer.Option(False, "--force", help="Render unchanged villages too."),
    engine: str = typer.Option("process", "--engine", help="process (local pool) or dask."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    gather: bool = typer.Option(False, "--gather",
                                help="Dask: send report folders back (no shared output disk)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
    notebook: Optional[Path] = typer.Option(None, "--notebook",
                                            help="Village report notebook (default: packaged)."),
    report_kind: str = typer.Option("full", "--report",
                                    help="full: the village report; card: the one-page "
                                         "village summary card (no charts, for thousands "
                                         "of villages)."),
    portfolio_notebook: Optional[Path] = typer.Option(
        None, "--portfolio-notebook", help="Portfolio report notebook (default: packaged)."),
    no_portfolio: bool = typer.Option(False, "--no-portfolio",
                                      help="Skip the portfolio reports."),
    chart_formats: str = typer.Option("png,svg,pdf", "--chart-formats",
                                      help="Chart files to write, e.g. png,svg,pdf or png "
                                           "(png alone takes ~40% less time).",
                                      callback=_check_formats_option),
    show_raw_text: bool = typer.Option(False, "--show-raw-text",
                                       help="Show lessons text as written (not redacted)."),
    grace: float = typer.Option(30.0, "--grace", min=0,
                                help="After Ctrl-C or SIGTERM: seconds running reports may "
                                     "take to finish (a second Ctrl-C stops at once)."),
    report_timeout: float = typer.Option(300.0, "--report-timeout", min=0,
                                         help="Seconds allowed per report; a report over it "
                                              "fails and the run goes on (0: no limit)."),
    kernel_memory: Optional[str] = typer.Option(
        None, "--kernel-memory", help="Memory cap per kernel, e.g. 4G; a report needing more "
                                      "fails with 'out of memory' and the run goes on."),
) -> None:
    """Render every village, the portfolio reports and OUT/index.html.

    Exit code 0 when every report rendered, 1 when any failed (the others are
    still rendered; errors are listed at the end and in the index), 2 for
    invalid data, 74 when the output cannot be written (disk full, read-only
    folder), 130 when stopped with Ctrl-C (SIGINT), 143 when stopped with
    SIGTERM. A stopped or killed run resumes where it stopped when run again.
    """
    from .rendering.batch import ENGINES, run_batch
    from .rendering.lifecycle import OutputWriteError
    from .errors import EvaluationError

    if engine not in ENGINES:
        raise typer.BadParameter(f"must be one of {', '.join(ENGINES)}, got {engine!r}",
                                 param_hint="--engine")
    notebook = _village_notebook(report_kind, notebook)
    try:
        result = run_batch(data_dir, out, lang=lang, workers=workers, only=only or None,
                           force=force, engine=engine, scheduler=scheduler, gather=gather,
                           progress=progress, notebook=notebook,
                           portfolio_notebook=portfolio_notebook, portfolios=not no_portfolio,
                           chart_formats=chart_formats, show_raw_text=show_raw_text,
                           grace=grace, report_timeout=report_timeout or None,
                           kernel_memory=kernel_memory)
    except OutputWriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_OUTPUT_ERROR)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    except ValueError as exc:
        raise typer.BadParameter(str(exc))
    typer.echo(result.summary())
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def main() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
