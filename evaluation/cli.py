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

#: Placeholders shown in ``--help`` for typer's type labels (never ``<bool>`` or
#: ``<list[str]>``): the label's element type -> the word shown.
_METAVARS = {"int": "N", "int range": "N", "float": "NUMBER", "float range": "NUMBER",
             "str": "TEXT", "path": "PATH", "file": "FILE", "datetime": "DATE"}


def _readable_metavars(command, ctx) -> None:
    """Plain placeholders in a command's help: flags show none, an option its
    kind in capitals (PATH, N, TEXT), an argument its name (DATA_DIR).

    Recent typer versions label every option with its Python type (``<bool>``,
    ``<list[str]>``); older ones already show click's words and are left alone.
    """
    help_option = command.get_help_option(ctx)
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if param.metavar is not None or not hasattr(param, "type_descriptor"):
            continue
        if param.param_type_name == "argument":
            param.metavar = param.name.upper()
            param.display_type_rich = lambda ctx: None  # the name says it all
        elif getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        else:
            label = param.display_type(None).strip("<>")
            if label.startswith("list[") and label.endswith("]"):
                label = label[5:-1]  # a repeatable option: the element type
            param.metavar = _METAVARS.get(label, label.upper())


class _Group(typer.core.TyperGroup):
    """The command group with readable option placeholders in every ``--help``."""

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _readable_metavars(command, ctx)
        return command

    def get_params(self, ctx):
        _readable_metavars(self, ctx)
        return super().get_params(ctx)


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    help="Program-evaluation workbench for Thai community livelihood programs.",
)

EXIT_INVALID_DATA = 2
#: Appended to each command's help (each command lists the codes it can return).
EXIT_INVALID_TEXT = "2 invalid data, or a wrong option or argument (the problem is printed)."


