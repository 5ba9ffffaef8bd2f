"""``index.html``: every village of a batch with its headline figures, status and links.

The page is the Jinja template ``templates/index.html.j2`` (its sorting
script ``templates/index.js`` is included inline; the Sarabun font is
embedded through the report stylesheet), so the page opens offline and
links to nothing outside the output folder. Every value the template shows
is escaped (:func:`evaluation.export.html_escape`, through Jinja's
``finalize``). The figures come from each report's
``headline.json`` as recorded in ``manifest.json``; failures are shown with
their :class:`~evaluation.rendering.notebook.ReportFailure` description.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from urllib.parse import quote

from .._version import __version__
from ..export import html_escape
from ..i18n import INDEX_LABELS, check_lang
from ..safe_files import atomic_path
from .html import TEMPLATES_DIR, report_css
from .notebook import describe_error

__all__ = ["INDEX", "index_rows", "render_index", "write_index"]

INDEX = "index.html"
#: Sort order of the status column.
_STATUS_ORDER = {"failed": 0, "ok": 1, "skipped": 2, "interrupted": 3}


def _escape(value) -> str:
    """Every ``{{ value }}`` of the template: HTML-escaped (quotes too) with the same
    function as the rest of the workbench, unless marked safe (``|safe``: the CSS)."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) else html_escape(value)


@functools.lru_cache(maxsize=1)
def _template():
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=False,
                      finalize=_escape, keep_trailing_newline=True)
    return env.get_template("index.html.j2")


def _status(entry: dict | None) -> str:
    if entry is None:
        return "missing"
    if entry.get("last") == "skipped" and entry.get("status") == "ok":
        return "skipped"
    return entry.get("status", "failed")


def _links(out: Path, name: str, labels: dict) -> list[dict]:
    folder = out / name
    links = []
    if (folder / "report.html").is_file():
        links.append({"href": quote(f"{name}/report.html"), "text": labels["report"]})
    if (folder / "tables.xlsx").is_file():
        links.append({"href": quote(f"{name}/tables.xlsx"), "text": labels["excel"]})
    if (folder / "report.failed.ipynb").is_file():
        links.append({"href": quote(f"{name}/report.failed.ipynb"), "text": labels["notebook"]})
    elif (folder / "report.ipynb").is_file():
        links.append({"href": quote(f"{name}/report.ipynb"), "text": labels["notebook"]})
    return links


def index_rows(out_dir, project, names: dict, manifest: dict, *, lang: str = "th",
               interrupted=()) -> dict:
    """What the index page shows, as plain data (the template's context).

    Reports named in `interrupted` (a stopped batch run did not render them)
    show "not rendered (interrupted)".

    Returns
    -------
    dict
        ``figure_heads`` (headline labels, one column per key in order of first
        appearance), ``rows`` (one per village of `project`, file order: ids,
        names, location, figures, status, error text, links), ``portfolios``,
        ``counts`` (villages per status) and ``summary`` (one line of text).
    """
    data = _index_context(out_dir, project, names, manifest, lang=lang,
                          interrupted=interrupted)
    data["rows"] = list(data["rows"])
    return data


#: Villages turned into index rows at a time (a national program's index is
#: written row by row: the batch process does not hold 75,000 rows at once).
_ROW_CHUNK = 2_000


