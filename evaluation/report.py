"""Render the village and portfolio reports: run a parameterised notebook with
papermill, save the executed notebook, export a self-contained HTML page.

Two halves live here:

* **In the kernel** (used by the notebooks): :class:`ReportContext` saves every
  chart as PNG/SVG/PDF and every table as CSV and in one Excel workbook, shows
  them in the report with data text escaped, and records the headline figures
  the batch index shows. :func:`report_project` loads a data folder once per
  kernel and hands every notebook its own copy.
* **In the caller**: :func:`render_village_report` / :func:`render_portfolio_report`
  (and :func:`render_notebook` under them) execute a notebook with papermill
  semantics (``parameters`` cell, ``injected-parameters`` cell) on a
  :class:`WarmKernel`, then export HTML with nbconvert in process: no code, no
  injected parameters, images inline, the Sarabun font embedded, no external
  URL at all, a print (A4) stylesheet. Everything is written into a staging
  folder and moved into place at the end, ``report.html`` last, so an
  interrupted run never leaves a half report that looks complete.

A :class:`WarmKernel` is started once and reused: between two reports the
namespace is cleared (``%reset -f``), figures closed and matplotlib, pandas,
NumPy random, warnings and working-directory state restored, so the heavy
imports are paid once per worker. A kernel that dies is replaced and the
report retried once.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import EvaluationError
from .export import (CHART_FORMATS, atomic_write_text, chart_formats, format_number,
                     html_escape, html_table, render_figure, safe_name, write_csv, write_tables)

__all__ = [
    "ReportContext",
    "ReportError",
    "participants_by_role",
    "participants_by_village",
    "participants_chart",
    "RenderResult",
    "WarmKernel",
    "default_notebook",
    "export_html",
    "render_notebook",
    "render_portfolio_report",
    "render_village_report",
    "report_project",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"
#: Cell tags removed from the HTML (the executed notebook keeps them).
HIDDEN_CELL_TAGS = ("parameters", "injected-parameters", "remove_cell", "hide")
STAGING = ".staging"
LANGS = ("th", "en")

log = logging.getLogger(__name__)


class ReportError(EvaluationError):
    """A report notebook failed.

    Attributes
    ----------
    result : RenderResult
        What happened: ``error`` holds the failing cell (``cell_index``,
        ``execution_count``, ``source`` first line), ``ename`` and ``evalue``.
    """

    def __init__(self, result: "RenderResult"):
        self.result = result
        err = result.error or {}
        where = f"cell {err.get('execution_count')}" if err.get("execution_count") else "kernel"
        super().__init__(f"report {result.name!r} failed at {where}: "
                         f"{err.get('ename', 'Error')}: {err.get('evalue', '')}")


# =========================================================================== kernel side
def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


def format_report_date(value: Any, lang: str = "th") -> str:
    """A date for a report: Buddhist era in Thai (``7 ก.ค. 2566``), CE in English.

    Thin wrapper of :func:`evaluation.thai.format_thai_date`; missing values
    give ``"–"``.

    >>> format_report_date("2023-07-07"), format_report_date("2023-07-07", "en")
    ('7 ก.ค. 2566', '7 Jul 2023')
    """
    from .thai import format_thai_date

    _check_lang(lang)
    return format_thai_date(value, lang=lang)


#: Display headers of the columns report tables commonly use.
COLUMN_LABELS = {
    "th": {"role": "บทบาท", "female": "หญิง (คน)", "male": "ชาย (คน)", "total": "รวม (คน)",
           "village_id": "รหัสหมู่บ้าน", "project_id": "รหัสโครงการ", "name": "ชื่อ",
           "subdistrict": "ตำบล", "district": "อำเภอ", "province": "จังหวัด",
           "team": "คณะทำงาน (คน)", "target": "กลุ่มเป้าหมาย (คน)", "mentor": "ครูพี่เลี้ยง (คน)",
           "participants": "ผู้เข้าร่วมทั้งหมด (คน)", "households": "ครัวเรือน"},
    "en": {"role": "Role", "female": "Women", "male": "Men", "total": "Total",
           "village_id": "Village code", "project_id": "Project code", "name": "Name",
           "subdistrict": "Subdistrict", "district": "District", "province": "Province",
           "team": "Working team", "target": "Target members", "mentor": "Mentors",
           "participants": "All participants", "households": "Households"},
}
ROLES = ("team", "target", "mentor")


def participants_by_role(participants, *, role: str = "role", sex: str = "sex"):
    """Number of participants per role, by sex.

    Parameters
    ----------
    participants : DataFrame
        One row per person.
    role, sex : str
        Column names (role values team/target/mentor; sex ``F``/``M``).

    Returns
    -------
    DataFrame
        One row per role in the order team, target, mentor (roles with nobody
        included, with zeros) and columns ``role, female, male, total``;
        ``total`` also counts people whose sex is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"role": ["team", "target", "target"], "sex": ["F", "F", "M"]})
    >>> participants_by_role(people)["total"].tolist()
    [1, 2, 0]
    """
    import pandas as pd

    for col, arg in ((role, "role"), (sex, "sex")):
        if col not in participants.columns:
            raise ValueError(f"{arg}={col!r} is not a column of participants; columns: "
                             f"{list(participants.columns)}")
    roles = pd.Categorical(participants[role], categories=ROLES)
    frame = pd.DataFrame({"role": roles, "F": participants[sex].eq("F").to_numpy(),
                          "M": participants[sex].eq("M").to_numpy()})
    grouped = frame.groupby("role", observed=False)
    out = pd.DataFrame({"role": list(ROLES),
                        "female": grouped["F"].sum().reindex(ROLES).to_numpy().astype("int64"),
                        "male": grouped["M"].sum().reindex(ROLES).to_numpy().astype("int64"),
                        "total": grouped.size().reindex(ROLES).to_numpy().astype("int64")})
    return out


def participants_by_village(project):
    """Participants per role and households for every village of a project.

    Parameters
    ----------
    project : Project
        A loaded project (or a part of it).

    Returns
    -------
    DataFrame
        One row per village in file order with columns ``village_id,
        project_id, name, subdistrict, district, province, team, target,
        mentor, participants, households``.
    """
    import pandas as pd

    people = project.participants
    counts = pd.crosstab(people["village_id"], pd.Categorical(people["role"], categories=ROLES),
                         dropna=False)
    counts.columns = [str(c) for c in counts.columns]
    cols = ["village_id", "project_id", "name", "subdistrict", "district", "province"]
    out = project.villages[[c for c in cols if c in project.villages.columns]].copy()
    vids = out["village_id"]
    for r in ROLES:
        out[r] = counts[r].reindex(vids).fillna(0).to_numpy().astype("int64") \
            if r in counts.columns else 0
    out["participants"] = out[list(ROLES)].sum(axis=1)
    hh = people.groupby("village_id")["household_id"].nunique()
    out["households"] = hh.reindex(vids).fillna(0).to_numpy().astype("int64")
    return out.reset_index(drop=True)


def participants_chart(table, *, lang: str = "th", by: str = "role"):
    """Bar chart of participants per role (village) or per village (portfolio).

    Parameters
    ----------
    table : DataFrame
        :func:`participants_by_role` (``by="role"``, bars stacked by sex) or
        :func:`participants_by_village` (``by="village"``).
    lang : {"th", "en"}
    by : {"role", "village"}
        With more than 40 villages the chart shows the distribution of
        participants per village (a histogram) instead of one bar each.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .charts.base import PALETTE, new_figure, pick
    from .thai import label

    _check_lang(lang)
    if by not in ("role", "village"):
        raise ValueError(f"by must be 'role' or 'village', got {by!r}")
    if by == "role":
        fig, ax = new_figure(7, 3.2)
        names = [label("role", r, lang) for r in table["role"]]
        female = table["female"].to_numpy()
        male = table["male"].to_numpy()
        ax.barh(names, female, color=PALETTE[0], label=label("sex", "F", lang))
        ax.barh(names, male, left=female, color=PALETTE[1], label=label("sex", "M", lang))
        for y, total in enumerate(table["total"]):
            ax.text(total, y, f" {format_number(total)}", va="center")
        ax.invert_yaxis()
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(pick(lang, "ผู้เข้าร่วมโครงการแยกตามบทบาทและเพศ",
                          "Participants by role and sex"))
        ax.set_ylabel(pick(lang, "บทบาท", "Role"))
    elif len(table) > 40:  # too many bars to read: the distribution instead
        fig, ax = new_figure(7, 3.5)
        ax.hist(table["participants"].to_numpy(), bins=20, color=PALETTE[0])
        ax.set_title(pick(lang, f"จำนวนผู้เข้าร่วมต่อหมู่บ้าน ({format_number(len(table))} หมู่บ้าน)",
                          f"Participants per village ({format_number(len(table))} villages)"))
        ax.set_ylabel(pick(lang, "จำนวนหมู่บ้าน", "Number of villages"))
        ax.set_xlabel(pick(lang, "ผู้เข้าร่วมต่อหมู่บ้าน (คน)", "Participants per village"))
        return fig
    else:
        fig, ax = new_figure(7, max(2.5, 0.45 * len(table) + 1.2))
        names = [f"{v} {n}" for v, n in zip(table["village_id"], table["name"])]
        left = None
        import numpy as np

        left = np.zeros(len(table))
        for i, r in enumerate(ROLES):
            vals = table[r].to_numpy()
            ax.barh(names, vals, left=left, color=PALETTE[i], label=label("role", r, lang))
            left = left + vals
        ax.invert_yaxis()
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(pick(lang, "ผู้เข้าร่วมโครงการแยกตามหมู่บ้าน", "Participants by village"))
        ax.set_ylabel(pick(lang, "หมู่บ้าน", "Village"))
    ax.set_xlabel(pick(lang, "จำนวน (คน)", "Number of people"))
    return fig


