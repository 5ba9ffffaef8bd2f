"""Sections of the portfolio report: all villages of a project (or of the data folder).

Each ``section_<name>(project, ctx, *, lang=None, project_id=None, **options)``
takes a loaded :class:`~evaluation.project.Project` (restricted to
`project_id` when given), shows its charts and tables through the
:class:`~evaluation.reporting.context.ReportContext` and returns the key numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import results as R
from ..disclosure import small_count_label
from ..i18n import MEASURE_LABELS, STATUS_LABELS, tr, wave_name
from . import fmt as F
from .context import (count_small_groups, explain, no_data, report_section, resolve_lang,
                      section_heading, show_table, small_counts, suppress_headline,
                      suppressed_sentence)
from ..charts.sections import forest_plot, theme_heatmap

__all__ = [
    "PORTFOLIO_SECTIONS",
    "run_portfolio_sections",
    "section_finance_by_village",
    "section_happiness_forest",
    "section_ladder_heatmap",
    "section_model_households",
    "section_portfolio_cover",
    "section_portfolio_data_quality",
    "section_themes_across",
    "section_village_table",
]


def scope(project, project_id: str | None = None):
    """`project` restricted to one project (``None``: everything), program villages only.

    Comparison villages (``villages.arm = comparison``) are left out of every
    portfolio section except :func:`evaluation.reporting.section_comparison`.
    """
    from ..arms import comparison_mask
    from ..ladder import restrict_project

    if not (project_id is None or (isinstance(project_id, float) and pd.isna(project_id))):
        project = project.project(str(project_id))
    if comparison_mask(project.villages).any():
        project = restrict_project(project, project.village_ids)
    return project


def name_list(names: list[str], lang: str, *, limit: int = 10) -> str:
    """``"A, B, C"``; longer lists end with "… and N more" (Thai: "และอีก N หมู่บ้าน")."""
    if not names:
        return tr(lang, "ไม่มี", "none")
    if len(names) <= limit:
        return ", ".join(names)
    rest = len(names) - limit
    return ", ".join(names[:limit]) + tr(lang, f" และอีก {rest:,d} หมู่บ้าน",
                                           f" and {rest:,d} more")


def village_labels(project) -> dict[str, str]:
    """``{village_id: "V01 บ้าน…"}`` in file order."""
    return {str(r.village_id): f"{r.village_id} {F.text_or_dash(r.name)}"
            for r in project.villages.itertuples()}


# =========================================================================== cover
@report_section
def section_portfolio_cover(project, ctx, *, lang: str | None = None,
                            project_id: str | None = None, heading: bool = True) -> dict:
    """Cover of the portfolio: projects, villages, participants, period.

    Returns
    -------
    dict
        ``project_ids``, ``n_villages``, ``n_participants``, ``n_households``,
        ``period_start``, ``period_end`` (display text).
    """
    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    projects = p.projects
    if project_id is not None and len(projects) == 1:
        title = f"{t('รายงานภาพรวมโครงการ', 'Portfolio report')}: {F.text_or_dash(projects['name'].iloc[0])}"
    else:
        title = t("รายงานภาพรวมทุกโครงการ", "Portfolio report: all projects")
    ctx.set_title(title)
    if heading:
        ctx.heading(title, level=1)
    start = F.date(projects["start_date"].min(), lang) if len(projects) else "–"
    end = F.date(projects["end_date"].max(), lang) if len(projects) else "–"
    from ..arms import comparison_mask

    comp = comparison_mask(p.villages)
    program_villages = p.villages[~comp]   # comparison villages: their own section
    # scope() has already left the comparison villages out: count them in the whole scope
    whole = project if project_id is None else project.project(str(project_id))
    n_comparison = int(comparison_mask(whole.villages).sum())
    people = p.participants[p.participants["village_id"].isin(program_villages["village_id"])]
    facts = {
        t("โครงการ", "Projects"): "; ".join(f"{F.text_or_dash(r.name)} ({r.project_id})"
                                            for r in projects.itertuples()) or "–",
        t("ระยะเวลา", "Period"): f"{start} – {end}",
        t("หมู่บ้าน", "Villages"): f"{len(program_villages):,d}",
        t("ผู้เข้าร่วม", "Participants"): f"{len(people):,d} {t('คน', 'people')}",
        t("ครัวเรือน", "Households"): f"{people['household_id'].nunique():,d}",
    }
    if n_comparison:
        facts[t("หมู่บ้านกลุ่มเปรียบเทียบ", "Comparison villages")] = f"{n_comparison:,d}"
    ctx.facts(facts)
    rows = []
    for r in program_villages.itertuples():
        sub = people[people["village_id"] == r.village_id]
        rows.append({t("รหัส", "ID"): r.village_id, t("หมู่บ้าน", "Village"): r.name,
                     t("ที่ตั้ง", "Location"): F.place_text(r._asdict(), lang),
                     t("โครงการ", "Project"): r.project_id,
                     t("ผู้เข้าร่วม (คน)", "Participants"): int(len(sub)),
                     t("ครัวเรือน", "Households"): int(sub["household_id"].nunique())})
    rows = pd.DataFrame(rows)
    if len(rows):
        rows = small_counts(ctx, rows, rows.columns[-2:])
    show_table(ctx, rows, "villages", t("หมู่บ้านในรายงาน", "Villages in this report"))
    ctx.headline("villages", len(program_villages), label=t("หมู่บ้าน", "Villages"))
    ctx.headline("participants", len(people), label=t("ผู้เข้าร่วม", "Participants"))
    return {"project_ids": projects["project_id"].astype(str).tolist(),
            "n_villages": int(len(program_villages)), "n_participants": int(len(people)),
            "n_comparison_villages": n_comparison,
            "n_households": int(people["household_id"].nunique()),
            "period_start": start, "period_end": end}


def _suppress_villages(ctx, frame: pd.DataFrame):
    """Village rows of a forest-plot frame (``label, mean_diff, ci_low, ci_high,
    n_pairs``) about too few people hidden, with the next smallest village too
    when one alone would follow from a total; adds ``suppressed`` and
    ``n_shown`` (display text of n)."""
    frame = frame.reset_index(drop=True)
    if getattr(ctx, "suppress", None) is None:
        return frame.assign(suppressed=False, n_shown=frame["n_pairs"].astype(int)), \
            [False] * len(frame)
    shown = ctx.suppress(frame, n="n_pairs", columns=["mean_diff", "ci_low", "ci_high"])
    hidden = shown["mean_diff"].isna() & frame["mean_diff"].notna()
    hidden |= shown["n_pairs"].astype(str).str.startswith("<")
    out = frame.copy()
    out.loc[hidden, ["mean_diff", "ci_low", "ci_high"]] = np.nan
    out["suppressed"] = hidden.to_numpy()
    out["n_shown"] = shown["n_pairs"].to_numpy()
    return out, list(hidden)


# =========================================================================== village table
@report_section
def section_village_table(project, ctx, *, lang: str | None = None,
                          project_id: str | None = None, instrument: str | None = None,
                          heading: bool = True) -> dict:
    """Table of villages × headline indicators (with n and 95% intervals).

    Returns
    -------
    dict
        ``{village_id: headline figures}`` (:func:`evaluation.results.headline_figures`).
    """
    from ..results import headline_figures

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "ผลลัพธ์สำคัญรายหมู่บ้าน", "Key results by village")
    if p.villages.empty:
        return no_data(ctx, lang, "ไม่มีหมู่บ้านในข้อมูล", "There are no villages in the data.")
    inst = R.main_instrument(p, instrument)
    short = R.instrument_short(p, inst, lang)
    figs = {v: headline_figures(p.village(v), instrument=inst) for v in p.village_ids}
    small = small_count_label(getattr(ctx, "min_cell", 3))
    rows = []
    for v, f in figs.items():
        f, hidden = suppress_headline(ctx, f)
        figs[v] = f
        rows.append({
            t("หมู่บ้าน", "Village"): f"{v} {F.text_or_dash(f['name'])}",
            t("ผู้เข้าร่วม (คน)", "Participants"):
                small if "n_participants" in hidden else f["n_participants"],
            t("ครัวเรือน", "Households"): small if "n_households" in hidden else f["n_households"],
            t(f"ความสุขเปลี่ยนไป ({short}, คะแนน)", f"Happiness change ({short}, points)"):
                F.estimate_cell(f["happiness_mean_change"], f["happiness_ci_low"],
                                f["happiness_ci_high"], f["happiness_n"], lang),
            t("ความสุขเพิ่มขึ้น", "Happier"): F.pct(f["happiness_share_improved"]),
            t("รายได้ต่อเดือนเปลี่ยนไป (บาท)", "Monthly income change (baht)"):
                F.estimate_cell(f["income_mean_change"], f["income_ci_low"],
                                f["income_ci_high"], f["income_n"], lang, unit="baht"),
            t("บันไดผลลัพธ์ (บรรลุ/ทั้งหมด)", "Ladder (achieved/all)"):
                f"{f['ladder_achieved']}/{f['ladder_total']}" if f["ladder_total"] else "–",
            t("สถานะ", "Status"): STATUS_LABELS[lang][f["status"]],
        })
    show_table(ctx, pd.DataFrame(rows), "village_headlines",
              t("ผลลัพธ์สำคัญรายหมู่บ้าน", "Key results by village"),
              note=t("การเปลี่ยนแปลงเฉลี่ยจากก่อนถึงหลังโครงการ ในวงเล็บคือช่วงความเชื่อมั่น 95% n คือจำนวนคนหรือครัวเรือนที่มีข้อมูลคู่ "
                     "สถานะ: ตามเป้าหมาย = บรรลุอย่างน้อย 80% ของตัวชี้วัดที่มีข้อมูล บรรลุบางส่วน = 50–79%",
                     "Mean change from before to after; brackets give the 95% confidence "
                     "interval, n the people or households with paired data. Status: on track "
                     "= at least 80% of indicators with data achieved, partly = 50–79%."))
    statuses = pd.Series([f["status"] for f in figs.values()]).value_counts()
    ctx.paragraph(t("สถานะของหมู่บ้าน: " + ", ".join(
        f"{STATUS_LABELS['th'][s]} {int(n):,d}" for s, n in statuses.items()) + " หมู่บ้าน",
        "Village status: " + ", ".join(f"{STATUS_LABELS['en'][s].lower()} {int(n):,d}"
                                       for s, n in statuses.items()) + "."))
    return figs


# =========================================================================== forest plot
@report_section
def section_happiness_forest(project, ctx, *, lang: str | None = None,
                             project_id: str | None = None, instrument: str | None = None,
                             before: str = "pre", after: str = "post",
                             heading: bool = True) -> dict:
    """Forest plot of the mean happiness change and its 95% CI per village, plus all villages.

    Returns
    -------
    dict
        ``{village_id: {mean_diff, ci_low, ci_high, n_pairs}}`` and
        ``"all"`` (everyone pooled), ``instrument``.
    """
    from ..happiness import happiness_change

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "การเปลี่ยนแปลงของความสุขรายหมู่บ้าน", "Change in happiness by village")
    inst = R.main_instrument(p, instrument)
    sc = R.scores(p, inst) if inst else pd.DataFrame()
    if sc.empty:
        return no_data(ctx, lang, "ไม่มีข้อมูลแบบประเมินความสุข", "There are no happiness assessments.")
    waves = R.waves_present(sc[sc["total"].notna()])
    if before not in waves or after not in waves:
        return no_data(ctx, lang, "ยังไม่มีข้อมูลทั้งก่อนและหลังโครงการ",
                         "There are no data both before and after the project.")
    by_v = happiness_change(sc, by="village_id", contrasts=[(before, after)])
    pooled = happiness_change(sc, contrasts=[(before, after)]).iloc[0]
    labels = village_labels(p)
    order = [v for v in p.village_ids]
    by_v = by_v.set_index(by_v["village_id"].astype(str)).reindex(order)
    all_label = t("ทุกหมู่บ้านรวมกัน", "All villages")
    frame = pd.DataFrame({
        "label": [labels[v] for v in order] + [all_label],
        "mean_diff": list(by_v["mean_diff"]) + [pooled["mean_diff"]],
        "ci_low": list(by_v["ci_low"]) + [pooled["ci_low"]],
        "ci_high": list(by_v["ci_high"]) + [pooled["ci_high"]],
        "n_pairs": list(by_v["n_pairs"].fillna(0)) + [pooled["n_pairs"]],
    })
    frame, hidden = _suppress_villages(ctx, frame)
    by_v.loc[[v for v, h in zip(order, hidden) if h], ["mean_diff", "ci_low", "ci_high"]] = np.nan
    name = R.instrument_name(p, inst, lang)
    short = R.instrument_short(p, inst, lang)
    up = [labels[v] for v in order if by_v.loc[v, "ci_low"] > 0]
    down = [labels[v] for v in order if by_v.loc[v, "ci_high"] < 0]
    caption = F.change_sentence("คะแนนความสุขเฉลี่ยของทุกหมู่บ้านรวมกัน",
                                "The mean happiness score of all villages together",
                                pooled["mean_diff"], pooled["ci_low"], pooled["ci_high"],
                                pooled["n_pairs"], lang)
    caption += t(f" หมู่บ้านที่เพิ่มขึ้นชัดเจน (ช่วงความเชื่อมั่นสูงกว่าศูนย์) {len(up):,d} หมู่บ้าน: "
                 f"{name_list(up, lang)}; ลดลงชัดเจน {len(down):,d} หมู่บ้าน: {name_list(down, lang)}",
                 f" Clear rises (interval above zero), {len(up):,d}: {name_list(up, lang)}; "
                 f"clear falls, {len(down):,d}: {name_list(down, lang)}.")
    fig = forest_plot(frame[~frame["suppressed"]], label="label", unit=t("คะแนน", "points"),
                      lang=lang,
                      overall=all_label,
                      title=t(f"คะแนนความสุขเปลี่ยนไป ({short}) {wave_name(before, 'th')} → "
                              f"{wave_name(after, 'th')}",
                              f"Change in happiness score ({short}), {wave_name(before, 'en')} "
                              f"→ {wave_name(after, 'en')}"))
    ctx.figure(fig, "happiness_forest", t(f"ความสุขเปลี่ยนไปรายหมู่บ้าน: {name}",
                                          f"Happiness change by village: {name}"), caption)
    show_table(ctx, pd.DataFrame({
        t("หมู่บ้าน", "Village"): frame["label"],
        t("จำนวนคู่ (n)", "Pairs (n)"): frame["n_shown"],
        t("เปลี่ยนแปลงเฉลี่ย (คะแนน)", "Mean change (points)"): frame["mean_diff"],
        t("95% CI ต่ำสุด", "95% CI low"): frame["ci_low"],
        t("95% CI สูงสุด", "95% CI high"): frame["ci_high"],
    }), "happiness_by_village", t("ความสุขเปลี่ยนไปรายหมู่บ้าน", "Happiness change by village"),
        decimals=2)
    out = {v: R.jsonable({k: by_v.loc[v, k] for k in ("mean_diff", "ci_low", "ci_high",
                                                      "n_pairs")}) for v in order}
    out["all"] = R.jsonable({k: pooled[k] for k in ("mean_diff", "ci_low", "ci_high", "n_pairs")})
    out["instrument"] = inst
    return out


# =========================================================================== disaggregation
@report_section
def section_ladder_disaggregation(project, ctx, *, lang: str | None = None,
                                  project_id: str | None = None, heading: bool = True,
                                  splits: tuple = ("sex", "age_group")) -> dict:
    """Ladder indicators of the whole project split by sex and age group (tables).

    Only indicators computed over people or households are split; groups
    with fewer than 3 records are hidden with
    :func:`evaluation.disclosure.suppress_small_cells` (and the next smallest
    group of the indicator, so a hidden value cannot be recovered).

    Returns
    -------
    dict
        ``{project_id: {split: {indicator_id: {group: actual}}}}``.
    """
    import warnings

    from ..ladder import SPLIT_LABELS, evaluate_ladder
    from ..ladder_export import MIN_CELL, split_table

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if not p.ladders:
        return {"empty": True, "reason": "no ladder"}
    if heading:
        section_heading(ctx, lang, "ตัวชี้วัดแยกตามกลุ่มผู้เข้าร่วม", "Indicators by group of participants")
    explain(ctx, lang,
              "ตัวชี้วัดของทั้งโครงการแยกตามเพศและกลุ่มอายุ เฉพาะตัวชี้วัดที่คำนวณจากคนหรือครัวเรือน "
              "(ครัวเรือนจัดกลุ่มตามสมาชิกกลุ่มเป้าหมายคนแรก) กลุ่มที่มีข้อมูลน้อยกว่า "
              f"{max(MIN_CELL, getattr(ctx, 'min_cell', MIN_CELL))} รายการไม่แสดงค่า และซ่อนกลุ่มถัดไปด้วยเพื่อไม่ให้คำนวณย้อนกลับได้",
              "Indicators of the whole project split by sex and age group, for indicators "
              "computed over people or households (a household is grouped by its first "
              f"listed target participant). Groups with fewer than {max(MIN_CELL, getattr(ctx, 'min_cell', MIN_CELL))} records show "
              "no value, nor does the next smallest group (so it cannot be worked back).")
    out: dict = {}
    several = len(p.ladders) > 1
    for pid, lad in p.ladders.items():
        out[pid] = {}
        for split in splits:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = evaluate_ladder(p, lad, by=split, on_error="warn")
            if frame.empty or frame[split].nunique(dropna=False) < 2:
                continue
            label = SPLIT_LABELS[lang][split]
            min_cell = max(MIN_CELL, getattr(ctx, "min_cell", MIN_CELL))
            count_small_groups(ctx, frame, min_cell)
            show_table(ctx, split_table(frame, split, lang=lang, min_cell=min_cell),
                    f"ladder_by_{split}" + (f"_{pid}" if several else ""),
                    t(f"ตัวชี้วัดแยกตาม{label}", f"Indicators by {label.lower()}")
                    + (f" ({pid})" if several else ""))
            out[pid][split] = R.jsonable({
                ind: dict(zip(sub[split].astype(str), sub["actual"]))
                for ind, sub in frame.groupby("indicator_id", sort=False)})
    return out


# =========================================================================== ladder heat map
@report_section
def section_ladder_heatmap(project, ctx, *, lang: str | None = None,
                           project_id: str | None = None, heading: bool = True) -> dict:
    """Ladder achievement heat map (village × indicator) and achievement per village.

    Returns
    -------
    dict
        ``{village_id: {achieved, partial, not_achieved, no_data, total}}``.
    """
    from ..charts.ladder import ladder_heatmap

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "บันไดผลลัพธ์รายหมู่บ้าน", "Outcome ladder by village")
    if not p.ladders:
        return no_data(ctx, lang, "ยังไม่มีบันไดผลลัพธ์ (ladder.yaml)", "There is no outcome ladder (ladder.yaml).")
    frame = R.evaluate_ladder_once(p)
    frame = frame[frame["level"] == "village"]
    counts = (frame.groupby("village_id")["status"].value_counts().unstack(fill_value=0)
              .reindex(columns=["achieved", "partial", "not_achieved", "no_data"], fill_value=0))
    out = {str(v): {**{k: int(r[k]) for k in counts.columns}, "total": int(r.sum())}
           for v, r in counts.iterrows()}
    labels = village_labels(p)
    if frame["baseline"].notna().any():
        legend = t("สีเขียว = บรรลุ, สีส้ม = บรรลุบางส่วน, สีแดง = ไม่บรรลุ, สีเทา = ไม่มีข้อมูล; "
                   "ตัวเลขคือความก้าวหน้าจากค่าฐานสู่เป้าหมาย (%) ตัวเลขในวงเล็บคือร้อยละของเป้าหมาย "
                   "(ตัวชี้วัดที่ไม่มีค่าฐาน)",
                   "Green = achieved, orange = partly, red = not achieved, grey = no data; "
                   "numbers are the progress from the baseline toward the target (%); in "
                   "brackets, percent of target (indicators without a baseline).")
    else:
        legend = t("สีเขียว = บรรลุ, สีส้ม = บรรลุบางส่วน, สีแดง = ไม่บรรลุ, สีเทา = ไม่มีข้อมูล; "
                   "ตัวเลขคือร้อยละของเป้าหมาย",
                   "Green = achieved, orange = partly, red = not achieved, grey = no data; "
                   "numbers are percent of target.")
    # every project has its own ladder: one heat map per project
    projects = [str(x) for x in p.projects["project_id"] if str(x) in p.ladders]
    vid_project = dict(zip(p.villages["village_id"].astype(str),
                           p.villages["project_id"].astype(str)))
    for pid in projects:
        vids = [v for v in p.village_ids if vid_project.get(str(v)) == pid]
        sub = frame[frame["village_id"].astype(str).isin(vids)]
        if sub.empty:
            continue
        mine = {v: out[v] for v in vids if v in out}
        best = max(mine, key=lambda v: mine[v]["achieved"] / max(mine[v]["total"], 1)) \
            if mine else None
        caption = legend
        if best:
            caption += t(f" หมู่บ้านที่บรรลุมากที่สุด: {labels.get(best, best)} "
                         f"({mine[best]['achieved']} จาก {mine[best]['total']} ตัวชี้วัด)",
                         f" Most achieved: {labels.get(best, best)} ({mine[best]['achieved']} "
                         f"of {mine[best]['total']} indicators).")
        several = len(projects) > 1
        pname = F.text_or_dash(p.projects.loc[p.projects["project_id"].astype(str) == pid,
                                              "name"].iloc[0])
        if several:
            ctx.heading(f"{pname} ({pid})", level=3)
        ctx.figure(ladder_heatmap(sub, lang=lang, villages=p.villages[
                       p.villages["village_id"].astype(str).isin(vids)]),
                   f"ladder_heatmap_{pid}" if several else "ladder_heatmap",
                   t("บันไดผลลัพธ์รายหมู่บ้าน", "Outcome ladder by village")
                   + (f": {pid}" if several else ""), caption)
    show_table(ctx, pd.DataFrame({
        t("หมู่บ้าน", "Village"): [labels.get(v, v) for v in out],
        t("บรรลุ", "Achieved"): [o["achieved"] for o in out.values()],
        t("บรรลุบางส่วน", "Partly"): [o["partial"] for o in out.values()],
        t("ไม่บรรลุ", "Not achieved"): [o["not_achieved"] for o in out.values()],
        t("ไม่มีข้อมูล", "No data"): [o["no_data"] for o in out.values()],
        t("ตัวชี้วัดทั้งหมด", "Indicators"): [o["total"] for o in out.values()],
    }), "ladder_by_village", t("ตัวชี้วัดที่บรรลุรายหมู่บ้าน", "Indicators achieved by village"))
    return out


# =========================================================================== finance
@report_section
def section_finance_by_village(project, ctx, *, lang: str | None = None,
                               project_id: str | None = None, before: str = "pre",
                               after: str = "post", heading: bool = True) -> dict:
    """Household finance change by village: forest plot of income change and a table.

    Returns
    -------
    dict
        ``{village_id: {measure: {mean_diff, ci_low, ci_high, n_pairs}}}`` for
        income, debt_total and savings.
    """
    from ..finance import finance_change

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "การเงินครัวเรือนรายหมู่บ้าน", "Household money by village")
    fin = p.finance
    waves = R.waves_present(fin)
    if fin.empty or before not in waves or after not in waves:
        return no_data(ctx, lang, "ยังไม่มีข้อมูลการเงินครัวเรือนทั้งก่อนและหลังโครงการ",
                         "There are no household finance data both before and after.")
    measures = ["income", "debt_total", "savings"]
    change = finance_change(fin, by="village_id", participants=p.participants,
                            before=before, after=after, measures=measures)
    labels = village_labels(p)
    order = [v for v in p.village_ids]
    change["village_id"] = change["village_id"].astype(str)
    inc = change[change["measure"] == "income"].set_index("village_id").reindex(order)
    frame = pd.DataFrame({"label": [labels[v] for v in order],
                          "mean_diff": inc["mean_diff"].to_numpy(dtype=float),
                          "ci_low": inc["ci_low"].to_numpy(dtype=float),
                          "ci_high": inc["ci_high"].to_numpy(dtype=float),
                          "n_pairs": inc["n_pairs"].fillna(0).to_numpy(dtype=float)})
    frame, hidden = _suppress_villages(ctx, frame)
    inc.loc[[v for v, h in zip(order, hidden) if h], ["mean_diff", "ci_low", "ci_high"]] = np.nan
    up = [labels[v] for v in order if inc.loc[v, "ci_low"] > 0]
    down = [labels[v] for v in order if inc.loc[v, "ci_high"] < 0]
    caption = t(f"รายได้ต่อเดือนเพิ่มขึ้นชัดเจน (ช่วงความเชื่อมั่นสูงกว่าศูนย์) {len(up):,d} หมู่บ้าน: "
                f"{name_list(up, lang)}; ลดลงชัดเจน {len(down):,d} หมู่บ้าน: {name_list(down, lang)}",
                f"Clear rise in monthly income (interval above zero), {len(up):,d}: "
                f"{name_list(up, lang)}; clear fall, {len(down):,d}: {name_list(down, lang)}.")
    ctx.figure(forest_plot(frame[~frame["suppressed"]], label="label",
                           unit=t("บาทต่อเดือน", "baht per month"),
                           lang=lang, title=t("รายได้ครัวเรือนต่อเดือนเปลี่ยนไป รายหมู่บ้าน",
                                              "Change in monthly household income by village")),
               "income_forest", t("รายได้เปลี่ยนไปรายหมู่บ้าน", "Income change by village"),
               caption)
    rows = []
    out: dict = {}
    for v in order:
        sub = change[change["village_id"] == v].set_index("measure")
        out[v] = {}
        row = {t("หมู่บ้าน", "Village"): labels[v]}
        for m in measures:
            if m not in sub.index:
                continue
            r = sub.loc[m].copy()
            if getattr(ctx, "is_small", lambda n: False)(r["n_pairs"]) or \
                    hidden[order.index(v)]:
                r[["mean_diff", "ci_low", "ci_high", "n_pairs"]] = np.nan
                ctx.suppressed += 1
            out[v][m] = R.jsonable({k: r[k] for k in ("mean_diff", "ci_low", "ci_high",
                                                      "n_pairs")})
            row[f"{tr(lang, *MEASURE_LABELS[m])} ({t('บาท', 'baht')})"] = F.estimate_cell(
                r["mean_diff"], r["ci_low"], r["ci_high"], r["n_pairs"], lang, unit="baht")
        rows.append(row)
    show_table(ctx, pd.DataFrame(rows), "finance_by_village",
              t("การเงินครัวเรือนเปลี่ยนไปรายหมู่บ้าน", "Household finance change by village"),
              note=t("การเปลี่ยนแปลงเฉลี่ย (ช่วงความเชื่อมั่น 95%), n = ครัวเรือนที่มีข้อมูลทั้งก่อนและหลัง",
                     "Mean change (95% confidence interval), n = households with data before "
                     "and after."))
    return out


# =========================================================================== households
@report_section
def section_model_households(project, ctx, *, lang: str | None = None,
                             project_id: str | None = None, top: int = 3,
                             heading: bool = True, **rank_options) -> dict:
    """Ranking of model households per village (household ids only, never names).

    Uses :func:`evaluation.rank_households` (composite of income change, debt
    change, savings regularity, account keeping and happiness change).

    Returns
    -------
    dict
        ``{village_id: [household_id, ...]}`` of the `top` households shown,
        best first, and ``selected`` (``{village_id: household_id}``).
    """
    from ..households import rank_households

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "ครัวเรือนต้นแบบ", "Model households")
    if p.participants.empty:
        return no_data(ctx, lang, "ไม่มีรายชื่อครัวเรือน", "There are no households.")
    ranked = rank_households(p, **rank_options)
    ranked = ranked[ranked["score"].notna()]
    if ranked.empty:
        return no_data(ctx, lang, "ยังไม่มีข้อมูลพอจัดอันดับครัวเรือน", "Not enough data to rank households.")
    shown = ranked.sort_values(["village_id", "rank"], kind="stable")
    shown = shown[shown.groupby("village_id").cumcount() < top]
    order = {v: i for i, v in enumerate(p.village_ids)}
    shown = shown.sort_values(["village_id"], key=lambda s: s.map(order), kind="stable")
    labels = village_labels(p)
    explain(ctx, lang,
              "คะแนนครัวเรือนต้นแบบ (0–1) รวมห้าด้านน้ำหนักเท่ากัน: รายได้ที่เพิ่มขึ้น หนี้ที่ลดลง การออมสม่ำเสมอ "
              "การทำบัญชี และความสุขที่เพิ่มขึ้น แต่ละด้านเทียบกับครัวเรือนอื่นในหมู่บ้านเดียวกัน แสดงเฉพาะรหัสครัวเรือน",
              "The model-household score (0–1) combines five components with equal weights: "
              "income rise, debt fall, regular saving, account keeping and happiness rise, "
              "each ranked against the other households of the village. Only household ids "
              "are shown.")
    table = pd.DataFrame({
        t("หมู่บ้าน", "Village"): [labels.get(str(v), v) for v in shown["village_id"]],
        t("อันดับ", "Rank"): shown["rank"].astype(int).to_numpy(),
        t("รหัสครัวเรือน", "Household"): shown["household_id"].astype(str).to_numpy(),
        t("คะแนน (0–1)", "Score (0–1)"): shown["score"].to_numpy(dtype=float),
        t("รายได้เปลี่ยน (บาท/เดือน)", "Income change (baht/month)"):
            shown["income_change"].to_numpy(dtype=float),
        t("หนี้เปลี่ยน (บาท)", "Debt change (baht)"): shown["debt_change"].to_numpy(dtype=float),
        t("ความสม่ำเสมอการออม", "Saving regularity"):
            shown["savings_regularity"].to_numpy(dtype=float),
        t("การทำบัญชี", "Account keeping"): shown["account_keeping"].to_numpy(dtype=float),
        t("ความสุขเปลี่ยน (คะแนน)", "Happiness change (points)"):
            shown["happiness_change"].to_numpy(dtype=float),
    })
    cols = list(table.columns)
    show_table(ctx, table, "model_households",
              t(f"ครัวเรือนต้นแบบ {top} อันดับแรกของแต่ละหมู่บ้าน",
                f"Top {top} model households per village"),
              decimals={cols[3]: 2, cols[4]: 0, cols[5]: 0, cols[6]: 2, cols[7]: 2, cols[8]: 1})
    out = {str(v): g["household_id"].astype(str).tolist()
           for v, g in shown.groupby("village_id", sort=False)}
    out["selected"] = {str(r.village_id): str(r.household_id)
                       for r in ranked[ranked["selected"]].itertuples()}
    return out


# =========================================================================== themes
@report_section
def section_themes_across(project, ctx, *, lang: str | None = None,
                          project_id: str | None = None, codebook=None,
                          heading: bool = True) -> dict:
    """Lesson themes across villages (village × theme heat map), text redacted.

    Returns
    -------
    dict
        ``{village_id: {theme_id: share_of_sentences}}`` and
        ``villages_without_lessons``.
    """
    from ..lessons import code_themes
    from ..privacy import redact_frame

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "ประเด็นบทเรียนข้ามหมู่บ้าน", "Lesson themes across villages")
    lessons = p.lessons
    if lessons.empty:
        return no_data(ctx, lang, "ยังไม่มีบันทึกการถอดบทเรียน", "There are no lessons-learned texts.")
    # redact village by village with that village's participants (as the village
    # reports do): one list of every name of a large program would make the
    # name search quadratic
    people = p.participants
    lessons = lessons.reset_index(drop=True)
    parts = []
    for vid, texts in lessons.groupby("village_id", sort=False, dropna=False):
        known = people if pd.isna(vid) else people[people["village_id"] == vid]
        parts.append(redact_frame(texts, participants=known, labels=lang))
    red = pd.concat(parts).sort_index()
    res = code_themes(red, codebook, by="village_id")
    summary = res.summary
    labels = village_labels(p)
    have = [v for v in p.village_ids if v in set(summary["village_id"].astype(str))]
    without = [v for v in p.village_ids if v not in have]
    summary = summary[summary["village_id"].astype(str).isin(have)]
    summary = summary.assign(_o=summary["village_id"].astype(str).map(
        {v: i for i, v in enumerate(have)})).sort_values(["_o", "theme_order"] if "theme_order" in summary.columns else ["_o"], kind="stable").drop(columns="_o")
    name_col = "theme_th" if lang == "th" else "theme_en"
    totals = summary.groupby(["theme", name_col], sort=False)["n_sentences"].sum()
    top = totals.sort_values(ascending=False, kind="stable").head(3)
    caption = t("ประเด็นที่พบมากที่สุดเมื่อรวมทุกหมู่บ้าน: ", "Most frequent themes overall: ") + \
        ", ".join(f"{name} ({int(n):,d})" for (_, name), n in top.items())
    if without:
        caption += t(f" หมู่บ้านที่ยังไม่มีบันทึก {len(without):,d} หมู่บ้าน: {name_list(without, lang)}",
                     f" Villages without texts, {len(without):,d}: {name_list(without, lang)}.")
    ctx.figure(theme_heatmap(summary, lang=lang, row_labels=labels), "themes_by_village",
               t("ประเด็นบทเรียนรายหมู่บ้าน", "Lesson themes by village"), caption)
    wide = summary.pivot_table(index="village_id", columns=name_col, values="share_of_sentences",
                               aggfunc="first", sort=False) * 100
    wide = wide.reindex(index=have)
    wide.insert(0, t("หมู่บ้าน", "Village"), [labels.get(v, v) for v in wide.index])
    show_table(ctx, wide.reset_index(drop=True), "themes_by_village",
              t("ร้อยละของประโยคในแต่ละประเด็น", "Share of sentences per theme (%)"), decimals=1)
    out = {v: {str(r.theme): R.jsonable(r.share_of_sentences)
               for r in summary[summary["village_id"].astype(str) == v].itertuples()}
           for v in have}
    out["villages_without_lessons"] = without
    return out


# =========================================================================== data quality
@report_section
def section_portfolio_data_quality(project, ctx, *, lang: str | None = None,
                                   project_id: str | None = None, heading: bool = True) -> dict:
    """Data completeness per village: waves present, records and warnings.

    Returns
    -------
    dict
        ``{village_id: {n_target, n_households, waves_happiness, waves_finance,
        n_ledger_entries, n_savings_entries, n_lesson_sections, n_warnings}}``.
    """
    from ..project import village_summary

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "ความครบถ้วนของข้อมูลรายหมู่บ้าน", "Data completeness by village")
    s = village_summary(p)
    if s.empty:
        return no_data(ctx, lang, "ไม่มีหมู่บ้านในข้อมูล", "There are no villages in the data.")

    def waves(text):
        return ", ".join(wave_name(w, lang) for w in str(text).split()) or "–"

    show_table(ctx, pd.DataFrame({
        t("หมู่บ้าน", "Village"): [f"{r.village_id} {r.village_name}" for r in s.itertuples()],
        t("กลุ่มเป้าหมาย (คน)", "Target members"):
            [getattr(ctx, "small_count", int)(int(x)) for x in s["n_target"]],
        t("ครัวเรือน", "Households"):
            [getattr(ctx, "small_count", int)(int(x)) for x in s["n_households"]],
        t("ช่วงประเมินความสุข", "Happiness waves"): [waves(x) for x in s["waves_happiness"]],
        t("ช่วงข้อมูลการเงิน", "Finance waves"): [waves(x) for x in s["waves_finance"]],
        t("รายการบัญชีครัวเรือน", "Account entries"): s["n_ledger_entries"].astype(int).to_numpy(),
        t("รายการกลุ่มออม", "Savings entries"): s["n_savings_entries"].astype(int).to_numpy(),
        t("หัวข้อบทเรียน", "Lesson sections"): s["n_lesson_sections"].astype(int).to_numpy(),
        t("คำเตือน", "Warnings"): s["n_warnings"].astype(int).to_numpy(),
    }), "data_completeness", t("ความครบถ้วนของข้อมูล", "Data completeness"),
        note=t("คำเตือนคือค่าที่เป็นไปได้แต่น่าสงสัย ดูรายละเอียดในรายงานของแต่ละหมู่บ้าน",
               "Warnings are possible but suspicious values; see each village report."))
    out = {str(r["village_id"]): R.jsonable({k: r[k] for k in s.columns
                                             if k not in ("village_id", "village_name",
                                                          "project_id")})
           for _, r in s.iterrows()}
    out.update(suppressed_sentence(ctx, lang))
    return out


#: Section functions of the portfolio report, in report order (methods from village).
PORTFOLIO_SECTIONS = ("portfolio_cover", "village_table", "happiness_forest", "ladder_heatmap",
                      "ladder_disaggregation", "finance_by_village", "comparison",
                      "model_households", "sroi", "themes_across", "portfolio_data_quality",
                      "methods")


def run_portfolio_sections(project, ctx, *, project_id: str | None = None,
                           lang: str | None = None, parameters: dict | None = None) -> dict:
    """Run every portfolio section in order (what the portfolio notebook does cell by cell)."""
    from .methods import section_methods
    from .sroi import section_sroi

    out = {}
    for name in PORTFOLIO_SECTIONS:
        if name == "sroi":
            out[name] = section_sroi(project, ctx, lang=lang, project_id=project_id)
        elif name == "methods":
            out[name] = section_methods(scope(project, project_id), ctx, lang=lang,
                                        parameters=parameters)
        elif name == "comparison":
            from .comparison import section_comparison

            out[name] = section_comparison(project, ctx, lang=lang, project_id=project_id)
        else:
            out[name] = globals()[f"section_{name}"](project, ctx, lang=lang,
                                                     project_id=project_id)
    return out
