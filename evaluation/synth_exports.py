"""A program's survey data written as the field tools export it.

:func:`write_exports` takes a data folder (the sample program by default),
treats its happiness and finance tables as what was collected with the form
of ``evaluation form`` (one submission per household and round, a repeat
``member`` per person assessed) and writes them the way KoboToolbox, ODK
Central or Google Forms export them. ``evaluation synth --format kobo|odk|gforms``
uses it; the round-trip tests import the result and compare it with the
original tables.
"""

from __future__ import annotations

import csv
import io
import uuid as _uuid
import zipfile
from pathlib import Path

import pandas as pd

from .errors import ArgumentError
from .xlsform import (DEBT_SOURCES, GROUP_FINANCE, GROUP_IDENT, REPEAT_MEMBER, WAVE_LABELS,
                      YES_NO, response_choices, write_xlsform)

LAYOUTS = ("kobo", "odk", "gforms")
FORM_ID = "evaluation_round"
FORM_TITLE = "แบบสำรวจติดตามผลโครงการ"
_NS = _uuid.UUID("6f1c8d4e-5b7a-4c1e-9a53-2f0d1e7c9b11")
_FIN = ["household_size", "income", "expenses", "debt_formal", "debt_informal", "savings"]


def _num(v) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def _iso(ts) -> str | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def submissions(proj, instruments=None) -> list[dict]:
    """One dict per household × wave: ids, finance answers and member answers."""
    hh_village = proj.participants.drop_duplicates("household_id").set_index(
        "household_id")["village_id"]
    hap = proj.happiness
    if instruments is not None:
        hap = hap[hap["instrument"].isin(instruments)]
    fin = proj.finance.set_index(["household_id", "wave"])
    keys = set(fin.index)
    hap = hap.merge(proj.participants[["person_id", "household_id"]], on="person_id")
    keys |= set(zip(hap["household_id"], hap["wave"].astype(str)))
    order = {w: i for i, w in enumerate(("pre", "during", "post"))}
    members = {k: g for k, g in hap.groupby(["household_id", hap["wave"].astype(str)],
                                            sort=False)}
    out = []
    for hh, wave in sorted(keys, key=lambda k: (order[k[1]], k[0])):
        sub = {"household_id": hh, "village_id": hh_village[hh], "wave": wave,
               "uuid": str(_uuid.uuid5(_NS, f"{hh}/{wave}")), "finance": None, "members": []}
        if (hh, wave) in fin.index:
            row = fin.loc[(hh, wave)]
            sub["finance"] = {"finance_date": _iso(row["date"]),
                              **{c: _num(row[c]) for c in _FIN}}
        group = members.get((hh, wave))
        dates = [] if sub["finance"] is None else [sub["finance"]["finance_date"]]
        if group is not None:
            for pid, pg in group.groupby("person_id", sort=True):
                answers = {(r.instrument, r.item): _num(r.value) for r in pg.itertuples()}
                date = _iso(pg["date"].iloc[0])
                sub["members"].append({"person_id": pid, "assess_date": date,
                                       "answers": answers})
                dates.append(date)
        last = max(d for d in dates if d)
        sub["submitted"] = f"{last}T17:30:00"
        out.append(sub)
    for i, sub in enumerate(out, 1):
        sub["id"] = 100000 + i
    return out


def _instruments(subs) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for sub in subs:
        for m in sub["members"]:
            for inst, item in m["answers"]:
                found.setdefault(inst, [])
                if item not in found[inst]:
                    found[inst].append(item)
    return found


