"""Money sections of the village report: household income, expenses, debt and
savings before and after (``section_money``), account books and the savings
group (``section_accounts``).

Same conventions as :mod:`evaluation.reporting.village` (split from it): each
section takes a village view and a :class:`~evaluation.reporting.context.ReportContext`,
shows its charts and tables with plain-language sentences, and returns the
numbers it showed.
"""

from __future__ import annotations

import pandas as pd

from .. import results as R
from ..i18n import MEASURE_LABELS, tr, wave_name
from . import fmt as F
from .fmt import format_p
from .context import (explain, no_data, resolve_lang, section_heading, show_table,
                      too_few, report_section)
from ..charts.sections import accounts_by_month, legend_outside, month_ticks

__all__ = ["section_accounts", "section_money"]


def _money_three_waves(fin: pd.DataFrame, ctx, lang: str) -> dict:
    """Money with three waves: Friedman / RM-ANOVA per measure, then the pairs (Holm)."""
    from ..repeated import pairwise_paired
    from .comparison import HOLM_NOTE, three_waves_block

    labels = {"income": tr(lang, "รายได้ต่อเดือน", "Monthly income"),
              "debt_total": tr(lang, "หนี้รวม", "Total debt"),
              "savings": tr(lang, "เงินออม", "Savings")}
    wide = pd.DataFrame({"household_id": fin["household_id"].astype(str),
                         "wave": fin["wave"].astype(str),
                         "income": fin["income"].astype(float),
                         "debt_total": fin["debt_formal"].astype(float)
                         + fin["debt_informal"].astype(float),
                         "savings": fin["savings"].astype(float)})
    long = wide.melt(id_vars=["household_id", "wave"], var_name="measure", value_name="value")
    out = three_waves_block(ctx, lang, long, dv="value", subject="household_id",
                            name="finance", what=tr(lang, "การเงินครัวเรือน", "household money"),
                            by="measure", by_labels=labels)
    pw = pairwise_paired(long, dv="value", within="wave", subject="household_id",
                         by="measure", test="t", padjust="holm")
    order = {m: i for i, m in enumerate(labels)}
    pw = pw.sort_values("measure", key=lambda s: s.map(order), kind="stable")
    table = pd.DataFrame({
        tr(lang, "ตัวชี้วัด", "Measure"): pw["measure"].map(labels).to_numpy(),
        tr(lang, "ช่วงที่เปรียบเทียบ", "Comparison"): [
            f"{wave_name(a, lang)} → {wave_name(b, lang)}" for a, b in zip(pw["a"], pw["b"])],
        tr(lang, "จำนวนครัวเรือน (n)", "Households (n)"): pw["n"].astype(int).to_numpy(),
        tr(lang, "เปลี่ยนแปลงเฉลี่ย (บาท)", "Mean change (baht)"): pw["estimate"].to_numpy(float),
        tr(lang, "p (t-test)", "p (t-test)"): pw["p"].to_numpy(float),
        tr(lang, "p ปรับ Holm", "p Holm-adjusted"): pw["p_adj"].to_numpy(float),
    })
    show_table(ctx, table, "finance_pairs",
            tr(lang, "การเงินครัวเรือน: เปรียบเทียบทีละคู่ของช่วงเวลา", "Household money: each pair of waves"),
            decimals=0, formatters={c: format_p for c in table.columns if str(c).startswith("p ")},
            note=tr(lang, *HOLM_NOTE))
    return out


