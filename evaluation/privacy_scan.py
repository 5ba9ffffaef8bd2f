"""Audit of rendered outputs: is anything in them a person's identifier?

:func:`scan_outputs` reads every file of an output folder as text — HTML
(visible text and attributes, embedded pictures and fonts left out),
notebooks (cell sources and text outputs), Excel workbooks (every cell),
CSV, SVG (text elements and comments), PDF (text layer, with ``pypdf``),
JSON, Markdown and plain text — and runs the redaction detectors of
:mod:`evaluation.privacy` on it, plus an exact search for the participants'
names, national IDs and phone numbers when the data folder is given. Every
hit is a finding; ``evaluation privacy-scan OUT_DIR [--data DIR]`` prints
them and exits non-zero when there is one. ``evaluation batch`` runs the
scan after rendering and shows the result in the index.

Redaction tokens (``[ชื่อ-1]``) are what the reports are meant to contain
and are not findings.
"""

from __future__ import annotations

import bisect
import html
import json
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import ArgumentError
from .privacy import checked_names, find_pii, names_from_participants
from .text import THAI_DIGITS
from .xlsx_text import xlsx_properties, xlsx_sheets

__all__ = ["scan_outputs", "scan_text", "participant_identifiers", "place_names",
           "FINDING_COLUMNS",
           "SCANNED_SUFFIXES", "write_scan_summary", "read_scan_summary"]

FINDING_COLUMNS = ["file", "location", "kind", "rule", "value", "context"]
#: File types read; pictures (PNG, JPEG) hold no text and are counted as skipped.
SCANNED_SUFFIXES = (".html", ".htm", ".ipynb", ".xlsx", ".csv", ".svg", ".pdf", ".json",
                    ".md", ".txt")
SUMMARY_FILE = "privacy-scan.json"

_DATA_URL = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_DROP_BLOCKS = re.compile(r"<(style|script)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_ATTR = re.compile(r"\b(?:alt|title|aria-label|placeholder|value|href)\s*=\s*\"([^\"]*)\"", re.I)
_SVG_PATH_DATA = re.compile(r"\s(?:d|points|transform|style|clip-path)=\"[^\"]*\"")
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
# hashes and hexadecimal ids (input-file checksums): never personal, full of digit runs
_HEX = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{16,}(?![0-9A-Za-z])")
# a number with decimals in its own table cell ("2733.3333333333335") is a statistic
_DECIMAL_CELL = re.compile(r"-?\d[\d,]*\.\d+")


def participant_identifiers(participants: pd.DataFrame | None) -> dict[str, list[str]]:
    """Names, national IDs and phones of a participants table (what to look for).

    Parameters
    ----------
    participants : pandas.DataFrame or None
        With any of the columns ``name``, ``national_id``, ``phone``.

    Returns
    -------
    dict
        ``names``, ``national_ids`` and ``phones``: lists of str (IDs and
        phones as digits only).

    Examples
    --------
    >>> p = pd.DataFrame({"name": ["นางมะลิ หอมดี"], "phone": ["081-234-5678"]})
    >>> participant_identifiers(p)["phones"]
    ['0812345678']
    """
    out = {"names": [], "national_ids": [], "phones": []}
    if participants is None:
        return out
    out["names"] = names_from_participants(participants)
    for col, key in (("national_id", "national_ids"), ("phone", "phones")):
        if col in participants.columns:
            digits = (re.sub(r"\D", "", str(v).translate(THAI_DIGITS))
                      for v in participants[col].dropna())
            out[key] = list(dict.fromkeys(d for d in digits if len(d) >= 6))
    return out


#: Digits with at most one space, dot or dash between two of them: where a
#: national ID or phone number written with any spacing can be.
_DIGIT_RUN = re.compile(r"\d(?:[\s.-]?\d)*")
_DIGIT_GROUP = re.compile(r"\d+")


class _DigitMatcher:
    r"""Finds given digit strings written with any single separators between digits.

    The same matches, left to right and longest first, as the regular expression
    ``(?<!\d)(?:v1|v2|…)(?!\d)`` with ``[\s.-]?`` between the digits of each value
    (longest values first), but by set lookups: a national program has tens of
    thousands of values, and that expression took 20 s to compile and most of a
    scan to run. A match starts at the first digit of a group of adjacent digits
    and ends at the last digit of a group (no digit may touch it), so only
    group-aligned spans of a run are looked up.
    """

    def __init__(self, values: Iterable[str]):
        self.values = frozenset(values)

    def finditer(self, text: str) -> Iterable[tuple[int, int]]:
        for run in _DIGIT_RUN.finditer(text):
            groups = [(g.start() + run.start(), g.end() + run.start(), g.group(0))
                      for g in _DIGIT_GROUP.finditer(run.group(0))]
            i = 0
            while i < len(groups):
                digits = [g[2] for g in groups[i:]]
                for j in range(len(groups) - 1, i - 1, -1):
                    if "".join(digits[:j - i + 1]) in self.values:
                        yield groups[i][0], groups[j][1]
                        i = j
                        break
                i += 1