def _version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("evaluation")
        except PackageNotFoundError:  # running from a source tree that is not installed
            number = "unknown"
        typer.echo(f"evaluation {number}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version_callback,
                                 is_eager=True, help="Print the version and exit."),
) -> None:
    """Program-evaluation workbench for Thai community livelihood programs.

    Run `evaluation COMMAND --help` for a command's options and exit codes.
    """


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

    Ends with a one-line verdict: ``OK``, ``OK with N warnings`` or ``N errors``.

    Exit codes: 0 valid (warnings are listed but allowed); 2 errors (or warnings with
    --strict), or a wrong option or argument (the problems are printed).
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
        _say_comparison(project, out)
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
def ingest(
    data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook."),
    store: Path = typer.Option(..., "--store", help="Store folder to create or update."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too (exit code 2)."),
    force: bool = typer.Option(False, "--force",
                               help="Validate again even when no input file changed."),
    parts: bool = typer.Option(False, "--parts",
                               help="DATA holds one complete data folder per part (province, "
                                    "batch of projects): validate one at a time, in the "
                                    "memory of the largest; ids repeated across parts are "
                                    "errors."),
    chunk_villages: int = typer.Option(500, "--chunk-villages",
                                       help="Without --parts: a folder of more villages is "
                                            "read in village chunks of this size (memory of "
                                            "one chunk)."),
) -> None:
    """Validate a data folder (the rules of `evaluation check`) and write a partitioned
    Parquet store: one file per table and village, the warnings, ladders and value maps.

    Re-running rewrites only the villages whose rows changed. Reports, batches and
    aggregates then read only what they need (see docs/scale.md).

    Exit codes: 0 written (warnings are listed); 2 errors (listed as `evaluation check`
    lists them; nothing is written), or a wrong option or argument.
    """
    from .errors import DataValidationError, EvaluationError
    from .store import ingest as ingest_store

    try:
        result = ingest_store(data_dir, store, warnings_as_errors=strict, force=force,
                              parts=parts, chunk_villages=chunk_villages)
    except DataValidationError as exc:
        problems = exc.problems
        n_err = int((problems["severity"] != "warning").sum())
        n_warn = int((problems["severity"] == "warning").sum())
        typer.echo(f"ปัญหาที่พบ / problems found: {_plural(n_err, 'error')}, "
                   f"{_plural(n_warn, 'warning')}")
        typer.echo(_problems_table(problems))
        typer.echo(f"{_plural(n_err, 'error')}: nothing written to {store}")
        raise typer.Exit(EXIT_INVALID_DATA)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    if result.n_warnings and not result.unchanged:
        from .store import open_store

        typer.echo(f"ปัญหาที่พบ / problems found: 0 errors, "
                   f"{_plural(result.n_warnings, 'warning')}")
        typer.echo(_problems_table(open_store(store).problems))
    typer.echo(result.summary())


@app.command()
def national(
    store: Path = typer.Argument(..., help="A store written by `evaluation ingest`."),
    out: Path = typer.Option(Path("national"), "--out", help="Folder for the CSV tables."),
    memory_limit: str = typer.Option("2GB", "--memory-limit",
                                     help="DuckDB memory limit (it spills to disk beyond)."),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Dask scheduler address (tcp://host:8786): the "
                                       "happiness and finance tables are computed on the "
                                       "cluster (Dask DataFrame); every worker must see the "
                                       "store at the same path."),
) -> None:
    """Write the national tables of a store, computed out of core with DuckDB: headline
    figures per village, happiness and finance change per village and per project,
    ladder statuses per village (CSV, UTF-8). With --scheduler the happiness and finance
    tables are computed by a Dask cluster instead (the same numbers).

    Exit codes: 0 written; 2 not a store, or a wrong option or argument.
    """
    from .errors import EvaluationError
    from .export import write_csv
    from .store import aggregates as ag

    try:
        con = ag.connect(memory_limit=memory_limit)
        tables = {"headline_by_village": ag.headline_table(store, con=con)}
        for by, name in (("village_id", "village"), ("project_id", "project")):
            if scheduler:
                from .store import dask_aggregates as dag

                tables[f"happiness_by_{name}"] = dag.happiness_change_table(
                    store, by=by, scheduler=scheduler)
                tables[f"finance_by_{name}"] = dag.finance_change_table(
                    store, by=by, scheduler=scheduler)
                continue
            tables[f"happiness_by_{name}"] = ag.happiness_change_table(store, by=by, con=con)
            tables[f"finance_by_{name}"] = ag.finance_change_table(store, by=by, con=con)
        tables["ladder_by_village"] = ag.ladder_status_counts(store)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    except Exception as exc:        # a DuckDB error (memory limit, bad setting): no traceback
        if type(exc).__module__.split(".")[0] != "duckdb" and \
                type(exc).__module__ != "_duckdb":
            raise
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID_DATA)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_csv(frame, out / f"{name}.csv")
    typer.echo(f"wrote {len(tables)} tables to {out}")