class _Labels:
    """Labels of the form's questions and answers in one language."""

    def __init__(self, registry, lang: str, villages: pd.DataFrame):
        from .xlsform import form_fields

        self.lang = lang
        k = 0 if lang == "th" else 1
        self.fields = {f.name: (f.label_th, f.label_en)[k] for f in form_fields(None)}
        self.groups = {GROUP_IDENT: ("ข้อมูลทั่วไป", "Identification")[k],
                       GROUP_FINANCE: ("การเงินครัวเรือน", "Household finance")[k],
                       REPEAT_MEMBER: ("ผู้ตอบแบบประเมินความสุข",
                                       "Members answering the happiness questions")[k]}
        for inst in registry.values():
            self.groups[inst.id] = (inst.name_th, inst.name_en)[k]
        self.wave = {n: v[k] for n, v in WAVE_LABELS.items()}
        self.yes_no = {n: v[k] for n, v in YES_NO.items()}
        self.debt = {n: v[k] for n, v in DEBT_SOURCES.items()}
        self.answers = {inst.id: {c: (th, en)[k] for c, th, en in response_choices(inst)}
                        for inst in registry.values()}
        self.village = {r.village_id: f"{r.name} ({r.village_id})"
                        for r in villages.itertuples()}


def _columns(instruments: dict, *, details: bool):
    """(group path, name) of the main questions and of the member questions."""
    main = [((GROUP_IDENT,), n) for n in ("village_id", "household_id", "wave", "finance_done")]
    main += [((GROUP_FINANCE,), n) for n in ("finance_date", *_FIN, "debt_sources")]
    member = [((REPEAT_MEMBER,), "person_id"), ((REPEAT_MEMBER,), "assess_date")]
    for inst, items in instruments.items():
        member += [((REPEAT_MEMBER, inst), f"{inst}_{item}") for item in items]
    return main, member


def _value(name, sub, member, lab: _Labels | None, registry):
    if name in ("village_id", "household_id", "wave"):
        v = sub[name]
        if lab is not None and name == "village_id":
            return lab.village.get(v, v)
        return lab.wave[v] if (lab is not None and name == "wave") else v
    if name == "finance_done":
        v = "yes" if sub["finance"] is not None else "no"
        return lab.yes_no[v] if lab is not None else v
    if name in ("finance_date", *_FIN):
        return None if sub["finance"] is None else sub["finance"][name]
    if name == "debt_sources":
        return None
    if name in ("person_id", "assess_date"):
        return member[name]
    inst, _, item = name.partition("_")
    v = member["answers"].get((inst, item))
    if v is not None and lab is not None and registry[inst].response_labels:
        return lab.answers[inst].get(v, v)
    return v


def _kobo_tables(subs, instruments, registry, *, lab, sep, groups):
    main_cols, member_cols = _columns(instruments, details=True)

    def head(path, name):
        if lab is None:
            return sep.join([*path, name]) if groups else name
        label = lab.fields[name]
        return sep.join([*(lab.groups[p] for p in path), label]) if groups else label

    main_h = ["start", "end"]
    for path, name in main_cols:
        main_h.append(head(path, name))
        if name == "debt_sources":
            for opt, label in DEBT_SOURCES.items():
                o = opt if lab is None else lab.debt[opt]
                main_h.append(f"{head(path, name)}/{o}")
    meta = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
            "_submitted_by", "__version__", "_tags", "_index"]
    main_rows, member_rows = [], []
    status = ("validation_status_approved" if lab is None else "Approved")
    for idx, sub in enumerate(subs, 1):
        row = [f"{sub['submitted'][:10]}T09:00:00.000+07:00",
               f"{sub['submitted'][:10]}T09:40:00.000+07:00"]
        for path, name in main_cols:
            row.append(_value(name, sub, None, lab, registry))
            if name == "debt_sources":
                row += [None] * len(DEBT_SOURCES)
        row += [sub["id"], sub["uuid"], sub["submitted"], status, None, "submitted_via_web",
                "enumerator01", "vR4nd0m1", None, idx]
        main_rows.append(row)
        for m in sub["members"]:
            member_rows.append([_value(name, sub, m, lab, registry) for _p, name in member_cols]
                               + [len(member_rows) + 1, FORM_TITLE, idx, sub["id"], sub["uuid"],
                                  sub["submitted"], status, None, "submitted_via_web",
                                  "enumerator01", "vR4nd0m1", None])
    member_h = [head(p, n) for p, n in member_cols] + [
        "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid",
        "_submission__submission_time", "_submission__validation_status", "_submission__notes",
        "_submission__status", "_submission__submitted_by", "_submission___version__",
        "_submission__tags"]
    return (main_h + meta, main_rows), (member_h, member_rows)


