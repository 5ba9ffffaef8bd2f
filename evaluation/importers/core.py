"""From export sheets to the workbench's tables (happiness, finance, participants ...).

Steps: read every export (:mod:`.sheets`), detect its layout (Kobo, ODK
Central, Google Forms or a plain table), join repeat sheets to their parents,
resolve every column (:mod:`.columns`), exclude submissions not approved,
turn answer labels into codes, build the long tables (wide ``_pre``/``_post``
columns become one row per wave), report duplicates across submissions (both
ids; the newest kept only with ``keep="latest"``) and count what was left out.
Nothing is dropped without being counted or listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import problems_frame
from . import gforms, kobo, odk
from .columns import FINANCE_VALUES, Col, Known, norm, resolve_columns
from .mapping import Mapping
from .sheets import Sheet, read_export

PARTICIPANT_FIELDS = ("name", "national_id", "phone", "sex", "age", "role", "occupation_group",
                      "joined_date", "left_date")
_ISO_DT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?.*$")
_DMY_DT = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[,\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def timestamp(text) -> pd.Timestamp | None:
    """Submission time from ISO text (Kobo, ODK) or ``d/m/yyyy, H:MM:SS`` (Google Sheets)."""
    if text is None:
        return None
    text = str(text).strip()
    m = _DMY_DT.match(text)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        year = int(y) - 543 if int(y) >= 2400 else int(y)
        try:
            return pd.Timestamp(year=year, month=int(mo), day=int(d), hour=int(hh or 0),
                                minute=int(mm or 0), second=int(ss or 0))
        except ValueError:
            return None
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    if ts is pd.NaT:
        return None
    return ts.tz_convert(None) if ts.tzinfo is not None else ts


def date_text(text) -> str | None:
    """A date answer or a submission time as the date text written to the CSVs."""
    if text is None:
        return None
    text = str(text).strip()
    m = _ISO_DT.match(text)
    if m:
        return m.group(1)
    m = _DMY_DT.match(text)
    if m and m.group(4) is not None:
        ts = timestamp(text)
        return ts.date().isoformat() if ts is not None else text
    return text


@dataclass
class Built:
    """What the importer produced before writing (tables plus the account of it)."""

    happiness: pd.DataFrame
    finance: pd.DataFrame
    participants: pd.DataFrame
    villages: pd.DataFrame
    read: pd.DataFrame
    columns: pd.DataFrame
    counts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _detect(sheet: Sheet, fmt: str) -> str:
    if fmt not in ("auto", None):
        return fmt
    if odk.is_odk(sheet):
        return "odk"
    if kobo.is_kobo(sheet):
        return "kobo"
    if gforms.is_gforms(sheet):
        return "gforms"
    return "plain"


def _p(sheet: Sheet, row, column, value, problem, severity="error") -> dict:
    return dict(file=sheet.file, sheet=sheet.sheet, row=row, column=column, value=value,
                problem=problem, severity=severity)


def read_all(paths, mapping: Mapping, problems: list[dict]) -> list[Sheet]:
    """Read and link every export; sheets whose layout is known."""
    sheets: list[Sheet] = []
    for path in paths:
        for s in read_export(path):
            s.layout = _detect(s, mapping.format)
            sheets.append(s)
    kobo.link([s for s in sheets if s.layout == "kobo"], problems)
    odk.link([s for s in sheets if s.layout == "odk"], problems)
    return sheets


class _SheetValues:
    """Resolved values of one sheet, with its ancestors' fields brought down."""

    def __init__(self, sheet: Sheet, cols: list[Col], known: Known, mapping: Mapping,
                 problems: list[dict], parent: "_SheetValues | None"):
        self.sheet, self.cols, self.n = sheet, cols, len(sheet.frame)
        self.fields: dict = {}       # key -> np.ndarray of object (None = blank)
        self.items: dict = {}        # (instrument, item, wave) -> (header, ndarray)
        self.details: dict = {}      # target key -> [(option, ndarray)]
        self.village_names: dict[str, str] = {}
        frame = sheet.frame
        for col in cols:
            values = frame[col.header].to_numpy(dtype=object)
            if col.kind == "field":
                if col.key in self.fields:
                    problems.append(_p(sheet, None, col.header, None,
                                       f"a second column for {col.key}; the first is kept "
                                       "and this one is not imported"))
                    col.kind, col.reason = "ignored", f"second column for {col.key}"
                    continue
                self.fields[col.key] = values
            elif col.kind == "item":
                self.items[(col.instrument, col.item, col.wave)] = (col.header, values)
            elif col.kind == "detail":
                key = f"{col.target}@{col.wave}" if col.wave else col.target
                self.details.setdefault(key, []).append((col.option, values))
            elif col.kind == "role":
                self.fields[f"_{col.target}"] = values
        self._multi(known)
        self._normalise(known, mapping, problems)
        # sheet-wide constants and file-level wave
        for rule in mapping.columns:
            if rule.value is not None and parent is None:
                self.fields[f"{rule.target}@{rule.wave}" if rule.wave else rule.target] = \
                    np.array([rule.value] * self.n, dtype=object)
        if parent is not None:
            pos = sheet.parent_pos
            for key, values in parent.fields.items():
                if key not in self.fields:
                    taken = np.array([values[p] if p >= 0 else None for p in pos], dtype=object)
                    self.fields[key] = taken
            self.village_names.update(parent.village_names)
        self._templates(mapping, problems)

    def _multi(self, known: Known):
        for key, options in self.details.items():
            if key in self.fields:
                continue  # the space-separated column wins; details are a copy
            target = key.split("@")[0]
            names = known.choices.get(target, {})
            out = np.empty(self.n, dtype=object)
            for i in range(self.n):
                chosen = [names.get(norm(opt), opt) for opt, values in options
                          if values[i] is not None and str(values[i]).strip() in ("1", "True",
                                                                                   "true")]
                answered = any(values[i] is not None for _o, values in options)
                out[i] = " ".join(chosen) if chosen else (None if not answered else "")
            self.fields[key] = out

    def _normalise(self, known: Known, mapping: Mapping, problems: list[dict]):
        sheet = self.sheet
        for key in list(self.fields):
            target = key.split("@")[0]
            values = self.fields[key]
            header = next((c.header for c in self.cols if c.key == key), key)
            table = dict(known.choices.get(target, {}))
            user = {norm(k): v for k, v in mapping.values.get(target, {}).items()}
            if target == "wave":
                user.update({norm(k): v for k, v in mapping.wave_values.items()})
            out = values.copy()
            for i, v in enumerate(values):
                if v is None or not str(v).strip():
                    out[i] = None
                    continue
                k = norm(v)
                if k in user:
                    out[i] = user[k]
                elif target == "wave":
                    from ..thai import parse_wave

                    try:
                        out[i] = table.get(k) or parse_wave(v)
                    except ValueError:
                        out[i] = None
                        problems.append(_p(sheet, int(sheet.rows[i]), header, v,
                                           "unknown survey round: expected pre/during/post, "
                                           "ก่อน/ระหว่าง/หลัง (or map it under wave.values)"))
                elif target == "finance_done":
                    out[i] = table.get(k, v)
                elif target in ("debt_sources",):
                    out[i] = " ".join(table.get(norm(t), t) for t in str(v).split())
                elif target == "village_id":
                    vid, name = known.village(str(v).strip())
                    out[i] = vid
                    if name:
                        self.village_names.setdefault(vid, name)
                elif target in ("date", "finance_date", "assess_date", "joined_date",
                                "left_date", "_submitted"):
                    out[i] = v if target == "_submitted" else date_text(v)
                else:
                    out[i] = str(v).strip() if target.endswith("_id") else v
            self.fields[key] = out

    def _templates(self, mapping: Mapping, problems: list[dict]):
        for rule in mapping.columns:
            if rule.template is None:
                continue
            names = re.findall(r"{([A-Za-z_][A-Za-z0-9_.]*)}", rule.template)
            have = {n: self.fields.get(n, self.fields.get(f"var.{n}")) for n in names}
            if any(v is None for v in have.values()):
                continue
            out = np.empty(self.n, dtype=object)
            for i in range(self.n):
                vals = {n: have[n][i] for n in names}
                if any(v is None for v in vals.values()):
                    out[i] = None
                    continue
                text = rule.template
                for n, v in vals.items():
                    text = text.replace("{" + n + "}", str(v).strip())
                out[i] = text
            self.fields[f"{rule.target}@{rule.wave}" if rule.wave else rule.target] = out