class ReportContext:
    """What a report notebook uses to show and save its charts and tables.

    Parameters
    ----------
    out_dir : str or path-like
        The report folder (the notebook's ``out_dir`` parameter). Charts go to
        ``charts/<name>.{png,svg,pdf}``, tables to ``tables/<name>.csv`` and
        ``tables.xlsx``, headline figures to ``headline.json``.
    lang : {"th", "en"}
        Language of labels written by the context.
    formats : str or tuple of str, default ("png", "svg", "pdf")
        Chart file formats, a sequence or comma-separated text such as the
        notebooks' ``chart_formats`` parameter (``"png,svg,pdf"``, ``"png"``).
        The report always shows the PNG picture, rendered once and reused for
        the ``.png`` file.
    dpi : int, default 200
        PNG resolution (also used for the picture inside the HTML).

    Notes
    -----
    Every text that can come from the data (names, captions with names) is
    HTML-escaped before display; numbers in tables get thousands separators.
    Call :meth:`finalize` in the last cell.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> ctx = ReportContext(tempfile.mkdtemp(), lang="th", display=False)
    >>> ctx.table(pd.DataFrame({"บทบาท": ["แกนนำ"], "จำนวน": [3]}), "roles", "ผู้เข้าร่วม")
    >>> ctx.finalize()
    >>> sorted(p.name for p in ctx.written)
    ['headline.json', 'tables.xlsx']
    """

    def __init__(self, out_dir, lang: str = "th", *,
                 formats: str | Iterable[str] | None = CHART_FORMATS,
                 dpi: int = 200, display: bool = True):
        self.out_dir = Path(out_dir)
        self.lang = _check_lang(lang)
        self.formats = chart_formats(formats)
        self.dpi = dpi
        self.show = display
        self.title: str | None = None
        self.tables: dict[str, tuple[str, Any]] = {}
        self.figures: list[dict] = []
        self.headlines: dict[str, dict] = {}
        self._names: set[str] = set()
        self.out_dir.mkdir(parents=True, exist_ok=True)

    # -- helpers ----------------------------------------------------------------
    def pick(self, th: str, en: str) -> str:
        """The Thai or English text, by the report language."""
        return th if self.lang == "th" else en

    def date(self, value) -> str:
        """A date as shown in the report (Buddhist era in Thai)."""
        return format_report_date(value, self.lang)

    def number(self, value, decimals: int | None = None) -> str:
        """A number with thousands separators (``1,500``)."""
        return format_number(value, decimals)

    def _unique(self, name: str, kind: str) -> str:
        base = safe_name(name, max_bytes=60)
        cand, i = base, 1
        while (kind, cand.casefold()) in self._names:
            i += 1
            cand = f"{base}-{i}"
        self._names.add((kind, cand.casefold()))
        return cand

    def _display_html(self, markup: str) -> None:
        if self.show:
            from IPython.display import HTML, display

            display(HTML(markup))

    # -- text ---------------------------------------------------------------------
    def set_title(self, title: str) -> None:
        """The page title (browser tab, index); shown escaped."""
        self.title = str(title)

    def heading(self, text: str, level: int = 2) -> None:
        """A heading whose text comes from the data (escaped)."""
        if level not in (1, 2, 3, 4):
            raise ValueError(f"level must be 1-4, got {level!r}")
        self._display_html(f"<h{level} class=\"ev-heading\">{html_escape(text)}</h{level}>")

    def paragraph(self, text: str, *, css: str = "ev-text") -> None:
        """A paragraph of text from the data (escaped)."""
        self._display_html(f"<p class=\"{html_escape(css)}\">{html_escape(text)}</p>")

    def note(self, text: str) -> None:
        """A short explanation (for example: no data for this section)."""
        self.paragraph(text, css="ev-note")

    def facts(self, items: Mapping[str, Any]) -> None:
        """A list of label: value pairs (cover page facts); all escaped."""
        rows = "".join(
            f"<dt>{html_escape(k)}</dt><dd>{html_escape(self._as_text(v))}</dd>"
            for k, v in items.items())
        self._display_html(f"<dl class=\"ev-facts\">{rows}</dl>")

    def _as_text(self, value) -> str:
        if isinstance(value, (_dt.date, _dt.datetime)):
            return self.date(value)
        return format_number(value)

    # -- headline figures -------------------------------------------------------
    def headline(self, key: str, value, *, label: str, display: str | None = None,
                 n: int | None = None, ci: tuple[float, float] | None = None,
                 unit: str = "") -> None:
        """Record (and later show in the batch index) one headline figure.

        Parameters
        ----------
        key : str
            Stable identifier (``participants``, ``happiness_change``,
            ``income_change``, ``ladder_achievement`` ...); the index has one
            column per key.
        value : number or None
            The unrounded value (used for sorting).
        label : str
            Column header shown in the index.
        display : str, optional
            How to show it (default: thousands separators + `unit`).
        n : int, optional
            Number of observations behind an estimate.
        ci : (low, high), optional
            95% confidence interval of an estimate.
        unit : str
            Unit appended to the displayed value.
        """
        val = None if value is None else (float(value) if _is_number(value) else str(value))
        if val is not None and isinstance(val, float) and val != val:  # NaN
            val = None
        shown = display if display is not None else (
            format_number(val) + (f" {unit}" if unit and val is not None else ""))
        self.headlines[str(key)] = {
            "label": str(label), "value": val, "display": shown, "n": n,
            "ci": [float(ci[0]), float(ci[1])] if ci is not None else None,
        }

    # -- charts and tables --------------------------------------------------------
    def figure(self, fig, name: str, title: str, caption: str) -> None:
        """Save a chart as files, show it in the report with its caption.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
        name : str
            File name stem (made safe): ``charts/<name>.png`` ...
        title : str
            Short title (alternative text of the picture).
        caption : str
            One plain-language sentence saying what the chart shows.

        Notes
        -----
        The files written are listed in ``self.figures`` (and in
        ``headline.json``).
        """
        stem = self._unique(name, "figure")
        # the PNG is rendered once: the same bytes go to charts/<stem>.png and the page
        paths, data = render_figure(fig, self.out_dir / "charts" / stem, self.formats,
                                    dpi=self.dpi, png=True)
        width_px = int(round(fig.get_figwidth() * 96))
        self.figures.append({"name": stem, "title": str(title), "caption": str(caption),
                             "files": [p.name for p in paths]})
        b64 = base64.b64encode(data).decode("ascii")
        self._display_html(
            f"<figure class=\"ev-figure\"><img alt=\"{html_escape(title)}\" "
            f"width=\"{width_px}\" src=\"data:image/png;base64,{b64}\"/>"
            f"<figcaption>{html_escape(caption)}</figcaption></figure>")
        _close_figure(fig)

    def labelled(self, frame):
        """Give a table display headers (:data:`COLUMN_LABELS`) and role names.

        Columns not in the label list keep their names; a ``role`` column's
        codes become labels (คณะทำงาน ...).
        """
        from .thai import label

        out = frame.copy()
        if "role" in out.columns:
            out["role"] = [label("role", r, self.lang) if r in ROLES else r for r in out["role"]]
        return out.rename(columns=COLUMN_LABELS[self.lang])

    def table(self, frame, name: str, title: str, *, decimals=None, note: str | None = None,
              show: bool = True, formatters=None, rows=None, files=None) -> None:
        """Record a table for ``tables.xlsx`` and ``tables/<name>.csv`` and show it.

        Parameters
        ----------
        frame : DataFrame
            Column names are the headers (give Thai headers). Values are saved
            unrounded; the report shows them with thousands separators.
        name : str
            CSV file stem (made safe).
        title : str
            Sheet name (shortened to 31 characters) and table caption.
        decimals : int or mapping, optional
            Decimal places shown in the report.
        note : str, optional
            A sentence under the table.
        show : bool, default True
            Show in the report (False: files only).
        formatters : mapping, optional
            ``{column: function(value) -> str}`` used for display only, e.g.
            :func:`evaluation.export.format_p` for p-values (files keep the
            numbers).
        rows : array of bool or index labels, optional
            Show only these rows in the report (files keep every row).
        files : DataFrame, optional
            What the CSV file and the ``tables.xlsx`` sheet hold instead of
            `frame`: the numbers behind a table the page shows as formatted
            text (``frame.attrs["number_formats"]`` gives their Excel formats).
        """
        stem = self._unique(name, "table")
        data = frame if files is None else files
        write_csv(data, self.out_dir / "tables" / f"{stem}.csv")
        self.tables[stem] = (str(title), data.copy())
        if show:
            markup = html_table(frame, decimals=decimals, caption=title, formatters=formatters,
                                rows=rows)
            if note:
                markup += f"<p class=\"ev-note\">{html_escape(note)}</p>"
            self._display_html(f"<div class=\"ev-table-wrap\">{markup}</div>")

    def finalize(self) -> None:
        """Write ``tables.xlsx`` (if any table) and ``headline.json``; call last.

        The paths written are kept in ``self.written``.
        """
        written = []
        if self.tables:
            written.append(write_tables({title: frame for title, frame in self.tables.values()},
                                        self.out_dir / "tables.xlsx", lang=self.lang))
        meta = {"title": self.title, "lang": self.lang, "headline": self.headlines,
                "figures": self.figures,
                "tables": [{"name": k, "title": t} for k, (t, _) in self.tables.items()]}
        written.append(atomic_write_text(self.out_dir / "headline.json",
                                         json.dumps(meta, ensure_ascii=False, indent=1)))
        self.written = written


