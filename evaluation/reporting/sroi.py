"""Portfolio report: social return on investment (ผลตอบแทนทางสังคมจากการลงทุน).

Shown for every project of the scope that has a value map
(``value_map.yaml``): the value map table, the ratio with its sensitivity
range and Monte Carlo interval, the tornado chart and the standard cautions.
"""

from __future__ import annotations

from .. import results as R
from ..i18n import tr
from . import fmt as F
from .context import explain, resolve_lang, section_heading, show_table, report_section

__all__ = ["section_sroi"]


@report_section
def section_sroi(project, ctx, *, lang: str | None = None, project_id: str | None = None,
                 heading: bool = True, monte_carlo: int = 2000, seed: int = 2566) -> dict:
    """The SROI section of the portfolio report (nothing when there is no value map).

    Returns
    -------
    dict
        ``{project_id: {sroi_ratio, ratio_min, ratio_max, ratio_low, ratio_high,
        investment, total_present_value}}``; ``{"empty": True}`` without a value
        map (and nothing is shown).
    """
    from ..charts.sroi import tornado_chart
    from ..sroi import sroi, sroi_sensitivity
    from ..sroi_export import SROI_CAUTIONS, sroi_tables
    from .portfolio import scope

    lang = resolve_lang(ctx, lang)
    p = scope(project, project_id)
    maps = getattr(p, "value_maps", None) or {}
    if not maps:
        return {"empty": True, "reason": "no value map"}
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    if heading:
        section_heading(ctx, lang, "ผลตอบแทนทางสังคมจากการลงทุน (SROI)",
                  "Social return on investment (SROI)")
    explain(ctx, lang,
              "SROI เทียบมูลค่าทางสังคมของผลลัพธ์ (คิดเป็นเงินด้วยตัวแทนค่าทางการเงิน "
              "หักผลที่เกิดขึ้นเอง ผลจากปัจจัยอื่น และผลทดแทน ลดลงตามระยะเวลา "
              "และคิดลดเป็นมูลค่าปัจจุบัน) กับเงินลงทุนของโครงการ จำนวนผู้ได้รับผลนับจากข้อมูลของโครงการเอง",
              "SROI compares the social value of the outcomes (valued with financial "
              "proxies, net of deadweight, attribution and displacement, with drop-off over "
              "their duration, discounted to present value) with the project's investment. "
              "The numbers of people and households come from the project's own data.")
    out: dict = {}
    several = len(maps) > 1
    for pid, vm in maps.items():
        try:
            res = sroi(p, vm)
            sens = sroi_sensitivity(p, vm, monte_carlo=monte_carlo, seed=seed)
        except Exception as exc:  # a report keeps going; the reason is shown
            ctx.note(t(f"คำนวณ SROI ของโครงการ {pid} ไม่ได้: {exc}",
                       f"The SROI of project {pid} could not be computed: {exc}"))
            out[pid] = {"error": str(exc)}
            continue
        tot = res.totals.iloc[0]
        span = sens.range.iloc[0]
        mc = sens.monte_carlo.iloc[0] if sens.monte_carlo is not None else None
        if several:
            ctx.heading(str(pid), level=3)
        ratio = F.num(tot["sroi_ratio"], 2)
        text = t(f"อัตราผลตอบแทนทางสังคม {ratio} : 1 คือเงินลงทุน 1 บาท "
                 f"(รวม {F.num(tot['investment'], 0)} บาท) สร้างมูลค่าทางสังคมโดยประมาณ {ratio} บาท "
                 f"(มูลค่าปัจจุบัน {F.num(tot['total_present_value'], 0)} บาท) "
                 f"เมื่อปรับสมมติฐานทีละตัว อัตราอยู่ระหว่าง {F.num(span['ratio_min'], 2)} "
                 f"ถึง {F.num(span['ratio_max'], 2)}",
                 f"SROI ratio {ratio} : 1: each baht invested (total "
                 f"{F.num(tot['investment'], 0)} baht) is estimated to have created {ratio} "
                 f"baht of social value (present value {F.num(tot['total_present_value'], 0)} "
                 f"baht). Varying one assumption at a time, the ratio ranges from "
                 f"{F.num(span['ratio_min'], 2)} to {F.num(span['ratio_max'], 2)}")
        if mc is not None:
            text += t(f"; ช่วง {mc['level']:.0%} จากการสุ่มมอนติคาร์โล {int(mc['draws']):,d} รอบ "
                      f"{F.num(mc['ratio_low'], 2)} ถึง {F.num(mc['ratio_high'], 2)}",
                      f"; the {mc['level']:.0%} interval of {int(mc['draws']):,d} Monte Carlo "
                      f"draws is {F.num(mc['ratio_low'], 2)} to {F.num(mc['ratio_high'], 2)}")
        ctx.paragraph(text + ".")
        tables = sroi_tables(res, sens, lang=lang)
        names = list(tables)
        suffix = f"_{pid}" if several else ""
        show_table(ctx, tables[names[0]], f"sroi_value_map{suffix}",
                t("แผนที่คุณค่า (value map)", "Value map"), decimals=2)
        show_table(ctx, tables[names[3]], f"sroi_totals{suffix}",
                t("สรุปผลตอบแทนทางสังคม", "SROI totals"), decimals=2)
        ctx.figure(tornado_chart(sens, lang=lang,
                                 outcome_labels=dict(zip(res.outcomes["outcome_id"],
                                                         res.outcomes["outcome"]))),
                   f"sroi_tornado{suffix}", t("ความไวของอัตรา SROI", "SROI sensitivity"),
                   t("แต่ละแถบคือช่วงของอัตรา SROI เมื่อปรับสมมติฐานหนึ่งตัว "
                     "(ผลที่เกิดขึ้นเอง ผลจากปัจจัยอื่น ผลทดแทน ผลลดลง ±50%, ตัวแทนค่าตามช่วงที่กำหนด, "
                     "ระยะเวลา 1 ปีถึงที่กำหนด, อัตราคิดลด ±2 จุด) เส้นประคืออัตรา 1",
                     "Each bar is the range of the SROI ratio when one assumption moves "
                     "(deadweight, attribution, displacement, drop-off ±50 %, proxies over "
                     "their ranges, duration from 1 year, discount rate ±2 points); the "
                     "dashed line is a ratio of 1."))
        for line in SROI_CAUTIONS[lang]:
            ctx.note(line)
        out[pid] = R.jsonable({
            "sroi_ratio": tot["sroi_ratio"], "ratio_min": span["ratio_min"],
            "ratio_max": span["ratio_max"],
            "ratio_low": mc["ratio_low"] if mc is not None else None,
            "ratio_high": mc["ratio_high"] if mc is not None else None,
            "investment": tot["investment"],
            "total_present_value": tot["total_present_value"]})
    return out
