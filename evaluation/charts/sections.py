"""Charts used by the report sections that the chart families do not provide:
a forest plot of mean change per group, theme and keyword bars, a
group × theme heat map and account keeping month by month.

Every function returns a :class:`matplotlib.figure.Figure` made with
:func:`evaluation.charts.base.new_figure`, Thai labels by default
(``lang="en"`` for English), a title and axis labels with units.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .base import PALETTE, new_figure, pick

__all__ = ["accounts_by_month", "forest_plot", "keyword_bars", "legend_outside", "month_label",
           "month_ticks", "theme_bars", "theme_heatmap"]


def _need(frame: pd.DataFrame, columns, name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{name} is missing column(s) {', '.join(missing)}; columns present: "
                       f"{', '.join(map(str, frame.columns))}")


#: Charts with one row per group label every row up to this many groups; with
#: more (a national program) they show the distribution without row labels.
MAX_LABELLED_ROWS = 40


def forest_plot(frame: pd.DataFrame, *, label: str, mean: str = "mean_diff",
                low: str = "ci_low", high: str = "ci_high", n: str = "n_pairs",
                unit: str = "", lang: str = "th", title: str | None = None,
                xlabel: str | None = None, overall: str | None = None):
    """Mean change and its confidence interval per group, one row each.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per group (e.g. ``happiness_change(..., by="village_id")``
        for one contrast), in the order to draw from top to bottom.
    label, mean, low, high, n : str
        Columns: row label, point estimate, interval bounds, n behind it.
    unit : str
        Unit shown on the x axis (``คะแนน``, ``บาท``).
    lang : {"th", "en"}
    title, xlabel : str, optional
    overall : str, optional
        Label of a row drawn as a diamond (the pooled estimate).

    Returns
    -------
    matplotlib.figure.Figure
        Points with horizontal interval lines, a dashed line at zero; each
        row label carries ``n``. Rows without an estimate say so. With more
        than :data:`MAX_LABELLED_ROWS` groups the groups are drawn sorted by
        their estimate without labels (a "caterpillar" plot) and the overall
        row as a vertical line, so the chart keeps a readable size.
    """
    pick(lang, "", "")
    _need(frame, [label, mean, low, high, n], "frame")
    rows = frame.reset_index(drop=True)
    groups = rows if overall is None else rows[rows[label].astype(str) != overall]
    if len(groups) > MAX_LABELLED_ROWS:
        return _caterpillar(rows, label=label, mean=mean, low=low, high=high, unit=unit,
                            lang=lang, title=title, xlabel=xlabel, overall=overall)
    k = max(len(rows), 1)
    fig, ax = new_figure(7.0, 1.2 + 0.45 * k)
    ys = np.arange(len(rows))[::-1]
    for y, (_, r) in zip(ys, rows.iterrows()):
        m, lo, hi = r[mean], r[low], r[high]
        is_overall = overall is not None and str(r[label]) == overall
        colour = "#000000" if is_overall else PALETTE[0]
        if pd.notna(lo) and pd.notna(hi) and math.isfinite(lo) and math.isfinite(hi):
            ax.plot([lo, hi], [y, y], color=colour, linewidth=2)
        if pd.notna(m):
            ax.plot([m], [y], marker="D" if is_overall else "o", color=colour,
                    markersize=8 if is_overall else 6)
        else:
            ax.text(0, y, pick(lang, "  ไม่มีข้อมูลคู่ก่อน–หลัง", "  no before–after pairs"),
                    va="center", fontsize=8, color="#666666")
    ax.axvline(0, color="#999999", linestyle="--", linewidth=1)
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{r[label]} (n = {int(r[n]) if pd.notna(r[n]) else 0:,d})"
                        for _, r in rows.iterrows()])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    unit_text = f" ({unit})" if unit else ""
    ax.set_xlabel(xlabel or pick(lang, f"การเปลี่ยนแปลงเฉลี่ย พร้อมช่วงความเชื่อมั่น 95%{unit_text}",
                                 f"Mean change with 95% confidence interval{unit_text}"))
    ax.set_ylabel(pick(lang, "กลุ่ม", "Group"))
    ax.set_title(title or pick(lang, "การเปลี่ยนแปลงเฉลี่ยแยกตามกลุ่ม", "Mean change by group"))
    return fig


def _caterpillar(rows: pd.DataFrame, *, label, mean, low, high, unit, lang, title, xlabel,
                 overall):
    """Forest plot of many groups: sorted by estimate, no row labels."""
    is_overall = (rows[label].astype(str) == overall) if overall is not None else \
        pd.Series(False, index=rows.index)
    data = rows[~is_overall].sort_values(mean, kind="stable", na_position="first")
    data = data[data[mean].notna()]
    k = len(data)
    fig, ax = new_figure(7.0, 5.5)
    ys = np.arange(k)
    lo, hi = data[low].to_numpy(dtype=float), data[high].to_numpy(dtype=float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(ys[ok], lo[ok], hi[ok], color=PALETTE[5], linewidth=0.8)
    ax.plot(data[mean].to_numpy(dtype=float), ys, "o", color=PALETTE[0], markersize=2.5)
    ax.axvline(0, color="#999999", linestyle="--", linewidth=1)
    if is_overall.any():
        r = rows[is_overall].iloc[0]
        if pd.notna(r[mean]):
            ax.axvline(float(r[mean]), color="#000000", linewidth=1.5,
                       label=f"{r[label]}: {float(r[mean]):+,.1f}")
            ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_yticks([])
    ax.set_ylim(-1, max(k, 1))
    missing = int((~is_overall).sum()) - k
    unit_text = f" ({unit})" if unit else ""
    ax.set_xlabel(xlabel or pick(lang, f"การเปลี่ยนแปลงเฉลี่ย พร้อมช่วงความเชื่อมั่น 95%{unit_text}",
                                 f"Mean change with 95% confidence interval{unit_text}"))
    ax.set_ylabel(pick(lang, f"{k:,d} กลุ่ม เรียงตามค่าเฉลี่ย"
                       + (f" (ไม่มีข้อมูล {missing:,d})" if missing else ""),
                       f"{k:,d} groups, sorted by mean"
                       + (f" ({missing:,d} without data)" if missing else "")))
    ax.set_title(title or pick(lang, "การเปลี่ยนแปลงเฉลี่ยแยกตามกลุ่ม", "Mean change by group"))
    return fig


def theme_bars(summary: pd.DataFrame, *, lang: str = "th", title: str | None = None):
    """Share of sentences per theme (one group), from ``code_themes(...).summary``.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars in percent of the group's sentences, in codebook
        order, labelled with the number of sentences.
    """
    pick(lang, "", "")
    _need(summary, ["theme_th", "theme_en", "n_sentences", "n_sentences_total",
                    "share_of_sentences"], "summary")
    rows = summary.reset_index(drop=True)
    fig, ax = new_figure(7.0, 1.2 + 0.4 * max(len(rows), 1))
    labels = rows["theme_th"] if lang == "th" else rows["theme_en"]
    ys = np.arange(len(rows))[::-1]
    shares = 100 * rows["share_of_sentences"].fillna(0).to_numpy(dtype=float)
    ax.barh(ys, shares, color=PALETTE[0])
    for y, s, n in zip(ys, shares, rows["n_sentences"]):
        ax.text(s, y, f" {int(n):,d}", va="center", fontsize=8)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels.astype(str).tolist())
    ax.set_xlabel(pick(lang, "ร้อยละของประโยคที่กล่าวถึงประเด็น (%)",
                       "Share of sentences mentioning the theme (%)"))
    ax.set_ylabel(pick(lang, "ประเด็น", "Theme"))
    ax.set_xlim(0, max(float(shares.max()) * 1.2 if len(shares) else 0, 10))
    ax.set_title(title or pick(lang, "ประเด็นที่พบในบทเรียน", "Themes in the lessons learned"))
    return fig


def keyword_bars(keywords: pd.DataFrame, *, top: int = 15, lang: str = "th",
                 title: str | None = None):
    """The most frequent words, from :func:`evaluation.lessons.keywords`.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars of word counts, most frequent on top.
    """
    pick(lang, "", "")
    _need(keywords, ["word", "count"], "keywords")
    rows = keywords.head(top).reset_index(drop=True)
    fig, ax = new_figure(7.0, 1.2 + 0.3 * max(len(rows), 1))
    ys = np.arange(len(rows))[::-1]
    ax.barh(ys, rows["count"].to_numpy(dtype=float), color=PALETTE[2])
    ax.set_yticks(ys)
    ax.set_yticklabels(rows["word"].astype(str).tolist())
    ax.set_xlabel(pick(lang, "จำนวนครั้งที่พบ (ครั้ง)", "Occurrences (times)"))
    ax.set_ylabel(pick(lang, "คำ", "Word"))
    ax.set_title(title or pick(lang, "คำสำคัญที่พบบ่อย", "Frequent keywords"))
    return fig


def theme_heatmap(summary: pd.DataFrame, *, by: str = "village_id", lang: str = "th",
                  title: str | None = None, row_labels: dict | None = None):
    """Group × theme heat map of the share of sentences (portfolio view).

    Returns
    -------
    matplotlib.figure.Figure
        Rows are groups (villages), columns themes in codebook order, cells
        the percent of the group's sentences mentioning the theme. With more
        than :data:`MAX_LABELLED_ROWS` groups rows are not labelled and cells
        carry no numbers (the chart keeps a readable size).
    """
    pick(lang, "", "")
    _need(summary, [by, "theme", "theme_th", "theme_en", "share_of_sentences"], "summary")
    themes = summary.drop_duplicates("theme")
    groups = list(dict.fromkeys(summary[by].astype(str)))
    mat = (summary.assign(_g=summary[by].astype(str))
           .pivot_table(index="_g", columns="theme", values="share_of_sentences",
                        aggfunc="first")
           .reindex(index=groups, columns=themes["theme"].tolist()) * 100)
    many = len(groups) > MAX_LABELLED_ROWS
    fig, ax = new_figure(1.5 + 0.9 * max(len(themes), 1),
                         7.0 if many else 1.6 + 0.45 * max(len(groups), 1))
    data = mat.to_numpy(dtype=float)
    im = ax.imshow(np.nan_to_num(data, nan=0.0), cmap="Blues", aspect="auto",
                   vmin=0, vmax=max(np.nanmax(data) if data.size and np.isfinite(data).any()
                                    else 0, 1))
    for i in range(0 if many else data.shape[0]):
        for j in range(data.shape[1]):
            if np.isfinite(data[i, j]):
                ax.text(j, i, f"{data[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if data[i, j] > 0.6 * np.nanmax(data) else "black")
    names = themes["theme_th"] if lang == "th" else themes["theme_en"]
    from ..charts.ladder import wrap_thai

    ax.set_xticks(range(len(themes)))
    ax.set_xticklabels([wrap_thai(str(x), 12, max_lines=3) for x in names], fontsize=8)
    if many:
        ax.set_yticks([])
        ax.set_ylabel(pick(lang, f"หมู่บ้าน ({len(groups):,d} หมู่บ้าน ตามลำดับในข้อมูล)",
                           f"Villages ({len(groups):,d}, in data order)"))
    else:
        ax.set_yticks(range(len(groups)))
        ax.set_yticklabels([(row_labels or {}).get(g, g) for g in groups])
        ax.set_ylabel(pick(lang, "หมู่บ้าน", "Village"))
    ax.set_xlabel(pick(lang, "ประเด็น", "Theme"))
    bar = fig.colorbar(im, ax=ax)
    bar.set_label(pick(lang, "ร้อยละของประโยค (%)", "Share of sentences (%)"))
    ax.set_title(title or pick(lang, "ประเด็นบทเรียนแยกตามหมู่บ้าน", "Lesson themes by village"))
    return fig


def accounts_by_month(monthly: pd.DataFrame, *, n_households: int, lang: str = "th",
                      title: str | None = None):
    """Households writing in their account book each month.

    Parameters
    ----------
    monthly : pandas.DataFrame
        :func:`evaluation.ledger.ledger_monthly` output (``household_id``,
        ``month``, ``n_entries``).
    n_households : int
        Households expected to keep accounts (drawn as a dashed line).

    Returns
    -------
    matplotlib.figure.Figure
        Bars: households with at least one entry that month.
    """
    pick(lang, "", "")
    _need(monthly, ["household_id", "month"], "monthly")
    per = monthly.groupby("month")["household_id"].nunique().sort_index()
    fig, ax = new_figure(7.0, 3.6)
    ax.bar(per.index, per.to_numpy(dtype=float), width=20, color=PALETTE[0])
    ax.axhline(n_households, color="#666666", linestyle="--", linewidth=1,
               label=pick(lang, f"ครัวเรือนทั้งหมด ({n_households:,d})",
                          f"All households ({n_households:,d})"))
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xlabel(pick(lang, "เดือน", "Month"))
    ax.set_ylabel(pick(lang, "จำนวน (ครัวเรือน)", "Households with entries (households)"))
    ax.set_ylim(0, max(n_households, int(per.max()) if len(per) else 0) * 1.35 + 1)
    ax.set_title(title or pick(lang, "จำนวนครัวเรือนที่บันทึกบัญชีแต่ละเดือน",
                               "Households keeping accounts each month"))
    month_ticks(ax, per.index, lang)
    return fig


def month_label(month, lang: str = "th") -> str:
    r"""Axis label of a month: ``ส.ค.\n64`` (Buddhist era) in Thai, ``Aug\n21`` in English.

    >>> month_label(pd.Timestamp("2021-08-01")), month_label(pd.Timestamp("2021-08-01"), "en")
    ('ส.ค.\n64', 'Aug\n21')
    """
    pick(lang, "", "")
    m = pd.Timestamp(month)
    if lang == "th":
        from ..thai import _TH_MONTHS_ABBR

        return f"{_TH_MONTHS_ABBR[m.month - 1]}\n{(m.year + 543) % 100:02d}"
    return m.strftime("%b\n%y")


def month_ticks(ax, months, lang: str = "th", *, positions=None, max_labels: int = 14) -> None:
    """Label an axis month by month in the report language (Buddhist era in Thai).

    Parameters
    ----------
    ax : matplotlib Axes
    months : sequence of dates
        The months, in axis order.
    positions : sequence, optional
        Tick positions (default: the months themselves, for date axes; give
        ``0, 1, ...`` for bar charts drawn at integer positions).
    max_labels : int, default 14
        With more months only every second (third ...) month is labelled.
    """
    months = [pd.Timestamp(m) for m in months]
    positions = list(months if positions is None else positions)
    step = max(1, math.ceil(len(months) / max_labels))
    ax.set_xticks(positions[::step], [month_label(m, lang) for m in months[::step]],
                  rotation=0, ha="center", fontsize=8)


def legend_outside(ax, **kwargs) -> None:
    """Move an axes' legend to the right of the plot, where it covers no data."""
    if ax.get_legend() is None:
        return
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)