@app.command()
def summary(data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook.")) -> None:
    """Print a per-village summary: participants, households, waves present, problems.

    Exit codes: 0 printed; 2 invalid data, or a wrong option or argument (the problem is
    printed).
    """
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
    _say_comparison(project, typer.echo)
    typer.echo(f"\n{len(project.problems)} warning(s); 0 errors.")


def _say_comparison(project, out) -> None:
    """How many comparison villages (กลุ่มเปรียบเทียบ) the data hold, per project."""
    from .arms import comparison_mask

    mask = comparison_mask(project.villages)
    if not mask.any():
        return
    per = project.villages.loc[mask, "project_id"].value_counts().sort_index()
    detail = ", ".join(f"{p}: {n}" for p, n in per.items())
    out(f"หมู่บ้านกลุ่มเปรียบเทียบ / comparison villages: {int(mask.sum())} ({detail}); "
        f"no ladder, ledger or savings needed, never in ladder results.")


@app.command()
def template(out: Path = typer.Argument(..., help="Path of the .xlsx workbook to write.")) -> None:
    """Write an empty data-entry workbook (Thai headers, drop-down lists, text columns
    for ids, phone numbers and dates).

    Exit codes: 0 written; 2 a wrong option or argument, e.g. OUT not ending in .xlsx
    (the problem is printed).
    """
    from .errors import EvaluationError
    from .template import write_template

    try:
        write_template(out)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(f"wrote {out}")


@app.command()
def synth(
    out_dir: Path = typer.Argument(..., help="Folder to write the synthetic program into."),
    villages: Optional[int] = typer.Option(None, help="Number of villages (default: the "
                                           "standard sample program)."),
    households: int = typer.Option(30, help="Households per village (with --villages)."),
    seed: int = typer.Option(2566, help="Random seed (same seed, same data)."),
    fmt: str = typer.Option("csv", "--format", help="csv, xlsx or parquet; or kobo, odk, "
                            "gforms: the sample as that field tool exports it (with the "
                            "XLSForm and the registry folder), for the import round trip."),
    messy: bool = typer.Option(True, help="Include the mess of real data (Thai digits, BE "
                               "dates, blanks)."),
    part_size: Optional[int] = typer.Option(
        None, "--part-size", help="With --villages: write part-00001/, part-00002/ ... of "
                                  "this many villages each (a multiple of 10), in memory that "
                                  "does not grow with --villages; for `evaluation ingest "
                                  "--parts`."),
) -> None:
    """Generate a synthetic program (the sample, or a large one for benchmarks).

    Exit codes: 0 written; 2 a wrong option or argument (the problem is printed).
    """
    from .errors import EvaluationError
    from .synth import write_program

    if fmt in ("kobo", "odk", "gforms"):
        _synth_exports(out_dir, fmt, seed)
        return
    try:
        path = write_program(out_dir, villages=villages, households=households, seed=seed,
                             fmt=fmt, messy=messy, part_size=part_size)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(f"wrote {path}")


# [commands:ladder] — indicator tracking and SROI (issue 14).

@app.command()
def ladder(
    data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook."),
    out: Path = typer.Option(Path("ladder.xlsx"), "--out", help="Excel workbook to write."),
    project: Optional[str] = typer.Option(None, "--project",
                                          help="Only this project's ladder (default: all)."),
    by: Optional[list[str]] = typer.Option(
        None, "--by", help="Split rows further: sex, age_group, occupation_group or role "
                           "(repeatable); villages and the whole project are always shown."),
    lang: str = typer.Option("th", "--lang", help="Headers: th or en."),
    status_basis: str = typer.Option("ratio", "--status-basis",
                                     help="ratio (actual / target) or progress (from the "
                                          "baseline)."),
) -> None:
    """Write the indicator tracking table (ตารางติดตามตัวชี้วัด) of each ladder to Excel.

    Exit codes: 0 written; 2 invalid data, a project without a ladder, or a wrong option
    or argument (the problem is printed).
    """
    from .project import load_project
    from .errors import EvaluationError
    from .ladder_export import write_ladder_excel

    if lang not in ("th", "en"):
        raise typer.BadParameter(f"must be 'th' or 'en', got {lang!r}", param_hint="--lang")
    try:
        proj = load_project(data_dir)
        ladders = None
        if project is not None:
            if project not in proj.ladders:
                known = ", ".join(proj.ladders) or "(none)"
                raise EvaluationError(f"--project {project!r} has no ladder; projects with a "
                                      f"ladder: {known}")
            ladders = proj.ladders[project]
        path = write_ladder_excel(proj, out, ladders, by=["village_id", *(by or [])],
                                  lang=lang, status_basis=status_basis)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(f"wrote {path}")


@app.command()
def sroi(
    data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook."),
    project: str = typer.Option(..., "--project", help="Project id with a value_map.yaml."),
    out: Optional[Path] = typer.Option(None, "--out",
                                       help="Excel workbook (default: sroi-<project>.xlsx)."),
    monte_carlo: int = typer.Option(2000, "--monte-carlo", min=0,
                                    help="Monte Carlo draws for the ratio's interval (0: none)."),
    seed: int = typer.Option(2566, "--seed", help="Seed of the Monte Carlo draws."),
    discount_rate: Optional[float] = typer.Option(
        None, "--discount-rate", help="Percent per year (default: the value map's, else 3.5)."),
    lang: str = typer.Option("th", "--lang", help="Labels: th or en."),
) -> None:
    """Social return on investment of a project: print the totals, write the tables to Excel.

    Exit codes: 0 written; 2 invalid data, a project without a value map, or a wrong
    option or argument (the problem is printed).
    """
    from .project import load_project
    from .errors import EvaluationError
    from .sroi import sroi as run_sroi, sroi_sensitivity
    from .sroi_export import SROI_CAUTIONS, sroi_tables, write_sroi_excel

    if lang not in ("th", "en"):
        raise typer.BadParameter(f"must be 'th' or 'en', got {lang!r}", param_hint="--lang")
    out = out or Path(f"sroi-{project}.xlsx")
    try:
        proj = load_project(data_dir)
        if project not in proj.value_maps:
            known = ", ".join(proj.value_maps) or "(none)"
            raise EvaluationError(f"--project {project!r} has no value_map.yaml; projects "
                                  f"with a value map: {known}")
        result = run_sroi(proj, project, discount_rate=discount_rate)
        sens = sroi_sensitivity(proj, project, monte_carlo=monte_carlo, seed=seed,
                                discount_rate=discount_rate)
        path = write_sroi_excel(result, out, sens, lang=lang)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    summary = list(sroi_tables(result, sens, lang=lang).values())[3]   # the totals sheet
    for label, value in summary.itertuples(index=False, name=None):
        typer.echo(f"{label}: {value:,.2f}")
    for line in SROI_CAUTIONS[lang]:
        typer.echo(f"* {line}")
    typer.echo(f"wrote {path}")


# [commands:field] — `form` and `import` (field-collection round trip, docs/import.md).

def _synth_exports(out_dir: Path, layout: str, seed: int) -> None:
    from .errors import EvaluationError
    from .synth_exports import write_round_trip_kit

    try:
        paths = write_round_trip_kit(out_dir, layout=layout, seed=seed)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    for path in paths:
        typer.echo(f"wrote {path}")
    typer.echo(f"import it: evaluation import {out_dir / 'export'}/* --out DATA "
               f"--registry {out_dir / 'registry'}")


@app.command()
def form(
    out: Path = typer.Argument(..., help="The XLSForm (.xlsx) to write."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data folder: villages, "
                                        "households and people become choice lists."),
    instruments: str = typer.Option("tmhi15,happy10", "--instruments",
                                     help="Instrument ids, comma-separated ('' for none)."),
    finance: bool = typer.Option(True, "--finance/--no-finance",
                                 help="Ask the household finance questions."),
    ladder: Optional[Path] = typer.Option(None, "--ladder", help="Outcome ladder YAML: add "
                                          "the questions its indicators need."),
    title: Optional[str] = typer.Option(None, "--title", help="Form title."),
) -> None:
    """Write an XLSForm (KoboToolbox / ODK) for one survey round (docs/import.md).

    Exit codes: 0 written; 2 a wrong option or argument, e.g. an unknown instrument or
    OUT not ending in .xlsx (the problem is printed).
    """
    from .errors import EvaluationError
    from .xlsform import form_definition, write_xlsform

    try:
        path = write_xlsform(out, instruments=instruments, finance=finance, data=data,
                             ladder=ladder, title=title)
        sheets = form_definition(instruments=instruments, finance=finance, data=data,
                                 ladder=ladder, title=title)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    survey = sheets["survey"]
    n_q = int((~survey["type"].str.match(r"^(begin|end)_|^(start|end)$")).sum())
    typer.echo(f"wrote {path}: {n_q} questions, {len(sheets['choices'])} choices "
               "(field names: docs/import.md)")


@app.command("import")
def import_(
    exports: list[Path] = typer.Argument(..., help="Export files: Kobo XLSX/CSV, ODK Central "
                                         "CSV/ZIP, Google Forms CSV/XLSX, wide tables."),
    out: Optional[Path] = typer.Option(None, "--out", help="Data folder to write."),
    map_file: Optional[Path] = typer.Option(None, "--map", help="import.yaml mapping."),
    keep: Optional[str] = typer.Option(None, "--keep", help="latest: keep the newest of "
                                       "re-submissions (otherwise they are errors)."),
    registry: Optional[Path] = typer.Option(None, "--registry", help="Data folder with the "
                                            "program's projects, villages and participants."),
    suggest: bool = typer.Option(False, "--suggest", help="Print a proposed import.yaml "
                                 "instead of importing."),
) -> None:
    """Convert field-tool exports into a data folder (prints what was read and written).

    Exit codes: 0 imported (warnings are listed but allowed); 2 problems in the exports
    or the mapping (nothing is written; every problem is printed), or a wrong option.
    """
    from .errors import EvaluationError
    from .importers import ImportDataError, import_exports, suggest_mapping

    if keep not in (None, "latest"):
        raise typer.BadParameter(f"must be 'latest', got {keep!r}", param_hint="--keep")
    try:
        if suggest:
            typer.echo(suggest_mapping(exports, mapping=map_file), nl=False)
            return
        if out is None:
            raise typer.BadParameter("give the folder to write", param_hint="--out")
        result = import_exports(exports, out, mapping=map_file, keep=keep, registry=registry)
    except ImportDataError as exc:
        typer.echo(exc.result.summary())
        _fail_on_evaluation_error(exc)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(result.summary())
    if len(result.problems):
        _print_problems(result.problems, title=f"{len(result.problems)} problem(s)")
    if not result.ok:
        raise typer.Exit(EXIT_INVALID_DATA)


# [commands:report] — `report` and `batch` commands live below this line.

EXIT_REPORT_FAILED = 1
#: `batch`: the output folder cannot be written (disk full, read-only): EX_IOERR.
EXIT_OUTPUT_ERROR = 74


def _check_lang_option(lang: str) -> str:
    if lang not in ("th", "en"):
        raise typer.BadParameter(f"must be 'th' or 'en', got {lang!r}", param_hint="--lang")
    return lang


def _check_formats_option(value: str) -> str:
    from .reporting.context import report_chart_formats

    try:
        return ",".join(report_chart_formats(value))
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


def _validate_village(data_dir: Path, village: str):
    """Load and validate the data, and check the village exists, before any kernel
    starts: exit 2 with the problems table otherwise. Returns the project."""
    from .project import load_project
    from .errors import EvaluationError

    try:
        project = load_project(data_dir)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    known = [str(v) for v in project.village_ids]
    if village not in known:
        typer.echo(f"error: unknown village id {village!r} (--village); known villages: "
                   f"{', '.join(known)}", err=True)
        raise typer.Exit(EXIT_INVALID_DATA)
    return project


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
    chart_formats: str = typer.Option("", "--chart-formats",
                                      help="Chart files to write besides the page, e.g. "
                                           "png,svg,pdf (default: none; the page has every "
                                           "chart inline).",
                                      callback=_check_formats_option),
    pdf: bool = typer.Option(False, "--pdf", help="Also print report.pdf next to each "
                             "report.html (A4, needs the Chromium browser)."),
    min_cell: int = typer.Option(3, "--min-cell", min=1,
                                 help="No statistic about fewer than this many people "
                                      "(counts below show as <N)."),
) -> None:
    """Render one village report: OUT/<village>/report.html (+ charts, tables.xlsx).

    The data are validated first: invalid data or an unknown village id print the
    problems and exit without starting a kernel.

    Exit codes: 0 written; 1 the report failed while rendering (the error is printed and
    the executed notebook kept as report.failed.ipynb) or could not be printed to PDF;
    2 invalid data, an unknown village id, a wrong option or argument, or --pdf without
    Chromium (the problems are printed).
    """
    from .errors import EvaluationError
    from .rendering.notebook import ReportError, render_village_report

    notebook = _village_notebook(report_kind, notebook)
    chromium = _pdf_browser() if pdf else None
    _validate_village(data_dir, village)
    try:
        path = render_village_report(data_dir, village, out, lang=lang,
                                     show_raw_text=show_raw_text, notebook=notebook,
                                     chart_formats=chart_formats, min_cell=min_cell)
    except ReportError as exc:
        from .rendering.notebook import describe_error

        typer.echo(f"report for {village!r} failed: {describe_error(exc.result.error)}", err=True)
        typer.echo(f"executed notebook: {exc.result.path / 'report.failed.ipynb'}", err=True)
        raise typer.Exit(EXIT_REPORT_FAILED)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(f"wrote {path}")
    if pdf and not _print_pdfs([path], chromium=chromium, workers=1):
        raise typer.Exit(EXIT_REPORT_FAILED)


