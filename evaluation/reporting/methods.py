"""Sections every report ends with: data quality, and methods with reproducibility.

``section_data_quality`` (village reports and cards) shows assessments per
wave, missing answers, finance gaps and the loader's warnings (values in
personal-data columns hidden); ``section_methods`` (every report, village or
portfolio) lists the software versions, one SHA-256 over the input files, the
report parameters, the run date and the statistical methods used.
"""

from __future__ import annotations

import datetime as _dt
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from .. import results as R
from ..i18n import tr, wave_name
from . import fmt as F
from .context import (explain, resolve_lang, section_heading, show_table, small_counts,
                      suppressed_sentence, report_section)

__all__ = ["TESTS", "section_data_quality", "section_methods"]


# =========================================================================== data quality
#: Column spellings of personal data (values of problems in them are hidden).
def _pii_headers() -> set[str]:
    from ..schema import TABLES

    out = set()
    for table in TABLES.values():
        for col in table.columns:
            if getattr(col, "pii", False):
                out.update(s.casefold() for s in (col.name, col.th, col.en, *col.aliases) if s)
    return out


@report_section
def section_data_quality(project, ctx, *, lang: str | None = None,
                         village_id: str | None = None, heading: bool = True) -> dict:
    """Data quality: assessments per wave, missing answers, finance gaps, warnings.

    Returns
    -------
    dict
        ``happiness`` (``{instrument: {n_persons, n_pre, n_during, n_post,
        n_complete, n_scores_missing, n_items_missing}}``),
        ``never_assessed`` (target participants without any assessment),
        ``finance`` (``{wave: households}`` and ``n_missing_post``),
        ``n_warnings`` (warnings of this village) and ``n_warnings_general``.
    """
    from ..privacy import redact_pii

    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    vid = str(v.villages["village_id"].iloc[0])
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "คุณภาพข้อมูล", "Data quality")
    explain(ctx, lang, "ส่วนนี้บอกว่าข้อมูลครบแค่ไหน ใครขาดการประเมินช่วงใด และมีคำเตือนอะไรจากการตรวจข้อมูล "
                         "เพื่อให้อ่านผลในส่วนอื่นได้อย่างระมัดระวัง",
              "This section shows how complete the data are, who missed which assessment and "
              "what the data checks warned about, so the other results can be read with care.")
    out: dict = {"happiness": {}}
    rows = []
    for inst in R.instruments_present(v):
        sc = R.scores(v, inst)
        att = R.attrition_summary(v, inst).iloc[0]
        n_nan = int(sc["total"].isna().sum())
        n_items = int((sc["n_missing"] > 0).sum())
        rec = {k: int(att[k]) for k in att.index if k.startswith("n_")}
        rec.update(n_scores_missing=n_nan, n_items_missing=n_items)
        out["happiness"][inst] = rec
        rows.append({t("แบบประเมิน", "Instrument"): R.instrument_short(v, inst, lang),
                     t("ผู้ตอบ (คน)", "People"): rec["n_persons"],
                     t("ก่อน", "Before"): rec.get("n_pre", 0),
                     t("ระหว่าง", "During"): rec.get("n_during", 0),
                     t("หลัง", "After"): rec.get("n_post", 0),
                     t("ครบทุกช่วง", "Every wave"): rec["n_complete"],
                     t("มีข้อที่ไม่ตอบ (ครั้ง)", "With unanswered items"): n_items,
                     t("คำนวณคะแนนไม่ได้ (ครั้ง)", "Score not computable"): n_nan})
    if rows:
        rows = pd.DataFrame(rows)
        rows = small_counts(ctx, rows, rows.columns[1:])
        show_table(ctx, rows, "quality_happiness",
                  t("ความครบถ้วนของแบบประเมินความสุข", "Completeness of happiness assessments"),
                  note=t("คะแนนที่ตอบไม่ครบไม่เกิน 20% ของข้อ ใช้ค่าเฉลี่ยของข้อที่ตอบแทน (prorate) เกินกว่านั้นไม่คำนวณคะแนน",
                         "Scores with at most 20% of items unanswered are prorated (mean of the "
                         "answered items); beyond that no score is computed."))
    people = v.participants
    targets = people[people["role"] == "target"]
    assessed = set(v.happiness["person_id"])
    never = int((~targets["person_id"].isin(assessed)).sum())
    out["never_assessed"] = never
    if len(targets):
        ctx.paragraph(t(f"กลุ่มเป้าหมาย {len(targets):,d} คน ไม่เคยตอบแบบประเมินความสุขเลย {never:,d} คน",
                        f"Of {len(targets):,d} target members, {never:,d} never answered a "
                        "happiness assessment."))
    fin = v.finance
    out["finance"] = {}
    if not fin.empty:
        per_wave = {w: int(fin.loc[fin["wave"] == w, "household_id"].nunique())
                    for w in R.waves_present(fin)}
        out["finance"] = dict(per_wave)
        hh = set(fin["household_id"])
        post = set(fin.loc[fin["wave"] == "post", "household_id"])
        missing_post = sorted(hh - post)
        out["finance"]["n_missing_post"] = len(missing_post)
        blanks = {c: int(fin[c].isna().sum()) for c in ("income", "expenses", "debt_formal",
                                                         "debt_informal", "savings")
                  if c in fin.columns}
        out["finance"]["blank_cells"] = blanks
        wave_text = ", ".join(f"{wave_name(w, lang)} {n:,d}" for w, n in per_wave.items())
        ctx.paragraph(t(f"ข้อมูลการเงินมีครัวเรือน: {wave_text} ครัวเรือน; ไม่มีข้อมูลหลังโครงการ "
                        f"{len(missing_post):,d} ครัวเรือน"
                        + (f" ({', '.join(missing_post)})" if missing_post else "")
                        + f"; ช่องว่าง {sum(blanks.values()):,d} ช่อง",
                        f"Finance data cover households: {wave_text}; {len(missing_post):,d} "
                        "without an after-project record"
                        + (f" ({', '.join(missing_post)})" if missing_post else "")
                        + f"; {sum(blanks.values()):,d} blank cells."))
    else:
        ctx.paragraph(t("ไม่มีข้อมูลการเงินครัวเรือน", "No household finance data."))
    probs = v.problems
    if "village_id" in probs.columns:
        mine = probs[probs["village_id"].astype(object) == vid]
        general = probs[probs["village_id"].isna()]
    else:
        mine, general = probs.iloc[0:0], probs
    out["n_warnings"] = int(len(mine))
    out["n_warnings_general"] = int(len(general))
    if len(mine):
        pii = _pii_headers()
        names = people["name"].dropna().astype(str).tolist() if "name" in people.columns else None
        shown = pd.DataFrame({
            t("ไฟล์", "File"): mine["file"].astype(object).fillna("").astype(str).to_numpy(),
            t("แถว", "Row"): ["" if pd.isna(r) else f"{int(r):d}" for r in mine["row"]],
            t("คอลัมน์", "Column"): mine["column"].astype(object).fillna("").astype(str).to_numpy(),
            t("ค่า", "Value"): [
                "[…]" if str(c).casefold() in pii else redact_pii(
                    "" if F.is_missing(x) else str(x), names=names, labels=lang)
                for c, x in zip(mine["column"], mine["value"])],
            t("คำเตือน", "Warning"): [redact_pii(str(p), names=names, labels=lang)
                                     for p in mine["problem"]],
        })
        show_table(ctx, shown, "quality_warnings", t("คำเตือนจากการตรวจข้อมูล", "Warnings from the data checks"),
                  note=t("คำเตือนคือค่าที่เป็นไปได้แต่น่าสงสัย ควรตรวจกับแบบบันทึกต้นฉบับ",
                         "Warnings are possible but suspicious values: check them against the "
                         "original forms."))
    else:
        ctx.paragraph(t("ไม่พบคำเตือนจากการตรวจข้อมูลของหมู่บ้านนี้",
                        "The data checks found no warnings for this village."))
    if len(general):
        ctx.note(t(f"มีคำเตือนทั่วไป (ไม่ระบุหมู่บ้าน) {len(general):,d} รายการ ดูได้จากคำสั่ง evaluation check",
                   f"{len(general):,d} general warnings (not tied to a village); see "
                   "`evaluation check`."))
    out.update(suppressed_sentence(ctx, lang))
    return out


