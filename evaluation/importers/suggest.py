"""``evaluation import EXPORT --suggest``: a proposed import.yaml, every guess commented.

The proposal maps what the importer recognises on its own (field names and
labels of ``evaluation form``, the data model's Thai and English headers,
wide ``_pre``/``_post`` columns), guesses instrument items from answer labels
(``ไม่เลย`` / ``เล็กน้อย`` / ``มาก`` / ``มากที่สุด`` are TMHI-15 answers), says how
the round (wave) seems to be given, and lists every other column under
``ignore`` so that nothing is left unaccounted for. The user checks each
``# guess`` line and runs ``evaluation import EXPORT --map import.yaml``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .columns import _WAVE_TOKENS, Known, norm, resolve_columns
from .core import read_all
from .mapping import Mapping, read_mapping


def _q(text) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _file_wave(name: str) -> str | None:
    stem = Path(name).stem.casefold()
    for token in sorted(_WAVE_TOKENS, key=len, reverse=True):
        if token in stem:
            return _WAVE_TOKENS[token]
    return None


def _instrument_guess(values, known: Known) -> str | None:
    answers = [norm(v) for v in values if v is not None and str(v).strip()]
    if not answers:
        return None
    best, hits = None, 0
    for inst, table in known.answers.items():
        labels = {k for k in table if not re.fullmatch(r"[0-9.]+", k)}
        if labels and all(a in labels for a in answers):
            score = len(set(answers))
            if score > hits:
                best, hits = inst, score
    return best


def suggest_mapping(exports, *, mapping=None) -> str:
    """A proposed import.yaml (text) for the exports (see the module docstring).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "round1.csv"
    >>> _ = path.write_text("รหัสครัวเรือน,รายได้ก่อน,รายได้หลัง,ชื่อผู้สัมภาษณ์\\n"
    ...                     "H1,1000,1500,ก\\n", encoding="utf-8")
    >>> text = suggest_mapping([path])
    >>> "income@pre" in text and "ชื่อผู้สัมภาษณ์" in text
    True
    """
    if mapping is None:
        mapping = Mapping()
    elif not isinstance(mapping, Mapping):
        mapping = read_mapping(mapping)
    paths = [exports] if isinstance(exports, (str, Path)) else list(exports)
    problems: list[dict] = []
    sheets = read_all(paths, mapping, problems)
    known = Known()
    lines = ["# import.yaml proposed by `evaluation import --suggest` for:"]
    lines += [f"#   {s.where} ({s.layout}, {len(s.frame)} rows)" for s in sheets]
    lines += ["# Check every line marked 'guess', then run:",
              "#   evaluation import EXPORT... --map import.yaml --out DATA",
              "# Format: docs/import.md"]
    layouts = sorted({s.layout for s in sheets})
    lines.append(f"format: {layouts[0] if len(layouts) == 1 else 'auto'}"
                 f"  # detected from the columns")
    lines += ["# registry: ../registry   # recommended: a data folder with projects.csv, "
              "villages.csv, participants.csv",
              "project:                  # used when there is no registry",
              "  project_id: P01         # guess: change to the program's code",
              "  name: \"โครงการ\"          # guess: the program's name",
              "defaults:",
              "  role: target            # guess: every person is a target participant"]
    columns, items, ignore, notes, auto = [], {}, [], [], []
    wave_cols, wide, has_date = [], False, False
    for s in sheets:
        cols = resolve_columns(s, known, mapping)
        counters: dict[str, int] = {}
        for c in cols:
            if c.kind == "field":
                what = f"{c.target}@{c.wave}" if c.wave else c.target
                reason = "round in the header (wide layout)" if c.wave else "header recognised"
                columns.append((what, c.header, f"guess: {reason} ({s.where})"))
                wave_cols += [c.header] if c.target == "wave" else []
                wide = wide or bool(c.wave)
                has_date = has_date or c.target in ("date", "finance_date", "assess_date")
            elif c.kind == "item":
                item = f"{c.item}@{c.wave}" if c.wave else c.item
                items.setdefault(c.instrument, []).append((item, c.header, "header recognised"))
            elif c.kind == "unmapped":
                inst = _instrument_guess(s.frame[c.header], known)
                if inst is not None:
                    k = counters.get(inst, 0)
                    ids = known.instruments[inst].item_ids
                    counters[inst] = k + 1
                    item = ids[k] if k < len(ids) else f"q{k + 1}"
                    items.setdefault(inst, []).append(
                        (item, c.header, f"guess: answers are {inst} answer labels; item "
                                         f"order assumed"))
                else:
                    ignore.append((c.header, f"not recognised ({s.where}): map it under "
                                             "columns or items, or leave it ignored"))
            elif c.kind in ("ignored", "role"):
                auto.append((c.header, c.reason or "submission metadata (ids, time, approval)"))
        if s.parent is not None:
            notes.append(f"{s.where} is a repeat group joined to {s.parent.where}")
    lines.append("wave:")
    if wave_cols:
        lines.append(f"  column: {_q(wave_cols[0])}   # guess: this column holds the round")
    elif wide:
        lines.append("  # the round is in the column headers (wide layout: _pre/_post columns)")
    else:
        files = list(dict.fromkeys(Path(s.file).name for s in sheets))
        if len(files) > 1:
            lines.append("  files:                   # guess: one file per round; check each")
            for k, f in enumerate(files):
                w = _file_wave(f) or ("pre", "post", "during")[min(k, 2)]
                lines.append(f"    {_q(f)}: {w}")
        else:
            lines.append("  value: pre               # guess: the export holds one round only")
    if not has_date:
        lines.append("# date: {column: _submission_time}   # no date question found: the "
                     "submission time (Kobo _submission_time, ODK SubmissionDate, Google "
                     "Timestamp) is used")
    lines.append("columns:")
    seen = set()
    for target, header, comment in columns:
        if target == "wave" and wave_cols:
            continue
        if target in seen:
            lines.append(f"  # {target}: {_q(header)}   # second column for {target}: choose one")
            continue
        seen.add(target)
        lines.append(f"  {target}: {_q(header)}   # {comment}")
    if "person_id" not in seen:
        lines.append("  # person_id: {template: \"{household_id}-{member_no}\"}   # no person "
                     "code found: build one from other columns (map member_no as var.member_no)")
    if items:
        lines.append("items:")
        for inst, entries in items.items():
            lines.append(f"  {inst}:")
            for item, header, comment in entries:
                lines.append(f"    {item}: {_q(header)}   # {comment}")
    lines.append("ignore:")
    if not ignore:
        lines.append("  []")
    for header, reason in ignore:
        lines.append(f"  - {_q(header)}   # {reason}")
    if auto:
        lines.append("# not imported automatically (metadata of the field tool):")
        for header, reason in dict(auto).items():
            lines.append(f"#   {header}: {reason}")
    for note in notes:
        lines.append(f"# note: {note}")
    return "\n".join(lines) + "\n"
