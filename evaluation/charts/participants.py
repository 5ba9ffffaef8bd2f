"""Who took part: participants per role and sex (village) or per village (portfolio).

The tables come from :func:`evaluation.results.participants_by_role` and
:func:`evaluation.results.participants_by_village`.
"""

from __future__ import annotations

from ..errors import ArgumentError
from ..formatting import format_number
from ..i18n import ROLES, check_lang, label
from .base import PALETTE, new_figure, pick

__all__ = ["participants_chart"]


def participants_chart(table, *, lang: str = "th", by: str = "role"):
    """Bar chart of participants per role (village) or per village (portfolio).

    Parameters
    ----------
    table : DataFrame
        :func:`~evaluation.results.participants_by_role` (``by="role"``, bars stacked by sex) or
        :func:`~evaluation.results.participants_by_village` (``by="village"``).
    lang : {"th", "en"}
    by : {"role", "village"}
        With more than 40 villages the chart shows the distribution of
        participants per village (a histogram) instead of one bar each.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import evaluation as ev
    >>> from evaluation.results import participants_by_role
    >>> v01 = ev.load_project("data/sample").village("V01")
    >>> fig = participants_chart(participants_by_role(v01.participants))
    >>> fig.axes[0].get_title()
    'ผู้เข้าร่วมโครงการแยกตามบทบาทและเพศ'
    """
    check_lang(lang)
    if by not in ("role", "village"):
        raise ArgumentError(f"by must be 'role' or 'village', got {by!r}")
    if by == "role":
        fig, ax = new_figure(7, 3.2)
        names = [label("role", r, lang=lang) for r in table["role"]]
        female = table["female"].to_numpy()
        male = table["male"].to_numpy()
        ax.barh(names, female, color=PALETTE[0], label=label("sex", "F", lang=lang))
        ax.barh(names, male, left=female, color=PALETTE[1], label=label("sex", "M", lang=lang))
        for y, total in enumerate(table["total"]):
            ax.text(total, y, f" {format_number(total)}", va="center")
        ax.invert_yaxis()
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(pick(lang, "ผู้เข้าร่วมโครงการแยกตามบทบาทและเพศ",
                          "Participants by role and sex"))
        ax.set_ylabel(pick(lang, "บทบาท", "Role"))
    elif len(table) > 40:  # too many bars to read: the distribution instead
        fig, ax = new_figure(7, 3.5)
        ax.hist(table["participants"].to_numpy(), bins=20, color=PALETTE[0])
        ax.set_title(pick(lang, f"จำนวนผู้เข้าร่วมต่อหมู่บ้าน ({format_number(len(table))} หมู่บ้าน)",
                          f"Participants per village ({format_number(len(table))} villages)"))
        ax.set_ylabel(pick(lang, "จำนวนหมู่บ้าน", "Number of villages"))
        ax.set_xlabel(pick(lang, "ผู้เข้าร่วมต่อหมู่บ้าน (คน)", "Participants per village"))
        return fig
    else:
        fig, ax = new_figure(7, max(2.5, 0.45 * len(table) + 1.2))
        names = [f"{v} {n}" for v, n in zip(table["village_id"], table["name"])]
        left = None
        import numpy as np

        left = np.zeros(len(table))
        for i, r in enumerate(ROLES):
            vals = table[r].to_numpy()
            ax.barh(names, vals, left=left, color=PALETTE[i], label=label("role", r, lang=lang))
            left = left + vals
        ax.invert_yaxis()
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(pick(lang, "ผู้เข้าร่วมโครงการแยกตามหมู่บ้าน", "Participants by village"))
        ax.set_ylabel(pick(lang, "หมู่บ้าน", "Village"))
    ax.set_xlabel(pick(lang, "จำนวน (คน)", "Number of people"))
    return fig
