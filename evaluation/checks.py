"""Plausibility checks of the loader: values that parse but cannot be right.

Each check adds rows to the problems list (``problem_code`` beside the
message). Rules, one line each in ``docs/data-model.md``:

* identical rows of a table without a natural key (ledger, savings, lessons)
  coming from two different files or sheets: error naming both sources;
  within one file: warning;
* household size 0 or less: error;
* a project whose start date is after its end date: one error (the
  date-outside-the-period warnings are then not computed);
* an answer that is not a whole number on an item scored in whole numbers
  (a span of at most 10 points with whole-number ends, e.g. 1–4): error;
* wave labels: a numbered label (``ครั้งที่ 3``) or two Thai labels
  (``หลังอบรม``, ``หลังโครงการ``) that became the same wave, or numbered rounds
  without a last (post) round: warning saying which wave each became;
* dates written month first: a column whose numeric dates fail day first
  because the second number is above 12: one error for the column; a column
  whose ambiguous dates (both numbers ≤ 12) mostly fall outside the project
  period when read day first but inside when read month first: warning.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .reading import problem
from .schema import TABLES
from .thai import _dates_from_parts

#: Tables without a natural key, checked for identical rows.
UNKEYED = ("ledger", "savings", "lessons")
#: A numeric day/month/year date. ASCII digits and spaces only, and the end of the text
#: (``\\Z``), as Arrow's regex engine read the same pattern when this check used it.
_RE_NUMERIC_DATE = re.compile(r"[\t\n\f\r ]*([0-9]{1,2})[\t\n\f\r ]*[/.\-][\t\n\f\r ]*"
                              r"([0-9]{1,2})[\t\n\f\r ]*[/.\-][\t\n\f\r ]*([0-9]{2,4})"
                              r"[\t\n\f\r ]*\Z")
#: Share of ambiguous dates outside the project period (day first) that triggers the warning.
AMBIGUOUS_OUTSIDE = 0.5


def _where(prov: pd.DataFrame, i: int) -> str:
    sheet = prov["sheet"].iloc[i]
    return f"{prov['file'].iloc[i]}" + (f" [{sheet}]" if isinstance(sheet, str) else "") + \
        f" row {int(prov['row'].iloc[i])}"


def identical_rows(name: str, frame: pd.DataFrame, prov: pd.DataFrame,
                   problems: list[dict]) -> None:
    """Identical rows: error across sources (a copy), warning within one file."""
    if name not in UNKEYED or len(frame) < 2:
        return
    cols = [c.name for c in TABLES[name].columns if c.name in frame.columns]
    involved = np.flatnonzero(frame.duplicated(subset=cols, keep=False).to_numpy())
    if not len(involved):
        return
    sub = frame.iloc[involved][cols]
    hashed = pd.util.hash_pandas_object(sub.astype(object), index=False).to_numpy()
    first = involved[pd.Series(np.arange(len(sub))).groupby(hashed).transform("first")
                     .to_numpy()]
    dup = involved[first != involved]
    first = dict(zip(involved, first))
    source = (prov["file"].astype(str) + "\x00" + prov["sheet"].astype(object).fillna("")
              .astype(str)).to_numpy()
    for i in dup:
        j = first[i]
        if source[i] != source[j]:
            problems.append(problem(
                prov["file"].iloc[i], prov["sheet"].iloc[i], int(prov["row"].iloc[i]), None,
                None, f"identical to {_where(prov, j)}: the same {name} entry comes from two "
                      "sources (a copy of the data?); remove one copy, or tell them apart",
                "duplicate_across_sources"))
        else:
            problems.append(problem(
                prov["file"].iloc[i], prov["sheet"].iloc[i], int(prov["row"].iloc[i]), None,
                None, f"identical to row {int(prov['row'].iloc[j])} of the same file: entered "
                      "twice? (both rows are counted)", "duplicate_row", "warning"))


def household_sizes(tables: dict, provs: dict, header_of, problems: list[dict]) -> None:
    for name in ("participants", "finance"):
        frame, prov = tables[name], provs[name]
        if frame.empty or "household_size" not in frame.columns:
            continue
        size = frame["household_size"]
        bad = (size.notna() & (size <= 0)).to_numpy(dtype=bool)
        for i in np.flatnonzero(bad):
            problems.append(problem(prov["file"].iloc[i], prov["sheet"].iloc[i],
                                    int(prov["row"].iloc[i]),
                                    header_of(prov, i, "household_size"), int(size.iloc[i]),
                                    "household size must be at least 1 (the household "
                                    "answering)", "household_size_zero"))


def project_periods(tables: dict, provs: dict, header_of, problems: list[dict]) -> set:
    """Projects whose start is after their end (one error each); returns their ids."""
    frame, prov = tables["projects"], provs["projects"]
    if frame.empty:
        return set()
    bad = (frame["start_date"] > frame["end_date"]).fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(bad):
        problems.append(problem(prov["file"].iloc[i], prov["sheet"].iloc[i],
                                int(prov["row"].iloc[i]), header_of(prov, i, "start_date"),
                                f"{frame['start_date'].iloc[i].date()} > "
                                f"{frame['end_date'].iloc[i].date()}",
                                "the project starts after it ends: check the start and end "
                                "dates (day/month or year swapped?)", "project_dates_reversed"))
    return set(frame.loc[bad, "project_id"])


def half_points(values: np.ndarray, items: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                inst_id: str) -> np.ndarray:
    """Positions of answers that are not whole numbers on a whole-number item scale."""
    whole = (lo == np.floor(lo)) & (hi == np.floor(hi)) & (hi - lo <= 10)
    return np.flatnonzero(whole & np.isfinite(values) & (values != np.floor(values))
                          & (values >= lo) & (values <= hi))


def wave_labels(chunk, column: str, raw: pd.Series, problems: list[dict]) -> None:
    """Labels that collapse into one wave, and numbered rounds that skip the last wave."""
    from .thai import _label_key, parse_wave

    keys: dict[str, str] = {}
    for value in pd.unique(raw.astype(object)):
        key = _label_key(value) if isinstance(value, str) or not pd.isna(value) else None
        if key is None or key in keys:
            continue
        try:
            wave = parse_wave(value)
        except ValueError:
            continue
        keys[key] = (str(value).strip(), wave)
    header = chunk.headers.get(column, column)
    by_wave: dict[str, list[str]] = {}
    for label, wave in keys.values():
        by_wave.setdefault(wave, []).append(label)
    for wave, labels in by_wave.items():
        numbered = [x for x in labels if re.search(r"\d\s*$", x)]
        thai = [x for x in labels if re.search("[\u0e01-\u0e5b]", x) and x not in numbered]
        # English synonyms (pre/baseline/before) are one vocabulary, not two rounds.
        if len(labels) > 1 and (numbered or len(thai) > 1):
            problems.append(problem(chunk.file, chunk.sheet, None, header, ", ".join(labels),
                                    f"the labels {', '.join(repr(x) for x in labels)} all became "
                                    f"wave '{wave}': if they are different rounds, label them "
                                    "ก่อน/ระหว่าง/หลัง (pre/during/post)", "wave_collapsed",
                                    "warning"))
    numbered = {label: wave for label, wave in keys.values() if re.search(r"\d\s*$", label)}
    if numbered and "post" not in set(numbered.values()):
        shown = ", ".join(f"'{label}' → {wave}" for label, wave in numbered.items())
        problems.append(problem(chunk.file, chunk.sheet, None, header, shown,
                                f"numbered rounds were read as positions in a pre/during/post "
                                f"design ({shown}); if the last round is the after-program "
                                "assessment, label it หลัง/post", "wave_numbered", "warning"))


def date_order(chunk, column: str, raw: pd.Series, problems: list[dict]):
    """Month-first dates: one error per column; returns the month-first reading of
    ambiguous dates (NaT elsewhere) for the project-period comparison.

    Works on the distinct values of the column (dates repeat), so it costs little.
    """
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    matches = [_RE_NUMERIC_DATE.match(u) if isinstance(u, str) else None for u in uniques]
    if not any(matches):  # e.g. ISO dates or month names
        return None
    a = np.array([int(m.group(1)) if m else np.nan for m in matches], dtype=float)
    b = np.array([int(m.group(2)) if m else np.nan for m in matches], dtype=float)
    with np.errstate(invalid="ignore"):
        us_u = (a <= 12) & (b > 12) & (b <= 31)
        dm_u = (a > 12) & (b <= 12)
        amb_u = (a <= 12) & (b <= 12) & (a != b)
    valid = codes >= 0
    header = chunk.headers.get(column, column)
    if us_u.any() and not dm_u.any():
        us = np.zeros(len(raw), dtype=bool)
        us[valid] = us_u[codes[valid]]
        example = str(raw.iloc[int(np.flatnonzero(us)[0])])
        problems.append(problem(chunk.file, chunk.sheet, None, header, example,
                                f"{int(us.sum())} date(s) in this column have a month above 12 "
                                f"when read day first (e.g. '{example}'): they look month first "
                                "(US style). Dates are read day first: write DD/MM/YYYY or "
                                "YYYY-MM-DD", "dates_month_first"))
    if not amb_u.any():
        return None
    ambiguous = np.zeros(len(raw), dtype=bool)
    ambiguous[valid] = amb_u[codes[valid]]
    if ambiguous.sum() < 3:
        return None
    # Month-first reading of the ambiguous values, with the era rule of thai.parse_date
    # (4-digit years >= 2400 and 2-digit years are Buddhist era).
    year_text = [m.group(3) if m else "" for m in matches]
    year = np.array([int(y) if y else np.nan for y in year_text], dtype=float)
    year = np.where(np.array([len(y) for y in year_text]) == 2, year + 2500 - 543,
                    np.where(year >= 2400, year - 543, year))
    keep = amb_u & np.isfinite(year)
    alt_u = _dates_from_parts(np.where(keep, year, 2000), np.where(keep, a, 1),
                              np.where(keep, b, 1))
    alt_u[~keep] = np.datetime64("NaT")
    alt_u = np.append(alt_u, np.datetime64("NaT", "ns"))
    return alt_u[codes]  # code -1 (blank) picks the NaT slot


def ambiguous_dates(chunk, column: str, dates: pd.Series, alt: np.ndarray,
                    start: pd.Series, end: pd.Series, problems: list[dict]) -> None:
    """Warn when ambiguous dates fit the project period only when read month first."""
    has = ~np.isnat(alt)
    if has.sum() < 3:
        return
    alt_s = pd.Series(alt, index=dates.index)
    lo, hi = start - pd.Timedelta(days=31), end + pd.Timedelta(days=31)
    known = (lo.notna() & hi.notna()).to_numpy() & has
    if known.sum() < 3:
        return
    out_dm = ((dates < lo) | (dates > hi)).to_numpy()[known].mean()
    out_md = ((alt_s < lo) | (alt_s > hi)).to_numpy()[known].mean()
    if out_dm > AMBIGUOUS_OUTSIDE and out_md <= 0.1:
        header = chunk.headers.get(column, column)
        problems.append(problem(chunk.file, chunk.sheet, None, header, None,
                                f"{out_dm:.0%} of the dates whose day and month are both ≤ 12 "
                                "fall outside the project period when read day first (the "
                                "rule: DD/MM/YYYY) but inside it when read month first: were "
                                "they written MM/DD/YYYY?", "dates_ambiguous", "warning"))


def unknown_numbers(chunk, parsed: pd.DataFrame, problems: list[dict]) -> None:
    """An optional numeric column is empty while an unknown column holds numbers."""
    from .thai_series import parse_series

    table = chunk.table
    known = {c.name for c in table.columns}
    empty = [c.name for c in table.columns if not c.required
             and c.kind in ("money", "number", "int")
             and (c.name not in parsed.columns or parsed[c.name].isna().all())]
    if not empty:
        return
    flagged = {p["column"] for p in problems if p.get("file") == chunk.file
               and p.get("sheet") == chunk.sheet}  # reported already (looks like, duplicate)
    for name in chunk.frame.columns:
        if name in known or str(name).startswith("_") or name in flagged:
            continue
        raw = chunk.frame[name]
        filled = raw.astype("string").str.strip().fillna("") != ""
        if not filled.any():
            continue
        values, errors = parse_series(raw[filled], "number")
        if values.notna().mean() >= 0.8:
            problems.append(problem(chunk.file, chunk.sheet, None, str(name), None,
                                    f"column '{name}' holds numbers but is not a column of "
                                    f"{table.name}, while {', '.join(empty)} "
                                    f"{'is' if len(empty) == 1 else 'are'} empty: if it is one "
                                    "of them, rename it or add an alias", "numbers_unmapped",
                                    "warning"))