def _write_xlsx(path: Path, sheets: list[tuple[str, list, list]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, header, rows in sheets:
        ws = book.create_sheet(name[:31])
        ws.append(header)
        for r in rows:
            ws.append(r)
    book.save(path)


def _csv_text(header, rows, *, sep=",", quote_all=False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n",
                   quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def write_exports(out_dir, *, layout: str = "kobo", data=None, headers: str = "names",
                  lang: str = "th", group_sep: str = "/", file_format: str | None = None,
                  instruments=None) -> list[Path]:
    """Write a data folder's survey tables as a field tool's export; return the files.

    Parameters
    ----------
    out_dir : path
    layout : {"kobo", "odk", "gforms"}
    data : path, optional
        Data folder (default: ``data/sample`` regenerated by :mod:`evaluation.synth`).
    headers : {"names", "labels"}
        Kobo only: XML names or labels as headers and values (Google Forms
        always uses labels, ODK Central always names).
    lang : {"th", "en"}
        Label language.
    group_sep : {"/", "."}
        Kobo group separator in headers.
    file_format : {"xlsx", "csv", "zip"}, optional
        Kobo: xlsx (with the repeat sheet; default) or csv (``;``, submissions
        only); ODK: zip (default) or csv (one file per table); Google Forms:
        csv (default) or xlsx.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in write_exports(tempfile.mkdtemp(), layout="odk", data="data/sample")]
    ['evaluation_round.zip']
    """
    from .instruments import registry as _registry
    from .project import load_project

    if layout not in LAYOUTS:
        raise ArgumentError(f"layout: allowed {', '.join(LAYOUTS)}, got {layout!r}")
    if headers not in ("names", "labels") or lang not in ("th", "en") or group_sep not in (
            "/", "."):
        raise ArgumentError(f"headers/lang/group_sep: got {headers!r}, {lang!r}, {group_sep!r}; "
                            "allowed names|labels, th|en, / or .")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if data is None:
        import tempfile

        from .synth import write_program

        data = Path(tempfile.mkdtemp(prefix="evaluation-sample-"))
        write_program(data)
    proj = load_project(data)
    registry = _registry()
    subs = submissions(proj, instruments)
    insts = _instruments(subs)
    if layout == "kobo":
        lab = _Labels(registry, lang, proj.villages) if headers == "labels" else None
        fmt = file_format or "xlsx"
        (main_h, main_rows), (mem_h, mem_rows) = _kobo_tables(
            subs, insts, registry, lab=lab, sep=group_sep, groups=True)
        if fmt == "xlsx":
            path = out_dir / f"{FORM_ID}_kobo.xlsx"
            _write_xlsx(path, [(FORM_TITLE, main_h, main_rows), (REPEAT_MEMBER, mem_h,
                                                                 mem_rows)])
            return [path]
        path = out_dir / f"{FORM_ID}_kobo.csv"
        path.write_text(_csv_text(main_h, main_rows, sep=";", quote_all=True), encoding="utf-8")
        return [path]
    if layout == "odk":
        main_cols, member_cols = _columns(insts, details=False)
        main_h = ["SubmissionDate", "start", "end"] + ["-".join([*p, n]) for p, n in main_cols] \
            + ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
               "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
               "FormVersion"]
        member_h = ["-".join([*p[1:], n]) for p, n in member_cols] + ["PARENT_KEY", "KEY"]
        main_rows, mem_rows = [], []
        for sub in subs:
            key = f"uuid:{sub['uuid']}"
            day = sub["submitted"][:10]
            main_rows.append([f"{sub['submitted']}.000Z", f"{day}T09:00:00.000+07:00",
                              f"{day}T09:40:00.000+07:00"]
                             + [_value(n, sub, None, None, registry) for _p, n in main_cols]
                             + [key, key, 7, "enumerator01", 0, 0, None, "approved",
                                "collect:Xk2", 0, "1"])
            for j, m in enumerate(sub["members"], 1):
                mem_rows.append([_value(n, sub, m, None, registry) for _p, n in member_cols]
                                + [key, f"{key}/{REPEAT_MEMBER}[{j}]"])
        texts = {f"{FORM_ID}.csv": _csv_text(main_h, main_rows),
                 f"{FORM_ID}-{REPEAT_MEMBER}.csv": _csv_text(member_h, mem_rows)}
        if (file_format or "zip") == "zip":
            path = out_dir / f"{FORM_ID}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                for name, text in texts.items():
                    z.writestr(name, text)
            return [path]
        paths = []
        for name, text in texts.items():
            (out_dir / name).write_text(text, encoding="utf-8")
            paths.append(out_dir / name)
        return paths
    # Google Forms: one response per person assessed (finance asked once per household)
    lab = _Labels(registry, lang, proj.villages)
    main_cols, member_cols = _columns(insts, details=False)
    questions = [n for _p, n in main_cols if n != "debt_sources"] + [n for _p, n in member_cols]
    stamp = "Timestamp" if lang == "en" else "ประทับเวลา"
    header = [stamp] + [lab.fields[n] for n in questions]
    rows = []
    for sub in subs:
        entries = sub["members"] or [None]
        for j, m in enumerate(entries):
            s = dict(sub) if j == 0 else {**sub, "finance": None}
            ts = pd.Timestamp(sub["submitted"]) + pd.Timedelta(minutes=j)
            row = [ts]
            for n in questions:
                if m is None and n in ("person_id", "assess_date") or (
                        m is None and "_" in n and n.split("_")[0] in insts):
                    row.append(None)
                    continue
                v = _value(n, s, m, lab, registry)
                if n in ("finance_date", "assess_date") and v:
                    d = pd.Timestamp(v)
                    v = f"{d.day}/{d.month}/{d.year}"
                row.append(v)
            rows.append(row)
    if (file_format or "csv") == "xlsx":
        path = out_dir / "responses_gforms.xlsx"
        _write_xlsx(path, [("การตอบกลับแบบฟอร์ม 1", header,
                            [[r[0].to_pydatetime(), *r[1:]] for r in rows])])
        return [path]
    path = out_dir / "responses_gforms.csv"
    text_rows = [[f"{r[0].day}/{r[0].month}/{r[0].year}, {r[0]:%H:%M:%S}", *r[1:]] for r in rows]
    path.write_text(_csv_text(header, text_rows), encoding="utf-8")
    return [path]


def write_round_trip_kit(out_dir, *, layout: str, seed: int | None = None) -> list[Path]:
    """``evaluation synth OUT --format kobo|odk|gforms``: the sample as a field tool gives it.

    Writes ``OUT/registry/`` (the sample program: projects, villages, people,
    account books ...), ``OUT/form.xlsx`` (the XLSForm it was collected with)
    and the export files in ``OUT/export/``.
    """
    from .synth import SAMPLE_SEED, write_program

    out_dir = Path(out_dir)
    registry = out_dir / "registry"
    write_program(registry, seed=SAMPLE_SEED if seed is None else seed)
    written = [write_xlsform(out_dir / "form.xlsx", data=registry)]
    written += write_exports(out_dir / "export", layout=layout, data=registry)
    return written


__all__ = ["LAYOUTS", "submissions", "write_exports", "write_round_trip_kit"]