def _is_number(value) -> bool:
    import numbers

    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _close_figure(fig) -> None:
    if "matplotlib.pyplot" in sys.modules:  # figures made with pyplot are closed too
        sys.modules["matplotlib.pyplot"].close(fig)


# -- per-kernel data cache -------------------------------------------------------
_PROJECT_CACHE: dict[tuple, Any] = {}


def _folder_signature(path: Path) -> tuple:
    if path.is_file():
        st = path.stat()
        return ((path.name, st.st_size, st.st_mtime_ns),)
    items = []
    for p in sorted(path.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts):
            st = p.stat()
            items.append((str(p.relative_to(path)), st.st_size, st.st_mtime_ns))
    return tuple(items)


def report_project(data_dir):
    """Load a data folder once per kernel and return a private copy.

    The batch runner keeps kernels warm between villages; loading the same
    folder for every village would dominate the run time. The loaded
    :class:`~evaluation.project.Project` is cached (keyed by the folder's
    path and the size and modification time of every file) and each call
    returns a shallow copy whose tables are copy-on-write copies, so a
    notebook that changes its tables never affects the next report.

    Parameters
    ----------
    data_dir : str or path-like
        Data folder or workbook, as for :func:`evaluation.load_project`.

    Returns
    -------
    Project
    """
    import pandas as pd

    from . import load_project

    path = Path(data_dir).resolve()
    key = (str(path), _folder_signature(path))
    project = _PROJECT_CACHE.get(key)
    if project is None:
        project = load_project(path)
        _PROJECT_CACHE.clear()
        _PROJECT_CACHE[key] = project
    clone = copy.copy(project)
    for attr, value in list(vars(clone).items()):
        if isinstance(value, pd.DataFrame):
            setattr(clone, attr, value.copy(deep=False))
        elif isinstance(value, dict):
            setattr(clone, attr, dict(value))
    return clone


