"""Sections of the village report.

Each ``section_<name>(project, ctx, *, lang=None, **options)`` takes a
village view (``proj.village("V01")``, or a project plus ``village_id=``),
computes with the library, shows its charts and tables through the
:class:`~evaluation.reporting.context.ReportContext` ``ctx`` (which saves them as files
and escapes text from the data) with a heading, a plain-language sentence
under every chart and Thai (or English) narrative, and returns a small dict
of the key numbers it showed. A village without data for a section gets a
short explanation instead (the dict then has ``"empty": True``).

``lang=None`` uses the context's language.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import results as R
from ..i18n import STATUS_LABELS, tr, wave_name
from . import fmt as F
from .fmt import format_p
from ..disclosure import small_count_label
from .context import (explain, no_data, resolve_lang, section_heading, show_table,
                      count_small_groups, small_counts, suppress_headline, too_few, report_section)
from ..charts.sections import keyword_bars, theme_bars
from .money import section_accounts, section_money  # noqa: F401 (split out; in VILLAGE_SECTIONS)

__all__ = [
    "VILLAGE_SECTIONS",
    "section_accounts",
    "section_cover",
    "section_happiness",
    "section_key_results",
    "section_ladder",
    "section_lessons",
    "section_money",
    "run_village_sections",
]

ROLES = ("target", "team", "mentor")
#: Words of the redaction tokens ([ชื่อ-1], [โทร-1] ...): never keywords.
_TOKEN_WORDS = {"ชื่อ", "โทร", "เลขบัตร", "อีเมล", "name", "phone", "id", "email"}
_ASCII_THAI = re.compile(r"[\x00-\x7f\u0e00-\u0e7f]*")


# =========================================================================== cover
@report_section
def section_cover(project, ctx, *, lang: str | None = None, village_id: str | None = None,
                  heading: bool = True, kind: str = "report") -> dict:
    """Cover: project, village, place, period (Buddhist era), participants and households.

    Sets the page title, shows the facts and a table of participants by role
    and sex. ``kind="card"`` titles the page as a village summary card
    (บัตรสรุปผลการประเมิน) instead of an evaluation report.

    Returns
    -------
    dict
        ``village_id, name, project_id, project_name, place, period_start,
        period_end`` (display text), ``n_participants``, ``n_by_role``
        (``{"target": .., "team": .., "mentor": ..}``), ``n_households``
        (distinct households of all participants), ``n_target_households``.
    """
    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    row = R.village_row(v)
    proj = row["project"]
    people = v.participants
    name = F.text_or_dash(row.get("name"))
    if kind not in ("report", "card"):
        raise R.SectionArgumentError(f"kind must be 'report' or 'card', got {kind!r}")
    title = (tr(lang, "รายงานผลการประเมินโครงการ", "Evaluation report") if kind == "report"
             else tr(lang, "บัตรสรุปผลการประเมิน", "Evaluation summary card"))
    ctx.set_title(f"{title}: {name} ({row.get('village_id')})")
    if heading:
        ctx.heading(f"{title}: {name}", level=1)
    roles = people["role"].value_counts()
    n_by_role = {r: int(roles.get(r, 0)) for r in ROLES}
    n_households = int(people["household_id"].nunique())
    n_target_hh = int(people.loc[people["role"] == "target", "household_id"].nunique())
    start, end = F.date(proj.get("start_date"), lang), F.date(proj.get("end_date"), lang)
    role_text = ", ".join(f"{tr(lang, *_role_names(r))} {ctx.small_count(n_by_role[r])}"
                          for r in ROLES if n_by_role[r])
    facts = {
        tr(lang, "โครงการ", "Project"): f"{F.text_or_dash(proj.get('name'))} "
                                           f"({F.text_or_dash(row.get('project_id'))})",
        tr(lang, "องค์กรที่ดำเนินการ", "Organisation"): F.text_or_dash(proj.get("organisation")),
        tr(lang, "หมู่บ้าน", "Village"): f"{name} ({row.get('village_id')})",
        tr(lang, "ที่ตั้ง", "Location"): F.place_text(row, lang),
        tr(lang, "ระยะเวลาโครงการ", "Project period"): f"{start} – {end}",
        tr(lang, "งบประมาณ", "Budget"): F.baht(proj.get("budget"), lang),
        tr(lang, "ผู้เข้าร่วม", "Participants"):
            f"{ctx.small_count(len(people))} {tr(lang, 'คน', 'people')}" + (f" ({role_text})"
                                                                  if role_text else ""),
        tr(lang, "ครัวเรือน", "Households"):
            tr(lang, f"{n_households:,d} ครัวเรือน (ครัวเรือนกลุ่มเป้าหมาย {n_target_hh:,d})",
                 f"{n_households:,d} households ({n_target_hh:,d} of target members)"),
    }
    ctx.facts(facts)
    if len(people):
        roles_table = _role_table(people, lang)
        roles_table = small_counts(ctx, roles_table, roles_table.columns[1:])
        show_table(ctx, roles_table, "participants_by_role",
                  tr(lang, "ผู้เข้าร่วมตามบทบาทและเพศ", "Participants by role and sex"),
                  note=tr(lang, "นับจากตารางผู้เข้าร่วม ไม่แสดงชื่อหรือข้อมูลส่วนบุคคล",
                            "Counted from the participants table; no names or personal "
                            "data are shown."))
    else:
        no_data(ctx, lang, "ยังไม่มีรายชื่อผู้เข้าร่วมของหมู่บ้านนี้",
                  "No participants are listed for this village.")
    return {"village_id": row.get("village_id"), "name": row.get("name"),
            "project_id": row.get("project_id"), "project_name": proj.get("name"),
            "place": F.place_text(row, lang), "period_start": start, "period_end": end,
            "n_participants": int(len(people)), "n_by_role": n_by_role,
            "n_households": n_households, "n_target_households": n_target_hh}


def _role_names(role: str) -> tuple[str, str]:
    from ..thai import ROLE_LABELS

    return ROLE_LABELS["th"].get(role, role), ROLE_LABELS["en"].get(role, role)


def _role_table(people: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Participants by role and sex: :func:`_role_table_plain` counted over plain lists
    (its filters per role were half of the cover's time) when the three columns are
    text (missing values are NaN there, equal to no role or sex and no household)."""
    cols = ("role", "sex", "household_id")
    if not all(isinstance(people[c].dtype, pd.StringDtype) and people[c].dtype.na_value
               is np.nan for c in cols):
        return _role_table_plain(people, lang)
    role, sex, home = (people[c].tolist() for c in cols)

    def row(name, rows):
        return {tr(lang, "บทบาท", "Role"): name,
                tr(lang, "หญิง (คน)", "Female"): sum(sex[i] == "F" for i in rows),
                tr(lang, "ชาย (คน)", "Male"): sum(sex[i] == "M" for i in rows),
                tr(lang, "รวม (คน)", "Total"): len(rows),
                tr(lang, "ครัวเรือน", "Households"): len({home[i] for i in rows
                                                          if isinstance(home[i], str)})}

    out = []
    for r in ROLES:
        mine = [i for i, x in enumerate(role) if x == r]
        if mine:
            out.append(row(tr(lang, *_role_names(r)), mine))
    out.append(row(tr(lang, "ทั้งหมด", "All"), range(len(role))))
    return pd.DataFrame(out)


