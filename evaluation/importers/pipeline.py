"""``evaluation import``: exports in, a canonical data folder out.

:func:`import_exports` reads the exports, builds the tables
(:mod:`.core`), takes the program's projects, villages and people from a
registry folder when one is given (or builds them from the export), writes the
CSV files that :func:`evaluation.project.load_project` reads, loads the
result once to prove it valid, and returns an :class:`ImportResult` that says
what was read, written, ignored and excluded.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError, EvaluationError, problems_frame
from .core import PARTICIPANT_FIELDS, Built, build, dedupe, read_all
from .columns import Known
from .mapping import Mapping, read_mapping
from .sheets import ExportReadError

#: Marker file written into every folder made by ``evaluation import``.
LOG_NAME = "IMPORT-LOG.txt"
DEFAULT_PROJECT = {"project_id": "P01", "name": "โครงการที่นำเข้าจากแบบสำรวจ"}
FINANCE_COLUMNS = ["household_id", "wave", "date", "income", "expenses", "debt_formal",
                   "debt_informal", "savings", "household_size"]
HAPPINESS_COLUMNS = ["person_id", "wave", "date", "instrument", "item", "value"]
_BOOK = ["file", "sheet", "row", "uuid", "submitted", "sub"]


class ImportDataError(DataValidationError):
    """The exports cannot be imported as they are; ``.problems`` lists why.

    ``.result`` is the :class:`ImportResult` (what was read and found).
    """

    def __init__(self, result: "ImportResult"):
        self.result = result
        super().__init__(result.problems, f"{result.n_errors} problem(s): nothing was written")


@dataclass
class ImportResult:
    """The account of one import (printed by ``evaluation import``).

    Attributes
    ----------
    out : Path
    read : DataFrame
        ``file, sheet, layout, rows, excluded, parent`` per sheet read.
    written : dict
        Table name -> rows written.
    columns : DataFrame
        ``file, sheet, column, kind, target, reason``: what every column became
        (``kind`` is field, item, detail, role, ignored or unmapped).
    counts : dict
        Submissions imported and what was left out, by reason.
    notes : list of str
    problems : DataFrame
        Problems table (errors and warnings).
    project : Project or None
        The written folder loaded by ``load_project`` (None if it did not load).
    """

    out: Path
    read: pd.DataFrame
    written: dict
    columns: pd.DataFrame
    counts: dict
    notes: list = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=problems_frame)
    registry: Path | None = None
    project: object = None

    @property
    def n_errors(self) -> int:
        return int((self.problems["severity"] != "warning").sum())

    @property
    def ok(self) -> bool:
        return self.n_errors == 0

    def summary(self) -> str:
        """A readable account (Thai first, English after the slash)."""
        lines = ["อ่าน / read:"]
        for r in self.read.itertuples():
            where = r.file + (f" [{r.sheet}]" if r.sheet else "")
            extra = f", {r.excluded} excluded" if r.excluded else ""
            link = f", repeat rows of {r.parent}" if isinstance(r.parent, str) else ""
            lines.append(f"  {where} ({r.layout}): {r.rows} rows{extra}{link}")
        c = self.counts
        lines.append(f"  submissions imported: {c.get('submissions', 0)}")
        left = {"excluded_not_approved": "not approved / rejected in the field tool (excluded; "
                                         "include with include_not_approved: true)",
                "finance_not_surveyed": "finance not surveyed in that round (finance_done = no)",
                "finance_blank": "rows without any finance answer",
                "members_without_answers": "member entries without any instrument answer",
                "duplicates_dropped": "rows of older re-submissions dropped (--keep latest)"}
        shown = [(k, v) for k, v in left.items() if c.get(k)]
        if shown:
            lines.append("ไม่นำเข้า / left out (counted):")
            lines += [f"  {c[k]}: {v}" for k, v in shown]
        if self.written:
            lines.append(f"เขียน / written to {self.out}:")
            lines += [f"  {t}: {n} rows" for t, n in self.written.items()]
            if self.registry is not None:
                lines.append(f"  (projects, villages, participants, ledger, savings, lessons and "
                             f"ladders copied from the registry {self.registry})")
        else:
            lines.append("เขียน / written: nothing (fix the problems below first)")
        ign = self.columns[self.columns["kind"].isin(["ignored", "role"])] if len(
            self.columns) else self.columns
        if len(ign):
            lines.append("คอลัมน์ที่ไม่นำเข้าโดยตั้งใจ / columns deliberately not imported:")
            meta = "submission metadata (used for ids, time and approval; not a table column)"
            for (col, reason), _g in ign.groupby(["column", "reason"], sort=False):
                lines.append(f"  {col}: {reason or meta}")
        un = self.columns[self.columns["kind"] == "unmapped"] if len(self.columns) else []
        if len(un):
            lines.append("คอลัมน์ที่ไม่รู้จัก / columns not recognised (not imported; see "
                         "problems):")
            lines += [f"  {c}" for c in dict.fromkeys(un["column"])]
        if c.get("dates_from_submission_time"):
            lines.append(f"หมายเหตุ / note: {c['dates_from_submission_time']} row(s) dated by the "
                         "submission time (no date question in the export)")
        for note in self.notes:
            lines.append(f"หมายเหตุ / note: {note}")
        n_warn = int((self.problems["severity"] == "warning").sum())
        lines.append(f"ปัญหา / problems: {self.n_errors} error(s), {n_warn} warning(s)")
        return "\n".join(lines)


# ---------------------------------------------------------------------------- writing
def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[name] = s.dt.strftime("%Y-%m-%d").where(s.notna(), "")
        elif pd.api.types.is_float_dtype(s):
            out[name] = [("" if pd.isna(v) else (str(int(v)) if float(v).is_integer()
                                                  else repr(float(v)))) for v in s]
        else:
            out[name] = ["" if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v)
                         for v in s]
    return pd.DataFrame(out, columns=list(frame.columns))


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table; text that a spreadsheet would run as a formula gets a leading "'".

    Export cells are untrusted (a respondent can type ``=HYPERLINK(…)``); numbers,
    dates and rounds are left alone so that the loader reads them as before.
    """
    from .. import schema
    from ..export import formula_safe_frame

    text = _text_frame(frame)
    table = schema.TABLES.get(path.stem)
    plain = {c.name for c in table.columns if c.kind in ("money", "number", "int", "date",
                                                          "wave")} if table else set()
    safe = [c for c in text.columns if c not in plain]
    text[safe] = formula_safe_frame(text[safe]).to_numpy()
    tmp = path.with_name(f".{path.name}.tmp")
    text.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(path)


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise EvaluationError(f"--out {out}: exists and is not a folder")
        entries = [p for p in out.iterdir()]
        if entries and not (out / LOG_NAME).exists():
            raise EvaluationError(f"--out {out}: the folder is not empty and was not written by "
                                  "evaluation import; choose a new or empty folder")
        for p in entries:  # a previous import: replace it whole
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _copy_registry(registry, proj, out: Path) -> dict:
    """Write the registry's tables (not happiness/finance), lessons, ladders, instruments."""
    written = {}
    for name in ("projects", "villages", "participants", "ledger", "savings"):
        frame = getattr(proj, name)
        if len(frame):
            _write_csv(frame, out / f"{name}.csv")
            written[name] = len(frame)
    for r in proj.lessons.itertuples():
        folder = out / "lessons" / str(r.village_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{str(r.section).replace('/', '-')}.txt").write_text(r.text, encoding="utf-8")
    if len(proj.lessons):
        written["lessons"] = len(proj.lessons)
    root = Path(registry)
    ladders = sorted(p for p in root.rglob("ladder*.y*ml")
                     if not any(part.startswith(".") for part in p.relative_to(root).parts))
    for k, path in enumerate(ladders, 1):
        shutil.copyfile(path, out / f"ladder-{k}{path.suffix}")
    for path in sorted(root.rglob("instruments/*.y*ml")):
        (out / "instruments").mkdir(exist_ok=True)
        shutil.copyfile(path, out / "instruments" / path.name)
    return written


# ---------------------------------------------------------------------------- tables
def _participants(built: Built, mapping: Mapping, problems: list[dict], notes: list[str]):
    frame = built.participants
    cols = ["person_id", "household_id", "village_id", *PARTICIPANT_FIELDS]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    extra = [c for c in frame.columns if c not in cols and c not in
             ("file", "sheet", "row", "uuid", "submitted", "sub")]
    rows = []
    for pid, group in frame.groupby("person_id", sort=False):
        row = {"person_id": pid}
        for c in cols[1:] + extra:
            vals = [v for v in group[c] if v is not None and not (isinstance(v, float) and
                                                                 np.isnan(v))]
            distinct = list(dict.fromkeys(str(v).strip() for v in vals))
            row[c] = vals[0] if vals else None
            if len(distinct) > 1:
                r = group.iloc[0]
                problems.append(dict(file=r.file, sheet=r.sheet, row=r.row, column=c,
                                     value=" | ".join(distinct[:5]), severity="warning",
                                     problem=f"person {pid}: different {c} in different "
                                             f"submissions; the first ({distinct[0]}) is kept"))
        rows.append(row)
    out = pd.DataFrame(rows, columns=cols + extra)
    for c, v in mapping.defaults.items():
        if c in out.columns:
            out[c] = out[c].where(out[c].notna(), v)
    if out["role"].isna().any():
        n = int(out["role"].isna().sum())
        out["role"] = out["role"].fillna("target")
        notes.append(f"{n} participant(s) without a role: set to target (give defaults.role or "
                     "map a role column in import.yaml)")
    return out


def _villages(parts: pd.DataFrame, built: Built, mapping: Mapping, notes: list[str]):
    names = dict(zip(built.villages["village_id"], built.villages["name"]))
    project = mapping.project or DEFAULT_PROJECT
    if not mapping.project:
        notes.append(f"no project in import.yaml: project {DEFAULT_PROJECT['project_id']} "
                     f"({DEFAULT_PROJECT['name']}) written")
    rows, unnamed = [], []
    for vid in dict.fromkeys(v for v in parts["village_id"] if v is not None):
        info = mapping.villages.get(vid, {})
        name = info.get("name") or names.get(vid)
        if not name:
            unnamed.append(vid)
            name = vid
        rows.append({"village_id": vid, "project_id": info.get("project_id")
                     or project["project_id"], "name": name,
                     **{k: info.get(k) for k in ("subdistrict", "district", "province")}})
    if unnamed:
        notes.append(f"villages without a name in the export or import.yaml (id used as the "
                     f"name): {', '.join(unnamed)}")
    projects = pd.DataFrame([{k: project.get(k) for k in ("project_id", "name", "organisation",
                                                          "start_date", "end_date", "budget")}])
    return pd.DataFrame(rows), projects


def _check_known(frame, column, known: set, table: str, problems, what: str):
    if frame.empty:
        return
    for r in frame[~frame[column].isin(known)].drop_duplicates(column).itertuples():
        problems.append(dict(file=r.file, sheet=r.sheet, row=r.row, column=column,
                             value=getattr(r, column), severity="error",
                             problem=f"{table}: {what} not in the registry's participants"))


def _check_mapping_headers(sheets, mapping: Mapping, problems: list[dict]) -> None:
    """Every header named in import.yaml must exist (ignore entries: a warning)."""
    from .columns import norm

    present = set()
    for s in sheets:
        for h in s.frame.columns:
            present.add(norm(h))
            for sep in ("/", "."):
                if sep in h:
                    present.add(norm(h.rpartition(sep)[0]))
    file = str(mapping.path) if mapping.path else "import.yaml"
    named = [(f"columns.{r.target}" + (f"@{r.wave}" if r.wave else ""), r.header)
             for r in mapping.columns if r.header]
    named += [(f"items.{i}.{it}", h) for h, (i, it, _w) in mapping.items.items()]
    named += [("wave.column", mapping.wave_column), ("date.column", mapping.date_column)]
    for where, header in named:
        if header and sheets and norm(header) not in present:
            problems.append(dict(file=file, sheet=None, row=None, column=where, value=header,
                                 severity="error",
                                 problem="column named in import.yaml is not in any export"))
    for header in mapping.ignore:
        if sheets and norm(header) not in present:
            problems.append(dict(file=file, sheet=None, row=None, column="ignore", value=header,
                                 severity="warning",
                                 problem="column listed under ignore is not in any export"))


def import_exports(exports, out, *, mapping=None, keep: str | None = None,
                   registry=None) -> ImportResult:
    """Convert field-tool exports into a data folder that ``load_project`` reads.

    Parameters
    ----------
    exports : path or list of paths
        KoboToolbox XLSX/CSV, ODK Central CSV/ZIP, Google Forms CSV/XLSX or
        plain wide tables; repeat-group files are joined to their parents.
    out : path
        Folder to write (new, empty, or written by a previous import).
    mapping : path or Mapping, optional
        An ``import.yaml`` (``docs/import.md``). Exports of forms made by
        ``evaluation form`` need none.
    keep : {None, "latest"}
        Re-submissions of the same household/person in a round are errors
        unless ``"latest"``: then the newest submission is kept (reported).
    registry : path, optional
        A data folder whose projects, villages, participants, account books,
        savings, lessons, ladders and instruments are copied into ``out``
        (its happiness and finance are replaced by the import).

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportDataError
        Any error (nothing is written); ``.result`` holds the account.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evaluation.project import load_project
    >>> from evaluation.synth_exports import write_exports
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> files = write_exports(tmp / "kobo", layout="kobo", data="data/sample")
    >>> result = import_exports(files, tmp / "data", registry="data/sample")
    >>> sample = load_project("data/sample")
    >>> (result.written["happiness"] == len(sample.happiness),
    ...  result.written["finance"] == len(sample.finance))
    (True, True)
    """
    from ..project import load_project

    out = Path(out)
    if keep not in (None, "latest"):
        raise ImportArgumentError(f"keep: allowed values are None and 'latest', got {keep!r}")
    if mapping is None:
        mapping = Mapping()
    elif not isinstance(mapping, Mapping):
        mapping = read_mapping(mapping)
    keep = keep or mapping.keep
    registry = registry if registry is not None else mapping.registry
    paths = [exports] if isinstance(exports, (str, Path)) else list(exports)
    if not paths:
        raise ImportArgumentError("exports: give at least one export file")
    problems: list[dict] = []
    inst_dirs = []
    if registry is not None:
        inst_dirs = sorted({p.parent for p in Path(registry).rglob("instruments/*.y*ml")})
    known = Known(inst_dirs)
    try:
        sheets = read_all(paths, mapping, problems)
    except ExportReadError as exc:
        problems.append(dict(file=None, sheet=None, row=None, column=None, value=None,
                             problem=str(exc), severity="error"))
        sheets = []
    _check_mapping_headers(sheets, mapping, problems)
    built = build(sheets, known, mapping, problems)
    notes = list(built.notes)
    counts = dict(built.counts)
    n_before = len(built.finance) + len(built.happiness)
    finance = dedupe(built.finance, ["household_id", "wave"], table="finance", keep=keep,
                     problems=problems)
    happiness = dedupe(built.happiness, ["person_id", "wave", "instrument", "item"],
                       table="happiness", keep=keep, problems=problems,
                       unit=["person_id", "wave", "instrument"])
    counts["duplicates_dropped"] = n_before - len(finance) - len(happiness)

    registry_proj = None
    parts = villages = projects = None
    if registry is not None:
        from ..project import load_project as _load

        try:
            registry_proj = _load(registry)
        except DataValidationError as exc:
            bad = exc.problems.copy()
            bad["problem"] = "registry: " + bad["problem"].astype(str)
            problems.extend(bad.to_dict("records"))
        except EvaluationError as exc:
            problems.append(dict(file=str(registry), sheet=None, row=None, column=None,
                                 value=None, problem=f"registry: {exc}", severity="error"))
        if registry_proj is not None:
            _check_known(happiness, "person_id", set(registry_proj.participants["person_id"]),
                         "happiness", problems, "person")
            _check_known(finance, "household_id",
                         set(registry_proj.participants["household_id"]), "finance", problems,
                         "household")
    else:
        parts = _participants(built, mapping, problems, notes)
        if len(finance):
            missing = finance[~finance["household_id"].isin(set(parts["household_id"]))]
            for r in missing.drop_duplicates("household_id").itertuples():
                problems.append(dict(file=r.file, sheet=r.sheet, row=r.row,
                                     column="household_id", value=r.household_id,
                                     severity="error",
                                     problem="finance: household without any member in the "
                                             "export; give a registry folder (--registry) with "
                                             "the program's participants"))
        if parts["village_id"].isna().any():
            r = built.participants.iloc[0]
            problems.append(dict(file=r.file, sheet=r.sheet, row=None, column="village_id",
                                 value=None, severity="error",
                                 problem="participants: no village for some people (map the "
                                         "village column, or give columns.village_id.value)"))
        villages, projects = _villages(parts, built, mapping, notes)

    result = ImportResult(out=out, read=built.read, written={}, columns=built.columns,
                          counts=counts, notes=notes, problems=problems_frame(problems),
                          registry=Path(registry) if registry is not None else None)
    if not result.ok:
        raise ImportDataError(result)

    _prepare_out(out)
    written = {}
    if registry_proj is not None:
        written = _copy_registry(registry, registry_proj, out)
    else:
        for name, frame in (("projects", projects), ("villages", villages),
                            ("participants", parts)):
            _write_csv(frame, out / f"{name}.csv")
            written[name] = len(frame)
    extra_fin = [c for c in finance.columns if c not in FINANCE_COLUMNS + _BOOK
                 and finance[c].notna().any() and (finance[c].astype(str) != "").any()]
    if len(finance):
        _write_csv(finance[FINANCE_COLUMNS + extra_fin], out / "finance.csv")
    if len(happiness):
        _write_csv(happiness[HAPPINESS_COLUMNS], out / "happiness.csv")
    written["finance"] = len(finance)
    written["happiness"] = len(happiness)
    result.written = written
    try:
        proj = load_project(out)
        result.project = proj
        if len(proj.problems):
            warn = proj.problems.drop(columns=[c for c in proj.problems.columns
                                               if c not in problems_frame().columns])
            warn["problem"] = "after import: " + warn["problem"].astype(str)
            result.problems = pd.concat([result.problems, warn], ignore_index=True)
    except DataValidationError as exc:
        bad = exc.problems.copy()
        bad["problem"] = "after import (written files): " + bad["problem"].astype(str)
        result.problems = pd.concat([result.problems, bad], ignore_index=True)
    (out / LOG_NAME).write_text(result.summary() + "\n", encoding="utf-8")
    return result


class ImportArgumentError(EvaluationError, ValueError):
    """An argument of :func:`import_exports` is not usable."""