# -- kernel state snapshot and reset (run inside the kernel) ---------------------
_KERNEL_STATE: dict[str, Any] = {}


def _kernel_setup(preload: Iterable[str] = ()) -> None:
    """Import the heavy modules once and remember the clean state to restore."""
    import importlib
    import random
    import warnings

    for mod in preload:
        try:
            importlib.import_module(mod)
        except Exception:  # noqa: BLE001 - a missing optional module is fine
            pass
    state: dict[str, Any] = {"cwd": os.getcwd(), "warnings": list(warnings.filters),
                             "random": random.getstate(), "sys_path": list(sys.path),
                             "environ": dict(os.environ)}
    if "matplotlib" in sys.modules:
        import matplotlib

        state["rc"] = dict(matplotlib.rcParams)
    if "numpy" in sys.modules:
        import numpy as np

        state["np_random"] = np.random.get_state()
    _KERNEL_STATE.clear()
    _KERNEL_STATE.update(state)
    _freeze_heap()


def _freeze_heap() -> None:
    """Move every live object out of the garbage collector's view.

    After the heavy imports the heap holds hundreds of thousands of module
    objects; IPython's ``%reset`` runs full collections, which would scan
    them all for every report (~0.1 s each). Frozen objects are still freed
    by reference counting; only cyclic garbage among them is kept. The
    youngest generation is collected every 10,000 allocations instead of
    700 (charts leave much short-lived cyclic garbage; ~0.1 s per report).
    """
    import gc

    gc.collect()
    gc.freeze()
    # a report drops a few hundred matplotlib objects with reference cycles per
    # chart: collect young garbage less often (the reset collects everything)
    gc.set_threshold(10_000, 10, 10)