def _walk(sheets: list[Sheet]):
    """Sheets parents first."""
    done, order = set(), []

    def visit(s):
        if id(s) in done:
            return
        if s.parent is not None:
            visit(s.parent)
        done.add(id(s))
        order.append(s)

    for s in sheets:
        visit(s)
    return order


def _excluded(values: _SheetValues, mapping: Mapping) -> np.ndarray:
    status = values.fields.get("_status")
    if status is None or mapping.include_not_approved:
        return np.zeros(values.n, dtype=bool)
    keys = {norm(s) for s in kobo.NOT_APPROVED | odk.REJECTED}
    return np.array([v is not None and norm(v) in keys for v in status], dtype=bool)


def _file_wave(sheet: Sheet, mapping: Mapping) -> str | None:
    for name, wave in mapping.wave_files.items():
        if norm(name) in (norm(sheet.file), norm(Path(sheet.file).name),
                          norm(Path(sheet.file).stem)):
            return wave
    return mapping.wave_value


def _wave_of(values: _SheetValues, i: int, wave: str | None, file_wave: str | None):
    if wave:
        return wave
    w = values.fields.get("wave")
    if w is not None and w[i] is not None:
        return w[i]
    return file_wave


def _date_of(values: _SheetValues, i, wave, *names):
    for name in names:
        for key in ((f"{name}@{wave}", name) if wave else (name,)):
            arr = values.fields.get(key)
            if arr is not None and arr[i] is not None:
                return arr[i], name
    sub = values.fields.get("_submitted")
    if sub is not None and sub[i] is not None:
        return date_text(sub[i]), "_submitted"
    return None, None