@app.command("charts")
def charts_command(
    data_dir: Path = typer.Argument(..., help="Data folder or Excel workbook."),
    village: str = typer.Option(..., "--village", help="Village id."),
    formats: str = typer.Option("png,svg,pdf", "--formats",
                                help="Chart files to write: any of png (200 dpi), svg "
                                     "(text as paths), pdf (font embedded), jpg."),
    out: Optional[Path] = typer.Option(None, "--out",
                                       help="Folder for the files (default: "
                                            "reports/<village>/charts)."),
    lang: str = typer.Option("th", "--lang", help="Chart language: th or en.",
                             callback=_check_lang_option),
    min_cell: int = typer.Option(3, "--min-cell", min=1,
                                 help="No chart about fewer than this many people."),
) -> None:
    """Write the charts of one village's report as files (PNG, SVG, PDF), no report.

    The same files `evaluation report --chart-formats FORMATS` writes to charts/.
    Exit codes: 0 written; 2 invalid data, an unknown village id or a wrong option.
    """
    from .errors import EvaluationError
    from .export import safe_name
    from .reporting.chart_files import write_village_charts
    from .reporting.context import report_chart_formats

    try:
        chosen = report_chart_formats(formats)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--formats")
    if not chosen:
        raise typer.BadParameter("name at least one of png, svg, pdf, jpg",
                                 param_hint="--formats")
    project = _validate_village(data_dir, village)
    target = out if out is not None else Path("reports") / safe_name(village) / "charts"
    try:
        files = write_village_charts(project, village, target, formats=chosen, lang=lang,
                                     min_cell=min_cell)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    typer.echo(f"wrote {len(files)} file(s) to {target}")