def _kernel_reset() -> None:
    """Bring the kernel back to the state right after :func:`_kernel_setup`."""
    import random
    import warnings

    ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - runs in IPython
    ip.run_line_magic("reset", "-f")
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "matplotlib" in sys.modules and "rc" in _KERNEL_STATE:
        import matplotlib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.clear()
            matplotlib.rcParams.update(_KERNEL_STATE["rc"])
    if "pandas" in sys.modules:
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
    if "np_random" in _KERNEL_STATE:
        import numpy as np

        np.random.set_state(_KERNEL_STATE["np_random"])
    if "random" in _KERNEL_STATE:
        random.setstate(_KERNEL_STATE["random"])
    if "warnings" in _KERNEL_STATE:
        warnings.filters[:] = _KERNEL_STATE["warnings"]
        warnings._filters_mutated() if hasattr(warnings, "_filters_mutated") else None
    if "sys_path" in _KERNEL_STATE:
        sys.path[:] = _KERNEL_STATE["sys_path"]
    if "environ" in _KERNEL_STATE:
        env = _KERNEL_STATE["environ"]
        for k in [k for k in os.environ if k not in env]:
            del os.environ[k]
        os.environ.update(env)
    if "cwd" in _KERNEL_STATE:
        os.chdir(_KERNEL_STATE["cwd"])
    _freeze_heap()  # the report's garbage is collected, module state frozen
    # a fresh kernel numbers its first cell 1: so does a reset one
    ip.execution_count = 1


# =========================================================================== caller side
DEFAULT_PRELOAD = ("numpy", "pandas", "matplotlib", "matplotlib.figure", "IPython.display",
                   "evaluation", "evaluation.report", "evaluation.charts.base",
                   # what the report notebooks' sections use (paid once per kernel)
                   "evaluation.sections", "evaluation.headline", "evaluation.charts.happiness",
                   "evaluation.charts.finance", "evaluation.charts.ladder",
                   "evaluation.lessons", "evaluation.privacy", "evaluation.households",
                   "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
                   "matplotlib.backends.backend_pdf", "fontTools.subset", "PIL.PngImagePlugin",
                   "openpyxl", "scipy.stats")
_SETUP_CODE = ("__import__('evaluation.report', fromlist=['_kernel_setup'])"
               "._kernel_setup({preload!r})")
_RESET_CODE = "__import__('evaluation.report', fromlist=['_kernel_reset'])._kernel_reset()"


