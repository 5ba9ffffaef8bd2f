"""Headline figures of a village: the few numbers a funder reads first.

:func:`headline_figures` computes them with the library (scores with
:func:`evaluation.score_instrument`, paired change with
:func:`evaluation.happiness.happiness_change`, household income change with
:func:`evaluation.finance.finance_change`, the outcome ladder with
:func:`evaluation.evaluate_ladder`) and returns a flat, JSON-serialisable
dict. :func:`write_headline` records them in a
:class:`evaluation.report.ReportContext`, which writes them to
``headline.json`` for the batch index.
"""

from __future__ import annotations

import math

import pandas as pd

from .sections import _common as C

__all__ = ["HEADLINE_KEYS", "STATUS_LABELS", "headline_figures", "overall_status",
           "write_headline"]

#: Keys of :func:`headline_figures`, in order.
HEADLINE_KEYS = (
    "village_id", "name", "project_id", "project_name", "n_participants", "n_target", "n_team",
    "n_mentor", "n_households", "instrument", "wave_before", "wave_after",
    "happiness_mean_change", "happiness_ci_low", "happiness_ci_high", "happiness_n",
    "happiness_share_improved", "happiness_p_t", "happiness_p_wilcoxon",
    "income_mean_change", "income_ci_low", "income_ci_high", "income_n",
    "income_share_up", "ladder_achieved", "ladder_partial", "ladder_not_achieved",
    "ladder_no_data", "ladder_total", "status",
)

#: Overall status labels.
STATUS_LABELS = {
    "th": {"on_track": "ตามเป้าหมาย", "partly": "บรรลุบางส่วน", "off_track": "ต่ำกว่าเป้าหมาย",
           "no_data": "ไม่มีข้อมูล"},
    "en": {"on_track": "On track", "partly": "Partly achieved", "off_track": "Off track",
           "no_data": "No data"},
}
#: Share of ladder indicators achieved for "on_track" and for "partly".
ON_TRACK, PARTLY = 0.8, 0.5


def overall_status(achieved: int, total_with_data: int) -> str:
    """``on_track`` / ``partly`` / ``off_track`` / ``no_data`` from the ladder.

    Notes
    -----
    ``share = achieved / indicators with data``; on track when
    ``share >= 0.8``, partly when ``share >= 0.5``, otherwise off track;
    ``no_data`` when no indicator has data.

    Examples
    --------
    >>> overall_status(10, 12), overall_status(6, 12), overall_status(0, 0)
    ('on_track', 'partly', 'no_data')
    """
    if not total_with_data:
        return "no_data"
    share = achieved / total_with_data
    if share >= ON_TRACK:
        return "on_track"
    if share >= PARTLY:
        return "partly"
    return "off_track"


def _happiness(project, instrument, before, after) -> dict:
    from .happiness import happiness_change

    out = dict(instrument=instrument, happiness_mean_change=None, happiness_ci_low=None,
               happiness_ci_high=None, happiness_n=0, happiness_share_improved=None,
               happiness_p_t=None, happiness_p_wilcoxon=None)
    if instrument is None:
        return out
    sc = C.scores(project, instrument)
    waves = C.waves_present(sc[sc["total"].notna()]) if len(sc) else []
    if before not in waves or after not in waves:
        return out
    res = happiness_change(sc, contrasts=[(before, after)]).iloc[0]
    out.update(happiness_mean_change=res["mean_diff"], happiness_ci_low=res["ci_low"],
               happiness_ci_high=res["ci_high"], happiness_n=res["n_pairs"],
               happiness_share_improved=res["share_improved"], happiness_p_t=res["p_t"],
               happiness_p_wilcoxon=res["p_wilcoxon"])
    return out