def _waves_present(values: _SheetValues, targets) -> list[str | None]:
    waves = {k.split("@")[1] for k in values.fields if isinstance(k, str) and "@" in k
             and k.split("@")[0] in targets}
    waves |= {w for (_i, _it, w) in values.items if w and "item" in targets}
    return [w for w in ("pre", "during", "post") if w in waves] or [None]


def build(sheets: list[Sheet], known: Known, mapping: Mapping,
          problems: list[dict]) -> Built:
    """The long tables from linked sheets (see the module docstring)."""
    counts = {"submissions": 0, "excluded_not_approved": 0, "finance_not_surveyed": 0,
              "finance_blank": 0, "members_without_answers": 0, "dates_from_submission_time": 0}
    notes: list[str] = []
    read_rows, col_rows = [], []
    hap_rows, fin_rows, person_rows = [], [], []
    village_names: dict[str, str] = {}
    all_values: dict[int, _SheetValues] = {}
    excluded: dict[int, np.ndarray] = {}
    for sheet in _walk(sheets):
        cols = resolve_columns(sheet, known, mapping)
        parent = all_values.get(id(sheet.parent)) if sheet.parent is not None else None
        values = _SheetValues(sheet, cols, known, mapping, problems, parent)
        all_values[id(sheet)] = values
        village_names.update(values.village_names)
        own = _excluded(values, mapping)
        if parent is not None:
            pex = excluded[id(sheet.parent)]
            own = own | np.array([p < 0 or pex[p] for p in sheet.parent_pos], dtype=bool)
        else:
            counts["submissions"] += int(values.n - own.sum())
            counts["excluded_not_approved"] += int(own.sum())
        excluded[id(sheet)] = own
        read_rows.append(dict(file=sheet.file, sheet=sheet.sheet, layout=sheet.layout,
                              rows=values.n, excluded=int(own.sum()),
                              parent=sheet.parent.where if sheet.parent is not None else None))
        for col in cols:
            what = {"field": col.key, "item": f"{col.instrument}.{col.item}"
                    + (f"@{col.wave}" if col.wave else ""),
                    "detail": f"{col.target} option {col.option}",
                    "role": f"({col.target})"}.get(col.kind, "")
            col_rows.append(dict(file=sheet.file, sheet=sheet.sheet, column=col.header,
                                 kind=col.kind, target=what, reason=col.reason))
            if col.kind == "unmapped" and not all(
                    v is None for v in sheet.frame[col.header]):
                problems.append(_p(sheet, None, col.header, None,
                                   "column not recognised: not imported (map it in "
                                   "import.yaml under columns/items, or list it under "
                                   "ignore)", severity="warning"))
        file_wave = _file_wave(sheet, mapping)
        uuid = values.fields.get("_uuid", values.fields.get("_key"))
        submitted = values.fields.get("_submitted")

        def meta(i):
            u = None if uuid is None else uuid[i]
            root, j = sheet, i  # the submission row (repeat rows belong to their submission)
            while root.parent is not None and j >= 0:
                root, j = root.parent, int(root.parent_pos[j])
            return dict(file=sheet.file, sheet=sheet.sheet, row=int(sheet.rows[i]), uuid=u,
                        submitted=None if submitted is None else submitted[i],
                        sub=u if u is not None else f"{root.file}|{root.sheet}|{j}")

        # ---- finance
        has_fin = any(k.split("@")[0] in FINANCE_VALUES for k in values.fields
                      if isinstance(k, str)) and any(
            c.kind in ("field", "detail") and c.target in FINANCE_VALUES for c in cols)
        if has_fin:
            done = values.fields.get("finance_done")
            for wave in _waves_present(values, set(FINANCE_VALUES) | {"debt_sources"}):
                for i in np.flatnonzero(~own):
                    if done is not None and done[i] == "no":
                        counts["finance_not_surveyed"] += 1
                        continue
                    amounts = {t: values.fields.get(f"{t}@{wave}" if wave else t)
                               for t in (*FINANCE_VALUES, "debt_sources")}
                    amounts = {t: (a[i] if a is not None else None) for t, a in amounts.items()}
                    if all(v is None for t, v in amounts.items() if t in FINANCE_VALUES):
                        counts["finance_blank"] += 1
                        continue
                    hh = values.fields.get("household_id")
                    w = _wave_of(values, i, wave, file_wave)
                    date, src = _date_of(values, i, wave, "finance_date", "date")
                    counts["dates_from_submission_time"] += src == "_submitted"
                    row = dict(household_id=None if hh is None else hh[i], wave=w, date=date,
                               **amounts, **meta(i))
                    for key, arr in values.fields.items():
                        if isinstance(key, str) and key.startswith("extra.finance."):
                            row[key.split(".", 2)[2]] = arr[i]
                    fin_rows.append(row)
        # ---- happiness
        if values.items:
            person = values.fields.get("person_id")
            by_wave: dict = {}
            for (inst, item, wave), (header, arr) in values.items.items():
                if all(v is None for j, v in enumerate(arr) if not own[j]):
                    notes.append(f"{sheet.where}: {header} ({inst}.{item}) has no answers; "
                                 "not imported")
                    continue
                by_wave.setdefault(wave, []).append((inst, item, header, arr))
            for wave, entries in by_wave.items():
                for i in np.flatnonzero(~own):
                    if all(arr[i] is None for *_x, arr in entries):
                        counts["members_without_answers"] += 1
                        continue
                    w = _wave_of(values, i, wave, file_wave)
                    date, src = _date_of(values, i, wave, "assess_date", "date")
                    counts["dates_from_submission_time"] += src == "_submitted"
                    for inst, item, header, arr in entries:
                        value = _answer(arr[i], inst, known, mapping)
                        if value is _BAD:
                            problems.append(_p(sheet, int(sheet.rows[i]), header, arr[i],
                                               f"answer not understood for {inst} item {item}: "
                                               "expected a score or one of the instrument's "
                                               "answer labels"))
                            value = None
                        hap_rows.append(dict(person_id=None if person is None else person[i],
                                             wave=w, date=date, instrument=inst, item=item,
                                             value=value, **meta(i)))
        # ---- participants
        if "person_id" in values.fields:
            for i in np.flatnonzero(~own):
                row = {k: (values.fields[k][i] if k in values.fields else None)
                       for k in ("person_id", "household_id", "village_id", *PARTICIPANT_FIELDS)}
                for key, arr in values.fields.items():
                    if isinstance(key, str) and key.startswith("extra.participants."):
                        row[key.split(".", 2)[2]] = arr[i]
                person_rows.append({**row, **meta(i)})
    for vid, name in village_names.items():
        village_names[vid] = name
    happiness = pd.DataFrame(hap_rows, columns=["person_id", "wave", "date", "instrument",
                                                "item", "value", "file", "sheet", "row",
                                                "uuid", "submitted", "sub"])
    finance = pd.DataFrame(fin_rows)
    participants = pd.DataFrame(person_rows)
    for name, frame, key in (("finance", finance, "household_id"),
                             ("happiness", happiness, "person_id")):
        if len(frame):
            for what in (key, "wave"):
                blank = frame[what].isna()
                for r in frame[blank].itertuples():
                    problems.append(dict(file=r.file, sheet=r.sheet, row=r.row, column=None,
                                         value=None, severity="error",
                                         problem=f"{name}: no {what} for this row (map the "
                                                 f"column that holds it, or give "
                                                 f"{'wave.files/wave.value' if what == 'wave' else what} "
                                                 "in import.yaml)"))
    villages = pd.DataFrame({"village_id": list(village_names),
                             "name": list(village_names.values())})
    return Built(happiness=happiness, finance=finance, participants=participants,
                 villages=villages, read=pd.DataFrame(read_rows), columns=pd.DataFrame(col_rows),
                 counts=counts, problems=problems, notes=notes)