class WarmKernel:
    """A Jupyter kernel started once and reused for many reports.

    Parameters
    ----------
    kernel_name : str, default "python3"
        Kernel spec (``python3`` is the Python running the workbench).
    preload : iterable of str
        Modules imported once at start (their import cost is paid once).
    startup_timeout : float, default 60
        Seconds to wait for the kernel to start.

    Notes
    -----
    Use as a context manager or call :meth:`shutdown`. Before every report
    :meth:`reset` clears the namespace (``%reset -f``), closes figures and
    restores matplotlib rcParams, pandas options, the NumPy and ``random``
    global generators, warning filters, ``sys.path``, the environment and the
    working directory, and restarts execution counts at 1, so a report is
    the same as on a fresh kernel.

    Examples
    --------
    >>> with WarmKernel() as kernel:                     # doctest: +SKIP
    ...     render_village_report("data/sample", "V01", "reports", kernel=kernel)
    """

    def __init__(self, kernel_name: str = "python3", *, preload: Iterable[str] = DEFAULT_PRELOAD,
                 startup_timeout: float = 60):
        self.kernel_name = kernel_name
        self.preload = tuple(preload)
        self.startup_timeout = startup_timeout
        self.km = None
        self.kc = None
        self.starts = 0
        self.reports = 0
        self._dirty = False
        self._ipc_dir: str | None = None

    # -- life cycle ---------------------------------------------------------------
    def start(self) -> "WarmKernel":
        """Start the kernel (no-op when already running)."""
        if self.km is not None and self.alive:
            return self
        import tempfile

        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._cleanup()
        self._ipc_dir = tempfile.mkdtemp(prefix="ev-kernel-")
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=os.path.join(self._ipc_dir, "k"))
        # no SQLite history: execution counts restart at 1 after a reset
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.enabled=False"])
        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=self.startup_timeout)
        except Exception:
            kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
            raise
        kc.allow_stdin = False
        self.km, self.kc = km, kc
        self.starts += 1
        self._run(_SETUP_CODE.format(preload=self.preload))
        self._dirty = False
        return self

    @property
    def alive(self) -> bool:
        """Whether the kernel process is running."""
        if self.km is None:
            return False
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def restart(self) -> "WarmKernel":
        """Replace the kernel by a new one (after it died or hung)."""
        self._cleanup()
        return self.start()

    def shutdown(self) -> None:
        """Stop the kernel."""
        self._cleanup()

    def _cleanup(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        if self.km is not None:
            try:
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                pass
            try:
                run_sync(self.km.cleanup_resources)()
            except Exception:  # noqa: BLE001
                pass
        self.km = self.kc = None
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    def __enter__(self) -> "WarmKernel":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def __del__(self):  # pragma: no cover - best effort
        try:
            self._cleanup()
        except Exception:  # noqa: BLE001
            pass

    # -- execution ----------------------------------------------------------------
    def _run(self, code: str, timeout: float = 60) -> None:
        """Run internal code in the kernel; raise if it fails."""
        from jupyter_core.utils import run_sync

        reply = run_sync(self.kc.execute_interactive)(
            code, silent=False, store_history=False, timeout=timeout,
            output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise RuntimeError(f"kernel code failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def reset(self) -> None:
        """Clear everything a report left behind (see class notes)."""
        if self.km is None or not self.alive:
            self.restart()
            return
        try:
            self._run(_RESET_CODE, timeout=60)
        except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced
            log.warning("kernel reset failed; starting a new kernel", exc_info=True)
            self.restart()
        self._dirty = False

    def execute(self, nb, parameters: Mapping[str, Any], *, output_path=None,
                timeout: float | None = 600):
        """Execute a notebook with papermill on this kernel (reset first).

        Returns the executed notebook; raises papermill's
        ``PapermillExecutionError`` when a cell fails and nbclient's
        ``DeadKernelError`` when the kernel dies.
        """
        import papermill

        _register_engine()
        if self.km is None or not self.alive:
            self.restart()
        elif self._dirty:
            self.reset()
        self._dirty = True
        self.reports += 1
        logging.getLogger("papermill").setLevel(logging.ERROR)
        return papermill.execute_notebook(
            nb, str(output_path) if output_path else None, parameters=dict(parameters),
            engine_name=ENGINE_NAME, kernel_name=self.kernel_name, progress_bar=False,
            request_save_on_cell_execute=False, execution_timeout=timeout, warm_kernel=self)


ENGINE_NAME = "evaluation-warm"


@functools.lru_cache(maxsize=None)
def _register_engine() -> None:
    """Register the warm-kernel engine with papermill (once per process)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger as pm_logger

    class WarmKernelEngine(NBClientEngine):
        """papermill engine running on a :class:`WarmKernel` (kernel and client reused)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, warm_kernel=None, **kwargs):
            if warm_kernel is None:
                return super().execute_managed_notebook(
                    nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file,
                    stderr_file=stderr_file, start_timeout=start_timeout,
                    execution_timeout=execution_timeout, **kwargs)
            client = PapermillNotebookClient(
                nb_man, km=warm_kernel.km, timeout=execution_timeout,
                startup_timeout=start_timeout, kernel_name=kernel_name, log=pm_logger,
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = warm_kernel.kc  # reuse the open channels (no per-report sockets)
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)


# -- HTML export -------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _font_css() -> str:
    from .charts.base import font_files

    files = {p.stem: p for p in font_files()}
    faces = []
    for stem, weight in (("Sarabun-Regular", 400), ("Sarabun-Bold", 700)):
        path = files.get(stem)
        if path is None:  # pragma: no cover - broken font package
            raise EvaluationError(f"font file {stem}.ttf not found in fontpkg-sarabun")
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        faces.append("@font-face{font-family:\"Sarabun\";font-style:normal;"
                     f"font-weight:{weight};font-display:block;"
                     f"src:url(data:font/ttf;base64,{data}) format(\"truetype\");}}")
    return "\n".join(faces)


@functools.lru_cache(maxsize=1)
def report_css() -> str:
    """The stylesheet of every page: embedded Sarabun, report style, A4 print."""
    return _font_css() + "\n" + (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")


_IMG_WITHOUT_ALT = re.compile(r"<img\s(?![^>]*\balt\s*=)", re.I)


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config import Config

    class DropStderr(Preprocessor):
        """Warnings printed to stderr stay in report.ipynb, not in the HTML."""

        def preprocess_cell(self, cell, resources, index):
            if cell.get("cell_type") == "code":
                cell.outputs = [o for o in cell.get("outputs", [])
                                if not (o.get("output_type") == "stream"
                                        and o.get("name") == "stderr")]
            return cell, resources

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter without its BeautifulSoup pass over the page.

        That pass (~0.1 s for a report) only gives pictures without alternative
        text a placeholder one and makes notebook cells focusable (tabindex)
        for JupyterLab; report pictures carry their title as alternative text,
        and the placeholder is added here with a regular expression instead.
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            try:
                from nbconvert.exporters.templateexporter import TemplateExporter
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
            except ImportError:  # pragma: no cover - other nbconvert layout
                return super().from_notebook_node(nb, resources, **kw)
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            body = _IMG_WITHOUT_ALT.sub(
                '<img alt="No description has been provided for this image" ', body)
            return body, resources

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_CELL_TAGS)
    c.CSSHTMLHeaderPreprocessor.enabled = False
    exporter = ReportExporter(config=c, template_name="lab",
                              extra_template_paths=[str(TEMPLATES_DIR)])
    exporter.template_file = "report.html.j2"
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.register_preprocessor(DropStderr(), enabled=True)
    return exporter


def export_html(nb, *, title: str = "", lang: str = "th") -> str:
    """Self-contained HTML of an executed notebook.

    Code, input prompts and the ``parameters`` / ``injected-parameters`` cells
    are hidden; pictures are inline (base64); the Sarabun font is embedded;
    the page contains no script and no link to any other resource, so it
    opens the same offline. Cells tagged ``remove_cell`` or ``hide`` are
    dropped too.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    title : str
        Page title (escaped).
    lang : {"th", "en"}
        Page language (``<html lang>``).

    Returns
    -------
    str
        The HTML document.
    """
    from . import __version__

    _check_lang(lang)
    resources = {"evaluation": {"title": title or "Report", "lang": lang, "css": report_css(),
                                "version": __version__}}
    body, _ = _exporter().from_notebook_node(copy.deepcopy(nb), resources=resources)
    return body


# -- rendering ------------------------------------------------------------------------
@dataclass
class RenderResult:
    """Outcome of one report.

    Attributes
    ----------
    name : str
        Folder name of the report inside the output folder.
    status : {"ok", "failed"}
    path : pathlib.Path
        The report folder.
    seconds : float
        Wall time (execution + export).
    attempts : int
        1, or 2 when the kernel died and the report was retried.
    error : dict or None
        ``cell_index``, ``execution_count``, ``source`` (first line),
        ``ename``, ``evalue`` for a failed report.
    headline : dict
        Contents of the notebook's ``headline.json`` (title, headline figures).
    """

    name: str
    status: str
    path: Path
    seconds: float = 0.0
    attempts: int = 1
    error: dict | None = None
    headline: dict = field(default_factory=dict)

    @property
    def html(self) -> Path:
        return self.path / "report.html"

    def to_json(self) -> dict:
        out = asdict(self)
        out["path"] = str(self.path)
        return out


def default_notebook(kind: str) -> Path:
    """Path of a packaged report notebook: ``"village"``, ``"card"`` (the village
    summary card) or ``"portfolio"``."""
    names = {"village": "village_report.ipynb", "card": "village_card.ipynb",
             "portfolio": "portfolio_report.ipynb"}
    if kind not in names:
        raise ValueError(f"kind must be one of {sorted(names)}, got {kind!r}")
    candidates = [Path(os.environ["EVALUATION_NOTEBOOKS"]) / names[kind]] \
        if os.environ.get("EVALUATION_NOTEBOOKS") else []
    candidates += [TEMPLATES_DIR / names[kind],
                   Path(__file__).resolve().parents[1] / "notebooks" / names[kind]]
    for path in candidates:
        if path.is_file():
            return path
    raise EvaluationError(f"report notebook {names[kind]} not found; looked in "
                          + ", ".join(str(p.parent) for p in candidates)
                          + " (set EVALUATION_NOTEBOOKS to the folder holding it)")


@functools.lru_cache(maxsize=8)
def _read_notebook_cached(path: str, mtime_ns: int):
    import nbformat

    return nbformat.read(path, as_version=4)


def _load_notebook(notebook):
    import nbformat

    if isinstance(notebook, nbformat.NotebookNode):
        return copy.deepcopy(notebook)
    path = Path(notebook)
    if not path.is_file():
        raise EvaluationError(f"notebook not found: {path}")
    return copy.deepcopy(_read_notebook_cached(str(path.resolve()), path.stat().st_mtime_ns))


def _error_info(exc: BaseException) -> dict:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        first = next((ln for ln in (exc.source or "").splitlines() if ln.strip()), "")
        return {"cell_index": exc.cell_index, "execution_count": exc.exec_count,
                "source": first[:200], "ename": exc.ename, "evalue": str(exc.evalue)[:2000]}
    return {"cell_index": None, "execution_count": None, "source": "",
            "ename": type(exc).__name__, "evalue": str(exc)[:2000]}


def _is_dead_kernel(exc: BaseException) -> bool:
    from nbclient.exceptions import DeadKernelError

    return isinstance(exc, DeadKernelError) or "DeadKernelError" in type(exc).__name__


def render_notebook(notebook, parameters: Mapping[str, Any], out_dir, name: str, *,
                    kernel: WarmKernel | None = None, lang: str = "th",
                    title: str | None = None, timeout: float | None = 600,
                    retries: int = 1) -> RenderResult:
    """Execute a report notebook and write its folder ``out_dir/name/`` atomically.

    The notebook runs in a staging folder ``out_dir/.staging/name`` (its
    ``out_dir`` parameter is set to it); when every cell succeeded the
    executed notebook is saved as ``report.ipynb``, the HTML as
    ``report.html`` (last) and the staging folder replaces the old report
    folder. A failed notebook leaves ``report.failed.ipynb`` and
    ``error.json`` (no ``report.html``) in the folder.

    Parameters
    ----------
    notebook : path or NotebookNode
        Notebook with a cell tagged ``parameters``.
    parameters : mapping
        Values injected by papermill (JSON-serialisable); ``out_dir`` is added.
    out_dir : path
        Output root.
    name : str
        Folder name (use :func:`evaluation.export.safe_name`).
    kernel : WarmKernel, optional
        Kernel to reuse; by default one is started for this call and stopped.
    lang : {"th", "en"}
    title : str, optional
        Page title; default the title the notebook set with
        :meth:`ReportContext.set_title`.
    timeout : float, optional
        Seconds allowed per cell.
    retries : int, default 1
        How often a report is retried when the kernel dies (on a new kernel).

    Returns
    -------
    RenderResult
    """
    from .export import atomic_write_text as _awt

    _check_lang(lang)
    if safe_name(name) != name:
        raise ValueError(f"name must be a safe folder name (see safe_name), got {name!r}")
    out_root = Path(out_dir).resolve()
    staging = out_root / STAGING / name
    final = out_root / name
    nb = _load_notebook(notebook)
    own_kernel = kernel is None
    kernel = kernel or WarmKernel()
    t0 = time.perf_counter()
    attempts, error, executed = 0, None, None
    try:
        while True:
            attempts += 1
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            params = dict(parameters)
            params["out_dir"] = str(staging)
            try:
                executed = kernel.execute(nb, params, output_path=staging / "report.ipynb",
                                          timeout=timeout)
                error = None
                break
            except Exception as exc:  # noqa: BLE001 - recorded in the result
                error = _error_info(exc)
                if _is_dead_kernel(exc) or not kernel.alive:
                    error.setdefault("ename", "DeadKernelError")
                    kernel.restart()
                    if attempts <= retries:
                        continue
                break
    finally:
        if own_kernel:
            kernel.shutdown()
    headline = _read_json(staging / "headline.json")
    if error is None:
        page_title = title or headline.get("title") or name
        html_text = export_html(executed, title=page_title, lang=lang)
        _awt(staging / "report.html", html_text)      # the last file of a complete report
        status = "ok"
    else:
        failed_nb = staging / "report.ipynb"
        if failed_nb.exists():
            os.replace(failed_nb, staging / "report.failed.ipynb")
        _awt(staging / "error.json", json.dumps(error, ensure_ascii=False, indent=1))
        status = "failed"
    _swap_into_place(staging, final)
    return RenderResult(name=name, status=status, path=final, seconds=time.perf_counter() - t0,
                        attempts=attempts, error=error, headline=headline)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace `final` by `staging` with renames (same file system)."""
    old = staging.with_name(staging.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def village_parameters(data_dir, village_id: str, *, lang: str = "th",
                       show_raw_text: bool = False,
                       chart_formats: str | Iterable[str] | None = CHART_FORMATS) -> dict:
    """Papermill parameters of the village report (``out_dir`` is added when run)."""
    return {"data_dir": str(Path(data_dir).resolve()), "village_id": str(village_id),
            "lang": _check_lang(lang), "show_raw_text": bool(show_raw_text),
            "chart_formats": _formats_text(chart_formats)}


def portfolio_parameters(data_dir, project_id: str | None = None, *, lang: str = "th",
                         chart_formats: str | Iterable[str] | None = CHART_FORMATS) -> dict:
    """Papermill parameters of the portfolio report (``out_dir`` is added when run)."""
    return {"data_dir": str(Path(data_dir).resolve()),
            "project_id": None if project_id is None else str(project_id),
            "lang": _check_lang(lang), "chart_formats": _formats_text(chart_formats)}


def _formats_text(formats) -> str:
    """``"png,svg,pdf"``: the notebooks' ``chart_formats`` parameter (validated)."""
    return ",".join(chart_formats(formats))


def render_village_report(data_dir, village_id: str, out_dir, *, lang: str = "th",
                          show_raw_text: bool = False, kernel: WarmKernel | None = None,
                          notebook=None, timeout: float | None = 600,
                          chart_formats: str | Iterable[str] | None = CHART_FORMATS) -> Path:
    """Render one village's report into ``out_dir/<village>/``.

    Parameters
    ----------
    data_dir : str or path-like
        The program's data folder (or workbook).
    village_id : str
        The village to report on.
    out_dir : str or path-like
        Output root; the report folder is ``safe_name(village_id)``.
    lang : {"th", "en"}, default "th"
    show_raw_text : bool, default False
        Show lessons-learned text as written (default: redacted quotes only).
    kernel : WarmKernel, optional
        Reuse a running kernel (batch runs); by default a kernel is started
        and stopped for this report.
    notebook : path, optional
        Report notebook (default ``notebooks/village_report.ipynb``).
    timeout : float, optional
        Seconds allowed per cell.
    chart_formats : str or sequence of str, default "png,svg,pdf"
        Chart files written to ``charts/`` (the notebook parameter
        ``chart_formats``); ``"png"`` alone takes about 40% less time. The
        report page always shows the PNG pictures.

    Returns
    -------
    pathlib.Path
        ``out_dir/<village>/report.html``. Next to it: ``report.ipynb``
        (executed, papermill format), ``charts/``, ``tables/``,
        ``tables.xlsx``, ``headline.json``.

    Raises
    ------
    ReportError
        When a cell fails (the error names the cell and the exception).
    """
    result = render_notebook(
        notebook or default_notebook("village"),
        village_parameters(data_dir, village_id, lang=lang, show_raw_text=show_raw_text,
                           chart_formats=chart_formats),
        out_dir, safe_name(village_id), kernel=kernel, lang=lang, timeout=timeout)
    if result.status != "ok":
        raise ReportError(result)
    return result.html


def render_portfolio_report(data_dir, out_dir, *, project_id: str | None = None,
                            lang: str = "th", kernel: WarmKernel | None = None,
                            notebook=None, timeout: float | None = 600,
                            chart_formats: str | Iterable[str] | None = CHART_FORMATS) -> Path:
    """Render the portfolio report of one project (or of the whole folder).

    The report folder is ``out_dir/portfolio/<project>/`` (``all`` for the
    whole folder). Parameters and outputs are as for
    :func:`render_village_report`.

    Returns
    -------
    pathlib.Path
        Path of ``report.html``.
    """
    name = "all" if project_id is None else safe_name(project_id)
    root = Path(out_dir) / "portfolio"
    result = render_notebook(
        notebook or default_notebook("portfolio"),
        portfolio_parameters(data_dir, project_id, lang=lang, chart_formats=chart_formats),
        root, name, kernel=kernel,
        lang=lang, timeout=timeout)
    if result.status != "ok":
        raise ReportError(result)
    return result.html


def notebook_digest(notebook) -> str:
    """SHA-256 of a notebook's cells (sources only; outputs ignored)."""
    nb = _load_notebook(notebook)
    text = json.dumps([(c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", [])))
                       for c in nb.cells], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _format_exc() -> str:  # pragma: no cover - debugging aid
    return traceback.format_exc()
