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


@app.command()
def check(data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook.")) -> None:
    """Validate a data folder or workbook and list every problem and warning."""
    from .project import load_project
    from .errors import EvaluationError

    try:
        project = load_project(data_dir)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    if len(project.problems):
        _print_problems(project.problems, title=f"{len(project.problems)} warning(s)")
    typer.echo(f"OK: {data_dir} loaded; {len(project.villages)} villages, "
               f"{len(project.participants)} participants.")


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
) -> None:
    """Render every village, the portfolio reports and OUT/index.html.

    Exit code 0 when every report rendered, 1 when any failed (the others are
    still rendered; errors are listed at the end and in the index), 2 for
    invalid data.
    """
    from .rendering.batch import ENGINES, run_batch
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
                           chart_formats=chart_formats, show_raw_text=show_raw_text)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    except ValueError as exc:
        raise typer.BadParameter(str(exc))
    typer.echo(result.summary())
    if not result.ok:
        raise typer.Exit(EXIT_REPORT_FAILED)


def main() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