# =========================================================================== money
@report_section
def section_money(project, ctx, *, lang: str | None = None, village_id: str | None = None,
                  before: str = "pre", after: str = "post", poverty_line=None,
                  heading: bool = True) -> dict:
    """Household money: income, expenses, formal/informal debt and savings before/after.

    Shows the means before and after with n and 95% intervals, the
    distribution of household change and the share below the poverty line.

    Returns
    -------
    dict
        ``{measure: {mean_before, mean_after, mean_diff, ci_low, ci_high,
        n_pairs, n_improved}}`` for every finance measure, plus ``poverty``
        (``share_below_before, share_below_after, n_pairs, p_value``) and
        ``n_households``.
    """
    from ..charts import finance as fch
    from ..finance import poverty_change
    from ..view_memo import household_finance_once

    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    if heading:
        section_heading(ctx, lang, "การเงินครัวเรือน", "Household money")
    fin = v.finance
    if fin.empty:
        return no_data(ctx, lang, "หมู่บ้านนี้ยังไม่มีข้อมูลการเงินครัวเรือน (รายได้ รายจ่าย หนี้ เงินออม)",
                         "There are no household finance data (income, expenses, debt, "
                         "savings) for this village.")
    waves = R.waves_present(fin)
    if before not in waves or after not in waves:
        have = ", ".join(wave_name(w, lang) for w in waves)
        return no_data(ctx, lang, f"ยังเปรียบเทียบก่อน–หลังไม่ได้ เพราะมีข้อมูลการเงินเฉพาะช่วง: {have}",
                         f"No before–after comparison: finance data exist only for: {have}.")
    explain(ctx, lang,
              "ข้อมูลการเงินเป็นรายครัวเรือน: รายได้และรายจ่ายเป็นบาทต่อเดือน หนี้และเงินออมเป็นยอดคงเหลือ (บาท) "
              "การเปรียบเทียบใช้เฉพาะครัวเรือนที่มีข้อมูลทั้งก่อนและหลัง",
              "Finance data are per household: income and expenses in baht per month, debt "
              "and savings as balances (baht). Comparisons use households with data both "
              "before and after.")
    hf = household_finance_once(v, before, after, memo_fn=R.memo)  # shared: headline, ladder
    change = R.finance_change_once(v, before, after)   # shared: headline
    if too_few(ctx, lang, fin["household_id"].nunique(), "ผลด้านการเงินครัวเรือน",
               "Household money results"):
        return {"suppressed": True}
    out: dict = {"n_households": int(len(hf))}
    for _, r in change.iterrows():
        out[str(r["measure"])] = R.jsonable({k: r[k] for k in (
            "mean_before", "mean_after", "mean_diff", "ci_low", "ci_high", "n_pairs",
            "n_improved", "median_diff")})
    shown = ["income", "expenses", "debt_formal", "debt_informal", "savings"]
    by_measure = change.set_index("measure")
    inc, debt = by_measure.loc["income"], by_measure.loc["debt_total"]
    caption = F.change_sentence("รายได้เฉลี่ยต่อเดือน", "Mean monthly income", inc["mean_diff"],
                                inc["ci_low"], inc["ci_high"], inc["n_pairs"], lang, unit="baht")
    caption += " " + F.change_sentence("หนี้รวมเฉลี่ย", "Mean total debt", debt["mean_diff"],
                                       debt["ci_low"], debt["ci_high"], debt["n_pairs"], lang,
                                       unit="baht")
    ctx.figure(fch.finance_before_after(change, measures=shown, lang=lang), "finance_before_after",
               tr(lang, "การเงินครัวเรือนก่อนและหลังโครงการ", "Household finance before and after"),
               caption)
    if len(waves) >= 3:   # omnibus first, then every pair with Holm-adjusted p-values
        out["omnibus"] = _money_three_waves(fin, ctx, lang)
    show_table(ctx, _finance_table(change, lang), "finance_change",
              tr(lang, "การเงินครัวเรือน ก่อน–หลัง (บาท)", "Household finance before–after (baht)"),
              decimals=0,
              note=tr(lang, "ค่าเฉลี่ยของครัวเรือนที่มีข้อมูลทั้งก่อนและหลัง (n) ช่วงความเชื่อมั่น 95% จาก t-test แบบจับคู่ "
                              "'ดีขึ้น' คือรายได้หรือเงินออมเพิ่มขึ้น หรือรายจ่าย/หนี้ลดลง",
                        "Means over households with data both before and after (n); 95% "
                        "intervals from the paired t-test. 'Improved' means income or savings "
                        "rose, or expenses/debt fell."))
    n_inc = int(inc["n_pairs"])
    up = int(inc["n_improved"])
    ctx.figure(fch.finance_change_distribution(hf, measures=("income", "debt_total"), lang=lang),
               "finance_change_distribution",
               tr(lang, "การเปลี่ยนแปลงรายครัวเรือน", "Change per household"),
               tr(lang, f"ครัวเรือน {up:,d} จาก {n_inc:,d} ครัวเรือนมีรายได้เพิ่มขึ้น "
                          f"ค่ามัธยฐานของการเปลี่ยนแปลงรายได้ {F.baht(inc['median_diff'], lang)} "
                          f"และของหนี้รวม {F.baht(debt['median_diff'], lang)}",
                    f"{up:,d} of {n_inc:,d} households earned more. The median change was "
                    f"{F.baht(inc['median_diff'], lang)} in income and "
                    f"{F.baht(debt['median_diff'], lang)} in total debt."))
    out["poverty"] = _poverty(v, fin, ctx, lang, before, after, poverty_line, poverty_change, fch)
    return out