def _role_table_plain(people: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = []
    for role in ROLES:
        sub = people[people["role"] == role]
        if sub.empty:
            continue
        rows.append({tr(lang, "บทบาท", "Role"): tr(lang, *_role_names(role)),
                     tr(lang, "หญิง (คน)", "Female"): int((sub["sex"] == "F").sum()),
                     tr(lang, "ชาย (คน)", "Male"): int((sub["sex"] == "M").sum()),
                     tr(lang, "รวม (คน)", "Total"): int(len(sub)),
                     tr(lang, "ครัวเรือน", "Households"): int(sub["household_id"].nunique())})
    rows.append({tr(lang, "บทบาท", "Role"): tr(lang, "ทั้งหมด", "All"),
                 tr(lang, "หญิง (คน)", "Female"): int((people["sex"] == "F").sum()),
                 tr(lang, "ชาย (คน)", "Male"): int((people["sex"] == "M").sum()),
                 tr(lang, "รวม (คน)", "Total"): int(len(people)),
                 tr(lang, "ครัวเรือน", "Households"): int(people["household_id"].nunique())})
    return pd.DataFrame(rows)


# =========================================================================== key results
@report_section
def section_key_results(project, ctx, *, lang: str | None = None,
                        village_id: str | None = None, instrument: str | None = None,
                        before: str = "pre", after: str = "post", heading: bool = True) -> dict:
    """Key results in one glance: the headline figures with n and 95% intervals.

    Computes :func:`evaluation.results.headline_figures`, records them for the
    batch index (:func:`evaluation.reporting.headline.write_headline`) and shows them
    as a table and as sentences.

    Returns
    -------
    dict
        The headline figures (see :data:`evaluation.results.HEADLINE_KEYS`).
    """
    from ..results import headline_figures
    from .headline import write_headline

    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    figs = headline_figures(v, instrument=instrument, before=before, after=after)
    shown_n = {k: figs.get(k) for k in ("n_participants", "n_households")}
    figs, hidden = suppress_headline(ctx, figs)
    write_headline(ctx, figs, lang=lang)
    if heading:
        section_heading(ctx, lang, "ผลลัพธ์สำคัญโดยสรุป", "Key results at a glance")
    inst = figs["instrument"]
    inst_name = R.instrument_name(v, inst, lang) if inst else "–"
    inst_short = R.instrument_short(v, inst, lang)
    sentences = []
    hap = F.change_sentence(f"คะแนนความสุขเฉลี่ย ({inst_name}) จาก{wave_name(before, 'th')}ถึง"
                            f"{wave_name(after, 'th')}โครงการ",
                            f"The mean happiness score ({inst_name}) from "
                            f"{wave_name(before, 'en').lower()} to "
                            f"{wave_name(after, 'en').lower()}",
                            figs["happiness_mean_change"], figs["happiness_ci_low"],
                            figs["happiness_ci_high"], figs["happiness_n"], lang, unit="points")
    sentences.append(hap)
    if figs["happiness_share_improved"] is not None:
        n_up = round(figs["happiness_share_improved"] * figs["happiness_n"])
        sentences.append(tr(
            lang, f"ผู้ตอบ {n_up:,d} จาก {figs['happiness_n']:,d} คน "
                  f"({F.pct(figs['happiness_share_improved'])}) มีคะแนนความสุขเพิ่มขึ้น",
            f"{n_up:,d} of {figs['happiness_n']:,d} respondents "
            f"({F.pct(figs['happiness_share_improved'])}) had a higher happiness score."))
    sentences.append(F.change_sentence(
        "รายได้ครัวเรือนต่อเดือนโดยเฉลี่ย", "Mean monthly household income",
        figs["income_mean_change"], figs["income_ci_low"], figs["income_ci_high"],
        figs["income_n"], lang, unit="baht"))
    if figs["ladder_total"]:
        sentences.append(tr(
            lang, f"บันไดผลลัพธ์: บรรลุเป้าหมาย {figs['ladder_achieved']} จาก "
                  f"{figs['ladder_total']} ตัวชี้วัด (บรรลุบางส่วน {figs['ladder_partial']}, "
                  f"ไม่บรรลุ {figs['ladder_not_achieved']}, ไม่มีข้อมูล {figs['ladder_no_data']}) "
                  f"สถานะโดยรวม: {STATUS_LABELS['th'][figs['status']]}",
            f"Outcome ladder: {figs['ladder_achieved']} of {figs['ladder_total']} indicators "
            f"achieved ({figs['ladder_partial']} partly, {figs['ladder_not_achieved']} not "
            f"achieved, {figs['ladder_no_data']} without data); overall status: "
            f"{STATUS_LABELS['en'][figs['status']]}."))
    else:
        sentences.append(tr(lang, "ยังไม่มีบันไดผลลัพธ์ของโครงการนี้",
                              "This project has no outcome ladder yet."))
    table = pd.DataFrame({
        tr(lang, "ตัวชี้วัด", "Indicator"): [
            tr(lang, "ผู้เข้าร่วม (คน)", "Participants (people)"),
            tr(lang, "ครัวเรือน", "Households"),
            tr(lang, f"คะแนนความสุขเปลี่ยนไปเฉลี่ย ({inst_short}, คะแนน)",
                 f"Mean change in happiness score ({inst_short}, points)"),
            tr(lang, "สัดส่วนผู้ที่มีความสุขเพิ่มขึ้น", "Share with a higher happiness score"),
            tr(lang, "รายได้ครัวเรือนต่อเดือนเปลี่ยนไปเฉลี่ย (บาท)",
                 "Mean change in monthly household income (baht)"),
            tr(lang, "สัดส่วนครัวเรือนที่มีรายได้เพิ่มขึ้น", "Share of households with higher income"),
            tr(lang, "ตัวชี้วัดบันไดผลลัพธ์ที่บรรลุ", "Ladder indicators achieved"),
        ],
        tr(lang, "ผล (95% CI), n", "Result (95% CI), n"): [
            *(small_count_label(ctx.min_cell) if k in hidden else F.count(shown_n[k])
              for k in ("n_participants", "n_households")),
            F.estimate_cell(figs["happiness_mean_change"], figs["happiness_ci_low"],
                            figs["happiness_ci_high"], figs["happiness_n"], lang),
            (f"{F.pct(figs['happiness_share_improved'])}, n = {figs['happiness_n']:,d}"
             if figs["happiness_share_improved"] is not None else "–"),
            F.estimate_cell(figs["income_mean_change"], figs["income_ci_low"],
                            figs["income_ci_high"], figs["income_n"], lang, unit="baht"),
            (f"{F.pct(figs['income_share_up'])}, n = {figs['income_n']:,d}"
             if figs["income_share_up"] is not None else "–"),
            (tr(lang, f"{figs['ladder_achieved']} จาก {figs['ladder_total']}",
                  f"{figs['ladder_achieved']} of {figs['ladder_total']}")
             if figs["ladder_total"] else "–"),
        ]})
    numbers = pd.DataFrame({
        table.columns[0]: table.iloc[:, 0].to_numpy(),
        tr(lang, "ผล", "Result"): [
            figs["n_participants"], figs["n_households"], figs["happiness_mean_change"],
            figs["happiness_share_improved"], figs["income_mean_change"],
            figs["income_share_up"], figs["ladder_achieved"] if figs["ladder_total"] else None],
        tr(lang, "95% CI ต่ำสุด", "95% CI low"): [
            None, None, figs["happiness_ci_low"], None, figs["income_ci_low"], None, None],
        tr(lang, "95% CI สูงสุด", "95% CI high"): [
            None, None, figs["happiness_ci_high"], None, figs["income_ci_high"], None, None],
        "n": [None, None, figs["happiness_n"], figs["happiness_n"], figs["income_n"],
              figs["income_n"], figs["ladder_total"] or None],
    })
    numbers = numbers.astype({c: "float64" for c in numbers.columns[1:]})
    numbers.attrs["number_formats"] = {"n": "#,##0"}
    share_rows = [3, 5]  # shares as fractions: Excel shows them as percentages
    numbers.attrs["cell_formats"] = {(r, numbers.columns[1]): "0.0%" for r in share_rows}
    show_table(ctx, table, "key_results", tr(lang, "ผลลัพธ์สำคัญ", "Key results"), files=numbers,
              note=tr(lang, "ตัวเลขในวงเล็บคือช่วงความเชื่อมั่น 95% ของค่าเฉลี่ย n คือจำนวนคนหรือครัวเรือนที่มีข้อมูลทั้งก่อนและหลัง",
                        "Brackets give the 95% confidence interval of the mean; n is the "
                        "number of people or households with data both before and after."))
    for s in sentences:
        ctx.paragraph(s)
    return figs


# =========================================================================== ladder
def _ladder_numbers(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ladder indicators for tables.xlsx: numbers as numbers (percent of target as
    a fraction shown 0.0%), units and status as text."""
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    cols = {"step": t("ขั้นที่", "Step"), "outcome": t("ผลลัพธ์", "Outcome"),
            "label": t("ตัวชี้วัด", "Indicator"), "baseline": t("ค่าฐาน", "Baseline"),
            "comparator": t("เงื่อนไข", "Comparator"), "target": t("เป้าหมาย", "Target"),
            "actual": t("ผลที่ได้", "Actual"), "unit": t("หน่วย", "Unit"),
            "pct_of_target": t("ร้อยละของเป้าหมาย", "% of target"),
            "status": t("สถานะ", "Status"), "n": t("จำนวนข้อมูล (n)", "Records (n)")}
    out = frame[[c for c in cols if c in frame.columns]].copy()
    if "pct_of_target" in out:
        out["pct_of_target"] = pd.to_numeric(out["pct_of_target"], errors="coerce") / 100
    if "status" in out and lang == "th" and "status_th" in frame:
        out["status"] = frame["status_th"]
    for c in ("baseline", "target", "actual", "n"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce")
    out = out.rename(columns=cols).reset_index(drop=True)
    out.attrs["number_formats"] = {cols["pct_of_target"]: "0.0%", cols["n"]: "#,##0",
                                   cols["step"]: "0"}
    return out


@report_section
def section_ladder(project, ctx, *, lang: str | None = None, village_id: str | None = None,
                   heading: bool = True, partial_threshold: float = 0.5,
                   chart: bool = True) -> dict:
    """The outcome ladder: staircase chart and the indicator table with status.

    With ``chart=False`` (the village summary card) the chart is left out and
    its caption (how many indicators were achieved) is written as a sentence.

    Returns
    -------
    dict
        ``achieved, partial, not_achieved, no_data, total`` (indicator
        counts) and ``statuses`` (``{indicator_id: status}``), ``actual``
        (``{indicator_id: value}``).
    """
    from ..charts.ladder import ladder_chart
    from ..ladder import ladder_table

    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    if heading:
        section_heading(ctx, lang, "บันไดผลลัพธ์", "The outcome ladder")
    if too_few(ctx, lang, len(v.participants), "ตัวชี้วัดบันไดผลลัพธ์", "Ladder indicators"):
        return {"suppressed": True}
    if not v.ladders:
        return no_data(ctx, lang, "โครงการนี้ยังไม่มีบันไดผลลัพธ์ (ไฟล์ ladder.yaml) จึงยังประเมินตัวชี้วัดไม่ได้",
                         "This project has no outcome ladder (ladder.yaml), so no indicator "
                         "can be assessed.")
    frame = R.evaluate_ladder_once(v, partial_threshold=partial_threshold)
    frame = frame[frame["level"] == "village"]
    if frame.empty:
        return no_data(ctx, lang, "บันไดผลลัพธ์ไม่มีตัวชี้วัด", "The ladder has no indicators.")
    counts = frame["status"].value_counts()
    out = {s: int(counts.get(s, 0)) for s in ("achieved", "partial", "not_achieved", "no_data")}
    out["total"] = int(len(frame))
    out["statuses"] = dict(zip(frame["indicator_id"], frame["status"]))
    out["actual"] = R.jsonable(dict(zip(frame["indicator_id"], frame["actual"])))
    explain(ctx, lang,
              "บันไดผลลัพธ์เรียงผลที่โครงการตั้งใจให้เกิดจากขั้นแรก (ผลระยะต้น) ถึงขั้นสุดท้าย (ผลระยะยาว) "
              "แต่ละขั้นมีตัวชี้วัดและค่าเป้าหมาย ตัวชี้วัดที่ได้ผลถึงเป้าถือว่า 'บรรลุ' "
              f"ได้อย่างน้อย {partial_threshold:.0%} ของเป้าถือว่า 'บรรลุบางส่วน'",
              "The outcome ladder lists the outcomes the project aims for, from the first "
              "(early) step to the last (long-term) one; each step has indicators with "
              "targets. An indicator that reaches its target is 'achieved'; one at least "
              f"{partial_threshold:.0%} of the way there is 'partly achieved'.")
    caption = tr(
        lang, f"บรรลุเป้าหมาย {out['achieved']} จาก {out['total']} ตัวชี้วัด "
              f"บรรลุบางส่วน {out['partial']} ไม่บรรลุ {out['not_achieved']} "
              f"และไม่มีข้อมูล {out['no_data']} ตัวชี้วัด",
        f"{out['achieved']} of {out['total']} indicators achieved, {out['partial']} partly, "
        f"{out['not_achieved']} not achieved and {out['no_data']} without data.")
    top = _highest_step(frame)
    if top:
        caption += tr(lang, f" ขั้นสูงสุดที่บรรลุครบทุกตัวชี้วัดคือขั้นที่ {top}",
                        f" The highest step with every indicator achieved is step {top}.")
    if chart:
        fig = ladder_chart(frame, lang=lang, ladder=next(iter(v.ladders.values())))
        ctx.figure(fig, "ladder", tr(lang, "บันไดผลลัพธ์", "Outcome ladder"), caption)
    else:
        ctx.paragraph(caption)
    show_table(ctx, ladder_table(frame, lang=lang), "ladder_indicators",
              tr(lang, "ตัวชี้วัดบันไดผลลัพธ์", "Outcome ladder indicators"),
              files=_ladder_numbers(frame, lang),
              note=tr(lang, "n คือจำนวนข้อมูล (คน ครัวเรือน หรือรายการ) ที่ใช้คำนวณผลของตัวชี้วัด",
                        "n is the number of records (people, households or entries) behind "
                        "each result."))
    if frame["baseline"].notna().any():
        explain(ctx, lang,
                  "ความก้าวหน้าจากค่าฐาน = (ผลที่ได้ − ค่าฐาน) ÷ (เป้าหมาย − ค่าฐาน) × 100 "
                  "สำหรับตัวชี้วัดที่ต้องการให้ลดลงคิดกลับทิศ: 0% คือยังเท่าค่าฐาน 100% คือถึงเป้า "
                  "ส่วนร้อยละของเป้าหมายคือผลที่ได้ ÷ เป้าหมาย × 100",
                  "Progress from the baseline = (actual − baseline) ÷ (target − baseline) × "
                  "100, the other way round for indicators meant to fall: 0% means no change "
                  "from the baseline, 100% the target reached. Percent of target is actual ÷ "
                  "target × 100.")
    out["by_sex"] = _ladder_by_sex(v, ctx, lang, partial_threshold) if chart else {}
    out["highest_step_achieved"] = top
    return out


def _ladder_by_sex(v, ctx, lang, partial_threshold) -> dict:
    """The village's indicators split by sex (people and household indicators), when the
    village has women and men; small groups (fewer than 3 records) and the next
    smallest group show no value (:func:`evaluation.disclosure.suppress_small_cells`)."""
    import warnings

    from ..ladder import evaluate_ladder
    from ..ladder_export import MIN_CELL, split_table

    sexes = v.participants.get("sex", pd.Series(dtype=object)).dropna()
    if sexes.nunique() < 2:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = evaluate_ladder(v, by=["village_id", "sex"], on_error="warn",
                                partial_threshold=partial_threshold)
    frame = frame[frame["level"] == "village"]
    if frame.empty:
        return {}
    min_cell = max(MIN_CELL, getattr(ctx, "min_cell", MIN_CELL))
    count_small_groups(ctx, frame, min_cell)
    show_table(ctx, split_table(frame, "sex", lang=lang, min_cell=min_cell), "ladder_by_sex",
               tr(lang, "ตัวชี้วัดแยกตามเพศ", "Indicators by sex"),
               note=tr(lang, "เฉพาะตัวชี้วัดที่คำนวณจากคนหรือครัวเรือน (ครัวเรือนจัดตามเพศของสมาชิก"
                             f"กลุ่มเป้าหมายคนแรก) กลุ่มที่มีข้อมูลน้อยกว่า {min_cell} รายการไม่แสดงค่า "
                             "และซ่อนอีกกลุ่มด้วยเพื่อไม่ให้คำนวณย้อนกลับจากผลรวมได้",
                       "Indicators computed over people or households only (a household "
                       "counts under the sex of its first listed target participant); groups "
                       f"with fewer than {min_cell} records show no value, nor does the next "
                       "smallest group (it could be worked back from the total)."))
    return R.jsonable({ind: dict(zip(sub["sex"].astype(str), sub["actual"]))
                       for ind, sub in frame.groupby("indicator_id", sort=False)})


def _highest_step(frame: pd.DataFrame) -> int | None:
    top = None
    for step, sub in frame.groupby("step", sort=True):
        if (sub["status"] == "achieved").all():
            top = int(step)
        else:
            break
    return top


# =========================================================================== happiness
@report_section
def section_happiness(project, ctx, *, lang: str | None = None, village_id: str | None = None,
                      instruments=None, before: str = "pre", after: str = "post",
                      heading: bool = True) -> dict:
    """Happiness: mean per wave, individual change, band transitions, attrition.

    One sub-section per instrument in the data (``tmhi15`` first).

    Returns
    -------
    dict
        ``{instrument_id: {...}}`` with ``wave_means`` (``{wave: mean}``),
        ``wave_n``, ``mean_diff, ci_low, ci_high, n_pairs, share_improved,
        n_improved, n_same, n_worse, p_t, p_wilcoxon`` (``before → after``),
        ``n_top_before, n_top_after, p_mcnemar`` (band transitions, when the
        instrument has bands) and ``attrition`` (``n_persons, n_pre,
        n_during, n_post, n_complete``).
    """
    from ..charts import happiness as hch
    from ..happiness import CONTRASTS, band_transitions, happiness_change

    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    if heading:
        section_heading(ctx, lang, "ความสุขของผู้เข้าร่วม", "Happiness of the participants")
    present = R.instruments_present(v)
    chosen = present if instruments is None else [i for i in ([instruments] if isinstance(
        instruments, str) else instruments) if i in present]
    if not chosen:
        return no_data(ctx, lang, "หมู่บ้านนี้ยังไม่มีข้อมูลแบบประเมินความสุข",
                         "There are no happiness assessments for this village.")
    explain(ctx, lang,
              "ผู้เข้าร่วมตอบแบบประเมินความสุขก่อน ระหว่าง และหลังโครงการ การเปรียบเทียบก่อน–หลังใช้เฉพาะคนที่ตอบครบทั้งสองครั้ง "
              "(ข้อมูลคู่) ตัวเลขในวงเล็บคือช่วงความเชื่อมั่น 95% ซึ่งบอกว่าค่าจริงน่าจะอยู่ในช่วงใด",
              "Participants answered the happiness assessment before, during and after the "
              "project. Before–after comparisons use only the people who answered both "
              "times (paired data). Brackets give the 95% confidence interval: the range "
              "in which the true value probably lies.")
    out = {}
    for inst in chosen:
        sc = R.scores(v, inst)
        name = R.instrument_name(v, inst, lang)
        short = R.instrument_short(v, inst, lang)
        ctx.heading(name, level=3)
        valid = sc[sc["total"].notna()]
        waves = R.waves_present(valid)
        res: dict = {"instrument": inst}
        if too_few(ctx, lang, valid["person_id"].nunique(), f"ผลของ{short}", f"{short} results"):
            out[inst] = {"instrument": inst, "suppressed": True}
            continue
        if not waves:
            res.update(no_data(ctx, lang, "ยังคำนวณคะแนนไม่ได้ (คำตอบไม่ครบ)",
                                 "No score could be computed (too many missing answers)."))
            out[inst] = res
            continue
        means = hch.wave_means(valid)
        res["wave_means"] = R.jsonable(dict(zip(means["wave"].astype(str), means["mean"])))
        res["wave_n"] = R.jsonable(dict(zip(means["wave"].astype(str), means["n"])))
        hi_total = R.instrument_obj(v, inst).total_range[1]
        mean_text = ", ".join(
            f"{wave_name(str(w), lang)} {F.num(m)} (n = {int(n):,d})"
            for w, m, n in zip(means["wave"], means["mean"], means["n"]))
        fig = hch.waves_chart(valid, lang=lang, means=means)
        ctx.figure(fig, f"happiness_waves_{inst}",
                   tr(lang, f"คะแนนเฉลี่ยแต่ละช่วง: {name}", f"Mean score by wave: {name}"),
                   tr(lang, f"คะแนนเฉลี่ย (เต็ม {F.num(hi_total, 0)} คะแนน) {mean_text} "
                              "เส้นตั้งคือช่วงความเชื่อมั่น 95% ของค่าเฉลี่ย",
                        f"Mean score (out of {F.num(hi_total, 0)} points): {mean_text}. "
                        "Vertical lines are 95% confidence intervals of the means."))
        if before in waves and after in waves:
            contrasts = [c for c in CONTRASTS if c[0] in waves and c[1] in waves]
            three = len(contrasts) >= 3
            if three:   # omnibus first, then the pairs with Holm-adjusted p-values
                from .comparison import HOLM_NOTE, three_waves_block

                res["omnibus"] = three_waves_block(ctx, lang, valid, dv="total",
                                                   subject="person_id",
                                                   name=f"happiness_{inst}", what=short)
            change = happiness_change(sc, contrasts=contrasts,
                                      padjust="holm" if three else None)
            table = _change_table(change, lang)
            note = tr(lang, "t-test แบบจับคู่ และ Wilcoxon signed-rank ทดสอบว่าคะแนนเปลี่ยนจริงหรือไม่ "
                              "ค่า p น้อยกว่า 0.05 หมายความว่าการเปลี่ยนแปลงไม่น่าจะเกิดจากความบังเอิญ",
                        "The paired t-test and the Wilcoxon signed-rank test ask whether "
                        "the score really changed; p below 0.05 means the change is "
                        "unlikely to be chance.")
            if three:
                note = f"{note} {tr(lang, *HOLM_NOTE)}"
            show_table(ctx, table, f"happiness_change_{inst}",
                      tr(lang, f"การเปลี่ยนแปลงของคะแนน: {short}", f"Change in score: {short}"),
                      decimals=2, formatters={c: format_p for c in table.columns
                                              if str(c).startswith("p (")},
                      note=note)
            at = (change["wave_before"] == before).to_numpy(bool) \
                & (change["wave_after"] == after).to_numpy(bool)
            main = change.iloc[int(np.flatnonzero(at)[0])]
            for k in ("mean_diff", "ci_low", "ci_high", "n_pairs", "share_improved",
                      "n_improved", "n_same", "n_worse", "p_t", "p_wilcoxon"):
                res[k] = R.jsonable(main[k])
            sentence = F.change_sentence(
                f"คะแนนเฉลี่ยจาก{wave_name(before, 'th')}ถึง{wave_name(after, 'th')}โครงการ",
                f"The mean score from {wave_name(before, 'en').lower()} to "
                f"{wave_name(after, 'en').lower()}",
                main["mean_diff"], main["ci_low"], main["ci_high"], main["n_pairs"], lang)
            counts = tr(lang, f" ดีขึ้น {int(main['n_improved']):,d} คน เท่าเดิม "
                                f"{int(main['n_same']):,d} คน แย่ลง {int(main['n_worse']):,d} คน",
                          f" {int(main['n_improved']):,d} improved, {int(main['n_same']):,d} "
                          f"stayed the same and {int(main['n_worse']):,d} got worse.")
            ctx.figure(hch.slope_chart(sc, before=before, after=after, lang=lang),
                       f"happiness_individual_{inst}",
                       tr(lang, f"คะแนนรายบุคคล: {name}", f"Individual scores: {name}"),
                       sentence + counts)
            if R.instrument_obj(v, inst).bands:
                res.update(_bands(v, sc, ctx, lang, inst, short, before, after,
                                  band_transitions, hch))
        else:
            no_data(ctx, lang, f"ยังเปรียบเทียบ{wave_name(before, 'th')}–{wave_name(after, 'th')}ไม่ได้ "
                                 f"เพราะมีข้อมูลเฉพาะช่วง: {', '.join(wave_name(w, 'th') for w in waves)}",
                      f"No {before}–{after} comparison: scores exist only for "
                      f"{', '.join(wave_name(w, 'en') for w in waves)}.")
        att = R.attrition_summary(v, inst).iloc[0]
        res["attrition"] = R.jsonable({k: att[k] for k in att.index
                                       if k.startswith("n_") or k == "share_complete"})
        show_table(ctx, _attrition_table(att, lang), f"happiness_attrition_{inst}",
                  tr(lang, f"จำนวนผู้ตอบแต่ละช่วง: {short}", f"Respondents per wave: {short}"),
                  note=tr(lang, f"ตอบครบทุกช่วง {int(att['n_complete']):,d} จาก "
                                  f"{int(att['n_persons']):,d} คน; การเปรียบเทียบใช้เฉพาะคนที่มีข้อมูลคู่",
                            f"{int(att['n_complete']):,d} of {int(att['n_persons']):,d} answered "
                            "every wave; comparisons use people with paired data only."))
        out[inst] = res
    return out


def _change_table(change: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    return pd.DataFrame({
        t("ช่วงที่เปรียบเทียบ", "Comparison"): [
            f"{wave_name(a, lang)} → {wave_name(b, lang)}"
            for a, b in zip(change["wave_before"], change["wave_after"])],
        t("จำนวนคู่ (n)", "Pairs (n)"): change["n_pairs"].astype(int).to_numpy(),
        t("ค่าเฉลี่ยก่อน", "Mean before"): change["mean_before"].to_numpy(dtype=float),
        t("ค่าเฉลี่ยหลัง", "Mean after"): change["mean_after"].to_numpy(dtype=float),
        t("เปลี่ยนแปลงเฉลี่ย", "Mean change"): change["mean_diff"].to_numpy(dtype=float),
        t("95% CI ต่ำสุด", "95% CI low"): change["ci_low"].to_numpy(dtype=float),
        t("95% CI สูงสุด", "95% CI high"): change["ci_high"].to_numpy(dtype=float),
        t("p (t-test)", "p (t-test)"): change["p_t"].to_numpy(dtype=float),
        t("p (Wilcoxon)", "p (Wilcoxon)"): change["p_wilcoxon"].to_numpy(dtype=float),
        **({t("p (t-test) ปรับ Holm", "p (t-test), Holm-adjusted"):
            change["p_t_adj"].to_numpy(dtype=float),
            t("p (Wilcoxon) ปรับ Holm", "p (Wilcoxon), Holm-adjusted"):
            change["p_wilcoxon_adj"].to_numpy(dtype=float)}
           if "p_t_adj" in change.columns else {}),
        t("ดีขึ้น (คน)", "Improved"): change["n_improved"].astype(int).to_numpy(),
        t("เท่าเดิม (คน)", "Same"): change["n_same"].astype(int).to_numpy(),
        t("แย่ลง (คน)", "Worse"): change["n_worse"].astype(int).to_numpy(),
    })


def _attrition_table(att: pd.Series, lang: str) -> pd.DataFrame:
    from ..schema import WAVES

    rows = [(tr(lang, "ผู้ตอบอย่างน้อยหนึ่งครั้ง", "Answered at least once"), att["n_persons"])]
    for w in WAVES:
        if f"n_{w}" in att.index:
            rows.append((tr(lang, f"ตอบช่วง{wave_name(w, 'th')}",
                              f"Answered {wave_name(w, 'en').lower()}"),
                         att[f"n_{w}"]))
    rows.append((tr(lang, "ตอบครบทุกช่วง", "Answered every wave"), att["n_complete"]))
    rows.append((tr(lang, "มีทั้งก่อนและหลัง (ข้อมูลคู่)", "Both before and after (pairs)"),
                 att["n_pre_post"]))
    return pd.DataFrame({tr(lang, "รายการ", "Item"): [r[0] for r in rows],
                         tr(lang, "จำนวน (คน)", "People"): [int(r[1]) for r in rows]})


def _band_cross_table(table: pd.DataFrame, label_col: str, after_col: str, *,
                      before_name: str, after_name: str, first: str) -> pd.DataFrame:
    """People per band before (rows) × band after (columns), bands lowest first.

    ``table`` is :func:`evaluation.band_transitions`'s table of one instrument
    (every band combination listed once, so every cell has a count); a
    band's rank orders it and gives its label. Built with NumPy: the same
    table as ``pivot_table(aggfunc="sum")`` at a tenth of its cost.
    """
    rank_b = table["band_before_rank"].to_numpy(dtype=np.int64)
    rank_a = table["band_after_rank"].to_numpy(dtype=np.int64)
    label_b = dict(zip(rank_b.tolist(), table[label_col]))
    label_a = dict(zip(rank_a.tolist(), table[after_col]))
    rows, cols = np.array(sorted(label_b)), np.array(sorted(label_a))
    counts = np.zeros((len(rows), len(cols)), dtype=np.int64)
    np.add.at(counts, (np.searchsorted(rows, rank_b), np.searchsorted(cols, rank_a)),
              table["n"].to_numpy(dtype=np.int64))
    cross = pd.DataFrame(counts, columns=[f"{after_name}: {label_a[r]}" for r in cols.tolist()])
    cross.insert(0, first, [f"{before_name}: {label_b[r]}" for r in rows.tolist()])
    return cross


def _bands(v, sc, ctx, lang, inst, name, before, after, band_transitions, hch) -> dict:
    bt = band_transitions(sc, before=before, after=after)
    table, test = bt.table, bt.test.iloc[0]
    if int(test["n_pairs"]) == 0:
        return {}
    label_col = "band_before_label" if lang == "th" else "band_before_label_en"
    after_col = "band_after_label" if lang == "th" else "band_after_label_en"
    if label_col not in table.columns:
        label_col, after_col = "band_before", "band_after"
    cross = _band_cross_table(table, label_col, after_col, before_name=wave_name(before, lang),
                              after_name=wave_name(after, lang),
                              first=tr(lang, "กลุ่มคะแนน", "Band"))
    top_label = table.loc[table["band_after_rank"].idxmax(), after_col]
    p = test["p_value"]
    p_text = "–" if pd.isna(p) else f"{p:.3f}"
    caption = tr(
        lang, f"จำนวนคนในกลุ่ม '{top_label}' เปลี่ยนจาก {int(test['n_top_before']):,d} "
              f"เป็น {int(test['n_top_after']):,d} คน จาก {int(test['n_pairs']):,d} คนที่มีข้อมูลคู่ "
              f"(McNemar p = {p_text})",
        f"People in the '{top_label}' band went from {int(test['n_top_before']):,d} to "
        f"{int(test['n_top_after']):,d} of {int(test['n_pairs']):,d} with paired data "
        f"(McNemar p = {p_text}).")
    ctx.figure(hch.band_transition_chart(table, before=before, after=after, lang=lang),
               f"happiness_bands_{inst}",
               tr(lang, f"การย้ายกลุ่มคะแนน: {name}", f"Band transitions: {name}"), caption)
    show_table(ctx, cross, f"happiness_bands_{inst}",
              tr(lang, f"การย้ายกลุ่มคะแนน (คน): {name}", f"Band transitions (people): {name}"))
    return {"n_top_before": int(test["n_top_before"]), "n_top_after": int(test["n_top_after"]),
            "band_pairs": int(test["n_pairs"]), "p_mcnemar": R.jsonable(p)}


# =========================================================================== lessons
def _has_word(texts: pd.Series) -> bool:
    """Whether some text has a letter or digit (so it is not blank, however blank is
    defined): checked in Python before the column-wide pandas test."""
    return any(isinstance(x, str) and any(c.isalnum() for c in x) for x in texts.tolist())


def _shown_keywords(kw: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first `n` keywords that are not redaction tokens (``[ชื่อ-1]`` gives ชื่อ).

    The rows of ``kw[~kw["word"].astype(str).str.lower().isin(_TOKEN_WORDS)].head(n)``,
    picked in Python when every word is ASCII or Thai text (whose lower case is the
    same for Python and for pandas' Arrow strings).
    """
    found = kw["word"].tolist()
    if not all(isinstance(w, str) for w in found) or not _ASCII_THAI.fullmatch("".join(found)):
        return kw[~kw["word"].astype(str).str.lower().isin(_TOKEN_WORDS)].head(n)
    keep = [i for i, w in enumerate(found) if w.lower() not in _TOKEN_WORDS]
    return kw.iloc[keep[:n]]


def _top_themes(summary: pd.DataFrame, n: int) -> list[dict]:
    """The first `n` themes with sentences, most first, as plain rows (the summary
    has a few rows): the rows of ``summary.sort_values("n_sentences",
    ascending=False, kind="stable")`` with ``n_sentences > 0``, then ``head(n)``
    (ties stay in codebook order)."""
    cols = ("theme", "theme_th", "theme_en", "n_sentences", "share_of_sentences")
    rows = list(zip(*(summary[c].tolist() for c in cols)))
    return [dict(zip(cols, r)) for r in sorted(rows, key=lambda r: -r[3]) if r[3] > 0][:n]


@report_section
def section_lessons(project, ctx, *, lang: str | None = None, village_id: str | None = None,
                    show_raw_text: bool = False, n_themes: int = 3, n_quotes: int = 2,
                    n_keywords: int = 15, codebook=None, heading: bool = True) -> dict:
    """Lessons learned: themes, keywords and quotes, with personal data masked.

    Text is always redacted with :func:`evaluation.privacy.redact_frame`
    (participants' names, titles + names, national ids, phones, e-mails)
    before any analysis, unless ``show_raw_text=True`` is passed explicitly;
    then the texts are also shown in full (escaped) for the evaluator.

    Returns
    -------
    dict
        ``n_texts``, ``n_sentences``, ``redacted`` (bool), ``themes``
        (``{theme_id: n_sentences}``), ``top_themes`` (ids), ``keywords``
        (list of words shown), ``quotes`` (list of quote texts shown).
    """
    from ..lessons import code_themes, keywords, prepare_lessons, quoted_sections
    from ..privacy import names_from_participants, redact_frame

    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    if heading:
        section_heading(ctx, lang, "บทเรียนที่ได้", "Lessons learned")
    lessons = v.lessons
    if lessons.empty or (not _has_word(lessons["text"])
                         and lessons["text"].fillna("").str.strip().eq("").all()):
        return no_data(ctx, lang, "หมู่บ้านนี้ยังไม่มีบันทึกการถอดบทเรียน",
                         "There are no lessons-learned texts for this village.")
    redacted = not show_raw_text
    source = redact_frame(lessons, participants=v.participants, labels=lang) if redacted \
        else lessons
    prepared = prepare_lessons(source)
    themes = code_themes(prepared, codebook)
    summary = themes.summary
    explain(ctx, lang,
              "ข้อความจากเวทีถอดบทเรียนถูกแบ่งเป็นประโยค แล้วจัดเข้าประเด็นตามคำสำคัญในสมุดรหัส (codebook) "
              "ชื่อบุคคล เลขประจำตัวประชาชน และเบอร์โทรศัพท์ถูกปิดไว้ทั้งหมด",
              "The lessons-learned texts are split into sentences and coded into themes with "
              "the codebook's terms. Personal names, national ID numbers and phone numbers "
              "are masked.")
    if not redacted:
        ctx.note(tr(lang, "คำเตือน: รายงานนี้แสดงข้อความดิบที่ไม่ได้ปิดข้อมูลส่วนบุคคล ห้ามเผยแพร่",
                      "Warning: this report shows the raw text without masking personal data. "
                      "Do not share it."))
    n_sent = int(len(themes.sentences))
    top = _top_themes(summary, n_themes)
    name_col = "theme_th" if lang == "th" else "theme_en"
    if len(top):
        first = top[0]
        caption = tr(lang, f"จาก {n_sent:,d} ประโยค ประเด็นที่กล่าวถึงมากที่สุดคือ '{first['theme_th']}' "
                             f"({int(first['n_sentences']):,d} ประโยค, {F.pct(first['share_of_sentences'])})",
                       f"Of {n_sent:,d} sentences, the most frequent theme is "
                       f"'{first['theme_en']}' ({int(first['n_sentences']):,d} sentences, "
                       f"{F.pct(first['share_of_sentences'])}).")
        if len(top) > 1:
            rest = ", ".join(f"'{r[name_col]}' ({int(r['n_sentences']):,d})" for r in top[1:])
            caption += tr(lang, f" รองลงมาคือ {rest}", f" Next come {rest}.")
    else:
        caption = tr(lang, f"ไม่พบประเด็นจากสมุดรหัสใน {n_sent:,d} ประโยค",
                       f"No codebook theme was found in {n_sent:,d} sentences.")
    ctx.figure(theme_bars(summary, lang=lang), "lesson_themes",
               tr(lang, "ประเด็นบทเรียน", "Lesson themes"), caption)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    show_table(ctx, pd.DataFrame({
        t("ประเด็น", "Theme"): summary[name_col].astype(str).to_numpy(),
        t("จำนวนประโยค", "Sentences"): summary["n_sentences"].astype(int).to_numpy(),
        t("ร้อยละของประโยค", "Share of sentences (%)"):
            100 * summary["share_of_sentences"].to_numpy(dtype=float),
    }), "lesson_themes", t("ประเด็นบทเรียน", "Lesson themes"), decimals=1)
    kw = _shown_keywords(keywords(prepared, by=None, top=None, rank_by="count"), n_keywords)
    words = kw["word"].astype(str).tolist()
    if len(kw):
        top5 = list(zip(kw["word"].tolist()[:5], kw["count"].tolist()[:5]))
        ctx.figure(keyword_bars(kw, top=n_keywords, lang=lang), "lesson_keywords",
                   t("คำสำคัญ", "Keywords"),
                   t("คำที่พบบ่อยที่สุด: " + ", ".join(f"{w} ({int(c):,d})" for w, c in top5),
                     "Most frequent words: " + ", ".join(f"{w} ({int(c):,d})" for w, c in top5)
                     + "."))
    shown_quotes = []
    rows = []
    names = names_from_participants(v.participants)   # once, not once per theme
    for r in top:
        for section, quote in quoted_sections(themes, r["theme"], n=n_quotes, names=names,
                                              redact=redacted, labels=lang):
            rows.append({t("ประเด็น", "Theme"): r[name_col], t("หัวข้อ", "Section"): section,
                         t("ข้อความ", "Quote"): quote})
            shown_quotes.append(quote)
    if rows:
        show_table(ctx, pd.DataFrame(rows), "lesson_quotes",
                  t("ตัวอย่างข้อความ", "Example quotes"),
                  note=t("ข้อความที่อยู่ใน [ ] คือข้อมูลส่วนบุคคลที่ถูกปิดไว้" if redacted else
                         "ข้อความดิบ (ไม่ได้ปิดข้อมูลส่วนบุคคล)",
                         "Text in [ ] is personal data that has been masked." if redacted else
                         "Raw text (personal data not masked)."))
    if not redacted:
        ctx.heading(t("ข้อความเต็ม", "Full texts"), level=3)
        for r in lessons.itertuples():
            ctx.heading(str(r.section), level=4)
            ctx.paragraph(str(r.text))
    return {"n_texts": int(len(lessons)), "n_sentences": n_sent, "redacted": redacted,
            "themes": {str(k): int(n) for k, n in zip(summary["theme"].tolist(),
                                                        summary["n_sentences"].tolist())},
            "top_themes": [str(r["theme"]) for r in top], "keywords": words,
            "quotes": shown_quotes}


# =========================================================================== all
#: Section functions of the village report, in report order.
VILLAGE_SECTIONS = ("cover", "key_results", "ladder", "happiness", "money", "comparison",
                    "accounts", "lessons", "data_quality", "methods")


def _section_functions() -> dict:
    from .methods import section_data_quality, section_methods

    return {**{n: globals()[f"section_{n}"] for n in VILLAGE_SECTIONS[:-2]
               if n != "comparison"},   # comparison: run with the whole program (below)
            "data_quality": section_data_quality, "methods": section_methods}


def run_village_sections(project, ctx, *, village_id: str | None = None,
                         lang: str | None = None, show_raw_text: bool = False,
                         parameters: dict | None = None) -> dict:
    """Run every village section in order (what the village notebook does cell by cell).

    Returns
    -------
    dict
        ``{section_name: returned dict}``.
    """
    v = R.one_village(project, village_id)
    funcs = _section_functions()
    out = {}
    for name in VILLAGE_SECTIONS:
        if name == "comparison":   # needs the whole program (comparison villages)
            from .comparison import section_comparison

            vid = village_id if village_id is not None else (v.village_ids or [None])[0]
            out[name] = (section_comparison(project, ctx, lang=lang, village_id=vid)
                         if vid is not None else {"shown": False})
            continue
        func = funcs[name]
        if name == "lessons":
            out[name] = func(v, ctx, lang=lang, show_raw_text=show_raw_text)
        elif name == "methods":
            out[name] = func(v, ctx, lang=lang, parameters=parameters)
        else:
            out[name] = func(v, ctx, lang=lang)
    return out