def _digit_pattern(values: Iterable[str]) -> _DigitMatcher | None:
    values = list(values)
    if not values:
        return None
    return _DigitMatcher(values)


def scan_text(text: str, *, names: list[str] | None = None,
              id_pattern: "_DigitMatcher | None" = None,
              phone_pattern: "_DigitMatcher | None" = None) -> list[dict]:
    """Findings in one text: kind, rule, value, context (and start)."""
    found = [{"kind": kind, "rule": rule, "value": text[start:end], "start": start, "end": end}
             for start, end, kind, rule in find_pii(text, names=names or None)]
    scan = text.translate(THAI_DIGITS)
    for pattern, kind in ((id_pattern, "national_id"), (phone_pattern, "phone")):
        if pattern is None:
            continue
        for start, end in pattern.finditer(scan):
            if not any(f["start"] <= start < f["end"] for f in found):
                found.append({"kind": kind, "rule": f"participant_{kind}",
                              "value": text[start:end], "start": start, "end": end})
    for f in found:
        f["context"] = text[max(0, f["start"] - 20):f["end"] + 20].replace("\n", " ")
    return found


#: A line holds a letter or digit (Thai or Latin); lines of only punctuation or
#: spaces cannot name anyone and are not scanned.
_HAS_WORD = re.compile(r"[^\W_]")
#: Distinct lines remembered per scan before the memory is cleared.
_LINE_CACHE_SIZE = 200_000


#: Columns of the villages table whose values are place names (see `places`).
PLACE_COLUMNS = ("name", "subdistrict", "district", "province")


def place_names(villages: pd.DataFrame | None) -> list[str]:
    """The program's place names: villages, subdistricts, districts, provinces.

    A finding inside one of them where it is written (``สำราญ`` in the province
    ``โคกสำราญ``, ``แม่ตาล`` in the village ``บ้านแม่ตาล``) is the place, which
    every report names on its cover, not a person.

    Examples
    --------
    >>> place_names(pd.DataFrame({"name": ["บ้านแม่ตาล ม.8"], "province": ["โคกสำราญ"]}))
    ['บ้านแม่ตาล ม.8', 'โคกสำราญ']
    """
    if villages is None:
        return []
    out = []
    for col in PLACE_COLUMNS:
        if col in villages.columns:
            out += [str(v).strip() for v in villages[col].dropna()]
    return list(dict.fromkeys(p for p in out if len(p) >= 3))


def _inside_place(line: str, start: int, end: int, places) -> bool:
    """Whether line[start:end] lies inside an occurrence of one of `places`."""
    for place in places:
        if len(place) < end - start:
            continue
        i = line.find(place, max(0, end - len(place)))
        while 0 <= i <= start:
            if i + len(place) >= end:
                return True
            i = line.find(place, i + 1)
    return False


def _scan_new_lines(lines: list[str], cache: dict, places=(), **patterns) -> None:
    """Scan the lines not yet in `cache` in one detector pass (joined by blank
    lines, as separate paragraphs) and store each line's findings (those inside
    a place name of `places` left out)."""
    todo = [line for line in dict.fromkeys(lines) if line not in cache]
    if not todo:
        return
    if len(cache) + len(todo) > _LINE_CACHE_SIZE:
        cache.clear()
    offsets, pos = [], 0
    for line in todo:
        offsets.append(pos)
        pos += len(line) + 2
        cache[line] = []
    for f in scan_text("\n\n".join(todo), **patterns):
        k = bisect.bisect_right(offsets, f["start"]) - 1
        line = todo[k]
        start, end = f["start"] - offsets[k], min(f["end"] - offsets[k], len(line))
        if places and _inside_place(line, start, end, places):
            continue
        cache[line].append({"kind": f["kind"], "rule": f["rule"], "value": f["value"],
                            "context": line[max(0, start - 20):end + 20].strip()})


# ----------------------------------------------------------------- readers
def _html_text(page: str) -> str:
    page = _DATA_URL.sub(" ", page)
    page = _DROP_BLOCKS.sub(" ", page)
    attrs = " ".join(_ATTR.findall(page))
    return html.unescape(_TAG.sub("\n", page)) + "\n" + html.unescape(attrs)


def _svg_text(svg: str) -> str:
    svg = _DROP_BLOCKS.sub(" ", _DATA_URL.sub(" ", svg))
    comments = " ".join(_COMMENT.findall(svg))
    svg = _SVG_PATH_DATA.sub(" ", _COMMENT.sub(" ", svg))
    return html.unescape(_TAG.sub("\n", svg)) + "\n" + comments