def _finance_table(change: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    rows = change[change["measure"] != "debt_to_annual_income"]
    return pd.DataFrame({
        t("รายการ", "Measure"): [tr(lang, *MEASURE_LABELS[m]) for m in rows["measure"]],
        t("ครัวเรือน (n)", "Households (n)"): rows["n_pairs"].astype(int).to_numpy(),
        t("เฉลี่ยก่อน (บาท)", "Mean before (baht)"): rows["mean_before"].to_numpy(dtype=float),
        t("เฉลี่ยหลัง (บาท)", "Mean after (baht)"): rows["mean_after"].to_numpy(dtype=float),
        t("เปลี่ยนแปลงเฉลี่ย (บาท)", "Mean change (baht)"): rows["mean_diff"].to_numpy(dtype=float),
        t("95% CI ต่ำสุด", "95% CI low"): rows["ci_low"].to_numpy(dtype=float),
        t("95% CI สูงสุด", "95% CI high"): rows["ci_high"].to_numpy(dtype=float),
        t("ดีขึ้น (ครัวเรือน)", "Improved (households)"): rows["n_improved"].astype(int).to_numpy(),
    })


def _poverty(v, fin, ctx, lang, before, after, line, poverty_change, fch) -> dict:
    from ..errors import EvaluationError

    try:
        pov = poverty_change(fin, before=before, after=after, participants=v.participants,
                             line=line)
    except (EvaluationError, KeyError, ValueError) as exc:
        no_data(ctx, lang, f"คำนวณสัดส่วนครัวเรือนใต้เส้นความยากจนไม่ได้: {exc}",
                  f"The share below the poverty line could not be computed: {exc}")
        return {"empty": True}
    r = pov.iloc[0]
    if int(r["n_pairs"]) == 0:
        no_data(ctx, lang, "ไม่มีครัวเรือนที่มีทั้งรายได้และขนาดครัวเรือนครบทั้งก่อนและหลัง",
                  "No household has income and household size both before and after.")
        return {"empty": True}
    p = r["p_value"]
    p_text = "–" if pd.isna(p) else f"{p:.3f}"
    before_s, after_s = r["share_below_before"], r["share_below_after"]
    n_text = f"n = {int(r['n_pairs']):,d}, McNemar p = {p_text}"
    if after_s == before_s:
        caption = tr(
            lang, f"สัดส่วนครัวเรือนที่มีรายได้ต่อคนต่ำกว่าเส้นความยากจนเท่าเดิมที่ {F.pct(before_s)} "
                  f"({int(r['n_below_before']):,d} ครัวเรือน) ({n_text})",
            f"The share of households with income per person below the poverty line stayed at "
            f"{F.pct(before_s)} ({int(r['n_below_before']):,d} households) ({n_text}).")
    else:
        word_th, word_en = ("ลดลง", "fell") if after_s < before_s else ("เพิ่มขึ้น", "rose")
        caption = tr(
            lang, f"สัดส่วนครัวเรือนที่มีรายได้ต่อคนต่ำกว่าเส้นความยากจน{word_th}จาก "
                  f"{F.pct(before_s)} ({int(r['n_below_before']):,d} ครัวเรือน) เป็น "
                  f"{F.pct(after_s)} ({int(r['n_below_after']):,d} ครัวเรือน) ({n_text})",
            f"The share of households with income per person below the poverty line {word_en} "
            f"from {F.pct(before_s)} ({int(r['n_below_before']):,d} households) to "
            f"{F.pct(after_s)} ({int(r['n_below_after']):,d}) ({n_text}).")
    if pd.isna(p):
        caption += tr(lang, " (ไม่มีครัวเรือนใดเปลี่ยนสถานะ จึงไม่ต้องทดสอบ)",
                        " No household changed status, so there is nothing to test.")
    caption += tr(lang, " เส้นความยากจนของ สศช. เป็นบาทต่อคนต่อเดือน",
                    " Poverty line: NESDC, baht per person per month.")
    ctx.figure(fch.poverty_share(pov, lang=lang), "poverty_share",
               tr(lang, "ครัวเรือนใต้เส้นความยากจน", "Households below the poverty line"),
               caption)
    return R.jsonable({k: r[k] for k in ("share_below_before", "share_below_after",
                                          "n_below_before", "n_below_after", "n_pairs",
                                          "p_value")})


# =========================================================================== accounts
@report_section
def section_accounts(project, ctx, *, lang: str | None = None, village_id: str | None = None,
                     min_entries: int | None = None, min_months: int | None = None,
                     heading: bool = True) -> dict:
    """Account keeping and the savings group: who keeps accounts, group balance over time,
    regular savers.

    Returns
    -------
    dict
        ``accounts``: ``n_keeping, n_households, share`` (target households
        keeping accounts regularly, :func:`evaluation.ledger.account_keeping`);
        ``savings``: per group ``{group_id: {members, regular_savers,
        share_regular_savers, balance, loans_outstanding}}``.
    """
    lang = resolve_lang(ctx, lang)
    v = R.one_village(project, village_id)
    if heading:
        section_heading(ctx, lang, "การทำบัญชีครัวเรือนและกลุ่มออมทรัพย์",
                  "Account keeping and the savings group")
    if too_few(ctx, lang, v.participants["household_id"].nunique(),
               "ผลการทำบัญชีและการออม", "Account keeping and savings results"):
        return {"suppressed": True}
    return {"accounts": _accounts(v, ctx, lang, min_entries, min_months),
            "savings": _savings(v, ctx, lang)}


def _accounts(v, ctx, lang, min_entries, min_months) -> dict:
    from ..charts import finance as fch
    from ..ledger import MIN_ENTRIES, MIN_MONTHS, account_keeping, ledger_monthly
    from ..view_memo import target_account_keeping

    ctx.heading(tr(lang, "บัญชีครัวเรือน", "Household accounts"), level=3)
    if v.ledger.empty:
        return no_data(ctx, lang, "หมู่บ้านนี้ยังไม่มีข้อมูลบัญชีครัวเรือน",
                         "There are no household account books for this village.")
    min_entries = MIN_ENTRIES if min_entries is None else min_entries
    min_months = MIN_MONTHS if min_months is None else min_months
    people = v.participants
    target_hh = people.loc[people["role"] == "target", "household_id"].drop_duplicates()
    if target_hh.empty:
        target_hh = people["household_id"].drop_duplicates()
        keep = account_keeping(v.ledger, households=target_hh.tolist(), min_entries=min_entries,
                               min_months=min_months, lang=lang)
    else:   # the target households' rows, as the ladder's account-keeping metric has them
        keep = target_account_keeping(v, min_entries=min_entries, min_months=min_months,
                                      role="target", memo_fn=R.memo)
    keep = keep[keep["household_id"].isin(set(target_hh))]
    n_keep, n_hh = int(keep["keeps_accounts"].sum()), int(len(keep))
    monthly = ledger_monthly(v.ledger)
    rule = tr(lang, f"อย่างน้อย {min_entries} รายการต่อเดือน อย่างน้อย {min_months} เดือน",
                f"at least {min_entries} entries a month in at least {min_months} months")
    caption = tr(lang, f"ครัวเรือนกลุ่มเป้าหมาย {n_keep:,d} จาก {n_hh:,d} ครัวเรือน "
                         f"({F.pct(n_keep / n_hh if n_hh else None)}) บันทึกบัญชีสม่ำเสมอ ({rule})",
                   f"{n_keep:,d} of {n_hh:,d} target households "
                   f"({F.pct(n_keep / n_hh if n_hh else None)}) keep accounts regularly ({rule}).")
    ctx.figure(accounts_by_month(monthly, n_households=n_hh, lang=lang), "accounts_by_month",
               tr(lang, "ครัวเรือนที่บันทึกบัญชีแต่ละเดือน", "Households keeping accounts by month"),
               caption)
    per_month = monthly.groupby("month")[["income", "expenses"]].mean()
    fig = fch.ledger_income_expenses(monthly, stat="mean", lang=lang)
    ax = fig.axes[0]
    month_ticks(ax, per_month.index, lang, positions=range(len(per_month)))
    legend_outside(ax)
    ctx.figure(fig, "ledger_income_expenses",
               tr(lang, "รายรับรายจ่ายจากบัญชีครัวเรือน", "Income and expenses in the account books"),
               tr(lang, f"ค่าเฉลี่ยต่อครัวเรือนที่บันทึกบัญชีในเดือนนั้น: รายรับ {F.baht(per_month['income'].mean(), lang)} "
                          f"รายจ่าย {F.baht(per_month['expenses'].mean(), lang)} ต่อเดือน "
                          f"(เฉลี่ย {len(per_month):,d} เดือน)",
                    f"Mean per household writing that month: income "
                    f"{F.baht(per_month['income'].mean(), lang)} and expenses "
                    f"{F.baht(per_month['expenses'].mean(), lang)} a month (average of "
                    f"{len(per_month):,d} months)."))
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    detail = pd.DataFrame({
        t("รหัสครัวเรือน", "Household"): keep["household_id"].astype(str).to_numpy(),
        t("จำนวนรายการ", "Entries"): keep["n_entries"].astype(int).to_numpy(),
        t("เดือนที่ผ่านเกณฑ์", "Qualifying months"): keep["n_qualifying_months"].astype(int).to_numpy(),
        t("ทำบัญชีสม่ำเสมอ", "Keeps accounts"): [t("ใช่", "yes") if k else t("ไม่", "no")
                                                 for k in keep["keeps_accounts"]],
    })
    show_table(ctx, detail, "account_keeping", t("การทำบัญชีรายครัวเรือน", "Account keeping by household"),
              show=False)
    ctx.note(t("ตารางรายครัวเรือนอยู่ในไฟล์ tables.xlsx (แผ่นงาน 'การทำบัญชีรายครัวเรือน')",
               "The table per household is in tables.xlsx (sheet 'Account keeping by "
               "household')."))
    return {"n_keeping": n_keep, "n_households": n_hh,
            "share": R.jsonable(n_keep / n_hh if n_hh else None),
            "min_entries": min_entries, "min_months": min_months}


def _savings(v, ctx, lang) -> dict:
    from ..charts import finance as fch
    from ..savings import savings_monthly
    from ..view_memo import savings_summary_once

    ctx.heading(tr(lang, "กลุ่มออมทรัพย์", "Savings group"), level=3)
    if v.savings.empty:
        return no_data(ctx, lang, "หมู่บ้านนี้ยังไม่มีข้อมูลกลุ่มออมทรัพย์",
                         "There are no savings-group records for this village.")
    summary = savings_summary_once(v, memo_fn=R.memo)   # shared with the ladder's savers
    monthly = savings_monthly(v.savings)
    parts = []
    for r in summary.itertuples():
        parts.append(tr(
            lang, f"กลุ่ม {r.group_id}: เงินออมสะสม {F.baht(r.balance, lang)} สมาชิก {r.members:,d} คน "
                  f"ออมทุกเดือน {r.regular_savers:,d} คน ({F.pct(r.share_regular_savers)}) "
                  f"เงินกู้คงค้าง {F.baht(r.loans_outstanding, lang)} "
                  f"(ณ {F.date(r.period_end, lang)})",
            f"Group {r.group_id}: savings {F.baht(r.balance, lang)}, {r.members:,d} members, "
            f"{r.regular_savers:,d} saving every month ({F.pct(r.share_regular_savers)}), "
            f"loans outstanding {F.baht(r.loans_outstanding, lang)} (at "
            f"{F.date(r.period_end, lang)})."))
    fig = fch.savings_balance(monthly, lang=lang)
    month_ticks(fig.axes[0], sorted(monthly["month"].unique()), lang)
    ctx.figure(fig, "savings_balance",
               tr(lang, "เงินออมสะสมของกลุ่ม", "Savings-group balance"), " ".join(parts))
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    table = pd.DataFrame({
        t("กลุ่ม", "Group"): summary["group_id"].astype(str).to_numpy(),
        t("สมาชิก (คน)", "Members"): summary["members"].astype(int).to_numpy(),
        t("ออมทุกเดือน (คน)", "Regular savers"): summary["regular_savers"].astype(int).to_numpy(),
        t("ร้อยละผู้ออมทุกเดือน", "Share of regular savers (%)"):
            100 * summary["share_regular_savers"].to_numpy(dtype=float),
        t("จำนวนเดือน", "Months"): summary["n_months"].astype(int).to_numpy(),
        t("เงินฝากรวม (บาท)", "Deposits (baht)"): summary["total_deposits"].to_numpy(dtype=float),
        t("ถอนรวม (บาท)", "Withdrawals (baht)"): summary["total_withdrawals"].to_numpy(dtype=float),
        t("เงินออมสะสม (บาท)", "Balance (baht)"): summary["balance"].to_numpy(dtype=float),
        t("เงินกู้คงค้าง (บาท)", "Loans outstanding (baht)"):
            summary["loans_outstanding"].to_numpy(dtype=float),
    })
    show_table(ctx, table, "savings_groups", t("กลุ่มออมทรัพย์", "Savings groups"), decimals=0,
              note=t("ผู้ออมทุกเดือน = สมาชิกที่ฝากเงินทุกเดือนตั้งแต่เดือนแรกถึงเดือนสุดท้ายของกลุ่ม",
                     "A regular saver deposited in every month from the group's first to its "
                     "last month."))
    return {str(r.group_id): R.jsonable({
        "members": r.members, "regular_savers": r.regular_savers,
        "share_regular_savers": r.share_regular_savers, "balance": r.balance,
        "loans_outstanding": r.loans_outstanding}) for r in summary.itertuples()}
