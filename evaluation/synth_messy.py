"""How the synthetic programs are written the way field staff write: Thai or
English headers, Buddhist-era dates, Thai digits, money such as ``๑,๒๐๐ บาท``
and a sprinkle of such values in large programs (used by :mod:`evaluation.synth`).

Examples
--------
>>> _thai_digits(["2566", 15])
['๒๕๖๖', '๑๕']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import TABLES
from .synth_model import _TH_MONTHS, _TH_MONTHS_FULL, _THAI_DIGITS


def _thai_digits(values) -> list:
    return [None if v is None else str(v).translate(_THAI_DIGITS) for v in values]


def _be_text(ts: pd.Series, style: np.ndarray) -> list:
    """Dates as Thai BE text; style 0: ``7 ก.ค. 2566``, 1: ``07/07/2566``, 2: full month."""
    out = []
    for t, s in zip(ts, style):
        if pd.isna(t):
            out.append(None)
        elif s == 0:
            out.append(f"{t.day} {_TH_MONTHS[t.month - 1]} {t.year + 543}")
        elif s == 1:
            out.append(f"{t.day:02d}/{t.month:02d}/{t.year + 543}")
        else:
            out.append(f"{t.day} {_TH_MONTHS_FULL[t.month - 1]} {t.year + 543}")
    return out


def _money_text(values: pd.Series, style: np.ndarray) -> list:
    """Baht as field staff type it: ``1500``, ``1,500``, ``1,500 บาท``, ``๑,๕๐๐ บาท``."""
    out = []
    for x, s in zip(values, style):
        if pd.isna(x):
            out.append(None)
            continue
        whole = f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}"
        comma = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"
        out.append([whole, comma, comma + " บาท", (comma + " บาท").translate(_THAI_DIGITS)][s])
    return out


def _int_col(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series).round().astype("Int64")


def _iso(series: pd.Series) -> pd.Series:
    out = pd.to_datetime(series).dt.strftime("%Y-%m-%d")
    return out.astype(object).where(series.notna(), None)


def _sprinkle(rng, values: list, share: float) -> list:
    """Turn a share of the cells into Thai digits."""
    pick = rng.random(len(values)) < share
    return [v.translate(_THAI_DIGITS) if (p and isinstance(v, str)) else v
            for v, p in zip(values, pick)]


def _format_english(rng, t: dict[str, pd.DataFrame], *, messy: bool) -> dict[str, pd.DataFrame]:
    """P01 style: canonical English headers, ISO dates (a few Thai BE), plain numbers."""
    out = {}
    for name, frame in t.items():
        f = frame.copy()
        for col in f.columns:
            kind = TABLES[name].column(col).kind if col in [c.name for c in
                                                            TABLES[name].columns] else ""
            if kind == "date":
                f[col] = _iso(f[col])
            elif kind in ("money", "int"):
                f[col] = _int_col(f[col])
            elif kind == "number":
                f[col] = _int_col(f[col])
        out[name] = f
    if messy:
        # a few ledger dates typed the Thai way, one village's happiness dates day-first
        led = out["ledger"]
        pick = np.flatnonzero(rng.random(len(led)) < 0.01)
        led.loc[led.index[pick], "date"] = _be_text(t["ledger"]["date"].iloc[pick],
                                                    np.zeros(len(pick), int))
        hap = out["happiness"]
        v2 = hap["person_id"].str.startswith("V02-")
        hap.loc[v2, "date"] = t["happiness"].loc[v2, "date"].dt.strftime("%d/%m/%Y")
        # V03's field team labelled the waves baseline/midline/endline
        v3 = hap["person_id"].str.startswith("V03-")
        hap.loc[v3, "wave"] = hap.loc[v3, "wave"].map(
            {"pre": "baseline", "during": "midline", "post": "endline"})
        # three incomes typed with a thousands separator
        fin = out["finance"].astype({"income": object})
        pick = np.flatnonzero(rng.random(len(fin)) < 0.04)[:3]
        fin.loc[fin.index[pick], "income"] = [f"{int(x):,}" for x in fin["income"].iloc[pick]]
        out["finance"] = fin
    return out


_TH = {"sex": {"F": "หญิง", "M": "ชาย"},
       "role": {"team": "คณะทำงาน", "target": "กลุ่มเป้าหมาย", "mentor": "ครูพี่เลี้ยง"},
       "wave": {"pre": "ก่อน", "during": "ระหว่าง", "post": "หลัง"},
       "kind": {"income": "รายรับ", "expense": "รายจ่าย"},
       "arm": {"program": "โครงการ", "comparison": "กลุ่มเปรียบเทียบ"}}


def _format_thai(rng, t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """P02 style: Thai values, BE Thai dates, Thai digits, money with commas and บาท."""
    out = {}
    for name, frame in t.items():
        table = TABLES[name]
        f = frame.copy().astype(object)
        for col in frame.columns:
            kind = table.column(col).kind
            series = frame[col]
            n = len(series)
            if kind == "date":
                style = 2 if name == "projects" else rng.choice([0, 1], n, p=[0.6, 0.4])
                f[col] = _sprinkle(rng, _be_text(series, np.broadcast_to(style, n)), 0.1)
            elif kind == "money":
                f[col] = _money_text(series, rng.choice(4, n, p=[0.4, 0.3, 0.15, 0.15]))
            elif kind in ("int", "number"):
                vals = [None if pd.isna(x) else f"{x:.0f}" for x in series]
                f[col] = _sprinkle(rng, vals, 0.15 if kind == "int" else 0.03)
            elif kind in _TH:
                f[col] = series.map(_TH[kind]).astype(object)
            elif col in ("person_id", "household_id", "national_id") and name in (
                    "participants", "happiness"):
                f[col] = _sprinkle(rng, [None if pd.isna(x) else str(x) for x in series], 0.08)
            f[col] = f[col].astype(object).where(pd.notna(f[col]), None)
        out[name] = f
    return out


def _messy_bulk(rng, t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Large programs: about 2 % of dates in BE form and of amounts/ids in Thai digits."""
    out = dict(t)
    for name, cols in (("ledger", ("date", "amount")), ("finance", ("income", "date")),
                       ("happiness", ("date", "person_id")), ("savings", ("date", "deposit"))):
        f = out[name].copy()
        for col in cols:
            pick = np.flatnonzero(rng.random(len(f)) < 0.02)
            kind = TABLES[name].column(col).kind
            blank = f[col].isna().to_numpy()
            if kind == "date":
                text = np.datetime_as_string(f[col].to_numpy(dtype="datetime64[D]"),
                                             unit="D").astype(object)
                text[pick] = _be_text(f[col].iloc[pick], np.ones(len(pick), int))
            elif kind == "money":
                values = f[col].to_numpy(dtype=float, na_value=np.nan)
                text = np.where(blank, 0, values).astype(np.int64).astype(str).astype(object)
                text[pick] = _money_text(f[col].iloc[pick], np.full(len(pick), 3))
            else:
                text = np.array(f[col].astype(object), dtype=object)
                text[pick] = _thai_digits(text[pick])
            text[blank] = None
            f[col] = pd.Series(text, index=f.index, dtype=object)
        out[name] = f
    return out
