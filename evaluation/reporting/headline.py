"""``headline.json``: the one file a report hands to the batch index.

One writer (:func:`write_headline_file`, called by
:meth:`~evaluation.reporting.context.ReportContext.finalize`) and one reader
(:func:`read_headline_file`, called by the rendering side for the index and
``manifest.json``). The schema (also in ``docs/reports.md``)::

    {
      "title":    str or null,   page title the notebook set (ctx.set_title)
      "lang":     "th" | "en",
      "headline": {key: {"label": str, "value": number | str | null,
                         "display": str, "n": int | null,
                         "ci": [low, high] | null}},      one entry per figure,
                                                          in the order recorded
      "figures":  [{"name": str, "title": str, "caption": str,
                    "files": [file names under charts/]}],
      "tables":   [{"name": str, "title": str}]          tables/<name>.csv, sheet title
    }

The village reports record the keys ``participants``, ``households``,
``happiness_change``, ``happiness_improved``, ``income_change``,
``ladder_achievement`` and ``status`` (:func:`write_headline`); the index has
one column per key.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..export import atomic_write_text
from ..i18n import STATUS_LABELS, check_lang, tr
from . import fmt as F

__all__ = ["HEADLINE_FILE", "HEADLINE_SCHEMA_KEYS", "read_headline_file", "write_headline",
           "write_headline_file"]

HEADLINE_FILE = "headline.json"
#: Top-level keys of ``headline.json``, in order.
HEADLINE_SCHEMA_KEYS = ("title", "lang", "headline", "figures", "tables")


def write_headline_file(out_dir, *, title, lang: str, headline: dict, figures: list,
                        tables: list) -> Path:
    """Write ``out_dir/headline.json`` atomically (the schema above) and return its path.

    Examples
    --------
    >>> import tempfile
    >>> path = write_headline_file(tempfile.mkdtemp(), title="V01", lang="th",
    ...                            headline={}, figures=[], tables=[])
    >>> read_headline_file(path.parent)["title"]
    'V01'
    """
    meta = {"title": title, "lang": lang, "headline": headline, "figures": figures,
            "tables": tables}
    return atomic_write_text(Path(out_dir) / HEADLINE_FILE,
                             json.dumps(meta, ensure_ascii=False, indent=1))


def read_headline_file(folder) -> dict:
    """The ``headline.json`` of a report folder; ``{}`` when it is missing or unreadable
    (a report that failed before its last cell writes none)."""
    try:
        data = json.loads((Path(folder) / HEADLINE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_headline(ctx, figures: dict, *, lang: str | None = None) -> None:
    """Record headline figures in a :class:`~evaluation.reporting.context.ReportContext`.

    Writes the keys ``participants``, ``households``, ``happiness_change``,
    ``happiness_improved``, ``income_change``, ``ladder_achievement`` and
    ``status`` with ``ctx.headline`` (value, Thai/English label, display
    text with n and interval); the context saves them to ``headline.json``
    when finalised and the batch index shows them.
    """
    lang = check_lang(getattr(ctx, "lang", "th") if lang is None else lang)
    f = figures
    t = lambda th, en: tr(lang, th, en)  # noqa: E731
    ctx.headline("participants", f.get("n_participants"), label=t("ผู้เข้าร่วม", "Participants"),
                 display=f"{F.count(f.get('n_participants'))} {t('คน', 'people')}")
    ctx.headline("households", f.get("n_households"), label=t("ครัวเรือน", "Households"),
                 display=f"{F.count(f.get('n_households'))} {t('ครัวเรือน', 'households')}")
    ci = _ci(f, "happiness")
    ctx.headline("happiness_change", f.get("happiness_mean_change"),
                 label=t("คะแนนความสุขเปลี่ยนไป (เฉลี่ย)", "Mean change in happiness score"),
                 display=F.estimate_cell(f.get("happiness_mean_change"), *(ci or (None, None)),
                                         f.get("happiness_n"), lang, unit="points"),
                 n=f.get("happiness_n"), ci=ci, unit=t("คะแนน", "points"))
    ctx.headline("happiness_improved", f.get("happiness_share_improved"),
                 label=t("สัดส่วนที่มีความสุขเพิ่มขึ้น", "Share happier"),
                 display=(f"{F.pct(f.get('happiness_share_improved'))} "
                          f"(n = {F.count(f.get('happiness_n'))})"
                          if f.get("happiness_share_improved") is not None else "–"),
                 n=f.get("happiness_n"))
    ci = _ci(f, "income")
    ctx.headline("income_change", f.get("income_mean_change"),
                 label=t("รายได้ครัวเรือนต่อเดือนเปลี่ยนไป (เฉลี่ย, บาท)",
                         "Mean change in monthly household income (baht)"),
                 display=F.estimate_cell(f.get("income_mean_change"), *(ci or (None, None)),
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