_BAD = object()


def _answer(value, instrument: str, known: Known, mapping: Mapping):
    if value is None:
        return None
    text = str(value).strip()
    user = mapping.values.get(instrument) or {}
    if text in user:
        text = user[text]
    try:
        return float(text.replace(",", "."))
    except ValueError:
        pass
    code = known.answers.get(instrument, {}).get(norm(text))
    if code is not None:
        return code
    from ..thai import parse_number

    try:
        return parse_number(text)
    except ValueError:
        return _BAD


def dedupe(frame: pd.DataFrame, key: list[str], *, table: str, keep: str | None,
           problems: list[dict], unit: list[str] | None = None) -> pd.DataFrame:
    """Rows with the same key from different submissions: report; keep newest if asked."""
    if frame.empty:
        return frame
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return frame
    frame = frame.copy()
    frame["_ts"] = [timestamp(s) or pd.Timestamp.min for s in frame["submitted"]]
    frame["_order"] = np.arange(len(frame))
    unit = unit or key
    drop = []
    for _k, group in frame[dup].groupby(unit, sort=True, dropna=False):
        subs = group.drop_duplicates("sub")
        uuids = "; ".join(f"{u or '(no id)'} ({s or 'time unknown'}, {f} row {r})" for u, s, f, r
                          in subs[["uuid", "submitted", "file", "row"]].itertuples(index=False))
        label = ", ".join(f"{c}={group[c].iloc[0]}" for c in unit)
        first = group.iloc[0]
        if len(subs) == 1:
            problems.append(dict(file=first.file, sheet=first.sheet, row=first.row,
                                 column=None, value=label, severity="error",
                                 problem=f"{table}: {label} twice within one submission "
                                         f"({uuids})"))
            continue
        if keep == "latest":
            newest = subs.sort_values(["_ts", "_order"]).iloc[-1]
            drop.extend(group.index[group["sub"] != newest["sub"]])
            problems.append(dict(file=first.file, sheet=first.sheet, row=first.row, column=None,
                                 value=label, severity="warning",
                                 problem=f"{table}: submitted more than once ({uuids}); kept "
                                         f"the newest, {newest['uuid'] or newest['sub']} "
                                         "(--keep latest)"))
        else:
            problems.append(dict(file=first.file, sheet=first.sheet, row=first.row, column=None,
                                 value=label, severity="error",
                                 problem=f"{table}: submitted more than once: {uuids}. Delete "
                                         "the wrong submission in the field tool, or import "
                                         "with --keep latest to keep the newest"))
    frame = frame.drop(index=drop)
    return frame.drop(columns=["_ts", "_order"])


def problems_table(problems: list[dict]) -> pd.DataFrame:
    return problems_frame(problems)