def _ipynb_parts(path: Path) -> Iterable[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb.get("cells", []), start=1):
        src = cell.get("source", "")
        yield f"cell {i} source", "".join(src) if isinstance(src, list) else str(src)
        for out in cell.get("outputs", []) or []:
            if "text" in out:
                t = out["text"]
                yield f"cell {i} output", "".join(t) if isinstance(t, list) else str(t)
            for mime, value in (out.get("data") or {}).items():
                value = "".join(value) if isinstance(value, list) else str(value)
                if mime in ("text/html", "image/svg+xml"):
                    yield f"cell {i} {mime}", _html_text(value)
                elif mime.startswith("text/") or mime.endswith("json"):
                    yield f"cell {i} {mime}", value


def _xlsx_parts(path: Path) -> Iterable[tuple[str, str]]:
    # Read from the XML (evaluation.xlsx_text): openpyxl's object model cost most
    # of a national scan's reading time, for the same cell text.
    for sheet, cells in xlsx_sheets(path):
        for coordinate, value in cells:
            if isinstance(value, str):
                yield f"{sheet}!{coordinate}", value
            elif isinstance(value, int) and abs(value) >= 10 ** 8:
                # a phone or ID stored as a number loses its leading 0
                yield f"{sheet}!{coordinate}", "0" + str(value) \
                    if len(str(value)) == 9 else str(value)
        yield f"{sheet} (sheet name)", sheet
    properties = xlsx_properties(path)
    if properties:
        yield "document properties", properties