# =========================================================================== methods
TESTS = (
    ("paired t-test", "t-test แบบจับคู่",
     "ค่าเฉลี่ยของการเปลี่ยนแปลง (หลัง − ก่อน) ของคนหรือครัวเรือนเดียวกันต่างจากศูนย์หรือไม่ ช่วงความเชื่อมั่น 95% มาจากการทดสอบนี้",
     "Is the mean change (after − before) of the same people or households different from "
     "zero? The 95% confidence intervals come from this test."),
    ("Wilcoxon signed-rank", "Wilcoxon signed-rank",
     "ทดสอบแบบเดียวกันโดยใช้ลำดับของการเปลี่ยนแปลง ไม่อ่อนไหวต่อค่าผิดปกติ เหมาะกับกลุ่มเล็ก",
     "The same question using the ranks of the changes; robust to outliers and suited to "
     "small groups."),
    ("95% confidence interval", "ช่วงความเชื่อมั่น 95%",
     "ช่วงที่ค่าจริงของการเปลี่ยนแปลงเฉลี่ยน่าจะอยู่ ถ้าช่วงไม่ครอบคลุมศูนย์ แสดงว่าการเปลี่ยนแปลงน่าจะเกิดขึ้นจริง",
     "The range in which the true mean change probably lies; if it excludes zero, the change "
     "is probably real."),
    ("McNemar", "McNemar",
     "สัดส่วนคนที่อยู่ในกลุ่มหนึ่ง (เช่น คะแนนดีกว่าคนทั่วไป หรือต่ำกว่าเส้นความยากจน) ก่อนและหลังต่างกันจริงหรือไม่",
     "Did the share of people in a category (e.g. the top happiness band, below the poverty "
     "line) really change between before and after?"),
    ("p-value", "ค่า p",
     "ความน่าจะเป็นที่จะเห็นการเปลี่ยนแปลงขนาดนี้ถ้าไม่มีการเปลี่ยนแปลงจริง ค่าน้อยกว่า 0.05 ถือว่ามีนัยสำคัญ",
     "How likely a change this large would be if nothing really changed; below 0.05 is "
     "called significant."),
)