def _index_context(out_dir, project, names: dict, manifest: dict, *, lang: str,
                   interrupted=()) -> dict:
    """:func:`index_rows` with ``rows`` as an iterator (made while the page is written)."""
    labels = INDEX_LABELS[check_lang(lang)]
    out = Path(out_dir)
    reports = manifest.get("reports", {})
    projects = dict(zip(project.projects["project_id"].astype(str), project.projects["name"]))

    columns: dict[str, str] = {}
    for entry in reports.values():
        for key, item in ((entry.get("meta") or {}).get("headline") or {}).items():
            if entry.get("kind") == "village":
                columns.setdefault(key, item.get("label", key))

    interrupted = set(interrupted)
    try:     # one listing instead of three file checks per village
        folders = {p.name for p in out.iterdir() if p.is_dir()}
    except OSError:
        folders = set()
    villages = project.villages
    ids = villages["village_id"].astype(str).tolist()

    def status_of(name: str) -> str:
        return "interrupted" if name in interrupted else _status(reports.get(name))

    counts = {"ok": 0, "failed": 0, "skipped": 0, "missing": 0}   # + "interrupted" if any
    for vid in ids:
        if vid in names:  # comparison-arm villages are not reported on
            status = status_of(names[vid])
            counts[status] = counts.get(status, 0) + 1
    n_rows = sum(counts.values())

    vcols = [c for c in ("village_id", "project_id", "name", "district", "province")
             if c in villages.columns]

    def rows():
        for start in range(0, len(villages), _ROW_CHUNK):
            chunk = villages.iloc[start:start + _ROW_CHUNK][vcols].astype(object)
            for rec in chunk.to_dict("records"):
                vid = str(rec["village_id"])
                if vid not in names:
                    continue
                yield _row(rec, names[vid], reports, columns, projects, labels, out,
                           folders, interrupted)

    portfolios = []
    # the whole program first, then the projects in the projects table's order (the
    # manifest holds them in the order they finished, which differs from run to run)
    position = {pid: i for i, pid in enumerate(projects)}
    listed = sorted(((name, entry) for name, entry in reports.items()
                     if entry.get("kind") == "portfolio"),
                    key=lambda item: (item[1].get("id") is not None,
                                      position.get(str(item[1].get("id")), len(position)),
                                      item[0]))
    for name, entry in listed:
        pid = entry.get("id")
        status = status_of(name)
        portfolios.append({
            "title": labels["all"] if pid is None else f"{pid} {projects.get(str(pid), '')}",
            "href": quote(f"{name}/report.html") if (out / name / "report.html").is_file()
            else "",
            "status": status, "status_label": labels.get(status, status),
            "error": describe_error(entry.get("error")) if status == "failed" else ""})

    summary = (f"{labels['villages']}: {n_rows} · {labels['ok']}: {counts['ok']} · "
               f"{labels['skipped']}: {counts['skipped']} · {labels['failed']}: "
               f"{counts['failed']}" + (f" · {labels['missing']}: {counts['missing']}"
                                        if counts["missing"] else "")
               + (f" · {labels['interrupted']}: {counts['interrupted']}"
                  if counts.get("interrupted") else ""))
    return {"figure_heads": list(columns.values()), "rows": rows(), "portfolios": portfolios,
            "counts": counts, "summary": summary}


def _row(rec: dict, name: str, reports: dict, columns: dict, projects: dict, labels: dict,
         out: Path, folders: set, interrupted: set) -> dict:
    """One village's row of the index."""
    entry = reports.get(name)
    headline = ((entry or {}).get("meta") or {}).get("headline") or {}
    figures = []
    for key in columns:
        item = headline.get(key) or {}
        value = item.get("value")
        figures.append({"sort": "" if value is None else value,
                        "display": item.get("display", "–") if item else "–"})
    raw_status = None if entry is None else entry.get("status", "failed")
    if raw_status == "ok" and entry.get("last") == "skipped":
        raw_status = "skipped"
    if name in interrupted:
        raw_status = "interrupted"
    return {
        "village_id": str(rec["village_id"]), "name": _text(rec.get("name")),
        "project_id": _text(rec.get("project_id")),
        "project_name": projects.get(str(rec.get("project_id")), ""),
        "location": " / ".join(str(rec[c]) for c in ("district", "province")
                               if c in rec and rec[c] is not None and rec[c] == rec[c]),
        "figures": figures,
        "status": "missing" if raw_status is None else raw_status,
        "status_order": _STATUS_ORDER.get(raw_status, 4),
        "status_label": labels["missing"] if raw_status is None
        else labels.get(raw_status, raw_status),
        "error": describe_error(entry.get("error"))
        if entry is not None and raw_status == "failed" else "",
        "links": _links(out, name, labels) if name.split("/")[0] in folders else [],
    }