def _income(project, before, after) -> dict:
    from .finance import finance_change

    out = dict(income_mean_change=None, income_ci_low=None, income_ci_high=None, income_n=0,
               income_share_up=None)
    fin = project.finance
    if fin.empty or "income" not in fin.columns:
        return out
    waves = C.waves_present(fin[fin["income"].notna()])
    if before not in waves or after not in waves:
        return out
    res = finance_change(fin, before=before, after=after, measures=["income"]).iloc[0]
    out.update(income_mean_change=res["mean_diff"], income_ci_low=res["ci_low"],
               income_ci_high=res["ci_high"], income_n=res["n_pairs"],
               income_share_up=res["share_income_up"])
    return out


def _ladder(project, ladder_frame=None) -> dict:
    out = dict(ladder_achieved=0, ladder_partial=0, ladder_not_achieved=0, ladder_no_data=0,
               ladder_total=0)
    if ladder_frame is None:
        if not project.ladders:
            return out
        ladder_frame = C.evaluate_ladder_once(project)
    frame = ladder_frame
    if "level" in frame.columns:
        frame = frame[frame["level"] == "village"]
    counts = frame["status"].value_counts()
    out.update(ladder_achieved=int(counts.get("achieved", 0)),
               ladder_partial=int(counts.get("partial", 0)),
               ladder_not_achieved=int(counts.get("not_achieved", 0)),
               ladder_no_data=int(counts.get("no_data", 0)), ladder_total=int(len(frame)))
    return out


def headline_figures(project, *, village_id: str | None = None, instrument: str | None = None,
                     before: str = "pre", after: str = "post", ladder_frame=None) -> dict:
    """The headline figures of one village.

    Parameters
    ----------
    project : Project
        A village view (``proj.village("V01")``) or a project with
        ``village_id`` given.
    village_id : str, optional
        The village, when `project` holds several.
    instrument : str, optional
        Happiness instrument of the headline (default ``tmhi15`` when present,
        else the first instrument in the data).
    before, after : {"pre", "during", "post"}
        Waves compared (default pre and post).
    ladder_frame : DataFrame, optional
        An :func:`evaluation.evaluate_ladder` result to reuse (one village).

    Returns
    -------
    dict
        JSON-serialisable (``None`` where a value cannot be computed), keys
        :data:`HEADLINE_KEYS`:

        ``village_id, name, project_id, project_name``; ``n_participants``
        and ``n_target, n_team, n_mentor`` (by role), ``n_households``
        (distinct households of the participants); ``instrument``,
        ``wave_before``, ``wave_after``; ``happiness_mean_change``,
        ``happiness_ci_low``, ``happiness_ci_high`` (95% t interval),
        ``happiness_n`` (complete pairs), ``happiness_share_improved`` (0–1),
        ``happiness_p_t``, ``happiness_p_wilcoxon``; ``income_mean_change``,
        ``income_ci_low``, ``income_ci_high`` (baht per month, households with
        income at both waves), ``income_n``, ``income_share_up`` (0–1);
        ``ladder_achieved``, ``ladder_partial``, ``ladder_not_achieved``,
        ``ladder_no_data``, ``ladder_total`` (indicator counts); ``status``
        (:func:`overall_status`).

    Notes
    -----
    Happiness change is ``mean(total_after − total_before)`` over persons with
    a total at both waves, with the paired t interval (R ``t.test(after,
    before, paired = TRUE)``), exactly the ``pre→post`` row of
    :func:`evaluation.happiness.happiness_change`; income change is the
    ``income`` row of :func:`evaluation.finance.finance_change`.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.headline import headline_figures
    >>> fig = headline_figures(ev.load_project("data/sample").village("V01"))
    >>> fig["village_id"], fig["happiness_n"], fig["ladder_total"]
    ('V01', 30, 12)
    """
    v = C.one_village(project, village_id)
    row = C.village_row(v)
    people = v.participants
    roles = people["role"].value_counts() if len(people) else pd.Series(dtype=int)
    inst = C.main_instrument(v, instrument)
    out = {
        "village_id": row.get("village_id"), "name": row.get("name"),
        "project_id": row.get("project_id"), "project_name": row["project"].get("name"),
        "n_participants": int(len(people)), "n_target": int(roles.get("target", 0)),
        "n_team": int(roles.get("team", 0)), "n_mentor": int(roles.get("mentor", 0)),
        "n_households": int(people["household_id"].nunique()),
        "wave_before": before, "wave_after": after,
    }
    out.update(_happiness(v, inst, before, after))
    out.update(_income(v, before, after))
    out.update(_ladder(v, ladder_frame))
    out["status"] = overall_status(out["ladder_achieved"],
                                   out["ladder_total"] - out["ladder_no_data"])
    return C.jsonable({k: out.get(k) for k in HEADLINE_KEYS})