def _pdf_parts(path: Path) -> Iterable[tuple[str, str]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    for i, page in enumerate(reader.pages, start=1):
        yield f"page {i}", page.extract_text() or ""
    meta = reader.metadata or {}
    yield "metadata", " ".join(str(v) for v in meta.values())


def _json_strings(value, where="") -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_strings(v, f"{where}/{k}")
            yield f"{where}/{k} (key)", str(k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_strings(v, f"{where}[{i}]")
    elif isinstance(value, str):
        yield where or "/", value


def _file_parts(path: Path) -> Iterable[tuple[str, str]]:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        yield "text", _html_text(path.read_text(encoding="utf-8", errors="replace"))
    elif suffix == ".svg":
        yield "text", _svg_text(path.read_text(encoding="utf-8", errors="replace"))
    elif suffix == ".ipynb":
        yield from _ipynb_parts(path)
    elif suffix == ".xlsx":
        yield from _xlsx_parts(path)
    elif suffix == ".pdf":
        yield from _pdf_parts(path)
    elif suffix == ".json":
        yield from _json_strings(json.loads(path.read_text(encoding="utf-8")))
    elif suffix == ".csv":
        import csv

        text = path.read_text(encoding="utf-8-sig", errors="replace")
        for i, row in enumerate(csv.reader(text.splitlines()), start=1):
            for j, cell in enumerate(row, start=1):
                yield f"line {i}, column {j}", cell
    else:  # md, txt
        for i, line in enumerate(path.read_text(encoding="utf-8-sig",
                                                errors="replace").splitlines(), start=1):
            yield f"line {i}", line


def scan_outputs(
    out_dir: str | Path,
    *,
    data_dir: str | Path | None = None,
    participants: pd.DataFrame | None = None,
    places: Iterable[str] | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """List everything in an output folder that looks like a personal identifier.

    Parameters
    ----------
    out_dir : str or Path
        A report folder or a whole batch output (searched recursively; hidden
        folders such as ``.staging`` are skipped).
    data_dir : str or Path, optional
        The data folder the reports came from: its participants' names,
        national IDs and phone numbers are searched for as well (any
        spacing, Thai or Arabic digits).
    participants : pandas.DataFrame, optional
        A participants table to use instead of loading ``data_dir``.
    places : iterable of str, optional
        Place names (:func:`place_names`; from ``data_dir``'s villages table
        when it is given): a finding inside one of them, where the line
        writes it, is the place and not reported.
    workers : int, default 1
        Processes to scan with. A large output (hundreds of villages) is
        split between report folders and scanned in parallel; the findings
        are the same, in the same order.

    Returns
    -------
    pandas.DataFrame
        One row per finding: ``file`` (relative to ``out_dir``),
        ``location`` (cell, sheet!cell, page, line ...), ``kind`` (as in
        :func:`evaluation.privacy.pii_report`), ``rule``, ``value`` and
        ``context`` (20 characters either side). Empty when nothing was found.
        ``attrs["n_files"]`` and ``attrs["skipped"]`` count the files read
        and those holding no text (pictures).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "table.csv").write_text("กลุ่ม,จำนวน\\nป้าสมศรี โทร 081-234-5678,3\\n")
    >>> scan_outputs(d)[["file", "location", "kind"]].values.tolist()
    [['table.csv', 'line 2, column 1', 'name'], ['table.csv', 'line 2, column 1', 'phone']]
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ArgumentError(f"workers must be a whole number of processes, 1 or more; "
                            f"got {workers!r}")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"out_dir: no such folder: {str(out_dir)!r}")
    if data_dir is not None and (participants is None or places is None):
        loaded = _load_project(data_dir)
        participants = loaded.participants if participants is None else participants
        places = place_names(loaded.villages) if places is None else places
    ids = participant_identifiers(participants)
    ids["places"] = tuple(places or ())
    files, skipped = [], 0
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.name == SUMMARY_FILE:
            continue
        if path.suffix.lower() not in SCANNED_SUFFIXES:
            skipped += 1
            continue
        files.append((path, str(rel)))
    chunks = _chunks(files, workers)
    if len(chunks) > 1:
        rows = _scan_in_processes(chunks, ids)
    else:
        rows = _scan_files(files, ids)
    out = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    out.attrs["n_files"] = len(files)
    out.attrs["skipped"] = skipped
    return out


#: A process scans at least this many files: starting one (imports, the Thai word
#: tries, the names' index) costs about as much as scanning 60 villages' reports
#: (26 files each), so only outputs of a few hundred villages are split.
_FILES_PER_PROCESS = 2500


def _chunks(files: list, workers: int) -> list[list]:
    """`files` in at most `workers` consecutive pieces, split between report folders."""
    n = min(max(int(workers), 1), len(files) // _FILES_PER_PROCESS)
    if n <= 1:
        return [files]
    folder = [rel.split("/", 1)[0] if "/" in rel else "" for _, rel in files]
    cuts, size = [0], len(files) / n
    for k in range(1, n):
        i = max(int(k * size), cuts[-1])
        while 0 < i < len(files) and folder[i] == folder[i - 1]:
            i += 1
        cuts.append(i)
    cuts.append(len(files))
    return [files[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


def _scan_in_processes(chunks: list[list], ids: dict) -> list[dict]:
    """:func:`_scan_files` on each chunk in its own process; rows in chunk order (the
    same rows, in the same order, as one process scanning every file)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # no inherited threads or locks
    with ProcessPoolExecutor(max_workers=len(chunks), mp_context=context) as pool:
        parts = list(pool.map(_scan_files, chunks, [ids] * len(chunks)))
    return [row for part in parts for row in part]


def _scan_files(files: list[tuple[Path, str]], ids: dict) -> list[dict]:
    """Findings of these files (``(path, relative name)`` pairs), in order."""
    id_pattern = _digit_pattern(ids["national_ids"])
    phone_pattern = _digit_pattern(ids["phones"])
    names = checked_names(ids["names"])  # checked once, not once per text
    rows = []
    cache: dict[str, list[dict]] = {}
    for path, rel in files:
        try:
            parts = list(_file_parts(path))
        except Exception as exc:  # an unreadable file is itself reported, never skipped
            rows.append({"file": rel, "location": "", "kind": "unreadable",
                         "rule": type(exc).__name__, "value": "", "context": str(exc)[:200]})
            continue
        # Lines are the unit: each distinct line is scanned once per process (report
        # pages, notebooks and tables repeat most of their lines, within a village and
        # across villages), the new lines of a file in one detector pass. A line's
        # findings do not depend on the lines scanned with it.
        occurrences = []
        for location, text in parts:
            if not text or not text.strip() or _DECIMAL_CELL.fullmatch(text.strip()):
                continue
            text = _HEX.sub(lambda m: " " * len(m.group(0)), text)
            for line in text.split("\n"):
                if _HAS_WORD.search(line):
                    occurrences.append((location, line))
        _scan_new_lines([line for _, line in occurrences], cache, places=ids.get("places", ()),
                        names=names, id_pattern=id_pattern, phone_pattern=phone_pattern)
        for location, line in occurrences:
            for f in cache[line]:
                rows.append({"file": rel, "location": location, "kind": f["kind"],
                             "rule": f["rule"], "value": f["value"], "context": f["context"]})
    return rows


def _load_project(data_dir):
    from .project import load_project

    return load_project(data_dir)


def write_scan_summary(out_dir: str | Path, findings: pd.DataFrame) -> Path:
    """Write ``privacy-scan.json`` (counts per kind and file, no values) into ``out_dir``."""
    out_dir = Path(out_dir)
    summary = {"n_files": int(findings.attrs.get("n_files", 0)),
               "n_findings": int(len(findings)),
               "by_kind": {str(k): int(v) for k, v in findings["kind"].value_counts().items()},
               "files": sorted(set(findings["file"]))}
    path = out_dir / SUMMARY_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def read_scan_summary(out_dir: str | Path) -> dict | None:
    """The summary written by :func:`write_scan_summary`, or None."""
    path = Path(out_dir) / SUMMARY_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