def _text(value) -> str:
    return "" if value is None or value != value else str(value)


def render_index(out_dir, project, names: dict, manifest: dict, *, lang: str = "th",
                 now: dt.datetime | None = None, interrupted=()) -> str:
    """The index page as HTML text (see :func:`write_index`)."""
    return "".join(_page_parts(out_dir, project, names, manifest, lang=lang, now=now,
                               interrupted=interrupted))


def _page_parts(out_dir, project, names: dict, manifest: dict, *, lang: str = "th",
                now: dt.datetime | None = None, interrupted=()):
    """The index page as pieces of text, made while they are written."""
    labels = INDEX_LABELS[check_lang(lang)]
    data = _index_context(out_dir, project, names, manifest, lang=lang,
                          interrupted=interrupted)
    now = now or dt.datetime.now()
    generated = (f"{now.day}/{now.month}/{now.year + 543 if lang == 'th' else now.year} "
                 f"{now:%H:%M}")
    heads = [labels["village_id"], labels["name"], labels["project"], labels["location"]]
    return _template().generate(lang=lang, version=__version__, labels=labels, css=report_css(),
                                generated=generated, heads=heads,
                                privacy_scan=_scan_line(out_dir, labels), **data)


def _scan_line(out_dir, labels: dict) -> dict | None:
    """The privacy-scan result for the index (from ``privacy-scan.json``), or None."""
    from ..privacy_scan import read_scan_summary

    summary = read_scan_summary(out_dir)
    if summary is None:
        return None
    files = [str(f) for f in summary.get("files", [])]
    if not summary.get("n_findings"):
        return {"ok": True, "text": labels["scan_ok"].format(n=summary.get("n_files", 0)),
                "files": []}
    return {"ok": False, "files": files[:50],
            "text": labels["scan_found"].format(n=summary.get("n_files", 0),
                                                k=summary["n_findings"], f=len(files))}


def write_index(out_dir, project, names: dict, manifest: dict, *, lang: str = "th",
                interrupted=()) -> Path:
    """Write ``out_dir/index.html`` from the manifest (atomically) and return its path.

    Every village of `project` with a folder name in `names` (the villages
    reported on; comparison-arm villages have none) gets a row: id, name, project, location, one
    column per headline figure the notebooks recorded (``headline.json``:
    participants, happiness change, income change, ladder achievement ...),
    status (ok / failed with the error / skipped because unchanged / not
    rendered) and links to its report, Excel workbook and notebook.

    Parameters
    ----------
    out_dir : path
        The batch output folder.
    project : Project
        The loaded data folder (its villages and projects).
    names : dict
        ``{village_id: folder name}``.
    manifest : dict
        The batch's ``manifest.json`` contents.
    lang : {"th", "en"}
    interrupted : collection of str, optional
        Report folder names a stopped run did not render: "not rendered
        (interrupted)".

    Examples
    --------
    >>> import tempfile, evaluation as ev
    >>> proj = ev.load_project("data/sample")
    >>> names = {v: v for v in proj.village_ids}
    >>> page = write_index(tempfile.mkdtemp(), proj, names, {"reports": {}})
    >>> "ยังไม่ได้สร้าง" in page.read_text(encoding="utf-8")   # not rendered yet
    True
    """
    path = Path(out_dir) / INDEX
    # written piece by piece: a national program's index (75,000 rows, about 40 MB)
    # is never one string in the batch process
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        buffer: list[str] = []
        size = 0
        for part in _page_parts(out_dir, project, names, manifest, lang=lang,
                                interrupted=interrupted):
            buffer.append(part)
            size += len(part)
            if size > 1 << 20:
                fh.write("".join(buffer))
                buffer, size = [], 0
        fh.write("".join(buffer))
        fh.flush()
        os.fsync(fh.fileno())
    return path
