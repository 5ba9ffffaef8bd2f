"""Shared helpers of the report sections: language, number and sentence
formatting, "no data" notes, village facts and happiness scoring.

Everything here only formats or routes to the library; no statistic is
computed in this module except where noted (and then with the library's
functions).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError, EvaluationError
from ..thai import format_baht, format_thai_date, label

LANGS = ("th", "en")
#: Instrument shown first (headline) when present in the data.
PREFERRED_INSTRUMENTS = ("tmhi15", "who5", "happinometer", "happy10")


class SectionArgumentError(ArgumentError):
    """A section was called with an invalid argument."""


# --------------------------------------------------------------------------- language
def resolve_lang(ctx, lang: str | None) -> str:
    """The report language: `lang` if given, else the context's, else Thai."""
    if lang is None:
        lang = getattr(ctx, "lang", "th")
    if lang not in LANGS:
        raise SectionArgumentError(f"lang must be one of 'th', 'en'; got {lang!r}")
    return lang


def tr(lang: str, th: str, en: str) -> str:
    """Thai or English text."""
    return th if lang == "th" else en


# --------------------------------------------------------------------------- numbers
def is_missing(value) -> bool:
    """True for None, NaN, NA and NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value, decimals: int = 1) -> str:
    """``1,234.5``; missing gives ``–``. Whole numbers keep `decimals` places."""
    if is_missing(value):
        return "–"
    value = float(value)
    if not math.isfinite(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text


def count(value) -> str:
    """A whole count with thousands separators (``1,500``)."""
    if is_missing(value):
        return "–"
    return f"{int(value):,d}"


def pct(share, decimals: int = 0) -> str:
    """A 0–1 share as a percentage (``62%``)."""
    if is_missing(share):
        return "–"
    return f"{100 * float(share):,.{decimals}f}%"


def baht(value, lang: str, decimals: int = 0) -> str:
    """``1,500 บาท`` / ``1,500 baht``."""
    if is_missing(value) or not math.isfinite(float(value)):
        return "–"
    return format_baht(value, decimals=decimals, lang=lang)


def date(value, lang: str) -> str:
    """Buddhist-era date in Thai (``7 ก.ค. 2566``), CE in English."""
    if is_missing(value):
        return "–"
    return format_thai_date(value, lang=lang)


def wave_name(wave: str, lang: str) -> str:
    return label("wave", wave, lang=lang)


def unit_word(unit: str, lang: str) -> str:
    """Unit word: ``points`` -> คะแนน, ``baht`` -> บาท, ``%``."""
    words = {"points": ("คะแนน", "points"), "baht": ("บาท", "baht"), "%": ("%", "%"),
             "households": ("ครัวเรือน", "households"), "people": ("คน", "people")}
    th, en = words.get(unit, (unit, unit))
    return tr(lang, th, en)


def with_unit(text: str, unit: str, lang: str) -> str:
    word = unit_word(unit, lang)
    if text == "–" or not word:
        return text
    return f"{text}%" if word == "%" else f"{text} {word}"


def ci_text(low, high, n, lang: str, *, unit: str = "", decimals: int = 1,
            conf_level: float = 0.95) -> str:
    """``(95% CI 1.1 ถึง 5.3, n = 28)``; without an interval ``(n = 1)``.

    With ``unit="baht"`` the bounds are whole baht and the upper one carries
    the unit: ``(95% CI 1,590 ถึง 2,344 บาท, n = 30)``.
    """
    level = f"{100 * conf_level:g}%"
    n_text = f"n = {count(n)}"
    if not _finite(low) or not _finite(high):
        return f"({n_text})"
    d = 0 if unit == "baht" else decimals
    lo, hi = num(low, d), num(high, d)
    if unit:
        hi = with_unit(hi, unit, lang)
    return f"({level} CI {lo} {tr(lang, 'ถึง', 'to')} {hi}, {n_text})"


def _finite(value) -> bool:
    if is_missing(value):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def change_sentence(subject_th: str, subject_en: str, mean, low, high, n, lang: str, *,
                    unit: str = "points", decimals: int = 1,
                    conf_level: float = 0.95) -> str:
    """A plain-language sentence about a mean change with its interval and n.

    ``คะแนนความสุขเฉลี่ยเพิ่มขึ้น 3.2 คะแนน (95% CI 1.1 ถึง 5.3, n = 28)``
    followed by what the interval means (it excludes zero or not).
    """
    if not _finite(mean) or not n:
        return tr(lang, f"{subject_th}: ข้อมูลไม่พอคำนวณการเปลี่ยนแปลง (ต้องมีข้อมูลทั้งก่อนและหลังของคนเดียวกัน)",
                  f"{subject_en}: not enough data to compute a change (the same people "
                  "are needed before and after).")
    mean = float(mean)
    d = 0 if unit == "baht" else decimals
    amount = with_unit(num(abs(mean), d), unit, lang)
    ci = ci_text(low, high, n, lang, unit=unit, decimals=decimals, conf_level=conf_level)
    if round(mean, d) == 0:
        head = tr(lang, f"{subject_th}แทบไม่เปลี่ยนแปลง", f"{subject_en} hardly changed")
    elif mean > 0:
        head = tr(lang, f"{subject_th}เพิ่มขึ้น {amount}", f"{subject_en} rose by {amount}")
    else:
        head = tr(lang, f"{subject_th}ลดลง {amount}", f"{subject_en} fell by {amount}")
    sentence = f"{head} {ci}"
    if _finite(low) and _finite(high):
        if float(low) > 0 or float(high) < 0:
            sentence += tr(lang, " ช่วงความเชื่อมั่นไม่ครอบคลุมศูนย์ จึงน่าจะเป็นการเปลี่ยนแปลงจริง",
                           "; the interval excludes zero, so the change is likely real")
        else:
            sentence += tr(lang, " ช่วงความเชื่อมั่นครอบคลุมศูนย์ จึงยังสรุปไม่ได้ว่ามีการเปลี่ยนแปลงจริง",
                           "; the interval includes zero, so a real change is not shown")
    return sentence + ("" if lang == "th" else ".")


def estimate_cell(mean, low, high, n, lang: str, *, unit: str = "points",
                  decimals: int = 1) -> str:
    """Table cell ``+4.9 (3.7 ถึง 6.2), n = 30``."""
    if is_missing(mean):
        return "–"
    sign = "+" if float(mean) > 0 else ""
    d = 0 if unit == "baht" else decimals
    main = f"{sign}{num(mean, d)}"
    if not _finite(low) or not _finite(high):
        return f"{main}, n = {count(n)}"
    return f"{main} ({num(low, d)} {tr(lang, 'ถึง', 'to')} {num(high, d)}), n = {count(n)}"


# --------------------------------------------------------------------------- ctx output
def heading(ctx, lang: str, th: str, en: str, level: int = 2) -> None:
    ctx.heading(tr(lang, th, en), level=level)


def explain(ctx, lang: str, th: str, en: str) -> None:
    """A paragraph of narrative text (generated, escaped by the context)."""
    ctx.paragraph(tr(lang, th, en))


def no_data(ctx, lang: str, th: str, en: str, **extra) -> dict:
    """Show a short explanation instead of a section and return ``{"empty": True}``."""
    text = tr(lang, th, en)
    ctx.note(text)
    return {"empty": True, "reason": text, **extra}


# --------------------------------------------------------------------------- project
def one_village(project, village_id: str | None = None):
    """The village view of `project` (the project itself if it has one village)."""
    villages = project.villages
    if village_id is not None:
        if len(villages) == 1 and str(villages["village_id"].iloc[0]) == str(village_id):
            return project
        return project.village(str(village_id))
    if len(villages) != 1:
        ids = ", ".join(map(str, villages["village_id"]))
        raise SectionArgumentError(
            f"village section needs one village: pass project.village(id) or village_id=...; "
            f"this project has {len(villages)} villages ({ids})")
    return project


def village_row(project) -> dict:
    """The (single) village row as a dict, with its project's row under ``project``."""
    v = project.villages.iloc[0].to_dict()
    pr = project.projects[project.projects["project_id"] == v.get("project_id")]
    v["project"] = pr.iloc[0].to_dict() if len(pr) else {}
    return v