def _pdf_browser() -> str:
    """The browser for --pdf, checked before anything is rendered (exit 2 if absent)."""
    from .pdf import ChromiumMissingError, require_chromium

    try:
        return require_chromium()
    except ChromiumMissingError as exc:
        typer.echo(f"error: --pdf: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID_DATA)


def _print_pdfs(pages, *, chromium: str, workers: int) -> bool:
    """Print report pages to PDF, say what was written; False if any failed."""
    from .pdf import print_reports

    results = print_reports(pages, workers=workers, chromium=chromium)
    for r in results:
        if r["error"] is None:
            typer.echo(f"wrote {r['pdf']}")
        else:
            typer.echo(f"PDF not written for {r['html']}: {r['error']}", err=True)
    return all(r["error"] is None for r in results)


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
    chart_formats: str = typer.Option("", "--chart-formats",
                                      help="Chart files to write besides each page, e.g. "
                                           "png,svg,pdf (default: none; the pages have every "
                                           "chart inline; each format adds time).",
                                      callback=_check_formats_option),
    show_raw_text: bool = typer.Option(False, "--show-raw-text",
                                       help="Show lessons text as written (not redacted)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also print report.pdf next to each "
                             "report.html (A4, needs the Chromium browser)."),
    grace: float = typer.Option(30.0, "--grace", min=0,
                                help="After Ctrl-C or SIGTERM: seconds running reports may "
                                     "take to finish (a second Ctrl-C stops at once)."),
    report_timeout: float = typer.Option(300.0, "--report-timeout", min=0,
                                         help="Seconds allowed per report; a report over it "
                                              "fails and the run goes on (0: no limit)."),
    kernel_memory: Optional[str] = typer.Option(
        None, "--kernel-memory", help="Memory cap per kernel, e.g. 4G; a report needing more "
                                      "fails with 'out of memory' and the run goes on."),
    min_cell: int = typer.Option(3, "--min-cell", min=1,
                                 help="No statistic about fewer than this many people "
                                      "(counts below show as <N)."),
    privacy_scan: bool = typer.Option(True, "--privacy-scan/--no-privacy-scan",
                                      help="Audit every output file for personal "
                                           "identifiers at the end (result in the index)."),
) -> None:
    """Render every village, the portfolio reports and OUT/index.html.

    Exit codes: 0 every report rendered; 1 some failed (the others are still rendered;
    errors are listed at the end and in the index) or could not be printed to PDF;
    2 invalid data, an unknown village id, a wrong option or argument, or --pdf without
    Chromium (the problems are printed; nothing is rendered); 74 the output cannot be
    written (disk full, read-only folder); 130 stopped with Ctrl-C (SIGINT); 143 stopped
    with SIGTERM. A stopped or killed run resumes where it stopped when run again.
    """
    from .rendering.batch import ENGINES, run_batch
    from .rendering.lifecycle import OutputWriteError
    from .errors import EvaluationError

    if engine not in ENGINES:
        raise typer.BadParameter(f"must be one of {', '.join(ENGINES)}, got {engine!r}",
                                 param_hint="--engine")
    notebook = _village_notebook(report_kind, notebook)
    chromium = _pdf_browser() if pdf else None
    try:
        result = run_batch(data_dir, out, lang=lang, workers=workers, only=only or None,
                           force=force, engine=engine, scheduler=scheduler, gather=gather,
                           progress=progress, notebook=notebook,
                           portfolio_notebook=portfolio_notebook, portfolios=not no_portfolio,
                           chart_formats=chart_formats, show_raw_text=show_raw_text,
                           grace=grace, report_timeout=report_timeout or None,
                           kernel_memory=kernel_memory,
                           min_cell=min_cell, privacy_scan=privacy_scan)
    except OutputWriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_OUTPUT_ERROR)
    except EvaluationError as exc:
        _fail_on_evaluation_error(exc)
    except ValueError as exc:
        raise typer.BadParameter(str(exc))
    if result.privacy_scan is not None:
        n = result.privacy_scan["n_findings"]
        typer.echo(f"privacy-scan: {n} possible personal identifier(s) in "
                   f"{result.privacy_scan['n_files']} output files"
                   + (f" — do not publish; run `evaluation privacy-scan {out}` for details"
                      if n else ""), err=bool(n))
    typer.echo(result.summary())
    if result.exit_code and result.exit_code != EXIT_REPORT_FAILED:  # stopped: 130/143
        raise typer.Exit(result.exit_code)
    printed = True
    if pdf:
        pages = [result.out_dir / r["name"] / "report.html" for r in result.reports
                 if r["status"] in ("ok", "skipped")]
        printed = _print_pdfs([p for p in pages if p.is_file()], chromium=chromium,
                              workers=workers or 2)
    if not result.ok or not printed:
        raise typer.Exit(EXIT_REPORT_FAILED)


