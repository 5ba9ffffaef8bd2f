"""SROI charts: the tornado chart of a one-at-a-time sensitivity analysis."""

from __future__ import annotations

from ..errors import ArgumentError
from .base import PALETTE, new_figure, pick

__all__ = ["tornado_chart", "PARAMETER_LABELS"]

#: Assumption names in charts and tables.
PARAMETER_LABELS = {
    "th": {"deadweight": "ผลที่เกิดขึ้นเอง (deadweight)",
           "attribution": "ผลจากปัจจัยอื่น (attribution)",
           "displacement": "ผลทดแทน (displacement)", "drop_off": "ผลลดลงต่อปี (drop-off)",
           "proxy": "ตัวแทนค่าทางการเงิน (proxy)", "duration": "ระยะเวลา (ปี)",
           "discount_rate": "อัตราคิดลด"},
    "en": {"deadweight": "deadweight", "attribution": "attribution",
           "displacement": "displacement", "drop_off": "drop-off",
           "proxy": "financial proxy", "duration": "duration (years)",
           "discount_rate": "discount rate"},
}


def tornado_chart(sensitivity, *, lang: str = "th", top: int = 10, outcome_labels=None,
                  title: str | None = None):
    """Tornado chart: the SROI ratio's range as each assumption varies alone.

    Parameters
    ----------
    sensitivity : SensitivityResult
        From :func:`evaluation.sroi_sensitivity`.
    lang : {"th", "en"}, default "th"
    top : int, default 10
        Show the assumptions with the widest ranges, widest at the top.
    outcome_labels : dict, optional
        ``{outcome_id: label}`` for the bar labels (default: the ids).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per (assumption, outcome) from the lowest to the
        highest ratio of its variations (durations 1 … n included); a solid
        line at the base ratio and a dashed one at 1 (value equal to the
        investment).

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.charts.sroi import tornado_chart
    >>> sens = ev.sroi_sensitivity(ev.load_project("data/sample"), "P01")
    >>> fig = tornado_chart(sens, top=5)
    >>> len(fig.axes[0].get_yticklabels())
    5
    """
    pick(lang, "", "")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ArgumentError(f"top must be a whole number of at least 1, got {top!r}")
    table = sensitivity.table
    base = sensitivity.base_ratio
    key = table["outcome_id"].astype(object).where(table["outcome_id"].notna(), "")
    spans = (table.assign(_key=key).groupby(["parameter", "_key"], sort=False)["sroi_ratio"]
             .agg(["min", "max"]).reset_index())
    spans["swing"] = spans["max"] - spans["min"]
    spans = spans.sort_values("swing", ascending=False, kind="stable").head(top).iloc[::-1]
    names = PARAMETER_LABELS[lang]
    labels = outcome_labels or {}
    fig, ax = new_figure(7.5, 1.2 + 0.42 * len(spans))
    y = range(len(spans))
    low = spans["min"].clip(upper=base)
    high = spans["max"].clip(lower=base)
    ax.barh(list(y), (base - low).to_list(), left=low.to_list(), color=PALETTE[3],
            label=pick(lang, "ต่ำกว่าฐาน", "below base"))
    ax.barh(list(y), (high - base).to_list(), left=[base] * len(spans), color=PALETTE[0],
            label=pick(lang, "สูงกว่าฐาน", "above base"))
    ax.set_yticks(list(y), [f"{names.get(p, p)}" + (f" · {labels.get(k, k)}" if k else "")
                            for p, k in zip(spans["parameter"], spans["_key"])], fontsize=8)
    ax.axvline(base, color="#333333", linewidth=1)
    ax.axvline(1.0, color="#999999", linewidth=1, linestyle="--")
    ax.set_xlabel(pick(lang, f"อัตราผลตอบแทนทางสังคม (SROI) เส้นทึบ = ค่าฐาน {base:,.2f}",
                       f"SROI ratio (solid line = base {base:,.2f})"))
    ax.set_title(title or pick(lang, "ความไวของอัตรา SROI ต่อสมมติฐาน",
                               "Sensitivity of the SROI ratio to each assumption"))
    fig.legend(loc="outside lower center", ncol=2, frameon=False)
    return fig