def write_headline(ctx, figures: dict, *, lang: str | None = None) -> None:
    """Record headline figures in a :class:`~evaluation.report.ReportContext`.

    Writes the keys ``participants``, ``households``, ``happiness_change``,
    ``happiness_improved``, ``income_change``, ``ladder_achievement`` and
    ``status`` with ``ctx.headline`` (value, Thai/English label, display
    text with n and interval); the context saves them to ``headline.json``
    when finalised and the batch index shows them.
    """
    lang = C.resolve_lang(ctx, lang)
    f = figures
    t = lambda th, en: C.tr(lang, th, en)  # noqa: E731
    ctx.headline("participants", f.get("n_participants"), label=t("ผู้เข้าร่วม", "Participants"),
                 display=f"{C.count(f.get('n_participants'))} {t('คน', 'people')}")
    ctx.headline("households", f.get("n_households"), label=t("ครัวเรือน", "Households"),
                 display=f"{C.count(f.get('n_households'))} {t('ครัวเรือน', 'households')}")
    ci = _ci(f, "happiness")
    ctx.headline("happiness_change", f.get("happiness_mean_change"),
                 label=t("คะแนนความสุขเปลี่ยนไป (เฉลี่ย)", "Mean change in happiness score"),
                 display=C.estimate_cell(f.get("happiness_mean_change"), *(ci or (None, None)),
                                         f.get("happiness_n"), lang, unit="points"),
                 n=f.get("happiness_n"), ci=ci, unit=t("คะแนน", "points"))
    ctx.headline("happiness_improved", f.get("happiness_share_improved"),
                 label=t("สัดส่วนที่มีความสุขเพิ่มขึ้น", "Share happier"),
                 display=(f"{C.pct(f.get('happiness_share_improved'))} "
                          f"(n = {C.count(f.get('happiness_n'))})"
                          if f.get("happiness_share_improved") is not None else "–"),
                 n=f.get("happiness_n"))
    ci = _ci(f, "income")
    ctx.headline("income_change", f.get("income_mean_change"),
                 label=t("รายได้ครัวเรือนต่อเดือนเปลี่ยนไป (เฉลี่ย, บาท)",
                         "Mean change in monthly household income (baht)"),
                 display=C.estimate_cell(f.get("income_mean_change"), *(ci or (None, None)),
                                         f.get("income_n"), lang, unit="baht"),
                 n=f.get("income_n"), ci=ci, unit=t("บาท", "baht"))
    total = f.get("ladder_total") or 0
    ctx.headline("ladder_achievement",
                 (f.get("ladder_achieved") or 0) / total if total else None,
                 label=t("ตัวชี้วัดบันไดผลลัพธ์ที่บรรลุ", "Ladder indicators achieved"),
                 display=(t(f"{f.get('ladder_achieved')} จาก {total}",
                            f"{f.get('ladder_achieved')} of {total}") if total else "–"))
    status = f.get("status") or "no_data"
    ctx.headline("status", status, label=t("สถานะโครงการ", "Project status"),
                 display=STATUS_LABELS[lang].get(status, status))


def _ci(f: dict, prefix: str):
    lo, hi = f.get(f"{prefix}_ci_low"), f.get(f"{prefix}_ci_high")
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return (lo, hi)
