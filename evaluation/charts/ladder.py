"""Outcome-ladder charts: the staircase and the village × indicator heat map.

Both take the output of :func:`evaluation.evaluate_ladder` and colour by
status with :data:`evaluation.charts.base.STATUS_COLOURS`.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from ..errors import ArgumentError, require_columns
from .base import STATUS_COLOURS, new_figure, pick

__all__ = ["ladder_chart", "ladder_heatmap", "wrap_thai"]

_STATUSES = ("achieved", "partial", "not_achieved", "no_data")
_LABELS = {
    "th": {"achieved": "บรรลุ", "partial": "บรรลุบางส่วน", "not_achieved": "ไม่บรรลุ",
           "no_data": "ไม่มีข้อมูล"},
    "en": {"achieved": "Achieved", "partial": "Partly achieved", "not_achieved": "Not achieved",
           "no_data": "No data"},
}
_NEEDED = ("project_id", "village_id", "step", "outcome", "indicator_id", "label", "status")


def _visible_len(text: str) -> int:
    """Characters that take horizontal space (Thai vowel/tone marks take none)."""
    return sum(unicodedata.category(ch) not in ("Mn", "Me") for ch in text)


def wrap_thai(text: str, width: int, *, max_lines: int | None = None) -> str:
    """Wrap Thai (or mixed) text at word boundaries found by pythainlp (offline newmm).

    Parameters
    ----------
    text : str
    width : int
        Maximum visible characters per line (combining marks not counted).
    max_lines : int, optional
        Truncate with "…" after this many lines.

    Returns
    -------
    str
        Lines joined with newlines.

    Examples
    --------
    >>> from evaluation.charts.ladder import wrap_thai
    >>> print(wrap_thai("สมาชิกมีรายได้เพิ่มขึ้นและหนี้สินลดลง", 12))
    สมาชิกมีรายได้
    เพิ่มขึ้นและหนี้สิน
    ลดลง
    """
    from pythainlp.tokenize import word_tokenize

    text = " ".join(str(text).split())
    if not text:
        return ""
    lines: list[str] = []
    line = ""
    for token in word_tokenize(text, engine="newmm", keep_whitespace=True):
        if line and _visible_len(line) + _visible_len(token) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip() + "…"
    return "\n".join(lines)


def _check_frame(frame: pd.DataFrame, name: str = "evaluation_frame") -> None:
    require_columns(frame, _NEEDED, what=name, hint="Pass the DataFrame returned by "
                    "evaluate_ladder.")
    if frame.empty:
        raise ArgumentError(f"{name} is empty: nothing to draw (did the ladder's project have "
                            "villages in the data?)")
    bad = sorted(set(frame["status"]) - set(_STATUSES))
    if bad:
        raise ArgumentError(f"{name}.status has unknown values {bad}; expected "
                            f"{', '.join(_STATUSES)}")


def ladder_chart(evaluation_frame: pd.DataFrame, *, lang: str = "th", ladder=None,
                 title: str | None = None):
    """The outcome ladder as a staircase coloured by indicator status.

    Parameters
    ----------
    evaluation_frame : pandas.DataFrame
        Output of :func:`evaluation.evaluate_ladder` for one project (one
        village, several villages, or the project level).
    lang : {"th", "en"}, default "th"
    ladder : Ladder, optional
        Supplies English outcome statements (``outcome_en``) when
        ``lang="en"``.
    title : str, optional
        Overrides the default title.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Step ``k`` is a block of height ``k`` (step 1 lowest, on the left). Each
    block is split from left to right in proportion to its indicators'
    statuses (achieved, partial, not achieved, no data); with several
    villages every village × indicator row counts once. When the frame also
    holds project-level rows (``level == "project"``) only those are drawn.
    The block shows the step number and "achieved k/m"; the wrapped outcome
    statement sits on the step's tread.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.ladder import _example_project
    >>> from evaluation.charts.ladder import ladder_chart
    >>> proj, lad = _example_project()
    >>> fig = ladder_chart(ev.evaluate_ladder(proj, lad))
    >>> fig.axes[0].get_title()
    'บันไดผลลัพธ์ โครงการ P01 (2 หมู่บ้าน)'
    """
    pick(lang, "", "")  # validates lang
    _check_frame(evaluation_frame)
    frame = evaluation_frame
    projects = frame["project_id"].dropna().unique().tolist()
    if len(projects) != 1:
        raise ArgumentError("evaluation_frame must hold one project's ladder (filter it by "
                            f"project_id first); found projects {projects}")
    level_note = ""
    if "level" in frame.columns and (frame["level"] == "project").any():
        if (frame["level"] != "project").any():
            frame = frame[frame["level"] == "project"]
        level_note = pick(lang, " (ทั้งโครงการ)", " (whole project)")
    villages = frame["village_id"].dropna().unique().tolist()
    if not level_note:
        if len(villages) == 1:
            level_note = pick(lang, f" หมู่บ้าน {villages[0]}", f", village {villages[0]}")
        else:
            level_note = pick(lang, f" ({len(villages)} หมู่บ้าน)", f" ({len(villages)} villages)")

    steps = (frame[["step", "outcome"]].drop_duplicates("step").sort_values("step")
             .reset_index(drop=True))
    outcome_en = {}
    if lang == "en" and ladder is not None:
        outcome_en = {s.number: s.outcome_en for s in ladder.steps if s.outcome_en}
    counts = (frame.groupby(["step", "status"]).size().unstack(fill_value=0)
              .reindex(columns=list(_STATUSES), fill_value=0))
    n = len(steps)
    fig, ax = new_figure(9.0, 3.2 + 0.75 * n)
    gap = 0.05
    fontsize = 9 if n <= 5 else 8
    width_chars = max(8, int((9.0 * 0.85 / n) * 72 / (fontsize * 0.55)))
    unit_pt = (3.2 + 0.75 * n) * 0.7 * 72 / (n + 1.4)
    max_lines = max(2, int(unit_pt / (fontsize * 1.35)))
    labels = _LABELS[lang]
    for i, row in steps.iterrows():
        k = int(row["step"])
        x0, height = i + gap, i + 1
        c = counts.loc[k] if k in counts.index else pd.Series(0, index=list(_STATUSES))
        total = int(c.sum())
        x = x0
        for status in _STATUSES:
            if total == 0 or c[status] == 0:
                continue
            w = (1 - 2 * gap) * c[status] / total
            ax.add_patch(Rectangle((x, 0), w, height, facecolor=STATUS_COLOURS[status],
                                   edgecolor="none"))
            x += w
        ax.add_patch(Rectangle((x0, 0), 1 - 2 * gap, height, facecolor="none",
                               edgecolor="#333333", linewidth=1.0))
        ax.text(i + 0.5, height - 0.12, f"{k}", ha="center", va="top", fontsize=16,
                fontweight="bold", color="#222222",
                bbox=dict(boxstyle="circle,pad=0.25", facecolor="white", edgecolor="#333333"))
        achieved = int(c["achieved"])
        ax.text(i + 0.5, height / 2 if height > 1 else 0.22,
                pick(lang, f"บรรลุ {achieved}/{total}", f"achieved {achieved}/{total}"),
                ha="center", va="center", fontsize=fontsize,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none",
                          alpha=0.85))
        text = outcome_en.get(k) or row["outcome"]
        ax.text(i + 0.5, height + 0.08, wrap_thai(text, width_chars, max_lines=max_lines),
                ha="center", va="bottom", fontsize=fontsize, linespacing=1.15)
    ax.set_xlim(0, n)
    ax.set_ylim(0, n + 1.4)
    ax.set_xticks([i + 0.5 for i in range(n)],
                  [str(int(s)) for s in steps["step"]])
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(pick(lang, "ขั้นที่ของบันไดผลลัพธ์ (ผลลัพธ์ระยะแรก → ระยะยาว)",
                       "Ladder step (early → late outcomes)"))
    ax.set_ylabel(pick(lang, "ระดับผลลัพธ์ (ขั้น)", "Outcome level (steps)"))
    ax.set_title(title or pick(lang, "บันไดผลลัพธ์ โครงการ ", "Outcome ladder, project ")
                 + str(projects[0]) + level_note)
    handles = [Patch(facecolor=STATUS_COLOURS[s], edgecolor="#333333", label=labels[s])
               for s in _STATUSES]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False,
               title=pick(lang, "สถานะตัวชี้วัด (สัดส่วนความกว้างของขั้น = จำนวนตัวชี้วัด)",
                          "Indicator status (share of the step's width = indicators)"))
    return fig


def ladder_heatmap(frame: pd.DataFrame, *, lang: str = "th", villages=None,
                   annotate: bool | None = None, title: str | None = None):
    """Village × indicator heat map of indicator status (portfolio view).

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`evaluation.evaluate_ladder` (any number of villages
        and projects; project-level rows become a "whole project" row).
    lang : {"th", "en"}, default "th"
    villages : pandas.DataFrame, optional
        The villages table, to label rows ``V01 บ้าน…`` instead of ids.
    annotate : bool, optional
        Write a percentage in each cell: ``pct_progress`` (progress from the
        baseline) where the indicator has a baseline, else ``pct_of_target``
        (in brackets when the chart shows both kinds); default when there are
        at most 40 rows and 30 indicators.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Columns are indicators in ladder order (project, step, indicator; the
    project id prefixes the labels when there are several projects); cells
    of an indicator that a village's ladder does not have are blank.

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.ladder import _example_project
    >>> from evaluation.charts.ladder import ladder_heatmap
    >>> proj, lad = _example_project()
    >>> fig = ladder_heatmap(ev.evaluate_ladder(proj, lad))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['V01', 'V02']
    """
    pick(lang, "", "")
    _check_frame(frame, "frame")
    f = frame.copy()
    level = f["level"] if "level" in f.columns else pd.Series("village", index=f.index)
    whole = pick(lang, "ทั้งโครงการ", "whole project")
    f["_row"] = np.where(level == "project", f["project_id"].astype(str) + " " + whole,
                         f["village_id"].astype(object).fillna("").astype(str))
    names = {}
    if villages is not None and {"village_id", "name"} <= set(villages.columns):
        names = dict(zip(villages["village_id"], villages["name"]))
    f["_col"] = list(zip(f["project_id"], f["step"], f["indicator_id"]))
    col_order = list(dict.fromkeys(f["_col"]))
    col_order.sort(key=lambda c: (str(c[0]), int(c[1])))  # stable: keeps ladder order
    row_order = list(dict.fromkeys(f.loc[level != "project", "_row"]))
    row_order += list(dict.fromkeys(f.loc[level == "project", "_row"]))
    code = {s: i for i, s in enumerate(_STATUSES)}
    grid = np.full((len(row_order), len(col_order)), np.nan)
    text = np.full(grid.shape, "", dtype=object)
    ri = {r: i for i, r in enumerate(row_order)}
    ci = {c: j for j, c in enumerate(col_order)}
    nan = pd.Series(np.nan, index=f.index)
    progress = f.get("pct_progress", nan).where(f.get("baseline", nan).notna())
    any_progress = bool(progress.notna().any())
    for r, c, s, p, g in zip(f["_row"], f["_col"], f["status"],
                             f.get("pct_of_target", nan), progress):
        grid[ri[r], ci[c]] = code[s]
        if not pd.isna(g):
            text[ri[r], ci[c]] = f"{g:,.0f}%"
        elif not pd.isna(p):
            text[ri[r], ci[c]] = f"({p:,.0f}%)" if any_progress else f"{p:,.0f}%"
    labels_by_col = dict(zip(f["_col"], f["label"]))
    n_rows, n_cols = grid.shape
    fig, ax = new_figure(min(16.0, 3.0 + 0.75 * n_cols), min(30.0, 2.6 + 0.38 * n_rows))
    cmap = ListedColormap([STATUS_COLOURS[s] for s in _STATUSES]).with_extremes(bad="white")
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=-0.5, vmax=len(_STATUSES) - 0.5,
              aspect="auto", interpolation="nearest")
    if annotate is None:
        annotate = n_rows <= 40 and n_cols <= 30
    if annotate:
        for i in range(n_rows):
            for j in range(n_cols):
                if text[i, j]:
                    ax.text(j, i, text[i, j], ha="center", va="center", fontsize=7,
                            color="#111111")
    several = len({c[0] for c in col_order}) > 1
    ax.set_xticks(range(n_cols),
                  [(f"{c[0]} " if several else "") + f"{c[1]}. "
                   + wrap_thai(labels_by_col[c], 26, max_lines=1) for c in col_order],
                  rotation=60, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_yticks(range(n_rows),
                  [f"{r} {names[r]}" if r in names else r for r in row_order], fontsize=8)
    ax.set_xticks(np.arange(-0.5, n_cols), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    if annotate and any_progress:
        ax.set_xlabel(pick(lang,
                           "ตัวชี้วัด (ขั้นที่. ชื่อตัวชี้วัด; ตัวเลขในช่อง = ความก้าวหน้าจากค่าฐาน "
                           "(%); ในวงเล็บ = ร้อยละของเป้าหมาย เมื่อไม่มีค่าฐาน)",
                           "Indicator (step. label; cell value = % progress from the "
                           "baseline; in brackets = % of target where there is no baseline)"))
    elif annotate:
        ax.set_xlabel(pick(lang,
                           "ตัวชี้วัด (ขั้นที่. ชื่อตัวชี้วัด; ตัวเลขในช่อง = ร้อยละของเป้าหมาย)",
                           "Indicator (step. label; cell value = % of target)"))
    else:
        ax.set_xlabel(pick(lang, "ตัวชี้วัด (ขั้นที่. ชื่อตัวชี้วัด)", "Indicator (step. label)"))
    ax.set_ylabel(pick(lang, "หมู่บ้าน", "Village"))
    ax.set_title(title or pick(lang, "การบรรลุตัวชี้วัดบันไดผลลัพธ์ รายหมู่บ้าน",
                               "Outcome-ladder indicators by village"))
    labels = _LABELS[lang]
    handles = [Patch(facecolor=STATUS_COLOURS[s], edgecolor="#333333", label=labels[s])
               for s in _STATUSES]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    return fig
