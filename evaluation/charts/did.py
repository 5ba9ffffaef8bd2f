"""Difference-in-differences chart: program and comparison group means over waves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import WAVES
from .base import PALETTE, new_figure, pick

__all__ = ["group_means_chart"]

_WAVE = {"th": {"pre": "ก่อน", "during": "ระหว่าง", "post": "หลัง"},
         "en": {"pre": "Before", "during": "During", "post": "After"}}


def group_means_chart(means: pd.DataFrame, *, ylabel: str = "", lang: str = "th"):
    """Means of both groups at every wave, with 95% intervals (a line per group).

    Parameters
    ----------
    means : pandas.DataFrame
        One row per group × wave with columns ``group`` (``program`` or
        ``comparison``), ``wave``, ``mean``, ``ci_low``, ``ci_high``, ``n``.
    ylabel : str
        Axis label (the outcome and its unit).
    lang : {"th", "en"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"group": ["program"] * 2 + ["comparison"] * 2,
    ...                   "wave": ["pre", "post"] * 2, "mean": [10, 14, 10, 11],
    ...                   "ci_low": [9, 13, 9, 10], "ci_high": [11, 15, 11, 12], "n": 5})
    >>> fig = group_means_chart(m, ylabel="income")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['กลุ่มโครงการ (n = 5)', 'กลุ่มเปรียบเทียบ (n = 5)']
    """
    pick(lang, "", "")
    fig, ax = new_figure(6.5, 3.8)
    waves = [w for w in WAVES if w in set(means["wave"].astype(str))]
    x = {w: i for i, w in enumerate(waves)}
    labels = {"program": pick(lang, "กลุ่มโครงการ", "Program group"),
              "comparison": pick(lang, "กลุ่มเปรียบเทียบ", "Comparison group")}
    styles = {"program": {"color": PALETTE[0], "marker": "o", "linestyle": "-"},
              "comparison": {"color": PALETTE[1], "marker": "s", "linestyle": "--"}}
    for g in ("program", "comparison"):
        sub = means[means["group"] == g].copy()
        sub = sub[sub["wave"].astype(str).isin(waves)]
        if sub.empty:
            continue
        sub["_x"] = sub["wave"].astype(str).map(x) + (0.03 if g == "comparison" else -0.03)
        sub = sub.sort_values("_x")
        n = int(sub["n"].max())
        ax.errorbar(sub["_x"], sub["mean"],
                    yerr=[np.maximum(sub["mean"] - sub["ci_low"], 0).fillna(0),
                          np.maximum(sub["ci_high"] - sub["mean"], 0).fillna(0)],
                    capsize=3, label=f"{labels[g]} (n = {n:,d})", **styles[g])
    ax.set_xticks(range(len(waves)))
    ax.set_xticklabels([_WAVE[lang][w] for w in waves])
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="best", frameon=False)
    return fig