def text_or_dash(value) -> str:
    return "–" if is_missing(value) or str(value).strip() == "" else str(value)


def place_text(row: dict, lang: str) -> str:
    """``ต.ห้วยทรายงาม อ.นาคำใต้ จ.ทุ่งศรีทอง`` / ``Huai Sai Ngam subdistrict, ...``."""
    parts = []
    for col, th, en in (("subdistrict", "ต.", " subdistrict"), ("district", "อ.", " district"),
                        ("province", "จ.", " province")):
        val = row.get(col)
        if not is_missing(val) and str(val).strip():
            parts.append(f"{th}{val}" if lang == "th" else f"{val}{en}")
    return (" " if lang == "th" else ", ").join(parts) or "–"


# --------------------------------------------------------------------------- happiness
def instruments_present(project) -> list[str]:
    """Instrument ids in the happiness table, preferred ones first."""
    hap = project.happiness
    if hap.empty or "instrument" not in hap.columns:
        return []
    present = [str(x) for x in pd.unique(hap["instrument"].dropna())]
    first = [i for i in PREFERRED_INSTRUMENTS if i in present]
    return first + sorted(i for i in present if i not in first)


def main_instrument(project, instrument: str | None = None) -> str | None:
    """The headline instrument: `instrument`, else tmhi15 (or the first present)."""
    present = instruments_present(project)
    if instrument is not None:
        return instrument
    return present[0] if present else None