EXIT_PII_FOUND = 1


@app.command("privacy-scan")
def privacy_scan(
    out_dir: Path = typer.Argument(..., help="Output folder (reports) to audit."),
    data: Optional[Path] = typer.Option(None, "--data",
                                        help="Data folder: also look for its participants' "
                                             "names, national IDs and phones."),
    workers: int = typer.Option(1, "--workers", metavar="N", min=1,
                                help="Processes to scan with (a large batch output is "
                                     "split between report folders; same findings)."),
) -> None:
    """List anything in the output files that looks like a personal identifier.

    Exit codes: 0 nothing found; 1 findings (listed); 2 unreadable data, or a wrong option
    or argument.
    """
    from .errors import EvaluationError
    from .privacy_scan import scan_outputs

    try:
        findings = scan_outputs(out_dir, data_dir=data, workers=workers)
    except (EvaluationError, FileNotFoundError) as exc:
        _fail_on_evaluation_error(exc)
    n_files = findings.attrs.get("n_files", 0)
    if findings.empty:
        typer.echo(f"ไม่พบข้อมูลส่วนบุคคล / no personal identifiers found "
                   f"({n_files} files read)")
        return
    _print_problems(findings.drop(columns="value"),
                    title=f"พบข้อมูลที่อาจเป็นข้อมูลส่วนบุคคล / possible personal identifiers: "
                          f"{len(findings)} in {findings['file'].nunique()} of {n_files} files")
    raise typer.Exit(EXIT_PII_FOUND)


def _one_line_paragraphs(text: str) -> str:
    """A command's help with each paragraph on one line.

    typer 0.29 keeps the line breaks of every paragraph after the first, so
    rich's wrapping broke sentences in the middle ("… warnings with" / "--strict").
    """
    import inspect

    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines())
                        for paragraph in inspect.cleandoc(text).split("\n\n"))


for _command in app.registered_commands:
    _command.help = _one_line_paragraphs(_command.help or _command.callback.__doc__ or "")


def main() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