@report_section
def section_methods(project, ctx, *, lang: str | None = None, parameters: dict | None = None,
                    heading: bool = True, run_date=None) -> dict:
    """Methods and reproducibility: versions, input checksums, parameters, run date, tests.

    Works for a village view or a whole project (portfolio).

    Returns
    -------
    dict
        ``version`` (evaluation), ``python``, ``pandas``, ``run_date``
        (display text, Buddhist era in Thai), ``n_files``, ``inputs_sha256``
        (one SHA-256 over every input file's path and SHA-256, ``None``
        without files), ``parameters``. The input-file table in the report
        leaves out lessons texts of other villages; its files list every
        input file.
    """
    import scipy

    from .._version import __version__

    lang = resolve_lang(ctx, lang)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "วิธีการและการทำซ้ำ", "Methods and reproducibility")
    now = pd.Timestamp(run_date) if run_date is not None else pd.Timestamp(_dt.datetime.now())
    run_text = F.date(now, lang) + now.strftime(" %H:%M")
    versions = {"evaluation": __version__, "python": platform.python_version(),
                "pandas": pd.__version__, "numpy": np.__version__, "scipy": scipy.__version__}
    from ..source_use import files_for

    files = files_for(project)  # only this village's / project's files, relative paths
    n_files = int(len(files))
    facts = {t("วันที่สร้างรายงาน", "Report run on"): run_text,
             t("โปรแกรม", "Software"): ", ".join(f"{k} {x}" for k, x in versions.items())}
    digest = None
    if n_files:
        digest = _inputs_digest(files)
        facts[t("ข้อมูลนำเข้า", "Input data")] = t(
            f"{n_files:,d} ไฟล์ รวม {int(files['bytes'].sum()):,d} ไบต์",
            f"{n_files:,d} files, {int(files['bytes'].sum()):,d} bytes in all")
        facts[t("รหัสรวมของข้อมูลนำเข้า (SHA-256)", "Combined input checksum (SHA-256)")] = digest
    ctx.facts(facts)
    params = dict(parameters or {})
    if params:
        show_table(ctx, pd.DataFrame({t("พารามิเตอร์", "Parameter"): list(params),
                                t("ค่า", "Value"): [_shown_value(x) for x in params.values()]}),
                  "parameters", t("พารามิเตอร์ของรายงาน", "Report parameters"))
    if n_files:
        note = t("รหัส SHA-256 ใช้ยืนยันว่าข้อมูลที่ใช้สร้างรายงานตรงกับไฟล์ต้นฉบับ ถ้าไฟล์เปลี่ยนแม้หนึ่งตัวอักษร รหัสจะเปลี่ยน "
                 "ตารางนี้แสดงเฉพาะไฟล์ที่มีข้อมูลของรายงานนี้ ตำแหน่งไฟล์นับจากโฟลเดอร์ข้อมูล",
                 "The SHA-256 code proves which input files made this report: change "
                 "one character of a file and its code changes. Only the files holding this "
                 "report's data are listed, with paths inside the data folder.")
        show_table(ctx, pd.DataFrame({t("ไฟล์", "File"): files["path"].astype(str).to_numpy(),
                                "SHA-256": files["sha256"].astype(str).to_numpy(),
                                t("ขนาด (ไบต์)", "Size (bytes)"): files["bytes"].astype(int).to_numpy()}),
                  "input_files", t("ไฟล์ข้อมูลที่ใช้", "Input files"), note=note)
    show_table(ctx, pd.DataFrame({t("วิธีทางสถิติ", "Method"): [x[1] if lang == "th" else x[0]
                                                         for x in TESTS],
                            t("ความหมาย", "What it means"): [x[2] if lang == "th" else x[3]
                                                            for x in TESTS]}),
              "methods", t("วิธีทางสถิติที่ใช้", "Statistical methods used"),
              note=t("การเปรียบเทียบก่อน–หลังใช้เฉพาะคนหรือครัวเรือนที่มีข้อมูลทั้งสองครั้ง (ข้อมูลคู่) "
                     "ผลเป็นการเปลี่ยนแปลงของกลุ่มเดียวไม่มีกลุ่มเปรียบเทียบ จึงบอกไม่ได้ทั้งหมดว่าเกิดจากโครงการ",
                     "Before–after comparisons use only people or households with both "
                     "measurements (paired data). They describe change in one group without a "
                     "comparison group, so they cannot fully show that the project caused it."))
    return {**versions, "version": __version__, "run_date": run_text, "n_files": n_files,
            "inputs_sha256": digest, "parameters": R.jsonable(params)}


def _shown_value(value) -> str:
    """A report parameter as shown: a path is given by its last part only (the data
    folder's location on the user's disk never goes into a report)."""
    text = str(value)
    if isinstance(value, Path) or (isinstance(value, str) and Path(text).is_absolute()):
        return Path(text).name
    return text


def _inputs_digest(files: pd.DataFrame) -> str:
    """SHA-256 over every input file's path and SHA-256 (one code for the whole input)."""
    import hashlib

    h = hashlib.sha256()
    for path, sha in sorted(zip(files["path"].astype(str), files["sha256"].astype(str))):
        h.update(f"{path}\0{sha}\n".encode("utf-8"))
    return h.hexdigest()