def instrument_obj(project, instrument: str):
    """The Instrument definition (user instruments of the project first)."""
    from ..instruments import get_instrument

    user = getattr(project, "instruments", None) or {}
    return user.get(instrument) or get_instrument(instrument)


def instrument_name(project, instrument: str, lang: str) -> str:
    try:
        inst = instrument_obj(project, instrument)
    except EvaluationError:
        return instrument
    return inst.name_th if lang == "th" else inst.name_en


def memo(project, key: tuple, compute, *, depends: tuple = ()):
    """Compute once per village view: ``compute()`` cached on `project`.

    The report sections of one village use the same intermediate results
    (happiness scores in key results, happiness and data quality; the ladder
    evaluation in key results and the ladder section). The cache lives on the
    :class:`~evaluation.project.Project` object the notebook passes to every
    section (``v = project.village(id)``), so it disappears with it. An entry
    is reused only while the tables it was computed from (`depends`, e.g.
    ``("happiness", "participants")``) are the very same objects, so a
    notebook that replaces a table gets fresh results. DataFrames are
    returned as shallow copies (copy-on-write: changing one never changes the
    cache).
    """
    store = vars(project).setdefault("_section_memo", {})
    sources = tuple(getattr(project, name) for name in depends)
    hit = store.get(key)
    if hit is not None and len(hit[0]) == len(sources) and all(
            a is b for a, b in zip(hit[0], sources)):
        value = hit[1]
    else:
        value = compute()
        store[key] = (sources, value)
    return value.copy(deep=False) if isinstance(value, pd.DataFrame) else value


def instrument_short(project, instrument: str | None, lang: str) -> str:
    """Short display name of an instrument for headers and titles: ``TMHI-15``,
    ``WHO-5``; the full name when it has no abbreviation in brackets."""
    if instrument is None:
        return "–"
    name = instrument_name(project, instrument, lang)
    found = re.search(r"\(([^()]*[A-Za-z][^()]*)\)\s*$", name)
    if found and len(found.group(1)) <= 16:
        return found.group(1).strip()
    return name


def scores(project, instrument: str) -> pd.DataFrame:
    """Scored totals (one row per person × wave) with ``village_id`` and ``role``.

    :func:`evaluation.score_instrument` on the project's happiness rows of
    `instrument`, participants' ``village_id`` and ``role`` merged in
    (computed once per village view, see :func:`memo`).
    """
    return memo(project, ("scores", instrument), lambda: _scores(project, instrument),
                depends=("happiness", "participants", "instruments"))


def evaluate_ladder_once(project, *, partial_threshold: float = 0.5) -> pd.DataFrame:
    """:func:`evaluation.evaluate_ladder` (``on_error="warn"``, warnings silenced),
    computed once per village view and threshold (see :func:`memo`)."""
    import warnings

    from ..ladder import evaluate_ladder

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return evaluate_ladder(project, on_error="warn", partial_threshold=partial_threshold)

    return memo(project, ("ladder", float(partial_threshold)), run,
                depends=("ladders", "instruments", "projects", "villages", "participants",
                         "happiness", "finance", "ledger", "savings", "lessons"))


def _scores(project, instrument: str) -> pd.DataFrame:
    from ..instruments import score_instrument

    hap = project.happiness
    hap = hap[hap["instrument"] == instrument]
    if hap.empty:
        return pd.DataFrame()
    sc = score_instrument(hap, instrument_obj(project, instrument))
    people = project.participants[["person_id", "village_id", "role"]].drop_duplicates(
        "person_id")
    return sc.merge(people, on="person_id", how="left")


def waves_present(frame: pd.DataFrame, column: str = "wave") -> list[str]:
    from ..schema import WAVES

    if frame is None or frame.empty or column not in frame.columns:
        return []
    have = set(frame[column].dropna().astype(str))
    return [w for w in WAVES if w in have]


def jsonable(value: Any):
    """Plain Python value for JSON (NaN/NA -> None, numpy -> int/float)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def table(ctx, frame: pd.DataFrame, name: str, title: str, *, decimals: int | None = None,
          **kwargs) -> None:
    """``ctx.table`` with `decimals` applied to float columns only (counts stay whole)."""
    if isinstance(decimals, int):
        decimals = {c: decimals for c in frame.columns
                    if pd.api.types.is_float_dtype(frame[c].dtype)}
    ctx.table(frame, name, title, decimals=decimals, **kwargs)
