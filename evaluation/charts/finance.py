"""Household-money charts: before/after means, change distributions, savings balance,
account-book months and the share below the poverty line.

Each function takes a table made by :mod:`evaluation.finance`,
:mod:`evaluation.ledger` or :mod:`evaluation.savings` and returns a
:class:`matplotlib.figure.Figure` (Thai labels by default, ``lang="en"`` for
English). Amount axes use thousands separators and say "บาท" / "baht".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
from scipy import stats as _st

from ..errors import ArgumentError, require_columns
from ..finance import MEASURES, FinanceArgumentError
from .base import PALETTE, WAVE_COLOURS, new_figure, pick

__all__ = ["finance_before_after", "finance_change_distribution", "savings_balance",
           "ledger_income_expenses", "poverty_share", "MEASURE_LABELS"]

#: Measure labels and units: measure -> (th, en, unit th, unit en).
MEASURE_LABELS = {
    "income": ("รายได้ต่อเดือน", "Monthly income", "บาท/เดือน", "baht/month"),
    "expenses": ("รายจ่ายต่อเดือน", "Monthly expenses", "บาท/เดือน", "baht/month"),
    "net": ("รายได้สุทธิต่อเดือน", "Net monthly income", "บาท/เดือน", "baht/month"),
    "debt_formal": ("หนี้ในระบบ", "Formal debt", "บาท", "baht"),
    "debt_informal": ("หนี้นอกระบบ", "Informal debt", "บาท", "baht"),
    "debt_total": ("หนี้สินรวม", "Total debt", "บาท", "baht"),
    "savings": ("เงินออม", "Savings", "บาท", "baht"),
    "debt_to_annual_income": ("หนี้ต่อรายได้ทั้งปี", "Debt to annual income", "เท่า", "times"),
}

_BAHT = FuncFormatter(lambda x, _pos: f"{x:,.0f}")
_RATIO = FuncFormatter(lambda x, _pos: f"{x:,.2f}")


def _check_lang(lang: str) -> None:
    pick(lang, "", "")  # raises a clear error for anything but th/en


def _need(table, columns, what: str) -> None:
    try:
        require_columns(table, columns, what=what)
    except ArgumentError as exc:  # finance charts raise the finance family's error
        raise FinanceArgumentError(str(exc)) from None
    if not len(table):
        raise FinanceArgumentError(f"{what} is empty: nothing to plot")


def _measures(measures, allowed) -> list[str]:
    items = [measures] if isinstance(measures, str) else list(measures)
    bad = [m for m in items if m not in allowed]
    if bad or not items:
        raise FinanceArgumentError(f"measures must be drawn from {tuple(allowed)}; "
                                   f"got {measures!r}")
    return items


def _unit(measure: str, lang: str) -> str:
    th, en, uth, uen = MEASURE_LABELS[measure]
    return f"{pick(lang, th, en)} ({pick(lang, uth, uen)})"


_KEY_LABELS = {
    "village_id": ("หมู่บ้าน", "Village"), "project_id": ("โครงการ", "Project"),
    "group_id": ("กลุ่มออมทรัพย์", "Savings group"), "sex": ("เพศ", "Sex"),
    "occupation_group": ("กลุ่มอาชีพ", "Occupation group"), "subdistrict": ("ตำบล", "Subdistrict"),
    "district": ("อำเภอ", "District"), "province": ("จังหวัด", "Province"),
}


def _keys_label(keys: list[str], lang: str) -> str:
    names = [pick(lang, *_KEY_LABELS[k]) if k in _KEY_LABELS else k for k in keys]
    return " / ".join(names)


def _group_label(row: pd.Series, keys: list[str]) -> str:
    return " / ".join("—" if pd.isna(row[k]) else str(row[k]) for k in keys)


#: Layout of the multi-panel finance charts for an A4 page.
PANELS_PER_ROW = 3
PANEL_WIDTH = 2.35
PANEL_HEIGHT = 2.9


def finance_before_after(change: pd.DataFrame, *, measures=("income", "expenses", "debt_total",
                                                            "savings"),
                         conf_level: float = 0.95, lang: str = "th", title: str | None = None):
    """Mean before and after per measure, with confidence intervals of each mean.

    Parameters
    ----------
    change : pandas.DataFrame
        Output of :func:`evaluation.finance_change` (one or several groups).
    measures : list of str
        Measures to draw, one panel each.
    conf_level : float
        Level of the error bars: ``mean ± t(1 − α/2, n − 1) · sd / √n`` over
        the households with both waves (``n_pairs``, ``sd_before``,
        ``sd_after``).
    lang : {"th", "en"}
    title : str, optional
        Figure title (default: a description of the chart).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per measure, at most three a row (laid out for an A4 page);
        bars for before and after per group.
    """
    _check_lang(lang)
    chosen = _measures(measures, MEASURES)
    _need(change, ["measure", "n_pairs", "mean_before", "mean_after", "sd_before",
                   "sd_after"], "change")
    if not 0 < conf_level < 1:
        raise FinanceArgumentError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    known = set(change.columns) - {"measure"}
    stat_cols = {"n_households", "median_before", "median_after", "sd_before", "sd_after",
                 "share_income_up", "share_debt_down", "share_savings_up"}
    from ..stats import PAIRED_FIELDS
    keys = [c for c in change.columns if c in known and c not in stat_cols
            and c not in PAIRED_FIELDS]
    # At most three panels a row, sized for an A4 page (about 7 inches of text width)
    # so the printed labels stay near their 10-point size; a spare cell holds the legend.
    ncols = 2 if len(chosen) == 4 else min(PANELS_PER_ROW, len(chosen))
    nrows = -(-len(chosen) // ncols)
    fig, grid = new_figure(width=PANEL_WIDTH * ncols + 0.4,
                           height=PANEL_HEIGHT * nrows + 0.5, ncols=ncols, nrows=nrows,
                           squeeze=False)
    cells = list(grid.ravel())
    axes, spare = cells[:len(chosen)], cells[len(chosen):]
    for ax in spare:
        ax.set_axis_off()
    # the columns drawn, read once; each panel takes its measure's rows by position
    which = change["measure"].to_numpy(dtype=object, na_value=None)
    values = {c: change[c].to_numpy(dtype=float) for c in (
        "n_pairs", "mean_before", "mean_after", "sd_before", "sd_after")}
    for ax, m in zip(axes, chosen):
        at = np.flatnonzero(which == m)
        if not len(at):
            raise FinanceArgumentError(f"change has no rows for measure {m!r}")
        labels = [_group_label(r, keys) for _, r in change.iloc[at].iterrows()] if keys \
            else [""]
        x = np.arange(len(at))
        width = 0.38
        n = values["n_pairs"][at]
        with np.errstate(invalid="ignore", divide="ignore"):
            q = _st.t.ppf(1 - (1 - conf_level) / 2, n - 1)
        for j, (side, colour, lab) in enumerate((
                ("before", WAVE_COLOURS["pre"], pick(lang, "ก่อน", "Before")),
                ("after", WAVE_COLOURS["post"], pick(lang, "หลัง", "After")))):
            mean = values[f"mean_{side}"][at]
            with np.errstate(invalid="ignore", divide="ignore"):
                half = q * values[f"sd_{side}"][at] / np.sqrt(n)
            ax.bar(x + (j - 0.5) * width, mean, width, color=colour, label=lab,
                   yerr=np.where(np.isfinite(half), half, 0), capsize=3,
                   error_kw={"elinewidth": 1, "ecolor": "#333333"})
        ax.set_xticks(x, labels, rotation=30 if len(at) > 4 else 0,
                      ha="right" if len(at) > 4 else "center")
        th, en, uth, uen = MEASURE_LABELS[m]
        ax.yaxis.set_major_formatter(_RATIO if m == "debt_to_annual_income" else _BAHT)
        ax.set_ylabel(pick(lang, f"ค่าเฉลี่ย ({uth})", f"Mean ({uen})"))
        if keys:
            ax.set_title(pick(lang, th, en), fontsize=11)
            ax.set_xlabel(_keys_label(keys, lang))
        else:  # one group: its size goes in the title, the x axis needs no label
            ax.set_title(pick(lang, f"{th} (n = {int(n[0])})", f"{en} (n = {int(n[0])})"),
                         fontsize=11)
    handles, labels = axes[0].get_legend_handles_labels()
    if spare:
        spare[0].legend(handles, labels, frameon=False, fontsize=10, loc="center",
                        title=None if keys else pick(
                            lang, "ครัวเรือนที่มีข้อมูลทั้งสองรอบ",
                            "Households with both waves"), title_fontsize=10)
    else:
        axes[0].legend(frameon=False, fontsize=9)
    pct = f"{conf_level:.0%}"
    fig.suptitle(title or pick(lang, f"การเงินครัวเรือนก่อนและหลังโครงการ (ค่าเฉลี่ย, ช่วงเชื่อมั่น {pct})",
                               f"Household finance before and after (mean, {pct} CI)"),
                 fontweight="bold")
    return fig


def finance_change_distribution(households: pd.DataFrame, *,
                                measures=("income", "debt_total"), bins: int = 20,
                                lang: str = "th", title: str | None = None):
    """Histogram of the per-household change of each measure.

    Parameters
    ----------
    households : pandas.DataFrame
        Output of :func:`evaluation.household_finance` (``<measure>_change``
        columns).
    measures : list of str
        Measures to draw, one panel each (default income and total debt).
    bins : int
        Histogram bins.
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One histogram per measure over households with both waves, with lines
        at zero and at the median change.
    """
    _check_lang(lang)
    chosen = _measures(measures, MEASURES)
    _need(households, [f"{m}_change" for m in chosen], "households")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise FinanceArgumentError(f"bins must be a whole number of at least 1, got {bins!r}")
    fig, axes = new_figure(width=3.6 * len(chosen) + 0.6, height=3.8, ncols=len(chosen),
                           squeeze=False)
    for ax, m in zip(axes[0], chosen):
        vals = households[f"{m}_change"].to_numpy(dtype=float)
        vals = vals[np.isfinite(vals)]
        th, en, uth, uen = MEASURE_LABELS[m]
        if len(vals):
            ax.hist(vals, bins=bins, color=PALETTE[0], edgecolor="white")
            med = float(np.median(vals))
            ax.axvline(0, color="#333333", linewidth=1)
            ax.axvline(med, color=PALETTE[3], linestyle="--", linewidth=1.2,
                       label=pick(lang, f"มัธยฐาน {med:,.0f}", f"median {med:,.0f}")
                       if m != "debt_to_annual_income" else
                       pick(lang, f"มัธยฐาน {med:,.2f}", f"median {med:,.2f}"))
            ax.legend(frameon=False, fontsize=9)
        else:
            ax.text(0.5, 0.5, pick(lang, "ไม่มีข้อมูล", "No data"), ha="center",
                    va="center", transform=ax.transAxes)
        ax.set_title(pick(lang, f"{th} (n = {len(vals)})", f"{en} (n = {len(vals)})"),
                     fontsize=11)
        ax.set_xlabel(pick(lang, f"การเปลี่ยนแปลง ({uth})", f"Change ({uen})"))
        ax.set_ylabel(pick(lang, "จำนวนครัวเรือน", "Households"))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of households
        ax.xaxis.set_major_formatter(_RATIO if m == "debt_to_annual_income" else _BAHT)
    fig.suptitle(title or pick(lang, "การกระจายของการเปลี่ยนแปลงรายครัวเรือน (หลัง − ก่อน)",
                               "Distribution of household change (after − before)"),
                 fontweight="bold")
    return fig


def savings_balance(monthly: pd.DataFrame, *, by: str = "group_id", loans: bool = True,
                    lang: str = "th", title: str | None = None):
    """Savings-group balance month by month (and loans outstanding).

    Parameters
    ----------
    monthly : pandas.DataFrame
        Output of :func:`evaluation.savings_monthly`.
    by : str
        The group column (one line per group).
    loans : bool
        Also draw loans outstanding (dashed).
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_lang(lang)
    _need(monthly, [by, "month", "balance", "loans_outstanding"], "monthly")
    fig, ax = new_figure(width=7.5, height=4.2)
    for i, (key, g) in enumerate(monthly.groupby(by, sort=True, dropna=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(g["month"], g["balance"], marker="o", markersize=3, color=colour,
                label=pick(lang, f"{key}: เงินออมคงเหลือ", f"{key}: balance"))
        if loans:
            ax.plot(g["month"], g["loans_outstanding"], linestyle="--", color=colour,
                    label=pick(lang, f"{key}: เงินกู้คงค้าง", f"{key}: loans outstanding"))
    ax.yaxis.set_major_formatter(_BAHT)
    ax.set_xlabel(pick(lang, "เดือน", "Month"))
    ax.set_ylabel(pick(lang, "ยอดสะสม (บาท)", "Cumulative amount (baht)"))
    ax.set_title(title or pick(lang, "เงินออมของกลุ่มออมทรัพย์รายเดือน",
                               "Savings-group balance by month"))
    ax.legend(frameon=False, fontsize=8, ncols=2)
    fig.autofmt_xdate()
    return fig


def ledger_income_expenses(monthly: pd.DataFrame, *, household: str | None = None,
                           stat: str = "sum", household_col: str = "household_id",
                           lang: str = "th", title: str | None = None):
    """Account-book income and expenses per month (bars) with net (line).

    Parameters
    ----------
    monthly : pandas.DataFrame
        Output of :func:`evaluation.ledger_monthly`.
    household : str, optional
        Draw one household only; default all households together.
    stat : {"sum", "mean"}
        Combine households by total or by mean per household keeping accounts
        that month.
    household_col : str
        The household column of ``monthly``.
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_lang(lang)
    _need(monthly, [household_col, "month", "income", "expenses"], "monthly")
    if stat not in ("sum", "mean"):
        raise FinanceArgumentError(f"stat must be 'sum' or 'mean', got {stat!r}")
    data = monthly
    if household is not None:
        data = monthly[monthly[household_col] == household]
        if not len(data):
            raise FinanceArgumentError(f"household {household!r} has no rows in monthly")
    agg = data.groupby("month", sort=True)[["income", "expenses"]].agg(stat)
    fig, ax = new_figure(width=7.5, height=4.2)
    x = np.arange(len(agg))
    width = 0.4
    ax.bar(x - width / 2, agg["income"], width, color=PALETTE[2],
           label=pick(lang, "รายรับ", "Income"))
    ax.bar(x + width / 2, agg["expenses"], width, color=PALETTE[3],
           label=pick(lang, "รายจ่าย", "Expenses"))
    ax.plot(x, agg["income"] - agg["expenses"], color="#333333", marker="o", markersize=3,
            label=pick(lang, "คงเหลือสุทธิ", "Net"))
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_xticks(x, [m.strftime("%Y-%m") for m in agg.index], rotation=45, ha="right")
    ax.yaxis.set_major_formatter(_BAHT)
    ax.set_xlabel(pick(lang, "เดือน", "Month"))
    who_th = "รวมทุกครัวเรือน" if stat == "sum" else "เฉลี่ยต่อครัวเรือน"
    who_en = "all households" if stat == "sum" else "mean per household"
    if household is not None:
        who_th, who_en = f"ครัวเรือน {household}", f"household {household}"
    ax.set_ylabel(pick(lang, "จำนวนเงิน (บาท)", "Amount (baht)"))
    ax.set_title(title or pick(lang, f"รายรับ-รายจ่ายจากบัญชีครัวเรือน ({who_th})",
                               f"Account-book income and expenses ({who_en})"))
    ax.legend(frameon=False, fontsize=9)
    return fig


def poverty_share(poverty: pd.DataFrame, *, lang: str = "th", title: str | None = None):
    """Share of households below the poverty line, before and after, per group.

    Parameters
    ----------
    poverty : pandas.DataFrame
        Output of :func:`evaluation.poverty_change`.
    lang : {"th", "en"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Bars in percent, labelled with the counts (below / households with
        both waves).
    """
    _check_lang(lang)
    _need(poverty, ["share_below_before", "share_below_after", "n_pairs", "n_below_before",
                    "n_below_after"], "poverty")
    stat_cols = {"n_before", "n_after", "n_pairs", "n_below_before", "n_below_after",
                 "share_below_before", "share_below_after", "change", "b", "c", "statistic",
                 "p_value", "method", "reason"}
    keys = [c for c in poverty.columns if c not in stat_cols]
    labels = [_group_label(r, keys) for _, r in poverty.iterrows()] if keys else [""]
    fig, ax = new_figure(width=max(4.5, 1.4 * len(poverty) + 2), height=4.0)
    x = np.arange(len(poverty))
    width = 0.38
    for j, (side, colour, lab) in enumerate((
            ("before", WAVE_COLOURS["pre"], pick(lang, "ก่อน", "Before")),
            ("after", WAVE_COLOURS["post"], pick(lang, "หลัง", "After")))):
        share = poverty[f"share_below_{side}"].to_numpy(dtype=float) * 100
        bars = ax.bar(x + (j - 0.5) * width, share, width, color=colour, label=lab)
        counts = [f"{int(k)}/{int(n)}" for k, n in zip(poverty[f"n_below_{side}"],
                                                     poverty["n_pairs"])]
        ax.bar_label(bars, counts, fontsize=8, padding=2)
    ax.set_xticks(x, labels)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylim(0, max(10.0, float(np.nanmax(poverty[["share_below_before",
                                                       "share_below_after"]].to_numpy(
                                                           dtype=float) * 100, initial=0)) * 1.2))
    ax.set_ylabel(pick(lang, "ครัวเรือนใต้เส้นความยากจน (%)",
                       "Households below the line (%)"))
    ax.set_xlabel(_keys_label(keys, lang) if keys else
                  pick(lang, "ครัวเรือนที่มีข้อมูลทั้งสองรอบ", "Households with both waves"))
    ax.set_title(title or pick(lang, "สัดส่วนครัวเรือนใต้เส้นความยากจน ก่อน-หลัง",
                               "Share of households below the poverty line"))
    ax.legend(frameon=False, fontsize=9)
    return fig
