"""Report sections of issue 13: three waves (omnibus first, then pairs) and comparison villages.

* :func:`three_waves_block` — used by the happiness and money sections when the
  data have three waves: the omnibus tests (Friedman, RM-ANOVA with the
  Greenhouse–Geisser correction) before the pairwise table, and a plain-Thai
  sentence saying which correction the pairs use and why.
* :func:`section_comparison` — "เทียบกับกลุ่มเปรียบเทียบ": difference-in-differences
  of the program villages against the project's comparison villages
  (:func:`evaluation.did`), a chart of both groups' means over the waves, and a
  plain-language caution about parallel trends and few clusters. Shown only
  when the project has comparison villages.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as _st

from .. import results as R
from ..arms import comparison_mask
from ..i18n import tr
from . import fmt as F
from .context import explain, no_data, resolve_lang, section_heading, show_table, report_section
from .fmt import format_p

__all__ = ["HOLM_NOTE", "section_comparison", "three_waves_block"]

#: The sentence under every table of adjusted p-values (Thai, English).
HOLM_NOTE = ((
    "ค่า p ที่ปรับแล้วใช้วิธีของโฮล์ม (Holm) เพราะเราเปรียบเทียบหลายคู่ในข้อมูลชุดเดียวกัน "
    "(ก่อน–ระหว่าง ระหว่าง–หลัง ก่อน–หลัง) ยิ่งเปรียบเทียบหลายครั้ง ยิ่งมีโอกาสเจอความต่างที่เกิดจากความบังเอิญ "
    "วิธีนี้ปรับค่า p ขึ้นเพื่อคุมโอกาสสรุปผิดรวมทุกคู่ไว้ไม่เกิน 5% และเข้มงวดน้อยกว่าวิธีบอนเฟอร์โรนี "
    "ให้ดูผลการทดสอบรวมก่อน แล้วจึงดูว่าคู่ใดต่างกัน"), (
    "Adjusted p-values use Holm's method: we compare several pairs of waves in the same "
    "data (before–during, during–after, before–after), and the more comparisons we make "
    "the likelier one looks different by chance. Holm raises the p-values so that the "
    "chance of any false finding across all pairs stays at 5%, and it is less strict than "
    "Bonferroni. Read the overall test first, then which pairs differ."))


# --------------------------------------------------------------------------- three waves
def three_waves_block(ctx, lang: str, long: pd.DataFrame, *, dv: str, subject: str,
                      name: str, what: str, by: str | None = None,
                      by_labels: dict | None = None) -> dict:
    """Omnibus table (Friedman and RM-ANOVA) for a long table with three waves.

    Returns the numbers shown (``{group: {friedman_p, rm_p_gg, n, n_dropped}}``).
    """
    from ..repeated import _omnibus_tests

    fr, rm = _omnibus_tests(long, dv=dv, within="wave", subject=subject, by=by)
    keys = fr[by].tolist() if by else [None]
    rows, out = [], {}
    for i, key in enumerate(keys):
        f, r = fr.iloc[i], rm.iloc[i]
        label = (by_labels or {}).get(key, key) if by else what
        rows.append({
            tr(lang, "ตัวชี้วัด", "Measure"): label,
            tr(lang, "คนที่มีครบสามช่วง (n)", "Complete over three waves (n)"): int(f["n"]),
            tr(lang, "ตัดออก (ไม่ครบ)", "Left out (incomplete)"): int(f["n_dropped"]),
            tr(lang, "Friedman χ²", "Friedman χ²"): float(f["chi2"]),
            tr(lang, "p (Friedman)", "p (Friedman)"): float(f["p"]),
            tr(lang, "F (ANOVA วัดซ้ำ)", "F (repeated-measures ANOVA)"): float(r["f"]),
            tr(lang, "ε (Greenhouse–Geisser)", "ε (Greenhouse–Geisser)"): float(r["eps_gg"]),
            tr(lang, "p (ปรับ GG)", "p (GG-corrected)"): float(r["p_gg"]),
        })
        out[str(key) if by else "all"] = R.jsonable({
            "n": int(f["n"]), "n_dropped": int(f["n_dropped"]), "friedman_p": f["p"],
            "rm_p_gg": r["p_gg"], "eps_gg": r["eps_gg"], "ges": r["ges"]})
    table = pd.DataFrame(rows)
    show_table(ctx, table, f"{name}_omnibus",
            tr(lang, f"การทดสอบรวมสามช่วง (ก่อน–ระหว่าง–หลัง): {what}",
                 f"Overall test over the three waves: {what}"),
            decimals=3, formatters={c: format_p for c in table.columns if str(c).startswith("p (")},
            note=tr(lang,
                      "ทดสอบก่อนว่าค่าเฉลี่ยทั้งสามช่วงต่างกันหรือไม่ ใช้เฉพาะคนที่มีข้อมูลครบทั้งสามช่วง "
                      "(จำนวนที่ตัดออกแสดงไว้ในตาราง) Friedman ใช้อันดับ เหมาะกับคะแนนที่มีไม่กี่ระดับหรือข้อมูลเบ้ "
                      "ANOVA วัดซ้ำใช้ค่าเฉลี่ย และปรับองศาอิสระด้วย Greenhouse–Geisser "
                      "ถ้า p ของการทดสอบรวมไม่น้อยกว่า 0.05 ไม่ควรสรุปว่าคู่ใดคู่หนึ่งต่างกัน",
                      "First we test whether the three waves differ at all, using only the "
                      "people with all three waves (the number left out is in the table). "
                      "Friedman uses ranks (suits scores with few levels or skewed data); the "
                      "repeated-measures ANOVA uses means with the Greenhouse–Geisser "
                      "correction. If the overall p is not below 0.05, do not conclude that "
                      "any single pair differs."))
    return out


# --------------------------------------------------------------------------- DiD section
def _comparison_scope(project, village_id, project_id):
    """(project ids, program village ids, comparison village ids) the section covers."""
    villages = project.villages
    comp = comparison_mask(villages)
    if village_id is not None:
        pid = villages.loc[villages["village_id"] == str(village_id), "project_id"]
        pids = list(pid)
        program = [str(village_id)]
    else:
        pids = [project_id] if project_id is not None else list(dict.fromkeys(
            villages["project_id"]))
        program = villages.loc[villages["project_id"].isin(pids) & ~comp, "village_id"].tolist()
    comparison = villages.loc[villages["project_id"].isin(pids) & comp, "village_id"].tolist()
    return pids, program, comparison


def _outcomes(project, lang, village_ids=None):
    """(key, label, unit label, long frame with unit/wave/village_id/value) per outcome.

    With `village_ids`, only the people and households of those villages are
    scored and merged (the rows the section keeps; a whole program loaded from
    a folder is not scored for every village report); the instrument is still
    chosen from the whole happiness table."""
    from ..instruments import score_instrument

    out = []
    part = project.participants
    hp = project.happiness
    mine = None if village_ids is None else part["village_id"].isin(village_ids)
    if len(hp):
        insts = [i for i in ("tmhi15", "who5", "happy10") if (hp["instrument"] == i).any()]
        if insts:
            inst = insts[0]
            rows = hp[hp["instrument"] == inst]
            if mine is not None:
                rows = rows[rows["person_id"].isin(part.loc[mine, "person_id"])]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sc = score_instrument(rows, inst) if len(rows) else pd.DataFrame(
                    {"person_id": part["person_id"].iloc[:0].to_numpy(),
                     "wave": pd.Series([], dtype=object), "total": pd.Series([], dtype=float)})
            sc = sc.merge(part[["person_id", "village_id"]], on="person_id", how="left")
            long = pd.DataFrame({"unit": sc["person_id"].astype(str), "wave": sc["wave"].astype(str),
                                 "village_id": sc["village_id"], "value": sc["total"]})
            name = R.instrument_short(project, inst, lang)
            out.append(("happiness", tr(lang, f"คะแนนความสุข ({name})", f"Happiness ({name})"),
                        tr(lang, "คะแนน", "points"), long))
    fin = project.finance
    if len(fin) and "income" in fin.columns:
        hh = part.drop_duplicates("household_id")[["household_id", "village_id"]]
        if mine is not None:
            fin = fin[fin["household_id"].isin(hh.loc[hh["village_id"].isin(village_ids),
                                                      "household_id"])]
        f = fin.merge(hh, on="household_id", how="left")
        long = pd.DataFrame({"unit": f["household_id"].astype(str), "wave": f["wave"].astype(str),
                             "village_id": f["village_id"], "value": f["income"]})
        out.append(("income", tr(lang, "รายได้ครัวเรือนต่อเดือน", "Monthly household income"),
                    tr(lang, "บาท", "baht"), long))
    return out


def _group_means(long: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (g, w), sub in long.dropna(subset=["value"]).groupby(["group", "wave"]):
        n = len(sub)
        m = float(sub["value"].mean())
        half = float(_st.t.ppf(0.975, n - 1) * sub["value"].std(ddof=1) / np.sqrt(n)) if n > 1 \
            else np.nan
        rows.append({"group": g, "wave": w, "mean": m, "ci_low": m - half, "ci_high": m + half,
                     "n": n})
    return pd.DataFrame(rows, columns=["group", "wave", "mean", "ci_low", "ci_high", "n"])


@report_section
def section_comparison(project, ctx, *, lang: str | None = None, village_id: str | None = None,
                       project_id: str | None = None, pre: str = "pre",
                       post: str = "post") -> dict:
    """"เทียบกับกลุ่มเปรียบเทียบ": DiD of program vs comparison villages (only when there are some).

    Parameters
    ----------
    project : Project
        The whole program (``ev.report_project``): the comparison villages are
        not part of a village view.
    village_id : str, optional
        Village report: this village's people against the comparison villages
        of its project.
    project_id : str, optional
        Portfolio report: the project's program villages against its
        comparison villages (``None``: every project together).

    Returns
    -------
    dict
        ``{"shown": False}`` without comparison villages; else ``shown``,
        ``program_villages``, ``comparison_villages`` and per outcome
        (``happiness``, ``income``) ``estimate, ci_low, ci_high, p, wild_p,
        n_clusters, n_units, change_treated, change_control``.
    """
    from ..charts import did as dch
    from ..did import did

    lang = resolve_lang(ctx, lang)
    _, program, comparison = _comparison_scope(project, village_id, project_id)
    if not comparison or not program:
        return {"shown": False}
    section_heading(ctx, lang, "เทียบกับกลุ่มเปรียบเทียบ", "Compared with comparison villages")
    names = project.villages.set_index("village_id")["name"].astype(str).to_dict()
    comp_names = ", ".join(names.get(v, v) for v in comparison)
    explain(ctx, lang,
              f"หมู่บ้านกลุ่มเปรียบเทียบ ({comp_names}) ไม่ได้เข้าร่วมโครงการ แต่เก็บข้อมูลช่วงเวลาเดียวกัน "
              "ถ้าทั้งสองกลุ่มดีขึ้นพอ ๆ กัน ความเปลี่ยนแปลงนั้นอาจมาจากปัจจัยอื่น (เศรษฐกิจฟื้นตัว ราคาผลผลิต ฤดูกาล) "
              "ไม่ใช่จากโครงการ ผลต่างของการเปลี่ยนแปลง (difference-in-differences) คือส่วนที่กลุ่มโครงการเปลี่ยนมากกว่ากลุ่มเปรียบเทียบ",
              f"The comparison villages ({comp_names}) did not take part in the project but "
              "were surveyed at the same times. If both groups improved alike, the change may "
              "come from something else (economic recovery, prices, the season), not the "
              "project. The difference-in-differences is how much more the program group "
              "changed than the comparison group.")
    out: dict = {"shown": True, "program_villages": program, "comparison_villages": comparison}
    rows = []
    few = False
    for key, label, unit, long in _outcomes(project, lang, program + comparison):
        long = long[long["village_id"].isin(program + comparison)].copy()
        long["group"] = np.where(long["village_id"].isin(comparison), "comparison", "program")
        if long["value"].notna().sum() == 0 or not {pre, post} <= set(long["wave"]):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = did(long, outcome="value", unit="unit", time="wave", group="group",
                      cluster="village_id", pre=pre, post=post, treated="program").iloc[0]
        few = few or bool(res["few_clusters"])
        means = _group_means(long)
        ctx.figure(dch.group_means_chart(means, ylabel=f"{label} ({unit})", lang=lang),
                   f"comparison_{key}",
                   tr(lang, f"{label}: กลุ่มโครงการและกลุ่มเปรียบเทียบ แต่ละช่วง",
                        f"{label}: program and comparison groups by wave"),
                   tr(lang,
                        f"กลุ่มโครงการเปลี่ยน {F.num(res['change_treated'], 1)} {unit} "
                        f"กลุ่มเปรียบเทียบเปลี่ยน {F.num(res['change_control'], 1)} {unit} "
                        f"ผลต่าง {F.num(res['estimate'], 1)} {unit} เส้นตั้งคือช่วงความเชื่อมั่น 95%",
                        f"The program group changed by {F.num(res['change_treated'], 1)} {unit}, "
                        f"the comparison group by {F.num(res['change_control'], 1)} {unit}: a "
                        f"difference of {F.num(res['estimate'], 1)} {unit}. Vertical lines are "
                        "95% confidence intervals."))
        rows.append({
            tr(lang, "ตัวชี้วัด", "Measure"): label,
            tr(lang, "เปลี่ยน (กลุ่มโครงการ)", "Change (program)"): res["change_treated"],
            tr(lang, "เปลี่ยน (กลุ่มเปรียบเทียบ)", "Change (comparison)"): res["change_control"],
            tr(lang, "ผลต่าง (DiD)", "Difference (DiD)"): res["estimate"],
            tr(lang, "95% CI ต่ำสุด", "95% CI low"): res["ci_low"],
            tr(lang, "95% CI สูงสุด", "95% CI high"): res["ci_high"],
            tr(lang, "p", "p"): res["p"],
            tr(lang, "p (wild bootstrap)", "p (wild bootstrap)"): res["wild_p"],
            tr(lang, "หมู่บ้าน (กลุ่ม)", "Villages (clusters)"): int(res["n_clusters"]),
            tr(lang, "หน่วยที่ใช้ (n)", "Units used (n)"): int(res["n_units"]),
            tr(lang, "ตัดออก (ไม่ครบ)", "Left out"): int(res["n_dropped"]),
        })
        out[key] = R.jsonable({k: res[k] for k in (
            "estimate", "ci_low", "ci_high", "p", "wild_p", "n_clusters", "n_units",
            "n_dropped", "change_treated", "change_control", "welch_p", "ranksum_p")})
    if not rows:
        out.update(no_data(ctx, lang, "ยังเทียบไม่ได้: ไม่มีข้อมูลก่อนและหลังของทั้งสองกลุ่ม",
                             "No comparison possible: both groups need before and after data."))
        return out
    table = pd.DataFrame(rows)
    show_table(ctx, table, "comparison_did",
            tr(lang, "ผลต่างของการเปลี่ยนแปลง เทียบกับกลุ่มเปรียบเทียบ",
                 "Difference-in-differences against the comparison villages"),
            decimals=2, formatters={c: format_p for c in table.columns if str(c).startswith("p")},
            note=tr(lang,
                      "ใช้เฉพาะคนหรือครัวเรือนที่มีข้อมูลทั้งก่อนและหลัง ความคลาดเคลื่อนคำนวณแบบคำนึงถึงหมู่บ้าน "
                      "(คนในหมู่บ้านเดียวกันมักเปลี่ยนไปด้วยกัน)",
                      "Only people or households with both before and after data. Standard "
                      "errors allow for villages (people in one village tend to change "
                      "together)."))
    explain(ctx, lang,
              "ข้อควรระวัง: วิธีนี้ถือว่าถ้าไม่มีโครงการ ทั้งสองกลุ่มจะเปลี่ยนไปในทิศทางและขนาดเดียวกัน "
              "(แนวโน้มคู่ขนาน) ซึ่งตรวจสอบโดยตรงไม่ได้ ให้ดูว่าก่อนโครงการทั้งสองกลุ่มใกล้เคียงกันหรือไม่ "
              "และเลือกหมู่บ้านเปรียบเทียบที่คล้ายกัน (อำเภอ อาชีพ ขนาด)"
              + (" นอกจากนี้มีหมู่บ้านน้อย (ไม่ถึง 30 หมู่บ้าน) ค่า p แบบปกติจึงเชื่อถือได้น้อย "
                 "ให้อ่านค่า p จาก wild bootstrap แทน และถือผลเป็นข้อมูลประกอบ ไม่ใช่ข้อสรุปเด็ดขาด" if few else ""),
              "Caution: this method assumes that without the project both groups would have "
              "changed in the same direction and by the same amount (parallel trends), which "
              "cannot be checked directly. Look at whether the groups were alike before the "
              "project, and choose comparison villages like the program villages (district, "
              "occupations, size)."
              + (" There are also few villages (under 30), so the usual p-value is unreliable: "
                 "read the wild bootstrap p-value instead, and treat the result as supporting "
                 "evidence, not a firm conclusion." if few else ""))
    out["few_clusters"] = few
    return out
